/* Unit tests for the case store on temporary databases: the SQLite engine
 * (src/store/sqlite/), and with IMT_TEST_ENGINE=pg the same tests on the
 * PostgreSQL engine (src/store/pg/), in the throwaway cluster of
 * tests/tools/with-pg.sh.  Tests that look at the SQLite file itself
 * (modes, WAL, damaged pages, the backup, raw SQL) are skipped there;
 * test_store_pg.c has the PostgreSQL counterparts.
 *
 * Expected values come from the data dictionary and from the cases the
 * tests build, never from the store's own output: field values are
 * written by hand, the derived ALK status is worked out by hand from the
 * dictionary's rules, and page order is computed here by an independent
 * sort of the same cases (the documented order: sort key, then case_id;
 * unknown last ascending; enumerations in dictionary order; descending is
 * the exact reverse).  A raw sqlite3 connection is used to look under the
 * store (storage types, WAL mode) and to corrupt it on purpose. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <sha256.h>

#include "core/filter.h"
#include "core/imtcase.h"
#include "store/store.h"
#include "pgtest.h"

/* Which engine the tests run on. */
static bool on_pg;
/* A test about the SQLite file itself. */
#define SQLITE_ONLY() do { if (on_pg) skip(); } while (0)
/* The user the audit records: the login name given to store_open, or on
 * PostgreSQL the database role (the cluster's superuser, PGUSER). */
static const char *audit_user(void)
{
    const char *u = getenv("PGUSER");
    return on_pg ? (u ? u : "?") : "tester";
}

/* What schema version 6 adds (store/sqlite/search.c), dropped to make a
 * file of an earlier version out of a current one. */
#define V6_OBJECTS_DROP \
    "DROP TRIGGER case_counts_insert; DROP TRIGGER case_counts_delete; " \
    "DROP TRIGGER case_counts_update; DROP TRIGGER case_search_insert; " \
    "DROP TRIGGER case_search_update; DROP TRIGGER case_search_delete; " \
    "DROP TABLE case_counts; DROP TABLE case_search; DROP TABLE case_search_pending"

/* ---- fixture ------------------------------------------------------------- */

typedef struct {
    char dir[64];
    char path[128];      /* the locator: a file, or a PostgreSQL database */
    char pgname[64];     /* that database's name                         */
    imt_store *st;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/imt-store-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/cases.db", f->dir);
    if (on_pg && pgt_create(f->pgname, sizeof f->pgname, f->path, sizeof f->path) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    if (f->st)
        store_close(f->st);
    if (f->pgname[0])
        pgt_drop(f->pgname);
    char p[256];
    static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static imt_store *open_rw(fx *f)
{
    char err[512];
    imt_store *st = store_open(f->path, 0, "tester", err, sizeof err);
    if (!st)
        fail_msg("store_open: %s", err);
    return st;
}

static sqlite3 *raw(fx *f)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 2000);
    return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("raw sql [%s]: %s", sql, msg ? msg : "?");
}

/* Runs sql, returns the SQLite result code and the message in msg. */
static int raw_try(sqlite3 *db, const char *sql, char *msg, size_t n)
{
    char *m = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &m);
    snprintf(msg, n, "%s", m ? m : "");
    sqlite3_free(m);
    return rc;
}

static long long raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("prepare [%s]: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    long long v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static void raw_text(sqlite3 *db, const char *sql, char *out, size_t n)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("prepare [%s]: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(s, 0);
    snprintf(out, n, "%s", t ? (const char *)t : "(null)");
    sqlite3_finalize(s);
}

static void set_field(imt_case *c, const char *name, const char *text)
{
    int f = imt_field_find(name);
    assert_true(f >= 0);
    char err[256];
    if (imt_field_parse(c, f, text, err, sizeof err) != 0)
        fail_msg("%s=%s: %s", name, text, err);
}

static void new_case(imt_case *c, const char *id, const char *site)
{
    imt_case_init(c);
    set_field(c, "case_id", id);
    set_field(c, "site", site);
}

static void insert_simple(imt_store *st, const char *id, const char *site)
{
    imt_case c;
    new_case(&c, id, site);
    int rc = store_insert(st, &c, "test");
    if (rc != STORE_OK)
        fail_msg("insert %s: %d %s", id, rc, store_errmsg(st));
    imt_case_clear(&c);
}

static imt_filter no_filter(void)
{
    imt_filter f;
    memset(&f, 0, sizeof f);
    return f;
}

/* Audit rows of one case collected as "field|old|new|source|comment|ruleset". */
typedef struct {
    char rows[64][256];
    char user[64][32];
    char time[64][32];
    int n;
} audit_list;

static int audit_cb(void *ctx, const imt_audit *a)
{
    audit_list *l = ctx;
    if (l->n < 64) {
        snprintf(l->rows[l->n], sizeof l->rows[0], "%s|%s|%s|%s|%s|%s|%s", a->case_id,
                 a->field, a->old_value ? a->old_value : "NULL",
                 a->new_value ? a->new_value : "NULL", a->source,
                 a->comment ? a->comment : "NULL", a->ruleset ? a->ruleset : "NULL");
        snprintf(l->user[l->n], sizeof l->user[0], "%s", a->user);
        snprintf(l->time[l->n], sizeof l->time[0], "%s", a->time);
    }
    l->n++;
    return 0;
}

static void audit_of(imt_store *st, const char *id, audit_list *l)
{
    memset(l, 0, sizeof *l);
    assert_int_equal(store_audit_foreach(st, id, audit_cb, l), 0);
}

/* ---- open, create, modes, schema ------------------------------------------ */

static void test_create_mode_0600_and_reopen(void **state)
{
    SQLITE_ONLY();
    fx *f = *state;
    /* A permissive umask must not widen a new database. */
    mode_t old = umask(0);
    f->st = open_rw(f);
    umask(old);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    assert_int_equal(store_schema_version(f->st), 6);
    assert_false(store_is_readonly(f->st));
    unsigned char k1[32], k2[32], zero[32] = { 0 };
    assert_int_equal(store_secret(f->st, k1), STORE_OK);
    assert_memory_not_equal(k1, zero, 32);
    insert_simple(f->st, "A-1", "lung");
    store_close(f->st);

    f->st = open_rw(f);
    assert_int_equal(store_schema_version(f->st), 6);
    assert_true(store_exists(f->st, "A-1"));
    assert_int_equal(store_secret(f->st, k2), STORE_OK);
    assert_memory_equal(k1, k2, 32);         /* the key is kept, not remade */

    /* WAL mode, and the user_version is the schema version. */
    sqlite3 *db = raw(f);
    char mode[32];
    raw_text(db, "PRAGMA journal_mode", mode, sizeof mode);
    assert_string_equal(mode, "wal");
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 6);
    sqlite3_close(db);
}

static void test_secret_differs_between_databases(void **state)
{
    fx *f = *state;
    f->st = open_rw(f);
    unsigned char k1[32], k2[32];
    assert_int_equal(store_secret(f->st, k1), STORE_OK);
    char p2[160], err[256], name2[64] = "";
    snprintf(p2, sizeof p2, "%s/other.db", f->dir);
    if (on_pg)
        assert_int_equal(pgt_create(name2, sizeof name2, p2, sizeof p2), 0);
    imt_store *st2 = store_open(p2, 0, "tester", err, sizeof err);
    assert_non_null(st2);
    assert_int_equal(store_secret(st2, k2), STORE_OK);
    assert_memory_not_equal(k1, k2, 32);
    store_close(st2);
    if (on_pg)
        pgt_drop(name2);
    else
        unlink(p2);
}

static void test_existing_mode_0660_kept(void **state)
{
    SQLITE_ONLY();
    fx *f = *state;
    /* The department's way: an (empty) file made by hand with mode 0660. */
    int fd = open(f->path, O_CREAT | O_EXCL | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(chmod(f->path, 0660), 0);
    mode_t old = umask(022);
    f->st = open_rw(f);
    insert_simple(f->st, "A-1", "lung");
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0660);
    /* SQLite gives the WAL file the database file's mode, not the umask's. */
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    assert_int_equal(stat(wal, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0660);
    store_close(f->st);
    f->st = open_rw(f);
    umask(old);
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0660);
    assert_true(store_exists(f->st, "A-1"));
}

static void test_newer_schema_refused(void **state)
{
    SQLITE_ONLY();
    fx *f = *state;
    f->st = open_rw(f);
    store_close(f->st);
    f->st = NULL;
    sqlite3 *db = raw(f);
    raw_exec(db, "PRAGMA user_version = 99");
    sqlite3_close(db);
    char err[512];
    imt_store *st = store_open(f->path, 0, "tester", err, sizeof err);
    assert_null(st);
    assert_string_equal(err, "database schema version 99 is newer than this imtreview (6); "
                             "upgrade imtreview");
    st = store_open(f->path, STORE_OPEN_READONLY, "tester", err, sizeof err);
    assert_null(st);
    assert_non_null(strstr(err, "version 99 is newer"));
    /* Refusing did not touch it. */
    db = raw(f);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 99);
    sqlite3_close(db);
}


/* 400 cases, then the cases table's root page (an interior page once the
 * table spans pages) overwritten in its middle with 0xFF bytes. */
static void make_damaged(fx *f)
{
    f->st = open_rw(f);
    assert_int_equal(store_begin(f->st), STORE_OK);
    for (int i = 0; i < 400; i++) {
        char id[32];
        snprintf(id, sizeof id, "D-%04d", i);
        insert_simple(f->st, id, "lung");
    }
    assert_int_equal(store_commit(f->st), STORE_OK);
    store_close(f->st);
    f->st = NULL;
    sqlite3 *db = raw(f);
    raw_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    long long root = raw_int(db, "SELECT rootpage FROM sqlite_master WHERE name = 'cases'");
    long long psz = raw_int(db, "PRAGMA page_size");
    assert_true(raw_int(db, "PRAGMA page_count") > root + 10);
    sqlite3_close(db);
    FILE *fp = fopen(f->path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, (long)((root - 1) * psz + 12), SEEK_SET), 0);
    for (int i = 0; i < 600; i++)
        fputc(0xFF, fp);
    assert_int_equal(fclose(fp), 0);
}

