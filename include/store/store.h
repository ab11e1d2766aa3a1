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
#include "core/review.h"
#include "core/rules.h"
#include "core/events.h"
#include "core/followup.h"

typedef struct imt_store imt_store;

/* Return codes. */
enum {
    STORE_OK = 0,
    STORE_NOTFOUND = 1,   /* no such case                                */
    STORE_EXISTS = 2,     /* insert of a case_id that exists             */
    STORE_ERROR = -1,     /* database error; store_errmsg() says which   */
    STORE_BUSY = -2,      /* locked by another user past the timeout     */
    STORE_READONLY = -3,  /* opened read-only: edits refused             */
    STORE_INTERRUPTED = -4, /* stopped by store_set_interrupt's callback:
                              the write was rolled back                 */
    STORE_CONFLICT = 3,   /* the case changed since the version or the
                             value the caller read (store_edit); nothing
                             written, store_errmsg() says who and when  */
    STORE_REFUSED = 4     /* the workflow forbids it: the case is signed
                             out, a recommendation is undecided, the rule
                             does not fire, a reason is missing; nothing
                             written, store_errmsg() says why            */
};

/* store_open flags.  READONLY: edits are refused.  MUST_EXIST: a missing
 * database is refused rather than created (an SQLite file; the
 * imtreview schema in a PostgreSQL database).  MAKE_DIRS: an SQLite
 * file's missing directories are made too (the default location only). */
enum { STORE_OPEN_READONLY = 1, STORE_OPEN_MUST_EXIST = 2, STORE_OPEN_MAKE_DIRS = 4 };

