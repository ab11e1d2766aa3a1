/* store/pg/cases.c - one case: read, insert, update, edit (review: review.c).  An
 * update reads the case row FOR UPDATE inside its transaction, after the
 * chain head's lock: a per-case version check belongs right there. */
#define _GNU_SOURCE
#include "pg_int.h"

static int refuse_signed(imt_backend *b, const imt_case *c, const char *what);

static bool valid_id(const char *id)
{
    return id && *id;
}

static int get_case(imt_backend *b, const char *case_id, imt_case *out, bool lock)
{
    imt_case_init(out);
    if (!valid_id(case_id))
        return pg_set_err(b, STORE_NOTFOUND, "no case ''");
    if (pg_stage_may_hold(b, case_id)) {
        int rc = pg_stage_flush(b);
        if (rc != STORE_OK)
            return rc;
    }
    char sql[2000];
    snprintf(sql, sizeof sql, "SELECT %s FROM cases WHERE case_id = $1%s", pg_read_cols(),
             lock ? " FOR UPDATE" : "");
    pgparams p = { 0 };
    pgp_text(&p, case_id);
    int rc;
    PGresult *r = pg_run(b, sql, &p, true, "reading a case", &rc);
    if (!r)
        return rc;
    if (PQntuples(r) == 0) {
        rc = pg_set_err(b, STORE_NOTFOUND, "no case '%.64s'", case_id);
    } else if (pg_load_case(r, 0, 0, out) != 0) {
        rc = pg_set_err(b, STORE_ERROR, "out of memory");
    }
    PQclear(r);
    return rc;
}

int pg_get(imt_backend *b, const char *case_id, imt_case *out)
{
    return get_case(b, case_id, out, false);
}

int pg_get_locked(imt_backend *b, const char *case_id, imt_case *out)
{
    return get_case(b, case_id, out, true);
}

bool pg_exists(imt_backend *b, const char *case_id)
{
    if (!valid_id(case_id))
        return false;
    if (pg_stage_may_hold(b, case_id) && pg_stage_flush(b) != STORE_OK)
        return false;
    pgparams p = { 0 };
    pgp_text(&p, case_id);
    int rc;
    PGresult *r = pg_run(b, "SELECT 1 FROM cases WHERE case_id = $1", &p, false,
                         "looking a case up", &rc);
    bool there = r && PQntuples(r) > 0;
    PQclear(r);
    return there;
}

/* The case row and its "created" audit row in one statement.  An
 * existing case_id inserts nothing (ON CONFLICT DO NOTHING: no error, so
 * a transaction around it goes on) and gives STORE_EXISTS. */
int pg_insert_one(imt_backend *b, imt_case *c, const char *source)
{
    char *snap = rec_case_snapshot(c);
    char *fsd = pg_fold_field(c, IMT_F_site_detail), *fno = pg_fold_field(c, IMT_F_notes);
    if (!snap || (c->site_detail && !fsd) || (c->notes && !fno)) {
        free(snap);
        free(fsd);
        free(fno);
        return pg_set_err(b, STORE_ERROR, "out of memory");
    }
    long long seq0 = b->head_seq;
    bool has0 = b->head_has, dirty0 = b->head_dirty;
    unsigned char h0[32];
    memcpy(h0, b->head_hash, 32);
    long long seq;
    char rh[65], h[65];
    if (!source)
        source = "edit";
    pg_audit_next(b, c->case_id, "*", NULL, "created", source, NULL, NULL, snap, &seq, rh, h);
    pgparams p = { 0 };
    int rc = pg_bind_case(b, &p, c);
    /* its decision state: its recommendations, no decision yet */
    int state = DSTATE_UNDECIDED;
    if (rc == STORE_OK)
        rc = pg_fresh_state(b, c, &state);
    if (rc == STORE_OK) {
        pgp_text(&p, fsd);
        pgp_text(&p, fno);
        pgp_i8(&p, seq);
        pgp_text(&p, b->now);
        pgp_text(&p, b->user);
        pgp_text(&p, source);
        pgp_text(&p, snap);
        pgp_text(&p, rh);
        pgp_text(&p, h);
        pgp_i8(&p, state);
        int k = PG_NCOLS;
        sbuf q = { 0 };
        sb_add(&q, "WITH c AS (INSERT INTO cases (%s, site_detail_fold, notes_fold, "
                   "decision_state) VALUES (", pg_cols());
        for (int i = 1; i <= k + 2; i++)
            sb_add(&q, "%s$%d", i > 1 ? ", " : "", i);
        sb_add(&q, ", $%d", k + 10);
        sb_add(&q, ") ON CONFLICT (case_id) DO NOTHING RETURNING case_id) "
                   "INSERT INTO audit (seq, time, \"user\", case_id, field, new_value, source, "
                   "snapshot, row_hash, hash) SELECT $%d, $%d, $%d, case_id, '*', 'created', "
                   "$%d, $%d, $%d, $%d FROM c", k + 3, k + 4, k + 5, k + 6, k + 7, k + 8, k + 9);
        PGresult *r = q.oom ? NULL : pg_run(b, q.s, &p, false, "adding a case", &rc);
        if (q.oom)
            rc = pg_set_err(b, STORE_ERROR, "out of memory");
        sb_free(&q);
        if (r && strcmp(PQcmdTuples(r), "1") != 0)
            rc = pg_set_err(b, STORE_EXISTS, "case '%.64s' already exists", c->case_id);
        PQclear(r);
    }
    /* a new case has no events yet: next_due from its own fields */
    char due[11];
    pg_next_due_new(b, c, due);
    if (rc == STORE_OK && due[0]) {
        pgparams pd = { 0 };
        pgp_text(&pd, c->case_id);
        pgp_text(&pd, due);
        rc = pg_exec(b, "UPDATE cases SET next_due = $2 WHERE case_id = $1", &pd,
                     "adding a case");
    }
    if (rc != STORE_OK) {
        b->head_seq = seq0;
        b->head_has = has0;
        b->head_dirty = dirty0;
        memcpy(b->head_hash, h0, 32);
    }
    free(snap);
    free(fsd);
    free(fno);
    return rc;
}

