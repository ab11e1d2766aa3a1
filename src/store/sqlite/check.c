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

/* Stored text made safe for a message: control bytes and invalid UTF-8 as
 * \xNN, at most about 40 characters. */
static const char *safe(const char *s, char *buf, size_t n)
{
    size_t o = 0, len = s ? strlen(s) : 0;
    if (!s)
        return "(null)";
    for (size_t i = 0; i < len && o + 8 < n;) {
        uint32_t cp;
        int k = utf8_decode(s + i, len - i, &cp);
        if (k > 0 && cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0)) {
            memcpy(buf + o, s + i, (size_t)k);
            o += (size_t)k;
            i += (size_t)k;
        } else {
            o += (size_t)snprintf(buf + o, n - o, "\\x%02x", (unsigned char)s[i]);
            i++;
        }
        if (o > 120) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
    }
    buf[o] = '\0';
    return buf;
}

/* One stored value against the dictionary, without trusting the CHECKs
 * (they do not hold if someone wrote with constraints disabled). */
static void check_value(checker *ck, const char *id, sqlite3_stmt *s, int col, int f)
{
    const imt_field *fd = &imt_fields[f];
    int t = sqlite3_column_type(s, col);
    char b1[160], b2[160];
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
                    id, fd->name, safe(TXT, b1, sizeof b1),
                    fd->type == FT_INT ? "whole number" : "number");
        return;
    }
    case FT_ENUM:
        if (t != SQLITE_TEXT || sq_enum_exact(fd->values, TXT) < 0)
            problem(ck, "case '%s': column '%s' holds '%s', not one of the dictionary's values",
                    id, fd->name, safe(TXT, b1, sizeof b1));
        return;
    case FT_BOOL:
        if (t != SQLITE_INTEGER || (sqlite3_column_int64(s, col) != 0 &&
                                    sqlite3_column_int64(s, col) != 1))
            problem(ck, "case '%s': column '%s' holds '%s', not 0 or 1", id, fd->name,
                    safe(TXT, b1, sizeof b1));
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
    imt_case tmp;
    imt_case_init(&tmp);
    char err[256];
    if (imt_field_parse(&tmp, f, txt, err, sizeof err) != 0) {
        problem(ck, "case '%s': column '%s': %s", id, fd->name, safe(err, b2, sizeof b2));
    } else {
        const char *canon = *FCPTR(&tmp, f, char *);
        if (!canon || strcmp(canon, txt) != 0)
            problem(ck, "case '%s': column '%s' holds '%s', not in canonical form", id,
                    fd->name, safe(txt, b1, sizeof b1));
    }
    imt_case_clear(&tmp);
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
    /* The decision states are an index the store keeps: each must be what
     * the case's recommendations and decisions give, under the rule set
     * they were computed for (this program's, once a writable open has
     * recomputed them). */
    bool states = sq_states_uptodate(st) == 1;
    imt_case c, d;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char idb[160];
        const char *id = safe((const char *)sqlite3_column_text(q, IMT_F_case_id), idb, sizeof idb);
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
                    safe(stored, sb1, sizeof sb1), imt_alk_values[d.alk_status]);
        if (sqlite3_column_type(q, IMT_F_alk_confirmed) != SQLITE_INTEGER ||
            sqlite3_column_int64(q, IMT_F_alk_confirmed) != d.alk_confirmed)
            problem(ck, "case '%s': alk_confirmed is '%s' but the ALK fields give %s", id,
                    safe((const char *)sqlite3_column_text(q, IMT_F_alk_confirmed), sb1, sizeof sb1),
                    d.alk_confirmed ? "1 (yes)" : "0 (no)");
        if (disc == SQLITE_INTEGER && sqlite3_column_int64(q, IMT_F_COUNT) != d.alk_discordant)
            problem(ck, "case '%s': alk_discordant is %lld but the ALK fields give %d", id,
                    (long long)sqlite3_column_int64(q, IMT_F_COUNT), d.alk_discordant);
        cross_ctx x = { ck, id };
        imt_case_crosscheck(&c, cross_report, &x);
        int state;
        if (states && sq_case_state(st, &c, false, &state, NULL, 0) == STORE_OK &&
            state != c.decision_state)
            problem(ck, "case '%s': decision_state is %d but its recommendations and "
                        "decisions give %d (%s)", id, c.decision_state, state,
                    review_dstate_names[state]);
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
    problem(ck, "SQLite integrity check: %s", safe(t, b, sizeof b));
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

/* The row hash of the current row of q (a SELECT * FROM audit), computed
 * from its columns; *seq, and the stored row_hash and hash (NULL when
 * missing) too. */
typedef struct {
    int ncol, iseq, irh, ih;
    chain_col cols[128];
} chain_reader;

