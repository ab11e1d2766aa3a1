/* core/imtcase.c - the field table, single-cell validation and derived fields.
 * Source of every rule here: ../shared/spec/data-dictionary.md. */
#define _GNU_SOURCE
#include "core/imtcase.h"
#include "core/utf8.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define V(...) (const char *const[]){ __VA_ARGS__, NULL }

const char *const imt_sex_values[] = { "F", "M", "U", NULL };
const char *const imt_site_values[] = {
    "lung", "head_neck", "abdomen_pelvis", "retroperitoneum",
    "genitourinary", "trunk_limbs", "thorax_other", "cns", "other", NULL };
const char *const imt_alk_values[] = { "positive", "negative", "unknown", NULL };
const char *const imt_outcome_values[] = { "NED", "AWD", "DOD", "DOC", "LOST", NULL };
const char *const imt_review_values[] = { "unreviewed", "in_review", "signed_out", NULL };
const char *const imt_surgery_values[] = { "none", "biopsy", "R0", "R1", "R2", NULL };
static const char *const posneg[] = { "positive", "negative", NULL };
const char *const imt_export_only_columns[] = { "icd_o_3_morphology", "oncotree_code", NULL };

#define O(m) offsetof(imt_case, m)
#define TXT(m, len, fl, lab)  { #m, FT_TEXT, O(m), NULL, 0, 0, len, fl, lab }
#define DEC(m, lo, hi, fl, lab) { #m, FT_DEC, O(m), NULL, lo, hi, 0, fl, lab }
#define INT(m, lo, hi, fl, lab) { #m, FT_INT, O(m), NULL, lo, hi, 0, fl, lab }
#define ENU(m, vals, fl, lab) { #m, FT_ENUM, O(m), vals, 0, 0, 0, fl, lab }
#define BOO(m, fl, lab)       { #m, FT_BOOL, O(m), NULL, 0, 0, 0, fl, lab }

const imt_field imt_fields[] = {
    { "case_id", FT_ID, O(case_id), NULL, 0, 0, 32, FF_REQUIRED | FF_LIST, "Case" },
    DEC(age_years, 0, 120, FF_LIST, "Age (years)"),
    ENU(sex, imt_sex_values, FF_LIST, "Sex"),
    { "site", FT_ENUM, O(site), imt_site_values, 0, 0, 0, FF_REQUIRED | FF_LIST, "Site" },
    TXT(site_detail, 200, FF_LIST, "Site detail"),
    { "diagnosis_date", FT_DATE, O(diagnosis_date), NULL, 0, 0, 10, FF_IDENTIFY, "Diagnosed" },
    DEC(size_cm, 0.1, 100, FF_LIST, "Size (cm)"),
    BOO(multifocal, 0, "Multifocal"),
    BOO(metastatic, 0, "Metastatic"),
    BOO(invasive_growth, 0, "Invasive growth"),
    TXT(imaging, 100, 0, "Imaging"),
    DEC(suv_max, 0, 100, 0, "PET SUVmax"),
    ENU(histology, V("myxoid", "hypercellular", "hypocellular", "mixed", "epithelioid"), 0, "Histology"),
    BOO(necrosis, 0, "Necrosis"),
    INT(mitoses_10hpf, 0, 500, 0, "Mitoses /10 HPF"),
    ENU(alk_ihc, V("positive", "negative", "equivocal"), 0, "ALK IHC"),
    ENU(alk_ihc_pattern, V("cytoplasmic", "membranous", "granular", "nuclear_membrane", "perinuclear"), 0, "ALK pattern"),
    ENU(alk_fish, posneg, 0, "ALK FISH"),
    { "fusion", FT_FUSION, O(fusion), NULL, 0, 0, 64, 0, "Fusion" },
    ENU(fusion_method, V("ngs_rna", "ngs_dna", "fish", "rt_pcr"), 0, "Fusion method"),
    ENU(ros1_ihc, posneg, 0, "ROS1 IHC"),
    INT(pdl1_tps, 0, 100, 0, "PD-L1 TPS %"),
    DEC(ki67_pct, 0, 100, 0, "Ki-67 %"),
    ENU(sma, posneg, 0, "SMA"),
    ENU(desmin, posneg, 0, "Desmin"),
    ENU(cytokeratin, posneg, 0, "Cytokeratin"),
    ENU(s100, posneg, 0, "S-100"),
    ENU(cd117, posneg, 0, "CD117"),
    ENU(dog1, posneg, 0, "DOG1"),
    DEC(igg4_igg_ratio, 0, 100, 0, "IgG4/IgG %"),
    INT(igg4_per_hpf, 0, 1000, 0, "IgG4 /HPF"),
    DEC(nlr, 0, 100, 0, "NLR"),
    BOO(resectable, 0, "Resectable"),
    ENU(surgery, imt_surgery_values, FF_LIST, "Surgery"),
    DEC(radiotherapy_gy, 0, 100, 0, "Radiotherapy (Gy)"),
    TXT(chemotherapy, 100, 0, "Chemotherapy"),
    BOO(steroids, 0, "Steroids"),
    BOO(nsaid, 0, "NSAID"),
    TXT(targeted, 100, 0, "Targeted"),
    TXT(immunotherapy, 100, 0, "Immunotherapy"),
    BOO(recurrence, 0, "Recurrence"),
    DEC(recurrence_months, 0, 600, 0, "Recurrence (months)"),
    ENU(outcome, imt_outcome_values, FF_LIST, "Outcome"),
    DEC(followup_months, 0, 600, FF_LIST, "Follow-up (months)"),
    TXT(notes, 4000, FF_IDENTIFY, "Notes"),
    ENU(review_status, imt_review_values, FF_LIST, "Review"),
    TXT(reviewer, 64, FF_IDENTIFY, "Reviewer"),
    { "reviewed_at", FT_TIMESTAMP, O(reviewed_at), NULL, 0, 0, 20, 0, "Reviewed at" },
    { "alk_status", FT_ENUM, O(alk_status), imt_alk_values, 0, 0, 0, FF_DERIVED | FF_LIST, "ALK status" },
    { "alk_confirmed", FT_BOOL, O(alk_confirmed), NULL, 0, 0, 0, FF_DERIVED, "ALK confirmed" },
};
const int imt_nfields = (int)(sizeof imt_fields / sizeof imt_fields[0]);

