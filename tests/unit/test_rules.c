/* Unit tests for the rules module (src/core/rules.c).
 *
 * Expected values come from ../shared/spec/rules.md and the references,
 * written here by hand: for every rule a case built to fire it (the rule
 * is present, its evidence names the right source, its fired facts hold
 * the expected "field = value"), then the same case with each condition
 * in turn made false, and made unknown, where it must not fire; the
 * thresholds on both sides; the all-empty case; the output order; the
 * 76-column summaries; hostile text in fired facts.
 *
 * Cases are written as data-dictionary cells ("resectable=no;surgery=R1")
 * and set through imt_field_parse, the same validator import uses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/imtcase.h"
#include "core/events.h"
#include "core/rules.h"
#include "core/utf8.h"

/* ---- helpers ------------------------------------------------------------ */

/* Apply "field=value;field=value" (value may be empty = unknown). */
static void apply(imt_case *c, const char *spec)
{
    if (!spec || !*spec)
        return;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            fail_msg("bad spec item '%s'", tok);
        *eq = '\0';
        if (strcmp(tok, "next_due") == 0) {      /* kept by the store */
            snprintf(c->next_due, sizeof c->next_due, "%s", eq + 1);
            continue;
        }
        int f = imt_field_find(tok);
        if (f < 0)
            fail_msg("no field '%s'", tok);
        char err[256];
        if (imt_field_parse(c, f, eq + 1, err, sizeof err) != 0)
            fail_msg("%s='%s' refused: %s", tok, eq + 1, err);
    }
}

/* A case: id, site lung (both required), then spec. */
static void build(imt_case *c, const char *spec)
{
    imt_case_init(c);
    apply(c, "case_id=T-1;site=lung");
    apply(c, spec);
    imt_case_derive(c);
}

/* The course of a rule case: rows of the events CSV without case_id
 * ("date,type,line,agent,intent,reason,response,extent,site,detail", no
 * commas inside values), separated by '|', through the events parser. */
static void course_of(imt_course *co, const char *rows)
{
    course_init(co);
    if (!rows)
        return;
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", rows);
    char *save = NULL;
    long long id = 1;
    for (char *tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
        const char *cells[EVC_N] = { "T-1" };
        int col = 1;
        for (char *p = tok;;) {
            char *comma = strchr(p, ',');
            if (comma)
                *comma = '\0';
            if (col < EVC_N)
                cells[col++] = p;
            if (!comma)
                break;
            p = comma + 1;
        }
        while (col < EVC_N)
            cells[col++] = "";
        imt_event e;
        ev_init(&e);
        if (ev_parse_row(&e, cells, NULL, NULL) != 0)
            fail_msg("bad event row in a rule case");
        e.id = id++;
        assert_int_equal(course_add(co, &e), 0);
        ev_clear(&e);
    }
}

/* The day the course rules take as today. */
#define TODAY "2026-01-15"

static rules_result *eval_course(const char *spec, const char *mutation, const char *events)
{
    imt_case c;
    build(&c, spec);
    apply(&c, mutation);
    imt_case_derive(&c);
    imt_course co;
    course_of(&co, events);
    course_sort(&co, &c);
    rules_result *res = malloc(sizeof *res);
    assert_non_null(res);
    rules_config cfg;
    rules_config_default(&cfg);
    rules_course rc = { &co, TODAY };
    rules_evaluate_course(&c, &rc, &cfg, res);
    course_clear(&co);
    imt_case_clear(&c);
    return res;
}

static rules_result *eval_spec(const char *spec, const char *mutation)
{
    return eval_course(spec, mutation, NULL);
}

static const rule_rec *find(const rules_result *res, const char *id)
{
    for (int i = 0; i < res->n; i++)
        if (strcmp(res->recs[i].id, id) == 0)
            return &res->recs[i];
    return NULL;
}

static bool has_fact(const rule_rec *r, const char *needle)
{
    for (int i = 0; i < r->nfired; i++)
        if (strstr(r->fired[i], needle))
            return true;
    return false;
}

static bool has_missing(const rule_rec *r, const char *needle)
{
    for (int i = 0; i < r->nmissing; i++)
        if (strstr(r->missing[i], needle))
            return true;
    return false;
}

static void dump(const rules_result *res)
{
    for (int i = 0; i < res->n; i++) {
        const rule_rec *r = &res->recs[i];
        print_message("  %s [%s] %s\n", r->id, rule_level_name(r->level), r->summary);
        for (int k = 0; k < r->nfired; k++)
            print_message("    fired: %s\n", r->fired[k]);
        for (int k = 0; k < r->nmissing; k++)
            print_message("    missing: %s\n", r->missing[k]);
    }
}

static void expect_fires(const char *id, const char *spec, const char *mutation)
{
    rules_result *res = eval_spec(spec, mutation);
    if (!find(res, id)) {
        dump(res);
        fail_msg("%s should fire on '%s' + '%s'", id, spec, mutation ? mutation : "");
    }
    free(res);
}

static void expect_silent(const char *id, const char *spec, const char *mutation)
{
    rules_result *res = eval_spec(spec, mutation);
    if (find(res, id)) {
        dump(res);
        fail_msg("%s must not fire on '%s' + '%s'", id, spec, mutation ? mutation : "");
    }
    free(res);
}

/* The rule does not fire, and some recommendation lists `needle` among
 * its missing facts (an unknown that matters is reported). */
static void expect_missing(const char *id, const char *spec, const char *mutation,
                           const char *needle)
{
    rules_result *res = eval_spec(spec, mutation);
    bool found = false;
    for (int i = 0; i < res->n && !found; i++)
        found = has_missing(&res->recs[i], needle);
    if (find(res, id) || !found) {
        dump(res);
        fail_msg("%s on '%s' + '%s': %s '%s'", id, spec, mutation ? mutation : "",
                 find(res, id) ? "fired" : "no missing fact with", needle);
    }
    free(res);
}

/* ---- the table of rule cases -------------------------------------------- */

typedef struct {
    const char *what;
    const char *make_false;     /* mutation that makes the condition false */
    const char *make_unknown;   /* ... unknown; NULL: cannot be unknown    */
} tcond;

typedef struct {
    const char *name;           /* test name                             */
    const char *id;             /* rule expected to fire                 */
    const char *spec;           /* the case built to fire it             */
    const char *tags[4];        /* the evidence must contain each        */
    const char *facts[5];       /* some fired fact must contain each     */
    tcond conds[5];
} rule_case;

/* The rules that read the course (issue 14): a case and its events, and
 * for each condition the mutation of the case and/or the events that
 * make it false, or unknown. */
typedef struct {
    const char *what;
    const char *make_false, *ev_false;       /* NULL: as in the case      */
    const char *make_unknown, *ev_unknown;   /* all NULL: never unknown   */
} ccond;

typedef struct {
    const char *name, *id, *spec, *events;
    const char *tags[4];
    const char *facts[5];
    ccond conds[5];
} course_case;

/* Making "not suitable for surgery" false needs every part known no;
 * making it unknown needs one part empty and none yes. */
#define SUITABLE   "resectable=yes;surgery=R0;metastatic=no;recurrence=no"
#define UNSUIT_U   "resectable=;surgery=R0;metastatic=no;recurrence=no"
#define UNSUIT_CONDS { "not suitable for surgery", SUITABLE, UNSUIT_U }

