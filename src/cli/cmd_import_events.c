/* cli/cmd_import_events.c - `imtreview import --events FILE.csv` (issue 14):
 * the events CSV (core/events.h; sample-data/README.md "The events CSV"),
 * read with the same reader and strictness as the cases (io/csvimport.h:
 * FILE:LINE: column 'NAME': message, every error up to a cap) and written
 * in one transaction: all of it or nothing.
 *
 * Each row is checked on its own (columns, vocabularies, the columns its
 * type takes), then each course as a whole with its case (no event before
 * diagnosis or after death, a stop after its start, a response inside its
 * line, one line open at a time per agent class).  The second check needs
 * every event of a case, which may be spread over the file: a real import
 * writes the rows as they come, inside its transaction, and reads each
 * touched course back at the end (memory: the case ids and one int per
 * event); a dry run keeps the file's events in memory instead, as it
 * writes nothing.  An event already recorded for the case (every column
 * equal) is not added twice; --replace makes the file's events the whole
 * course of every case it names. */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "io/csvimport.h"
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- a small set of case ids, in first-seen order ------------------------- */

typedef struct {
    char  **ids;         /* first-seen order            */
    long   *first_line;  /* first line of the file      */
    size_t  n, cap;
    long   *slot;        /* open addressing: index + 1  */
    size_t  mask;
} idset;

static unsigned long hash_str(const char *s)
{
    unsigned long h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static long idset_find(const idset *s, const char *id)
{
    if (!s->slot)
        return -1;
    for (size_t j = hash_str(id) & s->mask; s->slot[j]; j = (j + 1) & s->mask)
        if (strcmp(s->ids[s->slot[j] - 1], id) == 0)
            return s->slot[j] - 1;
    return -1;
}

/* Index of id, added when new (*added set); -1 when out of memory. */
static long idset_add(idset *s, const char *id, long line, bool *added)
{
    *added = false;
    long k = idset_find(s, id);
    if (k >= 0)
        return k;
    if (!s->slot || (s->n + 1) * 2 > s->mask + 1) {
        size_t nc = s->slot ? (s->mask + 1) * 2 : 1024;
        long *ns = calloc(nc, sizeof *ns);
        if (!ns)
            return -1;
        for (size_t i = 0; i < s->n; i++) {
            size_t j = hash_str(s->ids[i]) & (nc - 1);
            while (ns[j])
                j = (j + 1) & (nc - 1);
            ns[j] = (long)i + 1;
        }
        free(s->slot);
        s->slot = ns;
        s->mask = nc - 1;
    }
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 256;
        char **ni = realloc(s->ids, nc * sizeof *ni);
        if (!ni)
            return -1;
        s->ids = ni;
        long *nl = realloc(s->first_line, nc * sizeof *nl);
        if (!nl)
            return -1;
        s->first_line = nl;
        s->cap = nc;
    }
    char *d = strdup(id);
    if (!d)
        return -1;
    size_t j = hash_str(id) & s->mask;
    while (s->slot[j])
        j = (j + 1) & s->mask;
    s->slot[j] = (long)s->n + 1;
    s->ids[s->n] = d;
    s->first_line[s->n] = line;
    *added = true;
    return (long)s->n++;
}

static void idset_free(idset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->ids[i]);
    free(s->ids);
    free(s->first_line);
    free(s->slot);
}

/* ---- the import ---------------------------------------------------------------- */

typedef struct { long long id; long line; } idline;

typedef struct {
    imt_app   *app;
    const char *fname;
    bool       dry_run, replace;
    char      *source;
    idset      cases;          /* cases the file names (that exist)       */
    /* the stored course of the last case seen (duplicate detection) */
    char       cur[64];
    imt_course stored;
    bool       cur_exists;
    /* real run: the line of every event written (ids ascending) */
    idline    *lines;
    size_t     nlines, caplines;
    /* dry run: the file's events (id = -line) by case */
    imt_course *pending;       /* parallel to cases.ids                    */
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

/* The stored course of case id into x->stored (cached for the last case).
 * Returns 1 when the case exists, 0 when it does not, -1 on a database
 * error (reported). */
static int load_case(evimp *x, csvimp *imp, const char *id, long line)
{
    if (x->cur[0] && strcmp(x->cur, id) == 0)
        return x->cur_exists;
    course_clear(&x->stored);
    snprintf(x->cur, sizeof x->cur, "%s", id);
    x->cur_exists = false;
    if (!x->app->store)
        return 0;
    int rc = store_events_get(x->app->store, id, &x->stored);
    if (rc == STORE_NOTFOUND)
        return 0;
    if (rc != STORE_OK) {
        db_error(x, imp, line, rc);
        x->cur[0] = '\0';
        return -1;
    }
    x->cur_exists = true;
    return 1;
}

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
    int ex = load_case(x, imp, e.case_id, line);
    if (ex < 0) {
        ev_clear(&e);
        return -2;
    }
    if (ex == 0) {
        csvimp_error_col(imp, line, "case_id", "no case '%s' in the database (import the "
                         "cases first)", e.case_id);
        ev_clear(&e);
        return -1;
    }
    bool first;
    long k = idset_add(&x->cases, e.case_id, line, &first);
    if (k < 0) {
        csvimp_error(imp, line, -1, "out of memory");
        ev_clear(&e);
        return -2;
    }
    if (x->dry_run && first) {
        imt_course *np = realloc(x->pending, x->cases.cap * sizeof *np);
        if (!np) {
            csvimp_error(imp, line, -1, "out of memory");
            ev_clear(&e);
            return -2;
        }
        x->pending = np;
        course_init(&x->pending[k]);
    }
    bool write = !x->dry_run && csvimp_errors(imp) == 0;
    if (x->replace) {
        if (first) {
            x->removed += x->stored.n;
            for (int i = 0; write && i < x->stored.n; i++) {
                int rc = store_event_remove(x->app->store, e.case_id, x->stored.v[i].id,
                                            x->source);
                if (rc != STORE_OK) {
                    db_error(x, imp, line, rc);
                    ev_clear(&e);
                    return -2;
                }
            }
        }
    } else {
        for (int i = 0; i < x->stored.n; i++)
            if (ev_equal(&x->stored.v[i], &e)) {
                x->unchanged++;
                ev_clear(&e);
                return 0;
            }
    }
    x->added++;
    if (x->dry_run) {
        e.id = -line;
        int rc = course_add(&x->pending[k], &e);
        ev_clear(&e);
        if (rc != 0) {
            csvimp_error(imp, line, -1, "out of memory");
            return -2;
        }
        return 0;
    }
    if (write) {
        int rc = store_event_add(x->app->store, e.case_id, &e, x->source);
        if (rc != STORE_OK) {
            db_error(x, imp, line, rc);
            ev_clear(&e);
            return -2;
        }
        if (x->nlines == x->caplines) {
            size_t nc = x->caplines ? x->caplines * 2 : 4096;
            idline *nl = realloc(x->lines, nc * sizeof *nl);
            if (!nl) {
                csvimp_error(imp, line, -1, "out of memory");
                ev_clear(&e);
                return -2;
            }
            x->lines = nl;
            x->caplines = nc;
        }
        x->lines[x->nlines++] = (idline){ e.id, line };
    }
    ev_clear(&e);
    return 0;
}

