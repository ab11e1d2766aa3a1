/* store/pg/stage.c - the inserts of an import: COPY into a staging table.
 *
 * Inside a transaction (store_begin: an import, copy --to), the cases
 * store_insert is given are streamed with COPY (binary format) into a
 * temporary table, each with its "created" audit row already hashed
 * (the chain head is locked for the whole transaction).  Before any other
 * statement of the transaction, and before the commit, the staged rows
 * are moved into cases and audit in two statements.  An insert answers
 * at once whether its case_id exists (the import names the line): two
 * Bloom filters (4 MB each, whatever the number of cases) say which ids
 * may be staged or may have been in the table when staging began; a
 * possible hit moves the staged rows in and asks the table.  A small
 * import into a database that holds cases does not stage until its 256th
 * case: one statement per case costs less than reading every id.
 *
 * The sort indexes stay in place during the load (dropping them would
 * lock readers of the table out until the commit; SQLite's readers are
 * never blocked, and neither are PostgreSQL's); the planner's statistics
 * are gathered before the commit of a load into an empty table. */
#define _GNU_SOURCE
#include "pg_int.h"

#define BLOOM_BITS (1u << 25)
#define BLOOM_K 6
#define STAGE_AFTER 256
#define STAGE_BATCH 20000     /* rows staged between two moves into cases */

typedef struct {
    char *s;
    size_t len, cap;
    bool oom;
} rowbuf;

struct pg_stage {
    bool decided;          /* staging chosen (or not yet: see inserts)   */
    bool on;
    bool copying;          /* COPY ... FROM STDIN in progress            */
    bool made;             /* the temporary table exists                 */
    bool bulk;             /* filling an empty table: ANALYZE at the end */
    long inserts;          /* inserts seen in this transaction           */
    long long pending;     /* rows staged since the last flush           */
    unsigned char *staged; /* Bloom filter of staged ids                 */
    unsigned char *present;/* ids in the table when staging began (NULL:
                              it was empty)                              */
    rowbuf row;            /* one COPY row being built                   */
};

/* ---- Bloom filters ------------------------------------------------------------------ */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static void bloom_pos(const char *id, uint32_t pos[BLOOM_K])
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    uint64_t h1 = mix(h), h2 = mix(h1 ^ 0x9e3779b97f4a7c15ULL) | 1;
    for (int i = 0; i < BLOOM_K; i++)
        pos[i] = (uint32_t)((h1 + (uint64_t)i * h2) % BLOOM_BITS);
}

static void bloom_add(unsigned char *bf, const char *id)
{
    uint32_t pos[BLOOM_K];
    bloom_pos(id, pos);
    for (int i = 0; i < BLOOM_K; i++)
        bf[pos[i] >> 3] |= (unsigned char)(1u << (pos[i] & 7));
}

static bool bloom_has(const unsigned char *bf, const char *id)
{
    if (!bf)
        return false;
    uint32_t pos[BLOOM_K];
    bloom_pos(id, pos);
    for (int i = 0; i < BLOOM_K; i++)
        if (!(bf[pos[i] >> 3] & (1u << (pos[i] & 7))))
            return false;
    return true;
}

/* ---- the staging table ------------------------------------------------------------- */

void pg_stage_free(imt_backend *b)
{
    pg_stage *s = b->stage;
    if (!s)
        return;
    free(s->staged);
    free(s->present);
    free(s->row.s);
    free(s);
    b->stage = NULL;
}

bool pg_stage_may_hold(imt_backend *b, const char *case_id)
{
    pg_stage *s = b->stage;
    return s && s->on && s->pending > 0 && bloom_has(s->staged, case_id);
}

