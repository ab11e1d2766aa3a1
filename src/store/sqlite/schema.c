/* store/sqlite/schema.c - the SQLite schema, generated from the data dictionary,
 * and its migrations (PRAGMA user_version). */
#define _GNU_SOURCE
#include "sqlite_int.h"

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

int sq_nvalues(const char *const *v)
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
void sq_index_ddl(sbuf *b, const char *verb)
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
    sq_index_ddl(&b, "CREATE INDEX");
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
        return sq_set_err(st, STORE_ERROR, "out of memory");
    /* audit refers to cases, the indexes to both. */
    char *idx = strstr(ddl, "CREATE INDEX");
    int rc = STORE_OK;
    if (idx) {
        *idx = '\0';
        rc = sq_exec_sql(st, ddl, "creating the cases table");
        *idx = 'C';
    }
    if (rc == STORE_OK)
        rc = sq_exec_sql(st, audit_ddl, "creating the audit table");
    if (rc == STORE_OK && idx)
        rc = sq_exec_sql(st, idx, "creating the indexes");
    free(ddl);
    if (rc != STORE_OK)
        return rc;
    unsigned char key[32];
    if (random_bytes(key, sizeof key) != 0)
        return sq_set_err(st, STORE_ERROR, "cannot read random bytes for the database key: %s",
                       strerror(errno));
    sqlite3_stmt *s;
    int src = sqlite3_prepare_v2(st->db,
        "INSERT INTO meta (key, value) VALUES ('secret', ?1), ('created', ?2)", -1, &s, NULL);
    if (src != SQLITE_OK)
        return sq_fail(st, src, "creating the database key");
    sqlite3_bind_blob(s, 1, key, sizeof key, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, sq_now_utc(st), -1, SQLITE_TRANSIENT);
    rc = sq_exec1(st, s, "creating the database key");
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
    return sq_exec_sql(st, audit_no_replace_ddl, "protecting the audit trail");
}



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
    int rc = sq_exec_sql(st, ddl, "adding the audit hash chain");
    if (rc != STORE_OK)
        return rc;
    sbuf b = { 0 };
    sb_add(&b, "SELECT ");
    for (int f = 0; f < IMT_F_COUNT; f++)
        sb_add(&b, "%s, ", imt_fields[f].name);
    sb_add(&b, "alk_discordant FROM cases ORDER BY id");
    if (b.oom) {
        sb_free(&b);
        return sq_set_err(st, STORE_ERROR, "out of memory");
    }
    sqlite3_stmt *rd, *wr;
    rc = sqlite3_prepare_v2(st->db, b.s, -1, &rd, NULL);
    sb_free(&b);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "recording the cases' values");
    rc = sqlite3_prepare_v2(st->db,
        "INSERT INTO audit (time, user, case_id, field, new_value, source, snapshot) "
        "VALUES (?1, ?2, ?3, '*', 'baseline', 'schema upgrade: values as found', ?4)",
        -1, &wr, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(rd);
        return sq_fail(st, rc, "recording the cases' values");
    }
    int ret = STORE_OK;
    while (ret == STORE_OK && (rc = sqlite3_step(rd)) == SQLITE_ROW) {
        imt_case c;
        char *snap = NULL;
        if (sq_load_case(rd, 0, &c) != 0 || !(snap = rec_case_snapshot(&c))) {
            imt_case_clear(&c);
            ret = sq_set_err(st, STORE_ERROR, "out of memory");
            break;
        }
        sqlite3_bind_text(wr, 1, sq_now_utc(st), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(wr, 2, st->user, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(wr, 3, c.case_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(wr, 4, snap, -1, SQLITE_TRANSIENT);
        ret = sq_exec1(st, wr, "recording the cases' values");
        free(snap);
        imt_case_clear(&c);
    }
    if (ret == STORE_OK && rc != SQLITE_DONE)
        ret = sq_fail(st, rc, "recording the cases' values");
    sqlite3_finalize(rd);
    sqlite3_finalize(wr);
    return ret == STORE_OK ? sq_chain_fill(st) : ret;
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

int sq_read_user_version(imt_backend *st, int *v)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "reading the schema version");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return sq_fail(st, rc, "reading the schema version");
    return STORE_OK;
}

int sq_count_objects(imt_backend *st, long *n)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_master", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "reading the database");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return sq_fail(st, rc, "reading the database");
    return STORE_OK;
}

int sq_migrate(imt_backend *st, const char *path)
{
    int v = 0;
    int rc = sq_read_user_version(st, &v);
    if (rc != STORE_OK)
        return rc;
    if (v > STORE_SCHEMA_VERSION)
        return sq_set_err(st, STORE_ERROR,
                       "database schema version %d is newer than this imtreview (%d); "
                       "upgrade imtreview", v, STORE_SCHEMA_VERSION);
    if (v == STORE_SCHEMA_VERSION) {
        st->version = v;
        return STORE_OK;
    }
    if (sq_is_readonly(st)) {
        if (v == 0)
            return sq_set_err(st, STORE_ERROR,
                           "%s is not an imtreview database yet; open it once without "
                           "--readonly to create the schema", path);
        return sq_set_err(st, STORE_ERROR,
                       "database schema version %d is older than this imtreview (%d); "
                       "open it once without --readonly to upgrade it", v,
                       STORE_SCHEMA_VERSION);
    }
    if ((rc = sq_exec_sql(st, "BEGIN IMMEDIATE", "starting the schema upgrade")) != STORE_OK)
        return rc;
    /* Another program may have upgraded it while we waited for the lock. */
    if ((rc = sq_read_user_version(st, &v)) != STORE_OK)
        goto fail;
    if (v > STORE_SCHEMA_VERSION) {
        rc = sq_set_err(st, STORE_ERROR,
                     "database schema version %d is newer than this imtreview (%d); "
                     "upgrade imtreview", v, STORE_SCHEMA_VERSION);
        goto fail;
    }
    if (v == 0) {
        long nobj = 0;
        if ((rc = sq_count_objects(st, &nobj)) != STORE_OK)
            goto fail;
        if (nobj > 0) {
            rc = sq_set_err(st, STORE_ERROR,
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
        if ((rc = sq_exec_sql(st, sql, "recording the schema version")) != STORE_OK)
            goto fail;
        v = migrations[i].version;
    }
    if ((rc = sq_exec_sql(st, "COMMIT", "committing the schema")) != STORE_OK)
        goto fail;
    st->version = v;
    return STORE_OK;
fail:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

