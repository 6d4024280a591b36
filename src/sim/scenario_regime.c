/* The regime-switching scenario model: a Markov chain of K regimes, per
 * regime correlated Gaussian log returns (Cholesky factor of the regime's
 * correlation matrix), common crash jumps loaded by beta, and funding and
 * vol-index levels that follow the regime (docs/montecarlo.md). */
#include "hedgesim/errors.h"
#include "hedgesim/scenario.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two doubles, added and multiplied element by element (GCC's and Clang's
 * vector extension: SSE2 on x86-64, two scalar operations elsewhere); each
 * element is rounded exactly as the scalar operation would be. */
typedef double v2d __attribute__((vector_size(16)));

#define K_MAX HS_SCENARIO_MAX_REGIMES
#define N_MAX HS_SCENARIO_MAX_ASSETS
/* Row sums of a transition matrix must be 1 within this. */
#define ROW_TOL 1e-9
/* Eigenvalue floor of the repair. */
#define REPAIR_EPS 1e-8

/* ------------------------------------------------------------ helpers */

int hs_markov_stationary(const double *P, size_t k, double tol, double *pi)
{
    int rc = 0, sign;
    if (k == 0 || k > K_MAX)
        return hs_error_set(HS_EINVAL, "markov: %zu states", k);
    for (size_t i = 0; i < k; i++) {
        double s = 0;
        for (size_t j = 0; j < k; j++) {
            if (!(P[i * k + j] >= 0 && P[i * k + j] <= 1))
                return hs_error_set(HS_EINVAL,
                                    "markov: P[%zu][%zu] = %g is not a "
                                    "probability",
                                    i, j, P[i * k + j]);
            s += P[i * k + j];
        }
        if (fabs(s - 1) > tol)
            return hs_error_set(HS_EINVAL,
                                "markov: row %zu sums to %.12g, not 1", i, s);
    }
    double a[K_MAX * K_MAX], b[K_MAX];
    size_t perm_data[K_MAX];
    for (size_t i = 0; i < k; i++) {
        for (size_t j = 0; j < k; j++)
            a[i * k + j] = P[j * k + i] - (i == j);
        b[i] = 0;
    }
    for (size_t j = 0; j < k; j++)
        a[(k - 1) * k + j] = 1;
    b[k - 1] = 1;
    gsl_matrix_view A = gsl_matrix_view_array(a, k, k);
    gsl_vector_view B = gsl_vector_view_array(b, k);
    gsl_vector_view X = gsl_vector_view_array(pi, k);
    gsl_permutation perm = {k, perm_data};
    if (gsl_linalg_LU_decomp(&A.matrix, &perm, &sign) ||
        fabs(gsl_linalg_LU_det(&A.matrix, sign)) < 1e-14 ||
        gsl_linalg_LU_solve(&A.matrix, &perm, &B.vector, &X.vector))
        rc = hs_error_set(HS_ENUMERIC,
                          "markov: no unique stationary distribution (the "
                          "chain is reducible)");
    return rc;
}

/* Eigenvalue clipping: C = V diag(max(l, eps)) V^T, rescaled to a unit
 * diagonal.  C is overwritten. */
static int clip_eigen(double *C, size_t n)
{
    int rc = 0;
    gsl_matrix *v = gsl_matrix_alloc(n, n);
    gsl_vector *l = gsl_vector_alloc(n);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(n);
    double *copy = malloc(n * n * sizeof *copy);
    if (!v || !l || !ws || !copy) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(copy, C, n * n * sizeof *copy);
    gsl_matrix_view m = gsl_matrix_view_array(copy, n, n);
    if (gsl_eigen_symmv(&m.matrix, l, v, ws)) {
        rc = hs_error_set(HS_ENUMERIC, "correlation repair: eigen failed");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (gsl_vector_get(l, i) < REPAIR_EPS)
            gsl_vector_set(l, i, REPAIR_EPS);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t q = 0; q < n; q++)
                s += gsl_matrix_get(v, i, q) * gsl_vector_get(l, q) *
                     gsl_matrix_get(v, j, q);
            C[i * n + j] = s;
        }
    for (size_t i = 0; i < n; i++)
        copy[i] = sqrt(C[i * n + i]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            C[i * n + j] = i == j ? 1.0 : C[i * n + j] / (copy[i] * copy[j]);
done:
    gsl_matrix_free(v);
    gsl_vector_free(l);
    gsl_eigen_symmv_free(ws);
    free(copy);
    return rc;
}