int pg_insert(imt_backend *b, imt_case *c, const char *source)
{
    if (pg_is_readonly(b))
        return pg_refuse_readonly(b);
    if (!valid_id(c->case_id))
        return pg_set_err(b, STORE_ERROR, "a case needs a case_id");
    rec_normalise(c);
    char msg[200];
    if (pg_check_case(c, msg, sizeof msg) != 0)
        return pg_set_err(b, STORE_ERROR, "adding a case: %s", msg);
    if (b->in_user_tx) {
        if (b->aborted || b->tx == TX_NONE)
            return pg_set_err(b, STORE_ERROR,
                              "the transaction was rolled back after a database error");
        /* A stop is seen every thousand cases (and at the commit). */
        if (++b->inserts % 1000 == 0 && b->interrupt && b->interrupt(b->interrupt_ctx))
            return pg_set_err(b, STORE_INTERRUPTED, "interrupted: nothing was changed");
        /* Inside the caller's transaction (an import): through COPY when
         * it can (stage.c), else one statement. */
        bool staged = false;
        int rc = pg_stage_insert(b, c, source, &staged);
        if (rc != STORE_OK || staged)
            return rc;
        return pg_insert_one(b, c, source);
    }
    int rc = pg_edit_begin(b);
    if (rc != STORE_OK)
        return rc;
    return pg_edit_end(b, pg_insert_one(b, c, source));
}

/* Write c over the stored old: each changed field is updated and audited
 * (fsource/fcomment: NULL, or a source and comment of its own per field),
 * and the version raised.  Inside the caller's edit transaction, with the
 * case row locked.  changed_out (NULL or IMT_F_COUNT ints) gets the
 * fields changed. */
static int write_changes_as(imt_backend *b, const imt_case *old, imt_case *c,
                            const char *source, int *nchanged, int *changed_out,
                            const char *const *fsource, const char *const *fcomment)
{
    int changed[IMT_F_COUNT], n = 0, rc = STORE_OK;
    for (int f = 0; f < IMT_F_COUNT; f++)
        if (!(imt_fields[f].flags & FF_DERIVED) && !imt_field_equal(old, c, f))
            changed[n++] = f;
    *nchanged = n;
    if (changed_out)
        memcpy(changed_out, changed, (size_t)n * sizeof changed[0]);
    if (n == 0)
        return STORE_OK;
    char msg[200];
    if (pg_check_case(c, msg, sizeof msg) != 0)
        return pg_set_err(b, STORE_ERROR, "updating a case: %s", msg);
    char *fsd = pg_fold_field(c, IMT_F_site_detail), *fno = pg_fold_field(c, IMT_F_notes);
    pgparams p = { 0 };
    rc = pg_bind_case(b, &p, c);
    pgp_text(&p, fsd);
    pgp_text(&p, fno);
    sbuf q = { 0 };
    sb_add(&q, "UPDATE cases SET ");
    for (int i = 2; i <= PG_NCOLS; i++)
        sb_add(&q, "%s%s = $%d", i > 2 ? ", " : "",
               i <= IMT_F_COUNT ? imt_fields[i - 1].name : "alk_discordant", i);
    sb_add(&q, ", site_detail_fold = $%d, notes_fold = $%d, version = version + 1 "
               "WHERE case_id = $1", PG_NCOLS + 1, PG_NCOLS + 2);
    if (rc == STORE_OK)
        rc = q.oom ? pg_set_err(b, STORE_ERROR, "out of memory")
                   : pg_exec(b, q.s, &p, "updating a case");
    sb_free(&q);
    free(fsd);
    free(fno);
    for (int i = 0; i < n && rc == STORE_OK; i++) {
        char ob[64], nb[64];
        int f = changed[i];
        rc = pg_audit_add(b, c->case_id, imt_fields[f].name, rec_audit_text(old, f, ob, sizeof ob),
                          rec_audit_text(c, f, nb, sizeof nb),
                          fsource && fsource[f] ? fsource[f] : source,
                          fcomment ? fcomment[f] : NULL, NULL, NULL);
    }
    /* the course must still hold with the new values; next_due follows;
     * then the decision state (the version went up with the update) */
    if (rc == STORE_OK)
        rc = pg_course_check_case(b, old, c);
    if (rc == STORE_OK)
        rc = pg_case_touch(b, c->case_id, false);
    return rc;
}

