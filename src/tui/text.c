/* tui/text.c - see tui/text.h: thin adapters over textw. */
#include "tui/text.h"

#include <stdlib.h>
#include <string.h>

#include "core/textw.h"

int tt_width(const char *s, bool utf8)
{
    return s ? textw_width_n(s, strlen(s), !utf8) : 0;
}

const char *tt_fit(const char *s, int width, bool pad, bool utf8,
                   char *buf, size_t n)
{
    if (n)
        buf[0] = '\0';
    textw_fit(s ? s : "", width, !utf8, pad, buf, n);
    return buf;
}

int tt_wrap(const char *s, int width, bool utf8,
            void (*line)(void *ctx, const char *start, size_t len), void *ctx)
{
    if (!s || width <= 0)
        return 0;
    int n = textw_wrap(s, width, !utf8, NULL, 0);
    if (n <= 0)
        return n;
    textw_line *v = calloc((size_t)n, sizeof *v);
    if (!v)
        return 0;
    n = textw_wrap(s, width, !utf8, v, n);
    for (int i = 0; i < n; i++)
        if (line)
            line(ctx, v[i].start, v[i].len);
    free(v);
    return n;
}
