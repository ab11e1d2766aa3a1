/* test_manpage - the man page cannot drift from the key table: the block
 * between the GENERATED KEYS markers of imtreview.1 must equal what
 * keys_print_man() prints now (regenerate with `make docs`).  Run from
 * the top of the source tree, as `make test` does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/keys.h"

#define MAN_PAGE "imtreview.1"
#define BEGIN_MARK ".\\\" BEGIN GENERATED KEYS"
#define END_MARK ".\\\" END GENERATED KEYS"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, len = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* The text between the line holding BEGIN_MARK and the line starting with
 * END_MARK (newly allocated), or NULL when a marker is missing. */
static char *generated_block(const char *page)
{
    const char *b = strstr(page, BEGIN_MARK);
    if (!b)
        return NULL;
    b = strchr(b, '\n');
    if (!b)
        return NULL;
    b++;
    const char *e = strstr(b, END_MARK);
    if (!e)
        return NULL;
    return strndup(b, (size_t)(e - b));
}

static char *key_table_text(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    keys_print_man(f);
    fclose(f);
    return buf;
}

static void test_keys_section_matches_table(void **state)
{
    (void)state;
    char *page = slurp(MAN_PAGE);
    assert_non_null(page);
    char *block = generated_block(page);
    assert_non_null(block);
    char *want = key_table_text();
    assert_non_null(want);
    if (strcmp(block, want) != 0) {
        fprintf(stderr, "imtreview.1 KEYS section differs from the key table; "
                        "run `make docs`\n");
        fail();
    }
    free(want);
    free(block);
    free(page);
}

/* Every fixed key of ui.md appears in the man page as a key of its own. */
static void test_fixed_keys_documented(void **state)
{
    (void)state;
    char *page = slurp(MAN_PAGE);
    assert_non_null(page);
    static const char *const fixed[] = { ".B s\n", ".B a\n", ".B o\n",
        ".B S\n", ".B A\n", ".B O\n", ".B /\n", ".B c\n", ".B v\n" };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (!strstr(page, fixed[i])) {
            fprintf(stderr, "missing in man page: %s", fixed[i]);
            fail();
        }
    assert_non_null(strstr(page, ".B ?"));
    assert_non_null(strstr(page, ".B q"));
    free(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_section_matches_table),
        cmocka_unit_test(test_fixed_keys_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
