/* cli/cmd_export.c - `imtreview export`: the filtered cases as CSV
 * (cli.md; data-dictionary.md), to stdout or atomically to -o FILE. */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "cli/opts.h"
#include "io/atomicfile.h"
#include "io/cbioportal.h"
#include "io/csvexport.h"
#include "app/export.h"
#include "io/ttyout.h"
#include "store/store.h"

#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "Usage: imtreview [--db PATH] export [FILTERS] [--deidentify [--keep-free-text]]\n"
    "                 [--excel-safe] [--events] [-o FILE]\n"
    "       imtreview [--db PATH] export --format cbioportal [FILTERS]\n"
    "                 [--deidentify [--keep-free-text]] DIR\n"
    "\n"
    "Write the cases as CSV (every data-dictionary column in dictionary order,\n"
    "then the derived alk_status and alk_confirmed, then the diagnosis codes\n"
    "icd_o_3_morphology 8825/1 and oncotree_code IMT), one case per line ordered\n"
    "by case_id, LF line ends.  The output re-imports to the same data.\n"
    "\n"
    "  --events           write the events of the filtered cases instead (the\n"
    "                     events CSV: case_id,date,type,line,agent,intent,reason,\n"
    "                     response,extent,site,detail), ordered by case_id and\n"
    "                     date; import --events reads it back to the same events.\n"
    "                     With --deidentify: dates as days from diagnosis, free\n"
    "                     text (site, detail) dropped but for the coded ones\n"
    "  --format FORMAT    csv (default) or cbioportal: a cBioPortal study in the\n"
    "                     directory DIR (made when missing): meta_study.txt (cancer\n"
    "                     type imt, OncoTree IMT), clinical patient and sample\n"
    "                     files (OS, DFS, PFS, EFS, markers, ICD-O-3 8825/1),\n"
    "                     data_sv.txt (the fusions) and timelines in days from\n"
    "                     diagnosis, each with its meta file\n"
    "\n"
    CLI_FILTER_HELP
    "  --deidentify       HIPAA Safe Harbor for these fields: drop every\n"
    "                     free-text column (site_detail, imaging, chemotherapy,\n"
    "                     targeted, immunotherapy, notes), reviewer and the\n"
    "                     dates (diagnosis_date, reviewed_at); write ages of 90\n"
    "                     and over as 90; replace case_id by a pseudonym\n"
    "                     (P + 16 hex digits) that is the same on every export\n"
    "                     of this database; rows are then ordered by pseudonym\n"
    "  --keep-free-text   with --deidentify: keep the free-text columns (check\n"
    "                     them yourself: they can name a person or a place)\n"
    "  --excel-safe       put ' before any cell starting with = + - @ TAB or CR,\n"
    "                     so a spreadsheet shows it instead of running it (such\n"
    "                     a file is for spreadsheets, not for re-import)\n"
    "  -o, --output FILE  write to FILE (via a temporary file and a rename: a\n"
    "                     failed export never leaves a half-written FILE; a new\n"
    "                     FILE gets mode 0600, an existing one keeps its mode)\n"
    "  --help             this help\n"
    "\n"
    "Exit status: 0 written, 1 the work failed (database or file error;\n"
    "FILE is left as it was), 2 usage error.\n";

/* Write header and rows.  Returns 0, 1 on a write error (errno set), or
 * -1 after printing a database error. */
static int write_events(imt_app *app, FILE *fp, const imt_filter *flt, const csvexp_opts *o);

static int write_all(imt_app *app, FILE *fp, const imt_filter *flt,
                     const csvexp_opts *o, bool want_events)
{
    if (want_events)
        return write_events(app, fp, flt, o);
    imt_sort by_id = { SORT_CASE_ID, false };
    int rc = app_export_cases(app, fp, flt, by_id, o, NULL);
    if (rc < 0)
        app_error(app, "export", "database error: %s", store_errmsg(app->store));
    return rc;
}

/* ---- events --------------------------------------------------------------- */

typedef struct {
    imt_app *app;
    FILE *fp;
    const csvexp_opts *o;
    long n, dropped;
    cbio_writer *cbio;
} course_ctx;

static int events_cb(void *vctx, const imt_case *c, const imt_course *co)
{
    course_ctx *x = vctx;
    for (int i = 0; i < co->n; i++) {
        bool dropped = false;
        if (csvexp_event_row(x->fp, &co->v[i], c, x->o, &dropped) != 0)
            return 1;
        if (dropped)
            x->dropped++;
        else
            x->n++;
    }
    return 0;
}

