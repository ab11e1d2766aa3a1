/* Unit tests for the course of a case (src/core/events.c) and the
 * follow-up schedule (src/core/followup.c).
 *
 * Every expected value is worked out by hand here from the definitions of
 * issue 14 (man page EVENTS, STATISTICS "Endpoints of the course",
 * FOLLOW-UP): days between dates counted on a calendar, months = days /
 * 30.4375.  Cases are written as data-dictionary cells and events as rows
 * of the events CSV, through the same parsers import uses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/events.h"
#include "core/followup.h"

#define M 30.4375

/* ---- helpers ------------------------------------------------------------ */

static void apply(imt_case *c, const char *spec)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(tok, '=');
        assert_non_null(eq);
        *eq = '\0';
        int f = imt_field_find(tok);
        if (f < 0)
            fail_msg("no field '%s'", tok);
        char err[256];
        if (imt_field_parse(c, f, eq + 1, err, sizeof err) != 0)
            fail_msg("%s='%s': %s", tok, eq + 1, err);
    }
}

static void mkcase(imt_case *c, const char *spec)
{
    imt_case_init(c);
    apply(c, "case_id=C-1;site=lung");
    apply(c, spec);
    imt_case_derive(c);
}

typedef struct { int n; int col[16]; char msg[16][400]; } reports;

static void rep_row(void *ctx, int col, const char *msg)
{
    reports *r = ctx;
    if (r->n < 16) {
        r->col[r->n] = col;
        snprintf(r->msg[r->n], sizeof r->msg[0], "%s", msg);
    }
    r->n++;
}

/* "date,type,line,agent,intent,reason,response,extent,site,detail" (no
 * case_id; no commas inside values) into e.  Returns the problems. */
static int row(imt_event *e, const char *csv, reports *r)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", csv);
    const char *cells[EVC_N] = { "C-1" };
    int col = 1;
    char *p = buf;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (col < EVC_N)
            cells[col++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
    while (col < EVC_N)
        cells[col++] = "";
    reports local = { 0 };
    return ev_parse_row(e, cells, rep_row, r ? r : &local);
}

/* A course from rows separated by '|'. */
static void course_of(imt_course *co, const char *rows)
{
    course_init(co);
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", rows);
    char *save = NULL;
    long long id = 1;
    for (char *tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
        imt_event e;
        ev_init(&e);
        reports r = { 0 };
        if (row(&e, tok, &r) != 0)
            fail_msg("row '%s': %s", tok, r.msg[0]);
        e.id = id++;
        assert_int_equal(course_add(co, &e), 0);
        ev_clear(&e);
    }
}

typedef struct { int n; int ev[16]; int col[16]; char msg[16][400]; } vreports;

static void rep_course(void *ctx, int ev, int col, const char *msg)
{
    vreports *r = ctx;
    if (r->n < 16) {
        r->ev[r->n] = ev;
        r->col[r->n] = col;
        snprintf(r->msg[r->n], sizeof r->msg[0], "%s", msg);
    }
    r->n++;
}

static int validate(const char *spec, const char *rows, vreports *r)
{
    imt_case c;
    imt_course co;
    mkcase(&c, spec);
    course_of(&co, rows);
    course_sort(&co, &c);
    memset(r, 0, sizeof *r);
    int n = course_validate(&c, &co, rep_course, r);
    course_clear(&co);
    imt_case_clear(&c);
    return n;
}

static bool any_msg(const vreports *r, const char *needle)
{
    for (int i = 0; i < r->n && i < 16; i++)
        if (strstr(r->msg[i], needle))
            return true;
    return false;
}

/* ---- one row ---------------------------------------------------------------- */

