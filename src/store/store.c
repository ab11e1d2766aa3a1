/* store/store.c - the case store of store/store.h: chooses the engine from
 * the database locator and forwards each call to it (store/backend.h).
 * No SQL here: that lives in the engines (src/store/sqlite/, src/store/pg/). */
#include "store_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const imt_store_ops imt_sqlite_ops;   /* src/store/sqlite/engine.c */
extern const imt_store_ops imt_pg_ops;       /* src/store/pg/engine.c */

const imt_sort_col store_sort_cols[SORT_NKEYS] = {
    [SORT_CASE_ID]  = { "case_id",  IMT_F_case_id },
    [SORT_AGE]      = { "age",      IMT_F_age_years },
    [SORT_SEX]      = { "sex",      IMT_F_sex },
    [SORT_SITE]     = { "site",     IMT_F_site },
    [SORT_SIZE]     = { "size",     IMT_F_size_cm },
    [SORT_ALK]      = { "alk",      IMT_F_alk_status },
    [SORT_SURGERY]  = { "surgery",  IMT_F_surgery },
    [SORT_OUTCOME]  = { "outcome",  IMT_F_outcome },
    [SORT_FOLLOWUP] = { "followup", IMT_F_followup_months },
    [SORT_REVIEW]   = { "review",   IMT_F_review_status },
};

const char *store_sort_name(imt_sort_key k)
{
    if ((int)k < 0 || k >= SORT_NKEYS)
        return "?";
    return store_sort_cols[k].name;
}

/* ---- choosing the engine ------------------------------------------------------ */

store_engine_kind store_locator_engine(const char *loc)
{
    if (!loc)
        return STORE_ENGINE_SQLITE;
    if (strncmp(loc, "postgresql://", 13) == 0 || strncmp(loc, "postgres://", 11) == 0)
        return STORE_ENGINE_PG;
    /* A libpq connection string: keyword = value ... ("service=NAME",
     * "host=h dbname=d").  A path holding '=' is written ./a=b. */
    const char *p = loc;
    while (*p == ' ' || *p == '\t')
        p++;
    const char *k = p;
    while (isalnum((unsigned char)*p) || *p == '_')
        p++;
    if (p == k)
        return STORE_ENGINE_SQLITE;
    while (*p == ' ' || *p == '\t')
        p++;
    return *p == '=' ? STORE_ENGINE_PG : STORE_ENGINE_SQLITE;
}

static const imt_store_ops *engine_ops(store_engine_kind k)
{
    switch (k) {
    case STORE_ENGINE_SQLITE:
        return &imt_sqlite_ops;
    case STORE_ENGINE_PG:
        return &imt_pg_ops;
    }
    return NULL;
}

imt_store *store_open(const char *locator, unsigned flags, const char *user,
                      char *err, size_t errn)
{
    if (errn)
        err[0] = '\0';
    if (!locator || !*locator) {
        snprintf(err, errn, "no database path given");
        return NULL;
    }
    const imt_store_ops *ops = engine_ops(store_locator_engine(locator));
    imt_store *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errn, "out of memory");
        return NULL;
    }
    st->ops = ops;
    st->b = ops->open(locator, flags, user, err, errn);
    if (!st->b) {
        free(st);
        return NULL;
    }
    return st;
}

void store_close(imt_store *st)
{
    if (!st)
        return;
    st->ops->close(st->b);
    free(st);
}

void store_remove_files(const char *locator)
{
    const imt_store_ops *ops = engine_ops(store_locator_engine(locator));
    if (ops && ops->remove_files)
        ops->remove_files(locator);
}

int store_probe(const char *locator, char *err, size_t errn)
{
    if (errn)
        err[0] = '\0';
    if (!locator || !*locator) {
        snprintf(err, errn, "no database path given");
        return STORE_ERROR;
    }
    return engine_ops(store_locator_engine(locator))->probe(locator, err, errn);
}

const char *store_locator_shown(const char *locator, char *out, size_t n)
{
    const imt_store_ops *ops = engine_ops(store_locator_engine(locator));
    if (ops->shown)
        ops->shown(locator, out, n);
    else
        snprintf(out, n, "%s", locator ? locator : "");
    return out;
}

bool store_created(const imt_store *st)
{
    return st && st->ops->created && st->ops->created(st->b);
}

int store_identity(imt_store *st, char *out, size_t n)
{
    return st->ops->identity(st->b, out, n);
}

int store_display_name(imt_store *st, char *out, size_t n)
{
    return st->ops->display_name(st->b, out, n);
}

char *store_admin_script(store_engine_kind k)
{
    const imt_store_ops *ops = engine_ops(k);
    return ops && ops->admin_script ? ops->admin_script() : NULL;
}

const char *store_engine(const imt_store *st)
{
    return st ? st->ops->name : "none";
}

/* ---- forwarding --------------------------------------------------------------- */

