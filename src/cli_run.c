/* hedgesim run: backtest the strategies of a config on history. */
#include "cli_int.h"
#include "hedgesim/calendar.h"
#include "hedgesim/chain.h"
#include "hedgesim/config.h"
#include "hedgesim/engine.h"
#include "hedgesim/errors.h"
#include "hedgesim/results_run.h"
#include "hedgesim/sha256.h"
#include "hedgesim/store.h"

#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LIST 64

static void help(FILE *fp)
{
    fprintf(fp,
            "usage: hedgesim run CONFIG.ini [options]\n\n"
            "Backtest every [strategy.NAME] of CONFIG over the same history and\n"
            "write the series and metrics to an HDF5 file.\n\n"
            "options:\n"
            "  -o, --output PATH     results file (default results/<config>.h5)\n"
            "  -f, --force           replace an existing results file\n"
            "      --set S.K=V       override a config key (repeatable), e.g.\n"
            "                        --set data.start=2021-01-01\n"
            "                        --set strategy.ols60.window=90\n"
            "      --strategy NAME   run only this [strategy.NAME] (repeatable)\n"
            "      --plugin PATH.so  load user strategies (repeatable)\n"
            "      --db PATH         market store (overrides data.db)\n"
            "  -q, --quiet           no summary table\n"
            "  -h, --help            this help\n\n"
            "See docs/configuration.md for the config keys and\n"
            "docs/results-format.md for the file layout.\n");
}

static const char *fmt_pct(double x, char *buf, size_t n)
{
    if (!isfinite(x))
        snprintf(buf, n, "%s", "n/a");
    else
        snprintf(buf, n, "%.2f%%", 100 * x);
    return buf;
}

static const char *fmt_num(double x, int decimals, char *buf, size_t n)
{
    if (!isfinite(x))
        snprintf(buf, n, "%s", "n/a");
    else
        snprintf(buf, n, "%.*f", decimals, x);
    return buf;
}

