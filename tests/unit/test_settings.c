/* Settings file: round trip, unknown keys kept, bad lines warned about,
 * atomic save (old content intact and no temp file left when the write
 * fails), directory created 0700. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "io/settings.h"

static char dir[256];

static int setup(void **s)
{
    (void)s;
    snprintf(dir, sizeof dir, "/tmp/imt-settings-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **s)
{
    (void)s;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s'; rm -rf '%s'", dir, dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int count_entries(const char *d)
{
    DIR *dp = opendir(d);
    assert_non_null(dp);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dp)))
        if (e->d_name[0] != '.') n++;
    closedir(dp);
    return n;
}

static void test_round_trip_unknown_kept(void **st)
{
    (void)st;
    char path[400];
    snprintf(path, sizeof path, "%s/rt/imtreview/settings", dir);
    settings s;
    assert_int_equal(settings_load(&s, path), 0);    /* missing: empty */
    assert_int_equal(s.n, 0);
    assert_int_equal(settings_set(&s, "theme", "light"), 0);
    assert_int_equal(settings_set(&s, "future_key", "some value = x"), 0);
    assert_int_equal(settings_set(&s, "theme", "high-contrast"), 0);
    char err[300];
    assert_int_equal(settings_save(&s, err, sizeof err), 0);
    struct stat sb;
    char d[400];
    snprintf(d, sizeof d, "%s/rt/imtreview", dir);
    assert_int_equal(stat(d, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    settings t;
    assert_int_equal(settings_load(&t, path), 0);
    assert_int_equal(t.nwarnings, 0);
    assert_string_equal(settings_get(&t, "theme"), "high-contrast");
    assert_string_equal(settings_get(&t, "future_key"), "some value = x");
    assert_null(settings_get(&t, "nope"));
    assert_int_equal(count_entries(d), 1);           /* no temp file left */
}

static void test_bad_lines(void **st)
{
    (void)st;
    settings s;
    memset(&s, 0, sizeof s);
    settings_parse(&s, "# c\n\ntheme = light\nno equals here\n"
                       "bad key! = 1\n  sort = id  \n", "f");
    assert_int_equal(s.n, 2);
    assert_int_equal(s.nwarnings, 2);
    assert_string_equal(s.warning, "f:4: expected 'key = value', ignored");
    assert_string_equal(settings_get(&s, "sort"), "id");
    /* values with control characters are refused (file stays one line each) */
    assert_int_equal(settings_set(&s, "x", "a\nb"), -1);
    assert_int_equal(settings_set(&s, "", "a"), -1);
}

static void test_failed_write_keeps_old(void **st)
{
    (void)st;
    if (geteuid() == 0)
        skip();                /* root writes into read-only directories */
    char d[400], path[450];
    snprintf(d, sizeof d, "%s/ro", dir);
    assert_int_equal(mkdir(d, 0700), 0);
    snprintf(path, sizeof path, "%s/settings", d);
    write_file(path, "theme = light\n");
    assert_int_equal(chmod(d, 0500), 0);
    settings s;
    assert_int_equal(settings_load(&s, path), 0);
    settings_set(&s, "theme", "monochrome");
    char err[300];
    assert_int_equal(settings_save(&s, err, sizeof err), -1);
    assert_true(strstr(err, "Permission denied") != NULL);
    assert_int_equal(chmod(d, 0700), 0);
    settings t;
    assert_int_equal(settings_load(&t, path), 0);
    assert_string_equal(settings_get(&t, "theme"), "light");
    assert_int_equal(count_entries(d), 1);
}

/* Works as root too: the rename fails because the target is a
 * non-empty directory; the temp file must be cleaned up. */
static void test_failed_rename_leaves_nothing(void **st)
{
    (void)st;
    char d[400], path[450], inner[500];
    snprintf(d, sizeof d, "%s/rn", dir);
    assert_int_equal(mkdir(d, 0700), 0);
    snprintf(path, sizeof path, "%s/settings", d);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(inner, sizeof inner, "%s/keep", path);
    write_file(inner, "old\n");
    settings s;
    memset(&s, 0, sizeof s);
    snprintf(s.path, sizeof s.path, "%s", path);
    settings_set(&s, "theme", "light");
    char err[300];
    assert_int_equal(settings_save(&s, err, sizeof err), -1);
    assert_true(err[0] != '\0');
    assert_int_equal(count_entries(d), 1);       /* only the directory */
    assert_int_equal(count_entries(path), 1);    /* its file untouched */
}

static void test_default_path(void **st)
{
    (void)st;
    char b[512];
    setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
    assert_int_equal(settings_default_path(b, sizeof b), 0);
    assert_string_equal(b, "/x/cfg/imtreview/settings");
    setenv("XDG_CONFIG_HOME", "", 1);
    setenv("HOME", "/home/u", 1);
    assert_int_equal(settings_default_path(b, sizeof b), 0);
    assert_string_equal(b, "/home/u/.config/imtreview/settings");
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_round_trip_unknown_kept),
        cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_failed_write_keeps_old),
        cmocka_unit_test(test_failed_rename_leaves_nothing),
        cmocka_unit_test(test_default_path),
    };
    return cmocka_run_group_tests(t, setup, teardown);
}
