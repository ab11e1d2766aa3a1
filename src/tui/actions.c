/* tui/actions.c - what the interface changes or writes: the review state,
 * an edited field, an export of the filtered cases.  Each asks through the
 * dialogs (tui/dialogs.h) and writes through the store. */
#include "tui/actions.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/atomicfile.h"
#include "io/csvexport.h"
#include "tui/dialogs.h"
#include "core/textw.h"

/* ---- review state ------------------------------------------------------ */

static bool refuse_readonly(tui *t, const char *what)
{
    if (!store_is_readonly(t->app->store))
        return false;
    if (store_damage(t->app->store))
        tui_message(t, true, "damaged database, read-only: cannot %s (see imtreview check)",
                    what);
    else
        tui_message(t, true, "read-only (%s): cannot %s", store_readonly_why(t->app->store),
                    what);
    return true;
}

/* After a saved change: the row may move in the sort order, the panes
 * show the new values. */
static void after_save(tui *t, const char *id)
{
    t->data_gen++;
    lw_recount(t->lw);
    lw_reload(t->lw, id);
    tui_case_changed(t);
    t->dirty[PANE_LIST] = true;
    t->list_gen = t->lw->gen - 1;
}

void tui_review(tui *t)
{
    if (refuse_readonly(t, "set the review state"))
        return;
    const imt_case *c = lw_current(t->lw);
    if (!c) {
        tui_message(t, true, "no case under the cursor");
        return;
    }
    char id[64], title[600];
    snprintf(id, sizeof id, "%s", c->case_id);
    snprintf(title, sizeof title, "Review state of %s", id);
    int st = tui_choose(t, title, imt_review_values, REV_N, c->review_status);
    if (st < 0)
        return;
    char comment[512];
    snprintf(title, sizeof title, "Comment for %s -> %s (may be empty)", id,
             imt_review_values[st]);
    t->unsaved = true;
    int ok = tui_prompt(t, title, "", comment, sizeof comment, NULL, NULL);
    t->unsaved = false;
    if (ok != 1)
        return;
    int rc = store_set_review(t->app->store, id, st, comment[0] ? comment : NULL,
                              RULESET_VERSION);
    if (rc != STORE_OK) {
        tui_message(t, true, "review not saved: %s", store_errmsg(t->app->store));
        return;
    }
    after_save(t, id);
    tui_message(t, false, "%s: %s (audited, rule set %s)", id, imt_review_values[st],
                RULESET_VERSION);
}

/* ---- edit one field ------------------------------------------------------ */

/* An edit starts from the case as stored now (not the list's copy, which
 * may be older than someone else's change), checks the typed value as
 * import checks a cell, and saves only the fields edited
 * (store_update_fields), so a concurrent change to another field is
 * never written back.  When the value breaks a cross-field rule through
 * another field (a fusion needs its method, a cleared fusion needs its
 * method cleared, DOD needs a follow-up time...), that field is asked
 * for next and both are saved together; Esc at any step writes nothing. */
#define EDIT_CHAIN 4

typedef struct {
    tui *t;
    const imt_case *base;    /* as stored when the edit began */
    imt_case *work;          /* base with the values accepted so far */
    int chain[EDIT_CHAIN];   /* the fields edited, in order */
    int nchain;
    int field;               /* the field being typed */
    int next;                /* another field the rules need, or -1 */
    char why[300];           /* the rule that needs it */
    int nchanged;
} edit_ctx;

static bool editable(int f)
{
    return f != IMT_F_case_id && f != IMT_F_review_status && f != IMT_F_reviewer &&
           f != IMT_F_reviewed_at && !(imt_fields[f].flags & FF_DERIVED);
}

