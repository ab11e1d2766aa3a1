/* store/decide.h - the review rules as every engine keeps them (issue 10),
 * store-internal: only the engines (src/store/sqlite/, src/store/pg/)
 * include it.  core/review.h says what a review may do; this module
 * turns a case's stored decisions and its recommendations now into what
 * the store writes and says: the latest decision per rule, the case's
 * decision state (the list filter --decision), the decisions with their
 * staleness for display, the facts of a recommendation as stored
 * (fired_by, a JSON array of strings), and the refusals of review and
 * decide in the same words on every engine.  No SQL, no engine: each
 * engine reads the rows and writes the results. */
#ifndef IMT_STORE_DECIDE_H
#define IMT_STORE_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include "core/imtcase.h"
#include "core/review.h"
#include "core/rules.h"
#include "store/store.h"

/* A decision as stored (malloc'd strings). */
typedef struct {
    char *rule_id, *ruleset, *comment, *user, *time;
    int decision, reason;      /* DECISION_* / OVR_*, -1 when unknown */
    int nfacts;
    char *facts[RULES_MAX_FACTS];
} store_dec;

/* The latest decision per rule of one case. */
typedef struct {
    store_dec *v;
    int n, cap;
} store_decs;

/* One stored row (text columns; NULL for SQL NULL).  Rows come ordered by
 * rule and then by their order of writing: a later row of the same rule
 * replaces the one before.  0, or -1 when out of memory. */
int store_decs_add(store_decs *d, const char *rule_id, const char *ruleset,
                   const char *decision, const char *reason, const char *comment,
                   const char *fired_by, const char *user, const char *time);
void store_decs_free(store_decs *d);

/* The facts that fired r as stored (a JSON array of strings, malloc'd),
 * NULL when out of memory. */
char *store_facts_json(const rule_rec *r);

/* The case's decision state (DSTATE_*) from its recommendations now and
 * its decisions under this program's rule set; ids as review_case_state
 * gives them.  -1 when out of memory. */
int store_decs_state(const rules_result *res, const store_decs *d, char *ids, size_t idsn);

/* The decisions for display (store_decisions): each with whether its rule
 * fires now and, when it does, whether the decision is stale and why.
 * 0, or -1 when out of memory (nothing given). */
int store_decs_display(const rules_result *res, const store_decs *d, store_decision **out,
                       int *n);

/* A decision as the audit trail says it: "accept", "override: REASON". */
void store_decision_text(int decision, int reason, char *buf, size_t n);

/* The recommendation a decision is asked for in res (the case's now), or
 * NULL with the refusal in msg: the rule does not fire, there is no such
 * rule, it is info-level. */
const rule_rec *store_decide_target(const rules_result *res, const char *case_id,
                                    const char *rule_id, char *msg, size_t n);

/* The refusal of any change to a signed-out case c: who signed it out
 * and when, what was refused, how to re-open it. */
void store_signed_msg(const imt_case *c, const char *what, char *msg, size_t n);

/* Whether the case `old` may move to review state `to` (core/review.h's
 * review_transition), state and ids being its decision state and the
 * rules still needing a decision: 0, or -1 with the refusal in msg. */
int store_review_check(const imt_case *old, int to, bool has_reason, int state,
                       const char *ids, char *msg, size_t n);

/* The comment a review records (malloc'd, "" for none): a re-opening with
 * both a reason and a comment keeps both.  NULL when out of memory. */
char *store_review_comment(bool reopen, const char *reason, const char *comment);

/* check: the stored decision state of case id (shown safely) is not the
 * one its recommendations and decisions give. */
void store_state_msg(const char *id, int stored, int computed, char *msg, size_t n);

/* The stored decision states a --decision filter mask (FDEC_* bits)
 * selects: undecided includes stale (a stale decision is no decision). */
void store_decision_states(unsigned mask, bool states[DSTATE_N]);

#endif
