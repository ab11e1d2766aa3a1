/* tui/tui.c - the interface's context, terminal set-up and main loop.
 *
 * Drawing discipline (ui.md "Terminal behaviour"): one curses window per
 * pane; a keystroke marks only the panes it changed dirty, those are
 * redrawn into their windows and sent with wnoutrefresh + doupdate, so
 * curses transmits only the changed cells.  The screen is never cleared
 * on a keystroke.  getch blocks (no timeout): idle means no CPU. */
#include "tui/tui.h"

#include <errno.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <time.h>
#include <unistd.h>

#include "tui/keys.h"
#include "tui/place.h"
#include "io/settings.h"
#include "tui/theme.h"
#include "tui/statsview.h"
#include "tui/text.h"

/* The one global: set by SIGTERM/SIGHUP/SIGINT, read by the loop.  The
 * handler is installed without SA_RESTART so a blocked getch returns and
 * the loop restores the terminal itself (endwin is not signal-safe). */
static volatile sig_atomic_t tui_signalled;

static void on_signal(int sig)
{
    tui_signalled = sig;
}

static void install_signals(struct sigaction *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;                 /* no SA_RESTART: interrupt getch */
    sigaction(SIGTERM, &sa, &old[0]);
    sigaction(SIGHUP, &sa, &old[1]);
    sigaction(SIGINT, &sa, &old[2]);
}

static void restore_signals(const struct sigaction *old)
{
    sigaction(SIGTERM, &old[0], NULL);
    sigaction(SIGHUP, &old[1], NULL);
    sigaction(SIGINT, &old[2], NULL);
}

/* ncurses' panel library allocates a pseudo panel for stdscr on the first
 * new_panel and frees it only in its debug builds (_nc_freeall): one
 * 32-byte block per process, not ours to free.  Tell LeakSanitizer, so
 * SAN=1 runs of the interface exit 0 and report real leaks only. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:new_panel\n";
}

/* ---- attributes ------------------------------------------------------ */

/* Interface roles onto the theme module's roles (tui/theme.h). */
static const theme_role role_map[R_N] = {
    [R_NORMAL] = TR_NORMAL, [R_BORDER] = TR_PANE_BORDER,
    [R_BORDER_FOCUS] = TR_PANE_TITLE_ACTIVE, [R_TITLE] = TR_PANE_TITLE,
    [R_HEADER] = TR_HEADER, [R_CURSOR] = TR_LIST_CURSOR,
    [R_CURSOR_DIM] = TR_LIST_CURSOR_INACTIVE, [R_LABEL] = TR_LABEL,
    [R_DIM] = TR_NOTDONE, [R_POS] = TR_POSITIVE, [R_NEG] = TR_NEGATIVE,
    [R_EQUIV] = TR_EQUIVOCAL, [R_CRIT] = TR_LEVEL_CRITICAL,
    [R_WARN] = TR_LEVEL_WARNING, [R_INFO] = TR_LEVEL_INFO,
    [R_SUGG] = TR_LEVEL_SUGGESTION, [R_STATUS] = TR_STATUS,
    [R_HINT] = TR_KEYBAR_LABEL, [R_HINT_KEY] = TR_KEYBAR_KEY,
    [R_ERROR] = TR_ERROR, [R_ALK_POS] = TR_ALK_POSITIVE,
    [R_ALK_NEG] = TR_ALK_NEGATIVE, [R_ALK_UNK] = TR_ALK_UNKNOWN,
    [R_AXIS] = TR_PLOT_AXIS, [R_CURVE1] = TR_PLOT_CURVE_1,
    [R_CURVE2] = TR_PLOT_CURVE_2, [R_CURVE3] = TR_PLOT_CURVE_3,
    [R_CURVE4] = TR_PLOT_CURVE_4,
};

/* T cycles through the themes issue 3 requires to exist. */
static const char *const theme_cycle[] = { "default", "light", "high-contrast",
                                           "monochrome" };
#define NTHEMES ((int)(sizeof theme_cycle / sizeof theme_cycle[0]))

/* Load theme name (the theme module always leaves a usable theme and
 * says why in msg when it had to fall back) and map its roles. */
