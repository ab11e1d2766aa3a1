/* io/cbioportal.c - the cBioPortal study export (io/cbioportal.h).  The
 * formats are cBioPortal's (docs "File Formats": clinical data with four
 * metadata header lines, structural variants, timelines with PATIENT_ID
 * START_DATE STOP_DATE EVENT_TYPE first), checked in the tests by its own
 * validator. */
#define _GNU_SOURCE
#include "io/cbioportal.h"
#include "io/atomicfile.h"
#include "io/csvexport.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { F_PATIENT, F_SAMPLE, F_SV, F_TREATMENT, F_SURGERY, F_RESPONSE, F_STATUS,
       F_SPECIMEN, F_N };

static const struct {
    const char *data, *meta, *kind;   /* kind: what the meta file says */
} files[F_N] = {
    [F_PATIENT]   = { "data_clinical_patient.txt", "meta_clinical_patient.txt", "patient" },
    [F_SAMPLE]    = { "data_clinical_sample.txt", "meta_clinical_sample.txt", "sample" },
    [F_SV]        = { "data_sv.txt", "meta_sv.txt", "sv" },
    [F_TREATMENT] = { "data_timeline_treatment.txt", "meta_timeline_treatment.txt", "timeline" },
    [F_SURGERY]   = { "data_timeline_surgery.txt", "meta_timeline_surgery.txt", "timeline" },
    [F_RESPONSE]  = { "data_timeline_response.txt", "meta_timeline_response.txt", "timeline" },
    [F_STATUS]    = { "data_timeline_status.txt", "meta_timeline_status.txt", "timeline" },
    [F_SPECIMEN]  = { "data_timeline_specimen.txt", "meta_timeline_specimen.txt", "timeline" },
};

struct cbio_writer {
    cbio_opts o;
    char *dir;
    atomic_file af[F_N];
    bool open[F_N];
    long rows[F_N];
    long patients, samples, unplaced;
    int werr;
};

/* ---- cells ------------------------------------------------------------------ */

/* A cell: tabs, line breaks and other control characters would break the
 * file's rows; they become spaces. */
static void cell(cbio_writer *w, FILE *f, bool first, const char *s)
{
    if (!first && fputc('\t', f) == EOF)
        w->werr = errno ? errno : EIO;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        if (fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, f) == EOF)
            w->werr = errno ? errno : EIO;
}

static void endrow(cbio_writer *w, FILE *f, int which)
{
    if (fputc('\n', f) == EOF)
        w->werr = errno ? errno : EIO;
    w->rows[which]++;
}

/* A number in the C locale, shortest form (as export writes them). */
static const char *num(double v, char *buf, size_t n)
{
    if (!isfinite(v)) {
        buf[0] = '\0';
        return buf;
    }
    imt_case t;
    imt_case_init(&t);
    t.ki67_pct = (imt_num){ true, v };
    return imt_field_format(&t, IMT_F_ki67_pct, buf, n);
}

static const char *days_text(double d, char *buf, size_t n)
{
    snprintf(buf, n, "%.0f", floor(d + 0.5));
    return buf;
}

static const char *yesno(int v)
{
    return v == 1 ? "Yes" : v == 0 ? "No" : "";
}

static const char *enum_text(const imt_case *c, int f, char *buf, size_t n)
{
    return imt_field_format(c, f, buf, n);
}

/* ---- attributes ---------------------------------------------------------------- */

typedef struct {
    const char *name, *display, *desc, *type;
} attr;

