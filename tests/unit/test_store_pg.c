/* Unit tests of the PostgreSQL engine's own guarantees (src/store/pg/),
 * in the throwaway cluster of tests/tools/with-pg.sh; the behaviour both
 * engines share is tested by test_store.c on each.  A raw libpq
 * connection as the cluster's superuser looks under the store: the
 * schema and its triggers, the roles of the role script, the audit
 * tampered with behind the triggers' back, locks held by another
 * session, a backend terminated under an open store.
 *
 * Expected hashes are recomputed here from the stored values by the
 * format store/chain.h documents (libmd's SHA-256), not by the store. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sha256.h>
#include <sqlite3.h>

#include "core/filter.h"
#include "core/imtcase.h"
#include "store/store.h"
#include "pgtest.h"

typedef struct {
    char name[64];
    char loc[160];
    PGconn *raw;
    imt_store *st;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f || pgt_create(f->name, sizeof f->name, f->loc, sizeof f->loc) != 0)
        return -1;
    if (!(f->raw = pgt_connect(f->name)))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    if (f->st)
        store_close(f->st);
    PQfinish(f->raw);
    pgt_drop(f->name);
    free(f);
    return 0;
}

static imt_store *open_loc(const char *loc, unsigned flags)
{
    char err[600];
    imt_store *st = store_open(loc, flags, "tester", err, sizeof err);
    if (!st)
        fail_msg("store_open %s: %s", loc, err);
    return st;
}

static void raw_ok(PGconn *c, const char *sql)
{
    char msg[600];
    if (pgt_try(c, sql, msg, sizeof msg) != 0)
        fail_msg("[%s]: %s", sql, msg);
}

/* sql must fail; its message must hold want. */
static void raw_refused(PGconn *c, const char *sql, const char *want)
{
    char msg[600];
    if (pgt_try(c, sql, msg, sizeof msg) == 0)
        fail_msg("[%s] was not refused", sql);
    if (!strstr(msg, want))
        fail_msg("[%s]: [%s] lacks [%s]", sql, msg, want);
}

static void insert_case(imt_store *st, const char *id, const char *site, const char *notes)
{
    imt_case c;
    imt_case_init(&c);
    char err[200];
    assert_int_equal(imt_field_parse(&c, IMT_F_case_id, id, err, sizeof err), 0);
    assert_int_equal(imt_field_parse(&c, IMT_F_site, site, err, sizeof err), 0);
    if (notes)
        assert_int_equal(imt_field_parse(&c, IMT_F_notes, notes, err, sizeof err), 0);
    int rc = store_insert(st, &c, "test");
    if (rc != STORE_OK)
        fail_msg("insert %s: %d %s", id, rc, store_errmsg(st));
    imt_case_clear(&c);
}

typedef struct {
    char msgs[32][600];
    int n;
} report_list;

static void report_cb(void *ctx, const char *msg)
{
    report_list *l = ctx;
    if (l->n < 32)
        snprintf(l->msgs[l->n], sizeof l->msgs[0], "%s", msg);
    l->n++;
}

/* check finds exactly problems that hold each of want[] (and no other). */
static void expect_problems(imt_store *st, int n, ...)
{
    report_list l = { 0 };
    int rc = store_check(st, report_cb, &l);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        const char *want = va_arg(ap, const char *);
        bool found = false;
        for (int k = 0; k < l.n && k < 32; k++)
            found = found || strstr(l.msgs[k], want);
        if (!found) {
            for (int k = 0; k < l.n && k < 32; k++)
                fprintf(stderr, "  problem: %s\n", l.msgs[k]);
            fail_msg("check did not say [%s]", want);
        }
    }
    va_end(ap);
    if (rc != n) {
        for (int k = 0; k < l.n && k < 32; k++)
            fprintf(stderr, "  problem: %s\n", l.msgs[k]);
        fail_msg("check found %d problems, expected %d", rc, n);
    }
}

/* ---- the schema ---------------------------------------------------------------- */

