/* store/pg/query.c - filters, counts, keyset pages, walks over the cases
 * (a cursor: memory does not grow with the table), the audit trail read,
 * the database key. */
#define _GNU_SOURCE
#include "pg_int.h"

#define WALK_BATCH 1000

/* ---- filters --------------------------------------------------------------------- */

/* " AND ..." for the filter: fixed fragments chosen by mask bits (the
 * integers are positions in the dictionary's lists) and the search text,
 * folded here as SQLite's imt_contains() folds it, as a parameter.
 * *needle must be freed by the caller. */
void pg_filter_sql(imt_backend *st, sbuf *b, const imt_filter *f, pgparams *p,
                   char **needle)
{
    static const struct { imt_sort_key key; int n; } kinds[FILTER_NKINDS] = {
        [FILTER_SITE] = { SORT_SITE, SITE_N },
        [FILTER_ALK] = { SORT_ALK, ALK_N },
        [FILTER_OUTCOME] = { SORT_OUTCOME, OUT_N },
        [FILTER_STATUS] = { SORT_REVIEW, REV_N },
    };
    *needle = NULL;
    if (!f)
        return;
    if (f->decision_mask) {
        /* the stored decision states the filter selects (review.c keeps
         * them) */
        bool want[DSTATE_N];
        store_decision_states(f->decision_mask, want);
        sb_add(b, " AND decision_state IN (");
        int any = 0;
        for (int i = 0; i < DSTATE_N; i++)
            if (want[i])
                sb_add(b, "%s%d", any++ ? ", " : "", i);
        sb_add(b, "%s)", any ? "" : "-1");
    }
    for (int k = 0; k < FILTER_NKINDS; k++) {
        if (k == FILTER_DECISION)
            continue;           /* above */
        unsigned mask = *filter_mask((imt_filter *)f, (imt_filter_kind)k);
        if (!mask || !kinds[k].n)
            continue;           /* (the follow-up worklist: below) */
        sb_add(b, " AND sort_%s IN (", store_sort_cols[kinds[k].key].name);
        int any = 0;
        for (int i = 0; i < kinds[k].n; i++)
            if (mask & (1u << i))
                sb_add(b, "%s%d", any++ ? ", " : "", i);
        if (!any)
            sb_add(b, "-1");
        sb_add(b, ")");
    }
    if (f->search[0]) {
        *needle = rec_fold(f->search, strlen(f->search));
        if (!*needle) {
            b->oom = true;
            return;
        }
        pgp_text(p, *needle);
        int k = p->n;
        /* lower() of case_id folds A-Z: case_id is ASCII, in the "C"
         * collation */
        sb_add(b, " AND (strpos(lower(case_id), $%d) > 0 OR strpos(site_detail_fold, $%d) > 0 "
                  "OR strpos(notes_fold, $%d) > 0)", k, k, k);
    }
    /* the follow-up worklist: a date range of next_due (due includes
     * overdue), the dates as parameters */
    if (f->followup_mask) {
        int window = pg_sched(st)->due_window_days;
        if (f->fu_today[0]) {
            snprintf(st->fu_dates[0], sizeof st->fu_dates[0], "%s", f->fu_today);
            window = f->fu_window;
        } else {
            ev_today(st->fu_dates[0]);
        }
        fu_date_plus(st->fu_dates[0], window, st->fu_dates[1]);
        if (f->followup_mask & (1u << FU_DUE)) {
            pgp_text(p, st->fu_dates[1]);
            sb_add(b, " AND sort_next_due <= $%d", p->n);
        } else if (f->followup_mask & (1u << FU_OVERDUE)) {
            pgp_text(p, st->fu_dates[0]);
            sb_add(b, " AND sort_next_due < $%d", p->n);
        } else {
            sb_add(b, " AND false");
        }
    }
}

static bool valid_sort(imt_sort s)
{
    return (int)s.key >= 0 && s.key < SORT_NKEYS;
}

/* A sort key outside the dictionary that this engine does not keep
 * orders as unknown for every case: by case_id alone (next_due is kept:
 * sort_next_due). */
static imt_sort own_sort(imt_sort s)
{
    if (store_sort_cols[s.key].field < 0 && s.key != SORT_NEXT_DUE)
        s.key = SORT_CASE_ID;
    return s;
}

static long one_number(imt_backend *b, sbuf *q, pgparams *p, const char *what)
{
    if (q->oom) {
        pg_set_err(b, STORE_ERROR, "out of memory");
        return -1;
    }
    int rc;
    PGresult *r = pg_run(b, q->s, p, false, what, &rc);
    if (!r)
        return -1;
    long n = PQntuples(r) == 1 ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return n;
}

