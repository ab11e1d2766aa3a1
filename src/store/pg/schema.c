/* store/pg/schema.c - the PostgreSQL schema, generated from the data
 * dictionary, its creation and upgrade (one process, under an advisory
 * lock), the grants of the roles, and the role script (imtreview
 * pg-roles). */
#define _GNU_SOURCE
#include "pg_int.h"

#include <locale.h>
#include "core/events.h"
#include "core/followup.h"
#include "core/review.h"

/* The advisory lock that serialises creating and upgrading the schema
 * (two int4 keys: "imtt", 1). */
#define PG_LOCK_KEY "1768780916, 1"

const char *pg_sort_col(imt_sort_key k, char *buf, size_t n)
{
    if (k == SORT_NEXT_DUE)
        return "sort_next_due";
    if (k == SORT_CASE_ID || store_sort_cols[k].field < 0)
        return "case_id";
    snprintf(buf, n, "sort_%s", store_sort_cols[k].name);
    return buf;
}

/* Numbers in the schema text in the C locale. */
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

/* A column of cases with the CHECK that mirrors data-dictionary.md (the
 * SQLite engine's, in PostgreSQL's words). */
static void column_def(sbuf *b, int f)
{
    const imt_field *fd = &imt_fields[f];
    const char *n = fd->name;
    bool notnull = f == IMT_F_case_id || f == IMT_F_site || f == IMT_F_review_status ||
                   (fd->flags & FF_DERIVED);
    char lo[40], hi[40];
    switch (fd->type) {
    case FT_ID:
        sb_add(b, "  %s text COLLATE \"C\" NOT NULL CONSTRAINT cases_pkey PRIMARY KEY "
                  "CONSTRAINT ck_%s CHECK (char_length(%s) BETWEEN 1 AND %u AND "
                  "%s ~ '^[A-Za-z0-9._-]+$')", n, n, n, fd->maxlen, n);
        break;
    case FT_TEXT:
        sb_add(b, "  %s text CONSTRAINT ck_%s CHECK (%s IS NULL OR char_length(%s) "
                  "BETWEEN 1 AND %u)", n, n, n, n, fd->maxlen);
        break;
    case FT_FUSION:
        sb_add(b, "  %s text CONSTRAINT ck_%s CHECK (%s IS NULL OR %s = 'none' OR "
                  "(char_length(%s) <= %u AND %s COLLATE \"C\" ~ '^[A-Z0-9-]+::[A-Z0-9-]+$'))",
               n, n, n, n, n, fd->maxlen, n);
        break;
    case FT_DEC:
    case FT_INT:
        c_number(fd->min, lo, sizeof lo);
        c_number(fd->max, hi, sizeof hi);
        sb_add(b, "  %s %s CONSTRAINT ck_%s CHECK (%s IS NULL OR %s BETWEEN %s AND %s)",
               n, fd->type == FT_DEC ? "double precision" : "bigint", n, n, n, lo, hi);
        break;
    case FT_ENUM:
        sb_add(b, "  %s text%s CONSTRAINT ck_%s CHECK (%s%s IN (", n, notnull ? " NOT NULL" : "",
               n, notnull ? "" : "", n);
        for (int i = 0; fd->values[i]; i++)
            sb_add(b, "%s'%s'", i ? ", " : "", fd->values[i]);
        sb_add(b, "))");
        break;
    case FT_BOOL:
        sb_add(b, "  %s boolean%s", n, notnull ? " NOT NULL" : "");
        break;
    case FT_DATE:
        sb_add(b, "  %s text CONSTRAINT ck_%s CHECK (%s IS NULL OR imt_is_date(%s))",
               n, n, n, n);
        break;
    case FT_TIMESTAMP:
        sb_add(b, "  %s text CONSTRAINT ck_%s CHECK (%s IS NULL OR imt_is_time(%s))",
               n, n, n, n);
        break;
    }
}

