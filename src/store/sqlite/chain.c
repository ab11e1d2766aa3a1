/* store/sqlite/chain.c - the audit trail's SHA-256 hash chain in SQLite: the
 * digests of store/chain.h, computed here from the values an insert binds,
 * or by a TEMP trigger of the program's own connection. */
#define _GNU_SOURCE
#include "sqlite_int.h"

/* ---- the audit hash chain ---------------------------------------------------
 * The digests are store/chain.h's, the same in every engine.  In SQLite
 * they are written by a TEMP trigger of the program's own connection
 * (store_open), generated from the table's columns, so a row another
 * program inserts has none; store_check recomputes both and names the
 * first row that does not fit. */

void sq_chain_val(chain_val *out, const char *name, sqlite3_value *v)
{
    memset(out, 0, sizeof *out);
    out->name = name;
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
        out->type = CHAIN_INT;
        out->i = sqlite3_value_int64(v);
        break;
    case SQLITE_FLOAT:
        out->type = CHAIN_REAL;
        out->r = sqlite3_value_double(v);
        break;
    case SQLITE_TEXT:
        out->type = CHAIN_TEXT;
        out->p = sqlite3_value_text(v);
        out->n = (size_t)sqlite3_value_bytes(v);
        break;
    case SQLITE_BLOB:
        out->type = CHAIN_BLOB;
        out->p = sqlite3_value_blob(v);
        out->n = (size_t)sqlite3_value_bytes(v);
        break;
    default:
        out->type = CHAIN_NULL;
        break;
    }
}

/* SQL imt_audit_row_hash('name1', value1, 'name2', value2, ...) */
void sq_sql_row_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (argc % 2 || argc > 256) {
        sqlite3_result_error(ctx, "imt_audit_row_hash: name, value pairs", -1);
        return;
    }
    chain_val cols[128];
    int n = 0;
    for (int i = 0; i < argc; i += 2) {
        const char *name = (const char *)sqlite3_value_text(argv[i]);
        if (!name) {
            sqlite3_result_error(ctx, "imt_audit_row_hash: a column without a name", -1);
            return;
        }
        sq_chain_val(&cols[n++], name, argv[i + 1]);
    }
    unsigned char d[32];
    char hex[65];
    chain_row_hash(cols, n, d);
    chain_hex(d, hex);
    sqlite3_result_text(ctx, hex, 64, SQLITE_TRANSIENT);
}

/* SQL imt_audit_chain(previous hash or NULL, row_hash) */
void sq_sql_chain(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    unsigned char prev[32], rh[32], d[32];
    bool first = sqlite3_value_type(argv[0]) == SQLITE_NULL;
    if ((!first && chain_unhex((const char *)sqlite3_value_text(argv[0]), prev) != 0) ||
        chain_unhex((const char *)sqlite3_value_text(argv[1]), rh) != 0) {
        sqlite3_result_error(ctx, "imt_audit_chain: not a SHA-256 digest", -1);
        return;
    }
    char hex[65];
    chain_link(first ? NULL : prev, rh, d);
    chain_hex(d, hex);
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
        return sq_fail(st, rc, "reading the audit table's columns");
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
        return rc == SQLITE_ROW ? sq_set_err(st, STORE_ERROR, "out of memory")
                                : sq_fail(st, rc, "reading the audit table's columns");
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
    return b->oom ? sq_set_err(st, STORE_ERROR, "out of memory") : STORE_OK;
}

/* The TEMP trigger that hashes every audit row this connection inserts
 * (created at each open, after the migrations, from the current columns,
 * so columns added by later versions are covered without a change here). */
int sq_chain_trigger(imt_backend *st)
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
        rc = b.oom ? sq_set_err(st, STORE_ERROR, "out of memory")
                   : sq_exec_sql(st, b.s, "setting up the audit hash chain");
    sb_free(&b);
    return rc;
}

/* Hash every audit row that has no hash yet, in order (the upgrade to
 * the chain: the rows written before it get hashed as they are). */
