/* Unit tests for the field table, single-cell validation, cross-field
 * rules and the derived ALK fields.  Expected values come from
 * ../shared/spec/data-dictionary.md. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "core/imtcase.h"

static int parse(imt_case *c, const char *field, const char *text, char *err)
{
    int f = imt_field_find(field);
    assert_true(f >= 0);
    return imt_field_parse(c, f, text, err, 256);
}

static void ok(imt_case *c, const char *field, const char *text)
{
    char err[256];
    int rc = parse(c, field, text, err);
    if (rc != 0)
        fail_msg("%s='%s' refused: %s", field, text, err);
}

static void bad(imt_case *c, const char *field, const char *text, const char *needle)
{
    char err[256];
    int rc = parse(c, field, text, err);
    if (rc == 0)
        fail_msg("%s='%s' accepted", field, text);
    if (needle && !strstr(err, needle))
        fail_msg("%s='%s': message '%s' lacks '%s'", field, text, err, needle);
}

static void test_table_matches_dictionary(void **state)
{
    (void)state;
    /* 48 dictionary columns + 2 derived exported ones. */
    assert_int_equal(imt_nfields, 50);
    assert_int_equal(imt_field_find("CASE_ID"), IMT_F_case_id);
    assert_int_equal(imt_field_find("reviewed_at"), IMT_F_reviewed_at);
    assert_int_equal(imt_field_find("nope"), -1);
    assert_true(imt_fields[IMT_F_case_id].flags & FF_REQUIRED);
    assert_true(imt_fields[IMT_F_site].flags & FF_REQUIRED);
    assert_true(imt_fields[IMT_F_alk_status].flags & FF_DERIVED);
    int required = 0;
    for (int f = 0; f < imt_nfields; f++)
        required += !!(imt_fields[f].flags & FF_REQUIRED);
    assert_int_equal(required, 2);
}

static void test_numbers(void **state)
{
    (void)state;
    imt_case c;
    imt_case_init(&c);
    ok(&c, "age_years", "0.5");
    assert_true(c.age_years.known);
    assert_true(c.age_years.v == 0.5);
    ok(&c, "age_years", "120");
    bad(&c, "age_years", "120.01", "out of range");
    bad(&c, "age_years", "-1", "out of range");
    bad(&c, "size_cm", "0", "out of range");     /* 0.1 to 100 */
    ok(&c, "size_cm", "0.1");
    bad(&c, "size_cm", "12,5", "decimal mark");
    bad(&c, "size_cm", "nan", NULL);
    bad(&c, "size_cm", "inf", NULL);
    bad(&c, "size_cm", "1e999", NULL);
    bad(&c, "size_cm", "1e1", NULL);
    bad(&c, "size_cm", "12abc", NULL);
    bad(&c, "size_cm", ".", NULL);
    bad(&c, "size_cm", " 5", NULL);
    bad(&c, "mitoses_10hpf", "3.5", "whole number");
    bad(&c, "mitoses_10hpf", "3.01", "whole number");
    /* An integer written with a zero fraction, as spreadsheets and data
     * frames do, is that integer. */
    ok(&c, "mitoses_10hpf", "3.0");
    assert_true(c.mitoses_10hpf.known && c.mitoses_10hpf.v == 3.0);
    ok(&c, "igg4_per_hpf", "12.");
    assert_true(c.igg4_per_hpf.v == 12.0);
    ok(&c, "mitoses_10hpf", "500");
    bad(&c, "mitoses_10hpf", "501", "out of range");
    ok(&c, "size_cm", "");
    assert_false(c.size_cm.known);
    imt_case_clear(&c);
}

static void test_numbers_ignore_locale(void **state)
{
    (void)state;
    /* Even if a caller set a decimal-comma LC_NUMERIC, "12.5" is 12.5 and
     * prints back as "12.5".  (de_DE may be absent; then C is used.) */
    const char *old = setlocale(LC_NUMERIC, NULL);
    char *saved = strdup(old ? old : "C");
    if (!setlocale(LC_NUMERIC, "de_DE.UTF-8"))
        setlocale(LC_NUMERIC, "de_DE");
    imt_case c;
    imt_case_init(&c);
    ok(&c, "size_cm", "12.5");
    assert_true(c.size_cm.v == 12.5);
    bad(&c, "size_cm", "12,5", NULL);
    setlocale(LC_NUMERIC, saved);
    free(saved);
    char buf[64];
    assert_string_equal(imt_field_format(&c, IMT_F_size_cm, buf, sizeof buf), "12.5");
    imt_case_clear(&c);
}

