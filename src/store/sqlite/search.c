/* store/sqlite/search.c - what keeps a key press off a million-row scan:
 * the counts of cases per filter cell and the search index (schema
 * version 6), and the set of cases a search text matches.
 *
 * Counts.  case_counts holds, for each combination of the five filter
 * columns (the sort_ keys of site, ALK status, outcome, review state,
 * and the decision state), how many cases have it.  Plain SQL triggers keep it right whoever
 * writes (another program's connection too), so "N of M cases" for any
 * filter without a search is a sum over at most a few hundred rows,
 * never a scan of the cases.
 *
 * Search.  case_search is an FTS5 trigram index over the case-folded
 * case_id, site_detail and notes (imt_search_text: utf8_fold, the fold
 * imt_contains uses, with invalid bytes indexed as U+FFFD so that the
 * trigram tokenizer, which reads UTF-8 its own way, sees the same
 * characters).  A search text that is valid UTF-8, at least three
 * characters long and free of U+FFFD, U+FFFE and U+FFFF (which FTS5's
 * reader makes of invalid input) is a phrase of trigrams: its matches
 * are exactly the cases whose folded text holds the folded search text,
 * imt_contains' own answer.  Anything else (one or two characters,
 * invalid UTF-8) is answered by imt_contains over every case, as before.
 *
 * The index is written by this program's connections only (the folding
 * is C, not SQL): triggers on cases note the id of every case inserted,
 * changed in a searched column, or deleted in case_search_pending, and
 * each of our write transactions re-indexes those just before it commits
 * (sq_search_drain).  Until then, and for rows another program wrote,
 * the pending cases are judged by imt_contains itself: a search is never
 * wrong, only slower, when someone writes behind our back.
 *
 * The answer to a search is a set of case ids (a bitmap over the rowids,
 * 1 bit per case, built once per search text and data version), used by
 * every query of that filter through imt_in_search(id, text).  Its size
 * says how to read: a set of at most SEARCH_SPARSE cases is read case by
 * case (json_each of its ids), a larger one by walking the order's index
 * and testing the bit. */
#define _GNU_SOURCE
#include "sqlite_int.h"

/* ---- folding ---------------------------------------------------------------- */

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Case-insensitive substring search for every script, not only ASCII
 * (SQLite's LIKE folds A-Z only, so "ÖSOPHAGUS" would not find
 * "Ösophagus"): both sides are lower-cased code point by code point with
 * utf8_fold(), then compared bytewise.  Invalid UTF-8 bytes are kept as
 * they are (bad NULL) or, for the index, made U+FFFD (bad non-NULL: set
 * when there was one).  Returns a malloc'ed string, or NULL when out of
 * memory. */
static char *fold(const char *s, size_t n, bool *bad)
{
    /* a folded code point is at most 3/2 as long; U+FFFD (3 bytes) for
     * one invalid byte at most 3 times */
    char *o = malloc(3 * n + 1);
    size_t k = 0;
    if (!o)
        return NULL;
    for (size_t i = 0; i < n;) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x80) {                 /* ASCII: most of the text */
            o[k++] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
            i++;
            continue;
        }
        uint32_t cp;
        int len = utf8_decode(s + i, n - i, &cp);
        if (len <= 0) {
            if (bad) {
                *bad = true;
                k += put_utf8(o + k, 0xFFFD);
                i++;
            } else {
                o[k++] = s[i++];
            }
            continue;
        }
        i += (size_t)len;
        if (cp < 0x80) {
            o[k++] = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
            continue;
        }
        k += put_utf8(o + k, utf8_fold(cp));
    }
    o[k] = '\0';
    return o;
}

char *sq_fold_text(const char *s, size_t n)
{
    return fold(s, n, NULL);
}

/* SQL imt_contains(text, needle): 1 when the folded needle occurs in the
 * folded text (NULL text: 0).  The needle is folded once per statement
 * (kept as auxiliary data of the bound parameter). */
