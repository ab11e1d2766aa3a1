/* tui/dialogs.h - the interface's widgets (src/tui/dialogs.c): every
 * dialog returns with the screen underneath intact (panels); Esc backs out
 * without changing anything.  No dialog changes the data. */
#ifndef IMT_TUI_DIALOGS_H
#define IMT_TUI_DIALOGS_H

#include <stddef.h>
#include "tui/draw.h"

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
/* A question: text lines (database text allowed: drawn safely) above a
 * list of answers.  Returns the answer's index, or -1 for Esc. */
int  tui_ask(tui *t, const char *title, const char *const *lines, int nlines,
             const char *const *answers, int nanswers);
/* A scrollable view of text lines, each wrapped to the width in its role
 * (roles NULL: all normal): j/k, PgDn/PgUp, g/G scroll; Esc, q or Enter
 * close it. */
void tui_pager(tui *t, const char *title, const char *const *lines,
               const theme_role *roles, int n);
void tui_help(tui *t);

#endif
