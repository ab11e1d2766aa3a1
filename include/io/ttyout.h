/* io/ttyout.h - a stream that makes whatever is written to it safe for a
 * terminal.  When standard output (or error) is a terminal, the command
 * line writes through it, so that no control byte in the data (a note
 * holding ESC ]0;title BEL or ESC [2J) can retitle, clear or reprogram the
 * user's terminal, whichever command prints it (export included).  Bytes
 * are shown as the interface shows them (core/textw.h): control
 * characters, DEL, C1 and invalid UTF-8 become visible placeholders;
 * newline and TAB pass (they move the cursor but cannot program the
 * terminal).  To a file or a pipe nothing is wrapped: the output stays
 * byte-faithful. */
#ifndef IMT_TTYOUT_H
#define IMT_TTYOUT_H

#include <stdbool.h>
#include <stdio.h>

/* A line-buffered stream writing the sanitised form of its input to dst
 * (ascii: the ASCII placeholders).  fclose() it to flush (dst stays
 * open).  NULL when out of memory. */
FILE *ttyout_open(FILE *dst, bool ascii);

#endif
