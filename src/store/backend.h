/* src/store/backend.h - what a storage engine provides behind store/store.h
 * (private to the store: only store.c and the engines see it, so it is
 * not in include/).
 *
 * store.h is the application's view of the case store; src/store/store.c
 * implements it by choosing an engine from the database locator (a path:
 * SQLite; a postgresql:// or postgres:// URI or a libpq connection string
 * such as "service=NAME": PostgreSQL) and forwarding every call through
 * the engine's table of operations below.  Each engine lives in its own
 * folder (src/store/sqlite/, src/store/pg/) and keeps its state in its
 * own struct imt_backend, which no other file sees.  Only store.c and the
 * engines include this header.
 *
 * Every operation has the meaning of the store.h function of the same
 * name (store_get -> get, ...), with the engine's state in place of the
 * store.  An engine that cannot do an operation returns STORE_ERROR with
 * a message naming it; it never pretends to succeed. */
#ifndef IMT_STORE_BACKEND_H
#define IMT_STORE_BACKEND_H

#include "store/store.h"
#include "store/chain.h"

typedef struct imt_backend imt_backend;

/* A row of a whole table as `copy --to` moves it between engines: its
 * columns by name, each an integer, a real, a text or a blob (the
 * storage classes of store/chain.h; a boolean is an integer 0/1).  The
 * engine's own columns (sort keys, search copies, SQLite's rowid) are not
 * part of it: each engine computes them; nor are the columns an engine
 * derives from the rest (next_due, decision_state). */
typedef struct {
    int n;
    const chain_val *cols;
} store_row;