/* The stored sort key of list column k: an enumeration's position in the
 * dictionary (unknown: after the last), a number or +Infinity. */
static void sort_column_def(sbuf *b, imt_sort_key k)
{
    const imt_field *fd = &imt_fields[store_sort_cols[k].field];
    if (fd->type == FT_ENUM) {
        sb_add(b, "  sort_%s smallint GENERATED ALWAYS AS (CASE %s", store_sort_cols[k].name,
               fd->name);
        int i = 0;
        for (; fd->values[i]; i++)
            sb_add(b, " WHEN '%s' THEN %d", fd->values[i], i);
        sb_add(b, " ELSE %d END) STORED", i);
    } else {
        sb_add(b, "  sort_%s double precision GENERATED ALWAYS AS (coalesce(%s::double "
                  "precision, 'Infinity'::double precision)) STORED",
               store_sort_cols[k].name, fd->name);
    }
}

/* The sort indexes of cases: one per sortable list column, with case_id
 * for keyset paging (it serves that column's filter too). */
static void index_ddl(sbuf *b)
{
    for (int k = 1; k < SORT_NKEYS; k++)
        if (store_sort_cols[k].field >= 0)
            sb_add(b, "CREATE INDEX cases_sort_%s ON cases (sort_%s, case_id);\n",
                   store_sort_cols[k].name, store_sort_cols[k].name);
}

/* Version 1 of the schema, in the schema the search_path names. */
static void ddl_v1(sbuf *b)
{
    sb_add(b,
        "CREATE FUNCTION imt_is_date(t text) RETURNS boolean LANGUAGE sql IMMUTABLE "
        "PARALLEL SAFE AS $f$ SELECT CASE"
        " WHEN t COLLATE \"C\" !~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' THEN false"
        " WHEN t COLLATE \"C\" < '1800-01-01' THEN false"
        " ELSE substr(t, 9, 2)::int <= CASE substr(t, 6, 2)"
        " WHEN '02' THEN CASE WHEN (substr(t, 1, 4)::int %% 4 = 0 AND substr(t, 1, 4)::int %% 100 <> 0)"
        " OR substr(t, 1, 4)::int %% 400 = 0 THEN 29 ELSE 28 END"
        " WHEN '04' THEN 30 WHEN '06' THEN 30 WHEN '09' THEN 30 WHEN '11' THEN 30 ELSE 31 END"
        " END $f$;\n"
        "CREATE FUNCTION imt_is_time(t text) RETURNS boolean LANGUAGE sql IMMUTABLE "
        "PARALLEL SAFE AS $f$ SELECT t COLLATE \"C\" ~ "
        "'^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)Z$'"
        " AND " PG_SCHEMA ".imt_is_date(substr(t, 1, 10)) $f$;\n");
    sb_add(b, "CREATE TABLE cases (\n");
    for (int f = 0; f < IMT_F_COUNT; f++) {
        column_def(b, f);
        sb_add(b, ",\n");
    }
    sb_add(b, "  alk_discordant boolean NOT NULL,\n"
              "  site_detail_fold text,\n"
              "  notes_fold text");
    for (int k = 1; k < SORT_NKEYS; k++) {
        if (store_sort_cols[k].field < 0)
            continue;        /* not a dictionary column (next_due) */
        sb_add(b, ",\n");
        sort_column_def(b, (imt_sort_key)k);
    }
    sb_add(b, "\n);\n");
    index_ddl(b);
    sb_add(b,
        "CREATE TABLE audit (\n"
        "  seq bigint PRIMARY KEY,\n"
        "  time text NOT NULL CONSTRAINT ck_time CHECK (time COLLATE \"C\" ~ "
        "'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'),\n"
        "  \"user\" text NOT NULL,\n"
        "  case_id text COLLATE \"C\" NOT NULL REFERENCES cases (case_id),\n"
        "  field text NOT NULL CHECK (length(field) > 0),\n"
        "  old_value text,\n"
        "  new_value text,\n"
        "  source text NOT NULL,\n"
        "  comment text,\n"
        "  ruleset text,\n"
        "  snapshot text,\n"
        "  row_hash text,\n"
        "  hash text\n"
        ");\n"
        "CREATE INDEX audit_case ON audit (case_id, seq);\n"
        "CREATE TABLE audit_head (\n"
        "  id integer PRIMARY KEY CHECK (id = 1),\n"
        "  seq bigint NOT NULL,\n"
        "  hash text\n"
        ");\n"
        "INSERT INTO audit_head VALUES (1, 0, NULL);\n"
        "CREATE FUNCTION imt_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
        "BEGIN\n"
        "  RAISE EXCEPTION 'the audit trail is append-only: its rows cannot be %%',\n"
        "    CASE TG_OP WHEN 'UPDATE' THEN 'changed' WHEN 'DELETE' THEN 'deleted'\n"
        "    ELSE 'removed (TRUNCATE)' END;\n"
        "END $f$;\n"
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit FOR EACH ROW "
        "EXECUTE FUNCTION imt_audit_refuse();\n"
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit FOR EACH ROW "
        "EXECUTE FUNCTION imt_audit_refuse();\n"
        "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT "
        "EXECUTE FUNCTION imt_audit_refuse();\n"
        "CREATE FUNCTION imt_notify() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
        "BEGIN PERFORM pg_notify('" PG_NOTIFY_CHANNEL "', ''); RETURN NULL; END $f$;\n"
        "CREATE TRIGGER cases_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cases "
        "FOR EACH STATEMENT EXECUTE FUNCTION imt_notify();\n"
        "CREATE TRIGGER audit_notify AFTER INSERT ON audit FOR EACH STATEMENT "
        "EXECUTE FUNCTION imt_notify();\n"
        "CREATE TABLE meta (\n"
        "  key text PRIMARY KEY,\n"
        "  value text NOT NULL\n"
        ");\n"
        /* the pseudonym key: 244 random bits from the server's strong
         * random source (gen_random_uuid), never in any script's text */
        "INSERT INTO meta VALUES ('schema_version', '1'), ('secret', "
        "replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')), "
        "('created', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'));\n");
}