static const rule_case rule_cases[] = {
    /* ---- work-up ---- */
    { "DX-IMAGING", "DX-IMAGING", "",
      { "C1", "31 agree / 0 disagree / 0 abstain" }, { "imaging = (empty)" },
      { { "imaging empty", "imaging=CT, MRI", NULL } } },
    { "DX-ALK-IHC", "DX-ALK-IHC", "",
      { "C2", "31 agree / 0 disagree / 0 abstain" }, { "alk_ihc = (empty)" },
      { { "alk_ihc empty", "alk_ihc=negative", NULL },
        { "alk_ihc empty (equivocal is a result)", "alk_ihc=equivocal", NULL } } },
    { "DX-FUSION-TEST", "DX-FUSION-TEST", "alk_ihc=negative",
      { "C3", "30 agree / 0 disagree / 1 abstain", "adult cohort" },
      { "alk_status = negative", "fusion = (empty" },
      { { "alk not positive", "alk_ihc=positive", NULL },
        { "fusion empty", "fusion=none;fusion_method=ngs_rna", NULL } } },
    { "DX-FUSION-TEST-alk-unknown", "DX-FUSION-TEST", "alk_ihc=equivocal",
      { "C3" }, { "alk_status = unknown", "fusion = (empty" },
      { { "fusion empty", "fusion=ETV6::NTRK3;fusion_method=ngs_rna", NULL } } },
    { "DX-ALK-PARTNER", "DX-ALK-PARTNER", "alk_ihc=positive",
      { "C3", "30 agree / 0 disagree / 1 abstain" },
      { "alk_status = positive", "alk_ihc = positive", "fusion = (empty" },
      { { "alk positive", "alk_ihc=negative", "alk_ihc=" },
        { "fusion empty", "fusion=TPM3::ALK;fusion_method=ngs_rna", NULL } } },
    { "DX-ALK-DISCORDANT-ihc-pos-fish-neg", "DX-ALK-DISCORDANT",
      "alk_ihc=positive;alk_fish=negative",
      { "C3" }, { "alk_ihc = positive", "alk_fish = negative" },
      { { "ihc positive", "alk_ihc=negative", "alk_ihc=" },
        { "ihc not equivocal", "alk_ihc=equivocal", NULL },
        { "fish negative", "alk_fish=positive", "alk_fish=" } } },
    { "DX-ALK-DISCORDANT-ihc-pos-other-fusion", "DX-ALK-DISCORDANT",
      "alk_ihc=positive;fusion=ETV6::NTRK3;fusion_method=ngs_rna",
      { "C3" }, { "alk_ihc = positive", "fusion = ETV6::NTRK3" },
      { { "ihc positive", "alk_ihc=negative", "alk_ihc=" },
        { "fusion without ALK", "fusion=EML4::ALK", "fusion=;fusion_method=" } } },
    { "DX-ALK-DISCORDANT-ihc-pos-fusion-none", "DX-ALK-DISCORDANT",
      "alk_ihc=positive;fusion=none;fusion_method=ngs_rna",
      { "C3" }, { "alk_ihc = positive", "fusion = none" },
      { { "fusion none", "fusion=TPM3::ALK", "fusion=;fusion_method=" } } },
    { "DX-ALK-DISCORDANT-ihc-neg-fish-pos", "DX-ALK-DISCORDANT",
      "alk_ihc=negative;alk_fish=positive",
      { "C3" }, { "alk_ihc = negative", "alk_fish = positive" },
      { { "ihc negative", "alk_ihc=positive", "alk_ihc=" },
        { "fish positive", "alk_fish=negative", "alk_fish=" } } },
    { "DX-ALK-DISCORDANT-ihc-neg-alk-fusion", "DX-ALK-DISCORDANT",
      "alk_ihc=negative;fusion=RANBP2::ALK;fusion_method=ngs_rna",
      { "C3" }, { "alk_ihc = negative", "fusion = RANBP2::ALK" },
      { { "ihc negative", "alk_ihc=positive", "alk_ihc=" },
        { "ALK fusion", "fusion=TFG::ROS1", "fusion=;fusion_method=" } } },
    { "DX-EIMS-histology", "DX-EIMS", "histology=epithelioid",
      { "§5" }, { "histology = epithelioid" },
      { { "epithelioid", "histology=myxoid", "histology=" } } },
    { "DX-EIMS-nuclear-membrane", "DX-EIMS", "alk_ihc=positive;alk_ihc_pattern=nuclear_membrane",
      { "§5" }, { "alk_ihc_pattern = nuclear_membrane" },
      { { "pattern", "alk_ihc_pattern=cytoplasmic", "alk_ihc_pattern=" } } },
    { "DX-EIMS-perinuclear", "DX-EIMS", "alk_ihc=positive;alk_ihc_pattern=perinuclear",
      { "§5" }, { "alk_ihc_pattern = perinuclear" },
      { { "pattern", "alk_ihc_pattern=granular", "alk_ihc_pattern=" } } },
    { "DX-DIFF-IGG4", "DX-DIFF-IGG4", "igg4_igg_ratio=40.1;igg4_per_hpf=11",
      { "§5", "IgG4" }, { "igg4_igg_ratio = 40.1", "igg4_per_hpf = 11" },
      { { "ratio > 40 (40 is not)", "igg4_igg_ratio=40", "igg4_igg_ratio=" },
        { "per hpf > 10 (10 is not)", "igg4_per_hpf=10", "igg4_per_hpf=" } } },
    { "DX-DIFF-GIST-cd117", "DX-DIFF-GIST", "cd117=positive",
      { "§5" }, { "cd117 = positive" },
      { { "cd117", "cd117=negative", "cd117=" } } },
    { "DX-DIFF-GIST-dog1", "DX-DIFF-GIST", "dog1=positive;cd117=negative",
      { "§5" }, { "dog1 = positive" },
      { { "dog1", "dog1=negative", "dog1=" } } },
    { "DX-DIFF-S100", "DX-DIFF-S100", "s100=positive",
      { "§5", "8 of 9" }, { "s100 = positive" },
      { { "s100", "s100=negative", "s100=" } } },
    { "DX-DIFF-CK", "DX-DIFF-CK", "cytokeratin=positive",
      { "§5" }, { "cytokeratin = positive" },
      { { "cytokeratin", "cytokeratin=negative", "cytokeratin=" } } },
    { "DX-MDT", "DX-MDT", "review_status=in_review",
      { "C4", "31 agree / 0 disagree / 0 abstain" }, { "review_status = in_review" },
      { { "not signed out", "review_status=signed_out", NULL } } },

    /* ---- treatment ---- */
    { "TX-SURGERY", "TX-SURGERY", "resectable=yes;surgery=none",
      { "C5", "31 agree / 0 disagree / 0 abstain", "91%" },
      { "resectable = yes", "surgery = none" },
      { { "resectable", "resectable=no", "resectable=" },
        { "not operated", "surgery=R0", NULL },
        { "not operated (R1)", "surgery=R1", NULL } } },
    { "TX-SURGERY-biopsy", "TX-SURGERY", "resectable=yes;surgery=biopsy",
      { "C5" }, { "surgery = biopsy" },
      { { "resectable", "resectable=no", "resectable=" } } },
    { "TX-SURGERY-surgery-empty", "TX-SURGERY", "resectable=yes",
      { "C5" }, { "resectable = yes" },
      { { "resectable", "resectable=no", "resectable=" } } },
    { "TX-RERESECT", "TX-RERESECT", "surgery=R1;resectable=yes",
      { "C5", "C6", "51.0%", "Table 1" }, { "surgery = R1", "resectable = yes" },
      { { "R1/R2", "surgery=R0", "surgery=" },
        { "resectable not no", "resectable=no", NULL } } },
    { "TX-RERESECT-R2-resectable-empty", "TX-RERESECT", "surgery=R2",
      { "C5" }, { "surgery = R2" },
      { { "R1/R2", "surgery=biopsy", "surgery=" },
        { "resectable not no", "resectable=no", NULL } } },
    { "TX-HN-ADJUVANT-RT-size", "TX-HN-ADJUVANT-RT", "site=head_neck;surgery=R0;size_cm=4.5",
      { "C6", "23 agree / 0 disagree / 8 abstain" },
      { "site = head_neck", "surgery = R0", "size_cm = 4.5" },
      { { "head and neck", "site=lung", NULL },
        { "resected", "surgery=biopsy", "surgery=" },
        { "resected (none)", "surgery=none", NULL },
        { "size > 4.4 (4.4 is not)", "size_cm=4.4", "size_cm=" } } },
    { "TX-HN-ADJUVANT-RT-maxillary", "TX-HN-ADJUVANT-RT",
      "site=head_neck;surgery=R1;site_detail=Left MAXILLARY Sinus, orbit",
      { "C6" }, { "site_detail = \"Left MAXILLARY Sinus, orbit\"" },
      { { "head and neck", "site=thorax_other", NULL },
        { "resected", "surgery=none", "surgery=" },
        { "maxillary sinus", "site_detail=nasal cavity", "site_detail=" },
        { "maxilla alone does not count", "site_detail=maxilla", NULL },
        { "maxillary alone does not count", "site_detail=maxillary alveolus", NULL } } },
    { "TX-HN-ADJUVANT-RT-nlr", "TX-HN-ADJUVANT-RT", "site=head_neck;surgery=R2;nlr=1.959",
      { "C6" }, { "nlr = 1.959" },
      { { "head and neck", "site=cns", NULL },
        { "resected", "surgery=biopsy", "surgery=" },
        { "nlr > 1.958 (1.958 is not)", "nlr=1.958", "nlr=" } } },
    { "TX-HN-ADJUVANT-RT-invasion", "TX-HN-ADJUVANT-RT",
      "site=head_neck;surgery=R0;invasive_growth=yes",
      { "C6" }, { "invasive_growth = yes" },
      { { "head and neck", "site=trunk_limbs", NULL },
        { "resected", "surgery=none", "surgery=" },
        { "invasive growth", "invasive_growth=no", "invasive_growth=" } } },
    { "TX-RADICAL-RT-unresectable", "TX-RADICAL-RT", "resectable=no",
      { "C6", "23 agree / 0 disagree / 8 abstain" }, { "resectable = no" },
      { UNSUIT_CONDS } },
    { "TX-RADICAL-RT-R2", "TX-RADICAL-RT", "resectable=yes;surgery=R2;metastatic=no",
      { "C6" }, { "surgery = R2" },
      { { "R1/R2", "surgery=R0", "surgery=" } } },
    { "TX-RADICAL-RT-metastatic", "TX-RADICAL-RT", "resectable=yes;surgery=R0;metastatic=yes",
      { "C6" }, { "metastatic = yes" },
      { { "metastatic", "metastatic=no", "metastatic=" } } },
    { "TX-RADICAL-RT-recurrence", "TX-RADICAL-RT",
      "surgery=R0;metastatic=no;recurrence=yes;resectable=no",
      { "C6" }, { "recurrence = yes" },
      { { "recurrence not judged resectable", "resectable=yes", NULL } } },
    { "TX-RADICAL-RT-recurrence-resectable-empty", "TX-RADICAL-RT",
      "surgery=R0;metastatic=no;recurrence=yes",
      { "C6" }, { "recurrence = yes" },
      { { "recurrence", "recurrence=no", "recurrence=" },
        { "resectable not yes", "resectable=yes", NULL } } },
    { "TX-ALK-TKI", "TX-ALK-TKI", "alk_fish=positive;resectable=no",
      { "C7", "25 agree / 0 disagree / 6 abstain", "86%", "70.6%" },
      { "alk_status = positive", "alk_fish = positive", "resectable = no" },
      { { "ALK positive", "alk_fish=negative", "alk_fish=" }, UNSUIT_CONDS } },
    { "TX-ALK-TKI-ihc-only", "TX-ALK-TKI", "alk_ihc=positive;metastatic=yes",
      { "C7", "18 months" }, { "alk_ihc = positive", "metastatic = yes" },
      { { "ALK positive", "alk_ihc=negative", "alk_ihc=" },
        { "not suitable", "metastatic=no;resectable=yes;surgery=R0", "metastatic=" } } },
    { "TX-ROS1-TKI", "TX-ROS1-TKI", "fusion=TFG::ROS1;fusion_method=ngs_rna;resectable=no",
      { "C7", "25 agree / 0 disagree / 6 abstain", "case reports" },
      { "fusion = TFG::ROS1", "resectable = no" },
      { { "ROS1 fusion", "fusion=TPM3::ALK", "fusion=;fusion_method=" }, UNSUIT_CONDS } },
    { "TX-NTRK-RET-ntrk3", "TX-NTRK-RET", "fusion=ETV6::NTRK3;fusion_method=ngs_rna;resectable=no",
      { "§9.4", "case reports only" }, { "fusion = ETV6::NTRK3" },
      { { "NTRK fusion", "fusion=none", "fusion=;fusion_method=" },
        { "exact symbol (no NTRK4)", "fusion=ETV6::NTRK4", NULL }, UNSUIT_CONDS } },
    { "TX-NTRK-RET-ntrk1", "TX-NTRK-RET", "fusion=TPM3::NTRK1;fusion_method=ngs_rna;resectable=no",
      { "§9.4" }, { "fusion = TPM3::NTRK1" },
      { { "NTRK fusion", "fusion=TPM3::ALK", NULL } } },
    { "TX-NTRK-RET-ret", "TX-NTRK-RET", "fusion=CCDC6::RET;fusion_method=ngs_rna;metastatic=yes",
      { "§9.4" }, { "fusion = CCDC6::RET" },
      { { "RET fusion (RETREG1 is not RET)", "fusion=RETREG1::ALK", "fusion=;fusion_method=" },
        { "not suitable", "metastatic=no;resectable=yes;surgery=R0", "metastatic=" } } },
    { "TX-CHEMO-no-target", "TX-CHEMO",
      "alk_fish=negative;fusion=none;fusion_method=ngs_rna;resectable=no",
      { "C8", "17 agree / 0 disagree / 14 abstain", "weakest" },
      { "alk_status = negative", "no targetable fusion" },
      { { "no targetable fusion (ROS1)", "fusion=TFG::ROS1", "fusion=;fusion_method=" },
        { "no targetable fusion (ALK)", "alk_fish=positive", NULL },
        { "no targetable fusion (ALK unknown)", "alk_fish=;fusion=", NULL },
        UNSUIT_CONDS } },
    { "TX-CHEMO-after-tki", "TX-CHEMO", "alk_fish=positive;targeted=crizotinib;resectable=no",
      { "C8" }, { "targeted = \"crizotinib\"" },
      { { "TKI given", "targeted=none", "targeted=" }, UNSUIT_CONDS } },
    { "TX-STEROID-HN", "TX-STEROID-HN", "site=head_neck;resectable=no",
      { "0.046", "§9.3" }, { "site = head_neck", "resectable = no" },
      { { "head and neck", "site=lung", NULL }, UNSUIT_CONDS } },
    { "TX-STEROID-CAUTION-lung", "TX-STEROID-CAUTION", "site=lung;steroids=yes",
      { "§9.3", "case report" }, { "site = lung", "steroids = yes" },
      { { "thoracic site", "site=abdomen_pelvis", NULL },
        { "steroids given", "steroids=no", "steroids=" } } },
    { "TX-STEROID-CAUTION-thorax", "TX-STEROID-CAUTION", "site=thorax_other;steroids=yes",
      { "§9.3" }, { "site = thorax_other" },
      { { "thoracic site", "site=head_neck", NULL },
        { "steroids given", "steroids=no", "steroids=" } } },
    { "TX-NSAID", "TX-NSAID", "alk_ihc=negative;resectable=no",
      { "10 of 11", "adult cohort" }, { "alk_status = negative", "resectable = no" },
      { { "ALK negative", "alk_ihc=positive", "alk_ihc=" }, UNSUIT_CONDS } },
    { "TX-IO-chemo", "TX-IO", "pdl1_tps=1;resectable=no;chemotherapy=MTX+VCR",
      { "§9.6", "69%" }, { "pdl1_tps = 1", "chemotherapy = \"MTX+VCR\"" },
      { { "pdl1 > 0 (0 is not)", "pdl1_tps=0", "pdl1_tps=" },
        { "prior systemic", "chemotherapy=none", "chemotherapy=" }, UNSUIT_CONDS } },
    { "TX-IO-targeted", "TX-IO", "pdl1_tps=50;metastatic=yes;targeted=alectinib",
      { "§9.6" }, { "pdl1_tps = 50", "targeted = \"alectinib\"" },
      { { "prior systemic", "targeted=no", "targeted=" },
        { "not suitable", "metastatic=no;resectable=yes;surgery=R0", "metastatic=" } } },
    { "TX-TRIAL", "TX-TRIAL", "resectable=no",
      { "C9", "31 agree / 0 disagree / 0 abstain" }, { "resectable = no" },
      { UNSUIT_CONDS } },

    /* ---- risk ---- */
    { "RISK-SIZE", "RISK-SIZE", "size_cm=6.6",
      { "§7", "patient information" }, { "size_cm = 6.6" },
      { { "size > 6.5 (6.5 is not)", "size_cm=6.5", "size_cm=" } } },
    { "RISK-MARGIN-R1", "RISK-MARGIN", "surgery=R1",
      { "Table 1", "51.0%", "6.8%", "13.2%" }, { "surgery = R1" },
      { { "R1/R2", "surgery=R0", "surgery=" } } },
    { "RISK-MARGIN-R2", "RISK-MARGIN", "surgery=R2",
      { "p < 0.0001" }, { "surgery = R2" },
      { { "R1/R2 (biopsy is not)", "surgery=biopsy", "surgery=" } } },
    { "RISK-METASTATIC", "RISK-METASTATIC", "metastatic=yes",
      { "Paediatric", "p < 0.0001" }, { "metastatic = yes" },
      { { "metastatic", "metastatic=no", "metastatic=" } } },
    { "RISK-ALK-NEG", "RISK-ALK-NEG", "alk_ihc=negative",
      { "§6" }, { "alk_status = negative" },
      { { "ALK negative", "alk_ihc=positive", "alk_ihc=" } } },
    { "RISK-PATHOLOGY-necrosis", "RISK-PATHOLOGY", "necrosis=yes",
      { "§7" }, { "necrosis = yes" },
      { { "necrosis", "necrosis=no", "necrosis=" } } },
    { "RISK-PATHOLOGY-mitoses", "RISK-PATHOLOGY", "mitoses_10hpf=10",
      { "§7", "configurable" }, { "mitoses_10hpf = 10" },
      { { "mitoses >= 10 (9 is not)", "mitoses_10hpf=9", "mitoses_10hpf=" } } },
    { "RISK-PATHOLOGY-epithelioid", "RISK-PATHOLOGY", "histology=epithelioid",
      { "§7" }, { "histology = epithelioid" },
      { { "epithelioid", "histology=hypercellular", "histology=" } } },
    { "RISK-FEMALE-INCOMPLETE", "RISK-FEMALE-INCOMPLETE", "sex=F;surgery=R1",
      { "adult cohort", "p = 0.05", "p = 0.03" }, { "sex = F", "surgery = R1" },
      { { "female", "sex=M", "sex=" }, { "female (U is not)", "sex=U", NULL },
        { "incomplete", "surgery=R0", "surgery=" },
        { "incomplete (none is not)", "surgery=none", NULL } } },
    { "RISK-FEMALE-INCOMPLETE-biopsy", "RISK-FEMALE-INCOMPLETE", "sex=F;surgery=biopsy",
      { "adult cohort" }, { "surgery = biopsy" },
      { { "female", "sex=M", "sex=" } } },

    /* ---- follow-up ---- */
    { "FU-LONG-TERM-surgery", "FU-LONG-TERM", "surgery=R0",
      { "§9.1" }, { "surgery = R0" },
      { { "treated", "surgery=none", "surgery=" } } },
    { "FU-LONG-TERM-biopsy", "FU-LONG-TERM", "surgery=biopsy",
      { "§9.1" }, { "surgery = biopsy" },
      { { "treated", "surgery=none", "surgery=" } } },
    { "FU-LONG-TERM-rt", "FU-LONG-TERM", "radiotherapy_gy=50",
      { "§9.1" }, { "radiotherapy_gy = 50" },
      { { "treated", "radiotherapy_gy=0", "radiotherapy_gy=" } } },
    { "FU-LONG-TERM-chemo", "FU-LONG-TERM", "chemotherapy=MTX",
      { "§9.1" }, { "chemotherapy = \"MTX\"" },
      { { "treated", "chemotherapy=none", "chemotherapy=" } } },
    { "FU-LONG-TERM-steroids", "FU-LONG-TERM", "steroids=yes",
      { "§9.1" }, { "steroids = yes" },
      { { "treated", "steroids=no", "steroids=" } } },
    { "FU-LONG-TERM-nsaid", "FU-LONG-TERM", "nsaid=yes",
      { "§9.1" }, { "nsaid = yes" },
      { { "treated", "nsaid=no", "nsaid=" } } },
    { "FU-LONG-TERM-targeted", "FU-LONG-TERM", "targeted=crizotinib",
      { "§9.1" }, { "targeted = \"crizotinib\"" },
      { { "treated", "targeted=none", "targeted=" } } },
    { "FU-LONG-TERM-io", "FU-LONG-TERM", "immunotherapy=nivolumab",
      { "§9.1" }, { "immunotherapy = \"nivolumab\"" },
      { { "treated", "immunotherapy=None", "immunotherapy=" } } },
    { "FU-STAGING", "FU-STAGING", "site=retroperitoneum;review_status=signed_out",
      { "§8" }, { "site = retroperitoneum" }, { { NULL, NULL, NULL } } },

    /* ---- this program's collector ---- */
    { "DX-MISSING-DATA", "DX-MISSING-DATA", "resectable=yes;surgery=R0;steroids=no",
      { "rules.md" }, { "not suitable for surgery = unknown" },
      { { "suitability unknown", "metastatic=no", NULL } } },
};

