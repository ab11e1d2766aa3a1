/* store/pg/walk.c - the filtered cases in slices (store_walk_*), for the
 * statistics view and the streaming statistics: keyset slices in case_id
 * order, each slice one query that also brings its cases' events (a LEFT
 * JOIN on a LIMITed subquery), so a walk costs one round trip per slice,
 * not one per case.  Between slices nothing is held open on the server:
 * the interface answers keys between them, and a slice read after another
 * session's commit simply sees it (as a keyset page does). */
#define _GNU_SOURCE
#include "pg_int.h"

#define SLICE_MAX 2000   /* cases per query */

typedef struct {
    imt_filter f;
    bool has_f;
    bool course;
    bool done;
    char *last;          /* case_id of the last case delivered */
} pg_walker;

void *pg_walk_open(imt_backend *b, const imt_filter *f, const int *fields, int nf, bool course)
{
    (void)fields;        /* every column is read: one row layout, pg_load_case's */
    (void)nf;
    pg_walker *w = calloc(1, sizeof *w);
    if (!w) {
        pg_set_err(b, STORE_ERROR, "out of memory");
        return NULL;
    }
    if (f) {
        w->f = *f;
        w->has_f = true;
    }
    w->course = course;
    return w;
}

typedef struct {
    imt_backend *b;
    int (*cb)(void *ctx, const imt_case *c, const imt_course *co);
    void *ctx;
    imt_case c;
    imt_course co;
    bool have;
    long ncases;
} slice;

/* Hands the case gathered so far to the callback. */
static int deliver(slice *s, pg_walker *w)
{
    if (!s->have)
        return 0;
    s->have = false;
    char *id = strdup(s->c.case_id);
    if (!id) {
        imt_case_clear(&s->c);
        course_clear(&s->co);
        return pg_set_err(s->b, STORE_ERROR, "out of memory");
    }
    free(w->last);
    w->last = id;
    int ret;
    if (w->course) {
        course_sort(&s->co, &s->c);
        ret = s->cb(s->ctx, &s->c, &s->co);
    } else {
        ret = s->cb(s->ctx, &s->c, NULL);
    }
    imt_case_clear(&s->c);
    course_clear(&s->co);
    return ret;
}

/* Row i: a case's columns, then (with the course) one of its events, NULL
 * when it has none; rows by case_id, then event id. */
static int slice_row(slice *s, pg_walker *w, const PGresult *r, int i)
{
    const char *id = PQgetvalue(r, i, IMT_F_case_id);
    int idlen = PQgetlength(r, i, IMT_F_case_id);
    if (!s->have || strncmp(s->c.case_id, id, (size_t)idlen) != 0 ||
        s->c.case_id[idlen] != '\0') {
        int ret = deliver(s, w);
        if (ret)
            return ret;
        if (pg_load_case(r, i, 0, &s->c) != 0)
            return pg_set_err(s->b, STORE_ERROR, "out of memory");
        course_init(&s->co);
        s->have = true;
        s->ncases++;
    }
    if (!w->course || PQgetisnull(r, i, PG_NCOLS))
        return 0;
    imt_event e;
    int ret = 0;
    if (pg_load_event(r, i, PG_NCOLS, s->c.case_id, &e) != 0 || course_add(&s->co, &e) != 0)
        ret = pg_set_err(s->b, STORE_ERROR, "out of memory");
    ev_clear(&e);
    return ret;
}

/* One slice of at most want cases after w->last.  Its number of cases in
 * *got; 0, the callback's non-zero value, or an error. */
static int read_slice(imt_backend *b, pg_walker *w, int want,
                      int (*cb)(void *ctx, const imt_case *c, const imt_course *co), void *ctx,
                      long *got)
{
    sbuf q = { 0 };
    pgparams p = { 0 };
    char *needle = NULL;
    sb_add(&q, "SELECT ");
    for (int k = 0; k < IMT_F_COUNT; k++)
        sb_add(&q, "c.%s, ", imt_fields[k].name);
    sb_add(&q, "c.alk_discordant%s FROM (SELECT * FROM cases WHERE true",
           w->course ? ", " PG_EV_SELECT : "");
    if (w->last) {
        pgp_text(&p, w->last);
        sb_add(&q, " AND case_id > $1");
    }
    pg_filter_sql(&q, w->has_f ? &w->f : NULL, &p, &needle);
    sb_add(&q, " ORDER BY case_id LIMIT %d) c", want);
    if (w->course)
        sb_add(&q, " LEFT JOIN events e ON e.case_id = c.case_id ORDER BY c.case_id, e.id");
    else
        sb_add(&q, " ORDER BY c.case_id");
    int rc = STORE_OK;
    PGresult *r = q.oom ? NULL : pg_run(b, q.s, &p, true, "reading cases", &rc);
    if (q.oom)
        rc = pg_set_err(b, STORE_ERROR, "out of memory");
    sb_free(&q);
    free(needle);
    if (!r)
        return rc;
    slice s = { .b = b, .cb = cb, .ctx = ctx };
    int ret = 0;
    for (int i = 0; i < PQntuples(r) && !ret; i++)
        ret = slice_row(&s, w, r, i);
    if (!ret)
        ret = deliver(&s, w);
    if (s.have) {
        imt_case_clear(&s.c);
        course_clear(&s.co);
    }
    PQclear(r);
    *got = s.ncases;
    return ret;
}

int pg_walk_step(imt_backend *b, void *vw, long max,
                 int (*cb)(void *ctx, const imt_case *c, const imt_course *co), void *ctx)
{
    pg_walker *w = vw;
    int rc = pg_stage_flush(b);
    if (rc != STORE_OK)
        return rc;
    while (!w->done && max > 0) {
        int want = max < SLICE_MAX ? (int)max : SLICE_MAX;
        long got = 0;
        int ret = read_slice(b, w, want, cb, ctx, &got);
        if (ret)
            return ret;
        if (got < want)
            w->done = true;
        max -= got;
    }
    return w->done ? 0 : 1;
}

void pg_walk_close(imt_backend *b, void *vw)
{
    (void)b;
    pg_walker *w = vw;
    if (!w)
        return;
    free(w->last);
    free(w);
}