typedef struct {
    const char *name;     /* engine name for the status line and `check` */
    imt_backend *(*open)(const char *locator, unsigned flags, const char *user,
                         char *err, size_t errn);
    void (*close)(imt_backend *b);
    void (*remove_files)(const char *locator);
    /* Is there a database at the locator: STORE_OK, STORE_NOTFOUND, or
     * STORE_ERROR with the reason in err (store_probe). */
    int (*probe)(const char *locator, char *err, size_t errn);
    /* the locator as it may be shown: without a password */
    void (*shown)(const char *locator, char *out, size_t n);
    /* the engine's administration script (PostgreSQL: the roles), or
     * NULL when it has none; malloc'ed */
    char *(*admin_script)(void);
    /* whether this open created the database (store_created) */
    bool (*created)(const imt_backend *b);
    /* store_identity and store_display_name */
    int (*identity)(imt_backend *b, char *out, size_t n);
    int (*display_name)(imt_backend *b, char *out, size_t n);
    const char *(*errmsg)(const imt_backend *b);
    bool (*is_readonly)(const imt_backend *b);
    const char *(*readonly_why)(const imt_backend *b);
    int  (*schema_version)(const imt_backend *b);
    void (*set_busy_timeout)(imt_backend *b, int ms);
    void (*set_cache)(imt_backend *b, int kib);     /* may be NULL */
    void (*set_interrupt)(imt_backend *b, int (*cb)(void *ctx), void *ctx);
    void (*set_progress)(imt_backend *b, int (*cb)(void *ctx), void *ctx);
    int  (*begin)(imt_backend *b);
    int  (*commit)(imt_backend *b);
    int  (*rollback)(imt_backend *b);
    int  (*data_version)(imt_backend *b, long long *v);
    int  (*notify_fd)(imt_backend *b);
    int  (*get)(imt_backend *b, const char *case_id, imt_case *out);
    bool (*exists)(imt_backend *b, const char *case_id);
    int  (*insert)(imt_backend *b, imt_case *c, const char *source);
    int  (*update)(imt_backend *b, imt_case *c, const char *source, int *nchanged);
    int  (*update_fields)(imt_backend *b, const imt_case *c, const int *fields, int nf,
                          const char *source, int *nchanged);
    int  (*set_review)(imt_backend *b, const char *case_id, int status,
                       const char *comment, const char *ruleset);
    long (*count)(imt_backend *b, const imt_filter *f);
    bool (*passes)(imt_backend *b, const imt_filter *f, const char *case_id);
    long (*rank)(imt_backend *b, const imt_filter *f, imt_sort s, const char *case_id);
    int  (*page)(imt_backend *b, const imt_filter *f, imt_sort s,
                 const char *anchor, int dir, int n, imt_case *out);
    int  (*foreach)(imt_backend *b, const imt_filter *f, imt_sort s,
                    int (*cb)(void *ctx, const imt_case *c), void *ctx);
    int  (*foreach_by_key)(imt_backend *b, const imt_filter *f,
                           void (*key)(void *kctx, const imt_case *c, char *out, size_t n),
                           void *kctx, int (*cb)(void *ctx, const imt_case *c), void *ctx);
    /* a walk in slices (store_walk_*); NULL: store.c walks with page */
    void *(*walk_open)(imt_backend *b, const imt_filter *f, const int *fields, int nf,
                       bool course);
    int  (*walk_step)(imt_backend *b, void *w, long max,
                      int (*cb)(void *ctx, const imt_case *c, const imt_course *co),
                      void *ctx);
    void (*walk_close)(imt_backend *b, void *w);
    /* a rank counted in slices (store_ranker_*); NULL: store.c asks rank */
    void *(*ranker_open)(imt_backend *b, const imt_filter *f, imt_sort s, const char *case_id);
    int  (*ranker_step)(imt_backend *b, void *r, long max, long *rank);
    void (*ranker_close)(imt_backend *b, void *r);
    int  (*audit_foreach)(imt_backend *b, const char *case_id,
                          int (*cb)(void *ctx, const imt_audit *a), void *ctx);
    int  (*secret)(imt_backend *b, unsigned char key[32]);
    /* replace the key (copy --to), inside a transaction */
    int  (*set_secret)(imt_backend *b, const unsigned char key[32]);
    int  (*check)(imt_backend *b, void (*report)(void *ctx, const char *msg), void *ctx);
    /* check that also gives the audit chain's head; NULL: the engine has
     * no chain (store_check_head then reports that as a problem). */
    int  (*check_head)(imt_backend *b, void (*report)(void *ctx, const char *msg), void *ctx,
                       store_audit_head *head);
    /* a consistent copy into a new file; NULL: the engine has none (its
     * own tools do it: pg_dump for PostgreSQL) */
    int  (*backup)(imt_backend *b, const char *dest);
    /* what damage the engine found in the database (it is read-only
     * since), or NULL; the op may be NULL (never damaged) */
    const char *(*damage)(const imt_backend *b);
    /* Whole tables (copy --to, store/copy.c): every row of table in the
     * order of column `order`, as store_rows; the number of rows; a row
     * written as it is (no audit row made, the engine's own columns
     * computed) inside the caller's transaction; the end of a table's
     * rows. */
    int  (*table_rows)(imt_backend *b, const char *table, const char *order,
                       int (*cb)(void *ctx, const store_row *r), void *ctx);
    int  (*table_count)(imt_backend *b, const char *table, long long *n);
    int  (*table_put)(imt_backend *b, const char *table, const store_row *r);
    int  (*table_end)(imt_backend *b, const char *table);
    /* a copy into this engine, before its commit: derive what the engine
     * derives itself (not copied: next_due, decision_state); may be NULL */
    int  (*after_copy)(imt_backend *b);
    /* review (issue 10); NULL: store.c refuses naming the engine */
    void (*set_full_name)(imt_backend *b, const char *full_name);
    int  (*edit)(imt_backend *b, const char *case_id, const store_edit_req *rq,
                 store_edit_result *res);
    int  (*review)(imt_backend *b, const store_review_req *rq, store_review_result *res);
    int  (*decide)(imt_backend *b, const store_decide_req *rq, store_decide_result *res);
    int  (*decisions)(imt_backend *b, const char *case_id, store_decision **out, int *n);
    int  (*changes_since)(imt_backend *b, long long *mark, long cap, long *ncases,
                          bool *more);
    /* the course (issue 14); NULL: not supported by this engine yet */
    int  (*events_get)(imt_backend *b, const char *case_id, imt_course *out);
    int  (*event_add)(imt_backend *b, const char *case_id, imt_event *e, const char *source);
    int  (*event_remove)(imt_backend *b, const char *case_id, long long id,
                         const char *source);
    int  (*course_refresh)(imt_backend *b, const char *case_id);
    int  (*course_edit)(imt_backend *b, const char *case_id, int op, long long id,
                        const imt_event *e, const char *source, long long *id_out);
    int  (*foreach_course)(imt_backend *b, const imt_filter *f,
                           int (*cb)(void *ctx, const imt_case *c, const imt_course *co),
                           void *ctx);
    int  (*set_schedule)(imt_backend *b, const fu_schedule *s, char *note, size_t n);
    /* import --events (store_evstage_*, store_course_import); NULL: not
     * supported by this engine yet */
    void *(*evstage_open)(imt_backend *b);
    int  (*evstage_add)(imt_backend *b, void *g, const imt_event *e, long line);
    int  (*evstage_next)(imt_backend *b, void *g, imt_case *c, imt_course *stored,
                         imt_course *staged, long *first_line);
    void (*evstage_close)(imt_backend *b, void *g);
    int  (*course_import)(imt_backend *b, const imt_case *c, const imt_course *stored,
                          bool replace, imt_course *add, const char *source);
} imt_store_ops;

/* The sortable list columns (ui.md) and the dictionary field behind
 * each, shared by the engines (store.c). */
typedef struct {
    const char *name;
    int field;
} imt_sort_col;
extern const imt_sort_col store_sort_cols[SORT_NKEYS];

#endif
