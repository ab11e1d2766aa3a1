/* Unit tests for the store's review operations (issue 10) on temporary
 * SQLite databases, and with IMT_TEST_ENGINE=pg the same tests on
 * PostgreSQL databases in the throwaway cluster of tests/tools/with-pg.sh
 * (issue 11: the version check and the sign-out lock on both engines):
 * sign-out as a signature and a lock, re-opening with a
 * reason, decisions and when they go stale, the per-case decision state
 * and its filter, versions and --expect-version, conflicts with someone
 * else's change of the same field, deliberate overwrites, the one-pass
 * recompute after a rule-set change, and the count of changed cases.
 *
 * Expected values come from issue 10 and from the cases built here.  Which
 * recommendations a case has is asked of the rules module (core/rules.h,
 * tested on its own in test_rules.c), never of the store under test; a
 * raw sqlite3 or libpq connection looks under the store. */
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

#include "core/events.h"
#include "core/imtcase.h"
#include "core/review.h"
#include "core/rules.h"
#include "store/store.h"
#include "pgtest.h"

/* Which engine the tests run on. */
static bool on_pg;
/* The user the audit records: the login name given to store_open, or on
 * PostgreSQL the database role (the cluster's superuser, PGUSER). */
static const char *me(void)
{
    const char *u = getenv("PGUSER");
    return on_pg ? (u ? u : "?") : "tester";
}

typedef struct {
    char dir[64];
    char path[128];      /* the locator: a file, or a PostgreSQL database */
    char pgname[64];     /* that database's name                         */
    imt_store *st;
} fx;

/* SQL under the store's back, as the cluster's superuser or through a raw
 * sqlite3 connection. */
