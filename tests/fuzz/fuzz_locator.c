/* fuzz_locator.c - libFuzzer harness for store_locator_shown (store/store.h):
 * the database locator as it may be shown on screen, in errors and in the
 * audit (issue 11: "passwords never appear").  The oracle is libpq's own
 * parser: whatever password libpq would read from the locator must not be
 * readable by libpq from the shown text, nor appear in it verbatim (when it
 * is long enough not to be a chance substring).  Locators the program
 * takes for an SQLite path are never given to libpq and are left out.
 * See README. */
#include "store/store.h"
#include "fuzz_common.h"

#include <libpq-fe.h>
#include <stdio.h>

static char *password_of(const char *locator)
{
    char *err = NULL;
    PQconninfoOption *o = PQconninfoParse(locator, &err);
    PQfreemem(err);
    if (!o)
        return NULL;
    char *pw = NULL;
    for (PQconninfoOption *p = o; p->keyword; p++)
        if (strcmp(p->keyword, "password") == 0 && p->val && *p->val)
            pw = strdup(p->val);
    PQconninfoFree(o);
    return pw;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *loc = fuzz_strdup(data, size);
    char shown[512];
    const char *s = store_locator_shown(loc, shown, sizeof shown);
    if (!s || strnlen(s, sizeof shown) == sizeof shown)
        abort();
    /* a locator the program takes for an SQLite path is a file name,
     * shown as it is, and never given to libpq */
    char *pw = store_locator_engine(loc) == STORE_ENGINE_PG ? password_of(loc) : NULL;
    if (pw) {
        char *again = password_of(s);
        if (again && strcmp(again, pw) == 0 && strcmp(pw, "***") != 0) {
            fprintf(stderr, "password %s readable from the shown locator %s\n", pw, s);
            abort();
        }
        /* verbatim: only passwords that cannot be a piece of the rest */
        if (strlen(pw) >= 6 && strstr(s, pw) && !strstr(pw, "***") &&
            strcmp(s, "(a PostgreSQL locator with a password)") != 0) {
            char *rest = strdup(loc);
            char *at = strstr(rest, pw);
            if (at) memset(at, '_', strlen(pw));
            if (!strstr(rest, pw)) {
                fprintf(stderr, "password %s shown in %s\n", pw, s);
                abort();
            }
            free(rest);
        }
        free(again);
        free(pw);
    }
    free(loc);
    return 0;
}
