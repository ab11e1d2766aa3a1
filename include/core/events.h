/* core/events.h - the clinical course of a case: dated events (issue 14).
 *
 * A case keeps one row of fields (core/imtcase.h); its course is a list
 * of dated events: surgery, therapy lines (therapy_start / therapy_stop),
 * responses, recurrences, progressions, metastases, biopsies and
 * contacts.  This module is the one description of an event: its columns
 * (the events CSV, `show --json`, the store), their controlled
 * vocabularies, the parsing and checking of one row, the checks of a
 * whole course against its case (no event before diagnosis or after
 * death, a stop after its start, a response inside its line, one line
 * open at a time per agent class), and what `check` compares between the
 * course and the case's one-row fields.  Pure: no store, no I/O.
 *
 * Unknown is never a value: text is NULL, line is 0, enumerations are
 * IMT_UNKNOWN.  A date is either a calendar date (YYYY-MM-DD) or a whole
 * number of days from the diagnosis, kept as it was given so that an
 * export gives back the same bytes.  Months are days / 30.4375, as for
 * followup_months. */
#ifndef IMT_EVENTS_H
#define IMT_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include "core/imtcase.h"

#define EV_DAYS_PER_MONTH 30.4375
#define EV_DETAIL_MAX 1000      /* characters of detail                   */
#define EV_SITE_MAX   100       /* characters of site                     */
#define EV_LINE_MAX   99        /* therapy lines 1..99                    */
#define EV_DAY_MAX    18263     /* days from diagnosis: 600 months         */

/* The columns of the events CSV, in file order. */
enum { EVC_CASE_ID, EVC_DATE, EVC_TYPE, EVC_LINE, EVC_AGENT, EVC_INTENT,
       EVC_REASON, EVC_RESPONSE, EVC_EXTENT, EVC_SITE, EVC_DETAIL, EVC_N };
extern const char *const ev_columns[EVC_N + 1];   /* names, NULL-ended */

typedef enum { EV_SURGERY, EV_THERAPY_START, EV_THERAPY_STOP, EV_RESPONSE,
               EV_RECURRENCE, EV_PROGRESSION, EV_METASTASIS, EV_BIOPSY,
               EV_CONTACT, EV_NTYPES } ev_type;
enum { INTENT_NEOADJUVANT, INTENT_ADJUVANT, INTENT_DEFINITIVE, INTENT_PALLIATIVE };
enum { REASON_COMPLETED, REASON_PROGRESSION, REASON_TOXICITY,
       REASON_PATIENT_CHOICE, REASON_OTHER };
enum { RESP_CR, RESP_PR, RESP_SD, RESP_PD, RESP_NE, RESP_N };
enum { EXT_R0, EXT_R1, EXT_R2 };
enum { RSITE_LOCAL, RSITE_DISTANT };                 /* recurrence site   */
enum { CSTAT_NED, CSTAT_AWD, CSTAT_DOD, CSTAT_DOC };  /* contact status    */

/* Canonical spellings, NULL-terminated, matched case-insensitively. */
extern const char *const ev_type_values[];
extern const char *const ev_intent_values[];
extern const char *const ev_reason_values[];
extern const char *const ev_response_values[];
extern const char *const ev_extent_values[];
extern const char *const ev_recur_site_values[];
extern const char *const ev_status_values[];

/* Agents (issue 14): the controlled list.  A therapy line names one or
 * more, separated by ';' ("lorlatinib;checkpoint_inhibitor"); '+' between
 * listed names is read as ';'.  A chemotherapy regimen is chemo:NAME
 * (NAME of A-Z a-z 0-9 + / . _ -, up to 40), radiotherapy may carry its
 * dose in Gy and fractions as radiotherapy:DOSE/FRACTIONS (or :DOSE). */
typedef enum {
    AG_CRIZOTINIB, AG_CERITINIB, AG_ALECTINIB, AG_BRIGATINIB, AG_LORLATINIB,
    AG_ENSARTINIB, AG_ENTRECTINIB, AG_LAROTRECTINIB, AG_SELPERCATINIB,
    AG_CHEMO, AG_CORTICOSTEROID, AG_NSAID, AG_RADIOTHERAPY, AG_CHECKPOINT,
    AG_OTHER, AG_N
} ev_agent;
extern const char *const ev_agent_names[AG_N + 1];   /* "chemo" for AG_CHEMO */

/* "One line open at a time per agent class". */
typedef enum { AC_TARGETED, AC_CHEMO, AC_STEROID, AC_NSAID, AC_RADIOTHERAPY,
               AC_IMMUNO, AC_OTHER, AC_N } ev_agent_class;
extern const char *const ev_class_names[AC_N];
ev_agent_class ev_agent_class_of(ev_agent a);

typedef struct {
    long long id;          /* the store's id; 0 before it is stored       */
    char  case_id[33];
    char  date[11];        /* YYYY-MM-DD as given, or "" when given as days */
    int   day;             /* days from diagnosis when date is "", else -1 */
    int   type;            /* ev_type, IMT_UNKNOWN only while being built  */
    int   line;            /* 1..EV_LINE_MAX, 0 = none                     */
    char *agent;           /* canonical agent list, or NULL                */
    int   intent, reason, response, extent;   /* index or IMT_UNKNOWN      */
    char *site;            /* NULL = not recorded                          */
    char *detail;          /* NULL = not recorded                          */
} imt_event;

