/* The engine loop: attribution invariant, a perfect hedge, timing, no
 * look-ahead, a hand-computed golden run, delisting and strategy errors;
 * the per-step series table and its documentation.  Over 900 lines: one
 * suite per module (house style), and the engine's cases share the fakes
 * and fixtures at the top. */
#include "enginefix.h"
#include "testutil.h"

#include "hedgesim/engine.h"
#include "hedgesim/strategy.h"

#include <unistd.h>

/* --------------------------------------------- test strategies (fakes) */

/* Short `qty` units at the first live step, then hold. */
typedef struct {
    double qty;
    int calls;
} fixed_state;

static const hs_param fixed_params[] = {
    {"qty", HS_PARAM_DOUBLE, "-5", -1e9, 1e9, NULL, "target"}, HS_PARAM_END};

static int fixed_init(void *state, const hs_values *v)
{
    ((fixed_state *)state)->qty = hs_values_num(v, "qty");
    return 0;
}

static int fixed_step(void *state, const hs_view *v, hs_decision *out)
{
    fixed_state *s = state;
    s->calls++;
    out->trade = hs_view_live_step(v) == 0;
    out->hedge_target = s->qty;
    return 0;
}

static const hs_strategy_type fixed_type = {
    .version = HS_STRATEGY_VERSION,
    .name = "fixed",
    .summary = "test: fixed short",
    .params = fixed_params,
    .state_size = sizeof(fixed_state),
    .init = fixed_init,
    .step = fixed_step,
};

static int nan_step(void *state, const hs_view *v, hs_decision *out)
{
    (void)state;
    out->trade = hs_view_live_step(v) == 3;
    out->hedge_target = NAN;
    return 0;
}

static const hs_strategy_type nan_type = {
    .version = HS_STRATEGY_VERSION,
    .name = "nan",
    .summary = "test: returns NaN at live step 3",
    .params = (const hs_param[]){HS_PARAM_END},
    .step = nan_step,
};

static int fail_step(void *state, const hs_view *v, hs_decision *out)
{
    (void)state, (void)out;
    if (hs_view_live_step(v) == 2)
        return hs_error_set(HS_EINVAL, "deliberate failure");
    return 0;
}

static const hs_strategy_type fail_type = {
    .version = HS_STRATEGY_VERSION,
    .name = "fail",
    .summary = "test: fails at live step 2",
    .params = (const hs_param[]){HS_PARAM_END},
    .step = fail_step,
};

/* Tries to peek into the future through the view: every accessor must
 * answer NaN for a negative lag (a huge size_t) rather than step t + 1. */
static int peek_step(void *state, const hs_view *v, hs_decision *out)
{
    int *bad = state;
    size_t future = (size_t)-1; /* lag -1 */
    if (!isnan(hs_view_book_return(v, future)) ||
        !isnan(hs_view_bench_return(v, future)) ||
        !isnan(hs_view_hedge_return(v, future)) ||
        !isnan(hs_view_close(v, 0, future)))
        (*bad)++;
    out->trade = 0;
    return 0;
}

static const hs_strategy_type peek_type = {
    .version = HS_STRATEGY_VERSION,
    .name = "peek",
    .summary = "test: tries to read the future",
    .params = (const hs_param[]){HS_PARAM_END},
    .state_size = sizeof(int),
    .step = peek_step,
};

/* ------------------------------------------------------------ helpers */

static void run_ok(hs_engine *e)
{
    int rc = hs_engine_run(e);
    ck_assert_msg(rc == 0, "run failed: %s", hs_error_last());
}

/* Independent check of the attribution on a finished run. */
static void check_attribution(const hs_engine *e, size_t lf, double capital)
{
    const hs_run_series *s = hs_engine_series(e);
    double total = 0;
    for (size_t t = lf; t < s->n_steps; t++) {
        double prev = t > lf ? s->equity[t - 1] : capital;
        double sum = s->pnl_book[t] + s->pnl_hedge[t] + s->pnl_options[t] +
                     s->fees[t] + s->slippage[t] + s->funding[t];
        hs_ck_near(sum, s->equity[t] - prev, 1e-9 * fabs(s->equity[t]));
        total += sum;
    }
    hs_ck_near(total, s->equity[s->n_steps - 1] - capital, 1e-7 * capital);
}

/* ---------------------------------------------------------------- tests */

/* Every built-in strategy with every estimator, with fees, slippage and
 * funding: the attribution adds up at every step. */
START_TEST(test_attribution_all_builtins)
{
    const double beta[3] = {1.2, 0.8, 1.5};
    const int idx[3] = {0, 1, 2};
    hs_panel *p = fix_panel(300, 3, beta, 0.02, 0.0003, 7);
    for (int fill = 0; fill < 2; fill++) {
        hs_context_opts o = fix_ctx_opts(3, idx, 80, 5, 3, (hs_fill_rule)fill);
        o.book.rebalance = HS_REBAL_WEEKLY;
        hs_context *ctx = NULL;
        ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
        for (const hs_strategy_type *const *t = hs_strategy_builtins; *t; t++)
            for (const hs_beta_type *const *b = hs_beta_types; *b; b++) {
                if ((*t)->flags & HS_STRATEGY_OPTIONS)
                    continue; /* test_options_* run those with chains */
                hs_run_spec spec = fix_spec(*t, *b);
                spec.contract_size = 0.01;
                hs_engine *e = NULL;
                ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), 0);
                run_ok(e);
                check_attribution(e, 80, 1e6);
                hs_metrics m;
                ck_assert_int_eq(hs_engine_metrics(e, &m), 0);
                ck_assert(isfinite(m.hedge_effectiveness));
                if (strcmp((*t)->name, "unhedged") == 0) {
                    /* The control arm is the shared book track, exactly. */
                    const hs_book *bk = hs_context_book(ctx);
                    const hs_run_series *s = hs_engine_series(e);
                    for (size_t t2 = 80; t2 < s->n_steps; t2++)
                        ck_assert(s->equity[t2] == bk->equity[t2]);
                    hs_ck_near(m.hedge_effectiveness, 0.0, 1e-12);
                }
                else /* a beta hedge on a beta-driven basket helps */
                    ck_assert_msg(m.hedge_effectiveness > 0.5,
                                  "%s/%s HE %g", (*t)->name, (*b)->name,
                                  m.hedge_effectiveness);
                hs_engine_free(e);
            }
        hs_context_free(ctx);
    }
    hs_panel_free(p);
}
END_TEST

/* Zero costs, book perfectly correlated with the hedge (the same price):
 * the hedged equity does not move at all once the hedge is on. */
START_TEST(test_perfect_hedge_is_flat)
{
    const double beta[1] = {1.0};
    const int idx[1] = {0};
    hs_panel *p = fix_panel(200, 1, beta, 0.0, 0.0, 11);
    /* Make the book asset the benchmark's price series exactly. */
    for (size_t t = 0; t < p->n_steps; t++) {
        size_t i = t * p->n_assets, m = i + 1;
        p->open[i] = p->open[m];
        p->close[i] = p->close[m];
        p->high[i] = p->high[m];
        p->low[i] = p->low[m];
    }
    for (int fill = 0; fill < 2; fill++) {
        hs_context_opts o = fix_ctx_opts(1, idx, 30, 0, 0, (hs_fill_rule)fill);
        o.book.rebalance = HS_REBAL_NEVER;
        hs_context *ctx = NULL;
        ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
        hs_run_spec spec = fix_spec(&hs_strategy_builtins[1][0], &hs_beta_ols);
        ck_assert_str_eq(spec.type->name, "perp_short");
        hs_values_set(&spec.beta_params, "window", "20", "test");
        spec.contract_size = 1e-12;
        hs_engine *e = NULL;
        ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), 0);
        run_ok(e);
        const hs_run_series *s = hs_engine_series(e);
        for (size_t t = 31; t < s->n_steps; t++) {
            hs_ck_near(s->beta[t], 1.0, 1e-9);
            hs_ck_near(s->equity[t], 1e6, 1e-6);
        }
        /* ... while the unhedged book moved a lot. */
        const hs_book *b = hs_context_book(ctx);
        double lo = INFINITY, hi = -INFINITY;
        for (size_t t = 31; t < s->n_steps; t++) {
            lo = fmin(lo, b->equity[t]);
            hi = fmax(hi, b->equity[t]);
        }
        ck_assert(hi - lo > 1e5);
        hs_metrics m;
        ck_assert_int_eq(hs_engine_metrics(e, &m), 0);
        ck_assert(m.hedge_effectiveness > 1 - 1e-12);
        hs_engine_free(e);
        hs_context_free(ctx);
    }
    hs_panel_free(p);
}
END_TEST

