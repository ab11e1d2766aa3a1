/* core/stats.c - cohort statistics; see core/stats.h.  Each estimator cites the R
 * code it mirrors: R is the reference the tests compare against to 1e-6
 * (tests/fixtures/stats/make_reference.R). */
#include "core/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_errno.h>

const double stats_landmarks[STATS_NLANDMARKS] = { 12, 36, 60, 120 };

double stats_z975(void)
{
    /* GSL's inverse normal is exact to double precision (R: qnorm). */
    return gsl_cdf_ugaussian_Pinv(0.975);
}

/* ---- streaming accumulation -------------------------------------- */

void stats_stream_init(stats_stream *s)
{
    memset(s, 0, sizeof *s);
}

void stats_stream_free(stats_stream *s)
{
    free(s->slot);
    memset(s, 0, sizeof *s);
}

static size_t tally_hash(double t, int g)
{
    uint64_t u;
    memcpy(&u, &t, sizeof u);
    u ^= (uint64_t)(unsigned)g * 0x9E3779B97F4A7C15ULL;
    u ^= u >> 33;                       /* murmur3's finaliser */
    u *= 0xff51afd7ed558ccdULL;
    u ^= u >> 33;
    u *= 0xc4ceb9fe1a85ec53ULL;
    u ^= u >> 33;
    return (size_t)u;
}

static bool tally_used(const stats_tally *t)
{
    return t->events + t->censored > 0;
}

/* The slot of (time, group), or the empty slot where it goes. */
static stats_tally *tally_find(stats_tally *slot, size_t cap, double t, int g)
{
    size_t i = tally_hash(t, g) & (cap - 1);
    while (tally_used(&slot[i]) && !(slot[i].time == t && slot[i].group == g))
        i = (i + 1) & (cap - 1);
    return &slot[i];
}

static int stream_grow(stats_stream *s)
{
    size_t nc = s->cap ? s->cap * 2 : 256;
    stats_tally *n = calloc(nc, sizeof *n);
    if (!n) return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (tally_used(&s->slot[i]))
            *tally_find(n, nc, s->slot[i].time, s->slot[i].group) = s->slot[i];
    free(s->slot);
    s->slot = n;
    s->cap = nc;
    return 0;
}

int stats_stream_add(stats_stream *s, double time, int event, int group)
{
    if (!isfinite(time) || group < 0 || group >= STATS_STREAM_MAXGROUP) return -1;
    time += 0.0;                        /* -0 and +0 are one time */
    if ((s->used + 1) * 4 > s->cap * 3 && stream_grow(s)) return -1;
    stats_tally *t = tally_find(s->slot, s->cap, time, group);
    if (!tally_used(t)) {
        t->time = time;
        t->group = group;
        s->used++;
    }
    if (event) t->events++; else t->censored++;
    s->n++;
    if (group >= s->ngroups) s->ngroups = group + 1;
    return 0;
}

long stats_stream_count(const stats_stream *s, int g, long *events)
{
    long n = 0, e = 0;
    for (size_t i = 0; i < s->cap; i++) {
        const stats_tally *t = &s->slot[i];
        if (!tally_used(t) || (g >= 0 && t->group != g)) continue;
        n += t->events + t->censored;
        e += t->events;
    }
    if (events) *events = e;
    return n;
}

static int cmp_tally(const void *a, const void *b)
{
    const stats_tally *x = a, *y = b;
    if (x->time != y->time) return (x->time > y->time) - (x->time < y->time);
    return (x->group > y->group) - (x->group < y->group);
}

/* The tallies of the groups wanted (want NULL: all; else want[g] >= 0),
 * in time order, as a new array of *n entries (NULL when none or out of
 * memory: *n says which). */
static stats_tally *sorted_tallies(const stats_stream *s, const int *want, size_t *n,
                                   bool *oom)
{
    *n = 0;
    *oom = false;
    size_t m = 0;
    for (size_t i = 0; i < s->cap; i++)
        if (tally_used(&s->slot[i]) && (!want || want[s->slot[i].group] >= 0)) m++;
    if (m == 0) return NULL;
    stats_tally *v = malloc(m * sizeof *v);
    if (!v) { *oom = true; return NULL; }
    for (size_t i = 0; i < s->cap; i++)
        if (tally_used(&s->slot[i]) && (!want || want[s->slot[i].group] >= 0))
            v[(*n)++] = s->slot[i];
    qsort(v, m, sizeof *v, cmp_tally);
    return v;
}

