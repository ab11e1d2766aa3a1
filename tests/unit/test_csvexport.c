/* Unit tests for the CSV writer (csvexport) and the import/export
 * commands over a real store: quoting, spreadsheet-safe cells, the header
 * in dictionary order, HMAC-SHA-256 against RFC 4231, pseudonyms against
 * Python's hmac module, round trips (import -> export -> import gives the
 * same data; export -> import -> export the same bytes), all-or-nothing
 * imports, dry runs, audited updates and atomic -o. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "io/csvexport.h"
#include "io/csvimport.h"
#include "core/imtcase.h"
#include "store/store.h"

#ifndef FIXTURES
#define FIXTURES "tests/fixtures/csv"
#endif

/* --- helpers ------------------------------------------------------------- */

static char *cell(const char *s, bool excel)
{
    char *b = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&b, &n);
    assert_int_equal(csvexp_cell(m, s, excel), 0);
    fclose(m);
    return b;
}

static void cell_is(const char *in, bool excel, const char *want)
{
    char *got = cell(in, excel);
    if (strcmp(got, want) != 0)
        fail_msg("cell [%s]%s: got [%s], want [%s]", in, excel ? " excel" : "", got, want);
    free(got);
}

static void hex(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

/* Read CSV text into a list of cases (through the real reader). */
typedef struct {
    imt_case *v;
    int n, cap;
} caselist;

static int collect(void *ctx, csvimp *imp, imt_case *c, const bool *present, long line)
{
    (void)imp; (void)present; (void)line;
    caselist *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, (size_t)l->cap * sizeof *l->v);
        assert_non_null(l->v);
    }
    assert_int_equal(imt_case_copy(&l->v[l->n++], c), 0);
    return 0;
}

static int read_csv(FILE *in, const char *name, caselist *l)
{
    char *err = NULL;
    size_t en = 0;
    FILE *ef = open_memstream(&err, &en);
    csvimp_opts o = { .filename = name, .err = ef, .record = collect, .ctx = l };
    int rc = csvimp_run(in, &o, NULL);
    fclose(ef);
    /* Notes about the derived columns are expected on re-import. */
    if (rc != 0)
        fprintf(stderr, "%s", err);
    free(err);
    return rc;
}

static void free_list(caselist *l)
{
    for (int i = 0; i < l->n; i++)
        imt_case_clear(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static char *export_list(const caselist *l, const csvexp_opts *o)
{
    char *b = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&b, &n);
    assert_int_equal(csvexp_header(m, o), 0);
    for (int i = 0; i < l->n; i++)
        assert_int_equal(csvexp_row(m, &l->v[i], o), 0);
    fclose(m);
    return b;
}

static void same_cases(const caselist *a, const caselist *b)
{
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < a->n; i++)
        for (int f = 0; f < IMT_F_COUNT; f++) {
            if (imt_fields[f].flags & FF_DERIVED)
                continue;
            if (!imt_field_equal(&a->v[i], &b->v[i], f))
                fail_msg("case %d (%s): field %s differs after the round trip", i,
                         a->v[i].case_id, imt_fields[f].name);
        }
}

/* --- writer ------------------------------------------------------------- */

