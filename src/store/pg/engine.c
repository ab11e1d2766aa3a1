/* store/pg/engine.c - the PostgreSQL engine: errors, running a statement
 * (interrupt, cancel, lost connection), transactions, the audit chain's
 * head and the table of operations (store/backend.h). */
#define _GNU_SOURCE
#include "pg_int.h"

#include <poll.h>
#include <time.h>

/* ---- parameters --------------------------------------------------------------- */

static int pgp_slot(pgparams *p)
{
    if (p->n >= PGP_MAX) {
        p->oom = true;
        return -1;
    }
    return p->n++;
}

void pgp_text(pgparams *p, const char *s)
{
    int i = pgp_slot(p);
    if (i < 0)
        return;
    p->v[i] = s;
    p->len[i] = 0;
    p->fmt[i] = 0;
    p->type[i] = PG_TEXT;
}

static void put_be64(char *d, uint64_t u)
{
    for (int k = 0; k < 8; k++)
        d[k] = (char)(u >> (56 - 8 * k));
}

void pgp_f8(pgparams *p, double d)
{
    int i = pgp_slot(p);
    if (i < 0)
        return;
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    put_be64(p->bin[i], u);
    p->v[i] = p->bin[i];
    p->len[i] = 8;
    p->fmt[i] = 1;
    p->type[i] = PG_FLOAT8;
}

void pgp_i8(pgparams *p, long long v)
{
    int i = pgp_slot(p);
    if (i < 0)
        return;
    put_be64(p->bin[i], (uint64_t)v);
    p->v[i] = p->bin[i];
    p->len[i] = 8;
    p->fmt[i] = 1;
    p->type[i] = PG_INT8;
}

void pgp_bool(pgparams *p, int b)
{
    int i = pgp_slot(p);
    if (i < 0)
        return;
    p->bin[i][0] = b ? 1 : 0;
    p->v[i] = p->bin[i];
    p->len[i] = 1;
    p->fmt[i] = 1;
    p->type[i] = PG_BOOL;
}

void pgp_null(pgparams *p, Oid type)
{
    int i = pgp_slot(p);
    if (i < 0)
        return;
    p->v[i] = NULL;
    p->len[i] = 0;
    p->fmt[i] = 0;
    p->type[i] = type;
}

/* ---- errors --------------------------------------------------------------------- */

int pg_set_err(imt_backend *b, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err, sizeof b->err, fmt, ap);
    va_end(ap);
    return code;
}

/* The server's or libpq's message, on one line. */
static void one_line(const char *in, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = in ? in : ""; *p && k + 1 < n; p++)
        out[k++] = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
    while (k > 0 && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
}

/* After a failure: was it the connection?  Then reconnect at once, so
 * that the next call works, and say what happened. */
static int connection_lost(imt_backend *b, const char *why, const char *what, bool committing)
{
    char msg[400];
    one_line(why, msg, sizeof msg);
    b->lost = true;
    bool was_tx = b->tx != TX_NONE;
    /* The caller's transaction is gone: it stays "aborted" until the
     * caller rolls it back, so that nothing after it is saved alone. */
    b->tx = b->in_user_tx ? TX_USER : TX_NONE;
    b->aborted = b->in_user_tx;
    b->head_locked = b->head_dirty = false;
    pg_stage_free(b);
    pg_table_free(b);
    int r = pg_reconnect(b);
    const char *again = r == STORE_OK ? "reconnected: try again"
                                      : "not reconnected yet (the next action tries again)";
    if (committing)
        return pg_set_err(b, STORE_ERROR,
                          "%s: the connection to the PostgreSQL server was lost while "
                          "committing (%s): the change may or may not have been saved "
                          "(look at the audit trail); %s", what, msg, again);
    return pg_set_err(b, STORE_ERROR,
                      "%s: the connection to the PostgreSQL server was lost (%s); %s%s",
                      what, msg, was_tx ? "nothing was changed; " : "", again);
}

