/* Tests for the performance and hedge metrics.  Every expected value is
 * worked out by hand in the comment next to it. */
#include "testutil.h"

#include "hedgesim/metrics.h"
#include "hedgesim/rng.h"

#include <string.h>

#include <gsl/gsl_fit.h>
#include <gsl/gsl_randist.h>

/* The running example: four steps of a hedged book.
 * r_u (unhedged) = 0.02 -0.01 0.03 -0.04; mean 0;
 *   squares 4e-4 1e-4 9e-4 16e-4, sum 30e-4, Var = 30e-4 / 3 = 1e-3.
 * r_h (hedged)   = 0.01  0.00 0.01 -0.02; mean 0;
 *   squares 1e-4 0 1e-4 4e-4, sum 6e-4, Var = 6e-4 / 3 = 2e-4.
 * The benchmark r_m is r_u here. */
static const double RU[4] = {0.02, -0.01, 0.03, -0.04};
static const double RH[4] = {0.01, 0.00, 0.01, -0.02};

START_TEST(test_mean_var)
{
    /* finite 1 2 4 5: mean 3, deviations -2 -1 1 2, SS 10, var 10/3 */
    const double x[] = {1, 2, NAN, 4, 5, INFINITY};
    hs_ck_near(hs_metric_mean(x, 6), 3.0, 1e-15);
    hs_ck_near(hs_metric_var(x, 6), 10.0 / 3.0, 1e-15);
    const double one[] = {NAN, 7};
    hs_ck_near(hs_metric_mean(one, 2), 7.0, 0);
    ck_assert(isnan(hs_metric_var(one, 2)));
    ck_assert(isnan(hs_metric_mean(one, 1)));
    ck_assert(isnan(hs_metric_mean(x, 0)));
    ck_assert(isnan(hs_metric_var(x, 0)));
}
END_TEST

START_TEST(test_slope)
{
    /* after dropping the pair with a NaN: x = 1..5, y = 2 4 5 4 5;
     * xbar 3, ybar 4, Sxy = (-2)(-2) + (-1)(0) + 0 + (1)(0) + (2)(1) = 6,
     * Sxx = 10: slope 0.6 */
    const double y[] = {2, NAN, 4, 5, 4, 5}, x[] = {1, 9, 2, 3, 4, 5};
    hs_ck_near(hs_metric_slope(y, x, 6), 0.6, 1e-15);
    /* residual beta of the running example: Sxy = 0.01*0.02 + 0 +
     * 0.01*0.03 + 0.02*0.04 = 13e-4, Sxx = 30e-4: 13/30 */
    hs_ck_near(hs_metric_slope(RH, RU, 4), 13.0 / 30.0, 1e-12);
    const double flat[] = {1, 1, 1};
    ck_assert(isnan(hs_metric_slope(y, flat, 3))); /* var(x) = 0 */
    ck_assert(isnan(hs_metric_slope(y, x, 1)));    /* one pair */
    ck_assert(isnan(hs_metric_slope(y + 1, x + 1, 2))); /* one finite pair */
}
END_TEST

START_TEST(test_hedge_effectiveness)
{
    /* HE = 1 - 2e-4 / 1e-3 = 0.8 */
    hs_ck_near(hs_metric_hedge_effectiveness(RH, RU, 4), 0.8, 1e-12);
    /* A step missing in r_h drops the pair from both variances. */
    const double rh[] = {0.01, NAN, 0.00, 0.01, -0.02};
    const double ru[] = {0.02, 0.50, -0.01, 0.03, -0.04};
    hs_ck_near(hs_metric_hedge_effectiveness(rh, ru, 5), 0.8, 1e-12);
    /* A "hedge" that doubles the position: Var(2 r_u) = 4 Var: HE = -3 */
    const double dbl[] = {0.04, -0.02, 0.06, -0.08};
    hs_ck_near(hs_metric_hedge_effectiveness(dbl, RU, 4), -3.0, 1e-12);
    /* No unhedged variance: undefined. */
    const double flat[] = {0.01, 0.01, 0.01, 0.01};
    ck_assert(isnan(hs_metric_hedge_effectiveness(RH, flat, 4)));
    ck_assert(isnan(hs_metric_hedge_effectiveness(RH, RU, 1)));
}
END_TEST

