/* store/sbuf.c - see store/sbuf.h. */
#include "store/sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for n more bytes and a NUL; false (oom set) when there is none. */
static bool room(sbuf *b, size_t n)
{
    if (b->s && b->len + n + 1 <= b->cap)
        return true;
    size_t nc = b->cap ? b->cap * 2 : 256;
    while (nc < b->len + n + 1)
        nc *= 2;
    char *ns = realloc(b->s, nc);
    if (!ns) {
        b->oom = true;
        return false;
    }
    b->s = ns;
    b->cap = nc;
    return true;
}

void sb_add(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        if (!room(b, (size_t)n))
            return;
    }
}

void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->oom || !room(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_free(sbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}
