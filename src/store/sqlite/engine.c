/* store/sqlite/engine.c - the SQLite engine: errors, busy/progress/commit handlers, transactions
 * and the table of operations (store/backend.h). */
#define _GNU_SOURCE
#include "sqlite_int.h"

const char *sq_sort_col(imt_sort_key k, char *buf, size_t n)
{
    if (k == SORT_CASE_ID)
        return "case_id";
    snprintf(buf, n, "sort_%s", store_sort_cols[k].name);
    return buf;
}

int sq_set_err(imt_backend *st, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err, sizeof st->err, fmt, ap);
    va_end(ap);
    return code;
}

/* A damaged file is never written into again by this connection: every
 * write is refused from here on (sq_is_readonly) with the reason. */
void sq_mark_damaged(imt_backend *st, const char *what)
{
    if (!st->damaged) {
        snprintf(st->damage, sizeof st->damage, "%s", what);
        snprintf(st->ro_why, sizeof st->ro_why, "the database file is damaged (%s)",
                 st->damage);
    }
    st->damaged = true;
    sqlite3_exec(st->db, "PRAGMA query_only = ON", NULL, NULL, NULL);
}

/* Map an SQLite failure to a STORE_ code with a message a user can act on. */
int sq_fail(imt_backend *st, int rc, const char *what)
{
    int prim = rc & 0xff;
    st->last_rc = rc;
    if (prim == SQLITE_INTERRUPT || rc == SQLITE_CONSTRAINT_COMMITHOOK ||
        (prim == SQLITE_BUSY && st->interrupt && st->interrupt(st->interrupt_ctx)))
        return sq_set_err(st, STORE_INTERRUPTED, "interrupted: nothing was changed");
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        return sq_set_err(st, STORE_BUSY,
                       "the database is busy: another user held it locked for "
                       "more than %d ms; nothing was changed, try again", st->busy_ms);
    if (prim == SQLITE_READONLY)
        return sq_set_err(st, STORE_READONLY, "the database file cannot be written (%s)",
                       sqlite3_errmsg(st->db));
    const char *msg = sqlite3_errmsg(st->db);
    if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB)
        sq_mark_damaged(st, msg);
    if (prim == SQLITE_CONSTRAINT && strncmp(msg, "CHECK constraint failed: ck_", 28) == 0)
        return sq_set_err(st, STORE_ERROR,
                       "%s: the value of column '%s' is outside the data dictionary",
                       what, msg + 28);
    return sq_set_err(st, STORE_ERROR, "%s: %s", what, msg);
}

static const char *sq_errmsg(const imt_backend *st)
{
    return st ? st->err : "no database";
}

bool sq_is_readonly(const imt_backend *st)
{
    return st->readonly || st->file_readonly || st->damaged;
}

static const char *sq_damage(const imt_backend *st)
{
    return st->damaged ? st->damage : NULL;
}

static int sq_schema_version(const imt_backend *st)
{
    return st->version;
}

/* The busy handler: SQLite's own waits (sqlite3_busy_timeout) cannot be
 * cut short, so this one sleeps in growing steps up to the busy timeout
 * and gives up at once when the user has asked the program to stop. */
static int on_busy(void *vst, int count)
{
    imt_backend *st = vst;
    static const int step[] = { 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50 };
    enum { NSTEP = sizeof step / sizeof step[0] };
    if (st->interrupt && st->interrupt(st->interrupt_ctx))
        return 0;
    long waited = 0;
    for (int i = 0; i < count; i++)
        waited += i < NSTEP ? step[i] : 100;
    if (waited >= st->busy_ms)
        return 0;
    int ms = count < NSTEP ? step[count] : 100;
    if (waited + ms > st->busy_ms)
        ms = (int)(st->busy_ms - waited);
    sqlite3_sleep(ms);
    return 1;
}

/* Every few thousand steps of a statement: the interface's "working..."
 * callback, and whether to stop (a non-zero return interrupts the
 * statement, and its transaction is rolled back). */
static int on_progress(void *vst)
{
    imt_backend *st = vst;
    if (st->interrupt && st->interrupt(st->interrupt_ctx))
        return 1;
    return st->progress ? st->progress(st->progress_ctx) : 0;
}

/* Just before a transaction commits: a stop asked for until now turns the
 * COMMIT into a ROLLBACK, so an interrupted write never reports failure
 * after it saved.  Once the commit has begun it completes. */
