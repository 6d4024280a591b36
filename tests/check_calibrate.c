/* Tests for regime calibration (EM on a Gaussian HMM, per-regime moments,
 * crash jumps, the INI writer).
 *
 * Recovery tests simulate 5,000 steps from known 2-regime parameters with
 * the project's PCG32 stream (seed 2024, purpose HS_RNG_TEST) and GSL's
 * ziggurat normals, then compare the fit with the parameters.  The
 * tolerances are about 3 to 4 standard errors of each estimate at this
 * sample size, with the truth known exactly:
 *  - stationary shares 5/6 and 1/6, so ~4,170 calm and ~830 stress steps;
 *  - a regime's sd from m steps has a relative standard error of
 *    1/sqrt(2m): 2.5 % for the stress regime, so vols within 10 %;
 *  - p_stay from m steps: sd sqrt(p(1-p)/m) = 0.010 for stress (p = 0.90),
 *    0.002 for calm: transition probabilities within 0.03;
 *  - a beta's standard error is sd(idio) / (sd(bench) sqrt(m)): 0.026 at
 *    most (stress, asset 1): betas within 0.1;
 *  - a correlation's standard error is (1 - rho^2)/sqrt(m) <= 0.035:
 *    correlations within 0.1.
 * The data are fixed (one seed), so these are not flaky; they say how far
 * from the truth a correct estimator may land. */
#include "testutil.h"

#include "hedgesim/calibrate.h"
#include "hedgesim/rng.h"

#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#define N_SIM 5000
#define NA 3

/* The known model. */
static const double P_TRUE[2][2] = {{0.98, 0.02}, {0.10, 0.90}};
static const double MU_B[2] = {0.001, -0.003};
static const double SD_B[2] = {0.01, 0.04};
static const double BETA[2][NA] = {{0.8, 1.2, 0.5}, {1.0, 1.4, 0.9}};
static const double IDIO[2][NA] = {{0.008, 0.012, 0.015},
                                   {0.02, 0.03, 0.025}};

typedef struct sim {
    double bench[N_SIM];
    double assets[N_SIM * NA];
    int regime[N_SIM];
} sim;

/* Simulate the known model; with jump_p > 0, each stress step has a crash
 * of size N(jump_mu, jump_sd) with probability jump_p, hitting the
 * benchmark and each asset times its stress beta. */
static void simulate(sim *s, uint64_t seed, double jump_p, double jump_mu,
                     double jump_sd)
{
    gsl_rng *r;
    ck_assert_int_eq(hs_rng_new(&r, seed, 0, HS_RNG_TEST), 0);
    int g = gsl_rng_uniform(r) < 1.0 / 6.0; /* from the stationary law */
    for (size_t t = 0; t < N_SIM; t++) {
        if (t > 0)
            g = gsl_rng_uniform(r) < P_TRUE[g][1];
        s->regime[t] = g;
        double m = MU_B[g] + gsl_ran_gaussian_ziggurat(r, SD_B[g]);
        double j = 0.0;
        if (g == 1 && jump_p > 0 && gsl_rng_uniform(r) < jump_p)
            j = jump_mu + gsl_ran_gaussian_ziggurat(r, jump_sd);
        s->bench[t] = m + j;
        for (size_t a = 0; a < NA; a++)
            s->assets[t * NA + a] = BETA[g][a] * (m + j) +
                                    gsl_ran_gaussian_ziggurat(r, IDIO[g][a]);
    }
    gsl_rng_free(r);
}

static double true_vol(int g, size_t a)
{
    return sqrt(BETA[g][a] * BETA[g][a] * SD_B[g] * SD_B[g] +
                IDIO[g][a] * IDIO[g][a]);
}

static double true_corr(int g, size_t a, size_t b)
{
    if (a == b)
        return 1.0;
    return BETA[g][a] * BETA[g][b] * SD_B[g] * SD_B[g] /
           (true_vol(g, a) * true_vol(g, b));
}

static sim S; /* shared by the tests; each test simulates what it uses */

