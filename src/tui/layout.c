/* tui/layout.c - pane geometry; see tui/layout.h. */
#include "tui/layout.h"

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

const layout_col layout_cols[LAYOUT_NCOLS] = {
    [LCOL_CASE]     = { "Case", 12, 0 },
    [LCOL_AGESEX]   = { "Age/Sx", 6, 1 },
    [LCOL_SITE]     = { "Site", 15, 2 },
    [LCOL_SIZE]     = { "Size", 5, 6 },
    [LCOL_ALK]      = { "ALK", 3, 3 },
    [LCOL_SURGERY]  = { "Surg", 6, 7 },
    [LCOL_OUTCOME]  = { "Out", 4, 4 },
    [LCOL_FOLLOWUP] = { "FU", 4, 8 },
    [LCOL_REVIEW]   = { "Review", 10, 5 },
    [LCOL_REVIEWER] = { "By", 8, 9 },
};

int layout_cols_width_all(void)
{
    int w = 0;
    for (int i = 0; i < LAYOUT_NCOLS; i++)
        w += layout_cols[i].width + (i ? 1 : 0);
    return w;
}

int layout_pick_cols(int inner, bool show[LAYOUT_NCOLS])
{
    int used = 0, n = 0;
    for (int i = 0; i < LAYOUT_NCOLS; i++)
        show[i] = false;
    for (int p = 0; p < LAYOUT_NCOLS; p++)
        for (int i = 0; i < LAYOUT_NCOLS; i++)
            if (layout_cols[i].prio == p) {
                int need = layout_cols[i].width + (n ? 1 : 0);
                if (used + need <= inner) {
                    show[i] = true;
                    used += need;
                    n++;
                }
            }
    return n;
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
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

    /* The five columns the fixed filter keys act on (case, age/sex,
     * site, ALK, outcome) need 44 inner columns. */
    int five = 0;
    for (int i = 0; i < LAYOUT_NCOLS; i++)
        if (layout_cols[i].prio <= 4)
            five += layout_cols[i].width + (five ? 1 : 0);
    if (cols < LAYOUT_WIDE_COLS) {
        out->cls = LAYOUT_NARROW;
        /* 80 columns: those five, the rest to the one right pane. */
        int lw = clampi(cols * 23 / 40, 1, five + 2);
        out->pane[PANE_LIST] = mk(0, 0, h, lw);
        lrect right = mk(0, lw, h, cols - lw);
        out->pane[PANE_DETAIL] = right;
        out->pane[PANE_MARKERS] = right;
        out->pane[PANE_RECS] = right;
        return;
    }
    out->cls = LAYOUT_WIDE;
    /* The right side keeps 66 columns (markers 28, detail 38) while the
     * list grows to show every column (150 columns and more). */
    int lw = clampi(cols - 66, five + 2, layout_cols_width_all() + 2);
    int rw = cols - lw;
    /* Markers: 11 IHC rows + 4 molecular + headings want ~21 rows; detail
     * takes the rest of the top; recommendations get the bottom (at
     * least 5 rows). */
    int top = h * 11 / 20;
    if (top < 8) top = 8;
    if (h - top < 5) top = h - 5;
    int mw = clampi(rw * 2 / 5, LAYOUT_MARKERS_MIN_W, 40);
    out->pane[PANE_LIST] = mk(0, 0, h, lw);
    out->pane[PANE_DETAIL] = mk(0, lw, top, rw - mw);
    out->pane[PANE_MARKERS] = mk(0, lw + rw - mw, top, mw);
    out->pane[PANE_RECS] = mk(top, lw, h - top, rw);
}
