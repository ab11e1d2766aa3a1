/* io/csvimport.c - strict streaming reader of the case CSV.
 * The format is ../shared/spec/data-dictionary.md ("File format"); the
 * libcsv traps it works around are listed in issue 2, item 3.
 *
 * How a record's line number is known: libcsv reports fields and record
 * ends but never where they were.  Before a chunk goes to libcsv, a tiny
 * scanner (track()) walks it with the same rules libcsv applies to valid
 * input - quotes toggle, CR or LF outside quotes end a record, blank lines
 * start none - and queues the physical line on which
 * each record starts.  Each record end reported by libcsv takes the next
 * line from that queue.  For invalid input the two could disagree, but
 * libcsv stops at the first parse error and so do we.
 *
 * libcsv options, decided knowingly:
 *  - CSV_STRICT | CSV_STRICT_FINI: a stray quote and an unterminated quote
 *    at the end of the file are errors, not guesses.
 *  - no CSV_APPEND_NULL: every cell is copied into our own record buffer,
 *    which is NUL-terminated there (a NUL byte inside a cell is found with
 *    memchr on the true length before that).
 *  - no CSV_EMPTY_IS_NULL: the dictionary gives an empty cell one meaning
 *    ("unknown") whether it was quoted or not.
 *  - spaces are data (csv_set_space_func with no space character): by
 *    default libcsv drops spaces and tabs around an UNQUOTED cell, so the
 *    note " see above " would be stored as "see above" - not "as given"
 *    (data dictionary, notes), and not what RFC 4180 or any spreadsheet
 *    reads.  Free-text columns keep every byte; coded columns (ids,
 *    numbers, dates, enumerations, yes/no) and header names are trimmed
 *    of spaces and tabs here, where they carry nothing.  The price: a
 *    space between a comma and an opening quote (`a, "b"`) is what RFC
 *    4180 says it is, a stray quote in an unquoted cell, and is refused
 *    with a message that says so.
 */
#define _GNU_SOURCE
#include "io/csvimport.h"
#include "core/utf8.h"
#include "io/idset.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE     (64u * 1024u)
/* A cell longer than this cannot be valid in any column (4000 characters
 * of at most 4 bytes); it is checked where libcsv holds it and never
 * copied, so one huge cell does not cost a second copy. */
#define CELL_KEEP_MAX  (64u * 1024u)
/* One record may not exceed this many bytes: a lone quote in a garbage
 * file would otherwise make libcsv buffer the rest of the file. */
#define RECORD_MAX     (64u * 1024u * 1024u)
#define MAX_COLUMNS    4096
#define DEFAULT_CAP    50

/* --- the reader ---------------------------------------------------------- */

enum { CELL_NUL = 1, CELL_BADUTF8 = 2, CELL_LONG = 4 };

typedef struct {
    size_t   off;     /* into buf */
    size_t   len;     /* true length in bytes */
    size_t   chars;   /* code points, for CELL_LONG */
    unsigned flags;
    bool     kept;    /* text copied to buf */
} cell;

struct csvimp {
    const csvimp_opts *o;
    const char *fname;
    int   cap;
    long  nerr;
    bool  stop;
    bool  fatal;

    /* line tracking */
    long   line;          /* physical line of the next byte scanned */
    bool   tq, trec;      /* scanner: inside quotes / inside a record */
    bool   tail;          /* the last byte scanned was not a line feed */
    bool   pcr;           /* the last byte scanned was a CR              */
    bool   chunk_pcr;     /* pcr before the current chunk               */
    bool   cr_out;        /* the last byte scanned was a CR outside quotes */
    long   bare_cr;       /* first line ended by a CR alone, 0 = none    */
    size_t trec_bytes;
    long  *starts;        /* FIFO of record start lines */
    size_t qhead, qlen, qcap;
    long   rec_line;      /* start line of the record being handled */

