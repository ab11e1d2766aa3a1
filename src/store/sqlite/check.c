/* store/sqlite/check.c - store_check for SQLite: integrity check, values against
 * the dictionary, the hash chain recomputed, each history replayed. */
#define _GNU_SOURCE
#include "sqlite_int.h"

/* ---- check ----------------------------------------------------------------- */

typedef struct {
    void (*report)(void *ctx, const char *msg);
    void *ctx;
    long n;
    long held;     /* constraint messages of integrity_check held back */
} checker;

static void problem(checker *ck, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(checker *ck, const char *fmt, ...)
{
    ck->n++;
    if (ck->n > CHECK_REPORT_CAP || !ck->report)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ck->report(ck->ctx, msg);
}

/* One stored value against the dictionary, without trusting the CHECKs
 * (they do not hold if someone wrote with constraints disabled). */
static void check_value(checker *ck, const char *id, sqlite3_stmt *s, int col, int f)
{
    const imt_field *fd = &imt_fields[f];
    int t = sqlite3_column_type(s, col);
    char b1[160];
    if (t == SQLITE_NULL) {
        if (f == IMT_F_case_id || f == IMT_F_site || f == IMT_F_review_status ||
            (fd->flags & FF_DERIVED))
            problem(ck, "case '%s': column '%s' is empty but must have a value", id, fd->name);
        return;
    }
    /* Text of a number only for the message: converting every number of
     * a million rows to text would double the time of a check. */
#define TXT ((const char *)sqlite3_column_text(s, col))
    switch (fd->type) {
    case FT_DEC: case FT_INT: {
        double v = sqlite3_column_double(s, col);
        if ((t != SQLITE_FLOAT && t != SQLITE_INTEGER) || v < fd->min || v > fd->max ||
            (fd->type == FT_INT && (t != SQLITE_INTEGER || v != floor(v))))
            problem(ck, "case '%s': column '%s' holds '%s', not a %s within the dictionary's range",
                    id, fd->name, rec_safe(TXT, b1, sizeof b1),
                    fd->type == FT_INT ? "whole number" : "number");
        return;
    }
    case FT_ENUM:
        if (t != SQLITE_TEXT || rec_enum_exact(fd->values, TXT) < 0)
            problem(ck, "case '%s': column '%s' holds '%s', not one of the dictionary's values",
                    id, fd->name, rec_safe(TXT, b1, sizeof b1));
        return;
    case FT_BOOL:
        if (t != SQLITE_INTEGER || (sqlite3_column_int64(s, col) != 0 &&
                                    sqlite3_column_int64(s, col) != 1))
            problem(ck, "case '%s': column '%s' holds '%s', not 0 or 1", id, fd->name,
                    rec_safe(TXT, b1, sizeof b1));
        return;
    default:
        break;
    }
    const char *txt = TXT;
#undef TXT
    /* Text kinds: the one validator of single cells decides, and the value
     * must already be in canonical form. */
    int len = sqlite3_column_bytes(s, col);
    if (t != SQLITE_TEXT || !txt || (int)strlen(txt) != len || len == 0) {
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

static int check_rows(imt_backend *st, checker *ck)
{
    sbuf b = { 0 };
    sb_add(&b, "SELECT %s FROM cases ORDER BY id", st->read_cols);
    if (b.oom)
        return sq_set_err(st, STORE_ERROR, "out of memory");
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(st->db, b.s, -1, &q, NULL);
    sb_free(&b);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "reading cases");
    imt_case c, d;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char idb[160];
        const char *id = rec_safe((const char *)sqlite3_column_text(q, IMT_F_case_id), idb, sizeof idb);
        for (int f = 0; f < IMT_F_COUNT; f++)
            check_value(ck, id, q, f, f);
        int disc = sqlite3_column_type(q, IMT_F_COUNT);
        if (disc != SQLITE_INTEGER)
            problem(ck, "case '%s': column 'alk_discordant' is not 0 or 1", id);
        if (sq_load_case(q, 0, &c) != 0) {
            sqlite3_finalize(q);
            return sq_set_err(st, STORE_ERROR, "out of memory");
        }
        if (imt_case_copy(&d, &c) != 0) {
            imt_case_clear(&c);
            sqlite3_finalize(q);
            return sq_set_err(st, STORE_ERROR, "out of memory");
        }
        imt_case_derive(&d);
        /* Compare with what is stored (raw text: sq_load_case maps an unknown
         * word to IMT_UNKNOWN, which would hide a corrupted value). */
        const char *stored = (const char *)sqlite3_column_text(q, IMT_F_alk_status);
        char sb1[160];
        if (!stored || strcmp(stored, imt_alk_values[d.alk_status]) != 0)
            problem(ck, "case '%s': alk_status is '%s' but the ALK fields give '%s'", id,
                    rec_safe(stored, sb1, sizeof sb1), imt_alk_values[d.alk_status]);
        if (sqlite3_column_type(q, IMT_F_alk_confirmed) != SQLITE_INTEGER ||
            sqlite3_column_int64(q, IMT_F_alk_confirmed) != d.alk_confirmed)
            problem(ck, "case '%s': alk_confirmed is '%s' but the ALK fields give %s", id,
                    rec_safe((const char *)sqlite3_column_text(q, IMT_F_alk_confirmed), sb1, sizeof sb1),
                    d.alk_confirmed ? "1 (yes)" : "0 (no)");
        if (disc == SQLITE_INTEGER && sqlite3_column_int64(q, IMT_F_COUNT) != d.alk_discordant)
            problem(ck, "case '%s': alk_discordant is %lld but the ALK fields give %d", id,
                    (long long)sqlite3_column_int64(q, IMT_F_COUNT), d.alk_discordant);
        cross_ctx x = { ck, id };
        imt_case_crosscheck(&c, cross_report, &x);
        imt_case_clear(&c);
        imt_case_clear(&d);
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? STORE_OK : sq_fail(st, rc, "reading cases");
}

/* Rows of a PRAGMA or query: each row's first column is passed to fn. */
static int each_row(imt_backend *st, const char *sql, void (*fn)(checker *, sqlite3_stmt *),
                    checker *ck)
{
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "checking");
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        fn(ck, q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? STORE_OK : sq_fail(st, rc, "checking");
}

/* integrity_check also reports values that break a CHECK or NOT NULL
 * ("CHECK constraint failed in cases"), without naming the row; the row
 * pass below names them, so those are held back unless it finds nothing. */
static bool value_message(const char *t)
{
    return strncmp(t, "CHECK constraint failed in ", 27) == 0 ||
           strncmp(t, "NULL value in ", 14) == 0;
}

static void integrity_row(checker *ck, sqlite3_stmt *q)
{
    const char *t = (const char *)sqlite3_column_text(q, 0);
    char b[160];
    if (t && strcmp(t, "ok") == 0)
        return;
    if (t && value_message(t)) {
        ck->held++;
        return;
    }
    problem(ck, "SQLite integrity check: %s", rec_safe(t, b, sizeof b));
}

static void fk_row(checker *ck, sqlite3_stmt *q)
{
    problem(ck, "table %s row %lld refers to a case that does not exist",
            (const char *)sqlite3_column_text(q, 0), (long long)sqlite3_column_int64(q, 1));
}

static void audit_time_row(checker *ck, sqlite3_stmt *q)
{
    problem(ck, "audit row %lld has a malformed time", (long long)sqlite3_column_int64(q, 0));
}


/* ---- check: the hash chain and the replay of the history ------------------- */

/* The problems the shared verifier finds, counted like the others. */
static void chain_report(void *ctx, const char *msg)
{
    problem(ctx, "%s", msg);
}

typedef struct {
    imt_backend *st;
    checker *ck;
} chain_ctx;

static void chain_problem(void *vctx, const char *msg)
{
    chain_ctx *x = vctx;
    chain_report(x->ck, msg);
}

/* Where row `self` (row hash rh, stored hash h) was written: the seq of
 * the row whose stored hash it chains from (0: it chains as the first
 * row; -1: from no row there is). */
static long long chain_find_prev(void *vctx, const unsigned char rh[32],
                                 const unsigned char h[32], long long self)
{
    chain_ctx *x = vctx;
    unsigned char d[32];
    chain_link(NULL, rh, d);
    if (memcmp(d, h, 32) == 0)
        return 0;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(x->st->db, "SELECT seq, hash FROM audit ORDER BY seq", -1, &q,
                           NULL) != SQLITE_OK)
        return -1;
    long long found = -1;
    while (found < 0 && sqlite3_step(q) == SQLITE_ROW) {
        unsigned char p[32];
        long long s = sqlite3_column_int64(q, 0);
        if (s == self || chain_unhex((const char *)sqlite3_column_text(q, 1), p) != 0)
            continue;
        chain_link(p, rh, d);
        if (memcmp(d, h, 32) == 0)
            found = s;
    }
    sqlite3_finalize(q);
    return found;
}

/* Walk the audit trail in order and recompute each row's hashes
 * (store/chain.h); the first row that does not fit is named.  head gets
 * the last row's stored hash. */
static int check_chain(imt_backend *st, checker *ck, store_audit_head *head)
{
    sqlite3_stmt *q;
    memset(head, 0, sizeof *head);
    int rc = sqlite3_prepare_v2(st->db, "SELECT * FROM audit ORDER BY seq", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "checking the audit trail");
    int ncol = sqlite3_column_count(q), iseq = -1, irh = -1, ih = -1;
    if (ncol > 128) {
        sqlite3_finalize(q);
        return sq_set_err(st, STORE_ERROR, "the audit table has too many columns");
    }
    for (int i = 0; i < ncol; i++) {
        const char *n = sqlite3_column_name(q, i);
        if (strcmp(n, "seq") == 0)
            iseq = i;
        else if (strcmp(n, "row_hash") == 0)
            irh = i;
        else if (strcmp(n, "hash") == 0)
            ih = i;
    }
    if (iseq < 0 || irh < 0 || ih < 0) {
        problem(ck, "the audit trail has no hash chain (columns row_hash and hash)");
        sqlite3_finalize(q);
        return STORE_OK;
    }
    chain_ctx x = { st, ck };
    chain_verifier v;
    chain_verify_start(&v, head, chain_problem, chain_find_prev, &x);
    chain_val cols[128];
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        unsigned char rh[32];
        for (int i = 0; i < ncol; i++)
            sq_chain_val(&cols[i], sqlite3_column_name(q, i), sqlite3_column_value(q, i));
        chain_row_hash(cols, ncol, rh);
        chain_verify_row(&v, sqlite3_column_int64(q, iseq), rh,
                         (const char *)sqlite3_column_text(q, irh),
                         (const char *)sqlite3_column_text(q, ih));
    }
    rc = rc == SQLITE_DONE ? STORE_OK : sq_fail(st, rc, "checking the audit trail");
    chain_verify_end(&v);
    sqlite3_finalize(q);
    return rc;
}

