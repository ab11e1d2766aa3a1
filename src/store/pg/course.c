/* store/pg/course.c - a case's course (its events, issue 14) read from the
 * events table: store_events_get and store_foreach_course, so that show,
 * stats and the interface work on this engine.  Events reach a
 * PostgreSQL database through copy --to; adding, changing and removing
 * them, the follow-up dates and the schedule are not on this engine yet
 * (store.c refuses them by name). */
#define _GNU_SOURCE
#include "pg_int.h"
#include "core/events.h"


static char *dup_val(const PGresult *r, int i, int c, bool *oom)
{
    if (PQgetisnull(r, i, c))
        return NULL;
    int n = PQgetlength(r, i, c);
    char *s = malloc((size_t)n + 1);
    if (!s) {
        *oom = true;
        return NULL;
    }
    memcpy(s, PQgetvalue(r, i, c), (size_t)n);
    s[n] = '\0';
    return s;
}

static long long num_val(const PGresult *r, int i, int c)
{
    chain_val v;
    if (pg_value_to_chain(r, i, c, &v) != 0 || v.type != CHAIN_INT)
        return 0;
    return v.i;
}

static int enum_val(const PGresult *r, int i, int c, const char *const *values)
{
    if (PQgetisnull(r, i, c))
        return IMT_UNKNOWN;
    char buf[64];
    snprintf(buf, sizeof buf, "%.*s", PQgetlength(r, i, c), PQgetvalue(r, i, c));
    return rec_enum_exact(values, buf);
}

int pg_load_event(const PGresult *r, int i, int base, const char *case_id, imt_event *e)
{
    ev_init(e);
    e->id = num_val(r, i, base);
    snprintf(e->case_id, sizeof e->case_id, "%s", case_id);
    if (!PQgetisnull(r, i, base + 1))
        snprintf(e->date, sizeof e->date, "%.*s", PQgetlength(r, i, base + 1),
                 PQgetvalue(r, i, base + 1));
    else
        e->day = PQgetisnull(r, i, base + 2) ? -1 : (int)num_val(r, i, base + 2);
    e->type = enum_val(r, i, base + 3, ev_type_values);
    e->line = PQgetisnull(r, i, base + 4) ? 0 : (int)num_val(r, i, base + 4);
    e->intent = enum_val(r, i, base + 6, ev_intent_values);
    e->reason = enum_val(r, i, base + 7, ev_reason_values);
    e->response = enum_val(r, i, base + 8, ev_response_values);
    e->extent = enum_val(r, i, base + 9, ev_extent_values);
    bool oom = false;
    e->agent = dup_val(r, i, base + 5, &oom);
    e->site = dup_val(r, i, base + 10, &oom);
    e->detail = dup_val(r, i, base + 11, &oom);
    if (oom) {
        ev_clear(e);
        return -1;
    }
    return 0;
}

int pg_events_get(imt_backend *b, const char *case_id, imt_course *out)
{
    course_init(out);
    imt_case c;
    int rc = pg_get(b, case_id, &c);
    if (rc != STORE_OK) {
        imt_case_clear(&c);
        return rc;
    }
    pgparams p = { 0 };
    pgp_text(&p, case_id);
    PGresult *r = pg_run(b, "SELECT " PG_EV_SELECT " FROM events e WHERE e.case_id = $1 "
                            "ORDER BY e.id", &p, true, "reading the course", &rc);
    for (int i = 0; r && i < PQntuples(r) && rc == STORE_OK; i++) {
        imt_event e;
        if (pg_load_event(r, i, 0, case_id, &e) != 0 || course_add(out, &e) != 0)
            rc = pg_set_err(b, STORE_ERROR, "out of memory");
        ev_clear(&e);
    }
    PQclear(r);
    if (rc == STORE_OK)
        course_sort(out, &c);
    else
        course_clear(out);
    imt_case_clear(&c);
    return rc;
}

/* ---- every filtered case with its course ------------------------------------------ */

typedef struct {
    imt_backend *b;
    int (*cb)(void *ctx, const imt_case *c, const imt_course *co);
    void *ctx;
    imt_case c;
    imt_course co;
    bool have;
} course_walk;

static int deliver(course_walk *w)
{
    if (!w->have)
        return 0;
    w->have = false;
    course_sort(&w->co, &w->c);
    int ret = w->cb(w->ctx, &w->c, &w->co);
    imt_case_clear(&w->c);
    course_clear(&w->co);
    return ret;
}

/* Rows: a case's columns, then one of its events (NULL id: none), by
 * case_id and event id. */
static int course_row(void *vctx, const PGresult *r, int i)
{
    course_walk *w = vctx;
    char id[64];
    snprintf(id, sizeof id, "%.*s", PQgetlength(r, i, IMT_F_case_id),
             PQgetvalue(r, i, IMT_F_case_id));
    if (!w->have || strcmp(w->c.case_id, id) != 0) {
        int ret = deliver(w);
        if (ret)
            return ret;
        if (pg_load_case(r, i, 0, &w->c) != 0)
            return pg_set_err(w->b, STORE_ERROR, "out of memory");
        course_init(&w->co);
        w->have = true;
    }
    if (PQgetisnull(r, i, PG_NCOLS))
        return 0;
    imt_event e;
    int ret = 0;
    if (pg_load_event(r, i, PG_NCOLS, id, &e) != 0 || course_add(&w->co, &e) != 0)
        ret = pg_set_err(w->b, STORE_ERROR, "out of memory");
    ev_clear(&e);
    return ret;
}

int pg_foreach_course(imt_backend *b, const imt_filter *f,
                      int (*cb)(void *ctx, const imt_case *c, const imt_course *co), void *ctx)
{
    sbuf q = { 0 };
    pgparams p = { 0 };
    char *needle;
    sb_add(&q, "SELECT ");
    for (int k = 0; k < IMT_F_COUNT; k++)
        sb_add(&q, "c.%s, ", imt_fields[k].name);
    sb_add(&q, "c.alk_discordant, " PG_EV_SELECT " FROM (SELECT * FROM cases WHERE true");
    pg_filter_sql(&q, f, &p, &needle);
    sb_add(&q, ") c LEFT JOIN events e ON e.case_id = c.case_id ORDER BY c.case_id, e.id");
    course_walk w = { .b = b, .cb = cb, .ctx = ctx };
    int rc = q.oom ? pg_set_err(b, STORE_ERROR, "out of memory")
                   : pg_walk(b, q.s, &p, true, "reading the courses", course_row, &w);
    sb_free(&q);
    free(needle);
    if (rc == 0)
        rc = deliver(&w);
    if (w.have) {
        imt_case_clear(&w.c);
        course_clear(&w.co);
    }
    return rc;
}
