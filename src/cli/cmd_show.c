/* cli/cmd_show.c - `imtreview show CASE_ID [--json]` (cli.md): every field of
 * one case, grouped for reading, with the markers and the review state.
 * Labels come from imt_fields[].label; every value from the database goes
 * through caseout_escape. */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "cli/opts.h"
#include "io/caseout.h"
#include "store/store.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: imtreview [--db PATH] show CASE_ID [--json]\n"
    "\n"
    "Print every field of one case, grouped: demographics, presentation,\n"
    "imaging, histology, markers (immunohistochemistry and molecular tests,\n"
    "with the derived ALK status), treatment, follow-up, review state (who has\n"
    "the case or signed it out, when, the latest review comment, whether its\n"
    "recommendations are decided, the case's version), notes.\n"
    "An unknown value reads \"not recorded\" (\"not done\" for a marker).  Text\n"
    "from the database is escaped (\\t, \\r, \\xNN, \\uNNNN) so that it cannot\n"
    "act on the terminal; notes keep their line breaks.\n"
    "\n"
    "The course follows: every event, oldest first, and the next follow-up\n"
    "date (next_due) with its state against today.\n"
    "\n"
    "  --json    one JSON object keyed by the data-dictionary column names, as\n"
    "            in `list --json` (next_due, version, review_comment, signer_name\n"
    "            and decision_state included), plus \"alk_discordant\" (IHC\n"
    "            disagrees with a molecular result) and \"events\": the course,\n"
    "            oldest first, one object per event keyed by the events CSV's\n"
    "            columns\n"
    "  --help    this help\n"
    "\n"
    "Exit status: 0 shown, 1 no such case or database error, 2 usage error.\n";

/* Field groups in reading order; fusion_method is written with fusion
 * and notes get their own block, so neither is listed here. */
typedef struct {
    const char *title;
    bool markers;          /* unknown reads "not done" */
    int fields[16];        /* IMT_F_*, terminated by -1 */
} group;

static const group groups[] = {
    { "Demographics", false,
      { IMT_F_age_years, IMT_F_sex, IMT_F_diagnosis_date, -1 } },
    { "Presentation", false,
      { IMT_F_site, IMT_F_site_detail, IMT_F_size_cm, IMT_F_multifocal,
        IMT_F_metastatic, IMT_F_invasive_growth, IMT_F_nlr, -1 } },
    { "Imaging", false,
      { IMT_F_imaging, IMT_F_suv_max, -1 } },
    { "Histology", false,
      { IMT_F_histology, IMT_F_necrosis, IMT_F_mitoses_10hpf, -1 } },
    { "Markers", true,
      { IMT_F_alk_ihc, IMT_F_alk_ihc_pattern, IMT_F_alk_fish, IMT_F_fusion,
        IMT_F_ros1_ihc, IMT_F_pdl1_tps, IMT_F_ki67_pct, IMT_F_sma, IMT_F_desmin,
        IMT_F_cytokeratin, IMT_F_s100, IMT_F_cd117, IMT_F_dog1,
        IMT_F_igg4_igg_ratio, IMT_F_igg4_per_hpf, -1 } },
    { "Treatment", false,
      { IMT_F_resectable, IMT_F_surgery, IMT_F_radiotherapy_gy,
        IMT_F_chemotherapy, IMT_F_steroids, IMT_F_nsaid, IMT_F_targeted,
        IMT_F_immunotherapy, -1 } },
    { "Follow-up", false,
      { IMT_F_recurrence, IMT_F_recurrence_months, IMT_F_outcome,
        IMT_F_followup_months, -1 } },
    { "Review", false,
      { IMT_F_review_status, IMT_F_reviewer, IMT_F_reviewed_at, -1 } },
};

/* Plain words for the coded outcomes (data dictionary, outcome). */
static const char *const outcome_words[] = {
    "no evidence of disease", "alive with disease", "died of disease",
    "died of other cause", "lost to follow-up" };

#define LABEL_W 21

typedef struct {
    FILE *fp;
    int err;
} out;

static void w(out *o, const char *s)
{
    if (fputs(s, o->fp) == EOF)
        o->err = 1;
}

static void wesc(out *o, const char *s)
{
    if (caseout_escape(o->fp, s, strlen(s), 0) != 0)
        o->err = 1;
}

