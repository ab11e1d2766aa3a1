/* cli/cmd_review.c - `imtreview review CASE_ID --status STATE [--comment TEXT]
 * [--reason TEXT] [--json]`: set a case's review state (cli.md "review",
 * issue 10).  in_review records who took the case and when; signed_out is
 * a signature (refused while a recommendation is undecided) and locks the
 * case; leaving signed_out needs a reason.  Every review is audited with
 * the comment and the rule-set version the reviewer saw (core/rules.h). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/rules.h"
#include "core/textw.h"

static const char usage[] =
    "Usage: imtreview [--db PATH] review CASE_ID\n"
    "           --status unreviewed|in_review|signed_out [--comment TEXT]\n"
    "           [--reason TEXT] [--json]\n"
    "Set the review state of a case.\n"
    "  in_review    records you (the login name) as the reviewer who took the\n"
    "               case, and the time (UTC)\n"
    "  signed_out   your signature: refused while a recommendation that needs a\n"
    "               decision (level not info) has none or a stale one (the\n"
    "               message lists them; see imtreview decide); records your login\n"
    "               name, your full name from the password database, the time\n"
    "               and the comment.  A signed-out case is locked: no edit,\n"
    "               decision or updating import changes it.\n"
    "  unreviewed   clears the reviewer and the time\n"
    "Leaving signed_out (to in_review or unreviewed) needs --reason; the earlier\n"
    "signature stays in the audit trail.  Every review is written to the audit\n"
    "trail with the comment and the rule-set version (" RULESET_VERSION ").\n"
    "  --status STATE   unreviewed, in_review or signed_out\n"
    "  --comment TEXT   a comment for the audit trail (up to 2000 characters);\n"
    "                   the latest one is shown with the case\n"
    "  --reason TEXT    why a signed-out case is opened again (required then)\n"
    "  --json           one object: case_id, status, previous, reviewer,\n"
    "                   full_name, time, comment, reason, ruleset, version\n"
    "  --help           this text\n"
    "Exit status: 0 set, 1 refused (no such case, undecided recommendations, the\n"
    "case is signed out, no reason, read-only) or database error, nothing\n"
    "changed; 2 usage error.\n";

int cmd_review(imt_app *app, int argc, char **argv)
{
    const char *status_arg = NULL, *comment = NULL, *reason = NULL;
    bool json = false;
    const cli_opt opts[] = {
        { "status", 0, CLI_TEXT, &status_arg, NULL },
        { "comment", 0, CLI_TEXT, &comment, NULL },
        { "reason", 0, CLI_TEXT, &reason, NULL },
        { "json", 0, CLI_FLAG, &json, NULL },
        { NULL, 0, 0, NULL, NULL }
    };
    const cli_spec spec = { .usage = usage, .opts = opts };
    int prc = cli_parse(app, &spec, argc, argv);
    if (prc != CLI_GO_ON)
        return prc;
    if (argc - optind != 1)
        return cli_usage_error(app, "review", usage, "expected one CASE_ID");
    const char *id = argv[optind];
    if (!status_arg)
        return cli_usage_error(app, "review", usage,
                               "--status is required (unreviewed, in_review, signed_out)");
    int status = imt_enum_find(imt_review_values, status_arg);
    if (status < 0) {
        char safe[TEXTW_BUFSIZE(64)];
        textw_fit(status_arg, 40, false, false, safe, sizeof safe);
        app_error(app, "review", "unknown status '%s' (allowed: unreviewed, in_review, signed_out)",
                  safe);
        return EXIT_USAGE;
    }
    if (comment && cli_check_text(app, "review", "--comment", comment, CLI_COMMENT_MAX) != EXIT_OK)
        return EXIT_USAGE;
    if (reason && cli_check_text(app, "review", "--reason", reason, CLI_COMMENT_MAX) != EXIT_OK)
        return EXIT_USAGE;
    if (reason && !*reason) {
        app_error(app, "review", "--reason: give the reason as text");
        return EXIT_USAGE;
    }
    if (app_open_store(app) != EXIT_OK)
        return EXIT_FAIL;
    store_review_req rq = { id, status, comment, reason, RULESET_VERSION };
    store_review_result res;
    int rc = store_review(app->store, &rq, &res);
    if (rc != STORE_OK)
        return cli_case_error(app, "review", rc, id);
    app->saved = true;
    int werr = 0;
    if (json) {
        json_t *o = json_object();
        if (o) {
            json_object_set_new(o, "case_id", cli_jstr(id));
            json_object_set_new(o, "status", json_string(imt_review_values[status]));
            json_object_set_new(o, "previous", res.previous >= 0 && res.previous < REV_N
                                ? json_string(imt_review_values[res.previous]) : json_null());
            json_object_set_new(o, "reviewer", res.reviewer[0] ? cli_jstr(res.reviewer)
                                                               : json_null());
            json_object_set_new(o, "full_name", res.full_name[0] ? cli_jstr(res.full_name)
                                                                 : json_null());
            json_object_set_new(o, "time", json_string(res.time));
            json_object_set_new(o, "comment", cli_jstr(comment && *comment ? comment : NULL));
            json_object_set_new(o, "reason", cli_jstr(reason));
            json_object_set_new(o, "ruleset", json_string(RULESET_VERSION));
            json_object_set_new(o, "version", json_integer((json_int_t)res.version));
        }
        werr = cli_emit_json(app, "review", o) != 0;
    } else {
        char safe[TEXTW_BUFSIZE(64)];
        textw_fit(id, 48, false, false, safe, sizeof safe);
        fprintf(app->out, "%s: %s (audited, rule set %s)\n", safe, imt_review_values[status],
                RULESET_VERSION);
        werr = fflush(app->out) != 0 || ferror(app->out);
    }
    /* exit 0 says the review is saved, and it is */
    if (werr)
        app_error(app, "review", "the review was saved, but its report could not be written");
    return EXIT_OK;
}
