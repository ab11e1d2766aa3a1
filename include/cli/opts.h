/* cli/opts.h - the options of a subcommand, read once for all of them.
 *
 * A command describes its options in a table (name, whether it takes a
 * value, where the value goes) and calls cli_parse(), which reads them
 * with getopt_long and adds what every command shares:
 *   --help      the usage on standard output, exit 0;
 *   --db PATH, --readonly
 *               the global options, also taken after the command's name
 *               (app_global_option);
 *   FILTERS     --site, --alk, ... into a filter (cli_filter_option),
 *               when the command takes them.
 * An unknown option or a missing value is one usage error everywhere:
 * getopt's message naming the command ("imtreview list: option '--site'
 * requires an argument": cli_main puts "imtreview COMMAND" in argv[0]),
 * then the command's usage on stderr, exit 2.
 *
 * getopt_long rather than a loop of our own: it is what the commands
 * always used, so nothing a user types changes meaning (unambiguous
 * abbreviations such as --dry, --opt=VALUE, options after the operands,
 * `--` to end them), and its messages are the ones cli.md's tests check. */
#ifndef IMT_CLI_OPTS_H
#define IMT_CLI_OPTS_H

#include <stdbool.h>

#include "app/app.h"
#include "core/filter.h"

typedef enum {
    CLI_FLAG,    /* no value: *(bool *)dest = true                       */
    CLI_TEXT,    /* a value: *(const char **)dest = the value (in argv)  */
    CLI_CHECK    /* a value handed to check(app, value, dest), which
                    stores it; EXIT_OK, or EXIT_USAGE after its message  */
} cli_opt_kind;

typedef struct {
    const char  *name;       /* "json" for --json; NULL ends the table    */
    char         letter;     /* a short form (-o), 0 for none             */
    cli_opt_kind kind;
    void        *dest;
    int        (*check)(imt_app *app, const char *value, void *dest);
} cli_opt;

typedef struct {
    const char    *usage;    /* the command's --help text                 */
    const cli_opt *opts;     /* its own options (may be NULL)             */
    imt_filter    *filter;   /* takes FILTERS into *filter; NULL: no      */
    bool           dash_h;   /* -h is --help too                          */
} cli_spec;

#define CLI_GO_ON (-1)
#define CLI_MAX_OPTS 24      /* options of one command's own table        */

/* Read the options of argv (argv[0] the command).  Returns CLI_GO_ON
 * with optind at the first operand (getopt moves the operands after the
 * options), or the exit status the command returns at once: EXIT_OK
 * after --help, EXIT_USAGE after a usage error (said). */
int cli_parse(imt_app *app, const cli_spec *spec, int argc, char **argv);

/* A usage error found after the options (operands, options that do not
 * go together): "imtreview CMD: message" and the usage on stderr.
 * Returns EXIT_USAGE. */
int cli_usage_error(imt_app *app, const char *cmd, const char *usage,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
