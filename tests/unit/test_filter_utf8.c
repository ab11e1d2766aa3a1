/* Unit tests for filter parsing/description/cycling (spec/cli.md FILTERS,
 * spec/ui.md keys s/a/o) and strict UTF-8 decoding (RFC 3629). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/filter.h"
#include "core/imtcase.h"
#include "core/utf8.h"

static void test_parse_lists(void **state)
{
    (void)state;
    imt_filter f = { 0 };
    char err[512];
    assert_int_equal(filter_parse(&f, FILTER_SITE, "lung,HEAD_NECK", err, sizeof err), 0);
    assert_int_equal(f.site_mask, (1u << SITE_LUNG) | (1u << SITE_HEAD_NECK));
    assert_int_equal(filter_parse(&f, FILTER_OUTCOME, "dod, doc", err, sizeof err), 0);
    assert_int_equal(f.outcome_mask, (1u << OUT_DOD) | (1u << OUT_DOC));
    assert_int_equal(filter_parse(&f, FILTER_ALK, "maybe", err, sizeof err), -1);
    assert_non_null(strstr(err, "maybe"));
    assert_non_null(strstr(err, "positive,negative,unknown"));   /* lists allowed values */
    assert_int_equal(filter_parse(&f, FILTER_SITE, "lung,", err, sizeof err), -1);
    assert_int_equal(filter_parse(&f, FILTER_STATUS, "", err, sizeof err), -1);
    /* a failed parse leaves the previous value alone */
    assert_int_equal(f.site_mask, (1u << SITE_LUNG) | (1u << SITE_HEAD_NECK));
}

static void test_describe(void **state)
{
    (void)state;
    imt_filter f = { 0 };
    char buf[256], err[256];
    assert_string_equal(filter_describe(&f, buf, sizeof buf), "");
    assert_true(filter_is_empty(&f));
    filter_parse(&f, FILTER_SITE, "lung", err, sizeof err);
    filter_parse(&f, FILTER_ALK, "positive", err, sizeof err);
    assert_string_equal(filter_describe(&f, buf, sizeof buf), "site=lung alk=positive");
    filter_set_search(&f, "maxillary");
    assert_string_equal(filter_describe(&f, buf, sizeof buf),
                        "site=lung alk=positive search=\"maxillary\"");
    /* a small buffer truncates, never overflows */
    char small[8];
    filter_describe(&f, small, sizeof small);
    assert_int_equal(strlen(small), 7);
    /* every filter set and a cut in each part: nothing past n is touched */
    filter_parse(&f, FILTER_OUTCOME, "NED,AWD,DOD", err, sizeof err);
    filter_parse(&f, FILTER_STATUS, "unreviewed,signed_out", err, sizeof err);
    for (size_t n = 1; n < 90; n++) {
        char area[128];
        memset(area, 'Z', sizeof area);
        filter_describe(&f, area, n);
        assert_int_equal(strlen(area), n - 1);
        for (size_t i = n; i < sizeof area; i++)
            assert_int_equal(area[i], 'Z');
    }
}

static void test_cycle(void **state)
{
    (void)state;
    imt_filter f = { 0 };
    /* all -> positive -> negative -> unknown -> all */
    filter_cycle(&f, FILTER_ALK);
    assert_int_equal(f.alk_mask, 1u << ALK_POSITIVE);
    filter_cycle(&f, FILTER_ALK);
    assert_int_equal(f.alk_mask, 1u << ALK_NEGATIVE);
    filter_cycle(&f, FILTER_ALK);
    assert_int_equal(f.alk_mask, 1u << ALK_UNKNOWN);
    filter_cycle(&f, FILTER_ALK);
    assert_int_equal(f.alk_mask, 0);
    /* sites: 9 values then back to all */
    for (int i = 0; i < SITE_N; i++) {
        filter_cycle(&f, FILTER_SITE);
        assert_int_equal(f.site_mask, 1u << i);
    }
    filter_cycle(&f, FILTER_SITE);
    assert_int_equal(f.site_mask, 0);
    /* from a multi-value menu pick, cycling restarts at the first value */
    f.outcome_mask = (1u << OUT_DOD) | (1u << OUT_DOC);
    filter_cycle(&f, FILTER_OUTCOME);
    assert_int_equal(f.outcome_mask, 1u << OUT_NED);
}

