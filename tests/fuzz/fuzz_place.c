/* fuzz_place.c - libFuzzer harness for place_parse_line (tui/place.h).
 * Byte 0 sizes the caller's db buffer (1..256), allocated exactly so
 * ASan catches a write past it.  See README. */
#include "tui/place.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t dbn = (size_t)data[0] + 1;
    char *line = fuzz_strdup(data + 1, size - 1);
    char *db = malloc(dbn);
    place p;
    if (place_parse_line(line, db, dbn, &p) == 0) {
        if (strlen(db) >= dbn || strchr(db, '\t') || !*p.case_id) abort();
    }
    free(db);
    free(line);
    return 0;
}