long pg_count(imt_backend *b, const imt_filter *f)
{
    if (pg_stage_flush(b) != STORE_OK)
        return -1;
    sbuf q = { 0 };
    pgparams p = { 0 };
    char *needle;
    sb_add(&q, "SELECT count(*) FROM cases WHERE true");
    pg_filter_sql(b, &q, f, &p, &needle);
    long n = one_number(b, &q, &p, "counting cases");
    sb_free(&q);
    free(needle);
    return n;
}

bool pg_passes(imt_backend *b, const imt_filter *f, const char *case_id)
{
    if (!case_id || !*case_id || pg_stage_flush(b) != STORE_OK)
        return false;
    sbuf q = { 0 };
    pgparams p = { 0 };
    char *needle;
    pgp_text(&p, case_id);
    sb_add(&q, "SELECT count(*) FROM cases WHERE case_id = $1");
    pg_filter_sql(b, &q, f, &p, &needle);
    long n = one_number(b, &q, &p, "filtering");
    sb_free(&q);
    free(needle);
    return n > 0;
}

/* " AND (key, case_id) op (anchor's key, anchor)": the anchor's key read
 * by a subquery (NULL when it does not exist: then nothing passes). */
static void keyset(sbuf *q, imt_sort s, const char *op, int id_param)
{
    char col[32];
    const char *kc = pg_sort_col(s.key, col, sizeof col);
    if (s.key == SORT_CASE_ID)
        sb_add(q, " AND case_id %s $%d", op, id_param);
    else
        sb_add(q, " AND (%s, case_id) %s ((SELECT %s FROM cases WHERE case_id = $%d), $%d)",
               kc, op, kc, id_param, id_param);
}

static void order_by(sbuf *q, imt_sort s, bool reverse)
{
    char col[32];
    const char *kc = pg_sort_col(s.key, col, sizeof col);
    bool desc = s.desc != reverse;
    if (s.key == SORT_CASE_ID)
        sb_add(q, " ORDER BY case_id%s", desc ? " DESC" : "");
    else
        sb_add(q, " ORDER BY %s%s, case_id%s", kc, desc ? " DESC" : "", desc ? " DESC" : "");
}

long pg_rank(imt_backend *b, const imt_filter *f, imt_sort s, const char *case_id)
{
    if (!valid_sort(s)) {
        pg_set_err(b, STORE_ERROR, "invalid sort key");
        return -1;
    }
    if (!pg_passes(b, f, case_id))
        return -1;
    s = own_sort(s);
    sbuf q = { 0 };
    pgparams p = { 0 };
    char *needle;
    pgp_text(&p, case_id);
    sb_add(&q, "SELECT count(*) FROM cases WHERE true");
    pg_filter_sql(b, &q, f, &p, &needle);
    keyset(&q, s, s.desc ? ">" : "<", 1);
    long n = one_number(b, &q, &p, "counting cases");
    sb_free(&q);
    free(needle);
    return n;
}

int pg_page(imt_backend *b, const imt_filter *f, imt_sort s, const char *anchor, int dir,
            int n, imt_case *out)
{
    if (!valid_sort(s))
        return pg_set_err(b, STORE_ERROR, "invalid sort key");
    if (n <= 0)
        return 0;
    s = own_sort(s);
    int rc = pg_stage_flush(b);
    if (rc != STORE_OK)
        return rc;
    if (dir == 0 && !anchor)
        dir = +1;
    /* Display order is (key, case_id) ascending, or its exact reverse for
     * desc.  Going back means walking the other way from the anchor and
     * turning the rows round at the end. */
    bool back = dir < 0;
    const char *op = NULL;
    if (anchor) {
        bool up = s.desc ? !back : back;
        op = up ? "<" : ">";
        if (dir == 0)
            op = s.desc ? "<=" : ">=";
    }
    sbuf q = { 0 };
    pgparams p = { 0 };
    char *needle;
    if (anchor)
        pgp_text(&p, anchor);
    sb_add(&q, "SELECT %s FROM cases WHERE true", pg_read_cols());
    pg_filter_sql(b, &q, f, &p, &needle);
    if (anchor)
        keyset(&q, s, op, 1);
    order_by(&q, s, back);
    sb_add(&q, " LIMIT %d", n);
    if (q.oom) {
        sb_free(&q);
        free(needle);
        return pg_set_err(b, STORE_ERROR, "out of memory");
    }
    PGresult *r = pg_run(b, q.s, &p, true, "reading cases", &rc);
    sb_free(&q);
    free(needle);
    if (!r)
        return rc;
    int got = PQntuples(r);
    if (got > n)
        got = n;
    for (int i = 0; i < got; i++) {
        if (pg_load_case(r, i, 0, &out[back ? got - 1 - i : i]) != 0) {
            for (int j = 0; j < i; j++)
                imt_case_clear(&out[back ? got - 1 - j : j]);
            PQclear(r);
            return pg_set_err(b, STORE_ERROR, "out of memory");
        }
    }
    PQclear(r);
    if (got == 0 && anchor && s.key != SORT_CASE_ID && !pg_exists(b, anchor))
        return pg_set_err(b, STORE_ERROR, "no case '%.64s'", anchor);
    return got;
}

