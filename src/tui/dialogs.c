/* tui/dialogs.c - menus (menu library), the line editor (form library),
 * confirm and help: widgets, which never change the data (tui/actions.c
 * does, through them).  Every dialog is a panel over the panes, so closing
 * it restores them without clearing the screen; Esc backs out of each
 * without changing anything. */
#include "tui/dialogs.h"

#include <errno.h>
#include <fcntl.h>
#include <form.h>
#include <menu.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "tui/panes.h"
#include "tui/keys.h"
#include "tui/statsview.h"
#include "tui/text.h"
#include "core/utf8.h"

/* ---- dialog frame ------------------------------------------------------ */

typedef struct {
    WINDOW *win;
    PANEL  *panel;
    int h, w;
} dlg;

static int dlg_open(tui *t, dlg *d, int h, int w, const char *title)
{
    int rows, cols;
    getmaxyx(stdscr, rows, cols);
    if (w > cols) w = cols;
    if (h > rows) h = rows;
    if (w < 10 || h < 3)
        return -1;
    d->h = h;
    d->w = w;
    d->win = newwin(h, w, (rows - h) / 2, (cols - w) / 2);
    if (!d->win)
        return -1;
    keypad(d->win, TRUE);
    d->panel = new_panel(d->win);
    wbkgdset(d->win, ' ' | tui_attr(t, TR_NORMAL));
    werase(d->win);
    tui_draw_box(t, d->win, true, title);
    return 0;
}

static void dlg_close(tui *t, dlg *d)
{
    if (d->panel)
        del_panel(d->panel);
    if (d->win)
        delwin(d->win);
    d->panel = NULL;
    d->win = NULL;
    update_panels();
    tui_touch_all(t);
}

/* Panes first (whatever is dirty), then the panels on top. */
static void dlg_refresh(tui *t, dlg *d)
{
    tui_draw_pending(t);
    touchwin(d->win);
    update_panels();
    doupdate();
}

/* A resize while a dialog is open.  curses shrinks windows that no
 * longer fit and does not grow them back, so a dialog is closed on
 * KEY_RESIZE and opened again with its state (the text typed, the values
 * ticked, the item under the cursor) at the new size.  In between the
 * screen is re-laid; while it is too small that message shows and keys
 * wait.  Returns true when the dialog can be opened again, false to back
 * out of it (Esc, q, or a signal) without changing anything. */
#define DLG_RESIZED (-2)

static bool dlg_after_resize(tui *t)
{
    tui_relayout(t);
    while (t->small) {
        doupdate();
        int ch = tui_getkey(t, stdscr);
        if (tui_interrupted())
            return false;
        if (ch == KEY_RESIZE) {
            tui_relayout(t);
            continue;
        }
        if (keys_lookup(KC_DIALOG, ch) == ACT_DLG_CANCEL ||
            keys_lookup(KC_MAIN, ch) == ACT_QUIT)
            return false;
    }
    return true;
}

/* Show dialog d and wait for a key: its dialog action, or DLG_STOP when a
 * signal asks the program to end, or DLG_RESIZED on a resize. */
#define DLG_STOP (-1)
static int dlg_key(tui *t, dlg *d)
{
    dlg_refresh(t, d);
    int ch = tui_getkey(t, d->win);
    if (tui_interrupted())
        return DLG_STOP;
    if (ch == KEY_RESIZE)
        return DLG_RESIZED;
    return (int)keys_lookup(KC_DIALOG, ch);
}

/* Rows a list of n values gets in a dialog on this screen. */
static int dlg_list_rows(int n)
{
    int rows = getmaxy(stdscr);
    if (n > rows - 6) n = rows - 6;
    return n < 1 ? 1 : n;
}

/* ---- menus ------------------------------------------------------------- */