static int make_table(imt_backend *b)
{
    sbuf q = { 0 };
    sb_add(&q, "CREATE TEMP TABLE imt_stage ON COMMIT DROP AS SELECT %s, site_detail_fold, "
               "notes_fold FROM cases WITH NO DATA; "
               "ALTER TABLE imt_stage ADD COLUMN a_seq bigint, ADD COLUMN a_time text, "
               "ADD COLUMN a_user text, ADD COLUMN a_source text, ADD COLUMN a_snapshot text, "
               "ADD COLUMN a_row_hash text, ADD COLUMN a_hash text, ADD COLUMN a_next_due text, "
               "ADD COLUMN a_state smallint",
           pg_cols());
    if (q.oom)
        return pg_set_err(b, STORE_ERROR, "out of memory");
    int rc = STORE_OK;
    if (!PQsendQuery(b->conn, q.s))
        rc = pg_set_err(b, STORE_ERROR, "preparing the import: %s", PQerrorMessage(b->conn));
    else
        PQclear(pg_result(b, "preparing the import", &rc));
    sb_free(&q);
    if (rc == STORE_OK)
        b->stage->made = true;
    return rc;
}

/* The ids in the table now, into the `present` filter. */
static int read_present(imt_backend *b)
{
    pg_stage *s = b->stage;
    if (!(s->present = calloc(BLOOM_BITS / 8, 1)))
        return pg_set_err(b, STORE_ERROR, "out of memory");
    int rc = STORE_OK;
    if (!PQsendQuery(b->conn, "SELECT case_id FROM cases") || !PQsetSingleRowMode(b->conn))
        return pg_set_err(b, STORE_ERROR, "reading the case ids: %s", PQerrorMessage(b->conn));
    for (;;) {
        if (pg_wait(b) != 0) {
            PGresult *r;
            while ((r = PQgetResult(b->conn)))
                PQclear(r);
            return pg_fail(b, NULL, "reading the case ids");
        }
        PGresult *r = PQgetResult(b->conn);
        if (!r)
            break;
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE)
            bloom_add(s->present, PQgetvalue(r, 0, 0));
        else if (st != PGRES_TUPLES_OK && rc == STORE_OK)
            rc = pg_fail(b, r, "reading the case ids");
        PQclear(r);
    }
    return rc;
}

static int copy_start(imt_backend *b)
{
    sbuf q = { 0 };
    sb_add(&q, "COPY imt_stage FROM STDIN (FORMAT binary)");
    int rc;
    PGresult *r = NULL;
    if (!PQsendQuery(b->conn, q.s)) {
        rc = pg_set_err(b, STORE_ERROR, "starting the import: %s", PQerrorMessage(b->conn));
    } else {
        r = pg_result(b, "starting the import", &rc);
        if (r && PQresultStatus(r) != PGRES_COPY_IN)
            rc = pg_set_err(b, STORE_ERROR, "starting the import: the server did not start "
                            "the copy");
    }
    PQclear(r);
    sb_free(&q);
    if (rc != STORE_OK)
        return rc;
    static const char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
    if (PQputCopyData(b->conn, header, 19) != 1)
        return pg_fail(b, NULL, "starting the import");
    b->stage->copying = true;
    return STORE_OK;
}

/* Decide at an insert whether this transaction stages. */
static int decide(imt_backend *b, bool *stage)
{
    pg_stage *s = b->stage;
    *stage = false;
    if (!s) {
        if (!(s = b->stage = calloc(1, sizeof *s)))
            return pg_set_err(b, STORE_ERROR, "out of memory");
    }
    s->inserts++;
    if (s->decided) {
        *stage = s->on;
        return STORE_OK;
    }
    bool empty = false;
    if (s->inserts == 1) {
        int rc;
        PGresult *r = pg_run(b, "SELECT NOT EXISTS (SELECT 1 FROM cases)", NULL, false,
                             "reading the database", &rc);
        if (!r)
            return rc;
        empty = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
        PQclear(r);
        if (!empty)
            return STORE_OK;       /* single statements for now */
    } else if (s->inserts < STAGE_AFTER) {
        return STORE_OK;
    }
    s->decided = true;
    if (!(s->staged = calloc(BLOOM_BITS / 8, 1)))
        return pg_set_err(b, STORE_ERROR, "out of memory");
    int rc = STORE_OK;
    if (!empty)
        rc = read_present(b);
    else
        s->bulk = true;
    if (rc == STORE_OK)
        rc = make_table(b);
    if (rc != STORE_OK)
        return rc;
    s->on = true;
    *stage = true;
    return STORE_OK;
}