static int chain_reader_init(imt_backend *st, chain_reader *r, sqlite3_stmt *q)
{
    memset(r, 0, sizeof *r);
    r->ncol = sqlite3_column_count(q);
    r->iseq = r->irh = r->ih = -1;
    if (r->ncol > 128)
        return sq_set_err(st, STORE_ERROR, "the audit table has too many columns");
    for (int i = 0; i < r->ncol; i++) {
        const char *n = sqlite3_column_name(q, i);
        if (strcmp(n, "seq") == 0)
            r->iseq = i;
        else if (strcmp(n, "row_hash") == 0)
            r->irh = i;
        else if (strcmp(n, "hash") == 0)
            r->ih = i;
    }
    return STORE_OK;
}

static void chain_read(chain_reader *r, sqlite3_stmt *q, long long *seq, unsigned char rh[32])
{
    int n = 0;
    *seq = sqlite3_column_int64(q, r->iseq);
    for (int i = 0; i < r->ncol; i++) {
        r->cols[n].name = sqlite3_column_name(q, i);
        r->cols[n++].v = sqlite3_column_value(q, i);
    }
    sq_chain_row_hash(r->cols, n, rh);
}

/* Where row `seq` (row hash rh, stored hash h) was written: the seq of the
 * row whose stored hash it chains from (0: it chains as the first row;
 * -1: from no row there is). */
static long long chain_find_prev(imt_backend *st, const unsigned char rh[32],
                                 const unsigned char h[32], long long self)
{
    unsigned char d[32];
    sq_chain_link(NULL, rh, d);
    if (memcmp(d, h, 32) == 0)
        return 0;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(st->db, "SELECT seq, hash FROM audit ORDER BY seq", -1, &q, NULL) !=
        SQLITE_OK)
        return -1;
    long long found = -1;
    while (found < 0 && sqlite3_step(q) == SQLITE_ROW) {
        unsigned char p[32];
        long long s = sqlite3_column_int64(q, 0);
        if (s == self || sq_unhex32((const char *)sqlite3_column_text(q, 1), p) != 0)
            continue;
        sq_chain_link(p, rh, d);
        if (memcmp(d, h, 32) == 0)
            found = s;
    }
    sqlite3_finalize(q);
    return found;
}

/* Walk the audit trail in order and recompute each row's hashes; name the
 * first row that does not fit and why.  head gets the last row's stored
 * hash. */
static int check_chain(imt_backend *st, checker *ck, store_audit_head *head)
{
    sqlite3_stmt *q;
    memset(head, 0, sizeof *head);
    int rc = sqlite3_prepare_v2(st->db, "SELECT * FROM audit ORDER BY seq", -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(st, rc, "checking the audit trail");
    chain_reader *r = malloc(sizeof *r);
    if (!r) {
        sqlite3_finalize(q);
        return sq_set_err(st, STORE_ERROR, "out of memory");
    }
    if ((rc = chain_reader_init(st, r, q)) != STORE_OK)
        goto out;
    if (r->iseq < 0 || r->irh < 0 || r->ih < 0) {
        problem(ck, "the audit trail has no hash chain (columns row_hash and hash)");
        goto out;
    }
    unsigned char prev[32];
    bool have_prev = false, broken = false;
    long long prev_seq = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        long long seq;
        unsigned char rh[32], srh[32], sh[32], d[32];
        chain_read(r, q, &seq, rh);
        const char *hs = (const char *)sqlite3_column_text(q, r->ih);
        bool hash_ok = sq_unhex32(hs, sh) == 0;
        head->rows++;
        head->seq = seq;
        snprintf(head->hash, sizeof head->hash, "%s", hash_ok ? hs : "");
        if (broken) {
            if (hash_ok) {
                memcpy(prev, sh, 32);
                have_prev = true;
            }
            continue;
        }
        bool gap = head->rows > 1 ? seq != prev_seq + 1 : false;
        if (!hash_ok) {
            problem(ck, "audit row %lld has no valid hash: it was added or rewritten behind "
                        "imtreview's back (the hash chain breaks here)", seq);
            broken = true;
        } else if (sq_unhex32((const char *)sqlite3_column_text(q, r->irh), srh) != 0 ||
                   memcmp(srh, rh, 32) != 0) {
            problem(ck, "audit row %lld was changed after it was written: its values do not "
                        "match its hash (the hash chain breaks here)", seq);
            broken = true;
        } else {
            sq_chain_link(have_prev ? prev : NULL, rh, d);
            if (memcmp(d, sh, 32) != 0) {
                broken = true;
                long long from = chain_find_prev(st, rh, sh, seq);
                if (gap && seq - prev_seq == 2)
                    problem(ck, "audit row %lld was removed: row %lld does not follow row %lld "
                                "in the hash chain", prev_seq + 1, seq, prev_seq);
                else if (gap)
                    problem(ck, "audit rows %lld to %lld were removed: row %lld does not follow "
                                "row %lld in the hash chain", prev_seq + 1, seq - 1, seq,
                            prev_seq);
                else if (from > seq)
                    problem(ck, "audit row %lld is out of order: it was written after the row "
                                "now numbered %lld (the audit trail was reordered)", seq, from);
                else if (from == 0 && head->rows > 1)
                    problem(ck, "audit rows up to %lld were inserted behind imtreview's back: "
                                "row %lld was written as the first row", prev_seq, seq);
                else if (from > 0 && from == prev_seq - 1)
                    problem(ck, "audit row %lld was inserted behind imtreview's back: row %lld "
                                "was written right after row %lld", prev_seq, seq, from);
                else if (from > 0 && from < prev_seq)
                    problem(ck, "audit rows %lld to %lld were inserted behind imtreview's "
                                "back: row %lld was written right after row %lld",
                            from + 1, prev_seq, seq, from);
                else if (head->rows == 1)
                    problem(ck, "audit row %lld is not the first row written: the rows before "
                                "it were removed", seq);
                else
                    problem(ck, "audit row %lld does not follow row %lld in the hash chain: "
                                "rows between them were removed, or its hash was rewritten",
                            seq, prev_seq);
            }
        }
        if (!broken && gap)
            problem(ck, "audit rows %lld to %lld are missing (renumbered behind imtreview's "
                        "back)", prev_seq + 1, seq - 1);
        if (hash_ok) {
            memcpy(prev, sh, 32);
            have_prev = true;
        }
        prev_seq = seq;
    }
    rc = rc == SQLITE_DONE ? STORE_OK : sq_fail(st, rc, "checking the audit trail");
    head->ok = !broken;
out:
    free(r);
    sqlite3_finalize(q);
    return rc;
}

