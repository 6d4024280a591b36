/* Tests of the price module: Black-Scholes and Black-76 prices and greeks,
 * implied volatility, coin-settled (inverse) conversions, and agreement with
 * real Deribit option-chain snapshots in datasets/options/. */
#include "testutil.h"

#include "hedgesim/csv.h"
#include "hedgesim/price.h"

#include <float.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define NELEM(a) (sizeof(a) / sizeof *(a))

static const hs_model models[] = {HS_MODEL_BS, HS_MODEL_BLACK76};
static const hs_right rights[] = {HS_CALL, HS_PUT};

static hs_greeks price_of(hs_model m, hs_right right, double U, double K,
                          double T, double r, double sigma)
{
    hs_greeks g;
    int rc = hs_price(m, right, U, K, T, r, sigma, &g);
    ck_assert_msg(rc == 0, "hs_price failed: %s", hs_error_last());
    return g;
}

/* ---- textbook values ---------------------------------------------------- */

/* Hull, "Options, Futures, and Other Derivatives", 8th ed., Example 15.6:
 * S0 = 42, K = 40, r = 10 %, sigma = 20 %, T = 0.5: c = 4.76, p = 0.81.
 * More digits from an independent computation (python3 with math.erf:
 * N(x) = (1 + erf(x / sqrt 2)) / 2 and the Black-Scholes formula):
 * c = 4.7594223929, p = 0.8085993729. */
START_TEST(test_hull_example_15_6)
{
    hs_greeks c, p;
    ck_assert_int_eq(hs_bs(HS_CALL, 42, 40, 0.5, 0.10, 0.20, &c), 0);
    ck_assert_int_eq(hs_bs(HS_PUT, 42, 40, 0.5, 0.10, 0.20, &p), 0);
    hs_ck_near(c.price, 4.76, 0.005); /* Hull prints cents */
    hs_ck_near(p.price, 0.81, 0.005);
    hs_ck_near(c.price, 4.7594223929, 1e-9);
    hs_ck_near(p.price, 0.8085993729, 1e-9);
}
END_TEST

/* Hull, 8th ed., chapter 18 "The Greek Letters" (chapter 19 in the 9th),
 * the running example of that chapter: a call with S0 = 49, K = 50,
 * r = 5 %, sigma = 20 %, T = 20 weeks = 0.3846 years.  Printed values:
 * delta 0.522 (Example 18.1 as best we can cite the numbering), theta
 * -4.31 per year (Example 18.2), gamma 0.066 (Example 18.4), vega 12.1 per
 * 1.00 of vol (Example 18.6), rho 8.91 per 1.00 of rate (Example 18.7);
 * the price, $2.40, is in sec. 18.1.  More digits (python3 with math.erf):
 * price 2.4004610870, delta 0.5216016340, gamma 0.0655453773,
 * vega 12.1052427542, theta -4.3053899645, rho 8.9065740988. */
START_TEST(test_hull_greeks_chapter_18)
{
    hs_greeks g;
    ck_assert_int_eq(hs_bs(HS_CALL, 49, 50, 0.3846, 0.05, 0.20, &g), 0);
    hs_ck_near(g.price, 2.40, 0.005);
    hs_ck_near(g.delta, 0.522, 0.0005);
    hs_ck_near(g.gamma, 0.066, 0.0005);
    hs_ck_near(g.vega, 12.1, 0.05);
    hs_ck_near(g.theta, -4.31, 0.005);
    hs_ck_near(g.rho, 8.91, 0.005);
    hs_ck_near(g.price, 2.4004610870, 1e-9);
    hs_ck_near(g.delta, 0.5216016340, 1e-9);
    hs_ck_near(g.gamma, 0.0655453773, 1e-9);
    hs_ck_near(g.vega, 12.1052427542, 1e-8);
    hs_ck_near(g.theta, -4.3053899645, 1e-8);
    hs_ck_near(g.rho, 8.9065740988, 1e-8);
    /* Hull's per-day theta: -4.31 / 365 = -0.0118 per calendar day. */
    hs_ck_near(g.theta / 365, -0.0118, 0.00005);
}
END_TEST

/* Black's model: Hull, 8th ed., sec. 17.8, the crude-oil futures put:
 * F0 = K = 20, r = 9 %, sigma = 25 %, T = 4 months: p = 1.12 (and c = p
 * at the money forward).  Independent value (python3, math.erf):
 * 1.1166414566. */
START_TEST(test_hull_black76)
{
    hs_greeks p, c;
    ck_assert_int_eq(hs_black76(HS_PUT, 20, 20, 4.0 / 12, 0.09, 0.25, &p), 0);
    ck_assert_int_eq(hs_black76(HS_CALL, 20, 20, 4.0 / 12, 0.09, 0.25, &c), 0);
    hs_ck_near(p.price, 1.12, 0.005);
    hs_ck_near(p.price, 1.1166414566, 1e-9);
    hs_ck_near(c.price, p.price, 1e-13);
}
END_TEST

/* ---- identities and finite differences ---------------------------------- */

static const double grid_S[] = {40, 80, 100, 125, 250};
static const double grid_T[] = {0.01, 0.25, 1.0, 4.0};
static const double grid_sigma[] = {0.05, 0.3, 0.8, 2.0};
static const double grid_r[] = {-0.02, 0.0, 0.05, 0.12};
#define GRID_K 100.0

/* Put-call parity: BS c - p = S - K e^{-rT}; Black-76 c - p = e^{-rT}(F - K)
 * (Hull, 8th ed., eq. 11.6 and sec. 17.8).  Exact up to rounding: the
 * tolerance is 1e-12 of the larger of S (or F) and K. */
START_TEST(test_put_call_parity)
{
    int n = 0;
    for (size_t m = 0; m < NELEM(models); m++)
        for (size_t a = 0; a < NELEM(grid_S); a++)
            for (size_t b = 0; b < NELEM(grid_T); b++)
                for (size_t c = 0; c < NELEM(grid_sigma); c++)
                    for (size_t d = 0; d < NELEM(grid_r); d++) {
                        double U = grid_S[a], K = GRID_K, T = grid_T[b];
                        double s = grid_sigma[c], r = grid_r[d];
                        hs_greeks cg =
                            price_of(models[m], HS_CALL, U, K, T, r, s);
                        hs_greeks pg =
                            price_of(models[m], HS_PUT, U, K, T, r, s);
                        double D = exp(-r * T);
                        double want =
                            models[m] == HS_MODEL_BS ? U - K * D : D * (U - K);
                        hs_ck_near(cg.price - pg.price, want,
                                   1e-12 * fmax(U, K));
                        /* deltas differ by 1 (BS) or D (Black-76) */
                        hs_ck_near(cg.delta - pg.delta,
                                   models[m] == HS_MODEL_BS ? 1.0 : D, 1e-13);
                        hs_ck_near(cg.gamma, pg.gamma,
                                   1e-13 * fabs(cg.gamma) + 1e-300);
                        hs_ck_near(cg.vega, pg.vega,
                                   1e-13 * fabs(cg.vega) + 1e-300);
                        ck_assert(cg.price >= 0 && pg.price >= 0);
                        n++;
                    }
    ck_assert_int_eq(n, 2 * 5 * 4 * 4 * 4);
}
END_TEST

