/* test_statsview.c - the plotting arithmetic of the statistics view.
 * Expected values come from the Unicode Braille Patterns chart (U+2800,
 * dot n = bit n-1) and from drawing the step functions by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "tui/keys.h"
#include "tui/statsview.h"

static void test_braille_bits(void **state)
{
    (void)state;
    /* dots 1,2,3 left column top-down, 4,5,6 right column, 7 and 8 bottom */
    assert_int_equal(sv_braille_bit(0, 0), 0x01);
    assert_int_equal(sv_braille_bit(0, 1), 0x02);
    assert_int_equal(sv_braille_bit(0, 2), 0x04);
    assert_int_equal(sv_braille_bit(1, 0), 0x08);
    assert_int_equal(sv_braille_bit(1, 1), 0x10);
    assert_int_equal(sv_braille_bit(1, 2), 0x20);
    assert_int_equal(sv_braille_bit(0, 3), 0x40);
    assert_int_equal(sv_braille_bit(1, 3), 0x80);
    assert_int_equal(sv_braille_bit(2, 0), 0);
    assert_int_equal(sv_braille_bit(0, 4), 0);
    assert_int_equal(sv_braille_bit(-1, 0), 0);
}

static void test_utf8(void **state)
{
    (void)state;
    char b[8];
    assert_int_equal(sv_utf8_encode(0x2800, b), 3);
    assert_memory_equal(b, "\xe2\xa0\x80", 4);
    assert_int_equal(sv_utf8_encode(0x28FF, b), 3);
    assert_memory_equal(b, "\xe2\xa3\xbf", 4);
    assert_int_equal(sv_utf8_encode('+', b), 1);
    assert_string_equal(b, "+");
    assert_int_equal(sv_utf8_encode(0xE9, b), 2);
    assert_memory_equal(b, "\xc3\xa9", 3);
}

static void test_scale(void **state)
{
    (void)state;
    assert_int_equal(sv_scale_time(0, 100, 11), 0);
    assert_int_equal(sv_scale_time(100, 100, 11), 10);
    assert_int_equal(sv_scale_time(50, 100, 11), 5);
    assert_int_equal(sv_scale_time(130, 100, 11), 10);   /* clamped */
    assert_int_equal(sv_scale_time(-5, 100, 11), 0);
    assert_int_equal(sv_scale_time(NAN, 100, 11), 0);
    assert_int_equal(sv_scale_time(5, 0, 11), 0);        /* no range */
    assert_int_equal(sv_scale_surv(1.0, 9), 0);           /* top */
    assert_int_equal(sv_scale_surv(0.0, 9), 8);           /* bottom */
    assert_int_equal(sv_scale_surv(0.5, 9), 4);
    assert_int_equal(sv_scale_surv(0.75, 9), 2);
    assert_int_equal(sv_scale_surv(1.5, 9), 0);
    assert_int_equal(sv_scale_surv(NAN, 9), 0);
}

static int dot(const sv_canvas *c, int x, int y)
{
    return c->dots[y * c->w + x];
}

static void test_raster_step(void **state)
{
    (void)state;
    sv_canvas c;
    assert_int_equal(sv_canvas_init(&c, 10, 5), 0);
    double t[] = { 5 }, s[] = { 0.5 };
    sv_raster_step(&c, t, s, 1, 10, 10, 3);
    /* S = 1 on [0, 5): row 0, columns 0..5 (5/10*9 = 4.5 rounds to 5) */
    for (int x = 0; x <= 5; x++) assert_int_equal(dot(&c, x, 0), 3);
    assert_int_equal(dot(&c, 6, 0), 0);
    /* the drop at column 5 from row 0 to row 2 (S = .5) */
    assert_int_equal(dot(&c, 5, 1), 3);
    assert_int_equal(dot(&c, 5, 2), 3);
    /* S = .5 on [5, 10]: row 2, columns 5..9 */
    for (int x = 5; x <= 9; x++) assert_int_equal(dot(&c, x, 2), 3);
    assert_int_equal(dot(&c, 4, 2), 0);
    /* nothing below the curve */
    for (int x = 0; x < 10; x++) {
        assert_int_equal(dot(&c, x, 3), 0);
        assert_int_equal(dot(&c, x, 4), 0);
    }
    sv_canvas_free(&c);
}

static void test_raster_stops_at_tend(void **state)
{
    (void)state;
    sv_canvas c;
    assert_int_equal(sv_canvas_init(&c, 11, 3), 0);
    double t[] = { 2, 4 }, s[] = { 0.5, 0.0 };
    /* follow-up ends at 4 on a 0..10 axis: nothing right of column 4 */
    sv_raster_step(&c, t, s, 2, 4, 10, 1);
    assert_int_equal(dot(&c, 0, 0), 1);
    assert_int_equal(dot(&c, 2, 1), 1);          /* S = .5 -> row 1 */
    assert_int_equal(dot(&c, 4, 2), 1);          /* S = 0 -> bottom row */
    for (int x = 5; x < 11; x++)
        for (int y = 0; y < 3; y++) assert_int_equal(dot(&c, x, y), 0);
    /* out-of-range sets are ignored, not written past the buffer */
    sv_canvas_set(&c, -1, 0, 9);
    sv_canvas_set(&c, 11, 0, 9);
    sv_canvas_set(&c, 0, 3, 9);
    sv_canvas_free(&c);
}

static void test_key_table(void **state)
{
    (void)state;
    /* the view's keys as the statistics section of the docs gives them */
    assert_int_equal(keys_lookup(KC_STATS, 'g'), ACT_SV_GROUP);
    assert_int_equal(keys_lookup(KC_STATS, 'e'), ACT_SV_ENDPOINT);
    assert_int_equal(keys_lookup(KC_STATS, '\t'), ACT_SV_PANE);
    assert_int_equal(keys_lookup(KC_STATS, 'x'), ACT_SV_EXPORT);
    assert_int_equal(keys_lookup(KC_STATS, 'v'), ACT_SV_CLOSE);
    assert_int_equal(keys_lookup(KC_STATS, 'q'), ACT_SV_CLOSE);
    assert_int_equal(keys_lookup(KC_STATS, 27), ACT_SV_CLOSE);
    /* and nothing of the main screen leaks in */
    assert_int_equal(keys_lookup(KC_STATS, 's'), ACT_NONE);
    char names[64];
    assert_string_equal(keys_names(KC_STATS, ACT_SV_CLOSE, names, sizeof names),
                        "v, Esc, q");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_braille_bits),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_scale),
        cmocka_unit_test(test_raster_step),
        cmocka_unit_test(test_raster_stops_at_tend),
        cmocka_unit_test(test_key_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