_Static_assert(sizeof imt_fields / sizeof imt_fields[0] == IMT_F_COUNT,
               "imt_fields[] and the IMT_F_ enum must list the same columns");

#define FIELD_PTR(c, f, T) ((T *)((char *)(c) + imt_fields[f].offset))
#define FIELD_CPTR(c, f, T) ((const T *)((const char *)(c) + imt_fields[f].offset))

static bool is_text_type(imt_ftype t)
{
    return t == FT_TEXT || t == FT_ID || t == FT_FUSION || t == FT_DATE ||
           t == FT_TIMESTAMP;
}

/* ASCII only, whatever LC_CTYPE says: strcasecmp() follows the locale,
 * and under tr_TR.UTF-8 'I' is not the capital of 'i', so "SITE" would not
 * match "site".  The same for the character classes below. */
static int a_lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }
static bool a_digit(int c) { return c >= '0' && c <= '9'; }
static bool a_upper(int c) { return c >= 'A' && c <= 'Z'; }
static bool a_alnum(int c) { return a_digit(c) || a_upper(c) || (c >= 'a' && c <= 'z'); }

bool imt_ascii_caseeq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (a_lower((unsigned char)*a) != a_lower((unsigned char)*b))
            return false;
    return *a == *b;
}

int imt_field_find(const char *name)
{
    for (int f = 0; f < imt_nfields; f++)
        if (imt_ascii_caseeq(imt_fields[f].name, name))
            return f;
    return -1;
}

int imt_enum_find(const char *const *values, const char *s)
{
    for (int i = 0; values[i]; i++)
        if (imt_ascii_caseeq(values[i], s))
            return i;
    return -1;
}

void imt_case_init(imt_case *c)
{
    memset(c, 0, sizeof *c);
    for (int f = 0; f < imt_nfields; f++) {
        imt_ftype t = imt_fields[f].type;
        if (t == FT_ENUM || t == FT_BOOL)
            *FIELD_PTR(c, f, int) = IMT_UNKNOWN;
    }
    c->review_status = REV_UNREVIEWED;
    c->alk_status = ALK_UNKNOWN;
    c->decision_state = -1;
}

