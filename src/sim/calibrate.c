/* Regime calibration: Baum-Welch on a Gaussian hidden Markov model of the
 * benchmark's returns, then per-regime moments of every asset
 * (include/hedgesim/calibrate.h describes the method; docs/montecarlo.md,
 * "Calibration", the user's side).
 *
 * Notation follows Rabiner (1989), "A tutorial on hidden Markov models and
 * selected applications in speech recognition", Proc. IEEE 77(2): alpha and
 * beta are the scaled forward and backward variables (section V.A), gamma
 * the smoothed state probabilities (eq. 27), xi the pair probabilities
 * (eq. 37) and the re-estimation formulas are eqs. 40 and 53-54. */
#include "hedgesim/calibrate.h"
#include "hedgesim/errors.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KMAX HS_FIT_MAX_STATES

/* A regime's sd never falls below this fraction of the benchmark's overall
 * sd: the Gaussian likelihood is unbounded when one regime shrinks onto a
 * single observation, and this keeps EM away from that degenerate maximum. */
static const double SD_FLOOR_FRACTION = 1e-3;
/* Fewest observations' weight for a moment to be estimated. */
static const double MIN_WEIGHT = 2.0;
/* 1 / Phi^-1(3/4): the median absolute deviation of a normal times this is
 * its sd. */
static const double MAD_TO_SD = 1.482602218505602;
/* Most refits of the chain with the jump steps left out; the set of jump
 * steps is usually stable after one or two. */
#define MAX_JUMP_PASSES 10

typedef struct hmm {
    size_t k;
    double pi[KMAX], a[KMAX * KMAX], mu[KMAX], sd[KMAX];
} hmm;

/* Work arrays of one fit, sized once for n observations. */
typedef struct work {
    size_t n, k;
    double *e;     /* [n*k] emission densities / exp(lm[t]) */
    double *lm;    /* [n] log of the per-step emission scale */
    double *alpha; /* [n*k] scaled forward variables */
    double *beta;  /* [n*k] scaled backward variables */
    double *c;     /* [n] forward scale factors */
    double *gamma; /* [n*k] smoothed probabilities */
} work;

static void work_free(work *w)
{
    free(w->e);
    free(w->lm);
    free(w->alpha);
    free(w->beta);
    free(w->c);
    free(w->gamma);
}

static int work_new(work *w, size_t n, size_t k)
{
    memset(w, 0, sizeof *w);
    w->n = n;
    w->k = k;
    w->e = malloc(n * k * sizeof *w->e);
    w->lm = malloc(n * sizeof *w->lm);
    w->alpha = malloc(n * k * sizeof *w->alpha);
    w->beta = malloc(n * k * sizeof *w->beta);
    w->c = malloc(n * sizeof *w->c);
    w->gamma = malloc(n * k * sizeof *w->gamma);
    if (!w->e || !w->lm || !w->alpha || !w->beta || !w->c || !w->gamma) {
        work_free(w);
        return hs_error_set(HS_ENOMEM, "calibrate: out of memory (%zu steps)",
                            n);
    }
    return 0;
}

/* --------------------------------------------------------------- E step */

/* Forward-backward under h: fills w->gamma and returns the log-likelihood
 * (-inf if the forward pass breaks down).  A jump step (jump[t], jump may
 * be NULL) is an event that happens in the stress regime only, the most
 * volatile one. */
static double e_step(const hmm *h, const double *x, const uint8_t *jump,
                     work *w)
{
    const size_t n = w->n, k = h->k;
    const double half_log_2pi = 0.91893853320467274178;
    size_t stress = 0;
    for (size_t j = 1; j < k; j++)
        if (h->sd[j] > h->sd[stress])
            stress = j;
    for (size_t t = 0; t < n; t++) {
        double *e = w->e + t * k;
        if (isnan(x[t])) { /* missing: no information, unless a jump */
            for (size_t j = 0; j < k; j++)
                e[j] = jump && jump[t] ? (double)(j == stress) : 1.0;
            w->lm[t] = 0.0;
            continue;
        }
        double m = -INFINITY;
        for (size_t j = 0; j < k; j++) {
            double z = (x[t] - h->mu[j]) / h->sd[j];
            e[j] = -half_log_2pi - log(h->sd[j]) - 0.5 * z * z;
            if (e[j] > m)
                m = e[j];
        }
        for (size_t j = 0; j < k; j++)
            e[j] = exp(e[j] - m);
        w->lm[t] = m;
    }
    double ll = 0.0;
    for (size_t t = 0; t < n; t++) {
        double *al = w->alpha + t * k, s = 0.0;
        const double *e = w->e + t * k;
        for (size_t j = 0; j < k; j++) {
            double p = 0.0;
            if (t == 0)
                p = h->pi[j];
            else
                for (size_t i = 0; i < k; i++)
                    p += w->alpha[(t - 1) * k + i] * h->a[i * k + j];
            al[j] = p * e[j];
            s += al[j];
        }
        if (!(s > 0.0) || !isfinite(s))
            return -INFINITY;
        for (size_t j = 0; j < k; j++)
            al[j] /= s;
        w->c[t] = s;
        ll += log(s) + w->lm[t];
    }
    for (size_t i = 0; i < k; i++)
        w->beta[(n - 1) * k + i] = 1.0;
    for (size_t t = n - 1; t-- > 0;) {
        const double *e = w->e + (t + 1) * k, *bn = w->beta + (t + 1) * k;
        for (size_t i = 0; i < k; i++) {
            double s = 0.0;
            for (size_t j = 0; j < k; j++)
                s += h->a[i * k + j] * e[j] * bn[j];
            w->beta[t * k + i] = s / w->c[t + 1];
        }
    }
    for (size_t t = 0; t < n; t++) {
        double *g = w->gamma + t * k, s = 0.0;
        for (size_t i = 0; i < k; i++) {
            g[i] = w->alpha[t * k + i] * w->beta[t * k + i];
            s += g[i];
        }
        for (size_t i = 0; i < k; i++) /* 1 up to rounding */
            g[i] /= s;
    }
    return ll;
}

