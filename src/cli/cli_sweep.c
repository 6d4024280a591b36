/* hedgesim sweep: one run of a config over a grid of parameter values. */
#include "cli_int.h"
#include "hedgesim/calendar.h"
#include "hedgesim/config.h"
#include "hedgesim/errors.h"
#include "hedgesim/store.h"
#include "hedgesim/summary.h"
#include "hedgesim/sweep.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Best and worst rows printed. */
#define SHOW_ROWS 3

static const char *const cmd = "sweep";

static void help(FILE *fp)
{
    fprintf(fp,
            "usage: hedgesim sweep CONFIG.ini --vary KEY=SPEC [--vary ...] "
            "[options]\n\n"
            "Run one [strategy.NAME] of CONFIG over the grid of every --vary "
            "(their\ncartesian product) on one panel of history, and write a "
            "summary table with\none row per grid point.\n\n"
            "  --vary KEY=FIRST:LAST:STEP  a range, LAST included, e.g.\n"
            "                              strategy.ols60.window=20:250:10\n"
            "  --vary KEY=V1,V2,...        a list, e.g. "
            "costs.fee_bps=2,5,10\n"
            "  KEY is a key of the run's [strategy.NAME] section or of "
            "[costs].\n"
            "  Points are numbered as nested loops, the last --vary "
            "fastest.\n\n"
            "options:\n"
            "      --run NAME        the run to sweep (default: the "
            "config's only run)\n"
            "  -o, --output PATH     results file (default "
            "results/<config>-sweep.h5)\n"
            "  -f, --force           replace an existing results file\n"
            "      --report          also write an HTML report beside the\n"
            "                        results (X.h5 -> X.html; docs/report.md)\n"
            "  -j, --threads N       run points on N threads (default 1; "
            "results do not\n"
            "                        depend on N)\n"
            "  -k, --keep-series K   full series of the best and worst K "
            "points by\n"
            "                        hedge effectiveness (default 3)\n"
            "      --set S.K=V       override a config key (repeatable)\n"
            "      --plugin PATH.so  load user strategies (repeatable)\n"
            "      --db PATH         market store (overrides data.db)\n"
            "  -q, --quiet           no summary on stdout, no progress\n"
            "      --json            print /sweep/summary (one row per point)\n"
            "                        as JSON instead of the summary\n"
            "      --csv             print it as CSV instead\n"
            "  -h, --help            this help\n\n"
            "See docs/cli.md and docs/results-format.md (/sweep).\n");
}

static void progress(size_t done, size_t total, void *user)
{
    (void)user;
    fprintf(stderr, "\rhedgesim sweep: %zu / %zu points (%.0f%%)", done, total,
            total ? 100.0 * (double)done / (double)total : 100.0);
    if (done == total)
        fprintf(stderr, "\n");
    fflush(stderr);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct ranked {
    double he;
    size_t p;
} ranked;

/* HE descending, then grid order. */
static int cmp_rank(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->he != y->he)
        return x->he < y->he ? 1 : -1;
    return (x->p > y->p) - (x->p < y->p);
}

/* Quantile q of sorted x[0..n) by linear interpolation (numpy's default). */
static double quantile(const double *x, size_t n, double q)
{
    double h = q * (double)(n - 1);
    size_t i = (size_t)floor(h);
    if (i + 1 >= n)
        return x[n - 1];
    return x[i] + (h - (double)i) * (x[i + 1] - x[i]);
}

/* min, quartiles and max of the finite values of one metric. */
static void print_dist(const hs_sweep *sw, const char *label, size_t off,
                       double scale, const char *unit, double *buf)
{
    size_t n = 0;
    for (size_t p = 0; p < hs_sweep_n_points(sw); p++) {
        double v;
        memcpy(&v, (const char *)hs_sweep_metrics(sw, p) + off, sizeof v);
        if (isfinite(v))
            buf[n++] = v * scale;
    }
    printf("%-26s", label);
    if (n == 0) {
        printf(" n/a\n");
        return;
    }
    qsort(buf, n, sizeof *buf, cmp_double);
    const double q[5] = {0, 0.25, 0.5, 0.75, 1};
    for (int i = 0; i < 5; i++)
        printf(" %9.3f", quantile(buf, n, q[i]));
    printf("  %s\n", unit);
}