static void set_theme(tui *t, const char *name)
{
    char msg[400] = "";
    theme th;
    bool no_color = !t->color;
    theme_load(&th, name, no_color, msg, sizeof msg);
    unsigned long attr[TR_N];
    theme_apply(&th, t->color, t->color ? COLORS : 0, 1, attr);
    for (int r = 0; r < R_N; r++)
        t->attr[r] = (attr_t)attr[role_map[r]];
    snprintf(t->theme_name, sizeof t->theme_name, "%s", name ? name : "default");
    if (msg[0])
        tui_message(t, true, "%s", msg);
}

attr_t tui_attr(const tui *t, tui_role r)
{
    return t->attr[r];
}

static int sv_attr(void *ctx, int role)
{
    tui *t = ctx;
    switch (role) {
    case SV_ROLE_TITLE: return (int)t->attr[R_TITLE];
    /* the theme file's plot_* roles */
    case SV_ROLE_AXIS: return (int)t->attr[R_AXIS];
    case SV_ROLE_CURVE0: return (int)t->attr[R_CURVE1];
    case SV_ROLE_CURVE1: return (int)t->attr[R_CURVE2];
    case SV_ROLE_CURVE2: return (int)t->attr[R_CURVE3];
    case SV_ROLE_CURVE3: return (int)t->attr[R_CURVE4];
    case SV_ROLE_WARN: return (int)t->attr[R_WARN];
    case SV_ROLE_STATUS: return (int)t->attr[R_STATUS];
    default: return (int)t->attr[R_NORMAL];
    }
}

/* ---- shared helpers ---------------------------------------------------- */

void tui_message(tui *t, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->msg, sizeof t->msg, fmt, ap);
    va_end(ap);
    t->msg_error = error;
    t->dirty_status = true;
}

void tui_put(tui *t, WINDOW *w, int y, int x, int width, const char *s,
             tui_role r)
{
    char buf[2048];
    if (width <= 0)
        return;
    if (width > 500)
        width = 500;
    tt_fit(s ? s : "", width, true, t->utf8, buf, sizeof buf);
    wattrset(w, tui_attr(t, r));
    mvwaddstr(w, y, x, buf);
    wattrset(w, A_NORMAL);
}

void tui_draw_box(tui *t, WINDOW *w, bool focus, const char *title)
{
    wattrset(w, tui_attr(t, focus ? R_BORDER_FOCUS : R_BORDER));
    if (t->ascii) {
        wborder(w, '|', '|', '-', '-', '+', '+', '+', '+');
    } else if (t->utf8) {
        /* Unicode light box drawing, sent as characters: ACS switching is
         * what breaks on terminals that mangle the alternate charset. */
        cchar_t v, hz, tl, tr, bl, br;
        setcchar(&v, L"\u2502", 0, 0, NULL);
        setcchar(&hz, L"\u2500", 0, 0, NULL);
        setcchar(&tl, L"\u250c", 0, 0, NULL);
        setcchar(&tr, L"\u2510", 0, 0, NULL);
        setcchar(&bl, L"\u2514", 0, 0, NULL);
        setcchar(&br, L"\u2518", 0, 0, NULL);
        wborder_set(w, &v, &v, &hz, &hz, &tl, &tr, &bl, &br);
    } else {
        box(w, 0, 0);
    }
    wattrset(w, A_NORMAL);
    int h, wd;
    getmaxyx(w, h, wd);
    (void)h;
    if (title && wd > 6) {
        char tb[256];
        snprintf(tb, sizeof tb, " %s ", title);
        int tw = tt_width(tb, t->utf8);
        if (tw > wd - 4)
            tw = wd - 4;
        tui_put(t, w, 0, 2, tw, tb, focus ? R_BORDER_FOCUS : R_TITLE);
    }
}

void tui_touch_all(tui *t)
{
    for (int i = 0; i < PANE_N; i++)
        t->dirty[i] = true;
    t->dirty_status = t->dirty_hints = true;
    if (t->small)
        return;
    for (int i = 0; i < PANE_N; i++)
        if (t->win[i])
            touchwin(t->win[i]);
    if (t->status) touchwin(t->status);
    if (t->hints) touchwin(t->hints);
}