/* A damaged file is opened read-only and never written into (issue 13). */
static void test_damaged_opens_readonly(void **state)
{
    SQLITE_ONLY();
    fx *f = *state;
    make_damaged(f);
    struct stat before;
    assert_int_equal(stat(f->path, &before), 0);
    f->st = open_rw(f);
    assert_non_null(store_damage(f->st));
    assert_true(store_is_readonly(f->st));
    assert_int_equal(store_set_review(f->st, "D-0001", 1, NULL, "r"), STORE_READONLY);
    assert_non_null(strstr(store_errmsg(f->st), "is damaged"));
    assert_non_null(strstr(store_errmsg(f->st), "nothing is written"));
    imt_case c;
    new_case(&c, "NEW-1", "lung");
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_READONLY);
    imt_case_clear(&c);
    store_close(f->st);
    f->st = NULL;
    struct stat after;
    assert_int_equal(stat(f->path, &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    assert_int_equal(before.st_mtime, after.st_mtime);
}

/* An intact file is not taken for damaged. */
static void test_intact_not_damaged(void **state)
{
    SQLITE_ONLY();
    fx *f = *state;
    f->st = open_rw(f);
    insert_simple(f->st, "OK-1", "lung");
    store_close(f->st);
    f->st = open_rw(f);
    assert_null(store_damage(f->st));
    assert_false(store_is_readonly(f->st));
}

/* store_backup: a copy with the same cases and audit; never over a file. */
static void test_backup(void **state)
{
    SQLITE_ONLY();
    fx *f = *state;
    f->st = open_rw(f);
    insert_simple(f->st, "B-1", "lung");
    insert_simple(f->st, "B-2", "cns");
    assert_int_equal(store_set_review(f->st, "B-1", 1, "taken", "r"), STORE_OK);
    char dest[192], err[512];
    snprintf(dest, sizeof dest, "%s/copy.db", f->dir);
    assert_int_equal(store_backup(f->st, dest, err, sizeof err), STORE_OK);
    struct stat sb;
    assert_int_equal(stat(dest, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    imt_store *c = store_open(dest, STORE_OPEN_READONLY, "tester", err, sizeof err);
    assert_non_null(c);
    assert_int_equal(store_count(c, NULL), 2);
    assert_int_equal(store_check(c, NULL, NULL), 0);
    imt_case k;
    imt_case_init(&k);
    assert_int_equal(store_get(c, "B-1", &k), STORE_OK);
    assert_int_equal(k.review_status, 1);
    imt_case_clear(&k);
    store_close(c);
    /* never over an existing file, which stays as it was */
    assert_int_equal(store_backup(f->st, dest, err, sizeof err), STORE_ERROR);
    assert_non_null(strstr(err, "exists; a backup never replaces a file"));
    struct stat again;
    assert_int_equal(stat(dest, &again), 0);
    assert_int_equal(again.st_size, sb.st_size);
    unlink(dest);
    snprintf(dest, sizeof dest, "%s/copy.db-journal", f->dir);
    unlink(dest);
}

static void test_foreign_files_refused(void **state)
{
    SQLITE_ONLY();
    fx *f = *state;
    /* Another program's SQLite file: tables, no schema version. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    raw_exec(db, "CREATE TABLE cases (x); INSERT INTO cases VALUES (1)");
    sqlite3_close(db);
    char err[512];
    assert_null(store_open(f->path, 0, "tester", err, sizeof err));
    assert_non_null(strstr(err, "some other program"));
    db = raw(f);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM cases"), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master"), 1);
    sqlite3_close(db);

    /* Not a database at all. */
    char p2[160];
    snprintf(p2, sizeof p2, "%s/garbage.db", f->dir);
    FILE *fp = fopen(p2, "wb");
    assert_non_null(fp);
    for (int i = 0; i < 4096; i++)
        fputc((i * 131) & 0xff, fp);
    fclose(fp);
    assert_null(store_open(p2, 0, "tester", err, sizeof err));
    assert_non_null(strstr(err, "not a database"));
    unlink(p2);
}

static void test_readonly(void **state)
{
    fx *f = *state;
    char err[512];
    /* A missing database in read-only mode is an error and is not created. */
    assert_null(store_open(f->path, STORE_OPEN_READONLY, "tester", err, sizeof err));
    if (on_pg) {
        assert_non_null(strstr(err, "is not an imtreview database yet"));
        char e2[300];
        assert_int_equal(store_probe(f->path, e2, sizeof e2), STORE_NOTFOUND);
    } else {
        assert_non_null(strstr(err, "No such file"));
        assert_int_equal(access(f->path, F_OK), -1);
    }

    f->st = open_rw(f);
    insert_simple(f->st, "A-1", "lung");
    store_close(f->st);
    f->st = store_open(f->path, STORE_OPEN_READONLY, "tester", err, sizeof err);
    if (!f->st)
        fail_msg("readonly open: %s", err);
    assert_true(store_is_readonly(f->st));
    const char *want = "database opened read-only (--readonly): edits are refused";
    imt_case c;
    new_case(&c, "A-2", "cns");
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_READONLY);
    assert_string_equal(store_errmsg(f->st), want);
    imt_case_clear(&c);
    assert_int_equal(store_get(f->st, "A-1", &c), STORE_OK);
    set_field(&c, "age_years", "50");
    int n = -1;
    assert_int_equal(store_update(f->st, &c, "edit", &n), STORE_READONLY);
    assert_int_equal(n, 0);
    assert_string_equal(store_errmsg(f->st), want);
    imt_case_clear(&c);
    assert_int_equal(store_set_review(f->st, "A-1", REV_SIGNED_OUT, NULL, "r"), STORE_READONLY);
    assert_string_equal(store_errmsg(f->st), want);
    assert_int_equal(store_begin(f->st), STORE_READONLY);
    /* Reading works. */
    imt_filter nf = no_filter();
    assert_int_equal(store_count(f->st, &nf), 1);
    assert_false(store_exists(f->st, "A-2"));
    audit_list l;
    audit_of(f->st, "A-1", &l);
    assert_int_equal(l.n, 1);
}

/* ---- CHECK constraints mirror the dictionary ------------------------------ */

/* Insert one row by hand with col = literal and valid values elsewhere. */
static bool raw_insert_ok(sqlite3 *db, const char *col, const char *literal)
{
    static const char *const base[][2] = {
        { "case_id", "'RAW'" }, { "site", "'lung'" }, { "review_status", "'unreviewed'" },
        { "alk_status", "'unknown'" }, { "alk_confirmed", "0" }, { "alk_discordant", "0" },
    };
    char cols[256] = "", vals[6000] = "";
    bool replaced = false;
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++) {
        bool mine = strcmp(base[i][0], col) == 0;
        replaced |= mine;
        snprintf(cols + strlen(cols), sizeof cols - strlen(cols), "%s%s", i ? ", " : "",
                 base[i][0]);
        snprintf(vals + strlen(vals), sizeof vals - strlen(vals), "%s%s", i ? ", " : "",
                 mine ? literal : base[i][1]);
    }
    if (!replaced) {
        snprintf(cols + strlen(cols), sizeof cols - strlen(cols), ", %s", col);
        snprintf(vals + strlen(vals), sizeof vals - strlen(vals), ", %s", literal);
    }
    char sql[6400], msg[512];
    snprintf(sql, sizeof sql, "INSERT INTO cases (%s) VALUES (%s)", cols, vals);
    int rc = raw_try(db, sql, msg, sizeof msg);
    if (rc == SQLITE_OK)
        raw_exec(db, "DELETE FROM cases");
    return rc == SQLITE_OK;
}

static void test_check_constraints(void **state)
{
    SQLITE_ONLY();
    fx *f = *state;
    f->st = open_rw(f);
    sqlite3 *db = raw(f);
    /* Values written from data-dictionary.md: accepted ... */
    static const char *const good[][2] = {
        { "case_id", "'ok.A_b-9'" }, { "case_id", "'ok345678901234567890123456789012'" },
        { "age_years", "0" }, { "age_years", "120" }, { "age_years", "0.5" },
        { "sex", "'U'" }, { "size_cm", "0.1" }, { "multifocal", "1" }, { "multifocal", "0" },
        { "mitoses_10hpf", "500" }, { "pdl1_tps", "0" }, { "igg4_per_hpf", "1000" },
        { "diagnosis_date", "'2020-02-29'" }, { "diagnosis_date", "'1800-01-01'" },
        { "reviewed_at", "'2024-12-31T23:59:60Z'" },
        { "fusion", "'none'" }, { "fusion", "'TPM3::ALK'" }, { "fusion", "'ETV6::NTRK3'" },
        { "fusion", "'HLA-A::ALK'" }, { "surgery", "'R0'" }, { "outcome", "'LOST'" },
        { "notes", "'x'" }, { "site_detail", "'上叶'" },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!raw_insert_ok(db, good[i][0], good[i][1]))
            fail_msg("refused good %s = %s: %s", good[i][0], good[i][1], sqlite3_errmsg(db));
    /* ... and refused. */
    static const char *const bad[][2] = {
        { "case_id", "'has space'" }, { "case_id", "'ok3456789012345678901234567890123'" },
        { "case_id", "''" }, { "case_id", "'é1'" }, { "case_id", "'a/b'" },
        { "age_years", "120.5" }, { "age_years", "-1" }, { "age_years", "'abc'" },
        { "size_cm", "0.05" }, { "sex", "'f'" }, { "sex", "'X'" }, { "site", "'Lung'" },
        { "multifocal", "2" }, { "multifocal", "'yes'" }, { "mitoses_10hpf", "2.5" },
        { "mitoses_10hpf", "501" }, { "pdl1_tps", "101" },
        { "diagnosis_date", "'2021-02-29'" }, { "diagnosis_date", "'2021-02-30'" },
        { "diagnosis_date", "'2021-2-3'" }, { "diagnosis_date", "'1799-12-31'" },
        { "diagnosis_date", "'now'" },
        { "reviewed_at", "'2024-12-31T24:00:00Z'" }, { "reviewed_at", "'2024-12-31 10:00:00'" },
        { "reviewed_at", "'2024-12-31T10:60:00Z'" },
        { "fusion", "'ALK'" }, { "fusion", "'tpm3::alk'" }, { "fusion", "'A::B::C'" },
        { "fusion", "'::ALK'" }, { "fusion", "'TPM3::'" }, { "fusion", "'None'" },
        { "fusion", "'TPM3:ALK'" }, { "surgery", "'r0'" }, { "outcome", "'dead'" },
        { "notes", "''" }, { "site_detail", "''" }, { "review_status", "'done'" },
        { "review_status", "NULL" }, { "site", "NULL" }, { "alk_status", "NULL" },
        { "alk_status", "'maybe'" }, { "alk_confirmed", "2" }, { "alk_discordant", "NULL" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (raw_insert_ok(db, bad[i][0], bad[i][1]))
            fail_msg("accepted bad %s = %s", bad[i][0], bad[i][1]);
    /* Length limits count characters, not bytes: 200 CJK characters fit
     * site_detail (600 bytes), 201 do not; notes allow 4000. */
    char lit[5000];
    strcpy(lit, "'");
    for (int i = 0; i < 200; i++)
        strcat(lit, "中");
    strcat(lit, "'");
    assert_true(raw_insert_ok(db, "site_detail", lit));
    lit[strlen(lit) - 1] = '\0';
    strcat(lit, "中'");
    assert_false(raw_insert_ok(db, "site_detail", lit));
    memset(lit, 'n', 4002);
    lit[0] = '\'';
    lit[4001] = '\'';
    lit[4002] = '\0';
    assert_true(raw_insert_ok(db, "notes", lit));
    lit[4001] = 'n';
    lit[4002] = '\'';
    lit[4003] = '\0';
    assert_false(raw_insert_ok(db, "notes", lit));
    sqlite3_close(db);
}

/* ---- round trip, derived fields -------------------------------------------- */

/* Every column with a hand-written canonical value. */
static const char *const full_case[][2] = {
    { "case_id", "RT-1.a_b" }, { "age_years", "0.5" }, { "sex", "U" },
    { "site", "genitourinary" }, { "site_detail", "bladder; 膀胱 \"q\", tab\there" },
    { "diagnosis_date", "2020-02-29" }, { "size_cm", "0.1" }, { "multifocal", "yes" },
    { "metastatic", "no" }, { "invasive_growth", "yes" }, { "imaging", "CT; MRI; PET-CT" },
    { "suv_max", "12.25" }, { "histology", "epithelioid" }, { "necrosis", "no" },
    { "mitoses_10hpf", "500" }, { "alk_ihc", "equivocal" },
    { "alk_ihc_pattern", "nuclear_membrane" }, { "alk_fish", "negative" },
    { "fusion", "RANBP2::ALK" }, { "fusion_method", "rt_pcr" }, { "ros1_ihc", "negative" },
    { "pdl1_tps", "0" }, { "ki67_pct", "100" }, { "sma", "positive" },
    { "desmin", "negative" }, { "cytokeratin", "positive" }, { "s100", "negative" },
    { "cd117", "positive" }, { "dog1", "negative" }, { "igg4_igg_ratio", "40.5" },
    { "igg4_per_hpf", "1000" }, { "nlr", "2.333" }, { "resectable", "no" },
    { "surgery", "R2" }, { "radiotherapy_gy", "45" }, { "chemotherapy", "MTX+VCR" },
    { "steroids", "yes" }, { "nsaid", "no" }, { "targeted", "crizotinib" },
    { "immunotherapy", "pembrolizumab" }, { "recurrence", "yes" },
    { "recurrence_months", "12.5" }, { "outcome", "DOC" }, { "followup_months", "600" },
    { "notes", "line1\nline2 \x1b[31m red 😀 \\ %_" }, { "review_status", "in_review" },
    { "reviewer", "dr.x" }, { "reviewed_at", "2024-12-31T23:59:60Z" },
};

static void test_roundtrip_every_field(void **state)
{
    fx *f = *state;
    f->st = open_rw(f);
    size_t nf = sizeof full_case / sizeof full_case[0];
    assert_int_equal(nf, IMT_F_COUNT - 2);        /* every non-derived column */
    imt_case c;
    imt_case_init(&c);
    for (size_t i = 0; i < nf; i++)
        set_field(&c, full_case[i][0], full_case[i][1]);
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_OK);
    imt_case_clear(&c);

    imt_case g;
    assert_int_equal(store_get(f->st, "RT-1.a_b", &g), STORE_OK);
    char buf[8192];
    for (size_t i = 0; i < nf; i++) {
        int fi = imt_field_find(full_case[i][0]);
        imt_field_format(&g, fi, buf, sizeof buf);
        if (strcmp(buf, full_case[i][1]) != 0)
            fail_msg("%s: got [%s], want [%s]", full_case[i][0], buf, full_case[i][1]);
    }
    /* Dictionary: a fusion involving ALK makes the status positive and
     * confirmed; FISH negative is a molecular negative, but IHC is
     * equivocal, so IHC disagrees with nothing: not discordant. */
    assert_int_equal(g.alk_status, ALK_POSITIVE);
    assert_int_equal(g.alk_confirmed, 1);
    assert_int_equal(g.alk_discordant, 0);
    imt_case_clear(&g);

    /* All unknown: only the required columns. */
    insert_simple(f->st, "U-1", "cns");
    assert_int_equal(store_get(f->st, "U-1", &g), STORE_OK);
    for (int fi = 0; fi < IMT_F_COUNT; fi++) {
        const char *n = imt_fields[fi].name;
        bool known = imt_field_is_known(&g, fi);
        bool want = strcmp(n, "case_id") == 0 || strcmp(n, "site") == 0 ||
                    strcmp(n, "review_status") == 0 || strcmp(n, "alk_status") == 0 ||
                    strcmp(n, "alk_confirmed") == 0;
        if (known != want)
            fail_msg("%s: known=%d", n, known);
    }
    assert_int_equal(g.review_status, REV_UNREVIEWED);
    assert_int_equal(g.alk_status, ALK_UNKNOWN);
    assert_int_equal(g.alk_confirmed, 0);
    imt_case_clear(&g);

    /* Storage: typed columns, canonical text, NULL for unknown (the
     * PostgreSQL columns are typed by their declarations). */
    sqlite3 *db = on_pg ? NULL : raw(f);
    char t[64];
    if (db) {
    raw_text(db, "SELECT typeof(age_years) || typeof(mitoses_10hpf) || typeof(multifocal) || "
                 "typeof(sex) || typeof(notes) FROM cases WHERE case_id = 'RT-1.a_b'", t, sizeof t);
    assert_string_equal(t, "realintegerintegertexttext");
    raw_text(db, "SELECT sex || multifocal || metastatic || surgery || alk_status "
                 "FROM cases WHERE case_id = 'RT-1.a_b'", t, sizeof t);
    assert_string_equal(t, "U10R2positive");
    assert_int_equal(raw_int(db, "SELECT count(*) FROM cases WHERE case_id = 'U-1' AND "
                                 "age_years IS NULL AND sex IS NULL AND multifocal IS NULL AND "
                                 "notes IS NULL AND fusion IS NULL"), 1);
    sqlite3_close(db);
    }

    /* An unknown review state gets the dictionary's default; empty text
     * is unknown. */
    new_case(&c, "E-1", "lung");
    c.review_status = IMT_UNKNOWN;
    c.notes = strdup("");
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_OK);
    imt_case_clear(&c);
    assert_int_equal(store_get(f->st, "E-1", &g), STORE_OK);
    assert_int_equal(g.review_status, REV_UNREVIEWED);
    assert_null(g.notes);
    imt_case_clear(&g);

    assert_int_equal(store_get(f->st, "nope", &g), STORE_NOTFOUND);
    imt_case_clear(&g);
}

typedef struct {
    const char *ihc, *fish, *fusion;
    int status, confirmed, discordant;
} alk_row;

/* Worked out by hand from data-dictionary.md "Derived fields". */
static const alk_row alk_rows[] = {
    { "", "", "", ALK_UNKNOWN, 0, 0 },                          /* untested */
    { "equivocal", "", "", ALK_UNKNOWN, 0, 0 },                 /* IHC equivocal only */
    { "positive", "", "", ALK_POSITIVE, 0, 0 },                 /* IHC alone */
    { "negative", "", "", ALK_NEGATIVE, 0, 0 },
    { "", "positive", "", ALK_POSITIVE, 1, 0 },                 /* FISH */
    { "", "negative", "", ALK_NEGATIVE, 0, 0 },
    { "", "", "EML4::ALK", ALK_POSITIVE, 1, 0 },                /* fusion */
    { "", "", "none", ALK_NEGATIVE, 0, 0 },                     /* tested, none */
    { "", "", "ETV6::NTRK3", ALK_NEGATIVE, 0, 0 },              /* other kinase */
    { "positive", "negative", "", ALK_NEGATIVE, 0, 1 },         /* molecular outranks */
    { "positive", "", "none", ALK_NEGATIVE, 0, 1 },
    { "negative", "", "TPM3::ALK", ALK_POSITIVE, 1, 1 },
    { "negative", "positive", "", ALK_POSITIVE, 1, 1 },
    { "positive", "positive", "", ALK_POSITIVE, 1, 0 },
    { "equivocal", "negative", "", ALK_NEGATIVE, 0, 0 },
    { "", "", "ALKAL2::ROS1", ALK_NEGATIVE, 0, 0 },             /* ALKAL2 is not ALK */
};

static void fill_alk(imt_case *c, const alk_row *r)
{
    set_field(c, "alk_ihc", r->ihc);
    set_field(c, "alk_fish", r->fish);
    set_field(c, "fusion", r->fusion);
    set_field(c, "fusion_method", r->fusion[0] && strcmp(r->fusion, "none") ? "ngs_rna" : "");
}

static void expect_alk(imt_store *st, sqlite3 *db, const char *id, const alk_row *r)
{
    imt_case g;
    assert_int_equal(store_get(st, id, &g), STORE_OK);
    if (g.alk_status != r->status || g.alk_confirmed != r->confirmed ||
        g.alk_discordant != r->discordant)
        fail_msg("%s (ihc=%s fish=%s fusion=%s): got %d/%d/%d want %d/%d/%d", id, r->ihc,
                 r->fish, r->fusion, g.alk_status, g.alk_confirmed, g.alk_discordant,
                 r->status, r->confirmed, r->discordant);
    imt_case_clear(&g);
    if (!db)
        return;
    char sql[256], t[64], want[64];
    snprintf(sql, sizeof sql, "SELECT alk_status || alk_confirmed || alk_discordant FROM cases "
                              "WHERE case_id = '%s'", id);
    raw_text(db, sql, t, sizeof t);
    snprintf(want, sizeof want, "%s%d%d", imt_alk_values[r->status], r->confirmed, r->discordant);
    assert_string_equal(t, want);
}

static void test_derived_on_insert_and_update(void **state)
{
    fx *f = *state;
    f->st = open_rw(f);
    sqlite3 *db = on_pg ? NULL : raw(f);
    size_t n = sizeof alk_rows / sizeof alk_rows[0];
    for (size_t i = 0; i < n; i++) {
        imt_case c;
        char id[16];
        snprintf(id, sizeof id, "D-%02zu", i);
        new_case(&c, id, "lung");
        fill_alk(&c, &alk_rows[i]);
        /* Lies from the caller are not trusted. */
        c.alk_status = ALK_POSITIVE;
        c.alk_confirmed = 1;
        c.alk_discordant = 1;
        assert_int_equal(store_insert(f->st, &c, "test"), STORE_OK);
        imt_case_clear(&c);
        expect_alk(f->st, db, id, &alk_rows[i]);
    }
    /* Update each case to the ALK results of the next row. */
    for (size_t i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof id, "D-%02zu", i);
        imt_case c;
        assert_int_equal(store_get(f->st, id, &c), STORE_OK);
        const alk_row *r = &alk_rows[(i + 1) % n];
        fill_alk(&c, r);
        c.alk_status = ALK_UNKNOWN;
        c.alk_confirmed = 0;
        c.alk_discordant = 0;
        int nch = -1;
        assert_int_equal(store_update(f->st, &c, "edit", &nch), STORE_OK);
        imt_case_clear(&c);
        expect_alk(f->st, db, id, r);
    }
    if (db)
        sqlite3_close(db);
    assert_int_equal(store_check(f->st, NULL, NULL) >= 0, 1);
}