static int on_commit(void *vst)
{
    imt_backend *st = vst;
    return st->interrupt && st->interrupt(st->interrupt_ctx) ? 1 : 0;
}

void sq_install_handlers(imt_backend *st)
{
    sqlite3_busy_handler(st->db, on_busy, st);
    bool any = st->progress || st->interrupt;
    sqlite3_progress_handler(st->db, any ? 20000 : 0, any ? on_progress : NULL, st);
    sqlite3_commit_hook(st->db, st->interrupt ? on_commit : NULL, st);
}

static void sq_set_busy_timeout(imt_backend *st, int ms)
{
    st->busy_ms = ms < 0 ? 0 : ms;
}

static void sq_set_cache(imt_backend *st, int kib)
{
    char q[64];
    snprintf(q, sizeof q, "PRAGMA cache_size = -%d", kib > 64 ? kib : 64);
    sqlite3_exec(st->db, q, NULL, NULL, NULL);
}

static void sq_set_progress(imt_backend *st, int (*cb)(void *ctx), void *ctx)
{
    st->progress = cb;
    st->progress_ctx = ctx;
    sq_install_handlers(st);
}

static void sq_set_interrupt(imt_backend *st, int (*cb)(void *ctx), void *ctx)
{
    st->interrupt = cb;
    st->interrupt_ctx = ctx;
    sq_install_handlers(st);
}

const char *sq_now_utc(imt_backend *st)
{
    time_t t = time(NULL);
    if (t != st->now_t || !st->now[0]) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(st->now, sizeof st->now, "%Y-%m-%dT%H:%M:%SZ", &tm);
        st->now_t = t;
    }
    return st->now;
}

/* Run one statement, expecting no rows of interest. */
int sq_exec1(imt_backend *st, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return STORE_OK;
    return sq_fail(st, rc, what);
}

int sq_exec_sql(imt_backend *st, const char *sql, const char *what)
{
    char *msg = NULL;
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
    sqlite3_free(msg);
    return rc == SQLITE_OK ? STORE_OK : sq_fail(st, rc, what);
}

/* ---- transactions ------------------------------------------------------- */

/* Why writes are refused, for messages and the interface. */
static const char *sq_readonly_why(const imt_backend *st)
{
    if (st->readonly)
        return "it was opened read-only (--readonly)";
    if (st->ro_why[0])
        return st->ro_why;           /* damaged, or a full file system */
    if (st->file_readonly)
        return "the database file is not writable for you";
    return NULL;
}

int sq_refuse_readonly(imt_backend *st)
{
    if (st->damaged)
        return sq_set_err(st, STORE_READONLY,
                       "the database file is damaged (%s); it is open read-only and "
                       "nothing is written: run 'imtreview check' and restore it from "
                       "a backup", st->damage);
    if (st->readonly)
        return sq_set_err(st, STORE_READONLY,
                       "database opened read-only (--readonly): edits are refused");
    if (st->ro_why[0] && st->file_readonly)
        return sq_set_err(st, STORE_READONLY,
                          "the database is open read-only because %s: edits are refused "
                          "(free some space, then open it again)", st->ro_why);
    return sq_set_err(st, STORE_READONLY,
                   "the database file is not writable for you: edits are refused");
}

/* The first fill of an empty database, when this is the only connection
 * to it (a new database, as the first import makes), runs with a
 * rollback journal instead of the write-ahead log: with WAL a million
 * cases went into the log first (every page read of the index builds
 * then searched a log of 400,000 frames) and were copied into the
 * database by the checkpoint after the commit, writing everything twice.
 * The rollback journal keeps the fill all or nothing (of an empty file it
 * holds almost nothing); WAL comes back as soon as the transaction ends
 * (and at every open).  With another connection open the switch is
 * refused by SQLite and the fill goes through the log as before. */
static void journal_for_fill(imt_backend *st)
{
    sqlite3_stmt *q = st->q[Q_ANY];
    int rc = sqlite3_step(q);
    bool empty = rc == SQLITE_ROW && sqlite3_column_int(q, 0) == 0;
    sqlite3_reset(q);
    if (!empty)
        return;
    sqlite3_stmt *j;
    if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = DELETE", -1, &j, NULL) != SQLITE_OK)
        return;
    if (sqlite3_step(j) == SQLITE_ROW &&
        sqlite3_stricmp((const char *)sqlite3_column_text(j, 0), "delete") == 0)
        st->journal_off_wal = true;
    sqlite3_finalize(j);
}

