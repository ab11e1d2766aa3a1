/* io/csvexport.c - cases to CSV (data-dictionary.md; cli.md `export`). */
#define _GNU_SOURCE
#include "io/csvexport.h"

#include <csv.h>
#include <sha2.h>
#include <stdio.h>
#include <string.h>

static bool is_text(imt_ftype t)
{
    return t == FT_TEXT || t == FT_ID || t == FT_FUSION || t == FT_DATE ||
           t == FT_TIMESTAMP;
}

/* --deidentify (HIPAA Safe Harbor as far as it applies to these fields):
 * every free-text field is dropped (it can name a person, a clinic or a
 * town) unless keep_free_text, the reviewer always; every date is
 * dropped (diagnosis_date, reviewed_at; a year alone would not re-import
 * as a date); ages of 90 and over become 90 (csvexp_row); case_id becomes
 * the keyed pseudonym. */
static bool exported(const csvexp_opts *o, int f)
{
    if (!o->deidentify)
        return true;
    if (f == IMT_F_reviewer || imt_fields[f].type == FT_DATE ||
        imt_fields[f].type == FT_TIMESTAMP)
        return false;
    if (imt_fields[f].type == FT_TEXT)
        return o->keep_free_text;
    return true;
}

/* Quoting is needed for what RFC 4180 says (comma, quote, CR, LF) and for
 * a space or tab at either end, which the importer (like libcsv) drops
 * from an unquoted cell. */
static bool needs_quotes(const char *s, size_t n)
{
    if (n == 0)
        return false;
    if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')
        return true;
    return strpbrk(s, ",\"\r\n") != NULL;
}

int csvexp_cell(FILE *fp, const char *s, bool excel_safe)
{
    size_t n = strlen(s);
    /* Spreadsheets run a cell that starts with = + - @ as a formula (and
     * some skip a leading TAB or CR first); a leading ' makes it text.
     * Such a file is for spreadsheets, not for re-import. */
    bool prefix = excel_safe && n && strchr("=+-@\t\r", s[0]) != NULL;
    if (!prefix) {
        if (!needs_quotes(s, n))
            return fwrite(s, 1, n, fp) == n ? 0 : -1;
        return csv_fwrite(fp, s, n) == 0 ? 0 : -1;
    }
    /* The ' is part of the cell, so quoting (when needed) encloses it. */
    bool quote = strpbrk(s, ",\"\r\n") || s[n - 1] == ' ' || s[n - 1] == '\t';
    if (quote && fputc('"', fp) == EOF)
        return -1;
    if (fputc('\'', fp) == EOF)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' && fputc('"', fp) == EOF)
            return -1;
        if (fputc((unsigned char)s[i], fp) == EOF)
            return -1;
    }
    if (quote && fputc('"', fp) == EOF)
        return -1;
    return 0;
}

int csvexp_header(FILE *fp, const csvexp_opts *o)
{
    bool first = true;
    for (int f = 0; f < imt_nfields; f++) {
        if (!exported(o, f))
            continue;
        if (!first && fputc(',', fp) == EOF)
            return -1;
        first = false;
        if (fputs(imt_fields[f].name, fp) == EOF)
            return -1;
    }
    for (int i = 0; imt_export_only_columns[i]; i++)
        if (fputc(',', fp) == EOF || fputs(imt_export_only_columns[i], fp) == EOF)
            return -1;
    return fputc('\n', fp) == EOF ? -1 : 0;
}

int csvexp_row(FILE *fp, const imt_case *c, const csvexp_opts *o)
{
    imt_case d = *c;           /* shallow: derive only sets int fields */
    imt_case_derive(&d);
    bool first = true;
    for (int f = 0; f < imt_nfields; f++) {
        if (!exported(o, f))
            continue;
        if (!first && fputc(',', fp) == EOF)
            return -1;
        first = false;
        char buf[64];
        const char *s;
        if (f == IMT_F_case_id && o->deidentify) {
            char p[CSVEXP_PSEUDONYM_LEN + 1];
            csvexp_case_pseudonym(o->key, &d, p);
            if (fputs(p, fp) == EOF)
                return -1;
            continue;
        }
        if (o->deidentify && f == IMT_F_age_years && imt_field_is_known(&d, f) &&
            d.age_years.v >= 90) {
            if (fputs("90", fp) == EOF)   /* "90 or older" */
                return -1;
            continue;
        }
        if (is_text(imt_fields[f].type)) {
            /* Straight from the record: no buffer can cut a long note. */
            s = *(char *const *)(const void *)((const char *)&d + imt_fields[f].offset);
            if (!s)
                s = "";
        } else {
            s = imt_field_format(&d, f, buf, sizeof buf);
        }
        if (csvexp_cell(fp, s, o->excel_safe))
            return -1;
    }
    /* the diagnosis codes (icd_o_3_morphology, oncotree_code) */
    if (fputc(',', fp) == EOF || fputs(IMT_ICDO3_MORPHOLOGY, fp) == EOF ||
        fputc(',', fp) == EOF || fputs(IMT_ONCOTREE_CODE, fp) == EOF)
        return -1;
    return fputc('\n', fp) == EOF ? -1 : 0;
}