/* ---- update and audit -------------------------------------------------------- */

static void test_update_audits_changed_fields(void **state)
{
    fx *f = *state;
    f->st = open_rw(f);
    imt_case c;
    new_case(&c, "A-1", "lung");
    set_field(&c, "age_years", "35");
    set_field(&c, "sex", "F");
    set_field(&c, "size_cm", "4.5");
    assert_int_equal(store_insert(f->st, &c, "import x.csv"), STORE_OK);
    imt_case_clear(&c);

    audit_list l;
    audit_of(f->st, "A-1", &l);
    assert_int_equal(l.n, 1);                            /* one row per created case */
    assert_string_equal(l.rows[0], "A-1|*|NULL|created|import x.csv|NULL|NULL");
    assert_string_equal(l.user[0], audit_user());
    /* The time is the UTC time of the write, in the documented shape. */
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char today[16];
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    assert_int_equal(strlen(l.time[0]), 20);
    assert_true(l.time[0][10] == 'T' && l.time[0][19] == 'Z');

    assert_int_equal(store_get(f->st, "A-1", &c), STORE_OK);
    set_field(&c, "age_years", "40");     /* 35 -> 40 */
    set_field(&c, "sex", "");             /* F -> unknown */
    set_field(&c, "notes", "a\tb");       /* unknown -> text */
    set_field(&c, "size_cm", "4.50");     /* same number: not a change */
    set_field(&c, "site", "LUNG");        /* same canonical value */
    int nch = -1;
    assert_int_equal(store_update(f->st, &c, "edit", &nch), STORE_OK);
    assert_int_equal(nch, 3);
    audit_of(f->st, "A-1", &l);
    assert_int_equal(l.n, 4);
    /* In dictionary column order. */
    assert_string_equal(l.rows[1], "A-1|age_years|35|40|edit|NULL|NULL");
    assert_string_equal(l.rows[2], "A-1|sex|F|NULL|edit|NULL|NULL");
    assert_string_equal(l.rows[3], "A-1|notes|NULL|a\tb|edit|NULL|NULL");

    /* Nothing changed: nothing written. */
    nch = -1;
    assert_int_equal(store_update(f->st, &c, "edit", &nch), STORE_OK);
    assert_int_equal(nch, 0);
    audit_of(f->st, "A-1", &l);
    assert_int_equal(l.n, 4);
    imt_case_clear(&c);

    /* Unknown case. */
    new_case(&c, "NOPE", "lung");
    assert_int_equal(store_update(f->st, &c, "edit", &nch), STORE_NOTFOUND);
    imt_case_clear(&c);

    /* A value outside the dictionary (bypassing validation) is refused
     * by the CHECK and changes nothing. */
    assert_int_equal(store_get(f->st, "A-1", &c), STORE_OK);
    c.age_years.v = 130;
    assert_int_equal(store_update(f->st, &c, "edit", &nch), STORE_ERROR);
    assert_non_null(strstr(store_errmsg(f->st), "age_years"));
    imt_case_clear(&c);
    assert_int_equal(store_get(f->st, "A-1", &c), STORE_OK);
    assert_true(c.age_years.known && c.age_years.v == 40);
    imt_case_clear(&c);
    audit_of(f->st, "A-1", &l);
    assert_int_equal(l.n, 4);

    /* All cases: the other case's rows appear too, oldest first. */
    insert_simple(f->st, "B-1", "cns");
    audit_of(f->st, NULL, &l);
    assert_int_equal(l.n, 5);
    assert_string_equal(l.rows[4], "B-1|*|NULL|created|test|NULL|NULL");
}

