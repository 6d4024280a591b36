/* Tests for execution and cost models: fill arithmetic, the close-fill
 * charge and the slippage clamp, the Corwin-Schultz spread model, the
 * square-root impact model (no look-ahead into the fill bar), the
 * registry of cost models, and option fills and fees. */
#include "testutil.h"

#include "hedgesim/exec.h"
#include "hedgesim/price.h"

#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------ fixture */

/* Eight daily bars of two assets.  Asset 0 is the main series; asset 1 has
 * a jump between bars 1 and 2 (a negative Corwin-Schultz estimate). */
#define NS 8
static const double H0[NS] = {101, 102, 103, 102.5, 104, 103.5, 105, 104};
static const double L0[NS] = {99, 99.5, 100, 100.5, 101, 101.5, 102, 102.5};
static const double C0[NS] = {100, 101, 102, 101, 103, 102, 104, 103};
static const double V0[NS] = {1000, 1200, 900, 1100, 1300, 1000, 1500, 800};
static const double H1[NS] = {101, 102, 111, 112, 113, 113, 113, 113};
static const double L1[NS] = {99, 99.5, 110, 109, 110, 110, 110, 110};
static const double C1[NS] = {100, 101, 110.5, 111, 112, 112, 112, 112};

static hs_panel *make_panel(void)
{
    hs_panel *p = NULL;
    ck_assert_int_eq(hs_panel_new(&p, NS, 2, 86400000), 0);
    snprintf(p->symbol[0], HS_SYMBOL_MAX, "A");
    snprintf(p->symbol[1], HS_SYMBOL_MAX, "B");
    for (size_t t = 0; t < NS; t++) {
        p->time[t] = 1577836800000LL + (int64_t)t * 86400000;
        const double *h[2] = {H0, H1}, *l[2] = {L0, L1}, *c[2] = {C0, C1};
        for (size_t a = 0; a < 2; a++) {
            size_t i = t * 2 + a;
            p->high[i] = h[a][t];
            p->low[i] = l[a][t];
            p->close[i] = c[a][t];
            p->open[i] = t ? c[a][t - 1] : c[a][t];
            if (p->open[i] > p->high[i])
                p->open[i] = p->high[i];
            if (p->open[i] < p->low[i])
                p->open[i] = p->low[i];
            p->volume[i] = a == 0 ? V0[t] : 500;
            p->state[i] = HS_BAR_OK;
        }
    }
    hs_panel_finish(p);
    return p;
}

/* Options for `model` with parameters "k=v" pairs (NULL-terminated). */
static hs_exec_opts make_opts(const hs_cost_type *model, double fee_bps,
                              size_t window, const char *const *kv)
{
    hs_exec_opts o;
    memset(&o, 0, sizeof o);
    o.fee_bps = fee_bps;
    o.fill = HS_FILL_NEXT_OPEN;
    o.close_slippage_bps = 0;
    o.window = window;
    o.model = model;
    ck_assert_int_eq(hs_values_init(&o.model_values, model->params), 0);
    for (; kv && kv[0]; kv += 2)
        ck_assert_int_eq(hs_values_set(&o.model_values, kv[0], kv[1], "test"),
                         0);
    return o;
}

static hs_exec *make_exec(const hs_panel *p, const hs_exec_opts *o)
{
    hs_exec *ex = NULL;
    ck_assert_int_eq(hs_exec_new(&ex, p, o), 0);
    ck_assert_ptr_nonnull(ex);
    return ex;
}

/* The slippage fraction of buying one unit at 100 in step t. */
static double slip_of(const hs_exec *ex, size_t a, size_t t, double qty)
{
    hs_fill f;
    hs_exec_fill(ex, a, t, qty, 100.0, 0, &f);
    return f.slippage / (fabs(qty) * 100.0);
}

/* --------------------------------------------------- fill arithmetic */

/* fee 10 bps, fixed slippage 5 bps, worked by hand:
 *   buy 2 at 100:  price 100 * 1.0005 = 100.05; slippage 2*100*0.0005 = 0.1;
 *                  fee 2 * 100.05 * 0.001 = 0.2001
 *   sell 3 at 200: price 200 * 0.9995 = 199.9; slippage 3*200*0.0005 = 0.3;
 *                  fee 3 * 199.9 * 0.001 = 0.5997
 *   at the close with close_slippage_bps 20 (5 + 20 = 25 bps):
 *   buy 2 at 100:  price 100.25; slippage 0.5; fee 2*100.25*0.001 = 0.2005
 *   sell 4 at 50:  price 49.875; slippage 4*50*0.0025 = 0.5;
 *                  fee 4*49.875*0.001 = 0.1995 */
