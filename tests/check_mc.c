/* The Monte Carlo runner over the embedded store: a zero-volatility model
 * whose P&L is known exactly, results independent of the thread count,
 * bands ordered by level, Ctrl-C (the stop flag) leaving nothing written,
 * the bootstrap end to end, and the errors of the [mc] sections and of the
 * runner's options. */
#include "testutil.h"

#include "hedgesim/errors.h"
#include "hedgesim/mc.h"
#include "hedgesim/plan.h"
#include "hedgesim/results_table.h"
#include "hedgesim/rng.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char BASE[] =
    "[data]\ndb = %s\nstart = 2024-01-01\nend = 2024-12-31\nstep = 1d\n"
    "usdt_is_usd = true\nrates = none\n"
    "[book]\nassets = ETH,BNB\nweights = equal\ncapital = 1000000\n"
    "rebalance = weekly\nmin_history = 30\n"
    "[hedge]\nbenchmark = BTC\ninstrument = BTC-PERP\nfunding = none\n"
    "[costs]\nfee_bps = %s\nslippage = fixed\nslippage_bps = %s\n"
    "[strategy.unhedged]\ntype = unhedged\n"
    "[strategy.ewma]\ntype = perp_short\nbeta = ewma\nhalflife = 10\n"
    "%s";

static hs_config *parse(const char *mc, const char *fee)
{
    char text[8192];
    hs_config *c = NULL;
    snprintf(text, sizeof text, BASE, hs_test_db(), fee, fee, mc);
    ck_assert_msg(hs_config_parse(&c, text, "t.ini") == 0, "%s",
                  hs_error_last());
    return c;
}

static int parse_rc(const char *mc)
{
    char text[8192];
    hs_config *c = NULL;
    snprintf(text, sizeof text, BASE, hs_test_db(), "0", "0", mc);
    int rc = hs_config_parse(&c, text, "t.ini");
    hs_config_free(c);
    return rc;
}

/* The embedded store and a registry, opened around every test (a checked
 * fixture: in the test's own process). */
static hs_store *g_st;
static hs_registry *g_reg;

static void open_env(void)
{
    ck_assert_int_eq(hs_store_open(&g_st, hs_test_db(), HS_STORE_READONLY), 0);
    ck_assert_int_eq(hs_registry_new(&g_reg), 0);
}

static void close_env(void)
{
    hs_registry_free(g_reg);
    hs_store_close(g_st);
    g_reg = NULL;
    g_st = NULL;
}

static hs_mc *run_mc(hs_config *c, hs_store *st, hs_registry *reg,
                     size_t paths, unsigned threads)
{
    hs_mc *mc = NULL;
    hs_mc_opts o = HS_MC_OPTS_INIT;
    o.paths = paths;
    o.seed = 2024;
    o.threads = threads;
    o.keep_paths = 2;
    ck_assert_msg(hs_mc_new(&mc, c, reg, st, &o) == 0, "%s", hs_error_last());
    ck_assert_msg(hs_mc_run(mc) == 0, "%s", hs_error_last());
    ck_assert_uint_eq(hs_mc_done(mc), paths);
    return mc;
}

static const char TWO_REGIMES[] =
    "[mc]\nsteps = 30\n"
    "[mc.regime.calm]\nto.calm = 0.95\nto.stress = 0.05\ndrift = 0.1\n"
    "vol = 0.5, 0.7, 0.8\ncorr = 0.6\njump_rate = 2\njump_mean = -0.05\n"
    "jump_sd = 0.02\nfunding = 0.1\n"
    "[mc.regime.stress]\nto.calm = 0.2\nto.stress = 0.8\ndrift = -0.5\n"
    "vol = 1.0, 1.4, 1.5\ncorr.BTC = 1, 0.9, 0.85\ncorr.ETH = 0.9, 1, 0.8\n"
    "corr.BNB = 0.85, 0.8, 1\nbeta = 1, 1.3, 1.1\njumps = double_exp\n"
    "jump_rate = 12\njump_up_prob = 0.3\njump_up = 0.05\njump_down = 0.1\n"
    "funding = 0.3\n";