int hs_corr_cholesky(const double *C, size_t n, int repair, double *L,
                     int *repaired)
{
    if (repaired)
        *repaired = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double c = C[i * n + j];
            if (!(c >= -1 && c <= 1))
                return hs_error_set(HS_ECONFIG,
                                    "correlation (%zu, %zu) = %g is outside "
                                    "[-1, 1]",
                                    i + 1, j + 1, c);
            if (i == j && c != 1)
                return hs_error_set(HS_ECONFIG,
                                    "correlation (%zu, %zu) = %g: the "
                                    "diagonal must be 1",
                                    i + 1, i + 1, c);
            if (fabs(c - C[j * n + i]) > 1e-12)
                return hs_error_set(HS_ECONFIG,
                                    "correlation matrix not symmetric at "
                                    "(%zu, %zu): %g vs %g",
                                    i + 1, j + 1, c, C[j * n + i]);
        }
    memcpy(L, C, n * n * sizeof *L);
    gsl_matrix_view m = gsl_matrix_view_array(L, n, n);
    if (gsl_linalg_cholesky_decomp1(&m.matrix) != GSL_SUCCESS) {
        if (!repair)
            return hs_error_set(HS_ECONFIG,
                                "correlation matrix is not positive definite "
                                "(set repair = true in [mc] to clip its "
                                "eigenvalues)");
        memcpy(L, C, n * n * sizeof *L);
        int rc = clip_eigen(L, n);
        if (rc)
            return rc;
        if (gsl_linalg_cholesky_decomp1(&m.matrix) != GSL_SUCCESS)
            return hs_error_set(HS_ENUMERIC,
                                "correlation matrix still not positive "
                                "definite after repair");
        if (repaired)
            *repaired = 1;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            L[i * n + j] = 0; /* decomp1 leaves L^T above the diagonal */
    return 0;
}

int hs_regime_params_from_moments(hs_regime_params *p, size_t k, size_t n,
                                  const double *trans, const double *mean,
                                  const double *vol, const double *corr,
                                  const double *beta, double jump_rate,
                                  double jump_mean, double jump_sd)
{
    const hs_regime_params init = HS_REGIME_PARAMS_INIT;
    if (k == 0 || k > K_MAX || n == 0 || n > N_MAX)
        return hs_error_set(HS_EINVAL, "regime params: k = %zu, n = %zu", k,
                            n);
    *p = init;
    p->k = k;
    p->n = n;
    p->stress = (int)k - 1;
    for (size_t r = 0; r < k; r++) {
        hs_regime_spec *s = &p->r[r];
        if (k == 2)
            snprintf(s->name, sizeof s->name, "%s", r ? "stress" : "calm");
        else
            snprintf(s->name, sizeof s->name, "r%zu", r);
        for (size_t j = 0; j < k; j++)
            s->trans[j] = trans[r * k + j];
        for (size_t i = 0; i < n; i++) {
            s->drift[i] = mean[r * n + i];
            s->vol[i] = vol[r * n + i];
            s->beta[i] = beta[r * n + i];
            for (size_t j = 0; j < n; j++)
                s->corr[i * n + j] = corr[(r * n + i) * n + j];
        }
        s->jump_rate = jump_rate;
        s->jump_kind = HS_JUMP_NORMAL;
        s->jump_mean = jump_mean;
        s->jump_sd = jump_sd;
        s->funding = 0;
        s->vol_index = NAN;
    }
    return 0;
}

/* -------------------------------------------------------------- model */

typedef struct regime_model {
    hs_regime_params p;
    size_t m;            /* simulated (alive) assets */
    size_t mp;           /* m rounded up to even: pairs of assets */
    int idx[N_MAX];      /* model index of simulated asset j */
    double cum[K_MAX][K_MAX]; /* cumulative transition rows */
    double cum0[K_MAX];  /* cumulative start distribution */
    double pi[K_MAX];
    /* Per regime (and the shift, at K_MAX): the Cholesky factor L [m * m]
     * stored as pairs of rows, (L[2q][b], L[2q+1][b]) at
     * Lp[2 * (q * m + b)], zero above the diagonal and in the row past m
     * when m is odd; and
     * drift, vol and beta over the simulated assets. */
    double *Lp[K_MAX + 1];
    double drift[K_MAX + 1][N_MAX], vol[K_MAX + 1][N_MAX],
        beta[K_MAX + 1][N_MAX];
    int repaired[K_MAX + 1];
} regime_model;

static void regime_free(void *model)
{
    regime_model *m = model;
    if (!m)
        return;
    for (size_t r = 0; r <= K_MAX; r++)
        free(m->Lp[r]);
    free(m);
}