/* Each greek against a central finite difference of the model over the
 * grid.  Steps are relative (h = 1e-5 of S, T; absolute 1e-5 for sigma and
 * r), so the truncation error (h^2/6 times a third derivative) is of order
 * 1e-10 relative and the rounding error (1e-16 * price / h) of order 1e-9
 * at these magnitudes.  Gamma is checked against differences of the
 * analytic delta (itself checked against the price), which avoids the
 * h^2 in the denominator of a second difference.  Tolerance on each greek:
 * 1e-6 relative plus 1e-7 times the price scale max(S, K) / (h scale). */
static void check_fd(hs_model m, hs_right right, double U, double K, double T,
                     double r, double s)
{
    hs_greeks g = price_of(m, right, U, K, T, r, s);
    double hU = 1e-5 * U, hT = 1e-5 * T, hs = 1e-5, hr = 1e-5;
    hs_greeks up, dn;
    double fd, tol;
    const double rtol = 1e-6;

    up = price_of(m, right, U + hU, K, T, r, s);
    dn = price_of(m, right, U - hU, K, T, r, s);
    fd = (up.price - dn.price) / (2 * hU);
    tol = rtol * fabs(g.delta) + 1e-7;
    ck_assert_msg(fabs(fd - g.delta) <= tol,
                  "delta %s %s U=%g T=%g r=%g s=%g: %.12g vs fd %.12g",
                  hs_model_name(m), hs_right_name(right), U, T, r, s, g.delta,
                  fd);
    fd = (up.delta - dn.delta) / (2 * hU);
    tol = rtol * fabs(g.gamma) + 1e-7 / U;
    ck_assert_msg(fabs(fd - g.gamma) <= tol,
                  "gamma %s %s U=%g T=%g r=%g s=%g: %.12g vs fd %.12g",
                  hs_model_name(m), hs_right_name(right), U, T, r, s, g.gamma,
                  fd);

    up = price_of(m, right, U, K, T, r, s + hs);
    dn = price_of(m, right, U, K, T, r, s - hs);
    fd = (up.price - dn.price) / (2 * hs);
    tol = rtol * fabs(g.vega) + 1e-7 * fmax(U, K);
    ck_assert_msg(fabs(fd - g.vega) <= tol,
                  "vega %s %s U=%g T=%g r=%g s=%g: %.12g vs fd %.12g",
                  hs_model_name(m), hs_right_name(right), U, T, r, s, g.vega,
                  fd);

    /* theta = -dV/dT */
    up = price_of(m, right, U, K, T + hT, r, s);
    dn = price_of(m, right, U, K, T - hT, r, s);
    fd = -(up.price - dn.price) / (2 * hT);
    tol = rtol * fabs(g.theta) + 1e-7 * fmax(U, K) / T;
    ck_assert_msg(fabs(fd - g.theta) <= tol,
                  "theta %s %s U=%g T=%g r=%g s=%g: %.12g vs fd %.12g",
                  hs_model_name(m), hs_right_name(right), U, T, r, s, g.theta,
                  fd);

    up = price_of(m, right, U, K, T, r + hr, s);
    dn = price_of(m, right, U, K, T, r - hr, s);
    fd = (up.price - dn.price) / (2 * hr);
    tol = rtol * fabs(g.rho) + 1e-7 * fmax(U, K);
    ck_assert_msg(fabs(fd - g.rho) <= tol,
                  "rho %s %s U=%g T=%g r=%g s=%g: %.12g vs fd %.12g",
                  hs_model_name(m), hs_right_name(right), U, T, r, s, g.rho,
                  fd);
}

START_TEST(test_greeks_finite_differences)
{
    int n = 0;
    for (size_t m = 0; m < NELEM(models); m++)
        for (size_t q = 0; q < NELEM(rights); q++)
            for (size_t a = 0; a < NELEM(grid_S); a++)
                for (size_t b = 0; b < NELEM(grid_T); b++)
                    for (size_t c = 0; c < NELEM(grid_sigma); c++)
                        for (size_t d = 0; d < NELEM(grid_r); d++) {
                            check_fd(models[m], rights[q], grid_S[a], GRID_K,
                                     grid_T[b], grid_r[d], grid_sigma[c]);
                            n++;
                        }
    ck_assert_int_eq(n, 2 * 2 * 5 * 4 * 4 * 4);
}
END_TEST

/* Black-76 on F equals Black-Scholes on S = F e^{-rT} for price, vega and
 * the F-delta times e^{rT}... checked on price, vega and the chain rule
 * delta_S = delta_F * dF/dS = delta_F e^{rT}. */
START_TEST(test_black76_matches_bs_on_forward)
{
    for (size_t a = 0; a < NELEM(grid_S); a++)
        for (size_t b = 0; b < NELEM(grid_T); b++)
            for (size_t q = 0; q < NELEM(rights); q++) {
                double S = grid_S[a], T = grid_T[b], r = 0.05, s = 0.6;
                double F = S * exp(r * T);
                hs_greeks bs =
                    price_of(HS_MODEL_BS, rights[q], S, GRID_K, T, r, s);
                hs_greeks b76 =
                    price_of(HS_MODEL_BLACK76, rights[q], F, GRID_K, T, r, s);
                hs_ck_near(b76.price, bs.price, 1e-12 * fmax(S, GRID_K));
                hs_ck_near(b76.vega, bs.vega, 1e-12 * fmax(S, GRID_K));
                hs_ck_near(b76.delta * exp(r * T), bs.delta, 1e-13);
            }
}
END_TEST

/* ---- edge cases -----------------------------------------------------------
 */

START_TEST(test_expired)
{
    for (size_t m = 0; m < NELEM(models); m++) {
        hs_greeks g;
        g = price_of(models[m], HS_CALL, 110, 100, 0, 0.05, 0.5);
        hs_ck_near(g.price, 10, 0);
        hs_ck_near(g.delta, 1, 0);
        ck_assert(g.gamma == 0 && g.vega == 0 && g.theta == 0 && g.rho == 0);
        g = price_of(models[m], HS_PUT, 110, 100, 0, 0.05, 0.5);
        hs_ck_near(g.price, 0, 0);
        hs_ck_near(g.delta, 0, 0);
        g = price_of(models[m], HS_PUT, 90, 100, 0, 0.05, 0.5);
        hs_ck_near(g.price, 10, 0);
        hs_ck_near(g.delta, -1, 0);
        ck_assert(g.gamma == 0 && g.vega == 0 && g.theta == 0 && g.rho == 0);
        g = price_of(models[m], HS_CALL, 90, 100, 0, 0.05, 0);
        hs_ck_near(g.price, 0, 0);
        hs_ck_near(g.delta, 0, 0);
        /* exactly at the money: the limit T -> 0+ of delta */
        g = price_of(models[m], HS_CALL, 100, 100, 0, 0.05, 0.5);
        hs_ck_near(g.delta, 0.5, 0);
        g = price_of(models[m], HS_PUT, 100, 100, 0, 0.05, 0.5);
        hs_ck_near(g.delta, -0.5, 0);
        /* a very short expiry converges to the expired values */
        hs_greeks e = price_of(models[m], HS_PUT, 90, 100, 1e-12, 0.05, 0.5);
        hs_ck_near(e.price, 10, 1e-9);
        hs_ck_near(e.delta, -1, 1e-9);
    }
}
END_TEST

