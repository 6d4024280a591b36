/* Beta and correlation analytics: correlations, downside and upside beta,
 * covariance matrices, average pairwise correlation, the absorption ratio
 * (GSL eigen-decomposition) and their rolling versions.  References in
 * include/hedgesim/analytics.h. */
#include "hedgesim/analytics.h"
#include "hedgesim/errors.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Pairwise moments of (y, x) over finite pairs with x passing `side`
 * (0 all, -1 x < 0, +1 x > 0); two-pass. */
static size_t moments(const double *y, const double *x, size_t n, int side,
                      double *syy, double *sxx, double *sxy)
{
    double my = 0, mx = 0;
    size_t m = 0;
#define KEEP(i)                                                                \
    (isfinite(y[i]) && isfinite(x[i]) &&                                       \
     (side == 0 || (side < 0 ? x[i] < 0 : x[i] > 0)))
    for (size_t i = 0; i < n; i++)
        if (KEEP(i)) {
            my += y[i];
            mx += x[i];
            m++;
        }
    *syy = *sxx = *sxy = 0;
    if (m == 0)
        return 0;
    my /= (double)m;
    mx /= (double)m;
    for (size_t i = 0; i < n; i++)
        if (KEEP(i)) {
            double dy = y[i] - my, dx = x[i] - mx;
            *syy += dy * dy;
            *sxx += dx * dx;
            *sxy += dy * dx;
        }
#undef KEEP
    return m;
}

double hs_analytics_corr(const double *y, const double *x, size_t n)
{
    double syy, sxx, sxy;
    size_t m = moments(y, x, n, 0, &syy, &sxx, &sxy);
    if (m < 2 || !(syy > 0) || !(sxx > 0))
        return NAN;
    return sxy / sqrt(syy * sxx);
}

static double side_beta(const double *y, const double *x, size_t n, int side)
{
    double syy, sxx, sxy;
    size_t m = moments(y, x, n, side, &syy, &sxx, &sxy);
    return m < 2 || !(sxx > 0) ? NAN : sxy / sxx;
}

double hs_analytics_beta_down(const double *y, const double *x, size_t n)
{
    return side_beta(y, x, n, -1);
}

double hs_analytics_beta_up(const double *y, const double *x, size_t n)
{
    return side_beta(y, x, n, 1);
}

static int complete_row(const double *row, size_t k)
{
    for (size_t j = 0; j < k; j++)
        if (!isfinite(row[j]))
            return 0;
    return 1;
}

size_t hs_analytics_cov(const double *r, size_t n, size_t k, double *cov)
{
    size_t m = 0;
    for (size_t j = 0; j < k * k; j++)
        cov[j] = 0;
    /* Two passes per pair (means, then centred products) over the
     * complete rows, without scratch memory. */
    for (size_t t = 0; t < n; t++)
        m += complete_row(r + t * k, k);
    if (m < 2) {
        for (size_t j = 0; j < k * k; j++)
            cov[j] = NAN;
        return m;
    }
    for (size_t i = 0; i < k; i++) {
        double mi = 0;
        for (size_t t = 0; t < n; t++)
            if (complete_row(r + t * k, k))
                mi += r[t * k + i];
        mi /= (double)m;
        for (size_t j = i; j < k; j++) {
            double mj = 0, s = 0;
            for (size_t t = 0; t < n; t++)
                if (complete_row(r + t * k, k))
                    mj += r[t * k + j];
            mj /= (double)m;
            for (size_t t = 0; t < n; t++)
                if (complete_row(r + t * k, k))
                    s += (r[t * k + i] - mi) * (r[t * k + j] - mj);
            cov[i * k + j] = cov[j * k + i] = s / (double)(m - 1);
        }
    }
    return m;
}

double hs_analytics_avg_corr(const double *cov, size_t k)
{
    double s = 0;
    size_t m = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++) {
            double d = cov[i * k + i] * cov[j * k + j];
            if (d > 0 && isfinite(cov[i * k + j])) {
                s += cov[i * k + j] / sqrt(d);
                m++;
            }
        }
    return m ? s / (double)m : NAN;
}