/* The golden run: 1 asset, 5 steps, numbers worked by hand.
 *
 * Book A closes 100, 110, 99, 105, 105; hedge H closes 1000, 1050, 990, 1000,
 * 1020; opens equal the previous close.  Capital 10000, never rebalanced;
 * fee 10 bps, fixed slippage 5 bps, funding 0.001 per step; the strategy
 * shorts 5 H at step 0 (fills at the open of step 1).
 *   step 1: book buys 100 A at 100 * 1.0005 = 100.05: cash 10000 - 10005 -
 *           fee 10.005 = -15.005; slippage 100*100*0.0005 = 5; book P&L
 *           100*(110-100) = 1000; book equity -15.005 + 11000 = 10984.995.
 *           Hedge sells 5 at 1000 * 0.9995 = 999.5: fee 5*999.5*0.001 =
 *           4.9975, slippage 2.5; P&L -5*(1050-1000) = -250; funding
 *           5*1050*0.001 = +5.25; account -252.2475.  Equity 10732.7475.
 *   step 2: P&L -5*(990-1050) = 300, funding 4.95: account 52.7025;
 *           book 9884.995; equity 9937.6975.
 *   step 3: P&L -50, funding 5: account 7.7025; equity 10492.6975.
 *   step 4: P&L -100, funding 5.1: account -87.1975; equity 10397.7975. */
START_TEST(test_golden_hand_computed)
{
    hs_panel *p = NULL;
    ck_assert_int_eq(hs_panel_new(&p, 5, 3, 86400000), 0);
    const double a[5] = {100, 110, 99, 105, 105};
    const double h[5] = {1000, 1050, 990, 1000, 1020};
    for (size_t t = 0; t < 5; t++) {
        p->time[t] = (int64_t)t * 86400000;
        const double *src[3] = {a, h, h};
        for (size_t k = 0; k < 3; k++) {
            size_t i = t * 3 + k;
            p->close[i] = src[k][t];
            p->open[i] = t ? src[k][t - 1] : src[k][t];
            p->high[i] = fmax(p->open[i], p->close[i]);
            p->low[i] = fmin(p->open[i], p->close[i]);
            p->volume[i] = 1;
            p->state[i] = HS_BAR_OK;
            p->funding[i] = k == 2 ? 0.001 : 0;
        }
    }
    snprintf(p->symbol[0], HS_SYMBOL_MAX, "A");
    snprintf(p->symbol[1], HS_SYMBOL_MAX, "H");
    snprintf(p->symbol[2], HS_SYMBOL_MAX, "H-PERP");
    hs_panel_finish(p);
    const int idx[1] = {0};
    hs_context_opts o = fix_ctx_opts(1, idx, 0, 10, 5, HS_FILL_NEXT_OPEN);
    o.book.capital = 10000;
    o.book.rebalance = HS_REBAL_NEVER;
    hs_context *ctx = NULL;
    ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
    hs_run_spec spec = fix_spec(&fixed_type, NULL);
    spec.contract_size = 1;
    hs_engine *e = NULL;
    ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), 0);
    run_ok(e);
    const hs_run_series *s = hs_engine_series(e);
    const double eq[5] = {10000, 10732.7475, 9937.6975, 10492.6975,
                          10397.7975};
    for (size_t t = 0; t < 5; t++)
        hs_ck_near(s->equity[t], eq[t], 1e-9);
    hs_ck_near(s->pnl_book[1], 1000, 1e-9);
    hs_ck_near(s->pnl_hedge[1], -250, 1e-9);
    hs_ck_near(s->fees[1], -(10.005 + 4.9975), 1e-9);
    hs_ck_near(s->slippage[1], -7.5, 1e-9);
    hs_ck_near(s->funding[1], 5.25, 1e-9);
    hs_ck_near(s->hedge_qty[0], 0, 0);  /* ordered at 0, filled at 1 */
    hs_ck_near(s->hedge_qty[1], -5, 0);
    ck_assert_uint_eq(s->n_fills, 1);
    hs_ck_near(s->fill_price[0], 999.5, 1e-12);
    check_attribution(e, 0, 10000);
    hs_engine_free(e);
    hs_context_free(ctx);
    hs_panel_free(p);
}
END_TEST

/* Fill timing: next_open puts the decision of t on the books at t + 1;
 * close puts it on at t. */
START_TEST(test_fill_timing)
{
    const double beta[2] = {1.0, 1.3};
    const int idx[2] = {0, 1};
    hs_panel *p = fix_panel(50, 2, beta, 0.01, 0, 3);
    for (int fill = 0; fill < 2; fill++) {
        hs_context_opts o = fix_ctx_opts(2, idx, 10, 0, 0, (hs_fill_rule)fill);
        hs_context *ctx = NULL;
        ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
        hs_run_spec spec = fix_spec(&fixed_type, NULL);
        spec.contract_size = 1;
        hs_engine *e = NULL;
        ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), 0);
        run_ok(e);
        const hs_run_series *s = hs_engine_series(e);
        hs_ck_near(s->hedge_qty[10], fill == HS_FILL_CLOSE ? -5 : 0, 0);
        hs_ck_near(s->hedge_qty[11], -5, 0);
        ck_assert_int_eq(s->fill_time[0], p->time[fill == HS_FILL_CLOSE ? 10 : 11]);
        hs_engine_free(e);
        hs_context_free(ctx);
    }
    hs_panel_free(p);
}
END_TEST

/* beta_input = proforma (docs/concepts.md): the beta at step t is the OLS
 * slope, over the estimator's window (the last 10 steps with an
 * observation), of the benchmark's return against the return of the
 * weights decided at the close of t applied to each asset's return.  Three
 * assets, equal weights rebalanced daily at the close, so the decided
 * weights are 1/3 each once A2 (listed at step 15, min_history 6) is
 * eligible from step 20, 1/2 on A0 and A1 before; a step where a decided
 * asset has no bar renormalises over the others.  Hand computation below
 * from the panel's closes only; checked at every step from the first full
 * window to the last but one (the final step decides no orders, so its
 * holdings are the drifted ones).  Around the listing proforma differs from
 * target, whose y at u uses the weights decided at u - 1. */
