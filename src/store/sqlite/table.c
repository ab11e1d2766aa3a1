/* store/sqlite/table.c - whole tables as engine-neutral rows (copy --to and
 * its comparison): read in key order without the engine's own columns
 * (the rowid id, the sort keys), written as they are (an audit row keeps
 * its hashes, so the chain's trigger leaves it alone). */
#define _GNU_SOURCE
#include "sqlite_int.h"

/* Not copied: the engine's own columns (the rowid, the sort keys) and
 * what it derives (after_copy makes them again). */
static bool own_column(const char *table, const char *name)
{
    return strncmp(name, "sort_", 5) == 0 ||
           (strcmp(table, "cases") == 0 &&
            (strcmp(name, "id") == 0 || strcmp(name, "next_due") == 0 ||
             strcmp(name, "decision_state") == 0));
}

/* A table name from the program's own list, quoted as an identifier. */
static char *quoted(const char *name)
{
    return sqlite3_mprintf("\"%w\"", name);
}

int sq_table_rows(imt_backend *st, const char *table, const char *order,
                  int (*cb)(void *ctx, const store_row *r), void *ctx)
{
    char *t = quoted(table), *o = quoted(order);
    char *sql = t && o ? sqlite3_mprintf("SELECT * FROM %s ORDER BY %s", t, o) : NULL;
    sqlite3_free(t);
    sqlite3_free(o);
    if (!sql)
        return sq_set_err(st, STORE_ERROR, "out of memory");
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "reading a table");
    int ncol = sqlite3_column_count(q);
    if (ncol > 128) {
        sqlite3_finalize(q);
        return sq_set_err(st, STORE_ERROR, "table %s has too many columns", table);
    }
    chain_val cols[128];
    int ret = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int n = 0;
        for (int i = 0; i < ncol; i++) {
            const char *name = sqlite3_column_name(q, i);
            if (own_column(table, name))
                continue;
            sq_chain_val(&cols[n++], name, sqlite3_column_value(q, i));
        }
        store_row row = { n, cols };
        if ((ret = cb(ctx, &row)) != 0)
            break;
    }
    if (!ret && rc != SQLITE_DONE)
        ret = sq_fail(st, rc, "reading a table");
    sqlite3_finalize(q);
    return ret;
}

int sq_table_count(imt_backend *st, const char *table, long long *n)
{
    char *t = quoted(table);
    char *sql = t ? sqlite3_mprintf("SELECT count(*) FROM %s", t) : NULL;
    sqlite3_free(t);
    if (!sql)
        return sq_set_err(st, STORE_ERROR, "out of memory");
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "counting rows");
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? STORE_OK : sq_fail(st, rc, "counting rows");
}

int sq_table_put(imt_backend *st, const char *table, const store_row *r)
{
    if (!st->in_tx)
        return sq_set_err(st, STORE_ERROR, "internal: copying outside a transaction");
    if (!st->tput || strcmp(st->tput_table, table) != 0) {
        sqlite3_finalize(st->tput);
        st->tput = NULL;
        sbuf b = { 0 };
        char *t = quoted(table);
        sb_add(&b, "INSERT INTO %s (", t ? t : "");
        sqlite3_free(t);
        for (int i = 0; i < r->n; i++) {
            char *c = quoted(r->cols[i].name);
            sb_add(&b, "%s%s", i ? ", " : "", c ? c : "");
            sqlite3_free(c);
        }
        sb_add(&b, ") VALUES (");
        for (int i = 0; i < r->n; i++)
            sb_add(&b, "%s?%d", i ? ", " : "", i + 1);
        sb_add(&b, ")");
        if (b.oom)
            return sq_set_err(st, STORE_ERROR, "out of memory");
        int rc = sqlite3_prepare_v2(st->db, b.s, -1, &st->tput, NULL);
        sb_free(&b);
        if (rc != SQLITE_OK)
            return sq_fail(st, rc, "copying");
        snprintf(st->tput_table, sizeof st->tput_table, "%s", table);
    }
    sqlite3_stmt *s = st->tput;
    for (int i = 0; i < r->n; i++) {
        const chain_val *v = &r->cols[i];
        int rc;
        switch (v->type) {
        case CHAIN_INT:
            rc = sqlite3_bind_int64(s, i + 1, v->i);
            break;
        case CHAIN_REAL:
            rc = sqlite3_bind_double(s, i + 1, v->r);
            break;
        case CHAIN_TEXT:
            rc = sqlite3_bind_text(s, i + 1, v->p, (int)v->n, SQLITE_STATIC);
            break;
        case CHAIN_BLOB:
            rc = sqlite3_bind_blob(s, i + 1, v->p, (int)v->n, SQLITE_STATIC);
            break;
        default:
            rc = sqlite3_bind_null(s, i + 1);
            break;
        }
        if (rc != SQLITE_OK)
            return sq_fail(st, rc, "copying");
    }
    int rc = sq_exec1(st, s, "copying");
    sqlite3_clear_bindings(s);
    return rc;
}

int sq_table_end(imt_backend *st, const char *table)
{
    (void)table;
    sqlite3_finalize(st->tput);
    st->tput = NULL;
    st->tput_table[0] = '\0';
    return STORE_OK;
}

/* copy --to: the source's key, so that pseudonyms stay the same. */
int sq_set_secret(imt_backend *st, const unsigned char key[32])
{
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(st->db, "UPDATE meta SET value = ?1 WHERE key = 'secret'", -1,
                                &q, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "writing the database key");
    sqlite3_bind_blob(q, 1, key, 32, SQLITE_TRANSIENT);
    rc = sq_exec1(st, q, "writing the database key");
    sqlite3_finalize(q);
    return rc;
}

/* A copy into this file, before its commit: every case's follow-up date
 * (from its case, course and the schedule), then every decision state. */
int sq_after_copy(imt_backend *st)
{
    long n = 0;
    int rc = sq_recompute_next_due(st, &n);
    return rc == STORE_OK ? sq_states_pass(st, &n) : rc;
}
