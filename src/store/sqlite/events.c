/* store/sqlite/events.c - the course of a case in SQLite (schema version
 * 5): events, their audit rows, the derived next_due and the follow-up
 * schedule it is computed with.  See the design notes in sqlite_int.h. */
#define _GNU_SOURCE
#include "sqlite_int.h"

/* ---- events <-> rows ---------------------------------------------------- */

/* ?1 case_id ?2 date ?3 day ?4 type ?5 line ?6 agent ?7 intent ?8 reason
 * ?9 response ?10 extent ?11 site ?12 detail (Q_EV_INSERT, Q_EV_UPDATE). */
static void bind_event(sqlite3_stmt *s, const char *case_id, const imt_event *e)
{
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_TRANSIENT);
    if (e->date[0]) {
        sqlite3_bind_text(s, 2, e->date, -1, SQLITE_TRANSIENT);
        sqlite3_bind_null(s, 3);
    } else {
        sqlite3_bind_null(s, 2);
        sqlite3_bind_int(s, 3, e->day);
    }
    sqlite3_bind_text(s, 4, e->type >= 0 && e->type < EV_NTYPES ? ev_type_values[e->type]
                                                                : "?", -1, SQLITE_STATIC);
    if (e->line > 0)
        sqlite3_bind_int(s, 5, e->line);
    else
        sqlite3_bind_null(s, 5);
    sqlite3_bind_text(s, 6, e->agent, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 7, e->intent >= 0 ? ev_intent_values[e->intent] : NULL, -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(s, 8, e->reason >= 0 ? ev_reason_values[e->reason] : NULL, -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(s, 9, e->response >= 0 ? ev_response_values[e->response] : NULL, -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(s, 10, e->extent >= 0 ? ev_extent_values[e->extent] : NULL, -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(s, 11, e->site, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 12, e->detail, -1, SQLITE_TRANSIENT);
}

static int dup_col(sqlite3_stmt *s, int i, char **out)
{
    *out = NULL;
    if (sqlite3_column_type(s, i) == SQLITE_NULL)
        return 0;
    const unsigned char *t = sqlite3_column_text(s, i);
    int n = sqlite3_column_bytes(s, i);
    if (!t || !(*out = malloc((size_t)n + 1)))
        return -1;
    memcpy(*out, t, (size_t)n);
    (*out)[n] = '\0';
    return 0;
}

/* The columns of EV_COLS from base: an event (initialised here).  0, -1
 * when out of memory.  A value outside the vocabularies (written behind
 * the program's back) reads as unknown; check reports it. */
int sq_event_load(sqlite3_stmt *s, int base, imt_event *e)
{
    ev_init(e);
    e->id = sqlite3_column_int64(s, base);
    const char *cid = (const char *)sqlite3_column_text(s, base + 1);
    snprintf(e->case_id, sizeof e->case_id, "%s", cid ? cid : "");
    if (sqlite3_column_type(s, base + 2) == SQLITE_TEXT)
        snprintf(e->date, sizeof e->date, "%s", (const char *)sqlite3_column_text(s, base + 2));
    else
        e->day = sqlite3_column_type(s, base + 3) == SQLITE_NULL ? -1
                                                               : sqlite3_column_int(s, base + 3);
    e->type = rec_enum_exact(ev_type_values, (const char *)sqlite3_column_text(s, base + 4));
    e->line = sqlite3_column_int(s, base + 5);
    e->intent = rec_enum_exact(ev_intent_values, (const char *)sqlite3_column_text(s, base + 7));
    e->reason = rec_enum_exact(ev_reason_values, (const char *)sqlite3_column_text(s, base + 8));
    e->response = rec_enum_exact(ev_response_values,
                                (const char *)sqlite3_column_text(s, base + 9));
    e->extent = rec_enum_exact(ev_extent_values, (const char *)sqlite3_column_text(s, base + 10));
    if (dup_col(s, base + 6, &e->agent) || dup_col(s, base + 11, &e->site) ||
        dup_col(s, base + 12, &e->detail)) {
        ev_clear(e);
        return -1;
    }
    return 0;
}

/* ---- reading -------------------------------------------------------------- */

static int read_events(imt_backend *st, const char *case_id, imt_course *out)
{
    course_init(out);
    sqlite3_stmt *s = st->q[Q_EV_GET];
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_STATIC);
    int rc, ret = STORE_OK;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        imt_event e;
        if (sq_event_load(s, 0, &e) != 0 || course_add(out, &e) != 0) {
            ev_clear(&e);
            ret = sq_set_err(st, STORE_ERROR, "out of memory");
            break;
        }
        ev_clear(&e);
    }
    if (ret == STORE_OK && rc != SQLITE_DONE)
        ret = sq_fail(st, rc, "reading the course");
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (ret != STORE_OK)
        course_clear(out);
    return ret;
}

int sq_events_get(imt_backend *st, const char *case_id, imt_course *out)
{
    course_init(out);
    imt_case c;
    int rc = sq_get(st, case_id, &c);
    if (rc != STORE_OK)
        return rc;
    rc = read_events(st, case_id, out);
    if (rc == STORE_OK)
        course_sort(out, &c);
    imt_case_clear(&c);
    return rc;
}

/* The stored course of c (read in the caller's transaction), oldest first. */
int sq_events_read(imt_backend *st, const imt_case *c, imt_course *out)
{
    int rc = read_events(st, c->case_id, out);
    if (rc == STORE_OK)
        course_sort(out, c);
    return rc;
}

/* ---- next_due -------------------------------------------------------------- */

/* Write c's next_due (from c and its course) when it changed. */
int sq_next_due_write(imt_backend *st, const imt_case *c, const imt_course *co)
{
    fu_result r;
    fu_next_due(c, co, &st->sched, &r);
    sqlite3_stmt *s = st->q[Q_NEXT_DUE];
    sqlite3_bind_text(s, 1, c->case_id, -1, SQLITE_STATIC);
    if (r.next_due[0])
        sqlite3_bind_text(s, 2, r.next_due, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, 2);
    int rc = sq_exec1(st, s, "updating the follow-up date");
    sqlite3_clear_bindings(s);
    return rc;
}

int sq_course_refresh(imt_backend *st, const char *case_id)
{
    if (sq_is_readonly(st))
        return sq_refuse_readonly(st);
    int rc = sq_edit_begin(st);
    if (rc != STORE_OK)
        return rc;
    imt_case c;
    imt_course co;
    course_init(&co);
    rc = sq_get(st, case_id, &c);
    if (rc == STORE_OK)
        rc = read_events(st, case_id, &co);
    if (rc == STORE_OK)
        rc = sq_next_due_write(st, &c, &co);
    /* the course rules (FU-OVERDUE on next_due among them) */
    if (rc == STORE_OK)
        rc = sq_case_touch(st, case_id, false);
    course_clear(&co);
    imt_case_clear(&c);
    return sq_edit_end(st, rc);
}

/* An edit of the case row (update, update_fields) may not break its
 * course (an event before a new diagnosis date, after a new death...):
 * STORE_ERROR with the reason when it would, else STORE_OK.  Inside the
 * caller's edit transaction. */
int sq_course_check_case(imt_backend *st, const imt_case *before, const imt_case *after)
{
    imt_course co;
    int rc = read_events(st, after->case_id, &co);
    if (rc != STORE_OK)
        return rc;
    char msg[500];
    if (rec_course_check_case(before, after, &co, msg, sizeof msg))
        rc = sq_set_err(st, STORE_ERROR, "%s", msg);
    if (rc == STORE_OK)
        rc = sq_next_due_write(st, after, &co);
    course_clear(&co);
    return rc;
}

/* ---- writing ---------------------------------------------------------------- */

static int audit_event(imt_backend *st, const char *case_id, const imt_event *old,
                       const imt_event *nw, const char *source)
{
    char *o = old ? rec_event_json(old) : NULL, *n = nw ? rec_event_json(nw) : NULL;
    int rc;
    if ((old && !o) || (nw && !n))
        rc = sq_set_err(st, STORE_ERROR, "out of memory");
    else
        rc = sq_audit_add(st, case_id, "event", o, n, source ? source : "edit", NULL, NULL);
    free(o);
    free(n);
    return rc;
}

/* Inside a transaction: insert and audit (e->id set). */
static int insert_event(imt_backend *st, const char *case_id, imt_event *e,
                        const char *source)
{
    sqlite3_stmt *s = st->q[Q_EV_INSERT];
    bind_event(s, case_id, e);
    int src = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (src != SQLITE_DONE) {
        if ((src & 0xff) == SQLITE_CONSTRAINT && !sq_exists(st, case_id))
            return sq_set_err(st, STORE_NOTFOUND, "no case '%.64s'", case_id);
        return sq_fail(st, src, "adding an event");
    }
    e->id = sqlite3_last_insert_rowid(st->db);
    if (e->case_id != case_id)
        snprintf(e->case_id, sizeof e->case_id, "%s", case_id);
    return audit_event(st, case_id, NULL, e, source);
}

static int get_one(imt_backend *st, const char *case_id, long long id, imt_event *e)
{
    ev_init(e);
    sqlite3_stmt *s = st->q[Q_EV_ONE];
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, id);
    int rc = sqlite3_step(s), ret;
    if (rc == SQLITE_ROW)
        ret = sq_event_load(s, 0, e) == 0 ? STORE_OK : sq_set_err(st, STORE_ERROR, "out of memory");
    else if (rc == SQLITE_DONE)
        ret = sq_set_err(st, STORE_NOTFOUND, "case '%.64s' has no event %lld", case_id, id);
    else
        ret = sq_fail(st, rc, "reading an event");
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return ret;
}