static void print_table(const hs_config *cfg, const hs_panel *p, size_t lf,
                        const hs_run_spec *specs, const hs_metrics *m,
                        size_t nr, const char *out)
{
    char t0[32], t1[32], b[8][32];
    char step[32];
    if (p->step_ms % HS_MS_PER_DAY == 0)
        snprintf(step, sizeof step, "%lldd",
                 (long long)(p->step_ms / HS_MS_PER_DAY));
    else if (p->step_ms % HS_MS_PER_HOUR == 0)
        snprintf(step, sizeof step, "%lldh",
                 (long long)(p->step_ms / HS_MS_PER_HOUR));
    else
        snprintf(step, sizeof step, "%lldm",
                 (long long)(p->step_ms / HS_MS_PER_MINUTE));
    printf("hedgesim run: %s, %s .. %s, %zu steps of %s, %zu book assets, "
           "hedge %s on %s\n",
           cfg->path, hs_cal_format_time(p->time[lf], t0, sizeof t0),
           hs_cal_format_time(p->time[p->n_steps - 1], t1, sizeof t1),
           p->n_steps - lf, step, cfg->n_assets, cfg->instrument,
           cfg->benchmark);
    if (p->notes[0]) {
        printf("data notes:\n");
        const char *s = p->notes;
        while (*s) {
            const char *nl = strchr(s, '\n');
            size_t len = nl ? (size_t)(nl - s) : strlen(s);
            printf("  - %.*s\n", (int)len, s);
            s += len + (nl ? 1 : 0);
        }
    }
    int any_premium = 0;
    for (size_t i = 0; i < nr; i++)
        any_premium |= m[i].premium != 0;
    printf("\n%-14s %-18s %7s %7s %7s %8s %8s %7s %11s %11s", "run", "type",
           "HE", "TE", "beta_r", "ann.ret", "max.DD", "CVaR95", "fees+slip",
           "funding");
    printf(any_premium ? " %11s\n" : "\n", "premium");
    for (size_t i = 0; i < nr; i++) {
        double costs = m[i].fees + m[i].slippage;
        printf("%-14s %-18s %7s %7s %7s %8s %8s %7s %11s %11s", specs[i].name,
               specs[i].type->name,
               fmt_num(m[i].hedge_effectiveness, 3, b[0], 32),
               fmt_pct(m[i].tracking_error, b[1], 32),
               fmt_num(m[i].residual_beta, 3, b[2], 32),
               fmt_pct(m[i].ann_return, b[3], 32),
               fmt_pct(m[i].max_drawdown, b[4], 32),
               fmt_pct(m[i].cvar95, b[5], 32),
               fmt_num(costs, 0, b[6], 32), fmt_num(m[i].funding + 0.0, 0, b[7], 32));
        if (any_premium)
            printf(" %11s", fmt_num(m[i].premium + 0.0, 0, b[0], 32));
        printf("\n");
    }
    printf("\nHE hedge effectiveness 1 - Var(hedged)/Var(unhedged); TE tracking "
           "error to the target\nbeta, annualised; beta_r residual beta; "
           "CVaR95 of one step's return; fees+slip\nand funding paid over the "
           "run, in currency (negative funding: received);\npremium: net option "
           "premium paid, less sales and settlements.  Definitions:\n"
           "docs/metrics.md.\n");
    if (out)
        printf("results: %s\n", out);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int hs_cli_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"force", no_argument, NULL, 'f'},
        {"set", required_argument, NULL, 'S'},
        {"strategy", required_argument, NULL, 's'},
        {"plugin", required_argument, NULL, 'P'},
        {"db", required_argument, NULL, 'D'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *cmd = "run", *out = NULL, *db = NULL;
    const char *sets[MAX_LIST], *only[MAX_LIST], *plugins[MAX_LIST];
    size_t nsets = 0, nonly = 0, nplug = 0;
    int force = 0, quiet = 0, c, rc = 0, exit_code = HS_EXIT_FAIL;
    char outbuf[1200];

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:fqh", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'f':
            force = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'D':
            db = optarg;
            break;
        case 'S':
        case 's':
        case 'P': {
            const char **list = c == 'S' ? sets : c == 's' ? only : plugins;
            size_t *n = c == 'S' ? &nsets : c == 's' ? &nonly : &nplug;
            if (*n == MAX_LIST)
                return hs_cli_usage_error(cmd, "too many %s options",
                                          argv[optind - 2]);
            list[(*n)++] = optarg;
            break;
        }
        case 'h':
            help(stdout);
            return HS_EXIT_OK;
        default:
            return hs_cli_bad_option(cmd, c, argv);
        }
    }
    if (optind != argc - 1)
        return hs_cli_usage_error(cmd, optind >= argc
                                           ? "a config file is required"
                                           : "exactly one config file, please");
    const char *cfg_path = argv[optind];

    hs_config *cfg = NULL;
    hs_registry *reg = NULL;
    hs_store *store = NULL;
    hs_panel *panel = NULL;
    hs_context *ctx = NULL;
    hs_chain_source *chains = NULL;
    int modeled = 0;
    hs_run_spec specs[HS_CONFIG_MAX_RUNS];
    hs_engine *eng[HS_CONFIG_MAX_RUNS] = {0};
    hs_metrics met[HS_CONFIG_MAX_RUNS];
    hs_run_output outs[HS_CONFIG_MAX_RUNS];
    size_t nr = 0;

    /* 1. Everything that can be checked before touching data. */
    if ((rc = hs_config_load(&cfg, cfg_path)))
        goto fail;
    for (size_t i = 0; i < nsets; i++)
        if ((rc = hs_config_set(cfg, sets[i])))
            goto fail;
    if ((rc = hs_registry_new(&reg)))
        goto fail;
    for (size_t i = 0; i < nplug; i++)
        if ((rc = hs_registry_load(reg, plugins[i])))
            goto fail;
    for (size_t k = 0; k < nonly; k++) {
        size_t i;
        for (i = 0; i < cfg->n_runs; i++)
            if (!strcmp(cfg->runs[i].name, only[k]))
                break;
        if (i == cfg->n_runs) {
            char names[1024] = "";
            for (size_t j = 0; j < cfg->n_runs; j++) {
                strncat(names, j ? ", " : "", sizeof names - strlen(names) - 1);
                strncat(names, cfg->runs[j].name,
                        sizeof names - strlen(names) - 1);
            }
            fprintf(stderr,
                    "hedgesim run: --strategy %s: %s has no [strategy.%s] "
                    "(its runs: %s)\n",
                    only[k], cfg_path, only[k], names);
            exit_code = HS_EXIT_USAGE;
            goto done;
        }
    }
    for (size_t i = 0; i < cfg->n_runs; i++) {
        int chosen = nonly == 0;
        for (size_t k = 0; k < nonly; k++)
            chosen |= !strcmp(cfg->runs[i].name, only[k]);
        if (!chosen)
            continue;
        if ((rc = hs_config_run_spec(cfg, i, reg, &specs[nr])))
            goto fail;
        if ((specs[nr].type->flags & HS_STRATEGY_OPTIONS) && !cfg->has_options) {
            rc = hs_error_set(HS_ECONFIG,
                              "%s: [strategy.%s] type %s trades options: add "
                              "an [options] section (docs/configuration.md)",
                              cfg_path, specs[nr].name, specs[nr].type->name);
            goto fail;
        }
        nr++;
    }
    if (!out) {
        char base[1024];
        snprintf(base, sizeof base, "%s", cfg_path);
        char *bn = basename(base), *dot = strrchr(bn, '.');
        if (dot)
            *dot = '\0';
        snprintf(outbuf, sizeof outbuf, "results/%s.h5", bn);
        out = outbuf;
    }
    if (file_exists(out) && !force) {
        fprintf(stderr,
                "hedgesim run: %s exists: use --force to replace it or -o to "
                "write elsewhere\n",
                out);
        goto done;
    }

    /* 2. Data: loaded once, before any loop. */
    const char *db_path = db ? db : cfg->db;
    if ((rc = hs_store_open(&store, db_path, HS_STORE_READONLY)))
        goto fail;
    size_t lookback = cfg->lookback;
    if (lookback == 0) {
        /* Assets need min_history bars to join the basket, then the slowest
         * estimator of the config (all its runs, so that --strategy does not
         * change the window) needs its warm-up on the basket's returns. */
        size_t warm = 0;
        for (size_t i = 0; i < cfg->n_runs; i++) {
            hs_run_spec any;
            if ((rc = hs_config_run_spec(cfg, i, reg, &any)))
                goto fail;
            if (any.beta) {
                size_t w = hs_beta_warmup(any.beta, &any.beta_params);
                if (w > warm)
                    warm = w;
            }
        }
        lookback = cfg->min_history + warm + 1;
    }
    const char *symbols[HS_CONFIG_MAX_ASSETS + 3];
    hs_history_opts ho;
    hs_config_history(cfg, symbols, &ho);
    ho.lookback = lookback;
    int opt_under = -1, opt_vol = -1;
    if (cfg->has_options) {
        /* The underlying (unless already loaded) and the vol index, which
         * may start inside the window (DVOL from 2021-03-24). */
        size_t n = ho.n_symbols;
        for (size_t i = 0; i < n; i++)
            if (!strcmp(symbols[i], cfg->opt_underlying))
                opt_under = (int)i;
        if (opt_under < 0) {
            opt_under = (int)n;
            symbols[n++] = cfg->opt_underlying;
        }
        if (cfg->opt_chains == 0 && cfg->opt_vol_index[0]) {
            opt_vol = (int)n;
            symbols[n++] = cfg->opt_vol_index;
            ho.n_optional = 1;
        }
        ho.n_symbols = n;
    }
    if ((rc = hs_market_load_history(store, &ho, &panel)))
        goto fail;
    hs_panel_note(panel, "USDT prices treated as USD (data.usdt_is_usd)");
    if (opt_under >= 0 && (size_t)opt_under != cfg->n_assets)
        opt_under = hs_panel_find(panel, cfg->opt_underlying);
    if (opt_vol >= 0 && panel->first[opt_vol] < 0)
        opt_vol = -1; /* no index data in the window: realized vol */

    int book_idx[HS_CONFIG_MAX_ASSETS];
    for (size_t i = 0; i < cfg->n_assets; i++)
        book_idx[i] = (int)i;
    hs_context_opts co = {
        .bench = (int)cfg->n_assets,
        .hedge = (int)panel->n_assets - 1, /* the loader puts it last */
        .live_from = lookback,
        .book = {.n_assets = cfg->n_assets,
                 .asset = book_idx,
                 .weighting = cfg->weighting,
                 .fixed = cfg->weights,
                 .capital = cfg->capital,
                 .rebalance = cfg->rebalance,
                 .min_history = cfg->min_history,
                 .vol_window = cfg->vol_window},
        .exec = cfg->exec,
    };
    if ((rc = hs_context_new(&ctx, panel, &co)))
        goto fail;

    /* Option chains, for the runs that trade options. */
    int need_options = 0;
    for (size_t i = 0; i < nr; i++)
        need_options |= (specs[i].type->flags & HS_STRATEGY_OPTIONS) != 0;
    if (need_options) {
        rc = cfg->opt_chains == 0
                 ? hs_chain_source_model(&chains, panel, opt_under, opt_vol,
                                         &cfg->opt_model)
                 : hs_chain_source_store(&chains, store, panel,
                                         cfg->opt_underlying,
                                         cfg->opt_source[0] ? cfg->opt_source
                                                            : NULL,
                                         cfg->opt_max_age);
        if (rc)
            goto fail;
        if (cfg->opt_chains == 0)
            hs_panel_note(panel,
                          "option quotes are MODELED, not exchange data: ATM "
                          "vol from %s%s",
                          opt_vol >= 0 ? cfg->opt_vol_index
                                       : "realized volatility",
                          opt_vol >= 0 ? " where it has data, realized "
                                         "volatility before"
                                       : "");
        else
            hs_panel_note(panel, "option quotes replayed from the store's "
                                 "snapshots (%s)",
                          cfg->opt_source[0] ? cfg->opt_source : "exchange");
        modeled = cfg->opt_chains == 0;
        for (size_t i = 0; i < nr; i++) {
            if (!(specs[i].type->flags & HS_STRATEGY_OPTIONS))
                continue;
            specs[i].options.chains = chains;
            specs[i].options.underlying = opt_under;
            specs[i].options.multiplier = cfg->opt_multiplier;
            specs[i].options.fee_rate = cfg->opt_fee_rate;
            specs[i].options.fee_cap = cfg->opt_fee_cap;
            specs[i].options.max_positions = cfg->opt_max_positions;
        }
    }

    /* 3. The runs, stepped together: a chain generated for a step then
     * serves every option run, and each engine still sees only its own
     * past. */
    for (size_t i = 0; i < nr; i++)
        if ((rc = hs_engine_new(&eng[i], ctx, &specs[i])))
            goto fail;
    for (size_t left = nr; left > 0;) {
        left = 0;
        for (size_t i = 0; i < nr; i++) {
            rc = hs_engine_step(eng[i]);
            if (rc == 0)
                left++;
            else if (rc != HS_ITEROVER)
                goto fail;
        }
    }
    rc = 0;
    for (size_t i = 0; i < nr; i++) {
        if ((rc = hs_engine_metrics(eng[i], &met[i])))
            goto fail;
        if (specs[i].beta) {
            /* Warn if the estimator never became usable. */
            const hs_run_series *s = hs_engine_series(eng[i]);
            size_t ok = 0;
            for (size_t t = lookback; t < s->n_steps; t++)
                ok += isfinite(s->beta[t]) != 0;
            if (ok == 0) {
                rc = hs_error_set(HS_EDATA,
                                  "run '%s': the %s estimator never warmed up: "
                                  "the history is too short for its window",
                                  specs[i].name, specs[i].beta->name);
                goto fail;
            }
        }
        outs[i].spec = &specs[i];
        outs[i].series = hs_engine_series(eng[i]);
        outs[i].metrics = &met[i];
    }

    /* 4. Results. */
    char sha[65] = "";
    if ((rc = hs_sha256_file(db_path, sha)))
        goto fail;
    hs_results_meta meta = {
        .command_line = hs_cli_command_line(),
        .config_text = cfg->text,
        .config_path = cfg_path,
        .overrides = cfg->overrides,
        .dataset_path = db_path,
        .dataset_sha256 = sha,
        .mode = "history",
        .seed = 0,
        .rolling_window = 90,
        .modeled_data = modeled,
    };
    if ((rc = hs_results_write_runs(out, force, &meta, ctx, outs, nr)))
        goto fail;
    if (!quiet)
        print_table(cfg, panel, lookback, specs, met, nr, out);
    exit_code = HS_EXIT_OK;
    goto done;
fail:
    exit_code = hs_cli_fail(cmd, rc);
done:
    for (size_t i = 0; i < nr; i++)
        hs_engine_free(eng[i]);
    hs_context_free(ctx);
    hs_chain_source_free(chains);
    hs_panel_free(panel);
    hs_store_close(store);
    hs_registry_free(reg);
    hs_config_free(cfg);
    return exit_code;
}
