/* store/store.h - the case store, in the application's own words.  Every
 * SQL statement of the program lives behind this interface, in one of its
 * engines (store/backend.h): SQLite (src/store/sqlite/), the embedded
 * default, or PostgreSQL (src/store/pg/).  Nothing outside src/store/
 * depends on either.
 *
 * Reading is paged (keyset pagination on the sort key and case_id):
 * memory never grows with the number of cases. */
#ifndef IMT_STORE_H
#define IMT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include "core/imtcase.h"
#include "core/filter.h"

typedef struct imt_store imt_store;

/* Return codes. */
enum {
    STORE_OK = 0,
    STORE_NOTFOUND = 1,   /* no such case                                */
    STORE_EXISTS = 2,     /* insert of a case_id that exists             */
    STORE_ERROR = -1,     /* database error; store_errmsg() says which   */
    STORE_BUSY = -2,      /* locked by another user past the timeout     */
    STORE_READONLY = -3,  /* opened read-only: edits refused             */
    STORE_INTERRUPTED = -4 /* stopped by store_set_interrupt's callback:
                              the write was rolled back                 */
};

/* store_open flags.  READONLY: edits are refused.  MUST_EXIST: a missing
 * database is refused rather than created (an SQLite file; the
 * imtreview schema in a PostgreSQL database).  MAKE_DIRS: an SQLite
 * file's missing directories are made too (the default location only). */
enum { STORE_OPEN_READONLY = 1, STORE_OPEN_MUST_EXIST = 2, STORE_OPEN_MAKE_DIRS = 4 };

/* Sortable list columns (ui.md case list). */
typedef enum {
    SORT_CASE_ID, SORT_AGE, SORT_SEX, SORT_SITE, SORT_SIZE, SORT_ALK,
    SORT_SURGERY, SORT_OUTCOME, SORT_FOLLOWUP, SORT_REVIEW, SORT_NKEYS
} imt_sort_key;

typedef struct {
    imt_sort_key key;
    bool desc;
} imt_sort;

const char *store_sort_name(imt_sort_key k);   /* "case_id", "age", ... */

/* The engine a database locator names: a path is an SQLite file; a
 * postgresql:// or postgres:// URI, or a libpq connection string
 * ("service=NAME", "host=H dbname=D"), is PostgreSQL. */
typedef enum { STORE_ENGINE_SQLITE, STORE_ENGINE_PG } store_engine_kind;
store_engine_kind store_locator_engine(const char *locator);

/* Open the database the locator names.  SQLite: a file (created with
 * mode 0600 when missing, unless STORE_OPEN_MUST_EXIST; an existing file
 * keeps its mode), WAL and a busy timeout.  PostgreSQL: a connection
 * (libpq: URI, connection string, service file, ~/.pgpass, PG*
 * variables), the imtreview schema created when missing (unless
 * STORE_OPEN_MUST_EXIST).
 * Either way the schema is created or migrated in one transaction by one
 * process; a newer schema is refused.  user is the login name written to
 * the audit trail (PostgreSQL records the database role instead).  On
 * failure returns NULL and writes a message to err (never a password). */
imt_store *store_open(const char *locator, unsigned flags, const char *user,
                      char *err, size_t errn);
void store_close(imt_store *st);
/* The engine's name ("SQLite", "PostgreSQL") for the status line and
 * `check`. */
const char *store_engine(const imt_store *st);
/* Is there a database at the locator?  STORE_OK, STORE_NOTFOUND (no such
 * file; a PostgreSQL database without the imtreview schema), or
 * STORE_ERROR with the reason in err (the server cannot be reached). */
int store_probe(const char *locator, char *err, size_t errn);
/* The locator as it may be shown in a message or on screen: a password
 * in a URI or a connection string is replaced by ***. */
const char *store_locator_shown(const char *locator, char *out, size_t n);
/* Whether this open created the database. */
bool store_created(const imt_store *st);
/* A stable name of the database for remembering things about it (the
 * interface's place): an SQLite file's real path; a PostgreSQL server's
 * host, port and database.  STORE_OK or STORE_ERROR. */
int store_identity(imt_store *st, char *out, size_t n);
/* A short name for the status line: the file's name; dbname@host. */
int store_display_name(imt_store *st, char *out, size_t n);
/* The administration script of an engine (PostgreSQL: the roles and the
 * schema, `imtreview pg-roles`); malloc'ed, or NULL when it has none. */
