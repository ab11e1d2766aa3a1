/* store/store.c - the case store of store/store.h: chooses the engine from
 * the database locator and forwards each call to it (store/backend.h).
 * No SQL here: that lives in the engines (src/store/sqlite/, src/store/pg/). */
#include "store_int.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const imt_store_ops imt_sqlite_ops;   /* src/store/sqlite/engine.c */
extern const imt_store_ops imt_pg_ops;       /* src/store/pg/engine.c */

/* An operation the engine does not have (yet): refused, never pretended. */
static int unsupported(imt_store *st, const char *what)
{
    snprintf(st->err, sizeof st->err, "%s is not supported by the %s engine yet",
             what, st->ops->name);
    st->own = true;
    return STORE_ERROR;
}

/* A filter on decisions needs an engine that keeps the decision state. */
static bool filter_unsupported(imt_store *st, const imt_filter *f)
{
    st->own = false;
    if (f && f->decision_mask && !st->ops->decide) {
        unsupported(st, "the decision filter");
        return true;
    }
    if (f && f->followup_mask && !st->ops->set_schedule) {
        unsupported(st, "the follow-up filter");
        return true;
    }
    return false;
}

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
    [SORT_NEXT_DUE] = { "next_due", -1 },   /* not a dictionary column */
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
    if (st && st->own) {
        ((imt_store *)st)->own = false;
        return st->err;
    }
    return st ? st->ops->errmsg(st->b) : "no database";
}

bool store_is_readonly(const imt_store *st)
{
    return st->ops->is_readonly(st->b);
}

const char *store_readonly_why(const imt_store *st)
{
    if (!st->ops->is_readonly(st->b))
        return NULL;
    const char *w = st->ops->readonly_why ? st->ops->readonly_why(st->b) : NULL;
    return w ? w : "the database is open read-only";
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
    st->own = false;
    return st->ops->begin(st->b);
}

int store_commit(imt_store *st)
{
    st->own = false;
    return st->ops->commit(st->b);
}

int store_rollback(imt_store *st)
{
    st->own = false;
    return st->ops->rollback(st->b);
}

int store_data_version(imt_store *st, long long *v)
{
    st->own = false;
    return st->ops->data_version(st->b, v);
}

int store_notify_fd(imt_store *st)
{
    st->own = false;
    return st->ops->notify_fd(st->b);
}

int store_get(imt_store *st, const char *case_id, imt_case *out)
{
    st->own = false;
    return st->ops->get(st->b, case_id, out);
}

bool store_exists(imt_store *st, const char *case_id)
{
    st->own = false;
    return st->ops->exists(st->b, case_id);
}

int store_insert(imt_store *st, imt_case *c, const char *source)
{
    st->own = false;
    return st->ops->insert(st->b, c, source);
}

int store_update(imt_store *st, imt_case *c, const char *source, int *nchanged)
{
    st->own = false;
    return st->ops->update(st->b, c, source, nchanged);
}

int store_update_fields(imt_store *st, const imt_case *c, const int *fields, int nf,
                        const char *source, int *nchanged)
{
    st->own = false;
    return st->ops->update_fields(st->b, c, fields, nf, source, nchanged);
}

int store_set_review(imt_store *st, const char *case_id, int status,
                     const char *comment, const char *ruleset)
{
    st->own = false;
    if (st->ops->review) {
        store_review_req rq = { case_id, status, comment, NULL, ruleset };
        store_review_result res;
        return st->ops->review(st->b, &rq, &res);
    }
    return st->ops->set_review(st->b, case_id, status, comment, ruleset);
}

/* ---- review (issue 10) ------------------------------------------------------ */

void store_set_full_name(imt_store *st, const char *full_name)
{
    if (st->ops->set_full_name)
        st->ops->set_full_name(st->b, full_name);
}

int store_edit(imt_store *st, const char *case_id, const store_edit_req *rq,
               store_edit_result *res)
{
    memset(res, 0, sizeof *res);
    imt_case_init(&res->before);
    imt_case_init(&res->after);
    res->conflict_field = -1;
    st->own = false;
    if (!st->ops->edit)
        return unsupported(st, "an edit with version checks");
    return st->ops->edit(st->b, case_id, rq, res);
}

