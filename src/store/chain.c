/* store/chain.c - the audit hash chain shared by the engines (store/chain.h). */
#define _GNU_SOURCE
#include "store/chain.h"

#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char chain_row_tag[] = "imtreview audit row v1";

void chain_hex(const unsigned char d[32], char out[65])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[64] = '\0';
}

int chain_unhex(const char *s, unsigned char d[32])
{
    if (!s || strlen(s) != 64)
        return -1;
    for (int i = 0; i < 64; i++) {
        int c = s[i], v;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else
            return -1;
        if (i & 1)
            d[i / 2] = (unsigned char)(d[i / 2] | v);
        else
            d[i / 2] = (unsigned char)(v << 4);
    }
    return 0;
}

/* SHA-256 is nettle's (SHA-NI where the processor has it). */
static void sha_update(struct sha256_ctx *c, const void *p, size_t n)
{
    sha256_update(c, n, p);
}

static void sha_u64(struct sha256_ctx *c, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (56 - 8 * i));
    sha_update(c, b, 8);
}

static void sha_bytes(struct sha256_ctx *c, const void *p, size_t n)
{
    sha_u64(c, n);
    if (n)
        sha_update(c, p, n);
}

static int col_cmp(const void *a, const void *b)
{
    return strcmp(((const chain_val *)a)->name, ((const chain_val *)b)->name);
}

bool chain_own_column(const char *name)
{
    return strcmp(name, "seq") == 0 || strcmp(name, "row_hash") == 0 ||
           strcmp(name, "hash") == 0;
}

void chain_row_hash(chain_val *cols, int n, unsigned char out[32])
{
    qsort(cols, (size_t)n, sizeof *cols, col_cmp);
    struct sha256_ctx c;
    sha256_init(&c);
    sha_update(&c, chain_row_tag, sizeof chain_row_tag);
    for (int i = 0; i < n; i++) {
        const chain_val *v = &cols[i];
        if (chain_own_column(v->name) || v->type == CHAIN_NULL)
            continue;
        sha_bytes(&c, v->name, strlen(v->name));
        switch (v->type) {
        case CHAIN_INT:
            sha_update(&c, "i", 1);
            sha_u64(&c, (uint64_t)v->i);
            break;
        case CHAIN_REAL: {
            uint64_t u;
            memcpy(&u, &v->r, sizeof u);
            sha_update(&c, "r", 1);
            sha_u64(&c, u);
            break;
        }
        case CHAIN_TEXT:
            sha_update(&c, "t", 1);
            sha_bytes(&c, v->p, v->n);
            break;
        case CHAIN_BLOB:
            sha_update(&c, "b", 1);
            sha_bytes(&c, v->p, v->n);
            break;
        case CHAIN_NULL:
            break;
        }
    }
    sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

void chain_link(const unsigned char *prev, const unsigned char rh[32], unsigned char out[32])
{
    static const unsigned char zero[32];
    struct sha256_ctx c;
    sha256_init(&c);
    sha_update(&c, prev ? prev : zero, 32);
    sha_update(&c, rh, 32);
    sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

/* ---- the verifier ----------------------------------------------------------- */

static void say(chain_verifier *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(chain_verifier *v, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    v->report(v->ctx, msg);
}

void chain_verify_start(chain_verifier *v, store_audit_head *head,
                        void (*report)(void *ctx, const char *msg),
                        long long (*find_prev)(void *ctx, const unsigned char rh[32],
                                               const unsigned char h[32], long long self),
                        void *ctx)
{
    memset(v, 0, sizeof *v);
    memset(head, 0, sizeof *head);
    v->head = head;
    v->report = report;
    v->find_prev = find_prev;
    v->ctx = ctx;
}

void chain_verify_row(chain_verifier *v, long long seq, const unsigned char rh[32],
                      const char *srh_hex, const char *sh_hex)
{
    store_audit_head *head = v->head;
    unsigned char srh[32], sh[32], d[32];
    bool hash_ok = chain_unhex(sh_hex, sh) == 0;
    head->rows++;
    head->seq = seq;
    snprintf(head->hash, sizeof head->hash, "%s", hash_ok ? sh_hex : "");
    if (v->broken) {
        if (hash_ok) {
            memcpy(v->prev, sh, 32);
            v->have_prev = true;
        }
        return;
    }
    long long prev_seq = v->prev_seq;
    bool gap = head->rows > 1 ? seq != prev_seq + 1 : false;
    if (!hash_ok) {
        say(v, "audit row %lld has no valid hash: it was added or rewritten behind "
               "imtreview's back (the hash chain breaks here)", seq);
        v->broken = true;
    } else if (chain_unhex(srh_hex, srh) != 0 || memcmp(srh, rh, 32) != 0) {
        say(v, "audit row %lld was changed after it was written: its values do not "
               "match its hash (the hash chain breaks here)", seq);
        v->broken = true;
    } else {
        chain_link(v->have_prev ? v->prev : NULL, rh, d);
        if (memcmp(d, sh, 32) != 0) {
            v->broken = true;
            long long from = v->find_prev(v->ctx, rh, sh, seq);
            if (gap && seq - prev_seq == 2)
                say(v, "audit row %lld was removed: row %lld does not follow row %lld "
                       "in the hash chain", prev_seq + 1, seq, prev_seq);
            else if (gap)
                say(v, "audit rows %lld to %lld were removed: row %lld does not follow "
                       "row %lld in the hash chain", prev_seq + 1, seq - 1, seq, prev_seq);
            else if (from > seq)
                say(v, "audit row %lld is out of order: it was written after the row "
                       "now numbered %lld (the audit trail was reordered)", seq, from);
            else if (from == 0 && head->rows > 1)
                say(v, "audit rows up to %lld were inserted behind imtreview's back: "
                       "row %lld was written as the first row", prev_seq, seq);
            else if (from > 0 && from == prev_seq - 1)
                say(v, "audit row %lld was inserted behind imtreview's back: row %lld "
                       "was written right after row %lld", prev_seq, seq, from);
            else if (from > 0 && from < prev_seq)
                say(v, "audit rows %lld to %lld were inserted behind imtreview's "
                       "back: row %lld was written right after row %lld",
                    from + 1, prev_seq, seq, from);
            else if (head->rows == 1)
                say(v, "audit row %lld is not the first row written: the rows before "
                       "it were removed", seq);
            else
                say(v, "audit row %lld does not follow row %lld in the hash chain: "
                       "rows between them were removed, or its hash was rewritten",
                    seq, prev_seq);
        }
    }
    if (!v->broken && gap)
        say(v, "audit rows %lld to %lld are missing (renumbered behind imtreview's "
               "back)", prev_seq + 1, seq - 1);
    if (hash_ok) {
        memcpy(v->prev, sh, 32);
        v->have_prev = true;
    }
    v->prev_seq = seq;
}

void chain_verify_end(chain_verifier *v)
{
    v->head->ok = !v->broken;
}