START_TEST(test_beta_input_proforma)
{
    const double beta[3] = {0.8, 1.2, 1.6};
    const int idx[3] = {0, 1, 2};
    const size_t n = 40, lf = 25, W = 10, na = 5;
    hs_panel *p = fix_panel(n, 3, beta, 0.02, 0, 17);
    for (size_t t = 0; t < 15; t++) { /* A2 lists at step 15 */
        size_t i = t * na + 2;
        p->state[i] = HS_BAR_ABSENT;
        p->open[i] = p->high[i] = p->low[i] = p->close[i] = NAN;
    }
    hs_panel_finish(p);
    double got[2][40];
    for (int in = 0; in < 2; in++) {
        hs_context_opts o = fix_ctx_opts(3, idx, lf, 0, 0, HS_FILL_CLOSE);
        o.book.min_history = 6;
        o.book.beta_input = in ? HS_BETA_INPUT_PROFORMA : HS_BETA_INPUT_TARGET;
        hs_context *ctx = NULL;
        ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
        hs_run_spec spec = fix_spec(&fixed_type, &hs_beta_ols);
        hs_values_set(&spec.beta_params, "window", "10", "test");
        hs_engine *e = NULL;
        ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), 0);
        run_ok(e);
        memcpy(got[in], hs_engine_series(e)->beta, n * sizeof(double));
        hs_engine_free(e);
        hs_context_free(ctx);
    }
    size_t checked = 0;
    for (size_t t = 6; t + 1 < n; t++) {
        /* decided at t: A0, A1, and A2 once eligible (t >= 20) */
        const size_t k = t >= 20 ? 3 : 2;
        double xs[40], ys[40];
        size_t m = 0;
        for (size_t u = t; u >= 1 && m < W; u--) {
            double sum = 0;
            size_t cnt = 0;
            for (size_t a = 0; a < k; a++) {
                size_t i = u * na + a;
                if (p->state[i] != HS_BAR_OK || p->state[i - na] != HS_BAR_OK)
                    continue;
                sum += p->close[i] / p->close[i - na] - 1;
                cnt++;
            }
            xs[m] = p->close[u * na + 3] / p->close[(u - 1) * na + 3] - 1;
            ys[m++] = sum / (double)cnt;
        }
        if (m < W)
            continue;
        double mx = 0, my = 0, sxy = 0, sxx = 0;
        for (size_t j = 0; j < W; j++) {
            mx += xs[j] / (double)W;
            my += ys[j] / (double)W;
        }
        for (size_t j = 0; j < W; j++) {
            sxy += (xs[j] - mx) * (ys[j] - my);
            sxx += (xs[j] - mx) * (xs[j] - mx);
        }
        ck_assert_msg(fabs(got[1][t] - sxy / sxx) < 1e-12,
                      "step %zu: proforma beta %.17g, by hand %.17g", t,
                      got[1][t], sxy / sxx);
        checked++;
    }
    ck_assert_uint_eq(checked, 40 - 1 - 10);
    /* At step 22 the window holds steps 13..22: A2 in proforma's y from
     * 16 on, in target's only from 21 (decided at 20). */
    ck_assert(fabs(got[1][22] - got[0][22]) > 1e-6);
    /* Before A2 is eligible both are the 50/50 basket of the same window. */
    hs_ck_near(got[1][18], got[0][18], 1e-12);
    hs_panel_free(p);
}
END_TEST

/* No look-ahead: change every bar after step k (prices, volumes, funding);
 * every decision made at or before k, and everything recorded up to k, is
 * unchanged, for every strategy, estimator and cost model. */
START_TEST(test_no_lookahead)
{
    const double beta[3] = {1.1, 0.7, 1.6};
    const int idx[3] = {0, 1, 2};
    const size_t n = 260, k = 170, lf = 70;
    hs_panel *a = fix_panel(n, 3, beta, 0.02, 0.0002, 21);
    hs_panel *b = fix_panel(n, 3, beta, 0.02, 0.0002, 21);
    gsl_rng *r = NULL;
    ck_assert_int_eq(hs_rng_new(&r, 5, 0, HS_RNG_TEST), 0);
    for (size_t t = k + 1; t < n; t++)
        for (size_t j = 0; j < b->n_assets; j++) {
            size_t i = t * b->n_assets + j;
            double f = exp(gsl_ran_gaussian(r, 0.2));
            b->open[i] *= f;
            b->close[i] *= f * f;
            b->high[i] = fmax(b->high[i] * f * f, fmax(b->open[i], b->close[i]));
            b->low[i] = fmin(b->low[i], fmin(b->open[i], b->close[i]));
            b->volume[i] *= 3;
            b->funding[i] *= -5;
        }
    gsl_rng_free(r);
    const hs_cost_type *models[3] = {&hs_cost_fixed, &hs_cost_spread,
                                     &hs_cost_sqrt};
    int later_differs = 0;
    for (int m = 0; m < 3; m++) {
        hs_context_opts o = fix_ctx_opts(3, idx, lf, 5, 2, HS_FILL_NEXT_OPEN);
        o.book.weighting = HS_WEIGHTS_INVERSE_VOL;
        o.exec.model = models[m];
        hs_values_init(&o.exec.model_values, models[m]->params);
        hs_context *ca = NULL, *cb = NULL;
        ck_assert_int_eq(hs_context_new(&ca, a, &o), 0);
        ck_assert_int_eq(hs_context_new(&cb, b, &o), 0);
        for (const hs_strategy_type *const *t = hs_strategy_builtins; *t; t++)
            for (const hs_beta_type *const *be = hs_beta_types; *be; be++) {
                if ((*t)->flags & HS_STRATEGY_OPTIONS)
                    continue; /* test_options_no_lookahead */
                hs_run_spec spec = fix_spec(*t, *be);
                hs_engine *ea = NULL, *eb = NULL;
                ck_assert_int_eq(hs_engine_new(&ea, ca, &spec), 0);
                ck_assert_int_eq(hs_engine_new(&eb, cb, &spec), 0);
                run_ok(ea);
                run_ok(eb);
                const hs_run_series *sa = hs_engine_series(ea),
                                    *sb = hs_engine_series(eb);
                for (size_t t2 = 0; t2 <= k; t2++) {
                    ck_assert(sa->beta[t2] == sb->beta[t2] ||
                              (isnan(sa->beta[t2]) && isnan(sb->beta[t2])));
                    ck_assert(sa->hedge_qty[t2] == sb->hedge_qty[t2]);
                    ck_assert(sa->equity[t2] == sb->equity[t2]);
                }
                /* The order decided at the close of k fills at k + 1 in
                 * the same quantity, at whatever the new open is. */
                ck_assert_msg(sa->hedge_qty[k + 1] == sb->hedge_qty[k + 1],
                              "%s/%s decision at k changed", (*t)->name,
                              (*be)->name);
                for (size_t t2 = k + 2; t2 < n; t2++)
                    later_differs |= sa->hedge_qty[t2] != sb->hedge_qty[t2];
                hs_engine_free(ea);
                hs_engine_free(eb);
            }
        hs_context_free(ca);
        hs_context_free(cb);
    }
    ck_assert_msg(later_differs, "the perturbation changed nothing: the test "
                                 "would not catch look-ahead");
    hs_panel_free(a);
    hs_panel_free(b);
}
END_TEST

START_TEST(test_view_has_no_future)
{
    const double beta[1] = {1.0};
    const int idx[1] = {0};
    hs_panel *p = fix_panel(40, 1, beta, 0.01, 0, 4);
    hs_context_opts o = fix_ctx_opts(1, idx, 5, 0, 0, HS_FILL_NEXT_OPEN);
    hs_context *ctx = NULL;
    ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
    hs_run_spec spec = fix_spec(&peek_type, NULL);
    hs_engine *e = NULL;
    ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), 0);
    run_ok(e);
    hs_engine_free(e);
    hs_context_free(ctx);
    hs_panel_free(p);
}
END_TEST

/* A peeking strategy that counts failures keeps its count in its state;
 * read it back by running the steps by hand. */
START_TEST(test_step_by_step_and_iterover)
{
    const double beta[1] = {1.0};
    const int idx[1] = {0};
    hs_panel *p = fix_panel(20, 1, beta, 0.01, 0, 4);
    hs_context_opts o = fix_ctx_opts(1, idx, 5, 0, 0, HS_FILL_NEXT_OPEN);
    hs_context *ctx = NULL;
    ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
    hs_run_spec spec = fix_spec(&fixed_type, NULL);
    hs_engine *e = NULL;
    ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), 0);
    size_t steps = 0;
    int rc;
    while ((rc = hs_engine_step(e)) == 0)
        steps++;
    ck_assert_int_eq(rc, HS_ITEROVER);
    ck_assert_uint_eq(steps, 20);
    ck_assert_int_eq(hs_engine_step(e), HS_ITEROVER);
    hs_engine_free(e);
    hs_context_free(ctx);
    hs_panel_free(p);
}
END_TEST