static void test_enums_and_bools(void **state)
{
    (void)state;
    imt_case c;
    imt_case_init(&c);
    ok(&c, "site", "HEAD_NECK");
    assert_int_equal(c.site, SITE_HEAD_NECK);
    bad(&c, "site", "brain", "lung");        /* lists the allowed values */
    ok(&c, "outcome", "ned");
    assert_int_equal(c.outcome, OUT_NED);
    char buf[64];
    assert_string_equal(imt_field_format(&c, IMT_F_outcome, buf, sizeof buf), "NED");
    const char *yes[] = { "yes", "Y", "TRUE", "1" }, *no[] = { "no", "n", "False", "0" };
    for (int i = 0; i < 4; i++) {
        ok(&c, "necrosis", yes[i]);
        assert_int_equal(c.necrosis, 1);
        ok(&c, "necrosis", no[i]);
        assert_int_equal(c.necrosis, 0);
    }
    bad(&c, "necrosis", "maybe", "yes/no");
    ok(&c, "necrosis", "");
    assert_int_equal(c.necrosis, IMT_UNKNOWN);
    imt_case_clear(&c);
}

static void test_text_kinds(void **state)
{
    (void)state;
    imt_case c;
    imt_case_init(&c);
    ok(&c, "case_id", "IMT-001_a.b");
    bad(&c, "case_id", "IMT 001", "may hold only");
    bad(&c, "case_id", "123456789012345678901234567890123", "longer than 32");
    ok(&c, "case_id", "12345678901234567890123456789012");
    ok(&c, "fusion", "TPM3::ALK");
    ok(&c, "fusion", "NONE");
    assert_string_equal(c.fusion, "none");
    bad(&c, "fusion", "tpm3::alk", NULL);
    bad(&c, "fusion", "ALK", NULL);
    bad(&c, "fusion", "::ALK", NULL);
    bad(&c, "fusion", "A::B::C", NULL);
    ok(&c, "fusion", "NKX2-1::ALK");
    ok(&c, "diagnosis_date", "2024-02-29");
    bad(&c, "diagnosis_date", "2023-02-29", "real calendar date");
    bad(&c, "diagnosis_date", "2023-2-1", "YYYY-MM-DD");
    bad(&c, "diagnosis_date", "2999-01-01", "future");
    /* 1799-12-31 is a real calendar date: refused for the store's lower
     * bound, and the message must say that, not call it unreal. */
    bad(&c, "diagnosis_date", "1799-12-31", "before 1800-01-01");
    bad(&c, "reviewed_at", "1799-12-31T12:00:00Z", "before 1800-01-01");
    bad(&c, "diagnosis_date", "1800-02-29", "real calendar date");
    ok(&c, "diagnosis_date", "1800-01-01");
    ok(&c, "reviewed_at", "2025-01-31T23:59:59Z");
    bad(&c, "reviewed_at", "2025-01-31 23:59:59", NULL);
    bad(&c, "reviewed_at", "2025-01-31T24:00:00Z", NULL);
    /* 4000 characters of CJK (3 bytes each) are within the notes limit;
     * 4001 are not: the limit counts characters, not bytes. */
    size_t n = 4001 * 3;
    char *big = malloc(n + 1);
    assert_non_null(big);
    for (size_t i = 0; i < n; i += 3)
        memcpy(big + i, "\xe4\xb8\xad", 3);
    big[n] = '\0';
    bad(&c, "notes", big, "4001 characters");
    big[n - 3] = '\0';
    ok(&c, "notes", big);
    free(big);
    ok(&c, "notes", "esc \x1b]0;title\x07 kept as given");
    bad(&c, "notes", "bad \xff byte", "UTF-8");
    imt_case_clear(&c);
}

struct errs { int n; int fields[8]; };
static void collect(void *ctx, int field, const char *msg)
{
    struct errs *e = ctx;
    (void)msg;
    if (e->n < 8)
        e->fields[e->n] = field;
    e->n++;
}