/* The file line of an event: dry run, -id; real run, the map; 0 = stored
 * before this import. */
static long line_of(const evimp *x, const imt_event *e)
{
    if (e->id < 0)
        return -e->id;
    size_t lo = 0, hi = x->nlines;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (x->lines[mid].id < e->id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < x->nlines && x->lines[lo].id == e->id ? x->lines[lo].line : 0;
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
    long line = ev >= 0 ? line_of(c->x, &c->co->v[ev]) : 0;
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

/* Each course the file touched, whole: the checks, duplicates within
 * the file, the notes on the one-row fields, and next_due. */
static int check_courses(evimp *x, csvimp *imp)
{
    bool write = !x->dry_run;
    for (size_t k = 0; k < x->cases.n; k++) {
        const char *id = x->cases.ids[k];
        imt_case c;
        imt_course co;
        course_init(&co);
        int rc = store_get(x->app->store, id, &c);
        if (rc == STORE_OK)
            rc = store_events_get(x->app->store, id, &co);
        if (rc != STORE_OK) {
            db_error(x, imp, x->cases.first_line[k], rc);
            imt_case_clear(&c);
            course_clear(&co);
            return -1;
        }
        if (x->dry_run) {
            if (x->replace)
                course_clear(&co);
            for (int i = 0; i < x->pending[k].n; i++)
                if (course_add(&co, &x->pending[k].v[i]) != 0) {
                    csvimp_error(imp, 0, -1, "out of memory");
                    imt_case_clear(&c);
                    course_clear(&co);
                    return -1;
                }
            course_sort(&co, &c);
        }
        course_ctx cc = { x, imp, &co, x->cases.first_line[k], id };
        /* the same event twice in the file */
        for (int i = 0; i < co.n; i++)
            for (int j = i + 1; j < co.n; j++) {
                long li = line_of(x, &co.v[i]), lj = line_of(x, &co.v[j]);
                if (li > 0 && lj > 0 && ev_equal(&co.v[i], &co.v[j])) {
                    csvimp_error_col(imp, li > lj ? li : lj, "case_id",
                                     "the same event as line %ld", li > lj ? lj : li);
                    break;
                }
            }
        course_validate(&c, &co, course_report, &cc);
        course_consistency(&c, &co, note_report, &cc);
        if (write && csvimp_errors(imp) == 0) {
            rc = store_course_refresh(x->app->store, id);
            if (rc != STORE_OK) {
                db_error(x, imp, x->cases.first_line[k], rc);
                imt_case_clear(&c);
                course_clear(&co);
                return -1;
            }
        }
        imt_case_clear(&c);
        course_clear(&co);
    }
    if (x->notes > 20) {
        csvimp_print_safe(x->app->err, x->fname);
        fprintf(x->app->err, ": ... and %ld more notes\n", x->notes - 20);
    }
    return 0;
}

static int finish_cb(void *ctx, csvimp *imp)
{
    evimp *x = ctx;
    if (x->db_failed || !x->app->store)
        return 0;
    return check_courses(x, imp);
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
    course_init(&x.stored);
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
                x.cases.n, x.cases.n == 1 ? "" : "s");
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
    csvimp_print_safe(app->out, fname);
    fprintf(app->out, ": %s, for %zu case%s\n", what, x.cases.n, x.cases.n == 1 ? "" : "s");
    if (fflush(app->out) != 0 || ferror(app->out))
        app_error(app, "import", "the import was saved, but its report could not be written");
    status = EXIT_OK;
out:
    if (in_tx)
        store_rollback(app->store);
    course_clear(&x.stored);
    for (size_t k = 0; x.pending && k < x.cases.n; k++)
        course_clear(&x.pending[k]);
    free(x.pending);
    free(x.lines);
    idset_free(&x.cases);
    free(x.source);
    if (in != stdin)
        fclose(in);
    return status;
}