static void print_row(const hs_sweep *sw, size_t p)
{
    const hs_metrics *m = hs_sweep_metrics(sw, p);
    printf("%7zu", p);
    for (size_t a = 0; a < hs_sweep_n_axes(sw); a++)
        printf(" %14s", hs_sweep_value(sw, p, a));
    printf(" %7.3f %6.2f%% %7.3f %7.2f%%\n", m->hedge_effectiveness,
           100 * m->tracking_error, m->residual_beta,
           100 * m->hedge_cost_drag);
}

static void print_summary(const hs_sweep *sw, const char *cfg_path,
                          const char *out)
{
    const size_t n = hs_sweep_n_points(sw);
    const hs_panel *pn = hs_sweep_panel(sw);
    const size_t lf = hs_sweep_live_from(sw);
    double *buf = malloc((n ? n : 1) * sizeof *buf);
    ranked *rk = malloc((n ? n : 1) * sizeof *rk);
    size_t m = 0;
    char t0[32], t1[32];
    if (!buf || !rk)
        goto done;
    printf("hedgesim sweep: %s, run %s, %zu grid points, %s .. %s, %zu steps"
           "\n",
           cfg_path, hs_sweep_run_name(sw), n,
           hs_cal_format_time(pn->time[lf], t0, sizeof t0),
           hs_cal_format_time(pn->time[pn->n_steps - 1], t1, sizeof t1),
           pn->n_steps - lf);
    for (size_t a = 0; a < hs_sweep_n_axes(sw); a++)
        printf("  varied: %s\n", hs_sweep_axis_key(sw, a));
    printf("\n%-26s %9s %9s %9s %9s %9s\n", "", "min", "25%", "median", "75%",
           "max");
    print_dist(sw, "hedge effectiveness", offsetof(hs_metrics,
               hedge_effectiveness), 1, "", buf);
    print_dist(sw, "tracking error", offsetof(hs_metrics, tracking_error), 100,
               "% a year", buf);
    print_dist(sw, "hedge cost", offsetof(hs_metrics, hedge_cost_drag), 100,
               "% of equity a year", buf);

    /* Rows by HE, best first (NaN left out; ties in grid order). */
    for (size_t p = 0; p < n; p++)
        if (isfinite(hs_sweep_metrics(sw, p)->hedge_effectiveness)) {
            rk[m].he = hs_sweep_metrics(sw, p)->hedge_effectiveness;
            rk[m++].p = p;
        }
    qsort(rk, m, sizeof *rk, cmp_rank);
    printf("\n%7s", "point");
    for (size_t a = 0; a < hs_sweep_n_axes(sw); a++) {
        const char *k = hs_sweep_axis_key(sw, a), *dot = strrchr(k, '.');
        printf(" %14s", dot ? dot + 1 : k);
    }
    printf(" %7s %7s %7s %8s\n", "HE", "TE", "beta_r", "cost");
    size_t show = m < SHOW_ROWS ? m : SHOW_ROWS;
    printf("best:\n");
    for (size_t i = 0; i < show; i++)
        print_row(sw, rk[i].p);
    printf("worst:\n");
    for (size_t i = 0; i < show; i++)
        print_row(sw, rk[m - 1 - i].p);
    printf("\nHE hedge effectiveness, TE tracking error, beta_r residual "
           "beta, cost fees +\nslippage + funding + premium a year as a "
           "share of mean equity (docs/metrics.md).\n");
    if (out)
        printf("results: %s (/sweep/summary)\n", out);
done:
    free(buf);
    free(rk);
}

