/* Unit tests for store/decide.c, the review rules both engines keep: the
 * latest decision per rule as read from rows, fired_by as stored, a case's
 * decision state from its decisions, the decisions shown with their
 * staleness, and the refusals of decide and review in the words both
 * engines give.
 *
 * Expected values come from issue 10 as written: a decision goes stale
 * when the rule set's version or the facts that fired it change, and a
 * stale decision counts as undecided (so --decision undecided selects the
 * stale cases too); info-level recommendations need no decision, and a
 * decision is audited with the rule and the facts that fired it; a
 * signed-out case refuses every change naming who signed it out and when;
 * leaving signed_out needs a reason; sign-out is refused naming the rules
 * not decided.  Recommendations are built here by hand (rule_rec), not
 * taken from the rules module. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/filter.h"
#include "store/decide.h"

static void rec(rule_rec *r, const char *id, rule_level lvl, const char *f1, const char *f2)
{
    memset(r, 0, sizeof *r);
    r->id = id;
    r->level = lvl;
    r->kind = RK_TREATMENT;
    if (f1)
        snprintf(r->fired[r->nfired++], RULES_FACT_LEN, "%s", f1);
    if (f2)
        snprintf(r->fired[r->nfired++], RULES_FACT_LEN, "%s", f2);
}

/* Two recommendations that need a decision and one info-level one. */
static void two_recs(rules_result *res)
{
    memset(res, 0, sizeof *res);
    rec(&res->recs[0], "TX-SURGERY", RL_CRITICAL, "resectable = yes", "surgery = none");
    rec(&res->recs[1], "DX-MDT", RL_WARNING, "site = lung", NULL);
    rec(&res->recs[2], "RISK-PATHOLOGY", RL_INFO, "mitoses_10hpf = 2", NULL);
    res->n = 3;
}

/* ---- rows in, latest per rule ---------------------------------------------------- */

static void test_rows_latest_per_rule(void **s)
{
    (void)s;
    store_decs d = { 0 };
    /* rows ordered by rule, then as written: the later row of a rule wins */
    assert_int_equal(store_decs_add(&d, "DX-MDT", RULESET_VERSION, "accept", NULL, NULL,
                                    "[\"site = lung\"]", "ann", "2026-01-01T10:00:00Z"), 0);
    assert_int_equal(store_decs_add(&d, "TX-SURGERY", RULESET_VERSION, "accept", NULL, NULL,
                                    "[\"resectable = yes\"]", "ann", "2026-01-01T10:01:00Z"), 0);
    assert_int_equal(store_decs_add(&d, "TX-SURGERY", RULESET_VERSION, "override",
                                    "patient-declined", "declined at clinic",
                                    "[\"resectable = yes\",\"surgery = none\"]", "bob",
                                    "2026-01-02T09:00:00Z"), 0);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.v[1].rule_id, "TX-SURGERY");
    assert_int_equal(d.v[1].decision, DECISION_OVERRIDE);
    assert_int_equal(d.v[1].reason, OVR_PATIENT_DECLINED);
    assert_string_equal(d.v[1].user, "bob");
    assert_string_equal(d.v[1].comment, "declined at clinic");
    assert_int_equal(d.v[1].nfacts, 2);
    assert_string_equal(d.v[1].facts[1], "surgery = none");
    /* a fired_by that is not a JSON array of strings gives no facts */
    assert_int_equal(store_decs_add(&d, "FU-X", RULESET_VERSION, "accept", NULL, NULL,
                                    "not json", "ann", "2026-01-01T10:00:00Z"), 0);
    assert_int_equal(d.v[2].nfacts, 0);
    store_decs_free(&d);
    assert_int_equal(d.n, 0);
    assert_null(d.v);
}

