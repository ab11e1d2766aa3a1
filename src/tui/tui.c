/* tui/tui.c - the interface's context, terminal set-up and main loop.
 *
 * Drawing discipline (ui.md "Terminal behaviour"): one curses window per
 * pane; a keystroke marks only the panes it changed dirty, those are
 * redrawn into their windows and sent with wnoutrefresh + doupdate, so
 * curses transmits only the changed cells.  The screen is never cleared
 * on a keystroke.  getch blocks (no timeout): idle means no CPU. */
#include "tui/tui.h"
#include "tui/actions.h"
#include "tui/dialogs.h"
#include "tui/panes.h"

#include <errno.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <term.h>
#include <time.h>
#include <unistd.h>

#include "tui/keys.h"
#include "tui/place.h"
#include "io/settings.h"
#include "tui/theme.h"
#include "tui/statsview.h"
#include "tui/text.h"

static void draw(tui *t)
{
    tui_draw_pending(t);
    doupdate();
}


/* T cycles through the themes issue 3 requires to exist. */
static const char *const theme_cycle[] = { "default", "light", "high-contrast",
                                           "monochrome" };
#define NTHEMES ((int)(sizeof theme_cycle / sizeof theme_cycle[0]))

/* ---- actions --------------------------------------------------------------- */

/* Feedback for a slow query (a count or a sort over a million cases):
 * after BUSY_MS the status line says what is going on, so the screen
 * never sits still for seconds.  Fast queries send nothing extra. */
#define BUSY_MS 150
#define TUI_DB_CACHE_KIB 2048
typedef struct {
    tui *t;
    struct timespec t0;
    const char *what;
    bool shown;
} busy_ctx;

static int busy_tick(void *ctx)
{
    busy_ctx *b = ctx;
    if (b->shown)
        return 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (long)(now.tv_sec - b->t0.tv_sec) * 1000 +
              (now.tv_nsec - b->t0.tv_nsec) / 1000000;
    if (ms < BUSY_MS)
        return 0;
    b->shown = true;
    snprintf(b->t->msg, sizeof b->t->msg, "%s%s", b->what,
             b->t->utf8 && !b->t->ascii ? "\xE2\x80\xA6" : "...");
    b->t->msg_error = false;
    if (!b->t->small) {
        tui_draw_status(b->t);       /* no store access in here */
        doupdate();
    }
    return 0;
}

static void busy_begin(tui *t, busy_ctx *b, const char *what)
{
    b->t = t;
    b->what = what;
    b->shown = false;
    clock_gettime(CLOCK_MONOTONIC, &b->t0);
    store_set_progress(t->app->store, busy_tick, b);
}

static void busy_end(tui *t, busy_ctx *b)
{
    store_set_progress(t->app->store, NULL, NULL);
    if (b->shown) {
        t->msg[0] = '\0';
        t->dirty_status = true;
    }
}

/* The id of the case under the cursor ("" for none), kept across a
 * change of the list's filter or sort. */
static void cursor_id(const tui *t, char *id, size_t n)
{
    const imt_case *c = lw_current(t->lw);
    snprintf(id, n, "%s", c && c->case_id ? c->case_id : "");
}

/* After the list was filtered or sorted again (rc: lw_set_*'s): the
 * store's error said, and the panes follow when the cursor is on another
 * case than id. */
static void list_redone(tui *t, const char *id, int rc)
{
    if (rc < 0)
        tui_message(t, true, "database error: %s", store_errmsg(t->app->store));
    const imt_case *after = lw_current(t->lw);
    if (!after || !after->case_id || strcmp(after->case_id, id) != 0)
        tui_case_changed(t);
    t->dirty[PANE_LIST] = true;
    t->dirty_status = true;
}

static int tui_apply_filter(tui *t, const imt_filter *f)
{
    char id[64];
    cursor_id(t, id, sizeof id);
    busy_ctx b;
    busy_begin(t, &b, "counting the matching cases");
    int rc = lw_set_filter(t->lw, f);
    busy_end(t, &b);
    list_redone(t, id, rc);
    return rc;
}

static void cycle(tui *t, imt_filter_kind k)
{
    imt_filter f = t->lw->filter;
    filter_cycle(&f, k);
    tui_apply_filter(t, &f);
}