/* --------------------------------------------------------------- M step */

static void m_step(hmm *h, const double *x, const work *w, double sd_floor)
{
    const size_t n = w->n, k = h->k;
    double num[KMAX * KMAX] = {0};
    for (size_t t = 0; t + 1 < n; t++) {
        const double *al = w->alpha + t * k, *e = w->e + (t + 1) * k,
                     *bn = w->beta + (t + 1) * k;
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++)
                num[i * k + j] +=
                    al[i] * h->a[i * k + j] * e[j] * bn[j] / w->c[t + 1];
    }
    for (size_t i = 0; i < k; i++) {
        double s = 0.0;
        for (size_t j = 0; j < k; j++)
            s += num[i * k + j];
        if (s > 0.0)
            for (size_t j = 0; j < k; j++)
                h->a[i * k + j] = num[i * k + j] / s;
        h->pi[i] = w->gamma[i];
    }
    for (size_t j = 0; j < k; j++) {
        double sw = 0.0, sx = 0.0;
        for (size_t t = 0; t < n; t++)
            if (!isnan(x[t])) {
                sw += w->gamma[t * k + j];
                sx += w->gamma[t * k + j] * x[t];
            }
        if (!(sw > 1e-12 * (double)n)) /* an empty regime keeps its values */
            continue;
        double mu = sx / sw, sv = 0.0;
        for (size_t t = 0; t < n; t++)
            if (!isnan(x[t]))
                sv += w->gamma[t * k + j] * (x[t] - mu) * (x[t] - mu);
        h->mu[j] = mu;
        h->sd[j] = fmax(sqrt(sv / sw), sd_floor);
    }
}

/* ------------------------------------------------------- starting points */

typedef struct ranked {
    double v;
    size_t i;
} ranked;

static int cmp_ranked(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->v < b->v)
        return -1;
    if (a->v > b->v)
        return 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* Start s: the m finite returns xf ranked by their centred rolling
 * volatility over 3^s steps, cut into k equal groups. */
static void initial(hmm *h, size_t s, const double *xf, size_t m,
                    double mean_all, double sd_floor, ranked *rk,
                    size_t *grp, double *cum)
{
    const size_t k = h->k;
    size_t half = 0, wlen = 1;
    for (size_t i = 0; i < s && wlen < m / (2 * k); i++)
        wlen *= 3;
    half = (wlen - 1) / 2;
    cum[0] = 0.0;
    for (size_t i = 0; i < m; i++)
        cum[i + 1] = cum[i] + (xf[i] - mean_all) * (xf[i] - mean_all);
    for (size_t i = 0; i < m; i++) {
        size_t lo = i >= half ? i - half : 0,
               hi = i + half + 1 < m ? i + half + 1 : m;
        rk[i].v = (cum[hi] - cum[lo]) / (double)(hi - lo);
        rk[i].i = i;
    }
    qsort(rk, m, sizeof *rk, cmp_ranked);
    for (size_t r = 0; r < m; r++)
        grp[rk[r].i] = r * k / m;
    double cnt[KMAX] = {0}, sx[KMAX] = {0}, sxx[KMAX] = {0};
    double tr[KMAX * KMAX];
    for (size_t i = 0; i < k * k; i++)
        tr[i] = 1.0; /* add-one smoothing */
    for (size_t i = 0; i < m; i++) {
        cnt[grp[i]] += 1.0;
        sx[grp[i]] += xf[i];
        if (i + 1 < m)
            tr[grp[i] * k + grp[i + 1]] += 1.0;
    }
    for (size_t i = 0; i < m; i++) {
        double d = xf[i] - sx[grp[i]] / cnt[grp[i]];
        sxx[grp[i]] += d * d;
    }
    for (size_t j = 0; j < k; j++) {
        h->pi[j] = 1.0 / (double)k;
        h->mu[j] = sx[j] / cnt[j];
        h->sd[j] = fmax(sqrt(sxx[j] / cnt[j]), sd_floor);
        double rs = 0.0;
        for (size_t l = 0; l < k; l++)
            rs += tr[j * k + l];
        for (size_t l = 0; l < k; l++)
            h->a[j * k + l] = tr[j * k + l] / rs;
    }
}

