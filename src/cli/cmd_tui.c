/* cli/cmd_tui.c - `imtreview` with no subcommand: the full-screen interface. */
#include "cli/cli.h"
#include "tui/tui.h"

int cmd_tui(imt_app *app, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return tui_run(app);
}