char *store_admin_script(store_engine_kind k);
/* Remove a database this run created and must not leave behind (a
 * refused first import): an SQLite file and the files beside it (-wal,
 * -shm, -journal); PostgreSQL: the imtreview schema's objects, only
 * while they hold no case and no audit row.  Closed first by the
 * caller. */
void store_remove_files(const char *locator);

const char *store_errmsg(const imt_store *st);
bool store_is_readonly(const imt_store *st);
int  store_schema_version(const imt_store *st);
/* The busy timeout (default 5000 ms): how long a write waits for another
 * user's lock before STORE_BUSY ("the database is busy ... nothing was
 * changed").  Tests shorten it. */
void store_set_busy_timeout(imt_store *st, int ms);

/* cb(ctx) says whether the user has asked the program to stop (a signal).
 * It is consulted while waiting for a lock, every few thousand steps of a
 * statement and just before a commit; when it returns non-zero the
 * statement stops, the transaction is rolled back and the call returns
 * STORE_INTERRUPTED.  Once a commit has begun it completes: a write is
 * either committed or rolled back, and the caller knows which.  NULL
 * removes it.  cb must be async-signal-safe in spirit: read a flag. */
void store_set_interrupt(imt_store *st, int (*cb)(void *ctx), void *ctx);

/* cb(ctx) is called every few thousand steps of a long query (NULL
 * removes it); it must not use the store and returns 0.  The interface
 * uses it to say it is working when a count or a sort takes long. */
void store_set_progress(imt_store *st, int (*cb)(void *ctx), void *ctx);

/* Transactions: everything between begin and commit is one unit.  The
 * edit calls below open their own transaction when none is active. */
int store_begin(imt_store *st);
int store_commit(imt_store *st);
int store_rollback(imt_store *st);

/* Change notification: *v changes whenever another connection (another
 * process or session) has committed a change since it was last read;
 * this connection's own changes leave it alone.  Cheap (no table is
 * read): the interface asks once a second while it waits for a key. */
int store_data_version(imt_store *st, long long *v);
/* A descriptor that becomes readable when another session may have
 * changed the data (then ask store_data_version), or -1 when the engine
 * has none and store_data_version must be asked now and then. */
int store_notify_fd(imt_store *st);

/* One case by id.  out is initialised by the call (free with
 * imt_case_clear). */
int store_get(imt_store *st, const char *case_id, imt_case *out);
bool store_exists(imt_store *st, const char *case_id);

/* Insert a new case (derived fields are computed here).  Audited as one
 * "created" entry; source says where it came from (e.g. "import x.csv"). */
int store_insert(imt_store *st, imt_case *c, const char *source);

/* Replace the stored fields of c->case_id with c's: each changed field is
 * updated and audited (old and new value).  *nchanged receives the count
 * (0 = unchanged).  Review fields are compared too. */
int store_update(imt_store *st, imt_case *c, const char *source, int *nchanged);

/* An edit of some fields: in one transaction the stored case is read
 * again, only fields[0..nf-1] are taken from c, and the result is written
 * and audited as store_update does.  Fields changed meanwhile by someone
 * else are kept (an edit never writes back a stale copy).  Refused, with
 * nothing written, when the result breaks a cross-field rule the stored
 * case did not break. */
int store_update_fields(imt_store *st, const imt_case *c, const int *fields, int nf,
                        const char *source, int *nchanged);

/* Set the review state (signed_out records reviewer = user and the UTC
 * time; other states clear them).  Audited with the comment and the
 * rule-set version. */
int store_set_review(imt_store *st, const char *case_id, int status,
                     const char *comment, const char *ruleset);

/* Counting. */
long store_count(imt_store *st, const imt_filter *f);     /* -1 on error */
bool store_passes(imt_store *st, const imt_filter *f, const char *case_id);
/* How many filtered cases come before case_id in the given order
 * (its 0-based row number); -1 on error or when it does not pass. */
long store_rank(imt_store *st, const imt_filter *f, imt_sort s,
                const char *case_id);

/* Paging.  Fetch up to n filtered cases in the given order:
 *   dir = +1: the cases after anchor (anchor NULL: from the first);
 *   dir =  0: starting at anchor itself, then the cases after it;
 *   dir = -1: the n cases before anchor (anchor NULL: the last n),
 * always returned in display order.  out[] gets initialised records (free
 * each with imt_case_clear).  The anchor need not pass the filter.
 * Returns the number fetched, or a negative STORE_ code. */
int store_page(imt_store *st, const imt_filter *f, imt_sort s,
               const char *anchor, int dir, int n, imt_case *out);

