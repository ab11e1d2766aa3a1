/* store/pg/course.c - a case's course (its events, issue 14) in the
 * events table: read (store_events_get, store_foreach_course), added,
 * changed and removed (each change audited with the event as JSON,
 * rec_event_json, and a new version of the case), the follow-up date
 * next_due written with every change (core/followup.h, the schedule
 * kept in meta 'followup_schedule' as the SQLite engine keeps it), and
 * one imported course in one step (store_course_import; the staging of
 * the file is evstage.c).  An event's id is the largest id plus one,
 * taken under the chain head's lock that serialises every writer.  The
 * decision state is the review's (pg/review.c): not written here. */
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

/* Rows: a case's columns (WALK_CASE_COLS), then one of its events (NULL
 * id: none), by case_id and event id. */
#define WALK_CASE_COLS "c.alk_discordant, c.version, c.review_comment, c.signer_name, c.next_due"
#define EV_BASE (PG_NCOLS + 4)
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
    if (PQgetisnull(r, i, EV_BASE))
        return 0;
    imt_event e;
    int ret = 0;
    if (pg_load_event(r, i, EV_BASE, id, &e) != 0 || course_add(&w->co, &e) != 0)
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
    sb_add(&q, WALK_CASE_COLS ", " PG_EV_SELECT " FROM (SELECT * FROM cases WHERE true");
    pg_filter_sql(b, &q, f, &p, &needle);
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

/* ---- the follow-up schedule -------------------------------------------------------- */

const fu_schedule *pg_sched(imt_backend *b)
{
    if (!b->sched_set) {
        fu_default(&b->sched);
        fu_canonical(&b->sched, b->sched_text, sizeof b->sched_text);
        b->sched_set = true;
    }
    return &b->sched;
}

/* c's next_due from c and its course (sorted), written when it changed. */
static int next_due_write(imt_backend *b, const imt_case *c, const imt_course *co)
{
    fu_result r;
    fu_next_due(c, co, pg_sched(b), &r);
    pgparams p = { 0 };
    pgp_text(&p, c->case_id);
    pgp_text(&p, r.next_due[0] ? r.next_due : NULL);
    return pg_exec(b, "UPDATE cases SET next_due = $2 WHERE case_id = $1 AND "
                      "next_due IS DISTINCT FROM $2", &p, "updating the follow-up date");
}

/* A new case (no course yet): its next_due from its own fields ("" none). */
void pg_next_due_new(imt_backend *b, const imt_case *c, char out[11])
{
    fu_result r;
    fu_next_due(c, NULL, pg_sched(b), &r);
    memcpy(out, r.next_due, 11);
}

/* An edit of the case row (before -> after, written): refused when it
 * would break the course; next_due follows.  Inside the caller's edit. */
int pg_course_check_case(imt_backend *b, const imt_case *before, const imt_case *after)
{
    imt_course co;
    int rc = pg_course_read(b, after, &co);
    if (rc != STORE_OK)
        return rc;
    char msg[500];
    if (rec_course_check_case(before, after, &co, msg, sizeof msg))
        rc = pg_set_err(b, STORE_ERROR, "%s", msg);
    if (rc == STORE_OK)
        rc = next_due_write(b, after, &co);
    course_clear(&co);
    return rc;
}

/* ---- writing ------------------------------------------------------------------------ */

/* $first.. : date, day, type, line, agent, intent, reason, response,
 * extent, site, detail */
static void bind_event(pgparams *p, const imt_event *e)
{
    if (e->date[0]) {
        pgp_text(p, e->date);
        pgp_null(p, PG_INT8);
    } else {
        pgp_null(p, PG_TEXT);
        pgp_i8(p, e->day);
    }
    pgp_text(p, e->type >= 0 && e->type < EV_NTYPES ? ev_type_values[e->type] : "?");
    if (e->line > 0)
        pgp_i8(p, e->line);
    else
        pgp_null(p, PG_INT8);
    pgp_text(p, e->agent);
    pgp_text(p, e->intent >= 0 ? ev_intent_values[e->intent] : NULL);
    pgp_text(p, e->reason >= 0 ? ev_reason_values[e->reason] : NULL);
    pgp_text(p, e->response >= 0 ? ev_response_values[e->response] : NULL);
    pgp_text(p, e->extent >= 0 ? ev_extent_values[e->extent] : NULL);
    pgp_text(p, e->site);
    pgp_text(p, e->detail);
}

