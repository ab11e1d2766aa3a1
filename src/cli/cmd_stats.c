/* cli/cmd_stats.c - `imtreview stats`: cohort statistics for the filtered
 * cases (cli.md "stats"; numbers from core/stats.c, which mirrors R). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/stats.h"

static const char usage[] =
    "Usage: imtreview [--db PATH] stats [FILTERS] [--endpoint os|dss|rfs|pfs|efs|dor|ttnt]\n"
    "                 [--line N] [--agent NAME] [--by FIELD] [--json]\n"
    "Kaplan-Meier survival (Greenwood SE, log-scale 95% CI), survival at\n"
    "12/36/60/120 months, median, log-rank test and Fisher exact test by group,\n"
    "and ALK status by site, for the filtered cases.\n"
    CLI_FILTER_HELP
    "  --endpoint E       os (default: death of any cause), dss (death of disease),\n"
    "                     rfs (recurrence or death); from the course (events):\n"
    "                     pfs (start of a therapy line to progression or death),\n"
    "                     efs (diagnosis to recurrence, progression or death),\n"
    "                     dor (first CR/PR of a line to progression or death),\n"
    "                     ttnt (start of a line to the next line or death);\n"
    "                     censored at the last contact; months = days / 30.4375\n"
    "  --line N           pfs, dor, ttnt: therapy line N (default: each case's\n"
    "                     lowest-numbered line that matches --agent)\n"
    "  --agent NAME       pfs, dor, ttnt: lines with this agent (crizotinib, ...,\n"
    "                     chemo or chemo:NAME, radiotherapy, checkpoint_inhibitor,\n"
    "                     alk_tki, ros1_tki); also selects the lines of the\n"
    "                     best-response counts\n"
    "  --by FIELD         alk_status, site, sex, surgery, steroids, outcome,\n"
    "                     metastatic, margin (R0 / R1/R2 / biopsy/none), age_group\n"
    "                     (<18 / >=18); cases where FIELD is not recorded form a\n"
    "                     group 'unknown', shown but left out of the log-rank and\n"
    "                     Fisher tests (alk_status 'unknown' is a value and is\n"
    "                     compared)\n"
    "  --json             machine-readable output (keys as in the man page)\n"
    "  --help             this text\n"
    "Exit status: 0 success (a filter matching no cases is not an error: n = 0\n"
    "and a warning), 1 database error, 2 usage error (unknown option, --by\n"
    "field, endpoint or filter value).\n";

static int add_case(void *ctx, const imt_case *c, const imt_course *co)
{
    return stats_cohort_add_course(ctx, c, co) ? 1 : 0;
}

/* A real as JSON: up to 17 significant digits round-trip a double exactly,
 * so the output agrees with R to far better than the 1e-6 cli.md asks. */
static void jnum(FILE *o, double v)
{
    if (!isfinite(v)) { fputs("null", o); return; }
    char b[32];
    /* the shortest of 15..17 digits that reads back as the same double,
     * so 13.2 prints as 13.2, not 13.199999999999999 */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(b, sizeof b, "%.*g", prec, v);
        if (strtod(b, NULL) == v) break;
    }
    fputs(b, o);
}

static void jstr(FILE *o, const char *s)
{
    json_t *j = json_string(s);
    char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    fputs(t ? t : "null", o);
    free(t);
    json_decref(j);
}

static void jfilters(FILE *o, const imt_filter *f)
{
    json_t *obj = json_object();
    for (int k = 0; k < FILTER_NKINDS; k++) {
        unsigned m = *filter_mask((imt_filter *)f, (imt_filter_kind)k);
        if (!m) continue;
        json_t *arr = json_array();
        const char *const *vals = filter_kind_values((imt_filter_kind)k);
        for (int i = 0; vals[i]; i++)
            if (m & (1u << i)) json_array_append_new(arr, json_string(vals[i]));
        json_object_set_new(obj, filter_kind_name((imt_filter_kind)k), arr);
    }
    if (f->search[0]) json_object_set_new(obj, "search", json_string(f->search));
    char *t = json_dumps(obj, JSON_COMPACT);
    fputs(t ? t : "{}", o);
    free(t);
    json_decref(obj);
}

