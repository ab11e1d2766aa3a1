/* tui/statsview.c - the cohort statistics view (ui.md "Cohort statistics",
 * issue 5 item 3).  Numbers come from core/stats.c, the same module as
 * `imtreview stats`, through the same cohort/report structs, so the view
 * and `stats --json` agree for the same filter. */
#define _POSIX_C_SOURCE 200809L
#include "tui/statsview.h"

#include <curses.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/atomicfile.h"
#include "tui/keys.h"
#include "core/stats.h"
#include "core/textw.h"

/* ---- pure plotting helpers ----------------------------------------- */

int sv_scale_time(double t, double tmax, int ndots)
{
    if (ndots <= 1 || !(tmax > 0)) return 0;
    double x = t / tmax * (ndots - 1);
    if (!(x > 0)) return 0;               /* also NaN */
    if (x >= ndots - 1) return ndots - 1;
    return (int)lround(x);
}

int sv_scale_surv(double s, int ndots)
{
    if (ndots <= 1) return 0;
    if (!(s < 1)) return 0;
    if (!(s > 0)) return ndots - 1;
    return (int)lround((1.0 - s) * (ndots - 1));
}

/* Unicode braille: dots 1-2-3 down the left column are bits 0,1,2, dots
 * 4-5-6 the right column bits 3,4,5, the bottom row dots 7 and 8 bits 6
 * and 7 (Unicode 3.0, Braille Patterns block). */
unsigned sv_braille_bit(int x, int y)
{
    static const unsigned char bit[4][2] = {
        { 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 }
    };
    if (x < 0 || x > 1 || y < 0 || y > 3) return 0;
    return bit[y][x];
}

int sv_utf8_encode(unsigned cp, char *out)
{
    int n;
    if (cp < 0x80) { out[0] = (char)cp; n = 1; }
    else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else {
        cp &= 0xFFFF;
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    }
    out[n] = 0;
    return n;
}

int sv_canvas_init(sv_canvas *c, int w, int h)
{
    c->w = w > 0 ? w : 0;
    c->h = h > 0 ? h : 0;
    c->dots = calloc((size_t)c->w * (size_t)c->h + 1, 1);
    return c->dots ? 0 : -1;
}

void sv_canvas_free(sv_canvas *c)
{
    free(c->dots);
    c->dots = NULL;
    c->w = c->h = 0;
}

void sv_canvas_set(sv_canvas *c, int x, int y, int val)
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h) return;
    c->dots[(size_t)y * (size_t)c->w + (size_t)x] = (unsigned char)val;
}

static void cv_hline(sv_canvas *c, int x0, int x1, int y, int val)
{
    for (int x = x0; x <= x1; x++) sv_canvas_set(c, x, y, val);
}

static void cv_vline(sv_canvas *c, int x, int y0, int y1, int val)
{
    if (y0 > y1) { int t = y0; y0 = y1; y1 = t; }
    for (int y = y0; y <= y1; y++) sv_canvas_set(c, x, y, val);
}

void sv_raster_step(sv_canvas *c, const double *times, const double *surv,
                    int n, double tend, double tmax, int val)
{
    double s = 1.0, t = 0.0;
    for (int i = 0; i <= n; i++) {
        double tn = i < n ? times[i] : tend;
        if (tn > tend) tn = tend;
        int x0 = sv_scale_time(t, tmax, c->w), x1 = sv_scale_time(tn, tmax, c->w);
        int y = sv_scale_surv(s, c->h);
        cv_hline(c, x0, x1, y, val);
        if (i == n || times[i] > tend) break;
        if (surv[i] != s) {
            cv_vline(c, x1, y, sv_scale_surv(surv[i], c->h), val);
            s = surv[i];
        }
        t = tn;
    }
}

/* ---- the view ------------------------------------------------------ */

/* Reading a million cases takes a good part of a second: the view reads
 * them in slices from its own loop (a store walk over the few columns
 * the statistics use), looks at the keyboard between slices, and shows
 * the numbers so far every SV_DRAW_MS, marked as such, until the last
 * case is in.  Esc (or v, q) gives up at once; g and e start again. */
#define SV_SLICE_ROWS 2048   /* cases per store_walk_step                  */
#define SV_SLICE_MS   12     /* work between two looks at the keyboard     */
#define SV_DRAW_MS    200    /* numbers so far redrawn this often          */

/* The agents `a` cycles through (stats --agent names); "" = any. */
static const char *const sv_agents[] = {
    "", "alk_tki", "ros1_tki", "crizotinib", "alectinib", "ceritinib", "brigatinib",
    "lorlatinib", "entrectinib", "chemo", "radiotherapy", "corticosteroid", "nsaid",
    "checkpoint_inhibitor" };
#define SV_NAGENTS ((int)(sizeof sv_agents / sizeof sv_agents[0]))
#define SV_MAXLINE 4

