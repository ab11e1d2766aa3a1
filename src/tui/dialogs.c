/* tui/dialogs.c - menus (menu library), the line editor (form library),
 * confirm, help, review, edit and export.  Every dialog is a panel over
 * the panes, so closing it restores them without clearing the screen; Esc
 * backs out of each without changing anything. */
#include "tui/tui.h"
#include "io/atomicfile.h"

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

#include "io/csvexport.h"
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
    wbkgdset(d->win, ' ' | tui_attr(t, R_NORMAL));
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
        int ch = wgetch(stdscr);
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
    int ch = wgetch(d->win);
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
    set_menu_fore(m, tui_attr(t, R_CURSOR));
    set_menu_back(m, tui_attr(t, R_NORMAL));
    post_menu(m);
    if (initial >= 0 && initial < n)
        set_current_item(m, items[initial]);
    tui_put(t, d.win, vis + 2, 2, w - 4, "Enter: choose  Esc: cancel", R_DIM);
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
            tui_put(t, d.win, 1 + y, 1, d.w - 2, row, i == cur ? R_CURSOR : R_NORMAL);
        }
        tui_put(t, d.win, vis + 2, 2, d.w - 4, foot, R_DIM);
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
    set_field_back(fields[0], tui_attr(t, R_CURSOR_DIM));
    bool bad_initial = initial && *initial && !printable(initial);
    if (initial && !bad_initial)
        set_field_buffer(fields[0], 0, initial);
    FORM *f = new_form(fields);
    WINDOW *sub = derwin(d.win, 1, fw, 2, 2);
    set_form_win(f, d.win);
    set_form_sub(f, sub);
    post_form(f);
    form_driver(f, REQ_END_FIELD);
    tui_put(t, d.win, 5, 2, w - 4, "Enter: apply  Esc: cancel  Ctrl-u: clear", R_DIM);
    if (bad_initial)
        tui_put(t, d.win, 4, 2, w - 4, "the current value holds control characters; type a new one",
                R_WARN);
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
        if (wch == 27)
            break;
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
                tui_put(t, d.win, 4, 2, w - 4, err, R_ERROR);
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
    tui_put(t, d.win, 1, 2, w - 4, question, R_NORMAL);
    tui_put(t, d.win, 3, 2, w - 4, "y: yes   n or Esc: no", R_DIM);
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

/* ---- help, generated from the key table --------------------------------- */

typedef struct {
    char   **v;
    tui_role *r;
    int      n, cap;
} help_lines;

static void hl_add(help_lines *h, const char *text, size_t len, tui_role r)
{
    if (h->n == h->cap) {
        int nc = h->cap ? h->cap * 2 : 128;
        char **nv = realloc(h->v, (size_t)nc * sizeof *nv);
        if (!nv)
            return;
        h->v = nv;
        tui_role *nr = realloc(h->r, (size_t)nc * sizeof *nr);
        if (!nr)
            return;
        h->r = nr;
        h->cap = nc;
    }
    h->v[h->n] = strndup(text, len);
    h->r[h->n++] = r;
}

typedef struct { help_lines *h; const char *keys; bool first; } hl_wrap;

static void hl_wrap_line(void *ctx, const char *p, size_t len)
{
    hl_wrap *w = ctx;
    char line[600];
    int k = snprintf(line, sizeof line, "  %-22s %.*s", w->first ? w->keys : "",
                     (int)len, p);
    hl_add(w->h, line, k > 0 ? (size_t)k : 0, R_NORMAL);
    w->first = false;
}

static void hl_entry(tui *t, help_lines *h, const char *keys, const char *help,
                     int width)
{
    hl_wrap w = { h, keys, true };
    tt_wrap(help, width - 25 > 10 ? width - 25 : 10, t->utf8, hl_wrap_line, &w);
}

/* The help text for a given inner width: the key table by context. */
static void help_build(tui *t, help_lines *h, int width)
{
    for (int c = 0; c < KC_N; c++) {
        if (c)
            hl_add(h, "", 0, R_NORMAL);
        const char *cn = keys_context_name((key_context)c);
        hl_add(h, cn, strlen(cn), R_HEADER);
        const key_binding *b;
        for (int i = 0; (b = keys_nth_action((key_context)c, i)); i++) {
            char names[96];
            keys_names((key_context)c, b->action, names, sizeof names);
            hl_entry(t, h, names, b->help, width);
        }
    }
}

