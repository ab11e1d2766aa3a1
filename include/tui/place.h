/* tui/place.h - where the reviewer was: the case under the cursor and the
 * list's sort, per database, so that opening the interface again lands on
 * the same case (ui.md: users "never lose their place").
 *
 * $XDG_STATE_HOME/imtreview/places (~/.local/state/imtreview/places when
 * XDG_STATE_HOME is unset or empty): one line per database, the most
 * recently left first, at most PLACE_MAX lines:
 *
 *     DATABASE-PATH <TAB> CASE_ID <TAB> SORT-COLUMN <TAB> asc|desc
 *
 * Written atomically (atomicfile) when the interface ends.  Filters are
 * not kept: a new session starts on the whole cohort. */
#ifndef IMT_PLACE_H
#define IMT_PLACE_H

#include <stddef.h>
#include "store/store.h"

#define PLACE_MAX 50

typedef struct {
    char     case_id[64];
    imt_sort sort;
} place;

/* The default file into buf; 0, or -1 when neither XDG_STATE_HOME nor
 * HOME is set. */
int place_default_path(char *buf, size_t n);

/* Parse one line (without its newline) into db and p.  Returns 0, or -1
 * for a line that is not a place (ignored by place_load). */
int place_parse_line(const char *line, char *db, size_t dbn, place *p);

/* The place remembered for db in the file at path: 1 found, 0 not found
 * (or no file), -1 the file cannot be read (errno set). */
int place_load(const char *path, const char *db, place *p);

/* Remember p for db in the file at path (its directory made with mode
 * 0700): db's line first, the other databases' lines after it.  A db or
 * case id holding a tab or a line break is not remembered.  Returns 0, or
 * -1 with errno set (the old file then is untouched). */
int place_save(const char *path, const char *db, const place *p);

#endif
