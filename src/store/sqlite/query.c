/* store/sqlite/query.c - filters, counts, keyset paging, walks over cases, the
 * audit trail read, the database key. */
#define _GNU_SOURCE
#include "sqlite_int.h"

/* ---- filters, counting, paging ------------------------------------------- */

/* " AND ..." for the filter's value masks: fixed fragments chosen by
 * mask bits (the integers are positions in the dictionary's lists, or
 * decision states).  The columns are the sort_ keys and decision_state,
 * which case_counts has too. */
static void masks_sql(sbuf *b, const imt_filter *f)
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
        bool st_[DSTATE_N];
        store_decision_states(f->decision_mask, st_);
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
            continue;           /* filter_sql: a date range; above */
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
}

/* The part of the filter case_counts cannot answer: the follow-up
 * worklist (a date range of next_due). */
static bool beyond_cells(const imt_filter *f)
{
    return f && f->followup_mask;
}

/* Any part of the filter but the search. */
static bool has_masks(const imt_filter *f)
{
    return f && (f->site_mask || f->alk_mask || f->outcome_mask || f->status_mask ||
                 f->decision_mask || beyond_cells(f));
}

/* " AND ..." for the whole filter: the masks, the bound search text
 * :search (its set of cases, search.c) and the follow-up worklist (a
 * range of the next_due index; due includes overdue).  Nothing from user
 * text enters the SQL. */
static void filter_sql(sbuf *b, const imt_filter *f)
{
    masks_sql(b, f);
    if (!f)
        return;
    if (f->search[0])
        sb_add(b, " AND imt_in_search(cases.id, :search)");
    if (f->followup_mask & (1u << FU_DUE))
        sb_add(b, " AND sort_next_due <= :fu_until");
    else if (f->followup_mask & (1u << FU_OVERDUE))
        sb_add(b, " AND sort_next_due < :fu_today");
    else if (f->followup_mask)
        sb_add(b, " AND 0");
}

/* How a filtered statement reads: the search's set of cases (NULL: no
 * search), and whether to read those cases one by one (a small set)
 * rather than walk the table or an index testing each case. */
typedef struct {
    sq_search_set *set;
    bool drive;
} fplan;

static int plan(imt_backend *st, const imt_filter *f, fplan *p)
{
    memset(p, 0, sizeof *p);
    if (!f || !f->search[0])
        return STORE_OK;
    if (!(p->set = sq_search_get(st, f->search)))
        return STORE_ERROR;
    p->drive = sq_search_ids(p->set) != NULL;
    return STORE_OK;
}

static void from_sql(sbuf *b, const fplan *p)
{
    /* CROSS JOIN keeps json_each outside: each id looks its case up. */
    sb_add(b, p->drive ? " FROM json_each(:ids) AS j CROSS JOIN cases ON cases.id = j.value"
                       : " FROM cases");
}