START_TEST(test_fixed_fill_arithmetic)
{
    hs_panel *p = make_panel();
    const char *kv[] = {"slippage_bps", "5", NULL};
    hs_exec_opts o = make_opts(&hs_cost_fixed, 10, 20, kv);
    o.close_slippage_bps = 20;
    hs_exec *ex = make_exec(p, &o);
    hs_fill f;

    hs_exec_fill(ex, 0, 3, 2, 100, 0, &f);
    hs_ck_near(f.qty, 2, 0);
    hs_ck_near(f.ref, 100, 0);
    hs_ck_near(f.price, 100.05, 1e-12);
    hs_ck_near(f.slippage, 0.1, 1e-12);
    hs_ck_near(f.fee, 0.2001, 1e-12);

    hs_exec_fill(ex, 1, 5, -3, 200, 0, &f);
    hs_ck_near(f.qty, -3, 0);
    hs_ck_near(f.price, 199.9, 1e-12);
    hs_ck_near(f.slippage, 0.3, 1e-12);
    hs_ck_near(f.fee, 0.5997, 1e-12);

    hs_exec_fill(ex, 0, 3, 2, 100, 1, &f);
    hs_ck_near(f.price, 100.25, 1e-12);
    hs_ck_near(f.slippage, 0.5, 1e-12);
    hs_ck_near(f.fee, 0.2005, 1e-12);

    hs_exec_fill(ex, 0, 3, -4, 50, 1, &f);
    hs_ck_near(f.price, 49.875, 1e-12);
    hs_ck_near(f.slippage, 0.5, 1e-12);
    hs_ck_near(f.fee, 0.1995, 1e-12);

    /* no trade, no cost */
    hs_exec_fill(ex, 0, 3, 0, 100, 1, &f);
    hs_ck_near(f.price, 100, 0);
    hs_ck_near(f.slippage, 0, 0);
    hs_ck_near(f.fee, 0, 0);

    ck_assert_int_eq(hs_exec_rule(ex), HS_FILL_NEXT_OPEN);
    ck_assert_str_eq(hs_exec_model_name(ex), "fixed");
    hs_exec_free(ex);
    hs_exec_free(NULL); /* harmless */
    hs_panel_free(p);
}
END_TEST

/* Slippage is clamped to [0, HS_EXEC_MAX_SLIPPAGE = 0.5]. */
START_TEST(test_slippage_clamp)
{
    hs_panel *p = make_panel();
    /* fixed 10000 bps = 100 %: clamped to 50 %.  Sell 1 at 100 with fee
     * 10 bps: price 100 * (1 - 0.5) = 50, slippage 50, fee 0.05. */
    const char *kv[] = {"slippage_bps", "10000", NULL};
    hs_exec_opts o = make_opts(&hs_cost_fixed, 10, 20, kv);
    hs_exec *ex = make_exec(p, &o);
    hs_fill f;
    hs_exec_fill(ex, 0, 2, -1, 100, 0, &f);
    hs_ck_near(f.price, 50, 1e-12);
    hs_ck_near(f.slippage, 50, 1e-12);
    hs_ck_near(f.fee, 0.05, 1e-12);
    hs_exec_free(ex);
    /* 40 % + 20 % at the close = 60 %: clamped to 50 %; a buy pays 150. */
    const char *kv2[] = {"slippage_bps", "4000", NULL};
    o = make_opts(&hs_cost_fixed, 0, 20, kv2);
    o.close_slippage_bps = 2000;
    ex = make_exec(p, &o);
    hs_exec_fill(ex, 0, 2, 1, 100, 1, &f);
    hs_ck_near(f.price, 150, 1e-12);
    hs_exec_fill(ex, 0, 2, 1, 100, 0, &f); /* 40 %, below the clamp */
    hs_ck_near(f.price, 140, 1e-12);
    hs_exec_free(ex);
    hs_panel_free(p);
}
END_TEST

/* A fake model that misbehaves: negative slippage at even steps, NaN at odd
 * ones.  The fill must never improve on the reference price. */
static double bad_slippage(const hs_cost_ctx *c, size_t a, size_t t, double qty)
{
    (void)c, (void)a, (void)qty;
    return t % 2 ? NAN : -0.01;
}