static int run_menu_once(tui *t, const char *title, const char *const *values,
                         int n, int initial, int *cur)
{
    ITEM **items = calloc((size_t)n + 1, sizeof *items);
    if (!items)
        return -1;
    int maxw = 0;
    for (int i = 0; i < n; i++) {
        items[i] = new_item(values[i], "");
        int l = (int)strlen(values[i]);
        if (l > maxw) maxw = l;
    }
    MENU *m = new_menu(items);
    if (!m) {
        for (int i = 0; i < n; i++) free_item(items[i]);
        free(items);
        return -1;
    }
    set_menu_mark(m, "> ");
    int tw = tt_width(title, t->utf8) + 6;
    int w = maxw + 10;
    if (w < tw) w = tw;
    if (w < 46) w = 46;
    int vis = dlg_list_rows(n);
    dlg d;
    if (dlg_open(t, &d, vis + 5, w, title) < 0) {
        free_menu(m);
        for (int i = 0; i < n; i++) free_item(items[i]);
        free(items);
        return -1;
    }
    set_menu_format(m, vis, 1);
    set_menu_win(m, d.win);
    WINDOW *sub = derwin(d.win, vis, w - 4, 1, 2);
    set_menu_sub(m, sub);
    set_menu_fore(m, tui_attr(t, TR_LIST_CURSOR));
    set_menu_back(m, tui_attr(t, TR_NORMAL));
    post_menu(m);
    if (initial >= 0 && initial < n)
        set_current_item(m, items[initial]);
    tui_put(t, d.win, vis + 2, 2, w - 4, "Enter: choose  Esc: cancel", TR_NOTDONE);
    int result = -1;
    for (;;) {
        int a = dlg_key(t, &d);
        if (a == DLG_STOP || a == ACT_DLG_CANCEL)
            break;
        if (a == DLG_RESIZED) {
            *cur = item_index(current_item(m));
            result = DLG_RESIZED;
            break;
        }
        if (a == ACT_DLG_DOWN) menu_driver(m, REQ_DOWN_ITEM);
        else if (a == ACT_DLG_UP) menu_driver(m, REQ_UP_ITEM);
        else if (a == ACT_DLG_PGDN) menu_driver(m, REQ_SCR_DPAGE);
        else if (a == ACT_DLG_PGUP) menu_driver(m, REQ_SCR_UPAGE);
        else if (a == ACT_DLG_OK) {
            result = item_index(current_item(m));
            break;
        }
    }
    unpost_menu(m);
    free_menu(m);
    for (int i = 0; i < n; i++)
        free_item(items[i]);
    free(items);
    delwin(sub);
    dlg_close(t, &d);
    return result;
}

static int run_menu(tui *t, const char *title, const char *const *values, int n,
                    int initial)
{
    for (;;) {
        int cur = initial;
        int r = run_menu_once(t, title, values, n, initial, &cur);
        if (r != DLG_RESIZED)
            return r;
        if (!dlg_after_resize(t))
            return -1;
        initial = cur;
    }
}

/* Several values at once: drawn here rather than by the menu library,
 * whose multi-value menus put the mark on the current item and show the
 * selection by attribute only.  Every row reads "[x] value" or "[ ] value"
 * (monochrome and screen readers see the state), the cursor row is
 * highlighted. */
static int multi_once(tui *t, const char *title, const char *const *values,
                      int n, int w, unsigned *mp, int *curp);

int tui_menu_multi(tui *t, const char *title, const char *const *values,
                   unsigned *mask)
{
    int n = 0;
    while (values[n] && n < 32)
        n++;
    if (n == 0)
        return 0;
    int maxw = 0;
    for (int i = 0; i < n; i++) {
        int l = tt_width(values[i], t->utf8);
        if (l > maxw) maxw = l;
    }
    int w = maxw + 10;
    int tw = tt_width(title, t->utf8) + 6;
    if (w < tw) w = tw;
    if (w < 44) w = 44;                /* the footer's width + borders */
    unsigned m = *mask;
    int cur = 0, result = 0;
    for (;;) {
        int r = multi_once(t, title, values, n, w, &m, &cur);
        if (r != DLG_RESIZED) {
            result = r;
            break;
        }
        if (!dlg_after_resize(t))
            break;
    }
    if (result == 1)
        *mask = m;
    return result;
}

