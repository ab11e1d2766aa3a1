/* store/sqlite.c - the SQLite engine of the case store (store/backend.h):
 * static functions behind imt_sqlite_ops.  The only file that includes
 * sqlite3.h.
 *
 * Design notes
 * - One file, WAL mode, busy timeout: several readers and one writer at a
 *   time can share it (a department's file at mode 0660 with a group).
 * - Schema versioned with PRAGMA user_version.  migrations[] lists the
 *   steps; opening runs the missing ones in one IMMEDIATE transaction, and
 *   refuses a file made by a newer program.
 * - Table cases: one typed column per data-dictionary column, generated
 *   from imt_fields[] (one description of the dictionary), with CHECK
 *   constraints mirroring it.  Enumerations are stored as their canonical
 *   text, booleans as 0/1, unknown as NULL.
 * - Sorting and keyset paging: for each sortable list column a VIRTUAL
 *   generated column sort_<name> maps the value to a never-NULL key
 *   (numbers: the value, unknown = +Inf; enumerations: their position in
 *   the dictionary, unknown last), indexed together with case_id.  A row
 *   value comparison (sort_x, case_id) > (?, ?) then seeks straight into
 *   the index (SQLite does not seek with a row value on an expression
 *   index, only on columns; checked with EXPLAIN QUERY PLAN).  Descending is
 *   the exact reverse of ascending, so unknowns come last ascending and
 *   first descending (PostgreSQL's default, which the planned backend
 *   will share).  The same sort_ columns serve the filters (site, ALK,
 *   outcome, review state), so one index per column does both jobs.
 * - Audit: append-only table, triggers refuse UPDATE and DELETE, and an
 *   INSERT that would replace an existing row (INSERT OR REPLACE deletes
 *   the old row without firing DELETE triggers; schema version 2).
 */
#define _GNU_SOURCE
#include "store/backend.h"
#include "core/utf8.h"

#include <sqlite3.h>
#include <sha256.h>

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STORE_SCHEMA_VERSION 3
#define STORE_BUSY_MS 5000
#define NCOLS (IMT_F_COUNT + 1)     /* dictionary columns + alk_discordant */
#define CHECK_REPORT_CAP 1000

/* ---- small string builder ------------------------------------------------ */

typedef struct {
    char *s;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t nc = b->cap ? b->cap * 2 : 256;
        while (nc < b->len + (size_t)n + 1)
            nc *= 2;
        char *ns = realloc(b->s, nc);
        if (!ns) {
            b->oom = true;
            return;
        }
        b->s = ns;
        b->cap = nc;
    }
}

static void sb_free(sbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

/* ---- the store ------------------------------------------------------------ */

enum {
    Q_INSERT, Q_UPDATE, Q_AUDIT, Q_GET, Q_EXISTS, Q_REVIEW,
    Q_BEGIN, Q_COMMIT, Q_ROLLBACK, Q_SAVEPOINT, Q_RELEASE, Q_ROLLBACK_TO,
    Q_UNINSERT, Q_ANY, Q_DATA_VERSION,
    Q_N
};

struct imt_backend {
    sqlite3 *db;
    char *user;
    bool readonly;        /* asked for with STORE_OPEN_READONLY          */
    bool file_readonly;   /* the file itself is not writable for us      */
    bool damaged;         /* SQLite found the file corrupt: read-only now */
    char damage[256];     /* what it said                                 */
    bool in_tx;           /* sq_begin() active                        */
    bool bulk_checked;    /* first insert of this transaction seen       */
    bool bulk;            /* indexes dropped, to be built at commit      */
    int version;
    int busy_ms;
    int (*progress)(void *ctx);     /* store_set_progress          */
    void *progress_ctx;
    int (*interrupt)(void *ctx);    /* store_set_interrupt         */
    void *interrupt_ctx;
    int last_rc;          /* SQLite code of the last failure             */
    char *cols;           /* "case_id, age_years, ..., alk_discordant"   */
    sqlite3_stmt *q[Q_N];
    sqlite3_stmt *anchor[SORT_NKEYS];
    time_t now_t;
    char now[32];
    char err[768];
};

/* The column ORDER BY uses for key k (sort_<name>, or case_id itself). */
static const char *sort_col(imt_sort_key k, char *buf, size_t n)
{
    if (k == SORT_CASE_ID)
        return "case_id";
    snprintf(buf, n, "sort_%s", store_sort_cols[k].name);
    return buf;
}

static int set_err(imt_backend *st, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_err(imt_backend *st, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err, sizeof st->err, fmt, ap);
    va_end(ap);
    return code;
}

/* A damaged file is never written into again by this connection: every
 * write is refused from here on (sq_is_readonly) with the reason. */
static void mark_damaged(imt_backend *st, const char *what)
{
    if (!st->damaged)
        snprintf(st->damage, sizeof st->damage, "%s", what);
    st->damaged = true;
    sqlite3_exec(st->db, "PRAGMA query_only = ON", NULL, NULL, NULL);
}

/* Map an SQLite failure to a STORE_ code with a message a user can act on. */
static int db_fail(imt_backend *st, int rc, const char *what)
{
    int prim = rc & 0xff;
    st->last_rc = rc;
    if (prim == SQLITE_INTERRUPT || rc == SQLITE_CONSTRAINT_COMMITHOOK ||
        (prim == SQLITE_BUSY && st->interrupt && st->interrupt(st->interrupt_ctx)))
        return set_err(st, STORE_INTERRUPTED, "interrupted: nothing was changed");
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        return set_err(st, STORE_BUSY,
                       "the database is busy: another user held it locked for "
                       "more than %d ms; nothing was changed, try again", st->busy_ms);
    if (prim == SQLITE_READONLY)
        return set_err(st, STORE_READONLY, "the database file cannot be written (%s)",
                       sqlite3_errmsg(st->db));
    const char *msg = sqlite3_errmsg(st->db);
    if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB)
        mark_damaged(st, msg);
    if (prim == SQLITE_CONSTRAINT && strncmp(msg, "CHECK constraint failed: ck_", 28) == 0)
        return set_err(st, STORE_ERROR,
                       "%s: the value of column '%s' is outside the data dictionary",
                       what, msg + 28);
    return set_err(st, STORE_ERROR, "%s: %s", what, msg);
}

static const char *sq_errmsg(const imt_backend *st)
{
    return st ? st->err : "no database";
}

static bool sq_is_readonly(const imt_backend *st)
{
    return st->readonly || st->file_readonly || st->damaged;
}

static const char *sq_damage(const imt_backend *st)
{
    return st->damaged ? st->damage : NULL;
}

static int sq_schema_version(const imt_backend *st)
{
    return st->version;
}

/* The busy handler: SQLite's own waits (sqlite3_busy_timeout) cannot be
 * cut short, so this one sleeps in growing steps up to the busy timeout
 * and gives up at once when the user has asked the program to stop. */
static int on_busy(void *vst, int count)
{
    imt_backend *st = vst;
    static const int step[] = { 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50 };
    enum { NSTEP = sizeof step / sizeof step[0] };
    if (st->interrupt && st->interrupt(st->interrupt_ctx))
        return 0;
    long waited = 0;
    for (int i = 0; i < count; i++)
        waited += i < NSTEP ? step[i] : 100;
    if (waited >= st->busy_ms)
        return 0;
    int ms = count < NSTEP ? step[count] : 100;
    if (waited + ms > st->busy_ms)
        ms = (int)(st->busy_ms - waited);
    sqlite3_sleep(ms);
    return 1;
}

/* Every few thousand steps of a statement: the interface's "working..."
 * callback, and whether to stop (a non-zero return interrupts the
 * statement, and its transaction is rolled back). */
static int on_progress(void *vst)
{
    imt_backend *st = vst;
    if (st->interrupt && st->interrupt(st->interrupt_ctx))
        return 1;
    return st->progress ? st->progress(st->progress_ctx) : 0;
}

/* Just before a transaction commits: a stop asked for until now turns the
 * COMMIT into a ROLLBACK, so an interrupted write never reports failure
 * after it saved.  Once the commit has begun it completes. */
static int on_commit(void *vst)
{
    imt_backend *st = vst;
    return st->interrupt && st->interrupt(st->interrupt_ctx) ? 1 : 0;
}

static void install_handlers(imt_backend *st)
{
    sqlite3_busy_handler(st->db, on_busy, st);
    bool any = st->progress || st->interrupt;
    sqlite3_progress_handler(st->db, any ? 20000 : 0, any ? on_progress : NULL, st);
    sqlite3_commit_hook(st->db, st->interrupt ? on_commit : NULL, st);
}

static void sq_set_busy_timeout(imt_backend *st, int ms)
{
    st->busy_ms = ms < 0 ? 0 : ms;
}

static void sq_set_progress(imt_backend *st, int (*cb)(void *ctx), void *ctx)
{
    st->progress = cb;
    st->progress_ctx = ctx;
    install_handlers(st);
}

static void sq_set_interrupt(imt_backend *st, int (*cb)(void *ctx), void *ctx)
{
    st->interrupt = cb;
    st->interrupt_ctx = ctx;
    install_handlers(st);
}

static const char *now_utc(imt_backend *st)
{
    time_t t = time(NULL);
    if (t != st->now_t || !st->now[0]) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(st->now, sizeof st->now, "%Y-%m-%dT%H:%M:%SZ", &tm);
        st->now_t = t;
    }
    return st->now;
}

/* Run one statement, expecting no rows of interest. */
static int exec1(imt_backend *st, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return STORE_OK;
    return db_fail(st, rc, what);
}

static int exec_sql(imt_backend *st, const char *sql, const char *what)
{
    char *msg = NULL;
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
    sqlite3_free(msg);
    return rc == SQLITE_OK ? STORE_OK : db_fail(st, rc, what);
}

/* ---- schema ---------------------------------------------------------------- */

/* Numbers in the schema text in the C locale, so the schema does not
 * depend on LC_NUMERIC. */
static void c_number(double v, char *buf, size_t n)
{
    locale_t cl = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = cl ? uselocale(cl) : (locale_t)0;
    snprintf(buf, n, "%.15g", v);
    if (cl) {
        uselocale(old);
        freelocale(cl);
    }
}

static int nvalues(const char *const *v)
{
    int n = 0;
    while (v && v[n])
        n++;
    return n;
}

/* The CHECK expression for field f (mirrors data-dictionary.md). */
static void column_def(sbuf *b, int f)
{
    const imt_field *fd = &imt_fields[f];
    const char *n = fd->name;
    bool notnull = f == IMT_F_case_id || f == IMT_F_site || f == IMT_F_review_status ||
                   (fd->flags & FF_DERIVED);
    char lo[40], hi[40];
    switch (fd->type) {
    case FT_ID:
        sb_add(b, "  %s TEXT NOT NULL UNIQUE CONSTRAINT ck_%s CHECK (typeof(%s) = 'text' "
                  "AND length(%s) BETWEEN 1 AND %u AND %s NOT GLOB '*[^A-Za-z0-9._-]*')",
               n, n, n, n, fd->maxlen, n);
        break;
    case FT_TEXT:
        sb_add(b, "  %s TEXT CONSTRAINT ck_%s CHECK (%s IS NULL OR (typeof(%s) = 'text' "
                  "AND length(%s) BETWEEN 1 AND %u))", n, n, n, n, n, fd->maxlen);
        break;
    case FT_FUSION:
        /* 'none', or GENE1::GENE2 with [A-Z0-9-]+ on both sides. */
        sb_add(b, "  %s TEXT CONSTRAINT ck_%s CHECK (%s IS NULL OR %s = 'none' OR "
                  "(typeof(%s) = 'text' AND length(%s) <= %u AND instr(%s, '::') > 1 "
                  "AND substr(%s, 1, instr(%s, '::') - 1) NOT GLOB '*[^A-Z0-9-]*' "
                  "AND substr(%s, instr(%s, '::') + 2) <> '' "
                  "AND substr(%s, instr(%s, '::') + 2) NOT GLOB '*[^A-Z0-9-]*'))",
               n, n, n, n, n, n, fd->maxlen, n, n, n, n, n, n, n);
        break;
    case FT_DEC:
    case FT_INT:
        c_number(fd->min, lo, sizeof lo);
        c_number(fd->max, hi, sizeof hi);
        sb_add(b, "  %s %s CONSTRAINT ck_%s CHECK (%s IS NULL OR (typeof(%s) = '%s' "
                  "AND %s BETWEEN %s AND %s))",
               n, fd->type == FT_DEC ? "REAL" : "INTEGER", n, n, n,
               fd->type == FT_DEC ? "real" : "integer", n, lo, hi);
        break;
    case FT_ENUM:
        /* x = 'a' OR x = 'b' ... rather than x IN ('a', 'b', ...): SQLite
         * builds a temporary b-tree for an IN list on every row it checks,
         * which made a bulk import several times slower. */
        sb_add(b, "  %s TEXT%s CONSTRAINT ck_%s CHECK (", n, notnull ? " NOT NULL" : "", n);
        if (!notnull)
            sb_add(b, "%s IS NULL OR ", n);
        for (int i = 0; fd->values[i]; i++)
            sb_add(b, "%s%s = '%s'", i ? " OR " : "", n, fd->values[i]);
        sb_add(b, ")");
        break;
    case FT_BOOL:
        if (notnull)
            sb_add(b, "  %s INTEGER NOT NULL CONSTRAINT ck_%s CHECK (%s = 0 OR %s = 1)",
                   n, n, n, n);
        else
            sb_add(b, "  %s INTEGER CONSTRAINT ck_%s CHECK (%s IS NULL OR %s = 0 OR %s = 1)",
                   n, n, n, n, n);
        break;
    case FT_DATE:
        /* date(x, '+0 days') normalises 2021-02-30 to 2021-03-02, so a
         * date that is not a real calendar day does not compare equal. */
        sb_add(b, "  %s TEXT CONSTRAINT ck_%s CHECK (%s IS NULL OR (%s GLOB "
                  "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND %s >= '1800-01-01' "
                  "AND date(%s, '+0 days') IS %s))", n, n, n, n, n, n, n);
        break;
    case FT_TIMESTAMP:
        sb_add(b, "  %s TEXT CONSTRAINT ck_%s CHECK (%s IS NULL OR (%s GLOB "
                  "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z' "
                  "AND %s >= '1800-01-01' AND date(substr(%s, 1, 10), '+0 days') IS substr(%s, 1, 10) "
                  "AND substr(%s, 12, 2) <= '23' AND substr(%s, 15, 2) <= '59' "
                  "AND substr(%s, 18, 2) <= '60'))", n, n, n, n, n, n, n, n, n, n);
        break;
    }
}

/* The generated sort key of list column k (see the design notes). */
static void sort_column_def(sbuf *b, imt_sort_key k)
{
    const imt_field *fd = &imt_fields[store_sort_cols[k].field];
    if (fd->type == FT_ENUM) {
        sb_add(b, "  sort_%s INTEGER GENERATED ALWAYS AS (CASE %s", store_sort_cols[k].name, fd->name);
        int i = 0;
        for (; fd->values[i]; i++)
            sb_add(b, " WHEN '%s' THEN %d", fd->values[i], i);
        sb_add(b, " ELSE %d END) VIRTUAL", i);
    } else {
        /* 9e999 is +Inf in SQLite: after every real value. */
        sb_add(b, "  sort_%s REAL GENERATED ALWAYS AS (coalesce(%s, 9e999)) VIRTUAL",
               store_sort_cols[k].name, fd->name);
    }
}

/* The secondary indexes: one per sortable list column (it serves the
 * filter on that column too) with case_id for keyset paging, and the
 * audit trail by case.  verb is "CREATE INDEX" or "DROP INDEX". */
