/* store/sqlite/rows.c - cases <-> SQLite rows, and audit rows. */
#define _GNU_SOURCE
#include "sqlite_int.h"

/* ---- records <-> rows ------------------------------------------------------ */

/* Parameter ?i+1 is column i (case_id is ?1); INSERT and UPDATE use the
 * same numbering, so one binder serves both. */
int sq_bind_case(imt_backend *st, sqlite3_stmt *s, const imt_case *c)
{
    for (int f = 0; f < IMT_F_COUNT; f++) {
        const imt_field *fd = &imt_fields[f];
        int p = f + 1;
        int rc = SQLITE_OK;
        switch (fd->type) {
        case FT_DEC: {
            const imt_num *v = FCPTR(c, f, imt_num);
            rc = v->known ? sqlite3_bind_double(s, p, v->v) : sqlite3_bind_null(s, p);
            break;
        }
        case FT_INT: {
            const imt_num *v = FCPTR(c, f, imt_num);
            if (!v->known)
                rc = sqlite3_bind_null(s, p);
            else if (v->v == floor(v->v) && fabs(v->v) < 9e15)
                rc = sqlite3_bind_int64(s, p, (sqlite3_int64)v->v);
            else
                rc = sqlite3_bind_double(s, p, v->v);   /* the CHECK refuses it */
            break;
        }
        case FT_ENUM: {
            int i = *FCPTR(c, f, int);
            if (i == IMT_UNKNOWN)
                rc = sqlite3_bind_null(s, p);
            else if (i >= 0 && i < sq_nvalues(fd->values))
                rc = sqlite3_bind_text(s, p, fd->values[i], -1, SQLITE_STATIC);
            else
                return sq_set_err(st, STORE_ERROR, "column '%s': invalid value number %d",
                               fd->name, i);
            break;
        }
        case FT_BOOL: {
            int i = *FCPTR(c, f, int);
            if (i == IMT_UNKNOWN)
                rc = sqlite3_bind_null(s, p);
            else if (i == 0 || i == 1)
                rc = sqlite3_bind_int(s, p, i);
            else
                return sq_set_err(st, STORE_ERROR, "column '%s': invalid yes/no value %d",
                               fd->name, i);
            break;
        }
        default: {
            const char *t = *FCPTR(c, f, char *);
            rc = t && *t ? sqlite3_bind_text(s, p, t, -1, SQLITE_STATIC)
                         : sqlite3_bind_null(s, p);
            break;
        }
        }
        if (rc != SQLITE_OK)
            return sq_fail(st, rc, "binding a value");
    }
    int rc = sqlite3_bind_int(s, NCOLS, c->alk_discordant ? 1 : 0);
    return rc == SQLITE_OK ? STORE_OK : sq_fail(st, rc, "binding a value");
}

/* Where load_row reads a case: a result row (columns base..base+NLOAD-1:
 * the dictionary's, alk_discordant, next_due) or the NLOAD arguments of
 * an SQL function.  (Values from
 * sqlite3_column_value() are "unprotected" and may not be read with
 * sqlite3_value_*(), so a row is read with sqlite3_column_*().) */
typedef struct {
    sqlite3_stmt *s;
    int base;
    sqlite3_value **v;
} row_src;

static int r_type(const row_src *r, int i)
{
    return r->v ? sqlite3_value_type(r->v[i]) : sqlite3_column_type(r->s, r->base + i);
}
static double r_double(const row_src *r, int i)
{
    return r->v ? sqlite3_value_double(r->v[i]) : sqlite3_column_double(r->s, r->base + i);
}
static int r_int(const row_src *r, int i)
{
    return r->v ? sqlite3_value_int(r->v[i]) : sqlite3_column_int(r->s, r->base + i);
}
static const unsigned char *r_text(const row_src *r, int i)
{
    return r->v ? sqlite3_value_text(r->v[i]) : sqlite3_column_text(r->s, r->base + i);
}
static int r_bytes(const row_src *r, int i)
{
    return r->v ? sqlite3_value_bytes(r->v[i]) : sqlite3_column_bytes(r->s, r->base + i);
}

/* Field f of a case from column i of r into c.  Returns 0, or -1 when
 * out of memory. */
static int load_field(const row_src *r, int i, int f, imt_case *c)
{
    const imt_field *fd = &imt_fields[f];
    if (r_type(r, i) == SQLITE_NULL) {
        if (fd->type == FT_ENUM || fd->type == FT_BOOL)
            *FPTR(c, f, int) = IMT_UNKNOWN;
        return 0;
    }
    switch (fd->type) {
    case FT_DEC: case FT_INT:
        *FPTR(c, f, imt_num) = (imt_num){ true, r_double(r, i) };
        break;
    case FT_ENUM:
        *FPTR(c, f, int) = rec_enum_exact(fd->values, (const char *)r_text(r, i));
        break;
    case FT_BOOL:
        *FPTR(c, f, int) = r_int(r, i) ? 1 : 0;
        break;
    default: {
        const unsigned char *t = r_text(r, i);
        if (!t)
            return -1;
        int n = r_bytes(r, i);
        char *d = malloc((size_t)n + 1);
        if (!d)
            return -1;
        memcpy(d, t, (size_t)n);
        d[n] = '\0';
        *FPTR(c, f, char *) = d;
        break;
    }
    }
    return 0;
}

