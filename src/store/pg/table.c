/* store/pg/table.c - whole tables as engine-neutral rows (store/backend.h
 * store_row), for `copy --to` and its comparison: read in key order, and
 * written with COPY (binary) inside the caller's transaction.  The
 * engine's own columns (the sort keys, the search copies) are left out
 * when reading and computed when writing. */
#define _GNU_SOURCE
#include "pg_int.h"

#define TC_MAX 128

struct pg_tcopy {
    char table[64];
    int n;                    /* columns in the COPY             */
    Oid type[TC_MAX];         /* their types in the target table */
    int fold_of[TC_MAX];      /* cases: the row column a search copy folds, or -1 */
    int map[TC_MAX];          /* the row column each COPY column takes, or -1 */
    char *buf;
    size_t len, cap;
    bool oom;
    bool audit;
    long long last_seq;
    char last_hash[65];
};

/* Not copied: the sort keys and search copies, and what an engine derives
 * from the rest (next_due, decision_state: the SQLite engine makes them
 * again after a copy). */
static bool own_column(const char *name)
{
    size_t n = strlen(name);
    return strncmp(name, "sort_", 5) == 0 || (n > 5 && strcmp(name + n - 5, "_fold") == 0) ||
           strcmp(name, "next_due") == 0 || strcmp(name, "decision_state") == 0;
}

static uint64_t be(const unsigned char *s, int n)
{
    uint64_t u = 0;
    for (int i = 0; i < n; i++)
        u = (u << 8) | s[i];
    return u;
}

/* A binary result value as the chain and the copy see it: integer, real,
 * text or blob.  0, or -1 for a type none of those can hold. */
int pg_value_to_chain(const PGresult *r, int row, int col, chain_val *out)
{
    memset(out, 0, sizeof *out);
    out->name = PQfname(r, col);
    if (PQgetisnull(r, row, col)) {
        out->type = CHAIN_NULL;
        return 0;
    }
    const unsigned char *s = (const unsigned char *)PQgetvalue(r, row, col);
    int len = PQgetlength(r, row, col);
    switch (PQftype(r, col)) {
    case PG_INT8:
        if (len != 8)
            return -1;
        out->type = CHAIN_INT;
        out->i = (long long)(int64_t)be(s, 8);
        return 0;
    case PG_INT4:
        if (len != 4)
            return -1;
        out->type = CHAIN_INT;
        out->i = (int32_t)(uint32_t)be(s, 4);
        return 0;
    case PG_INT2:
        if (len != 2)
            return -1;
        out->type = CHAIN_INT;
        out->i = (int16_t)(uint16_t)be(s, 2);
        return 0;
    case PG_BOOL:
        if (len != 1)
            return -1;
        out->type = CHAIN_INT;
        out->i = s[0] ? 1 : 0;
        return 0;
    case PG_FLOAT8: {
        if (len != 8)
            return -1;
        uint64_t u = be(s, 8);
        out->type = CHAIN_REAL;
        memcpy(&out->r, &u, sizeof out->r);
        return 0;
    }
    case PG_FLOAT4: {
        if (len != 4)
            return -1;
        uint32_t u = (uint32_t)be(s, 4);
        float f;
        memcpy(&f, &u, sizeof f);
        out->type = CHAIN_REAL;
        out->r = f;
        return 0;
    }
    case PG_TEXT:
    case PG_VARCHAR:
        out->type = CHAIN_TEXT;
        out->p = s;
        out->n = (size_t)len;
        return 0;
    case PG_BYTEA:
        out->type = CHAIN_BLOB;
        out->p = s;
        out->n = (size_t)len;
        return 0;
    default:
        return -1;
    }
}

/* ---- reading ------------------------------------------------------------------------ */

typedef struct {
    imt_backend *b;
    int (*cb)(void *ctx, const store_row *r);
    void *ctx;
} table_walk;

static int table_row(void *vctx, const PGresult *r, int i)
{
    table_walk *w = vctx;
    chain_val cols[TC_MAX];
    int n = 0;
    for (int k = 0; k < PQnfields(r) && n < TC_MAX; k++) {
        if (own_column(PQfname(r, k)))
            continue;
        if (pg_value_to_chain(r, i, k, &cols[n]) != 0)
            return pg_set_err(w->b, STORE_ERROR, "column %s has a type imtreview cannot "
                              "copy", PQfname(r, k));
        n++;
    }
    store_row row = { n, cols };
    return w->cb(w->ctx, &row);
}

int pg_table_rows(imt_backend *b, const char *table, const char *order,
                  int (*cb)(void *ctx, const store_row *r), void *ctx)
{
    char *t = PQescapeIdentifier(b->conn, table, strlen(table));
    char *o = PQescapeIdentifier(b->conn, order, strlen(order));
    sbuf q = { 0 };
    sb_add(&q, "SELECT * FROM %s ORDER BY %s", t ? t : "", o ? o : "");
    PQfreemem(t);
    PQfreemem(o);
    table_walk w = { b, cb, ctx };
    int rc = q.oom ? pg_set_err(b, STORE_ERROR, "out of memory")
                   : pg_walk(b, q.s, NULL, true, "reading a table", table_row, &w);
    sb_free(&q);
    return rc;
}

