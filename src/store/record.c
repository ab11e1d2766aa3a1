/* store/record.c - case records as every engine stores and audits them
 * (store/record.h). */
#define _GNU_SOURCE
#include "store/record.h"
#include "store/sbuf.h"
#include "core/utf8.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool rec_is_text(imt_ftype t)
{
    return t == FT_TEXT || t == FT_ID || t == FT_FUSION || t == FT_DATE || t == FT_TIMESTAMP;
}

int rec_enum_exact(const char *const *values, const char *s)
{
    if (!s)
        return IMT_UNKNOWN;
    for (int i = 0; values[i]; i++)
        if (strcmp(values[i], s) == 0)
            return i;
    return IMT_UNKNOWN;
}

void rec_normalise(imt_case *c)
{
    for (int f = 0; f < IMT_F_COUNT; f++) {
        if (!rec_is_text(imt_fields[f].type))
            continue;
        char **p = REC_FPTR(c, f, char *);
        if (*p && !**p) {
            free(*p);
            *p = NULL;
        }
    }
    if (c->review_status == IMT_UNKNOWN)
        c->review_status = REV_UNREVIEWED;
    imt_case_derive(c);
}

const char *rec_audit_text(const imt_case *c, int f, char *buf, size_t n)
{
    if (!imt_field_is_known(c, f))
        return NULL;
    if (rec_is_text(imt_fields[f].type))
        return *REC_FCPTR(c, f, char *);
    if (imt_fields[f].type == FT_ENUM)        /* no printf for a constant */
        return imt_fields[f].values[*REC_FCPTR(c, f, int)];
    if (imt_fields[f].type == FT_BOOL)
        return *REC_FCPTR(c, f, int) ? "yes" : "no";
    return imt_field_format(c, f, buf, n);
}

/* A growing text for the snapshot (no printf per character: building
 * snapshots byte by byte through sb_add was a third of an import). */
typedef struct {
    char *s;
    size_t len, cap;
    bool oom;
} jbuf;