START_TEST(test_recovers_two_regimes)
{
    simulate(&S, 2024, 0, 0, 0);
    hs_fit_opts o = HS_FIT_OPTS_INIT;
    hs_regime_fit *f;
    ck_assert_int_eq(
        hs_regime_fit_new(&f, S.bench, S.assets, N_SIM, NA, 2, &o), 0);
    ck_assert_uint_eq(f->k, 2);
    ck_assert_uint_eq(f->n_obs, N_SIM);
    for (int g = 0; g < 2; g++) {
        hs_ck_rel(f->bench_vol[g], SD_B[g], 0.10);
        for (int h = 0; h < 2; h++)
            hs_ck_near(f->trans[g * 2 + h], P_TRUE[g][h], 0.03);
        for (size_t a = 0; a < NA; a++) {
            hs_ck_near(f->beta[g * NA + a], BETA[g][a], 0.1);
            hs_ck_rel(f->vol[g * NA + a], true_vol(g, a), 0.10);
            for (size_t b = 0; b < NA; b++)
                hs_ck_near(f->corr[g * NA * NA + a * NA + b],
                           true_corr(g, a, b), 0.1);
        }
    }
    /* Stationary shares 0.10/0.12 and 0.02/0.12; durations 50 and 10. */
    hs_ck_near(f->stationary[0], 5.0 / 6.0, 0.05);
    hs_ck_near(f->stationary[1], 1.0 / 6.0, 0.05);
    hs_ck_rel(f->duration[0], 50.0, 0.6);
    hs_ck_rel(f->duration[1], 10.0, 0.3);
    /* The smoothed regime is the true one at almost every step. */
    size_t right = 0;
    for (size_t t = 0; t < N_SIM; t++)
        right += (f->prob[t * 2 + 1] > 0.5) == S.regime[t];
    ck_assert_msg(right > 0.95 * N_SIM, "%zu of %d steps classified", right,
                  N_SIM);
    ck_assert(f->iterations >= 1 && f->iterations <= o.max_iter);
    hs_regime_fit_free(f);
}
END_TEST

/* Invariants of any fit: probabilities, ordering, the stationary law and
 * durations, nesting of likelihoods, determinism. */
START_TEST(test_invariants)
{
    simulate(&S, 2024, 0, 0, 0);
    hs_regime_fit *f, *f2, *f1, *f3;
    ck_assert_int_eq(hs_regime_fit_new(&f, S.bench, S.assets, N_SIM, NA, 2,
                                       NULL),
                     0);
    for (size_t i = 0; i < 2; i++) {
        hs_ck_near(f->trans[i * 2] + f->trans[i * 2 + 1], 1.0, 1e-12);
        /* pi P = pi */
        hs_ck_near(f->stationary[0] * f->trans[i] +
                       f->stationary[1] * f->trans[2 + i],
                   f->stationary[i], 1e-12);
        hs_ck_near(f->duration[i], 1.0 / (1.0 - f->trans[i * 2 + i]), 1e-9);
        for (size_t a = 0; a < NA; a++)
            ck_assert(f->vol[i * NA + a] > 0);
    }
    hs_ck_near(f->stationary[0] + f->stationary[1], 1.0, 1e-12);
    ck_assert(f->bench_vol[0] < f->bench_vol[1]); /* 0 is the calmest */
    for (size_t t = 0; t < N_SIM; t++) {
        ck_assert(f->prob[t * 2] >= 0 && f->prob[t * 2 + 1] >= 0);
        hs_ck_near(f->prob[t * 2] + f->prob[t * 2 + 1], 1.0, 1e-12);
    }
    /* Same inputs, same bits. */
    ck_assert_int_eq(hs_regime_fit_new(&f2, S.bench, S.assets, N_SIM, NA, 2,
                                       NULL),
                     0);
    ck_assert(memcmp(f->prob, f2->prob, sizeof(double) * N_SIM * 2) == 0);
    ck_assert(memcmp(f->corr, f2->corr, sizeof(double) * 2 * NA * NA) == 0);
    ck_assert(f->loglik == f2->loglik);
    /* Nested models: more regimes never fit worse (EM from the best of
     * several starts; a 2-regime model contains the 1-regime one). */
    ck_assert_int_eq(hs_regime_fit_new(&f1, S.bench, S.assets, N_SIM, NA, 1,
                                       NULL),
                     0);
    ck_assert_int_eq(hs_regime_fit_new(&f3, S.bench, S.assets, N_SIM, NA, 3,
                                       NULL),
                     0);
    ck_assert(f->loglik > f1->loglik);
    ck_assert(f3->loglik >= f->loglik - 1e-6 * fabs(f->loglik));
    ck_assert(f3->bench_vol[0] <= f3->bench_vol[1] &&
              f3->bench_vol[1] <= f3->bench_vol[2]);
    /* Each start only ever raises the likelihood: one start with few
     * iterations cannot beat the default. */
    hs_fit_opts o = HS_FIT_OPTS_INIT;
    o.max_iter = 2;
    o.n_starts = 1;
    hs_regime_fit *fq;
    ck_assert_int_eq(hs_regime_fit_new(&fq, S.bench, S.assets, N_SIM, NA, 2,
                                       &o),
                     0);
    ck_assert(fq->iterations <= 2);
    ck_assert(fq->loglik <= f->loglik);
    hs_regime_fit_free(fq);
    hs_regime_fit_free(f);
    hs_regime_fit_free(f2);
    hs_regime_fit_free(f1);
    hs_regime_fit_free(f3);
}
END_TEST