static int write_changes(imt_backend *b, const imt_case *old, imt_case *c, const char *source,
                         int *nchanged)
{
    return write_changes_as(b, old, c, source, nchanged, NULL, NULL, NULL);
}

int pg_update(imt_backend *b, imt_case *c, const char *source, int *nchanged)
{
    if (nchanged)
        *nchanged = 0;
    if (pg_is_readonly(b))
        return pg_refuse_readonly(b);
    if (!valid_id(c->case_id))
        return pg_set_err(b, STORE_ERROR, "a case needs a case_id");
    rec_normalise(c);
    int rc = pg_edit_begin(b);
    if (rc != STORE_OK)
        return rc;
    imt_case old;
    rc = pg_get_locked(b, c->case_id, &old);
    if (rc != STORE_OK) {
        imt_case_clear(&old);
        return pg_edit_end(b, rc);
    }
    int n = 0;
    bool differs = false;
    for (int f = 0; f < IMT_F_COUNT && !differs; f++)
        differs = !(imt_fields[f].flags & FF_DERIVED) && !imt_field_equal(&old, c, f);
    if (differs && old.review_status == REV_SIGNED_OUT)
        rc = refuse_signed(b, &old, "it cannot be changed");
    else if (differs && c->review_status == REV_SIGNED_OUT)
        rc = pg_set_err(b, STORE_REFUSED, "case '%.64s' cannot be signed out by an update: "
                        "signing out checks the decisions and records the signature "
                        "(imtreview review %.64s --status signed_out)", c->case_id, c->case_id);
    else
        rc = write_changes(b, &old, c, source, &n);
    imt_case_clear(&old);
    rc = pg_edit_end(b, rc);
    if (rc == STORE_OK && nchanged)
        *nchanged = n;
    return rc;
}

int pg_update_fields(imt_backend *b, const imt_case *c, const int *fields, int nf,
                     const char *source, int *nchanged)
{
    if (nchanged)
        *nchanged = 0;
    if (pg_is_readonly(b))
        return pg_refuse_readonly(b);
    if (!valid_id(c->case_id))
        return pg_set_err(b, STORE_ERROR, "a case needs a case_id");
    int rc = pg_edit_begin(b);
    if (rc != STORE_OK)
        return rc;
    imt_case old, nw;
    imt_case_init(&nw);
    rc = pg_get_locked(b, c->case_id, &old);
    if (rc != STORE_OK) {
        imt_case_clear(&old);
        return pg_edit_end(b, rc);
    }
    if (imt_case_copy(&nw, &old) != 0)
        rc = pg_set_err(b, STORE_ERROR, "out of memory");
    for (int i = 0; i < nf && rc == STORE_OK; i++) {
        int f = fields[i];
        if (f < 0 || f >= IMT_F_COUNT || (imt_fields[f].flags & FF_DERIVED) ||
            f == IMT_F_case_id)
            rc = pg_set_err(b, STORE_ERROR, "internal: field %d cannot be edited", f);
        else if (imt_field_assign(&nw, c, f) != 0)
            rc = pg_set_err(b, STORE_ERROR, "out of memory");
    }
    int n = 0;
    if (rc == STORE_OK) {
        rec_normalise(&nw);
        char msg[300];
        if (imt_case_crosscheck_new(&old, &nw, NULL, msg, sizeof msg))
            rc = pg_set_err(b, STORE_ERROR, "%s", msg);
    }
    if (rc == STORE_OK)
        rc = write_changes(b, &old, &nw, source, &n);
    imt_case_clear(&old);
    imt_case_clear(&nw);
    rc = pg_edit_end(b, rc);
    if (rc == STORE_OK && nchanged)
        *nchanged = n;
    return rc;
}