static void jb_put(jbuf *b, const char *p, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 512;
        while (nc < b->len + n + 1)
            nc *= 2;
        char *ns = realloc(b->s, nc);
        if (!ns) {
            b->oom = true;
            return;
        }
        b->s = ns;
        b->cap = nc;
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* The values of a case as the audit trail records them at its creation:
 * a JSON object of every field the store does not derive and that is
 * known, by column name, each its canonical text (rec_audit_text); a
 * field the object does not name was unknown (check's replay reads it
 * so; snapshots written before also named the unknown ones, as null).
 * Control bytes are escaped; other bytes are kept as they are.  NULL
 * when out of memory. */
char *rec_case_snapshot(const imt_case *c)
{
    static const char hx[] = "0123456789abcdef";
    jbuf b = { 0 };
    jb_put(&b, "{", 1);
    int k = 0;
    for (int f = 0; f < IMT_F_COUNT; f++) {
        if (imt_fields[f].flags & FF_DERIVED)
            continue;
        char buf[64];
        const char *t = rec_audit_text(c, f, buf, sizeof buf);
        if (!t)
            continue;
        if (k++)
            jb_put(&b, ",", 1);
        jb_put(&b, "\"", 1);
        jb_put(&b, imt_fields[f].name, strlen(imt_fields[f].name));
        jb_put(&b, "\":\"", 3);
        const unsigned char *run = (const unsigned char *)t, *p = run;
        for (; *p; p++) {
            if (*p != '"' && *p != '\\' && *p >= 0x20 && *p != 0x7f)
                continue;
            jb_put(&b, (const char *)run, (size_t)(p - run));
            if (*p == '"' || *p == '\\') {
                char e[2] = { '\\', (char)*p };
                jb_put(&b, e, 2);
            } else {
                char e[6] = { '\\', 'u', '0', '0', hx[*p >> 4], hx[*p & 15] };
                jb_put(&b, e, 6);
            }
            run = p + 1;
        }
        jb_put(&b, (const char *)run, (size_t)(p - run));
        jb_put(&b, "\"", 1);
    }
    jb_put(&b, "}", 1);
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}


char *rec_fold(const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *o = malloc(2 * n + 1);    /* a lower-case form is at most 3/2 as long */
    size_t k = 0;
    if (!o)
        return NULL;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int len = utf8_decode(s + i, n - i, &cp);
        if (len <= 0) {
            o[k++] = s[i++];
            continue;
        }
        i += (size_t)len;
        cp = utf8_fold(cp);
        if (cp < 0x80) {
            o[k++] = (char)cp;
        } else if (cp < 0x800) {
            o[k++] = (char)(0xC0 | (cp >> 6));
            o[k++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            o[k++] = (char)(0xE0 | (cp >> 12));
            o[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            o[k++] = (char)(0x80 | (cp & 0x3F));
        } else {
            o[k++] = (char)(0xF0 | (cp >> 18));
            o[k++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            o[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            o[k++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    o[k] = '\0';
    return o;
}

const char *rec_safe(const char *s, char *buf, size_t n)
{
    size_t o = 0, len = s ? strlen(s) : 0;
    if (!s)
        return "(null)";
    for (size_t i = 0; i < len && o + 8 < n;) {
        uint32_t cp;
        int k = utf8_decode(s + i, len - i, &cp);
        if (k > 0 && cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0)) {
            memcpy(buf + o, s + i, (size_t)k);
            o += (size_t)k;
            i += (size_t)k;
        } else {
            o += (size_t)snprintf(buf + o, n - o, "\\x%02x", (unsigned char)s[i]);
            i++;
        }
        if (o > 120) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
    }
    buf[o] = '\0';
    return buf;
}

/* ---- replay ----------------------------------------------------------------- */

static void replay_reset(rec_replay *r)
{
    for (int f = 0; f < IMT_F_COUNT; f++) {
        free(r->state[f]);
        r->state[f] = NULL;
        r->known[f] = false;
    }
}

void rec_replay_start(rec_replay *r)
{
    memset(r, 0, sizeof *r);
}

int rec_replay_row(rec_replay *r, const char *field, const char *new_value,
                   const char *snapshot)
{
    if (snapshot) {
        /* A snapshot holds every known value of the case; a field it does
         * not name was unknown (older snapshots named those as null). */
        replay_reset(r);
        for (int f = 0; f < IMT_F_COUNT; f++)
            r->known[f] = !(imt_fields[f].flags & FF_DERIVED);
        r->base = true;
        json_error_t je;
        json_t *o = json_loads(snapshot, 0, &je);
        if (!o)
            return -1;
        if (json_is_object(o)) {
            const char *key;
            json_t *val;
            json_object_foreach(o, key, val) {
                int f = imt_field_find(key);
                if (f < 0 || (imt_fields[f].flags & FF_DERIVED))
                    continue;
                char num[64];
                const char *v = NULL;
                if (json_is_string(val))
                    v = json_string_value(val);
                else if (json_is_integer(val))
                    snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
                             json_integer_value(val)), v = num;
                else if (json_is_real(val))
                    snprintf(num, sizeof num, "%.17g", json_real_value(val)), v = num;
                else if (json_is_true(val) || json_is_false(val))
                    v = json_is_true(val) ? "1" : "0";
                free(r->state[f]);
                r->state[f] = v ? strdup(v) : NULL;
                r->known[f] = true;
            }
        }
        json_decref(o);
        return 0;
    }
    int f = field ? imt_field_find(field) : -1;
    if (f < 0 || (imt_fields[f].flags & FF_DERIVED) || !r->base)
        return 0;
    free(r->state[f]);
    r->state[f] = new_value ? strdup(new_value) : NULL;
    r->known[f] = true;
    return 0;
}

int rec_replay_finish(rec_replay *r, const imt_case *c, const char *id,
                      void (*report)(void *ctx, const char *msg), void *ctx)
{
    int n = 0;
    char msg[1024];
    if (!report) {
        /* only freeing the state */
    } else if (!r->base) {
        snprintf(msg, sizeof msg, "case '%s' has no record of its creation in the audit "
                 "trail: its history was removed, or it was added behind imtreview's back", id);
        report(ctx, msg);
        n++;
    } else {
        for (int f = 0; f < IMT_F_COUNT; f++) {
            if (!r->known[f])
                continue;
            char buf[64], b1[160], b2[160];
            const char *cur = rec_audit_text(c, f, buf, sizeof buf);
            const char *was = r->state[f];
            if ((cur == NULL) == (was == NULL) && (!cur || strcmp(cur, was) == 0))
                continue;
            snprintf(msg, sizeof msg, "case '%s': %s is %s%s%s but its history says %s%s%s "
                     "(changed behind imtreview's back)", id, imt_fields[f].name,
                     cur ? "'" : "", cur ? rec_safe(cur, b1, sizeof b1) : "unknown",
                     cur ? "'" : "", was ? "'" : "",
                     was ? rec_safe(was, b2, sizeof b2) : "unknown", was ? "'" : "");
            report(ctx, msg);
            n++;
        }
    }
    replay_reset(r);
    r->base = false;
    return n;
}
