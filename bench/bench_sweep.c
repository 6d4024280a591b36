/* Parameter sweep benchmark: many strategy configurations over the same
 * history, the way a researcher sweeps windows and bands.
 *
 *     build/bench/bench_sweep [DB [CONFIGS [daily|hourly|options]]]
 *
 * Prints configs x steps x assets per second for a daily sweep (13-asset
 * basket, 2019-2024) and an hourly one (ETH hedged with BTC, 2018-2020), and
 * the peak resident memory after 10 %, 50 % and 100 % of the configurations:
 * it must not grow with the number of configurations run one after another.
 * Every sweep is a plan built from a config text, as `hedgesim run` builds
 * it, with one run replaced per configuration (hs_plan_rerun) and its
 * metrics computed (hs_plan_finish).  The allocations made by the library
 * while the configurations run are counted (this program's malloc, calloc
 * and realloc stand in for the C library's): the target is none. */
#include "hedgesim/hedgesim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* Allocation counter: these definitions take the place of the C library's
 * for the whole program (the library is linked in statically) and count
 * the calls while `counting` is set. */
static size_t n_allocs;
static int counting;
#if defined(__SANITIZE_ADDRESS__) /* AddressSanitizer owns malloc */
#define COUNTED 0
#else
#define COUNTED 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

void *malloc(size_t n)
{
    n_allocs += counting;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    n_allocs += counting;
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    n_allocs += counting;
    return __libc_realloc(p, n);
}
#endif

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

static int die(const char *what, int rc)
{
    fprintf(stderr, "bench_sweep: %s: %s\n", what,
            *hs_error_last() ? hs_error_last() : hs_strerror(rc));
    return 1;
}

/* A plan for one config text over the store: the way `hedgesim run` builds
 * its runs.  Prints the error and returns non-zero on failure. */
static int make_plan(const char *text, const hs_registry *reg, hs_store *store,
                     hs_config **cfg, hs_plan **plan)
{
    int rc = hs_config_parse(cfg, text, "bench");
    if (rc == 0)
        rc = hs_plan_new(plan, *cfg, reg, store, NULL);
    if (rc) {
        hs_config_free(*cfg);
        *cfg = NULL;
        return die("plan", rc);
    }
    return 0;
}

/* Put-hedged backtests: protective puts on modeled chains (a chain of some
 * 1,600 quotes generated at every step), varying moneyness and tenor. */
static int option_sweep(hs_store *store, const hs_registry *reg, size_t n_cfg)
{
    static const char text[] =
        "[data]\nstart = 2020-01-01\nend = 2024-12-31\nusdt_is_usd = true\n"
        "lookback = 120\n"
        "[book]\nassets = ETH,BNB,XRP,ADA,LTC\nrebalance = weekly\n"
        "[hedge]\nbenchmark = BTC\ninstrument = BTC-PERP\n"
        "[options]\nunderlying = BTC\nchains = model\nvol_index = BTC-DVOL\n"
        "fee_rate = 0.0003\nfee_cap = 0.125\nmax_positions = 8\n"
        "[strategy.puts]\ntype = protective_put\nbeta = ewma\n"
        "contract_size = 0.1\n";
    hs_config *cfg = NULL;
    hs_plan *plan = NULL;
    int rc = 0;
    if (make_plan(text, reg, store, &cfg, &plan))
        return 1;
    const hs_panel *p = hs_plan_panel(plan);
    hs_run_spec s = *hs_plan_spec(plan, 0);
    size_t trades = 0;
    double t0 = now();
    for (size_t c = 0; c < n_cfg && rc == 0; c++) {
        char buf[32];
        hs_values_init(&s.params, s.type->params);
        snprintf(buf, sizeof buf, "%g", 0.80 + 0.01 * (double)(c % 20));
        hs_values_set(&s.params, "moneyness", buf, "bench");
        snprintf(buf, sizeof buf, "%zu", 14 + 7 * (c % 8));
        hs_values_set(&s.params, "tenor_days", buf, "bench");
        rc = hs_plan_rerun(plan, 0, &s);
        if (rc == 0)
            trades += hs_plan_series(plan, 0)->n_otrades;
    }
    double dt = now() - t0;
    if (rc == 0) {
        printf("options: %zu protective-put configs x %zu steps, modeled "
               "chains generated every step\n",
               n_cfg, p->n_steps);
        printf("  runs %.3f s: %.3g put-hedged steps/s (%zu option trades)\n",
               dt, (double)n_cfg * (double)p->n_steps / dt, trades);
    }
    hs_plan_free(plan);
    hs_config_free(cfg);
    return rc ? die("option run", rc) : 0;
}

/* One sweep: n_cfg configurations cycling through strategies, estimators,
 * windows and bands over the book of `text`.  Returns 0 or an error. */
