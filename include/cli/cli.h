/* cli/cli.h - global options and subcommand dispatch (spec/cli.md). */
#ifndef IMT_CLI_H
#define IMT_CLI_H

#define IMT_VERSION "0.1.0"

/* Parse global options, pick the subcommand and run it; returns the exit
 * status. */
int cli_main(int argc, char **argv);

#endif
