/* fuzz_settings.c - libFuzzer harness for settings_parse (io/settings.h),
 * then settings_get/settings_set on what it read.  See README. */
#include "io/settings.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strdup(data, size);
    static settings s;
    memset(&s, 0, sizeof s);
    settings_parse(&s, text, "fuzz-settings");
    if (s.n < 0 || s.n > SETTINGS_MAX) abort();
    for (int i = 0; i < s.n; i++) {
        if (strnlen(s.e[i].key, SETTINGS_KEYLEN) == SETTINGS_KEYLEN) abort();
        if (strnlen(s.e[i].val, SETTINGS_VALLEN) == SETTINGS_VALLEN) abort();
        if (settings_get(&s, s.e[i].key) == NULL) abort();
    }
    settings_get(&s, "theme");
    settings_set(&s, "theme", text);
    settings_set(&s, text, "x");
    free(text);
    return 0;
}