static void replay_report(void *ctx, const char *msg)
{
    problem(ctx, "%s", msg);
}

/* Replay each case's history (its creation snapshot, then every change of
 * a field) and compare the result with the stored values. */
static int check_replay(imt_backend *st, checker *ck)
{
    sbuf b = { 0 };
    sb_add(&b, "SELECT %s FROM cases ORDER BY case_id", st->cols);
    if (b.oom)
        return sq_set_err(st, STORE_ERROR, "out of memory");
    sqlite3_stmt *qc = NULL, *qh = NULL;
    int rc = sqlite3_prepare_v2(st->db, b.s, -1, &qc, NULL);
    sb_free(&b);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(st->db, "SELECT seq, field, new_value, snapshot FROM audit "
                                        "WHERE case_id = ?1 ORDER BY seq", -1, &qh, NULL);
    if (rc != SQLITE_OK) {
        rc = sq_fail(st, rc, "checking the history");
        goto out;
    }
    rec_replay r;
    rec_replay_start(&r);
    int ret = STORE_OK;
    while (ret == STORE_OK && (rc = sqlite3_step(qc)) == SQLITE_ROW) {
        imt_case c;
        if (sq_load_case(qc, 0, &c) != 0) {
            ret = sq_set_err(st, STORE_ERROR, "out of memory");
            break;
        }
        char idb[160];
        const char *id = rec_safe(c.case_id, idb, sizeof idb);
        sqlite3_bind_text(qh, 1, c.case_id, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(qh)) == SQLITE_ROW) {
            if (rec_replay_row(&r, (const char *)sqlite3_column_text(qh, 1),
                               (const char *)sqlite3_column_text(qh, 2),
                               (const char *)sqlite3_column_text(qh, 3)) != 0)
                problem(ck, "audit row %lld: the values case '%s' was created with are "
                            "not readable", (long long)sqlite3_column_int64(qh, 0), id);
        }
        sqlite3_reset(qh);
        if (rc != SQLITE_DONE) {
            rec_replay_finish(&r, &c, id, NULL, NULL);
            imt_case_clear(&c);
            ret = sq_fail(st, rc, "checking the history");
            break;
        }
        rec_replay_finish(&r, &c, id, replay_report, ck);
        imt_case_clear(&c);
    }
    if (ret == STORE_OK && rc != SQLITE_DONE)
        ret = sq_fail(st, rc, "checking the history");
    rc = ret;