/* Zero volatility, no jumps, no costs, no funding, drift d a step: every
 * asset grows by exp(d) a step.  The unhedged book is bought with the
 * orders of the first live close, at the next open (fill = next_open,
 * docs/architecture.md), and equal growth never moves its weights, so its
 * P&L at the last of S simulated steps is capital (exp(d (S - 1)) - 1),
 * the same on every path. */
START_TEST(test_zero_vol_known_pnl)
{
    hs_config *c = parse("[mc]\nsteps = 40\nregimes = only\n"
                         "[mc.regime.only]\ndrift = 0.365\nvol = 0\n"
                         "funding = 0\n",
                         "0");
    hs_mc *mc = run_mc(c, g_st, g_reg, 5, 2);
    const double d = 0.365 / 365.0;
    const double want = 1e6 * (exp(d * 39) - 1);
    for (size_t p = 0; p < 5; p++) {
        const hs_mc_row *r = hs_mc_row_of(mc, 0, p);
        hs_ck_rel(r->pnl, want, 1e-9);
        hs_ck_near(r->costs, 0, 0);
        hs_ck_near(r->max_drawdown, 0, 0);
        ck_assert(isnan(r->stress_share)); /* one regime: no stress */
    }
    ck_assert_int_eq(hs_mc_has_regimes(mc), 0);
    hs_mc_free(mc);
    hs_config_free(c);
}
END_TEST

/* The same rows, bands and kept paths, bit for bit, on 1, 2 and 4
 * threads; bands ordered by quantile level. */
START_TEST(test_threads)
{
    hs_config *c = parse(TWO_REGIMES, "5");
    const size_t N = 24;
    hs_mc *m[3];
    const unsigned th[3] = {1, 2, 4};
    for (int k = 0; k < 3; k++)
        m[k] = run_mc(c, g_st, g_reg, N, th[k]);
    ck_assert_uint_eq(hs_mc_n_runs(m[0]), 2);
    size_t stressed = 0;
    for (size_t i = 0; i < 2; i++)
        for (size_t p = 0; p < N; p++) {
            for (int k = 1; k < 3; k++)
                ck_assert_int_eq(memcmp(hs_mc_row_of(m[0], i, p),
                                        hs_mc_row_of(m[k], i, p),
                                        sizeof(hs_mc_row)),
                                 0);
            stressed += hs_mc_row_of(m[0], i, p)->stress_share > 0;
        }
    ck_assert(stressed > 0 && stressed < 2 * N); /* both kinds of path */
    for (size_t t = 0; t < 30; t++) {
        double a[HS_MC_N_BANDS], b[HS_MC_N_BANDS], ha[HS_MC_N_BANDS],
            hb[HS_MC_N_BANDS];
        ck_assert_int_eq(hs_mc_bands(m[0], 1, t, a, ha), 0);
        ck_assert_int_eq(hs_mc_bands(m[2], 1, t, b, hb), 0);
        ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
        ck_assert_int_eq(memcmp(ha, hb, sizeof ha), 0);
        for (size_t q = 1; q < HS_MC_N_BANDS; q++)
            ck_assert(a[q] >= a[q - 1]);
    }
    /* Paths differ from each other. */
    ck_assert(hs_mc_row_of(m[0], 0, 0)->pnl != hs_mc_row_of(m[0], 0, 1)->pnl);
    /* The summary: quantiles in order, the split adds up. */
    hs_mc_summary all, s1, s0;
    hs_mc_summarize(m[0], 1, -1, &all);
    hs_mc_summarize(m[0], 1, 1, &s1);
    hs_mc_summarize(m[0], 1, 0, &s0);
    ck_assert_uint_eq(all.n, N);
    ck_assert_uint_eq(s0.n + s1.n, N);
    ck_assert(all.pnl_q05 <= all.pnl_q50 && all.pnl_q50 <= all.pnl_q95);
    /* ES99 of 24 paths: minus the worst P&L (ceil(0.24) = 1 path). */
    double worst = INFINITY;
    for (size_t p = 0; p < N; p++)
        worst = fmin(worst, hs_mc_row_of(m[0], 1, p)->pnl);
    hs_ck_near(all.es99, -worst, 0);
    for (int k = 0; k < 3; k++)
        hs_mc_free(m[k]);
    hs_config_free(c);
}
END_TEST

