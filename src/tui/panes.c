/* tui/panes.c - drawing the case list and the three text panes (detail,
 * markers, recommendations).  Text panes are built into a tui_doc (label
 * + value lines, values wrapped to the pane width) only when the case,
 * the data or the width changed, then the visible part is drawn.  Also
 * the screen's geometry (tui_relayout), the status line and the key hints,
 * and tui_draw_pending, which draws whatever is marked dirty. */
#include "tui/panes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/review.h"
#include "tui/keys.h"
#include "tui/text.h"

/* ---- the case list ---------------------------------------------------- */

/* Sort keys of the list columns (tui/layout.h holds their heads and widths;
 * the Age/Sx column shows the mark for either of its two keys). */
static const imt_sort_key col_sort[LAYOUT_NCOLS] = {
    [LCOL_CASE] = SORT_CASE_ID, [LCOL_AGESEX] = SORT_AGE, [LCOL_SITE] = SORT_SITE,
    [LCOL_SIZE] = SORT_SIZE, [LCOL_ALK] = SORT_ALK, [LCOL_SURGERY] = SORT_SURGERY,
    [LCOL_OUTCOME] = SORT_OUTCOME, [LCOL_FOLLOWUP] = SORT_FOLLOWUP,
    [LCOL_REVIEW] = SORT_REVIEW, [LCOL_REVIEWER] = SORT_REVIEW,
};
#define NCOLS LAYOUT_NCOLS

static bool col_sorted(int col, imt_sort_key k)
{
    return col_sort[col] == k || (col == LCOL_AGESEX && k == SORT_SEX);
}

static const char *enum_text(const char *const *vals, int v, const char *unk)
{
    return v >= 0 ? vals[v] : unk;
}

static void cell_text(const imt_case *c, int col, char *buf, size_t n)
{
    char a[32];
    switch (col) {
    case 0: snprintf(buf, n, "%s", c->case_id ? c->case_id : "?"); break;
    case 1:
        if (c->age_years.known)
            snprintf(a, sizeof a, "%.0f", c->age_years.v);
        else
            snprintf(a, sizeof a, "?");
        snprintf(buf, n, "%s %s", a, enum_text(imt_sex_values, c->sex, "?"));
        break;
    case 2: snprintf(buf, n, "%s", enum_text(imt_site_values, c->site, "?")); break;
    case 3:
        if (c->size_cm.known) snprintf(buf, n, "%.1f", c->size_cm.v);
        else snprintf(buf, n, "-");
        break;
    case 4: snprintf(buf, n, "%s", c->alk_status == ALK_POSITIVE ? "pos" :
                     c->alk_status == ALK_NEGATIVE ? "neg" : "unk"); break;
    case 5: snprintf(buf, n, "%s", enum_text(imt_surgery_values, c->surgery, "-")); break;
    case 6: snprintf(buf, n, "%s", enum_text(imt_outcome_values, c->outcome, "-")); break;
    case 7:
        if (c->followup_months.known) snprintf(buf, n, "%.0fm", c->followup_months.v);
        else snprintf(buf, n, "-");
        break;
    case 8: snprintf(buf, n, "%s", enum_text(imt_review_values, c->review_status, "-")); break;
    case 9: snprintf(buf, n, "%s", c->reviewer ? c->reviewer : "-"); break;
    default: buf[0] = '\0';
    }
}

static void draw_row(tui *t, WINDOW *w, int y, int width, const imt_case *c,
                     const bool *show, bool cursor)
{
    theme_role r = TR_NORMAL;
    if (cursor)
        r = t->focus == PANE_LIST ? TR_LIST_CURSOR : TR_LIST_CURSOR_INACTIVE;
    int x = 1;
    bool first = true;
    char cell[256];
    for (int i = 0; i < NCOLS && x <= width; i++) {
        if (!show[i])
            continue;
        if (!first) {
            tui_put(t, w, y, x, 1, "", r);
            x++;
        }
        first = false;
        int cw = layout_cols[i].width;
        if (c)
            cell_text(c, i, cell, sizeof cell);
        else
            cell[0] = '\0';
        theme_role cr = r;
        if (!cursor && c && i == LCOL_ALK)   /* the theme's alk_* roles */
            cr = c->alk_status == ALK_POSITIVE ? TR_ALK_POSITIVE :
                 c->alk_status == ALK_NEGATIVE ? TR_ALK_NEGATIVE : TR_ALK_UNKNOWN;
        /* case ids and the rest pass through tuitext like all DB text */
        int room = width + 1 - x;
        tui_put(t, w, y, x, cw <= room ? cw : room, cell, cr);
        x += cw;
    }
    if (x < width + 1)
        tui_put(t, w, y, x, width + 1 - x, "", r);
}

