/* store/pg/review.c - review on PostgreSQL (issue 10, issue 11 item 3):
 * review states with the sign-out lock and re-opening with a reason,
 * decisions on recommendations (the append-only table decisions,
 * audited), the per-case decision state the list filter reads, kept with
 * every change of a case and recomputed in one pass when the rule set
 * changes or a day passes, and the count of cases other sessions changed.
 *
 * What a review may do, what makes a decision stale and a case's decision
 * state are the engines' common rules (store/decide.h, core/review.h);
 * this file reads and writes the rows.  Every write here runs in an edit
 * transaction that holds the chain head's lock (engine.c) and then reads
 * the case row FOR UPDATE: writers on every machine follow one another,
 * and the version compared or raised is the one being replaced. */
#define _GNU_SOURCE
#include "pg_int.h"

#include "core/events.h"

/* ---- the session's review settings -------------------------------------------- */

void pg_set_full_name(imt_backend *b, const char *full_name)
{
    free(b->full_name);
    b->full_name = full_name && *full_name ? strdup(full_name) : NULL;
}

void pg_review_free(imt_backend *b)
{
    free(b->full_name);
    free(b->rres);
    b->full_name = NULL;
    b->rres = NULL;
}

/* ---- a case's recommendations and decisions ------------------------------------- */

/* c's recommendations now into b->rres: with its course (read here)
 * unless fresh (a new case has none). */
static int evaluate(imt_backend *b, const imt_case *c, bool fresh)
{
    if (!b->rres && !(b->rres = calloc(1, sizeof *b->rres)))
        return pg_set_err(b, STORE_ERROR, "out of memory");
    imt_course co;
    course_init(&co);
    if (!fresh) {
        int rc = pg_events_get(b, c->case_id, &co);
        if (rc != STORE_OK) {
            course_clear(&co);
            return rc;
        }
    }
    rules_course rc = { &co, NULL };
    rules_evaluate_course(c, &rc, NULL, b->rres);
    course_clear(&co);
    return STORE_OK;
}

static const char *col(const PGresult *r, int i, int c)
{
    return PQgetisnull(r, i, c) ? NULL : PQgetvalue(r, i, c);
}

/* The latest decision per rule of a case. */
static int load_decisions(imt_backend *b, const char *case_id, store_decs *out)
{
    memset(out, 0, sizeof *out);
    pgparams p = { 0 };
    pgp_text(&p, case_id);
    int rc;
    PGresult *r = pg_run(b, "SELECT rule_id, ruleset, decision, reason, comment, fired_by, "
                            "\"user\", time FROM decisions WHERE case_id = $1 "
                            "ORDER BY rule_id, seq", &p, false, "reading decisions", &rc);
    if (!r)
        return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        if (store_decs_add(out, col(r, i, 0), col(r, i, 1), col(r, i, 2), col(r, i, 3),
                           col(r, i, 4), col(r, i, 5), col(r, i, 6), col(r, i, 7)) != 0) {
            PQclear(r);
            store_decs_free(out);
            return pg_set_err(b, STORE_ERROR, "out of memory");
        }
    }
    PQclear(r);
    return STORE_OK;
}

/* The decision state of c as it would be stored (its recommendations now,
 * left in b->rres, and its decisions; fresh: a new case, which has
 * neither course nor decisions). */
static int case_state(imt_backend *b, const imt_case *c, bool fresh, int *state, char *ids,
                      size_t idsn)
{
    int rc = evaluate(b, c, fresh);
    if (rc != STORE_OK)
        return rc;
    store_decs d = { 0 };
    if (!fresh && (rc = load_decisions(b, c->case_id, &d)) != STORE_OK)
        return rc;
    int s = store_decs_state(b->rres, &d, ids, idsn);
    store_decs_free(&d);
    if (s < 0)
        return pg_set_err(b, STORE_ERROR, "out of memory");
    *state = s;
    return STORE_OK;
}

int pg_case_state(imt_backend *b, const imt_case *c, int *state)
{
    return case_state(b, c, false, state, NULL, 0);
}

int pg_fresh_state(imt_backend *b, const imt_case *c, int *state)
{
    return case_state(b, c, true, state, NULL, 0);
}

