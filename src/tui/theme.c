/* tui/theme.c - theme files: parse (pure), find, load, resolve, apply. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "tui/theme.h"
#include "io/xdg.h"

#include <curses.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef IMT_DATADIR
#define IMT_DATADIR "/usr/local/share/imtreview"
#endif

static const char *const role_names[TR_N] = {
    "normal", "list_cursor", "list_cursor_inactive", "header", "status",
    "keybar_key", "keybar_label", "pane_border", "pane_title",
    "pane_title_active", "positive", "negative", "notdone",
    "level_critical", "level_warning", "level_info", "level_suggestion",
    "alk_positive", "alk_negative", "alk_unknown", "dim", "error",
    "dialog", "plot_curve_1", "plot_curve_2", "plot_curve_3",
    "plot_curve_4", "plot_axis", "selection", "label", "equivocal",
};

const char *theme_role_name(theme_role r)
{
    return (r >= 0 && r < TR_N) ? role_names[r] : NULL;
}

int theme_role_from_name(const char *name)
{
    for (int r = 0; r < TR_N; r++)
        if (strcmp(role_names[r], name) == 0)
            return r;
    return -1;
}

enum { D = THEME_COLOR_DEFAULT, BK = 0, RD, GN, YL, BL, MG, CY, WH };

/* Must match themes/default.theme (test_theme checks it does). */
static const theme_spec default_specs[TR_N] = {
    [TR_NORMAL] = { D, D, 0, false },
    [TR_LIST_CURSOR] = { BK, CY, 0, false },
    [TR_LIST_CURSOR_INACTIVE] = { D, D, TA_REVERSE, false },
    [TR_HEADER] = { D, D, TA_BOLD | TA_UNDERLINE, false },
    [TR_STATUS] = { BK, WH, 0, false },
    [TR_KEYBAR_KEY] = { WH, BK, TA_BOLD, false },
    [TR_KEYBAR_LABEL] = { BK, CY, 0, false },
    [TR_PANE_BORDER] = { D, D, 0, false },
    [TR_PANE_TITLE] = { D, D, TA_BOLD, false },
    [TR_PANE_TITLE_ACTIVE] = { YL, D, TA_BOLD, false },
    [TR_POSITIVE] = { RD, D, TA_BOLD, false },
    [TR_NEGATIVE] = { GN, D, 0, false },
    [TR_NOTDONE] = { D, D, TA_DIM, false },
    [TR_LEVEL_CRITICAL] = { RD, D, TA_BOLD, false },
    [TR_LEVEL_WARNING] = { YL, D, TA_BOLD, false },
    [TR_LEVEL_INFO] = { CY, D, 0, false },
    [TR_LEVEL_SUGGESTION] = { D, D, 0, false },
    [TR_ALK_POSITIVE] = { RD, D, TA_BOLD, false },
    [TR_ALK_NEGATIVE] = { GN, D, 0, false },
    [TR_ALK_UNKNOWN] = { YL, D, 0, false },
    [TR_DIM] = { D, D, TA_DIM, false },
    [TR_ERROR] = { WH, RD, TA_BOLD, false },
    [TR_DIALOG] = { BK, WH, 0, false },
    [TR_PLOT_CURVE_1] = { CY, D, 0, false },
    [TR_PLOT_CURVE_2] = { RD, D, 0, false },
    [TR_PLOT_CURVE_3] = { GN, D, 0, false },
    [TR_PLOT_CURVE_4] = { YL, D, 0, false },
    [TR_PLOT_AXIS] = { D, D, 0, false },
    [TR_SELECTION] = { BK, YL, 0, false },
    [TR_LABEL] = { D, D, 0, false },
    [TR_EQUIVOCAL] = { YL, D, 0, false },
};

/* Attribute-only table: every role must stay distinguishable where it
 * matters (cursor reversed, positives bold, errors bold+reverse). */
