/* store/sqlite/backup.c - a consistent copy of a live database (online backup API). */
#define _GNU_SOURCE
#include "sqlite_int.h"

/* ---- backup ---------------------------------------------------------------
 * SQLite's online backup API copies the database page by page from one
 * read transaction: in WAL mode other sessions keep writing meanwhile and
 * the copy is the database as of one moment.  It goes to a temporary file
 * beside the target (mode 0600), is checked (PRAGMA quick_check), synced
 * and renamed into place, so a full disk or a kill never leaves a partial
 * FILE; an existing FILE is never replaced. */
static int fsync_path(const char *path, bool dir)
{
    int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int sq_backup(imt_backend *st, const char *dest)
{
    struct stat sb;
    if (lstat(dest, &sb) == 0)
        return sq_set_err(st, STORE_ERROR, "%s exists; a backup never replaces a file "
                       "(remove it, or give a new name)", dest);
    size_t n = strlen(dest);
    char *tmp = malloc(n + 16);
    if (!tmp)
        return sq_set_err(st, STORE_ERROR, "out of memory");
    snprintf(tmp, n + 16, "%s.tmp-XXXXXX", dest);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return sq_set_err(st, STORE_ERROR, "cannot create a file beside %s: %s", dest,
                       strerror(e));
    }
    close(fd);
    sqlite3 *out = NULL;
    int rc = STORE_ERROR;
    int src = sqlite3_open_v2(tmp, &out, SQLITE_OPEN_READWRITE, NULL);
    if (src != SQLITE_OK) {
        sq_set_err(st, STORE_ERROR, "cannot open %s: %s", tmp,
                out ? sqlite3_errmsg(out) : sqlite3_errstr(src));
        goto done;
    }
    sqlite3_backup *bk = sqlite3_backup_init(out, "main", st->db, "main");
    if (!bk) {
        sq_set_err(st, STORE_ERROR, "cannot start the backup: %s", sqlite3_errmsg(out));
        goto done;
    }
    /* One step over every page: one read transaction, nothing to restart
     * when another session commits meanwhile.  Busy (a checkpoint holding
     * a lock for a moment) is retried up to the busy timeout. */
    int waited = 0;
    for (;;) {
        src = sqlite3_backup_step(bk, -1);
        if (src != SQLITE_BUSY && src != SQLITE_LOCKED)
            break;
        if (waited >= st->busy_ms || (st->interrupt && st->interrupt(st->interrupt_ctx)))
            break;
        sqlite3_sleep(20);
        waited += 20;
    }
    int fin = sqlite3_backup_finish(bk);
    if (src != SQLITE_DONE) {
        int code = (src & 0xff) == SQLITE_FULL ? SQLITE_FULL : src;
        sq_set_err(st, STORE_ERROR, "backup failed: %s; no backup written",
                (src == SQLITE_BUSY || src == SQLITE_LOCKED) ? "the database is busy"
                : sqlite3_errstr(code));
        goto done;
    }
    if (fin != SQLITE_OK) {
        sq_set_err(st, STORE_ERROR, "backup failed: %s; no backup written", sqlite3_errmsg(out));
        goto done;
    }
    /* One self-contained file (no -wal beside it); a session that opens
     * it again turns WAL back on. */
    sqlite3_exec(out, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
    sqlite3_stmt *q = NULL;
    bool ok = sqlite3_prepare_v2(out, "PRAGMA quick_check", -1, &q, NULL) == SQLITE_OK &&
              sqlite3_step(q) == SQLITE_ROW &&
              strcmp((const char *)sqlite3_column_text(q, 0), "ok") == 0;
    sqlite3_finalize(q);
    if (!ok) {
        sq_set_err(st, STORE_ERROR, "the copy does not pass quick_check; no backup written");
        goto done;
    }
    if (sqlite3_close(out) != SQLITE_OK) {
        sq_set_err(st, STORE_ERROR, "cannot close the copy: %s; no backup written",
                sqlite3_errmsg(out));
        goto done;
    }
    out = NULL;
    if (st->interrupt && st->interrupt(st->interrupt_ctx)) {
        sq_set_err(st, STORE_INTERRUPTED, "interrupted; no backup written");
        goto done;
    }
    if (fsync_path(tmp, false) != 0 || link(tmp, dest) != 0) {
        /* link, not rename: a FILE made meanwhile by someone else is
         * never replaced either. */
        sq_set_err(st, STORE_ERROR, "cannot write %s: %s; no backup written", dest,
                strerror(errno));
        goto done;
    }
    {
        char *dir = strdup(dest);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (dir) {
            if (slash)
                slash[slash == dir ? 1 : 0] = '\0';
            fsync_path(slash ? dir : ".", true);
            free(dir);
        }
    }
    rc = STORE_OK;
done:
    if (out)
        sqlite3_close(out);
    sq_remove_files(tmp);
    free(tmp);
    return rc;
}