/* Validate one regime (w: its name for messages). */
static int check_regime(const hs_regime_params *p, size_t r)
{
    const hs_regime_spec *s = &p->r[r];
    const char *w = s->name;
    double sum = 0;
    for (size_t j = 0; j < p->k; j++) {
        if (!(s->trans[j] >= 0 && s->trans[j] <= 1))
            return hs_error_set(HS_ECONFIG,
                                "regime %s: transition to %s = %g is not a "
                                "probability",
                                w, p->r[j].name, s->trans[j]);
        sum += s->trans[j];
    }
    if (fabs(sum - 1) > ROW_TOL)
        return hs_error_set(HS_ECONFIG,
                            "regime %s: transition probabilities sum to %.12g, "
                            "not 1",
                            w, sum);
    for (size_t i = 0; i < p->n; i++) {
        if (!(s->vol[i] >= 0) || !isfinite(s->vol[i]))
            return hs_error_set(HS_ECONFIG,
                                "regime %s: volatility of asset %zu is %g "
                                "(must be >= 0)",
                                w, i + 1, s->vol[i]);
        if (!isfinite(s->drift[i]) || !isfinite(s->beta[i]))
            return hs_error_set(HS_ECONFIG,
                                "regime %s: drift or beta of asset %zu is not "
                                "finite",
                                w, i + 1);
    }
    if (!(s->jump_rate >= 0) || !isfinite(s->jump_rate))
        return hs_error_set(HS_ECONFIG, "regime %s: jump rate %g (must be >= 0)",
                            w, s->jump_rate);
    if (s->jump_kind == HS_JUMP_NORMAL) {
        if (!isfinite(s->jump_mean) || !(s->jump_sd >= 0) ||
            !isfinite(s->jump_sd))
            return hs_error_set(HS_ECONFIG,
                                "regime %s: jump size mean %g, sd %g (sd must "
                                "be >= 0)",
                                w, s->jump_mean, s->jump_sd);
    } else if (s->jump_kind == HS_JUMP_DOUBLE_EXP) {
        if (!(s->jump_up_prob >= 0 && s->jump_up_prob <= 1) ||
            !(s->jump_up > 0) || !(s->jump_down > 0) ||
            !isfinite(s->jump_up) || !isfinite(s->jump_down))
            return hs_error_set(HS_ECONFIG,
                                "regime %s: double-exponential jumps need "
                                "0 <= up probability <= 1 and mean sizes > 0",
                                w);
    } else {
        return hs_error_set(HS_ECONFIG, "regime %s: unknown jump kind", w);
    }
    if (!isfinite(s->funding))
        return hs_error_set(HS_ECONFIG, "regime %s: funding is not finite", w);
    return 0;
}

/* The factor of slot `slot` from regime r's correlations over the simulated
 * assets (off-diagonal set to `level` unless NaN). */
static int build_factor(regime_model *m, size_t slot, size_t r, double level,
                        double vol_factor)
{
    const hs_regime_spec *s = &m->p.r[r];
    const size_t n = m->p.n, mm = m->m;
    double *c = calloc(mm * mm, sizeof *c), *L = calloc(mm * mm, sizeof *L);
    int rc;
    m->Lp[slot] = calloc(mm * m->mp, sizeof *m->Lp[slot]);
    if (!c || !L || !m->Lp[slot]) {
        free(c);
        free(L);
        return hs_error_set(HS_ENOMEM, "out of memory");
    }
    for (size_t a = 0; a < mm; a++) {
        for (size_t b = 0; b < mm; b++)
            c[a * mm + b] = a == b ? 1.0
                            : isnan(level)
                                ? s->corr[(size_t)m->idx[a] * n +
                                          (size_t)m->idx[b]]
                                : level;
        m->drift[slot][a] = s->drift[m->idx[a]];
        m->vol[slot][a] = s->vol[m->idx[a]] * vol_factor;
        m->beta[slot][a] = s->beta[m->idx[a]];
    }
    /* The diagonal as given must be 1 too. */
    for (size_t a = 0; a < mm; a++)
        if (isnan(level) &&
            s->corr[(size_t)m->idx[a] * n + (size_t)m->idx[a]] != 1)
            c[a * mm + a] = s->corr[(size_t)m->idx[a] * n + (size_t)m->idx[a]];
    rc = hs_corr_cholesky(c, mm, m->p.repair, L, &m->repaired[slot]);
    for (size_t a = 0; a < mm && !rc; a++)
        for (size_t b = 0; b <= a; b++)
            m->Lp[slot][2 * ((a / 2) * mm + b) + a % 2] = L[a * mm + b];
    free(c);
    free(L);
    if (rc)
        hs_error_prefix("regime %s%s: ", s->name, slot == K_MAX ? " (shift)" : "");
    return rc;
}

