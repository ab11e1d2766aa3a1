/* tui/listwin.c - the list window logic (tui/listwin.h), testable without a
 * terminal against a temporary database. */
#include "tui/listwin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void clear_rows(listwin *lw)
{
    for (int i = 0; i < lw->n; i++)
        imt_case_clear(&lw->rows[i]);
    lw->n = 0;
    lw->cur = 0;
    lw->gen++;
}

static int clamp_cap(int cap)
{
    if (cap < 1) return 1;
    if (cap > LW_MAX_ROWS) return LW_MAX_ROWS;
    return cap;
}

static void count(listwin *lw)
{
    lw->count = store_count(lw->st, &lw->filter);
    if (lw->count < 0) {
        lw->err = STORE_ERROR;
        lw->count = 0;
    }
}

void lw_recount(listwin *lw)
{
    imt_filter none;
    memset(&none, 0, sizeof none);
    lw->total = store_count(lw->st, &none);
    if (lw->total < 0)
        lw->total = 0;
    count(lw);
}

int lw_init(listwin *lw, imt_store *st, int cap)
{
    memset(lw, 0, sizeof *lw);
    lw->st = st;
    lw->sort.key = SORT_CASE_ID;
    lw->sort.desc = false;
    lw->cap = clamp_cap(cap);
    lw->top_rank = -1;
    lw_recount(lw);
    return lw_reload(lw, NULL);
}

void lw_free(listwin *lw)
{
    clear_rows(lw);
    store_ranker_close(lw->ranker);
    lw->ranker = NULL;
}

const imt_case *lw_current(const listwin *lw)
{
    return lw->n > 0 ? &lw->rows[lw->cur] : NULL;
}

/* Fill the window with a fresh page: from the first case (dir +1, anchor
 * NULL) or the last n (dir -1, anchor NULL). */
static int load_end(listwin *lw, int dir)
{
    clear_rows(lw);
    int got = store_page(lw->st, &lw->filter, lw->sort, NULL, dir, lw->cap,
                         lw->rows);
    if (got < 0) {
        lw->err = got;
        return got;
    }
    lw->n = got;
    lw->err = 0;
    if (dir > 0) {
        lw->cur = 0;
        lw->top_rank = 0;
    } else {
        lw->cur = got > 0 ? got - 1 : 0;
        lw->top_rank = lw->count - got;
        if (lw->top_rank < 0)
            lw->top_rank = -1;
    }
    return 0;
}

int lw_reload(listwin *lw, const char *case_id)
{
    if (!case_id)
        return load_end(lw, +1);
    /* Copy the id: it may point into the rows being replaced. */
    char id[64];
    snprintf(id, sizeof id, "%s", case_id);
    int keep_row = lw->cur;                 /* screen row to keep */
    if (keep_row >= lw->cap)
        keep_row = lw->cap - 1;
    bool passes = store_passes(lw->st, &lw->filter, id);

    imt_case *tmp = calloc((size_t)lw->cap, sizeof *tmp);
    if (!tmp)
        return lw->err = STORE_ERROR;
    /* Rows before the cursor row, then the cursor's case and the rest.
     * When the case no longer passes, dir +1 from it gives the nearest
     * case after it in the same order. */
    int before = store_page(lw->st, &lw->filter, lw->sort, id, -1, keep_row, tmp);
    if (before < 0) {
        free(tmp);
        return lw->err = before;
    }
    int after = store_page(lw->st, &lw->filter, lw->sort, id, passes ? 0 : +1,
                           lw->cap - before, tmp + before);
    if (after < 0) {
        for (int i = 0; i < before; i++)
            imt_case_clear(&tmp[i]);
        free(tmp);
        return lw->err = after;
    }
    if (after == 0) {
        /* Nothing at or after the case: the last page, cursor on its end. */
        for (int i = 0; i < before; i++)
            imt_case_clear(&tmp[i]);
        free(tmp);
        return load_end(lw, -1);
    }
    int n = before + after;
    /* Near the end the window may be short while more rows exist above:
     * top it up so the screen stays full. */
    if (n < lw->cap && before == keep_row && before > 0) {
        int more = store_page(lw->st, &lw->filter, lw->sort, tmp[0].case_id,
                              -1, lw->cap - n, tmp + n);
        if (more > 0) {
            /* tmp[n..n+more) holds rows above tmp[0]: rotate them first. */
            imt_case *rot = calloc((size_t)n, sizeof *rot);
            if (rot) {
                memcpy(rot, tmp, (size_t)n * sizeof *tmp);
                memmove(tmp, tmp + n, (size_t)more * sizeof *tmp);
                memcpy(tmp + more, rot, (size_t)n * sizeof *tmp);
                free(rot);
                before += more;
                n += more;
            } else {
                for (int i = n; i < n + more; i++)
                    imt_case_clear(&tmp[i]);
            }
        }
    }
    clear_rows(lw);
    memcpy(lw->rows, tmp, (size_t)n * sizeof *tmp);
    free(tmp);
    lw->n = n;
    lw->cur = before;
    lw->top_rank = -1;      /* asked of store_rank only when shown */
    lw->err = 0;
    return 0;
}