/* survival::aeqSurv, which survfit and survdiff apply by default
 * (timefix = TRUE): over the distinct times y (sorted), y[k] is tied to
 * y[k-1] when y[k] - y[k-1] <= sqrt(eps) or (y[k] - y[k-1]) / mean|y| <=
 * sqrt(eps), and each run of tied times becomes its first (smallest) time.
 * Without it 10 and 10.000000000001 months are two rows, and R's single
 * row (two events at 10) differs far beyond 1e-6.  v is in time order
 * (several tallies may share a time); each time is replaced by the time
 * its run starts at. */
static void timefix(stats_tally *v, size_t n)
{
    const double tol = 1.4901161193847656e-08;   /* sqrt(.Machine$double.eps) */
    double sum = 0;
    size_t nu = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || v[i].time != v[i - 1].time) { sum += fabs(v[i].time); nu++; }
    if (nu < 2) return;
    double mean = sum / (double)nu, prev = v[0].time, cut = v[0].time;
    for (size_t i = 1; i < n; i++) {
        double t = v[i].time;
        if (t != prev) {
            double dy = t - prev;
            if (!(dy <= tol || dy / mean <= tol)) cut = t;
            prev = t;
        }
        v[i].time = cut;
    }
}

/* Kaplan-Meier with Greenwood variance and log-scale interval, as
 * survfit(conf.type = "log") / summary(fit, censored = TRUE): one row per
 * distinct time; tied events and censorings at t count the censored as at
 * risk at t (Kalbfleisch & Prentice 2002, sec. 1.4; survival::survfitKM). */
int stats_stream_km(const stats_stream *s, const bool *in, stats_km *km)
{
    memset(km, 0, sizeof *km);
    int *want = NULL;
    if (in) {
        if (s->ngroups > 0 && !(want = malloc((size_t)s->ngroups * sizeof *want))) return -1;
        for (int g = 0; g < s->ngroups; g++) want[g] = in[g] ? 0 : -1;
    }
    size_t m;
    bool oom;
    stats_tally *v = sorted_tallies(s, want, &m, &oom);
    free(want);
    if (oom) return -1;
    if (m == 0) return 0;
    /* over the cases fitted, as survfit(Surv(time, status) ~ 1, subset) */
    timefix(v, m);
    km->rows = malloc(m * sizeof *km->rows);
    if (!km->rows) { free(v); return -1; }
    const double z = stats_z975();
    double sv = 1.0, gw = 0.0;   /* gw = sum d / (n (n - d)): var of log S */
    long atrisk = 0;
    for (size_t i = 0; i < m; i++) atrisk += v[i].events + v[i].censored;
    km->n = atrisk;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        long d = 0, c = 0;
        while (j < m && v[j].time == v[i].time) {
            d += v[j].events;
            c += v[j].censored;
            j++;
        }
        stats_km_row *r = &km->rows[km->nrows++];
        r->time = v[i].time;
        r->n_risk = atrisk;
        r->n_event = d;
        r->n_censor = c;
        if (d > 0) {
            sv *= 1.0 - (double)d / (double)atrisk;
            if (atrisk > d)
                gw += (double)d / ((double)atrisk * (double)(atrisk - d));
            else
                gw = INFINITY;
        }
        km->events += d;
        r->surv = sv;
        if (sv > 0 && isfinite(gw)) {
            double sl = sqrt(gw);
            r->se = sv * sl;
            r->lower = exp(log(sv) - z * sl);
            r->upper = fmin(1.0, exp(log(sv) + z * sl));
        } else {
            /* survfit gives NA for the std.err and interval once S = 0. */
            r->se = r->lower = r->upper = NAN;
        }
        atrisk -= d + c;
        i = j;
    }
    free(v);
    return 0;
}

int stats_km_fit(const stats_obs *obs, size_t n, int group, stats_km *km)
{
    memset(km, 0, sizeof *km);
    stats_stream s;
    stats_stream_init(&s);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (group < 0 || obs[i].group == group)
            rc = stats_stream_add(&s, obs[i].time, obs[i].status != 0, 0);
    if (rc == 0) rc = stats_stream_km(&s, NULL, km);
    stats_stream_free(&s);
    return rc;
}

void stats_km_free(stats_km *km)
{
    free(km->rows);
    memset(km, 0, sizeof *km);
}

