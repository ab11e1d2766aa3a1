/* store/sqlite/decisions.c - decisions on recommendations (accept or override,
 * append-only table `decisions`, audited), the per-case decision state the
 * store writes with every change of a case and recomputes in one pass when
 * the rule set's version changes, and the count of cases other sessions
 * changed (the interface's live view).
 *
 * The recommendations are the rules module's (core/rules.h) on the case as
 * stored with its course (rules_evaluate_course, today's date), with the
 * default configuration: the one setting (the mitoses cut-off) changes
 * RISK-PATHOLOGY, an info-level rule, and info needs no decision, so the
 * state does not depend on who wrote last.  Whether a decision is current
 * is core/review.h's rule.  One rule that needs a decision reads the date:
 * FU-OVERDUE (next_due before today), so the states are also kept per day
 * (sq_states_day). */
#define _GNU_SOURCE
#include "sqlite_int.h"

#include <jansson.h>

/* ---- reading decisions ------------------------------------------------------ */

/* The latest decision per rule of a case (rows come ordered by rule and
 * seq: a later row of the same rule replaces the one before). */
int sq_load_decisions(imt_backend *st, const char *case_id, store_decs *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q = st->q[Q_DECISIONS];
    sqlite3_bind_text(q, 1, case_id, -1, SQLITE_STATIC);
    int rc;
    bool oom = false;
    while (!oom && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *col[8];
        for (int i = 0; i < 8; i++)
            col[i] = (const char *)sqlite3_column_text(q, i);
        oom = store_decs_add(out, col[0], col[1], col[2], col[3], col[4], col[5], col[6],
                             col[7]) != 0;
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (oom) {
        store_decs_free(out);
        return sq_set_err(st, STORE_ERROR, "out of memory");
    }
    if (rc != SQLITE_DONE) {
        store_decs_free(out);
        return sq_fail(st, rc, "reading decisions");
    }
    return STORE_OK;
}

/* c's recommendations now into st->rres: with its course (read here)
 * unless fresh (a new case has none). */
static int evaluate(imt_backend *st, const imt_case *c, bool fresh)
{
    imt_course co;
    course_init(&co);
    if (!fresh) {
        int rc = sq_events_get(st, c->case_id, &co);
        if (rc != STORE_OK)
            return rc;
    }
    rules_course rc = { &co, NULL };
    rules_evaluate_course(c, &rc, NULL, st->rres);
    course_clear(&co);
    return STORE_OK;
}

static int state_of(imt_backend *st, const imt_case *c, bool fresh, int *state, char *ids,
                    size_t idsn);

/* The decision state of c as it would be stored (its recommendations now,
 * in st->rres, and its decisions; fresh: a new case, which has none). */
int sq_case_state(imt_backend *st, const imt_case *c, bool fresh, int *state,
                  char *ids, size_t idsn)
{
    int erc = evaluate(st, c, fresh);
    if (erc != STORE_OK)
        return erc;
    return state_of(st, c, fresh, state, ids, idsn);
}

/* The same for a stored case whose course the caller holds (sorted
 * oldest first: course_sort), as it will be stored. */
int sq_case_state_course(imt_backend *st, const imt_case *c, const imt_course *co, int *state)
{
    rules_course rc = { co, NULL };
    rules_evaluate_course(c, &rc, NULL, st->rres);
    return state_of(st, c, false, state, NULL, 0);
}

/* The state from the recommendations in st->rres and c's decisions. */
static int state_of(imt_backend *st, const imt_case *c, bool fresh, int *state, char *ids,
                    size_t idsn)
{
    store_decs d = { 0 };
    if (!fresh) {
        int rc = sq_load_decisions(st, c->case_id, &d);
        if (rc != STORE_OK)
            return rc;
    }
    int s = store_decs_state(st->rres, &d, ids, idsn);
    store_decs_free(&d);
    if (s < 0)
        return sq_set_err(st, STORE_ERROR, "out of memory");
    *state = s;
    return STORE_OK;
}

/* ---- deciding ---------------------------------------------------------------- */

int sq_decide(imt_backend *st, const store_decide_req *rq, store_decide_result *res)
{
    if (sq_is_readonly(st))
        return sq_refuse_readonly(st);
    char msg[600];
    int rc = store_decide_check(rq, msg, sizeof msg);
    if (rc != STORE_OK)
        return sq_set_err(st, rc, "%s", msg);
    if ((rc = sq_edit_begin(st)) != STORE_OK)
        return rc;
    imt_case c;
    rc = sq_get(st, rq->case_id, &c);
    if (rc != STORE_OK)
        return sq_edit_end(st, rc);
    store_decs d = { 0 };
    store_decide_plan p;
    memset(&p, 0, sizeof p);
    if (c.review_status != REV_SIGNED_OUT &&
        ((rc = evaluate(st, &c, false)) != STORE_OK ||
         (rc = sq_load_decisions(st, c.case_id, &d)) != STORE_OK))
        goto out;
    if ((rc = store_decide_plan_make(&c, st->rres, &d, rq, &p, msg, sizeof msg)) != STORE_OK) {
        rc = sq_set_err(st, rc, "%s", msg);
        goto out;
    }
    const char *now = sq_now_utc(st);
    sqlite3_stmt *s = st->q[Q_DECIDE];
    sqlite3_bind_text(s, 1, c.case_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, p.rule->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, RULESET_VERSION, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, review_decision_values[rq->decision], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, p.reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, p.comment, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, p.fired, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, st->user, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, now, -1, SQLITE_STATIC);
    int src = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (src != SQLITE_DONE) {
        rc = sq_fail(st, src, "saving the decision");
        goto out;
    }
    if ((rc = sq_audit_plan_row(st, c.case_id, &p.audit)) != STORE_OK)
        goto out;
    /* The result before the rules run again in sq_case_state. */
    store_decide_result_fill(&p, now, st->user, c.version + 1, res);
    int state;
    if ((rc = sq_case_state(st, &c, false, &state, NULL, 0)) != STORE_OK)
        goto out;
    s = st->q[Q_BUMP];
    sqlite3_bind_text(s, 1, c.case_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, state);
    sqlite3_bind_int(s, 3, 1);
    rc = sq_exec1(st, s, "saving the decision");
    sqlite3_clear_bindings(s);
out:
    store_decide_plan_clear(&p);
    store_decs_free(&d);
    imt_case_clear(&c);
    return sq_edit_end(st, rc);
}

/* After a write of case_id (inside its transaction): its decision state
 * from the case as stored now, and a new version when bump. */
int sq_case_touch(imt_backend *st, const char *case_id, bool bump)
{
    imt_case c;
    int rc = sq_get(st, case_id, &c);
    int state = DSTATE_UNDECIDED;
    if (rc == STORE_OK)
        rc = sq_case_state(st, &c, false, &state, NULL, 0);
    if (rc == STORE_OK && (bump || state != c.decision_state)) {
        sqlite3_stmt *s = st->q[Q_BUMP];
        sqlite3_bind_text(s, 1, c.case_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 2, state);
        sqlite3_bind_int(s, 3, bump ? 1 : 0);
        rc = sq_exec1(st, s, "saving the decision state");
        sqlite3_clear_bindings(s);
    }
    imt_case_clear(&c);
    return rc;
}

/* ---- the decisions of a case, for display ---------------------------------------- */

int sq_decisions(imt_backend *st, const char *case_id, store_decision **out, int *n)
{
    *out = NULL;
    *n = 0;
    imt_case c;
    int rc = sq_get(st, case_id, &c);
    if (rc != STORE_OK)
        return rc;
    store_decs d;
    if ((rc = sq_load_decisions(st, c.case_id, &d)) != STORE_OK) {
        imt_case_clear(&c);
        return rc;
    }
    rc = evaluate(st, &c, false);
    imt_case_clear(&c);
    if (rc == STORE_OK && store_decs_display(st->rres, &d, out, n) != 0)
        rc = sq_set_err(st, STORE_ERROR, "out of memory");
    store_decs_free(&d);
    return rc;
}

/* ---- other sessions' changes ------------------------------------------------ */

int sq_changes_since(imt_backend *st, long long *mark, long cap, long *ncases, bool *more)
{
    *ncases = 0;
    *more = false;
    sqlite3_stmt *q;
    long long top = 0;
    int rc = sqlite3_prepare_v2(st->db, "SELECT coalesce(max(seq), 0) FROM audit", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "reading the audit trail");
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        top = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW)
        return sq_fail(st, rc, "reading the audit trail");
    if (*mark <= 0 || top <= *mark) {
        *mark = top;
        return STORE_OK;
    }
    rc = sqlite3_prepare_v2(st->db,
        "SELECT (SELECT count(DISTINCT case_id) FROM (SELECT case_id FROM audit "
        "WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3)), (SELECT count(*) FROM "
        "(SELECT 1 FROM audit WHERE seq > ?1 AND seq <= ?2 LIMIT ?3 + 1))", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "reading the audit trail");
    sqlite3_bind_int64(q, 1, *mark);
    sqlite3_bind_int64(q, 2, top);
    if (cap <= 0)
        cap = 100000;
    sqlite3_bind_int64(q, 3, cap);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *ncases = (long)sqlite3_column_int64(q, 0);
        *more = sqlite3_column_int64(q, 1) > cap;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW)
        return sq_fail(st, rc, "reading the audit trail");
    *mark = top;
    return STORE_OK;
}

