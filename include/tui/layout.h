/* tui/layout.h - where each pane of the interface goes, as pure arithmetic
 * (no curses), so every terminal size can be unit-tested (ui.md "Panes").
 *
 *   wide   (cols >= LAYOUT_WIDE_COLS): list on the left; on the right the
 *          detail and markers side by side on top, the recommendation
 *          under them; all four visible at once.  The list grows with the
 *          terminal up to the width of all its columns (from 150 columns);
 *          the right side keeps at least 66 so the detail and the markers
 *          stay readable.
 *   narrow (LAYOUT_MIN_COLS <= cols < LAYOUT_WIDE_COLS): list on the left,
 *          one right pane whose content Tab cycles (detail, markers,
 *          recommendation); detail, markers and recs get the same rect.
 *   small  (below LAYOUT_MIN_COLS x LAYOUT_MIN_ROWS): nothing but the
 *          "terminal too small" message.
 * The last two rows are always the status line and the key-hint bar. */
#ifndef IMT_LAYOUT_H
#define IMT_LAYOUT_H

#include <stdbool.h>

#define LAYOUT_MIN_COLS  60
#define LAYOUT_MIN_ROWS  15
#define LAYOUT_WIDE_COLS 100

typedef struct { int y, x, h, w; } lrect;

typedef enum { LAYOUT_SMALL, LAYOUT_NARROW, LAYOUT_WIDE } layout_class;

typedef enum { PANE_LIST, PANE_DETAIL, PANE_MARKERS, PANE_RECS, PANE_N } pane_id;

typedef struct {
    layout_class cls;
    int rows, cols;
    lrect pane[PANE_N];   /* h = w = 0 when the pane is not shown         */
    lrect status;         /* row rows-2                                    */
    lrect hints;          /* row rows-1                                    */
} layout;

/* Markers need their 11-column labels and a 14-column value
 * ("+ PPFIBP1::ALK") inside the border. */
#define LAYOUT_MARKERS_MIN_W 28

/* The case list's columns (ui.md: id, age/sex, site, size, ALK status,
 * surgery/margin, outcome, follow-up, review state, and who has the case:
 * the reviewer who took it or signed it out), in display order.
 * width is the widest value the column holds ("retroperitoneum",
 * "unreviewed", "100.0"); columns are separated by one space.  prio: the
 * lower, the longer it stays when the pane is narrow. */
enum { LCOL_CASE, LCOL_AGESEX, LCOL_SITE, LCOL_SIZE, LCOL_ALK, LCOL_SURGERY,
       LCOL_OUTCOME, LCOL_FOLLOWUP, LCOL_REVIEW, LCOL_REVIEWER, LAYOUT_NCOLS };
typedef struct {
    const char *head;
    int         width;
    int         prio;
} layout_col;
extern const layout_col layout_cols[LAYOUT_NCOLS];

/* Inner width the list needs to show every column. */
int layout_cols_width_all(void);
/* Which columns fit in inner columns, by priority; returns how many. */
int layout_pick_cols(int inner, bool show[LAYOUT_NCOLS]);

/* Compute the layout for a rows x cols terminal (negative sizes are
 * treated as 0). */
void layout_compute(int rows, int cols, layout *out);

/* Whether two rects share a cell (empty rects never overlap). */
bool lrect_overlap(lrect a, lrect b);
/* Whether r lies within a rows x cols screen. */
bool lrect_inside(lrect r, int rows, int cols);
bool lrect_empty(lrect r);

#endif
