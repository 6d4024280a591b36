/* Parameter sweep benchmark: many strategy configurations over the same
 * history, the way a researcher sweeps windows and bands.
 *
 *     build/bench/bench_sweep [DB [CONFIGS [daily|hourly|options]]]
 *
 * Prints configs x steps x assets per second for a daily sweep (13-asset
 * basket, 2019-2024) and an hourly one (ETH hedged with BTC, 2018-2020), and
 * the peak resident memory after 10 %, 50 % and 100 % of the configurations:
 * it must not grow with the number of configurations run one after another. */
#include "hedgesim/chain.h"
#include "hedgesim/engine.h"
#include "hedgesim/hedgesim.h"
#include "hedgesim/market.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int die(const char *what, int rc);

/* Put-hedged backtests: protective puts on modeled chains (a chain of some
 * 1,600 quotes generated at every step), varying moneyness and tenor. */
static int option_sweep(hs_store *store, size_t n_cfg)
{
    static const char *const syms[] = {"ETH", "BNB", "XRP", "ADA", "LTC",
                                       "BTC", "BTC-DVOL"};
    hs_history_opts ho = HS_HISTORY_OPTS_INIT;
    hs_panel *p = NULL;
    hs_context *ctx = NULL;
    hs_chain_source *src = NULL;
    hs_engine *e = NULL;
    int rc;
    ho.symbols = syms;
    ho.n_symbols = 7;
    ho.n_optional = 1;
    ho.hedge = "BTC-PERP";
    hs_cal_parse_time("2020-01-01", &ho.start);
    hs_cal_parse_time("2024-12-31", &ho.end);
    ho.lookback = 120;
    if ((rc = hs_market_load_history(store, &ho, &p)))
        return die("load", rc);
    int idx[5] = {0, 1, 2, 3, 4};
    hs_context_opts co;
    memset(&co, 0, sizeof co);
    co.bench = 5;
    co.hedge = 7;
    co.live_from = ho.lookback;
    co.book = (hs_book_opts){.n_assets = 5, .asset = idx,
                             .weighting = HS_WEIGHTS_EQUAL, .capital = 1e6,
                             .rebalance = HS_REBAL_WEEKLY, .min_history = 60,
                             .vol_window = 60};
    co.exec.fee_bps = 5;
    co.exec.window = 20;
    co.exec.model = &hs_cost_fixed;
    hs_values_init(&co.exec.model_values, hs_cost_fixed.params);
    if ((rc = hs_context_new(&ctx, p, &co)) ||
        (rc = hs_chain_source_model(&src, p, 5, 6, NULL))) {
        hs_context_free(ctx);
        hs_panel_free(p);
        return die("context", rc);
    }
    const hs_strategy_type *pp = NULL;
    for (const hs_strategy_type *const *t = hs_strategy_builtins; *t; t++)
        if (!strcmp((*t)->name, "protective_put"))
            pp = *t;
    size_t trades = 0;
    double t0 = now();
    for (size_t c = 0; c < n_cfg && rc == 0; c++) {
        hs_run_spec s;
        char buf[32];
        memset(&s, 0, sizeof s);
        s.name = "puts";
        s.type = pp;
        s.beta = &hs_beta_ewma;
        s.contract_size = 0.1;
        hs_values_init(&s.params, pp->params);
        hs_values_init(&s.beta_params, hs_beta_ewma.params);
        snprintf(buf, sizeof buf, "%g", 0.80 + 0.01 * (double)(c % 20));
        hs_values_set(&s.params, "moneyness", buf, "bench");
        snprintf(buf, sizeof buf, "%zu", 14 + 7 * (c % 8));
        hs_values_set(&s.params, "tenor_days", buf, "bench");
        s.options = (hs_option_opts){.chains = src, .underlying = 5,
                                     .multiplier = 1, .fee_rate = 0.0003,
                                     .fee_cap = 0.125, .max_positions = 8};
        rc = e ? hs_engine_reset(e, &s) : hs_engine_new(&e, ctx, &s);
        if (rc == 0)
            rc = hs_engine_run(e);
        if (rc == 0)
            trades += hs_engine_series(e)->n_otrades;
    }
    double dt = now() - t0;
    hs_engine_free(e);
    hs_chain_source_free(src);
    hs_context_free(ctx);
    if (rc) {
        hs_panel_free(p);
        return die("option run", rc);
    }
    printf("options: %zu protective-put configs x %zu steps, modeled chains "
           "generated every step\n",
           n_cfg, p->n_steps);
    printf("  runs %.3f s: %.3g put-hedged steps/s (%zu option trades)\n", dt,
           (double)n_cfg * (double)p->n_steps / dt, trades);
    hs_panel_free(p);
    return 0;
}

static int die(const char *what, int rc)
{
    fprintf(stderr, "bench_sweep: %s: %s\n", what,
            *hs_error_last() ? hs_error_last() : hs_strerror(rc));
    return 1;
}

/* One sweep: n_cfg configurations cycling through estimators, windows and
 * bands.  Returns 0 or an error. */