static const hs_cost_type bad_model = {
    .version = HS_COST_TYPE_VERSION,
    .name = "bad",
    .summary = "test: negative or NaN slippage",
    .params = (const hs_param[]){HS_PARAM_END},
    .slippage = bad_slippage,
};

START_TEST(test_slippage_clamp_low)
{
    hs_panel *p = make_panel();
    hs_exec_opts o = make_opts(&bad_model, 10, 20, NULL);
    hs_exec *ex = make_exec(p, &o);
    ck_assert_str_eq(hs_exec_model_name(ex), "bad");
    for (size_t t = 0; t < 2; t++) {
        hs_fill f;
        hs_exec_fill(ex, 0, t, 2, 100, 0, &f);
        hs_ck_near(f.price, 100, 0);
        hs_ck_near(f.slippage, 0, 0);
        hs_ck_near(f.fee, 0.2, 1e-12); /* 2 * 100 * 0.001 */
        hs_exec_fill(ex, 0, t, -2, 100, 0, &f);
        hs_ck_near(f.price, 100, 0);
        hs_ck_near(f.slippage, 0, 0);
    }
    hs_exec_free(ex);
    hs_panel_free(p);
}
END_TEST

/* Zeroed options: the fixed model with its default 2 bps, window 20. */
START_TEST(test_default_options)
{
    hs_panel *p = make_panel();
    hs_exec_opts o;
    memset(&o, 0, sizeof o);
    o.fill = HS_FILL_CLOSE;
    hs_exec *ex = make_exec(p, &o);
    ck_assert_str_eq(hs_exec_model_name(ex), "fixed");
    ck_assert_int_eq(hs_exec_rule(ex), HS_FILL_CLOSE);
    hs_ck_near(slip_of(ex, 0, 4, 1), 2e-4, 1e-15);
    hs_exec_free(ex);

    /* window 0 means 20: the sqrt model at step 5 then sees every earlier
     * bar: log returns of closes 1..4 over 0..3 and volumes of bars 0..4.
     * python3: statistics.stdev of the 4 returns = 0.012372092617251636,
     * ADV 1100; 0.5 * sd * sqrt(50 / 1100) = 0.0013188695044080042. */
    const char *kv[] = {"impact_k", "0.5", NULL};
    o = make_opts(&hs_cost_sqrt, 0, 0, kv);
    ex = make_exec(p, &o);
    hs_ck_near(slip_of(ex, 0, 5, 50), 0.0013188695044080042, 1e-15);
    hs_exec_free(ex);
    hs_panel_free(p);
}
END_TEST

/* A model whose values were made from another model's table is refused
 * (the models read their values by position in their own table). */
START_TEST(test_values_must_match_model)
{
    hs_panel *p = make_panel();
    hs_exec_opts o = make_opts(&hs_cost_fixed, 5, 3, NULL);
    o.model = &hs_cost_sqrt; /* values still those of fixed */
    hs_exec *ex = (hs_exec *)(uintptr_t)1;
    ck_assert_int_eq(hs_exec_new(&ex, p, &o), HS_EINVAL);
    ck_assert_ptr_null(ex);
    ck_assert(strstr(hs_error_last(), "sqrt"));
    /* zeroed values with an explicit model: refused too */
    memset(&o.model_values, 0, sizeof o.model_values);
    o.model = &hs_cost_spread;
    ck_assert_int_eq(hs_exec_new(&ex, p, &o), HS_EINVAL);
    ck_assert_ptr_null(ex);
    hs_panel_free(p);
}
END_TEST

/* -------------------------------------------------- the spread model */

/* Corwin and Schultz (2012), "A Simple Way to Estimate Bid-Ask Spreads from
 * Daily High and Low Prices", Journal of Finance 67(2), eqs. (14) and (18),
 * written out here independently of src/engine/exec.c:
 *   beta  = ln(H1/L1)^2 + ln(H2/L2)^2
 *   gamma = ln(max(H1,H2) / min(L1,L2))^2
 *   alpha = (sqrt(2 beta) - sqrt(beta)) / (3 - 2 sqrt 2)
 *           - sqrt(gamma / (3 - 2 sqrt 2))
 *   S     = 2 (e^alpha - 1) / (1 + e^alpha) */
