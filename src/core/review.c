/* core/review.c - the review workflow's rules (see core/review.h). */
#include "core/review.h"

#include <stdio.h>
#include <string.h>

const char *const review_decision_values[] = { "accept", "override", NULL };

const char *const review_reason_values[] = {
    "contraindicated", "patient-declined", "already-done", "not-applicable",
    "evidence-disagrees", "other", NULL
};

const char *const review_reason_labels[] = {
    "Contraindicated", "Patient declined", "Already done", "Not applicable",
    "Evidence disagrees", "Other (a comment is required)", NULL
};

const char *const review_dstate_names[] = { "decided", "undecided", "stale", NULL };

bool review_needs_decision(const rule_rec *r)
{
    return r && r->level != RL_INFO;
}

/* The fact of the review state ("review_status = in_review") says where the
 * case is in the workflow, not something about the patient: taking a case
 * into review must not make its decisions stale.  Nor does the passing of
 * time: FU-OVERDUE's "today = ...: N days overdue" changes every day, and a
 * decision on an overdue follow-up stands while its next_due stands. */
static bool workflow_fact(const char *fact)
{
    return strncmp(fact, "review_status ", 14) == 0 || strncmp(fact, "review_status=", 14) == 0 ||
           strncmp(fact, "today = ", 8) == 0;
}

static int count_clinical(const char *const *facts, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        if (facts[i] && !workflow_fact(facts[i]))
            k++;
    return k;
}

bool review_decision_current(const review_prior *d, const rule_rec *r,
                             const char *ruleset, char *why, size_t whyn)
{
    if (whyn)
        why[0] = '\0';
    if (!d->ruleset || !ruleset || strcmp(d->ruleset, ruleset) != 0) {
        if (whyn)
            snprintf(why, whyn, "made under rule set %s, now %s",
                     d->ruleset ? d->ruleset : "(none)", ruleset ? ruleset : "(none)");
        return false;
    }
    /* The same clinical facts, as sets (order does not matter). */
    const char *now[RULES_MAX_FACTS] = { 0 };
    for (int i = 0; i < r->nfired && i < RULES_MAX_FACTS; i++)
        now[i] = r->fired[i];
    int nnow = r->nfired < RULES_MAX_FACTS ? r->nfired : RULES_MAX_FACTS;
    bool same = count_clinical(now, nnow) == count_clinical(d->facts, d->nfacts);
    for (int i = 0; same && i < nnow; i++) {
        if (workflow_fact(now[i]))
            continue;
        bool found = false;
        for (int k = 0; k < d->nfacts && !found; k++)
            found = d->facts[k] && strcmp(d->facts[k], now[i]) == 0;
        if (!found) {
            same = false;
            if (whyn)
                snprintf(why, whyn, "the facts changed: now %s", now[i]);
        }
    }
    if (!same && whyn && !why[0]) {
        for (int k = 0; k < d->nfacts; k++) {
            if (!d->facts[k] || workflow_fact(d->facts[k]))
                continue;
            bool found = false;
            for (int i = 0; i < nnow && !found; i++)
                found = strcmp(d->facts[k], now[i]) == 0;
            if (!found) {
                snprintf(why, whyn, "the facts changed: no longer %s", d->facts[k]);
                break;
            }
        }
        if (!why[0])
            snprintf(why, whyn, "the facts changed");
    }
    return same;
}

static void add_id(char *ids, size_t idsn, size_t *len, const char *id, bool stale)
{
    if (!ids || !idsn || *len >= idsn)
        return;
    int w = snprintf(ids + *len, idsn - *len, "%s%s%s", *len ? ", " : "", id,
                     stale ? " (stale)" : "");
    if (w > 0)
        *len += (size_t)w;
    if (*len >= idsn)
        *len = idsn;
}

int review_case_state(const rules_result *res, const review_prior *d, int nd,
                      const char *ruleset, char *ids, size_t idsn)
{
    size_t len = 0;
    if (ids && idsn)
        ids[0] = '\0';
    bool missing = false, stale = false;
    for (int i = 0; i < res->n; i++) {
        const rule_rec *r = &res->recs[i];
        if (!review_needs_decision(r))
            continue;
        const review_prior *p = NULL;
        for (int k = 0; k < nd && !p; k++)
            if (d[k].rule_id && strcmp(d[k].rule_id, r->id) == 0)
                p = &d[k];
        if (!p) {
            missing = true;
            add_id(ids, idsn, &len, r->id, false);
        } else if (!review_decision_current(p, r, ruleset, NULL, 0)) {
            stale = true;
            add_id(ids, idsn, &len, r->id, true);
        }
    }
    return stale ? DSTATE_STALE : missing ? DSTATE_UNDECIDED : DSTATE_DECIDED;
}

int review_transition(int from, int to, bool has_reason, bool undecided,
                      char *why, size_t whyn)
{
    if (whyn)
        why[0] = '\0';
    if (to < 0 || to >= REV_N) {
        snprintf(why, whyn, "invalid review state");
        return -1;
    }
    if (from == REV_SIGNED_OUT && to == REV_SIGNED_OUT) {
        snprintf(why, whyn, "the case is already signed out: it is locked (re-open it "
                 "first, with a reason)");
        return -1;
    }
    if (from == REV_SIGNED_OUT && !has_reason) {
        snprintf(why, whyn, "leaving signed_out needs a reason (--reason TEXT): the "
                 "signature stays in the history");
        return -1;
    }
    if (to == REV_SIGNED_OUT && undecided) {
        snprintf(why, whyn, "recommendations are not decided yet");
        return -1;
    }
    return 0;
}

int review_check_decision(int decision, int reason, const char *comment,
                          char *why, size_t whyn)
{
    if (whyn)
        why[0] = '\0';
    bool has_comment = comment && *comment;
    if (decision == DECISION_ACCEPT) {
        if (reason >= 0) {
            snprintf(why, whyn, "an accepted recommendation takes no override reason");
            return -1;
        }
        return 0;
    }
    if (decision != DECISION_OVERRIDE) {
        snprintf(why, whyn, "a decision is accept or override");
        return -1;
    }
    if (reason < 0 || reason >= OVR_N) {
        snprintf(why, whyn, "an override needs a reason: contraindicated, patient-declined, "
                 "already-done, not-applicable, evidence-disagrees or other");
        return -1;
    }
    if (reason == OVR_OTHER && !has_comment) {
        snprintf(why, whyn, "the reason 'other' needs a comment saying what it is");
        return -1;
    }
    return 0;
}

const rule_rec *review_find_rec(const rules_result *res, const char *rule_id)
{
    for (int i = 0; rule_id && i < res->n; i++)
        if (strcmp(res->recs[i].id, rule_id) == 0)
            return &res->recs[i];
    return NULL;
}
