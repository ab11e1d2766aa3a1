/* tui/actions.h - what the interface changes or writes (src/tui/actions.c):
 * the review state (R), one field (e), the filtered cases to a CSV file
 * (x), decisions (d), the history (H), undo (u).  Each refuses on a read-only store and reports on the status line. */
#ifndef IMT_TUI_ACTIONS_H
#define IMT_TUI_ACTIONS_H

#include "tui/draw.h"

void tui_review(tui *t);
void tui_edit(tui *t);
void tui_export(tui *t);
void tui_decide(tui *t);    /* d: accept / override a recommendation   */
void tui_history(tui *t);   /* H: the case's audit trail, newest first  */
void tui_undo(tui *t);      /* u: undo the session's last saved edit    */
void tui_undo_free(tui *t);
/* C: the course of the case under the cursor: add, edit or remove an
 * event, each written through store_course_edit (checked against the
 * whole course, audited). */
void tui_course(tui *t);

#endif
