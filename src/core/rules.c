/* core/rules.c - the recommendation rules of ../shared/spec/rules.md.
 *
 * Every rule is one entry of rule_table[]: its card (id, kind, level,
 * condition in words, advice, evidence, why this level), a default
 * one-line summary and a condition function.  A condition function looks
 * at the case, records the facts that fired it ("size_cm = 7.2 (> 6.5)")
 * and the missing facts that would change it, may refine the summary or
 * add to the detail, and answers in three values:
 *   T  the rule fires;
 *   F  it does not (a needed value is known and says no);
 *   U  it does not, because a needed value is unknown.  Unknown is never
 *      read as "no": when only unknowns stand between a rule and firing,
 *      the condition says so in its missing facts, and the last rule of
 *      the table (DX-MISSING-DATA) shows them, so that the pathologist
 *      sees which empty fields would change the advice.
 *
 * Output order is level (critical, warning, info, suggestion) and then
 * table order.  The rules are evaluated in exactly that order, writing
 * straight into the result, so no sorting (and no copying of records) is
 * needed; DX-MISSING-DATA, which collects what the others left, is the
 * last entry of the lowest level and so is evaluated last.
 *
 * Evidence strings cite ../shared/references/ by section and, for the nine
 * consensus recommendations (Table 1 of the consensus), their Delphi vote
 * as agree / disagree / abstain.
 */
#define _POSIX_C_SOURCE 200809L
#include "core/rules.h"
#include "core/utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <math.h>

/* ---- three-valued logic --------------------------------------------- */

typedef enum { F = 0, T = 1, U = 2 } tri;

static tri tri_or(tri a, tri b)
{
    if (a == T || b == T) return T;
    if (a == U || b == U) return U;
    return F;
}

static tri tri_and(tri a, tri b)
{
    if (a == F || b == F) return F;
    if (a == U || b == U) return U;
    return T;
}

static tri tri_not(tri a)
{
    return a == U ? U : a == T ? F : T;
}

/* A boolean field: 1 yes, 0 no, IMT_UNKNOWN. */
static tri tb(int v)
{
    return v == IMT_UNKNOWN ? U : v ? T : F;
}

/* An enumeration field equal to one of two values. */
static tri te2(int v, int a, int b)
{
    return v == IMT_UNKNOWN ? U : (v == a || v == b) ? T : F;
}

static tri te(int v, int a)
{
    return te2(v, a, a);
}

static tri num_gt(imt_num n, double lim)
{
    return !n.known ? U : n.v > lim ? T : F;
}

static tri num_ge(imt_num n, double lim)
{
    return !n.known ? U : n.v >= lim ? T : F;
}

/* A free-text therapy field ("chemotherapy", "targeted", ...): empty is
 * unknown (the data dictionary: never invent a value); "none" or "no"
 * says that nothing was given; anything else names what was given. */
static tri text_set(const char *s)
{
    if (!s)
        return U;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return U;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if ((n == 4 && strncasecmp(s, "none", 4) == 0) ||
        (n == 2 && strncasecmp(s, "no", 2) == 0))
        return F;
    return T;
}

/* ---- evaluation context and the facts builder ----------------------- */

#define HINGE_MAX 16

typedef struct {
    const imt_case *c;          /* the case, derived ALK fields current  */
    const rules_config *cfg;
    const imt_course *course;   /* its events (never NULL: maybe empty)  */
    char today[11];             /* YYYY-MM-DD                            */
    tri unsuit;                 /* "not suitable for surgery"            */
    /* Treatment rules whose only missing condition is the surgical
     * suitability (shown once, by DX-MISSING-DATA). */
    const char *hinge[HINGE_MAX];
    int nhinge;
    /* Missing facts of rules that did not fire because of an unknown. */
    char pending[RULES_MAX_FACTS][RULES_FACT_LEN];
    int npending;
} rctx;

typedef tri (*rule_cond)(rctx *x, rule_rec *r);

typedef struct {
    rule_card   card;
    const char *summary;   /* default one-line summary (<= 76 columns) */
    rule_cond   cond;
} rule_def;

__attribute__((format(printf, 3, 0)))   /* clang -Wformat-nonliteral */
static void vadd(char (*arr)[RULES_FACT_LEN], int *n, const char *fmt, va_list ap)
{
    if (*n >= RULES_MAX_FACTS) {
        snprintf(arr[RULES_MAX_FACTS - 1], RULES_FACT_LEN, "%s",
                 "(further facts omitted)");
        return;
    }
    vsnprintf(arr[*n], RULES_FACT_LEN, fmt, ap);
    (*n)++;
}