static void test_schema_created_once_and_newer_refused(void **state)
{
    fx *f = *state;
    /* Four processes open the new database at once: one creates the
     * schema, the others wait for it and find it made. */
    pid_t kids[4];
    for (int i = 0; i < 4; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            char err[600];
            imt_store *st = store_open(f->loc, 0, "tester", err, sizeof err);
            if (!st) {
                fprintf(stderr, "child: %s\n", err);
                _exit(1);
            }
            store_close(st);
            _exit(0);
        }
    }
    for (int i = 0; i < 4; i++) {
        int ws;
        assert_int_equal(waitpid(kids[i], &ws, 0), kids[i]);
        assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    }
    assert_int_equal(pgt_int(f->raw, "SELECT count(*) FROM imtreview.meta WHERE key = "
                                     "'schema_version' AND value = '4'"), 1);
    assert_int_equal(pgt_int(f->raw, "SELECT count(*) FROM imtreview.audit_head"), 1);
    assert_int_equal(pgt_int(f->raw, "SELECT count(*) FROM pg_trigger WHERE tgrelid = "
                                     "'imtreview.audit'::regclass AND tgname IN ('audit_no_update', "
                                     "'audit_no_delete', 'audit_no_truncate')"), 3);
    char key[80];
    pgt_text(f->raw, "SELECT value FROM imtreview.meta WHERE key = 'secret'", key, sizeof key);
    assert_int_equal(strlen(key), 64);
    f->st = open_loc(f->loc, 0);
    assert_int_equal(store_schema_version(f->st), 4);
    assert_string_equal(store_engine(f->st), "PostgreSQL");
    assert_false(store_created(f->st));
    store_close(f->st);
    f->st = NULL;

    /* A newer schema is refused, naming its version, and left alone. */
    raw_ok(f->raw, "UPDATE imtreview.meta SET value = '99' WHERE key = 'schema_version'");
    char err[600];
    assert_null(store_open(f->loc, 0, "tester", err, sizeof err));
    assert_string_equal(err, "database schema version 99 is newer than this imtreview (4); "
                             "upgrade imtreview");
    assert_null(store_open(f->loc, STORE_OPEN_READONLY, "tester", err, sizeof err));
    assert_non_null(strstr(err, "version 99 is newer"));
    assert_int_equal(pgt_int(f->raw, "SELECT value::int FROM imtreview.meta WHERE key = "
                                     "'schema_version'"), 99);
}

/* A database without the schema is "no database" to a command that does
 * not create one, and the probe says so. */
static void test_missing_and_removed(void **state)
{
    fx *f = *state;
    char err[600];
    assert_int_equal(store_probe(f->loc, err, sizeof err), STORE_NOTFOUND);
    assert_null(store_open(f->loc, STORE_OPEN_MUST_EXIST, "tester", err, sizeof err));
    assert_non_null(strstr(err, "there is no imtreview database at dbname="));
    assert_int_equal(pgt_int(f->raw, "SELECT count(*) FROM pg_namespace WHERE nspname = "
                                     "'imtreview'"), 0);
    f->st = open_loc(f->loc, 0);
    assert_true(store_created(f->st));
    store_close(f->st);
    f->st = NULL;
    assert_int_equal(store_probe(f->loc, err, sizeof err), STORE_OK);
    /* What a refused first import leaves: removed again while empty ... */
    store_remove_files(f->loc);
    assert_int_equal(store_probe(f->loc, err, sizeof err), STORE_NOTFOUND);
    /* ... and never once it holds a case. */
    f->st = open_loc(f->loc, 0);
    insert_case(f->st, "K-1", "lung", NULL);
    store_close(f->st);
    f->st = NULL;
    store_remove_files(f->loc);
    assert_int_equal(store_probe(f->loc, err, sizeof err), STORE_OK);
    /* A server that is not there is an error, not a missing database. */
    assert_int_equal(store_probe("host=/nonexistent-dir port=1 dbname=x", err, sizeof err),
                     STORE_ERROR);
    assert_non_null(strstr(err, "cannot connect to PostgreSQL"));
}

/* ---- passwords ------------------------------------------------------------------- */

