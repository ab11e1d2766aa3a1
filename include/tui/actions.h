/* tui/actions.h - what the interface changes or writes (src/tui/actions.c):
 * the review state (R), one field (E), the filtered cases to a CSV file
 * (X).  Each refuses on a read-only store and reports on the status line. */
#ifndef IMT_TUI_ACTIONS_H
#define IMT_TUI_ACTIONS_H

#include "tui/draw.h"

void tui_review(tui *t);
void tui_edit(tui *t);
void tui_export(tui *t);
/* C: the course of the case under the cursor: add, edit or remove an
 * event, each written through store_course_edit (checked against the
 * whole course, audited). */
void tui_course(tui *t);

#endif