START_TEST(test_tracking_error)
{
    /* target 0.5: d = r_h - 0.5 r_m = 0 0.005 -0.005 0, mean 0,
     * SS = 2 * 2.5e-5 = 5e-5, var = 5e-5 / 3, TE = sqrt(365 * 5e-5 / 3)
     * = 0.0779957... */
    hs_ck_near(hs_metric_tracking_error(RH, RU, 4, 0.5, 365),
               sqrt(365 * 5e-5 / 3), 1e-12);
    /* target 0 (full hedge): TE = sqrt(A) sd(r_h) = sqrt(365 * 2e-4) */
    hs_ck_near(hs_metric_tracking_error(RH, RU, 4, 0.0, 365),
               sqrt(365 * 2e-4), 1e-12);
    /* a constant difference has no tracking error: r_h = r_m + 0.001 */
    const double rh[] = {0.021, -0.009, 0.031, -0.039};
    hs_ck_near(hs_metric_tracking_error(rh, RU, 4, 1.0, 365), 0.0, 1e-12);
    ck_assert(isnan(hs_metric_tracking_error(RH, RU, 4, 0.5, 0)));
    ck_assert(isnan(hs_metric_tracking_error(RH, RU, 4, NAN, 365)));
    ck_assert(isnan(hs_metric_tracking_error(RH, RU, 1, 0.5, 365)));
}
END_TEST

START_TEST(test_max_drawdown)
{
    /* running peak 100 120 120 120 120 130 130;
     * drawdowns 0 0 30/120 10/120 60/120 0 13/130: max 0.5 */
    const double eq[] = {100, 120, 90, 110, 60, 130, 117};
    hs_ck_near(hs_metric_max_drawdown(eq, 7), 0.5, 1e-15);
    const double gaps[] = {NAN, 100, 120, NAN, 90, 110, 60, 130, 117};
    hs_ck_near(hs_metric_max_drawdown(gaps, 9), 0.5, 1e-15);
    const double up[] = {1, 2, 3};
    hs_ck_near(hs_metric_max_drawdown(up, 3), 0.0, 0);
    const double none[] = {NAN, NAN};
    ck_assert(isnan(hs_metric_max_drawdown(none, 2)));
    ck_assert(isnan(hs_metric_max_drawdown(eq, 0)));
}
END_TEST

START_TEST(test_var_cvar)
{
    double r[250], scratch[250], v, cv;
    /* m = 20 returns (i - 10)/100, i = 1..20, in scrambled order (7 is prime
     * to 20): sorted -0.09 -0.08 ...
     * 95 %: k = ceil(20 * 0.05) = 1: VaR = CVaR = 0.09.
     * 90 %: k = ceil(20 * 0.10) = 2: VaR = 0.08, CVaR = (0.09+0.08)/2. */
    for (int i = 0; i < 20; i++)
        r[(i * 7) % 20] = (i + 1 - 10) / 100.0;
    hs_metric_var_cvar(r, 20, 0.95, scratch, &v, &cv);
    hs_ck_near(v, 0.09, 1e-15);
    hs_ck_near(cv, 0.09, 1e-15);
    hs_metric_var_cvar(r, 20, 0.90, scratch, &v, &cv);
    hs_ck_near(v, 0.08, 1e-15);
    hs_ck_near(cv, 0.085, 1e-15);

    /* m = 100, r = (i - 50)/1000: 95 %: k = 5, r(1..5) = -0.049 .. -0.045:
     * VaR 0.045, CVaR 0.047; 99 %: k = 1: VaR = CVaR = 0.049. */
    for (int i = 0; i < 100; i++)
        r[(i * 37) % 100] = (i + 1 - 50) / 1000.0;
    hs_metric_var_cvar(r, 100, 0.95, scratch, &v, &cv);
    hs_ck_near(v, 0.045, 1e-15);
    hs_ck_near(cv, 0.047, 1e-15);
    hs_metric_var_cvar(r, 100, 0.99, scratch, &v, &cv);
    hs_ck_near(v, 0.049, 1e-15);
    hs_ck_near(cv, 0.049, 1e-15);

    /* m = 250, r = (i - 125)/1e4: 99 %: k = ceil(2.5) = 3,
     * r(1..3) = -0.0124 -0.0123 -0.0122: VaR 0.0122, CVaR 0.0123. */
    for (int i = 0; i < 250; i++)
        r[(i * 101) % 250] = (i + 1 - 125) / 1e4;
    hs_metric_var_cvar(r, 250, 0.99, scratch, &v, &cv);
    hs_ck_near(v, 0.0122, 1e-15);
    hs_ck_near(cv, 0.0123, 1e-15);

    /* Missing values do not count: 20 finite among 25 gives the m = 20
     * answer. */
    double g[25];
    for (int i = 0, j = 0; i < 25; i++)
        g[i] = i % 5 == 2 ? NAN : (j++ + 1 - 10) / 100.0;
    hs_metric_var_cvar(g, 25, 0.90, scratch, &v, &cv);
    hs_ck_near(v, 0.08, 1e-15);
    hs_ck_near(cv, 0.085, 1e-15);

    /* Levels outside (0, 1), no data: NaN.  NULL outputs are allowed. */
    hs_metric_var_cvar(r, 250, 1.0, scratch, &v, &cv);
    ck_assert(isnan(v) && isnan(cv));
    hs_metric_var_cvar(r, 250, 0.0, scratch, &v, &cv);
    ck_assert(isnan(v) && isnan(cv));
    const double nan2[] = {NAN, NAN};
    hs_metric_var_cvar(nan2, 2, 0.95, scratch, &v, &cv);
    ck_assert(isnan(v) && isnan(cv));
    for (int i = 0; i < 20; i++) /* the m = 20 sample again */
        r[(i * 7) % 20] = (i + 1 - 10) / 100.0;
    hs_metric_var_cvar(r, 20, 0.95, scratch, NULL, &cv);
    hs_ck_near(cv, 0.09, 1e-15);
    hs_metric_var_cvar(r, 20, 0.95, scratch, &v, NULL);
    hs_ck_near(v, 0.09, 1e-15);
}
END_TEST

