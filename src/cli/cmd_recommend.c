/* cli/cmd_recommend.c - `imtreview recommend CASE_ID [--json]`: the
 * recommendations of rules.md for one case, most urgent first (cli.md
 * "recommend"). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <jansson.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/review.h"
#include "core/rules.h"
#include "io/rulesout.h"
#include "core/textw.h"

static const char usage[] =
    "Usage: imtreview [--db PATH] recommend CASE_ID [--json] [--mitoses-cutoff N]\n"
    "The recommendations of the rule set (" RULESET_VERSION ") for one case,\n"
    "most urgent first (critical, warning, info, suggestion), each with its\n"
    "evidence, the facts that fired it and the missing facts that would change\n"
    "it, and (level not info) the decision on it: accepted or overridden, by\n"
    "whom, when, and whether it went stale.  `imtreview rules` lists every rule.\n"
    "  --json               {\"case_id\", \"ruleset\", \"recommendations\": [{\"id\",\n"
    "                       \"kind\", \"level\", \"summary\", \"detail\", \"evidence\",\n"
    "                       \"fired_by\": [...], \"missing\": [...], \"decision\": null or\n"
    "                       {\"decision\", \"reason\", \"comment\", \"user\", \"time\",\n"
    "                       \"ruleset\", \"stale\"}}]}\n"
    "  --mitoses-cutoff N   mitoses per 10 HPF from which RISK-PATHOLOGY fires\n"
    "                       (default 10, or mitoses_cutoff in the settings file)\n"
    "  --help               this text\n"
    "Exit status: 0 shown, 1 no such case or database error, 2 usage error.\n";

#define WIDTH 78




static json_t *str_array(char (*a)[RULES_FACT_LEN], int n)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_string(a[i]));
    return arr;
}

/* The current decision on rule id (NULL: none). */
static const store_decision *decision_of(const store_decision *d, int nd, const char *id)
{
    for (int i = 0; i < nd; i++)
        if (strcmp(d[i].rule_id, id) == 0)
            return &d[i];
    return NULL;
}

static json_t *decision_json(const store_decision *d)
{
    if (!d)
        return json_null();
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "decision", d->decision >= 0
                        ? json_string(review_decision_values[d->decision]) : json_null());
    json_object_set_new(o, "reason", d->reason >= 0
                        ? json_string(review_reason_values[d->reason]) : json_null());
    json_object_set_new(o, "comment", cli_jstr(d->comment));
    json_object_set_new(o, "user", cli_jstr(d->user));
    json_object_set_new(o, "time", cli_jstr(d->time));
    json_object_set_new(o, "ruleset", cli_jstr(d->ruleset));
    json_object_set_new(o, "stale", json_boolean(d->stale));
    return o;
}

