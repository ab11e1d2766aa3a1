/* io/csvexport.h - write cases as CSV in the data-dictionary format
 * (../shared/spec/data-dictionary.md; cli.md `export`).
 *
 * Columns: every field of imt_fields[] in table (= dictionary) order,
 * including the derived alk_status and alk_confirmed, then the diagnosis
 * codes icd_o_3_morphology (8825/1) and oncotree_code (IMT).  deidentify drops
 * every free-text column (FT_TEXT; kept with keep_free_text, reviewer
 * never) and every date, writes ages of 90 and over as 90 and
 * replaces case_id by a keyed pseudonym.
 * Cells are quoted only when they must be (a comma, quote, CR or LF, or a
 * space/tab at either end); lines end with LF.  Output is deterministic:
 * the same cases give the same bytes. */
#ifndef IMT_CSVEXPORT_H
#define IMT_CSVEXPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "core/imtcase.h"
#include "core/events.h"

#define CSVEXP_PSEUDONYM_LEN 17   /* "P" + 16 hex digits */

typedef struct {
    bool deidentify;               /* drop identifying columns, pseudonymise */
    bool excel_safe;               /* neutralise formula-like cells          */
    bool keep_free_text;           /* deidentify keeps the free-text columns */
    unsigned char key[32];         /* pseudonym key (store_secret)           */
} csvexp_opts;

/* Write the header line.  Returns 0, or -1 on a write error. */
int csvexp_header(FILE *fp, const csvexp_opts *o);

/* Write one case (its derived fields are recomputed first, so they are
 * right whatever the caller passed).  Returns 0, or -1 on a write error. */
int csvexp_row(FILE *fp, const imt_case *c, const csvexp_opts *o);

/* Write one cell: quoted (through libcsv) only when needed; with
 * excel_safe a cell starting with = + - @ TAB or CR gets a leading '.
 * Returns 0, or -1 on a write error. */
int csvexp_cell(FILE *fp, const char *s, bool excel_safe);

/* The events CSV (issue 14): the header case_id,date,...,detail, and one
 * event of case c per line, every column in canonical form (what import
 * --events reads back to the same event).  deidentify: the case's
 * pseudonym, dates as days from diagnosis (an event dated while the case
 * has no diagnosis_date is left out: *dropped is set), free text (site
 * and detail, but for the coded ones: a recurrence's site, a biopsy's
 * markers, a contact's status) dropped unless keep_free_text. */
int csvexp_events_header(FILE *fp);
int csvexp_event_row(FILE *fp, const imt_event *e, const imt_case *c,
                     const csvexp_opts *o, bool *dropped);

/* The pseudonym of case_id: "P" + the first 8 bytes of
 * HMAC-SHA-256(key, case_id) in lower-case hex.  out must hold
 * CSVEXP_PSEUDONYM_LEN + 1 bytes. */
void csvexp_pseudonym(const unsigned char key[32], const char *case_id, char *out);

/* The pseudonym a --deidentify export writes for case c: its
 * csvexp_pseudonym(), except when c already looks deidentified - its
 * case_id has the pseudonym form (P + 16 lower-case hex digits) and it has
 * no notes, reviewer or diagnosis_date - which keeps its id, so that
 * export --deidentify, import, export --deidentify gives the same file
 * (a second keyed hash would change every id for no privacy gain). */
void csvexp_case_pseudonym(const unsigned char key[32], const imt_case *c, char *out);

/* HMAC-SHA-256 (RFC 2104) over libmd's SHA-256; exposed for the tests
 * (checked against RFC 4231 vectors). */
void csvexp_hmac_sha256(const unsigned char *key, size_t keylen,
                        const void *msg, size_t msglen, unsigned char out[32]);

#endif
