/* tui/actions.c - what the interface changes or writes: the review state,
 * an edited field, an export of the filtered cases.  Each asks through the
 * dialogs (tui/dialogs.h) and writes through the store. */
#define _GNU_SOURCE
#include "tui/actions.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/review.h"
#include "io/atomicfile.h"
#include "io/csvexport.h"
#include "app/export.h"
#include "tui/dialogs.h"
#include "tui/panes.h"
#include "core/textw.h"

/* ---- review state ------------------------------------------------------ */

static int need_text(void *ctx, const char *text, char *err, size_t errn)
{
    (void)ctx;
    for (const char *p = text; *p; p++)
        if (*p != ' ')
            return 0;
    snprintf(err, errn, "a reason is required (Esc cancels)");
    return -1;
}

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

/* The case under the cursor, or NULL after saying there is none. */
static const imt_case *current_case(tui *t)
{
    const imt_case *c = lw_current(t->lw);
    if (!c)
        tui_message(t, true, "no case under the cursor");
    return c;
}

/* The case under the cursor to change (what: "edit cases"), or NULL
 * after saying why not: a read-only store, or no case. */
static const imt_case *case_to_change(tui *t, const char *what)
{
    return refuse_readonly(t, what) ? NULL : current_case(t);
}

/* After a saved change: the row may move in the sort order, the panes
 * show the new values. */
static void after_save(tui *t, const char *id)
{
    /* our own change is no news to the live view */
    long n;
    bool more;
    store_changes_since(t->app->store, &t->change_mark, 1, &n, &more);
    t->data_gen++;
    lw_recount(t->lw);
    lw_reload(t->lw, id);
    const imt_case *c = lw_current(t->lw);
    if (!c || !c->case_id || strcmp(c->case_id, id) != 0) {
        tui_case_changed(t);
    } else {
        /* the same case: the panes show its new values, the selection in
         * the recommendation pane stays */
        for (int p = 0; p < PANE_N; p++)
            t->dirty[p] = true;
        t->dirty_status = true;
    }
    t->dirty[PANE_LIST] = true;
    t->list_gen = t->lw->gen - 1;
}

/* A refusal the status line cannot hold: the store's whole message. */
static void alert(tui *t, const char *title, const char *text)
{
    static const char *const ok[] = { "OK" };
    const char *lines[] = { text };
    tui_ask(t, title, lines, 1, ok, 1);
}

void tui_review(tui *t)
{
    const imt_case *c = case_to_change(t, "set the review state");
    if (!c)
        return;
    char id[64], title[600];
    snprintf(id, sizeof id, "%s", c->case_id);
    bool signed_out = c->review_status == REV_SIGNED_OUT;
    snprintf(title, sizeof title, "Review state of %s", id);
    int st = tui_choose(t, title, imt_review_values, REV_N, c->review_status);
    if (st < 0)
        return;
    char comment[512] = "", reason[512] = "";
    t->unsaved = true;
    int ok;
    if (signed_out && st != REV_SIGNED_OUT) {
        /* Leaving signed_out: the reason is required and audited; the
         * signature stays in the history. */
        snprintf(title, sizeof title, "Reason for re-opening %s (required; the signature "
                 "stays in the history)", id);
        ok = tui_prompt(t, title, "", reason, sizeof reason, need_text, NULL);
    } else {
        snprintf(title, sizeof title, "Comment for %s -> %s (may be empty)", id,
                 imt_review_values[st]);
        ok = tui_prompt(t, title, "", comment, sizeof comment, NULL, NULL);
    }
    t->unsaved = false;
    if (ok != 1)
        return;
    store_review_req rq = { id, st, comment[0] ? comment : NULL, reason[0] ? reason : NULL,
                            RULESET_VERSION };
    store_review_result res;
    int rc = store_review(t->app->store, &rq, &res);
    if (rc == STORE_REFUSED) {
        char msg[900];
        snprintf(msg, sizeof msg, "%s", store_errmsg(t->app->store));
        snprintf(title, sizeof title, "%s: not %s", id,
                 st == REV_SIGNED_OUT ? "signed out" : "changed");
        static const char *const okay[] = { "OK" };
        const char *lines[] = { msg, "",
            "In the recommendation pane (Tab), d decides the selected recommendation; "
            "d elsewhere asks which." };
        tui_ask(t, title, lines, st == REV_SIGNED_OUT && !signed_out ? 3 : 1, okay, 1);
        tui_message(t, true, "%s: review not saved (refused)", id);
        return;
    }
    if (rc != STORE_OK) {
        tui_message(t, true, "review not saved: %s", store_errmsg(t->app->store));
        return;
    }
    after_save(t, id);
    if (st == REV_SIGNED_OUT)
        tui_message(t, false, "%s: signed out by %s%s%s%s (audited, rule set %s)", id,
                    res.reviewer, res.full_name[0] ? " (" : "", res.full_name,
                    res.full_name[0] ? ")" : "", RULESET_VERSION);
    else
        tui_message(t, false, "%s: %s (audited, rule set %s)", id, imt_review_values[st],
                    RULESET_VERSION);
}