static int sweep(const char *label, hs_store *store, const char *const *syms,
                 size_t nsym, const char *hedge, int64_t start, int64_t end,
                 int64_t step, size_t n_cfg)
{
    hs_history_opts ho = HS_HISTORY_OPTS_INIT;
    hs_panel *p = NULL;
    hs_context *ctx = NULL;
    int rc;
    ho.symbols = syms;
    ho.n_symbols = nsym;
    ho.hedge = hedge;
    ho.start = start;
    ho.end = end;
    ho.step_ms = step;
    ho.lookback = 250;
    double t0 = now();
    if ((rc = hs_market_load_history(store, &ho, &p)))
        return die("load", rc);
    double t_load = now() - t0;
    const size_t nb = nsym - 1;
    int idx[64];
    for (size_t i = 0; i < nb; i++)
        idx[i] = (int)i;
    hs_context_opts co;
    memset(&co, 0, sizeof co);
    co.bench = (int)nb;
    co.hedge = (int)nb + 1;
    co.live_from = ho.lookback;
    co.book.n_assets = nb;
    co.book.asset = idx;
    co.book.weighting = HS_WEIGHTS_EQUAL;
    co.book.capital = 1e6;
    co.book.rebalance = HS_REBAL_WEEKLY;
    co.book.min_history = 60;
    co.book.vol_window = 60;
    co.exec.fee_bps = 5;
    co.exec.window = 20;
    co.exec.model = &hs_cost_fixed;
    hs_values_init(&co.exec.model_values, hs_cost_fixed.params);
    t0 = now();
    if ((rc = hs_context_new(&ctx, p, &co))) {
        hs_panel_free(p);
        return die("context", rc);
    }
    double t_ctx = now() - t0;

    const size_t live = p->n_steps - ho.lookback;
    long rss[3] = {0, 0, 0};
    double checksum = 0;
    hs_engine *e = NULL;
    t0 = now();
    for (size_t c = 0; c < n_cfg; c++) {
        const hs_strategy_type *t = hs_strategy_builtins[1 + c % 3];
        const hs_beta_type *b = hs_beta_types[c / 3 % 4];
        hs_run_spec s;
        memset(&s, 0, sizeof s);
        s.name = "sweep";
        s.type = t;
        s.beta = b;
        s.contract_size = 0.001;
        hs_values_init(&s.params, t->params);
        hs_values_init(&s.beta_params, b->params);
        char buf[32];
        /* Windows 20..219, half-lives 5..104, bands 0.02..0.40. */
        snprintf(buf, sizeof buf, "%zu", 20 + c % 200);
        hs_values_set(&s.beta_params, "window", buf, "bench");
        snprintf(buf, sizeof buf, "%zu", 5 + c % 100);
        hs_values_set(&s.beta_params, "halflife", buf, "bench");
        snprintf(buf, sizeof buf, "%g", 0.02 * (double)(1 + c % 20));
        hs_values_set(&s.params, "band", buf, "bench");
        hs_error_clear();
        /* One engine, reset per configuration: no allocation per run. */
        rc = e ? hs_engine_reset(e, &s) : hs_engine_new(&e, ctx, &s);
        if (rc || (rc = hs_engine_run(e)))
            break;
        checksum += hs_engine_series(e)->equity[p->n_steps - 1];
        if (c + 1 == n_cfg / 10)
            rss[0] = peak_rss_kib();
        if (c + 1 == n_cfg / 2)
            rss[1] = peak_rss_kib();
    }
    double t_run = now() - t0;
    hs_engine_free(e);
    rss[2] = peak_rss_kib();
    if (rc) {
        hs_context_free(ctx);
        hs_panel_free(p);
        return die("run", rc);
    }
    double asset_steps = (double)n_cfg * (double)p->n_steps * (double)nb;
    printf("%s: %zu configs x %zu steps (%zu live) x %zu assets\n", label,
           n_cfg, p->n_steps, live, nb);
    printf("  load %.3f s, context (book track, cost statistics) %.3f s\n",
           t_load, t_ctx);
    printf("  runs %.3f s: %.1f configs/s, %.3g steps/s, %.3g asset-steps/s\n",
           t_run, (double)n_cfg / t_run,
           (double)n_cfg * (double)p->n_steps / t_run, asset_steps / t_run);
    printf("  with the context: %.3g asset-steps/s\n",
           asset_steps / (t_run + t_ctx));
    printf("  peak RSS after 10%% / 50%% / 100%% of configs: %ld / %ld / %ld "
           "KiB\n",
           rss[0], rss[1], rss[2]);
    printf("  (checksum of final equities: %.6e)\n", checksum);
    hs_context_free(ctx);
    hs_panel_free(p);
    return 0;
}

int main(int argc, char **argv)
{
    const char *db = argc > 1 ? argv[1] : "datasets/hedgesim.db";
    size_t n_cfg = argc > 2 ? (size_t)atol(argv[2]) : 1000;
    const char *only = argc > 3 ? argv[3] : "";
    hs_store *store = NULL;
    int64_t a, b;
    hs_init();
    int rc = hs_store_open(&store, db, HS_STORE_READONLY);
    if (rc)
        return die(db, rc);
    static const char *const daily[] = {
        "ETH", "BNB", "XRP",  "ADA", "DOGE",  "LINK", "LTC",
        "ATOM", "TRX", "XLM", "ETC", "MATIC", "BCH",  "BTC"};
    hs_cal_parse_time("2019-01-01", &a);
    hs_cal_parse_time("2024-12-31", &b);
    if ((!*only || !strcmp(only, "daily")) &&
        sweep("daily", store, daily, 14, "BTC-PERP", a, b, HS_MS_PER_DAY,
              n_cfg)) {
        hs_store_close(store);
        return 1;
    }
    static const char *const hourly[] = {"ETH.1h", "BTC.1h"};
    hs_cal_parse_time("2018-01-01", &a);
    hs_cal_parse_time("2020-12-29", &b);
    int fail = 0;
    if (!*only || !strcmp(only, "hourly"))
        fail = sweep("hourly", store, hourly, 2, "BTC.1h", a, b,
                     HS_MS_PER_HOUR, n_cfg / 10);
    if (!fail && (!*only || !strcmp(only, "options")))
        fail = option_sweep(store, n_cfg / 50 ? n_cfg / 50 : 1);
    hs_store_close(store);
    return fail;
}