static void menu_filter(tui *t, imt_filter_kind k, const char *title)
{
    imt_filter f = t->lw->filter;
    unsigned m = *filter_mask(&f, k);
    if (tui_menu_multi(t, title, filter_kind_values(k), &m) == 1) {
        *filter_mask(&f, k) = m;
        tui_apply_filter(t, &f);
    }
}

static void search(tui *t)
{
    char buf[IMT_SEARCH_MAX];
    if (tui_prompt(t, "Search case id, site detail, notes (Enter applies, Esc cancels)",
                   t->lw->filter.search, buf, sizeof buf, NULL, NULL) == 1) {
        imt_filter f = t->lw->filter;
        filter_set_search(&f, buf);
        tui_apply_filter(t, &f);
    }
}

static void sort_by(tui *t, int delta, bool reverse)
{
    imt_sort s = t->lw->sort;
    if (reverse)
        s.desc = !s.desc;
    else
        s.key = (imt_sort_key)(((int)s.key + delta + SORT_NKEYS) % SORT_NKEYS);
    char id[64];
    cursor_id(t, id, sizeof id);
    busy_ctx b;
    busy_begin(t, &b, "sorting");
    int rc = lw_set_sort(t->lw, s);
    busy_end(t, &b);
    list_redone(t, id, rc);
}

static void move_cursor(tui *t, int act)
{
    int page = t->lw->cap;
    const imt_case *c = lw_current(t->lw);
    char id[64] = "";
    if (c && c->case_id)
        snprintf(id, sizeof id, "%s", c->case_id);
    if (t->focus != PANE_LIST) {
        /* Text panes scroll; the recommendation pane moves its selection. */
        int p = t->focus;
        int ph = t->lay.pane[p].h - 2;
        int n = tui_pane_lines(t, p);
        if (p == PANE_RECS && (act == ACT_DOWN || act == ACT_UP)) {
            tui_rec_move(t, act == ACT_DOWN ? 1 : -1);
            return;
        }
        int d = 0;
        switch (act) {
        case ACT_DOWN: d = 1; break;
        case ACT_UP: d = -1; break;
        case ACT_PGDN: d = ph; break;
        case ACT_PGUP: d = -ph; break;
        case ACT_HALFDN: d = ph / 2; break;
        case ACT_HALFUP: d = -ph / 2; break;
        case ACT_TOP: d = -t->scroll[p]; break;
        case ACT_BOTTOM: d = n; break;
        default: break;
        }
        int s = t->scroll[p] + d;
        if (s > n - ph) s = n - ph;
        if (s < 0) s = 0;
        if (s != t->scroll[p]) {
            t->scroll[p] = s;
            t->dirty[p] = true;
        }
        return;
    }
    int rc = 0;
    switch (act) {
    case ACT_DOWN: rc = lw_move(t->lw, 1); break;
    case ACT_UP: rc = lw_move(t->lw, -1); break;
    case ACT_PGDN: rc = lw_move(t->lw, page); break;
    case ACT_PGUP: rc = lw_move(t->lw, -page); break;
    case ACT_HALFDN: rc = lw_move(t->lw, page / 2 > 0 ? page / 2 : 1); break;
    case ACT_HALFUP: rc = lw_move(t->lw, -(page / 2 > 0 ? page / 2 : 1)); break;
    case ACT_TOP: rc = lw_top(t->lw); break;
    case ACT_BOTTOM: rc = lw_bottom(t->lw); break;
    default: break;
    }
    if (rc < 0)
        tui_message(t, true, "database error: %s", store_errmsg(t->app->store));
    c = lw_current(t->lw);
    if (c && c->case_id && strcmp(c->case_id, id) != 0)
        tui_case_changed(t);
}

static void set_focus(tui *t, int p)
{
    if (p == t->focus)
        return;
    t->dirty[t->focus] = true;
    t->focus = p;
    if (t->lay.cls == LAYOUT_NARROW && p != PANE_LIST && t->right != p) {
        t->right = p;
    }
    t->dirty[p] = true;
}

static void next_pane(tui *t, int dir)
{
    set_focus(t, (t->focus + dir + PANE_N) % PANE_N);
}

static int stats_getkey(void *ctx)
{
    return tui_getkey(ctx, stdscr);
}