out:
    sqlite3_finalize(qc);
    sqlite3_finalize(qh);
    return rc;
}


/* ---- check: the courses (schema version 5) --------------------------------- */

static void course_text(void *vck, const char *msg)
{
    problem(vck, "%s", msg);
}

typedef struct {
    imt_backend *st;
    checker *ck;
    bool states;      /* the decision states are to be checked */
} courses_ctx;

static int check_course_cb(void *vctx, const imt_case *c, const imt_course *co)
{
    courses_ctx *x = vctx;
    char idb[160];
    const char *id = rec_safe(c->case_id, idb, sizeof idb);
    /* The decision states are an index the store keeps: each must be what
     * the case's recommendations (with its course, in hand here) and
     * decisions give, under the rule set they were computed for (this
     * program's, once a writable open has recomputed them). */
    int state;
    if (x->states && sq_case_state_course(x->st, c, co, &state) == STORE_OK &&
        state != c->decision_state) {
        char msg[400];
        store_state_msg(id, c->decision_state, state, msg, sizeof msg);
        problem(x->ck, "%s", msg);
    }
    rec_check_course(c, co, x->st->sched_stale ? NULL : &x->st->sched, course_text, x->ck);
    return 0;
}

/* Every stored event read again through the one row parser: valid, and in
 * canonical form. */
