/* tui/place.c - the reviewer's place per database (see tui/place.h). */
#define _POSIX_C_SOURCE 200809L
#include "tui/place.h"
#include "io/atomicfile.h"
#include "io/xdg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int place_default_path(char *buf, size_t n)
{
    return xdg_path(XDG_STATE, "places", buf, n);
}

static int sort_key_of(const char *name)
{
    for (int k = 0; k < SORT_NKEYS; k++)
        if (strcmp(store_sort_name((imt_sort_key)k), name) == 0)
            return k;
    return -1;
}

int place_parse_line(const char *line, char *db, size_t dbn, place *p)
{
    const char *f[4];
    size_t len[4];
    const char *s = line;
    for (int i = 0; i < 4; i++) {
        const char *tab = strchr(s, '\t');
        if ((i < 3) != (tab != NULL))
            return -1;                  /* exactly four fields */
        f[i] = s;
        len[i] = tab ? (size_t)(tab - s) : strlen(s);
        s = tab ? tab + 1 : s + len[i];
    }
    if (len[0] == 0 || len[0] >= dbn || len[1] == 0 || len[1] >= sizeof p->case_id)
        return -1;
    char sortname[32];
    if (len[2] >= sizeof sortname)
        return -1;
    memcpy(sortname, f[2], len[2]);
    sortname[len[2]] = '\0';
    int k = sort_key_of(sortname);
    bool desc = len[3] == 4 && memcmp(f[3], "desc", 4) == 0;
    if (k < 0 || (!desc && !(len[3] == 3 && memcmp(f[3], "asc", 3) == 0)))
        return -1;
    memcpy(db, f[0], len[0]);
    db[len[0]] = '\0';
    memcpy(p->case_id, f[1], len[1]);
    p->case_id[len[1]] = '\0';
    p->sort.key = (imt_sort_key)k;
    p->sort.desc = desc;
    return 0;
}

/* Each line of the file at path (newline removed) to fn; stops when fn
 * returns non-zero.  No file: nothing.  Returns -1 (errno) when the file
 * exists but cannot be read, else 0. */
static int each_line(const char *path, int (*fn)(void *, char *), void *ctx)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int stop = 0, lines = 0;
    while (!stop && lines < PLACE_MAX * 2 && (n = getline(&line, &cap, f)) >= 0) {
        if (n > 0 && line[n - 1] == '\n')
            line[n - 1] = '\0';
        stop = fn(ctx, line);
        lines++;
    }
    int err = ferror(f);
    free(line);
    fclose(f);
    if (err) {
        errno = EIO;
        return -1;
    }
    return 0;
}

typedef struct {
    const char *db;
    place *p;
    int found;
} find_ctx;

static int find_line(void *vctx, char *line)
{
    find_ctx *x = vctx;
    char db[4096];
    place p;
    if (place_parse_line(line, db, sizeof db, &p) == 0 && strcmp(db, x->db) == 0) {
        *x->p = p;
        x->found = 1;
        return 1;
    }
    return 0;
}

int place_load(const char *path, const char *db, place *p)
{
    find_ctx x = { db, p, 0 };
    if (each_line(path, find_line, &x) != 0)
        return -1;
    return x.found;
}

typedef struct {
    const char *db;
    FILE *out;
    int kept;
} copy_ctx;

/* Copy the other databases' valid lines, up to PLACE_MAX - 1. */
static int copy_line(void *vctx, char *line)
{
    copy_ctx *x = vctx;
    char db[4096];
    place p;
    if (place_parse_line(line, db, sizeof db, &p) != 0 || strcmp(db, x->db) == 0)
        return 0;
    fprintf(x->out, "%s\n", line);
    return ++x->kept >= PLACE_MAX - 1;
}

int place_save(const char *path, const char *db, const place *p)
{
    if (!*db || !p->case_id[0] || strpbrk(db, "\t\r\n") || strpbrk(p->case_id, "\t\r\n") ||
        strlen(db) >= 4096 || p->sort.key < 0 || p->sort.key >= SORT_NKEYS) {
        errno = EINVAL;
        return -1;
    }
    if (af_make_parent_dirs(path) != 0)
        return -1;
    atomic_file af;
    if (af_open(&af, path) != 0)
        return -1;
    fprintf(af.f, "%s\t%s\t%s\t%s\n", db, p->case_id, store_sort_name(p->sort.key),
            p->sort.desc ? "desc" : "asc");
    copy_ctx x = { db, af.f, 0 };
    if (each_line(path, copy_line, &x) != 0) {
        af_abort(&af);
        return -1;
    }
    return af_commit(&af);
}
