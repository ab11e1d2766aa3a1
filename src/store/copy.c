/* store/copy.c - `imtreview copy --to`: whole tables from one database to
 * another, whatever the engines, and the comparison of both sides
 * (store.h store_copy, store_summary).  A new table is one more entry in
 * copy_tables[] (parents first): the engines read and write any table
 * as engine-neutral rows (store/backend.h store_row). */
#define _GNU_SOURCE
#include "store_int.h"

#include <sha256.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *table;     /* its name in both engines */
    const char *order;     /* the column rows are read in the order of */
    const char *what;      /* for the messages: "case", "audit row" */
} copy_tables[] = {
    { "cases", "case_id", "case" },
    { "decisions", "seq", "decision" },
    { "events", "id", "event" },
    { "audit", "seq", "audit row" },
};
#define NTABLES ((int)(sizeof copy_tables / sizeof copy_tables[0]))

static bool can_copy(const imt_store *st)
{
    const imt_store_ops *o = st->ops;
    return o->table_rows && o->table_count && o->table_put && o->table_end && o->set_secret;
}

/* ---- the digest of a table ------------------------------------------------------------ */

static int val_cmp(const void *a, const void *b)
{
    return strcmp(((const chain_val *)a)->name, ((const chain_val *)b)->name);
}

static void sha_u64(SHA2_CTX *c, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (56 - 8 * i));
    SHA256Update(c, b, 8);
}

/* Every column by name, NULLs left out: the same value gives the same
 * bytes whichever engine it was read from. */
static void row_digest(const store_row *r, unsigned char out[32])
{
    chain_val cols[128];
    int n = r->n < 128 ? r->n : 128;
    memcpy(cols, r->cols, (size_t)n * sizeof cols[0]);
    qsort(cols, (size_t)n, sizeof cols[0], val_cmp);
    SHA2_CTX c;
    SHA256Init(&c);
    for (int i = 0; i < n; i++) {
        const chain_val *v = &cols[i];
        if (v->type == CHAIN_NULL)
            continue;
        sha_u64(&c, strlen(v->name));
        SHA256Update(&c, (const unsigned char *)v->name, strlen(v->name));
        switch (v->type) {
        case CHAIN_INT:
            SHA256Update(&c, (const unsigned char *)"i", 1);
            sha_u64(&c, (uint64_t)v->i);
            break;
        case CHAIN_REAL: {
            uint64_t u;
            memcpy(&u, &v->r, sizeof u);
            SHA256Update(&c, (const unsigned char *)"r", 1);
            sha_u64(&c, u);
            break;
        }
        case CHAIN_TEXT:
        case CHAIN_BLOB:
            SHA256Update(&c, (const unsigned char *)(v->type == CHAIN_TEXT ? "t" : "b"), 1);
            sha_u64(&c, v->n);
            if (v->n)
                SHA256Update(&c, v->p, v->n);
            break;
        case CHAIN_NULL:
            break;
        }
    }
    SHA256Final(out, &c);
}

typedef struct {
    long long rows;
    unsigned char d[32];
} sum_ctx;

static int sum_row(void *vctx, const store_row *r)
{
    sum_ctx *s = vctx;
    unsigned char rh[32];
    row_digest(r, rh);
    SHA2_CTX c;
    SHA256Init(&c);
    SHA256Update(&c, s->d, 32);
    SHA256Update(&c, rh, 32);
    SHA256Final(s->d, &c);
    s->rows++;
    return 0;
}

int store_summary(imt_store *st, store_table_sum *out, int max)
{
    if (!can_copy(st))
        return STORE_ERROR;
    int n = 0;
    for (int t = 0; t < NTABLES && n < max; t++) {
        sum_ctx s = { 0, { 0 } };
        int rc = st->ops->table_rows(st->b, copy_tables[t].table, copy_tables[t].order,
                                     sum_row, &s);
        if (rc != STORE_OK)
            return rc < 0 ? rc : STORE_ERROR;
        out[n].table = copy_tables[t].table;
        out[n].rows = s.rows;
        chain_hex(s.d, out[n].digest);
        n++;
    }
    return n;
}

/* ---- the copy -------------------------------------------------------------------------- */

typedef struct {
    imt_store *to;
    const char *table;
    long long rows;
} put_ctx;

static int put_row(void *vctx, const store_row *r)
{
    put_ctx *p = vctx;
    int rc = p->to->ops->table_put(p->to->b, p->table, r);
    if (rc != STORE_OK)
        return rc < 0 ? rc : STORE_ERROR;
    p->rows++;
    return 0;
}

