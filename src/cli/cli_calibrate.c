/* hedgesim calibrate: fit a regime model to the config's assets and
 * benchmark over a window of history and write it as an editable [mc]
 * model (include/hedgesim/calibrate.h has the method). */
#include "cli_int.h"
#include "hedgesim/calendar.h"
#include "hedgesim/calibrate.h"
#include "hedgesim/config.h"
#include "hedgesim/errors.h"
#include "hedgesim/market.h"
#include "hedgesim/plan.h"
#include "hedgesim/store.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SYM (HS_CONFIG_MAX_ASSETS + 1)

static void help(FILE *fp)
{
    fprintf(fp,
            "usage: hedgesim calibrate CONFIG.ini [options]\n\n"
            "Fit a regime-switching model (a Gaussian hidden Markov model of "
            "the\nbenchmark's log returns, then each regime's vols, "
            "correlations and betas\nof the book's assets and the benchmark) "
            "over a window of history, print\nit, and write it as an [mc] "
            "model a user can edit.\n\n"
            "options:\n"
            "  -o, --output PATH     write the model here (default: standard "
            "output,\n"
            "                        and the summary to standard error)\n"
            "  -f, --force           replace an existing model file\n"
            "  -w, --window A..B     fit window, e.g. 2020-01-01..2023-12-31\n"
            "                        (default: the config's [data] start..end)\n"
            "  -k, --states K        regimes, 1 to 8 (default 2: calm, stress)\n"
            "      --jumps H         crash jumps beyond H robust sds in the "
            "stress\n"
            "                        regime (default 4; 0: none)\n"
            "      --db PATH         market store (overrides data.db)\n"
            "  -q, --quiet           no summary\n"
            "  -h, --help            this help\n\n"
            "See docs/montecarlo.md (Calibration).\n");
}

/* "A..B" into two times. */
static int parse_window(const char *text, int64_t *a, int64_t *b)
{
    const char *dots = strstr(text, "..");
    if (!dots || dots == text || !dots[2])
        return -1;
    char left[64];
    size_t n = (size_t)(dots - text);
    if (n >= sizeof left)
        return -1;
    memcpy(left, text, n);
    left[n] = '\0';
    if (hs_cal_parse_time(left, a) || hs_cal_parse_time(dots + 2, b))
        return -1;
    return 0;
}

/* Per-step log returns (NaN unless both bars are real and positive). */
static double *log_returns(const hs_panel *p)
{
    const size_t n = p->n_steps - 1, na = p->n_assets;
    double *r = malloc(n * na * sizeof *r);
    if (!r)
        return NULL;
    for (size_t t = 1; t < p->n_steps; t++)
        for (size_t a = 0; a < na; a++) {
            size_t i = t * na + a, j = (t - 1) * na + a;
            double c1 = p->close[i], c0 = p->close[j];
            r[(t - 1) * na + a] = p->state[i] == HS_BAR_OK &&
                                          p->state[j] == HS_BAR_OK &&
                                          c0 > 0 && c1 > 0
                                      ? log(c1 / c0)
                                      : NAN;
        }
    return r;
}