int sq_chain_fill(imt_backend *st)
{
    sbuf b = { 0 };
    sb_add(&b, "UPDATE audit SET row_hash = ");
    int rc = row_hash_call(st, &b, "");
    sb_add(&b, " WHERE hash IS NULL");
    if (rc == STORE_OK)
        rc = b.oom ? sq_set_err(st, STORE_ERROR, "out of memory")
                   : sq_exec_sql(st, b.s, "hashing the audit trail");
    sb_free(&b);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *rd, *wr;
    rc = sqlite3_prepare_v2(st->db, "SELECT seq, row_hash, hash FROM audit WHERE seq > ?1 "
                                    "ORDER BY seq LIMIT 512", -1, &rd, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "hashing the audit trail");
    rc = sqlite3_prepare_v2(st->db, "UPDATE audit SET hash = ?2 WHERE seq = ?1", -1, &wr, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(rd);
        return sq_fail(st, rc, "hashing the audit trail");
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
                     chain_unhex((const char *)sqlite3_column_text(rd, 2), hs[n]) == 0;
            if (chain_unhex((const char *)sqlite3_column_text(rd, 1), rhs[n]) != 0 && !has[n]) {
                ret = sq_set_err(st, STORE_ERROR, "audit row %lld has no row hash", seqs[n]);
                break;
            }
            n++;
        }
        sqlite3_reset(rd);
        if (ret != STORE_OK)
            break;
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
            ret = sq_fail(st, rc, "hashing the audit trail");
            break;
        }
        for (int i = 0; i < n && ret == STORE_OK; i++) {
            if (!has[i]) {
                char hex[65];
                chain_link(first ? NULL : prev, rhs[i], hs[i]);
                chain_hex(hs[i], hex);
                sqlite3_bind_int64(wr, 1, seqs[i]);
                sqlite3_bind_text(wr, 2, hex, 64, SQLITE_TRANSIENT);
                ret = sq_exec1(st, wr, "hashing the audit trail");
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

/* ---- the chain computed here ------------------------------------------------
 * An audit row this program inserts carries its row_hash and hash from
 * the start, computed here from the values it binds (the same digest the
 * trigger computes from the stored row: names sorted, NULLs left out,
 * text as text), so the row is written once instead of being inserted
 * and then updated twice by the trigger.  The previous row's hash is
 * read once per transaction and then carried along.  Should the audit
 * table have a column this program does not fill with a default value or
 * a generated one (a later version's), the trigger does it as before. */

int sq_chain_setup(imt_backend *st)
{
    /* the columns rows.c's sq_audit_add_row fills, and the chain's own */
    static const char *const ours[] = { "seq", "time", "user", "case_id", "field",
                                        "old_value", "new_value", "source", "comment",
                                        "ruleset", "snapshot", "rule_id", "fired_by",
                                        "full_name", "row_hash", "hash" };
    sqlite3_stmt *q;
    st->chain_in_c = false;
    int rc = sqlite3_prepare_v2(st->db, "SELECT name, dflt_value, hidden FROM "
                                        "pragma_table_xinfo('audit')", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "reading the audit table's columns");
    bool ok = true;
    int mine = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        bool known = false;
        for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
            if (name && strcmp(name, ours[i]) == 0)
                known = true;
        mine += known;
        if (!known && (sqlite3_column_type(q, 1) != SQLITE_NULL || sqlite3_column_int(q, 2) != 0))
            ok = false;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sq_fail(st, rc, "reading the audit table's columns");
    st->chain_in_c = ok && mine == (int)(sizeof ours / sizeof ours[0]);
    return STORE_OK;
}

/* The row and chain hashes of a row of the n given text columns (NULL
 * values left out) that follows the last row of the trail (read each
 * time: one step to the end of the table, and never wrong whoever wrote
 * before us in this transaction).  1 when they are not computed here
 * (the trigger will: a later version's columns, or the last row's hash
 * is not a digest), STORE_OK, or an error. */
int sq_chain_next(imt_backend *st, const char *const names[], const char *const vals[], int n,
                  char row_hex[65], char hash_hex[65])
{
    if (!st->chain_in_c)
        return 1;
    unsigned char prev[32];
    bool first = false;
    sqlite3_stmt *q = st->q[Q_AUDIT_LAST];
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        first = true;
    } else if (rc != SQLITE_ROW ||
               chain_unhex((const char *)sqlite3_column_text(q, 0), prev) != 0) {
        sqlite3_reset(q);
        return rc == SQLITE_ROW ? 1 : sq_fail(st, rc, "reading the audit trail");
    }
    sqlite3_reset(q);
    chain_val cols[32];
    int k = 0;
    for (int i = 0; i < n && k < 32; i++) {
        memset(&cols[k], 0, sizeof cols[k]);
        cols[k].name = names[i];
        cols[k].type = vals[i] ? CHAIN_TEXT : CHAIN_NULL;
        cols[k].p = vals[i];
        cols[k].n = vals[i] ? strlen(vals[i]) : 0;
        k++;
    }
    unsigned char rh[32], h[32];
    chain_row_hash(cols, k, rh);
    chain_link(first ? NULL : prev, rh, h);
    chain_hex(rh, row_hex);
    chain_hex(h, hash_hex);
    return STORE_OK;
}
