/* test_search_index.c - the search index and the per-cell counts of schema
 * version 6 (src/store/sqlite/search.c) against what they replace.
 *
 * Search: the reference is the scan the index replaced, written out here
 * on its own terms: a case matches when its case_id, site_detail or notes,
 * case-folded code point by code point with utf8_fold (invalid bytes kept
 * as they are), holds the folded search text as a byte substring.  On
 * generated hostile text (Latin with diacritics, Greek final sigma,
 * Turkish dotted and dotless i, German sharp s, the Kelvin and long-s
 * signs, Cyrillic, CJK, Arabic, combining marks, emoji, U+FFFD/FFFE/FFFF,
 * invalid UTF-8 of every kind, FTS5 query syntax, quotes) the store must
 * return the same set of cases for every search text: substrings of the
 * data in other cases, random strings, one- and two-character texts,
 * texts with invalid bytes, across an import, edits, and rows written
 * behind the program's back by another connection.
 *
 * Counts: store_count for any combination of value filters (and with a
 * search) must equal a count of the rows themselves, after inserts, a
 * bulk import, updates, deletes by another program and rollbacks. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/filter.h"
#include "core/imtcase.h"
#include "core/review.h"
#include "core/utf8.h"
#include "store/store.h"

/* ---- fixture ------------------------------------------------------------- */

typedef struct {
    char dir[64];
    char path[128];
    imt_store *st;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/imt-search-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/cases.db", f->dir);
    char err[512];
    if (!(f->st = store_open(f->path, 0, "tester", err, sizeof err)))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    if (f->st)
        store_close(f->st);
    char p[256];
    static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static sqlite3 *raw(fx *f)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 2000);
    return db;
}

static long long raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("prepare [%s]: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    long long v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("raw sql [%s]: %s", sql, msg ? msg : "?");
}

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* ---- hostile text ---------------------------------------------------------- */

static const char *const frag[] = {
    "lobe", "LOBE", "Lobe", "left lower lobe", "Ösophagus", "ÖSOPHAGUS", "ösophagus",
    "ΣΊΣΥΦΟΣ", "σίσυφος", "ς", "Σ", "σ", "İstanbul", "ISTANBUL", "ıi", "İI", "straße",
    "STRASSE", "ẞ", "ß", "\xE2\x84\xAA" /* Kelvin sign */, "k", "K", "\xC5\xBF" /* long s */,
    "s", "S", "Москва", "МОСКВА", "肺炎性肌纤维母细胞瘤", "左肺下叶", "ورم", "e\xCC\x81" /* e + acute */,
    "\xC3\xA9", "\xC3\x89", "cafe\xCC\x81", "\xF0\x9F\x98\x80" /* emoji */, "\xEF\xBF\xBD",
    "\xEF\xBF\xBE", "\xEF\xBF\xBF", "\x80", "\xC3", "\xE2\x82", "\xC0\xAF", "\xED\xA0\x80",
    "\xF4\x90\x80\x80", "\xFF", "\xC3\xA9\x80", "\"", "\"\"", "*", "AND", "OR", "NOT", "NEAR",
    "^", ":", "(", ")", "-", "+", "'", "\\", " ", "  ", "\t", "\n", "a", "b", "ab", "abc",
    "IMT-0", "x", "X", "ǅ", "Ǆ", "ǆ", "ﬃ", "Å", "å", "\xE2\x84\xAB" /* Angstrom sign */,
};
#define NFRAG (sizeof frag / sizeof frag[0])

static void hostile(uint32_t *s, char *out, size_t n, int parts)
{
    size_t k = 0;
    out[0] = '\0';
    for (int i = 0; i < parts; i++) {
        const char *p = frag[rnd(s) % NFRAG];
        size_t l = strlen(p);
        if (k + l + 1 >= n)
            break;
        memcpy(out + k, p, l);
        k += l;
    }
    out[k] = '\0';
}

/* ---- the reference: the scan the index replaced ------------------------------ */

