/* cli/cmd_import_events.c - `imtreview import --events FILE.csv` (issue 14):
 * the events CSV (core/events.h; imtreview-csv(5), "THE EVENTS CSV"),
 * read with the same reader and strictness as the cases (io/csvimport.h:
 * FILE:LINE: column 'NAME': message, every error up to a cap) and written
 * in one transaction: all of it or nothing.
 *
 * Each row is checked on its own as it is read (columns, vocabularies,
 * the columns its type takes, its case exists) and staged in the store
 * (store_evstage_*: a temporary table, not memory).  Then each course is
 * checked as a whole with its case (no event before diagnosis or after
 * death, a stop after its start, a response inside its line, one line
 * open at a time per agent class), one case at a time in the order the
 * cases first appear in the file, and written at once while the file has
 * no error (store_course_import).  Memory: one case's course, whatever
 * the size of the file.  A dry run does the same and writes nothing.  An
 * event already recorded for the case (every column equal) is not added
 * twice; --replace makes the file's events the whole course of every case
 * it names. */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "io/csvimport.h"
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the import ---------------------------------------------------------------- */

typedef struct {
    imt_app   *app;
    const char *fname;
    bool       dry_run, replace;
    char      *source;
    store_evstage *stage;      /* the file's events, staged in the store  */
    size_t     ncases;         /* cases the file names (that exist)       */
    long       added, unchanged, removed, notes;
    bool       db_failed;
} evimp;

static void db_error(evimp *x, csvimp *imp, long line, int rc)
{
    const char *why = rc == STORE_BUSY ? "the database is busy (locked by another user)"
                    : rc == STORE_READONLY ? "the database is open read-only"
                    : store_errmsg(x->app->store);
    csvimp_error(imp, line, -1, "database error: %s; nothing was imported", why ? why : "?");
    x->db_failed = true;
}

static void row_report(void *ctx, int col, const char *msg)
{
    void **p = ctx;
    csvimp_error_col(p[0], *(long *)p[1], ev_columns[col], "%s", msg);
}

/* Each row on its own (its columns, its case exists), staged for the
 * checks of each course as a whole at the end. */
static int row_cb(void *ctx, csvimp *imp, const char *const *cells, long line)
{
    evimp *x = ctx;
    if (x->db_failed)
        return -2;
    imt_event e;
    ev_init(&e);
    void *rp[2] = { imp, &line };
    int bad = ev_parse_row(&e, cells, row_report, rp);
    if (bad) {
        ev_clear(&e);
        return -1;
    }
    int rc = store_evstage_add(x->stage, &e, line);
    if (rc == STORE_NOTFOUND) {
        csvimp_error_col(imp, line, "case_id", "no case '%s' in the database (import the "
                         "cases first)", e.case_id);
        ev_clear(&e);
        return -1;
    }
    ev_clear(&e);
    if (rc != STORE_OK) {
        db_error(x, imp, line, rc);
        return -2;
    }
    return 0;
}

/* The file line of an event: -id for the file's (staged) events, 0 for
 * one stored before this import. */
static long line_of(const imt_event *e)
{
    return e->id < 0 ? -e->id : 0;
}

typedef struct {
    evimp *x;
    csvimp *imp;
    const imt_course *co;
    long first_line;
    const char *case_id;
} course_ctx;

static void course_report(void *vctx, int ev, int col, const char *msg)
{
    course_ctx *c = vctx;
    long line = ev >= 0 ? line_of(&c->co->v[ev]) : 0;
    const char *colname = col >= 0 ? ev_columns[col] : "case_id";
    if (line > 0) {
        csvimp_error_col(c->imp, line, colname, "%s", msg);
    } else {
        char w[32] = "";
        if (ev >= 0)
            ev_format_cell(&c->co->v[ev], EVC_DATE, w, sizeof w);
        csvimp_error_col(c->imp, c->first_line, colname, "case '%s'%s%s%s: %s", c->case_id,
                         ev >= 0 ? ", the event already recorded on " : "", w,
                         ev >= 0 ? "" : "", msg);
    }
}

static void note_report(void *vctx, int field, const char *msg)
{
    course_ctx *c = vctx;
    c->x->notes++;
    if (c->x->notes > 20)
        return;
    FILE *fp = c->x->app->err;
    csvimp_print_safe(fp, c->x->fname);
    fprintf(fp, ":%ld: note: case '%s': column '%s' ", c->first_line, c->case_id,
            imt_fields[field].name);
    csvimp_print_safe(fp, msg);
    fputs(" (imtreview check reports it until it is made consistent)\n", fp);
}

/* One case of the file: its staged events against its stored course (an
 * event already recorded is not added twice; --replace makes the file's
 * events the whole course), the course that results checked as a whole,
 * and written while the file has no error. */
