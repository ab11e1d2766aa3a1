/* io/cbioportal.h - a cBioPortal study directory from cases and their
 * courses (`imtreview export --format cbioportal DIR`, issue 14 item 6).
 *
 * Files (cBioPortal's "File Formats" page; checked by its own validator,
 * scripts/importer/validateData.py, in the tests):
 *   meta_study.txt                       cancer type imt (OncoTree IMT)
 *   meta_/data_clinical_patient.txt      PATIENT_ID, SEX, AGE, OS, DFS,
 *                                        PFS, EFS, outcome, treatment
 *   meta_/data_clinical_sample.txt       one sample per case (its one-row
 *                                        markers) and one per biopsy event
 *                                        with markers; ONCOTREE_CODE IMT,
 *                                        ICD_O_3_HISTOLOGY 8825/1
 *   meta_/data_sv.txt                    the fusions (GENE1::GENE2)
 *   meta_/data_timeline_*.txt            treatment, surgery, response,
 *                                        status, specimen: days from
 *                                        diagnosis
 * Every file is written to a temporary name and renamed into place only
 * when all of them were written (io/atomicfile.h), so a failed export
 * leaves no half study.  Streams: one case at a time. */
#ifndef IMT_CBIOPORTAL_H
#define IMT_CBIOPORTAL_H

#include <stdbool.h>
#include <stddef.h>
#include "core/imtcase.h"
#include "core/events.h"

#define CBIO_STUDY_ID "imt_imtreview"

typedef struct {
    bool deidentify;           /* pseudonyms, no free text, ages 90+ as 90  */
    bool keep_free_text;       /* with deidentify: keep the free text        */
    unsigned char key[32];     /* pseudonym key                              */
    const char *study_id;      /* NULL = CBIO_STUDY_ID                       */
} cbio_opts;

typedef struct cbio_writer cbio_writer;

/* Make dir (mode 0700) when it does not exist and open the study's files
 * there under temporary names.  NULL with the reason in err. */
cbio_writer *cbio_open(const char *dir, const cbio_opts *o, char *err, size_t errn);
/* One case and its course.  0, or -1 on a write error (errno). */
int cbio_case(cbio_writer *w, const imt_case *c, const imt_course *co);
/* Write the meta files and put everything in place (commit), or remove
 * every temporary file (abort).  0, or -1 with the reason in err.  The
 * writer is freed either way.  note (may be NULL) tells what was left out
 * (events that cannot be placed in days, files without rows). */
int cbio_close(cbio_writer *w, bool commit, char *err, size_t errn, char *note, size_t noten);

#endif
