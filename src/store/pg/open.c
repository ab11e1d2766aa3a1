/* store/pg/open.c - connecting (a libpq URI or connection string, so
 * PGSERVICEFILE, ~/.pgpass, sslmode and the PG* variables work as libpq
 * makes them work), the session, reconnecting, notifications, the
 * locator as shown (never its password), closing. */
#define _GNU_SOURCE
#include "pg_int.h"

#include <poll.h>
#include <time.h>

/* ---- the locator without its password -------------------------------------------- */

/* postgresql://user:secret@host/db?password=x -> postgresql://user:***@host/db?password=***
 * "host=h password='a b' dbname=d" -> "host=h password=*** dbname=d".  Text only: a
 * malformed locator is masked as well as it can be and never echoed raw. */
static void mask_uri(const char *loc, char *out, size_t n)
{
    sbuf b = { 0 };
    const char *p = strstr(loc, "://");
    p = p ? p + 3 : loc;
    sb_add(&b, "%.*s", (int)(p - loc), loc);
    /* the authority ends at the first '/', '?' or '#' */
    size_t alen = strcspn(p, "/?#");
    const char *at = memrchr(p, '@', alen);
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon)
            sb_add(&b, "%.*s:***", (int)(colon - p), p);
        else
            sb_add(&b, "%.*s", (int)(at - p), p);
        p = at;
    }
    /* the rest: every password=... parameter masked */
    while (*p) {
        if ((p[-1] == '?' || p[-1] == '&') && strncmp(p, "password=", 9) == 0) {
            sb_add(&b, "password=***");
            p += 9;
            p += strcspn(p, "&#");
            continue;
        }
        sb_add(&b, "%c", *p);
        p++;
    }
    snprintf(out, n, "%s", b.oom || !b.s ? "(a PostgreSQL URI)" : b.s);
    sb_free(&b);
}

static void mask_conninfo(const char *loc, char *out, size_t n)
{
    sbuf b = { 0 };
    const char *p = loc;
    while (*p) {
        if (*p == ' ' || *p == '\t' || *p == '\n') {
            sb_add(&b, "%c", *p++);
            continue;
        }
        const char *k = p;
        while (*p && *p != '=' && *p != ' ' && *p != '\t')
            p++;
        size_t klen = (size_t)(p - k);
        sb_add(&b, "%.*s", (int)klen, k);
        while (*p == ' ' || *p == '\t')
            sb_add(&b, "%c", *p++);
        if (*p != '=')
            continue;
        sb_add(&b, "=");
        p++;
        while (*p == ' ' || *p == '\t')
            sb_add(&b, "%c", *p++);
        const char *v = p;
        if (*p == '\'') {
            p++;
            while (*p && *p != '\'') {
                if (*p == '\\' && p[1])
                    p++;
                p++;
            }
            if (*p == '\'')
                p++;
        } else {
            while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
                if (*p == '\\' && p[1])
                    p++;
                p++;
            }
        }
        if (klen == 8 && strncmp(k, "password", 8) == 0)
            sb_add(&b, "***");
        else
            sb_add(&b, "%.*s", (int)(p - v), v);
    }
    snprintf(out, n, "%s", b.oom || !b.s ? "(a PostgreSQL connection string)" : b.s);
    sb_free(&b);
}

/* The password libpq itself would read from a locator (malloc'ed), or
 * NULL when there is none or libpq cannot read the locator. */
static char *libpq_password(const char *locator)
{
    char *err = NULL;
    PQconninfoOption *o = PQconninfoParse(locator, &err);
    PQfreemem(err);
    if (!o)
        return NULL;
    char *pw = NULL;
    for (const PQconninfoOption *p = o; p->keyword; p++)
        if (strcmp(p->keyword, "password") == 0 && p->val && *p->val)
            pw = strdup(p->val);
    PQconninfoFree(o);
    return pw;
}

/* The locator rebuilt from what libpq reads in it, the password left out:
 * for the odd locator whose text masking above would miss what libpq
 * takes for the password (a '#' in a URI's user name, a percent-encoded
 * parameter name). */