static double cs_estimate(double h1, double l1, double h2, double l2)
{
    double den = 3.0 - 2.0 * M_SQRT2;
    double beta = log(h1 / l1) * log(h1 / l1) + log(h2 / l2) * log(h2 / l2);
    double hi = fmax(h1, h2), lo = fmin(l1, l2);
    double gamma = log(hi / lo) * log(hi / lo);
    double alpha = (M_SQRT2 - 1.0) * sqrt(beta) / den - sqrt(gamma / den);
    return 2.0 * expm1(alpha) / (1.0 + exp(alpha));
}

/* The two-bar estimates of asset 0 and their window means (window 3: the
 * estimates of the pairs ending at bars t-3 .. t-1, pairs need both bars),
 * computed with python3 from the same formula:
 *   pairs ending at bars 1..7:
 *     0.0048741834608645625 0.009712055061816752 0.01440298452145734
 *     0.002539811799798952 0.014262472747617237 0.0025147597257570297
 *     0.008297321792246421
 *   spread at t = 2..7: */
static const double cs_pairs0[NS] = {NAN,
                                     0.0048741834608645625,
                                     0.009712055061816752,
                                     0.01440298452145734,
                                     0.002539811799798952,
                                     0.014262472747617237,
                                     0.0025147597257570297,
                                     0.008297321792246421};
static const double cs_spread0[NS] = {NAN,
                                      NAN,
                                      0.0048741834608645625,
                                      0.007293119261340657,
                                      0.00966307434804622,
                                      0.008884950461024348,
                                      0.010401756356291177,
                                      0.0064390147577244065};

START_TEST(test_corwin_schultz_known)
{
    /* The in-test formula agrees with the python3 numbers. */
    for (size_t j = 1; j < NS; j++)
        hs_ck_near(cs_estimate(H0[j - 1], L0[j - 1], H0[j], L0[j]),
                   cs_pairs0[j], 1e-15);
    hs_panel *p = make_panel();
    const char *kv[] = {"min_spread_bps", "0", NULL};
    hs_exec_opts o = make_opts(&hs_cost_spread, 0, 3, kv);
    hs_exec *ex = make_exec(p, &o);
    ck_assert_str_eq(hs_exec_model_name(ex), "spread");
    for (size_t t = 2; t < NS; t++) {
        /* the window mean of the in-test estimates, bars before t only */
        double sum = 0;
        int n = 0;
        for (size_t k = 1; k <= 3 && k < t; k++) {
            size_t j = t - k; /* pair (j - 1, j) */
            sum += fmax(0, cs_estimate(H0[j - 1], L0[j - 1], H0[j], L0[j]));
            n++;
        }
        hs_ck_near(sum / n, cs_spread0[t], 1e-15);
        /* slippage is half the spread */
        hs_ck_near(slip_of(ex, 0, t, 1), 0.5 * cs_spread0[t], 1e-14);
        hs_ck_near(slip_of(ex, 0, t, -7), 0.5 * cs_spread0[t], 1e-14);
    }
    /* No pair before step 2: no estimate, so the floor (0 here). */
    hs_ck_near(slip_of(ex, 0, 0, 1), 0, 0);
    hs_ck_near(slip_of(ex, 0, 1, 1), 0, 0);
    hs_exec_free(ex);
    hs_panel_free(p);
}
END_TEST

/* Asset 1 jumps between bars 1 and 2: the estimate of that pair is
 * negative (python3: -0.199613209203076) and counts as 0 in the mean.
 * Pairs ending at 1, 3: 0.0048741834608645625, 0.003545293188911642.
 *   t = 3: (0.0048741834608645625 + 0) / 2 = 0.0024370917304322812
 *   t = 4: (0.0048741834608645625 + 0 + 0.003545293188911642) / 3
 *        = 0.002806492216592068
 * (Averaging first and clipping after would give 0 at both steps.) */
START_TEST(test_corwin_schultz_negative)
{
    ck_assert(cs_estimate(H1[1], L1[1], H1[2], L1[2]) < -0.19);
    hs_panel *p = make_panel();
    const char *kv[] = {"min_spread_bps", "0", NULL};
    hs_exec_opts o = make_opts(&hs_cost_spread, 0, 3, kv);
    hs_exec *ex = make_exec(p, &o);
    hs_ck_near(slip_of(ex, 1, 3, 1), 0.5 * 0.0024370917304322812, 1e-15);
    hs_ck_near(slip_of(ex, 1, 4, 1), 0.5 * 0.002806492216592068, 1e-15);
    /* t = 2: the window holds only the pair ending at bar 1 */
    hs_ck_near(slip_of(ex, 1, 2, 1), 0.5 * 0.0048741834608645625, 1e-15);
    hs_exec_free(ex);
    hs_panel_free(p);
}
END_TEST