#define NCASES ((int)(sizeof rule_cases / sizeof rule_cases[0]))

/* ---- the course rules (issue 14): each case built to fire, then each
 * condition made false, or unknown (the rule then stays silent) ---------- */

/* Line 1 crizotinib from 2020-03-01 (day 60) with a PR. */
#define TKI_SPEC "diagnosis_date=2020-01-01;alk_ihc=positive;outcome=AWD;followup_months=30"
#define TKI_LINE "2020-03-01,therapy_start,1,crizotinib,palliative,,,,,|" \
                 "2020-05-26,response,1,,,,PR,,,|"

static const course_case course_cases[] = {
    { "TX-TKI-PROGRESSION", "TX-TKI-PROGRESSION", TKI_SPEC,
      TKI_LINE "2021-03-01,therapy_stop,1,,,progression,,,,",
      { "adult cohort", "C7", "C9", "§9.4" },
      { "line 1: crizotinib, started 2020-03-01",
        "line 1 stopped for progression on 2021-03-01", "no biopsy", NULL, NULL },
      { { "a progression", NULL, TKI_LINE "2021-03-01,therapy_stop,1,,,completed,,,,", NULL, NULL },
        { "on an ALK or ROS1 inhibitor", NULL,
          "2020-03-01,therapy_start,1,chemo:MTX+VCR,palliative,,,,,|"
          "2021-03-01,therapy_stop,1,,,progression,,,,",
          NULL,
          "2020-03-01,therapy_start,1,,palliative,,,,,|"
          "2021-03-01,therapy_stop,1,,,progression,,,," },
        { "no re-biopsy since", NULL,
          TKI_LINE "2021-03-01,therapy_stop,1,,,progression,,,,|"
          "2021-03-10,biopsy,,,,,,,,fusion=EML4::ALK;fusion_method=ngs_rna", NULL, NULL },
        { NULL, NULL, NULL, NULL, NULL }, { NULL, NULL, NULL, NULL, NULL } } },
    /* a progression event that names no line, while the line runs */
    { "TX-TKI-PROGRESSION-event", "TX-TKI-PROGRESSION", TKI_SPEC,
      TKI_LINE "2020-11-01,progression,,,,,,,,",
      { "adult cohort", NULL, NULL, NULL }, { "progression on 2020-11-01", NULL, NULL, NULL, NULL },
      { { "during the line", NULL,
          TKI_LINE "2020-10-01,therapy_stop,1,,,toxicity,,,,|2020-11-01,progression,,,,,,,,",
          NULL, NULL },
        { "an ALK or ROS1 inhibitor, not any kinase inhibitor", NULL,
          "2020-03-01,therapy_start,1,larotrectinib,palliative,,,,,|"
          "2020-11-01,progression,,,,,,,,", NULL, NULL },
        { NULL, NULL, NULL, NULL, NULL }, { NULL, NULL, NULL, NULL, NULL },
        { NULL, NULL, NULL, NULL, NULL } } },
    { "FU-RECORD-RESPONSE", "FU-RECORD-RESPONSE",
      "diagnosis_date=2020-01-01;outcome=AWD;followup_months=30",
      "2020-03-01,therapy_start,1,crizotinib,,,,,,|2020-09-01,therapy_stop,1,,,completed,,,,",
      { "§9.4", "§9.5", NULL, NULL },
      { "line 1 (crizotinib) started 2020-03-01, stopped: no response recorded", "84 days",
        NULL, NULL, NULL },
      { { "no response recorded", NULL,
          "2020-03-01,therapy_start,1,crizotinib,,,,,,|2020-05-20,response,1,,,,NE,,,|"
          "2020-09-01,therapy_stop,1,,,completed,,,,", NULL, NULL },
        { "it ran 84 days (here it stopped after 31; unknown: an open line with no "
          "diagnosis date)", NULL,
          "2020-03-01,therapy_start,1,crizotinib,,,,,,|2020-04-01,therapy_stop,1,,,toxicity,,,,",
          "diagnosis_date=", "60,therapy_start,1,crizotinib,,,,,," },
        { NULL, NULL, NULL, NULL, NULL }, { NULL, NULL, NULL, NULL, NULL },
        { NULL, NULL, NULL, NULL, NULL } } },
    /* an open line: 2025-10-23 is 84 days before 2026-01-15 (TODAY) */
    { "FU-RECORD-RESPONSE-open", "FU-RECORD-RESPONSE",
      "diagnosis_date=2025-06-01;outcome=AWD;followup_months=3",
      "2025-10-23,therapy_start,1,alectinib,,,,,,",
      { "RECIST" , NULL, NULL, NULL }, { "still open", NULL, NULL, NULL, NULL },
      { { "open 84 days (one day less)", NULL, "2025-10-24,therapy_start,1,alectinib,,,,,,",
          NULL, NULL },
        { NULL, NULL, NULL, NULL, NULL }, { NULL, NULL, NULL, NULL, NULL },
        { NULL, NULL, NULL, NULL, NULL }, { NULL, NULL, NULL, NULL, NULL } } },
    { "TX-RECURRENCE-RESECT", "TX-RECURRENCE-RESECT",
      "diagnosis_date=2020-01-01;resectable=yes;recurrence=yes;recurrence_months=6.5;"
      "outcome=AWD;followup_months=30",
      "2020-01-20,surgery,,,,,,R0,,|2020-07-19,recurrence,,,,,,,local,",
      { "§9.1", "C5", "31 agree / 0 disagree / 0 abstain", NULL },
      { "recurrence on 2020-07-19 (local)", "resectable = yes", "no surgery", NULL, NULL },
      { { "resectable", "resectable=no", NULL, "resectable=", NULL },
        { "local (not distant)", NULL,
          "2020-01-20,surgery,,,,,,R0,,|2020-07-19,recurrence,,,,,,,distant,", NULL, NULL },
        { "not operated on since", NULL,
          "2020-01-20,surgery,,,,,,R0,,|2020-07-19,recurrence,,,,,,,local,|"
          "2020-08-03,surgery,,,,,,R0,,", NULL, NULL },
        { NULL, NULL, NULL, NULL, NULL }, { NULL, NULL, NULL, NULL, NULL } } },
    /* 2025-01-01 to 2026-01-15 (TODAY) is 379 days */
    { "FU-OVERDUE", "FU-OVERDUE", "diagnosis_date=2020-01-01;next_due=2025-01-01", NULL,
      { "§9.1", "adult cohort", "12 months", NULL },
      { "next_due = 2025-01-01", "today = 2026-01-15: 379 days overdue", NULL, NULL, NULL },
      { { "before today", "next_due=2026-01-15", NULL, "next_due=", NULL },
        { NULL, NULL, NULL, NULL, NULL }, { NULL, NULL, NULL, NULL, NULL },
        { NULL, NULL, NULL, NULL, NULL }, { NULL, NULL, NULL, NULL, NULL } } },
};
#define NCOURSE ((int)(sizeof course_cases / sizeof course_cases[0]))