static void test_audit_append_only(void **state)
{
    SQLITE_ONLY();
    fx *f = *state;
    f->st = open_rw(f);
    insert_simple(f->st, "A-1", "lung");
    sqlite3 *db = raw(f);
    char msg[256];
    assert_int_not_equal(raw_try(db, "UPDATE audit SET user = 'mallory'", msg, sizeof msg),
                         SQLITE_OK);
    assert_non_null(strstr(msg, "append-only"));
    assert_int_not_equal(raw_try(db, "DELETE FROM audit", msg, sizeof msg), SQLITE_OK);
    assert_non_null(strstr(msg, "append-only"));
    assert_int_not_equal(raw_try(db, "DELETE FROM audit WHERE seq = 1", msg, sizeof msg),
                         SQLITE_OK);
    /* INSERT OR REPLACE deletes the old row without firing the DELETE
     * trigger: it must not rewrite history either. */
    assert_int_not_equal(raw_try(db, "INSERT OR REPLACE INTO audit (seq, time, user, case_id, "
                                     "field, new_value, source) VALUES (1, "
                                     "'2020-01-01T00:00:00Z', 'mallory', 'A-1', 'notes', "
                                     "'forged', 'edit')", msg, sizeof msg), SQLITE_OK);
    assert_non_null(strstr(msg, "append-only"));
    assert_int_not_equal(raw_try(db, "REPLACE INTO audit (seq, time, user, case_id, field, "
                                     "source) VALUES (1, '2020-01-01T00:00:00Z', 'mallory', "
                                     "'A-1', '*', 'edit')", msg, sizeof msg), SQLITE_OK);
    assert_non_null(strstr(msg, "append-only"));
    assert_int_equal(raw_int(db, "SELECT count(*) FROM audit WHERE user = 'tester'"), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM audit"), 1);
    sqlite3_close(db);
    /* Appending still works (the store's own inserts). */
    insert_simple(f->st, "A-2", "lung");
    db = raw(f);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM audit"), 2);
    sqlite3_close(db);
}

/* A version-1 file (the schema before audit_no_replace) is upgraded in
 * place when opened for writing, keeping its data; read-only it is
 * refused with a message saying how to upgrade. */
static void test_migrate_v1(void **state)
{
    SQLITE_ONLY();
    fx *f = *state;
    f->st = open_rw(f);
    insert_simple(f->st, "A-1", "lung");
    unsigned char k1[32], k2[32];
    assert_int_equal(store_secret(f->st, k1), STORE_OK);
    store_close(f->st);
    f->st = NULL;
    sqlite3 *db = raw(f);
    /* (what version 1 was: without audit_no_replace, without the hash
     * chain of version 3, the review columns and decisions of 4, the
     * course of version 5, the counts and search index of version 6) */
    raw_exec(db, V6_OBJECTS_DROP);
    raw_exec(db, "DROP TABLE events; DROP INDEX cases_sort_next_due; "
                 "ALTER TABLE cases DROP COLUMN sort_next_due; "
                 "ALTER TABLE cases DROP COLUMN next_due; DELETE FROM meta WHERE key = "
                 "'followup_schedule'");
    raw_exec(db, "DROP TABLE decisions; DROP INDEX cases_decision; "
                 "ALTER TABLE cases DROP COLUMN version; "
                 "ALTER TABLE cases DROP COLUMN decision_state; "
                 "ALTER TABLE cases DROP COLUMN review_comment; "
                 "ALTER TABLE cases DROP COLUMN signer_name; "
                 "ALTER TABLE audit DROP COLUMN rule_id; ALTER TABLE audit DROP COLUMN fired_by; "
                 "ALTER TABLE audit DROP COLUMN full_name; "
                 "DELETE FROM meta WHERE key IN ('decision_ruleset', 'decision_day')");
    raw_exec(db, "DROP TRIGGER audit_no_replace; DROP TRIGGER audit_no_update; "
                 "ALTER TABLE audit DROP COLUMN snapshot; ALTER TABLE audit DROP COLUMN row_hash; "
                 "ALTER TABLE audit DROP COLUMN hash; "
                 "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, "
                 "'the audit trail is append-only: its rows cannot be changed'); END; "
                 "PRAGMA user_version = 1");
    sqlite3_close(db);

    char err[512];
    imt_store *st = store_open(f->path, STORE_OPEN_READONLY, "tester", err, sizeof err);
    assert_null(st);
    assert_non_null(strstr(err, "schema version 1 is older than this imtreview (6)"));

    f->st = open_rw(f);
    assert_int_equal(store_schema_version(f->st), 6);
    assert_true(store_exists(f->st, "A-1"));
    assert_int_equal(store_secret(f->st, k2), STORE_OK);
    assert_memory_equal(k1, k2, 32);
    /* The upgrade to the chain: a baseline row per case, every row hashed. */
    assert_int_equal(store_check(f->st, NULL, NULL), 0);
    db = raw(f);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM audit WHERE new_value = 'baseline' "
                                 "AND case_id = 'A-1' AND snapshot LIKE '%\"site\":\"lung\"%'"), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM audit WHERE length(hash) = 64 AND "
                                 "length(row_hash) = 64"), 2);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 6);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                                 "AND name = 'audit_no_replace'"), 1);
    /* Version 4: the case is at version 1, and its decision state was
     * computed at the open (a case with only a site has recommendations
     * that need a decision, and none has one: undecided = 1). */
    assert_int_equal(raw_int(db, "SELECT version FROM cases WHERE case_id = 'A-1'"), 1);
    assert_int_equal(raw_int(db, "SELECT decision_state FROM cases WHERE case_id = 'A-1'"), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM meta WHERE key = 'decision_ruleset'"), 1);
    char msg[256];
    assert_int_not_equal(raw_try(db, "INSERT OR REPLACE INTO audit (seq, time, user, case_id, "
                                     "field, source) VALUES (1, '2020-01-01T00:00:00Z', "
                                     "'mallory', 'A-1', '*', 'edit')", msg, sizeof msg),
                         SQLITE_OK);
    sqlite3_close(db);
}

static void test_review(void **state)
{
    fx *f = *state;
    f->st = open_rw(f);
    insert_simple(f->st, "A-1", "lung");
    /* in_review records who took the case and when (issue 10; signing out
     * and the lock are tested in test_store_review.c) */
    assert_int_equal(store_set_review(f->st, "A-1", REV_IN_REVIEW, "looks right", "rs-1"),
                     STORE_OK);
    imt_case c;
    assert_int_equal(store_get(f->st, "A-1", &c), STORE_OK);
    assert_int_equal(c.review_status, REV_IN_REVIEW);
    assert_string_equal(c.reviewer, audit_user());
    assert_non_null(c.reviewed_at);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char date[16];
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    assert_memory_equal(c.reviewed_at, date, 10);   /* UTC date (flaky only at midnight) */
    char at[32];
    snprintf(at, sizeof at, "%s", c.reviewed_at);
    imt_case_clear(&c);
    audit_list l;
    audit_of(f->st, "A-1", &l);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.rows[1], "A-1|review_status|unreviewed|in_review|review|looks right|rs-1");
    char want[160];
    snprintf(want, sizeof want, "A-1|reviewer|NULL|%s|review|NULL|rs-1", audit_user());
    assert_string_equal(l.rows[2], want);
    snprintf(want, sizeof want, "A-1|reviewed_at|NULL|%s|review|NULL|rs-1", at);
    assert_string_equal(l.rows[3], want);

    /* Back to unreviewed: reviewer and time are cleared, and audited. */
    assert_int_equal(store_set_review(f->st, "A-1", REV_UNREVIEWED, NULL, "rs-1"), STORE_OK);
    assert_int_equal(store_get(f->st, "A-1", &c), STORE_OK);
    assert_int_equal(c.review_status, REV_UNREVIEWED);
    assert_null(c.reviewer);
    assert_null(c.reviewed_at);
    imt_case_clear(&c);
    audit_of(f->st, "A-1", &l);
    assert_int_equal(l.n, 7);
    assert_string_equal(l.rows[4], "A-1|review_status|in_review|unreviewed|review|NULL|rs-1");
    snprintf(want, sizeof want, "A-1|reviewer|%s|NULL|review|NULL|rs-1", audit_user());
    assert_string_equal(l.rows[5], want);

    assert_int_equal(store_set_review(f->st, "NOPE", REV_IN_REVIEW, NULL, "rs-1"), STORE_NOTFOUND);
    assert_int_equal(store_set_review(f->st, "A-1", 7, NULL, "rs-1"), STORE_ERROR);
    assert_int_equal(store_set_review(f->st, "A-1", -1, NULL, "rs-1"), STORE_ERROR);
    audit_of(f->st, "A-1", &l);
    assert_int_equal(l.n, 7);
}

/* ---- transactions -------------------------------------------------------------- */

