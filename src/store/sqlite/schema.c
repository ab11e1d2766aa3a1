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

/* The secondary indexes of schema version 1: one per sortable list
 * column (it serves the filter on that column too) with case_id for
 * keyset paging, and the audit trail by case.  verb is "CREATE INDEX" or
 * "DROP INDEX".  Frozen: later versions add theirs in their own step. */
void sq_index_ddl_v1(sbuf *b, const char *verb)
{
    bool create = strcmp(verb, "CREATE INDEX") == 0;
    for (int k = 1; k < SORT_V1_KEYS; k++) {
        sb_add(b, "%s cases_sort_%s", verb, store_sort_cols[k].name);
        if (create)
            sb_add(b, " ON cases(sort_%s, case_id)", store_sort_cols[k].name);
        sb_add(b, ";\n");
    }
    sb_add(b, "%s audit_case%s;\n", verb, create ? " ON audit(case_id)" : "");
}

/* Every secondary index of cases and audit today (the bulk load drops
 * and rebuilds them). */
void sq_index_ddl(sbuf *b, const char *verb)
{
    sq_index_ddl_v1(b, verb);
    bool create = strcmp(verb, "CREATE INDEX") == 0;
    sb_add(b, "%s cases_sort_next_due%s;\n", verb,
           create ? " ON cases(sort_next_due, case_id)" : "");
}

/* sq_index_ddl and the index of the decision state (schema version 4):
 * what a bulk load drops and builds again. */
