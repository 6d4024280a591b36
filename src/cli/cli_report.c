/* hedgesim report: a results file to one self-contained HTML page. */
#include "cli_int.h"
#include "hedgesim/errors.h"
#include "hedgesim/report.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void help(FILE *fp)
{
    fprintf(fp,
            "usage: hedgesim report RESULTS.h5 [options]\n\n"
            "Write an HTML report of any results file (run, stress, analyze,\n"
            "sweep, Monte Carlo): metadata, data notes, tables and charts, in\n"
            "one file that opens offline.  See docs/report.md.\n\n"
            "options:\n"
            "  -o, --output PATH  report file (default: RESULTS with .html\n"
            "                     for .h5)\n"
            "  -f, --force        replace an existing report\n"
            "  -h, --help         this help\n");
}

int hs_cli_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        HS_CLI_OPT_OUTPUT,
        HS_CLI_OPT_FORCE,
        HS_CLI_OPT_HELP,
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "report";
    hs_cli_common co = HS_CLI_COMMON_INIT(cmd, help);
    char *beside = NULL;
    int c, rc;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:fh", longopts, NULL)) != -1)
        if ((rc = hs_cli_common_opt(&co, c, argv)) != HS_CLI_NEXT)
            return rc;
    const char *results = hs_cli_operand(cmd, argc, argv, "results file");
    if (!results)
        return HS_EXIT_USAGE;
    const char *out = co.out;
    if (!out) {
        if ((rc = hs_report_path(results, &beside)))
            return hs_cli_fail(cmd, rc);
        out = beside;
    }
    rc = hs_report_write(results, out, co.force);
    if (rc == 0)
        printf("report: %s\n", out);
    free(beside);
    return rc ? hs_cli_fail(cmd, rc) : HS_EXIT_OK;
}
