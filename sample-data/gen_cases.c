/* gen_cases.c - synthetic IMT cases for the demo database, the tests and
 * the benchmarks.
 *
 *   gen_cases N SEED  >cases.csv
 *   gen_cases N SEED events  >events.csv
 *
 * Writes N cases (header first) as RFC 4180 CSV in the format of
 * ../shared/spec/data-dictionary.md, streaming, to stdout.  Same N and
 * SEED give byte-identical output; every row depends only on SEED and its
 * own number, so `gen_cases 320 S` is a prefix of `gen_cases 1000 S`.
 * With "events" it writes the courses of the same N cases instead (the
 * events CSV of sample-data/README.md), drawn from each case's own
 * values so that the two agree (imtreview check holds them together):
 * the surgery and its margin, radiotherapy with its dose, chemotherapy,
 * the targeted drugs one line after the other, a checkpoint inhibitor,
 * steroids and NSAIDs as lines; RECIST responses (sometimes not yet
 * recorded), stops for progression, re-biopsies after a TKI fails, the
 * recurrence at recurrence_months, metastases, and contacts up to the
 * last follow-up.  Dates are calendar dates, or days from diagnosis when
 * the case has no diagnosis_date.  The events of a case use a stream of
 * their own, so the cases file does not change.
 * No real patient is described: every value is drawn from the mixes below.
 *
 * Standalone on purpose (no project header): it must not share code with
 * the importer it is used to test.  Every value it writes must be valid
 * per the data dictionary, including the cross-field rules; the
 * test_sample_data e2e test imports several seeds to hold it to that.
 *
 * Sources of the mixes (files in ../shared/references/):
 *   [PED]  pediatric-imt-systematic-review.txt (673 children; 405 with
 *          individual data): median age 7 y; abdomen/pelvis 58%, thorax
 *          31%, head/neck 8%, extremities 3%; 5% not operated; recurrence
 *          20%; mortality 6% (DOD); AWD 14%; ALK positive 49% of tested;
 *          Table 1: recurrence 6.8% with negative vs 51% with positive
 *          margins, mortality 1.0% vs 13.2%; median follow-up 36 months.
 *   [ADU]  adult-imt-74-cases-2024.txt (74 adults): mean age 50; 34 F /
 *          40 M; head/neck 24%, lung 22%, limbs/trunk 15%, abdominal
 *          organs 14%; ALK IHC positive 31%, highest in lung (45.5%);
 *          86.4% R0, 9.5% R1/R2, 4.1% biopsy; SUVmax 4.0-21.9; median
 *          follow-up 59.9 months, 22 of 74 lost; OS 78.4/70.9/69.2/69.2%
 *          at 1/3/5/10 years (deaths early, none after 5 years).
 *   [CON]  chinese-expert-consensus-imt-2025.txt: 50-60% of patients are
 *          children/adolescents; lung the most common site; ~5% of lung
 *          IMT multiple; 50-60% ALK fusions, partners TPM3, TPM4, CLTC,
 *          CARS, RANBP2, ATIC, NUMA1, SQSTM1; ROS1 (pulmonary), NTRK3, RET
 *          fusions in ALK-negative IMT; RANBP2/CLTC commoner in abdomen;
 *          EIMS (epithelioid) aggressive; metastasis ~5%; PD-L1 in ~69%;
 *          radiotherapy 45-60 Gy; chemotherapy MTX +/- vinca, anthracycline,
 *          pemetrexed/paclitaxel + platinum; TKIs crizotinib, ceritinib,
 *          alectinib, lorlatinib, brigatinib, entrectinib, selpercatinib;
 *          checkpoint inhibitors nivolumab, toripalimab, sintilimab,
 *          pembrolizumab.
 *   [PAT]  imt-patient-information.txt: recurrence ~25%, higher in the
 *          abdomen and above 8 cm; distant spread ~5%.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

/* ---- PRNG: splitmix64 (Steele, Lea & Flood 2014), never rand() --------- */

typedef struct { uint64_t s; } rng;

static uint64_t rnext(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1), 53 bits, exact. */
static double unif(rng *r) { return (double)(rnext(r) >> 11) * 0x1.0p-53; }
static int chance(rng *r, double p) { return unif(r) < p; }
/* Uniform integer in [lo, hi]. */
static int irange(rng *r, int lo, int hi)
{
    return lo + (int)(rnext(r) % (uint64_t)(hi - lo + 1));
}
/* Standard normal by Irwin-Hall (sum of 12 uniforms - 6): no libm, so the
 * same bits on every machine; tails beyond +-6 do not matter here. */
static double normal(rng *r)
{
    double s = 0;
    for (int i = 0; i < 12; i++)
        s += unif(r);
    return s - 6.0;
}
/* Index drawn from integer weights. */
static int pick(rng *r, const int *w, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    int x = irange(r, 0, total - 1);
    for (int i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}
#define PICK(r, w) pick(r, w, (int)(sizeof w / sizeof w[0]))
#define ONE_OF(r, a) (a[irange(r, 0, (int)(sizeof a / sizeof a[0]) - 1)])

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}
/* Round to tenths as an integer (so printing never goes through %f). */
static long tenths(double v) { return (long)floor(v * 10.0 + 0.5); }

/* ---- columns (data-dictionary order; derived columns are not written) -- */

enum {
    C_case_id, C_age_years, C_sex, C_site, C_site_detail, C_diagnosis_date,
    C_size_cm, C_multifocal, C_metastatic, C_invasive_growth, C_imaging,
    C_suv_max, C_histology, C_necrosis, C_mitoses_10hpf, C_alk_ihc,
    C_alk_ihc_pattern, C_alk_fish, C_fusion, C_fusion_method, C_ros1_ihc,
    C_pdl1_tps, C_ki67_pct, C_sma, C_desmin, C_cytokeratin, C_s100, C_cd117,
    C_dog1, C_igg4_igg_ratio, C_igg4_per_hpf, C_nlr, C_resectable, C_surgery,
    C_radiotherapy_gy, C_chemotherapy, C_steroids, C_nsaid, C_targeted,
    C_immunotherapy, C_recurrence, C_recurrence_months, C_outcome,
    C_followup_months, C_notes, C_review_status, C_reviewer, C_reviewed_at,
    NCOL
};

