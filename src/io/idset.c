/* io/idset.c - see io/idset.h.
 *
 * The sorted part: entries back to back in one byte array, each
 *     [lengths][suffix][line: zigzag varint]
 * where lengths is one byte, shared prefix * 16 + suffix length, when
 * both are below 15 (ids like IMT-0012345 that follow each other), else
 * 0xFF and a byte for each; the shared prefix is with the entry before
 * it and the line is the difference from that entry's line.  Every
 * BLOCK-th entry starts a block and shares nothing (its line whole), so a
 * block can be decoded on its own; block[] holds the offset of each
 * block's first entry.
 * The buffer: up to BUF_MAX ids that arrived out of order, in an open
 * hash table of offsets into their own arena. */
#include "io/idset.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK   16
#define BUF_MAX 32768

typedef struct {
    unsigned char *p;
    size_t len, cap;
} bytes;

struct idset {
    bytes main;                   /* the sorted entries                    */
    unsigned long lastline;       /* the line of the last sorted entry      */
    size_t *block;                /* offset of each block's first entry    */
    size_t nblock, cblock;
    size_t nmain;
    char last[IDSET_MAXLEN + 1];  /* the last (greatest) sorted id          */
    size_t lastlen;
    char max[IDSET_MAXLEN + 1];   /* the greatest id seen                   */
    bool any;
    /* buffer */
    uint32_t *slot;               /* offset + 1 into barena; 0 = free       */
    size_t nslot, nbuf;
    bytes barena;                 /* [line: 8 bytes][id NUL] ...            */
};