static void test_facts_json(void **s)
{
    (void)s;
    rule_rec r;
    rec(&r, "TX-SURGERY", RL_CRITICAL, "resectable = yes", "surgery = \"none\"");
    char *j = store_facts_json(&r);
    assert_non_null(j);
    assert_string_equal(j, "[\"resectable = yes\",\"surgery = \\\"none\\\"\"]");
    /* and back: the facts a decision was made on */
    store_decs d = { 0 };
    assert_int_equal(store_decs_add(&d, "TX-SURGERY", RULESET_VERSION, "accept", NULL, NULL, j,
                                    "ann", "t"), 0);
    assert_int_equal(d.v[0].nfacts, 2);
    assert_string_equal(d.v[0].facts[1], "surgery = \"none\"");
    store_decs_free(&d);
    free(j);
}

/* ---- a case's state ----------------------------------------------------------------- */

static void test_state(void **s)
{
    (void)s;
    rules_result res;
    two_recs(&res);
    store_decs d = { 0 };
    char ids[200];
    /* nothing decided: undecided, naming both rules that need a decision
     * and not the info-level one */
    assert_int_equal(store_decs_state(&res, &d, ids, sizeof ids), DSTATE_UNDECIDED);
    assert_non_null(strstr(ids, "TX-SURGERY"));
    assert_non_null(strstr(ids, "DX-MDT"));
    assert_null(strstr(ids, "RISK-PATHOLOGY"));
    /* one decided on the facts it fires on now: the other still needed */
    store_decs_add(&d, "DX-MDT", RULESET_VERSION, "accept", NULL, NULL, "[\"site = lung\"]",
                   "ann", "t");
    assert_int_equal(store_decs_state(&res, &d, ids, sizeof ids), DSTATE_UNDECIDED);
    assert_null(strstr(ids, "DX-MDT"));
    /* both: decided */
    store_decs_add(&d, "TX-SURGERY", RULESET_VERSION, "accept", NULL, NULL,
                   "[\"resectable = yes\",\"surgery = none\"]", "ann", "t");
    assert_int_equal(store_decs_state(&res, &d, NULL, 0), DSTATE_DECIDED);
    store_decs_free(&d);
    /* a decision made under another rule set is stale */
    store_decs_add(&d, "DX-MDT", RULESET_VERSION, "accept", NULL, NULL, "[\"site = lung\"]",
                   "ann", "t");
    store_decs_add(&d, "TX-SURGERY", "imt-consensus-2024.0", "accept", NULL, NULL,
                   "[\"resectable = yes\",\"surgery = none\"]", "ann", "t");
    assert_int_equal(store_decs_state(&res, &d, ids, sizeof ids), DSTATE_STALE);
    assert_non_null(strstr(ids, "TX-SURGERY (stale)"));
    store_decs_free(&d);
    /* ... and so is one whose facts changed since */
    store_decs_add(&d, "DX-MDT", RULESET_VERSION, "accept", NULL, NULL, "[\"site = cns\"]",
                   "ann", "t");
    store_decs_add(&d, "TX-SURGERY", RULESET_VERSION, "accept", NULL, NULL,
                   "[\"resectable = yes\",\"surgery = none\"]", "ann", "t");
    assert_int_equal(store_decs_state(&res, &d, ids, sizeof ids), DSTATE_STALE);
    assert_non_null(strstr(ids, "DX-MDT (stale)"));
    store_decs_free(&d);
}

