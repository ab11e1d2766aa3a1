/* store/pg/evstage.c - the staging area of import --events on PostgreSQL
 * (store_evstage_*): the events of a file in a temporary table, given
 * back one case at a time, cases in the order they first appear in the
 * file and each case's rows in file order, as the SQLite engine's
 * evstage.c gives them.
 *
 * - Rows go to the server with COPY (text format) in batches of
 *   EV_BATCH bytes; between two batches no COPY is open, so the check
 *   that a row's case exists is a statement of its own, asked when a row
 *   names another case than the row before (a file sorted by case asks
 *   once per case) and answered at once, with the file's line.
 * - The table (imt_evstage, ON COMMIT DROP) lives in the server's
 *   temporary buffers and files: the client holds one batch and, when
 *   reading back, one fetch of a cursor and one case's course.
 * - The walk is a cursor over the table ordered by (first line of the
 *   case, line), first line computed by the server (min over the case).
 * - A real import runs inside the caller's transaction (store_begin); a
 *   dry run opens a transaction of its own, marked as a walk so that no
 *   write of the engine can run in it, READ WRITE only for the temporary
 *   table (a --readonly session defaults to read-only transactions), and
 *   rolls it back at the close. */
#define _GNU_SOURCE
#include "pg_int.h"
#include "core/events.h"

#define EV_BATCH (256 * 1024)
#define EV_FETCH 1000

typedef struct pg_evstage {
    bool own_tx;             /* the dry run's transaction                */
    /* the import's writes (pg_evstage_insert): rows of events and audit
     * for two COPYs, ids and audit hashes made here */
    sbuf evrows, aurows;
    long long last_id;       /* largest event id (0: not read yet)       */
    bool have_last;
    bool declared;           /* the walk's cursor                        */
    sbuf rows;               /* COPY rows not yet sent                   */
    char last[64];           /* case of the previous row ("" none)       */
    bool last_exists;
    PGresult *page;          /* the walk: the current fetch              */
    int at;                  /* next row of page                         */
    bool done;
} evstage;

static const char walk_sql[] =
    "DECLARE imt_evwalk NO SCROLL CURSOR FOR SELECT min(line) OVER (PARTITION BY case_id), "
    "line, case_id, date, day, type, lineno, agent, intent, reason, response, extent, site, "
    "detail FROM imt_evstage ORDER BY 1, 2";

void *pg_evstage_open(imt_backend *b)
{
    evstage *g = calloc(1, sizeof *g);
    if (!g) {
        pg_set_err(b, STORE_ERROR, "out of memory");
        return NULL;
    }
    int rc = STORE_OK;
    if (b->tx == TX_NONE) {
        rc = pg_exec(b, "BEGIN ISOLATION LEVEL REPEATABLE READ READ WRITE", NULL,
                     "staging the events");
        if (rc != STORE_OK) {
            free(g);
            return NULL;
        }
        b->tx = TX_WALK;
        b->aborted = false;
        g->own_tx = true;
    } else {
        rc = pg_stage_flush(b);
    }
    if (rc == STORE_OK)
        rc = pg_exec(b, "DROP TABLE IF EXISTS pg_temp.imt_evstage", NULL,
                     "staging the events");
    if (rc == STORE_OK)
        rc = pg_exec(b, "CREATE TEMP TABLE imt_evstage (line bigint NOT NULL, case_id text "
                        "COLLATE \"C\" NOT NULL, date text, day bigint, type smallint, lineno "
                        "bigint, agent text, intent smallint, reason smallint, response "
                        "smallint, extent smallint, site text, detail text) ON COMMIT DROP",
                     NULL, "staging the events");
    if (rc != STORE_OK) {
        pg_evstage_close(b, g);
        return NULL;
    }
    b->evs = g;
    return g;
}

/* ---- staging ------------------------------------------------------------------------ */

/* A COPY text field: \N for NULL, backslash escapes for the rest. */
static void put_field(sbuf *s, const char *t, bool first)
{
    if (!first)
        sb_put(s, "\t", 1);
    if (!t) {
        sb_put(s, "\\N", 2);
        return;
    }
    const char *run = t;
    for (const char *p = t; *p; p++) {
        const char *esc = *p == '\\' ? "\\\\" : *p == '\n' ? "\\n" : *p == '\r' ? "\\r"
                        : *p == '\t' ? "\\t" : NULL;
        if (!esc)
            continue;
        sb_put(s, run, (size_t)(p - run));
        sb_put(s, esc, 2);
        run = p + 1;
    }
    sb_put(s, run, strlen(run));
}

