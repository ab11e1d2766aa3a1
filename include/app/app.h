/* app/app.h - the program context passed to every command.  No globals: a
 * test builds its own imt_app around a temporary database. */
#ifndef IMT_APP_H
#define IMT_APP_H

#include <stdbool.h>
#include <stdio.h>
#include "store/store.h"

typedef struct imt_app {
    const char *db_path;    /* resolved --db / $IMTREVIEW_DB / XDG default */
    bool db_default;        /* db_path is the XDG default (its directories
                               may be created; a given path's are not)   */
    bool        readonly;   /* --readonly                                  */
    const char *theme;      /* --theme NAME, or NULL                       */
    bool        ascii;      /* --ascii                                     */
    const char *user;       /* login name for the audit trail              */
    const char *progname;   /* "imtreview"                                 */
    FILE       *out;        /* normally stdout                             */
    FILE       *err;        /* normally stderr                             */
    imt_store  *store;      /* opened by app_open_store()                  */
    bool        fills_new;  /* the command fills a database it creates
                               (import): no "created ... empty" note      */
    bool        db_created; /* app_open_store made a new database file     */
    bool        catch_stop; /* a writing command: signals ask the store to
                               roll back, never kill it mid-commit       */
    bool        saved;      /* the command committed a change: its exit
                               status is 0 even if stdout then fails     */
} imt_app;

/* Exit statuses (cli.md). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Open app->store (creating the database file and its directory when
 * needed).  Prints a message to app->err and returns EXIT_FAIL on error. */
int app_open_store(imt_app *app);
void app_close(imt_app *app);

/* The global options --db PATH and --readonly are also taken after the
 * subcommand's name (`imtreview list --site lung --db x.db`), as a user
 * typing a one-liner over SSH expects: a subcommand puts
 * APP_GLOBAL_OPTIONS in its getopt_long table and hands every option it
 * does not know to app_global_option(), which returns true when it took
 * it.  A later --db overrides an earlier one. */
enum { APP_OPT_DB = 0x100, APP_OPT_READONLY };
#define APP_GLOBAL_OPTIONS \
    { "db", 1, NULL, APP_OPT_DB }, { "readonly", 0, NULL, APP_OPT_READONLY }
bool app_global_option(imt_app *app, int ch, const char *arg);

/* A subcommand: argv[0] is the subcommand name; getopt-style parsing is
 * the command's own.  Returns an exit status. */
typedef struct {
    const char *name;
    int (*run)(imt_app *app, int argc, char **argv);
    const char *synopsis;   /* one line for `imtreview --help` */
} imt_command;

/* Commands, each in its own src/cmd_*.c. */
int cmd_import(imt_app *app, int argc, char **argv);
int cmd_export(imt_app *app, int argc, char **argv);
int cmd_list(imt_app *app, int argc, char **argv);
int cmd_show(imt_app *app, int argc, char **argv);
int cmd_recommend(imt_app *app, int argc, char **argv);
int cmd_rules(imt_app *app, int argc, char **argv);
int cmd_stats(imt_app *app, int argc, char **argv);
int cmd_review(imt_app *app, int argc, char **argv);
int cmd_audit(imt_app *app, int argc, char **argv);
int cmd_check(imt_app *app, int argc, char **argv);
int cmd_tui(imt_app *app, int argc, char **argv);    /* no subcommand */

/* Shared option handling for FILTERS (cli.md).  If opt is one of the
 * filter option names ("site", "alk", "outcome", "status", "search"),
 * applies value to f and returns 1; returns 0 when opt is not a filter
 * option; on a bad value prints a usage error and returns -1. */
int cli_filter_option(imt_app *app, imt_filter *f, const char *opt,
                      const char *value);
/* The getopt_long entries for FILTERS, to splice into a command's table;
 * long option names only, val = 0. */
#define CLI_FILTER_LONGOPTS \
    { "site", 1, NULL, 0 }, { "alk", 1, NULL, 0 }, { "outcome", 1, NULL, 0 }, \
    { "status", 1, NULL, 0 }, { "search", 1, NULL, 0 }
#define CLI_FILTER_HELP \
    "  --site LIST        site group(s): lung, head_neck, abdomen_pelvis,\n" \
    "                     retroperitoneum, genitourinary, trunk_limbs,\n" \
    "                     thorax_other, cns, other\n" \
    "  --alk LIST         ALK status: positive, negative, unknown\n" \
    "  --outcome LIST     NED, AWD, DOD, DOC, LOST\n" \
    "  --status LIST      review state: unreviewed, in_review, signed_out\n" \
    "  --search TEXT      case-insensitive substring of case id, site detail, notes\n"

/* Print "imtreview CMD: message" to app->err (printf-style). */
void app_error(imt_app *app, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