/* The bands at the last step are the quantiles of the paths' final P&L
 * (type 7, numpy's default): computed here from a full sort of the rows,
 * they match the bands bit for bit, from 2 paths (levels sharing order
 * statistics) to enough paths that the selection partitions many times. */
START_TEST(test_bands_are_quantiles)
{
    hs_config *c = parse(TWO_REGIMES, "5");
    static const size_t counts[] = {2, 3, 17, 150};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        const size_t N = counts[k];
        hs_mc *mc = run_mc(c, g_st, g_reg, N, 2);
        const size_t S = hs_mc_steps(mc);
        ck_assert_uint_eq(hs_mc_band_paths(mc), N);
        for (size_t i = 0; i < hs_mc_n_runs(mc); i++) {
            double *x = malloc(N * sizeof *x), band[HS_MC_N_BANDS];
            for (size_t p = 0; p < N; p++)
                x[p] = hs_mc_row_of(mc, i, p)->pnl;
            gsl_sort(x, 1, N);
            ck_assert_int_eq(hs_mc_bands(mc, i, S - 1, band, NULL), 0);
            for (size_t q = 0; q < HS_MC_N_BANDS; q++) {
                double want = gsl_stats_quantile_from_sorted_data(
                    x, 1, N, hs_mc_band_levels[q] / 100);
                ck_assert_msg(memcmp(&band[q], &want, sizeof want) == 0,
                              "%zu paths, run %zu, level %g: %.17g, want %.17g",
                              N, i, hs_mc_band_levels[q], band[q], want);
            }
            free(x);
        }
        hs_mc_free(mc);
    }
    hs_config_free(c);
}
END_TEST

/* A stop flag set before the paths run: hs_mc_run returns 1, and the
 * writer refuses an incomplete result and leaves no file. */
START_TEST(test_stop_writes_nothing)
{
    hs_config *c = parse(TWO_REGIMES, "5");
    static volatile sig_atomic_t stop = 1;
    hs_mc *mc = NULL;
    hs_mc_opts o = HS_MC_OPTS_INIT;
    o.paths = 50;
    o.threads = 2;
    o.stop = &stop;
    ck_assert_int_eq(hs_mc_new(&mc, c, g_reg, g_st, &o), 0);
    ck_assert_int_eq(hs_mc_run(mc), 1);
    ck_assert_uint_lt(hs_mc_done(mc), 50);
    char path[64];
    snprintf(path, sizeof path, "check_mc_%d.h5", (int)getpid());
    hs_results_meta meta = {0};
    ck_assert_int_eq(hs_mc_write(mc, path, 1, &meta), HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "incomplete"));
    ck_assert_int_ne(access(path, F_OK), 0);
    hs_mc_free(mc);
    hs_config_free(c);
}
END_TEST

/* The bootstrap end to end: every path completes; no regimes. */
START_TEST(test_bootstrap_runs)
{
    hs_config *c = parse("[mc]\nmodel = bootstrap\nsteps = 25\nblock = 5\n"
                         "window = 2024-03-01..2024-12-31\n",
                         "5");
    hs_mc *mc = run_mc(c, g_st, g_reg, 6, 3);
    ck_assert_int_eq(hs_mc_has_regimes(mc), 0);
    for (size_t p = 0; p < 6; p++) {
        ck_assert(isnan(hs_mc_row_of(mc, 1, p)->stress_share));
        ck_assert(isfinite(hs_mc_row_of(mc, 1, p)->pnl));
    }
    ck_assert_ptr_nonnull(
        strstr(hs_scenario_describe(hs_mc_scenario(mc)), "block length 5"));
    hs_mc_free(mc);
    hs_config_free(c);
}
END_TEST