static void stats_view(tui *t)
{
    struct statsview_env env;
    memset(&env, 0, sizeof env);
    env.store = t->app->store;
    env.filter = &t->lw->filter;
    env.utf8 = t->utf8 && !t->ascii;
    env.attr = tui_sv_attr;
    env.attr_ctx = t;
    env.export_dir = NULL;
    env.stop = &tui_signalled;
    env.getkey = stats_getkey;
    env.getkey_ctx = t;
    statsview_run(&env);
    /* The view drew over everything: bring the panes back as they were. */
    clearok(curscr, TRUE);
    tui_relayout(t);
}

static void theme_next(tui *t)
{
    int i = 0;
    while (i < NTHEMES && strcmp(theme_cycle[i], t->theme_name) != 0)
        i++;
    const char *name = theme_cycle[i < NTHEMES ? (i + 1) % NTHEMES : 0];
    t->msg[0] = '\0';
    tui_set_theme(t, name);
    if (!t->msg[0]) {
        /* Remember it (io/settings.h writes atomically). */
        settings st;
        char err[256] = "";
        if (settings_load(&st, NULL) == 0 &&
            settings_set(&st, "theme", name) == 0 &&
            settings_save(&st, err, sizeof err) == 0)
            tui_message(t, false, "theme %s (saved)%s", name,
                        t->color ? "" : ", no colours here: attributes only");
        else
            tui_message(t, true, "theme %s, not saved: %s", name,
                        err[0] ? err : st.warning);
    }
    tui_touch_all(t);
}

/* F: all -> due (overdue included) -> overdue -> all.  The worklist is
 * read most overdue first: the list switches to the next_due order while
 * the filter is on, and back to the order it had when it goes off (unless
 * the user chose another meanwhile). */
static void followup_cycle(tui *t)
{
    imt_filter f = t->lw->filter;
    filter_cycle(&f, FILTER_FOLLOWUP);
    f.fu_today[0] = '\0';
    bool on = f.followup_mask != 0;
    if (on && !t->fu_sorted) {
        t->sort_before_fu = t->lw->sort;
        t->fu_sorted = true;
        lw_set_sort(t->lw, (imt_sort){ SORT_NEXT_DUE, false });
    } else if (!on && t->fu_sorted) {
        if (t->lw->sort.key == SORT_NEXT_DUE)
            lw_set_sort(t->lw, t->sort_before_fu);
        t->fu_sorted = false;
    }
    tui_apply_filter(t, &f);
}

/* Returns false when the loop should end. */
static bool dispatch(tui *t, int ch)
{
    if (ch == KEY_RESIZE) {
        tui_relayout(t);
        return true;
    }
    if (t->small) {
        /* Only quitting makes sense until the terminal grows. */
        return keys_lookup(KC_MAIN, ch) != ACT_QUIT;
    }
    if (t->msg[0]) {
        t->msg[0] = '\0';
        t->dirty_status = true;
    }
    key_action a = keys_lookup(KC_MAIN, ch);
    switch (a) {
    case ACT_QUIT:
        if (t->unsaved && !tui_confirm(t, "An edit is not saved. Quit anyway?"))
            return true;
        return false;
    case ACT_DOWN: case ACT_UP: case ACT_TOP: case ACT_BOTTOM:
    case ACT_PGDN: case ACT_PGUP: case ACT_HALFDN: case ACT_HALFUP:
        move_cursor(t, a);
        break;
    case ACT_NEXT_PANE: next_pane(t, 1); break;
    case ACT_PREV_PANE: next_pane(t, -1); break;
    case ACT_FOCUS_DETAIL:
        if (t->focus == PANE_RECS)
            tui_rec_toggle(t);
        else
            set_focus(t, PANE_DETAIL);
        break;
    case ACT_FOCUS_LIST: set_focus(t, PANE_LIST); break;
    case ACT_EXPAND:
        t->rec_all = !t->rec_all;
        t->dirty[PANE_RECS] = true;
        t->doc_width[PANE_RECS] = -1;
        break;
    case ACT_CYCLE_SITE: cycle(t, FILTER_SITE); break;
    case ACT_CYCLE_ALK: cycle(t, FILTER_ALK); break;
    case ACT_CYCLE_OUTCOME: cycle(t, FILTER_OUTCOME); break;
    case ACT_MENU_SITE: menu_filter(t, FILTER_SITE, "Sites"); break;
    case ACT_MENU_ALK: menu_filter(t, FILTER_ALK, "ALK status"); break;
    case ACT_MENU_OUTCOME: menu_filter(t, FILTER_OUTCOME, "Outcomes"); break;
    case ACT_MENU_STATUS: menu_filter(t, FILTER_STATUS, "Review states"); break;
    case ACT_SEARCH: search(t); break;
    case ACT_CLEAR: {
        imt_filter f;
        memset(&f, 0, sizeof f);
        if (t->fu_sorted && t->lw->sort.key == SORT_NEXT_DUE)
            lw_set_sort(t->lw, t->sort_before_fu);
        t->fu_sorted = false;
        tui_apply_filter(t, &f);
        break;
    }
    case ACT_STATS: stats_view(t); break;
    case ACT_HELP: tui_help(t); break;
    case ACT_REDRAW:
        clearok(curscr, TRUE);
        tui_touch_all(t);
        break;
    case ACT_SORT_NEXT: sort_by(t, 1, false); break;
    case ACT_SORT_PREV: sort_by(t, -1, false); break;
    case ACT_SORT_REVERSE: sort_by(t, 0, true); break;
    case ACT_REVIEW: tui_review(t); break;
    case ACT_EDIT: tui_edit(t); break;
    case ACT_EXPORT: tui_export(t); break;
    case ACT_THEME: theme_next(t); break;
    case ACT_CYCLE_DECISION: cycle(t, FILTER_DECISION); break;
    case ACT_DECIDE: tui_decide(t); break;
    case ACT_HISTORY: tui_history(t); break;
    case ACT_UNDO: tui_undo(t); break;
    case ACT_COURSE: tui_course(t); break;
    case ACT_CYCLE_FOLLOWUP: followup_cycle(t); break;
    default:
        break;
    }
    return true;
}