static void put_num(sbuf *s, long long v, bool known)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", v);
    put_field(s, known ? buf : NULL, false);
}

static int send_rows(imt_backend *b, evstage *g)
{
    if (!g->rows.len)
        return STORE_OK;
    if (g->rows.oom)
        return pg_set_err(b, STORE_ERROR, "out of memory");
    int rc;
    PGresult *r = NULL;
    if (!PQsendQuery(b->conn, "COPY imt_evstage FROM STDIN"))
        return pg_fail(b, NULL, "staging the events");
    r = pg_result(b, "staging the events", &rc);
    if (r && PQresultStatus(r) != PGRES_COPY_IN)
        rc = pg_set_err(b, STORE_ERROR, "staging the events: the server did not start the "
                        "copy");
    PQclear(r);
    if (rc != STORE_OK)
        return rc;
    if (PQputCopyData(b->conn, g->rows.s, (int)g->rows.len) != 1 ||
        PQputCopyEnd(b->conn, NULL) != 1)
        return pg_fail(b, NULL, "staging the events");
    PQclear(pg_result(b, "staging the events", &rc));
    g->rows.len = 0;
    return rc;
}

/* Whether case_id is in the database: STORE_OK, STORE_NOTFOUND, or an
 * error.  The last case asked is remembered. */
static int case_exists(imt_backend *b, evstage *g, const char *case_id)
{
    if (!g->last[0] || strcmp(g->last, case_id) != 0) {
        pgparams p = { 0 };
        pgp_text(&p, case_id);
        int rc;
        PGresult *r = pg_run(b, "SELECT 1 FROM cases WHERE case_id = $1", &p, false,
                             "looking a case up", &rc);
        if (!r) {
            g->last[0] = '\0';
            return rc;
        }
        snprintf(g->last, sizeof g->last, "%s", case_id);
        g->last_exists = PQntuples(r) > 0;
        PQclear(r);
    }
    return g->last_exists ? STORE_OK : STORE_NOTFOUND;
}

int pg_evstage_add(imt_backend *b, void *vg, const imt_event *e, long line)
{
    evstage *g = vg;
    if (g->declared)
        return pg_set_err(b, STORE_ERROR, "internal: an event staged after the walk began");
    int rc = case_exists(b, g, e->case_id);
    if (rc != STORE_OK)
        return rc;
    sbuf *s = &g->rows;
    char num[24];
    snprintf(num, sizeof num, "%ld", line);
    put_field(s, num, true);
    put_field(s, e->case_id, false);
    put_field(s, e->date[0] ? e->date : NULL, false);
    put_num(s, e->day, !e->date[0]);
    put_num(s, e->type, e->type >= 0);
    put_num(s, e->line, e->line > 0);
    put_field(s, e->agent, false);
    put_num(s, e->intent, e->intent >= 0);
    put_num(s, e->reason, e->reason >= 0);
    put_num(s, e->response, e->response >= 0);
    put_num(s, e->extent, e->extent >= 0);
    put_field(s, e->site, false);
    put_field(s, e->detail, false);
    sb_put(s, "\n", 1);
    if (s->oom)
        return pg_set_err(b, STORE_ERROR, "out of memory");
    return s->len >= EV_BATCH ? send_rows(b, g) : STORE_OK;
}

/* ---- the walk -------------------------------------------------------------------------- */

static int next_row(imt_backend *b, evstage *g)
{
    if (g->page && g->at < PQntuples(g->page))
        return STORE_OK;
    PQclear(g->page);
    g->page = NULL;
    g->at = 0;
    if (g->done)
        return STORE_NOTFOUND;
    int rc;
    char fetch[48];
    snprintf(fetch, sizeof fetch, "FETCH %d FROM imt_evwalk", EV_FETCH);
    g->page = pg_run(b, fetch, NULL, false, "reading the staged events", &rc);
    if (!g->page)
        return rc;
    if (PQntuples(g->page) < EV_FETCH)
        g->done = true;
    return PQntuples(g->page) ? STORE_OK : STORE_NOTFOUND;
}

static long long num(const PGresult *r, int i, int c, long long unknown)
{
    return PQgetisnull(r, i, c) ? unknown : strtoll(PQgetvalue(r, i, c), NULL, 10);
}

static char *dup_text(const PGresult *r, int i, int c, bool *oom)
{
    if (PQgetisnull(r, i, c))
        return NULL;
    char *t = strdup(PQgetvalue(r, i, c));
    if (!t)
        *oom = true;
    return t;
}