static void journal_back_to_wal(imt_backend *st)
{
    if (!st->journal_off_wal)
        return;
    st->journal_off_wal = false;
    sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    sq_side_files_fix(st->path);
}

static int sq_begin(imt_backend *st)
{
    if (sq_is_readonly(st))
        return sq_refuse_readonly(st);
    if (st->in_tx)
        return sq_set_err(st, STORE_ERROR, "a transaction is already active");
    journal_for_fill(st);
    int rc = sq_exec1(st, st->q[Q_BEGIN], "starting a transaction");
    if (rc != STORE_OK)
        journal_back_to_wal(st);
    if (rc == STORE_OK) {
        st->in_tx = true;
        st->bulk_checked = false;
        st->bulk = false;
    }
    return rc;
}

/* Filling an empty database (the first import) is far faster when the
 * secondary indexes are built once at the end from sorted data than
 * updated row by row: with them dropped, a million-case import spends its
 * time in the table, not in ten random-order B-tree inserts per row.  The
 * DDL is part of the transaction, so a rollback restores them, and other
 * connections never see the database without them. */
int sq_bulk_start(imt_backend *st)
{
    st->bulk_checked = true;
    sqlite3_stmt *q = st->q[Q_ANY];
    int rc = sqlite3_step(q);
    bool empty = rc == SQLITE_ROW && sqlite3_column_int(q, 0) == 0;
    sqlite3_reset(q);
    if (rc != SQLITE_ROW)
        return sq_fail(st, rc, "reading the database");
    if (!empty)
        return STORE_OK;
    sbuf b = { 0 };
    sq_index_ddl_all(&b, "DROP INDEX");
    if (b.oom)
        return sq_set_err(st, STORE_ERROR, "out of memory");
    rc = sq_exec_sql(st, b.s, "preparing a bulk load");
    sb_free(&b);
    if (rc == STORE_OK)
        rc = sq_bulk_search_start(st);
    if (rc == STORE_OK)
        st->bulk = true;
    return rc;
}

static int bulk_finish(imt_backend *st)
{
    if (!st->bulk)
        return STORE_OK;
    /* the search index first, while the cases are the last pages written */
    int rc = sq_bulk_search_finish(st);
    if (rc != STORE_OK)
        return rc;
    sbuf b = { 0 };
    sq_index_ddl_all(&b, "CREATE INDEX");
    /* Statistics for the planner: without them a filtered page sorted by
     * another column reads every case that passes the filter and sorts
     * them (0.3 s at a million); with them it walks the sort index from
     * the anchor (1 ms).  Estimates from a sample of each index do (the
     * full ANALYZE took a second per million cases). */
    sb_add(&b, "PRAGMA analysis_limit = 1000;\nANALYZE;\nPRAGMA analysis_limit = 0;\n");
    if (b.oom)
        return sq_set_err(st, STORE_ERROR, "out of memory");
    rc = sq_exec_sql(st, b.s, "building the indexes");
    sb_free(&b);
    if (rc == STORE_OK)
        st->bulk = false;
    return rc;
}

static int sq_commit(imt_backend *st)
{
    if (!st->in_tx)
        return sq_set_err(st, STORE_ERROR, "no transaction is active");
    if (sqlite3_get_autocommit(st->db)) {
        /* SQLite already rolled it back after an I/O or memory error. */
        st->in_tx = false;
        journal_back_to_wal(st);
        return sq_set_err(st, STORE_ERROR,
                       "the transaction was rolled back after a database error; nothing was saved");
    }
    int rc = bulk_finish(st);
    if (rc == STORE_OK)
        rc = sq_search_drain(st);
    if (rc != STORE_OK)
        return rc;
    rc = sq_exec1(st, st->q[Q_COMMIT], "committing");
    if (rc == STORE_OK) {
        st->in_tx = false;
        journal_back_to_wal(st);
    }
    return rc;
}

static int sq_rollback(imt_backend *st)
{
    if (!st->in_tx)
        return STORE_OK;
    st->in_tx = false;
    st->bulk = false;          /* the rollback restores the indexes */
    st->wgen++;                /* our changes are gone: sets built on them too */
    int rc = STORE_OK;
    if (!sqlite3_get_autocommit(st->db))
        rc = sq_exec1(st, st->q[Q_ROLLBACK], "rolling back");
    journal_back_to_wal(st);
    return rc;
}

/* Every edit is atomic: its own transaction, or a savepoint inside the
 * caller's. */
