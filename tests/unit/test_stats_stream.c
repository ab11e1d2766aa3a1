/* test_stats_stream.c - the streaming accumulation of core/stats.h against R.
 *
 * Every data set of tests/fixtures/stats/ (written by make_datasets.R;
 * reference.txt by make_reference.R with R's survival package) is fed to
 * a stats_stream one observation at a time, in a shuffled order (the
 * stream must not depend on the order the store walks the cases in), and
 * each Kaplan-Meier row, landmark, median, log-rank statistic and O/E is
 * compared with R to 1e-9 (absolute for probabilities, relative for
 * larger numbers).  nearties.csv holds times 1e-12 and 1e-9 apart that
 * R's timefix (aeqSurv) joins: the stream must join them the same way.
 *
 * Also: the stream's results are bit-for-bit those of the array functions
 * (stats_km_fit, stats_logrank), and its memory is in distinct (time,
 * group) pairs, not in observations.  Run from the repository root. */
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

static long ncompared;
static double worst;

static void cmp(double ours, double ref, const char *what, const char *ds)
{
    ncompared++;
    if (isnan(ref) || isnan(ours)) {
        if (isnan(ref) != isnan(ours))
            fail_msg("%s %s: ours %.17g, R %.17g", ds, what, ours, ref);
        return;
    }
    double d = fabs(ours - ref), tol = 1e-9 * (fabs(ref) > 1 ? fabs(ref) : 1);
    if (d / (fabs(ref) > 1 ? fabs(ref) : 1) > worst)
        worst = d / (fabs(ref) > 1 ? fabs(ref) : 1);
    if (d > tol)
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
    assert_non_null(d->obs);
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

/* A fixed pseudo-random order (xorshift), different for each data set. */
static void shuffle(stats_obs *v, size_t n, uint32_t seed)
{
    uint32_t x = seed | 1;
    for (size_t i = n; i > 1; i--) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        size_t j = x % i;
        stats_obs t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

static void same_km(const stats_km *a, const stats_km *b, const char *ds)
{
    assert_int_equal(a->nrows, b->nrows);
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->events, b->events);
    for (size_t i = 0; i < a->nrows; i++) {
        const stats_km_row *x = &a->rows[i], *y = &b->rows[i];
        if (memcmp(&x->time, &y->time, sizeof x->time) || x->n_risk != y->n_risk ||
            x->n_event != y->n_event || x->n_censor != y->n_censor ||
            memcmp(&x->surv, &y->surv, sizeof x->surv) ||
            (memcmp(&x->se, &y->se, sizeof x->se) && !(isnan(x->se) && isnan(y->se))))
            fail_msg("%s: stream row %zu differs from the array fit", ds, i);
    }
}

static void test_stream_against_r(void **state)
{
    (void)state;
    FILE *f = fopen(FIXDIR "reference.txt", "r");
    assert_non_null(f);
    char line[1024], ds[64] = "";
    dataset d = { 0 };
    stats_stream s;
    stats_stream_init(&s);
    stats_km km[17];
    size_t kmrow[17];
    int nkm = 0, lr = 1, df = 0, datasets = 0;
    double o[16], e[16], chisq = NAN, p = NAN;
    while (fgets(line, sizeof line, f)) {
        char *tok[16];
        int nt = 0;
        for (char *t = strtok(line, " \n"); t && nt < 16; t = strtok(NULL, " \n"))
            tok[nt++] = t;
        if (nt == 0) continue;
        if (strcmp(tok[0], "dataset") == 0) {
            snprintf(ds, sizeof ds, "%s", tok[1]);
            if (strcmp(ds, "fisher_tables") == 0) continue;
            datasets++;
            load(ds, &d);
            shuffle(d.obs, d.n, (uint32_t)(datasets * 2654435761u));
            stats_stream_free(&s);
            stats_stream_init(&s);
            for (size_t i = 0; i < d.n; i++)
                assert_int_equal(stats_stream_add(&s, d.obs[i].time, d.obs[i].status,
                                                  d.obs[i].group), 0);
            assert_int_equal(s.n, (long)d.n);
            assert_int_equal(stats_stream_count(&s, -1, NULL), (long)d.n);
            /* km[0] all groups, km[g+1] group g alone */
            assert_int_equal(stats_stream_km(&s, NULL, &km[0]), 0);
            for (int g = 0; g < d.ng; g++) {
                bool in[16] = { false };
                in[g] = true;
                assert_int_equal(stats_stream_km(&s, in, &km[g + 1]), 0);
            }
            nkm = d.ng + 1;
            for (int k = 0; k < nkm; k++) {
                kmrow[k] = 0;
                stats_km ref;        /* the same numbers by the array path */
                assert_int_equal(stats_km_fit(d.obs, d.n, k - 1, &ref), 0);
                same_km(&km[k], &ref, ds);
                stats_km_free(&ref);
            }
            int test[16];
            for (int g = 0; g < 16; g++) test[g] = g < d.ng ? g : -1;
            lr = stats_stream_logrank(&s, test, d.ng, o, e, &chisq, &df, &p);
        } else if (strcmp(tok[0], "km") == 0) {
            int k = strcmp(tok[1], "all") == 0 ? 0 : atoi(tok[1]);
            assert_true(k < nkm && kmrow[k] < km[k].nrows);
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
            cmp(o[g], num(tok[2]), "observed", ds);
            cmp(e[g], num(tok[3]), "expected", ds);
        } else if (strcmp(tok[0], "end") == 0 && strcmp(ds, "fisher_tables") != 0) {
            for (int k = 0; k < nkm; k++) {
                if (kmrow[k] != km[k].nrows)
                    fail_msg("%s km %d: %zu rows, R has %zu", ds, k, km[k].nrows, kmrow[k]);
                stats_km_free(&km[k]);
            }
            if (d.ng < 2) assert_int_equal(lr, 1);
            /* the array log-rank gives the same bits */
            double o2[16], e2[16], c2, p2;
            int df2;
            int lr2 = stats_logrank(d.obs, d.n, d.ng, o2, e2, &c2, &df2, &p2);
            assert_int_equal(lr2, lr);
            if (lr == 0) {
                assert_memory_equal(&c2, &chisq, sizeof c2);
                assert_memory_equal(&p2, &p, sizeof p2);
                assert_memory_equal(e2, e, (size_t)d.ng * sizeof *e);
            }
            nkm = 0;
            free(d.obs);
            memset(&d, 0, sizeof d);
        }
    }
    fclose(f);
    stats_stream_free(&s);
    assert_true(datasets >= 14);
    print_message("compared %ld numbers with R, worst relative diff %.3g\n", ncompared, worst);
}

/* R's timefix on a stream: 10, 10 + 1e-12 and 10 + 1e-9 months are one
 * time (nearties.csv, checked against R above); here the same on its own,
 * with the near-ties arriving in either order. */
static void test_stream_timefix(void **state)
{
    (void)state;
    stats_stream s;
    stats_stream_init(&s);
    assert_int_equal(stats_stream_add(&s, 10.000000001, 0, 0), 0);
    assert_int_equal(stats_stream_add(&s, 20, 1, 0), 0);
    assert_int_equal(stats_stream_add(&s, 10.000000000001, 1, 0), 0);
    assert_int_equal(stats_stream_add(&s, 10, 1, 0), 0);
    stats_km km;
    assert_int_equal(stats_stream_km(&s, NULL, &km), 0);
    assert_int_equal(km.nrows, 2);
    assert_true(km.rows[0].time == 10);
    assert_int_equal(km.rows[0].n_risk, 4);
    assert_int_equal(km.rows[0].n_event, 2);
    assert_int_equal(km.rows[0].n_censor, 1);
    assert_true(fabs(km.rows[0].surv - 0.5) < 1e-15);
    assert_true(km.rows[1].time == 20 && km.rows[1].surv == 0);
    stats_km_free(&km);
    /* -0 and +0 are one time */
    stats_stream_free(&s);
    stats_stream_init(&s);
    assert_int_equal(stats_stream_add(&s, -0.0, 1, 0), 0);
    assert_int_equal(stats_stream_add(&s, 0.0, 0, 0), 0);
    assert_int_equal(s.used, 1);
    /* not an observation: nothing is added */
    assert_int_equal(stats_stream_add(&s, NAN, 1, 0), -1);
    assert_int_equal(stats_stream_add(&s, INFINITY, 1, 0), -1);
    assert_int_equal(stats_stream_add(&s, 1, 1, -1), -1);
    assert_int_equal(stats_stream_add(&s, 1, 1, STATS_STREAM_MAXGROUP), -1);
    assert_int_equal(s.n, 2);
    stats_stream_free(&s);
}

/* Memory is in distinct (time, group) pairs: 200,000 observations over
 * 120 distinct times in 3 groups hold at most 360 tallies, and the
 * numbers are those of the same observations given as an array. */
static void test_stream_memory(void **state)
{
    (void)state;
    enum { N = 200000 };
    stats_stream s;
    stats_stream_init(&s);
    stats_obs *v = malloc(N * sizeof *v);
    assert_non_null(v);
    uint32_t x = 12345;
    for (long i = 0; i < N; i++) {
        x = x * 1664525u + 1013904223u;
        v[i] = (stats_obs){ (double)((x >> 8) % 120) / 2, (int)((x >> 20) % 5 == 0),
                            (int)((x >> 24) % 3) };
        assert_int_equal(stats_stream_add(&s, v[i].time, v[i].status, v[i].group), 0);
    }
    assert_true(s.used <= 360);
    assert_true(s.cap <= 1024);
    stats_km a, b;
    assert_int_equal(stats_stream_km(&s, NULL, &a), 0);
    assert_int_equal(stats_km_fit(v, N, -1, &b), 0);
    same_km(&a, &b, "memory");
    assert_int_equal(a.n, N);
    stats_km_free(&a);
    stats_km_free(&b);
    int test[3] = { 0, 1, 2 };
    double o[3], e[3], o2[3], e2[3], c, c2, p, p2;
    int df, df2;
    assert_int_equal(stats_stream_logrank(&s, test, 3, o, e, &c, &df, &p), 0);
    assert_int_equal(stats_logrank(v, N, 3, o2, e2, &c2, &df2, &p2), 0);
    assert_memory_equal(&c, &c2, sizeof c);
    assert_int_equal(df, 2);
    free(v);
    stats_stream_free(&s);
}

/* A cohort fed case by case (stats_cohort_add) and one fed the same
 * observations through the plug-in calls (stats_cohort_case + observe /
 * exclude) give the same report: what an endpoint derived elsewhere uses. */
static void test_cohort_plugin(void **state)
{
    (void)state;
    stats_cohort a, b;
    stats_cohort_init(&a, EP_OS, BY_ALK_STATUS);
    stats_cohort_init(&b, EP_OS, BY_ALK_STATUS);
    for (int i = 0; i < 300; i++) {
        imt_case c;
        memset(&c, 0, sizeof c);
        c.followup_months = (imt_num){ i % 17 != 0, (double)(i % 40) + 0.5 };
        c.outcome = i % 5 == 0 ? OUT_DOD : OUT_NED;
        c.recurrence = IMT_UNKNOWN;
        c.site = i % SITE_N;
        c.alk_status = i % ALK_N;
        c.sex = c.surgery = c.steroids = c.metastatic = IMT_UNKNOWN;
        assert_int_equal(stats_cohort_add(&a, &c), 0);
        stats_cohort_case(&b, &c);
        double t;
        int st;
        if (stats_endpoint_obs(&c, EP_OS, &t, &st)) stats_cohort_exclude(&b);
        else assert_int_equal(stats_cohort_observe(&b, t, st, stats_group_of(&c, BY_ALK_STATUS)), 0);
    }
    assert_int_equal(stats_cohort_observe(&b, 1, 1, STATS_MAXG), -1);
    stats_report ra, rb;
    assert_int_equal(stats_report_compute(&a, &ra), 0);
    assert_int_equal(stats_report_compute(&b, &rb), 0);
    assert_int_equal(ra.n, 300);
    assert_int_equal(ra.n, rb.n);
    assert_int_equal(ra.n_used, rb.n_used);
    assert_int_equal(ra.n_excluded, rb.n_excluded);
    assert_int_equal(ra.ngroups, 3);
    assert_int_equal(ra.ngroups, rb.ngroups);
    assert_true(ra.has_logrank && rb.has_logrank);
    assert_memory_equal(&ra.chisq, &rb.chisq, sizeof ra.chisq);
    same_km(&ra.km, &rb.km, "plugin");
    stats_report_free(&ra);
    stats_report_free(&rb);
    stats_cohort_free(&a);
    stats_cohort_free(&b);
    int fields[IMT_F_COUNT];
    stats_cohort os;
    stats_cohort_init(&os, EP_OS, BY_NONE);
    int nf = stats_cohort_fields(&os, fields, IMT_F_COUNT);
    assert_true(nf >= 6 && nf < IMT_F_COUNT);       /* a few columns for OS */
    stats_cohort_free(&os);
    stats_cohort_init(&os, EP_PFS, BY_NONE);
    assert_int_equal(stats_cohort_fields(&os, fields, IMT_F_COUNT), IMT_F_COUNT);
    stats_cohort_free(&os);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_against_r),
        cmocka_unit_test(test_stream_timefix),
        cmocka_unit_test(test_stream_memory),
        cmocka_unit_test(test_cohort_plugin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
