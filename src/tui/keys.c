/* tui/keys.c - the key table (see tui/keys.h).  Adding a key = adding a row; the
 * help screen, hint bar and man page follow. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "tui/keys.h"

#include <curses.h>
#include <string.h>

#define CTRL(c) ((c) & 0x1f)
#define K_ESC 27
#define K_TAB '\t'

const key_binding key_table[] = {
    /* movement */
    { KC_MAIN, 'j', "j", ACT_DOWN, NULL, "move down one row (in a text pane: scroll)" },
    { KC_MAIN, KEY_DOWN, "Down", ACT_DOWN, NULL, NULL },
    { KC_MAIN, 'k', "k", ACT_UP, NULL, "move up one row (in a text pane: scroll)" },
    { KC_MAIN, KEY_UP, "Up", ACT_UP, NULL, NULL },
    { KC_MAIN, 'g', "g", ACT_TOP, NULL, "go to the first case" },
    { KC_MAIN, KEY_HOME, "Home", ACT_TOP, NULL, NULL },
    { KC_MAIN, 'G', "G", ACT_BOTTOM, NULL, "go to the last case" },
    { KC_MAIN, KEY_END, "End", ACT_BOTTOM, NULL, NULL },
    { KC_MAIN, KEY_NPAGE, "PgDn", ACT_PGDN, NULL, "one page down" },
    { KC_MAIN, ' ', "Space", ACT_PGDN, NULL, NULL },
    { KC_MAIN, KEY_PPAGE, "PgUp", ACT_PGUP, NULL, "one page up" },
    { KC_MAIN, CTRL('d'), "Ctrl-d", ACT_HALFDN, NULL, "half a page down" },
    { KC_MAIN, CTRL('u'), "Ctrl-u", ACT_HALFUP, NULL, "half a page up" },
    { KC_MAIN, K_TAB, "Tab", ACT_NEXT_PANE, "Pane", "next pane (80 columns: cycles the right pane)" },
    { KC_MAIN, KEY_BTAB, "Shift-Tab", ACT_PREV_PANE, NULL, "previous pane" },
    { KC_MAIN, '\n', "Enter", ACT_FOCUS_DETAIL, NULL, "focus the detail pane; in recommendations: show/hide the details of the selected one" },
    { KC_MAIN, KEY_ENTER, "KP-Enter", ACT_FOCUS_DETAIL, NULL, NULL },
    { KC_MAIN, KEY_LEFT, "Left", ACT_FOCUS_LIST, NULL, "back to the case list" },
    { KC_MAIN, 'h', "h", ACT_FOCUS_LIST, NULL, NULL },
    { KC_MAIN, 'D', "D", ACT_EXPAND, NULL, "show/hide the details (detail, evidence, because, missing) of every recommendation" },
    /* filters: fixed by ui.md */
    { KC_MAIN, 's', "s", ACT_CYCLE_SITE, "Site", "cycle the site filter: all, then each site in data-dictionary order" },
    { KC_MAIN, 'a', "a", ACT_CYCLE_ALK, "ALK", "cycle the ALK filter: all, positive, negative, unknown" },
    { KC_MAIN, 'o', "o", ACT_CYCLE_OUTCOME, "Outcome", "cycle the outcome filter: all, NED, AWD, DOD, DOC, LOST" },
    { KC_MAIN, 'S', "S", ACT_MENU_SITE, NULL, "pick several sites from a menu" },
    { KC_MAIN, 'A', "A", ACT_MENU_ALK, NULL, "pick several ALK statuses from a menu" },
    { KC_MAIN, 'O', "O", ACT_MENU_OUTCOME, NULL, "pick several outcomes from a menu" },
    { KC_MAIN, 'W', "W", ACT_MENU_STATUS, NULL, "pick several review states from a menu" },
    { KC_MAIN, 'N', "N", ACT_CYCLE_DECISION, NULL, "cycle the decision filter: all, undecided (a recommendation still needs a decision, or its decision went stale), stale, decided" },
    { KC_MAIN, '/', "/", ACT_SEARCH, "Search", "search case id, site detail and notes (Enter applies, Esc cancels)" },
    { KC_MAIN, 'c', "c", ACT_CLEAR, "Clear", "clear all filters" },
    /* views */
    { KC_MAIN, 'v', "v", ACT_STATS, "Stats", "open / close the cohort statistics view" },
    { KC_MAIN, '?', "?", ACT_HELP, "Help", "this help screen" },
    { KC_MAIN, KEY_F(1), "F1", ACT_HELP, NULL, NULL },
    { KC_MAIN, 'q', "q", ACT_QUIT, "Quit", "quit (edits are saved when confirmed, so none is ever left unsaved)" },
    { KC_MAIN, KEY_F(10), "F10", ACT_QUIT, NULL, NULL },
    { KC_MAIN, CTRL('l'), "Ctrl-l", ACT_REDRAW, NULL, "redraw the whole screen" },
    /* the project's own */
    { KC_MAIN, '>', ">", ACT_SORT_NEXT, "Sort", "sort by the next list column" },
    { KC_MAIN, '<', "<", ACT_SORT_PREV, NULL, "sort by the previous list column" },
    { KC_MAIN, 'r', "r", ACT_SORT_REVERSE, NULL, "reverse the sort order" },
    { KC_MAIN, 'R', "R", ACT_REVIEW, "Review", "set the review state of the case, with a comment" },
    { KC_MAIN, 'e', "e", ACT_EDIT, "Edit", "edit a field of the case (validated, audited; a field someone else changed since you read it asks whose value to keep)" },
    { KC_MAIN, 'd', "d", ACT_DECIDE, NULL, "decide on a recommendation (the one selected in the recommendation pane, else pick one): accept, or override with a reason and a comment (audited)" },
    { KC_MAIN, 'H', "H", ACT_HISTORY, NULL, "the case's history, newest first: every change with time, user, old -> new and comment, decisions and signatures (j/k scroll, Esc back)" },
    { KC_MAIN, 'u', "u", ACT_UNDO, NULL, "undo this session's last saved edit, as a new audited change (refused when the field changed since or the case is signed out)" },
    { KC_MAIN, 'x', "x", ACT_EXPORT, "Export", "export the filtered cases to a CSV file" },
    { KC_MAIN, 'T', "T", ACT_THEME, "Theme", "next theme: default, light, high-contrast, monochrome (remembered in the settings file)" },
    { KC_MAIN, 'C', "C", ACT_COURSE, NULL, "the case's course: add, edit or remove a dated event (validated against the whole course, audited)" },
    { KC_MAIN, 'F', "F", ACT_CYCLE_FOLLOWUP, NULL, "cycle the follow-up filter: all, due (overdue included), overdue; the worklist is sorted most overdue first" },
    /* dialogs */
    { KC_DIALOG, '\n', "Enter", ACT_DLG_OK, NULL, "apply / choose" },
    { KC_DIALOG, KEY_ENTER, "KP-Enter", ACT_DLG_OK, NULL, NULL },
    { KC_DIALOG, K_ESC, "Esc", ACT_DLG_CANCEL, NULL, "back out without changing anything" },
    { KC_DIALOG, ' ', "Space", ACT_DLG_TOGGLE, NULL, "in a menu: select / deselect the value" },
    { KC_DIALOG, KEY_DOWN, "Down", ACT_DLG_DOWN, NULL, "next item or field" },
    { KC_DIALOG, 'j', "j", ACT_DLG_DOWN, NULL, NULL },
    { KC_DIALOG, K_TAB, "Tab", ACT_DLG_DOWN, NULL, NULL },
    { KC_DIALOG, KEY_UP, "Up", ACT_DLG_UP, NULL, "previous item or field" },
    { KC_DIALOG, 'k', "k", ACT_DLG_UP, NULL, NULL },
    { KC_DIALOG, KEY_BTAB, "Shift-Tab", ACT_DLG_UP, NULL, NULL },
    { KC_DIALOG, KEY_NPAGE, "PgDn", ACT_DLG_PGDN, NULL, "in a menu: one page down" },
    { KC_DIALOG, KEY_PPAGE, "PgUp", ACT_DLG_PGUP, NULL, "in a menu: one page up" },
    { KC_DIALOG, 'y', "y", ACT_DLG_YES, NULL, "in a question: yes" },
    { KC_DIALOG, 'Y', "Y", ACT_DLG_YES, NULL, NULL },
    { KC_DIALOG, 'n', "n", ACT_DLG_NO, NULL, "in a question: no (Esc too)" },
    { KC_DIALOG, 'N', "N", ACT_DLG_NO, NULL, NULL },
    /* the statistics view */
    { KC_STATS, 'g', "g", ACT_SV_GROUP, NULL, "next grouping field: none, alk_status, site, sex, surgery, steroids, outcome, metastatic, margin, age_group" },
    { KC_STATS, 'e', "e", ACT_SV_ENDPOINT, NULL, "next endpoint: OS, DSS, RFS, PFS, EFS, DOR, TTNT" },
    { KC_STATS, 'l', "l", ACT_SV_LINE, NULL, "PFS, DOR, TTNT: next therapy line: each case's first, 1, 2, 3, 4" },
    { KC_STATS, 'a', "a", ACT_SV_AGENT, NULL, "PFS, DOR, TTNT and the best-response counts: next agent: any, ALK TKI, ROS1 TKI, crizotinib, alectinib, ceritinib, brigatinib, lorlatinib, entrectinib, chemo, radiotherapy, corticosteroid, nsaid, checkpoint_inhibitor" },
    { KC_STATS, K_TAB, "Tab", ACT_SV_PANE, NULL, "switch the side pane: survival, ALK by site, warnings" },
    { KC_STATS, 'x', "x", ACT_SV_EXPORT, NULL, "export the numbers behind the view (KM table, groups, tests, counts) to CSV in the current directory" },
    { KC_STATS, 'v', "v", ACT_SV_CLOSE, NULL, "close the view" },
    { KC_STATS, K_ESC, "Esc", ACT_SV_CLOSE, NULL, NULL },
    { KC_STATS, 'q', "q", ACT_SV_CLOSE, NULL, NULL },
};
const int key_table_n = (int)(sizeof key_table / sizeof key_table[0]);