/* Prepare sql and bind :search and :ids for the filter. */
static int prepare_filtered(imt_backend *st, sbuf *b, const imt_filter *f, const fplan *p,
                            sqlite3_stmt **s)
{
    *s = NULL;
    if (b->oom)
        return sq_set_err(st, STORE_ERROR, "out of memory");
    int rc = sqlite3_prepare_v2(st->db, b->s, -1, s, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "preparing a query");
    int i = sqlite3_bind_parameter_index(*s, ":search");
    if (i > 0)
        sqlite3_bind_text(*s, i, f->search, -1, SQLITE_STATIC);
    i = sqlite3_bind_parameter_index(*s, ":ids");
    if (i > 0)
        sqlite3_bind_text(*s, i, p->set ? sq_search_ids(p->set) : "[]", -1, SQLITE_STATIC);
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

/* A count is never a scan of the cases: without a search it sums
 * case_counts over the cells the masks leave; a search alone is the
 * size of its set; both read only the set's cases or walk the masks'
 * index testing the set. */
long sq_count(imt_backend *st, const imt_filter *f)
{
    fplan p;
    if (plan(st, f, &p) != STORE_OK)
        return -1;
    if (p.set && !has_masks(f))
        return sq_search_count(p.set);
    sbuf b = { 0 };
    if (!p.set && !st->bulk && !beyond_cells(f)) {
        sb_add(&b, "SELECT coalesce(sum(n), 0) FROM case_counts WHERE 1");
        masks_sql(&b, f);
    } else {        /* (a bulk load counts its cases at the end; the
                       follow-up worklist is a range of the next_due index) */
        sb_add(&b, "SELECT count(*)");
        from_sql(&b, &p);
        sb_add(&b, " WHERE 1");
        filter_sql(&b, f);
    }
    sqlite3_stmt *s;
    int rc = prepare_filtered(st, &b, f, &p, &s);
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
    fplan p;
    if (plan(st, f, &p) != STORE_OK)
        return false;
    sbuf b = { 0 };
    sb_add(&b, "SELECT 1 FROM cases WHERE case_id = :id");
    filter_sql(&b, f);
    sqlite3_stmt *s;
    if (prepare_filtered(st, &b, f, &p, &s) != STORE_OK) {
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
static void ordered_sql(sbuf *b, const char *what, const imt_filter *f, const fplan *p,
                        imt_sort s, const char *op, bool reverse)
{
    char col[32];
    const char *kc = sq_sort_col(s.key, col, sizeof col);
    bool desc = s.desc != reverse;
    sb_add(b, "SELECT %s", what);
    from_sql(b, p);
    sb_add(b, " WHERE 1");
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

/* A rank counted in slices: the filtered cases before the anchor in the
 * order, stepped through (the order's index covers the key and case_id,
 * so each step reads an index entry, not a case). */
typedef struct {
    sqlite3_stmt *q;       /* NULL: done (the case does not pass)   */
    sq_search_set *set;
    sqlite3_value *k;
    char *id;
    long n;
} sq_ranker;

void sq_ranker_close(imt_backend *st, void *vr)
{
    sq_ranker *r = vr;
    if (!r)
        return;
    sqlite3_finalize(r->q);
    sq_search_unpin(st, r->set);
    sqlite3_value_free(r->k);
    free(r->id);
    free(r);
}

void *sq_ranker_open(imt_backend *st, const imt_filter *f, imt_sort s, const char *case_id)
{
    if (!valid_sort(s)) {
        sq_set_err(st, STORE_ERROR, "invalid sort key");
        return NULL;
    }
    sq_ranker *r = calloc(1, sizeof *r);
    if (!r || !(r->id = strdup(case_id ? case_id : ""))) {
        free(r);
        sq_set_err(st, STORE_ERROR, "out of memory");
        return NULL;
    }
    if (!sq_passes(st, f, case_id)) {
        r->n = -1;
        return r;                   /* done: not among the filtered */
    }
    if (s.key != SORT_CASE_ID && anchor_key(st, s.key, case_id, &r->k) != STORE_OK) {
        sq_ranker_close(st, r);
        return NULL;
    }
    fplan p;
    if (plan(st, f, &p) != STORE_OK) {
        sq_ranker_close(st, r);
        return NULL;
    }
    sbuf b = { 0 };
    sb_add(&b, "SELECT 1");
    from_sql(&b, &p);
    sb_add(&b, " WHERE 1");
    filter_sql(&b, f);
    char col[32];
    const char *op = s.desc ? ">" : "<";
    if (s.key == SORT_CASE_ID)
        sb_add(&b, " AND case_id %s :id", op);
    else
        sb_add(&b, " AND (%s, case_id) %s (:k, :id)", sq_sort_col(s.key, col, sizeof col), op);
    int rc = prepare_filtered(st, &b, f, &p, &r->q);
    sb_free(&b);
    if (rc != STORE_OK) {
        sq_ranker_close(st, r);
        return NULL;
    }
    sqlite3_bind_text(r->q, sqlite3_bind_parameter_index(r->q, ":id"), r->id, -1, SQLITE_STATIC);
    if (r->k)
        sqlite3_bind_value(r->q, sqlite3_bind_parameter_index(r->q, ":k"), r->k);
    r->set = p.set;
    sq_search_pin(r->set);
    return r;
}

int sq_ranker_step(imt_backend *st, void *vr, long max, long *rank)
{
    sq_ranker *r = vr;
    if (r->q) {
        int rc = SQLITE_ROW;
        for (long i = 0; i < max && (rc = sqlite3_step(r->q)) == SQLITE_ROW; i++)
            r->n++;
        if (rc == SQLITE_ROW)
            return 1;
        if (rc != SQLITE_DONE)
            return sq_fail(st, rc, "counting cases");
        sqlite3_finalize(r->q);
        r->q = NULL;
    }
    *rank = r->n;
    return 0;
}

long sq_rank(imt_backend *st, const imt_filter *f, imt_sort s, const char *case_id)
{
    void *r = sq_ranker_open(st, f, s, case_id);
    if (!r)
        return -1;
    long n = -1;
    int rc;
    while ((rc = sq_ranker_step(st, r, 1L << 30, &n)) == 1)
        ;
    sq_ranker_close(st, r);
    return rc == 0 ? n : -1;
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
    fplan p;
    if (plan(st, f, &p) != STORE_OK) {
        sqlite3_value_free(k);
        return STORE_ERROR;
    }
    sbuf b = { 0 };
    ordered_sql(&b, st->read_cols, f, &p, s, op, back);
    sb_add(&b, " LIMIT %d", n);
    sqlite3_stmt *q;
    int rc = prepare_filtered(st, &b, f, &p, &q);
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
    fplan p;
    if (plan(st, f, &p) != STORE_OK)
        return STORE_ERROR;
    sbuf b = { 0 };
    ordered_sql(&b, st->read_cols, f, &p, s, NULL, false);
    sqlite3_stmt *q;
    int rc = prepare_filtered(st, &b, f, &p, &q);
    sb_free(&b);
    if (rc != STORE_OK)
        return rc;
    /* the callback may search too: this walk's set stays while it runs */
    sq_search_pin(p.set);
    rc = each_case(st, q, cb, ctx);
    sq_search_unpin(st, p.set);
    return rc;
}

/* ---- walks in slices --------------------------------------------------------- */

/* Two kinds: a narrow walk (the fields asked for, the table in its own
 * order, no sorting; with course each case gets an empty course, the
 * database holding no events), and a course walk (every column in
 * case_id order, the events merged in by case_id as store_foreach_course
 * does). */
typedef struct {
    sqlite3_stmt *q;
    sqlite3_stmt *qe;      /* the events by case_id (course walk), or NULL  */
    bool ev_have, ev_done; /* qe is on a row not yet used / at its end      */
    bool course;
    imt_course co;
    sq_search_set *set;    /* the filter's search set, kept while the walk is open */
    imt_case blank;        /* every field unknown: the record each row starts as */
    int nf;
    int fields[];
} sq_walk;

void sq_walk_close(imt_backend *st, void *vw)
{
    sq_walk *w = vw;
    if (!w)
        return;
    sqlite3_finalize(w->q);
    sqlite3_finalize(w->qe);
    course_clear(&w->co);
    sq_search_unpin(st, w->set);
    free(w);
}

void *sq_walk_open(imt_backend *st, const imt_filter *f, const int *fields, int nf, bool course)
{
    if (nf <= 0 || nf > IMT_F_COUNT) {
        sq_set_err(st, STORE_ERROR, "a walk needs between 1 and %d fields", IMT_F_COUNT);
        return NULL;
    }
    sq_walk *w = calloc(1, sizeof *w + (size_t)nf * sizeof w->fields[0]);
    if (!w) {
        sq_set_err(st, STORE_ERROR, "out of memory");
        return NULL;
    }
    w->nf = nf;
    w->course = course;
    course_init(&w->co);
    imt_case_init(&w->blank);
    if (course) {
        sqlite3_stmt *q;
        int rc = sqlite3_prepare_v2(st->db, "SELECT EXISTS (SELECT 1 FROM events)", -1, &q,
                                    NULL);
        bool any = false;
        if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            any = sqlite3_column_int(q, 0) != 0;
            rc = SQLITE_OK;
        }
        sqlite3_finalize(q);
        if (rc != SQLITE_OK) {
            sq_fail(st, rc, "reading the courses");
            sq_walk_close(st, w);
            return NULL;
        }
        if (any) {
            rc = sqlite3_prepare_v2(st->db, "SELECT " EV_COLS " FROM events ORDER BY case_id, id",
                                    -1, &w->qe, NULL);
            if (rc != SQLITE_OK) {
                sq_fail(st, rc, "reading the courses");
                sq_walk_close(st, w);
                return NULL;
            }
        }
    }
    fplan p;
    if (plan(st, f, &p) != STORE_OK) {
        sq_walk_close(st, w);
        return NULL;
    }
    sbuf b = { 0 };
    if (w->qe) {
        /* every column, by case_id: the events follow in the same order */
        sb_add(&b, "SELECT %s", st->read_cols);
    } else {
        sb_add(&b, "SELECT ");
        for (int i = 0; i < nf; i++) {
            if (fields[i] < 0 || fields[i] >= IMT_F_COUNT) {
                sb_free(&b);
                sq_set_err(st, STORE_ERROR, "internal: no field %d", fields[i]);
                sq_walk_close(st, w);
                return NULL;
            }
            w->fields[i] = fields[i];
            sb_add(&b, "%s%s", i ? ", " : "", imt_fields[fields[i]].name);
        }
    }
    from_sql(&b, &p);
    sb_add(&b, " WHERE 1");
    filter_sql(&b, f);
    /* A narrow walk has no ORDER BY: the table in its own order (or the
     * order of the index a filter uses), one pass, no sorting. */
    if (w->qe)
        sb_add(&b, " ORDER BY case_id");
    int rc = prepare_filtered(st, &b, f, &p, &w->q);
    sb_free(&b);
    if (rc != STORE_OK) {
        sq_walk_close(st, w);
        return NULL;
    }
    w->set = p.set;
    sq_search_pin(w->set);
    return w;
}

/* The events of case c from the merged events statement into w->co. */
static int walk_course(imt_backend *st, sq_walk *w, const imt_case *c)
{
    course_clear(&w->co);
    while (!w->ev_done) {
        if (!w->ev_have) {
            int rc = sqlite3_step(w->qe);
            if (rc == SQLITE_DONE) {
                w->ev_done = true;
                break;
            }
            if (rc != SQLITE_ROW)
                return sq_fail(st, rc, "reading the courses");
            w->ev_have = true;
        }
        const char *eid = (const char *)sqlite3_column_text(w->qe, 1);
        int cmp = strcmp(eid ? eid : "", c->case_id);
        if (cmp > 0)
            break;             /* a later case's */
        if (cmp == 0) {
            imt_event e;
            if (sq_event_load(w->qe, 0, &e) != 0 || course_add(&w->co, &e) != 0) {
                ev_clear(&e);
                return sq_set_err(st, STORE_ERROR, "out of memory");
            }
            ev_clear(&e);
        }
        w->ev_have = false;    /* used, or a filtered-out case's */
    }
    course_sort(&w->co, c);
    return STORE_OK;
}

int sq_walk_step(imt_backend *st, void *vw, long max,
                 int (*cb)(void *ctx, const imt_case *c, const imt_course *co), void *ctx)
{
    sq_walk *w = vw;
    int rc = SQLITE_ROW, ret = 0;
    for (long i = 0; i < max && (rc = sqlite3_step(w->q)) == SQLITE_ROW; i++) {
        if (w->qe) {
            imt_case c;
            if (sq_load_case(w->q, 0, &c) != 0)
                return sq_set_err(st, STORE_ERROR, "out of memory");
            ret = walk_course(st, w, &c);
            if (ret == STORE_OK)
                ret = cb(ctx, &c, &w->co);
            imt_case_clear(&c);
        } else {
            /* Only the fields read are set (and freed): a whole record's
             * init and clear per row cost more than reading it. */
            imt_case c = w->blank;
            if (sq_load_row_fields(w->q, w->fields, w->nf, &c) != 0)
                return sq_set_err(st, STORE_ERROR, "out of memory");
            ret = cb(ctx, &c, w->course ? &w->co : NULL);
            sq_free_fields(&c, w->fields, w->nf);
        }
        if (ret)
            return ret;
    }
    if (rc == SQLITE_DONE)
        return 0;
    if (rc == SQLITE_ROW)
        return 1;
    return sq_fail(st, rc, "reading cases");
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
    fplan p;
    sbuf b = { 0 };
    if (plan(st, f, &p) != STORE_OK) {
        sqlite3_create_function_v2(st->db, "imt_case_key", NLOAD, SQLITE_UTF8, NULL,
                                   NULL, NULL, NULL, NULL);
        return STORE_ERROR;
    }
    sb_add(&b, "SELECT %s", st->read_cols);
    from_sql(&b, &p);
    sb_add(&b, " WHERE 1");
    filter_sql(&b, f);
    sb_add(&b, " ORDER BY imt_case_key(%s), case_id", st->cols);
    sqlite3_stmt *q;
    rc = prepare_filtered(st, &b, f, &p, &q);
    sb_free(&b);
    sq_search_pin(p.set);
    int ret = rc != STORE_OK ? rc : each_case(st, q, cb, ctx);
    sq_search_unpin(st, p.set);
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