static int audit_event(imt_backend *b, const char *case_id, const imt_event *old,
                       const imt_event *nw, const char *source)
{
    char *o = old ? rec_event_json(old) : NULL, *n = nw ? rec_event_json(nw) : NULL;
    int rc;
    if ((old && !o) || (nw && !n))
        rc = pg_set_err(b, STORE_ERROR, "out of memory");
    else
        rc = pg_audit_add(b, case_id, "event", o, n, source ? source : "edit", NULL, NULL,
                          NULL);
    free(o);
    free(n);
    return rc;
}

/* Inside a write transaction: insert and audit (e->id set); during
 * import --events through the import's COPY (evstage.c). */
static int insert_event(imt_backend *b, const char *case_id, imt_event *e, const char *source)
{
    bool staged;
    int src = pg_evstage_insert(b, case_id, e, source, &staged);
    if (src != STORE_OK || staged)
        return src;
    pgparams p = { 0 };
    pgp_text(&p, case_id);
    bind_event(&p, e);
    int rc;
    PGresult *r = pg_run(b, "INSERT INTO events (id, case_id, date, day, type, line, agent, "
                            "intent, reason, response, extent, site, detail) SELECT "
                            "coalesce(max(id), 0) + 1, $1, $2, $3, $4, $5, $6, $7, $8, $9, "
                            "$10, $11, $12 FROM events RETURNING id", &p, false,
                         "adding an event", &rc);
    if (!r)
        return rc;
    e->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    if (e->case_id != case_id)
        snprintf(e->case_id, sizeof e->case_id, "%s", case_id);
    return audit_event(b, case_id, NULL, e, source);
}

static int get_one(imt_backend *b, const char *case_id, long long id, imt_event *e)
{
    ev_init(e);
    pgparams p = { 0 };
    pgp_text(&p, case_id);
    pgp_i8(&p, id);
    int rc;
    PGresult *r = pg_run(b, "SELECT " PG_EV_SELECT " FROM events e WHERE e.case_id = $1 AND "
                            "e.id = $2", &p, true, "reading an event", &rc);
    if (!r)
        return rc;
    if (PQntuples(r) != 1)
        rc = pg_set_err(b, STORE_NOTFOUND, "case '%.64s' has no event %lld", case_id, id);
    else if (pg_load_event(r, 0, 0, case_id, e) != 0)
        rc = pg_set_err(b, STORE_ERROR, "out of memory");
    PQclear(r);
    return rc;
}

static int delete_event(imt_backend *b, const char *case_id, const imt_event *old,
                        const char *source)
{
    pgparams p = { 0 };
    pgp_text(&p, case_id);
    pgp_i8(&p, old->id);
    int rc;
    PGresult *r = pg_run(b, "DELETE FROM events WHERE case_id = $1 AND id = $2", &p, false,
                         "removing an event", &rc);
    if (!r)
        return rc;
    if (strcmp(PQcmdTuples(r), "1") != 0)
        rc = pg_set_err(b, STORE_NOTFOUND, "case '%.64s' has no event %lld", case_id, old->id);
    PQclear(r);
    return rc == STORE_OK ? audit_event(b, case_id, old, NULL, source) : rc;
}

