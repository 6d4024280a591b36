/* hedgesim analyze: betas and correlations before and during crisis
 * windows, with a verdict. */
#include "cli_int.h"
#include "hedgesim/analyze.h"
#include "hedgesim/calendar.h"
#include "hedgesim/config.h"
#include "hedgesim/errors.h"
#include "hedgesim/store.h"
#include "hedgesim/stress.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *fp)
{
    fprintf(fp,
            "usage: hedgesim analyze CONFIG.ini [options]\n\n"
            "For the basket of CONFIG and each of its assets: beta and\n"
            "correlation to the benchmark, downside and upside beta, the\n"
            "basket's average pairwise correlation and absorption ratio,\n"
            "before each window and during it, with rolling series in the\n"
            "results file and a verdict in plain words.\n\n"
            "options:\n"
            "  -w, --window NAME     only this window (repeatable; default: all;\n"
            "                        one window also prints each asset)\n"
            "      --pre N           steps before the window compared with it\n"
            "                        (default 90)\n"
            "      --rolling N       window of the rolling statistics (default\n"
            "                        [metrics] rolling_window if set, else 30)\n"
            "  -o, --output PATH     results file (default\n"
            "                        results/<config>-analyze.h5)\n"
            "  -f, --force           replace an existing results file\n"
            "      --set S.K=V       override a config key (repeatable)\n"
            "      --db PATH         market store (overrides data.db)\n"
            "  -h, --help            this help\n\n"
            "See docs/stress.md.\n");
}

static void print_items(const hs_analysis *a)
{
    printf("\n  %-8s %14s %14s %14s %14s\n", "", "beta", "corr",
           "down beta", "up beta");
    printf("  %-8s %14s %14s %14s %14s\n", "", "pre -> crisis",
           "pre -> crisis", "pre -> crisis", "pre -> crisis");
    for (size_t i = 0; i < a->n_items; i++) {
        const hs_analyze_item *it = &a->item[i];
        printf("  %-8s %6.2f -> %4.2f %6.2f -> %4.2f %6.2f -> %4.2f %6.2f -> "
               "%4.2f\n",
               it->name, it->beta.pre, it->beta.crisis, it->corr.pre,
               it->corr.crisis, it->beta_down.pre, it->beta_down.crisis,
               it->beta_up.pre, it->beta_up.crisis);
    }
}

int hs_cli_analyze(int argc, char **argv)
{
    static const struct option opts[] = {
        {"window", required_argument, NULL, 'w'},
        {"pre", required_argument, NULL, 'p'},
        {"rolling", required_argument, NULL, 'r'},
        HS_CLI_OPT_OUTPUT,
        HS_CLI_OPT_FORCE,
        HS_CLI_OPT_SET,
        HS_CLI_OPT_DB,
        HS_CLI_OPT_HELP,
        {NULL, 0, NULL, 0}};
    const char *cmd = "analyze", *wins[HS_CLI_MAX_LIST];
    hs_cli_common co = HS_CLI_COMMON_INIT(cmd, help);
    size_t nwin = 0;
    hs_analyze_opts ao = HS_ANALYZE_OPTS_INIT;
    int c, rc = 0, exit_code = HS_EXIT_FAIL;
    long v;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":w:o:fh", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
        case 'r':
            if (hs_cli_long(cmd, c == 'p' ? "--pre" : "--rolling", optarg,
                            &v))
                return HS_EXIT_USAGE;
            if (v < (c == 'p' ? 10 : 5) || v > 100000)
                return hs_cli_usage_error(cmd, "%s must be in [%d, 100000]",
                                          c == 'p' ? "--pre" : "--rolling",
                                          c == 'p' ? 10 : 5);
            *(c == 'p' ? &ao.pre : &ao.rolling) = (size_t)v;
            break;
        case 'w':
            if ((rc = hs_cli_push(cmd, wins, &nwin, argv)))
                return rc;
            break;
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
    hs_window win[HS_WINDOW_MAX];
    hs_analysis *res[HS_WINDOW_MAX] = {NULL};
    size_t n = 0;

    if ((rc = hs_cli_load(&co, cfg_path, &cfg, &reg)))
        goto fail;
    if (nwin == 0) {
        if ((rc = hs_window_all(cfg, win, HS_WINDOW_MAX, &n)))
            goto fail;
    } else {
        for (n = 0; n < nwin; n++)
            if ((rc = hs_window_find(cfg, wins[n], &win[n])))
                goto fail;
    }
    const char *db_path = hs_cli_db(&co, cfg);
    if (hs_cli_output(&co, cfg_path, db_path, "-analyze") != HS_EXIT_OK)
        goto done;
    if ((rc = hs_cli_store_open(&store, db_path)))
        goto fail;
    for (size_t i = 0; i < n; i++)
        if ((rc = hs_analyze_window(&res[i], cfg, reg, store, &win[i], &ao)))
            goto fail;
    /* The store's content digest, kept by every import (the file is not
     * read; an older store without one records ""). */
    char sha[65];
    hs_results_meta meta;
    if ((rc = hs_cli_meta(&meta, sha, cfg, cfg_path, db_path, store, "analyze",
                          0)))
        goto fail;
    if ((rc = hs_analyze_write(res, n, co.out, co.force, &meta)))
        goto fail;
    printf("hedgesim analyze: %s, basket of %zu assets against %s\n",
           cfg->path, cfg->n_assets, cfg->benchmark);
    for (size_t i = 0; i < n; i++) {
        const hs_analysis *a = res[i];
        char t0[32], t1[32];
        printf("\n%s (%s .. %s; pre-crisis: the %zu steps before; rolling "
               "window %zu)\n",
               a->window.name,
               hs_cal_format_time(a->window.start, t0, sizeof t0),
               hs_cal_format_time(a->window.end, t1, sizeof t1), a->pre_steps,
               a->rolling);
        printf("  basket beta %.2f -> %.2f, avg correlation %.2f -> %.2f, "
               "absorption %.2f -> %.2f, downside beta %.2f -> %.2f\n",
               a->item[0].beta.pre, a->item[0].beta.crisis, a->avg_corr.pre,
               a->avg_corr.crisis, a->absorption.pre, a->absorption.crisis,
               a->item[0].beta_down.pre, a->item[0].beta_down.crisis);
        if (n == 1)
            print_items(a);
        printf("  verdict: %s\n", a->verdict);
    }
    printf("\nresults: %s\n", co.out);
    exit_code = HS_EXIT_OK;
    goto done;
fail:
    exit_code = hs_cli_fail(cmd, rc);
done:
    for (size_t i = 0; i < HS_WINDOW_MAX; i++)
        hs_analysis_free(res[i]);
    hs_store_close(store);
    hs_registry_free(reg);
    hs_config_free(cfg);
    return exit_code;
}
