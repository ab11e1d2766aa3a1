/* tui/draw.c - the drawing layer under the panes and the dialogs
 * (tui/draw.h): the theme roles' attributes, the status message,
 * database-safe text, boxes, dirty marks and the signal flag. */
#include "tui/draw.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui/text.h"
#include "tui/theme.h"

/* The one global: set by SIGTERM/SIGHUP/SIGINT, read by the loop.  The
 * handler is installed without SA_RESTART so a blocked getch returns and
 * the loop restores the terminal itself (endwin is not signal-safe). */
volatile sig_atomic_t tui_signalled;

static void on_signal(int sig)
{
    tui_signalled = sig;
}

void tui_install_signals(struct sigaction *old)
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

void tui_restore_signals(const struct sigaction *old)
{
    sigaction(SIGTERM, &old[0], NULL);
    sigaction(SIGHUP, &old[1], NULL);
    sigaction(SIGINT, &old[2], NULL);
}

/* ---- attributes ------------------------------------------------------ */

/* Load theme name (the theme module always leaves a usable theme and
 * says why in msg when it had to fall back) and keep its roles'
 * attributes. */
void tui_set_theme(tui *t, const char *name)
{
    char msg[400] = "";
    theme th;
    bool no_color = !t->color;
    theme_load(&th, name, no_color, msg, sizeof msg);
    unsigned long attr[TR_N];
    theme_apply(&th, t->color, t->color ? COLORS : 0, 1, attr);
    for (int r = 0; r < TR_N; r++)
        t->attr[r] = (attr_t)attr[r];
    snprintf(t->theme_name, sizeof t->theme_name, "%s", name ? name : "default");
    if (msg[0])
        tui_message(t, true, "%s", msg);
}

attr_t tui_attr(const tui *t, theme_role r)
{
    return t->attr[r];
}

int tui_sv_attr(void *ctx, theme_role r)
{
    return (int)tui_attr(ctx, r);
}

/* ---- shared helpers ---------------------------------------------------- */

void tui_message(tui *t, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->msg, sizeof t->msg, fmt, ap);
    va_end(ap);
    t->msg_error = error;
    t->msg_until = 0;
    t->dirty_status = true;
}

void tui_put(tui *t, WINDOW *w, int y, int x, int width, const char *s,
             theme_role r)
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
    wattrset(w, tui_attr(t, focus ? TR_PANE_TITLE_ACTIVE : TR_PANE_BORDER));
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
        tui_put(t, w, 0, 2, tw, tb, focus ? TR_PANE_TITLE_ACTIVE : TR_PANE_TITLE);
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

long long tui_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

bool tui_interrupted(void)
{
    return tui_signalled != 0;
}

/* ncurses' panel library allocates a pseudo panel for stdscr on the first
 * new_panel and frees it only in its debug builds (_nc_freeall), not in
 * delscreen: one 32-byte block per process.  Keeping a pointer to it
 * here makes it reachable memory rather than a leak, for LeakSanitizer
 * (whose fast unwinder cannot name a caller through libpanelw, so a
 * suppression by caller does not work) and for valgrind alike; a dialog
 * panel that is never deleted is still reported as lost. */
static PANEL *volatile ncurses_pseudo_panel;

void tui_panels_init(void)
{
    WINDOW *w = newwin(1, 1, 0, 0);
    if (!w)
        return;
    PANEL *p = new_panel(w);
    if (p) {
        if (p->below)
            ncurses_pseudo_panel = p->below;
        del_panel(p);
    }
    delwin(w);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void tui_note_esc(tui *t)
{
    t->esc_ms = now_ms();
}

/* The next byte of a split sequence: it follows within a moment or not
 * at all. */
static int tail_byte(WINDOW *w)
{
    wtimeout(w, 150);
    return wgetch(w);
}

int tui_getkey(tui *t, WINDOW *w)
{
    for (;;) {
        int ch = wgetch(w);
        if (ch == 27) {
            tui_note_esc(t);
            return ch;
        }
        if ((ch != '[' && ch != 'O') || t->esc_ms == 0 ||
            now_ms() - t->esc_ms > TUI_SPLIT_MS)
            return ch;
        t->esc_ms = 0;
        int delay = wgetdelay(w);
        int c2 = tail_byte(w);
        bool dropped = false;
        if (ch == '[') {
            /* CSI: parameters 0x30-0x3F, intermediates 0x20-0x2F, a final
             * 0x40-0x7E; whatever else ends it is kept. */
            while (c2 != ERR && c2 >= 0x20 && c2 <= 0x3F)
                c2 = tail_byte(w);
            if (c2 != ERR && !(c2 >= 0x40 && c2 <= 0x7E))
                ungetch(c2);
            dropped = true;
        } else if (c2 > 0 && c2 < 0x80 && strchr("ABCDHFPQRS", c2)) {
            dropped = true;
        } else if (c2 != ERR) {
            ungetch(c2);
        }
        wtimeout(w, delay);
        if (!dropped)
            return ch;
        /* the tail of a split sequence: read the next real key */
    }
}
