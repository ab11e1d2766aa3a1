/* store/pg/pg_int.h - what the files of the PostgreSQL engine share (the
 * files in src/store/pg/; store/backend.h is the engine's face, the ops
 * table imt_pg_ops in engine.c).  Only these files include libpq-fe.h or
 * this header.
 *
 *   engine.c  errors, running a statement (interrupt, cancel, lost
 *             connection), transactions, the chain head, the ops table
 *   open.c    connecting and reconnecting, the session, notifications,
 *             the locator shown without its password, closing
 *   schema.c  the schema, generated from the dictionary, its creation and
 *             upgrade under an advisory lock, the grants, the role script
 *   rows.c    cases <-> parameters and binary result rows, audit rows
 *   cases.c   one case: get, insert, update, review
 *   stage.c   bulk inserts through COPY into a staging table
 *   query.c   filters, counts, keyset pages, walks (a cursor), the audit
 *             read, the database key
 *   check.c   the store's checks, the chain recomputed, the history replayed
 *   table.c   whole tables as engine-neutral rows (copy --to)
 *   course.c  a case's course (events): read, edited, next_due and the
 *             follow-up schedule
 *   evstage.c import --events: the file's events through COPY into a
 *             staging table, given back one case at a time
 *   review.c  review (sign-out lock, re-open), decisions, the decision
 *             states, other sessions' changes
 *   walk.c    the filtered cases in slices, each with its course
 *
 * Design notes
 * - Everything lives in the schema "imtreview" of the database the
 *   locator names; the session's search_path is that schema (pg_catalog
 *   is searched first).  The schema version is meta.schema_version.
 *   Creating or upgrading it happens in one transaction under a
 *   transaction-level advisory lock, and the version is read again once
 *   the lock is held, so exactly one process does it.  When the schema
 *   belongs to a role the user is a member of (imtreview_owner, made by
 *   the role script), the objects are created as that role.
 * - Values are always parameters (PQexecParams / COPY data); only fixed
 *   fragments (column names, sort directions, enumeration positions of
 *   a filter mask) are ever put into the SQL text.  Rows of cases are
 *   read in binary format: no locale or float formatting in between.
 * - Columns mirror SQLite's: text, double precision, bigint, boolean;
 *   enumerations as their canonical text with CHECK constraints; case_id
 *   with the "C" collation, so that it sorts bytewise as in SQLite.
 *   Sort keys are STORED generated columns sort_<name> (unknown: the
 *   enumeration's length or +Infinity), indexed with case_id: the same
 *   keyset order as SQLite's.  The case-insensitive search compares
 *   folded copies of site_detail and notes (site_detail_fold,
 *   notes_fold) that the engine writes with utf8_fold(), as SQLite's
 *   imt_contains() folds, so both engines find the same cases for every
 *   script.
 * - Every write transaction first locks the one row of audit_head (the
 *   chain's last seq and hash) FOR UPDATE, as SQLite's BEGIN IMMEDIATE
 *   takes its write lock: writers are serialised (lock_timeout = the
 *   busy timeout, then STORE_BUSY), seqs have no gaps, and each audit row
 *   is hashed in C (store/chain.h) from the values it binds, chained to
 *   the head.  The head row is written back just before COMMIT.  An
 *   update then locks the case row itself (SELECT ... FOR UPDATE), so a
 *   per-case version check can be added inside the same transaction.
 * - The audit is append-only in the database: triggers refuse UPDATE,
 *   DELETE and TRUNCATE on audit; a role made by the role script has no
 *   UPDATE/DELETE privilege on it either.
 * - Change notification: statement triggers on cases and audit NOTIFY
 *   the channel "imtreview"; every session LISTENs, and a notification
 *   from another backend moves the data version.  The socket is the
 *   notify descriptor.
 * - A statement is sent asynchronously and waited for with poll(): the
 *   interrupt callback is consulted every 50 ms and on a signal, and a
 *   stop cancels the statement (PQcancel).
 * - A lost connection: the call fails with a message that says so (and
 *   whether a commit may have happened); the engine reconnects at once,
 *   and a read outside a transaction is retried once on the new
 *   connection.
 */
#ifndef IMT_STORE_PG_INT_H
#define IMT_STORE_PG_INT_H

#include "../backend.h"
#include "store/sbuf.h"
#include "store/chain.h"
#include "store/record.h"
#include "core/followup.h"
#include "store/decide.h"

