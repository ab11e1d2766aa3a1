/* store/sqlite/cases.c - one case: read, insert, update, review state. */
#define _GNU_SOURCE
#include "sqlite_int.h"

/* ---- single cases -------------------------------------------------------- */

bool sq_valid_id(const char *id)
{
    return id && *id;
}

int sq_data_version(imt_backend *st, long long *v)
{
    sqlite3_stmt *q = st->q[Q_DATA_VERSION];
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return rc == SQLITE_ROW ? STORE_OK : sq_fail(st, rc, "asking whether the data changed");
}

int sq_get(imt_backend *st, const char *case_id, imt_case *out)
{
    imt_case_init(out);
    if (!sq_valid_id(case_id))
        return sq_set_err(st, STORE_NOTFOUND, "no case ''");
    sqlite3_stmt *s = st->q[Q_GET];
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s), ret;
    if (rc == SQLITE_ROW)
        ret = sq_load_case(s, 0, out) == 0 ? STORE_OK : sq_set_err(st, STORE_ERROR, "out of memory");
    else if (rc == SQLITE_DONE)
        ret = sq_set_err(st, STORE_NOTFOUND, "no case '%.64s'", case_id);
    else
        ret = sq_fail(st, rc, "reading a case");
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return ret;
}

bool sq_exists(imt_backend *st, const char *case_id)
{
    if (!sq_valid_id(case_id))
        return false;
    sqlite3_stmt *s = st->q[Q_EXISTS];
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        sq_fail(st, rc, "looking a case up");
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_ROW;
}

int sq_insert(imt_backend *st, imt_case *c, const char *source)
{
    if (sq_is_readonly(st))
        return sq_refuse_readonly(st);
    if (!sq_valid_id(c->case_id))
        return sq_set_err(st, STORE_ERROR, "a case needs a case_id");
    rec_normalise(c);
    /* Inside the caller's transaction no savepoint: the row insert is one
     * statement (atomic by itself), and should the audit row fail the
     * row is deleted again below.  A savepoint per row would double the
     * cost of a bulk import. */
    int rc = STORE_OK;
    if (!st->in_tx)
        rc = sq_edit_begin(st);
    else if (sq_is_readonly(st))
        rc = sq_refuse_readonly(st);
    else if (sqlite3_get_autocommit(st->db))
        rc = sq_set_err(st, STORE_ERROR, "the transaction was rolled back after a database error");
    else if (!st->bulk_checked)
        rc = sq_bulk_start(st);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *s = st->q[Q_INSERT];
    rc = sq_bind_case(st, s, c);
    /* a new case has no events yet: next_due from its own fields */
    fu_result fr;
    fu_next_due(c, NULL, &st->sched, &fr);
    memcpy(c->next_due, fr.next_due, sizeof c->next_due);
    if (rc == STORE_OK)
        rc = (fr.next_due[0] ? sqlite3_bind_text(s, NLOAD, fr.next_due, -1, SQLITE_TRANSIENT)
                             : sqlite3_bind_null(s, NLOAD)) == SQLITE_OK
             ? STORE_OK : sq_fail(st, SQLITE_ERROR, "binding a value");
    /* its decision state: its recommendations, no decision yet (fresh) */
    int state = DSTATE_UNDECIDED;
    if (rc == STORE_OK)
        rc = sq_case_state(st, c, true, &state, NULL, 0);
    if (rc == STORE_OK && sqlite3_bind_int(s, NLOAD + 1, state) != SQLITE_OK)
        rc = sq_fail(st, sqlite3_errcode(st->db), "binding a value");
    if (rc == STORE_OK) {
        int src = sqlite3_step(s);
        if (src != SQLITE_DONE) {
            if (src == SQLITE_CONSTRAINT_UNIQUE || src == SQLITE_CONSTRAINT_PRIMARYKEY)
                rc = sq_set_err(st, STORE_EXISTS, "case '%.64s' already exists", c->case_id);
            else
                rc = sq_fail(st, src, "adding a case");
        }
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc == STORE_OK && st->bulk)
        sq_bulk_count(st, c, state, +1);
    if (rc == STORE_OK) {
        sqlite3_int64 rowid = sqlite3_last_insert_rowid(st->db);
        char *snap = rec_case_snapshot(c);
        rc = snap ? sq_audit_add_snap(st, c->case_id, "*", NULL, "created", source, NULL, NULL, snap)
                  : sq_set_err(st, STORE_ERROR, "out of memory");
        free(snap);
        if (rc != STORE_OK && st->in_tx && !sqlite3_get_autocommit(st->db)) {
            st->bulk_counts_ok = false;      /* counted at the end instead */
            sqlite3_bind_int64(st->q[Q_UNINSERT], 1, rowid);
            sqlite3_step(st->q[Q_UNINSERT]);
            sqlite3_reset(st->q[Q_UNINSERT]);
        }
    }
    return st->in_tx ? rc : sq_edit_end(st, rc);
}

