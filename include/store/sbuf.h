/* store/sbuf.h - a growing string for the SQL text the store engines
 * build from fixed fragments (column lists, filters, DDL), and for data
 * they send as a whole (COPY rows, the audit trail's JSON).  Never for
 * values inside SQL text: those are always bound parameters.  An allocation failure is
 * remembered (oom) and every later add does nothing, so a builder is
 * checked once, at the end. */
#ifndef IMT_STORE_SBUF_H
#define IMT_STORE_SBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *s;
    size_t len, cap;
    bool oom;
} sbuf;

void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* n bytes of s, as they are (no format: the fast path for long texts). */
void sb_put(sbuf *b, const char *s, size_t n);
void sb_free(sbuf *b);

#endif