static void expect_silent_course(const char *id, const char *spec, const char *mutation,
                                 const char *events)
{
    rules_result *res = eval_course(spec, mutation, events);
    if (find(res, id)) {
        dump(res);
        fail_msg("%s must not fire on '%s' + '%s' with events '%s'", id, spec,
                 mutation ? mutation : "", events ? events : "");
    }
    free(res);
}

static void test_course_case(void **state)
{
    const course_case *t = *state;
    rules_result *res = eval_course(t->spec, NULL, t->events);
    const rule_rec *r = find(res, t->id);
    if (!r) {
        dump(res);
        fail_msg("%s does not fire on '%s' with '%s'", t->id, t->spec,
                 t->events ? t->events : "");
    }
    for (int i = 0; i < 4 && t->tags[i]; i++)
        if (!strstr(r->evidence, t->tags[i]))
            fail_msg("%s: evidence '%s' lacks '%s'", t->id, r->evidence, t->tags[i]);
    for (int i = 0; i < 5 && t->facts[i]; i++)
        if (!has_fact(r, t->facts[i])) {
            dump(res);
            fail_msg("%s: no fired fact with '%s'", t->id, t->facts[i]);
        }
    assert_true(r->summary[0] && strlen(r->summary) <= 76);
    assert_true(r->detail[0] != '\0');
    free(res);
    for (int k = 0; k < 5 && t->conds[k].what; k++) {
        const ccond *cd = &t->conds[k];
        expect_silent_course(t->id, t->spec, cd->make_false,
                             cd->ev_false ? cd->ev_false : t->events);
        if (cd->make_unknown || cd->ev_unknown)
            expect_silent_course(t->id, t->spec, cd->make_unknown,
                                 cd->ev_unknown ? cd->ev_unknown : t->events);
    }
}