static int cbio_cb(void *vctx, const imt_case *c, const imt_course *co)
{
    course_ctx *x = vctx;
    return cbio_case(x->cbio, c, co) != 0 ? 1 : 0;
}

/* A case in pseudonym order: its course fetched on its own (the
 * de-identified exports may not give the case_id order away). */
typedef struct {
    course_ctx *x;
    int (*cb)(void *ctx, const imt_case *c, const imt_course *co);
    int err;
} bykey_ctx;

static int bykey_cb(void *vctx, const imt_case *c)
{
    bykey_ctx *k = vctx;
    imt_course co;
    int rc = store_events_get(k->x->app->store, c->case_id, &co);
    if (rc != STORE_OK) {
        k->err = rc;
        return -1;
    }
    rc = k->cb(k->x, c, &co);
    course_clear(&co);
    return rc;
}

/* Every filtered case with its course, in case_id order or (deidentify)
 * pseudonym order.  Returns 0, 1 on the callback's failure, -1 after
 * printing a database error. */
static int walk_courses(imt_app *app, const imt_filter *flt, const csvexp_opts *o,
                        course_ctx *x,
                        int (*cb)(void *ctx, const imt_case *c, const imt_course *co))
{
    int rc;
    if (!o->deidentify) {
        rc = store_foreach_course(app->store, flt, cb, x);
    } else {
        bykey_ctx k = { x, cb, 0 };
        rc = store_foreach_by_key(app->store, flt, app_export_pseudonym_key, (void *)o, bykey_cb, &k);
        if (k.err)
            rc = k.err;
    }
    if (rc < 0) {
        app_error(app, "export", "database error: %s", store_errmsg(app->store));
        return -1;
    }
    return rc ? 1 : 0;
}

static int write_events(imt_app *app, FILE *fp, const imt_filter *flt, const csvexp_opts *o)
{
    if (csvexp_events_header(fp) != 0)
        return 1;
    course_ctx x = { .app = app, .fp = fp, .o = o };
    int rc = walk_courses(app, flt, o, &x, events_cb);
    if (rc == 0 && x.dropped)
        app_error(app, "export", "note: %ld event%s left out: dated, but the case has no "
                  "diagnosis_date, so no day from diagnosis can replace the date",
                  x.dropped, x.dropped == 1 ? "" : "s");
    return rc;
}

static int export_cbioportal(imt_app *app, const char *dir, const imt_filter *flt,
                             const csvexp_opts *o)
{
    cbio_opts co = { .deidentify = o->deidentify, .keep_free_text = o->keep_free_text };
    memcpy(co.key, o->key, sizeof co.key);
    char err[600];
    cbio_writer *w = cbio_open(dir, &co, err, sizeof err);
    memset(co.key, 0, sizeof co.key);
    if (!w) {
        app_error(app, "export", "%s", err);
        return EXIT_FAIL;
    }
    course_ctx x = { .app = app, .o = o, .cbio = w };
    errno = 0;
    int rc = walk_courses(app, flt, o, &x, cbio_cb);
    int e = errno;
    char note[600];
    if (cbio_close(w, rc == 0, err, sizeof err, note, sizeof note) != 0) {
        app_error(app, "export", "%s; no study written", err);
        return EXIT_FAIL;
    }
    if (rc != 0) {
        if (rc > 0)
            app_error(app, "export", "cannot write the study in %s: %s; no study written",
                      APP_Q(dir), strerror(e ? e : EIO));
        return EXIT_FAIL;
    }
    if (note[0])
        app_error(app, "export", "note: %s", note);
    return EXIT_OK;
}

/* -o FILE: write a temporary file next to FILE, fsync, rename over FILE,
 * so FILE is either the old one or the complete new one. */