static void test_row_valid(void **state)
{
    (void)state;
    imt_event e;
    ev_init(&e);
    assert_int_equal(row(&e, "2020-03-01,THERAPY_START,1,Crizotinib,Palliative,,,,,", NULL), 0);
    assert_int_equal(e.type, EV_THERAPY_START);
    assert_int_equal(e.line, 1);
    assert_string_equal(e.agent, "crizotinib");
    assert_int_equal(e.intent, INTENT_PALLIATIVE);
    assert_string_equal(e.date, "2020-03-01");
    /* days from diagnosis, kept as days */
    assert_int_equal(row(&e, "120,response,1,,,,pr,,,", NULL), 0);
    assert_string_equal(e.date, "");
    assert_int_equal(e.day, 120);
    assert_int_equal(e.response, RESP_PR);
    char b[64];
    assert_string_equal(ev_format_cell(&e, EVC_DATE, b, sizeof b), "120");
    assert_string_equal(ev_format_cell(&e, EVC_RESPONSE, b, sizeof b), "PR");
    /* a recurrence's site and a contact's status are coded */
    assert_int_equal(row(&e, "2021-01-01,recurrence,,,,,,,Local,", NULL), 0);
    assert_string_equal(e.site, "local");
    assert_int_equal(row(&e, "2021-01-01,contact,,,,,,,,ned", NULL), 0);
    assert_string_equal(e.detail, "NED");
    /* a biopsy's markers in dictionary order, each value canonical */
    assert_int_equal(row(&e, "2021-02-01,biopsy,,,,,,,liver,fusion=EML4::ALK;"
                             "Fusion_Method=NGS_RNA; alk_ihc=Positive", NULL), 0);
    assert_string_equal(e.detail, "alk_ihc=positive; fusion=EML4::ALK; fusion_method=ngs_rna");
    imt_case m;
    assert_int_equal(ev_biopsy_markers(&e, &m), 0);
    assert_int_equal(m.alk_status, ALK_POSITIVE);
    imt_case_clear(&m);
    ev_clear(&e);
}

static void test_row_refused(void **state)
{
    (void)state;
    imt_event e;
    ev_init(&e);
    reports r = { 0 };
    /* a column the type does not take */
    assert_true(row(&e, "2020-01-01,surgery,1,,,,,,R0,,", &r) > 0);
    assert_int_equal(r.col[0], EVC_LINE);
    assert_non_null(strstr(r.msg[0], "does not apply to a surgery event"));
    /* a required one missing */
    memset(&r, 0, sizeof r);
    assert_true(row(&e, "2020-01-01,therapy_start,,crizotinib,,,,,,", &r) > 0);
    assert_int_equal(r.col[0], EVC_LINE);
    memset(&r, 0, sizeof r);
    assert_true(row(&e, "2020-01-01,response,1,,,,,,,", &r) > 0);
    assert_int_equal(r.col[0], EVC_RESPONSE);
    /* vocabularies */
    memset(&r, 0, sizeof r);
    assert_true(row(&e, "2020-01-01,response,1,,,,MR,,,", &r) > 0);
    assert_non_null(strstr(r.msg[0], "CR, PR, SD, PD, NE"));
    memset(&r, 0, sizeof r);
    assert_true(row(&e, "2020-01-01,therapy_stop,1,,,progressed,,,,", &r) > 0);
    assert_int_equal(r.col[0], EVC_REASON);
    memset(&r, 0, sizeof r);
    assert_true(row(&e, "2020-01-01,therapy_start,0,crizotinib,,,,,,", &r) > 0);
    assert_int_equal(r.col[0], EVC_LINE);
    memset(&r, 0, sizeof r);
    assert_true(row(&e, "2020-02-30,contact,,,,,,,,", &r) > 0);
    assert_int_equal(r.col[0], EVC_DATE);
    memset(&r, 0, sizeof r);
    assert_true(row(&e, "-3,contact,,,,,,,,", &r) > 0);
    assert_non_null(strstr(r.msg[0], "before the diagnosis"));
    memset(&r, 0, sizeof r);
    assert_true(row(&e, "2020-01-01,recurrence,,,,,,,lung,", &r) > 0);
    assert_int_equal(r.col[0], EVC_SITE);
    memset(&r, 0, sizeof r);
    assert_true(row(&e, "2020-01-01,contact,,,,,,,,alive", &r) > 0);
    assert_int_equal(r.col[0], EVC_DETAIL);
    memset(&r, 0, sizeof r);
    assert_true(row(&e, "2020-01-01,biopsy,,,,,,,,fusion=EML4::ALK", &r) > 0);
    assert_non_null(strstr(r.msg[0], "fusion_method"));
    memset(&r, 0, sizeof r);
    assert_true(row(&e, "2020-01-01,biopsy,,,,,,,,notes=x", &r) > 0);
    ev_clear(&e);
}