/* sigma == 0: the discounted intrinsic value of the forward, and greeks
 * equal to the limits as sigma -> 0+ (compared with sigma = 1e-9, where
 * away from the money the normal tails are far below rounding). */
START_TEST(test_zero_vol)
{
    const double T = 0.5, r = 0.04, K = 100;
    const double D = exp(-r * T);
    const double Us[] = {80, 120};
    for (size_t m = 0; m < NELEM(models); m++)
        for (size_t q = 0; q < NELEM(rights); q++)
            for (size_t a = 0; a < NELEM(Us); a++) {
                double U = Us[a];
                hs_greeks g = price_of(models[m], rights[q], U, K, T, r, 0);
                hs_greeks t = price_of(models[m], rights[q], U, K, T, r, 1e-9);
                double F = models[m] == HS_MODEL_BS ? U / D : U;
                double want = rights[q] == HS_CALL ? D * fmax(F - K, 0)
                                                   : D * fmax(K - F, 0);
                hs_ck_near(g.price, want, 1e-12 * K);
                hs_ck_near(g.price, t.price, 1e-12 * K);
                hs_ck_near(g.delta, t.delta, 1e-12);
                hs_ck_near(g.gamma, 0, 0);
                hs_ck_near(g.vega, t.vega, 1e-12);
                hs_ck_near(g.theta, t.theta, 1e-10 * K);
                hs_ck_near(g.rho, t.rho, 1e-10 * K);
            }
    /* At the money forward the vega limit is e^{-rT} F sqrt(T) / sqrt(2 pi)
     * for Black-76, and the delta limit 0.5 e^{-rT}. */
    hs_greeks g = price_of(HS_MODEL_BLACK76, HS_CALL, K, K, T, r, 0);
    hs_ck_near(g.price, 0, 0);
    hs_ck_near(g.vega, D * K * sqrt(T) / sqrt(2 * M_PI), 1e-12 * K);
    hs_ck_near(g.delta, 0.5 * D, 1e-15);
}
END_TEST

START_TEST(test_invalid_inputs)
{
    const hs_greeks sentinel = {1, 2, 3, 4, 5, 6};
    struct {
        double U, K, T, r, s;
    } bad[] = {
        {0, 100, 1, 0, 0.2},          {-1, 100, 1, 0, 0.2},
        {100, 0, 1, 0, 0.2},          {100, -5, 1, 0, 0.2},
        {100, 100, -0.1, 0, 0.2},     {100, 100, 1, 0, -0.2},
        {NAN, 100, 1, 0, 0.2},        {100, INFINITY, 1, 0, 0.2},
        {100, 100, NAN, 0, 0.2},      {100, 100, 1, NAN, 0.2},
        {100, 100, 1, INFINITY, 0.2}, {100, 100, 1, 0, INFINITY},
    };
    for (size_t m = 0; m < NELEM(models); m++)
        for (size_t i = 0; i < NELEM(bad); i++) {
            hs_greeks g = sentinel;
            hs_error_clear();
            int rc = hs_price(models[m], HS_CALL, bad[i].U, bad[i].K, bad[i].T,
                              bad[i].r, bad[i].s, &g);
            ck_assert_int_eq(rc, HS_EINVAL);
            ck_assert(strlen(hs_error_last()) > 0);
            ck_assert(memcmp(&g, &sentinel, sizeof g) == 0);
        }
    ck_assert_int_eq(hs_bs(HS_CALL, 100, 100, 1, 0, 0.2, NULL), HS_EINVAL);
    hs_greeks g;
    ck_assert_int_eq(hs_bs((hs_right)7, 100, 100, 1, 0, 0.2, &g), HS_EINVAL);
    ck_assert_int_eq(hs_price((hs_model)9, HS_CALL, 100, 100, 1, 0, 0.2, &g),
                     HS_EINVAL);
}
END_TEST

START_TEST(test_names_and_parsing)
{
    hs_right r;
    hs_model m;
    ck_assert_int_eq(hs_right_parse("Call", &r), 0);
    ck_assert_int_eq(r, HS_CALL);
    ck_assert_int_eq(hs_right_parse("p", &r), 0);
    ck_assert_int_eq(r, HS_PUT);
    ck_assert_int_eq(hs_right_parse("straddle", &r), HS_EINVAL);
    ck_assert(strstr(hs_error_last(), "straddle") != NULL);
    ck_assert_int_eq(hs_model_parse("black76", &m), 0);
    ck_assert_int_eq(m, HS_MODEL_BLACK76);
    ck_assert_int_eq(hs_model_parse("BS", &m), 0);
    ck_assert_int_eq(m, HS_MODEL_BS);
    ck_assert_int_eq(hs_model_parse("heston", &m), HS_EINVAL);
    ck_assert_str_eq(hs_right_name(HS_PUT), "put");
    ck_assert_str_eq(hs_model_name(HS_MODEL_BLACK76), "black76");
}
END_TEST

/* ---- implied volatility ---------------------------------------------------
 */

/* Round trip over a grid: price at sigma, solve, compare.  The achievable
 * accuracy is set by conditioning: a price known to a few ulps (4 eps of
 * max(S, K)) pins sigma to about that over vega, so the tolerance is
 * 1e-10 + 4 eps max(S, K) / vega (and the solver's own vol_tol 1e-12). */
