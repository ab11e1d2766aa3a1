/* core/imtcase.h - the IMT case record and the field table that describes it.
 *
 * One record type for the whole program.  Every column of the data
 * dictionary (../shared/spec/data-dictionary.md) has one entry in the field
 * table (imt_fields[]), which says its name, type, range and where it lives
 * in struct imt_case.  Import, export, the store, `show` and JSON output all
 * iterate that table, so a column is described in exactly one place.
 *
 * Unknown is never a value: text is NULL, numbers have known=false,
 * enumerations and booleans are IMT_UNKNOWN (-1).
 */
#ifndef IMT_CASE_H
#define IMT_CASE_H

#include <stdbool.h>
#include <stddef.h>

#define IMT_UNKNOWN (-1)

/* A decimal or integer value that may be unknown. */
typedef struct {
    bool known;
    double v;
} imt_num;

typedef enum {
    FT_TEXT,      /* free text, NULL = unknown                        */
    FT_ID,        /* case_id: 1-32 of A-Z a-z 0-9 . _ -               */
    FT_FUSION,    /* "none" or GENE1::GENE2                           */
    FT_DEC,       /* imt_num, decimal                                 */
    FT_INT,       /* imt_num, integral                                */
    FT_ENUM,      /* int index into values[], IMT_UNKNOWN             */
    FT_BOOL,      /* int 0/1, IMT_UNKNOWN                             */
    FT_DATE,      /* text YYYY-MM-DD                                  */
    FT_TIMESTAMP  /* text YYYY-MM-DDTHH:MM:SSZ                        */
} imt_ftype;

/* Field flags. */
enum {
    FF_REQUIRED   = 1 << 0, /* column must be present and cell non-empty   */
    FF_DERIVED    = 1 << 1, /* computed by the store, never imported       */
    FF_IDENTIFY   = 1 << 2, /* dropped by --deidentify                     */
    FF_LIST       = 1 << 3  /* shown in `list` output                      */
};

/* Enumerations in data-dictionary order (the index is what is stored in
 * the record; the canonical spelling is imt_fields[f].values[index]). */
enum { SEX_F, SEX_M, SEX_U, SEX_N };
enum { SITE_LUNG, SITE_HEAD_NECK, SITE_ABDOMEN_PELVIS, SITE_RETROPERITONEUM,
       SITE_GENITOURINARY, SITE_TRUNK_LIMBS, SITE_THORAX_OTHER, SITE_CNS,
       SITE_OTHER, SITE_N };
enum { HIST_MYXOID, HIST_HYPERCELLULAR, HIST_HYPOCELLULAR, HIST_MIXED,
       HIST_EPITHELIOID, HIST_N };
enum { IHC3_POSITIVE, IHC3_NEGATIVE, IHC3_EQUIVOCAL, IHC3_N };   /* alk_ihc */
enum { PAT_CYTOPLASMIC, PAT_MEMBRANOUS, PAT_GRANULAR, PAT_NUCLEAR_MEMBRANE,
       PAT_PERINUCLEAR, PAT_N };
enum { POS, NEG, POSNEG_N };                  /* positive / negative enums */
enum { METH_NGS_RNA, METH_NGS_DNA, METH_FISH, METH_RT_PCR, METH_N };
enum { SURG_NONE, SURG_BIOPSY, SURG_R0, SURG_R1, SURG_R2, SURG_N };
enum { OUT_NED, OUT_AWD, OUT_DOD, OUT_DOC, OUT_LOST, OUT_N };
enum { REV_UNREVIEWED, REV_IN_REVIEW, REV_SIGNED_OUT, REV_N };
enum { ALK_POSITIVE, ALK_NEGATIVE, ALK_UNKNOWN, ALK_N };       /* derived  */