START_TEST(test_rolling_slope_hand)
{
    /* window 5.  x = 1..5, y = 2 4 5 4 5: slope 0.6 (Sxy 6, Sxx 10, as in
     * test_slope); then (6, 10) pushes out (1, 2): x = 2..6, xbar 4,
     * y = 4 5 4 5 10, ybar 5.6, Sxy = 3.2 + 0.6 + 0 - 0.6 + 8.8 = 12,
     * Sxx = 10: slope 1.2.  The missing step (NaN x) at index 2 is
     * skipped, so the window fills at index 5. */
    const double x[] = {1, 2, NAN, 3, 4, 5, 6};
    const double y[] = {2, 4, 7, 5, 4, 5, 10};
    double out[7];
    hs_metric_rolling_slope(y, x, 7, 5, out);
    for (int t = 0; t < 5; t++)
        ck_assert_msg(isnan(out[t]), "out[%d] = %g", t, out[t]);
    hs_ck_near(out[5], 0.6, 1e-14);
    hs_ck_near(out[6], 1.2, 1e-14);
    hs_metric_rolling_slope(y, x, 7, 1, out);
    for (int t = 0; t < 7; t++)
        ck_assert(isnan(out[t]));
}
END_TEST

START_TEST(test_rolling_slope_gsl)
{
    /* Against gsl_fit_linear on the last `window` finite pairs, at every
     * step of a 3000-step series with gaps and a level far from zero.  A
     * burst of huge values (x 1e7, steps 500-589) leaves rounding debris
     * in running sums; the periodic exact rebuild must clear it, so the
     * steps up to 3 windows after the burst are not compared. */
    enum { N = 3000, W = 90 };
    static double x[N], y[N], out[N], fx[N], fy[N];
    gsl_rng *r = NULL;
    ck_assert_int_eq(hs_rng_new(&r, 3, 0, HS_RNG_TEST), 0);
    for (int i = 0; i < N; i++) {
        x[i] = 5.0 + gsl_ran_gaussian_ziggurat(r, 0.03);
        y[i] = 0.4 * x[i] + gsl_ran_gaussian_ziggurat(r, 0.02);
        if (i % 31 == 2)
            y[i] = NAN;
        if (i >= 500 && i < 590) {
            x[i] *= 1e7;
            y[i] *= 1e7;
        }
    }
    gsl_rng_free(r);
    hs_metric_rolling_slope(y, x, N, W, out);
    size_t m = 0;
    for (size_t t = 0; t < N; t++) {
        if (isfinite(x[t]) && isfinite(y[t])) {
            fx[m] = x[t];
            fy[m] = y[t];
            m++;
        }
        if (m < W) {
            ck_assert(isnan(out[t]));
            continue;
        }
        if (t >= 500 && t < 590 + 3 * W)
            continue;
        double c0, c1, c00, c01, c11, ss;
        gsl_fit_linear(fx + m - W, 1, fy + m - W, 1, W, &c0, &c1, &c00, &c01,
                       &c11, &ss);
        ck_assert_msg(fabs(out[t] - c1) <= 1e-9 * fmax(fabs(c1), 1.0),
                      "t %zu: %.17g vs %.17g", t, out[t], c1);
    }
}
END_TEST

