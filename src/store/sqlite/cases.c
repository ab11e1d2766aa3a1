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
    if (rc == STORE_OK) {
        sqlite3_int64 rowid = sqlite3_last_insert_rowid(st->db);
        char *snap = rec_case_snapshot(c);
        rc = snap ? sq_audit_add_snap(st, c->case_id, "*", NULL, "created", source, NULL, NULL, snap)
                  : sq_set_err(st, STORE_ERROR, "out of memory");
        free(snap);
        if (rc != STORE_OK && st->in_tx && !sqlite3_get_autocommit(st->db)) {
            sqlite3_bind_int64(st->q[Q_UNINSERT], 1, rowid);
            sqlite3_step(st->q[Q_UNINSERT]);
            sqlite3_reset(st->q[Q_UNINSERT]);
        }
    }
    return st->in_tx ? rc : sq_edit_end(st, rc);
}

/* Write c over the stored old: each changed field is updated and audited.
 * Inside the caller's edit transaction. */
static int write_changes(imt_backend *st, const imt_case *old, imt_case *c,
                         const char *source, int *nchanged)
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
            rc = sq_audit_add(st, c->case_id, imt_fields[f].name,
                           rec_audit_text(old, f, ob, sizeof ob),
                           rec_audit_text(c, f, nb, sizeof nb), source, NULL, NULL);
        }
    }
    *nchanged = n;
    return rc;
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
    rc = write_changes(st, &old, c, source, &n);
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
    if (sq_is_readonly(st))
        return sq_refuse_readonly(st);
    if (!sq_valid_id(c->case_id))
        return sq_set_err(st, STORE_ERROR, "a case needs a case_id");
    int rc = sq_edit_begin(st);
    if (rc != STORE_OK)
        return rc;
    imt_case old, nw;
    imt_case_init(&nw);
    rc = sq_get(st, c->case_id, &old);
    if (rc != STORE_OK)
        return sq_edit_end(st, rc);
    if (imt_case_copy(&nw, &old) != 0)
        rc = sq_set_err(st, STORE_ERROR, "out of memory");
    for (int i = 0; i < nf && rc == STORE_OK; i++) {
        int f = fields[i];
        if (f < 0 || f >= IMT_F_COUNT || (imt_fields[f].flags & FF_DERIVED) ||
            f == IMT_F_case_id)
            rc = sq_set_err(st, STORE_ERROR, "internal: field %d cannot be edited", f);
        else if (imt_field_assign(&nw, c, f) != 0)
            rc = sq_set_err(st, STORE_ERROR, "out of memory");
    }
    int n = 0;
    if (rc == STORE_OK) {
        rec_normalise(&nw);
        char msg[300];
        if (imt_case_crosscheck_new(&old, &nw, NULL, msg, sizeof msg))
            rc = sq_set_err(st, STORE_ERROR, "%s", msg);
    }
    if (rc == STORE_OK)
        rc = write_changes(st, &old, &nw, source, &n);
    imt_case_clear(&old);
    imt_case_clear(&nw);
    rc = sq_edit_end(st, rc);
    if (rc == STORE_OK && nchanged)
        *nchanged = n;
    return rc;
}

int sq_set_review(imt_backend *st, const char *case_id, int status,
                     const char *comment, const char *ruleset)
{
    if (sq_is_readonly(st))
        return sq_refuse_readonly(st);
    if (status < 0 || status >= REV_N)
        return sq_set_err(st, STORE_ERROR, "invalid review state %d", status);
    int rc = sq_edit_begin(st);
    if (rc != STORE_OK)
        return rc;
    imt_case old;
    rc = sq_get(st, case_id, &old);
    if (rc != STORE_OK)
        return sq_edit_end(st, rc);
    const char *who = status == REV_SIGNED_OUT ? st->user : NULL;
    const char *when = status == REV_SIGNED_OUT ? sq_now_utc(st) : NULL;
    sqlite3_stmt *s = st->q[Q_REVIEW];
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, imt_review_values[status], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, who, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, when, -1, SQLITE_STATIC);
    int src = sqlite3_step(s);
    if (src != SQLITE_DONE)
        rc = sq_fail(st, src, "saving the review state");
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    /* The review itself is always recorded (a repeated sign-out with a new
     * comment is an event); reviewer and time only when they change. */
    const char *c_empty = comment && *comment ? comment : NULL;
    if (rc == STORE_OK)
        rc = sq_audit_add(st, case_id, "review_status",
                       old.review_status >= 0 ? imt_review_values[old.review_status] : NULL,
                       imt_review_values[status], "review", c_empty, ruleset);
    if (rc == STORE_OK && !((!old.reviewer && !who) ||
                            (old.reviewer && who && strcmp(old.reviewer, who) == 0)))
        rc = sq_audit_add(st, case_id, "reviewer", old.reviewer, who, "review", NULL, ruleset);
    if (rc == STORE_OK && !((!old.reviewed_at && !when) ||
                            (old.reviewed_at && when && strcmp(old.reviewed_at, when) == 0)))
        rc = sq_audit_add(st, case_id, "reviewed_at", old.reviewed_at, when, "review", NULL, ruleset);
    imt_case_clear(&old);
    return sq_edit_end(st, rc);
}