/* ---- walks ------------------------------------------------------------------------- */

/* Every row of sql through a cursor, WALK_BATCH rows at a time, inside
 * the current transaction or a read-only one of its own (one snapshot,
 * as SQLite's statement sees).  row(ctx, result, i) returns 0 to go on;
 * its non-zero value stops the walk and is returned. */
int pg_walk(imt_backend *b, const char *sql, const pgparams *p, bool binary,
            const char *what, int (*row)(void *ctx, const PGresult *r, int i), void *ctx)
{
    static unsigned walks;
    int rc = pg_stage_flush(b);
    if (rc != STORE_OK)
        return rc;
    bool own = b->tx == TX_NONE;
    if (own) {
        if ((rc = pg_exec(b, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL, what)) !=
            STORE_OK)
            return rc;
        b->tx = TX_WALK;
        b->aborted = false;
    }
    char cur[32];
    snprintf(cur, sizeof cur, "imt_walk_%u", ++walks);
    sbuf q = { 0 };
    sb_add(&q, "DECLARE %s %sNO SCROLL CURSOR FOR %s", cur, binary ? "BINARY " : "", sql);
    int ret = q.oom ? pg_set_err(b, STORE_ERROR, "out of memory") : pg_exec(b, q.s, p, what);
    sb_free(&q);
    char fetch[64];
    snprintf(fetch, sizeof fetch, "FETCH %d FROM %s", WALK_BATCH, cur);
    bool declared = ret == STORE_OK;
    while (ret == STORE_OK) {
        int frc;
        PGresult *r = pg_run(b, fetch, NULL, binary, what, &frc);
        if (!r) {
            ret = frc;
            break;
        }
        int nt = PQntuples(r);
        for (int i = 0; i < nt && ret == 0; i++)
            ret = row(ctx, r, i);
        PQclear(r);
        if (nt < WALK_BATCH)
            break;
    }
    if (declared && b->tx != TX_NONE && !b->aborted) {
        char close[48];
        snprintf(close, sizeof close, "CLOSE %s", cur);
        pg_exec(b, close, NULL, what);
    }
    if (own && b->tx == TX_WALK) {
        int was_aborted = b->aborted;
        b->tx = TX_NONE;
        b->aborted = false;
        PGresult *r = PQexec(b->conn, was_aborted ? "ROLLBACK" : "COMMIT");
        PQclear(r);
    }
    return ret;
}

typedef struct {
    imt_backend *b;
    int (*cb)(void *ctx, const imt_case *c);
    void *ctx;
} case_walk;

static int case_row(void *vctx, const PGresult *r, int i)
{
    case_walk *w = vctx;
    imt_case c;
    if (pg_load_case(r, i, 0, &c) != 0)
        return pg_set_err(w->b, STORE_ERROR, "out of memory");
    int ret = w->cb(w->ctx, &c);
    imt_case_clear(&c);
    return ret;
}

int pg_foreach(imt_backend *b, const imt_filter *f, imt_sort s,
               int (*cb)(void *ctx, const imt_case *c), void *ctx)
{
    if (!valid_sort(s))
        return pg_set_err(b, STORE_ERROR, "invalid sort key");
    s = own_sort(s);
    sbuf q = { 0 };
    pgparams p = { 0 };
    char *needle;
    sb_add(&q, "SELECT %s FROM cases WHERE true", pg_read_cols());
    pg_filter_sql(b, &q, f, &p, &needle);
    order_by(&q, s, false);
    case_walk w = { b, cb, ctx };
    int rc = q.oom ? pg_set_err(b, STORE_ERROR, "out of memory")
                   : pg_walk(b, q.s, &p, true, "reading cases", case_row, &w);
    sb_free(&q);
    free(needle);
    return rc;
}

/* store_foreach_by_key: the caller's key of each case goes with its id
 * into a temporary table (COPY), and the cases are walked in the order
 * of the key, sorted by the server (it spills to disk: memory does not
 * grow with the number of cases).  A transaction of its own (read-write,
 * for the temporary table; nothing else is written). */