static char *ref_fold(const char *s)
{
    size_t n = strlen(s);
    char *o = malloc(2 * n + 1);
    assert_non_null(o);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int len = utf8_decode(s + i, n - i, &cp);
        if (len <= 0) {
            o[k++] = s[i++];
            continue;
        }
        i += (size_t)len;
        cp = utf8_fold(cp);
        char b[4];
        int m;
        if (cp < 0x80) { b[0] = (char)cp; m = 1; }
        else if (cp < 0x800) { b[0] = (char)(0xC0 | (cp >> 6)); b[1] = (char)(0x80 | (cp & 0x3F)); m = 2; }
        else if (cp < 0x10000) {
            b[0] = (char)(0xE0 | (cp >> 12)); b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
            b[2] = (char)(0x80 | (cp & 0x3F)); m = 3;
        } else {
            b[0] = (char)(0xF0 | (cp >> 18)); b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
            b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F)); m = 4;
        }
        memcpy(o + k, b, (size_t)m);
        k += (size_t)m;
    }
    o[k] = '\0';
    return o;
}

static bool ref_contains(const char *hay, const char *needle)
{
    if (!hay)
        return false;
    char *h = ref_fold(hay), *nd = ref_fold(needle);
    bool r = strstr(h, nd) != NULL;
    free(h);
    free(nd);
    return r;
}

/* Our copy of what is in the database. */
#define MAXC 400
typedef struct {
    char id[40];
    char detail[160];
    char notes[400];
    int site, outcome;
    bool gone;
} mirror;

static mirror M[MAXC];
static int nm;

static bool ref_match(const mirror *m, const char *needle)
{
    return ref_contains(m->id, needle) || (m->detail[0] && ref_contains(m->detail, needle)) ||
           (m->notes[0] && ref_contains(m->notes, needle));
}

typedef struct {
    bool hit[MAXC];
    int n;
} seen;

static int collect(void *ctx, const imt_case *c)
{
    seen *s = ctx;
    for (int i = 0; i < nm; i++)
        if (strcmp(M[i].id, c->case_id) == 0) {
            if (s->hit[i])
                fail_msg("case %s returned twice", c->case_id);
            s->hit[i] = true;
            s->n++;
            return 0;
        }
    fail_msg("unknown case %s returned", c->case_id);
    return 1;
}

static void show(const char *t, char *buf, size_t n)
{
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)t; *p && k + 5 < n; p++)
        k += (size_t)snprintf(buf + k, n - k, *p >= 0x20 && *p < 0x7f ? "%c" : "\\x%02x", *p);
    buf[k] = '\0';
}

/* The store's answer for needle (the cases, and the count, with and
 * without a site filter) must be the reference's. */
static void same_answer(imt_store *st, const char *needle, long *hits)
{
    imt_filter f;
    memset(&f, 0, sizeof f);
    filter_set_search(&f, needle);
    seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(store_foreach(st, &f, (imt_sort){ SORT_CASE_ID, false }, collect, &s), 0);
    int want = 0;
    for (int i = 0; i < nm; i++) {
        bool r = !M[i].gone && ref_match(&M[i], f.search);
        want += r;
        if (r != s.hit[i]) {
            char b1[200], b2[600];
            show(f.search, b1, sizeof b1);
            show(M[i].notes, b2, sizeof b2);
            fail_msg("search '%s': case %s (notes '%s') %s", b1, M[i].id, b2,
                     r ? "missing" : "returned but does not match");
        }
    }
    assert_int_equal(store_count(st, &f), want);
    /* the same with a site filter: the set and the cell counts together */
    f.site_mask = 1u << SITE_LUNG;
    int want2 = 0;
    for (int i = 0; i < nm; i++)
        want2 += !M[i].gone && M[i].site == SITE_LUNG && ref_match(&M[i], f.search);
    assert_int_equal(store_count(st, &f), want2);
    /* and a page of it, in order */
    imt_case page[8];
    int got = store_page(st, &f, (imt_sort){ SORT_AGE, true }, NULL, +1, 8, page);
    assert_int_equal(got, want2 < 8 ? want2 : 8);
    for (int i = 0; i < got; i++)
        imt_case_clear(&page[i]);
    *hits += want;
}

