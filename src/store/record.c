/* store/record.c - case records as every engine stores and audits them
 * (store/record.h). */
#define _GNU_SOURCE
#include "store/record.h"
#include "store/store.h"
#include "store/sbuf.h"
#include "core/utf8.h"
#include "core/events.h"
#include "core/followup.h"

#include <jansson.h>
#include <stdarg.h>
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

/* t as a JSON string, quotes included, into b: control bytes, quote and
 * backslash escaped, runs of other bytes appended as they are (no printf
 * per character: building snapshots byte by byte through sb_add was a
 * third of an import).  The audit trail's snapshots and event values. */
static void json_str(sbuf *b, const char *t)
{
    static const char hx[] = "0123456789abcdef";
    sb_put(b, "\"", 1);
    const unsigned char *run = (const unsigned char *)t, *p = run;
    for (; *p; p++) {
        if (*p != '"' && *p != '\\' && *p >= 0x20 && *p != 0x7f)
            continue;
        sb_put(b, (const char *)run, (size_t)(p - run));
        if (*p == '"' || *p == '\\') {
            char e[2] = { '\\', (char)*p };
            sb_put(b, e, 2);
        } else {
            char e[6] = { '\\', 'u', '0', '0', hx[*p >> 4], hx[*p & 15] };
            sb_put(b, e, 6);
        }
        run = p + 1;
    }
    sb_put(b, (const char *)run, (size_t)(p - run));
    sb_put(b, "\"", 1);
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
    sbuf b = { 0 };
    sb_put(&b, "{", 1);
    int k = 0;
    for (int f = 0; f < IMT_F_COUNT; f++) {
        if (imt_fields[f].flags & FF_DERIVED)
            continue;
        char buf[64];
        const char *t = rec_audit_text(c, f, buf, sizeof buf);
        if (!t)
            continue;
        if (k++)
            sb_put(&b, ",", 1);
        json_str(&b, imt_fields[f].name);
        sb_put(&b, ":", 1);
        json_str(&b, t);
    }
    sb_put(&b, "}", 1);
    if (b.oom) {
        sb_free(&b);
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

/* The event as the audit trail records it: a JSON object of its id and
 * every column (canonical text, null when unknown).  NULL on OOM. */
char *rec_event_json(const imt_event *e)
{
    sbuf b = { 0 };
    sb_add(&b, "{\"id\":%lld", e->id);
    for (int col = 0; col < EVC_N; col++) {
        char buf[64];
        const char *t = ev_cell(e, col, buf, sizeof buf);
        sb_put(&b, ",", 1);
        json_str(&b, ev_columns[col]);
        sb_put(&b, ":", 1);
        if (!t || !*t)
            sb_put(&b, "null", 4);
        else
            json_str(&b, t);
    }
    sb_put(&b, "}", 1);
    if (b.oom) {
        sb_free(&b);
        return NULL;
    }
    return b.s;
}

/* The operation of a course edit is one the engines know, with a typed
 * event where it takes one: STORE_OK, else STORE_ERROR and msg. */
int rec_course_op_valid(int op, const imt_event *e, char *msg, size_t n)
{
    if (op != COURSE_ADD && op != COURSE_UPDATE && op != COURSE_REMOVE) {
        snprintf(msg, n, "internal: no course operation %d", op);
        return STORE_ERROR;
    }
    if (op != COURSE_REMOVE && (!e || e->type < 0 || e->type >= EV_NTYPES)) {
        snprintf(msg, n, "an event needs a type");
        return STORE_ERROR;
    }
    return STORE_OK;
}

int rec_course_edit(const imt_case *c, imt_course *before, int op, long long id,
                    const imt_event *e, imt_course *after, char *msg, size_t n)
{
    course_init(after);
    int at = -1;
    for (int i = 0; i < before->n; i++) {
        if (op == COURSE_ADD || before->v[i].id != id) {
            if (course_add(after, &before->v[i]) != 0)
                goto oom;
            continue;
        }
        at = i;
        if (op == COURSE_UPDATE) {
            if (course_add(after, e) != 0)
                goto oom;
            after->v[after->n - 1].id = id;
            snprintf(after->v[after->n - 1].case_id, sizeof after->v[0].case_id, "%s",
                     c->case_id);
        }
    }
    if (op != COURSE_ADD && at < 0) {
        snprintf(msg, n, "case '%.64s' has no event %lld (removed by someone else?)",
                 c->case_id, id);
        return STORE_NOTFOUND;
    }
    if (op == COURSE_ADD) {
        if (course_add(after, e) != 0)
            goto oom;
        after->v[after->n - 1].id = 0;
        snprintf(after->v[after->n - 1].case_id, sizeof after->v[0].case_id, "%s", c->case_id);
    }
    course_sort(before, c);
    course_sort(after, c);
    int ev = -1, col = -1;
    char why[400];
    if (course_validate_new(c, before, c, after, &ev, &col, why, sizeof why)) {
        snprintf(msg, n, "%s%s%s", col >= 0 ? ev_columns[col] : "", col >= 0 ? ": " : "", why);
        return STORE_ERROR;
    }
    return STORE_OK;
oom:
    snprintf(msg, n, "out of memory");
    return STORE_ERROR;
}

/* The course an imported course leaves (store_course_import): stored
 * (unless replace) and add, sorted oldest first into out (initialised
 * here).  0, -1 when out of memory. */
int rec_course_merged(const imt_case *c, const imt_course *stored, bool replace,
                      const imt_course *add, imt_course *out)
{
    course_init(out);
    for (int i = 0; !replace && i < stored->n; i++)
        if (course_add(out, &stored->v[i]) != 0)
            return -1;
    for (int i = 0; i < add->n; i++)
        if (course_add(out, &add->v[i]) != 0)
            return -1;
    course_sort(out, c);
    return 0;
}

/* ---- check: a case's course (both engines) ---------------------------------- */

typedef struct {
    const char *id;
    const imt_course *co;
    void (*problem)(void *ctx, const char *msg);
    void *ctx;
} course_chk;

static void course_say(course_chk *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void course_say(course_chk *x, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    x->problem(x->ctx, msg);
}

static void course_problem(void *vctx, int ev, int col, const char *msg)
{
    course_chk *x = vctx;
    char w[32] = "", b1[400];
    if (ev >= 0)
        ev_format_cell(&x->co->v[ev], EVC_DATE, w, sizeof w);
    course_say(x, "case '%s': %s%s%s%s%s: %s", x->id, ev >= 0 ? "the event of " : "the course",
               ev >= 0 ? w : "", ev >= 0 && col >= 0 ? ", column '" : "",
               ev >= 0 && col >= 0 ? ev_columns[col] : "", ev >= 0 && col >= 0 ? "'" : "",
               rec_safe(msg, b1, sizeof b1));
}

static void consistency_problem(void *vctx, int field, const char *msg)
{
    course_chk *x = vctx;
    char b1[400];
    course_say(x, "case '%s': column '%s' %s (the one-row field and the course disagree)",
               x->id, imt_fields[field].name, rec_safe(msg, b1, sizeof b1));
}

void rec_check_course(const imt_case *c, const imt_course *co, const fu_schedule *sched,
                      void (*problem)(void *ctx, const char *msg), void *ctx)
{
    char idb[160];
    course_chk cc = { rec_safe(c->case_id, idb, sizeof idb), co, problem, ctx };
    if (co->n) {
        course_validate(c, co, course_problem, &cc);
        course_consistency(c, co, consistency_problem, &cc);
    }
    if (sched) {
        fu_result r;
        fu_next_due(c, co, sched, &r);
        if (strcmp(r.next_due, c->next_due) != 0)
            course_say(&cc, "case '%s': next_due is %s but its case, course and the follow-up "
                       "schedule give %s", cc.id, c->next_due[0] ? c->next_due : "empty",
                       r.next_due[0] ? r.next_due : "none");
    }
}

/* An edit of a case's row (before -> after) against its course co:
 * nonzero, the reason in msg, when the course would no longer hold. */
int rec_course_check_case(const imt_case *before, const imt_case *after, imt_course *co,
                          char *msg, size_t n)
{
    if (!co->n)
        return 0;
    int ev = -1, col = -1;
    char why[400];
    if (!course_validate_new(before, co, after, co, &ev, &col, why, sizeof why))
        return 0;
    char w[24] = "";
    if (ev >= 0)
        snprintf(w, sizeof w, "%s", ev_cell(&co->v[ev], EVC_DATE, w, sizeof w));
    snprintf(msg, n, "the change would break the course: %s%s%s%s",
             ev >= 0 ? "the event of " : "", w, ev >= 0 ? ": " : "", why);
    return 1;
}

int rec_text_problem(const char *id, int f, const char *txt, char *msg, size_t n)
{
    const imt_field *fd = &imt_fields[f];
    char b1[160], b2[160];
    imt_case tmp;
    imt_case_init(&tmp);
    char err[256];
    int bad = 0;
    if (imt_field_parse(&tmp, f, txt, err, sizeof err) != 0) {
        snprintf(msg, n, "case '%s': column '%s': %s", id, fd->name,
                 rec_safe(err, b2, sizeof b2));
        bad = 1;
    } else {
        const char *canon = *REC_FCPTR(&tmp, f, char *);
        if (!canon || strcmp(canon, txt) != 0) {
            snprintf(msg, n, "case '%s': column '%s' holds '%s', not in canonical form", id,
                     fd->name, rec_safe(txt, b1, sizeof b1));
            bad = 1;
        }
    }
    imt_case_clear(&tmp);
    return bad;
}
