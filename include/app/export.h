/* app/export.h - the filtered cases as CSV, one workflow for `imtreview
 * export` and the interface's export (x): the header, then every case
 * through the one CSV writer (io/csvexport.h), in the order asked for, or,
 * de-identified, in pseudonym order (the list's order would give the cases
 * away to anyone holding the list of ids; the store sorts, so nothing is
 * held in memory per case). */
#ifndef IMT_APP_EXPORT_H
#define IMT_APP_EXPORT_H

#include <stdio.h>
#include "app/app.h"
#include "io/csvexport.h"

/* Write to fp.  With o->deidentify, o->key must hold the database's key
 * (store_secret).  *n (may be NULL) gets the number of cases written.
 * Returns 0; 1 on a write error (errno says which); -1 on a database
 * error (store_errmsg says which). */
/* The sort key of de-identified output (store_foreach_by_key): the case's
 * pseudonym; kctx is the csvexp_opts holding the key.  The events export
 * walks its cases in the same order. */
void app_export_pseudonym_key(void *kctx, const imt_case *c, char *out, size_t n);

int app_export_cases(imt_app *app, FILE *fp, const imt_filter *f, imt_sort order,
                     const csvexp_opts *o, long *n);

#endif
