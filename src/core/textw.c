/* core/textw.c - terminal-safe text (see core/textw.h for the placeholder table). */
#include "core/textw.h"

#include <string.h>
#include <wchar.h>

#include "core/utf8.h"

#define CELL_MAX 48            /* one base character + a few combining marks */
#define MAX_MARKS 8            /* marks beyond this get their own cell        */

static size_t put_cp(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F));
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

/* Bidirectional controls can reorder what the terminal shows (the
 * "Trojan Source" problem), so they are shown as placeholders too. */
static bool bidi_control(unsigned cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

static const char hex[] = "0123456789ABCDEF";

/* Width of code point cp, or -1 when it must be replaced. */
static int cp_width(unsigned cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || bidi_control(cp))
        return -1;
    if (cp == 0x2028 || cp == 0x2029)
        return -1;
    return wcwidth((wchar_t)cp);
}

/* The placeholder of one unsafe unit (byte b if invalid, else cp). */
static size_t placeholder(char *o, bool invalid, unsigned v, bool ascii)
{
    if (ascii) {
        if (!invalid && v < 0x20) {
            o[0] = '^'; o[1] = (char)('@' + v); return 2;
        }
        if (!invalid && v == 0x7F) { o[0] = '^'; o[1] = '?'; return 2; }
        if (invalid || (v >= 0x80 && v < 0xA0)) {
            o[0] = '\\'; o[1] = 'x'; o[2] = hex[(v >> 4) & 15];
            o[3] = hex[v & 15];
            return 4;
        }
        o[0] = '?';
        return 1;
    }
    if (!invalid && v < 0x20) return put_cp(o, 0x2400 + v);
    if (!invalid && v == 0x7F) return put_cp(o, 0x2421);
    return put_cp(o, 0xFFFD);
}

static int placeholder_width(bool invalid, unsigned v, bool ascii)
{
    char tmp[8];
    if (!ascii) return 1;
    return (int)placeholder(tmp, invalid, v, ascii);
}

/* One display cell group at s: its safe bytes into out (CELL_MAX), its
 * width into *w; returns bytes of s consumed (>= 1). */
static size_t cell(const char *s, size_t n, bool ascii, char *out,
                   size_t *outlen, int *w)
{
    unsigned cp;
    int k = utf8_decode(s, n, &cp);
    if (k <= 0) {
        unsigned b = (unsigned char)s[0];
        *outlen = placeholder(out, true, b, ascii);
        *w = placeholder_width(true, b, ascii);
        return 1;
    }
    int cw = cp_width(cp);
    if (cw < 0) {
        *outlen = placeholder(out, false, cp, ascii);
        *w = placeholder_width(false, cp, ascii);
        return (size_t)k;
    }
    if (ascii) {
        out[0] = cp < 0x80 ? (char)cp : '?';
        *outlen = 1;
        *w = 1;
        return (size_t)k;
    }
    size_t o = 0, used = (size_t)k;
    int marks = 0;
    if (cw == 0) {
        /* a mark with no base: give it a dotted circle so it shows.  The
         * mark itself is the first of the cell's MAX_MARKS: the output is
         * U+25CC + marks, and measuring it again (textw_width) must find
         * the same one cell, not MAX_MARKS + 1 marks and a second cell. */
        o += put_cp(out, 0x25CC);
        cw = 1;
        marks = 1;
    }
    memcpy(out + o, s, (size_t)k);
    o += (size_t)k;
    for (; marks < MAX_MARKS && used < n; marks++) {
        unsigned m;
        int mk = utf8_decode(s + used, n - used, &m);
        if (mk <= 0 || cp_width(m) != 0)
            break;
        memcpy(out + o, s + used, (size_t)mk);
        o += (size_t)mk;
        used += (size_t)mk;
    }
    *outlen = o;
    *w = cw;
    return used;
}

static size_t append(char *out, size_t outn, size_t *o, const char *b,
                     size_t len)
{
    if (!out || *o + len + 1 > outn)
        return 0;
    memcpy(out + *o, b, len);
    *o += len;
    out[*o] = '\0';
    return len;
}

