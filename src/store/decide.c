/* store/decide.c - the review rules as every engine keeps them
 * (store/decide.h): decisions as stored, a case's decision state, the
 * decisions for display, the refusals of review and decide, and the plan
 * of an edit (the lost-update guard: a colleague's change is never
 * silently replaced).  Both engines call these; what is a current
 * decision is core/review.h's. */
#define _GNU_SOURCE
#include "store/decide.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/filter.h"
#include "store/record.h"

/* ---- decisions as stored ----------------------------------------------------- */

static void dec_free(store_dec *d)
{
    free(d->rule_id);
    free(d->ruleset);
    free(d->comment);
    free(d->user);
    free(d->time);
    for (int k = 0; k < d->nfacts; k++)
        free(d->facts[k]);
    memset(d, 0, sizeof *d);
}

void store_decs_free(store_decs *d)
{
    for (int i = 0; i < d->n; i++)
        dec_free(&d->v[i]);
    free(d->v);
    memset(d, 0, sizeof *d);
}

/* A stored fired_by (a JSON array of strings) into facts[] (strdup'd); a
 * value that is not one gives no facts, and the decision reads as stale. */
static int parse_facts(const char *json, char **facts, int *n)
{
    *n = 0;
    if (!json)
        return 0;
    json_t *a = json_loads(json, 0, NULL);
    if (!a)
        return 0;
    int rc = 0;
    if (json_is_array(a)) {
        size_t i;
        json_t *v;
        json_array_foreach(a, i, v) {
            if (*n >= RULES_MAX_FACTS || !json_is_string(v))
                continue;
            if (!(facts[*n] = strdup(json_string_value(v)))) {
                rc = -1;
                break;
            }
            (*n)++;
        }
    }
    json_decref(a);
    return rc;
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = true;
    return d;
}

int store_decs_add(store_decs *d, const char *rule_id, const char *ruleset,
                   const char *decision, const char *reason, const char *comment,
                   const char *fired_by, const char *user, const char *time)
{
    if (!rule_id)
        return 0;
    store_dec *o;
    if (d->n > 0 && strcmp(d->v[d->n - 1].rule_id, rule_id) == 0) {
        o = &d->v[d->n - 1];
        dec_free(o);
    } else {
        if (d->n == d->cap) {
            int nc = d->cap ? d->cap * 2 : 8;
            store_dec *nv = realloc(d->v, (size_t)nc * sizeof *nv);
            if (!nv)
                return -1;
            d->v = nv;
            d->cap = nc;
        }
        o = &d->v[d->n++];
        memset(o, 0, sizeof *o);
    }
    bool oom = false;
    o->rule_id = dup_or_null(rule_id, &oom);
    o->ruleset = dup_or_null(ruleset, &oom);
    o->decision = decision ? rec_enum_exact(review_decision_values, decision) : -1;
    o->reason = reason ? rec_enum_exact(review_reason_values, reason) : -1;
    o->comment = dup_or_null(comment, &oom);
    if (parse_facts(fired_by, o->facts, &o->nfacts) != 0)
        oom = true;
    o->user = dup_or_null(user, &oom);
    o->time = dup_or_null(time, &oom);
    /* out of memory: the caller stops and frees the whole set */
    return oom || !o->rule_id ? -1 : 0;
}

