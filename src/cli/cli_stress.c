/* hedgesim stress: every run of a config over the crisis windows. */
#include "cli_int.h"
#include "hedgesim/calendar.h"
#include "hedgesim/config.h"
#include "hedgesim/errors.h"
#include "hedgesim/report.h"
#include "hedgesim/store.h"
#include "hedgesim/stress.h"
#include "hedgesim/summary.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *fp)
{
    fprintf(fp,
            "usage: hedgesim stress CONFIG.ini [options]\n\n"
            "Replay every [strategy.NAME] of CONFIG over named crisis windows\n"
            "(the library in 'hedgesim list windows' and the config's\n"
            "[window.NAME] sections), each with its warm-up before it, and\n"
            "compare hedged and unhedged over the window.\n\n"
            "options:\n"
            "  -w, --window NAME     only this window (repeatable; default: all)\n"
            "  -o, --output PATH     results file (default\n"
            "                        results/<config>-stress.h5)\n"
            "  -f, --force           replace an existing results file\n"
            "      --set S.K=V       override a config key (repeatable)\n"
            "      --strategy NAME   only this [strategy.NAME] (repeatable)\n"
            "      --plugin PATH.so  load user strategies (repeatable)\n"
            "      --db PATH         market store (overrides data.db)\n"
            "      --report          also write an HTML report beside the\n"
            "                        results (X.h5 -> X.html; docs/report.md)\n"
            "  -q, --quiet           no table\n"
            "      --json            print the table as JSON instead\n"
            "      --csv             print the table as CSV instead\n"
            "  -h, --help            this help\n\n"
            "shock transplant (a window's returns on the book of another date):\n"
            "      --transplant NAME window NAME's joint daily returns, step by\n"
            "                        step, applied from the close of --onto on\n"
            "      --onto DATE       a date of the data (UTC, YYYY-MM-DD)\n"
            "      --beta-window N   steps up to DATE for the beta and residuals\n"
            "                        of an asset that did not trade in NAME\n"
            "                        (default 90)\n\n"
            "synthetic stress (window NAME's calibrated stress regime, forced\n"
            "for the window's length, on Monte Carlo paths):\n"
            "      --synthetic NAME  the window (not with --window, --transplant\n"
            "                        or --strategy)\n"
            "      --pre N           steps before the window in the calibration\n"
            "                        (default 90)\n"
            "  -n, --paths N         paths (default [mc] paths, else 1000)\n"
            "  -t, --threads T       worker threads (default 1); results do not\n"
            "                        depend on it\n\n"
            "  -s, --seed S          seed of the transplant's residual draws and\n"
            "                        of the paths (default 1)\n\n"
            "See docs/stress.md.\n");
}

static const char *pct(double x, char *buf)
{
    if (!isfinite(x))
        snprintf(buf, 16, "n/a");
    else
        snprintf(buf, 16, "%.1f%%", 100 * x);
    return buf;
}

static const char *num(double x, char *buf)
{
    if (!isfinite(x))
        snprintf(buf, 16, "n/a");
    else
        snprintf(buf, 16, "%.2f", x);
    return buf;
}

