/* pgtest.h - throwaway PostgreSQL databases for the store's unit tests,
 * in the cluster tests/tools/with-pg.sh starts (PGHOST, PGPORT and PGUSER,
 * a superuser, point at its socket).  run-tests.sh --engine=pg sets
 * IMT_TEST_ENGINE=pg. */
#ifndef IMT_PGTEST_H
#define IMT_PGTEST_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline bool pgt_on_pg(void)
{
    const char *e = getenv("IMT_TEST_ENGINE");
    return e && strcmp(e, "pg") == 0;
}

/* A connection as the cluster's superuser to database db ("postgres" for
 * the cluster itself); NULL with the reason printed. */
static inline PGconn *pgt_connect(const char *db)
{
    const char *const keys[] = { "dbname", NULL };
    const char *const vals[] = { db, NULL };
    PGconn *c = PQconnectdbParams(keys, vals, 0);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "pgtest: cannot connect to %s: %s", db, PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    PGresult *r = PQexec(c, "SET client_min_messages = warning");
    PQclear(r);
    return c;
}

/* Run sql; 0, or -1 with the server's message in msg (may be NULL). */
static inline int pgt_try(PGconn *c, const char *sql, char *msg, size_t n)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    int ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
    if (msg && n)
        snprintf(msg, n, "%s", ok ? "" : PQresultErrorMessage(r));
    PQclear(r);
    return ok ? 0 : -1;
}

/* A new, empty database: its name in name, a locator for store_open in
 * loc (a connection string: libpq takes the host and port from PGHOST
 * and PGPORT).  0, or -1 when the cluster is not there. */
static inline int pgt_create(char *name, size_t nn, char *loc, size_t ln)
{
    static unsigned seq;
    snprintf(name, nn, "imt_unit_%ld_%u", (long)getpid(), ++seq);
    PGconn *c = pgt_connect("postgres");
    if (!c)
        return -1;
    char sql[160], msg[300];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    int rc = pgt_try(c, sql, msg, sizeof msg);
    if (rc != 0)
        fprintf(stderr, "pgtest: %s: %s", sql, msg);
    PQfinish(c);
    snprintf(loc, ln, "dbname=%s", name);
    return rc;
}

static inline void pgt_drop(const char *name)
{
    PGconn *c = pgt_connect("postgres");
    if (!c)
        return;
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    pgt_try(c, sql, NULL, 0);
    PQfinish(c);
}

/* The first column of the first row of sql as text ("" when none). */
static inline void pgt_text(PGconn *c, const char *sql, char *out, size_t n)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "pgtest: %s: %s", sql, PQresultErrorMessage(r));
        snprintf(out, n, "(error)");
    } else {
        snprintf(out, n, "%s", PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
    }
    PQclear(r);
}

static inline long long pgt_int(PGconn *c, const char *sql)
{
    char t[64];
    pgt_text(c, sql, t, sizeof t);
    return strtoll(t, NULL, 10);
}

#endif