static void test_agents(void **state)
{
    (void)state;
    char *c = NULL, err[512];
    assert_int_equal(ev_agents_parse("Lorlatinib + Checkpoint Inhibitor", &c, err, sizeof err), 0);
    assert_string_equal(c, "lorlatinib;checkpoint_inhibitor");
    assert_true(ev_agents_match(c, "alk_tki"));
    assert_false(ev_agents_match(c, "crizotinib"));
    assert_int_equal(ev_agents_classes(c), (1u << AC_TARGETED) | (1u << AC_IMMUNO));
    free(c);
    assert_int_equal(ev_agents_parse("chemo:MTX+VCR; corticosteroid", &c, err, sizeof err), 0);
    assert_string_equal(c, "chemo:MTX+VCR;corticosteroid");
    assert_true(ev_agents_match(c, "chemo"));
    assert_true(ev_agents_match(c, "chemo:mtx+vcr"));
    assert_false(ev_agents_match(c, "chemo:MTX"));
    free(c);
    assert_int_equal(ev_agents_parse("radiotherapy:50.40Gy/28f", &c, err, sizeof err), 0);
    assert_string_equal(c, "radiotherapy:50.4/28");
    assert_true(fabs(ev_agents_rt_dose(c) - 50.4) < 1e-12);
    assert_true(ev_agents_match(c, "radiotherapy"));
    free(c);
    assert_int_equal(ev_agents_parse("aspirin", &c, err, sizeof err), -1);
    assert_int_equal(ev_agents_parse("crizotinib;crizotinib", &c, err, sizeof err), -1);
    assert_int_equal(ev_agents_parse("chemo", &c, err, sizeof err), -1);
    assert_int_equal(ev_agents_parse("radiotherapy:0/10", &c, err, sizeof err), -1);
    assert_int_equal(ev_agents_parse("crizotinib;;alectinib", &c, err, sizeof err), -1);
}

/* ---- whole courses ---------------------------------------------------------- */

#define DX "diagnosis_date=2020-01-01"

static void test_response_inside_line(void **state)
{
    (void)state;
    vreports r;
    const char *line = "2020-03-01,therapy_start,1,crizotinib,,,,,,|"
                       "2020-09-01,therapy_stop,1,,,completed,,,,";
    char buf[512];
    /* inside: accepted, on either bound too */
    snprintf(buf, sizeof buf, "%s|2020-05-01,response,1,,,,PR,,,|2020-09-01,response,1,,,,SD,,,", line);
    assert_int_equal(validate(DX, buf, &r), 0);
    /* after the stop: refused, on its date */
    snprintf(buf, sizeof buf, "%s|2020-10-01,response,1,,,,PR,,,", line);
    assert_int_equal(validate(DX, buf, &r), 1);
    assert_int_equal(r.col[0], EVC_DATE);
    assert_true(any_msg(&r, "after line 1 stopped"));
    /* before the start */
    snprintf(buf, sizeof buf, "%s|2020-02-01,response,1,,,,PR,,,", line);
    assert_int_equal(validate(DX, buf, &r), 1);
    assert_true(any_msg(&r, "before line 1 started"));
    /* a line that never started */
    assert_int_equal(validate(DX, "2020-05-01,response,2,,,,PR,,,", &r), 1);
    assert_int_equal(r.col[0], EVC_LINE);
}

static void test_stop_after_start(void **state)
{
    (void)state;
    vreports r;
    assert_int_equal(validate(DX, "2020-03-01,therapy_start,1,crizotinib,,,,,,|"
                                  "2020-02-01,therapy_stop,1,,,toxicity,,,,", &r), 1);
    assert_true(any_msg(&r, "before its start"));
    /* the same day is a stop, not an error */
    assert_int_equal(validate(DX, "2020-03-01,therapy_start,1,radiotherapy:8/1,,,,,,|"
                                  "2020-03-01,therapy_stop,1,,,completed,,,,", &r), 0);
    assert_int_equal(validate(DX, "2020-03-01,therapy_stop,1,,,completed,,,,", &r), 1);
    assert_true(any_msg(&r, "no therapy_start"));
    assert_int_equal(validate(DX, "2020-03-01,therapy_start,1,crizotinib,,,,,,|"
                                  "2020-04-01,therapy_start,1,alectinib,,,,,,", &r), 1);
    assert_true(any_msg(&r, "already started"));
    assert_int_equal(validate(DX, "2020-03-01,therapy_start,1,crizotinib,,,,,,|"
                                  "2020-04-01,therapy_stop,1,alectinib,,,,,,", &r), 1);
    assert_int_equal(r.col[0], EVC_AGENT);
}