void tui_draw_list(tui *t)
{
    WINDOW *w = t->win[PANE_LIST];
    listwin *lw = t->lw;
    int h, wd;
    getmaxyx(w, h, wd);
    int inner = wd - 2;
    bool show[NCOLS];
    layout_pick_cols(inner, show);

    char title[96];
    long rank = lw_cursor_rank_known(lw);
    if (rank >= 0)
        snprintf(title, sizeof title, "Cases  row %ld of %ld", rank + 1, lw->count);
    else if (lw->n)   /* still being counted (tui.c works at it between keys) */
        snprintf(title, sizeof title, "Cases  row %s of %ld", t->ascii ? "..." : "\xE2\x80\xA6",
                 lw->count);
    else
        snprintf(title, sizeof title, "Cases  (%s)", lw->total == 0 ? "database empty" : "none match");
    bool full = lw->gen != t->list_gen;
    if (full) {
        tui_draw_box(t, w, t->focus == PANE_LIST, title);
        /* header with the sort mark on the sorted column */
        /* Each head takes its column and the space after it, so a sort
         * mark fits after "Age/Sx" or "ALK"; the last one the rest. */
        int x = 1, last = -1;
        for (int i = 0; i < NCOLS; i++)
            if (show[i])
                last = i;
        for (int i = 0; i < NCOLS; i++) {
            if (!show[i])
                continue;
            char hb[32];
            bool sorted = col_sorted(i, lw->sort.key);
            snprintf(hb, sizeof hb, "%s%s", layout_cols[i].head,
                     sorted ? (lw->sort.desc ? (t->ascii ? "v" : "\xE2\x96\xBC")
                                             : (t->ascii ? "^" : "\xE2\x96\xB2")) : "");
            int cw = i == last ? inner + 1 - x : layout_cols[i].width + 1;
            tui_put(t, w, 1, x, cw, hb, TR_HEADER);
            x += layout_cols[i].width + 1;
        }
        if (last < 0)
            tui_put(t, w, 1, 1, inner, "", TR_HEADER);
        for (int y = 0; y < h - 3; y++)
            draw_row(t, w, 2 + y, inner, y < lw->n ? &lw->rows[y] : NULL, show,
                     y < lw->n && y == lw->cur);
        t->list_gen = lw->gen;
    } else {
        /* Same rows: only the title, the old and the new cursor rows. */
        tui_draw_box(t, w, t->focus == PANE_LIST, title);
        if (t->list_cur >= 0 && t->list_cur < lw->n)
            draw_row(t, w, 2 + t->list_cur, inner, &lw->rows[t->list_cur], show, false);
        if (lw->n)
            draw_row(t, w, 2 + lw->cur, inner, &lw->rows[lw->cur], show, true);
    }
    if (lw->n == 0 && h > 4 && lw->total == 0) {
        /* An empty database is not "no match": say how to fill it (a
         * mistyped --db opens a new, empty file). */
        tui_put(t, w, 3, 2, inner - 2, "The database has no cases.", TR_NOTDONE);
        if (h > 5)
            tui_put(t, w, 4, 2, inner - 2, "Import: imtreview import FILE.csv", TR_NOTDONE);
    } else if (lw->n == 0 && h > 4) {
        tui_put(t, w, 3, 2, inner - 2, "No case matches the filters (c clears them).", TR_NOTDONE);
    }
    t->list_cur = lw->cur;
}

/* ---- documents ------------------------------------------------------------ */

void tui_doc_free(tui_doc *d)
{
    for (int i = 0; i < d->n; i++)
        free(d->v[i].value);
    free(d->v);
    memset(d, 0, sizeof *d);
}

static void doc_reset(tui_doc *d, int labelw)
{
    for (int i = 0; i < d->n; i++)
        free(d->v[i].value);
    d->n = 0;
    d->labelw = labelw;
}

static tui_line *doc_add(tui_doc *d, const char *label, theme_role lrole,
                         const char *value, size_t vlen, theme_role vrole)
{
    if (d->n == d->cap) {
        int nc = d->cap ? d->cap * 2 : 64;
        tui_line *nv = realloc(d->v, (size_t)nc * sizeof *nv);
        if (!nv)
            return NULL;
        d->v = nv;
        d->cap = nc;
    }
    tui_line *l = &d->v[d->n++];
    snprintf(l->label, sizeof l->label, "%s", label ? label : "");
    l->value = value ? strndup(value, vlen) : NULL;
    l->lrole = lrole;
    l->vrole = vrole;
    l->rec = -1;
    l->lw = d->labelw;
    return l;
}

typedef struct {
    tui_doc *d;
    const char *label;
    theme_role vrole;
    int rec;
    bool first;
} wrapctx;

static void wrap_line(void *ctx, const char *s, size_t len)
{
    wrapctx *w = ctx;
    tui_line *l = doc_add(w->d, w->first ? w->label : "", TR_LABEL, s, len, w->vrole);
    if (l)
        l->rec = w->rec;
    w->first = false;
}

