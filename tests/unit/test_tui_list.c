/* The list window (tui/listwin.h) against a temporary database: paging,
 * cursor keeping across filters, sorts and resizes.  Expected positions
 * come from how the cases were built (ids C00..C22, site = i mod 3), not
 * from the code under test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tui/listwin.h"

#define NCASES 23

typedef struct {
    char dir[64];
    char path[96];
    imt_store *st;
    listwin *lw;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/imt-lw-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    char err[256];
    f->st = store_open(f->path, 0, "tester", err, sizeof err);
    if (!f->st) {
        fprintf(stderr, "store_open: %s\n", err);
        return -1;
    }
    for (int i = 0; i < NCASES; i++) {
        imt_case c;
        imt_case_init(&c);
        char id[16];
        snprintf(id, sizeof id, "C%02d", i);
        c.case_id = strdup(id);
        c.site = i % 3;               /* lung, head_neck, abdomen_pelvis */
        c.outcome = OUT_NED;
        if (store_insert(f->st, &c, "test") != STORE_OK)
            return -1;
        imt_case_clear(&c);
    }
    f->lw = calloc(1, sizeof *f->lw);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    lw_free(f->lw);
    free(f->lw);
    store_close(f->st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static int idx_of(const listwin *lw)
{
    const imt_case *c = lw_current(lw);
    return c ? atoi(c->case_id + 1) : -1;
}

static void test_paging(void **state)
{
    fx *f = *state;
    listwin *lw = f->lw;
    assert_int_equal(lw_init(lw, f->st, 5), 0);
    assert_int_equal(lw->count, NCASES);
    assert_int_equal(lw->total, NCASES);
    assert_int_equal(lw->n, 5);
    assert_int_equal(idx_of(lw), 0);
    for (int i = 0; i < 7; i++)
        lw_move(lw, 1);
    assert_int_equal(idx_of(lw), 7);
    assert_int_equal(lw_cursor_rank(lw), 7);
    assert_int_equal(lw->cur, 4);                 /* bottom row */
    assert_string_equal(lw->rows[0].case_id, "C03");
    lw_top(lw);
    lw_move(lw, lw->cap);                         /* PgDn */
    assert_int_equal(idx_of(lw), 5);
    assert_string_equal(lw->rows[0].case_id, "C05");
    assert_string_equal(lw->rows[4].case_id, "C09");
    lw_move(lw, -lw->cap);                        /* PgUp */
    assert_int_equal(idx_of(lw), 0);
    lw_bottom(lw);
    assert_int_equal(idx_of(lw), 22);
    assert_int_equal(lw_cursor_rank(lw), 22);
    assert_int_equal(lw->n, 5);
    lw_move(lw, 1000);
    assert_int_equal(idx_of(lw), 22);
    lw_move(lw, -lw->cap);                        /* PgUp from the end */
    assert_int_equal(idx_of(lw), 22 - 5);         /* same screen row */
    assert_string_equal(lw->rows[0].case_id, "C13");
    lw_move(lw, -1000);
    lw_move(lw, -1000);
    lw_move(lw, -1000);
    lw_move(lw, -1000);
    assert_int_equal(idx_of(lw), 0);
    assert_int_equal(lw_cursor_rank(lw), 0);
    lw_move(lw, 2);                               /* Ctrl-d of a 5-row page */
    assert_int_equal(idx_of(lw), 2);
}

static void test_filter_keeps_cursor(void **state)
{
    fx *f = *state;
    listwin *lw = f->lw;
    assert_int_equal(lw_init(lw, f->st, 5), 0);
    for (int i = 0; i < 9; i++)
        lw_move(lw, 1);
    assert_int_equal(idx_of(lw), 9);              /* site lung (9 mod 3 = 0) */
    imt_filter flt;
    memset(&flt, 0, sizeof flt);
    flt.site_mask = 1u << SITE_LUNG;
    assert_int_equal(lw_set_filter(lw, &flt), 0);
    assert_int_equal(lw->count, 8);               /* 0,3,...,21 */
    assert_int_equal(idx_of(lw), 9);              /* still passes: kept */
    assert_int_equal(lw_cursor_rank(lw), 3);      /* C00 C03 C06 before it */
    /* C10 would be head_neck: a filter that drops the cursor's case moves
     * to the nearest one after it in order */
    lw_move(lw, 1);
    assert_int_equal(idx_of(lw), 12);
    flt.site_mask = 1u << SITE_HEAD_NECK;         /* 1,4,7,10,13,... */
    assert_int_equal(lw_set_filter(lw, &flt), 0);
    assert_int_equal(idx_of(lw), 13);
    /* nothing after it: the last case */
    lw_bottom(lw);
    flt.site_mask = 1u << SITE_ABDOMEN_PELVIS;    /* ... 20 */
    lw_set_filter(lw, &flt);
    assert_int_equal(lw->count, 7);
    /* 22 is head_neck... cursor was on 22 (head_neck: 22 mod 3 = 1), the
     * nearest abdomen case after it does not exist: last one, C20 */
    assert_int_equal(idx_of(lw), 20);
    /* no match at all */
    filter_set_search(&flt, "no such text");
    assert_int_equal(lw_set_filter(lw, &flt), 0);
    assert_int_equal(lw->count, 0);
    assert_null(lw_current(lw));
    assert_int_equal(lw_move(lw, 1), 0);
    assert_int_equal(lw_cursor_rank(lw), -1);
}

static void test_sort_and_resize(void **state)
{
    fx *f = *state;
    listwin *lw = f->lw;
    assert_int_equal(lw_init(lw, f->st, 5), 0);
    lw_move(lw, 6);
    assert_int_equal(idx_of(lw), 6);
    imt_sort s = { SORT_CASE_ID, true };
    assert_int_equal(lw_set_sort(lw, s), 0);
    assert_int_equal(idx_of(lw), 6);
    assert_int_equal(lw_cursor_rank(lw), 22 - 6);
    lw_move(lw, 1);
    assert_int_equal(idx_of(lw), 5);              /* descending */
    assert_int_equal(lw_set_cap(lw, 3), 0);
    assert_int_equal(idx_of(lw), 5);
    assert_true(lw->n <= 3);
    assert_int_equal(lw_set_cap(lw, 40), 0);
    assert_int_equal(idx_of(lw), 5);
    assert_int_equal(lw->n, NCASES);              /* all fit now */
    assert_int_equal(lw_cursor_rank(lw), 17);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filter_keeps_cursor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sort_and_resize, setup, teardown),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