static const attr patient_attrs[] = {
    { "PATIENT_ID", "Patient Identifier", "Identifier of the patient (the imtreview case id, or its pseudonym)", "STRING" },
    { "SEX", "Sex", "Sex", "STRING" },
    { "AGE", "Diagnosis Age", "Age at diagnosis in years (90 or older as 90 when de-identified)", "NUMBER" },
    { "OS_STATUS", "Overall Survival Status", "Overall survival status (death of any cause)", "STRING" },
    { "OS_MONTHS", "Overall Survival (Months)", "Months from diagnosis to death or last contact", "NUMBER" },
    { "DFS_STATUS", "Disease Free Status", "First recurrence or progression (deaths without one are censored)", "STRING" },
    { "DFS_MONTHS", "Disease Free (Months)", "Months from diagnosis to the first recurrence or progression, or to death or last contact", "NUMBER" },
    { "PFS_STATUS", "Progression Free Status", "Progression or death after the start of the first therapy line", "STRING" },
    { "PFS_MONTHS", "Progression Free (Months)", "Months from the start of the first therapy line to progression or death, or to last contact", "NUMBER" },
    { "EFS_STATUS", "Event Free Status", "Recurrence, progression or death", "STRING" },
    { "EFS_MONTHS", "Event Free (Months)", "Months from diagnosis to recurrence, progression or death, or to last contact", "NUMBER" },
    { "OUTCOME", "Outcome", "Status at last contact (NED, AWD, DOD, DOC, LOST)", "STRING" },
    { "RECURRENCE", "Recurrence", "Local recurrence after treatment", "STRING" },
    { "METASTATIC", "Metastatic", "Distant metastasis at diagnosis or during follow-up", "STRING" },
    { "RESECTABLE", "Resectable", "Judged suitable for radical surgery", "STRING" },
    { "SURGERY", "Surgery", "Best surgical result (none, biopsy, R0, R1, R2)", "STRING" },
    { "RADIOTHERAPY_GY", "Radiotherapy (Gy)", "Total radiotherapy dose", "NUMBER" },
    { "CHEMOTHERAPY", "Chemotherapy", "Chemotherapy regimen given", "STRING" },
    { "TARGETED_THERAPY", "Targeted Therapy", "Targeted drugs given", "STRING" },
    { "IMMUNOTHERAPY", "Immunotherapy", "Checkpoint inhibitors given", "STRING" },
    { "STEROIDS", "Steroids", "Glucocorticoids given as treatment", "STRING" },
    { "NSAID", "NSAID", "NSAIDs given as treatment", "STRING" },
};
#define NPATIENT ((int)(sizeof patient_attrs / sizeof patient_attrs[0]))

/* Sample attributes; after the fixed ones, the markers (dictionary
 * fields) with their upper-case names. */
static const attr sample_fixed[] = {
    { "SAMPLE_ID", "Sample Identifier", "Identifier of the sample (case id; -B1, -B2 ... for biopsies of the course)", "STRING" },
    { "PATIENT_ID", "Patient Identifier", "Identifier of the patient", "STRING" },
    { "CANCER_TYPE", "Cancer Type", "Cancer type", "STRING" },
    { "CANCER_TYPE_DETAILED", "Cancer Type Detailed", "Cancer type, detailed", "STRING" },
    { "ONCOTREE_CODE", "Oncotree Code", "OncoTree code", "STRING" },
    { "ICD_O_3_HISTOLOGY", "ICD-O-3 Histology", "ICD-O-3 morphology code", "STRING" },
    { "SAMPLE_TYPE", "Sample Type", "Diagnostic specimen (Primary) or a biopsy of the course (Re-biopsy)", "STRING" },
    { "SAMPLE_TIME_DAYS", "Sample Time (Days)", "Days from diagnosis to the specimen", "NUMBER" },
    { "PRIMARY_SITE", "Primary Site", "Site group of the primary tumour", "STRING" },
    { "SITE_DETAIL", "Site Detail", "Anatomical detail of the site", "STRING" },
    { "TUMOR_SIZE_CM", "Tumor Size (cm)", "Largest tumour dimension before treatment", "NUMBER" },
    { "ALK_STATUS", "ALK Status", "ALK status derived from IHC, FISH and fusion", "STRING" },
};
#define NSFIXED ((int)(sizeof sample_fixed / sizeof sample_fixed[0]))