/* A label with a value wrapped into the rest of the width. */
static void doc_field(tui *t, tui_doc *d, int width, const char *label,
                      const char *value, theme_role vrole, int rec)
{
    int vw = width - d->labelw - 1;
    wrapctx w = { d, label, vrole, rec, true };
    if (!value || !*value) {
        wrap_line(&w, "", 0);
        return;
    }
    /* A narrow pane: a value that does not fit beside its label goes on
     * the lines under it, indented, instead of being broken into slivers. */
    if (d->labelw > 0 && vw < 16 && tt_width(value, t->utf8) > vw) {
        tui_line *l = doc_add(d, label, TR_LABEL, "", 0, vrole);
        if (l)
            l->rec = rec;
        int save = d->labelw;
        d->labelw = 1;                   /* value column 2 in from the border */
        w.label = "";
        tt_wrap(value, width - 2 > 4 ? width - 2 : 4, t->utf8, wrap_line, &w);
        d->labelw = save;
        return;
    }
    tt_wrap(value, vw > 4 ? vw : 4, t->utf8, wrap_line, &w);
}

static void doc_head(tui_doc *d, const char *text)
{
    doc_add(d, text, TR_HEADER, NULL, 0, TR_NORMAL);
}

static void field_line(tui *t, tui_doc *d, int width, const imt_case *c, int f)
{
    char buf[4096];
    if (!imt_field_is_known(c, f)) {
        doc_field(t, d, width, imt_fields[f].label, "unknown", TR_NOTDONE, -1);
        return;
    }
    imt_field_format(c, f, buf, sizeof buf);
    doc_field(t, d, width, imt_fields[f].label, buf, TR_NORMAL, -1);
}

const imt_course *tui_course_of(tui *t, const imt_case *c)
{
    const char *id = c && c->case_id ? c->case_id : "";
    if (t->course_have && t->course_gen == t->data_gen && strcmp(t->course_case, id) == 0)
        return &t->course;
    course_clear(&t->course);
    t->course_failed = false;
    if (*id && store_events_get(t->app->store, id, &t->course) != STORE_OK) {
        course_clear(&t->course);
        t->course_failed = true;
    }
    snprintf(t->course_case, sizeof t->course_case, "%s", id);
    t->course_gen = t->data_gen;
    t->course_have = true;
    return &t->course;
}

/* The course as a dated list: the date in the label column, then the
 * type and the columns the event has (database text through tuitext). */
static void course_lines_doc(tui *t, tui_doc *d, int width, const imt_case *c)
{
    doc_head(d, "Course (C: add, edit, remove)");
    const imt_course *co = tui_course_of(t, c);
    if (t->course_failed) {
        doc_field(t, d, width, "", "not available from this database", TR_NOTDONE, -1);
    } else if (co->n == 0) {
        doc_field(t, d, width, "", "no events recorded", TR_NOTDONE, -1);
    }
    for (int i = 0; i < co->n; i++) {
        const imt_event *e = &co->v[i];
        char when[32], line[1400];
        ev_format_cell(e, EVC_DATE, when, sizeof when);
        size_t l = (size_t)snprintf(line, sizeof line, "%s",
                                    e->type >= 0 ? ev_type_values[e->type] : "?");
        for (int col = EVC_LINE; col < EVC_N && l < sizeof line - 8; col++) {
            char buf[64];
            const char *v = ev_cell(e, col, buf, sizeof buf);
            if (!v || !*v)
                continue;
            if (col == EVC_LINE)
                l += (size_t)snprintf(line + l, sizeof line - l, " line %s", v);
            else if (col == EVC_SITE || col == EVC_DETAIL || col == EVC_INTENT ||
                     col == EVC_REASON)
                l += (size_t)snprintf(line + l, sizeof line - l, ", %s %s", ev_columns[col], v);
            else
                l += (size_t)snprintf(line + l, sizeof line - l, " %s", v);
        }
        theme_role r = e->type == EV_PROGRESSION || e->type == EV_RECURRENCE ||
                     e->type == EV_METASTASIS ? TR_LEVEL_WARNING : TR_NORMAL;
        doc_field(t, d, width, when, line, r, -1);
    }
    char due[64];
    if (c->next_due[0]) {
        char today[11];
        ev_today(today);
        int st = fu_status(c->next_due, today, t->app->sched.due_window_days);
        snprintf(due, sizeof due, "%s%s", c->next_due,
                 st == FUS_OVERDUE ? " (overdue)" : st == FUS_DUE ? " (due)" : "");
        doc_field(t, d, width, "Next due", due, st == FUS_OVERDUE ? TR_LEVEL_WARNING : TR_NORMAL, -1);
    } else {
        doc_field(t, d, width, "Next due", "none", TR_NOTDONE, -1);
    }
}

/* Under the review fields: who signed it (full name), the latest review
 * comment, the decisions' state and the case's version (issue 10). */
static void review_lines(tui *t, tui_doc *d, int width, const imt_case *c)
{
    if (c->review_status == REV_SIGNED_OUT)
        doc_field(t, d, width, "Signed by", c->signer_name ? c->signer_name
                                                           : (c->reviewer ? c->reviewer : "?"),
                  TR_NORMAL, -1);
    doc_field(t, d, width, "Review comment", c->review_comment ? c->review_comment : "none",
              c->review_comment ? TR_NORMAL : TR_NOTDONE, -1);
    static const char *const dstate[] = {
        "decided", "undecided (d decides)", "STALE decision (d decides again)" };
    doc_field(t, d, width, "Decisions", c->decision_state >= 0 && c->decision_state < 3
              ? dstate[c->decision_state] : "unknown",
              c->decision_state == 0 ? TR_NORMAL : TR_LEVEL_WARNING, -1);
    char vb[32];
    snprintf(vb, sizeof vb, "%lld", c->version);
    doc_field(t, d, width, "Version", vb, TR_NOTDONE, -1);
}