static void print_table(const hs_stress *st)
{
    char b[12][16], t0[32], t1[32], d[32];
    int any_ann = 0;
    for (size_t w = 0; w < hs_stress_n_windows(st); w++) {
        const hs_window *win = hs_stress_window(st, w);
        const hs_plan *pl = hs_stress_plan(st, w);
        const hs_panel *p = hs_plan_panel(pl);
        printf("%-22s %s .. %s  %zu steps, warm-up %zu, rolling beta %zu: "
               "%s\n",
               win->name, hs_cal_format_time(win->start, t0, sizeof t0),
               hs_cal_format_time(win->end, t1, sizeof t1),
               p->n_steps - hs_plan_live_from(pl), hs_plan_live_from(pl),
               hs_stress_rolling(st, w), win->description);
    }
    printf("\n%-22s %-10s %7s %7s %6s %6s %7s %7s %-10s %6s %6s %6s %6s %3s\n",
           "window", "run", "ret.h", "ret.u", "DD.h", "DD.u", "worst.h",
           "worst.u", "worst day", "HE", "beta_r", "CVaR.h", "cost", "DD<");
    for (size_t i = 0; i < hs_stress_n_rows(st); i++) {
        const hs_stress_row *r = hs_stress_row_at(st, i);
        any_ann |= isfinite(r->ann_hedged);
        printf("%-22s %-10s %7s %7s %6s %6s %7s %7s %-10s %6s %6s %6s %6s "
               "%3s\n",
               r->window, r->run, pct(r->ret_hedged, b[0]),
               pct(r->ret_unhedged, b[1]), pct(r->mdd_hedged, b[2]),
               pct(r->mdd_unhedged, b[3]), pct(r->worst_hedged, b[4]),
               pct(r->worst_unhedged, b[5]),
               hs_cal_format_time(r->worst_unhedged_time, d, sizeof d),
               num(r->hedge_effectiveness, b[6]), num(r->residual_beta, b[7]),
               pct(r->cvar95_hedged, b[8]), pct(r->hedge_cost_frac, b[9]),
               r->dd_reduced ? "yes" : "no");
    }
    printf("\nret total return over the window (.h hedged after costs, .u the "
           "book alone);\nDD maximum drawdown; worst one-day return, and the "
           "book's worst day; HE\n1 - Var(hedged)/Var(unhedged); beta_r "
           "residual beta; CVaR.h 95 %% CVaR of a\nday, hedged; cost: the "
           "hedge's fees, slippage, funding and premium, share of\ncapital; "
           "DD<: the hedge made the drawdown smaller.  %s\n",
           any_ann ? "Annualised returns are in the results file."
                   : "Windows are shorter than a year: no annualised "
                     "figures.");
}

/* The transplant's own data notes: from its first line on. */
static void print_transplant_notes(const hs_stress *st)
{
    for (size_t w = 0; w < hs_stress_n_windows(st); w++) {
        const hs_window *crisis;
        if (!hs_stress_is_transplant(st, w, &crisis))
            continue;
        const char *n = hs_plan_panel(hs_stress_plan(st, w))->notes;
        const char *from = strstr(n, "shock transplant");
        printf("\n%s:\n", hs_stress_window(st, w)->name);
        for (const char *s = from ? from : ""; *s;) {
            const char *nl = strchr(s, '\n');
            int len = nl ? (int)(nl - s) : (int)strlen(s);
            printf("  %.*s\n", len, s);
            s += len + (nl ? 1 : 0);
        }
    }
}

static void print_synth(const hs_stress *st)
{
    const hs_window *win = hs_stress_window(st, 0);
    int64_t from, to;
    char t0[32], t1[32], b[5][16];
    hs_stress_synth_calibration(st, &from, &to);
    const hs_synth_row *r0 = hs_stress_synth_row(st, 0);
    printf("\nsynthetic stress: the stress regime of a model calibrated on "
           "%s .. %s,\nforced on all %lld steps of %s; %lld paths.  "
           "Model:\n",
           hs_cal_format_time(from, t0, sizeof t0),
           hs_cal_format_time(to, t1, sizeof t1), (long long)r0->steps,
           win->name, (long long)r0->paths);
    const char *m = hs_stress_synth_model(st);
    for (const char *s = m; *s;) {
        const char *nl = strchr(s, '\n');
        int len = nl ? (int)(nl - s) : (int)strlen(s);
        printf("  %.*s\n", len, s);
        s += len + (nl ? 1 : 0);
    }
    printf("\n%-12s %-7s %8s %8s %8s %8s %7s\n", "run", "metric", "history",
           "5%", "50%", "95%", "below");
    for (size_t i = 0; i < hs_stress_n_synth(st); i++) {
        const hs_synth_row *r = hs_stress_synth_row(st, i);
        const struct {
            const char *name;
            const hs_synth_q *q;
            int percent;
        } m4[4] = {{"ret.h", &r->ret_hedged, 1},
                   {"DD.h", &r->mdd_hedged, 1},
                   {"HE", &r->he, 0},
                   {"CVaR.h", &r->cvar95, 1}};
        for (int k = 0; k < 4; k++) {
            const hs_synth_q *q = m4[k].q;
            const double v[4] = {q->hist, q->q05, q->q50, q->q95};
            for (int j = 0; j < 4; j++)
                (m4[k].percent ? pct : num)(v[j], b[j]);
            printf("%-12s %-7s %8s %8s %8s %8s %7s\n", k ? "" : r->run,
                   m4[k].name, b[0], b[1], b[2], b[3], pct(q->below, b[4]));
        }
    }
    printf("\nhistory: the window's replay (above); 5%%, 50%%, 95%%: "
           "quantiles over the paths;\nbelow: share of paths with a "
           "smaller value than history.\n");
}

