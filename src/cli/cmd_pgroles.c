/* cli/cmd_pgroles.c - `imtreview pg-roles`: print the SQL a DBA runs once
 * per PostgreSQL database: the roles (owner, reviewer, reader), the
 * schema and its tables, the grants (store_admin_script). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"

static const char usage[] =
    "Usage: imtreview pg-roles\n"
    "Print the SQL script that prepares a PostgreSQL database for imtreview:\n"
    "the group roles imtreview_owner (owns the schema; upgrades it),\n"
    "imtreview_reviewer (reads, imports, edits, reviews; may not change or\n"
    "delete audit rows) and imtreview_reader (reads only), the schema\n"
    "\"imtreview\" with its tables, and their privileges.  Run it once per\n"
    "database as a superuser:\n"
    "  imtreview pg-roles | sudo -u postgres psql -v ON_ERROR_STOP=1 -d DBNAME\n"
    "then give each person a login role in one of the groups.  Running it\n"
    "again changes nothing.  See imtreview(1), POSTGRESQL.\n"
    "Exit status: 0 printed, 1 the output could not be written, 2 usage error.\n";

int cmd_pgroles(imt_app *app, int argc, char **argv)
{
    const cli_spec spec = { .usage = usage, .dash_h = true };
    int prc = cli_parse(app, &spec, argc, argv);
    if (prc != CLI_GO_ON)
        return prc;
    if (optind != argc)
        return cli_usage_error(app, "pg-roles", usage, "takes no arguments");
    char *sql = store_admin_script(STORE_ENGINE_PG);
    if (!sql) {
        app_error(app, "pg-roles", "out of memory");
        return EXIT_FAIL;
    }
    fputs(sql, app->out);
    free(sql);
    if (fflush(app->out) != 0 || ferror(app->out)) {
        app_error(app, "pg-roles", "cannot write the output");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