static int edit_check(void *ctx, const char *text, char *err, size_t errn)
{
    edit_ctx *e = ctx;
    imt_case c;
    imt_case_init(&c);
    if (imt_case_copy(&c, e->work) != 0) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    if (imt_field_parse_cell(&c, e->field, text, err, errn) != 0) {
        imt_case_clear(&c);
        return -1;
    }
    imt_case_derive(&c);
    int bad = -1;
    char msg[300];
    if (imt_case_crosscheck_new(e->base, &c, &bad, msg, sizeof msg)) {
        bool in_chain = bad == e->field;
        for (int i = 0; i < e->nchain; i++)
            in_chain = in_chain || e->chain[i] == bad;
        if (in_chain || !editable(bad) || e->nchain + 1 >= EDIT_CHAIN) {
            snprintf(err, errn, "%s", msg);
            imt_case_clear(&c);
            return -1;
        }
        /* accepted for now: the other field is asked for next */
        e->next = bad;
        snprintf(e->why, sizeof e->why, "%s", msg);
        e->chain[e->nchain++] = e->field;
        imt_case_clear(e->work);
        *e->work = c;
        return 0;
    }
    e->chain[e->nchain++] = e->field;
    int rc = store_update_fields(e->t->app->store, &c, e->chain, e->nchain, "edit",
                                 &e->nchanged);
    imt_case_clear(&c);
    if (rc != STORE_OK) {
        e->nchain--;
        snprintf(err, errn, "not saved: %s", store_errmsg(e->t->app->store));
        return -1;
    }
    e->next = -1;
    return 0;
}

void tui_edit(tui *t)
{
    if (refuse_readonly(t, "edit cases"))
        return;
    const imt_case *c = lw_current(t->lw);
    if (!c) {
        tui_message(t, true, "no case under the cursor");
        return;
    }
    /* Editable: everything but the id, the derived fields and the review
     * fields (R sets those, with a comment). */
    const char *labels[IMT_F_COUNT];
    int idx[IMT_F_COUNT];
    char lbuf[IMT_F_COUNT][64];
    int n = 0;
    for (int f = 0; f < imt_nfields && f < IMT_F_COUNT; f++) {
        if (!editable(f))
            continue;
        snprintf(lbuf[n], sizeof lbuf[n], "%-22s %s", imt_fields[f].label,
                 imt_fields[f].name);
        labels[n] = lbuf[n];
        idx[n++] = f;
    }
    char id[64];
    snprintf(id, sizeof id, "%s", c->case_id);
    imt_case base, work;
    if (store_get(t->app->store, id, &base) != STORE_OK) {
        tui_message(t, true, "cannot edit %s: %s", id, store_errmsg(t->app->store));
        return;
    }
    imt_case_init(&work);
    if (imt_case_copy(&work, &base) != 0) {
        imt_case_clear(&base);
        tui_message(t, true, "out of memory");
        return;
    }
    char title[1400];
    snprintf(title, sizeof title, "Edit %s: which field?", id);
    int k = tui_choose(t, title, labels, n, 0);
    edit_ctx e;
    memset(&e, 0, sizeof e);
    e.t = t;
    e.base = &base;
    e.work = &work;
    e.next = k < 0 ? -1 : idx[k];
    int ok = 0;
    t->unsaved = true;
    while (e.next >= 0) {
        int f = e.field = e.next;
        e.next = -1;
        char cur[4096], out[4096];
        imt_field_format(&work, f, cur, sizeof cur);
        const char *const *vals = imt_fields[f].values;
        char allowed[512] = "";
        if (vals) {
            size_t l = 0;
            for (int i = 0; vals[i] && l + 32 < sizeof allowed; i++)
                l += (size_t)snprintf(allowed + l, sizeof allowed - l, "%s%s",
                                      i ? "/" : "", vals[i]);
        }
        if (e.nchain == 0)
            snprintf(title, sizeof title, "%s: %s%s%s (empty = unknown)", id,
                     imt_fields[f].name, allowed[0] ? " " : "", allowed);
        else
            snprintf(title, sizeof title, "%s: now %s%s%s, as the new %s needs (%s)", id,
                     imt_fields[f].name, allowed[0] ? " " : "", allowed,
                     imt_fields[e.chain[e.nchain - 1]].name, e.why);
        ok = tui_prompt(t, title, cur, out, sizeof out, edit_check, &e);
        if (ok != 1)
            break;
    }
    t->unsaved = false;
    if (ok == 1) {
        after_save(t, id);
        char names[200] = "";
        size_t l = 0;
        for (int i = 0; i < e.nchain && l < sizeof names - 40; i++)
            l += (size_t)snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "",
                                  imt_fields[e.chain[i]].name);
        if (e.nchanged)
            tui_message(t, false, "%s: %s saved (audited)", id, names);
        else
            tui_message(t, false, "%s: %s unchanged", id, names);
    } else if (e.nchain > 0) {
        tui_message(t, false, "%s: edit cancelled; nothing saved", id);
    }
    imt_case_clear(&work);
    imt_case_clear(&base);
}

