/* cli/cmd_rules.c - `imtreview rules [--json]`: the rule set's reference
 * card: every rule of src/core/rules.c with its condition in words, what it
 * says, its evidence and why it has its level, plus the definitions the
 * rules share (rules.md). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/rules.h"
#include "io/rulesout.h"

static const char usage[] =
    "Usage: imtreview rules [--json] [--mitoses-cutoff N]\n"
    "The reference card of the rule set " RULESET_VERSION ": every rule with its\n"
    "kind, level, condition in words, advice and evidence.\n"
    "  --json               {\"ruleset\", \"name\", \"not_suitable_for_surgery\",\n"
    "                       \"mitoses_cutoff\", \"levels\", \"unknowns\", \"rules\": [{\"id\",\n"
    "                       \"kind\", \"level\", \"condition\", \"says\", \"evidence\",\n"
    "                       \"level_reason\"}]}\n"
    "  --mitoses-cutoff N   show the card for this cut-off (as `recommend`)\n"
    "  --help               this text\n"
    "Exit status: 0 printed, 1 the work failed, 2 usage error.\n";

static const char unknowns_text[] =
    "An empty field is unknown, never \"no\" or zero: a rule whose condition "
    "needs it does not fire. Where an empty field would change the advice it is "
    "listed as \"missing\" under the rule that fired, or under DX-MISSING-DATA "
    "when it kept a rule from firing. \"because\" lists the facts (field = value) "
    "that fired a rule; an empty field used as a fact shows as (empty). "
    "Thresholds are strict (> means greater than) unless the condition says >=.";

static const char levels_text[] =
    "Output is sorted by level, most urgent first (critical, warning, info, "
    "suggestion), then in the order of this card. critical is reserved for "
    "advice that must stop the current management; no rule of this set reaches "
    "it, because its sources are consensus votes, cohorts and case reports.";

#define WIDTH 78

int cmd_rules(imt_app *app, int argc, char **argv)
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
    if (optind != argc)
        return cli_usage_error(app, "rules", usage, "unexpected argument");
    rules_config cfg;
    int rc = app_rules_config(app, "rules", &cfg, mit);
    if (rc != EXIT_OK)
        return rc;
    char cut[320];
    snprintf(cut, sizeof cut,
             "RISK-PATHOLOGY fires from %g mitoses per 10 HPF (mitoses_10hpf >= %g). "
             "The sources give no cut-off: 10 is a working value, set with "
             "--mitoses-cutoff N or mitoses_cutoff = N in the settings file.",
             cfg.mitoses_cutoff, cfg.mitoses_cutoff);

    if (json) {
        json_t *root = json_object();
        json_object_set_new(root, "ruleset", json_string(RULESET_VERSION));
        json_object_set_new(root, "name", json_string(RULESET_NAME));
        json_object_set_new(root, "not_suitable_for_surgery",
                            json_string(rules_unsuitable_text()));
        json_object_set_new(root, "mitoses_cutoff", json_real(cfg.mitoses_cutoff));
        json_object_set_new(root, "mitoses_cutoff_note", json_string(cut));
        json_object_set_new(root, "levels", json_string(levels_text));
        json_object_set_new(root, "unknowns", json_string(unknowns_text));
        json_t *arr = json_array();
        for (int i = 0; i < rules_card_count(); i++) {
            const rule_card *k = rules_card(i);
            json_t *o = json_object();
            json_object_set_new(o, "id", json_string(k->id));
            json_object_set_new(o, "kind", json_string(rule_kind_name(k->kind)));
            json_object_set_new(o, "level", json_string(rule_level_name(k->level)));
            json_object_set_new(o, "condition", json_string(k->condition));
            json_object_set_new(o, "says", json_string(k->says));
            json_object_set_new(o, "evidence", json_string(k->evidence));
            json_object_set_new(o, "level_reason", json_string(k->level_why));
            json_array_append_new(arr, o);
        }
        json_object_set_new(root, "rules", arr);
        rc = json_dumpf(root, app->out, JSON_COMPACT | JSON_ENSURE_ASCII);
        fputc('\n', app->out);
        json_decref(root);
    } else {
        FILE *o = app->out;
        bool ascii = !rules_utf8_locale();
        fprintf(o, "Rule set %s (version %s): %d rules\n\n", RULESET_NAME,
                RULESET_VERSION, rules_card_count());
        rules_fprint_wrapped(o, "Not suitable for surgery: ", rules_unsuitable_text(),
                             WIDTH, ascii);
        rules_fprint_wrapped(o, "Mitoses cut-off: ", cut, WIDTH, ascii);
        rules_fprint_wrapped(o, "Unknowns: ", unknowns_text, WIDTH, ascii);
        rules_fprint_wrapped(o, "Levels: ", levels_text, WIDTH, ascii);
        for (int i = 0; i < rules_card_count(); i++) {
            const rule_card *k = rules_card(i);
            fprintf(o, "\n%s  (%s, %s)\n", k->id, rule_kind_name(k->kind),
                    rule_level_name(k->level));
            rules_fprint_wrapped(o, "  fires when: ", k->condition, WIDTH, ascii);
            rules_fprint_wrapped(o, "  says: ", k->says, WIDTH, ascii);
            rules_fprint_wrapped(o, "  evidence: ", k->evidence, WIDTH, ascii);
            rules_fprint_wrapped(o, "  level: ", k->level_why, WIDTH, ascii);
        }
        rc = 0;
    }
    if (rc != 0 || fflush(app->out) != 0 || ferror(app->out)) {
        app_error(app, "rules", "cannot write the output");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
