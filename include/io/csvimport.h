/* io/csvimport.h - strict, streaming reader of the case CSV
 * (../shared/spec/data-dictionary.md, "File format").
 *
 * Parsing and validation only: the reader never touches the store.  It
 * reads a FILE* in fixed-size chunks with libcsv in strict mode, counts
 * physical lines itself (libcsv has none), maps the header to the field
 * table, validates every cell with imt_field_parse() and the cross-field
 * rules with imt_case_crosscheck(), refuses duplicate case_ids within the
 * file, and hands each valid record to a callback.  Errors are printed as
 *     FILE:LINE: column 'NAME': message
 * (or FILE:LINE: message when no column is to blame), all of them up to a
 * cap, then "... and N more errors".
 *
 * Memory: one chunk, one record's cells, one reused imt_case and the
 * case_ids seen, front-coded (io/idset.h, for the duplicate check: about
 * 5 bytes an id): nothing else grows with the number of rows.
 */
#ifndef IMT_CSVIMPORT_H
#define IMT_CSVIMPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "core/imtcase.h"

typedef struct csvimp csvimp;

typedef struct {
    const char *filename;     /* shown in every message                     */
    FILE       *err;          /* errors and notes (stderr)                  */
    bool        ignore_unknown; /* --ignore-unknown-columns                 */
    int         max_errors;   /* errors printed before "... and N more"; 0 = 50 */

    /* Optional: called after the cells of a record are parsed and before
     * the cross-field rules run.  present[f] says whether column f is in
     * the file; an updater may fill the absent fields of c from the stored
     * case here so that the rules see the merged record.  Return 0, or -1
     * after reporting an error with csvimp_error(). */
    int (*merge)(void *ctx, csvimp *imp, imt_case *c, const bool *present,
                 long line);
    /* Called once per fully valid record (c is reused for the next one:
     * copy what must be kept).  Return 0 to go on, -1 after reporting an
     * error with csvimp_error() (the record counts as refused), or -2 to
     * stop reading at once (e.g. the database failed). */
    int (*record)(void *ctx, csvimp *imp, imt_case *c, const bool *present,
                  long line);
    void *ctx;

    /* Another table than the cases (the events CSV, issue 14): when
     * columns is set, the header must name every one of these columns
     * (case-insensitively, any order; an unknown or duplicated name is an
     * error, or skipped with ignore_unknown), nothing is parsed here
     * beyond the CSV itself (NUL bytes, invalid UTF-8, over-long cells
     * and the field count are refused as for cases), and row() gets each
     * record's cells in the order of columns ("" when empty).  Its return
     * values are record()'s.  Report with csvimp_error_col(). */
    const char *const *columns;
    int (*row)(void *ctx, csvimp *imp, const char *const *cells, long line);

    /* Optional: called once after the last record, when the whole file
     * was read (no parse error, not stopped): checks that need every row
     * (the courses of an events file) report here with csvimp_error*, and
     * their errors count like the others.  Return 0, or -1 on a failure
     * that was reported. */
    int (*finish)(void *ctx, csvimp *imp);
} csvimp_opts;

/* Result of a run. */
typedef struct {
    long records;       /* data records read (valid or not)               */
    long valid;         /* records that passed every check                */
    long errors;        /* errors found (printed or not)                  */
    long lines;         /* physical lines read                            */
    bool stopped;       /* reading stopped early (parse error, callback)  */
} csvimp_result;

/* Read and validate the whole stream.  Returns 0 when the file is valid
 * (no error reported, including by the callbacks), 1 when errors were
 * reported, -1 on an I/O or memory failure (also reported). */
int csvimp_run(FILE *in, const csvimp_opts *opts, csvimp_result *res);

/* Report an error against a record: field < 0 means no column.  Counts
 * it, and prints it while under the cap.  The message is sanitised: a
 * control character or invalid byte never reaches the terminal raw. */
void csvimp_error(csvimp *imp, long line, int field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The same for a column named by its header name (table mode). */
void csvimp_error_col(csvimp *imp, long line, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Errors reported so far (callbacks use it to stop writing after the
 * first error while the rest of the file is still checked). */
long csvimp_errors(const csvimp *imp);

/* Print `s` to fp with every C0/C1 control byte, DEL and invalid UTF-8
 * byte shown as \xNN (used for every message that quotes file content). */
void csvimp_print_safe(FILE *fp, const char *s);

#endif