static void jat(FILE *o, const stats_at *at)
{
    fputc('[', o);
    for (int i = 0; i < STATS_NLANDMARKS; i++) {
        fprintf(o, "%s{\"months\": %g, \"survival\": ", i ? ", " : "", at[i].months);
        jnum(o, at[i].surv);
        fputs(", \"lower\": ", o);
        jnum(o, at[i].lower);
        fputs(", \"upper\": ", o);
        jnum(o, at[i].upper);
        fputc('}', o);
    }
    fputc(']', o);
}

/* The best-response table: one row per agent with lines. */
static void json_responses(FILE *o, const stats_cohort *co)
{
    fputs(",\n \"responses\": [", o);
    int k = 0;
    for (int a = 0; a < AG_N; a++) {
        const stats_resp *R = &co->resp[a];
        if (!R->lines) continue;
        fputs(k++ ? ",\n  {\"agent\": " : "\n  {\"agent\": ", o);
        jstr(o, ev_agent_names[a]);
        fprintf(o, ", \"lines\": %ld, \"assessed\": %ld", R->lines, R->assessed);
        for (int b = 0; b < RESP_N; b++)
            fprintf(o, ", \"%s\": %ld", ev_response_values[b], R->best[b]);
        long resp = R->best[RESP_CR] + R->best[RESP_PR];
        double lo = NAN, hi = NAN;
        stats_wilson(resp, R->assessed, &lo, &hi);
        fputs(", \"orr\": ", o);
        jnum(o, R->assessed ? (double)resp / (double)R->assessed : NAN);
        fputs(", \"orr_lower\": ", o);
        jnum(o, lo);
        fputs(", \"orr_upper\": ", o);
        jnum(o, hi);
        fputc('}', o);
    }
    fputc(']', o);
}

static void print_json(FILE *o, const imt_filter *f, stats_endpoint ep,
                       const stats_report *r, const stats_cohort *co)
{
    fputs("{\"filters\": ", o);
    jfilters(o, f);
    fprintf(o, ", \"endpoint\": \"%s\", ", stats_endpoint_name(ep));
    if (stats_endpoint_per_line(ep)) {
        if (co->sel.line > 0) fprintf(o, "\"line\": %d, ", co->sel.line);
        else fputs("\"line\": null, ", o);
        fputs("\"agent\": ", o);
        if (co->sel.agent) jstr(o, co->sel.agent);
        else fputs("null", o);
        fputs(", ", o);
    }
    fprintf(o, "\"n\": %ld, \"n_used\": %ld, "
               "\"n_excluded\": %ld, \"events\": %ld,\n \"km\": [",
            r->n, r->n_used, r->n_excluded, r->events);
    for (size_t i = 0; i < r->km.nrows; i++) {
        const stats_km_row *k = &r->km.rows[i];
        fputs(i ? ",\n  {\"time\": " : "\n  {\"time\": ", o);
        jnum(o, k->time);
        fprintf(o, ", \"n_risk\": %ld, \"n_event\": %ld, \"n_censor\": %ld, \"survival\": ",
                k->n_risk, k->n_event, k->n_censor);
        jnum(o, k->surv);
        fputs(", \"se\": ", o);
        jnum(o, k->se);
        fputs(", \"lower\": ", o);
        jnum(o, k->lower);
        fputs(", \"upper\": ", o);
        jnum(o, k->upper);
        fputc('}', o);
    }
    fputs("],\n \"at\": ", o);
    jat(o, r->at);
    fputs(",\n \"median_months\": ", o);
    jnum(o, r->median);
    fputs(",\n \"groups\": [", o);
    for (int g = 0; g < r->ngroups; g++) {
        const stats_group *G = &r->groups[g];
        fputs(g ? ",\n  {\"name\": " : "\n  {\"name\": ", o);
        jstr(o, G->name);
        fprintf(o, ", \"n\": %ld, \"events\": %ld, \"observed\": ", G->n, G->events);
        jnum(o, G->observed);
        fputs(", \"expected\": ", o);
        jnum(o, G->expected);
        fputs(", \"at\": ", o);
        jat(o, G->at);
        fputs(", \"median_months\": ", o);
        jnum(o, G->median);
        fputc('}', o);
    }
    fputs("],\n \"logrank\": ", o);
    if (r->has_logrank) {
        fputs("{\"chisq\": ", o);
        jnum(o, r->chisq);
        fprintf(o, ", \"df\": %d, \"p\": ", r->df);
        jnum(o, r->p);
        fputc('}', o);
    } else fputs("null", o);
    fputs(",\n \"fisher\": ", o);
    if (r->has_fisher) {
        fprintf(o, "{\"table\": [[%ld, %ld], [%ld, %ld]], \"p\": ",
                r->table[0][0], r->table[0][1], r->table[1][0], r->table[1][1]);
        jnum(o, r->fisher_p);
        fputc('}', o);
    } else fputs("null", o);
    json_responses(o, co);
    fputs(",\n \"warnings\": [", o);
    for (int i = 0; i < r->nwarn; i++) {
        fputs(i ? ", " : "", o);
        jstr(o, r->warn[i]);
    }
    fputs("]}\n", o);
}