START_TEST(test_iv_round_trip)
{
    static const double Ks[] = {50, 80, 100, 120, 200};
    static const double Ts[] = {1.0 / 365, 0.1, 1.0, 5.0};
    static const double sig[] = {0.05, 0.2, 0.8, 1.5, 3.0};
    static const double rs[] = {-0.01, 0.0, 0.05};
    hs_iv_solver *solver = NULL;
    ck_assert_int_eq(hs_iv_solver_new(&solver, NULL), 0);
    int n = 0, checked = 0;
    for (size_t m = 0; m < NELEM(models); m++)
        for (size_t q = 0; q < NELEM(rights); q++)
            for (size_t a = 0; a < NELEM(Ks); a++)
                for (size_t b = 0; b < NELEM(Ts); b++)
                    for (size_t c = 0; c < NELEM(sig); c++)
                        for (size_t d = 0; d < NELEM(rs); d++) {
                            double U = 100, K = Ks[a], T = Ts[b];
                            double s = sig[c], r = rs[d];
                            hs_greeks g =
                                price_of(models[m], rights[q], U, K, T, r, s);
                            double iv;
                            hs_iv_status st;
                            int rc = hs_iv_solver_solve(solver, models[m],
                                                        rights[q], U, K, T, r,
                                                        g.price, &iv, &st);
                            ck_assert_int_eq(rc, 0);
                            n++;
                            /* Where the time value is below rounding of the
                             * price (deep in or out of the money, short
                             * expiry, low vol) no solver can recover sigma:
                             * the status must then say so, never a number. */
                            double tol =
                                1e-10 + 4 * DBL_EPSILON * fmax(U, K) / g.vega;
                            if (!(g.vega > 0) || tol > 1e-3) {
                                if (st == HS_IV_OK) {
                                    hs_greeks back = price_of(
                                        models[m], rights[q], U, K, T, r, iv);
                                    ck_assert(fabs(back.price - g.price) <=
                                              1e-12 * fmax(U, K));
                                } else {
                                    ck_assert(isnan(iv));
                                }
                                continue;
                            }
                            ck_assert_msg(
                                st == HS_IV_OK,
                                "%s %s K=%g T=%g s=%g r=%g: status %s",
                                hs_model_name(models[m]),
                                hs_right_name(rights[q]), K, T, s, r,
                                hs_iv_status_name(st));
                            ck_assert_msg(
                                fabs(iv - s) <= tol,
                                "%s %s K=%g T=%g s=%g r=%g: iv %.15g (tol %g)",
                                hs_model_name(models[m]),
                                hs_right_name(rights[q]), K, T, s, r, iv, tol);
                            checked++;
                        }
    hs_iv_solver_free(solver);
    ck_assert_int_eq(n, 2 * 2 * 5 * 4 * 5 * 3);
    /* most of the grid is well conditioned */
    printf("implied vol round trip: %d of %d grid points well conditioned "
           "and within tolerance\n",
           checked, n);
    ck_assert_msg(checked >= n * 3 / 4, "only %d of %d checked", checked, n);
}
END_TEST

static void expect_status(hs_model m, hs_right right, double U, double K,
                          double T, double r, double price,
                          const hs_iv_opts *opts, int want_rc,
                          hs_iv_status want)
{
    double iv = 0.25;
    hs_iv_status st = HS_IV_OK;
    int rc = hs_implied_vol(right, U, K, T, r, price, m, opts, &iv, &st);
    ck_assert_msg(rc == want_rc, "rc %d, want %d", rc, want_rc);
    ck_assert_msg(st == want, "status %s, want %s", hs_iv_status_name(st),
                  hs_iv_status_name(want));
    if (want == HS_IV_OK)
        ck_assert(isfinite(iv));
    else
        ck_assert_msg(isnan(iv), "iv %g with status %s", iv,
                      hs_iv_status_name(st));
}

START_TEST(test_iv_statuses)
{
    const double T = 0.5, r = 0.05, D = exp(-r * T);
    for (size_t m = 0; m < NELEM(models); m++) {
        hs_model mo = models[m];
        /* lower bounds: BS call S - K D, Black-76 call D (F - K) */
        double lower_call = mo == HS_MODEL_BS ? 120 - 100 * D : D * 20;
        double lower_put = mo == HS_MODEL_BS ? 100 * D - 80 : D * 20;
        expect_status(mo, HS_CALL, 120, 100, T, r, lower_call * 0.99, NULL, 0,
                      HS_IV_BELOW_INTRINSIC);
        expect_status(mo, HS_CALL, 120, 100, T, r, lower_call, NULL, 0,
                      HS_IV_BELOW_INTRINSIC);
        expect_status(mo, HS_PUT, 80, 100, T, r, lower_put - 0.01, NULL, 0,
                      HS_IV_BELOW_INTRINSIC);
        expect_status(mo, HS_CALL, 120, 100, T, r, lower_call + 0.5, NULL, 0,
                      HS_IV_OK);
        /* upper bounds: BS call S, Black-76 call F D, put K D */
        double upper_call = mo == HS_MODEL_BS ? 120 : 120 * D;
        expect_status(mo, HS_CALL, 120, 100, T, r, upper_call, NULL, 0,
                      HS_IV_ABOVE_MAX);
        expect_status(mo, HS_CALL, 120, 100, T, r, upper_call + 1, NULL, 0,
                      HS_IV_ABOVE_MAX);
        expect_status(mo, HS_PUT, 120, 100, T, r, 100 * D, NULL, 0,
                      HS_IV_ABOVE_MAX);
        expect_status(mo, HS_CALL, 100, 100, 0, r, 5, NULL, 0, HS_IV_ZERO_TIME);
        expect_status(mo, HS_CALL, 100, 100, T, r, 0, NULL, 0,
                      HS_IV_ZERO_PRICE);
        /* bad inputs: HS_EINVAL with a message */
        expect_status(mo, HS_CALL, -100, 100, T, r, 5, NULL, HS_EINVAL,
                      HS_IV_BAD_INPUT);
        expect_status(mo, HS_CALL, 100, 0, T, r, 5, NULL, HS_EINVAL,
                      HS_IV_BAD_INPUT);
        expect_status(mo, HS_CALL, 100, 100, -1, r, 5, NULL, HS_EINVAL,
                      HS_IV_BAD_INPUT);
        expect_status(mo, HS_CALL, 100, 100, T, r, -5, NULL, HS_EINVAL,
                      HS_IV_BAD_INPUT);
        expect_status(mo, HS_CALL, 100, 100, T, NAN, 5, NULL, HS_EINVAL,
                      HS_IV_BAD_INPUT);
        expect_status(mo, HS_CALL, 100, 100, T, r, INFINITY, NULL, HS_EINVAL,
                      HS_IV_BAD_INPUT);
        /* the root lies outside a narrowed bracket */
        hs_iv_opts o = HS_IV_OPTS_INIT;
        o.vol_min = 0.5;
        o.vol_max = 0.9;
        hs_greeks lo = price_of(mo, HS_CALL, 100, 100, T, r, 0.2);
        hs_greeks hi = price_of(mo, HS_CALL, 100, 100, T, r, 1.5);
        expect_status(mo, HS_CALL, 100, 100, T, r, lo.price, &o, 0,
                      HS_IV_VOL_BELOW_MIN);
        expect_status(mo, HS_CALL, 100, 100, T, r, hi.price, &o, 0,
                      HS_IV_VOL_ABOVE_MAX);
        /* one Brent iteration cannot meet a 1e-12 tolerance */
        o = (hs_iv_opts)HS_IV_OPTS_INIT;
        o.max_iter = 1;
        hs_greeks mid = price_of(mo, HS_CALL, 100, 100, T, r, 0.7);
        expect_status(mo, HS_CALL, 100, 100, T, r, mid.price, &o, 0,
                      HS_IV_NO_CONVERGENCE);
        o.max_iter = 200;
        expect_status(mo, HS_CALL, 100, 100, T, r, mid.price, &o, 0, HS_IV_OK);
    }
    /* bad options and NULL outputs */
    hs_iv_opts bad = HS_IV_OPTS_INIT;
    bad.vol_min = 0;
    expect_status(HS_MODEL_BS, HS_CALL, 100, 100, 1, 0, 10, &bad, HS_EINVAL,
                  HS_IV_BAD_INPUT);
    bad = (hs_iv_opts)HS_IV_OPTS_INIT;
    bad.vol_max = 1e-7;
    expect_status(HS_MODEL_BS, HS_CALL, 100, 100, 1, 0, 10, &bad, HS_EINVAL,
                  HS_IV_BAD_INPUT);
    bad = (hs_iv_opts)HS_IV_OPTS_INIT;
    bad.vol_tol = 0;
    expect_status(HS_MODEL_BS, HS_CALL, 100, 100, 1, 0, 10, &bad, HS_EINVAL,
                  HS_IV_BAD_INPUT);
    bad = (hs_iv_opts)HS_IV_OPTS_INIT;
    bad.intrinsic_rtol = -1;
    expect_status(HS_MODEL_BS, HS_CALL, 100, 100, 1, 0, 10, &bad, HS_EINVAL,
                  HS_IV_BAD_INPUT);
    bad = (hs_iv_opts)HS_IV_OPTS_INIT;
    bad.max_iter = 0;
    expect_status(HS_MODEL_BS, HS_CALL, 100, 100, 1, 0, 10, &bad, HS_EINVAL,
                  HS_IV_BAD_INPUT);
    hs_iv_status st;
    ck_assert_int_eq(hs_implied_vol(HS_CALL, 100, 100, 1, 0, 10, HS_MODEL_BS,
                                    NULL, NULL, &st),
                     HS_EINVAL);
    ck_assert_int_eq(st, HS_IV_BAD_INPUT);
    static char dummy;
    hs_iv_solver *s = (hs_iv_solver *)(void *)&dummy; /* reset to NULL */
    ck_assert_int_eq(hs_iv_solver_new(&s, &bad), HS_EINVAL);
    ck_assert_ptr_null(s);
    hs_iv_solver_free(NULL);
}
END_TEST

