/* Database text on the terminal through the interface's adapters
 * (tui/text.h over core/textw.h): hostile bytes become the placeholders core/textw.h
 * documents, widths count CJK as two columns, cuts end in an ellipsis at
 * a character boundary, wraps come back as byte ranges.  Expected
 * strings written by hand from core/textw.h's comment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <locale.h>
#include <string.h>
#include <cmocka.h>

#include "tui/text.h"

static int setup(void **s)
{
    (void)s;
    /* wcwidth needs a UTF-8 LC_CTYPE; C.UTF-8 exists on Debian. */
    return setlocale(LC_CTYPE, "C.UTF-8") ? 0 : -1;
}

static void test_controls(void **s)
{
    (void)s;
    char buf[256];
    /* UTF-8: ESC -> U+241B, BEL -> U+2407; no ESC byte reaches the screen */
    tt_fit("a\x1b]0;X\x07" "b", 40, false, true, buf, sizeof buf);
    assert_string_equal(buf, "a\xE2\x90\x9B]0;X\xE2\x90\x87" "b");
    assert_null(strchr(buf, 0x1b));
    /* ASCII: caret notation */
    tt_fit("a\x1b[2J\x7f", 40, false, false, buf, sizeof buf);
    assert_string_equal(buf, "a^[[2J^?");
    tt_fit("\xff" "a", 40, false, true, buf, sizeof buf);       /* invalid */
    assert_string_equal(buf, "\xEF\xBF\xBD" "a");
    tt_fit("\xc2\x85z", 40, false, true, buf, sizeof buf);     /* C1 NEL */
    assert_string_equal(buf, "\xEF\xBF\xBD" "z");
}

static void test_width_and_cut(void **s)
{
    (void)s;
    char buf[256];
    /* 中文 = 4 columns */
    assert_int_equal(tt_width("\xe4\xb8\xad\xe6\x96\x87", true), 4);
    assert_int_equal(tt_width("e\xcc\x81", true), 1);           /* e + combining acute */
    assert_int_equal(tt_width("\x1b", false), 2);                /* ^[ */
    /* "ab中文" in 4 columns: a b then no room for 中 plus the ellipsis */
    tt_fit("ab\xe4\xb8\xad\xe6\x96\x87", 4, false, true, buf, sizeof buf);
    assert_string_equal(buf, "ab\xE2\x80\xA6");
    assert_int_equal(tt_width(buf, true), 3);
    tt_fit("ab\xe4\xb8\xad\xe6\x96\x87", 4, true, true, buf, sizeof buf);
    assert_string_equal(buf, "ab\xE2\x80\xA6 ");                /* padded to 4 */
    tt_fit("ab\xe4\xb8\xad\xe6\x96\x87", 6, true, true, buf, sizeof buf);
    assert_string_equal(buf, "ab\xe4\xb8\xad\xe6\x96\x87");      /* fits exactly */
    tt_fit("abcdef", 4, false, false, buf, sizeof buf);
    assert_string_equal(buf, "abc~");
    tt_fit(NULL, 3, true, true, buf, sizeof buf);
    assert_string_equal(buf, "   ");
    tt_fit("x", 0, true, true, buf, sizeof buf);
    assert_string_equal(buf, "");
}

typedef struct { char lines[8][64]; int n; } wr;

static void collect(void *ctx, const char *p, size_t len)
{
    wr *w = ctx;
    if (w->n < 8) {
        memcpy(w->lines[w->n], p, len);
        w->lines[w->n][len] = '\0';
    }
    w->n++;
}

static void test_wrap(void **s)
{
    (void)s;
    wr w = { .n = 0 };
    int n = tt_wrap("the quick brown fox", 10, true, collect, &w);
    assert_int_equal(n, 2);
    assert_string_equal(w.lines[0], "the quick");
    assert_string_equal(w.lines[1], "brown fox");
    memset(&w, 0, sizeof w);
    n = tt_wrap("ab\ncd", 10, true, collect, &w);
    assert_int_equal(n, 2);
    assert_string_equal(w.lines[0], "ab");
    assert_string_equal(w.lines[1], "cd");
    memset(&w, 0, sizeof w);
    /* no space: hard cut; CJK never split */
    n = tt_wrap("\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad", 5, true, collect, &w);
    assert_int_equal(n, 2);
    assert_string_equal(w.lines[0], "\xe4\xb8\xad\xe6\x96\x87");
    assert_string_equal(w.lines[1], "\xe4\xb8\xad");
    memset(&w, 0, sizeof w);
    n = tt_wrap("", 5, true, collect, &w);
    assert_true(n <= 1);          /* the panes draw an empty value themselves */
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_controls),
        cmocka_unit_test(test_width_and_cut),
        cmocka_unit_test(test_wrap),
    };
    return cmocka_run_group_tests(t, setup, NULL);
}