/* Write c over the stored old: each changed field is updated and audited,
 * the decision state computed again and the version raised.  Inside the
 * caller's edit transaction.  fsource/fcomment (NULL, or per field, NULL
 * entries) give a field its own audit source and comment. */
static int write_changes(imt_backend *st, const imt_case *old, imt_case *c,
                         const char *source, int *nchanged, int *changed_out,
                         const char *const *fsource, const char *const *fcomment)
{
    int changed[IMT_F_COUNT], n = 0, rc = STORE_OK;
    for (int f = 0; f < IMT_F_COUNT; f++)
        if (!(imt_fields[f].flags & FF_DERIVED) && !imt_field_equal(old, c, f))
            changed[n++] = f;
    if (n > 0) {
        sqlite3_stmt *s = st->q[Q_UPDATE];
        rc = sq_bind_case(st, s, c);
        if (rc == STORE_OK) {
            int src = sqlite3_step(s);
            if (src != SQLITE_DONE)
                rc = sq_fail(st, src, "updating a case");
        }
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        for (int i = 0; i < n && rc == STORE_OK; i++) {
            char ob[64], nb[64];
            int f = changed[i];
            sq_audit_row r = {
                .case_id = c->case_id, .field = imt_fields[f].name,
                .oldv = rec_audit_text(old, f, ob, sizeof ob),
                .newv = rec_audit_text(c, f, nb, sizeof nb),
                .source = fsource && fsource[f] ? fsource[f] : source,
                .comment = fcomment ? fcomment[f] : NULL,
            };
            rc = sq_audit_add_row(st, &r);
        }
        /* the course must still hold with the new values; next_due follows */
        if (rc == STORE_OK)
            rc = sq_course_check_case(st, old, c);
        /* and the decision state (the version went up with the update) */
        if (rc == STORE_OK)
            rc = sq_case_touch(st, c->case_id, false);
    }
    *nchanged = n;
    if (changed_out)
        memcpy(changed_out, changed, (size_t)n * sizeof *changed);
    return rc;
}

/* The last audit row of a case (of one field when field is not NULL):
 * who and when; "" when there is none. */