/* One regime: the maximum-likelihood Gaussian, in closed form. */
START_TEST(test_one_regime)
{
    enum { N = 3000 };
    static double x[N], y[N];
    gsl_rng *r;
    ck_assert_int_eq(hs_rng_new(&r, 7, 0, HS_RNG_TEST), 0);
    for (size_t t = 0; t < N; t++) {
        x[t] = 0.0005 + gsl_ran_gaussian_ziggurat(r, 0.02);
        y[t] = 1.5 * x[t] + gsl_ran_gaussian_ziggurat(r, 0.01);
    }
    gsl_rng_free(r);
    double mx = 0, my = 0, sxx = 0, sxy = 0, syy = 0;
    for (size_t t = 0; t < N; t++) {
        mx += x[t] / N;
        my += y[t] / N;
    }
    for (size_t t = 0; t < N; t++) {
        sxx += (x[t] - mx) * (x[t] - mx);
        sxy += (x[t] - mx) * (y[t] - my);
        syy += (y[t] - my) * (y[t] - my);
    }
    double sd = sqrt(sxx / N);
    hs_fit_opts o = HS_FIT_OPTS_INIT;
    o.jump_threshold = 0;
    hs_regime_fit *f;
    ck_assert_int_eq(hs_regime_fit_new(&f, x, y, N, 1, 1, &o), 0);
    ck_assert(f->trans[0] == 1.0 && f->stationary[0] == 1.0);
    ck_assert(isinf(f->duration[0]));
    hs_ck_rel(f->bench_mean[0], mx, 1e-12);
    hs_ck_rel(f->bench_vol[0], sd, 1e-12);
    /* log L = -n/2 (log(2 pi s^2) + 1) at the ML estimates. */
    hs_ck_rel(f->loglik, -0.5 * N * (log(2 * M_PI * sd * sd) + 1), 1e-10);
    hs_ck_rel(f->beta[0], sxy / sxx, 1e-12);      /* the OLS slope */
    hs_ck_near(f->beta[0], 1.5, 0.05);            /* 5 sd of 0.0091 */
    hs_ck_rel(f->vol[0], sqrt(syy / N), 1e-12);
    hs_ck_rel(f->mean[0], my, 1e-10);
    ck_assert(f->corr[0] == 1.0);
    for (size_t t = 0; t < N; t++)
        ck_assert(f->prob[t] == 1.0);
    ck_assert_uint_eq(f->iterations, 1); /* the start is the optimum */
    ck_assert(f->jump_rate == 0 && f->jump_mean == 0 && f->jump_sd == 0);
    hs_regime_fit_free(f);
}
END_TEST

/* A weighted moment computed here, independently of the library. */
static void weighted(const double *p, size_t k, size_t r, const double *a,
                     size_t sa, const double *b, size_t sb, size_t n,
                     double *beta, double *corr, double *vol_a)
{
    double sw = 0, ma = 0, mb = 0;
    for (size_t t = 0; t < n; t++)
        if (!isnan(a[t * sa]) && !isnan(b[t * sb])) {
            sw += p[t * k + r];
            ma += p[t * k + r] * a[t * sa];
            mb += p[t * k + r] * b[t * sb];
        }
    ma /= sw;
    mb /= sw;
    double caa = 0, cbb = 0, cab = 0;
    for (size_t t = 0; t < n; t++)
        if (!isnan(a[t * sa]) && !isnan(b[t * sb])) {
            double g = p[t * k + r];
            caa += g * (a[t * sa] - ma) * (a[t * sa] - ma);
            cbb += g * (b[t * sb] - mb) * (b[t * sb] - mb);
            cab += g * (a[t * sa] - ma) * (b[t * sb] - mb);
        }
    *beta = cab / cbb;
    *corr = cab / sqrt(caa * cbb);
    *vol_a = sqrt(caa / sw);
}

