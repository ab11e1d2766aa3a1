/* tui/listwin.h - the case list's window onto the store (no curses).
 *
 * Holds only the visible rows (a page from store_page around an anchor),
 * never the table, so moving through a million cases costs one small
 * keyset query per step.  The filtered count is cached and recomputed
 * only when the filter changes; the row number of the window's first row
 * is tracked while moving and asked of store_rank only after a jump. */
#ifndef IMT_LISTWIN_H
#define IMT_LISTWIN_H

#include <stdbool.h>
#include "store/store.h"

#define LW_MAX_ROWS 512   /* taller terminals show 512 rows of the list */

typedef struct {
    imt_store  *st;
    imt_filter  filter;
    imt_sort    sort;
    int         cap;              /* visible rows                         */
    int         n;                /* rows held (<= cap)                   */
    int         cur;              /* cursor index in rows (0 when n = 0)  */
    imt_case    rows[LW_MAX_ROWS];
    long        count;            /* cases passing the filter (cached)    */
    long        total;            /* cases in the store (cached)          */
    long        top_rank;         /* 0-based row number of rows[0], -1 = unknown */
    int         err;              /* last negative STORE_ code, 0 = fine  */
    unsigned    gen;              /* bumped whenever the rows change      */
    store_ranker *ranker;         /* finding top_rank in slices, or NULL  */
    char        rank_id[64];      /* the case it counts up to             */
    bool        rank_failed;      /* gave up until the rows change        */
    unsigned    rank_gen;         /* gen when it gave up                  */
} listwin;

/* Set up over st with an empty filter, sorted by case id; fills the
 * first page of cap rows.  Returns 0 or a negative STORE_ code. */
int  lw_init(listwin *lw, imt_store *st, int cap);
void lw_free(listwin *lw);

/* The case under the cursor, or NULL when the filter leaves none. */
const imt_case *lw_current(const listwin *lw);

/* Reload the window keeping the cursor on case_id when it passes the
 * filter (on the same screen row when possible); otherwise on the nearest
 * case after it in sort order, or the last one.  case_id NULL: the first
 * page.  Returns 0 or a negative STORE_ code. */
int lw_reload(listwin *lw, const char *case_id);

/* Apply a new filter (count recomputed) / sort / height, keeping the
 * cursor's case as lw_reload does. */
int lw_set_filter(listwin *lw, const imt_filter *f);
int lw_set_sort(listwin *lw, imt_sort s);
int lw_set_cap(listwin *lw, int cap);
/* Recount the store total (after an edit elsewhere). */
void lw_recount(listwin *lw);

/* Move the cursor by delta rows (PgDn = +cap, Ctrl-d = +cap/2), fetching
 * only the rows that scroll in.  Returns 0 or a negative STORE_ code. */
int lw_move(listwin *lw, long delta);
int lw_top(listwin *lw);
int lw_bottom(listwin *lw);

/* 0-based row number of the cursor among the filtered cases (asks
 * store_rank only when the window's position is unknown); -1 on error or
 * when empty. */
long lw_cursor_rank(listwin *lw);

/* The same without asking the store: -1 while it is not known yet.  A
 * rank deep in an order of a million cases counts hundreds of thousands
 * of index entries, so the interface finds it in slices with
 * lw_rank_work between keys and shows "row ..." meanwhile. */
long lw_cursor_rank_known(const listwin *lw);
/* Whether the rank is still to be found. */
bool lw_rank_pending(const listwin *lw);
/* Count up to max index entries towards the rank: 1 while it is still
 * pending, 0 when it is known (or cannot be), negative on a store error. */
int  lw_rank_work(listwin *lw, long max);

#endif
