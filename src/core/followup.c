/* core/followup.c - the follow-up schedule and next due dates
 * (core/followup.h).  The default schedule and where its values come from:
 * themes/followup.schedule. */
#define _GNU_SOURCE
#include "core/followup.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const fu_group_names[FU_NGROUPS + 1] = {
    "active_disease", "high_risk", "standard", NULL };

/* Must give the values of themes/followup.schedule (test_followup). */
const char fu_default_text[] =
    "active_disease 0+  = 3\n"
    "high_risk      0-2 = 3\n"
    "high_risk      2-5 = 6\n"
    "high_risk      5+  = 12\n"
    "standard       0-2 = 6\n"
    "standard       2-5 = 12\n"
    "standard       5+  = 12\n"
    "due_window_days          = 30\n"
    "response_assessment_days = 84\n";

static bool is_blank(int c) { return c == ' ' || c == '\t'; }

/* The parser without the fallback, so the default can use it. */
static int parse(fu_schedule *s, const char *text, const char *fname, char *err, size_t errn);

void fu_default(fu_schedule *s)
{
    char err[64];
    if (parse(s, fu_default_text, "built-in", err, sizeof err) != 0) {
        /* cannot happen (test_followup parses it); keep a safe schedule */
        memset(s, 0, sizeof *s);
        for (int g = 0; g < FU_NGROUPS; g++)
            s->rows[s->nrows++] = (fu_row){ g, 0, INFINITY, 3 };
        s->due_window_days = 30;
        s->response_days = 84;
    }
}

__attribute__((format(printf, 5, 6)))
static int perr(char *err, size_t errn, const char *fname, int line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (errn)
        snprintf(err, errn, "%s:%d: %s", fname, line, msg);
    return -1;
}

/* A whole number in [lo, hi] from the whole of s. */
static bool whole(const char *s, long lo, long hi, long *v)
{
    if (!*s || strlen(s) > 6)
        return false;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    *v = strtol(s, NULL, 10);
    return *v >= lo && *v <= hi;
}

