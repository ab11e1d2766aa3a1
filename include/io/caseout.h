/* io/caseout.h - case values for scripts and terminals (`list`, `show`).
 *
 * Text from the database never reaches a terminal raw: caseout_escape
 * writes it with every character that could move the cursor, start an
 * escape sequence or reorder the display spelled out:
 *   backslash -> \\      TAB -> \t     LF -> \n     CR -> \r
 *   other C0 bytes and DEL -> \xNN
 *   C1 controls (U+0080-U+009F), bidirectional overrides and isolates
 *   (U+202A-U+202E, U+2066-U+2069), U+2028/U+2029 -> \uNNNN
 *   a byte that is not part of valid UTF-8 -> \xNN
 * Everything else (including CJK and emoji) is written as it is.  The
 * mapping is one-to-one, so a script can undo it.
 *
 * caseout_json builds the JSON object of a case keyed by data-dictionary
 * column names (every column, derived ones included): unknown = null,
 * numbers as JSON numbers, booleans as true/false.  A case read from the
 * store (version > 0) also gets what the store keeps beside the dictionary:
 * "version", "review_comment", "signer_name" (the full name of who signed
 * it out) and "decision_state" ("decided", "undecided", "stale"). */
#ifndef IMT_CASEOUT_H
#define IMT_CASEOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>
#include "core/imtcase.h"
#include "core/events.h"

enum {
    CASEOUT_KEEP_NL = 1 << 0   /* write LF as a line break, not "\n"      */
};

/* Write n bytes of s escaped as above.  Returns 0, or -1 on a write error. */
int caseout_escape(FILE *fp, const char *s, size_t n, unsigned flags);

/* The escaped form of s in a new string (malloc; NULL when out of memory). */
char *caseout_escape_str(const char *s);

/* JSON object of the case; with_discordant adds "alk_discordant" (show).
 * "next_due" (the follow-up worklist's date, null when none) follows the
 * dictionary's columns.  NULL when out of memory.  Free with json_decref. */
json_t *caseout_json(const imt_case *c, bool with_discordant);

/* The course as a JSON array, oldest first: one object per event keyed by
 * the events CSV's columns (line a number, every other value its CSV text,
 * empty = null).  NULL when out of memory. */
json_t *caseout_events_json(const imt_course *co);

/* Flags for json_dumpf of caseout_json(c): compact, every non-ASCII
 * character as \uNNNN so that the output is also terminal-safe, and C-locale
 * numbers with 15 significant digits, or 16 or 17 when a number of this
 * case needs them to read back as the same value (as export writes it). */
size_t caseout_json_flags(const imt_case *c);

#endif
