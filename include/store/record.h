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

#endif