static void test_display(void **s)
{
    (void)s;
    rules_result res;
    two_recs(&res);
    store_decs d = { 0 };
    store_decs_add(&d, "DX-MDT", RULESET_VERSION, "override", "already-done", "MDT 3 May",
                   "[\"site = lung\"]", "ann", "2026-01-01T10:00:00Z");
    store_decs_add(&d, "TX-OLD", RULESET_VERSION, "accept", NULL, NULL, "[\"x = 1\"]", "ann",
                   "2026-01-01T10:00:00Z");
    store_decs_add(&d, "TX-SURGERY", "imt-consensus-2024.0", "accept", NULL, NULL,
                   "[\"resectable = yes\",\"surgery = none\"]", "bob", "2026-01-02T10:00:00Z");
    store_decision *v;
    int n;
    assert_int_equal(store_decs_display(&res, &d, &v, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].rule_id, "DX-MDT");
    assert_true(v[0].fires);
    assert_false(v[0].stale);
    assert_int_equal(v[0].reason, OVR_ALREADY_DONE);
    assert_string_equal(v[0].comment, "MDT 3 May");
    /* a rule that no longer fires: shown, not stale, saying so */
    assert_false(v[1].fires);
    assert_false(v[1].stale);
    assert_non_null(strstr(v[1].why, "does not fire"));
    /* stale, and why names the rule set it was made under */
    assert_true(v[2].fires);
    assert_true(v[2].stale);
    assert_non_null(strstr(v[2].why, "imt-consensus-2024.0"));
    assert_string_equal(v[2].user, "bob");
    assert_int_equal(v[2].nfacts, 2);
    store_decisions_free(v, n);
    store_decs_free(&d);
    /* no decisions: none given */
    assert_int_equal(store_decs_display(&res, &d, &v, &n), 0);
    assert_int_equal(n, 0);
    assert_null(v);
}

/* ---- the words ------------------------------------------------------------------------- */

static void test_decision_text(void **s)
{
    (void)s;
    char b[80];
    store_decision_text(DECISION_ACCEPT, -1, b, sizeof b);
    assert_string_equal(b, "accept");
    store_decision_text(DECISION_OVERRIDE, OVR_EVIDENCE_DISAGREES, b, sizeof b);
    assert_string_equal(b, "override: evidence-disagrees");
}

static void test_decide_target(void **s)
{
    (void)s;
    rules_result res;
    two_recs(&res);
    char msg[300];
    const rule_rec *r = store_decide_target(&res, "C-1", "TX-SURGERY", msg, sizeof msg);
    assert_non_null(r);
    assert_string_equal(r->id, "TX-SURGERY");
    /* info needs no decision */
    assert_null(store_decide_target(&res, "C-1", "RISK-PATHOLOGY", msg, sizeof msg));
    assert_non_null(strstr(msg, "info-level"));
    /* a rule of the rule set that does not fire for the case now */
    const char *other = NULL;
    for (int i = 0; i < rules_card_count() && !other; i++)
        if (!review_find_rec(&res, rules_card(i)->id))
            other = rules_card(i)->id;
    assert_non_null(other);
    assert_null(store_decide_target(&res, "C-1", other, msg, sizeof msg));
    assert_non_null(strstr(msg, "does not fire for case 'C-1' now"));
    /* no such rule */
    assert_null(store_decide_target(&res, "C-1", "NO-SUCH-RULE", msg, sizeof msg));
    assert_non_null(strstr(msg, "there is no rule 'NO-SUCH-RULE'"));
}