void sq_sql_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *hay = (const char *)sqlite3_value_text(argv[0]);
    if (!hay) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    char *needle = sqlite3_get_auxdata(ctx, 1);
    if (!needle) {
        const char *raw = (const char *)sqlite3_value_text(argv[1]);
        if (!raw) {
            sqlite3_result_int(ctx, 0);
            return;
        }
        if (!(needle = sq_fold_text(raw, (size_t)sqlite3_value_bytes(argv[1])))) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        sqlite3_set_auxdata(ctx, 1, needle, free);
        needle = sqlite3_get_auxdata(ctx, 1);
        if (!needle) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
    }
    char *h = sq_fold_text(hay, (size_t)sqlite3_value_bytes(argv[0]));
    if (!h) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_int(ctx, strstr(h, needle) != NULL);
    free(h);
}

/* SQL imt_search_text(text): what the index holds for text (NULL: NULL). */
void sq_sql_search_text(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *t = (const char *)sqlite3_value_text(argv[0]);
    if (!t) {
        sqlite3_result_null(ctx);
        return;
    }
    bool bad = false;
    char *f = fold(t, (size_t)sqlite3_value_bytes(argv[0]), &bad);
    if (!f) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_text(ctx, f, -1, free);
}

/* ---- schema version 6 --------------------------------------------------------- */

/* The cell of a case is its filter columns (schema.c's sort_<name> keys
 * and decision_state, never NULL), named as in cases, so a filter's SQL
 * reads the same on case_counts as on cases. */
static const char counts_table_ddl[] =
    "CREATE TABLE IF NOT EXISTS case_counts (\n"
    "  sort_site INTEGER NOT NULL,\n"
    "  sort_alk INTEGER NOT NULL,\n"
    "  sort_outcome INTEGER NOT NULL,\n"
    "  sort_review INTEGER NOT NULL,\n"
    "  decision_state INTEGER NOT NULL,\n"
    "  n INTEGER NOT NULL,\n"
    "  PRIMARY KEY (sort_site, sort_alk, sort_outcome, sort_review, decision_state)\n"
    ") WITHOUT ROWID;\n";

#define CELL "sort_site, sort_alk, sort_outcome, sort_review, decision_state"
#define CELL_OLD "OLD.sort_site, OLD.sort_alk, OLD.sort_outcome, OLD.sort_review, " \
                 "OLD.decision_state"
#define CELL_NEW "NEW.sort_site, NEW.sort_alk, NEW.sort_outcome, NEW.sort_review, " \
                 "NEW.decision_state"

static const char counts_fill_sql[] =
    "DELETE FROM case_counts;\n"
    "INSERT INTO case_counts SELECT " CELL ", count(*) FROM cases GROUP BY 1, 2, 3, 4, 5;\n";

static const char counts_insert_trigger[] =
    "CREATE TRIGGER IF NOT EXISTS case_counts_insert AFTER INSERT ON cases BEGIN\n"
    "  INSERT INTO case_counts VALUES (" CELL_NEW ", 1) ON CONFLICT DO UPDATE SET n = n + 1;\n"
    "END;\n";

static const char counts_other_triggers[] =
    "CREATE TRIGGER IF NOT EXISTS case_counts_delete AFTER DELETE ON cases BEGIN\n"
    "  UPDATE case_counts SET n = n - 1 WHERE (" CELL ") = (" CELL_OLD ");\n"
    "END;\n"
    "CREATE TRIGGER IF NOT EXISTS case_counts_update AFTER UPDATE OF site, alk_status, outcome, "
    "review_status, decision_state ON cases WHEN (" CELL_OLD ") IS NOT (" CELL_NEW ") BEGIN\n"
    "  UPDATE case_counts SET n = n - 1 WHERE (" CELL ") = (" CELL_OLD ");\n"
    "  INSERT INTO case_counts VALUES (" CELL_NEW ", 1) ON CONFLICT DO UPDATE SET n = n + 1;\n"
    "END;\n";