#include <libpq-fe.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_SCHEMA "imtreview"
#define PG_SCHEMA_VERSION 4       /* 3: review, 4: course */
#define PG_BUSY_MS 5000
#define PG_NOTIFY_CHANNEL "imtreview"
#define PG_NCOLS (IMT_F_COUNT + 1)        /* dictionary columns + alk_discordant */
#define PG_CHECK_REPORT_CAP 1000

/* Type OIDs of the built-in types used (pg_type.h is not in libpq-dev). */
enum { PG_BOOL = 16, PG_BYTEA = 17, PG_INT8 = 20, PG_INT2 = 21, PG_INT4 = 23,
       PG_TEXT = 25, PG_FLOAT4 = 700, PG_FLOAT8 = 701, PG_VARCHAR = 1043 };

/* ---- parameters --------------------------------------------------------------- */

#define PGP_MAX 96
typedef struct {
    int n;
    bool oom;
    const char *v[PGP_MAX];
    int len[PGP_MAX];
    int fmt[PGP_MAX];
    Oid type[PGP_MAX];
    char bin[PGP_MAX][8];
} pgparams;

void pgp_text(pgparams *p, const char *s);      /* NULL: SQL NULL */
void pgp_f8(pgparams *p, double d);
void pgp_i8(pgparams *p, long long v);
void pgp_bool(pgparams *p, int b);
void pgp_null(pgparams *p, Oid type);

/* ---- the engine's state -------------------------------------------------------- */

typedef enum { TX_NONE, TX_USER, TX_EDIT, TX_WALK } pg_tx;

typedef struct pg_stage pg_stage;   /* stage.c */

struct imt_backend {
    PGconn *conn;
    PGcancel *cancel;
    char *locator;          /* as given: may hold a password; never shown */
    char *shown;            /* the locator without its password          */
    char user[128];         /* current_user: the audit's user            */
    int pid;                /* our backend's pid (own notifications)     */
    bool readonly;          /* asked for with STORE_OPEN_READONLY        */
    bool role_readonly;     /* the role may not write, or a standby      */
    bool created;           /* this open created the schema             */
    int version;
    int busy_ms;
    int (*progress)(void *ctx);
    void *progress_ctx;
    int (*interrupt)(void *ctx);
    void *interrupt_ctx;
    bool cancel_sent;       /* a stop cancelled the running statement    */
    bool lost;              /* the last failure was a lost connection    */
    /* transactions */
    pg_tx tx;
    bool in_user_tx;        /* store_begin active (tx is TX_USER, or an
                               edit's savepoint inside it)               */
    bool aborted;           /* an error aborted the transaction          */
    long inserts;           /* inserts in this process (stop checks)     */
    /* the chain head, locked in the current write transaction */
    bool head_locked;
    bool head_dirty;        /* rows appended: written back at commit     */
    long long head_seq;
    bool head_has;
    unsigned char head_hash[32];
    char now[32];           /* the server's UTC time when it was locked */
    /* saved at an edit's savepoint, restored when it rolls back */
    long long sp_seq;
    bool sp_has, sp_dirty;
    unsigned char sp_hash[32];
    /* change notification */
    long long dver;
    /* bulk inserts */
    pg_stage *stage;
    struct pg_tcopy *tcopy;  /* copy --to: a table being filled (table.c) */
    /* the follow-up schedule next_due is computed with (course.c; the
     * built-in one until store_set_schedule) */
    bool sched_set;
    bool sched_stale;        /* stored dates are another schedule's      */
    fu_schedule sched;
    char sched_text[600];
    char fu_dates[2][11];    /* the follow-up filter's today and until   */
    struct pg_evstage *evs;  /* import --events under way (evstage.c)    */
    /* review (review.c) */
    char *full_name;        /* the signer's full name (passwd), or NULL  */
    rules_result *rres;     /* rules of the case being written           */
    char err[1024];
};