static int update_event(imt_backend *b, const char *case_id, long long id, const imt_event *e,
                        const char *source)
{
    imt_event old, nw;
    int rc = get_one(b, case_id, id, &old);
    if (rc != STORE_OK)
        return rc;
    if (ev_copy(&nw, e) != 0) {
        ev_clear(&old);
        return pg_set_err(b, STORE_ERROR, "out of memory");
    }
    nw.id = id;
    snprintf(nw.case_id, sizeof nw.case_id, "%s", case_id);
    if (!ev_equal(&old, &nw)) {
        pgparams p = { 0 };
        pgp_text(&p, case_id);
        bind_event(&p, &nw);
        pgp_i8(&p, id);
        rc = pg_exec(b, "UPDATE events SET date = $2, day = $3, type = $4, line = $5, "
                        "agent = $6, intent = $7, reason = $8, response = $9, extent = $10, "
                        "site = $11, detail = $12 WHERE case_id = $1 AND id = $13", &p,
                     "changing an event");
        if (rc == STORE_OK)
            rc = audit_event(b, case_id, &old, &nw, source);
    }
    ev_clear(&old);
    ev_clear(&nw);
    return rc;
}

/* A saved change of the case: n new versions. */
static int bump(imt_backend *b, const char *case_id, long long n)
{
    pgparams p = { 0 };
    pgp_text(&p, case_id);
    pgp_i8(&p, n);
    return pg_exec(b, "UPDATE cases SET version = version + $2 WHERE case_id = $1", &p,
                   "saving the case's version");
}

/* The stored course of c (inside the caller's transaction), oldest first. */
int pg_course_read(imt_backend *b, const imt_case *c, imt_course *out)
{
    course_init(out);
    pgparams p = { 0 };
    pgp_text(&p, c->case_id);
    int rc;
    PGresult *r = pg_run(b, "SELECT " PG_EV_SELECT " FROM events e WHERE e.case_id = $1 "
                            "ORDER BY e.id", &p, true, "reading the course", &rc);
    for (int i = 0; r && i < PQntuples(r) && rc == STORE_OK; i++) {
        imt_event e;
        if (pg_load_event(r, i, 0, c->case_id, &e) != 0 || course_add(out, &e) != 0)
            rc = pg_set_err(b, STORE_ERROR, "out of memory");
        ev_clear(&e);
    }
    PQclear(r);
    if (rc == STORE_OK)
        course_sort(out, c);
    else
        course_clear(out);
    return rc;
}

/* The case locked, its course, and next_due written after the change. */
static int refresh_due(imt_backend *b, const char *case_id)
{
    imt_case c;
    imt_course co;
    course_init(&co);
    int rc = pg_get(b, case_id, &c);
    if (rc == STORE_OK)
        rc = pg_course_read(b, &c, &co);
    if (rc == STORE_OK)
        rc = next_due_write(b, &c, &co);
    course_clear(&co);
    imt_case_clear(&c);
    return rc;
}

int pg_event_add(imt_backend *b, const char *case_id, imt_event *e, const char *source)
{
    if (pg_is_readonly(b))
        return pg_refuse_readonly(b);
    int rc = pg_edit_begin(b);
    if (rc != STORE_OK)
        return rc;
    if (!pg_exists(b, case_id))
        rc = pg_set_err(b, STORE_NOTFOUND, "no case '%.64s'", case_id);
    if (rc == STORE_OK)
        rc = insert_event(b, case_id, e, source);
    if (rc == STORE_OK)
        rc = bump(b, case_id, 1);
    /* and its decision state (the rules read the course) */
    if (rc == STORE_OK)
        rc = pg_case_touch(b, case_id, false);
    return pg_edit_end(b, rc);
}

int pg_event_remove(imt_backend *b, const char *case_id, long long id, const char *source)
{
    if (pg_is_readonly(b))
        return pg_refuse_readonly(b);
    int rc = pg_edit_begin(b);
    if (rc != STORE_OK)
        return rc;
    imt_event old;
    rc = get_one(b, case_id, id, &old);
    if (rc == STORE_OK)
        rc = delete_event(b, case_id, &old, source);
    ev_clear(&old);
    if (rc == STORE_OK)
        rc = bump(b, case_id, 1);
    /* and its decision state (the rules read the course) */
    if (rc == STORE_OK)
        rc = pg_case_touch(b, case_id, false);
    return pg_edit_end(b, rc);
}

