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

/* ---- the steps of decide and review, engine-neutral ---------------------------
 * An engine locks the case, reads what a plan needs (the case, its
 * recommendations now with its course, its decisions, its decision
 * state), makes the plan here, and writes what the plan says: the rows,
 * the audit rows in order, the result. */

/* An audit row a plan asks for (text columns; NULL: none). */
typedef struct {
    const char *field, *oldv, *newv, *source, *comment, *ruleset;
    const char *rule_id, *fired_by, *full_name;
} store_audit_row;

/* A decision asked for, before any reading: STORE_OK, or STORE_REFUSED /
 * STORE_NOTFOUND with the refusal in msg. */
int store_decide_check(const store_decide_req *rq, char *msg, size_t n);

/* What a decision writes: the rule, its facts (fired_by), the words of
 * the audit row. */
typedef struct {
    const rule_rec *rule;
    char *fired;               /* fired_by (malloc'd)                   */
    const char *reason;        /* the override reason's word, or NULL   */
    const char *comment;       /* NULL: none                            */
    char oldv[80], newv[80];   /* the audit's old and new value ("" none) */
    store_audit_row audit;
} store_decide_plan;

/* The plan of rq on the case c as locked, its recommendations now (res)
 * and its decisions (d): STORE_OK, STORE_REFUSED with the refusal in msg
 * (signed out, the rule does not fire, info-level), or STORE_ERROR (out
 * of memory).  The plan points into rq and res: keep them until the
 * write is done. */
int store_decide_plan_make(const imt_case *c, const rules_result *res, const store_decs *d,
                           const store_decide_req *rq, store_decide_plan *p, char *msg,
                           size_t n);
void store_decide_plan_clear(store_decide_plan *p);
/* The result of a decision saved at time now by user, the case now at
 * version. */
void store_decide_result_fill(const store_decide_plan *p, const char *now, const char *user,
                              long long version, store_decide_result *res);

/* What a review writes. */
typedef struct {
    bool reopen;               /* leaving signed_out                    */
    const char *who, *when;    /* reviewer, reviewed_at (NULL: cleared) */
    const char *signer;        /* signer_name (signed_out only)         */
    const char *kept;          /* review_comment kept with the case     */
    char *comment;             /* the review's comment as audited (malloc'd, "" none) */
    store_audit_row audit[3];  /* review_status; reviewer, reviewed_at when changed */
    int naudit;
} store_review_plan;

/* The plan of rq on the case old (as locked) whose decision state and
 * undecided rules are state and ids, by user at time now (the full name
 * given when there is one): STORE_OK, STORE_REFUSED with the refusal in
 * msg, or STORE_ERROR (out of memory, an invalid state).  The plan points
 * into old, rq, user, now and full_name. */
int store_review_plan_make(const imt_case *old, const store_review_req *rq, int state,
                           const char *ids, const char *user, const char *now,
                           const char *full_name, store_review_plan *p, char *msg, size_t n);
void store_review_plan_clear(store_review_plan *p);
/* The result of a review saved, the case before being old. */
void store_review_result_fill(const store_review_plan *p, const imt_case *old, const char *now,
                              store_review_result *res);

/* check: the stored decision state of case id (shown safely) is not the
 * one its recommendations and decisions give. */
void store_state_msg(const char *id, int stored, int computed, char *msg, size_t n);

/* The stored decision states a --decision filter mask (FDEC_* bits)
 * selects: undecided includes stale (a stale decision is no decision). */
void store_decision_states(unsigned mask, bool states[DSTATE_N]);

/* An edit (store_edit) as every engine does it, between reading the case
 * (old, locked for writing) and writing the changes: the version check,
 * the fields that may be edited, a field a colleague changed since the
 * caller read the case (rq->base) refused unless the caller overwrites it
 * on purpose (then its source "overwrite" and a comment naming whose
 * change it replaces, in fsrc/fcom, malloc'ed), the new values in nw
 * (a copy of old on entry), normalised and cross-checked.
 * last_change(ctx, field, user, un, time, tn) gives who changed field
 * last, and when (NULL field: the case); res->last_user/last_time hold
 * the case's last change on entry.  STORE_OK; STORE_CONFLICT or
 * STORE_REFUSED with the message in msg (res->conflict_field and
 * field_user/field_time set for a field's conflict); STORE_ERROR with msg
 * ("out of memory"), or the non-OK code last_change returned, msg empty
 * (the engine's error stands). */
int store_edit_plan(const imt_case *old, const char *case_id, const store_edit_req *rq,
                    int (*last_change)(void *ctx, const char *field, char *user, size_t un,
                                       char *time, size_t tn),
                    void *ctx, store_edit_result *res, imt_case *nw, char *fsrc[IMT_F_COUNT],
                    char *fcom[IMT_F_COUNT], char *msg, size_t n);

#endif