key_action keys_lookup(key_context ctx, int key)
{
    for (int i = 0; i < key_table_n; i++)
        if (key_table[i].ctx == ctx && key_table[i].key == key)
            return key_table[i].action;
    /* Terminals differ on what Enter sends. */
    if (key == '\r')
        return keys_lookup(ctx, '\n');
    return ACT_NONE;
}

const key_binding *keys_find_action(key_context ctx, key_action a)
{
    for (int i = 0; i < key_table_n; i++)
        if (key_table[i].ctx == ctx && key_table[i].action == a)
            return &key_table[i];
    return NULL;
}

const char *keys_names(key_context ctx, key_action a, char *buf, size_t n)
{
    size_t len = 0;
    if (n)
        buf[0] = '\0';
    for (int i = 0; i < key_table_n && n; i++) {
        if (key_table[i].ctx != ctx || key_table[i].action != a)
            continue;
        const char *nm = key_table[i].name;
        size_t need = strlen(nm) + (len ? 2 : 0);
        if (len + need + 1 > n)
            break;
        if (len) {
            memcpy(buf + len, ", ", 2);
            len += 2;
        }
        memcpy(buf + len, nm, strlen(nm) + 1);
        len += strlen(nm);
    }
    return buf;
}

const char *keys_context_name(key_context ctx)
{
    switch (ctx) {
    case KC_MAIN:   return "Main screen";
    case KC_DIALOG: return "Dialogs and menus";
    case KC_STATS:  return "Statistics view (v)";
    default:        return "";
    }
}