/* ---- export ---------------------------------------------------------------- */

/* The filtered cases, in the list's order, through the one CSV writer
 * (io/csvexport.h: the same columns, quoting and line ends as `imtreview
 * export`).  Written to a temporary file next to the target, flushed to
 * disk and renamed over it, so a failed export never leaves half a file
 * under the chosen name; a new file gets mode 0600, a replaced one keeps
 * its mode. */
typedef struct { FILE *f; const csvexp_opts *o; long n; } exp_ctx;

static int exp_row(void *ctx, const imt_case *c)
{
    exp_ctx *e = ctx;
    if (csvexp_row(e->f, c, e->o) != 0)
        return 1;
    e->n++;
    return 0;
}

/* Write the export into path atomically (io/atomicfile.h).  Returns the
 * number of cases, or -1 with a reason in err. */
/* De-identified rows go out in pseudonym order, as `export --deidentify`
 * writes them (the list's order would give the cases away). */
static void exp_pseudonym_key(void *kctx, const imt_case *c, char *out, size_t n)
{
    const csvexp_opts *o = kctx;
    char p[CSVEXP_PSEUDONYM_LEN + 1];
    csvexp_case_pseudonym(o->key, c, p);
    snprintf(out, n, "%s", p);
}

static long export_file(tui *t, const char *path, csvexp_opts *o, char *err, size_t errn)
{
    if (o->deidentify && store_secret(t->app->store, o->key) != STORE_OK) {
        snprintf(err, errn, "cannot read the pseudonym key: %s", store_errmsg(t->app->store));
        return -1;
    }
    atomic_file af;
    if (af_open(&af, path) != 0) {
        snprintf(err, errn, "cannot create a temporary file beside it: %s",
                 strerror(errno));
        return -1;
    }
    exp_ctx e = { af.f, o, 0 };
    errno = 0;
    int rc = csvexp_header(af.f, o) != 0 ? 1
           : o->deidentify
           ? store_foreach_by_key(t->app->store, &t->lw->filter, exp_pseudonym_key, o,
                                  exp_row, &e)
           : store_foreach(t->app->store, &t->lw->filter, t->lw->sort, exp_row, &e);
    memset(o->key, 0, sizeof o->key);
    if (rc != 0) {
        int werr = errno;
        af_abort(&af);
        if (rc < 0)
            snprintf(err, errn, "database error: %s", store_errmsg(t->app->store));
        else
            snprintf(err, errn, "%s", strerror(werr ? werr : EIO));
        return -1;
    }
    if (af_commit(&af) != 0) {
        snprintf(err, errn, "%s", strerror(errno));
        return -1;
    }
    return e.n;
}