    /* header */
    bool  have_header;
    int   ncols;
    int  *colfield;       /* column -> field (table mode: -> table column),
                             or -1 = ignored */
    int   ntab;           /* table mode: columns of the table            */
    int   tabcol[64];     /* table column -> file column                 */
    int   fieldcol[IMT_F_COUNT];
    bool  present[IMT_F_COUNT];

    /* the record being read */
    int    ncells;
    bool   blank;         /* first cell is only spaces/tabs (or empty)   */
    cell  *cells;
    int    cellcap;
    char  *buf;
    size_t blen, bcap;

    imt_case c;
    idset   *ids;          /* the case_ids seen (io/idset.h) */
    long records, valid;
};

static bool is_sp(unsigned char c) { return c == ' ' || c == '\t'; }

/* libcsv's space test: no byte is a space, so none is dropped. */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* Write s with control characters, bidi controls and invalid bytes made
 * visible, so a hostile file cannot drive the terminal through a message. */
void csvimp_print_safe(FILE *fp, const char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n) {
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (k == 0) {
            fprintf(fp, "\\x%02X", (unsigned char)s[i]);
            i++;
            continue;
        }
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
            fprintf(fp, "\\x%02X", (unsigned)cp);
        else if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
                 (cp >= 0x200B && cp <= 0x200F) || cp == 0x061C || cp == 0xFEFF)
            fprintf(fp, "\\u%04X", (unsigned)cp);
        else
            fwrite(s + i, 1, (size_t)k, fp);
        i += (size_t)k;
    }
}

/* verror() formats with fmt: the attribute makes the compiler check every
 * caller's format and lets clang's -Wformat-nonliteral (from -Wformat=2)
 * accept the vsnprintf below (without it `make CC=clang WERROR=1` fails). */
