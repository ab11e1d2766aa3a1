/* store/sqlite/sqlite_int.h - what the files of the SQLite engine share
 * (the files in src/store/sqlite/; store/backend.h is the engine's face, the ops
 * table imt_sqlite_ops in engine.c).  Only these files include sqlite3.h
 * or this header.
 *
 *   engine.c  errors, handlers, transactions, the ops table
 *   open.c    opening (side files, damage check), closing
 *   schema.c  the schema, generated from the dictionary, and migrations
 *   chain.c   the audit trail's SHA-256 hash chain
 *   rows.c    cases <-> rows, audit rows
 *   cases.c   one case: get, insert, update, edit, review
 *   decisions.c  decisions on recommendations, the per-case decision state
 *             (kept on every write, recomputed in one pass when the rule
 *             set's version changes), the changes another session made
 *   query.c   filters, counts, keyset pages, walks, the audit read
 *   check.c   integrity check, the chain recomputed, the history replayed
 *   search.c  counts per filter cell, the search index, search sets
 *   backup.c  the online backup
 *   events.c  the course: events, their audit, next_due and the schedule
 *   evstage.c the staging area of import --events (temporary tables)
 *
 * Design notes
 * - One file, WAL mode, busy timeout: several readers and one writer at a
 *   time can share it (a department's file at mode 0660 with a group).
 * - Schema versioned with PRAGMA user_version.  migrations[] lists the
 *   steps; opening runs the missing ones in one IMMEDIATE transaction, and
 *   refuses a file made by a newer program.
 * - Table cases: one typed column per data-dictionary column, generated
 *   from imt_fields[] (one description of the dictionary), with CHECK
 *   constraints mirroring it.  Enumerations are stored as their canonical
 *   text, booleans as 0/1, unknown as NULL.
 * - Sorting and keyset paging: for each sortable list column a VIRTUAL
 *   generated column sort_<name> maps the value to a never-NULL key
 *   (numbers: the value, unknown = +Inf; enumerations: their position in
 *   the dictionary, unknown last), indexed together with case_id.  A row
 *   value comparison (sort_x, case_id) > (?, ?) then seeks straight into
 *   the index (SQLite does not seek with a row value on an expression
 *   index, only on columns; checked with EXPLAIN QUERY PLAN).  Descending is
 *   the exact reverse of ascending, so unknowns come last ascending and
 *   first descending (PostgreSQL's default, which the planned backend
 *   will share).  The same sort_ columns serve the filters (site, ALK,
 *   outcome, review state), so one index per column does both jobs.
 * - Audit: append-only table, triggers refuse UPDATE and DELETE, and an
 *   INSERT that would replace an existing row (INSERT OR REPLACE deletes
 *   the old row without firing DELETE triggers; schema version 2).
 * - Review (schema version 4): each case has a version (1 at its
 *   creation, +1 for every saved change: an edit, an update, a review, a
 *   decision), the latest review comment, the full name of who signed it
 *   out and its decision state (core/review.h: decided, undecided,
 *   stale), indexed with case_id for the --decision filter.  The state is
 *   written with every change of the case (rules_evaluate on the new
 *   values and the case's decisions: one indexed query), so a filter is a
 *   seek, never a pass over the table; meta 'decision_ruleset' records the
 *   rule set the states were computed under, and a writable open under
 *   another rule set recomputes them all in one pass.  Decisions live in
 *   their own append-only table (the latest per case and rule counts) and
 *   in the audit trail (columns rule_id, fired_by, full_name).
 * - Events (schema version 5): table events, one row per event of a
 *   case's course, its columns those of the events CSV (date as given:
 *   a calendar date in `date` or days from diagnosis in `day`).  Every
 *   change is an audit row with field 'event' and the event as a JSON
 *   object (with its id) in old_value / new_value, so `check` replays
 *   each course as it replays the case's fields.
 * - next_due (schema version 5): a derived column of cases, the next
 *   follow-up date from the case, its course and the follow-up schedule
 *   (core/followup.h), written with every change of either; the schedule
 *   it was computed with is kept in meta ('followup_schedule'), and a
 *   writer opening with another schedule computes every next_due again.
 *   Indexed through sort_next_due, so the worklist (due, overdue: a range
 *   of dates) and its order (most overdue first) read the index, not every
 *   case.
 */