typedef struct {
    struct statsview_env *env;
    stats_endpoint ep;
    int line;               /* 0 = each case's first line, else 1..SV_MAXLINE */
    int agent;              /* index into sv_agents                    */
    int by;                 /* BY_NONE .. BY_N-1 */
    int pane;               /* 0 survival, 1 ALK by site, 2 warnings */
    stats_cohort co;
    stats_report r;
    bool have;              /* r holds numbers (so far, while computing) */
    bool cohort;            /* co is initialised                          */
    store_walk *walk;       /* the cases being read, or NULL              */
    long expect;            /* cases the filter passes (progress), or -1  */
    char msg[300];
} sv_state;

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The curves take plot_curve_1..4 in turn (TR_PLOT_CURVE_1 + i % 4). */
_Static_assert(TR_PLOT_CURVE_4 == TR_PLOT_CURVE_1 + 3,
               "the theme's plot_curve roles are consecutive");

static int attr_of(sv_state *s, theme_role role)
{
    if (s->env->attr) return s->env->attr(s->env->attr_ctx, role);
    switch (role) {
    case TR_PANE_TITLE: case TR_STATUS: return (int)A_REVERSE;
    case TR_LEVEL_WARNING: return (int)A_BOLD;
    case TR_PLOT_CURVE_2: case TR_PLOT_CURVE_4: return (int)A_BOLD;
    default: return (int)A_NORMAL;
    }
}

static int add_case(void *ctx, const imt_case *c, const imt_course *co)
{
    return stats_cohort_add_course(ctx, c, co) ? 1 : 0;
}

/* Drop the numbers and any walk in progress. */
static void compute_stop(sv_state *s)
{
    store_walk_close(s->walk);
    s->walk = NULL;
    if (s->have) stats_report_free(&s->r);
    if (s->cohort) stats_cohort_free(&s->co);
    s->have = s->cohort = false;
}

static bool computing(const sv_state *s)
{
    return s->walk != NULL;
}

/* Start reading the filtered cases for the current endpoint and grouping. */
static int compute_start(sv_state *s)
{
    compute_stop(s);
    stats_cohort_init(&s->co, s->ep, (stats_by)s->by);
    s->cohort = true;
    stats_cohort_select(&s->co, s->line, sv_agents[s->agent][0] ? sv_agents[s->agent] : NULL);
    int fields[IMT_F_COUNT];
    int nf = stats_cohort_fields(&s->co, fields, IMT_F_COUNT);
    s->expect = store_count(s->env->store, s->env->filter);
    s->walk = store_walk_open(s->env->store, s->env->filter, fields, nf, true);
    if (!s->walk) {
        snprintf(s->msg, sizeof s->msg, "statistics failed: %s", store_errmsg(s->env->store));
        compute_stop(s);
        return -1;
    }
    return 0;
}

/* The numbers of the cases read so far (or of all of them once done). */
static int compute_report(sv_state *s)
{
    if (s->have) stats_report_free(&s->r);
    s->have = false;
    if (stats_report_compute(&s->co, &s->r) != 0) {
        stats_report_free(&s->r);
        snprintf(s->msg, sizeof s->msg, "statistics failed: out of memory");
        return -1;
    }
    s->have = true;
    return 0;
}

/* Read cases for about SV_SLICE_MS.  Returns 1 while more remain, 0 once
 * the numbers are complete, -1 on failure (message in s->msg). */
static int compute_slice(sv_state *s)
{
    long t0 = now_ms();
    for (;;) {
        int rc = store_walk_step(s->walk, SV_SLICE_ROWS, add_case, &s->co);
        if (rc == 0) {
            store_walk_close(s->walk);
            s->walk = NULL;
            if (compute_report(s) != 0) {
                compute_stop(s);
                return -1;
            }
            return 0;
        }
        if (rc != 1) {
            snprintf(s->msg, sizeof s->msg, "statistics failed: %s",
                     rc < 0 ? store_errmsg(s->env->store) : "out of memory");
            compute_stop(s);
            return -1;
        }
        if (now_ms() - t0 >= SV_SLICE_MS) return 1;
    }
}

/* The curves shown: the groups, or the whole cohort when ungrouped. */
static int ncurves(const sv_state *s)
{
    return s->r.ngroups ? s->r.ngroups : 1;
}

static const stats_km *curve_km(const sv_state *s, int i)
{
    return s->r.ngroups ? &s->r.groups[i].km : &s->r.km;
}

static const char *curve_name(const sv_state *s, int i)
{
    return s->r.ngroups ? s->r.groups[i].name : "all";
}

/* A name cut to exactly cols columns: an ellipsis ("~" in ASCII mode)
 * where it is cut, never a silently shortened word, padded with spaces
 * (ui.md: cut text ends with an ellipsis). */
static const char *fit_name(const sv_state *s, const char *name, int cols,
                            char *buf, size_t n)
{
    textw_fit(name ? name : "", cols, !s->env->utf8, true, buf, n);
    return buf;
}

static const char ascii_glyph[] = "*o#x@%&=~^";

