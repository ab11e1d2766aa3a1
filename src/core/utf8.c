/* core/utf8.c - strict UTF-8 decoding (RFC 3629). */
#include "core/utf8.h"

#include <unicase.h>

int utf8_decode(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    int len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if ((size_t)len > n)
        return 0;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

bool utf8_valid(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (k == 0 || cp == 0)
            return false;
        i += (size_t)k;
    }
    return true;
}

size_t utf8_count(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

/* Case folding for search, from libunistring (Debian's libunistring, the
 * GNU Unicode library, kept current with the Unicode data) rather than a
 * table of our own: upper-case, then lower-case, so every member of a case
 * class lands on one code point (ς, σ and Σ; ſ, s and S; K, k and the
 * Kelvin sign; ǅ, Ǆ and ǆ).  U+0130 (İ) lower-cases to 'i', and so does
 * U+0131 (ı) through 'I'.  One code point to one: ß stays ß. */
uint32_t utf8_fold(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    return uc_tolower(uc_toupper(cp));
}