size_t textw_sanitize(const char *in, char *out, size_t outn, bool ascii)
{
    size_t o = 0, n = in ? strlen(in) : 0;
    if (outn) out[0] = '\0';
    for (size_t p = 0; p < n;) {
        char c[CELL_MAX];
        size_t cl;
        int w;
        p += cell(in + p, n - p, ascii, c, &cl, &w);
        if (!append(out, outn, &o, c, cl))
            break;
    }
    return o;
}

int textw_width_n(const char *in, size_t n, bool ascii)
{
    int total = 0;
    for (size_t p = 0; p < n;) {
        char c[CELL_MAX];
        size_t cl;
        int w;
        p += cell(in + p, n - p, ascii, c, &cl, &w);
        total += w;
    }
    return total;
}

int textw_width(const char *safe)
{
    return safe ? textw_width_n(safe, strlen(safe), false) : 0;
}

size_t textw_fit(const char *in, int cols, bool ascii, bool pad, char *out,
                 size_t outn)
{
    size_t o = 0, n = in ? strlen(in) : 0;
    if (outn) out[0] = '\0';
    if (cols <= 0 || !outn)
        return 0;
    const char *ell = ascii ? "~" : "\xE2\x80\xA6";   /* U+2026 */
    int total = textw_width_n(in, n, ascii);
    int budget = total <= cols ? cols : cols - 1;
    int w = 0;
    for (size_t p = 0; p < n;) {
        char c[CELL_MAX];
        size_t cl;
        int cw;
        p += cell(in + p, n - p, ascii, c, &cl, &cw);
        if (w + cw > budget)
            break;
        if (!append(out, outn, &o, c, cl))
            return o;           /* buffer full: stop at a cell boundary */
        w += cw;
    }
    if (total > cols) {
        if (!append(out, outn, &o, ell, strlen(ell)))
            return o;
        w += 1;
    }
    while (pad && w < cols && append(out, outn, &o, " ", 1))
        w++;
    return o;
}

static void emit(textw_line *lines, int maxlines, int *count,
                 const char *start, size_t len)
{
    if (lines && *count < maxlines) {
        lines[*count].start = start;
        lines[*count].len = len;
    }
    (*count)++;
}

int textw_wrap(const char *in, int cols, bool ascii, textw_line *lines,
               int maxlines)
{
    int count = 0;
    size_t n = in ? strlen(in) : 0;
    if (cols < 1) cols = 1;
    size_t ls = 0;          /* start of the current line                   */
    size_t sp = 0;          /* last space in the line (valid when has_sp)  */
    size_t sp_end = 0;      /* end of that space's cell (its marks too)    */
    bool has_sp = false;
    int w = 0, w_after_sp = 0;
    size_t p = 0;
    while (p < n) {
        if (in[p] == '\n') {
            emit(lines, maxlines, &count, in + ls, p - ls);
            ls = ++p;
            w = 0;
            has_sp = false;
            continue;
        }
        char c[CELL_MAX];
        size_t cl;
        int cw;
        size_t k = cell(in + p, n - p, ascii, c, &cl, &cw);
        while (w + cw > cols && w > 0) {
            if (has_sp) {
                emit(lines, maxlines, &count, in + ls, sp - ls);
                /* the next line starts after the whole space cell: a
                 * combining mark on the space must not start the line
                 * (it would be drawn on a U+25CC base, one column more
                 * than counted here) */
                ls = sp_end;
                w -= w_after_sp;
                has_sp = false;
            } else {
                emit(lines, maxlines, &count, in + ls, p - ls);
                ls = p;
                w = 0;
            }
        }
        if (in[p] == ' ') {
            sp = p;
            sp_end = p + k;
            has_sp = true;
            w_after_sp = w + cw;
        }
        w += cw;
        p += k;
    }
    if (p > ls)
        emit(lines, maxlines, &count, in + ls, p - ls);
    return count;
}