void store_edit_result_clear(store_edit_result *res)
{
    imt_case_clear(&res->before);
    imt_case_clear(&res->after);
}

int store_review(imt_store *st, const store_review_req *rq, store_review_result *res)
{
    memset(res, 0, sizeof *res);
    st->own = false;
    if (!st->ops->review) {
        if (rq->reason)
            return unsupported(st, "re-opening a signed-out case");
        res->previous = -1;
        return st->ops->set_review(st->b, rq->case_id, rq->status, rq->comment, rq->ruleset);
    }
    return st->ops->review(st->b, rq, res);
}

int store_decide(imt_store *st, const store_decide_req *rq, store_decide_result *res)
{
    memset(res, 0, sizeof *res);
    st->own = false;
    if (!st->ops->decide)
        return unsupported(st, "a decision on a recommendation");
    return st->ops->decide(st->b, rq, res);
}

int store_decisions(imt_store *st, const char *case_id, store_decision **out, int *n)
{
    *out = NULL;
    *n = 0;
    st->own = false;
    if (!st->ops->decisions)
        return STORE_OK;      /* an engine that keeps none has none to give */
    return st->ops->decisions(st->b, case_id, out, n);
}

void store_decisions_free(store_decision *d, int n)
{
    for (int i = 0; d && i < n; i++) {
        free(d[i].comment);
        for (int k = 0; k < d[i].nfacts; k++)
            free(d[i].facts[k]);
        free(d[i].facts);
    }
    free(d);
}

int store_changes_since(imt_store *st, long long *mark, long cap, long *ncases, bool *more)
{
    *ncases = 0;
    *more = false;
    st->own = false;
    if (!st->ops->changes_since)
        return unsupported(st, "counting other sessions' changes");
    return st->ops->changes_since(st->b, mark, cap, ncases, more);
}

long store_count(imt_store *st, const imt_filter *f)
{
    if (filter_unsupported(st, f))
        return -1;
    return st->ops->count(st->b, f);
}

bool store_passes(imt_store *st, const imt_filter *f, const char *case_id)
{
    if (filter_unsupported(st, f))
        return false;
    return st->ops->passes(st->b, f, case_id);
}

long store_rank(imt_store *st, const imt_filter *f, imt_sort s, const char *case_id)
{
    if (filter_unsupported(st, f))
        return -1;
    return st->ops->rank(st->b, f, s, case_id);
}

int store_page(imt_store *st, const imt_filter *f, imt_sort s,
               const char *anchor, int dir, int n, imt_case *out)
{
    if (filter_unsupported(st, f))
        return STORE_ERROR;
    return st->ops->page(st->b, f, s, anchor, dir, n, out);
}

int store_foreach(imt_store *st, const imt_filter *f, imt_sort s,
                  int (*cb)(void *ctx, const imt_case *c), void *ctx)
{
    if (filter_unsupported(st, f))
        return STORE_ERROR;
    return st->ops->foreach(st->b, f, s, cb, ctx);
}

int store_foreach_by_key(imt_store *st, const imt_filter *f,
                         void (*key)(void *kctx, const imt_case *c, char *out, size_t n),
                         void *kctx, int (*cb)(void *ctx, const imt_case *c), void *ctx)
{
    if (filter_unsupported(st, f))
        return STORE_ERROR;
    return st->ops->foreach_by_key(st->b, f, key, kctx, cb, ctx);
}

void store_set_cache(imt_store *st, int kib)
{
    if (st->ops->set_cache)
        st->ops->set_cache(st->b, kib);
}

/* ---- walks ---------------------------------------------------------------- */

#define WALK_PAGE 256

struct store_walk {
    imt_store *st;
    void *eng;             /* the engine's walk, or NULL: pages below      */
    imt_filter f;
    bool course;
    char *last;            /* case_id of the last case of the last page    */
    bool done;
    long seen;
};