static int export_to_file(imt_app *app, const char *path, const imt_filter *flt,
                          const csvexp_opts *o, bool want_events)
{
    struct stat st;
    bool existed = stat(path, &st) == 0;
    if (existed && S_ISDIR(st.st_mode)) {
        app_error(app, "export", "%s is a directory", APP_Q(path));
        return EXIT_FAIL;
    }
    if (existed && !S_ISREG(st.st_mode)) {
        /* A device or pipe (e.g. /dev/stdout) cannot be renamed over:
         * write into it directly. */
        FILE *fp = fopen(path, "w");
        if (!fp) {
            app_error(app, "export", "cannot open %s: %s", APP_Q(path), strerror(errno));
            return EXIT_FAIL;
        }
        /* -o /dev/tty (or /dev/stdout on a terminal): sanitised as any
         * output to a terminal is (io/ttyout.h). */
        FILE *tty = isatty(fileno(fp))
            ? ttyout_open(fp, app->ascii || strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
            : NULL;
        errno = 0;
        int rc = write_all(app, tty ? tty : fp, flt, o, want_events);
        if (tty && fclose(tty) != 0 && rc == 0)
            rc = 1;
        if (rc == 0 && fflush(fp) != 0)
            rc = 1;
        int e = errno;
        if (fclose(fp) != 0 && rc == 0) {
            rc = 1;
            e = errno;
        }
        if (rc > 0)
            app_error(app, "export", "cannot write %s: %s", APP_Q(path), strerror(e ? e : EIO));
        return rc == 0 ? EXIT_OK : EXIT_FAIL;
    }

    atomic_file af;
    if (af_open(&af, path) != 0) {
        app_error(app, "export", "cannot create a temporary file beside %s: %s", APP_Q(path),
                  strerror(errno));
        return EXIT_FAIL;
    }
    errno = 0;
    int rc = write_all(app, af.f, flt, o, want_events);
    if (rc != 0) {
        int e = errno;
        af_abort(&af);
        if (rc > 0)
            app_error(app, "export", "cannot write %s: %s; %s", APP_Q(path), strerror(e ? e : EIO),
                      existed ? "the file is unchanged" : "no file was written");
        return EXIT_FAIL;
    }
    if (af_commit(&af) != 0) {
        app_error(app, "export", "cannot write %s: %s; %s", APP_Q(path), strerror(errno),
                  existed ? "the file is unchanged" : "no file was written");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

int cmd_export(imt_app *app, int argc, char **argv)
{
    imt_filter flt;
    memset(&flt, 0, sizeof flt);
    csvexp_opts o;
    memset(&o, 0, sizeof o);
    const char *out = NULL, *format = "csv";
    bool want_events = false;
    const cli_opt opts[] = {
        { "deidentify", 0, CLI_FLAG, &o.deidentify, NULL },
        { "keep-free-text", 0, CLI_FLAG, &o.keep_free_text, NULL },
        { "excel-safe", 0, CLI_FLAG, &o.excel_safe, NULL },
        { "output", 'o', CLI_TEXT, &out, NULL },
        { "events", 0, CLI_FLAG, &want_events, NULL },
        { "format", 0, CLI_TEXT, &format, NULL },
        { NULL, 0, 0, NULL, NULL }
    };
    const cli_spec spec = { .usage = usage, .opts = opts, .filter = &flt };
    int prc = cli_parse(app, &spec, argc, argv);
    if (prc != CLI_GO_ON)
        return prc;
    bool cbio = strcmp(format, "cbioportal") == 0;
    if (!cbio && strcmp(format, "csv") != 0) {
        app_error(app, "export", "unknown --format '%s' (allowed: csv, cbioportal)",
                  APP_Q(format));
        return EXIT_USAGE;
    }
    if (cbio && (optind != argc - 1 || out || want_events || o.excel_safe))
        return cli_usage_error(app, "export", usage,
                               "--format cbioportal writes a study into one directory: "
                               "export --format cbioportal [FILTERS] [--deidentify] DIR (no -o, "
                               "--events or --excel-safe)");
    if (!cbio && optind != argc)
        return cli_usage_error(app, "export", usage, "unexpected argument '%s'",
                               APP_Q(argv[optind]));
    if (o.keep_free_text && !o.deidentify)
        return cli_usage_error(app, "export", usage, "--keep-free-text goes with --deidentify");
    if (app_open_store(app) != EXIT_OK)
        return EXIT_FAIL;
    if (o.deidentify && store_secret(app->store, o.key) != STORE_OK) {
        app_error(app, "export", "cannot read the pseudonym key: %s", store_errmsg(app->store));
        return EXIT_FAIL;
    }
    int status;
    if (cbio) {
        status = export_cbioportal(app, argv[optind], &flt, &o);
    } else if (out && strcmp(out, "-") != 0) {
        status = export_to_file(app, out, &flt, &o, want_events);
    } else {
        errno = 0;
        int rc = write_all(app, app->out, &flt, &o, want_events);
        if (rc == 0 && fflush(app->out) != 0)
            rc = 1;
        if (rc > 0)
            app_error(app, "export", "cannot write the output: %s",
                      strerror(errno ? errno : EIO));
        status = rc == 0 ? EXIT_OK : EXIT_FAIL;
    }
    memset(o.key, 0, sizeof o.key);
    return status;
}
