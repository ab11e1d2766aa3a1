/* io/settings.c - key = value settings file, saved atomically. */
#define _POSIX_C_SOURCE 200809L
#include "io/settings.h"
#include "io/atomicfile.h"
#include "io/xdg.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int settings_default_path(char *buf, size_t n)
{
    return xdg_path(XDG_CONFIG, "settings", buf, n);
}

static bool key_ok(const char *k)
{
    if (!*k || strlen(k) >= SETTINGS_KEYLEN)
        return false;
    for (const char *p = k; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
            return false;
    return true;
}

static bool val_ok(const char *v)
{
    if (strlen(v) >= SETTINGS_VALLEN)
        return false;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return false;
    return true;
}

static void warn(settings *s, const char *fname, int line, const char *what)
{
    if (s->nwarnings++ == 0)
        snprintf(s->warning, sizeof s->warning, "%.250s:%d: %s", fname, line,
                 what);
}

const char *settings_get(const settings *s, const char *key)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->e[i].key, key) == 0)
            return s->e[i].val;
    return NULL;
}

int settings_set(settings *s, const char *key, const char *val)
{
    if (!key_ok(key) || !val_ok(val))
        return -1;
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->e[i].key, key) == 0) {
            snprintf(s->e[i].val, sizeof s->e[i].val, "%s", val);
            return 0;
        }
    if (s->n >= SETTINGS_MAX)
        return -1;
    snprintf(s->e[s->n].key, SETTINGS_KEYLEN, "%s", key);
    snprintf(s->e[s->n].val, SETTINGS_VALLEN, "%s", val);
    s->n++;
    return 0;
}

static char *trim(char *p)
{
    while (isspace((unsigned char)*p)) p++;
    char *e = p + strlen(p);
    while (e > p && isspace((unsigned char)e[-1])) *--e = '\0';
    return p;
}

void settings_parse(settings *s, const char *text, const char *fname)
{
    int lineno = 0;
    const char *p = text;
    while (*p) {
        lineno++;
        size_t len = strcspn(p, "\n");
        char buf[SETTINGS_KEYLEN + SETTINGS_VALLEN + 64];
        if (len >= sizeof buf) {
            warn(s, fname, lineno, "line too long, ignored");
        } else {
            memcpy(buf, p, len);
            buf[len] = '\0';
            char *l = trim(buf);
            char *eq = strchr(l, '=');
            if (*l == '\0' || *l == '#') {
                /* blank or comment */
            } else if (!eq) {
                warn(s, fname, lineno, "expected 'key = value', ignored");
            } else {
                *eq = '\0';
                char *k = trim(l), *v = trim(eq + 1);
                if (settings_set(s, k, v) != 0)
                    warn(s, fname, lineno, "bad key or value, ignored");
            }
        }
        p += len;
        if (*p == '\n') p++;
    }
}

#define SETTINGS_FILE_MAX (64 * 1024)

int settings_load(settings *s, const char *path)
{
    memset(s, 0, sizeof *s);
    if (path)
        snprintf(s->path, sizeof s->path, "%s", path);
    else if (settings_default_path(s->path, sizeof s->path) != 0)
        s->path[0] = '\0';
    if (!s->path[0])
        return 0;
    FILE *f = fopen(s->path, "r");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        snprintf(s->warning, sizeof s->warning, "%.250s: %s", s->path,
                 strerror(errno));
        s->nwarnings++;
        return -1;
    }
    char *text = malloc(SETTINGS_FILE_MAX + 1);
    size_t n = text ? fread(text, 1, SETTINGS_FILE_MAX, f) : 0;
    int rc = 0;
    if (!text || ferror(f)) {
        snprintf(s->warning, sizeof s->warning, "%.250s: cannot read",
                 s->path);
        s->nwarnings++;
        rc = -1;
    } else {
        text[n] = '\0';
        /* a NUL byte ends the text; what follows is not settings */
        settings_parse(s, text, s->path);
    }
    free(text);
    fclose(f);
    return rc;
}

int settings_save(const settings *s, char *err, size_t errn)
{
    if (errn) err[0] = '\0';
    if (!s->path[0]) {
        snprintf(err, errn, "no settings path (HOME unset)");
        errno = ENOENT;
        return -1;
    }
    if (af_make_parent_dirs(s->path) != 0) {
        int e = errno;
        snprintf(err, errn, "%.200s: cannot create its directory: %s", s->path, strerror(e));
        errno = e;
        return -1;
    }
    atomic_file af;
    if (af_open(&af, s->path) != 0) {
        int e = errno;
        snprintf(err, errn, "%.200s: %s", s->path, strerror(e));
        errno = e;
        return -1;
    }
    fprintf(af.f, "# imtreview settings (rewritten by the program; "
                  "unknown keys are kept)\n");
    for (int i = 0; i < s->n; i++)
        fprintf(af.f, "%s = %s\n", s->e[i].key, s->e[i].val);
    if (af_commit(&af) != 0) {
        int e = errno;
        snprintf(err, errn, "%.200s: %s", s->path, strerror(e));
        errno = e;
        return -1;
    }
    return 0;
}