START_TEST(test_missing_values)
{
    simulate(&S, 2024, 0, 0, 0);
    static double miss[N_SIM * NA];
    memcpy(miss, S.assets, sizeof miss);
    for (size_t t = 0; t < 2000; t++) /* asset 1 lists at step 2000 */
        miss[t * NA + 1] = NAN;
    for (size_t t = 0; t < N_SIM; t += 7) /* asset 2 has gaps */
        miss[t * NA + 2] = NAN;
    hs_fit_opts o = HS_FIT_OPTS_INIT;
    o.jump_threshold = 0;
    hs_regime_fit *full, *f;
    ck_assert_int_eq(
        hs_regime_fit_new(&full, S.bench, S.assets, N_SIM, NA, 2, &o), 0);
    ck_assert_int_eq(hs_regime_fit_new(&f, S.bench, miss, N_SIM, NA, 2, &o),
                     0);
    /* The regimes depend on the benchmark only. */
    ck_assert(memcmp(f->prob, full->prob, sizeof(double) * N_SIM * 2) == 0);
    ck_assert(memcmp(f->trans, full->trans, sizeof(double) * 4) == 0);
    for (size_t r = 0; r < 2; r++) {
        ck_assert(f->beta[r * NA] == full->beta[r * NA]);
        ck_assert(f->vol[r * NA] == full->vol[r * NA]);
        /* Asset 1 and 2: their own finite steps, pairs on joint steps. */
        for (size_t a = 1; a < NA; a++) {
            double beta, corr, vol;
            weighted(f->prob, 2, r, miss + a, NA, S.bench, 1, N_SIM, &beta,
                     &corr, &vol);
            hs_ck_rel(f->beta[r * NA + a], beta, 1e-10);
            hs_ck_rel(f->vol[r * NA + a], vol, 1e-10);
            hs_ck_near(f->beta[r * NA + a], BETA[r][a], 0.1);
        }
        double beta, corr, vol;
        weighted(f->prob, 2, r, miss + 1, NA, miss + 2, NA, N_SIM, &beta,
                 &corr, &vol);
        hs_ck_rel(f->corr[r * NA * NA + 1 * NA + 2], corr, 1e-10);
        hs_ck_rel(f->corr[r * NA * NA + 2 * NA + 1], corr, 1e-10);
        hs_ck_near(corr, true_corr((int)r, 1, 2), 0.1);
    }
    hs_regime_fit_free(f);

    /* Missing benchmark returns are missing observations of the chain. */
    static double bench[N_SIM];
    memcpy(bench, S.bench, sizeof bench);
    for (size_t t = 100; t < N_SIM; t += 500)
        bench[t] = NAN;
    ck_assert_int_eq(hs_regime_fit_new(&f, bench, S.assets, N_SIM, NA, 2, &o),
                     0);
    for (size_t t = 100; t < N_SIM; t += 500)
        hs_ck_near(f->prob[t * 2] + f->prob[t * 2 + 1], 1.0, 1e-12);
    for (int g = 0; g < 2; g++) {
        hs_ck_rel(f->bench_vol[g], SD_B[g], 0.10);
        hs_ck_near(f->trans[g * 2 + g], P_TRUE[g][g], 0.03);
    }
    hs_regime_fit_free(f);
    hs_regime_fit_free(full);
}
END_TEST

START_TEST(test_jumps)
{
    /* Crashes of N(-0.40, 0.05) in 10 % of the ~830 stress steps (~83),
     * each on top of the stress regime's N(-0.003, 0.04) return: all of
     * them lie beyond the threshold (-0.163 at 4 sd).  Standard errors:
     * rate sqrt(.1 .9 / 830) = 0.010 (within 0.035); mean
     * sqrt(.05^2 + .04^2)/sqrt(83) = 0.007 (within 0.025); the jump's sd
     * comes from var(jump step) - 0.04^2 = 0.0041 - 0.0016, whose standard
     * error 0.0041 sqrt(2/83) = 0.0006 makes the sd's about 0.006 (within
     * 0.02). */
    simulate(&S, 2024, 0.10, -0.40, 0.05);
    hs_regime_fit *f, *f0;
    ck_assert_int_eq(hs_regime_fit_new(&f, S.bench, S.assets, N_SIM, NA, 2,
                                       NULL),
                     0);
    hs_ck_near(f->jump_rate, 0.10, 0.035);
    hs_ck_near(f->jump_mean, -0.40, 0.025);
    hs_ck_near(f->jump_sd, 0.05, 0.02);
    /* With the jumps left out, the stress betas and vols are the
     * diffusion's. */
    for (size_t a = 0; a < NA; a++) {
        hs_ck_near(f->beta[NA + a], BETA[1][a], 0.1);
        hs_ck_rel(f->vol[NA + a], true_vol(1, a), 0.10);
    }
    /* Not fitted: all three are 0. */
    hs_fit_opts o = HS_FIT_OPTS_INIT;
    o.jump_threshold = 0;
    ck_assert_int_eq(hs_regime_fit_new(&f0, S.bench, S.assets, N_SIM, NA, 2,
                                       &o),
                     0);
    ck_assert(f0->jump_rate == 0 && f0->jump_mean == 0 && f0->jump_sd == 0);
    ck_assert(f0->vol[NA] > 1.2 * f->vol[NA]); /* jumps inflate the vol */
    hs_regime_fit_free(f);
    hs_regime_fit_free(f0);

    /* Gaussian data: a 4-sd crash has probability 3e-5 per stress step. */
    simulate(&S, 2024, 0, 0, 0);
    ck_assert_int_eq(hs_regime_fit_new(&f, S.bench, S.assets, N_SIM, NA, 2,
                                       NULL),
                     0);
    ck_assert_msg(f->jump_rate < 0.005, "jump_rate %g", f->jump_rate);
    hs_regime_fit_free(f);
}
END_TEST

