/* core/filter.h - the case filter shared by the command line, export, stats
 * and the interface.  All parts combine with AND; the bits inside one mask
 * mean OR.  A mask of 0 means "no restriction". */
#ifndef IMT_FILTER_H
#define IMT_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#define IMT_SEARCH_MAX 128

typedef struct {
    unsigned site_mask;     /* bit SITE_* */
    unsigned alk_mask;      /* bit ALK_*  */
    unsigned outcome_mask;  /* bit OUT_*  */
    unsigned status_mask;   /* bit REV_*  */
    unsigned decision_mask; /* bit FDEC_*: undecided, stale, decided      */
    char search[IMT_SEARCH_MAX]; /* "" = none; case-insensitive substring of
                                    case_id, site_detail or notes */
    /* The follow-up worklist (issue 14): bit FU_DUE = next_due on or
     * before today + the schedule's window (overdue ones included), bit
     * FU_OVERDUE = next_due before today.  fu_today / fu_window: the date
     * and the window in days the test uses; fu_today "" = today and the
     * window of the store's schedule. */
    unsigned followup_mask;
    char fu_today[11];
    int  fu_window;
} imt_filter;

enum { FU_DUE, FU_OVERDUE };
extern const char *const imt_followup_values[];   /* due overdue */

typedef enum { FILTER_SITE, FILTER_ALK, FILTER_OUTCOME, FILTER_STATUS,
               FILTER_FOLLOWUP, FILTER_DECISION, FILTER_NKINDS } imt_filter_kind;

/* The decision filter's values, in the order of `--decision
 * undecided,stale,decided`: a case is undecided when a recommendation that
 * needs a decision has no current one (a stale decision counts as none),
 * stale when one of its decisions went stale, decided when every one is
 * decided (core/review.h). */
enum { FDEC_UNDECIDED, FDEC_STALE, FDEC_DECIDED, FDEC_N };
extern const char *const filter_decision_values[];

/* Name used on the command line and in the status line ("site", "alk",
 * "outcome", "status", "followup", "decision") and the value list of each
 * kind. */
const char *filter_kind_name(imt_filter_kind k);
const char *const *filter_kind_values(imt_filter_kind k);
unsigned *filter_mask(imt_filter *f, imt_filter_kind k);

/* Parse "lung,head_neck" into the mask of kind k (case-insensitive).
 * Returns 0, or -1 with "unknown site 'x' (allowed: ...)" in err. */
int filter_parse(imt_filter *f, imt_filter_kind k, const char *list,
                 char *err, size_t errn);

/* Set the search text (truncated to IMT_SEARCH_MAX-1 bytes at a UTF-8
 * boundary). */
void filter_set_search(imt_filter *f, const char *text);

/* "site=lung,head_neck alk=positive search=\"x\"", or "" when no filter is
 * active.  Used by the status line and by stats' "filters". */
const char *filter_describe(const imt_filter *f, char *buf, size_t n);

bool filter_is_empty(const imt_filter *f);

/* Cycle the single-value filter of kind k: all -> first value -> ... ->
 * last value -> all (ui.md keys s, a, o). */
void filter_cycle(imt_filter *f, imt_filter_kind k);

#endif