static bool pane_visible(const tui *t, int p)
{
    if (t->lay.cls == LAYOUT_WIDE)
        return true;
    if (t->lay.cls == LAYOUT_NARROW)
        return p == PANE_LIST || p == t->right;
    return false;
}

/* ---- layout ------------------------------------------------------------ */

static void free_windows(tui *t)
{
    for (int i = 0; i < PANE_N; i++) {
        if (t->win[i])
            delwin(t->win[i]);
        t->win[i] = NULL;
    }
    if (t->status) delwin(t->status);
    if (t->hints) delwin(t->hints);
    t->status = t->hints = NULL;
}

void tui_relayout(tui *t)
{
    int rows, cols;
    getmaxyx(stdscr, rows, cols);
    free_windows(t);
    layout_compute(rows, cols, &t->lay);
    /* A resize is not a keystroke: clearing once here is what makes the
     * new geometry clean. */
    werase(stdscr);
    wnoutrefresh(stdscr);
    if (t->lay.cls == LAYOUT_SMALL) {
        t->small = true;
        const char *m1 = "terminal too small";
        char m2[64];
        snprintf(m2, sizeof m2, "(need %dx%d, have %dx%d)", LAYOUT_MIN_COLS,
                 LAYOUT_MIN_ROWS, cols, rows);
        int y = rows / 2 - 1;
        if (y < 0) y = 0;
        wattrset(stdscr, A_BOLD);
        mvwaddnstr(stdscr, y, 0, m1, cols);
        wattrset(stdscr, A_NORMAL);
        if (rows > 1)
            mvwaddnstr(stdscr, y + 1, 0, m2, cols);
        wnoutrefresh(stdscr);
        return;
    }
    t->small = false;
    for (int i = 0; i < PANE_N; i++) {
        lrect r = t->lay.pane[i];
        t->win[i] = newwin(r.h, r.w, r.y, r.x);
        if (t->win[i])
            keypad(t->win[i], TRUE);
    }
    t->status = newwin(1, t->lay.status.w, t->lay.status.y, 0);
    t->hints = newwin(1, t->lay.hints.w, t->lay.hints.y, 0);
    if (t->lay.cls == LAYOUT_NARROW && t->focus != PANE_LIST)
        t->right = t->focus;
    /* list: border (2) + header (1) */
    lw_set_cap(t->lw, t->lay.pane[PANE_LIST].h - 3);
    for (int i = 0; i < PANE_N; i++) {
        t->dirty[i] = true;
        t->doc_width[i] = -1;      /* rewrap */
    }
    t->list_gen = t->lw->gen - 1;
    t->dirty_status = t->dirty_hints = true;
}

/* ---- status and hints ---------------------------------------------------- */

static void draw_status(tui *t)
{
    WINDOW *w = t->status;
    int width = t->lay.status.w;
    char fbuf[512], fit[1024], line[2048];
    filter_describe(&t->lw->filter, fbuf, sizeof fbuf);
    const char *filt = fbuf[0] ? fbuf : "no filter";
    char sortb[64];
    snprintf(sortb, sizeof sortb, "sort=%s%s", store_sort_name(t->lw->sort.key),
             t->lw->sort.desc ? (t->utf8 && !t->ascii ? "\xE2\x86\x93" : "-")
                              : (t->utf8 && !t->ascii ? "\xE2\x86\x91" : "+"));
    /* "N of M cases" and the read-only mark always stay on screen: when
     * the line is too long the filter text is cut (with an ellipsis)
     * rather than them; the database name and sort come after. */
    char ess[96];
    snprintf(ess, sizeof ess, "%ld of %ld cases%s", t->lw->count, t->lw->total,
             store_is_readonly(t->app->store) ? "  [read-only]" : "");
    int essw = tt_width(ess, t->utf8);
    int left = width;
    int mw = t->msg[0] ? tt_width(t->msg, t->utf8) + 1 : 0;
    if (mw) {
        left = width - mw;
        int keep = essw + 16;          /* the count and ~12 of the filters */
        if (keep > width) keep = width;
        if (left < keep) left = keep;
    }
    int room = left - essw - 4;        /* " " before, "  " after, and a cut mark */
    if (room < 1) room = 1;
    int fw = tt_width(filt, t->utf8);
    tt_fit(filt, fw < room ? fw : room, false, t->utf8, fit, sizeof fit);
    snprintf(line, sizeof line, " %s  %s  %s  %s", fit, ess, t->dbname, sortb);
    tui_put(t, w, 0, 0, left, line, R_STATUS);
    if (mw && left < width)
        tui_put(t, w, 0, left, width - left, t->msg, t->msg_error ? R_ERROR : R_STATUS);
    wnoutrefresh(w);
}