static int put(bytes *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap + b->cap / 2 : 4096;
        while (nc < b->len + n)
            nc *= 2;
        unsigned char *np = realloc(b->p, nc);
        if (!np)
            return -1;
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

static int put_varint(bytes *b, unsigned long v)
{
    unsigned char t[10];
    int n = 0;
    do {
        t[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return put(b, t, (size_t)n);
}

static size_t get_varint(const unsigned char *p, unsigned long *v)
{
    size_t n = 0;
    *v = 0;
    for (int sh = 0;; sh += 7) {
        unsigned char c = p[n++];
        *v |= (unsigned long)(c & 0x7f) << sh;
        if (!(c & 0x80))
            return n;
    }
}

idset *idset_new(void)
{
    return calloc(1, sizeof(idset));
}

void idset_free(idset *s)
{
    if (!s)
        return;
    free(s->main.p);
    free(s->block);
    free(s->slot);
    free(s->barena.p);
    free(s);
}

size_t idset_count(const idset *s)
{
    return s->nmain + s->nbuf;
}

size_t idset_bytes(const idset *s)
{
    return s->main.cap + s->cblock * sizeof *s->block + s->nslot * sizeof *s->slot +
           s->barena.cap + sizeof *s;
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c;
    return (an > bn) - (an < bn);
}

/* Append an id greater than every sorted id to the sorted part (m, blk,
 * ... are the parts of s or of the part a merge is building). */
typedef struct {
    bytes *m;
    size_t **blk, *nb, *cb, *n, *lastlen;
    char *last;
    unsigned long *lastline;
} sorted_out;

static unsigned long zigzag(long v)
{
    return v < 0 ? ((unsigned long)(-(v + 1)) << 1) | 1 : (unsigned long)v << 1;
}

static long unzigzag(unsigned long u)
{
    return u & 1 ? -(long)(u >> 1) - 1 : (long)(u >> 1);
}

static int append(const sorted_out *o, const char *id, size_t len, unsigned long line)
{
    size_t shared = 0;
    long dline = (long)line;
    if (*o->n % BLOCK == 0) {
        if (*o->nb == *o->cb) {
            size_t nc = *o->cb ? *o->cb * 2 : 256;
            size_t *nbk = realloc(*o->blk, nc * sizeof *nbk);
            if (!nbk)
                return -1;
            *o->blk = nbk;
            *o->cb = nc;
        }
        (*o->blk)[(*o->nb)++] = o->m->len;
    } else {
        while (shared < len && shared < *o->lastlen && o->last[shared] == id[shared])
            shared++;
        dline = (long)line - (long)*o->lastline;
    }
    size_t suf = len - shared;
    int rc;
    if (shared < 15 && suf < 15) {
        unsigned char h = (unsigned char)(shared << 4 | suf);
        rc = put(o->m, &h, 1);
    } else {
        unsigned char h[3] = { 0xFF, (unsigned char)shared, (unsigned char)suf };
        rc = put(o->m, h, 3);
    }
    if (rc || put(o->m, id + shared, suf) || put_varint(o->m, zigzag(dline)))
        return -1;
    memcpy(o->last, id, len);
    *o->lastlen = len;
    *o->lastline = line;
    (*o->n)++;
    return 0;
}

/* Decode the entry at p after the entry cur (of *curlen bytes, line
 * *line; both updated in place); returns the bytes read.  first: the
 * entry starts a block. */
static size_t decode(const unsigned char *p, bool first, char *cur, size_t *curlen,
                     unsigned long *line)
{
    size_t shared, suf, k;
    if (p[0] == 0xFF) {
        shared = p[1];
        suf = p[2];
        k = 3;
    } else {
        shared = p[0] >> 4;
        suf = p[0] & 15;
        k = 1;
    }
    memcpy(cur + shared, p + k, suf);
    *curlen = shared + suf;
    unsigned long u;
    size_t n = get_varint(p + k + suf, &u);
    *line = first ? (unsigned long)unzigzag(u) : (unsigned long)((long)*line + unzigzag(u));
    return k + suf + n;
}

/* The line of id in the sorted part, or 0. */
static long find_main(const idset *s, const char *id, size_t len)
{
    if (s->nblock == 0)
        return 0;
    char cur[IDSET_MAXLEN + 1];
    size_t curlen;
    unsigned long line;
    /* the last block whose first id is <= id */
    size_t lo = 0, hi = s->nblock;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        decode(s->main.p + s->block[mid], true, cur, &curlen, &line);
        if (cmp_bytes(cur, curlen, id, len) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    size_t off = s->block[lo], end = lo + 1 < s->nblock ? s->block[lo + 1] : s->main.len;
    while (off < end) {
        off += decode(s->main.p + off, off == s->block[lo], cur, &curlen, &line);
        int c = cmp_bytes(cur, curlen, id, len);
        if (c == 0)
            return (long)line;
        if (c > 0)
            break;
    }
    return 0;
}

static uint64_t hash(const char *id, size_t len)
{
    uint64_t h = 1469598103934665603ULL;       /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)id[i]) * 1099511628211ULL;
    return h;
}

static const char *buf_id(const idset *s, uint32_t slot, unsigned long *line)
{
    const unsigned char *e = s->barena.p + slot - 1;
    uint64_t l;
    memcpy(&l, e, sizeof l);
    *line = (unsigned long)l;
    return (const char *)e + sizeof l;
}

/* The buffer's slot for id: where it is, or the free slot where it goes. */
static uint32_t *buf_slot(idset *s, const char *id, size_t len)
{
    size_t i = (size_t)hash(id, len) & (s->nslot - 1);
    for (;;) {
        if (!s->slot[i])
            return &s->slot[i];
        unsigned long line;
        const char *b = buf_id(s, s->slot[i], &line);
        if (strlen(b) == len && memcmp(b, id, len) == 0)
            return &s->slot[i];
        i = (i + 1) & (s->nslot - 1);
    }
}

typedef struct {
    const char *id;
    unsigned long line;
} pending;

static int cmp_pending(const void *a, const void *b)
{
    const pending *x = a, *y = b;
    return strcmp(x->id, y->id);
}

/* The buffer into the sorted part: one merge, then an empty buffer. */
static int merge(idset *s)
{
    pending *v = malloc(s->nbuf * sizeof *v);
    if (!v)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < s->nslot; i++)
        if (s->slot[i]) {
            v[k].id = buf_id(s, s->slot[i], &v[k].line);
            k++;
        }
    qsort(v, k, sizeof *v, cmp_pending);
    bytes m = { 0 };
    size_t *blk = NULL, nb = 0, cb = 0, n = 0, lastlen = 0;
    unsigned long lastline = 0;
    char last[IDSET_MAXLEN + 1], cur[IDSET_MAXLEN + 1];
    sorted_out o = { &m, &blk, &nb, &cb, &n, &lastlen, last, &lastline };
    size_t curlen = 0, off = 0, j = 0, bi = 0;
    unsigned long curline = 0;
    int rc = 0;
    while (rc == 0 && (off < s->main.len || j < k)) {
        if (off < s->main.len) {
            /* peek at the next sorted entry */
            char tmp[IDSET_MAXLEN + 1];
            size_t tl = curlen;
            unsigned long tline = curline;
            bool first = bi < s->nblock && s->block[bi] == off;
            memcpy(tmp, cur, curlen);
            size_t step = decode(s->main.p + off, first, tmp, &tl, &tline);
            if (j < k && cmp_bytes(v[j].id, strlen(v[j].id), tmp, tl) < 0) {
                rc = append(&o, v[j].id, strlen(v[j].id), v[j].line);
                j++;
                continue;
            }
            memcpy(cur, tmp, tl);
            curlen = tl;
            curline = tline;
            off += step;
            if (first)
                bi++;
            rc = append(&o, cur, curlen, curline);
        } else {
            rc = append(&o, v[j].id, strlen(v[j].id), v[j].line);
            j++;
        }
    }
    free(v);
    if (rc) {
        free(m.p);
        free(blk);
        return -1;
    }
    free(s->main.p);
    free(s->block);
    s->main = m;
    s->block = blk;
    s->nblock = nb;
    s->cblock = cb;
    s->nmain = n;
    memcpy(s->last, last, lastlen);
    s->lastlen = lastlen;
    s->lastline = lastline;
    memset(s->slot, 0, s->nslot * sizeof *s->slot);
    s->nbuf = 0;
    s->barena.len = 0;
    return 0;
}

long idset_add(idset *s, const char *id, long line)
{
    size_t len = strlen(id);
    if (len > IDSET_MAXLEN || line <= 0)
        return -1;
    /* Greater than every id seen: new, and it goes at the end. */
    if (!s->any || strcmp(id, s->max) > 0) {
        sorted_out o = { &s->main, &s->block, &s->nblock, &s->cblock, &s->nmain, &s->lastlen,
                         s->last, &s->lastline };
        if (append(&o, id, len, (unsigned long)line))
            return -1;
        memcpy(s->max, id, len + 1);
        s->any = true;
        return 0;
    }
    long first = find_main(s, id, len);
    if (first)
        return first;
    if (!s->slot) {
        s->nslot = 2 * BUF_MAX;
        if (!(s->slot = calloc(s->nslot, sizeof *s->slot)))
            return -1;
    }
    uint32_t *sl = buf_slot(s, id, len);
    if (*sl) {
        unsigned long l;
        buf_id(s, *sl, &l);
        return (long)l;
    }
    uint64_t l = (uint64_t)line;
    size_t at = s->barena.len;
    if (at + sizeof l + len + 1 > UINT32_MAX - 1 || put(&s->barena, &l, sizeof l) ||
        put(&s->barena, id, len + 1))
        return -1;
    *sl = (uint32_t)at + 1;
    if (++s->nbuf >= BUF_MAX && merge(s))
        return -1;
    return 0;
}
