/* cli/cmd_backup.c - `imtreview backup FILE`: a consistent copy of the
 * database while others keep writing (store_backup: SQLite's online
 * backup API), for the operations section of the README. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/textw.h"

static const char usage[] =
    "Usage: imtreview [--db PATH] backup FILE [--json]\n"
    "Copy the whole database (cases, audit trail, pseudonym key) into FILE,\n"
    "a file that must not exist yet, as of one moment, while other sessions\n"
    "go on reading and writing.  The copy is checked (SQLite quick_check)\n"
    "and written through a temporary file beside FILE: a full disk or a kill\n"
    "never leaves a partial FILE.  FILE gets mode 0600.  Verify it with\n"
    "'imtreview --db FILE check'; restore by stopping the sessions and\n"
    "putting FILE in the database's place.  PostgreSQL: use pg_dump.\n"
    "  --json   one object: {\"backup\": FILE, \"cases\": N}\n"
    "  --help   this text\n"
    "Exit status: 0 written, 1 not written (FILE exists, disk full, database\n"
    "error; nothing is left behind), 2 usage error.\n";

int cmd_backup(imt_app *app, int argc, char **argv)
{
    bool json = false;
    const cli_opt opts[] = {
        { "json", 0, CLI_FLAG, &json, NULL },
        { NULL, 0, 0, NULL, NULL }
    };
    const cli_spec spec = { .usage = usage, .opts = opts, .dash_h = true };
    int prc = cli_parse(app, &spec, argc, argv);
    if (prc != CLI_GO_ON)
        return prc;
    if (argc - optind != 1)
        return cli_usage_error(app, "backup", usage, "%s",
                               argc - optind ? "exactly one FILE, please"
                                             : "the backup FILE is missing");
    const char *dest = argv[optind];
    if (app_open_store(app) != EXIT_OK)
        return EXIT_FAIL;
    char err[1024];
    int rc = store_backup(app->store, dest, err, sizeof err);
    if (rc != STORE_OK) {
        char safe[TEXTW_BUFSIZE(sizeof err)];
        textw_sanitize(err, safe, sizeof safe, false);
        app_error(app, "backup", "%s", safe);
        return EXIT_FAIL;
    }
    app->saved = true;
    /* The count is the copy's own (others may have written since). */
    long ncases = -1;
    imt_store *copy = store_open(dest, STORE_OPEN_READONLY, app->user, err, sizeof err);
    if (copy) {
        ncases = store_count(copy, NULL);
        store_close(copy);
    }
    if (ncases < 0) {
        app_error(app, "backup", "the backup was written but cannot be read back");
        return EXIT_FAIL;
    }
    if (json) {
        json_t *o = json_pack("{s:s?, s:I}", "backup", dest, "cases", (json_int_t)ncases);
        if (o) {
            json_dumpf(o, app->out, JSON_COMPACT | JSON_ENSURE_ASCII);
            fputc('\n', app->out);
            json_decref(o);
        }
    } else {
        fprintf(app->out, "backup written to %s (%ld cases); verify with "
                "'imtreview --db FILE check'\n", APP_Q(dest), ncases);
    }
    if (fflush(app->out) != 0 || ferror(app->out))
        app_error(app, "backup", "cannot write the output (the backup is written)");
    return EXIT_OK;
}