static const int sample_fields[] = {
    IMT_F_multifocal, IMT_F_invasive_growth, IMT_F_histology, IMT_F_necrosis,
    IMT_F_mitoses_10hpf, IMT_F_alk_ihc, IMT_F_alk_ihc_pattern, IMT_F_alk_fish,
    IMT_F_fusion, IMT_F_fusion_method, IMT_F_ros1_ihc, IMT_F_pdl1_tps, IMT_F_ki67_pct,
    IMT_F_sma, IMT_F_desmin, IMT_F_cytokeratin, IMT_F_s100, IMT_F_cd117, IMT_F_dog1,
    IMT_F_igg4_igg_ratio, IMT_F_igg4_per_hpf,
};
#define NSFIELDS ((int)(sizeof sample_fields / sizeof sample_fields[0]))

static void upper(const char *s, char *out, size_t n)
{
    size_t i = 0;
    for (; s[i] && i + 1 < n; i++)
        out[i] = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
    out[i] = '\0';
}

static void attr_headers(cbio_writer *w, FILE *f, const attr *a, int na, bool markers)
{
    for (int line = 0; line < 5; line++) {
        if (line < 4 && fputc('#', f) == EOF)
            w->werr = EIO;
        for (int i = 0; i < na; i++) {
            const char *v = line == 0 ? a[i].display : line == 1 ? a[i].desc
                          : line == 2 ? a[i].type : line == 3 ? "1" : a[i].name;
            cell(w, f, i == 0, v);
        }
        for (int k = 0; markers && k < NSFIELDS; k++) {
            const imt_field *fd = &imt_fields[sample_fields[k]];
            char up[64];
            upper(fd->name, up, sizeof up);
            const char *type = fd->type == FT_DEC || fd->type == FT_INT ? "NUMBER" : "STRING";
            const char *v = line == 0 ? fd->label : line == 1 ? fd->label : line == 2 ? type
                          : line == 3 ? "1" : up;
            cell(w, f, false, v);
        }
        if (fputc('\n', f) == EOF)
            w->werr = EIO;
    }
}

static const char *const timeline_cols[F_N][10] = {
    [F_TREATMENT] = { "TREATMENT_TYPE", "SUBTYPE", "AGENT", "LINE", "INTENT", "STOP_REASON",
                      "BEST_RESPONSE", NULL },
    [F_SURGERY]   = { "EXTENT", "SITE", NULL },
    [F_RESPONSE]  = { "RESPONSE", "LINE", "AGENT", NULL },
    [F_STATUS]    = { "STATUS", "SITE", "LINE", "DISEASE_STATUS", NULL },
    [F_SPECIMEN]  = { "SAMPLE_ID", "SPECIMEN_TYPE", "SITE", NULL },
};

/* ---- open / close ------------------------------------------------------------------ */

cbio_writer *cbio_open(const char *dir, const cbio_opts *o, char *err, size_t errn)
{
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode)) {
            snprintf(err, errn, "%s exists and is not a directory", dir);
            return NULL;
        }
    } else if (errno != ENOENT || mkdir(dir, 0700) != 0) {
        snprintf(err, errn, "cannot create the directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    cbio_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->dir = strdup(dir))) {
        free(w);
        snprintf(err, errn, "out of memory");
        return NULL;
    }
    w->o = *o;
    if (!w->o.study_id)
        w->o.study_id = CBIO_STUDY_ID;
    for (int i = 0; i < F_N; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].data);
        if (af_open(&w->af[i], path) != 0) {
            snprintf(err, errn, "cannot create a file in %s: %s", dir, strerror(errno));
            for (int k = 0; k < i; k++)
                af_abort(&w->af[k]);
            free(w->dir);
            free(w);
            return NULL;
        }
        w->open[i] = true;
    }
    attr_headers(w, w->af[F_PATIENT].f, patient_attrs, NPATIENT, false);
    attr_headers(w, w->af[F_SAMPLE].f, sample_fixed, NSFIXED, true);
    static const char *const sv_cols[] = { "Sample_Id", "Site1_Hugo_Symbol",
        "Site2_Hugo_Symbol", "SV_Status", "Class", "Event_Info", "Comments", NULL };
    for (int i = 0; sv_cols[i]; i++)
        cell(w, w->af[F_SV].f, i == 0, sv_cols[i]);
    fputc('\n', w->af[F_SV].f);
    for (int t = F_TREATMENT; t < F_N; t++) {
        FILE *f = w->af[t].f;
        static const char *const first[] = { "PATIENT_ID", "START_DATE", "STOP_DATE",
                                             "EVENT_TYPE" };
        for (int i = 0; i < 4; i++)
            cell(w, f, i == 0, first[i]);
        for (int i = 0; timeline_cols[t][i]; i++)
            cell(w, f, false, timeline_cols[t][i]);
        fputc('\n', f);
    }
    return w;
}

