/* cli/cmd_review.c - `imtreview review CASE_ID --status STATE [--comment TEXT]`:
 * set a case's review state (cli.md "review").  signed_out records the
 * login name and the UTC time; every review is audited with the comment
 * and the rule-set version the reviewer saw (core/rules.h). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/rules.h"
#include "core/textw.h"
#include "core/utf8.h"

#define COMMENT_MAX 2000   /* characters; a note, not a document */

static const char usage[] =
    "Usage: imtreview [--db PATH] review CASE_ID\n"
    "           --status unreviewed|in_review|signed_out [--comment TEXT]\n"
    "Set the review state of a case.  signed_out records you (the login name)\n"
    "as the reviewer and the time (UTC); the other states clear both.  Every\n"
    "review is written to the audit trail with the comment and the rule-set\n"
    "version (" RULESET_VERSION ").\n"
    "  --status STATE   unreviewed, in_review or signed_out\n"
    "  --comment TEXT   a comment for the audit trail (up to 2000 characters)\n"
    "  --help           this text\n"
    "Exit status: 0 set, 1 no such case, read-only or database error (nothing\n"
    "changed), 2 usage error.\n";

int cmd_review(imt_app *app, int argc, char **argv)
{
    static const struct option opts[] = {
        { "status", 1, NULL, 's' },
        { "comment", 1, NULL, 'c' },
        { "help", 0, NULL, 'h' },
        APP_GLOBAL_OPTIONS,
        { NULL, 0, NULL, 0 }
    };
    const char *status_arg = NULL, *comment = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 's': status_arg = optarg; break;
        case 'c': comment = optarg; break;
        case 'h': fputs(usage, app->out); return EXIT_OK;
        default:
            if (app_global_option(app, ch, optarg)) break;
            fputs(usage, app->err); return EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        app_error(app, "review", "expected one CASE_ID");
        fputs(usage, app->err);
        return EXIT_USAGE;
    }
    const char *id = argv[optind];
    if (!status_arg) {
        app_error(app, "review", "--status is required (unreviewed, in_review, signed_out)");
        fputs(usage, app->err);
        return EXIT_USAGE;
    }
    int status = imt_enum_find(imt_review_values, status_arg);
    if (status < 0) {
        char safe[TEXTW_BUFSIZE(64)];
        textw_fit(status_arg, 40, false, false, safe, sizeof safe);
        app_error(app, "review", "unknown status '%s' (allowed: unreviewed, in_review, signed_out)",
                  safe);
        return EXIT_USAGE;
    }
    if (comment) {
        size_t n = strlen(comment);
        if (!utf8_valid(comment, n)) {
            app_error(app, "review", "the comment is not valid UTF-8");
            return EXIT_USAGE;
        }
        if (utf8_count(comment, n) > COMMENT_MAX) {
            app_error(app, "review", "the comment is longer than %d characters", COMMENT_MAX);
            return EXIT_USAGE;
        }
    }
    if (app_open_store(app) != EXIT_OK)
        return EXIT_FAIL;
    int rc = store_set_review(app->store, id, status, comment, RULESET_VERSION);
    if (rc == STORE_NOTFOUND) {
        char safe[TEXTW_BUFSIZE(APP_QUOTE_MAX)];
        app_error(app, "review", "no case '%s'", app_quote(id, safe, sizeof safe));
        return EXIT_FAIL;
    }
    if (rc != STORE_OK) {
        app_error(app, "review", "%s", store_errmsg(app->store));
        return EXIT_FAIL;
    }
    app->saved = true;
    char safe[TEXTW_BUFSIZE(64)];
    textw_fit(id, 48, false, false, safe, sizeof safe);
    fprintf(app->out, "%s: %s (audited, rule set %s)\n", safe, imt_review_values[status],
            RULESET_VERSION);
    /* exit 0 says the review is saved, and it is */
    if (fflush(app->out) != 0 || ferror(app->out))
        app_error(app, "review", "the review was saved, but its report could not be written");
    return EXIT_OK;
}
