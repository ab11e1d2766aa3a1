/* io/caseout.c - terminal-safe escaping and the JSON form of a case
 * (see io/caseout.h). */
#define _GNU_SOURCE
#include "io/caseout.h"
#include "core/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Code points that are not control bytes but still change what a
 * terminal or a viewer shows: C1 controls (a lone U+009B is CSI on some
 * terminals), the bidi overrides/isolates of "Trojan Source"
 * (CVE-2021-42574) and the Unicode line/paragraph separators. */
static bool cp_needs_escape(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

/* Escape into a growing buffer; out == NULL only measures. */
typedef struct {
    char  *p;
    size_t len;
    FILE  *fp;
    int    err;
} sink;

static void put(sink *s, const char *b, size_t n)
{
    if (s->fp) {
        if (n && fwrite(b, 1, n, s->fp) != n)
            s->err = 1;
        return;
    }
    if (s->p)
        memcpy(s->p + s->len, b, n);
    s->len += n;
}

static void escape_into(sink *s, const char *str, size_t n, unsigned flags)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, run = 0;   /* run: bytes at str+i-run that need no escape */
    while (i < n) {
        unsigned char c = (unsigned char)str[i];
        char esc[8];
        size_t elen = 0, used = 1;
        if (c == '\\') {
            esc[0] = '\\'; esc[1] = '\\'; elen = 2;
        } else if (c == '\n') {
            if (flags & CASEOUT_KEEP_NL) { i++; run++; continue; }
            esc[0] = '\\'; esc[1] = 'n'; elen = 2;
        } else if (c == '\t') {
            esc[0] = '\\'; esc[1] = 't'; elen = 2;
        } else if (c == '\r') {
            esc[0] = '\\'; esc[1] = 'r'; elen = 2;
        } else if (c < 0x20 || c == 0x7F) {
            esc[0] = '\\'; esc[1] = 'x'; esc[2] = hex[c >> 4]; esc[3] = hex[c & 15];
            elen = 4;
        } else if (c >= 0x80) {
            uint32_t cp;
            int k = utf8_decode(str + i, n - i, &cp);
            if (k == 0) {
                esc[0] = '\\'; esc[1] = 'x'; esc[2] = hex[c >> 4]; esc[3] = hex[c & 15];
                elen = 4;
            } else if (cp_needs_escape(cp)) {
                esc[0] = '\\'; esc[1] = 'u';
                esc[2] = hex[cp >> 12 & 15]; esc[3] = hex[cp >> 8 & 15];
                esc[4] = hex[cp >> 4 & 15]; esc[5] = hex[cp & 15];
                elen = 6;
                used = (size_t)k;
            } else {
                i += (size_t)k;
                run += (size_t)k;
                continue;
            }
        } else {
            i++;
            run++;
            continue;
        }
        put(s, str + i - run, run);
        run = 0;
        put(s, esc, elen);
        i += used;
    }
    put(s, str + i - run, run);
}

int caseout_escape(FILE *fp, const char *s, size_t n, unsigned flags)
{
    sink k = { .fp = fp };
    escape_into(&k, s, n, flags);
    return k.err ? -1 : 0;
}

char *caseout_escape_str(const char *s)
{
    size_t n = strlen(s);
    sink k = { 0 };
    escape_into(&k, s, n, 0);
    char *out = malloc(k.len + 1);
    if (!out)
        return NULL;
    k.p = out;
    k.len = 0;
    escape_into(&k, s, n, 0);
    out[k.len] = '\0';
    return out;
}

/* A JSON string even from bytes that are not valid UTF-8 (the importer
 * refuses those, but a database edited by other tools might hold some):
 * each invalid byte becomes U+FFFD, as jansson accepts only UTF-8. */