static int write_meta(cbio_writer *w, atomic_file *af, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int write_meta(cbio_writer *w, atomic_file *af, const char *name, const char *fmt, ...)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", w->dir, name);
    if (af_open(af, path) != 0)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(af->f, fmt, ap);
    va_end(ap);
    return 0;
}

int cbio_close(cbio_writer *w, bool commit, char *err, size_t errn, char *note, size_t noten)
{
    if (note && noten)
        note[0] = '\0';
    atomic_file meta[F_N + 1];
    bool mopen[F_N + 1] = { false };
    int rc = 0;
    const char *sid = w->o.study_id;
    if (commit && w->werr) {
        snprintf(err, errn, "cannot write the study: %s", strerror(w->werr));
        commit = false;
        rc = -1;
    }
    if (commit) {
        char today[11];
        ev_today(today);
        if (write_meta(w, &meta[F_N], "meta_study.txt",
                "type_of_cancer: imt\n"
                "cancer_study_identifier: %s\n"
                "name: Inflammatory myofibroblastic tumour (imtreview)\n"
                "description: %ld patients with inflammatory myofibroblastic tumour "
                "(OncoTree IMT, ICD-O-3 %s) exported by imtreview on %s%s.\n"
                "add_global_case_list: true\n", sid, w->patients, IMT_ICDO3_MORPHOLOGY,
                today, w->o.deidentify ? ", de-identified" : "") != 0)
            rc = -1;
        else
            mopen[F_N] = true;
        for (int i = 0; i < F_N && rc == 0; i++) {
            if (w->rows[i] == 0 && i != F_PATIENT && i != F_SAMPLE)
                continue;
            int mr;
            if (i == F_PATIENT || i == F_SAMPLE)
                mr = write_meta(w, &meta[i], files[i].meta,
                    "cancer_study_identifier: %s\n"
                    "genetic_alteration_type: CLINICAL\n"
                    "datatype: %s_ATTRIBUTES\n"
                    "data_filename: %s\n", sid, i == F_PATIENT ? "PATIENT" : "SAMPLE",
                    files[i].data);
            else if (i == F_SV)
                mr = write_meta(w, &meta[i], files[i].meta,
                    "cancer_study_identifier: %s\n"
                    "genetic_alteration_type: STRUCTURAL_VARIANT\n"
                    "datatype: SV\n"
                    "stable_id: structural_variants\n"
                    "show_profile_in_analysis_tab: true\n"
                    "profile_name: Kinase fusions\n"
                    "profile_description: Kinase fusions found by molecular testing "
                    "(ALK, ROS1, NTRK, RET ...; imtreview fusion)\n"
                    "data_filename: %s\n", sid, files[i].data);
            else
                mr = write_meta(w, &meta[i], files[i].meta,
                    "cancer_study_identifier: %s\n"
                    "genetic_alteration_type: CLINICAL\n"
                    "datatype: TIMELINE\n"
                    "data_filename: %s\n", sid, files[i].data);
            if (mr != 0)
                rc = -1;
            else
                mopen[i] = true;
        }
        if (rc != 0)
            snprintf(err, errn, "cannot write the meta files in %s: %s", w->dir,
                     strerror(errno));
    }
    /* all or nothing */
    char skipped[400] = "";
    size_t sl = 0;
    for (int i = 0; i < F_N; i++) {
        if (!w->open[i])
            continue;
        bool keep = rc == 0 && commit && (w->rows[i] > 0 || i == F_PATIENT || i == F_SAMPLE);
        if (keep) {
            if (af_commit(&w->af[i]) != 0 && rc == 0) {
                snprintf(err, errn, "cannot write %s/%s: %s", w->dir, files[i].data,
                         strerror(errno));
                rc = -1;
            }
        } else {
            af_abort(&w->af[i]);
            if (rc == 0 && commit && sl < sizeof skipped)
                sl += (size_t)snprintf(skipped + sl, sizeof skipped - sl, "%s%s",
                                       sl ? ", " : "", files[i].data);
        }
    }
    for (int i = 0; i <= F_N; i++) {
        if (!mopen[i])
            continue;
        if (rc == 0) {
            if (af_commit(&meta[i]) != 0) {
                snprintf(err, errn, "cannot write the meta files in %s: %s", w->dir,
                         strerror(errno));
                rc = -1;
            }
        } else {
            af_abort(&meta[i]);
        }
    }
    if (note && noten && rc == 0) {
        size_t l = 0;
        if (skipped[0])
            l += (size_t)snprintf(note, noten, "no rows, so not written: %s", skipped);
        if (w->unplaced && l < noten)
            snprintf(note + l, noten - l, "%s%ld event%s left out of the timelines (dated, "
                     "but the case has no diagnosis_date)", l ? "; " : "", w->unplaced,
                     w->unplaced == 1 ? "" : "s");
    }
    free(w->dir);
    free(w);
    return rc;
}