static void test_review_check(void **s)
{
    (void)s;
    imt_case c;
    imt_case_init(&c);
    c.case_id = strdup("C-1");
    c.reviewer = strdup("ann");
    c.signer_name = strdup("Ann Smith");
    c.reviewed_at = strdup("2026-01-02T09:00:00Z");
    c.review_status = REV_SIGNED_OUT;
    char msg[900];
    /* locked: signing again names who and when */
    assert_int_equal(store_review_check(&c, REV_SIGNED_OUT, true, DSTATE_DECIDED, "", msg,
                                        sizeof msg), -1);
    assert_non_null(strstr(msg, "signed out by ann (Ann Smith) at 2026-01-02T09:00:00Z"));
    /* leaving needs a reason */
    assert_int_equal(store_review_check(&c, REV_IN_REVIEW, false, DSTATE_DECIDED, "", msg,
                                        sizeof msg), -1);
    assert_non_null(strstr(msg, "needs a reason"));
    assert_int_equal(store_review_check(&c, REV_IN_REVIEW, true, DSTATE_DECIDED, "", msg,
                                        sizeof msg), 0);
    /* signing out with rules undecided names them */
    c.review_status = REV_IN_REVIEW;
    assert_int_equal(store_review_check(&c, REV_SIGNED_OUT, false, DSTATE_STALE,
                                        "TX-SURGERY (stale)", msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "cannot be signed out"));
    assert_non_null(strstr(msg, "TX-SURGERY (stale)"));
    assert_int_equal(store_review_check(&c, REV_SIGNED_OUT, false, DSTATE_DECIDED, "", msg,
                                        sizeof msg), 0);
    /* any change of a signed-out case */
    c.review_status = REV_SIGNED_OUT;
    store_signed_msg(&c, "it cannot be changed", msg, sizeof msg);
    assert_non_null(strstr(msg, "case 'C-1' is signed out by ann (Ann Smith)"));
    assert_non_null(strstr(msg, "it cannot be changed"));
    assert_non_null(strstr(msg, "--reason"));
    imt_case_clear(&c);
}

static void test_review_comment(void **s)
{
    (void)s;
    char *t = store_review_comment(true, "new FISH", "see report");
    assert_string_equal(t, "reason: new FISH; comment: see report");
    free(t);
    t = store_review_comment(true, "new FISH", NULL);
    assert_string_equal(t, "new FISH");
    free(t);
    t = store_review_comment(false, NULL, "agreed");
    assert_string_equal(t, "agreed");
    free(t);
    t = store_review_comment(false, NULL, NULL);
    assert_string_equal(t, "");
    free(t);
}

/* ---- the plans both engines write ---------------------------------------------------- */

static void test_decide_plan(void **s)
{
    (void)s;
    rules_result res;
    two_recs(&res);
    imt_case c;
    imt_case_init(&c);
    c.case_id = strdup("C-1");
    c.review_status = REV_IN_REVIEW;
    store_decs d = { 0 };
    store_decs_add(&d, "TX-SURGERY", RULESET_VERSION, "accept", NULL, NULL, "[]", "ann", "t");
    char msg[600];
    store_decide_req rq = { "C-1", "TX-SURGERY", DECISION_OVERRIDE, OVR_CONTRAINDICATED,
                            "heart failure" };
    assert_int_equal(store_decide_check(&rq, msg, sizeof msg), STORE_OK);
    store_decide_plan p;
    assert_int_equal(store_decide_plan_make(&c, &res, &d, &rq, &p, msg, sizeof msg), STORE_OK);
    assert_string_equal(p.rule->id, "TX-SURGERY");
    assert_string_equal(p.fired, "[\"resectable = yes\",\"surgery = none\"]");
    assert_string_equal(p.reason, "contraindicated");
    /* the audit row: what it was, what it is, the rule and its facts */
    assert_string_equal(p.audit.field, "decision");
    assert_string_equal(p.audit.oldv, "accept");
    assert_string_equal(p.audit.newv, "override: contraindicated");
    assert_string_equal(p.audit.comment, "heart failure");
    assert_string_equal(p.audit.rule_id, "TX-SURGERY");
    assert_string_equal(p.audit.fired_by, p.fired);
    store_decide_result r;
    memset(&r, 0, sizeof r);
    store_decide_result_fill(&p, "2026-01-01T10:00:00Z", "ann", 7, &r);
    assert_int_equal(r.version, 7);
    assert_int_equal(r.nfacts, 2);
    assert_string_equal(r.user, "ann");
    store_decide_plan_clear(&p);
    /* a decision on a signed-out case is refused before anything else */
    c.review_status = REV_SIGNED_OUT;
    c.reviewer = strdup("bob");
    assert_int_equal(store_decide_plan_make(&c, &res, &d, &rq, &p, msg, sizeof msg),
                     STORE_REFUSED);
    assert_non_null(strstr(msg, "signed out by bob"));
    assert_null(p.fired);
    /* asked for wrongly: refused before the case is read */
    store_decide_req none = { "C-1", "", DECISION_ACCEPT, -1, NULL };
    assert_int_equal(store_decide_check(&none, msg, sizeof msg), STORE_REFUSED);
    store_decide_req other = { "C-1", "TX-SURGERY", DECISION_OVERRIDE, OVR_OTHER, NULL };
    assert_int_equal(store_decide_check(&other, msg, sizeof msg), STORE_REFUSED);
    store_decide_req nocase = { "", "TX-SURGERY", DECISION_ACCEPT, -1, NULL };
    assert_int_equal(store_decide_check(&nocase, msg, sizeof msg), STORE_NOTFOUND);
    store_decs_free(&d);
    imt_case_clear(&c);
}