static int parse(fu_schedule *s, const char *text, const char *fname, char *err, size_t errn)
{
    memset(s, 0, sizeof *s);
    s->due_window_days = -1;
    s->response_days = -1;
    int lineno = 0;
    const char *p = text;
    while (*p) {
        lineno++;
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[256];
        if (len >= sizeof line)
            return perr(err, errn, fname, lineno, "line too long");
        memcpy(line, p, len);
        line[len] = '\0';
        p = nl ? nl + 1 : p + len;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *a = line;
        while (is_blank((unsigned char)*a) || *a == '\r')
            a++;
        size_t n = strlen(a);
        while (n && (is_blank((unsigned char)a[n - 1]) || a[n - 1] == '\r'))
            a[--n] = '\0';
        if (!*a)
            continue;
        for (char *q = a; *q; q++)
            if ((unsigned char)*q < 0x20 && *q != '\t')
                return perr(err, errn, fname, lineno, "a control character");
        char *eq = strchr(a, '=');
        if (!eq)
            return perr(err, errn, fname, lineno, "expected 'GROUP YEARS = MONTHS' or "
                        "'SETTING = N'");
        *eq = '\0';
        char *val = eq + 1;
        while (is_blank((unsigned char)*val))
            val++;
        char *k = a;
        n = strlen(k);
        while (n && is_blank((unsigned char)k[n - 1]))
            k[--n] = '\0';
        long v;
        if (strcmp(k, "due_window_days") == 0) {
            if (!whole(val, 0, 365, &v))
                return perr(err, errn, fname, lineno, "due_window_days is a whole number "
                            "of days from 0 to 365");
            s->due_window_days = (int)v;
            continue;
        }
        if (strcmp(k, "response_assessment_days") == 0) {
            if (!whole(val, 7, 365, &v))
                return perr(err, errn, fname, lineno, "response_assessment_days is a "
                            "whole number of days from 7 to 365");
            s->response_days = (int)v;
            continue;
        }
        /* GROUP YEARS */
        char *sp = k;
        while (*sp && !is_blank((unsigned char)*sp))
            sp++;
        char *years = sp;
        while (is_blank((unsigned char)*years))
            years++;
        *sp = '\0';
        int g = imt_enum_find(fu_group_names, k);
        if (g < 0)
            return perr(err, errn, fname, lineno, "'%.40s' is not a group or setting "
                        "(groups: active_disease, high_risk, standard; settings: "
                        "due_window_days, response_assessment_days)", k);
        if (!*years)
            return perr(err, errn, fname, lineno, "the years are missing: %s A-B = "
                        "MONTHS or %s A+ = MONTHS", k, k);
        double from, to;
        char *dash = strchr(years, '-');
        size_t yl = strlen(years);
        long lo, hi;
        if (yl > 1 && years[yl - 1] == '+') {
            years[yl - 1] = '\0';
            if (!whole(years, 0, 200, &lo))
                return perr(err, errn, fname, lineno, "years are A-B or A+ with whole "
                            "numbers of years");
            from = (double)lo;
            to = INFINITY;
        } else if (dash) {
            *dash = '\0';
            if (!whole(years, 0, 200, &lo) || !whole(dash + 1, 1, 200, &hi) || hi <= lo)
                return perr(err, errn, fname, lineno, "years are A-B (A < B) or A+ with "
                            "whole numbers of years");
            from = (double)lo;
            to = (double)hi;
        } else {
            return perr(err, errn, fname, lineno, "years are A-B or A+ (e.g. 0-2, 5+)");
        }
        if (!whole(val, 1, FU_MAX_MONTHS, &v))
            return perr(err, errn, fname, lineno, "months are a whole number from 1 to "
                        "%d (never more than %d months between contacts)", FU_MAX_MONTHS,
                        FU_MAX_MONTHS);
        if (s->nrows >= FU_MAX_ROWS)
            return perr(err, errn, fname, lineno, "more than %d rows", FU_MAX_ROWS);
        for (int i = 0; i < s->nrows; i++)
            if (s->rows[i].group == g && from < s->rows[i].to && s->rows[i].from < to)
                return perr(err, errn, fname, lineno, "%s: these years overlap another "
                            "row of the group", fu_group_names[g]);
        s->rows[s->nrows++] = (fu_row){ g, from, to, (int)v };
    }
    /* every group covers 0+ */
    for (int g = 0; g < FU_NGROUPS; g++) {
        double at = 0;
        for (;;) {
            int found = -1;
            for (int i = 0; i < s->nrows; i++)
                if (s->rows[i].group == g && s->rows[i].from == at)
                    found = i;
            if (found < 0)
                return perr(err, errn, fname, lineno, "%s: no row covers %g years since "
                            "diagnosis (each group's rows must cover 0+ without gaps)",
                            fu_group_names[g], at);
            at = s->rows[found].to;
            if (isinf(at))
                break;
        }
    }
    if (s->due_window_days < 0)
        return perr(err, errn, fname, lineno, "due_window_days is missing");
    if (s->response_days < 0)
        return perr(err, errn, fname, lineno, "response_assessment_days is missing");
    /* rows by group, then from */
    for (int i = 1; i < s->nrows; i++)
        for (int j = i; j > 0; j--) {
            fu_row *x = &s->rows[j - 1], *y = &s->rows[j];
            if (x->group < y->group || (x->group == y->group && x->from <= y->from))
                break;
            fu_row t = *x;
            *x = *y;
            *y = t;
        }
    return 0;
}

int fu_parse(fu_schedule *s, const char *text, const char *fname, char *err, size_t errn)
{
    if (parse(s, text, fname, err, errn) != 0) {
        fu_default(s);
        return -1;
    }
    return 0;
}

void fu_canonical(const fu_schedule *s, char *buf, size_t n)
{
    size_t l = (size_t)snprintf(buf, n, "v1");
    for (int i = 0; i < s->nrows && l < n; i++) {
        const fu_row *r = &s->rows[i];
        if (isinf(r->to))
            l += (size_t)snprintf(buf + l, n - l, ";%s %g+ %d", fu_group_names[r->group],
                                  r->from, r->months);
        else
            l += (size_t)snprintf(buf + l, n - l, ";%s %g-%g %d", fu_group_names[r->group],
                                  r->from, r->to, r->months);
    }
    if (l < n)
        snprintf(buf + l, n - l, ";window %d;response %d", s->due_window_days,
                 s->response_days);
}

