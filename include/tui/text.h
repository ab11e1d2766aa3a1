/* tui/text.h - the interface's calls into core/textw.h (the one sanitiser of
 * database text), in the shape the panes use: utf8 = the terminal takes
 * UTF-8 (textw's ascii mode otherwise) and a callback wrap. */
#ifndef IMT_TUITEXT_H
#define IMT_TUITEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Display width of the sanitised form of s. */
int tt_width(const char *s, bool utf8);

/* Sanitise s into buf, at most width columns (ellipsis when cut), padded
 * with spaces to exactly width columns when pad.  Returns buf. */
const char *tt_fit(const char *s, int width, bool pad, bool utf8,
                   char *buf, size_t n);

/* Split s into lines of at most width columns (textw_wrap) and call
 * line(ctx, start, len) with each byte range of s.  Returns the number
 * of lines. */
int tt_wrap(const char *s, int width, bool utf8,
            void (*line)(void *ctx, const char *start, size_t len), void *ctx);

#endif