static void build_detail(tui *t, tui_doc *d, int width, const imt_case *c)
{
    doc_reset(d, width < 45 ? 15 : 20);
    static const struct { const char *head; int f[12]; } sect[] = {
        { "Demographics", { IMT_F_case_id, IMT_F_age_years, IMT_F_sex, IMT_F_site,
                            IMT_F_site_detail, IMT_F_diagnosis_date, -1 } },
        { "Presentation", { IMT_F_size_cm, IMT_F_multifocal, IMT_F_metastatic,
                            IMT_F_invasive_growth, IMT_F_nlr, -1 } },
        { "Imaging", { IMT_F_imaging, IMT_F_suv_max, -1 } },
        { "Histology", { IMT_F_histology, IMT_F_necrosis, IMT_F_mitoses_10hpf,
                         IMT_F_alk_status, IMT_F_alk_confirmed, -1 } },
        { "Treatment", { IMT_F_resectable, IMT_F_surgery, IMT_F_radiotherapy_gy,
                         IMT_F_chemotherapy, IMT_F_steroids, IMT_F_nsaid,
                         IMT_F_targeted, IMT_F_immunotherapy, -1 } },
        { "Follow-up", { IMT_F_recurrence, IMT_F_recurrence_months, IMT_F_outcome,
                         IMT_F_followup_months, -1 } },
        { "Review", { IMT_F_review_status, IMT_F_reviewer, IMT_F_reviewed_at, -1 } },
    };
    for (size_t s = 0; s < sizeof sect / sizeof sect[0]; s++) {
        doc_head(d, sect[s].head);
        for (int i = 0; sect[s].f[i] >= 0; i++)
            field_line(t, d, width, c, sect[s].f[i]);
        if (sect[s].f[0] == IMT_F_histology && c->alk_discordant == 1)
            doc_field(t, d, width, "ALK discordant", "yes: IHC disagrees with "
                      "a molecular result", TR_LEVEL_WARNING, -1);
        if (sect[s].f[0] == IMT_F_review_status)
            review_lines(t, d, width, c);
        if (sect[s].f[0] == IMT_F_recurrence)
            course_lines_doc(t, d, width, c);
    }
    doc_head(d, "Notes");
    if (c->notes && *c->notes) {
        int save = d->labelw;
        d->labelw = 0;
        doc_field(t, d, width, "", c->notes, TR_NORMAL, -1);
        d->labelw = save;
    } else {
        doc_field(t, d, width, "", "(none)", TR_NOTDONE, -1);
    }
}

/* Positive / negative with a sign and a word, so colour is never the
 * only difference (ui.md). */
static void posneg(tui *t, tui_doc *d, int width, const char *label, int v,
                   bool three)
{
    const char *minus = t->utf8 && !t->ascii ? "\xE2\x88\x92" : "-";
    char buf[64];
    if (v == IMT_UNKNOWN) {
        doc_field(t, d, width, label, "not done", TR_NOTDONE, -1);
        return;
    }
    if (v == 0) {
        doc_field(t, d, width, label, "+ positive", TR_POSITIVE, -1);
        return;
    }
    if (v == 1) {
        snprintf(buf, sizeof buf, "%s negative", minus);
        doc_field(t, d, width, label, buf, TR_NEGATIVE, -1);
        return;
    }
    if (three && v == 2) {
        doc_field(t, d, width, label, "? equivocal", TR_EQUIVOCAL, -1);
        return;
    }
    doc_field(t, d, width, label, "?", TR_NOTDONE, -1);
}

static void num(tui *t, tui_doc *d, int width, const char *label, imt_num v,
                const char *unit)
{
    char buf[64];
    if (!v.known) {
        doc_field(t, d, width, label, "not done", TR_NOTDONE, -1);
        return;
    }
    snprintf(buf, sizeof buf, "%g%s", v.v, unit);
    doc_field(t, d, width, label, buf, TR_NORMAL, -1);
}