/* Map a failed result to a STORE_ code with a message a user can act on. */
int pg_fail(imt_backend *b, const PGresult *res, const char *what)
{
    if (b->tx != TX_NONE)
        b->aborted = true;
    if (!b->conn || PQstatus(b->conn) == CONNECTION_BAD)
        return connection_lost(b, b->conn ? PQerrorMessage(b->conn) : "no connection", what,
                               false);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char msg[600];
    one_line(primary ? primary : PQerrorMessage(b->conn), msg, sizeof msg);
    if (!state)
        state = "";
    if (strcmp(state, "57014") == 0) {
        if (b->cancel_sent)
            return pg_set_err(b, STORE_INTERRUPTED, "interrupted: nothing was changed");
        return pg_set_err(b, STORE_BUSY, "%s: the server stopped the statement (%s); nothing "
                          "was changed", what, msg);
    }
    if (strcmp(state, "55P03") == 0 || strcmp(state, "40P01") == 0 ||
        strcmp(state, "40001") == 0)
        return pg_set_err(b, STORE_BUSY,
                          "the database is busy: another user held it locked for more than "
                          "%d ms; nothing was changed, try again", b->busy_ms);
    if (strcmp(state, "25006") == 0)
        return pg_set_err(b, STORE_READONLY, "%s: the database is read-only (%s)", what, msg);
    if (strcmp(state, "42501") == 0)
        return pg_set_err(b, STORE_ERROR, "%s: %s (database role %s; a DBA grants what is "
                          "needed with the role script, imtreview pg-roles)", what, msg, b->user);
    if (strcmp(state, "23514") == 0) {
        const char *con = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
        if (con && strncmp(con, "ck_", 3) == 0)
            return pg_set_err(b, STORE_ERROR,
                              "%s: the value of column '%s' is outside the data dictionary",
                              what, con + 3);
    }
    if (strncmp(state, "08", 2) == 0)
        return connection_lost(b, msg, what, false);
    return pg_set_err(b, STORE_ERROR, "%s: %s", what, msg);
}

bool pg_is_readonly(const imt_backend *b)
{
    return b->readonly || b->role_readonly;
}

int pg_refuse_readonly(imt_backend *b)
{
    if (b->readonly)
        return pg_set_err(b, STORE_READONLY,
                          "database opened read-only (--readonly): edits are refused");
    return pg_set_err(b, STORE_READONLY,
                      "the database role %s may not change cases (a read-only role or a "
                      "standby server): edits are refused", b->user);
}

static const char *pg_errmsg(const imt_backend *b)
{
    return b ? b->err : "no database";
}

static int pg_schema_version(const imt_backend *b)
{
    return b->version;
}

static bool pg_created(const imt_backend *b)
{
    return b->created;
}

/* ---- running a statement ------------------------------------------------------- */

/* Wait until the result is there: poll the socket in steps of 50 ms,
 * asking between them whether to stop (then the statement is cancelled
 * once; the server answers with an error) and telling the progress
 * callback.  0, or -1 when the connection failed. */
int pg_wait(imt_backend *b)
{
    while (PQisBusy(b->conn)) {
        struct pollfd pfd = { PQsocket(b->conn), POLLIN, 0 };
        if (pfd.fd < 0)
            return -1;
        int r = poll(&pfd, 1, 50);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r <= 0) {
            if (!b->cancel_sent && b->interrupt && b->interrupt(b->interrupt_ctx)) {
                char e[256];
                if (b->cancel && PQcancel(b->cancel, e, sizeof e))
                    b->cancel_sent = true;
            }
            if (b->progress)
                b->progress(b->progress_ctx);
            continue;
        }
        if (!PQconsumeInput(b->conn))
            return -1;
    }
    return 0;
}

/* Collect the results of what was sent: the last one, or the first
 * error.  NULL (with *rc and the message set) on failure. */