/* The running example as a full input.
 * equity: 1000 before the run, then * 1.01, * 1.00, * 1.01, * 0.98:
 *   1010, 1010, 1020.1, 999.698; mean = 4039.798 / 4 = 1009.9495.
 * traded 1000 0 500 0 (sum 1500).
 * fees -1 -0.5 0 -0.25 (total cost 1.75); slippage -0.2 0 -0.1 0 (0.3);
 * funding 0.1 -0.4 NaN 0.05 (sum -0.25: cost 0.25); no premium. */
static const double EQ[4] = {1010, 1010, 1020.1, 999.698};
static const double TRADED[4] = {1000, 0, 500, 0};
static const double FEES[4] = {-1, -0.5, 0, -0.25};
static const double SLIP[4] = {-0.2, 0, -0.1, 0};
static const double FUND[4] = {0.1, -0.4, NAN, 0.05};

static hs_metrics_input example(void)
{
    hs_metrics_input in = {
        .n = 4,
        .equity = EQ,
        .r_h = RH,
        .r_u = RU,
        .r_m = RU,
        .traded = TRADED,
        .fees = FEES,
        .slippage = SLIP,
        .funding = FUND,
        .premium = NULL,
        .target_beta = 0.5,
        .periods_per_year = 365,
        .risk_free = 0.02,
    };
    return in;
}

START_TEST(test_compute)
{
    hs_metrics_input in = example();
    hs_metrics m;
    double scratch[4];
    ck_assert_int_eq(hs_metrics_compute(&in, &m, scratch), 0);
    hs_ck_near(m.hedge_effectiveness, 0.8, 1e-12);
    hs_ck_near(m.tracking_error, sqrt(365 * 5e-5 / 3), 1e-12);
    hs_ck_near(m.residual_beta, 13.0 / 30.0, 1e-12);
    /* growth 1.01 * 1.00 * 1.01 * 0.98 = 0.999698 over 4 steps */
    hs_ck_near(m.total_return, -0.000302, 1e-15);
    hs_ck_near(m.ann_return, pow(0.999698, 365.0 / 4.0) - 1, 1e-12);
    /* vol sqrt(365 * 2e-4); mean(r_h) = 0, so Sharpe = -0.02 / vol */
    hs_ck_near(m.ann_vol, sqrt(0.073), 1e-12);
    hs_ck_near(m.sharpe, -0.02 / sqrt(0.073), 1e-12);
    /* wealth 1 1.01 1.01 1.0201 0.999698: peak 1.0201, last step -2 % */
    hs_ck_near(m.max_drawdown, 0.02, 1e-12);
    /* m = 4: k = ceil(0.2) = ceil(0.04) = 1: worst return -0.02 */
    hs_ck_near(m.var95, 0.02, 1e-15);
    hs_ck_near(m.cvar95, 0.02, 1e-15);
    hs_ck_near(m.var99, 0.02, 1e-15);
    hs_ck_near(m.cvar99, 0.02, 1e-15);
    /* turnover = 1500 / 1009.9495 * 365 / 4 = 135.52... */
    hs_ck_near(m.turnover, 1500 / 1009.9495 * 365 / 4, 1e-9);
    hs_ck_near(m.fees, 1.75, 1e-12);
    hs_ck_near(m.slippage, 0.3, 1e-12);
    hs_ck_near(m.funding, 0.25, 1e-12);
    hs_ck_near(m.premium, 0.0, 0);
    /* drag = (1.75 + 0.3 + 0.25) / 1009.9495 * 365 / 4 = 0.2078... */
    hs_ck_near(m.hedge_cost_drag, 2.3 / 1009.9495 * 365 / 4, 1e-12);
}
END_TEST