/* An unknown that matters is named: the agent of the line, resectable. */
static void test_course_missing(void **state)
{
    (void)state;
    static const struct { const char *spec, *events, *needle; } m[] = {
        { TKI_SPEC, "2020-03-01,therapy_start,1,,palliative,,,,,|"
                    "2021-03-01,therapy_stop,1,,,progression,,,,",
          "the agent of line 1 is not recorded" },
        { "diagnosis_date=2020-01-01;recurrence=yes;outcome=AWD;followup_months=30",
          "2020-07-19,recurrence,,,,,,,local,", "resectable unknown" },
        { "outcome=AWD;followup_months=30", "60,therapy_start,1,crizotinib,,,,,,",
          "diagnosis_date unknown" },
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        rules_result *res = eval_course(m[i].spec, NULL, m[i].events);
        bool found = false;
        for (int k = 0; k < res->n && !found; k++)
            found = has_missing(&res->recs[k], m[i].needle);
        if (!found) {
            dump(res);
            fail_msg("no missing fact '%s'", m[i].needle);
        }
        free(res);
    }
    /* without a course (rules_evaluate) the course rules never fire */
    rules_result *res = eval_spec(TKI_SPEC, NULL);
    assert_null(find(res, "TX-TKI-PROGRESSION"));
    assert_null(find(res, "FU-RECORD-RESPONSE"));
    free(res);
}


static void test_rule_case(void **state)
{
    const rule_case *t = *state;
    rules_result *res = eval_spec(t->spec, NULL);
    const rule_rec *r = find(res, t->id);
    if (!r) {
        dump(res);
        fail_msg("%s does not fire on '%s'", t->id, t->spec);
    }
    assert_non_null(r->evidence);
    assert_true(strlen(r->evidence) > 10);
    for (int i = 0; i < 4 && t->tags[i]; i++)
        if (!strstr(r->evidence, t->tags[i]))
            fail_msg("%s: evidence '%s' lacks '%s'", t->id, r->evidence, t->tags[i]);
    for (int i = 0; i < 5 && t->facts[i]; i++)
        if (!has_fact(r, t->facts[i])) {
            dump(res);
            fail_msg("%s: no fired fact with '%s'", t->id, t->facts[i]);
        }
    assert_true(r->summary[0] != '\0');
    assert_true(r->detail[0] != '\0');
    free(res);
    for (int k = 0; k < 5 && t->conds[k].what; k++) {
        expect_silent(t->id, t->spec, t->conds[k].make_false);
        if (t->conds[k].make_unknown)
            expect_silent(t->id, t->spec, t->conds[k].make_unknown);
    }
}

/* ---- further behaviour ---------------------------------------------------- */

static void test_every_rule_has_a_case(void **state)
{
    (void)state;
    for (int i = 0; i < rules_card_count(); i++) {
        const char *id = rules_card(i)->id;
        bool found = false;
        for (int k = 0; k < NCASES && !found; k++)
            found = strcmp(rule_cases[k].id, id) == 0;
        for (int k = 0; k < NCOURSE && !found; k++)
            found = strcmp(course_cases[k].id, id) == 0;
        if (!found)
            fail_msg("rule %s has no test case", id);
    }
    /* and the 33 of rules.md are all in the table */
    static const char *const spec_ids[] = {
        "DX-IMAGING", "DX-ALK-IHC", "DX-FUSION-TEST", "DX-ALK-PARTNER",
        "DX-ALK-DISCORDANT", "DX-EIMS", "DX-DIFF-IGG4", "DX-DIFF-GIST",
        "DX-DIFF-S100", "DX-DIFF-CK", "DX-MDT", "TX-SURGERY", "TX-RERESECT",
        "TX-HN-ADJUVANT-RT", "TX-RADICAL-RT", "TX-ALK-TKI", "TX-ROS1-TKI",
        "TX-NTRK-RET", "TX-CHEMO", "TX-STEROID-HN", "TX-STEROID-CAUTION",
        "TX-NSAID", "TX-IO", "TX-TRIAL", "RISK-SIZE", "RISK-MARGIN",
        "RISK-METASTATIC", "RISK-ALK-NEG", "RISK-PATHOLOGY",
        "RISK-FEMALE-INCOMPLETE", "FU-LONG-TERM", "FU-STAGING",
    };
    for (size_t s = 0; s < sizeof spec_ids / sizeof spec_ids[0]; s++) {
        bool found = false;
        for (int i = 0; i < rules_card_count() && !found; i++)
            found = strcmp(rules_card(i)->id, spec_ids[s]) == 0;
        if (!found)
            fail_msg("rules.md rule %s missing from the table", spec_ids[s]);
    }
}

/* Kinds rules.md gives each rule. */
static void test_kinds_and_levels(void **state)
{
    (void)state;
    for (int i = 0; i < rules_card_count(); i++) {
        const rule_card *k = rules_card(i);
        rule_kind want = strncmp(k->id, "DX-", 3) == 0 ? RK_WORKUP
                       : strncmp(k->id, "TX-", 3) == 0 ? RK_TREATMENT
                       : strncmp(k->id, "RISK-", 5) == 0 ? RK_RISK
                       : strcmp(k->id, "FU-STAGING") == 0 ? RK_INFO : RK_FOLLOWUP;
        if (k->kind != want)
            fail_msg("%s has kind %s", k->id, rule_kind_name(k->kind));
        assert_true(k->condition && k->condition[0]);
        assert_true(k->says && k->says[0]);
        assert_true(k->evidence && k->evidence[0]);
        assert_true(k->level_why && k->level_why[0]);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(rules_card(j)->id, k->id);
    }
    /* levels the brief fixes */
    rules_result *res = eval_spec("alk_ihc=positive;alk_fish=negative;metastatic=yes", NULL);
    assert_int_equal(find(res, "DX-ALK-DISCORDANT")->level, RL_WARNING);
    assert_int_equal(find(res, "RISK-METASTATIC")->level, RL_WARNING);
    assert_int_equal(find(res, "FU-STAGING")->level, RL_INFO);
    free(res);
    /* the collector must be last in the table and at the lowest level */
    const rule_card *last = rules_card(rules_card_count() - 1);
    assert_string_equal(last->id, "DX-MISSING-DATA");
    assert_int_equal(last->level, RL_N - 1);
    assert_string_equal(rule_level_name(RL_CRITICAL), "critical");
    assert_string_equal(rule_level_name(RL_SUGGESTION), "suggestion");
    assert_string_equal(rule_kind_name(RK_FOLLOWUP), "followup");
}

/* "Not suitable for surgery", three-valued, from the rules.md definition. */
static void test_not_suitable(void **state)
{
    (void)state;
    static const struct { const char *spec; int want; } t[] = {
        { "", -1 },
        { "resectable=no", 1 },
        { "surgery=R1", 1 },
        { "surgery=R2", 1 },
        { "metastatic=yes", 1 },
        { "recurrence=yes", 1 },                       /* resectable empty: not yes */
        { "recurrence=yes;resectable=no", 1 },
        { "recurrence=yes;resectable=yes", -1 },       /* surgery, metastatic empty */
        { "recurrence=yes;resectable=yes;surgery=R0;metastatic=no", 0 },
        { "resectable=yes;surgery=R0;metastatic=no", 0 },
        { "resectable=yes;surgery=none;metastatic=no", 0 },
        { "resectable=yes;surgery=biopsy;metastatic=no;recurrence=no", 0 },
        { "resectable=yes;surgery=R0", -1 },           /* metastatic unknown */
        { "resectable=yes;metastatic=no", -1 },        /* surgery unknown */
        { "surgery=R0;metastatic=no;recurrence=no", -1 }, /* resectable unknown */
        { "resectable=yes;surgery=R1;metastatic=no", 1 },
        { "resectable=yes;surgery=R0;metastatic=yes", 1 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        imt_case c;
        build(&c, t[i].spec);
        int got = rules_not_suitable(&c);
        if (got != t[i].want)
            fail_msg("'%s': not suitable = %d, want %d", t[i].spec, got, t[i].want);
        imt_case_clear(&c);
    }
    assert_true(strstr(rules_unsuitable_text(), "R1") != NULL);
}

/* A case with every optional field empty: work-up, info, follow-up only,
 * never treatment or risk; the unknowns that matter listed as missing. */
static void test_all_empty(void **state)
{
    (void)state;
    rules_result *res = eval_spec("", NULL);
    for (int i = 0; i < res->n; i++) {
        rule_kind k = res->recs[i].kind;
        if (k != RK_WORKUP && k != RK_INFO && k != RK_FOLLOWUP) {
            dump(res);
            fail_msg("all-empty case got %s (%s)", res->recs[i].id, rule_kind_name(k));
        }
    }
    static const char *const want[] = { "DX-IMAGING", "DX-ALK-IHC", "DX-FUSION-TEST",
                                        "DX-MDT", "FU-STAGING", "DX-MISSING-DATA" };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!find(res, want[i])) {
            dump(res);
            fail_msg("all-empty case lacks %s", want[i]);
        }
    const rule_rec *m = find(res, "DX-MISSING-DATA");
    assert_true(has_missing(m, "resectable unknown"));
    assert_true(has_missing(m, "metastatic unknown"));
    assert_true(has_missing(m, "TX-TRIAL"));
    assert_true(has_missing(find(res, "DX-ALK-IHC"), "ALK status unknown"));
    assert_null(find(res, "FU-LONG-TERM"));
    free(res);

    /* even the required fields empty: no crash, no treatment */
    imt_case c;
    imt_case_init(&c);
    res = malloc(sizeof *res);
    assert_non_null(res);
    rules_evaluate(&c, NULL, res);
    for (int i = 0; i < res->n; i++)
        assert_true(res->recs[i].kind != RK_TREATMENT && res->recs[i].kind != RK_RISK);
    assert_non_null(find(res, "FU-STAGING"));
    free(res);
    imt_case_clear(&c);
}