void tui_export(tui *t)
{
    /* The choices of `imtreview export`: --excel-safe, --deidentify,
     * --deidentify --keep-free-text. */
    static const char *const kinds[] = {
        "All columns (re-imports)",
        "All columns, formula-safe (for spreadsheets)",
        "De-identified: no free text, dates or case ids; ages 90+ as 90",
        "De-identified, formula-safe",
        "De-identified but keeping the free text (read it first)",
    };
    int kind = tui_choose(t, "Export as", kinds, (int)(sizeof kinds / sizeof kinds[0]), 0);
    if (kind < 0)
        return;
    csvexp_opts o;
    memset(&o, 0, sizeof o);
    o.excel_safe = kind == 1 || kind == 3;
    o.deidentify = kind >= 2;
    o.keep_free_text = kind == 4;
    char name[1024];
    if (tui_prompt(t, "Export the filtered cases to CSV file", "imtreview-export.csv",
                   name, sizeof name, NULL, NULL) != 1 || !name[0])
        return;
    struct stat st;
    bool existed = stat(name, &st) == 0;
    if (existed && !S_ISREG(st.st_mode)) {
        tui_message(t, true, "export: %s is not a regular file; nothing written", name);
        return;
    }
    if (existed && !tui_confirm(t, "The file exists. Replace it?"))
        return;
    char err[512] = "";
    long n = export_file(t, name, &o, err, sizeof err);
    if (n < 0) {
        tui_message(t, true, "export to %s failed: %s; %s", name, err,
                    existed ? "the file is unchanged" : "no file was written");
        return;
    }
    tui_message(t, false, "exported %ld case%s to %s%s", n, n == 1 ? "" : "s", name,
                o.deidentify ? " (de-identified)" : "");
}

/* ---- the course (C) ------------------------------------------------------ */

/* One event on one menu row, made safe for the terminal (database text)
 * and cut to fit. */
static void event_row(tui *t, const imt_event *e, char *out, size_t n)
{
    char raw[1200], when[32];
    ev_format_cell(e, EVC_DATE, when, sizeof when);
    size_t l = (size_t)snprintf(raw, sizeof raw, "%-10s  %s", when,
                                e->type >= 0 ? ev_type_values[e->type] : "?");
    for (int col = EVC_LINE; col < EVC_N && l < sizeof raw - 8; col++) {
        char buf[64];
        const char *v = ev_cell(e, col, buf, sizeof buf);
        if (v && *v)
            l += (size_t)snprintf(raw + l, sizeof raw - l, col == EVC_LINE ? " line %s" : " %s", v);
    }
    textw_fit(raw, 70, !t->utf8 || t->ascii, false, out, n);
}

typedef struct {
    tui *t;
    const char *case_id;
    imt_event *work;       /* the event as typed so far            */
    int col;               /* the column being typed               */
    unsigned asked;        /* columns typed so far (bit per column) */
    int op;                /* COURSE_ADD or COURSE_UPDATE           */
    long long id;          /* the event edited                      */
    bool save_here;        /* this prompt's Enter saves             */
    bool saved;
} ev_edit;

typedef struct {
    unsigned asked;
    char msg[400];
    bool any;
} row_err;

static void row_err_report(void *ctx, int col, const char *msg)
{
    row_err *r = ctx;
    if (r->any || !(r->asked & (1u << col)))
        return;           /* a column not yet typed says nothing yet */
    r->any = true;
    snprintf(r->msg, sizeof r->msg, "%s: %s", ev_columns[col], msg);
}

/* A typed value: the cell through the events parser, then the whole row
 * (the per-type rules) for the columns typed so far; on the last prompt,
 * the save (refused with the course's reason, and the prompt stays). */