static void enum_check(sbuf *b, const char *col, const char *const *vals, bool notnull)
{
    sb_add(b, "  %s text%s CHECK (%s IN (", col, notnull ? " NOT NULL" : "", col);
    for (int k = 0; vals[k]; k++)
        sb_add(b, "%s'%s'", k ? ", " : "", vals[k]);
    sb_add(b, "))");
}

/* Version 2: what the SQLite engine's versions 4 (review: versions,
 * decisions) and 5 (the course: events, next_due) keep, so that a copy
 * carries every row both ways.  The PostgreSQL engine stores these
 * (copy --to) but does not yet use them: store.c refuses its operations
 * on this engine by name.  The decisions are append-only like the audit
 * trail. */
static void ddl_v2(sbuf *b)
{
    sb_add(b,
        "ALTER TABLE cases ADD COLUMN version bigint NOT NULL DEFAULT 1 "
        "CONSTRAINT ck_version CHECK (version >= 1);\n"
        "ALTER TABLE cases ADD COLUMN decision_state smallint NOT NULL DEFAULT 1 "
        "CONSTRAINT ck_decision_state CHECK (decision_state BETWEEN 0 AND 2);\n"
        "ALTER TABLE cases ADD COLUMN review_comment text;\n"
        "ALTER TABLE cases ADD COLUMN signer_name text;\n"
        "ALTER TABLE cases ADD COLUMN next_due text CONSTRAINT ck_next_due CHECK "
        "(next_due IS NULL OR " PG_SCHEMA ".imt_is_date(next_due));\n"
        "ALTER TABLE audit ADD COLUMN rule_id text;\n"
        "ALTER TABLE audit ADD COLUMN fired_by text;\n"
        "ALTER TABLE audit ADD COLUMN full_name text;\n"
        "CREATE TABLE decisions (\n"
        "  seq bigint PRIMARY KEY,\n"
        "  case_id text COLLATE \"C\" NOT NULL REFERENCES cases (case_id),\n"
        "  rule_id text NOT NULL CHECK (char_length(rule_id) BETWEEN 1 AND 39),\n"
        "  ruleset text NOT NULL,\n");
    enum_check(b, "decision", review_decision_values, true);
    sb_add(b, ",\n");
    enum_check(b, "reason", review_reason_values, false);
    sb_add(b, ",\n"
        "  comment text,\n"
        "  fired_by text NOT NULL,\n"
        "  \"user\" text NOT NULL,\n"
        "  time text NOT NULL\n"
        ");\n"
        "CREATE INDEX decisions_case ON decisions (case_id, rule_id, seq);\n"
        "CREATE FUNCTION imt_decisions_refuse() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
        "BEGIN\n"
        "  RAISE EXCEPTION 'decisions are append-only: they cannot be %%',\n"
        "    CASE TG_OP WHEN 'UPDATE' THEN 'changed' ELSE 'deleted' END;\n"
        "END $f$;\n"
        "CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions FOR EACH ROW "
        "EXECUTE FUNCTION imt_decisions_refuse();\n"
        "CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions FOR EACH ROW "
        "EXECUTE FUNCTION imt_decisions_refuse();\n"
        "CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions FOR EACH "
        "STATEMENT EXECUTE FUNCTION imt_decisions_refuse();\n"
        "CREATE TABLE events (\n"
        "  id bigint PRIMARY KEY,\n"
        "  case_id text COLLATE \"C\" NOT NULL REFERENCES cases (case_id),\n"
        "  date text CHECK (date IS NULL OR " PG_SCHEMA ".imt_is_date(date)),\n"
        "  day bigint CHECK (day IS NULL OR day BETWEEN 0 AND %d),\n", EV_DAY_MAX);
    enum_check(b, "type", ev_type_values, true);
    sb_add(b, ",\n"
        "  line bigint CHECK (line IS NULL OR line BETWEEN 1 AND %d),\n"
        "  agent text CHECK (agent IS NULL OR char_length(agent) BETWEEN 1 AND 200),\n",
        EV_LINE_MAX);
    enum_check(b, "intent", ev_intent_values, false);
    sb_add(b, ",\n");
    enum_check(b, "reason", ev_reason_values, false);
    sb_add(b, ",\n");
    enum_check(b, "response", ev_response_values, false);
    sb_add(b, ",\n");
    enum_check(b, "extent", ev_extent_values, false);
    sb_add(b, ",\n"
        "  site text CHECK (site IS NULL OR char_length(site) BETWEEN 1 AND %d),\n"
        "  detail text CHECK (detail IS NULL OR char_length(detail) BETWEEN 1 AND %d),\n"
        "  CHECK ((date IS NULL) <> (day IS NULL))\n"
        ");\n"
        "CREATE INDEX events_case ON events (case_id, id);\n"
        "CREATE TRIGGER events_notify AFTER INSERT OR UPDATE OR DELETE ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION imt_notify();\n",
        EV_SITE_MAX, EV_DETAIL_MAX);
}