__attribute__((format(printf, 2, 3)))
static void fired(rule_rec *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vadd(r->fired, &r->nfired, fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static void miss(rule_rec *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vadd(r->missing, &r->nmissing, fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static void set_summary(rule_rec *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->summary, sizeof r->summary, fmt, ap);
    va_end(ap);
}

/* Append a sentence to the detail text. */
__attribute__((format(printf, 2, 3)))
static void add_detail(rule_rec *r, const char *fmt, ...)
{
    size_t len = strlen(r->detail);
    if (len + 2 >= sizeof r->detail)
        return;
    if (len)
        r->detail[len++] = ' ';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->detail + len, sizeof r->detail - len, fmt, ap);
    va_end(ap);
}

/* Database text quoted for a fact line: at most maxcp code points, with
 * control characters (C0, DEL, C1), backslash, quote and invalid UTF-8
 * escaped as \xNN / \u00NN, so that a fact never carries a raw control
 * character to a terminal, whatever prints it. */
static const char *quote_text(const char *s, size_t maxcp, char *out, size_t outn)
{
    size_t o = 0, cps = 0, n = strlen(s);
    if (outn < 8) {
        if (outn) out[0] = '\0';
        return out;
    }
    out[o++] = '"';
    for (size_t i = 0; i < n;) {
        char tmp[12];
        size_t tl;
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (k == 0) {
            tl = (size_t)snprintf(tmp, sizeof tmp, "\\x%02X", (unsigned char)s[i]);
            k = 1;
        } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
            tl = (size_t)snprintf(tmp, sizeof tmp, cp < 0x80 ? "\\x%02X" : "\\u%04X",
                                  (unsigned)cp);
        } else if (cp == '"' || cp == '\\') {
            tmp[0] = '\\'; tmp[1] = (char)cp; tl = 2;
        } else {
            memcpy(tmp, s + i, (size_t)k);
            tl = (size_t)k;
        }
        if (cps >= maxcp || o + tl + 5 >= outn) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(out + o, tmp, tl);
        o += tl;
        cps++;
        i += (size_t)k;
    }
    out[o++] = '"';
    out[o] = '\0';
    return out;
}

/* "field = value" for field f, text values quoted and escaped, unknown
 * shown as "(empty)", followed by note (may be ""). */
static void fact_field(rule_rec *r, const imt_case *c, int f, const char *note)
{
    char val[RULES_FACT_LEN];
    const imt_field *fd = &imt_fields[f];
    if (!imt_field_is_known(c, f)) {
        snprintf(val, sizeof val, "(empty)");
    } else if (fd->type == FT_TEXT) {
        quote_text(*(char *const *)(const void *)((const char *)c + fd->offset),
                   80, val, sizeof val);
    } else if (fd->type == FT_FUSION || fd->type == FT_ID || fd->type == FT_DATE ||
               fd->type == FT_TIMESTAMP) {
        /* validated charsets, shown bare; escaped all the same in case a
         * bad row got past validation */
        char raw[RULES_FACT_LEN];
        imt_field_format(c, f, raw, sizeof raw);
        quote_text(raw, 80, val, sizeof val);
        size_t vl = strlen(val);
        if (vl >= 2 && vl == strlen(raw) + 2) {
            memmove(val, val + 1, vl - 2);
            val[vl - 2] = '\0';
        }
    } else {
        imt_field_format(c, f, val, sizeof val);
    }
    fired(r, "%s = %s%s%s", fd->name, val, note[0] ? " " : "", note);
}

static const char *site_name(const imt_case *c)
{
    return c->site >= 0 && c->site < SITE_N ? imt_site_values[c->site] : "unknown";
}

/* ---- "not suitable for surgery" -------------------------------------- */

/* rules.md: resectable = no, or surgery in (R1, R2), or metastatic = yes,
 * or recurrence = yes with resectable not yes.  "Not yes" includes
 * unknown on purpose: a recurrence counts as not suitable for surgery
 * until someone judges it resectable again (consensus §9.1: recurrences
 * "who are suitable for surgery" can be operated). */
static tri part_resectable(const imt_case *c) { return c->resectable == IMT_UNKNOWN ? U : c->resectable == 0 ? T : F; }
static tri part_margin(const imt_case *c)     { return te2(c->surgery, SURG_R1, SURG_R2); }
static tri part_metastatic(const imt_case *c) { return tb(c->metastatic); }
static tri part_recurrence(const imt_case *c)
{
    if (c->resectable == 1)
        return F;
    return tb(c->recurrence);
}

static tri unsuitable(const imt_case *c)
{
    return tri_or(tri_or(part_resectable(c), part_margin(c)),
                  tri_or(part_metastatic(c), part_recurrence(c)));
}

int rules_not_suitable(const imt_case *c)
{
    tri t = unsuitable(c);
    return t == T ? 1 : t == F ? 0 : -1;
}

const char *rules_unsuitable_text(void)
{
    return "\"Not suitable for surgery\" is yes when resectable = no, or surgery "
           "is R1 or R2 (incomplete resection), or metastatic = yes, or "
           "recurrence = yes and resectable is not yes (no or empty: a "
           "recurrence counts as not operable until judged resectable). It is "
           "no when resectable = yes, surgery is none, biopsy or R0, and "
           "metastatic = no. Otherwise it is unknown, and then no rule that "
           "needs it fires: DX-MISSING-DATA lists the empty fields and the "
           "treatment rules that would apply.";
}

/* The facts behind unsuit == T. */
static void unsuit_facts(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    if (part_resectable(c) == T) fact_field(r, c, IMT_F_resectable, "(not suitable for surgery)");
    if (part_margin(c) == T)     fact_field(r, c, IMT_F_surgery, "(incomplete resection)");
    if (part_metastatic(c) == T) fact_field(r, c, IMT_F_metastatic, "");
    if (part_recurrence(c) == T)
        fired(r, "recurrence = yes, resectable = %s (recurrence not judged resectable)",
              c->resectable == 0 ? "no" : "(empty)");
}

/* Combine the rule's other conditions with unsuit: fires when both hold
 * (recording the unsuitability facts), and when only the unsuitability
 * is unknown, remembers the rule for DX-MISSING-DATA. */
static tri gate_unsuit(rctx *x, rule_rec *r, tri others)
{
    tri t = tri_and(others, x->unsuit);
    if (t == T)
        unsuit_facts(x, r);
    else if (others == T && x->unsuit == U && x->nhinge < HINGE_MAX)
        x->hinge[x->nhinge++] = r->id;
    return t;
}

/* ---- shared case facts ----------------------------------------------- */

/* Which ALK results make alk_status what it is. */
static void alk_facts(rule_rec *r, const imt_case *c)
{
    fired(r, "alk_status = %s%s", imt_alk_values[c->alk_status],
          c->alk_status == ALK_POSITIVE ? (c->alk_confirmed ? " (confirmed by FISH or fusion)"
                                                             : " (IHC only)") : "");
    if (c->alk_ihc != IMT_UNKNOWN) fact_field(r, c, IMT_F_alk_ihc, "");
    if (c->alk_fish != IMT_UNKNOWN) fact_field(r, c, IMT_F_alk_fish, "");
    if (c->fusion) fact_field(r, c, IMT_F_fusion, "");
}

static bool fusion_ntrk(const char *f)
{
    return imt_fusion_involves(f, "NTRK1") || imt_fusion_involves(f, "NTRK2") ||
           imt_fusion_involves(f, "NTRK3");
}

/* A targetable fusion (ALK, ROS1, NTRK1/2/3, RET): T / F / U.  F needs
 * ALK known negative and a fusion test on record. */
static tri targetable(const imt_case *c)
{
    if (c->alk_status == ALK_POSITIVE || imt_fusion_involves(c->fusion, "ROS1") ||
        fusion_ntrk(c->fusion) || imt_fusion_involves(c->fusion, "RET"))
        return T;
    if (c->alk_status == ALK_NEGATIVE && c->fusion)
        return F;
    return U;
}

/* Missing molecular facts that would change systemic-therapy advice. */
static void molecular_missing(rule_rec *r, const imt_case *c)
{
    if (c->alk_status == ALK_UNKNOWN)
        miss(r, "ALK status unknown: an ALK result would change the treatment advice "
                "(ALK TKI, TX-ALK-TKI)");
    if (!c->fusion && c->alk_status != ALK_POSITIVE)
        miss(r, "fusion not tested: an ALK, ROS1, NTRK or RET fusion would add a "
                "targeted option (C3, C7)");
    else if (!c->fusion)
        miss(r, "fusion not tested: NGS would name the ALK partner and show a ROS1, "
                "NTRK or RET fusion (C3)");
}

/* ---- the rules --------------------------------------------------------- */

/* DX-IMAGING: imaging empty. */
static tri c_dx_imaging(rctx *x, rule_rec *r)
{
    const char *s = x->c->imaging;
    while (s && (*s == ' ' || *s == '\t'))
        s++;
    if (s && *s)
        return F;
    fired(r, "imaging = (empty)");
    return T;
}

/* DX-ALK-IHC: alk_ihc empty. */
static tri c_dx_alk_ihc(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    if (c->alk_ihc != IMT_UNKNOWN)
        return F;
    fact_field(r, c, IMT_F_alk_ihc, "");
    if (c->alk_status == ALK_UNKNOWN)
        miss(r, "ALK status unknown: an ALK result would change the treatment advice");
    return T;
}

/* DX-FUSION-TEST: alk_status not positive, fusion empty.  alk_status is
 * derived and never empty; "unknown" is one of its values and is "not
 * positive" (the test is how to find out). */
static tri c_dx_fusion_test(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    if (c->alk_status == ALK_POSITIVE || c->fusion)
        return F;
    alk_facts(r, c);
    fired(r, "fusion = (empty: not tested)");
    if (c->alk_status == ALK_UNKNOWN)
        miss(r, "ALK status unknown: an ALK result would change the treatment advice");
    if (c->ros1_ihc == POS) {
        fact_field(r, c, IMT_F_ros1_ihc, "");
        add_detail(r, "ROS1 IHC is positive: the panel should confirm a ROS1 fusion.");
    }
    return T;
}

/* DX-ALK-PARTNER: alk_status positive, fusion empty. */
static tri c_dx_alk_partner(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    if (c->alk_status != ALK_POSITIVE || c->fusion)
        return F;
    alk_facts(r, c);
    fired(r, "fusion = (empty: not tested)");
    if (!c->alk_confirmed)
        add_detail(r, "ALK rests on IHC alone: NGS also confirms the fusion (C3).");
    return T;
}

/* DX-ALK-DISCORDANT: IHC positive but FISH negative or a fusion without
 * ALK, or IHC negative but FISH positive or an ALK fusion.  Also FISH and
 * the fusion result disagreeing with each other (both molecular, so the
 * data-dictionary rule cannot settle it); an equivocal IHC is not
 * discordant. */
static tri c_dx_alk_discordant(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    bool fus_alk = imt_fusion_involves(c->fusion, "ALK");
    bool fus_other = c->fusion && !fus_alk;     /* "none" or non-ALK fusion */
    bool mol_neg = c->alk_fish == NEG || fus_other;
    bool mol_pos = c->alk_fish == POS || fus_alk;
    bool a = c->alk_ihc == IHC3_POSITIVE && mol_neg;
    bool b = c->alk_ihc == IHC3_NEGATIVE && mol_pos;
    bool m = (c->alk_fish == POS && fus_other) || (c->alk_fish == NEG && fus_alk);
    if (!a && !b && !m)
        return F;
    fact_field(r, c, IMT_F_alk_ihc, "");
    if (c->alk_fish != IMT_UNKNOWN) fact_field(r, c, IMT_F_alk_fish, "");
    if (c->fusion) fact_field(r, c, IMT_F_fusion, "");
    fired(r, "alk_status = %s (derived: a molecular result outranks IHC)",
          imt_alk_values[c->alk_status]);
    if (a)
        add_detail(r, "ALK IHC is positive but the molecular result is negative for ALK.");
    if (b)
        add_detail(r, "ALK IHC is negative but the molecular result shows an ALK rearrangement.");
    if (m)
        add_detail(r, "ALK FISH and the fusion result disagree with each other.");
    add_detail(r, "The derived ALK status follows the molecular result (%s); check it "
                  "before any ALK-directed treatment.", imt_alk_values[c->alk_status]);
    return T;
}

/* DX-EIMS: histology epithelioid, or ALK pattern nuclear membrane or
 * perinuclear. */
static tri c_dx_eims(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    tri h = te(c->histology, HIST_EPITHELIOID);
    tri p = te2(c->alk_ihc_pattern, PAT_NUCLEAR_MEMBRANE, PAT_PERINUCLEAR);
    tri t = tri_or(h, p);
    if (t != T)
        return t;
    if (h == T) fact_field(r, c, IMT_F_histology, "");
    if (p == T) fact_field(r, c, IMT_F_alk_ihc_pattern, "");
    if (imt_fusion_involves(c->fusion, "RANBP2") && imt_fusion_involves(c->fusion, "ALK")) {
        fact_field(r, c, IMT_F_fusion, "(typical of EIMS)");
    } else if (!c->fusion) {
        miss(r, "fusion not tested: a RANBP2::ALK fusion would support EIMS");
    }
    return T;
}

/* DX-DIFF-IGG4: igg4_igg_ratio > 40 and igg4_per_hpf > 10. */
static tri c_dx_diff_igg4(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    tri a = num_gt(c->igg4_igg_ratio, 40), b = num_gt(c->igg4_per_hpf, 10);
    tri t = tri_and(a, b);
    if (t == T) {
        fact_field(r, c, IMT_F_igg4_igg_ratio, "(> 40%)");
        fact_field(r, c, IMT_F_igg4_per_hpf, "(> 10/HPF)");
    } else if (t == U && a == T) {
        char v[40];
        miss(r, "igg4_per_hpf unknown: with igg4_igg_ratio = %s (> 40), more than 10 "
                "IgG4+ cells/HPF would raise IgG4-related disease (DX-DIFF-IGG4)",
             imt_field_format(c, IMT_F_igg4_igg_ratio, v, sizeof v));
    } else if (t == U && b == T) {
        char v[40];
        miss(r, "igg4_igg_ratio unknown: with igg4_per_hpf = %s (> 10), a ratio above "
                "40%% would raise IgG4-related disease (DX-DIFF-IGG4)",
             imt_field_format(c, IMT_F_igg4_per_hpf, v, sizeof v));
    }
    return t;
}

/* DX-DIFF-GIST: cd117 or dog1 positive. */
static tri c_dx_diff_gist(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    tri a = te(c->cd117, POS), b = te(c->dog1, POS);
    tri t = tri_or(a, b);
    if (t != T)
        return t;
    if (a == T) fact_field(r, c, IMT_F_cd117, "");
    if (b == T) fact_field(r, c, IMT_F_dog1, "");
    if (a == T && b == T)
        set_summary(r, "CD117 and DOG1 positive: consider GIST in the differential");
    else
        set_summary(r, "%s positive: consider GIST in the differential",
                    a == T ? "CD117" : "DOG1");
    return T;
}

static tri c_dx_diff_s100(rctx *x, rule_rec *r)
{
    if (x->c->s100 != POS)
        return x->c->s100 == IMT_UNKNOWN ? U : F;
    fact_field(r, x->c, IMT_F_s100, "");
    return T;
}

static tri c_dx_diff_ck(rctx *x, rule_rec *r)
{
    if (x->c->cytokeratin != POS)
        return x->c->cytokeratin == IMT_UNKNOWN ? U : F;
    fact_field(r, x->c, IMT_F_cytokeratin, "");
    return T;
}

/* DX-MDT: always, unless signed out.  An empty review_status is the
 * dictionary's default, unreviewed. */
static tri c_dx_mdt(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    if (c->review_status == REV_SIGNED_OUT)
        return F;
    if (c->review_status == IMT_UNKNOWN)
        fired(r, "review_status = (empty: unreviewed)");
    else
        fact_field(r, c, IMT_F_review_status, "");
    fact_field(r, c, IMT_F_site, "");
    static const char *const extra[SITE_N] = {
        [SITE_LUNG] = "thoracic surgery and respiratory medicine",
        [SITE_HEAD_NECK] = "head and neck surgery",
        [SITE_ABDOMEN_PELVIS] = "general surgery",
        [SITE_RETROPERITONEUM] = "general surgery",
        [SITE_GENITOURINARY] = "urology or gynaecology",
        [SITE_TRUNK_LIMBS] = "orthopaedics",
        [SITE_THORAX_OTHER] = "thoracic surgery",
        [SITE_CNS] = "neurosurgery",
    };
    if (c->site >= 0 && c->site < SITE_N && extra[c->site])
        add_detail(r, "For this site (%s): include %s.", site_name(c), extra[c->site]);
    return T;
}

/* TX-SURGERY: resectable = yes and surgery empty, none or biopsy. */
static tri c_tx_surgery(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    tri not_operated = c->surgery == IMT_UNKNOWN ? T
                     : te2(c->surgery, SURG_NONE, SURG_BIOPSY);
    tri t = tri_and(tb(c->resectable), not_operated);
    if (t == T) {
        fact_field(r, c, IMT_F_resectable, "");
        fact_field(r, c, IMT_F_surgery, "");
        if (c->surgery == IMT_UNKNOWN)
            miss(r, "surgery unknown: if the tumour was already resected, the margin "
                    "status decides the next step");
    } else if (t == U && not_operated == T) {
        miss(r, "resectable unknown: if the tumour is resectable, radical surgery is "
                "the main treatment (TX-SURGERY, C5)");
    }
    return t;
}

/* TX-RERESECT: surgery R1/R2 and resectable not no. */
static tri c_tx_reresect(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    tri t = tri_and(part_margin(c), c->resectable == 0 ? F : T);
    /* surgery empty, resectable not no: when the suitability is already
     * settled otherwise (metastasis, recurrence), DX-MISSING-DATA does not
     * name the surgery, so name it here */
    if (t == U && c->resectable != 0 && x->unsuit == T)
        miss(r, "surgery unknown: after an R1/R2 resection, re-resection would be "
                "considered (TX-RERESECT)");
    if (t != T)
        return t;
    fact_field(r, c, IMT_F_surgery, "(incomplete resection)");
    fact_field(r, c, IMT_F_resectable, "");
    set_summary(r, "Incomplete resection (%s): consider re-resection where feasible",
                imt_surgery_values[c->surgery]);
    if (c->resectable == IMT_UNKNOWN)
        miss(r, "resectable unknown: if re-resection is not feasible, radiotherapy with "
                "systemic therapy (TX-RADICAL-RT)");
    return T;
}

/* "Mentions the maxillary sinus": the words "maxillary" and "sinus" (or
 * its anatomical synonym "antrum") in that order, separated only by
 * spaces, '-' or '_', any case.  "maxilla" or "maxillary" alone does not
 * count: the maxilla is a bone, and a maxillary alveolar or gingival
 * tumour is not a sinus tumour; the source's feature is "maxillary sinus
 * tumor" (consensus §9.2).  *near reports such a bare mention. */
static bool mentions_maxillary_sinus(const char *s, bool *near)
{
    *near = false;
    if (!s)
        return false;
    for (const char *p = s; *p; p++) {
        if (strncasecmp(p, "maxilla", 7) != 0)
            continue;
        *near = true;
        if (strncasecmp(p, "maxillary", 9) != 0)
            continue;
        const char *q = p + 9;
        if (*q != ' ' && *q != '-' && *q != '_')
            continue;
        while (*q == ' ' || *q == '-' || *q == '_')
            q++;
        if (strncasecmp(q, "sinus", 5) == 0 || strncasecmp(q, "antrum", 6) == 0)
            return true;
    }
    return false;
}

/* TX-HN-ADJUVANT-RT: head_neck, surgery R0/R1/R2, and a high-risk
 * feature (consensus §9.2: size > 4.4 cm, maxillary sinus, NLR > 1.958,
 * obvious invasive growth). */
static tri c_tx_hn_adjuvant_rt(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    bool near = false;
    tri site = te(c->site, SITE_HEAD_NECK);
    tri resected = c->surgery == IMT_UNKNOWN ? U
                 : (c->surgery == SURG_R0 || c->surgery == SURG_R1 || c->surgery == SURG_R2) ? T : F;
    tri fsize = num_gt(c->size_cm, 4.4);
    tri fmax = !c->site_detail ? U : mentions_maxillary_sinus(c->site_detail, &near) ? T : F;
    if (!c->site_detail) near = false;
    tri fnlr = num_gt(c->nlr, 1.958);
    tri finv = tb(c->invasive_growth);
    tri feat = tri_or(tri_or(fsize, fmax), tri_or(fnlr, finv));
    tri t = tri_and(tri_and(site, resected), feat);
    if (t == T) {
        char list[80] = "";
        fact_field(r, c, IMT_F_site, "");
        fact_field(r, c, IMT_F_surgery, "");
        if (fsize == T) { fact_field(r, c, IMT_F_size_cm, "(> 4.4)"); strcat(list, ", size"); }
        if (fmax == T) { fact_field(r, c, IMT_F_site_detail, "(mentions the maxillary sinus)");
                         strcat(list, ", maxillary sinus"); }
        if (fnlr == T) { fact_field(r, c, IMT_F_nlr, "(> 1.958)"); strcat(list, ", NLR"); }
        if (finv == T) { fact_field(r, c, IMT_F_invasive_growth, ""); strcat(list, ", invasion"); }
        set_summary(r, "Adjuvant RT can be given; high-risk: %s", list + 2);
        char feats[128] = "";
        if (fsize == T) strcat(feats, "; size > 4.4 cm");
        if (fmax == T) strcat(feats, "; maxillary sinus tumour");
        if (fnlr == T) strcat(feats, "; NLR > 1.958");
        if (finv == T) strcat(feats, "; obvious invasive growth");
        add_detail(r, "High-risk features present: %s.", feats + 2);
        if (near && fmax != T)
            miss(r, "site_detail mentions the maxilla but not the maxillary sinus: a "
                    "maxillary sinus tumour is a further high-risk feature");
        return T;
    }
    if (t == U && site == T) {
        if (resected == U && feat == T)
            miss(r, "surgery unknown: after resection, the high-risk features would "
                    "support adjuvant RT (TX-HN-ADJUVANT-RT)");
        else if (resected == T && feat == U) {
            char list[100] = "";
            if (fsize == U) strcat(list, ", size_cm");
            if (fmax == U) strcat(list, ", site_detail");
            if (fnlr == U) strcat(list, ", nlr");
            if (finv == U) strcat(list, ", invasive_growth");
            miss(r, "%s unknown: a high-risk feature would support adjuvant RT "
                    "(TX-HN-ADJUVANT-RT)", list + 2);
            if (near)
                miss(r, "site_detail mentions the maxilla but not the maxillary sinus: "
                        "a maxillary sinus tumour would support adjuvant RT");
        }
    }
    if (t == F && site == T && resected == T && near)
        miss(r, "site_detail mentions the maxilla but not the maxillary sinus: a "
                "maxillary sinus tumour would support adjuvant RT (TX-HN-ADJUVANT-RT)");
    /* a bare "maxilla" with no feature: the rule is F, but the doubt is
     * worth a line, so answer U so the collector shows it */
    if (t == F && r->nmissing)
        return U;
    return t;
}

/* TX-RADICAL-RT: not suitable for surgery (which includes R1/R2). */
static tri c_tx_radical_rt(rctx *x, rule_rec *r)
{
    tri t = gate_unsuit(x, r, T);
    if (t != T)
        return t;
    if (part_margin(x->c) == T && x->unsuit == T && part_resectable(x->c) != T &&
        part_metastatic(x->c) != T && part_recurrence(x->c) != T)
        set_summary(r, "Incomplete resection: radical RT with systemic therapy (IMRT 45-60 Gy)");
    molecular_missing(r, x->c);
    return T;
}

/* TX-ALK-TKI: alk_status positive and not suitable for surgery. */
static tri c_tx_alk_tki(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    tri t = gate_unsuit(x, r, c->alk_status == ALK_POSITIVE ? T
                              : c->alk_status == ALK_NEGATIVE ? F : U);
    if (t != T)
        return t;
    alk_facts(r, c);
    if (!c->alk_confirmed) {
        set_summary(r, "ALK TKI (crizotinib first); confirm the fusion (C3): ALK by IHC only");
        add_detail(r, "ALK rests on IHC alone: confirm the fusion (C3), by RNA-based NGS "
                      "preferably.");
        miss(r, "no molecular ALK result: FISH or NGS would confirm the fusion (C3)");
    }
    return T;
}

static tri c_tx_ros1_tki(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    tri t = gate_unsuit(x, r, !c->fusion ? U : imt_fusion_involves(c->fusion, "ROS1") ? T : F);
    if (t == T)
        fact_field(r, c, IMT_F_fusion, "");
    return t;
}

static tri c_tx_ntrk_ret(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    bool ntrk = fusion_ntrk(c->fusion), ret = imt_fusion_involves(c->fusion, "RET");
    tri t = gate_unsuit(x, r, !c->fusion ? U : (ntrk || ret) ? T : F);
    if (t != T)
        return t;
    fact_field(r, c, IMT_F_fusion, "");
    if (ntrk && ret)
        set_summary(r, "NTRK/RET fusion: tumour-agnostic TKI (entrectinib, selpercatinib)");
    else if (ntrk)
        set_summary(r, "NTRK fusion: tumour-agnostic TKI (entrectinib)");
    else
        set_summary(r, "RET fusion: tumour-agnostic TKI (selpercatinib)");
    return T;
}

/* TX-CHEMO: not suitable for surgery, and no targetable fusion or a TKI
 * already given. */
static tri c_tx_chemo(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    tri none = tri_not(targetable(c));
    tri tki = text_set(c->targeted);
    tri t = gate_unsuit(x, r, tri_or(none, tki));
    if (t == U && tki == U && x->unsuit == T)
        miss(r, "targeted unknown: if a TKI was already given, chemotherapy is the next "
                "option (TX-CHEMO, C8)");
    if (t != T)
        return t;
    if (none == T) {
        alk_facts(r, c);
        fired(r, "no targetable fusion (ALK, ROS1, NTRK, RET)");
    }
    if (tki == T)
        fact_field(r, c, IMT_F_targeted, "(a TKI already given)");
    return T;
}

static tri c_tx_steroid_hn(rctx *x, rule_rec *r)
{
    tri t = gate_unsuit(x, r, te(x->c->site, SITE_HEAD_NECK));
    if (t == T)
        fact_field(r, x->c, IMT_F_site, "");
    return t;
}

static tri c_tx_steroid_caution(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    tri site = te2(c->site, SITE_LUNG, SITE_THORAX_OTHER);
    tri t = tri_and(site, tb(c->steroids));
    if (t == T) {
        fact_field(r, c, IMT_F_site, "");
        fact_field(r, c, IMT_F_steroids, "");
    } else if (t == U && site == T) {
        /* unknown is not "no": at a thoracic site, whether steroids were
         * given decides this caution */
        miss(r, "steroids unknown: if glucocorticoids were given, caution: they have "
                "been reported to favour progression of thoracic IMT "
                "(TX-STEROID-CAUTION)");
    }
    return t;
}

static tri c_tx_nsaid(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    tri t = gate_unsuit(x, r, c->alk_status == ALK_NEGATIVE ? T
                              : c->alk_status == ALK_POSITIVE ? F : U);
    if (t == T)
        alk_facts(r, c);
    return t;
}

/* TX-IO: pdl1_tps > 0, not suitable for surgery, prior systemic therapy. */
static tri c_tx_io(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    tri pd = num_gt(c->pdl1_tps, 0);
    tri tg = text_set(c->targeted), ch = text_set(c->chemotherapy);
    tri prior = tri_or(tg, ch);
    tri t = gate_unsuit(x, r, tri_and(pd, prior));
    if (t == T) {
        fact_field(r, c, IMT_F_pdl1_tps, "(> 0)");
        if (tg == T) fact_field(r, c, IMT_F_targeted, "");
        if (ch == T) fact_field(r, c, IMT_F_chemotherapy, "");
    } else if (t == U && pd == U && prior == T && x->unsuit == T) {
        miss(r, "pdl1_tps unknown: a PD-L1-positive tumour could be considered for a "
                "checkpoint inhibitor within a trial (TX-IO)");
    } else if (t == U && pd == U && prior == U && x->unsuit == T) {
        miss(r, "pdl1_tps and %s unknown: PD-L1 > 0 after systemic therapy would "
                "allow a checkpoint inhibitor in a trial (TX-IO)",
             tg == U && ch == U ? "targeted and chemotherapy" : tg == U ? "targeted"
                                                                       : "chemotherapy");
    } else if (t == U && pd == T && prior == U && x->unsuit == T) {
        char v[16];
        miss(r, "%s unknown: after prior systemic therapy, pdl1_tps = %s would allow "
                "a checkpoint inhibitor within a trial (TX-IO)",
             tg == U && ch == U ? "targeted and chemotherapy" : tg == U ? "targeted"
                                                                       : "chemotherapy",
             imt_field_format(c, IMT_F_pdl1_tps, v, sizeof v));
    }
    return t;
}

static tri c_tx_trial(rctx *x, rule_rec *r)
{
    tri t = gate_unsuit(x, r, T);
    if (t == T) {
        if (x->c->alk_status == ALK_POSITIVE)
            add_detail(r, "ALK-positive: ALK TKI trials apply.");
        molecular_missing(r, x->c);
    }
    return t;
}

/* RISK-SIZE: size_cm > 6.5; phrases past 8 and 11 cm (consensus §7,
 * patient information page). */
static tri c_risk_size(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    tri t = num_gt(c->size_cm, 6.5);
    if (t != T)
        return t;
    double v = c->size_cm.v;
    fact_field(r, c, IMT_F_size_cm, v > 11 ? "(> 6.5, > 8, > 11)" : v > 8 ? "(> 6.5, > 8)" : "(> 6.5)");
    if (v > 11) {
        set_summary(r, "Poorer prognosis; > 8 cm: higher recurrence; "
                       "> 11 cm: predicts recurrence");
    } else if (v > 8) {
        set_summary(r, "Large tumour (> 6.5 cm): poorer prognosis; > 8 cm: higher recurrence");
    }
    if (v > 8)
        add_detail(r, "> 8 cm: higher recurrence (patient information page).");
    if (v > 11)
        add_detail(r, "> 11 cm: predicts recurrence (consensus §7).");
    return T;
}

static tri c_risk_margin(rctx *x, rule_rec *r)
{
    tri t = part_margin(x->c);
    if (t == T) {
        fact_field(r, x->c, IMT_F_surgery, "");
        set_summary(r, "Positive margins (%s): recurrence 51.0%% vs 6.8%%, mortality "
                       "13.2%% vs 1.0%%", imt_surgery_values[x->c->surgery]);
    }
    return t;
}

static tri c_risk_metastatic(rctx *x, rule_rec *r)
{
    tri t = tb(x->c->metastatic);
    if (t == T)
        fact_field(r, x->c, IMT_F_metastatic, "");
    return t;
}

static tri c_risk_alk_neg(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    if (c->alk_status != ALK_NEGATIVE)
        return c->alk_status == ALK_UNKNOWN ? U : F;
    alk_facts(r, c);
    return T;
}

/* RISK-PATHOLOGY: necrosis, mitoses >= cut-off (configurable, default
 * 10 per 10 HPF: the sources give none), epithelioid histology. */
static tri c_risk_pathology(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    tri n = tb(c->necrosis);
    tri m = num_ge(c->mitoses_10hpf, x->cfg->mitoses_cutoff);
    tri e = te(c->histology, HIST_EPITHELIOID);
    tri t = tri_or(tri_or(n, m), e);
    if (t != T)
        return t;
    char list[64] = "", note[48];
    if (n == T) { fact_field(r, c, IMT_F_necrosis, ""); strcat(list, ", necrosis"); }
    if (m == T) {
        snprintf(note, sizeof note, "(>= %g, configurable cut-off)", x->cfg->mitoses_cutoff);
        fact_field(r, c, IMT_F_mitoses_10hpf, note);
        strcat(list, ", mitoses");
    }
    if (e == T) { fact_field(r, c, IMT_F_histology, ""); strcat(list, ", epithelioid"); }
    set_summary(r, "Adverse pathology (%s): poor prognosis", list + 2);
    add_detail(r, "Mitoses cut-off in use: %g per 10 HPF.", x->cfg->mitoses_cutoff);
    return T;
}

static tri c_risk_female_incomplete(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    tri inc = c->surgery == IMT_UNKNOWN ? U
            : (c->surgery == SURG_R1 || c->surgery == SURG_R2 || c->surgery == SURG_BIOPSY) ? T : F;
    tri fem = te(c->sex, SEX_F);
    tri t = tri_and(fem, inc);
    if (t == T) {
        fact_field(r, c, IMT_F_sex, "");
        fact_field(r, c, IMT_F_surgery, "");
    } else if (t == U && inc == T) {
        char v[16];
        miss(r, "sex unknown: with surgery = %s, female sex would add the adult "
                "cohort's poorer-OS flag (RISK-FEMALE-INCOMPLETE)",
             imt_field_format(c, IMT_F_surgery, v, sizeof v));
    } else if (t == U && fem == T && x->unsuit != U) {
        /* (with the suitability unknown, DX-MISSING-DATA already names the
         * empty surgery) */
        miss(r, "surgery unknown: with sex = F, an R1/R2 resection or a biopsy only "
                "would add the adult cohort's poorer-OS flag (RISK-FEMALE-INCOMPLETE)");
    }
    return t;
}

/* FU-LONG-TERM: a treated case (surgery not empty/none, or any therapy). */
static tri c_fu_long_term(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    tri s = c->surgery == IMT_UNKNOWN ? U : c->surgery == SURG_NONE ? F : T;
    tri rt = num_gt(c->radiotherapy_gy, 0);
    tri ch = text_set(c->chemotherapy), st = tb(c->steroids), ns = tb(c->nsaid);
    tri tg = text_set(c->targeted), io = text_set(c->immunotherapy);
    tri t = tri_or(tri_or(tri_or(s, rt), tri_or(ch, st)), tri_or(tri_or(ns, tg), io));
    if (t != T)
        return t;
    if (s == T) fact_field(r, c, IMT_F_surgery, "");
    if (rt == T) fact_field(r, c, IMT_F_radiotherapy_gy, "");
    if (ch == T) fact_field(r, c, IMT_F_chemotherapy, "");
    if (st == T) fact_field(r, c, IMT_F_steroids, "");
    if (ns == T) fact_field(r, c, IMT_F_nsaid, "");
    if (tg == T) fact_field(r, c, IMT_F_targeted, "");
    if (io == T) fact_field(r, c, IMT_F_immunotherapy, "");
    fact_field(r, c, IMT_F_site, "");
    const char *why = NULL;
    if (c->site == SITE_LUNG && c->alk_status == ALK_POSITIVE) {
        why = "ALK-positive lung";
        fired(r, "alk_status = positive");
    } else if (c->site == SITE_HEAD_NECK) {
        why = "head and neck";
    } else if (c->site == SITE_ABDOMEN_PELVIS) {
        why = "abdominal site";
    } else if (c->site >= 0 && c->site != SITE_LUNG) {
        why = "extrapulmonary site";
    }
    if (why) {
        set_summary(r, "Long-term imaging follow-up; shorter intervals (%s)", why);
        add_detail(r, "This case (%s): shorter intervals.", why);
    } else if (c->site == SITE_LUNG) {
        set_summary(r, "Long-term imaging follow-up (lung: about 2%% recur after R0)");
        if (c->alk_status == ALK_UNKNOWN)
            miss(r, "ALK status unknown: ALK-positive lung cases need shorter intervals");
    }
    return T;
}


/* ---- rules that read the course (issue 14) ---------------------------- */

/* Day of an event from diagnosis, NAN when it cannot be placed. */
static double ev_at(const rctx *x, const imt_event *e)
{
    long d;
    return ev_day_of(e, x->c, &d) == 0 ? (double)d : NAN;
}

/* Today in days from diagnosis, NAN without a diagnosis date. */
static double today_at(const rctx *x)
{
    long t, dx;
    if (!x->c->diagnosis_date || !ev_date_days(x->c->diagnosis_date, &dx) ||
        !ev_date_days(x->today, &t))
        return NAN;
    return (double)(t - dx);
}

static const char *ev_when(const imt_event *e, char *buf, size_t n)
{
    if (e->date[0])
        snprintf(buf, n, "%s", e->date);
    else
        snprintf(buf, n, "day %d", e->day);
    return buf;
}

/* The ALK or ROS1 inhibitor of a line's agent list, or AG_N. */
static ev_agent line_tki(const char *agents)
{
    char nm[48];
    ev_agent a;
    for (int i = 0; (a = ev_agents_item(agents, i, nm, sizeof nm)) != AG_N; i++)
        if (ev_agent_is_alk_tki(a) || ev_agent_is_ros1_tki(a))
            return a;
    return AG_N;
}

#define RLINES 64

/* TX-TKI-PROGRESSION: a progression (a progression event, or a line
 * stopped for progression) while a line with an ALK or ROS1 inhibitor
 * runs, and no biopsy on or after it (the re-biopsy is not done).  A
 * progression event naming its line is on that line; one without a line
 * is on every line open at its date.  A line whose agent is not recorded
 * leaves the rule undecided (missing). */
static tri c_tx_tki_progression(rctx *x, rule_rec *r)
{
    const imt_course *co = x->course;
    course_line lines[RLINES];
    int nl = course_lines(x->c, co, lines, RLINES);
    tri res = F;
    int best_ev = -1, best_line = -1;
    double best_at = -INFINITY;
    for (int i = 0; i < co->n; i++) {
        const imt_event *e = &co->v[i];
        bool prog = e->type == EV_PROGRESSION ||
                    (e->type == EV_THERAPY_STOP && e->reason == REASON_PROGRESSION);
        double p = ev_at(x, e);
        if (!prog || !isfinite(p))
            continue;
        bool biopsied = false;
        for (int j = 0; j < co->n; j++)
            if (co->v[j].type == EV_BIOPSY && ev_at(x, &co->v[j]) >= p)
                biopsied = true;
        for (int k = 0; k < nl; k++) {
            const course_line *L = &lines[k];
            bool on = e->line > 0 ? L->line == e->line
                    : L->start <= p && (!isfinite(L->stop) || p <= L->stop);
            if (!on)
                continue;
            if (!L->agents) {
                if (!biopsied) {
                    char w[24];
                    miss(r, "the agent of line %d is not recorded: a progression (%s) on an "
                            "ALK or ROS1 inhibitor calls for a re-biopsy "
                            "(TX-TKI-PROGRESSION)", L->line, ev_when(e, w, sizeof w));
                    if (res == F)
                        res = U;
                }
                continue;
            }
            if (line_tki(L->agents) == AG_N || biopsied)
                continue;
            res = T;
            if (p >= best_at) {
                best_at = p;
                best_ev = i;
                best_line = k;
            }
        }
    }
    if (res != T)
        return res;
    const course_line *L = &lines[best_line];
    const imt_event *e = &co->v[best_ev];
    char w1[24], w2[24];
    ev_agent a = line_tki(L->agents);
    fired(r, "line %d: %s, started %s", L->line, L->agents,
          ev_when(&co->v[L->start_ev], w1, sizeof w1));
    if (e->type == EV_PROGRESSION)
        fired(r, "progression on %s", ev_when(e, w2, sizeof w2));
    else
        fired(r, "line %d stopped for progression on %s", e->line, ev_when(e, w2, sizeof w2));
    fired(r, "no biopsy recorded on or after the progression");
    bool alk = ev_agent_is_alk_tki(a) && (x->c->alk_status == ALK_POSITIVE ||
                                          !imt_fusion_involves(x->c->fusion, "ROS1"));
    set_summary(r, "Progression on %s: re-biopsy + resistance testing; next TKI or trial",
                ev_agent_names[a]);
    if (alk)
        add_detail(r, "ALK: a later-generation inhibitor (ceritinib, alectinib, "
                      "brigatinib, lorlatinib; lorlatinib after a second-generation "
                      "one) or a clinical trial.");
    else
        add_detail(r, "ROS1: a ROS1 inhibitor other than %s (data on targets other than "
                      "ALK are limited, consensus §9.4) or a clinical trial.",
                   ev_agent_names[a]);
    return T;
}

/* FU-RECORD-RESPONSE: a line that has run at least the first assessment
 * interval (stopped after it, or open and started that long before
 * today) with no response recorded.  A line ended by death before the
 * interval is not asked for one. */
static tri c_fu_record_response(rctx *x, rule_rec *r)
{
    const imt_course *co = x->course;
    course_line lines[RLINES];
    int nl = course_lines(x->c, co, lines, RLINES);
    course_timeline t;
    course_timeline_of(x->c, co, &t);
    double now = today_at(x);
    int days = x->cfg->response_days > 0 ? x->cfg->response_days : 84;
    tri res = F;
    int nfire = 0, first = -1;
    for (int k = 0; k < nl; k++) {
        const course_line *L = &lines[k];
        if (L->best >= 0)
            continue;
        double end = isfinite(L->stop) ? L->stop : now;
        if (t.dead && isfinite(t.death) && (!isfinite(end) || t.death < end))
            end = t.death;
        char w[24];
        if (!isfinite(end)) {
            miss(r, "diagnosis_date unknown: line %d (started %s) is open and its age "
                    "cannot be told (FU-RECORD-RESPONSE)", L->line,
                 ev_when(&co->v[L->start_ev], w, sizeof w));
            if (res == F)
                res = U;
            continue;
        }
        if (end - L->start < days)
            continue;
        res = T;
        if (first < 0)
            first = k;
        nfire++;
        fired(r, "line %d (%s) started %s, %s: no response recorded", L->line,
              L->agents ? L->agents : "agent not recorded",
              ev_when(&co->v[L->start_ev], w, sizeof w),
              isfinite(L->stop) ? "stopped" : "still open");
    }
    if (res != T)
        return res;
    fired(r, "first response assessment expected %d days after a line starts "
             "(response_assessment_days)", days);
    if (nfire == 1)
        set_summary(r, "Line %d: no response recorded after %d weeks; record it (RECIST 1.1)",
                    lines[first].line, days / 7);
    else
        set_summary(r, "%d lines without a response after %d weeks; record them (RECIST 1.1)",
                    nfire, days / 7);
    return T;
}

/* TX-RECURRENCE-RESECT: a recurrence (local, or its site not recorded)
 * with no surgery on or after it, and the case judged resectable. */
static tri c_tx_recurrence_resect(rctx *x, rule_rec *r)
{
    const imt_course *co = x->course;
    int rec = -1;
    for (int i = 0; i < co->n; i++) {
        const imt_event *e = &co->v[i];
        if (e->type != EV_RECURRENCE || (e->site && strcmp(e->site, "local") != 0))
            continue;
        double p = ev_at(x, e);
        bool operated = false;
        for (int j = 0; j < co->n; j++)
            if (co->v[j].type == EV_SURGERY && isfinite(p) && ev_at(x, &co->v[j]) >= p)
                operated = true;
        if (!operated)
            rec = i;            /* the latest one not operated on */
    }
    if (rec < 0)
        return F;
    const imt_event *e = &co->v[rec];
    char w[24];
    if (x->c->resectable == 0)
        return F;
    if (x->c->resectable == IMT_UNKNOWN) {
        miss(r, "resectable unknown: the recurrence of %s, if resectable, should be "
                "re-resected (TX-RECURRENCE-RESECT)", ev_when(e, w, sizeof w));
        return U;
    }
    fired(r, "recurrence on %s (%s)", ev_when(e, w, sizeof w),
          e->site ? "local" : "site not recorded");
    fired(r, "no surgery recorded on or after it");
    fact_field(r, x->c, IMT_F_resectable, "");
    if (!e->site)
        miss(r, "recurrence site not recorded: the advice is for a local recurrence");
    return T;
}

/* FU-OVERDUE: the case's next due date (the store's next_due, from the
 * follow-up schedule) is before today. */
static tri c_fu_overdue(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    if (!c->next_due[0] || strcmp(c->next_due, x->today) >= 0)
        return F;
    long a, b;
    long late = ev_date_days(c->next_due, &a) && ev_date_days(x->today, &b) ? b - a : 0;
    fired(r, "next_due = %s (follow-up schedule)", c->next_due);
    fired(r, "today = %s: %ld day%s overdue", x->today, late, late == 1 ? "" : "s");
    set_summary(r, "Follow-up overdue since %s (%ld d): arrange a visit with imaging",
                c->next_due, late);
    return T;
}

static tri c_fu_staging(rctx *x, rule_rec *r)
{
    fact_field(r, x->c, IMT_F_site, "");
    if (x->c->site >= 0)
        set_summary(r, "No IMT-specific staging: AJCC 9th edition TNM for the site (%s)",
                    site_name(x->c));
    return T;
}

/* DX-MISSING-DATA: what the other rules could not decide.  Must stay the
 * last entry of the table, at the lowest level (see the top comment). */
static tri c_dx_missing_data(rctx *x, rule_rec *r)
{
    const imt_case *c = x->c;
    if (x->unsuit == U) {
        fired(r, "not suitable for surgery = unknown");
        if (part_resectable(c) == U) miss(r, "resectable unknown: it decides whether the case is suitable for surgery");
        if (part_margin(c) == U)     miss(r, "surgery unknown: an R1/R2 resection makes the case not suitable for surgery");
        if (part_metastatic(c) == U) miss(r, "metastatic unknown: metastatic disease makes the case not suitable for surgery");
        if (part_recurrence(c) == U) miss(r, "recurrence unknown: a recurrence not judged resectable makes the case not suitable for surgery");
        if (x->nhinge) {
            char ids[RULES_FACT_LEN] = "";
            size_t len = 0;
            for (int i = 0; i < x->nhinge && len + 20 < sizeof ids; i++)
                len += (size_t)snprintf(ids + len, sizeof ids - len, "%s%s",
                                        i ? ", " : "", x->hinge[i]);
            miss(r, "if not suitable for surgery: %s", ids);
        }
    }
    if (x->npending)
        fired(r, "other rules held back only by empty fields (see missing)");
    for (int i = 0; i < x->npending; i++)
        miss(r, "%s", x->pending[i]);
    if (!r->nmissing)
        return F;
    if (x->unsuit == U)
        set_summary(r, "Record surgical status (resectable, surgery, metastatic, recurrence)");
    if (x->nhinge)
        add_detail(r, "Treatment rules held back until surgical suitability is known are "
                      "listed under missing.");
    return T;
}

/* ---- the table ---------------------------------------------------------- */

#define LV_WORKUP "A test or step still to do: suggestion, the CDS Hooks level for " \
                  "an action the user may take."
#define LV_DIFF   "Warning: a positive marker that questions the diagnosis, and every " \
                  "other recommendation rests on the diagnosis."
#define LV_TX     "Suggestion: a treatment option for the team to weigh, not an alarm."

static const rule_def rule_table[] = {
    /* ---- diagnostic work-up (consensus §4-§6, C1-C4) ---- */
    { { "DX-IMAGING", RK_WORKUP, RL_SUGGESTION,
        "imaging is empty",
        "Contrast-enhanced CT or MRI, the modality chosen for the site; PET-CT "
        "when staging is needed.",
        "Consensus C1 (31 agree / 0 disagree / 0 abstain); imaging features, consensus §4",
        LV_WORKUP },
      "Imaging: contrast-enhanced CT or MRI for the site; PET-CT if staging",
      c_dx_imaging },
    { { "DX-ALK-IHC", RK_WORKUP, RL_SUGGESTION,
        "alk_ihc is empty",
        "ALK immunohistochemistry as part of a multi-marker panel (with SMA, "
        "desmin, cytokeratin, S-100, and markers for the differentials: CD117/DOG1 "
        "for GIST, IgG4 for IgG4-related disease).",
        "Consensus C2 (31 agree / 0 disagree / 0 abstain); ALK IHC recommended "
        "for the high rate of ALK fusion (consensus §5)",
        LV_WORKUP },
      "ALK IHC within a marker panel (SMA, desmin, keratin, S-100, differentials)",
      c_dx_alk_ihc },
    { { "DX-FUSION-TEST", RK_WORKUP, RL_SUGGESTION,
        "alk_status is not positive (negative or unknown) and fusion is empty (not tested)",
        "RNA-based NGS fusion panel (preferred over FISH and RT-PCR) to look for "
        "ALK, ROS1, NTRK, RET, PDGFRB and IGF1R fusions.",
        "Consensus C3 (30 agree / 0 disagree / 1 abstain); fusion genes ROS1, NTRK, "
        "PDGFR, IGF1R, RET (consensus §6); 2024 adult cohort, introduction (FISH, NGS "
        "or RT-PCR when ALK IHC is negative) and §5 (IHC and gene rearrangement "
        "testing for all)",
        LV_WORKUP },
      "RNA-based NGS fusion panel: ALK, ROS1, NTRK, RET, PDGFRB, IGF1R",
      c_dx_fusion_test },
    { { "DX-ALK-PARTNER", RK_WORKUP, RL_SUGGESTION,
        "alk_status = positive and fusion is empty",
        "NGS to identify the ALK fusion partner: the partner informs prognosis "
        "and targeted therapy.",
        "Consensus C3 (30 agree / 0 disagree / 1 abstain); fusion partners are "
        "associated with clinical features (consensus §6)",
        LV_WORKUP },
      "ALK-positive, partner unknown: NGS to identify the ALK fusion partner",
      c_dx_alk_partner },
    { { "DX-ALK-DISCORDANT", RK_WORKUP, RL_WARNING,
        "alk_ihc = positive but alk_fish = negative or a fusion without ALK "
        "(including none); or alk_ihc = negative but alk_fish = positive or an ALK "
        "fusion; or alk_fish and fusion disagree (this program's addition: both "
        "molecular). Equivocal IHC is never discordant.",
        "Discordant ALK results: review the slides and the molecular report.",
        "Consensus C3 (30 agree / 0 disagree / 1 abstain: NGS is more accurate than "
        "IHC, FISH and PCR); data dictionary, derived alk_status (a molecular "
        "result outranks IHC)",
        "Warning: the ALK status decides targeted therapy, and here it rests on "
        "results that contradict each other." },
      "Discordant ALK results: review the slides and the molecular report",
      c_dx_alk_discordant },
    { { "DX-EIMS", RK_WORKUP, RL_WARNING,
        "histology = epithelioid, or alk_ihc_pattern is nuclear_membrane or perinuclear",
        "Consider epithelioid inflammatory myofibroblastic sarcoma (EIMS): an "
        "aggressive course; RANBP2::ALK is the typical fusion.",
        "Consensus §5 (EIMS shows aggressive progression; no vote); RANBP2::ALK "
        "and the nuclear-membrane/perinuclear ALK pattern: 13-case sinonasal series "
        "discussion (Zhu et al. 2018, consensus ref. 12; not in the bundled references)",
        "Warning: EIMS is an aggressive variant and changes the expected course." },
      "Consider epithelioid inflammatory myofibroblastic sarcoma (aggressive)",
      c_dx_eims },
    { { "DX-DIFF-IGG4", RK_WORKUP, RL_WARNING,
        "igg4_igg_ratio > 40 and igg4_per_hpf > 10 (both strict)",
        "Consider IgG4-related disease in the differential diagnosis.",
        "Consensus §5 (IgG4-related disease in the differential; no vote); "
        "thresholds IgG4+/IgG+ > 40% and > 10 IgG4+ cells/HPF from the IgG4-RD "
        "comprehensive diagnostic criteria (Umehara et al. 2012; not in the "
        "bundled references)",
        LV_DIFF },
      "IgG4 ratio > 40% and > 10 IgG4+ cells/HPF: consider IgG4-related disease",
      c_dx_diff_igg4 },
    { { "DX-DIFF-GIST", RK_WORKUP, RL_WARNING,
        "cd117 = positive or dog1 = positive",
        "Consider gastrointestinal stromal tumour in the differential diagnosis.",
        "Consensus §5 (gastrointestinal stromal tumour in the differential; no vote)",
        LV_DIFF },
      "CD117/DOG1 positive: consider GIST in the differential",
      c_dx_diff_gist },
    { { "DX-DIFF-S100", RK_WORKUP, RL_WARNING,
        "s100 = positive",
        "S-100 positivity is unusual in IMT: consider a neural or melanocytic tumour.",
        "Consensus §5 (differential of spindle-cell tumours; no vote); S-100 negative "
        "in 8 of 9 tested cases of the 13-case sinonasal series (Zhu et al. 2018, "
        "consensus ref. 12; not in the bundled references)",
        LV_DIFF },
      "S-100 positive, unusual in IMT: consider a neural or melanocytic tumour",
      c_dx_diff_s100 },
    { { "DX-DIFF-CK", RK_WORKUP, RL_WARNING,
        "cytokeratin = positive",
        "Focal keratin can occur in IMT, but exclude sarcomatoid carcinoma.",
        "Consensus §5 (differential of spindle-cell tumours; no vote)",
        LV_DIFF },
      "Cytokeratin positive: focal keratin occurs in IMT; exclude sarcomatoid ca",
      c_dx_diff_ck },
    { { "DX-MDT", RK_WORKUP, RL_SUGGESTION,
        "always, unless review_status = signed_out (empty counts as unreviewed)",
        "Multidisciplinary discussion recommended: respiratory medicine, oncology, "
        "radiology, pathology, surgery, radiation oncology and gynaecology as the "
        "site needs.",
        "Consensus C4 (31 agree / 0 disagree / 0 abstain)",
        LV_WORKUP },
      "Multidisciplinary team discussion recommended",
      c_dx_mdt },

    /* ---- treatment (consensus §9, C5-C9) ---- */
    { { "TX-SURGERY", RK_TREATMENT, RL_SUGGESTION,
        "resectable = yes and surgery is empty, none or biopsy",
        "Radical surgery aiming at R0 margins is the main treatment.",
        "Consensus C5 (31 agree / 0 disagree / 0 abstain); complete resection: "
        "5-year survival 91% (consensus §9.1)",
        LV_TX },
      "Resectable: radical surgery aiming at R0 margins is the main treatment",
      c_tx_surgery },
    { { "TX-RERESECT", RK_TREATMENT, RL_WARNING,
        "surgery is R1 or R2 and resectable is not no (yes or empty)",
        "Incomplete resection: consider re-resection where feasible; otherwise "
        "radiotherapy with systemic therapy.",
        "Consensus C5 (31 agree / 0 disagree / 0 abstain) and C6 (23 agree / 0 "
        "disagree / 8 abstain); positive margins: recurrence 51.0% vs 6.8%, "
        "mortality 13.2% vs 1.0% (paediatric review, Table 1, p < 0.0001)",
        "Warning: residual tumour after surgery needs a decision; positive margins "
        "carry the highest recurrence and mortality of any flag in the sources." },
      "Incomplete resection: consider re-resection where feasible",
      c_tx_reresect },
    { { "TX-HN-ADJUVANT-RT", RK_TREATMENT, RL_SUGGESTION,
        "site = head_neck, surgery is R0, R1 or R2, and at least one high-risk "
        "feature: size_cm > 4.4, site_detail mentions the maxillary sinus (any "
        "case; \"maxillary sinus\" or \"maxillary antrum\"; \"maxilla\" alone does "
        "not count but is listed as missing), nlr > 1.958, invasive_growth = yes",
        "Adjuvant radiotherapy can be given: involved-field, IMRT preferred, 45-60 "
        "Gy in conventional fractions, no elective nodal irradiation.",
        "Consensus C6 (23 agree / 0 disagree / 8 abstain); high-risk features "
        "size > 4.4 cm, maxillary sinus, NLR > 1.958, obvious invasive growth "
        "(consensus §9.2, head and neck study, ref. 10)",
        LV_TX },
      "Adjuvant RT can be given (head and neck, high-risk features)",
      c_tx_hn_adjuvant_rt },
    { { "TX-RADICAL-RT", RK_TREATMENT, RL_SUGGESTION,
        "not suitable for surgery (which includes surgery R1 or R2)",
        "Radical radiotherapy combined with systemic therapy; involved-field IMRT "
        "45-60 Gy (conventional fractions).",
        "Consensus C6 (23 agree / 0 disagree / 8 abstain); radiotherapy literature "
        "mainly case reports (consensus §9.2)",
        LV_TX },
      "Not suitable for surgery: radical RT with systemic therapy (IMRT 45-60 Gy)",
      c_tx_radical_rt },
    { { "TX-ALK-TKI", RK_TREATMENT, RL_SUGGESTION,
        "alk_status = positive and not suitable for surgery (adds \"confirm the "
        "fusion (C3)\" when ALK rests on IHC alone)",
        "ALK TKI: crizotinib first; ceritinib, alectinib, lorlatinib or brigatinib "
        "after progression.",
        "Consensus C7 (25 agree / 0 disagree / 6 abstain); crizotinib ORR 86% in the "
        "14-patient paediatric expansion cohort, median PFS 18 months on long-term "
        "follow-up (EORTC 90101) (consensus §9.4); adult cohort ORR 70.6% in 17 "
        "reported cases (2024 adult cohort, discussion, Table 4)",
        LV_TX },
      "ALK TKI: crizotinib first; ceritinib/alectinib/lorlatinib/brigatinib next",
      c_tx_alk_tki },
    { { "TX-ROS1-TKI", RK_TREATMENT, RL_SUGGESTION,
        "fusion involves ROS1 and not suitable for surgery",
        "A ROS1 TKI can be tried (e.g. crizotinib).",
        "Consensus C7 (25 agree / 0 disagree / 6 abstain); crizotinib in "
        "ROS1-rearranged IMT: case reports only (consensus §9.4)",
        LV_TX },
      "ROS1 fusion, not operable: a ROS1 TKI (e.g. crizotinib) can be tried",
      c_tx_ros1_tki },
    { { "TX-NTRK-RET", RK_TREATMENT, RL_SUGGESTION,
        "fusion involves NTRK1, NTRK2, NTRK3 or RET (exact gene symbol) and not "
        "suitable for surgery",
        "Tumour-agnostic TKI: entrectinib for NTRK fusions, selpercatinib for RET "
        "fusions.",
        "Consensus §9.4 (entrectinib approved for NTRK-fusion solid tumours, "
        "selpercatinib in the US for RET-fusion solid tumours; no vote); in IMT: "
        "case reports only",
        LV_TX },
      "NTRK or RET fusion: tumour-agnostic TKI",
      c_tx_ntrk_ret },
    { { "TX-CHEMO", RK_TREATMENT, RL_SUGGESTION,
        "not suitable for surgery, and either no targetable fusion (ALK negative and "
        "a fusion result with no ROS1, NTRK or RET) or a TKI already given "
        "(targeted set; \"none\"/\"no\" count as not given)",
        "Chemotherapy: anthracycline-based, or methotrexate +/- vinorelbine or "
        "vincristine (ORR about 50%), or pemetrexed + platinum, or paclitaxel + "
        "platinum. C8 is the weakest consensus of the nine (17 agree, 14 abstain).",
        "Consensus C8 (17 agree / 0 disagree / 14 abstain: the weakest consensus of "
        "the nine); ORR about 50% for anthracycline- or methotrexate-based regimens, "
        "retrospective (consensus §9.5)",
        LV_TX },
      "Chemotherapy (weakest consensus, C8 17/0/14): anthracycline or MTX-based",
      c_tx_chemo },
    { { "TX-STEROID-HN", RK_TREATMENT, RL_SUGGESTION,
        "site = head_neck and not suitable for surgery",
        "Glucocorticoids (e.g. prednisone) as a basic part of combined therapy with "
        "radiotherapy or chemotherapy.",
        "13-case sinonasal/nasopharyngeal series (Zhu et al. 2018, consensus ref. 12; "
        "not in the bundled references): prednisone associated with better OS "
        "(log-rank P = 0.046); anti-tumour effect of anti-inflammatory treatment "
        "unclear (consensus §9.3)",
        LV_TX },
      "Head and neck, not operable: glucocorticoids within combined therapy",
      c_tx_steroid_hn },
    { { "TX-STEROID-CAUTION", RK_TREATMENT, RL_WARNING,
        "site is lung or thorax_other and steroids = yes",
        "Caution: corticosteroids have been reported to favour progression of "
        "thoracic IMT.",
        "Consensus §9.3 (Panigada et al. 2014, ref. 22): case report only",
        "Warning: a treatment already given may be doing harm." },
      "Caution: corticosteroids reported to favour progression of thoracic IMT",
      c_tx_steroid_caution },
    { { "TX-NSAID", RK_TREATMENT, RL_SUGGESTION,
        "alk_status = negative and not suitable for surgery",
        "NSAIDs are an option: 10 of 11 reported ALK-negative cases responded.",
        "2024 adult cohort, discussion (Chaves et al.: NSAIDs effective in 10 of 11 "
        "ALK-negative cases): case series only; anti-tumour effect unclear "
        "(consensus §9.3)",
        LV_TX },
      "ALK-negative, not operable: NSAIDs are an option (10 of 11 responded)",
      c_tx_nsaid },
    { { "TX-IO", RK_TREATMENT, RL_SUGGESTION,
        "pdl1_tps > 0, not suitable for surgery, and a prior systemic therapy "
        "(targeted or chemotherapy set)",
        "Checkpoint inhibitor only within a trial or after discussion: about 69% of "
        "IMT express PD-L1; responses in case reports only.",
        "Consensus §9.6 (about 69% of IMT express PD-L1; partial responses to "
        "nivolumab, toripalimab + sintilimab, pembrolizumab + anlotinib: case "
        "reports only; no vote)",
        LV_TX },
      "PD-L1 positive after systemic therapy: checkpoint inhibitor only in a trial",
      c_tx_io },
    { { "TX-TKI-PROGRESSION", RK_TREATMENT, RL_WARNING,
        "the course has a progression (a progression event, or a therapy_stop with "
        "reason progression) on a line whose agents include an ALK inhibitor "
        "(crizotinib, ceritinib, alectinib, brigatinib, lorlatinib, ensartinib) or a "
        "ROS1 inhibitor (crizotinib, ceritinib, entrectinib, lorlatinib), and no "
        "biopsy event on or after that progression. A progression event with a line "
        "number is on that line, one without on every line open at its date; a line "
        "with no agent recorded leaves the rule undecided (missing)",
        "Re-biopsy the progressing disease and test it for resistance (NGS: a "
        "secondary ALK or ROS1 mutation, another driver); consider a "
        "later-generation inhibitor or a clinical trial.",
        "2024 adult cohort §4 (progression during targeted therapy could prompt "
        "re-examination with NGS to identify new mutations; ceritinib and alectinib "
        "as second-line options; progression on a prior ALK inhibitor is associated "
        "with a poor response to the next) and §5 (next-generation ALK inhibitors for "
        "crizotinib-resistant IMT); consensus §9.4 (ceritinib, alectinib, lorlatinib, "
        "brigatinib: case reports) and C7 (25 agree / 0 disagree / 6 abstain), C9 "
        "(31 agree / 0 disagree / 0 abstain: clinical studies)",
        "Warning: the treatment in use has failed; the next step depends on a test "
        "not yet done." },
      "Progression on an ALK/ROS1 TKI: re-biopsy, resistance test; next TKI/trial",
      c_tx_tki_progression },
    { { "TX-RECURRENCE-RESECT", RK_TREATMENT, RL_WARNING,
        "the course has a recurrence whose site is local or not recorded (not "
        "distant), no surgery event on or after it, and resectable = yes (empty "
        "leaves the rule undecided: missing; no: it does not fire)",
        "Local recurrence: re-resection where the tumour is resectable, aiming at R0.",
        "Consensus §9.1 (some patients with local recurrence who are suitable for "
        "surgery can undergo surgical treatment; no vote) and C5 (31 agree / 0 "
        "disagree / 0 abstain: radical surgery for patients suitable for surgery); "
        "paediatric review: recurrences in 80 of 405 patients, 34 reoperated",
        "Warning: a recurrence that can still be removed needs a decision." },
      "Local recurrence, resectable: re-resection aiming at R0",
      c_tx_recurrence_resect },
    { { "TX-TRIAL", RK_TREATMENT, RL_SUGGESTION,
        "not suitable for surgery",
        "Offer a clinical trial (e.g. ALK TKI trials for ALK-positive disease).",
        "Consensus C9 (31 agree / 0 disagree / 0 abstain: multicentre prospective "
        "studies) and §10 (patients should be encouraged to join clinical studies); "
        "recruiting trials listed on the patient information page",
        LV_TX },
      "Not suitable for surgery: offer a clinical trial",
      c_tx_trial },

    /* ---- risk flags ---- */
    { { "RISK-SIZE", RK_RISK, RL_INFO,
        "size_cm > 6.5 (strict); the summary adds \"> 8 cm: higher recurrence\" past "
        "8 cm and \"> 11 cm: predicts recurrence\" past 11 cm",
        "Large tumour: poorer prognosis.",
        "Consensus §7 (> 6.5 cm poor prognosis; > 11 cm predicts recurrence; no "
        "vote); patient information page (> 8 cm: higher recurrence)",
        "Info: a prognostic flag; it changes follow-up, not the treatment choice." },
      "Large tumour (> 6.5 cm): poorer prognosis",
      c_risk_size },
    { { "RISK-MARGIN", RK_RISK, RL_WARNING,
        "surgery is R1 or R2",
        "Positive margins: recurrence 51.0% vs 6.8%, mortality 13.2% vs 1.0%.",
        "Paediatric systematic review, Table 1: recurrence 54 (51.0%) vs 14 (6.8%), "
        "mortality 14 (13.2%) vs 2 (1.0%), both p < 0.0001",
        "Warning: recurrence and death both rise with p < 0.0001 in the review." },
      "Positive margins: recurrence 51.0% vs 6.8%, mortality 13.2% vs 1.0%",
      c_risk_margin },
    { { "RISK-METASTATIC", RK_RISK, RL_WARNING,
        "metastatic = yes",
        "Metastatic disease is associated with mortality.",
        "Paediatric systematic review: metastatic disease associated with mortality "
        "(p < 0.0001); distant metastasis in about 5% (consensus §7)",
        "Warning: associated with mortality (p < 0.0001)." },
      "Metastatic disease: associated with mortality",
      c_risk_metastatic },
    { { "RISK-ALK-NEG", RK_RISK, RL_INFO,
        "alk_status = negative",
        "ALK-negative IMT is more likely to metastasise distantly.",
        "Consensus §6 (ALK-negative patients more likely to have distant metastasis; "
        "no vote); the paediatric review found no significant difference (71% vs 48% "
        "ALK-positive in metastatic vs non-metastatic IMT, p = 0.11)",
        "Info: a prognostic flag with conflicting cohort data." },
      "ALK-negative IMT: more likely to metastasise distantly",
      c_risk_alk_neg },
    { { "RISK-PATHOLOGY", RK_RISK, RL_INFO,
        "necrosis = yes, or mitoses_10hpf >= the cut-off (configurable, default 10), "
        "or histology = epithelioid",
        "Adverse pathological features (necrosis, high mitotic activity, epithelioid "
        "cells) are associated with a poor prognosis. The mitoses cut-off is a "
        "working value: the sources give none.",
        "Consensus §7 (necrosis and high mitotic activity associated with poor "
        "prognosis; no vote); epithelioid morphology (EIMS) aggressive (consensus "
        "§5); mitoses cut-off: this program's configurable working value",
        "Info: a prognostic flag; the mitoses cut-off is not from the sources." },
      "Adverse pathological features: poor prognosis",
      c_risk_pathology },
    { { "RISK-FEMALE-INCOMPLETE", RK_RISK, RL_INFO,
        "sex = F and surgery is R1, R2 or biopsy",
        "Female sex and incomplete resection correlated with poorer OS in the adult "
        "cohort.",
        "2024 adult cohort (74 cases), §3.4, univariate: female sex p = 0.05; R1/R2 "
        "resection or biopsy only p = 0.03",
        "Info: univariate, single-centre, borderline p value." },
      "Female sex with incomplete resection: poorer OS in the adult cohort",
      c_risk_female_incomplete },

    /* ---- follow-up ---- */
    { { "FU-LONG-TERM", RK_FOLLOWUP, RL_SUGGESTION,
        "a treated case: surgery is biopsy, R0, R1 or R2, or radiotherapy_gy > 0, or "
        "chemotherapy, targeted or immunotherapy set (not \"none\"), or steroids or "
        "nsaid = yes",
        "Long-term follow-up with imaging; recurrence after complete resection is "
        "about 2% for lung and up to 25% for extrapulmonary sites. Extrapulmonary, "
        "abdominal, ALK-positive lung and head-and-neck cases: shorter intervals.",
        "Consensus §9.1 (recurrence after complete resection 2% lung, up to 25% "
        "extrapulmonary; long-term follow-up required; no vote); 2024 adult cohort "
        "§4 (lung and head and neck: higher ALK positivity, more frequent follow-up); "
        "patient information page (abdominal site: higher recurrence)",
        "Suggestion: a step to plan." },
      "Long-term follow-up with imaging",
      c_fu_long_term },
    { { "FU-OVERDUE", RK_FOLLOWUP, RL_WARNING,
        "next_due (the case's next contact by the follow-up schedule: its last "
        "contact plus the interval for its group and years since diagnosis) is "
        "before today; none for a patient who died or is lost to follow-up",
        "Follow-up is overdue: arrange a visit with imaging.",
        "Follow-up schedule (themes/followup.schedule; imtreview(1) FOLLOW-UP): "
        "long-term follow-up after surgery (consensus §9.1; no vote), recurrences 2 "
        "to 6 years after R0 (2024 adult cohort §3.4), regular follow-up crucial for "
        "relapse risk (2024 adult cohort, abstract); never more than 12 months "
        "between contacts for a living patient not lost to follow-up (issue 14)",
        "Warning: a patient is overdue now; the date has passed." },
      "Follow-up overdue: arrange a visit with imaging",
      c_fu_overdue },
    { { "FU-RECORD-RESPONSE", RK_FOLLOWUP, RL_INFO,
        "a therapy line (therapy_start) with no response event, that ran at least "
        "response_assessment_days (follow-up schedule, default 84) from its start: "
        "stopped after that long, or still open and started that long before today; "
        "a line ended sooner by death is not asked for one",
        "Record the line's response (RECIST 1.1: CR, PR, SD, PD, or NE): best "
        "response and ORR per agent, PFS and the course rules depend on it.",
        "Responses per line are how the sources report targeted and systemic therapy "
        "(crizotinib ORR 86%, consensus §9.4; chemotherapy ORR about 50%, §9.5; "
        "adult cohort ORR 70.6%, §4), in RECIST 1.1 categories (issue 14); the "
        "assessment interval is a working value of the follow-up schedule (the sources "
        "give none)",
        "Info: data to record, not a clinical alarm." },
      "A therapy line has no response recorded: record it (RECIST 1.1)",
      c_fu_record_response },
    { { "FU-STAGING", RK_INFO, RL_INFO,
        "always",
        "No IMT-specific staging system: use the AJCC 9th edition TNM staging for "
        "the site.",
        "Consensus §8 (no IMT-specific staging system; no vote)",
        "Info, as rules.md asks: background for the report." },
      "No IMT-specific staging: use AJCC 9th edition TNM for the site",
      c_fu_staging },

    /* ---- must stay last: collects what the other rules left undecided ---- */
    { { "DX-MISSING-DATA", RK_WORKUP, RL_SUGGESTION,
        "this program's addition: whether the case is suitable for surgery is "
        "unknown, or another rule's other conditions hold and only an empty field "
        "keeps it from firing",
        "Record the missing facts listed: each would change the advice.",
        "Rule set policy (rules.md: a rule that needs an unknown field reports it "
        "as missing)",
        "Suggestion: data to record; it is evaluated last and so shown last." },
      "Missing data would change the advice: see the list",
      c_dx_missing_data },
};

#define NRULES ((int)(sizeof rule_table / sizeof rule_table[0]))

_Static_assert(sizeof rule_table / sizeof rule_table[0] <= RULES_MAX_RESULTS,
               "rules_result must hold every rule");

/* ---- public interface ------------------------------------------------- */

void rules_config_default(rules_config *cfg)
{
    cfg->mitoses_cutoff = 10;
    cfg->response_days = 84;
}

int rules_config_set_mitoses(rules_config *cfg, const char *text,
                             char *err, size_t errn)
{
    char *end;
    errno = 0;
    double v = text ? strtod(text, &end) : 0;
    if (!text || end == text || *end || errno || !(v >= 1 && v <= 500)) {
        snprintf(err, errn, "mitoses cut-off '%.40s' is not a number from 1 to 500",
                 text ? text : "");
        return -1;
    }
    cfg->mitoses_cutoff = v;
    return 0;
}

const char *rule_kind_name(rule_kind k)
{
    static const char *const n[RK_N] = { "workup", "treatment", "risk", "followup", "info" };
    return k >= 0 && k < RK_N ? n[k] : "?";
}

const char *rule_level_name(rule_level l)
{
    static const char *const n[RL_N] = { "critical", "warning", "info", "suggestion" };
    return l >= 0 && l < RL_N ? n[l] : "?";
}

int rules_card_count(void)
{
    return NRULES;
}

const rule_card *rules_card(int i)
{
    return i >= 0 && i < NRULES ? &rule_table[i].card : NULL;
}

/* detail = says + " " + what the condition added. */
static void prepend_says(rule_rec *r, const char *says)
{
    char tmp[sizeof r->detail];
    snprintf(tmp, sizeof tmp, "%s%s%s", says, r->detail[0] ? " " : "", r->detail);
    memcpy(r->detail, tmp, sizeof tmp);
}

static void add_pending(rctx *x, const rule_rec *r)
{
    for (int k = 0; k < r->nmissing; k++) {
        bool dup = false;
        for (int j = 0; j < x->npending && !dup; j++)
            dup = strcmp(x->pending[j], r->missing[k]) == 0;
        if (dup || x->npending >= RULES_MAX_FACTS)
            continue;
        memcpy(x->pending[x->npending++], r->missing[k], RULES_FACT_LEN);
    }
}

int rules_evaluate(const imt_case *c, const rules_config *cfg, rules_result *out)
{
    return rules_evaluate_course(c, NULL, cfg, out);
}

int rules_evaluate_course(const imt_case *c, const rules_course *rc,
                          const rules_config *cfg, rules_result *out)
{
    static const imt_course no_events = { 0 };
    rules_config defcfg;
    if (!cfg) {
        rules_config_default(&defcfg);
        cfg = &defcfg;
    }
    /* A shallow copy with the derived ALK fields recomputed, so that a
     * caller holding a stale record still gets advice that matches its
     * ALK results (imt_case_derive only reads the strings). */
    imt_case cc = *c;
    imt_case_derive(&cc);
    rctx x = { .c = &cc, .cfg = cfg, .unsuit = unsuitable(&cc),
               .course = rc && rc->course ? rc->course : &no_events };
    long tday;
    if (rc && rc->today && ev_date_days(rc->today, &tday))
        snprintf(x.today, sizeof x.today, "%s", rc->today);
    else
        ev_today(x.today);
    out->n = 0;
    for (int lvl = 0; lvl < RL_N; lvl++) {
        for (int i = 0; i < NRULES; i++) {
            const rule_def *d = &rule_table[i];
            if ((int)d->card.level != lvl)
                continue;
            rule_rec *r = &out->recs[out->n];
            r->id = d->card.id;
            r->kind = d->card.kind;
            r->level = d->card.level;
            r->evidence = d->card.evidence;
            r->summary[0] = '\0';
            r->detail[0] = '\0';     /* the condition's additions; the base
                                         text goes in front only on firing */
            r->nfired = r->nmissing = 0;
            tri t = d->cond(&x, r);
            if (t == T) {
                if (!r->summary[0])
                    snprintf(r->summary, sizeof r->summary, "%s", d->summary);
                prepend_says(r, d->card.says);
                out->n++;
            } else if (t == U) {
                add_pending(&x, r);
            }
        }
    }
    return out->n;
}
