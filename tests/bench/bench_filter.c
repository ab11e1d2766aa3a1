/* bench_filter.c - one filter change of the case list, as the interface
 * makes it when `s` is pressed: the count, the window of rows around the
 * cursor's case and its row number (tui/listwin.h, the interface's own
 * code without the terminal).  make bench runs it under callgrind with
 * --toggle-collect=filter_change, so the instruction count is of the
 * filter change alone, not of opening the database.
 *
 * usage: bench_filter DB      (an existing database)
 * Without DB (run as one of make bench's programs) it prints its usage
 * and exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "tui/listwin.h"

/* Not inlined: callgrind counts from its entry to its return. */
__attribute__((noinline)) long filter_change(listwin *lw, imt_filter_kind k)
{
    imt_filter f = lw->filter;
    filter_cycle(&f, k);
    if (lw_set_filter(lw, &f) < 0)
        return -1;
    return lw_cursor_rank(lw);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("bench_filter DB: one filter change of the case list (for callgrind)\n");
        return 0;
    }
    char err[512];
    imt_store *st = store_open(argv[1], STORE_OPEN_READONLY, "bench", err, sizeof err);
    if (!st) {
        fprintf(stderr, "bench_filter: %s\n", err);
        return 1;
    }
    store_set_cache(st, 2048);            /* as the interface */
    static listwin lw;
    if (lw_init(&lw, st, 40) < 0) {
        fprintf(stderr, "bench_filter: %s\n", store_errmsg(st));
        return 1;
    }
    long rank = filter_change(&lw, FILTER_SITE);
    printf("site=%s: %ld of %ld cases, cursor on row %ld\n", imt_site_values[0], lw.count,
           lw.total, rank + 1);
    lw_free(&lw);
    store_close(st);
    return rank < 0;
}