static void index_ddl(sbuf *b, const char *verb)
{
    bool create = strcmp(verb, "CREATE INDEX") == 0;
    for (int k = 1; k < SORT_NKEYS; k++) {
        sb_add(b, "%s cases_sort_%s", verb, store_sort_cols[k].name);
        if (create)
            sb_add(b, " ON cases(sort_%s, case_id)", store_sort_cols[k].name);
        sb_add(b, ";\n");
    }
    sb_add(b, "%s audit_case%s;\n", verb, create ? " ON audit(case_id)" : "");
}

static char *cases_ddl(void)
{
    sbuf b = { 0 };
    sb_add(&b, "CREATE TABLE cases (\n  id INTEGER PRIMARY KEY");
    for (int f = 0; f < IMT_F_COUNT; f++) {
        sb_add(&b, ",\n");
        column_def(&b, f);
    }
    sb_add(&b, ",\n  alk_discordant INTEGER NOT NULL CONSTRAINT ck_alk_discordant "
               "CHECK (alk_discordant = 0 OR alk_discordant = 1)");
    for (int k = 1; k < SORT_NKEYS; k++) {
        sb_add(&b, ",\n");
        sort_column_def(&b, (imt_sort_key)k);
    }
    sb_add(&b, "\n);\n");
    index_ddl(&b, "CREATE INDEX");
    if (b.oom) {
        sb_free(&b);
        return NULL;
    }
    return b.s;
}

static const char audit_ddl[] =
    "CREATE TABLE audit (\n"
    "  seq INTEGER PRIMARY KEY,\n"
    "  time TEXT NOT NULL CHECK (time GLOB "
    "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),\n"
    "  user TEXT NOT NULL,\n"
    "  case_id TEXT NOT NULL REFERENCES cases(case_id),\n"
    "  field TEXT NOT NULL CHECK (length(field) > 0),\n"
    "  old_value TEXT,\n"
    "  new_value TEXT,\n"
    "  source TEXT NOT NULL,\n"
    "  comment TEXT,\n"
    "  ruleset TEXT\n"
    ");\n"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN\n"
    "  SELECT RAISE(ABORT, 'the audit trail is append-only: its rows cannot be changed');\n"
    "END;\n"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN\n"
    "  SELECT RAISE(ABORT, 'the audit trail is append-only: its rows cannot be deleted');\n"
    "END;\n"
    "CREATE TABLE meta (\n"
    "  key TEXT PRIMARY KEY NOT NULL,\n"
    "  value NOT NULL\n"
    ") WITHOUT ROWID;\n";

static int random_bytes(unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        got += (size_t)r;
    }
    if (got == n)
        return 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            close(fd);
            return -1;
        }
        got += (size_t)r;
    }
    close(fd);
    return 0;
}

/* Version 1: cases, audit, meta and the random secret. */
static int migrate_v1(imt_backend *st)
{
    char *ddl = cases_ddl();
    if (!ddl)
        return set_err(st, STORE_ERROR, "out of memory");
    /* audit refers to cases, the indexes to both. */
    char *idx = strstr(ddl, "CREATE INDEX");
    int rc = STORE_OK;
    if (idx) {
        *idx = '\0';
        rc = exec_sql(st, ddl, "creating the cases table");
        *idx = 'C';
    }
    if (rc == STORE_OK)
        rc = exec_sql(st, audit_ddl, "creating the audit table");
    if (rc == STORE_OK && idx)
        rc = exec_sql(st, idx, "creating the indexes");
    free(ddl);
    if (rc != STORE_OK)
        return rc;
    unsigned char key[32];
    if (random_bytes(key, sizeof key) != 0)
        return set_err(st, STORE_ERROR, "cannot read random bytes for the database key: %s",
                       strerror(errno));
    sqlite3_stmt *s;
    int src = sqlite3_prepare_v2(st->db,
        "INSERT INTO meta (key, value) VALUES ('secret', ?1), ('created', ?2)", -1, &s, NULL);
    if (src != SQLITE_OK)
        return db_fail(st, src, "creating the database key");
    sqlite3_bind_blob(s, 1, key, sizeof key, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, now_utc(st), -1, SQLITE_TRANSIENT);
    rc = exec1(st, s, "creating the database key");
    sqlite3_finalize(s);
    memset(key, 0, sizeof key);
    return rc;
}

/* Version 2: INSERT OR REPLACE (and REPLACE INTO) with the seq of an
 * existing audit row deletes that row to make room without firing the
 * DELETE trigger (SQLite fires delete triggers for REPLACE only under
 * PRAGMA recursive_triggers, which another program's connection does not
 * set), so history could be rewritten.  Refuse any insert whose seq is
 * taken.  NEW.seq is -1 in a BEFORE trigger when SQLite assigns it. */
static const char audit_no_replace_ddl[] =
    "CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit\n"
    "  WHEN NEW.seq IS NOT -1 AND EXISTS (SELECT 1 FROM audit WHERE seq = NEW.seq)\n"
    "BEGIN\n"
    "  SELECT RAISE(ABORT, 'the audit trail is append-only: its rows cannot be replaced');\n"
    "END;\n";

static int migrate_v2(imt_backend *st)
{
    return exec_sql(st, audit_no_replace_ddl, "protecting the audit trail");
}

/* ---- the audit hash chain ---------------------------------------------------
 * Every audit row carries two SHA-256 digests (hex):
 *   row_hash = SHA-256 of the row's own values: every column except seq,
 *              row_hash and hash, in the order of their names, NULLs left
 *              out (so a column added later, NULL in old rows, does not
 *              change the old rows' digests); each value as its name, its
 *              type and its bytes, lengths as 8-byte big-endian numbers;
 *   hash     = SHA-256 of the previous row's hash (32 zero bytes for the
 *              first row) followed by this row's row_hash.
 * The position (seq) is covered by the chain, not by row_hash, so that a
 * reordering can be told from a change.  The hashes are written by a
 * TEMP trigger of the program's own connection (store_open), generated
 * from the table's columns, so a row another program inserts has none;
 * store_check recomputes both and names the first row that does not fit.
 * The head (the last row's hash) is what a site records elsewhere: any
 * change before it changes it. */

static const char chain_row_tag[] = "imtreview audit row v1";

static void hex32(const unsigned char d[32], char out[65])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[64] = '\0';
}

static int unhex32(const char *s, unsigned char d[32])
{
    if (!s || strlen(s) != 64)
        return -1;
    for (int i = 0; i < 64; i++) {
        int c = s[i], v;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else
            return -1;
        if (i & 1)
            d[i / 2] = (unsigned char)(d[i / 2] | v);
        else
            d[i / 2] = (unsigned char)(v << 4);
    }
    return 0;
}

static void sha_u64(SHA2_CTX *c, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (56 - 8 * i));
    SHA256Update(c, b, 8);
}

static void sha_bytes(SHA2_CTX *c, const void *p, size_t n)
{
    sha_u64(c, n);
    if (n)
        SHA256Update(c, p, n);
}

typedef struct {
    const char *name;
    sqlite3_value *v;
} chain_col;

static int chain_col_cmp(const void *a, const void *b)
{
    return strcmp(((const chain_col *)a)->name, ((const chain_col *)b)->name);
}

static bool chain_own_column(const char *name)
{
    return strcmp(name, "seq") == 0 || strcmp(name, "row_hash") == 0 ||
           strcmp(name, "hash") == 0;
}

/* row_hash of n columns (sorted here, in place). */
static void chain_row_hash(chain_col *cols, int n, unsigned char out[32])
{
    qsort(cols, (size_t)n, sizeof *cols, chain_col_cmp);
    SHA2_CTX c;
    SHA256Init(&c);
    SHA256Update(&c, (const unsigned char *)chain_row_tag, sizeof chain_row_tag);
    for (int i = 0; i < n; i++) {
        sqlite3_value *v = cols[i].v;
        int t = sqlite3_value_type(v);
        if (chain_own_column(cols[i].name) || t == SQLITE_NULL)
            continue;
        sha_bytes(&c, cols[i].name, strlen(cols[i].name));
        if (t == SQLITE_INTEGER) {
            SHA256Update(&c, (const unsigned char *)"i", 1);
            sha_u64(&c, (uint64_t)sqlite3_value_int64(v));
        } else if (t == SQLITE_FLOAT) {
            double d = sqlite3_value_double(v);
            uint64_t u;
            memcpy(&u, &d, sizeof u);
            SHA256Update(&c, (const unsigned char *)"r", 1);
            sha_u64(&c, u);
        } else if (t == SQLITE_TEXT) {
            const unsigned char *s = sqlite3_value_text(v);
            SHA256Update(&c, (const unsigned char *)"t", 1);
            sha_bytes(&c, s, (size_t)sqlite3_value_bytes(v));
        } else {
            const void *s = sqlite3_value_blob(v);
            SHA256Update(&c, (const unsigned char *)"b", 1);
            sha_bytes(&c, s, (size_t)sqlite3_value_bytes(v));
        }
    }
    SHA256Final(out, &c);
}

/* hash = SHA-256(prev || row_hash); prev NULL = the first row. */
static void chain_link(const unsigned char *prev, const unsigned char rh[32],
                       unsigned char out[32])
{
    static const unsigned char zero[32];
    SHA2_CTX c;
    SHA256Init(&c);
    SHA256Update(&c, prev ? prev : zero, 32);
    SHA256Update(&c, rh, 32);
    SHA256Final(out, &c);
}

/* SQL imt_audit_row_hash('name1', value1, 'name2', value2, ...) */
static void sql_row_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (argc % 2 || argc > 256) {
        sqlite3_result_error(ctx, "imt_audit_row_hash: name, value pairs", -1);
        return;
    }
    chain_col cols[128];
    int n = 0;
    for (int i = 0; i < argc; i += 2) {
        const char *name = (const char *)sqlite3_value_text(argv[i]);
        if (!name) {
            sqlite3_result_error(ctx, "imt_audit_row_hash: a column without a name", -1);
            return;
        }
        cols[n].name = name;
        cols[n++].v = argv[i + 1];
    }
    unsigned char d[32];
    char hex[65];
    chain_row_hash(cols, n, d);
    hex32(d, hex);
    sqlite3_result_text(ctx, hex, 64, SQLITE_TRANSIENT);
}

/* SQL imt_audit_chain(previous hash or NULL, row_hash) */
static void sql_chain(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    unsigned char prev[32], rh[32], d[32];
    bool first = sqlite3_value_type(argv[0]) == SQLITE_NULL;
    if ((!first && unhex32((const char *)sqlite3_value_text(argv[0]), prev) != 0) ||
        unhex32((const char *)sqlite3_value_text(argv[1]), rh) != 0) {
        sqlite3_result_error(ctx, "imt_audit_chain: not a SHA-256 digest", -1);
        return;
    }
    char hex[65];
    chain_link(first ? NULL : prev, rh, d);
    hex32(d, hex);
    sqlite3_result_text(ctx, hex, 64, SQLITE_TRANSIENT);
}

/* The column names of the audit table, in table order; *n of them.
 * Freed with sqlite3_free on each and free on the array. */
static int audit_columns(imt_backend *st, char ***names, int *n)
{
    sqlite3_stmt *q;
    *names = NULL;
    *n = 0;
    int rc = sqlite3_prepare_v2(st->db, "SELECT name FROM pragma_table_info('audit')", -1, &q,
                                NULL);
    if (rc != SQLITE_OK)
        return db_fail(st, rc, "reading the audit table's columns");
    int cap = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(*names, (size_t)cap * sizeof *nn);
            if (!nn)
                break;
            *names = nn;
        }
        (*names)[*n] = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(q, 0));
        if (!(*names)[*n])
            break;
        (*n)++;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        for (int i = 0; i < *n; i++)
            sqlite3_free((*names)[i]);
        free(*names);
        *names = NULL;
        *n = 0;
        return rc == SQLITE_ROW ? set_err(st, STORE_ERROR, "out of memory")
                                : db_fail(st, rc, "reading the audit table's columns");
    }
    return STORE_OK;
}

static void free_columns(char **names, int n)
{
    for (int i = 0; i < n; i++)
        sqlite3_free(names[i]);
    free(names);
}

/* "imt_audit_row_hash('time', <p>"time", ...)" over every column of the
 * audit table but the chain's own; p is "NEW." or "". */
static int row_hash_call(imt_backend *st, sbuf *b, const char *p)
{
    char **names;
    int n, rc = audit_columns(st, &names, &n);
    if (rc != STORE_OK)
        return rc;
    sb_add(b, "imt_audit_row_hash(");
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (chain_own_column(names[i]))
            continue;
        char *lit = sqlite3_mprintf("%s%Q, %s\"%w\"", k++ ? ", " : "", names[i], p, names[i]);
        if (!lit) {
            b->oom = true;
            break;
        }
        sb_add(b, "%s", lit);
        sqlite3_free(lit);
    }
    sb_add(b, ")");
    free_columns(names, n);
    return b->oom ? set_err(st, STORE_ERROR, "out of memory") : STORE_OK;
}

/* The TEMP trigger that hashes every audit row this connection inserts
 * (created at each open, after the migrations, from the current columns,
 * so columns added by later versions are covered without a change here). */
static int chain_trigger(imt_backend *st)
{
    sbuf b = { 0 };
    sb_add(&b, "DROP TRIGGER IF EXISTS temp.imt_audit_chain;\n"
               "CREATE TEMP TRIGGER imt_audit_chain AFTER INSERT ON audit "
               "WHEN NEW.hash IS NULL BEGIN\n  UPDATE audit SET row_hash = ");
    int rc = row_hash_call(st, &b, "NEW.");
    sb_add(&b, " WHERE seq = NEW.seq;\n"
               "  UPDATE audit SET hash = imt_audit_chain((SELECT hash FROM audit "
               "WHERE seq < NEW.seq ORDER BY seq DESC LIMIT 1), row_hash) WHERE seq = NEW.seq;\n"
               "END;\n");
    if (rc == STORE_OK)
        rc = b.oom ? set_err(st, STORE_ERROR, "out of memory")
                   : exec_sql(st, b.s, "setting up the audit hash chain");
    sb_free(&b);
    return rc;
}

/* Hash every audit row that has no hash yet, in order (the upgrade to
 * the chain: the rows written before it get hashed as they are). */