store_walk *store_walk_open(imt_store *st, const imt_filter *f, const int *fields, int nf,
                            bool course)
{
    store_walk *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->st = st;
    w->course = course;
    if (f)
        w->f = *f;
    if (st->ops->walk_open) {
        w->eng = st->ops->walk_open(st->b, f, fields, nf, course);
        if (!w->eng) {
            free(w);
            return NULL;
        }
    }
    return w;
}

/* Without an engine walk: keyset pages in case_id order (and each case's
 * events read on their own). */
static int walk_pages(store_walk *w, long max,
                      int (*cb)(void *ctx, const imt_case *c, const imt_course *co), void *ctx)
{
    imt_case page[WALK_PAGE];
    while (!w->done && max > 0) {
        int want = max < WALK_PAGE ? (int)max : WALK_PAGE;
        int got = store_page(w->st, &w->f, (imt_sort){ SORT_CASE_ID, false }, w->last,
                             +1, want, page);
        if (got < 0)
            return got;
        int ret = 0;
        for (int i = 0; i < got; i++) {
            if (!ret) {
                w->seen++;
                if (w->course) {
                    imt_course co;
                    course_init(&co);
                    ret = store_events_get(w->st, page[i].case_id, &co);
                    if (ret == STORE_OK)
                        ret = cb(ctx, &page[i], &co);
                    course_clear(&co);
                } else {
                    ret = cb(ctx, &page[i], NULL);
                }
            }
            if (i == got - 1 && page[i].case_id) {
                char *id = strdup(page[i].case_id);
                if (!id)
                    ret = ret ? ret : STORE_ERROR;
                free(w->last);
                w->last = id;
            }
            imt_case_clear(&page[i]);
        }
        if (ret)
            return ret;
        if (got < want)
            w->done = true;
        max -= got;
    }
    return w->done ? 0 : 1;
}

typedef struct {
    store_walk *w;
    int (*cb)(void *ctx, const imt_case *c, const imt_course *co);
    void *ctx;
} walk_tap;

static int walk_count(void *vt, const imt_case *c, const imt_course *co)
{
    walk_tap *t = vt;
    t->w->seen++;
    return t->cb(t->ctx, c, co);
}

int store_walk_step(store_walk *w, long max,
                    int (*cb)(void *ctx, const imt_case *c, const imt_course *co), void *ctx)
{
    if (w->done)
        return 0;
    if (!w->eng)
        return walk_pages(w, max, cb, ctx);
    walk_tap t = { w, cb, ctx };
    int rc = w->st->ops->walk_step(w->st->b, w->eng, max, walk_count, &t);
    if (rc == 0)
        w->done = true;
    return rc;
}

long store_walk_seen(const store_walk *w)
{
    return w->seen;
}

void store_walk_close(store_walk *w)
{
    if (!w)
        return;
    if (w->eng)
        w->st->ops->walk_close(w->st->b, w->eng);
    free(w->last);
    free(w);
}

/* ---- rankers ---------------------------------------------------------------- */

struct store_ranker {
    imt_store *st;
    void *eng;             /* the engine's ranker, or NULL: rank asked at once */
    imt_filter f;
    imt_sort s;
    char *id;
};

store_ranker *store_ranker_open(imt_store *st, const imt_filter *f, imt_sort s,
                                const char *case_id)
{
    store_ranker *r = calloc(1, sizeof *r);
    if (!r || !(r->id = strdup(case_id ? case_id : ""))) {
        free(r);
        return NULL;
    }
    r->st = st;
    r->s = s;
    if (f)
        r->f = *f;
    if (st->ops->ranker_open && !(r->eng = st->ops->ranker_open(st->b, f, s, case_id))) {
        free(r->id);
        free(r);
        return NULL;
    }
    return r;
}

int store_ranker_step(store_ranker *r, long max, long *rank)
{
    if (r->eng)
        return r->st->ops->ranker_step(r->st->b, r->eng, max, rank);
    *rank = store_rank(r->st, &r->f, r->s, r->id);
    return 0;
}

void store_ranker_close(store_ranker *r)
{
    if (!r)
        return;
    if (r->eng)
        r->st->ops->ranker_close(r->st->b, r->eng);
    free(r->id);
    free(r);
}