/* ---- set-up ----------------------------------------------------------------- */

/* ui.md: TERM unknown or dumb, or no tty: a clear message and exit 1,
 * decided before curses starts (initscr would exit on its own). */
static int check_terminal(imt_app *app)
{
    const char *term = getenv("TERM");
    if (!term || !*term || strcmp(term, "dumb") == 0) {
        fprintf(app->err, "%s: the interface needs a terminal (TERM=%s); use "
                "the subcommands, see %s --help\n", app->progname,
                term && *term ? term : "(unset)", app->progname);
        return -1;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(app->err, "%s: the interface needs a terminal (standard input "
                "and output are not a tty); use the subcommands, see %s --help\n",
                app->progname, app->progname);
        return -1;
    }
    int err = 0;
    if (setupterm(term, STDOUT_FILENO, &err) != OK) {
        fprintf(app->err, "%s: the interface needs a terminal (TERM=%s is not "
                "known to this system); use the subcommands, see %s --help\n",
                app->progname, term, app->progname);
        return -1;
    }
    /* Cursor addressing is the least a full-screen program needs. */
    bool ok = tigetstr("cup") != NULL && tigetstr("cup") != (char *)-1;
    del_curterm(cur_term);
    if (!ok) {
        fprintf(app->err, "%s: the interface needs a terminal (TERM=%s cannot "
                "move the cursor); use the subcommands, see %s --help\n",
                app->progname, term, app->progname);
        return -1;
    }
    return 0;
}

/* Key sequences some terminals send whatever their terminfo entry says:
 * Home/End as ESC[1~/ESC[4~ (tmux, screen, linux), ESC[H/ESC[F or
 * ESC OH/ESC OF (xterm in either cursor mode), ESC[7~/ESC[8~ (rxvt).
 * TERM=xterm-256color inside tmux is common over SSH; without these,
 * Home and End would do nothing there.  A sequence terminfo already
 * binds is left alone. */