static const char search_table_ddl[] =
    "CREATE VIRTUAL TABLE IF NOT EXISTS case_search USING fts5(case_id, site_detail, notes, "
    "tokenize = 'trigram case_sensitive 1', detail = full);\n"
    "CREATE TABLE IF NOT EXISTS case_search_pending (id INTEGER PRIMARY KEY);\n";

static const char search_fill_sql[] =
    "DELETE FROM case_search_pending;\n"
    "DELETE FROM case_search;\n"
    "INSERT INTO case_search (rowid, case_id, site_detail, notes) "
    "SELECT id, imt_search_text(case_id), imt_search_text(site_detail), "
    "imt_search_text(notes) FROM cases;\n";

static const char search_insert_trigger[] =
    "CREATE TRIGGER IF NOT EXISTS case_search_insert AFTER INSERT ON cases BEGIN\n"
    "  INSERT OR IGNORE INTO case_search_pending VALUES (NEW.id);\n"
    "END;\n";

static const char search_other_triggers[] =
    "CREATE TRIGGER IF NOT EXISTS case_search_update AFTER UPDATE OF id, case_id, site_detail, notes "
    "ON cases BEGIN\n"
    "  INSERT OR IGNORE INTO case_search_pending VALUES (OLD.id);\n"
    "  INSERT OR IGNORE INTO case_search_pending VALUES (NEW.id);\n"
    "END;\n"
    "CREATE TRIGGER IF NOT EXISTS case_search_delete AFTER DELETE ON cases BEGIN\n"
    "  INSERT OR IGNORE INTO case_search_pending VALUES (OLD.id);\n"
    "END;\n";

int sq_migrate_v6(imt_backend *st)
{
    int rc = sq_exec_sql(st, counts_table_ddl, "adding the case counts");
    if (rc == STORE_OK)
        rc = sq_exec_sql(st, counts_fill_sql, "counting the cases");
    if (rc == STORE_OK)
        rc = sq_exec_sql(st, counts_insert_trigger, "adding the case counts");
    if (rc == STORE_OK)
        rc = sq_exec_sql(st, counts_other_triggers, "adding the case counts");
    if (rc == STORE_OK)
        rc = sq_exec_sql(st, search_table_ddl, "adding the search index");
    if (rc == STORE_OK)
        rc = sq_exec_sql(st, search_fill_sql, "building the search index");
    if (rc == STORE_OK)
        rc = sq_exec_sql(st, search_insert_trigger, "adding the search index");
    if (rc == STORE_OK)
        rc = sq_exec_sql(st, search_other_triggers, "adding the search index");
    return rc;
}

/* ---- filling an empty database (engine.c's bulk load) --------------------- */

/* The insert triggers go with the indexes: the counts are kept in C
 * while the cases go in (sq_bulk_count) and the index is built from the
 * table at the end, both in the same transaction. */
int sq_bulk_search_start(imt_backend *st)
{
    memset(st->bulk_counts, 0, sizeof st->bulk_counts);
    st->bulk_counts_ok = true;
    return sq_exec_sql(st, "DROP TRIGGER case_counts_insert;\n"
                           "DROP TRIGGER case_search_insert;\n", "preparing a bulk load");
}

/* The sort key of an enumerated value: its position, unknown last. */
static int cell_key(int v, int n)
{
    return v >= 0 && v < n ? v : n;
}

void sq_bulk_count(imt_backend *st, const imt_case *c, int dstate, int delta)
{
    int s = cell_key(c->site, SITE_N), a = cell_key(c->alk_status, ALK_N),
        o = cell_key(c->outcome, OUT_N), r = cell_key(c->review_status, REV_N);
    if (dstate < 0 || dstate >= DSTATE_N) {
        st->bulk_counts_ok = false;          /* counted at the end instead */
        return;
    }
    st->bulk_counts[s][a][o][r][dstate] += delta;
}

