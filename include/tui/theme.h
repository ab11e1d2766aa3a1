/* tui/theme.h - colour themes: role -> foreground/background/attributes.
 *
 * File format (themes/NAME.theme), one line per role:
 *     role = FG [on BG] [ATTR ...]        # comment
 * FG/BG: default black red green yellow blue magenta cyan white,
 *        bright-black .. bright-white (8-15), or a number 0-255
 *        (numbers >= colours available fall back to N % 8; bright-X falls
 *        back to X + bold on 8-colour terminals).  FG may be "-" meaning
 *        "default" (for attribute-only lines, e.g. `header = - bold`).
 * ATTR:  normal bold dim underline reverse standout italic blink.
 * Roles not named in a file take the compiled-in default theme's value
 * (which matches themes/default.theme).  In monochrome (NO_COLOR, no
 * colour terminal, or the monochrome theme) only the attributes are used,
 * and each role's `mono` attributes come from the monochrome table when
 * the file gives none.
 *
 * Parsing is pure (no terminal); theme_apply() does the curses part. */
#ifndef IMT_THEME_H
#define IMT_THEME_H

#include <stdbool.h>
#include <stddef.h>

/* The display roles: the one list the whole interface (panes, dialogs,
 * the statistics view) colours with, in the order of theme_role_name(). */
typedef enum {
    TR_NORMAL, TR_LIST_CURSOR, TR_LIST_CURSOR_INACTIVE, TR_HEADER, TR_STATUS,
    TR_KEYBAR_KEY, TR_KEYBAR_LABEL, TR_PANE_BORDER, TR_PANE_TITLE,
    TR_PANE_TITLE_ACTIVE, TR_POSITIVE, TR_NEGATIVE, TR_NOTDONE,
    TR_LEVEL_CRITICAL, TR_LEVEL_WARNING, TR_LEVEL_INFO, TR_LEVEL_SUGGESTION,
    TR_ALK_POSITIVE, TR_ALK_NEGATIVE, TR_ALK_UNKNOWN, TR_DIM, TR_ERROR,
    TR_DIALOG, TR_PLOT_CURVE_1, TR_PLOT_CURVE_2, TR_PLOT_CURVE_3,
    TR_PLOT_CURVE_4, TR_PLOT_AXIS, TR_SELECTION, TR_LABEL, TR_EQUIVOCAL,
    TR_N
} theme_role;

/* Attribute bits (independent of curses; theme_apply maps them). */
enum {
    TA_BOLD = 1, TA_DIM = 2, TA_UNDERLINE = 4, TA_REVERSE = 8,
    TA_STANDOUT = 16, TA_ITALIC = 32, TA_BLINK = 64
};

#define THEME_COLOR_DEFAULT (-1)

typedef struct {
    short    fg, bg;       /* -1 default, 0-255                           */
    unsigned attrs;        /* TA_* bits                                   */
    bool     set;          /* named in the file                           */
} theme_spec;

typedef struct {
    char       name[64];
    bool       mono;       /* attribute-only theme (monochrome)           */
    theme_spec role[TR_N];
    /* first parse error (file:line: message), "" when none */
    char       error[320];
    int        nerrors;
} theme;

/* Role name as written in theme files ("list_cursor"), or NULL. */
const char *theme_role_name(theme_role r);
int theme_role_from_name(const char *name);   /* -1 when unknown */

/* The compiled-in themes (default = themes/default.theme). */
void theme_default(theme *th);
void theme_monochrome(theme *th);

/* Parse theme text over the defaults already in *th.  fname is used in
 * messages ("fname:LINE: unknown colour 'purpel'").  Returns the number
 * of errors; the first is in th->error.  Lines with errors are skipped. */
int theme_parse(theme *th, const char *text, const char *fname);

/* Find NAME.theme: $IMTREVIEW_THEMES, $XDG_CONFIG_HOME/imtreview/themes
 * (~/.config/... when unset), IMT_DATADIR "/themes", ./themes.  Writes
 * the path into path.  Returns 0 when found, -1 otherwise.  A NAME with
 * '/' or starting with '.' is refused (-1). */
int theme_find(const char *name, char *path, size_t pathn);

/* Load theme NAME (NULL = "default") into *th.  Always leaves a usable
 * theme: on any error (not found, unreadable, parse error) *th is the
 * compiled-in default (or monochrome when NAME is "monochrome") and
 * msg holds a one-line message for the status line; returns -1.
 * Returns 0 on success with msg "".  no_color (NO_COLOR set, or the
 * terminal has no colours) forces the monochrome table afterwards. */
int theme_load(theme *th, const char *name, bool no_color, char *msg,
               size_t msgn);

/* Whether NO_COLOR is set in the environment (any value, even empty). */
bool theme_no_color_env(void);

/* Pure resolution of one role for a terminal: colour pair fg/bg and
 * TA_* attributes after fallbacks (no colours -> mono attributes; 8
 * colours -> bright/high numbers folded). */
typedef struct {
    short    fg, bg;       /* valid only when use_color */
    unsigned attrs;
    bool     use_color;
} theme_resolved;
theme_resolved theme_resolve(const theme *th, theme_role r, bool has_colors,
                             int ncolors);

/* Curses part: init_pair(base+r, ...) for every role and fill attr[r]
 * (curses attr_t values, as unsigned long) for every role.  Call after
 * start_color()/use_default_colors().  pair_base >= 1. */
void theme_apply(const theme *th, bool has_colors, int ncolors,
                 short pair_base, unsigned long attr[TR_N]);

#endif