static int regime_prepare(void **out, const hs_scenario_input *in)
{
    const hs_regime_params *p = in->params;
    regime_model *m;
    int rc;
    *out = NULL;
    if (p->k == 0 || p->k > K_MAX)
        return hs_error_set(HS_ECONFIG, "regime model: %zu regimes (1 .. %d)",
                            p->k, K_MAX);
    if (p->n != in->layout->n)
        return hs_error_set(HS_ECONFIG,
                            "regime model: parameters for %zu assets, the "
                            "panel has %zu",
                            p->n, in->layout->n);
    for (size_t r = 0; r < p->k; r++)
        if ((rc = check_regime(p, r)))
            return rc;
    if (p->start >= (int)p->k || p->stress >= (int)p->k ||
        (p->shift_steps && (p->shift_regime < 0 ||
                            p->shift_regime >= (int)p->k)))
        return hs_error_set(HS_ECONFIG, "regime model: start, stress or shift "
                                        "regime out of range");
    if (p->shift_steps && (!(p->shift_vol >= 0) || !isfinite(p->shift_vol) ||
                           (!isnan(p->shift_corr) &&
                            !(p->shift_corr >= -1 && p->shift_corr <= 1))))
        return hs_error_set(HS_ECONFIG,
                            "regime model: shift volatility factor %g (>= 0) "
                            "or correlation %g (in [-1, 1])",
                            p->shift_vol, p->shift_corr);
    m = calloc(1, sizeof *m);
    if (!m)
        return hs_error_set(HS_ENOMEM, "out of memory");
    m->p = *p;
    if (m->p.stress < 0)
        m->p.stress = (int)p->k - 1;
    for (size_t i = 0; i < p->n; i++)
        if (in->alive[i])
            m->idx[m->m++] = (int)i;
    m->mp = m->m + (m->m & 1);
    for (size_t r = 0; r < p->k; r++) {
        double c = 0;
        for (size_t j = 0; j < p->k; j++)
            m->cum[r][j] = (c += p->r[r].trans[j]);
        m->cum[r][p->k - 1] = 2.0; /* guard against rounding */
        if ((rc = build_factor(m, r, r, NAN, 1.0)))
            goto fail;
    }
    if (p->shift_steps &&
        (rc = build_factor(m, K_MAX, (size_t)p->shift_regime, p->shift_corr,
                           p->shift_vol)))
        goto fail;
    double P[K_MAX * K_MAX];
    for (size_t i = 0; i < p->k; i++)
        for (size_t j = 0; j < p->k; j++)
            P[i * p->k + j] = p->r[i].trans[j];
    if (p->start >= 0) {
        for (size_t j = 0; j < p->k; j++)
            m->pi[j] = (int)j == p->start;
    } else if ((rc = hs_markov_stationary(P, p->k, ROW_TOL, m->pi))) {
        hs_error_prefix("regime model: start = stationary: ");
        rc = HS_ECONFIG;
        goto fail;
    }
    double c = 0;
    for (size_t j = 0; j < p->k; j++)
        m->cum0[j] = (c += m->pi[j]);
    m->cum0[p->k - 1] = 2.0;
    *out = m;
    return 0;
fail:
    regime_free(m);
    return rc;
}

static size_t regime_scratch(const void *model)
{
    const regime_model *m = model;
    return 3 * (m->mp ? m->mp : 2) * sizeof(double);
}

static int pick(const double *cum, double u)
{
    int j = 0;
    while (u >= cum[j])
        j++;
    return j;
}

static double jump_size(const hs_regime_spec *s, gsl_rng *r)
{
    if (s->jump_kind == HS_JUMP_NORMAL)
        return s->jump_mean + gsl_ran_gaussian_ziggurat(r, s->jump_sd);
    if (gsl_rng_uniform(r) < s->jump_up_prob)
        return gsl_ran_exponential(r, s->jump_up);
    return -gsl_ran_exponential(r, s->jump_down);
}

