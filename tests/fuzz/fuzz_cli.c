/* fuzz_cli.c - libFuzzer harness for the command line's argument parsers
 * (cli_main): the FIELD=VALUE pairs of `edit` (field names, values
 * through the import's cell parser, --expect-version), the arguments of
 * `decide` (--accept/--override REASON, --comment), `review` (--status,
 * --reason, --comment), and the FILTERS of `list`, `stats` and `show`.
 * Byte 0 picks the command; the rest is split at NUL bytes into at most
 * 24 arguments.  The database path names a directory that does not
 * exist, so every run ends at the store's open (exit 1) or earlier (a
 * usage error, exit 2): the parsers are what is exercised, never a
 * database.  The exit status must be 0, 1 or 2.  See README. */
#include "cli/cli.h"
#include "fuzz_common.h"

#include <getopt.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const cmds[] = { "edit", "decide", "review", "list", "stats",
                                        "show", "recommend", "audit" };
    if (size < 1)
        return 0;
    const char *cmd = cmds[data[0] % (sizeof cmds / sizeof cmds[0])];
    char *text = fuzz_strdup(data + 1, size - 1);
    char *argv[32];
    int argc = 0;
    argv[argc++] = "imtreview";
    argv[argc++] = "--db";
    argv[argc++] = "/nonexistent-imtreview-fuzz/cases.db";
    argv[argc++] = (char *)cmd;
    size_t n = size - 1;
    for (size_t i = 0; i <= n && argc < 28;) {
        argv[argc++] = text + i;
        i += strlen(text + i) + 1;
    }
    argv[argc] = NULL;
    optind = 0;      /* a new process would start with getopt reset */
    int rc = cli_main(argc, argv);
    if (rc < 0 || rc > 2)
        abort();
    fflush(NULL);
    free(text);
    return 0;
}