/* Fees and slippage drawn per path ([mc] fee_bps, slippage_bps): the same
 * rows on 1 and 3 threads; each path's values are those of its own costs
 * stream (two uniforms, the fee's first, recomputed here from
 * hs_rng_new(seed, p, HS_RNG_COSTS)), inside the ranges, and recorded; the
 * regime draws do not change; a zero-width range gives the fixed costs'
 * results bit for bit. */
START_TEST(test_random_costs)
{
    char text[4096];
    /* TWO_REGIMES + 5: its [mc] section's keys, then the regimes */
    snprintf(text, sizeof text, "[mc]\nfee_bps = 2..8\nslippage_bps = 0 .. 10\n%s",
             TWO_REGIMES + 5);
    hs_config *c = parse(text, "5");
    ck_assert(c->mc.fee_random && c->mc.slippage_random);
    const size_t N = 12;
    hs_mc *m1 = run_mc(c, g_st, g_reg, N, 1), *m3 = run_mc(c, g_st, g_reg, N, 3);
    ck_assert_int_eq(hs_mc_random_costs(m1), 1);
    hs_config *fixed = parse(TWO_REGIMES, "5");
    hs_mc *mf = run_mc(fixed, g_st, g_reg, N, 2);
    ck_assert_int_eq(hs_mc_random_costs(mf), 0);
    gsl_rng *r = NULL;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t p = 0; p < N; p++) {
        ck_assert_int_eq(hs_rng_new(&r, 2024, p, HS_RNG_COSTS), 0);
        const double u1 = gsl_rng_uniform(r), u2 = gsl_rng_uniform(r);
        gsl_rng_free(r);
        for (size_t i = 0; i < 2; i++) {
            const hs_mc_row *a = hs_mc_row_of(m1, i, p);
            ck_assert_int_eq(memcmp(a, hs_mc_row_of(m3, i, p), sizeof *a), 0);
            ck_assert(a->fee_bps >= 2 && a->fee_bps <= 8);
            ck_assert(a->slippage_bps >= 0 && a->slippage_bps <= 10);
            hs_ck_near(a->fee_bps, 2 + 6 * u1, 0);
            hs_ck_near(a->slippage_bps, 10 * u2, 0);
            /* the regime stream is untouched by the costs stream */
            hs_ck_near(a->stress_share,
                       hs_mc_row_of(mf, i, p)->stress_share, 0);
            /* the fixed run records its [costs] values */
            hs_ck_near(hs_mc_row_of(mf, i, p)->fee_bps, 5, 0);
            hs_ck_near(hs_mc_row_of(mf, i, p)->slippage_bps, 5, 0);
        }
        /* costs follow the drawn fee (the unhedged book pays them too) */
        lo = fmin(lo, hs_mc_row_of(m1, 0, p)->fee_bps);
        hi = fmax(hi, hs_mc_row_of(m1, 0, p)->fee_bps);
    }
    ck_assert(hi > lo); /* the paths drew different fees */
    /* A zero-width range: the fixed run, bit for bit (every metric). */
    snprintf(text, sizeof text, "[mc]\nfee_bps = 5..5\nslippage_bps = 5\n%s",
             TWO_REGIMES + 5);
    hs_config *zero = parse(text, "5");
    hs_mc *mz = run_mc(zero, g_st, g_reg, N, 2);
    for (size_t i = 0; i < 2; i++)
        for (size_t p = 0; p < N; p++)
            ck_assert_int_eq(memcmp(hs_mc_row_of(mz, i, p),
                                    hs_mc_row_of(mf, i, p), sizeof(hs_mc_row)),
                             0);
    /* Written: the paths table has the two columns and /mc the ranges. */
    char path[64];
    snprintf(path, sizeof path, "check_mc_costs_%d.h5", (int)getpid());
    hs_results_meta meta = {0};
    ck_assert_msg(hs_mc_write(m1, path, 1, &meta) == 0, "%s", hs_error_last());
    double *col = NULL;
    size_t nc = 0;
    ck_assert_int_eq(hs_h5_read_field_f64(path, "/mc/ewma/paths", "fee_bps",
                                          &col, &nc),
                     0);
    ck_assert_uint_eq(nc, N);
    for (size_t p = 0; p < N; p++)
        hs_ck_near(col[p], hs_mc_row_of(m1, 1, p)->fee_bps, 0);
    free(col);
    ck_assert_int_eq(hs_h5_read_field_f64(path, "/mc/ewma/paths",
                                          "slippage_bps", &col, &nc),
                     0);
    hs_ck_near(col[N - 1], hs_mc_row_of(m1, 1, N - 1)->slippage_bps, 0);
    free(col);
    char *scheme = NULL;
    ck_assert_int_eq(hs_h5_read_attr_str(path, "/mc", "stream_scheme", &scheme),
                     0);
    ck_assert_ptr_nonnull(strstr(scheme, "5 fees and slippage"));
    free(scheme);
    unlink(path);
    hs_mc_free(m1);
    hs_mc_free(m3);
    hs_mc_free(mf);
    hs_mc_free(mz);
    hs_config_free(c);
    hs_config_free(fixed);
    hs_config_free(zero);
}
END_TEST