/* Version 3, "review": what the stored decision states were computed
 * under (the rule set, the day), which every reviewer's session may
 * bring up to date; meta stays the owner's. */
static void ddl_v3(sbuf *b)
{
    sb_add(b,
        "CREATE TABLE derived (\n"
        "  key text PRIMARY KEY,\n"
        "  value text NOT NULL\n"
        ");\n");
}

/* Version 4, "course": the follow-up worklist's
 * order, next due date first and none last, as SQLite's sort_next_due
 * ('~' sorts after every date bytewise), with its index; and, in a
 * database without cases, the follow-up schedule the dates will be
 * computed with (the built-in one), as SQLite's step 5 records it, so
 * that a role that may not write meta works with it.  A database that
 * holds cases has no follow-up dates yet: the first open by a role that
 * may write meta computes them and records its schedule. */
static void ddl_v4(sbuf *b)
{
    fu_schedule d;
    char text[600];
    fu_default(&d);
    fu_canonical(&d, text, sizeof text);
    sb_add(b,
        "ALTER TABLE cases ADD COLUMN sort_next_due text COLLATE \"C\" GENERATED ALWAYS AS "
        "(coalesce(next_due, '~')) STORED;\n"
        "CREATE INDEX cases_sort_next_due ON cases (sort_next_due, case_id);\n"
        "INSERT INTO meta SELECT 'followup_schedule', '");
    for (const char *p = text; *p; p++)
        sb_add(b, "%s", *p == '\'' ? "''" : (char[2]){ *p, 0 });
    sb_add(b, "' WHERE NOT EXISTS (SELECT 1 FROM cases);\n");
}