/* rc and a substring of the message. */
#define ck_error(call, code, text)                                             \
    do {                                                                       \
        int rc_ = (call);                                                      \
        ck_assert_int_eq(rc_, code);                                           \
        ck_assert_msg(strstr(hs_error_last(), text), "message '%s' lacks '%s'", \
                      hs_error_last(), text);                                  \
    } while (0)

START_TEST(test_bad_input)
{
    simulate(&S, 2024, 0, 0, 0);
    hs_regime_fit *f = (hs_regime_fit *)&S;
    hs_fit_opts o = HS_FIT_OPTS_INIT;
    ck_error(hs_regime_fit_new(&f, S.bench, S.assets, N_SIM, NA, 0, &o),
             HS_EINVAL, "0 regimes");
    ck_assert_ptr_null(f);
    ck_error(hs_regime_fit_new(&f, S.bench, S.assets, N_SIM, NA, 9, &o),
             HS_EINVAL, "choose 1 to 8");
    ck_error(hs_regime_fit_new(&f, NULL, S.assets, N_SIM, NA, 2, &o),
             HS_EINVAL, "NULL");
    ck_error(hs_regime_fit_new(&f, S.bench, NULL, N_SIM, NA, 2, &o),
             HS_EINVAL, "NULL");
    ck_error(hs_regime_fit_new(NULL, S.bench, S.assets, N_SIM, NA, 2, &o),
             HS_EINVAL, "out");
    /* Too short: 19 returns for 2 regimes (20 needed). */
    ck_error(hs_regime_fit_new(&f, S.bench, S.assets, 19, NA, 2, &o),
             HS_EDATA, "too few for 2 regimes");
    ck_assert_ptr_null(f);
    hs_fit_opts bad = o;
    bad.tol = 0;
    ck_error(hs_regime_fit_new(&f, S.bench, S.assets, N_SIM, NA, 2, &bad),
             HS_EINVAL, "tol > 0");
    bad = o;
    bad.n_starts = 0;
    ck_error(hs_regime_fit_new(&f, S.bench, S.assets, N_SIM, NA, 2, &bad),
             HS_EINVAL, "n_starts");
    bad = o;
    bad.max_iter = 0;
    ck_error(hs_regime_fit_new(&f, S.bench, S.assets, N_SIM, NA, 2, &bad),
             HS_EINVAL, "max_iter");
    bad = o;
    bad.jump_threshold = -1;
    ck_error(hs_regime_fit_new(&f, S.bench, S.assets, N_SIM, NA, 2, &bad),
             HS_EINVAL, "jump_threshold >= 0");

    static double a[N_SIM * NA], b[N_SIM];
    /* An all-NaN asset. */
    memcpy(a, S.assets, sizeof a);
    for (size_t t = 0; t < N_SIM; t++)
        a[t * NA + 2] = NAN;
    ck_error(hs_regime_fit_new(&f, S.bench, a, N_SIM, NA, 2, &o), HS_EDATA,
             "asset column 2 has 0 returns");
    ck_assert_ptr_null(f);
    /* An asset trading only in calm steps has no weight in stress. */
    size_t n_calm = 0;
    for (size_t t = 0; t < N_SIM; t++)
        if (S.regime[t] == 0 && n_calm < 50 && t > 2000 &&
            S.regime[t - 1] == 0 && S.regime[t - 2] == 0 &&
            S.regime[t + 1] == 0 && S.regime[t + 2] == 0) {
            a[t * NA + 2] = S.assets[t * NA + 2];
            n_calm++;
        }
    ck_assert_uint_eq(n_calm, 50);
    ck_error(hs_regime_fit_new(&f, S.bench, a, N_SIM, NA, 2, &o), HS_EDATA,
             "weight in regime 1 (stress)");
    /* Infinite values. */
    memcpy(a, S.assets, sizeof a);
    a[17 * NA + 1] = INFINITY;
    ck_error(hs_regime_fit_new(&f, S.bench, a, N_SIM, NA, 2, &o), HS_EDATA,
             "asset column 1: return at step 17 is infinite");
    memcpy(b, S.bench, sizeof b);
    b[3] = -INFINITY;
    ck_error(hs_regime_fit_new(&f, b, S.assets, N_SIM, NA, 2, &o), HS_EDATA,
             "step 3 is infinite");
    /* A benchmark that never moves. */
    for (size_t t = 0; t < N_SIM; t++)
        b[t] = 0.001;
    ck_error(hs_regime_fit_new(&f, b, S.assets, N_SIM, NA, 2, &o), HS_EDATA,
             "all equal");
    /* All benchmark returns missing. */
    for (size_t t = 0; t < N_SIM; t++)
        b[t] = NAN;
    ck_error(hs_regime_fit_new(&f, b, S.assets, N_SIM, NA, 1, &o), HS_EDATA,
             "0 benchmark returns");
    ck_assert_ptr_null(f);
    hs_regime_fit_free(NULL); /* harmless */
}
END_TEST