static void put_case(imt_store *st, mirror *m, int i, uint32_t *r)
{
    imt_case c;
    imt_case_init(&c);
    snprintf(m->id, sizeof m->id, "%s%d", rnd(r) % 3 ? "IMT-" : "lobe_X.", i);
    hostile(r, m->detail, sizeof m->detail, (int)(rnd(r) % 4));
    hostile(r, m->notes, sizeof m->notes, (int)(rnd(r) % 9));
    m->site = (int)(rnd(r) % SITE_N);
    m->outcome = (int)(rnd(r) % OUT_N);
    c.case_id = strdup(m->id);
    c.site = m->site;
    c.outcome = m->outcome;
    c.age_years = (imt_num){ true, (double)(rnd(r) % 90) };
    c.site_detail = m->detail[0] ? strdup(m->detail) : NULL;
    c.notes = m->notes[0] ? strdup(m->notes) : NULL;
    assert_int_equal(store_insert(st, &c, "test"), STORE_OK);
    imt_case_clear(&c);
}

static void check_many(imt_store *st, uint32_t *r, int rounds)
{
    long hits = 0;
    for (int k = 0; k < rounds; k++) {
        char needle[128];
        int how = (int)(rnd(r) % 5);
        if (how == 0) {               /* a piece of some case's text */
            const mirror *m = &M[rnd(r) % (uint32_t)nm];
            const char *t = rnd(r) % 2 ? m->notes : m->id;
            size_t l = strlen(t);
            if (l == 0) { snprintf(needle, sizeof needle, "x"); }
            else {
                size_t a = rnd(r) % l, len = 1 + rnd(r) % 12;
                if (a + len > l) len = l - a;
                if (len >= sizeof needle) len = sizeof needle - 1;
                memcpy(needle, t + a, len);
                needle[len] = '\0';
            }
        } else if (how == 1) {        /* one or two fragments */
            hostile(r, needle, sizeof needle, 1 + (int)(rnd(r) % 2));
        } else if (how == 2) {        /* a short ASCII text */
            needle[0] = (char)('a' + rnd(r) % 26);
            needle[1] = rnd(r) % 2 ? (char)('a' + rnd(r) % 26) : '\0';
            needle[2] = '\0';
        } else {                      /* longer mixes */
            hostile(r, needle, sizeof needle, 2 + (int)(rnd(r) % 3));
        }
        if (!needle[0])
            continue;
        same_answer(st, needle, &hits);
    }
    assert_true(hits > 0);            /* some searches found cases */
}

static void test_search_equals_scan(void **state)
{
    fx *f = *state;
    uint32_t r = 0x9e3779b9u;
    /* the first fill of an empty database (the bulk path) */
    assert_int_equal(store_begin(f->st), STORE_OK);
    for (nm = 0; nm < 250; nm++)
        put_case(f->st, &M[nm], nm, &r);
    /* inside the transaction, before the index is built, too */
    long hits = 0;
    same_answer(f->st, "lobe", &hits);
    same_answer(f->st, "σ", &hits);
    assert_int_equal(store_commit(f->st), STORE_OK);
    check_many(f->st, &r, 400);
    /* more cases in a database that has some: row by row */
    for (; nm < 300; nm++)
        put_case(f->st, &M[nm], nm, &r);
    check_many(f->st, &r, 150);
    /* edits of the searched columns */
    for (int k = 0; k < 40; k++) {
        mirror *m = &M[rnd(&r) % (uint32_t)nm];
        imt_case c;
        assert_int_equal(store_get(f->st, m->id, &c), STORE_OK);
        free(c.notes);
        hostile(&r, m->notes, sizeof m->notes, (int)(rnd(&r) % 6));
        c.notes = m->notes[0] ? strdup(m->notes) : NULL;
        int fld = IMT_F_notes, nch;
        assert_int_equal(store_update_fields(f->st, &c, &fld, 1, "test", &nch), STORE_OK);
        imt_case_clear(&c);
    }
    check_many(f->st, &r, 150);
}

