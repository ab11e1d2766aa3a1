/* cli/opts.c - a subcommand's options read with getopt_long from its
 * table (cli/opts.h). */
#define _GNU_SOURCE
#include "cli/opts.h"
#include "cli/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* getopt_long values: the command's own options are CLI_VAL + their
 * index (a short letter maps back to its index); FILTERS keep val 0, as
 * CLI_FILTER_LONGOPTS has them, so an abbreviation shared only by
 * filters (--s) still means the first of them (--site), as it always
 * did. */
enum { CLI_VAL_HELP = 0x1ff, CLI_VAL = 0x200 };

static const struct option filter_opts[] = { CLI_FILTER_LONGOPTS };
static const struct option global_opts[] = { APP_GLOBAL_OPTIONS };
#define NFILTER_OPTS ((int)(sizeof filter_opts / sizeof filter_opts[0]))
#define NGLOBAL_OPTS ((int)(sizeof global_opts / sizeof global_opts[0]))

static int take(imt_app *app, const cli_opt *o, const char *value)
{
    switch (o->kind) {
    case CLI_FLAG:
        *(bool *)o->dest = true;
        return EXIT_OK;
    case CLI_TEXT:
        *(const char **)o->dest = value;
        return EXIT_OK;
    case CLI_CHECK:
        return o->check(app, value, o->dest);
    }
    return EXIT_USAGE;
}

int cli_parse(imt_app *app, const cli_spec *spec, int argc, char **argv)
{
    /* filters, the command's own, --help, the global options: the order
     * the commands' tables always had (getopt lists an ambiguous
     * abbreviation's possibilities in it) */
    struct option lo[NFILTER_OPTS + CLI_MAX_OPTS + 1 + NGLOBAL_OPTS + 1];
    char letters[2 * CLI_MAX_OPTS + 2];
    int n = 0, nl = 0, nown = 0;
    if (spec->filter)
        for (int i = 0; i < NFILTER_OPTS; i++)
            lo[n++] = filter_opts[i];
    for (const cli_opt *o = spec->opts; o && o->name; o++, nown++) {
        if (nown == CLI_MAX_OPTS) {
            app_error(app, NULL, "internal error: more than %d options", CLI_MAX_OPTS);
            return EXIT_FAIL;
        }
        bool value = o->kind != CLI_FLAG;
        lo[n++] = (struct option){ o->name, value ? required_argument : no_argument,
                                   NULL, CLI_VAL + nown };
        if (o->letter) {
            letters[nl++] = o->letter;
            if (value)
                letters[nl++] = ':';
        }
    }
    if (spec->dash_h)
        letters[nl++] = 'h';
    letters[nl] = '\0';
    lo[n++] = (struct option){ "help", no_argument, NULL, CLI_VAL_HELP };
    for (int i = 0; i < NGLOBAL_OPTS; i++)
        lo[n++] = global_opts[i];
    lo[n] = (struct option){ NULL, 0, NULL, 0 };

    optind = 0;        /* a full reset: each command starts afresh */
    opterr = 1;        /* getopt says what was wrong, naming argv[0] */
    int ch, li;
    while ((ch = getopt_long(argc, argv, letters, lo, &li)) != -1) {
        if (ch == 0) {                               /* a filter */
            if (cli_filter_option(app, spec->filter, lo[li].name, optarg) < 0)
                return EXIT_USAGE;
            continue;
        }
        if (ch == CLI_VAL_HELP || (ch == 'h' && spec->dash_h)) {
            fputs(spec->usage, app->out);
            return EXIT_OK;
        }
        if (app_global_option(app, ch, optarg))
            continue;
        const cli_opt *o = NULL;
        if (ch >= CLI_VAL && ch < CLI_VAL + nown)
            o = &spec->opts[ch - CLI_VAL];
        else if (ch > 0 && ch < 0x80 && ch != '?' && ch != ':')
            for (const cli_opt *p = spec->opts; p && p->name; p++)
                if (p->letter == ch)
                    o = p;
        if (!o) {                /* unknown, or its value missing */
            fputs(spec->usage, app->err);
            return EXIT_USAGE;
        }
        int rc = take(app, o, optarg);
        if (rc != EXIT_OK)
            return rc;
    }
    return CLI_GO_ON;
}

int cli_usage_error(imt_app *app, const char *cmd, const char *usage,
                    const char *fmt, ...)
{
    /* app_error's line ("imtreview CMD: ..."), then the usage */
    va_list ap;
    va_start(ap, fmt);
    fprintf(app->err, "%s %s: ", app->progname, cmd);
    vfprintf(app->err, fmt, ap);
    va_end(ap);
    fputc('\n', app->err);
    fputs(usage, app->err);
    return EXIT_USAGE;
}