START_TEST(test_strategy_errors)
{
    const double beta[1] = {1.0};
    const int idx[1] = {0};
    hs_panel *p = fix_panel(30, 1, beta, 0.01, 0, 4);
    hs_context_opts o = fix_ctx_opts(1, idx, 5, 0, 0, HS_FILL_NEXT_OPEN);
    hs_context *ctx = NULL;
    ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
    hs_engine *e = NULL;
    hs_run_spec spec = fix_spec(&nan_type, NULL);
    ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), 0);
    ck_assert_int_eq(hs_engine_run(e), HS_ESTRATEGY);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "non-finite"));
    ck_assert_uint_eq(hs_engine_cursor(e), 5 + 3 + 1);
    hs_engine_free(e);
    spec = fix_spec(&fail_type, NULL);
    ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), 0);
    ck_assert_int_eq(hs_engine_run(e), HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "deliberate failure"));
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "run 'fail'"));
    hs_engine_free(e);
    /* Bad specs are refused up front. */
    spec = fix_spec(&fixed_type, NULL);
    spec.contract_size = 0;
    ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), HS_ECONFIG);
    ck_assert_ptr_null(e);
    hs_context_free(ctx);
    hs_panel_free(p);
}
END_TEST

/* An asset whose data ends inside the window is sold at its last close and
 * the run goes on; the attribution still adds up. */
START_TEST(test_delisting_sold_at_last_price)
{
    const double beta[2] = {1.0, 1.2};
    const int idx[2] = {0, 1};
    hs_panel *p = fix_panel(120, 2, beta, 0.01, 0, 8);
    for (size_t t = 90; t < p->n_steps; t++) {
        size_t i = t * p->n_assets + 1;
        p->state[i] = HS_BAR_ABSENT;
        p->open[i] = p->high[i] = p->low[i] = p->close[i] = NAN;
    }
    hs_panel_finish(p);
    p->delisted[1] = 1;
    hs_context_opts o = fix_ctx_opts(2, idx, 20, 5, 2, HS_FILL_NEXT_OPEN);
    o.book.rebalance = HS_REBAL_NEVER;
    hs_context *ctx = NULL;
    ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
    const hs_book *b = hs_context_book(ctx);
    ck_assert(b->qty[89 * 2 + 1] > 0);
    hs_ck_near(b->qty[90 * 2 + 1], 0, 0);
    /* The sale: traded notional = qty * last close. */
    hs_ck_near(b->traded[90], b->qty[89 * 2 + 1] * p->close[89 * 4 + 1],
               1e-6);
    hs_run_spec spec = fix_spec(&hs_strategy_builtins[1][0], &hs_beta_ewma);
    hs_engine *e = NULL;
    ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), 0);
    run_ok(e);
    check_attribution(e, 20, 1e6);
    hs_engine_free(e);
    hs_context_free(ctx);
    hs_panel_free(p);
}
END_TEST

/* The rule for every registered strategy (built-ins and the fake plug-in
 * hold_short, which never trades again on its own): once every book asset
 * is delisted there is nothing to hedge, and the hedge and the option
 * positions are closed and stay closed; a data note says why.  Both fill
 * rules; option strategies on modeled chains. */
START_TEST(test_flat_when_book_gone)
{
    const double beta[2] = {1.1, 1.4};
    const size_t n = 200, lf = 40, gone = 130;
    hs_registry *reg = fix_registry_with_fakes();
    for (int fill = 0; fill < 2; fill++) {
        hs_panel *p = fix_panel(n, 2, beta, 0.02, 0.0002, 31);
        fix_delist(p, 0, gone - 20); /* one goes first: the book goes on */
        fix_delist(p, 1, gone);
        char runs[8192] = "[options]\nunderlying = BENCH\nchains = model\n";
        size_t nr = 0;
        for (size_t i = 0; hs_registry_get(reg, i); i++) {
            const hs_strategy_type *t = hs_registry_get(reg, i);
            if (!strcmp(t->name, "fail_at") || !strcmp(t->name, "half_hedge"))
                continue; /* fails on purpose; the template is a built-in's twin */
            size_t len = strlen(runs);
            snprintf(runs + len, sizeof runs - len,
                     "[strategy.%s]\ntype = %s\nbeta = ewma\n"
                     "contract_size = 0.01\n",
                     t->name, t->name);
            nr++;
        }
        char text[16384];
        fix_config_text(text, sizeof text, p, 2, lf, 5, 2,
                        fill ? "close" : "next_open", runs);
        hs_config *c = NULL;
        hs_plan *pl = NULL;
        ck_assert_msg(fix_plan_reg(&pl, &c, p, lf, text, reg) == 0, "%s",
                      hs_error_last());
        ck_assert_int_eq(hs_plan_run(pl), 0);
        ck_assert_uint_eq(hs_plan_n_runs(pl), nr);
        ck_assert_uint_eq(hs_plan_n_failed(pl), 0);
        const hs_book *b = hs_context_book(hs_plan_context(pl));
        ck_assert(b->exposure[gone - 1] > 0);
        ck_assert(b->exposure[gone] == 0);
        int held_before = 0;
        for (size_t i = 0; i < nr; i++) {
            const hs_run_spec *sp = hs_plan_spec(pl, i);
            const hs_run_series *se = hs_plan_series(pl, i);
            /* Every run but the control arm holds something just before. */
            held_before += se->hedge_qty[gone - 1] != 0 ||
                           se->opt_delta[gone - 1] != 0;
            /* Ordered at the close of `gone`; filled then (close) or at
             * the next open. */
            for (size_t t = gone + 1; t < n; t++) {
                ck_assert_msg(se->hedge_qty[t] == 0,
                              "%s (fill %d) holds %g at step %zu: the book "
                              "is gone",
                              sp->name, fill, se->hedge_qty[t], t);
                ck_assert_msg(se->opt_delta[t] == 0,
                              "%s (fill %d) keeps options at step %zu",
                              sp->name, fill, t);
            }
            for (size_t k = 0; k < se->n_opos; k++)
                ck_assert_msg(se->op_time[k] <= p->time[gone],
                              "%s holds an option at %lld", sp->name,
                              (long long)se->op_time[k]);
        }
        ck_assert_int_eq(held_before, (int)nr - 1);
        ck_assert_ptr_nonnull(strstr(p->notes, "every book asset is delisted"));
        hs_plan_free(pl);
        hs_config_free(c);
        hs_panel_free(p);
    }
    hs_registry_free(reg);
}
END_TEST

/* Late listings join the book only with min_history bars. */
START_TEST(test_late_listing_joins_after_history)
{
    const double beta[2] = {1.0, 1.2};
    const int idx[2] = {0, 1};
    hs_panel *p = fix_panel(100, 2, beta, 0.01, 0, 9);
    for (size_t t = 0; t < 40; t++) {
        size_t i = t * p->n_assets + 1;
        p->state[i] = HS_BAR_ABSENT;
        p->open[i] = p->high[i] = p->low[i] = p->close[i] = NAN;
    }
    hs_panel_finish(p);
    hs_context_opts o = fix_ctx_opts(2, idx, 10, 0, 0, HS_FILL_NEXT_OPEN);
    o.book.min_history = 15;
    hs_context *ctx = NULL;
    ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
    const hs_book *b = hs_context_book(ctx);
    /* First bar at 40; eligible at the close of 54; bought at 55. */
    hs_ck_near(b->qty[55 * 2 + 1], b->qty[55 * 2 + 1], 0);
    ck_assert(b->qty[54 * 2 + 1] == 0);
    ck_assert(b->qty[55 * 2 + 1] > 0);
    ck_assert_int_eq(b->eligible[53], 1);
    ck_assert_int_eq(b->eligible[54], 2);
    hs_context_free(ctx);
    hs_panel_free(p);
}
END_TEST