int sq_last_change(imt_backend *st, const char *case_id, const char *field,
                   char *user, size_t un, char *when, size_t wn)
{
    if (un)
        user[0] = '\0';
    if (wn)
        when[0] = '\0';
    sqlite3_stmt *q = st->q[field ? Q_LAST_FIELD : Q_LAST_CHANGE];
    sqlite3_bind_text(q, 1, case_id, -1, SQLITE_STATIC);
    if (field)
        sqlite3_bind_text(q, 2, field, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const char *u = (const char *)sqlite3_column_text(q, 0);
        const char *t = (const char *)sqlite3_column_text(q, 1);
        snprintf(user, un, "%s", u ? u : "");
        snprintf(when, wn, "%s", t ? t : "");
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : sq_fail(st, rc, "reading the audit trail");
}

/* A signed-out case is locked: every change is refused naming who signed
 * it out and when. */
int sq_refuse_signed(imt_backend *st, const imt_case *c, const char *what)
{
    char msg[600];
    store_signed_msg(c, what, msg, sizeof msg);
    return sq_set_err(st, STORE_REFUSED, "%s", msg);
}

int sq_update(imt_backend *st, imt_case *c, const char *source, int *nchanged)
{
    if (nchanged)
        *nchanged = 0;
    if (sq_is_readonly(st))
        return sq_refuse_readonly(st);
    if (!sq_valid_id(c->case_id))
        return sq_set_err(st, STORE_ERROR, "a case needs a case_id");
    rec_normalise(c);
    int rc = sq_edit_begin(st);
    if (rc != STORE_OK)
        return rc;
    imt_case old;
    rc = sq_get(st, c->case_id, &old);
    if (rc != STORE_OK)
        return sq_edit_end(st, rc);
    int n = 0;
    bool differs = false;
    for (int f = 0; f < IMT_F_COUNT && !differs; f++)
        differs = !(imt_fields[f].flags & FF_DERIVED) && !imt_field_equal(&old, c, f);
    if (differs && old.review_status == REV_SIGNED_OUT)
        rc = sq_refuse_signed(st, &old, "it cannot be changed");
    else if (differs && c->review_status == REV_SIGNED_OUT)
        rc = sq_set_err(st, STORE_REFUSED, "case '%.64s' cannot be signed out by an update: "
                        "signing out checks the decisions and records the signature "
                        "(imtreview review %.64s --status signed_out)", c->case_id, c->case_id);
    else
        rc = write_changes(st, &old, c, source, &n, NULL, NULL, NULL);
    imt_case_clear(&old);
    rc = sq_edit_end(st, rc);
    if (rc == STORE_OK && nchanged)
        *nchanged = n;
    return rc;
}

int sq_update_fields(imt_backend *st, const imt_case *c, const int *fields, int nf,
                        const char *source, int *nchanged)
{
    if (nchanged)
        *nchanged = 0;
    store_edit_req rq = { .values = c, .fields = fields, .nf = nf, .source = source };
    store_edit_result res;
    memset(&res, 0, sizeof res);
    imt_case_init(&res.before);
    imt_case_init(&res.after);
    int rc = sq_edit(st, c->case_id, &rq, &res);
    if (rc == STORE_OK && nchanged)
        *nchanged = res.nchanged;
    imt_case_clear(&res.before);
    imt_case_clear(&res.after);
    return rc;
}

/* store_edit_plan's view of the audit: who changed a field last. */
typedef struct {
    imt_backend *st;
    const char *case_id;
} edit_lc;

static int edit_last_change(void *ctx, const char *field, char *user, size_t un, char *time,
                            size_t tn)
{
    edit_lc *x = ctx;
    return sq_last_change(x->st, x->case_id, field, user, un, time, tn);
}

int sq_edit(imt_backend *st, const char *case_id, const store_edit_req *rq,
            store_edit_result *res)
{
    res->nchanged = 0;
    res->conflict_field = -1;
    if (sq_is_readonly(st))
        return sq_refuse_readonly(st);
    if (!sq_valid_id(case_id))
        return sq_set_err(st, STORE_NOTFOUND, "no case ''");
    int rc = sq_edit_begin(st);
    if (rc != STORE_OK)
        return rc;
    imt_case old, nw;
    imt_case_init(&nw);
    rc = sq_get(st, case_id, &old);
    if (rc != STORE_OK)
        return sq_edit_end(st, rc);
    char *fsrc[IMT_F_COUNT] = { 0 }, *fcom[IMT_F_COUNT] = { 0 };
    if (imt_case_copy(&res->before, &old) != 0 || imt_case_copy(&nw, &old) != 0) {
        rc = sq_set_err(st, STORE_ERROR, "out of memory");
        goto out;
    }
    if ((rc = sq_last_change(st, case_id, NULL, res->last_user, sizeof res->last_user,
                             res->last_time, sizeof res->last_time)) != STORE_OK)
        goto out;
    if (old.review_status == REV_SIGNED_OUT) {
        rc = sq_refuse_signed(st, &old, "it cannot be changed");
        goto out;
    }
    {
        edit_lc lc = { st, case_id };
        char msg[800];
        rc = store_edit_plan(&old, case_id, rq, edit_last_change, &lc, res, &nw, fsrc, fcom,
                             msg, sizeof msg);
        if (rc != STORE_OK) {
            if (msg[0])
                rc = sq_set_err(st, rc, "%s", msg);
            goto out;
        }
    }
    if (rc == STORE_OK)
        rc = write_changes(st, &old, &nw, rq->source ? rq->source : "edit", &res->nchanged,
                           res->changed, (const char *const *)fsrc, (const char *const *)fcom);
    if (rc == STORE_OK) {
        imt_case_clear(&res->after);
        rc = sq_get(st, case_id, &res->after);
    }
out:
    for (int f = 0; f < IMT_F_COUNT; f++) {
        free(fsrc[f]);
        free(fcom[f]);
    }
    imt_case_clear(&old);
    imt_case_clear(&nw);
    rc = sq_edit_end(st, rc);
    if (rc != STORE_OK) {
        res->nchanged = 0;
        imt_case_clear(&res->after);
        if (imt_case_copy(&res->after, &res->before) != 0)
            imt_case_init(&res->after);
    }
    return rc;
}

/* An audit row a plan of store/decide.h asks for. */
int sq_audit_plan_row(imt_backend *st, const char *case_id, const store_audit_row *a)
{
    sq_audit_row r = { .case_id = case_id, .field = a->field, .oldv = a->oldv,
                       .newv = a->newv, .source = a->source, .comment = a->comment,
                       .ruleset = a->ruleset, .rule_id = a->rule_id,
                       .fired_by = a->fired_by, .full_name = a->full_name };
    return sq_audit_add_row(st, &r);
}

int sq_review(imt_backend *st, const store_review_req *rq, store_review_result *res)
{
    res->previous = -1;
    if (sq_is_readonly(st))
        return sq_refuse_readonly(st);
    if (rq->status < 0 || rq->status >= REV_N)
        return sq_set_err(st, STORE_ERROR, "invalid review state %d", rq->status);
    int rc = sq_edit_begin(st);
    if (rc != STORE_OK)
        return rc;
    imt_case old, nw;
    imt_case_init(&nw);
    rc = sq_get(st, rq->case_id, &old);
    if (rc != STORE_OK)
        return sq_edit_end(st, rc);
    res->previous = old.review_status;
    char ids[600], msg[900];
    int state;
    store_review_plan p;
    memset(&p, 0, sizeof p);
    const char *now = sq_now_utc(st);
    if ((rc = sq_case_state(st, &old, false, &state, ids, sizeof ids)) != STORE_OK)
        goto out;
    if ((rc = store_review_plan_make(&old, rq, state, ids, st->user, now, st->full_name, &p,
                                     msg, sizeof msg)) != STORE_OK) {
        rc = sq_set_err(st, rc, "%s", msg);
        goto out;
    }
    if (imt_case_copy(&nw, &old) != 0) {
        rc = sq_set_err(st, STORE_ERROR, "out of memory");
        goto out;
    }
    nw.review_status = rq->status;
    if ((rc = sq_case_state(st, &nw, false, &state, NULL, 0)) != STORE_OK)
        goto out;
    sqlite3_stmt *s = st->q[Q_REVIEW];
    sqlite3_bind_text(s, 1, old.case_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, imt_review_values[rq->status], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, p.who, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, p.when, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, p.kept, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, p.signer, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 7, state);
    int src = sqlite3_step(s);
    if (src != SQLITE_DONE)
        rc = sq_fail(st, src, "saving the review state");
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    for (int i = 0; i < p.naudit && rc == STORE_OK; i++)
        rc = sq_audit_plan_row(st, old.case_id, &p.audit[i]);
    if (rc == STORE_OK)
        store_review_result_fill(&p, &old, now, res);
out:
    store_review_plan_clear(&p);
    imt_case_clear(&old);
    imt_case_clear(&nw);
    return sq_edit_end(st, rc);
}

int sq_set_review(imt_backend *st, const char *case_id, int status,
                     const char *comment, const char *ruleset)
{
    store_review_req rq = { case_id, status, comment, NULL, ruleset };
    store_review_result res;
    return sq_review(st, &rq, &res);
}