/* One entry per schema version (PostgreSQL numbers its own versions).
 * A new version is one more entry: additive SQL, run in the migration's
 * transaction after the earlier ones.  Note: ddl_v1 generates cases from
 * imt_fields[]; when the dictionary gains a column, freeze v1 by pasting
 * the SQL it produces today and add the column in the new step. */
static const struct {
    int version;
    void (*ddl)(sbuf *b);
} migrations[] = {
    { 1, ddl_v1 },
    { 2, ddl_v2 },
    { 3, ddl_v3 },
    { 4, ddl_v4 },
};

/* What the roles may do (the role script makes the roles): run after
 * every migration, so a new table gets its grants in the step that
 * makes it.  Roles that do not exist are skipped. */
static void grants_sql(sbuf *b)
{
    sb_add(b,
        "DO $g$ BEGIN\n"
        "  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'imtreview_reader') THEN\n"
        "    GRANT USAGE ON SCHEMA " PG_SCHEMA " TO imtreview_reader;\n"
        "    GRANT SELECT ON " PG_SCHEMA ".meta, " PG_SCHEMA ".cases, " PG_SCHEMA ".audit, "
        PG_SCHEMA ".audit_head, " PG_SCHEMA ".decisions, " PG_SCHEMA ".events, "
        PG_SCHEMA ".derived TO imtreview_reader;\n"
        "  END IF;\n"
        "  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'imtreview_reviewer') THEN\n"
        "    GRANT USAGE ON SCHEMA " PG_SCHEMA " TO imtreview_reviewer;\n"
        "    GRANT SELECT ON " PG_SCHEMA ".meta TO imtreview_reviewer;\n"
        "    GRANT SELECT, INSERT, UPDATE ON " PG_SCHEMA ".cases TO imtreview_reviewer;\n"
        "    GRANT SELECT, INSERT ON " PG_SCHEMA ".audit TO imtreview_reviewer;\n"
        "    GRANT SELECT, UPDATE ON " PG_SCHEMA ".audit_head TO imtreview_reviewer;\n"
        "    GRANT SELECT, INSERT ON " PG_SCHEMA ".decisions, " PG_SCHEMA ".events "
        "TO imtreview_reviewer;\n"
        "    GRANT SELECT, INSERT, UPDATE ON " PG_SCHEMA ".derived TO imtreview_reviewer;\n"
        "    GRANT UPDATE, DELETE ON " PG_SCHEMA ".events TO imtreview_reviewer;\n"
        "  END IF;\n"
        "END $g$;\n");
}

