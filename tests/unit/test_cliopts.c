/* The subcommands' option reader (cli/opts.h): a table of options puts
 * flags and values where they belong; FILTERS, --db/--readonly and --help
 * come with every command; an unknown option and a missing value are the
 * same usage error (getopt's message naming the command, the usage on
 * stderr, exit 2); a value's own check stops the parse with its status;
 * a usage error found after the options has the same shape. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <getopt.h>
#include <cmocka.h>

#include "cli/opts.h"

static const char usage[] = "Usage: imtreview [--db PATH] demo [--json] ARG\n";

/* One run of cli_parse over words (argv[0] "imtreview demo", as cli_main
 * names it), with app->out, app->err and stderr (where getopt writes)
 * caught in strings. */
typedef struct {
    imt_app app;
    int rc;
    char out[4096], err[4096], getopt_err[4096];
    char *argv[16];
    int argc;
} run;

static void slurp(FILE *f, char *buf, size_t n)
{
    fflush(f);
    rewind(f);
    size_t k = fread(buf, 1, n - 1, f);
    buf[k] = '\0';
    fclose(f);
}

static void parse(run *r, const cli_spec *spec, const char *const *words)
{
    memset(&r->app, 0, sizeof r->app);
    r->app.progname = "imtreview";
    FILE *out = tmpfile(), *err = tmpfile(), *gerr = tmpfile();
    assert_non_null(out);
    assert_non_null(err);
    assert_non_null(gerr);
    r->app.out = out;
    r->app.err = err;
    r->argc = 0;
    r->argv[r->argc++] = "imtreview demo";
    for (int i = 0; words[i]; i++)
        r->argv[r->argc++] = (char *)words[i];
    r->argv[r->argc] = NULL;
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(gerr), STDERR_FILENO) >= 0);
    r->rc = cli_parse(&r->app, spec, r->argc, r->argv);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    slurp(out, r->out, sizeof r->out);
    slurp(err, r->err, sizeof r->err);
    slurp(gerr, r->getopt_err, sizeof r->getopt_err);
}

static int positive_opt(imt_app *app, const char *value, void *dest)
{
    int v = atoi(value);
    if (v < 1) {
        app_error(app, "demo", "--count: '%s' is not a count", value);
        return EXIT_USAGE;
    }
    *(int *)dest = v;
    return EXIT_OK;
}

/* the options of a made-up command, fresh for each test */
typedef struct {
    bool json, dry;
    const char *out;
    int count;
    imt_filter flt;
    cli_opt opts[5];
    cli_spec spec;
} demo;

static void demo_init(demo *d, bool filters, bool dash_h)
{
    memset(d, 0, sizeof *d);
    d->opts[0] = (cli_opt){ "json", 0, CLI_FLAG, &d->json, NULL };
    d->opts[1] = (cli_opt){ "dry-run", 0, CLI_FLAG, &d->dry, NULL };
    d->opts[2] = (cli_opt){ "output", 'o', CLI_TEXT, &d->out, NULL };
    d->opts[3] = (cli_opt){ "count", 0, CLI_CHECK, &d->count, positive_opt };
    d->spec = (cli_spec){ .usage = usage, .opts = d->opts,
                          .filter = filters ? &d->flt : NULL, .dash_h = dash_h };
}

static void test_values_and_operands(void **s)
{
    (void)s;
    demo d;
    demo_init(&d, false, false);
    run r;
    parse(&r, &d.spec, (const char *const[]){ "A-1", "--json", "-o", "x.csv",
                                               "--count=3", "B-2", NULL });
    assert_int_equal(r.rc, CLI_GO_ON);
    assert_true(d.json);
    assert_false(d.dry);
    assert_string_equal(d.out, "x.csv");
    assert_int_equal(d.count, 3);
    /* the operands, in their order, after the options */
    assert_int_equal(r.argc - optind, 2);
    assert_string_equal(r.argv[optind], "A-1");
    assert_string_equal(r.argv[optind + 1], "B-2");
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, "");
    assert_string_equal(r.getopt_err, "");

    /* --output VALUE, an unambiguous abbreviation, and `--` */
    demo_init(&d, false, false);
    parse(&r, &d.spec, (const char *const[]){ "--output", "y.csv", "--dry", "--",
                                               "--json", NULL });
    assert_int_equal(r.rc, CLI_GO_ON);
    assert_string_equal(d.out, "y.csv");
    assert_true(d.dry);
    assert_false(d.json);
    assert_int_equal(r.argc - optind, 1);
    assert_string_equal(r.argv[optind], "--json");
}

static void test_help(void **s)
{
    (void)s;
    demo d;
    demo_init(&d, false, false);
    run r;
    parse(&r, &d.spec, (const char *const[]){ "--json", "--help", "--bogus", NULL });
    assert_int_equal(r.rc, EXIT_OK);
    assert_string_equal(r.out, usage);
    assert_string_equal(r.err, "");

    /* -h is --help only where the command says so */
    demo_init(&d, false, true);
    parse(&r, &d.spec, (const char *const[]){ "-h", NULL });
    assert_int_equal(r.rc, EXIT_OK);
    assert_string_equal(r.out, usage);
    demo_init(&d, false, false);
    parse(&r, &d.spec, (const char *const[]){ "-h", NULL });
    assert_int_equal(r.rc, EXIT_USAGE);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, usage);
}