/* Rows another program writes (no index entry of ours yet) are judged by
 * the scan until one of our writes re-indexes them. */
static void test_search_behind_our_back(void **state)
{
    fx *f = *state;
    uint32_t r = 0x1234567u;
    for (nm = 0; nm < 120; nm++)
        put_case(f->st, &M[nm], nm, &r);
    sqlite3 *db = raw(f);
    sqlite3_stmt *u;
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE cases SET notes = ?1 WHERE case_id = ?2",
                                        -1, &u, NULL), SQLITE_OK);
    for (int k = 0; k < 30; k++) {
        mirror *m = &M[rnd(&r) % (uint32_t)nm];
        hostile(&r, m->notes, sizeof m->notes, 1 + (int)(rnd(&r) % 6));
        sqlite3_bind_text(u, 1, m->notes, -1, SQLITE_STATIC);
        sqlite3_bind_text(u, 2, m->id, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(u), SQLITE_DONE);
        sqlite3_reset(u);
    }
    sqlite3_finalize(u);
    /* a case deleted, another's id changed */
    raw_exec(db, "PRAGMA foreign_keys = OFF");
    char sql[200];
    snprintf(sql, sizeof sql, "DELETE FROM cases WHERE case_id = '%s'", M[3].id);
    raw_exec(db, sql);
    M[3].gone = true;
    snprintf(sql, sizeof sql, "UPDATE cases SET case_id = 'LOBE-RENAMED' WHERE case_id = '%s'",
             M[5].id);
    raw_exec(db, sql);
    snprintf(M[5].id, sizeof M[5].id, "LOBE-RENAMED");
    assert_true(raw_int(db, "SELECT count(*) FROM case_search_pending") >= 2);
    check_many(f->st, &r, 150);
    /* one write of ours re-indexes them all */
    assert_int_equal(store_set_review(f->st, M[0].id, REV_IN_REVIEW, NULL, NULL), STORE_OK);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM case_search_pending"), 0);
    check_many(f->st, &r, 150);
    sqlite3_close(db);
}

/* ---- counts ----------------------------------------------------------------- */

static int count_one(void *ctx, const imt_case *c)
{
    (void)c;
    (*(long *)ctx)++;
    return 0;
}

/* store_count for many filters against a count of the rows: by another
 * connection (committed data), and by the store's own walk over the rows
 * (inside a transaction, where the other connection sees nothing yet). */
static void counts_agree(fx *f, uint32_t *r, bool in_tx)
{
    sqlite3 *db = raw(f);
    /* the four value filters a count cell has (the follow-up worklist
     * is a date range, counted from the rows: below) */
    static const char *const col[] = { "site", "alk_status", "outcome", "review_status" };
    for (int k = 0; k < 60; k++) {
        imt_filter flt;
        memset(&flt, 0, sizeof flt);
        char where[1024] = "1";
        for (int kind = 0; kind < 4; kind++) {
            if (rnd(r) % 2)
                continue;
            const char *const *vals = filter_kind_values((imt_filter_kind)kind);
            int nv = 0;
            while (vals[nv])
                nv++;
            unsigned m = rnd(r) & ((1u << nv) - 1);
            if (!m)
                m = 1;
            *filter_mask(&flt, (imt_filter_kind)kind) = m;
            size_t l = strlen(where);
            l += (size_t)snprintf(where + l, sizeof where - l, " AND %s IN (''", col[kind]);
            for (int i = 0; i < nv; i++)
                if (m & (1u << i))
                    l += (size_t)snprintf(where + l, sizeof where - l, ", '%s'", vals[i]);
            snprintf(where + l, sizeof where - l, ")");
        }
        if (rnd(r) % 3 == 0) {     /* the decision filter (a cell column too) */
            flt.decision_mask = 1u + rnd(r) % 7;
            size_t l = strlen(where);
            l += (size_t)snprintf(where + l, sizeof where - l, " AND decision_state IN (-1");
            if (flt.decision_mask & (1u << FDEC_UNDECIDED))
                l += (size_t)snprintf(where + l, sizeof where - l, ", %d, %d", DSTATE_UNDECIDED,
                                      DSTATE_STALE);
            if (flt.decision_mask & (1u << FDEC_STALE))
                l += (size_t)snprintf(where + l, sizeof where - l, ", %d", DSTATE_STALE);
            if (flt.decision_mask & (1u << FDEC_DECIDED))
                l += (size_t)snprintf(where + l, sizeof where - l, ", %d", DSTATE_DECIDED);
            snprintf(where + l, sizeof where - l, ")");
        }
        char sql[1200];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM cases WHERE %s", where);
        long want = 0;
        if (in_tx)
            assert_int_equal(store_foreach(f->st, &flt, (imt_sort){ SORT_CASE_ID, false },
                                           count_one, &want), 0);
        else
            want = (long)raw_int(db, sql);
        long got = store_count(f->st, &flt);
        if (got != want)
            fail_msg("count %ld, the rows say %ld: %s", got, want, where);
    }
    if (!in_tx)
        assert_int_equal(store_count(f->st, NULL), raw_int(db, "SELECT count(*) FROM cases"));
    /* with the follow-up worklist as well: the rows decide */
    imt_filter fu;
    memset(&fu, 0, sizeof fu);
    fu.followup_mask = 1u << FU_OVERDUE;
    fu.site_mask = 1u << SITE_LUNG;
    long want = 0;
    assert_int_equal(store_foreach(f->st, &fu, (imt_sort){ SORT_CASE_ID, false }, count_one,
                                   &want), 0);
    assert_int_equal(store_count(f->st, &fu), want);
    sqlite3_close(db);
}

