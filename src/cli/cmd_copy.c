/* cli/cmd_copy.c - `imtreview copy --to TARGET`: every case and audit row
 * (times, users and hashes as they are) and the pseudonym key from the
 * database --db names into another, SQLite or PostgreSQL either way
 * (store_copy); then both sides are compared. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/textw.h"

static const char usage[] =
    "Usage: imtreview [--db SOURCE] copy --to TARGET\n"
    "Copy every case and audit row (times, users and hashes as they are) and\n"
    "the pseudonym key from the database --db names into TARGET: an SQLite\n"
    "file or a PostgreSQL database (postgresql://... or a connection string\n"
    "such as service=NAME), either way round.  TARGET must be empty (a new\n"
    "file, or a database without imtreview rows); it is written in one\n"
    "transaction.  Then both sides are read again and compared: the rows of\n"
    "each table and a SHA-256 digest of their contents.\n"
    "  --to TARGET   where to copy to\n"
    "  --help        this text\n"
    "Exit status: 0 copied and identical, 1 not copied (TARGET not empty,\n"
    "database error; a TARGET this run created is removed again) or the\n"
    "sides differ, 2 usage error.\n";

static void say(void *ctx, const char *line)
{
    imt_app *app = ctx;
    char safe[TEXTW_BUFSIZE(600)];
    textw_sanitize(line, safe, sizeof safe, false);
    fprintf(app->out, "%s\n", safe);
}

int cmd_copy(imt_app *app, int argc, char **argv)
{
    const char *target = NULL;
    const cli_opt opts[] = {
        { "to", 0, CLI_TEXT, &target, NULL },
        { NULL, 0, 0, NULL, NULL }
    };
    const cli_spec spec = { .usage = usage, .opts = opts, .dash_h = true };
    int prc = cli_parse(app, &spec, argc, argv);
    if (prc != CLI_GO_ON)
        return prc;
    if (optind != argc || !target || !*target)
        return cli_usage_error(app, "copy", usage, "%s",
                               optind != argc ? "takes no arguments but --to TARGET"
                                              : "where to? give --to TARGET");
    char src_shown[1024], dst_shown[1024];
    store_locator_shown(app->db_path, src_shown, sizeof src_shown);
    store_locator_shown(target, dst_shown, sizeof dst_shown);
    /* The source is only read. */
    app->readonly = true;
    if (app_open_store(app) != EXIT_OK)
        return EXIT_FAIL;
    char err[1200];
    imt_store *to = store_open(target, 0, app->user, err, sizeof err);
    if (!to) {
        char safe[TEXTW_BUFSIZE(sizeof err)];
        textw_sanitize(err, safe, sizeof safe, false);
        app_error(app, "copy", "%s", safe);
        return EXIT_FAIL;
    }
    app_watch_stop(app, to);
    bool made = store_created(to);
    fprintf(app->out, "copying %s (%s) to %s (%s)\n", APP_Q(src_shown), store_engine(app->store),
            APP_Q(dst_shown), store_engine(to));
    int rc = store_copy(app->store, to, say, app, err, sizeof err);
    if (rc == STORE_OK) {
        app->saved = true;
        fprintf(app->out, "copy complete: both sides hold the same rows\n");
    }
    store_close(to);
    if (rc != STORE_OK) {
        char safe[TEXTW_BUFSIZE(sizeof err)];
        textw_sanitize(err, safe, sizeof safe, false);
        app_error(app, "copy", "%s", safe);
        /* A target this run made and that holds nothing is removed again. */
        if (made && rc != STORE_ERROR) {
            store_remove_files(target);
        } else if (made) {
            imt_store *t2 = store_open(target, STORE_OPEN_READONLY | STORE_OPEN_MUST_EXIST,
                                       app->user, err, sizeof err);
            long n = t2 ? store_count(t2, NULL) : -1;
            if (t2)
                store_close(t2);
            if (n == 0)
                store_remove_files(target);
        }
        return EXIT_FAIL;
    }
    if (fflush(app->out) != 0 || ferror(app->out))
        app_error(app, "copy", "cannot write the output (the copy is saved)");
    return EXIT_OK;
}
