/* Scenario models: Markov chains (stationary distribution, durations),
 * correlation factors (Cholesky, refusal, repair), the regime model's
 * returns and crash jumps against their known distributions, the
 * stationary bootstrap (block lengths, whole rows), the path panel, and bad
 * parameters.  Statistical tolerances are stated at each test: they are
 * 5 standard errors of the estimate under the model, so a correct
 * implementation fails about once in 3.5 million runs (and the streams are
 * fixed, so a run either always passes or always fails). */
#include "testutil.h"

#include "hedgesim/errors.h"
#include "hedgesim/scenario.h"

#include <string.h>

/* A history panel: BTC, ETH, SOL spot and a BTC-PERP column; n steps of
 * daily bars with distinct returns (row t's returns differ from every
 * other row's), SOL absent (delisted) for the last 10 steps when
 * sol_dies. */
static hs_panel *history(size_t n, int sol_dies)
{
    hs_panel *p = NULL;
    ck_assert_int_eq(hs_panel_new(&p, n, 4, 86400000), 0);
    const char *sym[4] = {"BTC", "ETH", "SOL", "BTC-PERP"};
    for (size_t a = 0; a < 4; a++)
        snprintf(p->symbol[a], HS_SYMBOL_MAX, "%s", sym[a]);
    double px[3] = {100, 50, 20};
    for (size_t t = 0; t < n; t++) {
        p->time[t] = 1600000000000LL + (int64_t)t * 86400000;
        p->rate[t] = 0.01;
        for (size_t a = 0; a < 3; a++) {
            size_t i = t * 4 + a;
            double r = 0.01 * sin(0.7 * (double)t * (double)(a + 1) + 0.3) +
                       1e-5 * (double)t;
            double o = px[a];
            px[a] *= exp(r);
            p->open[i] = o;
            p->close[i] = px[a];
            p->high[i] = fmax(o, px[a]);
            p->low[i] = fmin(o, px[a]);
            p->volume[i] = 1000;
            p->state[i] = (a == 2 && sol_dies && t + 10 >= n) ? HS_BAR_ABSENT
                                                              : HS_BAR_OK;
        }
        size_t i = t * 4 + 3;
        p->open[i] = p->open[t * 4];
        p->close[i] = p->close[t * 4];
        p->high[i] = p->high[t * 4];
        p->low[i] = p->low[t * 4];
        p->state[i] = HS_BAR_OK;
        p->funding[i] = 0.0003;
    }
    hs_panel_finish(p);
    if (sol_dies)
        p->delisted[2] = 1;
    return p;
}

static hs_scenario_layout layout3(void)
{
    hs_scenario_layout l;
    memset(&l, 0, sizeof l);
    l.n = 3;
    l.col[0] = 0, l.col[1] = 1, l.col[2] = 2;
    l.bench = 0;
    l.perp_col = 3;
    l.vol_col = -1;
    return l;
}

/* One regime, no randomness unless asked: zero drift, vol, jumps. */
static void one_regime(hs_regime_params *p, size_t n)
{
    const hs_regime_params init = HS_REGIME_PARAMS_INIT;
    *p = init;
    p->k = 1;
    p->n = n;
    hs_regime_spec *s = &p->r[0];
    snprintf(s->name, sizeof s->name, "only");
    s->trans[0] = 1;
    for (size_t i = 0; i < n; i++) {
        s->drift[i] = s->vol[i] = 0;
        s->beta[i] = 1;
        for (size_t j = 0; j < n; j++)
            s->corr[i * n + j] = i == j;
    }
    s->vol_index = NAN;
}

/* ------------------------------------------------------------ markov */

/* Two states: pi = (b, a) / (a + b) for P = [[1-a, a], [b, 1-b]]
 * (e.g. Norris, Markov Chains, 1997, 1.1).  Three states: pi P = pi. */