static void test_diagnosis_and_death(void **state)
{
    (void)state;
    vreports r;
    assert_int_equal(validate(DX, "2019-12-31,surgery,,,,,,R0,,", &r), 1);
    assert_true(any_msg(&r, "before the diagnosis (2020-01-01)"));
    assert_int_equal(validate(DX, "2020-01-01,surgery,,,,,,R0,,", &r), 0);
    /* death at 12 months = day 365.25: day 365 and 366 (slack 1.52) pass,
     * day 367 does not */
    assert_int_equal(validate(DX ";outcome=DOD;followup_months=12", "366,contact,,,,,,,,", &r), 0);
    assert_int_equal(validate(DX ";outcome=DOD;followup_months=12", "367,contact,,,,,,,,", &r), 1);
    assert_true(any_msg(&r, "after the death"));
    /* a contact recording the death ends the course */
    assert_int_equal(validate(DX, "2021-01-01,contact,,,,,,,,DOC|2021-02-01,contact,,,,,,,,", &r), 1);
    assert_int_equal(r.ev[0], 1);
    /* no diagnosis date: dates alone, or days alone, but not both */
    assert_int_equal(validate("", "2021-01-01,contact,,,,,,,,|2021-02-01,contact,,,,,,,,", &r), 0);
    assert_int_equal(validate("", "10,contact,,,,,,,,|20,contact,,,,,,,,", &r), 0);
    assert_int_equal(validate("", "2021-01-01,contact,,,,,,,,|20,contact,,,,,,,,", &r), 1);
    assert_true(any_msg(&r, "cannot mix"));
}

static void test_one_line_per_class(void **state)
{
    (void)state;
    vreports r;
    /* crizotinib still running when alectinib starts: refused */
    assert_int_equal(validate(DX, "2020-03-01,therapy_start,1,crizotinib,,,,,,|"
                                  "2020-06-01,therapy_start,2,alectinib,,,,,,", &r), 1);
    assert_int_equal(r.col[0], EVC_AGENT);
    assert_true(any_msg(&r, "same class (targeted)"));
    /* stopped the same day the next starts: accepted */
    assert_int_equal(validate(DX, "2020-03-01,therapy_start,1,crizotinib,,,,,,|"
                                  "2020-06-01,therapy_stop,1,,,progression,,,,|"
                                  "2020-06-01,therapy_start,2,alectinib,,,,,,", &r), 0);
    /* another class alongside: accepted */
    assert_int_equal(validate(DX, "2020-03-01,therapy_start,1,radiotherapy:50/25,,,,,,|"
                                  "2020-03-02,therapy_start,2,corticosteroid,,,,,,", &r), 0);
    /* lines numbered in the order they start */
    assert_int_equal(validate(DX, "2020-06-01,therapy_start,1,crizotinib,,,,,,|"
                                  "2020-03-01,therapy_start,2,corticosteroid,,,,,,", &r), 1);
    assert_true(any_msg(&r, "number the lines in the order they start"));
    /* an unknown agent is not a class: nothing to compare */
    assert_int_equal(validate(DX, "2020-03-01,therapy_start,1,,,,,,,|"
                                  "2020-06-01,therapy_start,2,alectinib,,,,,,", &r), 0);
}

static void test_validate_new(void **state)
{
    (void)state;
    imt_case c;
    mkcase(&c, DX);
    imt_course before, after;
    course_of(&before, "2019-06-01,contact,,,,,,,,");    /* already wrong */
    course_of(&after, "2019-06-01,contact,,,,,,,,|2020-03-01,contact,,,,,,,,");
    int ev, col;
    char msg[400];
    assert_int_equal(course_validate_new(&c, &before, &c, &after, &ev, &col, msg, sizeof msg), 0);
    course_clear(&after);
    course_of(&after, "2019-06-01,contact,,,,,,,,|2019-07-01,contact,,,,,,,,");
    assert_int_equal(course_validate_new(&c, &before, &c, &after, &ev, &col, msg, sizeof msg), 1);
    assert_non_null(strstr(msg, "2019-07-01"));
    course_clear(&before);
    course_clear(&after);
    imt_case_clear(&c);
}

typedef struct { int n; int f[16]; } cons_r;

