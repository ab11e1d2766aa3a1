/* cli/cmd_audit.c - `imtreview audit [CASE_ID] [--json]`: the audit trail,
 * oldest first (cli.md "audit").  Text output is tab-separated with a
 * header line; values are escaped so that no stored byte reaches the
 * terminal raw and every row stays one line. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/utf8.h"

static const char usage[] =
    "Usage: imtreview [--db PATH] audit [CASE_ID] [--json]\n"
    "The audit trail, oldest first: every case created, every field changed\n"
    "(old and new value), every review (with its comment and rule-set\n"
    "version; a sign-out with the signer's full name; a re-open, source\n"
    "re-open, with its reason), every decision on a recommendation (field\n"
    "decision, new value accept or override: REASON, with the rule, the\n"
    "facts that fired it and the comment); for one case when CASE_ID is given.\n"
    "Text: tab-separated with a header line (time, user, case_id, field, old,\n"
    "new, source, comment, ruleset, rule_id, fired_by, full_name); an empty\n"
    "cell is no value.  In values a\n"
    "tab is written \\t, a line break \\n, a backslash \\\\ and other control\n"
    "characters \\xNN.\n"
    "  --json   an array of objects with keys time, user, case_id, field,\n"
    "           old_value, new_value, source, comment, ruleset, rule_id,\n"
    "           fired_by, full_name (null = none)\n"
    "  --help   this text\n"
    "Exit status: 0 shown, 1 no such case or database error, 2 usage error.\n";

/* One value for a tab-separated line: \t \n \\ and \xNN for the other C0
 * controls, DEL, C1 controls and bytes that are not UTF-8. */
static void put_escaped(FILE *fp, const char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        unsigned char b = (unsigned char)s[i];
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (b == '\t') {
            fputs("\\t", fp);
        } else if (b == '\n') {
            fputs("\\n", fp);
        } else if (b == '\\') {
            fputs("\\\\", fp);
        } else if (k <= 0) {
            fprintf(fp, "\\x%02x", b);
            i++;
            continue;
        } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
            fprintf(fp, "\\x%02x", (unsigned)cp);
        } else {
            fwrite(s + i, 1, (size_t)k, fp);
        }
        i += k > 0 ? (size_t)k : 1;
    }
}

/* A JSON string, or null; bytes that are not UTF-8 become U+FFFD (jansson
 * accepts only valid UTF-8). */
static json_t *jstr(const char *s)
{
    if (!s)
        return json_null();
    size_t n = strlen(s);
    if (utf8_valid(s, n))
        return json_string(s);
    char *fixed = malloc(n * 3 + 1), *o = fixed;
    if (!fixed)
        return NULL;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (k > 0) {
            memcpy(o, s + i, (size_t)k);
            o += k;
            i += (size_t)k;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    *o = '\0';
    json_t *j = json_string(fixed);
    free(fixed);
    return j;
}

typedef struct {
    FILE *out;
    bool json;
    long n;
    bool oom;
    bool werr;      /* writing the output failed (a full disk), not memory */
} audit_ctx;

static int print_row(void *vctx, const imt_audit *a)
{
    audit_ctx *x = vctx;
    if (x->json) {
        json_t *o = json_object();
        if (!o) {
            x->oom = true;
            return 1;
        }
        const struct { const char *k; const char *v; } kv[] = {
            { "time", a->time }, { "user", a->user }, { "case_id", a->case_id },
            { "field", a->field }, { "old_value", a->old_value },
            { "new_value", a->new_value }, { "source", a->source },
            { "comment", a->comment }, { "ruleset", a->ruleset },
            { "rule_id", a->rule_id }, { "full_name", a->full_name },
        };
        for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
            if (json_object_set_new(o, kv[i].k, jstr(kv[i].v)) != 0) {
                json_decref(o);
                x->oom = true;
                return 1;
            }
        }
        /* fired_by is stored as a JSON array: given as one */
        json_t *fb = a->fired_by ? json_loads(a->fired_by, 0, NULL) : json_null();
        if (!fb)
            fb = jstr(a->fired_by);
        if (json_object_set_new(o, "fired_by", fb) != 0) {
            json_decref(o);
            x->oom = true;
            return 1;
        }
        fputs(x->n ? "," : "", x->out);
        int rc = json_dumpf(o, x->out, JSON_COMPACT | JSON_ENSURE_ASCII);
        json_decref(o);
        if (rc != 0) {
            if (ferror(x->out))
                x->werr = true;
            else
                x->oom = true;
            return 1;
        }
    } else {
        const char *v[] = { a->time, a->user, a->case_id, a->field, a->old_value,
                            a->new_value, a->source, a->comment, a->ruleset, a->rule_id,
                            a->fired_by, a->full_name };
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
            if (i)
                fputc('\t', x->out);
            put_escaped(x->out, v[i]);
        }
        fputc('\n', x->out);
    }
    x->n++;
    return 0;
}

int cmd_audit(imt_app *app, int argc, char **argv)
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
    if (argc - optind > 1)
        return cli_usage_error(app, "audit", usage, "expected at most one CASE_ID");
    const char *id = optind < argc ? argv[optind] : NULL;
    if (app_open_store(app) != EXIT_OK)
        return EXIT_FAIL;
    if (id && !store_exists(app->store, id)) {
        app_error(app, "audit", "no case '%s'", APP_Q(id));
        return EXIT_FAIL;
    }
    audit_ctx x = { app->out, json, 0, false, false };
    if (json)
        fputc('[', app->out);
    else
        fputs("time\tuser\tcase_id\tfield\told\tnew\tsource\tcomment\truleset\trule_id\t"
              "fired_by\tfull_name\n", app->out);
    int rc = store_audit_foreach(app->store, id, print_row, &x);
    if (json)
        fputs("]\n", app->out);
    if (x.werr || (!x.oom && (fflush(app->out) != 0 || ferror(app->out)))) {
        app_error(app, "audit", "cannot write the output: %s", strerror(errno));
        return EXIT_FAIL;
    }
    if (x.oom) {
        app_error(app, "audit", "out of memory");
        return EXIT_FAIL;
    }
    if (rc < 0) {
        app_error(app, "audit", "%s", store_errmsg(app->store));
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