PGresult *pg_result(imt_backend *b, const char *what, int *rc)
{
    PGresult *keep = NULL, *res;
    bool failed = false;
    for (;;) {
        if (pg_wait(b) != 0) {
            PQclear(keep);
            *rc = connection_lost(b, PQerrorMessage(b->conn), what, false);
            return NULL;
        }
        res = PQgetResult(b->conn);
        if (!res)
            break;
        ExecStatusType s = PQresultStatus(res);
        if (failed) {
            PQclear(res);
            continue;
        }
        if (s == PGRES_FATAL_ERROR || s == PGRES_BAD_RESPONSE || s == PGRES_NONFATAL_ERROR) {
            PQclear(keep);
            keep = res;
            failed = true;
            continue;
        }
        if (s == PGRES_COPY_IN || s == PGRES_COPY_OUT) {
            PQclear(keep);
            *rc = STORE_OK;
            return res;       /* the caller carries on with the copy */
        }
        PQclear(keep);
        keep = res;
    }
    if (failed || !keep) {
        if (!keep && PQstatus(b->conn) == CONNECTION_BAD) {
            *rc = connection_lost(b, PQerrorMessage(b->conn), what, false);
            return NULL;
        }
        *rc = pg_fail(b, keep, what);
        PQclear(keep);
        return NULL;
    }
    *rc = STORE_OK;
    return keep;
}

static PGresult *run_once(imt_backend *b, const char *sql, const pgparams *p, bool binary,
                          const char *what, int *rc)
{
    if (p && p->oom) {
        *rc = pg_set_err(b, STORE_ERROR, "internal: too many parameters");
        return NULL;
    }
    b->cancel_sent = false;
    if (!b->conn || PQstatus(b->conn) == CONNECTION_BAD) {
        *rc = connection_lost(b, b->conn ? PQerrorMessage(b->conn) : "no connection", what,
                              false);
        return NULL;
    }
    int ok = p ? PQsendQueryParams(b->conn, sql, p->n, p->type, p->v, p->len, p->fmt,
                                   binary ? 1 : 0)
               : PQsendQueryParams(b->conn, sql, 0, NULL, NULL, NULL, NULL, binary ? 1 : 0);
    if (!ok) {
        *rc = PQstatus(b->conn) == CONNECTION_BAD
            ? connection_lost(b, PQerrorMessage(b->conn), what, false)
            : pg_set_err(b, STORE_ERROR, "%s: %s", what, PQerrorMessage(b->conn));
        return NULL;
    }
    return pg_result(b, what, rc);
}

/* Run one statement.  Outside a transaction a statement that met a
 * lost connection is sent once more on the new connection (a read, or a
 * single statement that was never run). */
PGresult *pg_run(imt_backend *b, const char *sql, const pgparams *p, bool binary,
                 const char *what, int *rc)
{
    if (b->aborted && b->tx != TX_NONE) {
        *rc = pg_set_err(b, STORE_ERROR,
                         "%s: the transaction was rolled back after a database error; "
                         "nothing of it is saved", what);
        return NULL;
    }
    bool solo = b->tx == TX_NONE;
    b->lost = false;
    PGresult *res = run_once(b, sql, p, binary, what, rc);
    if (!res && solo && b->lost && b->conn && PQstatus(b->conn) == CONNECTION_OK) {
        b->lost = false;
        res = run_once(b, sql, p, binary, what, rc);
    }
    return res;
}

int pg_exec(imt_backend *b, const char *sql, const pgparams *p, const char *what)
{
    int rc;
    PGresult *r = pg_run(b, sql, p, false, what, &rc);
    PQclear(r);
    return rc;
}

/* ---- settings -------------------------------------------------------------------- */

static void pg_set_busy_timeout(imt_backend *b, int ms)
{
    b->busy_ms = ms < 0 ? 0 : ms;
    if (b->conn && PQstatus(b->conn) == CONNECTION_OK && b->tx == TX_NONE) {
        char sql[64];
        /* lock_timeout 0 means "wait for ever": 1 ms is the shortest */
        snprintf(sql, sizeof sql, "SET lock_timeout = %d", b->busy_ms ? b->busy_ms : 1);
        pg_exec(b, sql, NULL, "setting the busy timeout");
    }
}