/* hs_plan_reset over a refilled panel gives what a new plan over it gives,
 * bit for bit: every series of every run, the metrics; with new fees the
 * costs change, and back to the config's fees they are the same again. */
START_TEST(test_plan_reset)
{
    hs_config *c = parse(TWO_REGIMES, "5");
    hs_mc *mc = NULL;
    hs_mc_opts o = HS_MC_OPTS_INIT;
    ck_assert_int_eq(hs_mc_new(&mc, c, g_reg, g_st, &o), 0);
    const hs_scenario *sc = hs_mc_scenario(mc);
    hs_scenario_path *pp = NULL;
    ck_assert_int_eq(hs_scenario_path_new(&pp, sc), 0);
    hs_plan_opts po = HS_PLAN_OPTS_INIT;
    po.panel = hs_scenario_path_panel(pp);
    po.live_from = hs_scenario_warm(sc);
    hs_plan *fresh = NULL, *reused = NULL;
    ck_assert_int_eq(hs_scenario_fill(pp, 7, 3), 0);
    ck_assert_int_eq(hs_plan_new(&fresh, c, g_reg, NULL, &po), 0);
    ck_assert_int_eq(hs_plan_run_strict(fresh), 0);
    ck_assert_int_eq(hs_scenario_fill(pp, 7, 0), 0); /* another path first */
    ck_assert_int_eq(hs_plan_new(&reused, c, g_reg, NULL, &po), 0);
    ck_assert_int_eq(hs_plan_run_strict(reused), 0);
    ck_assert_int_eq(hs_scenario_fill(pp, 7, 3), 0);
    ck_assert_int_eq(hs_plan_reset(reused, NULL), 0);
    ck_assert_ptr_null(hs_plan_metrics(reused, 0)); /* cleared */
    ck_assert_int_eq(hs_plan_run_strict(reused), 0);
    const size_t n = po.panel->n_steps;
    for (size_t i = 0; i < hs_plan_n_runs(fresh); i++) {
        const hs_run_series *a = hs_plan_series(fresh, i),
                            *b = hs_plan_series(reused, i);
        for (size_t d = 0; d < HS_RUN_SERIES_N; d++)
            ck_assert_msg(memcmp(hs_run_series_data(a, &hs_run_series_desc[d]),
                                 hs_run_series_data(b, &hs_run_series_desc[d]),
                                 n * sizeof(double)) == 0,
                          "run %zu series %s", i, hs_run_series_desc[d].name);
        ck_assert_uint_eq(a->n_fills, b->n_fills);
        ck_assert_int_eq(memcmp(hs_plan_metrics(fresh, i),
                                hs_plan_metrics(reused, i), sizeof(hs_metrics)),
                         0);
    }
    /* New fees: the costs of the hedged run change; then the config's. */
    hs_exec_opts ex = c->exec;
    ex.fee_bps = 50;
    ck_assert_int_eq(hs_plan_reset(reused, &ex), 0);
    ck_assert_int_eq(hs_plan_run_strict(reused), 0);
    ck_assert(hs_plan_metrics(reused, 1)->fees >
              2 * hs_plan_metrics(fresh, 1)->fees);
    ck_assert_int_eq(hs_plan_reset(reused, &c->exec), 0);
    ck_assert_int_eq(hs_plan_run_strict(reused), 0);
    ck_assert_int_eq(memcmp(hs_plan_metrics(fresh, 1),
                            hs_plan_metrics(reused, 1), sizeof(hs_metrics)),
                     0);
    /* Only costs may change: another fill rule is refused. */
    ex = c->exec;
    ex.fill = ex.fill == HS_FILL_CLOSE ? HS_FILL_NEXT_OPEN : HS_FILL_CLOSE;
    ck_assert_int_eq(hs_plan_reset(reused, &ex), HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "only the fee"));
    hs_plan_free(reused);
    hs_plan_free(fresh);
    hs_scenario_path_free(pp);
    hs_mc_free(mc);
    hs_config_free(c);
}
END_TEST