stats_at stats_km_at(const stats_km *km, double months)
{
    stats_at a = { months, NAN, NAN, NAN };
    if (km->nrows == 0 || months > km->rows[km->nrows - 1].time)
        return a;   /* summary(..., extend = FALSE) gives no row */
    const stats_km_row *last = NULL;
    for (size_t i = 0; i < km->nrows && km->rows[i].time <= months; i++)
        last = &km->rows[i];
    if (!last) { a.surv = a.lower = a.upper = 1.0; return a; }
    a.surv = last->surv;
    a.lower = last->lower;
    a.upper = last->upper;
    return a;
}

/* survival:::findq for p = 0.5: x = (0, times), y = (0, 1 - S), duplicated
 * y dropped; the quantile is the mean of the first x where y reaches p
 * within +-tol, so a curve flat at exactly 0.5 gives the midpoint to the
 * next drop (or to the last time when it never drops again). */
double stats_km_median(const stats_km *km)
{
    const double p = 0.5, tol = 1.4901161193847656e-08; /* sqrt(eps) */
    size_t n = km->nrows + 1;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    if (!x || !y) { free(x); free(y); return NAN; }
    size_t m = 0;
    double xmax = km->nrows ? km->rows[km->nrows - 1].time : 0;
    for (size_t i = 0; i < n; i++) {
        double xi = i ? km->rows[i - 1].time : 0;
        double yi = i ? 1.0 - km->rows[i - 1].surv : 0;
        /* y is monotone, so duplicated() only needs the previous value */
        if (m == 0 || y[m - 1] != yi) { x[m] = xi; y[m] = yi; m++; }
    }
    double q = NAN;
    long i1 = -1, i2 = -1;
    for (size_t i = 0; i < m; i++) {
        if (i1 < 0 && y[i] + tol >= p) i1 = (long)i;
        if (i2 < 0 && y[i] - tol >= p) i2 = (long)i;
    }
    if (i1 >= 0 && i2 >= 0) q = (x[i1] + x[i2]) / 2;
    if (i1 >= 0 && fabs(p - y[m - 1]) < tol) q = (x[i1] + xmax) / 2;
    free(x);
    free(y);
    return q;
}

/* survdiff (rho = 0; survival's survdiff2.c): at each event time,
 * E_g += d n_g / n and V_gh += d (n-d) / (n-1) * n_g/n (δ_gh - n_h/n).
 * The statistic drops groups with E = 0 and then the first group, and
 * solves V x = (O - E) (R: solve()); p is the upper chi-square tail. */