static void test_quoting(void **state)
{
    (void)state;
    cell_is("", false, "");
    cell_is("plain", false, "plain");
    cell_is("a,b", false, "\"a,b\"");
    cell_is("say \"hi\"", false, "\"say \"\"hi\"\"\"");
    cell_is("two\nlines", false, "\"two\nlines\"");
    cell_is("cr\rhere", false, "\"cr\rhere\"");
    cell_is(" lead", false, "\" lead\"");
    cell_is("trail\t", false, "\"trail\t\"");
    cell_is("in side", false, "in side");
    cell_is("\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80", false, "\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80");
    cell_is("=1+1", false, "=1+1");
    /* --excel-safe: a leading ' for = + - @ TAB CR, quoting as needed. */
    cell_is("=1+1", true, "'=1+1");
    cell_is("+49 30", true, "'+49 30");
    cell_is("-2", true, "'-2");
    cell_is("@SUM(A1)", true, "'@SUM(A1)");
    cell_is("\tx", true, "'\tx");
    cell_is("\rx", true, "\"'\rx\"");
    cell_is("=HYPERLINK(\"x\",\"y\")", true, "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
    cell_is("a=b", true, "a=b");
    cell_is("12.5", true, "12.5");
}

static void test_header(void **state)
{
    (void)state;
    /* Column order of data-dictionary.md, then the two derived columns. */
    static const char want[] =
        "case_id,age_years,sex,site,site_detail,diagnosis_date,size_cm,multifocal,"
        "metastatic,invasive_growth,imaging,suv_max,histology,necrosis,mitoses_10hpf,"
        "alk_ihc,alk_ihc_pattern,alk_fish,fusion,fusion_method,ros1_ihc,pdl1_tps,"
        "ki67_pct,sma,desmin,cytokeratin,s100,cd117,dog1,igg4_igg_ratio,igg4_per_hpf,"
        "nlr,resectable,surgery,radiotherapy_gy,chemotherapy,steroids,nsaid,targeted,"
        "immunotherapy,recurrence,recurrence_months,outcome,followup_months,notes,"
        "review_status,reviewer,reviewed_at,alk_status,alk_confirmed,"
        "icd_o_3_morphology,oncotree_code\n";
    char *b = NULL;
    size_t n = 0;
    csvexp_opts o = { 0 };
    FILE *m = open_memstream(&b, &n);
    csvexp_header(m, &o);
    fclose(m);
    assert_string_equal(b, want);
    free(b);

    o.deidentify = true;
    m = open_memstream(&b, &n);
    csvexp_header(m, &o);
    fclose(m);
    assert_null(strstr(b, "notes"));
    assert_null(strstr(b, "reviewer"));
    assert_null(strstr(b, "diagnosis_date"));
    /* Safe Harbor: every free-text column and every date dropped */
    assert_non_null(strstr(b, "case_id,age_years,sex,site,size_cm,"));
    assert_null(strstr(b, "site_detail"));
    assert_null(strstr(b, "imaging"));
    assert_null(strstr(b, "chemotherapy"));
    assert_null(strstr(b, "immunotherapy"));
    assert_null(strstr(b, "reviewed_at"));
    assert_non_null(strstr(b, ",followup_months,review_status,alk_status,"));
    free(b);
    /* --keep-free-text: the free text back, never reviewer or a date */
    o.keep_free_text = true;
    m = open_memstream(&b, &n);
    csvexp_header(m, &o);
    fclose(m);
    assert_non_null(strstr(b, "case_id,age_years,sex,site,site_detail,size_cm,"));
    assert_non_null(strstr(b, ",notes,review_status,alk_status,"));
    assert_null(strstr(b, "reviewer"));
    assert_null(strstr(b, "diagnosis_date"));
    free(b);
}

static void test_hmac_rfc4231(void **state)
{
    (void)state;
    unsigned char mac[32];
    char h[65];
    unsigned char k1[20];
    memset(k1, 0x0b, sizeof k1);
    csvexp_hmac_sha256(k1, sizeof k1, "Hi There", 8, mac);
    hex(mac, 32, h);
    assert_string_equal(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    csvexp_hmac_sha256((const unsigned char *)"Jefe", 4, "what do ya want for nothing?", 28, mac);
    hex(mac, 32, h);
    assert_string_equal(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    unsigned char k6[131];
    memset(k6, 0xaa, sizeof k6);
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    csvexp_hmac_sha256(k6, sizeof k6, m6, strlen(m6), mac);
    hex(mac, 32, h);
    assert_string_equal(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_pseudonym(void **state)
{
    (void)state;
    unsigned char key[32];
    for (int i = 0; i < 32; i++)
        key[i] = (unsigned char)i;
    char p[CSVEXP_PSEUDONYM_LEN + 1];
    /* python3: 'P' + hmac.new(bytes(range(32)), b'A-001', 'sha256').hexdigest()[:16] */
    csvexp_pseudonym(key, "A-001", p);
    assert_string_equal(p, "P9083f3ea1e53a0f8");
    csvexp_pseudonym(key, "Q1", p);
    assert_string_equal(p, "P1ab602e7aa679bbb");
    /* A pseudonym is itself a valid case_id (it re-imports). */
    imt_case c;
    imt_case_init(&c);
    char err[128];
    assert_int_equal(imt_field_parse(&c, IMT_F_case_id, p, err, sizeof err), 0);

    /* A case that is already deidentified (pseudonym-form id, no notes,
     * reviewer or diagnosis date: it came from a --deidentify export)
     * keeps its id, so export -> import -> export is byte-identical. */
    char q[CSVEXP_PSEUDONYM_LEN + 1];
    csvexp_case_pseudonym(key, &c, q);
    assert_string_equal(q, "P1ab602e7aa679bbb");
    /* ... but not when it holds identifying data, */
    assert_int_equal(imt_field_parse(&c, IMT_F_notes, "x", err, sizeof err), 0);
    csvexp_case_pseudonym(key, &c, q);
    assert_string_not_equal(q, "P1ab602e7aa679bbb");
    assert_int_equal(imt_field_parse(&c, IMT_F_notes, "", err, sizeof err), 0);
    /* nor when the id only looks similar (upper-case hex, other length). */
    assert_int_equal(imt_field_parse(&c, IMT_F_case_id, "P1AB602E7AA679BBB", err, sizeof err), 0);
    csvexp_case_pseudonym(key, &c, q);
    assert_string_not_equal(q, "P1AB602E7AA679BBB");
    assert_int_equal(imt_field_parse(&c, IMT_F_case_id, "A-001", err, sizeof err), 0);
    csvexp_case_pseudonym(key, &c, q);
    assert_string_equal(q, "P9083f3ea1e53a0f8");
    imt_case_clear(&c);
}

static void test_derived_and_deidentified_row(void **state)
{
    (void)state;
    FILE *in = fopen(FIXTURES "/valid_basic.csv", "rb");
    assert_non_null(in);
    caselist l = { 0 };
    assert_int_equal(read_csv(in, "valid_basic.csv", &l), 0);
    fclose(in);
    csvexp_opts o = { 0 };
    char *out = export_list(&l, &o);
    /* Written by hand from the fixture: every absent column empty, the
     * derived ALK status from FISH positive + TPM3::ALK = positive,
     * confirmed; A-002: fusion none + IHC negative = negative. */
    assert_non_null(strstr(out,
        "\nA-001,34,F,lung,right lower lobe,2019-03-04,4.5,,,,,,,,,positive,,positive,"
        "TPM3::ALK,ngs_rna,,,,,,,,,,,,,,,,,,,,,no,,NED,60.5,plain note,unreviewed,,,positive,yes,8825/1,IMT\n"));
    assert_non_null(strstr(out,
        "\nA-002,0.5,M,head_neck,maxillary sinus; orbit,2020-11-30,2,,,,,,,,,negative,,,"
        "none,,,,,,,,,,,,,,,,,,,,,,yes,12,AWD,24,,unreviewed,,,negative,no,8825/1,IMT\n"));
    free(out);

    o.deidentify = true;
    for (int i = 0; i < 32; i++)
        o.key[i] = (unsigned char)i;
    out = export_list(&l, &o);
    assert_null(strstr(out, "A-001"));
    assert_null(strstr(out, "2019-03-04"));
    assert_null(strstr(out, "plain note"));
    assert_null(strstr(out, "right lower lobe"));
    assert_non_null(strstr(out, "\nP9083f3ea1e53a0f8,34,F,lung,4.5,"));
    free(out);
    o.keep_free_text = true;
    out = export_list(&l, &o);
    assert_non_null(strstr(out, "\nP9083f3ea1e53a0f8,34,F,lung,right lower lobe,4.5,"));
    assert_non_null(strstr(out, "plain note"));
    assert_null(strstr(out, "2019"));
    free(out);
    /* ages of 90 and over as 90 (Safe Harbor), 89.9 as it is */
    o.keep_free_text = false;
    l.v[0].age_years.v = 97;
    l.v[1].age_years.v = 89.9;
    out = export_list(&l, &o);
    assert_non_null(strstr(out, "\nP9083f3ea1e53a0f8,90,F,lung,4.5,"));
    assert_non_null(strstr(out, ",89.9,M,head_neck,"));
    assert_null(strstr(out, ",97,"));
    free(out);
    free_list(&l);
}

/* import -> export -> import: same data; export -> import -> export: same
 * bytes. */
static void round_trip_text(const char *csv, size_t n, const char *name)
{
    FILE *in = fmemopen((void *)csv, n, "rb");
    caselist a = { 0 }, b = { 0 }, c = { 0 };
    assert_int_equal(read_csv(in, name, &a), 0);
    fclose(in);
    csvexp_opts o = { 0 };
    char *e1 = export_list(&a, &o);
    in = fmemopen(e1, strlen(e1), "rb");
    assert_int_equal(read_csv(in, "export1", &b), 0);
    fclose(in);
    same_cases(&a, &b);
    char *e2 = export_list(&b, &o);
    assert_string_equal(e1, e2);
    in = fmemopen(e2, strlen(e2), "rb");
    assert_int_equal(read_csv(in, "export2", &c), 0);
    fclose(in);
    char *e3 = export_list(&c, &o);
    assert_string_equal(e2, e3);
    free(e1);
    free(e2);
    free(e3);
    free_list(&a);
    free_list(&b);
    free_list(&c);
}

static void test_round_trip_fixtures(void **state)
{
    (void)state;
    const char *files[] = { "valid_basic.csv", "valid_quoted.csv", "valid_control_chars.csv",
                            "valid_crlf.csv", "valid_bom_quoted_header.csv",
                            "valid_spaces_case.csv", "valid_header_only.csv" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, FIXTURES "/%s", files[i]);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        char *buf = malloc(1 << 16);
        size_t n = fread(buf, 1, 1 << 16, f);
        fclose(f);
        round_trip_text(buf, n, files[i]);
        free(buf);
    }
}

/* Random hostile-but-valid text in every free-text column. */
static void test_round_trip_random(void **state)
{
    (void)state;
    static const char *const bits[] = {
        ",", "\"", "\"\"", "\n", "\r\n", "\r", "\t", " ", "  ", "a", "Z", "0", "=", "+",
        "-", "@", "'", "\x1b[2J", "\x7f", "\x01", "\xc2\x85", "\xe4\xb8\xad",
        "\xe7\x98\xa4", "\xf0\x9f\x98\x80", "\xf0\x9f\xa7\xac", "\xe2\x80\xae", ";" };
    const int nb = (int)(sizeof bits / sizeof bits[0]);
    const int text_fields[] = { IMT_F_site_detail, IMT_F_imaging, IMT_F_chemotherapy,
                                IMT_F_targeted, IMT_F_immunotherapy, IMT_F_notes,
                                IMT_F_reviewer };
    unsigned seed = 12345;
    char *b = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&b, &n);
    fputs("case_id,site,age_years,size_cm,ki67_pct,site_detail,imaging,chemotherapy,"
          "targeted,immunotherapy,notes,reviewer\n", m);
    for (int r = 0; r < 300; r++) {
        fprintf(m, "R%03d,lung,%d.%d,%d.%02d,%d", r, r % 100, r % 10, 1 + r % 50, r % 100,
                r % 101);
        for (size_t t = 0; t < sizeof text_fields / sizeof text_fields[0]; t++) {
            unsigned lim = imt_fields[text_fields[t]].maxlen;
            char txt[512] = "";
            size_t chars = 0;
            seed = seed * 1103515245u + 12345u;
            int k = (int)((seed >> 16) % 12);
            for (int j = 0; j < k && chars + 1 < lim && strlen(txt) < 400; j++) {
                seed = seed * 1103515245u + 12345u;
                strcat(txt, bits[(seed >> 16) % (unsigned)nb]);
                chars += 2;
            }
            fputc(',', m);
            fputc('"', m);
            for (char *p = txt; *p; p++) {
                if (*p == '"')
                    fputc('"', m);
                fputc(*p, m);
            }
            fputc('"', m);
        }
        fputc('\n', m);
    }
    fclose(m);
    round_trip_text(b, n, "random.csv");
    free(b);
}

/* --- the commands over a real store --------------------------------------- */

typedef struct {
    char dir[64];
    char db[128];
    imt_app app;
    char *out, *err;
    size_t outn, errn;
} env;

static int env_setup(void **state)
{
    env *e = calloc(1, sizeof *e);
    strcpy(e->dir, "/tmp/imt-csvtest-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    snprintf(e->db, sizeof e->db, "%s/t.db", e->dir);
    *state = e;
    return 0;
}

static int env_teardown(void **state)
{
    env *e = *state;
    app_close(&e->app);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
    if (system(cmd)) {}
    free(e->out);
    free(e->err);
    free(e);
    return 0;
}

/* Run a command with a fresh app (each command opens the store itself,
 * as in the binary); argv as a NULL-terminated list. */
static int run(env *e, int (*cmd)(imt_app *, int, char **), ...)
{
    char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, cmd);
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 15;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    free(e->out);
    free(e->err);
    memset(&e->app, 0, sizeof e->app);
    e->app.db_path = e->db;
    e->app.user = "tester";
    e->app.progname = "imtreview";
    e->app.out = open_memstream(&e->out, &e->outn);
    e->app.err = open_memstream(&e->err, &e->errn);
    optind = 0;
    int rc = cmd(&e->app, argc, argv);
    fclose(e->app.out);
    fclose(e->app.err);
    e->app.out = e->app.err = NULL;
    app_close(&e->app);
    return rc;
}

static char *export_now(env *e)
{
    int rc = run(e, cmd_export, "export", (char *)NULL);
    assert_int_equal(rc, EXIT_OK);
    return strdup(e->out);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_import_all_or_nothing(void **state)
{
    env *e = *state;
    int rc = run(e, cmd_import, "import", FIXTURES "/valid_basic.csv", (char *)NULL);
    if (rc != 0)
        fail_msg("import failed: %s", e->err);
    assert_string_equal(e->out, FIXTURES "/valid_basic.csv: 3 added, 0 updated, 0 unchanged\n");
    char *before = export_now(e);

    /* Every hostile fixture, including ones whose first rows are valid
     * (field_count.csv, dup_ids.csv, quote_in_unquoted.csv, ...), is
     * refused with exit 1 and leaves the data exactly as it was. */
    DIR *d = opendir(FIXTURES);
    assert_non_null(d);
    int tried = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        if (de->d_name[0] == '.' || strncmp(de->d_name, "valid_", 6) == 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, FIXTURES "/%s", de->d_name);
        rc = run(e, cmd_import, "import", path, (char *)NULL);
        if (rc != EXIT_FAIL)
            fail_msg("%s: exit %d, want 1", de->d_name, rc);
        assert_string_equal(e->out, "");
        assert_non_null(strstr(e->err, "nothing was imported"));
        char *after = export_now(e);
        if (strcmp(before, after) != 0)
            fail_msg("%s changed the database", de->d_name);
        free(after);
        tried++;
    }
    closedir(d);
    assert_true(tried >= 15);

    /* The same file again: the ids exist, so it is refused whole. */
    rc = run(e, cmd_import, "import", FIXTURES "/valid_basic.csv", (char *)NULL);
    assert_int_equal(rc, EXIT_FAIL);
    assert_non_null(strstr(e->err, "valid_basic.csv:2: column 'case_id': 'A-001' already "
                                   "exists in the database (use --update to change it)"));
    assert_non_null(strstr(e->err, "valid_basic.csv:4: column 'case_id': 'A-003' already exists"));

    /* New rows first, then an existing id: the new rows are not kept. */
    char path[256];
    snprintf(path, sizeof path, "%s/mixed.csv", e->dir);
    write_file(path, "case_id,site\nNEW1,lung\nNEW2,cns\nA-002,lung\n");
    rc = run(e, cmd_import, "import", path, (char *)NULL);
    assert_int_equal(rc, EXIT_FAIL);
    char *after = export_now(e);
    assert_string_equal(before, after);
    free(after);
    free(before);
}

static void test_import_dry_run(void **state)
{
    env *e = *state;
    /* No database yet: a dry run must not even create the file. */
    int rc = run(e, cmd_import, "import", "--dry-run", FIXTURES "/valid_quoted.csv", (char *)NULL);
    assert_int_equal(rc, EXIT_OK);
    assert_string_equal(e->out, FIXTURES "/valid_quoted.csv: dry run: would add 4, update 0, "
                                "leave 0 unchanged; nothing written\n");
    struct stat st;
    assert_int_not_equal(stat(e->db, &st), 0);

    rc = run(e, cmd_import, "import", FIXTURES "/valid_basic.csv", (char *)NULL);
    assert_int_equal(rc, EXIT_OK);
    char *before = export_now(e);
    char path[256];
    snprintf(path, sizeof path, "%s/upd.csv", e->dir);
    write_file(path, "case_id,site,notes\nA-001,lung,changed\nA-002,head_neck,\nA-009,cns,new\n");
    rc = run(e, cmd_import, "import", "--dry-run", "--update", path, (char *)NULL);
    assert_int_equal(rc, EXIT_OK);
    char want[512];
    snprintf(want, sizeof want, "%s: dry run: would add 1, update 1, leave 1 unchanged; "
             "nothing written\n", path);
    assert_string_equal(e->out, want);
    char *after = export_now(e);
    assert_string_equal(before, after);
    free(after);

    /* A dry run of a bad file reports and writes nothing. */
    rc = run(e, cmd_import, "import", "--dry-run", FIXTURES "/dup_ids.csv", (char *)NULL);
    assert_int_equal(rc, EXIT_FAIL);
    assert_string_equal(e->out, "");
    assert_non_null(strstr(e->err, "dup_ids.csv:5: column 'case_id'"));
    /* ... and an existing id without --update is named in a dry run too. */
    rc = run(e, cmd_import, "import", "--dry-run", FIXTURES "/valid_basic.csv", (char *)NULL);
    assert_int_equal(rc, EXIT_FAIL);
    assert_non_null(strstr(e->err, "valid_basic.csv:3: column 'case_id': 'A-002' already exists"));
    after = export_now(e);
    assert_string_equal(before, after);
    free(after);
    free(before);
}

typedef struct {
    char fields[16][32];
    int n;
    long long min_seq;
} audit_sink;

static int audit_cb(void *ctx, const imt_audit *a)
{
    audit_sink *s = ctx;
    if (a->seq <= s->min_seq)
        return 0;
    if (s->n < 16)
        snprintf(s->fields[s->n], sizeof s->fields[0], "%s", a->field);
    s->n++;
    return 0;
}

static int last_seq_cb(void *ctx, const imt_audit *a)
{
    *(long long *)ctx = a->seq;
    return 0;
}

static void test_import_update(void **state)
{
    env *e = *state;
    int rc = run(e, cmd_import, "import", FIXTURES "/valid_basic.csv", (char *)NULL);
    assert_int_equal(rc, EXIT_OK);
    /* Remember where the audit trail stands. */
    char err[256];
    imt_store *st = store_open(e->db, 0, "tester", err, sizeof err);
    assert_non_null(st);
    long long seq = 0;
    store_audit_foreach(st, NULL, last_seq_cb, &seq);
    store_close(st);

    char path[256];
    snprintf(path, sizeof path, "%s/upd.csv", e->dir);
    /* A-001: age and notes change; A-002: same values; A-010: new.  The
     * file has no diagnosis_date column: A-001's date must survive. */
    write_file(path,
        "case_id,site,age_years,notes\n"
        "A-001,lung,35,\"new note, with comma\"\n"
        "A-002,head_neck,0.5,\n"
        "A-010,other,,\n");
    rc = run(e, cmd_import, "import", path, (char *)NULL);
    assert_int_equal(rc, EXIT_FAIL);              /* without --update */
    rc = run(e, cmd_import, "import", "--update", path, (char *)NULL);
    if (rc != EXIT_OK)
        fail_msg("update failed: %s", e->err);
    char want[512];
    snprintf(want, sizeof want, "%s: 1 added, 1 updated, 1 unchanged\n", path);
    assert_string_equal(e->out, want);

    st = store_open(e->db, 0, "tester", err, sizeof err);
    assert_non_null(st);
    audit_sink s = { .min_seq = seq };
    store_audit_foreach(st, "A-001", audit_cb, &s);
    assert_int_equal(s.n, 2);
    bool age = false, notes = false;
    for (int i = 0; i < s.n && i < 16; i++) {
        age |= strcmp(s.fields[i], "age_years") == 0;
        notes |= strcmp(s.fields[i], "notes") == 0;
    }
    assert_true(age && notes);
    audit_sink s2 = { .min_seq = seq };
    store_audit_foreach(st, "A-002", audit_cb, &s2);
    assert_int_equal(s2.n, 0);
    imt_case c;
    assert_int_equal(store_get(st, "A-001", &c), STORE_OK);
    assert_true(c.age_years.v == 35.0);
    assert_string_equal(c.notes, "new note, with comma");
    assert_string_equal(c.diagnosis_date, "2019-03-04");   /* absent column kept */
    assert_string_equal(c.fusion, "TPM3::ALK");
    imt_case_clear(&c);
    store_close(st);

    /* An update whose merged record breaks a cross-field rule is refused:
     * A-002 has recurrence yes at 12 months; follow-up 6 < 12. */
    write_file(path, "case_id,site,followup_months\nA-002,head_neck,6\n");
    rc = run(e, cmd_import, "import", "--update", path, (char *)NULL);
    assert_int_equal(rc, EXIT_FAIL);
    snprintf(want, sizeof want, "%s:2: column 'recurrence_months': is later than followup_months", path);
    assert_non_null(strstr(e->err, want));
}

static void test_export_file_atomic(void **state)
{
    env *e = *state;
    int rc = run(e, cmd_import, "import", FIXTURES "/valid_quoted.csv", (char *)NULL);
    assert_int_equal(rc, EXIT_OK);
    char *stdout_copy = export_now(e);

    char path[256];
    snprintf(path, sizeof path, "%s/out.csv", e->dir);
    rc = run(e, cmd_export, "export", "-o", path, (char *)NULL);
    assert_int_equal(rc, EXIT_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    FILE *f = fopen(path, "rb");
    char *got = calloc(1, 1 << 16);
    assert_true(fread(got, 1, (1 << 16) - 1, f) > 0);
    fclose(f);
    assert_string_equal(got, stdout_copy);
    free(got);

    /* An existing file keeps its mode. */
    chmod(path, 0640);
    rc = run(e, cmd_export, "export", "-o", path, (char *)NULL);
    assert_int_equal(rc, EXIT_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);

    /* A write that fails half way (file size limit = a full disk) leaves
     * the old file whole and no temporary file behind. */
    write_file(path, "old content\n");
    /* The store is opened before the limit so that only the export's own
     * writes meet it. */
    free(e->out);
    free(e->err);
    memset(&e->app, 0, sizeof e->app);
    e->app.db_path = e->db;
    e->app.user = "tester";
    e->app.progname = "imtreview";
    e->app.out = open_memstream(&e->out, &e->outn);
    e->app.err = open_memstream(&e->err, &e->errn);
    assert_int_equal(app_open_store(&e->app), EXIT_OK);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim.rlim_cur = 100;
    lim.rlim_max = old.rlim_max;
    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &lim);
    char *av[] = { "export", "-o", path, NULL };
    optind = 0;
    rc = cmd_export(&e->app, 3, av);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, SIG_DFL);
    fclose(e->app.out);
    fclose(e->app.err);
    e->app.out = e->app.err = NULL;
    app_close(&e->app);
    assert_int_equal(rc, EXIT_FAIL);
    assert_non_null(strstr(e->err, "the file is unchanged"));
    f = fopen(path, "rb");
    char small[64] = "";
    assert_true(fread(small, 1, sizeof small - 1, f) > 0);
    fclose(f);
    assert_string_equal(small, "old content\n");
    DIR *d = opendir(e->dir);
    for (struct dirent *de; (de = readdir(d)) != NULL;)
        if (strncmp(de->d_name, ".out.csv.", 9) == 0)
            fail_msg("temporary file %s left behind", de->d_name);
    closedir(d);

    /* A directory that does not exist: error, nothing created. */
    char bad[300];
    snprintf(bad, sizeof bad, "%s/no/such/dir/x.csv", e->dir);
    rc = run(e, cmd_export, "export", "-o", bad, (char *)NULL);
    assert_int_equal(rc, EXIT_FAIL);

    /* /dev/full: a device is written directly, and the error is seen. */
    rc = run(e, cmd_export, "export", "-o", "/dev/full", (char *)NULL);
    assert_int_equal(rc, EXIT_FAIL);
    free(stdout_copy);
}

static void test_export_filters_deidentify(void **state)
{
    env *e = *state;
    int rc = run(e, cmd_import, "import", FIXTURES "/valid_basic.csv", (char *)NULL);
    assert_int_equal(rc, EXIT_OK);
    rc = run(e, cmd_export, "export", "--site", "head_neck", (char *)NULL);
    assert_int_equal(rc, EXIT_OK);
    /* header + A-002 only */
    assert_non_null(strstr(e->out, "\nA-002,"));
    assert_null(strstr(e->out, "A-001"));
    assert_null(strstr(e->out, "A-003"));
    rc = run(e, cmd_export, "export", "--site", "mars", (char *)NULL);
    assert_int_equal(rc, EXIT_USAGE);

    rc = run(e, cmd_export, "export", "--deidentify", (char *)NULL);
    assert_int_equal(rc, EXIT_OK);
    char *d1 = strdup(e->out);
    rc = run(e, cmd_export, "export", "--deidentify", (char *)NULL);
    assert_int_equal(rc, EXIT_OK);
    assert_string_equal(d1, e->out);        /* stable */
    assert_null(strstr(d1, "A-00"));
    assert_null(strstr(d1, "plain note"));
    assert_null(strstr(d1, "2019-03-04"));
    /* The pseudonym is HMAC-SHA-256 under the database's own key. */
    unsigned char key[32];
    char err[256];
    imt_store *st = store_open(e->db, 0, "tester", err, sizeof err);
    assert_int_equal(store_secret(st, key), STORE_OK);
    store_close(st);
    char p[CSVEXP_PSEUDONYM_LEN + 1];
    csvexp_pseudonym(key, "A-001", p);
    char want[64];
    snprintf(want, sizeof want, "\n%s,34,F,lung,", p);
    assert_non_null(strstr(d1, want));
    free(d1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_pseudonym),
        cmocka_unit_test(test_derived_and_deidentified_row),
        cmocka_unit_test(test_round_trip_fixtures),
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test_setup_teardown(test_import_all_or_nothing, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_import_dry_run, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_import_update, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_export_file_atomic, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_export_filters_deidentify, env_setup, env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