static void help_free(help_lines *h)
{
    for (int i = 0; i < h->n; i++)
        free(h->v[i]);
    free(h->v);
    free(h->r);
    memset(h, 0, sizeof *h);
}

void tui_help(tui *t)
{
    static const char title[] = "Help: keys (j/k scroll; Esc, q or ? closes)";
    help_lines h;
    memset(&h, 0, sizeof h);
    dlg d;
    memset(&d, 0, sizeof d);
    int top = 0;
    bool open = false;
    for (;;) {
        if (!open) {
            int rows, cols;
            getmaxyx(stdscr, rows, cols);
            int w = cols - 4 > 100 ? 100 : cols - 4;
            if (dlg_open(t, &d, rows - 2, w, title) < 0)
                break;
            help_free(&h);
            help_build(t, &h, w - 2);
            open = true;
        }
        int vis = d.h - 2;
        if (top > h.n - vis) top = h.n - vis;
        if (top < 0) top = 0;
        for (int y = 0; y < vis; y++)
            tui_put(t, d.win, 1 + y, 1, d.w - 2, top + y < h.n ? h.v[top + y] : "",
                    top + y < h.n ? h.r[top + y] : R_NORMAL);
        dlg_refresh(t, &d);
        int ch = wgetch(d.win);
        key_action a = keys_lookup(KC_MAIN, ch);
        /* Esc, or the keys that open help or quit, close it. */
        if (tui_interrupted() || keys_lookup(KC_DIALOG, ch) == ACT_DLG_CANCEL ||
            a == ACT_HELP || a == ACT_QUIT)
            break;
        if (ch == KEY_RESIZE) {
            dlg_close(t, &d);
            open = false;
            if (!dlg_after_resize(t))
                break;
            continue;
        }
        if (a == ACT_DOWN) top++;
        else if (a == ACT_UP) top--;
        else if (a == ACT_PGDN || a == ACT_HALFDN) top += vis - 1;
        else if (a == ACT_PGUP || a == ACT_HALFUP) top -= vis - 1;
        else if (a == ACT_TOP) top = 0;
        else if (a == ACT_BOTTOM) top = h.n;
    }
    if (open)
        dlg_close(t, &d);
    help_free(&h);
}

/* ---- review state ------------------------------------------------------ */

static bool refuse_readonly(tui *t, const char *what)
{
    if (!store_is_readonly(t->app->store))
        return false;
    tui_message(t, true, "read-only (--readonly): cannot %s", what);
    return true;
}

/* After a saved change: the row may move in the sort order, the panes
 * show the new values. */
static void after_save(tui *t, const char *id)
{
    t->data_gen++;
    lw_recount(t->lw);
    lw_reload(t->lw, id);
    tui_case_changed(t);
    t->dirty[PANE_LIST] = true;
    t->list_gen = t->lw->gen - 1;
}

void tui_review(tui *t)
{
    if (refuse_readonly(t, "set the review state"))
        return;
    const imt_case *c = lw_current(t->lw);
    if (!c) {
        tui_message(t, true, "no case under the cursor");
        return;
    }
    char id[64], title[600];
    snprintf(id, sizeof id, "%s", c->case_id);
    snprintf(title, sizeof title, "Review state of %s", id);
    int st = tui_choose(t, title, imt_review_values, REV_N, c->review_status);
    if (st < 0)
        return;
    char comment[512];
    snprintf(title, sizeof title, "Comment for %s -> %s (may be empty)", id,
             imt_review_values[st]);
    t->unsaved = true;
    int ok = tui_prompt(t, title, "", comment, sizeof comment, NULL, NULL);
    t->unsaved = false;
    if (ok != 1)
        return;
    int rc = store_set_review(t->app->store, id, st, comment[0] ? comment : NULL,
                              RULESET_VERSION);
    if (rc != STORE_OK) {
        tui_message(t, true, "review not saved: %s", store_errmsg(t->app->store));
        return;
    }
    after_save(t, id);
    tui_message(t, false, "%s: %s (audited, rule set %s)", id, imt_review_values[st],
                RULESET_VERSION);
}

/* ---- edit one field ------------------------------------------------------ */

