/* fuzz_csvimport.c - libFuzzer harness for csvimp_run (io/csvimport.h).
 * Byte 0 picks options (ignore_unknown, max_errors, whether the record
 * callback refuses or stops, whether a merge callback runs); the rest is
 * the CSV file, read through fmemopen.  Each valid record is deep-copied,
 * derived and cross-checked as the store would.  See tests/fuzz/README. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include "io/csvimport.h"
#include "core/imtcase.h"
#include "fuzz_common.h"

static FILE *devnull;
static unsigned mode;

static void rep(void *ctx, int field, const char *msg) { (void)ctx; (void)field; (void)msg; }

static int merge(void *ctx, csvimp *imp, imt_case *c, const bool *present, long line)
{
    (void)ctx; (void)imp; (void)line;
    if (!present[IMT_F_site])
        imt_field_parse(c, IMT_F_site, "lung", NULL, 0);
    return 0;
}

static int record(void *ctx, csvimp *imp, imt_case *c, const bool *present, long line)
{
    long *n = ctx;
    (void)present;
    imt_case copy;
    imt_case_init(&copy);
    if (imt_case_copy(&copy, c) == 0) {
        imt_case_derive(&copy);
        imt_case_crosscheck(&copy, rep, NULL);
        char buf[512];
        for (int f = 0; f < IMT_F_COUNT; f++)
            imt_field_format(&copy, f, buf, sizeof buf);
        imt_case_clear(&copy);
    }
    (*n)++;
    if ((mode & 0x10) && (*n % 3) == 0) {
        csvimp_error(imp, line, IMT_F_case_id, "refused %s", c->case_id ? c->case_id : "?");
        return -1;
    }
    if ((mode & 0x20) && *n == 5)
        return -2;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        abort();
    if (size < 1)
        return 0;
    mode = data[0];
    data++, size--;
    /* fmemopen refuses size 0 on some libcs: give it a 1-byte empty string */
    char *buf = fuzz_strdup(data, size);
    FILE *in = fmemopen(buf, size ? size : 1, "rb");
    if (!in) { free(buf); return 0; }
    if (!size) { fgetc(in); }
    long n = 0;
    csvimp_opts o = {
        .filename = "fuzz.csv", .err = devnull,
        .ignore_unknown = mode & 1,
        .max_errors = (mode >> 1) & 7,
        .merge = (mode & 0x40) ? merge : NULL,
        .record = record, .ctx = &n,
    };
    csvimp_result res;
    csvimp_run(in, &o, &res);
    fclose(in);
    if (mode & 0x80)
        csvimp_print_safe(devnull, buf);
    free(buf);
    return 0;
}