/* min_spread_bps floors the full spread: 60 bps = 0.006. */
START_TEST(test_spread_floor)
{
    hs_panel *p = make_panel();
    const char *kv[] = {"min_spread_bps", "60", NULL};
    hs_exec_opts o = make_opts(&hs_cost_spread, 0, 3, kv);
    hs_exec *ex = make_exec(p, &o);
    hs_ck_near(slip_of(ex, 0, 0, 1), 0.003, 1e-15); /* no estimate */
    hs_ck_near(slip_of(ex, 0, 2, 1), 0.003, 1e-15); /* 0.00487 < 0.006 */
    hs_ck_near(slip_of(ex, 0, 5, 1), 0.5 * 0.008884950461024348, 1e-15);
    hs_exec_free(ex);
    /* the default floor is 1 bp */
    o = make_opts(&hs_cost_spread, 0, 3, NULL);
    ex = make_exec(p, &o);
    hs_ck_near(slip_of(ex, 0, 1, 1), 0.5e-4, 1e-15);
    hs_exec_free(ex);
    hs_panel_free(p);
}
END_TEST

/* The spread used at step t does not depend on bar t (nor later bars). */
START_TEST(test_spread_no_lookahead)
{
    hs_panel *p = make_panel();
    const char *kv[] = {"min_spread_bps", "0", NULL};
    hs_exec_opts o = make_opts(&hs_cost_spread, 0, 3, kv);
    hs_exec *ex = make_exec(p, &o);
    double before5 = slip_of(ex, 0, 5, 1), before6 = slip_of(ex, 0, 6, 1);
    hs_exec_free(ex);
    /* widen bar 5's range a lot, and move later bars */
    p->high[5 * 2] = 130;
    p->low[5 * 2] = 80;
    p->high[7 * 2] = 200;
    ex = make_exec(p, &o);
    hs_ck_near(slip_of(ex, 0, 5, 1), before5, 0);
    /* ... while step 6, whose window holds bar 5, sees it */
    ck_assert(fabs(slip_of(ex, 0, 6, 1) - before6) > 1e-3);
    hs_exec_free(ex);
    hs_panel_free(p);
}
END_TEST

/* ---------------------------------------------------- the sqrt model */

/* slippage = slippage_bps + k * sigma * sqrt(|q| / ADV), sigma the sample
 * sd of the log returns of the `window` bars before t, ADV their mean
 * volume.  Window 3, k = 0.5, fixed 1 bp, q = 50; python3
 * (statistics.stdev, math.log):
 *   t = 5: returns ln(102/101), ln(101/102), ln(103/101): sd
 *          0.01500772451985655, ADV (900+1100+1300)/3 = 1100,
 *          slip 1e-4 + 0.5*sd*sqrt(50/1100) = 0.0016998288092505381
 *   t = 4: sd 0.011404857440150176, ADV 3200/3: 0.0013346120337137518
 *   t = 7: sd 0.01689899501117608, ADV 3800/3: 0.0017787449270637602 */
START_TEST(test_sqrt_known)
{
    hs_panel *p = make_panel();
    const char *kv[] = {"impact_k", "0.5", "slippage_bps", "1", NULL};
    hs_exec_opts o = make_opts(&hs_cost_sqrt, 0, 3, kv);
    hs_exec *ex = make_exec(p, &o);
    ck_assert_str_eq(hs_exec_model_name(ex), "sqrt");
    hs_ck_near(slip_of(ex, 0, 5, 50), 0.0016998288092505381, 1e-15);
    hs_ck_near(slip_of(ex, 0, 5, -50), 0.0016998288092505381, 1e-15);
    hs_ck_near(slip_of(ex, 0, 4, 50), 0.0013346120337137518, 1e-15);
    hs_ck_near(slip_of(ex, 0, 7, 50), 0.0017787449270637602, 1e-15);
    /* grows with the square root of size: 4x the size, 2x the impact */
    hs_ck_near(slip_of(ex, 0, 5, 200) - 1e-4,
               2 * (0.0016998288092505381 - 1e-4), 1e-15);
    /* a sell fills below the reference */
    hs_fill f;
    hs_exec_fill(ex, 0, 5, -50, 100, 0, &f);
    hs_ck_near(f.price, 100 * (1 - 0.0016998288092505381), 1e-12);
    /* fewer than 2 returns before t = 2: no sigma, the fixed part only */
    hs_ck_near(slip_of(ex, 0, 0, 50), 1e-4, 1e-15);
    hs_ck_near(slip_of(ex, 0, 2, 50), 1e-4, 1e-15);
    hs_exec_free(ex);
    hs_panel_free(p);
}
END_TEST