/* ---- binary COPY rows ---------------------------------------------------------------- */

static void put_bytes(rowbuf *r, const void *p, size_t n)
{
    if (r->oom)
        return;
    if (r->len + n > r->cap) {
        size_t nc = r->cap ? r->cap : 1024;
        while (nc < r->len + n)
            nc *= 2;
        char *ns = realloc(r->s, nc);
        if (!ns) {
            r->oom = true;
            return;
        }
        r->s = ns;
        r->cap = nc;
    }
    memcpy(r->s + r->len, p, n);
    r->len += n;
}

static void put_i16(rowbuf *r, int v)
{
    unsigned char d[2] = { (unsigned char)(v >> 8), (unsigned char)v };
    put_bytes(r, d, 2);
}

static void put_len(rowbuf *r, int32_t n)
{
    uint32_t u = (uint32_t)n;
    unsigned char d[4] = { (unsigned char)(u >> 24), (unsigned char)(u >> 16),
                           (unsigned char)(u >> 8), (unsigned char)u };
    put_bytes(r, d, 4);
}

static void put_null(rowbuf *r)
{
    put_len(r, -1);
}

static void put_text(rowbuf *r, const char *t)
{
    if (!t) {
        put_null(r);
        return;
    }
    size_t n = strlen(t);
    put_len(r, (int32_t)n);
    put_bytes(r, t, n);
}

static void put_u64(rowbuf *r, uint64_t u)
{
    unsigned char d[8];
    for (int i = 0; i < 8; i++)
        d[i] = (unsigned char)(u >> (56 - 8 * i));
    put_len(r, 8);
    put_bytes(r, d, 8);
}

static void put_bool(rowbuf *r, int v)
{
    unsigned char d = v ? 1 : 0;
    put_len(r, 1);
    put_bytes(r, &d, 1);
}

static void put_case(rowbuf *r, const imt_case *c)
{
    for (int f = 0; f < IMT_F_COUNT; f++) {
        const imt_field *fd = &imt_fields[f];
        switch (fd->type) {
        case FT_DEC: {
            const imt_num *v = REC_FCPTR(c, f, imt_num);
            if (v->known) {
                uint64_t u;
                memcpy(&u, &v->v, sizeof u);
                put_u64(r, u);
            } else {
                put_null(r);
            }
            break;
        }
        case FT_INT: {
            const imt_num *v = REC_FCPTR(c, f, imt_num);
            if (v->known)
                put_u64(r, (uint64_t)(long long)v->v);
            else
                put_null(r);
            break;
        }
        case FT_ENUM: {
            int i = *REC_FCPTR(c, f, int);
            put_text(r, i == IMT_UNKNOWN ? NULL : fd->values[i]);
            break;
        }
        case FT_BOOL: {
            int i = *REC_FCPTR(c, f, int);
            if (i == IMT_UNKNOWN)
                put_null(r);
            else
                put_bool(r, i);
            break;
        }
        default: {
            const char *t = *REC_FCPTR(c, f, char *);
            put_text(r, t && *t ? t : NULL);
            break;
        }
        }
    }
    put_bool(r, c->alk_discordant);
}

/* ---- the inserts --------------------------------------------------------------------- */

