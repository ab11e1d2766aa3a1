/* Theme files: every shipped theme parses cleanly and names every role;
 * broken fixtures give the exact file:line; the compiled-in default is
 * themes/default.theme; NO_COLOR and colourless terminals go monochrome.
 * Run from the source tree root (make test does). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tui/theme.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static const char *const shipped[] = {
    "default", "light", "high-contrast", "monochrome"
};

static void test_shipped_parse(void **s)
{
    (void)s;
    for (size_t i = 0; i < 4; i++) {
        char path[256];
        snprintf(path, sizeof path, "themes/%s.theme", shipped[i]);
        theme th;
        if (strcmp(shipped[i], "monochrome") == 0) theme_monochrome(&th);
        else theme_default(&th);
        int e = theme_parse(&th, slurp(path), path);
        if (e) fprintf(stderr, "%s\n", th.error);
        assert_int_equal(e, 0);
        /* decision: every shipped theme names every role explicitly */
        for (int r = 0; r < TR_N; r++) {
            if (!th.role[r].set)
                fprintf(stderr, "%s: role %s missing\n", path,
                        theme_role_name((theme_role)r));
            assert_true(th.role[r].set);
        }
        /* and loads by name through the lookup */
        char msg[400];
        unsetenv("IMTREVIEW_THEMES");
        assert_int_equal(theme_load(&th, shipped[i], false, msg, sizeof msg), 0);
        assert_string_equal(msg, "");
    }
}

static void test_default_matches_file(void **s)
{
    (void)s;
    theme builtin, file;
    theme_default(&builtin);
    theme_default(&file);
    assert_int_equal(theme_parse(&file, slurp("themes/default.theme"),
                                 "default.theme"), 0);
    for (int r = 0; r < TR_N; r++) {
        assert_int_equal(builtin.role[r].fg, file.role[r].fg);
        assert_int_equal(builtin.role[r].bg, file.role[r].bg);
        assert_int_equal(builtin.role[r].attrs, file.role[r].attrs);
    }
}

static void expect_error(const char *fixture, const char *want)
{
    theme th;
    theme_default(&th);
    char path[256];
    snprintf(path, sizeof path, "tests/fixtures/themes/%s", fixture);
    assert_true(theme_parse(&th, slurp(path), path) > 0);
    assert_string_equal(th.error, want);
}

static void test_broken(void **s)
{
    (void)s;
    expect_error("badcolour.theme",
                 "tests/fixtures/themes/badcolour.theme:4: unknown colour 'purpel'");
    expect_error("badrole.theme",
                 "tests/fixtures/themes/badrole.theme:3: unknown role 'list_curser'");
    expect_error("badsyntax.theme",
                 "tests/fixtures/themes/badsyntax.theme:6: colour missing after 'on'");
    expect_error("noequals.theme",
                 "tests/fixtures/themes/noequals.theme:1: expected 'role = colour ...', got 'normal'");
    expect_error("badnumber.theme",
                 "tests/fixtures/themes/badnumber.theme:1: unknown colour '256'");
    /* the ESC of a hostile theme file never reaches the status line */
    expect_error("escape.theme",
                 "tests/fixtures/themes/escape.theme:1: unknown colour '?]0;pwned?'");
}

static void test_load_broken_falls_back(void **s)
{
    (void)s;
    setenv("IMTREVIEW_THEMES", "tests/fixtures/themes", 1);
    theme th, def;
    char msg[400];
    assert_int_equal(theme_load(&th, "badcolour", false, msg, sizeof msg), -1);
    /* the file's base name: the whole message fits an 80-column status
     * line next to "N of M cases" */
    assert_string_equal(msg, "badcolour.theme:4: "
                             "unknown colour 'purpel'; using default");
    theme_default(&def);
    assert_memory_equal(th.role, def.role, sizeof def.role);
    assert_int_equal(theme_load(&th, "nosuch", false, msg, sizeof msg), -1);
    assert_string_equal(msg, "theme 'nosuch' not found; using default");
    assert_int_equal(theme_load(&th, "../etc/passwd", false, msg, sizeof msg),
                     -1);
    unsetenv("IMTREVIEW_THEMES");
}

static void test_no_color(void **s)
{
    (void)s;
    theme th;
    char msg[400];
    assert_int_equal(theme_load(&th, "default", true, msg, sizeof msg), 0);
    assert_true(th.mono);
    theme_resolved rv = theme_resolve(&th, TR_LIST_CURSOR, true, 256);
    assert_false(rv.use_color);
    assert_int_equal(rv.attrs, TA_REVERSE);
    /* a colour theme on a terminal without colours: monochrome table */
    theme_default(&th);
    rv = theme_resolve(&th, TR_LIST_CURSOR, false, 0);
    assert_false(rv.use_color);
    assert_int_equal(rv.attrs, TA_REVERSE);
    rv = theme_resolve(&th, TR_STATUS, false, 0);
    assert_int_equal(rv.attrs, TA_REVERSE);
    /* NO_COLOR counts when set to the empty string */
    setenv("NO_COLOR", "", 1);
    assert_true(theme_no_color_env());
    unsetenv("NO_COLOR");
    assert_false(theme_no_color_env());
}

static void test_colour_fallback(void **s)
{
    (void)s;
    theme th;
    theme_default(&th);
    assert_int_equal(theme_parse(&th, "normal = bright-red on 200\n"
                                      "header = 45 bold\n", "t"), 0);
    theme_resolved rv = theme_resolve(&th, TR_NORMAL, true, 8);
    assert_true(rv.use_color);
    assert_int_equal(rv.fg, 1);           /* bright red -> red + bold */
    assert_int_equal(rv.attrs, TA_BOLD);
    assert_int_equal(rv.bg, 200 % 8);
    rv = theme_resolve(&th, TR_NORMAL, true, 256);
    assert_int_equal(rv.fg, 9);
    assert_int_equal(rv.bg, 200);
    rv = theme_resolve(&th, TR_HEADER, true, 256);
    assert_int_equal(rv.fg, 45);
    assert_int_equal(rv.attrs, TA_BOLD);
}

static void test_role_names(void **s)
{
    (void)s;
    for (int r = 0; r < TR_N; r++)
        assert_int_equal(theme_role_from_name(theme_role_name((theme_role)r)),
                         r);
    assert_int_equal(theme_role_from_name("nope"), -1);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_shipped_parse),
        cmocka_unit_test(test_default_matches_file),
        cmocka_unit_test(test_broken),
        cmocka_unit_test(test_load_broken_falls_back),
        cmocka_unit_test(test_no_color),
        cmocka_unit_test(test_colour_fallback),
        cmocka_unit_test(test_role_names),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