/* ---- one case ---------------------------------------------------------------------- */

static const char *id_of(const cbio_writer *w, const imt_case *c, char *buf, size_t n)
{
    if (!w->o.deidentify)
        snprintf(buf, n, "%s", c->case_id ? c->case_id : "");
    else
        csvexp_case_pseudonym(w->o.key, c, buf);
    return buf;
}

static const char *free_text(const cbio_writer *w, const char *s)
{
    return w->o.deidentify && !w->o.keep_free_text ? "" : s;
}

static void status_pair(cbio_writer *w, FILE *f, int rc, double months, int st,
                        const char *yes, const char *no)
{
    char b[40];
    if (rc != 0) {
        cell(w, f, false, "");
        cell(w, f, false, "");
        return;
    }
    cell(w, f, false, st ? yes : no);
    cell(w, f, false, num(months, b, sizeof b));
}

static void patient_row(cbio_writer *w, const imt_case *c, const imt_course *co,
                        const char *pid)
{
    FILE *f = w->af[F_PATIENT].f;
    char b[64];
    cell(w, f, true, pid);
    cell(w, f, false, c->sex == SEX_F ? "Female" : c->sex == SEX_M ? "Male"
                    : c->sex == SEX_U ? "Unknown" : "");
    double age = c->age_years.known ? c->age_years.v : NAN;
    if (w->o.deidentify && age >= 90)
        age = 90;
    cell(w, f, false, num(age, b, sizeof b));
    course_timeline t;
    course_timeline_of(c, co, &t);
    /* OS: death, else last contact (the course's time line) */
    if (t.dead && isfinite(t.death))
        status_pair(w, f, 0, t.death / EV_DAYS_PER_MONTH, 1, "1:DECEASED", "0:LIVING");
    else if (t.have_contact && !t.dead)
        status_pair(w, f, 0, t.last_contact / EV_DAYS_PER_MONTH, 0, "1:DECEASED", "0:LIVING");
    else
        status_pair(w, f, 1, 0, 0, "", "");
    /* DFS: recurrence or progression; a death censors */
    double m;
    int st, why;
    int rc = course_endpoint_obs(c, co, CE_DFS, NULL, &m, &st, &why);
    status_pair(w, f, rc, m, st, "1:Recurred/Progressed", "0:DiseaseFree");
    course_sel first = { 0, NULL };
    rc = course_endpoint_obs(c, co, CE_PFS, &first, &m, &st, &why);
    status_pair(w, f, rc, m, st, "1:PROGRESSION", "0:CENSORED");
    rc = course_endpoint_obs(c, co, CE_EFS, NULL, &m, &st, &why);
    status_pair(w, f, rc, m, st, "1:EVENT", "0:CENSORED");
    cell(w, f, false, enum_text(c, IMT_F_outcome, b, sizeof b));
    cell(w, f, false, yesno(c->recurrence));
    cell(w, f, false, yesno(c->metastatic));
    cell(w, f, false, yesno(c->resectable));
    cell(w, f, false, enum_text(c, IMT_F_surgery, b, sizeof b));
    cell(w, f, false, num(c->radiotherapy_gy.known ? c->radiotherapy_gy.v : NAN, b, sizeof b));
    cell(w, f, false, free_text(w, c->chemotherapy));
    cell(w, f, false, free_text(w, c->targeted));
    cell(w, f, false, free_text(w, c->immunotherapy));
    cell(w, f, false, yesno(c->steroids));
    cell(w, f, false, yesno(c->nsaid));
    endrow(w, f, F_PATIENT);
}