static void cons_rep(void *ctx, int field, const char *msg)
{
    (void)msg;
    cons_r *r = ctx;
    if (r->n < 16)
        r->f[r->n] = field;
    r->n++;
}

static void test_consistency(void **state)
{
    (void)state;
    imt_case c;
    imt_course co;
    cons_r r;
#define CONS(spec, rows) do { \
        mkcase(&c, spec); course_of(&co, rows); course_sort(&co, &c); \
        memset(&r, 0, sizeof r); \
        course_consistency(&c, &co, cons_rep, &r); \
        course_clear(&co); imt_case_clear(&c); } while (0)
    CONS(DX ";recurrence=no", "2020-06-01,recurrence,,,,,,,local,");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.f[0], IMT_F_recurrence);
    /* 152 days = 4.99 months: 5.0 agrees, 5.1 does not */
    CONS(DX ";recurrence=yes;recurrence_months=5", "152,recurrence,,,,,,,local,");
    assert_int_equal(r.n, 0);
    CONS(DX ";recurrence=yes;recurrence_months=5.1", "152,recurrence,,,,,,,local,");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.f[0], IMT_F_recurrence_months);
    /* empty one-row fields contradict nothing */
    CONS(DX, "2020-06-01,recurrence,,,,,,,distant,|2020-02-01,surgery,,,,,,R1,,");
    assert_int_equal(r.n, 0);
    CONS(DX ";surgery=R1", "2020-02-01,surgery,,,,,,R1,,|2020-03-01,surgery,,,,,,R0,,");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.f[0], IMT_F_surgery);
    CONS(DX ";targeted=none;steroids=no",
         "2020-02-01,therapy_start,1,crizotinib;corticosteroid,,,,,,");
    assert_int_equal(r.n, 2);
    CONS(DX ";radiotherapy_gy=50", "2020-02-01,therapy_start,1,radiotherapy:45/25,,,,,,");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.f[0], IMT_F_radiotherapy_gy);
    /* an event after the last contact: followup_months 6 = day 182.6 */
    CONS(DX ";outcome=NED;followup_months=6", "2020-09-01,therapy_start,1,nsaid,,,,,,");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.f[0], IMT_F_followup_months);
    /* ... unless a later contact says so */
    CONS(DX ";outcome=NED;followup_months=6",
         "2020-09-01,therapy_start,1,nsaid,,,,,,|2020-10-01,contact,,,,,,,,NED");
    assert_int_equal(r.n, 0);
#undef CONS
}

/* ---- endpoints, worked by hand ------------------------------------------------- */

static int obs(const char *spec, const char *rows, course_endpoint e, int line,
               const char *agent, double *months, int *status)
{
    imt_case c;
    imt_course co;
    mkcase(&c, spec);
    course_of(&co, rows);
    course_sort(&co, &c);
    course_sel sel = { line, agent };
    int why = 0;
    int rc = course_endpoint_obs(&c, &co, e, &sel, months, status, &why);
    course_clear(&co);
    imt_case_clear(&c);
    return rc ? -why : 0;
}

static void near(double got, double want)
{
    if (fabs(got - want) > 1e-12)
        fail_msg("got %.15g, want %.15g", got, want);
}

/* Line 1 crizotinib from 2020-03-01 (day 60), stopped for progression on
 * 2021-03-01 (day 425); line 2 alectinib from 2021-03-15 (day 439). */
#define COURSE1 "2020-03-01,therapy_start,1,crizotinib,palliative,,,,,|" \
                "2020-05-26,response,1,,,,PR,,,|" \
                "2021-03-01,therapy_stop,1,,,progression,,,,|" \
                "2021-03-15,therapy_start,2,alectinib,palliative,,,,,"