static int delete_event(imt_backend *st, const char *case_id, long long id,
                        const char *source)
{
    imt_event old;
    int rc = get_one(st, case_id, id, &old);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *s = st->q[Q_EV_DELETE];
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, id);
    rc = sq_exec1(st, s, "removing an event");
    sqlite3_clear_bindings(s);
    if (rc == STORE_OK)
        rc = audit_event(st, case_id, &old, NULL, source);
    ev_clear(&old);
    return rc;
}

static int update_event(imt_backend *st, const char *case_id, long long id,
                        const imt_event *e, const char *source)
{
    imt_event old;
    int rc = get_one(st, case_id, id, &old);
    if (rc != STORE_OK)
        return rc;
    imt_event nw;
    if (ev_copy(&nw, e) != 0) {
        ev_clear(&old);
        return sq_set_err(st, STORE_ERROR, "out of memory");
    }
    nw.id = id;
    snprintf(nw.case_id, sizeof nw.case_id, "%s", case_id);
    if (!ev_equal(&old, &nw)) {
        sqlite3_stmt *s = st->q[Q_EV_UPDATE];
        bind_event(s, case_id, &nw);
        sqlite3_bind_int64(s, 13, id);
        rc = sq_exec1(st, s, "changing an event");
        sqlite3_clear_bindings(s);
        if (rc == STORE_OK)
            rc = audit_event(st, case_id, &old, &nw, source);
    }
    ev_clear(&old);
    ev_clear(&nw);
    return rc;
}