/* max_bps caps the slippage: 10 bps here, below the 17 bps at step 5. */
START_TEST(test_sqrt_cap)
{
    hs_panel *p = make_panel();
    const char *kv[] = {"impact_k", "0.5", "slippage_bps", "1", "max_bps",
                        "10",       NULL};
    hs_exec_opts o = make_opts(&hs_cost_sqrt, 0, 3, kv);
    hs_exec *ex = make_exec(p, &o);
    hs_ck_near(slip_of(ex, 0, 5, 50), 0.001, 1e-15);
    hs_ck_near(slip_of(ex, 0, 5, 1e9), 0.001, 1e-15);
    /* below the cap, untouched: q = 0.5 gives 1e-4 + 0.5*sd*sqrt(0.5/1100)
     * = 1e-4 + 0.0001599828809250538 (a tenth of the impact at q = 50) */
    hs_ck_near(slip_of(ex, 0, 5, 0.5),
               1e-4 + 0.1 * (0.0016998288092505381 - 1e-4), 1e-15);
    hs_exec_free(ex);
    hs_panel_free(p);
}
END_TEST

/* The fill bar's own volume (and close) do not enter the slippage at t. */
START_TEST(test_sqrt_no_lookahead)
{
    hs_panel *p = make_panel();
    const char *kv[] = {"impact_k", "0.5", NULL};
    hs_exec_opts o = make_opts(&hs_cost_sqrt, 0, 3, kv);
    hs_exec *ex = make_exec(p, &o);
    double s5 = slip_of(ex, 0, 5, 50);
    hs_exec_free(ex);
    p->volume[5 * 2] = 1e9; /* bar 5: huge volume and a crash */
    p->close[5 * 2] = 60;
    p->low[5 * 2] = 60;
    ex = make_exec(p, &o);
    hs_ck_near(slip_of(ex, 0, 5, 50), s5, 0);
    hs_exec_free(ex);
    /* bar 4's volume is inside the window: it matters */
    p->volume[4 * 2] = 1e9;
    ex = make_exec(p, &o);
    ck_assert(slip_of(ex, 0, 5, 50) < 0.01 * s5);
    hs_exec_free(ex);
    hs_panel_free(p);
}
END_TEST

/* ------------------------------------------------------- the registry */

START_TEST(test_cost_registry)
{
    static const char *const names[] = {"fixed", "spread", "sqrt"};
    size_t n = 0;
    hs_panel *p = make_panel();
    for (const hs_cost_type *const *t = hs_cost_types; *t; t++, n++) {
        ck_assert_uint_lt(n, 3);
        ck_assert_str_eq((*t)->name, names[n]);
        ck_assert_int_eq((*t)->version, HS_COST_TYPE_VERSION);
        ck_assert_ptr_nonnull((*t)->summary);
        ck_assert_ptr_nonnull((*t)->params);
        ck_assert_ptr_nonnull((*t)->slippage);
        ck_assert_ptr_eq(hs_cost_find((*t)->name), *t);
        /* defaults parse, and every step gives a finite slippage in
         * [0, HS_EXEC_MAX_SLIPPAGE] for buys and sells */
        hs_exec_opts o = make_opts(*t, 5, 3, NULL);
        hs_exec *ex = make_exec(p, &o);
        ck_assert_str_eq(hs_exec_model_name(ex), names[n]);
        for (size_t s = 0; s < NS; s++)
            for (int sg = -1; sg <= 1; sg += 2) {
                double x = slip_of(ex, 0, s, sg * 10.0);
                ck_assert(isfinite(x) && x >= 0 && x <= HS_EXEC_MAX_SLIPPAGE);
            }
        hs_exec_free(ex);
    }
    ck_assert_uint_eq(n, 3);
    ck_assert_ptr_eq(hs_cost_find("fixed"), &hs_cost_fixed);
    ck_assert_ptr_eq(hs_cost_find("spread"), &hs_cost_spread);
    ck_assert_ptr_eq(hs_cost_find("sqrt"), &hs_cost_sqrt);
    ck_assert_ptr_null(hs_cost_find("nope"));
    ck_assert_ptr_null(hs_cost_find(""));
    hs_panel_free(p);
}
END_TEST