/* Each curve has its own mark (and a colour, which repeats after four):
 * the legend, the at-risk rows and a label at the end of the curve use
 * it, so curves stay apart on a monochrome terminal and in braille. */
static void put_curve_glyph(sv_state *s, int i, int y, int x)
{
    attrset((attr_t)attr_of(s, TR_PLOT_CURVE_1 + i % 4) | A_BOLD);
    mvaddch(y, x, (chtype)ascii_glyph[i % 10]);
    attrset(A_NORMAL);
}

static void fmt_p(double p, char *buf, size_t n)
{
    if (!isfinite(p)) snprintf(buf, n, "-");
    else if (p < 0.0001) snprintf(buf, n, "%.2e", p);
    else snprintf(buf, n, "%.4f", p);
}

/* printf at (y, x), clipped to w columns (the text here is ASCII). */
static void pr(int y, int x, int w, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void pr(int y, int x, int w, const char *fmt, ...)
{
    char b[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (w > 0) mvaddnstr(y, x, b, w);
}

/* Number at risk at t: the n_risk of the first row with time >= t, or 0. */
static long at_risk(const stats_km *k, double t)
{
    for (size_t j = 0; j < k->nrows; j++)
        if (k->rows[j].time >= t) return k->rows[j].n_risk;
    return 0;
}

/* Where the label of quarter q (0..4) of a pw-column axis starts: centred
 * on its tick, the last one flush right. */
static int tick_x(int px, int pw, int q, int len)
{
    if (q == 4) return px + pw - len;
    return px + (pw - 1) * q / 4 - (q ? len / 2 : 0);
}

/* Whether labels every step quarters (1, 2 or 4) leave at least one
 * blank column between neighbours, on the time axis and on every
 * at-risk row: "141" and "91" must never run together into "14191". */
static bool ticks_fit(const sv_state *s, int pw, double tmax, int step)
{
    for (int row = -1; row < ncurves(s); row++) {
        int end = -2;
        for (int q = 0; q <= 4; q += step) {
            char b[32];
            if (row < 0) snprintf(b, sizeof b, "%.0f", tmax * q / 4);
            else snprintf(b, sizeof b, "%ld", at_risk(curve_km(s, row), tmax * q / 4));
            int len = (int)strlen(b), x = tick_x(0, pw, q, len);
            if (x < 0 || x <= end) return false;
            end = x + len;
        }
    }
    return true;
}

/* The step between labelled quarters: 1 (0, 1/4, ... ), 2 (0, 1/2, 1),
 * 4 (both ends), or 8 (the start only) when the plot is that narrow. */
static int tick_step(const sv_state *s, int pw, double tmax)
{
    for (int step = 1; step <= 4; step *= 2)
        if (ticks_fit(s, pw, tmax, step)) return step;
    return 8;
}

static void draw_plot(sv_state *s, int top, int left, int rows, int cols)
{
    /* y axis: 5 columns of labels */
    int pw = cols - 6, ph = rows;
    if (pw < 10 || ph < 3) return;
    int px = left + 6;
    for (int r = 0; r < ph; r++) {
        double sv = 1.0 - (double)r / (ph - 1);
        bool label = r == 0 || r == ph - 1 || r == (ph - 1) / 2;
        if (label) mvprintw(top + r, left, "%4.2f", sv);
        mvaddstr(top + r, left + 5, s->env->utf8 ? (label ? "\xe2\x94\xa4" : "\xe2\x94\x82") : "|");
    }
    mvaddstr(top + ph, left + 5, s->env->utf8 ? "\xe2\x94\x94" : "+");
    for (int x = 0; x < pw; x++)
        mvaddstr(top + ph, px + x, s->env->utf8 ? "\xe2\x94\x80" : "-");
    /* time axis range: the longest follow-up */
    double tmax = 0;
    for (int i = 0; i < ncurves(s); i++) {
        const stats_km *k = curve_km(s, i);
        if (k->nrows) tmax = fmax(tmax, k->rows[k->nrows - 1].time);
    }
    if (!(tmax > 0)) tmax = 12;
    /* tick labels at the quarters (months), where the at-risk table
     * counts too */
    int step = tick_step(s, pw, tmax);
    for (int q = 0; q <= 4; q += step) {
        char b[32];
        snprintf(b, sizeof b, "%.0f", tmax * q / 4);
        mvaddstr(top + ph + 1, tick_x(px, pw, q, (int)strlen(b)), b);
    }
    mvaddstr(top + ph + 1, left, "mo");

    int sx = s->env->utf8 ? 2 : 1, sy = s->env->utf8 ? 4 : 1;
    sv_canvas cv;
    if (sv_canvas_init(&cv, pw * sx, ph * sy)) return;
    sv_canvas marks;
    if (sv_canvas_init(&marks, pw * sx, ph * sy)) { sv_canvas_free(&cv); return; }
    for (int i = 0; i < ncurves(s); i++) {
        const stats_km *k = curve_km(s, i);
        if (!k->nrows) continue;
        double *t = malloc(k->nrows * sizeof *t), *sv = malloc(k->nrows * sizeof *sv);
        if (!t || !sv) { free(t); free(sv); continue; }
        for (size_t j = 0; j < k->nrows; j++) { t[j] = k->rows[j].time; sv[j] = k->rows[j].surv; }
        sv_raster_step(&cv, t, sv, (int)k->nrows, k->rows[k->nrows - 1].time, tmax, i + 1);
        for (size_t j = 0; j < k->nrows; j++)
            if (k->rows[j].n_censor > 0) {
                int x = sv_scale_time(t[j], tmax, cv.w), y = sv_scale_surv(sv[j], cv.h);
                if (s->env->utf8) { sv_canvas_set(&cv, x, y - 1, i + 1); sv_canvas_set(&cv, x, y - 2, i + 1); }
                else sv_canvas_set(&marks, x, y, i + 1);
            }
        free(t);
        free(sv);
    }
    for (int r = 0; r < ph; r++)
        for (int c = 0; c < pw; c++) {
            unsigned bits = 0;
            int who = 0;
            for (int dy = 0; dy < sy; dy++)
                for (int dx = 0; dx < sx; dx++) {
                    int v = cv.dots[(size_t)(r * sy + dy) * (size_t)cv.w + (size_t)(c * sx + dx)];
                    if (v) { bits |= sv_braille_bit(dx, dy); who = v; }
                }
            int mk = s->env->utf8 ? 0 : marks.dots[(size_t)r * (size_t)marks.w + (size_t)c];
            if (!who && !mk) continue;
            attrset((attr_t)attr_of(s, TR_PLOT_CURVE_1 + ((mk ? mk : who) - 1) % 4));
            if (s->env->utf8) {
                char u[8];
                sv_utf8_encode(0x2800 + bits, u);
                mvaddstr(top + r, px + c, u);
            } else {
                mvaddch(top + r, px + c, mk ? '+' : (chtype)ascii_glyph[(who - 1) % 10]);
            }
            attrset(A_NORMAL);
        }
    /* the curve's mark where it ends */
    for (int i = 0; i < ncurves(s); i++) {
        const stats_km *k = curve_km(s, i);
        if (!k->nrows) continue;
        const stats_km_row *last = &k->rows[k->nrows - 1];
        int x = sv_scale_time(last->time, tmax, cv.w) / sx;
        int y = sv_scale_surv(last->surv, cv.h) / sy;
        put_curve_glyph(s, i, top + y, px + x);
    }
    sv_canvas_free(&cv);
    sv_canvas_free(&marks);
}

static void draw_atrisk(sv_state *s, int top, int left, int rows, int cols, double tmax)
{
    int pw = cols - 6, px = left + 6;
    mvaddstr(top, left, "At risk");
    int n = ncurves(s);
    /* rows - 1 lines under the heading; when the groups do not all fit,
     * the last line says how many are left out (on its own line: it
     * never covers a group's numbers) */
    int shown = n <= rows - 1 ? n : rows - 2;
    if (shown < 0) shown = 0;
    int step = pw >= 10 ? tick_step(s, pw, tmax) : 8;
    for (int i = 0; i < shown; i++) {
        const stats_km *k = curve_km(s, i);
        put_curve_glyph(s, i, top + 1 + i, left);
        char nm[64];
        mvaddstr(top + 1 + i, left + 1, fit_name(s, curve_name(s, i), 4, nm, sizeof nm));
        for (int q = 0; q <= 4; q += step) {
            char b[16];
            snprintf(b, sizeof b, "%ld", at_risk(k, tmax * q / 4));
            mvaddstr(top + 1 + i, tick_x(px, pw, q, (int)strlen(b)), b);
        }
    }
    if (shown < n && rows >= 2)
        pr(top + 1 + shown, left + 1, cols - 1, "... %d more groups",
           n - shown);
}

static double plot_tmax(const sv_state *s)
{
    double tmax = 0;
    for (int i = 0; i < ncurves(s); i++) {
        const stats_km *k = curve_km(s, i);
        if (k->nrows) tmax = fmax(tmax, k->rows[k->nrows - 1].time);
    }
    return tmax > 0 ? tmax : 12;
}

static void s_cell(char *b, size_t n, double v)
{
    if (isfinite(v)) snprintf(b, n, "%5.2f", v);
    else snprintf(b, n, "%5s", "-");
}

/* Lines a warning takes when wrapped at w columns. */
static int wrap_lines(const char *t, int w)
{
    int n = 0;
    while (*t && w > 4) {
        int len = (int)strlen(t), cut = len > w - 2 ? w - 2 : len;
        if (cut < len)
            for (int k = cut; k > cut / 2; k--)
                if (t[k] == ' ') { cut = k; break; }
        t += cut;
        while (*t == ' ') t++;
        n++;
    }
    return n;
}

/* The warnings, wrapped.  When they do not all fit, the last line says
 * how many are left and that Tab shows them all: never a hidden result. */
static int draw_warnings(sv_state *s, int top, int left, int rows, int w)
{
    int y = top, end = top + rows;
    attrset((attr_t)attr_of(s, TR_LEVEL_WARNING));
    for (int i = 0; i < s->r.nwarn && y < end; i++) {
        const char *t = s->r.warn[i];
        int need = wrap_lines(t, w);
        if (y + need > end || (i + 1 < s->r.nwarn && y + need == end)) {
            pr(y++, left, w, "! %d more warning%s: Tab", s->r.nwarn - i,
               s->r.nwarn - i == 1 ? "" : "s");
            break;
        }
        int first = 1;
        while (*t && w > 4) {
            int n = (int)strlen(t), cut = n > w - 2 ? w - 2 : n;
            if (cut < n)
                for (int k = cut; k > cut / 2; k--)
                    if (t[k] == ' ') { cut = k; break; }
            pr(y++, left, w, "%s %.*s", first ? "!" : " ", cut, t);
            t += cut;
            while (*t == ' ') t++;
            first = 0;
        }
    }
    attrset(A_NORMAL);
    return y - top;
}

static int draw_survival_pane(sv_state *s, int top, int left, int rows, int w)
{
    int y = top, end = top + rows;
    pr(y++, left, w, "Survival   1y    3y    5y   10y");
    for (int i = 0; i < ncurves(s) && y < end; i++, y++) {
        const stats_at *at = s->r.ngroups ? s->r.groups[i].at : s->r.at;
        put_curve_glyph(s, i, y, left);
        char nm[64];
        mvaddstr(y, left + 2, fit_name(s, curve_name(s, i), 8, nm, sizeof nm));
        for (int q = 0; q < 4; q++) {
            char b[16];
            s_cell(b, sizeof b, at[q].surv);
            mvaddstr(y, left + 10 + q * 6, b);
        }
    }
    if (y < end) {
        pr(y++, left, w, "Median (mo) / n / events");
    }
    for (int i = 0; i < ncurves(s) && y < end; i++, y++) {
        double m = s->r.ngroups ? s->r.groups[i].median : s->r.median;
        long n = s->r.ngroups ? s->r.groups[i].n : s->r.n_used;
        long e = s->r.ngroups ? s->r.groups[i].events : s->r.events;
        char b[16], nm[64];
        if (isfinite(m)) snprintf(b, sizeof b, "%.1f", m); else snprintf(b, sizeof b, "n.r.");
        pr(y, left + 2, w - 2, "%s %7s %5ld %5ld", fit_name(s, curve_name(s, i), 8, nm, sizeof nm),
           b, n, e);
    }
    if (y < end) {
        char p[32];
        if (s->r.has_logrank) {
            fmt_p(s->r.p, p, sizeof p);
            pr(y++, left, w, "Log-rank p = %s", p);
            if (y < end) pr(y++, left, w, "  chi-square %.2f, df %d", s->r.chisq, s->r.df);
        } else if (s->by != BY_NONE) pr(y++, left, w, "Log-rank: no test");
        else pr(y++, left, w, "Log-rank: press g to group");
    }
    if (y < end && s->r.has_fisher) {
        char p[32];
        fmt_p(s->r.fisher_p, p, sizeof p);
        pr(y++, left, w, "Fisher exact p = %s", p);
    }
    y += draw_warnings(s, y, left, end - y, w);
    return y - top;
}

static int draw_alk_pane(sv_state *s, int top, int left, int rows, int w)
{
    int y = top, end = top + rows;
    pr(y++, left, w, "Site       pos neg unk ALK+%% (95%% CI)");
    const char *const *sites = imt_fields[IMT_F_site].values;
    for (int i = 0; i <= SITE_N && y < end; i++) {
        const long *c = s->co.site_alk[i];
        if (c[0] + c[1] + c[2] == 0) continue;
        double lo, hi;
        long tested = c[ALK_POSITIVE] + c[ALK_NEGATIVE];
        char nm[64];
        pr(y, left, w, "%s%4ld%4ld%4ld",
           fit_name(s, i < SITE_N ? sites[i] : "unknown", 10, nm, sizeof nm),
                 c[ALK_POSITIVE], c[ALK_NEGATIVE], c[ALK_UNKNOWN]);
        if (stats_wilson(c[ALK_POSITIVE], tested, &lo, &hi) == 0)
            pr(y, left + 22, w - 22, "%4.0f (%.0f-%.0f)", 100.0 * c[ALK_POSITIVE] / tested,
                     100 * lo, 100 * hi);
        else pr(y, left + 22, w - 22, "   -");
        y++;
    }
    if (y < end) pr(y++, left, w, "ALK+%% of tested (Wilson 95%% CI)");
    /* best response per agent (the lines the selection takes) */
    bool any = false;
    for (int a = 0; a < AG_N; a++) any = any || s->co.resp[a].lines;
    if (any && y + 1 < end) {
        y++;
        pr(y++, left, w, "Best response  lines CR PR SD PD  ORR");
        for (int a = 0; a < AG_N && y < end; a++) {
            const stats_resp *R = &s->co.resp[a];
            if (!R->lines) continue;
            char nm[64], orr[16];
            long resp = R->best[RESP_CR] + R->best[RESP_PR];
            if (R->assessed) snprintf(orr, sizeof orr, "%3.0f%%", 100.0 * resp / R->assessed);
            else snprintf(orr, sizeof orr, "   -");
            pr(y++, left, w, "%s%5ld%3ld%3ld%3ld%3ld %s",
               fit_name(s, ev_agent_names[a], 14, nm, sizeof nm), R->lines,
               R->best[RESP_CR], R->best[RESP_PR], R->best[RESP_SD], R->best[RESP_PD], orr);
        }
    }
    return y - top;
}

/* "computing the statistics: 35% of the cases read (350000 of 1000000)...
 * Esc cancels" */
static void progress(const sv_state *s, char *buf, size_t n)
{
    long seen = s->walk ? store_walk_seen(s->walk) : 0;
    const char *dots = s->env->utf8 ? "\xE2\x80\xA6" : "...";
    if (s->expect > 0)
        snprintf(buf, n, "computing the statistics: %ld%% of the cases read (%ld of %ld)%s "
                 "Esc cancels", seen >= s->expect ? 99 : seen * 100 / s->expect, seen,
                 s->expect, dots);
    else
        snprintf(buf, n, "computing the statistics: %ld cases read%s Esc cancels", seen, dots);
}

static void draw(sv_state *s)
{
    erase();
    int H = LINES, W = COLS;
    if (H < 15 || W < 60) {
        mvaddstr(0, 0, "Terminal too small for the statistics view");
        mvaddstr(1, 0, "(need 60x15; v or q closes)");
        refresh();
        return;
    }
    attrset((attr_t)attr_of(s, TR_PANE_TITLE));
    mvhline(0, 0, ' ', W);
    /* The filters hold typed search text: through the sanitiser like
     * every other text (ASCII only in ASCII mode), cut with an ellipsis
     * to a third of the line, never in the middle of a character. */
    char head[200], fd[256], fdfit[TEXTW_BUFSIZE(256)], ep[16], sel[80] = "";
    snprintf(ep, sizeof ep, "%s", stats_endpoint_name(s->ep));
    for (char *p = ep; *p; p++) *p = (char)(*p - 'a' + 'A');
    if (stats_endpoint_per_line(s->ep)) {
        char ln[16];
        if (s->line) snprintf(ln, sizeof ln, "line %d", s->line);
        else snprintf(ln, sizeof ln, "1st line");
        snprintf(sel, sizeof sel, " (%s%s%s)", ln, sv_agents[s->agent][0] ? ", " : "",
                 sv_agents[s->agent]);
    }
    snprintf(head, sizeof head, " Kaplan-Meier %s%s%s%s  n=%ld used=%ld events=%ld  %s",
             ep, sel, s->by == BY_NONE ? "" : " by ",
             s->by == BY_NONE ? "" : stats_by_name((stats_by)s->by),
             s->r.n, s->r.n_used, s->r.events, computing(s) ? "(so far)  " : "");
    pr(0, 0, W, "%s", head);                    /* ASCII */
    int room = W - (int)strlen(head);
    if (room > W / 3) room = W / 3;
    filter_describe(s->env->filter, fd, sizeof fd);
    if (room > 0) {
        textw_fit(fd, room, !s->env->utf8, false, fdfit, sizeof fdfit);
        mvaddstr(0, (int)strlen(head), fdfit);
    }
    attrset(A_NORMAL);
    int side = W >= 100 ? 40 : 36;
    int plotw = W - side - 1;
    int nc = ncurves(s);
    int atrows = nc + 1;
    /* the plot keeps at least half the rows (5 at least); the at-risk
     * table gets the rest, up to one row per curve */
    int plot_min = (H - 4) / 2 > 5 ? (H - 4) / 2 : 5;
    if (atrows > H - 4 - plot_min) atrows = H - 4 - plot_min > 2 ? H - 4 - plot_min : 2;
    int ph = H - 1 - 2 - atrows - 1;
    draw_plot(s, 1, 0, ph, plotw);
    draw_atrisk(s, 1 + ph + 2, 0, atrows, plotw, plot_tmax(s));
    int sl = plotw + 1, rows = H - 2;
    if (s->pane == 2) {
        pr(1, sl, side, "Warnings (%d)", s->r.nwarn);
        if (draw_warnings(s, 2, sl, rows - 1, side) == 0) pr(2, sl, side, "none");
    } else if (s->pane == 0 || H >= 40) {
        int used = draw_survival_pane(s, 1, sl, rows, side);
        if (H >= 40) draw_alk_pane(s, 2 + used, sl, rows - used - 1, side);
    } else {
        draw_alk_pane(s, 1, sl, rows, side);
    }
    attrset((attr_t)attr_of(s, TR_STATUS));
    mvhline(H - 1, 0, ' ', W);
    char prog[160];
    progress(s, prog, sizeof prog);
    pr(H - 1, 0, W, " %s", s->msg[0] ? s->msg : computing(s) ? prog
             : stats_endpoint_per_line(s->ep)
               ? "g group  e endpoint  l line  a agent  x export  Tab pane  v/q close"
               : "g group  e endpoint  x export CSV  Tab pane  v/q close");
    attrset(A_NORMAL);
    refresh();
}

/* Only the bottom line: how far the reading is (at the start and after
 * g or e, before the first slice, so the screen never sits still
 * without a word while a million cases are read). */
static void draw_progress(sv_state *s)
{
    if (LINES <= 0 || COLS <= 0) return;
    char prog[160];
    progress(s, prog, sizeof prog);
    attrset((attr_t)attr_of(s, TR_STATUS));
    mvhline(LINES - 1, 0, ' ', COLS);
    pr(LINES - 1, 0, COLS, " %s", prog);
    attrset(A_NORMAL);
    refresh();
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, ",%.17g", v);
    else fputs(",", f);
}

static void csv_km(FILE *f, const char *group, const stats_km *k)
{
    for (size_t j = 0; j < k->nrows; j++) {
        const stats_km_row *r = &k->rows[j];
        fprintf(f, "km,%s", group);
        csv_num(f, r->time);
        fprintf(f, ",%ld,%ld,%ld", r->n_risk, r->n_event, r->n_censor);
        csv_num(f, r->surv);
        csv_num(f, r->se);
        csv_num(f, r->lower);
        csv_num(f, r->upper);
        fputc('\n', f);
    }
}

/* Write the numbers behind the view to dir/imtreview-stats-*.csv through
 * a temporary file and rename(), so a reader never sees half a file. */
static int export_csv(sv_state *s, char *path, size_t n)
{
    const char *dir = s->env->export_dir ? s->env->export_dir : ".";
    char stamp[32];
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tmv);
    snprintf(path, n, "%s/imtreview-stats-%s-%s-%s.csv", dir,
             stats_endpoint_name(s->ep), stats_by_name((stats_by)s->by), stamp);
    atomic_file af;
    if (af_open(&af, path) != 0) return -1;
    FILE *f = af.f;
    fprintf(f, "section,group,time,n_risk,n_event,n_censor,survival,se,lower,upper\n");
    csv_km(f, "all", &s->r.km);
    for (int g = 0; g < s->r.ngroups; g++) csv_km(f, s->r.groups[g].name, &s->r.groups[g].km);
    for (int g = -1; g < s->r.ngroups; g++) {
        const stats_at *at = g < 0 ? s->r.at : s->r.groups[g].at;
        for (int q = 0; q < STATS_NLANDMARKS; q++) {
            fprintf(f, "at,%s", g < 0 ? "all" : s->r.groups[g].name);
            csv_num(f, at[q].months);
            fputs(",,,", f);
            csv_num(f, at[q].surv);
            fputs(",", f);
            csv_num(f, at[q].lower);
            csv_num(f, at[q].upper);
            fputc('\n', f);
        }
    }
    fprintf(f, "\nsection,group,n,events,observed,expected,median_months\n");
    for (int g = -1; g < s->r.ngroups; g++) {
        const stats_group *G = g < 0 ? NULL : &s->r.groups[g];
        fprintf(f, "group,%s,%ld,%ld", G ? G->name : "all", G ? G->n : s->r.n_used,
                G ? G->events : s->r.events);
        csv_num(f, G ? G->observed : NAN);
        csv_num(f, G ? G->expected : NAN);
        csv_num(f, G ? G->median : s->r.median);
        fputc('\n', f);
    }
    if (s->r.has_logrank) {
        fprintf(f, "\nsection,chisq,df,p\nlogrank,%.17g,%d,%.17g\n", s->r.chisq, s->r.df, s->r.p);
    }
    if (s->r.has_fisher)
        fprintf(f, "\nsection,a,b,c,d,p\nfisher,%ld,%ld,%ld,%ld,%.17g\n", s->r.table[0][0],
                s->r.table[0][1], s->r.table[1][0], s->r.table[1][1], s->r.fisher_p);
    bool anyr = false;
    for (int a = 0; a < AG_N; a++) anyr = anyr || s->co.resp[a].lines;
    if (anyr) {
        fprintf(f, "\nsection,agent,lines,assessed,CR,PR,SD,PD,NE,orr,wilson_lower,wilson_upper\n");
        for (int a = 0; a < AG_N; a++) {
            const stats_resp *R = &s->co.resp[a];
            if (!R->lines) continue;
            fprintf(f, "responses,%s,%ld,%ld", ev_agent_names[a], R->lines, R->assessed);
            for (int b = 0; b < RESP_N; b++) fprintf(f, ",%ld", R->best[b]);
            long resp = R->best[RESP_CR] + R->best[RESP_PR];
            double lo, hi;
            if (stats_wilson(resp, R->assessed, &lo, &hi) == 0) {
                csv_num(f, (double)resp / (double)R->assessed);
                csv_num(f, lo);
                csv_num(f, hi);
            } else fputs(",,,", f);
            fputc('\n', f);
        }
    }
    fprintf(f, "\nsection,site,alk_positive,alk_negative,alk_unknown,positivity,wilson_lower,wilson_upper\n");
    const char *const *sites = imt_fields[IMT_F_site].values;
    for (int i = 0; i <= SITE_N; i++) {
        const long *c = s->co.site_alk[i];
        if (c[0] + c[1] + c[2] == 0) continue;
        double lo, hi;
        long tested = c[ALK_POSITIVE] + c[ALK_NEGATIVE];
        fprintf(f, "counts,%s,%ld,%ld,%ld", i < SITE_N ? sites[i] : "unknown",
                c[ALK_POSITIVE], c[ALK_NEGATIVE], c[ALK_UNKNOWN]);
        if (stats_wilson(c[ALK_POSITIVE], tested, &lo, &hi) == 0) {
            csv_num(f, (double)c[ALK_POSITIVE] / tested);
            csv_num(f, lo);
            csv_num(f, hi);
        } else fputs(",,,", f);
        fputc('\n', f);
    }
    return af_commit(&af);
}