static void define_extra_keys(void)
{
    static const struct { const char *seq; int code; } extra[] = {
        { "\033[1~", KEY_HOME }, { "\033[4~", KEY_END },
        { "\033[H", KEY_HOME }, { "\033[F", KEY_END },
        { "\033OH", KEY_HOME }, { "\033OF", KEY_END },
        { "\033[7~", KEY_HOME }, { "\033[8~", KEY_END },
        { "\033[5~", KEY_PPAGE }, { "\033[6~", KEY_NPAGE },
        { "\033[Z", KEY_BTAB },
        { "\033[A", KEY_UP }, { "\033[B", KEY_DOWN },
        { "\033[C", KEY_RIGHT }, { "\033[D", KEY_LEFT },
        { "\033OA", KEY_UP }, { "\033OB", KEY_DOWN },
        { "\033OC", KEY_RIGHT }, { "\033OD", KEY_LEFT },
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        if (key_defined(extra[i].seq) == 0)
            define_key(extra[i].seq, extra[i].code);
}

/* Count towards the list's row number for about ms milliseconds: 1 when
 * it became known (the list's title changes), 0 when it is still being
 * counted or nothing was to do, -1 on a store error (said on the
 * status line). */
#define RANK_FIRST_MS 4
#define RANK_SLICE_MS 10
static int rank_work(tui *t, long ms)
{
    if (!lw_rank_pending(t->lw))
        return 0;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (;;) {
        int rc = lw_rank_work(t->lw, 4096);
        if (rc < 0) {
            tui_message(t, true, "database error: %s", store_errmsg(t->app->store));
            return -1;
        }
        if (rc == 0)
            return 1;
        clock_gettime(CLOCK_MONOTONIC, &b);
        if ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 >= ms)
            return 0;
    }
}

/* Another session's committed change: the count, the rows on screen and
 * the case under the cursor are read again, and the status line says so
 * for a few seconds, with how many cases changed.  Asked once a second
 * while the program waits for a key (PRAGMA data_version: no table is
 * read), so a change shows within two seconds and an idle session costs
 * next to no CPU.  Returns true when the store was asked (whether or not
 * it changed). */
#define LIVE_POLL_MS 1000
#define LIVE_MSG_MS 6000
static bool live_refresh(tui *t, long long *dver)
{
    long long v;
    if (store_data_version(t->app->store, &v) != STORE_OK) {
        /* a lost connection to a server: say so (the store reconnects) */
        tui_message(t, true, "%s", store_errmsg(t->app->store));
        return true;
    }
    if (v == *dver)
        return true;
    *dver = v;
    long n = 0;
    bool more = false;
    store_changes_since(t->app->store, &t->change_mark, 100000, &n, &more);
    long before = t->lw->total;
    const imt_case *c = lw_current(t->lw);
    char id[64] = "";
    if (c && c->case_id)
        snprintf(id, sizeof id, "%s", c->case_id);
    lw_recount(t->lw);
    lw_reload(t->lw, id[0] ? id : NULL);
    /* the panes show the case as stored now */
    t->data_gen++;
    c = lw_current(t->lw);
    if (!c || !c->case_id || strcmp(c->case_id, id) != 0)
        tui_case_changed(t);
    tui_touch_all(t);
    t->list_gen = t->lw->gen - 1;
    long d = t->lw->total - before;
    char added[64] = "";
    if (d > 0)
        snprintf(added, sizeof added, ", %ld added", d);
    else if (d < 0)
        snprintf(added, sizeof added, ", %ld removed", -d);
    char what[160];
    if (n > 0)
        snprintf(what, sizeof what, "data changed by another session: %s%ld case%s changed%s",
                 more ? "over " : "", n, n == 1 && !more ? "" : "s", added);
    else
        snprintf(what, sizeof what, "data changed by another session%s", added);
    /* What the last key did stays in view ("... saved (audited); data
     * changed by another session"). */
    if (t->msg[0] && !strstr(t->msg, "data changed by another session")) {
        char keep[sizeof t->msg];
        snprintf(keep, sizeof keep, "%s", t->msg);
        tui_message(t, t->msg_error, "%.*s; %s", (int)(sizeof keep - sizeof what - 4), keep, what);
    } else {
        tui_message(t, false, "%s", what);
    }
    t->msg_until = tui_now_ms() + LIVE_MSG_MS;
    return true;
}