#ifndef IMT_STORE_SQLITE_INT_H
#define IMT_STORE_SQLITE_INT_H

#include "../backend.h"
#include "store/sbuf.h"
#include "store/chain.h"
#include "store/record.h"
#include "store/decide.h"
#include "core/review.h"
#include "core/rules.h"
#include "core/utf8.h"
#include "core/events.h"
#include "core/followup.h"

#include <sqlite3.h>

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define STORE_SCHEMA_VERSION 6
#define STORE_BUSY_MS 5000
#define NCOLS (IMT_F_COUNT + 1)     /* dictionary columns + alk_discordant */
#define NLOAD (NCOLS + 1)           /* + next_due: what a read of a case loads */
#define NEXTRA 4                    /* version, decision_state, review_comment,
                                       signer_name (after the NLOAD: read_cols) */
#define SORT_V1_KEYS (SORT_REVIEW + 1)  /* sort columns of schema version 1 */
#define CHECK_REPORT_CAP 1000

/* A field of a case by its dictionary offset. */
#define FPTR(c, f, T) ((T *)((char *)(c) + imt_fields[f].offset))
#define FCPTR(c, f, T) ((const T *)((const char *)(c) + imt_fields[f].offset))

/* ---- the store ------------------------------------------------------------ */

enum {
    Q_INSERT, Q_UPDATE, Q_AUDIT, Q_GET, Q_EXISTS, Q_REVIEW,
    Q_BEGIN, Q_COMMIT, Q_ROLLBACK, Q_SAVEPOINT, Q_RELEASE, Q_ROLLBACK_TO,
    Q_UNINSERT, Q_ANY, Q_DATA_VERSION, Q_PENDING_ANY, Q_AUDIT_LAST,
    Q_DECISIONS, Q_DECIDE, Q_BUMP, Q_LAST_CHANGE, Q_LAST_FIELD, Q_META_GET,
    Q_META_SET, Q_SETSTATE,
    Q_EV_INSERT, Q_EV_DELETE, Q_EV_UPDATE, Q_EV_GET, Q_EV_ONE, Q_NEXT_DUE,
    Q_N
};

struct imt_backend {
    sqlite3 *db;
    char *user;
    bool created;         /* this open created the file                  */
    sqlite3_stmt *tput;   /* copy --to: the insert of the table being filled */
    char tput_table[64];
    char *full_name;      /* the user's full name (GECOS), or NULL       */
    char *path;           /* the database file                           */
    bool journal_off_wal; /* a first fill runs with a rollback journal   */
    bool readonly;        /* asked for with STORE_OPEN_READONLY          */
    bool file_readonly;   /* the file itself is not writable for us      */
    char ro_why[320];     /* why it is read-only, when damaged or full   */
    bool damaged;         /* SQLite found the file corrupt: read-only now */
    char damage[256];     /* what it said                                 */
    bool in_tx;           /* sq_begin() active                        */
    bool bulk_checked;    /* first insert of this transaction seen       */
    bool bulk;            /* indexes dropped, to be built at commit      */
    int version;
    int busy_ms;
    int (*progress)(void *ctx);     /* store_set_progress          */
    void *progress_ctx;
    int (*interrupt)(void *ctx);    /* store_set_interrupt         */
    void *interrupt_ctx;
    int last_rc;          /* SQLite code of the last failure             */
    char *cols;           /* "case_id, age_years, ..., alk_discordant"   */
    char *read_cols;      /* cols + version, decision_state, review_comment,
                             signer_name: what a read of a case selects */
    rules_result *rres;   /* rules of the case being written (decisions.c) */
    sqlite3_stmt *q[Q_N];
    sqlite3_stmt *anchor[SORT_NKEYS];
    sqlite3_stmt *imported[8];    /* sq_course_import's updates, by the
                                     columns they set (prepared when used) */
    time_t now_t;
    char now[32];
    /* search.c: the set of cases the last search text matches (and sets
     * an open walk still uses), and what it was built against */
    struct sq_search_set *search, *search_retired;
    /* chain.c: whether audit rows get their hashes here (false: the
     * table has columns this program does not fill) */
    bool chain_in_c;
    unsigned wgen;        /* bumped by each rollback of ours             */
    long bulk_counts[SITE_N + 1][ALK_N + 1][OUT_N + 1][REV_N + 1][DSTATE_N];
    bool bulk_counts_ok;  /* bulk_counts hold the cases inserted         */
    char err[768];
    fu_schedule sched;    /* the follow-up schedule next_due is computed with */
    char sched_text[600]; /* its canonical text (meta 'followup_schedule') */
    bool sched_stale;     /* the stored next_due values were computed with
                             another schedule and this connection cannot
                             write them again (read-only)                */
};

