/* io/rulesout.c - text output of the rules and recommendations
 * (io/rulesout.h): sanitised for the terminal and wrapped. */
#define _POSIX_C_SOURCE 200809L
#include "io/rulesout.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

#include "core/textw.h"

bool rules_utf8_locale(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* "§" -> "sec. " for a terminal that cannot show it. */
static char *ascii_section(const char *s)
{
    size_t n = strlen(s);
    char *t = malloc(n * 3 + 1), *o = t;
    if (!t)
        return NULL;
    for (const char *p = s; *p;) {
        if ((unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa7) {
            memcpy(o, "sec. ", 5);
            o += 5;
            p += 2;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return t;
}

void rules_fprint_wrapped(FILE *fp, const char *prefix, const char *text,
                          int width, bool ascii)
{
    char *tr = ascii ? ascii_section(text) : NULL;
    const char *src = tr ? tr : text;
    size_t n = strlen(src);
    char *safe = malloc(TEXTW_BUFSIZE(n));
    if (!safe) {
        free(tr);
        return;
    }
    textw_sanitize(src, safe, TEXTW_BUFSIZE(n), ascii);
    int pw = (int)strlen(prefix);
    const char *p = safe;
    bool first = true;
    while (*p == ' ')
        p++;
    while (*p) {
        int w = first ? width - pw : width - 4;
        textw_line ln;
        if (textw_wrap(p, w < 10 ? 10 : w, ascii, &ln, 1) < 1)
            break;
        if (ln.len == 0) {
            p++;
            continue;
        }
        fprintf(fp, "%s%.*s\n", first ? prefix : "    ", (int)ln.len, ln.start);
        p = ln.start + ln.len;
        while (*p == ' ')
            p++;
        first = false;
    }
    if (first)
        fprintf(fp, "%s\n", prefix);
    free(safe);
    free(tr);
}