/* ---- edit one field ------------------------------------------------------ */

/* An edit starts from the case as stored now (not the list's copy, which
 * may be older than someone else's change), checks the typed value as
 * import checks a cell, and saves only the fields edited (store_edit with
 * the case as read as its base), so a concurrent change to another field
 * merges and is never written back.  A change someone else made to the
 * same field since the edit began is not overwritten silently: a dialog
 * shows their value and yours, and yours is applied only on purpose
 * (audited as a deliberate overwrite).  When the value breaks a
 * cross-field rule through another field (a fusion needs its method, a
 * cleared fusion needs its method cleared, DOD needs a follow-up time...),
 * that field is asked for next and both are saved together; Esc at any
 * step writes nothing. */
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
    bool conflict;           /* someone else changed a field meanwhile */
    imt_case mine;           /* conflict: the values to save */
    store_edit_result res;   /* the last store_edit's result */
} edit_ctx;

static bool editable(int f)
{
    return f != IMT_F_case_id && f != IMT_F_review_status && f != IMT_F_reviewer &&
           f != IMT_F_reviewed_at && !(imt_fields[f].flags & FF_DERIVED);
}

/* Remember a saved edit for u (the oldest goes when the stack is full). */
static void undo_push(tui *t, const store_edit_result *res)
{
    if (res->nchanged <= 0)
        return;
    if (!t->undo && !(t->undo = calloc(TUI_UNDO_MAX, sizeof *t->undo)))
        return;
    if (t->nundo == TUI_UNDO_MAX) {
        imt_case_clear(&t->undo[0].before);
        imt_case_clear(&t->undo[0].after);
        memmove(t->undo, t->undo + 1, (TUI_UNDO_MAX - 1) * sizeof *t->undo);
        t->nundo--;
    }
    struct tui_undo *u = &t->undo[t->nundo];
    memset(u, 0, sizeof *u);
    if (imt_case_copy(&u->before, &res->before) != 0)
        return;
    if (imt_case_copy(&u->after, &res->after) != 0) {
        imt_case_clear(&u->before);
        return;
    }
    memcpy(u->fields, res->changed, (size_t)res->nchanged * sizeof *u->fields);
    u->nf = res->nchanged;
    t->nundo++;
}

void tui_undo_free(tui *t)
{
    for (int i = 0; i < t->nundo; i++) {
        imt_case_clear(&t->undo[i].before);
        imt_case_clear(&t->undo[i].after);
    }
    free(t->undo);
    t->undo = NULL;
    t->nundo = 0;
}

static int edit_save(edit_ctx *e, const imt_case *values, const int *over, int nover)
{
    store_edit_result_clear(&e->res);
    store_edit_req rq = { .values = values, .fields = e->chain, .nf = e->nchain,
                          .base = e->base, .overwrite = over, .noverwrite = nover,
                          .source = "edit" };
    int rc = store_edit(e->t->app->store, e->base->case_id, &rq, &e->res);
    if (rc == STORE_OK) {
        e->nchanged = e->res.nchanged;
        undo_push(e->t, &e->res);
    }
    return rc;
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
    int rc = edit_save(e, &c, NULL, 0);
    if (rc == STORE_CONFLICT && e->res.conflict_field >= 0) {
        /* Someone else changed it since the edit began: asked after the
         * prompt closes, with both values on screen. */
        e->conflict = true;
        imt_case_clear(&e->mine);
        e->mine = c;
        e->next = -1;
        return 0;
    }
    imt_case_clear(&c);
    if (rc != STORE_OK) {
        e->nchain--;
        snprintf(err, errn, "not saved: %s", store_errmsg(e->t->app->store));
        return -1;
    }
    e->next = -1;
    return 0;
}