static void test_passwords_never_shown(void **state)
{
    (void)state;
    static const char *const loc[][2] = {
        { "postgresql://alice:s3cr3t@db.example/registry?sslmode=require",
          "postgresql://alice:***@db.example/registry?sslmode=require" },
        { "postgres://alice:s3cr3t@db.example:5433/reg?password=s3cr3t&application_name=x",
          "postgres://alice:***@db.example:5433/reg?password=***&application_name=x" },
        { "host=db.example password='s3 cr\\'3t' dbname=reg",
          "host=db.example password=*** dbname=reg" },
        { "password=s3cr3t service=registry", "password=*** service=registry" },
        { "service=registry", "service=registry" },
    };
    for (size_t i = 0; i < sizeof loc / sizeof loc[0]; i++) {
        char out[300];
        store_locator_shown(loc[i][0], out, sizeof out);
        assert_string_equal(out, loc[i][1]);
    }
    /* Locators whose password the text masking above misses, found by
     * tests/fuzz/fuzz_locator.c: libpq reads 's3cr3t' from each (a '#'
     * is part of a URI's user name for libpq; a parameter name may be
     * percent-encoded).  None of them may show it. */
    static const char *const odd[] = {
        "postgresql://ali#e:s3cr3t@db1:5432/registry",
        "postgresql://db1/registry?pass%77ord=s3cr3t",
        "postgresql://db1/registry?%70assword=s3cr3t&sslmode=require",
    };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        char out[300];
        store_locator_shown(odd[i], out, sizeof out);
        assert_null(strstr(out, "s3cr3t"));
        assert_non_null(strstr(out, "***"));
    }
    /* A failed connection names the locator without the password. */
    char err[800];
    assert_null(store_open("postgresql://alice:s3cr3t@/nodb?host=/nonexistent-dir&port=1", 0,
                           "tester", err, sizeof err));
    assert_null(strstr(err, "s3cr3t"));
    assert_non_null(strstr(err, "alice:***@"));
}

/* ---- the audit trail ---------------------------------------------------------------- */

static void put_u64(SHA2_CTX *c, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (56 - 8 * i));
    SHA256Update(c, b, 8);
}

/* row_hash of a row of text columns (names sorted by the caller), as
 * store/chain.h documents it. */
