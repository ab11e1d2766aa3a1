/* io/xdg.c - see io/xdg.h. */
#define _GNU_SOURCE
#include "io/xdg.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const struct {
    const char *var;
    const char *fallback;     /* under HOME */
} bases[] = {
    [XDG_CONFIG] = { "XDG_CONFIG_HOME", ".config" },
    [XDG_STATE]  = { "XDG_STATE_HOME", ".local/state" },
    [XDG_DATA]   = { "XDG_DATA_HOME", ".local/share" },
};

int xdg_path(xdg_kind kind, const char *rel, char *buf, size_t n)
{
    if ((int)kind < 0 || kind > XDG_DATA)
        return -1;
    const char *base = getenv(bases[kind].var);
    int k;
    if (base && base[0] == '/') {
        k = snprintf(buf, n, "%s/imtreview/%s", base, rel);
    } else {
        const char *home = getenv("HOME");
        if (!home || !*home) {
            struct passwd *pw = getpwuid(getuid());
            home = pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
        }
        if (!home)
            return -1;
        k = snprintf(buf, n, "%s/%s/imtreview/%s", home, bases[kind].fallback, rel);
    }
    return k < 0 || (size_t)k >= n ? -1 : 0;
}