int pg_course_refresh(imt_backend *b, const char *case_id)
{
    if (pg_is_readonly(b))
        return pg_refuse_readonly(b);
    int rc = pg_edit_begin(b);
    if (rc != STORE_OK)
        return rc;
    rc = refresh_due(b, case_id);
    if (rc == STORE_OK)
        rc = pg_case_touch(b, case_id, false);
    return pg_edit_end(b, rc);
}

int pg_course_edit(imt_backend *b, const char *case_id, int op, long long id,
                   const imt_event *e, const char *source, long long *id_out)
{
    if (id_out)
        *id_out = 0;
    if (pg_is_readonly(b))
        return pg_refuse_readonly(b);
    char msg[500];
    int vrc = rec_course_op_valid(op, e, msg, sizeof msg);
    if (vrc != STORE_OK)
        return pg_set_err(b, vrc, "%s", msg);
    int rc = pg_edit_begin(b);
    if (rc != STORE_OK)
        return rc;
    imt_case c;
    imt_course before, after;
    course_init(&before);
    course_init(&after);
    rc = pg_get_locked(b, case_id, &c);
    if (rc == STORE_OK)
        rc = pg_course_read(b, &c, &before);
    if (rc == STORE_OK) {
        rc = rec_course_edit(&c, &before, op, id, e, &after, msg, sizeof msg);
        if (rc != STORE_OK)
            rc = pg_set_err(b, rc, "%s", msg);
    }
    if (rc == STORE_OK) {
        if (op == COURSE_ADD) {
            imt_event nw;
            if (ev_copy(&nw, e) != 0) {
                rc = pg_set_err(b, STORE_ERROR, "out of memory");
            } else {
                rc = insert_event(b, case_id, &nw, source);
                if (rc == STORE_OK && id_out)
                    *id_out = nw.id;
                ev_clear(&nw);
            }
        } else if (op == COURSE_UPDATE) {
            rc = update_event(b, case_id, id, e, source);
        } else {
            imt_event old;
            rc = get_one(b, case_id, id, &old);
            if (rc == STORE_OK)
                rc = delete_event(b, case_id, &old, source);
            ev_clear(&old);
        }
    }
    if (rc == STORE_OK)
        rc = next_due_write(b, &c, &after);
    if (rc == STORE_OK)
        rc = bump(b, case_id, 1);
    /* and its decision state (the rules read the course) */
    if (rc == STORE_OK)
        rc = pg_case_touch(b, case_id, false);
    course_clear(&before);
    course_clear(&after);
    imt_case_clear(&c);
    return pg_edit_end(b, rc);
}

/* import --events: one case's imported course (store_course_import), in
 * the caller's transaction: the rows of the single edits it stands for
 * (each removal and insertion audited, one version per event), next_due
 * once. */
int pg_course_import(imt_backend *b, const imt_case *c, const imt_course *stored,
                     bool replace, imt_course *add, const char *source)
{
    if (pg_is_readonly(b))
        return pg_refuse_readonly(b);
    /* Inside the import's transaction (store_begin), which is all or
     * nothing: no savepoint per case (thousands of subtransactions would
     * slow every other session's snapshots). */
    bool own = !b->in_user_tx;
    int rc = STORE_OK;
    if (own)
        rc = pg_edit_begin(b);
    else if (b->aborted || b->tx == TX_NONE)
        rc = pg_set_err(b, STORE_ERROR, "the transaction was rolled back after a database "
                        "error");
    if (rc != STORE_OK)
        return rc;
    long long nchg = 0;
    /* audit rows in seq order: the import's rows sent before a removal's */
    if (replace && stored->n)
        rc = pg_evstage_flush(b);
    for (int i = 0; replace && rc == STORE_OK && i < stored->n; i++, nchg++)
        rc = delete_event(b, c->case_id, &stored->v[i], source);
    for (int i = 0; rc == STORE_OK && i < add->n; i++, nchg++)
        rc = insert_event(b, c->case_id, &add->v[i], source);
    imt_course co;
    course_init(&co);
    if (rc == STORE_OK && rec_course_merged(c, stored, replace, add, &co) != 0)
        rc = pg_set_err(b, STORE_ERROR, "out of memory");
    /* next_due and the versions in one statement */
    if (rc == STORE_OK) {
        fu_result r;
        fu_next_due(c, &co, pg_sched(b), &r);
        if (nchg || strcmp(r.next_due, c->next_due) != 0) {
            pgparams p = { 0 };
            pgp_text(&p, c->case_id);
            pgp_text(&p, r.next_due[0] ? r.next_due : NULL);
            pgp_i8(&p, nchg);
            rc = pg_exec(b, "UPDATE cases SET next_due = $2, version = version + $3 WHERE "
                            "case_id = $1", &p, "saving the course");
            /* the decision state from the course in hand (its events may
             * still be on their way through COPY), with the new date */
            imt_case now = *c;
            snprintf(now.next_due, sizeof now.next_due, "%s", r.next_due);
            if (rc == STORE_OK)
                rc = pg_case_state_save(b, &now, &co);
        }
    }
    course_clear(&co);
    return own ? pg_edit_end(b, rc) : rc;
}