static int chain_fill(imt_backend *st)
{
    sbuf b = { 0 };
    sb_add(&b, "UPDATE audit SET row_hash = ");
    int rc = row_hash_call(st, &b, "");
    sb_add(&b, " WHERE hash IS NULL");
    if (rc == STORE_OK)
        rc = b.oom ? set_err(st, STORE_ERROR, "out of memory")
                   : exec_sql(st, b.s, "hashing the audit trail");
    sb_free(&b);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *rd, *wr;
    rc = sqlite3_prepare_v2(st->db, "SELECT seq, row_hash, hash FROM audit WHERE seq > ?1 "
                                    "ORDER BY seq LIMIT 512", -1, &rd, NULL);
    if (rc != SQLITE_OK)
        return db_fail(st, rc, "hashing the audit trail");
    rc = sqlite3_prepare_v2(st->db, "UPDATE audit SET hash = ?2 WHERE seq = ?1", -1, &wr, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(rd);
        return db_fail(st, rc, "hashing the audit trail");
    }
    enum { BATCH = 512 };
    long long seqs[BATCH];
    unsigned char rhs[BATCH][32], hs[BATCH][32];
    bool has[BATCH];
    unsigned char prev[32];
    bool first = true;
    long long after = LLONG_MIN;
    int ret = STORE_OK;
    for (;;) {
        int n = 0;
        sqlite3_bind_int64(rd, 1, after);
        while ((rc = sqlite3_step(rd)) == SQLITE_ROW && n < BATCH) {
            seqs[n] = sqlite3_column_int64(rd, 0);
            has[n] = sqlite3_column_type(rd, 2) != SQLITE_NULL &&
                     unhex32((const char *)sqlite3_column_text(rd, 2), hs[n]) == 0;
            if (unhex32((const char *)sqlite3_column_text(rd, 1), rhs[n]) != 0 && !has[n]) {
                ret = set_err(st, STORE_ERROR, "audit row %lld has no row hash", seqs[n]);
                break;
            }
            n++;
        }
        sqlite3_reset(rd);
        if (ret != STORE_OK)
            break;
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
            ret = db_fail(st, rc, "hashing the audit trail");
            break;
        }
        for (int i = 0; i < n && ret == STORE_OK; i++) {
            if (!has[i]) {
                char hex[65];
                chain_link(first ? NULL : prev, rhs[i], hs[i]);
                hex32(hs[i], hex);
                sqlite3_bind_int64(wr, 1, seqs[i]);
                sqlite3_bind_text(wr, 2, hex, 64, SQLITE_TRANSIENT);
                ret = exec1(st, wr, "hashing the audit trail");
            }
            memcpy(prev, hs[i], 32);
            first = false;
            after = seqs[i];
        }
        if (n < BATCH || ret != STORE_OK)
            break;
    }
    sqlite3_finalize(rd);
    sqlite3_finalize(wr);
    return ret;
}

static char *case_snapshot(const imt_case *c);
static int load_case(sqlite3_stmt *s, int base, imt_case *c);

/* Version 3: the hash chain.  The audit rows gain snapshot (the values a
 * case was created with, as a JSON object, so that its history can be
 * replayed), row_hash and hash.  audit_no_update now lets a row be
 * changed only while it has no hash (the chain's own trigger fills it in
 * the statement that inserts the row).  Each existing case gets a
 * "baseline" row with its values as found, since the rows written before
 * did not record the values a case was created with; then every row is
 * hashed in order. */