static int print_json(imt_app *app, const char *case_id, const rules_result *res,
                      const store_decision *dec, int nd)
{
    json_t *root = json_object();
    json_object_set_new(root, "case_id", json_string(case_id));
    json_object_set_new(root, "ruleset", json_string(RULESET_VERSION));
    json_t *recs = json_array();
    for (int i = 0; i < res->n; i++) {
        rule_rec *r = (rule_rec *)&res->recs[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(r->id));
        json_object_set_new(o, "kind", json_string(rule_kind_name(r->kind)));
        json_object_set_new(o, "level", json_string(rule_level_name(r->level)));
        json_object_set_new(o, "summary", json_string(r->summary));
        json_object_set_new(o, "detail", json_string(r->detail));
        json_object_set_new(o, "evidence", json_string(r->evidence ? r->evidence : ""));
        json_object_set_new(o, "fired_by", str_array(r->fired, r->nfired));
        json_object_set_new(o, "missing", str_array(r->missing, r->nmissing));
        json_object_set_new(o, "decision", decision_json(review_needs_decision(r)
                                                          ? decision_of(dec, nd, r->id) : NULL));
        json_array_append_new(recs, o);
    }
    json_object_set_new(root, "recommendations", recs);
    int rc = json_dumpf(root, app->out, JSON_COMPACT | JSON_ENSURE_ASCII);
    fputc('\n', app->out);
    json_decref(root);
    if (rc != 0) {
        app_error(app, "recommend", "cannot write the JSON output");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

static void print_text(imt_app *app, const char *case_id, const rules_result *res,
                       const store_decision *dec, int nd)
{
    FILE *o = app->out;
    bool ascii = !rules_utf8_locale();
    char safe_id[TEXTW_BUFSIZE(64)];
    textw_fit(case_id, 32, ascii, false, safe_id, sizeof safe_id);
    fprintf(o, "Rule set %s, case %s: %d recommendation%s\n", RULESET_VERSION,
            safe_id, res->n, res->n == 1 ? "" : "s");
    for (int i = 0; i < res->n; i++) {
        const rule_rec *r = &res->recs[i];
        fprintf(o, "\n[%s] %s (%s)\n", rule_level_name(r->level), r->id,
                rule_kind_name(r->kind));
        rules_fprint_wrapped(o, "  ", r->summary, WIDTH, ascii);
        rules_fprint_wrapped(o, "  ", r->detail, WIDTH, ascii);
        rules_fprint_wrapped(o, "  evidence: ", r->evidence ? r->evidence : "", WIDTH, ascii);
        if (r->nfired) {
            size_t len = 0;
            char *b = malloc((size_t)r->nfired * (RULES_FACT_LEN + 2) + 1);
            if (b) {
                b[0] = '\0';
                for (int k = 0; k < r->nfired; k++)
                    len += (size_t)sprintf(b + len, "%s%s", k ? "; " : "", r->fired[k]);
                rules_fprint_wrapped(o, "  because: ", b, WIDTH, ascii);
                free(b);
            }
        }
        for (int k = 0; k < r->nmissing; k++)
            rules_fprint_wrapped(o, "  missing: ", r->missing[k], WIDTH, ascii);
        if (!review_needs_decision(r))
            continue;
        const store_decision *d = decision_of(dec, nd, r->id);
        char line[600];
        if (!d) {
            rules_fprint_wrapped(o, "  decision: ", "none yet (imtreview decide)", WIDTH, ascii);
            continue;
        }
        char how[80];
        if (d->decision == DECISION_ACCEPT)
            snprintf(how, sizeof how, "accepted");
        else
            snprintf(how, sizeof how, "overridden (%s)",
                     d->reason >= 0 ? review_reason_values[d->reason] : "?");
        snprintf(line, sizeof line, "%s%s by %s at %s%s%s%s%s%s", d->stale ? "STALE: " : "",
                 how, d->user, d->time, d->comment ? ": " : "", d->comment ? d->comment : "",
                 d->stale ? " (" : "", d->stale ? d->why : "", d->stale ? ")" : "");
        rules_fprint_wrapped(o, "  decision: ", line, WIDTH, ascii);
    }
}

int cmd_recommend(imt_app *app, int argc, char **argv)
{
    bool json = false;
    const char *mit = NULL;
    const cli_opt opts[] = {
        { "json", 0, CLI_FLAG, &json, NULL },
        { "mitoses-cutoff", 0, CLI_TEXT, &mit, NULL },
        { NULL, 0, 0, NULL, NULL }
    };
    const cli_spec spec = { .usage = usage, .opts = opts };
    int prc = cli_parse(app, &spec, argc, argv);
    if (prc != CLI_GO_ON)
        return prc;
    if (argc - optind != 1)
        return cli_usage_error(app, "recommend", usage, "expected one CASE_ID");
    const char *id = argv[optind];
    rules_config cfg;
    int rc = app_rules_config(app, "recommend", &cfg, mit);
    if (rc != EXIT_OK)
        return rc;
    if ((rc = app_open_store(app)) != EXIT_OK)
        return rc;
    imt_case c;
    int st = store_get(app->store, id, &c);
    if (st != STORE_OK)
        return cli_case_error(app, "recommend", st, id);
    rules_result *res = malloc(sizeof *res);
    if (!res) {
        imt_case_clear(&c);
        app_error(app, "recommend", "out of memory");
        return EXIT_FAIL;
    }
    /* the course rules read the events (an engine without them: none) */
    imt_course co;
    if (store_events_get(app->store, c.case_id, &co) != STORE_OK)
        course_init(&co);
    rules_course rcourse = { &co, NULL };
    rules_evaluate_course(&c, &rcourse, &cfg, res);
    course_clear(&co);
    store_decision *dec = NULL;
    int nd = 0;
    if (store_decisions(app->store, c.case_id, &dec, &nd) != STORE_OK) {
        app_error(app, "recommend", "%s", store_errmsg(app->store));
        free(res);
        imt_case_clear(&c);
        return EXIT_FAIL;
    }
    if (json)
        rc = print_json(app, c.case_id ? c.case_id : id, res, dec, nd);
    else {
        print_text(app, c.case_id ? c.case_id : id, res, dec, nd);
        rc = EXIT_OK;
    }
    store_decisions_free(dec, nd);
    if (fflush(app->out) != 0 || ferror(app->out)) {
        app_error(app, "recommend", "cannot write the output");
        rc = EXIT_FAIL;
    }
    free(res);
    imt_case_clear(&c);
    return rc;
}