static void print_summary(FILE *fp, const hs_config *cfg,
                          const hs_panel *p, const hs_regime_fit *f,
                          const char *const *sym, size_t n_book,
                          size_t bench, double jumps, int64_t t0, int64_t t1,
                          size_t n_starts)
{
    const double A = hs_plan_periods_per_year(cfg), /* the calendar's */
                 days = (double)p->step_ms / (double)HS_MS_PER_DAY;
    const size_t k = f->k, na = f->n_assets;
    char s0[32], s1[32];
    fprintf(fp,
            "hedgesim calibrate: %s, %s and %zu book asset%s, %s .. %s, "
            "%zu returns of %gd\n",
            cfg->path, sym[bench], n_book, n_book == 1 ? "" : "s",
            hs_cal_format_time(t0, s0, sizeof s0),
            hs_cal_format_time(t1, s1, sizeof s1), f->n_obs, days);
    fprintf(fp,
            "%zu-regime Gaussian HMM of %s log returns: log-likelihood %.1f, "
            "%zu EM iterations (best of %zu starts)\n",
            k, sym[bench], f->loglik, f->iterations, n_starts);
    if (jumps > 0)
        fprintf(fp,
                "crash jumps (%s below %g robust sd in %s): %.2f%% of its "
                "steps, mean %+.1f%%, sd %.1f%%\n",
                sym[bench], jumps, hs_regime_name(k, k - 1),
                100 * f->jump_rate, 100 * f->jump_mean, 100 * f->jump_sd);
    fprintf(fp, "\n%-8s %7s %9s %9s %10s %9s\n", "regime", "share",
            "stay (d)", "vol/yr", "drift/yr", "mean corr");
    for (size_t r = 0; r < k; r++) {
        double mc = 0;
        size_t np = 0;
        for (size_t a = 0; a < n_book; a++)
            for (size_t b = a + 1; b < n_book; b++, np++)
                mc += f->corr[r * na * na + a * na + b];
        char corr[16];
        if (np)
            snprintf(corr, sizeof corr, "%.2f", mc / (double)np);
        else
            snprintf(corr, sizeof corr, "n/a");
        fprintf(fp, "%-8s %6.1f%% %9.1f %8.1f%% %+9.1f%% %9s\n",
                hs_regime_name(k, r), 100 * f->stationary[r],
                f->duration[r] * days, 100 * f->bench_vol[r] * sqrt(A),
                100 * f->bench_mean[r] * A, corr);
    }
    fprintf(fp, "\ntransition probabilities per step (row: from, column: "
                "to)\n%-8s",
            "");
    for (size_t j = 0; j < k; j++)
        fprintf(fp, " %10s", hs_regime_name(k, j));
    for (size_t i = 0; i < k; i++) {
        fprintf(fp, "\n%-8s", hs_regime_name(k, i));
        for (size_t j = 0; j < k; j++)
            fprintf(fp, " %10.6f", f->trans[i * k + j]);
    }
    fprintf(fp, "\n\n%-10s", "beta");
    for (size_t r = 0; r < k; r++)
        fprintf(fp, " %7s", hs_regime_name(k, r));
    fprintf(fp, "   vol/yr");
    for (size_t r = 0; r < k; r++)
        fprintf(fp, " %7s", hs_regime_name(k, r));
    fprintf(fp, "\n");
    for (size_t a = 0; a < na; a++) {
        fprintf(fp, "%-10s", sym[a]);
        for (size_t r = 0; r < k; r++)
            fprintf(fp, " %7.2f", f->beta[r * na + a]);
        fprintf(fp, "   %6s", "");
        for (size_t r = 0; r < k; r++)
            fprintf(fp, " %6.1f%%", 100 * f->vol[r * na + a] * sqrt(A));
        fprintf(fp, "\n");
    }
    fprintf(fp,
            "\nshare: stationary share of steps; stay: expected duration; "
            "vol and drift of\n%s, annualised (x sqrt(%g), x %g); mean corr: "
            "mean pairwise correlation of\nthe book's assets.\n",
            sym[bench], A, A);
}

/* Write the model to `out` through a temporary file in the same folder,
 * renamed when complete. */
static int write_model(const char *out, const char *head, double ppy,
                       const hs_regime_fit *f, const char *const *sym)
{
    char tmp[1100];
    int n = snprintf(tmp, sizeof tmp, "%s.XXXXXX", out);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return hs_error_set(HS_EINVAL, "%s: path too long", out);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return hs_error_set(HS_EIO, "%s: cannot create a temporary file: %s",
                            out, strerror(errno));
    FILE *fp = fdopen(fd, "w");
    if (!fp) {
        close(fd);
        unlink(tmp);
        return hs_error_set(HS_EIO, "%s: %s", out, strerror(errno));
    }
    int rc = 0;
    if (fputs(head, fp) == EOF)
        rc = hs_error_set(HS_EIO, "%s: write failed: %s", out,
                          strerror(errno));
    if (!rc)
        rc = hs_regime_fit_write_ini(f, sym, ppy, fp);
    if (fflush(fp) || fsync(fileno(fp)))
        rc = rc ? rc
                : hs_error_set(HS_EIO, "%s: write failed: %s", out,
                               strerror(errno));
    if (fclose(fp) && !rc)
        rc = hs_error_set(HS_EIO, "%s: write failed: %s", out,
                          strerror(errno));
    if (!rc && chmod(tmp, 0644))
        rc = hs_error_set(HS_EIO, "%s: %s", out, strerror(errno));
    if (!rc && rename(tmp, out))
        rc = hs_error_set(HS_EIO, "%s: cannot rename the temporary file: %s",
                          out, strerror(errno));
    if (rc)
        unlink(tmp);
    return rc;
}