static int set_state(imt_backend *b, const char *case_id, int state, bool bump,
                     const char *what)
{
    pgparams p = { 0 };
    pgp_text(&p, case_id);
    pgp_i8(&p, state);
    pgp_i8(&p, bump ? 1 : 0);
    return pg_exec(b, "UPDATE cases SET decision_state = $2, version = version + $3 "
                      "WHERE case_id = $1", &p, what);
}

/* The decision state of c with the course co that the caller holds (an
 * import's merged course, whose events may still be on their way to the
 * server through COPY), saved when it is not the stored one. */
int pg_case_state_save(imt_backend *b, const imt_case *c, const imt_course *co)
{
    if (!b->rres && !(b->rres = calloc(1, sizeof *b->rres)))
        return pg_set_err(b, STORE_ERROR, "out of memory");
    rules_course rcs = { co, NULL };
    rules_evaluate_course(c, &rcs, NULL, b->rres);
    store_decs d = { 0 };
    int rc = load_decisions(b, c->case_id, &d);
    if (rc != STORE_OK)
        return rc;
    int state = store_decs_state(b->rres, &d, NULL, 0);
    store_decs_free(&d);
    if (state < 0)
        return pg_set_err(b, STORE_ERROR, "out of memory");
    if (state == c->decision_state)
        return STORE_OK;
    return set_state(b, c->case_id, state, false, "saving the decision state");
}

/* After a write of case_id (inside its transaction): its decision state
 * from the case as stored now, and a new version when bump. */
int pg_case_touch(imt_backend *b, const char *case_id, bool bump)
{
    imt_case c;
    int rc = pg_get(b, case_id, &c);
    int state = DSTATE_UNDECIDED;
    if (rc == STORE_OK)
        rc = case_state(b, &c, false, &state, NULL, 0);
    if (rc == STORE_OK && (bump || state != c.decision_state))
        rc = set_state(b, case_id, state, bump, "saving the decision state");
    imt_case_clear(&c);
    return rc;
}

/* ---- audit rows of a review or a decision ------------------------------------------ */

/* An audit row a plan of store/decide.h asks for, with the columns of
 * decisions and signatures (rule_id, fired_by, full_name) in its hash. */
static int audit_add(imt_backend *b, const char *case_id, const store_audit_row *a)
{
    if (!b->head_locked)
        return pg_set_err(b, STORE_ERROR, "internal: an audit row outside a write transaction");
    static const char *const names[] = { "time", "user", "case_id", "field", "old_value",
                                         "new_value", "source", "comment", "ruleset",
                                         "snapshot", "rule_id", "fired_by", "full_name" };
    const char *vals[] = { b->now, b->user, case_id, a->field, a->oldv, a->newv,
                           a->source, a->comment, a->ruleset, NULL, a->rule_id,
                           a->fired_by, a->full_name };
    long long seq;
    char rh[65], h[65];
    pg_audit_next_cols(b, names, vals, 13, &seq, rh, h);
    pgparams p = { 0 };
    pgp_i8(&p, seq);
    for (int i = 0; i < 13; i++)
        if (i != 9)
            pgp_text(&p, vals[i]);
    pgp_text(&p, rh);
    pgp_text(&p, h);
    return pg_exec(b, "INSERT INTO audit (seq, time, \"user\", case_id, field, old_value, "
                      "new_value, source, comment, ruleset, rule_id, fired_by, full_name, "
                      "row_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
                      "$12, $13, $14, $15)", &p, "writing the audit trail");
}

/* ---- review ------------------------------------------------------------------------ */

