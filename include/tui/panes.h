/* tui/panes.h - the case list and the three text panes (detail, markers,
 * recommendations), and the screen around them: the layout of the pane
 * windows, the status line and the key hints (src/tui/panes.c). */
#ifndef IMT_TUI_PANES_H
#define IMT_TUI_PANES_H

#include "tui/draw.h"

void   tui_draw_list(tui *t);
void   tui_draw_text_pane(tui *t, int pane);
void   tui_doc_free(tui_doc *d);
int    tui_pane_lines(tui *t, int pane);   /* lines of its built doc      */
void   tui_rec_move(tui *t, int delta);
void   tui_rec_toggle(tui *t);

void   tui_relayout(tui *t);      /* after KEY_RESIZE                    */
void   tui_free_windows(tui *t);
void   tui_draw_status(tui *t);   /* the status line, wnoutrefresh only  */
void   tui_draw_pending(tui *t);  /* dirty panes, wnoutrefresh only      */

#endif
