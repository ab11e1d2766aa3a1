/* cli/cli.h - global options and subcommand dispatch (spec/cli.md). */
#ifndef IMT_CLI_H
#define IMT_CLI_H

#include "app/app.h"

#define IMT_VERSION "0.1.0"

/* Parse global options, pick the subcommand and run it; returns the exit
 * status. */
int cli_main(int argc, char **argv);

/* A subcommand: argv[0] is the subcommand name; getopt-style parsing is
 * the command's own.  Returns an exit status. */
typedef struct {
    const char *name;
    int (*run)(imt_app *app, int argc, char **argv);
    const char *synopsis;   /* one line for `imtreview --help` */
} imt_command;

/* Commands, each in its own src/cli/cmd_*.c. */
int cmd_import(imt_app *app, int argc, char **argv);
int cmd_export(imt_app *app, int argc, char **argv);
int cmd_list(imt_app *app, int argc, char **argv);
int cmd_show(imt_app *app, int argc, char **argv);
int cmd_recommend(imt_app *app, int argc, char **argv);
int cmd_rules(imt_app *app, int argc, char **argv);
int cmd_stats(imt_app *app, int argc, char **argv);
int cmd_review(imt_app *app, int argc, char **argv);
int cmd_audit(imt_app *app, int argc, char **argv);
int cmd_check(imt_app *app, int argc, char **argv);
int cmd_backup(imt_app *app, int argc, char **argv);
int cmd_copy(imt_app *app, int argc, char **argv);
int cmd_pgroles(imt_app *app, int argc, char **argv);
int cmd_tui(imt_app *app, int argc, char **argv);    /* no subcommand */

/* Shared option handling for FILTERS (cli.md).  If opt is one of the
 * filter option names ("site", "alk", "outcome", "status", "search"),
 * applies value to f and returns 1; returns 0 when opt is not a filter
 * option; on a bad value prints a usage error and returns -1. */
int cli_filter_option(imt_app *app, imt_filter *f, const char *opt,
                      const char *value);
/* The getopt_long entries for FILTERS, to splice into a command's table;
 * long option names only, val = 0. */
#define CLI_FILTER_LONGOPTS \
    { "site", 1, NULL, 0 }, { "alk", 1, NULL, 0 }, { "outcome", 1, NULL, 0 }, \
    { "status", 1, NULL, 0 }, { "search", 1, NULL, 0 }
#define CLI_FILTER_HELP \
    "  --site LIST        site group(s): lung, head_neck, abdomen_pelvis,\n" \
    "                     retroperitoneum, genitourinary, trunk_limbs,\n" \
    "                     thorax_other, cns, other\n" \
    "  --alk LIST         ALK status: positive, negative, unknown\n" \
    "  --outcome LIST     NED, AWD, DOD, DOC, LOST\n" \
    "  --status LIST      review state: unreviewed, in_review, signed_out\n" \
    "  --search TEXT      case-insensitive substring of case id, site detail, notes\n"

#endif