int store_audit_foreach(imt_store *st, const char *case_id,
                        int (*cb)(void *ctx, const imt_audit *a), void *ctx)
{
    st->own = false;
    return st->ops->audit_foreach(st->b, case_id, cb, ctx);
}

int store_secret(imt_store *st, unsigned char key[32])
{
    st->own = false;
    return st->ops->secret(st->b, key);
}

int store_check(imt_store *st, void (*report)(void *ctx, const char *msg), void *ctx)
{
    st->own = false;
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

/* ---- the course --------------------------------------------------------------- */

int store_events_get(imt_store *st, const char *case_id, imt_course *out)
{
    course_init(out);
    st->own = false;
    if (!st->ops->events_get)
        return unsupported(st, "the course of a case (events)");
    return st->ops->events_get(st->b, case_id, out);
}

int store_event_add(imt_store *st, const char *case_id, imt_event *e, const char *source)
{
    st->own = false;
    if (!st->ops->event_add)
        return unsupported(st, "adding events");
    return st->ops->event_add(st->b, case_id, e, source);
}

int store_event_remove(imt_store *st, const char *case_id, long long id, const char *source)
{
    st->own = false;
    if (!st->ops->event_remove)
        return unsupported(st, "removing events");
    return st->ops->event_remove(st->b, case_id, id, source);
}

int store_course_refresh(imt_store *st, const char *case_id)
{
    st->own = false;
    if (!st->ops->course_refresh)
        return unsupported(st, "the follow-up date (next_due)");
    return st->ops->course_refresh(st->b, case_id);
}

struct store_evstage {
    imt_store *st;
    void *eng;
};

store_evstage *store_evstage_open(imt_store *st)
{
    st->own = false;
    if (!st->ops->evstage_open || !st->ops->course_import) {
        unsupported(st, "importing events");
        return NULL;
    }
    store_evstage *g = malloc(sizeof *g);
    if (!g) {
        snprintf(st->err, sizeof st->err, "out of memory");
        st->own = true;
        return NULL;
    }
    g->st = st;
    if (!(g->eng = st->ops->evstage_open(st->b))) {
        free(g);
        return NULL;
    }
    return g;
}

int store_evstage_add(store_evstage *g, const imt_event *e, long line)
{
    g->st->own = false;
    return g->st->ops->evstage_add(g->st->b, g->eng, e, line);
}

int store_evstage_next(store_evstage *g, imt_case *c, imt_course *stored,
                       imt_course *staged, long *first_line)
{
    g->st->own = false;
    return g->st->ops->evstage_next(g->st->b, g->eng, c, stored, staged, first_line);
}

void store_evstage_close(store_evstage *g)
{
    if (!g)
        return;
    g->st->ops->evstage_close(g->st->b, g->eng);
    free(g);
}

int store_course_import(imt_store *st, const imt_case *c, const imt_course *stored,
                        bool replace, imt_course *add, const char *source)
{
    st->own = false;
    if (!st->ops->course_import)
        return unsupported(st, "importing events");
    return st->ops->course_import(st->b, c, stored, replace, add, source);
}

int store_course_edit(imt_store *st, const char *case_id, int op, long long id,
                      const imt_event *e, const char *source, long long *id_out)
{
    st->own = false;
    if (!st->ops->course_edit)
        return unsupported(st, "editing the course of a case");
    return st->ops->course_edit(st->b, case_id, op, id, e, source, id_out);
}

int store_foreach_course(imt_store *st, const imt_filter *f,
                         int (*cb)(void *ctx, const imt_case *c, const imt_course *co),
                         void *ctx)
{
    st->own = false;
    if (!st->ops->foreach_course)
        return unsupported(st, "reading cases with their course");
    return st->ops->foreach_course(st->b, f, cb, ctx);
}

int store_set_schedule(imt_store *st, const fu_schedule *s, char *note, size_t n)
{
    if (note && n)
        note[0] = '\0';
    st->own = false;
    if (!st->ops->set_schedule)
        return STORE_OK;     /* an engine without next_due has nothing to compute */
    return st->ops->set_schedule(st->b, s, note, n);
}