/* ---- the schedule ----------------------------------------------------------------- */

/* One "..." element of a text[] literal. */
static void array_elem(sbuf *a, const char *t)
{
    sb_put(a, a->len > 1 ? ",\"" : "\"", a->len > 1 ? 2 : 1);
    for (const char *p = t; *p; p++) {
        if (*p == '"' || *p == '\\')
            sb_put(a, "\\", 1);
        sb_put(a, p, 1);
    }
    sb_put(a, "\"", 1);
}

typedef struct {
    imt_backend *b;
    sbuf ids, dates;       /* text[] literals of the pending changes */
    int pending;
    long changed;
    int err;
} recompute_ctx;

static int recompute_flush(recompute_ctx *x)
{
    if (!x->pending)
        return STORE_OK;
    sb_put(&x->ids, "}", 1);
    sb_put(&x->dates, "}", 1);
    if (x->ids.oom || x->dates.oom)
        return pg_set_err(x->b, STORE_ERROR, "out of memory");
    pgparams p = { 0 };
    pgp_text(&p, x->ids.s);
    pgp_text(&p, x->dates.s);
    int rc;
    PGresult *r = pg_run(x->b, "UPDATE cases c SET next_due = nullif(u.d, '') FROM "
                               "unnest($1::text[], $2::text[]) AS u(id, d) WHERE "
                               "c.case_id = u.id AND c.next_due IS DISTINCT FROM "
                               "nullif(u.d, '')", &p, false, "writing the follow-up dates",
                         &rc);
    if (r) {
        x->changed += strtol(PQcmdTuples(r), NULL, 10);
        PQclear(r);
    }
    x->ids.len = x->dates.len = 0;
    x->pending = 0;
    return rc;
}

static int recompute_one(void *vctx, const imt_case *c, const imt_course *co)
{
    recompute_ctx *x = vctx;
    fu_result r;
    fu_next_due(c, co, pg_sched(x->b), &r);
    if (!x->pending) {
        x->ids.len = x->dates.len = 0;
        sb_put(&x->ids, "{", 1);
        sb_put(&x->dates, "{", 1);
    }
    array_elem(&x->ids, c->case_id);
    array_elem(&x->dates, r.next_due);
    x->pending++;
    return 0;
}

/* Every case's next_due with b->sched, in batches: the walk (a cursor of
 * its own transaction) collects, the edit transaction writes. */