static int sweep(const char *label, hs_store *store, const hs_registry *reg,
                 const char *text, size_t n_cfg)
{
    hs_config *cfg = NULL;
    hs_plan *plan = NULL;
    int rc = 0;
    double t0 = now();
    if (make_plan(text, reg, store, &cfg, &plan))
        return 1;
    double t_plan = now() - t0;
    const hs_panel *p = hs_plan_panel(plan);
    const size_t nb = cfg->n_assets, live = p->n_steps - hs_plan_live_from(plan);
    long rss[3] = {0, 0, 0};
    double checksum = 0;
    n_allocs = 0;
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
        counting = c > 0; /* (the first may grow the estimator's state) */
        rc = hs_plan_rerun(plan, 0, &s);
        if (rc == 0)
            rc = hs_plan_finish(plan);
        counting = 0;
        if (rc)
            break;
        checksum += hs_plan_series(plan, 0)->equity[p->n_steps - 1];
        if (c + 1 == n_cfg / 10)
            rss[0] = peak_rss_kib();
        if (c + 1 == n_cfg / 2)
            rss[1] = peak_rss_kib();
    }
    double t_run = now() - t0;
    rss[2] = peak_rss_kib();
    if (rc == 0) {
        double asset_steps = (double)n_cfg * (double)p->n_steps * (double)nb;
        printf("%s: %zu configs x %zu steps (%zu live) x %zu assets\n", label,
               n_cfg, p->n_steps, live, nb);
        printf("  plan (load, book track, cost statistics) %.3f s\n", t_plan);
        printf("  runs %.3f s: %.1f configs/s, %.3g steps/s, %.3g "
               "asset-steps/s\n",
               t_run, (double)n_cfg / t_run,
               (double)n_cfg * (double)p->n_steps / t_run,
               asset_steps / t_run);
        printf("  peak RSS after 10%% / 50%% / 100%% of configs: %ld / %ld / "
               "%ld KiB\n",
               rss[0], rss[1], rss[2]);
        if (!COUNTED)
            printf("  allocations: not counted (AddressSanitizer build)\n");
        else
            printf("  allocations while running configs 2..%zu: %zu (target: "
                   "none per config; estimator states grow to the largest "
                   "window seen, so this count does not grow with the "
                   "configs)\n",
                   n_cfg, n_allocs);
        printf("  (checksum of final equities: %.6e)\n", checksum);
    }
    hs_plan_free(plan);
    hs_config_free(cfg);
    return rc ? die("run", rc) : 0;
}

int main(int argc, char **argv)
{
    const char *db = argc > 1 ? argv[1] : "datasets/hedgesim.db";
    size_t n_cfg = argc > 2 ? (size_t)atol(argv[2]) : 1000;
    const char *only = argc > 3 ? argv[3] : "";
    hs_store *store = NULL;
    hs_registry *reg = NULL;
    int fail = 0;
    hs_init();
    int rc = hs_store_open(&store, db, HS_STORE_READONLY);
    if (rc == 0)
        rc = hs_registry_new(&reg);
    if (rc) {
        hs_store_close(store);
        return die(db, rc);
    }
    /* 13 coins hedged with the BTC perp, daily, 2019-2024. */
    static const char daily[] =
        "[data]\nstart = 2019-01-01\nend = 2024-12-31\nusdt_is_usd = true\n"
        "lookback = 250\n"
        "[book]\nassets = ETH,BNB,XRP,ADA,DOGE,LINK,LTC,ATOM,TRX,XLM,ETC,"
        "MATIC,BCH\nrebalance = weekly\n"
        "[hedge]\nbenchmark = BTC\ninstrument = BTC-PERP\n"
        "[strategy.sweep]\ntype = perp_short\nbeta = ols\n";
    /* ETH hedged with BTC spot, hourly, 2018-2020. */
    static const char hourly[] =
        "[data]\nstart = 2018-01-01\nend = 2020-12-29\nstep = 1h\n"
        "usdt_is_usd = true\nlookback = 250\n"
        "[book]\nassets = ETH.1h\nrebalance = weekly\n"
        "[hedge]\nbenchmark = BTC.1h\ninstrument = BTC.1h\n"
        "[strategy.sweep]\ntype = perp_short\nbeta = ols\n";
    if (!*only || !strcmp(only, "daily"))
        fail = sweep("daily", store, reg, daily, n_cfg);
    if (!fail && (!*only || !strcmp(only, "hourly")))
        fail = sweep("hourly", store, reg, hourly, n_cfg / 10);
    if (!fail && (!*only || !strcmp(only, "options")))
        fail = option_sweep(store, reg, n_cfg / 50 ? n_cfg / 50 : 1);
    hs_registry_free(reg);
    hs_store_close(store);
    return fail;
}