static void label(out *o, const char *text)
{
    if (fprintf(o->fp, "  %-*s", LABEL_W, text) < 0)
        o->err = 1;
}

static void value_line(out *o, const imt_case *c, int f, bool marker)
{
    label(o, imt_fields[f].label);
    if (!imt_field_is_known(c, f)) {
        w(o, marker ? "not done\n" : "not recorded\n");
        return;
    }
    char buf[128];
    const imt_field *fd = &imt_fields[f];
    if (fd->type == FT_TEXT || fd->type == FT_ID || fd->type == FT_FUSION ||
        fd->type == FT_DATE || fd->type == FT_TIMESTAMP)
        wesc(o, *(const char *const *)(const void *)((const char *)c + fd->offset));
    else
        wesc(o, imt_field_format(c, f, buf, sizeof buf));

    if (f == IMT_F_fusion) {
        /* The method belongs to the result it produced. */
        if (c->fusion_method != IMT_UNKNOWN) {
            w(o, " (by ");
            w(o, imt_fields[IMT_F_fusion_method].values[c->fusion_method]);
            w(o, ")");
        }
        if (strcmp(c->fusion, "none") == 0)
            w(o, " = tested, no fusion found");
    } else if (f == IMT_F_outcome) {
        w(o, " (");
        w(o, outcome_words[c->outcome]);
        w(o, ")");
    }
    w(o, "\n");
}

/* Notes keep their line breaks (each line indented); everything else in
 * them is escaped. */
static void notes_block(out *o, const char *notes)
{
    w(o, "Notes\n");
    if (!notes) {
        w(o, "  (none)\n");
        return;
    }
    const char *p = notes;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        w(o, "  ");
        if (caseout_escape(o->fp, p, n, 0) != 0)
            o->err = 1;
        w(o, "\n");
        if (!nl)
            break;
        p = nl + 1;
    }
}

/* One event on one line: date, type, then the columns it has. */
static void event_line(out *o, const imt_event *e)
{
    char buf[64];
    w(o, "  ");
    wesc(o, ev_format_cell(e, EVC_DATE, buf, sizeof buf));
    w(o, "  ");
    w(o, ev_type_values[e->type >= 0 && e->type < EV_NTYPES ? e->type : 0]);
    for (int col = EVC_LINE; col < EVC_N; col++) {
        const char *t = ev_cell(e, col, buf, sizeof buf);
        if (!t || !*t)
            continue;
        w(o, "  ");
        if (col != EVC_AGENT && col != EVC_RESPONSE && col != EVC_EXTENT) {
            w(o, ev_columns[col]);
            w(o, "=");
        }
        wesc(o, t);
    }
    w(o, "\n");
}

static void course_block(out *o, const imt_case *c, const imt_course *co, int window)
{
    w(o, "Course\n");
    if (!co || co->n == 0)
        w(o, "  (no events recorded)\n");
    for (int i = 0; co && i < co->n; i++)
        event_line(o, &co->v[i]);
    label(o, "Next follow-up due");
    if (!c->next_due[0]) {
        course_timeline t;
        course_timeline_of(c, co, &t);
        w(o, t.dead ? "none (died)\n" : t.lost ? "none (lost to follow-up)\n"
                                               : "none (no date to count from)\n");
        return;
    }
    char today[11];
    ev_today(today);
    w(o, c->next_due);
    int st = fu_status(c->next_due, today, window);
    w(o, st == FUS_OVERDUE ? " (overdue)\n" : st == FUS_DUE ? " (due)\n" : "\n");
}