typedef struct {
    imt_backend *b;
    void (*key)(void *kctx, const imt_case *c, char *out, size_t n);
    void *kctx;
    sbuf batch;          /* COPY text rows: key \t case_id \n */
    int n;
} key_walk;

static void copy_text(sbuf *s, const char *t)
{
    for (const char *p = t; *p; p++) {
        if (*p == '\\')
            sb_add(s, "\\\\");
        else if (*p == '\t')
            sb_add(s, "\\t");
        else if (*p == '\n')
            sb_add(s, "\\n");
        else if (*p == '\r')
            sb_add(s, "\\r");
        else
            sb_add(s, "%c", *p);
    }
}

static int key_row(void *vctx, const PGresult *r, int i)
{
    key_walk *w = vctx;
    imt_case c;
    if (pg_load_case(r, i, 0, &c) != 0)
        return pg_set_err(w->b, STORE_ERROR, "out of memory");
    char out[128];
    out[0] = '\0';
    w->key(w->kctx, &c, out, sizeof out);
    copy_text(&w->batch, out);
    sb_add(&w->batch, "\t");
    copy_text(&w->batch, c.case_id);
    sb_add(&w->batch, "\n");
    w->n++;
    imt_case_clear(&c);
    return w->batch.oom ? pg_set_err(w->b, STORE_ERROR, "out of memory") : 0;
}

/* The keys of one batch of cases into imt_keys.  Runs between FETCHes:
 * the walk collects a batch, then this sends it. */
static int send_keys(key_walk *w)
{
    imt_backend *b = w->b;
    if (w->n == 0)
        return STORE_OK;
    int rc;
    if (!PQsendQuery(b->conn, "COPY imt_keys FROM STDIN"))
        return pg_fail(b, NULL, "sorting the cases");
    PGresult *r = pg_result(b, "sorting the cases", &rc);
    bool copying = r && PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    if (rc != STORE_OK)
        return rc;
    if (!copying)
        return pg_set_err(b, STORE_ERROR, "sorting the cases: the server did not start the copy");
    if (PQputCopyData(b->conn, w->batch.s, (int)w->batch.len) != 1 ||
        PQputCopyEnd(b->conn, NULL) != 1)
        return pg_fail(b, NULL, "sorting the cases");
    PQclear(pg_result(b, "sorting the cases", &rc));
    w->batch.len = 0;
    w->batch.s[0] = '\0';
    w->n = 0;
    return rc;
}

/* The first pass walks the filtered cases in batches; send_keys runs
 * after each FETCH (a COPY cannot run while a FETCH is answered). */
static int keys_pass(imt_backend *b, const char *sql, const pgparams *p, key_walk *w)
{
    static unsigned n;
    char cur[32];
    snprintf(cur, sizeof cur, "imt_keys_walk_%u", ++n);
    sbuf q = { 0 };
    sb_add(&q, "DECLARE %s BINARY NO SCROLL CURSOR FOR %s", cur, sql);
    int rc = q.oom ? pg_set_err(b, STORE_ERROR, "out of memory")
                   : pg_exec(b, q.s, p, "sorting the cases");
    sb_free(&q);
    char fetch[64];
    snprintf(fetch, sizeof fetch, "FETCH %d FROM %s", WALK_BATCH, cur);
    while (rc == STORE_OK) {
        PGresult *r = pg_run(b, fetch, NULL, true, "sorting the cases", &rc);
        if (!r)
            break;
        int nt = PQntuples(r);
        for (int i = 0; i < nt && rc == STORE_OK; i++)
            rc = key_row(w, r, i);
        PQclear(r);
        if (rc == STORE_OK)
            rc = send_keys(w);
        if (nt < WALK_BATCH)
            break;
    }
    return rc;
}

