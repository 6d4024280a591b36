/* Analytics: correlation, downside and upside beta, covariance, average
 * pairwise correlation and the absorption ratio against hand computations;
 * rolling versions against the direct ones; error paths. */
#include "testutil.h"

#include "hedgesim/analytics.h"

#include <math.h>
#include <string.h>

/* Three assets over four steps (in 1 %):
 *   y1 = a, y2 = a + b, y3 = c  with  a = ( 1, -1,  1, -1),
 *                                     b = ( 1, -1, -1,  1),
 *                                     c = ( 1,  1, -1, -1).
 * a, b, c have mean 0, sum of squares 4 and are mutually orthogonal, so
 * (divisor 3) var(a) = var(b) = var(c) = 4/3 and every cross term is 0:
 *   cov = 4/3 * [[1, 1, 0], [1, 2, 0], [0, 0, 1]]  (times 1e-4).
 * The 2x2 block [[1, 1], [1, 2]] has eigenvalues (3 +- sqrt 5) / 2, the
 * third is 1; the trace is 4, so the absorption ratio is
 * (3 + sqrt 5) / 8 = 0.65450849718747373.  Correlations: y1,y2 1/sqrt 2,
 * the others 0; their average (1/sqrt 2) / 3. */
static const double R3[4 * 3] = {
    0.01,  0.02,  0.01,  /* t = 0 */
    -0.01, -0.02, 0.01,  /* t = 1 */
    0.01,  0.0,   -0.01, /* t = 2 */
    -0.01, 0.0,   -0.01, /* t = 3 */
};

START_TEST(test_cov_absorption_hand)
{
    double cov[9], ar;
    ck_assert_uint_eq(hs_analytics_cov(R3, 4, 3, cov), 4);
    const double u = 4.0 / 3.0 * 1e-4;
    const double want[9] = {u, u, 0, u, 2 * u, 0, 0, 0, u};
    for (int i = 0; i < 9; i++)
        hs_ck_near(cov[i], want[i], 1e-18);
    ck_assert_int_eq(hs_analytics_absorption(cov, 3, &ar), 0);
    hs_ck_near(ar, (3 + sqrt(5.0)) / 8, 1e-14);
    hs_ck_near(hs_analytics_avg_corr(cov, 3), 1 / sqrt(2.0) / 3, 1e-14);
    /* One dominant factor: every asset the same series gives 1. */
    const double one[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    ck_assert_int_eq(hs_analytics_absorption(one, 3, &ar), 0);
    hs_ck_near(ar, 1.0, 1e-14);
    hs_ck_near(hs_analytics_avg_corr(one, 3), 1.0, 1e-14);
}
END_TEST

/* A row with a missing value is left out of the covariance as a whole. */
START_TEST(test_cov_complete_rows)
{
    double r[5 * 3], cov[9], ref[9];
    memcpy(r, R3, sizeof R3);
    r[12] = 0.5;
    r[13] = NAN;
    r[14] = -0.3;
    ck_assert_uint_eq(hs_analytics_cov(r, 5, 3, cov), 4);
    hs_analytics_cov(R3, 4, 3, ref);
    for (int i = 0; i < 9; i++)
        hs_ck_near(cov[i], ref[i], 1e-18);
    ck_assert_uint_eq(hs_analytics_cov(R3, 1, 3, cov), 1);
    ck_assert(isnan(cov[0]));
}
END_TEST

START_TEST(test_absorption_errors)
{
    double ar = 0;
    const double nan_cov[4] = {1, NAN, NAN, 1}, zero[4] = {0, 0, 0, 0};
    ck_assert_int_eq(hs_analytics_absorption(zero, 0, &ar), HS_EINVAL);
    ck_assert_int_eq(hs_analytics_absorption(nan_cov, 2, &ar), HS_EINVAL);
    ck_assert(isnan(ar));
    ck_assert_int_eq(hs_analytics_absorption(zero, 2, &ar), HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "zero variance"));
    ck_assert(isnan(hs_analytics_avg_corr(zero, 1)));
}
END_TEST

/* Downside beta by hand.  x = (-2, -1, 1, 3, -3) %, y = (-5, -1, 2, 3, -7) %.
 * x < 0 at steps 0, 1, 4: x = (-2, -1, -3), mean -2; y = (-5, -1, -7),
 * mean -13/3.  Deviations dx = (0, 1, -1), dy = (-2/3, 10/3, -8/3) (in %):
 * Sxy = 10/3 + 8/3 = 6, Sxx = 2, so beta_down = 3.  x > 0 at steps 2, 3:
 * x = (1, 3), y = (2, 3): slope (3 - 2) / (3 - 1) = 0.5. */