int sq_event_insert(imt_backend *st, const char *case_id, imt_event *e, const char *source)
{
    if (sq_is_readonly(st))
        return sq_refuse_readonly(st);
    int rc = sq_edit_begin(st);
    if (rc != STORE_OK)
        return rc;
    rc = insert_event(st, case_id, e, source);
    /* a saved change of the case: a new version (its decision state
     * follows at once, and again with course_refresh) */
    if (rc == STORE_OK)
        rc = sq_case_touch(st, case_id, true);
    return sq_edit_end(st, rc);
}

int sq_event_delete(imt_backend *st, const char *case_id, long long id, const char *source)
{
    if (sq_is_readonly(st))
        return sq_refuse_readonly(st);
    int rc = sq_edit_begin(st);
    if (rc != STORE_OK)
        return rc;
    rc = delete_event(st, case_id, id, source);
    if (rc == STORE_OK)
        rc = sq_case_touch(st, case_id, true);
    return sq_edit_end(st, rc);
}

int sq_event_update(imt_backend *st, const char *case_id, long long id, const imt_event *e,
                    const char *source)
{
    if (sq_is_readonly(st))
        return sq_refuse_readonly(st);
    int rc = sq_edit_begin(st);
    if (rc != STORE_OK)
        return rc;
    rc = update_event(st, case_id, id, e, source);
    if (rc == STORE_OK)
        rc = sq_case_touch(st, case_id, true);
    return sq_edit_end(st, rc);
}