static const char *const colname[NCOL] = {
    "case_id", "age_years", "sex", "site", "site_detail", "diagnosis_date",
    "size_cm", "multifocal", "metastatic", "invasive_growth", "imaging",
    "suv_max", "histology", "necrosis", "mitoses_10hpf", "alk_ihc",
    "alk_ihc_pattern", "alk_fish", "fusion", "fusion_method", "ros1_ihc",
    "pdl1_tps", "ki67_pct", "sma", "desmin", "cytokeratin", "s100", "cd117",
    "dog1", "igg4_igg_ratio", "igg4_per_hpf", "nlr", "resectable", "surgery",
    "radiotherapy_gy", "chemotherapy", "steroids", "nsaid", "targeted",
    "immunotherapy", "recurrence", "recurrence_months", "outcome",
    "followup_months", "notes", "review_status", "reviewer", "reviewed_at",
};

/* One row's cells: pointers to static strings or into the arena. */
typedef struct {
    const char *cell[NCOL];
    char arena[1024];
    size_t used;
} row;

static void set(row *w, int c, const char *s) { w->cell[c] = s; }

static char *alloc(row *w, size_t n)
{
    if (w->used + n > sizeof w->arena) {
        fputs("gen_cases: internal: row arena full\n", stderr);
        exit(1);
    }
    char *p = w->arena + w->used;
    w->used += n;
    return p;
}