static void sv_row(cbio_writer *w, const char *sid, const imt_case *m, const char *method)
{
    if (!m->fusion || !strstr(m->fusion, "::"))
        return;
    FILE *f = w->af[F_SV].f;
    const char *sep = strstr(m->fusion, "::");
    char g1[65], g2[65], info[160];
    snprintf(g1, sizeof g1, "%.*s", (int)(sep - m->fusion), m->fusion);
    snprintf(g2, sizeof g2, "%s", sep + 2);
    snprintf(info, sizeof info, "%s-%s fusion", g1, g2);
    cell(w, f, true, sid);
    cell(w, f, false, g1);
    cell(w, f, false, g2);
    cell(w, f, false, "SOMATIC");
    cell(w, f, false, "FUSION");
    cell(w, f, false, info);
    char com[80] = "";
    if (method)
        snprintf(com, sizeof com, "found by %s", method);
    cell(w, f, false, com);
    endrow(w, f, F_SV);
}

/* A sample: the case's (markers from m = the case) or a biopsy's. */
static void sample_row(cbio_writer *w, const imt_case *c, const imt_case *m, const char *sid,
                       const char *pid, const char *type, double day)
{
    FILE *f = w->af[F_SAMPLE].f;
    char b[64];
    imt_case d = *m;
    imt_case_derive(&d);
    cell(w, f, true, sid);
    cell(w, f, false, pid);
    cell(w, f, false, IMT_ONCOTREE_NAME);
    cell(w, f, false, c->histology == HIST_EPITHELIOID
                        ? "Epithelioid Inflammatory Myofibroblastic Sarcoma" : IMT_ONCOTREE_NAME);
    cell(w, f, false, IMT_ONCOTREE_CODE);
    cell(w, f, false, IMT_ICDO3_MORPHOLOGY);
    cell(w, f, false, type);
    cell(w, f, false, isfinite(day) ? days_text(day, b, sizeof b) : "");
    cell(w, f, false, enum_text(c, IMT_F_site, b, sizeof b));
    cell(w, f, false, free_text(w, c->site_detail));
    cell(w, f, false, m == c ? num(c->size_cm.known ? c->size_cm.v : NAN, b, sizeof b) : "");
    cell(w, f, false, imt_alk_values[d.alk_status]);
    for (int k = 0; k < NSFIELDS; k++) {
        int fld = sample_fields[k];
        const imt_field *fd = &imt_fields[fld];
        if (!imt_field_is_known(m, fld)) {
            cell(w, f, false, "");
        } else if (fd->type == FT_BOOL) {
            cell(w, f, false, yesno(*(const int *)(const void *)((const char *)m + fd->offset)));
        } else if (fd->type == FT_FUSION) {
            cell(w, f, false, m->fusion);
        } else {
            char v[128];
            cell(w, f, false, imt_field_format(m, fld, v, sizeof v));
        }
    }
    endrow(w, f, F_SAMPLE);
    sv_row(w, sid, m, m->fusion_method >= 0 ? imt_fields[IMT_F_fusion_method].values[m->fusion_method]
                                            : NULL);
}

