/* core/events.c - the course of a case: events, their checks, and what
 * they say (core/events.h).  Every rule here is written down for users in
 * sample-data/README.md ("The events CSV") and imtreview(1) (EVENTS). */
#define _GNU_SOURCE
#include "core/events.h"
#include "core/utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const ev_columns[EVC_N + 1] = {
    "case_id", "date", "type", "line", "agent", "intent", "reason", "response",
    "extent", "site", "detail", NULL };

const char *const ev_type_values[] = {
    "surgery", "therapy_start", "therapy_stop", "response", "recurrence",
    "progression", "metastasis", "biopsy", "contact", NULL };
const char *const ev_intent_values[] = {
    "neoadjuvant", "adjuvant", "definitive", "palliative", NULL };
const char *const ev_reason_values[] = {
    "completed", "progression", "toxicity", "patient_choice", "other", NULL };
const char *const ev_response_values[] = { "CR", "PR", "SD", "PD", "NE", NULL };
const char *const ev_extent_values[] = { "R0", "R1", "R2", NULL };
const char *const ev_recur_site_values[] = { "local", "distant", NULL };
const char *const ev_status_values[] = { "NED", "AWD", "DOD", "DOC", NULL };

const char *const ev_agent_names[AG_N + 1] = {
    "crizotinib", "ceritinib", "alectinib", "brigatinib", "lorlatinib",
    "ensartinib", "entrectinib", "larotrectinib", "selpercatinib", "chemo",
    "corticosteroid", "nsaid", "radiotherapy", "checkpoint_inhibitor", "other",
    NULL };

const char *const ev_class_names[AC_N] = {
    "targeted", "chemotherapy", "corticosteroid", "nsaid", "radiotherapy",
    "immunotherapy", "other" };

ev_agent_class ev_agent_class_of(ev_agent a)
{
    switch (a) {
    case AG_CHEMO: return AC_CHEMO;
    case AG_CORTICOSTEROID: return AC_STEROID;
    case AG_NSAID: return AC_NSAID;
    case AG_RADIOTHERAPY: return AC_RADIOTHERAPY;
    case AG_CHECKPOINT: return AC_IMMUNO;
    case AG_OTHER: return AC_OTHER;
    default: return a < AG_CHEMO ? AC_TARGETED : AC_OTHER;
    }
}

bool ev_agent_is_alk_tki(ev_agent a)
{
    return a == AG_CRIZOTINIB || a == AG_CERITINIB || a == AG_ALECTINIB ||
           a == AG_BRIGATINIB || a == AG_LORLATINIB || a == AG_ENSARTINIB;
}

bool ev_agent_is_ros1_tki(ev_agent a)
{
    return a == AG_CRIZOTINIB || a == AG_CERITINIB || a == AG_ENTRECTINIB ||
           a == AG_LORLATINIB;
}

#define FAIL(...) do { if (errn) snprintf(err, errn, __VA_ARGS__); return -1; } while (0)

static bool is_blank(int c) { return c == ' ' || c == '\t'; }
static int a_lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }
static bool a_digit(int c) { return c >= '0' && c <= '9'; }

/* ---- one event ----------------------------------------------------------- */

void ev_init(imt_event *e)
{
    memset(e, 0, sizeof *e);
    e->day = -1;
    e->type = IMT_UNKNOWN;
    e->intent = e->reason = e->response = e->extent = IMT_UNKNOWN;
}

void ev_clear(imt_event *e)
{
    free(e->agent);
    free(e->site);
    free(e->detail);
    ev_init(e);
}

static int dup_or_null(char **dst, const char *s)
{
    *dst = NULL;
    if (s && !(*dst = strdup(s)))
        return -1;
    return 0;
}

int ev_copy(imt_event *dst, const imt_event *src)
{
    *dst = *src;
    dst->agent = dst->site = dst->detail = NULL;
    if (dup_or_null(&dst->agent, src->agent) || dup_or_null(&dst->site, src->site) ||
        dup_or_null(&dst->detail, src->detail)) {
        ev_clear(dst);
        return -1;
    }
    return 0;
}

static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool ev_equal(const imt_event *a, const imt_event *b)
{
    return strcmp(a->case_id, b->case_id) == 0 && strcmp(a->date, b->date) == 0 &&
           a->day == b->day && a->type == b->type && a->line == b->line &&
           str_eq(a->agent, b->agent) && a->intent == b->intent &&
           a->reason == b->reason && a->response == b->response &&
           a->extent == b->extent && str_eq(a->site, b->site) &&
           str_eq(a->detail, b->detail);
}

/* Applicability (sample-data/README.md, "The events CSV"). */
#define B(c) (1u << (c))
static const struct { unsigned req, allow; } applies[EV_NTYPES] = {
    [EV_SURGERY]       = { 0, B(EVC_EXTENT) | B(EVC_SITE) | B(EVC_DETAIL) },
    [EV_THERAPY_START] = { B(EVC_LINE), B(EVC_LINE) | B(EVC_AGENT) | B(EVC_INTENT) |
                                         B(EVC_SITE) | B(EVC_DETAIL) },
    [EV_THERAPY_STOP]  = { B(EVC_LINE), B(EVC_LINE) | B(EVC_AGENT) | B(EVC_REASON) |
                                         B(EVC_DETAIL) },
    [EV_RESPONSE]      = { B(EVC_LINE) | B(EVC_RESPONSE),
                           B(EVC_LINE) | B(EVC_RESPONSE) | B(EVC_SITE) | B(EVC_DETAIL) },
    [EV_RECURRENCE]    = { 0, B(EVC_SITE) | B(EVC_DETAIL) },
    [EV_PROGRESSION]   = { 0, B(EVC_LINE) | B(EVC_SITE) | B(EVC_DETAIL) },
    [EV_METASTASIS]    = { 0, B(EVC_SITE) | B(EVC_DETAIL) },
    [EV_BIOPSY]        = { 0, B(EVC_SITE) | B(EVC_DETAIL) },
    [EV_CONTACT]       = { 0, B(EVC_DETAIL) },
};
#define ALWAYS (B(EVC_CASE_ID) | B(EVC_DATE) | B(EVC_TYPE))

unsigned ev_required_cols(int type)
{
    return ALWAYS | (type >= 0 && type < EV_NTYPES ? applies[type].req : 0);
}

unsigned ev_allowed_cols(int type)
{
    return ALWAYS | (type >= 0 && type < EV_NTYPES ? applies[type].allow : 0);
}

static bool col_known(const imt_event *e, int col)
{
    switch (col) {
    case EVC_CASE_ID: return e->case_id[0] != '\0';
    case EVC_DATE: return e->date[0] || e->day >= 0;
    case EVC_TYPE: return e->type != IMT_UNKNOWN;
    case EVC_LINE: return e->line > 0;
    case EVC_AGENT: return e->agent != NULL;
    case EVC_INTENT: return e->intent != IMT_UNKNOWN;
    case EVC_REASON: return e->reason != IMT_UNKNOWN;
    case EVC_RESPONSE: return e->response != IMT_UNKNOWN;
    case EVC_EXTENT: return e->extent != IMT_UNKNOWN;
    case EVC_SITE: return e->site != NULL;
    case EVC_DETAIL: return e->detail != NULL;
    default: return false;
    }
}

static void list_values(const char *const *v, char *buf, size_t n)
{
    buf[0] = '\0';
    size_t l = 0;
    for (int i = 0; v[i] && l + 2 < n; i++)
        l += (size_t)snprintf(buf + l, n - l, "%s%s", i ? ", " : "", v[i]);
}

static int enum_cell(int *slot, const char *const *vals, const char *text,
                     char *err, size_t errn)
{
    int i = imt_enum_find(vals, text);
    if (i < 0) {
        char list[256];
        list_values(vals, list, sizeof list);
        FAIL("'%s' is not one of: %s",
             utf8_valid(text, strlen(text)) && strlen(text) < 64 ? text : "(value)", list);
    }
    *slot = i;
    return 0;
}

/* Free text: valid UTF-8 (no NUL), at most maxcp code points. */
static int text_cell(char **slot, const char *text, unsigned maxcp, char *err, size_t errn)
{
    size_t n = strlen(text);
    if (!utf8_valid(text, n))
        FAIL("text is not valid UTF-8");
    size_t cps = utf8_count(text, n);
    if (cps > maxcp)
        FAIL("text is %zu characters long; the limit is %u", cps, maxcp);
    char *d = strdup(text);
    if (!d)
        FAIL("out of memory");
    free(*slot);
    *slot = d;
    return 0;
}