static void test_review_plan(void **s)
{
    (void)s;
    imt_case c;
    imt_case_init(&c);
    c.case_id = strdup("C-1");
    c.review_status = REV_IN_REVIEW;
    c.reviewer = strdup("ann");
    c.reviewed_at = strdup("2026-01-01T10:00:00Z");
    c.review_comment = strdup("earlier");
    char msg[900];
    const char *now = "2026-01-02T09:00:00Z";
    /* bob signs out: the signature (with his full name), reviewer and time */
    store_review_req rq = { "C-1", REV_SIGNED_OUT, "agreed at MDT", NULL, RULESET_VERSION };
    store_review_plan p;
    assert_int_equal(store_review_plan_make(&c, &rq, DSTATE_DECIDED, "", "bob", now,
                                            "Bob Brown", &p, msg, sizeof msg), STORE_OK);
    assert_false(p.reopen);
    assert_string_equal(p.who, "bob");
    assert_string_equal(p.signer, "Bob Brown");
    assert_string_equal(p.kept, "agreed at MDT");
    assert_int_equal(p.naudit, 3);
    assert_string_equal(p.audit[0].field, "review_status");
    assert_string_equal(p.audit[0].oldv, "in_review");
    assert_string_equal(p.audit[0].newv, "signed_out");
    assert_string_equal(p.audit[0].full_name, "Bob Brown");
    assert_string_equal(p.audit[0].source, "review");
    assert_string_equal(p.audit[1].field, "reviewer");
    assert_string_equal(p.audit[2].field, "reviewed_at");
    store_review_result r;
    memset(&r, 0, sizeof r);
    c.version = 4;
    store_review_result_fill(&p, &c, now, &r);
    assert_int_equal(r.version, 5);
    assert_string_equal(r.full_name, "Bob Brown");
    store_review_plan_clear(&p);
    /* undecided: refused, nothing planned */
    assert_int_equal(store_review_plan_make(&c, &rq, DSTATE_UNDECIDED, "DX-MDT", "bob", now,
                                            NULL, &p, msg, sizeof msg), STORE_REFUSED);
    assert_non_null(strstr(msg, "DX-MDT"));
    assert_int_equal(p.naudit, 0);
    /* the same reviewer again, no comment: one row, the comment kept */
    store_review_req again = { "C-1", REV_IN_REVIEW, NULL, NULL, RULESET_VERSION };
    free(c.reviewed_at);
    c.reviewed_at = strdup(now);
    assert_int_equal(store_review_plan_make(&c, &again, DSTATE_UNDECIDED, "", "ann", now, NULL,
                                            &p, msg, sizeof msg), STORE_OK);
    assert_int_equal(p.naudit, 1);
    assert_string_equal(p.kept, "earlier");
    assert_null(p.audit[0].comment);
    store_review_plan_clear(&p);
    /* re-opening: source re-open, reason and comment both kept */
    c.review_status = REV_SIGNED_OUT;
    store_review_req reopen = { "C-1", REV_UNREVIEWED, "typo", "new FISH", RULESET_VERSION };
    assert_int_equal(store_review_plan_make(&c, &reopen, DSTATE_DECIDED, "", "ann", now, NULL,
                                            &p, msg, sizeof msg), STORE_OK);
    assert_true(p.reopen);
    assert_null(p.who);
    assert_null(p.when);
    assert_string_equal(p.audit[0].source, "re-open");
    assert_string_equal(p.audit[0].comment, "reason: new FISH; comment: typo");
    store_review_plan_clear(&p);
    imt_case_clear(&c);
}