int tui_run(imt_app *app)
{
    if (check_terminal(app) < 0)
        return EXIT_FAIL;
    if (app_open_store(app) != EXIT_OK)
        return EXIT_FAIL;
    /* 2 MB of database cache: the session's memory stays that of a
     * small database however large this one is (store.h) */
    store_set_cache(app->store, TUI_DB_CACHE_KIB);

    tui *t = calloc(1, sizeof *t);
    listwin *lw = calloc(1, sizeof *lw);
    rules_result *recs = calloc(1, sizeof *recs);
    if (!t || !lw || !recs) {
        free(t); free(lw); free(recs);
        fprintf(app->err, "%s: out of memory\n", app->progname);
        return EXIT_FAIL;
    }
    t->app = app;
    t->lw = lw;
    t->recs = recs;
    app_rules_config(app, "tui", &t->rcfg, NULL);  /* as `recommend` */
    {
        /* the status line names the database and its engine */
        char name[sizeof t->dbname];
        if (store_display_name(app->store, name, sizeof name) != STORE_OK)
            snprintf(name, sizeof name, "?");
        snprintf(t->dbname, sizeof t->dbname, "%.*s (%s)", (int)(sizeof t->dbname - 24), name,
                 store_engine(app->store));
    }
    const char *cs = nl_langinfo(CODESET);
    /* --ascii: nothing but ASCII reaches the terminal, database and rule
     * text included (textw's ascii placeholders), not only the boxes. */
    t->utf8 = !app->ascii && cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
    t->ascii = !t->utf8;
    t->rec_gen = (unsigned)-1;

    int rc = lw_init(lw, app->store, 20);
    if (rc < 0) {
        fprintf(app->err, "%s: cannot read the cases: %s\n", app->progname,
                store_errmsg(app->store));
        lw_free(lw);
        free(t); free(lw); free(recs);
        return EXIT_FAIL;
    }

    /* Back where the reviewer left this database: the same case, the
     * same sort (tui/place.h).  A case gone since: the next one in order. */
    char place_path[4096], dbkey[4096];
    bool have_place = place_default_path(place_path, sizeof place_path) == 0 &&
                      store_identity(app->store, dbkey, sizeof dbkey) == STORE_OK;
    place pl;
    if (have_place && place_load(place_path, dbkey, &pl) == 1) {
        lw_set_sort(lw, pl.sort);
        lw_reload(lw, pl.case_id);
    }

    struct sigaction old[3];
    tui_install_signals(old);
    /* Esc must feel instant over SSH; 25 ms still joins the bytes of an
     * arrow key sent in one packet. */
    set_escdelay(25);
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        tui_restore_signals(old);
        fprintf(app->err, "%s: the interface needs a terminal (TERM=%s); use "
                "the subcommands, see %s --help\n", app->progname,
                getenv("TERM") ? getenv("TERM") : "(unset)", app->progname);
        lw_free(lw);
        free(t); free(lw); free(recs);
        return EXIT_FAIL;
    }
    set_term(scr);
    tui_panels_init();
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    define_extra_keys();
    curs_set(0);
    t->color = has_colors() && !theme_no_color_env();
    if (t->color) {
        start_color();
        use_default_colors();
    }
    /* The settings file: the theme (--theme wins over it, issue 3) and
     * the mitoses cut-off the rules use, read as `imtreview recommend`
     * reads it so the recommendation pane says what that command says. */
    {
        settings st;
        const char *name = app->theme;
        char saved[SETTINGS_VALLEN] = "", msg[400] = "";
        bool have = settings_load(&st, NULL) == 0;
        if (!have || st.nwarnings)
            snprintf(msg, sizeof msg, "settings: %s", st.warning);
        if (have && !name && settings_get(&st, "theme")) {
            snprintf(saved, sizeof saved, "%s", settings_get(&st, "theme"));
            name = saved;
        }
        const char *mit = have ? settings_get(&st, "mitoses_cutoff") : NULL;
        char err[160];
        if (mit && rules_config_set_mitoses(&t->rcfg, mit, err, sizeof err) != 0)
            snprintf(msg, sizeof msg, "settings: mitoses_cutoff: %s (using %g)", err,
                     t->rcfg.mitoses_cutoff);
        tui_set_theme(t, name ? name : "default");
        if (msg[0] && !t->msg[0])
            tui_message(t, true, "%s", msg);
    }
    t->focus = PANE_LIST;
    t->right = PANE_DETAIL;
    tui_relayout(t);

    int status = EXIT_OK;
    long long dver = 0;
    bool asked = false;     /* the store was asked since the last key */
    store_data_version(app->store, &dver);
    {
        long n;
        bool more;
        t->change_mark = 0;
        store_changes_since(app->store, &t->change_mark, 1, &n, &more);
    }
    while (!tui_signalled) {
        /* The list's row number: found at once on a small database (in
         * this frame), else counted in slices between keys below. */
        if (rank_work(t, RANK_FIRST_MS) > 0)
            t->dirty[PANE_LIST] = true;
        draw(t);
        int ch;
        int nfd = store_notify_fd(app->store);
        /* while the row number is being counted, only look for a key */
        bool pending = lw_rank_pending(t->lw);
        if (pending) {
            wtimeout(stdscr, 0);
            ch = tui_getkey(t, stdscr);
            wtimeout(stdscr, -1);
        } else if (nfd >= 0) {
            /* The engine announces other sessions' changes on a
             * descriptor (PostgreSQL's LISTEN): sleep until a key or an
             * announcement, no waking up to ask.  Keys ncurses already
             * holds are taken first. */
            wtimeout(stdscr, 0);
            ch = tui_getkey(t, stdscr);
            wtimeout(stdscr, -1);
            if (ch == ERR && !asked) {
                /* An announcement may have come in with the answer to a
                 * query of the last key (libpq keeps it): ask once before
                 * sleeping. */
                asked = true;
                long long before = dver;
                if (live_refresh(t, &dver) && dver != before)
                    continue;
                nfd = store_notify_fd(app->store);
            }
            if (ch == ERR && nfd >= 0) {
                struct pollfd pfd[2] = { { STDIN_FILENO, POLLIN, 0 }, { nfd, POLLIN, 0 } };
                /* no timeout, but the end of the live view's brief note */
                long long wait_ms = -1;
                if (t->msg[0] && t->msg_until) {
                    wait_ms = t->msg_until - tui_now_ms();
                    if (wait_ms < 0)
                        wait_ms = 0;
                }
                int r = poll(pfd, 2, (int)wait_ms);
                if (tui_signalled)
                    break;
                if (r > 0 && pfd[1].revents) {
                    live_refresh(t, &dver);
                    asked = false;  /* its queries may bring more */
                    continue;
                }
                if (r < 0)
                    continue;       /* a signal: a resize is read as a key next */
                if (r > 0)
                    ch = tui_getkey(t, stdscr);
            }
            if (ch != ERR)
                asked = false;
        } else {
            /* Wake once a second while idle to see whether another user
             * committed something (one cheap PRAGMA: no CPU to speak of). */
            wtimeout(stdscr, LIVE_POLL_MS);
            ch = tui_getkey(t, stdscr);
            wtimeout(stdscr, -1);
        }
        if (tui_signalled)
            break;
        if (ch == ERR && pending) {
            if (rank_work(t, RANK_SLICE_MS) > 0)
                t->dirty[PANE_LIST] = true;
            continue;
        }
        if (ch == ERR && t->msg[0] && t->msg_until && tui_now_ms() >= t->msg_until) {
            /* the live view's note is brief */
            t->msg[0] = '\0';
            t->msg_until = 0;
            t->dirty_status = true;
        }
        if (ch == ERR && nfd < 0 && live_refresh(t, &dver))
            continue;
        if (ch == ERR) {
            /* Interrupted by a signal that was not ours, or the terminal
             * went away: a closed stdin would spin here. */
            if (errno == EINTR)
                continue;
            if (!isatty(STDIN_FILENO))
                break;
            continue;
        }
        if (!dispatch(t, ch))
            break;
    }
    int sig = tui_signalled;

    tui_free_windows(t);
    endwin();
    delscreen(scr);
    /* Our handlers stay until the place is saved: a hangup (an SSH link
     * dropping) brings a second SIGHUP when the shell exits, and the
     * default action would kill the save half-way, losing the place and
     * leaving its temporary file behind. */
    const imt_case *here = lw_current(lw);
    if (have_place && here) {
        snprintf(pl.case_id, sizeof pl.case_id, "%s", here->case_id);
        pl.sort = lw->sort;
        if (place_save(place_path, dbkey, &pl) != 0)
            fprintf(app->err, "%s: cannot remember the place in %s: %s\n",
                    app->progname, place_path, strerror(errno));
    }
    tui_restore_signals(old);
    for (int p = 0; p < PANE_N; p++)
        tui_doc_free(&t->doc[p]);
    tui_undo_free(t);
    store_decisions_free(t->decs, t->ndecs);
    course_clear(&t->course);
    lw_free(lw);
    free(t);
    free(lw);
    free(recs);
    if (sig) {
        fprintf(app->err, "%s: stopped by signal %d\n", app->progname, sig);
        status = 128 + sig;
    }
    return status;
}