static void pg_set_interrupt(imt_backend *b, int (*cb)(void *ctx), void *ctx)
{
    b->interrupt = cb;
    b->interrupt_ctx = ctx;
}

static void pg_set_progress(imt_backend *b, int (*cb)(void *ctx), void *ctx)
{
    b->progress = cb;
    b->progress_ctx = ctx;
}

/* ---- the chain head and audit rows ------------------------------------------------ */

/* Lock the chain head for this write transaction (as SQLite's BEGIN
 * IMMEDIATE takes the write lock): every writer does this first, so
 * writers follow one another, and the audit rows get seqs without gaps.
 * The time of the audit rows is the server's clock once the lock is
 * held. */
int pg_lock_head(imt_backend *b)
{
    int rc;
    PGresult *r = pg_run(b, "SELECT seq, hash, to_char(clock_timestamp() AT TIME ZONE 'UTC', "
                            "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM audit_head WHERE id = 1 "
                            "FOR UPDATE", NULL, false, "locking the database for writing", &rc);
    if (!r)
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return pg_set_err(b, STORE_ERROR, "the audit trail's head row is missing: run "
                          "'imtreview check'");
    }
    b->head_seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    b->head_has = !PQgetisnull(r, 0, 1) && chain_unhex(PQgetvalue(r, 0, 1), b->head_hash) == 0;
    snprintf(b->now, sizeof b->now, "%s", PQgetvalue(r, 0, 2));
    PQclear(r);
    b->head_locked = true;
    b->head_dirty = false;
    return STORE_OK;
}

/* The seq and hashes of the next audit row of the n named text columns
 * (NULL: SQL NULL), and the head moved on to it. */
void pg_audit_next_cols(imt_backend *b, const char *const names[], const char *const vals[],
                        int n, long long *seq, char rh_hex[65], char h_hex[65])
{
    chain_val cols[16];
    if (n > 16)
        n = 16;
    for (int i = 0; i < n; i++) {
        memset(&cols[i], 0, sizeof cols[i]);
        cols[i].name = names[i];
        cols[i].type = vals[i] ? CHAIN_TEXT : CHAIN_NULL;
        cols[i].p = vals[i];
        cols[i].n = vals[i] ? strlen(vals[i]) : 0;
    }
    unsigned char rh[32], h[32];
    chain_row_hash(cols, n, rh);
    chain_link(b->head_has ? b->head_hash : NULL, rh, h);
    *seq = ++b->head_seq;
    memcpy(b->head_hash, h, 32);
    b->head_has = true;
    b->head_dirty = true;
    chain_hex(rh, rh_hex);
    chain_hex(h, h_hex);
}

/* The seq and hashes of the next audit row (and the head moved on to it). */
void pg_audit_next(imt_backend *b, const char *case_id, const char *field,
                   const char *oldv, const char *newv, const char *source,
                   const char *comment, const char *ruleset, const char *snapshot,
                   long long *seq, char rh_hex[65], char h_hex[65])
{
    const char *names[] = { "time", "user", "case_id", "field", "old_value", "new_value",
                            "source", "comment", "ruleset", "snapshot" };
    const char *vals[] = { b->now, b->user, case_id, field, oldv, newv, source, comment,
                           ruleset, snapshot };
    pg_audit_next_cols(b, names, vals, 10, seq, rh_hex, h_hex);
}