static char *utoa_rev(char *end, unsigned long v)
{
    *--end = '\0';
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

static void set_int(row *w, int c, long v)
{
    char tmp[24];
    const char *s = utoa_rev(tmp + sizeof tmp, (unsigned long)v);
    size_t n = strlen(s) + 1;
    char *p = alloc(w, n);
    memcpy(p, s, n);
    w->cell[c] = p;
}

/* A decimal with one digit after the point, trailing ".0" dropped
 * (both spellings are valid; the short one is what export writes). */
static void set_dec1(row *w, int c, long t)
{
    char tmp[32];
    char *p = tmp + sizeof tmp;
    *--p = '\0';
    if (t % 10) {
        *--p = (char)('0' + t % 10);
        *--p = '.';
    }
    unsigned long v = (unsigned long)(t / 10);
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t n = strlen(p) + 1;
    char *d = alloc(w, n);
    memcpy(d, p, n);
    w->cell[c] = d;
}

static void set_fmt_id(row *w, unsigned long i)
{
    char *p = alloc(w, 24);
    char num[24];
    const char *s = utoa_rev(num + sizeof num, i);
    size_t len = strlen(s);
    memcpy(p, "IMT-", 4);
    size_t k = 4;
    for (size_t z = len; z < 6; z++)
        p[k++] = '0';
    memcpy(p + k, s, len + 1);
    w->cell[C_case_id] = p;
}

/* ---- dates ------------------------------------------------------------- */

/* Days since 1970-01-01 <-> civil date (H. Hinnant's algorithms). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

static void put2(char *p, int v) { p[0] = (char)('0' + v / 10 % 10); p[1] = (char)('0' + v % 10); }

static void set_date(row *w, int c, long days)
{
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    char *p = alloc(w, 11);
    put2(p, y / 100);
    put2(p + 2, y % 100);
    p[4] = '-';
    put2(p + 5, m);
    p[7] = '-';
    put2(p + 8, d);
    p[10] = '\0';
    w->cell[c] = p;
}

static void set_timestamp(row *w, int c, long days, int secs)
{
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    char *p = alloc(w, 21);
    put2(p, y / 100);
    put2(p + 2, y % 100);
    p[4] = '-';
    put2(p + 5, m);
    p[7] = '-';
    put2(p + 8, d);
    p[10] = 'T';
    put2(p + 11, secs / 3600);
    p[13] = ':';
    put2(p + 14, secs / 60 % 60);
    p[16] = ':';
    put2(p + 17, secs % 60);
    p[19] = 'Z';
    p[20] = '\0';
    w->cell[c] = p;
}

/* ---- value lists ------------------------------------------------------- */

enum { LUNG, HEAD_NECK, ABDOMEN_PELVIS, RETROPERITONEUM, GENITOURINARY,
       TRUNK_LIMBS, THORAX_OTHER, CNS, OTHER, NSITE };
static const char *const site_name[NSITE] = {
    "lung", "head_neck", "abdomen_pelvis", "retroperitoneum", "genitourinary",
    "trunk_limbs", "thorax_other", "cns", "other" };

/* Site mix in per mille.  The sources disagree: [CON] names the lung the
 * most common site overall, [PED] has abdomen/pelvis 58% and thorax 31% in
 * children, [ADU] has head/neck 24% and lung 22% in adults.  We keep each
 * age group's leaning ([PED]: abdomen and thorax; [ADU]: head/neck, lung,
 * trunk/limbs) but give the lung enough weight that it is the most common
 * site overall, as [CON] says, with abdomen/pelvis second. */
static const int site_w_child[NSITE] = { 370, 80, 300, 80, 60, 40, 40, 10, 20 };
static const int site_w_adult[NSITE] = { 270, 220, 160, 70, 70, 130, 40, 20, 20 };

/* Probability of a true ALK rearrangement by site: about half overall
 * ([PED] 49%, [CON] 50-60%), highest in the lung ([ADU] 45.5% of lung IMT
 * vs 22% abdominal and 14% limbs/trunk by IHC). */
static const double alk_p_site[NSITE] = {
    0.72, 0.50, 0.46, 0.40, 0.44, 0.32, 0.36, 0.30, 0.38 };

static const char *const detail_lung[] = {
    "right lower lobe", "left lower lobe", "right upper lobe", "left upper lobe",
    "right middle lobe", "left lower lobe; endobronchial", "right main bronchus",
    "lingula" };
static const char *const detail_hn[] = {
    "maxillary sinus; orbit", "nasopharynx", "maxillary sinus", "orbit",
    "larynx", "parapharyngeal space", "tongue", "parotid gland",
    "nasal cavity; ethmoid sinus", "thyroid" };
static const char *const detail_abd[] = {
    "mesentery", "liver", "spleen", "stomach", "small bowel", "colon",
    "omentum", "pelvis", "appendix", "pancreas; mesentery" };
static const char *const detail_retro[] = {
    "retroperitoneum", "perirenal", "para-aortic", "psoas" };
static const char *const detail_gu[] = {
    "bladder", "uterus", "kidney", "spermatic cord", "prostate", "ureter" };
static const char *const detail_trunk[] = {
    "thigh", "chest wall", "upper arm", "abdominal wall", "back", "forearm" };
static const char *const detail_thorax[] = {
    "mediastinum", "pleura", "heart", "esophagus", "trachea" };
static const char *const detail_cns[] = {
    "frontal lobe", "spinal cord", "dura; parietal", "cerebellum" };
static const char *const detail_other[] = {
    "breast", "adrenal gland", "thoracic vertebra", "skin", "lymph node" };

/* ALK fusion partners ([CON] list; RRBP1, EML4, DCTN1, PPFIBP1 are other
 * published partners, [ADU] Table 4 lists EML4, DCTN1, NUMA1, CLTC, TPM3,
 * RANBP2). */
static const char *const alk_partner[] = {
    "TPM3", "TPM4", "CLTC", "RANBP2", "EML4", "CARS", "ATIC", "SQSTM1",
    "NUMA1", "DCTN1", "RRBP1", "PPFIBP1" };
static const int alk_partner_w[] = { 26, 20, 12, 6, 8, 6, 5, 4, 4, 3, 3, 3 };

static const char *const ros1_fusion[] = { "TFG::ROS1", "YWHAE::ROS1", "NUMA1::ROS1" };

static const char *const english_notes[] = {
    "Referred from an outside hospital for a second opinion.",
    "Margins close at the posterior aspect; discussed at MDT.",
    "Incidental finding on chest CT.",
    "Presented with fever and anaemia; resolved after resection.",
    "Slides reviewed; typical spindle cell morphology with plasma cells.",
    "Tumour board recommended surveillance only.",
    "Awaiting molecular results from the reference laboratory.",
    "Patient declined further treatment.",
    "Second biopsy requested: first sample largely necrotic.",
    "Seen in the sarcoma clinic.",
};
static const char *const chinese_notes[] = {
    "患者术后随访，无复发。",
    "外院会诊病例，已复核切片。",
    "ALK免疫组化阳性，建议靶向治疗。",
    "肿瘤位于肺下叶，术后切缘阴性。",
    "术后三个月复查CT未见异常。",
    "多学科会诊后决定随访观察。",
};
static const char *const comma_notes[] = {
    "Seen at MDT, 2019; margins clear, no adjuvant therapy.",
    "Cough, chest pain, weight loss, for 3 months.",
    "Re-excised twice, then stable, per the surgeon.",
    "IHC: SMA+, desmin focal, CK-, S100-.",
};
static const char *const quote_notes[] = {
    "Pathologist wrote \"favour IMT\", confirmed by FISH.",
    "Report says \"margins involved\" at 12 o'clock.",
    "Called \"inflammatory pseudotumour\" in the 2009 report.",
};
static const char *const multiline_notes[] = {
    "First line: referred.\nSecond line: reviewed at MDT.",
    "Recurrence suspected on MRI.\nBiopsy planned.\n\"Watch\", said the family.",
    "术后随访：\n第12个月复查无异常，\n第24个月失访。",
    "Block A1, A2 reviewed.\r\nBlock B1 not available.",
};

static const char *const reviewers[] = { "wang.li", "mmeier", "jsmith", "chen_y", "a.rossi" };

/* ---- one case ----------------------------------------------------------- */

/* Per-case stream: every row depends on SEED and its number only. */
static void seed_case(rng *r, uint64_t seed, unsigned long i)
{
    rng m = { seed };
    uint64_t a = rnext(&m);
    r->s = a ^ ((uint64_t)i * 0xD1B54A32D192ED03ULL);
    (void)rnext(r);
}

static void make_case(row *w, rng *r, unsigned long id)
{
    memset(w->cell, 0, sizeof w->cell);
    w->used = 0;
    set_fmt_id(w, id);

    /* Age: [CON] 50-60% children/adolescents; children median ~7 years
     * ([PED] 84 months), adults centred in the forties ([ADU] mean 50). */
    int child = chance(r, 0.55);
    double age;
    if (child)
        age = clampd(exp(log(7.5) + 0.75 * normal(r)), 0.1, 17.9);
    else
        age = clampd(45.0 + 15.0 * normal(r), 18.0, 89.0);
    if (!chance(r, 0.02)) {
        if (age < 2.0)
            set_dec1(w, C_age_years, tenths(age));
        else
            set_int(w, C_age_years, (long)age);
    }

    /* Sex: no real difference ([PED] 53% male, [ADU] 40/74 male). */
    static const int sex_w[] = { 470, 505, 10, 15 };
    static const char *const sex_v[] = { "F", "M", "U", NULL };
    int sx = PICK(r, sex_w);
    set(w, C_sex, sex_v[sx]);

    int site = pick(r, child ? site_w_child : site_w_adult, NSITE);
    set(w, C_site, site_name[site]);
    if (!chance(r, 0.08)) {
        const char *d = NULL;
        switch (site) {
        case LUNG: d = ONE_OF(r, detail_lung); break;
        case HEAD_NECK: d = ONE_OF(r, detail_hn); break;
        case ABDOMEN_PELVIS: d = ONE_OF(r, detail_abd); break;
        case RETROPERITONEUM: d = ONE_OF(r, detail_retro); break;
        case GENITOURINARY: d = ONE_OF(r, detail_gu); break;
        case TRUNK_LIMBS: d = ONE_OF(r, detail_trunk); break;
        case THORAX_OTHER: d = ONE_OF(r, detail_thorax); break;
        case CNS: d = ONE_OF(r, detail_cns); break;
        default: d = ONE_OF(r, detail_other); break;
        }
        set(w, C_site_detail, d);
    }

    /* Diagnosis 2008-01-01 .. 2024-12-31 (never in the future). */
    long d0 = days_from_civil(2008, 1, 1), d1 = days_from_civil(2024, 12, 31);
    long dx = d0 + (long)(rnext(r) % (uint64_t)(d1 - d0 + 1));
    int have_dx = !chance(r, 0.03);
    if (have_dx)
        set_date(w, C_diagnosis_date, dx);

    /* Size: median ~5 cm; abdominal tumours larger ([PAT] > 8 cm). */
    double size = exp(log(site == ABDOMEN_PELVIS || site == RETROPERITONEUM ? 7.0 : 4.5)
                      + 0.6 * normal(r));
    size = clampd(size, 0.5, 35.0);
    if (!chance(r, 0.08))
        set_dec1(w, C_size_cm, tenths(size));

    static const char *const yn[] = { "yes", "no" };
    /* Multifocal ~5% ([CON] lung), metastatic ~5% ([CON], [PAT]). */
    int multifocal = chance(r, 0.05);
    if (!chance(r, 0.10))
        set(w, C_multifocal, yn[!multifocal]);
    int metastatic = chance(r, 0.05);
    if (!chance(r, 0.08))
        set(w, C_metastatic, yn[!metastatic]);
    int invasive = chance(r, size > 8.0 ? 0.35 : 0.15);
    if (!chance(r, 0.15))
        set(w, C_invasive_growth, yn[!invasive]);

    static const char *const imaging_v[] = {
        "CT", "CT; MRI", "CT; PET-CT", "MRI", "US; CT", "CT; MRI; PET-CT", "US", "X-ray; CT" };
    static const int imaging_w[] = { 35, 20, 10, 10, 10, 6, 5, 4 };
    int have_imaging = !chance(r, 0.12);
    if (have_imaging) {
        const char *im = imaging_v[PICK(r, imaging_w)];
        set(w, C_imaging, im);
        /* SUVmax only with PET-CT; [ADU] 4.0-21.9. */
        if (strstr(im, "PET") && !chance(r, 0.1))
            set_dec1(w, C_suv_max, tenths(4.0 + 17.9 * unif(r)));
    }

    /* ALK: a latent true rearrangement, then tests that mostly agree. */
    int alk_true = chance(r, alk_p_site[site]);
    enum { H_MYXOID, H_HYPERCELLULAR, H_HYPOCELLULAR, H_MIXED, H_EPITHELIOID };
    static const char *const hist_v[] = {
        "myxoid", "hypercellular", "hypocellular", "mixed", "epithelioid" };
    static const int hist_w[] = { 30, 30, 15, 22 };
    int hist;
    /* EIMS: epithelioid, abdominal, RANBP2::ALK with a nuclear-membrane
     * ALK pattern ([CON]; rules.md's EIMS note). */
    if (alk_true && site == ABDOMEN_PELVIS && chance(r, 0.08))
        hist = H_EPITHELIOID;
    else
        hist = PICK(r, hist_w);
    if (hist == H_EPITHELIOID || !chance(r, 0.05))
        set(w, C_histology, hist_v[hist]);
    int eims = hist == H_EPITHELIOID;
    int necrosis = chance(r, eims ? 0.5 : 0.1);
    if (!chance(r, 0.2))
        set(w, C_necrosis, yn[!necrosis]);
    if (!chance(r, 0.25))
        set_int(w, C_mitoses_10hpf, eims ? irange(r, 5, 40) : irange(r, 0, chance(r, 0.8) ? 3 : 12));

    const char *partner = NULL;
    if (alk_true)
        partner = eims ? "RANBP2" : alk_partner[PICK(r, alk_partner_w)];

    /* IHC done in ~92%; 3% of rearranged tumours IHC-negative and 5% of
     * non-rearranged IHC-positive, so some cases are discordant. */
    enum { IHC_POS, IHC_NEG, IHC_EQ, IHC_NONE } ihc = IHC_NONE;
    if (!chance(r, 0.08)) {
        double u = unif(r);
        if (alk_true)
            ihc = u < 0.93 ? IHC_POS : u < 0.97 ? IHC_EQ : IHC_NEG;
        else
            ihc = u < 0.05 ? IHC_POS : u < 0.10 ? IHC_EQ : IHC_NEG;
    }
    static const char *const ihc_v[] = { "positive", "negative", "equivocal" };
    if (ihc != IHC_NONE)
        set(w, C_alk_ihc, ihc_v[ihc]);
    if ((ihc == IHC_POS || ihc == IHC_EQ) && !chance(r, 0.15)) {
        const char *pat;
        if (partner && strcmp(partner, "RANBP2") == 0)
            pat = "nuclear_membrane";
        else if (partner && strcmp(partner, "RRBP1") == 0)
            pat = "perinuclear";
        else if (partner && strcmp(partner, "CLTC") == 0)
            pat = "granular";
        else
            pat = chance(r, 0.85) ? "cytoplasmic" : "membranous";
        set(w, C_alk_ihc_pattern, pat);
    }

    /* Molecular work-up: more often when IHC is not clearly positive
     * ([ADU]: FISH/NGS/RT-PCR when IHC is negative; [CON]). */
    double p_mol = ihc == IHC_POS ? 0.30 : 0.55;
    if (chance(r, p_mol * 0.5))
        set(w, C_alk_fish, alk_true ? (chance(r, 0.97) ? "positive" : "negative") : "negative");
    int ros1 = 0;
    if (chance(r, p_mol)) {
        const char *fusion;
        char *buf = NULL;
        if (alk_true && chance(r, 0.95)) {
            buf = alloc(w, 32);
            snprintf(buf, 32, "%s::ALK", partner);
            fusion = buf;
        } else if (alk_true) {
            fusion = "none"; /* a missed fusion: discordant with IHC */
        } else {
            /* ALK-negative: ROS1 (commoner in lung), NTRK3, RET ([CON]). */
            double u = unif(r);
            double p_ros = site == LUNG ? 0.25 : 0.10;
            if (u < p_ros) {
                fusion = ONE_OF(r, ros1_fusion);
                ros1 = 1;
            } else if (u < p_ros + 0.12) {
                fusion = "ETV6::NTRK3";
            } else if (u < p_ros + 0.18) {
                fusion = site == GENITOURINARY ? "TIMP3::RET" : "NCOA4::RET";
            } else {
                fusion = "none";
            }
        }
        set(w, C_fusion, fusion);
        /* Method given exactly when a fusion is named (the dictionary
         * requires it then and forbids it without a fusion). */
        if (strcmp(fusion, "none") != 0) {
            static const char *const meth_v[] = { "ngs_rna", "ngs_dna", "rt_pcr", "fish" };
            static const int meth_w[] = { 55, 25, 12, 8 };
            set(w, C_fusion_method, meth_v[PICK(r, meth_w)]);
        }
    }
    if (chance(r, ros1 ? 0.7 : 0.12))
        set(w, C_ros1_ihc, ros1 ? "positive" : "negative");

    /* Other markers; unknown = not done.  PD-L1 expressed in ~69% ([CON]). */
    if (chance(r, 0.2))
        set_int(w, C_pdl1_tps, chance(r, 0.69) ? irange(r, 1, 80) : 0);
    if (chance(r, 0.6))
        set_dec1(w, C_ki67_pct, eims ? irange(r, 150, 600) : irange(r, 10, 200));
    static const char *const pn[] = { "positive", "negative" };
    if (chance(r, 0.7)) set(w, C_sma, pn[!chance(r, 0.85)]);
    if (chance(r, 0.6)) set(w, C_desmin, pn[!chance(r, eims ? 0.8 : 0.4)]);
    if (chance(r, 0.55)) set(w, C_cytokeratin, pn[!chance(r, 0.25)]);
    if (chance(r, 0.5)) set(w, C_s100, pn[!chance(r, 0.03)]);
    if (chance(r, 0.35)) set(w, C_cd117, pn[!chance(r, 0.03)]);
    if (chance(r, 0.3)) set(w, C_dog1, pn[!chance(r, 0.02)]);
    if (chance(r, 0.1)) set_dec1(w, C_igg4_igg_ratio, irange(r, 0, 400));
    if (chance(r, 0.1)) set_int(w, C_igg4_per_hpf, irange(r, 0, 60));
    if (chance(r, 0.35))
        set_dec1(w, C_nlr, tenths(clampd(exp(log(2.0) + 0.5 * normal(r)), 0.3, 30.0)));

    /* Treatment: [ADU] 86.4% R0 / 9.5% R1-R2 / 4.1% biopsy; [PED] 5% not
     * operated, more in head/neck and limbs. */
    int resectable = !chance(r, (site == HEAD_NECK || site == CNS || metastatic) ? 0.35 : 0.12);
    if (!chance(r, 0.05))
        set(w, C_resectable, yn[!resectable]);
    enum { S_NONE, S_BIOPSY, S_R0, S_R1, S_R2 };
    static const char *const surg_v[] = { "none", "biopsy", "R0", "R1", "R2" };
    static const int surg_res_w[] = { 1, 3, 86, 7, 3 };
    static const int surg_unres_w[] = { 20, 45, 5, 15, 15 };
    int surg = resectable ? PICK(r, surg_res_w) : PICK(r, surg_unres_w);
    if (!chance(r, 0.03))
        set(w, C_surgery, surg_v[surg]);
    int margin_pos = surg == S_R1 || surg == S_R2;
    int no_resection = surg == S_NONE || surg == S_BIOPSY;

    /* Radiotherapy 45-60 Gy after incomplete resection ([CON], [ADU]);
     * 0 = recorded as not given, empty = not recorded. */
    int rt = (margin_pos || no_resection) && chance(r, 0.35);
    if (rt)
        set_dec1(w, C_radiotherapy_gy, 10L * irange(r, 45, 60));
    else if (chance(r, 0.7))
        set_dec1(w, C_radiotherapy_gy, 0);
    int advanced = metastatic || no_resection || surg == S_R2;
    if (advanced && chance(r, 0.4)) {
        static const char *const chemo_v[] = {
            "MTX+VCR", "MTX+VNR", "doxorubicin+ifosfamide", "pemetrexed+carboplatin",
            "paclitaxel+carboplatin" };
        set(w, C_chemotherapy, ONE_OF(r, chemo_v));
    }
    int steroids = chance(r, site == HEAD_NECK ? 0.25 : 0.05);
    if (!chance(r, 0.25))
        set(w, C_steroids, yn[!steroids]);
    int nsaid = chance(r, alk_true ? 0.03 : 0.08);
    if (!chance(r, 0.25))
        set(w, C_nsaid, yn[!nsaid]);

    /* Recurrence by margin ([PED] Table 1: 6.8% negative vs 51% positive
     * margins), more in the abdomen and above 8 cm ([PAT]); overall about
     * 20-25% ([PED] 20%, [PAT] ~25%). */
    double p_rec = margin_pos ? 0.50 : no_resection ? 0.40 : 0.10;
    if (site == ABDOMEN_PELVIS || site == RETROPERITONEUM) p_rec *= 1.3;
    if (size > 8.0) p_rec *= 1.25;
    int recurrence = chance(r, clampd(p_rec, 0, 0.9));

    /* Death: about 6% overall ([PED] 6% DOD); margins, metastasis and
     * EIMS raise it ([PED] Table 1; [CON]).  Deaths come early ([ADU] OS
     * flat after 5 years); DOC mostly in older adults. */
    double p_dod = margin_pos ? 0.10 : no_resection ? 0.08 : 0.015;
    if (metastatic) p_dod *= 3;
    if (eims) p_dod *= 3;
    if (!child) p_dod *= 1.3;
    int dod = chance(r, clampd(p_dod, 0, 0.8));
    int doc = !dod && chance(r, child ? 0.003 : (age > 60 ? 0.05 : 0.015));

    /* Targeted therapy for unresectable or advanced disease with a target
     * ([CON] consensus 7; TKIs named in [CON] and [ADU]). */
    if ((advanced || recurrence) && chance(r, 0.5)) {
        const char *fus = w->cell[C_fusion];
        static const char *const alk_tki[] = {
            "crizotinib", "crizotinib", "alectinib", "ceritinib", "lorlatinib",
            "brigatinib", "crizotinib; lorlatinib" };
        const char *t = NULL;
        if (ros1) t = chance(r, 0.7) ? "crizotinib" : "entrectinib";
        else if (fus && strstr(fus, "NTRK3")) t = chance(r, 0.5) ? "larotrectinib" : "entrectinib";
        else if (fus && strstr(fus, "RET")) t = "selpercatinib";
        else if (ihc == IHC_POS || (fus && strstr(fus, "ALK"))) t = ONE_OF(r, alk_tki);
        if (t)
            set(w, C_targeted, t);
    }
    if (advanced && chance(r, 0.05)) {
        static const char *const io_v[] = {
            "pembrolizumab", "nivolumab", "toripalimab; sintilimab" };
        set(w, C_immunotherapy, ONE_OF(r, io_v));
    }

    /* Follow-up, months: up to ten years; the last contact is never after
     * the end of 2025 (diagnosis 2008-2024). */
    double max_fu = have_dx ? (double)(days_from_civil(2025, 12, 31) - dx) / 30.4375 : 120.0;
    if (max_fu > 120.0) max_fu = 120.0;
    if (max_fu < 1.0) max_fu = 1.0;
    double fu;
    if (dod || doc)
        fu = clampd(exp(log(dod ? 14.0 : 30.0) + 0.8 * normal(r)), 0.5, max_fu);
    else
        fu = 1.0 + (max_fu - 1.0) * pow(unif(r), 0.8);
    fu = clampd(fu, 0.5, max_fu);
    long fu_t = tenths(fu);
    if (fu_t < 5) fu_t = 5;

    /* Outcome: [ADU] 22/74 lost; [PED] 14% AWD; LOST with or without a
     * follow-up time; a few outcomes unrecorded. */
    const char *outcome;
    int lost = 0, have_fu = 1;
    if (dod)
        outcome = "DOD";
    else if (doc)
        outcome = "DOC";
    else if (chance(r, child ? 0.08 : 0.18)) {
        outcome = "LOST";
        lost = 1;
    } else if (recurrence || surg == S_R2 || no_resection)
        outcome = chance(r, 0.55) ? "AWD" : "NED";
    else
        outcome = chance(r, 0.03) ? "AWD" : "NED";
    int outcome_unknown = !dod && !doc && chance(r, 0.02);
    if (outcome_unknown)
        outcome = NULL;
    if ((lost && chance(r, 0.35)) || (outcome_unknown && chance(r, 0.5)))
        have_fu = 0;
    if (outcome)
        set(w, C_outcome, outcome);
    if (have_fu)
        set_dec1(w, C_followup_months, fu_t);

    /* Recurrence yes/no/unknown; its time only when a follow-up time
     * exists to bound it (recurrence_months <= followup_months). */
    if (!chance(r, 0.04))
        set(w, C_recurrence, yn[!recurrence]);
    if (recurrence && w->cell[C_recurrence] && have_fu && !chance(r, 0.15)) {
        long rm = (long)((double)fu_t * (0.1 + 0.85 * unif(r)));
        if (rm < 1) rm = 1;
        if (rm > fu_t) rm = fu_t;
        set_dec1(w, C_recurrence_months, rm);
    }

    /* Notes: empty, plain English, Chinese, commas, quotes, line breaks. */
    static const int note_w[] = { 40, 28, 12, 8, 5, 5, 2 };
    switch (PICK(r, note_w)) {
    case 0: break;
    case 1: set(w, C_notes, ONE_OF(r, english_notes)); break;
    case 2: set(w, C_notes, ONE_OF(r, chinese_notes)); break;
    case 3: set(w, C_notes, ONE_OF(r, comma_notes)); break;
    case 4: set(w, C_notes, ONE_OF(r, quote_notes)); break;
    case 5: set(w, C_notes, ONE_OF(r, multiline_notes)); break;
    default:
        set(w, C_notes, recurrence ? "Local recurrence, re-excised; \"clear\" margins.\n局部复发，再次手术。"
                                   : "Stable at last visit \xF0\x9F\x99\x82, see report.\tTab kept.");
        break;
    }

    /* Review state: mostly unreviewed; signed_out with reviewer and time
     * (after diagnosis, not after 2025-06-30). */
    static const int rev_w[] = { 85, 8, 7 };
    static const char *const rev_v[] = { "unreviewed", "in_review", "signed_out" };
    int rev = PICK(r, rev_w);
    set(w, C_review_status, rev_v[rev]);
    if (rev == 2) {
        set(w, C_reviewer, ONE_OF(r, reviewers));
        long last = days_from_civil(2025, 6, 30);
        long start = have_dx ? dx + 1 : days_from_civil(2024, 1, 1);
        if (start > last) start = last;
        long day = start + (long)(rnext(r) % (uint64_t)(last - start + 1));
        set_timestamp(w, C_reviewed_at, day, irange(r, 7 * 3600, 19 * 3600));
    }
}

/* ---- output ------------------------------------------------------------ */

static void put_cell(FILE *fp, const char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    int quote = strpbrk(s, ",\"\r\n") != NULL ||
                (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'));
    if (!quote) {
        fwrite(s, 1, n, fp);
        return;
    }
    putc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            putc('"', fp);
        putc(*s, fp);
    }
    putc('"', fp);
}

/* ---- events ------------------------------------------------------------ */

enum { EV_SURGERY, EV_START, EV_STOP, EV_RESPONSE, EV_RECURRENCE, EV_PROGRESSION,
       EV_METASTASIS, EV_BIOPSY, EV_CONTACT };
static const char *const ev_type_name[] = {
    "surgery", "therapy_start", "therapy_stop", "response", "recurrence",
    "progression", "metastasis", "biopsy", "contact" };

typedef struct {
    long day;               /* days from diagnosis */
    int  type, seq;         /* seq: order of creation, for equal days */
    int  line;              /* 0 = none; lines are numbered at the end */
    int  lref;              /* index of the line (therapy / response) */
    const char *agent, *intent, *reason, *response, *extent, *site;
    char detail[160];
} gev;

typedef struct {
    long start, stop;       /* stop -1 = open */
    const char *agent;
    char agent_buf[64];
    int number;
} gline;

#define MAXEV 64
#define MAXLINE 12

typedef struct {
    gev ev[MAXEV];
    int n;
    gline line[MAXLINE];
    int nl;
} course;

static gev *add_ev(course *c, long day, int type)
{
    if (c->n >= MAXEV)
        return NULL;
    gev *e = &c->ev[c->n];
    memset(e, 0, sizeof *e);
    e->day = day;
    e->type = type;
    e->seq = c->n;
    e->lref = -1;
    c->n++;
    return e;
}

static int cmp_gev(const void *a, const void *b)
{
    const gev *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->seq - y->seq;
}

/* One line: start, then a stop by `end` unless it stays open (open_ok),
 * a response at the first assessment (sometimes not recorded yet), a
 * progression stop when it fails.  Returns the day it ends, or -1 when it
 * is still open. */
static long add_line(course *c, rng *r, long start, long last, const char *agent,
                     const char *intent, double p_resp, int open_ok, int must_end,
                     int *failed)
{
    if (c->nl >= MAXLINE || start > last)
        return last + 1;
    gline *L = &c->line[c->nl];
    snprintf(L->agent_buf, sizeof L->agent_buf, "%s", agent);
    L->agent = L->agent_buf;
    int li = c->nl++;
    gev *s = add_ev(c, start, EV_START);
    if (!s)
        return last + 1;
    s->lref = li;
    s->agent = L->agent;
    s->intent = intent;
    long dur = 60 + irange(r, 0, 540);
    long stop = start + dur;
    int fail = chance(r, 1.0 - p_resp * 0.8);
    *failed = 0;
    if (stop > last) {
        if (open_ok && !must_end) {
            stop = -1;                  /* still on it at the last contact */
        } else {
            stop = last;
            fail = 0;
        }
    }
    /* first assessment 8 to 12 weeks in: the response, unless the line
     * ended before it or it is not recorded yet */
    long assess = start + 56 + irange(r, 0, 28);
    if ((stop < 0 ? last : stop) >= assess && !chance(r, 0.12)) {
        gev *e = add_ev(c, assess, EV_RESPONSE);
        if (e) {
            e->lref = li;
            double u = unif(r);
            e->response = fail && u < 0.5 ? "PD"
                        : u < p_resp * 0.25 ? "CR" : u < p_resp ? "PR"
                        : chance(r, 0.9) ? "SD" : "NE";
        }
        if (!e || strcmp(e->response, "PD") == 0) {
            if (stop < 0 || stop > assess)
                stop = assess;
            fail = 1;
        }
    }
    L->start = start;
    L->stop = stop;
    if (stop >= 0) {
        gev *e = add_ev(c, stop, EV_STOP);
        if (e) {
            e->lref = li;
            e->reason = fail ? "progression" : chance(r, 0.85) ? "completed"
                      : chance(r, 0.6) ? "toxicity" : "patient_choice";
        }
        *failed = fail;
    }
    return stop;
}

/* Parse a cell of the row as a number of tenths, -1 when empty. */
static long cell_tenths(const char *s)
{
    if (!s || !*s)
        return -1;
    long whole = 0, frac = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9')
        whole = whole * 10 + (*p++ - '0');
    if (*p == '.' && p[1] >= '0' && p[1] <= '9')
        frac = p[1] - '0';
    return whole * 10 + frac;
}

static int is(const char *cell, const char *v)
{
    return cell && strcmp(cell, v) == 0;
}

static void put_event(FILE *fp, const char *id, long dx, int have_dx, const gev *e,
                      const course *c)
{
    char date[16];
    if (have_dx) {
        int y, m, d;
        civil_from_days(dx + e->day, &y, &m, &d);
        snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
    } else {
        snprintf(date, sizeof date, "%ld", e->day);
    }
    char line[8] = "";
    if (e->lref >= 0)
        snprintf(line, sizeof line, "%d", c->line[e->lref].number);
    const char *agent = e->type == EV_START ? e->agent : NULL;
    const char *cells[] = { id, date, ev_type_name[e->type], line, agent, e->intent,
                            e->reason, e->response, e->extent, e->site,
                            e->detail[0] ? e->detail : NULL };
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        if (i)
            putc(',', fp);
        put_cell(fp, cells[i]);
    }
    putc('\n', fp);
}