int pg_table_count(imt_backend *b, const char *table, long long *n)
{
    char *t = PQescapeIdentifier(b->conn, table, strlen(table));
    sbuf q = { 0 };
    sb_add(&q, "SELECT count(*) FROM %s", t ? t : "");
    PQfreemem(t);
    int rc = STORE_OK;
    PGresult *r = q.oom ? NULL : pg_run(b, q.s, NULL, false, "counting rows", &rc);
    if (q.oom)
        rc = pg_set_err(b, STORE_ERROR, "out of memory");
    sb_free(&q);
    if (r) {
        *n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
    }
    return rc;
}

/* ---- writing -------------------------------------------------------------------------- */

void pg_table_free(imt_backend *b)
{
    if (!b->tcopy)
        return;
    free(b->tcopy->buf);
    free(b->tcopy);
    b->tcopy = NULL;
}

static void put(struct pg_tcopy *c, const void *p, size_t n)
{
    if (c->oom)
        return;
    if (c->len + n > c->cap) {
        size_t nc = c->cap ? c->cap : 4096;
        while (nc < c->len + n)
            nc *= 2;
        char *ns = realloc(c->buf, nc);
        if (!ns) {
            c->oom = true;
            return;
        }
        c->buf = ns;
        c->cap = nc;
    }
    memcpy(c->buf + c->len, p, n);
    c->len += n;
}

static void put_be(struct pg_tcopy *c, uint64_t u, int n)
{
    unsigned char d[8];
    for (int i = 0; i < n; i++)
        d[i] = (unsigned char)(u >> (8 * (n - 1 - i)));
    put(c, d, (size_t)n);
}

/* One value in the target column's binary form. */
static int put_value(imt_backend *b, struct pg_tcopy *c, Oid type, const chain_val *v)
{
    if (v->type == CHAIN_NULL) {
        put_be(c, 0xffffffffu, 4);
        return STORE_OK;
    }
    switch (type) {
    case PG_INT8:
    case PG_INT4:
    case PG_INT2:
    case PG_BOOL: {
        long long i;
        if (v->type == CHAIN_INT)
            i = v->i;
        else if (v->type == CHAIN_REAL && v->r == floor(v->r) && fabs(v->r) < 9e15)
            i = (long long)v->r;
        else
            break;
        int n = type == PG_INT8 ? 8 : type == PG_INT4 ? 4 : type == PG_INT2 ? 2 : 1;
        put_be(c, (uint64_t)n, 4);
        put_be(c, type == PG_BOOL ? (uint64_t)(i != 0) : (uint64_t)i, n);
        return STORE_OK;
    }
    case PG_FLOAT8: {
        double d;
        if (v->type == CHAIN_REAL)
            d = v->r;
        else if (v->type == CHAIN_INT)
            d = (double)v->i;
        else
            break;
        uint64_t u;
        memcpy(&u, &d, sizeof u);
        put_be(c, 8, 4);
        put_be(c, u, 8);
        return STORE_OK;
    }
    case PG_TEXT:
    case PG_VARCHAR:
        if (v->type != CHAIN_TEXT)
            break;
        put_be(c, v->n, 4);
        put(c, v->p, v->n);
        return STORE_OK;
    case PG_BYTEA:
        if (v->type != CHAIN_BLOB && v->type != CHAIN_TEXT)
            break;
        put_be(c, v->n, 4);
        put(c, v->p, v->n);
        return STORE_OK;
    default:
        break;
    }
    return pg_set_err(b, STORE_ERROR, "copying %s: column %s holds a value its type here "
                      "cannot take", c->table, v->name);
}