/* engine.c */
int pg_set_err(imt_backend *b, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int pg_fail(imt_backend *b, const PGresult *res, const char *what);
PGresult *pg_run(imt_backend *b, const char *sql, const pgparams *p, bool binary,
                 const char *what, int *rc);
int pg_exec(imt_backend *b, const char *sql, const pgparams *p, const char *what);
int pg_wait(imt_backend *b);
PGresult *pg_result(imt_backend *b, const char *what, int *rc);
bool pg_is_readonly(const imt_backend *b);
int pg_refuse_readonly(imt_backend *b);
int pg_edit_begin(imt_backend *b);
int pg_edit_end(imt_backend *b, int rc);
int pg_lock_head(imt_backend *b);
int pg_audit_add(imt_backend *b, const char *case_id, const char *field, const char *oldv,
                 const char *newv, const char *source, const char *comment,
                 const char *ruleset, const char *snapshot);
void pg_audit_next_cols(imt_backend *b, const char *const names[], const char *const vals[],
                        int n, long long *seq, char rh_hex[65], char h_hex[65]);
void pg_audit_next(imt_backend *b, const char *case_id, const char *field,
                   const char *oldv, const char *newv, const char *source,
                   const char *comment, const char *ruleset, const char *snapshot,
                   long long *seq, char rh_hex[65], char h_hex[65]);
int pg_flush(imt_backend *b);
/* open.c */
imt_backend *pg_open(const char *locator, unsigned flags, const char *user, char *err,
                     size_t errn);
void pg_close(imt_backend *b);
int pg_reconnect(imt_backend *b);
int pg_session(imt_backend *b);
int pg_data_version(imt_backend *b, long long *v);
int pg_notify_fd(imt_backend *b);
void pg_mask_locator(const char *locator, char *out, size_t n);
PGconn *pg_connect(const char *locator, int (*interrupt)(void *), void *ictx, char *err,
                   size_t errn);
void pg_remove(const char *locator);
int pg_probe(const char *locator, char *err, size_t errn);
int pg_identity(imt_backend *b, char *out, size_t n);
int pg_display_name(imt_backend *b, char *out, size_t n);
/* schema.c */
int pg_migrate(imt_backend *b, bool create);
char *pg_roles_script(void);
int pg_check_schema(imt_backend *b, void (*problem)(void *ctx, const char *msg), void *ctx);
const char *pg_sort_col(imt_sort_key k, char *buf, size_t n);
/* rows.c */
const char *pg_cols(void);
const char *pg_read_cols(void);
int pg_bind_case(imt_backend *b, pgparams *p, const imt_case *c);
int pg_load_case(const PGresult *r, int row, int base, imt_case *c);
int pg_check_case(const imt_case *c, char *msg, size_t n);
char *pg_fold_field(const imt_case *c, int f);
/* cases.c */
int pg_get(imt_backend *b, const char *case_id, imt_case *out);
int pg_get_locked(imt_backend *b, const char *case_id, imt_case *out);
bool pg_exists(imt_backend *b, const char *case_id);
int pg_insert(imt_backend *b, imt_case *c, const char *source);
int pg_insert_one(imt_backend *b, imt_case *c, const char *source);
int pg_update(imt_backend *b, imt_case *c, const char *source, int *nchanged);
int pg_update_fields(imt_backend *b, const imt_case *c, const int *fields, int nf,
                     const char *source, int *nchanged);
int pg_set_review(imt_backend *b, const char *case_id, int status, const char *comment,
                  const char *ruleset);
int pg_edit(imt_backend *b, const char *case_id, const store_edit_req *rq,
            store_edit_result *res);
/* stage.c */
int pg_stage_insert(imt_backend *b, imt_case *c, const char *source, bool *staged);
int pg_stage_flush(imt_backend *b);
int pg_stage_finish(imt_backend *b);
bool pg_stage_may_hold(imt_backend *b, const char *case_id);
void pg_stage_free(imt_backend *b);
/* course.c */
/* the event columns, in the order pg_load_event reads them (binary) */
#define PG_EV_SELECT "e.id, e.date, e.day, e.type, e.line, e.agent, e.intent, e.reason, " \
                     "e.response, e.extent, e.site, e.detail"
/* The event in columns base.. (PG_EV_SELECT order) of row i, of case
 * case_id.  0, or -1 when out of memory. */
int pg_load_event(const PGresult *r, int i, int base, const char *case_id, imt_event *e);
int pg_events_get(imt_backend *b, const char *case_id, imt_course *out);
int pg_foreach_course(imt_backend *b, const imt_filter *f,
                      int (*cb)(void *ctx, const imt_case *c, const imt_course *co), void *ctx);
int pg_event_add(imt_backend *b, const char *case_id, imt_event *e, const char *source);
int pg_event_remove(imt_backend *b, const char *case_id, long long id, const char *source);
int pg_course_refresh(imt_backend *b, const char *case_id);
int pg_course_edit(imt_backend *b, const char *case_id, int op, long long id,
                   const imt_event *e, const char *source, long long *id_out);
int pg_set_schedule(imt_backend *b, const fu_schedule *s, char *note, size_t n);
int pg_course_after_copy(imt_backend *b);
int pg_course_import(imt_backend *b, const imt_case *c, const imt_course *stored,
                     bool replace, imt_course *add, const char *source);
int pg_course_read(imt_backend *b, const imt_case *c, imt_course *out);
const fu_schedule *pg_sched(imt_backend *b);
void pg_next_due_new(imt_backend *b, const imt_case *c, char out[11]);
int pg_course_check_case(imt_backend *b, const imt_case *before, const imt_case *after);
/* evstage.c */
void *pg_evstage_open(imt_backend *b);
int pg_evstage_add(imt_backend *b, void *g, const imt_event *e, long line);
int pg_evstage_next(imt_backend *b, void *g, imt_case *c, imt_course *stored,
                    imt_course *staged, long *first_line);
void pg_evstage_close(imt_backend *b, void *g);
int pg_evstage_insert(imt_backend *b, const char *case_id, imt_event *e, const char *source,
                      bool *staged);
int pg_evstage_flush(imt_backend *b);
/* review.c */
void pg_set_full_name(imt_backend *b, const char *full_name);
void pg_review_free(imt_backend *b);
int pg_fresh_state(imt_backend *b, const imt_case *c, int *state);
int pg_case_touch(imt_backend *b, const char *case_id, bool bump);
int pg_case_state_save(imt_backend *b, const imt_case *c, const imt_course *co);
int pg_case_state(imt_backend *b, const imt_case *c, int *state);
int pg_states_current(imt_backend *b);
int pg_review(imt_backend *b, const store_review_req *rq, store_review_result *res);
int pg_decide(imt_backend *b, const store_decide_req *rq, store_decide_result *res);
int pg_decisions(imt_backend *b, const char *case_id, store_decision **out, int *n);
int pg_changes_since(imt_backend *b, long long *mark, long cap, long *ncases, bool *more);
int pg_states_open(imt_backend *b);
int pg_states_pass(imt_backend *b, bool all, long *nchanged);
int pg_after_copy(imt_backend *b);
/* query.c */
void pg_filter_sql(imt_backend *st, sbuf *b, const imt_filter *f, pgparams *p,
                   char **needle);
long pg_count(imt_backend *b, const imt_filter *f);
bool pg_passes(imt_backend *b, const imt_filter *f, const char *case_id);
long pg_rank(imt_backend *b, const imt_filter *f, imt_sort s, const char *case_id);
int pg_page(imt_backend *b, const imt_filter *f, imt_sort s, const char *anchor, int dir,
            int n, imt_case *out);
int pg_foreach(imt_backend *b, const imt_filter *f, imt_sort s,
               int (*cb)(void *ctx, const imt_case *c), void *ctx);
int pg_foreach_by_key(imt_backend *b, const imt_filter *f,
                      void (*key)(void *kctx, const imt_case *c, char *out, size_t n),
                      void *kctx, int (*cb)(void *ctx, const imt_case *c), void *ctx);
int pg_audit_foreach(imt_backend *b, const char *case_id,
                     int (*cb)(void *ctx, const imt_audit *a), void *ctx);
int pg_secret(imt_backend *b, unsigned char key[32]);
int pg_set_secret(imt_backend *b, const unsigned char key[32]);
int pg_walk(imt_backend *b, const char *sql, const pgparams *p, bool binary,
            const char *what, int (*row)(void *ctx, const PGresult *r, int i), void *ctx);
/* walk.c */
void *pg_walk_open(imt_backend *b, const imt_filter *f, const int *fields, int nf, bool course);
int pg_walk_step(imt_backend *b, void *w, long max,
                 int (*cb)(void *ctx, const imt_case *c, const imt_course *co), void *ctx);
void pg_walk_close(imt_backend *b, void *w);
/* check.c */
int pg_check(imt_backend *b, void (*report)(void *ctx, const char *msg), void *ctx);
int pg_check_head(imt_backend *b, void (*report)(void *ctx, const char *msg), void *ctx,
                  store_audit_head *head);
/* table.c */
int pg_table_rows(imt_backend *b, const char *table, const char *order,
                  int (*cb)(void *ctx, const store_row *r), void *ctx);
int pg_table_count(imt_backend *b, const char *table, long long *n);
int pg_table_put(imt_backend *b, const char *table, const store_row *r);
int pg_table_end(imt_backend *b, const char *table);
int pg_value_to_chain(const PGresult *r, int row, int col, chain_val *out);
void pg_table_free(imt_backend *b);

extern const imt_store_ops imt_pg_ops;

#endif
