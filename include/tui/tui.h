/* tui/tui.h - the full-screen interface (ui.md, issue 3): terminal set-up
 * and the main loop (src/tui/tui.c).  Below it: tui/actions.h (what the
 * interface changes), tui/dialogs.h (widgets), tui/panes.h (the panes and
 * the screen's geometry), tui/draw.h (the context and drawing primitives). */
#ifndef IMT_TUI_H
#define IMT_TUI_H

#include "app/app.h"

/* Entry from cli/cmd_tui.c. */
int tui_run(imt_app *app);

#endif