int sq_course_edit(imt_backend *st, const char *case_id, int op, long long id,
                   const imt_event *e, const char *source, long long *id_out)
{
    if (id_out)
        *id_out = 0;
    if (sq_is_readonly(st))
        return sq_refuse_readonly(st);
    char msg[500];
    int vrc = rec_course_op_valid(op, e, msg, sizeof msg);
    if (vrc != STORE_OK)
        return sq_set_err(st, vrc, "%s", msg);
    int rc = sq_edit_begin(st);
    if (rc != STORE_OK)
        return rc;
    imt_case c;
    imt_course before, after;
    course_init(&before);
    course_init(&after);
    rc = sq_get(st, case_id, &c);
    if (rc == STORE_OK)
        rc = read_events(st, case_id, &before);
    if (rc == STORE_OK) {
        rc = rec_course_edit(&c, &before, op, id, e, &after, msg, sizeof msg);
        if (rc != STORE_OK)
            rc = sq_set_err(st, rc, "%s", msg);
    }
    if (rc == STORE_OK) {
        if (op == COURSE_ADD) {
            imt_event nw;
            if (ev_copy(&nw, e) != 0)
                rc = sq_set_err(st, STORE_ERROR, "out of memory");
            else {
                rc = insert_event(st, case_id, &nw, source);
                if (rc == STORE_OK && id_out)
                    *id_out = nw.id;
                ev_clear(&nw);
            }
        } else if (op == COURSE_UPDATE) {
            rc = update_event(st, case_id, id, e, source);
        } else {
            rc = delete_event(st, case_id, id, source);
        }
    }
    if (rc == STORE_OK)
        rc = sq_next_due_write(st, &c, &after);
    /* a saved change of the case: a new version, its decision state
     * from the new course */
    if (rc == STORE_OK)
        rc = sq_case_touch(st, case_id, true);
    course_clear(&before);
    course_clear(&after);
    imt_case_clear(&c);
    return sq_edit_end(st, rc);
}

/* import --events: one case's imported course (store_course_import).
 * The same rows as the single edits it stands for (each removal and
 * insertion audited with the event's values, one version per event), but
 * the case is read once (by the staging walk), its rules evaluated once,
 * and it is written once: version, decision state and next_due together. */