char *store_facts_json(const rule_rec *r)
{
    json_t *a = json_array();
    if (!a)
        return NULL;
    for (int i = 0; i < r->nfired; i++) {
        json_t *s = json_string(r->fired[i]);
        if (!s || json_array_append_new(a, s) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    char *out = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return out;
}

/* ---- a case's decision state ----------------------------------------------- */

static void prior_of(const store_dec *d, review_prior *p)
{
    p->rule_id = d->rule_id;
    p->ruleset = d->ruleset;
    p->facts = (const char *const *)d->facts;
    p->nfacts = d->nfacts;
}

int store_decs_state(const rules_result *res, const store_decs *d, char *ids, size_t idsn)
{
    review_prior *p = d->n ? calloc((size_t)d->n, sizeof *p) : NULL;
    if (d->n && !p)
        return -1;
    for (int i = 0; i < d->n; i++)
        prior_of(&d->v[i], &p[i]);
    int state = review_case_state(res, p, d->n, RULESET_VERSION, ids, idsn);
    free(p);
    return state;
}

int store_decs_display(const rules_result *res, const store_decs *d, store_decision **out,
                       int *n)
{
    *out = NULL;
    *n = 0;
    if (d->n == 0)
        return 0;
    store_decision *v = calloc((size_t)d->n, sizeof *v);
    if (!v)
        return -1;
    bool oom = false;
    for (int i = 0; i < d->n; i++) {
        const store_dec *s = &d->v[i];
        store_decision *o = &v[i];
        snprintf(o->rule_id, sizeof o->rule_id, "%s", s->rule_id);
        o->decision = s->decision;
        o->reason = s->reason;
        if (s->comment && !(o->comment = strdup(s->comment)))
            oom = true;
        snprintf(o->user, sizeof o->user, "%s", s->user ? s->user : "");
        snprintf(o->time, sizeof o->time, "%s", s->time ? s->time : "");
        snprintf(o->ruleset, sizeof o->ruleset, "%s", s->ruleset ? s->ruleset : "");
        if (s->nfacts && !(o->facts = calloc((size_t)s->nfacts, sizeof *o->facts)))
            oom = true;
        for (int k = 0; o->facts && k < s->nfacts; k++) {
            if (!(o->facts[k] = strdup(s->facts[k])))
                oom = true;
            else
                o->nfacts = k + 1;
        }
        const rule_rec *r = review_find_rec(res, s->rule_id);
        o->fires = r != NULL;
        if (r) {
            review_prior p;
            prior_of(s, &p);
            o->stale = !review_decision_current(&p, r, RULESET_VERSION, o->why, sizeof o->why);
        } else {
            o->stale = false;
            snprintf(o->why, sizeof o->why, "the rule does not fire now");
        }
    }
    if (oom) {
        store_decisions_free(v, d->n);
        return -1;
    }
    *out = v;
    *n = d->n;
    return 0;
}

/* ---- the words ------------------------------------------------------------- */

void store_decision_text(int decision, int reason, char *buf, size_t n)
{
    bool why = decision == DECISION_OVERRIDE && reason >= 0 && reason < OVR_N;
    snprintf(buf, n, "%s%s%s",
             decision >= 0 && decision < DECISION_N ? review_decision_values[decision] : "?",
             why ? ": " : "", why ? review_reason_values[reason] : "");
}

const rule_rec *store_decide_target(const rules_result *res, const char *case_id,
                                    const char *rule_id, char *msg, size_t n)
{
    const rule_rec *r = review_find_rec(res, rule_id);
    if (!r) {
        bool known = false;
        for (int i = 0; i < rules_card_count() && !known; i++)
            known = strcmp(rules_card(i)->id, rule_id) == 0;
        if (known)
            snprintf(msg, n, "%.40s does not fire for case '%.64s' now: there is nothing to "
                     "decide (imtreview recommend %.64s)", rule_id, case_id, case_id);
        else
            snprintf(msg, n, "there is no rule '%.40s' in rule set %s (imtreview rules lists "
                     "them)", rule_id, RULESET_VERSION);
        return NULL;
    }
    if (!review_needs_decision(r)) {
        snprintf(msg, n, "%s is an info-level recommendation: it needs no decision", r->id);
        return NULL;
    }
    return r;
}

void store_signed_msg(const imt_case *c, const char *what, char *msg, size_t n)
{
    snprintf(msg, n, "case '%.64s' is signed out by %.64s%s%.100s%s at %.32s: %s; re-open it "
             "first (imtreview review %.64s --status in_review --reason TEXT)",
             c->case_id, c->reviewer ? c->reviewer : "(unknown)",
             c->signer_name ? " (" : "", c->signer_name ? c->signer_name : "",
             c->signer_name ? ")" : "", c->reviewed_at ? c->reviewed_at : "(unknown time)",
             what, c->case_id);
}

int store_review_check(const imt_case *old, int to, bool has_reason, int state,
                       const char *ids, char *msg, size_t n)
{
    char why[300];
    if (review_transition(old->review_status, to, has_reason, state != DSTATE_DECIDED, why,
                          sizeof why) == 0)
        return 0;
    if (old->review_status == REV_SIGNED_OUT && to == REV_SIGNED_OUT)
        store_signed_msg(old, "it is already signed out and locked", msg, n);
    else if (old->review_status == REV_SIGNED_OUT)
        snprintf(msg, n, "case '%.64s' is signed out by %.64s at %.32s: leaving signed_out "
                 "needs a reason (--reason TEXT); the signature stays in the history",
                 old->case_id, old->reviewer ? old->reviewer : "(unknown)",
                 old->reviewed_at ? old->reviewed_at : "(unknown time)");
    else if (to == REV_SIGNED_OUT)
        snprintf(msg, n, "case '%.64s' cannot be signed out: recommendations not decided: %s "
                 "(imtreview decide %.64s RULE_ID --accept | --override REASON)",
                 old->case_id, ids ? ids : "", old->case_id);
    else
        snprintf(msg, n, "%s", why);
    return -1;
}

char *store_review_comment(bool reopen, const char *reason, const char *comment)
{
    char *out = NULL;
    if (reopen && reason && comment) {
        if (asprintf(&out, "reason: %s; comment: %s", reason, comment) < 0)
            return NULL;
        return out;
    }
    return strdup(comment ? comment : reason ? reason : "");
}

/* ---- the steps of decide and review ------------------------------------------ */

int store_decide_check(const store_decide_req *rq, char *msg, size_t n)
{
    if (!rq->rule_id || !*rq->rule_id) {
        snprintf(msg, n, "no rule given");
        return STORE_REFUSED;
    }
    if (review_check_decision(rq->decision, rq->reason, rq->comment, msg, n) != 0)
        return STORE_REFUSED;
    if (!rq->case_id || !*rq->case_id) {
        snprintf(msg, n, "no case ''");
        return STORE_NOTFOUND;
    }
    return STORE_OK;
}

int store_decide_plan_make(const imt_case *c, const rules_result *res, const store_decs *d,
                           const store_decide_req *rq, store_decide_plan *p, char *msg,
                           size_t n)
{
    memset(p, 0, sizeof *p);
    if (c->review_status == REV_SIGNED_OUT) {
        store_signed_msg(c, "a decision on it is refused", msg, n);
        return STORE_REFUSED;
    }
    if (!(p->rule = store_decide_target(res, rq->case_id, rq->rule_id, msg, n)))
        return STORE_REFUSED;
    if (!(p->fired = store_facts_json(p->rule))) {
        snprintf(msg, n, "out of memory");
        return STORE_ERROR;
    }
    /* the decision before, for the audit's old value */
    for (int i = 0; i < d->n; i++)
        if (strcmp(d->v[i].rule_id, p->rule->id) == 0 && d->v[i].decision >= 0)
            store_decision_text(d->v[i].decision, d->v[i].reason, p->oldv, sizeof p->oldv);
    store_decision_text(rq->decision, rq->reason, p->newv, sizeof p->newv);
    p->reason = rq->decision == DECISION_OVERRIDE ? review_reason_values[rq->reason] : NULL;
    p->comment = rq->comment && *rq->comment ? rq->comment : NULL;
    p->audit = (store_audit_row){ .field = "decision", .oldv = p->oldv[0] ? p->oldv : NULL,
                                  .newv = p->newv, .source = "decide", .comment = p->comment,
                                  .ruleset = RULESET_VERSION, .rule_id = p->rule->id,
                                  .fired_by = p->fired };
    return STORE_OK;
}

void store_decide_plan_clear(store_decide_plan *p)
{
    free(p->fired);
    memset(p, 0, sizeof *p);
}

void store_decide_result_fill(const store_decide_plan *p, const char *now, const char *user,
                              long long version, store_decide_result *res)
{
    snprintf(res->time, sizeof res->time, "%s", now);
    snprintf(res->user, sizeof res->user, "%.79s", user ? user : "");
    snprintf(res->ruleset, sizeof res->ruleset, "%s", RULESET_VERSION);
    res->nfacts = p->rule->nfired;
    for (int i = 0; i < p->rule->nfired; i++)
        memcpy(res->facts[i], p->rule->fired[i], RULES_FACT_LEN);
    res->version = version;
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int store_review_plan_make(const imt_case *old, const store_review_req *rq, int state,
                           const char *ids, const char *user, const char *now,
                           const char *full_name, store_review_plan *p, char *msg, size_t n)
{
    memset(p, 0, sizeof *p);
    int status = rq->status;
    if (status < 0 || status >= REV_N) {
        snprintf(msg, n, "invalid review state %d", status);
        return STORE_ERROR;
    }
    const char *reason = rq->reason && *rq->reason ? rq->reason : NULL;
    const char *comment = rq->comment && *rq->comment ? rq->comment : NULL;
    if (store_review_check(old, status, reason != NULL, state, ids, msg, n) != 0)
        return STORE_REFUSED;
    p->reopen = old->review_status == REV_SIGNED_OUT;
    if (!(p->comment = store_review_comment(p->reopen, reason, comment))) {
        snprintf(msg, n, "out of memory");
        return STORE_ERROR;
    }
    p->who = status == REV_UNREVIEWED ? NULL : user;
    p->when = status == REV_UNREVIEWED ? NULL : now;
    p->signer = status == REV_SIGNED_OUT && full_name && *full_name ? full_name : NULL;
    /* the latest non-empty comment is kept with the case */
    p->kept = p->comment[0] ? p->comment : old->review_comment;
    /* The review itself is always recorded (a repeated review with a new
     * comment is an event); reviewer and time only when they change. */
    const char *source = p->reopen ? "re-open" : "review";
    p->audit[p->naudit++] = (store_audit_row){
        .field = "review_status",
        .oldv = old->review_status >= 0 ? imt_review_values[old->review_status] : NULL,
        .newv = imt_review_values[status], .source = source,
        .comment = p->comment[0] ? p->comment : NULL, .ruleset = rq->ruleset,
        .full_name = p->signer };
    if (!same_text(old->reviewer, p->who))
        p->audit[p->naudit++] = (store_audit_row){ .field = "reviewer", .oldv = old->reviewer,
                                                   .newv = p->who, .source = source,
                                                   .ruleset = rq->ruleset };
    if (!same_text(old->reviewed_at, p->when))
        p->audit[p->naudit++] = (store_audit_row){ .field = "reviewed_at",
                                                   .oldv = old->reviewed_at, .newv = p->when,
                                                   .source = source, .ruleset = rq->ruleset };
    return STORE_OK;
}

void store_review_plan_clear(store_review_plan *p)
{
    free(p->comment);
    memset(p, 0, sizeof *p);
}

void store_review_result_fill(const store_review_plan *p, const imt_case *old, const char *now,
                              store_review_result *res)
{
    res->version = old->version + 1;
    snprintf(res->time, sizeof res->time, "%s", now);
    snprintf(res->reviewer, sizeof res->reviewer, "%.79s", p->who ? p->who : "");
    snprintf(res->full_name, sizeof res->full_name, "%.159s", p->signer ? p->signer : "");
}

void store_state_msg(const char *id, int stored, int computed, char *msg, size_t n)
{
    snprintf(msg, n, "case '%s': decision_state is %d but its recommendations and decisions "
             "give %d (%s)", id, stored, computed,
             computed >= 0 && computed < DSTATE_N ? review_dstate_names[computed] : "?");
}

void store_decision_states(unsigned mask, bool states[DSTATE_N])
{
    for (int i = 0; i < DSTATE_N; i++)
        states[i] = false;
    if (mask & (1u << FDEC_UNDECIDED))
        states[DSTATE_UNDECIDED] = states[DSTATE_STALE] = true;
    if (mask & (1u << FDEC_STALE))
        states[DSTATE_STALE] = true;
    if (mask & (1u << FDEC_DECIDED))
        states[DSTATE_DECIDED] = true;
}

/* ---- an edit ----------------------------------------------------------------------- */

static bool review_field(int f)
{
    return f == IMT_F_review_status || f == IMT_F_reviewer || f == IMT_F_reviewed_at;
}

/* A short, one-line, terminal-safe form of a value for a message. */
static const char *short_value(const imt_case *c, int f, char *buf, size_t n)
{
    char tmp[64];
    const char *v = rec_audit_text(c, f, tmp, sizeof tmp);
    if (!v) {
        snprintf(buf, n, "unknown");
        return buf;
    }
    size_t o = 0;
    o += (size_t)snprintf(buf, n, "'");
    for (const char *p = v; *p && o + 8 < n; p++) {
        unsigned char b = (unsigned char)*p;
        if (o > 60) {
            o += (size_t)snprintf(buf + o, n - o, "...");
            break;
        }
        if (b < 0x20 || b == 0x7f)
            o += (size_t)snprintf(buf + o, n - o, "\\x%02x", b);
        else
            buf[o++] = (char)b;
    }
    snprintf(buf + o, n - o, "'");
    return buf;
}

int store_edit_plan(const imt_case *old, const char *case_id, const store_edit_req *rq,
                    int (*last_change)(void *ctx, const char *field, char *user, size_t un,
                                       char *time, size_t tn),
                    void *ctx, store_edit_result *res, imt_case *nw, char *fsrc[IMT_F_COUNT],
                    char *fcom[IMT_F_COUNT], char *msg, size_t n)
{
    msg[0] = '\0';
    if (rq->expect_version > 0 && old->version != rq->expect_version) {
        snprintf(msg, n,
                 "case '%.64s' is at version %lld, not %lld: changed by %.64s at %.32s "
                 "since you read it; nothing was written (read it again and retry)",
                 case_id, old->version, rq->expect_version,
                 res->last_user[0] ? res->last_user : "(unknown)",
                 res->last_time[0] ? res->last_time : "(unknown time)");
        return STORE_CONFLICT;
    }
    for (int i = 0; i < rq->nf; i++) {
        int f = rq->fields[i];
        if (f < 0 || f >= IMT_F_COUNT || (imt_fields[f].flags & FF_DERIVED) ||
            f == IMT_F_case_id) {
            snprintf(msg, n, "%s cannot be edited",
                     f >= 0 && f < IMT_F_COUNT ? imt_fields[f].name : "that field");
            return STORE_REFUSED;
        }
        if (review_field(f)) {
            snprintf(msg, n, "%s is set by a review, with a comment "
                     "(imtreview review %.64s --status ...)", imt_fields[f].name, case_id);
            return STORE_REFUSED;
        }
        bool over = false;
        for (int k = 0; k < rq->noverwrite && !over; k++)
            over = rq->overwrite[k] == f;
        bool theirs = rq->base && !imt_field_equal(rq->base, old, f) &&
                      !imt_field_equal(old, rq->values, f);
        if (theirs) {
            char fu[80], ft[32], v1[160], v2[160], v3[160];
            int rc = last_change(ctx, imt_fields[f].name, fu, sizeof fu, ft, sizeof ft);
            if (rc != STORE_OK)
                return rc;
            if (!over) {
                res->conflict_field = f;
                snprintf(res->field_user, sizeof res->field_user, "%s", fu);
                snprintf(res->field_time, sizeof res->field_time, "%s", ft);
                snprintf(msg, n,
                         "%.64s: %s was changed by %.64s at %.32s since you read it: "
                         "now %s, you read %s, yours %s; nothing was written",
                         case_id, imt_fields[f].name, fu[0] ? fu : "(unknown)",
                         ft[0] ? ft : "(unknown time)", short_value(old, f, v1, sizeof v1),
                         short_value(rq->base, f, v2, sizeof v2),
                         short_value(rq->values, f, v3, sizeof v3));
                return STORE_CONFLICT;
            }
            if (asprintf(&fcom[f], "deliberate overwrite of %s's change at %s (it was %s)",
                         fu[0] ? fu : "(unknown)", ft[0] ? ft : "(unknown time)",
                         short_value(old, f, v1, sizeof v1)) < 0 ||
                !(fsrc[f] = strdup("overwrite"))) {
                fcom[f] = NULL;
                snprintf(msg, n, "out of memory");
                return STORE_ERROR;
            }
        }
        if (imt_field_assign(nw, rq->values, f) != 0) {
            snprintf(msg, n, "out of memory");
            return STORE_ERROR;
        }
    }
    rec_normalise(nw);
    if (imt_case_crosscheck_new(old, nw, NULL, msg, n))
        return STORE_REFUSED;
    return STORE_OK;
}