int pg_stage_insert(imt_backend *b, imt_case *c, const char *source, bool *staged)
{
    *staged = false;
    bool on;
    int rc = decide(b, &on);
    if (rc != STORE_OK || !on)
        return rc;
    pg_stage *s = b->stage;
    /* A case_id that may be staged or may be in the table: move the
     * staged rows in, and let one statement answer (ON CONFLICT). */
    if (bloom_has(s->staged, c->case_id) || bloom_has(s->present, c->case_id)) {
        rc = pg_stage_flush(b);
        return rc;                  /* not staged: the caller inserts it */
    }
    if (!s->copying && (rc = copy_start(b)) != STORE_OK)
        return rc;
    char *snap = rec_case_snapshot(c);
    char *fsd = pg_fold_field(c, IMT_F_site_detail), *fno = pg_fold_field(c, IMT_F_notes);
    if (!snap || (c->site_detail && !fsd) || (c->notes && !fno)) {
        free(snap);
        free(fsd);
        free(fno);
        return pg_set_err(b, STORE_ERROR, "out of memory");
    }
    /* its next follow-up date, then its decision state (FU-OVERDUE reads
     * the date): its recommendations, no decision yet */
    char due[11];
    pg_next_due_new(b, c, due);
    snprintf(c->next_due, sizeof c->next_due, "%s", due);
    int state = DSTATE_UNDECIDED;
    if ((rc = pg_fresh_state(b, c, &state)) != STORE_OK) {
        free(snap);
        free(fsd);
        free(fno);
        return rc;
    }
    long long seq;
    char rh[65], h[65];
    if (!source)
        source = "edit";
    pg_audit_next(b, c->case_id, "*", NULL, "created", source, NULL, NULL, snap, &seq, rh, h);
    rowbuf *r = &s->row;
    r->len = 0;
    put_i16(r, PG_NCOLS + 2 + 9);
    put_case(r, c);
    put_text(r, fsd);
    put_text(r, fno);
    put_u64(r, (uint64_t)seq);
    put_text(r, b->now);
    put_text(r, b->user);
    put_text(r, source);
    put_text(r, snap);
    put_text(r, rh);
    put_text(r, h);
    put_text(r, due[0] ? due : NULL);
    put_len(r, 2);
    put_i16(r, state);
    free(snap);
    free(fsd);
    free(fno);
    if (r->oom)
        return pg_set_err(b, STORE_ERROR, "out of memory");
    if (PQputCopyData(b->conn, r->s, (int)r->len) != 1)
        return pg_fail(b, NULL, "adding a case");
    bloom_add(s->staged, c->case_id);
    s->pending++;
    *staged = true;
    /* The staging table stays small (in the session's temp buffers). */
    return s->pending >= STAGE_BATCH ? pg_stage_flush(b) : STORE_OK;
}

/* Before the commit: the staged rows in, and after filling an empty
 * table the planner's statistics (without them a filtered page sorted by
 * another column may read every case that passes the filter). */
int pg_stage_finish(imt_backend *b)
{
    int rc = pg_stage_flush(b);
    pg_stage *s = b->stage;
    if (rc != STORE_OK || !s || !s->bulk)
        return rc;
    rc = pg_exec(b, "ANALYZE cases", NULL, "gathering statistics");
    if (rc == STORE_OK)
        s->bulk = false;
    return rc;
}

/* The staged rows into cases and audit (nothing to do when none). */
int pg_stage_flush(imt_backend *b)
{
    pg_stage *s = b->stage;
    if (!s || !s->copying)
        return STORE_OK;
    s->copying = false;
    static const char trailer[2] = { (char)0xff, (char)0xff };
    int rc;
    if (PQputCopyData(b->conn, trailer, 2) != 1 || PQputCopyEnd(b->conn, NULL) != 1)
        return pg_fail(b, NULL, "adding the cases");
    PQclear(pg_result(b, "adding the cases", &rc));
    if (rc != STORE_OK)
        return rc;
    sbuf q = { 0 };
    sb_add(&q, "INSERT INTO cases (%s, site_detail_fold, notes_fold, next_due, decision_state) "
               "SELECT %s, site_detail_fold, notes_fold, a_next_due, a_state FROM imt_stage; "
               "INSERT INTO audit (seq, time, \"user\", case_id, field, new_value, source, "
               "snapshot, row_hash, hash) SELECT a_seq, a_time, a_user, case_id, '*', "
               "'created', a_source, a_snapshot, a_row_hash, a_hash FROM imt_stage "
               "ORDER BY a_seq; TRUNCATE imt_stage", pg_cols(), pg_cols());
    if (q.oom)
        return pg_set_err(b, STORE_ERROR, "out of memory");
    if (!PQsendQuery(b->conn, q.s))
        rc = pg_fail(b, NULL, "adding the cases");
    else
        PQclear(pg_result(b, "adding the cases", &rc));
    sb_free(&q);
    if (rc == STORE_OK)
        s->pending = 0;
    return rc;
}