static void draw_hints(tui *t)
{
    WINDOW *w = t->hints;
    int width = t->lay.hints.w;
    wattrset(w, tui_attr(t, R_HINT));
    wmove(w, 0, 0);
    /* htop style: key names stand out from their labels; which hints
     * fit is the key table's choice (help and quit always first). */
    bool show[256];
    keys_hint_pick(width, show, (int)(sizeof show / sizeof show[0]));
    int x = 0;
    for (int i = 0; i < key_table_n && i < 256; i++) {
        const key_binding *b = &key_table[i];
        if (!show[i])
            continue;
        wattrset(w, tui_attr(t, R_HINT_KEY));
        mvwaddstr(w, 0, x, b->name);
        x += (int)strlen(b->name);
        wattrset(w, tui_attr(t, R_HINT));
        mvwaddch(w, 0, x++, ' ');
        mvwaddstr(w, 0, x, b->hint);
        x += (int)strlen(b->hint);
        if (x < width)
            waddch(w, ' ');
        x++;
    }
    wattrset(w, tui_attr(t, R_HINT));
    for (; x < width; x++)
        mvwaddch(w, 0, x, ' ');
    wattrset(w, A_NORMAL);
    wnoutrefresh(w);
}

void tui_draw_pending(tui *t)
{
    if (t->small)
        return;
    for (int p = 0; p < PANE_N; p++) {
        if (!t->dirty[p] || !pane_visible(t, p) || !t->win[p])
            continue;
        if (p == PANE_LIST)
            tui_draw_list(t);
        else
            tui_draw_text_pane(t, p);
        wnoutrefresh(t->win[p]);
        t->dirty[p] = false;
    }
    if (t->dirty_status) {
        draw_status(t);
        t->dirty_status = false;
    }
    if (t->dirty_hints) {
        draw_hints(t);
        t->dirty_hints = false;
    }
}

static void draw(tui *t)
{
    tui_draw_pending(t);
    doupdate();
}

bool tui_interrupted(void)
{
    return tui_signalled != 0;
}

/* ---- actions --------------------------------------------------------------- */

/* The case changed: the right panes follow. */
void tui_case_changed(tui *t)
{
    t->dirty[PANE_LIST] = true;
    for (int p = PANE_DETAIL; p < PANE_N; p++) {
        t->dirty[p] = true;
        t->scroll[p] = 0;
    }
    t->rec_sel = 0;
    memset(t->rec_open, 0, sizeof t->rec_open);
    t->dirty_status = true;
}

/* Feedback for a slow query (a count or a sort over a million cases):
 * after BUSY_MS the status line says what is going on, so the screen
 * never sits still for seconds.  Fast queries send nothing extra. */
#define BUSY_MS 150
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
        draw_status(b->t);       /* no store access in here */
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