int sq_course_import(imt_backend *st, const imt_case *c, const imt_course *stored,
                     bool replace, imt_course *add, const char *source)
{
    if (sq_is_readonly(st))
        return sq_refuse_readonly(st);
    int rc = sq_edit_begin(st);
    if (rc != STORE_OK)
        return rc;
    int nchg = 0;
    for (int i = 0; replace && rc == STORE_OK && i < stored->n; i++) {
        sqlite3_stmt *s = st->q[Q_EV_DELETE];
        sqlite3_bind_text(s, 1, c->case_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, stored->v[i].id);
        rc = sq_exec1(st, s, "removing an event");
        sqlite3_clear_bindings(s);
        if (rc == STORE_OK && sqlite3_changes(st->db) != 1)
            rc = sq_set_err(st, STORE_NOTFOUND, "case '%.64s' has no event %lld", c->case_id,
                            stored->v[i].id);
        if (rc == STORE_OK)
            rc = audit_event(st, c->case_id, &stored->v[i], NULL, source);
        nchg++;
    }
    for (int i = 0; rc == STORE_OK && i < add->n; i++) {
        rc = insert_event(st, c->case_id, &add->v[i], source);
        nchg++;
    }
    /* the course as it is now, oldest first */
    imt_course co;
    course_init(&co);
    if (rc == STORE_OK && rec_course_merged(c, stored, replace, add, &co) != 0)
        rc = sq_set_err(st, STORE_ERROR, "out of memory");
    if (rc == STORE_OK) {
        /* next_due first: FU-OVERDUE reads it */
        imt_case now = *c;      /* shallow: only next_due differs */
        fu_result r;
        fu_next_due(c, &co, &st->sched, &r);
        snprintf(now.next_due, sizeof now.next_due, "%s", r.next_due);
        int state = DSTATE_UNDECIDED;
        rc = sq_case_state_course(st, &now, &co, &state);
        /* only the columns that change: an index or a trigger on one
         * that does not is then left alone */
        unsigned what = (nchg ? 1u : 0u) | (state != c->decision_state ? 2u : 0u) |
                        (strcmp(now.next_due, c->next_due) != 0 ? 4u : 0u);
        sqlite3_stmt *s = NULL;
        if (rc == STORE_OK && what && !(s = st->imported[what])) {
            static const char *const set[] = { "version = version + ?2",
                                               "decision_state = ?3", "next_due = ?4" };
            sbuf b = { 0 };
            sb_add(&b, "UPDATE cases SET ");
            for (int k = 0, n = 0; k < 3; k++)
                if (what & (1u << k))
                    sb_add(&b, "%s%s", n++ ? ", " : "", set[k]);
            sb_add(&b, " WHERE case_id = ?1");
            int prc = b.oom ? SQLITE_NOMEM
                            : sqlite3_prepare_v3(st->db, b.s, -1, SQLITE_PREPARE_PERSISTENT,
                                                 &st->imported[what], NULL);
            sb_free(&b);
            if (prc != SQLITE_OK)
                rc = sq_fail(st, prc, "saving the course");
            s = st->imported[what];
        }
        if (rc == STORE_OK && what) {
            sqlite3_bind_text(s, 1, c->case_id, -1, SQLITE_STATIC);
            if (what & 1u)
                sqlite3_bind_int(s, 2, nchg);
            if (what & 2u)
                sqlite3_bind_int(s, 3, state);
            if ((what & 4u) && now.next_due[0])
                sqlite3_bind_text(s, 4, now.next_due, -1, SQLITE_STATIC);
            else if (what & 4u)
                sqlite3_bind_null(s, 4);
            rc = sq_exec1(st, s, "saving the course");
            sqlite3_clear_bindings(s);
        }
    }
    course_clear(&co);
    return sq_edit_end(st, rc);
}

/* ---- walking cases with their course -------------------------------------------- */

/* The filter's SQL; query.c keeps it to itself, so the walk asks it for
 * the cases through sq_foreach and merges the events in by case_id. */
typedef struct {
    imt_backend *st;
    int (*cb)(void *ctx, const imt_case *c, const imt_course *co);
    void *ctx;
    sqlite3_stmt *qe;
    bool have;            /* qe is on a row not yet used */
    bool done;
    imt_course co;
    int err;
} walk_ctx;

