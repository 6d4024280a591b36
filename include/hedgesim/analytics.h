/* Beta and correlation analytics: the statistics behind `hedgesim analyze`
 * (docs/stress.md).
 *
 * Inputs are per-step simple returns (decimal); a non-finite entry is a
 * missing step and is left out (pairwise for two series, row-wise for a
 * panel of k series).  Panels of k series are step-major: series j at step
 * t is r[t * k + j].  Nothing here keeps state between calls; inputs are
 * borrowed, outputs are the caller's. */
#ifndef HEDGESIM_ANALYTICS_H
#define HEDGESIM_ANALYTICS_H

#include <stddef.h>

#include "hedgesim/beta.h"
#include "hedgesim/param.h"

/* Pearson correlation of y and x over the pairwise-finite steps; NaN if
 * fewer than 2 pairs or either has no variance. */
double hs_analytics_corr(const double *y, const double *x, size_t n);

/* Downside and upside beta: the OLS slope of y on x over the steps where
 * x < 0 (downside) or x > 0 (upside), as in Bawa and Lindenberg (1977)
 * and Ang, Chen and Xing (2006, "Downside risk", Review of Financial
 * Studies 19(4)), with the threshold at 0 rather than the mean of x (the
 * `downside` beta estimator uses the same rule).  NaN if fewer than 2 such
 * pairs or x has no variance among them. */
double hs_analytics_beta_down(const double *y, const double *x, size_t n);
double hs_analytics_beta_up(const double *y, const double *x, size_t n);

/* Sample covariance matrix (divisor m - 1) of the k series of r over the
 * m steps where all k are finite, into cov[k * k] (row-major, symmetric).
 * Returns m; cov is all NaN if m < 2. */
size_t hs_analytics_cov(const double *r, size_t n, size_t k, double *cov);

/* Mean of the k(k-1)/2 pairwise correlations cov_ij / sqrt(cov_ii cov_jj)
 * (i < j) of a covariance matrix; pairs with a zero variance are left
 * out.  NaN if k < 2 or no pair is left. */
double hs_analytics_avg_corr(const double *cov, size_t k);

/* Absorption ratio of a covariance matrix (Kritzman, Li, Page and Rigobon
 * 2011, "Principal components as a measure of systemic risk", Journal of
 * Portfolio Management 37(4)) with one component: the share of the total
 * variance (the trace) carried by the first principal component, its
 * largest eigenvalue, from GSL's gsl_eigen_symm.  In [1/k, 1] for a
 * covariance matrix.  0 with *out set, or HS_EINVAL (k == 0, a non-finite
 * entry or a zero trace), HS_ENOMEM, HS_ENUMERIC (GSL failed).  Allocates
 * O(k^2) per call: not for a step loop. */
int hs_analytics_absorption(const double *cov, size_t k, double *out);

/* The beta estimator `t` (parameters v) fed (x[s], y[s]) for s = 0..n-1,
 * its value after each step in out[s]: what the estimator knew at the
 * close of s, never more.  0, or the estimator's init error, HS_ENOMEM. */
int hs_analytics_rolling_beta(const hs_beta_type *t, const hs_values *v,
                              const double *y, const double *x, size_t n,
                              double *out);

/* Rolling correlation of y and x: out[s] over the steps s - window + 1 ..
 * s (pairwise-finite ones), NaN before a full window or with fewer than
 * window / 2 pairs (at least 2). */
void hs_analytics_rolling_corr(const double *y, const double *x, size_t n,
                               size_t window, double *out);

/* Rolling average pairwise correlation and absorption ratio of the k
 * series of r over the last `window` steps (complete rows only; NaN
 * before a full window or with fewer than max(window / 2, 2) complete
 * rows).  Either output may be NULL.  0, HS_ENOMEM or HS_ENUMERIC. */
int hs_analytics_rolling_panel(const double *r, size_t n, size_t k,
                               size_t window, double *avg_corr,
                               double *absorption);

#endif