static int multi_once(tui *t, const char *title, const char *const *values,
                      int n, int w, unsigned *mp, int *curp)
{
    static const char foot[] = "Space: select  Enter: apply  Esc: cancel";
    int vis = dlg_list_rows(n);
    dlg d;
    if (dlg_open(t, &d, vis + 4, w, title) < 0)
        return 0;
    unsigned m = *mp;
    int cur = *curp, top = 0, result = 0;
    for (;;) {
        if (cur < top) top = cur;
        if (cur >= top + vis) top = cur - vis + 1;
        for (int y = 0; y < vis; y++) {
            int i = top + y;
            char row[128];
            snprintf(row, sizeof row, " [%c] %s", (m >> i) & 1u ? 'x' : ' ', values[i]);
            tui_put(t, d.win, 1 + y, 1, d.w - 2, row, i == cur ? TR_LIST_CURSOR : TR_NORMAL);
        }
        tui_put(t, d.win, vis + 2, 2, d.w - 4, foot, TR_NOTDONE);
        int a = dlg_key(t, &d);
        if (a == DLG_STOP || a == ACT_DLG_CANCEL)
            break;
        if (a == DLG_RESIZED) {
            result = DLG_RESIZED;
            break;
        }
        if (a == ACT_DLG_DOWN && cur < n - 1) cur++;
        else if (a == ACT_DLG_UP && cur > 0) cur--;
        else if (a == ACT_DLG_PGDN) cur = cur + vis < n ? cur + vis : n - 1;
        else if (a == ACT_DLG_PGUP) cur = cur - vis > 0 ? cur - vis : 0;
        else if (a == ACT_DLG_TOGGLE) m ^= 1u << cur;
        else if (a == ACT_DLG_OK) {
            result = 1;
            break;
        }
    }
    *mp = m;
    *curp = cur;
    dlg_close(t, &d);
    return result;
}

int tui_choose(tui *t, const char *title, const char *const *items, int n,
               int initial)
{
    return run_menu(t, title, items, n, initial);
}

/* ---- line editor ------------------------------------------------------- */

/* Text fit for the form field as it is: printable UTF-8 only (database
 * text with control characters is not put on the terminal even here). */
static bool printable(const char *s)
{
    size_t n = strlen(s);
    if (!utf8_valid(s, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x20 || b == 0x7f)
            return false;
        if (b == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0)
            return false;       /* C1 */
    }
    return true;
}

static int prompt_once(tui *t, const char *title, const char *initial, char *buf,
                       size_t n, int (*check)(void *ctx, const char *text, char *err,
                                              size_t errn), void *ctx)
{
    int rows, cols;
    getmaxyx(stdscr, rows, cols);
    (void)rows;
    int w = cols - 8;
    if (w > 90) w = 90;
    dlg d;
    if (dlg_open(t, &d, 7, w, title) < 0)
        return 0;
    int fw = w - 4;
    FIELD *fields[2] = { new_field(1, fw, 0, 0, 0, 0), NULL };
    if (!fields[0]) {
        dlg_close(t, &d);
        return 0;
    }
    field_opts_off(fields[0], O_AUTOSKIP | O_STATIC);
    set_max_field(fields[0], (int)(n > 1 ? n - 1 : 1));
    set_field_back(fields[0], tui_attr(t, TR_LIST_CURSOR_INACTIVE));
    bool bad_initial = initial && *initial && !printable(initial);
    if (initial && !bad_initial)
        set_field_buffer(fields[0], 0, initial);
    FORM *f = new_form(fields);
    WINDOW *sub = derwin(d.win, 1, fw, 2, 2);
    set_form_win(f, d.win);
    set_form_sub(f, sub);
    post_form(f);
    form_driver(f, REQ_END_FIELD);
    tui_put(t, d.win, 5, 2, w - 4, "Enter: apply  Esc: cancel  Ctrl-u: clear", TR_NOTDONE);
    if (bad_initial)
        tui_put(t, d.win, 4, 2, w - 4, "the current value holds control characters; type a new one",
                TR_LEVEL_WARNING);
    curs_set(1);
    int result = 0;
    for (;;) {
        dlg_refresh(t, &d);
        pos_form_cursor(f);
        wrefresh(d.win);
        wint_t wch;
        int r = wget_wch(d.win, &wch);
        if (tui_interrupted())
            break;
        if (r == ERR)
            continue;
        if (r == KEY_CODE_YES) {
            switch (wch) {
            case KEY_RESIZE:
                /* keep what was typed for the dialog opened again */
                form_driver(f, REQ_VALIDATION);
                snprintf(buf, n, "%s", field_buffer(fields[0], 0));
                for (size_t l = strlen(buf); l > 0 && buf[l - 1] == ' ';)
                    buf[--l] = '\0';
                result = DLG_RESIZED;
                break;
            case KEY_LEFT: form_driver(f, REQ_PREV_CHAR); break;
            case KEY_RIGHT: form_driver(f, REQ_NEXT_CHAR); break;
            case KEY_HOME: form_driver(f, REQ_BEG_FIELD); break;
            case KEY_END: form_driver(f, REQ_END_FIELD); break;
            case KEY_BACKSPACE: form_driver(f, REQ_DEL_PREV); break;
            case KEY_DC: form_driver(f, REQ_DEL_CHAR); break;
            case KEY_ENTER: wch = '\n'; r = OK; break;
            default: break;
            }
            if (result == DLG_RESIZED)
                break;
            if (r == KEY_CODE_YES)
                continue;
        }
        if (wch == 27) {
            tui_note_esc(t);
            break;
        }
        if (wch == 127 || wch == 8) {
            form_driver(f, REQ_DEL_PREV);
            continue;
        }
        if (wch == 21) {                 /* Ctrl-u */
            form_driver(f, REQ_CLR_FIELD);
            continue;
        }
        if (wch == '\n' || wch == '\r') {
            form_driver(f, REQ_VALIDATION);
            snprintf(buf, n, "%s", field_buffer(fields[0], 0));
            size_t l = strlen(buf);
            while (l > 0 && buf[l - 1] == ' ')
                buf[--l] = '\0';
            char err[256] = "";
            if (check && check(ctx, buf, err, sizeof err) != 0) {
                /* Stay open with the text and the reason. */
                tui_put(t, d.win, 4, 2, w - 4, err, TR_ERROR);
                continue;
            }
            result = 1;
            break;
        }
        if (wch >= 32 && wch != 127 && !(wch >= 0x80 && wch < 0xa0))
            form_driver_w(f, OK, (wchar_t)wch);
    }
    curs_set(0);
    unpost_form(f);
    free_form(f);
    free_field(fields[0]);
    delwin(sub);
    dlg_close(t, &d);
    return result;
}

