/* tui/tui.h - the full-screen interface (ui.md, issue 3): the context every
 * part of it receives.  No globals: the one exception is the signal flag
 * in tui/tui.c (a static volatile sig_atomic_t, as signal handlers need). */
#ifndef IMT_TUI_H
#define IMT_TUI_H

#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <panel.h>
#include <stdbool.h>

#include "app/app.h"
#include "tui/layout.h"
#include "tui/listwin.h"
#include "core/rules.h"

/* Display roles; tui_attr() maps them to curses attributes. */
typedef enum {
    R_NORMAL, R_BORDER, R_BORDER_FOCUS, R_TITLE, R_HEADER, R_CURSOR,
    R_CURSOR_DIM, R_LABEL, R_DIM, R_POS, R_NEG, R_EQUIV, R_CRIT, R_WARN,
    R_INFO, R_SUGG, R_STATUS, R_HINT, R_HINT_KEY, R_ERROR,
    R_ALK_POS, R_ALK_NEG, R_ALK_UNK, R_AXIS, R_CURVE1, R_CURVE2, R_CURVE3,
    R_CURVE4, R_N
} tui_role;

/* One line of a text pane (detail, markers, recommendations). */
typedef struct {
    char     label[32];    /* ours, ASCII                                 */
    char    *value;        /* may hold database text: drawn via tuitext   */
    tui_role lrole, vrole;
    int      rec;          /* recommendation index the line belongs to, -1 */
    int      lw;           /* label column width of this line          */
} tui_line;

typedef struct {
    tui_line *v;
    int n, cap;
    int labelw;            /* label column width                          */
} tui_doc;

typedef struct tui {
    imt_app    *app;
    listwin    *lw;
    layout      lay;
    WINDOW     *win[PANE_N];
    WINDOW     *status, *hints;
    bool        small;          /* "terminal too small" on screen          */
    int         focus;          /* pane with the keyboard (PANE_*)         */
    int         right;          /* narrow layout: pane shown on the right  */
    int         scroll[PANE_N]; /* first line shown in the text panes      */
    bool        dirty[PANE_N];
    bool        dirty_status, dirty_hints;
    bool        utf8;           /* the locale's charset is UTF-8           */
    bool        ascii;          /* draw boxes in ASCII (--ascii, or no UTF-8) */
    bool        color;
    char        theme_name[64]; /* current theme (tui/theme.h)                 */
    attr_t      attr[R_N];
    /* recommendation pane */
    rules_config rcfg;
    rules_result *recs;
    char        rec_case[64];   /* case the recs were computed for         */
    unsigned    rec_gen;        /* data generation they belong to          */
    unsigned    data_gen;       /* bumped by every saved edit              */
    int         rec_sel;
    bool        rec_all;        /* every recommendation expanded           */
    bool        rec_open[RULES_MAX_RESULTS];
    tui_doc     doc[PANE_N];    /* built text of the text panes            */
    char        doc_case[PANE_N][64];
    unsigned    doc_gen[PANE_N];
    int         doc_width[PANE_N];
    /* list */
    unsigned    list_gen;       /* lw->gen last drawn                      */
    int         list_cur;       /* cursor row last drawn                   */
    char        msg[256];       /* one-shot message for the status line    */
    bool        msg_error;
    bool        unsaved;        /* an edit is open and not saved           */
    bool        quit;
    char        dbname[128];
} tui;

/* Entry from cli/cmd_tui.c. */
int tui_run(imt_app *app);

/* ---- shared between tui*.c ---- */
attr_t tui_attr(const tui *t, tui_role r);
void   tui_message(tui *t, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void   tui_touch_all(tui *t);     /* after an overlay closes             */
void   tui_draw_box(tui *t, WINDOW *w, bool focus, const char *title);
void   tui_put(tui *t, WINDOW *w, int y, int x, int width, const char *s,
               tui_role r);       /* database-safe text, padded          */
int    tui_apply_filter(tui *t, const imt_filter *f);
void   tui_relayout(tui *t);      /* after KEY_RESIZE                    */
void   tui_draw_pending(tui *t);  /* dirty panes, wnoutrefresh only      */
bool   tui_interrupted(void);     /* SIGTERM/SIGHUP/SIGINT arrived       */
void   tui_case_changed(tui *t);  /* the case under the cursor changed   */

/* tui/panes.c */
void   tui_draw_list(tui *t);
void   tui_draw_text_pane(tui *t, int pane);
void   tui_doc_free(tui_doc *d);
int    tui_pane_lines(tui *t, int pane);   /* lines of its built doc      */
void   tui_rec_move(tui *t, int delta);
void   tui_rec_toggle(tui *t);

/* tui/dialogs.c: every dialog returns with the screen underneath intact
 * (panels); Esc backs out without changing anything. */
int  tui_menu_multi(tui *t, const char *title, const char *const *values,
                    unsigned *mask);          /* 1 applied, 0 cancelled  */
int  tui_choose(tui *t, const char *title, const char *const *items, int n,
                int initial);                 /* index, or -1            */
/* Line editor (form library).  check(ctx, text, err, errn) may refuse
 * the text with a message; the dialog then stays open with it.  Returns
 * 1 with the text in buf, 0 when cancelled. */
int  tui_prompt(tui *t, const char *title, const char *initial, char *buf,
                size_t n, int (*check)(void *ctx, const char *text, char *err,
                                       size_t errn), void *ctx);
bool tui_confirm(tui *t, const char *question);
void tui_help(tui *t);
void tui_review(tui *t);
void tui_edit(tui *t);
void tui_export(tui *t);

#endif