START_TEST(test_compute_signs)
{
    /* Funding received (positive P&L) is a negative cost; a premium paid
     * (negative P&L) is a positive cost, and both enter the drag. */
    hs_metrics_input in = example();
    const double fund[4] = {0.3, 0.2, 0, 0};  /* received 0.5 */
    const double prem[4] = {0, -4, 0, 0};     /* paid 4 */
    in.funding = fund;
    in.premium = prem;
    hs_metrics m;
    double scratch[4];
    ck_assert_int_eq(hs_metrics_compute(&in, &m, scratch), 0);
    hs_ck_near(m.funding, -0.5, 1e-12);
    hs_ck_near(m.premium, 4.0, 1e-12);
    /* (1.75 + 0.3 - 0.5 + 4) / 1009.9495 * 365 / 4 */
    hs_ck_near(m.hedge_cost_drag, 5.55 / 1009.9495 * 365 / 4, 1e-12);
}
END_TEST

START_TEST(test_compute_missing)
{
    /* Optional series absent: their metrics are NaN or zero costs. */
    hs_metrics_input in = example();
    in.r_u = NULL;
    in.r_m = NULL;
    in.traded = NULL;
    in.fees = in.slippage = in.funding = NULL;
    hs_metrics m;
    double scratch[4];
    ck_assert_int_eq(hs_metrics_compute(&in, &m, scratch), 0);
    ck_assert(isnan(m.hedge_effectiveness));
    ck_assert(isnan(m.tracking_error));
    ck_assert(isnan(m.residual_beta));
    ck_assert(isnan(m.turnover));
    hs_ck_near(m.fees + m.slippage + m.funding + m.premium, 0.0, 0);
    hs_ck_near(m.hedge_cost_drag, 0.0, 0);
    hs_ck_near(m.ann_vol, sqrt(0.073), 1e-12);

    /* A missing return is left out: r_h = 0.01 NaN 0.01 -0.02 compounds
     * 1.01 * 1.01 * 0.98 = 0.999698 over 3 returns. */
    const double rh[4] = {0.01, NAN, 0.01, -0.02};
    in = example();
    in.r_h = rh;
    ck_assert_int_eq(hs_metrics_compute(&in, &m, scratch), 0);
    hs_ck_near(m.total_return, -0.000302, 1e-15);
    hs_ck_near(m.ann_return, pow(0.999698, 365.0 / 3.0) - 1, 1e-12);
    /* mean 0, squares 1e-4 1e-4 4e-4: var 6e-4 / 2 = 3e-4 */
    hs_ck_near(m.ann_vol, sqrt(365 * 3e-4), 1e-12);
}
END_TEST

START_TEST(test_compute_drawdown_first_step)
{
    /* The first return counts: wealth 1 -> 0.9 -> 0.945: drawdown 0.1,
     * although the equity curve given (closes after the first return,
     * 900 then 945) never falls. */
    const double rh[2] = {-0.1, 0.05}, eq[2] = {900, 945};
    hs_metrics_input in = {.n = 2, .equity = eq, .r_h = rh,
                           .periods_per_year = 365};
    hs_metrics m;
    double scratch[2];
    ck_assert_int_eq(hs_metrics_compute(&in, &m, scratch), 0);
    hs_ck_near(m.max_drawdown, 0.1, 1e-15);
    hs_ck_near(hs_metric_max_drawdown(eq, 2), 0.0, 0);

    /* Ruin: wealth 1 -> 0.5 -> 0: total -1, annualised -1, drawdown 1. */
    const double ruin[2] = {-0.5, -1.0}, eq0[2] = {500, 0};
    in.r_h = ruin;
    in.equity = eq0;
    ck_assert_int_eq(hs_metrics_compute(&in, &m, scratch), 0);
    hs_ck_near(m.total_return, -1.0, 0);
    hs_ck_near(m.ann_return, -1.0, 0);
    hs_ck_near(m.max_drawdown, 1.0, 0);
}
END_TEST