/* Output order: level (critical, warning, info, suggestion), then table. */
static int table_index(const char *id)
{
    for (int i = 0; i < rules_card_count(); i++)
        if (strcmp(rules_card(i)->id, id) == 0)
            return i;
    return -1;
}

static void check_sorted(const rules_result *res)
{
    for (int i = 1; i < res->n; i++) {
        const rule_rec *a = &res->recs[i - 1], *b = &res->recs[i];
        if (a->level > b->level ||
            (a->level == b->level && table_index(a->id) >= table_index(b->id))) {
            dump(res);
            fail_msg("%s before %s", a->id, b->id);
        }
    }
}

static void test_sorted(void **state)
{
    (void)state;
    rules_result *res = eval_spec(
        "site=head_neck;surgery=R1;resectable=yes;metastatic=yes;alk_ihc=positive;"
        "alk_fish=negative;size_cm=12;necrosis=yes;sex=F;s100=positive;steroids=yes;"
        "pdl1_tps=5;chemotherapy=MTX", NULL);
    check_sorted(res);
    /* the warnings come first, FU-STAGING (info) before the suggestions */
    assert_int_equal(res->recs[0].level, RL_WARNING);
    int staging = table_index("FU-STAGING");
    (void)staging;
    int pos_staging = -1, pos_first_sugg = -1;
    for (int i = 0; i < res->n; i++) {
        if (strcmp(res->recs[i].id, "FU-STAGING") == 0) pos_staging = i;
        if (res->recs[i].level == RL_SUGGESTION && pos_first_sugg < 0) pos_first_sugg = i;
    }
    assert_true(pos_staging >= 0 && pos_first_sugg > pos_staging);
    free(res);
}

/* Thresholds on both sides (rules.md: strict unless written otherwise). */
static void test_boundaries(void **state)
{
    (void)state;
    const char *hn = "site=head_neck;surgery=R0;";
    char spec[256];
    snprintf(spec, sizeof spec, "%ssize_cm=4.4", hn);
    expect_silent("TX-HN-ADJUVANT-RT", spec, NULL);
    snprintf(spec, sizeof spec, "%ssize_cm=4.5", hn);
    expect_fires("TX-HN-ADJUVANT-RT", spec, NULL);
    snprintf(spec, sizeof spec, "%snlr=1.958", hn);
    expect_silent("TX-HN-ADJUVANT-RT", spec, NULL);
    snprintf(spec, sizeof spec, "%snlr=1.959", hn);
    expect_fires("TX-HN-ADJUVANT-RT", spec, NULL);
    expect_silent("RISK-SIZE", "size_cm=6.5", NULL);
    expect_fires("RISK-SIZE", "size_cm=6.6", NULL);
    expect_silent("RISK-PATHOLOGY", "mitoses_10hpf=9", NULL);
    expect_fires("RISK-PATHOLOGY", "mitoses_10hpf=10", NULL);
    expect_silent("DX-DIFF-IGG4", "igg4_igg_ratio=40;igg4_per_hpf=11", NULL);
    expect_fires("DX-DIFF-IGG4", "igg4_igg_ratio=40.1;igg4_per_hpf=11", NULL);
    expect_silent("DX-DIFF-IGG4", "igg4_igg_ratio=40.1;igg4_per_hpf=10", NULL);
    const char *io = "resectable=no;chemotherapy=AI;";
    snprintf(spec, sizeof spec, "%spdl1_tps=0", io);
    expect_silent("TX-IO", spec, NULL);
    snprintf(spec, sizeof spec, "%spdl1_tps=1", io);
    expect_fires("TX-IO", spec, NULL);
}

/* RISK-SIZE phrases past 8 and 11 cm. */
static void test_size_phrases(void **state)
{
    (void)state;
    static const struct { const char *size; bool p8, p11; } t[] = {
        { "6.6", false, false }, { "8", false, false }, { "8.1", true, false },
        { "11", true, false }, { "11.1", true, true }, { "100", true, true },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char spec[64];
        snprintf(spec, sizeof spec, "size_cm=%s", t[i].size);
        rules_result *res = eval_spec(spec, NULL);
        const rule_rec *r = find(res, "RISK-SIZE");
        assert_non_null(r);
        bool p8 = strstr(r->summary, "> 8 cm: higher recurrence") != NULL;
        bool p11 = strstr(r->summary, "> 11 cm: predicts recurrence") != NULL;
        if (p8 != t[i].p8 || p11 != t[i].p11)
            fail_msg("size %s: summary '%s'", t[i].size, r->summary);
        assert_true(strstr(r->summary, "oorer prognosis") != NULL);
        free(res);
    }
}

/* TX-HN-ADJUVANT-RT says which features fired. */
static void test_hn_features_named(void **state)
{
    (void)state;
    rules_result *res = eval_spec("site=head_neck;surgery=R0;size_cm=5;nlr=1;"
                                  "invasive_growth=yes;site_detail=nasopharynx", NULL);
    const rule_rec *r = find(res, "TX-HN-ADJUVANT-RT");
    assert_non_null(r);
    char sum[RULES_FACT_LEN];
    snprintf(sum, sizeof sum, "%s", r->summary);
    assert_non_null(strstr(sum, "size"));
    assert_non_null(strstr(sum, "invasion"));
    assert_null(strstr(sum, "NLR"));
    assert_null(strstr(sum, "maxillary"));
    assert_true(has_fact(r, "size_cm = 5"));
    assert_true(has_fact(r, "invasive_growth = yes"));
    assert_false(has_fact(r, "nlr"));
    free(res);
    /* maxilla alone: not a feature, but reported as worth checking */
    res = eval_spec("site=head_neck;surgery=R0;size_cm=2;nlr=1;invasive_growth=no;"
                    "site_detail=right maxilla", NULL);
    assert_null(find(res, "TX-HN-ADJUVANT-RT"));
    assert_true(has_missing(find(res, "DX-MISSING-DATA"), "maxillary sinus"));
    free(res);
    /* "maxillary antrum" is the sinus; hyphen/underscore separators count */
    expect_fires("TX-HN-ADJUVANT-RT", "site=head_neck;surgery=R0;site_detail=maxillary antrum", NULL);
    expect_fires("TX-HN-ADJUVANT-RT", "site=head_neck;surgery=R0;site_detail=maxillary-sinus", NULL);
    /* features unknown after resection: listed as missing */
    res = eval_spec("site=head_neck;surgery=R0", NULL);
    assert_null(find(res, "TX-HN-ADJUVANT-RT"));
    assert_true(has_missing(find(res, "DX-MISSING-DATA"), "size_cm, site_detail, nlr, invasive_growth unknown"));
    free(res);
}

/* TX-ALK-TKI: "confirm the fusion (C3)" exactly when ALK rests on IHC. */
static void test_alk_tki_confirm(void **state)
{
    (void)state;
    rules_result *res = eval_spec("alk_ihc=positive;resectable=no", NULL);
    const rule_rec *r = find(res, "TX-ALK-TKI");
    assert_non_null(r);
    assert_non_null(strstr(r->summary, "confirm the fusion (C3)"));
    assert_non_null(strstr(r->detail, "confirm the fusion (C3)"));
    free(res);
    res = eval_spec("alk_ihc=positive;fusion=EML4::ALK;fusion_method=ngs_rna;resectable=no", NULL);
    r = find(res, "TX-ALK-TKI");
    assert_non_null(r);
    assert_null(strstr(r->summary, "confirm the fusion"));
    assert_null(strstr(r->detail, "confirm the fusion"));
    assert_non_null(strstr(r->detail, "crizotinib first"));
    free(res);
    /* TX-CHEMO says C8 is the weakest consensus */
    res = eval_spec("alk_fish=negative;fusion=none;fusion_method=ngs_rna;metastatic=yes", NULL);
    r = find(res, "TX-CHEMO");
    assert_non_null(r);
    assert_non_null(strstr(r->summary, "weakest"));
    assert_non_null(strstr(r->detail, "weakest"));
    free(res);
}

/* Suitability unknown: no treatment rule that needs it fires; the ones that
 * would apply are named under DX-MISSING-DATA. */
static void test_unsuit_unknown_holds_treatment(void **state)
{
    (void)state;
    rules_result *res = eval_spec("alk_fish=positive;site=head_neck", NULL);
    static const char *const held[] = { "TX-RADICAL-RT", "TX-ALK-TKI", "TX-STEROID-HN",
                                        "TX-TRIAL", "TX-CHEMO", "TX-NSAID" };
    for (size_t i = 0; i < sizeof held / sizeof held[0]; i++)
        assert_null(find(res, held[i]));
    const rule_rec *m = find(res, "DX-MISSING-DATA");
    assert_non_null(m);
    assert_true(has_missing(m, "TX-ALK-TKI"));
    assert_true(has_missing(m, "TX-STEROID-HN"));
    assert_false(has_missing(m, "TX-NSAID"));   /* ALK is positive: NSAID not held, just no */
    free(res);
}