static void test_duplicate_and_rollback(void **state)
{
    fx *f = *state;
    f->st = open_rw(f);
    insert_simple(f->st, "A-1", "lung");
    imt_case c;
    new_case(&c, "A-1", "cns");
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_EXISTS);
    imt_case_clear(&c);
    imt_filter nf = no_filter();
    assert_int_equal(store_count(f->st, &nf), 1);
    audit_list l;
    audit_of(f->st, NULL, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(store_get(f->st, "A-1", &c), STORE_OK);
    assert_int_equal(c.site, SITE_LUNG);            /* the first one stays */
    imt_case_clear(&c);

    /* A transaction rolled back leaves nothing. */
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_begin(f->st), STORE_ERROR);   /* no nesting */
    insert_simple(f->st, "B-1", "lung");
    insert_simple(f->st, "B-2", "lung");
    assert_int_equal(store_set_review(f->st, "A-1", REV_IN_REVIEW, "x", "r"), STORE_OK);
    assert_int_equal(store_count(f->st, &nf), 3);
    assert_int_equal(store_rollback(f->st), STORE_OK);
    assert_int_equal(store_count(f->st, &nf), 1);
    audit_of(f->st, NULL, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(store_get(f->st, "A-1", &c), STORE_OK);
    assert_int_equal(c.review_status, REV_UNREVIEWED);
    imt_case_clear(&c);

    /* A failed edit inside a transaction undoes only itself; the rest
     * commits. */
    assert_int_equal(store_begin(f->st), STORE_OK);
    insert_simple(f->st, "C-1", "lung");
    new_case(&c, "C-1", "cns");
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_EXISTS);
    imt_case_clear(&c);
    new_case(&c, "C-2", "cns");
    c.age_years = (imt_num){ true, 999 };           /* refused by the CHECK */
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_ERROR);
    imt_case_clear(&c);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_ERROR);  /* none active */
    assert_int_equal(store_count(f->st, &nf), 2);
    assert_false(store_exists(f->st, "C-2"));
    audit_of(f->st, NULL, &l);
    assert_int_equal(l.n, 2);

    /* Closing with an open transaction discards it. */
    assert_int_equal(store_begin(f->st), STORE_OK);
    insert_simple(f->st, "D-1", "lung");
    store_close(f->st);
    f->st = open_rw(f);
    assert_false(store_exists(f->st, "D-1"));
}

static void test_busy(void **state)
{
    SQLITE_ONLY();
    fx *f = *state;
    f->st = open_rw(f);
    insert_simple(f->st, "A-1", "lung");
    store_set_busy_timeout(f->st, 100);
    sqlite3 *db = raw(f);
    raw_exec(db, "BEGIN IMMEDIATE");               /* another user writing */
    imt_case c;
    new_case(&c, "A-2", "lung");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_BUSY);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    assert_true(ms >= 90 && ms < 3000);            /* it waited, then gave up */
    assert_non_null(strstr(store_errmsg(f->st), "busy"));
    assert_int_equal(store_begin(f->st), STORE_BUSY);
    assert_int_equal(store_set_review(f->st, "A-1", REV_IN_REVIEW, NULL, "r"), STORE_BUSY);
    /* Reading still works while someone writes (WAL). */
    assert_true(store_exists(f->st, "A-1"));
    raw_exec(db, "ROLLBACK");
    sqlite3_close(db);
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_OK);
    imt_case_clear(&c);
}

static int stop_flag;
static int stop_cb(void *ctx)
{
    (void)ctx;
    return stop_flag;
}

/* A stop asked for before the commit rolls the write back and says so;
 * nothing of it is in the database or the audit. */
static void test_interrupt_rolls_back(void **state)
{
    fx *f = *state;
    f->st = open_rw(f);
    insert_simple(f->st, "A-1", "lung");
    store_set_interrupt(f->st, stop_cb, NULL);
    stop_flag = 1;
    assert_int_equal(store_set_review(f->st, "A-1", REV_IN_REVIEW, "c1", "r"), STORE_INTERRUPTED);
    assert_non_null(strstr(store_errmsg(f->st), "nothing was changed"));
    imt_case c;
    new_case(&c, "A-2", "lung");
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_INTERRUPTED);
    assert_int_equal(store_begin(f->st), STORE_OK);
    insert_simple(f->st, "A-3", "lung");   /* inside, the flag is seen at commit */
    assert_int_equal(store_commit(f->st), STORE_INTERRUPTED);
    store_rollback(f->st);
    stop_flag = 0;
    audit_list l;
    audit_of(f->st, NULL, &l);
    assert_int_equal(l.n, 1);              /* only A-1's creation */
    assert_false(store_exists(f->st, "A-2"));
    assert_false(store_exists(f->st, "A-3"));
    imt_case got;
    assert_int_equal(store_get(f->st, "A-1", &got), STORE_OK);
    assert_int_equal(got.review_status, REV_UNREVIEWED);
    imt_case_clear(&got);
    /* Without the stop the same calls save. */
    assert_int_equal(store_set_review(f->st, "A-1", REV_IN_REVIEW, "c1", "r"), STORE_OK);
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_OK);
    store_set_interrupt(f->st, NULL, NULL);
    imt_case_clear(&c);
}

/* A stop while waiting for another user's lock ends the wait at once. */
static void test_interrupt_ends_busy_wait(void **state)
{
    SQLITE_ONLY();
    fx *f = *state;
    f->st = open_rw(f);
    insert_simple(f->st, "A-1", "lung");
    store_set_busy_timeout(f->st, 5000);
    store_set_interrupt(f->st, stop_cb, NULL);
    sqlite3 *db = raw(f);
    raw_exec(db, "BEGIN IMMEDIATE");
    stop_flag = 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(store_set_review(f->st, "A-1", REV_IN_REVIEW, NULL, "r"), STORE_INTERRUPTED);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    assert_true(ms < 1000);
    stop_flag = 0;
    raw_exec(db, "ROLLBACK");
    sqlite3_close(db);
    store_set_interrupt(f->st, NULL, NULL);
}

/* The data version moves when another connection commits, not for this
 * connection's own writes. */
static void test_data_version(void **state)
{
    fx *f = *state;
    f->st = open_rw(f);
    long long v0, v1, v2;
    assert_int_equal(store_data_version(f->st, &v0), STORE_OK);
    insert_simple(f->st, "A-1", "lung");
    assert_int_equal(store_data_version(f->st, &v1), STORE_OK);
    assert_true(v1 == v0);
    imt_store *other = open_rw(f);
    insert_simple(other, "B-1", "lung");
    store_close(other);
    assert_int_equal(store_data_version(f->st, &v2), STORE_OK);
    assert_true(v2 != v1);
}

/* Issue 9: a store must never open and close SQLite's -shm or -wal while
 * SQLite holds them (a close drops this process's POSIX locks on the
 * file).  With a first connection open, a second open of the same file
 * in this process must leave the first one's locks in place: a third
 * process-level check is what SQLite itself sees, so look at the locks
 * the kernel lists for -shm before and after. */
static int shm_locks_of_pid(const char *shm, pid_t pid)
{
    struct stat sb;
    if (stat(shm, &sb) != 0)
        return -1;
    FILE *fp = fopen("/proc/locks", "r");
    if (!fp)
        return -1;
    char line[512];
    int n = 0;
    unsigned long ino = (unsigned long)sb.st_ino;
    while (fgets(line, sizeof line, fp)) {
        long lpid;
        unsigned maj, min;
        unsigned long lino;
        char *p = strstr(line, "POSIX");
        if (!p || !strstr(line, "ADVISORY"))
            continue;
        /* "1: POSIX  ADVISORY  READ 1234 08:01:5678 128 128" */
        char type[16];
        if (sscanf(p, "POSIX %*s %15s %ld %x:%x:%lu", type, &lpid, &maj, &min, &lino) == 5 &&
            lpid == (long)pid && lino == ino)
            n++;
    }
    fclose(fp);
    return n;
}

static void test_open_keeps_shm_locks(void **state)
{
    SQLITE_ONLY();
    fx *f = *state;
    f->st = open_rw(f);
    insert_simple(f->st, "A-1", "lung");
    char shm[160];
    snprintf(shm, sizeof shm, "%s-shm", f->path);
    /* A read transaction holds a read-mark lock on -shm. */
    imt_case c;
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_get(f->st, "A-1", &c), STORE_OK);
    imt_case_clear(&c);
    int before = shm_locks_of_pid(shm, getpid());
    if (before < 0)
        skip();
    assert_true(before > 0);
    /* Group and mode differ from the database's: the second open fixes
     * them, and must do it without a descriptor. */
    assert_int_equal(chmod(shm, 0600), 0);
    assert_int_equal(chmod(f->path, 0640), 0);
    imt_store *second = open_rw(f);
    struct stat sb;
    assert_int_equal(stat(shm, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0640);
    assert_int_equal(shm_locks_of_pid(shm, getpid()), before);
    store_close(second);
    store_rollback(f->st);
}

/* ---- filters, paging ---------------------------------------------------------- */

/* A deterministic cohort with unknowns and many ties. */
#define NPAGE 2400

typedef struct {
    char id[16];
    bool age_k, size_k, fu_k;
    double age, size, fu;
    int sex, site, surgery, outcome, review, alk;   /* -1 = unknown */
    char detail[48], notes[64];
} ref_case;

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xffffff;
}

static void make_cohort(ref_case *r, int n)
{
    uint32_t s = 20240601u;
    static const char *const words[] = { "Maxillary sinus", "lower lobe", "100% solid",
                                         "under_score", "back\\slash", "Orbit", "bladder",
                                         "mesentery" };
    for (int i = 0; i < n; i++) {
        ref_case *c = &r[i];
        memset(c, 0, sizeof *c);
        /* Ids in a shuffled order, some differing only in case. */
        snprintf(c->id, sizeof c->id, "%c%04u", (lcg(&s) % 3 == 0) ? 'c' : 'C',
                 (unsigned)((i * 7919) % 10000));
        c->age_k = lcg(&s) % 5 != 0;
        c->age = (double)(lcg(&s) % 40) / 2.0;           /* many ties */
        c->size_k = lcg(&s) % 4 != 0;
        c->size = 0.1 + (double)(lcg(&s) % 30);
        c->fu_k = lcg(&s) % 3 != 0;
        c->fu = (double)(lcg(&s) % 50);
        c->sex = (int)(lcg(&s) % 4) - 1;
        c->site = (int)(lcg(&s) % SITE_N);
        c->surgery = (int)(lcg(&s) % (SURG_N + 1)) - 1;
        c->outcome = (int)(lcg(&s) % (OUT_N + 1)) - 1;
        c->review = (int)(lcg(&s) % REV_N);
        c->alk = (int)(lcg(&s) % 3);          /* via the ALK fields below */
        if (lcg(&s) % 2)
            snprintf(c->detail, sizeof c->detail, "%s", words[lcg(&s) % 8]);
        if (lcg(&s) % 3 == 0)
            snprintf(c->notes, sizeof c->notes, "note %s %u", words[lcg(&s) % 8],
                     (unsigned)(lcg(&s) % 100));
    }
}

