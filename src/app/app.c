/* app/app.c - the application context below the command line and the
 * interface (app/app.h): opening the store, the database location, the
 * login name, the rules configuration and the signals a writing command
 * catches.  Nothing here prints to the terminal except app_error(). */
#define _GNU_SOURCE
#include "app/app.h"
#include "io/settings.h"
#include "core/textw.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A command that writes must never report failure after it committed,
 * nor success when it did not: a SIGINT, SIGTERM, SIGHUP or SIGQUIT that
 * would kill it at a random moment (perhaps just after its COMMIT) only
 * sets a flag instead.  The store reads the flag (store_set_interrupt)
 * while it waits for a lock, while a statement runs and just before the
 * commit, and rolls the write back: the command then exits 1 saying that
 * nothing was changed.  A signal arriving once the commit has begun lets
 * it finish, and the command exits 0.  A closed standard output (SIGPIPE)
 * must not kill it after the commit either: write errors are reported
 * instead.  SIGKILL cannot be caught; SQLite's journal still leaves the
 * transaction whole or absent. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

void app_catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

static int stop_requested(void *ctx)
{
    (void)ctx;
    return stop_signal != 0;
}

void app_watch_stop(imt_app *app, imt_store *st)
{
    if (app->catch_stop)
        store_set_interrupt(st, stop_requested, app);
}

void app_error(imt_app *app, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(app->err, "%s%s%s: ", app->progname, cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(app->err, fmt, ap);
    va_end(ap);
    fputc('\n', app->err);
}

const char *app_quote(const char *s, char *buf, size_t n)
{
    textw_fit(s ? s : "", APP_QUOTE_MAX, false, false, buf, n);
    return buf;
}

char *app_default_db_path(void)
{
    const char *env = getenv("IMTREVIEW_DB");
    if (env && *env)
        return strdup(env);
    const char *xdg = getenv("XDG_DATA_HOME");
    char *path = NULL;
    if (xdg && *xdg) {
        if (asprintf(&path, "%s/imtreview/cases.db", xdg) < 0)
            path = NULL;
    } else {
        const char *home = getenv("HOME");
        if (!home || !*home) {
            struct passwd *pw = getpwuid(getuid());
            home = pw ? pw->pw_dir : ".";
        }
        if (asprintf(&path, "%s/.local/share/imtreview/cases.db", home) < 0)
            path = NULL;
    }
    return path;
}

int app_open_store(imt_app *app)
{
    if (app->store)
        return EXIT_OK;
    unsigned flags = app->readonly ? STORE_OPEN_READONLY : 0;
    /* Only the default location gets its directories made: a mistyped
     * --db or $IMTREVIEW_DB must not leave a directory tree behind. */
    if (!app->may_create)
        flags |= STORE_OPEN_MUST_EXIST;
    else if (app->db_default)
        flags |= STORE_OPEN_MAKE_DIRS;
    char err[600];
    app->store = store_open(app->db_path, flags, app->user, err, sizeof err);
    if (!app->store) {
        char shown[1024], e2[300];
        store_locator_shown(app->db_path, shown, sizeof shown);
        if (!app->may_create && store_probe(app->db_path, e2, sizeof e2) == STORE_NOTFOUND) {
            char safe[TEXTW_BUFSIZE(APP_QUOTE_MAX)];
            app_quote(shown, safe, sizeof safe);
            app_error(app, NULL, "there is no database at %s; create one with "
                      "'imtreview --db %s import FILE.csv' (a header-only FILE.csv "
                      "makes an empty one)", safe, safe);
            return EXIT_FAIL;
        }
        app_error(app, NULL, "%s", err);
        return EXIT_FAIL;
    }
    const char *busy = getenv("IMTREVIEW_BUSY_TIMEOUT");
    if (busy && *busy) {
        char *end;
        long ms = strtol(busy, &end, 10);
        if (*end == '\0' && ms >= 0 && ms <= 3600000)
            store_set_busy_timeout(app->store, (int)ms);
    }
    if (app->catch_stop)
        store_set_interrupt(app->store, stop_requested, app);
    app->db_created = store_created(app->store);
    const char *damage = store_damage(app->store);
    if (damage) {
        char safe[TEXTW_BUFSIZE(256)], shown[1024];
        textw_fit(damage, 200, false, false, safe, sizeof safe);
        app_error(app, NULL, "warning: the database file %s is damaged (%s); it is "
                  "open read-only and nothing is written: run 'imtreview check' and "
                  "restore it from a backup",
                  APP_Q(store_locator_shown(app->db_path, shown, sizeof shown)), safe);
    }
    return EXIT_OK;
}

bool app_global_option(imt_app *app, int ch, const char *arg)
{
    switch (ch) {
    case APP_OPT_DB:
        app->db_path = arg;
        app->db_default = false;
        return true;
    case APP_OPT_READONLY:
        app->readonly = true;
        return true;
    default:
        return false;
    }
}

void app_close(imt_app *app)
{
    if (app->store)
        store_close(app->store);
    app->store = NULL;
}

const char *app_login_name(void)
{
    struct passwd *pw = getpwuid(geteuid());
    if (pw && pw->pw_name)
        return pw->pw_name;
    const char *u = getenv("USER");
    return u && *u ? u : "unknown";
}

int app_rules_config(imt_app *app, const char *cmd, rules_config *cfg,
                      const char *opt)
{
    char err[160];
    rules_config_default(cfg);
    settings st;
    if (settings_load(&st, NULL) == 0) {
        const char *v = settings_get(&st, "mitoses_cutoff");
        if (v && rules_config_set_mitoses(cfg, v, err, sizeof err) != 0)
            app_error(app, cmd, "settings: %s (using %g)", err, cfg->mitoses_cutoff);
    }
    if (opt && rules_config_set_mitoses(cfg, opt, err, sizeof err) != 0) {
        char safe[TEXTW_BUFSIZE(sizeof err)];
        textw_sanitize(err, safe, sizeof safe, true);
        app_error(app, cmd, "--mitoses-cutoff: %s", safe);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}