/* A benchmark without data at the start of the live window is refused. */
START_TEST(test_benchmark_must_cover_window)
{
    const double beta[1] = {1.0};
    const int idx[1] = {0};
    hs_panel *p = fix_panel(50, 1, beta, 0.01, 0, 4);
    for (size_t t = 0; t < 20; t++)
        p->state[t * p->n_assets + 1] = HS_BAR_ABSENT;
    hs_panel_finish(p);
    hs_context_opts o = fix_ctx_opts(1, idx, 10, 0, 0, HS_FILL_NEXT_OPEN);
    hs_context *ctx = NULL;
    ck_assert_int_eq(hs_context_new(&ctx, p, &o), HS_EDATA);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "BENCH"));
    ck_assert_ptr_null(ctx);
    hs_panel_free(p);
}
END_TEST

/* Plug-ins: the template built as a shared object loads and runs; bad
 * plug-ins are refused with a message naming the file. */
START_TEST(test_plugin_loader)
{
    const char *so = getenv("HS_TEST_PLUGIN");
    if (!so)
        so = "build/tests/template_plugin.so";
    hs_registry *reg = NULL;
    ck_assert_int_eq(hs_registry_new(&reg), 0);
    ck_assert_ptr_null(hs_registry_find(reg, "half_hedge"));
    int rc = hs_registry_load(reg, so);
    ck_assert_msg(rc == 0, "%s", hs_error_last());
    const hs_strategy_type *t = hs_registry_find(reg, "half_hedge");
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_nonnull(strstr(hs_registry_names(reg), "half_hedge"));
    /* Loading it twice: the name is taken. */
    ck_assert_int_eq(hs_registry_load(reg, so), HS_EPLUGIN);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "already registered"));

    const double beta[2] = {1.0, 1.4};
    const int idx[2] = {0, 1};
    hs_panel *p = fix_panel(150, 2, beta, 0.01, 0, 12);
    hs_context_opts o = fix_ctx_opts(2, idx, 70, 0, 0, HS_FILL_NEXT_OPEN);
    hs_context *ctx = NULL;
    ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
    hs_run_spec spec = fix_spec(t, &hs_beta_ols);
    spec.contract_size = 0.001;
    hs_engine *e = NULL;
    ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), 0);
    run_ok(e);
    /* It hedges half the beta: the hedge ratio is about beta / 2. */
    const hs_run_series *s = hs_engine_series(e);
    size_t t_end = s->n_steps - 1;
    hs_ck_near(s->hedge_ratio[t_end], 0.5 * s->beta[t_end - 1], 0.05);
    hs_engine_free(e);
    hs_context_free(ctx);
    hs_panel_free(p);

    /* Not a shared object, and a missing file. */
    char path[] = "/tmp/hs_not_a_plugin_XXXXXX";
    int fd = mkstemp(path);
    ck_assert(fd >= 0);
    ck_assert(write(fd, "hello", 5) == 5);
    close(fd);
    ck_assert_int_eq(hs_registry_load(reg, path), HS_EPLUGIN);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), path));
    unlink(path);
    ck_assert_int_eq(hs_registry_load(reg, "/nonexistent/x.so"), HS_EPLUGIN);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "/nonexistent/x.so"));
    hs_registry_free(reg);
}
END_TEST

/* The registry's own checks on a type: version, name, step. */
START_TEST(test_strategy_type_checks)
{
    hs_strategy_type t = fixed_type;
    ck_assert_int_eq(hs_strategy_check(&t, "x"), 0);
    t.version = HS_STRATEGY_VERSION + 1;
    ck_assert_int_eq(hs_strategy_check(&t, "x"), HS_EPLUGIN);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "version"));
    t = fixed_type;
    t.step = NULL;
    ck_assert_int_eq(hs_strategy_check(&t, "x"), HS_EPLUGIN);
    t = fixed_type;
    t.name = "Bad Name";
    ck_assert_int_eq(hs_strategy_check(&t, "x"), HS_EPLUGIN);
    /* Every built-in passes and has a unique name. */
    for (const hs_strategy_type *const *a = hs_strategy_builtins; *a; a++) {
        ck_assert_int_eq(hs_strategy_check(*a, "built-in"), 0);
        for (const hs_strategy_type *const *b = a + 1; *b; b++)
            ck_assert_str_ne((*a)->name, (*b)->name);
    }
}
END_TEST

/* ---------------------------------------------------------------- options */

/* Buy `qty` of the put nearest 0.95 x spot of the expiry nearest 30 days at
 * the first live step; then hold to expiry. */
typedef struct {
    double qty;
    int64_t expiry;
    double strike;
} buy_put_state;

static int buy_put_step(void *state, const hs_view *v, hs_decision *out)
{
    buy_put_state *s = state;
    out->trade = 0;
    if (hs_view_live_step(v) != 0)
        return 0;
    const hs_chain *c = hs_view_chain(v);
    ck_assert_ptr_nonnull(c);
    int64_t now = hs_view_time(v) + hs_view_step_ms(v);
    int64_t e = hs_chain_pick_expiry(c, now, 30 * HS_MS_PER_DAY, HS_MS_PER_DAY);
    ck_assert(e > 0);
    int k = hs_chain_pick_moneyness(c, e, 'P', 0.95);
    ck_assert(k >= 0);
    s->qty = 10;
    s->expiry = e;
    s->strike = c->q[k].strike;
    out->n_options = 1;
    out->options[0] = (hs_option_order){e, c->q[k].strike, 'P', s->qty};
    return 0;
}

static const hs_strategy_type buy_put_type = {
    .version = HS_STRATEGY_VERSION,
    .name = "buy_put",
    .summary = "test: buys one put and holds it",
    .params = (const hs_param[]){HS_PARAM_END},
    .state_size = sizeof(buy_put_state),
    .flags = HS_STRATEGY_OPTIONS,
    .step = buy_put_step,
};

static hs_option_opts fix_options(hs_chain_source *src, int underlying)
{
    hs_option_opts o;
    memset(&o, 0, sizeof o);
    o.chains = src;
    o.underlying = underlying;
    o.multiplier = 1;
    o.fee_rate = 0.0003;
    o.fee_cap = 0.125;
    o.max_positions = 8;
    return o;
}

/* Every option strategy, both fill rules, modeled chains: the attribution
 * (book + perp + options + fees + slippage + funding) adds up every step,
 * and option greeks are recorded while options are held. */
START_TEST(test_options_attribution)
{
    const double beta[3] = {1.2, 0.8, 1.5};
    const int idx[3] = {0, 1, 2};
    hs_panel *p = fix_panel(300, 3, beta, 0.02, 0.0003, 17);
    hs_chain_source *src = NULL;
    ck_assert_int_eq(hs_chain_source_model(&src, p, 3, -1, NULL), 0);
    for (int fill = 0; fill < 2; fill++) {
        hs_context_opts o = fix_ctx_opts(3, idx, 80, 5, 3, (hs_fill_rule)fill);
        hs_context *ctx = NULL;
        ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
        int ran = 0;
        for (const hs_strategy_type *const *t = hs_strategy_builtins; *t; t++) {
            if (!((*t)->flags & HS_STRATEGY_OPTIONS))
                continue;
            hs_run_spec spec = fix_spec(*t, &hs_beta_ewma);
            spec.contract_size = 0.1;
            spec.options = fix_options(src, 3);
            hs_engine *e = NULL;
            ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), 0);
            run_ok(e);
            check_attribution(e, 80, 1e6);
            const hs_run_series *s = hs_engine_series(e);
            ck_assert_msg(s->n_otrades > 0, "%s traded no options",
                          (*t)->name);
            double vega = 0, prem = 0;
            for (size_t t2 = 80; t2 < s->n_steps; t2++) {
                vega += fabs(s->opt_vega[t2]);
                prem += s->premium[t2];
            }
            ck_assert(vega > 0);
            if (strcmp((*t)->name, "protective_put") == 0)
                ck_assert(prem < 0); /* puts cost premium */
            hs_engine_free(e);
            ran++;
        }
        ck_assert_int_eq(ran, 4);
        hs_context_free(ctx);
    }
    hs_chain_source_free(src);
    hs_panel_free(p);
}
END_TEST

