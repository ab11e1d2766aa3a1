/* app/app.h - the application context, below both front ends (cli/ and
 * tui/): the open store, the settings and the rule set a command or the
 * interface works with.  No globals but the stop flag of a writing
 * command: a test builds its own imt_app around a temporary database. */
#ifndef IMT_APP_H
#define IMT_APP_H

#include <stdbool.h>
#include <stdio.h>
#include "core/rules.h"
#include "core/textw.h"
#include "core/followup.h"
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
    bool        may_create; /* the command writes cases (import) and may
                               create a database that does not exist;
                               every other command refuses a missing one */
    bool        db_created; /* app_open_store made a new database file     */
    bool        catch_stop; /* a writing command: signals ask the store to
                               roll back, never kill it mid-commit       */
    bool        saved;      /* the command committed a change: its exit
                               status is 0 even if stdout then fails     */
    fu_schedule sched;      /* the follow-up schedule (app_load_schedule)  */
    bool        sched_loaded;
    char        sched_from[1024]; /* where it came from ("built-in" ...)  */
    char        sched_note[400];  /* the store's word on next_due, or ""   */
} imt_app;

/* Exit statuses (cli.md). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Open app->store.  A database that does not exist is created (with the
 * default location's directories) only when app->may_create is set;
 * otherwise the message says there is no database at the path and how to
 * make one, so a mistyped --db never passes for an empty cohort.  Prints
 * a message to app->err and returns EXIT_FAIL on error.  Then the
 * follow-up schedule (app_load_schedule) is handed to the store, which
 * computes next_due again when the database's values were computed with
 * another (said on app->err); a read-only store leaves a note in
 * app->sched_note. */
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

/* User input quoted in a message (a case id, a path, a value): made
 * terminal-safe and cut to APP_QUOTE_MAX columns with an ellipsis, so a
 * 100,000-character argument is never echoed whole.  buf needs
 * TEXTW_BUFSIZE(APP_QUOTE_MAX) bytes; returns buf. */
#define APP_QUOTE_MAX 80
const char *app_quote(const char *s, char *buf, size_t n);
/* The same in a buffer that lives until the end of the enclosing block,
 * for an argument of app_error(). */
#define APP_Q(s) app_quote((s), (char[TEXTW_BUFSIZE(APP_QUOTE_MAX)]){0}, \
                           TEXTW_BUFSIZE(APP_QUOTE_MAX))

/* Print "imtreview CMD: message" to app->err (printf-style). */
void app_error(imt_app *app, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The database location when no --db is given: $IMTREVIEW_DB, else
 * $XDG_DATA_HOME/imtreview/cases.db, else ~/.local/share/imtreview/cases.db.
 * Returns a malloc'd string, NULL when out of memory. */
char *app_default_db_path(void);
/* The login name recorded in the audit trail. */
const char *app_login_name(void);
/* The full name of login from the password database (the first field of
 * its GECOS entry) into buf, or NULL when there is none.  Recorded with a
 * signature (store_set_full_name). */
const char *app_full_name(const char *login, char *buf, size_t n);

/* A writing command: SIGINT, SIGTERM, SIGHUP and SIGQUIT only set a flag
 * that the store reads (store_set_interrupt) to roll the write back;
 * SIGPIPE is ignored.  Call before app_open_store. */
void app_catch_stop_signals(void);
/* Let a store opened by the command itself (copy's target) see that flag
 * too, when the command catches stop signals. */
void app_watch_stop(imt_app *app, imt_store *st);

/* The follow-up schedule (core/followup.h): the file named by
 * $IMTREVIEW_SCHEDULE, else DATADIR/followup.schedule (installed by make
 * install), else themes/followup.schedule in the current directory (the
 * source tree), else the built-in default (the same values).  A file that
 * does not parse is reported on app->err ("FILE:LINE: ...") and the
 * default is used.  Fills app->sched and app->sched_from; returns
 * EXIT_OK, or EXIT_FAIL when $IMTREVIEW_SCHEDULE names a file that
 * cannot be read. */
int app_load_schedule(imt_app *app);

/* The rules configuration for a command or the interface: defaults, then
 * the settings file's mitoses_cutoff (a bad value is warned about and
 * ignored), then the --mitoses-cutoff option text opt (NULL = none; a bad
 * value is a usage error).  Messages name cmd.  Returns EXIT_OK or
 * EXIT_USAGE. */
int app_rules_config(imt_app *app, const char *cmd, rules_config *cfg,
                     const char *opt);

#endif
