/* cli/cmd_edit.c - `imtreview edit CASE_ID FIELD=VALUE... [--expect-version N]
 * [--json]` (issue 10): change fields of one case with the checks of import
 * and the interface (imt_field_parse_cell for each value, the cross-field
 * rules in the store), in one transaction, audited.  --expect-version makes
 * a read-modify-write safe: a case changed since version N is refused. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/textw.h"

static const char usage[] =
    "Usage: imtreview [--db PATH] edit CASE_ID FIELD=VALUE... [--expect-version N]\n"
    "                 [--json]\n"
    "Change fields of a case: each VALUE is checked as import checks a cell (an\n"
    "empty VALUE sets the field to unknown), the result as import checks a row\n"
    "(cross-field rules), and the changes are saved together in one\n"
    "transaction, each changed field audited (source \"edit\").  FIELD is a\n"
    "data-dictionary column name; not case_id, the derived fields, or the\n"
    "review fields (imtreview review sets those).  A signed-out case is locked.\n"
    "  --expect-version N  refuse (exit 1, nothing written) when the case is no\n"
    "                      longer at version N (show --json gives it), naming\n"
    "                      its version, who changed it and when\n"
    "  --json              one object: case_id, version, changed [{field, old,\n"
    "                      new}], unchanged [field...]\n"
    "  --help              this text\n"
    "Exit status: 0 saved (or nothing to change); 1 refused (invalid value, no\n"
    "such case, changed since --expect-version, signed out, read-only) or\n"
    "database error, nothing changed; 2 usage error.\n";

static bool editable(int f)
{
    return f != IMT_F_case_id && f != IMT_F_review_status && f != IMT_F_reviewer &&
           f != IMT_F_reviewed_at && !(imt_fields[f].flags & FF_DERIVED);
}

/* A value for the report: the canonical text, or JSON null / "unknown". */
static json_t *jvalue(const imt_case *c, int f)
{
    char buf[64];
    if (!imt_field_is_known(c, f))
        return json_null();
    const imt_field *fd = &imt_fields[f];
    if (fd->type == FT_TEXT || fd->type == FT_ID || fd->type == FT_FUSION ||
        fd->type == FT_DATE || fd->type == FT_TIMESTAMP)
        return cli_jstr(*(const char *const *)(const void *)((const char *)c + fd->offset));
    return json_string(imt_field_format(c, f, buf, sizeof buf));
}

static void text_value(FILE *o, const imt_case *c, int f)
{
    if (!imt_field_is_known(c, f)) {
        fputs("(unknown)", o);
        return;
    }
    char buf[64], safe[TEXTW_BUFSIZE(80)];
    const imt_field *fd = &imt_fields[f];
    const char *v = (fd->type == FT_TEXT || fd->type == FT_ID || fd->type == FT_FUSION ||
                     fd->type == FT_DATE || fd->type == FT_TIMESTAMP)
        ? *(const char *const *)(const void *)((const char *)c + fd->offset)
        : imt_field_format(c, f, buf, sizeof buf);
    textw_fit(v, 60, false, false, safe, sizeof safe);
    fprintf(o, "'%s'", safe);
}