static int walk_case(void *vctx, const imt_case *c)
{
    walk_ctx *w = vctx;
    course_clear(&w->co);
    while (!w->done) {
        if (!w->have) {
            int rc = sqlite3_step(w->qe);
            if (rc == SQLITE_DONE) {
                w->done = true;
                break;
            }
            if (rc != SQLITE_ROW) {
                w->err = sq_fail(w->st, rc, "reading the courses");
                return 1;
            }
            w->have = true;
        }
        const char *eid = (const char *)sqlite3_column_text(w->qe, 1);
        int cmp = strcmp(eid ? eid : "", c->case_id);
        if (cmp > 0)
            break;             /* a later case's */
        if (cmp == 0) {
            imt_event e;
            if (sq_event_load(w->qe, 0, &e) != 0 || course_add(&w->co, &e) != 0) {
                ev_clear(&e);
                w->err = sq_set_err(w->st, STORE_ERROR, "out of memory");
                return 1;
            }
            ev_clear(&e);
        }
        w->have = false;       /* used, or a filtered-out case's */
    }
    course_sort(&w->co, c);
    return w->cb(w->ctx, c, &w->co);
}

int sq_foreach_course(imt_backend *st, const imt_filter *f,
                      int (*cb)(void *ctx, const imt_case *c, const imt_course *co),
                      void *ctx)
{
    walk_ctx w;
    memset(&w, 0, sizeof w);
    w.st = st;
    w.cb = cb;
    w.ctx = ctx;
    course_init(&w.co);
    int rc = sqlite3_prepare_v2(st->db, "SELECT " EV_COLS " FROM events ORDER BY case_id, id",
                                -1, &w.qe, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "reading the courses");
    imt_sort by_id = { SORT_CASE_ID, false };
    int ret = sq_foreach(st, f, by_id, walk_case, &w);
    sqlite3_finalize(w.qe);
    course_clear(&w.co);
    if (w.err)
        return w.err;
    return ret;
}

/* ---- the schedule ------------------------------------------------------------ */

int sq_schedule_stored(imt_backend *st, char *buf, size_t n)
{
    buf[0] = '\0';
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = "
                                        "'followup_schedule'", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "reading the follow-up schedule");
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT)
        snprintf(buf, n, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK
                                                 : sq_fail(st, rc, "reading the follow-up schedule");
}

/* next_due of every case with st->sched, written where it changed.  Runs
 * inside the caller's transaction (the migration's, or set_schedule's);
 * its statements are its own (the migration runs before prepare_all). */
typedef struct {
    imt_backend *st;
    sqlite3_stmt *upd;
    long changed;
    int err;
} recompute_ctx;