int tui_prompt(tui *t, const char *title, const char *initial, char *buf,
               size_t n, int (*check)(void *ctx, const char *text, char *err,
                                      size_t errn), void *ctx)
{
    char *text = NULL;          /* what was typed before a resize */
    int r;
    for (;;) {
        r = prompt_once(t, title, text ? text : initial, buf, n, check, ctx);
        if (r != DLG_RESIZED)
            break;
        free(text);
        text = strdup(buf);
        if (!dlg_after_resize(t)) {
            r = 0;
            break;
        }
    }
    free(text);
    return r;
}

static int confirm_once(tui *t, const char *question)
{
    int w = tt_width(question, t->utf8) + 6;
    if (w < 30) w = 30;
    dlg d;
    if (dlg_open(t, &d, 5, w, "Confirm") < 0)
        return 0;
    tui_put(t, d.win, 1, 2, w - 4, question, TR_NORMAL);
    tui_put(t, d.win, 3, 2, w - 4, "y: yes   n or Esc: no", TR_NOTDONE);
    int yes = 0;
    for (;;) {
        int a = dlg_key(t, &d);
        if (a == DLG_STOP)
            break;
        if (a == DLG_RESIZED) {
            yes = DLG_RESIZED;
            break;
        }
        if (a == ACT_DLG_YES) {
            yes = 1;
            break;
        }
        if (a == ACT_DLG_NO || a == ACT_DLG_CANCEL)
            break;
    }
    dlg_close(t, &d);
    return yes;
}

bool tui_confirm(tui *t, const char *question)
{
    for (;;) {
        int r = confirm_once(t, question);
        if (r != DLG_RESIZED)
            return r == 1;
        if (!dlg_after_resize(t))
            return false;
    }
}

/* ---- lines of text to scroll through ------------------------------------ */

/* The first line shown after a scrolling key of the main table (j/k,
 * PgDn/PgUp, half pages, g/G) over n lines, vis of them on screen; the
 * caller clamps it to the text. */
static int scrolled(key_action a, int top, int vis, int n)
{
    if (a == ACT_DOWN) return top + 1;
    if (a == ACT_UP) return top - 1;
    if (a == ACT_PGDN || a == ACT_HALFDN) return top + vis - 1;
    if (a == ACT_PGUP || a == ACT_HALFUP) return top - (vis - 1);
    if (a == ACT_TOP) return 0;
    if (a == ACT_BOTTOM) return n;
    return top;
}

/* Lines of text, each with its role: the help, the pager and the
 * questions draw from these. */
typedef struct {
    char **v;
    theme_role *r;
    int n, cap;
} wlines;

static void wl_add(wlines *w, const char *s, size_t len, theme_role r)
{
    if (w->n == w->cap) {
        int nc = w->cap ? w->cap * 2 : 64;
        char **nv = realloc(w->v, (size_t)nc * sizeof *nv);
        if (!nv)
            return;
        w->v = nv;
        theme_role *nr = realloc(w->r, (size_t)nc * sizeof *nr);
        if (!nr)
            return;
        w->r = nr;
        w->cap = nc;
    }
    if (!(w->v[w->n] = strndup(s, len)))
        return;
    w->r[w->n++] = r;
}

