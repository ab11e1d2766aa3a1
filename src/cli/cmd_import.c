/* cli/cmd_import.c - `imtreview import`: read a case CSV (csvimport) and write
 * it through the store in ONE transaction: all or nothing (cli.md,
 * data-dictionary.md "File format", issue 2 item 3). */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "cli/opts.h"
#include "io/csvimport.h"
#include "store/store.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    imt_app    *app;
    bool        dry_run, update, json;
    char       *source;        /* "import FILE" for the audit trail */
    imt_case    old;           /* the stored case (update), reused */
    bool        old_exists;
    long        added, updated, unchanged;
    bool        db_failed;
} import_ctx;

static const char usage[] =
    "Usage: imtreview [--db PATH] import [--dry-run] [--update]\n"
    "                 [--ignore-unknown-columns] FILE.csv\n"
    "       imtreview [--db PATH] import --events [--dry-run] [--replace]\n"
    "                 [--ignore-unknown-columns] FILE.csv\n"
    "\n"
    "Read a case CSV (its columns and checks: imtreview-csv(5)) and add its\n"
    "cases to the database in one transaction: either every row is written\n"
    "or nothing.\n"
    "\n"
    "  --dry-run                 check the file and say what would change;\n"
    "                            write nothing\n"
    "  --update                  cases whose case_id exists are updated (only\n"
    "                            the changed fields, each one audited); without\n"
    "                            it an existing case_id is an error\n"
    "  --ignore-unknown-columns  skip columns the data dictionary does not name\n"
    "                            (otherwise each one is an error)\n"
    "  --events                  FILE is an events CSV (header case_id,date,type,\n"
    "                            line,agent,intent,reason,response,extent,site,\n"
    "                            detail): each case's dated course; the cases\n"
    "                            must exist.  Each row is checked, then each\n"
    "                            course whole (no event before diagnosis or after\n"
    "                            death, a stop after its start, a response inside\n"
    "                            its line, one line open at a time per agent\n"
    "                            class).  An event already recorded is not added\n"
    "                            twice.\n"
    "  --replace                 with --events: the file's events become the whole\n"
    "                            course of each case the file names\n"
    "  --json                    the summary as one object: file, dry_run,\n"
    "                            added, updated, unchanged, written\n"
    "  --help                    this help\n"
    "\n"
    "FILE may be - for standard input.  Errors are printed to stderr as\n"
    "FILE:LINE: column 'NAME': message (all of them, up to 50).  A row that\n"
    "would change a signed-out case refuses the whole file (signed-out cases\n"
    "are locked; a row equal to the case is counted unchanged), as does one\n"
    "that would sign a case out (imtreview review does that).\n"
    "Exit status: 0 imported (or a clean dry run), 1 refused (nothing\n"
    "written), 2 usage error.\n";

/* Copy field f of src into dst (absent columns keep the stored value). */
static int copy_field(imt_case *dst, const imt_case *src, int f)
{
    const imt_field *fd = &imt_fields[f];
    char *d = (char *)dst + fd->offset;
    const char *s = (const char *)src + fd->offset;
    switch (fd->type) {
    case FT_DEC: case FT_INT:
        memcpy(d, s, sizeof(imt_num));
        return 0;
    case FT_ENUM: case FT_BOOL:
        memcpy(d, s, sizeof(int));
        return 0;
    default: {
        char **dp = (char **)(void *)d;
        char *const *sp = (char *const *)(const void *)s;
        char *v = NULL;
        if (*sp && !(v = strdup(*sp)))
            return -1;
        free(*dp);
        *dp = v;
        return 0;
    }
    }
}

static void db_error(import_ctx *x, csvimp *imp, long line, int rc)
{
    const char *why = rc == STORE_BUSY ? "the database is busy (locked by another user)"
                    : rc == STORE_READONLY ? store_errmsg(x->app->store)
                    : store_errmsg(x->app->store);
    csvimp_error(imp, line, -1, "database error: %s; nothing was imported",
                 why ? why : "unknown");
    x->db_failed = true;
}

/* With --update, fetch the stored case and fill the columns the file does
 * not have from it, so that the cross-field rules judge the record that
 * would be stored and an absent column never wipes a stored value. */
static int merge_cb(void *vctx, csvimp *imp, imt_case *c, const bool *present,
                    long line)
{
    import_ctx *x = vctx;
    x->old_exists = false;
    if (!x->app->store)
        return 0;              /* dry run on a database not yet created */
    if (!x->update) {
        /* Without --update only existence matters; on a real run the
         * insert itself says so (saves a query per row). */
        if (x->dry_run || csvimp_errors(imp) > 0) {
            if (store_exists(x->app->store, c->case_id)) {
                csvimp_error(imp, line, IMT_F_case_id,
                             "'%s' already exists in the database (use --update to change it)",
                             c->case_id);
                return -1;
            }
        }
        return 0;
    }
    imt_case_clear(&x->old);
    int rc = store_get(x->app->store, c->case_id, &x->old);
    if (rc == STORE_NOTFOUND)
        return 0;
    if (rc != STORE_OK) {
        db_error(x, imp, line, rc);
        return -1;
    }
    x->old_exists = true;
    for (int f = 0; f < IMT_F_COUNT; f++) {
        if (present[f] || (imt_fields[f].flags & FF_DERIVED))
            continue;
        if (copy_field(c, &x->old, f) != 0) {
            csvimp_error(imp, line, -1, "out of memory");
            return -1;
        }
    }
    return 0;
}