/* A value for the conflict dialog: its canonical text, or "(unknown)". */
static void value_text(const imt_case *c, int f, char *buf, size_t n)
{
    if (!imt_field_is_known(c, f))
        snprintf(buf, n, "(unknown)");
    else
        imt_field_format(c, f, buf, n);
}

/* Someone else changed a field this edit also changes: keep theirs, or
 * apply ours on purpose.  Returns true when something was saved. */
static bool resolve_conflict(tui *t, edit_ctx *e, const char *id)
{
    int over[IMT_F_COUNT], nover = 0;   /* applied on purpose so far */
    for (int round = 0; round < IMT_F_COUNT && e->conflict; round++) {
        int f = e->res.conflict_field;
        char theirs[4200], mine[4200], base[4200], who[200], title[300];
        value_text(&e->res.before, f, theirs, sizeof theirs);
        value_text(&e->mine, f, mine, sizeof mine);
        value_text(e->base, f, base, sizeof base);
        snprintf(who, sizeof who, "%s changed %s at %s, after you began this edit.",
                 e->res.field_user[0] ? e->res.field_user : "Another user", imt_fields[f].name,
                 e->res.field_time[0] ? e->res.field_time : "an unknown time");
        char l1[4300], l2[4300], l3[4300];
        snprintf(l1, sizeof l1, "Their value: %s", theirs);
        snprintf(l2, sizeof l2, "Your value:  %s", mine);
        snprintf(l3, sizeof l3, "(you read:   %s)", base);
        const char *lines[] = { who, "", l1, l2, l3 };
        static const char *const answers[] = {
            "Keep their value (nothing of yours is saved)",
            "Apply my value on purpose (audited as a deliberate overwrite)",
        };
        snprintf(title, sizeof title, "%s: %s was changed by someone else", id,
                 imt_fields[f].name);
        int a = tui_ask(t, title, lines, 5, answers, 2);
        if (a != 1) {
            tui_message(t, false, "%s: kept %s's %s; nothing saved", id,
                        e->res.field_user[0] ? e->res.field_user : "their", imt_fields[f].name);
            return false;
        }
        /* Every field found in conflict so far is applied on purpose. */
        if (nover < IMT_F_COUNT)
            over[nover++] = f;
        e->conflict = false;
        int rc = edit_save(e, &e->mine, over, nover);
        if (rc == STORE_CONFLICT && e->res.conflict_field >= 0) {
            e->conflict = true;
            continue;
        }
        if (rc != STORE_OK) {
            tui_message(t, true, "%s: not saved: %s", id, store_errmsg(t->app->store));
            return false;
        }
        return true;
    }
    return false;
}

void tui_edit(tui *t)
{
    const imt_case *c = case_to_change(t, "edit cases");
    if (!c)
        return;
    if (c->review_status == REV_SIGNED_OUT) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s is signed out by %s%s%s%s at %s: it cannot be changed. "
                 "Re-open it first (R, a reason is required).", c->case_id,
                 c->reviewer ? c->reviewer : "(unknown)", c->signer_name ? " (" : "",
                 c->signer_name ? c->signer_name : "", c->signer_name ? ")" : "",
                 c->reviewed_at ? c->reviewed_at : "(unknown time)");
        char title[120];
        snprintf(title, sizeof title, "%s is signed out", c->case_id);
        alert(t, title, msg);
        tui_message(t, true, "%s is signed out: not edited", c->case_id);
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
    imt_case_init(&e.mine);
    imt_case_init(&e.res.before);
    imt_case_init(&e.res.after);
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
    bool saved = ok == 1 && !e.conflict;
    if (ok == 1 && e.conflict)
        saved = resolve_conflict(t, &e, id);
    t->unsaved = false;
    if (saved) {
        after_save(t, id);
        char names[200] = "";
        size_t l = 0;
        for (int i = 0; i < e.nchain && l < sizeof names - 40; i++)
            l += (size_t)snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "",
                                  imt_fields[e.chain[i]].name);
        if (e.nchanged)
            tui_message(t, false, "%s: %s saved (audited; u undoes)", id, names);
        else
            tui_message(t, false, "%s: %s unchanged", id, names);
    } else if (ok == 1 && e.conflict) {
        after_save(t, id);     /* show their value */
    } else if (e.nchain > 0 && ok != 1) {
        tui_message(t, false, "%s: edit cancelled; nothing saved", id);
    }
    store_edit_result_clear(&e.res);
    imt_case_clear(&e.mine);
    imt_case_clear(&work);
    imt_case_clear(&base);
}