static void build_markers(tui *t, tui_doc *d, int width, const imt_case *c)
{
    doc_reset(d, 11);
    char buf[512];
    /* ALK above all: the derived status first, where it is seen without
     * scrolling, then the results it is derived from */
    const char *minus = t->utf8 && !t->ascii ? "\xE2\x88\x92" : "-";
    doc_head(d, "ALK status");
    snprintf(buf, sizeof buf, "%s%s%s%s",
             c->alk_status == ALK_POSITIVE ? "+ positive" :
             c->alk_status == ALK_NEGATIVE ? minus : "unknown",
             c->alk_status == ALK_NEGATIVE ? " negative" : "",
             c->alk_confirmed == 1 ? ", confirmed" : "",
             c->alk_discordant == 1 ? ", DISCORDANT" : "");
    doc_field(t, d, width, "derived", buf,
              c->alk_discordant == 1 ? TR_LEVEL_WARNING :
              c->alk_status == ALK_POSITIVE ? TR_POSITIVE :
              c->alk_status == ALK_NEGATIVE ? TR_NEGATIVE : TR_NOTDONE, -1);
    doc_head(d, "IHC");
    posneg(t, d, width, "ALK", c->alk_ihc, true);
    if (c->alk_ihc_pattern != IMT_UNKNOWN) {
        imt_field_format(c, IMT_F_alk_ihc_pattern, buf, sizeof buf);
        doc_field(t, d, width, "  pattern", buf, TR_NORMAL, -1);
    } else if (c->alk_ihc == IHC3_POSITIVE) {
        doc_field(t, d, width, "  pattern", "not recorded", TR_NOTDONE, -1);
    }
    posneg(t, d, width, "ROS1", c->ros1_ihc, false);
    num(t, d, width, "PD-L1 TPS", c->pdl1_tps, "%");
    posneg(t, d, width, "SMA", c->sma, false);
    posneg(t, d, width, "Desmin", c->desmin, false);
    posneg(t, d, width, "Cytokeratin", c->cytokeratin, false);
    posneg(t, d, width, "S-100", c->s100, false);
    posneg(t, d, width, "CD117", c->cd117, false);
    posneg(t, d, width, "DOG1", c->dog1, false);
    num(t, d, width, "Ki-67", c->ki67_pct, "%");
    num(t, d, width, "IgG4/IgG", c->igg4_igg_ratio, "");
    num(t, d, width, "IgG4 /HPF", c->igg4_per_hpf, "");
    doc_head(d, "Molecular");
    posneg(t, d, width, "ALK FISH", c->alk_fish, false);
    if (!c->fusion) {
        doc_field(t, d, width, "Fusion", "not done", TR_NOTDONE, -1);
    } else if (strcmp(c->fusion, "none") == 0) {
        snprintf(buf, sizeof buf, "%s none found", minus);
        doc_field(t, d, width, "Fusion", buf, TR_NEGATIVE, -1);
    } else {
        snprintf(buf, sizeof buf, "+ %s", c->fusion);
        doc_field(t, d, width, "Fusion", buf, TR_POSITIVE, -1);
    }
    if (c->fusion_method != IMT_UNKNOWN) {
        imt_field_format(c, IMT_F_fusion_method, buf, sizeof buf);
        doc_field(t, d, width, "  method", buf, TR_NORMAL, -1);
    } else if (c->fusion) {
        doc_field(t, d, width, "  method", "not recorded", TR_NOTDONE, -1);
    }
}

static theme_role level_role(rule_level l)
{
    switch (l) {
    case RL_CRITICAL: return TR_LEVEL_CRITICAL;
    case RL_WARNING: return TR_LEVEL_WARNING;
    case RL_INFO: return TR_LEVEL_INFO;
    default: return TR_LEVEL_SUGGESTION;
    }
}

static void ensure_recs(tui *t, const imt_case *c)
{
    if (t->rec_gen == t->data_gen && strcmp(t->rec_case, c->case_id) == 0)
        return;
    rules_course rc = { tui_course_of(t, c), NULL };
    rules_evaluate_course(c, &rc, &t->rcfg, t->recs);
    /* the decisions on them (one indexed query per case shown) */
    store_decisions_free(t->decs, t->ndecs);
    t->decs = NULL;
    t->ndecs = 0;
    if (store_decisions(t->app->store, c->case_id, &t->decs, &t->ndecs) != STORE_OK) {
        t->decs = NULL;
        t->ndecs = 0;
    }
    snprintf(t->rec_case, sizeof t->rec_case, "%s", c->case_id);
    t->rec_gen = t->data_gen;
    if (t->rec_sel >= t->recs->n)
        t->rec_sel = 0;
}

/* One block of recommendation text at indent columns from the border
 * (label column of width indent - 2, empty), wrapped to the rest.  "§"
 * becomes "sec. " when the terminal is not UTF-8, as `imtreview recommend`
 * writes it. */