/* --------------------------------------------------------- INI writer */

/* Write to memory; returns rc, *text owned by the caller. */
static int write_mem(const hs_regime_fit *f, const char *const *sym,
                     char **text, size_t *len)
{
    FILE *fp = open_memstream(text, len);
    ck_assert_ptr_nonnull(fp);
    int rc = hs_regime_fit_write_ini(f, sym, 1, fp);
    fclose(fp);
    return rc;
}

/* The value of `key` in [section] of an INI text, or NULL. */
static const char *ini_value(const char *text, const char *section,
                             const char *key, char *buf, size_t n)
{
    char head[128];
    snprintf(head, sizeof head, "[%s]\n", section);
    const char *s = strstr(text, head);
    if (!s)
        return NULL;
    s += strlen(head);
    size_t kl = strlen(key);
    while (*s && *s != '[') {
        const char *eol = strchr(s, '\n');
        size_t len = eol ? (size_t)(eol - s) : strlen(s);
        if (len > kl + 3 && !strncmp(s, key, kl) && !strncmp(s + kl, " = ", 3)) {
            snprintf(buf, n, "%.*s", (int)(len - kl - 3), s + kl + 3);
            return buf;
        }
        s += len + (eol ? 1 : 0);
    }
    return NULL;
}

/* Keys in [section], and the longest line of the text. */
static size_t section_keys(const char *text, const char *section)
{
    char head[128];
    snprintf(head, sizeof head, "[%s]\n", section);
    const char *s = strstr(text, head);
    ck_assert_msg(s != NULL, "no [%s]", section);
    s += strlen(head);
    size_t n = 0;
    while (*s && *s != '[') {
        const char *eol = strchr(s, '\n');
        size_t len = eol ? (size_t)(eol - s) : strlen(s);
        n += len && *s != ';' && memchr(s, '=', len);
        s += len + (eol ? 1 : 0);
    }
    return n;
}

static size_t longest_line(const char *text)
{
    size_t best = 0;
    for (const char *s = text; *s;) {
        const char *eol = strchr(s, '\n');
        size_t len = eol ? (size_t)(eol - s) : strlen(s);
        if (len > best)
            best = len;
        s += len + (eol ? 1 : 0);
    }
    return best;
}

