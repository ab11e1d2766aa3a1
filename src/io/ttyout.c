/* io/ttyout.c - see io/ttyout.h. */
#define _GNU_SOURCE
#include "io/ttyout.h"
#include "core/textw.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    FILE *dst;
    bool ascii;
    char pend[4];     /* an incomplete UTF-8 sequence held for the next write */
    size_t npend;
} ttyout;

/* How many bytes at the end of s[0..n) are the start of a UTF-8 sequence
 * that the next write may complete (0 if none). */
static size_t incomplete_tail(const unsigned char *s, size_t n)
{
    for (size_t back = 1; back <= 3 && back <= n; back++) {
        unsigned char b = s[n - back];
        if ((b & 0xC0) == 0x80)
            continue;                 /* a continuation byte: look further back */
        size_t need = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 && b <= 0xEF ? 3
                    : b >= 0xC2 && b <= 0xDF ? 2 : 1;
        return need > back ? back : 0;
    }
    return 0;
}

/* Write s[0..n) (no NUL, '\n' or '\t' inside) sanitised. */
static int put_run(ttyout *t, const char *s, size_t n)
{
    if (!n)
        return 0;
    char stackbuf[TEXTW_BUFSIZE(256)], in[257];
    if (n <= 256) {
        memcpy(in, s, n);
        in[n] = '\0';
        size_t o = textw_sanitize(in, stackbuf, sizeof stackbuf, t->ascii);
        return fwrite(stackbuf, 1, o, t->dst) == o ? 0 : -1;
    }
    char *cp = malloc(n + 1), *out = malloc(TEXTW_BUFSIZE(n));
    int rc = -1;
    if (cp && out) {
        memcpy(cp, s, n);
        cp[n] = '\0';
        size_t o = textw_sanitize(cp, out, TEXTW_BUFSIZE(n), t->ascii);
        rc = fwrite(out, 1, o, t->dst) == o ? 0 : -1;
    }
    free(cp);
    free(out);
    return rc;
}

static int put_all(ttyout *t, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != '\n' && c != '\t' && c != '\0')
            continue;
        if (put_run(t, s + start, i - start) != 0)
            return -1;
        if (c == '\0') {
            const char *nul = t->ascii ? "^@" : "\xE2\x90\x80";   /* U+2400 */
            if (fputs(nul, t->dst) == EOF)
                return -1;
        } else if (fputc(c, t->dst) == EOF) {
            return -1;
        }
        start = i + 1;
    }
    return put_run(t, s + start, n - start);
}

static ssize_t tty_write(void *cookie, const char *buf, size_t size)
{
    ttyout *t = cookie;
    size_t total = t->npend + size;
    char small[4096], *work = total <= sizeof small ? small : malloc(total);
    if (!work)
        return -1;
    memcpy(work, t->pend, t->npend);
    memcpy(work + t->npend, buf, size);
    size_t hold = incomplete_tail((const unsigned char *)work, total);
    int rc = put_all(t, work, total - hold);
    memcpy(t->pend, work + total - hold, hold);
    t->npend = hold;
    if (work != small)
        free(work);
    if (rc == 0 && fflush(t->dst) != 0)
        rc = -1;
    return rc == 0 ? (ssize_t)size : -1;
}

static int tty_close(void *cookie)
{
    ttyout *t = cookie;
    int rc = put_all(t, t->pend, t->npend);   /* a sequence never completed */
    if (fflush(t->dst) != 0)
        rc = -1;
    free(t);
    return rc == 0 ? 0 : EOF;
}

FILE *ttyout_open(FILE *dst, bool ascii)
{
    ttyout *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->dst = dst;
    t->ascii = ascii;
    cookie_io_functions_t io = { .read = NULL, .write = tty_write, .seek = NULL,
                                 .close = tty_close };
    FILE *f = fopencookie(t, "w", io);
    if (!f) {
        free(t);
        return NULL;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    return f;
}