int pg_review(imt_backend *b, const store_review_req *rq, store_review_result *res)
{
    res->previous = -1;
    if (pg_is_readonly(b))
        return pg_refuse_readonly(b);
    if (rq->status < 0 || rq->status >= REV_N)
        return pg_set_err(b, STORE_ERROR, "invalid review state %d", rq->status);
    if (!rq->case_id || !*rq->case_id)
        return pg_set_err(b, STORE_NOTFOUND, "no case ''");
    int rc = pg_edit_begin(b);
    if (rc != STORE_OK)
        return rc;
    imt_case old, nw;
    imt_case_init(&nw);
    rc = pg_get_locked(b, rq->case_id, &old);
    if (rc != STORE_OK) {
        imt_case_clear(&old);
        return pg_edit_end(b, rc);
    }
    res->previous = old.review_status;
    char ids[600], msg[900];
    int state;
    store_review_plan p;
    memset(&p, 0, sizeof p);
    if ((rc = case_state(b, &old, false, &state, ids, sizeof ids)) != STORE_OK)
        goto out;
    if ((rc = store_review_plan_make(&old, rq, state, ids, b->user, b->now, b->full_name, &p,
                                     msg, sizeof msg)) != STORE_OK) {
        rc = pg_set_err(b, rc, "%s", msg);
        goto out;
    }
    if (imt_case_copy(&nw, &old) != 0) {
        rc = pg_set_err(b, STORE_ERROR, "out of memory");
        goto out;
    }
    nw.review_status = rq->status;
    if ((rc = case_state(b, &nw, false, &state, NULL, 0)) != STORE_OK)
        goto out;
    pgparams q = { 0 };
    pgp_text(&q, old.case_id);
    pgp_text(&q, imt_review_values[rq->status]);
    pgp_text(&q, p.who);
    pgp_text(&q, p.when);
    pgp_text(&q, p.kept);
    pgp_text(&q, p.signer);
    pgp_i8(&q, state);
    rc = pg_exec(b, "UPDATE cases SET review_status = $2, reviewer = $3, reviewed_at = $4, "
                    "review_comment = $5, signer_name = $6, decision_state = $7, "
                    "version = version + 1 WHERE case_id = $1", &q, "saving the review state");
    for (int i = 0; i < p.naudit && rc == STORE_OK; i++)
        rc = audit_add(b, old.case_id, &p.audit[i]);
    if (rc == STORE_OK)
        store_review_result_fill(&p, &old, b->now, res);
out:
    store_review_plan_clear(&p);
    imt_case_clear(&old);
    imt_case_clear(&nw);
    return pg_edit_end(b, rc);
}

/* ---- deciding ---------------------------------------------------------------------- */

int pg_decide(imt_backend *b, const store_decide_req *rq, store_decide_result *res)
{
    if (pg_is_readonly(b))
        return pg_refuse_readonly(b);
    char msg[600];
    int rc = store_decide_check(rq, msg, sizeof msg);
    if (rc != STORE_OK)
        return pg_set_err(b, rc, "%s", msg);
    if ((rc = pg_edit_begin(b)) != STORE_OK)
        return rc;
    imt_case c;
    rc = pg_get_locked(b, rq->case_id, &c);
    if (rc != STORE_OK) {
        imt_case_clear(&c);
        return pg_edit_end(b, rc);
    }
    store_decs d = { 0 };
    store_decide_plan p;
    memset(&p, 0, sizeof p);
    if (c.review_status != REV_SIGNED_OUT &&
        ((rc = evaluate(b, &c, false)) != STORE_OK ||
         (rc = load_decisions(b, c.case_id, &d)) != STORE_OK))
        goto out;
    if ((rc = store_decide_plan_make(&c, b->rres, &d, rq, &p, msg, sizeof msg)) != STORE_OK) {
        rc = pg_set_err(b, rc, "%s", msg);
        goto out;
    }
    pgparams q = { 0 };
    pgp_text(&q, c.case_id);
    pgp_text(&q, p.rule->id);
    pgp_text(&q, RULESET_VERSION);
    pgp_text(&q, review_decision_values[rq->decision]);
    pgp_text(&q, p.reason);
    pgp_text(&q, p.comment);
    pgp_text(&q, p.fired);
    pgp_text(&q, b->user);
    pgp_text(&q, b->now);
    /* seq: writers follow one another (the chain head's lock) */
    rc = pg_exec(b, "INSERT INTO decisions (seq, case_id, rule_id, ruleset, decision, reason, "
                    "comment, fired_by, \"user\", time) SELECT coalesce(max(seq), 0) + 1, $1, "
                    "$2, $3, $4, $5, $6, $7, $8, $9 FROM decisions", &q,
                 "saving the decision");
    if (rc == STORE_OK)
        rc = audit_add(b, c.case_id, &p.audit);
    if (rc != STORE_OK)
        goto out;
    /* The result before the rules run again in case_state. */
    store_decide_result_fill(&p, b->now, b->user, c.version + 1, res);
    int state;
    if ((rc = case_state(b, &c, false, &state, NULL, 0)) == STORE_OK)
        rc = set_state(b, c.case_id, state, true, "saving the decision");
out:
    store_decide_plan_clear(&p);
    store_decs_free(&d);
    imt_case_clear(&c);
    return pg_edit_end(b, rc);
}

