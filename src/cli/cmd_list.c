/* cli/cmd_list.c - `imtreview list [FILTERS] [--json]` (cli.md): the filtered
 * cases in case_id order, one per line as TSV, or as a JSON array.
 * Streams through store_foreach, so memory does not grow with the number
 * of cases (a JSON array of a million cases is written object by object). */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "cli/opts.h"
#include "io/caseout.h"
#include "store/store.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: imtreview [--db PATH] list [FILTERS] [--json]\n"
    "\n"
    "List the cases that pass the filters, ordered by case_id (with --followup:\n"
    "by next_due, most overdue first).\n"
    "\n"
    "Text output: a header line, then one case per line, columns separated by\n"
    "TAB: case_id age_years sex site site_detail size_cm surgery outcome\n"
    "followup_months review_status alk_status reviewer review_comment\n"
    "decision_state version (reviewer: who took or signed out the case;\n"
    "review_comment: the latest review comment; decision_state: decided,\n"
    "undecided or stale).  An unknown value is an empty column.  Text is\n"
    "escaped so that it is one safe line: \\\\ \\t \\n \\r for\n"
    "backslash, TAB, LF, CR; \\xNN for other control bytes and invalid UTF-8;\n"
    "\\uNNNN for C1 controls, bidirectional overrides and U+2028/U+2029.\n"
    "\n"
    CLI_FILTER_HELP
    "  --json             a JSON array of objects, one per case, keyed by the\n"
    "                     data-dictionary column names (every column, with the\n"
    "                     derived alk_status and alk_confirmed, next_due, and\n"
    "                     version, review_comment, signer_name, decision_state);\n"
    "                     unknown = null, numbers as numbers, yes/no as\n"
    "                     true/false; non-ASCII characters written as \\uNNNN\n"
    "  --today DATE       the date --followup counts from (default: today)\n"
    "\n"
    "With --followup the text output has a last column next_due.\n"
    "  --help             this help\n"
    "\n"
    "Exit status: 0 listed (no match is not an error), 1 database error,\n"
    "2 usage error (unknown option or filter value).\n";

typedef struct {
    imt_app *app;
    bool json;
    bool next_due;        /* a last column next_due (--followup) */
    long n;
    bool oom;
} list_ctx;

static int tsv_row(void *vctx, const imt_case *c)
{
    list_ctx *x = vctx;
    FILE *fp = x->app->out;
    bool first = true;
    for (int f = 0; f < imt_nfields; f++) {
        if (!(imt_fields[f].flags & FF_LIST))
            continue;
        if (!first && putc('\t', fp) == EOF)
            return 1;
        first = false;
        char buf[128];
        const char *s;
        if (imt_fields[f].type == FT_TEXT || imt_fields[f].type == FT_ID)
            s = *(const char *const *)(const void *)((const char *)c + imt_fields[f].offset);
        else
            s = imt_field_format(c, f, buf, sizeof buf);
        if (s && caseout_escape(fp, s, strlen(s), 0) != 0)
            return 1;
    }
    /* Who has the case, the latest review comment, the decision state and
     * the version (issue 10), after the dictionary's columns. */
    static const char *const dstate[] = { "decided", "undecided", "stale" };
    char vb[32];
    snprintf(vb, sizeof vb, "%lld", c->version);
    const char *extra[] = { c->reviewer, c->review_comment,
                            c->decision_state >= 0 && c->decision_state < 3
                                ? dstate[c->decision_state] : NULL, vb };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        if (putc('\t', fp) == EOF)
            return 1;
        if (extra[i] && caseout_escape(fp, extra[i], strlen(extra[i]), 0) != 0)
            return 1;
    }
    if (x->next_due && (putc('\t', fp) == EOF || fputs(c->next_due, fp) == EOF))
        return 1;
    if (putc('\n', fp) == EOF)
        return 1;
    x->n++;
    return 0;
}

static int json_row(void *vctx, const imt_case *c)
{
    list_ctx *x = vctx;
    FILE *fp = x->app->out;
    json_t *o = caseout_json(c, false);
    if (!o) {
        x->oom = true;
        return 1;
    }
    int rc = 0;
    if (fputs(x->n ? ",\n" : "\n", fp) == EOF ||
        json_dumpf(o, fp, caseout_json_flags(c)) != 0)
        rc = 1;
    json_decref(o);
    x->n++;
    return rc;
}

/* --today DATE: the day --followup counts from, into the filter */
static int today_opt(imt_app *app, const char *value, void *dest)
{
    imt_filter *flt = dest;
    long d;
    if (!ev_date_days(value, &d)) {
        app_error(app, "list", "--today: '%s' is not a date (YYYY-MM-DD)", APP_Q(value));
        return EXIT_USAGE;
    }
    snprintf(flt->fu_today, sizeof flt->fu_today, "%s", value);
    return EXIT_OK;
}

int cmd_list(imt_app *app, int argc, char **argv)
{
    imt_filter flt;
    memset(&flt, 0, sizeof flt);
    bool json = false;
    const cli_opt opts[] = {
        { "json", 0, CLI_FLAG, &json, NULL },
        { "today", 0, CLI_CHECK, &flt, today_opt },
        { NULL, 0, 0, NULL, NULL }
    };
    const cli_spec spec = { .usage = usage, .opts = opts, .filter = &flt };
    int prc = cli_parse(app, &spec, argc, argv);
    if (prc != CLI_GO_ON)
        return prc;
    if (optind != argc)
        return cli_usage_error(app, "list", usage, "unexpected argument '%s'",
                               APP_Q(argv[optind]));
    if (app_open_store(app) != EXIT_OK)
        return EXIT_FAIL;

    FILE *fp = app->out;
    list_ctx x = { .app = app, .json = json, .next_due = flt.followup_mask != 0 };
    imt_sort by_id = { SORT_CASE_ID, false };
    if (flt.followup_mask) {
        /* the worklist: most overdue first, counted from --today (or
         * today) with the schedule's window */
        by_id.key = SORT_NEXT_DUE;
        if (!flt.fu_today[0])
            ev_today(flt.fu_today);
        flt.fu_window = app->sched.due_window_days;
    }
    if (app->sched_note[0] && flt.followup_mask)
        app_error(app, "list", "note: %s", app->sched_note);
    errno = 0;
    int werr = 0;
    if (json) {
        werr = fputc('[', fp) == EOF;
    } else {
        bool first = true;
        for (int f = 0; f < imt_nfields && !werr; f++) {
            if (!(imt_fields[f].flags & FF_LIST))
                continue;
            if (!first)
                werr = fputc('\t', fp) == EOF;
            first = false;
            werr = werr || fputs(imt_fields[f].name, fp) == EOF;
        }
        werr = werr || fputs("\treviewer\treview_comment\tdecision_state\tversion", fp) == EOF;
        if (x.next_due)
            werr = werr || fputs("\tnext_due", fp) == EOF;
        werr = werr || fputc('\n', fp) == EOF;
    }
    int rc = werr ? 1 : store_foreach(app->store, &flt, by_id, json ? json_row : tsv_row, &x);
    if (rc < 0) {
        app_error(app, "list", "database error: %s", store_errmsg(app->store));
        return EXIT_FAIL;
    }
    if (x.oom) {
        app_error(app, "list", "out of memory");
        return EXIT_FAIL;
    }
    if (rc == 0 && json)
        rc = fputs(x.n ? "\n]\n" : "]\n", fp) == EOF;
    if (rc == 0 && fflush(fp) != 0)
        rc = 1;
    if (rc != 0) {
        app_error(app, "list", "cannot write the output: %s", strerror(errno ? errno : EIO));
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
