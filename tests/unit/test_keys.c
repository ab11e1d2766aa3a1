/* The key table: no key bound twice in a context, every fixed key of
 * ui.md bound to the right action, help text for every action. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <curses.h>

#include "tui/keys.h"

static void test_no_duplicates(void **s)
{
    (void)s;
    for (int i = 0; i < key_table_n; i++)
        for (int j = i + 1; j < key_table_n; j++)
            if (key_table[i].ctx == key_table[j].ctx &&
                key_table[i].key == key_table[j].key) {
                fprintf(stderr, "key %s bound twice\n", key_table[i].name);
                fail();
            }
}

/* ui.md "These keys are fixed" - written out from the spec, not the table. */
static void test_fixed_keys(void **s)
{
    (void)s;
    assert_int_equal(keys_lookup(KC_MAIN, 's'), ACT_CYCLE_SITE);
    assert_int_equal(keys_lookup(KC_MAIN, 'a'), ACT_CYCLE_ALK);
    assert_int_equal(keys_lookup(KC_MAIN, 'o'), ACT_CYCLE_OUTCOME);
    assert_int_equal(keys_lookup(KC_MAIN, 'S'), ACT_MENU_SITE);
    assert_int_equal(keys_lookup(KC_MAIN, 'A'), ACT_MENU_ALK);
    assert_int_equal(keys_lookup(KC_MAIN, 'O'), ACT_MENU_OUTCOME);
    assert_int_equal(keys_lookup(KC_MAIN, '/'), ACT_SEARCH);
    assert_int_equal(keys_lookup(KC_MAIN, 'c'), ACT_CLEAR);
    assert_int_equal(keys_lookup(KC_MAIN, 'v'), ACT_STATS);
    assert_int_equal(keys_lookup(KC_MAIN, '?'), ACT_HELP);
    assert_int_equal(keys_lookup(KC_MAIN, 'q'), ACT_QUIT);
    /* movement named by ui.md */
    assert_int_equal(keys_lookup(KC_MAIN, 'j'), ACT_DOWN);
    assert_int_equal(keys_lookup(KC_MAIN, KEY_DOWN), ACT_DOWN);
    assert_int_equal(keys_lookup(KC_MAIN, 'k'), ACT_UP);
    assert_int_equal(keys_lookup(KC_MAIN, KEY_UP), ACT_UP);
    assert_int_equal(keys_lookup(KC_MAIN, 'g'), ACT_TOP);
    assert_int_equal(keys_lookup(KC_MAIN, 'G'), ACT_BOTTOM);
    assert_int_equal(keys_lookup(KC_MAIN, KEY_HOME), ACT_TOP);
    assert_int_equal(keys_lookup(KC_MAIN, KEY_END), ACT_BOTTOM);
    assert_int_equal(keys_lookup(KC_MAIN, KEY_NPAGE), ACT_PGDN);
    assert_int_equal(keys_lookup(KC_MAIN, KEY_PPAGE), ACT_PGUP);
    assert_int_equal(keys_lookup(KC_MAIN, 4), ACT_HALFDN);   /* Ctrl-d */
    assert_int_equal(keys_lookup(KC_MAIN, 21), ACT_HALFUP);  /* Ctrl-u */
    assert_int_equal(keys_lookup(KC_MAIN, '\t'), ACT_NEXT_PANE);
    assert_int_equal(keys_lookup(KC_MAIN, KEY_BTAB), ACT_PREV_PANE);
    assert_int_equal(keys_lookup(KC_MAIN, '\n'), ACT_FOCUS_DETAIL);
    assert_int_equal(keys_lookup(KC_MAIN, '\r'), ACT_FOCUS_DETAIL);
    /* Esc backs out of every dialog */
    assert_int_equal(keys_lookup(KC_DIALOG, 27), ACT_DLG_CANCEL);
    assert_int_equal(keys_lookup(KC_DIALOG, '\n'), ACT_DLG_OK);
    assert_int_equal(keys_lookup(KC_MAIN, 'Z'), ACT_NONE);
}

/* Every action that has a key has help text on its first row, and every
 * action the interface offers (sort, review, edit, export, theme) has a
 * key: issue 3 / ui.md "must be listed by ? and the man page". */
static void test_help_complete(void **s)
{
    (void)s;
    for (int i = 0; i < key_table_n; i++) {
        const key_binding *b = keys_find_action(key_table[i].ctx, key_table[i].action);
        assert_non_null(b);
        assert_non_null(b->help);
        assert_true(strlen(b->help) > 5);
    }
    const key_action own[] = { ACT_SORT_NEXT, ACT_SORT_REVERSE, ACT_REVIEW,
                               ACT_EDIT, ACT_EXPORT, ACT_THEME, ACT_EXPAND };
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        assert_non_null(keys_find_action(KC_MAIN, own[i]));
}

static void test_man_text(void **s)
{
    (void)s;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    keys_print_man(f);
    fclose(f);
    /* each fixed key appears as a .B line, the Ctrl keys with an escaped
     * hyphen, and every action exactly once */
    assert_non_null(strstr(buf, ".B s\n"));
    assert_non_null(strstr(buf, ".B j, Down\n"));
    assert_non_null(strstr(buf, ".B Ctrl\\-d\n"));
    assert_non_null(strstr(buf, ".B /\n"));
    assert_non_null(strstr(buf, ".B q, F10\n"));
    int tp = 0;
    for (char *p = buf; (p = strstr(p, ".TP\n")); p++)
        tp++;
    int expect = 0;
    for (int i = 0; i < key_table_n; i++)
        if (key_table[i].help)
            expect++;
    assert_int_equal(tp, expect);
    free(buf);
}

static void test_hint_bar(void **s)
{
    (void)s;
    char buf[512];
    keys_hint_bar(buf, sizeof buf, 80);
    assert_true(strlen(buf) <= 80);
    assert_non_null(strstr(buf, "? Help"));
    assert_non_null(strstr(buf, "q Quit"));
    keys_hint_bar(buf, sizeof buf, 10);
    assert_true(strlen(buf) <= 10);
    /* however narrow (60 columns, or less), help and quit are on it */
    for (int w = 13; w <= 200; w++) {
        keys_hint_bar(buf, sizeof buf, w);
        assert_true((int)strlen(buf) <= w);
        assert_non_null(strstr(buf, "? Help"));
        assert_non_null(strstr(buf, "q Quit"));
    }
    /* what the bar shows is what the key table binds */
    keys_hint_bar(buf, sizeof buf, 500);
    for (int i = 0; i < key_table_n; i++)
        if (key_table[i].ctx == KC_MAIN && key_table[i].hint) {
            char item[64];
            snprintf(item, sizeof item, "%s %s", key_table[i].name, key_table[i].hint);
            assert_non_null(strstr(buf, item));
        }
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_no_duplicates),
        cmocka_unit_test(test_fixed_keys),
        cmocka_unit_test(test_help_complete),
        cmocka_unit_test(test_man_text),
        cmocka_unit_test(test_hint_bar),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