/* The [mc] model's annual figures follow the calendar: per-step vol =
 * annual / sqrt(steps a year), drift = annual / steps a year, with 365
 * steps a year on 24x7, 252 on XNYS, or [data] periods_per_year. */
START_TEST(test_calendar_annualisation)
{
    static const struct {
        const char *set;
        double ppy;
    } cases[] = {{NULL, 365}, {"data.calendar=xnys", 252},
                 {"data.calendar=weekdays", 260},
                 {"data.periods_per_year=100", 100}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        hs_config *c = parse(TWO_REGIMES, "5");
        if (cases[k].set)
            ck_assert_msg(hs_config_set(c, cases[k].set) == 0, "%s",
                          hs_error_last());
        hs_ck_near(hs_plan_periods_per_year(c), cases[k].ppy, 0);
        const hs_regime_spec *g = &c->mc.regime.r[1];
        hs_ck_rel(g->vol[0], 1.0 / sqrt(cases[k].ppy), 1e-15);
        hs_ck_rel(g->drift[0], -0.5 / cases[k].ppy, 1e-15);
        hs_ck_rel(g->jump_rate, 12 / cases[k].ppy, 1e-15);
        hs_config_free(c);
    }
}
END_TEST

/* Bad [mc] sections and runner options get errors that name the key. */
START_TEST(test_errors)
{
    static const struct {
        const char *mc, *msg;
    } bad[] = {
        {"[mc]\nsteps = 0\n", "horizon"},
        {"[mc]\npaths = 0\n", "paths = 0"},
        {"[mc]\nsteps = 10\n[mc.regime.calm]\nto.calm = 1\nvol = -0.2\n"
         "[mc.regime.stress]\nto.stress = 1\nvol = 0.2\n",
         "must be >= 0"},
        {"[mc]\n[mc.regime.calm]\nto.calm = 0.9\nto.stress = 0.2\nvol = 0.2\n"
         "[mc.regime.stress]\nto.stress = 1\nvol = 0.2\n",
         "sum to"},
        {"[mc]\nregimes = only\n[mc.regime.only]\nvol = 0.2\n"
         "corr.ETH = 0.5, 1, 1.2\n",
         "outside [-1, 1]"},
        {"[mc]\nregimes = only\n[mc.regime.only]\nvol = 0.2\ncorr = -1.5\n",
         "outside [-1, 1]"},
        {"[mc]\nregimes = only\n[mc.regime.only]\nvol = 0.2, 0.3\n",
         "expected 1 or 3"},
        {"[mc]\nregimes = only\n[mc.regime.only]\nvol = 0.2\ncorr.SOL = 1\n",
         "not a model asset"},
        {"[mc]\nregimes = only\n[mc.regime.only]\nvol = 0.2\nwobble = 1\n",
         "unknown key 'wobble'"},
        {"[mc]\nregimes = calm,stress\n[mc.regime.calm]\nto.calm = 1\n"
         "vol = 0.1\n",
         "[mc.regime.stress] is missing"},
        {"[mc]\nregimes = only\n[mc.regime.other]\nvol = 0.1\n",
         "not in [mc] regimes"},
        {"[mc.regime.only]\nvol = 0.1\n", "without an [mc] section"},
        {"[mc]\nmodel = garch\n", "model"},
        {"[mc]\nwindow = 2024-05-01\n", "START..END"},
        {"[mc]\nwindow = 2024-05-01..2024-01-01\n", "END is before START"},
        {"[mc]\nregimes = only\n[mc.regime.only]\nvol = 0.2\nshift_from = 1\n",
         "unknown key 'shift_from'"},
        {"[mc]\nregimes = only\nshift_steps = 5\nshift_from = 400\n"
         "[mc.regime.only]\nvol = 0.2\n",
         "beyond the horizon"},
        {"[mc]\nregimes = only\nshift_regime = panic\n[mc.regime.only]\n"
         "vol = 0.2\n",
         "shift_regime = panic"},
        {"[mc]\nregimes = only\nshift_corr = 2\n[mc.regime.only]\nvol = 0.2\n",
         "shift_corr = 2"},
        {"[mc]\nregimes = only\nstart = panic\n[mc.regime.only]\nvol = 0.2\n",
         "start = panic"},
        {"[mc]\nregimes = only\nstress = panic\n[mc.regime.only]\nvol = 0.2\n",
         "stress = panic"},
        {"[mc]\nregimes = a,a\n", "repeated"},
        {"[mc]\nregimes = only\n[mc.regime.only]\nvol = 0.2\nto.other = 1\n",
         "no regime 'other'"},
        {"[mc]\nregimes = only\n[mc.regime.only]\nvol = 0.2\njumps = levy\n",
         "normal | double_exp"},
        {"[mc]\nregimes = only\n[mc.regime.only]\nvol = 0.2\njump_rate = -1\n",
         "jump_rate"},
        {"[mc]\nregimes = only\n[mc.regime.only]\nvol = 0.2\njump_sd = -1\n",
         "jump_sd"},
        {"[mc]\nregimes = only\n[mc.regime.only]\nvol = 0.2\nvol_index = 0\n",
         "vol_index"},
        {"[mc]\nregimes = only\n[mc.regime.only]\nvol = 0.2, x\n",
         "not a list of numbers"},
        {"[mc]\nregimes = only\n[mc.regime.only]\ndrift = 0.1\n",
         "'vol' is required"},
        {"[mc]\nregimes = calm,stress\n[mc.regime.calm]\nvol = 0.2\n"
         "[mc.regime.stress]\nvol = 0.2\nto.stress = 1\n",
         "transition probabilities"},
        {"[mc]\nfee_bps = -1..3\n", "fee_bps = -1..3: outside"},
        {"[mc]\nfee_bps = 8..2\n", "fee_bps = 8..2: reversed"},
        {"[mc]\nfee_bps = cheap\n", "fee_bps = cheap: not a range"},
        {"[mc]\nslippage_bps = 1..x\n", "slippage_bps = 1..x: not a range"},
        {"[mc]\nslippage_bps = 1..20000\n", "slippage_bps = 1..20000"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_msg(parse_rc(bad[i].mc) == HS_ECONFIG, "case %zu passed", i);
        ck_assert_msg(strstr(hs_error_last(), bad[i].msg), "case %zu: %s", i,
                      hs_error_last());
        ck_assert_msg(strstr(hs_error_last(), "t.ini"), "case %zu: %s", i,
                      hs_error_last());
    }
    /* A slippage range needs the fixed slippage model. */
    {
        char text[2048];
        hs_config *sp = NULL;
        snprintf(text, sizeof text,
                 "[data]\ndb = %s\nstart = 2024-01-01\nend = 2024-12-31\n"
                 "usdt_is_usd = true\n[book]\nassets = ETH\n[hedge]\n"
                 "benchmark = BTC\ninstrument = BTC-PERP\n[costs]\n"
                 "slippage = spread\n[strategy.u]\ntype = unhedged\n"
                 "[mc]\nslippage_bps = 0..5\n",
                 hs_test_db());
        ck_assert_int_eq(hs_config_parse(&sp, text, "t.ini"), HS_ECONFIG);
        ck_assert_ptr_nonnull(strstr(hs_error_last(), "[mc] slippage_bps"));
        ck_assert_ptr_nonnull(strstr(hs_error_last(), "spread"));
    }
    /* Runner options and config-level refusals. */
    hs_mc *mc = NULL;
    hs_mc_opts o = HS_MC_OPTS_INIT;
    hs_config *none = parse("", "0");
    ck_assert_int_eq(hs_mc_new(&mc, none, g_reg, g_st, &o), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "no [mc] section"));
    hs_config *c = parse(TWO_REGIMES, "0");
    o.paths = 0;
    ck_assert_int_eq(hs_mc_new(&mc, c, g_reg, g_st, &o), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "0 paths"));
    o.paths = 5;
    o.keep_paths = 6;
    ck_assert_int_eq(hs_mc_new(&mc, c, g_reg, g_st, &o), HS_ECONFIG);
    o.keep_paths = 0;
    o.threads = 0;
    ck_assert_int_eq(hs_mc_new(&mc, c, g_reg, g_st, &o), HS_ECONFIG);
    ck_assert_ptr_null(mc);
    /* Regimes fitted on the fly (calibrate = START..END): two regimes named
     * as configured, the calm one without crash jumps, the paths run. */
    hs_config *cal = parse("[mc]\ncalibrate = 2022-01-01..2023-12-31\n", "0");
    o.threads = 1;
    ck_assert_msg(hs_mc_new(&mc, cal, g_reg, g_st, &o) == 0, "%s",
                  hs_error_last());
    const char *d = hs_scenario_describe(hs_mc_scenario(mc));
    ck_assert_ptr_nonnull(strstr(d, "2 regimes"));
    ck_assert_ptr_nonnull(strstr(d, "calm: stationary"));
    ck_assert_ptr_nonnull(strstr(d, "stress: stationary"));
    ck_assert_ptr_nonnull(strstr(strstr(d, "calm: stationary"),
                                 "jumps 0/step"));
    ck_assert_int_eq(hs_mc_run(mc), 0);
    for (size_t p = 0; p < o.paths; p++)
        ck_assert(isfinite(hs_mc_row_of(mc, 0, p)->pnl));
    hs_mc_free(mc);
    mc = NULL;
    /* A calibration window without data: refused, naming the key. */
    ck_assert_int_eq(hs_config_set(cal, "mc.calibrate=2010-01-01..2010-12-31"),
                     0);
    ck_assert_int_ne(hs_mc_new(&mc, cal, g_reg, g_st, &o), 0);
    ck_assert_ptr_null(mc);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "[mc] calibrate"));
    /* Not positive definite and no repair: refused, naming the regime. */
    hs_config *npd = parse("[mc]\nregimes = only\n[mc.regime.only]\nvol = 0.2\n"
                           "corr.BTC = 1, 0.9, 0.9\ncorr.ETH = 0.9, 1, -0.9\n",
                           "0");
    ck_assert_int_eq(hs_mc_new(&mc, npd, g_reg, g_st, &o), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "regime only"));
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "not positive definite"));
    ck_assert_int_eq(hs_config_set(npd, "mc.repair=true"), 0);
    ck_assert_msg(hs_mc_new(&mc, npd, g_reg, g_st, &o) == 0, "%s", hs_error_last());
    ck_assert_ptr_nonnull(
        strstr(hs_scenario_describe(hs_mc_scenario(mc)), "REPAIRED"));
    hs_mc_free(mc);
    hs_config_free(npd);
    hs_config_free(cal);
    hs_config_free(c);
    hs_config_free(none);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("mc");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, open_env, close_env);
    tcase_add_test(tc, test_zero_vol_known_pnl);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_bands_are_quantiles);
    tcase_add_test(tc, test_stop_writes_nothing);
    tcase_add_test(tc, test_bootstrap_runs);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_random_costs);
    tcase_add_test(tc, test_plan_reset);
    tcase_add_test(tc, test_calendar_annualisation);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return hs_test_main(suite()); }