/* Months with one decimal, or "-" for no value, right-aligned in w. */
static void tmonths(FILE *o, int w, double v)
{
    if (isfinite(v)) fprintf(o, "%*.1f", w, v);
    else fprintf(o, "%*s", w, "-");
}

static void tat(FILE *o, const stats_at *at)
{
    for (int i = 0; i < STATS_NLANDMARKS; i++) {
        fputs("  ", o);
        if (!isfinite(at[i].surv)) { fputs(" -                  ", o); continue; }
        fprintf(o, "%5.3f", at[i].surv);
        if (isfinite(at[i].lower))
            fprintf(o, " (%5.3f-%5.3f)", at[i].lower, at[i].upper);
        else
            fputs("              ", o);
    }
    fputc('\n', o);
}

static void print_text(FILE *o, const imt_filter *f, const stats_cohort *co,
                       const stats_report *r)
{
    char desc[512];
    filter_describe(f, desc, sizeof desc);
    for (char *p = desc; *p; p++)           /* user input: no control bytes */
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    fprintf(o, "Cohort: %s\n", desc[0] ? desc : "all cases");
    static const char *const ep_words[EP_N] = {
        "overall survival (OS)", "disease-specific survival (DSS)",
        "recurrence-free survival (RFS)", "progression-free survival (PFS)",
        "event-free survival (EFS)", "duration of response (DOR)",
        "time to next treatment (TTNT)" };
    fprintf(o, "Endpoint: %s   cases %ld, used %ld, excluded %ld, events %ld\n",
            ep_words[co->endpoint], r->n, r->n_used, r->n_excluded, r->events);
    if (stats_endpoint_per_line(co->endpoint)) {
        fputs("Line: ", o);
        if (co->sel.line > 0) fprintf(o, "%d", co->sel.line);
        else fputs("each case's first matching line", o);
        if (co->sel.agent) fprintf(o, ", agent %s", co->sel.agent);
        fputc('\n', o);
    }
    fputs("Median survival (months): ", o);
    tmonths(o, 0, r->median);
    fputs(isfinite(r->median) ? "\n" : r->n_used ? " (not reached)\n" : " (no cases)\n", o);
    fprintf(o, "\n%-20s", "Survival (95% CI)");
    for (int i = 0; i < STATS_NLANDMARKS; i++)
        fprintf(o, "  %3g months%9s", stats_landmarks[i], "");
    fputs("\n  all               ", o);
    tat(o, r->at);
    for (int g = 0; g < r->ngroups; g++) {
        fprintf(o, "  %-18.18s", r->groups[g].name);
        tat(o, r->groups[g].at);
    }
    if (r->ngroups) {
        fprintf(o, "\nBy %s:\n  %-18s %6s %6s %10s %10s %8s\n", stats_by_name(co->by),
                "group", "n", "events", "observed", "expected", "median");
        for (int g = 0; g < r->ngroups; g++) {
            const stats_group *G = &r->groups[g];
            fprintf(o, "  %-18.18s %6ld %6ld %10.2f ", G->name, G->n, G->events,
                    G->observed);
            if (isfinite(G->expected)) fprintf(o, "%10.2f ", G->expected);
            else fprintf(o, "%10s ", "-");
            tmonths(o, 8, G->median);
            fputc('\n', o);
        }
        fputs("Log-rank test: ", o);
        if (r->has_logrank)
            fprintf(o, "chi-square %.3f, df %d, p = %.4g\n", r->chisq, r->df, r->p);
        else
            fputs("not done\n", o);
        if (r->has_fisher)
            fprintf(o, "Fisher exact test (events by group): [[%ld, %ld], [%ld, %ld]], p = %.4g\n",
                    r->table[0][0], r->table[0][1], r->table[1][0], r->table[1][1],
                    r->fisher_p);
    }
    fputs("\nALK status by site (positivity = positive / tested, Wilson 95% CI)\n", o);
    fprintf(o, "  %-16s %8s %8s %8s   %s\n", "site", "positive", "negative", "unknown",
            "ALK+ of tested");
    const char *const *sites = imt_fields[IMT_F_site].values;
    for (int s = 0; s <= SITE_N; s++) {
        const long *c = co->site_alk[s];
        if (c[0] + c[1] + c[2] == 0) continue;
        fprintf(o, "  %-16s %8ld %8ld %8ld   ", s < SITE_N ? sites[s] : "unknown",
                c[ALK_POSITIVE], c[ALK_NEGATIVE], c[ALK_UNKNOWN]);
        double lo, hi;
        long tested = c[ALK_POSITIVE] + c[ALK_NEGATIVE];
        if (stats_wilson(c[ALK_POSITIVE], tested, &lo, &hi) == 0)
            fprintf(o, "%5.1f%% (%.1f-%.1f%%)\n", 100.0 * c[ALK_POSITIVE] / tested,
                    100 * lo, 100 * hi);
        else
            fputs("-\n", o);
    }
    bool any = false;
    for (int a = 0; a < AG_N; a++) any = any || co->resp[a].lines;
    if (any) {
        fputs("\nBest response per agent (therapy lines; ORR = CR+PR of lines with a "
              "response, Wilson 95% CI)\n", o);
        fprintf(o, "  %-22s %5s %8s %4s %4s %4s %4s %4s   %s\n", "agent", "lines",
                "assessed", "CR", "PR", "SD", "PD", "NE", "ORR");
        for (int a = 0; a < AG_N; a++) {
            const stats_resp *R = &co->resp[a];
            if (!R->lines) continue;
            fprintf(o, "  %-22s %5ld %8ld", ev_agent_names[a], R->lines, R->assessed);
            for (int b = 0; b < RESP_N; b++) fprintf(o, " %4ld", R->best[b]);
            long resp = R->best[RESP_CR] + R->best[RESP_PR];
            double lo, hi;
            if (stats_wilson(resp, R->assessed, &lo, &hi) == 0)
                fprintf(o, "   %5.1f%% (%.1f-%.1f%%)\n", 100.0 * resp / R->assessed,
                        100 * lo, 100 * hi);
            else
                fputs("   -\n", o);
        }
    }
    if (r->nwarn) {
        fputs("\nWarnings:\n", o);
        for (int i = 0; i < r->nwarn; i++) fprintf(o, "  - %s\n", r->warn[i]);
    }
}