static void doc_row_hash(const char *const *names, const char *const *vals, int n, char hex[65])
{
    static const char tag[] = "imtreview audit row v1";
    SHA2_CTX c;
    SHA256Init(&c);
    SHA256Update(&c, (const unsigned char *)tag, sizeof tag);
    for (int i = 0; i < n; i++) {
        if (!vals[i])
            continue;
        put_u64(&c, strlen(names[i]));
        SHA256Update(&c, (const unsigned char *)names[i], strlen(names[i]));
        SHA256Update(&c, (const unsigned char *)"t", 1);
        put_u64(&c, strlen(vals[i]));
        SHA256Update(&c, (const unsigned char *)vals[i], strlen(vals[i]));
    }
    unsigned char d[32];
    SHA256Final(d, &c);
    for (int i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", d[i]);
}

/* Each stored row_hash and hash of the PostgreSQL audit, recomputed. */
static void expect_chain_recomputed(PGconn *raw)
{
    PGresult *r = PQexec(raw, "SELECT \"case_id\", comment, field, new_value, old_value, "
                              "ruleset, snapshot, source, time, \"user\", row_hash, hash "
                              "FROM imtreview.audit ORDER BY seq");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_true(PQntuples(r) > 0);
    static const char *const names[] = { "case_id", "comment", "field", "new_value",
                                         "old_value", "ruleset", "snapshot", "source",
                                         "time", "user" };
    unsigned char prev[32] = { 0 };
    for (int i = 0; i < PQntuples(r); i++) {
        const char *vals[10];
        for (int k = 0; k < 10; k++)
            vals[k] = PQgetisnull(r, i, k) ? NULL : PQgetvalue(r, i, k);
        char rh[65];
        doc_row_hash(names, vals, 10, rh);
        assert_string_equal(rh, PQgetvalue(r, i, 10));
        unsigned char in[64], d[32];
        memcpy(in, prev, 32);
        for (int k = 0; k < 32; k++)
            sscanf(rh + 2 * k, "%2hhx", &in[32 + k]);
        SHA2_CTX c;
        SHA256Init(&c);
        SHA256Update(&c, in, 64);
        SHA256Final(d, &c);
        char hex[65];
        for (int k = 0; k < 32; k++)
            sprintf(hex + 2 * k, "%02x", d[k]);
        assert_string_equal(hex, PQgetvalue(r, i, 11));
        memcpy(prev, d, 32);
    }
    PQclear(r);
}

static void chain_rows(imt_store *st)
{
    insert_case(st, "C-1", "lung", "first");
    insert_case(st, "C-2", "cns", NULL);
    insert_case(st, "C-3", "abdomen_pelvis", "Ösophagus");
    assert_int_equal(store_set_review(st, "C-1", REV_IN_REVIEW, "ok", "rs-1"), STORE_OK);
}

static void test_audit_append_only_and_chain(void **state)
{
    fx *f = *state;
    f->st = open_loc(f->loc, 0);
    chain_rows(f->st);
    expect_chain_recomputed(f->raw);
    store_audit_head h;
    report_list l = { 0 };
    assert_int_equal(store_check_head(f->st, report_cb, &l, &h), 0);
    assert_true(h.ok);
    assert_int_equal(h.rows, 6);
    assert_int_equal(h.seq, 6);
    char head[80];
    pgt_text(f->raw, "SELECT hash FROM imtreview.audit_head", head, sizeof head);
    assert_string_equal(head, h.hash);
    /* Even the superuser is refused by the triggers. */
    raw_refused(f->raw, "UPDATE imtreview.audit SET \"user\" = 'mallory' WHERE seq = 2",
                "append-only: its rows cannot be changed");
    raw_refused(f->raw, "DELETE FROM imtreview.audit WHERE seq = 2",
                "append-only: its rows cannot be deleted");
    raw_refused(f->raw, "TRUNCATE imtreview.audit CASCADE",
                "append-only: its rows cannot be removed (TRUNCATE)");
    raw_refused(f->raw, "INSERT INTO imtreview.audit (seq, time, \"user\", case_id, field, "
                        "source) VALUES (2, '2026-01-01T00:00:00Z', 'x', 'C-1', 'site', 'edit')",
                "duplicate key");
    /* Behind the triggers' back, check names what was done. */
    raw_ok(f->raw, "ALTER TABLE imtreview.audit DISABLE TRIGGER audit_no_update; "
                   "UPDATE imtreview.audit SET \"user\" = 'mallory' WHERE seq = 2");
    expect_problems(f->st, 2, "trigger audit_no_update is disabled",
                    "audit row 2 was changed after it was written");
    raw_ok(f->raw, "ALTER TABLE imtreview.audit ENABLE TRIGGER audit_no_update");
    expect_problems(f->st, 1, "audit row 2 was changed after it was written");
    raw_ok(f->raw, "ALTER TABLE imtreview.audit DISABLE TRIGGER USER; "
                   "UPDATE imtreview.audit SET \"user\" = 'imt' WHERE seq = 2; "
                   "DELETE FROM imtreview.audit WHERE seq = 3; "
                   "ALTER TABLE imtreview.audit ENABLE TRIGGER USER");
    expect_problems(f->st, 2, "audit row 3 was removed: row 4 does not follow row 2",
                    "case 'C-3' has no record of its creation");
    raw_ok(f->raw, "ALTER TABLE imtreview.audit DISABLE TRIGGER audit_no_delete");
    raw_ok(f->raw, "DROP TRIGGER audit_no_truncate ON imtreview.audit");
    report_list l2 = { 0 };
    assert_true(store_check(f->st, report_cb, &l2) >= 3);
    bool dis = false, miss = false;
    for (int i = 0; i < l2.n && i < 32; i++) {
        dis = dis || strstr(l2.msgs[i], "trigger audit_no_delete is disabled");
        miss = miss || strstr(l2.msgs[i], "trigger audit_no_truncate is missing");
    }
    assert_true(dis && miss);
}

/* The same rows give the same hashes in both engines: a copy from SQLite
 * keeps every stored hash, and each engine's check recomputes them. */
static void test_hashes_identical_across_engines(void **state)
{
    fx *f = *state;
    char dir[] = "/tmp/imt-pgx-XXXXXX", path[160], err[600];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/a.db", dir);
    imt_store *sq = open_loc(path, 0);
    chain_rows(sq);
    f->st = open_loc(f->loc, 0);
    assert_int_equal(store_copy(sq, f->st, NULL, NULL, err, sizeof err), STORE_OK);
    assert_int_equal(store_check(f->st, NULL, NULL), 0);
    expect_chain_recomputed(f->raw);
    /* the stored hashes, side by side */
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT seq, row_hash, hash FROM audit ORDER BY seq",
                                        -1, &q, NULL), SQLITE_OK);
    PGresult *r = PQexec(f->raw, "SELECT seq, row_hash, hash FROM imtreview.audit ORDER BY seq");
    int i = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        assert_true(i < PQntuples(r));
        assert_int_equal(sqlite3_column_int64(q, 0), atoll(PQgetvalue(r, i, 0)));
        assert_string_equal((const char *)sqlite3_column_text(q, 1), PQgetvalue(r, i, 1));
        assert_string_equal((const char *)sqlite3_column_text(q, 2), PQgetvalue(r, i, 2));
        i++;
    }
    assert_int_equal(i, PQntuples(r));
    PQclear(r);
    sqlite3_finalize(q);
    sqlite3_close(db);
    /* Rows PostgreSQL wrote itself, copied to SQLite, pass SQLite's check. */
    assert_int_equal(store_set_review(f->st, "C-2", REV_IN_REVIEW, "pg", "rs-1"), STORE_OK);
    insert_case(f->st, "C-4", "other", "from pg");
    snprintf(path, sizeof path, "%s/b.db", dir);
    imt_store *back = open_loc(path, 0);
    assert_int_equal(store_copy(f->st, back, NULL, NULL, err, sizeof err), STORE_OK);
    assert_int_equal(store_check(back, NULL, NULL), 0);
    /* a non-empty target is refused */
    assert_int_equal(store_copy(sq, back, NULL, NULL, err, sizeof err), STORE_EXISTS);
    assert_non_null(strstr(err, "not empty"));
    store_close(back);
    store_close(sq);
    store_remove_files(path);
    snprintf(path, sizeof path, "%s/a.db", dir);
    store_remove_files(path);
    rmdir(dir);
}