static void make_events(FILE *fp, const row *w, uint64_t seed, unsigned long id)
{
    rng r;
    seed_case(&r, seed ^ 0x5EEDC0FFEEULL, id);
    course c;
    c.n = c.nl = 0;
    long dx = 0;
    int have_dx = 0;
    const char *dd = w->cell[C_diagnosis_date];
    if (dd) {
        have_dx = 1;
        dx = days_from_civil(atoi(dd), atoi(dd + 5), atoi(dd + 8));
    }
    long fu_t = cell_tenths(w->cell[C_followup_months]);
    const char *outcome = w->cell[C_outcome];
    int dead = is(outcome, "DOD") || is(outcome, "DOC");
    /* the last day an event may have: the last contact (or death) */
    long last = fu_t >= 0 ? (long)floor((double)fu_t / 10.0 * 30.4375) : -1;
    const char *surg = w->cell[C_surgery];
    long t0 = 0;                 /* when treatment starts */
    if (is(surg, "R0") || is(surg, "R1") || is(surg, "R2")) {
        long d = irange(&r, 7, 40);
        if (last < 0 || d <= last) {
            gev *e = add_ev(&c, d, EV_SURGERY);
            if (e) {
                e->extent = surg;
                e->site = w->cell[C_site_detail];
            }
            t0 = d;
        }
    } else if (is(surg, "biopsy")) {
        gev *e = add_ev(&c, 0, EV_BIOPSY);
        if (e) {
            e->site = w->cell[C_site_detail];
            if (w->cell[C_alk_ihc])
                snprintf(e->detail, sizeof e->detail, "alk_ihc=%s", w->cell[C_alk_ihc]);
        }
    }
    if (last >= 0) {
        /* therapy lines, one after the other from t0 (steroids and NSAIDs
         * alongside, another agent class) */
        long at = t0 + irange(&r, 14, 45);
        int failed = 0;
        long rt = cell_tenths(w->cell[C_radiotherapy_gy]);
        int awd = is(outcome, "AWD");
        if (rt > 0 && at <= last) {
            char ag[64];
            long gy = rt / 10, fr = gy / 2 > 0 ? gy / 2 : 1;
            if (rt % 10)
                snprintf(ag, sizeof ag, "radiotherapy:%ld.%ld/%ld", rt / 10, rt % 10, fr);
            else
                snprintf(ag, sizeof ag, "radiotherapy:%ld/%ld", gy, fr);
            long e = add_line(&c, &r, at, last, ag, is(surg, "R0") ? "adjuvant" : "definitive",
                              0.5, 0, 1, &failed);
            if (is(w->cell[C_steroids], "yes") && at + 1 <= last) {
                int f2;
                add_line(&c, &r, at + 1, last, "corticosteroid", "definitive", 0.3, 0, 1, &f2);
            }
            at = (e < 0 ? last : e) + irange(&r, 7, 60);
        } else if (is(w->cell[C_steroids], "yes") && at <= last) {
            long e = add_line(&c, &r, at, last, "corticosteroid", "palliative", 0.3, 0, 1,
                              &failed);
            at = (e < 0 ? last : e) + irange(&r, 7, 60);
        }
        if (is(w->cell[C_nsaid], "yes") && at <= last) {
            int f2;
            add_line(&c, &r, at, last, "nsaid", "palliative", 0.4, 0, 1, &f2);
        }
        const char *chemo = w->cell[C_chemotherapy];
        if (chemo && at <= last) {
            char ag[64];
            snprintf(ag, sizeof ag, "chemo:%s", chemo);
            long e = add_line(&c, &r, at, last, ag, "palliative", 0.5, 0, 1, &failed);
            at = (e < 0 ? last : e) + irange(&r, 7, 60);
        }
        const char *tk = w->cell[C_targeted];
        while (tk && *tk && at <= last) {
            char name[32];
            size_t k = strcspn(tk, ";");
            snprintf(name, sizeof name, "%.*s", (int)(k < 31 ? k : 31), tk);
            tk += k;
            while (*tk == ';' || *tk == ' ')
                tk++;
            int more = *tk != '\0' || w->cell[C_immunotherapy];
            long e = add_line(&c, &r, at, last, name, "palliative", 0.8, awd && !more && !dead,
                              more || dead, &failed);
            if (e < 0)
                break;           /* still on it */
            /* a failed TKI: a re-biopsy at progression, most of the time */
            if (failed && e + 14 <= last && chance(&r, 0.6)) {
                gev *b = add_ev(&c, e + 14, EV_BIOPSY);
                if (b) {
                    const char *fus = w->cell[C_fusion];
                    if (fus && strstr(fus, "::"))
                        snprintf(b->detail, sizeof b->detail,
                                 "fusion=%s; fusion_method=ngs_rna", fus);
                    else
                        snprintf(b->detail, sizeof b->detail, "ki67_pct=%d", irange(&r, 5, 40));
                }
            }
            at = e + irange(&r, 14, 40);
        }
        if (w->cell[C_immunotherapy] && at <= last) {
            int f2;
            add_line(&c, &r, at, last, "checkpoint_inhibitor", "palliative", 0.3,
                     awd && !dead, dead, &f2);
        }
        /* the recurrence where recurrence_months puts it */
        long rm = cell_tenths(w->cell[C_recurrence_months]);
        if (is(w->cell[C_recurrence], "yes") && rm >= 0) {
            long d = (long)floor((double)rm / 10.0 * 30.4375 + 0.5);
            if (d <= last) {
                gev *e = add_ev(&c, d, EV_RECURRENCE);
                if (e)
                    e->site = is(w->cell[C_metastatic], "yes") && chance(&r, 0.5) ? "distant"
                                                                                   : "local";
            }
        }
        if (is(w->cell[C_metastatic], "yes") && chance(&r, 0.6)) {
            long d = irange(&r, 0, (int)last);
            static const char *const msite[] = { "lung", "liver", "bone", "peritoneum",
                                                 "brain" };
            gev *e = add_ev(&c, d, EV_METASTASIS);
            if (e)
                e->site = ONE_OF(&r, msite);
        }
        /* contacts: yearly ones, and the last (or the death) */
        for (long d = 365; d < last; d += 365)
            if (chance(&r, 0.5)) {
                gev *e = add_ev(&c, d, EV_CONTACT);
                if (e && chance(&r, 0.5))
                    snprintf(e->detail, sizeof e->detail, "%s",
                             awd ? "AWD" : chance(&r, 0.8) ? "NED" : "AWD");
            }
        if (!is(outcome, "LOST") && outcome && chance(&r, 0.8)) {
            gev *e = add_ev(&c, last, EV_CONTACT);
            if (e && chance(&r, 0.8))
                snprintf(e->detail, sizeof e->detail, "%s", outcome);
        }
    }
    /* lines numbered in the order they start */
    int order[MAXLINE];
    for (int i = 0; i < c.nl; i++)
        order[i] = i;
    for (int i = 1; i < c.nl; i++)
        for (int j = i; j > 0 && c.line[order[j - 1]].start > c.line[order[j]].start; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (int i = 0; i < c.nl; i++)
        c.line[order[i]].number = i + 1;
    qsort(c.ev, (size_t)c.n, sizeof c.ev[0], cmp_gev);
    for (int i = 0; i < c.n; i++)
        put_event(fp, w->cell[C_case_id], dx, have_dx, &c.ev[i], &c);
}

static int parse_ulong(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    if (!*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long long n, seed;
    int events = argc == 4 && strcmp(argv[3], "events") == 0;
    if ((argc != 3 && !events) || parse_ulong(argv[1], 99999999ULL, &n) != 0 ||
        parse_ulong(argv[2], UINT64_MAX, &seed) != 0) {
        fprintf(stderr,
                "usage: gen_cases N SEED [events]\n"
                "  writes N synthetic IMT cases (N <= 99999999) as CSV to stdout;\n"
                "  with events, the events CSV of the same N cases instead;\n"
                "  the same N and SEED always give the same bytes\n");
        return 2;
    }
    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    if (events) {
        fputs("case_id,date,type,line,agent,intent,reason,response,extent,site,detail\n",
              stdout);
    } else {
        for (int c = 0; c < NCOL; c++) {
            if (c)
                putchar(',');
            fputs(colname[c], stdout);
        }
        putchar('\n');
    }
    row w;
    for (unsigned long long i = 1; i <= n; i++) {
        rng r;
        seed_case(&r, (uint64_t)seed, (unsigned long)i);
        make_case(&w, &r, (unsigned long)i);
        if (events) {
            make_events(stdout, &w, (uint64_t)seed, (unsigned long)i);
            continue;
        }
        for (int c = 0; c < NCOL; c++) {
            if (c)
                putchar(',');
            put_cell(stdout, w.cell[c]);
        }
        putchar('\n');
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("gen_cases: write");
        return 1;
    }
    return 0;
}