START_TEST(test_stationary)
{
    const double a = 0.02, b = 0.1;
    double P[4] = {1 - a, a, b, 1 - b}, pi[3];
    ck_assert_int_eq(hs_markov_stationary(P, 2, 1e-12, pi), 0);
    hs_ck_near(pi[0], b / (a + b), 1e-14);
    hs_ck_near(pi[1], a / (a + b), 1e-14);
    double Q[9] = {0.9, 0.08, 0.02, 0.1, 0.7, 0.2, 0.05, 0.15, 0.8};
    ck_assert_int_eq(hs_markov_stationary(Q, 3, 1e-12, pi), 0);
    for (size_t j = 0; j < 3; j++) {
        double s = 0;
        for (size_t i = 0; i < 3; i++)
            s += pi[i] * Q[i * 3 + j];
        hs_ck_near(s, pi[j], 1e-14);
    }
    hs_ck_near(pi[0] + pi[1] + pi[2], 1.0, 1e-14);
    /* Rows not summing to 1; a reducible chain. */
    double bad[4] = {0.9, 0.2, 0.1, 0.9};
    ck_assert_int_eq(hs_markov_stationary(bad, 2, 1e-12, pi), HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "row 0 sums to"));
    double id[4] = {1, 0, 0, 1};
    ck_assert_int_eq(hs_markov_stationary(id, 2, 1e-12, pi), HS_ENUMERIC);
}
END_TEST

/* The simulated chain: occupancy -> pi, mean sojourn in regime i ->
 * 1 / (1 - p_ii) (a geometric law).  One path of 400,000 steps; the
 * sojourns are independent geometric variables, so the mean of the
 * ~m sojourns has sd sqrt(p_ii) / (1 - p_ii) / sqrt(m); tolerance 5 sd. */
START_TEST(test_durations)
{
    const size_t steps = 400000;
    hs_panel *h = history(100, 0);
    hs_scenario_layout l = layout3();
    hs_regime_params p;
    one_regime(&p, 3);
    p.k = 2;
    p.r[1] = p.r[0];
    snprintf(p.r[0].name, HS_SCENARIO_NAME_MAX, "calm");
    snprintf(p.r[1].name, HS_SCENARIO_NAME_MAX, "stress");
    const double p00 = 0.98, p11 = 0.9;
    p.r[0].trans[0] = p00, p.r[0].trans[1] = 1 - p00;
    p.r[1].trans[0] = 1 - p11, p.r[1].trans[1] = p11;
    hs_scenario_opts o = {.warm = 10, .steps = steps};
    hs_scenario *sc = NULL;
    hs_scenario_path *pp = NULL;
    ck_assert_msg(hs_scenario_new(&sc, &hs_scenario_regime, &p, h, &l, &o) == 0,
                  "%s", hs_error_last());
    ck_assert_int_eq(hs_scenario_path_new(&pp, sc), 0);
    ck_assert_int_eq(hs_scenario_fill(pp, 42, 0), 0);
    const uint8_t *r = hs_scenario_path_regimes(pp);
    size_t occ[2] = {0, 0}, runs[2] = {0, 0}, len[2] = {0, 0};
    for (size_t t = 0; t < steps; t++) {
        occ[r[t]]++;
        if (t + 1 == steps || r[t + 1] != r[t])
            runs[r[t]]++; /* a sojourn ends (the last one is censored) */
        len[r[t]]++;
    }
    const double pi1 = (1 - p00) / ((1 - p00) + (1 - p11));
    /* Occupancy: the variance of a Markov chain's mean is inflated by
     * (1 + lambda) / (1 - lambda), lambda = p00 + p11 - 1 = 0.88. */
    const double lam = p00 + p11 - 1,
                 sd = sqrt(pi1 * (1 - pi1) / (double)steps * (1 + lam) /
                           (1 - lam));
    hs_ck_near((double)occ[1] / (double)steps, pi1, 5 * sd);
    const double pii[2] = {p00, p11};
    for (int i = 0; i < 2; i++) {
        double mean = (double)len[i] / (double)runs[i];
        double d = 1 / (1 - pii[i]);
        double se = sqrt(pii[i]) / (1 - pii[i]) / sqrt((double)runs[i]);
        hs_ck_near(mean, d, 5 * se);
    }
    hs_scenario_path_free(pp);
    hs_scenario_free(sc);
    hs_panel_free(h);
}
END_TEST

