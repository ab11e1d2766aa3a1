/* store/chain.h - the audit trail's SHA-256 hash chain, the same for every
 * engine (store-internal: only the engines include it).
 *
 * Every audit row carries two SHA-256 digests (64 lower-case hex digits):
 *   row_hash = SHA-256 of the row's own values: every column except seq,
 *              row_hash and hash, in the order of their names, NULLs left
 *              out (so a column added later, NULL in old rows, does not
 *              change the old rows' digests); each value as its name, its
 *              type and its bytes, lengths as 8-byte big-endian numbers;
 *   hash     = SHA-256 of the previous row's hash (32 zero bytes for the
 *              first row) followed by this row's row_hash.
 * The position (seq) is covered by the chain, not by row_hash, so that a
 * reordering can be told from a change.  Identical rows give identical
 * digests in every engine: a column's type is its storage class (integer,
 * real, text, blob), so an engine maps its own types onto those four
 * (PostgreSQL: bigint/integer/smallint, double precision, text, bytea),
 * and `copy --to` carries the digests over unchanged.
 *
 * The verifier walks the rows in seq order and names the first row that
 * does not fit and why (changed, removed, inserted, reordered). */
#ifndef IMT_STORE_CHAIN_H
#define IMT_STORE_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include "store/store.h"

typedef enum { CHAIN_NULL, CHAIN_INT, CHAIN_REAL, CHAIN_TEXT, CHAIN_BLOB } chain_type;

/* One column of an audit row. */
typedef struct {
    const char *name;
    chain_type type;
    long long i;          /* CHAIN_INT  */
    double r;             /* CHAIN_REAL */
    const void *p;        /* CHAIN_TEXT / CHAIN_BLOB: the bytes ...      */
    size_t n;             /* ... and their number (no NUL for text)      */
} chain_val;

/* Whether a column is the chain's own (seq, row_hash, hash): never part
 * of row_hash. */
bool chain_own_column(const char *name);

/* row_hash of n columns (sorted here by name, in place; the chain's own
 * columns and NULLs are skipped). */
void chain_row_hash(chain_val *cols, int n, unsigned char out[32]);

/* hash = SHA-256(prev || row_hash); prev NULL = the first row. */
void chain_link(const unsigned char *prev, const unsigned char rh[32], unsigned char out[32]);

void chain_hex(const unsigned char d[32], char out[65]);
/* 64 lower-case hex digits into d; 0, or -1 when s is not one. */
int chain_unhex(const char *s, unsigned char d[32]);

/* ---- the verifier ----------------------------------------------------------- */

typedef struct {
    /* each problem found, as a sentence */
    void (*report)(void *ctx, const char *msg);
    /* the seq of the row whose stored hash row `self` (row hash rh, stored
     * hash h) chains from: 0 when it chains as the first row, -1 when from
     * no row there is.  Asked once, when the chain breaks. */
    long long (*find_prev)(void *ctx, const unsigned char rh[32], const unsigned char h[32],
                           long long self);
    void *ctx;
    store_audit_head *head;
    unsigned char prev[32];
    bool have_prev, broken;
    long long prev_seq;
} chain_verifier;

void chain_verify_start(chain_verifier *v, store_audit_head *head,
                        void (*report)(void *ctx, const char *msg),
                        long long (*find_prev)(void *ctx, const unsigned char rh[32],
                                               const unsigned char h[32], long long self),
                        void *ctx);
/* The next row in seq order: its seq, its row hash computed from its
 * columns, and the stored row_hash and hash (NULL when missing). */
void chain_verify_row(chain_verifier *v, long long seq, const unsigned char rh[32],
                      const char *stored_row_hash, const char *stored_hash);
/* After the last row: head->ok says whether every row fitted. */
void chain_verify_end(chain_verifier *v);

#endif