/* ---- events (the events CSV of issue 14) ---------------------------------- */

int csvexp_events_header(FILE *fp)
{
    for (int col = 0; col < EVC_N; col++)
        if ((col && fputc(',', fp) == EOF) || fputs(ev_columns[col], fp) == EOF)
            return -1;
    return fputc('\n', fp) == EOF ? -1 : 0;
}

int csvexp_event_row(FILE *fp, const imt_event *e, const imt_case *c, const csvexp_opts *o,
                     bool *dropped)
{
    if (dropped)
        *dropped = false;
    char day[16] = "";
    if (o->deidentify && e->date[0]) {
        /* a date is identifying (Safe Harbor); days from diagnosis are not */
        long d;
        if (ev_day_of(e, c, &d) != 0) {
            if (dropped)
                *dropped = true;
            return 0;
        }
        snprintf(day, sizeof day, "%ld", d);
    }
    for (int col = 0; col < EVC_N; col++) {
        if (col && fputc(',', fp) == EOF)
            return -1;
        char buf[64];
        const char *s = ev_cell(e, col, buf, sizeof buf);
        if (o->deidentify) {
            if (col == EVC_CASE_ID) {
                char p[CSVEXP_PSEUDONYM_LEN + 1];
                csvexp_case_pseudonym(o->key, c, p);
                if (fputs(p, fp) == EOF)
                    return -1;
                continue;
            }
            if (col == EVC_DATE && day[0])
                s = day;
            /* free text goes with the case's free text (coded values stay:
             * a recurrence site, a biopsy's markers, a contact's status) */
            bool free_text = (col == EVC_SITE && e->type != EV_RECURRENCE) ||
                             (col == EVC_DETAIL && e->type != EV_BIOPSY &&
                              e->type != EV_CONTACT);
            if (free_text && !o->keep_free_text)
                s = "";
        }
        if (csvexp_cell(fp, s, o->excel_safe))
            return -1;
    }
    return fputc('\n', fp) == EOF ? -1 : 0;
}

void csvexp_hmac_sha256(const unsigned char *key, size_t keylen,
                        const void *msg, size_t msglen, unsigned char out[32])
{
    unsigned char k[SHA256_BLOCK_LENGTH] = { 0 };
    unsigned char pad[SHA256_BLOCK_LENGTH];
    unsigned char inner[SHA256_DIGEST_LENGTH];
    SHA2_CTX ctx;
    if (keylen > SHA256_BLOCK_LENGTH) {
        SHA256Init(&ctx);
        SHA256Update(&ctx, key, keylen);
        SHA256Final(k, &ctx);
    } else {
        memcpy(k, key, keylen);
    }
    for (int i = 0; i < SHA256_BLOCK_LENGTH; i++)
        pad[i] = k[i] ^ 0x36;
    SHA256Init(&ctx);
    SHA256Update(&ctx, pad, sizeof pad);
    SHA256Update(&ctx, msg, msglen);
    SHA256Final(inner, &ctx);
    for (int i = 0; i < SHA256_BLOCK_LENGTH; i++)
        pad[i] = k[i] ^ 0x5c;
    SHA256Init(&ctx);
    SHA256Update(&ctx, pad, sizeof pad);
    SHA256Update(&ctx, inner, sizeof inner);
    SHA256Final(out, &ctx);
}

void csvexp_pseudonym(const unsigned char key[32], const char *case_id, char *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[32];
    csvexp_hmac_sha256(key, 32, case_id, strlen(case_id), mac);
    out[0] = 'P';
    for (int i = 0; i < 8; i++) {
        out[1 + 2 * i] = hex[mac[i] >> 4];
        out[2 + 2 * i] = hex[mac[i] & 15];
    }
    out[CSVEXP_PSEUDONYM_LEN] = '\0';
}

static bool is_pseudonym(const char *id)
{
    if (!id || id[0] != 'P' || strlen(id) != CSVEXP_PSEUDONYM_LEN)
        return false;
    for (const char *p = id + 1; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

void csvexp_case_pseudonym(const unsigned char key[32], const imt_case *c, char *out)
{
    if (is_pseudonym(c->case_id) && !c->notes && !c->reviewer && !c->diagnosis_date) {
        memcpy(out, c->case_id, CSVEXP_PSEUDONYM_LEN + 1);
        return;
    }
    csvexp_pseudonym(key, c->case_id ? c->case_id : "", out);
}