static void test_pfs_progression(void **state)
{
    (void)state;
    double m;
    int st;
    assert_int_equal(obs(DX ";outcome=AWD;followup_months=30", COURSE1, CE_PFS, 0, NULL, &m, &st), 0);
    near(m, 365 / M);                 /* day 60 to day 425 */
    assert_int_equal(st, 1);
    /* line 2, never progressing: censored at the last contact, 30 months */
    assert_int_equal(obs(DX ";outcome=AWD;followup_months=30", COURSE1, CE_PFS, 2, NULL, &m, &st), 0);
    near(m, (30 * M - 439) / M);
    assert_int_equal(st, 0);
    /* --agent picks line 2 the same way */
    assert_int_equal(obs(DX ";outcome=AWD;followup_months=30", COURSE1, CE_PFS, 0, "alectinib", &m, &st), 0);
    near(m, (30 * M - 439) / M);
    /* no such line: left out */
    assert_int_equal(obs(DX ";outcome=AWD;followup_months=30", COURSE1, CE_PFS, 3, NULL, &m, &st),
                     -CEX_NO_LINE);
    assert_int_equal(obs(DX ";outcome=AWD;followup_months=30", COURSE1, CE_PFS, 0, "lorlatinib", &m, &st),
                     -CEX_NO_LINE);
    /* a progression event before the line started is not this line's */
    assert_int_equal(obs(DX ";outcome=NED;followup_months=24",
                         "2020-02-01,progression,,,,,,,,|2020-03-01,therapy_start,1,nsaid,,,,,,",
                         CE_PFS, 0, NULL, &m, &st), 0);
    near(m, (24 * M - 60) / M);
    assert_int_equal(st, 0);
}

static void test_pfs_death_and_contacts(void **state)
{
    (void)state;
    double m;
    int st;
    /* died of disease at 10 months, no progression recorded: an event */
    assert_int_equal(obs(DX ";outcome=DOD;followup_months=10",
                         "2020-01-31,therapy_start,1,chemo:MTX+VCR,,,,,,", CE_PFS, 0, NULL, &m, &st), 0);
    near(m, (10 * M - 30) / M);
    assert_int_equal(st, 1);
    /* a contact later than followup_months is the last contact */
    assert_int_equal(obs(DX ";outcome=NED;followup_months=12",
                         "2020-03-01,therapy_start,1,nsaid,,,,,,|2021-05-15,contact,,,,,,,,NED",
                         CE_PFS, 0, NULL, &m, &st), 0);
    near(m, (500 - 60) / M);           /* 2021-05-15 is day 500 */
    assert_int_equal(st, 0);
    /* no follow-up time, no contact: left out */
    assert_int_equal(obs(DX ";outcome=LOST", "2020-03-01,therapy_start,1,nsaid,,,,,,", CE_PFS, 0,
                         NULL, &m, &st), -CEX_NO_TIME);
    /* days from diagnosis work without a diagnosis date */
    assert_int_equal(obs("outcome=NED;followup_months=12",
                         "30,therapy_start,1,nsaid,,,,,,|200,progression,,,,,,,,", CE_PFS, 0,
                         NULL, &m, &st), 0);
    near(m, 170 / M);
    /* dates without a diagnosis date cannot be placed */
    assert_int_equal(obs("outcome=NED;followup_months=12",
                         "2020-03-01,therapy_start,1,nsaid,,,,,,", CE_PFS, 0, NULL, &m, &st),
                     -CEX_NO_DATE);
}

static void test_dor_ttnt_efs(void **state)
{
    (void)state;
    double m;
    int st;
    /* DOR: PR on 2020-05-26 (day 146) to progression on day 425 */
    assert_int_equal(obs(DX ";outcome=AWD;followup_months=30", COURSE1, CE_DOR, 0, NULL, &m, &st), 0);
    near(m, (425 - 146) / M);
    assert_int_equal(st, 1);
    /* a line without CR or PR: left out */
    assert_int_equal(obs(DX ";outcome=AWD;followup_months=30", COURSE1, CE_DOR, 2, NULL, &m, &st),
                     -CEX_NO_RESPONSE);
    /* TTNT: line 1 (day 60) to line 2 (day 439) */
    assert_int_equal(obs(DX ";outcome=AWD;followup_months=30", COURSE1, CE_TTNT, 1, NULL, &m, &st), 0);
    near(m, 379 / M);
    assert_int_equal(st, 1);
    /* EFS: the progression (day 425) */
    assert_int_equal(obs(DX ";outcome=AWD;followup_months=30", COURSE1, CE_EFS, 0, NULL, &m, &st), 0);
    near(m, 425 / M);
    /* EFS: a recurrence event first */
    assert_int_equal(obs(DX ";outcome=NED;followup_months=40;recurrence=yes;recurrence_months=6.6",
                         "200,recurrence,,,,,,,local,", CE_EFS, 0, NULL, &m, &st), 0);
    near(m, 200 / M);
    /* EFS without a course: the one-row recurrence_months */
    assert_int_equal(obs(DX ";outcome=NED;followup_months=40;recurrence=yes;recurrence_months=14",
                         "", CE_EFS, 0, NULL, &m, &st), 0);
    near(m, 14);
    assert_int_equal(st, 1);
    assert_int_equal(obs(DX ";outcome=NED;followup_months=40;recurrence=yes", "", CE_EFS, 0,
                         NULL, &m, &st), -CEX_RECURRENCE_TIME);
    /* EFS censored */
    assert_int_equal(obs(DX ";outcome=NED;followup_months=40;recurrence=no", "", CE_EFS, 0,
                         NULL, &m, &st), 0);
    near(m, 40);
    assert_int_equal(st, 0);
}