static int date_cell(imt_event *e, const char *text, char *err, size_t errn)
{
    const char *p = text;
    bool neg = *p == '-';
    if (neg || *p == '+')
        p++;
    bool digits = *p != '\0';
    for (const char *q = p; *q; q++)
        if (!a_digit((unsigned char)*q))
            digits = false;
    if (digits && strlen(p) <= 7) {
        long v = strtol(p, NULL, 10);
        if (neg && v > 0)
            FAIL("day %s is before the diagnosis (days from diagnosis start at 0)", text);
        if (v > EV_DAY_MAX)
            FAIL("day %ld is more than 600 months after the diagnosis", v);
        e->date[0] = '\0';
        e->day = (int)v;
        return 0;
    }
    /* A calendar date: the case's own date validator (real date, not
     * before 1800, not in the future). */
    imt_case tmp;
    imt_case_init(&tmp);
    if (imt_field_parse(&tmp, IMT_F_diagnosis_date, text, err, errn) != 0) {
        imt_case_clear(&tmp);
        if (strlen(text) < 40 && utf8_valid(text, strlen(text)) && !strchr(text, '-'))
            FAIL("'%s' is not a date (YYYY-MM-DD) or a whole number of days from "
                 "the diagnosis", text);
        if (errn && strstr(err, "YYYY-MM-DD form"))
            FAIL("'%s' is not a date in YYYY-MM-DD form nor a number of days from "
                 "the diagnosis", utf8_valid(text, strlen(text)) && strlen(text) < 40
                                            ? text : "(value)");
        return -1;
    }
    snprintf(e->date, sizeof e->date, "%s", tmp.diagnosis_date);
    e->day = -1;
    imt_case_clear(&tmp);
    return 0;
}

static int line_cell(imt_event *e, const char *text, char *err, size_t errn)
{
    const char *p = text;
    bool ok = *p != '\0';
    for (; *p; p++)
        if (!a_digit((unsigned char)*p))
            ok = false;
    long v = ok && strlen(text) <= 4 ? strtol(text, NULL, 10) : -1;
    if (v < 1 || v > EV_LINE_MAX)
        FAIL("'%s' is not a line number (a whole number from 1 to %d)",
             utf8_valid(text, strlen(text)) && strlen(text) < 40 ? text : "(value)",
             EV_LINE_MAX);
    e->line = (int)v;
    return 0;
}

int ev_parse_cell(imt_event *e, int col, const char *text, char *err, size_t errn)
{
    if (errn)
        err[0] = '\0';
    char *copy = NULL;
    if (col != EVC_DETAIL && col != EVC_SITE) {
        while (is_blank((unsigned char)*text))
            text++;
        size_t n = strlen(text);
        while (n && is_blank((unsigned char)text[n - 1]))
            n--;
        if (text[n]) {
            if (!(copy = strndup(text, n)))
                FAIL("out of memory");
            text = copy;
        }
    }
    int rc = 0;
    bool empty = *text == '\0';
    if (empty && (col == EVC_CASE_ID || col == EVC_DATE || col == EVC_TYPE)) {
        if (errn)
            snprintf(err, errn, "%s is required; it cannot be empty", ev_columns[col]);
        free(copy);
        return IMT_CELL_EMPTY;
    }
    switch (col) {
    case EVC_CASE_ID: {
        imt_case tmp;
        imt_case_init(&tmp);
        rc = imt_field_parse(&tmp, IMT_F_case_id, text, err, errn);
        if (rc == 0)
            snprintf(e->case_id, sizeof e->case_id, "%s", tmp.case_id);
        imt_case_clear(&tmp);
        break;
    }
    case EVC_DATE:
        rc = date_cell(e, text, err, errn);
        break;
    case EVC_TYPE:
        rc = enum_cell(&e->type, ev_type_values, text, err, errn);
        break;
    case EVC_LINE:
        if (empty)
            e->line = 0;
        else
            rc = line_cell(e, text, err, errn);
        break;
    case EVC_AGENT: {
        char *canon = NULL;
        if (!empty && ev_agents_parse(text, &canon, err, errn) != 0) {
            rc = -1;
            break;
        }
        free(e->agent);
        e->agent = canon;
        break;
    }
    case EVC_INTENT: case EVC_REASON: case EVC_RESPONSE: case EVC_EXTENT: {
        int *slot = col == EVC_INTENT ? &e->intent : col == EVC_REASON ? &e->reason
                  : col == EVC_RESPONSE ? &e->response : &e->extent;
        const char *const *vals = col == EVC_INTENT ? ev_intent_values
                                : col == EVC_REASON ? ev_reason_values
                                : col == EVC_RESPONSE ? ev_response_values
                                                      : ev_extent_values;
        if (empty)
            *slot = IMT_UNKNOWN;
        else
            rc = enum_cell(slot, vals, text, err, errn);
        break;
    }
    case EVC_SITE: case EVC_DETAIL: {
        char **slot = col == EVC_SITE ? &e->site : &e->detail;
        if (empty) {
            free(*slot);
            *slot = NULL;
        } else {
            rc = text_cell(slot, text, col == EVC_SITE ? EV_SITE_MAX : EV_DETAIL_MAX,
                           err, errn);
        }
        break;
    }
    default:
        rc = -1;
        if (errn)
            snprintf(err, errn, "internal: no column %d", col);
    }
    free(copy);
    return rc;
}

/* The per-type rules, once every cell is in: required and inapplicable
 * columns, and the columns whose meaning depends on the type (site of a
 * recurrence, detail of a biopsy or a contact) in canonical form. */
static int ev_finish(imt_event *e, void (*report)(void *ctx, int col, const char *msg),
                     void *ctx)
{
    if (e->type < 0 || e->type >= EV_NTYPES)
        return 0;            /* the type cell already said why */
    int bad = 0;
    unsigned req = ev_required_cols(e->type), allow = ev_allowed_cols(e->type);
    char msg[300];
    for (int col = EVC_LINE; col < EVC_N; col++) {
        bool known = col_known(e, col);
        if ((req & B(col)) && !known) {
            snprintf(msg, sizeof msg, "required for a %s event", ev_type_values[e->type]);
            report(ctx, col, msg);
            bad++;
        } else if (!(allow & B(col)) && known) {
            char where[200] = "";
            size_t l = 0;
            for (int t = 0; t < EV_NTYPES; t++)
                if (applies[t].allow & B(col))
                    l += (size_t)snprintf(where + l, l < sizeof where ? sizeof where - l : 0,
                                          "%s%s", l ? ", " : "", ev_type_values[t]);
            snprintf(msg, sizeof msg, "does not apply to a %s event (only to: %s); "
                     "leave it empty", ev_type_values[e->type], where);
            report(ctx, col, msg);
            bad++;
        }
    }
    char err[300];
    if (e->type == EV_RECURRENCE && e->site) {
        char t[32];
        const char *s = e->site;
        while (is_blank((unsigned char)*s))
            s++;
        snprintf(t, sizeof t, "%s", s);
        size_t n = strlen(t);
        while (n && is_blank((unsigned char)t[n - 1]))
            t[--n] = '\0';
        int i = strlen(s) < sizeof t ? imt_enum_find(ev_recur_site_values, t) : -1;
        if (i < 0) {
            report(ctx, EVC_SITE, "of a recurrence is 'local' or 'distant' "
                                  "(empty = not recorded)");
            bad++;
        } else {
            char *d = strdup(ev_recur_site_values[i]);
            if (d) {
                free(e->site);
                e->site = d;
            }
        }
    }
    if (e->type == EV_BIOPSY && e->detail) {
        char *canon = NULL;
        if (ev_biopsy_parse(e->detail, &canon, err, sizeof err) != 0) {
            report(ctx, EVC_DETAIL, err);
            bad++;
        } else {
            free(e->detail);
            e->detail = canon;
        }
    }
    if (e->type == EV_CONTACT && e->detail) {
        char t[32];
        const char *s = e->detail;
        while (is_blank((unsigned char)*s))
            s++;
        snprintf(t, sizeof t, "%s", s);
        size_t n = strlen(t);
        while (n && is_blank((unsigned char)t[n - 1]))
            t[--n] = '\0';
        int i = strlen(s) < sizeof t ? imt_enum_find(ev_status_values, t) : -1;
        if (i < 0) {
            report(ctx, EVC_DETAIL, "of a contact is the status seen: NED, AWD, DOD or "
                                    "DOC (empty = not recorded)");
            bad++;
        } else {
            char *d = strdup(ev_status_values[i]);
            if (d) {
                free(e->detail);
                e->detail = d;
            }
        }
    }
    return bad;
}

static void no_report(void *ctx, int col, const char *msg)
{
    (void)ctx;
    (void)col;
    (void)msg;
}