/* ------------------------------------------------------- after the fit */

/* Solve the k x k system A z = b in place (Gaussian elimination, partial
 * pivoting).  -1 if singular. */
static int solve_small(double *A, double *b, size_t k)
{
    for (size_t c = 0; c < k; c++) {
        size_t p = c;
        for (size_t r = c + 1; r < k; r++)
            if (fabs(A[r * k + c]) > fabs(A[p * k + c]))
                p = r;
        if (!(fabs(A[p * k + c]) > 1e-13))
            return -1;
        if (p != c) {
            for (size_t j = 0; j < k; j++) {
                double t = A[c * k + j];
                A[c * k + j] = A[p * k + j];
                A[p * k + j] = t;
            }
            double t = b[c];
            b[c] = b[p];
            b[p] = t;
        }
        for (size_t r = c + 1; r < k; r++) {
            double f = A[r * k + c] / A[c * k + c];
            for (size_t j = c; j < k; j++)
                A[r * k + j] -= f * A[c * k + j];
            b[r] -= f * b[c];
        }
    }
    for (size_t c = k; c-- > 0;) {
        double s = b[c];
        for (size_t j = c + 1; j < k; j++)
            s -= A[c * k + j] * b[j];
        b[c] = s / A[c * k + c];
    }
    return 0;
}

/* pi P = pi, sum pi = 1; when the chain has no unique stationary
 * distribution (a regime never left), the share of smoothed probability. */
static void stationary(hs_regime_fit *f)
{
    const size_t k = f->k;
    double A[KMAX * KMAX], b[KMAX];
    for (size_t i = 0; i < k; i++) {
        for (size_t j = 0; j < k; j++)
            A[i * k + j] = f->trans[j * k + i] - (i == j);
        b[i] = 0.0;
    }
    for (size_t j = 0; j < k; j++)
        A[(k - 1) * k + j] = 1.0;
    b[k - 1] = 1.0;
    int ok = solve_small(A, b, k) == 0;
    for (size_t i = 0; ok && i < k; i++)
        ok = isfinite(b[i]) && b[i] >= -1e-12;
    for (size_t i = 0; i < k; i++) {
        if (ok) {
            f->stationary[i] = fmax(b[i], 0.0);
        } else {
            double s = 0.0;
            for (size_t t = 0; t < f->n_obs; t++)
                s += f->prob[t * k + i];
            f->stationary[i] = s / (double)f->n_obs;
        }
        double p = f->trans[i * k + i];
        f->duration[i] = p < 1.0 ? 1.0 / (1.0 - p) : INFINITY;
    }
}

/* Weighted median of (v, w) pairs: the smallest v whose cumulative weight
 * reaches half the total.  Sorts rk. */
static double weighted_median(ranked *rk, const double *w, size_t m)
{
    qsort(rk, m, sizeof *rk, cmp_ranked);
    double tot = 0.0, cum = 0.0;
    for (size_t i = 0; i < m; i++)
        tot += w[rk[i].i];
    for (size_t i = 0; i < m; i++) {
        cum += w[rk[i].i];
        if (cum >= 0.5 * tot)
            return rk[i].v;
    }
    return m ? rk[m - 1].v : NAN;
}

/* Crash jumps in the stress regime (see calibrate.h); marks jump steps. */
static int fit_jumps(hs_regime_fit *f, const double *x, double h,
                     uint8_t *jump)
{
    const size_t n = f->n_obs, k = f->k, s = k - 1;
    memset(jump, 0, n);
    f->jump_rate = f->jump_mean = f->jump_sd = 0.0;
    if (h == 0.0)
        return 0;
    ranked *rk = malloc(n * sizeof *rk);
    double *w = malloc(n * sizeof *w);
    if (!rk || !w) {
        free(rk);
        free(w);
        return hs_error_set(HS_ENOMEM, "calibrate: out of memory");
    }
    size_t m = 0;
    double wtot = 0.0;
    for (size_t t = 0; t < n; t++) {
        w[t] = f->prob[t * k + s];
        if (!isnan(x[t])) {
            rk[m].v = x[t];
            rk[m++].i = t;
            wtot += w[t];
        }
    }
    double med = weighted_median(rk, w, m);
    for (size_t i = 0; i < m; i++)
        rk[i].v = fabs(x[rk[i].i] - med);
    double scale = MAD_TO_SD * weighted_median(rk, w, m);
    double wj = 0.0, sj = 0.0, sjj = 0.0;
    for (size_t t = 0; t < n; t++)
        if (!isnan(x[t]) && x[t] < med - h * scale && w[t] > 0.0) {
            jump[t] = 1;
            wj += w[t];
            sj += w[t] * (x[t] - med);
        }
    if (wj > 0.0 && wtot > 0.0) {
        f->jump_rate = wj / wtot;
        f->jump_mean = sj / wj;
        for (size_t t = 0; t < n; t++)
            if (jump[t]) {
                double d = x[t] - med - f->jump_mean;
                sjj += w[t] * d * d;
            }
        /* The return of a jump step is the jump plus the regime's own
         * noise (sd `scale`): the jump's variance is what exceeds it. */
        f->jump_sd = sqrt(fmax(sjj / wj - scale * scale, 0.0));
    }
    free(rk);
    free(w);
    return 0;
}