static void wl_free(wlines *w)
{
    for (int i = 0; i < w->n; i++)
        free(w->v[i]);
    free(w->v);
    free(w->r);
    memset(w, 0, sizeof *w);
}

/* ---- help, generated from the key table --------------------------------- */

typedef struct { wlines *h; const char *keys; bool first; } hl_wrap;

static void hl_wrap_line(void *ctx, const char *p, size_t len)
{
    hl_wrap *w = ctx;
    char line[600];
    int k = snprintf(line, sizeof line, "  %-22s %.*s", w->first ? w->keys : "",
                     (int)len, p);
    wl_add(w->h, line, k > 0 ? (size_t)k : 0, TR_NORMAL);
    w->first = false;
}

static void hl_entry(tui *t, wlines *h, const char *keys, const char *help,
                     int width)
{
    hl_wrap w = { h, keys, true };
    tt_wrap(help, width - 25 > 10 ? width - 25 : 10, t->utf8, hl_wrap_line, &w);
}

/* The help text for a given inner width: the key table by context. */
static void help_build(tui *t, void *ctx, wlines *h, int width)
{
    (void)ctx;
    for (int c = 0; c < KC_N; c++) {
        if (c)
            wl_add(h, "", 0, TR_NORMAL);
        const char *cn = keys_context_name((key_context)c);
        wl_add(h, cn, strlen(cn), TR_HEADER);
        const key_binding *b;
        for (int i = 0; (b = keys_nth_action((key_context)c, i)); i++) {
            char names[96];
            keys_names((key_context)c, b->action, names, sizeof names);
            hl_entry(t, h, names, b->help, width);
        }
    }
}


/* ---- questions with text, and a text viewer ----------------------------- */

typedef struct { wlines *w; theme_role r; bool first; } wl_ctx;

static void wl_line(void *ctx, const char *p, size_t len)
{
    wl_ctx *c = ctx;
    if (c->first) {
        wl_add(c->w, p, len, c->r);
    } else {
        /* continuation lines indented two columns */
        char *b = malloc(len + 3);
        if (!b)
            return;
        memcpy(b, "  ", 2);
        memcpy(b + 2, p, len);
        b[len + 2] = '\0';
        wl_add(c->w, b, len + 2, c->r);
        free(b);
    }
    c->first = false;
}

/* lines wrapped to width (an empty line stays one empty line) */
static void wrap_all(tui *t, wlines *w, const char *const *lines, const theme_role *roles,
                     int n, int width)
{
    for (int i = 0; i < n; i++) {
        theme_role r = roles ? roles[i] : TR_NORMAL;
        if (!lines[i] || !*lines[i]) {
            wl_add(w, "", 0, r);
            continue;
        }
        wl_ctx c = { w, r, true };
        tt_wrap(lines[i], width > 10 ? width : 10, t->utf8, wl_line, &c);
    }
}

static int ask_once(tui *t, const char *title, const char *const *lines, int nlines,
                    const char *const *answers, int nanswers, int *curp)
{
    int rows, cols;
    getmaxyx(stdscr, rows, cols);
    int w = cols - 6 > 90 ? 90 : cols - 6;
    wlines wl = { 0 };
    wrap_all(t, &wl, lines, NULL, nlines, w - 4);
    int vis = wl.n;
    int room = rows - 6 - nanswers;
    if (vis > room) vis = room > 1 ? room : 1;
    dlg d;
    if (dlg_open(t, &d, vis + nanswers + 5, w, title) < 0) {
        wl_free(&wl);
        return -1;
    }
    int cur = *curp, result = -1;
    for (;;) {
        for (int y = 0; y < vis; y++)
            tui_put(t, d.win, 1 + y, 2, w - 4, y < wl.n ? wl.v[y] : "", TR_NORMAL);
        for (int i = 0; i < nanswers; i++) {
            char row[256];
            snprintf(row, sizeof row, "%s%s", i == cur ? "> " : "  ", answers[i]);
            tui_put(t, d.win, vis + 2 + i, 2, w - 4, row, i == cur ? TR_LIST_CURSOR : TR_NORMAL);
        }
        tui_put(t, d.win, vis + 3 + nanswers, 2, w - 4, "Enter: choose  Esc: cancel", TR_NOTDONE);
        int a = dlg_key(t, &d);
        if (a == DLG_STOP || a == ACT_DLG_CANCEL)
            break;
        if (a == DLG_RESIZED) {
            result = DLG_RESIZED;
            break;
        }
        if (a == ACT_DLG_DOWN && cur < nanswers - 1) cur++;
        else if (a == ACT_DLG_UP && cur > 0) cur--;
        else if (a == ACT_DLG_OK) {
            result = cur;
            break;
        }
    }
    *curp = cur;
    dlg_close(t, &d);
    wl_free(&wl);
    return result;
}