int ev_parse_row(imt_event *e, const char *const cells[EVC_N],
                 void (*report)(void *ctx, int col, const char *msg), void *ctx)
{
    if (!report)
        report = no_report;
    ev_clear(e);
    int bad = 0;
    char err[512];
    for (int col = 0; col < EVC_N; col++) {
        const char *t = cells[col] ? cells[col] : "";
        int rc = ev_parse_cell(e, col, t, err, sizeof err);
        if (rc == IMT_CELL_EMPTY) {
            report(ctx, col, "required; the cell is empty");
            bad++;
        } else if (rc != 0) {
            report(ctx, col, err[0] ? err : "invalid value");
            bad++;
        }
    }
    if (e->type != IMT_UNKNOWN)
        bad += ev_finish(e, report, ctx);
    return bad;
}

static void format_number(double v, char *buf, size_t n)
{
    /* C locale, shortest form that reads back (as imt_field_format) */
    imt_case tmp;
    imt_case_init(&tmp);
    tmp.ki67_pct = (imt_num){ true, v };
    imt_field_format(&tmp, IMT_F_ki67_pct, buf, n);
}

const char *ev_format_cell(const imt_event *e, int col, char *buf, size_t n)
{
    const char *s = ev_cell(e, col, buf, n);
    if (s != buf)
        snprintf(buf, n, "%s", s);
    return buf;
}

const char *ev_cell(const imt_event *e, int col, char *buf, size_t n)
{
    if (n)
        buf[0] = '\0';
    switch (col) {
    case EVC_CASE_ID: return e->case_id;
    case EVC_DATE:
        if (e->date[0])
            return e->date;
        if (e->day >= 0)
            snprintf(buf, n, "%d", e->day);
        return buf;
    case EVC_TYPE:
        return e->type >= 0 && e->type < EV_NTYPES ? ev_type_values[e->type] : buf;
    case EVC_LINE:
        if (e->line > 0)
            snprintf(buf, n, "%d", e->line);
        return buf;
    case EVC_AGENT: return e->agent ? e->agent : buf;
    case EVC_INTENT: return e->intent >= 0 ? ev_intent_values[e->intent] : buf;
    case EVC_REASON: return e->reason >= 0 ? ev_reason_values[e->reason] : buf;
    case EVC_RESPONSE: return e->response >= 0 ? ev_response_values[e->response] : buf;
    case EVC_EXTENT: return e->extent >= 0 ? ev_extent_values[e->extent] : buf;
    case EVC_SITE: return e->site ? e->site : buf;
    case EVC_DETAIL: return e->detail ? e->detail : buf;
    default: return buf;
    }
}

/* ---- agents ------------------------------------------------------------- */

static bool name_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || a_digit(c) ||
           c == '+' || c == '/' || c == '.' || c == '_' || c == '-';
}

/* Case-insensitive prefix test. */
static bool ci_prefix(const char *s, const char *pre)
{
    for (; *pre; s++, pre++)
        if (a_lower((unsigned char)*s) != a_lower((unsigned char)*pre))
            return false;
    return true;
}

static bool ci_eqn(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && ci_prefix(s, w);
}

/* A listed name (not chemo/radiotherapy with a suffix) of n bytes. */
static int listed_agent(const char *s, size_t n)
{
    for (int a = 0; a < AG_N; a++)
        if (a != AG_CHEMO && ci_eqn(s, n, ev_agent_names[a]))
            return a;
    if (ci_eqn(s, n, "checkpoint inhibitor"))
        return AG_CHECKPOINT;
    return -1;
}

/* A plain decimal (digits, at most one '.') of n bytes into *v. */
static bool plain_dec(const char *s, size_t n, double *v)
{
    char b[32];
    if (n == 0 || n >= sizeof b)
        return false;
    int dots = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.')
            dots++;
        else if (!a_digit((unsigned char)s[i]))
            return false;
    }
    if (dots > 1 || s[0] == '.' || s[n - 1] == '.')
        return false;
    memcpy(b, s, n);
    b[n] = '\0';
    *v = strtod(b, NULL);     /* digits and '.': no locale question */
    return true;
}

/* One item (trimmed, n bytes) into out (appended).  0, or -1. */
static int agent_item(const char *s, size_t n, char *out, size_t outn, char *err, size_t errn)
{
    size_t ol = strlen(out);
    const char *sep = ol ? ";" : "";
    if (n > 6 && ci_prefix(s, "chemo:")) {
        const char *r = s + 6;
        size_t rn = n - 6;
        if (rn == 0 || rn > 40)
            FAIL("a chemotherapy regimen is written chemo:NAME (NAME 1 to 40 characters)");
        for (size_t i = 0; i < rn; i++)
            if (!name_char((unsigned char)r[i]))
                FAIL("chemo:%.*s: a regimen name holds only A-Z a-z 0-9 + / . _ - "
                     "(e.g. chemo:MTX+VCR)", (int)(rn < 40 ? rn : 40), r);
        snprintf(out + ol, outn - ol, "%schemo:%.*s", sep, (int)rn, r);
        return 0;
    }
    if (n >= 13 && ci_prefix(s, "radiotherapy:")) {
        /* radiotherapy:DOSE[gy][/FRACTIONS[f|fx]] */
        const char *p = s + 13, *end = s + n;
        const char *q = p;
        while (q < end && (a_digit((unsigned char)*q) || *q == '.'))
            q++;
        double dose;
        if (!plain_dec(p, (size_t)(q - p), &dose) || dose <= 0 || dose > 100)
            FAIL("radiotherapy:DOSE/FRACTIONS: the dose is in Gy, more than 0 and at "
                 "most 100 (e.g. radiotherapy:50.4/28)");
        if (end - q >= 2 && ci_prefix(q, "gy"))
            q += 2;
        long fr = 0;
        if (q < end) {
            if (*q != '/')
                FAIL("radiotherapy:DOSE/FRACTIONS: expected '/' and the number of "
                     "fractions after the dose (e.g. radiotherapy:50.4/28)");
            q++;
            const char *f0 = q;
            while (q < end && a_digit((unsigned char)*q))
                q++;
            if (q == f0 || q - f0 > 3)
                FAIL("radiotherapy:DOSE/FRACTIONS: the fractions are a whole number "
                     "from 1 to 100");
            fr = strtol(f0, NULL, 10);
            if (end - q == 2 && ci_prefix(q, "fx"))
                q += 2;
            else if (end - q == 1 && a_lower((unsigned char)*q) == 'f')
                q++;
            if (q != end || fr < 1 || fr > 100)
                FAIL("radiotherapy:DOSE/FRACTIONS: the fractions are a whole number "
                     "from 1 to 100");
        }
        char d[32];
        format_number(dose, d, sizeof d);
        if (fr)
            snprintf(out + ol, outn - ol, "%sradiotherapy:%s/%ld", sep, d, fr);
        else
            snprintf(out + ol, outn - ol, "%sradiotherapy:%s", sep, d);
        return 0;
    }
    /* listed names, '+' between them */
    const char *p = s, *end = s + n;
    while (p < end) {
        const char *q = p;
        while (q < end && *q != '+')
            q++;
        const char *a = p, *b = q;
        while (a < b && is_blank((unsigned char)*a))
            a++;
        while (b > a && is_blank((unsigned char)b[-1]))
            b--;
        int ag = listed_agent(a, (size_t)(b - a));
        if (ag < 0) {
            if (b - a == 5 && ci_prefix(a, "chemo"))
                FAIL("a chemotherapy regimen is written chemo:NAME (e.g. chemo:MTX+VCR)");
            char list[400];
            size_t l = 0;
            for (int i = 0; i < AG_N; i++)
                l += (size_t)snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "",
                                      i == AG_CHEMO ? "chemo:NAME" : ev_agent_names[i]);
            FAIL("'%.*s' is not an agent of the list: %s", (int)(b - a < 40 ? b - a : 40),
                 utf8_valid(a, (size_t)(b - a)) ? a : "?", list);
        }
        ol = strlen(out);
        snprintf(out + ol, outn - ol, "%s%s", ol ? ";" : "", ev_agent_names[ag]);
        p = q < end ? q + 1 : q;
        if (q < end && p == end)
            FAIL("an agent is missing after '+'");
    }
    return 0;
}