START_TEST(test_iv_status_names)
{
    ck_assert_str_eq(hs_iv_status_name(HS_IV_OK), "ok");
    ck_assert_str_eq(hs_iv_status_name(HS_IV_BELOW_INTRINSIC),
                     "below_intrinsic");
    ck_assert_str_eq(hs_iv_status_name(HS_IV_ABOVE_MAX), "above_max");
    ck_assert_str_eq(hs_iv_status_name(HS_IV_ZERO_TIME), "zero_time");
    ck_assert_str_eq(hs_iv_status_name(HS_IV_ZERO_PRICE), "zero_price");
    ck_assert_str_eq(hs_iv_status_name(HS_IV_NO_CONVERGENCE), "no_convergence");
    ck_assert_str_eq(hs_iv_status_name(HS_IV_BAD_INPUT), "bad_input");
    ck_assert_str_eq(hs_iv_status_name((hs_iv_status)99), "unknown");
    for (int i = 0; i < HS_IV_NSTATUS; i++) {
        ck_assert(strlen(hs_iv_status_name((hs_iv_status)i)) > 0);
        ck_assert(strlen(hs_iv_status_describe((hs_iv_status)i)) > 0);
    }
}
END_TEST

/* ---- coin-settled (inverse) options ------------------------------------- */

START_TEST(test_inverse)
{
    hs_ck_near(hs_inverse_to_usd(0.04010621, 9352.58), 0.04010621 * 9352.58, 0);
    hs_ck_near(hs_inverse_from_usd(375.1, 9352.58), 375.1 / 9352.58, 0);
    hs_ck_near(hs_inverse_from_usd(hs_inverse_to_usd(0.123, 9000), 9000), 0.123,
               1e-16);
    /* coin greeks against finite differences of V_c(F) = V(F) / F */
    const double Fs[] = {6000, 9350, 14000};
    for (size_t a = 0; a < NELEM(Fs); a++)
        for (size_t q = 0; q < NELEM(rights); q++) {
            double F = Fs[a], K = 9250, T = 0.1, r = 0, s = 0.8, h = 1e-4 * F;
            hs_greeks usd =
                price_of(HS_MODEL_BLACK76, rights[q], F, K, T, r, s);
            hs_greeks c;
            ck_assert_int_eq(hs_inverse_greeks(&usd, F, &c), 0);
            hs_greeks up =
                price_of(HS_MODEL_BLACK76, rights[q], F + h, K, T, r, s);
            hs_greeks dn =
                price_of(HS_MODEL_BLACK76, rights[q], F - h, K, T, r, s);
            hs_ck_near(c.price, usd.price / F, 1e-15);
            double dvc = (up.price / (F + h) - dn.price / (F - h)) / (2 * h);
            hs_ck_near(c.delta, F * dvc, 1e-7);
            hs_greeks cu, cd;
            ck_assert_int_eq(hs_inverse_greeks(&up, F + h, &cu), 0);
            ck_assert_int_eq(hs_inverse_greeks(&dn, F - h, &cd), 0);
            hs_ck_near(c.gamma, (cu.delta - cd.delta) / (2 * h),
                       1e-6 * fabs(c.gamma) + 1e-12);
            hs_ck_near(c.vega, usd.vega / F, 1e-15);
            hs_ck_near(c.theta, usd.theta / F, 1e-15);
        }
    hs_greeks g = {0}, out;
    ck_assert_int_eq(hs_inverse_greeks(&g, 0, &out), HS_EINVAL);
    ck_assert_int_eq(hs_inverse_greeks(NULL, 1, &out), HS_EINVAL);
}
END_TEST

/* ---- real Deribit snapshots ---------------------------------------------- */

static const char *options_dir(void)
{
    const char *e = getenv("HS_OPTIONS_DIR");
    return e && *e ? e : "datasets/options";
}

typedef struct snap_row {
    char name[40];
    hs_right right;
    double K, F, T; /* T in years of 365 days */
    double mark;    /* mark_price, coin */
    double iv_pct;  /* mark_iv, percent */
    int has_greeks;
    double delta, gamma, vega, theta, rho; /* the exchange's */
} snap_row;

typedef struct snap {
    snap_row *row;
    size_t n, cap;
} snap;

static void snap_push(snap *s, const snap_row *r)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        s->row = realloc(s->row, s->cap * sizeof *s->row);
        ck_assert_ptr_nonnull(s->row);
    }
    s->row[s->n++] = *r;
}

/* Value of 'key': in a Python dict repr, e.g. "{'vega': 5.49, ...}". */
static int dict_value(const char *text, const char *key, double *out)
{
    char pat[32];
    snprintf(pat, sizeof pat, "'%s': ", key);
    const char *p = strstr(text, pat);
    if (!p)
        return -1;
    char *end;
    *out = strtod(p + strlen(pat), &end);
    return end == p + strlen(pat) ? -1 : 0;
}

