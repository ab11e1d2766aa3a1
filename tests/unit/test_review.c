/* Unit tests for core/review.c: the review states and the moves between
 * them, decisions (accept / override with a reason), when a decision goes
 * stale, and a case's decision state.
 *
 * Expected values come from issue 10 as written: a signed-out case is
 * locked and leaving it needs a reason; signing out needs every
 * recommendation whose level is not info decided; override needs a reason
 * from the fixed list and `other` a comment; a decision goes stale when
 * the rule set's version changes or the facts that fired it change, and a
 * stale decision counts as undecided.  Recommendations are built here by
 * hand (rule_rec records), not taken from the rules module. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/review.h"

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

/* ---- the state machine ---------------------------------------------------- */

static void test_transitions(void **s)
{
    (void)s;
    char why[300];
    /* from unreviewed and in_review: any state, except signing out while
     * a recommendation is undecided */
    for (int from = REV_UNREVIEWED; from <= REV_IN_REVIEW; from++) {
        assert_int_equal(review_transition(from, REV_UNREVIEWED, false, true, why, sizeof why), 0);
        assert_int_equal(review_transition(from, REV_IN_REVIEW, false, true, why, sizeof why), 0);
        assert_int_equal(review_transition(from, REV_SIGNED_OUT, false, false, why, sizeof why), 0);
        assert_int_equal(review_transition(from, REV_SIGNED_OUT, false, true, why, sizeof why), -1);
        assert_non_null(strstr(why, "not decided"));
        /* a reason does not stand in for decisions */
        assert_int_equal(review_transition(from, REV_SIGNED_OUT, true, true, why, sizeof why), -1);
    }
    /* signed out: locked; leaving needs a reason; signing again never */
    assert_int_equal(review_transition(REV_SIGNED_OUT, REV_IN_REVIEW, false, false, why,
                                       sizeof why), -1);
    assert_non_null(strstr(why, "reason"));
    assert_int_equal(review_transition(REV_SIGNED_OUT, REV_UNREVIEWED, false, false, why,
                                       sizeof why), -1);
    assert_int_equal(review_transition(REV_SIGNED_OUT, REV_IN_REVIEW, true, true, why,
                                       sizeof why), 0);
    assert_int_equal(review_transition(REV_SIGNED_OUT, REV_UNREVIEWED, true, false, why,
                                       sizeof why), 0);
    assert_int_equal(review_transition(REV_SIGNED_OUT, REV_SIGNED_OUT, true, false, why,
                                       sizeof why), -1);
    assert_non_null(strstr(why, "locked"));
    /* no such state */
    assert_int_equal(review_transition(REV_UNREVIEWED, REV_N, true, false, why, sizeof why), -1);
    assert_int_equal(review_transition(REV_UNREVIEWED, -1, true, false, why, sizeof why), -1);
}

/* ---- decisions as asked for ---------------------------------------------------- */

static void test_check_decision(void **s)
{
    (void)s;
    char why[300];
    assert_int_equal(review_check_decision(DECISION_ACCEPT, -1, NULL, why, sizeof why), 0);
    assert_int_equal(review_check_decision(DECISION_ACCEPT, -1, "fine", why, sizeof why), 0);
    assert_int_equal(review_check_decision(DECISION_ACCEPT, OVR_CONTRAINDICATED, NULL, why,
                                           sizeof why), -1);
    /* every reason of the list but other stands alone */
    for (int r = 0; r < OVR_N; r++)
        assert_int_equal(review_check_decision(DECISION_OVERRIDE, r, NULL, why, sizeof why),
                         r == OVR_OTHER ? -1 : 0);
    assert_non_null(strstr(why, "other"));
    assert_int_equal(review_check_decision(DECISION_OVERRIDE, OVR_OTHER, "", why, sizeof why),
                     -1);
    assert_int_equal(review_check_decision(DECISION_OVERRIDE, OVR_OTHER, "tumour board said no",
                                           why, sizeof why), 0);
    assert_int_equal(review_check_decision(DECISION_OVERRIDE, -1, "x", why, sizeof why), -1);
    assert_int_equal(review_check_decision(DECISION_OVERRIDE, OVR_N, "x", why, sizeof why), -1);
    assert_int_equal(review_check_decision(DECISION_N, -1, "x", why, sizeof why), -1);
}