static void add_simple(imt_store *st, uint32_t *r, int i)
{
    imt_case c;
    imt_case_init(&c);
    char id[32];
    snprintf(id, sizeof id, "C-%05d", i);
    c.case_id = strdup(id);
    c.site = (int)(rnd(r) % SITE_N);
    c.outcome = rnd(r) % 7 == 0 ? IMT_UNKNOWN : (int)(rnd(r) % OUT_N);
    c.alk_ihc = (int)(rnd(r) % 4) - 1;           /* unknown, positive, negative, equivocal */
    if (c.alk_ihc < 0)
        c.alk_ihc = IMT_UNKNOWN;
    /* not signed out: a signed-out case is locked against the updates
     * below (its state comes from another program, further down) */
    c.review_status = (int)(rnd(r) % 2) ? REV_IN_REVIEW : REV_UNREVIEWED;
    assert_int_equal(store_insert(st, &c, "test"), STORE_OK);
    imt_case_clear(&c);
}

static void test_counts_maintained(void **state)
{
    fx *f = *state;
    uint32_t r = 77;
    /* bulk import (an empty database) */
    assert_int_equal(store_begin(f->st), STORE_OK);
    for (int i = 0; i < 500; i++)
        add_simple(f->st, &r, i);
    counts_agree(f, &r, true);     /* inside the import's transaction */
    assert_int_equal(store_commit(f->st), STORE_OK);
    counts_agree(f, &r, false);
    /* a rolled-back import leaves them as they were */
    assert_int_equal(store_begin(f->st), STORE_OK);
    for (int i = 500; i < 700; i++)
        add_simple(f->st, &r, i);
    assert_int_equal(store_rollback(f->st), STORE_OK);
    counts_agree(f, &r, false);
    /* single inserts (not the bulk path: the database has cases) */
    for (int i = 700; i < 760; i++)
        add_simple(f->st, &r, i);
    counts_agree(f, &r, false);
    /* updates of each filter column, review states */
    for (int k = 0; k < 80; k++) {
        char id[32];
        snprintf(id, sizeof id, "C-%05u", rnd(&r) % 500);
        imt_case c;
        assert_int_equal(store_get(f->st, id, &c), STORE_OK);
        c.site = (int)(rnd(&r) % SITE_N);
        c.outcome = (int)(rnd(&r) % OUT_N);
        c.alk_ihc = rnd(&r) % 2 ? IHC3_POSITIVE : IHC3_NEGATIVE;
        int nch;
        assert_int_equal(store_update(f->st, &c, "test", &nch), STORE_OK);
        imt_case_clear(&c);
        assert_int_equal(store_set_review(f->st, id, rnd(&r) % 2 ? REV_IN_REVIEW : REV_UNREVIEWED,
                                          "x", NULL),
                         STORE_OK);
    }
    counts_agree(f, &r, false);
    /* an edit inside a transaction that is rolled back */
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_set_review(f->st, "C-00001", REV_IN_REVIEW, NULL, NULL), STORE_OK);
    add_simple(f->st, &r, 900);
    counts_agree(f, &r, true);
    assert_int_equal(store_rollback(f->st), STORE_OK);
    counts_agree(f, &r, false);
    /* another program deletes and changes rows (the triggers are SQL) */
    sqlite3 *db = raw(f);
    raw_exec(db, "PRAGMA foreign_keys = OFF; DELETE FROM cases WHERE id % 7 = 0; "
                 "UPDATE cases SET site = 'cns' WHERE id % 5 = 0; "
                 "UPDATE cases SET outcome = NULL WHERE id % 11 = 0; "
                 "UPDATE cases SET review_status = 'signed_out' WHERE id % 13 = 0;");
    sqlite3_close(db);
    counts_agree(f, &r, false);
    /* a search with value filters together */
    imt_filter flt;
    memset(&flt, 0, sizeof flt);
    filter_set_search(&flt, "c-000");
    flt.site_mask = 1u << SITE_CNS;
    db = raw(f);
    assert_int_equal(store_count(f->st, &flt),
                     raw_int(db, "SELECT count(*) FROM cases WHERE site = 'cns' AND "
                                 "case_id LIKE '%c-000%'"));
    sqlite3_close(db);
}

