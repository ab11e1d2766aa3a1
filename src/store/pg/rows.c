/* store/pg/rows.c - cases <-> parameters and binary result rows; the
 * dictionary's constraints checked before a value is sent (an error
 * inside a PostgreSQL transaction aborts all of it, where SQLite's
 * aborts one statement). */
#define _GNU_SOURCE
#include "pg_int.h"
#include "core/utf8.h"

static char *cols_text, *read_text;

/* "case_id, age_years, ..., alk_discordant" */
const char *pg_cols(void)
{
    if (!cols_text) {
        sbuf b = { 0 };
        for (int f = 0; f < IMT_F_COUNT; f++)
            sb_add(&b, "%s%s", f ? ", " : "", imt_fields[f].name);
        sb_add(&b, ", alk_discordant");
        cols_text = b.oom ? NULL : b.s;
    }
    return cols_text ? cols_text : "case_id";
}

/* pg_cols() and what the store keeps beside the dictionary (review:
 * version, comment, signer, decision state), for reading a case (pg_load_case takes them
 * when they follow the dictionary's columns). */
const char *pg_read_cols(void)
{
    if (!read_text) {
        sbuf b = { 0 };
        sb_add(&b, "%s, version, review_comment, signer_name, next_due, decision_state",
               pg_cols());
        read_text = b.oom ? NULL : b.s;
    }
    return read_text ? read_text : pg_cols();
}

/* ---- the dictionary's constraints, as the CHECKs of both engines say them ---- */

static bool is_digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int num2(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static bool valid_date(const char *s)
{
    if (strlen(s) != 10 || !is_digits(s, 4) || s[4] != '-' || !is_digits(s + 5, 2) ||
        s[7] != '-' || !is_digits(s + 8, 2) || strcmp(s, "1800-01-01") < 0)
        return false;
    int y = atoi(s), m = num2(s + 5), d = num2(s + 8);
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12 || d < 1)
        return false;
    int dim = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    return d <= dim;
}

static bool valid_time(const char *s)
{
    if (strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
        !is_digits(s + 11, 2) || !is_digits(s + 14, 2) || !is_digits(s + 17, 2))
        return false;
    char d[11];
    memcpy(d, s, 10);
    d[10] = '\0';
    return valid_date(d) && num2(s + 11) <= 23 && num2(s + 14) <= 59 && num2(s + 17) <= 60;
}

