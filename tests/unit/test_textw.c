/* textw: hostile database text -> terminal-safe cells.  Every expected
 * string is written by hand from the placeholder table in core/textw.h
 * (U+2400+c = E2 90 80+c, U+241B = E2 90 9B, U+2421 = E2 90 A1,
 * U+FFFD = EF BF BD, U+2026 = E2 80 A6). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/textw.h"
#include "core/utf8.h"

#define FFFD "\xEF\xBF\xBD"
#define ELL "\xE2\x80\xA6"

static int setup(void **s)
{
    (void)s;
    return setlocale(LC_CTYPE, "C.UTF-8") ? 0 : -1;
}

static void san(const char *in, bool ascii, const char *want)
{
    char out[512];
    textw_sanitize(in, out, sizeof out, ascii);
    assert_string_equal(out, want);
    /* no control byte ever survives */
    for (const unsigned char *p = (const unsigned char *)out; *p; p++)
        assert_true(*p >= 0x20 && *p != 0x7F);
}

static void test_c0_del_esc(void **s)
{
    (void)s;
    san("a\tb", false, "a\xE2\x90\x89" "b");
    san("a\nb", false, "a\xE2\x90\x8A" "b");
    san("\x01\x1f", false, "\xE2\x90\x81\xE2\x90\x9F");
    san("x\x7fy", false, "x\xE2\x90\xA1y");
    san("\x1b[2J", false, "\xE2\x90\x9B[2J");
    san("a\tb", true, "a^Ib");
    san("\x1b[2J", true, "^[[2J");
    san("\x7f\x01", true, "^?^A");
    san("\r", true, "^M");
}

static void test_osc(void **s)
{
    (void)s;
    /* OSC 52 clipboard and OSC 0 title: ESC and BEL become visible */
    san("\x1b]52;c;aGVsbG8=\x07", false,
        "\xE2\x90\x9B]52;c;aGVsbG8=\xE2\x90\x87");
    san("\x1b]0;title\x07", false, "\xE2\x90\x9B]0;title\xE2\x90\x87");
    san("\x1b]0;title\x1b\\", true, "^[]0;title^[\\");
}

static void test_c1(void **s)
{
    (void)s;
    /* U+009B (CSI) encoded C2 9B; U+0085 NEL */
    san("a\xC2\x9B" "2J", false, "a" FFFD "2J");
    san("a\xC2\x9B" "2J", true, "a\\x9B2J");
    san("\xC2\x85", true, "\\x85");
}

static void test_invalid_utf8(void **s)
{
    (void)s;
    san("a\x80" "b", false, "a" FFFD "b");             /* lone continuation */
    san("\xC0\xAF", false, FFFD FFFD);                  /* overlong '/'      */
    san("\xED\xA0\x80", false, FFFD FFFD FFFD);         /* surrogate D800    */
    san("ab\xE4\xB8", false, "ab" FFFD FFFD);           /* truncated        */
    san("\xF8\x88\x80\x80\x80", false, FFFD FFFD FFFD FFFD FFFD);
    san("\xC0\xAF", true, "\\xC0\\xAF");
    /* a raw 0x9B byte (8-bit CSI) is invalid UTF-8 and shown as such */
    san("\x9B" "2J", false, FFFD "2J");
}

static void test_ascii_mode(void **s)
{
    (void)s;
    san("caf\xC3\xA9", true, "caf?");
    san("\xE4\xB8\xAD\xE6\x96\x87", true, "??");
    san("plain", true, "plain");
}

static void test_bidi(void **s)
{
    (void)s;
    san("a\xE2\x80\xAE" "b", false, "a" FFFD "b");      /* U+202E RLO */
}

static void test_width(void **s)
{
    (void)s;
    assert_int_equal(textw_width("abc"), 3);
    assert_int_equal(textw_width("\xE4\xB8\xAD\xE6\x96\x87"), 4);    /* 中文 */
    assert_int_equal(textw_width("e\xCC\x81"), 1);      /* e + U+0301     */
    assert_int_equal(textw_width("\xF0\x9F\x98\x80"), 2); /* U+1F600      */
    assert_int_equal(textw_width("\xEF\xBC\xA1"), 2);   /* fullwidth A    */
    assert_int_equal(textw_width(""), 0);
    assert_int_equal(textw_width_n("\x1b", 1, true), 2);  /* "^["       */
    assert_int_equal(textw_width_n("\x1b", 1, false), 1);
    assert_int_equal(textw_width_n("\x80", 1, true), 4);  /* "\x80"     */
}

