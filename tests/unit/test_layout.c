/* Layout arithmetic for every size class (ui.md "Panes"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "tui/layout.h"

/* The invariants every shown layout must hold: panes inside the screen,
 * not overlapping each other or the two bottom lines (narrow: the three
 * right panes share one rect by design, so only distinct rects count). */
static void check_sane(const layout *l)
{
    for (int i = 0; i < PANE_N; i++) {
        assert_true(lrect_inside(l->pane[i], l->rows, l->cols));
        assert_false(lrect_overlap(l->pane[i], l->status));
        assert_false(lrect_overlap(l->pane[i], l->hints));
        for (int j = i + 1; j < PANE_N; j++) {
            lrect a = l->pane[i], b = l->pane[j];
            bool same = a.y == b.y && a.x == b.x && a.h == b.h && a.w == b.w;
            if (l->cls == LAYOUT_NARROW && i != PANE_LIST && same)
                continue;
            assert_false(lrect_overlap(a, b));
        }
    }
    assert_true(lrect_inside(l->status, l->rows, l->cols));
    assert_true(lrect_inside(l->hints, l->rows, l->cols));
}

static long area(lrect r) { return (long)r.h * r.w; }

static void test_wide_132x43(void **s)
{
    (void)s;
    layout l;
    layout_compute(43, 132, &l);
    assert_int_equal(l.cls, LAYOUT_WIDE);
    check_sane(&l);
    assert_int_equal(l.status.y, 41);
    assert_int_equal(l.hints.y, 42);
    /* all four visible, and together with the bottom lines they tile the
     * screen exactly */
    long sum = area(l.status) + area(l.hints);
    for (int i = 0; i < PANE_N; i++) {
        assert_true(area(l.pane[i]) > 0);
        sum += area(l.pane[i]);
    }
    assert_int_equal(sum, 43L * 132);
    /* list on the left of everything else */
    for (int i = 1; i < PANE_N; i++)
        assert_true(l.pane[i].x >= l.pane[PANE_LIST].x + l.pane[PANE_LIST].w);
    /* markers need 18 rows for the full panel at this size */
    assert_true(l.pane[PANE_MARKERS].h >= 18);
}

static void test_wide_exact_100(void **s)
{
    (void)s;
    layout l;
    layout_compute(24, 100, &l);
    assert_int_equal(l.cls, LAYOUT_WIDE);
    check_sane(&l);
    layout_compute(24, 99, &l);
    assert_int_equal(l.cls, LAYOUT_NARROW);
    check_sane(&l);
}

static void test_narrow_80x24(void **s)
{
    (void)s;
    layout l;
    layout_compute(24, 80, &l);
    assert_int_equal(l.cls, LAYOUT_NARROW);
    check_sane(&l);
    lrect li = l.pane[PANE_LIST], r = l.pane[PANE_DETAIL];
    assert_int_equal(li.x, 0);
    assert_int_equal(li.h, 22);
    assert_int_equal(r.x, li.w);
    assert_int_equal(r.x + r.w, 80);
    /* one right pane: markers and recs share the detail rect */
    assert_memory_equal(&l.pane[PANE_MARKERS], &r, sizeof r);
    assert_memory_equal(&l.pane[PANE_RECS], &r, sizeof r);
    assert_true(li.w >= 40);
}

static void test_minimum(void **s)
{
    (void)s;
    layout l;
    layout_compute(15, 60, &l);
    assert_int_equal(l.cls, LAYOUT_NARROW);
    check_sane(&l);
    layout_compute(14, 60, &l);
    assert_int_equal(l.cls, LAYOUT_SMALL);
    layout_compute(15, 59, &l);
    assert_int_equal(l.cls, LAYOUT_SMALL);
    layout_compute(0, 0, &l);
    assert_int_equal(l.cls, LAYOUT_SMALL);
    layout_compute(-3, -1, &l);
    assert_int_equal(l.cls, LAYOUT_SMALL);
    for (int i = 0; i < PANE_N; i++)
        assert_true(lrect_empty(l.pane[i]));
}