/* ---- undo ------------------------------------------------------------------ */

void tui_undo(tui *t)
{
    if (refuse_readonly(t, "undo"))
        return;
    if (t->nundo == 0) {
        tui_message(t, true, "nothing to undo: this session has saved no edit");
        return;
    }
    struct tui_undo *u = &t->undo[t->nundo - 1];
    char id[64];
    snprintf(id, sizeof id, "%s", u->after.case_id ? u->after.case_id : "");
    /* Back to the values before the edit, provided nobody changed the
     * fields since (the edit's result is the base). */
    store_edit_req rq = { .values = &u->before, .fields = u->fields, .nf = u->nf,
                          .base = &u->after, .source = "undo" };
    store_edit_result res;
    int rc = store_edit(t->app->store, id, &rq, &res);
    char names[200] = "";
    size_t l = 0;
    for (int i = 0; i < u->nf && l < sizeof names - 40; i++)
        l += (size_t)snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "",
                              imt_fields[u->fields[i]].name);
    if (rc == STORE_CONFLICT && res.conflict_field >= 0) {
        char now[200];
        value_text(&res.before, res.conflict_field, now, sizeof now);
        tui_message(t, true, "cannot undo %s of %s: %s changed it since at %s (now %s)", names,
                    id, res.field_user[0] ? res.field_user : "someone",
                    res.field_time[0] ? res.field_time : "?", now);
    } else if (rc == STORE_REFUSED && res.before.review_status == REV_SIGNED_OUT) {
        tui_message(t, true, "cannot undo %s of %s: signed out by %s at %s", names, id,
                    res.before.reviewer ? res.before.reviewer : "(unknown)",
                    res.before.reviewed_at ? res.before.reviewed_at : "?");
    } else if (rc != STORE_OK) {
        tui_message(t, true, "cannot undo %s of %s: %s", names, id, store_errmsg(t->app->store));
    } else {
        imt_case_clear(&u->before);
        imt_case_clear(&u->after);
        t->nundo--;
        after_save(t, id);
        tui_message(t, false, "%s: %s undone (audited as a new change)", id, names);
    }
    store_edit_result_clear(&res);
}

/* ---- decisions -------------------------------------------------------------- */

static int need_other_comment(void *ctx, const char *text, char *err, size_t errn)
{
    const int *reason = ctx;
    if (*reason == OVR_OTHER && need_text(NULL, text, err, errn) != 0) {
        snprintf(err, errn, "the reason 'other' needs a comment (Esc cancels)");
        return -1;
    }
    return 0;
}

