/* fuzz_theme.c - libFuzzer harness for theme_parse (tui/theme.h), then
 * theme_resolve of every role for 0/8/16/256 colours.  See README. */
#include "tui/theme.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strdup(data, size);
    static theme th;
    if (size && (data[0] & 1))
        theme_monochrome(&th);
    else
        theme_default(&th);
    theme_parse(&th, text, "fuzz.theme");
    if (strnlen(th.error, sizeof th.error) == sizeof th.error) abort();
    static const int nc[] = { 0, 8, 16, 256 };
    for (int r = 0; r < TR_N; r++)
        for (int k = 0; k < 4; k++)
            theme_resolve(&th, (theme_role)r, nc[k] > 0, nc[k]);
    free(text);
    return 0;
}