typedef struct imt_case {
    char   *case_id;
    imt_num age_years;
    int     sex;
    int     site;
    char   *site_detail;
    char   *diagnosis_date;
    imt_num size_cm;
    int     multifocal;
    int     metastatic;
    int     invasive_growth;
    char   *imaging;
    imt_num suv_max;
    int     histology;
    int     necrosis;
    imt_num mitoses_10hpf;
    int     alk_ihc;
    int     alk_ihc_pattern;
    int     alk_fish;
    char   *fusion;
    int     fusion_method;
    int     ros1_ihc;
    imt_num pdl1_tps;
    imt_num ki67_pct;
    int     sma;
    int     desmin;
    int     cytokeratin;
    int     s100;
    int     cd117;
    int     dog1;
    imt_num igg4_igg_ratio;
    imt_num igg4_per_hpf;
    imt_num nlr;
    int     resectable;
    int     surgery;
    imt_num radiotherapy_gy;
    char   *chemotherapy;
    int     steroids;
    int     nsaid;
    char   *targeted;
    char   *immunotherapy;
    int     recurrence;
    imt_num recurrence_months;
    int     outcome;
    imt_num followup_months;
    char   *notes;
    int     review_status;
    char   *reviewer;
    char   *reviewed_at;
    /* derived (imt_case_derive) */
    int     alk_status;     /* ALK_POSITIVE / ALK_NEGATIVE / ALK_UNKNOWN */
    int     alk_confirmed;  /* 0/1 */
    int     alk_discordant; /* 0/1: IHC disagrees with a molecular result */
    /* kept by the store beside the dictionary's columns, never imported
     * or exported (store/store.h): */
    long long version;      /* every saved change adds 1; 0 = not stored */
    int     decision_state; /* DSTATE_* of core/review.h, -1 = not known */
    char   *review_comment; /* the latest review comment, NULL = none     */
    char   *signer_name;    /* full name of who signed it out, NULL = none */
    /* kept by the store from the case, its course and the follow-up
     * schedule (core/followup.h); "" = none.  Not a dictionary column. */
    char    next_due[11];
} imt_case;

typedef struct {
    const char  *name;    /* data-dictionary column name                  */
    imt_ftype    type;
    size_t       offset;  /* offsetof(imt_case, member)                   */
    const char *const *values; /* FT_ENUM: NULL-terminated canonical list */
    double       min, max;     /* FT_DEC / FT_INT range (inclusive)       */
    unsigned     maxlen;       /* FT_TEXT: max characters (code points)   */
    unsigned     flags;
    const char  *label;        /* human label for `show` and the UI       */
} imt_field;

extern const imt_field imt_fields[];
extern const int imt_nfields;

/* Field indices: IMT_F_<name>, same order as imt_fields[]. */
enum {
    IMT_F_case_id, IMT_F_age_years, IMT_F_sex, IMT_F_site, IMT_F_site_detail,
    IMT_F_diagnosis_date, IMT_F_size_cm, IMT_F_multifocal, IMT_F_metastatic,
    IMT_F_invasive_growth, IMT_F_imaging, IMT_F_suv_max, IMT_F_histology,
    IMT_F_necrosis, IMT_F_mitoses_10hpf, IMT_F_alk_ihc, IMT_F_alk_ihc_pattern,
    IMT_F_alk_fish, IMT_F_fusion, IMT_F_fusion_method, IMT_F_ros1_ihc,
    IMT_F_pdl1_tps, IMT_F_ki67_pct, IMT_F_sma, IMT_F_desmin, IMT_F_cytokeratin,
    IMT_F_s100, IMT_F_cd117, IMT_F_dog1, IMT_F_igg4_igg_ratio,
    IMT_F_igg4_per_hpf, IMT_F_nlr, IMT_F_resectable, IMT_F_surgery,
    IMT_F_radiotherapy_gy, IMT_F_chemotherapy, IMT_F_steroids, IMT_F_nsaid,
    IMT_F_targeted, IMT_F_immunotherapy, IMT_F_recurrence,
    IMT_F_recurrence_months, IMT_F_outcome, IMT_F_followup_months,
    IMT_F_notes, IMT_F_review_status, IMT_F_reviewer, IMT_F_reviewed_at,
    IMT_F_alk_status,          /* derived, exported, never imported */
    IMT_F_alk_confirmed,       /* derived, exported, never imported */
    IMT_F_COUNT
};