/* The schema version: 0 when there is no imtreview schema. */
static int read_version(imt_backend *b, int *v)
{
    int rc;
    *v = 0;
    PGresult *r = pg_run(b, "SELECT to_regclass('" PG_SCHEMA ".meta') IS NOT NULL", NULL, false,
                         "reading the schema version", &rc);
    if (!r)
        return rc;
    bool there = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (!there)
        return STORE_OK;
    r = pg_run(b, "SELECT value FROM " PG_SCHEMA ".meta WHERE key = 'schema_version'", NULL,
               false, "reading the schema version", &rc);
    if (!r)
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return pg_set_err(b, STORE_ERROR, "the database's imtreview schema has no version "
                          "(meta.schema_version): not touching it");
    }
    *v = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (*v <= 0)
        return pg_set_err(b, STORE_ERROR, "the database's imtreview schema version is not a "
                          "number: not touching it");
    return STORE_OK;
}

static int newer(imt_backend *b, int v)
{
    return pg_set_err(b, STORE_ERROR, "database schema version %d is newer than this "
                      "imtreview (%d); upgrade imtreview", v, PG_SCHEMA_VERSION);
}

static int fail_tx(imt_backend *b, int rc)
{
    PGresult *r = PQexec(b->conn, "ROLLBACK");
    PQclear(r);
    b->tx = TX_NONE;
    b->aborted = false;
    return rc;
}

static int migrate_locked(imt_backend *b, int v);

int pg_migrate(imt_backend *b, bool create)
{
    int v = 0;
    int rc = read_version(b, &v);
    if (rc != STORE_OK)
        return rc;
    if (v > PG_SCHEMA_VERSION)
        return newer(b, v);
    if (v == PG_SCHEMA_VERSION) {
        b->version = v;
        return STORE_OK;
    }
    if (v == 0 && !create)
        return pg_set_err(b, STORE_NOTFOUND, "there is no imtreview database at %s (the "
                          "server answers, but the database holds no imtreview schema)",
                          b->shown);
    if (pg_is_readonly(b)) {
        if (v == 0)
            return pg_set_err(b, STORE_ERROR, "%s is not an imtreview database yet; open it "
                              "once without --readonly to create the schema", b->shown);
        return pg_set_err(b, STORE_ERROR, "database schema version %d is older than this "
                          "imtreview (%d); open it once without --readonly to upgrade it", v,
                          PG_SCHEMA_VERSION);
    }
    /* One process creates or upgrades; the others wait here and then find
     * the work done.  A session-level lock, taken before the transaction
     * begins, so that the transaction sees what the one before did. */
    if ((rc = pg_exec(b, "SELECT pg_advisory_lock(" PG_LOCK_KEY ")", NULL,
                      "waiting for another upgrade of the schema")) != STORE_OK)
        return rc;
    rc = migrate_locked(b, v);
    pg_exec(b, "SELECT pg_advisory_unlock(" PG_LOCK_KEY ")", NULL, "ending the schema upgrade");
    return rc;
}