static void raw_sql(fx *f, const char *sql)
{
    if (on_pg) {
        PGconn *c = pgt_connect(f->pgname);
        assert_non_null(c);
        char msg[300];
        if (pgt_try(c, sql, msg, sizeof msg) != 0)
            fail_msg("%s: %s", sql, msg);
        PQfinish(c);
        return;
    }
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/imt-review-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/cases.db", f->dir);
    if (on_pg && pgt_create(f->pgname, sizeof f->pgname, f->path, sizeof f->path) != 0)
        return -1;
    char err[512];
    f->st = store_open(f->path, 0, "tester", err, sizeof err);
    if (!f->st) {
        fprintf(stderr, "store_open: %s\n", err);
        return -1;
    }
    store_set_full_name(f->st, "Test User");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    if (f->st)
        store_close(f->st);
    if (f->pgname[0])
        pgt_drop(f->pgname);
    else
        store_remove_files(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void set(imt_case *c, const char *name, const char *v)
{
    char err[256];
    int fi = imt_field_find(name);
    if (fi < 0 || imt_field_parse(c, fi, v, err, sizeof err) != 0)
        fail_msg("set %s=%s: %s", name, v, err);
}

/* A case given as "field=value;..." */
static void insert(imt_store *st, const char *id, const char *fields)
{
    imt_case c;
    imt_case_init(&c);
    set(&c, "case_id", id);
    char *copy = strdup(fields), *save = NULL;
    for (char *kv = strtok_r(copy, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        *eq = '\0';
        set(&c, kv, eq + 1);
    }
    free(copy);
    imt_case_derive(&c);
    int rc = store_insert(st, &c, "test");
    if (rc != STORE_OK)
        fail_msg("insert %s: %s", id, store_errmsg(st));
    imt_case_clear(&c);
}

static imt_case get(imt_store *st, const char *id)
{
    imt_case c;
    assert_int_equal(store_get(st, id, &c), STORE_OK);
    return c;
}

/* The ids of the recommendations that need a decision, by the rules
 * module on the case as stored. */
static int needing(imt_store *st, const char *id, const char *ids[], int max)
{
    static rules_result res;
    imt_case c = get(st, id);
    rules_evaluate(&c, NULL, &res);
    imt_case_clear(&c);
    int n = 0;
    for (int i = 0; i < res.n && n < max; i++)
        if (res.recs[i].level != RL_INFO)
            ids[n++] = res.recs[i].id;
    return n;
}

static void accept_all(imt_store *st, const char *id)
{
    const char *ids[RULES_MAX_RESULTS];
    int n = needing(st, id, ids, RULES_MAX_RESULTS);
    for (int i = 0; i < n; i++) {
        store_decide_req rq = { id, ids[i], DECISION_ACCEPT, -1, NULL };
        store_decide_result r;
        if (store_decide(st, &rq, &r) != STORE_OK)
            fail_msg("decide %s %s: %s", id, ids[i], store_errmsg(st));
    }
}

typedef struct { long n; int signed_rows; char last_source[32]; char last_comment[200];
                 char full_name[80]; } audit_count;

static int count_cb(void *ctx, const imt_audit *a)
{
    audit_count *x = ctx;
    x->n++;
    snprintf(x->last_source, sizeof x->last_source, "%s", a->source ? a->source : "");
    snprintf(x->last_comment, sizeof x->last_comment, "%s", a->comment ? a->comment : "");
    if (strcmp(a->field, "review_status") == 0 && a->new_value &&
        strcmp(a->new_value, "signed_out") == 0) {
        x->signed_rows++;
        snprintf(x->full_name, sizeof x->full_name, "%s", a->full_name ? a->full_name : "");
    }
    return 0;
}

static long audit_rows(imt_store *st, const char *id)
{
    audit_count x = { 0 };
    assert_int_equal(store_audit_foreach(st, id, count_cb, &x), 0);
    return x.n;
}

static long count_dec(imt_store *st, unsigned mask)
{
    imt_filter f;
    memset(&f, 0, sizeof f);
    f.decision_mask = mask;
    return store_count(st, &f);
}

/* ---- sign-out: a signature and a lock ---------------------------------------- */

static void test_signout_needs_decisions(void **state)
{
    fx *f = *state;
    insert(f->st, "A-1", "site=lung");
    const char *ids[RULES_MAX_RESULTS];
    int n = needing(f->st, "A-1", ids, RULES_MAX_RESULTS);
    assert_true(n >= 2);
    long rows = audit_rows(f->st, "A-1");
    imt_case c = get(f->st, "A-1");
    long long v0 = c.version;
    assert_int_equal(v0, 1);
    assert_int_equal(c.decision_state, DSTATE_UNDECIDED);
    imt_case_clear(&c);
    store_review_req rq = { "A-1", REV_SIGNED_OUT, "done", NULL, RULESET_VERSION };
    store_review_result res;
    assert_int_equal(store_review(f->st, &rq, &res), STORE_REFUSED);
    /* the message lists every undecided rule */
    for (int i = 0; i < n; i++)
        assert_non_null(strstr(store_errmsg(f->st), ids[i]));
    assert_int_equal(audit_rows(f->st, "A-1"), rows);
    c = get(f->st, "A-1");
    assert_int_equal(c.review_status, REV_UNREVIEWED);
    assert_int_equal(c.version, v0);
    imt_case_clear(&c);

    /* all but one decided: still refused, naming only that one */
    for (int i = 1; i < n; i++) {
        store_decide_req d = { "A-1", ids[i], DECISION_OVERRIDE, OVR_ALREADY_DONE, NULL };
        store_decide_result r;
        assert_int_equal(store_decide(f->st, &d, &r), STORE_OK);
        assert_int_equal(r.version, v0 + i);        /* each decision a new version */
        assert_string_equal(r.ruleset, RULESET_VERSION);
    }
    assert_int_equal(store_review(f->st, &rq, &res), STORE_REFUSED);
    assert_non_null(strstr(store_errmsg(f->st), ids[0]));
    for (int i = 1; i < n; i++)
        assert_null(strstr(store_errmsg(f->st), ids[i]));
    c = get(f->st, "A-1");
    assert_int_equal(c.decision_state, DSTATE_UNDECIDED);
    imt_case_clear(&c);

    store_decide_req d0 = { "A-1", ids[0], DECISION_ACCEPT, -1, "agreed" };
    store_decide_result r0;
    assert_int_equal(store_decide(f->st, &d0, &r0), STORE_OK);
    c = get(f->st, "A-1");
    assert_int_equal(c.decision_state, DSTATE_DECIDED);
    imt_case_clear(&c);
    assert_int_equal(store_review(f->st, &rq, &res), STORE_OK);
    assert_int_equal(res.previous, REV_UNREVIEWED);
    assert_string_equal(res.reviewer, me());
    assert_string_equal(res.full_name, "Test User");
    c = get(f->st, "A-1");
    assert_int_equal(c.review_status, REV_SIGNED_OUT);
    assert_string_equal(c.reviewer, me());
    assert_string_equal(c.signer_name, "Test User");
    assert_string_equal(c.review_comment, "done");
    assert_string_equal(c.reviewed_at, res.time);
    assert_int_equal(c.version, v0 + n + 1);
    imt_case_clear(&c);
    audit_count x = { 0 };
    assert_int_equal(store_audit_foreach(f->st, "A-1", count_cb, &x), 0);
    assert_int_equal(x.signed_rows, 1);
    assert_string_equal(x.full_name, "Test User");
}

static void test_signed_out_is_locked(void **state)
{
    fx *f = *state;
    insert(f->st, "L-1", "site=lung;notes=first");
    accept_all(f->st, "L-1");
    store_review_req rq = { "L-1", REV_SIGNED_OUT, NULL, NULL, RULESET_VERSION };
    store_review_result res;
    assert_int_equal(store_review(f->st, &rq, &res), STORE_OK);
    long rows = audit_rows(f->st, "L-1");
    imt_case c = get(f->st, "L-1");
    long long v = c.version;

    /* an edit: refused naming who signed it out and when */
    imt_case nv;
    imt_case_init(&nv);
    set(&nv, "notes", "second");
    int fields[] = { IMT_F_notes };
    store_edit_req e = { .values = &nv, .fields = fields, .nf = 1 };
    store_edit_result er;
    assert_int_equal(store_edit(f->st, "L-1", &e, &er), STORE_REFUSED);
    char by[160];
    snprintf(by, sizeof by, "signed out by %s (Test User)", me());
    assert_non_null(strstr(store_errmsg(f->st), by));
    assert_non_null(strstr(store_errmsg(f->st), c.reviewed_at));
    store_edit_result_clear(&er);
    /* an update (import --update) changing it */
    imt_case u;
    assert_int_equal(imt_case_copy(&u, &c), 0);
    set(&u, "notes", "third");
    int nch = -1;
    assert_int_equal(store_update(f->st, &u, "import x", &nch), STORE_REFUSED);
    imt_case_clear(&u);
    /* ... an update that changes nothing is no change */
    assert_int_equal(imt_case_copy(&u, &c), 0);
    assert_int_equal(store_update(f->st, &u, "import x", &nch), STORE_OK);
    assert_int_equal(nch, 0);
    imt_case_clear(&u);
    /* a decision */
    const char *ids[RULES_MAX_RESULTS];
    needing(f->st, "L-1", ids, RULES_MAX_RESULTS);
    store_decide_req d = { "L-1", ids[0], DECISION_ACCEPT, -1, NULL };
    store_decide_result dr;
    assert_int_equal(store_decide(f->st, &d, &dr), STORE_REFUSED);
    assert_non_null(strstr(store_errmsg(f->st), "signed out"));
    /* signing again, leaving without a reason */
    assert_int_equal(store_review(f->st, &rq, &res), STORE_REFUSED);
    store_review_req back = { "L-1", REV_IN_REVIEW, "oops", NULL, RULESET_VERSION };
    assert_int_equal(store_review(f->st, &back, &res), STORE_REFUSED);
    assert_non_null(strstr(store_errmsg(f->st), "reason"));
    back.reason = "";
    assert_int_equal(store_review(f->st, &back, &res), STORE_REFUSED);
    /* nothing of all that was written */
    assert_int_equal(audit_rows(f->st, "L-1"), rows);
    imt_case c2 = get(f->st, "L-1");
    assert_int_equal(c2.version, v);
    assert_string_equal(c2.notes, "first");
    imt_case_clear(&c2);

    /* re-opened with a reason: audited as such, the signature stays */
    back.reason = "FISH result arrived";
    back.comment = NULL;
    assert_int_equal(store_review(f->st, &back, &res), STORE_OK);
    assert_int_equal(res.previous, REV_SIGNED_OUT);
    audit_count x = { 0 };
    assert_int_equal(store_audit_foreach(f->st, "L-1", count_cb, &x), 0);
    assert_int_equal(x.signed_rows, 1);
    c2 = get(f->st, "L-1");
    assert_int_equal(c2.review_status, REV_IN_REVIEW);
    assert_null(c2.signer_name);
    assert_string_equal(c2.review_comment, "FISH result arrived");
    imt_case_clear(&c2);
    /* editable again */
    assert_int_equal(store_edit(f->st, "L-1", &e, &er), STORE_OK);
    assert_int_equal(er.nchanged, 1);
    store_edit_result_clear(&er);
    imt_case_clear(&nv);
    imt_case_clear(&c);
}

static int reopen_rows;
static int reopen_cb(void *ctx, const imt_audit *a)
{
    (void)ctx;
    if (strcmp(a->field, "review_status") == 0 && a->source && strcmp(a->source, "re-open") == 0 &&
        a->comment && strcmp(a->comment, "second look") == 0 && a->old_value &&
        strcmp(a->old_value, "signed_out") == 0)
        reopen_rows++;
    return 0;
}

static void test_reopen_audited(void **state)
{
    fx *f = *state;
    insert(f->st, "R-1", "site=cns");
    accept_all(f->st, "R-1");
    store_review_req so = { "R-1", REV_SIGNED_OUT, NULL, NULL, RULESET_VERSION };
    store_review_result res;
    assert_int_equal(store_review(f->st, &so, &res), STORE_OK);
    store_review_req back = { "R-1", REV_UNREVIEWED, NULL, "second look", RULESET_VERSION };
    assert_int_equal(store_review(f->st, &back, &res), STORE_OK);
    reopen_rows = 0;
    assert_int_equal(store_audit_foreach(f->st, "R-1", reopen_cb, NULL), 0);
    assert_int_equal(reopen_rows, 1);
    imt_case c = get(f->st, "R-1");
    assert_int_equal(c.review_status, REV_UNREVIEWED);
    assert_null(c.reviewer);
    assert_null(c.reviewed_at);
    imt_case_clear(&c);
    /* the history still checks out */
    assert_int_equal(store_check(f->st, NULL, NULL), 0);
}

/* ---- decisions: refused ones, staleness, the state and its filter -------------- */

static void test_decide_refusals(void **state)
{
    fx *f = *state;
    insert(f->st, "D-1", "site=lung;size_cm=7");
    store_decide_req d = { "D-1", "TX-ALK-TKI", DECISION_ACCEPT, -1, NULL };
    store_decide_result r;
    /* the rule exists but does not fire for this case */
    assert_int_equal(store_decide(f->st, &d, &r), STORE_REFUSED);
    assert_non_null(strstr(store_errmsg(f->st), "does not fire"));
    d.rule_id = "NO-SUCH-RULE";
    assert_int_equal(store_decide(f->st, &d, &r), STORE_REFUSED);
    /* an info-level recommendation (rules.md: FU-STAGING always fires as
     * info) needs no decision */
    d.rule_id = "FU-STAGING";
    assert_int_equal(store_decide(f->st, &d, &r), STORE_REFUSED);
    assert_non_null(strstr(store_errmsg(f->st), "info"));
    /* other without a comment */
    d.rule_id = "DX-MDT";
    d.decision = DECISION_OVERRIDE;
    d.reason = OVR_OTHER;
    assert_int_equal(store_decide(f->st, &d, &r), STORE_REFUSED);
    d.comment = "board decided";
    assert_int_equal(store_decide(f->st, &d, &r), STORE_OK);
    /* no such case */
    d.case_id = "NOPE";
    assert_int_equal(store_decide(f->st, &d, &r), STORE_NOTFOUND);
    /* the stored decision as read back */
    store_decision *v;
    int n;
    assert_int_equal(store_decisions(f->st, "D-1", &v, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].rule_id, "DX-MDT");
    assert_int_equal(v[0].decision, DECISION_OVERRIDE);
    assert_int_equal(v[0].reason, OVR_OTHER);
    assert_string_equal(v[0].comment, "board decided");
    assert_string_equal(v[0].user, me());
    assert_string_equal(v[0].ruleset, RULESET_VERSION);
    assert_true(v[0].fires);
    assert_false(v[0].stale);
    assert_true(v[0].nfacts >= 1);
    store_decisions_free(v, n);
}

static void test_stale_on_fact_change(void **state)
{
    fx *f = *state;
    /* rules.md: TX-SURGERY fires when resectable = yes and surgery is
     * empty, none or biopsy; its facts name both */
    insert(f->st, "S-1", "site=lung;resectable=yes;surgery=none");
    accept_all(f->st, "S-1");
    imt_case c = get(f->st, "S-1");
    assert_int_equal(c.decision_state, DSTATE_DECIDED);
    imt_case_clear(&c);
    assert_int_equal(count_dec(f->st, 1u << FDEC_DECIDED), 1);
    assert_int_equal(count_dec(f->st, 1u << FDEC_STALE), 0);
    assert_int_equal(count_dec(f->st, 1u << FDEC_UNDECIDED), 0);
    /* taking the case into review does not make DX-MDT's decision stale */
    store_review_req rv = { "S-1", REV_IN_REVIEW, NULL, NULL, RULESET_VERSION };
    store_review_result rr;
    assert_int_equal(store_review(f->st, &rv, &rr), STORE_OK);
    c = get(f->st, "S-1");
    assert_int_equal(c.decision_state, DSTATE_DECIDED);
    imt_case_clear(&c);

    /* surgery none -> biopsy: TX-SURGERY still fires, on another fact
     * (and, rules.md, FU-LONG-TERM now fires too: a biopsy is treatment) */
    imt_case nv;
    imt_case_init(&nv);
    set(&nv, "surgery", "biopsy");
    int fields[] = { IMT_F_surgery };
    store_edit_req e = { .values = &nv, .fields = fields, .nf = 1 };
    store_edit_result er;
    assert_int_equal(store_edit(f->st, "S-1", &e, &er), STORE_OK);
    assert_int_equal(er.after.decision_state, DSTATE_STALE);
    store_edit_result_clear(&er);
    assert_int_equal(count_dec(f->st, 1u << FDEC_STALE), 1);
    assert_int_equal(count_dec(f->st, 1u << FDEC_UNDECIDED), 1);   /* stale counts */
    assert_int_equal(count_dec(f->st, 1u << FDEC_DECIDED), 0);
    store_decision *v;
    int n;
    assert_int_equal(store_decisions(f->st, "S-1", &v, &n), STORE_OK);
    int stale = 0;
    for (int i = 0; i < n; i++)
        if (strcmp(v[i].rule_id, "TX-SURGERY") == 0) {
            assert_true(v[i].stale);
            assert_true(v[i].fires);
            assert_non_null(strstr(v[i].why, "surgery"));
            stale++;
        } else {
            assert_false(v[i].stale);
        }
    assert_int_equal(stale, 1);
    store_decisions_free(v, n);
    /* signing out is refused: the stale one is named as stale, the new
     * one as undecided */
    store_review_req so = { "S-1", REV_SIGNED_OUT, NULL, NULL, RULESET_VERSION };
    assert_int_equal(store_review(f->st, &so, &rr), STORE_REFUSED);
    assert_non_null(strstr(store_errmsg(f->st), "TX-SURGERY (stale)"));
    assert_non_null(strstr(store_errmsg(f->st), "FU-LONG-TERM"));
    assert_null(strstr(store_errmsg(f->st), "FU-LONG-TERM (stale)"));
    /* deciding again makes it current: no longer stale, still undecided */
    store_decide_req d = { "S-1", "TX-SURGERY", DECISION_OVERRIDE, OVR_PATIENT_DECLINED, NULL };
    store_decide_result r;
    assert_int_equal(store_decide(f->st, &d, &r), STORE_OK);
    assert_int_equal(count_dec(f->st, 1u << FDEC_STALE), 0);
    assert_int_equal(count_dec(f->st, 1u << FDEC_UNDECIDED), 1);
    store_decide_req d2 = { "S-1", "FU-LONG-TERM", DECISION_ACCEPT, -1, NULL };
    assert_int_equal(store_decide(f->st, &d2, &r), STORE_OK);
    assert_int_equal(count_dec(f->st, 1u << FDEC_DECIDED), 1);
    assert_int_equal(store_review(f->st, &so, &rr), STORE_OK);
    imt_case_clear(&nv);
    assert_int_equal(store_check(f->st, NULL, NULL), 0);
}

static void test_stale_on_ruleset_and_recompute(void **state)
{
    fx *f = *state;
    insert(f->st, "X-1", "site=lung");
    insert(f->st, "X-2", "site=cns");
    accept_all(f->st, "X-1");
    accept_all(f->st, "X-2");
    assert_int_equal(count_dec(f->st, 1u << FDEC_DECIDED), 2);
    store_close(f->st);
    f->st = NULL;
    /* Under the store's back: X-2's decisions as if made under an older
     * rule set, every state wrong, and the states recorded as computed
     * under that older set. */
    if (on_pg)
        raw_sql(f,
            "SET search_path = imtreview;"
            "INSERT INTO decisions (seq, case_id, rule_id, ruleset, decision, reason, comment, "
            "fired_by, \"user\", time) SELECT seq + 1000, case_id, rule_id, "
            "'imt-consensus-2024.0', decision, reason, comment, fired_by, \"user\", time "
            "FROM decisions WHERE case_id = 'X-2';"
            "UPDATE cases SET decision_state = 1;"
            "UPDATE derived SET value = 'imt-consensus-2024.0' WHERE key = 'decision_ruleset';");
    else
        raw_sql(f,
            "INSERT INTO decisions (case_id, rule_id, ruleset, decision, reason, comment, "
            "fired_by, user, time) SELECT case_id, rule_id, 'imt-consensus-2024.0', decision, "
            "reason, comment, fired_by, user, time FROM decisions WHERE case_id = 'X-2';"
            "UPDATE cases SET decision_state = 1;"
            "UPDATE meta SET value = 'imt-consensus-2024.0' WHERE key = 'decision_ruleset';");
    char err[512];
    /* read-only: nothing recomputed (the file is not written) */
    imt_store *ro = store_open(f->path, STORE_OPEN_READONLY, "tester", err, sizeof err);
    assert_non_null(ro);
    imt_filter fl;
    memset(&fl, 0, sizeof fl);
    fl.decision_mask = 1u << FDEC_DECIDED;
    assert_int_equal(store_count(ro, &fl), 0);
    store_close(ro);
    /* the next writable open recomputes every state in one pass */
    f->st = store_open(f->path, 0, "tester", err, sizeof err);
    assert_non_null(f->st);
    imt_case c = get(f->st, "X-1");
    assert_int_equal(c.decision_state, DSTATE_DECIDED);
    imt_case_clear(&c);
    c = get(f->st, "X-2");
    assert_int_equal(c.decision_state, DSTATE_STALE);
    imt_case_clear(&c);
    store_decision *v;
    int n;
    assert_int_equal(store_decisions(f->st, "X-2", &v, &n), STORE_OK);
    assert_true(n >= 1);
    for (int i = 0; i < n; i++) {
        assert_true(v[i].stale);
        assert_non_null(strstr(v[i].why, "imt-consensus-2024.0"));
    }
    store_decisions_free(v, n);
    assert_int_equal(store_check(f->st, NULL, NULL), 0);
}

/* ---- versions, conflicts, overwrites --------------------------------------------- */

static void test_expect_version(void **state)
{
    fx *f = *state;
    insert(f->st, "V-1", "site=lung;age_years=40");
    imt_case nv;
    imt_case_init(&nv);
    set(&nv, "age_years", "41");
    int fields[] = { IMT_F_age_years };
    store_edit_req e = { .values = &nv, .fields = fields, .nf = 1, .expect_version = 1 };
    store_edit_result r;
    assert_int_equal(store_edit(f->st, "V-1", &e, &r), STORE_OK);
    assert_int_equal(r.nchanged, 1);
    assert_int_equal(r.changed[0], IMT_F_age_years);
    assert_int_equal(r.before.version, 1);
    assert_int_equal(r.after.version, 2);
    assert_true(r.before.age_years.v == 40 && r.after.age_years.v == 41);
    store_edit_result_clear(&r);
    long rows = audit_rows(f->st, "V-1");
    /* stale: refused naming the version, who and when; nothing written */
    set(&nv, "age_years", "42");
    assert_int_equal(store_edit(f->st, "V-1", &e, &r), STORE_CONFLICT);
    assert_non_null(strstr(store_errmsg(f->st), "version 2"));
    assert_non_null(strstr(store_errmsg(f->st), me()));
    assert_string_equal(r.last_user, me());
    assert_true(strlen(r.last_time) == 20);
    assert_int_equal(r.after.version, 2);
    store_edit_result_clear(&r);
    assert_int_equal(audit_rows(f->st, "V-1"), rows);
    /* a change to the same value is no change: no new version */
    set(&nv, "age_years", "41");
    e.expect_version = 2;
    assert_int_equal(store_edit(f->st, "V-1", &e, &r), STORE_OK);
    assert_int_equal(r.nchanged, 0);
    assert_int_equal(r.after.version, 2);
    store_edit_result_clear(&r);
    /* every kind of saved change is a new version */
    store_review_req rv = { "V-1", REV_IN_REVIEW, NULL, NULL, RULESET_VERSION };
    store_review_result rr;
    assert_int_equal(store_review(f->st, &rv, &rr), STORE_OK);
    assert_int_equal(rr.version, 3);
    imt_case c = get(f->st, "V-1");
    set(&c, "notes", "by import");
    int nch;
    assert_int_equal(store_update(f->st, &c, "import x", &nch), STORE_OK);
    imt_case_clear(&c);
    c = get(f->st, "V-1");
    assert_int_equal(c.version, 4);
    imt_case_clear(&c);
    /* review fields and derived ones are not edited this way */
    int rf[] = { IMT_F_review_status };
    store_edit_req e2 = { .values = &nv, .fields = rf, .nf = 1 };
    assert_int_equal(store_edit(f->st, "V-1", &e2, &r), STORE_REFUSED);
    store_edit_result_clear(&r);
    int df[] = { IMT_F_alk_status };
    e2.fields = df;
    assert_int_equal(store_edit(f->st, "V-1", &e2, &r), STORE_REFUSED);
    store_edit_result_clear(&r);
    assert_int_equal(store_edit(f->st, "NOPE", &e, &r), STORE_NOTFOUND);
    store_edit_result_clear(&r);
    imt_case_clear(&nv);
}

typedef struct { int overwrite; char comment[300]; } ow_ctx;
static int ow_cb(void *ctx, const imt_audit *a)
{
    ow_ctx *x = ctx;
    if (strcmp(a->field, "notes") == 0 && a->source && strcmp(a->source, "overwrite") == 0) {
        x->overwrite++;
        snprintf(x->comment, sizeof x->comment, "%s", a->comment ? a->comment : "");
    }
    return 0;
}

static void test_conflict_same_field(void **state)
{
    fx *f = *state;
    insert(f->st, "C-1", "site=lung;notes=original;age_years=30");
    imt_case base = get(f->st, "C-1");            /* session B reads */
    /* session A changes notes */
    imt_case theirs;
    imt_case_init(&theirs);
    set(&theirs, "notes", "theirs");
    int nf[] = { IMT_F_notes };
    store_edit_req ea = { .values = &theirs, .fields = nf, .nf = 1 };
    store_edit_result r;
    assert_int_equal(store_edit(f->st, "C-1", &ea, &r), STORE_OK);
    store_edit_result_clear(&r);
    long rows = audit_rows(f->st, "C-1");
    /* session B saves notes from its older copy: refused, both values */
    imt_case mine;
    imt_case_init(&mine);
    set(&mine, "notes", "mine");
    set(&mine, "age_years", "31");
    store_edit_req eb = { .values = &mine, .fields = nf, .nf = 1, .base = &base };
    assert_int_equal(store_edit(f->st, "C-1", &eb, &r), STORE_CONFLICT);
    assert_int_equal(r.conflict_field, IMT_F_notes);
    assert_string_equal(r.field_user, me());
    assert_string_equal(r.before.notes, "theirs");
    assert_non_null(strstr(store_errmsg(f->st), "'theirs'"));
    assert_non_null(strstr(store_errmsg(f->st), "'mine'"));
    store_edit_result_clear(&r);
    assert_int_equal(audit_rows(f->st, "C-1"), rows);
    /* another field from the same old copy merges */
    int af[] = { IMT_F_age_years };
    eb.fields = af;
    assert_int_equal(store_edit(f->st, "C-1", &eb, &r), STORE_OK);
    assert_string_equal(r.after.notes, "theirs");
    assert_true(r.after.age_years.v == 31);
    store_edit_result_clear(&r);
    /* the same value as theirs is no conflict */
    set(&mine, "notes", "theirs");
    eb.fields = nf;
    assert_int_equal(store_edit(f->st, "C-1", &eb, &r), STORE_OK);
    assert_int_equal(r.nchanged, 0);
    store_edit_result_clear(&r);
    /* mine, on purpose: saved and audited as a deliberate overwrite */
    set(&mine, "notes", "mine");
    eb.overwrite = nf;
    eb.noverwrite = 1;
    assert_int_equal(store_edit(f->st, "C-1", &eb, &r), STORE_OK);
    assert_string_equal(r.after.notes, "mine");
    store_edit_result_clear(&r);
    ow_ctx x = { 0 };
    assert_int_equal(store_audit_foreach(f->st, "C-1", ow_cb, &x), 0);
    assert_int_equal(x.overwrite, 1);
    assert_non_null(strstr(x.comment, "deliberate overwrite"));
    assert_non_null(strstr(x.comment, "theirs"));
    imt_case_clear(&base);
    imt_case_clear(&theirs);
    imt_case_clear(&mine);
    assert_int_equal(store_check(f->st, NULL, NULL), 0);
}

static void test_changes_since(void **state)
{
    fx *f = *state;
    long long mark = 0;
    long n;
    bool more;
    insert(f->st, "M-1", "site=lung");
    assert_int_equal(store_changes_since(f->st, &mark, 100, &n, &more), STORE_OK);
    assert_int_equal(n, 0);                      /* 0 = from now */
    assert_true(mark > 0);
    insert(f->st, "M-2", "site=lung");
    insert(f->st, "M-3", "site=lung");
    store_review_req rv = { "M-2", REV_IN_REVIEW, NULL, NULL, RULESET_VERSION };
    store_review_result rr;
    assert_int_equal(store_review(f->st, &rv, &rr), STORE_OK);   /* 3 rows, one case */
    assert_int_equal(store_changes_since(f->st, &mark, 100, &n, &more), STORE_OK);
    assert_int_equal(n, 2);
    assert_false(more);
    assert_int_equal(store_changes_since(f->st, &mark, 100, &n, &more), STORE_OK);
    assert_int_equal(n, 0);
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "N-%d", i);
        insert(f->st, id, "site=cns");
    }
    assert_int_equal(store_changes_since(f->st, &mark, 3, &n, &more), STORE_OK);
    assert_true(more);
    assert_int_equal(n, 3);
}

/* FU-OVERDUE (a warning) fires once next_due is before today, with no
 * write: the next writable open on a later day brings the state up to
 * date.  Its "today = ..." fact changes every day without making a
 * decision on it stale. */
static void test_overdue_by_date(void **state)
{
    /* next_due and the follow-up dates are the SQLite engine's only, for now */
    if (on_pg)
        skip();
    fx *f = *state;
    setenv("IMTREVIEW_TODAY", "2020-01-01", 1);
    store_close(f->st);
    char err[512];
    f->st = store_open(f->path, 0, "tester", err, sizeof err);
    assert_non_null(f->st);
    insert(f->st, "O-1", "site=lung;diagnosis_date=2019-06-01;outcome=NED;followup_months=6;"
                         "resectable=yes;surgery=R0;imaging=CT");
    imt_case c = get(f->st, "O-1");
    char due[11];
    snprintf(due, sizeof due, "%s", c.next_due);
    imt_case_clear(&c);
    if (!due[0] || strcmp(due, "2020-01-01") <= 0) {
        unsetenv("IMTREVIEW_TODAY");
        fail_msg("the fixture needs a next_due after 2020-01-01, got '%s'", due);
    }
    accept_all(f->st, "O-1");
    c = get(f->st, "O-1");
    assert_int_equal(c.decision_state, DSTATE_DECIDED);
    imt_case_clear(&c);
    /* a year later: overdue; the next writable open notices */
    store_close(f->st);
    setenv("IMTREVIEW_TODAY", "2030-01-01", 1);
    f->st = store_open(f->path, 0, "tester", err, sizeof err);
    assert_non_null(f->st);
    c = get(f->st, "O-1");
    assert_int_equal(c.decision_state, DSTATE_UNDECIDED);
    imt_case_clear(&c);
    store_decide_req d = { "O-1", "FU-OVERDUE", DECISION_OVERRIDE, OVR_ALREADY_DONE, NULL };
    store_decide_result r;
    assert_int_equal(store_decide(f->st, &d, &r), STORE_OK);
    c = get(f->st, "O-1");
    assert_int_equal(c.decision_state, DSTATE_DECIDED);
    imt_case_clear(&c);
    /* another day: still overdue, the decision stands */
    store_close(f->st);
    setenv("IMTREVIEW_TODAY", "2030-01-02", 1);
    f->st = store_open(f->path, 0, "tester", err, sizeof err);
    assert_non_null(f->st);
    store_decision *v;
    int n;
    assert_int_equal(store_decisions(f->st, "O-1", &v, &n), STORE_OK);
    bool seen = false;
    for (int i = 0; i < n; i++)
        if (strcmp(v[i].rule_id, "FU-OVERDUE") == 0) {
            seen = true;
            assert_true(v[i].fires);
            assert_false(v[i].stale);
        }
    store_decisions_free(v, n);
    assert_true(seen);
    c = get(f->st, "O-1");
    assert_int_equal(c.decision_state, DSTATE_DECIDED);
    imt_case_clear(&c);
    assert_int_equal(store_check(f->st, NULL, NULL), 0);
    unsetenv("IMTREVIEW_TODAY");
}

/* A change of the course (an event added, changed, removed) is a saved
 * change of the case: a new version, and its decision state follows the
 * course rules. */
static void test_course_is_a_change(void **state)
{
    /* editing the course is the SQLite engine's only, for now */
    if (on_pg)
        skip();
    fx *f = *state;
    insert(f->st, "E-1", "site=lung;diagnosis_date=2019-06-01;outcome=NED;followup_months=6");
    imt_case c = get(f->st, "E-1");
    long long v = c.version;
    imt_case_clear(&c);
    imt_event e;
    ev_init(&e);
    snprintf(e.date, sizeof e.date, "2019-07-01");
    e.type = EV_CONTACT;
    long long id = 0;
    assert_int_equal(store_course_edit(f->st, "E-1", COURSE_ADD, 0, &e, "test", &id), STORE_OK);
    c = get(f->st, "E-1");
    assert_int_equal(c.version, v + 1);
    imt_case_clear(&c);
    assert_int_equal(store_course_edit(f->st, "E-1", COURSE_REMOVE, id, NULL, "test", NULL),
                     STORE_OK);
    c = get(f->st, "E-1");
    assert_int_equal(c.version, v + 2);
    imt_case_clear(&c);
    ev_clear(&e);
    assert_int_equal(store_check(f->st, NULL, NULL), 0);
}

/* A file that says schema version 5 but was made without version 4's
 * review columns (the two were written side by side) gets them at the
 * next writable open; read-only it is refused with the way out. */
static void test_repair_missing_v4(void **state)
{
    if (on_pg)
        skip();             /* a repair of SQLite files */
    fx *f = *state;
    insert(f->st, "P-1", "site=lung");
    store_close(f->st);
    f->st = NULL;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    /* (version 6's counts and search index dropped too, and the file
     * said version 5: what the two branches wrote side by side) */
    assert_int_equal(sqlite3_exec(db,
        "DROP TRIGGER case_counts_insert; DROP TRIGGER case_counts_delete; "
        "DROP TRIGGER case_counts_update; DROP TRIGGER case_search_insert; "
        "DROP TRIGGER case_search_update; DROP TRIGGER case_search_delete; "
        "DROP TABLE case_counts; DROP TABLE case_search; DROP TABLE case_search_pending; "
        "PRAGMA user_version = 5; "
        "DROP TABLE decisions; DROP INDEX cases_decision; ALTER TABLE cases DROP COLUMN version; "
        "ALTER TABLE cases DROP COLUMN decision_state; ALTER TABLE cases DROP COLUMN review_comment; "
        "ALTER TABLE cases DROP COLUMN signer_name; ALTER TABLE audit DROP COLUMN rule_id; "
        "ALTER TABLE audit DROP COLUMN fired_by; ALTER TABLE audit DROP COLUMN full_name; "
        "DELETE FROM meta WHERE key IN ('decision_ruleset', 'decision_day')",
        NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    char err[512];
    imt_store *ro = store_open(f->path, STORE_OPEN_READONLY, "tester", err, sizeof err);
    assert_null(ro);
    assert_non_null(strstr(err, "without --readonly"));
    f->st = store_open(f->path, 0, "tester", err, sizeof err);
    assert_non_null(f->st);
    imt_case c = get(f->st, "P-1");
    assert_int_equal(c.version, 1);
    assert_int_equal(c.decision_state, DSTATE_UNDECIDED);
    imt_case_clear(&c);
    accept_all(f->st, "P-1");
    c = get(f->st, "P-1");
    assert_int_equal(c.decision_state, DSTATE_DECIDED);
    imt_case_clear(&c);
    assert_int_equal(store_check(f->st, NULL, NULL), 0);
}

int main(void)
{
    on_pg = pgt_on_pg();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_signout_needs_decisions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signed_out_is_locked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_audited, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decide_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_on_fact_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_on_ruleset_and_recompute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expect_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflict_same_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes_since, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repair_missing_v4, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overdue_by_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_course_is_a_change, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