int stats_stream_logrank(const stats_stream *s, const int *test, int ntest,
                         double *observed, double *expected,
                         double *chisq, int *df, double *p)
{
    int G = ntest;
    for (int g = 0; g < G; g++) observed[g] = expected[g] = 0;
    *chisq = NAN; *df = 0; *p = NAN;
    if (G < 2) return 1;
    size_t n;
    bool oom;
    stats_tally *v = sorted_tallies(s, test, &n, &oom);
    if (oom) return -1;
    if (n == 0) return 1;
    double *var = calloc((size_t)G * G, sizeof *var);
    long *risk = calloc((size_t)G, sizeof *risk);
    if (!var || !risk) { free(v); free(var); free(risk); return -1; }
    timefix(v, n);                 /* survdiff(timefix = TRUE) */
    long nrisk = 0;
    for (size_t i = 0; i < n; i++) {
        v[i].group = test[v[i].group];
        risk[v[i].group] += v[i].events + v[i].censored;
        nrisk += v[i].events + v[i].censored;
    }
    for (size_t i = 0; i < n;) {
        size_t j = i;
        long d = 0, out = 0;
        while (j < n && v[j].time == v[i].time) {
            d += v[j].events;
            observed[v[j].group] += (double)v[j].events;
            j++;
        }
        if (d > 0) {
            for (int g = 0; g < G; g++)
                expected[g] += (double)d * risk[g] / nrisk;
            if (nrisk > 1) {
                double kk = (double)d * (nrisk - d) / (double)(nrisk - 1);
                for (int a = 0; a < G; a++) {
                    double t = kk * risk[a] / nrisk;
                    var[a * G + a] += t;
                    for (int b = 0; b < G; b++)
                        var[a * G + b] -= t * risk[b] / nrisk;
                }
            }
        }
        for (size_t k = i; k < j; k++) {
            risk[v[k].group] -= v[k].events + v[k].censored;
            out += v[k].events + v[k].censored;
        }
        nrisk -= out;
        i = j;
    }
    free(v); free(risk);
    int *keep = malloc((size_t)G * sizeof *keep), nk = 0;
    if (!keep) { free(var); return -1; }
    for (int g = 0; g < G; g++)
        if (expected[g] > 0) keep[nk++] = g;
    int rc = 1;
    if (nk >= 2) {
        int k = nk - 1;
        gsl_matrix *A = gsl_matrix_alloc((size_t)k, (size_t)k);
        gsl_vector *b = gsl_vector_alloc((size_t)k), *x = gsl_vector_alloc((size_t)k);
        gsl_permutation *perm = gsl_permutation_alloc((size_t)k);
        if (A && b && x && perm) {
            for (int r = 0; r < k; r++) {
                gsl_vector_set(b, (size_t)r, observed[keep[r + 1]] - expected[keep[r + 1]]);
                for (int c = 0; c < k; c++)
                    gsl_matrix_set(A, (size_t)r, (size_t)c, var[keep[r + 1] * G + keep[c + 1]]);
            }
            int sign;
            gsl_error_handler_t *old = gsl_set_error_handler_off();
            if (gsl_linalg_LU_decomp(A, perm, &sign) == 0 &&
                fabs(gsl_linalg_LU_det(A, sign)) > 0 &&
                gsl_linalg_LU_solve(A, perm, b, x) == 0) {
                double chi = 0;
                for (int r = 0; r < k; r++)
                    chi += gsl_vector_get(x, (size_t)r) * gsl_vector_get(b, (size_t)r);
                *chisq = chi;
                *df = k;
                *p = gsl_cdf_chisq_Q(chi, k);
                rc = 0;
            }
            gsl_set_error_handler(old);
        } else rc = -1;
        if (A) gsl_matrix_free(A);
        if (b) gsl_vector_free(b);
        if (x) gsl_vector_free(x);
        if (perm) gsl_permutation_free(perm);
    }
    free(var);
    free(keep);
    return rc;
}

int stats_logrank(const stats_obs *obs, size_t n, int ngroups,
                  double *observed, double *expected,
                  double *chisq, int *df, double *p)
{
    for (int g = 0; g < ngroups; g++) observed[g] = expected[g] = 0;
    *chisq = NAN; *df = 0; *p = NAN;
    if (ngroups < 2 || n == 0) return 1;
    stats_stream s;
    stats_stream_init(&s);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (obs[i].group < 0 || obs[i].group >= ngroups ||
            stats_stream_add(&s, obs[i].time, obs[i].status != 0, obs[i].group) != 0)
            rc = -1;
    int *test = rc == 0 ? malloc((size_t)ngroups * sizeof *test) : NULL;
    if (rc == 0 && !test) rc = -1;
    if (rc == 0) {
        for (int g = 0; g < ngroups; g++) test[g] = g;
        rc = stats_stream_logrank(&s, test, ngroups, observed, expected, chisq, df, p);
    }
    free(test);
    stats_stream_free(&s);
    return rc;
}

/* log dhyper(i; m white, nn black, k drawn) via GSL's ln-choose. */
static double ldhyper(long i, long m, long nn, long k)
{
    return gsl_sf_lnchoose((unsigned)m, (unsigned)i)
         + gsl_sf_lnchoose((unsigned)nn, (unsigned)(k - i))
         - gsl_sf_lnchoose((unsigned)(m + nn), (unsigned)k);
}

/* fisher.test, 2x2, alternative "two.sided": the sum of the hypergeometric
 * probabilities not greater than the observed table's, with R's relative
 * tolerance 1 + 1e-7 so that ties in exact arithmetic stay ties. */
double stats_fisher_2x2(long a, long b, long c, long d)
{
    long m = a + c, nn = b + d, k = a + b;
    long lo = k - nn > 0 ? k - nn : 0, hi = k < m ? k : m;
    double mx = -INFINITY;
    for (long i = lo; i <= hi; i++) mx = fmax(mx, ldhyper(i, m, nn, k));
    double tot = 0, sel = 0, dobs = exp(ldhyper(a, m, nn, k) - mx);
    for (long i = lo; i <= hi; i++) {
        double di = exp(ldhyper(i, m, nn, k) - mx);
        tot += di;
        if (di <= dobs * (1 + 1e-7)) sel += di;
    }
    double pv = sel / tot;
    return pv > 1 ? 1 : pv;
}