static int migrate_locked(imt_backend *b, int v)
{
    int rc;
    if ((rc = pg_exec(b, "BEGIN", NULL, "starting the schema upgrade")) != STORE_OK)
        return rc;
    b->tx = TX_EDIT;
    if ((rc = read_version(b, &v)) != STORE_OK)
        return fail_tx(b, rc);
    if (v > PG_SCHEMA_VERSION)
        return fail_tx(b, newer(b, v));
    if (v == PG_SCHEMA_VERSION) {
        b->tx = TX_NONE;
        pg_exec(b, "COMMIT", NULL, "ending the schema upgrade");
        b->version = v;
        return STORE_OK;
    }
    /* The schema itself: made here (and then the first import's failure
     * removes it again), or made by the role script.  Its objects belong
     * to the schema's owner when we are a member of that role. */
    int r2;
    PGresult *r = pg_run(b,
        "SELECT n.oid IS NOT NULL, coalesce(pg_get_userbyid(n.nspowner), ''), "
        "coalesce(pg_get_userbyid(n.nspowner) <> current_user AND "
        "pg_has_role(n.nspowner, 'MEMBER'), false) FROM (SELECT 1) x "
        "LEFT JOIN pg_namespace n ON n.nspname = '" PG_SCHEMA "'", NULL, false,
        "reading the schema's owner", &r2);
    if (!r)
        return fail_tx(b, r2);
    bool have_schema = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    bool as_owner = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
    char owner[128];
    snprintf(owner, sizeof owner, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    sbuf s = { 0 };
    if (!have_schema)
        sb_add(&s, "CREATE SCHEMA " PG_SCHEMA ";\n");
    if (as_owner) {
        char *q = PQescapeIdentifier(b->conn, owner, strlen(owner));
        sb_add(&s, "SET LOCAL ROLE %s;\n", q ? q : "none");
        PQfreemem(q);
    }
    for (size_t i = 0; i < sizeof migrations / sizeof migrations[0]; i++) {
        if (migrations[i].version <= v)
            continue;
        migrations[i].ddl(&s);
        sb_add(&s, "UPDATE meta SET value = '%d' WHERE key = 'schema_version';\n",
               migrations[i].version);
    }
    if (!have_schema)
        sb_add(&s, "INSERT INTO meta VALUES ('schema_made_here', '1');\n");
    grants_sql(&s);
    if (s.oom) {
        sb_free(&s);
        return fail_tx(b, pg_set_err(b, STORE_ERROR, "out of memory"));
    }
    /* Several statements, no parameters: the simple query protocol. */
    if (!PQsendQuery(b->conn, s.s)) {
        sb_free(&s);
        return fail_tx(b, pg_set_err(b, STORE_ERROR, "creating the schema: %s",
                                     PQerrorMessage(b->conn)));
    }
    sb_free(&s);
    r = pg_result(b, v == 0 ? "creating the imtreview schema" : "upgrading the schema", &rc);
    PQclear(r);
    if (rc != STORE_OK) {
        if (strstr(b->err, "permission denied"))
            pg_set_err(b, STORE_ERROR, "cannot %s the imtreview schema in %s: database role "
                       "%s is not allowed to (a DBA creates it with the role script: "
                       "imtreview pg-roles | psql; a member of imtreview_owner upgrades it)",
                       v == 0 ? "create" : "upgrade", b->shown, b->user);
        return fail_tx(b, rc);
    }
    b->tx = TX_NONE;
    if ((rc = pg_exec(b, "COMMIT", NULL, "committing the schema")) != STORE_OK)
        return rc;
    b->version = PG_SCHEMA_VERSION;
    b->created = v == 0;
    return STORE_OK;
}

/* ---- the role script ------------------------------------------------------------------- */

char *pg_roles_script(void)
{
    sbuf s = { 0 };
    sb_add(&s,
        "-- imtreview: the PostgreSQL roles and schema (schema version %d).\n"
        "-- Run once per database, as a superuser, e.g.\n"
        "--   imtreview pg-roles | sudo -u postgres psql -v ON_ERROR_STOP=1 -d DBNAME\n"
        "-- It makes three roles (NOLOGIN groups; running it again changes nothing):\n"
        "--   imtreview_owner     owns the schema \"" PG_SCHEMA "\" and its tables; a member\n"
        "--                       upgrades the schema by running a newer imtreview once\n"
        "--   imtreview_reviewer  reads, imports, edits and reviews cases, appends to the\n"
        "--                       audit trail; may not change or delete audit rows\n"
        "--   imtreview_reader    reads only (imtreview shows [read-only])\n"
        "-- and the schema with its tables.  Then give people a login role in a group:\n"
        "--   CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE imtreview_reviewer;\n"
        "--   CREATE ROLE fellow LOGIN PASSWORD '...' IN ROLE imtreview_reader;\n"
        "--   GRANT imtreview_owner TO dba;      -- who may upgrade the schema\n"
        "-- The audit trail is append-only for everyone: triggers refuse UPDATE,\n"
        "-- DELETE and TRUNCATE on it, and no role here may UPDATE or DELETE it.\n"
        "BEGIN;\n"
        "DO $roles$ BEGIN\n"
        "  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'imtreview_owner') THEN\n"
        "    CREATE ROLE imtreview_owner NOLOGIN;\n"
        "  END IF;\n"
        "  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'imtreview_reviewer') THEN\n"
        "    CREATE ROLE imtreview_reviewer NOLOGIN;\n"
        "  END IF;\n"
        "  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'imtreview_reader') THEN\n"
        "    CREATE ROLE imtreview_reader NOLOGIN;\n"
        "  END IF;\n"
        "END $roles$;\n"
        "DO $lock$ BEGIN PERFORM pg_advisory_xact_lock(" PG_LOCK_KEY "); END $lock$;\n"
        "CREATE SCHEMA IF NOT EXISTS " PG_SCHEMA " AUTHORIZATION imtreview_owner;\n"
        "SET LOCAL ROLE imtreview_owner;\n"
        "SET LOCAL search_path = " PG_SCHEMA ";\n"
        "DO $imt$ BEGIN\n"
        "  IF to_regclass('" PG_SCHEMA ".meta') IS NULL THEN\n"
        "    EXECUTE $ddl$\n", PG_SCHEMA_VERSION);
    for (size_t i = 0; i < sizeof migrations / sizeof migrations[0]; i++) {
        migrations[i].ddl(&s);
        sb_add(&s, "UPDATE meta SET value = '%d' WHERE key = 'schema_version';\n",
               migrations[i].version);
    }
    sb_add(&s,
        "$ddl$;\n"
        "  ELSIF (SELECT value::int FROM " PG_SCHEMA ".meta WHERE key = 'schema_version') < %d THEN\n"
        "    RAISE NOTICE 'the imtreview schema is older than this script: a member of "
        "imtreview_owner upgrades it by running imtreview once';\n"
        "  END IF;\n"
        "END $imt$;\n"
        "RESET ROLE;\n", PG_SCHEMA_VERSION);
    grants_sql(&s);
    sb_add(&s, "COMMIT;\n");
    if (s.oom) {
        sb_free(&s);
        return NULL;
    }
    return s.s;
}

/* ---- check: the schema's protection ------------------------------------------------------ */

int pg_check_schema(imt_backend *b, void (*problem)(void *ctx, const char *msg), void *ctx)
{
    int rc;
    char msg[300];
    PGresult *r = pg_run(b,
        "SELECT t.name, tg.tgenabled, p.prosrc FROM (VALUES ('audit_no_update'), "
        "('audit_no_delete'), ('audit_no_truncate')) t(name) "
        "LEFT JOIN pg_trigger tg ON tg.tgname = t.name AND tg.tgrelid = 'audit'::regclass "
        "LEFT JOIN pg_proc p ON p.oid = tg.tgfoid ORDER BY 1", NULL, false,
        "checking the audit trail's protection", &rc);
    if (!r)
        return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *name = PQgetvalue(r, i, 0);
        if (PQgetisnull(r, i, 1))
            snprintf(msg, sizeof msg, "the audit trail is not protected: trigger %s is missing",
                     name);
        else if (strcmp(PQgetvalue(r, i, 1), "O") != 0 && strcmp(PQgetvalue(r, i, 1), "A") != 0)
            snprintf(msg, sizeof msg, "the audit trail is not protected: trigger %s is "
                     "disabled", name);
        else if (PQgetisnull(r, i, 2) || !strstr(PQgetvalue(r, i, 2), "RAISE EXCEPTION"))
            snprintf(msg, sizeof msg, "the audit trail is not protected: trigger %s is "
                     "altered", name);
        else
            continue;
        problem(ctx, msg);
    }
    PQclear(r);
    int v = 0;
    if ((rc = read_version(b, &v)) != STORE_OK)
        return rc;
    if (v != PG_SCHEMA_VERSION) {
        snprintf(msg, sizeof msg, "schema version is %d, expected %d", v, PG_SCHEMA_VERSION);
        problem(ctx, msg);
    }
    return STORE_OK;
}