static void test_names(void **s)
{
    (void)s;
    /* the spellings issue 10 fixes for the command line and the JSON */
    static const char *const want[] = { "contraindicated", "patient-declined", "already-done",
                                        "not-applicable", "evidence-disagrees", "other" };
    for (int i = 0; i < OVR_N; i++)
        assert_string_equal(review_reason_values[i], want[i]);
    assert_null(review_reason_values[OVR_N]);
    assert_string_equal(review_decision_values[DECISION_ACCEPT], "accept");
    assert_string_equal(review_decision_values[DECISION_OVERRIDE], "override");
    assert_string_equal(review_dstate_names[DSTATE_DECIDED], "decided");
    assert_string_equal(review_dstate_names[DSTATE_UNDECIDED], "undecided");
    assert_string_equal(review_dstate_names[DSTATE_STALE], "stale");
}

/* ---- staleness ----------------------------------------------------------------- */

static void test_staleness(void **s)
{
    (void)s;
    rule_rec r;
    rec(&r, "TX-SURGERY", RL_SUGGESTION, "resectable = yes", "surgery = none");
    const char *same[] = { "surgery = none", "resectable = yes" };   /* another order */
    review_prior p = { "TX-SURGERY", "rs-1", same, 2 };
    char why[200];
    assert_true(review_decision_current(&p, &r, "rs-1", why, sizeof why));
    /* the rule set changed */
    assert_false(review_decision_current(&p, &r, "rs-2", why, sizeof why));
    assert_non_null(strstr(why, "rs-1"));
    /* a fact changed */
    const char *moved[] = { "resectable = yes", "surgery = biopsy" };
    review_prior q = { "TX-SURGERY", "rs-1", moved, 2 };
    assert_false(review_decision_current(&q, &r, "rs-1", why, sizeof why));
    assert_non_null(strstr(why, "surgery = none"));
    /* a fact more, a fact fewer */
    const char *one[] = { "resectable = yes" };
    review_prior o = { "TX-SURGERY", "rs-1", one, 1 };
    assert_false(review_decision_current(&o, &r, "rs-1", why, sizeof why));
    const char *three[] = { "resectable = yes", "surgery = none", "size_cm = 7" };
    review_prior t3 = { "TX-SURGERY", "rs-1", three, 3 };
    assert_false(review_decision_current(&t3, &r, "rs-1", why, sizeof why));
    assert_non_null(strstr(why, "size_cm = 7"));
    /* no record of the facts (unreadable): stale, never current */
    review_prior none = { "TX-SURGERY", "rs-1", NULL, 0 };
    assert_false(review_decision_current(&none, &r, "rs-1", why, sizeof why));
    /* taking the case into review is not a clinical fact: DX-MDT's
     * review_status fact may change without making its decision stale */
    rule_rec m;
    rec(&m, "DX-MDT", RL_SUGGESTION, "review_status = in_review", "site = lung");
    const char *then[] = { "review_status = unreviewed", "site = lung" };
    review_prior pm = { "DX-MDT", "rs-1", then, 2 };
    assert_true(review_decision_current(&pm, &m, "rs-1", why, sizeof why));
    const char *moved_site[] = { "review_status = in_review", "site = cns" };
    review_prior pm2 = { "DX-MDT", "rs-1", moved_site, 2 };
    assert_false(review_decision_current(&pm2, &m, "rs-1", why, sizeof why));
}

/* ---- a case's state --------------------------------------------------------------- */