void imt_case_clear(imt_case *c)
{
    for (int f = 0; f < imt_nfields; f++)
        if (is_text_type(imt_fields[f].type))
            free(*FIELD_PTR(c, f, char *));
    free(c->review_comment);
    free(c->signer_name);
    imt_case_init(c);
}

int imt_case_copy(imt_case *dst, const imt_case *src)
{
    *dst = *src;
    int rc = 0;
    for (int f = 0; f < imt_nfields; f++) {
        if (!is_text_type(imt_fields[f].type))
            continue;
        const char *s = *FIELD_CPTR(src, f, char *);
        char **d = FIELD_PTR(dst, f, char *);
        *d = NULL;
        if (s && !(*d = strdup(s)))
            rc = -1;
    }
    dst->review_comment = dst->signer_name = NULL;
    if (src->review_comment && !(dst->review_comment = strdup(src->review_comment)))
        rc = -1;
    if (src->signer_name && !(dst->signer_name = strdup(src->signer_name)))
        rc = -1;
    if (rc)
        imt_case_clear(dst);
    return rc;
}

/* Exact-match one partner of GENE1::GENE2. */
bool imt_fusion_involves(const char *fusion, const char *gene)
{
    if (!fusion)
        return false;
    const char *sep = strstr(fusion, "::");
    if (!sep)
        return false;
    size_t gl = strlen(gene);
    if ((size_t)(sep - fusion) == gl && strncmp(fusion, gene, gl) == 0)
        return true;
    return strcmp(sep + 2, gene) == 0;
}

static bool fusion_is_fusion(const char *fusion)
{
    return fusion && strstr(fusion, "::") != NULL;
}

void imt_case_derive(imt_case *c)
{
    bool fus_alk = imt_fusion_involves(c->fusion, "ALK");
    bool mol_pos = c->alk_fish == POS || fus_alk;
    bool mol_neg = c->alk_fish == NEG || (c->fusion && !fus_alk);
    bool ihc_pos = c->alk_ihc == IHC3_POSITIVE;
    bool ihc_neg = c->alk_ihc == IHC3_NEGATIVE;

    if (mol_pos || (ihc_pos && !mol_neg))
        c->alk_status = ALK_POSITIVE;
    else if (mol_neg || ihc_neg)
        c->alk_status = ALK_NEGATIVE;
    else
        c->alk_status = ALK_UNKNOWN;
    c->alk_confirmed = mol_pos;
    c->alk_discordant = (ihc_pos && mol_neg) || (ihc_neg && mol_pos);
}

bool imt_field_is_known(const imt_case *c, int f)
{
    switch (imt_fields[f].type) {
    case FT_DEC: case FT_INT:
        return FIELD_CPTR(c, f, imt_num)->known;
    case FT_ENUM: case FT_BOOL:
        return *FIELD_CPTR(c, f, int) != IMT_UNKNOWN;
    default:
        return *FIELD_CPTR(c, f, char *) != NULL;
    }
}

/* Shortest C-locale decimal text that reads back to the same double, in
 * plain (never exponent) notation so that it re-imports. */
static void format_number_cur(double v, char *buf, size_t n);
static void format_number(double v, char *buf, size_t n)
{
    /* printf follows LC_NUMERIC: under a German LC_ALL it writes "12,5",
     * which would not re-import.  Print in the C locale always. */
    static locale_t cloc;
    if (!cloc)
        cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = cloc ? uselocale(cloc) : (locale_t)0;
    format_number_cur(v, buf, n);
    if (cloc)
        uselocale(old);
}