static void rebuild_conninfo(const char *locator, char *out, size_t n)
{
    char *err = NULL;
    PQconninfoOption *o = PQconninfoParse(locator, &err);
    PQfreemem(err);
    sbuf b = { 0 };
    for (const PQconninfoOption *p = o; p && p->keyword; p++) {
        if (!p->val || !*p->val)
            continue;
        if (strcmp(p->keyword, "password") == 0) {
            sb_add(&b, "%spassword=***", b.s ? " " : "");
            continue;
        }
        sb_add(&b, "%s%s='", b.s ? " " : "", p->keyword);
        for (const char *v = p->val; *v; v++)
            sb_add(&b, "%s%c", *v == '\\' || *v == '\'' ? "\\" : "", *v);
        sb_add(&b, "'");
    }
    snprintf(out, n, "%s", b.oom || !b.s ? "(a PostgreSQL locator with a password)" : b.s);
    sb_free(&b);
    PQconninfoFree(o);
}

void pg_mask_locator(const char *locator, char *out, size_t n)
{
    if (!locator) {
        snprintf(out, n, "(none)");
        return;
    }
    if (strncmp(locator, "postgresql://", 13) == 0 || strncmp(locator, "postgres://", 11) == 0)
        mask_uri(locator, out, n);
    else
        mask_conninfo(locator, out, n);
    /* The proof, by libpq's own parser: the password it reads from the
     * locator is not readable from the shown text, nor written in it
     * (a password of 6 or more characters; a shorter one can be a piece
     * of a host or database name by chance). */
    char *pw = libpq_password(locator);
    if (!pw)
        return;
    bool verbatim = strlen(pw) >= 6;
    char *again = libpq_password(out);
    if ((again && strcmp(again, pw) == 0) || (verbatim && strstr(out, pw)))
        rebuild_conninfo(locator, out, n);
    if (verbatim && strstr(out, pw))
        snprintf(out, n, "(a PostgreSQL locator with a password)");
    free(again);
    free(pw);
}

/* ---- connecting -------------------------------------------------------------------- */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The server's notices (NOTICE, WARNING) are not for the terminal. */
static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

/* A connection, made without blocking so that a stop (interrupt) ends
 * the wait; connect_timeout in the locator is libpq's, otherwise the
 * wait ends after 30 s.  NULL with the reason in err. */
PGconn *pg_connect(const char *locator, int (*interrupt)(void *), void *ictx, char *err,
                   size_t errn)
{
    const char *const keys[] = { "dbname", "fallback_application_name", "client_encoding",
                                 NULL };
    const char *const vals[] = { locator, "imtreview", "UTF8", NULL };
    PGconn *c = PQconnectStartParams(keys, vals, 1);
    char shown[512];
    pg_mask_locator(locator, shown, sizeof shown);
    if (!c) {
        snprintf(err, errn, "cannot connect to PostgreSQL at %s: out of memory", shown);
        return NULL;
    }
    long long deadline = now_ms() + 30000;
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    bool stopped = false;
    while (PQstatus(c) != CONNECTION_BAD && st != PGRES_POLLING_OK &&
           st != PGRES_POLLING_FAILED) {
        struct pollfd pfd = { PQsocket(c), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, 0 };
        int r = pfd.fd >= 0 ? poll(&pfd, 1, 100) : 0;
        if (r < 0 && errno != EINTR)
            break;
        if (interrupt && interrupt(ictx)) {
            stopped = true;
            break;
        }
        if (r <= 0) {
            if (now_ms() > deadline)
                break;
            continue;
        }
        st = PQconnectPoll(c);
    }
    if (st == PGRES_POLLING_OK && PQstatus(c) == CONNECTION_OK) {
        PQsetNoticeProcessor(c, quiet, NULL);
        return c;
    }
    char why[400];
    size_t k = 0;
    const char *m = stopped ? "interrupted"
                  : (st != PGRES_POLLING_FAILED && PQstatus(c) != CONNECTION_BAD)
                  ? "no answer from the server within 30 s" : PQerrorMessage(c);
    for (; *m && k + 1 < sizeof why; m++)
        why[k++] = (*m == '\n' || *m == '\t') ? ' ' : *m;
    while (k > 0 && why[k - 1] == ' ')
        k--;
    why[k] = '\0';
    snprintf(err, errn, "cannot connect to PostgreSQL at %s: %s", shown, why);
    PQfinish(c);
    return NULL;
}