int sq_bulk_search_finish(imt_backend *st)
{
    int rc = STORE_OK;
    if (!st->bulk_counts_ok) {
        rc = sq_exec_sql(st, counts_fill_sql, "counting the cases");
    } else {
        rc = sq_exec_sql(st, "DELETE FROM case_counts", "counting the cases");
        sqlite3_stmt *q = NULL;
        if (rc == STORE_OK &&
            sqlite3_prepare_v2(st->db, "INSERT INTO case_counts VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                               -1, &q, NULL) != SQLITE_OK)
            rc = sq_fail(st, sqlite3_errcode(st->db), "counting the cases");
        for (int s = 0; s <= SITE_N && rc == STORE_OK; s++)
            for (int a = 0; a <= ALK_N && rc == STORE_OK; a++)
                for (int o = 0; o <= OUT_N && rc == STORE_OK; o++)
                    for (int r = 0; r <= REV_N && rc == STORE_OK; r++)
                        for (int d = 0; d < DSTATE_N && rc == STORE_OK; d++) {
                            long n = st->bulk_counts[s][a][o][r][d];
                            if (!n)
                                continue;
                            sqlite3_bind_int(q, 1, s);
                            sqlite3_bind_int(q, 2, a);
                            sqlite3_bind_int(q, 3, o);
                            sqlite3_bind_int(q, 4, r);
                            sqlite3_bind_int(q, 5, d);
                            sqlite3_bind_int64(q, 6, n);
                            rc = sq_exec1(st, q, "counting the cases");
                        }
        sqlite3_finalize(q);
    }
    if (rc == STORE_OK)
        rc = sq_exec_sql(st, search_fill_sql, "building the search index");
    if (rc == STORE_OK)
        rc = sq_exec_sql(st, counts_insert_trigger, "building the indexes");
    if (rc == STORE_OK)
        rc = sq_exec_sql(st, search_insert_trigger, "building the indexes");
    return rc;
}

/* ---- keeping the index up to date ------------------------------------------- */

/* Re-index the cases our transaction (or someone before it) left pending;
 * called just before each commit of ours. */
int sq_search_drain(imt_backend *st)
{
    if (st->version < 6)
        return STORE_OK;
    sqlite3_stmt *q = st->q[Q_PENDING_ANY];
    int rc = sqlite3_step(q);
    bool any = rc == SQLITE_ROW;
    sqlite3_reset(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_fail(st, rc, "updating the search index");
    if (!any)
        return STORE_OK;
    return sq_exec_sql(st,
        "DELETE FROM case_search WHERE rowid IN (SELECT id FROM case_search_pending);\n"
        "INSERT INTO case_search (rowid, case_id, site_detail, notes) "
        "SELECT c.id, imt_search_text(c.case_id), imt_search_text(c.site_detail), "
        "imt_search_text(c.notes) FROM case_search_pending p CROSS JOIN cases c ON c.id = p.id;\n"
        "DELETE FROM case_search_pending;\n", "updating the search index");
}

/* ---- the set of cases a search matches --------------------------------------- */

#define SEARCH_SPARSE 4096

struct sq_search_set {
    sq_search_set *next;          /* on the retired list                    */
    char needle[IMT_SEARCH_MAX];  /* the search text, as given              */
    long long dver;               /* PRAGMA data_version when built         */
    long long changes;            /* our own rows changed, when built       */
    unsigned wgen;                /* st->wgen (our rollbacks) when built    */
    uint64_t *bits;               /* bit id: case id matches                */
    long long nbits;
    long count;
    char *ids;                    /* "[3,17,...]" when count <= SEARCH_SPARSE */
    int pins;
    bool indexed;                 /* answered by the index (not a scan)     */
};

static void set_free(sq_search_set *s)
{
    if (!s)
        return;
    free(s->bits);
    free(s->ids);
    free(s);
}

static bool bit_get(const sq_search_set *s, long long id)
{
    return id >= 0 && id < s->nbits && (s->bits[id >> 6] >> (id & 63)) & 1;
}

static void bit_put(sq_search_set *s, long long id, bool on)
{
    if (id < 0 || id >= s->nbits)
        return;
    if (on)
        s->bits[id >> 6] |= 1ULL << (id & 63);
    else
        s->bits[id >> 6] &= ~(1ULL << (id & 63));
}

/* Whether the index answers needle (already folded) exactly; see the
 * top of the file. */
static bool indexable(const char *fn)
{
    size_t n = strlen(fn), chars = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = utf8_decode(fn + i, n - i, &cp);
        if (k <= 0 || cp == 0xFFFD || cp == 0xFFFE || cp == 0xFFFF)
            return false;
        i += (size_t)k;
        chars++;
    }
    return chars >= 3;
}

/* Run q (bound already), setting (on) or clearing each id of column 0. */
static int mark_ids(imt_backend *st, sqlite3_stmt *q, sq_search_set *s, bool on)
{
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        bit_put(s, sqlite3_column_int64(q, 0), on);
    return rc == SQLITE_DONE ? STORE_OK : sq_fail(st, rc, "searching");
}

static int set_build(imt_backend *st, const char *needle, sq_search_set *s)
{
    sqlite3_stmt *q = NULL;
    long long maxid = 0;
    int rc = sqlite3_prepare_v2(st->db, "SELECT coalesce(max(id), 0) FROM cases", -1, &q, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
        maxid = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW)
        return sq_fail(st, rc, "searching");
    s->nbits = maxid + 1;
    if (!(s->bits = calloc((size_t)(s->nbits + 63) / 64, sizeof *s->bits)))
        return sq_set_err(st, STORE_ERROR, "out of memory");
    char *fn = sq_fold_text(needle, strlen(needle));
    if (!fn)
        return sq_set_err(st, STORE_ERROR, "out of memory");
    static const char exact[] =
        "imt_contains(c.case_id, ?1) OR imt_contains(c.site_detail, ?1) "
        "OR imt_contains(c.notes, ?1)";
    /* in a bulk load the index is built at the end: until then, scan */
    s->indexed = st->version >= 6 && !st->bulk && indexable(fn);
    if (s->indexed) {
        /* the phrase: the folded text in double quotes, quotes doubled */
        sbuf p = { 0 };
        sb_add(&p, "\"");
        for (const char *c = fn; *c; c++) {
            if (*c == '"')
                sb_add(&p, "\"\"");
            else
                sb_add(&p, "%c", *c);
        }
        sb_add(&p, "\"");
        rc = p.oom ? SQLITE_NOMEM
                   : sqlite3_prepare_v2(st->db, "SELECT rowid FROM case_search WHERE "
                                        "case_search MATCH ?1", -1, &q, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(q, 1, p.s, -1, SQLITE_TRANSIENT);
            rc = mark_ids(st, q, s, true);
            sqlite3_finalize(q);
        } else {
            rc = sq_fail(st, rc, "searching");
        }
        sb_free(&p);
        /* the pending cases: as imt_contains says, not as the index does */
        if (rc == STORE_OK) {
            rc = sqlite3_prepare_v2(st->db, "SELECT id FROM case_search_pending", -1, &q, NULL);
            rc = rc == SQLITE_OK ? mark_ids(st, q, s, false) : sq_fail(st, rc, "searching");
            sqlite3_finalize(q);
        }
        if (rc == STORE_OK) {
            char sql[300];
            snprintf(sql, sizeof sql, "SELECT c.id FROM case_search_pending p CROSS JOIN cases c "
                                      "ON c.id = p.id WHERE %s", exact);
            rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
            if (rc == SQLITE_OK) {
                sqlite3_bind_text(q, 1, needle, -1, SQLITE_STATIC);
                rc = mark_ids(st, q, s, true);
            } else {
                rc = sq_fail(st, rc, "searching");
            }
            sqlite3_finalize(q);
        }
    } else {
        char sql[300];
        snprintf(sql, sizeof sql, "SELECT c.id FROM cases c WHERE %s", exact);
        rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(q, 1, needle, -1, SQLITE_STATIC);
            rc = mark_ids(st, q, s, true);
        } else {
            rc = sq_fail(st, rc, "searching");
        }
        sqlite3_finalize(q);
    }
    free(fn);
    if (rc != STORE_OK)
        return rc;
    s->count = 0;
    for (long long w = 0; w < (s->nbits + 63) / 64; w++)
        s->count += __builtin_popcountll(s->bits[w]);
    if (s->count <= SEARCH_SPARSE) {
        sbuf b = { 0 };
        sb_add(&b, "[");
        long k = 0;
        for (long long id = 0; id < s->nbits; id++)
            if (bit_get(s, id))
                sb_add(&b, "%s%lld", k++ ? "," : "", id);
        sb_add(&b, "]");
        if (b.oom) {
            sb_free(&b);
            return sq_set_err(st, STORE_ERROR, "out of memory");
        }
        s->ids = b.s;
    }
    return STORE_OK;
}

/* Retire (or free) the current set. */
static void set_drop(imt_backend *st)
{
    sq_search_set *s = st->search;
    st->search = NULL;
    if (!s)
        return;
    if (s->pins > 0) {
        s->next = st->search_retired;
        st->search_retired = s;
    } else {
        set_free(s);
    }
}

sq_search_set *sq_search_get(imt_backend *st, const char *needle)
{
    long long dv = 0;
    if (sq_data_version(st, &dv) != STORE_OK)
        return NULL;
    sq_search_set *s = st->search;
    long long ch = sqlite3_total_changes64(st->db);
    if (s && strcmp(s->needle, needle) == 0 && s->dver == dv && s->wgen == st->wgen &&
        s->changes == ch)
        return s;
    set_drop(st);
    if (!(s = calloc(1, sizeof *s))) {
        sq_set_err(st, STORE_ERROR, "out of memory");
        return NULL;
    }
    snprintf(s->needle, sizeof s->needle, "%s", needle);
    s->dver = dv;
    s->changes = ch;
    s->wgen = st->wgen;
    if (set_build(st, needle, s) != STORE_OK) {
        set_free(s);
        return NULL;
    }
    st->search = s;
    return s;
}

long sq_search_count(const sq_search_set *s)
{
    return s->count;
}

const char *sq_search_ids(const sq_search_set *s)
{
    return s->ids;
}

void sq_search_pin(sq_search_set *s)
{
    if (s)
        s->pins++;
}

void sq_search_unpin(imt_backend *st, sq_search_set *s)
{
    if (!s || --s->pins > 0)
        return;
    if (s == st->search)
        return;
    for (sq_search_set **p = &st->search_retired; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            set_free(s);
            return;
        }
}

void sq_search_close(imt_backend *st)
{
    set_drop(st);
    while (st->search_retired) {
        sq_search_set *s = st->search_retired;
        st->search_retired = s->next;
        set_free(s);
    }
}

/* The set of the statement's search text: the current set or a pinned
 * one (an open walk's). */
static sq_search_set *set_for(imt_backend *st, const char *needle)
{
    if (st->search && strcmp(st->search->needle, needle) == 0)
        return st->search;
    for (sq_search_set *s = st->search_retired; s; s = s->next)
        if (strcmp(s->needle, needle) == 0)
            return s;
    return NULL;
}

/* SQL imt_in_search(id, text): whether case id matches the search text
 * (its set was built by sq_search_get before the statement ran). */
void sq_sql_in_search(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    imt_backend *st = sqlite3_user_data(ctx);
    sq_search_set *s = sqlite3_get_auxdata(ctx, 1);
    if (!s) {
        const char *needle = (const char *)sqlite3_value_text(argv[1]);
        if (!needle || !(s = set_for(st, needle))) {
            sqlite3_result_error(ctx, "imt_in_search: no search set for this text", -1);
            return;
        }
        sqlite3_set_auxdata(ctx, 1, s, NULL);
    }
    sqlite3_result_int(ctx, bit_get(s, sqlite3_value_int64(argv[0])));
}
