/* test_atomicfile - the target is the old file or the whole new one:
 * modes (new 0600, existing kept), abort and failed commits leave the
 * target and the directory as they were. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/atomicfile.h"

typedef struct { char dir[256]; char path[300]; } fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->dir, sizeof f->dir, "%s/imt-af.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(f->dir)) { free(f); return -1; }
    snprintf(f->path, sizeof f->path, "%s/out.csv", f->dir);
    *state = f;
    return 0;
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    if (d) closedir(d);
    return n;
}

static int teardown(void **state)
{
    fx *f = *state;
    DIR *d = opendir(f->dir);
    struct dirent *e;
    char p[600];
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
        if (rmdir(p) != 0) unlink(p);
    }
    if (d) closedir(d);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void slurp(const char *path, char *buf, size_t n)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t k = fread(buf, 1, n - 1, fp);
    buf[k] = '\0';
    fclose(fp);
}

static void test_new_file_0600(void **state)
{
    fx *f = *state;
    atomic_file af;
    assert_int_equal(af_open(&af, f->path), 0);
    fputs("a,b\n1,2\n", af.f);
    /* nothing at the target until the commit */
    assert_int_not_equal(access(f->path, F_OK), 0);
    assert_int_equal(af_commit(&af), 0);
    char buf[64];
    slurp(f->path, buf, sizeof buf);
    assert_string_equal(buf, "a,b\n1,2\n");
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(entries(f->dir), 1);          /* no temporary left */
}

static void test_existing_mode_kept(void **state)
{
    fx *f = *state;
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    fputs("old\n", fp);
    fclose(fp);
    assert_int_equal(chmod(f->path, 0640), 0);
    atomic_file af;
    assert_int_equal(af_open(&af, f->path), 0);
    fputs("new\n", af.f);
    assert_int_equal(af_commit(&af), 0);
    char buf[64];
    slurp(f->path, buf, sizeof buf);
    assert_string_equal(buf, "new\n");
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
}

static void test_abort_keeps_old(void **state)
{
    fx *f = *state;
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    fputs("old\n", fp);
    fclose(fp);
    atomic_file af;
    assert_int_equal(af_open(&af, f->path), 0);
    fputs("half a fi", af.f);
    errno = ENOSPC;
    af_abort(&af);
    assert_int_equal(errno, ENOSPC);               /* preserved for the caller */
    char buf[64];
    slurp(f->path, buf, sizeof buf);
    assert_string_equal(buf, "old\n");
    assert_int_equal(entries(f->dir), 1);
}

/* A target that is a directory is refused before anything is written. */
static void test_directory_refused(void **state)
{
    fx *f = *state;
    assert_int_equal(mkdir(f->path, 0700), 0);
    atomic_file af;
    assert_int_equal(af_open(&af, f->path), -1);
    assert_int_equal(errno, EISDIR);
    assert_int_equal(entries(f->dir), 1);
}

/* The commit fails when the rename cannot happen (the target became a
 * non-empty directory meanwhile): -1, and the temporary is gone. */
static void test_failed_commit_cleans_up(void **state)
{
    fx *f = *state;
    atomic_file af;
    assert_int_equal(af_open(&af, f->path), 0);
    fputs("x\n", af.f);
    char inner[400];
    assert_int_equal(mkdir(f->path, 0700), 0);
    snprintf(inner, sizeof inner, "%s/keep", f->path);
    FILE *fp = fopen(inner, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(af_commit(&af), -1);
    assert_int_equal(entries(f->dir), 1);          /* only the directory */
    assert_int_equal(access(inner, F_OK), 0);
    unlink(inner);
    rmdir(f->path);
}

/* A missing directory: af_open fails, nothing is created. */
static void test_missing_dir(void **state)
{
    fx *f = *state;
    char p[400];
    snprintf(p, sizeof p, "%s/no/such/file.csv", f->dir);
    atomic_file af;
    assert_int_equal(af_open(&af, p), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(entries(f->dir), 0);
}

/* af_make_parent_dirs: the directories above the file, mode 0700, not
 * the file itself; existing ones are fine; a file in the way fails. */
static void test_make_parent_dirs(void **state)
{
    fx *f = *state;
    char p[400], d1[400], d2[400];
    snprintf(d1, sizeof d1, "%s/a", f->dir);
    snprintf(d2, sizeof d2, "%s/a/b", f->dir);
    snprintf(p, sizeof p, "%s/a/b/file", f->dir);
    mode_t old = umask(0);
    assert_int_equal(af_make_parent_dirs(p), 0);
    umask(old);
    struct stat sb;
    assert_int_equal(stat(d2, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(access(p, F_OK), -1);          /* not the file */
    assert_int_equal(af_make_parent_dirs(p), 0);    /* again: fine */
    /* a plain file where a directory should be */
    char q[400];
    snprintf(q, sizeof q, "%s/a/b/file/x", f->dir);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(af_make_parent_dirs(q), -1);
    assert_int_equal(errno, ENOTDIR);
    unlink(p);
    rmdir(d2);
    rmdir(d1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_file_0600, setup, teardown),
        cmocka_unit_test_setup_teardown(test_existing_mode_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_keeps_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_commit_cleans_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_make_parent_dirs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