/* ---- the decisions of a case, for display ------------------------------------------ */

int pg_decisions(imt_backend *b, const char *case_id, store_decision **out, int *n)
{
    *out = NULL;
    *n = 0;
    imt_case c;
    int rc = pg_get(b, case_id, &c);
    if (rc != STORE_OK) {
        imt_case_clear(&c);
        return rc;
    }
    store_decs d;
    if ((rc = load_decisions(b, c.case_id, &d)) != STORE_OK) {
        imt_case_clear(&c);
        return rc;
    }
    rc = evaluate(b, &c, false);
    imt_case_clear(&c);
    if (rc == STORE_OK && store_decs_display(b->rres, &d, out, n) != 0)
        rc = pg_set_err(b, STORE_ERROR, "out of memory");
    store_decs_free(&d);
    return rc;
}

/* ---- other sessions' changes -------------------------------------------------------- */

int pg_changes_since(imt_backend *b, long long *mark, long cap, long *ncases, bool *more)
{
    *ncases = 0;
    *more = false;
    int rc;
    PGresult *r = pg_run(b, "SELECT coalesce(max(seq), 0) FROM audit", NULL, false,
                         "reading the audit trail", &rc);
    if (!r)
        return rc;
    long long top = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    if (*mark <= 0 || top <= *mark) {
        *mark = top;
        return STORE_OK;
    }
    if (cap <= 0)
        cap = 100000;
    pgparams p = { 0 };
    pgp_i8(&p, *mark);
    pgp_i8(&p, top);
    pgp_i8(&p, cap);
    r = pg_run(b, "SELECT (SELECT count(DISTINCT case_id) FROM (SELECT case_id FROM audit "
                  "WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3) x), (SELECT count(*) "
                  "FROM (SELECT 1 FROM audit WHERE seq > $1 AND seq <= $2 LIMIT $3 + 1) y)",
               &p, false, "reading the audit trail", &rc);
    if (!r)
        return rc;
    *ncases = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    *more = strtoll(PQgetvalue(r, 0, 1), NULL, 10) > cap;
    PQclear(r);
    *mark = top;
    return STORE_OK;
}

/* ---- the states follow the rule set and the date ----------------------------------- */

/* What the stored decision states were computed under: the rule set and
 * the day, in the table derived (schema step 3, "review"). */
static const char key_ruleset[] = "decision_ruleset";
static const char key_day[] = "decision_day";