static void format_number_cur(double v, char *buf, size_t n)
{
    /* The fewest significant digits (up to 17, which always suffice) that
     * read back as the same double: "%.15g" alone turned
     * 12.345678901234567 into 12.3456789012346, so an export of an import
     * did not re-import to the same data. */
    if (v == 0 || !isfinite(v)) {
        snprintf(buf, n, "%s", v == 0 ? "0" : "nan");
        return;
    }
    /* Most values have a few decimals (4.6 cm, 56.1 months): the fewest
     * decimals k whose m / 10^k is v (an exact division, so the double
     * nearest that decimal, as strtod reads it) are the digits below, the
     * search only faster.  At most 15 significant digits, so printing v
     * with 15 gives the same decimal. */
    static const double p10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6 };
    if (fabs(v) < 1e9) {
        for (int k = 0; k <= 6; k++) {
            double m = nearbyint(v * p10[k]);
            if (m / p10[k] != v)
                continue;
            long long im = (long long)fabs(m);
            char d[32];
            int nd = snprintf(d, sizeof d, "%lld", im);
            if (nd - (im == 0) > 15)
                break;
            char out[48];
            size_t o = 0;
            if (v < 0)
                out[o++] = '-';
            if (nd <= k) {                      /* 0.0ddd */
                out[o++] = '0';
                out[o++] = '.';
                for (int i = nd; i < k; i++)
                    out[o++] = '0';
                memcpy(out + o, d, (size_t)nd);
                o += (size_t)nd;
            } else {
                memcpy(out + o, d, (size_t)(nd - k));
                o += (size_t)(nd - k);
                if (k) {
                    out[o++] = '.';
                    memcpy(out + o, d + nd - k, (size_t)k);
                    o += (size_t)k;
                }
            }
            out[o] = '\0';
            snprintf(buf, n, "%s", out);
            return;
        }
    }
    char e[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    /* e is "[-]d.ddde[+-]X": rewrite it in plain notation, never with an
     * exponent (that would not re-import).  "%.20f" instead rounded values
     * below 1e-15 to 0. */
    char digits[24];
    size_t nd = 0;
    const char *p = e;
    bool neg = *p == '-';
    if (neg)
        p++;
    for (; *p && *p != 'e'; p++)
        if (*p != '.' && nd < sizeof digits - 1)
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    long point = (*p == 'e' ? strtol(p + 1, NULL, 10) : 0) + 1;  /* digits before '.' */
    char out[96];
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    if (point <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (long i = point; i < 0 && o < sizeof out - 24; i++)
            out[o++] = '0';
        memcpy(out + o, digits, nd);
        o += nd;
    } else {
        for (long i = 0; i < point || i < (long)nd; i++) {
            if (o >= sizeof out - 2)
                break;
            if (i == point)
                out[o++] = '.';
            out[o++] = i < (long)nd ? digits[i] : '0';
        }
    }
    out[o] = '\0';
    snprintf(buf, n, "%s", out);
}

const char *imt_field_format(const imt_case *c, int f, char *buf, size_t n)
{
    const imt_field *fd = &imt_fields[f];
    if (n)
        buf[0] = '\0';
    if (!imt_field_is_known(c, f))
        return buf;
    switch (fd->type) {
    case FT_DEC: case FT_INT:
        format_number(FIELD_CPTR(c, f, imt_num)->v, buf, n);
        break;
    case FT_ENUM:
        snprintf(buf, n, "%s", fd->values[*FIELD_CPTR(c, f, int)]);
        break;
    case FT_BOOL:
        snprintf(buf, n, "%s", *FIELD_CPTR(c, f, int) ? "yes" : "no");
        break;
    default:
        snprintf(buf, n, "%s", *FIELD_CPTR(c, f, char *));
        break;
    }
    return buf;
}

bool imt_field_equal(const imt_case *a, const imt_case *b, int f)
{
    bool ka = imt_field_is_known(a, f), kb = imt_field_is_known(b, f);
    if (ka != kb)
        return false;
    if (!ka)
        return true;
    switch (imt_fields[f].type) {
    case FT_DEC: case FT_INT:
        return FIELD_CPTR(a, f, imt_num)->v == FIELD_CPTR(b, f, imt_num)->v;
    case FT_ENUM: case FT_BOOL:
        return *FIELD_CPTR(a, f, int) == *FIELD_CPTR(b, f, int);
    default:
        return strcmp(*FIELD_CPTR(a, f, char *), *FIELD_CPTR(b, f, char *)) == 0;
    }
}

/* --- single-cell validation ------------------------------------------- */

#define FAIL(...) do { snprintf(err, errn, __VA_ARGS__); return -1; } while (0)

/* Plain decimal: optional sign, digits, optional '.' and digits.  Nothing
 * else: no exponent, no nan/inf, no thousands or decimal comma. */