static json_t *json_text(const char *s)
{
    size_t n = strlen(s);
    if (utf8_valid(s, n))
        return json_stringn(s, n);
    char *fixed = malloc(n * 3 + 1);
    if (!fixed)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (k == 0 || cp == 0) {
            memcpy(fixed + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        } else {
            memcpy(fixed + o, s + i, (size_t)k);
            o += (size_t)k;
            i += (size_t)k;
        }
    }
    json_t *j = json_stringn(fixed, o);
    free(fixed);
    return j;
}

size_t caseout_json_flags(const imt_case *c)
{
    /* jansson prints every real of one dump with the same "%.*g"; 15 digits
     * keep 12.5 and 0.1 short, but turned 12.345678901234567 into
     * 12.3456789012346, another value than the one stored and exported. */
    int prec = 15;
    for (int f = 0; f < imt_nfields && prec < 17; f++) {
        if (imt_fields[f].type != FT_DEC || !imt_field_is_known(c, f))
            continue;
        double v = ((const imt_num *)(const void *)((const char *)c + imt_fields[f].offset))->v;
        for (int p = prec; p <= 17; p++) {
            char b[40];
            snprintf(b, sizeof b, "%.*g", p, v);
            if (p == 17 || strtod(b, NULL) == v) {
                prec = p;
                break;
            }
        }
    }
    return JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(prec);
}

json_t *caseout_json(const imt_case *c, bool with_discordant)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    for (int f = 0; f < imt_nfields; f++) {
        const imt_field *fd = &imt_fields[f];
        const char *base = (const char *)c + fd->offset;
        json_t *v;
        if (!imt_field_is_known(c, f)) {
            v = json_null();
        } else {
            switch (fd->type) {
            case FT_DEC:
                v = json_real(((const imt_num *)(const void *)base)->v);
                break;
            case FT_INT:
                v = json_integer((json_int_t)((const imt_num *)(const void *)base)->v);
                break;
            case FT_BOOL:
                v = json_boolean(*(const int *)(const void *)base);
                break;
            case FT_ENUM:
                v = json_string(fd->values[*(const int *)(const void *)base]);
                break;
            default:
                v = json_text(*(const char *const *)(const void *)base);
                break;
            }
        }
        if (!v || json_object_set_new(o, fd->name, v) != 0)
            bad = 1;
    }
    if (with_discordant &&
        json_object_set_new(o, "alk_discordant", json_boolean(c->alk_discordant)) != 0)
        bad = 1;
    if (json_object_set_new(o, "next_due", c->next_due[0] ? json_string(c->next_due)
                                                          : json_null()) != 0)
        bad = 1;
    if (c->version > 0) {
        /* What the store keeps beside the dictionary (issue 10). */
        static const char *const dstate[] = { "decided", "undecided", "stale" };
        json_t *rc = c->review_comment ? json_text(c->review_comment) : json_null();
        json_t *sn = c->signer_name ? json_text(c->signer_name) : json_null();
        if (json_object_set_new(o, "version", json_integer((json_int_t)c->version)) != 0 ||
            json_object_set_new(o, "review_comment", rc) != 0 ||
            json_object_set_new(o, "signer_name", sn) != 0 ||
            json_object_set_new(o, "decision_state", c->decision_state >= 0 &&
                                c->decision_state < 3 ? json_string(dstate[c->decision_state])
                                                      : json_null()) != 0)
            bad = 1;
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *caseout_events_json(const imt_course *co)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    for (int i = 0; co && i < co->n; i++) {
        const imt_event *e = &co->v[i];
        json_t *o = json_object();
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
        for (int col = 0; col < EVC_N; col++) {
            char buf[64];
            const char *t = ev_cell(e, col, buf, sizeof buf);
            json_t *v;
            if (col == EVC_LINE)
                v = e->line > 0 ? json_integer(e->line) : json_null();
            else
                v = t && *t ? json_text(t) : json_null();
            if (!v || json_object_set_new(o, ev_columns[col], v) != 0) {
                json_decref(arr);
                return NULL;
            }
        }
    }
    return arr;
}