/* ---- the states follow the rule set ------------------------------------------- */

static const char meta_key[] = "decision_ruleset";
static const char meta_day[] = "decision_day";

/* today as the rules see it (core/events.h: IMTREVIEW_TODAY for tests) */
static void today(char out[11])
{
    ev_today(out);
}

/* meta key's text value into buf ("" when none); 0, or -1 on error */
static int meta_get(imt_backend *st, const char *key, char *buf, size_t n)
{
    buf[0] = '\0';
    sqlite3_stmt *q = st->q[Q_META_GET];
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT)
        snprintf(buf, n, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int meta_set(imt_backend *st, const char *key, const char *value)
{
    sqlite3_stmt *m = st->q[Q_META_SET];
    sqlite3_bind_text(m, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(m, 2, value, -1, SQLITE_STATIC);
    int rc = sq_exec1(st, m, "recording what the decision states were computed under");
    sqlite3_clear_bindings(m);
    return rc;
}

/* 1 when the states were computed under this program's rule set (and,
 * with today, on this day too), else 0. */
static int states_current(imt_backend *st, bool with_day)
{
    char rs[80], day[16], now[11];
    if (meta_get(st, meta_key, rs, sizeof rs) != 0 || meta_get(st, meta_day, day, sizeof day) != 0)
        return 1;     /* cannot tell: leave them; check reports a mismatch */
    if (strcmp(rs, RULESET_VERSION) != 0)
        return 0;
    today(now);
    return !with_day || strcmp(day, now) == 0 ? 1 : 0;
}

int sq_states_current(imt_backend *st)
{
    return states_current(st, false);
}

int sq_states_uptodate(imt_backend *st)
{
    return states_current(st, true);
}

/* One pass over the cases the statement q (their read_cols after an id)
 * gives: each case's state computed, written where it changed. */
static int recompute_rows(imt_backend *st, sqlite3_stmt *q, long *nchanged)
{
    int rc = STORE_OK, src;
    while (rc == STORE_OK && (src = sqlite3_step(q)) == SQLITE_ROW) {
        imt_case c;
        if (sq_load_case(q, 1, &c) != 0) {
            rc = sq_set_err(st, STORE_ERROR, "out of memory");
            break;
        }
        int state;
        rc = sq_case_state(st, &c, false, &state, NULL, 0);
        if (rc == STORE_OK && state != c.decision_state) {
            sqlite3_stmt *u = st->q[Q_SETSTATE];
            sqlite3_bind_int64(u, 1, sqlite3_column_int64(q, 0));
            sqlite3_bind_int(u, 2, state);
            rc = sq_exec1(st, u, "recomputing the decision states");
            (*nchanged)++;
        }
        imt_case_clear(&c);
    }
    if (rc == STORE_OK && src != SQLITE_DONE)
        rc = sq_fail(st, src, "recomputing the decision states");
    return rc;
}

static int finish(imt_backend *st, int rc)
{
    if (rc == STORE_OK)
        rc = sq_exec1(st, st->q[Q_COMMIT], "recomputing the decision states");
    if (rc != STORE_OK && !sqlite3_get_autocommit(st->db)) {
        sqlite3_step(st->q[Q_ROLLBACK]);
        sqlite3_reset(st->q[Q_ROLLBACK]);
    }
    return rc;
}

/* Every case's state under this rule set, in one pass over the table in
 * one transaction (a row is written only when its state changes; the
 * version of a case does not change: nothing about the case did), then
 * the rule set and the day recorded.  Another session that got there
 * first is seen once the lock is held (unless force: after the follow-up
 * schedule changed every next_due). */
int sq_recompute_states(imt_backend *st, bool force, long *nchanged)
{
    *nchanged = 0;
    int rc = sq_exec1(st, st->q[Q_BEGIN], "recomputing the decision states");
    if (rc != STORE_OK)
        return rc;
    if (!force && states_current(st, true) == 1)
        return sq_exec1(st, st->q[Q_ROLLBACK], "recomputing the decision states");
    return finish(st, sq_states_pass(st, nchanged));
}

/* The pass of sq_recompute_states inside the caller's transaction (copy
 * --to fills a file and derives the states before its commit). */
int sq_states_pass(imt_backend *st, long *nchanged)
{
    int rc = STORE_OK;
    sbuf b = { 0 };
    sb_add(&b, "SELECT id, %s FROM cases ORDER BY case_id", st->read_cols);
    sqlite3_stmt *q = NULL;
    if (b.oom)
        rc = sq_set_err(st, STORE_ERROR, "out of memory");
    else if ((rc = sqlite3_prepare_v2(st->db, b.s, -1, &q, NULL)) != SQLITE_OK)
        rc = sq_fail(st, rc, "recomputing the decision states");
    else
        rc = STORE_OK;
    sb_free(&b);
    if (rc == STORE_OK)
        rc = recompute_rows(st, q, nchanged);
    sqlite3_finalize(q);
    char now[11];
    today(now);
    if (rc == STORE_OK)
        rc = meta_set(st, meta_key, RULESET_VERSION);
    if (rc == STORE_OK)
        rc = meta_set(st, meta_day, now);
    return rc;
}

/* A new day: the cases whose next_due fell between the day the states
 * were last brought up to date and today are now overdue (FU-OVERDUE, a
 * warning, fires on them with no write): only those are recomputed (the
 * next_due index gives them).  Nothing else about a case changes with the
 * date for a rule that needs a decision. */
int sq_states_day(imt_backend *st)
{
    if (states_current(st, true) == 1)
        return STORE_OK;
    char was[16], now_[11];
    today(now_);
    if (meta_get(st, meta_day, was, sizeof was) == 0 && was[0] && strcmp(was, now_) > 0) {
        /* the date went back (a clock set right, a test): every state */
        long n = 0;
        return sq_recompute_states(st, true, &n);
    }
    int rc = sq_exec1(st, st->q[Q_BEGIN], "bringing the decision states up to today");
    if (rc != STORE_OK)
        return rc;
    char day[16], now[11];
    today(now);
    if (meta_get(st, meta_day, day, sizeof day) != 0 || strcmp(day, now) == 0)
        return finish(st, STORE_OK);
    sbuf b = { 0 };
    sb_add(&b, "SELECT id, %s FROM cases WHERE sort_next_due >= ?1 AND sort_next_due < ?2",
           st->read_cols);
    sqlite3_stmt *q = NULL;
    if (b.oom)
        rc = sq_set_err(st, STORE_ERROR, "out of memory");
    else if ((rc = sqlite3_prepare_v2(st->db, b.s, -1, &q, NULL)) != SQLITE_OK)
        rc = sq_fail(st, rc, "bringing the decision states up to today");
    else
        rc = STORE_OK;
    sb_free(&b);
    long n = 0;
    if (rc == STORE_OK) {
        /* no day recorded: from the beginning of time */
        sqlite3_bind_text(q, 1, day[0] ? day : "0000-00-00", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, now, -1, SQLITE_TRANSIENT);
        rc = recompute_rows(st, q, &n);
    }
    sqlite3_finalize(q);
    if (rc == STORE_OK)
        rc = meta_set(st, meta_day, now);
    return finish(st, rc);
}