static int derived_get(imt_backend *b, const char *key, char *buf, size_t n)
{
    buf[0] = '\0';
    pgparams p = { 0 };
    pgp_text(&p, key);
    int rc;
    PGresult *r = pg_run(b, "SELECT value FROM derived WHERE key = $1", &p, false,
                         "reading what the decision states were computed under", &rc);
    if (r && PQntuples(r) == 1)
        snprintf(buf, n, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return rc;
}

static int derived_set(imt_backend *b, const char *key, const char *value)
{
    pgparams p = { 0 };
    pgp_text(&p, key);
    pgp_text(&p, value);
    return pg_exec(b, "INSERT INTO derived (key, value) VALUES ($1, $2) ON CONFLICT (key) "
                      "DO UPDATE SET value = excluded.value", &p,
                   "recording what the decision states were computed under");
}

typedef struct {
    imt_backend *b;
    long n;
} pass_ctx;

/* One case of a pass: its state computed (its course and decisions read
 * only when it has any), written when it changed. */
static int pass_row(void *vctx, const PGresult *r, int i)
{
    pass_ctx *x = vctx;
    imt_backend *b = x->b;
    int nf = PQnfields(r);
    bool has_events = *PQgetvalue(r, i, nf - 2) != 0;
    bool has_decisions = *PQgetvalue(r, i, nf - 1) != 0;
    imt_case c;
    if (pg_load_case(r, i, 0, &c) != 0)
        return pg_set_err(b, STORE_ERROR, "out of memory");
    int state = DSTATE_UNDECIDED;
    int rc = case_state(b, &c, !has_events && !has_decisions, &state, NULL, 0);
    if (rc == STORE_OK && state != c.decision_state) {
        rc = set_state(b, c.case_id, state, false, "recomputing the decision states");
        x->n++;
    }
    imt_case_clear(&c);
    return rc;
}

/* Inside the caller's write transaction: every case's state (all), or
 * those of the cases whose next follow-up date fell between the day the
 * states were brought up to date and today (FU-OVERDUE, a warning, now
 * fires on them); then the rule set and the day recorded. */
int pg_states_pass(imt_backend *b, bool all, long *nchanged)
{
    *nchanged = 0;
    char day[16], now[11];
    ev_today(now);
    int rc = STORE_OK;
    if (!all)
        rc = derived_get(b, key_day, day, sizeof day);
    if (rc != STORE_OK)
        return rc;
    sbuf q = { 0 };
    pgparams p = { 0 };
    sb_add(&q, "SELECT %s, EXISTS (SELECT 1 FROM events e WHERE e.case_id = cases.case_id), "
               "EXISTS (SELECT 1 FROM decisions d WHERE d.case_id = cases.case_id) FROM cases",
           pg_read_cols());
    if (!all) {
        pgp_text(&p, day[0] ? day : "0000-00-00");
        pgp_text(&p, now);
        sb_add(&q, " WHERE next_due >= $1 AND next_due < $2");
    }
    sb_add(&q, " ORDER BY case_id");
    pass_ctx x = { b, 0 };
    rc = q.oom ? pg_set_err(b, STORE_ERROR, "out of memory")
               : pg_walk(b, q.s, &p, true, "recomputing the decision states", pass_row, &x);
    sb_free(&q);
    *nchanged = x.n;
    if (rc == STORE_OK)
        rc = derived_set(b, key_ruleset, RULESET_VERSION);
    if (rc == STORE_OK)
        rc = derived_set(b, key_day, now);
    return rc;
}

/* 1 when the states were computed under this program's rule set on this
 * day; 0 when not, with *all set when every case needs it (another rule
 * set, none recorded, or the date went back); -1 when they cannot be read
 * (the reason in b->err). */
static int states_uptodate(imt_backend *b, bool *all)
{
    char rs[80], day[16], now[11];
    int rc = derived_get(b, key_ruleset, rs, sizeof rs);
    if (rc == STORE_OK)
        rc = derived_get(b, key_day, day, sizeof day);
    if (rc != STORE_OK)
        return -1;
    ev_today(now);
    *all = strcmp(rs, RULESET_VERSION) != 0 || !day[0] || strcmp(day, now) > 0;
    return !*all && strcmp(day, now) == 0 ? 1 : 0;
}

/* 1 when the stored states were computed under this program's rule set
 * on this day (check compares them then), else 0. */
int pg_states_current(imt_backend *b)
{
    bool all;
    return states_uptodate(b, &all) == 1 ? 1 : 0;
}

/* At a writable open: the decision states brought up to this rule set
 * and today, by the first session that gets there (the others find the
 * work done once the chain head's lock is theirs). */
int pg_states_open(imt_backend *b)
{
    if (pg_is_readonly(b))
        return STORE_OK;
    bool all = false;
    int u = states_uptodate(b, &all);
    if (u < 0)
        return STORE_ERROR;
    if (u == 1)
        return STORE_OK;
    int rc = pg_edit_begin(b);
    if (rc != STORE_OK)
        return rc;
    u = states_uptodate(b, &all);
    long n = 0;
    if (u < 0)
        rc = STORE_ERROR;
    else if (u == 0)
        rc = pg_states_pass(b, all, &n);
    return pg_edit_end(b, rc);
}

/* A copy into this engine, before its commit: the states derived. */
/* The end of a copy into this engine: the follow-up dates first (a
 * decision state reads FU-OVERDUE, which reads next_due), then every
 * case's decision state. */
int pg_after_copy(imt_backend *b)
{
    int rc = pg_course_after_copy(b);
    if (rc != STORE_OK)
        return rc;
    long n = 0;
    return pg_states_pass(b, true, &n);
}