/* prop.test(x, n, correct = FALSE)$conf.int: the Wilson score interval
 * (Wilson 1927), with R's exact 0 / 1 at the boundaries. */
int stats_wilson(long x, long n, double *lo, double *hi)
{
    if (n <= 0) { *lo = *hi = NAN; return -1; }
    double z = stats_z975(), nd = (double)n, est = (double)x / nd;
    double z22n = z * z / (2 * nd);
    double w = z * sqrt(est * (1 - est) / nd + z22n / (2 * nd));
    *hi = est >= 1 ? 1 : (est + z22n + w) / (1 + 2 * z22n);
    *lo = est <= 0 ? 0 : (est + z22n - w) / (1 + 2 * z22n);
    return 0;
}

/* ---- endpoints ----------------------------------------------------- */

static const char *const ep_names[EP_N] = { "os", "dss", "rfs", "pfs", "efs", "dor", "ttnt" };

const char *stats_endpoint_name(stats_endpoint e)
{
    return e >= 0 && e < EP_N ? ep_names[e] : "?";
}

int stats_endpoint_parse(const char *s)
{
    for (int i = 0; i < EP_N; i++)
        if (strcasecmp(s, ep_names[i]) == 0) return i;
    return -1;
}

bool stats_endpoint_course(stats_endpoint e)
{
    return e == EP_PFS || e == EP_EFS || e == EP_DOR || e == EP_TTNT;
}

bool stats_endpoint_per_line(stats_endpoint e)
{
    return e == EP_PFS || e == EP_DOR || e == EP_TTNT;
}

static course_endpoint course_ep(stats_endpoint e)
{
    return e == EP_PFS ? CE_PFS : e == EP_EFS ? CE_EFS : e == EP_DOR ? CE_DOR : CE_TTNT;
}

/* data-dictionary.md "Survival endpoints". */
int stats_endpoint_obs(const imt_case *c, stats_endpoint e,
                       double *time, int *status)
{
    if (stats_endpoint_course(e)) return 1;
    if (!c->followup_months.known) return 1;
    bool dead = c->outcome == OUT_DOD || c->outcome == OUT_DOC;
    *time = c->followup_months.v;
    switch (e) {
    case EP_OS:  *status = dead; break;
    case EP_DSS: *status = c->outcome == OUT_DOD; break;
    default:
        if (c->recurrence == 1) {
            if (!c->recurrence_months.known) return 1;
            /* whichever comes first; recurrence_months <= followup by the
             * dictionary's cross-field rule, but do not rely on it */
            *time = fmin(c->recurrence_months.v, c->followup_months.v);
            *status = 1;
        } else {
            *status = dead;
        }
        break;
    }
    return 0;
}

/* ---- grouping ------------------------------------------------------ */

static const char *const by_names[BY_N] = {
    "alk_status", "site", "sex", "surgery", "steroids", "outcome",
    "metastatic", "margin", "age_group"
};

const char *stats_by_name(stats_by b)
{
    return b >= 0 && b < BY_N ? by_names[b] : "none";
}

int stats_by_parse(const char *s)
{
    for (int i = 0; i < BY_N; i++)
        if (strcasecmp(s, by_names[i]) == 0) return i;
    return -1;
}

static int enum_groups(int field, const char *names[STATS_MAXG])
{
    int k = 0;
    const char *const *v = imt_fields[field].values;
    while (v[k] && k < STATS_MAXG - 1) { names[k] = v[k]; k++; }
    names[k++] = "unknown";
    return k;
}

int stats_by_groups(stats_by b, const char *names[STATS_MAXG])
{
    static const char *const yn[] = { "no", "yes", "unknown" };
    static const char *const margin[] = { "R0", "R1/R2", "biopsy/none", "unknown" };
    static const char *const age[] = { "<18", ">=18", "unknown" };
    static const char *const alk[] = { "positive", "negative", "unknown" };
    const char *const *src = NULL;
    int k = 0;
    switch (b) {
    case BY_ALK_STATUS: src = alk; k = 3; break;  /* unknown is a value */
    case BY_SITE:    return enum_groups(IMT_F_site, names);
    case BY_SEX:     return enum_groups(IMT_F_sex, names);
    case BY_SURGERY: return enum_groups(IMT_F_surgery, names);
    case BY_OUTCOME: return enum_groups(IMT_F_outcome, names);
    case BY_STEROIDS: case BY_METASTATIC: src = yn; k = 3; break;
    case BY_MARGIN:  src = margin; k = 4; break;
    case BY_AGE_GROUP: src = age; k = 3; break;
    default: names[0] = "all"; return 1;
    }
    for (int i = 0; i < k; i++) names[i] = src[i];
    return k;
}

