/* core/filter.c - parse, describe and cycle case filters. */
#include "core/filter.h"
#include "core/imtcase.h"
#include "core/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const kind_names[FILTER_NKINDS] = { "site", "alk", "outcome", "status",
                                                       "followup", "decision" };
const char *const imt_followup_values[] = { "due", "overdue", NULL };
const char *const filter_decision_values[] = { "undecided", "stale", "decided", NULL };

const char *filter_kind_name(imt_filter_kind k) { return kind_names[k]; }

const char *const *filter_kind_values(imt_filter_kind k)
{
    switch (k) {
    case FILTER_SITE: return imt_site_values;
    case FILTER_ALK: return imt_alk_values;
    case FILTER_OUTCOME: return imt_outcome_values;
    case FILTER_FOLLOWUP: return imt_followup_values;
    case FILTER_DECISION: return filter_decision_values;
    default: return imt_review_values;
    }
}

unsigned *filter_mask(imt_filter *f, imt_filter_kind k)
{
    switch (k) {
    case FILTER_SITE: return &f->site_mask;
    case FILTER_ALK: return &f->alk_mask;
    case FILTER_OUTCOME: return &f->outcome_mask;
    case FILTER_FOLLOWUP: return &f->followup_mask;
    case FILTER_DECISION: return &f->decision_mask;
    default: return &f->status_mask;
    }
}

static const unsigned *filter_cmask(const imt_filter *f, imt_filter_kind k)
{
    return filter_mask((imt_filter *)f, k);
}

static void join_values(const char *const *v, char *buf, size_t n)
{
    buf[0] = '\0';
    for (int i = 0; v[i]; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", i ? "," : "", v[i]);
    }
}

int filter_parse(imt_filter *f, imt_filter_kind k, const char *list,
                 char *err, size_t errn)
{
    const char *const *vals = filter_kind_values(k);
    unsigned mask = 0;
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[64];
        /* trim spaces */
        while (len && *p == ' ') { p++; len--; }
        while (len && p[len - 1] == ' ') len--;
        int idx = -1;
        if (len && len < sizeof item) {
            memcpy(item, p, len);
            item[len] = '\0';
            idx = imt_enum_find(vals, item);
        }
        if (idx < 0) {
            char allowed[256];
            join_values(vals, allowed, sizeof allowed);
            snprintf(err, errn, "unknown %s value '%.*s' (allowed: %s)",
                     kind_names[k], (int)(len > 40 ? 40 : len), p, allowed);
            return -1;
        }
        mask |= 1u << idx;
        if (!comma)
            break;
        p = comma + 1;
    }
    *filter_mask(f, k) = mask;
    return 0;
}

void filter_set_search(imt_filter *f, const char *text)
{
    size_t n = strlen(text);
    if (n >= IMT_SEARCH_MAX) {
        n = IMT_SEARCH_MAX - 1;
        while (n && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--; /* do not cut a UTF-8 sequence */
    }
    memcpy(f->search, text, n);
    f->search[n] = '\0';
}

bool filter_is_empty(const imt_filter *f)
{
    return !f->site_mask && !f->alk_mask && !f->outcome_mask &&
           !f->status_mask && !f->followup_mask && !f->decision_mask && !f->search[0];
}

/* Append to buf (size n) at *len, which keeps counting past n when the
 * text is cut, without ever pointing past the end of buf. */
static void append(char *buf, size_t n, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
    size_t at = *len < n ? *len : n;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + at, n - at, fmt, ap);
    va_end(ap);
    if (w > 0)
        *len += (size_t)w;
}

const char *filter_describe(const imt_filter *f, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < FILTER_NKINDS; k++) {
        unsigned m = *filter_cmask(f, (imt_filter_kind)k);
        if (!m)
            continue;
        const char *const *vals = filter_kind_values((imt_filter_kind)k);
        append(buf, n, &len, "%s%s=", len ? " " : "", kind_names[k]);
        bool first = true;
        for (int i = 0; vals[i]; i++) {
            if (!(m & (1u << i)))
                continue;
            append(buf, n, &len, "%s%s", first ? "" : ",", vals[i]);
            first = false;
        }
    }
    if (f->search[0])
        append(buf, n, &len, "%ssearch=\"%s\"", len ? " " : "", f->search);
    return buf;
}

void filter_cycle(imt_filter *f, imt_filter_kind k)
{
    unsigned *m = filter_mask(f, k);
    const char *const *vals = filter_kind_values(k);
    int count = 0;
    while (vals[count])
        count++;
    /* Exactly one bit set: move to the next value; otherwise (all, or a
     * multi-value pick from the menu) start at the first value. */
    if (*m && !(*m & (*m - 1))) {
        int i = __builtin_ctz(*m);
        *m = (i + 1 < count) ? 1u << (i + 1) : 0;
    } else {
        *m = 1u;
    }
}