static int record_cb(void *vctx, csvimp *imp, imt_case *c, const bool *present,
                     long line)
{
    (void)present;
    import_ctx *x = vctx;
    if (x->db_failed)
        return -2;
    /* After the first error nothing more is written: the rest of the file
     * is only checked, and the transaction is rolled back at the end. */
    bool write = !x->dry_run && csvimp_errors(imp) == 0;

    if (x->old_exists) {
        int nchanged = 0;
        for (int f = 0; f < IMT_F_COUNT; f++)
            if (!(imt_fields[f].flags & FF_DERIVED) && !imt_field_equal(&x->old, c, f))
                nchanged++;
        const imt_case *o = &x->old;
        if (nchanged && o->review_status == REV_SIGNED_OUT) {
            /* A signed-out case is locked: the whole file is refused. */
            csvimp_error(imp, line, IMT_F_case_id,
                         "case '%s' is signed out by %s%s%s%s at %s: an update cannot change "
                         "it (re-open it first: imtreview review %s --status in_review "
                         "--reason TEXT)", c->case_id, o->reviewer ? o->reviewer : "(unknown)",
                         o->signer_name ? " (" : "", o->signer_name ? o->signer_name : "",
                         o->signer_name ? ")" : "",
                         o->reviewed_at ? o->reviewed_at : "(unknown time)", c->case_id);
            return -1;
        }
        if (nchanged && c->review_status == REV_SIGNED_OUT) {
            csvimp_error(imp, line, IMT_F_review_status,
                         "an update cannot sign case '%s' out: signing out checks the "
                         "decisions and records the signature (imtreview review %s --status "
                         "signed_out)", c->case_id, c->case_id);
            return -1;
        }
        /* the new values must leave the case's course whole (an event
         * before a new diagnosis date, after a new death ...) */
        imt_course co;
        int erc = store_events_get(x->app->store, c->case_id, &co);
        if (erc == STORE_OK && co.n) {
            imt_case nw;
            imt_case_init(&nw);
            char msg[400];
            int ev = -1, col = -1;
            if (imt_case_copy(&nw, c) == 0) {
                imt_case_derive(&nw);
                if (course_validate_new(&x->old, &co, &nw, &co, &ev, &col, msg, sizeof msg)) {
                    char w[32] = "";
                    if (ev >= 0)
                        ev_format_cell(&co.v[ev], EVC_DATE, w, sizeof w);
                    csvimp_error(imp, line, -1, "this change would break the course of '%s' "
                                 "(the event of %s: %s); change the events first",
                                 c->case_id, w, msg);
                    imt_case_clear(&nw);
                    course_clear(&co);
                    return -1;
                }
            }
            imt_case_clear(&nw);
        }
        course_clear(&co);
        if (write && nchanged) {
            int rc = store_update(x->app->store, c, x->source, &nchanged);
            if (rc != STORE_OK) {
                db_error(x, imp, line, rc);
                return -2;
            }
        }
        if (nchanged)
            x->updated++;
        else
            x->unchanged++;
        return 0;
    }
    if (write) {
        int rc = store_insert(x->app->store, c, x->source);
        if (rc == STORE_EXISTS) {
            csvimp_error(imp, line, IMT_F_case_id,
                         "'%s' already exists in the database (use --update to change it)",
                         c->case_id);
            return -1;
        }
        if (rc != STORE_OK) {
            db_error(x, imp, line, rc);
            return -2;
        }
    }
    x->added++;
    return 0;
}

/* --json: what was done, as one object. */
static json_t *summary_json(const import_ctx *x, const char *fname)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "file", cli_jstr(fname));
    json_object_set_new(o, "dry_run", json_boolean(x->dry_run));
    json_object_set_new(o, "added", json_integer(x->added));
    json_object_set_new(o, "updated", json_integer(x->updated));
    json_object_set_new(o, "unchanged", json_integer(x->unchanged));
    json_object_set_new(o, "written", json_boolean(!x->dry_run));
    return o;
}

/* A refused import into a database it had just created leaves no empty
 * database behind ("the database as it was": there was none), unless
 * something else has put cases into it meanwhile. */
static void remove_new_database(imt_app *app)
{
    imt_filter none;
    memset(&none, 0, sizeof none);
    if (app->store && store_count(app->store, &none) != 0)
        return;
    app_close(app);
    store_remove_files(app->db_path);
}