static void test_search_truncation(void **state)
{
    (void)state;
    imt_filter f = { 0 };
    char longtext[400];
    /* 3-byte characters: the cut must fall on a character boundary */
    for (int i = 0; i < 399; i += 3)
        memcpy(longtext + i, "\xe4\xb8\xad", 3);
    longtext[399] = '\0';
    filter_set_search(&f, longtext);
    size_t n = strlen(f.search);
    assert_true(n < IMT_SEARCH_MAX);
    assert_int_equal(n % 3, 0);
    assert_true(utf8_valid(f.search, n));
}

static void test_utf8(void **state)
{
    (void)state;
    uint32_t cp;
    assert_int_equal(utf8_decode("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(utf8_decode("\xc3\xa9", 2, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);   /* emoji */
    assert_int_equal(cp, 0x1F600);
    assert_int_equal(utf8_decode("\xc0\xaf", 2, &cp), 0);    /* overlong */
    assert_int_equal(utf8_decode("\xe0\x80\xaf", 3, &cp), 0);    /* overlong */
    assert_int_equal(utf8_decode("\xed\xa0\x80", 3, &cp), 0);    /* surrogate */
    assert_int_equal(utf8_decode("\xf4\x90\x80\x80", 4, &cp), 0);  /* > U+10FFFF */
    assert_int_equal(utf8_decode("\x80", 1, &cp), 0);    /* lone continuation */
    assert_int_equal(utf8_decode("\xe4\xb8", 2, &cp), 0);    /* truncated */
    assert_true(utf8_valid("plain \xe4\xb8\xad", 9));
    assert_false(utf8_valid("a\0b", 3));                      /* NUL */
    assert_false(utf8_valid("\xff", 1));
    assert_int_equal(utf8_count("a\xe4\xb8\xad\xf0\x9f\x98\x80", 8), 3);
}

/* Case classes from the Unicode Standard's charts (expected values
 * written from the code charts, not from the code): every member of a
 * class folds to the same code point, other letters do not join it. */
static void test_fold(void **state)
{
    (void)state;
    static const uint32_t classes[][3] = {
        { 'A', 'a', 'a' },
        { 0x03A3, 0x03C3, 0x03C2 },   /* Σ σ ς */
        { 'S', 's', 0x017F },         /* S s ſ */
        { 'K', 'k', 0x212A },         /* K k, KELVIN SIGN */
        { 0x01C4, 0x01C5, 0x01C6 },   /* Ǆ ǅ ǆ */
        { 0x0218, 0x0219, 0x0219 },   /* Ș ș (Romanian) */
        { 0x01AF, 0x01B0, 0x01B0 },   /* Ư ư (Vietnamese) */
        { 0x1C91, 0x10D1, 0x10D1 },   /* Georgian Mtavruli and Mkhedruli ბ */
        { 0x13A0, 0xAB70, 0xAB70 },   /* Cherokee Ꭰ and small ꭰ */
        { 0x216B, 0x217B, 0x217B },   /* Roman numeral twelve Ⅻ ⅻ */
        { 0x24B6, 0x24D0, 0x24D0 },   /* circled Ⓐ ⓐ */
        { 0x0130, 'i', 'I' },         /* İ searches as i */
        { 0xFF21, 0xFF41, 0xFF41 },   /* full-width Ａ ａ */
        { 0x10400, 0x10428, 0x10428 },/* Deseret */
    };
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        uint32_t f = utf8_fold(classes[i][0]);
        assert_int_equal(utf8_fold(classes[i][1]), f);
        assert_int_equal(utf8_fold(classes[i][2]), f);
    }
    assert_int_not_equal(utf8_fold(0x03C3), utf8_fold(0x03C4));   /* σ τ */
    assert_int_not_equal(utf8_fold('s'), utf8_fold(0x00DF));      /* s ß */
    /* caseless code points are left as they are */
    assert_int_equal(utf8_fold(0x4E2D), 0x4E2D);                  /* 中 */
    assert_int_equal(utf8_fold('5'), '5');
    assert_int_equal(utf8_fold(0x1F600), 0x1F600);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_lists),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_cycle),
        cmocka_unit_test(test_search_truncation),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_fold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