/* ---------------------------------------------------------- cholesky */

START_TEST(test_cholesky)
{
    double L[9];
    int rep = -1;
    /* 2 x 2: L = [[1, 0], [rho, sqrt(1 - rho^2)]]. */
    const double C2[4] = {1, 0.6, 0.6, 1};
    ck_assert_int_eq(hs_corr_cholesky(C2, 2, 0, L, &rep), 0);
    ck_assert_int_eq(rep, 0);
    hs_ck_near(L[0], 1, 1e-15);
    hs_ck_near(L[1], 0, 0);
    hs_ck_near(L[2], 0.6, 1e-15);
    hs_ck_near(L[3], 0.8, 1e-15);
    /* 3 x 3: L L^T = C. */
    const double C3[9] = {1, 0.5, 0.3, 0.5, 1, 0.4, 0.3, 0.4, 1};
    ck_assert_int_eq(hs_corr_cholesky(C3, 3, 0, L, &rep), 0);
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++) {
            double s = 0;
            for (size_t k = 0; k < 3; k++)
                s += L[i * 3 + k] * L[j * 3 + k];
            hs_ck_near(s, C3[i * 3 + j], 1e-15);
        }
    /* Not positive definite (eigenvalues of this matrix: 1.9, 1.9, -0.8):
     * refused, or repaired into a correlation matrix near it. */
    const double bad[9] = {1, 0.9, 0.9, 0.9, 1, -0.9, 0.9, -0.9, 1};
    ck_assert_int_eq(hs_corr_cholesky(bad, 3, 0, L, &rep), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "not positive definite"));
    ck_assert_int_eq(hs_corr_cholesky(bad, 3, 1, L, &rep), 0);
    ck_assert_int_eq(rep, 1);
    double R[9];
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++) {
            double s = 0;
            for (size_t k = 0; k < 3; k++)
                s += L[i * 3 + k] * L[j * 3 + k];
            R[i * 3 + j] = s;
        }
    for (size_t i = 0; i < 3; i++)
        hs_ck_near(R[i * 4], 1, 1e-12); /* unit diagonal */
    /* Signs kept, and smaller in size: the clipped matrix of this one is
     * [[1, a, a], [a, 1, -a'], ...] with |entries| < 0.9. */
    ck_assert(R[1] > 0 && R[1] < 0.9 && R[5] < 0 && R[5] > -0.9);
    /* Entries outside [-1, 1], a diagonal not 1, asymmetry. */
    const double out[4] = {1, 1.2, 1.2, 1};
    ck_assert_int_eq(hs_corr_cholesky(out, 2, 1, L, &rep), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "outside [-1, 1]"));
    const double diag[4] = {0.9, 0.1, 0.1, 1};
    ck_assert_int_eq(hs_corr_cholesky(diag, 2, 1, L, &rep), HS_ECONFIG);
    const double asym[4] = {1, 0.1, 0.2, 1};
    ck_assert_int_eq(hs_corr_cholesky(asym, 2, 1, L, &rep), HS_ECONFIG);
}
END_TEST

/* ------------------------------------------------- returns and jumps */

static hs_scenario_path *make_path(hs_scenario **sc, hs_panel *h,
                                   const hs_scenario_type *type,
                                   const void *params, size_t warm,
                                   size_t steps)
{
    hs_scenario_layout l = layout3();
    hs_scenario_opts o = {.warm = warm, .steps = steps};
    hs_scenario_path *pp = NULL;
    ck_assert_msg(hs_scenario_new(sc, type, params, h, &l, &o) == 0, "%s",
                  hs_error_last());
    ck_assert_int_eq(hs_scenario_path_new(&pp, *sc), 0);
    return pp;
}