/* Replay each case's history (its creation snapshot, then every change of
 * a field) and compare the result with the stored values. */
static int check_replay(imt_backend *st, checker *ck)
{
    sbuf b = { 0 };
    sb_add(&b, "SELECT %s FROM cases ORDER BY case_id", st->cols);
    if (b.oom)
        return sq_set_err(st, STORE_ERROR, "out of memory");
    sqlite3_stmt *qc = NULL, *qh = NULL, *qj = NULL;
    int rc = sqlite3_prepare_v2(st->db, b.s, -1, &qc, NULL);
    sb_free(&b);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(st->db, "SELECT seq, field, new_value, snapshot FROM audit "
                                        "WHERE case_id = ?1 ORDER BY seq", -1, &qh, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(st->db, "SELECT key, value FROM json_each(?1)", -1, &qj, NULL);
    if (rc != SQLITE_OK) {
        rc = sq_fail(st, rc, "checking the history");
        goto out;
    }
    char *state[IMT_F_COUNT] = { 0 };
    bool known[IMT_F_COUNT];
    int ret = STORE_OK;
    while (ret == STORE_OK && (rc = sqlite3_step(qc)) == SQLITE_ROW) {
        imt_case c;
        if (sq_load_case(qc, 0, &c) != 0) {
            ret = sq_set_err(st, STORE_ERROR, "out of memory");
            break;
        }
        char idb[160];
        const char *id = safe(c.case_id, idb, sizeof idb);
        bool base = false;
        for (int f = 0; f < IMT_F_COUNT; f++) {
            free(state[f]);
            state[f] = NULL;
            known[f] = false;
        }
        sqlite3_bind_text(qh, 1, c.case_id, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(qh)) == SQLITE_ROW) {
            const char *field = (const char *)sqlite3_column_text(qh, 1);
            if (sqlite3_column_type(qh, 3) != SQLITE_NULL) {
                /* A snapshot holds every known value of the case; a field
                 * it does not name was unknown. */
                for (int f = 0; f < IMT_F_COUNT; f++) {
                    free(state[f]);
                    state[f] = NULL;
                    known[f] = !(imt_fields[f].flags & FF_DERIVED);
                }
                base = true;
                sqlite3_bind_value(qj, 1, sqlite3_column_value(qh, 3));
                int jr;
                while ((jr = sqlite3_step(qj)) == SQLITE_ROW) {
                    int f = imt_field_find((const char *)sqlite3_column_text(qj, 0));
                    if (f < 0 || (imt_fields[f].flags & FF_DERIVED))
                        continue;
                    const char *v = (const char *)sqlite3_column_text(qj, 1);
                    free(state[f]);
                    state[f] = v ? strdup(v) : NULL;
                    known[f] = true;
                }
                if (jr != SQLITE_DONE)
                    problem(ck, "audit row %lld: the values case '%s' was created with are "
                                "not readable", (long long)sqlite3_column_int64(qh, 0), id);
                sqlite3_reset(qj);
                continue;
            }
            int f = field ? imt_field_find(field) : -1;
            if (f < 0 || (imt_fields[f].flags & FF_DERIVED) || !base)
                continue;
            const char *v = (const char *)sqlite3_column_text(qh, 2);
            free(state[f]);
            state[f] = v ? strdup(v) : NULL;
            known[f] = true;
        }
        sqlite3_reset(qh);
        if (rc != SQLITE_DONE) {
            imt_case_clear(&c);
            ret = sq_fail(st, rc, "checking the history");
            break;
        }
        if (!base) {
            problem(ck, "case '%s' has no record of its creation in the audit trail: its "
                        "history was removed, or it was added behind imtreview's back", id);
        } else {
            for (int f = 0; f < IMT_F_COUNT; f++) {
                if (!known[f])
                    continue;
                char buf[64], b1[160], b2[160];
                const char *cur = sq_audit_text(&c, f, buf, sizeof buf);
                if ((cur == NULL) != (state[f] == NULL) ||
                    (cur && strcmp(cur, state[f]) != 0))
                    problem(ck, "case '%s': %s is %s%s%s but its history says %s%s%s "
                                "(changed behind imtreview's back)", id, imt_fields[f].name,
                            cur ? "'" : "", cur ? safe(cur, b1, sizeof b1) : "unknown",
                            cur ? "'" : "", state[f] ? "'" : "",
                            state[f] ? safe(state[f], b2, sizeof b2) : "unknown",
                            state[f] ? "'" : "");
            }
        }
        imt_case_clear(&c);
    }
    for (int f = 0; f < IMT_F_COUNT; f++)
        free(state[f]);
    if (ret == STORE_OK && rc != SQLITE_DONE)
        ret = sq_fail(st, rc, "checking the history");
    rc = ret;
out:
    sqlite3_finalize(qc);
    sqlite3_finalize(qh);
    sqlite3_finalize(qj);
    return rc;
}