/* A case from r into c (initialised here).  Returns 0, or -1 when out of
 * memory. */
static int load_row(const row_src *r, imt_case *c)
{
    imt_case_init(c);
    for (int f = 0; f < IMT_F_COUNT; f++)
        if (load_field(r, f, f, c) != 0) {
            imt_case_clear(c);
            return -1;
        }
    c->alk_discordant = r_int(r, IMT_F_COUNT) ? 1 : 0;
    if (r_type(r, NCOLS) == SQLITE_TEXT && r_bytes(r, NCOLS) == 10)
        memcpy(c->next_due, r_text(r, NCOLS), 11);
    /* What the store keeps beside the dictionary, when the row has it
     * (st->read_cols). */
    if (r->s && sqlite3_column_count(r->s) >= r->base + NLOAD + NEXTRA) {
        c->version = sqlite3_column_int64(r->s, r->base + NLOAD);
        c->decision_state = sqlite3_column_int(r->s, r->base + NLOAD + 1);
        for (int k = 0; k < 2; k++) {
            const unsigned char *t = sqlite3_column_text(r->s, r->base + NLOAD + 2 + k);
            if (!t)
                continue;
            char *d = strdup((const char *)t);
            if (!d) {
                imt_case_clear(c);
                return -1;
            }
            if (k == 0)
                c->review_comment = d;
            else
                c->signer_name = d;
        }
    }
    return 0;
}

/* Columns 0..nf-1 of the current row of s, which are fields[0..nf-1],
 * into c, whose other fields are left as they are (an initialised
 * record).  On failure (out of memory, -1) the fields read are freed. */
int sq_load_row_fields(sqlite3_stmt *s, const int *fields, int nf, imt_case *c)
{
    row_src r = { s, 0, NULL };
    for (int i = 0; i < nf; i++)
        if (load_field(&r, i, fields[i], c) != 0) {
            sq_free_fields(c, fields, i);
            return -1;
        }
    return 0;
}

/* Free the text of fields[0..nf-1] of c (set NULL). */
void sq_free_fields(imt_case *c, const int *fields, int nf)
{
    for (int i = 0; i < nf; i++)
        if (rec_is_text(imt_fields[fields[i]].type)) {
            char **p = FPTR(c, fields[i], char *);
            free(*p);
            *p = NULL;
        }
}

/* Columns base..base+NCOLS-1 of the current row into c (initialised
 * here).  Returns 0, or -1 when out of memory. */
int sq_load_case(sqlite3_stmt *s, int base, imt_case *c)
{
    row_src r = { s, base, NULL };
    return load_row(&r, c);
}

/* The NCOLS arguments of an SQL function into c. */
int sq_load_values(sqlite3_value **v, imt_case *c)
{
    row_src r = { NULL, 0, v };
    return load_row(&r, c);
}

/* An audit row; snapshot (NULL for most rows) is the JSON object of a
 * new case's values (rec_case_snapshot).  Its hashes are computed here
 * (chain.c), or by the chain's trigger when they cannot be. */
int sq_audit_add_row(imt_backend *st, const sq_audit_row *r)
{
    /* the columns of Q_AUDIT, in its parameters' order (?1 ..) */
    static const char *const names[] = { "time", "user", "case_id", "field", "old_value",
                                         "new_value", "source", "comment", "ruleset",
                                         "snapshot", "rule_id", "fired_by", "full_name" };
    enum { NV = sizeof names / sizeof names[0] };
    const char *vals[NV] = { sq_now_utc(st), st->user, r->case_id, r->field, r->oldv, r->newv,
                             r->source ? r->source : "edit", r->comment, r->ruleset,
                             r->snapshot, r->rule_id, r->fired_by, r->full_name };
    char rh[65], h[65];
    int crc = sq_chain_next(st, names, vals, NV, rh, h);
    if (crc < 0)
        return crc;
    sqlite3_stmt *s = st->q[Q_AUDIT];
    for (int i = 0; i < NV; i++)
        sqlite3_bind_text(s, i + 1, vals[i], -1, SQLITE_STATIC);   /* NULL binds NULL */
    if (crc == STORE_OK) {
        sqlite3_bind_text(s, NV + 1, rh, 64, SQLITE_STATIC);
        sqlite3_bind_text(s, NV + 2, h, 64, SQLITE_STATIC);
    }
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? STORE_OK : sq_fail(st, rc, "writing the audit trail");
}

int sq_audit_add_snap(imt_backend *st, const char *case_id, const char *field,
                          const char *oldv, const char *newv, const char *source,
                          const char *comment, const char *ruleset, const char *snapshot)
{
    sq_audit_row r = { .case_id = case_id, .field = field, .oldv = oldv, .newv = newv,
                       .source = source, .comment = comment, .ruleset = ruleset,
                       .snapshot = snapshot };
    return sq_audit_add_row(st, &r);
}

int sq_audit_add(imt_backend *st, const char *case_id, const char *field,
                     const char *oldv, const char *newv, const char *source,
                     const char *comment, const char *ruleset)
{
    return sq_audit_add_snap(st, case_id, field, oldv, newv, source, comment, ruleset, NULL);
}