void ev_init(imt_event *e);
void ev_clear(imt_event *e);                 /* free and re-init          */
int  ev_copy(imt_event *dst, const imt_event *src);   /* 0, -1 OOM        */
/* Same values in every column (ids not compared). */
bool ev_equal(const imt_event *a, const imt_event *b);

/* One cell: blanks around a coded value are ignored (detail and site keep
 * theirs), then the column's own rules.  Sets the column of e.  Returns
 * 0, IMT_CELL_EMPTY for an empty cell that may not be empty (case_id,
 * date, type), or -1; the reason in err either way. */
int ev_parse_cell(imt_event *e, int col, const char *text, char *err, size_t errn);

/* The columns that apply to e's type: which must be given (required),
 * which may be (allowed).  Bit masks of 1 << EVC_*. */
unsigned ev_required_cols(int type);
unsigned ev_allowed_cols(int type);

/* A whole row: every cell, then the per-type rules (a required column
 * empty, a column that does not apply to the type given).  cells[col]
 * may be NULL (absent = empty).  report(ctx, col, msg) for each problem
 * (report may be NULL); returns the number of problems. */
int ev_parse_row(imt_event *e, const char *const cells[EVC_N],
                 void (*report)(void *ctx, int col, const char *msg), void *ctx);

/* The canonical text of a column ("" when unknown); returns buf.  The
 * text columns (agent, site, detail) may be longer than a small buffer:
 * ev_cell() gives them without copying. */
const char *ev_format_cell(const imt_event *e, int col, char *buf, size_t n);
const char *ev_cell(const imt_event *e, int col, char *buf, size_t n);

/* ---- agents ---------------------------------------------------------- */

/* Parse an agent list into its canonical text (malloc'd into *canon).
 * 0, or -1 with the reason. */
int ev_agents_parse(const char *text, char **canon, char *err, size_t errn);
/* Whether the canonical list names agent a (AG_CHEMO: any regimen). */
bool ev_agents_has(const char *agents, ev_agent a);
/* Bit mask (1 << ev_agent_class) of the classes the list touches. */
unsigned ev_agents_classes(const char *agents);
/* The dose in Gy of a radiotherapy item ("radiotherapy:50.4/28"), NAN
 * when none is given or no radiotherapy is listed. */
double ev_agents_rt_dose(const char *agents);
/* Whether the list contains the agent NAME as `stats --agent` means it:
 * a listed name, "chemo" for any regimen or "chemo:NAME" for one,
 * "radiotherapy" whatever the dose, "alk_tki"/"ros1_tki" for the
 * inhibitor sets below.  Case-insensitive. */
bool ev_agents_match(const char *agents, const char *name);
/* NAME for `--agent`: 0 when it is one of the accepted forms, -1 with a
 * message. */
int ev_agent_name_check(const char *name, char *err, size_t errn);
/* ALK inhibitors: crizotinib ceritinib alectinib brigatinib lorlatinib
 * ensartinib.  ROS1 inhibitors: crizotinib ceritinib entrectinib
 * lorlatinib. */
bool ev_agent_is_alk_tki(ev_agent a);
bool ev_agent_is_ros1_tki(ev_agent a);
/* The agents of a list one by one: the i-th item's agent (AG_N past the
 * end) and, for chemo:NAME, the regimen into name. */
ev_agent ev_agents_item(const char *agents, int i, char *name, size_t n);

/* ---- biopsy markers (detail of a biopsy: "alk_ihc=positive; fusion=
 * EML4::ALK; fusion_method=ngs_rna") ------------------------------------ */

/* Whether field f may be named in a biopsy's detail (the IHC panel,
 * FISH, fusion and method, Ki-67, PD-L1, IgG4, histology, necrosis and
 * mitoses). */
bool ev_biopsy_field(int f);
/* Parse into canonical text (dictionary order, "; " between items);
 * each value through the case's own validator (imt_field_parse), the
 * fusion/method rule too.  0, or -1 with the reason. */
int ev_biopsy_parse(const char *text, char **canon, char *err, size_t errn);
/* The markers of a biopsy event into m (initialised here).  0, -1 OOM. */
int ev_biopsy_markers(const imt_event *e, imt_case *m);

/* ---- dates ----------------------------------------------------------- */

/* Days since 1970-01-01 of a valid YYYY-MM-DD (false when not one). */
bool ev_date_days(const char *ymd, long *days);
void ev_days_date(long days, char out[11]);
/* ymd plus months calendar months (the day kept, or the last day of a
 * shorter month). */
void ev_add_months(const char *ymd, int months, char out[11]);
/* Today's date: $IMTREVIEW_TODAY when it is a valid date (tests and
 * reproducible reports), else the local date. */
void ev_today(char out[11]);

/* ---- a course ---------------------------------------------------------- */

