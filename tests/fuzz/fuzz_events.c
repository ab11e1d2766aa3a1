/* fuzz_events.c - libFuzzer harness for the event-row parser
 * (core/events.h ev_parse_row) as `import --events` reaches it: the CSV
 * through csvimp_run in table mode (io/csvimport.h), each row through
 * ev_parse_row.  A row that parses is formatted back and parsed again
 * (it must give the same event: export --events round-trips byte for
 * byte), then kept; after the file the events form one course, which goes
 * through everything that reads a course: course_validate,
 * course_consistency, the time line, the lines, every endpoint, the
 * follow-up date and the course rules.
 * Byte 0: bit 0 ignore_unknown, bits 1-3 max_errors, bit 4 the case has a
 * diagnosis date, bits 5-6 its outcome (NED/AWD/DOD/LOST), bit 7 the
 * events header is put in front (so most inputs reach the rows).
 * See tests/fuzz/README.md. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include "io/csvimport.h"
#include "core/imtcase.h"
#include "core/events.h"
#include "core/followup.h"
#include "core/rules.h"
#include "fuzz_common.h"

#define MAX_EVENTS 64

static FILE *devnull;
static const char header[] =
    "case_id,date,type,line,agent,intent,reason,response,extent,site,detail\n";

typedef struct {
    imt_course co;
    long rows;
} state;

static void row_rep(void *ctx, int col, const char *msg) { (void)ctx; (void)col; (void)msg; }
static void course_rep(void *ctx, int ev, int col, const char *msg)
{
    (void)ctx; (void)ev; (void)col; (void)msg;
}
static void field_rep(void *ctx, int f, const char *msg) { (void)ctx; (void)f; (void)msg; }

static int row(void *ctx, csvimp *imp, const char *const *cells, long line)
{
    state *s = ctx;
    s->rows++;
    imt_event e;
    ev_init(&e);
    if (ev_parse_row(&e, cells, row_rep, NULL) != 0) {
        csvimp_error_col(imp, line, "type", "refused");
        ev_clear(&e);
        return -1;
    }
    /* the canonical cells parse to the same event */
    const char *again[EVC_N];
    char bufs[EVC_N][64];
    for (int c = 0; c < EVC_N; c++)
        again[c] = ev_cell(&e, c, bufs[c], sizeof bufs[c]);
    imt_event e2;
    ev_init(&e2);
    if (ev_parse_row(&e2, again, row_rep, NULL) != 0 || !ev_equal(&e, &e2))
        abort();
    ev_clear(&e2);
    imt_event e3;
    if (ev_copy(&e3, &e) == 0) {
        if (!ev_equal(&e, &e3))
            abort();
        ev_clear(&e3);
    }
    if (e.type == EV_BIOPSY) {
        imt_case m;
        imt_case_init(&m);
        ev_biopsy_markers(&e, &m);
        imt_case_clear(&m);
    }
    if (s->co.n < MAX_EVENTS)
        course_add(&s->co, &e);
    ev_clear(&e);
    return 0;
}

static void whole_course(state *s, unsigned mode)
{
    if (s->co.n == 0)
        return;
    static const char *const outcome[] = { "NED", "AWD", "DOD", "LOST" };
    imt_case c;
    imt_case_init(&c);
    char err[256];
    imt_field_parse(&c, IMT_F_case_id, s->co.v[0].case_id[0] ? s->co.v[0].case_id : "X-1",
                    err, sizeof err);
    imt_field_parse(&c, IMT_F_site, "lung", err, sizeof err);
    if (mode & 0x10)
        imt_field_parse(&c, IMT_F_diagnosis_date, "2019-03-15", err, sizeof err);
    imt_field_parse(&c, IMT_F_outcome, outcome[(mode >> 5) & 3], err, sizeof err);
    imt_field_parse(&c, IMT_F_followup_months, "30.5", err, sizeof err);
    imt_field_parse(&c, IMT_F_alk_ihc, "positive", err, sizeof err);
    imt_case_derive(&c);
    imt_case_crosscheck(&c, field_rep, NULL);

    course_sort(&s->co, &c);
    course_validate(&c, &s->co, course_rep, NULL);
    course_consistency(&c, &s->co, field_rep, NULL);
    int ev, col;
    char msg[400];
    course_validate_new(&c, NULL, &c, &s->co, &ev, &col, msg, sizeof msg);
    course_timeline t;
    course_timeline_of(&c, &s->co, &t);
    course_line lines[MAX_EVENTS];
    course_lines(&c, &s->co, lines, MAX_EVENTS);
    static const char *const agents[] = { NULL, "crizotinib", "alk_tki", "chemo" };
    for (int e = 0; e < CE_N; e++)
        for (int l = 0; l < 3; l++)
            for (int a = 0; a < 4; a++) {
                course_sel sel = { l, agents[a] };
                double months;
                int status, why;
                course_endpoint_obs(&c, &s->co, (course_endpoint)e, &sel, &months,
                                    &status, &why);
            }
    fu_schedule fs;
    fu_default(&fs);
    fu_result fr;
    if (fu_next_due(&c, &s->co, &fs, &fr) == 0 && fu_status(fr.next_due, "2021-06-01", 30) < 0)
        abort();
    rules_config cfg;
    rules_config_default(&cfg);
    rules_course rc = { &s->co, "2021-06-01" };
    rules_result *res = malloc(sizeof *res);
    if (res) {
        rules_evaluate_course(&c, &rc, &cfg, res);
        free(res);
    }
    imt_case_clear(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        abort();
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    data++, size--;
    size_t hl = (mode & 0x80) ? sizeof header - 1 : 0;
    char *buf = malloc(hl + size + 1);
    if (!buf)
        abort();
    memcpy(buf, header, hl);
    memcpy(buf + hl, data, size);
    buf[hl + size] = '\0';
    size_t n = hl + size;
    /* fmemopen refuses size 0 on some libcs: give it a 1-byte empty string */
    FILE *in = fmemopen(buf, n ? n : 1, "rb");
    if (!in) { free(buf); return 0; }
    if (!n) { fgetc(in); }
    state s = { .rows = 0 };
    course_init(&s.co);
    csvimp_opts o = {
        .filename = "fuzz-events.csv", .err = devnull,
        .ignore_unknown = mode & 1,
        .max_errors = (mode >> 1) & 7,
        .columns = ev_columns, .row = row, .ctx = &s,
    };
    csvimp_result res;
    csvimp_run(in, &o, &res);
    fclose(in);
    whole_course(&s, mode);
    course_clear(&s.co);
    free(buf);
    return 0;
}