static void rec_text(tui *t, tui_doc *d, int width, int indent, const char *prefix,
                     const char *text, theme_role role, int rec)
{
    char buf[RULES_TEXT_LEN * 2 + 64];
    size_t o = (size_t)snprintf(buf, sizeof buf, "%s", prefix);
    for (const char *p = text; *p && o + 6 < sizeof buf; p++) {
        if (!t->utf8 && (unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa7) {
            memcpy(buf + o, "sec. ", 5);
            o += 5;
            p++;
        } else {
            buf[o++] = *p;
        }
    }
    buf[o] = '\0';
    int save = d->labelw;
    d->labelw = indent - 2;
    wrapctx w = { d, "", role, rec, true };
    int vw = width - indent;
    tt_wrap(buf, vw > 8 ? vw : 8, t->utf8, wrap_line, &w);
    d->labelw = save;
}

/* The rules module's output for the case, as `imtreview recommend ID`
 * prints it: "[level] ID (kind)", the summary, and (expanded: Enter on
 * the selected one, D for all) the detail, "evidence:", "because:" (the
 * facts that fired it) and "missing:" (what would change it). */
static void build_recs(tui *t, tui_doc *d, int width, const imt_case *c)
{
    doc_reset(d, 0);
    ensure_recs(t, c);
    char buf[RULES_FACT_LEN * RULES_MAX_FACTS + 64];
    if (t->recs->n == 0) {
        doc_field(t, d, width, "", "No rule applies to this case (0 recommendations).",
                  TR_NOTDONE, -1);
        return;
    }
    for (int i = 0; i < t->recs->n; i++) {
        const rule_rec *r = &t->recs->recs[i];
        bool open = t->rec_all || t->rec_open[i];
        d->labelw = 1;
        /* The decision on it, in the headline so it is always in view (a
         * stale one is shown as such: it counts as none); who, when and
         * why in the details. */
        const store_decision *dc = NULL;
        for (int k = 0; k < t->ndecs && !dc; k++)
            if (strcmp(t->decs[k].rule_id, r->id) == 0)
                dc = &t->decs[k];
        char state[80] = "";
        if (review_needs_decision(r)) {
            if (!dc)
                snprintf(state, sizeof state, "  - undecided");
            else if (dc->stale)
                snprintf(state, sizeof state, "  - STALE decision");
            else if (dc->decision == DECISION_ACCEPT)
                snprintf(state, sizeof state, "  - accepted");
            else
                snprintf(state, sizeof state, "  - overridden");
        }
        snprintf(buf, sizeof buf, "[%s] %s (%s)%s", rule_level_name(r->level), r->id,
                 rule_kind_name(r->kind), state);
        tui_line *l = doc_add(d, open ? "-" : "+", TR_NOTDONE, buf, strlen(buf),
                              level_role(r->level));
        if (l)
            l->rec = i;
        d->labelw = 0;
        rec_text(t, d, width, 5, "", r->summary, TR_NORMAL, i);
        if (!open)
            continue;
        if (r->detail[0])
            rec_text(t, d, width, 5, "", r->detail, TR_NORMAL, i);
        rec_text(t, d, width, 5, "evidence: ", r->evidence ? r->evidence : "", TR_NOTDONE, i);
        if (r->nfired) {
            size_t len = 0;
            buf[0] = '\0';
            for (int k = 0; k < r->nfired && len + 3 < sizeof buf; k++)
                len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
                                        k ? "; " : "", r->fired[k]);
            rec_text(t, d, width, 5, "because: ", buf, TR_LABEL, i);
        }
        for (int k = 0; k < r->nmissing; k++)
            rec_text(t, d, width, 5, "missing: ", r->missing[k], TR_NOTDONE, i);
        if (dc && review_needs_decision(r)) {
            char how[120], line[700];
            if (dc->decision == DECISION_ACCEPT)
                snprintf(how, sizeof how, "accepted");
            else
                snprintf(how, sizeof how, "overridden (%s)",
                         dc->reason >= 0 ? review_reason_values[dc->reason] : "?");
            snprintf(line, sizeof line, "%s%s by %s at %s%s%s%s%s",
                     dc->stale ? "STALE, counts as none: " : "", how, dc->user, dc->time,
                     dc->comment ? ": " : "", dc->comment ? dc->comment : "",
                     dc->stale ? "; " : "", dc->stale ? dc->why : "");
            rec_text(t, d, width, 5, "decision: ", line, dc->stale ? TR_LEVEL_WARNING : TR_LABEL, i);
        } else if (review_needs_decision(r)) {
            rec_text(t, d, width, 5, "decision: ", "none yet (d decides)", TR_NOTDONE, i);
        }
    }
}

static void build(tui *t, int pane, int width)
{
    tui_doc *d = &t->doc[pane];
    const imt_case *c = lw_current(t->lw);
    const char *id = c && c->case_id ? c->case_id : "";
    if (t->doc_width[pane] == width && t->doc_gen[pane] == t->data_gen &&
        strcmp(t->doc_case[pane], id) == 0)
        return;
    doc_reset(d, 0);
    if (c) {
        if (pane == PANE_DETAIL) build_detail(t, d, width, c);
        else if (pane == PANE_MARKERS) build_markers(t, d, width, c);
        else build_recs(t, d, width, c);
    }
    t->doc_width[pane] = width;
    t->doc_gen[pane] = t->data_gen;
    snprintf(t->doc_case[pane], sizeof t->doc_case[pane], "%s", id);
}

int tui_pane_lines(tui *t, int pane)
{
    if (!t->win[pane])
        return 0;
    build(t, pane, t->lay.pane[pane].w - 2);
    return t->doc[pane].n;
}

void tui_rec_move(tui *t, int delta)
{
    int n = t->recs->n;
    if (n == 0)
        return;
    int s = t->rec_sel + delta;
    if (s < 0) s = 0;
    if (s >= n) s = n - 1;
    if (s == t->rec_sel)
        return;
    t->rec_sel = s;
    /* keep the selected recommendation's first line visible */
    tui_doc *d = &t->doc[PANE_RECS];
    int ph = t->lay.pane[PANE_RECS].h - 2;
    for (int i = 0; i < d->n; i++)
        if (d->v[i].rec == s) {
            if (i < t->scroll[PANE_RECS])
                t->scroll[PANE_RECS] = i;
            else if (i >= t->scroll[PANE_RECS] + ph)
                t->scroll[PANE_RECS] = i - ph + 1;
            break;
        }
    t->dirty[PANE_RECS] = true;
}

