/* Tests for the beta estimators. */
#include "testutil.h"

#include "hedgesim/beta.h"
#include "hedgesim/param.h"
#include "hedgesim/rng.h"

#include <string.h>

#include <gsl/gsl_fit.h>
#include <gsl/gsl_randist.h>

/* ------------------------------------------------------------------ */
/* helpers                                                              */

/* An estimator instance: state allocated as the framework does. */
typedef struct est {
    const hs_beta_type *t;
    void *state;
} est;

static hs_values defaults(const hs_beta_type *t)
{
    hs_values v;
    ck_assert_int_eq(hs_values_init(&v, t->params), 0);
    return v;
}

static void set(hs_values *v, const char *key, const char *text)
{
    ck_assert_msg(hs_values_set(v, key, text, "test") == 0, "%s = %s: %s",
                  key, text, hs_error_last());
}

static est make(const hs_beta_type *t, const hs_values *v)
{
    est e = {t, NULL};
    size_t size = t->state_size(v);
    ck_assert_uint_gt(size, 0);
    e.state = malloc(size); /* malloc is aligned for double */
    ck_assert_ptr_nonnull(e.state);
    int rc = t->init(e.state, v);
    ck_assert_msg(rc == 0, "init %s: %s", t->name, hs_error_last());
    return e;
}

static void drop(est *e)
{
    free(e->state);
    e->state = NULL;
}

static void upd(est *e, double x, double y) { e->t->update(e->state, x, y); }
static double val(const est *e) { return e->t->value(e->state); }

/* A simulated pair series: x ~ N(0, sx^2), y = beta x + N(0, se^2), drawn
 * from the hs_rng stream (seed, 0, HS_RNG_TEST). */
static void simulate(uint64_t seed, size_t n, double beta, double sx,
                     double se, double *x, double *y)
{
    gsl_rng *r = NULL;
    ck_assert_int_eq(hs_rng_new(&r, seed, 0, HS_RNG_TEST), 0);
    for (size_t i = 0; i < n; i++) {
        x[i] = gsl_ran_gaussian_ziggurat(r, sx);
        y[i] = beta * x[i] + gsl_ran_gaussian_ziggurat(r, se);
    }
    gsl_rng_free(r);
}

/* |a - b| <= rtol * max(|b|, 1): relative for slopes of order 1 and above,
 * absolute near zero. */
#define ck_slope(a, b, rtol, step)                                             \
    do {                                                                       \
        double a_ = (a), b_ = (b);                                             \
        ck_assert_msg(fabs(a_ - b_) <= (rtol) * fmax(fabs(b_), 1.0),           \
                      "step %zu: %.17g vs %.17g", (size_t)(step), a_, b_);     \
    } while (0)

/* ------------------------------------------------------------------ */
/* ols                                                                  */

START_TEST(test_ols_hand)
{
    /* x = 1..5, y = 2 4 5 4 5: xbar = 3, ybar = 4,
     * Sxy = (-2)(-2) + (-1)(0) + 0(1) + 1(0) + 2(1) = 6, Sxx = 10,
     * slope 0.6.  Then (6, 10) pushes out (1, 2): x = 2..6, xbar = 4,
     * y = 4 5 4 5 10, ybar = 5.6, dy = -1.6 -0.6 -1.6 -0.6 4.4,
     * Sxy = 3.2 + 0.6 + 0 - 0.6 + 8.8 = 12, Sxx = 10, slope 1.2. */
    hs_values v = defaults(&hs_beta_ols);
    set(&v, "window", "5");
    est e = make(&hs_beta_ols, &v);
    static const double x[] = {1, 2, 3, 4, 5}, y[] = {2, 4, 5, 4, 5};
    for (int i = 0; i < 5; i++) {
        ck_assert(isnan(val(&e)));
        upd(&e, x[i], y[i]);
    }
    hs_ck_near(val(&e), 0.6, 1e-14);
    upd(&e, NAN, 3); /* skipped: does not push anything out */
    hs_ck_near(val(&e), 0.6, 1e-14);
    upd(&e, 6, 10);
    hs_ck_near(val(&e), 1.2, 1e-14);
    drop(&e);

    /* x constant in the window: no slope. */
    e = make(&hs_beta_ols, &v);
    for (int i = 0; i < 5; i++)
        upd(&e, 0.5, (double)i);
    ck_assert(isnan(val(&e)));
    drop(&e);
}
END_TEST