/* An audit row; its hashes are computed here from the values bound. */
int pg_audit_add(imt_backend *b, const char *case_id, const char *field, const char *oldv,
                 const char *newv, const char *source, const char *comment,
                 const char *ruleset, const char *snapshot)
{
    if (!b->head_locked)
        return pg_set_err(b, STORE_ERROR, "internal: an audit row outside a write transaction");
    long long seq;
    char rh[65], h[65];
    if (!source)
        source = "edit";
    pg_audit_next(b, case_id, field, oldv, newv, source, comment, ruleset, snapshot, &seq,
                  rh, h);
    pgparams p = { 0 };
    pgp_i8(&p, seq);
    pgp_text(&p, b->now);
    pgp_text(&p, b->user);
    pgp_text(&p, case_id);
    pgp_text(&p, field);
    pgp_text(&p, oldv);
    pgp_text(&p, newv);
    pgp_text(&p, source);
    pgp_text(&p, comment);
    pgp_text(&p, ruleset);
    pgp_text(&p, snapshot);
    pgp_text(&p, rh);
    pgp_text(&p, h);
    return pg_exec(b, "INSERT INTO audit (seq, time, \"user\", case_id, field, old_value, "
                      "new_value, source, comment, ruleset, snapshot, row_hash, hash) VALUES "
                      "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                   &p, "writing the audit trail");
}

/* Before a commit: the staged rows in, and the head written back. */
int pg_flush(imt_backend *b)
{
    int rc = pg_stage_finish(b);
    if (rc != STORE_OK || !b->head_dirty)
        return rc;
    char hex[65];
    chain_hex(b->head_hash, hex);
    pgparams p = { 0 };
    pgp_i8(&p, b->head_seq);
    pgp_text(&p, b->head_has ? hex : NULL);
    rc = pg_exec(b, "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", &p,
                 "writing the audit trail");
    if (rc == STORE_OK)
        b->head_dirty = false;
    return rc;
}

/* ---- transactions ------------------------------------------------------------------ */

static void tx_reset(imt_backend *b)
{
    b->tx = TX_NONE;
    b->in_user_tx = false;
    b->aborted = false;
    b->head_locked = b->head_dirty = false;
    pg_stage_free(b);
    pg_table_free(b);
}

/* ROLLBACK, whatever state the transaction is in: a COPY in progress is
 * ended with an error (the server discards it), a running statement is
 * cancelled and its results drained. */
static void rollback_quietly(imt_backend *b)
{
    if (b->conn && PQstatus(b->conn) == CONNECTION_OK &&
        PQtransactionStatus(b->conn) != PQTRANS_IDLE) {
        if (PQtransactionStatus(b->conn) == PQTRANS_ACTIVE) {
            PQputCopyEnd(b->conn, "rolled back");
            for (int guard = 0; guard < 1000; guard++) {
                if (PQisBusy(b->conn) && pg_wait(b) != 0)
                    break;
                PGresult *r = PQgetResult(b->conn);
                if (!r)
                    break;
                ExecStatusType st = PQresultStatus(r);
                PQclear(r);
                if (st == PGRES_COPY_IN)
                    PQputCopyEnd(b->conn, "rolled back");
                else if (st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH)
                    break;
            }
        }
        b->cancel_sent = false;
        if (PQstatus(b->conn) == CONNECTION_OK && PQsendQuery(b->conn, "ROLLBACK")) {
            int rc;
            b->tx = TX_NONE;
            b->aborted = false;
            PQclear(pg_result(b, "rolling back", &rc));
        }
    }
    tx_reset(b);
}

/* BEGIN and the chain head's lock: a write transaction. */
static int begin_write(imt_backend *b, pg_tx kind)
{
    /* Not sent again after a lost connection (run_once, not pg_run): the
     * user is told, and the next try runs on the new connection. */
    int rc;
    PQclear(run_once(b, "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE", NULL, false,
                     kind == TX_USER ? "starting a transaction" : "starting an edit", &rc));
    if (rc != STORE_OK)
        return rc;
    b->tx = kind;
    b->aborted = false;
    rc = pg_lock_head(b);
    if (rc != STORE_OK)
        rollback_quietly(b);
    return rc;
}

static int pg_begin(imt_backend *b)
{
    if (pg_is_readonly(b))
        return pg_refuse_readonly(b);
    if (b->tx != TX_NONE)
        return pg_set_err(b, STORE_ERROR, "a transaction is already active");
    int rc = begin_write(b, TX_USER);
    if (rc == STORE_OK)
        b->in_user_tx = true;
    return rc;
}

/* The commit: a stop asked for until now rolls back instead; once
 * COMMIT is sent it completes (or the connection dies: then nobody
 * knows, and the message says so). */
static int commit_now(imt_backend *b)
{
    if (b->aborted) {
        rollback_quietly(b);
        return pg_set_err(b, STORE_ERROR,
                          "the transaction was rolled back after a database error; nothing "
                          "was saved");
    }
    int rc = pg_flush(b);
    if (rc != STORE_OK) {
        rollback_quietly(b);
        return rc;
    }
    if (b->interrupt && b->interrupt(b->interrupt_ctx)) {
        rollback_quietly(b);
        return pg_set_err(b, STORE_INTERRUPTED, "interrupted: nothing was changed");
    }
    b->cancel_sent = false;
    if (!PQsendQuery(b->conn, "COMMIT")) {
        tx_reset(b);
        return connection_lost(b, PQerrorMessage(b->conn), "committing", true);
    }
    /* No cancel from here on: the commit completes. */
    int (*saved)(void *) = b->interrupt;
    b->interrupt = NULL;
    PGresult *r = NULL, *res;
    bool dead = false;
    for (;;) {
        if (pg_wait(b) != 0) {
            dead = true;
            break;
        }
        res = PQgetResult(b->conn);
        if (!res)
            break;
        PQclear(r);
        r = res;
    }
    b->interrupt = saved;
    if (dead || !r) {
        PQclear(r);
        tx_reset(b);
        return connection_lost(b, PQerrorMessage(b->conn), "committing", true);
    }
    /* COMMIT of a failed transaction answers ROLLBACK without an error. */
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK &&
              strcmp(PQcmdStatus(r), "COMMIT") == 0;
    if (!ok) {
        b->tx = TX_NONE;
        rc = PQresultStatus(r) == PGRES_COMMAND_OK
            ? pg_set_err(b, STORE_ERROR, "the transaction was rolled back; nothing was saved")
            : pg_fail(b, r, "committing");
        PQclear(r);
        tx_reset(b);
        return rc;
    }
    PQclear(r);
    tx_reset(b);
    return STORE_OK;
}

static int pg_commit(imt_backend *b)
{
    if (!b->in_user_tx)
        return pg_set_err(b, STORE_ERROR, "no transaction is active");
    return commit_now(b);
}

static int pg_rollback(imt_backend *b)
{
    if (!b->in_user_tx)
        return STORE_OK;
    rollback_quietly(b);
    return STORE_OK;
}

/* Every edit is atomic: its own transaction (with the chain head
 * locked), or a savepoint inside the caller's. */
int pg_edit_begin(imt_backend *b)
{
    if (pg_is_readonly(b))
        return pg_refuse_readonly(b);
    if (b->in_user_tx) {
        if (b->aborted)
            return pg_set_err(b, STORE_ERROR,
                              "the transaction was rolled back after a database error");
        int rc = pg_stage_flush(b);
        if (rc != STORE_OK)
            return rc;
        rc = pg_exec(b, "SAVEPOINT store_edit", NULL, "starting an edit");
        if (rc == STORE_OK) {
            b->sp_seq = b->head_seq;
            b->sp_has = b->head_has;
            b->sp_dirty = b->head_dirty;
            memcpy(b->sp_hash, b->head_hash, 32);
        }
        return rc;
    }
    if (b->tx != TX_NONE)
        return pg_set_err(b, STORE_ERROR, "internal: a write inside a walk over the cases");
    return begin_write(b, TX_EDIT);
}

int pg_edit_end(imt_backend *b, int rc)
{
    if (b->in_user_tx) {
        if (b->tx == TX_NONE)      /* the connection was lost meanwhile */
            return rc != STORE_OK ? rc : pg_set_err(b, STORE_ERROR, "the transaction was lost");
        if (rc != STORE_OK) {
            bool was = b->aborted;
            b->aborted = false;
            int r2 = pg_exec(b, "ROLLBACK TO SAVEPOINT store_edit", NULL, "undoing an edit");
            if (r2 == STORE_OK)
                r2 = pg_exec(b, "RELEASE SAVEPOINT store_edit", NULL, "finishing an edit");
            if (r2 != STORE_OK)
                b->aborted = true;
            else if (!was)
                b->aborted = false;
            b->head_seq = b->sp_seq;
            b->head_has = b->sp_has;
            b->head_dirty = b->sp_dirty;
            memcpy(b->head_hash, b->sp_hash, 32);
            return rc;
        }
        return pg_exec(b, "RELEASE SAVEPOINT store_edit", NULL, "finishing an edit");
    }
    if (b->tx != TX_EDIT)
        return rc;
    if (rc == STORE_OK)
        return commit_now(b);
    rollback_quietly(b);
    return rc;
}

/* ---- the engine ------------------------------------------------------------------- */

static int pg_backup(imt_backend *b, const char *dest)
{
    (void)dest;
    return pg_set_err(b, STORE_ERROR, "the PostgreSQL engine makes no backup itself: use "
                      "pg_dump (or the server's own backups), or 'imtreview copy --to FILE.db'");
}

static void pg_shown(const char *locator, char *out, size_t n)
{
    pg_mask_locator(locator, out, n);
}

static char *pg_admin_script(void)
{
    return pg_roles_script();
}

const imt_store_ops imt_pg_ops = {
    .name = "PostgreSQL",
    .open = pg_open,
    .close = pg_close,
    .remove_files = pg_remove,
    .probe = pg_probe,
    .shown = pg_shown,
    .admin_script = pg_admin_script,
    .created = pg_created,
    .identity = pg_identity,
    .display_name = pg_display_name,
    .errmsg = pg_errmsg,
    .is_readonly = pg_is_readonly,
    .schema_version = pg_schema_version,
    .set_busy_timeout = pg_set_busy_timeout,
    .set_interrupt = pg_set_interrupt,
    .set_progress = pg_set_progress,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .data_version = pg_data_version,
    .notify_fd = pg_notify_fd,
    .get = pg_get,
    .exists = pg_exists,
    .insert = pg_insert,
    .update = pg_update,
    .update_fields = pg_update_fields,
    .set_review = pg_set_review,
    .count = pg_count,
    .passes = pg_passes,
    .rank = pg_rank,
    .page = pg_page,
    .foreach = pg_foreach,
    .foreach_by_key = pg_foreach_by_key,
    .walk_open = pg_walk_open,
    .walk_step = pg_walk_step,
    .walk_close = pg_walk_close,
    .audit_foreach = pg_audit_foreach,
    .secret = pg_secret,
    .set_secret = pg_set_secret,
    .check = pg_check,
    .check_head = pg_check_head,
    .backup = pg_backup,
    .table_rows = pg_table_rows,
    .table_count = pg_table_count,
    .table_put = pg_table_put,
    .table_end = pg_table_end,
    .after_copy = pg_after_copy,
    .set_full_name = pg_set_full_name,
    .edit = pg_edit,
    .review = pg_review,
    .decide = pg_decide,
    .decisions = pg_decisions,
    .changes_since = pg_changes_since,
    .events_get = pg_events_get,
    .foreach_course = pg_foreach_course,
    .event_add = pg_event_add,
    .event_remove = pg_event_remove,
    .course_refresh = pg_course_refresh,
    .course_edit = pg_course_edit,
    .set_schedule = pg_set_schedule,
    .evstage_open = pg_evstage_open,
    .evstage_add = pg_evstage_add,
    .evstage_next = pg_evstage_next,
    .evstage_close = pg_evstage_close,
    .course_import = pg_course_import,
};