static void verror(csvimp *imp, long line, int field, const char *colname,
                   const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
static void verror(csvimp *imp, long line, int field, const char *colname,
                   const char *fmt, va_list ap)
{
    imp->nerr++;
    if (imp->nerr > imp->cap)
        return;
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    FILE *fp = imp->o->err;
    csvimp_print_safe(fp, imp->fname);
    fprintf(fp, ":%ld: ", line);
    if (field >= 0 || colname) {
        fputs("column '", fp);
        csvimp_print_safe(fp, field >= 0 ? imt_fields[field].name : colname);
        fputs("': ", fp);
    }
    csvimp_print_safe(fp, msg);
    fputc('\n', fp);
}

long csvimp_errors(const csvimp *imp)
{
    return imp->nerr;
}

void csvimp_error(csvimp *imp, long line, int field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(imp, line, field, NULL, fmt, ap);
    va_end(ap);
}

void csvimp_error_col(csvimp *imp, long line, const char *column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(imp, line, -1, column, fmt, ap);
    va_end(ap);
}

/* A header name for a message: at most 40 characters, cut at a UTF-8
 * boundary (a garbage header can be a whole line of bytes). */
static const char *short_name(const char *name, char *buf, size_t n)
{
    size_t len = strlen(name);
    if (len <= 40)
        return name;
    size_t cut = 40;
    while (cut > 0 && ((unsigned char)name[cut] & 0xC0) == 0x80)
        cut--;
    snprintf(buf, n, "%.*s...", (int)cut, name);
    return buf;
}

/* An error about a header column that is not (or not only) a field. */
static void col_error(csvimp *imp, long line, const char *colname, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void col_error(csvimp *imp, long line, const char *colname, const char *fmt, ...)
{
    va_list ap;
    char sb[64];
    va_start(ap, fmt);
    verror(imp, line, -1, short_name(colname, sb, sizeof sb), fmt, ap);
    va_end(ap);
}

static void note(csvimp *imp, long line, const char *colname, const char *msg)
{
    FILE *fp = imp->o->err;
    char sb[64];
    csvimp_print_safe(fp, imp->fname);
    fprintf(fp, ":%ld: note: column '", line);
    csvimp_print_safe(fp, short_name(colname, sb, sizeof sb));
    fputs("': ", fp);
    fputs(msg, fp);
    fputc('\n', fp);
}

static void oom(csvimp *imp)
{
    if (!imp->fatal)
        fprintf(imp->o->err, "%s: out of memory\n", imp->fname);
    imp->fatal = true;
    imp->stop = true;
}

/* --- line scanner -------------------------------------------------------- */

static int push_start(csvimp *imp, long line)
{
    if (imp->qlen == imp->qcap) {
        size_t ncap = imp->qcap ? imp->qcap * 2 : 256;
        long *n = malloc(ncap * sizeof *n);
        if (!n)
            return -1;
        for (size_t i = 0; i < imp->qlen; i++)
            n[i] = imp->starts[(imp->qhead + i) % imp->qcap];
        free(imp->starts);
        imp->starts = n;
        imp->qcap = ncap;
        imp->qhead = 0;
    }
    imp->starts[(imp->qhead + imp->qlen) % imp->qcap] = line;
    imp->qlen++;
    return 0;
}

static long front_start(const csvimp *imp)
{
    return imp->qlen ? imp->starts[imp->qhead] : imp->line;
}

static long pop_start(csvimp *imp)
{
    if (!imp->qlen)          /* cannot happen for input libcsv accepted */
        return imp->line;
    long l = imp->starts[imp->qhead];
    imp->qhead = (imp->qhead + 1) % imp->qcap;
    imp->qlen--;
    return l;
}

/* Mirror libcsv's record boundaries over n bytes (see the top comment). */
/* A physical line ends with LF or CRLF.  A CR alone (an old Mac file)
 * is counted as a line end too, so that messages name the right line,
 * but outside quotes it is refused (bare_cr): the dictionary names LF
 * and CRLF only, and a file with CR line ends is usually one that was
 * mangled on its way.  Inside quotes a CR is data. */
static int track(csvimp *imp, const unsigned char *p, size_t n)
{
    bool tq = imp->tq, trec = imp->trec, pcr = imp->pcr, cr_out = imp->cr_out;
    long line = imp->line;
    size_t rb = imp->trec_bytes;
    imp->chunk_pcr = pcr;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = p[i];
        if (cr_out && ch != '\n' && !imp->bare_cr)
            imp->bare_cr = line;
        if (pcr && ch != '\n')
            line++;
        pcr = ch == '\r';
        cr_out = pcr && !tq;
        if (tq) {
            if (ch == '"')
                tq = false;
        } else if (ch == '\r' || ch == '\n') {
            trec = false;
            rb = 0;
        } else if (!trec) {
            trec = true;
            if (push_start(imp, line))
                return -1;
            if (ch == '"')
                tq = true;
        } else if (ch == '"') {
            tq = true;
        }
        if (trec)
            rb++;
        if (ch == '\n')
            line++;
    }
    imp->tq = tq;
    imp->trec = trec;
    imp->pcr = pcr;
    imp->cr_out = cr_out;
    imp->line = line;
    imp->trec_bytes = rb;
    if (n)
        imp->tail = p[n - 1] != '\n';
    return 0;
}

/* --- cells ----------------------------------------------------------------- */

static bool ascii_clean(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == 0 || s[i] >= 0x80)
            return false;
    return true;
}