static int col(hs_csv *c, const char *name)
{
    int i = hs_csv_column(c, name);
    ck_assert_msg(i >= 0, "%s: no column '%s'", hs_csv_path(c), name);
    return i;
}

/* The 2020 files: Deribit public/ticker dumps. */
static void load_2020(const char *rel, snap *out)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", options_dir(), rel);
    hs_csv *c = NULL;
    ck_assert_msg(hs_csv_open(&c, path) == 0, "%s", hs_error_last());
    ck_assert_int_eq(hs_csv_next(c), 0);
    int c_exp = col(c, "expiration_timestamp"), c_ts = col(c, "timestamp");
    int c_type = col(c, "option_type"), c_name = col(c, "instrument_name");
    int c_k = col(c, "strike"), c_f = col(c, "underlying_price");
    int c_mark = col(c, "mark_price"), c_iv = col(c, "mark_iv");
    int c_rate = col(c, "interest_rate"), c_greeks = col(c, "greeks");
    int rc;
    while ((rc = hs_csv_next(c)) == 0) {
        snap_row r = {0};
        double exp_ms, ts_ms, rate;
        ck_assert_int_eq(hs_right_parse(hs_csv_field(c, c_type), &r.right), 0);
        snprintf(r.name, sizeof r.name, "%s", hs_csv_field(c, c_name));
        ck_assert_int_eq(
            hs_csv_double(c, c_exp, "expiration_timestamp", &exp_ms), 0);
        ck_assert_int_eq(hs_csv_double(c, c_ts, "timestamp", &ts_ms), 0);
        ck_assert_int_eq(hs_csv_double(c, c_k, "strike", &r.K), 0);
        ck_assert_int_eq(hs_csv_double(c, c_f, "underlying_price", &r.F), 0);
        ck_assert_int_eq(hs_csv_double(c, c_mark, "mark_price", &r.mark), 0);
        ck_assert_int_eq(hs_csv_double(c, c_iv, "mark_iv", &r.iv_pct), 0);
        ck_assert_int_eq(hs_csv_double(c, c_rate, "interest_rate", &rate), 0);
        ck_assert(rate == 0); /* the premise of r = 0 below */
        r.T = (exp_ms - ts_ms) / (1000.0 * 86400.0 * 365.0);
        const char *gk = hs_csv_field(c, c_greeks);
        r.has_greeks = dict_value(gk, "delta", &r.delta) == 0 &&
                       dict_value(gk, "gamma", &r.gamma) == 0 &&
                       dict_value(gk, "vega", &r.vega) == 0 &&
                       dict_value(gk, "theta", &r.theta) == 0 &&
                       dict_value(gk, "rho", &r.rho) == 0;
        snap_push(out, &r);
    }
    ck_assert_int_eq(rc, HS_ITEROVER);
    hs_csv_close(c);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double intrinsic(hs_right right, double F, double K)
{
    return right == HS_CALL ? fmax(F - K, 0) : fmax(K - F, 0);
}

/* The minimum price tick of Deribit BTC options, 0.0005 BTC.  A price below
 * it, or a time value (price minus intrinsic value of the forward) below it,
 * carries too little information about volatility to compare IVs. */
#define DERIBIT_TICK_BTC 0.0005
/* The forward Deribit used for a mark differs from the reported
 * underlying_price by up to a few USD (the snapshot is taken over minutes
 * and the synthetic future moves): solving for the forward that reproduces
 * mark_price at mark_iv gave at most 3.35 USD (0.036 %) on 2020-05-14 and
 * 1.68 USD on 2020-05-21 (python3, math.erf, bisection).  We allow 0.05 %. */
#define FORWARD_REL_UNCERTAINTY 0.0005

/* IV from mark_price (coin) * underlying_price (USD) with Black-76 on
 * underlying_price, r = 0, against mark_iv. */
static void check_2020_iv(const char *rel, const char *label)
{
    snap s = {0};
    load_2020(rel, &s);
    ck_assert_uint_gt(s.n, 300);
    hs_iv_solver *solver = NULL;
    ck_assert_int_eq(hs_iv_solver_new(&solver, NULL), 0);
    double *all = calloc(s.n, sizeof *all), *otm = calloc(s.n, sizeof *otm);
    ck_assert(all && otm);
    size_t n_all = 0, n_otm = 0, n_skipped = 0;
    double worst_all = 0, worst_otm = 0;
    const char *worst_name = "";
    for (size_t i = 0; i < s.n; i++) {
        const snap_row *r = &s.row[i];
        double sigma = r->iv_pct / 100;
        hs_greeks g =
            price_of(HS_MODEL_BLACK76, r->right, r->F, r->K, r->T, 0, sigma);
        double usd = hs_inverse_to_usd(r->mark, r->F);
        /* Price space, every row: Black-76 at mark_iv reproduces the mark
         * within the rounding of mark_iv (0.005 vol points), of mark_price
         * (0.5e-8 coin) and the forward uncertainty, which moves the USD
         * residual V(F) - mark * F by (delta - mark) dF. */
        double tol = 0.005 * g.vega / 100 + 0.5e-8 * r->F +
                     fabs(g.delta - r->mark) * FORWARD_REL_UNCERTAINTY * r->F;
        ck_assert_msg(
            fabs(g.price - usd) <= tol,
            "%s %s: Black-76 at mark_iv %.4f USD, mark %.4f USD (tol %.4f)",
            label, r->name, g.price, usd, tol);

        double tv = r->mark - intrinsic(r->right, r->F, r->K) / r->F;
        if (r->mark < DERIBIT_TICK_BTC || tv < DERIBIT_TICK_BTC) {
            n_skipped++;
            continue;
        }
        double iv;
        hs_iv_status st;
        ck_assert_int_eq(hs_iv_solver_solve(solver, HS_MODEL_BLACK76, r->right,
                                            r->F, r->K, r->T, 0, usd, &iv, &st),
                         0);
        ck_assert_msg(st == HS_IV_OK, "%s %s: %s", label, r->name,
                      hs_iv_status_name(st));
        double diff = fabs(100 * iv - r->iv_pct); /* vol points */
        /* Per row, the same uncertainties in vol space (first order):
         * 0.01 vol points plus (delta - mark) dF / vega per vol point. */
        double bound = 0.01 + fabs(g.delta - r->mark) *
                                  FORWARD_REL_UNCERTAINTY * r->F /
                                  (g.vega / 100);
        ck_assert_msg(diff <= bound,
                      "%s %s: iv %.4f%% vs mark_iv %.2f%% (bound %.3f)", label,
                      r->name, 100 * iv, r->iv_pct, bound);
        all[n_all++] = diff;
        if (diff > worst_all) {
            worst_all = diff;
            worst_name = r->name;
        }
        if (intrinsic(r->right, r->F, r->K) == 0) {
            otm[n_otm++] = diff;
            worst_otm = fmax(worst_otm, diff);
        }
    }
    double med_all = median(all, n_all), med_otm = median(otm, n_otm);
    printf("deribit %s: IV from mark_price vs mark_iv over %zu contracts "
           "(%zu skipped: price or time value < %g BTC): median %.4f, worst "
           "%.4f vol points (%s); out of the money only (%zu): median %.4f, "
           "worst %.4f\n",
           label, n_all, n_skipped, DERIBIT_TICK_BTC, med_all, worst_all,
           worst_name, n_otm, med_otm, worst_otm);
    /* mark_iv is printed to 0.01 vol points: the median must sit at that
     * rounding level; out of the money, where the price is all time value,
     * the forward uncertainty costs at most a few tenths of a point. */
    ck_assert(n_all > 250 && n_otm > 120);
    ck_assert_msg(med_all < 0.05, "median %g vol points", med_all);
    ck_assert_msg(med_otm < 0.05, "median %g vol points", med_otm);
    ck_assert_msg(worst_otm < 0.5, "worst OTM %g vol points", worst_otm);
    free(all);
    free(otm);
    free(s.row);
    hs_iv_solver_free(solver);
}