START_TEST(test_downside_upside_hand)
{
    const double x[5] = {-0.02, -0.01, 0.01, 0.03, -0.03};
    const double y[5] = {-0.05, -0.01, 0.02, 0.03, -0.07};
    hs_ck_near(hs_analytics_beta_down(y, x, 5), 3.0, 1e-12);
    hs_ck_near(hs_analytics_beta_up(y, x, 5), 0.5, 1e-12);
    /* Fewer than 2 observations on a side: NaN. */
    ck_assert(isnan(hs_analytics_beta_up(y, x, 3)));
    /* A missing step is left out: the same answer with a NaN inserted. */
    const double x2[6] = {-0.02, NAN, -0.01, 0.01, 0.03, -0.03};
    const double y2[6] = {-0.05, -0.9, -0.01, 0.02, 0.03, -0.07};
    hs_ck_near(hs_analytics_beta_down(y2, x2, 6), 3.0, 1e-12);
}
END_TEST

START_TEST(test_corr)
{
    const double x[5] = {0.01, -0.02, 0.03, 0.0, -0.01};
    double y[5], z[5];
    for (int i = 0; i < 5; i++) {
        y[i] = 2 * x[i] + 0.001;
        z[i] = -x[i];
    }
    hs_ck_near(hs_analytics_corr(y, x, 5), 1.0, 1e-14);
    hs_ck_near(hs_analytics_corr(z, x, 5), -1.0, 1e-14);
    const double flat[5] = {0.01, 0.01, 0.01, 0.01, 0.01};
    ck_assert(isnan(hs_analytics_corr(flat, x, 5)));
}
END_TEST

/* The OLS estimator fed step by step equals the OLS slope of the last
 * `window` steps, and what it reports at s never depends on steps after s. */
START_TEST(test_rolling_beta_no_lookahead)
{
    enum { N = 120, W = 20 };
    double x[N], y[N], out[N], out2[N];
    for (int t = 0; t < N; t++) {
        x[t] = 0.02 * sin(0.7 * t + 0.3);
        y[t] = 1.3 * x[t] + 0.005 * cos(1.9 * t);
    }
    hs_values v;
    ck_assert_int_eq(hs_values_init(&v, hs_beta_ols.params), 0);
    ck_assert_int_eq(hs_values_set(&v, "window", "20", "test"), 0);
    ck_assert_int_eq(
        hs_analytics_rolling_beta(&hs_beta_ols, &v, y, x, N, out), 0);
    ck_assert(isnan(out[W - 2]));
    for (int t = W - 1; t < N; t++)
        hs_ck_near(out[t], hs_metric_slope(y + t - W + 1, x + t - W + 1, W),
                   1e-10);
    for (int t = 60; t < N; t++)
        y[t] += 0.1;
    ck_assert_int_eq(
        hs_analytics_rolling_beta(&hs_beta_ols, &v, y, x, N, out2), 0);
    for (int t = 0; t < 60; t++)
        ck_assert(memcmp(&out[t], &out2[t], sizeof(double)) == 0);
    /* The estimator's init errors come through. */
    v.num[0] = 1; /* window below its range */
    ck_assert_int_eq(
        hs_analytics_rolling_beta(&hs_beta_ols, &v, y, x, N, out2), HS_EINVAL);
}
END_TEST

START_TEST(test_rolling_panel)
{
    enum { N = 60, K = 3, W = 15 };
    double r[N * K], avg[N], ar[N], corr[N], cov[K * K];
    for (int t = 0; t < N; t++)
        for (int j = 0; j < K; j++)
            r[t * K + j] = 0.01 * sin(0.9 * t + j) + 0.004 * cos(2.3 * t * (j + 1));
    ck_assert_int_eq(hs_analytics_rolling_panel(r, N, K, W, avg, ar), 0);
    ck_assert(isnan(avg[W - 2]) && isnan(ar[W - 2]));
    for (int t = W - 1; t < N; t += 7) {
        double want;
        hs_analytics_cov(r + (t - W + 1) * K, W, K, cov);
        ck_assert_int_eq(hs_analytics_absorption(cov, K, &want), 0);
        hs_ck_near(ar[t], want, 1e-14);
        hs_ck_near(avg[t], hs_analytics_avg_corr(cov, K), 1e-14);
        ck_assert(ar[t] >= 1.0 / K - 1e-12 && ar[t] <= 1.0 + 1e-12);
    }
    double x[N], y[N];
    for (int t = 0; t < N; t++) {
        x[t] = r[t * K];
        y[t] = r[t * K + 1];
    }
    hs_analytics_rolling_corr(y, x, N, W, corr);
    ck_assert(isnan(corr[W - 2]));
    hs_ck_near(corr[N - 1], hs_analytics_corr(y + N - W, x + N - W, W), 1e-14);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("analytics");
    TCase *tc = tcase_create("analytics");
    tcase_add_test(tc, test_cov_absorption_hand);
    tcase_add_test(tc, test_cov_complete_rows);
    tcase_add_test(tc, test_absorption_errors);
    tcase_add_test(tc, test_downside_upside_hand);
    tcase_add_test(tc, test_corr);
    tcase_add_test(tc, test_rolling_beta_no_lookahead);
    tcase_add_test(tc, test_rolling_panel);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return hs_test_main(suite()); }
