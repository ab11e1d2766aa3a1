/* core/stats.h - cohort statistics: Kaplan-Meier, log-rank, Fisher, Wilson.
 *
 * Pure functions (no store, no I/O) shared by `imtreview stats` and the
 * statistics view, so both show the same numbers.  Every estimator mirrors
 * R (survival 3.x `survfit`, `summary.survfit`, `quantile.survfit`,
 * `survdiff`; stats `fisher.test`, `prop.test(correct = FALSE)`), which is
 * the reference the tests compare against (tests/fixtures/stats/).
 * Distribution functions come from GSL (exact to double precision), never
 * hand-rolled approximations.
 *
 * "No value" (R's NA) is NaN throughout; callers print it as null. */
#ifndef IMT_STATS_H
#define IMT_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include "core/imtcase.h"
#include "core/events.h"

/* One survival observation. status 1 = event, 0 = censored. */
typedef struct {
    double time;
    int    status;
    int    group;     /* 0-based group index, or 0 when ungrouped */
} stats_obs;

/* One row of summary(survfit(...), censored = TRUE). */
typedef struct {
    double time;
    long   n_risk, n_event, n_censor;
    double surv;
    double se;        /* Greenwood SE of S (= S * survfit's std.err)   */
    double lower;     /* log-transformed 95% interval; NaN when S = 0 */
    double upper;
} stats_km_row;

typedef struct {
    stats_km_row *rows;
    size_t nrows;
    long   n, events;
} stats_km;

typedef struct {
    double months;
    double surv, lower, upper;   /* NaN = past the last follow-up */
} stats_at;

/* 95% normal quantile qnorm(0.975), from GSL. */
double stats_z975(void);

/* ---- streaming accumulation ----------------------------------------
 * Observations (time, event, group) are added one at a time, in any
 * order, from whatever derives them (a case's endpoint, a course of
 * events); the accumulator keeps one tally per distinct (time, group):
 * memory grows with the number of distinct times and groups, never with
 * the number of observations.  Every estimator below reads the tallies in
 * time order and does the same arithmetic, in the same order, as
 * survfit / survdiff on the observations themselves, so the results are
 * identical (not merely close) to the one-array-per-cohort code this
 * replaced, and agree with R to 1e-9 (tests/unit/test_stats_stream.c). */
typedef struct {
    double time;
    int    group;
    long   events, censored;
} stats_tally;

typedef struct {
    stats_tally *slot;      /* open addressing; events + censored = 0: free */
    size_t cap, used;       /* slots, slots in use                          */
    long   n;               /* observations added                           */
    int    ngroups;         /* 1 + the largest group seen                   */
} stats_stream;

#define STATS_STREAM_MAXGROUP 4096   /* groups are 0 .. this - 1 */

void stats_stream_init(stats_stream *s);
/* One observation: event 1 = the event, 0 = censored; group >= 0 (0 when
 * ungrouped).  time must be a finite number.  Returns 0, or -1 when out of
 * memory or the observation is not valid (nothing is added). */
int  stats_stream_add(stats_stream *s, double time, int event, int group);
void stats_stream_free(stats_stream *s);
/* Observations and events added in group g (g < 0: all groups). */
long stats_stream_count(const stats_stream *s, int g, long *events);

/* Kaplan-Meier over the groups g with in[g] true (in NULL: all groups),
 * as survfit(Surv(time, status) ~ 1, subset): times closer than survfit's
 * timefix tolerance (aeqSurv, over the distinct times of the cases fitted)
 * count as one time.  Returns 0, or -1 when out of memory. */
int stats_stream_km(const stats_stream *s, const bool *in, stats_km *km);
/* k-group log-rank test (survdiff, rho = 0) over the groups with
 * test[g] >= 0, renumbered as test[g] (0 .. ntest-1); observed[] and
 * expected[] have ntest entries.  Returns as stats_logrank. */
int stats_stream_logrank(const stats_stream *s, const int *test, int ntest,
                         double *observed, double *expected,
                         double *chisq, int *df, double *p);

/* ---- the same on an array of observations (a convenience over the
 * stream: the observations are added, then the stream is asked) ---- */

/* Kaplan-Meier for obs[] whose group == group (group < 0: all).  obs need
 * not be sorted.  Times closer than survfit's timefix tolerance (aeqSurv,
 * over the cases fitted) count as one time, as in R.  Returns 0, or -1
 * when out of memory. */
int  stats_km_fit(const stats_obs *obs, size_t n, int group, stats_km *km);
void stats_km_free(stats_km *km);
/* S at the last time <= months; NaN past the last observed time, as
 * summary(fit, times = months, extend = FALSE). */
stats_at stats_km_at(const stats_km *km, double months);
/* Median as quantile.survfit / print.survfit; NaN when not reached. */
double stats_km_median(const stats_km *km);

/* k-group log-rank test (survdiff, rho = 0).  observed[] and expected[]
 * have ngroups entries.  Groups with expected 0 leave the test, as in
 * survdiff.  Returns 0 with chisq/df/p set, 1 when there is no test
 * (fewer than two groups with expected > 0, or a singular variance),
 * -1 out of memory. */
int stats_logrank(const stats_obs *obs, size_t n, int ngroups,
                  double *observed, double *expected,
                  double *chisq, int *df, double *p);

/* Two-sided Fisher exact p for [[a, b], [c, d]] (fisher.test). */
double stats_fisher_2x2(long a, long b, long c, long d);

/* 95% Wilson score interval for x of n (prop.test, correct = FALSE).
 * Returns -1 (NaN bounds) when n == 0. */
int stats_wilson(long x, long n, double *lo, double *hi);

/* ---- endpoints and grouping (data-dictionary.md "Survival endpoints") */