/* A put held to expiry settles at max(K - S, 0), S interpolated within the
 * expiry bar at the expiry time (08:00 UTC: a third of the way from the
 * open to the close on daily bars). */
START_TEST(test_options_expiry_settlement)
{
    const double beta[1] = {1.0};
    const int idx[1] = {0};
    hs_panel *p = fix_panel(120, 1, beta, 0.01, 0, 23);
    hs_chain_source *src = NULL;
    ck_assert_int_eq(hs_chain_source_model(&src, p, 1, -1, NULL), 0);
    hs_context_opts o = fix_ctx_opts(1, idx, 40, 0, 0, HS_FILL_CLOSE);
    hs_context *ctx = NULL;
    ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
    hs_run_spec spec = fix_spec(&buy_put_type, NULL);
    spec.options = fix_options(src, 1);
    hs_engine *e = NULL;
    ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), 0);
    run_ok(e);
    const hs_run_series *s = hs_engine_series(e);
    check_attribution(e, 40, 1e6);
    ck_assert_uint_eq(s->n_otrades, 2);
    ck_assert_int_eq(s->ot_kind[0], 'B');
    ck_assert_int_eq(s->ot_kind[1], 'X');
    int64_t expiry = s->ot_expiry[0];
    double K = s->ot_strike[0];
    /* The bar holding the expiry, and the settlement price in it. */
    size_t tb = (size_t)((expiry - p->time[0]) / p->step_ms);
    ck_assert_int_eq(s->ot_time[1], p->time[tb]);
    double frac = (double)(expiry - p->time[tb]) / (double)p->step_ms;
    hs_ck_near(frac, 1.0 / 3.0, 1e-12);
    size_t i = tb * p->n_assets + 1;
    double S = p->open[i] + (p->close[i] - p->open[i]) * frac;
    hs_ck_near(s->ot_price[1], fmax(K - S, 0), 1e-9);
    hs_ck_near(s->ot_qty[1], -10, 0);
    /* The settlement's cash flow is in the premium series of that step. */
    hs_ck_near(s->premium[tb], 10 * fmax(K - S, 0), 1e-6);
    /* Bought at the close: the fee is Deribit's min(0.03 % S, 12.5 % px). */
    double S0 = p->close[40 * p->n_assets + 1];
    hs_ck_near(s->ot_fee[0],
               10 * fmin(0.0003 * S0, 0.125 * s->ot_price[0]), 1e-9);
    for (size_t t = tb; t < s->n_steps; t++)
        hs_ck_near(s->opt_delta[t], 0, 0);
    /* One position row per close from the purchase (step 40) to the step
     * before the expiry bar, each the 10 puts at strike K. */
    ck_assert_uint_eq(s->n_opos, tb - 40);
    for (size_t r = 0; r < s->n_opos; r++) {
        ck_assert_int_eq(s->op_time[r], p->time[40 + r]);
        hs_ck_near(s->op_qty[r], 10, 0);
        hs_ck_near(s->op_strike[r], K, 0);
        hs_ck_near(s->op_entry_price[r], s->ot_price[0], 0);
        ck_assert(s->op_mark[r] >= 0);
    }
    hs_engine_free(e);
    hs_context_free(ctx);
    hs_chain_source_free(src);
    hs_panel_free(p);
}
END_TEST

/* Options and no look-ahead: decisions and marks up to k do not change when
 * every bar after k does. */
START_TEST(test_options_no_lookahead)
{
    const double beta[2] = {1.1, 1.4};
    const int idx[2] = {0, 1};
    const size_t n = 200, k = 130, lf = 60;
    hs_panel *a = fix_panel(n, 2, beta, 0.02, 0.0002, 31);
    hs_panel *b = fix_panel(n, 2, beta, 0.02, 0.0002, 31);
    for (size_t t = k + 1; t < n; t++)
        for (size_t j = 0; j < b->n_assets; j++) {
            size_t i = t * b->n_assets + j;
            b->open[i] *= 1.3;
            b->close[i] *= 0.7;
            b->high[i] = fmax(b->high[i] * 1.3, fmax(b->open[i], b->close[i]));
            b->low[i] = fmin(b->low[i] * 0.7, fmin(b->open[i], b->close[i]));
        }
    hs_chain_source *sa = NULL, *sb = NULL;
    ck_assert_int_eq(hs_chain_source_model(&sa, a, 2, -1, NULL), 0);
    ck_assert_int_eq(hs_chain_source_model(&sb, b, 2, -1, NULL), 0);
    hs_context_opts o = fix_ctx_opts(2, idx, lf, 5, 2, HS_FILL_NEXT_OPEN);
    hs_context *ca = NULL, *cb = NULL;
    ck_assert_int_eq(hs_context_new(&ca, a, &o), 0);
    ck_assert_int_eq(hs_context_new(&cb, b, &o), 0);
    int later = 0;
    for (const hs_strategy_type *const *t = hs_strategy_builtins; *t; t++) {
        if (!((*t)->flags & HS_STRATEGY_OPTIONS))
            continue;
        hs_run_spec s1 = fix_spec(*t, &hs_beta_ols), s2 = s1;
        hs_values_set(&s1.beta_params, "window", "30", "test");
        s2 = s1;
        s1.contract_size = s2.contract_size = 0.1;
        s1.options = fix_options(sa, 2);
        s2.options = fix_options(sb, 2);
        hs_engine *ea = NULL, *eb = NULL;
        ck_assert_int_eq(hs_engine_new(&ea, ca, &s1), 0);
        ck_assert_int_eq(hs_engine_new(&eb, cb, &s2), 0);
        run_ok(ea);
        run_ok(eb);
        const hs_run_series *ra = hs_engine_series(ea), *rb = hs_engine_series(eb);
        for (size_t t2 = 0; t2 <= k; t2++) {
            ck_assert(ra->equity[t2] == rb->equity[t2]);
            ck_assert(ra->opt_delta[t2] == rb->opt_delta[t2]);
            ck_assert(ra->hedge_qty[t2] == rb->hedge_qty[t2]);
        }
        size_t na = 0, nb2 = 0;
        while (na < ra->n_otrades && ra->ot_time[na] <= a->time[k])
            na++;
        while (nb2 < rb->n_otrades && rb->ot_time[nb2] <= b->time[k])
            nb2++;
        ck_assert_uint_eq(na, nb2);
        for (size_t j = 0; j < na; j++) {
            ck_assert(ra->ot_qty[j] == rb->ot_qty[j]);
            ck_assert(ra->ot_strike[j] == rb->ot_strike[j]);
            ck_assert(ra->ot_price[j] == rb->ot_price[j]);
        }
        for (size_t t2 = k + 2; t2 < n; t2++)
            later |= ra->equity[t2] != rb->equity[t2];
        hs_engine_free(ea);
        hs_engine_free(eb);
    }
    ck_assert(later);
    hs_context_free(ca);
    hs_context_free(cb);
    hs_chain_source_free(sa);
    hs_chain_source_free(sb);
    hs_panel_free(a);
    hs_panel_free(b);
}
END_TEST

/* Runs stepped together over one chain source (as `hedgesim run` does)
 * give exactly the series they give alone. */