static int expect_version_opt(imt_app *app, const char *value, void *dest)
{
    long long *expect = dest;
    char *end;
    errno = 0;
    *expect = strtoll(value, &end, 10);
    if (errno || end == value || *end || *expect < 1) {
        app_error(app, "edit", "--expect-version: '%s' is not a version (a whole "
                  "number from 1)", APP_Q(value));
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int cmd_edit(imt_app *app, int argc, char **argv)
{
    bool json = false;
    long long expect = 0;
    const cli_opt opts[] = {
        { "expect-version", 0, CLI_CHECK, &expect, expect_version_opt },
        { "json", 0, CLI_FLAG, &json, NULL },
        { NULL, 0, 0, NULL, NULL }
    };
    const cli_spec spec = { .usage = usage, .opts = opts };
    int prc = cli_parse(app, &spec, argc, argv);
    if (prc != CLI_GO_ON)
        return prc;
    if (argc - optind < 2)
        return cli_usage_error(app, "edit", usage, "expected CASE_ID and at least one FIELD=VALUE");
    const char *id = argv[optind];
    int fields[IMT_F_COUNT], nf = 0;
    imt_case vals;
    imt_case_init(&vals);
    int status = EXIT_OK;
    /* Every FIELD=VALUE is read first: a usage error or a bad value says so
     * before the database is opened. */
    for (int i = optind + 1; i < argc && status == EXIT_OK; i++) {
        const char *eq = strchr(argv[i], '=');
        if (!eq || eq == argv[i]) {
            app_error(app, "edit", "'%s' is not FIELD=VALUE", APP_Q(argv[i]));
            status = EXIT_USAGE;
            break;
        }
        char name[64];
        size_t nl = (size_t)(eq - argv[i]);
        int f = -1;
        if (nl < sizeof name) {
            memcpy(name, argv[i], nl);
            name[nl] = '\0';
            f = imt_field_find(name);
        }
        char *qname = strndup(argv[i], nl);
        if (f < 0) {
            app_error(app, "edit", "unknown field '%s' (the data dictionary's column names)",
                      APP_Q(qname ? qname : ""));
            status = EXIT_USAGE;
        } else if (!editable(f)) {
            if (f == IMT_F_review_status || f == IMT_F_reviewer || f == IMT_F_reviewed_at)
                app_error(app, "edit", "%s is set by a review (imtreview review CASE_ID "
                          "--status ...)", imt_fields[f].name);
            else
                app_error(app, "edit", "%s cannot be edited%s", imt_fields[f].name,
                          f == IMT_F_case_id ? "" : " (derived from the ALK results)");
            status = EXIT_USAGE;
        } else {
            for (int k = 0; k < nf; k++)
                if (fields[k] == f) {
                    app_error(app, "edit", "%s given twice", imt_fields[f].name);
                    status = EXIT_USAGE;
                }
        }
        free(qname);
        if (status != EXIT_OK)
            break;
        char err[300];
        if (imt_field_parse_cell(&vals, f, eq + 1, err, sizeof err) != 0) {
            char safe[TEXTW_BUFSIZE(300)];
            textw_sanitize(err, safe, sizeof safe, false);
            app_error(app, "edit", "column '%s': %s; nothing was changed", imt_fields[f].name,
                      safe);
            status = EXIT_FAIL;
            break;
        }
        fields[nf++] = f;
    }
    if (status != EXIT_OK) {
        imt_case_clear(&vals);
        return status;
    }
    if (app_open_store(app) != EXIT_OK) {
        imt_case_clear(&vals);
        return EXIT_FAIL;
    }
    store_edit_req rq = { .values = &vals, .fields = fields, .nf = nf,
                          .expect_version = expect, .source = "edit" };
    store_edit_result res;
    int rc = store_edit(app->store, id, &rq, &res);
    imt_case_clear(&vals);
    if (rc != STORE_OK) {
        store_edit_result_clear(&res);
        return cli_case_error(app, "edit", rc, id);
    }
    if (res.nchanged)
        app->saved = true;
    int werr;
    if (json) {
        json_t *o = json_object(), *ch_ = json_array(), *un = json_array();
        if (o && ch_ && un) {
            for (int i = 0; i < res.nchanged; i++) {
                int f = res.changed[i];
                json_t *e = json_object();
                json_object_set_new(e, "field", json_string(imt_fields[f].name));
                json_object_set_new(e, "old", jvalue(&res.before, f));
                json_object_set_new(e, "new", jvalue(&res.after, f));
                json_array_append_new(ch_, e);
            }
            for (int k = 0; k < nf; k++) {
                bool c = false;
                for (int i = 0; i < res.nchanged; i++)
                    c = c || res.changed[i] == fields[k];
                if (!c)
                    json_array_append_new(un, json_string(imt_fields[fields[k]].name));
            }
            json_object_set_new(o, "case_id", cli_jstr(res.after.case_id ? res.after.case_id : id));
            json_object_set_new(o, "version", json_integer((json_int_t)res.after.version));
            json_object_set_new(o, "changed", ch_);
            json_object_set_new(o, "unchanged", un);
        } else {
            json_decref(o);
            json_decref(ch_);
            json_decref(un);
            o = NULL;
        }
        werr = cli_emit_json(app, "edit", o) != 0;
    } else {
        char sid[TEXTW_BUFSIZE(64)];
        textw_fit(id, 48, false, false, sid, sizeof sid);
        if (res.nchanged == 0)
            fprintf(app->out, "%s: unchanged (version %lld)\n", sid, res.after.version);
        for (int i = 0; i < res.nchanged; i++) {
            int f = res.changed[i];
            fprintf(app->out, "%s: %s ", sid, imt_fields[f].name);
            text_value(app->out, &res.before, f);
            fputs(" -> ", app->out);
            text_value(app->out, &res.after, f);
            fprintf(app->out, " (audited, version %lld)\n", res.after.version);
        }
        werr = fflush(app->out) != 0 || ferror(app->out);
    }
    store_edit_result_clear(&res);
    if (werr)
        app_error(app, "edit", "the edit was saved, but its report could not be written");
    return EXIT_OK;
}
