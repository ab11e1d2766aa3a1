/* layout.c - pane geometry; see layout.h. */
#include "layout.h"

#include <string.h>

static lrect mk(int y, int x, int h, int w)
{
    lrect r = { y, x, h, w };
    if (h <= 0 || w <= 0) {
        r.h = 0;
        r.w = 0;
    }
    return r;
}

bool lrect_empty(lrect r) { return r.h <= 0 || r.w <= 0; }

bool lrect_overlap(lrect a, lrect b)
{
    if (lrect_empty(a) || lrect_empty(b))
        return false;
    return a.x < b.x + b.w && b.x < a.x + a.w &&
           a.y < b.y + b.h && b.y < a.y + a.h;
}

bool lrect_inside(lrect r, int rows, int cols)
{
    if (lrect_empty(r))
        return true;
    return r.y >= 0 && r.x >= 0 && r.y + r.h <= rows && r.x + r.w <= cols;
}

void layout_compute(int rows, int cols, layout *out)
{
    memset(out, 0, sizeof *out);
    if (rows < 0) rows = 0;
    if (cols < 0) cols = 0;
    out->rows = rows;
    out->cols = cols;
    if (rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS) {
        out->cls = LAYOUT_SMALL;
        return;
    }
    out->status = mk(rows - 2, 0, 1, cols);
    out->hints = mk(rows - 1, 0, 1, cols);
    int h = rows - 2;               /* rows for the panes */

    if (cols < LAYOUT_WIDE_COLS) {
        out->cls = LAYOUT_NARROW;
        /* The list needs id, age/sex, site, ALK and outcome at least
         * (about 44 columns); the rest goes to the one right pane. */
        int lw = cols * 11 / 20;
        out->pane[PANE_LIST] = mk(0, 0, h, lw);
        lrect right = mk(0, lw, h, cols - lw);
        out->pane[PANE_DETAIL] = right;
        out->pane[PANE_MARKERS] = right;
        out->pane[PANE_RECS] = right;
        return;
    }
    out->cls = LAYOUT_WIDE;
    /* The list gets just under half: its nine columns fit in ~60. */
    int lw = cols * 9 / 20;
    if (lw > 72) lw = 72;
    int rw = cols - lw;
    /* Markers: 11 IHC rows + 4 molecular + borders wants ~18 rows and
     * ~34 columns; detail takes the rest of the top; recommendations get
     * the bottom (at least 5 rows). */
    int top = h * 11 / 20;
    if (top < 8) top = 8;
    if (h - top < 5) top = h - 5;
    int mw = rw * 2 / 5;
    if (mw > 40) mw = 40;
    out->pane[PANE_LIST] = mk(0, 0, h, lw);
    out->pane[PANE_DETAIL] = mk(0, lw, top, rw - mw);
    out->pane[PANE_MARKERS] = mk(0, lw + rw - mw, top, mw);
    out->pane[PANE_RECS] = mk(top, lw, h - top, rw);
}