static void test_usage_errors(void **s)
{
    (void)s;
    demo d;
    run r;
    demo_init(&d, true, false);
    parse(&r, &d.spec, (const char *const[]){ "--json", "--bogus", NULL });
    assert_int_equal(r.rc, EXIT_USAGE);
    assert_string_equal(r.getopt_err, "imtreview demo: unrecognized option '--bogus'\n");
    assert_string_equal(r.err, usage);
    assert_string_equal(r.out, "");

    /* a missing value: the same shape, for the command's own options
     * and the shared ones alike */
    const char *const missing[] = { "--output", "--site", "--db", "-o" };
    const char *const said[] = {
        "imtreview demo: option '--output' requires an argument\n",
        "imtreview demo: option '--site' requires an argument\n",
        "imtreview demo: option '--db' requires an argument\n",
        "imtreview demo: option requires an argument -- 'o'\n",
    };
    for (int i = 0; i < 4; i++) {
        demo_init(&d, true, false);
        parse(&r, &d.spec, (const char *const[]){ "A-1", missing[i], NULL });
        assert_int_equal(r.rc, EXIT_USAGE);
        assert_string_equal(r.getopt_err, said[i]);
        assert_string_equal(r.err, usage);
    }

    /* a flag given a value */
    demo_init(&d, false, false);
    parse(&r, &d.spec, (const char *const[]){ "--json=yes", NULL });
    assert_int_equal(r.rc, EXIT_USAGE);
    assert_string_equal(r.getopt_err, "imtreview demo: option '--json' doesn't allow an argument\n");
    assert_string_equal(r.err, usage);

    /* FILTERS only where the command takes them */
    demo_init(&d, false, false);
    parse(&r, &d.spec, (const char *const[]){ "--site", "lung", NULL });
    assert_int_equal(r.rc, EXIT_USAGE);
    assert_string_equal(r.getopt_err, "imtreview demo: unrecognized option '--site'\n");
}

static void test_checked_value(void **s)
{
    (void)s;
    demo d;
    demo_init(&d, false, false);
    run r;
    parse(&r, &d.spec, (const char *const[]){ "--count", "0", "--json", NULL });
    assert_int_equal(r.rc, EXIT_USAGE);
    assert_string_equal(r.err, "imtreview demo: --count: '0' is not a count\n");
    assert_int_equal(d.count, 0);
    assert_false(d.json);     /* the parse stopped there */
}

static void test_filters_and_globals(void **s)
{
    (void)s;
    demo d;
    demo_init(&d, true, false);
    run r;
    parse(&r, &d.spec, (const char *const[]){ "--site", "lung", "--db", "x.db",
                                               "--readonly", "--search", "ALK",
                                               "--json", NULL });
    assert_int_equal(r.rc, CLI_GO_ON);
    assert_true(*filter_mask(&d.flt, FILTER_SITE) != 0);
    assert_int_equal(*filter_mask(&d.flt, FILTER_ALK), 0);
    assert_string_equal(d.flt.search, "ALK");
    assert_string_equal(r.app.db_path, "x.db");
    assert_true(r.app.readonly);
    assert_true(d.json);

    /* --s is short for --site only among the filters (as it always was) */
    demo_init(&d, true, false);
    parse(&r, &d.spec, (const char *const[]){ "--s", "cns", NULL });
    assert_int_equal(r.rc, CLI_GO_ON);
    assert_true(*filter_mask(&d.flt, FILTER_SITE) != 0);

    /* a bad filter value: the filter's own message, no usage */
    demo_init(&d, true, false);
    parse(&r, &d.spec, (const char *const[]){ "--alk", "maybe", NULL });
    assert_int_equal(r.rc, EXIT_USAGE);
    assert_non_null(strstr(r.err, "maybe"));
    assert_null(strstr(r.err, "Usage:"));

    /* a filter given twice is refused */
    demo_init(&d, true, false);
    parse(&r, &d.spec, (const char *const[]){ "--site", "lung", "--site", "cns", NULL });
    assert_int_equal(r.rc, EXIT_USAGE);
    assert_non_null(strstr(r.err, "--site given twice"));
}

static void test_no_options(void **s)
{
    (void)s;
    const cli_spec spec = { .usage = usage, .dash_h = true };
    run r;
    parse(&r, &spec, (const char *const[]){ "--readonly", "extra", NULL });
    assert_int_equal(r.rc, CLI_GO_ON);
    assert_true(r.app.readonly);
    assert_int_equal(r.argc - optind, 1);
    parse(&r, &spec, (const char *const[]){ "--json", NULL });
    assert_int_equal(r.rc, EXIT_USAGE);
    assert_string_equal(r.err, usage);
}

static void test_usage_error_after_options(void **s)
{
    (void)s;
    imt_app app = { .progname = "imtreview" };
    app.err = tmpfile();
    assert_non_null(app.err);
    assert_int_equal(cli_usage_error(&app, "demo", usage, "unexpected argument '%s'", "x"),
                     EXIT_USAGE);
    char buf[512];
    slurp(app.err, buf, sizeof buf);
    assert_string_equal(buf, "imtreview demo: unexpected argument 'x'\n"
                             "Usage: imtreview [--db PATH] demo [--json] ARG\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_and_operands),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_checked_value),
        cmocka_unit_test(test_filters_and_globals),
        cmocka_unit_test(test_no_options),
        cmocka_unit_test(test_usage_error_after_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