static void test_every_size(void **s)
{
    (void)s;
    for (int r = 0; r <= 120; r++)
        for (int c = 0; c <= 300; c += (c < 110 ? 1 : 7)) {
            layout l;
            layout_compute(r, c, &l);
            if (l.cls == LAYOUT_SMALL)
                continue;
            check_sane(&l);
            for (int i = 0; i < PANE_N; i++)
                assert_true(l.pane[i].h >= 3 && l.pane[i].w >= 3);
        }
}

/* The list's columns (ui.md "Case list"): at 80x24 the five the fixed
 * filter keys act on; at 132x43 those and the review state; from 150
 * columns every column; the markers pane always wide enough for its
 * labels and values. */
static void test_list_columns(void **s)
{
    (void)s;
    bool show[LAYOUT_NCOLS];
    layout l;
    layout_compute(24, 80, &l);
    layout_pick_cols(l.pane[PANE_LIST].w - 2, show);
    assert_true(show[LCOL_CASE] && show[LCOL_AGESEX] && show[LCOL_SITE] &&
                show[LCOL_ALK] && show[LCOL_OUTCOME]);
    layout_compute(43, 132, &l);
    layout_pick_cols(l.pane[PANE_LIST].w - 2, show);
    assert_true(show[LCOL_CASE] && show[LCOL_AGESEX] && show[LCOL_SITE] &&
                show[LCOL_ALK] && show[LCOL_OUTCOME] && show[LCOL_REVIEW] &&
                show[LCOL_SIZE]);
    assert_true(l.pane[PANE_DETAIL].w >= 38);
    for (int c = 150; c <= 300; c++) {
        layout_compute(43, c, &l);
        assert_int_equal(layout_pick_cols(l.pane[PANE_LIST].w - 2, show),
                         LAYOUT_NCOLS);
    }
    for (int c = LAYOUT_WIDE_COLS; c <= 300; c++) {
        layout_compute(43, c, &l);
        assert_true(l.pane[PANE_MARKERS].w >= LAYOUT_MARKERS_MIN_W);
    }
    /* widest values: "retroperitoneum", "unreviewed", "100.0" */
    assert_int_equal(layout_cols[LCOL_SITE].width, (int)strlen("retroperitoneum"));
    assert_int_equal(layout_cols[LCOL_REVIEW].width, (int)strlen("unreviewed"));
    assert_int_equal(layout_cols[LCOL_SIZE].width, (int)strlen("100.0"));
    /* a column that does not fit is left out whole, never cut: the shown
     * columns and their separators always fit the width */
    for (int inner = 0; inner <= 80; inner++) {
        int n = layout_pick_cols(inner, show), used = 0, k = 0;
        for (int i = 0; i < LAYOUT_NCOLS; i++)
            if (show[i])
                used += layout_cols[i].width + (k++ ? 1 : 0);
        assert_int_equal(k, n);
        assert_true(used <= inner);
    }
}

static void test_overlap_helper(void **s)
{
    (void)s;
    lrect a = { 0, 0, 2, 2 }, b = { 1, 1, 2, 2 }, c = { 0, 2, 2, 2 },
          e = { 0, 0, 0, 5 };
    assert_true(lrect_overlap(a, b));
    assert_false(lrect_overlap(a, c));   /* touching edges only */
    assert_false(lrect_overlap(a, e));
    assert_false(lrect_inside(b, 2, 3));
    assert_true(lrect_inside(b, 3, 3));
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_wide_132x43),
        cmocka_unit_test(test_wide_exact_100),
        cmocka_unit_test(test_narrow_80x24),
        cmocka_unit_test(test_minimum),
        cmocka_unit_test(test_every_size),
        cmocka_unit_test(test_overlap_helper),
        cmocka_unit_test(test_list_columns),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