static void on_field(void *data, size_t len, void *vimp)
{
    csvimp *imp = vimp;
    if (imp->stop)
        return;
    int col = imp->ncells++;
    if (col == 0) {
        const unsigned char *b = data;
        size_t i = 0;
        while (i < len && is_sp(b[i]))
            i++;
        imp->blank = i == len;
    }
    bool keep;
    if (!imp->have_header)
        keep = col < MAX_COLUMNS;
    else
        keep = col < imp->ncols && imp->colfield[col] >= 0;
    if (!keep)
        return;
    if (col >= imp->cellcap) {
        int ncap = imp->cellcap ? imp->cellcap * 2 : 64;
        cell *nc = realloc(imp->cells, (size_t)ncap * sizeof *nc);
        if (!nc) {
            oom(imp);
            return;
        }
        imp->cells = nc;
        imp->cellcap = ncap;
    }
    /* Columns beyond the header that were skipped leave holes only past
     * the end, which are never read (a field-count mismatch is refused). */
    cell *c = &imp->cells[col];
    const unsigned char *s = data ? data : (const unsigned char *)"";
    *c = (cell){ .off = 0, .len = len };
    if (!ascii_clean(s, len)) {
        if (memchr(s, 0, len))
            c->flags |= CELL_NUL;
        else if (!utf8_valid((const char *)s, len))
            c->flags |= CELL_BADUTF8;
    }
    if (len > CELL_KEEP_MAX) {
        c->flags |= CELL_LONG;
        c->chars = (c->flags & (CELL_NUL | CELL_BADUTF8)) ? len
                   : utf8_count((const char *)s, len);
        return;
    }
    if (imp->blen + len + 1 > imp->bcap) {
        size_t ncap = imp->bcap ? imp->bcap : 4096;
        while (ncap < imp->blen + len + 1)
            ncap *= 2;
        char *nb = realloc(imp->buf, ncap);
        if (!nb) {
            oom(imp);
            return;
        }
        imp->buf = nb;
        imp->bcap = ncap;
    }
    c->off = imp->blen;
    memcpy(imp->buf + imp->blen, s, len);
    imp->buf[imp->blen + len] = '\0';
    imp->blen += len + 1;
    c->kept = true;
}