void tui_decide(tui *t)
{
    const imt_case *c = case_to_change(t, "record decisions");
    if (!c)
        return;
    char id[64], title[300];
    snprintf(id, sizeof id, "%s", c->case_id);
    /* The recommendations as the pane shows them (tui_pane_lines builds
     * them for this case). */
    tui_pane_lines(t, PANE_RECS);
    const rules_result *res = t->recs;
    int pick[RULES_MAX_RESULTS], np = 0;
    for (int i = 0; i < res->n; i++)
        if (review_needs_decision(&res->recs[i]))
            pick[np++] = i;
    if (np == 0) {
        tui_message(t, false, "%s: no recommendation needs a decision", id);
        return;
    }
    int ri = -1;
    if (t->focus == PANE_RECS && t->rec_sel >= 0 && t->rec_sel < res->n &&
        review_needs_decision(&res->recs[t->rec_sel])) {
        ri = t->rec_sel;
    } else {
        /* each with its decision now; the cursor on the first that still
         * needs one */
        char lab[RULES_MAX_RESULTS][200];
        const char *labels[RULES_MAX_RESULTS];
        int initial = -1;
        for (int k = 0; k < np; k++) {
            const rule_rec *r = &res->recs[pick[k]];
            const store_decision *dc = NULL;
            for (int j = 0; j < t->ndecs && !dc; j++)
                if (strcmp(t->decs[j].rule_id, r->id) == 0)
                    dc = &t->decs[j];
            const char *st = !dc ? "undecided" : dc->stale ? "STALE"
                           : dc->decision == DECISION_ACCEPT ? "accepted" : "overridden";
            snprintf(lab[k], sizeof lab[k], "%-20s %-10s %.56s", r->id, st, r->summary);
            labels[k] = lab[k];
            if (initial < 0 && (!dc || dc->stale))
                initial = k;
        }
        if (initial < 0)
            initial = 0;
        snprintf(title, sizeof title, "%s: decide on which recommendation?", id);
        int k = tui_choose(t, title, labels, np, initial);
        if (k < 0)
            return;
        ri = pick[k];
    }
    char rule[48];
    snprintf(rule, sizeof rule, "%s", res->recs[ri].id);
    static const char *const how[] = { "Accept", "Override (give a reason)" };
    snprintf(title, sizeof title, "%s %s: accept or override?", id, rule);
    int dec = tui_choose(t, title, how, 2, 0);
    if (dec < 0)
        return;
    int reason = -1;
    if (dec == DECISION_OVERRIDE) {
        snprintf(title, sizeof title, "%s %s: why is it overridden?", id, rule);
        reason = tui_choose(t, title, review_reason_labels, OVR_N, 0);
        if (reason < 0)
            return;
    }
    char comment[1024];
    snprintf(title, sizeof title, "%s %s: comment (%s)", id, rule,
             reason == OVR_OTHER ? "required for 'other'" : "may be empty");
    t->unsaved = true;
    int ok = tui_prompt(t, title, "", comment, sizeof comment, need_other_comment, &reason);
    t->unsaved = false;
    if (ok != 1)
        return;
    store_decide_req rq = { id, rule, dec, reason, comment[0] ? comment : NULL };
    store_decide_result dr;
    int rc = store_decide(t->app->store, &rq, &dr);
    if (rc != STORE_OK) {
        char msg[900];
        snprintf(msg, sizeof msg, "%s", store_errmsg(t->app->store));
        snprintf(title, sizeof title, "%s %s: not saved", id, rule);
        if (rc == STORE_REFUSED)
            alert(t, title, msg);
        tui_message(t, true, "decision not saved: %s", msg);
        return;
    }
    after_save(t, id);
    tui_message(t, false, "%s: %s %s%s%s (audited, rule set %s)", id, rule,
                dec == DECISION_ACCEPT ? "accepted" : "overridden",
                reason >= 0 ? ": " : "", reason >= 0 ? review_reason_values[reason] : "",
                dr.ruleset);
}

/* ---- history ------------------------------------------------------------------ */

typedef struct {
    char **v;
    theme_role *r;
    int n, cap;
    bool oom;
} hist;

