/* cli/cmd_stats.c - `imtreview stats`: cohort statistics for the filtered
 * cases (cli.md "stats"; numbers from core/stats.c, which mirrors R). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli/cli.h"
#include "core/stats.h"

static const char usage[] =
    "Usage: imtreview [--db PATH] stats [FILTERS] [--endpoint os|dss|rfs] [--by FIELD] [--json]\n"
    "Kaplan-Meier survival (Greenwood SE, log-scale 95% CI), survival at\n"
    "12/36/60/120 months, median, log-rank test and Fisher exact test by group,\n"
    "and ALK status by site, for the filtered cases.\n"
    CLI_FILTER_HELP
    "  --endpoint E       os (default: death of any cause), dss (death of disease),\n"
    "                     rfs (recurrence or death)\n"
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

static int add_case(void *ctx, const imt_case *c)
{
    return stats_cohort_add(ctx, c) ? 1 : 0;
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

static void print_json(FILE *o, const imt_filter *f, stats_endpoint ep,
                       const stats_report *r)
{
    fputs("{\"filters\": ", o);
    jfilters(o, f);
    fprintf(o, ", \"endpoint\": \"%s\", \"n\": %ld, \"n_used\": %ld, "
               "\"n_excluded\": %ld, \"events\": %ld,\n \"km\": [",
            stats_endpoint_name(ep), r->n, r->n_used, r->n_excluded, r->events);
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
    fprintf(o, "Endpoint: %s   cases %ld, used %ld, excluded %ld, events %ld\n",
            co->endpoint == EP_OS ? "overall survival (OS)"
            : co->endpoint == EP_DSS ? "disease-specific survival (DSS)"
                                     : "recurrence-free survival (RFS)",
            r->n, r->n_used, r->n_excluded, r->events);
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
    if (r->nwarn) {
        fputs("\nWarnings:\n", o);
        for (int i = 0; i < r->nwarn; i++) fprintf(o, "  - %s\n", r->warn[i]);
    }
}

int cmd_stats(imt_app *app, int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_FILTER_LONGOPTS,
        { "endpoint", 1, NULL, 'e' },
        { "by", 1, NULL, 'b' },
        { "json", 0, NULL, 'j' },
        { "help", 0, NULL, 'h' },
        APP_GLOBAL_OPTIONS,
        { NULL, 0, NULL, 0 }
    };
    imt_filter f;
    memset(&f, 0, sizeof f);
    int ep = EP_OS, by = BY_NONE;
    bool json = false;
    int c, idx;
    while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
        switch (c) {
        case 0:
            if (cli_filter_option(app, &f, opts[idx].name, optarg) < 0)
                return EXIT_USAGE;
            break;
        case 'e':
            if ((ep = stats_endpoint_parse(optarg)) < 0) {
                { char q[TEXTW_BUFSIZE(APP_QUOTE_MAX)];
                  app_error(app, "stats", "unknown endpoint '%s' (allowed: os, dss, rfs)",
                            app_quote(optarg, q, sizeof q)); }
                return EXIT_USAGE;
            }
            break;
        case 'b':
            if ((by = stats_by_parse(optarg)) < 0) {
                app_error(app, "stats", "unknown --by field '%s' (allowed: alk_status, site, "
                          "sex, surgery, steroids, outcome, metastatic, margin, age_group)",
                          APP_Q(optarg));
                return EXIT_USAGE;
            }
            break;
        case 'j': json = true; break;
        case 'h': fputs(usage, app->out); return EXIT_OK;
        default:
            if (app_global_option(app, c, optarg)) break;
            fputs(usage, app->err); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        { char q[TEXTW_BUFSIZE(APP_QUOTE_MAX)];
          app_error(app, "stats", "unexpected argument '%s'", app_quote(argv[optind], q, sizeof q)); }
        fputs(usage, app->err);
        return EXIT_USAGE;
    }
    int rc = app_open_store(app);
    if (rc != EXIT_OK) return rc;
    stats_cohort co;
    stats_cohort_init(&co, (stats_endpoint)ep, (stats_by)by);
    /* One pass over the filtered cases reading only the columns the
     * statistics use; memory in distinct times and groups (core/stats.h). */
    int fields[32];
    int nf = stats_cohort_fields(fields, 32);
    store_walk *w = store_walk_open(app->store, &f, fields, nf);
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
    if (json) print_json(app->out, &f, (stats_endpoint)ep, &r);
    else print_text(app->out, &f, &co, &r);
    stats_report_free(&r);
    stats_cohort_free(&co);
    if (fflush(app->out) != 0 || ferror(app->out)) {
        app_error(app, "stats", "write error");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
