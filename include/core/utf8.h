/* core/utf8.h - UTF-8 validation and counting (no locale dependence). */
#ifndef IMT_UTF8_H
#define IMT_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decode one code point from s (n bytes available).  Returns the number of
 * bytes used (1-4) and stores the code point in *cp, or returns 0 on an
 * invalid or truncated sequence (overlongs, surrogates and values above
 * U+10FFFF are invalid). */
int utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Whether the n bytes are valid UTF-8 (NUL bytes count as invalid). */
bool utf8_valid(const char *s, size_t n);

/* Number of code points in valid UTF-8. */
size_t utf8_count(const char *s, size_t n);

/* The case-folded code point of cp for case-insensitive search: one code
 * point to one, every cased script, from libunistring's case mappings
 * (lower of upper); U+0130 and U+0131 fold to 'i'.  Independent of the
 * locale. */
uint32_t utf8_fold(uint32_t cp);

#endif