static int endpoint_opt(imt_app *app, const char *value, void *dest)
{
    int *ep = dest;
    if ((*ep = stats_endpoint_parse(value)) < 0) {
        app_error(app, "stats", "unknown endpoint '%s' (allowed: os, dss, rfs, "
                  "pfs, efs, dor, ttnt)", APP_Q(value));
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int by_opt(imt_app *app, const char *value, void *dest)
{
    int *by = dest;
    if ((*by = stats_by_parse(value)) < 0) {
        app_error(app, "stats", "unknown --by field '%s' (allowed: alk_status, site, "
                  "sex, surgery, steroids, outcome, metastatic, margin, age_group)",
                  APP_Q(value));
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int line_opt(imt_app *app, const char *value, void *dest)
{
    char *end;
    long v = strtol(value, &end, 10);
    if (!*value || *end || v < 1 || v > EV_LINE_MAX) {
        app_error(app, "stats", "--line: '%s' is not a line number (1 to %d)",
                  APP_Q(value), EV_LINE_MAX);
        return EXIT_USAGE;
    }
    *(int *)dest = (int)v;
    return EXIT_OK;
}

static int agent_opt(imt_app *app, const char *value, void *dest)
{
    char err[600];
    if (ev_agent_name_check(value, err, sizeof err) != 0) {
        app_error(app, "stats", "--agent: %s", APP_Q(err));
        return EXIT_USAGE;
    }
    *(const char **)dest = value;
    return EXIT_OK;
}

int cmd_stats(imt_app *app, int argc, char **argv)
{
    imt_filter f;
    memset(&f, 0, sizeof f);
    int ep = EP_OS, by = BY_NONE, line = 0;
    const char *agent = NULL;
    bool json = false;
    const cli_opt opts[] = {
        { "endpoint", 0, CLI_CHECK, &ep, endpoint_opt },
        { "line", 0, CLI_CHECK, &line, line_opt },
        { "agent", 0, CLI_CHECK, &agent, agent_opt },
        { "by", 0, CLI_CHECK, &by, by_opt },
        { "json", 0, CLI_FLAG, &json, NULL },
        { NULL, 0, 0, NULL, NULL }
    };
    const cli_spec spec = { .usage = usage, .opts = opts, .filter = &f };
    int prc = cli_parse(app, &spec, argc, argv);
    if (prc != CLI_GO_ON)
        return prc;
    if (optind < argc)
        return cli_usage_error(app, "stats", usage, "unexpected argument '%s'",
                               APP_Q(argv[optind]));
    if ((line || agent) && !stats_endpoint_per_line((stats_endpoint)ep)) {
        app_error(app, "stats", "--line and --agent select a therapy line: they go with "
                  "--endpoint pfs, dor or ttnt");
        return EXIT_USAGE;
    }
    int rc = app_open_store(app);
    if (rc != EXIT_OK) return rc;
    stats_cohort co;
    stats_cohort_init(&co, (stats_endpoint)ep, (stats_by)by);
    stats_cohort_select(&co, line, agent);
    /* One pass over the filtered cases reading only the columns the
     * statistics use (and the courses when there are any); memory in
     * distinct times and groups (core/stats.h). */
    int fields[IMT_F_COUNT];
    int nf = stats_cohort_fields(&co, fields, IMT_F_COUNT);
    store_walk *w = store_walk_open(app->store, &f, fields, nf, true);
    int src = w ? 1 : STORE_ERROR;
    while (src == 1)
        src = store_walk_step(w, 1L << 20, add_case, &co);
    store_walk_close(w);
    if (src != 0) {
        if (src > 0) app_error(app, "stats", "out of memory");
        else app_error(app, "stats", "%s", store_errmsg(app->store));
        stats_cohort_free(&co);
        return EXIT_FAIL;
    }
    stats_report r;
    if (stats_report_compute(&co, &r) != 0) {
        app_error(app, "stats", "out of memory");
        stats_report_free(&r);
        stats_cohort_free(&co);
        return EXIT_FAIL;
    }
    if (json) print_json(app->out, &f, (stats_endpoint)ep, &r, &co);
    else print_text(app->out, &f, &co, &r);
    stats_report_free(&r);
    stats_cohort_free(&co);
    if (fflush(app->out) != 0 || ferror(app->out)) {
        app_error(app, "stats", "write error");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
