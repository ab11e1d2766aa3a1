/* app/app.c - the application context below the command line and the
 * interface (app/app.h): opening the store, the database location, the
 * login name, the rules configuration and the signals a writing command
 * catches.  Nothing here prints to the terminal except app_error(). */
#define _GNU_SOURCE
#include "app/app.h"
#include "io/settings.h"
#include "core/textw.h"
#include "io/xdg.h"

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
    char buf[4096];
    return xdg_path(XDG_DATA, "cases.db", buf, sizeof buf) == 0 ? strdup(buf) : NULL;
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
    char full[160];
    store_set_full_name(app->store, app_full_name(app->user, full, sizeof full));
    app->db_created = store_created(app->store);
    if (app_load_schedule(app) != EXIT_OK) {
        app_close(app);
        return EXIT_FAIL;
    }
    char note[400] = "";
    if (store_set_schedule(app->store, &app->sched, note, sizeof note) != STORE_OK)
        app_error(app, NULL, "warning: the follow-up dates were not recomputed: %s",
                  store_errmsg(app->store));
    else if (note[0] && strstr(note, "recomputed"))
        app_error(app, NULL, "%s (%s)", note, app->sched_from);
    else
        snprintf(app->sched_note, sizeof app->sched_note, "%s", note);
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

const char *app_full_name(const char *login, char *buf, size_t n)
{
    if (!login || !n)
        return NULL;
    struct passwd *pw = getpwnam(login);
    if (!pw || !pw->pw_gecos)
        return NULL;
    /* GECOS: "Full Name,room,work phone,home phone,other" */
    size_t len = strcspn(pw->pw_gecos, ",");
    while (len && pw->pw_gecos[len - 1] == ' ')
        len--;
    if (len == 0)
        return NULL;
    if (len >= n)
        len = n - 1;
    memcpy(buf, pw->pw_gecos, len);
    buf[len] = '\0';
    return buf;
}

#ifndef IMT_DATADIR
#define IMT_DATADIR "/usr/local/share/imtreview"
#endif
#define SCHEDULE_FILE_MAX (64 * 1024)

/* The whole of a small text file, or NULL (errno set). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(SCHEDULE_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, SCHEDULE_FILE_MAX + 1, f) : 0;
    int bad = !buf || ferror(f) || n > SCHEDULE_FILE_MAX;
    fclose(f);
    if (bad) {
        free(buf);
        errno = buf ? EFBIG : ENOMEM;
        return NULL;
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
        free(buf);
        errno = EINVAL;
        return NULL;
    }
    return buf;
}

int app_load_schedule(imt_app *app)
{
    if (app->sched_loaded)
        return EXIT_OK;
    app->sched_loaded = true;
    fu_default(&app->sched);
    snprintf(app->sched_from, sizeof app->sched_from, "built-in schedule");
    const char *env = getenv("IMTREVIEW_SCHEDULE");
    char path[4096];
    const char *use = NULL;
    if (env && *env) {
        use = env;
    } else {
        snprintf(path, sizeof path, "%s/followup.schedule", IMT_DATADIR);
        if (access(path, R_OK) == 0)
            use = path;
        else if (access("themes/followup.schedule", R_OK) == 0)
            use = "themes/followup.schedule";
    }
    if (!use)
        return EXIT_OK;
    char *text = slurp(use);
    if (!text) {
        app_error(app, NULL, "cannot read the follow-up schedule %s: %s", APP_Q(use),
                  strerror(errno));
        return env && *env ? EXIT_FAIL : EXIT_OK;
    }
    char err[400];
    if (fu_parse(&app->sched, text, use, err, sizeof err) != 0) {
        char safe[TEXTW_BUFSIZE(400)];
        textw_fit(err, 300, false, false, safe, sizeof safe);
        app_error(app, NULL, "follow-up schedule: %s; using the built-in schedule", safe);
    } else {
        snprintf(app->sched_from, sizeof app->sched_from, "%.1000s", use);
    }
    free(text);
    return EXIT_OK;
}

int app_rules_config(imt_app *app, const char *cmd, rules_config *cfg,
                      const char *opt)
{
    char err[160];
    rules_config_default(cfg);
    app_load_schedule(app);
    cfg->response_days = app->sched.response_days;
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