START_TEST(test_write_ini)
{
    simulate(&S, 2024, 0.10, -0.40, 0.05);
    hs_regime_fit *f;
    ck_assert_int_eq(hs_regime_fit_new(&f, S.bench, S.assets, N_SIM, NA, 2,
                                       NULL),
                     0);
    const char *sym[NA] = {"ETH", "SOL", "BTC"};
    char *text = NULL, v[256];
    size_t len = 0;
    ck_assert_int_eq(write_mem(f, sym, &text, &len), 0);
    ck_assert_str_eq(ini_value(text, "mc", "model", v, sizeof v), "regime");
    ck_assert_str_eq(ini_value(text, "mc", "regimes", v, sizeof v),
                     "calm,stress");
    ck_assert_uint_eq(section_keys(text, "mc"), 2);
    /* 2 to.* + drift, vol, beta + 3 corr rows + 3 jump keys */
    ck_assert_uint_eq(section_keys(text, "mc.regime.calm"), 11);
    ck_assert_uint_eq(section_keys(text, "mc.regime.stress"), 11);
    ck_assert(longest_line(text) <= 199);
    /* Probabilities with 10 digits: rows sum to 1 within 1e-9. */
    double p00 = atof(ini_value(text, "mc.regime.calm", "to.calm", v, 256));
    double p01 = atof(ini_value(text, "mc.regime.calm", "to.stress", v, 256));
    hs_ck_rel(p00, f->trans[0], 1e-9);
    hs_ck_near(p00 + p01, 1.0, 1e-9);
    /* Lists in the symbols' order. */
    double b[NA];
    ck_assert_int_eq(sscanf(ini_value(text, "mc.regime.stress", "beta", v,
                                      256),
                            "%lf,%lf,%lf", &b[0], &b[1], &b[2]),
                     3);
    for (size_t a = 0; a < NA; a++)
        hs_ck_rel(b[a], f->beta[NA + a], 1e-9);
    ck_assert_int_eq(sscanf(ini_value(text, "mc.regime.calm", "corr.SOL", v,
                                      256),
                            "%lf,%lf,%lf", &b[0], &b[1], &b[2]),
                     3);
    ck_assert(b[1] == 1.0);
    hs_ck_rel(b[2], f->corr[1 * NA + 2], 1e-9);
    /* Jumps: fitted in stress, 0 in calm. */
    ck_assert(atof(ini_value(text, "mc.regime.calm", "jump_rate", v, 256)) ==
              0.0);
    hs_ck_rel(atof(ini_value(text, "mc.regime.stress", "jump_mean", v, 256)),
              f->jump_mean, 1e-9);
    free(text);

    /* Annual figures with 365 steps a year, as [mc.regime.NAME] reads
     * them: drift x 365, vol x sqrt(365), jumps a year; betas, correlations
     * and jump sizes as they are. */
    FILE *fp = open_memstream(&text, &len);
    ck_assert_int_eq(hs_regime_fit_write_ini(f, sym, 365, fp), 0);
    fclose(fp);
    double x[NA];
    ck_assert_int_eq(sscanf(ini_value(text, "mc.regime.stress", "vol", v, 256),
                            "%lf,%lf,%lf", &x[0], &x[1], &x[2]),
                     3);
    for (size_t a = 0; a < NA; a++)
        hs_ck_rel(x[a], f->vol[NA + a] * sqrt(365.0), 1e-9);
    ck_assert_int_eq(sscanf(ini_value(text, "mc.regime.calm", "drift", v, 256),
                            "%lf,%lf,%lf", &x[0], &x[1], &x[2]),
                     3);
    hs_ck_rel(x[1], f->mean[1] * 365.0, 1e-9);
    hs_ck_rel(atof(ini_value(text, "mc.regime.stress", "jump_rate", v, 256)),
              f->jump_rate * 365.0, 1e-9);
    hs_ck_rel(atof(ini_value(text, "mc.regime.stress", "beta", v, 256)),
              f->beta[NA], 1e-9);
    free(text);
    text = NULL;

    /* Reordering the assets: BTC first, as `hedgesim mc` reads the lists. */
    double vol2 = f->vol[NA + 2], c20 = f->corr[2 * NA + 0],
           c01 = f->corr[0 * NA + 1], beta0 = f->beta[0];
    const size_t order[NA] = {2, 0, 1}, bad_order[NA] = {0, 0, 1};
    ck_assert_int_eq(hs_regime_fit_reorder(f, bad_order), HS_EINVAL);
    ck_assert_int_eq(hs_regime_fit_reorder(f, order), 0);
    ck_assert(f->vol[NA + 0] == vol2);
    ck_assert(f->corr[0 * NA + 1] == c20); /* BTC-ETH */
    ck_assert(f->corr[1 * NA + 2] == c01); /* ETH-SOL */
    ck_assert(f->beta[1] == beta0);
    ck_assert(f->corr[0] == 1.0 && f->corr[NA + 1] == 1.0);

    /* Bad symbols, duplicates: refused, nothing written. */
    const char *badsym[NA] = {"ETH", "SO L", "BTC"};
    text = NULL;
    ck_assert_int_eq(write_mem(f, badsym, &text, &len), HS_EINVAL);
    ck_assert(strstr(hs_error_last(), "SO L"));
    ck_assert_uint_eq(len, 0);
    free(text);
    const char *dup[NA] = {"ETH", "BTC", "BTC"};
    text = NULL;
    ck_assert_int_eq(write_mem(f, dup, &text, &len), HS_EINVAL);
    ck_assert(strstr(hs_error_last(), "'BTC' is given twice"));
    free(text);
    ck_assert_int_eq(hs_regime_fit_write_ini(f, NULL, 1, stdout), HS_EINVAL);
    ck_assert_int_eq(hs_regime_fit_write_ini(f, sym, 0, stdout), HS_EINVAL);
    ck_assert_int_eq(hs_regime_fit_write_ini(NULL, sym, 1, stdout), HS_EINVAL);
    /* A non-finite parameter. */
    double keep = f->vol[1];
    f->vol[1] = NAN;
    text = NULL;
    ck_assert_int_eq(write_mem(f, sym, &text, &len), HS_ENUMERIC);
    ck_assert_uint_eq(len, 0);
    free(text);
    f->vol[1] = keep;
    hs_regime_fit_free(f);
}
END_TEST

