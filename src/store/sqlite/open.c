/* store/sqlite/open.c - opening an SQLite database (mode 0600, side files that
 * follow a shared file's group, WAL, the damage check) and closing it. */
#define _GNU_SOURCE
#include "sqlite_int.h"
#include "io/atomicfile.h"

/* ---- open / close ---------------------------------------------------------- */

static int prepare(imt_backend *st, sqlite3_stmt **s, const char *sql)
{
    int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s, NULL);
    return rc == SQLITE_OK ? STORE_OK : sq_fail(st, rc, "preparing a statement");
}

static int prepare_all(imt_backend *st)
{
    sbuf b = { 0 };
    for (int f = 0; f < IMT_F_COUNT; f++)
        sb_add(&b, "%s%s", f ? ", " : "", imt_fields[f].name);
    sb_add(&b, ", alk_discordant, next_due");
    if (b.oom)
        return sq_set_err(st, STORE_ERROR, "out of memory");
    st->cols = b.s;
    sbuf r = { 0 };
    sb_add(&r, "%s, version, decision_state, review_comment, signer_name", st->cols);
    if (r.oom)
        return sq_set_err(st, STORE_ERROR, "out of memory");
    st->read_cols = r.s;

    /* the NCOLS values of the case (sq_bind_case) and next_due */
    sbuf q = { 0 };
    int rc = STORE_OK;
    /* ?NLOAD+1 is the decision state (decisions.c) */
    sb_add(&q, "INSERT INTO cases (%s, decision_state) VALUES (", st->cols);
    for (int i = 1; i <= NLOAD + 1; i++)
        sb_add(&q, "%s?%d", i > 1 ? ", " : "", i);
    sb_add(&q, ")");
    if (q.oom || (rc = prepare(st, &st->q[Q_INSERT], q.s)) != STORE_OK)
        goto out;
    sb_free(&q);

    /* case_id (?1) is the key, never changed, so the audit rows that refer
     * to it are not re-checked on every update. */
    sb_add(&q, "UPDATE cases SET ");
    for (int i = 2; i <= NCOLS; i++)
        sb_add(&q, "%s%s = ?%d", i > 2 ? ", " : "",
               i <= IMT_F_COUNT ? imt_fields[i - 1].name : "alk_discordant", i);
    /* every saved change is a new version of the case */
    sb_add(&q, ", version = version + 1 WHERE case_id = ?1");
    if (q.oom || (rc = prepare(st, &st->q[Q_UPDATE], q.s)) != STORE_OK)
        goto out;
    sb_free(&q);

    sb_add(&q, "SELECT %s FROM cases WHERE case_id = ?1", st->read_cols);
    if (q.oom || (rc = prepare(st, &st->q[Q_GET], q.s)) != STORE_OK)
        goto out;
    sb_free(&q);

    static const struct { int id; const char *sql; } fixed[] = {
        { Q_AUDIT, "INSERT INTO audit (time, user, case_id, field, old_value, new_value, "
                   "source, comment, ruleset, snapshot, rule_id, fired_by, full_name, "
                   "row_hash, hash) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)" },
        { Q_AUDIT_LAST, "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1" },
        { Q_EXISTS, "SELECT 1 FROM cases WHERE case_id = ?1" },
        { Q_REVIEW, "UPDATE cases SET review_status = ?2, reviewer = ?3, reviewed_at = ?4, "
                    "review_comment = ?5, signer_name = ?6, decision_state = ?7, "
                    "version = version + 1 WHERE case_id = ?1" },
        { Q_DECISIONS, "SELECT rule_id, ruleset, decision, reason, comment, fired_by, user, "
                       "time FROM decisions WHERE case_id = ?1 ORDER BY rule_id, seq" },
        { Q_DECIDE, "INSERT INTO decisions (case_id, rule_id, ruleset, decision, reason, "
                    "comment, fired_by, user, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)" },
        { Q_BUMP, "UPDATE cases SET version = version + ?3, decision_state = ?2 "
                  "WHERE case_id = ?1" },
        { Q_SETSTATE, "UPDATE cases SET decision_state = ?2 WHERE id = ?1" },
        { Q_LAST_CHANGE, "SELECT user, time FROM audit WHERE case_id = ?1 "
                         "ORDER BY seq DESC LIMIT 1" },
        { Q_LAST_FIELD, "SELECT user, time FROM audit WHERE case_id = ?1 AND field = ?2 "
                        "ORDER BY seq DESC LIMIT 1" },
        { Q_META_GET, "SELECT value FROM meta WHERE key = ?1" },
        { Q_META_SET, "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value" },
        { Q_BEGIN, "BEGIN IMMEDIATE" },
        { Q_COMMIT, "COMMIT" },
        { Q_ROLLBACK, "ROLLBACK" },
        { Q_SAVEPOINT, "SAVEPOINT store_edit" },
        { Q_RELEASE, "RELEASE store_edit" },
        { Q_ROLLBACK_TO, "ROLLBACK TO store_edit" },
        { Q_UNINSERT, "DELETE FROM cases WHERE id = ?1" },
        { Q_DATA_VERSION, "PRAGMA data_version" },
        { Q_PENDING_ANY, "SELECT 1 FROM case_search_pending LIMIT 1" },
        { Q_ANY, "SELECT (SELECT count(*) FROM (SELECT 1 FROM cases LIMIT 1)) + "
                 "(SELECT count(*) FROM (SELECT 1 FROM audit LIMIT 1))" },
        { Q_EV_INSERT, "INSERT INTO events (case_id, date, day, type, line, agent, intent, "
                       "reason, response, extent, site, detail) VALUES (?1, ?2, ?3, ?4, ?5, "
                       "?6, ?7, ?8, ?9, ?10, ?11, ?12)" },
        { Q_EV_UPDATE, "UPDATE events SET date = ?2, day = ?3, type = ?4, line = ?5, "
                       "agent = ?6, intent = ?7, reason = ?8, response = ?9, extent = ?10, "
                       "site = ?11, detail = ?12 WHERE case_id = ?1 AND id = ?13" },
        { Q_EV_DELETE, "DELETE FROM events WHERE case_id = ?1 AND id = ?2" },
        { Q_EV_GET, "SELECT " EV_COLS " FROM events WHERE case_id = ?1 ORDER BY id" },
        { Q_EV_ONE, "SELECT " EV_COLS " FROM events WHERE case_id = ?1 AND id = ?2" },
        { Q_NEXT_DUE, "UPDATE cases SET next_due = ?2 WHERE case_id = ?1 "
                      "AND next_due IS NOT ?2" },
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if ((rc = prepare(st, &st->q[fixed[i].id], fixed[i].sql)) != STORE_OK)
            goto out;
    for (int k = 0; k < SORT_NKEYS; k++) {
        char col[32];
        sb_add(&q, "SELECT %s FROM cases WHERE case_id = ?1",
               sq_sort_col((imt_sort_key)k, col, sizeof col));
        if (q.oom || (rc = prepare(st, &st->anchor[k], q.s)) != STORE_OK)
            goto out;
        sb_free(&q);
    }
out:
    if (q.oom)
        rc = sq_set_err(st, STORE_ERROR, "out of memory");
    sb_free(&q);
    return rc;
}

static void sq_free(imt_backend *st)
{
    if (!st)
        return;
    for (int i = 0; i < Q_N; i++)
        sqlite3_finalize(st->q[i]);
    for (int k = 0; k < SORT_NKEYS; k++)
        sqlite3_finalize(st->anchor[k]);
    for (int k = 0; k < 8; k++)
        sqlite3_finalize(st->imported[k]);
    sq_search_close(st);
    sqlite3_finalize(st->tput);
    if (st->db)
        sqlite3_close(st->db);
    free(st->cols);
    free(st->read_cols);
    free(st->rres);
    free(st->full_name);
    free(st->user);
    free(st->path);
    free(st);
}

/* "file:" URI of path with everything but unreserved characters and '/'
 * percent-encoded. */
static char *file_uri(const char *path, const char *query)
{
    size_t n = strlen(path);
    char *u = malloc(3 * n + strlen(query) + 8), *o = u;
    if (!u)
        return NULL;
    o += sprintf(o, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || strchr("/-._~", *p))
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    strcpy(o, query);
    return u;
}

/* Is the file system that holds path (its directory) full: less room
 * than SQLite needs to make its -shm and a first -wal frame? */
static bool fs_full(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        slash[slash == dir ? 1 : 0] = '\0';
    struct statvfs vf;
    return statvfs(dir, &vf) == 0 &&
           (unsigned long long)vf.f_bavail * vf.f_frsize < 128ULL * 1024;
}

/* A WAL database can only be opened when its -shm file exists or can be
 * created.  Someone with read access to a shared file in a directory they
 * cannot write gets neither, and on a full file system the -shm cannot be
 * given its size; when no -wal file exists (nobody is in the middle of
 * writing, the file is complete) it is read as immutable, in read-only
 * mode, and edits are refused saying why. */
static int reopen_immutable(imt_backend *st, const char *path)
{
    int prim = st->last_rc & 0xff;
    bool full = prim == SQLITE_IOERR || prim == SQLITE_FULL ? fs_full(path) : false;
    if (prim != SQLITE_READONLY && prim != SQLITE_CANTOPEN && !full)
        return STORE_ERROR;
    char wal[4096];
    struct stat sb;
    snprintf(wal, sizeof wal, "%s-wal", path);
    /* An empty -wal holds no frame (SQLite leaves one behind when it
     * could not set up the shared memory on a full disk). */
    if (stat(wal, &sb) == 0 ? sb.st_size > 0 : errno != ENOENT)
        return STORE_ERROR;
    if (access(path, R_OK) != 0)
        return STORE_ERROR;
    char *uri = file_uri(path, "?immutable=1");
    if (!uri)
        return sq_set_err(st, STORE_ERROR, "out of memory");
    sqlite3_close(st->db);
    st->db = NULL;
    int rc = sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
                                 SQLITE_OPEN_NOMUTEX, NULL);
    free(uri);
    if (rc != SQLITE_OK)
        return sq_set_err(st, STORE_ERROR, "%s", st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
    sqlite3_extended_result_codes(st->db, 1);
    sq_install_handlers(st);
    if (!st->readonly) {
        st->file_readonly = true;
        if (full)
            snprintf(st->ro_why, sizeof st->ro_why, "the file system that holds it is full");
    }
    long nobj;
    return sq_count_objects(st, &nobj);
}

/* Is path an SQLite file in WAL mode (header bytes 18 and 19 are 2)? */
static bool header_is_wal(const char *path)
{
    unsigned char h[20];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return false;
    ssize_t n = pread(fd, h, sizeof h, 0);
    close(fd);
    return n == (ssize_t)sizeof h && memcmp(h, "SQLite format 3", 16) == 0 &&
           h[18] == 2 && h[19] == 2;
}

/* SQLite gives the -wal and -shm files the database file's mode, but their
 * group is the group of whoever created them (SQLite changes the owner
 * only when running as root).  In a department's file (group imt, mode
 * 0660, in a directory without the setgid bit) the first member's -wal
 * and -shm then belong to that member's own group, and every other member
 * cannot open the database at all - not even read-only - while the first
 * one has it open.  So they follow the database file, in two steps:
 *
 * side_files_make(), before SQLite opens the database: for a file already
 * in WAL mode (never beside another program's file), the missing -wal and
 * -shm are made here with the database's group and mode.  This process
 * holds no lock on them yet, so opening and closing them costs nothing.
 *
 * side_files_fix(), after SQLite has opened the database (it makes the
 * side files itself when we did not: a new database, a file switched to
 * WAL, a race with another user's last close): the ones that are ours get
 * the database's group and mode BY PATH.  Never through a descriptor: on
 * Linux, closing any descriptor of a file drops every POSIX lock this
 * process holds on it, SQLite's locks on -shm included, and another
 * process then believes it is alone, re-initialises the shared memory the
 * others have mapped, and they die of SIGBUS ("How To Corrupt An SQLite
 * Database File", section 2.2).  lstat() first, and no symlink followed
 * (glibc does fchmodat(AT_SYMLINK_NOFOLLOW) through an O_PATH descriptor,
 * and the kernel does not drop locks when an O_PATH descriptor closes).
 *
 * Failures are ignored: a user outside the file's group cannot give a
 * file to it, and SQLite's own error then says what is wrong. */
static const char *const side_sfx[] = { "-wal", "-shm" };

static void side_files_make(const char *path)
{
    struct stat db;
    if (stat(path, &db) != 0 || !S_ISREG(db.st_mode) || !header_is_wal(path))
        return;
    for (size_t i = 0; i < sizeof side_sfx / sizeof side_sfx[0]; i++) {
        char side[4096];
        if ((size_t)snprintf(side, sizeof side, "%s%s", path, side_sfx[i]) >= sizeof side)
            return;
        int fd = open(side, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                      db.st_mode & 0777);
        if (fd < 0)
            continue;           /* there already (fixed after the open) */
        if (fchown(fd, (uid_t)-1, db.st_gid) != 0) {
            /* not a member of the file's group: nothing to do */
        }
        if (fchmod(fd, db.st_mode & 0777) != 0) {
            /* ignored, as above */
        }
        close(fd);
    }
}

void sq_side_files_fix(const char *path)
{
    struct stat db;
    if (stat(path, &db) != 0 || !S_ISREG(db.st_mode))
        return;
    for (size_t i = 0; i < sizeof side_sfx / sizeof side_sfx[0]; i++) {
        char side[4096];
        struct stat sb;
        if ((size_t)snprintf(side, sizeof side, "%s%s", path, side_sfx[i]) >= sizeof side)
            return;
        if (lstat(side, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid())
            continue;
        if (sb.st_gid != db.st_gid &&
            fchownat(AT_FDCWD, side, (uid_t)-1, db.st_gid, AT_SYMLINK_NOFOLLOW) != 0) {
            /* not a member of the file's group: nothing to do */
        }
        if ((sb.st_mode & 0777) != (db.st_mode & 0777) &&
            fchmodat(AT_FDCWD, side, db.st_mode & 0777, AT_SYMLINK_NOFOLLOW) != 0) {
            /* ignored, as above */
        }
    }
}

/* Before the first write of a session: SQLite's quick_check over a file
 * of up to OPEN_CHECK_MAX bytes (about 5 ms per MB; a department's
 * database is well under it).  A damaged file is then opened read-only
 * rather than written into.  A larger file is checked by `check`; damage
 * that SQLite meets on any read makes it read-only as well (sq_fail). */
#define OPEN_CHECK_MAX (8LL << 20)
static void open_check(imt_backend *st)
{
    sqlite3_stmt *q = NULL;
    long long pages = 0, size = 0;
    if (sqlite3_prepare_v2(st->db, "PRAGMA page_count", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        pages = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(st->db, "PRAGMA page_size", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        size = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (pages * size > OPEN_CHECK_MAX)
        return;
    q = NULL;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA quick_check(1)", -1, &q, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(q, 0);
        if (r && strcmp(r, "ok") != 0) {
            char first[160];
            snprintf(first, sizeof first, "%s", r);
            for (char *c = first; *c; c++)
                if ((unsigned char)*c < 0x20)
                    *c = ' ';
            sq_mark_damaged(st, first);
        }
    } else if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB) {
        sq_mark_damaged(st, sqlite3_errmsg(st->db));
    }
    sqlite3_finalize(q);
}

imt_backend *sq_open(const char *path, unsigned flags, const char *user,
                      char *err, size_t errn)
{
    if (errn)
        err[0] = '\0';
    if (!path || !*path) {
        snprintf(err, errn, "no database path given");
        return NULL;
    }
    imt_backend *st = calloc(1, sizeof *st);
    if (!st || !(st->user = strdup(user && *user ? user : "unknown"))) {
        free(st);
        snprintf(err, errn, "out of memory");
        return NULL;
    }
    st->readonly = (flags & STORE_OPEN_READONLY) != 0;
    if (!(st->path = strdup(path))) {
        free(st->user);
        free(st);
        snprintf(err, errn, "out of memory");
        return NULL;
    }
    st->busy_ms = STORE_BUSY_MS;
    bool created = false;

    if (st->readonly) {
        struct stat sb;
        if (stat(path, &sb) != 0) {
            snprintf(err, errn, "cannot open database %s: %s%s", path, strerror(errno),
                     errno == ENOENT ? " (--readonly never creates one)" : "");
            goto fail;
        }
    } else if (flags & STORE_OPEN_MUST_EXIST) {
        struct stat sb;
        if (stat(path, &sb) != 0) {
            snprintf(err, errn, errno == ENOENT ? "there is no database at %s"
                                                : "cannot open database %s: %s",
                     path, strerror(errno));
            goto fail;
        }
    } else {
        /* Only the default location gets its directories made: a
         * mistyped --db must not leave a directory tree behind. */
        if ((flags & STORE_OPEN_MAKE_DIRS) && access(path, F_OK) != 0 &&
            af_make_parent_dirs(path) != 0) {
            snprintf(err, errn, "cannot create the directory for %s: %s", path,
                     strerror(errno));
            goto fail;
        }
        /* Create the file ourselves so that it is 0600 from the first
         * moment whatever the umask; an existing file keeps its mode (a
         * shared 0660 file stays shared; SQLite gives -wal and -shm the
         * database file's mode). */
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            created = true;
            if (fchmod(fd, 0600) != 0) {
                snprintf(err, errn, "cannot set the mode of %s: %s", path, strerror(errno));
                close(fd);
                goto fail;
            }
            close(fd);
        } else if (errno == ENOENT) {
            /* only a missing directory gives ENOENT with O_CREAT */
            snprintf(err, errn, "cannot create database %s: its directory does not "
                     "exist (create it first; only the default location's "
                     "directories are made)", path);
            goto fail;
        } else if (errno != EEXIST) {
            snprintf(err, errn, "cannot create database %s: %s", path, strerror(errno));
            goto fail;
        }
    }

    if (!created)
        side_files_make(path);
    /* NOMUTEX: a connection is used by one thread at a time (each part that
     * works in a thread of its own opens its own store), so SQLite need not
     * take a mutex on every call (17% of a statistics pass). */
    int oflags = (st->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
                 SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &st->db, oflags, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errn, "cannot open database %s: %s", path,
                 st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sq_install_handlers(st);
    if (!st->readonly && sqlite3_db_readonly(st->db, "main") == 1)
        st->file_readonly = true;

    long nobj = 0;
    if (sq_count_objects(st, &nobj) != STORE_OK && reopen_immutable(st, path) != STORE_OK) {
        snprintf(err, errn, "cannot open database %s: %s", path, st->err);
        goto fail;
    }
    const char *pragmas = sq_is_readonly(st)
        ? "PRAGMA foreign_keys = ON; PRAGMA query_only = ON;"
        : "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; "
          "PRAGMA journal_size_limit = 67108864; PRAGMA cache_size = -8000;";
    if (sq_exec_sql(st, pragmas, "setting up the connection") != STORE_OK) {
        snprintf(err, errn, "%s: %s", path, st->err);
        goto fail;
    }
    if (!sq_is_readonly(st)) {
        sqlite3_stmt *s;
        rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(s);
            bool wal = rc == SQLITE_ROW &&
                       sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), "wal") == 0;
            sqlite3_finalize(s);
            if (!wal) {
                if (rc == SQLITE_ROW)
                    sq_set_err(st, STORE_ERROR, "the file system does not support WAL mode");
                else
                    sq_fail(st, rc, "switching to WAL mode");
                snprintf(err, errn, "%s: %s", path, st->err);
                goto fail;
            }
        } else {
            sq_fail(st, rc, "switching to WAL mode");
            snprintf(err, errn, "%s: %s", path, st->err);
            goto fail;
        }
    }
    sq_side_files_fix(path);
    rc = sqlite3_create_function_v2(st->db, "imt_contains", 2,
                                    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sq_sql_contains,
                                    NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sq_fail(st, rc, "registering the search function");
        snprintf(err, errn, "%s: %s", path, st->err);
        goto fail;
    }
    if (sqlite3_create_function_v2(st->db, "imt_search_text", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sq_sql_search_text,
                                   NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(st->db, "imt_in_search", 2, SQLITE_UTF8, st,
                                   sq_sql_in_search, NULL, NULL, NULL) != SQLITE_OK) {
        sq_fail(st, sqlite3_errcode(st->db), "registering the search functions");
        snprintf(err, errn, "%s: %s", path, st->err);
        goto fail;
    }
    if (sqlite3_create_function_v2(st->db, "imt_audit_row_hash", -1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sq_sql_row_hash,
                                   NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(st->db, "imt_audit_chain", 2,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sq_sql_chain,
                                   NULL, NULL, NULL) != SQLITE_OK) {
        sq_fail(st, sqlite3_errcode(st->db), "registering the audit hash functions");
        snprintf(err, errn, "%s: %s", path, st->err);
        goto fail;
    }
    if (!sq_is_readonly(st))
        open_check(st);
    fu_default(&st->sched);
    fu_canonical(&st->sched, st->sched_text, sizeof st->sched_text);
    if (sq_migrate(st, path) != STORE_OK ||
        (!sq_is_readonly(st) && sq_chain_trigger(st) != STORE_OK) ||
        (!sq_is_readonly(st) && sq_chain_setup(st) != STORE_OK) ||
        prepare_all(st) != STORE_OK) {
        snprintf(err, errn, "%s", st->err);
        goto fail;
    }
    if (!(st->rres = calloc(1, sizeof *st->rres))) {
        snprintf(err, errn, "out of memory");
        goto fail;
    }
    /* The decision states follow the rule set: computed under another
     * version (or none yet), they are recomputed now, in one pass. */
    if (!sq_is_readonly(st)) {
        /* Another writer holding the lock past the busy timeout only
         * puts it off to the next open: the states are an index of the
         * decisions, never data (check compares them). */
        long n = 0;
        int rrc = sq_states_current(st) == 0 ? sq_recompute_states(st, false, &n)
                                              : sq_states_day(st);
        if (rrc != STORE_OK && rrc != STORE_BUSY && rrc != STORE_INTERRUPTED) {
            snprintf(err, errn, "%s: %s", path, st->err);
            goto fail;
        }
    }
    st->err[0] = '\0';
    st->created = created;
    return st;

fail:
    sq_free(st);
    if (created) {
        /* Leave things as they were: no empty file behind a failure. */
        char side[4096];
        unlink(path);
        snprintf(side, sizeof side, "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", path);
        unlink(side);
    }
    return NULL;
}

int sq_probe(const char *path, char *err, size_t errn)
{
    struct stat sb;
    if (stat(path, &sb) == 0)
        return STORE_OK;
    if (errno == ENOENT)
        return STORE_NOTFOUND;
    snprintf(err, errn, "cannot open database %s: %s", path, strerror(errno));
    return STORE_ERROR;
}

bool sq_created(const imt_backend *st)
{
    return st->created;
}

/* The file's real path: the same file by any name. */
int sq_identity(imt_backend *st, char *out, size_t n)
{
    char *rp = realpath(st->path, NULL);
    if (!rp)
        return sq_set_err(st, STORE_ERROR, "%s: %s", st->path, strerror(errno));
    snprintf(out, n, "%s", rp);
    free(rp);
    return STORE_OK;
}

int sq_display_name(imt_backend *st, char *out, size_t n)
{
    const char *b = strrchr(st->path, '/');
    snprintf(out, n, "%s", b ? b + 1 : st->path);
    return STORE_OK;
}

void sq_remove_files(const char *path)
{
    static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        char p[4096];
        if ((size_t)snprintf(p, sizeof p, "%s%s", path, sfx[i]) < sizeof p)
            unlink(p);
    }
}

void sq_close(imt_backend *st)
{
    if (!st)
        return;
    if (st->in_tx)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    if (!sq_is_readonly(st))
        sqlite3_exec(st->db, "PRAGMA optimize", NULL, NULL, NULL);
    sq_free(st);
}