static void say_line(void (*say)(void *, const char *), void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say_line(void (*say)(void *, const char *), void *ctx, const char *fmt, ...)
{
    if (!say)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    say(ctx, line);
}

int store_copy(imt_store *from, imt_store *to, void (*say)(void *ctx, const char *line),
               void *ctx, char *err, size_t errn)
{
    if (errn)
        err[0] = '\0';
    if (!can_copy(from) || !can_copy(to)) {
        snprintf(err, errn, "copy is not supported by the %s engine yet",
                 can_copy(from) ? to->ops->name : from->ops->name);
        return STORE_ERROR;
    }
    if (store_is_readonly(to)) {
        snprintf(err, errn, "the target is read-only: %s", to->ops->errmsg(to->b));
        return STORE_READONLY;
    }
    /* An empty target only: a copy never merges into, or replaces, data. */
    for (int t = 0; t < NTABLES; t++) {
        long long n = 0;
        int rc = to->ops->table_count(to->b, copy_tables[t].table, &n);
        if (rc != STORE_OK) {
            snprintf(err, errn, "reading the target: %s", to->ops->errmsg(to->b));
            return rc;
        }
        if (n > 0) {
            snprintf(err, errn, "the target is not empty (its %s table holds %lld row%s): "
                     "copy only fills an empty database; nothing was copied",
                     copy_tables[t].table, n, n == 1 ? "" : "s");
            return STORE_EXISTS;
        }
    }
    unsigned char key[32];
    int rc = from->ops->secret(from->b, key);
    if (rc != STORE_OK) {
        snprintf(err, errn, "reading the source: %s", from->ops->errmsg(from->b));
        return rc;
    }
    if ((rc = store_begin(to)) != STORE_OK) {
        snprintf(err, errn, "%s", to->ops->errmsg(to->b));
        memset(key, 0, sizeof key);
        return rc;
    }
    rc = to->ops->set_secret(to->b, key);
    memset(key, 0, sizeof key);
    for (int t = 0; t < NTABLES && rc == STORE_OK; t++) {
        put_ctx p = { to, copy_tables[t].table, 0 };
        rc = from->ops->table_rows(from->b, copy_tables[t].table, copy_tables[t].order,
                                   put_row, &p);
        if (rc != STORE_OK) {
            /* whose message: the target's if a put failed */
            const char *m = to->ops->errmsg(to->b);
            snprintf(err, errn, "copying the %s table: %s", copy_tables[t].table,
                     m && *m ? m : from->ops->errmsg(from->b));
            break;
        }
        rc = to->ops->table_end(to->b, copy_tables[t].table);
        if (rc != STORE_OK) {
            snprintf(err, errn, "copying the %s table: %s", copy_tables[t].table,
                     to->ops->errmsg(to->b));
            break;
        }
        say_line(say, ctx, "copied %lld %s%s", p.rows, copy_tables[t].what,
                 p.rows == 1 ? "" : "s");
    }
    /* What the target derives itself (follow-up dates, decision states),
     * in the same transaction. */
    if (rc == STORE_OK && to->ops->after_copy && (rc = to->ops->after_copy(to->b)) != STORE_OK)
        snprintf(err, errn, "deriving the follow-up dates and decision states: %s",
                 to->ops->errmsg(to->b));
    if (rc == STORE_OK) {
        rc = store_commit(to);
        if (rc != STORE_OK)
            snprintf(err, errn, "%s", to->ops->errmsg(to->b));
    }
    if (rc != STORE_OK) {
        store_rollback(to);
        return rc < 0 ? rc : STORE_ERROR;
    }
    /* Both sides read again and compared. */
    store_table_sum a[NTABLES], b[NTABLES];
    int na = store_summary(from, a, NTABLES), nb = store_summary(to, b, NTABLES);
    if (na != NTABLES || nb != NTABLES) {
        snprintf(err, errn, "the copy was saved, but reading both sides again failed: %s",
                 na != NTABLES ? from->ops->errmsg(from->b) : to->ops->errmsg(to->b));
        return STORE_ERROR;
    }
    unsigned char k1[32], k2[32];
    bool keys = from->ops->secret(from->b, k1) == STORE_OK &&
                to->ops->secret(to->b, k2) == STORE_OK && memcmp(k1, k2, 32) == 0;
    memset(k1, 0, sizeof k1);
    memset(k2, 0, sizeof k2);
    bool same = keys;
    for (int t = 0; t < NTABLES; t++) {
        bool eq = a[t].rows == b[t].rows && strcmp(a[t].digest, b[t].digest) == 0;
        same = same && eq;
        if (eq)
            say_line(say, ctx, "%s: %lld row%s on both sides, content digest %s: identical",
                     a[t].table, a[t].rows, a[t].rows == 1 ? "" : "s", a[t].digest);
        else
            say_line(say, ctx, "%s: DIFFERENT: the source has %lld row%s (digest %s), the "
                     "target %lld (digest %s)", a[t].table, a[t].rows, a[t].rows == 1 ? "" : "s",
                     a[t].digest, b[t].rows, b[t].digest);
    }
    if (!same) {
        snprintf(err, errn, "the copy differs from the source%s (see above); the target "
                 "was written: compare them before using it", keys ? "" :
                 " (the pseudonym key differs)");
        return STORE_ERROR;
    }
    return STORE_OK;
}