void tui_rec_toggle(tui *t)
{
    if (t->rec_sel < 0 || t->rec_sel >= RULES_MAX_RESULTS)
        return;
    t->rec_open[t->rec_sel] = !t->rec_open[t->rec_sel];
    t->doc_width[PANE_RECS] = -1;
    t->dirty[PANE_RECS] = true;
}

static const char *pane_title(int pane)
{
    switch (pane) {
    case PANE_DETAIL: return "Detail";
    case PANE_MARKERS: return "Markers";
    default: return "Recommendations";
    }
}

void tui_draw_text_pane(tui *t, int pane)
{
    WINDOW *w = t->win[pane];
    int h, wd;
    getmaxyx(w, h, wd);
    int inner = wd - 2, rows = h - 2;
    build(t, pane, inner);
    tui_doc *d = &t->doc[pane];
    if (t->scroll[pane] > d->n - rows)
        t->scroll[pane] = d->n - rows > 0 ? d->n - rows : 0;
    char title[128];
    const char *tab = t->lay.cls == LAYOUT_NARROW ? "  (Tab: next)" : "";
    /* the count is the case under the cursor's (0 included); with no
     * case there is none: t->recs still holds the last case's result */
    if (pane == PANE_RECS && lw_current(t->lw))
        snprintf(title, sizeof title, "%s (%d, %s)%s", pane_title(pane), t->recs->n,
                 RULESET_VERSION, tab);
    else
        snprintf(title, sizeof title, "%s%s", pane_title(pane), tab);
    if (d->n > rows && rows > 0)
        snprintf(title + strlen(title), sizeof title - strlen(title),
                 " %d-%d/%d", t->scroll[pane] + 1,
                 t->scroll[pane] + rows < d->n ? t->scroll[pane] + rows : d->n, d->n);
    bool focus = t->focus == pane;
    tui_draw_box(t, w, focus, title);
    for (int y = 0; y < rows; y++) {
        int i = t->scroll[pane] + y;
        if (i >= d->n) {
            tui_put(t, w, 1 + y, 1, inner, "", TR_NORMAL);
            continue;
        }
        const tui_line *l = &d->v[i];
        int lw = l->lw;
        if (!l->value) {              /* section heading */
            tui_put(t, w, 1 + y, 1, inner, l->label, l->lrole);
            continue;
        }
        if (lw > 0) {
            tui_put(t, w, 1 + y, 1, lw, l->label, l->lrole);
            tui_put(t, w, 1 + y, 1 + lw, 1, "", TR_NORMAL);
        }
        theme_role vr = l->vrole;
        if (pane == PANE_RECS && focus && l->rec == t->rec_sel &&
            (i == 0 || d->v[i - 1].rec != l->rec))
            vr = TR_LIST_CURSOR;
        int x = lw > 0 ? 2 + lw : 1;
        tui_put(t, w, 1 + y, x, inner + 1 - x, l->value, vr);
    }
    if (!lw_current(t->lw))
        tui_put(t, w, 1, 1, inner, "No case selected.", TR_NOTDONE);
}

/* ---- the screen: layout, status and hints ---------------------------- */

static bool pane_visible(const tui *t, int p)
{
    if (t->lay.cls == LAYOUT_WIDE)
        return true;
    if (t->lay.cls == LAYOUT_NARROW)
        return p == PANE_LIST || p == t->right;
    return false;
}

/* ---- layout ------------------------------------------------------------ */

void tui_free_windows(tui *t)
{
    for (int i = 0; i < PANE_N; i++) {
        if (t->win[i])
            delwin(t->win[i]);
        t->win[i] = NULL;
    }
    if (t->status) delwin(t->status);
    if (t->hints) delwin(t->hints);
    t->status = t->hints = NULL;
}

void tui_relayout(tui *t)
{
    int rows, cols;
    getmaxyx(stdscr, rows, cols);
    tui_free_windows(t);
    layout_compute(rows, cols, &t->lay);
    /* A resize is not a keystroke: clearing once here is what makes the
     * new geometry clean. */
    werase(stdscr);
    wnoutrefresh(stdscr);
    if (t->lay.cls == LAYOUT_SMALL) {
        t->small = true;
        const char *m1 = "terminal too small";
        char m2[64];
        snprintf(m2, sizeof m2, "(need %dx%d, have %dx%d)", LAYOUT_MIN_COLS,
                 LAYOUT_MIN_ROWS, cols, rows);
        int y = rows / 2 - 1;
        if (y < 0) y = 0;
        wattrset(stdscr, A_BOLD);
        mvwaddnstr(stdscr, y, 0, m1, cols);
        wattrset(stdscr, A_NORMAL);
        if (rows > 1)
            mvwaddnstr(stdscr, y + 1, 0, m2, cols);
        wnoutrefresh(stdscr);
        return;
    }
    t->small = false;
    for (int i = 0; i < PANE_N; i++) {
        lrect r = t->lay.pane[i];
        t->win[i] = newwin(r.h, r.w, r.y, r.x);
        if (t->win[i])
            keypad(t->win[i], TRUE);
    }
    t->status = newwin(1, t->lay.status.w, t->lay.status.y, 0);
    t->hints = newwin(1, t->lay.hints.w, t->lay.hints.y, 0);
    if (t->lay.cls == LAYOUT_NARROW && t->focus != PANE_LIST)
        t->right = t->focus;
    /* list: border (2) + header (1) */
    lw_set_cap(t->lw, t->lay.pane[PANE_LIST].h - 3);
    for (int i = 0; i < PANE_N; i++) {
        t->dirty[i] = true;
        t->doc_width[i] = -1;      /* rewrap */
    }
    t->list_gen = t->lw->gen - 1;
    t->dirty_status = t->dirty_hints = true;
}