int hs_cli_calibrate(int argc, char **argv)
{
    static const struct option opts[] = {
        HS_CLI_OPT_OUTPUT,
        HS_CLI_OPT_FORCE,
        {"window", required_argument, NULL, 'w'},
        {"states", required_argument, NULL, 'k'},
        {"jumps", required_argument, NULL, 'J'},
        HS_CLI_OPT_DB,
        HS_CLI_OPT_QUIET,
        HS_CLI_OPT_HELP,
        {NULL, 0, NULL, 0}};
    const char *cmd = "calibrate", *window = NULL;
    hs_cli_common co = HS_CLI_COMMON_INIT(cmd, help);
    int c, rc = 0, exit_code = HS_EXIT_FAIL;
    long states = 2;
    hs_fit_opts fo = HS_FIT_OPTS_INIT;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:fw:k:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'w':
            window = optarg;
            break;
        case 'k':
            if (hs_cli_long(cmd, "--states", optarg, &states))
                return HS_EXIT_USAGE;
            if (states < 1 || states > HS_FIT_MAX_STATES)
                return hs_cli_usage_error(cmd, "--states: %ld: choose 1 to %d",
                                          states, HS_FIT_MAX_STATES);
            break;
        case 'J': /* --jumps here, not --json */
            if (hs_cli_double(cmd, "--jumps", optarg, &fo.jump_threshold))
                return HS_EXIT_USAGE;
            if (fo.jump_threshold < 0)
                return hs_cli_usage_error(cmd, "--jumps: %s: must be >= 0",
                                          optarg);
            break;
        default:
            if ((rc = hs_cli_common_opt(&co, c, argv)) != HS_CLI_NEXT)
                return rc;
        }
    }
    const char *cfg_path = hs_cli_operand(cmd, argc, argv, "config file");
    if (!cfg_path)
        return HS_EXIT_USAGE;
    const char *out = co.out;
    int64_t w0 = 0, w1 = 0;
    if (window && (parse_window(window, &w0, &w1) || w0 >= w1))
        return hs_cli_usage_error(cmd,
                                  "--window: '%s' is not START..END with "
                                  "START before END (dates as in configs)",
                                  window);
    const size_t k = (size_t)states;

    hs_config *cfg = NULL;
    hs_store *store = NULL;
    hs_panel *panel = NULL;
    hs_regime_fit *fit = NULL;
    double *ret = NULL, *bench = NULL;
    const char *sym[MAX_SYM];
    size_t n_sym = 0, n_book = 0, ib = 0;

    /* 1. What can be checked before touching data. */
    if ((rc = hs_config_load(&cfg, cfg_path)))
        goto fail;
    if (out) {
        struct stat st;
        if (lstat(out, &st) == 0) {
            if (!S_ISREG(st.st_mode)) {
                fprintf(stderr,
                        "hedgesim calibrate: %s exists and is not a regular "
                        "file: not replaced\n",
                        out);
                goto done;
            }
            if (!co.force) {
                fprintf(stderr,
                        "hedgesim calibrate: %s exists: use --force to "
                        "replace it or -o to write elsewhere\n",
                        out);
                goto done;
            }
        }
    }
    for (size_t a = 0; a < cfg->n_assets; a++)
        sym[n_sym++] = cfg->assets[a];
    n_book = n_sym;
    for (ib = 0; ib < n_sym && strcmp(sym[ib], cfg->benchmark); ib++)
        ;
    if (ib == n_sym)
        sym[n_sym++] = cfg->benchmark;
    if (n_sym + 6 + k > HS_FIT_INI_MAX_KEYS) {
        fprintf(stderr,
                "hedgesim calibrate: %s: %zu assets (book and benchmark) with "
                "%zu regimes are too many for a model section (at most %zu "
                "with %zu regimes): calibrate a smaller book\n",
                cfg_path, n_sym, k, (size_t)HS_FIT_INI_MAX_KEYS - 6 - k, k);
        goto done;
    }
    if (!window) {
        w0 = cfg->start;
        w1 = cfg->end;
    }

    /* 2. The returns of every asset over the window. */
    hs_history_opts ho = HS_HISTORY_OPTS_INIT;
    ho.symbols = sym;
    ho.n_symbols = n_sym;
    ho.hedge = NULL;
    ho.start = w0;
    ho.end = w1;
    ho.step_ms = cfg->step_ms;
    ho.calendar = cfg->calendar; /* the config's sessions only */
    ho.lookback = 0;
    ho.funding = HS_FUNDING_NONE;
    ho.rate_series = NULL;
    if ((rc = hs_cli_store_open(&store, hs_cli_db(&co, cfg))) ||
        (rc = hs_market_load_history(store, &ho, &panel)))
        goto fail;
    if (panel->n_steps < 2) {
        rc = hs_error_set(HS_EDATA, "%s: the window has %zu step(s): no "
                                    "returns to fit",
                          cfg_path, panel->n_steps);
        goto fail;
    }
    const size_t n = panel->n_steps - 1;
    if (!(ret = log_returns(panel)) || !(bench = malloc(n * sizeof *bench))) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t t = 0; t < n; t++)
        bench[t] = ret[t * n_sym + ib];
    for (size_t a = 0; a < n_sym; a++) {
        size_t cnt = 0;
        for (size_t t = 0; t < n; t++)
            cnt += !isnan(ret[t * n_sym + a]);
        if (cnt < 2) {
            rc = hs_error_set(HS_EDATA,
                              "%s: %s has %zu return%s in the window: choose "
                              "a window where it trades, or drop it from "
                              "[book] assets",
                              cfg_path, sym[a], cnt, cnt == 1 ? "" : "s");
            goto fail;
        }
    }

    /* 3. The fit. */
    rc = hs_regime_fit_new(&fit, bench, ret, n, n_sym, k, &fo);
    if (rc) {
        /* The library numbers the assets' columns: name them. */
        char names[1024];
        size_t len = 0;
        for (size_t a = 0; a < n_sym && len < sizeof names; a++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%zu %s",
                                    a ? ", " : "", a, sym[a]);
        hs_error_prefix("%s (columns: %s): ", cfg_path, names);
        goto fail;
    }
    if (!co.quiet)
        print_summary(out ? stdout : stderr, cfg, panel, fit, sym, n_book, ib,
                      fo.jump_threshold, panel->time[0],
                      panel->time[panel->n_steps - 1], fo.n_starts);

    /* 4. The model, in the order `hedgesim mc` reads its lists: the
     * benchmark, then the book's assets; annual figures. */
    const char *msym[MAX_SYM];
    size_t order[MAX_SYM], m = 0;
    order[m] = ib;
    msym[m++] = sym[ib];
    for (size_t a = 0; a < n_sym; a++)
        if (a != ib) {
            order[m] = a;
            msym[m++] = sym[a];
        }
    const double ppy = hs_plan_periods_per_year(cfg);
    if ((rc = hs_regime_fit_reorder(fit, order)))
        goto fail;
    char head[2048], s0[32], s1[32];
    snprintf(head, sizeof head,
             "; Regime model calibrated by hedgesim calibrate from %.100s on its "
             "store,\n; %s .. %s, steps of %lld min, columns: the benchmark %s, "
             "then the book.\n",
             cfg->path, hs_cal_format_time(panel->time[0], s0, sizeof s0),
             hs_cal_format_time(panel->time[panel->n_steps - 1], s1,
                                sizeof s1),
             (long long)(panel->step_ms / HS_MS_PER_MINUTE), cfg->benchmark);
    if (out) {
        if ((rc = write_model(out, head, ppy, fit, msym)))
            goto fail;
        if (!co.quiet)
            printf("model: %s\n", out);
    } else {
        fputs(head, stdout);
        if ((rc = hs_regime_fit_write_ini(fit, msym, ppy, stdout)))
            goto fail;
        if (fflush(stdout)) {
            rc = hs_error_set(HS_EIO, "standard output: %s", strerror(errno));
            goto fail;
        }
    }
    exit_code = HS_EXIT_OK;
    goto done;
fail:
    exit_code = hs_cli_fail(cmd, rc);
done:
    hs_regime_fit_free(fit);
    free(ret);
    free(bench);
    hs_panel_free(panel);
    hs_store_close(store);
    hs_config_free(cfg);
    return exit_code;
}