/* ---- roles -------------------------------------------------------------------------- */

static void test_role_script(void **state)
{
    fx *f = *state;
    char *sql = store_admin_script(STORE_ENGINE_PG);
    assert_non_null(sql);
    raw_ok(f->raw, sql);
    raw_ok(f->raw, sql);                  /* a second run changes nothing */
    free(sql);
    char rev[64], rd[64], sql2[400];
    snprintf(rev, sizeof rev, "rev_%ld", (long)getpid());
    snprintf(rd, sizeof rd, "rd_%ld", (long)getpid());
    snprintf(sql2, sizeof sql2, "DROP ROLE IF EXISTS %s; DROP ROLE IF EXISTS %s; "
             "CREATE ROLE %s LOGIN IN ROLE imtreview_reviewer; "
             "CREATE ROLE %s LOGIN IN ROLE imtreview_reader", rev, rd, rev, rd);
    raw_ok(f->raw, sql2);
    char loc[300];
    snprintf(loc, sizeof loc, "%s user=%s", f->loc, rev);
    /* The reviewer imports, edits and reviews; the audit user is the role. */
    f->st = open_loc(loc, 0);
    assert_false(store_is_readonly(f->st));
    assert_int_equal(store_begin(f->st), STORE_OK);
    insert_case(f->st, "R-1", "lung", NULL);
    insert_case(f->st, "R-2", "cns", NULL);
    assert_int_equal(store_commit(f->st), STORE_OK);
    /* signing out needs the recommendations decided, which the role may
     * record (every rule tried: those that do not fire are refused) */
    assert_int_equal(store_set_review(f->st, "R-1", REV_IN_REVIEW, NULL, "rs"), STORE_OK);
    assert_int_equal(store_set_review(f->st, "R-1", REV_SIGNED_OUT, "fine", "rs"),
                     STORE_REFUSED);
    int decided = 0;
    for (int i = 0; i < rules_card_count(); i++) {
        store_decide_req dq = { "R-1", rules_card(i)->id, DECISION_ACCEPT, -1, NULL };
        store_decide_result dr;
        decided += store_decide(f->st, &dq, &dr) == STORE_OK;
    }
    assert_true(decided > 0);
    assert_int_equal(store_set_review(f->st, "R-1", REV_SIGNED_OUT, "fine", "rs"), STORE_OK);
    imt_case c;
    assert_int_equal(store_get(f->st, "R-1", &c), STORE_OK);
    assert_string_equal(c.reviewer, rev);
    imt_case_clear(&c);
    assert_int_equal(store_check(f->st, NULL, NULL), 0);
    store_close(f->st);
    f->st = NULL;
    /* ... and through psql may not change or delete the audit. */
    char cs[300];
    snprintf(cs, sizeof cs, "dbname=%s user=%s", f->name, rev);
    PGconn *as_rev = PQconnectdb(cs);
    assert_int_equal(PQstatus(as_rev), CONNECTION_OK);
    raw_refused(as_rev, "UPDATE imtreview.audit SET \"user\" = 'x'", "permission denied");
    raw_refused(as_rev, "DELETE FROM imtreview.audit", "permission denied");
    raw_refused(as_rev, "TRUNCATE imtreview.audit", "permission denied");
    raw_refused(as_rev, "ALTER TABLE imtreview.audit DISABLE TRIGGER USER", "must be owner");
    raw_refused(as_rev, "DELETE FROM imtreview.cases", "permission denied");
    PQfinish(as_rev);
    /* The reader reads; the store says it is read-only and why. */
    snprintf(loc, sizeof loc, "%s user=%s", f->loc, rd);
    f->st = open_loc(loc, 0);
    assert_true(store_is_readonly(f->st));
    assert_int_equal(store_count(f->st, NULL), 2);
    assert_int_equal(store_set_review(f->st, "R-2", REV_IN_REVIEW, NULL, "rs"), STORE_READONLY);
    assert_non_null(strstr(store_errmsg(f->st), rd));
    store_close(f->st);
    f->st = NULL;
    snprintf(sql2, sizeof sql2, "DROP OWNED BY %s, %s; DROP ROLE %s; DROP ROLE %s", rev, rd,
             rev, rd);
    raw_ok(f->raw, sql2);
}