static int migrate_v3(imt_backend *st)
{
    static const char ddl[] =
        "ALTER TABLE audit ADD COLUMN snapshot TEXT;\n"
        "ALTER TABLE audit ADD COLUMN row_hash TEXT;\n"
        "ALTER TABLE audit ADD COLUMN hash TEXT;\n"
        "DROP TRIGGER audit_no_update;\n"
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit WHEN OLD.hash IS NOT NULL BEGIN\n"
        "  SELECT RAISE(ABORT, 'the audit trail is append-only: its rows cannot be changed');\n"
        "END;\n";
    int rc = exec_sql(st, ddl, "adding the audit hash chain");
    if (rc != STORE_OK)
        return rc;
    sbuf b = { 0 };
    sb_add(&b, "SELECT ");
    for (int f = 0; f < IMT_F_COUNT; f++)
        sb_add(&b, "%s, ", imt_fields[f].name);
    sb_add(&b, "alk_discordant FROM cases ORDER BY id");
    if (b.oom) {
        sb_free(&b);
        return set_err(st, STORE_ERROR, "out of memory");
    }
    sqlite3_stmt *rd, *wr;
    rc = sqlite3_prepare_v2(st->db, b.s, -1, &rd, NULL);
    sb_free(&b);
    if (rc != SQLITE_OK)
        return db_fail(st, rc, "recording the cases' values");
    rc = sqlite3_prepare_v2(st->db,
        "INSERT INTO audit (time, user, case_id, field, new_value, source, snapshot) "
        "VALUES (?1, ?2, ?3, '*', 'baseline', 'schema upgrade: values as found', ?4)",
        -1, &wr, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(rd);
        return db_fail(st, rc, "recording the cases' values");
    }
    int ret = STORE_OK;
    while (ret == STORE_OK && (rc = sqlite3_step(rd)) == SQLITE_ROW) {
        imt_case c;
        char *snap = NULL;
        if (load_case(rd, 0, &c) != 0 || !(snap = case_snapshot(&c))) {
            imt_case_clear(&c);
            ret = set_err(st, STORE_ERROR, "out of memory");
            break;
        }
        sqlite3_bind_text(wr, 1, now_utc(st), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(wr, 2, st->user, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(wr, 3, c.case_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(wr, 4, snap, -1, SQLITE_TRANSIENT);
        ret = exec1(st, wr, "recording the cases' values");
        free(snap);
        imt_case_clear(&c);
    }
    if (ret == STORE_OK && rc != SQLITE_DONE)
        ret = db_fail(st, rc, "recording the cases' values");
    sqlite3_finalize(rd);
    sqlite3_finalize(wr);
    return ret == STORE_OK ? chain_fill(st) : ret;
}

/* One entry per schema version.  A change for version 2 is one more line
 * here (and STORE_SCHEMA_VERSION 2).  Note: migrate_v1 generates the
 * cases table from imt_fields[]; when the dictionary gains a column, freeze
 * v1 by pasting the SQL it produces today (sqlite3 DB .schema) and add the
 * column in the v2 step. */
static const struct {
    int version;
    int (*apply)(imt_backend *st);
} migrations[] = {
    { 1, migrate_v1 },
    { 2, migrate_v2 },
    { 3, migrate_v3 },
};

static int read_user_version(imt_backend *st, int *v)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return db_fail(st, rc, "reading the schema version");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return db_fail(st, rc, "reading the schema version");
    return STORE_OK;
}

static int count_objects(imt_backend *st, long *n)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_master", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return db_fail(st, rc, "reading the database");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return db_fail(st, rc, "reading the database");
    return STORE_OK;
}

static int migrate(imt_backend *st, const char *path)
{
    int v = 0;
    int rc = read_user_version(st, &v);
    if (rc != STORE_OK)
        return rc;
    if (v > STORE_SCHEMA_VERSION)
        return set_err(st, STORE_ERROR,
                       "database schema version %d is newer than this imtreview (%d); "
                       "upgrade imtreview", v, STORE_SCHEMA_VERSION);
    if (v == STORE_SCHEMA_VERSION) {
        st->version = v;
        return STORE_OK;
    }
    if (sq_is_readonly(st)) {
        if (v == 0)
            return set_err(st, STORE_ERROR,
                           "%s is not an imtreview database yet; open it once without "
                           "--readonly to create the schema", path);
        return set_err(st, STORE_ERROR,
                       "database schema version %d is older than this imtreview (%d); "
                       "open it once without --readonly to upgrade it", v,
                       STORE_SCHEMA_VERSION);
    }
    if ((rc = exec_sql(st, "BEGIN IMMEDIATE", "starting the schema upgrade")) != STORE_OK)
        return rc;
    /* Another program may have upgraded it while we waited for the lock. */
    if ((rc = read_user_version(st, &v)) != STORE_OK)
        goto fail;
    if (v > STORE_SCHEMA_VERSION) {
        rc = set_err(st, STORE_ERROR,
                     "database schema version %d is newer than this imtreview (%d); "
                     "upgrade imtreview", v, STORE_SCHEMA_VERSION);
        goto fail;
    }
    if (v == 0) {
        long nobj = 0;
        if ((rc = count_objects(st, &nobj)) != STORE_OK)
            goto fail;
        if (nobj > 0) {
            rc = set_err(st, STORE_ERROR,
                         "%s is an SQLite database of some other program (it has tables "
                         "but no imtreview schema version); not touching it", path);
            goto fail;
        }
    }
    for (size_t i = 0; i < sizeof migrations / sizeof migrations[0]; i++) {
        if (migrations[i].version <= v)
            continue;
        if ((rc = migrations[i].apply(st)) != STORE_OK)
            goto fail;
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", migrations[i].version);
        if ((rc = exec_sql(st, sql, "recording the schema version")) != STORE_OK)
            goto fail;
        v = migrations[i].version;
    }
    if ((rc = exec_sql(st, "COMMIT", "committing the schema")) != STORE_OK)
        goto fail;
    st->version = v;
    return STORE_OK;
fail:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static void sql_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* ---- open / close ---------------------------------------------------------- */

static int prepare(imt_backend *st, sqlite3_stmt **s, const char *sql)
{
    int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s, NULL);
    return rc == SQLITE_OK ? STORE_OK : db_fail(st, rc, "preparing a statement");
}

static int prepare_all(imt_backend *st)
{
    sbuf b = { 0 };
    for (int f = 0; f < IMT_F_COUNT; f++)
        sb_add(&b, "%s%s", f ? ", " : "", imt_fields[f].name);
    sb_add(&b, ", alk_discordant");
    if (b.oom)
        return set_err(st, STORE_ERROR, "out of memory");
    st->cols = b.s;

    sbuf q = { 0 };
    int rc = STORE_OK;
    sb_add(&q, "INSERT INTO cases (%s) VALUES (", st->cols);
    for (int i = 1; i <= NCOLS; i++)
        sb_add(&q, "%s?%d", i > 1 ? ", " : "", i);
    sb_add(&q, ")");
    if (q.oom || (rc = prepare(st, &st->q[Q_INSERT], q.s)) != STORE_OK)
        goto out;
    sb_free(&q);

    /* case_id (?1) is the key, never changed, so the audit rows that refer
     * to it are not re-checked on every update. */
    sb_add(&q, "UPDATE cases SET ");
    for (int i = 2; i <= NCOLS; i++)
        sb_add(&q, "%s%s = ?%d", i > 2 ? ", " : "",
               i <= IMT_F_COUNT ? imt_fields[i - 1].name : "alk_discordant", i);
    sb_add(&q, " WHERE case_id = ?1");
    if (q.oom || (rc = prepare(st, &st->q[Q_UPDATE], q.s)) != STORE_OK)
        goto out;
    sb_free(&q);

    sb_add(&q, "SELECT %s FROM cases WHERE case_id = ?1", st->cols);
    if (q.oom || (rc = prepare(st, &st->q[Q_GET], q.s)) != STORE_OK)
        goto out;
    sb_free(&q);

    static const struct { int id; const char *sql; } fixed[] = {
        { Q_AUDIT, "INSERT INTO audit (time, user, case_id, field, old_value, new_value, "
                   "source, comment, ruleset, snapshot) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)" },
        { Q_EXISTS, "SELECT 1 FROM cases WHERE case_id = ?1" },
        { Q_REVIEW, "UPDATE cases SET review_status = ?2, reviewer = ?3, reviewed_at = ?4 "
                    "WHERE case_id = ?1" },
        { Q_BEGIN, "BEGIN IMMEDIATE" },
        { Q_COMMIT, "COMMIT" },
        { Q_ROLLBACK, "ROLLBACK" },
        { Q_SAVEPOINT, "SAVEPOINT store_edit" },
        { Q_RELEASE, "RELEASE store_edit" },
        { Q_ROLLBACK_TO, "ROLLBACK TO store_edit" },
        { Q_UNINSERT, "DELETE FROM cases WHERE id = ?1" },
        { Q_DATA_VERSION, "PRAGMA data_version" },
        { Q_ANY, "SELECT (SELECT count(*) FROM (SELECT 1 FROM cases LIMIT 1)) + "
                 "(SELECT count(*) FROM (SELECT 1 FROM audit LIMIT 1))" },
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if ((rc = prepare(st, &st->q[fixed[i].id], fixed[i].sql)) != STORE_OK)
            goto out;
    for (int k = 0; k < SORT_NKEYS; k++) {
        char col[32];
        sb_add(&q, "SELECT %s FROM cases WHERE case_id = ?1",
               sort_col((imt_sort_key)k, col, sizeof col));
        if (q.oom || (rc = prepare(st, &st->anchor[k], q.s)) != STORE_OK)
            goto out;
        sb_free(&q);
    }
out:
    if (q.oom)
        rc = set_err(st, STORE_ERROR, "out of memory");
    sb_free(&q);
    return rc;
}

static void sq_free(imt_backend *st)
{
    if (!st)
        return;
    for (int i = 0; i < Q_N; i++)
        sqlite3_finalize(st->q[i]);
    for (int k = 0; k < SORT_NKEYS; k++)
        sqlite3_finalize(st->anchor[k]);
    if (st->db)
        sqlite3_close(st->db);
    free(st->cols);
    free(st->user);
    free(st);
}

/* "file:" URI of path with everything but unreserved characters and '/'
 * percent-encoded. */
static char *file_uri(const char *path, const char *query)
{
    size_t n = strlen(path);
    char *u = malloc(3 * n + strlen(query) + 8), *o = u;
    if (!u)
        return NULL;
    o += sprintf(o, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || strchr("/-._~", *p))
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    strcpy(o, query);
    return u;
}

/* A WAL database can only be opened when its -shm file exists or can be
 * created.  Someone with read access to a shared file in a directory they
 * cannot write gets neither; when no -wal file exists (nobody is in the
 * middle of writing, the file is complete) it is read as immutable, in
 * read-only mode. */
static int reopen_immutable(imt_backend *st, const char *path)
{
    int prim = st->last_rc & 0xff;
    if (prim != SQLITE_READONLY && prim != SQLITE_CANTOPEN)
        return STORE_ERROR;
    char wal[4096];
    struct stat sb;
    snprintf(wal, sizeof wal, "%s-wal", path);
    if (stat(wal, &sb) == 0 || errno != ENOENT || access(path, R_OK) != 0)
        return STORE_ERROR;
    char *uri = file_uri(path, "?immutable=1");
    if (!uri)
        return set_err(st, STORE_ERROR, "out of memory");
    sqlite3_close(st->db);
    st->db = NULL;
    int rc = sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    free(uri);
    if (rc != SQLITE_OK)
        return set_err(st, STORE_ERROR, "%s", st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
    sqlite3_extended_result_codes(st->db, 1);
    install_handlers(st);
    if (!st->readonly)
        st->file_readonly = true;
    long nobj;
    return count_objects(st, &nobj);
}

/* Is path an SQLite file in WAL mode (header bytes 18 and 19 are 2)? */
static bool header_is_wal(const char *path)
{
    unsigned char h[20];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return false;
    ssize_t n = pread(fd, h, sizeof h, 0);
    close(fd);
    return n == (ssize_t)sizeof h && memcmp(h, "SQLite format 3", 16) == 0 &&
           h[18] == 2 && h[19] == 2;
}

/* SQLite gives the -wal and -shm files the database file's mode, but their
 * group is the group of whoever created them (SQLite changes the owner
 * only when running as root).  In a department's file (group imt, mode
 * 0660, in a directory without the setgid bit) the first member's -wal
 * and -shm then belong to that member's own group, and every other member
 * cannot open the database at all - not even read-only - while the first
 * one has it open.  So they follow the database file, in two steps:
 *
 * side_files_make(), before SQLite opens the database: for a file already
 * in WAL mode (never beside another program's file), the missing -wal and
 * -shm are made here with the database's group and mode.  This process
 * holds no lock on them yet, so opening and closing them costs nothing.
 *
 * side_files_fix(), after SQLite has opened the database (it makes the
 * side files itself when we did not: a new database, a file switched to
 * WAL, a race with another user's last close): the ones that are ours get
 * the database's group and mode BY PATH.  Never through a descriptor: on
 * Linux, closing any descriptor of a file drops every POSIX lock this
 * process holds on it, SQLite's locks on -shm included, and another
 * process then believes it is alone, re-initialises the shared memory the
 * others have mapped, and they die of SIGBUS ("How To Corrupt An SQLite
 * Database File", section 2.2).  lstat() first, and no symlink followed
 * (glibc does fchmodat(AT_SYMLINK_NOFOLLOW) through an O_PATH descriptor,
 * and the kernel does not drop locks when an O_PATH descriptor closes).
 *
 * Failures are ignored: a user outside the file's group cannot give a
 * file to it, and SQLite's own error then says what is wrong. */
static const char *const side_sfx[] = { "-wal", "-shm" };

static void side_files_make(const char *path)
{
    struct stat db;
    if (stat(path, &db) != 0 || !S_ISREG(db.st_mode) || !header_is_wal(path))
        return;
    for (size_t i = 0; i < sizeof side_sfx / sizeof side_sfx[0]; i++) {
        char side[4096];
        if ((size_t)snprintf(side, sizeof side, "%s%s", path, side_sfx[i]) >= sizeof side)
            return;
        int fd = open(side, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                      db.st_mode & 0777);
        if (fd < 0)
            continue;           /* there already (fixed after the open) */
        if (fchown(fd, (uid_t)-1, db.st_gid) != 0) {
            /* not a member of the file's group: nothing to do */
        }
        if (fchmod(fd, db.st_mode & 0777) != 0) {
            /* ignored, as above */
        }
        close(fd);
    }
}

static void side_files_fix(const char *path)
{
    struct stat db;
    if (stat(path, &db) != 0 || !S_ISREG(db.st_mode))
        return;
    for (size_t i = 0; i < sizeof side_sfx / sizeof side_sfx[0]; i++) {
        char side[4096];
        struct stat sb;
        if ((size_t)snprintf(side, sizeof side, "%s%s", path, side_sfx[i]) >= sizeof side)
            return;
        if (lstat(side, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid())
            continue;
        if (sb.st_gid != db.st_gid &&
            fchownat(AT_FDCWD, side, (uid_t)-1, db.st_gid, AT_SYMLINK_NOFOLLOW) != 0) {
            /* not a member of the file's group: nothing to do */
        }
        if ((sb.st_mode & 0777) != (db.st_mode & 0777) &&
            fchmodat(AT_FDCWD, side, db.st_mode & 0777, AT_SYMLINK_NOFOLLOW) != 0) {
            /* ignored, as above */
        }
    }
}

/* Before the first write of a session: SQLite's quick_check over a file
 * of up to OPEN_CHECK_MAX bytes (about 5 ms per MB; a department's
 * database is well under it).  A damaged file is then opened read-only
 * rather than written into.  A larger file is checked by `check`; damage
 * that SQLite meets on any read makes it read-only as well (db_fail). */
#define OPEN_CHECK_MAX (8LL << 20)
static void open_check(imt_backend *st)
{
    sqlite3_stmt *q = NULL;
    long long pages = 0, size = 0;
    if (sqlite3_prepare_v2(st->db, "PRAGMA page_count", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        pages = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(st->db, "PRAGMA page_size", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        size = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (pages * size > OPEN_CHECK_MAX)
        return;
    q = NULL;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA quick_check(1)", -1, &q, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(q, 0);
        if (r && strcmp(r, "ok") != 0) {
            char first[160];
            snprintf(first, sizeof first, "%s", r);
            for (char *c = first; *c; c++)
                if ((unsigned char)*c < 0x20)
                    *c = ' ';
            mark_damaged(st, first);
        }
    } else if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB) {
        mark_damaged(st, sqlite3_errmsg(st->db));
    }
    sqlite3_finalize(q);
}

static imt_backend *sq_open(const char *path, unsigned flags, const char *user,
                      char *err, size_t errn)
{
    if (errn)
        err[0] = '\0';
    if (!path || !*path) {
        snprintf(err, errn, "no database path given");
        return NULL;
    }
    imt_backend *st = calloc(1, sizeof *st);
    if (!st || !(st->user = strdup(user && *user ? user : "unknown"))) {
        free(st);
        snprintf(err, errn, "out of memory");
        return NULL;
    }
    st->readonly = (flags & STORE_OPEN_READONLY) != 0;
    st->busy_ms = STORE_BUSY_MS;
    bool created = false;

    if (st->readonly) {
        struct stat sb;
        if (stat(path, &sb) != 0) {
            snprintf(err, errn, "cannot open database %s: %s%s", path, strerror(errno),
                     errno == ENOENT ? " (--readonly never creates one)" : "");
            goto fail;
        }
    } else {
        /* Create the file ourselves so that it is 0600 from the first
         * moment whatever the umask; an existing file keeps its mode (a
         * shared 0660 file stays shared; SQLite gives -wal and -shm the
         * database file's mode). */
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            created = true;
            if (fchmod(fd, 0600) != 0) {
                snprintf(err, errn, "cannot set the mode of %s: %s", path, strerror(errno));
                close(fd);
                goto fail;
            }
            close(fd);
        } else if (errno == ENOENT) {
            /* only a missing directory gives ENOENT with O_CREAT */
            snprintf(err, errn, "cannot create database %s: its directory does not "
                     "exist (create it first; only the default location's "
                     "directories are made)", path);
            goto fail;
        } else if (errno != EEXIST) {
            snprintf(err, errn, "cannot create database %s: %s", path, strerror(errno));
            goto fail;
        }
    }

    if (!created)
        side_files_make(path);
    int oflags = st->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    int rc = sqlite3_open_v2(path, &st->db, oflags, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errn, "cannot open database %s: %s", path,
                 st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_extended_result_codes(st->db, 1);
    install_handlers(st);
    if (!st->readonly && sqlite3_db_readonly(st->db, "main") == 1)
        st->file_readonly = true;

    long nobj = 0;
    if (count_objects(st, &nobj) != STORE_OK && reopen_immutable(st, path) != STORE_OK) {
        snprintf(err, errn, "cannot open database %s: %s", path, st->err);
        goto fail;
    }
    const char *pragmas = sq_is_readonly(st)
        ? "PRAGMA foreign_keys = ON; PRAGMA query_only = ON;"
        : "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; "
          "PRAGMA journal_size_limit = 67108864; PRAGMA cache_size = -8000;";
    if (exec_sql(st, pragmas, "setting up the connection") != STORE_OK) {
        snprintf(err, errn, "%s: %s", path, st->err);
        goto fail;
    }
    if (!sq_is_readonly(st)) {
        sqlite3_stmt *s;
        rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(s);
            bool wal = rc == SQLITE_ROW &&
                       sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), "wal") == 0;
            sqlite3_finalize(s);
            if (!wal) {
                if (rc == SQLITE_ROW)
                    set_err(st, STORE_ERROR, "the file system does not support WAL mode");
                else
                    db_fail(st, rc, "switching to WAL mode");
                snprintf(err, errn, "%s: %s", path, st->err);
                goto fail;
            }
        } else {
            db_fail(st, rc, "switching to WAL mode");
            snprintf(err, errn, "%s: %s", path, st->err);
            goto fail;
        }
    }
    side_files_fix(path);
    rc = sqlite3_create_function_v2(st->db, "imt_contains", 2,
                                    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_contains,
                                    NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        db_fail(st, rc, "registering the search function");
        snprintf(err, errn, "%s: %s", path, st->err);
        goto fail;
    }
    if (sqlite3_create_function_v2(st->db, "imt_audit_row_hash", -1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_row_hash,
                                   NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(st->db, "imt_audit_chain", 2,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_chain,
                                   NULL, NULL, NULL) != SQLITE_OK) {
        db_fail(st, sqlite3_errcode(st->db), "registering the audit hash functions");
        snprintf(err, errn, "%s: %s", path, st->err);
        goto fail;
    }
    if (!sq_is_readonly(st))
        open_check(st);
    if (migrate(st, path) != STORE_OK ||
        (!sq_is_readonly(st) && chain_trigger(st) != STORE_OK) ||
        prepare_all(st) != STORE_OK) {
        snprintf(err, errn, "%s", st->err);
        goto fail;
    }
    st->err[0] = '\0';
    return st;

fail:
    sq_free(st);
    if (created) {
        /* Leave things as they were: no empty file behind a failure. */
        char side[4096];
        unlink(path);
        snprintf(side, sizeof side, "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", path);
        unlink(side);
    }
    return NULL;
}

static void sq_remove_files(const char *path)
{
    static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        char p[4096];
        if ((size_t)snprintf(p, sizeof p, "%s%s", path, sfx[i]) < sizeof p)
            unlink(p);
    }
}

static void sq_close(imt_backend *st)
{
    if (!st)
        return;
    if (st->in_tx)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    if (!sq_is_readonly(st))
        sqlite3_exec(st->db, "PRAGMA optimize", NULL, NULL, NULL);
    sq_free(st);
}

/* ---- transactions ------------------------------------------------------- */

static int refuse_readonly(imt_backend *st)
{
    if (st->damaged)
        return set_err(st, STORE_READONLY,
                       "the database file is damaged (%s); it is open read-only and "
                       "nothing is written: run 'imtreview check' and restore it from "
                       "a backup", st->damage);
    if (st->readonly)
        return set_err(st, STORE_READONLY,
                       "database opened read-only (--readonly): edits are refused");
    return set_err(st, STORE_READONLY,
                   "the database file is not writable for you: edits are refused");
}

static int sq_begin(imt_backend *st)
{
    if (sq_is_readonly(st))
        return refuse_readonly(st);
    if (st->in_tx)
        return set_err(st, STORE_ERROR, "a transaction is already active");
    int rc = exec1(st, st->q[Q_BEGIN], "starting a transaction");
    if (rc == STORE_OK) {
        st->in_tx = true;
        st->bulk_checked = false;
        st->bulk = false;
    }
    return rc;
}

/* Filling an empty database (the first import) is far faster when the
 * secondary indexes are built once at the end from sorted data than
 * updated row by row: with them dropped, a million-case import spends its
 * time in the table, not in ten random-order B-tree inserts per row.  The
 * DDL is part of the transaction, so a rollback restores them, and other
 * connections never see the database without them. */
static int bulk_start(imt_backend *st)
{
    st->bulk_checked = true;
    sqlite3_stmt *q = st->q[Q_ANY];
    int rc = sqlite3_step(q);
    bool empty = rc == SQLITE_ROW && sqlite3_column_int(q, 0) == 0;
    sqlite3_reset(q);
    if (rc != SQLITE_ROW)
        return db_fail(st, rc, "reading the database");
    if (!empty)
        return STORE_OK;
    sbuf b = { 0 };
    index_ddl(&b, "DROP INDEX");
    if (b.oom)
        return set_err(st, STORE_ERROR, "out of memory");
    rc = exec_sql(st, b.s, "preparing a bulk load");
    sb_free(&b);
    if (rc == STORE_OK)
        st->bulk = true;
    return rc;
}

static int bulk_finish(imt_backend *st)
{
    if (!st->bulk)
        return STORE_OK;
    sbuf b = { 0 };
    index_ddl(&b, "CREATE INDEX");
    /* Statistics for the planner (about a second per million cases):
     * without them a filtered page sorted by another column reads every
     * case that passes the filter and sorts them (0.3 s at a million);
     * with them it walks the sort index from the anchor (1 ms). */
    sb_add(&b, "ANALYZE;\n");
    if (b.oom)
        return set_err(st, STORE_ERROR, "out of memory");
    int rc = exec_sql(st, b.s, "building the indexes");
    sb_free(&b);
    if (rc == STORE_OK)
        st->bulk = false;
    return rc;
}

static int sq_commit(imt_backend *st)
{
    if (!st->in_tx)
        return set_err(st, STORE_ERROR, "no transaction is active");
    if (sqlite3_get_autocommit(st->db)) {
        /* SQLite already rolled it back after an I/O or memory error. */
        st->in_tx = false;
        return set_err(st, STORE_ERROR,
                       "the transaction was rolled back after a database error; nothing was saved");
    }
    int rc = bulk_finish(st);
    if (rc != STORE_OK)
        return rc;
    rc = exec1(st, st->q[Q_COMMIT], "committing");
    if (rc == STORE_OK)
        st->in_tx = false;
    return rc;
}

static int sq_rollback(imt_backend *st)
{
    if (!st->in_tx)
        return STORE_OK;
    st->in_tx = false;
    st->bulk = false;          /* the rollback restores the indexes */
    if (sqlite3_get_autocommit(st->db))
        return STORE_OK;
    return exec1(st, st->q[Q_ROLLBACK], "rolling back");
}

/* Every edit is atomic: its own transaction, or a savepoint inside the
 * caller's. */
static int edit_begin(imt_backend *st)
{
    if (sq_is_readonly(st))
        return refuse_readonly(st);
    if (st->in_tx) {
        if (sqlite3_get_autocommit(st->db))
            return set_err(st, STORE_ERROR,
                           "the transaction was rolled back after a database error");
        return exec1(st, st->q[Q_SAVEPOINT], "starting an edit");
    }
    return exec1(st, st->q[Q_BEGIN], "starting an edit");
}

static int edit_end(imt_backend *st, int rc)
{
    if (st->in_tx) {
        if (sqlite3_get_autocommit(st->db))
            return rc == STORE_OK ? set_err(st, STORE_ERROR, "the transaction was lost") : rc;
        if (rc != STORE_OK) {
            sqlite3_step(st->q[Q_ROLLBACK_TO]);
            sqlite3_reset(st->q[Q_ROLLBACK_TO]);
        }
        int r2 = exec1(st, st->q[Q_RELEASE], "finishing an edit");
        return rc != STORE_OK ? rc : r2;
    }
    if (rc == STORE_OK) {
        rc = exec1(st, st->q[Q_COMMIT], "committing");
        if (rc == STORE_OK)
            return rc;
    }
    if (!sqlite3_get_autocommit(st->db)) {
        sqlite3_step(st->q[Q_ROLLBACK]);
        sqlite3_reset(st->q[Q_ROLLBACK]);
    }
    return rc;
}

/* ---- records <-> rows ------------------------------------------------------ */

#define FPTR(c, f, T) ((T *)((char *)(c) + imt_fields[f].offset))
#define FCPTR(c, f, T) ((const T *)((const char *)(c) + imt_fields[f].offset))

static bool is_text(imt_ftype t)
{
    return t == FT_TEXT || t == FT_ID || t == FT_FUSION || t == FT_DATE || t == FT_TIMESTAMP;
}

/* Parameter ?i+1 is column i (case_id is ?1); INSERT and UPDATE use the
 * same numbering, so one binder serves both. */
static int bind_case(imt_backend *st, sqlite3_stmt *s, const imt_case *c)
{
    for (int f = 0; f < IMT_F_COUNT; f++) {
        const imt_field *fd = &imt_fields[f];
        int p = f + 1;
        int rc = SQLITE_OK;
        switch (fd->type) {
        case FT_DEC: {
            const imt_num *v = FCPTR(c, f, imt_num);
            rc = v->known ? sqlite3_bind_double(s, p, v->v) : sqlite3_bind_null(s, p);
            break;
        }
        case FT_INT: {
            const imt_num *v = FCPTR(c, f, imt_num);
            if (!v->known)
                rc = sqlite3_bind_null(s, p);
            else if (v->v == floor(v->v) && fabs(v->v) < 9e15)
                rc = sqlite3_bind_int64(s, p, (sqlite3_int64)v->v);
            else
                rc = sqlite3_bind_double(s, p, v->v);   /* the CHECK refuses it */
            break;
        }
        case FT_ENUM: {
            int i = *FCPTR(c, f, int);
            if (i == IMT_UNKNOWN)
                rc = sqlite3_bind_null(s, p);
            else if (i >= 0 && i < nvalues(fd->values))
                rc = sqlite3_bind_text(s, p, fd->values[i], -1, SQLITE_STATIC);
            else
                return set_err(st, STORE_ERROR, "column '%s': invalid value number %d",
                               fd->name, i);
            break;
        }
        case FT_BOOL: {
            int i = *FCPTR(c, f, int);
            if (i == IMT_UNKNOWN)
                rc = sqlite3_bind_null(s, p);
            else if (i == 0 || i == 1)
                rc = sqlite3_bind_int(s, p, i);
            else
                return set_err(st, STORE_ERROR, "column '%s': invalid yes/no value %d",
                               fd->name, i);
            break;
        }
        default: {
            const char *t = *FCPTR(c, f, char *);
            rc = t && *t ? sqlite3_bind_text(s, p, t, -1, SQLITE_STATIC)
                         : sqlite3_bind_null(s, p);
            break;
        }
        }
        if (rc != SQLITE_OK)
            return db_fail(st, rc, "binding a value");
    }
    int rc = sqlite3_bind_int(s, NCOLS, c->alk_discordant ? 1 : 0);
    return rc == SQLITE_OK ? STORE_OK : db_fail(st, rc, "binding a value");
}

static int enum_exact(const char *const *values, const char *s)
{
    if (!s)
        return IMT_UNKNOWN;
    for (int i = 0; values[i]; i++)
        if (strcmp(values[i], s) == 0)
            return i;
    return IMT_UNKNOWN;
}

/* Where load_row reads a case: a result row (columns base..base+NCOLS-1)
 * or the NCOLS arguments of an SQL function.  (Values from
 * sqlite3_column_value() are "unprotected" and may not be read with
 * sqlite3_value_*(), so a row is read with sqlite3_column_*().) */
typedef struct {
    sqlite3_stmt *s;
    int base;
    sqlite3_value **v;
} row_src;

static int r_type(const row_src *r, int i)
{
    return r->v ? sqlite3_value_type(r->v[i]) : sqlite3_column_type(r->s, r->base + i);
}
static double r_double(const row_src *r, int i)
{
    return r->v ? sqlite3_value_double(r->v[i]) : sqlite3_column_double(r->s, r->base + i);
}
static int r_int(const row_src *r, int i)
{
    return r->v ? sqlite3_value_int(r->v[i]) : sqlite3_column_int(r->s, r->base + i);
}
static const unsigned char *r_text(const row_src *r, int i)
{
    return r->v ? sqlite3_value_text(r->v[i]) : sqlite3_column_text(r->s, r->base + i);
}
static int r_bytes(const row_src *r, int i)
{
    return r->v ? sqlite3_value_bytes(r->v[i]) : sqlite3_column_bytes(r->s, r->base + i);
}

/* A case from r into c (initialised here).  Returns 0, or -1 when out of
 * memory. */
static int load_row(const row_src *r, imt_case *c)
{
    imt_case_init(c);
    for (int f = 0; f < IMT_F_COUNT; f++) {
        const imt_field *fd = &imt_fields[f];
        if (r_type(r, f) == SQLITE_NULL) {
            if (fd->type == FT_ENUM || fd->type == FT_BOOL)
                *FPTR(c, f, int) = IMT_UNKNOWN;
            continue;
        }
        switch (fd->type) {
        case FT_DEC: case FT_INT:
            *FPTR(c, f, imt_num) = (imt_num){ true, r_double(r, f) };
            break;
        case FT_ENUM:
            *FPTR(c, f, int) = enum_exact(fd->values, (const char *)r_text(r, f));
            break;
        case FT_BOOL:
            *FPTR(c, f, int) = r_int(r, f) ? 1 : 0;
            break;
        default: {
            const unsigned char *t = r_text(r, f);
            if (!t) {
                imt_case_clear(c);
                return -1;
            }
            int n = r_bytes(r, f);
            char *d = malloc((size_t)n + 1);
            if (!d) {
                imt_case_clear(c);
                return -1;
            }
            memcpy(d, t, (size_t)n);
            d[n] = '\0';
            *FPTR(c, f, char *) = d;
            break;
        }
        }
    }
    c->alk_discordant = r_int(r, IMT_F_COUNT) ? 1 : 0;
    return 0;
}

/* Columns base..base+NCOLS-1 of the current row into c (initialised
 * here).  Returns 0, or -1 when out of memory. */
static int load_case(sqlite3_stmt *s, int base, imt_case *c)
{
    row_src r = { s, base, NULL };
    return load_row(&r, c);
}

/* The NCOLS arguments of an SQL function into c. */
static int load_values(sqlite3_value **v, imt_case *c)
{
    row_src r = { NULL, 0, v };
    return load_row(&r, c);
}

/* What every write stores whatever the caller filled in: empty text is
 * unknown (dictionary: "an empty cell means unknown"), an unknown review
 * state is the dictionary's default 'unreviewed', and the derived ALK
 * fields are recomputed here. */
static void normalise(imt_case *c)
{
    for (int f = 0; f < IMT_F_COUNT; f++) {
        if (!is_text(imt_fields[f].type))
            continue;
        char **p = FPTR(c, f, char *);
        if (*p && !**p) {
            free(*p);
            *p = NULL;
        }
    }
    if (c->review_status == IMT_UNKNOWN)
        c->review_status = REV_UNREVIEWED;
    imt_case_derive(c);
}

/* An audit row; snapshot (NULL for most rows) is the JSON object of a
 * new case's values (case_snapshot).  Its hashes are filled in by the
 * chain's trigger. */
static int audit_add_snap(imt_backend *st, const char *case_id, const char *field,
                          const char *oldv, const char *newv, const char *source,
                          const char *comment, const char *ruleset, const char *snapshot)
{
    sqlite3_stmt *s = st->q[Q_AUDIT];
    sqlite3_bind_text(s, 10, snapshot, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 1, now_utc(st), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, st->user, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, case_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, field, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, oldv, -1, SQLITE_STATIC);     /* NULL binds NULL */
    sqlite3_bind_text(s, 6, newv, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, source ? source : "edit", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, comment, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, ruleset, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? STORE_OK : db_fail(st, rc, "writing the audit trail");
}

static int audit_add(imt_backend *st, const char *case_id, const char *field,
                     const char *oldv, const char *newv, const char *source,
                     const char *comment, const char *ruleset)
{
    return audit_add_snap(st, case_id, field, oldv, newv, source, comment, ruleset, NULL);
}

/* ---- single cases -------------------------------------------------------- */

static bool valid_id(const char *id)
{
    return id && *id;
}

static int sq_data_version(imt_backend *st, long long *v)
{
    sqlite3_stmt *q = st->q[Q_DATA_VERSION];
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return rc == SQLITE_ROW ? STORE_OK : db_fail(st, rc, "asking whether the data changed");
}

static int sq_get(imt_backend *st, const char *case_id, imt_case *out)
{
    imt_case_init(out);
    if (!valid_id(case_id))
        return set_err(st, STORE_NOTFOUND, "no case ''");
    sqlite3_stmt *s = st->q[Q_GET];
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s), ret;
    if (rc == SQLITE_ROW)
        ret = load_case(s, 0, out) == 0 ? STORE_OK : set_err(st, STORE_ERROR, "out of memory");
    else if (rc == SQLITE_DONE)
        ret = set_err(st, STORE_NOTFOUND, "no case '%.64s'", case_id);
    else
        ret = db_fail(st, rc, "reading a case");
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return ret;
}

static bool sq_exists(imt_backend *st, const char *case_id)
{
    if (!valid_id(case_id))
        return false;
    sqlite3_stmt *s = st->q[Q_EXISTS];
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        db_fail(st, rc, "looking a case up");
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_ROW;
}

static int sq_insert(imt_backend *st, imt_case *c, const char *source)
{
    if (sq_is_readonly(st))
        return refuse_readonly(st);
    if (!valid_id(c->case_id))
        return set_err(st, STORE_ERROR, "a case needs a case_id");
    normalise(c);
    /* Inside the caller's transaction no savepoint: the row insert is one
     * statement (atomic by itself), and should the audit row fail the
     * row is deleted again below.  A savepoint per row would double the
     * cost of a bulk import. */
    int rc = STORE_OK;
    if (!st->in_tx)
        rc = edit_begin(st);
    else if (sq_is_readonly(st))
        rc = refuse_readonly(st);
    else if (sqlite3_get_autocommit(st->db))
        rc = set_err(st, STORE_ERROR, "the transaction was rolled back after a database error");
    else if (!st->bulk_checked)
        rc = bulk_start(st);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *s = st->q[Q_INSERT];
    rc = bind_case(st, s, c);
    if (rc == STORE_OK) {
        int src = sqlite3_step(s);
        if (src != SQLITE_DONE) {
            if (src == SQLITE_CONSTRAINT_UNIQUE || src == SQLITE_CONSTRAINT_PRIMARYKEY)
                rc = set_err(st, STORE_EXISTS, "case '%.64s' already exists", c->case_id);
            else
                rc = db_fail(st, src, "adding a case");
        }
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc == STORE_OK) {
        sqlite3_int64 rowid = sqlite3_last_insert_rowid(st->db);
        char *snap = case_snapshot(c);
        rc = snap ? audit_add_snap(st, c->case_id, "*", NULL, "created", source, NULL, NULL, snap)
                  : set_err(st, STORE_ERROR, "out of memory");
        free(snap);
        if (rc != STORE_OK && st->in_tx && !sqlite3_get_autocommit(st->db)) {
            sqlite3_bind_int64(st->q[Q_UNINSERT], 1, rowid);
            sqlite3_step(st->q[Q_UNINSERT]);
            sqlite3_reset(st->q[Q_UNINSERT]);
        }
    }
    return st->in_tx ? rc : edit_end(st, rc);
}

/* The canonical text of field f for the audit trail (NULL = unknown).
 * Text fields point into the record; others are formatted into buf. */
static const char *audit_text(const imt_case *c, int f, char *buf, size_t n)
{
    if (!imt_field_is_known(c, f))
        return NULL;
    if (is_text(imt_fields[f].type))
        return *FCPTR(c, f, char *);
    return imt_field_format(c, f, buf, n);
}

/* The values of a case as the audit trail records them at its creation:
 * a JSON object of every field the store does not derive, by column
 * name, each its canonical text (audit_text) or null.  Control bytes are
 * escaped; other bytes are kept as they are.  NULL when out of memory. */
static char *case_snapshot(const imt_case *c)
{
    sbuf b = { 0 };
    sb_add(&b, "{");
    int k = 0;
    for (int f = 0; f < IMT_F_COUNT; f++) {
        if (imt_fields[f].flags & FF_DERIVED)
            continue;
        char buf[64];
        const char *t = audit_text(c, f, buf, sizeof buf);
        sb_add(&b, "%s\"%s\":", k++ ? "," : "", imt_fields[f].name);
        if (!t) {
            sb_add(&b, "null");
            continue;
        }
        sb_add(&b, "\"");
        for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
            if (*p == '"' || *p == '\\')
                sb_add(&b, "\\%c", *p);
            else if (*p < 0x20 || *p == 0x7f)
                sb_add(&b, "\\u%04x", *p);
            else
                sb_add(&b, "%c", *p);
        }
        sb_add(&b, "\"");
    }
    sb_add(&b, "}");
    if (b.oom) {
        sb_free(&b);
        return NULL;
    }
    return b.s;
}

/* Write c over the stored old: each changed field is updated and audited.
 * Inside the caller's edit transaction. */
static int write_changes(imt_backend *st, const imt_case *old, imt_case *c,
                         const char *source, int *nchanged)
{
    int changed[IMT_F_COUNT], n = 0, rc = STORE_OK;
    for (int f = 0; f < IMT_F_COUNT; f++)
        if (!(imt_fields[f].flags & FF_DERIVED) && !imt_field_equal(old, c, f))
            changed[n++] = f;
    if (n > 0) {
        sqlite3_stmt *s = st->q[Q_UPDATE];
        rc = bind_case(st, s, c);
        if (rc == STORE_OK) {
            int src = sqlite3_step(s);
            if (src != SQLITE_DONE)
                rc = db_fail(st, src, "updating a case");
        }
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        for (int i = 0; i < n && rc == STORE_OK; i++) {
            char ob[64], nb[64];
            int f = changed[i];
            rc = audit_add(st, c->case_id, imt_fields[f].name,
                           audit_text(old, f, ob, sizeof ob),
                           audit_text(c, f, nb, sizeof nb), source, NULL, NULL);
        }
    }
    *nchanged = n;
    return rc;
}

static int sq_update(imt_backend *st, imt_case *c, const char *source, int *nchanged)
{
    if (nchanged)
        *nchanged = 0;
    if (sq_is_readonly(st))
        return refuse_readonly(st);
    if (!valid_id(c->case_id))
        return set_err(st, STORE_ERROR, "a case needs a case_id");
    normalise(c);
    int rc = edit_begin(st);
    if (rc != STORE_OK)
        return rc;
    imt_case old;
    rc = sq_get(st, c->case_id, &old);
    if (rc != STORE_OK)
        return edit_end(st, rc);
    int n = 0;
    rc = write_changes(st, &old, c, source, &n);
    imt_case_clear(&old);
    rc = edit_end(st, rc);
    if (rc == STORE_OK && nchanged)
        *nchanged = n;
    return rc;
}

static int sq_update_fields(imt_backend *st, const imt_case *c, const int *fields, int nf,
                        const char *source, int *nchanged)
{
    if (nchanged)
        *nchanged = 0;
    if (sq_is_readonly(st))
        return refuse_readonly(st);
    if (!valid_id(c->case_id))
        return set_err(st, STORE_ERROR, "a case needs a case_id");
    int rc = edit_begin(st);
    if (rc != STORE_OK)
        return rc;
    imt_case old, nw;
    imt_case_init(&nw);
    rc = sq_get(st, c->case_id, &old);
    if (rc != STORE_OK)
        return edit_end(st, rc);
    if (imt_case_copy(&nw, &old) != 0)
        rc = set_err(st, STORE_ERROR, "out of memory");
    for (int i = 0; i < nf && rc == STORE_OK; i++) {
        int f = fields[i];
        if (f < 0 || f >= IMT_F_COUNT || (imt_fields[f].flags & FF_DERIVED) ||
            f == IMT_F_case_id)
            rc = set_err(st, STORE_ERROR, "internal: field %d cannot be edited", f);
        else if (imt_field_assign(&nw, c, f) != 0)
            rc = set_err(st, STORE_ERROR, "out of memory");
    }
    int n = 0;
    if (rc == STORE_OK) {
        normalise(&nw);
        char msg[300];
        if (imt_case_crosscheck_new(&old, &nw, NULL, msg, sizeof msg))
            rc = set_err(st, STORE_ERROR, "%s", msg);
    }
    if (rc == STORE_OK)
        rc = write_changes(st, &old, &nw, source, &n);
    imt_case_clear(&old);
    imt_case_clear(&nw);
    rc = edit_end(st, rc);
    if (rc == STORE_OK && nchanged)
        *nchanged = n;
    return rc;
}

static int sq_set_review(imt_backend *st, const char *case_id, int status,
                     const char *comment, const char *ruleset)
{
    if (sq_is_readonly(st))
        return refuse_readonly(st);
    if (status < 0 || status >= REV_N)
        return set_err(st, STORE_ERROR, "invalid review state %d", status);
    int rc = edit_begin(st);
    if (rc != STORE_OK)
        return rc;
    imt_case old;
    rc = sq_get(st, case_id, &old);
    if (rc != STORE_OK)
        return edit_end(st, rc);
    const char *who = status == REV_SIGNED_OUT ? st->user : NULL;
    const char *when = status == REV_SIGNED_OUT ? now_utc(st) : NULL;
    sqlite3_stmt *s = st->q[Q_REVIEW];
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, imt_review_values[status], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, who, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, when, -1, SQLITE_STATIC);
    int src = sqlite3_step(s);
    if (src != SQLITE_DONE)
        rc = db_fail(st, src, "saving the review state");
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    /* The review itself is always recorded (a repeated sign-out with a new
     * comment is an event); reviewer and time only when they change. */
    const char *c_empty = comment && *comment ? comment : NULL;
    if (rc == STORE_OK)
        rc = audit_add(st, case_id, "review_status",
                       old.review_status >= 0 ? imt_review_values[old.review_status] : NULL,
                       imt_review_values[status], "review", c_empty, ruleset);
    if (rc == STORE_OK && !((!old.reviewer && !who) ||
                            (old.reviewer && who && strcmp(old.reviewer, who) == 0)))
        rc = audit_add(st, case_id, "reviewer", old.reviewer, who, "review", NULL, ruleset);
    if (rc == STORE_OK && !((!old.reviewed_at && !when) ||
                            (old.reviewed_at && when && strcmp(old.reviewed_at, when) == 0)))
        rc = audit_add(st, case_id, "reviewed_at", old.reviewed_at, when, "review", NULL, ruleset);
    imt_case_clear(&old);
    return edit_end(st, rc);
}