static int enum_group(int v, int nvals)
{
    return v >= 0 && v < nvals ? v : nvals;   /* unknown last */
}

int stats_group_of(const imt_case *c, stats_by b)
{
    switch (b) {
    case BY_ALK_STATUS:   /* derived; "unknown" is its own value */
        return c->alk_status >= 0 && c->alk_status < ALK_N ? c->alk_status : ALK_UNKNOWN;
    case BY_SITE:     return enum_group(c->site, SITE_N);
    case BY_SEX:      return enum_group(c->sex, SEX_N);
    case BY_SURGERY:  return enum_group(c->surgery, SURG_N);
    case BY_OUTCOME:  return enum_group(c->outcome, OUT_N);
    case BY_STEROIDS: return c->steroids == 1 ? 1 : c->steroids == 0 ? 0 : 2;
    case BY_METASTATIC: return c->metastatic == 1 ? 1 : c->metastatic == 0 ? 0 : 2;
    case BY_MARGIN:
        switch (c->surgery) {
        case SURG_R0: return 0;
        case SURG_R1: case SURG_R2: return 1;
        case SURG_BIOPSY: case SURG_NONE: return 2;
        default: return 3;
        }
    case BY_AGE_GROUP:
        if (!c->age_years.known) return 2;
        return c->age_years.v < 18 ? 0 : 1;
    default: return 0;
    }
}

/* ---- cohort -------------------------------------------------------- */

void stats_cohort_init(stats_cohort *co, stats_endpoint e, stats_by by)
{
    memset(co, 0, sizeof *co);
    co->endpoint = e;
    co->by = by;
    stats_stream_init(&co->obs);
}

void stats_cohort_select(stats_cohort *co, int line, const char *agent)
{
    co->sel.line = line > 0 ? line : 0;
    co->sel.agent = NULL;
    if (agent && *agent) {
        snprintf(co->agent, sizeof co->agent, "%s", agent);
        co->sel.agent = co->agent;
    }
}

void stats_cohort_case(stats_cohort *co, const imt_case *c)
{
    co->n++;
    int site = c->site >= 0 && c->site < SITE_N ? c->site : SITE_N;
    int alk = c->alk_status >= 0 && c->alk_status < ALK_N ? c->alk_status : ALK_UNKNOWN;
    co->site_alk[site][alk]++;
}

int stats_cohort_observe(stats_cohort *co, double time, int event, int group)
{
    if (group < 0 || group >= STATS_MAXG) return -1;
    return stats_stream_add(&co->obs, time, event, group);
}

void stats_cohort_exclude(stats_cohort *co)
{
    co->n_excluded++;
}

int stats_cohort_add(stats_cohort *co, const imt_case *c)
{
    return stats_cohort_add_course(co, c, NULL);
}

/* Best response per agent over the selected lines of one case. */
static void count_responses(stats_cohort *co, const imt_case *c, const imt_course *course)
{
    course_line lines[64];
    int nl = course_lines(c, course, lines, 64);
    for (int i = 0; i < nl; i++) {
        const course_line *L = &lines[i];
        if (co->sel.line > 0 && L->line != co->sel.line) continue;
        if (co->sel.agent && !ev_agents_match(L->agents, co->sel.agent)) continue;
        bool seen[AG_N] = { false };
        char nm[48];
        ev_agent a;
        for (int k = 0; (a = ev_agents_item(L->agents, k, nm, sizeof nm)) != AG_N; k++) {
            if (seen[a]) continue;
            seen[a] = true;
            stats_resp *R = &co->resp[a];
            R->lines++;
            if (L->best >= 0) {
                R->assessed++;
                R->best[L->best]++;
            }
        }
    }
}

int stats_cohort_add_course(stats_cohort *co, const imt_case *c, const imt_course *course)
{
    stats_cohort_case(co, c);
    if (course)
        count_responses(co, c, course);
    double t;
    int st;
    if (stats_endpoint_course(co->endpoint)) {
        int why = CEX_NONE;
        course_sel sel = co->sel;
        if (co->endpoint == EP_EFS) sel = (course_sel){ 0, NULL };
        if (course_endpoint_obs(c, course, course_ep(co->endpoint), &sel, &t, &st, &why)) {
            stats_cohort_exclude(co);
            if (why > 0 && why < CEX_N) co->excl_why[why]++;
            return 0;
        }
    } else if (stats_endpoint_obs(c, co->endpoint, &t, &st)) {
        stats_cohort_exclude(co);
        return 0;
    }
    return stats_cohort_observe(co, t, st, co->by == BY_NONE ? 0 : stats_group_of(c, co->by));
}