int sq_edit_begin(imt_backend *st)
{
    if (sq_is_readonly(st))
        return sq_refuse_readonly(st);
    if (st->in_tx) {
        if (sqlite3_get_autocommit(st->db))
            return sq_set_err(st, STORE_ERROR,
                           "the transaction was rolled back after a database error");
        return sq_exec1(st, st->q[Q_SAVEPOINT], "starting an edit");
    }
    return sq_exec1(st, st->q[Q_BEGIN], "starting an edit");
}

int sq_edit_end(imt_backend *st, int rc)
{
    if (st->in_tx) {
        if (sqlite3_get_autocommit(st->db))
            return rc == STORE_OK ? sq_set_err(st, STORE_ERROR, "the transaction was lost") : rc;
        if (rc != STORE_OK) {
            sqlite3_step(st->q[Q_ROLLBACK_TO]);
            sqlite3_reset(st->q[Q_ROLLBACK_TO]);
            st->wgen++;
        }
        int r2 = sq_exec1(st, st->q[Q_RELEASE], "finishing an edit");
        return rc != STORE_OK ? rc : r2;
    }
    if (rc == STORE_OK)
        rc = sq_search_drain(st);
    if (rc == STORE_OK) {
        rc = sq_exec1(st, st->q[Q_COMMIT], "committing");
        if (rc == STORE_OK)
            return rc;
    }
    if (!sqlite3_get_autocommit(st->db)) {
        sqlite3_step(st->q[Q_ROLLBACK]);
        sqlite3_reset(st->q[Q_ROLLBACK]);
    }
    st->wgen++;
    return rc;
}

/* ---- the engine ------------------------------------------------------------ */

static int sq_notify_fd(imt_backend *st)
{
    (void)st;
    return -1;     /* no descriptor: the interface asks sq_data_version */
}

static void sq_set_full_name(imt_backend *st, const char *full_name)
{
    free(st->full_name);
    st->full_name = full_name && *full_name ? strdup(full_name) : NULL;
}

const imt_store_ops imt_sqlite_ops = {
    .name = "SQLite",
    .open = sq_open,
    .close = sq_close,
    .remove_files = sq_remove_files,
    .probe = sq_probe,
    .created = sq_created,
    .identity = sq_identity,
    .display_name = sq_display_name,
    .errmsg = sq_errmsg,
    .is_readonly = sq_is_readonly,
    .readonly_why = sq_readonly_why,
    .schema_version = sq_schema_version,
    .set_busy_timeout = sq_set_busy_timeout,
    .set_cache = sq_set_cache,
    .set_interrupt = sq_set_interrupt,
    .set_progress = sq_set_progress,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .data_version = sq_data_version,
    .notify_fd = sq_notify_fd,
    .get = sq_get,
    .exists = sq_exists,
    .insert = sq_insert,
    .update = sq_update,
    .update_fields = sq_update_fields,
    .set_review = sq_set_review,
    .count = sq_count,
    .passes = sq_passes,
    .rank = sq_rank,
    .page = sq_page,
    .foreach = sq_foreach,
    .foreach_by_key = sq_foreach_by_key,
    .walk_open = sq_walk_open,
    .walk_step = sq_walk_step,
    .walk_close = sq_walk_close,
    .ranker_open = sq_ranker_open,
    .ranker_step = sq_ranker_step,
    .ranker_close = sq_ranker_close,
    .audit_foreach = sq_audit_foreach,
    .secret = sq_secret,
    .set_secret = sq_set_secret,
    .check = sq_check,
    .check_head = sq_check_head,
    .backup = sq_backup,
    .damage = sq_damage,
    .table_rows = sq_table_rows,
    .table_count = sq_table_count,
    .table_put = sq_table_put,
    .table_end = sq_table_end,
    .after_copy = sq_after_copy,
    .set_full_name = sq_set_full_name,
    .edit = sq_edit,
    .review = sq_review,
    .decide = sq_decide,
    .decisions = sq_decisions,
    .changes_since = sq_changes_since,
    .events_get = sq_events_get,
    .event_add = sq_event_insert,
    .event_remove = sq_event_delete,
    .course_refresh = sq_course_refresh,
    .course_edit = sq_course_edit,
    .foreach_course = sq_foreach_course,
    .set_schedule = sq_set_schedule,
    .evstage_open = sq_evstage_open,
    .evstage_add = sq_evstage_add,
    .evstage_next = sq_evstage_next,
    .evstage_close = sq_evstage_close,
    .course_import = sq_course_import,
};