int tui_apply_filter(tui *t, const imt_filter *f)
{
    const imt_case *before = lw_current(t->lw);
    char id[64] = "";
    if (before && before->case_id)
        snprintf(id, sizeof id, "%s", before->case_id);
    busy_ctx b;
    busy_begin(t, &b, "counting the matching cases");
    int rc = lw_set_filter(t->lw, f);
    busy_end(t, &b);
    if (rc < 0)
        tui_message(t, true, "database error: %s", store_errmsg(t->app->store));
    const imt_case *after = lw_current(t->lw);
    if (!after || !after->case_id || strcmp(after->case_id, id) != 0)
        tui_case_changed(t);
    t->dirty[PANE_LIST] = true;
    t->dirty_status = true;
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
    const imt_case *c = lw_current(t->lw);
    char id[64] = "";
    if (c && c->case_id)
        snprintf(id, sizeof id, "%s", c->case_id);
    busy_ctx b;
    busy_begin(t, &b, "sorting");
    int rc = lw_set_sort(t->lw, s);
    busy_end(t, &b);
    if (rc < 0)
        tui_message(t, true, "database error: %s", store_errmsg(t->app->store));
    c = lw_current(t->lw);
    if (!c || !c->case_id || strcmp(c->case_id, id) != 0)
        tui_case_changed(t);
    t->dirty[PANE_LIST] = true;
    t->dirty_status = true;
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

static void stats_view(tui *t)
{
    struct statsview_env env;
    memset(&env, 0, sizeof env);
    env.store = t->app->store;
    env.filter = &t->lw->filter;
    env.utf8 = t->utf8 && !t->ascii;
    env.attr = sv_attr;
    env.attr_ctx = t;
    env.export_dir = NULL;
    env.stop = &tui_signalled;
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
    set_theme(t, name);
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

/* Another session's committed change: the count, the rows on screen and
 * the case under the cursor are read again, and the status line says so.
 * Returns true when the store was asked (whether or not it changed). */
#define LIVE_POLL_MS 1000
static bool live_refresh(tui *t, long long *dver)
{
    long long v;
    if (store_data_version(t->app->store, &v) != STORE_OK)
        return false;
    if (v == *dver)
        return true;
    *dver = v;
    long before = t->lw->total;
    const imt_case *c = lw_current(t->lw);
    char id[64] = "";
    if (c && c->case_id)
        snprintf(id, sizeof id, "%s", c->case_id);
    lw_recount(t->lw);
    lw_reload(t->lw, id[0] ? id : NULL);
    tui_case_changed(t);
    tui_touch_all(t);
    long d = t->lw->total - before;
    if (d > 0)
        tui_message(t, false, "data changed by another session: %ld case%s added", d, d == 1 ? "" : "s");
    else if (d < 0)
        tui_message(t, false, "data changed by another session: %ld case%s removed", -d, d == -1 ? "" : "s");
    else
        tui_message(t, false, "data changed by another session");
    return true;
}

static void base_name(const char *path, char *out, size_t n)
{
    const char *b = strrchr(path, '/');
    snprintf(out, n, "%s", b ? b + 1 : path);
}

int tui_run(imt_app *app)
{
    if (check_terminal(app) < 0)
        return EXIT_FAIL;
    if (app_open_store(app) != EXIT_OK)
        return EXIT_FAIL;

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
    rules_load_config(app, "tui", &t->rcfg, NULL);  /* as `recommend` */
    base_name(app->db_path ? app->db_path : "", t->dbname, sizeof t->dbname);
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
                      realpath(app->db_path, dbkey) != NULL;
    place pl;
    if (have_place && place_load(place_path, dbkey, &pl) == 1) {
        lw_set_sort(lw, pl.sort);
        lw_reload(lw, pl.case_id);
    }

    struct sigaction old[3];
    install_signals(old);
    /* Esc must feel instant over SSH; 25 ms still joins the bytes of an
     * arrow key sent in one packet. */
    set_escdelay(25);
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        restore_signals(old);
        fprintf(app->err, "%s: the interface needs a terminal (TERM=%s); use "
                "the subcommands, see %s --help\n", app->progname,
                getenv("TERM") ? getenv("TERM") : "(unset)", app->progname);
        lw_free(lw);
        free(t); free(lw); free(recs);
        return EXIT_FAIL;
    }
    set_term(scr);
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
        set_theme(t, name ? name : "default");
        if (msg[0] && !t->msg[0])
            tui_message(t, true, "%s", msg);
    }
    t->focus = PANE_LIST;
    t->right = PANE_DETAIL;
    tui_relayout(t);

    int status = EXIT_OK;
    long long dver = 0;
    store_data_version(app->store, &dver);
    while (!tui_signalled) {
        draw(t);
        /* Wake once a second while idle to see whether another user
         * committed something (one cheap PRAGMA: no CPU to speak of). */
        wtimeout(stdscr, LIVE_POLL_MS);
        int ch = wgetch(stdscr);
        wtimeout(stdscr, -1);
        if (tui_signalled)
            break;
        if (ch == ERR && live_refresh(t, &dver))
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

    free_windows(t);
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
    restore_signals(old);
    for (int p = 0; p < PANE_N; p++)
        tui_doc_free(&t->doc[p]);
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