START_TEST(test_options_lockstep_equals_alone)
{
    const double beta[2] = {1.1, 1.4};
    const int idx[2] = {0, 1};
    hs_panel *p = fix_panel(160, 2, beta, 0.02, 0.0002, 41);
    hs_chain_source *src = NULL;
    ck_assert_int_eq(hs_chain_source_model(&src, p, 2, -1, NULL), 0);
    hs_context_opts o = fix_ctx_opts(2, idx, 40, 5, 2, HS_FILL_NEXT_OPEN);
    hs_context *ctx = NULL;
    ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
    const hs_strategy_type *types[2] = {NULL, NULL};
    for (const hs_strategy_type *const *t = hs_strategy_builtins; *t; t++) {
        if (!strcmp((*t)->name, "protective_put"))
            types[0] = *t;
        if (!strcmp((*t)->name, "collar"))
            types[1] = *t;
    }
    hs_run_spec spec[2];
    hs_engine *alone[2] = {NULL, NULL}, *both[2] = {NULL, NULL};
    for (int k = 0; k < 2; k++) {
        spec[k] = fix_spec(types[k], &hs_beta_ewma);
        spec[k].contract_size = 0.1;
        spec[k].options = fix_options(src, 2);
        ck_assert_int_eq(hs_engine_new(&alone[k], ctx, &spec[k]), 0);
        run_ok(alone[k]);
    }
    for (int k = 0; k < 2; k++)
        ck_assert_int_eq(hs_engine_new(&both[k], ctx, &spec[k]), 0);
    int rc0, rc1;
    do {
        rc0 = hs_engine_step(both[0]);
        rc1 = hs_engine_step(both[1]);
        ck_assert(rc0 == 0 || rc0 == HS_ITEROVER);
        ck_assert(rc1 == 0 || rc1 == HS_ITEROVER);
    } while (rc0 == 0 || rc1 == 0);
    for (int k = 0; k < 2; k++) {
        const hs_run_series *a = hs_engine_series(alone[k]),
                            *b = hs_engine_series(both[k]);
        ck_assert_uint_gt(a->n_otrades, 0);
        ck_assert_uint_eq(a->n_otrades, b->n_otrades);
        for (size_t t = 0; t < a->n_steps; t++)
            ck_assert(a->equity[t] == b->equity[t]);
        hs_engine_free(alone[k]);
        hs_engine_free(both[k]);
    }
    hs_context_free(ctx);
    hs_chain_source_free(src);
    hs_panel_free(p);
}
END_TEST

/* Bad option settings are refused up front. */
START_TEST(test_options_bad_settings)
{
    const double beta[1] = {1.0};
    const int idx[1] = {0};
    hs_panel *p = fix_panel(60, 1, beta, 0.01, 0, 2);
    hs_chain_source *src = NULL;
    ck_assert_int_eq(hs_chain_source_model(&src, p, 1, -1, NULL), 0);
    hs_context_opts o = fix_ctx_opts(1, idx, 10, 0, 0, HS_FILL_NEXT_OPEN);
    hs_context *ctx = NULL;
    ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
    hs_run_spec spec = fix_spec(&buy_put_type, NULL);
    spec.options = fix_options(src, 1);
    spec.options.multiplier = 0;
    hs_engine *e = NULL;
    ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), HS_ECONFIG);
    hs_context_free(ctx);
    hs_chain_source_free(src);
    hs_panel_free(p);
}
END_TEST


/* ------------------------------------------------ the series table */

/* HS_RUN_SERIES: one descriptor per member, in member order, names unique;
 * hs_run_series_data reaches the member; warm-up steps leave the series
 * without HS_SERIES_WARMUP at 0, and a reset clears them. */
/* A rerun with the same estimator replays its recorded beta series instead
 * of estimating again (the series depends only on the context and the
 * estimator): every series and metric must equal a fresh engine's, bit for
 * bit, whatever ran before: another target, another window (estimated
 * again), a failed run, a run without an estimator. */
static void same_as_fresh(const hs_context *ctx, hs_engine *reused,
                          const hs_run_spec *spec)
{
    hs_engine *fresh = NULL;
    hs_metrics m1, m2;
    ck_assert_int_eq(hs_engine_new(&fresh, ctx, spec), 0);
    run_ok(fresh);
    ck_assert_int_eq(hs_engine_reset(reused, spec), 0);
    run_ok(reused);
    const hs_run_series *a = hs_engine_series(fresh), *b = hs_engine_series(reused);
    for (size_t i = 0; i < HS_RUN_SERIES_N; i++) {
        const double *x = hs_run_series_data(a, &hs_run_series_desc[i]);
        const double *y = hs_run_series_data(b, &hs_run_series_desc[i]);
        ck_assert_msg(!memcmp(x, y, a->n_steps * sizeof *x), "%s differs",
                      hs_run_series_desc[i].field);
    }
    ck_assert_uint_eq(a->n_fills, b->n_fills);
    ck_assert_int_eq(hs_engine_metrics(fresh, &m1), 0);
    ck_assert_int_eq(hs_engine_metrics(reused, &m2), 0);
    ck_assert(!memcmp(&m1, &m2, sizeof m1));
    hs_engine_free(fresh);
}

START_TEST(test_reset_replays_beta)
{
    const double beta[3] = {1.2, 0.8, 1.5};
    const int idx[3] = {0, 1, 2};
    hs_panel *p = fix_panel(300, 3, beta, 0.01, 1e-4, 11);
    hs_context_opts o = fix_ctx_opts(3, idx, 60, 5, 2, HS_FILL_NEXT_OPEN);
    hs_context *ctx = NULL;
    ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
    const hs_strategy_type *ps = hs_strategy_builtins[1];
    ck_assert_str_eq(ps->name, "perp_short");
    hs_run_spec s = fix_spec(ps, &hs_beta_ols);
    hs_values_set(&s.beta_params, "window", "30", "test");
    hs_engine *e = NULL;
    ck_assert_int_eq(hs_engine_new(&e, ctx, &s), 0);
    run_ok(e);
    double beta_t[300];
    memcpy(beta_t, hs_engine_series(e)->beta, sizeof beta_t);

    s.target_beta = 0.5; /* same estimator: replayed */
    same_as_fresh(ctx, e, &s);
    ck_assert(!memcmp(beta_t, hs_engine_series(e)->beta, sizeof beta_t));
    hs_values_set(&s.beta_params, "window", "45", "test"); /* estimated */
    same_as_fresh(ctx, e, &s);
    ck_assert(memcmp(beta_t, hs_engine_series(e)->beta, sizeof beta_t));
    s.log_returns = 1; /* other returns: estimated again */
    same_as_fresh(ctx, e, &s);
    s.log_returns = 0;
    /* a failed run leaves a partial series: the next run estimates */
    hs_run_spec bad = fix_spec(&fail_type, &hs_beta_ols);
    hs_values_set(&bad.beta_params, "window", "45", "test");
    ck_assert_int_eq(hs_engine_reset(e, &bad), 0);
    ck_assert_int_ne(hs_engine_run(e), 0);
    same_as_fresh(ctx, e, &s);
    hs_run_spec none = fix_spec(&fixed_type, NULL);
    same_as_fresh(ctx, e, &none);
    s.beta = &hs_beta_ewma;
    hs_values_init(&s.beta_params, hs_beta_ewma.params);
    same_as_fresh(ctx, e, &s);
    s.target_beta = 1; /* replayed again */
    same_as_fresh(ctx, e, &s);
    hs_engine_free(e);
    hs_context_free(ctx);
    hs_panel_free(p);
}
END_TEST