void stats_cohort_free(stats_cohort *co)
{
    stats_stream_free(&co->obs);
}

int stats_cohort_fields(const stats_cohort *co, int *out, int max)
{
    /* A course endpoint's derivation reads the case's dates and one-row
     * fields as well (core/events.c): all of them. */
    if (stats_endpoint_course(co->endpoint)) {
        int n = 0;
        for (int f = 0; f < IMT_F_COUNT && n < max; f++) out[n++] = f;
        return n;
    }
    static const int f[] = {
        IMT_F_site, IMT_F_alk_status,                               /* counts    */
        IMT_F_followup_months, IMT_F_outcome, IMT_F_recurrence,     /* endpoints */
        IMT_F_recurrence_months,
        IMT_F_sex, IMT_F_surgery, IMT_F_steroids, IMT_F_metastatic, /* groups    */
        IMT_F_age_years,
    };
    int n = 0;
    for (size_t i = 0; i < sizeof f / sizeof f[0] && n < max; i++) out[n++] = f[i];
    return n;
}

static void warnf(stats_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warnf(stats_report *r, const char *fmt, ...)
{
    if (r->nwarn >= STATS_MAXWARN) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->warn[r->nwarn++], sizeof r->warn[0], fmt, ap);
    va_end(ap);
}

static void fill_at(const stats_km *km, stats_at at[STATS_NLANDMARKS])
{
    for (int i = 0; i < STATS_NLANDMARKS; i++)
        at[i] = stats_km_at(km, stats_landmarks[i]);
}