/* The session: our schema, times in UTC, the busy timeout as the lock
 * timeout, read-only when asked, and LISTEN for other sessions'
 * changes.  Also who we are (the audit's user) and our backend's pid. */
int pg_session(imt_backend *b)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SET search_path = " PG_SCHEMA "; SET DateStyle = ISO; SET TimeZone = 'UTC'; "
             "SET extra_float_digits = 1; SET lock_timeout = %d; SET temp_buffers = '32MB'; %s"
             "LISTEN " PG_NOTIFY_CHANNEL "; "
             "SELECT current_user, pg_is_in_recovery()",
             b->busy_ms ? b->busy_ms : 1,
             b->readonly ? "SET default_transaction_read_only = on; " : "");
    if (!PQsendQuery(b->conn, sql))
        return pg_set_err(b, STORE_ERROR, "setting up the session: %s", PQerrorMessage(b->conn));
    int rc;
    PGresult *r = pg_result(b, "setting up the session", &rc);
    if (!r)
        return rc;
    if (PQntuples(r) == 1) {
        snprintf(b->user, sizeof b->user, "%s", PQgetvalue(r, 0, 0));
        if (strcmp(PQgetvalue(r, 0, 1), "t") == 0)
            b->role_readonly = true;
    }
    PQclear(r);
    b->pid = PQbackendPID(b->conn);
    if (b->cancel)
        PQfreeCancel(b->cancel);
    b->cancel = PQgetCancel(b->conn);
    return STORE_OK;
}

/* A new connection in place of a lost one.  The data version moves:
 * changes made meanwhile were not announced to us. */
int pg_reconnect(imt_backend *b)
{
    char err[600];
    if (b->cancel) {
        PQfreeCancel(b->cancel);
        b->cancel = NULL;
    }
    if (b->conn)
        PQfinish(b->conn);
    b->conn = pg_connect(b->locator, b->interrupt, b->interrupt_ctx, err, sizeof err);
    b->dver++;
    if (!b->conn)
        return STORE_ERROR;
    /* the session's own messages must not replace the caller's */
    char keep[sizeof b->err];
    memcpy(keep, b->err, sizeof keep);
    int rc = pg_session(b);
    memcpy(b->err, keep, sizeof keep);
    if (rc != STORE_OK) {
        PQfinish(b->conn);
        b->conn = NULL;
    }
    return rc;
}

/* ---- change notification ------------------------------------------------------------ */

int pg_data_version(imt_backend *b, long long *v)
{
    *v = b->dver;
    if (!b->conn || PQstatus(b->conn) != CONNECTION_OK) {
        int rc = pg_reconnect(b);
        *v = b->dver;
        return rc == STORE_OK ? STORE_OK
                              : pg_set_err(b, STORE_ERROR, "the PostgreSQL server cannot be "
                                           "reached; retrying");
    }
    if (b->tx == TX_NONE && !PQisBusy(b->conn) && !PQconsumeInput(b->conn)) {
        char why[300];
        snprintf(why, sizeof why, "%s", PQerrorMessage(b->conn));
        for (char *c = why; *c; c++)
            if (*c == '\n')
                *c = ' ';
        int rc = pg_reconnect(b);
        *v = b->dver;
        return pg_set_err(b, STORE_ERROR, "the connection to the PostgreSQL server was lost "
                          "(%s); %s", why, rc == STORE_OK ? "reconnected"
                          : "not reconnected yet (retrying)");
    }
    /* A round trip: a notification another session's commit has
     * signalled is delivered before the answer (so a change committed
     * before this call is always seen).  Outside a transaction only:
     * notifications wait for its end anyway. */
    if (b->tx == TX_NONE && PQsendQuery(b->conn, "")) {
        int rc;
        PQclear(pg_result(b, "asking whether the data changed", &rc));
        if (rc != STORE_OK) {
            *v = b->dver;
            return rc;
        }
    }
    PGnotify *n;
    while ((n = PQnotifies(b->conn))) {
        if (n->be_pid != b->pid)
            b->dver++;
        PQfreemem(n);
    }
    *v = b->dver;
    return STORE_OK;
}