START_TEST(test_series_table)
{
    const double beta[2] = {1.0, 1.3};
    const int idx[2] = {0, 1};
    hs_panel *p = fix_panel(60, 2, beta, 0.01, 0.0001, 7);
    hs_context_opts o = fix_ctx_opts(2, idx, 20, 5, 2, HS_FILL_NEXT_OPEN);
    hs_context *ctx = NULL;
    ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
    hs_run_spec spec = fix_spec(&fixed_type, &hs_beta_ols);
    hs_engine *e = NULL;
    ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), 0);
    run_ok(e);
    const hs_run_series *s = hs_engine_series(e);

    ck_assert_uint_eq(HS_RUN_SERIES_N, 20);
    for (size_t i = 0; i < HS_RUN_SERIES_N; i++) {
        const hs_series_desc *d = &hs_run_series_desc[i];
        ck_assert(d->field && d->name && d->unit && d->doc && *d->doc);
        ck_assert_uint_eq(d->offset % sizeof(double *), 0);
        ck_assert_uint_lt(d->offset, sizeof *s);
        if (i)
            ck_assert_uint_gt(d->offset, hs_run_series_desc[i - 1].offset);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(d->name, hs_run_series_desc[j].name);
        const double *x = hs_run_series_data(s, d);
        ck_assert_ptr_nonnull(x);
        for (size_t t = 0; t < 20 && !(d->flags & HS_SERIES_WARMUP); t++)
            ck_assert_msg(x[t] == 0, "%s[%zu] = %g before live_from", d->field,
                          t, x[t]);
    }
    ck_assert_ptr_eq(hs_run_series_data(s, &hs_run_series_desc[0]), s->equity);
    ck_assert_str_eq(hs_run_series_desc[1].field, "ret");
    ck_assert_str_eq(hs_run_series_desc[1].name, "return");
    ck_assert_ptr_eq(hs_run_series_data(s, &hs_run_series_desc[1]), s->ret);
    ck_assert_ptr_eq(hs_run_series_data(s, &hs_run_series_desc[19]),
                     s->hedge_traded);
    /* the run traded: after a reset, what it left reads as zeros (the
     * series are read through hs_engine_series, which zeroes what a new
     * run has not rewritten yet) */
    ck_assert(s->pnl_hedge[30] != 0 && s->hedge_qty[59] != 0);
    ck_assert_int_eq(hs_engine_reset(e, &spec), 0);
    s = hs_engine_series(e);
    for (size_t i = 0; i < HS_RUN_SERIES_N; i++) {
        const hs_series_desc *d = &hs_run_series_desc[i];
        const double *x = hs_run_series_data(s, d);
        for (size_t t = 0; t < 60 && !(d->flags & HS_SERIES_WARMUP); t++)
            ck_assert_msg(x[t] == 0, "%s[%zu] not cleared", d->field, t);
    }
    /* a run stopped part way: the earlier run's values past its cursor
     * read as zeros too, its own steps as written */
    ck_assert_int_eq(hs_engine_reset(e, &spec), 0);
    while (hs_engine_cursor(e) < 40)
        ck_assert_int_eq(hs_engine_step(e), 0);
    s = hs_engine_series(e);
    ck_assert(s->hedge_qty[39] != 0);
    for (size_t i = 0; i < HS_RUN_SERIES_N; i++) {
        const hs_series_desc *d = &hs_run_series_desc[i];
        const double *x = hs_run_series_data(s, d);
        for (size_t t = 40; t < 60 && !(d->flags & HS_SERIES_WARMUP); t++)
            ck_assert_msg(x[t] == 0, "%s[%zu] stale", d->field, t);
    }
    hs_engine_free(e);
    hs_context_free(ctx);
    hs_panel_free(p);
}
END_TEST

/* A summary-only run: the same metrics and the same series bit for bit,
 * but the HS_SERIES_DETAIL ones, which read as zeros, and no hedge fills;
 * a full run after it records them again as the first did. */
START_TEST(test_summary_only)
{
    enum { N = 80 };
    const double beta[2] = {1.0, 1.3};
    const int idx[2] = {0, 1};
    hs_panel *p = fix_panel(N, 2, beta, 0.01, 0.0001, 11);
    hs_context_opts o = fix_ctx_opts(2, idx, 20, 5, 2, HS_FILL_NEXT_OPEN);
    hs_context *ctx = NULL;
    ck_assert_int_eq(hs_context_new(&ctx, p, &o), 0);
    hs_run_spec spec = fix_spec(&fixed_type, &hs_beta_ols);
    hs_engine *e = NULL;
    static double full[HS_RUN_SERIES_N][N];
    hs_metrics m_full, m;
    ck_assert_int_eq(hs_engine_new(&e, ctx, &spec), 0);
    run_ok(e);
    ck_assert_int_eq(hs_engine_metrics(e, &m_full), 0);
    const hs_run_series *s = hs_engine_series(e);
    const size_t fills = s->n_fills;
    ck_assert_uint_gt(fills, 0);
    for (size_t i = 0; i < HS_RUN_SERIES_N; i++)
        memcpy(full[i], hs_run_series_data(s, &hs_run_series_desc[i]),
               sizeof full[i]);
    for (int round_ = 0; round_ < 2; round_++) {
        ck_assert_int_eq(hs_engine_reset(e, &spec), 0);
        hs_engine_set_summary_only(e, round_ == 0);
        run_ok(e);
        ck_assert_int_eq(hs_engine_metrics(e, &m), 0);
        ck_assert(memcmp(&m, &m_full, sizeof m) == 0);
        s = hs_engine_series(e);
        ck_assert_uint_eq(s->n_fills, round_ == 0 ? 0 : fills);
        for (size_t i = 0; i < HS_RUN_SERIES_N; i++) {
            const hs_series_desc *d = &hs_run_series_desc[i];
            const double *x = hs_run_series_data(s, d);
            const int zero = round_ == 0 && (d->flags & HS_SERIES_DETAIL);
            for (size_t t = 0; t < N; t++)
                ck_assert_msg(zero ? x[t] == 0
                                   : memcmp(&x[t], &full[i][t],
                                            sizeof x[t]) == 0,
                              "round %d: %s[%zu] = %g, full run %g", round_,
                              d->field, t, x[t], full[i][t]);
        }
    }
    hs_engine_free(e);
    hs_context_free(ctx);
    hs_panel_free(p);
}
END_TEST

/* docs/results-format.md documents every series the writer writes, with its
 * units, in the /runs/NAME section: a row "| `name` | units |". */
START_TEST(test_series_documented)
{
    FILE *fp = fopen("docs/results-format.md", "rb");
    ck_assert_msg(fp != NULL, "run from the top of the tree: "
                              "docs/results-format.md not found");
    static char doc[1 << 17];
    size_t n = fread(doc, 1, sizeof doc - 1, fp);
    fclose(fp);
    doc[n] = '\0';
    char *sec = strstr(doc, "### /runs/NAME");
    ck_assert_ptr_nonnull(sec);
    char *end = strstr(sec + 4, "\n### ");
    if (end)
        *end = '\0';
    for (size_t i = 0; i < HS_RUN_SERIES_N; i++) {
        const hs_series_desc *d = &hs_run_series_desc[i];
        if (d->flags & HS_SERIES_MEMORY)
            continue;
        char row[256];
        snprintf(row, sizeof row, "| `%s` | %s |", d->name, d->unit);
        ck_assert_msg(strstr(sec, row) != NULL,
                      "docs/results-format.md (/runs/NAME) lacks the row "
                      "\"%s\"",
                      row);
    }
}
END_TEST

static Suite *engine_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_attribution_all_builtins);
    tcase_add_test(tc, test_reset_replays_beta);
    tcase_add_test(tc, test_perfect_hedge_is_flat);
    tcase_add_test(tc, test_golden_hand_computed);
    tcase_add_test(tc, test_fill_timing);
    tcase_add_test(tc, test_beta_input_proforma);
    tcase_add_test(tc, test_no_lookahead);
    tcase_add_test(tc, test_view_has_no_future);
    tcase_add_test(tc, test_step_by_step_and_iterover);
    tcase_add_test(tc, test_strategy_errors);
    tcase_add_test(tc, test_delisting_sold_at_last_price);
    tcase_add_test(tc, test_flat_when_book_gone);
    tcase_add_test(tc, test_late_listing_joins_after_history);
    tcase_add_test(tc, test_benchmark_must_cover_window);
    tcase_add_test(tc, test_plugin_loader);
    tcase_add_test(tc, test_strategy_type_checks);
    tcase_add_test(tc, test_options_attribution);
    tcase_add_test(tc, test_options_expiry_settlement);
    tcase_add_test(tc, test_options_no_lookahead);
    tcase_add_test(tc, test_options_bad_settings);
    tcase_add_test(tc, test_options_lockstep_equals_alone);
    tcase_add_test(tc, test_series_table);
    tcase_add_test(tc, test_summary_only);
    tcase_add_test(tc, test_series_documented);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return hs_test_main(engine_suite()); }
