/* tui/draw.h - the drawing layer of the interface: the context every part
 * of it receives (struct tui) and the primitives the panes and the dialogs
 * draw with (src/tui/draw.c).  Everything on screen is coloured by a role
 * of the theme (theme_role, tui/theme.h): one list of roles, named as the
 * theme files name them.  No globals: the one exception is the signal
 * flag (a volatile sig_atomic_t, as signal handlers need). */
#ifndef IMT_TUI_DRAW_H
#define IMT_TUI_DRAW_H

#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <panel.h>
#include <signal.h>
#include <stdbool.h>

#include "app/app.h"
#include "tui/layout.h"
#include "tui/listwin.h"
#include "tui/theme.h"
#include "core/rules.h"
#include "store/store.h"

/* One line of a text pane (detail, markers, recommendations). */
typedef struct {
    char     label[32];    /* ours, ASCII                                 */
    char    *value;        /* may hold database text: drawn via tuitext   */
    theme_role lrole, vrole;
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
    attr_t      attr[TR_N];
    /* recommendation pane */
    rules_config rcfg;
    rules_result *recs;
    char        rec_case[64];   /* case the recs were computed for         */
    unsigned    rec_gen;        /* data generation they belong to          */
    unsigned    data_gen;       /* bumped by every saved edit              */
    int         rec_sel;
    bool        rec_all;        /* every recommendation expanded           */
    store_decision *decs;       /* the latest decision per rule of rec_case */
    int         ndecs;
    /* this session's saved edits, the last on top (u undoes it) */
    struct tui_undo {
        imt_case before, after; /* the case before and after the edit     */
        int fields[IMT_F_COUNT];
        int nf;
    } *undo;
    int         nundo;
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
    long long   msg_until;      /* monotonic ms after which msg goes (0: at
                                   the next key)                          */
    long long   change_mark;    /* store_changes_since's position          */
    bool        unsaved;        /* an edit is open and not saved           */
    bool        quit;
    char        dbname[128];
    long long   esc_ms;         /* monotonic time of the last Esc key read */
    /* the course of the case under the cursor (detail pane, rules) */
    imt_course  course;
    char        course_case[64];
    unsigned    course_gen;
    bool        course_have;    /* course_case/course_gen are valid        */
    bool        course_failed;  /* the store could not give it             */
    /* F: the sort the list had before the worklist took over */
    imt_sort    sort_before_fu;
    bool        fu_sorted;
} tui;

/* The course of case c (cached per case and data generation): never NULL;
 * empty, with t->course_failed set, when the store cannot give it. */
const imt_course *tui_course_of(tui *t, const imt_case *c);

/* Every key of the interface is read here (the prompt's wide-character
 * reads call tui_note_esc).  Over a slow link an arrow key's ESC [ A can
 * arrive split: ncurses gives a lone Esc after ESCDELAY, then '[' and 'A'
 * as keys ('A' would open the ALK menu).  A '[' or 'O' read within
 * TUI_SPLIT_MS of an Esc starts such a tail: a '[' (a key bound to
 * nothing) takes its CSI parameter bytes and final byte with it, an 'O'
 * followed at once by an SS3 final (A-D, H, F, P-S) is dropped with it,
 * and the next key is read (within the window's own timeout).  An 'O' typed on its own
 * still opens the outcome menu. */
#define TUI_SPLIT_MS 1000
int  tui_getkey(tui *t, WINDOW *w);
void tui_note_esc(tui *t);

/* Set by SIGTERM/SIGHUP/SIGINT once tui_install_signals ran (without
 * SA_RESTART, so a blocked getch returns and the loop restores the
 * terminal itself: endwin is not signal-safe). */
extern volatile sig_atomic_t tui_signalled;
void   tui_install_signals(struct sigaction *old);      /* old[3] */
void   tui_restore_signals(const struct sigaction *old);
bool   tui_interrupted(void);     /* SIGTERM/SIGHUP/SIGINT arrived       */

/* Load theme name (the theme module always leaves a usable theme and
 * says why in the status message when it had to fall back) and put its
 * roles' curses attributes in t->attr. */
void   tui_set_theme(tui *t, const char *name);
attr_t tui_attr(const tui *t, theme_role r);
int    tui_sv_attr(void *ctx, theme_role r);  /* tui_attr for statsview_env */
void   tui_message(tui *t, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void   tui_touch_all(tui *t);     /* after an overlay closes             */
/* Right after newterm: makes ncurses' panel library allocate, here and
 * once, the pseudo panel of stdscr that it never frees (32 bytes, freed
 * only by ncurses' debug builds).  The leak then always has this
 * function in its stack, and the suppressions (tests/valgrind.supp,
 * LeakSanitizer's in tui.c) name it, not new_panel: a panel of ours that
 * leaked is still reported. */
void   tui_panels_init(void);
void   tui_draw_box(tui *t, WINDOW *w, bool focus, const char *title);
void   tui_put(tui *t, WINDOW *w, int y, int x, int width, const char *s,
               theme_role r);     /* database-safe text, padded          */
void   tui_case_changed(tui *t);  /* the case under the cursor changed   */
long long tui_now_ms(void);       /* monotonic milliseconds                */
#define TUI_UNDO_MAX 32

#endif
