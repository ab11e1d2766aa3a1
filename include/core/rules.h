/* core/rules.h - recommendations for one case, from the IMT consensus and the
 * cohort studies (../shared/spec/rules.md).  The rules themselves are a
 * table in src/core/rules.c: one entry per rule (id, kind, level, condition,
 * texts, evidence). */
#ifndef IMT_RULES_H
#define IMT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include "core/imtcase.h"
#include "core/events.h"

#define RULESET_NAME    "imt-consensus-2025"
#define RULESET_VERSION "imt-consensus-2025.2"

typedef enum { RK_WORKUP, RK_TREATMENT, RK_RISK, RK_FOLLOWUP, RK_INFO, RK_N } rule_kind;
/* Most urgent first: the order results are sorted in. */
typedef enum { RL_CRITICAL, RL_WARNING, RL_INFO, RL_SUGGESTION, RL_N } rule_level;

#define RULES_MAX_FACTS   10
#define RULES_FACT_LEN    160
#define RULES_TEXT_LEN    1024
#define RULES_MAX_RESULTS 40

typedef struct {
    const char *id;                  /* stable, e.g. "TX-ALK-TKI"          */
    rule_kind   kind;
    rule_level  level;
    char        summary[RULES_FACT_LEN];  /* fits 76 columns               */
    char        detail[RULES_TEXT_LEN];
    const char *evidence;            /* source, item, strength            */
    int         nfired;
    char        fired[RULES_MAX_FACTS][RULES_FACT_LEN];    /* "field = value" */
    int         nmissing;
    char        missing[RULES_MAX_FACTS][RULES_FACT_LEN];  /* what would change it */
} rule_rec;

typedef struct {
    int      n;
    rule_rec recs[RULES_MAX_RESULTS];
} rules_result;

/* Tunable thresholds that the sources do not fix (rules.md: RISK-PATHOLOGY
 * mitoses cut-off "show it as configurable"). */
typedef struct {
    double mitoses_cutoff;   /* default 10 */
    int    response_days;    /* FU-RECORD-RESPONSE: a line's first response
                                is expected this many days after its start
                                (the follow-up schedule's
                                response_assessment_days; default 84) */
} rules_config;

void rules_config_default(rules_config *cfg);
/* Set the mitoses cut-off from text (C-locale number, 1 to 500: the
 * range of mitoses_10hpf).  Returns 0, or -1 with a message in err. */
int rules_config_set_mitoses(rules_config *cfg, const char *text,
                             char *err, size_t errn);

const char *rule_kind_name(rule_kind k);    /* "workup", "treatment", ... */
const char *rule_level_name(rule_level l);  /* "critical", "warning", ... */

/* Evaluate every rule on c (its derived fields must be current:
 * imt_case_derive).  Fills out, most urgent first (by level, then table
 * order).  Returns the number of recommendations.  The rules that read the
 * course see none here (FU-OVERDUE still reads c->next_due against
 * today): rules_evaluate_course gives them the events. */
int rules_evaluate(const imt_case *c, const rules_config *cfg, rules_result *out);

/* What the course rules (issue 14) read besides the case. */
typedef struct {
    const imt_course *course;   /* the case's events, NULL = none        */
    const char       *today;    /* YYYY-MM-DD; NULL = ev_today()         */
} rules_course;

/* rules_evaluate with the course: TX-TKI-PROGRESSION, FU-RECORD-RESPONSE,
 * TX-RECURRENCE-RESECT and FU-OVERDUE read it.  rc NULL = no course. */
int rules_evaluate_course(const imt_case *c, const rules_course *rc,
                          const rules_config *cfg, rules_result *out);

/* The rule table, for `imtreview rules` (the reference card). */
typedef struct {
    const char *id;
    rule_kind   kind;
    rule_level  level;
    const char *condition;   /* the condition in words */
    const char *says;        /* the advice in words    */
    const char *evidence;
    const char *level_why;   /* why this level (reference card)    */
} rule_card;

int rules_card_count(void);
const rule_card *rules_card(int i);

/* "Not suitable for surgery" (rules.md), three-valued: 1 = yes, 0 = no,
 * -1 = unknown (a needed field is empty and no other part makes it yes).
 * Derived ALK fields are not needed.  rules_unsuitable_text() gives the
 * definition in words for the reference card. */
int rules_not_suitable(const imt_case *c);
const char *rules_unsuitable_text(void);


#endif