START_TEST(test_compute_errors)
{
    hs_metrics_input in = example();
    hs_metrics m, before;
    double scratch[4];
    memset(&m, 0x5a, sizeof m);
    before = m;

    in.n = 1; /* n < 2 */
    hs_error_clear();
    ck_assert_int_eq(hs_metrics_compute(&in, &m, scratch), HS_EINVAL);
    ck_assert(strstr(hs_error_last(), "2 steps") != NULL);
    in.n = 0;
    ck_assert_int_eq(hs_metrics_compute(&in, &m, scratch), HS_EINVAL);

    in = example();
    in.periods_per_year = 0;
    ck_assert_int_eq(hs_metrics_compute(&in, &m, scratch), HS_EINVAL);
    in.periods_per_year = NAN;
    ck_assert_int_eq(hs_metrics_compute(&in, &m, scratch), HS_EINVAL);

    in = example();
    in.equity = NULL;
    ck_assert_int_eq(hs_metrics_compute(&in, &m, scratch), HS_EINVAL);
    in = example();
    in.r_h = NULL;
    ck_assert_int_eq(hs_metrics_compute(&in, &m, scratch), HS_EINVAL);
    in = example();
    ck_assert_int_eq(hs_metrics_compute(&in, &m, NULL), HS_EINVAL);
    ck_assert_int_eq(hs_metrics_compute(NULL, &m, scratch), HS_EINVAL);
    ck_assert_int_eq(hs_metrics_compute(&in, NULL, scratch), HS_EINVAL);
    ck_assert(memcmp(&m, &before, sizeof m) == 0); /* out untouched */
}
END_TEST

/* VaR and CVaR select the k smallest returns rather than sorting them all;
 * the answer must be bit-identical to the definition computed over a full
 * ascending sort (qsort), for every sample size, tie pattern and level. */
static int cmp_asc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

START_TEST(test_var_cvar_selection)
{
    enum { MAXN = 3000 };
    static double r[MAXN], sorted[MAXN], scratch[MAXN];
    const double levels[] = {0.5, 0.9, 0.95, 0.975, 0.99, 0.999};
    unsigned long long st = 88172645463325252ull;
    for (size_t n = 1; n <= MAXN; n += (n < 40 ? 1 : n < 700 ? 37 : 331)) {
        for (int ties = 0; ties < 5; ties++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++) {
                st ^= st << 13, st ^= st >> 7, st ^= st << 17;
                double u = (double)(st >> 11) / 9007199254740992.0 - 0.5;
                /* ties: 0 distinct, 1 coarse grid (many ties), 2 with NaN,
                 * 3 one far outlier (the tail in a few narrow buckets),
                 * 4 all equal */
                r[i] = ties == 1 ? floor(u * 8) / 100 : u / 10;
                if (ties == 2 && i % 5 == 0)
                    r[i] = NAN;
                if (ties == 3 && i == n / 2)
                    r[i] = 1e6;
                if (ties == 4)
                    r[i] = -0.01;
                if (!isnan(r[i]))
                    sorted[m++] = r[i];
            }
            qsort(sorted, m, sizeof *sorted, cmp_asc);
            for (size_t l = 0; l < sizeof levels / sizeof *levels; l++) {
                double v, cv;
                hs_metric_var_cvar(r, n, levels[l], scratch, &v, &cv);
                if (m == 0) {
                    ck_assert(isnan(v) && isnan(cv));
                    continue;
                }
                double t = round((double)m * (1 - levels[l]) / 1e-9) * 1e-9;
                size_t k = (size_t)ceil(t);
                k = k < 1 ? 1 : k > m ? m : k;
                double s = 0;
                for (size_t i = 0; i < k; i++)
                    s += sorted[i];
                ck_assert_msg(v == -sorted[k - 1] && cv == -s / (double)k,
                              "n %zu ties %d level %g: %.17g %.17g vs %.17g "
                              "%.17g",
                              n, ties, levels[l], v, cv, -sorted[k - 1],
                              -s / (double)k);
            }
        }
    }
}
END_TEST

/* hs_metrics_compute forms every metric in two fused passes: each must be
 * the helper's above bit for bit (the same sums in the same order), on
 * samples with missing steps in each series. */
