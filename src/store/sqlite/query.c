/* store/sqlite/query.c - filters, counts, keyset paging, walks over cases, the
 * audit trail read, the database key. */
#define _GNU_SOURCE
#include "sqlite_int.h"

/* ---- filters, counting, paging ------------------------------------------- */

/* " AND ..." for the filter: fixed fragments chosen by mask bits (the
 * integers are positions in the dictionary's lists) and the bound
 * search text :search.  Nothing from user text enters the SQL. */
static void filter_sql(sbuf *b, const imt_filter *f)
{
    static const struct { imt_sort_key key; int n; } kinds[FILTER_NKINDS] = {
        [FILTER_SITE] = { SORT_SITE, SITE_N },
        [FILTER_ALK] = { SORT_ALK, ALK_N },
        [FILTER_OUTCOME] = { SORT_OUTCOME, OUT_N },
        [FILTER_STATUS] = { SORT_REVIEW, REV_N },
        [FILTER_FOLLOWUP] = { SORT_NEXT_DUE, 0 },   /* below, as a date range */
    };
    if (!f)
        return;
    if (f->decision_mask) {
        /* undecided = no current decision (stale ones included), stale,
         * decided: the stored state's values (core/review.h) */
        bool st_[DSTATE_N] = { false };
        if (f->decision_mask & (1u << FDEC_UNDECIDED))
            st_[DSTATE_UNDECIDED] = st_[DSTATE_STALE] = true;
        if (f->decision_mask & (1u << FDEC_STALE))
            st_[DSTATE_STALE] = true;
        if (f->decision_mask & (1u << FDEC_DECIDED))
            st_[DSTATE_DECIDED] = true;
        sb_add(b, " AND decision_state IN (");
        int any = 0;
        for (int i = 0; i < DSTATE_N; i++)
            if (st_[i])
                sb_add(b, "%s%d", any++ ? ", " : "", i);
        if (!any)
            sb_add(b, "-1");
        sb_add(b, ")");
    }
    for (int k = 0; k < FILTER_NKINDS; k++) {
        if (k == FILTER_FOLLOWUP || k == FILTER_DECISION)
            continue;
        unsigned mask = *filter_mask((imt_filter *)f, (imt_filter_kind)k);
        if (!mask)
            continue;
        sb_add(b, " AND sort_%s IN (", store_sort_cols[kinds[k].key].name);
        int any = 0;
        for (int i = 0; i < kinds[k].n; i++)
            if (mask & (1u << i))
                sb_add(b, "%s%d", any++ ? ", " : "", i);
        if (!any)
            sb_add(b, "-1");      /* only bits without a value: nothing passes */
        sb_add(b, ")");
    }
    if (f->search[0])
        sb_add(b, " AND (imt_contains(case_id, :search) OR imt_contains(site_detail, :search) "
                  "OR imt_contains(notes, :search))");
    /* the worklist: a range of the next_due index (due includes overdue) */
    if (f->followup_mask & (1u << FU_DUE))
        sb_add(b, " AND sort_next_due <= :fu_until");
    else if (f->followup_mask & (1u << FU_OVERDUE))
        sb_add(b, " AND sort_next_due < :fu_today");
    else if (f->followup_mask)
        sb_add(b, " AND 0");
}

/* Case-insensitive substring search for every script, not only ASCII
 * (SQLite's LIKE folds A-Z only, so "ÖSOPHAGUS" would not find
 * "Ösophagus"): both sides are folded code point by code point
 * (rec_fold), then compared bytewise. */

/* SQL imt_contains(text, needle): 1 when the folded needle occurs in the
 * folded text (NULL text: 0).  The needle is folded once per statement
 * (kept as auxiliary data of the bound parameter). */
void sq_sql_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *hay = (const char *)sqlite3_value_text(argv[0]);
    if (!hay) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    char *needle = sqlite3_get_auxdata(ctx, 1);
    if (!needle) {
        const char *raw = (const char *)sqlite3_value_text(argv[1]);
        if (!raw) {
            sqlite3_result_int(ctx, 0);
            return;
        }
        if (!(needle = rec_fold(raw, (size_t)sqlite3_value_bytes(argv[1])))) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        sqlite3_set_auxdata(ctx, 1, needle, free);
        needle = sqlite3_get_auxdata(ctx, 1);
        if (!needle) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
    }
    char *h = rec_fold(hay, (size_t)sqlite3_value_bytes(argv[0]));
    if (!h) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_int(ctx, strstr(h, needle) != NULL);
    free(h);
}