/* Feed the OLS estimator n pairs (some missing) and compare with
 * gsl_fit_linear on the last `w` finite pairs after every step. */
static void ols_against_gsl(size_t w, size_t n, double offx, double offy,
                            uint64_t seed)
{
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    double *fx = malloc(n * sizeof *fx), *fy = malloc(n * sizeof *fy);
    ck_assert(x && y && fx && fy);
    simulate(seed, n, 1.2, 0.03, 0.02, x, y);
    for (size_t i = 0; i < n; i++) {
        x[i] += offx;
        y[i] += offy;
        if (i % 37 == 5)
            x[i] = NAN;
        if (i % 53 == 7)
            y[i] = INFINITY;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", w);
    hs_values v = defaults(&hs_beta_ols);
    set(&v, "window", buf);
    est e = make(&hs_beta_ols, &v);
    size_t m = 0;
    for (size_t t = 0; t < n; t++) {
        upd(&e, x[t], y[t]);
        if (isfinite(x[t]) && isfinite(y[t])) {
            fx[m] = x[t];
            fy[m] = y[t];
            m++;
        }
        if (m < w) {
            ck_assert_msg(isnan(val(&e)), "step %zu: value before warm", t);
            continue;
        }
        double c0, c1, c00, c01, c11, sumsq;
        ck_assert_int_eq(gsl_fit_linear(fx + m - w, 1, fy + m - w, 1, w, &c0,
                                        &c1, &c00, &c01, &c11, &sumsq),
                         0);
        ck_slope(val(&e), c1, 1e-9, t);
    }
    drop(&e);
    free(x);
    free(y);
    free(fx);
    free(fy);
}

START_TEST(test_ols_gsl)
{
    /* Reference: gsl_fit_linear (GSL's own centred least squares). */
    ols_against_gsl(60, 2000, 0, 0, 11);
    ols_against_gsl(5, 2000, 0, 0, 12);
    ols_against_gsl(250, 2000, 0, 0, 13);
    /* Far from zero: the shifted sums keep the cancellation harmless. */
    ols_against_gsl(60, 2000, 100.0, -50.0, 14);
}
END_TEST

START_TEST(test_ols_long_run)
{
    /* 200,000 updates: the running sums are rebuilt every window, so the
     * final value still matches a fresh fit on the last window. */
    const size_t n = 200000, w = 60;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    ck_assert(x && y);
    simulate(21, n, 0.9, 0.05, 0.03, x, y);
    hs_values v = defaults(&hs_beta_ols);
    est e = make(&hs_beta_ols, &v); /* default window 60 */
    for (size_t t = 0; t < n; t++)
        upd(&e, x[t] + 10.0, y[t]);
    double c0, c1, c00, c01, c11, sumsq;
    for (size_t t = 0; t < n; t++)
        x[t] += 10.0;
    gsl_fit_linear(x + n - w, 1, y + n - w, 1, w, &c0, &c1, &c00, &c01, &c11,
                   &sumsq);
    ck_slope(val(&e), c1, 1e-9, n);
    drop(&e);
    free(x);
    free(y);
}
END_TEST

START_TEST(test_ols_after_burst)
{
    /* A burst of huge observations (1e7 times the usual scale) passes
     * through the window.  Subtracting them from running sums leaves
     * rounding debris of order 1e14 * 2^-52 relative to the usual sums
     * (~1e-2); the periodic exact rebuild must clear it: from 2 windows
     * after the burst, values match gsl_fit_linear again to 1e-9. */
    const size_t n = 1000, w = 60, b0 = 100, b1 = 160;
    double x[1000], y[1000];
    simulate(15, n, 1.2, 0.03, 0.02, x, y);
    for (size_t i = b0; i < b1; i++) {
        x[i] *= 1e7;
        y[i] *= 1e7;
    }
    hs_values v = defaults(&hs_beta_ols);
    est e = make(&hs_beta_ols, &v);
    for (size_t t = 0; t < n; t++) {
        upd(&e, x[t], y[t]);
        if (t + 1 < b1 + 2 * w)
            continue;
        double c0, c1, c00, c01, c11, sumsq;
        gsl_fit_linear(x + t + 1 - w, 1, y + t + 1 - w, 1, w, &c0, &c1, &c00,
                       &c01, &c11, &sumsq);
        ck_slope(val(&e), c1, 1e-9, t);
    }
    drop(&e);
}
END_TEST

/* ------------------------------------------------------------------ */
/* ewma                                                                 */

START_TEST(test_ewma_hand)
{
    /* halflife 1: lambda = 0.5.  Observations (1,1), (2,3), (0,0) get
     * weights 0.25, 0.5, 1; W = 1.75.
     * mx = (0.25 + 1 + 0) / 1.75 = 5/7; my = (0.25 + 1.5 + 0) / 1.75 = 1.
     * cov*W = sum w x y - W mx my = 3.25 - 1.25 = 2.
     * var*W = sum w x^2 - W mx^2 = 2.25 - 1.75 * 25/49 = 19/14.
     * beta = 2 / (19/14) = 28/19. */
    hs_values v = defaults(&hs_beta_ewma);
    set(&v, "halflife", "1");
    est e = make(&hs_beta_ewma, &v);
    upd(&e, 1, 1);
    ck_assert(isnan(val(&e))); /* ceil(1) = 1, raised to the minimum 2 */
    upd(&e, 2, 3);
    /* two points: slope (3 - 1) / (2 - 1) = 2 whatever the weights */
    hs_ck_near(val(&e), 2.0, 1e-14);
    upd(&e, 0, 0);
    hs_ck_near(val(&e), 28.0 / 19.0, 1e-14);
    drop(&e);
}
END_TEST

/* Direct O(n) computation: weights lambda^age over the finite pairs. */
static double ewma_direct(const double *x, const double *y, size_t m,
                          double lambda)
{
    double W = 0, mx = 0, my = 0, w = 1;
    for (size_t i = m; i-- > 0; w *= lambda) {
        W += w;
        mx += w * x[i];
        my += w * y[i];
    }
    mx /= W;
    my /= W;
    double cxy = 0, cxx = 0;
    w = 1;
    for (size_t i = m; i-- > 0; w *= lambda) {
        cxy += w * (x[i] - mx) * (y[i] - my);
        cxx += w * (x[i] - mx) * (x[i] - mx);
    }
    return cxy / cxx;
}

static void ewma_against_direct(const char *halflife, double h, size_t n)
{
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    double *fx = malloc(n * sizeof *fx), *fy = malloc(n * sizeof *fy);
    ck_assert(x && y && fx && fy);
    simulate(31, n, 0.7, 0.04, 0.03, x, y);
    for (size_t i = 0; i < n; i++)
        if (i % 41 == 3)
            y[i] = NAN;
    hs_values v = defaults(&hs_beta_ewma);
    set(&v, "halflife", halflife);
    est e = make(&hs_beta_ewma, &v);
    const double lambda = pow(0.5, 1.0 / h);
    const size_t warm = (size_t)ceil(h) < 2 ? 2 : (size_t)ceil(h);
    ck_assert_uint_eq(hs_beta_warmup(&hs_beta_ewma, &v), warm);
    size_t m = 0;
    for (size_t t = 0; t < n; t++) {
        upd(&e, x[t], y[t]);
        if (isfinite(y[t])) {
            fx[m] = x[t];
            fy[m] = y[t];
            m++;
        }
        if (m < warm) {
            ck_assert(isnan(val(&e)));
            continue;
        }
        ck_slope(val(&e), ewma_direct(fx, fy, m, lambda), 1e-9, t);
    }
    drop(&e);
    free(x);
    free(y);
    free(fx);
    free(fy);
}

START_TEST(test_ewma_direct)
{
    ewma_against_direct("10", 10, 1500);
    ewma_against_direct("2.5", 2.5, 1500);
    ewma_against_direct("30", 30, 1500);
}
END_TEST

START_TEST(test_ewma_min_obs)
{
    hs_values v = defaults(&hs_beta_ewma);
    set(&v, "min_obs", "7");
    ck_assert_uint_eq(hs_beta_warmup(&hs_beta_ewma, &v), 7);
    est e = make(&hs_beta_ewma, &v);
    for (int i = 0; i < 6; i++)
        upd(&e, i, 2 * i);
    ck_assert(isnan(val(&e)));
    upd(&e, 6, 12);
    hs_ck_near(val(&e), 2.0, 1e-12); /* exact line y = 2x */
    drop(&e);
}
END_TEST

/* ------------------------------------------------------------------ */
/* downside                                                             */

START_TEST(test_downside_hand)
{
    /* window 5, min_down 2.  Observations (1,5) (-1,-2) (2,0) (-3,-4)
     * (-4,-2): the x < 0 ones are (-1,-2) (-3,-4) (-4,-2):
     * xbar = ybar = -8/3, dx = 5/3 -1/3 -4/3, dy = 2/3 -4/3 2/3,
     * Sxy = 10/9 + 4/9 - 8/9 = 2/3, Sxx = 25/9 + 1/9 + 16/9 = 14/3,
     * slope 1/7.  (3,1) pushes out (1,5), an up step: still 1/7.
     * (5,5) pushes out (-1,-2): (-3,-4) (-4,-2) give slope
     * (-2 - -4) / (-4 - -3) = -2. */
    hs_values v = defaults(&hs_beta_downside);
    set(&v, "window", "5");
    set(&v, "min_down", "2");
    est e = make(&hs_beta_downside, &v);
    upd(&e, 1, 5);
    upd(&e, -1, -2);
    ck_assert(isnan(val(&e))); /* one down step */
    upd(&e, 2, 0);
    upd(&e, -3, -4);
    hs_ck_near(val(&e), 1.0, 1e-14); /* (-1,-2), (-3,-4): slope 1 */
    upd(&e, -4, -2);
    hs_ck_near(val(&e), 1.0 / 7.0, 1e-14);
    upd(&e, 3, 1);
    hs_ck_near(val(&e), 1.0 / 7.0, 1e-14);
    upd(&e, 5, 5);
    hs_ck_near(val(&e), -2.0, 1e-14);
    upd(&e, 1, 1); /* pushes out (2,0) */
    upd(&e, 1, 1); /* pushes out (-3,-4): one down step left */
    ck_assert(isnan(val(&e)));
    drop(&e);
}
END_TEST

START_TEST(test_downside_gsl)
{
    /* Reference: gsl_fit_linear on the x < 0 subset of the last `window`
     * finite observations, at every step of a 2000-step series. */
    const size_t n = 2000, w = 60, min_down = 10;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    double *fx = malloc(n * sizeof *fx), *fy = malloc(n * sizeof *fy);
    double *dx = malloc(w * sizeof *dx), *dy = malloc(w * sizeof *dy);
    ck_assert(x && y && fx && fy && dx && dy);
    simulate(41, n, 1.1, 0.03, 0.02, x, y);
    for (size_t i = 0; i < n; i++) {
        x[i] += 0.01; /* fewer down steps, so the count often dips */
        if (i % 29 == 4)
            x[i] = NAN;
    }
    hs_values v = defaults(&hs_beta_downside);
    set(&v, "window", "60");
    est e = make(&hs_beta_downside, &v);
    size_t m = 0, checked = 0, nans = 0;
    for (size_t t = 0; t < n; t++) {
        upd(&e, x[t], y[t]);
        if (isfinite(x[t])) {
            fx[m] = x[t];
            fy[m] = y[t];
            m++;
        }
        size_t lo = m > w ? m - w : 0, k = 0;
        for (size_t i = lo; i < m; i++)
            if (fx[i] < 0) {
                dx[k] = fx[i];
                dy[k] = fy[i];
                k++;
            }
        if (k < min_down) {
            ck_assert_msg(isnan(val(&e)), "step %zu: %zu down steps", t, k);
            nans++;
            continue;
        }
        double c0, c1, c00, c01, c11, sumsq;
        gsl_fit_linear(dx, 1, dy, 1, k, &c0, &c1, &c00, &c01, &c11, &sumsq);
        ck_slope(val(&e), c1, 1e-9, t);
        checked++;
    }
    ck_assert_uint_gt(checked, 1500);
    ck_assert_uint_gt(nans, 10);
    drop(&e);
    free(x);
    free(y);
    free(fx);
    free(fy);
    free(dx);
    free(dy);
}
END_TEST

/* ------------------------------------------------------------------ */
/* kalman                                                               */

START_TEST(test_kalman_hand)
{
    /* q = 1, q_alpha = 0, r = 1, p0 = 1, beta0 = 1, alpha0 = 0.
     * Step 1, (x, y) = (1, 3): predicted P = diag(1, 2); H = [1 1];
     * PH' = (1, 2); S = 1 + 2 + 1 = 4; innovation 3 - 0 - 1 = 2;
     * alpha = 0 + 1/4 * 2 = 0.5, beta = 1 + 2/4 * 2 = 2;
     * P = P - PH PH'/S = [[0.75, -0.5], [-0.5, 1]].
     * Step 2, (-1, 0): predicted P = [[0.75, -0.5], [-0.5, 2]]; H = [1 -1];
     * PH' = (0.75 + 0.5, -0.5 - 2) = (1.25, -2.5); S = 1.25 + 2.5 + 1 = 4.75;
     * innovation 0 - 0.5 - 2(-1) = 1.5;
     * beta = 2 - 2.5 * 1.5 / 4.75 = 2 - 15/19 = 23/19. */
    hs_values v = defaults(&hs_beta_kalman);
    set(&v, "q", "1");
    set(&v, "r", "1");
    set(&v, "min_obs", "1");
    est e = make(&hs_beta_kalman, &v);
    ck_assert(isnan(val(&e)));
    upd(&e, 1, 3);
    hs_ck_near(val(&e), 2.0, 1e-15);
    upd(&e, -1, 0);
    hs_ck_near(val(&e), 23.0 / 19.0, 1e-15);
    drop(&e);
}
END_TEST

START_TEST(test_kalman_static_is_bayes)
{
    /* With q = q_alpha = 0 the filter is recursive Bayesian regression: the
     * posterior mean is (P0^-1 + H'H/r)^-1 (P0^-1 m0 + H'y/r), computed
     * here in information form by Cramer's rule, an algebraically
     * independent route to the same number. */
    const size_t n = 500;
    const double r = 4e-4, p0 = 0.5, beta0 = 0.3;
    double x[500], y[500];
    simulate(51, n, 1.4, 0.03, 0.02, x, y);
    hs_values v = defaults(&hs_beta_kalman);
    set(&v, "q", "0");
    set(&v, "q_alpha", "0");
    set(&v, "r", "4e-4");
    set(&v, "p0", "0.5");
    set(&v, "beta0", "0.3");
    set(&v, "min_obs", "1");
    est e = make(&hs_beta_kalman, &v);
    double i00 = 1 / p0, i01 = 0, i11 = 1 / p0; /* information matrix */
    double g0 = 0 / p0, g1 = beta0 / p0;         /* information vector */
    for (size_t t = 0; t < n; t++) {
        upd(&e, x[t], y[t]);
        i00 += 1 / r;
        i01 += x[t] / r;
        i11 += x[t] * x[t] / r;
        g0 += y[t] / r;
        g1 += x[t] * y[t] / r;
        double det = i00 * i11 - i01 * i01;
        double beta = (i00 * g1 - i01 * g0) / det;
        ck_slope(val(&e), beta, 1e-9, t);
    }
    drop(&e);
}
END_TEST

START_TEST(test_kalman_constant_beta)
{
    /* True beta 1.3, x ~ N(0, 0.04^2), noise sd 0.01 (r = 1e-4 matches).
     * With q = 1e-7 the steady-state posterior sd of beta is about
     * (q r / E[x^2])^(1/4) = (1e-7 * 1e-4 / 1.6e-3)^(1/4) = 0.009, so a
     * tolerance of 0.05 is over 5 sd; a filter that did not learn (beta0 = 1)
     * or learnt the wrong slope would miss it. */
    const size_t n = 2000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    ck_assert(x && y);
    simulate(61, n, 1.3, 0.04, 0.01, x, y);
    hs_values v = defaults(&hs_beta_kalman);
    set(&v, "q", "1e-7");
    est e = make(&hs_beta_kalman, &v);
    for (size_t t = 0; t < n; t++)
        upd(&e, x[t], y[t]);
    hs_ck_near(val(&e), 1.3, 0.05);
    drop(&e);
    free(x);
    free(y);
}
END_TEST

START_TEST(test_kalman_step_change)
{
    /* Beta 0.8 for 1000 steps, then 1.6; default q = 1e-5, r = 1e-4;
     * x ~ N(0, 0.04^2), noise sd 0.01.  Steady-state posterior sd about
     * (1e-5 * 1e-4 / 1.6e-3)^(1/4) = 0.028, and the filter's memory is about
     * sqrt(r / (q E[x^2])) = 79 steps, so 300 steps after the change the
     * transient has decayed by e^-3.8 (0.8 -> 0.02).  Tolerance 0.15, over
     * 5 sd.  Also check it is not already near 1.6 before the change. */
    const size_t n = 1300, change = 1000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    ck_assert(x && y);
    gsl_rng *r = NULL;
    ck_assert_int_eq(hs_rng_new(&r, 71, 0, HS_RNG_TEST), 0);
    for (size_t i = 0; i < n; i++) {
        x[i] = gsl_ran_gaussian_ziggurat(r, 0.04);
        y[i] = (i < change ? 0.8 : 1.6) * x[i] +
               gsl_ran_gaussian_ziggurat(r, 0.01);
    }
    gsl_rng_free(r);
    hs_values v = defaults(&hs_beta_kalman);
    est e = make(&hs_beta_kalman, &v);
    for (size_t t = 0; t < n; t++) {
        upd(&e, x[t], y[t]);
        if (t == change - 1)
            hs_ck_near(val(&e), 0.8, 0.15);
    }
    hs_ck_near(val(&e), 1.6, 0.15);
    drop(&e);
    free(x);
    free(y);
}
END_TEST

/* ------------------------------------------------------------------ */
/* every registered estimator                                           */

START_TEST(test_registry)
{
    size_t count = 0;
    for (size_t i = 0; hs_beta_types[i]; i++, count++) {
        const hs_beta_type *t = hs_beta_types[i];
        ck_assert_ptr_eq(hs_beta_find(t->name), t);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(hs_beta_types[j]->name, t->name);
    }
    ck_assert_uint_eq(count, 4);
    ck_assert_ptr_eq(hs_beta_find("ols"), &hs_beta_ols);
    ck_assert_ptr_eq(hs_beta_find("ewma"), &hs_beta_ewma);
    ck_assert_ptr_eq(hs_beta_find("kalman"), &hs_beta_kalman);
    ck_assert_ptr_eq(hs_beta_find("downside"), &hs_beta_downside);
    ck_assert_ptr_null(hs_beta_find("OLS"));
    ck_assert_ptr_null(hs_beta_find(""));
    ck_assert_ptr_null(hs_beta_find(NULL));
}
END_TEST

START_TEST(test_conformance)
{
    /* Each registered type: complete struct, default values init, NaN
     * before hs_beta_warmup observations, finite at it, and non-finite
     * observations leave no trace (a twin fed the same finite data without
     * the junk agrees bit for bit). */
    const size_t n = 400;
    double x[400], y[400];
    simulate(81, n, 1.0, 0.03, 0.02, x, y);
    for (size_t i = 0; i < n; i++) { /* all down: downside warms at once */
        double e = y[i] - x[i];
        x[i] = -0.001 - fabs(x[i]);
        y[i] = x[i] + e; /* y = x + noise: beta 1 */
    }
    for (size_t i = 0; hs_beta_types[i]; i++) {
        const hs_beta_type *t = hs_beta_types[i];
        ck_assert_int_eq(t->version, HS_BETA_TYPE_VERSION);
        ck_assert(t->name && *t->name && t->summary && *t->summary);
        ck_assert(t->params && t->state_size && t->init && t->update &&
                  t->value && t->warmup);
        for (const hs_param *p = t->params; p->name; p++)
            ck_assert_msg(p->def && p->doc, "%s.%s", t->name, p->name);
        hs_values v = defaults(t);
        size_t warm = hs_beta_warmup(t, &v);
        ck_assert_uint_ge(warm, 1);
        ck_assert_uint_lt(warm, n / 2);
        est a = make(t, &v), b = make(t, &v);
        ck_assert_msg(isnan(val(&a)), "%s: value before data", t->name);
        for (size_t k = 0; k < n; k++) {
            upd(&a, x[k], y[k]);
            if (k % 3 == 0) {
                upd(&a, NAN, y[k]);
                upd(&a, x[k], NAN);
                upd(&a, INFINITY, 1.0);
                upd(&a, 1.0, -INFINITY);
            }
            upd(&b, x[k], y[k]);
            double va = val(&a), vb = val(&b);
            if (k + 1 < warm)
                ck_assert_msg(isnan(va), "%s: finite after %zu < %zu obs",
                              t->name, k + 1, warm);
            else
                ck_assert_msg(isfinite(va), "%s: NaN after %zu >= %zu obs",
                              t->name, k + 1, warm);
            ck_assert_msg(memcmp(&va, &vb, sizeof va) == 0,
                          "%s: non-finite input changed the estimate at %zu",
                          t->name, k);
        }
        /* and the estimates are sensible on y = x + noise */
        hs_ck_near(val(&a), 1.0, 0.5);
        drop(&a);
        drop(&b);
    }
}
END_TEST

START_TEST(test_no_lookahead)
{
    /* Two runs over series equal up to step T and different afterwards:
     * every value up to T agrees bit for bit, and later values differ. */
    const size_t n = 1000, T = 700;
    double x1[1000], y1[1000], x2[1000], y2[1000];
    simulate(91, n, 1.2, 0.03, 0.02, x1, y1);
    simulate(92, n, -0.5, 0.05, 0.02, x2, y2);
    memcpy(x2, x1, (T + 1) * sizeof *x1);
    memcpy(y2, y1, (T + 1) * sizeof *y1);
    x2[T + 5] = NAN;
    for (size_t i = 0; hs_beta_types[i]; i++) {
        const hs_beta_type *t = hs_beta_types[i];
        hs_values v = defaults(t);
        est a = make(t, &v), b = make(t, &v);
        int differs = 0;
        for (size_t k = 0; k < n; k++) {
            upd(&a, x1[k], y1[k]);
            upd(&b, x2[k], y2[k]);
            double va = val(&a), vb = val(&b);
            if (k <= T)
                ck_assert_msg(memcmp(&va, &vb, sizeof va) == 0,
                              "%s: step %zu depends on later data", t->name,
                              k);
            else if (va != vb)
                differs = 1;
        }
        ck_assert_msg(differs, "%s: ignores new data", t->name);
        drop(&a);
        drop(&b);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* parameters and errors                                                */

START_TEST(test_warmup_and_size)
{
    hs_values v = defaults(&hs_beta_ols);
    ck_assert_uint_eq(hs_beta_warmup(&hs_beta_ols, &v), 60);
    size_t s60 = hs_beta_ols.state_size(&v);
    set(&v, "window", "100");
    ck_assert_uint_eq(hs_beta_warmup(&hs_beta_ols, &v), 100);
    /* the ring buffer: 2 doubles more per extra observation */
    ck_assert_uint_eq(hs_beta_ols.state_size(&v), s60 + 40 * 2 * sizeof(double));

    v = defaults(&hs_beta_ewma);
    ck_assert_uint_eq(hs_beta_warmup(&hs_beta_ewma, &v), 30);
    v = defaults(&hs_beta_kalman);
    ck_assert_uint_eq(hs_beta_warmup(&hs_beta_kalman, &v), 10);
    v = defaults(&hs_beta_downside);
    ck_assert_uint_eq(hs_beta_warmup(&hs_beta_downside, &v), 10);
    ck_assert_uint_eq(hs_beta_warmup(NULL, &v), 0);
}
END_TEST

START_TEST(test_larger_table)
{
    /* Values parsed for a strategy table that also holds the estimator's
     * keys: init finds them by name. */
    static const hs_param table[] = {
        {"band", HS_PARAM_DOUBLE, "0.1", 0, 1, NULL, "rebalance band"},
        {"window", HS_PARAM_INT, "5", 5, 100000, NULL, "window"},
        HS_PARAM_END};
    hs_values v;
    ck_assert_int_eq(hs_values_init(&v, table), 0);
    est e = make(&hs_beta_ols, &v);
    for (int i = 0; i < 5; i++)
        upd(&e, i, 3 * i + 1);
    hs_ck_near(val(&e), 3.0, 1e-14); /* window 5 was taken from the table */
    drop(&e);
}
END_TEST

START_TEST(test_init_errors)
{
    _Alignas(16) char state[4096];

    /* A value out of range (bypassing hs_values_set's own check). */
    hs_values v = defaults(&hs_beta_ols);
    v.num[hs_param_index(v.table, "window")] = 3;
    hs_error_clear();
    ck_assert_int_eq(hs_beta_ols.init(state, &v), HS_EINVAL);
    ck_assert(strstr(hs_error_last(), "window") != NULL);

    /* A key the values do not hold. */
    static const hs_param other[] = {
        {"band", HS_PARAM_DOUBLE, "0.1", 0, 1, NULL, "rebalance band"},
        HS_PARAM_END};
    ck_assert_int_eq(hs_values_init(&v, other), 0);
    for (size_t i = 0; hs_beta_types[i]; i++) {
        hs_error_clear();
        ck_assert_int_eq(hs_beta_types[i]->init(state, &v), HS_EINVAL);
        ck_assert(strstr(hs_error_last(), "missing") != NULL);
    }

    /* min_down larger than the window. */
    v = defaults(&hs_beta_downside);
    set(&v, "window", "20");
    set(&v, "min_down", "21");
    ck_assert_uint_le(hs_beta_downside.state_size(&v), sizeof state);
    hs_error_clear();
    ck_assert_int_eq(hs_beta_downside.init(state, &v), HS_EINVAL);
    ck_assert(strstr(hs_error_last(), "min_down") != NULL);

    /* Kalman: r must be positive. */
    v = defaults(&hs_beta_kalman);
    v.num[hs_param_index(v.table, "r")] = 0;
    ck_assert_int_eq(hs_beta_kalman.init(state, &v), HS_EINVAL);
    ck_assert(strstr(hs_error_last(), "'r'") != NULL);

    /* EWMA: halflife NaN. */
    v = defaults(&hs_beta_ewma);
    v.num[hs_param_index(v.table, "halflife")] = NAN;
    ck_assert_int_eq(hs_beta_ewma.init(state, &v), HS_EINVAL);
}
END_TEST

static Suite *beta_suite(void)
{
    Suite *s = suite_create("beta");
    TCase *tc = tcase_create("estimators");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_ols_hand);
    tcase_add_test(tc, test_ols_gsl);
    tcase_add_test(tc, test_ols_long_run);
    tcase_add_test(tc, test_ols_after_burst);
    tcase_add_test(tc, test_ewma_hand);
    tcase_add_test(tc, test_ewma_direct);
    tcase_add_test(tc, test_ewma_min_obs);
    tcase_add_test(tc, test_downside_hand);
    tcase_add_test(tc, test_downside_gsl);
    tcase_add_test(tc, test_kalman_hand);
    tcase_add_test(tc, test_kalman_static_is_bayes);
    tcase_add_test(tc, test_kalman_constant_beta);
    tcase_add_test(tc, test_kalman_step_change);
    suite_add_tcase(s, tc);

    tc = tcase_create("framework");
    tcase_add_test(tc, test_registry);
    tcase_add_test(tc, test_conformance);
    tcase_add_test(tc, test_no_lookahead);
    tcase_add_test(tc, test_warmup_and_size);
    tcase_add_test(tc, test_larger_table);
    tcase_add_test(tc, test_init_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return hs_test_main(beta_suite()); }