static int same(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

START_TEST(test_compute_matches_helpers)
{
    enum { N = 600 };
    static double rh[N], ru[N], rm[N], eq[N], tr[N], fee[N], sl[N], fu[N];
    static double pr[N], scratch[N], w[N + 1];
    unsigned long long st = 0x9E3779B97F4A7C15ull;
    for (int round_ = 0; round_ < 20; round_++) {
        size_t n = 2 + (size_t)round_ * 31;
        for (size_t i = 0; i < n; i++) {
            double u[8];
            for (int k = 0; k < 8; k++) {
                st ^= st << 13, st ^= st >> 7, st ^= st << 17;
                u[k] = (double)(st >> 11) / 9007199254740992.0 - 0.5;
            }
            rm[i] = u[0] / 10;
            ru[i] = 1.2 * rm[i] + u[1] / 50;
            rh[i] = ru[i] - rm[i] + u[2] / 100;
            eq[i] = 1e6 * (1 + u[3]);
            tr[i] = 1e4 * (0.5 + u[4]);
            fee[i] = -fabs(u[5]);
            sl[i] = -fabs(u[6]) / 2;
            fu[i] = u[7];
            pr[i] = i % 7 ? 0 : -1;
            /* missing steps, in different places in each series */
            if (round_ % 2 && i % 11 == 3)
                rh[i] = NAN;
            if (round_ % 3 && i % 13 == 5)
                ru[i] = NAN;
            if (round_ % 4 && i % 17 == 7)
                rm[i] = INFINITY;
            if (i % 19 == 2)
                eq[i] = tr[i] = fee[i] = NAN;
        }
        hs_metrics_input in = {.n = n, .equity = eq, .r_h = rh, .r_u = ru,
                               .r_m = rm, .traded = tr, .fees = fee,
                               .slippage = sl, .funding = fu, .premium = pr,
                               .target_beta = 0.25 * (round_ % 3),
                               .periods_per_year = 365, .risk_free = 0.03};
        hs_metrics m;
        ck_assert_int_eq(hs_metrics_compute(&in, &m, scratch), 0);
        const double A = 365;
        ck_assert(same(m.hedge_effectiveness,
                       hs_metric_hedge_effectiveness(rh, ru, n)));
        ck_assert(same(m.tracking_error,
                       hs_metric_tracking_error(rh, rm, n, in.target_beta, A)));
        ck_assert(same(m.residual_beta, hs_metric_slope(rh, rm, n)));
        double var = hs_metric_var(rh, n);
        ck_assert(same(m.ann_vol, sqrt(A * var)));
        ck_assert(same(m.sharpe,
                       (hs_metric_mean(rh, n) * A - 0.03) / sqrt(A * var)));
        /* drawdown of the wealth index 1, (1 + r1), ... */
        size_t k = 0;
        w[k++] = 1;
        for (size_t i = 0; i < n; i++)
            if (isfinite(rh[i])) {
                w[k] = w[k - 1] * (1.0 + rh[i]);
                k++;
            }
        ck_assert(same(m.max_drawdown, hs_metric_max_drawdown(w, k)));
        ck_assert(same(m.total_return, w[k - 1] - 1.0));
        double v, cv;
        hs_metric_var_cvar(rh, n, 0.95, w, &v, &cv);
        ck_assert(same(m.var95, v) && same(m.cvar95, cv));
        hs_metric_var_cvar(rh, n, 0.99, w, &v, &cv);
        ck_assert(same(m.var99, v) && same(m.cvar99, cv));
        double sums[4] = {0, 0, 0, 0}, s_tr = 0;
        const double *c[4] = {fee, sl, fu, pr};
        for (size_t i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++)
                if (isfinite(c[j][i]))
                    sums[j] += c[j][i];
            if (isfinite(tr[i]))
                s_tr += tr[i];
        }
        ck_assert(same(m.fees, -sums[0]) && same(m.slippage, -sums[1]) &&
                  same(m.funding, -sums[2]) && same(m.premium, -sums[3]));
        double meq = hs_metric_mean(eq, n);
        ck_assert(same(m.turnover, s_tr / meq * (A / (double)n)));
        ck_assert(same(m.hedge_cost_drag,
                       (m.fees + m.slippage + m.funding + m.premium) / meq *
                           (A / (double)n)));
    }
}
END_TEST

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("helpers");
    tcase_add_test(tc, test_mean_var);
    tcase_add_test(tc, test_slope);
    tcase_add_test(tc, test_hedge_effectiveness);
    tcase_add_test(tc, test_tracking_error);
    tcase_add_test(tc, test_max_drawdown);
    tcase_add_test(tc, test_var_cvar);
    tcase_add_test(tc, test_var_cvar_selection);
    tcase_add_test(tc, test_rolling_slope_hand);
    tcase_add_test(tc, test_rolling_slope_gsl);
    suite_add_tcase(s, tc);

    tc = tcase_create("summary");
    tcase_add_test(tc, test_compute);
    tcase_add_test(tc, test_compute_signs);
    tcase_add_test(tc, test_compute_missing);
    tcase_add_test(tc, test_compute_drawdown_first_step);
    tcase_add_test(tc, test_compute_errors);
    tcase_add_test(tc, test_compute_matches_helpers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return hs_test_main(metrics_suite()); }