static int show_text(FILE *fp, const imt_case *c, const imt_course *co, int window)
{
    out o = { fp, 0 };
    w(&o, "Case ");
    wesc(&o, c->case_id);
    w(&o, "\n");
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        w(&o, groups[g].title);
        w(&o, "\n");
        for (int i = 0; groups[g].fields[i] >= 0; i++)
            value_line(&o, c, groups[g].fields[i], groups[g].markers);
        if (groups[g].markers) {
            /* The derived ALK status and how it was reached
             * (data-dictionary.md, Derived fields). */
            label(&o, imt_fields[IMT_F_alk_status].label);
            w(&o, imt_alk_values[c->alk_status]);
            if (c->alk_status == ALK_POSITIVE)
                w(&o, c->alk_confirmed ? " (confirmed by FISH or fusion)"
                                       : " (IHC only, not confirmed)");
            if (c->alk_discordant)
                w(&o, "; discordant: IHC disagrees with a molecular result");
            w(&o, "\n");
        }
    }
    /* Who has the case or signed it, the latest comment, the decisions'
     * state and the version (issue 10), under the review fields. */
    if (c->review_status == REV_SIGNED_OUT && c->signer_name) {
        label(&o, "Signed by");
        wesc(&o, c->reviewer ? c->reviewer : "(unknown)");
        w(&o, " (");
        wesc(&o, c->signer_name);
        w(&o, ")\n");
    }
    label(&o, "Review comment");
    if (c->review_comment)
        wesc(&o, c->review_comment);
    else
        w(&o, "none");
    w(&o, "\n");
    static const char *const dstate[] = {
        "decided (every recommendation that needs a decision has a current one)",
        "undecided (a recommendation needs a decision: imtreview recommend)",
        "stale (a decision went stale and counts as none: imtreview recommend)" };
    label(&o, "Decisions");
    w(&o, c->decision_state >= 0 && c->decision_state < 3 ? dstate[c->decision_state]
                                                          : "not known");
    w(&o, "\n");
    char vb[40];
    snprintf(vb, sizeof vb, "%lld\n", c->version);
    label(&o, "Version");
    w(&o, vb);
    course_block(&o, c, co, window);
    notes_block(&o, c->notes);
    return o.err ? -1 : 0;
}

int cmd_show(imt_app *app, int argc, char **argv)
{
    bool json = false;
    const cli_opt opts[] = {
        { "json", 0, CLI_FLAG, &json, NULL },
        { NULL, 0, 0, NULL, NULL }
    };
    const cli_spec spec = { .usage = usage, .opts = opts };
    int prc = cli_parse(app, &spec, argc, argv);
    if (prc != CLI_GO_ON)
        return prc;
    if (argc - optind != 1)
        return cli_usage_error(app, "show", usage, "%s",
                               argc - optind ? "exactly one CASE_ID, please"
                                             : "missing CASE_ID");
    const char *id = argv[optind];
    if (app_open_store(app) != EXIT_OK)
        return EXIT_FAIL;

    imt_case c;
    imt_case_init(&c);
    int rc = store_get(app->store, id, &c);
    if (rc != STORE_OK) {
        char safe[TEXTW_BUFSIZE(APP_QUOTE_MAX)];
        if (rc == STORE_NOTFOUND)
            app_error(app, "show", "no case '%s'", app_quote(id, safe, sizeof safe));
        else
            app_error(app, "show", "database error: %s", store_errmsg(app->store));
        imt_case_clear(&c);
        return EXIT_FAIL;
    }
    /* alk_discordant is not stored; compute all three from the record. */
    imt_case_derive(&c);
    imt_course co;
    rc = store_events_get(app->store, c.case_id, &co);
    if (rc != STORE_OK) {
        app_error(app, "show", "database error: %s", store_errmsg(app->store));
        imt_case_clear(&c);
        return EXIT_FAIL;
    }
    if (app->sched_note[0])
        app_error(app, "show", "note: %s", app->sched_note);

    errno = 0;
    int werr;
    if (json) {
        json_t *o = caseout_json(&c, true);
        json_t *evs = caseout_events_json(&co);
        if (!o || !evs || json_object_set_new(o, "events", evs) != 0) {
            json_decref(o);
            imt_case_clear(&c);
            course_clear(&co);
            app_error(app, "show", "out of memory");
            return EXIT_FAIL;
        }
        werr = json_dumpf(o, app->out, caseout_json_flags(&c)) != 0 ||
               fputc('\n', app->out) == EOF;
        json_decref(o);
    } else {
        werr = show_text(app->out, &c, &co, app->sched.due_window_days) != 0;
    }
    course_clear(&co);
    imt_case_clear(&c);
    if (!werr && fflush(app->out) != 0)
        werr = 1;
    if (werr) {
        app_error(app, "show", "cannot write the output: %s", strerror(errno ? errno : EIO));
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