static void hist_add(hist *h, theme_role r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void hist_add(hist *h, theme_role r, const char *fmt, ...)
{
    if (h->oom)
        return;
    if (h->n == h->cap) {
        int nc = h->cap ? h->cap * 2 : 64;
        char **nv = realloc(h->v, (size_t)nc * sizeof *nv);
        theme_role *nr = nv ? realloc(h->r, (size_t)nc * sizeof *nr) : NULL;
        if (nv)
            h->v = nv;
        if (!nv || !nr) {
            h->oom = true;
            return;
        }
        h->r = nr;
        h->cap = nc;
    }
    va_list ap;
    va_start(ap, fmt);
    int k = vasprintf(&h->v[h->n], fmt, ap);
    va_end(ap);
    if (k < 0) {
        h->oom = true;
        return;
    }
    h->r[h->n++] = r;
}

/* One audit row as one or two lines (kept in order; reversed later). */
typedef struct {
    hist lines;
    int rows;
} hist_ctx;

static int hist_row(void *ctx, const imt_audit *a)
{
    hist_ctx *x = ctx;
    hist *h = &x->lines;
    const char *o = a->old_value ? a->old_value : "(none)";
    const char *nv = a->new_value ? a->new_value : "(none)";
    /* lines of one row are added last-first, as the whole list is
     * reversed for newest first */
    if (a->comment)
        hist_add(h, TR_NOTDONE, "    comment: %s", a->comment);
    if (a->fired_by)
        hist_add(h, TR_NOTDONE, "    because: %s", a->fired_by);
    if (strcmp(a->field, "*") == 0)
        hist_add(h, TR_NORMAL, "%s  %-10s created (%s)", a->time, a->user,
                 a->source ? a->source : "");
    else if (strcmp(a->field, "decision") == 0)
        hist_add(h, TR_LEVEL_WARNING, "%s  %-10s decision %s: %s -> %s  [rule set %s]", a->time, a->user,
                 a->rule_id ? a->rule_id : "?", o, nv, a->ruleset ? a->ruleset : "?");
    else if (strcmp(a->field, "review_status") == 0 && a->new_value &&
             strcmp(a->new_value, "signed_out") == 0)
        hist_add(h, TR_HEADER, "%s  %-10s SIGNED OUT (%s -> signed_out)%s%s  [rule set %s]",
                 a->time, a->user, o, a->full_name ? ", signature of " : "",
                 a->full_name ? a->full_name : "", a->ruleset ? a->ruleset : "?");
    else if (strcmp(a->field, "review_status") == 0)
        hist_add(h, TR_LABEL, "%s  %-10s review: %s -> %s%s", a->time, a->user, o, nv,
                 a->source && strcmp(a->source, "re-open") == 0 ? "  (RE-OPENED)" : "");
    else
        hist_add(h, TR_NORMAL, "%s  %-10s %s: %s -> %s  (%s)", a->time, a->user, a->field, o,
                 nv, a->source ? a->source : "");
    x->rows++;
    return h->oom ? 1 : 0;
}

void tui_history(tui *t)
{
    const imt_case *c = current_case(t);
    if (!c)
        return;
    char id[64];
    snprintf(id, sizeof id, "%s", c->case_id);
    hist_ctx x;
    memset(&x, 0, sizeof x);
    int rc = store_audit_foreach(t->app->store, id, hist_row, &x);
    if (rc < 0 || x.lines.oom) {
        tui_message(t, true, "cannot read the history of %s: %s", id,
                    x.lines.oom ? "out of memory" : store_errmsg(t->app->store));
    } else {
        /* newest first */
        hist *h = &x.lines;
        for (int i = 0, j = h->n - 1; i < j; i++, j--) {
            char *tv = h->v[i];
            h->v[i] = h->v[j];
            h->v[j] = tv;
            theme_role tr = h->r[i];
            h->r[i] = h->r[j];
            h->r[j] = tr;
        }
        char title[160];
        snprintf(title, sizeof title, "History of %s: %d change%s, newest first", id, x.rows,
                 x.rows == 1 ? "" : "s");
        tui_pager(t, title, (const char *const *)h->v, h->r, h->n);
    }
    for (int i = 0; i < x.lines.n; i++)
        free(x.lines.v[i]);
    free(x.lines.v);
    free(x.lines.r);
}

/* ---- export ---------------------------------------------------------------- */

/* The filtered cases, in the list's order, through the one CSV writer
 * (io/csvexport.h: the same columns, quoting and line ends as `imtreview
 * export`).  Written to a temporary file next to the target, flushed to
 * disk and renamed over it, so a failed export never leaves half a file
 * under the chosen name; a new file gets mode 0600, a replaced one keeps
 * its mode. */
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
    long n = 0;
    errno = 0;
    int rc = app_export_cases(t->app, af.f, &t->lw->filter, t->lw->sort, o, &n);
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
    return n;
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
    const imt_case *c = case_to_change(t, "edit the course");
    if (!c)
        return;
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