/* ---- busy, interrupt ------------------------------------------------------------------ */

static int stop_flag;
static int stop_cb(void *ctx)
{
    (void)ctx;
    return stop_flag;
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void test_busy_and_interrupt(void **state)
{
    fx *f = *state;
    f->st = open_loc(f->loc, 0);
    insert_case(f->st, "A-1", "lung", NULL);
    store_set_busy_timeout(f->st, 100);
    /* Another writer holds the write lock. */
    raw_ok(f->raw, "BEGIN; SELECT * FROM imtreview.audit_head FOR UPDATE");
    imt_case c;
    imt_case_init(&c);
    c.case_id = strdup("A-2");
    c.site = SITE_LUNG;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_BUSY);
    double ms = ms_since(&t0);
    assert_true(ms >= 90 && ms < 3000);
    assert_non_null(strstr(store_errmsg(f->st), "busy"));
    assert_int_equal(store_begin(f->st), STORE_BUSY);
    assert_int_equal(store_set_review(f->st, "A-1", REV_IN_REVIEW, NULL, "r"), STORE_BUSY);
    assert_true(store_exists(f->st, "A-1"));       /* reading goes on */
    /* A stop while waiting ends the wait at once. */
    store_set_busy_timeout(f->st, 20000);
    store_set_interrupt(f->st, stop_cb, NULL);
    stop_flag = 1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(store_set_review(f->st, "A-1", REV_IN_REVIEW, NULL, "r"), STORE_INTERRUPTED);
    assert_true(ms_since(&t0) < 1500);
    assert_non_null(strstr(store_errmsg(f->st), "nothing was changed"));
    stop_flag = 0;
    raw_ok(f->raw, "ROLLBACK");
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_OK);
    imt_case_clear(&c);
    store_set_interrupt(f->st, NULL, NULL);
    assert_int_equal(store_check(f->st, NULL, NULL), 0);
}