/* Gaussian part: per-step sd -> vol, correlation -> rho.  n = 200,000
 * steps: se(sd) = vol / sqrt(2n), se(rho) = (1 - rho^2) / sqrt(n). */
START_TEST(test_gaussian)
{
    const size_t n = 200000;
    hs_panel *h = history(100, 0);
    hs_regime_params p;
    one_regime(&p, 3);
    const double vol[3] = {0.02, 0.03, 0.04}, rho = 0.7;
    for (size_t i = 0; i < 3; i++) {
        p.r[0].vol[i] = vol[i];
        for (size_t j = 0; j < 3; j++)
            p.r[0].corr[i * 3 + j] = i == j ? 1 : rho;
    }
    hs_scenario *sc = NULL;
    hs_scenario_path *pp = make_path(&sc, h, &hs_scenario_regime, &p, 5, n);
    ck_assert_int_eq(hs_scenario_fill(pp, 7, 3), 0);
    const double *r = hs_scenario_path_returns(pp);
    double s[3] = {0}, ss[3] = {0}, sx = 0;
    for (size_t t = 0; t < n; t++) {
        for (size_t i = 0; i < 3; i++)
            s[i] += r[t * 3 + i], ss[i] += r[t * 3 + i] * r[t * 3 + i];
        sx += r[t * 3] * r[t * 3 + 1];
    }
    for (size_t i = 0; i < 3; i++)
        hs_ck_near(sqrt(ss[i] / (double)n), vol[i],
                   5 * vol[i] / sqrt(2.0 * (double)n));
    double c = sx / (double)n / (vol[0] * vol[1]);
    hs_ck_near(c, rho, 5 * (1 - rho * rho) / sqrt((double)n));
    hs_scenario_path_free(pp);
    hs_scenario_free(sc);
    hs_panel_free(h);
}
END_TEST

/* Crash jumps alone (no diffusion): the share of steps with a jump is
 * 1 - exp(-lambda) (Poisson), the mean per step lambda E[J] and the
 * second moment lambda E[J^2] + (lambda E[J])^2; every asset moves by
 * its beta times the benchmark's jump.  Normal sizes: E[J] = m,
 * E[J^2] = m^2 + s^2; double exponential (Kou 2002): E[J] = p u - (1-p) d,
 * E[J^2] = 2 p u^2 + 2 (1-p) d^2.  Tolerance: 5 standard errors. */
static void check_jumps(hs_jump_kind kind)
{
    const size_t n = 300000;
    const double lam = 0.05;
    hs_panel *h = history(100, 0);
    hs_regime_params p;
    one_regime(&p, 3);
    hs_regime_spec *g = &p.r[0];
    g->jump_rate = lam;
    g->jump_kind = kind;
    g->jump_mean = -0.08, g->jump_sd = 0.03;
    g->jump_up_prob = 0.3, g->jump_up = 0.05, g->jump_down = 0.1;
    g->beta[1] = 1.5, g->beta[2] = 0.5;
    double m1, m2;
    if (kind == HS_JUMP_NORMAL)
        m1 = -0.08, m2 = 0.08 * 0.08 + 0.03 * 0.03;
    else
        m1 = 0.3 * 0.05 - 0.7 * 0.1, m2 = 2 * 0.3 * 0.0025 + 2 * 0.7 * 0.01;
    hs_scenario *sc = NULL;
    hs_scenario_path *pp = make_path(&sc, h, &hs_scenario_regime, &p, 5, n);
    ck_assert_int_eq(hs_scenario_fill(pp, 11, 0), 0);
    const double *r = hs_scenario_path_returns(pp);
    size_t hits = 0;
    double s = 0, ss = 0, s4 = 0;
    for (size_t t = 0; t < n; t++) {
        double x = r[t * 3];
        hits += x != 0;
        s += x;
        ss += x * x;
        s4 += x * x * x * x;
        hs_ck_near(r[t * 3 + 1], 1.5 * x, 1e-15);
        hs_ck_near(r[t * 3 + 2], 0.5 * x, 1e-15);
    }
    const double q = 1 - exp(-lam);
    hs_ck_near((double)hits / (double)n, q, 5 * sqrt(q * (1 - q) / (double)n));
    const double mean = lam * m1, var = lam * m2; /* compound Poisson */
    hs_ck_near(s / (double)n, mean, 5 * sqrt(var / (double)n));
    const double e2 = var + mean * mean;
    const double var2 = s4 / (double)n - e2 * e2; /* sample variance of x^2 */
    hs_ck_near(ss / (double)n, e2, 5 * sqrt(var2 / (double)n));
    hs_scenario_path_free(pp);
    hs_scenario_free(sc);
    hs_panel_free(h);
}

