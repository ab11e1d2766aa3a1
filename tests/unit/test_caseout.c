/* Unit tests for caseout: the terminal-safe escaping of database text used
 * by `list` and `show`, and the JSON object of a case.  Expected strings
 * are written by hand from the mapping documented in io/caseout.h. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "io/caseout.h"
#include "core/imtcase.h"

static void expect_esc(const char *in, const char *want)
{
    char *got = caseout_escape_str(in);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_escape_controls(void **state)
{
    (void)state;
    expect_esc("", "");
    expect_esc("plain text", "plain text");
    expect_esc("a\\b", "a\\\\b");
    expect_esc("a\tb\nc\rd", "a\\tb\\nc\\rd");
    expect_esc("\033[2J\007\001\037\177", "\\x1b[2J\\x07\\x01\\x1f\\x7f");
    expect_esc("\\x1b", "\\\\x1b");   /* a literal \x1b stays distinguishable */
}

static void test_escape_unicode(void **state)
{
    (void)state;
    /* CJK and emoji pass; C1 (U+0085, U+009B), bidi (U+202E, U+2066) and
     * U+2028 are spelled out. */
    expect_esc("中文 \xF0\x9F\x99\x82", "中文 \xF0\x9F\x99\x82");
    expect_esc("a\xC2\x9B" "b\xC2\x85", "a\\u009bb\\u0085");
    expect_esc("x\xE2\x80\xAEy\xE2\x81\xA6z", "x\\u202ey\\u2066z");
    expect_esc("p\xE2\x80\xA8q", "p\\u2028q");
    /* U+00A0 (after the C1 range) and U+202F (after the bidi range) pass. */
    expect_esc("\xC2\xA0\xE2\x80\xAF", "\xC2\xA0\xE2\x80\xAF");
    /* Invalid UTF-8: a lone continuation byte, a truncated sequence, an
     * overlong encoding of '/', each byte as \xNN. */
    expect_esc("a\x80" "b", "a\\x80b");
    expect_esc("c\xE4\xB8", "c\\xe4\\xb8");
    expect_esc("\xC0\xAF", "\\xc0\\xaf");
}

static void test_escape_keep_nl(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    assert_non_null(fp);
    const char s[] = "one\ntwo\r\n\tthree";
    assert_int_equal(caseout_escape(fp, s, sizeof s - 1, CASEOUT_KEEP_NL), 0);
    fclose(fp);
    assert_string_equal(buf, "one\ntwo\\r\n\\tthree");
    free(buf);
}

static void test_json_case(void **state)
{
    (void)state;
    imt_case c;
    imt_case_init(&c);
    char err[256];
    assert_int_equal(imt_field_parse(&c, IMT_F_case_id, "J-1", err, sizeof err), 0);
    assert_int_equal(imt_field_parse(&c, IMT_F_site, "lung", err, sizeof err), 0);
    assert_int_equal(imt_field_parse(&c, IMT_F_age_years, "0.5", err, sizeof err), 0);
    assert_int_equal(imt_field_parse(&c, IMT_F_mitoses_10hpf, "3", err, sizeof err), 0);
    assert_int_equal(imt_field_parse(&c, IMT_F_necrosis, "no", err, sizeof err), 0);
    assert_int_equal(imt_field_parse(&c, IMT_F_alk_ihc, "positive", err, sizeof err), 0);
    assert_int_equal(imt_field_parse(&c, IMT_F_fusion, "none", err, sizeof err), 0);
    assert_int_equal(imt_field_parse(&c, IMT_F_notes, "x\"\033y", err, sizeof err), 0);
    imt_case_derive(&c);

    json_t *o = caseout_json(&c, true);
    assert_non_null(o);
    /* every column plus alk_discordant and next_due */
    assert_int_equal(json_object_size(o), 52);
    assert_true(json_is_null(json_object_get(o, "next_due")));
    assert_string_equal(json_string_value(json_object_get(o, "case_id")), "J-1");
    assert_true(json_is_real(json_object_get(o, "age_years")));
    assert_true(json_is_integer(json_object_get(o, "mitoses_10hpf")));
    assert_true(json_is_false(json_object_get(o, "necrosis")));
    assert_true(json_is_null(json_object_get(o, "sex")));
    assert_true(json_is_null(json_object_get(o, "fusion_method")));
    /* IHC positive, fusion none: negative and discordant (dictionary). */
    assert_string_equal(json_string_value(json_object_get(o, "alk_status")), "negative");
    assert_true(json_is_false(json_object_get(o, "alk_confirmed")));
    assert_true(json_is_true(json_object_get(o, "alk_discordant")));

    char *s = json_dumps(o, caseout_json_flags(&c));
    assert_non_null(s);
    assert_non_null(strstr(s, "\"age_years\":0.5,"));
    assert_non_null(strstr(s, "\"notes\":\"x\\\"\\u001By\""));
    static const char prefix[] = "{\"case_id\":\"J-1\",\"age_years\"";
    assert_true(strncmp(s, prefix, sizeof prefix - 1) == 0);   /* table order */
    free(s);
    json_decref(o);

    o = caseout_json(&c, false);
    assert_null(json_object_get(o, "alk_discordant"));
    json_decref(o);
    imt_case_clear(&c);
}

/* list/show --json give the stored value: a number that needs 17 digits
 * to read back is not cut to 15 (12.3456789012346 is another value), and
 * a short one stays short. */
static void test_json_numbers_exact(void **state)
{
    (void)state;
    static const struct { const char *in, *want; } t[] = {
        { "12.345678901234567", "\"age_years\":12.345678901234567," },
        { "12.5", "\"age_years\":12.5," },
        { "0.1", "\"age_years\":0.1," },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        imt_case c;
        imt_case_init(&c);
        char err[128];
        assert_int_equal(imt_field_parse(&c, IMT_F_case_id, "N-1", err, sizeof err), 0);
        assert_int_equal(imt_field_parse(&c, IMT_F_site, "lung", err, sizeof err), 0);
        assert_int_equal(imt_field_parse(&c, IMT_F_age_years, t[i].in, err, sizeof err), 0);
        imt_case_derive(&c);
        json_t *o = caseout_json(&c, false);
        assert_non_null(o);
        char *s = json_dumps(o, caseout_json_flags(&c));
        assert_non_null(s);
        if (!strstr(s, t[i].want))
            fail_msg("%s: %s lacks %s", t[i].in, s, t[i].want);
        free(s);
        json_decref(o);
        imt_case_clear(&c);
    }
}

static void test_json_invalid_utf8(void **state)
{
    (void)state;
    imt_case c;
    imt_case_init(&c);
    c.case_id = strdup("K");
    c.site = SITE_LUNG;
    c.notes = strdup("a\xFF" "b");   /* as if written by another tool */
    json_t *o = caseout_json(&c, false);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "notes")), "a\xEF\xBF\xBD" "b");
    json_decref(o);
    imt_case_clear(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_controls),
        cmocka_unit_test(test_escape_unicode),
        cmocka_unit_test(test_escape_keep_nl),
        cmocka_unit_test(test_json_case),
        cmocka_unit_test(test_json_numbers_exact),
        cmocka_unit_test(test_json_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