void sq_index_ddl_all(sbuf *b, const char *verb)
{
    bool create = strcmp(verb, "CREATE INDEX") == 0;
    sq_index_ddl(b, verb);
    sb_add(b, "%s cases_decision%s;\n", verb,
           create ? " ON cases(decision_state, case_id)" : "");
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
    for (int k = 1; k < SORT_V1_KEYS; k++) {
        sb_add(&b, ",\n");
        sort_column_def(&b, (imt_sort_key)k);
    }
    sb_add(&b, "\n);\n");
    sq_index_ddl_v1(&b, "CREATE INDEX");
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
    sb_add(&b, "alk_discordant, NULL FROM cases ORDER BY id");
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

/* Version 4: review (issue 10).  Cases gain their version, decision state
 * (0 decided, 1 undecided, 2 stale: core/review.h; recomputed at the next
 * writable open, see decisions.c), the latest review comment and the
 * signer's full name; decisions get an append-only table; audit rows gain
 * the rule, the facts that fired it and the signer's full name (the hash
 * chain covers new columns by itself, leaving NULLs out). */
static int migrate_v4(imt_backend *st)
{
    sbuf b = { 0 };
    sb_add(&b,
        "ALTER TABLE cases ADD COLUMN version INTEGER NOT NULL DEFAULT 1 "
        "CONSTRAINT ck_version CHECK (typeof(version) = 'integer' AND version >= 1);\n"
        "ALTER TABLE cases ADD COLUMN decision_state INTEGER NOT NULL DEFAULT 1 "
        "CONSTRAINT ck_decision_state CHECK (decision_state = 0 OR decision_state = 1 "
        "OR decision_state = 2);\n"
        "ALTER TABLE cases ADD COLUMN review_comment TEXT;\n"
        "ALTER TABLE cases ADD COLUMN signer_name TEXT;\n"
        "CREATE INDEX cases_decision ON cases(decision_state, case_id);\n"
        "CREATE TABLE decisions (\n"
        "  seq INTEGER PRIMARY KEY,\n"
        "  case_id TEXT NOT NULL REFERENCES cases(case_id),\n"
        "  rule_id TEXT NOT NULL CHECK (length(rule_id) BETWEEN 1 AND 39),\n"
        "  ruleset TEXT NOT NULL,\n"
        "  decision TEXT NOT NULL CHECK (decision = 'accept' OR decision = 'override'),\n"
        "  reason TEXT CHECK ((decision = 'accept' AND reason IS NULL) OR "
        "(decision = 'override' AND (");
    for (int i = 0; review_reason_values[i]; i++)
        sb_add(&b, "%sreason = '%s'", i ? " OR " : "", review_reason_values[i]);
    sb_add(&b, "))),\n"
        "  comment TEXT,\n"
        "  fired_by TEXT NOT NULL,\n"
        "  user TEXT NOT NULL,\n"
        "  time TEXT NOT NULL\n"
        ");\n"
        "CREATE INDEX decisions_case ON decisions(case_id, rule_id, seq);\n"
        "CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions BEGIN\n"
        "  SELECT RAISE(ABORT, 'decisions are append-only: they cannot be changed');\n"
        "END;\n"
        "CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions BEGIN\n"
        "  SELECT RAISE(ABORT, 'decisions are append-only: they cannot be deleted');\n"
        "END;\n"
        "ALTER TABLE audit ADD COLUMN rule_id TEXT;\n"
        "ALTER TABLE audit ADD COLUMN fired_by TEXT;\n"
        "ALTER TABLE audit ADD COLUMN full_name TEXT;\n");
    if (b.oom) {
        sb_free(&b);
        return sq_set_err(st, STORE_ERROR, "out of memory");
    }
    int rc = sq_exec_sql(st, b.s, "adding review, versions and decisions");
    sb_free(&b);
    return rc;
}

/* Version 5 (issue 14): the course.  Table events (one row per event, the
 * columns of the events CSV, with the vocabularies of core/events.h as
 * CHECKs), the derived cases.next_due with its sort key and index, and
 * next_due computed for the cases already there (no events yet) with the
 * built-in schedule, which meta records. */
static int migrate_v5(imt_backend *st)
{
    sbuf b = { 0 };
    sb_add(&b, "CREATE TABLE events (\n"
               "  id INTEGER PRIMARY KEY,\n"
               "  case_id TEXT NOT NULL REFERENCES cases(case_id),\n"
               "  date TEXT CONSTRAINT ck_ev_date CHECK (date IS NULL OR (date GLOB "
               "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND date >= '1800-01-01' "
               "AND date(date, '+0 days') IS date)),\n"
               "  day INTEGER CONSTRAINT ck_ev_day CHECK (day IS NULL OR (typeof(day) = "
               "'integer' AND day BETWEEN 0 AND %d)),\n", EV_DAY_MAX);
    struct { const char *col; const char *const *vals; bool notnull; } en[] = {
        { "type", ev_type_values, true }, { "intent", ev_intent_values, false },
        { "reason", ev_reason_values, false }, { "response", ev_response_values, false },
        { "extent", ev_extent_values, false },
    };
    for (size_t i = 0; i < sizeof en / sizeof en[0]; i++) {
        if (i == 1)
            sb_add(&b, "  line INTEGER CONSTRAINT ck_ev_line CHECK (line IS NULL OR "
                       "(typeof(line) = 'integer' AND line BETWEEN 1 AND %d)),\n"
                       "  agent TEXT CONSTRAINT ck_ev_agent CHECK (agent IS NULL OR "
                       "(typeof(agent) = 'text' AND length(agent) BETWEEN 1 AND 200)),\n",
                   EV_LINE_MAX);
        sb_add(&b, "  %s TEXT%s CONSTRAINT ck_ev_%s CHECK (", en[i].col,
               en[i].notnull ? " NOT NULL" : "", en[i].col);
        if (!en[i].notnull)
            sb_add(&b, "%s IS NULL OR ", en[i].col);
        for (int k = 0; en[i].vals[k]; k++)
            sb_add(&b, "%s%s = '%s'", k ? " OR " : "", en[i].col, en[i].vals[k]);
        sb_add(&b, "),\n");
    }
    sb_add(&b, "  site TEXT CONSTRAINT ck_ev_site CHECK (site IS NULL OR (typeof(site) = "
               "'text' AND length(site) BETWEEN 1 AND %d)),\n"
               "  detail TEXT CONSTRAINT ck_ev_detail CHECK (detail IS NULL OR "
               "(typeof(detail) = 'text' AND length(detail) BETWEEN 1 AND %d)),\n"
               "  CONSTRAINT ck_ev_when CHECK ((date IS NULL) <> (day IS NULL))\n"
               ");\n"
               "CREATE INDEX events_case ON events(case_id, id);\n"
               "ALTER TABLE cases ADD COLUMN next_due TEXT CONSTRAINT ck_next_due CHECK "
               "(next_due IS NULL OR (next_due GLOB "
               "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND "
               "date(next_due, '+0 days') IS next_due));\n"
               "ALTER TABLE cases ADD COLUMN sort_next_due TEXT GENERATED ALWAYS AS "
               "(coalesce(next_due, '~')) VIRTUAL;\n"
               "CREATE INDEX cases_sort_next_due ON cases(sort_next_due, case_id);\n",
           EV_SITE_MAX, EV_DETAIL_MAX);
    if (b.oom) {
        sb_free(&b);
        return sq_set_err(st, STORE_ERROR, "out of memory");
    }
    int rc = sq_exec_sql(st, b.s, "adding the course (events) and next_due");
    sb_free(&b);
    if (rc != STORE_OK)
        return rc;
    /* next_due of the cases already there, with the built-in schedule */
    fu_default(&st->sched);
    fu_canonical(&st->sched, st->sched_text, sizeof st->sched_text);
    long n = 0;
    rc = sq_recompute_next_due(st, &n);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q;
    rc = sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO meta (key, value) "
                                    "VALUES ('followup_schedule', ?1)", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "recording the follow-up schedule");
    sqlite3_bind_text(q, 1, st->sched_text, -1, SQLITE_TRANSIENT);
    rc = sq_exec1(st, q, "recording the follow-up schedule");
    sqlite3_finalize(q);
    return rc;
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
    { 4, migrate_v4 },
    { 5, migrate_v5 },
    { 6, sq_migrate_v6 },      /* case counts and the search index (search.c) */
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

/* Whether the cases table has a column (PRAGMA table_info). */
static int has_column(imt_backend *st, const char *table, const char *col, bool *yes)
{
    sqlite3_stmt *q;
    *yes = false;
    int rc = sqlite3_prepare_v2(st->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "reading the schema");
    sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, col, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    *yes = rc == SQLITE_ROW;
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : sq_fail(st, rc, "reading the schema");
}

/* Version 4 (review) and 5 (course) were written side by side: a file
 * made by a program that had 5 but not 4 says version 5 without the
 * review columns.  They are added then (migrate_v4 is additive), in one
 * transaction; read-only, the message says how. */
static int repair_v4(imt_backend *st)
{
    bool yes;
    int rc = has_column(st, "cases", "decision_state", &yes);
    if (rc != STORE_OK || yes)
        return rc;
    if (sq_is_readonly(st))
        return sq_set_err(st, STORE_ERROR, "the database lacks the review columns of schema "
                          "version 4; open it once without --readonly to add them");
    if ((rc = sq_exec_sql(st, "BEGIN IMMEDIATE", "adding the review columns")) != STORE_OK)
        return rc;
    if ((rc = has_column(st, "cases", "decision_state", &yes)) == STORE_OK && !yes)
        rc = migrate_v4(st);
    if (rc == STORE_OK)
        rc = sq_exec_sql(st, "COMMIT", "adding the review columns");
    if (rc != STORE_OK)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
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
        return repair_v4(st);
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
    /* A file that says 4 or more without the review columns (repair_v4):
     * they first, the later versions build on them. */
    if (v >= 4) {
        bool yes;
        if ((rc = has_column(st, "cases", "decision_state", &yes)) != STORE_OK)
            goto fail;
        if (!yes && (rc = migrate_v4(st)) != STORE_OK)
            goto fail;
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