/* ---- a lost connection ------------------------------------------------------------------ */

static void terminate(fx *f)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
             "datname = '%s' AND pid <> pg_backend_pid()", f->name);
    raw_ok(f->raw, sql);
    usleep(100000);
}

static void test_lost_connection(void **state)
{
    fx *f = *state;
    f->st = open_loc(f->loc, 0);
    insert_case(f->st, "L-1", "lung", NULL);
    /* A read is sent again on a new connection. */
    terminate(f);
    assert_true(store_exists(f->st, "L-1"));
    /* A write says what happened and changes nothing; the next one works. */
    terminate(f);
    assert_int_equal(store_set_review(f->st, "L-1", REV_IN_REVIEW, "x", "r"), STORE_ERROR);
    assert_non_null(strstr(store_errmsg(f->st), "connection to the PostgreSQL server was lost"));
    assert_non_null(strstr(store_errmsg(f->st), "reconnected"));
    assert_int_equal(pgt_int(f->raw, "SELECT count(*) FROM imtreview.audit"), 1);
    assert_int_equal(store_set_review(f->st, "L-1", REV_IN_REVIEW, "x", "r"), STORE_OK);
    /* Lost inside a transaction: all of it is gone, and said so. */
    assert_int_equal(store_begin(f->st), STORE_OK);
    insert_case(f->st, "L-2", "lung", NULL);
    terminate(f);
    imt_case c;
    imt_case_init(&c);
    c.case_id = strdup("L-3");
    c.site = SITE_CNS;
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_ERROR);
    assert_non_null(strstr(store_errmsg(f->st), "lost"));
    assert_non_null(strstr(store_errmsg(f->st), "nothing was changed"));
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_ERROR);   /* not alone either */
    assert_int_equal(store_commit(f->st), STORE_ERROR);
    imt_case_clear(&c);
    store_rollback(f->st);
    assert_false(store_exists(f->st, "L-2"));
    assert_int_equal(store_check(f->st, NULL, NULL), 0);
}

/* ---- notification --------------------------------------------------------------------------- */

static void test_notify(void **state)
{
    fx *f = *state;
    f->st = open_loc(f->loc, 0);
    int fd = store_notify_fd(f->st);
    assert_true(fd >= 0);
    long long v0, v1, v2;
    assert_int_equal(store_data_version(f->st, &v0), STORE_OK);
    insert_case(f->st, "N-1", "lung", NULL);            /* our own change */
    assert_int_equal(store_data_version(f->st, &v1), STORE_OK);
    assert_true(v1 == v0);
    /* Another session's commit makes the descriptor readable. */
    imt_store *other = open_loc(f->loc, 0);
    insert_case(other, "N-2", "lung", NULL);
    store_close(other);
    struct pollfd p = { store_notify_fd(f->st), POLLIN, 0 };
    assert_int_equal(poll(&p, 1, 5000), 1);
    assert_int_equal(store_data_version(f->st, &v2), STORE_OK);
    assert_true(v2 != v1);
    /* nothing more until the next change: the descriptor is quiet */
    p.revents = 0;
    assert_int_equal(poll(&p, 1, 200), 0);
    /* a change made with psql is announced too */
    raw_ok(f->raw, "UPDATE imtreview.cases SET notes = 'x' WHERE case_id = 'N-2'");
    assert_int_equal(poll(&p, 1, 5000), 1);
    long long v3;
    assert_int_equal(store_data_version(f->st, &v3), STORE_OK);
    assert_true(v3 != v2);
}

