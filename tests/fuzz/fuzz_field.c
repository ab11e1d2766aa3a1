/* fuzz_field.c - libFuzzer harness for imt_field_parse and
 * imt_field_parse_cell (core/imtcase.h) over every field.  Byte 0 picks the
 * field, byte 1 the error buffer size (exact heap allocation, 0 allowed);
 * the rest is the cell text.  A value that parses must format and parse
 * back to an equal value.  See README. */
#include "core/imtcase.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int f = data[0] % IMT_F_COUNT;
    size_t errn = data[1];
    char *text = fuzz_strdup(data + 2, size - 2);
    char *err = errn ? malloc(errn) : NULL;
    imt_case c, d;
    imt_case_init(&c);
    imt_case_init(&d);
    if (imt_field_parse(&c, f, text, err, errn) == 0) {
        char buf[8192], e2[256];
        imt_field_format(&c, f, buf, sizeof buf);
        if (imt_field_parse(&d, f, buf, e2, sizeof e2) != 0) abort();
        if (!imt_field_equal(&c, &d, f)) abort();
    } else if (errn && strnlen(err, errn) == errn) {
        abort();
    }
    imt_case_clear(&c);
    if (imt_field_parse_cell(&c, f, text, err, errn) == 0)
        imt_case_derive(&c);
    imt_case_clear(&c);
    imt_case_clear(&d);
    free(err);
    free(text);
    return 0;
}