/* Unknown is not "no", and where the unknown matters it is reported:
 * for each rule, a case built to fire it with one condition made
 * unknown; the rule must stay silent and some recommendation (the rule's
 * neighbours or DX-MISSING-DATA) must name the empty field under
 * "missing".  Written from rules.md: each line is a field whose value
 * would change the work-up or treatment advice. */
static void test_unknowns_reported(void **state)
{
    (void)state;
    static const struct { const char *id, *spec, *unknown, *needle; } t[] = {
        { "DX-DIFF-IGG4", "igg4_igg_ratio=41;igg4_per_hpf=11", "igg4_per_hpf=",
          "igg4_per_hpf unknown" },
        { "DX-DIFF-IGG4", "igg4_igg_ratio=41;igg4_per_hpf=11", "igg4_igg_ratio=",
          "igg4_igg_ratio unknown" },
        { "TX-SURGERY", "resectable=yes;surgery=none", "resectable=", "resectable unknown" },
        { "TX-RERESECT", "surgery=R1;resectable=yes", "surgery=", "surgery unknown" },
        { "TX-HN-ADJUVANT-RT", "site=head_neck;surgery=R0;size_cm=4.5", "surgery=",
          "surgery unknown" },
        { "TX-HN-ADJUVANT-RT", "site=head_neck;surgery=R0;size_cm=4.5", "size_cm=",
          "size_cm" },
        { "TX-HN-ADJUVANT-RT", "site=head_neck;surgery=R0;nlr=2", "nlr=", "nlr" },
        { "TX-HN-ADJUVANT-RT", "site=head_neck;surgery=R0;invasive_growth=yes",
          "invasive_growth=", "invasive_growth" },
        { "TX-HN-ADJUVANT-RT", "site=head_neck;surgery=R0;site_detail=maxillary sinus",
          "site_detail=", "site_detail" },
        { "TX-RADICAL-RT", "resectable=no;surgery=R0;metastatic=no;recurrence=no",
          "resectable=", "resectable unknown" },
        { "TX-RADICAL-RT", "resectable=yes;surgery=R0;metastatic=yes;recurrence=no",
          "metastatic=", "metastatic unknown" },
        { "TX-RADICAL-RT", "resectable=no;surgery=R0;metastatic=no;recurrence=yes",
          "resectable=;recurrence=", "recurrence unknown" },
        { "TX-RADICAL-RT", "resectable=yes;surgery=R1;metastatic=no", "surgery=",
          "surgery unknown" },
        { "TX-ALK-TKI", "alk_fish=positive;resectable=no", "alk_fish=", "ALK status unknown" },
        { "TX-ALK-TKI", "alk_fish=positive;resectable=no;surgery=R0;metastatic=no",
          "resectable=", "TX-ALK-TKI" },
        { "TX-ROS1-TKI", "fusion=TFG::ROS1;fusion_method=ngs_rna;resectable=no",
          "fusion=;fusion_method=", "fusion not tested" },
        { "TX-ROS1-TKI", "fusion=TFG::ROS1;fusion_method=ngs_rna;resectable=no;"
          "surgery=R0;metastatic=no", "resectable=", "TX-ROS1-TKI" },
        { "TX-NTRK-RET", "fusion=ETV6::NTRK3;fusion_method=ngs_rna;resectable=no",
          "fusion=;fusion_method=", "fusion not tested" },
        { "TX-NTRK-RET", "fusion=CCDC6::RET;fusion_method=ngs_rna;resectable=no;"
          "surgery=R0;metastatic=no", "resectable=", "TX-NTRK-RET" },
        { "TX-CHEMO", "alk_fish=negative;fusion=none;fusion_method=ngs_rna;resectable=no",
          "alk_fish=;fusion=;fusion_method=", "fusion not tested" },
        { "TX-CHEMO", "alk_fish=positive;targeted=crizotinib;resectable=no", "targeted=",
          "targeted unknown" },
        { "TX-CHEMO", "alk_fish=negative;fusion=none;fusion_method=ngs_rna;resectable=no;"
          "surgery=R0;metastatic=no", "resectable=", "TX-CHEMO" },
        { "TX-STEROID-HN", "site=head_neck;resectable=no;surgery=R0;metastatic=no",
          "resectable=", "TX-STEROID-HN" },
        { "TX-NSAID", "alk_ihc=negative;resectable=no", "alk_ihc=", "ALK status unknown" },
        { "TX-NSAID", "alk_ihc=negative;resectable=no;surgery=R0;metastatic=no",
          "resectable=", "TX-NSAID" },
        { "TX-IO", "pdl1_tps=1;resectable=no;chemotherapy=MTX+VCR", "pdl1_tps=",
          "pdl1_tps unknown" },
        { "TX-IO", "pdl1_tps=1;resectable=no;chemotherapy=MTX+VCR", "chemotherapy=",
          "chemotherapy unknown" },
        { "TX-IO", "pdl1_tps=50;resectable=no;targeted=alectinib;chemotherapy=none",
          "targeted=", "targeted unknown" },
        { "TX-IO", "pdl1_tps=1;chemotherapy=AI;resectable=no;surgery=R0;metastatic=no",
          "resectable=", "TX-IO" },
        { "TX-TRIAL", "resectable=no;surgery=R0;metastatic=no", "resectable=", "TX-TRIAL" },
        /* audit-rules: unknowns that left the output identical to "no" */
        { "TX-STEROID-CAUTION", "steroids=yes", "steroids=", "steroids unknown" },
        { "TX-STEROID-CAUTION", "site=thorax_other;steroids=yes", "steroids=",
          "steroids unknown" },
        /* suitability already settled by the metastasis, resectable empty
         * ("not no"): only the empty surgery holds re-resection back */
        { "TX-RERESECT", "surgery=R1;metastatic=yes", "surgery=", "surgery unknown" },
        /* both halves of TX-IO's condition unknown at once */
        { "TX-IO", "pdl1_tps=1;resectable=no;chemotherapy=MTX+VCR",
          "pdl1_tps=;chemotherapy=", "pdl1_tps and targeted and chemotherapy unknown" },
        { "RISK-FEMALE-INCOMPLETE", "sex=F;surgery=R1", "sex=", "sex unknown" },
        { "RISK-FEMALE-INCOMPLETE", "sex=F;surgery=biopsy;resectable=no", "surgery=",
          "surgery unknown" },
        /* ALK positive by FISH: the fusion test still decides ROS1 */
        { "TX-ROS1-TKI", "fusion=TFG::ROS1;fusion_method=ngs_rna;resectable=no;"
          "alk_fish=positive", "fusion=;fusion_method=", "fusion not tested" },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        expect_fires(t[i].id, t[i].spec, NULL);
        expect_missing(t[i].id, t[i].spec, t[i].unknown, t[i].needle);
    }
}

/* The configurable mitoses cut-off. */
static void test_mitoses_config(void **state)
{
    (void)state;
    rules_config cfg;
    rules_config_default(&cfg);
    assert_true(cfg.mitoses_cutoff == 10);
    char err[160];
    assert_int_equal(rules_config_set_mitoses(&cfg, "5", err, sizeof err), 0);
    assert_true(cfg.mitoses_cutoff == 5);
    assert_int_equal(rules_config_set_mitoses(&cfg, "12,5", err, sizeof err), -1);
    assert_int_equal(rules_config_set_mitoses(&cfg, "0", err, sizeof err), -1);
    assert_int_equal(rules_config_set_mitoses(&cfg, "abc", err, sizeof err), -1);
    assert_int_equal(rules_config_set_mitoses(&cfg, "", err, sizeof err), -1);
    assert_true(cfg.mitoses_cutoff == 5);
    imt_case c;
    rules_result *res = malloc(sizeof *res);
    build(&c, "mitoses_10hpf=5");
    rules_evaluate(&c, &cfg, res);
    assert_non_null(find(res, "RISK-PATHOLOGY"));
    imt_case_clear(&c);
    build(&c, "mitoses_10hpf=4");
    rules_evaluate(&c, &cfg, res);
    assert_null(find(res, "RISK-PATHOLOGY"));
    imt_case_clear(&c);
    free(res);
}

/* A stale record (derived fields not recomputed) still gets the advice
 * its ALK results call for. */
static void test_stale_derived(void **state)
{
    (void)state;
    imt_case c;
    build(&c, "resectable=no");
    apply(&c, "alk_fish=positive");      /* alk_status left unknown */
    rules_result *res = malloc(sizeof *res);
    rules_evaluate(&c, NULL, res);
    assert_non_null(find(res, "TX-ALK-TKI"));
    free(res);
    imt_case_clear(&c);
}

/* Text from the database quoted in a fact never carries a control
 * character or invalid UTF-8. */
static bool clean_text(const char *s)
{
    size_t n = strlen(s);
    if (!utf8_valid(s, n))
        return false;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (k <= 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
            return false;
        i += (size_t)k;
    }
    return true;
}