static char *trim(char *s)
{
    while (is_sp((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && is_sp((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* --- header ---------------------------------------------------------------- */

static void do_header(csvimp *imp)
{
    long line = imp->rec_line;
    int n = imp->ncells;
    imp->have_header = true;
    if (n > MAX_COLUMNS) {
        csvimp_error(imp, line, -1, "the header has %d columns; at most %d are read",
                     n, MAX_COLUMNS);
        imp->stop = true;
        return;
    }
    imp->colfield = malloc((size_t)n * sizeof *imp->colfield);
    if (!imp->colfield) {
        oom(imp);
        return;
    }
    imp->ncols = n;
    long before = imp->nerr;
    for (int i = 0; i < n; i++) {
        cell *c = &imp->cells[i];
        imp->colfield[i] = -1;
        char *name = c->kept ? trim(imp->buf + c->off) : "(very long name)";
        if (c->flags & CELL_NUL) {
            /* The name would end at the NUL: say which column instead. */
            char label[32];
            snprintf(label, sizeof label, "(column %d)", i + 1);
            col_error(imp, line, label, "column name contains a NUL byte");
            continue;
        }
        if (c->flags & CELL_BADUTF8) {
            col_error(imp, line, name, "column name is not valid UTF-8 text");
            continue;
        }
        /* A column without a name (spreadsheets add "case_id,site,,"
         * for stray empty columns) is an unknown column, but several of
         * them are not a duplicated header. */
        if (!*name) {
            char label[32];
            snprintf(label, sizeof label, "(column %d)", i + 1);
            if (imp->o->ignore_unknown)
                note(imp, line, label, "has no name; ignored");
            else
                col_error(imp, line, label, "the column has no name "
                          "(--ignore-unknown-columns skips it)");
            continue;
        }
        /* Any name seen twice is an error, known or not (dictionary:
         * "A duplicated header is an error"). */
        if (imp->o->columns) {
            int dupt = -1;
            for (int j = 0; j < i && dupt < 0; j++)
                if (imp->cells[j].kept &&
                    imt_ascii_caseeq(trim(imp->buf + imp->cells[j].off), name))
                    dupt = j;
            if (dupt >= 0) {
                col_error(imp, line, name, "duplicated header (columns %d and %d)",
                          dupt + 1, i + 1);
                continue;
            }
            int t = imt_enum_find(imp->o->columns, name);
            if (t < 0 || t >= 64) {
                if (imp->o->ignore_unknown)
                    note(imp, line, name, "not a column of this file; ignored");
                else
                    col_error(imp, line, name, "unknown column %d (the columns are fixed; "
                              "--ignore-unknown-columns skips it)", i + 1);
                continue;
            }
            imp->colfield[i] = t;
            imp->tabcol[t] = i;
            continue;
        }
        int dup = -1;
        for (int j = 0; j < i && dup < 0; j++)
            if (imp->cells[j].kept &&
                imt_ascii_caseeq(trim(imp->buf + imp->cells[j].off), name))
                dup = j;
        if (dup >= 0) {
            col_error(imp, line, name, "duplicated header (columns %d and %d)", dup + 1, i + 1);
            continue;
        }
        int f = imt_field_find(name);
        if (f < 0 && imt_enum_find(imt_export_only_columns, name) >= 0) {
            note(imp, line, name, "the diagnosis code export writes (the same for every "
                 "case); ignored");
            continue;
        }
        if (f < 0) {
            if (imp->o->ignore_unknown) {
                note(imp, line, name, "not a column of the data dictionary; ignored");
            } else {
                col_error(imp, line, name,
                          "unknown column %d (not in the data dictionary; "
                          "--ignore-unknown-columns skips it)", i + 1);
            }
            continue;
        }
        if (imt_fields[f].flags & FF_DERIVED) {
            note(imp, line, imt_fields[f].name,
                 "derived by the program from the ALK fields; ignored");
            continue;
        }
        imp->colfield[i] = f;
        imp->fieldcol[f] = i;
        imp->present[f] = true;
    }
    if (imp->o->columns) {
        for (int t = 0; t < imp->ntab; t++)
            if (imp->tabcol[t] < 0)
                csvimp_error_col(imp, line, imp->o->columns[t],
                                 "required column is missing from the header");
    } else {
        for (int f = 0; f < imt_nfields; f++)
            if ((imt_fields[f].flags & FF_REQUIRED) && imp->fieldcol[f] < 0)
                csvimp_error(imp, line, f, "required column is missing from the header");
    }
    /* A broken header makes every row's errors meaningless: stop here. */
    if (imp->nerr > before)
        imp->stop = true;
}

/* --- records ------------------------------------------------------------- */

static void crossreport(void *vimp, int field, const char *msg)
{
    csvimp *imp = vimp;
    csvimp_error(imp, imp->rec_line, field, "%s", msg);
}

static void do_record(csvimp *imp)
{
    long line = imp->rec_line;
    imp->records++;
    if (imp->ncells != imp->ncols) {
        /* name the first column that is missing or has no header */
        int i = imp->ncells < imp->ncols ? imp->ncells : imp->ncols;
        const char *what = imp->ncells < imp->ncols ? "missing" : "beyond the header";
        const char *s = imp->ncells == 1 ? "" : "s";
        if (imp->ncells < imp->ncols && imp->colfield[i] >= 0 && imp->o->columns) {
            csvimp_error_col(imp, line, imp->o->columns[imp->colfield[i]],
                             "%s: the record has %d field%s, the header %d",
                             what, imp->ncells, s, imp->ncols);
        } else if (imp->ncells < imp->ncols && imp->colfield[i] >= 0) {
            csvimp_error(imp, line, imp->colfield[i],
                         "%s: the record has %d field%s, the header %d",
                         what, imp->ncells, s, imp->ncols);
        } else {
            char label[32];
            snprintf(label, sizeof label, "(column %d)", i + 1);
            col_error(imp, line, label, "%s: the record has %d field%s, the header %d",
                      what, imp->ncells, s, imp->ncols);
        }
        return;
    }
    if (imp->o->columns) {
        const char *cells[64];
        int bad = 0;
        for (int t = 0; t < imp->ntab; t++) {
            cell *ce = &imp->cells[imp->tabcol[t]];
            const char *name = imp->o->columns[t];
            cells[t] = "";
            if (ce->flags & CELL_NUL) {
                csvimp_error_col(imp, line, name, "contains a NUL byte");
                bad++;
            } else if (ce->flags & CELL_BADUTF8) {
                csvimp_error_col(imp, line, name, "is not valid UTF-8");
                bad++;
            } else if (ce->flags & CELL_LONG) {
                csvimp_error_col(imp, line, name, "value is %zu characters long", ce->chars);
                bad++;
            } else {
                cells[t] = imp->buf + ce->off;
            }
        }
        if (bad)
            return;
        int rc = imp->o->row ? imp->o->row(imp->o->ctx, imp, cells, line) : 0;
        if (rc == -2)
            imp->stop = true;
        else if (rc == 0)
            imp->valid++;
        return;
    }
    imt_case *c = &imp->c;
    imt_case_clear(c);
    int bad = 0;
    /* case_id first, so a duplicate is named even when other cells fail. */
    for (int pass = 0; pass < 2; pass++) {
        for (int f = 0; f < IMT_F_COUNT; f++) {
            if ((pass == 0) != (f == IMT_F_case_id))
                continue;
            int col = imp->fieldcol[f];
            if (col < 0)
                continue;
            cell *ce = &imp->cells[col];
            const imt_field *fd = &imt_fields[f];
            if (ce->flags & CELL_NUL) {
                csvimp_error(imp, line, f, "contains a NUL byte");
                bad++;
                continue;
            }
            if (ce->flags & CELL_BADUTF8) {
                csvimp_error(imp, line, f, "is not valid UTF-8");
                bad++;
                continue;
            }
            if (ce->flags & CELL_LONG) {
                if (fd->type == FT_TEXT)
                    csvimp_error(imp, line, f, "text is %zu characters long; the limit is %u",
                                 ce->chars, fd->maxlen);
                else
                    csvimp_error(imp, line, f, "value is %zu characters long; not a valid %s",
                                 ce->chars, fd->name);
                bad++;
                continue;
            }
            char msg[512];
            int prc = imt_field_parse_cell(c, f, imp->buf + ce->off, msg, sizeof msg);
            if (prc != 0) {
                if (prc == IMT_CELL_EMPTY)
                    csvimp_error(imp, line, f, "required; the cell is empty");
                else
                    csvimp_error(imp, line, f, "%s", msg[0] ? msg : "invalid value");
                bad++;
                continue;
            }
            if (f == IMT_F_case_id) {
                long first = imp->ids ? idset_add(imp->ids, c->case_id, line) : -1;
                if (first < 0) {
                    oom(imp);
                    return;
                }
                if (first > 0) {
                    csvimp_error(imp, line, f,
                                 "'%s' appears twice in the file (lines %ld and %ld)",
                                 c->case_id, first, line);
                    bad++;
                }
            }
        }
    }
    if (bad)
        return;
    if (imp->o->merge && imp->o->merge(imp->o->ctx, imp, c, imp->present, line) != 0)
        return;
    if (imt_case_crosscheck(c, crossreport, imp) > 0)
        return;
    int rc = imp->o->record ? imp->o->record(imp->o->ctx, imp, c, imp->present, line) : 0;
    if (rc == -2) {
        imp->stop = true;
        return;
    }
    if (rc == 0)
        imp->valid++;
}

static void on_record(int term, void *vimp)
{
    (void)term;
    csvimp *imp = vimp;
    imp->rec_line = pop_start(imp);
    /* A line of nothing but spaces is a blank line, as an empty one is
     * (only spaces now start a record for libcsv: see no_space). */
    if (imp->ncells == 1 && imp->blank) {
        imp->ncells = 0;
        imp->blank = false;
        imp->blen = 0;
        return;
    }
    if (!imp->stop) {
        if (!imp->have_header)
            do_header(imp);
        else
            do_record(imp);
    }
    imp->ncells = 0;
    imp->blen = 0;
}

/* The column being read when libcsv stopped, for the message (a case
 * field; in table mode -1, and current_column names it). */
static int current_field(const csvimp *imp)
{
    if (!imp->have_header || imp->ncells >= imp->ncols || imp->o->columns)
        return -1;
    return imp->colfield[imp->ncells];
}

static const char *current_column(const csvimp *imp)
{
    if (!imp->have_header || imp->ncells >= imp->ncols || !imp->o->columns ||
        imp->colfield[imp->ncells] < 0)
        return NULL;
    return imp->o->columns[imp->colfield[imp->ncells]];
}

static void bare_cr_error(csvimp *imp)
{
    csvimp_error(imp, imp->bare_cr, -1,
                 "the line ends with a CR alone (old Mac line ends); only LF and "
                 "CRLF are read: convert the file (e.g. tr '\\r' '\\n'); "
                 "reading stopped here");
    imp->stop = true;
}

static void parse_error(csvimp *imp, const unsigned char *chunk, size_t at,
                        long line0)
{
    long line = line0;
    bool pcr = imp->chunk_pcr;
    for (size_t i = 0; i < at; i++) {
        if ((pcr && chunk[i] != '\n') || chunk[i] == '\n')
            line++;
        pcr = chunk[i] == '\r';
    }
    if (pcr && chunk[at] != '\n')
        line++;
    long start = front_start(imp);
    int f = current_field(imp);
    char where[64] = "";
    if (line != start)
        snprintf(where, sizeof where, " (on line %ld)", line);
    /* A quote after nothing but spaces in its cell: `a, "b"`. */
    bool spaced = false;
    if (chunk[at] == '"' && at > 0 && is_sp(chunk[at - 1])) {
        size_t i = at;
        while (i > 0 && is_sp(chunk[i - 1]))
            i--;
        spaced = i == 0 || chunk[i - 1] == ',' || chunk[i - 1] == '\n' || chunk[i - 1] == '\r';
    }
    const char *what = spaced
        ? "a space before an opening quote (remove the spaces between the comma and the quote)"
        : chunk[at] == '"'
        ? "a quote inside an unquoted field (quote the whole field and double the quote)"
        : is_sp(chunk[at])
        ? "a space after a closing quote (remove it, or put it inside the quotes)"
        : "unexpected character after a closing quote";
    if (f >= 0)
        csvimp_error(imp, start, f, "%s%s; reading stopped here", what, where);
    else if (current_column(imp))
        csvimp_error_col(imp, start, current_column(imp), "%s%s; reading stopped here",
                         what, where);
    else
        csvimp_error(imp, start, -1, "field %d: %s%s; reading stopped here",
                     imp->ncells + 1, what, where);
    imp->stop = true;
}

int csvimp_run(FILE *in, const csvimp_opts *opts, csvimp_result *res)
{
    csvimp *imp = calloc(1, sizeof *imp);
    unsigned char *chunk = malloc(CHUNK_SIZE);
    struct csv_parser p;
    bool parser_ok = false;
    int rc = -1;
    if (imp)
        imp->ids = idset_new();
    if (!imp || !chunk || !imp->ids) {
        fprintf(opts->err, "%s: out of memory\n", opts->filename);
        goto out;
    }
    imp->o = opts;
    imp->fname = opts->filename;
    imp->cap = opts->max_errors > 0 ? opts->max_errors : DEFAULT_CAP;
    imp->line = 1;
    for (int f = 0; f < IMT_F_COUNT; f++)
        imp->fieldcol[f] = -1;
    for (int t = 0; t < 64; t++)
        imp->tabcol[t] = -1;
    if (opts->columns)
        while (imp->ntab < 64 && opts->columns[imp->ntab])
            imp->ntab++;
    imt_case_init(&imp->c);

    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        oom(imp);
        goto done;
    }
    parser_ok = true;
    csv_set_space_func(&p, no_space);
    /* libcsv grows its field buffer by blk_size at a time; the default
     * (128 bytes) would make a 10 MB cell cost ~80,000 reallocs. */
    csv_set_blk_size(&p, CHUNK_SIZE);

    bool first = true;
    while (!imp->stop) {
        size_t n = fread(chunk, 1, CHUNK_SIZE, in);
        if (n == 0) {
            if (ferror(in)) {
                fprintf(opts->err, "%s: read error: %s\n", imp->fname, strerror(errno));
                imp->fatal = true;
            }
            break;
        }
        unsigned char *s = chunk;
        if (first) {
            first = false;
            /* The BOM must go before libcsv sees it: before a quoted
             * header it is otherwise a parse error. */
            if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
                s += 3;
                n -= 3;
            }
            /* UTF-16 would otherwise show up as a header of NUL bytes. */
            if (n >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF))) {
                csvimp_error(imp, 1, -1, "the file is UTF-16 text; save it as UTF-8 CSV");
                imp->stop = true;
                break;
            }
        }
        long line0 = imp->line;
        if (track(imp, s, n)) {
            oom(imp);
            break;
        }
        if (imp->bare_cr) {
            bare_cr_error(imp);
            break;
        }
        if (imp->trec_bytes > RECORD_MAX) {
            csvimp_error(imp, front_start(imp), -1,
                         "record is longer than %u MB (an unterminated quote?); reading stopped here",
                         RECORD_MAX >> 20);
            imp->stop = true;
            break;
        }
        size_t k = csv_parse(&p, s, n, on_field, on_record, imp);
        if (k < n && !imp->stop) {
            if (csv_error(&p) == CSV_EPARSE)
                parse_error(imp, s, k, line0);
            else
                oom(imp);
        }
        /* Grow libcsv's field buffer geometrically (it adds blk_size per
         * step): a 10 MB cell then costs a few reallocs, not thousands. */
        size_t have = csv_get_buffer_size(&p);
        csv_set_blk_size(&p, have > CHUNK_SIZE ? have : CHUNK_SIZE);
    }
    /* A CR as the very last byte of the file ends its last line alone. */
    if (!imp->stop && !imp->fatal && imp->cr_out) {
        imp->bare_cr = imp->line;
        bare_cr_error(imp);
    }
    /* A parser that failed is never used again: csv_fini only runs after
     * a clean pass over the whole file. */
    if (!imp->stop && !imp->fatal) {
        if (csv_fini(&p, on_field, on_record, imp) != 0) {
            if (csv_error(&p) == CSV_EPARSE) {
                int f = current_field(imp);
                const char *msg = "the file ends inside a quoted field "
                                  "(unterminated quote or truncated last line)";
                if (f >= 0)
                    csvimp_error(imp, front_start(imp), f, "%s", msg);
                else if (current_column(imp))
                    csvimp_error_col(imp, front_start(imp), current_column(imp), "%s", msg);
                else
                    csvimp_error(imp, front_start(imp), -1, "%s", msg);
            } else {
                oom(imp);
            }
        }
    }
    if (!imp->have_header && !imp->fatal && imp->nerr == 0)
        csvimp_error(imp, 1, -1, "empty file: no header");
    if (opts->finish && imp->have_header && !imp->stop && !imp->fatal &&
        opts->finish(opts->ctx, imp) != 0)
        imp->stop = true;

done:
    if (imp->nerr > imp->cap)
        fprintf(opts->err, "... and %ld more errors\n", imp->nerr - imp->cap);
    if (res) {
        res->records = imp->records;
        res->valid = imp->valid;
        res->errors = imp->nerr;
        /* A last line without a line end still counts. */
        res->lines = imp->line - 1 + (imp->tail ? 1 : 0);
        res->stopped = imp->stop;
    }
    rc = imp->fatal ? -1 : imp->nerr ? 1 : 0;
out:
    if (parser_ok)
        csv_free(&p);
    if (imp) {
        imt_case_clear(&imp->c);
        idset_free(imp->ids);
        free(imp->starts);
        free(imp->colfield);
        free(imp->cells);
        free(imp->buf);
        free(imp);
    }
    free(chunk);
    return rc;
}
