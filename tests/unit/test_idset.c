/* test_idset.c - io/idset.h, the import's set of case ids, against a
 * plain reference (every id kept as a string with its line, searched
 * linearly for small sets, with a sorted copy for large ones): ids in
 * order, in reverse, shuffled, with duplicates at every distance, across
 * many merges of the buffer; ids of every length up to the limit and
 * with any bytes; and the memory an id takes when the ids come sorted. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/idset.h"

typedef struct {
    const char *id;
    size_t at;
} ref_t;

/* by id, then by position: the first of equal ids comes first */
static int cmp_ref(const void *a, const void *b)
{
    const ref_t *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->at > y->at) - (x->at < y->at);
}

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Feed ids[0..n-1] (id i on line i + 2), checking each answer against
 * the reference: the line of the first earlier occurrence, or 0. */
static void run(const char *const *ids, size_t n, uint32_t seed)
{
    ref_t *ref = calloc(n, sizeof *ref);
    long *want = calloc(n, sizeof *want);
    assert_non_null(ref);
    assert_non_null(want);
    for (size_t i = 0; i < n; i++)
        ref[i] = (ref_t){ ids[i], i };
    qsort(ref, n, sizeof *ref, cmp_ref);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        bool first = i == 0 || strcmp(ref[i].id, ref[i - 1].id) != 0;
        static size_t head;
        if (first) {
            head = ref[i].at;
            distinct++;
        }
        want[ref[i].at] = first ? 0 : (long)head + 2;
    }
    idset *s = idset_new();
    assert_non_null(s);
    for (size_t i = 0; i < n; i++) {
        long got = idset_add(s, ids[i], (long)i + 2);
        if (got != want[i])
            fail_msg("id %zu '%s': idset says %ld, want %ld (seed %u)", i, ids[i], got, want[i],
                     seed);
    }
    assert_int_equal(idset_count(s), distinct);
    free(ref);
    free(want);
    idset_free(s);
}

static void test_orders(void **state)
{
    (void)state;
    enum { N = 100000 };
    static char buf[N][40];
    const char *ids[N];
    uint32_t r = 12345;
    /* sorted, as exports are */
    for (int i = 0; i < N; i++) {
        snprintf(buf[i], sizeof buf[i], "IMT-%07d", i);
        ids[i] = buf[i];
    }
    run(ids, N, 1);
    /* reverse: every id is looked up and buffered, many merges */
    for (int i = 0; i < N; i++)
        ids[i] = buf[N - 1 - i];
    run(ids, N, 2);
    /* shuffled, with duplicates at every distance */
    for (int i = 0; i < N; i++) {
        uint32_t k = rnd(&r) % (N / 3);
        snprintf(buf[i], sizeof buf[i], "%c%u.%s", 'A' + (int)(k % 26), k, k % 7 ? "x" : "");
        ids[i] = buf[i];
    }
    run(ids, N, 3);
    /* mostly sorted with stragglers and repeats of the last few */
    for (int i = 0; i < N; i++) {
        int v = i % 50 == 0 ? (int)(rnd(&r) % (unsigned)(i + 1)) : i;
        snprintf(buf[i], sizeof buf[i], "C-%d", v);
        ids[i] = buf[i];
    }
    run(ids, N, 4);
}

/* Prefixes of one another, every length up to the limit, bytes above
 * 0x7f: the front coding and the ordering must still be exact. */
static void test_odd_ids(void **state)
{
    (void)state;
    enum { N = 3000 };
    static char buf[N][IDSET_MAXLEN + 1];
    const char *ids[N];
    uint32_t r = 99;
    for (int i = 0; i < N; i++) {
        int len = 1 + (int)(rnd(&r) % IDSET_MAXLEN);
        if (i % 3 == 0)
            len = 1 + (int)(rnd(&r) % 4);
        for (int k = 0; k < len; k++)
            buf[i][k] = (char)(rnd(&r) % 3 == 0 ? 0x80 + rnd(&r) % 0x7f : 'a' + rnd(&r) % 3);
        buf[i][len] = '\0';
        if (i % 5 == 0 && i > 0)   /* a prefix of an earlier id */
            buf[i][strlen(buf[i - 1]) / 2 + 1] = '\0', memcpy(buf[i], buf[i - 1], strlen(buf[i]));
        ids[i] = buf[i];
    }
    run(ids, N, 5);
    idset *s = idset_new();
    char big[IDSET_MAXLEN + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(idset_add(s, big, 2), -1);   /* too long: refused */
    assert_int_equal(idset_count(s), 0);
    idset_free(s);
}

/* Sorted ids of the usual shape take a few bytes each (a hash table of
 * strings took 35). */
static void test_memory(void **state)
{
    (void)state;
    idset *s = idset_new();
    char id[32];
    for (long i = 1; i <= 200000; i++) {
        snprintf(id, sizeof id, "IMT-%07ld", i);
        assert_int_equal(idset_add(s, id, i + 1), 0);
    }
    snprintf(id, sizeof id, "IMT-%07d", 123456);
    assert_int_equal(idset_add(s, id, 999999), 123457);
    double per = (double)idset_bytes(s) / 200000;
    print_message("%.1f bytes an id\n", per);
    assert_true(per < 8);
    idset_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orders),
        cmocka_unit_test(test_odd_ids),
        cmocka_unit_test(test_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
