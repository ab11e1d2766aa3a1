/* store/sqlite/evstage.c - the staging area of import --events
 * (store_evstage_*): the events of a file in a temporary table, read back
 * one case at a time in the order the cases first appear in the file.
 *
 * Two tables of the connection's temporary database (a file SQLite makes
 * and deletes itself; only its page cache is in memory, so an import of
 * millions of events holds one case's course, not the file):
 *   imt_evstage_case (case_id, first_line): the line each case first
 *     appears on, asked when a row names another case than the row before
 *     (a file sorted by case asks once per case);
 *   imt_evstage (first_line, line, the event's columns), keyed by
 *     (first_line, line): a file sorted by case appends, and one ordered
 *     read gives every case's events together, cases in first-seen order.
 * A read-only connection (a dry run) runs with PRAGMA query_only, which
 * refuses writes to the temporary database too: it is lifted while the
 * staging area is open (the main database is opened read-only then, so
 * nothing else can be written) and set again at the close. */
#define _GNU_SOURCE
#include "sqlite_int.h"

typedef struct {
    sqlite3_stmt *ins, *find, *addcase, *walk;
    bool lifted;              /* query_only lifted by us                 */
    bool own_tx;              /* a read transaction of ours (a dry run)  */
    char last[64];            /* case of the previous row and its first  */
    long last_first;          /* line ("" = none yet)                    */
    bool walking, have, done; /* walk: stepped; on a row not yet used    */
} evstage;

static const char stage_ddl[] =
    "DROP TABLE IF EXISTS temp.imt_evstage;\n"
    "DROP TABLE IF EXISTS temp.imt_evstage_case;\n"
    "CREATE TEMP TABLE imt_evstage_case (case_id TEXT PRIMARY KEY, first_line INTEGER "
    "NOT NULL) WITHOUT ROWID;\n"
    "CREATE TEMP TABLE imt_evstage (first_line INTEGER NOT NULL, line INTEGER NOT NULL, "
    "case_id TEXT NOT NULL, date TEXT, day INTEGER, type INTEGER, lineno INTEGER, "
    "agent TEXT, intent INTEGER, reason INTEGER, response INTEGER, extent INTEGER, "
    "site TEXT, detail TEXT, PRIMARY KEY (first_line, line)) WITHOUT ROWID;\n";