/* --json / --csv: the records of /stress/summary. */
static int print_summary(const hs_stress *st, hs_summary_format fmt,
                         const char *cfg_path, const char *out)
{
    if (hs_stress_n_synth(st)) {
        size_t n = hs_stress_n_synth(st);
        char name[200];
        snprintf(name, sizeof name, "/stress/synthetic/%s/summary",
                 hs_stress_window(st, 0)->name);
        hs_summary t = {name, hs_synth_fields, hs_synth_n_fields,
                        hs_stress_synth_row(st, 0), sizeof(hs_synth_row), n};
        hs_summary_about ab = {"stress", cfg_path, out};
        return hs_summary_print(stdout, fmt, &t, &ab);
    }
    size_t n = hs_stress_n_rows(st);
    hs_stress_row *rows = calloc(n ? n : 1, sizeof *rows);
    if (!rows)
        return hs_error_set(HS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        rows[i] = *hs_stress_row_at(st, i);
    hs_summary t = {"/stress/summary", hs_stress_fields, hs_stress_n_fields,
                    rows, sizeof *rows, n};
    hs_summary_about ab = {"stress", cfg_path, out};
    int rc = hs_summary_print(stdout, fmt, &t, &ab);
    free(rows);
    return rc;
}

int hs_cli_stress(int argc, char **argv)
{
    static const struct option opts[] = {
        {"window", required_argument, NULL, 'w'},
        HS_CLI_OPTS_RESULTS,
        {"strategy", required_argument, NULL, 's'},
        {"transplant", required_argument, NULL, 'T'},
        {"onto", required_argument, NULL, 'O'},
        {"beta-window", required_argument, NULL, 'B'},
        {"synthetic", required_argument, NULL, 'Y'},
        {"pre", required_argument, NULL, 'p'},
        {"paths", required_argument, NULL, 'n'},
        {"threads", required_argument, NULL, 't'},
        {"seed", required_argument, NULL, 'x'},
        {NULL, 0, NULL, 0}};
    const char *cmd = "stress";
    hs_cli_common co = HS_CLI_COMMON_INIT(cmd, help);
    const char *only[HS_CLI_MAX_LIST], *wins[HS_CLI_MAX_LIST];
    size_t nonly = 0, nwin = 0;
    int c, rc = 0, exit_code = HS_EXIT_FAIL;
    const char *transplant = NULL, *onto = NULL, *synthetic = NULL;
    long beta_window = 0, pre = 0, paths = 0, threads = 0, seed = 1;
    int64_t onto_t = 0;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":w:o:n:t:s:fqh", opts, NULL)) != -1) {
        switch (c) {
        case 'T':
            transplant = optarg;
            break;
        case 'O':
            onto = optarg;
            if (hs_cal_parse_time(optarg, &onto_t))
                return hs_cli_usage_error(cmd, "--onto %s: %s", optarg,
                                          hs_error_last());
            break;
        case 'Y':
            synthetic = optarg;
            break;
        case 'B':
        case 'p':
        case 'n':
        case 't':
        case 'x': {
            static const struct {
                int c;
                const char *name;
                long lo, hi;
            } lim[] = {{'B', "--beta-window", 2, 100000},
                       {'p', "--pre", 1, 100000},
                       {'n', "--paths", 1, 100000000},
                       {'t', "--threads", 1, 1024},
                       {'x', "--seed", 0, 9007199254740991L}};
            long *dst = c == 'B'   ? &beta_window
                        : c == 'p' ? &pre
                        : c == 'n' ? &paths
                        : c == 't' ? &threads
                                   : &seed;
            size_t k = 0;
            while (lim[k].c != c)
                k++;
            if ((rc = hs_cli_long(cmd, lim[k].name, optarg, dst)))
                return rc;
            if (*dst < lim[k].lo || *dst > lim[k].hi)
                return hs_cli_usage_error(cmd, "%s %s: %ld .. %ld, please",
                                          lim[k].name, optarg, lim[k].lo,
                                          lim[k].hi);
            break;
        }
        case 's':
        case 'w':
            if ((rc = hs_cli_push(cmd, c == 's' ? only : wins,
                                  c == 's' ? &nonly : &nwin, argv)))
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
    if (!transplant != !onto)
        return hs_cli_usage_error(cmd, "--transplant and --onto go together");
    if (beta_window && !transplant)
        return hs_cli_usage_error(cmd, "--beta-window is for --transplant");
    if ((pre || paths || threads) && !synthetic)
        return hs_cli_usage_error(cmd,
                                  "--pre, --paths and --threads are for "
                                  "--synthetic");
    if (synthetic && (transplant || nwin || nonly))
        return hs_cli_usage_error(cmd,
                                  "--synthetic takes its one window and "
                                  "every run: not with --window, "
                                  "--transplant or --strategy");

    hs_config *cfg = NULL;
    hs_registry *reg = NULL;
    hs_store *store = NULL;
    hs_stress *st = NULL;

    if ((rc = hs_cli_load(&co, cfg_path, &cfg, &reg)))
        goto fail;
    hs_stress_opts so = HS_STRESS_OPTS_INIT;
    so.windows = wins;
    so.n_windows = nwin;
    so.only = only;
    so.n_only = nonly;
    so.transplant = transplant;
    so.onto = onto_t;
    so.beta_window = (size_t)beta_window;
    so.synthetic = synthetic;
    so.pre = (size_t)pre;
    so.paths = (size_t)paths;
    so.threads = (unsigned)threads;
    so.seed = (uint64_t)seed;
    if ((rc = hs_stress_new(&st, cfg, reg, NULL, &so)))
        goto fail;
    const char *db_path = hs_cli_db(&co, cfg);
    if (hs_cli_output(&co, cfg_path, db_path, "-stress") != HS_EXIT_OK)
        goto done;
    hs_stress_free(st);
    st = NULL;
    if ((rc = hs_cli_store_open(&store, db_path)) ||
        (rc = hs_stress_new(&st, cfg, reg, store, &so)) ||
        (rc = hs_stress_run(st)))
        goto fail;
    /* The store's content digest, kept by every import (the file is not
     * read; an older store without one records ""). */
    char sha[65];
    hs_results_meta meta;
    if ((rc = hs_cli_meta(&meta, sha, cfg, cfg_path, db_path, store, "stress",
                          transplant || synthetic ? (uint64_t)seed : 0)))
        goto fail;
    if ((rc = hs_stress_write(st, co.out, co.force, &meta)))
        goto fail;
    if (co.fmt >= 0) {
        if ((rc = print_summary(st, (hs_summary_format)co.fmt, cfg_path,
                                co.out)))
            goto fail;
    } else if (!co.quiet) {
        const size_t nw = hs_stress_n_windows(st);
        printf("hedgesim stress: %s, %zu window%s, hedge %s on %s\n\n",
               cfg->path, nw, nw == 1 ? "" : "s", cfg->instrument,
               cfg->benchmark);
        print_table(st);
        print_transplant_notes(st);
        if (hs_stress_n_synth(st))
            print_synth(st);
        printf("results: %s\n", co.out);
    }
    exit_code = hs_cli_finish(&co, HS_EXIT_OK);
    goto done;
fail:
    exit_code = hs_cli_fail(cmd, rc);
done:
    hs_stress_free(st);
    hs_store_close(store);
    hs_registry_free(reg);
    hs_config_free(cfg);
    return exit_code;
}