START_TEST(test_deribit_2020_05_14_iv)
{
    check_2020_iv("2020-05-14/btc_options_data.csv", "2020-05-14");
}
END_TEST

START_TEST(test_deribit_2020_05_21_iv)
{
    check_2020_iv("2020-05-21/options_data.csv", "2020-05-21");
}
END_TEST

/* The exchange's greeks dict against ours at mark_iv, Black-76 on
 * underlying_price, r = 0.  Conventions found (docs/pricing.md):
 *   delta: the Black-76 delta dV/dF of the USD value, NOT premium adjusted;
 *   gamma: d delta / dF, per USD;
 *   vega:  USD per 1 vol point (ours / 100);
 *   theta: USD per day (ours / 365), floored at minus the option's USD mark
 *          value (it cannot lose more than its value in a day);
 *   rho:   the Black-Scholes rho on S = underlying_price, K T e^{-rT} N(d2),
 *          per 1 % of rate (ours / 100).
 * The greeks are printed to 5 decimals and computed from mark_iv, itself
 * rounded to 0.01 vol points; tolerances: delta 1e-4, gamma 1e-5 (two units
 * of the last printed digit), vega, theta and rho 1e-5 + 0.5 % relative.
 * Options less than a day from expiry are left out: there theta follows yet
 * another rule and the wings are dominated by the rounding of mark_iv. */
static void check_2020_greeks(const char *rel, const char *label)
{
    snap s = {0};
    load_2020(rel, &s);
    size_t n = 0, premium_rows = 0, premium_worse = 0;
    double worst_delta = 0;
    for (size_t i = 0; i < s.n; i++) {
        const snap_row *r = &s.row[i];
        if (!r->has_greeks || r->T < 1.0 / 365)
            continue;
        double sigma = r->iv_pct / 100;
        hs_greeks g =
            price_of(HS_MODEL_BLACK76, r->right, r->F, r->K, r->T, 0, sigma);
        hs_greeks bs =
            price_of(HS_MODEL_BS, r->right, r->F, r->K, r->T, 0, sigma);
        double usd = hs_inverse_to_usd(r->mark, r->F);
        double theta_day = fmax(g.theta / 365, -usd);
        double rt = 5e-3, at = 1e-5;
        ck_assert_msg(fabs(g.delta - r->delta) <= 1e-4,
                      "%s %s delta %.6f vs %.5f", label, r->name, g.delta,
                      r->delta);
        ck_assert_msg(fabs(g.gamma - r->gamma) <= 1e-5,
                      "%s %s gamma %.6g vs %.5f", label, r->name, g.gamma,
                      r->gamma);
        ck_assert_msg(fabs(g.vega / 100 - r->vega) <= at + rt * fabs(r->vega),
                      "%s %s vega %.6g vs %.5f", label, r->name, g.vega / 100,
                      r->vega);
        ck_assert_msg(fabs(theta_day - r->theta) <= at + rt * fabs(r->theta),
                      "%s %s theta %.6g vs %.5f", label, r->name, theta_day,
                      r->theta);
        ck_assert_msg(fabs(bs.rho / 100 - r->rho) <= at + rt * fabs(r->rho),
                      "%s %s rho %.6g vs %.5f", label, r->name, bs.rho / 100,
                      r->rho);
        worst_delta = fmax(worst_delta, fabs(g.delta - r->delta));
        /* premium-adjusted delta (delta - price in coin) does not fit */
        if (r->mark >= 0.01) {
            hs_greeks c;
            ck_assert_int_eq(hs_inverse_greeks(&g, r->F, &c), 0);
            premium_rows++;
            if (fabs(c.delta - r->delta) > 10 * fabs(g.delta - r->delta) &&
                fabs(c.delta - r->delta) > 0.005)
                premium_worse++;
        }
        n++;
    }
    printf("deribit %s: greeks of %zu contracts (expiry >= 1 day) agree; "
           "worst delta difference %.2g; premium-adjusted delta rejected on "
           "%zu of %zu rows with mark >= 0.01 BTC\n",
           label, n, worst_delta, premium_worse, premium_rows);
    ck_assert_uint_gt(n, 200);
    ck_assert_uint_eq(premium_worse, premium_rows);
    free(s.row);
}

START_TEST(test_deribit_2020_05_14_greeks)
{
    check_2020_greeks("2020-05-14/btc_options_data.csv", "2020-05-14");
}
END_TEST

START_TEST(test_deribit_2020_05_21_greeks)
{
    check_2020_greeks("2020-05-21/options_data.csv", "2020-05-21");
}
END_TEST

/* The 2024-05-24 BTC file has mark_price (coin), mark_iv (percent) and the
 * index price, but no forward and no snapshot time.
 *
 * Snapshot time: the latest instrument creation is 13:06 UTC, a lower
 * bound.  The data place it later: for the shortest expiry (25MAY24 08:00,
 * whose price is most sensitive to T), the time at which Black-76 on the
 * put-call-parity forward reproduces mark_price at mark_iv is 19:02-19:31
 * UTC, median 19:16, for its 7 out-of-the-money options; the other expiries
 * agree (medians 18:24-21:07).  (python3 with math.erf, bisection on T.)
 * We take 19:15 UTC; docs/pricing.md gives the figures with 13:07 too.
 *
 * Forward: with r = 0, c - p = F - K in USD and each coin price is the USD
 * price / F, so F = K / (1 - (c - p)) for a strike with both a call and a
 * put; the median over the strikes of an expiry is its forward.  Expiries
 * with no such pair (one here) are skipped in that comparison.
 * The index as the forward ignores the futures basis (up to 12 % for the
 * December expiry): a much looser bound. */
static const char snapshot_2024[] = "2024-05-24 19:15:00";