int fu_interval(const fu_schedule *s, int group, double years)
{
    int first = FU_MAX_MONTHS;
    double first_from = INFINITY;
    for (int i = 0; i < s->nrows; i++) {
        const fu_row *r = &s->rows[i];
        if (r->group != group)
            continue;
        if (r->from < first_from) {
            first_from = r->from;
            first = r->months;
        }
        if (years >= r->from && years < r->to)
            return r->months;
    }
    return first;       /* unknown or negative years: the first interval */
}

int fu_group_of(const imt_case *c, const imt_course *co, const course_timeline *t)
{
    if (t->status == OUT_AWD)
        return FU_ACTIVE;
    bool events_risk = false;
    for (int i = 0; co && i < co->n; i++) {
        const imt_event *e = &co->v[i];
        if (e->type == EV_RECURRENCE || e->type == EV_PROGRESSION || e->type == EV_METASTASIS)
            events_risk = true;
        if (e->type == EV_THERAPY_START && e->line > 0) {
            bool stopped = false;
            for (int j = 0; j < co->n; j++)
                if (co->v[j].type == EV_THERAPY_STOP && co->v[j].line == e->line)
                    stopped = true;
            if (!stopped)
                return FU_ACTIVE;
        }
    }
    imt_case d = *c;              /* shallow: derive sets int fields only */
    imt_case_derive(&d);
    if ((c->site >= 0 && c->site != SITE_LUNG) ||
        (c->site == SITE_LUNG && d.alk_status == ALK_POSITIVE) ||
        c->surgery == SURG_NONE || c->surgery == SURG_BIOPSY || c->surgery == SURG_R1 ||
        c->surgery == SURG_R2 || (c->size_cm.known && c->size_cm.v > 8) ||
        c->metastatic == 1 || c->recurrence == 1 || events_risk ||
        c->histology == HIST_EPITHELIOID)
        return FU_HIGH;
    return FU_STANDARD;
}

int fu_next_due(const imt_case *c, const imt_course *co, const fu_schedule *s, fu_result *r)
{
    memset(r, 0, sizeof *r);
    r->group = -1;
    course_timeline t;
    course_timeline_of(c, co, &t);
    if (t.dead) {
        r->why = FUW_DEAD;
        return 1;
    }
    if (t.lost) {
        r->why = FUW_LOST;
        return 1;
    }
    long dx = 0, last = 0;
    bool have_dx = c->diagnosis_date && ev_date_days(c->diagnosis_date, &dx);
    double years = -1;
    if (have_dx) {
        double lc = t.have_contact ? t.last_contact : 0;
        if (!(lc >= 0))
            lc = 0;
        last = dx + (long)floor(lc + 0.5);
        years = (double)(last - dx) / 365.25;
    } else {
        /* no diagnosis date: the latest contact given as a date */
        bool any = false;
        for (int i = 0; co && i < co->n; i++) {
            long d;
            if (co->v[i].type == EV_CONTACT && co->v[i].date[0] &&
                ev_date_days(co->v[i].date, &d) && (!any || d > last)) {
                last = d;
                any = true;
            }
        }
        if (!any) {
            r->why = FUW_NO_DATE;
            return 1;
        }
    }
    r->group = fu_group_of(c, co, &t);
    r->months = fu_interval(s, r->group, years);
    ev_days_date(last, r->last_contact);
    ev_add_months(r->last_contact, r->months, r->next_due);
    r->why = FUW_OK;
    return 0;
}

void fu_date_plus(const char *today, int days, char out[11])
{
    long d;
    if (!ev_date_days(today, &d)) {
        out[0] = '\0';
        return;
    }
    ev_days_date(d + days, out);
}

int fu_status(const char *next_due, const char *today, int window_days)
{
    if (!next_due || !next_due[0])
        return FUS_NONE;
    if (strcmp(next_due, today) < 0)
        return FUS_OVERDUE;
    char until[11];
    fu_date_plus(today, window_days, until);
    return strcmp(next_due, until) <= 0 ? FUS_DUE : FUS_NONE;
}
