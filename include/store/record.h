/* store/record.h - what every engine does the same way with a case record
 * (store-internal: only the engines include it): the values a write
 * stores, the text the audit trail records, the snapshot of a new case,
 * the replay of a case's history for `check`, and the folding of text
 * for the case-insensitive search. */
#ifndef IMT_STORE_RECORD_H
#define IMT_STORE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include "core/imtcase.h"
#include "core/events.h"
#include "core/followup.h"

/* A field of a case by its dictionary offset. */
#define REC_FPTR(c, f, T) ((T *)((char *)(c) + imt_fields[f].offset))
#define REC_FCPTR(c, f, T) ((const T *)((const char *)(c) + imt_fields[f].offset))

/* Text kinds (stored as text). */
bool rec_is_text(imt_ftype t);

/* Index of s in values (exact spelling), or IMT_UNKNOWN. */
int rec_enum_exact(const char *const *values, const char *s);

/* What every write stores whatever the caller filled in: empty text is
 * unknown (dictionary: "an empty cell means unknown"), an unknown review
 * state is the dictionary's default 'unreviewed', and the derived ALK
 * fields are recomputed here. */
void rec_normalise(imt_case *c);

/* The canonical text of field f for the audit trail (NULL = unknown).
 * Text fields point into the record; others are formatted into buf. */
const char *rec_audit_text(const imt_case *c, int f, char *buf, size_t n);

/* The values of a case as the audit trail records them at its creation:
 * a JSON object of every field the store does not derive and that is
 * known, by column name, each its canonical text (rec_audit_text); a
 * field the object does not name was unknown (snapshots written before
 * also named the unknown ones, as null).  Control bytes are escaped;
 * other bytes are kept as they are.  NULL when out of memory. */
char *rec_case_snapshot(const imt_case *c);

/* Case-insensitive search for every script: s folded code point by code
 * point with utf8_fold() (invalid bytes kept).  A malloc'ed string, or
 * NULL when out of memory (s NULL gives NULL too). */
char *rec_fold(const char *s, size_t n);

/* Stored text made safe for a message: control bytes and invalid UTF-8 as
 * \xNN, about 40 characters at most ("(null)" for NULL). */
const char *rec_safe(const char *s, char *buf, size_t n);

/* ---- the replay of a case's history (check) --------------------------------
 * Fed the case's audit rows in order: a row with a snapshot (its
 * creation, or a baseline) resets the state to the snapshot's values
 * (every field it does not name: unknown);
 * a row naming a field sets that field.  Then the result is compared
 * with the stored case; each difference is reported as a sentence. */
typedef struct {
    char *state[IMT_F_COUNT];
    bool known[IMT_F_COUNT];
    bool base;
} rec_replay;

void rec_replay_start(rec_replay *r);
/* One audit row.  Returns 0, or -1 when the snapshot is not readable
 * (the caller reports it). */
int rec_replay_row(rec_replay *r, const char *field, const char *new_value,
                   const char *snapshot);
/* Compare with the stored case c (id: its id made safe) and free the
 * state.  Returns the number of problems reported. */
int rec_replay_finish(rec_replay *r, const imt_case *c, const char *id,
                      void (*report)(void *ctx, const char *msg), void *ctx);

/* The event as the audit trail records it (field "event", both
 * engines): a JSON object of its id and every column, canonical text,
 * null when unknown.  NULL when out of memory. */
char *rec_event_json(const imt_event *e);

/* A course edit's operation is one the engines know (COURSE_ADD,
 * COURSE_UPDATE, COURSE_REMOVE), with a typed event where it takes one:
 * STORE_OK, else STORE_ERROR and the reason in msg. */
int rec_course_op_valid(int op, const imt_event *e, char *msg, size_t n);
/* The course an edit of the course leaves (store_course_edit, both
 * engines): before (c's stored course, sorted here) with event id
 * replaced by e (COURSE_UPDATE) or removed (COURSE_REMOVE), or e added
 * (COURSE_ADD, id 0), sorted oldest first into after (initialised here:
 * course_clear it whatever the result), and the edit checked against it
 * (course_validate_new).  STORE_OK; STORE_NOTFOUND (no event id) or
 * STORE_ERROR (refused, or out of memory) with the message in msg. */
int rec_course_edit(const imt_case *c, imt_course *before, int op, long long id,
                    const imt_event *e, imt_course *after, char *msg, size_t n);
/* The course an imported course leaves (store_course_import): stored
 * (unless replace) and add, sorted oldest first into out (initialised
 * here: course_clear it).  0, or -1 when out of memory. */
int rec_course_merged(const imt_case *c, const imt_course *stored, bool replace,
                      const imt_course *add, imt_course *out);

/* check (both engines): a case's course (sorted oldest first) checked
 * with its case as a whole (core/events.h course_validate and
 * course_consistency), and its stored next_due against the one sched
 * gives (NULL: not checked, the dates being another schedule's); each
 * problem a sentence "case 'ID': ..." given to problem. */
void rec_check_course(const imt_case *c, const imt_course *co, const fu_schedule *sched,
                      void (*problem)(void *ctx, const char *msg), void *ctx);

/* An edit of a case's row (before -> after) against its stored course co
 * (both engines refuse it): nonzero, the reason in msg, when the course
 * would no longer hold. */
int rec_course_check_case(const imt_case *before, const imt_case *after, imt_course *co,
                          char *msg, size_t n);

/* check: a text column of a stored case (field f of case id, both shown
 * safely) whose value txt the dictionary's validator of single cells
 * refuses, or that is not in its canonical form.  0 when it is fine; 1
 * with the problem in msg. */
int rec_text_problem(const char *id, int f, const char *txt, char *msg, size_t n);

#endif
