/* test_stats.c - the statistics module against R.
 *
 * tests/fixtures/stats/reference.txt is written by make_reference.R with
 * R's survival package (survfit, summary.survfit, quantile.survfit,
 * survdiff) and stats (fisher.test, prop.test); this test recomputes every
 * number from the same CSV data sets and compares them all.
 *
 * Tolerance: |ours - R| <= 1e-9 + 1e-6 * |R|.  That is the 1e-6
 * as an absolute bound for probabilities (|R| <= 1) and a relative one
 * for large values (times, chi-square), while tiny p-values (1e-13) must
 * still agree in their leading digits.  NA in R must be NaN here and
 * vice versa.  Run from the repository root (make unit). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"

#define FIXDIR "tests/fixtures/stats/"

static double maxdiff;   /* largest |ours - R| seen, reported at the end */
static long ncompared;

static void cmp(double ours, double ref, const char *what, const char *ds)
{
    ncompared++;
    if (isnan(ref) || isnan(ours)) {
        if (isnan(ref) != isnan(ours))
            fail_msg("%s %s: ours %.17g, R %.17g", ds, what, ours, ref);
        return;
    }
    double d = fabs(ours - ref);
    if (d > maxdiff) maxdiff = d;
    if (d > 1e-9 + 1e-6 * fabs(ref))
        fail_msg("%s %s: ours %.17g, R %.17g (diff %.3g)", ds, what, ours, ref, d);
}

static double num(const char *s)
{
    return strcmp(s, "NA") == 0 ? NAN : strtod(s, NULL);
}

typedef struct {
    stats_obs *obs;
    size_t n;
    int ng;
    char names[16][32];
} dataset;