static const unsigned mono_attrs[TR_N] = {
    [TR_NORMAL] = 0, [TR_LIST_CURSOR] = TA_REVERSE,
    [TR_LIST_CURSOR_INACTIVE] = TA_UNDERLINE,
    [TR_HEADER] = TA_BOLD | TA_UNDERLINE, [TR_STATUS] = TA_REVERSE,
    [TR_KEYBAR_KEY] = TA_BOLD, [TR_KEYBAR_LABEL] = TA_REVERSE,
    [TR_PANE_BORDER] = 0, [TR_PANE_TITLE] = TA_BOLD,
    [TR_PANE_TITLE_ACTIVE] = TA_BOLD | TA_REVERSE,
    [TR_POSITIVE] = TA_BOLD, [TR_NEGATIVE] = 0, [TR_NOTDONE] = TA_DIM,
    [TR_LEVEL_CRITICAL] = TA_BOLD | TA_REVERSE, [TR_LEVEL_WARNING] = TA_BOLD,
    [TR_LEVEL_INFO] = 0, [TR_LEVEL_SUGGESTION] = 0,
    [TR_ALK_POSITIVE] = TA_BOLD, [TR_ALK_NEGATIVE] = 0,
    [TR_ALK_UNKNOWN] = TA_UNDERLINE, [TR_DIM] = TA_DIM,
    [TR_ERROR] = TA_BOLD | TA_REVERSE, [TR_DIALOG] = 0,
    [TR_PLOT_CURVE_1] = 0, [TR_PLOT_CURVE_2] = TA_BOLD,
    [TR_PLOT_CURVE_3] = TA_UNDERLINE, [TR_PLOT_CURVE_4] = TA_DIM,
    [TR_PLOT_AXIS] = 0, [TR_SELECTION] = TA_BOLD | TA_UNDERLINE,
    [TR_LABEL] = 0, [TR_EQUIVOCAL] = TA_UNDERLINE,
};

void theme_default(theme *th)
{
    memset(th, 0, sizeof *th);
    snprintf(th->name, sizeof th->name, "default");
    memcpy(th->role, default_specs, sizeof default_specs);
}

void theme_monochrome(theme *th)
{
    memset(th, 0, sizeof *th);
    snprintf(th->name, sizeof th->name, "monochrome");
    th->mono = true;
    for (int r = 0; r < TR_N; r++) {
        th->role[r].fg = th->role[r].bg = D;
        th->role[r].attrs = mono_attrs[r];
    }
}

static const char *const colour_names[8] = {
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"
};

/* Returns 0 with *c set, -1 when word is not a colour. */
static int parse_colour(const char *word, short *c)
{
    if (strcmp(word, "default") == 0 || strcmp(word, "-") == 0) {
        *c = D;
        return 0;
    }
    const char *w = word;
    int add = 0;
    if (strncmp(w, "bright-", 7) == 0 || strncmp(w, "bright_", 7) == 0) {
        w += 7;
        add = 8;
    }
    for (int i = 0; i < 8; i++)
        if (strcmp(w, colour_names[i]) == 0) {
            *c = (short)(i + add);
            return 0;
        }
    if (add == 0 && isdigit((unsigned char)word[0])) {
        char *end;
        errno = 0;
        long v = strtol(word, &end, 10);
        if (*end == '\0' && errno == 0 && v >= 0 && v <= 255) {
            *c = (short)v;
            return 0;
        }
    }
    return -1;
}

static const struct { const char *name; unsigned bit; } attr_names[] = {
    { "normal", 0 }, { "bold", TA_BOLD }, { "dim", TA_DIM },
    { "underline", TA_UNDERLINE }, { "reverse", TA_REVERSE },
    { "standout", TA_STANDOUT }, { "italic", TA_ITALIC },
    { "blink", TA_BLINK },
};

static int parse_attr(const char *word, unsigned *bits)
{
    for (size_t i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++)
        if (strcmp(word, attr_names[i].name) == 0) {
            *bits |= attr_names[i].bit;
            return 0;
        }
    return -1;
}

static void add_error(theme *th, const char *fname, int line,
                      const char *what, const char *word)
{
    th->nerrors++;
    if (th->error[0])
        return;
    if (word)
        snprintf(th->error, sizeof th->error, "%s:%d: %s '%s'", fname, line,
                 what, word);
    else
        snprintf(th->error, sizeof th->error, "%s:%d: %s", fname, line, what);
}

/* Words longer than this are errors anyway; they are cut for messages. */
#define WORD_MAX 40

/* Copies a word for an error message without control characters (the
 * message goes to the status line). */
static void clean_word(char *dst, size_t n, const char *src, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < n; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[o++] = (c < 0x20 || c >= 0x7F) ? '?' : (char)c;
    }
    dst[o] = '\0';
}