static void insert_cohort(imt_store *st, const ref_case *r, int n)
{
    assert_int_equal(store_begin(st), STORE_OK);
    for (int i = 0; i < n; i++) {
        const ref_case *x = &r[i];
        imt_case c;
        imt_case_init(&c);
        c.case_id = strdup(x->id);
        c.age_years = (imt_num){ x->age_k, x->age };
        c.size_cm = (imt_num){ x->size_k, x->size };
        c.followup_months = (imt_num){ x->fu_k, x->fu };
        c.sex = x->sex;
        c.site = x->site;
        c.surgery = x->surgery;
        c.outcome = x->outcome;
        c.review_status = x->review;
        /* FISH positive / negative / untested gives ALK positive /
         * negative / unknown (dictionary). */
        c.alk_fish = x->alk == ALK_POSITIVE ? POS : x->alk == ALK_NEGATIVE ? NEG : IMT_UNKNOWN;
        c.site_detail = x->detail[0] ? strdup(x->detail) : NULL;
        c.notes = x->notes[0] ? strdup(x->notes) : NULL;
        int rc = store_insert(st, &c, "test");
        if (rc != STORE_OK)
            fail_msg("insert %s: %s", x->id, store_errmsg(st));
        imt_case_clear(&c);
    }
    assert_int_equal(store_commit(st), STORE_OK);
}

/* ASCII-only case-insensitive substring (what the store documents). */
static bool ci_contains(const char *hay, const char *needle)
{
    return hay[0] && strcasestr(hay, needle) != NULL;
}

static bool ref_passes(const ref_case *c, const imt_filter *f)
{
    if (f->site_mask && !(f->site_mask & (1u << c->site)))
        return false;
    if (f->alk_mask && !(f->alk_mask & (1u << c->alk)))
        return false;
    if (f->outcome_mask && (c->outcome < 0 || !(f->outcome_mask & (1u << c->outcome))))
        return false;
    if (f->status_mask && !(f->status_mask & (1u << c->review)))
        return false;
    if (f->search[0] && !ci_contains(c->id, f->search) && !ci_contains(c->detail, f->search) &&
        !ci_contains(c->notes, f->search))
        return false;
    return true;
}

/* The documented order, computed independently of the store. */
static imt_sort g_sort;

static int key_cmp_num(bool ka, double a, bool kb, double b)
{
    if (ka != kb)
        return ka ? -1 : 1;             /* unknown last */
    if (!ka)
        return 0;
    return a < b ? -1 : a > b;
}

static int key_cmp_enum(int a, int b)
{
    /* dictionary order, unknown (-1) last */
    int ka = a < 0 ? 1000 : a, kb = b < 0 ? 1000 : b;
    return ka < kb ? -1 : ka > kb;
}

static int ref_cmp(const void *pa, const void *pb)
{
    const ref_case *a = *(const ref_case *const *)pa, *b = *(const ref_case *const *)pb;
    int c = 0;
    switch (g_sort.key) {
    case SORT_CASE_ID: c = 0; break;
    case SORT_AGE: c = key_cmp_num(a->age_k, a->age, b->age_k, b->age); break;
    case SORT_SEX: c = key_cmp_enum(a->sex, b->sex); break;
    case SORT_SITE: c = key_cmp_enum(a->site, b->site); break;
    case SORT_SIZE: c = key_cmp_num(a->size_k, a->size, b->size_k, b->size); break;
    case SORT_ALK: c = key_cmp_enum(a->alk, b->alk); break;
    case SORT_SURGERY: c = key_cmp_enum(a->surgery, b->surgery); break;
    case SORT_OUTCOME: c = key_cmp_enum(a->outcome, b->outcome); break;
    case SORT_FOLLOWUP: c = key_cmp_num(a->fu_k, a->fu, b->fu_k, b->fu); break;
    case SORT_REVIEW: c = key_cmp_enum(a->review, b->review); break;
    default: break;
    }
    if (c == 0)
        c = strcmp(a->id, b->id);      /* byte order: 'C' before 'c' */
    return g_sort.desc ? -c : c;
}

static int expected_order(const ref_case *r, int n, const imt_filter *f, imt_sort s,
                          const ref_case **out)
{
    int m = 0;
    for (int i = 0; i < n; i++)
        if (ref_passes(&r[i], f))
            out[m++] = &r[i];
    g_sort = s;
    qsort(out, (size_t)m, sizeof *out, ref_cmp);
    return m;
}

typedef struct {
    const ref_case *r;
    int n;
    const ref_case **order;
    int m;
} cohort_fx;

/* The cohort is built once per test into a fresh database. */
static cohort_fx *g_cohort;

static int cohort_setup(void **state)
{
    if (setup(state) != 0)
        return -1;
    fx *f = *state;
    f->st = open_rw(f);
    ref_case *r = calloc(NPAGE, sizeof *r);
    cohort_fx *c = calloc(1, sizeof *c);
    if (!r || !c)
        return -1;
    make_cohort(r, NPAGE);
    insert_cohort(f->st, r, NPAGE);
    c->r = r;
    c->n = NPAGE;
    c->order = calloc(NPAGE, sizeof *c->order);
    g_cohort = c;
    return 0;
}

static int cohort_teardown(void **state)
{
    if (g_cohort) {
        free((void *)g_cohort->r);
        free(g_cohort->order);
        free(g_cohort);
        g_cohort = NULL;
    }
    return teardown(state);
}

static void check_ids(const imt_case *got, int ngot, const ref_case *const *want, int nwant,
                      const char *what)
{
    if (ngot != nwant)
        fail_msg("%s: got %d rows, want %d", what, ngot, nwant);
    for (int i = 0; i < ngot; i++)
        if (strcmp(got[i].case_id, want[i]->id) != 0)
            fail_msg("%s: row %d is %s, want %s", what, i, got[i].case_id, want[i]->id);
}

/* Page all the way forward and all the way back in one order. */
static void page_through(imt_store *st, const imt_filter *f, imt_sort s, int pn)
{
    cohort_fx *c = g_cohort;
    int m = expected_order(c->r, c->n, f, s, c->order);
    assert_int_equal(store_count(st, f), m);
    imt_case page[64];
    char what[96], anchor[16];
    snprintf(what, sizeof what, "sort %s%s page %d", store_sort_name(s.key),
             s.desc ? " desc" : "", pn);

    /* Forward from the start. */
    int pos = 0;
    const char *a = NULL;
    for (;;) {
        int got = store_page(st, f, s, a, +1, pn, page);
        assert_true(got >= 0);
        int want = m - pos < pn ? m - pos : pn;
        check_ids(page, got, c->order + pos, want, what);
        pos += got;
        if (got > 0)
            snprintf(anchor, sizeof anchor, "%s", page[got - 1].case_id);
        for (int i = 0; i < got; i++)
            imt_case_clear(&page[i]);
        if (got < pn)
            break;
        a = anchor;
    }
    assert_int_equal(pos, m);

    /* Backward from the end: dir -1 without an anchor gives the last rows. */
    pos = m;
    a = NULL;
    for (;;) {
        int got = store_page(st, f, s, a, -1, pn, page);
        assert_true(got >= 0);
        int want = pos < pn ? pos : pn;
        check_ids(page, got, c->order + pos - want, want, what);   /* display order */
        pos -= got;
        if (got > 0)
            snprintf(anchor, sizeof anchor, "%s", page[0].case_id);
        for (int i = 0; i < got; i++)
            imt_case_clear(&page[i]);
        if (got < pn)
            break;
        a = anchor;
    }
    assert_int_equal(pos, 0);

    /* dir 0 from rows in the middle, and ranks. */
    for (int k = 0; k < m; k += m / 7 + 1) {
        int got = store_page(st, f, s, c->order[k]->id, 0, pn, page);
        int want = m - k < pn ? m - k : pn;
        check_ids(page, got, c->order + k, want, what);
        for (int i = 0; i < got; i++)
            imt_case_clear(&page[i]);
        assert_int_equal(store_rank(st, f, s, c->order[k]->id), k);
    }
}

static void test_paging_every_sort(void **state)
{
    fx *f = *state;
    imt_filter nf = no_filter();
    for (int k = 0; k < SORT_NKEYS; k++)
        for (int d = 0; d < 2; d++)
            page_through(f->st, &nf, (imt_sort){ (imt_sort_key)k, d == 1 }, 53);
}

static void test_paging_filtered(void **state)
{
    fx *f = *state;
    imt_filter fl = no_filter();
    fl.site_mask = (1u << SITE_LUNG) | (1u << SITE_CNS) | (1u << SITE_OTHER);
    fl.status_mask = (1u << REV_UNREVIEWED) | (1u << REV_SIGNED_OUT);
    for (int k = 0; k < SORT_NKEYS; k++)
        for (int d = 0; d < 2; d++)
            page_through(f->st, &fl, (imt_sort){ (imt_sort_key)k, d == 1 }, 17);
    imt_filter fs = no_filter();
    filter_set_search(&fs, "ORBIT");
    page_through(f->st, &fs, (imt_sort){ SORT_AGE, false }, 9);
    page_through(f->st, &fs, (imt_sort){ SORT_OUTCOME, true }, 9);
}

/* An anchor that does not pass the filter: the rows after (or before) it
 * in the same order. */
static void test_anchor_outside_filter(void **state)
{
    fx *f = *state;
    cohort_fx *c = g_cohort;
    imt_filter fl = no_filter();
    fl.alk_mask = 1u << ALK_POSITIVE;
    imt_filter nf = no_filter();
    imt_sort s = { SORT_SIZE, false };
    const ref_case **all = calloc((size_t)c->n, sizeof *all);
    int n = expected_order(c->r, c->n, &nf, s, all);
    int tested = 0;
    for (int i = 0; i < n && tested < 20; i += 97) {
        if (all[i]->alk == ALK_POSITIVE)
            continue;
        tested++;
        /* expected: next passing rows after position i */
        const ref_case *want[8];
        int w = 0;
        for (int j = i + 1; j < n && w < 8; j++)
            if (all[j]->alk == ALK_POSITIVE)
                want[w++] = all[j];
        imt_case page[8];
        int got = store_page(f->st, &fl, s, all[i]->id, +1, 8, page);
        check_ids(page, got, want, w, "after a non-passing anchor");
        for (int k = 0; k < got; k++)
            imt_case_clear(&page[k]);
        got = store_page(f->st, &fl, s, all[i]->id, 0, 8, page);   /* same: anchor fails */
        check_ids(page, got, want, w, "dir 0 at a non-passing anchor");
        for (int k = 0; k < got; k++)
            imt_case_clear(&page[k]);
        w = 0;
        const ref_case *before[8];
        for (int j = i - 1; j >= 0 && w < 8; j--)
            if (all[j]->alk == ALK_POSITIVE)
                before[w++] = all[j];
        for (int a = 0, b = w - 1; a < b; a++, b--) {
            const ref_case *t = before[a];
            before[a] = before[b];
            before[b] = t;
        }
        got = store_page(f->st, &fl, s, all[i]->id, -1, 8, page);
        check_ids(page, got, before, w, "before a non-passing anchor");
        for (int k = 0; k < got; k++)
            imt_case_clear(&page[k]);
        assert_false(store_passes(f->st, &fl, all[i]->id));
        assert_int_equal(store_rank(f->st, &fl, s, all[i]->id), -1);
    }
    assert_true(tested > 5);
    free(all);
    imt_case page[2];
    assert_true(store_page(f->st, &nf, s, "NO-SUCH", +1, 2, page) < 0);
    assert_int_equal(store_page(f->st, &nf, s, NULL, +1, 0, page), 0);
}