typedef struct {
    int col;
    char msg[400];
    bool any;
} row_first;

static void row_first_report(void *vctx, int col, const char *msg)
{
    row_first *x = vctx;
    if (x->any)
        return;
    x->any = true;
    x->col = col;
    snprintf(x->msg, sizeof x->msg, "%s", msg);
}

static int check_event_rows(imt_backend *st, checker *ck)
{
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(st->db, "SELECT id, case_id, coalesce(date, CAST(day AS TEXT)), "
                                        "type, CAST(line AS TEXT), agent, intent, reason, "
                                        "response, extent, site, detail, typeof(day), "
                                        "typeof(line) FROM events ORDER BY id", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "checking the events");
    imt_event e;
    ev_init(&e);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(q, 0);
        const char *cells[EVC_N];
        for (int col = 0; col < EVC_N; col++) {
            const char *t = (const char *)sqlite3_column_text(q, col + 1);
            cells[col] = t ? t : "";
        }
        char idb[160], b1[400];
        const char *cid = rec_safe(cells[EVC_CASE_ID], idb, sizeof idb);
        const char *tday = (const char *)sqlite3_column_text(q, 12);
        const char *tline = (const char *)sqlite3_column_text(q, 13);
        if ((tday && strcmp(tday, "integer") != 0 && strcmp(tday, "null") != 0) ||
            (tline && strcmp(tline, "integer") != 0 && strcmp(tline, "null") != 0)) {
            problem(ck, "event %lld of case '%s': day or line is not a whole number", id, cid);
            continue;
        }
        row_first x = { -1, "", false };
        ev_parse_row(&e, cells, row_first_report, &x);
        if (x.any) {
            problem(ck, "event %lld of case '%s': column '%s': %s", id, cid,
                    ev_columns[x.col], rec_safe(x.msg, b1, sizeof b1));
            continue;
        }
        /* canonical: every column as the parser writes it */
        for (int col = 0; col < EVC_N; col++) {
            char buf[64];
            const char *canon = ev_cell(&e, col, buf, sizeof buf);
            if (strcmp(canon ? canon : "", cells[col]) != 0) {
                problem(ck, "event %lld of case '%s': column '%s' holds '%s', not in canonical "
                        "form", id, cid, ev_columns[col], rec_safe(cells[col], b1, sizeof b1));
                break;
            }
        }
    }
    ev_clear(&e);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? STORE_OK : sq_fail(st, rc, "checking the events");
}

/* Replay each course's history (the audit rows of field 'event': the event
 * as a JSON object, with its id, before and after) and compare it with the
 * events stored. */
typedef struct {
    long long id;
    char *json;
} ev_state;

