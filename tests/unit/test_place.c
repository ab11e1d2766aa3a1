/* test_place.c - the reviewer's place per database (tui/place.h): the line
 * format, and save/load through a real file in a temporary directory. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/place.h"

static void test_parse_line(void **state)
{
    (void)state;
    char db[64];
    place p;
    assert_int_equal(place_parse_line("/d/cases.db\tIMT-7\tage\tdesc", db, sizeof db, &p), 0);
    assert_string_equal(db, "/d/cases.db");
    assert_string_equal(p.case_id, "IMT-7");
    assert_int_equal(p.sort.key, SORT_AGE);
    assert_true(p.sort.desc);
    assert_int_equal(place_parse_line("/d/x.db\tA\tcase_id\tasc", db, sizeof db, &p), 0);
    assert_int_equal(p.sort.key, SORT_CASE_ID);
    assert_false(p.sort.desc);
    /* not places: fields missing or extra, empty parts, unknown names */
    static const char *const bad[] = {
        "", "/d/x.db", "/d/x.db\tA\tage", "/d/x.db\tA\tage\tdesc\textra",
        "\tA\tage\tasc", "/d/x.db\t\tage\tasc", "/d/x.db\tA\tcolour\tasc",
        "/d/x.db\tA\tage\tdown", "/d/x.db\tA\tage\tdesc ", "/d/x.db\tA\t\tasc",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(place_parse_line(bad[i], db, sizeof db, &p), -1);
    /* a database path longer than the caller's buffer is not cut */
    assert_int_equal(place_parse_line("/a/very/long/path/to/a.db\tA\tage\tasc", db, 8, &p), -1);
}

typedef struct { char dir[256]; char path[320]; } fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->dir, sizeof f->dir, "%s/imt-place.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(f->dir)) { free(f); return -1; }
    snprintf(f->path, sizeof f->path, "%s/state/imtreview/places", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char p[400];
    unlink(f->path);
    snprintf(p, sizeof p, "%s/state/imtreview", f->dir);
    rmdir(p);
    snprintf(p, sizeof p, "%s/state", f->dir);
    rmdir(p);
    rmdir(f->dir);
    free(f);
    return 0;
}

static place mk(const char *id, imt_sort_key k, bool desc)
{
    place p;
    memset(&p, 0, sizeof p);
    snprintf(p.case_id, sizeof p.case_id, "%s", id);
    p.sort.key = k;
    p.sort.desc = desc;
    return p;
}

static void test_save_load(void **state)
{
    fx *f = *state;
    place got;
    assert_int_equal(place_load(f->path, "/db/a.db", &got), 0);      /* no file */
    place a = mk("A-1", SORT_SITE, false), b = mk("B-9", SORT_FOLLOWUP, true);
    assert_int_equal(place_save(f->path, "/db/a.db", &a), 0);        /* makes dirs */
    assert_int_equal(place_save(f->path, "/db/b.db", &b), 0);
    assert_int_equal(place_load(f->path, "/db/a.db", &got), 1);
    assert_string_equal(got.case_id, "A-1");
    assert_int_equal(got.sort.key, SORT_SITE);
    assert_false(got.sort.desc);
    assert_int_equal(place_load(f->path, "/db/b.db", &got), 1);
    assert_string_equal(got.case_id, "B-9");
    assert_true(got.sort.desc);
    assert_int_equal(place_load(f->path, "/db/c.db", &got), 0);
    /* a new place for a replaces its line and goes first */
    a = mk("A-2", SORT_CASE_ID, true);
    assert_int_equal(place_save(f->path, "/db/a.db", &a), 0);
    FILE *fp = fopen(f->path, "r");
    assert_non_null(fp);
    char l1[128], l2[128], l3[8];
    assert_non_null(fgets(l1, sizeof l1, fp));
    assert_non_null(fgets(l2, sizeof l2, fp));
    assert_null(fgets(l3, sizeof l3, fp));
    fclose(fp);
    assert_string_equal(l1, "/db/a.db\tA-2\tcase_id\tdesc\n");
    assert_string_equal(l2, "/db/b.db\tB-9\tfollowup\tdesc\n");
}

static void test_refused_and_capped(void **state)
{
    fx *f = *state;
    place a = mk("A-1", SORT_AGE, false), got;
    /* a tab or a line break would break the line format */
    assert_int_equal(place_save(f->path, "/db/t\tab.db", &a), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(place_save(f->path, "/db/new\nline.db", &a), -1);
    assert_int_equal(access(f->path, F_OK), -1);                      /* nothing written */
    /* at most PLACE_MAX databases: the least recent goes */
    char db[64];
    for (int i = 0; i < PLACE_MAX + 5; i++) {
        snprintf(db, sizeof db, "/db/%03d.db", i);
        assert_int_equal(place_save(f->path, db, &a), 0);
    }
    int lines = 0;
    FILE *fp = fopen(f->path, "r");
    assert_non_null(fp);
    char buf[128];
    while (fgets(buf, sizeof buf, fp)) lines++;
    fclose(fp);
    assert_int_equal(lines, PLACE_MAX);
    snprintf(db, sizeof db, "/db/%03d.db", PLACE_MAX + 4);
    assert_int_equal(place_load(f->path, db, &got), 1);
    assert_int_equal(place_load(f->path, "/db/000.db", &got), 0);
    /* lines that are not places are dropped when the file is rewritten */
    fp = fopen(f->path, "a");
    assert_non_null(fp);
    fputs("garbage line\n", fp);
    fclose(fp);
    assert_int_equal(place_save(f->path, "/db/x.db", &a), 0);
    fp = fopen(f->path, "r");
    assert_non_null(fp);
    while (fgets(buf, sizeof buf, fp)) assert_null(strstr(buf, "garbage"));
    fclose(fp);
}

static void test_default_path(void **state)
{
    (void)state;
    char buf[256];
    char *oldx = getenv("XDG_STATE_HOME") ? strdup(getenv("XDG_STATE_HOME")) : NULL;
    char *oldh = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("XDG_STATE_HOME", "/x/state", 1);
    assert_int_equal(place_default_path(buf, sizeof buf), 0);
    assert_string_equal(buf, "/x/state/imtreview/places");
    setenv("XDG_STATE_HOME", "", 1);
    setenv("HOME", "/home/u", 1);
    assert_int_equal(place_default_path(buf, sizeof buf), 0);
    assert_string_equal(buf, "/home/u/.local/state/imtreview/places");
    /* no HOME: the home directory of the password database, as for
     * every other file of the program (io/xdg.h) */
    unsetenv("XDG_STATE_HOME");
    unsetenv("HOME");
    struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_dir && *pw->pw_dir) {
        char want[300];
        snprintf(want, sizeof want, "%s/.local/state/imtreview/places", pw->pw_dir);
        assert_int_equal(place_default_path(buf, sizeof buf), 0);
        assert_string_equal(buf, want);
    }
    if (oldx) setenv("XDG_STATE_HOME", oldx, 1);
    if (oldh) setenv("HOME", oldh, 1);
    free(oldx);
    free(oldh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_line),
        cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_and_capped, setup, teardown),
        cmocka_unit_test(test_default_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
