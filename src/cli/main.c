/* hedgesim: the command-line tool.  `hedgesim --help` lists the commands. */
#include "cli_int.h"
#include "hedgesim/hedgesim.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

static char command_line[4096];

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"import", hs_cli_import, "import CSV files into a market store"},
    {"info", hs_cli_info, "list a store's instruments, ranges, rows and gaps"},
    {"run", hs_cli_run, "backtest the strategies of a config on history"},
    {"sweep", hs_cli_sweep, "one run of a config over a grid of parameters"},
        {"list", hs_cli_list, "list strategies, beta estimators, formats or windows"},
    {"price", hs_cli_price, "option calculator: price, greeks, implied vol"},
    {"chains", hs_cli_chains, "generate modeled option chains into the store"},
    {"stress", hs_cli_stress, "replay a config's runs over crisis windows"},
    {"analyze", hs_cli_analyze, "betas and correlations around crisis windows"},
    {"calibrate", hs_cli_calibrate, "fit a regime model to history, write an [mc] model"},
    {"mc", hs_cli_mc, "Monte Carlo: the strategies on simulated paths"},
    {"report", hs_cli_report, "an HTML report (charts, tables) of a results file"},
    {NULL, NULL, NULL}};

static void usage(FILE *fp)
{
    fprintf(fp, "usage: hedgesim <command> [options]\n"
                "       hedgesim --help | --version\n\n"
                "Backtesting and Monte Carlo simulation of beta hedging.\n\n"
                "commands:\n");
    for (const command *c = commands; c->name; c++)
        fprintf(fp, "  %-9s %s\n", c->name, c->summary);
    fprintf(fp, "\n'hedgesim <command> --help' describes a command.\n"
                "Exit codes: 0 success, 1 failure, 2 bad command line.\n");
}

const char *hs_cli_default_db(void)
{
    const char *env = getenv("HEDGESIM_DB");
    return (env && *env) ? env : "datasets/hedgesim.db";
}

const char *hs_cli_command_line(void) { return command_line; }

int hs_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "hedgesim %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'hedgesim %s --help')\n", cmd);
    return HS_EXIT_USAGE;
}

int hs_cli_fail(const char *cmd, int code)
{
    const char *msg = hs_error_last();
    fprintf(stderr, "hedgesim %s: %s\n", cmd, *msg ? msg : hs_strerror(code));
    return HS_EXIT_FAIL;
}

int hs_cli_double(const char *cmd, const char *opt, const char *text,
                  double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end != '\0' || v != v || v - v != 0)
        return hs_cli_usage_error(cmd, "%s: '%s' is not a finite number", opt,
                                  text);
    *out = v;
    return 0;
}

int hs_cli_long(const char *cmd, const char *opt, const char *text, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end != '\0')
        return hs_cli_usage_error(cmd, "%s: '%s' is not an integer", opt, text);
    *out = v;
    return 0;
}

int hs_cli_bad_option(const char *cmd, int opt, char **argv)
{
    const char *bad = argv[optind - 1];
    if (opt == ':')
        return hs_cli_usage_error(cmd, "option '%s' needs a value", bad);
    if (optopt && optopt != '?')
        return hs_cli_usage_error(cmd, "unknown option '-%c'", optopt);
    return hs_cli_usage_error(cmd, "unknown option '%s'", bad);
}

int main(int argc, char **argv)
{
    size_t len = 0;
    for (int i = 0; i < argc && len + 2 < sizeof command_line; i++) {
        int w = snprintf(command_line + len, sizeof command_line - len, "%s%s",
                         i ? " " : "", argv[i]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    hs_init();
    /* A file size limit (ulimit -f) makes writes fail with EFBIG, reported
     * and cleaned up like a full disk, instead of killing the process. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return HS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return HS_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("hedgesim %s\n", hs_version());
        return HS_EXIT_OK;
    }
    for (const command *c = commands; c->name; c++)
        if (strcmp(argv[1], c->name) == 0) {
            optind = 1; /* each command parses its own options */
            return c->run(argc - 1, argv + 1);
        }
    fprintf(stderr,
            "hedgesim: unknown command '%s' (see 'hedgesim --help')\n",
            argv[1]);
    return HS_EXIT_USAGE;
}