START_TEST(test_jumps_normal) { check_jumps(HS_JUMP_NORMAL); }
END_TEST
START_TEST(test_jumps_double_exp) { check_jumps(HS_JUMP_DOUBLE_EXP); }
END_TEST

/* ----------------------------------------------------------- bootstrap */

/* Rows are whole historical rows (all assets of one step); block lengths
 * (runs of consecutive rows) are geometric with mean L: a new block starts
 * with probability 1/L, and lands on the next row by chance with
 * probability 1/rows, so the mean run is L / (1 - (L - 1)/(L rows))...
 * within 5 se of L (se = sqrt(L (L - 1) / m) for m runs) plus 1 % for the
 * coincidences and the circular wrap. */
START_TEST(test_bootstrap)
{
    const size_t steps = 200000, nh = 400;
    hs_panel *h = history(nh, 0);
    hs_bootstrap_params bp = HS_BOOTSTRAP_PARAMS_INIT;
    bp.block = 12;
    hs_scenario *sc = NULL;
    hs_scenario_path *pp = make_path(&sc, h, &hs_scenario_bootstrap, &bp, 5,
                                     steps);
    ck_assert_int_eq(hs_scenario_fill(pp, 3, 1), 0);
    const double *r = hs_scenario_path_returns(pp);
    /* Map every simulated row back to its history row by all three
     * returns at once. */
    size_t runs = 1, prev = (size_t)-1;
    for (size_t t = 0; t < steps; t++) {
        size_t k;
        for (k = 1; k < nh; k++) {
            int same = 1;
            for (size_t a = 0; a < 3 && same; a++)
                same = r[t * 3 + a] ==
                       log(h->close[k * 4 + a] / h->close[(k - 1) * 4 + a]);
            if (same)
                break;
        }
        ck_assert_msg(k < nh, "row %zu is not a whole history row", t);
        if (t > 0 && k != prev + 1 && !(prev == nh - 1 && k == 1))
            runs++;
        prev = k;
    }
    double mean = (double)steps / (double)runs;
    double se = sqrt(12.0 * 11.0 / (double)runs);
    hs_ck_near(mean, 12.0, 5 * se + 0.12);
    /* Bad block length. */
    hs_scenario *bad = NULL;
    hs_scenario_layout l = layout3();
    hs_scenario_opts o = {.warm = 5, .steps = 10};
    bp.block = 0.5;
    ck_assert_int_eq(hs_scenario_new(&bad, &hs_scenario_bootstrap, &bp, h, &l,
                                     &o),
                     HS_ECONFIG);
    ck_assert_ptr_null(bad);
    hs_scenario_path_free(pp);
    hs_scenario_free(sc);
    hs_panel_free(h);
}
END_TEST

/* ------------------------------------------------------------ the panel */

/* Zero volatility, drift d: closes are the last history close times
 * exp(d (t + 1)); the warm-up rows are the history's last rows; the perp
 * column copies the benchmark, with the regime's funding; an asset that no
 * longer trades stays absent; the same path is drawn whatever was drawn
 * before. */