/* os, dss, rfs from the case's one-row fields; pfs, efs, dor, ttnt from
 * its course (core/events.h, course_endpoint_obs: the derivation lives
 * there, apart from the estimators here). */
typedef enum { EP_OS, EP_DSS, EP_RFS, EP_PFS, EP_EFS, EP_DOR, EP_TTNT, EP_N } stats_endpoint;
const char *stats_endpoint_name(stats_endpoint e);       /* "os", ... */
int stats_endpoint_parse(const char *s);                 /* -1 unknown */
/* Whether e is derived from the course (pfs, efs, dor, ttnt). */
bool stats_endpoint_course(stats_endpoint e);
/* Whether e is measured on a therapy line (pfs, dor, ttnt: --line and
 * --agent select it). */
bool stats_endpoint_per_line(stats_endpoint e);

/* Time and status of c for endpoint e.  Returns 0, or 1 when the case is
 * excluded (no followup_months; RFS: recurrence = yes without
 * recurrence_months; a course endpoint: always, as there is no course
 * here - see stats_cohort_add_course).  Unknown outcome counts as alive
 * (censored). */
int stats_endpoint_obs(const imt_case *c, stats_endpoint e,
                       double *time, int *status);

typedef enum { BY_NONE = -1, BY_ALK_STATUS, BY_SITE, BY_SEX, BY_SURGERY,
               BY_STEROIDS, BY_OUTCOME, BY_METASTATIC, BY_MARGIN,
               BY_AGE_GROUP, BY_N } stats_by;
#define STATS_MAXG 12
const char *stats_by_name(stats_by b);                   /* "alk_status" */
int  stats_by_parse(const char *s);                      /* -1 unknown  */
/* Group names of b in dictionary order, "unknown" last. */
int  stats_by_groups(stats_by b, const char *names[STATS_MAXG]);
int  stats_group_of(const imt_case *c, stats_by b);

/* ---- a cohort: what `stats` and the view accumulate case by case ----
 * A cohort counts the cases it is given (n, ALK status by site) and
 * streams each case's observation for the endpoint into obs.  An endpoint
 * derived elsewhere (from a case's course of events, say) is fed with
 * stats_cohort_case + stats_cohort_observe / stats_cohort_exclude. */

/* Best response per agent over the therapy lines of the cohort (the
 * lines --line/--agent select): lines with the agent, lines with a
 * response recorded, and how many had each best response (CR best, then
 * PR, SD, PD, NE).  ORR = (CR + PR) / lines with a response. */
typedef struct {
    long lines, assessed, best[RESP_N];
} stats_resp;

typedef struct {
    stats_endpoint endpoint;
    stats_by       by;
    course_sel     sel;          /* line / agent (course endpoints)        */
    char           agent[64];    /* storage for sel.agent                  */
    long           n, n_excluded;
    long           excl_why[CEX_N];  /* course endpoints: why excluded     */
    stats_stream   obs;                           /* (time, event, group)  */
    long           site_alk[SITE_N + 1][ALK_N];   /* row SITE_N: unknown */
    stats_resp     resp[AG_N];   /* by ev_agent; every chemo as "chemo"    */
} stats_cohort;

void stats_cohort_init(stats_cohort *co, stats_endpoint e, stats_by by);
/* The therapy line the per-line endpoints and the response counts use:
 * line N (0 = any) and an agent (NULL = any; ev_agents_match's names). */
void stats_cohort_select(stats_cohort *co, int line, const char *agent);
/* A case: counted, and its observation for co->endpoint added.  -1 OOM. */
int  stats_cohort_add(stats_cohort *co, const imt_case *c);
/* A case with its course (NULL = no events): the course endpoints and
 * the response counts need it.  -1 OOM. */
int  stats_cohort_add_course(stats_cohort *co, const imt_case *c,
                             const imt_course *course);
/* The parts of stats_cohort_add: count the case (n, ALK by site); then
 * either its observation for the endpoint (group: stats_group_of, or 0
 * when ungrouped) or that it has none (n_excluded). */
void stats_cohort_case(stats_cohort *co, const imt_case *c);
int  stats_cohort_observe(stats_cohort *co, double time, int event, int group); /* -1 OOM */
void stats_cohort_exclude(stats_cohort *co);
void stats_cohort_free(stats_cohort *co);
/* The dictionary fields stats_cohort_add(_course) reads for co's
 * endpoint (for a store walk that reads only those: a few for OS, DSS
 * and RFS, all of them for an endpoint of the course); returns how many
 * were written to out (at most max). */
int  stats_cohort_fields(const stats_cohort *co, int *out, int max);

#define STATS_NLANDMARKS 4
extern const double stats_landmarks[STATS_NLANDMARKS];   /* 12 36 60 120 */
#define STATS_MAXWARN 48

typedef struct {
    const char *name;
    long   n, events;
    double observed, expected;  /* log-rank O and E; E NaN when !tested */
    bool   tested;              /* in the log-rank / Fisher tests: false
                                 * for a missing value ("unknown") */
    stats_km km;
    stats_at at[STATS_NLANDMARKS];
    double median;
} stats_group;

typedef struct {
    long   n, n_used, n_excluded, events;
    stats_km km;
    stats_at at[STATS_NLANDMARKS];
    double median;
    int    ngroups;                      /* groups with cases */
    /* logrank over the tested groups (>= 2); fisher when exactly 2 */
    stats_group groups[STATS_MAXG];
    bool   has_logrank;
    double chisq, p;
    int    df;
    bool   has_fisher;
    long   table[2][2];
    double fisher_p;
    int    nwarn;
    char   warn[STATS_MAXWARN][400];
} stats_report;

int  stats_report_compute(const stats_cohort *co, stats_report *r); /* -1 OOM */
void stats_report_free(stats_report *r);

#endif