/* ---- imports through COPY ---------------------------------------------------------------------- */

static int count_cb(void *ctx, const imt_case *c)
{
    long *n = ctx;
    (void)c;
    (*n)++;
    return 0;
}

static void test_bulk_import(void **state)
{
    fx *f = *state;
    f->st = open_loc(f->loc, 0);
    assert_int_equal(store_begin(f->st), STORE_OK);
    char id[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(id, sizeof id, "B-%05d", i);
        insert_case(f->st, id, i % 2 ? "lung" : "cns", i % 7 ? NULL : "Straße");
        if (i == 1500) {
            /* a duplicate is answered at once, and the rest goes on */
            imt_case c;
            imt_case_init(&c);
            c.case_id = strdup("B-00042");
            c.site = SITE_LUNG;
            assert_int_equal(store_insert(f->st, &c, "test"), STORE_EXISTS);
            imt_case_clear(&c);
            imt_case g;
            assert_int_equal(store_get(f->st, "B-01499", &g), STORE_OK);   /* staged */
            imt_case_clear(&g);
        }
    }
    assert_int_equal(pgt_int(f->raw, "SELECT count(*) FROM imtreview.cases"), 0);  /* not yet */
    assert_int_equal(store_commit(f->st), STORE_OK);
    imt_filter nf;
    memset(&nf, 0, sizeof nf);
    assert_int_equal(store_count(f->st, &nf), 3000);
    filter_set_search(&nf, "STRASSE");
    assert_int_equal(store_count(f->st, &nf), 0);       /* ß is not "ss" */
    filter_set_search(&nf, "STRAẞE");
    assert_int_equal(store_count(f->st, &nf), 429);     /* ceil(3000 / 7) */
    long n = 0;
    memset(&nf, 0, sizeof nf);
    assert_int_equal(store_foreach(f->st, &nf, (imt_sort){ SORT_CASE_ID, true }, count_cb, &n), 0);
    assert_int_equal(n, 3000);
    assert_int_equal(store_check(f->st, NULL, NULL), 0);
    assert_int_equal(pgt_int(f->raw, "SELECT max(seq) FROM imtreview.audit"), 3000);
    /* Into a table that holds cases: an existing id is found at once. */
    assert_int_equal(store_begin(f->st), STORE_OK);
    for (int i = 0; i < 400; i++) {
        snprintf(id, sizeof id, "M-%05d", i);
        insert_case(f->st, id, "lung", NULL);
    }
    imt_case c;
    imt_case_init(&c);
    c.case_id = strdup("B-02999");
    c.site = SITE_LUNG;
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_EXISTS);
    imt_case_clear(&c);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(store_count(f->st, &nf), 3400);
    assert_int_equal(store_check(f->st, NULL, NULL), 0);
    /* A rolled back import leaves nothing, the chain head included. */
    assert_int_equal(store_begin(f->st), STORE_OK);
    for (int i = 0; i < 500; i++) {
        snprintf(id, sizeof id, "X-%05d", i);
        insert_case(f->st, id, "lung", NULL);
    }
    assert_int_equal(store_rollback(f->st), STORE_OK);
    assert_int_equal(store_count(f->st, &nf), 3400);
    insert_case(f->st, "Y-1", "lung", NULL);
    assert_int_equal(store_check(f->st, NULL, NULL), 0);
}

int main(void)
{
    if (!getenv("PGHOST")) {
        fprintf(stderr, "test_store_pg: no PostgreSQL cluster (run it through "
                        "tests/tools/with-pg.sh, as make check does)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema_created_once_and_newer_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_and_removed, setup, teardown),
        cmocka_unit_test(test_passwords_never_shown),
        cmocka_unit_test_setup_teardown(test_audit_append_only_and_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hashes_identical_across_engines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_role_script, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_and_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_import, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