static void test_crosscheck(void **state)
{
    (void)state;
    imt_case c;
    imt_case_init(&c);
    struct errs e = { 0 };
    assert_int_equal(imt_case_crosscheck(&c, collect, &e), 0);

    ok(&c, "fusion", "TPM3::ALK");
    assert_int_equal(imt_case_crosscheck(&c, collect, &e), 1);
    assert_int_equal(e.fields[0], IMT_F_fusion_method);
    ok(&c, "fusion_method", "ngs_rna");
    e.n = 0;
    assert_int_equal(imt_case_crosscheck(&c, collect, &e), 0);
    ok(&c, "fusion", "none");             /* tested, none found: method allowed */
    assert_int_equal(imt_case_crosscheck(&c, collect, &e), 0);
    ok(&c, "fusion", "");
    assert_int_equal(imt_case_crosscheck(&c, collect, &e), 1);  /* method without fusion */
    ok(&c, "fusion_method", "");

    e.n = 0;
    ok(&c, "recurrence_months", "5");
    assert_int_equal(imt_case_crosscheck(&c, collect, &e), 1);   /* needs recurrence yes */
    ok(&c, "recurrence", "yes");
    ok(&c, "followup_months", "4");
    e.n = 0;
    assert_int_equal(imt_case_crosscheck(&c, collect, &e), 1);   /* 5 > 4 */
    ok(&c, "followup_months", "5");
    assert_int_equal(imt_case_crosscheck(&c, collect, &e), 0);   /* equal is fine */

    imt_case_clear(&c);
    e.n = 0;
    ok(&c, "outcome", "DOD");
    assert_int_equal(imt_case_crosscheck(&c, collect, &e), 1);
    ok(&c, "outcome", "LOST");       /* lost to follow-up may lack a time */
    assert_int_equal(imt_case_crosscheck(&c, collect, &e), 0);
    ok(&c, "outcome", "NED");
    assert_int_equal(imt_case_crosscheck(&c, collect, &e), 1);
    imt_case_clear(&c);
}

/* Derived ALK status: the table is written from the data dictionary. */
static void test_alk_derivation(void **state)
{
    (void)state;
    static const struct {
        const char *ihc, *fish, *fusion;
        int status, confirmed, discordant;
    } t[] = {
        { "", "", "", ALK_UNKNOWN, 0, 0 },
        { "equivocal", "", "", ALK_UNKNOWN, 0, 0 },
        { "positive", "", "", ALK_POSITIVE, 0, 0 },          /* IHC alone */
        { "negative", "", "", ALK_NEGATIVE, 0, 0 },
        { "", "positive", "", ALK_POSITIVE, 1, 0 },
        { "", "negative", "", ALK_NEGATIVE, 0, 0 },
        { "", "", "TPM3::ALK", ALK_POSITIVE, 1, 0 },
        { "", "", "ALK::X", ALK_POSITIVE, 1, 0 },
        { "", "", "none", ALK_NEGATIVE, 0, 0 },
        { "", "", "ETV6::NTRK3", ALK_NEGATIVE, 0, 0 },
        { "positive", "negative", "", ALK_NEGATIVE, 0, 1 },  /* molecular outranks IHC */
        { "positive", "", "none", ALK_NEGATIVE, 0, 1 },
        { "negative", "positive", "", ALK_POSITIVE, 1, 1 },
        { "negative", "", "RANBP2::ALK", ALK_POSITIVE, 1, 1 },
        { "equivocal", "positive", "", ALK_POSITIVE, 1, 0 },
        { "equivocal", "negative", "", ALK_NEGATIVE, 0, 0 },
        { "", "negative", "EML4::ALK", ALK_POSITIVE, 1, 0 },  /* any positive molecular test */
        { "positive", "positive", "TPM3::ALK", ALK_POSITIVE, 1, 0 },
        { "", "", "ALKAL2::X", ALK_NEGATIVE, 0, 0 },          /* ALKAL2 is not ALK */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        imt_case c;
        imt_case_init(&c);
        ok(&c, "alk_ihc", t[i].ihc);
        ok(&c, "alk_fish", t[i].fish);
        ok(&c, "fusion", t[i].fusion);
        imt_case_derive(&c);
        if (c.alk_status != t[i].status || c.alk_confirmed != t[i].confirmed ||
            c.alk_discordant != t[i].discordant)
            fail_msg("row %zu (%s/%s/%s): got %d/%d/%d", i, t[i].ihc, t[i].fish,
                     t[i].fusion, c.alk_status, c.alk_confirmed, c.alk_discordant);
        imt_case_clear(&c);
    }
}