START_TEST(test_path_panel)
{
    const size_t nh = 120, warm = 30, steps = 50;
    hs_panel *h = history(nh, 1);
    hs_regime_params p;
    one_regime(&p, 3);
    const double d = 0.001;
    for (size_t i = 0; i < 3; i++)
        p.r[0].drift[i] = d;
    p.r[0].funding = 0.0005;
    hs_scenario *sc = NULL;
    hs_scenario_path *pp = make_path(&sc, h, &hs_scenario_regime, &p, warm,
                                     steps);
    ck_assert_int_eq(hs_scenario_fill(pp, 1, 0), 0);
    const hs_panel *q = hs_scenario_path_panel(pp);
    ck_assert_uint_eq(q->n_steps, warm + steps);
    ck_assert_str_eq(q->symbol[3], "BTC-PERP");
    for (size_t t = 0; t < warm; t++)
        for (size_t a = 0; a < 4; a++) {
            size_t i = t * 4 + a, j = (nh - warm + t) * 4 + a;
            ck_assert_int_eq(q->state[i], h->state[j]);
            if (q->state[i] != HS_BAR_ABSENT)
                ck_assert(q->close[i] == h->close[j]);
        }
    for (size_t t = 0; t < steps; t++) {
        size_t row = (warm + t) * 4;
        ck_assert_int_eq(q->time[warm + t] - q->time[warm + t - 1], 86400000);
        for (size_t a = 0; a < 2; a++)
            hs_ck_rel(q->close[row + a],
                      h->close[(nh - 1) * 4 + a] * exp(d * (double)(t + 1)),
                      1e-12);
        ck_assert(q->close[row + 3] == q->close[row]);
        ck_assert(q->open[row + 3] == q->open[row]);
        hs_ck_near(q->funding[row + 3], 0.0005, 0);
        ck_assert_int_eq(q->state[row + 2], HS_BAR_ABSENT);
        ck_assert(isnan(q->close[row + 2]));
    }
    ck_assert_int_eq(q->delisted[2], 1);
    ck_assert_int_eq(q->delisted[0], 0);
    hs_scenario_path_free(pp);
    hs_scenario_free(sc);
    hs_panel_free(h);
}
END_TEST

/* Path p is the same whatever path object draws it and whatever was drawn
 * before; paths differ from each other. */
START_TEST(test_path_streams)
{
    hs_panel *h = history(100, 0);
    hs_regime_params p;
    one_regime(&p, 3);
    for (size_t i = 0; i < 3; i++)
        p.r[0].vol[i] = 0.02;
    p.r[0].jump_rate = 0.1, p.r[0].jump_sd = 0.05;
    hs_scenario *sc = NULL;
    hs_scenario_path *a = make_path(&sc, h, &hs_scenario_regime, &p, 10, 40);
    hs_scenario_path *b = NULL;
    ck_assert_int_eq(hs_scenario_path_new(&b, sc), 0);
    ck_assert_int_eq(hs_scenario_fill(a, 9, 5), 0);
    ck_assert_int_eq(hs_scenario_fill(b, 9, 4), 0);
    ck_assert_int_eq(hs_scenario_fill(b, 9, 5), 0);
    const hs_panel *pa = hs_scenario_path_panel(a),
                   *pb = hs_scenario_path_panel(b);
    ck_assert_int_eq(memcmp(pa->close, pb->close,
                            pa->n_steps * pa->n_assets * sizeof(double)),
                     0);
    ck_assert_int_eq(hs_scenario_fill(b, 9, 6), 0);
    ck_assert(pa->close[49 * 4] != pb->close[49 * 4]);
    hs_scenario_path_free(a);
    hs_scenario_path_free(b);
    hs_scenario_free(sc);
    hs_panel_free(h);
}
END_TEST

/* A forced shift: a chain that never leaves calm is put in stress for
 * steps 5 .. 14, with the stress volatilities times shift_vol = 0 (so its
 * returns are the stress drift exactly) and the chain goes on from stress
 * (which, with P(stress -> stress) = 1 here, it never leaves). */
