/* hedgesim mc: every strategy of a config on simulated paths of its [mc]
 * scenario model. */
#include "cli_int.h"
#include "hedgesim/config.h"
#include "hedgesim/errors.h"
#include "hedgesim/mc.h"
#include "hedgesim/store.h"
#include "hedgesim/summary.h"

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag = 0;

static void on_sigint(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void help(FILE *fp)
{
    fprintf(fp,
            "usage: hedgesim mc CONFIG.ini [options]\n\n"
            "Run every [strategy.NAME] of CONFIG on simulated paths of the\n"
            "scenario model of its [mc] section and write per-path metrics\n"
            "and P&L bands to an HDF5 file.\n\n"
            "options:\n"
            "  -n, --paths N         paths (default [mc] paths)\n"
            "  -s, --seed S          seed (default [mc] seed)\n"
            "  -t, --threads T       worker threads (default 1); results do\n"
            "                        not depend on T\n"
            "      --keep-paths K    keep the P&L and hedge ratio of the\n"
            "                        first K paths (for plots)\n"
            "  -o, --output PATH     results file (default "
            "results/<config>-mc.h5)\n"
            "  -f, --force           replace an existing results file\n"
            "      --report          also write an HTML report beside the\n"
            "                        results (X.h5 -> X.html; docs/report.md)\n"
            "      --set S.K=V       override a config key (repeatable), e.g.\n"
            "                        --set mc.steps=90\n"
            "      --plugin PATH.so  load user strategies (repeatable)\n"
            "      --db PATH         market store (overrides data.db)\n"
            "  -q, --quiet           no summary table\n"
            "      --json            print the summary as JSON instead (one\n"
            "                        row per run; docs/cli.md)\n"
            "      --csv             print the summary as CSV instead\n"
            "  -h, --help            this help\n\n"
            "Ctrl-C stops after the paths under way and writes nothing.\n"
            "See docs/montecarlo.md.\n");
}

static void progress(void *ctx, size_t done, size_t total, double secs)
{
    (void)ctx;
    double rate = secs > 0 ? (double)done / secs : 0;
    double left = rate > 0 ? (double)(total - done) / rate : 0;
    fprintf(stderr, "\rhedgesim mc: %zu/%zu paths, %.0f paths/s, %.0f s left  ",
            done, total, rate, left);
    if (done >= total)
        fprintf(stderr, "\n");
}

/* x with `decimals` decimals, or n/a. */
static const char *fmt(double x, int decimals, char *buf, size_t n)
{
    if (!isfinite(x))
        snprintf(buf, n, "%s", "n/a");
    else
        snprintf(buf, n, "%.*f", decimals, x);
    return buf;
}

static void print_summary_line(const char *name, const char *set,
                               const hs_mc_summary *s)
{
    char b[7][32];
    printf("%-14s %-9s %6zu %7s %7s %7s %12s %12s %12s %12s\n", name, set,
           s->n, fmt(s->he_q05, 3, b[0], 32),
           fmt(s->he_q50, 3, b[1], 32), fmt(s->he_q95, 3, b[2], 32),
           fmt(s->pnl_q05, 0, b[3], 32), fmt(s->pnl_q50, 0, b[4], 32),
           fmt(s->pnl_q95, 0, b[5], 32), fmt(s->es99, 0, b[6], 32));
}

static void print_table(const hs_config *cfg, const hs_mc *mc,
                        const char *out)
{
    const hs_scenario *sc = hs_mc_scenario(mc);
    printf("hedgesim mc: %s, model %s, %zu paths x %zu steps (after %zu "
           "warm-up steps of history)\n",
           cfg->path, hs_scenario_get_type(sc)->name, hs_mc_paths(mc),
           hs_mc_steps(mc), hs_scenario_warm(sc));
    const char *d = hs_scenario_describe(sc);
    while (*d) {
        const char *nl = strchr(d, '\n');
        size_t len = nl ? (size_t)(nl - d) : strlen(d);
        printf("  %.*s\n", (int)len, d);
        d += len + (nl ? 1 : 0);
    }
    printf("\n%-14s %-9s %6s %7s %7s %7s %12s %12s %12s %12s\n", "run", "paths",
           "n", "HE 5%", "HE 50%", "HE 95%", "P&L 5%", "P&L 50%", "P&L 95%",
           "ES99 P&L");
    for (size_t i = 0; i < hs_mc_n_runs(mc); i++) {
        hs_mc_summary s;
        hs_mc_summarize(mc, i, -1, &s);
        print_summary_line(hs_mc_run_name(mc, i), "all", &s);
        if (hs_mc_has_regimes(mc)) {
            hs_mc_summarize(mc, i, 1, &s);
            print_summary_line("", "stress", &s);
            hs_mc_summarize(mc, i, 0, &s);
            print_summary_line("", "no-stress", &s);
        }
    }
    printf("\nHE hedge effectiveness over each path; P&L final equity - "
           "capital (currency);\nES99 expected shortfall of the P&L over "
           "paths at 99 %% (a loss > 0); stress:\npaths with at least one "
           "step in the stress regime.  docs/montecarlo.md.\n");
    if (out)
        printf("results: %s\n", out);
}


int hs_cli_mc(int argc, char **argv)
{
    static const struct option opts[] = {
        {"paths", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},
        {"threads", required_argument, NULL, 't'},
        {"keep-paths", required_argument, NULL, 'K'},
        HS_CLI_OPTS_RESULTS,
        {NULL, 0, NULL, 0}};
    const char *cmd = "mc";
    hs_cli_common co = HS_CLI_COMMON_INIT(cmd, help);
    long paths = -1, seed = -1, threads = 1, keep = 0;
    int c, rc = 0, exit_code = HS_EXIT_FAIL;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":n:s:t:o:fqh", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
        case 's':
        case 't':
        case 'K': {
            long *dst = c == 'n' ? &paths : c == 's' ? &seed
                                        : c == 't' ? &threads
                                                   : &keep;
            if ((rc = hs_cli_long(cmd, argv[optind - 2], optarg, dst)))
                return rc;
            if (*dst < 0 || (c == 'n' && *dst == 0) ||
                (c == 't' && (*dst == 0 || *dst > 1024)))
                return hs_cli_usage_error(
                    cmd, "%s %s: %s", argv[optind - 2], optarg,
                    c == 'n'   ? "at least 1 path"
                    : c == 't' ? "1 .. 1024 threads"
                               : "must be >= 0");
            break;
        }
        default:
            if ((rc = hs_cli_common_opt(&co, c, argv)) != HS_CLI_NEXT)
                return rc;
        }
    }
    const char *cfg_path = hs_cli_operand(cmd, argc, argv, "config file");
    if (!cfg_path)
        return HS_EXIT_USAGE;

    hs_config *cfg = NULL;
    hs_registry *reg = NULL;
    hs_store *store = NULL;
    hs_mc *mc = NULL;

    if ((rc = hs_cli_load(&co, cfg_path, &cfg, &reg)))
        goto fail;
    const char *db_path = hs_cli_db(&co, cfg);
    if (hs_cli_output(&co, cfg_path, db_path, "-mc") != HS_EXIT_OK)
        goto done;
    hs_mc_opts mo = HS_MC_OPTS_INIT;
    mo.paths = paths > 0 ? (size_t)paths : cfg->mc.paths;
    mo.seed = seed >= 0 ? (uint64_t)seed : cfg->mc.seed;
    mo.threads = (unsigned)threads;
    mo.keep_paths = (size_t)keep;
    mo.stop = &stop_flag;
    if (isatty(STDERR_FILENO) && !co.quiet)
        mo.progress = progress;
    hs_cli_share_mc(&mo); /* hedgesim-mpi: paths shared over the ranks */
    if ((rc = hs_cli_store_open(&store, db_path)) ||
        (rc = hs_mc_new(&mc, cfg, reg, store, &mo)) ||
        (rc = hs_cli_share_start(mo.paths)))
        goto fail;
    /* The paths do not read the store: the snapshot ends with the loading,
     * so that imports need not wait for the simulation. */
    char sha[65];
    hs_results_meta meta;
    if ((rc = hs_cli_meta(&meta, sha, cfg, cfg_path, db_path, store, "mc",
                          mo.seed)))
        goto fail;
    hs_store_snapshot_end(store);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    rc = hs_mc_run(mc);
    sigaction(SIGINT, &old, NULL);
    if (rc == 1) {
        fprintf(stderr,
                "\nhedgesim mc: interrupted after %zu of %zu paths: nothing "
                "written\n",
                hs_mc_done(mc), hs_mc_paths(mc));
        exit_code = 130;
        goto done;
    }
    if (rc || (rc = hs_cli_gather_mc(mc)))
        goto fail;
    if (hs_cli_rank() != 0) { /* rank 0 has the results and writes them */
        exit_code = HS_EXIT_OK;
        goto done;
    }
    if ((rc = hs_mc_write(mc, co.out, co.force, &meta)))
        goto fail;
    if (co.fmt >= 0) {
        hs_summary_about ab = {cmd, cfg_path, co.out};
        if ((rc = hs_summary_print_mc(stdout, (hs_summary_format)co.fmt, mc,
                                      &ab)))
            goto fail;
    } else if (!co.quiet)
        print_table(cfg, mc, co.out);
    exit_code = hs_cli_finish(&co, HS_EXIT_OK);
    goto done;
fail:
    exit_code = hs_cli_fail(cmd, rc);
done:
    hs_mc_free(mc);
    hs_store_close(store);
    hs_registry_free(reg);
    hs_config_free(cfg);
    return exit_code;
}