static void test_combining(void **s)
{
    (void)s;
    char out[64];
    /* a combining sequence is never split: "e\u0301" at width 1 of "e\u0301x" */
    textw_fit("e\xCC\x81xy", 2, false, false, out, sizeof out);
    assert_string_equal(out, "e\xCC\x81" ELL);
    /* a leading mark gets a dotted-circle base (U+25CC = E2 97 8C) */
    san("\xCC\x81", false, "\xE2\x97\x8C\xCC\x81");
}

static void test_fit_basic(void **s)
{
    (void)s;
    char out[128];
    textw_fit("hello", 10, false, true, out, sizeof out);
    assert_string_equal(out, "hello     ");
    textw_fit("hello", 5, false, true, out, sizeof out);
    assert_string_equal(out, "hello");
    textw_fit("hello", 4, false, true, out, sizeof out);
    assert_string_equal(out, "hel" ELL);
    textw_fit("hello", 4, true, true, out, sizeof out);
    assert_string_equal(out, "hel~");
    textw_fit("hello", 0, false, true, out, sizeof out);
    assert_string_equal(out, "");
    /* wide char at the boundary: 中文x (5 cols) into 4 -> 中 + … + pad */
    textw_fit("\xE4\xB8\xAD\xE6\x96\x87x", 4, false, true, out, sizeof out);
    assert_string_equal(out, "\xE4\xB8\xAD" ELL " ");
    textw_fit("\xE4\xB8\xAD\xE6\x96\x87x", 4, false, false, out, sizeof out);
    assert_string_equal(out, "\xE4\xB8\xAD" ELL);
    textw_fit("\xE4\xB8\xAD\xE6\x96\x87", 4, false, true, out, sizeof out);
    assert_string_equal(out, "\xE4\xB8\xAD\xE6\x96\x87");
    textw_fit("\xE4\xB8\xAD", 1, false, true, out, sizeof out);
    assert_string_equal(out, ELL);
    /* ESC never reaches the output even when cut */
    textw_fit("\x1b]0;t\x07", 3, false, true, out, sizeof out);
    assert_string_equal(out, "\xE2\x90\x9B]" ELL);
}

/* every width 0..N on strings with wide chars at various offsets:
 * the result never exceeds the width, equals it when padded, and ends
 * in the ellipsis exactly when the text was cut */
static void test_fit_every_width(void **s)
{
    (void)s;
    static const struct { const char *in; int w; } cases[] = {
        { "a\xE4\xB8\xAD" "b\xE6\x96\x87" "cd", 8 },
        { "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97", 6 },
        { "ab\xF0\x9F\x98\x80" "e\xCC\x81" "f", 6 },
        { "x\x1by\x7f", 4 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int cols = 0; cols <= cases[i].w + 2; cols++) {
            char out[128];
            for (int pad = 0; pad < 2; pad++) {
                textw_fit(cases[i].in, cols, false, pad, out, sizeof out);
                int w = textw_width(out);
                assert_true(w <= cols);
                if (pad) assert_int_equal(w, cols);
                bool cut = cases[i].w > cols;
                char *e = strstr(out, ELL);
                if (cols > 0) assert_int_equal(cut, e != NULL);
            }
        }
    }
}

static void test_fit_small_buffer(void **s)
{
    (void)s;
    char out[5];
    /* 中文 needs 7 bytes: only the first character fits, whole */
    textw_fit("\xE4\xB8\xAD\xE6\x96\x87", 10, false, false, out, sizeof out);
    assert_string_equal(out, "\xE4\xB8\xAD");
}

static void expect_lines(const char *in, int cols, int n,
                         const char *const *want)
{
    textw_line l[16];
    int got = textw_wrap(in, cols, false, l, 16);
    assert_int_equal(got, n);
    for (int i = 0; i < n; i++) {
        char b[64];
        snprintf(b, sizeof b, "%.*s", (int)l[i].len, l[i].start);
        assert_string_equal(b, want[i]);
        assert_true(textw_width_n(l[i].start, l[i].len, false) <= cols);
    }
}

