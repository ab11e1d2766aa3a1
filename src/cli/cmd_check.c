/* cli/cmd_check.c - `imtreview check`: SQLite's integrity check and the
 * store's own consistency checks (cli.md "check"); exit 0 only when all
 * pass. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/textw.h"

static const char usage[] =
    "Usage: imtreview [--db PATH] check [--json]\n"
    "Check the database: the engine's own integrity check (SQLite), the\n"
    "audit trail's triggers (and PostgreSQL's chain head), the derived ALK fields of\n"
    "every case against its ALK results, every value against the data\n"
    "dictionary (ranges, allowed values, cross-field rules), and the\n"
    "protection of the audit trail; recomputes the audit trail's SHA-256 hash\n"
    "chain and names the first row changed, removed, inserted or reordered;\n"
    "replays each case's history against its stored values.  Prints\n"
    "\"ok: N cases, integrity ok (ENGINE)\", or one line per problem and exits 1.\n"
    "  --json   one JSON object: ok, engine, cases, problems (a list of messages) and\n"
    "           audit {rows, chain_ok, head_seq, head_hash}; record head_hash\n"
    "           elsewhere to prove later that nothing before it changed\n"
    "  --help   this text\n"
    "Exit status: 0 every check passed, 1 a check failed or the database\n"
    "cannot be opened, 2 usage error.\n";

typedef struct {
    imt_app *app;
    long n;
    json_t *list;   /* --json: the messages */
} check_ctx;

static void report(void *vctx, const char *msg)
{
    check_ctx *x = vctx;
    /* The store already escapes stored values; sanitise again so that no
     * message can reach the terminal raw whatever it holds. */
    char safe[TEXTW_BUFSIZE(1024)];
    x->n++;
    if (x->list) {
        /* jansson escapes every control character; the store's messages
         * are valid UTF-8 (stored bytes are escaped there). */
        json_t *s = json_string(msg);
        json_array_append_new(x->list, s ? s : json_string("(not UTF-8)"));
        return;
    }
    textw_sanitize(msg, safe, sizeof safe, false);
    fprintf(x->app->out, "problem: %s\n", safe);
}

static int emit_json(imt_app *app, check_ctx *x, long ncases, const store_audit_head *h)
{
    json_t *o = json_pack("{s:b, s:s, s:I, s:O, s:{s:I, s:b, s:I, s:s}}",
                          "ok", x->n == 0, "engine", store_engine(app->store),
                          "cases", (json_int_t)ncases, "problems", x->list,
                          "audit", "rows", (json_int_t)h->rows, "chain_ok", h->ok,
                          "head_seq", (json_int_t)h->seq, "head_hash", h->hash);
    if (!o) {
        app_error(app, "check", "out of memory");
        return EXIT_FAIL;
    }
    int rc = json_dumpf(o, app->out, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    json_decref(o);
    fputc('\n', app->out);
    if (rc != 0 || fflush(app->out) != 0 || ferror(app->out)) {
        app_error(app, "check", "cannot write the output");
        return EXIT_FAIL;
    }
    return x->n == 0 ? EXIT_OK : EXIT_FAIL;
}

int cmd_check(imt_app *app, int argc, char **argv)
{
    bool json = false;
    const cli_opt opts[] = {
        { "json", 0, CLI_FLAG, &json, NULL },
        { NULL, 0, 0, NULL, NULL }
    };
    const cli_spec spec = { .usage = usage, .opts = opts };
    int prc = cli_parse(app, &spec, argc, argv);
    if (prc != CLI_GO_ON)
        return prc;
    if (optind != argc)
        return cli_usage_error(app, "check", usage, "takes no arguments");
    if (app_open_store(app) != EXIT_OK)
        return EXIT_FAIL;
    check_ctx x = { app, 0, NULL };
    if (json && !(x.list = json_array())) {
        app_error(app, "check", "out of memory");
        return EXIT_FAIL;
    }
    store_audit_head head;
    int rc = store_check_head(app->store, report, &x, &head);
    if (rc < 0) {
        json_decref(x.list);
        app_error(app, "check", "%s", store_errmsg(app->store));
        return EXIT_FAIL;
    }
    imt_filter none;
    memset(&none, 0, sizeof none);
    long n = store_count(app->store, &none);
    if (n < 0 && rc > 0)
        n = 0;      /* a damaged file: the problems say why */
    if (n < 0) {
        json_decref(x.list);
        app_error(app, "check", "%s", store_errmsg(app->store));
        return EXIT_FAIL;
    }
    if (json) {
        int r = emit_json(app, &x, n, &head);
        json_decref(x.list);
        if (rc > 0)
            app_error(app, "check", "%d problem%s found (%s)", rc, rc == 1 ? "" : "s",
                      store_engine(app->store));
        return r;
    }
    if (rc > 0) {
        app_error(app, "check", "%d problem%s found (%s)", rc, rc == 1 ? "" : "s",
                  store_engine(app->store));
        return EXIT_FAIL;
    }
    fprintf(app->out, "ok: %ld case%s, integrity ok (%s)\n", n, n == 1 ? "" : "s",
            store_engine(app->store));
    if (fflush(app->out) != 0 || ferror(app->out)) {
        app_error(app, "check", "cannot write the output");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