int hs_cli_sweep(int argc, char **argv)
{
    static const struct option opts[] = {
        {"vary", required_argument, NULL, 'V'},
        {"run", required_argument, NULL, 'r'},
        HS_CLI_OPTS_RESULTS,
        {"threads", required_argument, NULL, 'j'},
        {"keep-series", required_argument, NULL, 'k'},
        {NULL, 0, NULL, 0}};
    hs_cli_common co = HS_CLI_COMMON_INIT(cmd, help);
    const char *run = NULL, *vary[HS_CLI_MAX_LIST];
    size_t nvary = 0;
    long threads = 1, keep = 3;
    int c, rc = 0, exit_code = HS_EXIT_FAIL;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:fj:k:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            run = optarg;
            break;
        case 'j':
            if ((rc = hs_cli_long(cmd, "--threads", optarg, &threads)))
                return rc;
            if (threads < 1 || threads > HS_SWEEP_MAX_THREADS)
                return hs_cli_usage_error(cmd, "--threads: %ld is not in "
                                          "1..%d", threads,
                                          HS_SWEEP_MAX_THREADS);
            break;
        case 'k':
            if ((rc = hs_cli_long(cmd, "--keep-series", optarg, &keep)))
                return rc;
            if (keep < 0 || keep > 1000)
                return hs_cli_usage_error(cmd, "--keep-series: %ld is not in "
                                          "0..1000", keep);
            break;
        case 'V':
            if ((rc = hs_cli_push(cmd, vary, &nvary, argv)))
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
    if (nvary == 0)
        return hs_cli_usage_error(cmd, "at least one --vary KEY=SPEC is "
                                  "required");

    hs_config *cfg = NULL;
    hs_registry *reg = NULL;
    hs_store *store = NULL;
    hs_sweep *sw = NULL;

    /* 1. Everything that can be checked before touching data: the config,
     * the grid, every point, the output path. */
    if ((rc = hs_cli_load(&co, cfg_path, &cfg, &reg)))
        goto fail;
    const char *db_path = hs_cli_db(&co, cfg);
    hs_sweep_opts so = HS_SWEEP_OPTS_INIT;
    so.run = run;
    so.threads = (size_t)threads;
    so.keep_series = (size_t)keep;
    so.db = db_path;
    if (!co.quiet && isatty(STDERR_FILENO))
        so.progress = progress;
    hs_cli_share_sweep(&so); /* hedgesim-mpi: points shared over the ranks */
    if ((rc = hs_sweep_new(&sw, cfg, reg, vary, nvary, &so)))
        goto fail;
    if (hs_cli_output(&co, cfg_path, db_path, "-sweep") != HS_EXIT_OK)
        goto done;

    /* 2. The points, on one panel. */
    if ((rc = hs_cli_store_open(&store, db_path)) ||
        (rc = hs_cli_share_start(hs_sweep_n_points(sw))) ||
        (rc = hs_sweep_run(sw, store)) || (rc = hs_cli_gather_sweep(sw)))
        goto fail;
    if (hs_cli_rank() != 0) { /* rank 0 has the results and writes them */
        exit_code = HS_EXIT_OK;
        goto done;
    }

    /* 3. Results. */
    char sha[65];
    hs_results_meta meta;
    if ((rc = hs_cli_meta(&meta, sha, cfg, cfg_path, db_path, store, "sweep",
                          0)))
        goto fail;
    if ((rc = hs_sweep_write(sw, co.out, co.force, &meta)))
        goto fail;
    if (co.fmt >= 0) {
        hs_summary_about ab = {cmd, cfg_path, co.out};
        if ((rc = hs_summary_print_sweep(stdout, (hs_summary_format)co.fmt,
                                         sw, &ab)))
            goto fail;
    } else if (!co.quiet)
        print_summary(sw, cfg_path, co.out);
    exit_code = hs_cli_finish(&co, HS_EXIT_OK);
    goto done;
fail:
    exit_code = hs_cli_fail(cmd, rc);
done:
    hs_sweep_free(sw);
    hs_store_close(store);
    hs_registry_free(reg);
    hs_config_free(cfg);
    return exit_code;
}