const char *store_errmsg(const imt_store *st)
{
    return st ? st->ops->errmsg(st->b) : "no database";
}

bool store_is_readonly(const imt_store *st)
{
    return st->ops->is_readonly(st->b);
}

int store_schema_version(const imt_store *st)
{
    return st->ops->schema_version(st->b);
}

void store_set_busy_timeout(imt_store *st, int ms)
{
    st->ops->set_busy_timeout(st->b, ms);
}

void store_set_interrupt(imt_store *st, int (*cb)(void *ctx), void *ctx)
{
    st->ops->set_interrupt(st->b, cb, ctx);
}

void store_set_progress(imt_store *st, int (*cb)(void *ctx), void *ctx)
{
    st->ops->set_progress(st->b, cb, ctx);
}

int store_begin(imt_store *st)
{
    return st->ops->begin(st->b);
}

int store_commit(imt_store *st)
{
    return st->ops->commit(st->b);
}

int store_rollback(imt_store *st)
{
    return st->ops->rollback(st->b);
}

int store_data_version(imt_store *st, long long *v)
{
    return st->ops->data_version(st->b, v);
}

int store_notify_fd(imt_store *st)
{
    return st->ops->notify_fd(st->b);
}

int store_get(imt_store *st, const char *case_id, imt_case *out)
{
    return st->ops->get(st->b, case_id, out);
}

bool store_exists(imt_store *st, const char *case_id)
{
    return st->ops->exists(st->b, case_id);
}

int store_insert(imt_store *st, imt_case *c, const char *source)
{
    return st->ops->insert(st->b, c, source);
}

int store_update(imt_store *st, imt_case *c, const char *source, int *nchanged)
{
    return st->ops->update(st->b, c, source, nchanged);
}

int store_update_fields(imt_store *st, const imt_case *c, const int *fields, int nf,
                        const char *source, int *nchanged)
{
    return st->ops->update_fields(st->b, c, fields, nf, source, nchanged);
}

int store_set_review(imt_store *st, const char *case_id, int status,
                     const char *comment, const char *ruleset)
{
    return st->ops->set_review(st->b, case_id, status, comment, ruleset);
}

long store_count(imt_store *st, const imt_filter *f)
{
    return st->ops->count(st->b, f);
}

bool store_passes(imt_store *st, const imt_filter *f, const char *case_id)
{
    return st->ops->passes(st->b, f, case_id);
}

long store_rank(imt_store *st, const imt_filter *f, imt_sort s, const char *case_id)
{
    return st->ops->rank(st->b, f, s, case_id);
}

int store_page(imt_store *st, const imt_filter *f, imt_sort s,
               const char *anchor, int dir, int n, imt_case *out)
{
    return st->ops->page(st->b, f, s, anchor, dir, n, out);
}

int store_foreach(imt_store *st, const imt_filter *f, imt_sort s,
                  int (*cb)(void *ctx, const imt_case *c), void *ctx)
{
    return st->ops->foreach(st->b, f, s, cb, ctx);
}

int store_foreach_by_key(imt_store *st, const imt_filter *f,
                         void (*key)(void *kctx, const imt_case *c, char *out, size_t n),
                         void *kctx, int (*cb)(void *ctx, const imt_case *c), void *ctx)
{
    return st->ops->foreach_by_key(st->b, f, key, kctx, cb, ctx);
}

int store_audit_foreach(imt_store *st, const char *case_id,
                        int (*cb)(void *ctx, const imt_audit *a), void *ctx)
{
    return st->ops->audit_foreach(st->b, case_id, cb, ctx);
}

int store_secret(imt_store *st, unsigned char key[32])
{
    return st->ops->secret(st->b, key);
}

int store_check(imt_store *st, void (*report)(void *ctx, const char *msg), void *ctx)
{
    return st->ops->check(st->b, report, ctx);
}

const char *store_damage(const imt_store *st)
{
    return st->ops->damage ? st->ops->damage(st->b) : NULL;
}

int store_backup(imt_store *st, const char *dest, char *err, size_t errn)
{
    if (!st->ops->backup) {
        snprintf(err, errn, "the %s engine makes no backup itself; use its own tools",
                 st->ops->name);
        return STORE_ERROR;
    }
    int rc = st->ops->backup(st->b, dest);
    if (rc != STORE_OK)
        snprintf(err, errn, "%s", st->ops->errmsg(st->b));
    return rc;
}

int store_check_head(imt_store *st, void (*report)(void *ctx, const char *msg), void *ctx,
                     store_audit_head *head)
{
    if (st->ops->check_head)
        return st->ops->check_head(st->b, report, ctx, head);
    memset(head, 0, sizeof *head);
    int rc = st->ops->check(st->b, report, ctx);
    if (rc < 0)
        return rc;
    if (report)
        report(ctx, "this engine keeps no audit hash chain");
    return rc + 1;
}