static int parse_line(theme *th, char *s, const char *fname, int lineno)
{
    char *hash = strchr(s, '#');
    if (hash) *hash = '\0';
    char *eq = strchr(s, '=');
    char *p = s;
    while (isspace((unsigned char)*p)) p++;
    if (*p == '\0')
        return 0;
    char w[WORD_MAX + 1];
    if (!eq) {
        clean_word(w, sizeof w, p, strcspn(p, " \t\r"));
        add_error(th, fname, lineno, "expected 'role = colour ...', got",
                  w);
        return -1;
    }
    *eq = '\0';
    char *end = eq;
    while (end > p && isspace((unsigned char)end[-1])) *--end = '\0';
    int r = theme_role_from_name(p);
    if (r < 0) {
        clean_word(w, sizeof w, p, strlen(p));
        add_error(th, fname, lineno, "unknown role", w);
        return -1;
    }
    theme_spec sp = { D, D, 0, true };
    int state = 0;          /* 0 fg, 1 after fg, 2 expect bg, 3 attrs */
    char *save = NULL;
    int nwords = 0;
    for (char *tok = strtok_r(eq + 1, " \t\r\n", &save); tok;
         tok = strtok_r(NULL, " \t\r\n", &save)) {
        nwords++;
        clean_word(w, sizeof w, tok, strlen(tok));
        if (state == 0) {
            if (parse_colour(tok, &sp.fg) == 0) { state = 1; continue; }
            if (parse_attr(tok, &sp.attrs) == 0) { state = 3; continue; }
            add_error(th, fname, lineno, "unknown colour", w);
            return -1;
        }
        if (state == 1 && strcmp(tok, "on") == 0) { state = 2; continue; }
        if (state == 2) {
            if (parse_colour(tok, &sp.bg) == 0) { state = 3; continue; }
            add_error(th, fname, lineno, "unknown colour", w);
            return -1;
        }
        if (parse_attr(tok, &sp.attrs) == 0) { state = 3; continue; }
        add_error(th, fname, lineno, "unknown attribute", w);
        return -1;
    }
    if (nwords == 0 || state == 2) {
        add_error(th, fname, lineno, nwords ? "colour missing after 'on'"
                                            : "nothing after '='", NULL);
        return -1;
    }
    th->role[r] = sp;
    return 0;
}

int theme_parse(theme *th, const char *text, const char *fname)
{
    int lineno = 0;
    const char *p = text;
    while (*p) {
        lineno++;
        size_t len = strcspn(p, "\n");
        char buf[512];
        if (len >= sizeof buf) {
            add_error(th, fname, lineno, "line too long", NULL);
        } else {
            memcpy(buf, p, len);
            buf[len] = '\0';
            parse_line(th, buf, fname, lineno);
        }
        p += len;
        if (*p == '\n') p++;
    }
    return th->nerrors;
}

static bool exists(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return false;
    fclose(f);
    return true;
}

int theme_find(const char *name, char *path, size_t pathn)
{
    if (!name || !*name || strchr(name, '/') || name[0] == '.')
        return -1;
    const char *env = getenv("IMTREVIEW_THEMES");
    if (env && *env && (size_t)snprintf(path, pathn, "%s/%s.theme", env, name)
                          < pathn && exists(path))
        return 0;
    char rel[300];
    int k = snprintf(rel, sizeof rel, "themes/%s.theme", name);
    if (k >= 0 && (size_t)k < sizeof rel && xdg_path(XDG_CONFIG, rel, path, pathn) == 0 &&
        exists(path))
        return 0;
    k = snprintf(path, pathn, "%s/themes/%s.theme", IMT_DATADIR, name);
    if (k >= 0 && (size_t)k < pathn && exists(path))
        return 0;
    k = snprintf(path, pathn, "themes/%s.theme", name);
    if (k >= 0 && (size_t)k < pathn && exists(path))
        return 0;
    return -1;
}

bool theme_no_color_env(void)
{
    return getenv("NO_COLOR") != NULL;
}

#define THEME_FILE_MAX (64 * 1024)