static int check_event_replay(imt_backend *st, checker *ck)
{
    sqlite3_stmt *qc = NULL, *qa = NULL, *qe = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT case_id FROM events UNION SELECT case_id "
                                        "FROM audit WHERE field = 'event' ORDER BY 1", -1,
                                &qc, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(st->db, "SELECT seq, old_value, new_value, json_extract("
                                        "coalesce(new_value, old_value), '$.id') FROM audit "
                                        "WHERE case_id = ?1 AND field = 'event' ORDER BY seq",
                                -1, &qa, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(st->db, "SELECT " EV_COLS " FROM events WHERE case_id = ?1 "
                                        "ORDER BY id", -1, &qe, NULL);
    if (rc != SQLITE_OK) {
        rc = sq_fail(st, rc, "checking the history of the courses");
        goto out;
    }
    ev_state *v = NULL;
    int n = 0, cap = 0, ret = STORE_OK;
    while (ret == STORE_OK && (rc = sqlite3_step(qc)) == SQLITE_ROW) {
        const char *cid = (const char *)sqlite3_column_text(qc, 0);
        char idb[160];
        const char *id = rec_safe(cid, idb, sizeof idb);
        for (int i = 0; i < n; i++)
            free(v[i].json);
        n = 0;
        sqlite3_bind_text(qa, 1, cid, -1, SQLITE_TRANSIENT);
        while ((rc = sqlite3_step(qa)) == SQLITE_ROW) {
            long long seq = sqlite3_column_int64(qa, 0);
            bool has_old = sqlite3_column_type(qa, 1) != SQLITE_NULL;
            bool has_new = sqlite3_column_type(qa, 2) != SQLITE_NULL;
            long long eid = sqlite3_column_int64(qa, 3);
            int at = -1;
            for (int i = 0; i < n; i++)
                if (v[i].id == eid)
                    at = i;
            if (has_old && at < 0) {
                problem(ck, "audit row %lld: case '%s' event %lld changed or removed before "
                        "it was recorded as added", seq, id, eid);
                continue;
            }
            if (!has_old && at >= 0) {
                problem(ck, "audit row %lld: case '%s' event %lld added twice", seq, id, eid);
                continue;
            }
            if (has_new) {
                const char *j = (const char *)sqlite3_column_text(qa, 2);
                char *d = strdup(j ? j : "");
                if (!d) {
                    ret = sq_set_err(st, STORE_ERROR, "out of memory");
                    break;
                }
                if (at >= 0) {
                    free(v[at].json);
                    v[at].json = d;
                } else {
                    if (n == cap) {
                        int nc = cap ? cap * 2 : 32;
                        ev_state *nv = realloc(v, (size_t)nc * sizeof *nv);
                        if (!nv) {
                            free(d);
                            ret = sq_set_err(st, STORE_ERROR, "out of memory");
                            break;
                        }
                        v = nv;
                        cap = nc;
                    }
                    v[n++] = (ev_state){ eid, d };
                }
            } else if (at >= 0) {
                free(v[at].json);
                v[at] = v[--n];
            }
        }
        sqlite3_reset(qa);
        if (ret != STORE_OK)
            break;
        if (rc != SQLITE_DONE) {
            ret = sq_fail(st, rc, "checking the history of the courses");
            break;
        }
        /* the events stored, against the replayed state */
        bool *seen = n ? calloc((size_t)n, sizeof *seen) : NULL;
        sqlite3_bind_text(qe, 1, cid, -1, SQLITE_TRANSIENT);
        while ((rc = sqlite3_step(qe)) == SQLITE_ROW) {
            imt_event e;
            if (sq_event_load(qe, 0, &e) != 0) {
                ret = sq_set_err(st, STORE_ERROR, "out of memory");
                break;
            }
            char *j = rec_event_json(&e);
            int at = -1;
            for (int i = 0; i < n; i++)
                if (v[i].id == e.id)
                    at = i;
            char w[32];
            ev_format_cell(&e, EVC_DATE, w, sizeof w);
            if (at < 0)
                problem(ck, "case '%s': event %lld (%s, %s) has no record in the audit trail: "
                        "it was added behind imtreview's back", id, e.id, w,
                        e.type >= 0 ? ev_type_values[e.type] : "?");
            else if (!j || strcmp(j, v[at].json) != 0)
                problem(ck, "case '%s': event %lld (%s) differs from what its history says "
                        "(changed behind imtreview's back)", id, e.id, w);
            if (at >= 0 && seen)
                seen[at] = true;
            free(j);
            ev_clear(&e);
        }
        sqlite3_reset(qe);
        for (int i = 0; i < n && ret == STORE_OK; i++)
            if (seen && !seen[i])
                problem(ck, "case '%s': event %lld of its history is missing (removed behind "
                        "imtreview's back)", id, v[i].id);
        free(seen);
        if (ret == STORE_OK && rc != SQLITE_DONE)
            ret = sq_fail(st, rc, "checking the history of the courses");
    }
    for (int i = 0; i < n; i++)
        free(v[i].json);
    free(v);
    if (ret == STORE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        ret = sq_fail(st, rc, "checking the history of the courses");
    rc = ret;
out:
    sqlite3_finalize(qc);
    sqlite3_finalize(qa);
    sqlite3_finalize(qe);
    return rc;
}

static int check_courses(imt_backend *st, checker *ck)
{
    int rc = check_event_rows(st, ck);
    if (rc != STORE_OK)
        return rc;
    courses_ctx x = { st, ck, sq_states_uptodate(st) == 1 };
    rc = sq_foreach_course(st, NULL, check_course_cb, &x);
    if (rc < 0)
        return rc;
    return check_event_replay(st, ck);
}

/* The counts per filter cell and the search index (schema version 6,
 * search.c) against the cases: a program that wrote behind our back
 * through INSERT OR REPLACE, or a damaged index, would make the counts
 * or the search answers wrong. */
static long long one_int(imt_backend *st, const char *sql, int *rc)
{
    sqlite3_stmt *q;
    long long v = 0;
    *rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
    if (*rc == SQLITE_OK && (*rc = sqlite3_step(q)) == SQLITE_ROW) {
        v = sqlite3_column_int64(q, 0);
        *rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    return v;
}

static int check_counts_search(imt_backend *st, checker *ck)
{
    if (st->version < 6)
        return STORE_OK;
    int rc;
    static const char *const trig[] = { "case_counts_insert", "case_counts_delete",
                                        "case_counts_update", "case_search_insert",
                                        "case_search_update", "case_search_delete" };
    for (size_t i = 0; i < sizeof trig / sizeof trig[0]; i++) {
        sqlite3_stmt *q;
        if ((rc = sqlite3_prepare_v2(st->db, "SELECT 1 FROM sqlite_master WHERE type = "
                                     "'trigger' AND name = ?1 AND tbl_name = 'cases'", -1,
                                     &q, NULL)) != SQLITE_OK)
            return sq_fail(st, rc, "checking");
        sqlite3_bind_text(q, 1, trig[i], -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc == SQLITE_DONE)
            problem(ck, "trigger %s is missing: the %s no longer follow%s changes to the cases",
                    trig[i], i < 3 ? "counts of cases per filter value" : "search index",
                    i < 3 ? "" : "s");
        else if (rc != SQLITE_ROW)
            return sq_fail(st, rc, "checking");
    }
    long long bad = one_int(st,
        "SELECT count(*) FROM ("
        "SELECT sort_site, sort_alk, sort_outcome, sort_review, decision_state, count(*) "
        "FROM cases GROUP BY 1, 2, 3, 4, 5 EXCEPT SELECT sort_site, sort_alk, sort_outcome, "
        "sort_review, decision_state, n FROM case_counts WHERE n <> 0) ", &rc);
    if (rc == SQLITE_OK)
        bad += one_int(st,
            "SELECT count(*) FROM ("
            "SELECT sort_site, sort_alk, sort_outcome, sort_review, decision_state, n FROM "
            "case_counts WHERE n <> 0 EXCEPT SELECT sort_site, sort_alk, sort_outcome, "
            "sort_review, decision_state, count(*) FROM cases GROUP BY 1, 2, 3, 4, 5)", &rc);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "checking the case counts");
    if (bad)
        problem(ck, "the counts of cases per filter value (table case_counts) do not match "
                    "the cases in %lld place%s: a program changed the cases behind "
                    "imtreview's back (e.g. INSERT OR REPLACE); the counts shown are wrong",
                bad, bad == 1 ? "" : "s");
    long long miss = one_int(st,
        "SELECT count(*) FROM cases c LEFT JOIN case_search s ON s.rowid = c.id "
        "WHERE c.id NOT IN (SELECT id FROM case_search_pending) AND (s.rowid IS NULL "
        "OR s.case_id IS NOT imt_search_text(c.case_id) "
        "OR s.site_detail IS NOT imt_search_text(c.site_detail) "
        "OR s.notes IS NOT imt_search_text(c.notes))", &rc);
    if (rc == SQLITE_OK)
        miss += one_int(st,
            "SELECT count(*) FROM case_search WHERE rowid NOT IN (SELECT id FROM cases) "
            "AND rowid NOT IN (SELECT id FROM case_search_pending)", &rc);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "checking the search index");
    if (miss)
        problem(ck, "the search index disagrees with %lld case%s (table case_search); "
                    "searches are answered wrongly for them", miss, miss == 1 ? "" : "s");
    if (!sq_is_readonly(st)) {
        char *msg = NULL;
        rc = sqlite3_exec(st->db, "INSERT INTO case_search (case_search) "
                                  "VALUES ('integrity-check')", NULL, NULL, &msg);
        if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY) {
            char b[200];
            problem(ck, "the search index is damaged: %s", rec_safe(msg, b, sizeof b));
        }
        sqlite3_free(msg);
    }
    return STORE_OK;
}