static int ev_field_check(void *ctx, const char *text, char *err, size_t errn)
{
    ev_edit *x = ctx;
    imt_event tmp;
    if (ev_copy(&tmp, x->work) != 0) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    int rc = ev_parse_cell(&tmp, x->col, text, err, errn);
    if (rc != 0) {
        ev_clear(&tmp);
        return -1;
    }
    const char *cells[EVC_N];
    char bufs[EVC_N][64];
    for (int c = 0; c < EVC_N; c++)
        cells[c] = ev_cell(&tmp, c, bufs[c], sizeof bufs[c]);
    row_err re = { x->asked | (1u << x->col), "", false };
    imt_event parsed;
    ev_init(&parsed);
    ev_parse_row(&parsed, cells, row_err_report, &re);
    if (re.any) {
        snprintf(err, errn, "%s", re.msg);
        ev_clear(&tmp);
        ev_clear(&parsed);
        return -1;
    }
    if (x->save_here) {
        long long nid = 0;
        int src = store_course_edit(x->t->app->store, x->case_id, x->op, x->id, &parsed,
                                    "edit", &nid);
        if (src != STORE_OK) {
            snprintf(err, errn, "not saved: %s", store_errmsg(x->t->app->store));
            ev_clear(&tmp);
            ev_clear(&parsed);
            return -1;
        }
        x->saved = true;
    }
    ev_clear(x->work);
    *x->work = parsed;
    ev_clear(&tmp);
    x->asked |= 1u << x->col;
    return 0;
}

static const char *const col_hint[EVC_N] = {
    [EVC_DATE] = "YYYY-MM-DD, or days from diagnosis",
    [EVC_LINE] = "therapy line, 1 to 99",
    [EVC_AGENT] = "e.g. crizotinib; chemo:MTX+VCR; radiotherapy:50.4/28; several with ;",
    [EVC_INTENT] = "neoadjuvant/adjuvant/definitive/palliative",
    [EVC_REASON] = "completed/progression/toxicity/patient_choice/other",
    [EVC_RESPONSE] = "CR/PR/SD/PD/NE (RECIST 1.1)",
    [EVC_EXTENT] = "R0/R1/R2",
    [EVC_SITE] = "text (a recurrence: local/distant)",
    [EVC_DETAIL] = "text (a biopsy: alk_ihc=...; a contact: NED/AWD/DOD/DOC)",
};

/* Ask the columns of mask in order; the last one saves.  1 saved, 0 not. */
static int ask_columns(tui *t, ev_edit *x, unsigned mask)
{
    int last = -1;
    for (int col = EVC_DATE; col < EVC_N; col++)
        if (mask & (1u << col))
            last = col;
    for (int col = EVC_DATE; col < EVC_N; col++) {
        if (!(mask & (1u << col)))
            continue;
        x->col = col;
        x->save_here = col == last;
        char cur[1200], out[1200], title[600];
        ev_format_cell(x->work, col, cur, sizeof cur);
        bool req = ev_required_cols(x->work->type) & (1u << col);
        snprintf(title, sizeof title, "%s %s: %s (%s)%s", x->case_id,
                 x->work->type >= 0 ? ev_type_values[x->work->type] : "event",
                 ev_columns[col], col_hint[col] ? col_hint[col] : "",
                 req ? "" : ", empty = not recorded");
        if (tui_prompt(t, title, cur, out, sizeof out, ev_field_check, x) != 1)
            return 0;
    }
    return x->saved ? 1 : 0;
}

static void course_add_event(tui *t, const char *id)
{
    int type = tui_choose(t, "New event: which type?", ev_type_values, EV_NTYPES, 0);
    if (type < 0)
        return;
    imt_event work;
    ev_init(&work);
    snprintf(work.case_id, sizeof work.case_id, "%.32s", id);
    work.type = type;
    ev_edit x = { t, id, &work, 0, (1u << EVC_CASE_ID) | (1u << EVC_TYPE), COURSE_ADD, 0,
                  false, false };
    unsigned mask = ev_allowed_cols(type) & ~((1u << EVC_CASE_ID) | (1u << EVC_TYPE));
    t->unsaved = true;
    int ok = ask_columns(t, &x, mask);
    t->unsaved = false;
    if (ok) {
        after_save(t, id);
        tui_message(t, false, "%s: %s event added (audited)", id, ev_type_values[type]);
    } else {
        tui_message(t, false, "%s: no event added", id);
    }
    ev_clear(&work);
}