/* ---- check: the courses (schema version 5) --------------------------------- */

typedef struct {
    checker *ck;
    const char *id;
    const imt_course *co;
} course_chk;

static void course_problem(void *vctx, int ev, int col, const char *msg)
{
    course_chk *x = vctx;
    char w[32] = "", b1[400];
    if (ev >= 0)
        ev_format_cell(&x->co->v[ev], EVC_DATE, w, sizeof w);
    problem(x->ck, "case '%s': %s%s%s%s%s: %s", x->id, ev >= 0 ? "the event of " : "the course",
            ev >= 0 ? w : "", ev >= 0 && col >= 0 ? ", column '" : "",
            ev >= 0 && col >= 0 ? ev_columns[col] : "", ev >= 0 && col >= 0 ? "'" : "",
            safe(msg, b1, sizeof b1));
}

static void consistency_problem(void *vctx, int field, const char *msg)
{
    course_chk *x = vctx;
    char b1[400];
    problem(x->ck, "case '%s': column '%s' %s (the one-row field and the course disagree)",
            x->id, imt_fields[field].name, safe(msg, b1, sizeof b1));
}

typedef struct {
    imt_backend *st;
    checker *ck;
} courses_ctx;

static int check_course_cb(void *vctx, const imt_case *c, const imt_course *co)
{
    courses_ctx *x = vctx;
    char idb[160];
    course_chk cc = { x->ck, safe(c->case_id, idb, sizeof idb), co };
    if (co->n) {
        course_validate(c, co, course_problem, &cc);
        course_consistency(c, co, consistency_problem, &cc);
    }
    if (!x->st->sched_stale) {
        fu_result r;
        fu_next_due(c, co, &x->st->sched, &r);
        if (strcmp(r.next_due, c->next_due) != 0)
            problem(x->ck, "case '%s': next_due is %s but its case, course and the follow-up "
                    "schedule give %s", cc.id, c->next_due[0] ? c->next_due : "empty",
                    r.next_due[0] ? r.next_due : "none");
    }
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
        const char *cid = safe(cells[EVC_CASE_ID], idb, sizeof idb);
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
                    ev_columns[x.col], safe(x.msg, b1, sizeof b1));
            continue;
        }
        /* canonical: every column as the parser writes it */
        for (int col = 0; col < EVC_N; col++) {
            char buf[64];
            const char *canon = ev_cell(&e, col, buf, sizeof buf);
            if (strcmp(canon ? canon : "", cells[col]) != 0) {
                problem(ck, "event %lld of case '%s': column '%s' holds '%s', not in canonical "
                        "form", id, cid, ev_columns[col], safe(cells[col], b1, sizeof b1));
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
        const char *id = safe(cid, idb, sizeof idb);
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
            char *j = sq_event_json(&e);
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
    courses_ctx x = { st, ck };
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
            problem(ck, "the search index is damaged: %s", safe(msg, b, sizeof b));
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