static double parse_utc(const char *text)
{
    struct tm tm = {0};
    int n = sscanf(text, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon,
                   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
    ck_assert_msg(n == 6, "bad time '%s'", text);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (double)timegm(&tm);
}

typedef struct row24 {
    hs_right right;
    double K, expiry, mark, iv_pct, index;
    char maturity[24];
} row24;

START_TEST(test_deribit_2024_05_24_iv)
{
    char path[512];
    snprintf(path, sizeof path, "%s/2024-05-24/btc_options.csv", options_dir());
    hs_csv *c = NULL;
    ck_assert_msg(hs_csv_open(&c, path) == 0, "%s", hs_error_last());
    ck_assert_int_eq(hs_csv_next(c), 0);
    int c_type = col(c, "option_type"), c_k = col(c, "strike");
    int c_mat = col(c, "maturity"), c_mark = col(c, "mark_price");
    int c_iv = col(c, "mark_iv"), c_idx = col(c, "index_price");
    row24 *rows = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = hs_csv_next(c)) == 0) {
        if (n == cap) {
            cap = cap ? 2 * cap : 512;
            rows = realloc(rows, cap * sizeof *rows);
            ck_assert_ptr_nonnull(rows);
        }
        row24 *r = &rows[n++];
        ck_assert_int_eq(hs_right_parse(hs_csv_field(c, c_type), &r->right),
                         0);
        ck_assert_int_eq(hs_csv_double(c, c_k, "strike", &r->K), 0);
        ck_assert_int_eq(hs_csv_double(c, c_mark, "mark_price", &r->mark), 0);
        ck_assert_int_eq(hs_csv_double(c, c_iv, "mark_iv", &r->iv_pct), 0);
        ck_assert_int_eq(hs_csv_double(c, c_idx, "index_price", &r->index), 0);
        snprintf(r->maturity, sizeof r->maturity, "%s",
                 hs_csv_field(c, c_mat));
        r->expiry = parse_utc(r->maturity);
    }
    ck_assert_int_eq(rc, HS_ITEROVER);
    hs_csv_close(c);
    ck_assert_uint_eq(n, 578);

    /* parity forward per row's expiry (NAN where there is no pair) */
    double *fwd = calloc(n, sizeof *fwd), *tmp = calloc(n, sizeof *tmp);
    ck_assert(fwd && tmp);
    for (size_t i = 0; i < n; i++) {
        size_t m = 0;
        for (size_t j = 0; j < n; j++) {
            if (strcmp(rows[j].maturity, rows[i].maturity) != 0 ||
                rows[j].right != HS_CALL)
                continue;
            for (size_t k = 0; k < n; k++)
                if (rows[k].right == HS_PUT && rows[k].K == rows[j].K &&
                    strcmp(rows[k].maturity, rows[j].maturity) == 0)
                    tmp[m++] = rows[j].K / (1 - (rows[j].mark - rows[k].mark));
        }
        fwd[i] = m ? median(tmp, m) : NAN;
    }

    hs_iv_solver *solver = NULL;
    ck_assert_int_eq(hs_iv_solver_new(&solver, NULL), 0);
    const double t_snap = parse_utc(snapshot_2024);
    const double t_early = parse_utc("2024-05-24 13:07:00");
    for (int variant = 0; variant < 3; variant++) {
        /* 0: parity forward at 19:15, 1: index at 19:15, 2: parity at 13:07 */
        double t0 = variant == 2 ? t_early : t_snap;
        size_t m = 0, suspect = 0, skipped = 0;
        double worst = 0;
        for (size_t i = 0; i < n; i++) {
            const row24 *r = &rows[i];
            if (r->iv_pct == 100.0) { /* the collector's cap: suspect */
                suspect++;
                continue;
            }
            double F = variant == 1 ? r->index : fwd[i];
            double T = (r->expiry - t0) / (86400.0 * 365.0);
            if (isnan(F) || r->mark < DERIBIT_TICK_BTC ||
                r->mark - intrinsic(r->right, F, r->K) / F < DERIBIT_TICK_BTC) {
                skipped++;
                continue;
            }
            double iv;
            hs_iv_status st;
            ck_assert_int_eq(hs_iv_solver_solve(
                                 solver, HS_MODEL_BLACK76, r->right, F, r->K, T,
                                 0, hs_inverse_to_usd(r->mark, F), &iv, &st),
                             0);
            if (st != HS_IV_OK) { /* possible with the index as forward */
                ck_assert_int_eq(variant, 1);
                ck_assert(isnan(iv));
                skipped++;
                continue;
            }
            tmp[m++] = fabs(100 * iv - r->iv_pct);
            worst = fmax(worst, fabs(100 * iv - r->iv_pct));
        }
        double med = median(tmp, m);
        printf("deribit 2024-05-24 (%s, snapshot %s UTC): IV vs mark_iv over "
               "%zu contracts (%zu mark_iv = 100 left out, %zu skipped): "
               "median %.4f, worst %.4f vol points\n",
               variant == 1 ? "index as forward" : "parity forward",
               variant == 2 ? "13:07" : "19:15", m, suspect, skipped, med,
               worst);
        ck_assert_uint_eq(suspect, 34);
        ck_assert_uint_gt(m, 400);
        if (variant == 0) {
            ck_assert_msg(med < 0.1, "median %g", med);
            ck_assert_msg(worst < 2.0, "worst %g", worst);
        } else if (variant == 1) {
            /* The basis is ignored: expect differences of many points. */
            ck_assert_msg(med < 20, "median %g", med);
        }
    }
    hs_iv_solver_free(solver);
    free(fwd);
    free(tmp);
    free(rows);
}
END_TEST

static Suite *price_suite(void)
{
    Suite *s = suite_create("price");
    TCase *tc = tcase_create("formulas");
    tcase_add_test(tc, test_hull_example_15_6);
    tcase_add_test(tc, test_hull_greeks_chapter_18);
    tcase_add_test(tc, test_hull_black76);
    tcase_add_test(tc, test_put_call_parity);
    tcase_add_test(tc, test_greeks_finite_differences);
    tcase_add_test(tc, test_black76_matches_bs_on_forward);
    tcase_add_test(tc, test_expired);
    tcase_add_test(tc, test_zero_vol);
    tcase_add_test(tc, test_invalid_inputs);
    tcase_add_test(tc, test_names_and_parsing);
    tcase_add_test(tc, test_inverse);
    suite_add_tcase(s, tc);

    tc = tcase_create("implied_vol");
    tcase_add_test(tc, test_iv_round_trip);
    tcase_add_test(tc, test_iv_statuses);
    tcase_add_test(tc, test_iv_status_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("deribit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_deribit_2020_05_14_iv);
    tcase_add_test(tc, test_deribit_2020_05_21_iv);
    tcase_add_test(tc, test_deribit_2020_05_14_greeks);
    tcase_add_test(tc, test_deribit_2020_05_21_greeks);
    tcase_add_test(tc, test_deribit_2024_05_24_iv);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return hs_test_main(price_suite());
}