static void test_case_state(void **s)
{
    (void)s;
    static rules_result res;
    memset(&res, 0, sizeof res);
    rec(&res.recs[0], "TX-A", RL_WARNING, "a = 1", NULL);
    rec(&res.recs[1], "TX-B", RL_SUGGESTION, "b = 1", NULL);
    rec(&res.recs[2], "INFO-C", RL_INFO, "c = 1", NULL);
    res.n = 3;
    char ids[200];
    /* nothing decided: the two non-info ones are listed, info is not */
    assert_int_equal(review_case_state(&res, NULL, 0, "rs", ids, sizeof ids), DSTATE_UNDECIDED);
    assert_non_null(strstr(ids, "TX-A"));
    assert_non_null(strstr(ids, "TX-B"));
    assert_null(strstr(ids, "INFO-C"));
    const char *fa[] = { "a = 1" }, *fb[] = { "b = 1" }, *fb2[] = { "b = 2" };
    review_prior d[3] = {
        { "TX-A", "rs", fa, 1 },
        { "TX-B", "rs", fb, 1 },
    };
    /* one decided */
    assert_int_equal(review_case_state(&res, d, 1, "rs", ids, sizeof ids), DSTATE_UNDECIDED);
    assert_null(strstr(ids, "TX-A"));
    assert_non_null(strstr(ids, "TX-B"));
    /* both: decided (info needs none) */
    assert_int_equal(review_case_state(&res, d, 2, "rs", ids, sizeof ids), DSTATE_DECIDED);
    assert_string_equal(ids, "");
    /* a decision on a rule that does not fire changes nothing */
    d[2] = (review_prior){ "TX-GONE", "rs", fa, 1 };
    assert_int_equal(review_case_state(&res, d, 3, "rs", ids, sizeof ids), DSTATE_DECIDED);
    /* TX-B's facts changed: stale, listed as such, and it is not decided */
    d[1].facts = fb2;
    assert_int_equal(review_case_state(&res, d, 2, "rs", ids, sizeof ids), DSTATE_STALE);
    assert_non_null(strstr(ids, "TX-B (stale)"));
    /* another rule set: every decision stale */
    d[1].facts = fb;
    assert_int_equal(review_case_state(&res, d, 2, "rs-new", ids, sizeof ids), DSTATE_STALE);
    assert_non_null(strstr(ids, "TX-A (stale)"));
    /* no recommendation that needs a decision: decided */
    res.n = 0;
    rec(&res.recs[0], "INFO-C", RL_INFO, "c = 1", NULL);
    res.n = 1;
    assert_int_equal(review_case_state(&res, NULL, 0, "rs", NULL, 0), DSTATE_DECIDED);
    /* the id list is cut, never overrun */
    static rules_result many;
    memset(&many, 0, sizeof many);
    for (int i = 0; i < 20; i++)
        rec(&many.recs[many.n++], "TX-SOME-LONG-RULE-ID", RL_SUGGESTION, "x = 1", NULL);
    char small[24];
    memset(small, 'Z', sizeof small);
    assert_int_equal(review_case_state(&many, NULL, 0, "rs", small, sizeof small),
                     DSTATE_UNDECIDED);
    assert_true(memchr(small, '\0', sizeof small) != NULL);
}

static void test_find_rec(void **s)
{
    (void)s;
    static rules_result res;
    memset(&res, 0, sizeof res);
    rec(&res.recs[0], "TX-A", RL_WARNING, NULL, NULL);
    rec(&res.recs[1], "TX-B", RL_INFO, NULL, NULL);
    res.n = 2;
    assert_ptr_equal(review_find_rec(&res, "TX-B"), &res.recs[1]);
    assert_null(review_find_rec(&res, "TX-C"));
    assert_null(review_find_rec(&res, NULL));
    assert_true(review_needs_decision(&res.recs[0]));
    assert_false(review_needs_decision(&res.recs[1]));
    assert_false(review_needs_decision(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_check_decision),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_staleness),
        cmocka_unit_test(test_case_state),
        cmocka_unit_test(test_find_rec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