/* ---- the follow-up schedule ------------------------------------------------------ */

static void due(const char *spec, const char *rows, const char *want, int want_group)
{
    imt_case c;
    imt_course co;
    mkcase(&c, spec);
    course_of(&co, rows);
    course_sort(&co, &c);
    fu_schedule s;
    fu_default(&s);
    fu_result r;
    int rc = fu_next_due(&c, &co, &s, &r);
    if (!want) {
        assert_int_equal(rc, 1);
    } else {
        assert_int_equal(rc, 0);
        if (strcmp(r.next_due, want) != 0)
            fail_msg("%s: next_due %s, want %s (group %d)", spec, r.next_due, want, r.group);
        assert_int_equal(r.group, want_group);
    }
    course_clear(&co);
    imt_case_clear(&c);
}

static void test_next_due(void **state)
{
    (void)state;
    /* standard (ALK-negative lung, R0): 12 months = 365.25 days, rounded
     * 365 days: last contact 2021-01-14, 0.999 years: 6 months */
    due("diagnosis_date=2020-01-15;alk_ihc=negative;surgery=R0;outcome=NED;followup_months=12",
        "", "2021-07-14", FU_STANDARD);
    /* standard at 36 months (1095.75 -> 1096 days, 3.0 years): 12 months */
    due("diagnosis_date=2020-01-15;alk_ihc=negative;surgery=R0;outcome=NED;followup_months=36",
        "", "2024-01-15", FU_STANDARD);
    /* extrapulmonary: high risk, 2-5 years: 6 months */
    due("diagnosis_date=2020-01-15;site=abdomen_pelvis;surgery=R0;outcome=NED;followup_months=36",
        "", "2023-07-15", FU_HIGH);
    /* ALK-positive lung: high risk, first 2 years: 3 months */
    due("diagnosis_date=2020-01-15;alk_ihc=positive;surgery=R0;outcome=NED;followup_months=12",
        "", "2021-04-14", FU_HIGH);
    /* alive with disease: 3 months */
    due("diagnosis_date=2020-01-15;alk_ihc=negative;surgery=R0;outcome=AWD;followup_months=36",
        "", "2023-04-15", FU_ACTIVE);
    /* a later contact (2023-08-31) is the last contact; the day is kept or
     * clamped to the month's last */
    due("diagnosis_date=2020-01-15;alk_ihc=negative;surgery=R0;outcome=NED;followup_months=12",
        "2023-08-31,contact,,,,,,,,NED", "2024-08-31", FU_STANDARD);
    /* an open line: active */
    due("diagnosis_date=2020-01-15;alk_ihc=negative;surgery=R0;outcome=NED;followup_months=12",
        "2020-03-01,therapy_start,1,crizotinib,,,,,,", "2021-04-14", FU_ACTIVE);
    /* no follow-up time: from the diagnosis */
    due("diagnosis_date=2020-11-30;alk_ihc=negative;surgery=R0", "", "2021-05-30", FU_STANDARD);
    /* no diagnosis date: a dated contact and the first interval; 08-31 + 6
     * months = 02-28 */
    due("alk_ihc=negative;surgery=R0;outcome=NED", "2022-08-31,contact,,,,,,,,",
        "2023-02-28", FU_STANDARD);
    due("alk_ihc=negative;surgery=R0;outcome=NED", "", NULL, 0);
    /* dead, lost: none */
    due("diagnosis_date=2020-01-15;outcome=DOD;followup_months=12", "", NULL, 0);
    due("diagnosis_date=2020-01-15;outcome=LOST;followup_months=12", "", NULL, 0);
    due("diagnosis_date=2020-01-15;outcome=NED;followup_months=12",
        "2020-12-01,contact,,,,,,,,DOC", NULL, 0);
}