int theme_load(theme *th, const char *name, bool no_color, char *msg,
               size_t msgn)
{
    if (!name || !*name) name = "default";
    bool want_mono = strcmp(name, "monochrome") == 0;
    char path[4096];
    int rc = 0;
    if (msgn) msg[0] = '\0';
    theme_default(th);
    if (want_mono)
        theme_monochrome(th);
    if (theme_find(name, path, sizeof path) != 0) {
        /* the built-in tables need no file */
        if (strcmp(name, "default") != 0 && !want_mono) {
            snprintf(msg, msgn, "theme '%.60s' not found; using default",
                     name);
            rc = -1;
        }
    } else {
        /* Messages name the file by its base name: the status line of an
         * 80-column terminal has room for "NAME.theme:LINE: reason", not
         * for a directory path in front of it (the search order says
         * which directory it came from). */
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        FILE *f = fopen(path, "r");
        char *text = f ? malloc(THEME_FILE_MAX + 1) : NULL;
        size_t n = (f && text) ? fread(text, 1, THEME_FILE_MAX, f) : 0;
        bool bad = !f || !text || ferror(f) || (f && !feof(f));
        if (f) fclose(f);
        if (bad) {
            snprintf(msg, msgn, "%.200s: cannot read theme; using default",
                     base);
            rc = -1;
            theme_default(th);
        } else {
            text[n] = '\0';
            if (memchr(text, '\0', n)) {
                snprintf(msg, msgn, "%.200s: not a text file; using default",
                         base);
                rc = -1;
                theme_default(th);
            } else {
                snprintf(th->name, sizeof th->name, "%s", name);
                if (theme_parse(th, text, base) > 0) {
                    snprintf(msg, msgn, "%s%s; using default", th->error,
                             th->nerrors > 1 ? " (and more)" : "");
                    rc = -1;
                    theme_default(th);
                }
            }
        }
        free(text);
    }
    if (no_color && !th->mono) {
        char keep[64];
        snprintf(keep, sizeof keep, "%s", th->name);
        theme_monochrome(th);
        snprintf(th->name, sizeof th->name, "%s", keep);
    }
    return rc;
}

theme_resolved theme_resolve(const theme *th, theme_role r, bool has_colors,
                             int ncolors)
{
    theme_resolved out = { D, D, 0, false };
    if (r < 0 || r >= TR_N)
        return out;
    const theme_spec *sp = &th->role[r];
    if (th->mono || !has_colors || ncolors < 8) {
        /* a colour theme's attributes alone would lose the cursor and
         * the status line (they are colour only), so the monochrome
         * table stands in */
        out.attrs = th->mono ? sp->attrs : mono_attrs[r];
        return out;
    }
    out.use_color = true;
    out.attrs = sp->attrs;
    out.fg = sp->fg;
    out.bg = sp->bg;
    if (ncolors < 16) {
        /* bright colours fold onto the base colour; bold gives the
         * brightness for the foreground on most 8-colour terminals */
        if (out.fg >= 8 && out.fg < 16) { out.fg -= 8; out.attrs |= TA_BOLD; }
        else if (out.fg >= 16) out.fg %= 8;
        if (out.bg >= 8) out.bg %= 8;
    } else if (ncolors < 256) {
        if (out.fg >= ncolors) out.fg %= 8;
        if (out.bg >= ncolors) out.bg %= 8;
    }
    return out;
}

void theme_apply(const theme *th, bool has_colors, int ncolors,
                 short pair_base, unsigned long attr[TR_N])
{
    static const struct { unsigned ta; attr_t a; } map[] = {
        { TA_BOLD, A_BOLD }, { TA_DIM, A_DIM }, { TA_UNDERLINE, A_UNDERLINE },
        { TA_REVERSE, A_REVERSE }, { TA_STANDOUT, A_STANDOUT },
#ifdef A_ITALIC
        { TA_ITALIC, A_ITALIC },
#endif
        { TA_BLINK, A_BLINK },
    };
    /* too few colour pairs for every role: the monochrome look, since a
     * half-coloured theme could lose the cursor row */
    if (has_colors && pair_base + TR_N > COLOR_PAIRS)
        has_colors = false;
    for (int r = 0; r < TR_N; r++) {
        theme_resolved rv = theme_resolve(th, (theme_role)r, has_colors,
                                          ncolors);
        attr_t a = A_NORMAL;
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
            if (rv.attrs & map[i].ta)
                a |= map[i].a;
        if (rv.use_color) {
            short pair = (short)(pair_base + r);
            init_pair(pair, rv.fg, rv.bg);
            a |= COLOR_PAIR(pair);
        }
        attr[r] = (unsigned long)a;
    }
}