/* Row at of the page into e (initialised here): 0, -1 OOM. */
static int load_staged(const PGresult *r, int i, imt_event *e)
{
    ev_init(e);
    e->id = -num(r, i, 1, 0);
    snprintf(e->case_id, sizeof e->case_id, "%s", PQgetvalue(r, i, 2));
    if (!PQgetisnull(r, i, 3))
        snprintf(e->date, sizeof e->date, "%s", PQgetvalue(r, i, 3));
    else
        e->day = (int)num(r, i, 4, -1);
    e->type = (int)num(r, i, 5, IMT_UNKNOWN);
    e->line = (int)num(r, i, 6, 0);
    e->intent = (int)num(r, i, 8, IMT_UNKNOWN);
    e->reason = (int)num(r, i, 9, IMT_UNKNOWN);
    e->response = (int)num(r, i, 10, IMT_UNKNOWN);
    e->extent = (int)num(r, i, 11, IMT_UNKNOWN);
    bool oom = false;
    e->agent = dup_text(r, i, 7, &oom);
    e->site = dup_text(r, i, 12, &oom);
    e->detail = dup_text(r, i, 13, &oom);
    if (oom) {
        ev_clear(e);
        return -1;
    }
    return 0;
}

int pg_evstage_next(imt_backend *b, void *vg, imt_case *c, imt_course *stored,
                    imt_course *staged, long *first_line)
{
    evstage *g = vg;
    imt_case_init(c);
    course_init(stored);
    course_init(staged);
    *first_line = 0;
    int rc = STORE_OK;
    if (!g->declared) {
        if ((rc = send_rows(b, g)) != STORE_OK ||
            (rc = pg_exec(b, walk_sql, NULL, "reading the staged events")) != STORE_OK)
            return rc;
        g->declared = true;
    }
    rc = next_row(b, g);
    if (rc == STORE_NOTFOUND && !g->own_tx) {
        /* after the last case: the events written are sent */
        int frc = pg_evstage_flush(b);
        if (frc != STORE_OK)
            return frc;
    }
    if (rc != STORE_OK)
        return rc;
    *first_line = (long)num(g->page, g->at, 0, 0);
    while (rc == STORE_OK) {
        if (num(g->page, g->at, 0, 0) != *first_line)
            break;              /* the next case's */
        imt_event e;
        if (load_staged(g->page, g->at, &e) != 0 || course_add(staged, &e) != 0) {
            ev_clear(&e);
            rc = pg_set_err(b, STORE_ERROR, "out of memory");
            break;
        }
        ev_clear(&e);
        g->at++;
        rc = next_row(b, g);
    }
    if (rc == STORE_NOTFOUND)
        rc = STORE_OK;         /* the last case */
    if (rc == STORE_OK) {
        rc = pg_get(b, staged->v[0].case_id, c);
        if (rc == STORE_NOTFOUND)
            rc = pg_set_err(b, STORE_ERROR, "case '%.64s' was removed during the import",
                            staged->v[0].case_id);
        if (rc == STORE_OK)
            rc = pg_course_read(b, c, stored);
    }
    if (rc != STORE_OK) {
        imt_case_clear(c);
        course_clear(stored);
        course_clear(staged);
    }
    return rc;
}

void pg_evstage_close(imt_backend *b, void *vg)
{
    evstage *g = vg;
    if (!g)
        return;
    if (b->evs == g)
        b->evs = NULL;
    PQclear(g->page);
    sb_free(&g->rows);
    sb_free(&g->evrows);
    sb_free(&g->aurows);
    if (g->own_tx) {
        if (b->tx == TX_WALK) {
            b->tx = TX_NONE;
            b->aborted = false;
            PQclear(PQexec(b->conn, "ROLLBACK"));
        }
    } else if (b->tx != TX_NONE && !b->aborted) {
        if (g->declared)
            pg_exec(b, "CLOSE imt_evwalk", NULL, "staging the events");
        pg_exec(b, "DROP TABLE IF EXISTS pg_temp.imt_evstage", NULL, "staging the events");
    }
    free(g);
}

/* ---- the import's writes ------------------------------------------------------------ */