int pg_foreach_by_key(imt_backend *b, const imt_filter *f,
                      void (*key)(void *kctx, const imt_case *c, char *out, size_t n),
                      void *kctx, int (*cb)(void *ctx, const imt_case *c), void *ctx)
{
    int rc = pg_stage_flush(b);
    if (rc != STORE_OK)
        return rc;
    bool own = b->tx == TX_NONE;
    if (own) {
        if ((rc = pg_exec(b, "BEGIN ISOLATION LEVEL REPEATABLE READ READ WRITE", NULL,
                          "sorting the cases")) != STORE_OK)
            return rc;
        b->tx = TX_WALK;
        b->aborted = false;
    }
    rc = pg_exec(b, "CREATE TEMP TABLE imt_keys (k text COLLATE \"C\", case_id text COLLATE "
                    "\"C\") ON COMMIT DROP", NULL, "sorting the cases");
    sbuf q = { 0 };
    pgparams p = { 0 };
    char *needle;
    sb_add(&q, "SELECT %s FROM cases WHERE true", pg_cols());
    pg_filter_sql(b, &q, f, &p, &needle);
    key_walk w = { b, key, kctx, { 0 }, 0 };
    sb_add(&w.batch, "%s", "");
    if (rc == STORE_OK)
        rc = q.oom || w.batch.oom ? pg_set_err(b, STORE_ERROR, "out of memory")
                                  : keys_pass(b, q.s, &p, &w);
    sb_free(&q);
    sb_free(&w.batch);
    free(needle);
    if (rc == STORE_OK) {
        sbuf s = { 0 };
        sb_add(&s, "SELECT ");
        for (int i = 0; i < IMT_F_COUNT; i++)
            sb_add(&s, "%sc.%s", i ? ", " : "", imt_fields[i].name);
        sb_add(&s, ", c.alk_discordant FROM imt_keys k JOIN cases c USING (case_id) "
                   "ORDER BY k.k, c.case_id");
        case_walk cw = { b, cb, ctx };
        rc = s.oom ? pg_set_err(b, STORE_ERROR, "out of memory")
                   : pg_walk(b, s.s, NULL, true, "reading cases", case_row, &cw);
        sb_free(&s);
    }
    if (b->tx != TX_NONE && !b->aborted && !own)
        pg_exec(b, "DROP TABLE imt_keys", NULL, "sorting the cases");
    if (own && b->tx == TX_WALK) {
        b->tx = TX_NONE;
        b->aborted = false;
        PGresult *r = PQexec(b->conn, "ROLLBACK");    /* nothing to keep */
        PQclear(r);
    }
    return rc;
}

/* ---- the audit trail, the key ------------------------------------------------------- */

typedef struct {
    int (*cb)(void *ctx, const imt_audit *a);
    void *ctx;
} audit_walk;

static const char *val(const PGresult *r, int i, int c)
{
    return PQgetisnull(r, i, c) ? NULL : PQgetvalue(r, i, c);
}

static int audit_row(void *vctx, const PGresult *r, int i)
{
    audit_walk *w = vctx;
    imt_audit a = {
        .seq = strtoll(PQgetvalue(r, i, 0), NULL, 10),
        .time = val(r, i, 1), .user = val(r, i, 2), .case_id = val(r, i, 3),
        .field = val(r, i, 4), .old_value = val(r, i, 5), .new_value = val(r, i, 6),
        .source = val(r, i, 7), .comment = val(r, i, 8), .ruleset = val(r, i, 9),
        .rule_id = val(r, i, 10), .fired_by = val(r, i, 11), .full_name = val(r, i, 12),
    };
    return w->cb(w->ctx, &a);
}

int pg_audit_foreach(imt_backend *b, const char *case_id,
                     int (*cb)(void *ctx, const imt_audit *a), void *ctx)
{
    pgparams p = { 0 };
    if (case_id)
        pgp_text(&p, case_id);
    const char *sql = case_id
        ? "SELECT seq, time, \"user\", case_id, field, old_value, new_value, source, comment, "
          "ruleset, rule_id, fired_by, full_name FROM audit WHERE case_id = $1 ORDER BY seq"
        : "SELECT seq, time, \"user\", case_id, field, old_value, new_value, source, comment, "
          "ruleset, rule_id, fired_by, full_name FROM audit ORDER BY seq";
    audit_walk w = { cb, ctx };
    return pg_walk(b, sql, case_id ? &p : NULL, false, "reading the audit trail", audit_row, &w);
}

int pg_secret(imt_backend *b, unsigned char key[32])
{
    int rc;
    PGresult *r = pg_run(b, "SELECT value FROM meta WHERE key = 'secret'", NULL, false,
                         "reading the database key", &rc);
    if (!r)
        return rc;
    rc = PQntuples(r) == 1 && chain_unhex(PQgetvalue(r, 0, 0), key) == 0
        ? STORE_OK
        : pg_set_err(b, STORE_ERROR, "the database key is missing or damaged");
    PQclear(r);
    return rc;
}

/* copy --to: the source's key, so that pseudonyms stay the same. */
int pg_set_secret(imt_backend *b, const unsigned char key[32])
{
    if (!b->in_user_tx)
        return pg_set_err(b, STORE_ERROR, "internal: the key is set inside a transaction");
    char hex[65];
    chain_hex(key, hex);
    pgparams p = { 0 };
    pgp_text(&p, hex);
    return pg_exec(b, "UPDATE meta SET value = $1 WHERE key = 'secret'", &p,
                   "writing the database key");
}
