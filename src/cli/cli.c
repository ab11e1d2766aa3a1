/* cli/cli.c - global options, the command table and the FILTERS options
 * the commands share.  Each subcommand lives in its own src/cli/cmd_*.c;
 * the context they work in is app/app.h. */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "io/ttyout.h"
#include "app/app.h"
#include "io/atomicfile.h"
#include "core/utf8.h"

#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Commands that write to the database (their exit status must tell the
 * truth about what was saved: see app_catch_stop_signals). */
static const char *const writing_commands[] = { "import", "review", "decide", "edit",
                                                "backup", "copy", NULL };

static const imt_command commands[] = {
    { "import",    cmd_import,    "import [--dry-run] [--update | --events [--replace]] [--ignore-unknown-columns] [--json] FILE.csv" },
    { "export",    cmd_export,    "export [FILTERS] [--deidentify [--keep-free-text]] [--excel-safe] [--events] [-o FILE] | --format csv|cbioportal ... DIR" },
    { "list",      cmd_list,      "list [FILTERS] [--json] [--today DATE]" },
    { "show",      cmd_show,      "show CASE_ID [--json]" },
    { "recommend", cmd_recommend, "recommend CASE_ID [--json] [--mitoses-cutoff N]" },
    { "rules",     cmd_rules,     "rules [--json] [--mitoses-cutoff N]" },
    { "stats",     cmd_stats,     "stats [FILTERS] [--endpoint os|dss|rfs|pfs|efs|dor|ttnt] [--line N] [--agent NAME] [--by FIELD] [--json]" },
    { "review",    cmd_review,    "review CASE_ID --status unreviewed|in_review|signed_out [--comment TEXT] [--reason TEXT] [--json]" },
    { "decide",    cmd_decide,    "decide CASE_ID RULE_ID --accept|--override REASON [--comment TEXT] [--json]" },
    { "edit",      cmd_edit,      "edit CASE_ID FIELD=VALUE... [--expect-version N] [--json]" },
    { "audit",     cmd_audit,     "audit [CASE_ID] [--json]" },
    { "check",     cmd_check,     "check [--json]" },
    { "backup",    cmd_backup,    "backup FILE [--json]" },
    { "copy",      cmd_copy,      "copy --to TARGET" },
    { "pg-roles",  cmd_pgroles,   "pg-roles" },
};

static bool is_writing(const char *name)
{
    for (int i = 0; writing_commands[i]; i++)
        if (strcmp(writing_commands[i], name) == 0)
            return true;
    return false;
}


