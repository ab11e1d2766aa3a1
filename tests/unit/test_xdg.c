/* XDG base directories (io/xdg.h): each kind's variable when it is an
 * absolute path; unset, empty or relative -> the default under HOME (the
 * specification: "If an implementation encounters a relative path in any
 * of these variables it should consider the path invalid and ignore
 * it"); HOME unset -> the home directory of the password database. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "io/xdg.h"

static void want(xdg_kind k, const char *rel, const char *expect)
{
    char buf[512];
    assert_int_equal(xdg_path(k, rel, buf, sizeof buf), 0);
    assert_string_equal(buf, expect);
}

static void absolute_variable_used(void **s)
{
    (void)s;
    setenv("HOME", "/home/u", 1);
    setenv("XDG_CONFIG_HOME", "/cfg", 1);
    setenv("XDG_STATE_HOME", "/st", 1);
    setenv("XDG_DATA_HOME", "/data", 1);
    want(XDG_CONFIG, "settings", "/cfg/imtreview/settings");
    want(XDG_STATE, "places", "/st/imtreview/places");
    want(XDG_DATA, "cases.db", "/data/imtreview/cases.db");
}

static void unset_empty_relative_ignored(void **s)
{
    (void)s;
    setenv("HOME", "/home/u", 1);
    unsetenv("XDG_CONFIG_HOME");
    setenv("XDG_STATE_HOME", "", 1);
    setenv("XDG_DATA_HOME", "relative/dir", 1);
    want(XDG_CONFIG, "themes/x.theme", "/home/u/.config/imtreview/themes/x.theme");
    want(XDG_STATE, "places", "/home/u/.local/state/imtreview/places");
    want(XDG_DATA, "cases.db", "/home/u/.local/share/imtreview/cases.db");
}

static void home_from_password_database(void **s)
{
    (void)s;
    unsetenv("HOME");
    unsetenv("XDG_CONFIG_HOME");
    struct passwd *pw = getpwuid(getuid());
    if (!pw || !pw->pw_dir || !*pw->pw_dir)
        skip();
    char expect[512];
    snprintf(expect, sizeof expect, "%s/.config/imtreview/settings", pw->pw_dir);
    want(XDG_CONFIG, "settings", expect);
}

static void too_small_buffer_refused(void **s)
{
    (void)s;
    setenv("XDG_CONFIG_HOME", "/cfg", 1);
    char buf[8];
    assert_int_equal(xdg_path(XDG_CONFIG, "settings", buf, sizeof buf), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(absolute_variable_used),
        cmocka_unit_test(unset_empty_relative_ignored),
        cmocka_unit_test(home_from_password_database),
        cmocka_unit_test(too_small_buffer_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