/* An edit starts from the case as stored now (not the list's copy, which
 * may be older than someone else's change), checks the typed value as
 * import checks a cell, and saves only the fields edited
 * (store_update_fields), so a concurrent change to another field is
 * never written back.  When the value breaks a cross-field rule through
 * another field (a fusion needs its method, a cleared fusion needs its
 * method cleared, DOD needs a follow-up time...), that field is asked
 * for next and both are saved together; Esc at any step writes nothing. */
#define EDIT_CHAIN 4

typedef struct {
    tui *t;
    const imt_case *base;    /* as stored when the edit began */
    imt_case *work;          /* base with the values accepted so far */
    int chain[EDIT_CHAIN];   /* the fields edited, in order */
    int nchain;
    int field;               /* the field being typed */
    int next;                /* another field the rules need, or -1 */
    char why[300];           /* the rule that needs it */
    int nchanged;
} edit_ctx;

static bool editable(int f)
{
    return f != IMT_F_case_id && f != IMT_F_review_status && f != IMT_F_reviewer &&
           f != IMT_F_reviewed_at && !(imt_fields[f].flags & FF_DERIVED);
}

static int edit_check(void *ctx, const char *text, char *err, size_t errn)
{
    edit_ctx *e = ctx;
    imt_case c;
    imt_case_init(&c);
    if (imt_case_copy(&c, e->work) != 0) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    if (imt_field_parse_cell(&c, e->field, text, err, errn) != 0) {
        imt_case_clear(&c);
        return -1;
    }
    imt_case_derive(&c);
    int bad = -1;
    char msg[300];
    if (imt_case_crosscheck_new(e->base, &c, &bad, msg, sizeof msg)) {
        bool in_chain = bad == e->field;
        for (int i = 0; i < e->nchain; i++)
            in_chain = in_chain || e->chain[i] == bad;
        if (in_chain || !editable(bad) || e->nchain + 1 >= EDIT_CHAIN) {
            snprintf(err, errn, "%s", msg);
            imt_case_clear(&c);
            return -1;
        }
        /* accepted for now: the other field is asked for next */
        e->next = bad;
        snprintf(e->why, sizeof e->why, "%s", msg);
        e->chain[e->nchain++] = e->field;
        imt_case_clear(e->work);
        *e->work = c;
        return 0;
    }
    e->chain[e->nchain++] = e->field;
    int rc = store_update_fields(e->t->app->store, &c, e->chain, e->nchain, "edit",
                                 &e->nchanged);
    imt_case_clear(&c);
    if (rc != STORE_OK) {
        e->nchain--;
        snprintf(err, errn, "not saved: %s", store_errmsg(e->t->app->store));
        return -1;
    }
    e->next = -1;
    return 0;
}

void tui_edit(tui *t)
{
    if (refuse_readonly(t, "edit cases"))
        return;
    const imt_case *c = lw_current(t->lw);
    if (!c) {
        tui_message(t, true, "no case under the cursor");
        return;
    }
    /* Editable: everything but the id, the derived fields and the review
     * fields (R sets those, with a comment). */
    const char *labels[IMT_F_COUNT];
    int idx[IMT_F_COUNT];
    char lbuf[IMT_F_COUNT][64];
    int n = 0;
    for (int f = 0; f < imt_nfields && f < IMT_F_COUNT; f++) {
        if (!editable(f))
            continue;
        snprintf(lbuf[n], sizeof lbuf[n], "%-22s %s", imt_fields[f].label,
                 imt_fields[f].name);
        labels[n] = lbuf[n];
        idx[n++] = f;
    }
    char id[64];
    snprintf(id, sizeof id, "%s", c->case_id);
    imt_case base, work;
    if (store_get(t->app->store, id, &base) != STORE_OK) {
        tui_message(t, true, "cannot edit %s: %s", id, store_errmsg(t->app->store));
        return;
    }
    imt_case_init(&work);
    if (imt_case_copy(&work, &base) != 0) {
        imt_case_clear(&base);
        tui_message(t, true, "out of memory");
        return;
    }
    char title[1400];
    snprintf(title, sizeof title, "Edit %s: which field?", id);
    int k = tui_choose(t, title, labels, n, 0);
    edit_ctx e;
    memset(&e, 0, sizeof e);
    e.t = t;
    e.base = &base;
    e.work = &work;
    e.next = k < 0 ? -1 : idx[k];
    int ok = 0;
    t->unsaved = true;
    while (e.next >= 0) {
        int f = e.field = e.next;
        e.next = -1;
        char cur[4096], out[4096];
        imt_field_format(&work, f, cur, sizeof cur);
        const char *const *vals = imt_fields[f].values;
        char allowed[512] = "";
        if (vals) {
            size_t l = 0;
            for (int i = 0; vals[i] && l + 32 < sizeof allowed; i++)
                l += (size_t)snprintf(allowed + l, sizeof allowed - l, "%s%s",
                                      i ? "/" : "", vals[i]);
        }
        if (e.nchain == 0)
            snprintf(title, sizeof title, "%s: %s%s%s (empty = unknown)", id,
                     imt_fields[f].name, allowed[0] ? " " : "", allowed);
        else
            snprintf(title, sizeof title, "%s: now %s%s%s, as the new %s needs (%s)", id,
                     imt_fields[f].name, allowed[0] ? " " : "", allowed,
                     imt_fields[e.chain[e.nchain - 1]].name, e.why);
        ok = tui_prompt(t, title, cur, out, sizeof out, edit_check, &e);
        if (ok != 1)
            break;
    }
    t->unsaved = false;
    if (ok == 1) {
        after_save(t, id);
        char names[200] = "";
        size_t l = 0;
        for (int i = 0; i < e.nchain && l < sizeof names - 40; i++)
            l += (size_t)snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "",
                                  imt_fields[e.chain[i]].name);
        if (e.nchanged)
            tui_message(t, false, "%s: %s saved (audited)", id, names);
        else
            tui_message(t, false, "%s: %s unchanged", id, names);
    } else if (e.nchain > 0) {
        tui_message(t, false, "%s: edit cancelled; nothing saved", id);
    }
    imt_case_clear(&work);
    imt_case_clear(&base);
}