/* Per-regime moments of every asset (see calibrate.h). */
static int asset_moments(hs_regime_fit *f, const double *x,
                         const double *assets, const uint8_t *jump)
{
    const size_t n = f->n_obs, k = f->k, na = f->n_assets;
    for (size_t r = 0; r < k; r++) {
        for (size_t a = 0; a < na; a++) {
            double sw = 0.0, sx = 0.0, sv = 0.0;
            for (size_t t = 0; t < n; t++) {
                double v = assets[t * na + a];
                if (!isnan(v) && !jump[t]) {
                    sw += f->prob[t * k + r];
                    sx += f->prob[t * k + r] * v;
                }
            }
            if (!(sw >= MIN_WEIGHT))
                return hs_error_set(
                    HS_EDATA,
                    "calibrate: asset column %zu has %.3g observations' "
                    "weight in regime %zu (%s); need at least %g: choose a "
                    "window where it trades in every regime",
                    a, sw, r, hs_regime_name(k, r), MIN_WEIGHT);
            double mu = sx / sw;
            for (size_t t = 0; t < n; t++) {
                double v = assets[t * na + a];
                if (!isnan(v) && !jump[t])
                    sv += f->prob[t * k + r] * (v - mu) * (v - mu);
            }
            f->mean[r * na + a] = mu;
            f->vol[r * na + a] = sqrt(sv / sw);
        }
        /* Pairs, including (asset, benchmark) for the beta: moments over
         * the steps where both are numbers. */
        for (size_t a = 0; a < na; a++) {
            for (size_t b = a; b <= na; b++) { /* b == na: the benchmark */
                double sw = 0, sa = 0, sb = 0;
                for (size_t t = 0; t < n; t++) {
                    double va = assets[t * na + a],
                           vb = b < na ? assets[t * na + b] : x[t];
                    if (isnan(va) || isnan(vb) || jump[t])
                        continue;
                    double g = f->prob[t * k + r];
                    sw += g;
                    sa += g * va;
                    sb += g * vb;
                }
                double caa = 0, cbb = 0, cab = 0;
                if (sw >= MIN_WEIGHT) {
                    double ma = sa / sw, mb = sb / sw;
                    for (size_t t = 0; t < n; t++) {
                        double va = assets[t * na + a],
                               vb = b < na ? assets[t * na + b] : x[t];
                        if (isnan(va) || isnan(vb) || jump[t])
                            continue;
                        double g = f->prob[t * k + r];
                        caa += g * (va - ma) * (va - ma);
                        cbb += g * (vb - mb) * (vb - mb);
                        cab += g * (va - ma) * (vb - mb);
                    }
                }
                if (b == na) {
                    if (!(sw >= MIN_WEIGHT) || !(cbb > 0.0))
                        return hs_error_set(
                            HS_EDATA,
                            "calibrate: asset column %zu and the benchmark "
                            "have %.3g observations' weight together in "
                            "regime %zu (%s); need at least %g",
                            a, sw, r, hs_regime_name(k, r), MIN_WEIGHT);
                    f->beta[r * na + a] = cab / cbb;
                    continue;
                }
                double rho = a == b ? 1.0
                             : caa > 0.0 && cbb > 0.0 ? cab / sqrt(caa * cbb)
                                                      : 0.0;
                rho = fmax(-1.0, fmin(1.0, rho));
                f->corr[r * na * na + a * na + b] = rho;
                f->corr[r * na * na + b * na + a] = rho;
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------- the fit */

static int check_input(const double *bench, const double *assets, size_t n,
                       size_t na, size_t k, const hs_fit_opts *o,
                       size_t *n_fin)
{
    if (!bench || (na && !assets))
        return hs_error_set(HS_EINVAL, "calibrate: bench%s is NULL",
                            bench ? "'s assets" : "");
    if (k < 1 || k > KMAX)
        return hs_error_set(HS_EINVAL,
                            "calibrate: %zu regimes: choose 1 to %d", k, KMAX);
    if (o->max_iter < 1 || !(o->tol > 0.0) || !isfinite(o->tol) ||
        o->n_starts < 1 || !(o->jump_threshold >= 0.0) ||
        !isfinite(o->jump_threshold))
        return hs_error_set(HS_EINVAL,
                            "calibrate: bad options (max_iter %zu, tol %g, "
                            "n_starts %zu, jump_threshold %g): max_iter and "
                            "n_starts >= 1, tol > 0, jump_threshold >= 0",
                            o->max_iter, o->tol, o->n_starts,
                            o->jump_threshold);
    size_t m = 0;
    for (size_t t = 0; t < n; t++) {
        if (isinf(bench[t]))
            return hs_error_set(HS_EDATA,
                                "calibrate: benchmark return at step %zu is "
                                "infinite",
                                t);
        m += !isnan(bench[t]);
    }
    if (m < (size_t)HS_FIT_MIN_OBS_PER_STATE * k)
        return hs_error_set(HS_EDATA,
                            "calibrate: %zu benchmark returns (of %zu steps) "
                            "are too few for %zu regime%s: need at least %zu",
                            m, n, k, k > 1 ? "s" : "",
                            (size_t)HS_FIT_MIN_OBS_PER_STATE * k);
    for (size_t a = 0; a < na; a++) {
        size_t c = 0;
        for (size_t t = 0; t < n; t++) {
            double v = assets[t * na + a];
            if (isinf(v))
                return hs_error_set(HS_EDATA,
                                    "calibrate: asset column %zu: return at "
                                    "step %zu is infinite",
                                    a, t);
            c += !isnan(v);
        }
        if (c < 2)
            return hs_error_set(HS_EDATA,
                                "calibrate: asset column %zu has %zu "
                                "return%s (not NaN); need at least 2",
                                a, c, c == 1 ? "" : "s");
    }
    *n_fin = m;
    return 0;
}

void hs_regime_fit_free(hs_regime_fit *f)
{
    if (!f)
        return;
    free(f->trans);
    free(f->mean);
    free(f->vol);
    free(f->corr);
    free(f->beta);
    free(f->bench_mean);
    free(f->bench_vol);
    free(f->stationary);
    free(f->duration);
    free(f->prob);
    free(f);
}

static int fit_alloc(hs_regime_fit **out, size_t n, size_t na, size_t k)
{
    hs_regime_fit *f = calloc(1, sizeof *f);
    if (!f)
        return hs_error_set(HS_ENOMEM, "calibrate: out of memory");
    f->k = k;
    f->n_assets = na;
    f->n_obs = n;
    /* calloc(0) may return NULL: allocate at least one element. */
    size_t nk = k * (na ? na : 1);
    f->trans = calloc(k * k, sizeof(double));
    f->mean = calloc(nk, sizeof(double));
    f->vol = calloc(nk, sizeof(double));
    f->corr = calloc(nk * (na ? na : 1), sizeof(double));
    f->beta = calloc(nk, sizeof(double));
    f->bench_mean = calloc(k, sizeof(double));
    f->bench_vol = calloc(k, sizeof(double));
    f->stationary = calloc(k, sizeof(double));
    f->duration = calloc(k, sizeof(double));
    f->prob = calloc(n * k, sizeof(double));
    if (!f->trans || !f->mean || !f->vol || !f->corr || !f->beta ||
        !f->bench_mean || !f->bench_vol || !f->stationary || !f->duration ||
        !f->prob) {
        hs_regime_fit_free(f);
        return hs_error_set(HS_ENOMEM, "calibrate: out of memory");
    }
    *out = f;
    return 0;
}

/* Scratch of the chain fit, sized for n observations. */
typedef struct scratch {
    double *xf, *cum;
    ranked *rk;
    size_t *grp;
} scratch;

/* Baum-Welch on x (jump steps: NaN in x, flagged in jump) from every start; the best fit, its regimes ordered by
 * volatility, goes into f (trans, bench_*, prob, loglik, iterations,
 * stationary, duration). */
static int fit_chain(hs_regime_fit *f, const double *x, const uint8_t *jump,
                     const hs_fit_opts *o, double sd_floor, work *w,
                     scratch *sc)
{
    const size_t n = f->n_obs, k = f->k;
    size_t m = 0;
    double mean_all = 0.0;
    for (size_t t = 0; t < n; t++)
        if (!isnan(x[t])) {
            sc->xf[m++] = x[t];
            mean_all += x[t];
        }
    mean_all /= (double)m;
    hmm best = {0};
    double best_ll = -INFINITY;
    size_t best_it = 0;
    for (size_t s = 0; s < o->n_starts; s++) {
        hmm h = {.k = k};
        initial(&h, s, sc->xf, m, mean_all, sd_floor, sc->rk, sc->grp,
                sc->cum);
        double ll = e_step(&h, x, jump, w);
        size_t it = 0;
        while (isfinite(ll) && it < o->max_iter) {
            m_step(&h, x, w, sd_floor);
            double ll2 = e_step(&h, x, jump, w);
            it++;
            int converged = !(ll2 - ll >= o->tol * (double)m);
            ll = ll2;
            if (converged)
                break;
        }
        if (isfinite(ll) && ll > best_ll) {
            best = h;
            best_ll = ll;
            best_it = it;
        }
    }
    if (!isfinite(best_ll))
        return hs_error_set(HS_ENUMERIC,
                            "calibrate: no starting point gave a finite "
                            "log-likelihood");
    /* Order the regimes by volatility (ties: by index), then the smoothed
     * probabilities of the ordered model. */
    size_t perm[KMAX];
    for (size_t i = 0; i < k; i++)
        perm[i] = i;
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && best.sd[perm[j]] < best.sd[perm[j - 1]];
             j--) {
            size_t t = perm[j];
            perm[j] = perm[j - 1];
            perm[j - 1] = t;
        }
    hmm h = {.k = k};
    for (size_t i = 0; i < k; i++) {
        h.pi[i] = best.pi[perm[i]];
        h.mu[i] = best.mu[perm[i]];
        h.sd[i] = best.sd[perm[i]];
        for (size_t j = 0; j < k; j++)
            h.a[i * k + j] = best.a[perm[i] * k + perm[j]];
    }
    f->loglik = e_step(&h, x, jump, w);
    f->iterations = best_it;
    memcpy(f->prob, w->gamma, n * k * sizeof *f->prob);
    memcpy(f->trans, h.a, k * k * sizeof *f->trans);
    memcpy(f->bench_mean, h.mu, k * sizeof *f->bench_mean);
    memcpy(f->bench_vol, h.sd, k * sizeof *f->bench_vol);
    stationary(f);
    return 0;
}

int hs_regime_fit_new(hs_regime_fit **out, const double *bench,
                      const double *assets, size_t n_obs, size_t n_assets,
                      size_t k, const hs_fit_opts *opts)
{
    if (!out)
        return hs_error_set(HS_EINVAL, "calibrate: out is NULL");
    *out = NULL;
    const hs_fit_opts dflt = HS_FIT_OPTS_INIT;
    const hs_fit_opts *o = opts ? opts : &dflt;
    size_t m = 0;
    int rc = check_input(bench, assets, n_obs, n_assets, k, o, &m);
    if (rc)
        return rc;

    hs_regime_fit *f = NULL;
    work w = {0};
    scratch sc = {0};
    uint8_t *jump = NULL, *jump2 = NULL;
    double *x = NULL;
    if ((rc = work_new(&w, n_obs, k)) ||
        (rc = fit_alloc(&f, n_obs, n_assets, k)))
        goto done;
    sc.xf = malloc(m * sizeof *sc.xf);
    sc.cum = malloc((m + 1) * sizeof *sc.cum);
    sc.rk = malloc(m * sizeof *sc.rk);
    sc.grp = malloc(m * sizeof *sc.grp);
    jump = calloc(n_obs, 1);
    jump2 = malloc(n_obs);
    x = malloc(n_obs * sizeof *x);
    if (!sc.xf || !sc.cum || !sc.rk || !sc.grp || !jump || !jump2 || !x) {
        rc = hs_error_set(HS_ENOMEM, "calibrate: out of memory");
        goto done;
    }
    double mean_all = 0.0, var_all = 0.0, first = NAN;
    int constant = 1;
    for (size_t t = 0; t < n_obs; t++) {
        x[t] = bench[t];
        if (!isnan(bench[t])) {
            mean_all += bench[t];
            if (isnan(first))
                first = bench[t];
            constant &= bench[t] == first;
        }
    }
    mean_all /= (double)m;
    for (size_t t = 0; t < n_obs; t++)
        if (!isnan(bench[t]))
            var_all += (bench[t] - mean_all) * (bench[t] - mean_all);
    var_all /= (double)m;
    if (constant || !(var_all > 0.0)) {
        rc = hs_error_set(HS_EDATA,
                          "calibrate: the benchmark's %zu returns are all "
                          "equal: no volatility to fit",
                          m);
        goto done;
    }
    const double sd_floor = SD_FLOOR_FRACTION * sqrt(var_all);

    /* Fit the chain; with jumps, find them, refit without them (so the
     * regimes describe the diffusion, not the crashes) and repeat until
     * the set of jump steps no longer changes. */
    if ((rc = fit_chain(f, x, jump, o, sd_floor, &w, &sc)))
        goto done;
    for (size_t pass = 0; pass < MAX_JUMP_PASSES; pass++) {
        if ((rc = fit_jumps(f, bench, o->jump_threshold, jump2)))
            goto done;
        size_t nj = 0;
        for (size_t t = 0; t < n_obs; t++)
            nj += jump2[t];
        if (!memcmp(jump, jump2, n_obs) ||
            m - nj < (size_t)HS_FIT_MIN_OBS_PER_STATE * k)
            break;
        memcpy(jump, jump2, n_obs);
        for (size_t t = 0; t < n_obs; t++)
            x[t] = jump[t] ? NAN : bench[t];
        if ((rc = fit_chain(f, x, jump, o, sd_floor, &w, &sc)))
            goto done;
    }
    if ((rc = asset_moments(f, bench, assets, jump2)))
        goto done;
    *out = f;
    f = NULL;
done:
    hs_regime_fit_free(f);
    work_free(&w);
    free(sc.xf);
    free(sc.cum);
    free(sc.rk);
    free(sc.grp);
    free(jump);
    free(jump2);
    free(x);
    return rc;
}

int hs_regime_fit_reorder(hs_regime_fit *f, const size_t *order)
{
    const size_t k = f->k, na = f->n_assets;
    for (size_t a = 0; a < na; a++) {
        int twice = 0;
        for (size_t b = 0; b < a; b++)
            twice |= order[b] == order[a];
        if (order[a] >= na || twice)
            return hs_error_set(HS_EINVAL,
                                "calibrate: the new order is not a "
                                "permutation of the %zu assets",
                                na);
    }
    double *tmp = malloc((na ? na * na : 1) * sizeof *tmp);
    if (!tmp)
        return hs_error_set(HS_ENOMEM, "calibrate: out of memory");
    double *vec[] = {f->mean, f->vol, f->beta};
    for (size_t r = 0; r < k; r++) {
        for (size_t q = 0; q < 3; q++) {
            double *v = vec[q] + r * na;
            for (size_t a = 0; a < na; a++)
                tmp[a] = v[order[a]];
            memcpy(v, tmp, na * sizeof *v);
        }
        double *c = f->corr + r * na * na;
        for (size_t a = 0; a < na; a++)
            for (size_t b = 0; b < na; b++)
                tmp[a * na + b] = c[order[a] * na + order[b]];
        memcpy(c, tmp, na * na * sizeof *c);
    }
    free(tmp);
    return 0;
}

/* ------------------------------------------------------------ INI text */

const char *hs_regime_name(size_t k, size_t r)
{
    static const char *const generic[KMAX] = {"r0", "r1", "r2", "r3",
                                              "r4", "r5", "r6", "r7"};
    if (k == 2)
        return r == 0 ? "calm" : "stress";
    return r < KMAX ? generic[r] : "?";
}

#define INI_LINE_MAX 199
#define MIN_DIGITS 4
#define MAX_DIGITS 10

static int good_symbol(const char *s)
{
    if (!s || !*s || strlen(s) > 48)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
            return 0;
    return 1;
}

/* "-0" reads as 0 but looks odd in a file a person edits. */
static double no_negative_zero(double v) { return v == 0.0 ? 0.0 : v; }

/* Format "key = v0,v1,..." (stride apart) with the most digits (10 down to
 * 4) that keep the line within INI_LINE_MAX; HS_EDATA if none does. */
static int list_line(char *line, const char *key, const double *v, size_t n,
                     size_t stride)
{
    for (int d = MAX_DIGITS; d >= MIN_DIGITS; d--) {
        int len = snprintf(line, INI_LINE_MAX + 2, "%s = ", key);
        for (size_t i = 0; i < n && len <= INI_LINE_MAX; i++)
            len += snprintf(line + len, (size_t)(INI_LINE_MAX + 2 - len),
                            "%s%.*g", i ? "," : "", d,
                            no_negative_zero(v[i * stride]));
        if (len <= INI_LINE_MAX)
            return 0;
    }
    return hs_error_set(HS_EDATA,
                        "calibrate: '%s' with %zu values does not fit a "
                        "%d-character config line even with %d digits",
                        key, n, INI_LINE_MAX, MIN_DIGITS);
}

static int check_finite(const double *v, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return hs_error_set(HS_ENUMERIC,
                                "calibrate: %s[%zu] is not finite (%g)", what,
                                i, v[i]);
    return 0;
}

int hs_regime_fit_write_ini(const hs_regime_fit *f,
                            const char *const *symbols,
                            double periods_per_year, FILE *fp)
{
    if (!(periods_per_year > 0) || !isfinite(periods_per_year))
        return hs_error_set(HS_EINVAL,
                            "calibrate: periods per year must be > 0");
    if (!f || !fp || (f->n_assets && !symbols))
        return hs_error_set(HS_EINVAL,
                            "calibrate: write_ini needs a fit, symbols and a "
                            "stream");
    const size_t k = f->k, na = f->n_assets;
    if (k < 1 || k > KMAX)
        return hs_error_set(HS_EINVAL, "calibrate: a fit with %zu regimes",
                            k);
    if (na + 6 + k > HS_FIT_INI_MAX_KEYS)
        return hs_error_set(HS_EINVAL,
                            "calibrate: %zu assets with %zu regimes need %zu "
                            "keys per [mc.regime.*] section; the config "
                            "reader takes at most %d (at most %zu assets)",
                            na, k, na + 6 + k, HS_FIT_INI_MAX_KEYS,
                            (size_t)HS_FIT_INI_MAX_KEYS - 6 - k);
    for (size_t a = 0; a < na; a++) {
        if (!good_symbol(symbols[a]))
            return hs_error_set(HS_EINVAL,
                                "calibrate: symbol %zu ('%s') must be 1-48 "
                                "letters, digits, '.', '_' or '-'",
                                a, symbols[a] ? symbols[a] : "(null)");
        for (size_t b = 0; b < a; b++)
            if (!strcmp(symbols[a], symbols[b]))
                return hs_error_set(HS_EINVAL,
                                    "calibrate: symbol '%s' is given twice",
                                    symbols[a]);
    }
    int rc;
    if ((rc = check_finite(f->trans, k * k, "trans")) ||
        (rc = check_finite(f->mean, k * na, "mean")) ||
        (rc = check_finite(f->vol, k * na, "vol")) ||
        (rc = check_finite(f->corr, k * na * na, "corr")) ||
        (rc = check_finite(f->beta, k * na, "beta")) ||
        (rc = check_finite(&f->jump_rate, 1, "jump_rate")) ||
        (rc = check_finite(&f->jump_mean, 1, "jump_mean")) ||
        (rc = check_finite(&f->jump_sd, 1, "jump_sd")))
        return rc;

    /* Compose the whole text first, so that nothing is written when a line
     * cannot be formatted. */
    char *buf = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&buf, &size);
    if (!mem)
        return hs_error_set(HS_ENOMEM, "calibrate: out of memory");
    char line[INI_LINE_MAX + 2];
    fprintf(mem,
            "; %zu-regime Gaussian hidden Markov model of the benchmark, "
            "fitted on %zu steps\n"
            "; (log-likelihood %.10g).  Values are annual with %.10g steps a "
            "year, as\n; [mc.regime.NAME] reads them: drift and vol of log "
            "returns, jumps a year.\n",
            k, f->n_obs, f->loglik, periods_per_year);
    fprintf(mem, "[mc]\nmodel = regime\nregimes = ");
    for (size_t r = 0; r < k; r++)
        fprintf(mem, "%s%s", r ? "," : "", hs_regime_name(k, r));
    fprintf(mem, "\n");
    for (size_t r = 0; r < k && !rc; r++) {
        const char *name = hs_regime_name(k, r);
        fprintf(mem,
                "\n; %s: stationary share %.4g, expected stay %.4g steps\n"
                "[mc.regime.%s]\n",
                name, f->stationary[r], f->duration[r], name);
        for (size_t j = 0; j < k; j++)
            fprintf(mem, "to.%s = %.10g\n", hs_regime_name(k, j),
                    no_negative_zero(f->trans[r * k + j]));
        static const char *const keys[] = {"drift", "vol", "beta"};
        const double *vals[] = {f->mean, f->vol, f->beta};
        const double scale[] = {periods_per_year, sqrt(periods_per_year), 1};
        double annual[HS_FIT_INI_MAX_KEYS];
        for (size_t q = 0; q < 3 && !rc && na; q++) {
            for (size_t a = 0; a < na; a++)
                annual[a] = vals[q][r * na + a] * scale[q];
            if (!(rc = list_line(line, keys[q], annual, na, 1)))
                fprintf(mem, "%s\n", line);
        }
        for (size_t a = 0; a < na && !rc; a++) {
            char key[64];
            snprintf(key, sizeof key, "corr.%s", symbols[a]);
            if (!(rc = list_line(line, key, f->corr + r * na * na + a * na,
                                 na, 1)))
                fprintf(mem, "%s\n", line);
        }
        int stress = r == k - 1; /* the jumps' regime */
        fprintf(mem, "jump_rate = %.10g\njump_mean = %.10g\njump_sd = %.10g\n",
                stress ? no_negative_zero(f->jump_rate * periods_per_year)
                       : 0.0,
                stress ? no_negative_zero(f->jump_mean) : 0.0,
                stress ? no_negative_zero(f->jump_sd) : 0.0);
    }
    if (fclose(mem) != 0 && !rc)
        rc = hs_error_set(HS_ENOMEM, "calibrate: out of memory");
    if (!rc && fwrite(buf, 1, size, fp) != size)
        rc = hs_error_set(HS_EIO, "calibrate: writing the model failed");
    free(buf);
    return rc;
}