int ev_agents_parse(const char *text, char **canon, char *err, size_t errn)
{
    *canon = NULL;
    size_t n = strlen(text);
    if (!utf8_valid(text, n))
        FAIL("not valid UTF-8");
    if (n > 200)
        FAIL("the agent list is longer than 200 characters");
    char out[512] = "";
    const char *p = text;
    int items = 0;
    for (;;) {
        const char *q = strchr(p, ';');
        const char *e = q ? q : p + strlen(p);
        const char *a = p, *b = e;
        while (a < b && is_blank((unsigned char)*a))
            a++;
        while (b > a && is_blank((unsigned char)b[-1]))
            b--;
        if (a == b)
            FAIL("an empty item in the agent list (agents are separated by ';')");
        if (agent_item(a, (size_t)(b - a), out, sizeof out, err, errn) != 0)
            return -1;
        items++;
        if (!q)
            break;
        p = q + 1;
    }
    /* an agent named twice is a typing slip, never two doses */
    for (int i = 0;; i++) {
        char ni[48];
        ev_agent ai = ev_agents_item(out, i, ni, sizeof ni);
        if (ai == AG_N)
            break;
        for (int j = 0; j < i; j++) {
            char nj[48];
            ev_agent aj = ev_agents_item(out, j, nj, sizeof nj);
            if (ai == aj && (ai != AG_CHEMO || strcmp(ni, nj) == 0) && ai != AG_OTHER)
                FAIL("%s is listed twice", ev_agent_names[ai]);
        }
    }
    if (!(*canon = strdup(out)))
        FAIL("out of memory");
    return 0;
}

ev_agent ev_agents_item(const char *agents, int i, char *name, size_t n)
{
    if (n)
        name[0] = '\0';
    if (!agents)
        return AG_N;
    const char *p = agents;
    for (int k = 0; k < i; k++) {
        p = strchr(p, ';');
        if (!p)
            return AG_N;
        p++;
    }
    const char *e = strchr(p, ';');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len > 6 && strncmp(p, "chemo:", 6) == 0) {
        snprintf(name, n, "%.*s", (int)(len - 6), p + 6);
        return AG_CHEMO;
    }
    if (len >= 12 && strncmp(p, "radiotherapy", 12) == 0)
        return AG_RADIOTHERAPY;
    for (int a = 0; a < AG_N; a++)
        if (strlen(ev_agent_names[a]) == len && strncmp(p, ev_agent_names[a], len) == 0)
            return (ev_agent)a;
    return AG_OTHER;
}

bool ev_agents_has(const char *agents, ev_agent a)
{
    char nm[48];
    ev_agent x;
    for (int i = 0; (x = ev_agents_item(agents, i, nm, sizeof nm)) != AG_N; i++)
        if (x == a)
            return true;
    return false;
}

unsigned ev_agents_classes(const char *agents)
{
    unsigned m = 0;
    char nm[48];
    ev_agent x;
    for (int i = 0; (x = ev_agents_item(agents, i, nm, sizeof nm)) != AG_N; i++)
        m |= 1u << ev_agent_class_of(x);
    return m;
}

double ev_agents_rt_dose(const char *agents)
{
    const char *p = agents ? strstr(agents, "radiotherapy:") : NULL;
    if (!p)
        return NAN;
    return strtod(p + 13, NULL);   /* canonical digits and '.' */
}

int ev_agent_name_check(const char *name, char *err, size_t errn)
{
    if (imt_ascii_caseeq(name, "alk_tki") || imt_ascii_caseeq(name, "ros1_tki") ||
        imt_ascii_caseeq(name, "chemo"))
        return 0;
    char *canon = NULL;
    if (ev_agents_parse(name, &canon, err, errn) != 0)
        return -1;
    bool one = strchr(canon, ';') == NULL;
    free(canon);
    if (!one)
        FAIL("--agent takes one agent");
    return 0;
}

bool ev_agents_match(const char *agents, const char *name)
{
    if (!agents || !name)
        return false;
    char nm[48];
    ev_agent x;
    bool alk = imt_ascii_caseeq(name, "alk_tki"), ros1 = imt_ascii_caseeq(name, "ros1_tki");
    bool any_chemo = imt_ascii_caseeq(name, "chemo");
    size_t nl = strlen(name);
    int listed = listed_agent(name, nl);
    if (nl >= 12 && ci_prefix(name, "radiotherapy"))
        listed = AG_RADIOTHERAPY;
    bool one_chemo = nl > 6 && ci_prefix(name, "chemo:");
    for (int i = 0; (x = ev_agents_item(agents, i, nm, sizeof nm)) != AG_N; i++) {
        if ((alk && ev_agent_is_alk_tki(x)) || (ros1 && ev_agent_is_ros1_tki(x)) ||
            (any_chemo && x == AG_CHEMO))
            return true;
        if (one_chemo && x == AG_CHEMO && imt_ascii_caseeq(nm, name + 6))
            return true;
        if (listed >= 0 && x == (ev_agent)listed)
            return true;
    }
    return false;
}

/* ---- biopsy markers --------------------------------------------------- */

static const int biopsy_fields[] = {
    IMT_F_histology, IMT_F_necrosis, IMT_F_mitoses_10hpf, IMT_F_alk_ihc,
    IMT_F_alk_ihc_pattern, IMT_F_alk_fish, IMT_F_fusion, IMT_F_fusion_method,
    IMT_F_ros1_ihc, IMT_F_pdl1_tps, IMT_F_ki67_pct, IMT_F_sma, IMT_F_desmin,
    IMT_F_cytokeratin, IMT_F_s100, IMT_F_cd117, IMT_F_dog1, IMT_F_igg4_igg_ratio,
    IMT_F_igg4_per_hpf,
};
#define NBIOPSY ((int)(sizeof biopsy_fields / sizeof biopsy_fields[0]))

bool ev_biopsy_field(int f)
{
    for (int i = 0; i < NBIOPSY; i++)
        if (biopsy_fields[i] == f)
            return true;
    return false;
}

typedef struct { int field; char msg[200]; bool any; } first_err;

static void first_cross(void *ctx, int field, const char *msg)
{
    first_err *x = ctx;
    if (x->any)
        return;
    x->any = true;
    x->field = field;
    snprintf(x->msg, sizeof x->msg, "%s", msg);
}

/* Parse text (key=value; ...) into m; names[] marks the fields given. */
static int biopsy_read(const char *text, imt_case *m, bool given[IMT_F_COUNT],
                       char *err, size_t errn)
{
    memset(given, 0, sizeof(bool) * IMT_F_COUNT);
    const char *p = text;
    int items = 0;
    while (*p) {
        const char *q = strchr(p, ';');
        const char *e = q ? q : p + strlen(p);
        const char *a = p, *b = e;
        while (a < b && is_blank((unsigned char)*a))
            a++;
        while (b > a && is_blank((unsigned char)b[-1]))
            b--;
        if (a < b) {
            const char *eq = memchr(a, '=', (size_t)(b - a));
            if (!eq)
                FAIL("the markers of a biopsy are written FIELD=VALUE separated by ';' "
                     "(e.g. alk_ihc=positive; fusion=EML4::ALK; fusion_method=ngs_rna)");
            const char *k1 = eq;
            while (k1 > a && is_blank((unsigned char)k1[-1]))
                k1--;
            char key[40];
            if ((size_t)(k1 - a) >= sizeof key)
                FAIL("'%.30s...' is not a marker field", a);
            memcpy(key, a, (size_t)(k1 - a));
            key[k1 - a] = '\0';
            int f = imt_field_find(key);
            if (f < 0 || !ev_biopsy_field(f)) {
                char list[600];
                size_t l = 0;
                for (int i = 0; i < NBIOPSY; i++)
                    l += (size_t)snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "",
                                          imt_fields[biopsy_fields[i]].name);
                FAIL("'%s' is not a marker field of a biopsy (allowed: %s)",
                     utf8_valid(key, strlen(key)) ? key : "?", list);
            }
            if (given[f])
                FAIL("%s is given twice", imt_fields[f].name);
            const char *v = eq + 1;
            while (v < b && is_blank((unsigned char)*v))
                v++;
            char val[160];
            if ((size_t)(b - v) >= sizeof val)
                FAIL("%s: the value is too long", imt_fields[f].name);
            memcpy(val, v, (size_t)(b - v));
            val[b - v] = '\0';
            if (!*val)
                FAIL("%s: no value after '=' (leave the marker out when not done)",
                     imt_fields[f].name);
            char e2[300];
            if (imt_field_parse(m, f, val, e2, sizeof e2) != 0)
                FAIL("%s: %s", imt_fields[f].name, e2);
            given[f] = true;
            items++;
        }
        if (!q)
            break;
        p = q + 1;
    }
    if (!items)
        FAIL("no marker given");
    first_err x = { 0, "", false };
    imt_case_crosscheck(m, first_cross, &x);
    if (x.any && (x.field == IMT_F_fusion_method || x.field == IMT_F_fusion))
        FAIL("%s %s", imt_fields[x.field].name, x.msg);
    return 0;
}