static void tl_start(cbio_writer *w, int which, const char *pid, double start, double stop,
                     const char *type)
{
    FILE *f = w->af[which].f;
    char b1[32], b2[32];
    cell(w, f, true, pid);
    cell(w, f, false, days_text(start, b1, sizeof b1));
    cell(w, f, false, isfinite(stop) ? days_text(stop, b2, sizeof b2) : "");
    cell(w, f, false, type);
}

static double ev_days(const imt_event *e, const imt_case *c)
{
    long d;
    return ev_day_of(e, c, &d) == 0 ? (double)d : NAN;
}

static void line_cell(cbio_writer *w, FILE *f, int line)
{
    char b[16] = "";
    if (line > 0)
        snprintf(b, sizeof b, "%d", line);
    cell(w, f, false, b);
}

static void timelines(cbio_writer *w, const imt_case *c, const imt_course *co, const char *pid)
{
    char b[64];
    /* treatment: one row per line */
    course_line lines[64];
    int nl = course_lines(c, co, lines, 64);
    for (int i = 0; i < nl; i++) {
        const course_line *L = &lines[i];
        const imt_event *s = &co->v[L->start_ev];
        unsigned cls = ev_agents_classes(L->agents);
        FILE *f = w->af[F_TREATMENT].f;
        tl_start(w, F_TREATMENT, pid, L->start, L->stop, "TREATMENT");
        cell(w, f, false, cls == (1u << AC_RADIOTHERAPY) ? "Radiation Therapy" : "Medical Therapy");
        char sub[200] = "";
        size_t l = 0;
        for (int k = 0; k < AC_N; k++)
            if (cls & (1u << k))
                l += (size_t)snprintf(sub + l, sizeof sub - l, "%s%s", l ? ";" : "",
                                      ev_class_names[k]);
        cell(w, f, false, sub);
        cell(w, f, false, L->agents ? L->agents : "");
        line_cell(w, f, L->line);
        cell(w, f, false, s->intent >= 0 ? ev_intent_values[s->intent] : "");
        cell(w, f, false, L->reason >= 0 ? ev_reason_values[L->reason] : "");
        cell(w, f, false, L->best >= 0 ? ev_response_values[L->best] : "");
        endrow(w, f, F_TREATMENT);
    }
    /* the other events */
    int nb = 0;
    for (int i = 0; i < co->n; i++) {
        const imt_event *e = &co->v[i];
        double d = ev_days(e, c);
        if (e->type == EV_BIOPSY)
            nb++;
        if (e->type == EV_THERAPY_START || e->type == EV_THERAPY_STOP)
            continue;
        if (!isfinite(d)) {
            w->unplaced++;
            continue;
        }
        FILE *f;
        switch (e->type) {
        case EV_SURGERY:
            f = w->af[F_SURGERY].f;
            tl_start(w, F_SURGERY, pid, d, NAN, "SURGERY");
            cell(w, f, false, e->extent >= 0 ? ev_extent_values[e->extent] : "");
            cell(w, f, false, free_text(w, e->site));
            endrow(w, f, F_SURGERY);
            break;
        case EV_RESPONSE: {
            f = w->af[F_RESPONSE].f;
            tl_start(w, F_RESPONSE, pid, d, NAN, "RESPONSE");
            cell(w, f, false, e->response >= 0 ? ev_response_values[e->response] : "");
            line_cell(w, f, e->line);
            const char *ag = "";
            for (int k = 0; k < nl; k++)
                if (lines[k].line == e->line && lines[k].agents)
                    ag = lines[k].agents;
            cell(w, f, false, ag);
            endrow(w, f, F_RESPONSE);
            break;
        }
        case EV_BIOPSY: {
            f = w->af[F_SPECIMEN].f;
            tl_start(w, F_SPECIMEN, pid, d, NAN, "SPECIMEN");
            char sid[112] = "";
            if (e->detail)
                snprintf(sid, sizeof sid, "%s-B%d", pid, nb);
            cell(w, f, false, sid);
            cell(w, f, false, "Biopsy");
            cell(w, f, false, free_text(w, e->site));
            endrow(w, f, F_SPECIMEN);
            break;
        }
        default: {
            f = w->af[F_STATUS].f;
            tl_start(w, F_STATUS, pid, d, NAN, "STATUS");
            const char *what = e->type == EV_RECURRENCE ? "Recurrence"
                             : e->type == EV_PROGRESSION ? "Progression"
                             : e->type == EV_METASTASIS ? "Metastasis" : "Contact";
            cell(w, f, false, what);
            cell(w, f, false, e->type == EV_RECURRENCE ? (e->site ? e->site : "")
                                                       : free_text(w, e->site));
            line_cell(w, f, e->line);
            cell(w, f, false, e->type == EV_CONTACT && e->detail ? e->detail : "");
            endrow(w, f, F_STATUS);
            break;
        }
        }
    }
    /* diagnosis, death or the last follow-up from the case's own fields */
    FILE *f = w->af[F_STATUS].f;
    tl_start(w, F_STATUS, pid, 0, NAN, "STATUS");
    cell(w, f, false, "Diagnosis");
    cell(w, f, false, "");
    cell(w, f, false, "");
    cell(w, f, false, "");
    endrow(w, f, F_STATUS);
    course_timeline t;
    course_timeline_of(c, co, &t);
    if ((t.dead && isfinite(t.death)) || (!t.dead && c->followup_months.known)) {
        double d = t.dead ? t.death : c->followup_months.v * EV_DAYS_PER_MONTH;
        tl_start(w, F_STATUS, pid, d, NAN, "STATUS");
        cell(w, f, false, t.dead ? "Death" : "Last follow-up");
        cell(w, f, false, "");
        cell(w, f, false, "");
        cell(w, f, false, t.dead ? (c->outcome >= 0 ? imt_outcome_values[c->outcome] : "")
                                 : enum_text(c, IMT_F_outcome, b, sizeof b));
        endrow(w, f, F_STATUS);
    }
    /* the diagnostic specimen */
    f = w->af[F_SPECIMEN].f;
    tl_start(w, F_SPECIMEN, pid, 0, NAN, "SPECIMEN");
    cell(w, f, false, pid);
    cell(w, f, false, "Diagnosis");
    cell(w, f, false, "");
    endrow(w, f, F_SPECIMEN);
}

int cbio_case(cbio_writer *w, const imt_case *c, const imt_course *co)
{
    static const imt_course none = { 0 };
    if (!co)
        co = &none;
    char pid[96];
    id_of(w, c, pid, sizeof pid);
    w->patients++;
    patient_row(w, c, co, pid);
    sample_row(w, c, c, pid, pid, "Primary", 0);
    w->samples++;
    int nb = 0;
    for (int i = 0; i < co->n; i++) {
        const imt_event *e = &co->v[i];
        if (e->type != EV_BIOPSY)
            continue;
        nb++;
        if (!e->detail)
            continue;
        imt_case m;
        ev_biopsy_markers(e, &m);
        char sid[112];
        snprintf(sid, sizeof sid, "%s-B%d", pid, nb);
        sample_row(w, c, &m, sid, pid, "Re-biopsy", ev_days(e, c));
        w->samples++;
        imt_case_clear(&m);
    }
    timelines(w, c, co, pid);
    if (w->werr) {
        errno = w->werr;
        return -1;
    }
    return 0;
}