static int parse_plain_number(const char *s, bool integral, double *out,
                              char *err, size_t errn)
{
    const char *p = s;
    /* digits: all of them; sig: from the first non-zero one; lead: places
     * after the '.' before the first non-zero digit.  The limit is on sig
     * and lead, not on digits: format_number writes 0.000...02 with a "0"
     * before the '.' that the import may not have had (".000...02"), so a
     * limit on every digit refused the export of a value it had taken. */
    int digits = 0, sig = 0, lead = 0;
    if (*p == '+' || *p == '-')
        p++;
    while (a_digit((unsigned char)*p)) {
        if (sig || *p != '0')
            sig++;
        p++;
        digits++;
    }
    if (*p == '.') {
        /* A whole number may carry a zero fraction ("3.0"): spreadsheets
         * and data-frame libraries write integers that way. */
        p++;
        while (a_digit((unsigned char)*p)) {
            if (integral && *p != '0')
                FAIL("'%s' is not a whole number", s);
            if (sig || *p != '0')
                sig++;
            else
                lead++;
            p++;
            digits++;
        }
    }
    if (*p == ',' && digits)
        FAIL("'%s' is not a number: the decimal mark is '.', not ','", s);
    if (*p || digits == 0)
        FAIL("'%s' is not a %s", s, integral ? "whole number" : "decimal number");
    if (sig > 30 || (sig && lead >= 30))
        FAIL("'%s' has too many digits", s);
    /* strtod_l with the C locale: LC_NUMERIC of the user never applies. */
    static locale_t cloc;
    if (!cloc)
        cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    char *end;
    double v = cloc ? strtod_l(s, &end, cloc) : strtod(s, &end);
    if (*end || !isfinite(v))
        FAIL("'%s' is not a finite number", s);
    *out = v;
    return 0;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* The earliest date the store takes (its CHECK constraints say the same). */
#define IMT_FIRST_YEAR 1800

static bool valid_ymd(int y, int m, int d)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12 || d < 1)
        return false;
    return d <= mdays[m - 1] + (m == 2 && leap(y));
}

static bool digits_at(const char *s, const char *pattern)
{
    /* pattern: 'd' = digit, anything else literal */
    for (; *pattern; s++, pattern++) {
        if (*pattern == 'd' ? !a_digit((unsigned char)*s) : *s != *pattern)
            return false;
    }
    return *s == '\0';
}

static int parse_date(const char *s, char *err, size_t errn)
{
    if (!digits_at(s, "dddd-dd-dd"))
        FAIL("'%s' is not a date in YYYY-MM-DD form", s);
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (!valid_ymd(y, m, d))
        FAIL("'%s' is not a real calendar date", s);
    if (y < IMT_FIRST_YEAR)
        FAIL("'%s' is before %d-01-01, the earliest date accepted", s, IMT_FIRST_YEAR);
    /* "Not in the future": today is the user's local date or the UTC date,
     * whichever is later.  UTC alone refused today's date east of
     * Greenwich before UTC midnight (in Sydney until 10 or 11 in the
     * morning). */
    time_t now = time(NULL);
    struct tm tm;
    char today[16], local[16];
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    if (localtime_r(&now, &tm) && strftime(local, sizeof local, "%Y-%m-%d", &tm) == 10 &&
        strcmp(local, today) > 0)
        memcpy(today, local, sizeof today);
    if (strcmp(s, today) > 0)
        FAIL("'%s' is in the future", s);
    return 0;
}

static int parse_timestamp(const char *s, char *err, size_t errn)
{
    if (!digits_at(s, "dddd-dd-ddTdd:dd:ddZ"))
        FAIL("'%s' is not a UTC timestamp in YYYY-MM-DDTHH:MM:SSZ form", s);
    int y = atoi(s), mo = atoi(s + 5), d = atoi(s + 8);
    int h = atoi(s + 11), mi = atoi(s + 14), se = atoi(s + 17);
    if (!valid_ymd(y, mo, d) || h > 23 || mi > 59 || se > 60)
        FAIL("'%s' is not a real date and time", s);
    if (y < IMT_FIRST_YEAR)
        FAIL("'%s' is before %d-01-01, the earliest date accepted", s, IMT_FIRST_YEAR);
    return 0;
}

static int parse_fusion(const char *s, char **canon, char *err, size_t errn)
{
    if (imt_ascii_caseeq(s, "none")) {
        *canon = strdup("none");
        return *canon ? 0 : -1;
    }
    const char *sep = strstr(s, "::");
    if (!sep || sep == s || !sep[2] || strstr(sep + 2, "::"))
        FAIL("'%s' is not 'none' or a fusion written GENE1::GENE2", s);
    for (const char *p = s; *p; p++) {
        if (p == sep) { p++; continue; }
        if (!(a_upper((unsigned char)*p) || a_digit((unsigned char)*p) || *p == '-'))
            FAIL("'%s': gene symbols are upper-case letters, digits and '-' (e.g. TPM3::ALK)", s);
    }
    if (strlen(s) > 64)
        FAIL("fusion text is longer than 64 characters");
    *canon = strdup(s);
    return *canon ? 0 : -1;
}