int lw_set_filter(listwin *lw, const imt_filter *f)
{
    char id[64] = "";
    const imt_case *c = lw_current(lw);
    if (c && c->case_id)
        snprintf(id, sizeof id, "%s", c->case_id);
    lw->filter = *f;
    count(lw);
    return lw_reload(lw, id[0] ? id : NULL);
}

int lw_set_sort(listwin *lw, imt_sort s)
{
    char id[64] = "";
    const imt_case *c = lw_current(lw);
    if (c && c->case_id)
        snprintf(id, sizeof id, "%s", c->case_id);
    lw->sort = s;
    return lw_reload(lw, id[0] ? id : NULL);
}

int lw_set_cap(listwin *lw, int cap)
{
    cap = clamp_cap(cap);
    if (cap == lw->cap && lw->n > 0)
        return 0;
    char id[64] = "";
    const imt_case *c = lw_current(lw);
    if (c && c->case_id)
        snprintf(id, sizeof id, "%s", c->case_id);
    lw->cap = cap;
    if (lw->cur >= cap)
        lw->cur = cap - 1;
    return lw_reload(lw, id[0] ? id : NULL);
}

/* Scroll the window by fetching up to want rows beyond one end; returns
 * how many arrived (the window shifts by that many). */
static int shift(listwin *lw, int dir, int want)
{
    if (want > lw->cap)
        want = lw->cap;
    if (want <= 0 || lw->n == 0)
        return 0;
    imt_case *tmp = calloc((size_t)want, sizeof *tmp);
    if (!tmp) {
        lw->err = STORE_ERROR;
        return 0;
    }
    const char *anchor = dir > 0 ? lw->rows[lw->n - 1].case_id
                                 : lw->rows[0].case_id;
    int got = store_page(lw->st, &lw->filter, lw->sort, anchor, dir, want, tmp);
    if (got <= 0) {
        if (got < 0)
            lw->err = got;
        free(tmp);
        return 0;
    }
    /* Rows that fall off the other end (none while the window is not full). */
    int drop = lw->n + got - lw->cap;
    if (drop < 0)
        drop = 0;
    if (dir > 0) {
        for (int i = 0; i < drop; i++)
            imt_case_clear(&lw->rows[i]);
        memmove(lw->rows, lw->rows + drop, (size_t)(lw->n - drop) * sizeof *tmp);
        memcpy(lw->rows + lw->n - drop, tmp, (size_t)got * sizeof *tmp);
        if (lw->top_rank >= 0)
            lw->top_rank += drop;
        lw->cur -= drop;
    } else {
        for (int i = lw->n - drop; i < lw->n; i++)
            imt_case_clear(&lw->rows[i]);
        memmove(lw->rows + got, lw->rows, (size_t)(lw->n - drop) * sizeof *tmp);
        memcpy(lw->rows, tmp, (size_t)got * sizeof *tmp);
        if (lw->top_rank >= 0)
            lw->top_rank -= got;
        lw->cur += got;
    }
    lw->n += got - drop;
    lw->gen++;
    free(tmp);
    return got;
}