static void test_hostile_text(void **state)
{
    (void)state;
    imt_case c;
    build(&c, "site=head_neck;surgery=R0;chemotherapy=x");
    free(c.site_detail);
    c.site_detail = strdup("\x1b[31mmaxillary sinus\x07\r\n\xc2\x9b\xff\xfe\"quoted\\"
                           "\xe2\x80\xae RTL override and a long tail to be cut ........."
                           "......................................................");
    free(c.chemotherapy);
    c.chemotherapy = strdup("MTX\x1b]0;pwned\x07");
    free(c.targeted);
    c.targeted = strdup("\xc3");   /* truncated sequence */
    rules_result *res = malloc(sizeof *res);
    rules_evaluate(&c, NULL, res);
    const rule_rec *r = find(res, "TX-HN-ADJUVANT-RT");
    assert_non_null(r);
    assert_true(has_fact(r, "\\x1B[31mmaxillary sinus\\x07\\x0D\\x0A\\u009B\\xFF\\xFE\\\"quoted\\\\"));
    for (int i = 0; i < res->n; i++) {
        for (int k = 0; k < res->recs[i].nfired; k++)
            if (!clean_text(res->recs[i].fired[k]))
                fail_msg("unsafe fact '%s'", res->recs[i].fired[k]);
        for (int k = 0; k < res->recs[i].nmissing; k++)
            assert_true(clean_text(res->recs[i].missing[k]));
        assert_true(clean_text(res->recs[i].summary));
        assert_true(clean_text(res->recs[i].detail));
    }
    assert_true(has_fact(find(res, "FU-LONG-TERM"), "\\x1B]0;pwned\\x07"));
    assert_true(has_fact(find(res, "FU-LONG-TERM"), "targeted = \"\\xC3\""));
    /* a fusion that got past validation is escaped (and then quoted) too */
    free(c.fusion);
    c.fusion = strdup("X\x1b::ROS1");
    c.resectable = 0;
    rules_evaluate(&c, NULL, res);
    assert_true(has_fact(find(res, "TX-ROS1-TKI"), "fusion = \"X\\x1B::ROS1\""));
    free(res);
    imt_case_clear(&c);
}

/* Summaries fit 76 columns (they are ASCII, so bytes = columns) for every
 * rule with its longest variable text, and for many random cases. */
static void check_widths(const rules_result *res)
{
    for (int i = 0; i < res->n; i++) {
        const char *s = res->recs[i].summary;
        for (const char *p = s; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                fail_msg("%s: non-ASCII summary '%s'", res->recs[i].id, s);
        if (strlen(s) > 76)
            fail_msg("%s: summary %zu columns: '%s'", res->recs[i].id, strlen(s), s);
    }
}

static void test_summary_width(void **state)
{
    (void)state;
    static const char *const longest[] = {
        "site=head_neck;surgery=R2;size_cm=99.9999999999999;nlr=99.999;invasive_growth=yes;"
        "site_detail=maxillary sinus;resectable=yes;metastatic=no",
        "size_cm=99.9999999999999;necrosis=yes;mitoses_10hpf=500;histology=epithelioid",
        "cd117=positive;dog1=positive;s100=positive;cytokeratin=positive;"
        "igg4_igg_ratio=99.9999999;igg4_per_hpf=1000",
        "fusion=NTRK1::RET;fusion_method=ngs_rna;resectable=no;alk_ihc=negative",
        "alk_ihc=positive;alk_ihc_pattern=perinuclear;resectable=no;site=head_neck;"
        "surgery=R2;sex=F;pdl1_tps=100;chemotherapy=x;targeted=y;steroids=yes",
        "site=retroperitoneum;surgery=R1;radiotherapy_gy=60",
        "site=thorax_other;steroids=yes;recurrence=yes",
        "", "review_status=signed_out",
    };
    for (size_t i = 0; i < sizeof longest / sizeof longest[0]; i++) {
        rules_result *res = eval_spec(longest[i], NULL);
        check_widths(res);
        free(res);
    }
    for (int i = 0; i < NCASES; i++) {
        rules_result *res = eval_spec(rule_cases[i].spec, NULL);
        check_widths(res);
        free(res);
    }
    for (int s = 0; s < SITE_N; s++) {
        char spec[128];
        snprintf(spec, sizeof spec, "site=%s;surgery=R0;alk_fish=positive", imt_site_values[s]);
        rules_result *res = eval_spec(spec, NULL);
        check_widths(res);
        free(res);
    }
}

/* Random cases: every field at random, unknowns included; the output is
 * sorted, well-formed and fits, and no treatment rule fires with
 * suitability unknown unless it does not need it. */
static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void random_case(imt_case *c, uint32_t *seed)
{
    static const char *const texts[] = { "", "CT", "maxillary sinus", "none", "MTX+VCR",
                                         "crizotinib", "maxilla", "no" };
    static const char *const fusions[] = { "", "none", "TPM3::ALK", "TFG::ROS1",
                                           "ETV6::NTRK3", "CCDC6::RET", "RANBP2::ALK",
                                           "PDGFRB::X" };
    imt_case_init(c);
    apply(c, "case_id=R;site=lung");
    for (int f = 0; f < imt_nfields; f++) {
        const imt_field *fd = &imt_fields[f];
        if (fd->flags & (FF_DERIVED | FF_REQUIRED) || f == IMT_F_fusion_method)
            continue;
        uint32_t r = lcg(seed);
        if (r % 3 == 0)
            continue;                       /* unknown */
        char val[64] = "";
        switch (fd->type) {
        case FT_ENUM: {
            int n = 0;
            while (fd->values[n]) n++;
            snprintf(val, sizeof val, "%s", fd->values[lcg(seed) % (uint32_t)n]);
            break;
        }
        case FT_BOOL: snprintf(val, sizeof val, "%s", lcg(seed) % 2 ? "yes" : "no"); break;
        case FT_DEC: case FT_INT: {
            double span = fd->max - fd->min;
            double v = fd->min + span * (lcg(seed) % 10001) / 10000.0;
            if (fd->type == FT_INT) snprintf(val, sizeof val, "%.0f", v);
            else snprintf(val, sizeof val, "%.2f", v < fd->min ? fd->min : v);
            break;
        }
        case FT_FUSION:
            snprintf(val, sizeof val, "%s", fusions[lcg(seed) % 8]);
            break;
        case FT_TEXT:
            snprintf(val, sizeof val, "%s", texts[lcg(seed) % 8]);
            break;
        default:
            continue;
        }
        if (f == IMT_F_site) continue;
        char err[256];
        if (imt_field_parse(c, f, val, err, sizeof err) != 0)
            continue;
    }
    if (lcg(seed) % 2)
        c->site = (int)(lcg(seed) % SITE_N);
    imt_case_derive(c);
}

static void test_random_cases(void **state)
{
    (void)state;
    uint32_t seed = 12345;
    rules_result *res = malloc(sizeof *res);
    for (int i = 0; i < 20000; i++) {
        imt_case c;
        random_case(&c, &seed);
        rules_evaluate(&c, NULL, res);
        check_sorted(res);
        check_widths(res);
        int unsuit = rules_not_suitable(&c);
        for (int k = 0; k < res->n; k++) {
            const rule_rec *r = &res->recs[k];
            assert_true(r->evidence && r->evidence[0]);
            assert_true(r->nfired > 0);
            /* a missing fact is a whole sentence, never cut at the buffer */
            for (int m = 0; m < r->nmissing; m++)
                if (strlen(r->missing[m]) >= RULES_FACT_LEN - 1)
                    fail_msg("%s: missing fact cut: '%s'", r->id, r->missing[m]);
            if (unsuit != 1) {
                static const char *const need[] = { "TX-RADICAL-RT", "TX-ALK-TKI",
                    "TX-ROS1-TKI", "TX-NTRK-RET", "TX-CHEMO", "TX-STEROID-HN",
                    "TX-NSAID", "TX-IO", "TX-TRIAL" };
                for (size_t j = 0; j < sizeof need / sizeof need[0]; j++)
                    if (strcmp(r->id, need[j]) == 0)
                        fail_msg("%s fired with not-suitable = %d", r->id, unsuit);
            }
        }
        imt_case_clear(&c);
    }
    free(res);
}

int main(void)
{
    struct CMUnitTest tests[NCASES + NCOURSE + 20];
    int n = 0;
    for (int i = 0; i < NCASES; i++) {
        tests[n] = (struct CMUnitTest){ rule_cases[i].name, test_rule_case, NULL, NULL,
                                        (void *)&rule_cases[i] };
        n++;
    }
    for (int i = 0; i < NCOURSE; i++) {
        tests[n] = (struct CMUnitTest){ course_cases[i].name, test_course_case, NULL, NULL,
                                        (void *)&course_cases[i] };
        n++;
    }
#define ADD(f) tests[n++] = (struct CMUnitTest){ #f, f, NULL, NULL, NULL }
    ADD(test_every_rule_has_a_case);
    ADD(test_kinds_and_levels);
    ADD(test_not_suitable);
    ADD(test_all_empty);
    ADD(test_sorted);
    ADD(test_boundaries);
    ADD(test_size_phrases);
    ADD(test_hn_features_named);
    ADD(test_alk_tki_confirm);
    ADD(test_unsuit_unknown_holds_treatment);
    ADD(test_unknowns_reported);
    ADD(test_mitoses_config);
    ADD(test_stale_derived);
    ADD(test_hostile_text);
    ADD(test_summary_width);
    ADD(test_random_cases);
    ADD(test_course_missing);
    return _cmocka_run_group_tests("rules", tests, (size_t)n, NULL, NULL);
}