typedef struct {
    const char *id;
    long at, seen;
} finder;

static int find_pos(void *ctx, const imt_case *c)
{
    finder *fd = ctx;
    if (strcmp(c->case_id, fd->id) == 0)
        fd->at = fd->seen;
    fd->seen++;
    return 0;
}

/* The rank counted in slices (store_ranker, what the interface uses) is
 * the case's position in the filtered cases walked in the same order
 * (store_foreach), and store_rank's, for every sort, direction and
 * filter; -1 for a case the filter leaves out. */
static void test_ranker_equals_rank(void **state)
{
    fx *f = *state;
    uint32_t r = 4242;
    assert_int_equal(store_begin(f->st), STORE_OK);
    for (int i = 0; i < 600; i++)
        add_simple(f->st, &r, i);
    assert_int_equal(store_commit(f->st), STORE_OK);
    for (int k = 0; k < 120; k++) {
        imt_filter flt;
        memset(&flt, 0, sizeof flt);
        if (k % 3 == 1)
            flt.site_mask = 1u << (rnd(&r) % SITE_N) | 1u << (rnd(&r) % SITE_N);
        if (k % 4 == 2)
            filter_set_search(&flt, k % 8 == 2 ? "c-001" : "c-0");
        imt_sort so = { (imt_sort_key)(rnd(&r) % SORT_NKEYS), rnd(&r) % 2 == 0 };
        char id[32];
        snprintf(id, sizeof id, "C-%05u", rnd(&r) % 600);
        finder fd = { id, -1, 0 };
        assert_int_equal(store_foreach(f->st, &flt, so, find_pos, &fd), 0);
        long want = fd.at;
        assert_int_equal(store_rank(f->st, &flt, so, id), want);
        store_ranker *rk = store_ranker_open(f->st, &flt, so, id);
        assert_non_null(rk);
        long got = -2;
        int rc, steps = 0;
        while ((rc = store_ranker_step(rk, 7, &got)) == 1)
            steps++;
        assert_int_equal(rc, 0);
        store_ranker_close(rk);
        if (got != want)
            fail_msg("case %s sort %d%s: ranker %ld, rank %ld", id, so.key, so.desc ? " desc" : "",
                     got, want);
        if (want > 14)
            assert_true(steps >= 2);     /* it went in slices */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_search_equals_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_behind_our_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counts_maintained, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ranker_equals_rank, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