int lw_move(listwin *lw, long delta)
{
    if (lw->n == 0 || delta == 0)
        return lw->err;
    /* A page move fetches the whole distance so the cursor keeps its
     * screen row and the page turns; a one-row move scrolls by one. */
    if (delta > 0) {
        long avail = lw->n - 1 - lw->cur;
        if (delta > avail) {
            long want = delta > 1 ? delta : delta - avail;
            shift(lw, +1, want > lw->cap ? lw->cap : (int)want);
        }
    } else {
        long avail = lw->cur;
        if (-delta > avail) {
            long want = delta < -1 ? -delta : -delta - avail;
            shift(lw, -1, want > lw->cap ? lw->cap : (int)want);
        }
    }
    long t = lw->cur + delta;
    if (t > lw->n - 1) t = lw->n - 1;
    if (t < 0) t = 0;
    lw->cur = (int)t;
    return lw->err;
}

int lw_top(listwin *lw)
{
    return load_end(lw, +1);
}

int lw_bottom(listwin *lw)
{
    return load_end(lw, -1);
}

long lw_cursor_rank_known(const listwin *lw)
{
    return lw->n > 0 && lw->top_rank >= 0 ? lw->top_rank + lw->cur : -1;
}

bool lw_rank_pending(const listwin *lw)
{
    return lw->n > 0 && lw->top_rank < 0 && !(lw->rank_failed && lw->rank_gen == lw->gen);
}

static void rank_stop(listwin *lw)
{
    store_ranker_close(lw->ranker);
    lw->ranker = NULL;
}

int lw_rank_work(listwin *lw, long max)
{
    if (!lw_rank_pending(lw)) {
        rank_stop(lw);
        return 0;
    }
    /* It counts up to one case of the window: if that case has scrolled
     * out meanwhile, start again from the window's first row. */
    int at = -1;
    if (lw->ranker)
        for (int i = 0; i < lw->n; i++)
            if (lw->rows[i].case_id && strcmp(lw->rows[i].case_id, lw->rank_id) == 0)
                at = i;
    if (lw->ranker && at < 0)
        rank_stop(lw);
    if (!lw->ranker) {
        snprintf(lw->rank_id, sizeof lw->rank_id, "%s",
                 lw->rows[0].case_id ? lw->rows[0].case_id : "");
        at = 0;
        if (!(lw->ranker = store_ranker_open(lw->st, &lw->filter, lw->sort, lw->rank_id))) {
            lw->rank_failed = true;
            lw->rank_gen = lw->gen;
            return lw->err = STORE_ERROR;
        }
    }
    long r = -1;
    int rc = store_ranker_step(lw->ranker, max, &r);
    if (rc == 1)
        return 1;
    rank_stop(lw);
    if (rc < 0 || r < 0) {
        lw->rank_failed = true;
        lw->rank_gen = lw->gen;
        return rc < 0 ? (lw->err = rc) : 0;
    }
    lw->top_rank = r - at;
    return 0;
}

long lw_cursor_rank(listwin *lw)
{
    if (lw->n == 0)
        return -1;
    rank_stop(lw);
    if (lw->top_rank < 0) {
        long r = store_rank(lw->st, &lw->filter, lw->sort,
                            lw->rows[lw->cur].case_id);
        if (r < 0)
            return -1;
        lw->top_rank = r - lw->cur;
    }
    return lw->top_rank + lw->cur;
}