int stats_report_compute(const stats_cohort *co, stats_report *r)
{
    memset(r, 0, sizeof *r);
    const stats_stream *obs = &co->obs;
    r->n = co->n;
    r->n_used = obs->n;
    r->n_excluded = co->n_excluded;
    r->chisq = r->p = r->fisher_p = NAN;
    if (stats_stream_km(obs, NULL, &r->km)) return -1;
    r->events = r->km.events;
    fill_at(&r->km, r->at);
    r->median = stats_km_median(&r->km);
    if (co->n == 0)
        warnf(r, "no cases match the filter");
    if (co->n_excluded > 0 && stats_endpoint_course(co->endpoint)) {
        char why[400] = "";
        size_t l = 0;
        for (int k = 1; k < CEX_N; k++)
            if (co->excl_why[k] && l < sizeof why)
                l += (size_t)snprintf(why + l, sizeof why - l, "%s%ld: %s", l ? "; " : "",
                                      co->excl_why[k], course_excl_text[k]);
        warnf(r, "%ld case%s excluded from %s (%s)", co->n_excluded,
              co->n_excluded == 1 ? "" : "s", stats_endpoint_name(co->endpoint), why);
    } else if (co->n_excluded > 0)
        warnf(r, "%ld case%s excluded from %s (%s)", co->n_excluded,
              co->n_excluded == 1 ? "" : "s", stats_endpoint_name(co->endpoint),
              co->endpoint == EP_RFS ? "no followup_months, or recurrence without recurrence_months"
                                     : "no followup_months");
    if (obs->n > 0 && r->events == 0)
        warnf(r, "no events: survival stays 1, no median");
    if (co->by == BY_NONE) {
        if (obs->n > 0 && (r->n_used < 5 || r->events < 3))
            warnf(r, "small cohort (%ld case%s, %ld event%s): estimates are unstable",
                  r->n_used, r->n_used == 1 ? "" : "s", r->events, r->events == 1 ? "" : "s");
        return 0;
    }

    const char *names[STATS_MAXG];
    int ng = stats_by_groups(co->by, names);
    long cnt[STATS_MAXG] = { 0 };
    for (int g = 0; g < ng && g < obs->ngroups; g++) cnt[g] = stats_stream_count(obs, g, NULL);
    /* Groups with no cases are not groups: number the rest densely. */
    int map[STATS_MAXG];
    for (int g = 0; g < ng; g++) {
        map[g] = -1;
        if (cnt[g] == 0) continue;
        map[g] = r->ngroups;
        r->groups[r->ngroups++].name = names[g];
    }
    /* A missing value ("unknown": the field was not recorded) is shown as
     * a group but stays out of the tests, as R's survdiff / fisher.test
     * leave NA out (na.action = na.omit).  alk_status "unknown" is a value
     * of the derived field (untested or equivocal), so it is compared. */
    int miss = co->by == BY_ALK_STATUS ? -1 : ng - 1;
    int tmap[STATS_MAXG], nt = 0;
    long nmiss = 0;
    for (int g = 0; g < ng; g++) {
        if (map[g] < 0) continue;
        stats_group *G = &r->groups[map[g]];
        G->tested = g != miss;
        tmap[map[g]] = G->tested ? nt++ : -1;
        if (!G->tested) nmiss = cnt[g];
    }
    for (int g = 0; g < ng; g++) {
        if (map[g] < 0) continue;
        stats_group *G = &r->groups[map[g]];
        bool in[STATS_MAXG] = { false };
        in[g] = true;
        if (stats_stream_km(obs, in, &G->km)) return -1;
        G->n = G->km.n;
        G->events = G->km.events;
        G->observed = (double)G->events;
        G->expected = G->tested ? (double)G->events : NAN;
        fill_at(&G->km, G->at);
        G->median = stats_km_median(&G->km);
        if (G->n < 5 || G->events < 3)
            warnf(r, "group '%s' is small (%ld case%s, %ld event%s): estimates are unstable",
                  G->name, G->n, G->n == 1 ? "" : "s", G->events, G->events == 1 ? "" : "s");
    }
    if (nmiss > 0 && r->ngroups >= 2)
        warnf(r, "%ld case%s with no %s recorded (group 'unknown') %s left out of the "
              "log-rank and Fisher tests", nmiss, nmiss == 1 ? "" : "s",
              stats_by_name(co->by), nmiss == 1 ? "is" : "are");
    if (co->by == BY_ALK_STATUS && nt >= 2 && cnt[ALK_UNKNOWN] > 0)
        warnf(r, "ALK status 'unknown' (untested or equivocal) is compared as a group; "
              "an ALK filter of positive,negative leaves it out (--alk, or A in the interface)");
    if (nt >= 2) {
        /* the tested groups of the stream, numbered densely */
        int test[STATS_MAXG];
        for (int g = 0; g < STATS_MAXG; g++)
            test[g] = g < ng && map[g] >= 0 ? tmap[map[g]] : -1;
        double obsv[STATS_MAXG], exp_[STATS_MAXG];
        int rc = stats_stream_logrank(obs, test, nt, obsv, exp_, &r->chisq, &r->df, &r->p);
        if (rc < 0) return -1;
        for (int g = 0; g < r->ngroups; g++)
            if (tmap[g] >= 0) {
                r->groups[g].observed = obsv[tmap[g]];
                r->groups[g].expected = exp_[tmap[g]];
            }
        r->has_logrank = rc == 0;
        int withexp = 0;
        for (int g = 0; g < nt; g++) withexp += exp_[g] > 0;
        if (rc == 1 && withexp < 2)
            warnf(r, "no log-rank test: fewer than two groups have events at risk");
        else if (rc == 1)   /* R: survdiff stops, "system is exactly singular" */
            warnf(r, "no log-rank test: its variance is singular (e.g. all cases at risk "
                     "had the event at once)");
    } else if (obs->n > 0) {
        const char *only = "none";
        for (int g = 0; g < r->ngroups; g++)
            if (tmap[g] >= 0) only = r->groups[g].name;
        warnf(r, "only one group%s (%s): no log-rank test",
              nmiss > 0 ? " with the field recorded" : "", only);
    }
    if (nt == 2) {
        for (int g = 0; g < r->ngroups; g++)
            if (tmap[g] >= 0) {
                r->table[tmap[g]][0] = r->groups[g].events;
                r->table[tmap[g]][1] = r->groups[g].n - r->groups[g].events;
            }
        r->fisher_p = stats_fisher_2x2(r->table[0][0], r->table[0][1],
                                       r->table[1][0], r->table[1][1]);
        r->has_fisher = true;
    }
    return 0;
}

void stats_report_free(stats_report *r)
{
    stats_km_free(&r->km);
    for (int g = 0; g < r->ngroups; g++) stats_km_free(&r->groups[g].km);
    r->ngroups = 0;
}