int ev_biopsy_parse(const char *text, char **canon, char *err, size_t errn)
{
    *canon = NULL;
    imt_case m;
    imt_case_init(&m);
    bool given[IMT_F_COUNT];
    if (biopsy_read(text, &m, given, err, errn) != 0) {
        imt_case_clear(&m);
        return -1;
    }
    char out[1200] = "";
    size_t l = 0;
    for (int f = 0; f < IMT_F_COUNT; f++) {
        if (!given[f])
            continue;
        char v[128];
        imt_field_format(&m, f, v, sizeof v);
        l += (size_t)snprintf(out + l, l < sizeof out ? sizeof out - l : 0, "%s%s=%s",
                              l ? "; " : "", imt_fields[f].name, v);
    }
    imt_case_clear(&m);
    if (!(*canon = strdup(out)))
        FAIL("out of memory");
    return 0;
}

int ev_biopsy_markers(const imt_event *e, imt_case *m)
{
    imt_case_init(m);
    if (e->type != EV_BIOPSY || !e->detail)
        return 0;
    bool given[IMT_F_COUNT];
    char err[256];
    if (biopsy_read(e->detail, m, given, err, sizeof err) != 0) {
        imt_case_clear(m);
        return 0;            /* a stored detail that no longer reads: none */
    }
    imt_case_derive(m);
    return 0;
}

/* ---- dates ---------------------------------------------------------------- */

static long days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, long *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yy + (*m <= 2);
}

static bool leap(long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
static int mdays(long y, int m)
{
    static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return md[m - 1] + (m == 2 && leap(y));
}

bool ev_date_days(const char *s, long *days)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !a_digit((unsigned char)s[i]))
            return false;
    long y = strtol(s, NULL, 10);
    int m = (int)strtol(s + 5, NULL, 10), d = (int)strtol(s + 8, NULL, 10);
    if (m < 1 || m > 12 || d < 1 || d > mdays(y, m))
        return false;
    *days = days_from_civil(y, m, d);
    return true;
}

void ev_days_date(long days, char out[11])
{
    long y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        snprintf(out, 11, "%s", y < 0 ? "0000-01-01" : "9999-12-31");
        return;
    }
    snprintf(out, 11, "%04ld-%02d-%02d", y, m, d);
}

void ev_add_months(const char *ymd, int months, char out[11])
{
    long days;
    if (!ev_date_days(ymd, &days)) {
        out[0] = '\0';
        return;
    }
    long y = strtol(ymd, NULL, 10);
    int m = (int)strtol(ymd + 5, NULL, 10), d = (int)strtol(ymd + 8, NULL, 10);
    long mm = y * 12 + (m - 1) + months;
    y = mm / 12;
    m = (int)(mm % 12) + 1;
    if (d > mdays(y, m))
        d = mdays(y, m);
    ev_days_date(days_from_civil(y, m, d), out);
}

void ev_today(char out[11])
{
    const char *env = getenv("IMTREVIEW_TODAY");
    long d;
    if (env && ev_date_days(env, &d)) {
        snprintf(out, 11, "%s", env);
        return;
    }
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) != 10)
        snprintf(out, 11, "1970-01-01");
}

/* ---- a course ------------------------------------------------------------- */

void course_init(imt_course *co)
{
    memset(co, 0, sizeof *co);
}

void course_clear(imt_course *co)
{
    for (int i = 0; i < co->n; i++)
        ev_clear(&co->v[i]);
    free(co->v);
    course_init(co);
}

int course_add(imt_course *co, const imt_event *e)
{
    if (co->n == co->cap) {
        int nc = co->cap ? co->cap * 2 : 16;
        imt_event *v = realloc(co->v, (size_t)nc * sizeof *v);
        if (!v)
            return -1;
        co->v = v;
        co->cap = nc;
    }
    if (ev_copy(&co->v[co->n], e) != 0)
        return -1;
    co->n++;
    return 0;
}

void course_remove(imt_course *co, int i)
{
    if (i < 0 || i >= co->n)
        return;
    ev_clear(&co->v[i]);
    memmove(&co->v[i], &co->v[i + 1], (size_t)(co->n - i - 1) * sizeof co->v[0]);
    co->n--;
}

int ev_day_of(const imt_event *e, const imt_case *c, long *day)
{
    if (!e->date[0]) {
        if (e->day < 0)
            return -1;
        *day = e->day;
        return 0;
    }
    long d, dx;
    if (!c || !c->diagnosis_date || !ev_date_days(c->diagnosis_date, &dx) ||
        !ev_date_days(e->date, &d))
        return -1;
    *day = d - dx;
    return 0;
}

/* A position on one time axis for every event of the course: days from
 * diagnosis when that can be known for all, else calendar days when all
 * are dates, else (dates and days mixed without a diagnosis date) none.
 * Returns 1 = days from diagnosis, 2 = calendar days, 0 = none. */
static int positions(const imt_case *c, const imt_course *co, double *pos)
{
    long dx;
    bool have_dx = c && c->diagnosis_date && ev_date_days(c->diagnosis_date, &dx);
    bool any_date = false, any_day = false;
    for (int i = 0; i < co->n; i++) {
        if (co->v[i].date[0]) any_date = true;
        else any_day = true;
    }
    if (have_dx || !any_date) {
        for (int i = 0; i < co->n; i++) {
            long d = 0;
            if (ev_day_of(&co->v[i], c, &d) != 0)
                d = 0;
            pos[i] = (double)d;
        }
        return 1;
    }
    if (!any_day) {
        for (int i = 0; i < co->n; i++) {
            long d = 0;
            ev_date_days(co->v[i].date, &d);
            pos[i] = (double)d;
        }
        return 2;
    }
    return 0;
}

typedef struct {
    double pos;
    long long id;
    int idx;
    imt_event e;
} sort_item;

static int cmp_item(const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    if (x->pos != y->pos)
        return x->pos < y->pos ? -1 : 1;
    bool xs = x->id > 0, ys = y->id > 0;
    if (xs && ys && x->id != y->id)
        return x->id < y->id ? -1 : 1;
    if (xs != ys)
        return xs ? -1 : 1;    /* stored ones before new ones */
    return (x->idx > y->idx) - (x->idx < y->idx);
}

void course_sort(imt_course *co, const imt_case *c)
{
    if (co->n < 2)
        return;
    double *pos = malloc((size_t)co->n * sizeof *pos);
    sort_item *it = malloc((size_t)co->n * sizeof *it);
    if (!pos || !it) {
        free(pos);
        free(it);
        return;
    }
    if (positions(c, co, pos) == 0) {
        /* no common axis: dates first in calendar order, then days */
        for (int i = 0; i < co->n; i++) {
            long d;
            if (co->v[i].date[0] && ev_date_days(co->v[i].date, &d))
                pos[i] = (double)d - 1e9;
            else
                pos[i] = co->v[i].day;
        }
    }
    for (int i = 0; i < co->n; i++)
        it[i] = (sort_item){ pos[i], co->v[i].id, i, co->v[i] };
    qsort(it, (size_t)co->n, sizeof *it, cmp_item);
    for (int i = 0; i < co->n; i++)
        co->v[i] = it[i].e;
    free(pos);
    free(it);
}

/* ---- the time line ---------------------------------------------------------- */

void course_timeline_of(const imt_case *c, const imt_course *co, course_timeline *t)
{
    memset(t, 0, sizeof *t);
    t->death = NAN;
    t->last_contact = NAN;
    t->status = c->outcome;
    double fu = c->followup_months.known ? c->followup_months.v * EV_DAYS_PER_MONTH : NAN;
    if (isfinite(fu)) {
        t->have_contact = true;
        t->last_contact = fu;
    }
    bool dead_outcome = c->outcome == OUT_DOD || c->outcome == OUT_DOC;
    if (dead_outcome) {
        t->dead = true;
        t->death = fu;
    }
    t->lost = c->outcome == OUT_LOST;
    double latest_status_day = isfinite(fu) ? fu : -1;
    for (int i = 0; co && i < co->n; i++) {
        const imt_event *e = &co->v[i];
        if (e->type != EV_CONTACT)
            continue;
        long d;
        if (ev_day_of(e, c, &d) != 0)
            continue;
        double dd = (double)d;
        if (!t->have_contact || dd > t->last_contact) {
            t->have_contact = true;
            t->last_contact = dd;
        }
        if (isfinite(fu) && dd > fu + 1.6)
            t->lost = false;       /* seen after the recorded last contact */
        int st = -1;
        if (e->detail)
            st = imt_enum_find(ev_status_values, e->detail);
        if (st == CSTAT_DOD || st == CSTAT_DOC) {
            t->dead = true;
            if (!isfinite(t->death) || dd < t->death)
                t->death = dd;
        }
        if (st >= 0 && dd >= latest_status_day) {
            latest_status_day = dd;
            t->status = st == CSTAT_NED ? OUT_NED : st == CSTAT_AWD ? OUT_AWD
                      : st == CSTAT_DOD ? OUT_DOD : OUT_DOC;
        }
    }
    if (t->dead && isfinite(t->death) && (!t->have_contact || t->last_contact < t->death)) {
        t->have_contact = true;
        t->last_contact = t->death;
    }
}

