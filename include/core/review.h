/* core/review.h - the review workflow as pure rules (issue 10): the review
 * states and the moves between them, decisions on recommendations (accept,
 * or override with a reason), when a decision goes stale, and the per-case
 * decision state the list filter uses.  No store, no terminal: the store
 * (src/store/) calls these on every write, the front ends for their
 * dialogs and messages, the unit tests directly.
 *
 * A recommendation needs a decision when its level is not `info`.  A
 * decision is current while the rule set's version is the one it was made
 * under and the facts that fired the recommendation (its fired_by lines)
 * are the same now, the review-state fact of DX-MDT aside (taking a case
 * into review is the workflow, not a clinical fact) and FU-OVERDUE's
 * "today = ..." (the date moves every day; its next_due fact stays).  A
 * stale decision counts as no decision. */
#ifndef IMT_REVIEW_H
#define IMT_REVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include "core/imtcase.h"
#include "core/rules.h"

/* Decisions and the fixed list of override reasons (CDS Hooks style). */
typedef enum { DECISION_ACCEPT, DECISION_OVERRIDE, DECISION_N } review_decision;
extern const char *const review_decision_values[];   /* "accept", "override" */

enum { OVR_CONTRAINDICATED, OVR_PATIENT_DECLINED, OVR_ALREADY_DONE,
       OVR_NOT_APPLICABLE, OVR_EVIDENCE_DISAGREES, OVR_OTHER, OVR_N };
/* "contraindicated", "patient-declined", "already-done", "not-applicable",
 * "evidence-disagrees", "other" */
extern const char *const review_reason_values[];
/* The same in words, for a menu ("Patient declined"). */
extern const char *const review_reason_labels[];

/* A case's decision state (stored per case by the store, the list filter
 * --decision and the interface's N key read it). */
enum { DSTATE_DECIDED, DSTATE_UNDECIDED, DSTATE_STALE, DSTATE_N };
/* "decided", "undecided", "stale" (indexed by DSTATE_*) */
extern const char *const review_dstate_names[];

/* Whether a recommendation needs a decision (its level is not info). */
bool review_needs_decision(const rule_rec *r);

/* A decision as stored: the rule, the rule-set version it was made under
 * and the facts that fired the recommendation then. */
typedef struct {
    const char *rule_id;
    const char *ruleset;
    const char *const *facts;
    int nfacts;
} review_prior;

/* Whether a stored decision is still current for recommendation r (which
 * fires now) under rule set `ruleset`: same rule set, same facts (the
 * review_status fact aside).  When it is not, why says what changed. */
bool review_decision_current(const review_prior *d, const rule_rec *r,
                             const char *ruleset, char *why, size_t whyn);

/* The decision state of a case from its recommendations now and its
 * latest decision per rule (d[0..nd-1], any order; rules with no decision
 * are simply absent).  ids, when not NULL, gets the ids of the
 * recommendations that still need a decision ("TX-ALK-TKI, DX-MDT"; the
 * stale ones marked " (stale)"), cut to idsn bytes. */
int review_case_state(const rules_result *res, const review_prior *d, int nd,
                      const char *ruleset, char *ids, size_t idsn);

/* The moves between review states.  Every state may be set again (a new
 * comment, another reviewer taking the case) except that:
 *   - a signed-out case is locked: signing it out again is refused, and
 *     leaving signed_out (to in_review or unreviewed) needs a reason;
 *   - signing out needs every non-info recommendation decided (the caller
 *     checks that with review_case_state; undecided says whether any is).
 * Returns 0 when allowed, -1 with the reason in why. */
int review_transition(int from, int to, bool has_reason, bool undecided,
                      char *why, size_t whyn);

/* A decision as asked for: override needs a reason from the list, and
 * the reason `other` needs a comment; accept takes no reason.  Returns 0,
 * or -1 with the reason in why. */
int review_check_decision(int decision, int reason, const char *comment,
                          char *why, size_t whyn);

/* The recommendation with id rule_id in res, or NULL. */
const rule_rec *review_find_rec(const rules_result *res, const char *rule_id);

#endif