typedef struct {
    imt_event *v;
    int n, cap;
} imt_course;

void course_init(imt_course *co);
void course_clear(imt_course *co);            /* free every event */
/* Append a deep copy of e.  0, -1 OOM. */
int  course_add(imt_course *co, const imt_event *e);
void course_remove(imt_course *co, int i);
/* Oldest first: by day from diagnosis (dates converted with the case's
 * diagnosis_date), then the order they were stored in (id), then the
 * order given. */
void course_sort(imt_course *co, const imt_case *c);

/* Days from diagnosis of event e: 0 with *day set, -1 when it cannot be
 * known (a calendar date and no diagnosis_date). */
int ev_day_of(const imt_event *e, const imt_case *c, long *day);

/* Whole-course checks (data dictionary "Events"): report(ctx, ev, col,
 * msg) with ev the index of the event to blame (-1: the case) and col its
 * column; returns the number of problems. */
int course_validate(const imt_case *c, const imt_course *co,
                    void (*report)(void *ctx, int ev, int col, const char *msg),
                    void *ctx);
/* The first problem of (after_case, after) that (before_case, before) did
 * not have (an edit may not add one; one it inherits is not its fault).
 * before may be NULL (a new course).  Returns 1 with *ev, *col and msg
 * set, else 0. */
int course_validate_new(const imt_case *before_case, const imt_course *before,
                        const imt_case *after_case, const imt_course *after,
                        int *ev, int *col, char *msg, size_t n);

/* The case's one-row fields against its course (`check`, and notes at
 * import): recurrence, recurrence_months, surgery, metastatic, the
 * therapy fields, radiotherapy_gy, outcome and followup_months.  Only a
 * contradiction counts: an empty one-row field says nothing.  report(ctx,
 * field, msg); returns the number. */
int course_consistency(const imt_case *c, const imt_course *co,
                       void (*report)(void *ctx, int field, const char *msg),
                       void *ctx);

/* ---- what the course says (endpoints, worklist, rules) ----------------- */

/* The case's time line in days from diagnosis (real numbers: the one-row
 * followup_months counts as followup_months * 30.4375 days). */
typedef struct {
    bool   have_contact;   /* last_contact known                          */
    double last_contact;   /* the later of diagnosis + followup_months and
                              the latest contact event                    */
    bool   dead;           /* outcome DOD/DOC, or a contact DOD/DOC        */
    double death;          /* when (days), if dead and known; NAN if not   */
    bool   lost;           /* outcome LOST (and no later contact event)    */
    int    status;         /* latest known status: OUT_* (NED AWD DOD DOC
                              LOST) or IMT_UNKNOWN                         */
} course_timeline;

void course_timeline_of(const imt_case *c, const imt_course *co, course_timeline *t);

/* A therapy line as the events describe it. */
typedef struct {
    int    line;
    int    start_ev, stop_ev;   /* indices into the course, -1 = none */
    double start, stop;         /* days; stop NAN while open          */
    const char *agents;         /* of the start (NULL = unknown)       */
    int    reason;              /* of the stop, IMT_UNKNOWN            */
    int    best;                /* best response RESP_*, -1 = none     */
    double first_cr_pr;         /* day of the first CR/PR, NAN = none  */
} course_line;

/* The lines of the course with a start (sorted by line number) whose
 * days are known; at most max.  Returns how many. */
int course_lines(const imt_case *c, const imt_course *co, course_line *out, int max);

/* Endpoints of issue 14, as (time in months, event) observations. */
typedef enum { CE_PFS, CE_EFS, CE_DOR, CE_TTNT, CE_DFS, CE_N } course_endpoint;
typedef struct {
    int line;                 /* --line N, 0 = any                         */
    const char *agent;        /* --agent NAME, NULL = any                  */
} course_sel;
/* Why a case gives no observation. */
enum { CEX_NONE, CEX_NO_TIME, CEX_NO_LINE, CEX_NO_RESPONSE, CEX_NO_DATE,
       CEX_RECURRENCE_TIME, CEX_N };
extern const char *const course_excl_text[CEX_N];
/* The observation of case c for endpoint e: 0 with *months and *status
 * (1 event, 0 censored), or 1 with *why when the case is left out.
 * - PFS: from the start of the selected line to the first progression
 *   (a progression event, or a therapy_stop for progression) after it,
 *   or death, whichever first; censored at the last contact.
 * - EFS: from diagnosis to the first recurrence (event, or the one-row
 *   recurrence_months), progression as for PFS, or death.
 * - DOR: from the first CR or PR of the selected line to progression or
 *   death; lines without a CR or PR are left out.
 * - TTNT: from the start of the selected line to the start of the next
 *   line (a higher line number starting later) or death.
 * - DFS (the cBioPortal export's): EFS without death as an event (a death
 *   censors).
 * The selected line: the lowest-numbered line that matches sel. */
int course_endpoint_obs(const imt_case *c, const imt_course *co, course_endpoint e,
                        const course_sel *sel, double *months, int *status, int *why);
const char *course_endpoint_name(course_endpoint e);    /* "pfs" ... */

#endif