int pg_notify_fd(imt_backend *b)
{
    return b->conn ? PQsocket(b->conn) : -1;
}

/* ---- open and close ----------------------------------------------------------------- */

static void pg_free(imt_backend *b)
{
    if (!b)
        return;
    pg_stage_free(b);
    pg_table_free(b);
    pg_review_free(b);
    if (b->cancel)
        PQfreeCancel(b->cancel);
    if (b->conn)
        PQfinish(b->conn);
    if (b->locator) {
        memset(b->locator, 0, strlen(b->locator));   /* may hold a password */
        free(b->locator);
    }
    free(b->shown);
    free(b);
}

imt_backend *pg_open(const char *locator, unsigned flags, const char *user, char *err,
                     size_t errn)
{
    (void)user;   /* the audit's user is the database role */
    if (errn)
        err[0] = '\0';
    imt_backend *b = calloc(1, sizeof *b);
    char shown[512];
    pg_mask_locator(locator, shown, sizeof shown);
    if (!b || !(b->locator = strdup(locator)) || !(b->shown = strdup(shown))) {
        pg_free(b);
        snprintf(err, errn, "out of memory");
        return NULL;
    }
    b->readonly = (flags & STORE_OPEN_READONLY) != 0;
    b->busy_ms = PG_BUSY_MS;
    b->conn = pg_connect(locator, NULL, NULL, err, errn);
    if (!b->conn) {
        pg_free(b);
        return NULL;
    }
    if (pg_session(b) != STORE_OK || pg_migrate(b, !(flags & STORE_OPEN_MUST_EXIST)) != STORE_OK) {
        snprintf(err, errn, "%s", b->err);
        pg_free(b);
        return NULL;
    }
    /* A role without the right to change cases works read-only, and
     * says so rather than failing at the first edit. */
    if (!b->readonly && !b->role_readonly) {
        int rc;
        PGresult *r = pg_run(b, "SELECT has_table_privilege('cases', 'INSERT, UPDATE') AND "
                                "has_table_privilege('audit', 'INSERT') AND "
                                "has_table_privilege('audit_head', 'UPDATE')",
                             NULL, false, "reading the role's privileges", &rc);
        if (!r) {
            snprintf(err, errn, "%s", b->err);
            pg_free(b);
            return NULL;
        }
        if (strcmp(PQgetvalue(r, 0, 0), "t") != 0)
            b->role_readonly = true;
        PQclear(r);
    }
    /* The decision states follow the rule set and the date: brought up to
     * date now, by one session (another writer holding the lock past the
     * busy timeout only puts it off to the next open). */
    int src = pg_states_open(b);
    if (src != STORE_OK && src != STORE_BUSY && src != STORE_INTERRUPTED) {
        snprintf(err, errn, "%s", b->err);
        pg_free(b);
        return NULL;
    }
    b->err[0] = '\0';
    return b;
}

void pg_close(imt_backend *b)
{
    if (!b)
        return;
    if (b->tx != TX_NONE && b->conn && PQstatus(b->conn) == CONNECTION_OK) {
        PGresult *r = PQexec(b->conn, "ROLLBACK");
        PQclear(r);
    }
    pg_free(b);
}

/* ---- without an open store ------------------------------------------------------------ */

/* Is there an imtreview database at the locator?  STORE_OK, STORE_NOTFOUND
 * (the server answers but holds no imtreview schema), or STORE_ERROR. */
