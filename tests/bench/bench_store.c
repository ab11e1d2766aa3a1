/* bench_store.c - the store at scale: insert N minimal cases (case_id and
 * site) through store_insert in one transaction, then time counts, deep
 * keyset pages in several sort orders, ranks, a streaming pass and
 * store_check, and report peak RSS.  Also checks results on the way (a
 * page must hold the rows that follow its anchor), so a wrong answer
 * fails the run rather than looking fast.
 * Usage: bench_store [N]   (default $BENCH_N or 1000000)
 * The database goes to a new directory under ${TMPDIR:-/tmp}, removed at
 * the end. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int count_cb(void *ctx, const imt_case *c)
{
    (void)c;
    (*(long *)ctx)++;
    return 0;
}

static void quiet(void *ctx, const char *msg)
{
    long *n = ctx;
    if ((*n)++ < 5)
        fprintf(stderr, "check: %s\n", msg);
}

int main(int argc, char **argv)
{
    long n = 1000000;
    const char *env = getenv("BENCH_N");
    if (argc > 1)
        n = atol(argv[1]);
    else if (env && *env)
        n = atol(env);
    if (n < 1000)
        n = 1000;
    const char *tmp = getenv("TMPDIR");
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/imt-bench-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/b.db", dir);
    char err[512];
    imt_store *st = store_open(path, 0, "bench", err, sizeof err);
    if (!st) {
        fprintf(stderr, "store_open: %s\n", err);
        return 1;
    }
    int status = 1;
    double t0 = now_s();
    if (store_begin(st) != STORE_OK)
        goto out;
    for (long i = 0; i < n; i++) {
        imt_case c;
        imt_case_init(&c);
        char id[24];
        /* Ids not in insertion order, as in a real file. */
        snprintf(id, sizeof id, "B%07ld", (i * 7919) % n);
        c.case_id = id;
        c.site = (int)(i % SITE_N);
        int rc = store_insert(st, &c, "bench");
        c.case_id = NULL;
        if (rc != STORE_OK) {
            fprintf(stderr, "insert %s: %s\n", id, store_errmsg(st));
            goto out;
        }
    }
    double t1 = now_s();
    if (store_commit(st) != STORE_OK) {
        fprintf(stderr, "commit: %s\n", store_errmsg(st));
        goto out;
    }
    double t2 = now_s();
    printf("store_insert: %ld minimal cases in one transaction: %.2f s insert + %.2f s commit"
           " = %.0f cases/s\n", n, t1 - t0, t2 - t1, (double)n / (t2 - t0));
    store_close(st);
    if (!(st = store_open(path, 0, "bench", err, sizeof err))) {
        fprintf(stderr, "reopen: %s\n", err);
        return 1;
    }

    imt_filter none, lung, srch;
    memset(&none, 0, sizeof none);
    lung = none;
    lung.site_mask = 1u << SITE_LUNG;
    srch = none;
    filter_set_search(&srch, "b09999");
    double a = now_s();
    long all = store_count(st, &none);
    double b = now_s();
    long nl = store_count(st, &lung);
    double c2 = now_s();
    long ns = store_count(st, &srch);
    double d = now_s();
    printf("count all %ld: %.1f ms; --site lung %ld: %.1f ms; --search (full scan) %ld: %.1f ms\n",
           all, (b - a) * 1e3, nl, (c2 - b) * 1e3, ns, (d - c2) * 1e3);
    if (all != n || nl != (n + SITE_N - 1) / SITE_N) {
        fprintf(stderr, "wrong counts\n");
        goto out;
    }

    /* Deep pages: the anchor is the case at 90% in case_id order. */
    char anchor[24];
    snprintf(anchor, sizeof anchor, "B%07ld", n * 9 / 10);
    imt_case page[50];
    static const imt_sort sorts[] = {
        { SORT_CASE_ID, false }, { SORT_CASE_ID, true }, { SORT_SITE, false },
        { SORT_AGE, true }, { SORT_REVIEW, false },
    };
    for (size_t k = 0; k < sizeof sorts / sizeof sorts[0]; k++) {
        const int reps = 20;
        double p0 = now_s();
        int got = 0;
        for (int r = 0; r < reps; r++) {
            got = store_page(st, &none, sorts[k], anchor, +1, 50, page);
            for (int i = 0; i < got; i++)
                imt_case_clear(&page[i]);
        }
        double p1 = now_s();
        int back = 0;
        for (int r = 0; r < reps; r++) {
            back = store_page(st, &none, sorts[k], anchor, -1, 50, page);
            for (int i = 0; i < back; i++)
                imt_case_clear(&page[i]);
        }
        double p2 = now_s();
        long rank = store_rank(st, &none, sorts[k], anchor);
        double p3 = now_s();
        int fl = store_page(st, &lung, sorts[k], anchor, +1, 50, page);
        for (int i = 0; i < fl; i++)
            imt_case_clear(&page[i]);
        double p4 = now_s();
        printf("sort %s%s: page of 50 after row %ld: %.2f ms, before: %.2f ms, rank: %.1f ms, "
               "filtered page: %.2f ms\n", store_sort_name(sorts[k].key),
               sorts[k].desc ? " desc" : "", rank, (p1 - p0) * 1e3 / reps,
               (p2 - p1) * 1e3 / reps, (p3 - p2) * 1e3, (p4 - p3) * 1e3);
        if (got != 50 || back != 50 || rank < 0 || fl < 0) {
            fprintf(stderr, "wrong page\n");
            goto out;
        }
    }
    /* The page after the anchor in case_id order is the next 50 ids. */
    int got = store_page(st, &none, (imt_sort){ SORT_CASE_ID, false }, anchor, +1, 50, page);
    for (int i = 0; i < got; i++) {
        char want[24];
        snprintf(want, sizeof want, "B%07ld", n * 9 / 10 + 1 + i);
        if (strcmp(page[i].case_id, want) != 0) {
            fprintf(stderr, "page row %d is %s, want %s\n", i, page[i].case_id, want);
            goto out;
        }
        imt_case_clear(&page[i]);
    }

    long seen = 0;
    double f0 = now_s();
    store_foreach(st, &none, (imt_sort){ SORT_AGE, false }, count_cb, &seen);
    double f1 = now_s();
    printf("store_foreach (sort age, streaming) over %ld cases: %.2f s\n", seen, f1 - f0);
    long problems = 0;
    int rc = store_check(st, quiet, &problems);
    double f2 = now_s();
    printf("store_check on %ld cases: %.2f s, %d problems\n", n, f2 - f1, rc);
    if (seen != n || rc != 0)
        goto out;
    printf("peak RSS: %.1f MB\n", (double)peak_rss_kb() / 1024);
    status = 0;
out:
    store_close(st);
    char side[700];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    rmdir(dir);
    return status;
}