int hs_analytics_absorption(const double *cov, size_t k, double *out)
{
    double trace = 0;
    int rc = 0;
    *out = NAN;
    if (k == 0)
        return hs_error_set(HS_EINVAL, "absorption ratio: no series");
    for (size_t i = 0; i < k * k; i++)
        if (!isfinite(cov[i]))
            return hs_error_set(HS_EINVAL,
                                "absorption ratio: non-finite covariance");
    for (size_t i = 0; i < k; i++)
        trace += cov[i * k + i];
    if (!(trace > 0))
        return hs_error_set(HS_EINVAL, "absorption ratio: zero variance");
    gsl_matrix *a = gsl_matrix_alloc(k, k);
    gsl_vector *eval = gsl_vector_alloc(k);
    gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(k);
    if (!a || !eval || !ws) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(a->data, cov, k * k * sizeof(double)); /* tda == k */
    int st = gsl_eigen_symm(a, eval, ws);
    if (st) {
        rc = hs_error_set(HS_ENUMERIC, "absorption ratio: gsl_eigen_symm: %s",
                          gsl_strerror(st));
        goto done;
    }
    double top = gsl_vector_get(eval, 0);
    for (size_t i = 1; i < k; i++)
        if (gsl_vector_get(eval, i) > top)
            top = gsl_vector_get(eval, i);
    *out = top / trace;
done:
    gsl_eigen_symm_free(ws);
    gsl_vector_free(eval);
    gsl_matrix_free(a);
    return rc;
}

int hs_analytics_rolling_beta(const hs_beta_type *t, const hs_values *v,
                              const double *y, const double *x, size_t n,
                              double *out)
{
    /* Aligned for double, as the framework promises estimators. */
    size_t size = t->state_size(v);
    double *state = calloc((size + sizeof(double) - 1) / sizeof(double),
                           sizeof(double));
    if (!state)
        return hs_error_set(HS_ENOMEM, "out of memory");
    int rc = t->init(state, v);
    for (size_t s = 0; rc == 0 && s < n; s++) {
        t->update(state, x[s], y[s]);
        out[s] = t->value(state);
    }
    free(state);
    return rc;
}

void hs_analytics_rolling_corr(const double *y, const double *x, size_t n,
                               size_t window, double *out)
{
    size_t need = window / 2 < 2 ? 2 : window / 2;
    for (size_t s = 0; s < n; s++) {
        out[s] = NAN;
        if (window < 2 || s + 1 < window)
            continue;
        size_t lo = s + 1 - window, m = 0;
        for (size_t i = lo; i <= s; i++)
            m += isfinite(y[i]) && isfinite(x[i]);
        if (m >= need)
            out[s] = hs_analytics_corr(y + lo, x + lo, window);
    }
}

int hs_analytics_rolling_panel(const double *r, size_t n, size_t k,
                               size_t window, double *avg_corr,
                               double *absorption)
{
    size_t need = window / 2 < 2 ? 2 : window / 2;
    double *cov = malloc((k ? k * k : 1) * sizeof *cov);
    int rc = 0;
    if (!cov)
        return hs_error_set(HS_ENOMEM, "out of memory");
    for (size_t s = 0; s < n; s++) {
        if (avg_corr)
            avg_corr[s] = NAN;
        if (absorption)
            absorption[s] = NAN;
        if (window < 2 || s + 1 < window || k == 0)
            continue;
        size_t lo = s + 1 - window;
        if (hs_analytics_cov(r + lo * k, window, k, cov) < need)
            continue;
        if (avg_corr)
            avg_corr[s] = hs_analytics_avg_corr(cov, k);
        if (absorption) {
            double tr = 0;
            for (size_t i = 0; i < k; i++)
                tr += cov[i * k + i];
            if (tr > 0 && (rc = hs_analytics_absorption(cov, k,
                                                        &absorption[s])))
                break;
        }
    }
    free(cov);
    return rc;
}
