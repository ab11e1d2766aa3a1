/* io/rulesout.h - text output of the recommend and rules commands. */
#ifndef IMT_RULESOUT_H
#define IMT_RULESOUT_H

#include <stdbool.h>
#include <stdio.h>

/* Text sanitised for the terminal (textw; ascii = the terminal is not
 * UTF-8, then "§" is written "sec. "), wrapped to width columns, prefix
 * on the first line and four spaces before each further line. */
void rules_fprint_wrapped(FILE *fp, const char *prefix, const char *text,
                          int width, bool ascii);
/* Whether stdout's locale (LC_CTYPE) is UTF-8. */
bool rules_utf8_locale(void);

#endif