/* An audit row's column as the shared chain hashes it (chain.c). */
void sq_chain_val(chain_val *out, const char *name, sqlite3_value *v);

int sq_set_err(imt_backend *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* backup.c */
int sq_backup(imt_backend *st, const char *dest);
/* cases.c */
int sq_data_version(imt_backend *st, long long *v);
bool sq_exists(imt_backend *st, const char *case_id);
int sq_get(imt_backend *st, const char *case_id, imt_case *out);
int sq_insert(imt_backend *st, imt_case *c, const char *source);
int sq_set_review(imt_backend *st, const char *case_id, int status, const char *comment, const char *ruleset);
int sq_update(imt_backend *st, imt_case *c, const char *source, int *nchanged);
int sq_update_fields(imt_backend *st, const imt_case *c, const int *fields, int nf, const char *source, int *nchanged);
int sq_edit(imt_backend *st, const char *case_id, const store_edit_req *rq, store_edit_result *res);
int sq_review(imt_backend *st, const store_review_req *rq, store_review_result *res);
int sq_refuse_signed(imt_backend *st, const imt_case *c, const char *what);
int sq_last_change(imt_backend *st, const char *case_id, const char *field, char *user, size_t un, char *when, size_t wn);
bool sq_valid_id(const char *id);
/* chain.c */
int sq_chain_fill(imt_backend *st);
int sq_chain_trigger(imt_backend *st);
void sq_sql_chain(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void sq_sql_row_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv);
int sq_chain_setup(imt_backend *st);
int sq_chain_next(imt_backend *st, const char *const names[], const char *const vals[], int n,
                  char row_hex[65], char hash_hex[65]);
int sq_chain_trigger(imt_backend *st);
void sq_sql_chain(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void sq_sql_row_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv);
typedef struct sq_search_set sq_search_set;
/* search.c */
int sq_bulk_search_finish(imt_backend *st);
int sq_bulk_search_start(imt_backend *st);
void sq_bulk_count(imt_backend *st, const imt_case *c, int dstate, int delta);
char *sq_fold_text(const char *s, size_t n);
int sq_migrate_v6(imt_backend *st);
void sq_search_close(imt_backend *st);
long sq_search_count(const sq_search_set *s);
int sq_search_drain(imt_backend *st);
sq_search_set *sq_search_get(imt_backend *st, const char *needle);
const char *sq_search_ids(const sq_search_set *s);
void sq_search_pin(sq_search_set *s);
void sq_search_unpin(imt_backend *st, sq_search_set *s);
void sq_sql_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void sq_sql_in_search(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void sq_sql_search_text(sqlite3_context *ctx, int argc, sqlite3_value **argv);
/* check.c */
int sq_check(imt_backend *st, void (*report)(void *ctx, const char *msg), void *ctx);
int sq_check_head(imt_backend *st, void (*report)(void *ctx, const char *msg), void *ctx, store_audit_head *head);
/* decisions.c */
int sq_load_decisions(imt_backend *st, const char *case_id, store_decs *out);
int sq_case_state(imt_backend *st, const imt_case *c, bool fresh, int *state, char *ids, size_t idsn);
int sq_case_state_course(imt_backend *st, const imt_case *c, const imt_course *co, int *state);
int sq_decide(imt_backend *st, const store_decide_req *rq, store_decide_result *res);
int sq_decisions(imt_backend *st, const char *case_id, store_decision **out, int *n);
int sq_changes_since(imt_backend *st, long long *mark, long cap, long *ncases, bool *more);
int sq_states_current(imt_backend *st);
int sq_states_uptodate(imt_backend *st);
int sq_recompute_states(imt_backend *st, bool force, long *nchanged);
int sq_case_touch(imt_backend *st, const char *case_id, bool bump);
int sq_states_day(imt_backend *st);
/* events.c */
#define EV_COLS "id, case_id, date, day, type, line, agent, intent, reason, response, extent, site, detail"
int sq_events_get(imt_backend *st, const char *case_id, imt_course *out);
int sq_events_read(imt_backend *st, const imt_case *c, imt_course *out);
int sq_course_import(imt_backend *st, const imt_case *c, const imt_course *stored, bool replace, imt_course *add, const char *source);
/* evstage.c */
void *sq_evstage_open(imt_backend *st);
int sq_evstage_add(imt_backend *st, void *g, const imt_event *e, long line);
int sq_evstage_next(imt_backend *st, void *g, imt_case *c, imt_course *stored, imt_course *staged, long *first_line);
void sq_evstage_close(imt_backend *st, void *g);
int sq_event_load(sqlite3_stmt *s, int base, imt_event *e);
int sq_event_insert(imt_backend *st, const char *case_id, imt_event *e, const char *source);
int sq_event_delete(imt_backend *st, const char *case_id, long long id, const char *source);
int sq_event_update(imt_backend *st, const char *case_id, long long id, const imt_event *e, const char *source);
int sq_course_edit(imt_backend *st, const char *case_id, int op, long long id, const imt_event *e, const char *source, long long *id_out);
int sq_course_refresh(imt_backend *st, const char *case_id);
int sq_course_check_case(imt_backend *st, const imt_case *before, const imt_case *after);
int sq_next_due_write(imt_backend *st, const imt_case *c, const imt_course *co);
int sq_foreach_course(imt_backend *st, const imt_filter *f, int (*cb)(void *ctx, const imt_case *c, const imt_course *co), void *ctx);
int sq_set_schedule(imt_backend *st, const fu_schedule *s, char *note, size_t n);
int sq_recompute_next_due(imt_backend *st, long *nchanged);
int sq_schedule_stored(imt_backend *st, char *buf, size_t n);
/* engine.c */
int sq_bulk_start(imt_backend *st);
int sq_fail(imt_backend *st, int rc, const char *what);
int sq_edit_begin(imt_backend *st);
int sq_edit_end(imt_backend *st, int rc);
int sq_exec1(imt_backend *st, sqlite3_stmt *s, const char *what);
int sq_exec_sql(imt_backend *st, const char *sql, const char *what);
void sq_install_handlers(imt_backend *st);
void sq_mark_damaged(imt_backend *st, const char *what);
const char *sq_now_utc(imt_backend *st);
int sq_refuse_readonly(imt_backend *st);
const char *sq_sort_col(imt_sort_key k, char *buf, size_t n);
bool sq_is_readonly(const imt_backend *st);
/* open.c */
void sq_close(imt_backend *st);
int sq_probe(const char *path, char *err, size_t errn);
bool sq_created(const imt_backend *st);
int sq_identity(imt_backend *st, char *out, size_t n);
int sq_display_name(imt_backend *st, char *out, size_t n);
/* table.c */
int sq_set_secret(imt_backend *st, const unsigned char key[32]);
int sq_table_rows(imt_backend *st, const char *table, const char *order,
                  int (*cb)(void *ctx, const store_row *r), void *ctx);
int sq_table_count(imt_backend *st, const char *table, long long *n);
int sq_table_put(imt_backend *st, const char *table, const store_row *r);
int sq_table_end(imt_backend *st, const char *table);
int sq_after_copy(imt_backend *st);
int sq_states_pass(imt_backend *st, long *nchanged);
void sq_side_files_fix(const char *path);
imt_backend *sq_open(const char *path, unsigned flags, const char *user, char *err, size_t errn);
void sq_remove_files(const char *path);
/* query.c */
int sq_audit_foreach(imt_backend *st, const char *case_id, int (*cb)(void *ctx, const imt_audit *a), void *ctx);
long sq_count(imt_backend *st, const imt_filter *f);
int sq_foreach(imt_backend *st, const imt_filter *f, imt_sort s, int (*cb)(void *ctx, const imt_case *c), void *ctx);
int sq_foreach_by_key(imt_backend *st, const imt_filter *f, void (*key)(void *kctx, const imt_case *c, char *out, size_t n), void *kctx, int (*cb)(void *ctx, const imt_case *c), void *ctx);
int sq_page(imt_backend *st, const imt_filter *f, imt_sort s, const char *anchor, int dir, int n, imt_case *out);
bool sq_passes(imt_backend *st, const imt_filter *f, const char *case_id);
long sq_rank(imt_backend *st, const imt_filter *f, imt_sort s, const char *case_id);
void *sq_walk_open(imt_backend *st, const imt_filter *f, const int *fields, int nf, bool course);
void *sq_ranker_open(imt_backend *st, const imt_filter *f, imt_sort s, const char *case_id);
int sq_ranker_step(imt_backend *st, void *r, long max, long *rank);
void sq_ranker_close(imt_backend *st, void *r);
int sq_walk_step(imt_backend *st, void *w, long max, int (*cb)(void *ctx, const imt_case *c, const imt_course *co), void *ctx);
void sq_walk_close(imt_backend *st, void *w);
int sq_secret(imt_backend *st, unsigned char key[32]);
/* rows.c */
int sq_audit_add(imt_backend *st, const char *case_id, const char *field, const char *oldv, const char *newv, const char *source, const char *comment, const char *ruleset);
int sq_audit_add_snap(imt_backend *st, const char *case_id, const char *field, const char *oldv, const char *newv, const char *source, const char *comment, const char *ruleset, const char *snapshot);
/* An audit row with every column (NULL members bind NULL). */
typedef struct {
    const char *case_id, *field, *oldv, *newv, *source, *comment, *ruleset, *snapshot;
    const char *rule_id, *fired_by, *full_name;
} sq_audit_row;
int sq_audit_add_row(imt_backend *st, const sq_audit_row *r);
int sq_audit_plan_row(imt_backend *st, const char *case_id, const store_audit_row *a);
int sq_bind_case(imt_backend *st, sqlite3_stmt *s, const imt_case *c);
int sq_load_case(sqlite3_stmt *s, int base, imt_case *c);
int sq_load_row_fields(sqlite3_stmt *s, const int *fields, int nf, imt_case *c);
void sq_free_fields(imt_case *c, const int *fields, int nf);
int sq_load_values(sqlite3_value **v, imt_case *c);
/* schema.c */
int sq_count_objects(imt_backend *st, long *n);
void sq_index_ddl(sbuf *b, const char *verb);
void sq_index_ddl_all(sbuf *b, const char *verb);
void sq_index_ddl_v1(sbuf *b, const char *verb);
int sq_migrate(imt_backend *st, const char *path);
int sq_nvalues(const char *const *v);
int sq_read_user_version(imt_backend *st, int *v);

extern const imt_store_ops imt_sqlite_ops;

#endif