START_TEST(test_forced_shift)
{
    hs_panel *h = history(100, 0);
    hs_regime_params p;
    one_regime(&p, 3);
    p.k = 2;
    p.r[1] = p.r[0];
    snprintf(p.r[1].name, HS_SCENARIO_NAME_MAX, "stress");
    p.r[0].trans[0] = 1, p.r[0].trans[1] = 0;
    p.r[1].trans[0] = 0, p.r[1].trans[1] = 1;
    for (size_t i = 0; i < 3; i++) {
        p.r[0].vol[i] = 0.01;
        p.r[1].vol[i] = 0.05;
        p.r[1].drift[i] = -0.002;
    }
    p.start = 0;
    p.shift_from = 5, p.shift_steps = 10, p.shift_regime = 1;
    p.shift_vol = 0, p.shift_corr = 0.99;
    hs_scenario *sc = NULL;
    hs_scenario_path *pp = make_path(&sc, h, &hs_scenario_regime, &p, 5, 30);
    ck_assert_int_eq(hs_scenario_fill(pp, 1, 2), 0);
    const uint8_t *r = hs_scenario_path_regimes(pp);
    const double *x = hs_scenario_path_returns(pp);
    for (size_t t = 0; t < 30; t++) {
        ck_assert_int_eq(r[t], t < 5 ? 0 : 1);
        if (t >= 5 && t < 15)
            for (size_t i = 0; i < 3; i++)
                hs_ck_near(x[t * 3 + i], -0.002, 0);
        else
            ck_assert(x[t * 3] != -0.002 && x[t * 3] != 0);
    }
    ck_assert_ptr_nonnull(strstr(hs_scenario_describe(sc), "forced shift"));
    hs_scenario_path_free(pp);
    hs_scenario_free(sc);
    /* A shift correlation outside [-1, 1] or a negative factor: refused. */
    hs_scenario_layout l = layout3();
    hs_scenario_opts o = {.warm = 5, .steps = 30};
    p.shift_corr = 1.5;
    ck_assert_int_eq(hs_scenario_new(&sc, &hs_scenario_regime, &p, h, &l, &o),
                     HS_ECONFIG);
    p.shift_corr = NAN;
    p.shift_vol = -1;
    ck_assert_int_eq(hs_scenario_new(&sc, &hs_scenario_regime, &p, h, &l, &o),
                     HS_ECONFIG);
    p.shift_vol = 1;
    p.shift_regime = 7;
    ck_assert_int_eq(hs_scenario_new(&sc, &hs_scenario_regime, &p, h, &l, &o),
                     HS_ECONFIG);
    hs_panel_free(h);
}
END_TEST

/* ------------------------------------------------------ bad parameters */