/* ---- filters, counting, paging ------------------------------------------- */

/* " AND ..." for the filter: fixed fragments chosen by mask bits (the
 * integers are positions in the dictionary's lists) and the bound
 * search text :search.  Nothing from user text enters the SQL. */
static void filter_sql(sbuf *b, const imt_filter *f)
{
    static const struct { imt_sort_key key; int n; } kinds[FILTER_NKINDS] = {
        [FILTER_SITE] = { SORT_SITE, SITE_N },
        [FILTER_ALK] = { SORT_ALK, ALK_N },
        [FILTER_OUTCOME] = { SORT_OUTCOME, OUT_N },
        [FILTER_STATUS] = { SORT_REVIEW, REV_N },
    };
    if (!f)
        return;
    for (int k = 0; k < FILTER_NKINDS; k++) {
        unsigned mask = *filter_mask((imt_filter *)f, (imt_filter_kind)k);
        if (!mask)
            continue;
        sb_add(b, " AND sort_%s IN (", store_sort_cols[kinds[k].key].name);
        int any = 0;
        for (int i = 0; i < kinds[k].n; i++)
            if (mask & (1u << i))
                sb_add(b, "%s%d", any++ ? ", " : "", i);
        if (!any)
            sb_add(b, "-1");      /* only bits without a value: nothing passes */
        sb_add(b, ")");
    }
    if (f->search[0])
        sb_add(b, " AND (imt_contains(case_id, :search) OR imt_contains(site_detail, :search) "
                  "OR imt_contains(notes, :search))");
}