/* Prepare sql and bind :search and the worklist's dates for the filter. */
static int prepare_filtered(imt_backend *st, sbuf *b, const imt_filter *f,
                            sqlite3_stmt **s)
{
    *s = NULL;
    if (b->oom)
        return sq_set_err(st, STORE_ERROR, "out of memory");
    int rc = sqlite3_prepare_v2(st->db, b->s, -1, s, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "preparing a query");
    int p = sqlite3_bind_parameter_index(*s, ":search");
    if (p > 0)
        sqlite3_bind_text(*s, p, f->search, -1, SQLITE_STATIC);
    int pt = sqlite3_bind_parameter_index(*s, ":fu_today");
    int pu = sqlite3_bind_parameter_index(*s, ":fu_until");
    if (pt > 0 || pu > 0) {
        char today[11], until[11];
        int window = st->sched.due_window_days;
        if (f->fu_today[0]) {
            snprintf(today, sizeof today, "%s", f->fu_today);
            window = f->fu_window;
        } else {
            ev_today(today);
        }
        fu_date_plus(today, window, until);
        if (pt > 0)
            sqlite3_bind_text(*s, pt, today, -1, SQLITE_TRANSIENT);
        if (pu > 0)
            sqlite3_bind_text(*s, pu, until, -1, SQLITE_TRANSIENT);
    }
    return STORE_OK;
}

long sq_count(imt_backend *st, const imt_filter *f)
{
    sbuf b = { 0 };
    sb_add(&b, "SELECT count(*) FROM cases WHERE 1");
    filter_sql(&b, f);
    sqlite3_stmt *s;
    int rc = prepare_filtered(st, &b, f, &s);
    sb_free(&b);
    if (rc != STORE_OK)
        return -1;
    long n = -1;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        n = (long)sqlite3_column_int64(s, 0);
    else
        sq_fail(st, rc, "counting cases");
    sqlite3_finalize(s);
    return n;
}