const key_binding *keys_nth_action(key_context ctx, int i)
{
    int seen = 0;
    for (int r = 0; r < key_table_n; r++) {
        if (key_table[r].ctx != ctx || !key_table[r].help)
            continue;
        if (seen++ == i)
            return &key_table[r];
    }
    return NULL;
}

/* troff needs a backslash before a leading dot/quote and every backslash,
 * and '-' as '\-' so key names stay ASCII hyphens. */
static void man_escape(FILE *f, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", f);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
    }
}

void keys_print_man(FILE *f)
{
    for (int c = 0; c < KC_N; c++) {
        fprintf(f, ".SS %s\n", keys_context_name((key_context)c));
        const key_binding *b;
        for (int i = 0; (b = keys_nth_action((key_context)c, i)); i++) {
            char names[128];
            fputs(".TP\n.B ", f);
            man_escape(f, keys_names((key_context)c, b->action, names, sizeof names));
            fputc('\n', f);
            man_escape(f, b->help);
            fputc('\n', f);
        }
    }
}

/* Hints by importance: help and quit first (a new user must always see
 * how to get help and how to leave), then table order. */
static int hint_rank(const key_binding *b)
{
    return b->action == ACT_HELP ? 0 : b->action == ACT_QUIT ? 1 : 2;
}

int keys_hint_pick(int width, bool show[], int nshow)
{
    int used = 0, count = 0;
    for (int i = 0; i < nshow && i < key_table_n; i++)
        show[i] = false;
    for (int rank = 0; rank < 3; rank++)
        for (int i = 0; i < key_table_n && i < nshow; i++) {
            const key_binding *b = &key_table[i];
            if (b->ctx != KC_MAIN || !b->hint || hint_rank(b) != rank)
                continue;
            int need = (int)(strlen(b->name) + 1 + strlen(b->hint)) + (count ? 1 : 0);
            if (used + need > width)
                continue;
            show[i] = true;
            used += need;
            count++;
        }
    return count;
}

const char *keys_hint_bar(char *buf, size_t n, int width)
{
    bool show[256];
    keys_hint_pick(width, show, (int)(sizeof show / sizeof show[0]));
    size_t len = 0;
    if (n)
        buf[0] = '\0';
    for (int i = 0; i < key_table_n && i < 256; i++) {
        if (!show[i])
            continue;
        const key_binding *b = &key_table[i];
        int il = snprintf(buf + len, len < n ? n - len : 0, "%s%s %s",
                          len ? " " : "", b->name, b->hint);
        if (il < 0 || len + (size_t)il >= n)
            break;
        len += (size_t)il;
    }
    return buf;
}