/* Case-insensitive substring search for every script, not only ASCII
 * (SQLite's LIKE folds A-Z only, so "ÖSOPHAGUS" would not find
 * "Ösophagus"): both sides are lower-cased code point by code point with
 * utf8_fold(), then compared bytewise.  Invalid UTF-8 bytes are kept as they
 * are.  Returns a malloc'ed string, or NULL when out of memory. */
static char *fold_text(const char *s, size_t n)
{
    char *o = malloc(2 * n + 1);    /* a lower-case form is at most 3/2 as long */
    size_t k = 0;
    if (!o)
        return NULL;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int len = utf8_decode(s + i, n - i, &cp);
        if (len <= 0) {
            o[k++] = s[i++];
            continue;
        }
        i += (size_t)len;
        cp = utf8_fold(cp);
        if (cp < 0x80) {
            o[k++] = (char)cp;
        } else if (cp < 0x800) {
            o[k++] = (char)(0xC0 | (cp >> 6));
            o[k++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            o[k++] = (char)(0xE0 | (cp >> 12));
            o[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            o[k++] = (char)(0x80 | (cp & 0x3F));
        } else {
            o[k++] = (char)(0xF0 | (cp >> 18));
            o[k++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            o[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            o[k++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    o[k] = '\0';
    return o;
}

/* SQL imt_contains(text, needle): 1 when the folded needle occurs in the
 * folded text (NULL text: 0).  The needle is folded once per statement
 * (kept as auxiliary data of the bound parameter). */
static void sql_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *hay = (const char *)sqlite3_value_text(argv[0]);
    if (!hay) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    char *needle = sqlite3_get_auxdata(ctx, 1);
    if (!needle) {
        const char *raw = (const char *)sqlite3_value_text(argv[1]);
        if (!raw) {
            sqlite3_result_int(ctx, 0);
            return;
        }
        if (!(needle = fold_text(raw, (size_t)sqlite3_value_bytes(argv[1])))) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        sqlite3_set_auxdata(ctx, 1, needle, free);
        needle = sqlite3_get_auxdata(ctx, 1);
        if (!needle) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
    }
    char *h = fold_text(hay, (size_t)sqlite3_value_bytes(argv[0]));
    if (!h) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_int(ctx, strstr(h, needle) != NULL);
    free(h);
}

/* Prepare sql and bind :search for the filter. */
static int prepare_filtered(imt_backend *st, sbuf *b, const imt_filter *f,
                            sqlite3_stmt **s)
{
    *s = NULL;
    if (b->oom)
        return set_err(st, STORE_ERROR, "out of memory");
    int rc = sqlite3_prepare_v2(st->db, b->s, -1, s, NULL);
    if (rc != SQLITE_OK)
        return db_fail(st, rc, "preparing a query");
    int p = sqlite3_bind_parameter_index(*s, ":search");
    if (p > 0)
        sqlite3_bind_text(*s, p, f->search, -1, SQLITE_STATIC);
    return STORE_OK;
}

static long sq_count(imt_backend *st, const imt_filter *f)
{
    sbuf b = { 0 };
    sb_add(&b, "SELECT count(*) FROM cases WHERE 1");
    filter_sql(&b, f);
    sqlite3_stmt *s;
    int rc = prepare_filtered(st, &b, f, &s);
    sb_free(&b);
    if (rc != STORE_OK)
        return -1;
    long n = -1;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        n = (long)sqlite3_column_int64(s, 0);
    else
        db_fail(st, rc, "counting cases");
    sqlite3_finalize(s);
    return n;
}

static bool sq_passes(imt_backend *st, const imt_filter *f, const char *case_id)
{
    if (!valid_id(case_id))
        return false;
    sbuf b = { 0 };
    sb_add(&b, "SELECT 1 FROM cases WHERE case_id = :id");
    filter_sql(&b, f);
    sqlite3_stmt *s;
    if (prepare_filtered(st, &b, f, &s) != STORE_OK) {
        sb_free(&b);
        return false;
    }
    sb_free(&b);
    sqlite3_bind_text(s, sqlite3_bind_parameter_index(s, ":id"), case_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        db_fail(st, rc, "filtering");
    sqlite3_finalize(s);
    return rc == SQLITE_ROW;
}

/* The sort key value of the anchor case into *k (a copy, freed by the
 * caller with sqlite3_value_free). */
static int anchor_key(imt_backend *st, imt_sort_key key, const char *id, sqlite3_value **k)
{
    sqlite3_stmt *s = st->anchor[key];
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s), ret = STORE_OK;
    *k = NULL;
    if (rc == SQLITE_ROW) {
        if (!(*k = sqlite3_value_dup(sqlite3_column_value(s, 0))))
            ret = set_err(st, STORE_ERROR, "out of memory");
    } else if (rc == SQLITE_DONE) {
        ret = set_err(st, STORE_ERROR, "no case '%.64s'", id);
    } else {
        ret = db_fail(st, rc, "reading the sort key");
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return ret;
}

/* SELECT cols FROM cases WHERE filter [AND (key, case_id) op anchor]
 * ORDER BY key, case_id in the direction asked. */
static void ordered_sql(sbuf *b, const char *what, const imt_filter *f, imt_sort s,
                        const char *op, bool reverse)
{
    char col[32];
    const char *kc = sort_col(s.key, col, sizeof col);
    bool desc = s.desc != reverse;
    sb_add(b, "SELECT %s FROM cases WHERE 1", what);
    filter_sql(b, f);
    if (op) {
        if (s.key == SORT_CASE_ID)
            sb_add(b, " AND case_id %s :id", op);
        else
            sb_add(b, " AND (%s, case_id) %s (:k, :id)", kc, op);
    }
    if (s.key == SORT_CASE_ID)
        sb_add(b, " ORDER BY case_id%s", desc ? " DESC" : "");
    else
        sb_add(b, " ORDER BY %s%s, case_id%s", kc, desc ? " DESC" : "", desc ? " DESC" : "");
}

static bool valid_sort(imt_sort s)
{
    return (int)s.key >= 0 && s.key < SORT_NKEYS;
}

static long sq_rank(imt_backend *st, const imt_filter *f, imt_sort s, const char *case_id)
{
    if (!valid_sort(s)) {
        set_err(st, STORE_ERROR, "invalid sort key");
        return -1;
    }
    if (!sq_passes(st, f, case_id))
        return -1;
    sqlite3_value *k = NULL;
    if (s.key != SORT_CASE_ID && anchor_key(st, s.key, case_id, &k) != STORE_OK)
        return -1;
    sbuf b = { 0 };
    sb_add(&b, "SELECT count(*) FROM cases WHERE 1");
    filter_sql(&b, f);
    char col[32];
    const char *op = s.desc ? ">" : "<";
    if (s.key == SORT_CASE_ID)
        sb_add(&b, " AND case_id %s :id", op);
    else
        sb_add(&b, " AND (%s, case_id) %s (:k, :id)", sort_col(s.key, col, sizeof col), op);
    sqlite3_stmt *q;
    int rc = prepare_filtered(st, &b, f, &q);
    sb_free(&b);
    if (rc != STORE_OK) {
        sqlite3_value_free(k);
        return -1;
    }
    sqlite3_bind_text(q, sqlite3_bind_parameter_index(q, ":id"), case_id, -1, SQLITE_STATIC);
    if (k)
        sqlite3_bind_value(q, sqlite3_bind_parameter_index(q, ":k"), k);
    long n = -1;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        n = (long)sqlite3_column_int64(q, 0);
    else
        db_fail(st, rc, "counting cases");
    sqlite3_finalize(q);
    sqlite3_value_free(k);
    return n;
}

static int sq_page(imt_backend *st, const imt_filter *f, imt_sort s,
               const char *anchor, int dir, int n, imt_case *out)
{
    if (!valid_sort(s))
        return set_err(st, STORE_ERROR, "invalid sort key");
    if (n <= 0)
        return 0;
    if (dir == 0 && !anchor)
        dir = +1;
    sqlite3_value *k = NULL;
    if (anchor && s.key != SORT_CASE_ID) {
        int rc = anchor_key(st, s.key, anchor, &k);
        if (rc != STORE_OK)
            return rc;
    }
    /* Display order is (key, case_id) ascending, or its exact reverse for
     * desc.  Going back means walking the other way from the anchor and
     * turning the rows round at the end. */
    bool back = dir < 0;
    const char *op = NULL;
    if (anchor) {
        bool up = s.desc ? !back : back;      /* rows smaller than anchor? */
        op = up ? "<" : ">";
        if (dir == 0)
            op = s.desc ? "<=" : ">=";
    }
    sbuf b = { 0 };
    ordered_sql(&b, st->cols, f, s, op, back);
    sb_add(&b, " LIMIT %d", n);
    sqlite3_stmt *q;
    int rc = prepare_filtered(st, &b, f, &q);
    sb_free(&b);
    if (rc != STORE_OK) {
        sqlite3_value_free(k);
        return rc;
    }
    if (anchor)
        sqlite3_bind_text(q, sqlite3_bind_parameter_index(q, ":id"), anchor, -1, SQLITE_STATIC);
    if (k)
        sqlite3_bind_value(q, sqlite3_bind_parameter_index(q, ":k"), k);
    int got = 0;
    while (got < n && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (load_case(q, 0, &out[got]) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
        got++;
    }
    int ret = got;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        ret = rc == SQLITE_NOMEM ? set_err(st, STORE_ERROR, "out of memory")
                                 : db_fail(st, rc, "reading cases");
        for (int i = 0; i < got; i++)
            imt_case_clear(&out[i]);
    } else if (back) {
        for (int i = 0, j = got - 1; i < j; i++, j--) {
            imt_case t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
    }
    sqlite3_finalize(q);
    sqlite3_value_free(k);
    return ret;
}

/* Step q to the end, handing each case to cb (which stops the walk by
 * returning non-zero, its value returned); finalizes q. */
static int each_case(imt_backend *st, sqlite3_stmt *q,
                     int (*cb)(void *ctx, const imt_case *c), void *ctx)
{
    int rc, ret = 0;
    imt_case c;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (load_case(q, 0, &c) != 0) {
            ret = set_err(st, STORE_ERROR, "out of memory");
            break;
        }
        ret = cb(ctx, &c);
        imt_case_clear(&c);
        if (ret)
            break;
    }
    if (!ret && rc != SQLITE_DONE)
        ret = db_fail(st, rc, "reading cases");
    sqlite3_finalize(q);
    return ret;
}

static int sq_foreach(imt_backend *st, const imt_filter *f, imt_sort s,
                  int (*cb)(void *ctx, const imt_case *c), void *ctx)
{
    if (!valid_sort(s))
        return set_err(st, STORE_ERROR, "invalid sort key");
    sbuf b = { 0 };
    ordered_sql(&b, st->cols, f, s, NULL, false);
    sqlite3_stmt *q;
    int rc = prepare_filtered(st, &b, f, &q);
    sb_free(&b);
    if (rc != STORE_OK)
        return rc;
    return each_case(st, q, cb, ctx);
}

/* store_foreach_by_key: the caller's key of each case, as an SQL function
 * over all the columns, so that SQLite's sorter orders the rows (it spills
 * to a temporary file: memory does not grow with the number of cases). */
typedef struct {
    void (*key)(void *kctx, const imt_case *c, char *out, size_t n);
    void *kctx;
} key_fn;

static void sql_case_key(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    key_fn *k = sqlite3_user_data(ctx);
    if (argc != NCOLS) {
        sqlite3_result_error(ctx, "imt_case_key: wrong number of arguments", -1);
        return;
    }
    imt_case c;
    if (load_values(argv, &c) != 0) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    char out[128];
    out[0] = '\0';
    k->key(k->kctx, &c, out, sizeof out);
    imt_case_clear(&c);
    sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

static int sq_foreach_by_key(imt_backend *st, const imt_filter *f,
                         void (*key)(void *kctx, const imt_case *c, char *out, size_t n),
                         void *kctx, int (*cb)(void *ctx, const imt_case *c), void *ctx)
{
    key_fn k = { key, kctx };
    int rc = sqlite3_create_function_v2(st->db, "imt_case_key", NCOLS, SQLITE_UTF8, &k,
                                        sql_case_key, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return db_fail(st, rc, "registering the sort key");
    sbuf b = { 0 };
    sb_add(&b, "SELECT %s FROM cases WHERE 1", st->cols);
    filter_sql(&b, f);
    sb_add(&b, " ORDER BY imt_case_key(%s), case_id", st->cols);
    sqlite3_stmt *q;
    rc = prepare_filtered(st, &b, f, &q);
    sb_free(&b);
    int ret = rc != STORE_OK ? rc : each_case(st, q, cb, ctx);
    sqlite3_create_function_v2(st->db, "imt_case_key", NCOLS, SQLITE_UTF8, NULL,
                               NULL, NULL, NULL, NULL);
    return ret;
}

/* ---- audit trail, key ------------------------------------------------------ */

static const char *col_text(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

static int sq_audit_foreach(imt_backend *st, const char *case_id,
                        int (*cb)(void *ctx, const imt_audit *a), void *ctx)
{
    sqlite3_stmt *q;
    const char *sql = case_id
        ? "SELECT seq, time, user, case_id, field, old_value, new_value, source, comment, "
          "ruleset FROM audit WHERE case_id = ?1 ORDER BY seq"
        : "SELECT seq, time, user, case_id, field, old_value, new_value, source, comment, "
          "ruleset FROM audit ORDER BY seq";
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return db_fail(st, rc, "reading the audit trail");
    if (case_id)
        sqlite3_bind_text(q, 1, case_id, -1, SQLITE_STATIC);
    int ret = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        imt_audit a = {
            .seq = sqlite3_column_int64(q, 0),
            .time = col_text(q, 1), .user = col_text(q, 2), .case_id = col_text(q, 3),
            .field = col_text(q, 4), .old_value = col_text(q, 5),
            .new_value = col_text(q, 6), .source = col_text(q, 7),
            .comment = col_text(q, 8), .ruleset = col_text(q, 9),
        };
        if ((ret = cb(ctx, &a)) != 0)
            break;
    }
    if (!ret && rc != SQLITE_DONE)
        ret = db_fail(st, rc, "reading the audit trail");
    sqlite3_finalize(q);
    return ret;
}

static int sq_secret(imt_backend *st, unsigned char key[32])
{
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = 'secret'", -1,
                                &q, NULL);
    if (rc != SQLITE_OK)
        return db_fail(st, rc, "reading the database key");
    rc = sqlite3_step(q);
    int ret;
    if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_BLOB &&
        sqlite3_column_bytes(q, 0) == 32) {
        memcpy(key, sqlite3_column_blob(q, 0), 32);
        ret = STORE_OK;
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        ret = set_err(st, STORE_ERROR, "the database key is missing or damaged");
    } else {
        ret = db_fail(st, rc, "reading the database key");
    }
    sqlite3_finalize(q);
    return ret;
}

/* ---- check ----------------------------------------------------------------- */

typedef struct {
    void (*report)(void *ctx, const char *msg);
    void *ctx;
    long n;
    long held;     /* constraint messages of integrity_check held back */
} checker;

static void problem(checker *ck, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(checker *ck, const char *fmt, ...)
{
    ck->n++;
    if (ck->n > CHECK_REPORT_CAP || !ck->report)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ck->report(ck->ctx, msg);
}

/* Stored text made safe for a message: control bytes and invalid UTF-8 as
 * \xNN, at most about 40 characters. */
static const char *safe(const char *s, char *buf, size_t n)
{
    size_t o = 0, len = s ? strlen(s) : 0;
    if (!s)
        return "(null)";
    for (size_t i = 0; i < len && o + 8 < n;) {
        uint32_t cp;
        int k = utf8_decode(s + i, len - i, &cp);
        if (k > 0 && cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0)) {
            memcpy(buf + o, s + i, (size_t)k);
            o += (size_t)k;
            i += (size_t)k;
        } else {
            o += (size_t)snprintf(buf + o, n - o, "\\x%02x", (unsigned char)s[i]);
            i++;
        }
        if (o > 120) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
    }
    buf[o] = '\0';
    return buf;
}

/* One stored value against the dictionary, without trusting the CHECKs
 * (they do not hold if someone wrote with constraints disabled). */
static void check_value(checker *ck, const char *id, sqlite3_stmt *s, int col, int f)
{
    const imt_field *fd = &imt_fields[f];
    int t = sqlite3_column_type(s, col);
    char b1[160], b2[160];
    if (t == SQLITE_NULL) {
        if (f == IMT_F_case_id || f == IMT_F_site || f == IMT_F_review_status ||
            (fd->flags & FF_DERIVED))
            problem(ck, "case '%s': column '%s' is empty but must have a value", id, fd->name);
        return;
    }
    /* Text of a number only for the message: converting every number of
     * a million rows to text would double the time of a check. */
#define TXT ((const char *)sqlite3_column_text(s, col))
    switch (fd->type) {
    case FT_DEC: case FT_INT: {
        double v = sqlite3_column_double(s, col);
        if ((t != SQLITE_FLOAT && t != SQLITE_INTEGER) || v < fd->min || v > fd->max ||
            (fd->type == FT_INT && (t != SQLITE_INTEGER || v != floor(v))))
            problem(ck, "case '%s': column '%s' holds '%s', not a %s within the dictionary's range",
                    id, fd->name, safe(TXT, b1, sizeof b1),
                    fd->type == FT_INT ? "whole number" : "number");
        return;
    }
    case FT_ENUM:
        if (t != SQLITE_TEXT || enum_exact(fd->values, TXT) < 0)
            problem(ck, "case '%s': column '%s' holds '%s', not one of the dictionary's values",
                    id, fd->name, safe(TXT, b1, sizeof b1));
        return;
    case FT_BOOL:
        if (t != SQLITE_INTEGER || (sqlite3_column_int64(s, col) != 0 &&
                                    sqlite3_column_int64(s, col) != 1))
            problem(ck, "case '%s': column '%s' holds '%s', not 0 or 1", id, fd->name,
                    safe(TXT, b1, sizeof b1));
        return;
    default:
        break;
    }
    const char *txt = TXT;
#undef TXT
    /* Text kinds: the one validator of single cells decides, and the value
     * must already be in canonical form. */
    int len = sqlite3_column_bytes(s, col);
    if (t != SQLITE_TEXT || !txt || (int)strlen(txt) != len || len == 0) {
        problem(ck, "case '%s': column '%s' holds a value that is not text", id, fd->name);
        return;
    }
    imt_case tmp;
    imt_case_init(&tmp);
    char err[256];
    if (imt_field_parse(&tmp, f, txt, err, sizeof err) != 0) {
        problem(ck, "case '%s': column '%s': %s", id, fd->name, safe(err, b2, sizeof b2));
    } else {
        const char *canon = *FCPTR(&tmp, f, char *);
        if (!canon || strcmp(canon, txt) != 0)
            problem(ck, "case '%s': column '%s' holds '%s', not in canonical form", id,
                    fd->name, safe(txt, b1, sizeof b1));
    }
    imt_case_clear(&tmp);
}

typedef struct {
    checker *ck;
    const char *id;
} cross_ctx;

static void cross_report(void *vctx, int field, const char *msg)
{
    cross_ctx *x = vctx;
    problem(x->ck, "case '%s': column '%s' %s", x->id, imt_fields[field].name, msg);
}

static int check_rows(imt_backend *st, checker *ck)
{
    sbuf b = { 0 };
    sb_add(&b, "SELECT %s FROM cases ORDER BY id", st->cols);
    if (b.oom)
        return set_err(st, STORE_ERROR, "out of memory");
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(st->db, b.s, -1, &q, NULL);
    sb_free(&b);
    if (rc != SQLITE_OK)
        return db_fail(st, rc, "reading cases");
    imt_case c, d;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char idb[160];
        const char *id = safe((const char *)sqlite3_column_text(q, IMT_F_case_id), idb, sizeof idb);
        for (int f = 0; f < IMT_F_COUNT; f++)
            check_value(ck, id, q, f, f);
        int disc = sqlite3_column_type(q, IMT_F_COUNT);
        if (disc != SQLITE_INTEGER)
            problem(ck, "case '%s': column 'alk_discordant' is not 0 or 1", id);
        if (load_case(q, 0, &c) != 0) {
            sqlite3_finalize(q);
            return set_err(st, STORE_ERROR, "out of memory");
        }
        if (imt_case_copy(&d, &c) != 0) {
            imt_case_clear(&c);
            sqlite3_finalize(q);
            return set_err(st, STORE_ERROR, "out of memory");
        }
        imt_case_derive(&d);
        /* Compare with what is stored (raw text: load_case maps an unknown
         * word to IMT_UNKNOWN, which would hide a corrupted value). */
        const char *stored = (const char *)sqlite3_column_text(q, IMT_F_alk_status);
        char sb1[160];
        if (!stored || strcmp(stored, imt_alk_values[d.alk_status]) != 0)
            problem(ck, "case '%s': alk_status is '%s' but the ALK fields give '%s'", id,
                    safe(stored, sb1, sizeof sb1), imt_alk_values[d.alk_status]);
        if (sqlite3_column_type(q, IMT_F_alk_confirmed) != SQLITE_INTEGER ||
            sqlite3_column_int64(q, IMT_F_alk_confirmed) != d.alk_confirmed)
            problem(ck, "case '%s': alk_confirmed is '%s' but the ALK fields give %s", id,
                    safe((const char *)sqlite3_column_text(q, IMT_F_alk_confirmed), sb1, sizeof sb1),
                    d.alk_confirmed ? "1 (yes)" : "0 (no)");
        if (disc == SQLITE_INTEGER && sqlite3_column_int64(q, IMT_F_COUNT) != d.alk_discordant)
            problem(ck, "case '%s': alk_discordant is %lld but the ALK fields give %d", id,
                    (long long)sqlite3_column_int64(q, IMT_F_COUNT), d.alk_discordant);
        cross_ctx x = { ck, id };
        imt_case_crosscheck(&c, cross_report, &x);
        imt_case_clear(&c);
        imt_case_clear(&d);
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? STORE_OK : db_fail(st, rc, "reading cases");
}

/* Rows of a PRAGMA or query: each row's first column is passed to fn. */
static int each_row(imt_backend *st, const char *sql, void (*fn)(checker *, sqlite3_stmt *),
                    checker *ck)
{
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return db_fail(st, rc, "checking");
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        fn(ck, q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? STORE_OK : db_fail(st, rc, "checking");
}

/* integrity_check also reports values that break a CHECK or NOT NULL
 * ("CHECK constraint failed in cases"), without naming the row; the row
 * pass below names them, so those are held back unless it finds nothing. */
static bool value_message(const char *t)
{
    return strncmp(t, "CHECK constraint failed in ", 27) == 0 ||
           strncmp(t, "NULL value in ", 14) == 0;
}

static void integrity_row(checker *ck, sqlite3_stmt *q)
{
    const char *t = (const char *)sqlite3_column_text(q, 0);
    char b[160];
    if (t && strcmp(t, "ok") == 0)
        return;
    if (t && value_message(t)) {
        ck->held++;
        return;
    }
    problem(ck, "SQLite integrity check: %s", safe(t, b, sizeof b));
}

static void fk_row(checker *ck, sqlite3_stmt *q)
{
    problem(ck, "table %s row %lld refers to a case that does not exist",
            (const char *)sqlite3_column_text(q, 0), (long long)sqlite3_column_int64(q, 1));
}

static void audit_time_row(checker *ck, sqlite3_stmt *q)
{
    problem(ck, "audit row %lld has a malformed time", (long long)sqlite3_column_int64(q, 0));
}


/* ---- check: the hash chain and the replay of the history ------------------- */

/* The row hash of the current row of q (a SELECT * FROM audit), computed
 * from its columns; *seq, and the stored row_hash and hash (NULL when
 * missing) too. */
typedef struct {
    int ncol, iseq, irh, ih;
    chain_col cols[128];
} chain_reader;

static int chain_reader_init(imt_backend *st, chain_reader *r, sqlite3_stmt *q)
{
    memset(r, 0, sizeof *r);
    r->ncol = sqlite3_column_count(q);
    r->iseq = r->irh = r->ih = -1;
    if (r->ncol > 128)
        return set_err(st, STORE_ERROR, "the audit table has too many columns");
    for (int i = 0; i < r->ncol; i++) {
        const char *n = sqlite3_column_name(q, i);
        if (strcmp(n, "seq") == 0)
            r->iseq = i;
        else if (strcmp(n, "row_hash") == 0)
            r->irh = i;
        else if (strcmp(n, "hash") == 0)
            r->ih = i;
    }
    return STORE_OK;
}

static void chain_read(chain_reader *r, sqlite3_stmt *q, long long *seq, unsigned char rh[32])
{
    int n = 0;
    *seq = sqlite3_column_int64(q, r->iseq);
    for (int i = 0; i < r->ncol; i++) {
        r->cols[n].name = sqlite3_column_name(q, i);
        r->cols[n++].v = sqlite3_column_value(q, i);
    }
    chain_row_hash(r->cols, n, rh);
}

/* Where row `seq` (row hash rh, stored hash h) was written: the seq of the
 * row whose stored hash it chains from (0: it chains as the first row;
 * -1: from no row there is). */
static long long chain_find_prev(imt_backend *st, const unsigned char rh[32],
                                 const unsigned char h[32], long long self)
{
    unsigned char d[32];
    chain_link(NULL, rh, d);
    if (memcmp(d, h, 32) == 0)
        return 0;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(st->db, "SELECT seq, hash FROM audit ORDER BY seq", -1, &q, NULL) !=
        SQLITE_OK)
        return -1;
    long long found = -1;
    while (found < 0 && sqlite3_step(q) == SQLITE_ROW) {
        unsigned char p[32];
        long long s = sqlite3_column_int64(q, 0);
        if (s == self || unhex32((const char *)sqlite3_column_text(q, 1), p) != 0)
            continue;
        chain_link(p, rh, d);
        if (memcmp(d, h, 32) == 0)
            found = s;
    }
    sqlite3_finalize(q);
    return found;
}

/* Walk the audit trail in order and recompute each row's hashes; name the
 * first row that does not fit and why.  head gets the last row's stored
 * hash. */
static int check_chain(imt_backend *st, checker *ck, store_audit_head *head)
{
    sqlite3_stmt *q;
    memset(head, 0, sizeof *head);
    int rc = sqlite3_prepare_v2(st->db, "SELECT * FROM audit ORDER BY seq", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return db_fail(st, rc, "checking the audit trail");
    chain_reader *r = malloc(sizeof *r);
    if (!r) {
        sqlite3_finalize(q);
        return set_err(st, STORE_ERROR, "out of memory");
    }
    if ((rc = chain_reader_init(st, r, q)) != STORE_OK)
        goto out;
    if (r->iseq < 0 || r->irh < 0 || r->ih < 0) {
        problem(ck, "the audit trail has no hash chain (columns row_hash and hash)");
        goto out;
    }
    unsigned char prev[32];
    bool have_prev = false, broken = false;
    long long prev_seq = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        long long seq;
        unsigned char rh[32], srh[32], sh[32], d[32];
        chain_read(r, q, &seq, rh);
        const char *hs = (const char *)sqlite3_column_text(q, r->ih);
        bool hash_ok = unhex32(hs, sh) == 0;
        head->rows++;
        head->seq = seq;
        snprintf(head->hash, sizeof head->hash, "%s", hash_ok ? hs : "");
        if (broken) {
            if (hash_ok) {
                memcpy(prev, sh, 32);
                have_prev = true;
            }
            continue;
        }
        bool gap = head->rows > 1 ? seq != prev_seq + 1 : false;
        if (!hash_ok) {
            problem(ck, "audit row %lld has no valid hash: it was added or rewritten behind "
                        "imtreview's back (the hash chain breaks here)", seq);
            broken = true;
        } else if (unhex32((const char *)sqlite3_column_text(q, r->irh), srh) != 0 ||
                   memcmp(srh, rh, 32) != 0) {
            problem(ck, "audit row %lld was changed after it was written: its values do not "
                        "match its hash (the hash chain breaks here)", seq);
            broken = true;
        } else {
            chain_link(have_prev ? prev : NULL, rh, d);
            if (memcmp(d, sh, 32) != 0) {
                broken = true;
                long long from = chain_find_prev(st, rh, sh, seq);
                if (gap && seq - prev_seq == 2)
                    problem(ck, "audit row %lld was removed: row %lld does not follow row %lld "
                                "in the hash chain", prev_seq + 1, seq, prev_seq);
                else if (gap)
                    problem(ck, "audit rows %lld to %lld were removed: row %lld does not follow "
                                "row %lld in the hash chain", prev_seq + 1, seq - 1, seq,
                            prev_seq);
                else if (from > seq)
                    problem(ck, "audit row %lld is out of order: it was written after the row "
                                "now numbered %lld (the audit trail was reordered)", seq, from);
                else if (from == 0 && head->rows > 1)
                    problem(ck, "audit rows up to %lld were inserted behind imtreview's back: "
                                "row %lld was written as the first row", prev_seq, seq);
                else if (from > 0 && from == prev_seq - 1)
                    problem(ck, "audit row %lld was inserted behind imtreview's back: row %lld "
                                "was written right after row %lld", prev_seq, seq, from);
                else if (from > 0 && from < prev_seq)
                    problem(ck, "audit rows %lld to %lld were inserted behind imtreview's "
                                "back: row %lld was written right after row %lld",
                            from + 1, prev_seq, seq, from);
                else if (head->rows == 1)
                    problem(ck, "audit row %lld is not the first row written: the rows before "
                                "it were removed", seq);
                else
                    problem(ck, "audit row %lld does not follow row %lld in the hash chain: "
                                "rows between them were removed, or its hash was rewritten",
                            seq, prev_seq);
            }
        }
        if (!broken && gap)
            problem(ck, "audit rows %lld to %lld are missing (renumbered behind imtreview's "
                        "back)", prev_seq + 1, seq - 1);
        if (hash_ok) {
            memcpy(prev, sh, 32);
            have_prev = true;
        }
        prev_seq = seq;
    }
    rc = rc == SQLITE_DONE ? STORE_OK : db_fail(st, rc, "checking the audit trail");
    head->ok = !broken;
out:
    free(r);
    sqlite3_finalize(q);
    return rc;
}

/* Replay each case's history (its creation snapshot, then every change of
 * a field) and compare the result with the stored values. */
static int check_replay(imt_backend *st, checker *ck)
{
    sbuf b = { 0 };
    sb_add(&b, "SELECT %s FROM cases ORDER BY case_id", st->cols);
    if (b.oom)
        return set_err(st, STORE_ERROR, "out of memory");
    sqlite3_stmt *qc = NULL, *qh = NULL, *qj = NULL;
    int rc = sqlite3_prepare_v2(st->db, b.s, -1, &qc, NULL);
    sb_free(&b);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(st->db, "SELECT seq, field, new_value, snapshot FROM audit "
                                        "WHERE case_id = ?1 ORDER BY seq", -1, &qh, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(st->db, "SELECT key, value FROM json_each(?1)", -1, &qj, NULL);
    if (rc != SQLITE_OK) {
        rc = db_fail(st, rc, "checking the history");
        goto out;
    }
    char *state[IMT_F_COUNT] = { 0 };
    bool known[IMT_F_COUNT];
    int ret = STORE_OK;
    while (ret == STORE_OK && (rc = sqlite3_step(qc)) == SQLITE_ROW) {
        imt_case c;
        if (load_case(qc, 0, &c) != 0) {
            ret = set_err(st, STORE_ERROR, "out of memory");
            break;
        }
        char idb[160];
        const char *id = safe(c.case_id, idb, sizeof idb);
        bool base = false;
        for (int f = 0; f < IMT_F_COUNT; f++) {
            free(state[f]);
            state[f] = NULL;
            known[f] = false;
        }
        sqlite3_bind_text(qh, 1, c.case_id, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(qh)) == SQLITE_ROW) {
            const char *field = (const char *)sqlite3_column_text(qh, 1);
            if (sqlite3_column_type(qh, 3) != SQLITE_NULL) {
                for (int f = 0; f < IMT_F_COUNT; f++) {
                    free(state[f]);
                    state[f] = NULL;
                    known[f] = false;
                }
                base = true;
                sqlite3_bind_value(qj, 1, sqlite3_column_value(qh, 3));
                int jr;
                while ((jr = sqlite3_step(qj)) == SQLITE_ROW) {
                    int f = imt_field_find((const char *)sqlite3_column_text(qj, 0));
                    if (f < 0 || (imt_fields[f].flags & FF_DERIVED))
                        continue;
                    const char *v = (const char *)sqlite3_column_text(qj, 1);
                    free(state[f]);
                    state[f] = v ? strdup(v) : NULL;
                    known[f] = true;
                }
                if (jr != SQLITE_DONE)
                    problem(ck, "audit row %lld: the values case '%s' was created with are "
                                "not readable", (long long)sqlite3_column_int64(qh, 0), id);
                sqlite3_reset(qj);
                continue;
            }
            int f = field ? imt_field_find(field) : -1;
            if (f < 0 || (imt_fields[f].flags & FF_DERIVED) || !base)
                continue;
            const char *v = (const char *)sqlite3_column_text(qh, 2);
            free(state[f]);
            state[f] = v ? strdup(v) : NULL;
            known[f] = true;
        }
        sqlite3_reset(qh);
        if (rc != SQLITE_DONE) {
            imt_case_clear(&c);
            ret = db_fail(st, rc, "checking the history");
            break;
        }
        if (!base) {
            problem(ck, "case '%s' has no record of its creation in the audit trail: its "
                        "history was removed, or it was added behind imtreview's back", id);
        } else {
            for (int f = 0; f < IMT_F_COUNT; f++) {
                if (!known[f])
                    continue;
                char buf[64], b1[160], b2[160];
                const char *cur = audit_text(&c, f, buf, sizeof buf);
                if ((cur == NULL) != (state[f] == NULL) ||
                    (cur && strcmp(cur, state[f]) != 0))
                    problem(ck, "case '%s': %s is %s%s%s but its history says %s%s%s "
                                "(changed behind imtreview's back)", id, imt_fields[f].name,
                            cur ? "'" : "", cur ? safe(cur, b1, sizeof b1) : "unknown",
                            cur ? "'" : "", state[f] ? "'" : "",
                            state[f] ? safe(state[f], b2, sizeof b2) : "unknown",
                            state[f] ? "'" : "");
            }
        }
        imt_case_clear(&c);
    }
    for (int f = 0; f < IMT_F_COUNT; f++)
        free(state[f]);
    if (ret == STORE_OK && rc != SQLITE_DONE)
        ret = db_fail(st, rc, "checking the history");
    rc = ret;
out:
    sqlite3_finalize(qc);
    sqlite3_finalize(qh);
    sqlite3_finalize(qj);
    return rc;
}

static int sq_check_head(imt_backend *st, void (*report)(void *ctx, const char *msg),
                         void *ctx, store_audit_head *head);

static int sq_check(imt_backend *st, void (*report)(void *ctx, const char *msg), void *ctx)
{
    return sq_check_head(st, report, ctx, NULL);
}

static int sq_check_head(imt_backend *st, void (*report)(void *ctx, const char *msg),
                         void *ctx, store_audit_head *head)
{
    checker ck = { report, ctx, 0, 0 };
    store_audit_head hd;
    if (!head)
        head = &hd;
    memset(head, 0, sizeof *head);
    int rc = each_row(st, "PRAGMA integrity_check(100)", integrity_row, &ck);
    if (rc != STORE_OK)
        return rc;
    if (ck.n > 0) {
        /* A damaged file: reading the rows may only add noise or fail. */
        return (int)ck.n;
    }
    if ((rc = each_row(st, "PRAGMA foreign_key_check", fk_row, &ck)) != STORE_OK)
        return rc;

    /* The audit trail's protection. */
    static const char *const trig[] = { "audit_no_update", "audit_no_delete",
                                        "audit_no_replace" };
    for (int i = 0; i < 3; i++) {
        sqlite3_stmt *q;
        rc = sqlite3_prepare_v2(st->db,
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1 "
            "AND tbl_name = 'audit'", -1, &q, NULL);
        if (rc != SQLITE_OK)
            return db_fail(st, rc, "checking");
        sqlite3_bind_text(q, 1, trig[i], -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        const char *sql = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : NULL;
        if (!sql || !strstr(sql, "RAISE(ABORT"))
            problem(&ck, "the audit trail is not protected: trigger %s is %s", trig[i],
                    sql ? "altered" : "missing");
        sqlite3_finalize(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return db_fail(st, rc, "checking");
    }
    rc = each_row(st, "SELECT seq FROM audit WHERE time NOT GLOB "
                      "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'",
                  audit_time_row, &ck);
    if (rc != STORE_OK)
        return rc;
    int v = 0;
    if ((rc = read_user_version(st, &v)) != STORE_OK)
        return rc;
    if (v != STORE_SCHEMA_VERSION)
        problem(&ck, "schema version is %d, expected %d", v, STORE_SCHEMA_VERSION);
    unsigned char key[32];
    if (sq_secret(st, key) != STORE_OK)
        problem(&ck, "%s", st->err);
    memset(key, 0, sizeof key);
    long before = ck.n;
    if ((rc = check_rows(st, &ck)) != STORE_OK)
        return rc;
    if ((rc = check_chain(st, &ck, head)) != STORE_OK)
        return rc;
    if ((rc = check_replay(st, &ck)) != STORE_OK)
        return rc;
    if (ck.held && ck.n == before)
        problem(&ck, "SQLite integrity check: %ld value%s break%s a constraint of the schema",
                ck.held, ck.held == 1 ? "" : "s", ck.held == 1 ? "s" : "");
    if (ck.n > CHECK_REPORT_CAP && report) {
        char msg[128];
        snprintf(msg, sizeof msg, "... and %ld more problems not listed",
                 ck.n - CHECK_REPORT_CAP);
        report(ctx, msg);
    }
    return ck.n > INT32_MAX ? INT32_MAX : (int)ck.n;
}

/* ---- the engine ------------------------------------------------------------ */

static int sq_notify_fd(imt_backend *st)
{
    (void)st;
    return -1;     /* no descriptor: the interface asks sq_data_version */
}

/* ---- backup ---------------------------------------------------------------
 * SQLite's online backup API copies the database page by page from one
 * read transaction: in WAL mode other sessions keep writing meanwhile and
 * the copy is the database as of one moment.  It goes to a temporary file
 * beside the target (mode 0600), is checked (PRAGMA quick_check), synced
 * and renamed into place, so a full disk or a kill never leaves a partial
 * FILE; an existing FILE is never replaced. */
static int fsync_path(const char *path, bool dir)
{
    int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

static int sq_backup(imt_backend *st, const char *dest)
{
    struct stat sb;
    if (lstat(dest, &sb) == 0)
        return set_err(st, STORE_ERROR, "%s exists; a backup never replaces a file "
                       "(remove it, or give a new name)", dest);
    size_t n = strlen(dest);
    char *tmp = malloc(n + 16);
    if (!tmp)
        return set_err(st, STORE_ERROR, "out of memory");
    snprintf(tmp, n + 16, "%s.tmp-XXXXXX", dest);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return set_err(st, STORE_ERROR, "cannot create a file beside %s: %s", dest,
                       strerror(e));
    }
    close(fd);
    sqlite3 *out = NULL;
    int rc = STORE_ERROR;
    int src = sqlite3_open_v2(tmp, &out, SQLITE_OPEN_READWRITE, NULL);
    if (src != SQLITE_OK) {
        set_err(st, STORE_ERROR, "cannot open %s: %s", tmp,
                out ? sqlite3_errmsg(out) : sqlite3_errstr(src));
        goto done;
    }
    sqlite3_backup *bk = sqlite3_backup_init(out, "main", st->db, "main");
    if (!bk) {
        set_err(st, STORE_ERROR, "cannot start the backup: %s", sqlite3_errmsg(out));
        goto done;
    }
    /* One step over every page: one read transaction, nothing to restart
     * when another session commits meanwhile.  Busy (a checkpoint holding
     * a lock for a moment) is retried up to the busy timeout. */
    int waited = 0;
    for (;;) {
        src = sqlite3_backup_step(bk, -1);
        if (src != SQLITE_BUSY && src != SQLITE_LOCKED)
            break;
        if (waited >= st->busy_ms || (st->interrupt && st->interrupt(st->interrupt_ctx)))
            break;
        sqlite3_sleep(20);
        waited += 20;
    }
    int fin = sqlite3_backup_finish(bk);
    if (src != SQLITE_DONE) {
        int code = (src & 0xff) == SQLITE_FULL ? SQLITE_FULL : src;
        set_err(st, STORE_ERROR, "backup failed: %s; no backup written",
                (src == SQLITE_BUSY || src == SQLITE_LOCKED) ? "the database is busy"
                : sqlite3_errstr(code));
        goto done;
    }
    if (fin != SQLITE_OK) {
        set_err(st, STORE_ERROR, "backup failed: %s; no backup written", sqlite3_errmsg(out));
        goto done;
    }
    /* One self-contained file (no -wal beside it); a session that opens
     * it again turns WAL back on. */
    sqlite3_exec(out, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
    sqlite3_stmt *q = NULL;
    bool ok = sqlite3_prepare_v2(out, "PRAGMA quick_check", -1, &q, NULL) == SQLITE_OK &&
              sqlite3_step(q) == SQLITE_ROW &&
              strcmp((const char *)sqlite3_column_text(q, 0), "ok") == 0;
    sqlite3_finalize(q);
    if (!ok) {
        set_err(st, STORE_ERROR, "the copy does not pass quick_check; no backup written");
        goto done;
    }
    if (sqlite3_close(out) != SQLITE_OK) {
        set_err(st, STORE_ERROR, "cannot close the copy: %s; no backup written",
                sqlite3_errmsg(out));
        goto done;
    }
    out = NULL;
    if (st->interrupt && st->interrupt(st->interrupt_ctx)) {
        set_err(st, STORE_INTERRUPTED, "interrupted; no backup written");
        goto done;
    }
    if (fsync_path(tmp, false) != 0 || link(tmp, dest) != 0) {
        /* link, not rename: a FILE made meanwhile by someone else is
         * never replaced either. */
        set_err(st, STORE_ERROR, "cannot write %s: %s; no backup written", dest,
                strerror(errno));
        goto done;
    }
    {
        char *dir = strdup(dest);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (dir) {
            if (slash)
                slash[slash == dir ? 1 : 0] = '\0';
            fsync_path(slash ? dir : ".", true);
            free(dir);
        }
    }
    rc = STORE_OK;
done:
    if (out)
        sqlite3_close(out);
    sq_remove_files(tmp);
    free(tmp);
    return rc;
}

const imt_store_ops imt_sqlite_ops = {
    .name = "SQLite",
    .open = sq_open,
    .close = sq_close,
    .remove_files = sq_remove_files,
    .errmsg = sq_errmsg,
    .is_readonly = sq_is_readonly,
    .schema_version = sq_schema_version,
    .set_busy_timeout = sq_set_busy_timeout,
    .set_interrupt = sq_set_interrupt,
    .set_progress = sq_set_progress,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .data_version = sq_data_version,
    .notify_fd = sq_notify_fd,
    .get = sq_get,
    .exists = sq_exists,
    .insert = sq_insert,
    .update = sq_update,
    .update_fields = sq_update_fields,
    .set_review = sq_set_review,
    .count = sq_count,
    .passes = sq_passes,
    .rank = sq_rank,
    .page = sq_page,
    .foreach = sq_foreach,
    .foreach_by_key = sq_foreach_by_key,
    .audit_foreach = sq_audit_foreach,
    .secret = sq_secret,
    .check = sq_check,
    .check_head = sq_check_head,
    .backup = sq_backup,
    .damage = sq_damage,
};