/* ---- status and hints ---------------------------------------------------- */

void tui_draw_status(tui *t)
{
    WINDOW *w = t->status;
    int width = t->lay.status.w;
    char fbuf[512], fit[1024], line[2048];
    filter_describe(&t->lw->filter, fbuf, sizeof fbuf);
    const char *filt = fbuf[0] ? fbuf : "no filter";
    char sortb[64];
    snprintf(sortb, sizeof sortb, "sort=%s%s", store_sort_name(t->lw->sort.key),
             t->lw->sort.desc ? (t->utf8 && !t->ascii ? "\xE2\x86\x93" : "-")
                              : (t->utf8 && !t->ascii ? "\xE2\x86\x91" : "+"));
    /* "N of M cases" and the read-only mark always stay on screen: when
     * the line is too long the filter text is cut (with an ellipsis)
     * rather than them; the database name and sort come after. */
    char ess[96];
    snprintf(ess, sizeof ess, "%ld of %ld cases%s", t->lw->count, t->lw->total,
             store_damage(t->app->store) ? "  [DAMAGED: read-only]"
             : store_is_readonly(t->app->store) ? "  [read-only]" : "");
    int essw = tt_width(ess, t->utf8);
    int left = width;
    int mw = t->msg[0] ? tt_width(t->msg, t->utf8) + 1 : 0;
    if (mw) {
        left = width - mw;
        int keep = essw + 16;          /* the count and ~12 of the filters */
        if (keep > width) keep = width;
        if (left < keep) left = keep;
    }
    int room = left - essw - 4;        /* " " before, "  " after, and a cut mark */
    if (room < 1) room = 1;
    int fw = tt_width(filt, t->utf8);
    tt_fit(filt, fw < room ? fw : room, false, t->utf8, fit, sizeof fit);
    snprintf(line, sizeof line, " %s  %s  %s  %s", fit, ess, t->dbname, sortb);
    tui_put(t, w, 0, 0, left, line, TR_STATUS);
    if (mw && left < width)
        tui_put(t, w, 0, left, width - left, t->msg, t->msg_error ? TR_ERROR : TR_STATUS);
    wnoutrefresh(w);
}

static void draw_hints(tui *t)
{
    WINDOW *w = t->hints;
    int width = t->lay.hints.w;
    wattrset(w, tui_attr(t, TR_KEYBAR_LABEL));
    wmove(w, 0, 0);
    /* htop style: key names stand out from their labels; which hints
     * fit is the key table's choice (help and quit always first). */
    bool show[256];
    keys_hint_pick(width, show, (int)(sizeof show / sizeof show[0]));
    int x = 0;
    for (int i = 0; i < key_table_n && i < 256; i++) {
        const key_binding *b = &key_table[i];
        if (!show[i])
            continue;
        wattrset(w, tui_attr(t, TR_KEYBAR_KEY));
        mvwaddstr(w, 0, x, b->name);
        x += (int)strlen(b->name);
        wattrset(w, tui_attr(t, TR_KEYBAR_LABEL));
        mvwaddch(w, 0, x++, ' ');
        mvwaddstr(w, 0, x, b->hint);
        x += (int)strlen(b->hint);
        if (x < width)
            waddch(w, ' ');
        x++;
    }
    wattrset(w, tui_attr(t, TR_KEYBAR_LABEL));
    for (; x < width; x++)
        mvwaddch(w, 0, x, ' ');
    wattrset(w, A_NORMAL);
    wnoutrefresh(w);
}

void tui_draw_pending(tui *t)
{
    if (t->small)
        return;
    for (int p = 0; p < PANE_N; p++) {
        if (!t->dirty[p] || !pane_visible(t, p) || !t->win[p])
            continue;
        if (p == PANE_LIST)
            tui_draw_list(t);
        else
            tui_draw_text_pane(t, p);
        wnoutrefresh(t->win[p]);
        t->dirty[p] = false;
    }
    if (t->dirty_status) {
        tui_draw_status(t);
        t->dirty_status = false;
    }
    if (t->dirty_hints) {
        draw_hints(t);
        t->dirty_hints = false;
    }
}