static void test_filter_counts(void **state)
{
    fx *f = *state;
    cohort_fx *c = g_cohort;
    imt_filter cases[12];
    int nc = 0;
    for (int i = 0; i < 12; i++)
        cases[i] = no_filter();
    cases[nc++].site_mask = 1u << SITE_HEAD_NECK;
    cases[nc++].alk_mask = (1u << ALK_NEGATIVE) | (1u << ALK_UNKNOWN);
    cases[nc++].outcome_mask = (1u << OUT_DOD) | (1u << OUT_DOC);
    cases[nc++].status_mask = 1u << REV_SIGNED_OUT;
    filter_set_search(&cases[nc++], "100%");          /* % literally */
    filter_set_search(&cases[nc++], "under_s");       /* _ literally */
    filter_set_search(&cases[nc++], "d_r");           /* not "der" in "under_score" */
    filter_set_search(&cases[nc++], "k\\s");          /* backslash literally */
    filter_set_search(&cases[nc++], "c00");           /* ids, ASCII case-insensitive */
    cases[nc].site_mask = (1u << SITE_LUNG) | (1u << SITE_ABDOMEN_PELVIS);
    cases[nc].alk_mask = 1u << ALK_POSITIVE;
    cases[nc].outcome_mask = 1u << OUT_NED;
    filter_set_search(&cases[nc++], "NOTE");
    cases[nc++].site_mask = 1u << 20;                 /* a bit with no value */
    for (int i = 0; i < nc; i++) {
        long want = 0;
        for (int k = 0; k < c->n; k++)
            want += ref_passes(&c->r[k], &cases[i]);
        long got = store_count(f->st, &cases[i]);
        if (got != want)
            fail_msg("filter %d: count %ld, want %ld", i, got, want);
        /* every filter but "r_s" and the valueless bit selects something */
        if (i != 6 && i != nc - 1)
            assert_true(want > 0);
    }
    /* Wildcards match literally: "d_r" and "r%s" are in no text, though
     * LIKE with them unescaped would match "under_score". */
    imt_filter fs = no_filter();
    filter_set_search(&fs, "d_r");
    assert_int_equal(store_count(f->st, &fs), 0);
    filter_set_search(&fs, "r%s");
    assert_int_equal(store_count(f->st, &fs), 0);
    filter_set_search(&fs, "r_s");                   /* literally in "under_score" */
    assert_true(store_count(f->st, &fs) > 0);
    filter_set_search(&fs, "%");
    long pct = 0;
    for (int k = 0; k < c->n; k++)
        pct += ref_passes(&c->r[k], &fs);
    assert_int_equal(store_count(f->st, &fs), pct);
    assert_true(pct < c->n);
}

typedef struct {
    int n;
    char last[16];
    int stop_at;
    bool ordered;
} each_ctx;

static int each_cb(void *vctx, const imt_case *c)
{
    each_ctx *x = vctx;
    if (x->n && strcmp(x->last, c->case_id) >= 0)
        x->ordered = false;
    snprintf(x->last, sizeof x->last, "%s", c->case_id);
    x->n++;
    return x->stop_at && x->n == x->stop_at ? 42 : 0;
}

/* The search is case-insensitive beyond ASCII (cli.md: "case-insensitive
 * substring"): SQLite's LIKE folds only A-Z.  Expected matches written by
 * hand. */