int imt_field_parse(imt_case *c, int f, const char *text, char *err, size_t errn)
{
    const imt_field *fd = &imt_fields[f];
    if (err && errn)
        err[0] = '\0';
    if (fd->flags & FF_DERIVED)
        FAIL("'%s' is derived by the program and cannot be set", fd->name);

    /* Text kinds are freed and replaced; others are plain values. */
    if (is_text_type(fd->type)) {
        char **slot = FIELD_PTR(c, f, char *);
        char *val = NULL;
        if (*text) {
            switch (fd->type) {
            case FT_ID: {
                size_t n = strlen(text);
                if (n > 32)
                    FAIL("case_id is longer than 32 characters");
                for (const char *p = text; *p; p++)
                    if (!a_alnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
                        FAIL("case_id may hold only A-Z a-z 0-9 . _ - (found '%s')",
                             utf8_valid(text, strlen(text)) ? text : "invalid UTF-8");
                break;
            }
            case FT_FUSION:
                if (parse_fusion(text, &val, err, errn))
                    return -1;
                break;
            case FT_DATE:
                if (parse_date(text, err, errn))
                    return -1;
                break;
            case FT_TIMESTAMP:
                if (parse_timestamp(text, err, errn))
                    return -1;
                break;
            default: {
                size_t n = strlen(text);
                if (!utf8_valid(text, n))
                    FAIL("text is not valid UTF-8");
                size_t cps = utf8_count(text, n);
                if (cps > fd->maxlen)
                    FAIL("text is %zu characters long; the limit is %u", cps, fd->maxlen);
                break;
            }
            }
            if (!val && !(val = strdup(text)))
                FAIL("out of memory");
        }
        free(*slot);
        *slot = val;
        return 0;
    }

    if (!*text) {
        if (fd->type == FT_DEC || fd->type == FT_INT)
            *FIELD_PTR(c, f, imt_num) = (imt_num){ false, 0 };
        else
            *FIELD_PTR(c, f, int) = IMT_UNKNOWN;
        return 0;
    }
    switch (fd->type) {
    case FT_DEC: case FT_INT: {
        double v;
        if (parse_plain_number(text, fd->type == FT_INT, &v, err, errn))
            return -1;
        if (v < fd->min || v > fd->max) {
            char lo[32], hi[32];
            format_number(fd->min, lo, sizeof lo);
            format_number(fd->max, hi, sizeof hi);
            FAIL("%s is out of range (%s to %s)", text, lo, hi);
        }
        *FIELD_PTR(c, f, imt_num) = (imt_num){ true, v };
        return 0;
    }
    case FT_ENUM: {
        int i = imt_enum_find(fd->values, text);
        if (i < 0) {
            char list[256] = "";
            for (int k = 0; fd->values[k]; k++) {
                if (k)
                    strncat(list, ", ", sizeof list - strlen(list) - 1);
                strncat(list, fd->values[k], sizeof list - strlen(list) - 1);
            }
            FAIL("'%s' is not one of: %s",
                 utf8_valid(text, strlen(text)) && strlen(text) < 64 ? text : "(value)", list);
        }
        *FIELD_PTR(c, f, int) = i;
        return 0;
    }
    case FT_BOOL: {
        static const char *const yes[] = { "yes", "y", "true", "1", NULL };
        static const char *const no[] = { "no", "n", "false", "0", NULL };
        if (imt_enum_find(yes, text) >= 0)
            *FIELD_PTR(c, f, int) = 1;
        else if (imt_enum_find(no, text) >= 0)
            *FIELD_PTR(c, f, int) = 0;
        else
            FAIL("'%s' is not a yes/no value (yes, no, y, n, true, false, 1, 0)",
                 utf8_valid(text, strlen(text)) && strlen(text) < 64 ? text : "(value)");
        return 0;
    }
    default:
        FAIL("internal: unhandled field type");
    }
}

int imt_case_crosscheck(const imt_case *c,
                        void (*report)(void *ctx, int field, const char *msg),
                        void *ctx)
{
    int n = 0;
#define BAD(f, msg) do { report(ctx, f, msg); n++; } while (0)
    if (fusion_is_fusion(c->fusion) && c->fusion_method == IMT_UNKNOWN)
        BAD(IMT_F_fusion_method, "required when 'fusion' names a fusion");
    if (!c->fusion && c->fusion_method != IMT_UNKNOWN)
        BAD(IMT_F_fusion_method, "must be empty when 'fusion' is empty (not tested)");
    if (c->recurrence_months.known && c->recurrence != 1)
        BAD(IMT_F_recurrence_months, "requires recurrence = yes");
    if (c->recurrence_months.known && c->followup_months.known &&
        c->recurrence_months.v > c->followup_months.v)
        BAD(IMT_F_recurrence_months, "is later than followup_months");
    if (!c->followup_months.known && c->outcome != IMT_UNKNOWN && c->outcome != OUT_LOST)
        BAD(IMT_F_followup_months,
            (c->outcome == OUT_DOD || c->outcome == OUT_DOC)
                ? "required: a death needs a time (outcome is DOD/DOC)"
                : "required unless outcome is LOST or empty");
#undef BAD
    return n;
}

int imt_field_assign(imt_case *dst, const imt_case *src, int f)
{
    if (is_text_type(imt_fields[f].type)) {
        const char *s = *FIELD_CPTR(src, f, char *);
        char *d = NULL;
        if (s && !(d = strdup(s)))
            return -1;
        char **slot = FIELD_PTR(dst, f, char *);
        free(*slot);
        *slot = d;
    } else if (imt_fields[f].type == FT_DEC || imt_fields[f].type == FT_INT) {
        *FIELD_PTR(dst, f, imt_num) = *FIELD_CPTR(src, f, imt_num);
    } else {
        *FIELD_PTR(dst, f, int) = *FIELD_CPTR(src, f, int);
    }
    return 0;
}

int imt_field_parse_cell(imt_case *c, int f, const char *text, char *err, size_t errn)
{
    const imt_field *fd = &imt_fields[f];
    char *copy = NULL;
    if (fd->type != FT_TEXT) {
        /* blanks around a non-text cell are not part of it; copy only
         * when there are trailing ones (import calls this per cell) */
        while (*text == ' ' || *text == '\t')
            text++;
        size_t n = strlen(text);
        while (n && (text[n - 1] == ' ' || text[n - 1] == '\t'))
            n--;
        if (text[n] != '\0') {
            if (!(copy = strndup(text, n)))
                FAIL("out of memory");
            text = copy;
        }
    }
    int rc;
    if ((fd->flags & FF_REQUIRED) && !*text) {
        snprintf(err, errn, "%s is required; it cannot be empty", fd->name);
        rc = IMT_CELL_EMPTY;
    } else {
        rc = imt_field_parse(c, f, text, err, errn);
    }
    free(copy);
    return rc;
}

typedef struct {
    int  nold;
    int  fold[16];
    char old[16][200];
    int  field;
    char *msg;
    size_t n;
    bool collecting;
} xnew_ctx;

static void xnew_report(void *vctx, int field, const char *msg)
{
    xnew_ctx *x = vctx;
    if (x->collecting) {
        if (x->nold < 16) {
            x->fold[x->nold] = field;
            snprintf(x->old[x->nold++], sizeof x->old[0], "%s", msg);
        }
        return;
    }
    if (x->field >= 0)
        return;
    for (int i = 0; i < x->nold; i++)
        if (x->fold[i] == field && strcmp(x->old[i], msg) == 0)
            return;
    x->field = field;
    snprintf(x->msg, x->n, "%s: %s", imt_fields[field].name, msg);
}

int imt_case_crosscheck_new(const imt_case *before, const imt_case *after,
                            int *field, char *msg, size_t n)
{
    xnew_ctx x;
    memset(&x, 0, sizeof x);
    x.field = -1;
    x.msg = msg;
    x.n = n;
    x.collecting = true;
    if (before)
        imt_case_crosscheck(before, xnew_report, &x);
    x.collecting = false;
    imt_case_crosscheck(after, xnew_report, &x);
    if (x.field < 0)
        return 0;
    if (field)
        *field = x.field;
    return 1;
}