START_TEST(test_bad_params)
{
    hs_panel *h = history(100, 0);
    hs_scenario_layout l = layout3();
    hs_scenario_opts o = {.warm = 10, .steps = 20};
    hs_scenario *sc = NULL;
    hs_regime_params p;

    one_regime(&p, 3);
    p.r[0].vol[1] = -0.1;
    ck_assert_int_eq(hs_scenario_new(&sc, &hs_scenario_regime, &p, h, &l, &o),
                     HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "must be >= 0"));

    one_regime(&p, 3);
    p.r[0].trans[0] = 0.9;
    ck_assert_int_eq(hs_scenario_new(&sc, &hs_scenario_regime, &p, h, &l, &o),
                     HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "sum to"));

    one_regime(&p, 3);
    p.r[0].corr[1] = p.r[0].corr[3] = 1.5;
    ck_assert_int_eq(hs_scenario_new(&sc, &hs_scenario_regime, &p, h, &l, &o),
                     HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "outside [-1, 1]"));

    one_regime(&p, 3);
    p.r[0].jump_rate = -1;
    ck_assert_int_eq(hs_scenario_new(&sc, &hs_scenario_regime, &p, h, &l, &o),
                     HS_ECONFIG);

    one_regime(&p, 2); /* parameters for 2 assets, the layout has 3 */
    ck_assert_int_eq(hs_scenario_new(&sc, &hs_scenario_regime, &p, h, &l, &o),
                     HS_ECONFIG);

    one_regime(&p, 3);
    o.steps = 0;
    ck_assert_int_eq(hs_scenario_new(&sc, &hs_scenario_regime, &p, h, &l, &o),
                     HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "horizon"));
    o.steps = 20;
    /* A bootstrap window with one usable row. */
    hs_bootstrap_params bp = HS_BOOTSTRAP_PARAMS_INIT;
    bp.from = h->time[50];
    bp.to = h->time[50];
    ck_assert_int_eq(hs_scenario_new(&sc, &hs_scenario_bootstrap, &bp, h, &l,
                                     &o),
                     HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "at least 2"));
    /* A benchmark that no longer trades at the end of the history. */
    hs_scenario_layout dead = l;
    dead.bench = 2;
    hs_panel *h2 = history(100, 1);
    ck_assert_int_eq(hs_scenario_new(&sc, &hs_scenario_regime, &p, h2, &dead,
                                     &o),
                     HS_EDATA);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "SOL"));
    hs_panel_free(h2);
    o.warm = 101;
    ck_assert_int_eq(hs_scenario_new(&sc, &hs_scenario_regime, &p, h, &l, &o),
                     HS_EINVAL);
    ck_assert_ptr_null(sc);
    hs_panel_free(h);
}
END_TEST

/* The adapter from fitted moments, and the registry. */
START_TEST(test_from_moments)
{
    const double trans[4] = {0.97, 0.03, 0.2, 0.8};
    const double mean[4] = {0.001, 0.002, -0.003, -0.004};
    const double vol[4] = {0.02, 0.03, 0.05, 0.06};
    const double corr[8] = {1, 0.5, 0.5, 1, 1, 0.9, 0.9, 1};
    const double beta[4] = {1, 1.2, 1, 1.4};
    hs_regime_params p;
    ck_assert_int_eq(hs_regime_params_from_moments(&p, 2, 2, trans, mean, vol,
                                                   corr, beta, 0.01, -0.1,
                                                   0.05),
                     0);
    ck_assert_str_eq(p.r[1].name, "stress");
    ck_assert_int_eq(p.stress, 1);
    hs_ck_near(p.r[1].trans[0], 0.2, 0);
    hs_ck_near(p.r[1].vol[1], 0.06, 0);
    hs_ck_near(p.r[1].corr[1], 0.9, 0);
    hs_ck_near(p.r[0].beta[1], 1.2, 0);
    hs_ck_near(p.r[1].jump_rate, 0.01, 0);
    ck_assert_int_eq(hs_regime_params_from_moments(&p, 5, 2, trans, mean, vol,
                                                   corr, beta, 0, 0, 0),
                     HS_EINVAL);
    ck_assert_ptr_eq(hs_scenario_find("regime"), &hs_scenario_regime);
    ck_assert_ptr_eq(hs_scenario_find("bootstrap"), &hs_scenario_bootstrap);
    ck_assert_ptr_null(hs_scenario_find("garch"));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("scenario");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_stationary);
    tcase_add_test(tc, test_durations);
    tcase_add_test(tc, test_cholesky);
    tcase_add_test(tc, test_gaussian);
    tcase_add_test(tc, test_jumps_normal);
    tcase_add_test(tc, test_jumps_double_exp);
    tcase_add_test(tc, test_bootstrap);
    tcase_add_test(tc, test_path_panel);
    tcase_add_test(tc, test_path_streams);
    tcase_add_test(tc, test_forced_shift);
    tcase_add_test(tc, test_bad_params);
    tcase_add_test(tc, test_from_moments);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return hs_test_main(suite()); }
