/* store/pg/check.c - store_check for PostgreSQL, in one read-only
 * snapshot: the audit trail's protection (triggers present and enabled),
 * the schema version and key, every value against the dictionary, the
 * derived fields and the search copies, the hash chain recomputed
 * (store/chain.h) and its head row, each case's history replayed. */
#define _GNU_SOURCE
#include "pg_int.h"

typedef struct {
    imt_backend *b;
    void (*report)(void *ctx, const char *msg);
    void *ctx;
    long n;
    bool states;      /* the decision states are up to date: compare them */
} checker;

static void problem(checker *ck, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(checker *ck, const char *fmt, ...)
{
    ck->n++;
    if (ck->n > PG_CHECK_REPORT_CAP || !ck->report)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ck->report(ck->ctx, msg);
}

static void problem_text(void *vck, const char *msg)
{
    problem(vck, "%s", msg);
}

/* ---- the values --------------------------------------------------------------------- */

/* The raw text of a text-format column in a binary row (NUL-terminated
 * copy in buf). */
static const char *raw_text(const PGresult *r, int i, int col, char *buf, size_t n)
{
    if (PQgetisnull(r, i, col))
        return NULL;
    int len = PQgetlength(r, i, col);
    snprintf(buf, n, "%.*s", len, PQgetvalue(r, i, col));
    return buf;
}

static void check_value(checker *ck, const char *id, const PGresult *r, int i,
                        const imt_case *c, int f)
{
    const imt_field *fd = &imt_fields[f];
    char b1[160], raw[4096];
    if (PQgetisnull(r, i, f)) {
        if (f == IMT_F_case_id || f == IMT_F_site || f == IMT_F_review_status ||
            (fd->flags & FF_DERIVED))
            problem(ck, "case '%s': column '%s' is empty but must have a value", id, fd->name);
        return;
    }
    switch (fd->type) {
    case FT_DEC:
    case FT_INT: {
        const imt_num *v = REC_FCPTR(c, f, imt_num);
        if (!v->known || isnan(v->v) || v->v < fd->min || v->v > fd->max ||
            (fd->type == FT_INT && v->v != floor(v->v))) {
            char num[64];
            snprintf(num, sizeof num, "%.17g", v->v);
            problem(ck, "case '%s': column '%s' holds '%s', not a %s within the dictionary's "
                        "range", id, fd->name, v->known ? num : "?",
                    fd->type == FT_INT ? "whole number" : "number");
        }
        return;
    }
    case FT_ENUM: {
        const char *t = raw_text(r, i, f, raw, sizeof raw);
        if (rec_enum_exact(fd->values, t) < 0)
            problem(ck, "case '%s': column '%s' holds '%s', not one of the dictionary's values",
                    id, fd->name, rec_safe(t, b1, sizeof b1));
        return;
    }
    case FT_BOOL:
        if (*REC_FCPTR(c, f, int) == IMT_UNKNOWN)
            problem(ck, "case '%s': column '%s' is not 0 or 1", id, fd->name);
        return;
    default:
        break;
    }
    const char *txt = raw_text(r, i, f, raw, sizeof raw);
    if (!txt || !*txt || (int)strlen(txt) != PQgetlength(r, i, f)) {
        problem(ck, "case '%s': column '%s' holds a value that is not text", id, fd->name);
        return;
    }
    char msg[800];
    if (rec_text_problem(id, f, txt, msg, sizeof msg))
        problem(ck, "%s", msg);
}

typedef struct {
    checker *ck;
    const char *id;
} cross_ctx;

static void cross_report(void *vctx, int field, const char *msg)
{
    cross_ctx *x = vctx;
    problem(x->ck, "case '%s': column '%s' %s", x->id, imt_fields[field].name, msg);
}

static void check_fold(checker *ck, const char *id, const PGresult *r, int i, int col,
                       const imt_case *c, int f)
{
    char *want = pg_fold_field(c, f);
    char raw[8192];
    const char *have = raw_text(r, i, col, raw, sizeof raw);
    if ((want == NULL) != (have == NULL) || (want && strcmp(want, have) != 0))
        problem(ck, "case '%s': the search copy of %s does not match it (written behind "
                    "imtreview's back)", id, imt_fields[f].name);
    free(want);
}

static int case_row(void *vck, const PGresult *r, int i)
{
    checker *ck = vck;
    imt_case c, d;
    if (pg_load_case(r, i, 0, &c) != 0)
        return pg_set_err(ck->b, STORE_ERROR, "out of memory");
    char idb[160];
    const char *id = rec_safe(c.case_id, idb, sizeof idb);
    for (int f = 0; f < IMT_F_COUNT; f++)
        check_value(ck, id, r, i, &c, f);
    if (imt_case_copy(&d, &c) != 0) {
        imt_case_clear(&c);
        return pg_set_err(ck->b, STORE_ERROR, "out of memory");
    }
    imt_case_derive(&d);
    char raw[64], sb1[160];
    const char *stored = raw_text(r, i, IMT_F_alk_status, raw, sizeof raw);
    if (!stored || strcmp(stored, imt_alk_values[d.alk_status]) != 0)
        problem(ck, "case '%s': alk_status is '%s' but the ALK fields give '%s'", id,
                rec_safe(stored, sb1, sizeof sb1), imt_alk_values[d.alk_status]);
    if (c.alk_confirmed != d.alk_confirmed)
        problem(ck, "case '%s': alk_confirmed is '%d' but the ALK fields give %s", id,
                c.alk_confirmed, d.alk_confirmed ? "1 (yes)" : "0 (no)");
    if (c.alk_discordant != d.alk_discordant)
        problem(ck, "case '%s': alk_discordant is %d but the ALK fields give %d", id,
                c.alk_discordant, d.alk_discordant);
    check_fold(ck, id, r, i, PG_NCOLS, &c, IMT_F_site_detail);
    check_fold(ck, id, r, i, PG_NCOLS + 1, &c, IMT_F_notes);
    cross_ctx x = { ck, id };
    imt_case_crosscheck(&c, cross_report, &x);
    /* The decision states are an index the store keeps (review.c): each
     * must be what the case's recommendations and decisions give. */
    chain_val sv;
    int state;
    if (ck->states && pg_value_to_chain(r, i, PG_NCOLS + 2, &sv) == 0 && sv.type == CHAIN_INT &&
        pg_case_state(ck->b, &c, &state) == STORE_OK && state != sv.i) {
        char msg[400];
        store_state_msg(id, (int)sv.i, state, msg, sizeof msg);
        problem(ck, "%s", msg);
    }
    imt_case_clear(&c);
    imt_case_clear(&d);
    return 0;
}

static int check_rows(imt_backend *b, checker *ck)
{
    sbuf q = { 0 };
    ck->states = pg_states_current(b) == 1;
    sb_add(&q, "SELECT %s, site_detail_fold, notes_fold, decision_state, next_due FROM cases "
               "ORDER BY case_id", pg_cols());
    int rc = q.oom ? pg_set_err(b, STORE_ERROR, "out of memory")
                   : pg_walk(b, q.s, NULL, true, "checking cases", case_row, ck);
    sb_free(&q);
    return rc;
}

/* ---- the chain ------------------------------------------------------------------------ */

typedef struct {
    checker *ck;
    chain_verifier v;
    int iseq, irh, ih;
    bool cols_known;
    unsigned char rh[32], h[32];
    long long self, found;
} chain_walk;

static int prev_row(void *vctx, const PGresult *r, int i)
{
    chain_walk *w = vctx;
    unsigned char p[32], d[32];
    long long s = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    if (s == w->self || PQgetisnull(r, i, 1) || chain_unhex(PQgetvalue(r, i, 1), p) != 0)
        return 0;
    chain_link(p, w->rh, d);
    if (memcmp(d, w->h, 32) == 0) {
        w->found = s;
        return 1;
    }
    return 0;
}

static long long find_prev(void *vctx, const unsigned char rh[32], const unsigned char h[32],
                           long long self)
{
    chain_walk *w = vctx;
    unsigned char d[32];
    chain_link(NULL, rh, d);
    if (memcmp(d, h, 32) == 0)
        return 0;
    memcpy(w->rh, rh, 32);
    memcpy(w->h, h, 32);
    w->self = self;
    w->found = -1;
    pg_walk(w->ck->b, "SELECT seq, hash FROM audit ORDER BY seq", NULL, false,
            "checking the audit trail", prev_row, w);
    return w->found;
}

static void chain_problem(void *vctx, const char *msg)
{
    chain_walk *w = vctx;
    problem(w->ck, "%s", msg);
}

static int chain_row(void *vctx, const PGresult *r, int i)
{
    chain_walk *w = vctx;
    int ncol = PQnfields(r);
    if (ncol > 128)
        return pg_set_err(w->ck->b, STORE_ERROR, "the audit table has too many columns");
    chain_val cols[128];
    for (int k = 0; k < ncol; k++)
        if (pg_value_to_chain(r, i, k, &cols[k]) != 0)
            return pg_set_err(w->ck->b, STORE_ERROR, "audit column %s has a type the chain "
                              "does not know", PQfname(r, k));
    unsigned char rh[32];
    chain_row_hash(cols, ncol, rh);
    char srh[65] = "", sh[65] = "";
    if (!PQgetisnull(r, i, w->irh))
        snprintf(srh, sizeof srh, "%.*s", PQgetlength(r, i, w->irh), PQgetvalue(r, i, w->irh));
    if (!PQgetisnull(r, i, w->ih))
        snprintf(sh, sizeof sh, "%.*s", PQgetlength(r, i, w->ih), PQgetvalue(r, i, w->ih));
    chain_val seq;
    pg_value_to_chain(r, i, w->iseq, &seq);
    chain_verify_row(&w->v, seq.i, rh, PQgetisnull(r, i, w->irh) ? NULL : srh,
                     PQgetisnull(r, i, w->ih) ? NULL : sh);
    return 0;
}

static int check_chain(imt_backend *b, checker *ck, store_audit_head *head)
{
    int rc;
    PGresult *r = pg_run(b, "SELECT * FROM audit LIMIT 0", NULL, true, "checking the audit trail",
                         &rc);
    if (!r)
        return rc;
    chain_walk w = { .ck = ck, .iseq = PQfnumber(r, "seq"), .irh = PQfnumber(r, "row_hash"),
                     .ih = PQfnumber(r, "hash") };
    PQclear(r);
    memset(head, 0, sizeof *head);
    if (w.iseq < 0 || w.irh < 0 || w.ih < 0) {
        problem(ck, "the audit trail has no hash chain (columns row_hash and hash)");
        return STORE_OK;
    }
    chain_verify_start(&w.v, head, chain_problem, find_prev, &w);
    rc = pg_walk(b, "SELECT * FROM audit ORDER BY seq", NULL, true, "checking the audit trail",
                 chain_row, &w);
    chain_verify_end(&w.v);
    if (rc != STORE_OK)
        return rc;
    /* The head row the writers chain from must be the last row. */
    r = pg_run(b, "SELECT seq, hash FROM audit_head WHERE id = 1", NULL, false,
               "checking the audit trail", &rc);
    if (!r)
        return rc;
    if (PQntuples(r) != 1)
        problem(ck, "the audit trail's head row (audit_head) is missing");
    else if (strtoll(PQgetvalue(r, 0, 0), NULL, 10) != head->seq ||
             strcmp(PQgetisnull(r, 0, 1) ? "" : PQgetvalue(r, 0, 1), head->hash) != 0)
        problem(ck, "the audit trail's head row (audit_head: seq %s) does not match its last "
                    "row (seq %lld): changed behind imtreview's back", PQgetvalue(r, 0, 0),
                head->seq);
    PQclear(r);
    return STORE_OK;
}

/* ---- the replay --------------------------------------------------------------------------- */

typedef struct {
    checker *ck;
    rec_replay rp;
    imt_case c;
    bool have;
    char id[160];
} replay_walk;

static void replay_done(replay_walk *w)
{
    if (!w->have)
        return;
    rec_replay_finish(&w->rp, &w->c, w->id, problem_text, w->ck);
    imt_case_clear(&w->c);
    w->have = false;
}

/* Rows: the case's columns, then seq, field, new_value, snapshot of one
 * of its audit rows (NULL seq: it has none), by case_id and seq. */
static int replay_row(void *vctx, const PGresult *r, int i)
{
    replay_walk *w = vctx;
    char raw[128];
    const char *id = raw_text(r, i, IMT_F_case_id, raw, sizeof raw);
    if (!w->have || strcmp(w->c.case_id, id ? id : "") != 0) {
        replay_done(w);
        if (pg_load_case(r, i, 0, &w->c) != 0)
            return pg_set_err(w->ck->b, STORE_ERROR, "out of memory");
        w->have = true;
        rec_safe(w->c.case_id, w->id, sizeof w->id);
        rec_replay_start(&w->rp);
    }
    int k = PG_NCOLS;
    if (PQgetisnull(r, i, k))
        return 0;
    static char field[256], nv[8192];
    const char *fl = raw_text(r, i, k + 1, field, sizeof field);
    const char *v = raw_text(r, i, k + 2, nv, sizeof nv);
    char *snap = NULL;
    if (!PQgetisnull(r, i, k + 3)) {
        int len = PQgetlength(r, i, k + 3);
        if (!(snap = malloc((size_t)len + 1)))
            return pg_set_err(w->ck->b, STORE_ERROR, "out of memory");
        memcpy(snap, PQgetvalue(r, i, k + 3), (size_t)len);
        snap[len] = '\0';
    }
    if (rec_replay_row(&w->rp, fl, v, snap) != 0) {
        chain_val seq;
        pg_value_to_chain(r, i, k, &seq);
        problem(w->ck, "audit row %lld: the values case '%s' was created with are not "
                       "readable", seq.i, w->id);
    }
    free(snap);
    return 0;
}

static int check_replay(imt_backend *b, checker *ck)
{
    sbuf q = { 0 };
    sb_add(&q, "SELECT ");
    for (int f = 0; f < IMT_F_COUNT; f++)
        sb_add(&q, "c.%s, ", imt_fields[f].name);
    sb_add(&q, "c.alk_discordant, a.seq, a.field, a.new_value, a.snapshot FROM cases c "
               "LEFT JOIN audit a ON a.case_id = c.case_id ORDER BY c.case_id, a.seq");
    replay_walk w = { .ck = ck };
    int rc = q.oom ? pg_set_err(b, STORE_ERROR, "out of memory")
                   : pg_walk(b, q.s, NULL, true, "checking the history", replay_row, &w);
    sb_free(&q);
    if (rc == STORE_OK)
        replay_done(&w);
    else if (w.have) {
        rec_replay_finish(&w.rp, &w.c, w.id, NULL, NULL);
        imt_case_clear(&w.c);
    }
    return rc;
}

/* ---- the courses ------------------------------------------------------------------ */

/* Each case's course whole, and its next_due (unless the stored dates
 * are another schedule's), as the SQLite engine checks them. */
static int course_cb(void *vck, const imt_case *c, const imt_course *co)
{
    checker *ck = vck;
    rec_check_course(c, co, ck->b->sched_stale ? NULL : pg_sched(ck->b), problem_text, ck);
    return 0;
}

/* ---- check ---------------------------------------------------------------------------------- */

int pg_check(imt_backend *b, void (*report)(void *ctx, const char *msg), void *ctx)
{
    return pg_check_head(b, report, ctx, NULL);
}

int pg_check_head(imt_backend *b, void (*report)(void *ctx, const char *msg), void *ctx,
                  store_audit_head *head)
{
    checker ck = { b, report, ctx, 0, false };
    store_audit_head hd;
    if (!head)
        head = &hd;
    memset(head, 0, sizeof *head);
    int rc = pg_stage_flush(b);
    if (rc != STORE_OK)
        return rc;
    bool own = b->tx == TX_NONE;
    if (own) {
        if ((rc = pg_exec(b, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL,
                          "checking")) != STORE_OK)
            return rc;
        b->tx = TX_WALK;
        b->aborted = false;
    }
    rc = pg_check_schema(b, problem_text, &ck);
    unsigned char key[32];
    if (rc == STORE_OK && pg_secret(b, key) != STORE_OK) {
        if (b->tx == TX_NONE || b->aborted)
            rc = STORE_ERROR;
        else
            problem(&ck, "%s", b->err);
    }
    memset(key, 0, sizeof key);
    if (rc == STORE_OK)
        rc = check_rows(b, &ck);
    if (rc == STORE_OK)
        rc = check_chain(b, &ck, head);
    if (rc == STORE_OK)
        rc = check_replay(b, &ck);
    if (rc == STORE_OK)
        rc = pg_foreach_course(b, NULL, course_cb, &ck);
    if (own && b->tx == TX_WALK) {
        b->tx = TX_NONE;
        b->aborted = false;
        PGresult *r = PQexec(b->conn, "ROLLBACK");
        PQclear(r);
    }
    if (rc != STORE_OK)
        return rc < 0 ? rc : STORE_ERROR;
    if (ck.n > PG_CHECK_REPORT_CAP && report) {
        char msg[128];
        snprintf(msg, sizeof msg, "... and %ld more problems not listed",
                 ck.n - PG_CHECK_REPORT_CAP);
        report(ctx, msg);
    }
    return ck.n > INT32_MAX ? INT32_MAX : (int)ck.n;
}
