/* core/followup.h - the follow-up schedule and each case's next due date
 * (issue 14 item 5).
 *
 * The schedule is data: a small text file (themes/followup.schedule in
 * the source tree, installed as DATADIR/followup.schedule; format in
 * imtreview(1), FOLLOW-UP) that says, for each follow-up group and each
 * period since diagnosis, how many months may pass from one contact to
 * the next (never more than 12: a living patient who is not lost to
 * follow-up is seen at least once a year).  A case's next due date is its
 * last contact plus that interval; it depends on the data only, never on
 * today, so the store keeps it as a derived column (cases.next_due) and a
 * worklist is an indexed range query, not a pass over every case.
 * Pure: parsing from text, no file access (the application finds and
 * reads the file). */
#ifndef IMT_FOLLOWUP_H
#define IMT_FOLLOWUP_H

#include <stdbool.h>
#include <stddef.h>
#include "core/imtcase.h"
#include "core/events.h"

typedef enum { FU_ACTIVE, FU_HIGH, FU_STANDARD, FU_NGROUPS } fu_group;
extern const char *const fu_group_names[FU_NGROUPS + 1];
/* active_disease high_risk standard */

#define FU_MAX_ROWS 24
#define FU_MAX_MONTHS 12        /* the rule: never more than a year */

typedef struct {
    int    group;
    double from, to;            /* years since diagnosis; to = INFINITY      */
    int    months;
} fu_row;

typedef struct {
    fu_row rows[FU_MAX_ROWS];
    int    nrows;
    int    due_window_days;        /* "due": next_due within this many days */
    int    response_days;          /* first response assessment expected
                                      this long after a line starts       */
} fu_schedule;

/* The built-in default: the same values as themes/followup.schedule (a
 * test checks that they are). */
void fu_default(fu_schedule *s);
extern const char fu_default_text[];

/* Parse the schedule text.  0, or -1 with "FNAME:LINE: message" in err
 * (s is then the default). */
int fu_parse(fu_schedule *s, const char *text, const char *fname, char *err, size_t errn);

/* The schedule in one canonical line (the store keeps it beside the
 * next_due values it computed, to know when they must be computed again). */
void fu_canonical(const fu_schedule *s, char *buf, size_t n);

/* Months between contacts for a group at `years` since diagnosis. */
int fu_interval(const fu_schedule *s, int group, double years);

/* Which group a case is in:
 *   active_disease: the latest status is AWD (outcome, or a later contact)
 *     or a therapy line is open (started, not stopped);
 *   high_risk: an extrapulmonary site, an ALK-positive lung tumour, no
 *     resection or a resection with positive margins (surgery none, biopsy,
 *     R1, R2), size_cm > 8, metastatic = yes, recurrence = yes or a
 *     recurrence, progression or metastasis in the course, or epithelioid
 *     histology;
 *   standard: every other case. */
int fu_group_of(const imt_case *c, const imt_course *co, const course_timeline *t);

enum { FUW_OK, FUW_DEAD, FUW_LOST, FUW_NO_DATE };
typedef struct {
    char next_due[11];         /* "" when none                            */
    char last_contact[11];     /* the date counted from, "" when unknown  */
    int  group;                /* fu_group, -1 when none                  */
    int  months;               /* the interval used                       */
    int  why;                  /* FUW_*                                   */
} fu_result;

/* The next due date of case c with its course (NULL = none): 0 with
 * r->next_due set, or 1 with r->why (dead, lost to follow-up, or no date
 * to count from: no diagnosis_date and no dated contact).  The last
 * contact is the later of diagnosis_date + followup_months (months of
 * 30.4375 days, rounded to the day) and the latest contact event; the
 * diagnosis itself when neither is known.  Without a diagnosis date the
 * years since diagnosis are unknown and the group's first interval is
 * used. */
int fu_next_due(const imt_case *c, const imt_course *co, const fu_schedule *s,
                fu_result *r);

/* "overdue" when next_due < today, "due" when next_due <= today + the
 * window (so due includes overdue), else NULL. */
enum { FUS_NONE, FUS_DUE, FUS_OVERDUE };
int fu_status(const char *next_due, const char *today, int window_days);
/* today + days as YYYY-MM-DD. */
void fu_date_plus(const char *today, int days, char out[11]);

#endif