static void test_status(void **state)
{
    (void)state;
    assert_int_equal(fu_status("2024-01-09", "2024-01-10", 30), FUS_OVERDUE);
    assert_int_equal(fu_status("2024-01-10", "2024-01-10", 30), FUS_DUE);
    assert_int_equal(fu_status("2024-02-09", "2024-01-10", 30), FUS_DUE);
    assert_int_equal(fu_status("2024-02-10", "2024-01-10", 30), FUS_NONE);
    assert_int_equal(fu_status("", "2024-01-10", 30), FUS_NONE);
}

static void test_schedule_file(void **state)
{
    (void)state;
    /* the file in the tree gives the built-in default */
    FILE *f = fopen("themes/followup.schedule", "r");
    assert_non_null(f);
    char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    fu_schedule a, b;
    char err[400], ca[600], cb[600];
    assert_int_equal(fu_parse(&a, text, "followup.schedule", err, sizeof err), 0);
    fu_default(&b);
    fu_canonical(&a, ca, sizeof ca);
    fu_canonical(&b, cb, sizeof cb);
    assert_string_equal(ca, cb);
    /* never more than 12 months */
    for (int i = 0; i < b.nrows; i++)
        assert_true(b.rows[i].months >= 1 && b.rows[i].months <= 12);
    assert_int_equal(fu_interval(&b, FU_HIGH, 1.9), 3);
    assert_int_equal(fu_interval(&b, FU_HIGH, 2.0), 6);
    assert_int_equal(fu_interval(&b, FU_HIGH, 40), 12);
}

static void test_schedule_refused(void **state)
{
    (void)state;
    static const struct { const char *text, *needle; } bad[] = {
        { "active_disease 0+ = 13\n", ":1: months are a whole number from 1 to 12" },
        { "active_disease 0+ = 3\nhigh_risk 0-2 = 3\nhigh_risk 3+ = 6\nstandard 0+ = 6\n"
          "due_window_days = 30\nresponse_assessment_days = 84\n", "high_risk: no row covers 2" },
        { "active_disease 0+ = 3\nactive_disease 1-2 = 3\n", ":2: active_disease: these years overlap" },
        { "sometimes 0+ = 3\n", ":1: 'sometimes' is not a group" },
        { "active_disease 0+ = 3\nhigh_risk 0+ = 3\nstandard 0+ = 6\n", "due_window_days is missing" },
        { "active_disease 0+ 3\n", ":1: expected" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fu_schedule s;
        char err[400] = "";
        assert_int_equal(fu_parse(&s, bad[i].text, "x.schedule", err, sizeof err), -1);
        if (!strstr(err, bad[i].needle))
            fail_msg("schedule %zu: '%s' lacks '%s'", i, err, bad[i].needle);
        /* the default is in place after a refusal */
        assert_int_equal(fu_interval(&s, FU_ACTIVE, 0), 3);
    }
}

static void test_dates(void **state)
{
    (void)state;
    char out[11];
    ev_add_months("2024-01-31", 1, out);
    assert_string_equal(out, "2024-02-29");
    ev_add_months("2023-01-31", 1, out);
    assert_string_equal(out, "2023-02-28");
    ev_add_months("2023-11-15", 3, out);
    assert_string_equal(out, "2024-02-15");
    long a, b;
    assert_true(ev_date_days("2020-01-01", &a) && ev_date_days("2021-03-01", &b));
    assert_int_equal(b - a, 425);
    ev_days_date(a + 365, out);
    assert_string_equal(out, "2020-12-31");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_valid),
        cmocka_unit_test(test_row_refused),
        cmocka_unit_test(test_agents),
        cmocka_unit_test(test_response_inside_line),
        cmocka_unit_test(test_stop_after_start),
        cmocka_unit_test(test_diagnosis_and_death),
        cmocka_unit_test(test_one_line_per_class),
        cmocka_unit_test(test_validate_new),
        cmocka_unit_test(test_consistency),
        cmocka_unit_test(test_pfs_progression),
        cmocka_unit_test(test_pfs_death_and_contacts),
        cmocka_unit_test(test_dor_ttnt_efs),
        cmocka_unit_test(test_next_due),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_schedule_file),
        cmocka_unit_test(test_schedule_refused),
        cmocka_unit_test(test_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