int cmd_import(imt_app *app, int argc, char **argv)
{
    import_ctx x = { .app = app };
    bool ignore_unknown = false, events = false, replace = false;
    const cli_opt opts[] = {
        { "dry-run", 0, CLI_FLAG, &x.dry_run, NULL },
        { "update", 0, CLI_FLAG, &x.update, NULL },
        { "events", 0, CLI_FLAG, &events, NULL },
        { "replace", 0, CLI_FLAG, &replace, NULL },
        { "ignore-unknown-columns", 0, CLI_FLAG, &ignore_unknown, NULL },
        { "json", 0, CLI_FLAG, &x.json, NULL },
        { NULL, 0, 0, NULL, NULL }
    };
    const cli_spec spec = { .usage = usage, .opts = opts };
    int prc = cli_parse(app, &spec, argc, argv);
    if (prc != CLI_GO_ON)
        return prc;
    if (optind != argc - 1)
        return cli_usage_error(app, "import", usage, "expected exactly one FILE.csv");
    const char *path = argv[optind];
    if (replace && !events)
        return cli_usage_error(app, "import", usage, "--replace goes with --events");
    if (events && x.update)
        return cli_usage_error(app, "import", usage,
                               "--update is for cases; with --events use --replace");
    if (events)
        return cmd_import_events(app, path, x.dry_run, replace, ignore_unknown);
    bool is_stdin = strcmp(path, "-") == 0;
    const char *fname = is_stdin ? "(stdin)" : path;

    FILE *in = is_stdin ? stdin : fopen(path, "rb");
    if (!in) {
        app_error(app, "import", "cannot open %s: %s", APP_Q(path), strerror(errno));
        return EXIT_FAIL;
    }
    struct stat sb;
    if (!is_stdin && fstat(fileno(in), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        app_error(app, "import", "%s is a directory", APP_Q(path));
        fclose(in);
        return EXIT_FAIL;
    }

    int status = EXIT_FAIL;
    bool in_tx = false;
    imt_case_init(&x.old);
    if (x.dry_run) {
        /* A dry run writes nothing, not even a new database file: with no
         * database every case would simply be added. */
        char perr[600];
        int pr = store_probe(app->db_path, perr, sizeof perr);
        if (pr == STORE_ERROR) {
            app_error(app, "import", "%s", perr);
            goto out;
        }
        if (pr == STORE_OK) {
            app->readonly = true;
            if (app_open_store(app) != EXIT_OK)
                goto out;
        }
    } else {
        app->may_create = true;
        if (app_open_store(app) != EXIT_OK)
            goto out;
        if (store_is_readonly(app->store)) {
            app_error(app, "import", "the database is open read-only (%s); nothing imported",
                      store_readonly_why(app->store));
            goto out;
        }
        int rc = store_begin(app->store);
        if (rc != STORE_OK) {
            app_error(app, "import", "cannot start a transaction: %s",
                      rc == STORE_BUSY ? "the database is busy" : store_errmsg(app->store));
            goto out;
        }
        in_tx = true;
    }
    if (asprintf(&x.source, "import %s", fname) < 0) {
        x.source = NULL;
        app_error(app, "import", "out of memory");
        goto out;
    }

    csvimp_opts o = {
        .filename = fname, .err = app->err, .ignore_unknown = ignore_unknown,
        .merge = merge_cb, .record = record_cb, .ctx = &x,
    };
    csvimp_result res;
    int rc = csvimp_run(in, &o, &res);
    if (rc != 0) {
        csvimp_print_safe(app->err, fname);
        if (rc > 0)
            fprintf(app->err, ": %ld error%s; %s\n", res.errors, res.errors == 1 ? "" : "s",
                    x.dry_run ? "a real import would be refused" : "nothing was imported");
        else
            fprintf(app->err, ": %s\n", "nothing was imported");
        goto out;
    }
    if (x.dry_run) {
        if (x.json) {
            if (cli_emit_json(app, "import", summary_json(&x, fname)) != 0)
                goto out;
        } else {
            csvimp_print_safe(app->out, fname);
            fprintf(app->out, ": dry run: would add %ld, update %ld, leave %ld unchanged; "
                    "nothing written\n", x.added, x.updated, x.unchanged);
        }
        status = EXIT_OK;
        goto out;
    }
    int crc = store_commit(app->store);
    if (crc != STORE_OK) {
        app_error(app, "import", "commit failed (%s); nothing was imported",
                  crc == STORE_BUSY ? "the database is busy" : store_errmsg(app->store));
        goto out;
    }
    in_tx = false;
    app->saved = true;
    int werr;
    if (x.json) {
        werr = cli_emit_json(app, "import", summary_json(&x, fname)) != 0;
    } else {
        csvimp_print_safe(app->out, fname);
        fprintf(app->out, ": %ld added, %ld updated, %ld unchanged\n",
                x.added, x.updated, x.unchanged);
        werr = fflush(app->out) != 0 || ferror(app->out);
    }
    /* exit 0 says the import is saved, and it is */
    if (werr)
        app_error(app, "import", "the import was saved, but its report could not be written");
    status = EXIT_OK;

out:
    if (in_tx)
        store_rollback(app->store);
    if (status != EXIT_OK && app->db_created)
        remove_new_database(app);
    imt_case_clear(&x.old);
    free(x.source);
    if (in != stdin)
        fclose(in);
    return status;
}