static void stage_free(imt_backend *st, evstage *g)
{
    sqlite3_finalize(g->ins);
    sqlite3_finalize(g->find);
    sqlite3_finalize(g->addcase);
    sqlite3_finalize(g->walk);
    sqlite3_exec(st->db, "DROP TABLE IF EXISTS temp.imt_evstage; "
                         "DROP TABLE IF EXISTS temp.imt_evstage_case;", NULL, NULL, NULL);
    if (g->own_tx && !sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    if (g->lifted)
        sqlite3_exec(st->db, "PRAGMA query_only = ON", NULL, NULL, NULL);
    free(g);
}

void *sq_evstage_open(imt_backend *st)
{
    evstage *g = calloc(1, sizeof *g);
    if (!g) {
        sq_set_err(st, STORE_ERROR, "out of memory");
        return NULL;
    }
    if (sq_is_readonly(st)) {
        if (sq_exec_sql(st, "PRAGMA query_only = OFF", "staging the events") != STORE_OK) {
            free(g);
            return NULL;
        }
        g->lifted = true;
    }
    /* Outside the caller's transaction (a dry run): one of our own, so
     * that the rows staged are not each a transaction of the temporary
     * database, and every case is read from one snapshot. */
    if (sqlite3_get_autocommit(st->db)) {
        if (sq_exec_sql(st, "BEGIN", "staging the events") != STORE_OK)
            goto fail;
        g->own_tx = true;
    }
    int rc;
    if (sq_exec_sql(st, stage_ddl, "staging the events") != STORE_OK)
        goto fail;
    if ((rc = sqlite3_prepare_v2(st->db, "INSERT INTO temp.imt_evstage VALUES (?1, ?2, ?3, "
                                 "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)", -1,
                                 &g->ins, NULL)) != SQLITE_OK ||
        (rc = sqlite3_prepare_v2(st->db, "SELECT first_line FROM temp.imt_evstage_case "
                                 "WHERE case_id = ?1", -1, &g->find, NULL)) != SQLITE_OK ||
        (rc = sqlite3_prepare_v2(st->db, "INSERT INTO temp.imt_evstage_case VALUES (?1, ?2)",
                                 -1, &g->addcase, NULL)) != SQLITE_OK ||
        (rc = sqlite3_prepare_v2(st->db, "SELECT line, case_id, date, day, type, lineno, "
                                 "agent, intent, reason, response, extent, site, detail, "
                                 "first_line FROM temp.imt_evstage ORDER BY first_line, line",
                                 -1, &g->walk, NULL)) != SQLITE_OK) {
        sq_fail(st, rc, "staging the events");
        goto fail;
    }
    return g;
fail:
    stage_free(st, g);
    return NULL;
}

/* The first line of case_id: the previous row's, the staged one, or line
 * (a new case, recorded).  STORE_NOTFOUND when the case does not exist. */
static int first_line_of(imt_backend *st, evstage *g, const char *case_id, long line,
                         long *first)
{
    if (g->last[0] && strcmp(g->last, case_id) == 0) {
        *first = g->last_first;
        return g->last_first > 0 ? STORE_OK : STORE_NOTFOUND;
    }
    snprintf(g->last, sizeof g->last, "%s", case_id);
    g->last_first = 0;
    sqlite3_bind_text(g->find, 1, case_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(g->find);
    if (rc == SQLITE_ROW)
        g->last_first = (long)sqlite3_column_int64(g->find, 0);
    sqlite3_reset(g->find);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        g->last[0] = '\0';
        return sq_fail(st, rc, "staging the events");
    }
    if (rc == SQLITE_DONE) {
        if (!sq_exists(st, case_id))
            return STORE_NOTFOUND;
        sqlite3_bind_text(g->addcase, 1, case_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(g->addcase, 2, line);
        rc = sq_exec1(st, g->addcase, "staging the events");
        if (rc != STORE_OK) {
            g->last[0] = '\0';
            return rc;
        }
        g->last_first = line;
    }
    *first = g->last_first;
    return STORE_OK;
}

static void bind_enum(sqlite3_stmt *s, int i, int v)
{
    if (v >= 0)
        sqlite3_bind_int(s, i, v);
    else
        sqlite3_bind_null(s, i);
}

static void bind_text(sqlite3_stmt *s, int i, const char *t)
{
    if (t)
        sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

int sq_evstage_add(imt_backend *st, void *vg, const imt_event *e, long line)
{
    evstage *g = vg;
    if (g->walking)
        return sq_set_err(st, STORE_ERROR, "internal: an event staged after the walk began");
    long first = 0;
    int rc = first_line_of(st, g, e->case_id, line, &first);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *s = g->ins;
    sqlite3_bind_int64(s, 1, first);
    sqlite3_bind_int64(s, 2, line);
    sqlite3_bind_text(s, 3, e->case_id, -1, SQLITE_STATIC);
    if (e->date[0]) {
        sqlite3_bind_text(s, 4, e->date, -1, SQLITE_STATIC);
        sqlite3_bind_null(s, 5);
    } else {
        sqlite3_bind_null(s, 4);
        sqlite3_bind_int(s, 5, e->day);
    }
    bind_enum(s, 6, e->type);
    if (e->line > 0)
        sqlite3_bind_int(s, 7, e->line);
    else
        sqlite3_bind_null(s, 7);
    bind_text(s, 8, e->agent);
    bind_enum(s, 9, e->intent);
    bind_enum(s, 10, e->reason);
    bind_enum(s, 11, e->response);
    bind_enum(s, 12, e->extent);
    bind_text(s, 13, e->site);
    bind_text(s, 14, e->detail);
    rc = sq_exec1(st, s, "staging the events");
    sqlite3_clear_bindings(s);
    return rc;
}

static int col_enum(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? IMT_UNKNOWN : sqlite3_column_int(s, i);
}

static int col_dup(sqlite3_stmt *s, int i, char **out)
{
    *out = NULL;
    if (sqlite3_column_type(s, i) == SQLITE_NULL)
        return 0;
    const char *t = (const char *)sqlite3_column_text(s, i);
    return t && (*out = strdup(t)) ? 0 : -1;
}

/* The walk's current row into e (initialised here): 0, -1 OOM. */
static int load_staged(sqlite3_stmt *s, imt_event *e)
{
    ev_init(e);
    e->id = -sqlite3_column_int64(s, 0);
    snprintf(e->case_id, sizeof e->case_id, "%s", (const char *)sqlite3_column_text(s, 1));
    if (sqlite3_column_type(s, 2) == SQLITE_TEXT)
        snprintf(e->date, sizeof e->date, "%s", (const char *)sqlite3_column_text(s, 2));
    else
        e->day = sqlite3_column_int(s, 3);
    e->type = col_enum(s, 4);
    e->line = sqlite3_column_int(s, 5);
    e->intent = col_enum(s, 7);
    e->reason = col_enum(s, 8);
    e->response = col_enum(s, 9);
    e->extent = col_enum(s, 10);
    if (col_dup(s, 6, &e->agent) || col_dup(s, 11, &e->site) || col_dup(s, 12, &e->detail)) {
        ev_clear(e);
        return -1;
    }
    return 0;
}

int sq_evstage_next(imt_backend *st, void *vg, imt_case *c, imt_course *stored,
                    imt_course *staged, long *first_line)
{
    evstage *g = vg;
    imt_case_init(c);
    course_init(stored);
    course_init(staged);
    *first_line = 0;
    g->walking = true;
    if (!g->have) {
        if (g->done)
            return STORE_NOTFOUND;
        int rc = sqlite3_step(g->walk);
        if (rc == SQLITE_DONE) {
            g->done = true;
            return STORE_NOTFOUND;
        }
        if (rc != SQLITE_ROW)
            return sq_fail(st, rc, "reading the staged events");
        g->have = true;
    }
    *first_line = (long)sqlite3_column_int64(g->walk, 13);
    int ret = STORE_OK;
    while (g->have) {
        if ((long)sqlite3_column_int64(g->walk, 13) != *first_line)
            break;             /* the next case's */
        imt_event e;
        if (load_staged(g->walk, &e) != 0 || course_add(staged, &e) != 0) {
            ev_clear(&e);
            ret = sq_set_err(st, STORE_ERROR, "out of memory");
            break;
        }
        ev_clear(&e);
        int rc = sqlite3_step(g->walk);
        if (rc == SQLITE_DONE) {
            g->have = false;
            g->done = true;
        } else if (rc != SQLITE_ROW) {
            g->have = false;
            ret = sq_fail(st, rc, "reading the staged events");
        }
    }
    if (ret == STORE_OK && staged->n) {
        ret = sq_get(st, staged->v[0].case_id, c);
        if (ret == STORE_NOTFOUND)
            ret = sq_set_err(st, STORE_ERROR, "case '%.64s' was removed during the import",
                             staged->v[0].case_id);
        if (ret == STORE_OK)
            ret = sq_events_read(st, c, stored);
    }
    if (ret != STORE_OK) {
        imt_case_clear(c);
        course_clear(stored);
        course_clear(staged);
    }
    return ret;
}

void sq_evstage_close(imt_backend *st, void *vg)
{
    if (vg)
        stage_free(st, vg);
}