/* One COPY of rows (text format) into table (cols). */
static int copy_rows(imt_backend *b, const char *sql, sbuf *rows, const char *what)
{
    if (!rows->len)
        return STORE_OK;
    if (rows->oom)
        return pg_set_err(b, STORE_ERROR, "out of memory");
    int rc;
    if (!PQsendQuery(b->conn, sql))
        return pg_fail(b, NULL, what);
    PGresult *r = pg_result(b, what, &rc);
    if (r && PQresultStatus(r) != PGRES_COPY_IN)
        rc = pg_set_err(b, STORE_ERROR, "%s: the server did not start the copy", what);
    PQclear(r);
    if (rc != STORE_OK)
        return rc;
    if (PQputCopyData(b->conn, rows->s, (int)rows->len) != 1 || PQputCopyEnd(b->conn, NULL) != 1)
        return pg_fail(b, NULL, what);
    PQclear(pg_result(b, what, &rc));
    rows->len = 0;
    return rc;
}

/* The events and audit rows written so far, into their tables. */
int pg_evstage_flush(imt_backend *b)
{
    evstage *g = b->evs;
    if (!g)
        return STORE_OK;
    int rc = copy_rows(b, "COPY events (id, case_id, date, day, type, line, agent, intent, "
                          "reason, response, extent, site, detail) FROM STDIN", &g->evrows,
                       "adding the events");
    if (rc == STORE_OK)
        rc = copy_rows(b, "COPY audit (seq, time, \"user\", case_id, field, old_value, "
                          "new_value, source, comment, ruleset, snapshot, row_hash, hash) "
                          "FROM STDIN", &g->aurows, "writing the audit trail");
    return rc;
}

static const char *vocab(const char *const *values, int i)
{
    return i >= 0 ? values[i] : NULL;
}

/* Inside the import's transaction (which holds the chain head): event e
 * of case_id given its id and its audit row, both sent with the next
 * COPY (pg_evstage_flush: when the rows fill a batch, and after the last
 * case).  *staged false when there is no import under way: the caller
 * writes it itself. */
int pg_evstage_insert(imt_backend *b, const char *case_id, imt_event *e, const char *source,
                      bool *staged)
{
    *staged = false;
    evstage *g = b->evs;
    if (!g || g->own_tx || !b->in_user_tx || !b->head_locked)
        return STORE_OK;
    int rc;
    if (!g->have_last) {
        PGresult *r = pg_run(b, "SELECT coalesce(max(id), 0) FROM events", NULL, false,
                             "adding an event", &rc);
        if (!r)
            return rc;
        g->last_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        g->have_last = true;
        PQclear(r);
    }
    e->id = ++g->last_id;
    if (e->case_id != case_id)
        snprintf(e->case_id, sizeof e->case_id, "%s", case_id);
    char *json = rec_event_json(e);
    if (!json)
        return pg_set_err(b, STORE_ERROR, "out of memory");
    long long seq;
    char rh[65], h[65];
    if (!source)
        source = "edit";
    pg_audit_next(b, case_id, "event", NULL, json, source, NULL, NULL, NULL, &seq, rh, h);
    sbuf *s = &g->evrows;
    char num[24];
    snprintf(num, sizeof num, "%lld", e->id);
    put_field(s, num, true);
    put_field(s, case_id, false);
    put_field(s, e->date[0] ? e->date : NULL, false);
    put_num(s, e->day, !e->date[0]);
    put_field(s, e->type >= 0 && e->type < EV_NTYPES ? ev_type_values[e->type] : "?", false);
    put_num(s, e->line, e->line > 0);
    put_field(s, e->agent, false);
    put_field(s, vocab(ev_intent_values, e->intent), false);
    put_field(s, vocab(ev_reason_values, e->reason), false);
    put_field(s, vocab(ev_response_values, e->response), false);
    put_field(s, vocab(ev_extent_values, e->extent), false);
    put_field(s, e->site, false);
    put_field(s, e->detail, false);
    sb_put(s, "\n", 1);
    s = &g->aurows;
    snprintf(num, sizeof num, "%lld", seq);
    put_field(s, num, true);
    put_field(s, b->now, false);
    put_field(s, b->user, false);
    put_field(s, case_id, false);
    put_field(s, "event", false);
    put_field(s, NULL, false);
    put_field(s, json, false);
    put_field(s, source, false);
    put_field(s, NULL, false);
    put_field(s, NULL, false);
    put_field(s, NULL, false);
    put_field(s, rh, false);
    put_field(s, h, false);
    sb_put(s, "\n", 1);
    free(json);
    if (g->evrows.oom || g->aurows.oom)
        return pg_set_err(b, STORE_ERROR, "out of memory");
    *staged = true;
    return g->evrows.len + g->aurows.len >= EV_BATCH ? pg_evstage_flush(b) : STORE_OK;
}