/* ---- export ---------------------------------------------------------------- */

/* The filtered cases, in the list's order, through the one CSV writer
 * (io/csvexport.h: the same columns, quoting and line ends as `imtreview
 * export`).  Written to a temporary file next to the target, flushed to
 * disk and renamed over it, so a failed export never leaves half a file
 * under the chosen name; a new file gets mode 0600, a replaced one keeps
 * its mode. */
typedef struct { FILE *f; const csvexp_opts *o; long n; } exp_ctx;

static int exp_row(void *ctx, const imt_case *c)
{
    exp_ctx *e = ctx;
    if (csvexp_row(e->f, c, e->o) != 0)
        return 1;
    e->n++;
    return 0;
}

/* Write the export into path atomically (io/atomicfile.h).  Returns the
 * number of cases, or -1 with a reason in err. */
static long export_file(tui *t, const char *path, char *err, size_t errn)
{
    atomic_file af;
    if (af_open(&af, path) != 0) {
        snprintf(err, errn, "cannot create a temporary file beside it: %s",
                 strerror(errno));
        return -1;
    }
    csvexp_opts o;
    memset(&o, 0, sizeof o);
    exp_ctx e = { af.f, &o, 0 };
    errno = 0;
    int rc = csvexp_header(af.f, &o) != 0 ? 1
           : store_foreach(t->app->store, &t->lw->filter, t->lw->sort, exp_row, &e);
    if (rc != 0) {
        int werr = errno;
        af_abort(&af);
        if (rc < 0)
            snprintf(err, errn, "database error: %s", store_errmsg(t->app->store));
        else
            snprintf(err, errn, "%s", strerror(werr ? werr : EIO));
        return -1;
    }
    if (af_commit(&af) != 0) {
        snprintf(err, errn, "%s", strerror(errno));
        return -1;
    }
    return e.n;
}

void tui_export(tui *t)
{
    char name[1024];
    if (tui_prompt(t, "Export the filtered cases to CSV file", "imtreview-export.csv",
                   name, sizeof name, NULL, NULL) != 1 || !name[0])
        return;
    struct stat st;
    bool existed = stat(name, &st) == 0;
    if (existed && !S_ISREG(st.st_mode)) {
        tui_message(t, true, "export: %s is not a regular file; nothing written", name);
        return;
    }
    if (existed && !tui_confirm(t, "The file exists. Replace it?"))
        return;
    char err[512] = "";
    long n = export_file(t, name, err, sizeof err);
    if (n < 0) {
        tui_message(t, true, "export to %s failed: %s; %s", name, err,
                    existed ? "the file is unchanged" : "no file was written");
        return;
    }
    tui_message(t, false, "exported %ld case%s to %s", n, n == 1 ? "" : "s", name);
}
