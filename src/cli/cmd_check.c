/* cli/cmd_check.c - `imtreview check`: SQLite's integrity check and the
 * store's own consistency checks (cli.md "check"); exit 0 only when all
 * pass. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/textw.h"

static const char usage[] =
    "Usage: imtreview [--db PATH] check\n"
    "Check the database: SQLite's integrity check, the derived ALK fields of\n"
    "every case against its ALK results, every value against the data\n"
    "dictionary (ranges, allowed values, cross-field rules), and the\n"
    "protection of the audit trail.  Prints \"ok: N cases, integrity ok\", or\n"
    "one line per problem and exits 1.\n"
    "  --help   this text\n"
    "Exit status: 0 every check passed, 1 a check failed or the database\n"
    "cannot be opened, 2 usage error.\n";

typedef struct {
    imt_app *app;
    long n;
} check_ctx;

static void report(void *vctx, const char *msg)
{
    check_ctx *x = vctx;
    /* The store already escapes stored values; sanitise again so that no
     * message can reach the terminal raw whatever it holds. */
    char safe[TEXTW_BUFSIZE(1024)];
    textw_sanitize(msg, safe, sizeof safe, false);
    fprintf(x->app->out, "problem: %s\n", safe);
    x->n++;
}

int cmd_check(imt_app *app, int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", 0, NULL, 'h' },
        APP_GLOBAL_OPTIONS,
        { NULL, 0, NULL, 0 }
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'h': fputs(usage, app->out); return EXIT_OK;
        default:
            if (app_global_option(app, ch, optarg)) break;
            fputs(usage, app->err); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        app_error(app, "check", "takes no arguments");
        fputs(usage, app->err);
        return EXIT_USAGE;
    }
    /* Checking never creates a database. */
    if (access(app->db_path, F_OK) != 0) {
        char safe[TEXTW_BUFSIZE(256)];
        textw_fit(app->db_path, 200, false, false, safe, sizeof safe);
        app_error(app, "check", "no database at %s", safe);
        return EXIT_FAIL;
    }
    if (app_open_store(app) != EXIT_OK)
        return EXIT_FAIL;
    check_ctx x = { app, 0 };
    int rc = store_check(app->store, report, &x);
    if (rc < 0) {
        app_error(app, "check", "%s", store_errmsg(app->store));
        return EXIT_FAIL;
    }
    if (rc > 0) {
        app_error(app, "check", "%d problem%s found", rc, rc == 1 ? "" : "s");
        return EXIT_FAIL;
    }
    imt_filter none;
    memset(&none, 0, sizeof none);
    long n = store_count(app->store, &none);
    if (n < 0) {
        app_error(app, "check", "%s", store_errmsg(app->store));
        return EXIT_FAIL;
    }
    fprintf(app->out, "ok: %ld case%s, integrity ok\n", n, n == 1 ? "" : "s");
    if (fflush(app->out) != 0 || ferror(app->out)) {
        app_error(app, "check", "cannot write the output");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