/* The target's columns and the COPY, at the first row of a table. */
static int copy_open(imt_backend *b, const char *table, const store_row *row)
{
    struct pg_tcopy *c = calloc(1, sizeof *c);
    if (!c)
        return pg_set_err(b, STORE_ERROR, "out of memory");
    b->tcopy = c;
    snprintf(c->table, sizeof c->table, "%s", table);
    c->audit = strcmp(table, "audit") == 0;
    pgparams p = { 0 };
    pgp_text(&p, table);
    int rc;
    PGresult *r = pg_run(b, "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = "
                            "(SELECT oid FROM pg_class WHERE relname = $1 AND relnamespace = '"
                            PG_SCHEMA "'::regnamespace) AND attnum > 0 AND NOT attisdropped "
                            "AND attgenerated = '' ORDER BY attnum", &p, false,
                         "reading the target's columns", &rc);
    if (!r)
        return rc;
    sbuf q = { 0 };
    char *t = PQescapeIdentifier(b->conn, table, strlen(table));
    sb_add(&q, "COPY %s (", t ? t : "");
    PQfreemem(t);
    for (int i = 0; i < PQntuples(r) && c->n < TC_MAX; i++) {
        const char *name = PQgetvalue(r, i, 0);
        int from = -1, fold = -1;
        for (int k = 0; k < row->n; k++)
            if (strcmp(row->cols[k].name, name) == 0)
                from = k;
        if (from < 0 && strcmp(table, "cases") == 0 &&
            (strcmp(name, "site_detail_fold") == 0 || strcmp(name, "notes_fold") == 0)) {
            const char *src = name[0] == 's' ? "site_detail" : "notes";
            for (int k = 0; k < row->n; k++)
                if (strcmp(row->cols[k].name, src) == 0)
                    fold = k;
        }
        if (from < 0 && fold < 0)
            continue;          /* left to its default */
        char *col = PQescapeIdentifier(b->conn, name, strlen(name));
        sb_add(&q, "%s%s", c->n ? ", " : "", col ? col : "");
        PQfreemem(col);
        c->type[c->n] = (Oid)strtoul(PQgetvalue(r, i, 1), NULL, 10);
        c->map[c->n] = from;
        c->fold_of[c->n] = fold;
        c->n++;
    }
    PQclear(r);
    /* every column of the row must have somewhere to go */
    for (int k = 0; k < row->n; k++) {
        bool used = false;
        for (int i = 0; i < c->n; i++)
            used = used || c->map[i] == k;
        if (!used) {
            sb_free(&q);
            return pg_set_err(b, STORE_ERROR, "copying %s: the target has no column %s (it "
                              "was made by another version of imtreview)", table,
                              row->cols[k].name);
        }
    }
    sb_add(&q, ") FROM STDIN (FORMAT binary)");
    if (q.oom) {
        sb_free(&q);
        return pg_set_err(b, STORE_ERROR, "out of memory");
    }
    PGresult *cr = NULL;
    if (!PQsendQuery(b->conn, q.s))
        rc = pg_fail(b, NULL, "copying");
    else
        cr = pg_result(b, "copying", &rc);
    sb_free(&q);
    bool copying = cr && PQresultStatus(cr) == PGRES_COPY_IN;
    PQclear(cr);
    if (rc != STORE_OK)
        return rc;
    if (!copying)
        return pg_set_err(b, STORE_ERROR, "copying: the server did not start the copy");
    static const char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
    put(c, header, 19);
    return STORE_OK;
}

int pg_table_put(imt_backend *b, const char *table, const store_row *row)
{
    if (!b->in_user_tx)
        return pg_set_err(b, STORE_ERROR, "internal: copying outside a transaction");
    int rc;
    if (!b->tcopy && (rc = copy_open(b, table, row)) != STORE_OK)
        return rc;
    struct pg_tcopy *c = b->tcopy;
    put_be(c, (uint64_t)c->n, 2);
    for (int i = 0; i < c->n; i++) {
        if (c->fold_of[i] >= 0) {
            const chain_val *src = &row->cols[c->fold_of[i]];
            char *fold = src->type == CHAIN_TEXT ? rec_fold(src->p, src->n) : NULL;
            chain_val fv = { .name = "fold", .type = fold ? CHAIN_TEXT : CHAIN_NULL, .p = fold,
                             .n = fold ? strlen(fold) : 0 };
            rc = put_value(b, c, c->type[i], &fv);
            free(fold);
        } else {
            rc = put_value(b, c, c->type[i], &row->cols[c->map[i]]);
        }
        if (rc != STORE_OK)
            return rc;
    }
    if (c->audit) {
        for (int k = 0; k < row->n; k++) {
            const chain_val *v = &row->cols[k];
            if (strcmp(v->name, "seq") == 0 && v->type == CHAIN_INT)
                c->last_seq = v->i;
            else if (strcmp(v->name, "hash") == 0)
                snprintf(c->last_hash, sizeof c->last_hash, "%.*s",
                         v->type == CHAIN_TEXT ? (int)v->n : 0,
                         v->type == CHAIN_TEXT ? (const char *)v->p : "");
        }
    }
    if (c->oom)
        return pg_set_err(b, STORE_ERROR, "out of memory");
    if (c->len >= 65536) {
        if (PQputCopyData(b->conn, c->buf, (int)c->len) != 1)
            return pg_fail(b, NULL, "copying");
        c->len = 0;
    }
    return STORE_OK;
}

int pg_table_end(imt_backend *b, const char *table)
{
    (void)table;
    struct pg_tcopy *c = b->tcopy;
    if (!c)
        return STORE_OK;
    put_be(c, 0xffff, 2);
    int rc = STORE_OK;
    if (c->oom)
        rc = pg_set_err(b, STORE_ERROR, "out of memory");
    else if (PQputCopyData(b->conn, c->buf, (int)c->len) != 1 || PQputCopyEnd(b->conn, NULL) != 1)
        rc = pg_fail(b, NULL, "copying");
    else
        PQclear(pg_result(b, "copying", &rc));
    /* The audit's rows came with their hashes: the head is the last one,
     * written back at the commit. */
    if (rc == STORE_OK && c->audit && c->last_seq > 0) {
        b->head_seq = c->last_seq;
        b->head_has = chain_unhex(c->last_hash, b->head_hash) == 0;
        b->head_dirty = true;
    }
    pg_table_free(b);
    return rc;
}