static int recompute_all(imt_backend *b, long *changed)
{
    recompute_ctx x = { .b = b };
    int rc = STORE_OK;
    /* cases in batches of case_id ranges: a walk cannot write, so each
     * batch is read, then written */
    char after[80] = "";
    for (;;) {
        pgparams p = { 0 };
        pgp_text(&p, after);
        int n0 = 0;
        sbuf q = { 0 };
        sb_add(&q, "SELECT ");
        for (int k = 0; k < IMT_F_COUNT; k++)
            sb_add(&q, "c.%s, ", imt_fields[k].name);
        sb_add(&q, WALK_CASE_COLS ", " PG_EV_SELECT " FROM (SELECT * FROM cases WHERE "
                   "case_id > $1 ORDER BY case_id LIMIT 2000) c LEFT JOIN events e ON "
                   "e.case_id = c.case_id ORDER BY c.case_id, e.id");
        PGresult *r = q.oom ? NULL : pg_run(b, q.s, &p, true, "reading the courses", &rc);
        sb_free(&q);
        if (!r)
            break;
        course_walk w = { .b = b, .cb = recompute_one, .ctx = &x };
        for (int i = 0; i < PQntuples(r) && rc == STORE_OK; i++) {
            rc = course_row(&w, r, i);
            n0++;
        }
        if (rc == STORE_OK && w.have)
            snprintf(after, sizeof after, "%s", w.c.case_id);
        if (rc == STORE_OK)
            rc = deliver(&w);
        if (w.have) {
            imt_case_clear(&w.c);
            course_clear(&w.co);
        }
        PQclear(r);
        if (rc == STORE_OK)
            rc = recompute_flush(&x);
        if (rc != STORE_OK || n0 == 0)
            break;
    }
    sb_free(&x.ids);
    sb_free(&x.dates);
    *changed = x.changed;
    return rc;
}

/* A copy into this database (copy --to), before its commit: next_due of
 * every case, which is derived, not copied. */
int pg_course_after_copy(imt_backend *b)
{
    long changed = 0;
    return recompute_all(b, &changed);
}

int pg_set_schedule(imt_backend *b, const fu_schedule *s, char *note, size_t n)
{
    if (note && n)
        note[0] = '\0';
    pg_sched(b);
    b->sched = *s;
    fu_canonical(s, b->sched_text, sizeof b->sched_text);
    int rc;
    PGresult *r = pg_run(b, "SELECT value FROM meta WHERE key = 'followup_schedule'", NULL,
                         false, "reading the follow-up schedule", &rc);
    if (!r)
        return rc;
    bool same = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), b->sched_text) == 0;
    PQclear(r);
    b->sched_stale = false;
    if (same)
        return STORE_OK;
    /* a role that may not write meta (imtreview_reviewer) leaves the
     * dates to one that may, as a read-only open does */
    bool may = !pg_is_readonly(b);
    if (may) {
        r = pg_run(b, "SELECT has_table_privilege('" PG_SCHEMA ".meta', 'INSERT') AND "
                      "has_table_privilege('" PG_SCHEMA ".meta', 'UPDATE')", NULL, false,
                   "reading the follow-up schedule", &rc);
        if (!r)
            return rc;
        may = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
        PQclear(r);
    }
    if (!may || b->in_user_tx || b->tx != TX_NONE) {
        b->sched_stale = true;
        if (note && n)
            snprintf(note, n, "the follow-up dates (next_due) in this database were "
                     "computed with another follow-up schedule; they are shown as stored "
                     "until someone with write access opens it with this one");
        return STORE_OK;
    }
    rc = pg_edit_begin(b);
    if (rc != STORE_OK)
        return rc;
    long changed = 0;
    rc = recompute_all(b, &changed);
    /* the decision states read the dates (FU-OVERDUE) */
    long nstates = 0;
    if (rc == STORE_OK && changed)
        rc = pg_states_pass(b, true, &nstates);
    if (rc == STORE_OK) {
        pgparams p = { 0 };
        pgp_text(&p, b->sched_text);
        rc = pg_exec(b, "INSERT INTO meta (key, value) VALUES ('followup_schedule', $1) "
                        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", &p,
                     "recording the follow-up schedule");
    }
    rc = pg_edit_end(b, rc);
    if (rc != STORE_OK) {
        b->sched_stale = true;
        return rc;
    }
    if (note && n && changed)
        snprintf(note, n, "the follow-up schedule changed: next_due of %ld case%s "
                 "recomputed", changed, changed == 1 ? "" : "s");
    return STORE_OK;
}
