/* cli/cmd_decide.c - `imtreview decide CASE_ID RULE_ID --accept|--override
 * REASON [--comment TEXT] [--json]` (issue 10): accept or override one
 * recommendation of a case, stored with the rule-set version, the facts
 * that fired it, the login name and the UTC time, and audited. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/review.h"
#include "core/rules.h"
#include "core/textw.h"

static const char usage[] =
    "Usage: imtreview [--db PATH] decide CASE_ID RULE_ID --accept [--comment TEXT] [--json]\n"
    "       imtreview [--db PATH] decide CASE_ID RULE_ID --override REASON\n"
    "                 [--comment TEXT] [--json]\n"
    "Accept or override a recommendation of a case (imtreview recommend CASE_ID\n"
    "lists them; those of level info need no decision).  The decision is stored\n"
    "with the rule-set version (" RULESET_VERSION "), the facts that fired the\n"
    "recommendation, your login name and the time (UTC), and audited.  It goes\n"
    "stale when the rule set's version changes or those facts change; a stale\n"
    "decision counts as none.  A later decision on the same rule replaces it.\n"
    "  --accept           the recommendation is followed\n"
    "  --override REASON  it is not: contraindicated, patient-declined,\n"
    "                     already-done, not-applicable, evidence-disagrees or\n"
    "                     other (other needs --comment)\n"
    "  --comment TEXT     free text, e.g. \"ALK TKI considered, patient declined\"\n"
    "                     (up to 2000 characters)\n"
    "  --json             one object: case_id, rule_id, decision, reason, comment,\n"
    "                     user, time, ruleset, fired_by, version\n"
    "  --help             this text\n"
    "Exit status: 0 saved; 1 refused (no such case, the rule does not fire for\n"
    "the case now, the case is signed out, read-only) or database error, nothing\n"
    "changed; 2 usage error.\n";

int cmd_decide(imt_app *app, int argc, char **argv)
{
    bool accept = false, json = false;
    const char *override = NULL, *comment = NULL;
    const cli_opt opts[] = {
        { "accept", 0, CLI_FLAG, &accept, NULL },
        { "override", 0, CLI_TEXT, &override, NULL },
        { "comment", 0, CLI_TEXT, &comment, NULL },
        { "json", 0, CLI_FLAG, &json, NULL },
        { NULL, 0, 0, NULL, NULL }
    };
    const cli_spec spec = { .usage = usage, .opts = opts };
    int prc = cli_parse(app, &spec, argc, argv);
    if (prc != CLI_GO_ON)
        return prc;
    if (argc - optind != 2)
        return cli_usage_error(app, "decide", usage, "expected CASE_ID and RULE_ID");
    const char *id = argv[optind], *rule = argv[optind + 1];
    if (accept == (override != NULL))
        return cli_usage_error(app, "decide", usage, "give either --accept or --override REASON");
    int reason = -1;
    if (override) {
        reason = imt_enum_find(review_reason_values, override);
        if (reason < 0) {
            app_error(app, "decide", "unknown reason '%s' (allowed: contraindicated, "
                      "patient-declined, already-done, not-applicable, evidence-disagrees, "
                      "other)", APP_Q(override));
            return EXIT_USAGE;
        }
    }
    if (comment && cli_check_text(app, "decide", "--comment", comment, CLI_COMMENT_MAX) != EXIT_OK)
        return EXIT_USAGE;
    int decision = accept ? DECISION_ACCEPT : DECISION_OVERRIDE;
    char why[300];
    if (review_check_decision(decision, reason, comment, why, sizeof why) != 0) {
        app_error(app, "decide", "%s (--comment TEXT)", why);
        return EXIT_USAGE;
    }
    if (app_open_store(app) != EXIT_OK)
        return EXIT_FAIL;
    store_decide_req rq = { id, rule, decision, reason, comment };
    store_decide_result res;
    int rc = store_decide(app->store, &rq, &res);
    if (rc != STORE_OK)
        return cli_case_error(app, "decide", rc, id);
    app->saved = true;
    int werr;
    if (json) {
        json_t *o = json_object(), *f = json_array();
        if (o && f) {
            for (int i = 0; i < res.nfacts; i++)
                json_array_append_new(f, json_string(res.facts[i]));
            json_object_set_new(o, "case_id", cli_jstr(id));
            json_object_set_new(o, "rule_id", cli_jstr(rule));
            json_object_set_new(o, "decision", json_string(review_decision_values[decision]));
            json_object_set_new(o, "reason", reason >= 0 ? json_string(review_reason_values[reason])
                                                         : json_null());
            json_object_set_new(o, "comment", cli_jstr(comment && *comment ? comment : NULL));
            json_object_set_new(o, "user", cli_jstr(res.user));
            json_object_set_new(o, "time", json_string(res.time));
            json_object_set_new(o, "ruleset", json_string(res.ruleset));
            json_object_set_new(o, "fired_by", f);
            json_object_set_new(o, "version", json_integer((json_int_t)res.version));
        } else {
            json_decref(f);
            json_decref(o);
            o = NULL;
        }
        werr = cli_emit_json(app, "decide", o) != 0;
    } else {
        char sid[TEXTW_BUFSIZE(64)], srule[TEXTW_BUFSIZE(48)];
        textw_fit(id, 48, false, false, sid, sizeof sid);
        textw_fit(rule, 40, false, false, srule, sizeof srule);
        fprintf(app->out, "%s: %s %s%s%s (audited, rule set %s, version %lld)\n", sid, srule,
                accept ? "accepted" : "overridden", accept ? "" : ": ",
                accept ? "" : review_reason_values[reason], res.ruleset, res.version);
        werr = fflush(app->out) != 0 || ferror(app->out);
    }
    if (werr)
        app_error(app, "decide", "the decision was saved, but its report could not be written");
    return EXIT_OK;
}