static int regime_draw(const void *model, void *scratch,
                       const hs_scenario_rngs *rng,
                       const hs_scenario_draw *out)
{
    const regime_model *m = model;
    const hs_regime_params *p = &m->p;
    const size_t mm = m->m, n = p->n;
    const size_t mp = m->mp; /* eps [2 * mp], z [mp] */
    double *restrict eps = scratch, *restrict z = eps + 2 * mp;
    const size_t shift_end = p->shift_from + p->shift_steps;
    int st = pick(m->cum0, gsl_rng_uniform(rng->regime));
    for (size_t t = 0; t < out->steps; t++) {
        if (t > 0)
            st = pick(m->cum[st], gsl_rng_uniform(rng->regime));
        size_t slot = (size_t)st;
        if (p->shift_steps && t >= p->shift_from && t < shift_end) {
            st = p->shift_regime; /* the chain goes on from here after */
            slot = K_MAX;
        }
        const hs_regime_spec *s = &p->r[st];
        out->regime[t] = (uint8_t)st;
        out->funding[t] = s->funding;
        out->vol_index[t] = s->vol_index;
        for (size_t a = 0; a < mm; a++)
            eps[2 * a] = eps[2 * a + 1] =
                gsl_ran_gaussian_ziggurat(rng->returns, 1.0);
        /* z = L eps, two rows (assets) at a time: z[a] sums L[a][b] eps[b]
         * from b = 0 up in that order, as the plain triangular product
         * does; the zeros above the diagonal add exactly nothing (0 * eps
         * is +-0, and a sum begun at +0 is never -0), so the bits are the
         * same.  eps holds each normal twice, side by side. */
        const double *Lp = m->Lp[slot];
        for (size_t q = 0; 2 * q < mm; q++) {
            const double *row = Lp + 2 * q * mm;
            const size_t nb = 2 * q + 2 < mm ? 2 * q + 2 : mm;
            v2d acc = {0.0, 0.0};
            for (size_t b = 0; b < nb; b++) {
                v2d l, e;
                memcpy(&l, row + 2 * b, sizeof l);
                memcpy(&e, eps + 2 * b, sizeof e);
                acc += l * e;
            }
            memcpy(z + 2 * q, &acc, sizeof acc);
        }
        double jump = 0;
        if (s->jump_rate > 0) {
            unsigned k = gsl_ran_poisson(rng->jumps, s->jump_rate);
            for (unsigned q = 0; q < k; q++)
                jump += jump_size(s, rng->jumps);
        }
        double *r = out->ret + t * n;
        const double *dr = m->drift[slot], *vo = m->vol[slot],
                     *be = m->beta[slot];
        for (size_t a = 0; a < mm; a++)
            r[m->idx[a]] = dr[a] + vo[a] * z[a] + be[a] * jump;
    }
    return 0;
}

static void regime_describe(const void *model, char *buf, size_t size)
{
    const regime_model *m = model;
    const hs_regime_params *p = &m->p;
    size_t len = 0;
#define PUT(...)                                                               \
    do {                                                                       \
        if (len < size)                                                        \
            len += (size_t)snprintf(buf + len, size - len, __VA_ARGS__);       \
    } while (0)
    buf[0] = '\0';
    PUT("regime switching, %zu regimes, %zu assets (%zu simulated); start %s; "
        "stress regime %s\n",
        p->k, p->n, m->m, p->start < 0 ? "stationary" : p->r[p->start].name,
        p->r[p->stress].name);
    for (size_t r = 0; r < p->k; r++) {
        const hs_regime_spec *s = &p->r[r];
        PUT("%s: stationary %.4f, expected duration %.1f steps; transitions",
            s->name, m->pi[r],
            s->trans[r] < 1 ? 1.0 / (1.0 - s->trans[r]) : INFINITY);
        for (size_t j = 0; j < p->k; j++)
            PUT(" %s %.6g", p->r[j].name, s->trans[j]);
        PUT("; jumps %.6g/step ", s->jump_rate);
        if (s->jump_kind == HS_JUMP_NORMAL)
            PUT("normal(%.4g, %.4g)", s->jump_mean, s->jump_sd);
        else
            PUT("double-exp(p_up %.3g, up %.4g, down %.4g)", s->jump_up_prob,
                s->jump_up, s->jump_down);
        PUT("; funding %.6g/step; vol index ", s->funding);
        if (isnan(s->vol_index))
            PUT("carried from history");
        else
            PUT("%.4g", s->vol_index);
        PUT("%s\n", m->repaired[r] ? "; correlations REPAIRED" : "");
    }
    if (p->shift_steps)
        PUT("forced shift: regime %s from step %zu for %zu steps, correlation "
            "%.3g, vol x %.3g\n",
            p->r[p->shift_regime].name, p->shift_from, p->shift_steps,
            p->shift_corr, p->shift_vol);
#undef PUT
}

const hs_scenario_type hs_scenario_regime = {
    .version = HS_SCENARIO_TYPE_VERSION,
    .name = "regime",
    .summary = "Markov regime switching with correlated returns and crash "
               "jumps",
    .prepare = regime_prepare,
    .free = regime_free,
    .scratch_size = regime_scratch,
    .draw = regime_draw,
    .describe = regime_describe,
};