static void test_format_roundtrip(void **state)
{
    (void)state;
    static const char *vals[] = { "0.1", "12.5", "100", "0.0000001", "33.333333333333" };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        imt_case c;
        imt_case_init(&c);
        ok(&c, "size_cm", i == 3 ? "0.1" : vals[i]);
        ok(&c, "age_years", vals[i]);
        char buf[64];
        imt_field_format(&c, IMT_F_age_years, buf, sizeof buf);
        assert_null(strchr(buf, 'e'));    /* never exponent form: it would not re-import */
        imt_case d;
        imt_case_init(&d);
        ok(&d, "age_years", buf);
        assert_true(imt_field_equal(&c, &d, IMT_F_age_years));
        imt_case_clear(&c);
        imt_case_clear(&d);
    }
}

/* An export must re-import to the same data: every number is written with
 * as many digits as it needs to read back as the same double (not a fixed
 * 15), and in plain notation also below 1e-15 (not rounded to 0). */
static void test_format_exact(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } vals[] = {
        { "12.345678901234567", "12.345678901234567" },
        { "0.30000000000000004", "0.30000000000000004" },
        { "0.0000000000000000000001", "0.0000000000000000000001" },
        { "0.0000000000000000001234567", "0.0000000000000000001234567" },
        { "1.0000000000000002", "1.0000000000000002" },
        { "99.99999999999999", "99.99999999999999" },
        { "-0", "0" }, { "0.0", "0" }, { "100.000", "100" }, { "12.50", "12.5" },
        { "0.1", "0.1" }, { "120", "120" }, { "0.00001", "0.00001" },
        /* found by tests/fuzz/fuzz_field: 30 digits in, 31 out (the "0"
         * before the '.'), and the export was refused as too many digits */
        { ".000000000000000000000000000002", "0.000000000000000000000000000002" },
        { "0.00000000000001234567890123456", "0.00000000000001234567890123456" },
    };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        imt_case c, d;
        imt_case_init(&c);
        imt_case_init(&d);
        ok(&c, "age_years", vals[i].in);
        char buf[64];
        imt_field_format(&c, IMT_F_age_years, buf, sizeof buf);
        if (strcmp(buf, vals[i].out) != 0)
            fail_msg("'%s' formats as '%s', expected '%s'", vals[i].in, buf, vals[i].out);
        ok(&d, "age_years", buf);
        assert_true(imt_field_equal(&c, &d, IMT_F_age_years));
        imt_case_clear(&c);
        imt_case_clear(&d);
    }
    /* the limit: 30 significant digits, and the first of them within 30
     * places of the '.'; leading zeros are not counted */
    imt_case c;
    imt_case_init(&c);
    ok(&c, "age_years", "000000000000000000000000000000000000000012.5");
    ok(&c, "age_years", "0.000000000000000000000000000001");
    bad(&c, "age_years", "0.0000000000000000000000000000001", "too many digits");
    bad(&c, "age_years", "1.000000000000000000000000000000", "too many digits");
    imt_case_clear(&c);
}

static void test_copy(void **state)
{
    (void)state;
    imt_case a, b;
    imt_case_init(&a);
    ok(&a, "case_id", "X1");
    ok(&a, "notes", "note");
    ok(&a, "site", "lung");
    assert_int_equal(imt_case_copy(&b, &a), 0);
    assert_ptr_not_equal(a.notes, b.notes);
    for (int f = 0; f < imt_nfields; f++)
        assert_true(imt_field_equal(&a, &b, f));
    imt_case_clear(&a);
    assert_string_equal(b.notes, "note");
    imt_case_clear(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_matches_dictionary),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_numbers_ignore_locale),
        cmocka_unit_test(test_enums_and_bools),
        cmocka_unit_test(test_text_kinds),
        cmocka_unit_test(test_crosscheck),
        cmocka_unit_test(test_alk_derivation),
        cmocka_unit_test(test_format_roundtrip),
        cmocka_unit_test(test_format_exact),
        cmocka_unit_test(test_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
