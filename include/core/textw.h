/* core/textw.h - terminal-safe text: database UTF-8 -> display cells.
 *
 * Every string from the database goes through textw before it reaches a
 * curses window.  Control characters (C0 incl. TAB/NL in single-line
 * contexts, DEL, C1, ESC) and invalid UTF-8 become visible placeholders,
 * so no escape sequence in a note can reach the terminal:
 *   UTF-8 mode: C0 c -> U+2400+c (ESC -> U+241B), DEL -> U+2421,
 *               C1 -> U+FFFD, invalid byte -> U+FFFD (one per byte),
 *               non-printable (wcwidth < 0) -> U+FFFD.
 *   ASCII mode: C0 -> caret "^@".."^_" (ESC "^["), DEL "^?",
 *               C1 and invalid bytes -> "\xNN", any other non-ASCII -> "?".
 * Widths come from wcwidth() under the process's LC_CTYPE (the CLI sets
 * setlocale(LC_CTYPE, ""); tests use "C.UTF-8").  Combining marks (width
 * 0) stay attached to the character before them; a combining mark with
 * nothing before it gets a U+25CC base so it is visible.
 * Everything is allocation-free: the caller owns every buffer.  Outputs
 * are NUL-terminated and truncated safely (never mid-character) when the
 * buffer is short. */
#ifndef IMT_TEXTW_H
#define IMT_TEXTW_H

#include <stdbool.h>
#include <stddef.h>

/* Buffer size that always fits the sanitised form of n input bytes. */
#define TEXTW_BUFSIZE(n) ((n) * 4 + 8)

/* Sanitise in (single-line: '\n' and '\t' become placeholders) into out.
 * Returns the length written (excluding NUL). */
size_t textw_sanitize(const char *in, char *out, size_t outn, bool ascii);

/* Display width in columns of text that is already safe (textw output). */
int textw_width(const char *safe);

/* Sanitise + truncate to at most cols columns (ellipsis "…" / "~" in
 * ASCII mode when cut) + pad with spaces to exactly cols when pad.
 * Never splits a wide character or a combining sequence.  Returns the
 * length written.  cols <= 0 gives "". */
size_t textw_fit(const char *in, int cols, bool ascii, bool pad,
                 char *out, size_t outn);

/* One wrapped line: a byte range of the original input (to be drawn with
 * textw_fit(.., cols, ..)).  The range never holds '\n'. */
typedef struct {
    const char *start;
    size_t      len;
} textw_line;

/* Multi-line wrap: lines of at most cols columns, broken at spaces when
 * possible, long words hard-split, explicit '\n' always a break.  Fills
 * up to maxlines entries (lines may be NULL with maxlines 0 to count) and
 * returns the total number of lines (which may exceed maxlines). */
int textw_wrap(const char *in, int cols, bool ascii, textw_line *lines,
               int maxlines);

/* Width of the sanitised form of the n bytes at in (no NUL needed). */
int textw_width_n(const char *in, size_t n, bool ascii);

#endif