static void load(const char *name, dataset *d)
{
    char path[256], line[256];
    snprintf(path, sizeof path, FIXDIR "%s.csv", name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    memset(d, 0, sizeof *d);
    d->obs = malloc(4096 * sizeof *d->obs);
    assert_non_null(fgets(line, sizeof line, f));   /* header */
    while (fgets(line, sizeof line, f)) {
        char g[32];
        double t;
        int st;
        if (sscanf(line, "%lf,%d,%31[^\n\r]", &t, &st, g) != 3) continue;
        int gi = -1;
        for (int i = 0; i < d->ng; i++)
            if (strcmp(d->names[i], g) == 0) gi = i;
        if (gi < 0) { gi = d->ng++; strcpy(d->names[gi], g); }
        assert_true(d->n < 4096);
        d->obs[d->n++] = (stats_obs){ t, st, gi };
    }
    fclose(f);
}

/* Walk reference.txt, checking each data set's block. */
static void test_against_r(void **state)
{
    (void)state;
    FILE *f = fopen(FIXDIR "reference.txt", "r");
    assert_non_null(f);
    char line[1024], ds[64] = "";
    dataset d = { 0 };
    stats_km km[17];
    int nkm = 0;
    size_t kmrow[17];
    double obs[16], expv[16], chisq = NAN, p = NAN;
    int df = 0, lr = 1, datasets = 0;
    while (fgets(line, sizeof line, f)) {
        char *tok[16];
        int nt = 0;
        for (char *s = strtok(line, " \n"); s && nt < 16; s = strtok(NULL, " \n"))
            tok[nt++] = s;
        if (nt == 0) continue;
        if (strcmp(tok[0], "dataset") == 0) {
            snprintf(ds, sizeof ds, "%s", tok[1]);
            datasets++;
            nkm = 0;
            lr = 1;
            if (strcmp(ds, "fisher_tables") == 0) continue;
            load(ds, &d);
            /* km[0] = all cases, km[g+1] = group g */
            for (int g = -1; g < d.ng; g++) {
                assert_int_equal(stats_km_fit(d.obs, d.n, g, &km[g + 1]), 0);
                kmrow[g + 1] = 0;
            }
            nkm = d.ng + 1;
            lr = stats_logrank(d.obs, d.n, d.ng, obs, expv, &chisq, &df, &p);
        } else if (strcmp(tok[0], "n") == 0) {
            assert_int_equal((long)d.n, atol(tok[1]));
            if (d.n == 0) {
                stats_km e;
                assert_int_equal(stats_km_fit(d.obs, 0, -1, &e), 0);
                assert_int_equal(e.nrows, 0);
                assert_true(isnan(stats_km_median(&e)));
                assert_true(isnan(stats_km_at(&e, 12).surv));
            }
        } else if (strcmp(tok[0], "km") == 0) {
            int k = strcmp(tok[1], "all") == 0 ? 0 : atoi(tok[1]);
            assert_true(k < nkm);
            assert_true(kmrow[k] < km[k].nrows);
            const stats_km_row *r = &km[k].rows[kmrow[k]++];
            cmp(r->time, num(tok[2]), "km time", ds);
            assert_int_equal(r->n_risk, atol(tok[3]));
            assert_int_equal(r->n_event, atol(tok[4]));
            assert_int_equal(r->n_censor, atol(tok[5]));
            cmp(r->surv, num(tok[6]), "km surv", ds);
            cmp(r->se, num(tok[7]), "km se", ds);
            cmp(r->lower, num(tok[8]), "km lower", ds);
            cmp(r->upper, num(tok[9]), "km upper", ds);
        } else if (strcmp(tok[0], "at") == 0) {
            int k = strcmp(tok[1], "all") == 0 ? 0 : atoi(tok[1]);
            stats_at a = stats_km_at(&km[k], num(tok[2]));
            cmp(a.surv, num(tok[3]), "at surv", ds);
            cmp(a.lower, num(tok[4]), "at lower", ds);
            cmp(a.upper, num(tok[5]), "at upper", ds);
        } else if (strcmp(tok[0], "median") == 0) {
            int k = strcmp(tok[1], "all") == 0 ? 0 : atoi(tok[1]);
            cmp(stats_km_median(&km[k]), num(tok[2]), "median", ds);
        } else if (strcmp(tok[0], "logrank") == 0) {
            assert_int_equal(lr, 0);
            cmp(chisq, num(tok[1]), "chisq", ds);
            assert_int_equal(df, atoi(tok[2]));
            cmp(p, num(tok[3]), "logrank p", ds);
        } else if (strcmp(tok[0], "oe") == 0) {
            int g = atoi(tok[1]) - 1;
            cmp(obs[g], num(tok[2]), "observed", ds);
            cmp(expv[g], num(tok[3]), "expected", ds);
        } else if (strcmp(tok[0], "fisher") == 0) {
            double pf = stats_fisher_2x2(atol(tok[1]), atol(tok[2]), atol(tok[3]), atol(tok[4]));
            cmp(pf, num(tok[5]), "fisher p", ds);
        } else if (strcmp(tok[0], "wilson") == 0) {
            double lo, hi;
            stats_wilson((long)num(tok[1]), (long)num(tok[2]), &lo, &hi);
            cmp(lo, num(tok[3]), "wilson lower", ds);
            cmp(hi, num(tok[4]), "wilson upper", ds);
        } else if (strcmp(tok[0], "end") == 0) {
            for (int k = 0; k < nkm; k++) {
                if (kmrow[k] != km[k].nrows)
                    fail_msg("%s km %d: %zu rows, R has %zu", ds, k, km[k].nrows, kmrow[k]);
                stats_km_free(&km[k]);
            }
            /* a data set without a logrank line has one group: no test */
            if (d.ng < 2) assert_int_equal(lr, 1);
            nkm = 0;
            free(d.obs);
            memset(&d, 0, sizeof d);
        }
    }
    fclose(f);
    assert_true(datasets >= 14);
    print_message("compared %ld numbers with R, max abs diff %.3g\n", ncompared, maxdiff);
}

/* Gehan (1965) 6-MP data: the textbook log-rank chi-square is 16.79
 * (Kalbfleisch & Prentice; R survdiff), so an independent anchor. */
static void test_gehan_textbook(void **state)
{
    (void)state;
    dataset d;
    load("gehan", &d);
    double o[2], e[2], chi, p;
    int df;
    assert_int_equal(stats_logrank(d.obs, d.n, 2, o, e, &chi, &df, &p), 0);
    assert_true(fabs(chi - 16.79) < 0.01);
    assert_int_equal(df, 1);
    assert_true(fabs(o[0] - 9) < 1e-12 && fabs(o[1] - 21) < 1e-12);
    assert_true(fabs(e[1] - 10.75) < 0.01);     /* textbook E = 10.75 */
    stats_km km;
    assert_int_equal(stats_km_fit(d.obs, d.n, 0, &km), 0);
    assert_true(fabs(stats_km_median(&km) - 23) < 1e-12);  /* 6-MP median 23 wk */
    stats_km_free(&km);
    free(d.obs);
}

/* Hand-computed median rules (quantile.survfit). */
static void test_median_rules(void **state)
{
    (void)state;
    stats_obs a[] = { { 1, 1, 0 }, { 2, 1, 0 }, { 3, 1, 0 }, { 4, 1, 0 } };
    stats_km km;
    stats_km_fit(a, 4, -1, &km);
    assert_true(fabs(stats_km_median(&km) - 2.5) < 1e-12);   /* S = .5 on [2,3) */
    stats_km_free(&km);
    a[2].status = a[3].status = 0;                            /* flat to the end */
    stats_km_fit(a, 4, -1, &km);
    assert_true(fabs(stats_km_median(&km) - 3.0) < 1e-12);   /* (2 + 4) / 2 */
    stats_km_free(&km);
    a[1].status = 0;                                          /* S = .75 */
    stats_km_fit(a, 4, -1, &km);
    assert_true(isnan(stats_km_median(&km)));
    stats_km_free(&km);
}

static imt_case mkcase(double fu, int outcome, int rec, double recm)
{
    imt_case c;
    memset(&c, 0, sizeof c);
    c.followup_months = (imt_num){ fu >= 0, fu };
    c.outcome = outcome;
    c.recurrence = rec;
    c.recurrence_months = (imt_num){ recm >= 0, recm };
    c.site = SITE_LUNG;
    c.alk_status = ALK_POSITIVE;
    c.sex = c.surgery = c.steroids = c.metastatic = IMT_UNKNOWN;
    return c;
}

/* data-dictionary.md "Survival endpoints", rule by rule. */
static void test_endpoints(void **state)
{
    (void)state;
    double t;
    int s;
    imt_case c = mkcase(30, OUT_DOC, 0, -1);
    assert_int_equal(stats_endpoint_obs(&c, EP_OS, &t, &s), 0);
    assert_int_equal(s, 1);
    assert_int_equal(stats_endpoint_obs(&c, EP_DSS, &t, &s), 0);
    assert_int_equal(s, 0);                       /* DOC censored for DSS */
    assert_int_equal(stats_endpoint_obs(&c, EP_RFS, &t, &s), 0);
    assert_int_equal(s, 1);
    assert_true(t == 30);
    c = mkcase(30, OUT_NED, 1, 12);
    assert_int_equal(stats_endpoint_obs(&c, EP_RFS, &t, &s), 0);
    assert_true(t == 12 && s == 1);               /* recurrence first */
    assert_int_equal(stats_endpoint_obs(&c, EP_OS, &t, &s), 0);
    assert_true(t == 30 && s == 0);
    c = mkcase(30, OUT_AWD, 1, -1);               /* recurrence, no time */
    assert_int_equal(stats_endpoint_obs(&c, EP_RFS, &t, &s), 1);
    assert_int_equal(stats_endpoint_obs(&c, EP_OS, &t, &s), 0);
    c = mkcase(-1, OUT_LOST, 0, -1);              /* no follow-up */
    for (int e = 0; e < EP_N; e++)
        assert_int_equal(stats_endpoint_obs(&c, e, &t, &s), 1);
    c = mkcase(5, IMT_UNKNOWN, IMT_UNKNOWN, -1);  /* unknown outcome: alive */
    assert_int_equal(stats_endpoint_obs(&c, EP_OS, &t, &s), 0);
    assert_true(s == 0 && t == 5);
}

static void test_groups(void **state)
{
    (void)state;
    const char *names[STATS_MAXG];
    assert_int_equal(stats_by_groups(BY_MARGIN, names), 4);
    assert_string_equal(names[1], "R1/R2");
    assert_string_equal(names[3], "unknown");
    assert_int_equal(stats_by_groups(BY_SITE, names), SITE_N + 1);
    assert_string_equal(names[0], "lung");
    imt_case c = mkcase(1, OUT_NED, 0, -1);
    c.surgery = SURG_R2;
    assert_int_equal(stats_group_of(&c, BY_MARGIN), 1);
    c.surgery = SURG_BIOPSY;
    assert_int_equal(stats_group_of(&c, BY_MARGIN), 2);
    c.surgery = IMT_UNKNOWN;
    assert_int_equal(stats_group_of(&c, BY_MARGIN), 3);
    c.age_years = (imt_num){ true, 17.9 };
    assert_int_equal(stats_group_of(&c, BY_AGE_GROUP), 0);
    c.age_years.v = 18;
    assert_int_equal(stats_group_of(&c, BY_AGE_GROUP), 1);
    c.age_years.known = false;
    assert_int_equal(stats_group_of(&c, BY_AGE_GROUP), 2);
    assert_int_equal(stats_by_parse("AGE_GROUP"), BY_AGE_GROUP);
    assert_int_equal(stats_by_parse("bogus"), -1);
    assert_int_equal(stats_endpoint_parse("rfs"), EP_RFS);
}

/* The report: exclusions, one group, empty groups skipped, warnings. */
static void test_report(void **state)
{
    (void)state;
    stats_cohort co;
    stats_report r;
    stats_cohort_init(&co, EP_OS, BY_ALK_STATUS);
    assert_int_equal(stats_report_compute(&co, &r), 0);   /* empty cohort */
    assert_int_equal(r.n, 0);
    assert_int_equal(r.km.nrows, 0);
    assert_true(isnan(r.median) && isnan(r.at[0].surv));
    assert_false(r.has_logrank);
    assert_true(r.nwarn >= 1);
    stats_report_free(&r);
    for (int i = 0; i < 6; i++) {
        imt_case c = mkcase(10 + i, i % 2 ? OUT_DOD : OUT_NED, 0, -1);
        stats_cohort_add(&co, &c);
    }
    imt_case lost = mkcase(-1, OUT_LOST, 0, -1);
    stats_cohort_add(&co, &lost);
    assert_int_equal(stats_report_compute(&co, &r), 0);
    assert_int_equal(r.n, 7);
    assert_int_equal(r.n_used, 6);
    assert_int_equal(r.n_excluded, 1);
    assert_int_equal(r.events, 3);
    assert_int_equal(r.ngroups, 1);                       /* only positive */
    assert_string_equal(r.groups[0].name, "positive");
    assert_false(r.has_logrank);
    assert_false(r.has_fisher);
    int found_one = 0, found_excl = 0;
    for (int i = 0; i < r.nwarn; i++) {
        if (strstr(r.warn[i], "only one group")) found_one = 1;
        if (strstr(r.warn[i], "excluded")) found_excl = 1;
    }
    assert_true(found_one && found_excl);
    stats_report_free(&r);
    /* Add a negative group: two groups -> log-rank and Fisher present. */
    for (int i = 0; i < 6; i++) {
        imt_case c = mkcase(3 + i, OUT_DOD, 0, -1);
        c.alk_status = ALK_NEGATIVE;
        stats_cohort_add(&co, &c);
    }
    assert_int_equal(stats_report_compute(&co, &r), 0);
    assert_int_equal(r.ngroups, 2);
    assert_true(r.has_logrank && r.has_fisher);
    assert_int_equal(r.table[0][0], 3);
    assert_int_equal(r.table[0][1], 3);
    assert_int_equal(r.table[1][0], 6);
    assert_int_equal(r.table[1][1], 0);
    /* fisher.test(matrix(c(3,3,6,0),2,byrow=TRUE))$p.value = 0.1818182 */
    assert_true(fabs(r.fisher_p - 0.18181818181818182) < 1e-9);
    stats_report_free(&r);
    stats_cohort_free(&co);
}

/* A missing grouping value ("unknown") is shown as a group but left out of
 * the tests, as R leaves NA out.  R (survival 3.5-3):
 *   t <- c(2,4,6,8,10, 1,3,5,7,9,11, 1.5,2.5,3.5)
 *   e <- c(1,1,0,1,0,  1,1,1,0,1,1,  1,1,1)
 *   g <- c(rep("R0",5), rep("R1/R2",6), NA,NA,NA)
 *   survdiff(Surv(t, e) ~ g): chisq 0.015121250664779743, O 3 5,
 *   E 3.1608946608946611 4.8391053391053394;
 *   fisher.test(matrix(c(3,2,5,1), 2, byrow = TRUE))$p.value
 *   = 0.54545454545454564 */
static void test_unknown_group_untested(void **state)
{
    (void)state;
    static const double t[] = { 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11, 1.5, 2.5, 3.5 };
    static const int e[] = { 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1 };
    stats_cohort co;
    stats_report r;
    stats_cohort_init(&co, EP_OS, BY_MARGIN);
    for (int i = 0; i < 14; i++) {
        imt_case c = mkcase(t[i], e[i] ? OUT_DOD : OUT_NED, 0, -1);
        c.surgery = i < 5 ? SURG_R0 : i < 8 ? SURG_R1 : i < 11 ? SURG_R2 : IMT_UNKNOWN;
        assert_int_equal(stats_cohort_add(&co, &c), 0);
    }
    assert_int_equal(stats_report_compute(&co, &r), 0);
    assert_int_equal(r.n_used, 14);
    assert_int_equal(r.ngroups, 3);
    assert_string_equal(r.groups[2].name, "unknown");
    assert_int_equal(r.groups[2].n, 3);
    assert_false(r.groups[2].tested);
    assert_true(isnan(r.groups[2].expected));
    assert_true(r.has_logrank);
    assert_int_equal(r.df, 1);
    assert_true(fabs(r.chisq - 0.015121250664779743) < 1e-9);
    assert_true(fabs(r.groups[0].expected - 3.1608946608946611) < 1e-9);
    assert_true(fabs(r.groups[1].expected - 4.8391053391053394) < 1e-9);
    assert_true(r.has_fisher);                 /* exactly two tested groups */
    assert_true(fabs(r.fisher_p - 0.54545454545454564) < 1e-9);
    int said = 0;
    for (int i = 0; i < r.nwarn; i++)
        if (strstr(r.warn[i], "left out of the log-rank")) said = 1;
    assert_true(said);
    stats_report_free(&r);
    stats_cohort_free(&co);
}

/* No grouping: a small cohort is warned about too. */
static void test_small_cohort_warns(void **state)
{
    (void)state;
    stats_cohort co;
    stats_report r;
    stats_cohort_init(&co, EP_OS, BY_NONE);
    imt_case c = mkcase(7.5, OUT_DOD, 0, -1);
    stats_cohort_add(&co, &c);
    assert_int_equal(stats_report_compute(&co, &r), 0);
    int said = 0;
    for (int i = 0; i < r.nwarn; i++)
        if (strstr(r.warn[i], "small cohort (1 case, 1 event)")) said = 1;
    assert_true(said);
    stats_report_free(&r);
    stats_cohort_free(&co);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_r),
        cmocka_unit_test(test_gehan_textbook),
        cmocka_unit_test(test_median_rules),
        cmocka_unit_test(test_endpoints),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_unknown_group_untested),
        cmocka_unit_test(test_small_cohort_warns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