/* A fit made by hand with n assets, every value v. */
typedef struct hand {
    hs_regime_fit f;
    double trans[4], x[2 * 26], corr[2 * 26 * 26], st[2], du[2];
    const char *sym[26];
    char names[26][8];
} hand;

static void make_hand(hand *h, size_t n, double v)
{
    memset(h, 0, sizeof *h);
    h->f.k = 2;
    h->f.n_assets = n;
    h->f.n_obs = 100;
    h->trans[0] = 0.999999999;
    h->trans[1] = 1e-9;
    h->trans[2] = h->trans[3] = 0.5;
    for (size_t i = 0; i < 2 * n; i++)
        h->x[i] = v;
    for (size_t i = 0; i < 2 * n * n; i++)
        h->corr[i] = v;
    h->f.trans = h->trans;
    h->f.mean = h->f.vol = h->f.beta = h->x;
    h->f.corr = h->corr;
    h->f.stationary = h->st;
    h->f.duration = h->du;
    for (size_t a = 0; a < n; a++) {
        snprintf(h->names[a], sizeof h->names[a], "C%zu", a);
        h->sym[a] = h->names[a];
    }
}

START_TEST(test_write_ini_limits)
{
    static hand h;
    char *text = NULL, v[256];
    size_t len = 0;
    /* 14 assets of 12-character numbers: digits drop until lines fit. */
    make_hand(&h, 14, -0.00123456789012);
    ck_assert_int_eq(write_mem(&h.f, h.sym, &text, &len), 0);
    ck_assert(longest_line(text) <= 199);
    ck_assert_uint_eq(section_keys(text, "mc.regime.stress"), 14 + 2 + 6);
    double d0;
    ck_assert_int_eq(sscanf(ini_value(text, "mc.regime.calm", "drift", v, 256),
                            "%lf", &d0),
                     1);
    hs_ck_rel(d0, -0.00123456789012, 5e-4); /* at least 4 digits */
    /* A probability near 1 keeps its 10 digits. */
    hs_ck_rel(1 - atof(ini_value(text, "mc.regime.calm", "to.calm", v, 256)),
              1e-9, 1e-6);
    free(text);
    /* 24 assets with 2 regimes: 32 keys, the most a section takes. */
    make_hand(&h, 24, 0.5);
    text = NULL;
    ck_assert_int_eq(write_mem(&h.f, h.sym, &text, &len), 0);
    ck_assert_uint_eq(section_keys(text, "mc.regime.calm"), 32);
    free(text);
    /* 25: refused, nothing written. */
    make_hand(&h, 25, 0.5);
    text = NULL;
    ck_assert_int_eq(write_mem(&h.f, h.sym, &text, &len), HS_EINVAL);
    ck_assert(strstr(hs_error_last(), "at most 24 assets"));
    ck_assert_uint_eq(len, 0);
    free(text);
    /* 20 numbers that need 10 characters even at 4 digits. */
    make_hand(&h, 20, -1.23456789e-05);
    text = NULL;
    ck_assert_int_eq(write_mem(&h.f, h.sym, &text, &len), HS_EDATA);
    ck_assert(strstr(hs_error_last(), "'drift' with 20 values"));
    ck_assert_uint_eq(len, 0);
    free(text);
}
END_TEST

START_TEST(test_regime_names)
{
    ck_assert_str_eq(hs_regime_name(2, 0), "calm");
    ck_assert_str_eq(hs_regime_name(2, 1), "stress");
    ck_assert_str_eq(hs_regime_name(1, 0), "r0");
    ck_assert_str_eq(hs_regime_name(3, 2), "r2");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("calibrate");
    TCase *tc = tcase_create("fit");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_recovers_two_regimes);
    tcase_add_test(tc, test_invariants);
    tcase_add_test(tc, test_one_regime);
    tcase_add_test(tc, test_missing_values);
    tcase_add_test(tc, test_jumps);
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    tc = tcase_create("ini");
    tcase_add_test(tc, test_write_ini);
    tcase_add_test(tc, test_write_ini_limits);
    tcase_add_test(tc, test_regime_names);
    suite_add_tcase(s, tc);
    return hs_test_main(s);
}