/* --decision: undecided is "no current decision", which a stale one is */
static void test_filter_states(void **s)
{
    (void)s;
    bool st[DSTATE_N];
    store_decision_states(1u << FDEC_UNDECIDED, st);
    assert_true(st[DSTATE_UNDECIDED] && st[DSTATE_STALE] && !st[DSTATE_DECIDED]);
    store_decision_states(1u << FDEC_STALE, st);
    assert_true(!st[DSTATE_UNDECIDED] && st[DSTATE_STALE] && !st[DSTATE_DECIDED]);
    store_decision_states(1u << FDEC_DECIDED, st);
    assert_true(!st[DSTATE_UNDECIDED] && !st[DSTATE_STALE] && st[DSTATE_DECIDED]);
    store_decision_states(0, st);
    assert_true(!st[DSTATE_UNDECIDED] && !st[DSTATE_STALE] && !st[DSTATE_DECIDED]);
}

/* ---- an edit (store_edit_plan) ----------------------------------------------------
 * Issue 10: a save of a field someone else changed since the session read
 * it is refused showing their value and yours, unless applied on purpose
 * (then audited as a deliberate overwrite); other fields merge; with
 * --expect-version a case changed since is refused naming the version and
 * who changed it; derived and review fields are not edited. */

static int lc_calls;
static int fake_last_change(void *ctx, const char *field, char *user, size_t un, char *time,
                            size_t tn)
{
    (void)ctx;
    lc_calls++;
    snprintf(user, un, "%s", strcmp(field, "size_cm") == 0 ? "bob" : "carol");
    snprintf(time, tn, "2026-12-01T10:00:00Z");
    return STORE_OK;
}

static void edit_case(imt_case *c, const char *size)
{
    imt_case_init(c);
    char err[200];
    assert_int_equal(imt_field_parse(c, IMT_F_case_id, "IMT-1", err, sizeof err), 0);
    assert_int_equal(imt_field_parse(c, IMT_F_site, "lung", err, sizeof err), 0);
    assert_int_equal(imt_field_parse(c, IMT_F_size_cm, size, err, sizeof err), 0);
}