/* ------------------------------------------------------------ options */

/* Deribit-style fee: |qty| * min(rate * underlying, cap * price).
 *   2 at 5 on 100: min(0.03, 0.625) = 0.03 a unit: 0.06;
 *   -3 at 0.1 on 100: the cap binds, min(0.03, 0.0125): 0.0375. */
START_TEST(test_option_fee)
{
    hs_ck_near(hs_exec_option_fee(0.0003, 0.125, 2, 5, 100), 0.06, 1e-15);
    hs_ck_near(hs_exec_option_fee(0.0003, 0.125, -3, 0.1, 100), 0.0375, 1e-15);
    ck_assert(hs_exec_option_fee(0, 0.125, 2, 5, 100) == 0);
}
END_TEST

/* Buys pay the ask, sells receive the bid; at the close ref is the mark; at
 * the next open the order is repriced by Black-76 with the quote's iv and
 * keeps its half-spread; a sell never fills below 0; without an iv the
 * quote's mark is the reference. */
START_TEST(test_option_fills)
{
    const hs_chain_quote q = {0, 100, 'P', 4, 5, 4.5, 0.5, 100};
    hs_option_fill f;
    ck_assert(hs_exec_option_side(&q, 1) == 5);
    ck_assert(hs_exec_option_side(&q, -1) == 4);
    hs_chain_quote empty = q;
    empty.bid = NAN;
    ck_assert(!(hs_exec_option_side(&empty, -1) >= 0));

    hs_exec_option_fill_close(&q, -2, 100, 0.0003, 0.125, &f);
    ck_assert(f.price == 4 && f.ref == 4.5 && f.iv == 0.5 && f.qty == -2);
    hs_ck_near(f.fee, 0.06, 1e-15);

    const double T = 10.0 / 365.0;
    hs_greeks g;
    ck_assert_int_eq(hs_black76(HS_PUT, 98, 100, T, 0, 0.5, &g), 0);
    hs_exec_option_fill_open('P', 100, 1, &q, 98, T, 0.0003, 0.125, &f);
    hs_ck_near(f.ref, g.price, 1e-12);
    hs_ck_near(f.price, g.price + 0.5, 1e-12);
    hs_ck_near(f.fee, fmin(0.0003 * 98, 0.125 * f.price), 1e-15);
    hs_exec_option_fill_open('P', 100, -1, &q, 98, T, 0.0003, 0.125, &f);
    hs_ck_near(f.price, g.price - 0.5, 1e-12);

    /* no iv: the mark; a wide bid side floors the sell at 0 */
    hs_chain_quote wide = {0, 100, 'P', 0.01, 5, 4.5, NAN, 100};
    hs_exec_option_fill_open('P', 100, -1, &wide, 98, T, 0.0003, 0.125, &f);
    ck_assert(f.ref == 4.5);
    hs_ck_near(f.price, 0.01, 1e-12);
    wide.mark = 1;
    wide.bid = -3; /* a half-spread of 4 against a mark of 1 */
    hs_exec_option_fill_open('P', 100, -1, &wide, 98, T, 0.0003, 0.125, &f);
    ck_assert(f.price == 0 && f.fee == 0);
}
END_TEST

static Suite *exec_suite(void)
{
    Suite *s = suite_create("exec");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_fixed_fill_arithmetic);
    tcase_add_test(tc, test_slippage_clamp);
    tcase_add_test(tc, test_slippage_clamp_low);
    tcase_add_test(tc, test_default_options);
    tcase_add_test(tc, test_values_must_match_model);
    tcase_add_test(tc, test_corwin_schultz_known);
    tcase_add_test(tc, test_corwin_schultz_negative);
    tcase_add_test(tc, test_spread_floor);
    tcase_add_test(tc, test_spread_no_lookahead);
    tcase_add_test(tc, test_sqrt_known);
    tcase_add_test(tc, test_sqrt_cap);
    tcase_add_test(tc, test_sqrt_no_lookahead);
    tcase_add_test(tc, test_cost_registry);
    tcase_add_test(tc, test_option_fee);
    tcase_add_test(tc, test_option_fills);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return hs_test_main(exec_suite());
}