/* Sortable list columns (ui.md case list). */
typedef enum {
    SORT_CASE_ID, SORT_AGE, SORT_SEX, SORT_SITE, SORT_SIZE, SORT_ALK,
    SORT_SURGERY, SORT_OUTCOME, SORT_FOLLOWUP, SORT_REVIEW,
    SORT_NEXT_DUE,        /* the follow-up worklist: next due date, none last */
    SORT_NKEYS
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
/* Why the store is read-only, in words for a message ("it was opened
 * read-only (--readonly)", "the file system that holds it is full",
 * ...); NULL when it is writable. */
const char *store_readonly_why(const imt_store *st);
int  store_schema_version(const imt_store *st);
/* The busy timeout (default 5000 ms): how long a write waits for another
 * user's lock before STORE_BUSY ("the database is busy ... nothing was
 * changed").  Tests shorten it. */
void store_set_busy_timeout(imt_store *st, int ms);

/* How much memory the engine may keep as a cache of the database (KiB;
 * SQLite's default here is 8 MB, for imports and walks).  The interface
 * asks for less: a session that pages through a million cases, searches
 * and reads them all for the statistics must not hold more than one over
 * a thousand.  Engines without such a cache ignore it. */
void store_set_cache(imt_store *st, int kib);

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

/* Set the review state: store_review with no reason. */
int store_set_review(imt_store *st, const char *case_id, int status,
                     const char *comment, const char *ruleset);

/* ---- review: versions, edits, sign-out, decisions (issue 10) -------------
 *
 * Every case has a version (imt_case.version): 1 when it is created, one
 * more with every saved change (an edit, an import --update, a review, a
 * decision).  A signed-out case is locked: every change but leaving
 * signed_out with a reason is refused (STORE_REFUSED, naming who signed it
 * out and when); its course (dated events: follow-up goes on after
 * sign-out) can still be recorded.  The store keeps each case's decision
 * state (imt_case.decision_state, core/review.h) on every write (course
 * edits included), and brings it up to today at the first writable open
 * of a day (FU-OVERDUE fires on a date), so the --decision filter is an
 * index seek. */

/* The full name recorded with a signature (from the password database;
 * NULL = none).  The login name is store_open's user. */
void store_set_full_name(imt_store *st, const char *full_name);

/* An edit of some fields of one case (case_id names it), in one
 * transaction that reads the stored case again:
 *   - fields[0..nf-1] are taken from values; every other field keeps
 *     its stored value (someone else's change to another field merges);
 *   - expect_version > 0: refused (STORE_CONFLICT) when the case's version
 *     is another, naming the version, who changed it last and when;
 *   - base (the case as the caller read it) not NULL: a field whose stored
 *     value is neither base's nor the new one was changed by someone else
 *     since: refused (STORE_CONFLICT, conflict_field says which), unless
 *     the field is in overwrite[] (applied on purpose, audited with source
 *     "overwrite" and whose value it replaced);
 *   - the same cross-field checks as store_update_fields;
 *   - refused (STORE_REFUSED) on a signed-out case, or for case_id, a
 *     derived field or a review field (store_review sets those).
 * Each changed field is audited with source ("edit" when NULL). */
typedef struct {
    const imt_case *values;
    const int *fields;
    int nf;
    const imt_case *base;
    long long expect_version;
    const int *overwrite;
    int noverwrite;
    const char *source;
} store_edit_req;

typedef struct {
    int nchanged;
    int changed[IMT_F_COUNT];  /* the fields changed, in field order      */
    imt_case before;           /* the case as stored before the call     */
    imt_case after;            /* as stored after it (before, if refused) */
    int conflict_field;        /* STORE_CONFLICT on a field: it; else -1  */
    char last_user[80];        /* who made the case's last change before */
    char last_time[32];        /* the call, and when ("" if no record)   */
    char field_user[80];       /* conflict_field: who changed it last    */
    char field_time[32];       /* and when                               */
} store_edit_result;

int store_edit(imt_store *st, const char *case_id, const store_edit_req *rq,
               store_edit_result *res);
/* Free what a store_edit result holds (safe on a zeroed one). */
void store_edit_result_clear(store_edit_result *res);

/* Set the review state of a case, audited with the comment and the
 * rule-set version:
 *   in_review   records who took the case (reviewer = the login name) and
 *               when (reviewed_at, UTC);
 *   signed_out  is a signature: refused while a recommendation that needs
 *               a decision has none or a stale one (the message lists the
 *               rule ids); records login, full name, UTC time, comment;
 *               the case is locked from then on;
 *   unreviewed  clears reviewer and time.
 * Leaving signed_out needs a reason (audited with source "re-open"; the
 * earlier signature stays in the audit trail); signing out a signed-out
 * case again is refused.  The latest non-empty comment (or reason) is kept
 * as the case's review_comment. */
typedef struct {
    const char *case_id;
    int status;                /* REV_*                                    */
    const char *comment;       /* NULL = none                              */
    const char *reason;        /* needed to leave signed_out               */
    const char *ruleset;       /* the rule-set version the reviewer saw   */
} store_review_req;

typedef struct {
    int previous;              /* the state before                        */
    long long version;         /* the case's version after               */
    char time[32];             /* when (UTC)                              */
    char reviewer[80];         /* login now recorded ("" for unreviewed) */
    char full_name[160];       /* signed_out: the full name, or ""        */
} store_review_result;

int store_review(imt_store *st, const store_review_req *rq, store_review_result *res);

/* A decision on a recommendation of the case as it is now (with its course:
 * rules_evaluate_course, today's date, the default configuration; the
 * mitoses cut-off, the one setting, changes an info-level rule only, and
 * info needs no decision): accept, or
 * override with a reason (OVR_*; other needs a comment).  Refused
 * (STORE_REFUSED) when the rule does not fire for the case now, is
 * info-level, or the case is signed out.  Stored with the rule id, the
 * rule-set version, the facts that fired it, the login name and the UTC
 * time, and audited (field "decision"). */
typedef struct {
    const char *case_id;
    const char *rule_id;
    int decision;              /* DECISION_ACCEPT / DECISION_OVERRIDE      */
    int reason;                /* OVR_*, -1 for accept                  */
    const char *comment;
} store_decide_req;

typedef struct {
    long long version;         /* the case's version after                */
    char time[32];
    char user[80];             /* who decided (the audit's user)          */
    char ruleset[64];
    int nfacts;
    char facts[RULES_MAX_FACTS][RULES_FACT_LEN];   /* fired_by */
} store_decide_result;

int store_decide(imt_store *st, const store_decide_req *rq, store_decide_result *res);

/* The latest decision per rule on a case, with whether it is stale and
 * whether its rule fires now.  *out is malloc'd (store_decisions_free). */
typedef struct {
    char rule_id[40];
    int decision;              /* DECISION_*                               */
    int reason;                /* OVR_*, -1 none                        */
    char *comment;             /* NULL = none                              */
    char user[80];
    char time[32];
    char ruleset[64];
    int nfacts;
    char **facts;              /* fired_by when it was made               */
    bool fires;                /* the rule fires for the case now         */
    bool stale;                /* rule set or facts changed since          */
    char why[200];             /* stale: what changed                      */
} store_decision;

int store_decisions(imt_store *st, const char *case_id, store_decision **out, int *n);
void store_decisions_free(store_decision *d, int n);

/* Changes by anyone since *mark (an opaque position in the audit trail;
 * 0 = "from now": *mark is set and *ncases is 0): *ncases gets the number
 * of distinct cases changed, counting at most cap audit rows (*more set
 * when there were more), and *mark moves to the newest row.  The
 * interface's live view says "N cases changed" with it. */
int store_changes_since(imt_store *st, long long *mark, long cap, long *ncases, bool *more);

/* Counting. */
long store_count(imt_store *st, const imt_filter *f);     /* -1 on error */
bool store_passes(imt_store *st, const imt_filter *f, const char *case_id);
/* How many filtered cases come before case_id in the given order
 * (its 0-based row number); -1 on error or when it does not pass. */
long store_rank(imt_store *st, const imt_filter *f, imt_sort s,
                const char *case_id);

/* The same rank counted in slices, so that the interface never waits
 * for it (at a million cases a rank deep in an order steps through
 * hundreds of thousands of index entries): open, then step (at most max
 * entries each) until it returns 0 with *rank set (-1 when the case does
 * not pass the filter); 1 means more to do, negative a STORE_ error.
 * The count is of one snapshot of the data.  NULL: out of memory or a
 * database error. */
typedef struct store_ranker store_ranker;
store_ranker *store_ranker_open(imt_store *st, const imt_filter *f, imt_sort s,
                                const char *case_id);
int  store_ranker_step(store_ranker *r, long max, long *rank);
void store_ranker_close(store_ranker *r);

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

/* A walk in slices: every filtered case once, in no particular order,
 * reading only fields[0..nf-1] (the other fields of the record handed to
 * cb are unknown / NULL), so statistics over a million cases read a few
 * columns, not all of them.  With course, cb also gets each case's
 * course (its events, oldest first, as store_foreach_course gives it: a
 * case without events gets an empty course); when the database holds
 * events at all, every field is then read (the course's derivations may
 * use any).  Without course cb gets NULL.  Each store_walk_step visits
 * at most max cases and returns, so the interface can answer keys
 * between slices; store_walk_close at any time gives up.  A walk reads
 * one snapshot of the data (changes others commit meanwhile are not
 * seen).  Engines without a walk of their own get one built on
 * store_page (every field is then read).  open returns NULL when out of
 * memory or on a database error (store_errmsg). */
typedef struct store_walk store_walk;
store_walk *store_walk_open(imt_store *st, const imt_filter *f, const int *fields, int nf,
                            bool course);
/* 1: more cases remain; 0: done; cb's non-zero value (the walk stops
 * there); or a negative STORE_ code. */
int  store_walk_step(store_walk *w, long max,
                     int (*cb)(void *ctx, const imt_case *c, const imt_course *co), void *ctx);
long store_walk_seen(const store_walk *w);       /* cases visited so far */
void store_walk_close(store_walk *w);

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
    const char *rule_id;   /* decisions: the rule, else NULL */
    const char *fired_by;  /* decisions: the facts that fired it (JSON array) */
    const char *full_name; /* sign-outs: the signer's full name, or NULL */
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

/* ---- the course (issue 14) ---------------------------------------------
 * Every change of a course is audited (field "event", the event as a
 * JSON object in old and new value) and brings the case's next_due up to
 * date.  An engine without these operations refuses them with
 * STORE_ERROR ("... is not supported by the ... engine yet"). */

/* The events of a case, oldest first (core/events.h course_sort).  out is
 * initialised by the call (free with course_clear). */
int store_events_get(imt_store *st, const char *case_id, imt_course *out);

/* Add, change or remove one event, as a bulk import does: no check of
 * the whole course (the caller checks it at the end, in its
 * transaction), next_due not recomputed (store_course_refresh).  add sets
 * e->id.  STORE_NOTFOUND: no such case or event. */
int store_event_add(imt_store *st, const char *case_id, imt_event *e, const char *source);
int store_event_remove(imt_store *st, const char *case_id, long long id,
                       const char *source);
/* next_due of the case from its case row and course, written when it
 * changed. */
int store_course_refresh(imt_store *st, const char *case_id);

/* ---- importing a course file (import --events) ---------------------------
 * The events of a file go into a staging area of the store as they are
 * read (SQLite: a temporary table, on disk, not in memory), then come back
 * one case at a time, in the order each case first appears in the file
 * and each case's events in file order: an import holds one course in
 * memory, never the file.  A staging area also works on a read-only store
 * (a dry run). */
typedef struct store_evstage store_evstage;

/* A new, empty staging area; NULL when it cannot be made (store_errmsg). */
store_evstage *store_evstage_open(imt_store *st);
/* Stage event e, read at line `line` of the file (lines ascending).
 * STORE_NOTFOUND: no case e->case_id in the database (nothing staged). */
int store_evstage_add(store_evstage *g, const imt_event *e, long line);
/* The next case: as stored (c), its stored course oldest first (stored),
 * its staged events in file order with id = -line (staged), and the line
 * it first appeared on.  STORE_OK, STORE_NOTFOUND after the last case, or
 * an error; c, stored and staged are initialised by the call (free them). */
int store_evstage_next(store_evstage *g, imt_case *c, imt_course *stored,
                       imt_course *staged, long *first_line);
void store_evstage_close(store_evstage *g);

/* One case's imported course in one step, inside the caller's
 * transaction: with replace every event of stored removed, then the
 * events of add inserted (their ids set), each audited with its values;
 * the case gets one new version per event added or removed (as that many
 * single edits would give it) and its next_due and decision state from the
 * course that results.  c and stored as store_evstage_next gave them. */
int store_course_import(imt_store *st, const imt_case *c, const imt_course *stored,
                        bool replace, imt_course *add, const char *source);

/* An edit of the course (the interface's form): in one transaction the
 * case and its events are read again, the change applied, and refused -
 * nothing written, the reason in store_errmsg - when the course then
 * breaks a check it did not break before (course_validate_new); else
 * written, audited, next_due updated.  op: COURSE_ADD (id ignored; the
 * new id in *id_out), COURSE_UPDATE, COURSE_REMOVE (e ignored). */
enum { COURSE_ADD, COURSE_UPDATE, COURSE_REMOVE };
int store_course_edit(imt_store *st, const char *case_id, int op, long long id,
                      const imt_event *e, const char *source, long long *id_out);

/* Every filtered case in case_id order with its course (oldest first):
 * the statistics, export --events, the cBioPortal export.  Streams: one
 * case and its events at a time.  Returns as store_foreach. */
int store_foreach_course(imt_store *st, const imt_filter *f,
                         int (*cb)(void *ctx, const imt_case *c, const imt_course *co),
                         void *ctx);

/* The follow-up schedule next_due is computed with (default: the built-in
 * one).  When the database's next_due values were computed with another
 * schedule, a writable store computes them all again now (one transaction;
 * "next_due of N cases recomputed ..." in note) and a read-only one says
 * in note that they are stale.  note may be NULL.  STORE_OK, or an error
 * (the values are then left as they were). */
int store_set_schedule(imt_store *st, const fu_schedule *s, char *note, size_t n);

/* store_check that also gives the chain's head (head may be NULL). */
int store_check_head(imt_store *st, void (*report)(void *ctx, const char *msg),
                     void *ctx, store_audit_head *head);

#endif