static void test_search_unicode(void **state)
{
    fx *f = *state;
    f->st = open_rw(f);
    static const char *const rows[][3] = {
        { "U1", "Größe des ÖSOPHAGUS", NULL },
        { "U2", NULL, "ΣΊΣΥΦΟΣ" },
        { "U3", "Éric, 50% done_x", "orbit" },
        { "U4", "МОСКВА, ĐÀ NẴNG, ŁÓDŹ", NULL },
        /* Romanian, Vietnamese, a title-case digraph, Georgian Mtavruli,
         * Armenian, Cherokee, a Roman numeral, circled letters: letters of
         * Latin Extended-B and beyond that a partial table missed */
        { "U5", "ȘTEFAN ȚEPEȘ; THƠ ƯỚC; Ǆemal", "ᲗᲑᲘᲚᲘᲡᲘ; ⅫI; ⒶⒷ; Ꭰ" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        imt_case c;
        imt_case_init(&c);
        char err[128];
        assert_int_equal(imt_field_parse(&c, IMT_F_case_id, rows[i][0], err, sizeof err), 0);
        c.site = SITE_LUNG;
        if (rows[i][1])
            assert_int_equal(imt_field_parse(&c, IMT_F_notes, rows[i][1], err, sizeof err), 0);
        if (rows[i][2])
            assert_int_equal(imt_field_parse(&c, IMT_F_site_detail, rows[i][2], err, sizeof err), 0);
        assert_int_equal(store_insert(f->st, &c, "test"), STORE_OK);
        imt_case_clear(&c);
    }
    static const struct { const char *q; long n; } want[] = {
        { "ösophagus", 1 }, { "ÖSOPHAGUS", 1 }, { "GRÖßE", 1 }, { "σίσυφος", 1 },
        { "ΣΊΣΥΦΟΣ", 1 }, { "éRIC", 1 }, { "ORBIT", 1 }, { "u", 5 }, { "50%", 1 },
        { "_X", 1 }, { "0%d", 0 }, { "ösophagusx", 0 }, { "москва", 1 },
        { "đà nẵng", 1 }, { "łódź", 1 }, { "Łódź", 1 },
        { "ștefan țepeș", 1 }, { "thơ ước", 1 }, { "ǆemal", 1 }, { "ǅEMAL", 1 },
        { "თბილისი", 1 }, { "ⅻi", 1 }, { "ⓐⓑ", 1 }, { "ꭰ", 1 },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        imt_filter fs = no_filter();
        filter_set_search(&fs, want[i].q);
        long got = store_count(f->st, &fs);
        if (got != want[i].n)
            fail_msg("search '%s': %ld cases, want %ld", want[i].q, got, want[i].n);
    }
}

/* store_foreach_by_key: rows come in the caller's key order (then
 * case_id), filtered, each case complete. */
static void rev_key(void *kctx, const imt_case *c, char *out, size_t n)
{
    (void)kctx;
    size_t len = strlen(c->case_id);
    size_t k = 0;
    for (; k < len && k + 1 < n; k++)
        out[k] = c->case_id[len - 1 - k];
    out[k] = '\0';
}

typedef struct { char ids[8][16]; int n; bool notes_seen; } key_seen;

static int key_cb(void *ctx, const imt_case *c)
{
    key_seen *k = ctx;
    if (k->n < 8)
        snprintf(k->ids[k->n++], sizeof k->ids[0], "%s", c->case_id);
    if (c->notes && strcmp(c->notes, "n-B2") == 0)
        k->notes_seen = true;
    return 0;
}

static void test_foreach_by_key(void **state)
{
    fx *f = *state;
    f->st = open_rw(f);
    static const char *const ids[] = { "A1", "B2", "C3", "D2", "E1" };
    for (size_t i = 0; i < 5; i++) {
        imt_case c;
        imt_case_init(&c);
        char err[128], note[16];
        assert_int_equal(imt_field_parse(&c, IMT_F_case_id, ids[i], err, sizeof err), 0);
        snprintf(note, sizeof note, "n-%s", ids[i]);
        assert_int_equal(imt_field_parse(&c, IMT_F_notes, note, err, sizeof err), 0);
        c.site = i == 2 ? SITE_CNS : SITE_LUNG;
        assert_int_equal(store_insert(f->st, &c, "test"), STORE_OK);
        imt_case_clear(&c);
    }
    /* keys: "1A" "2B" "3C" "2D" "1E" -> 1A 1E 2B 2D 3C */
    key_seen k = { .n = 0 };
    imt_filter nf = no_filter();
    assert_int_equal(store_foreach_by_key(f->st, &nf, rev_key, NULL, key_cb, &k), 0);
    assert_int_equal(k.n, 5);
    static const char *const want[] = { "A1", "E1", "B2", "D2", "C3" };
    for (int i = 0; i < 5; i++)
        assert_string_equal(k.ids[i], want[i]);
    assert_true(k.notes_seen);
    key_seen k2 = { .n = 0 };
    imt_filter lung = no_filter();
    lung.site_mask = 1u << SITE_LUNG;
    assert_int_equal(store_foreach_by_key(f->st, &lung, rev_key, NULL, key_cb, &k2), 0);
    assert_int_equal(k2.n, 4);
    assert_string_equal(k2.ids[3], "D2");
}

static void test_foreach(void **state)
{
    fx *f = *state;
    cohort_fx *c = g_cohort;
    imt_filter fl = no_filter();
    fl.site_mask = 1u << SITE_LUNG;
    long want = 0;
    for (int k = 0; k < c->n; k++)
        want += ref_passes(&c->r[k], &fl);
    each_ctx x = { .ordered = true };
    assert_int_equal(store_foreach(f->st, &fl, (imt_sort){ SORT_CASE_ID, false }, each_cb, &x), 0);
    assert_int_equal(x.n, want);
    assert_true(x.ordered);
    each_ctx y = { .stop_at = 5, .ordered = true };
    assert_int_equal(store_foreach(f->st, NULL, (imt_sort){ SORT_AGE, true }, each_cb, &y), 42);
    assert_int_equal(y.n, 5);
}

/* ---- check ------------------------------------------------------------------ */

typedef struct {
    int n;
    char msgs[16][512];
} report_list;

static void report_cb(void *ctx, const char *msg)
{
    report_list *l = ctx;
    if (l->n < 16)
        snprintf(l->msgs[l->n], sizeof l->msgs[0], "%s", msg);
    l->n++;
}

static bool any_msg(const report_list *l, const char *needle)
{
    for (int i = 0; i < l->n && i < 16; i++)
        if (strstr(l->msgs[i], needle))
            return true;
    return false;
}

static void test_check(void **state)
{
    SQLITE_ONLY();
    fx *f = *state;
    f->st = open_rw(f);
    imt_case c;
    new_case(&c, "K-1", "lung");
    set_field(&c, "alk_fish", "positive");
    set_field(&c, "outcome", "NED");
    set_field(&c, "followup_months", "12");
    assert_int_equal(store_insert(f->st, &c, "test"), STORE_OK);
    imt_case_clear(&c);
    insert_simple(f->st, "K-2", "cns");
    report_list l = { 0 };
    assert_int_equal(store_check(f->st, report_cb, &l), 0);
    assert_int_equal(l.n, 0);

    /* A derived value corrupted behind the store's back. */
    sqlite3 *db = raw(f);
    raw_exec(db, "UPDATE cases SET alk_status = 'negative' WHERE case_id = 'K-1'");
    memset(&l, 0, sizeof l);
    assert_int_equal(store_check(f->st, report_cb, &l), 1);
    assert_true(any_msg(&l, "K-1") && any_msg(&l, "alk_status is 'negative'") &&
                any_msg(&l, "'positive'"));
    raw_exec(db, "UPDATE cases SET alk_status = 'positive' WHERE case_id = 'K-1'");

    /* Values outside the dictionary written with the CHECKs off. */
    raw_exec(db, "PRAGMA ignore_check_constraints = ON");
    raw_exec(db, "UPDATE cases SET age_years = 999, sex = 'x', notes = 'a\x01' || char(27) "
                 "WHERE case_id = 'K-2'");
    memset(&l, 0, sizeof l);
    int np = store_check(f->st, report_cb, &l);
    for (int i = 0; i < l.n && i < 16; i++)
        print_message("reported: %s\n", l.msgs[i]);
    /* and the replay of the history names each change made behind its back */
    assert_int_equal(np, 4);
    assert_true(any_msg(&l, "'age_years' holds '999"));
    assert_true(any_msg(&l, "'sex' holds 'x'"));
    assert_true(any_msg(&l, "case 'K-2': notes is 'a\\x01\\x1b' but its history says unknown"));
    raw_exec(db, "UPDATE cases SET age_years = NULL, sex = NULL, notes = NULL "
                 "WHERE case_id = 'K-2'");
    /* A cross-field rule broken (outcome without follow-up). */
    raw_exec(db, "UPDATE cases SET followup_months = NULL WHERE case_id = 'K-1'");
    memset(&l, 0, sizeof l);
    assert_int_equal(store_check(f->st, report_cb, &l), 2);
    assert_true(any_msg(&l, "case 'K-1': followup_months is unknown but its history says '12'"));
    assert_true(any_msg(&l, "followup_months"));
    raw_exec(db, "UPDATE cases SET followup_months = 12 WHERE case_id = 'K-1'");

    /* The audit trail's protection removed. */
    raw_exec(db, "DROP TRIGGER audit_no_delete");
    memset(&l, 0, sizeof l);
    assert_int_equal(store_check(f->st, report_cb, &l), 1);
    assert_true(any_msg(&l, "audit_no_delete is missing"));
    raw_exec(db, "DROP TRIGGER audit_no_replace");
    memset(&l, 0, sizeof l);
    assert_int_equal(store_check(f->st, report_cb, &l), 2);
    assert_true(any_msg(&l, "audit_no_replace is missing"));
    sqlite3_close(db);
}


/* The hash chain: every way of rewriting history behind the store's back,
 * triggers dropped and re-created, is named by check with its row. */
static const char *const no_update_sql =
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit WHEN OLD.hash IS NOT NULL BEGIN "
    "SELECT RAISE(ABORT, 'the audit trail is append-only: its rows cannot be changed'); END";
static const char *const no_delete_sql =
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN "
    "SELECT RAISE(ABORT, 'the audit trail is append-only: its rows cannot be deleted'); END";

static void chain_fixture(fx *f)
{
    f->st = open_rw(f);
    insert_simple(f->st, "C-1", "lung");    /* audit row 1 */
    insert_simple(f->st, "C-2", "cns");     /* 2 */
    insert_simple(f->st, "C-3", "abdomen_pelvis");   /* 3 */
    /* one audit row: unreviewed records no reviewer (in_review would add
     * the reviewer's and the time's rows) */
    assert_int_equal(store_set_review(f->st, "C-1", REV_UNREVIEWED, "look", "rs1"), STORE_OK); /* 4 */
    insert_simple(f->st, "C-4", "lung");    /* 5 */
}

/* A fresh fixture for the next tampering (the last one committed). */
static sqlite3 *chain_reset(fx *f, sqlite3 *db)
{
    sqlite3_close(db);
    store_close(f->st);
    store_remove_files(f->path);
    chain_fixture(f);
    return raw(f);
}

static void expect_one(fx *f, const char *needle)
{
    report_list l = { 0 };
    int np = store_check(f->st, report_cb, &l);
    for (int i = 0; i < l.n && i < 16; i++)
        print_message("reported: %s\n", l.msgs[i]);
    assert_true(np >= 1);
    assert_true(any_msg(&l, needle));
}

static void test_chain(void **state)
{
    SQLITE_ONLY();
    fx *f = *state;
    chain_fixture(f);
    report_list l = { 0 };
    store_audit_head h1;
    assert_int_equal(store_check_head(f->st, report_cb, &l, &h1), 0);
    assert_true(h1.ok);
    assert_int_equal(h1.rows, 5);
    assert_int_equal(h1.seq, 5);
    assert_int_equal(strlen(h1.hash), 64);
    /* The head is SHA-256(row 4's hash || row 5's row_hash), recomputed
     * here with libmd from what the file holds. */
    sqlite3 *db = raw(f);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT hash FROM audit WHERE seq = 4), "
                                            "row_hash FROM audit WHERE seq = 5", -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    unsigned char in[64], d[32];
    for (int c = 0; c < 2; c++) {
        const char *hx = (const char *)sqlite3_column_text(q, c);
        for (int i = 0; i < 32; i++)
            sscanf(hx + 2 * i, "%2hhx", &in[32 * c + i]);
    }
    sqlite3_finalize(q);
    SHA2_CTX sc;
    SHA256Init(&sc);
    SHA256Update(&sc, in, 64);
    SHA256Final(d, &sc);
    char hex[65];
    for (int i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", d[i]);
    assert_string_equal(hex, h1.hash);

    /* 1. triggers dropped, a user rewritten, the trigger re-created */
    raw_exec(db, "DROP TRIGGER audit_no_update; "
                 "UPDATE audit SET user = 'mallory' WHERE seq = 2");
    raw_exec(db, no_update_sql);
    expect_one(f, "audit row 2 was changed after it was written");
    db = chain_reset(f, db);
    /* 2. a case's whole history deleted */
    raw_exec(db, "DROP TRIGGER audit_no_delete; "
                 "DELETE FROM audit WHERE case_id = 'C-2'");
    raw_exec(db, no_delete_sql);
    expect_one(f, "audit row 2 was removed: row 3 does not follow row 1");
    expect_one(f, "case 'C-2' has no record of its creation");
    db = chain_reset(f, db);
    /* 3. a case changed with no audit row */
    raw_exec(db, "UPDATE cases SET site = 'trunk_limbs' WHERE case_id = 'C-3'");
    expect_one(f, "case 'C-3': site is 'trunk_limbs' but its history says 'abdomen_pelvis'");
    db = chain_reset(f, db);
    /* 4. two rows swapped */
    raw_exec(db, "DROP TRIGGER audit_no_update; "
                 "UPDATE audit SET seq = -1 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; "
                 "UPDATE audit SET seq = 3 WHERE seq = -1");
    raw_exec(db, no_update_sql);
    expect_one(f, "audit row 2 is out of order: it was written after the row now numbered 3");
    db = chain_reset(f, db);
    /* 5. a row inserted by another program (no hash) */
    raw_exec(db, "INSERT INTO audit (time, user, case_id, field, old_value, "
                 "new_value, source) VALUES ('2026-01-01T00:00:00Z', 'x', 'C-3', 'site', "
                 "'abdomen_pelvis', 'trunk_limbs', 'edit'); UPDATE cases SET site = 'trunk_limbs' WHERE case_id = 'C-3'");
    expect_one(f, "audit row 6 has no valid hash");
    db = chain_reset(f, db);
    /* 6. a copy of row 2, hashes and all, inserted after it (the rows
     * after it renumbered): the copy chains from row 1, not row 2 */
    raw_exec(db, "DROP TRIGGER audit_no_update; "
                 "UPDATE audit SET seq = seq + 100 WHERE seq >= 3; "
                 "UPDATE audit SET seq = seq - 99 WHERE seq >= 100; "
                 "INSERT INTO audit (seq, time, user, case_id, field, new_value, source, snapshot, "
                 "row_hash, hash) SELECT 3, time, user, case_id, field, new_value, source, snapshot, "
                 "row_hash, hash FROM audit WHERE seq = 2");
    raw_exec(db, no_update_sql);
    expect_one(f, "audit row 2 was inserted behind imtreview's back: row 3 was written "
                  "right after row 1");
    db = chain_reset(f, db);
    memset(&l, 0, sizeof l);
    store_audit_head h2;
    assert_int_equal(store_check_head(f->st, report_cb, &l, &h1), 0);
    /* A new row moves the head, and the chain goes on. */
    insert_simple(f->st, "C-5", "lung");
    assert_int_equal(store_check_head(f->st, report_cb, &l, &h2), 0);
    assert_int_equal(h2.seq, 6);
    assert_string_not_equal(h1.hash, h2.hash);
    sqlite3_close(db);
}

/* The first fill of an empty database builds the indexes at commit; a
 * rollback or a commit must leave every index in place. */
static long count_indexes(fx *f)
{
    sqlite3 *db = raw(f);
    long n = (long)raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                               "AND sql IS NOT NULL");
    sqlite3_close(db);
    return n;
}

static void test_bulk_load_indexes(void **state)
{
    SQLITE_ONLY();
    fx *f = *state;
    f->st = open_rw(f);
    /* 9 sortable list columns (case_id has its UNIQUE index) + audit by
     * case, the decision state (schema 4) and decisions by case, and since
     * schema version 5 the worklist's next_due and the events by case */
    assert_int_equal(count_indexes(f), 14);
    assert_int_equal(store_begin(f->st), STORE_OK);
    insert_simple(f->st, "A-1", "lung");
    insert_simple(f->st, "A-2", "cns");
    /* Inside the transaction everything still answers. */
    imt_filter nf = no_filter();
    nf.site_mask = 1u << SITE_CNS;
    assert_int_equal(store_count(f->st, &nf), 1);
    assert_int_equal(store_rollback(f->st), STORE_OK);
    assert_int_equal(count_indexes(f), 14);
    nf = no_filter();
    assert_int_equal(store_count(f->st, &nf), 0);

    assert_int_equal(store_begin(f->st), STORE_OK);
    insert_simple(f->st, "A-1", "lung");
    insert_simple(f->st, "A-2", "cns");
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(count_indexes(f), 14);
    assert_int_equal(store_count(f->st, &nf), 2);
    /* A later transaction on a filled database takes the ordinary path. */
    assert_int_equal(store_begin(f->st), STORE_OK);
    insert_simple(f->st, "A-3", "cns");
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(count_indexes(f), 14);
    report_list l = { 0 };
    assert_int_equal(store_check(f->st, report_cb, &l), 0);
}

static void test_sort_names(void **state)
{
    (void)state;
    static const char *const want[SORT_NKEYS] = { "case_id", "age", "sex", "site", "size",
                                                  "alk", "surgery", "outcome", "followup",
                                                  "review", "next_due" };
    for (int k = 0; k < SORT_NKEYS; k++)
        assert_string_equal(store_sort_name((imt_sort_key)k), want[k]);
}

int main(void)
{
    on_pg = pgt_on_pg();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_mode_0600_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secret_differs_between_databases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_existing_mode_0660_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_opens_readonly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intact_not_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_files_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_constraints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_every_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_derived_on_insert_and_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_audits_changed_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_append_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_and_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging_every_sort, cohort_setup, cohort_teardown),
        cmocka_unit_test_setup_teardown(test_paging_filtered, cohort_setup, cohort_teardown),
        cmocka_unit_test_setup_teardown(test_anchor_outside_filter, cohort_setup, cohort_teardown),
        cmocka_unit_test_setup_teardown(test_filter_counts, cohort_setup, cohort_teardown),
        cmocka_unit_test_setup_teardown(test_foreach, cohort_setup, cohort_teardown),
        cmocka_unit_test_setup_teardown(test_search_unicode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreach_by_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupt_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupt_ends_busy_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_keeps_shm_locks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_load_indexes, setup, teardown),
        cmocka_unit_test(test_sort_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