static double ev_pos(const imt_event *e, const imt_case *c)
{
    long d;
    return ev_day_of(e, c, &d) == 0 ? (double)d : NAN;
}

int course_lines(const imt_case *c, const imt_course *co, course_line *out, int max)
{
    int n = 0;
    for (int i = 0; i < co->n && n < max; i++) {
        const imt_event *e = &co->v[i];
        if (e->type != EV_THERAPY_START || e->line <= 0)
            continue;
        bool seen = false;
        for (int k = 0; k < n; k++)
            seen = seen || out[k].line == e->line;
        double s = ev_pos(e, c);
        if (seen || !isfinite(s))
            continue;
        course_line *L = &out[n++];
        L->line = e->line;
        L->start_ev = i;
        L->stop_ev = -1;
        L->start = s;
        L->stop = NAN;
        L->agents = e->agent;
        L->reason = IMT_UNKNOWN;
        L->best = -1;
        L->first_cr_pr = NAN;
        for (int j = 0; j < co->n; j++) {
            const imt_event *f = &co->v[j];
            if (f->line != e->line)
                continue;
            double p = ev_pos(f, c);
            if (f->type == EV_THERAPY_STOP && L->stop_ev < 0 && isfinite(p)) {
                L->stop_ev = j;
                L->stop = p;
                L->reason = f->reason;
            } else if (f->type == EV_RESPONSE && f->response >= 0) {
                /* CR best, then PR, SD, PD; NE only when nothing else */
                if (L->best < 0 || f->response < L->best)
                    L->best = f->response;
                if ((f->response == RESP_CR || f->response == RESP_PR) && isfinite(p) &&
                    (!isfinite(L->first_cr_pr) || p < L->first_cr_pr))
                    L->first_cr_pr = p;
            }
        }
    }
    /* by line number */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && out[j - 1].line > out[j].line; j--) {
            course_line t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

/* ---- validation -------------------------------------------------------------- */

typedef struct {
    void (*report)(void *ctx, int ev, int col, const char *msg);
    void *ctx;
    int n;
} vrep;

__attribute__((format(printf, 4, 5)))
static void vbad(vrep *r, int ev, int col, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->report(r->ctx, ev, col, msg);
    r->n++;
}

/* "2021-03-04" or "day 120" */
static const char *when(const imt_event *e, char *buf, size_t n)
{
    if (e->date[0])
        snprintf(buf, n, "%s", e->date);
    else
        snprintf(buf, n, "day %d", e->day);
    return buf;
}

/* A position back into words on the course's axis. */
static const char *pos_text(double p, int axis, const imt_case *c, char *buf, size_t n)
{
    long dx;
    if (axis == 1 && c->diagnosis_date && ev_date_days(c->diagnosis_date, &dx))
        ev_days_date(dx + (long)floor(p + 0.5), buf);
    else if (axis == 2)
        ev_days_date((long)floor(p + 0.5), buf);
    else
        snprintf(buf, n, "day %.0f", p);
    return buf;
}

/* Tolerance on a death or last contact computed from followup_months,
 * which is kept to a tenth of a month (half a tenth: 1.52 days). */
#define FU_TOL (0.05 * EV_DAYS_PER_MONTH)

int course_validate(const imt_case *c, const imt_course *co,
                    void (*report)(void *ctx, int ev, int col, const char *msg),
                    void *ctx)
{
    vrep r = { report, ctx, 0 };
    if (co->n == 0)
        return 0;
    double *pos = malloc((size_t)co->n * sizeof *pos);
    if (!pos) {
        vbad(&r, -1, -1, "out of memory");
        return r.n;
    }
    char b1[32], b2[32];
    int axis = positions(c, co, pos);
    if (axis == 0) {
        for (int i = 0; i < co->n; i++)
            if (!co->v[i].date[0]) {
                vbad(&r, i, EVC_DATE, "the case has no diagnosis_date, so its events "
                     "cannot mix calendar dates and days from diagnosis");
                break;
            }
        free(pos);
        return r.n;
    }
    long dx = 0;
    bool have_dx = c->diagnosis_date && ev_date_days(c->diagnosis_date, &dx);
    char today[11];
    long td = 0;
    ev_today(today);
    ev_date_days(today, &td);

    /* before diagnosis, in the future */
    for (int i = 0; i < co->n; i++) {
        const imt_event *e = &co->v[i];
        if (e->case_id[0] && c->case_id && strcmp(e->case_id, c->case_id) != 0)
            vbad(&r, i, EVC_CASE_ID, "belongs to case '%s', not '%s'", e->case_id, c->case_id);
        if (have_dx && e->date[0]) {
            long d;
            if (ev_date_days(e->date, &d) && d < dx)
                vbad(&r, i, EVC_DATE, "%s is before the diagnosis (%s)", e->date,
                     c->diagnosis_date);
        }
        if (have_dx && !e->date[0] && dx + e->day > td) {
            char d[11];
            ev_days_date(dx + e->day, d);
            vbad(&r, i, EVC_DATE, "day %d after the diagnosis (%s) is in the future",
                 e->day, d);
        }
    }

    /* after death: the outcome's time (followup_months, on the days
     * axis) or a contact recording a death */
    double death = NAN, tol = 0;
    const char *death_why = NULL;
    if ((c->outcome == OUT_DOD || c->outcome == OUT_DOC) && c->followup_months.known &&
        axis == 1) {
        death = c->followup_months.v * EV_DAYS_PER_MONTH;
        tol = FU_TOL;
        death_why = c->outcome == OUT_DOD ? "outcome DOD at followup_months"
                                          : "outcome DOC at followup_months";
    }
    int death_ev = -1;
    for (int i = 0; i < co->n; i++) {
        const imt_event *e = &co->v[i];
        if (e->type == EV_CONTACT && e->detail &&
            (strcmp(e->detail, "DOD") == 0 || strcmp(e->detail, "DOC") == 0) &&
            (!isfinite(death) || pos[i] < death - tol)) {
            death = pos[i];
            tol = 0;
            death_ev = i;
            death_why = "a contact recording the death";
        }
    }
    if (isfinite(death)) {
        for (int i = 0; i < co->n; i++) {
            if (i == death_ev || pos[i] <= death + tol)
                continue;
            vbad(&r, i, EVC_DATE, "%s is after the death (%s, %s)",
                 when(&co->v[i], b1, sizeof b1), death_why,
                 pos_text(death, axis, c, b2, sizeof b2));
        }
    }

    /* lines: one start, at most one stop after it, a response inside */
    for (int i = 0; i < co->n; i++) {
        const imt_event *e = &co->v[i];
        if (e->line <= 0)
            continue;
        int start = -1, stop = -1;
        for (int j = 0; j < co->n; j++) {
            if (co->v[j].line != e->line)
                continue;
            if (co->v[j].type == EV_THERAPY_START && start < 0) start = j;
            if (co->v[j].type == EV_THERAPY_STOP && stop < 0) stop = j;
        }
        switch (e->type) {
        case EV_THERAPY_START:
            if (start != i)
                vbad(&r, i, EVC_LINE, "line %d already started on %s", e->line,
                     when(&co->v[start], b1, sizeof b1));
            break;
        case EV_THERAPY_STOP:
            if (start < 0) {
                vbad(&r, i, EVC_LINE, "therapy_stop of line %d, which has no "
                     "therapy_start", e->line);
                break;
            }
            if (stop != i)
                vbad(&r, i, EVC_LINE, "line %d already stopped on %s", e->line,
                     when(&co->v[stop], b1, sizeof b1));
            else if (pos[i] < pos[start])
                vbad(&r, i, EVC_DATE, "the stop of line %d (%s) is before its start (%s)",
                     e->line, when(e, b1, sizeof b1), when(&co->v[start], b2, sizeof b2));
            if (e->agent && co->v[start].agent && strcmp(e->agent, co->v[start].agent) != 0)
                vbad(&r, i, EVC_AGENT, "line %d started with %s, not %s (leave the agent "
                     "of a stop empty, or give the same)", e->line, co->v[start].agent,
                     e->agent);
            else if (e->agent && !co->v[start].agent)
                vbad(&r, i, EVC_AGENT, "line %d started with no agent recorded; record "
                     "the agent on its therapy_start", e->line);
            break;
        case EV_RESPONSE:
        case EV_PROGRESSION:
            if (start < 0) {
                vbad(&r, i, EVC_LINE, "%s for line %d, which has no therapy_start",
                     ev_type_values[e->type], e->line);
                break;
            }
            if (e->type == EV_RESPONSE && pos[i] < pos[start])
                vbad(&r, i, EVC_DATE, "the response (%s) is before line %d started (%s)",
                     when(e, b1, sizeof b1), e->line, when(&co->v[start], b2, sizeof b2));
            else if (e->type == EV_RESPONSE && stop >= 0 && pos[i] > pos[stop])
                vbad(&r, i, EVC_DATE, "the response (%s) is after line %d stopped (%s): "
                     "a response belongs inside its line", when(e, b1, sizeof b1), e->line,
                     when(&co->v[stop], b2, sizeof b2));
            else if (e->type == EV_PROGRESSION && pos[i] < pos[start])
                vbad(&r, i, EVC_DATE, "a progression on line %d (%s) before the line "
                     "started (%s)", e->line, when(e, b1, sizeof b1),
                     when(&co->v[start], b2, sizeof b2));
            break;
        default:
            break;
        }
    }

    /* one line open at a time per agent class; lines numbered in the
     * order they start */
    for (int i = 0; i < co->n; i++) {
        const imt_event *a = &co->v[i];
        if (a->type != EV_THERAPY_START || a->line <= 0)
            continue;
        bool first_a = true;
        for (int k = 0; k < i; k++)
            if (co->v[k].type == EV_THERAPY_START && co->v[k].line == a->line)
                first_a = false;
        if (!first_a)
            continue;
        for (int j = 0; j < co->n; j++) {
            const imt_event *b = &co->v[j];
            if (j == i || b->type != EV_THERAPY_START || b->line <= 0 || b->line == a->line)
                continue;
            bool first_b = true;
            for (int k = 0; k < j; k++)
                if (co->v[k].type == EV_THERAPY_START && co->v[k].line == b->line)
                    first_b = false;
            if (!first_b)
                continue;
            /* a earlier-numbered than b but starting after it */
            if (a->line < b->line && pos[j] < pos[i])
                vbad(&r, j, EVC_LINE, "line %d starts (%s) before line %d (%s): number "
                     "the lines in the order they start", b->line, when(b, b1, sizeof b1),
                     a->line, when(a, b2, sizeof b2));
            /* b starts while a (same class) is open */
            unsigned shared = ev_agents_classes(a->agent) & ev_agents_classes(b->agent) &
                              ~(1u << AC_OTHER);
            if (!shared || pos[j] < pos[i] || (pos[j] == pos[i] && j < i))
                continue;
            double a_end = INFINITY;
            for (int k = 0; k < co->n; k++)
                if (co->v[k].type == EV_THERAPY_STOP && co->v[k].line == a->line) {
                    a_end = pos[k];
                    break;
                }
            if (pos[j] < a_end) {
                int cls = 0;
                while (!(shared & (1u << cls)))
                    cls++;
                vbad(&r, j, EVC_AGENT, "line %d (%s) starts on %s while line %d (%s) of "
                     "the same class (%s) is still open: stop line %d first (one line "
                     "open at a time per agent class)", b->line, b->agent,
                     when(b, b1, sizeof b1), a->line, a->agent, ev_class_names[cls],
                     a->line);
            }
        }
    }
    free(pos);
    return r.n;
}

typedef struct {
    char (*msg)[400];
    int n, cap;
    bool collect;
    const char *const *old;
    int nold;
    bool found;
    int ev, col;
    char *out;
    size_t outn;
} vnew_ctx;

static void vnew_report(void *vctx, int ev, int col, const char *msg)
{
    vnew_ctx *x = vctx;
    if (x->collect) {
        if (x->n < x->cap)
            snprintf(x->msg[x->n++], sizeof x->msg[0], "%s", msg);
        return;
    }
    if (x->found)
        return;
    for (int i = 0; i < x->n; i++)
        if (strcmp(x->msg[i], msg) == 0)
            return;
    x->found = true;
    x->ev = ev;
    x->col = col;
    snprintf(x->out, x->outn, "%s", msg);
}

int course_validate_new(const imt_case *before_case, const imt_course *before,
                        const imt_case *after_case, const imt_course *after,
                        int *ev, int *col, char *msg, size_t n)
{
    vnew_ctx x;
    memset(&x, 0, sizeof x);
    x.cap = 64;
    x.msg = calloc((size_t)x.cap, sizeof *x.msg);
    x.out = msg;
    x.outn = n;
    x.ev = x.col = -1;
    if (!x.msg) {
        snprintf(msg, n, "out of memory");
        if (ev) *ev = -1;
        if (col) *col = -1;
        return 1;
    }
    if (before && before_case) {
        x.collect = true;
        course_validate(before_case, before, vnew_report, &x);
    }
    x.collect = false;
    course_validate(after_case, after, vnew_report, &x);
    free(x.msg);
    if (!x.found)
        return 0;
    if (ev) *ev = x.ev;
    if (col) *col = x.col;
    return 1;
}

/* ---- the one-row fields against the course ------------------------------------ */

typedef struct {
    void (*report)(void *ctx, int field, const char *msg);
    void *ctx;
    int n;
} crep;

__attribute__((format(printf, 3, 4)))
static void cbad(crep *r, int field, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->report(r->ctx, field, msg);
    r->n++;
}

/* A free-text therapy field that says "nothing given". */
static bool says_none(const char *s)
{
    if (!s)
        return false;
    while (is_blank((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && is_blank((unsigned char)s[n - 1]))
        n--;
    return (n == 4 && ci_prefix(s, "none")) || (n == 2 && ci_prefix(s, "no"));
}

int course_consistency(const imt_case *c, const imt_course *co,
                       void (*report)(void *ctx, int field, const char *msg), void *ctx)
{
    crep r = { report, ctx, 0 };
    char b1[32], b2[32];
    int first_rec = -1, best_ext = -1, first_surg = -1, first_met = -1;
    unsigned classes = 0;
    double rt_total = 0;
    bool rt_all_dosed = true, rt_any = false;
    for (int i = 0; i < co->n; i++) {
        const imt_event *e = &co->v[i];
        switch (e->type) {
        case EV_RECURRENCE:
            if (first_rec < 0) first_rec = i;
            if (e->site && strcmp(e->site, "distant") == 0 && first_met < 0) first_met = i;
            break;
        case EV_METASTASIS:
            if (first_met < 0) first_met = i;
            break;
        case EV_SURGERY:
            if (first_surg < 0) first_surg = i;
            if (e->extent >= 0 && (best_ext < 0 || e->extent < best_ext))
                best_ext = e->extent;
            break;
        case EV_THERAPY_START:
            classes |= ev_agents_classes(e->agent);
            if (ev_agents_has(e->agent, AG_RADIOTHERAPY)) {
                rt_any = true;
                double d = ev_agents_rt_dose(e->agent);
                if (isfinite(d)) rt_total += d;
                else rt_all_dosed = false;
            }
            break;
        default:
            break;
        }
    }
    if (first_rec >= 0 && c->recurrence == 0)
        cbad(&r, IMT_F_recurrence, "is no, but the course has a recurrence on %s",
             when(&co->v[first_rec], b1, sizeof b1));
    if (first_rec >= 0 && c->recurrence == 1 && c->recurrence_months.known) {
        long d;
        if (ev_day_of(&co->v[first_rec], c, &d) == 0) {
            double m = (double)d / EV_DAYS_PER_MONTH;
            if (fabs(m - c->recurrence_months.v) > 0.05 + 1e-9)
                cbad(&r, IMT_F_recurrence_months, "is %g, but the first recurrence of the "
                     "course (%s) is %.1f months after the diagnosis",
                     c->recurrence_months.v, when(&co->v[first_rec], b1, sizeof b1), m);
        }
    }
    if (first_met >= 0 && c->metastatic == 0)
        cbad(&r, IMT_F_metastatic, "is no, but the course has a %s on %s",
             co->v[first_met].type == EV_METASTASIS ? "metastasis" : "distant recurrence",
             when(&co->v[first_met], b1, sizeof b1));
    if (first_surg >= 0 && (c->surgery == SURG_NONE || c->surgery == SURG_BIOPSY))
        cbad(&r, IMT_F_surgery, "is %s, but the course has a surgery on %s",
             imt_surgery_values[c->surgery], when(&co->v[first_surg], b1, sizeof b1));
    else if (best_ext >= 0 && c->surgery >= SURG_R0 &&
             c->surgery - SURG_R0 != best_ext)
        cbad(&r, IMT_F_surgery, "is %s, but the best resection of the course is %s",
             imt_surgery_values[c->surgery], ev_extent_values[best_ext]);
    if ((classes & (1u << AC_TARGETED)) && says_none(c->targeted))
        cbad(&r, IMT_F_targeted, "says none, but the course has a line with a targeted agent");
    if ((classes & (1u << AC_CHEMO)) && says_none(c->chemotherapy))
        cbad(&r, IMT_F_chemotherapy, "says none, but the course has a chemotherapy line");
    if ((classes & (1u << AC_IMMUNO)) && says_none(c->immunotherapy))
        cbad(&r, IMT_F_immunotherapy, "says none, but the course has a checkpoint "
             "inhibitor line");
    if ((classes & (1u << AC_STEROID)) && c->steroids == 0)
        cbad(&r, IMT_F_steroids, "is no, but the course has a corticosteroid line");
    if ((classes & (1u << AC_NSAID)) && c->nsaid == 0)
        cbad(&r, IMT_F_nsaid, "is no, but the course has an NSAID line");
    if (rt_any && c->radiotherapy_gy.known && c->radiotherapy_gy.v == 0)
        cbad(&r, IMT_F_radiotherapy_gy, "is 0, but the course has a radiotherapy line");
    else if (rt_any && rt_all_dosed && c->radiotherapy_gy.known &&
             fabs(rt_total - c->radiotherapy_gy.v) > 0.05)
        cbad(&r, IMT_F_radiotherapy_gy, "is %g Gy, but the radiotherapy lines of the "
             "course add up to %g Gy", c->radiotherapy_gy.v, rt_total);

    /* outcome and follow-up against the contacts */
    double fu = c->followup_months.known ? c->followup_months.v * EV_DAYS_PER_MONTH : NAN;
    bool dead = c->outcome == OUT_DOD || c->outcome == OUT_DOC;
    double last = fu;
    for (int i = 0; i < co->n; i++) {
        const imt_event *e = &co->v[i];
        long d;
        if (e->type != EV_CONTACT || ev_day_of(e, c, &d) != 0)
            continue;
        if (isfinite(last) && (double)d > last)
            last = (double)d;
        int st = e->detail ? imt_enum_find(ev_status_values, e->detail) : -1;
        if ((st == CSTAT_DOD || st == CSTAT_DOC) && c->outcome >= 0) {
            int want = st == CSTAT_DOD ? OUT_DOD : OUT_DOC;
            if (c->outcome != want)
                cbad(&r, IMT_F_outcome, "is %s, but a contact on %s records %s",
                     imt_outcome_values[c->outcome], when(e, b1, sizeof b1),
                     ev_status_values[st]);
            else if (isfinite(fu) && fabs((double)d - fu) > FU_TOL + 1e-9)
                cbad(&r, IMT_F_followup_months, "is %g, but the death recorded on %s is "
                     "%.1f months after the diagnosis", c->followup_months.v,
                     when(e, b1, sizeof b1), (double)d / EV_DAYS_PER_MONTH);
        }
        if (c->outcome == OUT_LOST && isfinite(fu) && (double)d > fu + FU_TOL &&
            st != CSTAT_DOD && st != CSTAT_DOC)
            cbad(&r, IMT_F_outcome, "is LOST, but the patient was seen on %s, after "
                 "diagnosis_date + followup_months", when(e, b1, sizeof b1));
    }
    if (isfinite(last) && !dead) {
        for (int i = 0; i < co->n; i++) {
            const imt_event *e = &co->v[i];
            long d;
            if (e->type == EV_CONTACT || ev_day_of(e, c, &d) != 0)
                continue;
            if ((double)d > last + FU_TOL) {
                long dx;
                if (c->diagnosis_date && ev_date_days(c->diagnosis_date, &dx))
                    ev_days_date(dx + (long)floor(last + 0.5), b2);
                else
                    snprintf(b2, sizeof b2, "day %.0f", last);
                cbad(&r, IMT_F_followup_months, "the %s on %s is after the last contact "
                     "(%s): raise followup_months or record a contact",
                     ev_type_values[e->type], when(e, b1, sizeof b1), b2);
                break;
            }
        }
    }
    return r.n;
}

/* ---- endpoints ----------------------------------------------------------------- */

const char *const course_excl_text[CEX_N] = {
    "", "no last contact or death time (followup_months empty, no contact event)",
    "no therapy line matching the selection", "no CR or PR on the line",
    "event dates given but no diagnosis_date",
    "recurrence = yes without recurrence_months or a recurrence event",
};

const char *course_endpoint_name(course_endpoint e)
{
    static const char *const n[CE_N] = { "pfs", "efs", "dor", "ttnt", "dfs" };
    return e >= 0 && e < CE_N ? n[e] : "?";
}

#define MAX_LINES 64

/* The first progression after `from` (strictly; the line's own stop for
 * progression may fall on `from`): a progression event, or a
 * therapy_stop with reason progression.  NAN when none. */
static double first_progression(const imt_case *c, const imt_course *co, double from,
                                int own_stop_ev)
{
    double best = NAN;
    for (int i = 0; i < co->n; i++) {
        const imt_event *e = &co->v[i];
        bool prog = e->type == EV_PROGRESSION ||
                    (e->type == EV_THERAPY_STOP && e->reason == REASON_PROGRESSION);
        if (!prog)
            continue;
        double p = ev_pos(e, c);
        if (!isfinite(p))
            continue;
        if (p > from || (i == own_stop_ev && p >= from))
            if (!isfinite(best) || p < best)
                best = p;
    }
    return best;
}

static bool any_undated(const imt_case *c, const imt_course *co)
{
    for (int i = 0; i < co->n; i++)
        if (!isfinite(ev_pos(&co->v[i], c)))
            return true;
    return false;
}

int course_endpoint_obs(const imt_case *c, const imt_course *co, course_endpoint e,
                        const course_sel *sel, double *months, int *status, int *why)
{
    static const imt_course none = { 0 };
    if (!co)
        co = &none;
    *why = CEX_NONE;
    if (any_undated(c, co)) {
        *why = CEX_NO_DATE;
        return 1;
    }
    course_timeline t;
    course_timeline_of(c, co, &t);
    double from, end = NAN;
    if (e == CE_EFS || e == CE_DFS) {
        from = 0;
        for (int i = 0; i < co->n; i++)
            if (co->v[i].type == EV_RECURRENCE) {
                double p = ev_pos(&co->v[i], c);
                if (!isfinite(end) || p < end)
                    end = p;
            }
        /* the one-row recurrence only when the course records none (a
         * case without events; `check` holds the two together otherwise) */
        if (c->recurrence == 1 && !isfinite(end)) {
            if (!c->recurrence_months.known) {
                *why = CEX_RECURRENCE_TIME;
                return 1;
            }
            end = c->recurrence_months.v * EV_DAYS_PER_MONTH;
        }
        double p = first_progression(c, co, -1, -1);
        if (isfinite(p) && (!isfinite(end) || p < end))
            end = p;
    } else {
        course_line lines[MAX_LINES];
        int nl = course_lines(c, co, lines, MAX_LINES);
        const course_line *L = NULL;
        for (int i = 0; i < nl && !L; i++)
            if ((!sel || sel->line <= 0 || lines[i].line == sel->line) &&
                (!sel || !sel->agent || ev_agents_match(lines[i].agents, sel->agent)))
                L = &lines[i];
        if (!L) {
            *why = CEX_NO_LINE;
            return 1;
        }
        from = L->start;
        if (e == CE_PFS) {
            end = first_progression(c, co, from, L->stop_ev);
        } else if (e == CE_DOR) {
            if (!isfinite(L->first_cr_pr)) {
                *why = CEX_NO_RESPONSE;
                return 1;
            }
            from = L->first_cr_pr;
            end = first_progression(c, co, from, -1);
            if (L->stop_ev >= 0 && L->reason == REASON_PROGRESSION && L->stop >= from &&
                (!isfinite(end) || L->stop < end))
                end = L->stop;
        } else {            /* TTNT */
            for (int i = 0; i < nl; i++)
                if (lines[i].line > L->line && lines[i].start > from &&
                    (!isfinite(end) || lines[i].start < end))
                    end = lines[i].start;
        }
    }
    if (e == CE_DFS && t.dead && isfinite(t.death) && (!isfinite(end) || t.death < end)) {
        /* a death without recurrence or progression before it censors */
        *months = (t.death > from ? t.death - from : 0) / EV_DAYS_PER_MONTH;
        *status = 0;
        return 0;
    }
    if (e != CE_DFS && t.dead && isfinite(t.death) && t.death >= from &&
        (!isfinite(end) || t.death < end))
        end = t.death;
    if (isfinite(end)) {
        *months = (end - from) / EV_DAYS_PER_MONTH;
        *status = 1;
        return 0;
    }
    if (!t.have_contact) {
        *why = CEX_NO_TIME;
        return 1;
    }
    double d = t.last_contact - from;
    *months = (d > 0 ? d : 0) / EV_DAYS_PER_MONTH;
    *status = 0;
    return 0;
}