/* The diagnosis as the classifications code it (issue 14): every export
 * that carries a diagnosis writes both (the CSV export as the columns
 * below, after the dictionary's; the cBioPortal study as its cancer type
 * and sample attributes).  Import ignores these columns with a note. */
#define IMT_ICDO3_MORPHOLOGY "8825/1"
#define IMT_ONCOTREE_CODE    "IMT"
#define IMT_ONCOTREE_NAME    "Inflammatory Myofibroblastic Tumor"
extern const char *const imt_export_only_columns[];  /* NULL-terminated */

/* Canonical value lists (also used by filters and menus). */
extern const char *const imt_site_values[];
extern const char *const imt_alk_values[];     /* positive negative unknown */
extern const char *const imt_outcome_values[];
extern const char *const imt_review_values[];
extern const char *const imt_surgery_values[];
extern const char *const imt_sex_values[];

/* Look a field up by column name (case-insensitive, spaces trimmed by the
 * caller).  Returns the index or -1. */
int imt_field_find(const char *name);

/* ASCII case-insensitive equality, independent of the locale. */
bool imt_ascii_caseeq(const char *a, const char *b);

/* Index of an enumeration value, matched case-insensitively; -1 if none. */
int imt_enum_find(const char *const *values, const char *s);

/* Initialise a record to all-unknown (review_status = unreviewed). */
void imt_case_init(imt_case *c);
/* Free the record's strings and reset it to all-unknown. */
void imt_case_clear(imt_case *c);
/* Deep copy; returns 0, or -1 when out of memory (dst is then cleared). */
int  imt_case_copy(imt_case *dst, const imt_case *src);

/* Compute alk_status, alk_confirmed and alk_discordant from the ALK
 * fields, per the data dictionary's "Derived fields". */
void imt_case_derive(imt_case *c);

/* True when the fusion text names the gene (e.g. "ALK", "NTRK" matches
 * NTRK1/2/3) as one of its two partners. */
bool imt_fusion_involves(const char *fusion, const char *gene_prefix);

/* Generic field access through the table.
 * imt_field_format: writes the canonical text of field f into buf (empty
 * string for unknown) and returns buf; numbers are printed in the C
 * locale with the shortest form that round-trips ("%.15g").
 * imt_field_is_known: whether the value is known. */
const char *imt_field_format(const imt_case *c, int f, char *buf, size_t n);
bool imt_field_is_known(const imt_case *c, int f);

/* Set field f from text (already validated or from the store).  Returns 0,
 * or -1 with a message in err when the text is not a valid value.  An empty
 * string sets unknown.  Numbers are parsed in the C locale; this is the
 * one validator of single cells (import uses it). */
int imt_field_parse(imt_case *c, int f, const char *text, char *err, size_t errn);

/* Cross-field rules of the data dictionary.  Calls report(ctx, field,
 * message) for each violation; returns the number of violations. */
int imt_case_crosscheck(const imt_case *c,
                        void (*report)(void *ctx, int field, const char *msg),
                        void *ctx);

/* Whether two records hold the same value in field f. */
bool imt_field_equal(const imt_case *a, const imt_case *b, int f);

/* Copy field f of src into dst (text is duplicated).  0, or -1 when out
 * of memory (dst unchanged). */
int imt_field_assign(imt_case *dst, const imt_case *src, int f);

/* One cell (of an import or an edit): blanks around a non-text value are
 * ignored, a required field may not be empty, then imt_field_parse.  0,
 * IMT_CELL_EMPTY for an empty required field, or -1; the reason in err
 * either way. */
enum { IMT_CELL_EMPTY = -2 };
int imt_field_parse_cell(imt_case *c, int f, const char *text, char *err, size_t errn);

/* The first cross-field violation of after that before does not have
 * (an edit may not add one; one it inherits is not its fault).  Returns
 * 1 and fills *field and msg ("FIELD: message") when there is one, else 0. */
int imt_case_crosscheck_new(const imt_case *before, const imt_case *after,
                            int *field, char *msg, size_t n);

#endif