int statsview_run(struct statsview_env *env)
{
    sv_state s;
    memset(&s, 0, sizeof s);
    s.env = env;
    s.ep = EP_OS;
    s.by = BY_ALK_STATUS;
    int rc = compute_start(&s) ? -1 : 0;
    int errs = 0;
    bool dirty = true, fresh = true;    /* fresh: no numbers drawn since (re)starting */
    long last_draw = now_ms();
    if (computing(&s)) draw_progress(&s);
    while (!(env->stop && *env->stop)) {
        if (computing(&s)) {
            if (compute_slice(&s) < 0) rc = -1;
            long now = now_ms();
            /* the numbers so far after the first slice (a key is answered
             * by a frame at once), then every SV_DRAW_MS */
            if (computing(&s) && (fresh || now - last_draw >= SV_DRAW_MS)) {
                if (compute_report(&s) != 0) { compute_stop(&s); rc = -1; }
                dirty = true;
            }
            if (!computing(&s)) dirty = true;
            fresh = false;
        }
        if (dirty) {
            if (s.have) draw(&s);
            else if (computing(&s)) draw_progress(&s);
            else {
                erase();
                mvprintw(0, 0, "%.*s", COLS - 1, s.msg);
                mvaddstr(1, 0, "press q to close");
                refresh();
            }
            dirty = false;
            last_draw = now_ms();
        }
        /* While reading, only a look at the keyboard between slices. */
        wtimeout(stdscr, computing(&s) ? 0 : -1);
        errno = 0;
        int ch = env->getkey ? env->getkey(env->getkey_ctx) : getch();
        if (env->stop && *env->stop) break;
        if (ch == ERR) {
            if (computing(&s)) continue;          /* no key: read on */
            /* blocking getch fails only when interrupted or when the
             * terminal is gone: do not spin on a dead terminal */
            if (errno == EINTR && ++errs < 1000) continue;
            break;
        }
        errs = 0;
        dirty = true;
        key_action a = keys_lookup(KC_STATS, ch);
        if (a == ACT_SV_CLOSE) break;            /* also gives up a reading */
        if (!s.have && !computing(&s)) continue;
        s.msg[0] = 0;
        switch (a) {
        case ACT_SV_GROUP:
            s.by = s.by + 1 >= BY_N ? BY_NONE : s.by + 1;
            if (compute_start(&s)) rc = -1;
            else draw_progress(&s);
            fresh = true;
            break;
        case ACT_SV_ENDPOINT:
            s.ep = (stats_endpoint)((s.ep + 1) % EP_N);
            if (compute_start(&s)) rc = -1;
            else draw_progress(&s);
            fresh = true;
            break;
        case ACT_SV_LINE:
            s.line = (s.line + 1) % (SV_MAXLINE + 1);
            if (compute_start(&s)) rc = -1;
            else draw_progress(&s);
            fresh = true;
            break;
        case ACT_SV_AGENT:
            s.agent = (s.agent + 1) % SV_NAGENTS;
            if (compute_start(&s)) rc = -1;
            else draw_progress(&s);
            fresh = true;
            break;
        case ACT_SV_PANE:
            s.pane = (s.pane + 1) % 3;
            break;
        case ACT_SV_EXPORT: {
            if (computing(&s)) {
                snprintf(s.msg, sizeof s.msg, "not all cases are read yet: x again when done");
                break;
            }
            char path[4096];
            if (export_csv(&s, path, sizeof path) == 0)
                snprintf(s.msg, sizeof s.msg, "exported to %.250s", path);
            else
                snprintf(s.msg, sizeof s.msg, "export failed: %.200s", strerror(errno));
            break;
        }
        default: break;
        }
    }
    wtimeout(stdscr, -1);
    compute_stop(&s);
    return rc;
}
