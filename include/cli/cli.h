/* cli/cli.h - global options and subcommand dispatch (spec/cli.md). */
#ifndef IMT_CLI_H
#define IMT_CLI_H

#include <jansson.h>
#include "app/app.h"

#define IMT_VERSION "0.1.0"

/* Parse global options, pick the subcommand and run it; returns the exit
 * status. */
int cli_main(int argc, char **argv);

/* A subcommand: argv[0] is "imtreview NAME" (getopt's messages name it);
 * its options are read by cli_parse (cli/opts.h).  Returns an exit
 * status. */
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
int cmd_decide(imt_app *app, int argc, char **argv);
int cmd_edit(imt_app *app, int argc, char **argv);
int cmd_audit(imt_app *app, int argc, char **argv);
int cmd_check(imt_app *app, int argc, char **argv);
int cmd_backup(imt_app *app, int argc, char **argv);
int cmd_copy(imt_app *app, int argc, char **argv);
int cmd_pgroles(imt_app *app, int argc, char **argv);
int cmd_tui(imt_app *app, int argc, char **argv);    /* no subcommand */
/* import --events FILE.csv (src/cli/cmd_import_events.c) */
int cmd_import_events(imt_app *app, const char *path, bool dry_run, bool replace,
                      bool ignore_unknown);

/* Shared option handling for FILTERS (cli.md).  If opt is one of the
 * filter option names ("site", "alk", "outcome", "status", "search"),
 * applies value to f and returns 1; returns 0 when opt is not a filter
 * option; on a bad value prints a usage error and returns -1. */
int cli_filter_option(imt_app *app, imt_filter *f, const char *opt,
                      const char *value);
/* The getopt_long entries for FILTERS (cli_parse adds them for a command
 * that takes FILTERS); long option names only, val = 0. */
#define CLI_FILTER_LONGOPTS \
    { "site", 1, NULL, 0 }, { "alk", 1, NULL, 0 }, { "outcome", 1, NULL, 0 }, \
    { "status", 1, NULL, 0 }, { "search", 1, NULL, 0 }, { "decision", 1, NULL, 0 }, \
    { "followup", 1, NULL, 0 }
#define CLI_FILTER_HELP \
    "  --site LIST        site group(s): lung, head_neck, abdomen_pelvis,\n" \
    "                     retroperitoneum, genitourinary, trunk_limbs,\n" \
    "                     thorax_other, cns, other\n" \
    "  --alk LIST         ALK status: positive, negative, unknown\n" \
    "  --outcome LIST     NED, AWD, DOD, DOC, LOST\n" \
    "  --status LIST      review state: unreviewed, in_review, signed_out\n" \
    "  --decision LIST    undecided (a recommendation that needs a decision has\n" \
    "                     no current one), stale (a decision went stale), decided\n" \
    "  --search TEXT      case-insensitive substring of case id, site detail, notes\n" \
    "  --followup LIST    the follow-up worklist: due (next_due on or before today\n" \
    "                     + the schedule's window, overdue ones included), overdue\n" \
    "                     (next_due before today)\n"

/* A free-text option (a comment, a reason): valid UTF-8 of at most max
 * characters.  EXIT_OK, or EXIT_USAGE after a message naming opt. */
int cli_check_text(imt_app *app, const char *cmd, const char *opt, const char *text,
                   size_t max);
#define CLI_COMMENT_MAX 2000

/* A store call about case id that failed with rc: "no case 'ID'" for
 * STORE_NOTFOUND, else the store's message.  Returns EXIT_FAIL. */
int cli_case_error(imt_app *app, const char *cmd, int rc, const char *id);

/* --json: print one object (compact, ASCII) and a newline, and free it.
 * 0, or -1 when it could not be written (o NULL: out of memory, said). */
int cli_emit_json(imt_app *app, const char *cmd, json_t *o);
/* A JSON string of text from the database (invalid UTF-8 as U+FFFD), or
 * null for NULL. */
json_t *cli_jstr(const char *s);

#endif