int pg_probe(const char *locator, char *err, size_t errn)
{
    PGconn *c = pg_connect(locator, NULL, NULL, err, errn);
    if (!c)
        return STORE_ERROR;
    PGresult *r = PQexec(c, "SELECT to_regclass('" PG_SCHEMA ".meta') IS NOT NULL");
    int rc = STORE_ERROR;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        rc = strcmp(PQgetvalue(r, 0, 0), "t") == 0 ? STORE_OK : STORE_NOTFOUND;
    else
        snprintf(err, errn, "%s", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return rc;
}

/* Undo the creation of a database this run made and must not leave
 * behind (a refused first import): the imtreview schema's objects are
 * dropped, in one transaction under the schema lock, only while they
 * hold no case and no audit row. */
void pg_remove(const char *locator)
{
    char err[600];
    PGconn *c = pg_connect(locator, NULL, NULL, err, sizeof err);
    if (!c)
        return;
    static const char sql[] =
        "BEGIN;"
        "SET LOCAL search_path = " PG_SCHEMA ";"
        "DO $imt$ DECLARE own text; BEGIN"
        "  IF to_regclass('" PG_SCHEMA ".meta') IS NULL THEN RETURN; END IF;"
        "  IF EXISTS (SELECT 1 FROM " PG_SCHEMA ".cases) OR"
        "     EXISTS (SELECT 1 FROM " PG_SCHEMA ".audit) THEN RETURN; END IF;"
        "  SELECT pg_get_userbyid(nspowner) INTO own FROM pg_namespace"
        "   WHERE nspname = '" PG_SCHEMA "';"
        "  IF own <> current_user AND pg_has_role(own, 'MEMBER') THEN"
        "    EXECUTE format('SET LOCAL ROLE %I', own);"
        "  END IF;"
        "  IF EXISTS (SELECT 1 FROM " PG_SCHEMA ".meta WHERE key = 'schema_made_here') THEN"
        "    DROP SCHEMA " PG_SCHEMA " CASCADE;"
        "  ELSE"
        "    DROP TABLE " PG_SCHEMA ".audit, " PG_SCHEMA ".audit_head, " PG_SCHEMA ".events, "
        PG_SCHEMA ".decisions, " PG_SCHEMA ".cases, " PG_SCHEMA ".meta CASCADE;"
        "    DROP FUNCTION IF EXISTS " PG_SCHEMA ".imt_audit_refuse(), " PG_SCHEMA
        ".imt_decisions_refuse(), " PG_SCHEMA ".imt_notify(), " PG_SCHEMA
        ".imt_is_date(text), " PG_SCHEMA ".imt_is_time(text);"
        "  END IF;"
        "END $imt$;"
        "COMMIT";
    /* the schema's lock first, in a statement of its own: the transaction
     * after it sees what the one before it did */
    PGresult *r = PQexec(c, "SELECT pg_advisory_lock(1768780916, 1)");
    PQclear(r);
    r = PQexec(c, sql);
    PQclear(r);
    r = PQexec(c, "SELECT pg_advisory_unlock(1768780916, 1)");
    PQclear(r);
    PQfinish(c);
}

/* ---- where the database is --------------------------------------------------------------- */

/* For the interface's remembered place: the server and database (never
 * the user or the password). */
int pg_identity(imt_backend *b, char *out, size_t n)
{
    if (!b->conn)
        return pg_set_err(b, STORE_ERROR, "no connection");
    const char *h = PQhost(b->conn), *p = PQport(b->conn), *d = PQdb(b->conn);
    snprintf(out, n, "postgresql:host=%s port=%s dbname=%s", h ? h : "", p ? p : "",
             d ? d : "");
    return STORE_OK;
}

/* For the status line: dbname@host (a local socket: the database name). */
int pg_display_name(imt_backend *b, char *out, size_t n)
{
    const char *h = b->conn ? PQhost(b->conn) : NULL, *d = b->conn ? PQdb(b->conn) : NULL;
    if (!d)
        d = "?";
    if (h && *h && h[0] != '/')
        snprintf(out, n, "%s@%s", d, h);
    else
        snprintf(out, n, "%s", d);
    return STORE_OK;
}