static int recompute_one(void *vctx, const imt_case *c, const imt_course *co)
{
    recompute_ctx *x = vctx;
    fu_result r;
    fu_next_due(c, co, &x->st->sched, &r);
    if (strcmp(r.next_due, c->next_due) == 0)
        return 0;
    sqlite3_bind_text(x->upd, 1, c->case_id, -1, SQLITE_TRANSIENT);
    if (r.next_due[0])
        sqlite3_bind_text(x->upd, 2, r.next_due, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(x->upd, 2);
    int rc = sqlite3_step(x->upd);
    sqlite3_reset(x->upd);
    if (rc != SQLITE_DONE) {
        x->err = sq_fail(x->st, rc, "writing the follow-up dates");
        return 1;
    }
    x->changed++;
    return 0;
}

int sq_recompute_next_due(imt_backend *st, long *nchanged)
{
    *nchanged = 0;
    recompute_ctx x = { st, NULL, 0, 0 };
    int rc = sqlite3_prepare_v2(st->db, "UPDATE cases SET next_due = ?2 WHERE case_id = ?1",
                                -1, &x.upd, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "writing the follow-up dates");
    /* the cases in case_id order (own statement: st->cols may not exist
     * yet) merged with their events */
    sbuf b = { 0 };
    sb_add(&b, "SELECT ");
    for (int f = 0; f < IMT_F_COUNT; f++)
        sb_add(&b, "%s, ", imt_fields[f].name);
    sb_add(&b, "alk_discordant, next_due FROM cases ORDER BY case_id");
    sqlite3_stmt *qc = NULL;
    walk_ctx w;
    memset(&w, 0, sizeof w);
    w.st = st;
    w.cb = recompute_one;
    w.ctx = &x;
    course_init(&w.co);
    int ret = STORE_OK;
    if (b.oom)
        ret = sq_set_err(st, STORE_ERROR, "out of memory");
    else if ((rc = sqlite3_prepare_v2(st->db, b.s, -1, &qc, NULL)) != SQLITE_OK ||
             (rc = sqlite3_prepare_v2(st->db, "SELECT " EV_COLS " FROM events ORDER BY "
                                      "case_id, id", -1, &w.qe, NULL)) != SQLITE_OK)
        ret = sq_fail(st, rc, "reading the cases");
    sb_free(&b);
    while (ret == STORE_OK && (rc = sqlite3_step(qc)) == SQLITE_ROW) {
        imt_case c;
        if (sq_load_case(qc, 0, &c) != 0) {
            ret = sq_set_err(st, STORE_ERROR, "out of memory");
            break;
        }
        if (walk_case(&w, &c) != 0)
            ret = w.err ? w.err : x.err;
        imt_case_clear(&c);
    }
    if (ret == STORE_OK && rc != SQLITE_DONE)
        ret = sq_fail(st, rc, "reading the cases");
    sqlite3_finalize(qc);
    sqlite3_finalize(w.qe);
    sqlite3_finalize(x.upd);
    course_clear(&w.co);
    *nchanged = x.changed;
    return ret;
}

int sq_set_schedule(imt_backend *st, const fu_schedule *s, char *note, size_t n)
{
    if (note && n)
        note[0] = '\0';
    st->sched = *s;
    fu_canonical(s, st->sched_text, sizeof st->sched_text);
    char stored[600];
    int rc = sq_schedule_stored(st, stored, sizeof stored);
    if (rc != STORE_OK)
        return rc;
    st->sched_stale = false;
    if (strcmp(stored, st->sched_text) == 0)
        return STORE_OK;
    if (sq_is_readonly(st) || st->in_tx) {
        st->sched_stale = true;
        if (note && n)
            snprintf(note, n, "the follow-up dates (next_due) in this database were "
                     "computed with another follow-up schedule; they are shown as stored "
                     "until someone with write access opens it with this one");
        return STORE_OK;
    }
    if ((rc = sq_exec1(st, st->q[Q_BEGIN], "starting to recompute the follow-up dates")) !=
        STORE_OK)
        return rc;
    long changed = 0;
    rc = sq_recompute_next_due(st, &changed);
    if (rc == STORE_OK) {
        sqlite3_stmt *q;
        int src = sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO meta (key, value) "
                                             "VALUES ('followup_schedule', ?1)", -1, &q, NULL);
        if (src != SQLITE_OK) {
            rc = sq_fail(st, src, "recording the follow-up schedule");
        } else {
            sqlite3_bind_text(q, 1, st->sched_text, -1, SQLITE_TRANSIENT);
            rc = sq_exec1(st, q, "recording the follow-up schedule");
            sqlite3_finalize(q);
        }
    }
    if (rc == STORE_OK)
        rc = sq_exec1(st, st->q[Q_COMMIT], "saving the follow-up dates");
    if (rc != STORE_OK) {
        if (!sqlite3_get_autocommit(st->db))
            sq_exec1(st, st->q[Q_ROLLBACK], "rolling back");
        st->sched_stale = true;
        return rc;
    }
    if (note && n)
        snprintf(note, n, "the follow-up schedule changed: next_due of %ld case%s "
                 "recomputed", changed, changed == 1 ? "" : "s");
    /* FU-OVERDUE reads next_due: the decision states follow (a writer
     * holding the lock only puts that off to the next open) */
    if (changed) {
        long nst = 0;
        rc = sq_recompute_states(st, true, &nst);
        if (rc != STORE_OK && rc != STORE_BUSY && rc != STORE_INTERRUPTED)
            return rc;
    }
    return STORE_OK;
}