int tui_ask(tui *t, const char *title, const char *const *lines, int nlines,
            const char *const *answers, int nanswers)
{
    int cur = 0;
    for (;;) {
        int r = ask_once(t, title, lines, nlines, answers, nanswers, &cur);
        if (r != DLG_RESIZED)
            return r;
        if (!dlg_after_resize(t))
            return -1;
    }
}

/* A text viewer over the whole screen: lines built for the width (again
 * after a resize), scrolled with the main table's keys; Esc or q closes
 * it, and so does ? for the help or Enter for the pager. */
typedef struct {
    const char *title;
    int   maxw;        /* the dialog's widest                           */
    int   margin;      /* columns between the border and the text       */
    bool  help;        /* the help: ? closes, no footer; else Enter closes
                          and a footer says where the view is         */
    void (*build)(tui *t, void *ctx, wlines *w, int width);
    void *ctx;
} viewer;

static void view(tui *t, const viewer *v)
{
    wlines wl = { 0 };
    dlg d;
    memset(&d, 0, sizeof d);
    int top = 0;
    bool open = false;
    for (;;) {
        if (!open) {
            int rows, cols;
            getmaxyx(stdscr, rows, cols);
            int w = cols - 4 > v->maxw ? v->maxw : cols - 4;
            if (dlg_open(t, &d, rows - 2, w, v->title) < 0)
                break;
            wl_free(&wl);
            v->build(t, v->ctx, &wl, w - 2 * v->margin);
            open = true;
        }
        int vis = d.h - (v->help ? 2 : 3);
        if (top > wl.n - vis) top = wl.n - vis;
        if (top < 0) top = 0;
        for (int y = 0; y < vis; y++)
            tui_put(t, d.win, 1 + y, v->margin, d.w - 2 * v->margin,
                    top + y < wl.n ? wl.v[top + y] : "",
                    top + y < wl.n ? wl.r[top + y] : TR_NORMAL);
        if (!v->help) {
            char foot[96];
            snprintf(foot, sizeof foot, "%d-%d of %d  j/k PgDn/PgUp g/G: scroll  Esc: back",
                     wl.n ? top + 1 : 0, top + vis < wl.n ? top + vis : wl.n, wl.n);
            tui_put(t, d.win, d.h - 2, 2, d.w - 4, foot, TR_NOTDONE);
        }
        dlg_refresh(t, &d);
        int ch = tui_getkey(t, d.win);
        key_action a = keys_lookup(KC_MAIN, ch);
        key_action da = keys_lookup(KC_DIALOG, ch);
        if (tui_interrupted() || da == ACT_DLG_CANCEL || a == ACT_QUIT ||
            (v->help ? a == ACT_HELP : da == ACT_DLG_OK))
            break;
        if (ch == KEY_RESIZE) {
            dlg_close(t, &d);
            open = false;
            if (!dlg_after_resize(t))
                break;
            continue;
        }
        top = scrolled(a, top, vis, wl.n);
    }
    if (open)
        dlg_close(t, &d);
    wl_free(&wl);
}

typedef struct {
    const char *const *lines;
    const theme_role *roles;
    int n;
} pager_text;

static void pager_build(tui *t, void *ctx, wlines *w, int width)
{
    const pager_text *p = ctx;
    wrap_all(t, w, p->lines, p->roles, p->n, width);
}

void tui_pager(tui *t, const char *title, const char *const *lines,
               const theme_role *roles, int n)
{
    pager_text p = { lines, roles, n };
    view(t, &(viewer){ .title = title, .maxw = 110, .margin = 2,
                       .build = pager_build, .ctx = &p });
}

void tui_help(tui *t)
{
    view(t, &(viewer){ .title = "Help: keys (j/k scroll; Esc, q or ? closes)",
                       .maxw = 100, .margin = 1, .help = true,
                       .build = help_build });
}