int pg_set_review(imt_backend *b, const char *case_id, int status, const char *comment,
                  const char *ruleset)
{
    store_review_req rq = { case_id, status, comment, NULL, ruleset };
    store_review_result res;
    return pg_review(b, &rq, &res);
}

/* ---- an edit with version checks (store_edit) ------------------------------------- */

/* Who made the case's (or one field's) last change, and when ("" if no
 * record). */
static int last_change(imt_backend *b, const char *case_id, const char *field, char *user,
                       size_t un, char *time, size_t tn)
{
    user[0] = time[0] = '\0';
    pgparams p = { 0 };
    pgp_text(&p, case_id);
    if (field)
        pgp_text(&p, field);
    int rc;
    PGresult *r = pg_run(b, field ? "SELECT \"user\", time FROM audit WHERE case_id = $1 AND "
                                    "field = $2 ORDER BY seq DESC LIMIT 1"
                                  : "SELECT \"user\", time FROM audit WHERE case_id = $1 "
                                    "ORDER BY seq DESC LIMIT 1", &p, false,
                         "reading the audit trail", &rc);
    if (r && PQntuples(r) == 1) {
        snprintf(user, un, "%s", PQgetvalue(r, 0, 0));
        snprintf(time, tn, "%s", PQgetvalue(r, 0, 1));
    }
    PQclear(r);
    return rc;
}

static int refuse_signed(imt_backend *b, const imt_case *c, const char *what)
{
    char msg[600];
    store_signed_msg(c, what, msg, sizeof msg);
    return pg_set_err(b, STORE_REFUSED, "%s", msg);
}

/* store_edit_plan's view of the audit: who changed a field last. */
typedef struct {
    imt_backend *b;
    const char *case_id;
} edit_lc;

static int edit_last_change(void *ctx, const char *field, char *user, size_t un, char *time,
                            size_t tn)
{
    edit_lc *x = ctx;
    return last_change(x->b, x->case_id, field, user, un, time, tn);
}

/* As the SQLite engine's edit: the case row is locked (FOR UPDATE) after
 * the chain head, so the version compared is the one the write replaces. */
int pg_edit(imt_backend *b, const char *case_id, const store_edit_req *rq,
            store_edit_result *res)
{
    res->nchanged = 0;
    res->conflict_field = -1;
    if (pg_is_readonly(b))
        return pg_refuse_readonly(b);
    if (!valid_id(case_id))
        return pg_set_err(b, STORE_NOTFOUND, "no case ''");
    int rc = pg_edit_begin(b);
    if (rc != STORE_OK)
        return rc;
    imt_case old, nw;
    imt_case_init(&nw);
    rc = pg_get_locked(b, case_id, &old);
    if (rc != STORE_OK) {
        imt_case_clear(&old);
        return pg_edit_end(b, rc);
    }
    char *fsrc[IMT_F_COUNT] = { 0 }, *fcom[IMT_F_COUNT] = { 0 };
    if (imt_case_copy(&res->before, &old) != 0 || imt_case_copy(&nw, &old) != 0) {
        rc = pg_set_err(b, STORE_ERROR, "out of memory");
        goto out;
    }
    if ((rc = last_change(b, case_id, NULL, res->last_user, sizeof res->last_user,
                          res->last_time, sizeof res->last_time)) != STORE_OK)
        goto out;
    if (old.review_status == REV_SIGNED_OUT) {
        rc = refuse_signed(b, &old, "it cannot be changed");
        goto out;
    }
    {
        edit_lc lc = { b, case_id };
        char msg[800];
        rc = store_edit_plan(&old, case_id, rq, edit_last_change, &lc, res, &nw, fsrc, fcom,
                             msg, sizeof msg);
        if (rc != STORE_OK) {
            if (msg[0])
                rc = pg_set_err(b, rc, "%s", msg);
            goto out;
        }
    }
    if (rc == STORE_OK)
        rc = write_changes_as(b, &old, &nw, rq->source ? rq->source : "edit", &res->nchanged,
                              res->changed, (const char *const *)fsrc,
                              (const char *const *)fcom);
    if (rc == STORE_OK) {
        imt_case_clear(&res->after);
        rc = pg_get(b, case_id, &res->after);
    }
out:
    for (int f = 0; f < IMT_F_COUNT; f++) {
        free(fsrc[f]);
        free(fcom[f]);
    }
    imt_case_clear(&old);
    imt_case_clear(&nw);
    rc = pg_edit_end(b, rc);
    if (rc != STORE_OK) {
        res->nchanged = 0;
        imt_case_clear(&res->after);
        if (imt_case_copy(&res->after, &res->before) != 0)
            imt_case_init(&res->after);
    }
    return rc;
}
