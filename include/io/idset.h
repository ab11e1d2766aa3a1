/* io/idset.h - the case ids an import has seen, each with the line it was
 * on, in a few bytes per id (the duplicate check of io/csvimport.h).
 *
 * A hash table of the ids as strings took 35 MB at a million ids, more
 * than the rest of an import.  Here the ids are kept sorted and
 * front-coded (each id stores only what differs from the one before it,
 * in blocks of 16 that start with a whole id): about 5 bytes an id for
 * ids like IMT-0012345.  An id greater than every id seen (a file sorted
 * by case_id, as exports and most registries' files are) is appended
 * with no search; any other is looked up (binary search over the
 * blocks) and goes into a small unsorted buffer, which is merged into
 * the sorted ids when it fills.  Exact: no hashing of ids, no false
 * duplicates. */
#ifndef IMT_IDSET_H
#define IMT_IDSET_H

#include <stddef.h>

typedef struct idset idset;

idset *idset_new(void);
void   idset_free(idset *s);
/* Add id (at most IDSET_MAXLEN bytes, no NUL inside) seen on line (> 0).
 * Returns 0 when it is new, the line it was first seen on when it is
 * not, or -1 when out of memory or id is too long (nothing added). */
#define IDSET_MAXLEN 255
long   idset_add(idset *s, const char *id, long line);
/* Ids held, and the bytes of memory holding them (for the tests). */
size_t idset_count(const idset *s);
size_t idset_bytes(const idset *s);

#endif