static void test_wrap(void **s)
{
    (void)s;
    expect_lines("the quick brown fox", 10, 2,
                 (const char *const[]){ "the quick", "brown fox" });
    expect_lines("abcdefghij", 4, 3,
                 (const char *const[]){ "abcd", "efgh", "ij" });
    expect_lines("a\nb\n\nc", 10, 4,
                 (const char *const[]){ "a", "b", "", "c" });
    /* wide chars: 中文字 into 5 columns -> 中文 | 字 */
    expect_lines("\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97", 5, 2,
                 (const char *const[]){ "\xE4\xB8\xAD\xE6\x96\x87",
                                        "\xE5\xAD\x97" });
    expect_lines("ab cdefghijk", 4, 4,
                 (const char *const[]){ "ab", "cdef", "ghij", "k" });
    /* found by tests/fuzz/fuzz_textw: a break at a space carrying a
     * combining mark started the next line at the mark, which is drawn on
     * a U+25CC base: 3 columns in a 2-column line.  The space's whole
     * cell goes at the break. */
    expect_lines(" \xCC\x81\x1b\x1b", 2, 2,
                 (const char *const[]){ "", "\x1b\x1b" });
    assert_int_equal(textw_wrap("", 10, false, NULL, 0), 0);
    /* found by tests/fuzz/fuzz_textw: nine bare combining marks became
     * U+25CC + 9 marks, one cell for fit but two for textw_width (at most
     * 8 marks per cell), so a padded fit was one column too wide */
    {
        char out[128];
        textw_fit("\xCC\x81\xCC\x81\xCC\x81\xCC\x80\xCC\x81\xCC\x81\xCC\x81"
                  "\xCC\x81\xCC\x81", 33, false, true, out, sizeof out);
        assert_int_equal(textw_width(out), 33);
    }
    /* counting beyond maxlines */
    assert_int_equal(textw_wrap("a\nb\nc", 10, false, NULL, 0), 3);
}

/* Random bytes (weighted to controls, C1 leads and CJK): whatever the
 * input, no byte < 0x20, no DEL, no C2 80-9F pair and no invalid UTF-8
 * leaves textw, and fit never exceeds its width. */
static void test_random_bytes(void **s)
{
    (void)s;
    static const unsigned char pool[] = {
        0x1b, 0x07, 0x00 + 1, 0x7f, 0x9b, 0xc2, 0x9b, 0xe4, 0xb8, 0xad,
        0xcc, 0x81, 0xff, 0xed, 0xa0, 0x80, 'a', ' ', '\n', ']', 0xf0, 0x9f,
        0x98, 0x80, 0xe2, 0x80, 0xae
    };
    unsigned seed = 12345;
    for (int iter = 0; iter < 3000; iter++) {
        char in[40], out[256];
        int len = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 39;
        for (int i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = (char)pool[(seed >> 16) % sizeof pool];
        }
        in[len] = '\0';
        for (int ascii = 0; ascii < 2; ascii++) {
            size_t n = textw_sanitize(in, out, sizeof out, ascii);
            assert_int_equal(n, strlen(out));
            if (!ascii && n) assert_true(utf8_valid(out, n));
            for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)out[i];
                assert_true(c >= 0x20 && c != 0x7f);
                if (ascii) assert_true(c < 0x80);
                if (c == 0xc2 && i + 1 < n)
                    assert_false((unsigned char)out[i + 1] < 0xa0);
            }
            int cols = iter % 12;
            textw_fit(in, cols, ascii, true, out, sizeof out);
            if (!ascii) assert_int_equal(textw_width(out), cols);
            else assert_int_equal((int)strlen(out), cols);
        }
    }
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_c0_del_esc),
        cmocka_unit_test(test_osc),
        cmocka_unit_test(test_c1),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_ascii_mode),
        cmocka_unit_test(test_bidi),
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_combining),
        cmocka_unit_test(test_fit_basic),
        cmocka_unit_test(test_fit_every_width),
        cmocka_unit_test(test_fit_small_buffer),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_random_bytes),
    };
    return cmocka_run_group_tests(t, setup, NULL);
}