static void usage(FILE *fp)
{
    fprintf(fp,
        "Usage: imtreview [--db DB] [--readonly] [--theme NAME] [--ascii]\n"
        "       imtreview [--db DB] [--readonly] COMMAND [OPTIONS]\n"
        "\n"
        "Case review workstation for inflammatory myofibroblastic tumour (IMT).\n"
        "With no COMMAND it opens the terminal interface.\n"
        "\n"
        "Global options:\n"
        "  --db DB         case database: an SQLite file, or PostgreSQL as\n"
        "                  postgresql://... or a connection string such as\n"
        "                  service=NAME (default: $IMTREVIEW_DB, else\n"
        "                  $XDG_DATA_HOME/imtreview/cases.db, else\n"
        "                  ~/.local/share/imtreview/cases.db)\n"
        "  --readonly      open the database read-only; edits are refused\n"
        "                  (--db and --readonly may also follow COMMAND)\n"
        "  --theme NAME    interface theme (default, light, high-contrast, monochrome)\n"
        "  --ascii         draw the interface with ASCII characters only\n"
        "  --help          this help; COMMAND --help for a command's options\n"
        "  --version       print the version\n"
        "\n"
        "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(fp, "  %s\n", commands[i].synopsis);
    fprintf(fp,
        "\n"
        "FILTERS (combine with AND; commas inside one filter mean OR):\n"
        CLI_FILTER_HELP
        "\n"
        "Exit status: 0 success, 1 the work failed, 2 usage error.\n"
        "See imtreview(1); file formats imtreview-csv(5), imtreview-files(5);\n"
        "rules, statistics and their sources imtreview-methods(7).\n");
}

int cli_filter_option(imt_app *app, imt_filter *f, const char *opt,
                      const char *value)
{
    if (strcmp(opt, "search") == 0) {
        if (f->search[0]) {
            app_error(app, NULL, "--search given twice: give one text");
            return -1;
        }
        /* A cut search would quietly find other cases: refuse it. */
        if (strlen(value) > IMT_SEARCH_MAX - 1) {
            app_error(app, NULL, "--search: the text is longer than %d bytes",
                      IMT_SEARCH_MAX - 1);
            return -1;
        }
        filter_set_search(f, value);
        return 1;
    }
    for (int k = 0; k < FILTER_NKINDS; k++) {
        if (strcmp(opt, filter_kind_name((imt_filter_kind)k)) != 0)
            continue;
        /* "--site lung --site cns" could mean either list or neither
         * case: say how to write it rather than keep only one */
        if (*filter_mask(f, (imt_filter_kind)k)) {
            app_error(app, NULL, "--%s given twice: give the values as one "
                      "comma-separated list (--%s a,b); values of one filter "
                      "combine with OR, different filters with AND", opt, opt);
            return -1;
        }
        char err[512];
        if (filter_parse(f, (imt_filter_kind)k, value, err, sizeof err) != 0) {
            app_error(app, NULL, "%s", err);
            return -1;
        }
        return 1;
    }
    return 0;
}






int cli_check_text(imt_app *app, const char *cmd, const char *opt, const char *text,
                   size_t max)
{
    size_t n = strlen(text);
    if (!utf8_valid(text, n)) {
        app_error(app, cmd, "%s: the text is not valid UTF-8", opt);
        return EXIT_USAGE;
    }
    if (utf8_count(text, n) > max) {
        app_error(app, cmd, "%s: the text is longer than %zu characters", opt, max);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int cli_case_error(imt_app *app, const char *cmd, int rc, const char *id)
{
    if (rc == STORE_NOTFOUND)
        app_error(app, cmd, "no case '%s'", APP_Q(id));
    else
        app_error(app, cmd, "%s", store_errmsg(app->store));
    return EXIT_FAIL;
}

int cli_emit_json(imt_app *app, const char *cmd, json_t *o)
{
    if (!o) {
        app_error(app, cmd, "out of memory");
        return -1;
    }
    int rc = json_dumpf(o, app->out, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    if (rc != 0 || fputc('\n', app->out) == EOF || fflush(app->out) != 0 || ferror(app->out))
        return -1;
    return 0;
}

json_t *cli_jstr(const char *s)
{
    if (!s)
        return json_null();
    size_t n = strlen(s);
    if (utf8_valid(s, n))
        return json_stringn(s, n);
    char *fixed = malloc(n * 3 + 1);
    if (!fixed)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (k <= 0 || cp == 0) {
            memcpy(fixed + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        } else {
            memcpy(fixed + o, s + i, (size_t)k);
            o += (size_t)k;
            i += (size_t)k;
        }
    }
    json_t *j = json_stringn(fixed, o);
    free(fixed);
    return j;
}

/* cli.md: a failure is exit 1 with a line on stderr.  Every command checks
 * its own output; this catches what is left (--help, --version, a
 * command's --help) when standard output cannot be written. */
static int output_written(imt_app *app, int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        /* A command that saved says so itself: its exit status is 0 */
        if (rc == EXIT_OK && !app->saved) {
            app_error(app, NULL, "cannot write the output: %s", strerror(errno));
            rc = EXIT_FAIL;
        }
    }
    return rc;
}

int cli_main(int argc, char **argv)
{
    /* Character classification follows the user's locale (UTF-8 text in the
     * interface); numbers never do: LC_NUMERIC stays "C" so that 12.5 is
     * read and printed the same under any LC_ALL. */
    setlocale(LC_CTYPE, "");

    char *db_alloc = NULL;
    imt_app app = { .progname = "imtreview", .out = stdout, .err = stderr };
    static const struct option opts[] = {
        { "db", 1, NULL, 'd' }, { "readonly", 0, NULL, 'r' },
        { "theme", 1, NULL, 't' }, { "ascii", 0, NULL, 'a' },
        { "help", 0, NULL, 'h' }, { "version", 0, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': app.db_path = optarg; break;
        case 'r': app.readonly = true; break;
        case 't': app.theme = optarg; break;
        case 'a': app.ascii = true; break;
        case 'h': usage(stdout); return output_written(&app, EXIT_OK);
        case 'V': printf("imtreview %s\n", IMT_VERSION); return output_written(&app, EXIT_OK);
        default:
        {
            char q[TEXTW_BUFSIZE(APP_QUOTE_MAX)];
            if (optopt == 'd' || optopt == 't')
                app_error(&app, NULL, "option '%s' needs a value (see imtreview --help)",
                          app_quote(argv[optind - 1], q, sizeof q));
            else
                app_error(&app, NULL, "unknown option '%s' (see imtreview --help)",
                          app_quote(argv[optind - 1], q, sizeof q));
        }
            return EXIT_USAGE;
        }
    }
    if (!app.db_path) {
        db_alloc = app_default_db_path();
        if (!db_alloc) {
            app_error(&app, NULL, "out of memory");
            return EXIT_FAIL;
        }
        app.db_path = db_alloc;
        app.db_default = !getenv("IMTREVIEW_DB") || !*getenv("IMTREVIEW_DB");
    }
    app.user = app_login_name();

    int rc;
    if (optind >= argc) {
        rc = cmd_tui(&app, 0, argv + argc);
    } else {
        const imt_command *cmd = NULL;
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (strcmp(argv[optind], commands[i].name) == 0)
                cmd = &commands[i];
        if (!cmd) {
            char q[TEXTW_BUFSIZE(APP_QUOTE_MAX)];
            app_error(&app, NULL, "unknown command '%s' (see imtreview --help)",
                      app_quote(argv[optind], q, sizeof q));
            rc = EXIT_USAGE;
        } else {
            int sub_argc = argc - optind;
            char **sub_argv = argv + optind;
            /* getopt names the program by argv[0] in its messages:
             * "imtreview list: option '--site' requires an argument" */
            char name[64];
            snprintf(name, sizeof name, "%s %s", app.progname, cmd->name);
            char *cmd_name = sub_argv[0];
            sub_argv[0] = name;
            if (is_writing(cmd->name)) {
                app.catch_stop = true;
                app_catch_stop_signals();
            }
            /* To a terminal, every command's output goes through the
             * sanitising stream (io/ttyout.h); to a file or pipe it stays
             * byte-faithful. */
            bool ascii = app.ascii || strcmp(nl_langinfo(CODESET), "UTF-8") != 0;
            FILE *tty_out = isatty(STDOUT_FILENO) ? ttyout_open(stdout, ascii) : NULL;
            FILE *tty_err = isatty(STDERR_FILENO) ? ttyout_open(stderr, ascii) : NULL;
            if (tty_out)
                app.out = tty_out;
            if (tty_err)
                app.err = tty_err;
            rc = cmd->run(&app, sub_argc, sub_argv);
            if (tty_out && fclose(tty_out) != 0 && rc == EXIT_OK && !app.saved) {
                app.out = stdout;
                app.err = tty_err ? tty_err : stderr;
                app_error(&app, NULL, "cannot write the output: %s", strerror(errno));
                rc = EXIT_FAIL;
            }
            app.out = stdout;
            if (tty_err)
                fclose(tty_err);
            app.err = stderr;
            sub_argv[0] = cmd_name;
        }
    }
    app_close(&app);
    free(db_alloc);
    return output_written(&app, rc);
}
