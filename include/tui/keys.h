/* tui/keys.h - the key table of the interface: data, not switch statements.
 *
 * Every binding is one row (context, key, action).  The main loop looks
 * keys up here; the `?` help screen, the key-hint bar and the man-page
 * text (keys_print_man) are generated from the same rows, so they cannot
 * drift from what the keys do.  The fixed keys of ui.md are rows here. */
#ifndef IMT_KEYS_H
#define IMT_KEYS_H

#include <stdbool.h>
#include <stdio.h>

typedef enum {
    KC_MAIN,     /* the four panes                                      */
    KC_DIALOG,   /* menus, prompts, forms                               */
    KC_STATS,    /* the cohort statistics view (v)                      */
    KC_N
} key_context;

typedef enum {
    ACT_NONE,
    /* movement */
    ACT_DOWN, ACT_UP, ACT_TOP, ACT_BOTTOM, ACT_PGDN, ACT_PGUP,
    ACT_HALFDN, ACT_HALFUP, ACT_NEXT_PANE, ACT_PREV_PANE, ACT_FOCUS_DETAIL,
    ACT_FOCUS_LIST, ACT_EXPAND,
    /* filters (fixed, ui.md) */
    ACT_CYCLE_SITE, ACT_CYCLE_ALK, ACT_CYCLE_OUTCOME,
    ACT_MENU_SITE, ACT_MENU_ALK, ACT_MENU_OUTCOME, ACT_MENU_STATUS,
    ACT_SEARCH, ACT_CLEAR,
    /* views */
    ACT_STATS, ACT_HELP, ACT_QUIT, ACT_REDRAW,
    /* the project's own */
    ACT_SORT_NEXT, ACT_SORT_PREV, ACT_SORT_REVERSE,
    ACT_REVIEW, ACT_EDIT, ACT_EXPORT, ACT_THEME,
    ACT_CYCLE_DECISION, ACT_DECIDE, ACT_HISTORY, ACT_UNDO,
    ACT_COURSE, ACT_CYCLE_FOLLOWUP,
    /* dialogs */
    ACT_DLG_OK, ACT_DLG_CANCEL, ACT_DLG_TOGGLE, ACT_DLG_DOWN, ACT_DLG_UP,
    ACT_DLG_PGDN, ACT_DLG_PGUP, ACT_DLG_YES, ACT_DLG_NO,
    /* statistics view */
    ACT_SV_GROUP, ACT_SV_ENDPOINT, ACT_SV_PANE, ACT_SV_EXPORT, ACT_SV_CLOSE,
    ACT_SV_LINE, ACT_SV_AGENT,
    ACT_N
} key_action;

typedef struct {
    key_context ctx;
    int         key;      /* curses key code (KEY_*, or a character)    */
    const char *name;     /* how help shows it: "j", "Down", "Ctrl-d"   */
    key_action  action;
    const char *hint;     /* short label for the hint bar, NULL = none  */
    const char *help;     /* one line for `?` and the man page          */
} key_binding;

extern const key_binding key_table[];
extern const int key_table_n;

/* The action bound to key in ctx, or ACT_NONE. */
key_action keys_lookup(key_context ctx, int key);

/* First binding of action in ctx (for its name and help), or NULL. */
const key_binding *keys_find_action(key_context ctx, key_action a);

/* "j, Down" - every key name bound to a in ctx, comma-separated. */
const char *keys_names(key_context ctx, key_action a, char *buf, size_t n);

/* Context title for the help screen ("Main screen", "Dialogs"). */
const char *keys_context_name(key_context ctx);

/* Iterate the distinct actions of ctx in table order: returns the row of
 * the i-th distinct action (i from 0), or NULL past the end. */
const key_binding *keys_nth_action(key_context ctx, int i);

/* The key list as man-page text (.TP entries), one per action, in table
 * order, grouped by context with a .SS heading. */
void keys_print_man(FILE *f);

/* Which rows go on a hint bar of width columns: items "KEY LABEL"
 * separated by one space, "? Help" and "q Quit" first, then the others
 * in table order while they fit.  show[i] is set for table row i (nshow
 * entries).  Returns how many. */
int keys_hint_pick(int width, bool show[], int nshow);

/* The hint bar text for a width: "Tab Pane s Site ... ? Help q Quit"
 * (plain ASCII, in table order, the items keys_hint_pick chose). */
const char *keys_hint_bar(char *buf, size_t n, int width);

#endif