bool sq_passes(imt_backend *st, const imt_filter *f, const char *case_id)
{
    if (!sq_valid_id(case_id))
        return false;
    sbuf b = { 0 };
    sb_add(&b, "SELECT 1 FROM cases WHERE case_id = :id");
    filter_sql(&b, f);
    sqlite3_stmt *s;
    if (prepare_filtered(st, &b, f, &s) != STORE_OK) {
        sb_free(&b);
        return false;
    }
    sb_free(&b);
    sqlite3_bind_text(s, sqlite3_bind_parameter_index(s, ":id"), case_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        sq_fail(st, rc, "filtering");
    sqlite3_finalize(s);
    return rc == SQLITE_ROW;
}

/* The sort key value of the anchor case into *k (a copy, freed by the
 * caller with sqlite3_value_free). */
static int anchor_key(imt_backend *st, imt_sort_key key, const char *id, sqlite3_value **k)
{
    sqlite3_stmt *s = st->anchor[key];
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s), ret = STORE_OK;
    *k = NULL;
    if (rc == SQLITE_ROW) {
        if (!(*k = sqlite3_value_dup(sqlite3_column_value(s, 0))))
            ret = sq_set_err(st, STORE_ERROR, "out of memory");
    } else if (rc == SQLITE_DONE) {
        ret = sq_set_err(st, STORE_ERROR, "no case '%.64s'", id);
    } else {
        ret = sq_fail(st, rc, "reading the sort key");
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return ret;
}

/* SELECT cols FROM cases WHERE filter [AND (key, case_id) op anchor]
 * ORDER BY key, case_id in the direction asked. */
static void ordered_sql(sbuf *b, const char *what, const imt_filter *f, imt_sort s,
                        const char *op, bool reverse)
{
    char col[32];
    const char *kc = sq_sort_col(s.key, col, sizeof col);
    bool desc = s.desc != reverse;
    sb_add(b, "SELECT %s FROM cases WHERE 1", what);
    filter_sql(b, f);
    if (op) {
        if (s.key == SORT_CASE_ID)
            sb_add(b, " AND case_id %s :id", op);
        else
            sb_add(b, " AND (%s, case_id) %s (:k, :id)", kc, op);
    }
    if (s.key == SORT_CASE_ID)
        sb_add(b, " ORDER BY case_id%s", desc ? " DESC" : "");
    else
        sb_add(b, " ORDER BY %s%s, case_id%s", kc, desc ? " DESC" : "", desc ? " DESC" : "");
}

static bool valid_sort(imt_sort s)
{
    return (int)s.key >= 0 && s.key < SORT_NKEYS;
}

long sq_rank(imt_backend *st, const imt_filter *f, imt_sort s, const char *case_id)
{
    if (!valid_sort(s)) {
        sq_set_err(st, STORE_ERROR, "invalid sort key");
        return -1;
    }
    if (!sq_passes(st, f, case_id))
        return -1;
    sqlite3_value *k = NULL;
    if (s.key != SORT_CASE_ID && anchor_key(st, s.key, case_id, &k) != STORE_OK)
        return -1;
    sbuf b = { 0 };
    sb_add(&b, "SELECT count(*) FROM cases WHERE 1");
    filter_sql(&b, f);
    char col[32];
    const char *op = s.desc ? ">" : "<";
    if (s.key == SORT_CASE_ID)
        sb_add(&b, " AND case_id %s :id", op);
    else
        sb_add(&b, " AND (%s, case_id) %s (:k, :id)", sq_sort_col(s.key, col, sizeof col), op);
    sqlite3_stmt *q;
    int rc = prepare_filtered(st, &b, f, &q);
    sb_free(&b);
    if (rc != STORE_OK) {
        sqlite3_value_free(k);
        return -1;
    }
    sqlite3_bind_text(q, sqlite3_bind_parameter_index(q, ":id"), case_id, -1, SQLITE_STATIC);
    if (k)
        sqlite3_bind_value(q, sqlite3_bind_parameter_index(q, ":k"), k);
    long n = -1;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        n = (long)sqlite3_column_int64(q, 0);
    else
        sq_fail(st, rc, "counting cases");
    sqlite3_finalize(q);
    sqlite3_value_free(k);
    return n;
}

int sq_page(imt_backend *st, const imt_filter *f, imt_sort s,
               const char *anchor, int dir, int n, imt_case *out)
{
    if (!valid_sort(s))
        return sq_set_err(st, STORE_ERROR, "invalid sort key");
    if (n <= 0)
        return 0;
    if (dir == 0 && !anchor)
        dir = +1;
    sqlite3_value *k = NULL;
    if (anchor && s.key != SORT_CASE_ID) {
        int rc = anchor_key(st, s.key, anchor, &k);
        if (rc != STORE_OK)
            return rc;
    }
    /* Display order is (key, case_id) ascending, or its exact reverse for
     * desc.  Going back means walking the other way from the anchor and
     * turning the rows round at the end. */
    bool back = dir < 0;
    const char *op = NULL;
    if (anchor) {
        bool up = s.desc ? !back : back;      /* rows smaller than anchor? */
        op = up ? "<" : ">";
        if (dir == 0)
            op = s.desc ? "<=" : ">=";
    }
    sbuf b = { 0 };
    ordered_sql(&b, st->read_cols, f, s, op, back);
    sb_add(&b, " LIMIT %d", n);
    sqlite3_stmt *q;
    int rc = prepare_filtered(st, &b, f, &q);
    sb_free(&b);
    if (rc != STORE_OK) {
        sqlite3_value_free(k);
        return rc;
    }
    if (anchor)
        sqlite3_bind_text(q, sqlite3_bind_parameter_index(q, ":id"), anchor, -1, SQLITE_STATIC);
    if (k)
        sqlite3_bind_value(q, sqlite3_bind_parameter_index(q, ":k"), k);
    int got = 0;
    while (got < n && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (sq_load_case(q, 0, &out[got]) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
        got++;
    }
    int ret = got;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        ret = rc == SQLITE_NOMEM ? sq_set_err(st, STORE_ERROR, "out of memory")
                                 : sq_fail(st, rc, "reading cases");
        for (int i = 0; i < got; i++)
            imt_case_clear(&out[i]);
    } else if (back) {
        for (int i = 0, j = got - 1; i < j; i++, j--) {
            imt_case t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
    }
    sqlite3_finalize(q);
    sqlite3_value_free(k);
    return ret;
}

/* Step q to the end, handing each case to cb (which stops the walk by
 * returning non-zero, its value returned); finalizes q. */
static int each_case(imt_backend *st, sqlite3_stmt *q,
                     int (*cb)(void *ctx, const imt_case *c), void *ctx)
{
    int rc, ret = 0;
    imt_case c;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (sq_load_case(q, 0, &c) != 0) {
            ret = sq_set_err(st, STORE_ERROR, "out of memory");
            break;
        }
        ret = cb(ctx, &c);
        imt_case_clear(&c);
        if (ret)
            break;
    }
    if (!ret && rc != SQLITE_DONE)
        ret = sq_fail(st, rc, "reading cases");
    sqlite3_finalize(q);
    return ret;
}

int sq_foreach(imt_backend *st, const imt_filter *f, imt_sort s,
                  int (*cb)(void *ctx, const imt_case *c), void *ctx)
{
    if (!valid_sort(s))
        return sq_set_err(st, STORE_ERROR, "invalid sort key");
    sbuf b = { 0 };
    ordered_sql(&b, st->read_cols, f, s, NULL, false);
    sqlite3_stmt *q;
    int rc = prepare_filtered(st, &b, f, &q);
    sb_free(&b);
    if (rc != STORE_OK)
        return rc;
    return each_case(st, q, cb, ctx);
}

/* store_foreach_by_key: the caller's key of each case, as an SQL function
 * over all the columns, so that SQLite's sorter orders the rows (it spills
 * to a temporary file: memory does not grow with the number of cases). */
typedef struct {
    void (*key)(void *kctx, const imt_case *c, char *out, size_t n);
    void *kctx;
} key_fn;

static void sql_case_key(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    key_fn *k = sqlite3_user_data(ctx);
    if (argc != NLOAD) {
        sqlite3_result_error(ctx, "imt_case_key: wrong number of arguments", -1);
        return;
    }
    imt_case c;
    if (sq_load_values(argv, &c) != 0) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    char out[128];
    out[0] = '\0';
    k->key(k->kctx, &c, out, sizeof out);
    imt_case_clear(&c);
    sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

int sq_foreach_by_key(imt_backend *st, const imt_filter *f,
                         void (*key)(void *kctx, const imt_case *c, char *out, size_t n),
                         void *kctx, int (*cb)(void *ctx, const imt_case *c), void *ctx)
{
    key_fn k = { key, kctx };
    int rc = sqlite3_create_function_v2(st->db, "imt_case_key", NLOAD, SQLITE_UTF8, &k,
                                        sql_case_key, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "registering the sort key");
    sbuf b = { 0 };
    sb_add(&b, "SELECT %s FROM cases WHERE 1", st->read_cols);
    filter_sql(&b, f);
    sb_add(&b, " ORDER BY imt_case_key(%s), case_id", st->cols);
    sqlite3_stmt *q;
    rc = prepare_filtered(st, &b, f, &q);
    sb_free(&b);
    int ret = rc != STORE_OK ? rc : each_case(st, q, cb, ctx);
    sqlite3_create_function_v2(st->db, "imt_case_key", NLOAD, SQLITE_UTF8, NULL,
                               NULL, NULL, NULL, NULL);
    return ret;
}

/* ---- audit trail, key ------------------------------------------------------ */

static const char *col_text(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

int sq_audit_foreach(imt_backend *st, const char *case_id,
                        int (*cb)(void *ctx, const imt_audit *a), void *ctx)
{
    sqlite3_stmt *q;
    const char *sql = case_id
        ? "SELECT seq, time, user, case_id, field, old_value, new_value, source, comment, "
          "ruleset, rule_id, fired_by, full_name FROM audit WHERE case_id = ?1 ORDER BY seq"
        : "SELECT seq, time, user, case_id, field, old_value, new_value, source, comment, "
          "ruleset, rule_id, fired_by, full_name FROM audit ORDER BY seq";
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "reading the audit trail");
    if (case_id)
        sqlite3_bind_text(q, 1, case_id, -1, SQLITE_STATIC);
    int ret = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        imt_audit a = {
            .seq = sqlite3_column_int64(q, 0),
            .time = col_text(q, 1), .user = col_text(q, 2), .case_id = col_text(q, 3),
            .field = col_text(q, 4), .old_value = col_text(q, 5),
            .new_value = col_text(q, 6), .source = col_text(q, 7),
            .comment = col_text(q, 8), .ruleset = col_text(q, 9),
            .rule_id = col_text(q, 10), .fired_by = col_text(q, 11),
            .full_name = col_text(q, 12),
        };
        if ((ret = cb(ctx, &a)) != 0)
            break;
    }
    if (!ret && rc != SQLITE_DONE)
        ret = sq_fail(st, rc, "reading the audit trail");
    sqlite3_finalize(q);
    return ret;
}

int sq_secret(imt_backend *st, unsigned char key[32])
{
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = 'secret'", -1,
                                &q, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "reading the database key");
    rc = sqlite3_step(q);
    int ret;
    if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_BLOB &&
        sqlite3_column_bytes(q, 0) == 32) {
        memcpy(key, sqlite3_column_blob(q, 0), 32);
        ret = STORE_OK;
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        ret = sq_set_err(st, STORE_ERROR, "the database key is missing or damaged");
    } else {
        ret = sq_fail(st, rc, "reading the database key");
    }
    sqlite3_finalize(q);
    return ret;
}