/* Visit every filtered case in order, one at a time (export, stats).
 * The callback returns 0 to go on, non-zero to stop (that value is
 * returned).  Returns 0, the callback's value, or a negative STORE_ code. */
int store_foreach(imt_store *st, const imt_filter *f, imt_sort s,
                  int (*cb)(void *ctx, const imt_case *c), void *ctx);

/* Visit every filtered case ordered by a key computed from the case by
 * key(kctx, c, out, n) (at most n-1 bytes, NUL-terminated), then by
 * case_id; e.g. export --deidentify orders by pseudonym.  The sorting is
 * the database's (it spills to a temporary file), so memory does not grow
 * with the number of cases.  Returns as store_foreach. */
int store_foreach_by_key(imt_store *st, const imt_filter *f,
                         void (*key)(void *kctx, const imt_case *c, char *out, size_t n),
                         void *kctx, int (*cb)(void *ctx, const imt_case *c), void *ctx);

/* The audit trail, oldest first; case_id NULL = all cases. */
typedef struct {
    long long   seq;
    const char *time;      /* YYYY-MM-DDTHH:MM:SSZ */
    const char *user;
    const char *case_id;
    const char *field;     /* column name, or "*" for create, "review" */
    const char *old_value; /* NULL = unknown/none */
    const char *new_value;
    const char *source;    /* "import FILE", "review", "edit", ... */
    const char *comment;   /* review comment, or NULL */
    const char *ruleset;   /* rule-set version for reviews, or NULL */
} imt_audit;

int store_audit_foreach(imt_store *st, const char *case_id,
                        int (*cb)(void *ctx, const imt_audit *a), void *ctx);

/* A random 32-byte key made when the database is created and kept in it,
 * so `export --deidentify` gives the same pseudonym for a case every time
 * without the pseudonym being guessable from the (low-entropy) case id. */
int store_secret(imt_store *st, unsigned char key[32]);

/* `imtreview copy --to`: every case and audit row of from (times, users
 * and hashes as they are), and its key, into to, which must hold no
 * rows: in one transaction of to.  Then both sides are read again and
 * compared (rows of each table and a SHA-256 digest of their contents).
 * say(ctx, line) is told what is copied and what the comparison found.
 * STORE_OK when both sides are the same, else a STORE_ code with the
 * reason in err. */
typedef struct {
    const char *table;
    long long rows;
    char digest[65];
} store_table_sum;
int store_copy(imt_store *from, imt_store *to,
               void (*say)(void *ctx, const char *line), void *ctx,
               char *err, size_t errn);
/* The tables `copy` moves and compares, their rows and digest, in order;
 * returns how many (at most max), or a negative STORE_ code. */
int store_summary(imt_store *st, store_table_sum *out, int max);

/* SQLite's integrity check plus the store's own checks (derived fields
 * match, values within the dictionary, audit triggers present, the
 * audit hash chain recomputed row by row, and each case's history
 * replayed against its stored values).  Each
 * problem is passed to report; returns the number of problems, or a
 * negative STORE_ code. */
int store_check(imt_store *st, void (*report)(void *ctx, const char *msg),
                void *ctx);

/* The audit trail's hash chain as store_check found it: rows, the last
 * row's seq and stored hash (64 hex digits; "" when it has none), and
 * whether every row fitted the chain.  A site records the head elsewhere
 * (check --json): any change before it, made by whatever means, changes
 * the chain so that check names the first row that no longer fits. */
typedef struct {
    long long rows;
    long long seq;
    char hash[65];
    bool ok;
} store_audit_head;

/* NULL, or what damage the engine found in the database file: at the
 * first write-open of a small file (SQLite's quick_check) or on any read
 * that met a corrupt page.  The store is read-only from then on
 * (store_is_readonly), and writes are refused naming the damage. */
const char *store_damage(const imt_store *st);

/* A consistent copy of the whole database into dest, a file that must
 * not exist yet, while other sessions go on writing (SQLite's online
 * backup API; the copy is checked, synced and renamed into place, so no
 * partial dest is ever left).  STORE_OK, or STORE_ERROR /
 * STORE_INTERRUPTED with the reason in err. */
int store_backup(imt_store *st, const char *dest, char *err, size_t errn);

/* store_check that also gives the chain's head (head may be NULL). */
int store_check_head(imt_store *st, void (*report)(void *ctx, const char *msg),
                     void *ctx, store_audit_head *head);

#endif