static void course_change(tui *t, const char *id, const imt_event *e)
{
    static const char *const what[] = { "Edit a field of this event", "Remove this event" };
    char row[160], title[300];
    event_row(t, e, row, sizeof row);
    snprintf(title, sizeof title, "%s", row);
    int k = tui_choose(t, title, what, 2, 0);
    if (k < 0)
        return;
    if (k == 1) {
        if (!tui_confirm(t, "Remove this event? (audited)"))
            return;
        int rc = store_course_edit(t->app->store, id, COURSE_REMOVE, e->id, NULL, "edit", NULL);
        if (rc != STORE_OK) {
            tui_message(t, true, "not removed: %s", store_errmsg(t->app->store));
            return;
        }
        after_save(t, id);
        tui_message(t, false, "%s: event removed (audited)", id);
        return;
    }
    unsigned allow = ev_allowed_cols(e->type) & ~((1u << EVC_CASE_ID) | (1u << EVC_TYPE));
    const char *labels[EVC_N];
    char lbuf[EVC_N][300];
    int cols[EVC_N], n = 0;
    for (int col = EVC_DATE; col < EVC_N; col++) {
        if (!(allow & (1u << col)))
            continue;
        char v[120];
        char safe[TEXTW_BUFSIZE(60)];
        textw_fit(ev_format_cell(e, col, v, sizeof v), 50, !t->utf8 || t->ascii, false,
                  safe, sizeof safe);
        snprintf(lbuf[n], sizeof lbuf[n], "%-9s %s", ev_columns[col], safe);
        labels[n] = lbuf[n];
        cols[n++] = col;
    }
    int f = tui_choose(t, "Which field?", labels, n, 0);
    if (f < 0)
        return;
    imt_event work;
    if (ev_copy(&work, e) != 0) {
        tui_message(t, true, "out of memory");
        return;
    }
    ev_edit x = { t, id, &work, 0, 0xffffu, COURSE_UPDATE, e->id, false, false };
    t->unsaved = true;
    int ok = ask_columns(t, &x, 1u << cols[f]);
    t->unsaved = false;
    if (ok) {
        after_save(t, id);
        tui_message(t, false, "%s: event changed (audited)", id);
    }
    ev_clear(&work);
}

void tui_course(tui *t)
{
    if (refuse_readonly(t, "edit the course"))
        return;
    const imt_case *c = lw_current(t->lw);
    if (!c) {
        tui_message(t, true, "no case under the cursor");
        return;
    }
    char id[64];
    snprintf(id, sizeof id, "%s", c->case_id);
    int sel = 0;
    for (;;) {
        /* the course as stored now (someone else may have changed it) */
        imt_course co;
        if (store_events_get(t->app->store, id, &co) != STORE_OK) {
            tui_message(t, true, "course of %s: %s", id, store_errmsg(t->app->store));
            return;
        }
        int n = co.n + 1;
        char (*rows)[160] = calloc((size_t)n, sizeof *rows);
        const char **items = calloc((size_t)n, sizeof *items);
        if (!rows || !items) {
            free(rows);
            free(items);
            course_clear(&co);
            tui_message(t, true, "out of memory");
            return;
        }
        snprintf(rows[0], sizeof rows[0], "+ add an event");
        items[0] = rows[0];
        for (int i = 0; i < co.n; i++) {
            event_row(t, &co.v[i], rows[i + 1], sizeof rows[i + 1]);
            items[i + 1] = rows[i + 1];
        }
        char title[200];
        snprintf(title, sizeof title, "Course of %s (Enter: add, or edit/remove an event)", id);
        int k = tui_choose(t, title, items, n, sel < n ? sel : 0);
        free(items);
        free(rows);
        if (k < 0) {
            course_clear(&co);
            return;
        }
        sel = k;
        if (k == 0)
            course_add_event(t, id);
        else
            course_change(t, id, &co.v[k - 1]);
        course_clear(&co);
    }
}
