/* tui/statsview.h - the cohort statistics view (ui.md "Cohort statistics",
 * issue 5 item 3), opened by the interface with `v`.
 *
 * The view computes its numbers with the same module as `imtreview stats`
 * (core/stats.h), so what is drawn agrees with `stats --json` for the same
 * filter.  The plotting arithmetic is kept in pure functions below so it
 * can be unit-tested without a terminal. */
#ifndef IMT_STATSVIEW_H
#define IMT_STATSVIEW_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include "store/store.h"
#include "core/filter.h"
#include "tui/theme.h"

struct statsview_env {
    imt_store        *store;
    const imt_filter *filter;
    bool              utf8;      /* braille + box drawing; false = ASCII  */
    /* attribute (ncurses attr_t as int) for a theme role (the view uses
     * pane_title, plot_axis, plot_curve_1..4, level_warning, status and
     * normal); NULL = A_REVERSE / A_BOLD defaults */
    int             (*attr)(void *ctx, theme_role role);
    void             *attr_ctx;
    const char       *export_dir; /* where `x` writes its CSV; NULL = "." */
    /* set (non-zero) by the caller's SIGHUP/SIGTERM/SIGINT handler: the
     * view closes at once; NULL = none */
    const volatile sig_atomic_t *stop;
    /* reads a key (the interface's tui_getkey, which drops the tail of a
     * split escape sequence); NULL = getch() */
    int             (*getkey)(void *ctx);
    void             *getkey_ctx;
};

/* Run the view until the user closes it (v, Esc, q), *stop is set, or the
 * terminal's input fails (it is gone).  Assumes curses is
 * initialised (keypad on).  Returns 0, or -1 when the store failed (the
 * message was shown in the view). */
int statsview_run(struct statsview_env *env);

/* The view's keys are rows of the key table (tui/keys.h, context KC_STATS),
 * so `?` and the man page list them. */

/* ---- pure plotting helpers (tested in tests/unit/test_statsview.c) ---- */

/* Map t in [0, tmax] onto dot columns 0..ndots-1 (rounded, clamped). */
int sv_scale_time(double t, double tmax, int ndots);
/* Map S in [0, 1] onto dot rows, row 0 = top (S = 1), ndots-1 = S = 0. */
int sv_scale_surv(double s, int ndots);
/* Braille: bit for the dot at (x, y) inside a 2x4 cell (x 0..1, y 0..3),
 * Unicode order (U+2800 + bits). */
unsigned sv_braille_bit(int x, int y);
/* Encode code point cp (< 0x10000) as UTF-8 into out (>= 4 bytes), NUL
 * terminated; returns the byte count. */
int sv_utf8_encode(unsigned cp, char *out);

/* A dot canvas of w x h dots (w = 2*cols, h = 4*rows in braille mode). */
typedef struct {
    int w, h;
    unsigned char *dots;   /* w*h, value = curve index + 1, 0 = empty */
} sv_canvas;

int  sv_canvas_init(sv_canvas *c, int w, int h);
void sv_canvas_free(sv_canvas *c);
void sv_canvas_set(sv_canvas *c, int x, int y, int val);
/* Rasterise a right-continuous step function starting at S = 1 at t = 0:
 * times[i], surv[i] for i < n (S drops to surv[i] at times[i]); the line is
 * drawn up to tend.  Vertical drops are drawn too. */
void sv_raster_step(sv_canvas *c, const double *times, const double *surv,
                    int n, double tend, double tmax, int val);

#endif