static int one_course(evimp *x, csvimp *imp, const imt_case *c, const imt_course *stored,
                      imt_course *staged, long first_line)
{
    imt_course add, co;
    course_init(&add);
    course_init(&co);
    int ret = 0;
    if (x->replace) {
        x->removed += stored->n;
    } else {
        for (int i = 0; i < stored->n && ret == 0; i++)
            if (course_add(&co, &stored->v[i]) != 0)
                ret = -1;
    }
    for (int j = 0; j < staged->n && ret == 0; j++) {
        const imt_event *e = &staged->v[j];
        bool known = false;
        for (int i = 0; !x->replace && i < stored->n && !known; i++)
            known = ev_equal(&stored->v[i], e);
        if (known) {
            x->unchanged++;
            continue;
        }
        x->added++;
        if (course_add(&add, e) != 0 || course_add(&co, e) != 0)
            ret = -1;
    }
    if (ret != 0) {
        csvimp_error(imp, 0, -1, "out of memory");
        goto out;
    }
    course_sort(&co, c);
    course_ctx cc = { x, imp, &co, first_line, c->case_id };
    /* the same event twice in the file */
    for (int i = 0; i < co.n; i++)
        for (int j = i + 1; j < co.n; j++) {
            long li = line_of(&co.v[i]), lj = line_of(&co.v[j]);
            if (li > 0 && lj > 0 && ev_equal(&co.v[i], &co.v[j])) {
                csvimp_error_col(imp, li > lj ? li : lj, "case_id",
                                 "the same event as line %ld", li > lj ? lj : li);
                break;
            }
        }
    course_validate(c, &co, course_report, &cc);
    course_consistency(c, &co, note_report, &cc);
    if (!x->dry_run && csvimp_errors(imp) == 0) {
        int rc = store_course_import(x->app->store, c, stored, x->replace, &add, x->source);
        if (rc != STORE_OK) {
            db_error(x, imp, first_line, rc);
            ret = -1;
        }
    }
out:
    course_clear(&add);
    course_clear(&co);
    return ret;
}

/* Each course the file touched, whole, one case at a time from the
 * staging area. */
static int finish_cb(void *ctx, csvimp *imp)
{
    evimp *x = ctx;
    if (x->db_failed)
        return 0;
    int ret = 0;
    for (;;) {
        imt_case c;
        imt_course stored, staged;
        long first_line;
        int rc = store_evstage_next(x->stage, &c, &stored, &staged, &first_line);
        if (rc == STORE_NOTFOUND)
            break;
        if (rc != STORE_OK) {
            db_error(x, imp, 0, rc);
            ret = -1;
            break;
        }
        x->ncases++;
        ret = one_course(x, imp, &c, &stored, &staged, first_line);
        imt_case_clear(&c);
        course_clear(&stored);
        course_clear(&staged);
        if (ret != 0)
            break;
    }
    if (x->notes > 20) {
        csvimp_print_safe(x->app->err, x->fname);
        fprintf(x->app->err, ": ... and %ld more notes\n", x->notes - 20);
    }
    return ret;
}

int cmd_import_events(imt_app *app, const char *path, bool dry_run, bool replace,
                      bool ignore_unknown)
{
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
    evimp x;
    memset(&x, 0, sizeof x);
    x.app = app;
    x.fname = fname;
    x.dry_run = dry_run;
    x.replace = replace;
    int status = EXIT_FAIL;
    bool in_tx = false;
    /* events need their cases: there is no database to create here */
    if (dry_run)
        app->readonly = true;
    if (app_open_store(app) != EXIT_OK)
        goto out;
    if (!dry_run) {
        if (store_is_readonly(app->store)) {
            app_error(app, "import", "the database is open read-only; nothing imported");
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
    if (!(x.stage = store_evstage_open(app->store))) {
        app_error(app, "import", "%s", store_errmsg(app->store));
        goto out;
    }
    if (asprintf(&x.source, "import --events %s", fname) < 0) {
        x.source = NULL;
        app_error(app, "import", "out of memory");
        goto out;
    }
    csvimp_opts o = {
        .filename = fname, .err = app->err, .ignore_unknown = ignore_unknown,
        .columns = ev_columns, .row = row_cb, .finish = finish_cb, .ctx = &x,
    };
    csvimp_result res;
    int rc = csvimp_run(in, &o, &res);
    if (rc != 0) {
        csvimp_print_safe(app->err, fname);
        if (rc > 0)
            fprintf(app->err, ": %ld error%s; %s\n", res.errors, res.errors == 1 ? "" : "s",
                    dry_run ? "a real import would be refused" : "nothing was imported");
        else
            fprintf(app->err, ": nothing was imported\n");
        goto out;
    }
    char what[200];
    snprintf(what, sizeof what, "%ld event%s added, %ld unchanged%s", x.added,
             x.added == 1 ? "" : "s", x.unchanged,
             replace ? "" : " (already recorded)");
    if (replace) {
        size_t l = strlen(what);
        snprintf(what + l, sizeof what - l, ", %ld removed (--replace)", x.removed);
    }
    if (dry_run) {
        csvimp_print_safe(app->out, fname);
        fprintf(app->out, ": dry run: would be %s, for %zu case%s; nothing written\n", what,
                x.ncases, x.ncases == 1 ? "" : "s");
        status = EXIT_OK;
        goto out;
    }
    store_evstage_close(x.stage);
    x.stage = NULL;
    int crc = store_commit(app->store);
    if (crc != STORE_OK) {
        app_error(app, "import", "commit failed (%s); nothing was imported",
                  crc == STORE_BUSY ? "the database is busy" : store_errmsg(app->store));
        goto out;
    }
    in_tx = false;
    app->saved = true;
    csvimp_print_safe(app->out, fname);
    fprintf(app->out, ": %s, for %zu case%s\n", what, x.ncases, x.ncases == 1 ? "" : "s");
    if (fflush(app->out) != 0 || ferror(app->out))
        app_error(app, "import", "the import was saved, but its report could not be written");
    status = EXIT_OK;
out:
    store_evstage_close(x.stage);
    if (in_tx)
        store_rollback(app->store);
    free(x.source);
    if (in != stdin)
        fclose(in);
    return status;
}