static bool valid_fusion_side(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

static bool value_ok(const imt_case *c, int f)
{
    const imt_field *fd = &imt_fields[f];
    switch (fd->type) {
    case FT_DEC:
    case FT_INT: {
        const imt_num *v = REC_FCPTR(c, f, imt_num);
        if (!v->known)
            return true;
        if (isnan(v->v) || v->v < fd->min || v->v > fd->max)
            return false;
        return fd->type == FT_DEC || v->v == floor(v->v);
    }
    case FT_ENUM: {
        int i = *REC_FCPTR(c, f, int);
        int n = 0;
        while (fd->values[n])
            n++;
        return i == IMT_UNKNOWN || (i >= 0 && i < n);
    }
    case FT_BOOL: {
        int i = *REC_FCPTR(c, f, int);
        return i == IMT_UNKNOWN || i == 0 || i == 1;
    }
    default:
        break;
    }
    const char *t = *REC_FCPTR(c, f, char *);
    if (!t)
        return true;
    size_t len = strlen(t);
    if (!utf8_valid(t, len))
        return false;
    size_t cps = utf8_count(t, len);
    switch (fd->type) {
    case FT_ID:
        if (cps < 1 || cps > fd->maxlen)
            return false;
        for (const char *p = t; *p; p++)
            if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                  (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
                return false;
        return true;
    case FT_TEXT:
        return cps >= 1 && cps <= fd->maxlen;
    case FT_FUSION: {
        if (strcmp(t, "none") == 0)
            return true;
        const char *sep = strstr(t, "::");
        return cps <= fd->maxlen && sep && valid_fusion_side(t, (size_t)(sep - t)) &&
               valid_fusion_side(sep + 2, strlen(sep + 2));
    }
    case FT_DATE:
        return valid_date(t);
    case FT_TIMESTAMP:
        return valid_time(t);
    default:
        return true;
    }
}

/* 0, or -1 with "the value of column 'X' is outside the data dictionary". */
int pg_check_case(const imt_case *c, char *msg, size_t n)
{
    for (int f = 0; f < IMT_F_COUNT; f++) {
        if (!value_ok(c, f)) {
            snprintf(msg, n, "the value of column '%s' is outside the data dictionary",
                     imt_fields[f].name);
            return -1;
        }
    }
    if (!c->case_id || c->site == IMT_UNKNOWN) {
        snprintf(msg, n, "the value of column '%s' is outside the data dictionary",
                 !c->case_id ? "case_id" : "site");
        return -1;
    }
    return 0;
}

/* ---- binding -------------------------------------------------------------------- */

/* Parameters $k+1 .. $k+NCOLS are the columns in pg_cols() order. */
int pg_bind_case(imt_backend *b, pgparams *p, const imt_case *c)
{
    for (int f = 0; f < IMT_F_COUNT; f++) {
        const imt_field *fd = &imt_fields[f];
        switch (fd->type) {
        case FT_DEC: {
            const imt_num *v = REC_FCPTR(c, f, imt_num);
            if (v->known)
                pgp_f8(p, v->v);
            else
                pgp_null(p, PG_FLOAT8);
            break;
        }
        case FT_INT: {
            const imt_num *v = REC_FCPTR(c, f, imt_num);
            if (!v->known)
                pgp_null(p, PG_INT8);
            else if (v->v == floor(v->v) && fabs(v->v) < 9e15)
                pgp_i8(p, (long long)v->v);
            else
                return pg_set_err(b, STORE_ERROR, "the value of column '%s' is outside the "
                                  "data dictionary", fd->name);
            break;
        }
        case FT_ENUM: {
            int i = *REC_FCPTR(c, f, int);
            if (i == IMT_UNKNOWN)
                pgp_null(p, PG_TEXT);
            else
                pgp_text(p, fd->values[i]);
            break;
        }
        case FT_BOOL: {
            int i = *REC_FCPTR(c, f, int);
            if (i == IMT_UNKNOWN)
                pgp_null(p, PG_BOOL);
            else
                pgp_bool(p, i);
            break;
        }
        default: {
            const char *t = *REC_FCPTR(c, f, char *);
            pgp_text(p, t && *t ? t : NULL);
            break;
        }
        }
    }
    pgp_bool(p, c->alk_discordant ? 1 : 0);
    return p->oom ? pg_set_err(b, STORE_ERROR, "internal: too many parameters") : STORE_OK;
}

char *pg_fold_field(const imt_case *c, int f)
{
    const char *t = *REC_FCPTR(c, f, char *);
    return t ? rec_fold(t, strlen(t)) : NULL;
}

/* ---- loading (binary result rows) ----------------------------------------------- */

static uint64_t be64(const unsigned char *s)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = (u << 8) | s[i];
    return u;
}

/* A number of any of the numeric types in binary format; false when the
 * column holds another type. */
static bool load_number(const PGresult *r, int row, int col, double *out)
{
    const unsigned char *s = (const unsigned char *)PQgetvalue(r, row, col);
    int len = PQgetlength(r, row, col);
    switch (PQftype(r, col)) {
    case PG_FLOAT8:
        if (len != 8)
            return false;
        {
            uint64_t u = be64(s);
            memcpy(out, &u, sizeof *out);
        }
        return true;
    case PG_FLOAT4:
        if (len != 4)
            return false;
        {
            uint32_t u = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
            float fl;
            memcpy(&fl, &u, sizeof fl);
            *out = fl;
        }
        return true;
    case PG_INT8:
        if (len != 8)
            return false;
        *out = (double)(int64_t)be64(s);
        return true;
    case PG_INT4:
        if (len != 4)
            return false;
        *out = (double)(int32_t)((uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 |
                                 (uint32_t)s[2] << 8 | s[3]);
        return true;
    case PG_INT2:
        if (len != 2)
            return false;
        *out = (double)(int16_t)((uint16_t)(s[0] << 8 | s[1]));
        return true;
    default:
        return false;
    }
}

static int load_bool(const PGresult *r, int row, int col)
{
    if (PQftype(r, col) == PG_BOOL && PQgetlength(r, row, col) == 1)
        return PQgetvalue(r, row, col)[0] ? 1 : 0;
    double d;
    if (load_number(r, row, col, &d))
        return d != 0;
    return IMT_UNKNOWN;
}

/* Columns base..base+NCOLS-1 of row into c (initialised here).  0, or
 * -1 when out of memory. */
int pg_load_case(const PGresult *r, int row, int base, imt_case *c)
{
    imt_case_init(c);
    for (int f = 0; f < IMT_F_COUNT; f++) {
        const imt_field *fd = &imt_fields[f];
        int col = base + f;
        if (PQgetisnull(r, row, col)) {
            if (fd->type == FT_ENUM || fd->type == FT_BOOL)
                *REC_FPTR(c, f, int) = IMT_UNKNOWN;
            continue;
        }
        switch (fd->type) {
        case FT_DEC:
        case FT_INT: {
            double d;
            if (load_number(r, row, col, &d))
                *REC_FPTR(c, f, imt_num) = (imt_num){ true, d };
            break;
        }
        case FT_ENUM: {
            int len = PQgetlength(r, row, col);
            char buf[64];
            snprintf(buf, sizeof buf, "%.*s", len, PQgetvalue(r, row, col));
            *REC_FPTR(c, f, int) = rec_enum_exact(fd->values, buf);
            break;
        }
        case FT_BOOL:
            *REC_FPTR(c, f, int) = load_bool(r, row, col);
            break;
        default: {
            int len = PQgetlength(r, row, col);
            char *d = malloc((size_t)len + 1);
            if (!d) {
                imt_case_clear(c);
                return -1;
            }
            memcpy(d, PQgetvalue(r, row, col), (size_t)len);
            d[len] = '\0';
            *REC_FPTR(c, f, char *) = d;
            break;
        }
        }
    }
    int d = PQgetisnull(r, row, base + IMT_F_COUNT) ? 0 : load_bool(r, row, base + IMT_F_COUNT);
    c->alk_discordant = d == 1 ? 1 : 0;
    /* what the store keeps beside the dictionary (pg_read_cols(), and
     * any query that asks for some of it), each column found by its name:
     * the version, the review comment, the signer, next_due (the course,
     * course.c), decision_state (review.c) */
    for (int k = base + PG_NCOLS; k < PQnfields(r); k++) {
        const char *name = PQfname(r, k);
        if (PQgetisnull(r, row, k))
            continue;
        double v;
        if (strcmp(name, "version") == 0) {
            if (load_number(r, row, k, &v))
                c->version = (long long)v;
        } else if (strcmp(name, "review_comment") == 0 || strcmp(name, "signer_name") == 0) {
            char *t = strndup(PQgetvalue(r, row, k), (size_t)PQgetlength(r, row, k));
            if (!t) {
                imt_case_clear(c);
                return -1;
            }
            char **to = name[0] == 'r' ? &c->review_comment : &c->signer_name;
            free(*to);
            *to = t;
        } else if (strcmp(name, "next_due") == 0) {
            snprintf(c->next_due, sizeof c->next_due, "%.*s", PQgetlength(r, row, k),
                     PQgetvalue(r, row, k));
        } else if (strcmp(name, "decision_state") == 0) {
            if (load_number(r, row, k, &v))
                c->decision_state = (int)v;
        }
    }
    return 0;
}