static void test_edit_plan(void **s)
{
    (void)s;
    imt_case read, stored, mine, nw;
    edit_case(&read, "4.5");      /* what the session read */
    edit_case(&stored, "6");      /* bob changed the size since */
    stored.version = 3;
    edit_case(&mine, "5");        /* what the session saves */
    char err[200];
    assert_int_equal(imt_field_parse(&mine, IMT_F_age_years, "40", err, sizeof err), 0);
    int fields[] = { IMT_F_size_cm, IMT_F_age_years };
    store_edit_req rq = { .values = &mine, .fields = fields, .nf = 2, .base = &read };
    store_edit_result res;
    memset(&res, 0, sizeof res);
    res.conflict_field = -1;
    char *fsrc[IMT_F_COUNT] = { 0 }, *fcom[IMT_F_COUNT] = { 0 };
    char msg[800];

    /* their change of size_cm: refused, both values named */
    assert_int_equal(imt_case_copy(&nw, &stored), 0);
    assert_int_equal(store_edit_plan(&stored, "IMT-1", &rq, fake_last_change, NULL, &res, &nw,
                                     fsrc, fcom, msg, sizeof msg), STORE_CONFLICT);
    assert_int_equal(res.conflict_field, IMT_F_size_cm);
    assert_string_equal(res.field_user, "bob");
    assert_non_null(strstr(msg, "size_cm was changed by bob"));
    assert_non_null(strstr(msg, "now '6'"));
    assert_non_null(strstr(msg, "you read '4.5'"));
    assert_non_null(strstr(msg, "yours '5'"));
    imt_case_clear(&nw);

    /* applied on purpose: saved, marked as an overwrite of bob's change */
    int over[] = { IMT_F_size_cm };
    rq.overwrite = over;
    rq.noverwrite = 1;
    assert_int_equal(imt_case_copy(&nw, &stored), 0);
    assert_int_equal(store_edit_plan(&stored, "IMT-1", &rq, fake_last_change, NULL, &res, &nw,
                                     fsrc, fcom, msg, sizeof msg), STORE_OK);
    assert_string_equal(fsrc[IMT_F_size_cm], "overwrite");
    assert_non_null(strstr(fcom[IMT_F_size_cm], "deliberate overwrite of bob's change"));
    assert_non_null(strstr(fcom[IMT_F_size_cm], "(it was '6')"));
    assert_null(fsrc[IMT_F_age_years]);          /* nobody else changed the age */
    assert_true(nw.size_cm.known && nw.size_cm.v > 4.99 && nw.size_cm.v < 5.01);
    assert_true(nw.age_years.known && nw.age_years.v == 40);
    for (int f = 0; f < IMT_F_COUNT; f++) {
        free(fsrc[f]);
        free(fcom[f]);
        fsrc[f] = fcom[f] = NULL;
    }
    imt_case_clear(&nw);

    /* --expect-version of an older version: refused naming the current one */
    rq.expect_version = 2;
    snprintf(res.last_user, sizeof res.last_user, "bob");
    assert_int_equal(imt_case_copy(&nw, &stored), 0);
    assert_int_equal(store_edit_plan(&stored, "IMT-1", &rq, fake_last_change, NULL, &res, &nw,
                                     fsrc, fcom, msg, sizeof msg), STORE_CONFLICT);
    assert_non_null(strstr(msg, "is at version 3, not 2: changed by bob"));
    imt_case_clear(&nw);

    /* a derived field and a review field are not edited */
    rq.expect_version = 0;
    int derived[] = { IMT_F_alk_status };
    rq.fields = derived;
    rq.nf = 1;
    assert_int_equal(imt_case_copy(&nw, &stored), 0);
    assert_int_equal(store_edit_plan(&stored, "IMT-1", &rq, fake_last_change, NULL, &res, &nw,
                                     fsrc, fcom, msg, sizeof msg), STORE_REFUSED);
    assert_string_equal(msg, "alk_status cannot be edited");
    imt_case_clear(&nw);
    int review[] = { IMT_F_review_status };
    rq.fields = review;
    assert_int_equal(imt_case_copy(&nw, &stored), 0);
    assert_int_equal(store_edit_plan(&stored, "IMT-1", &rq, fake_last_change, NULL, &res, &nw,
                                     fsrc, fcom, msg, sizeof msg), STORE_REFUSED);
    assert_non_null(strstr(msg, "review_status is set by a review"));
    imt_case_clear(&nw);
    imt_case_clear(&read);
    imt_case_clear(&stored);
    imt_case_clear(&mine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_latest_per_rule),
        cmocka_unit_test(test_facts_json),
        cmocka_unit_test(test_state),
        cmocka_unit_test(test_display),
        cmocka_unit_test(test_decision_text),
        cmocka_unit_test(test_decide_target),
        cmocka_unit_test(test_review_check),
        cmocka_unit_test(test_review_comment),
        cmocka_unit_test(test_decide_plan),
        cmocka_unit_test(test_review_plan),
        cmocka_unit_test(test_filter_states),
        cmocka_unit_test(test_edit_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