int sq_check(imt_backend *st, void (*report)(void *ctx, const char *msg), void *ctx)
{
    return sq_check_head(st, report, ctx, NULL);
}

int sq_check_head(imt_backend *st, void (*report)(void *ctx, const char *msg),
                         void *ctx, store_audit_head *head)
{
    checker ck = { report, ctx, 0, 0 };
    store_audit_head hd;
    if (!head)
        head = &hd;
    memset(head, 0, sizeof *head);
    int rc = each_row(st, "PRAGMA integrity_check(100)", integrity_row, &ck);
    if (rc != STORE_OK)
        return rc;
    if (ck.n > 0) {
        /* A damaged file: reading the rows may only add noise or fail. */
        return (int)ck.n;
    }
    if ((rc = each_row(st, "PRAGMA foreign_key_check", fk_row, &ck)) != STORE_OK)
        return rc;

    /* The audit trail's protection. */
    static const char *const trig[] = { "audit_no_update", "audit_no_delete",
                                        "audit_no_replace" };
    for (int i = 0; i < 3; i++) {
        sqlite3_stmt *q;
        rc = sqlite3_prepare_v2(st->db,
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1 "
            "AND tbl_name = 'audit'", -1, &q, NULL);
        if (rc != SQLITE_OK)
            return sq_fail(st, rc, "checking");
        sqlite3_bind_text(q, 1, trig[i], -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        const char *sql = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : NULL;
        if (!sql || !strstr(sql, "RAISE(ABORT"))
            problem(&ck, "the audit trail is not protected: trigger %s is %s", trig[i],
                    sql ? "altered" : "missing");
        sqlite3_finalize(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return sq_fail(st, rc, "checking");
    }
    rc = each_row(st, "SELECT seq FROM audit WHERE time NOT GLOB "
                      "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'",
                  audit_time_row, &ck);
    if (rc != STORE_OK)
        return rc;
    int v = 0;
    if ((rc = sq_read_user_version(st, &v)) != STORE_OK)
        return rc;
    if (v != STORE_SCHEMA_VERSION)
        problem(&ck, "schema version is %d, expected %d", v, STORE_SCHEMA_VERSION);
    unsigned char key[32];
    if (sq_secret(st, key) != STORE_OK)
        problem(&ck, "%s", st->err);
    memset(key, 0, sizeof key);
    long before = ck.n;
    if ((rc = check_rows(st, &ck)) != STORE_OK)
        return rc;
    if ((rc = check_chain(st, &ck, head)) != STORE_OK)
        return rc;
    if ((rc = check_replay(st, &ck)) != STORE_OK)
        return rc;
    if ((rc = check_courses(st, &ck)) != STORE_OK)
        return rc;
    if ((rc = check_counts_search(st, &ck)) != STORE_OK)
        return rc;
    if (ck.held && ck.n == before)
        problem(&ck, "SQLite integrity check: %ld value%s break%s a constraint of the schema",
                ck.held, ck.held == 1 ? "" : "s", ck.held == 1 ? "s" : "");
    if (ck.n > CHECK_REPORT_CAP && report) {
        char msg[128];
        snprintf(msg, sizeof msg, "... and %ld more problems not listed",
                 ck.n - CHECK_REPORT_CAP);
        report(ctx, msg);
    }
    return ck.n > INT32_MAX ? INT32_MAX : (int)ck.n;
}
