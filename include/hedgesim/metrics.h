/* Performance and hedge metrics, computed from a run's per-step series.
 * Formulas, units and sign conventions in docs/metrics.md.  All returns are
 * per step (simple returns, decimal); A is the number of steps per year (365
 * for daily crypto, 8760 hourly).  Non-finite entries are missing steps:
 * they are left out, never treated as zero (except where stated).  Nothing
 * here allocates; inputs are borrowed and never freed. */
#ifndef HEDGESIM_METRICS_H
#define HEDGESIM_METRICS_H

#include <stddef.h>

/* Sample variance (n - 1) of the finite values of x; NaN if fewer than 2. */
double hs_metric_var(const double *x, size_t n);
/* Sample mean of the finite values of x; NaN if none. */
double hs_metric_mean(const double *x, size_t n);
/* OLS slope of y on x over steps where both are finite; NaN if < 2 pairs or
 * var(x) == 0. */
double hs_metric_slope(const double *y, const double *x, size_t n);

/* Hedge effectiveness 1 - Var(rh)/Var(ru) (Ederington 1979), both variances
 * over the steps where rh and ru are both finite.  Dimensionless, <= 1 (1: all
 * variance removed; negative: the hedge added variance).  NaN if < 2 pairs
 * or Var(ru) == 0. */
double hs_metric_hedge_effectiveness(const double *rh, const double *ru,
                                     size_t n);
/* Tracking error sqrt(A) * sd(rh - target * rm) over pairwise-finite steps:
 * annualised, decimal.  NaN if < 2 pairs, A <= 0 or target not finite. */
double hs_metric_tracking_error(const double *rh, const double *rm, size_t n,
                                double target_beta, double A);
/* Maximum drawdown of an equity curve (currency), as a positive fraction of
 * the running peak (0.25 = a fall of 25 % from the peak); 0 if it never
 * falls.  Non-finite entries are skipped; NaN if none is finite. */
double hs_metric_max_drawdown(const double *equity, size_t n);
/* Historical VaR and CVaR at `level` (0.95, 0.99) as positive losses
 * (decimal returns per step): with the finite returns sorted ascending
 * r(1) <= ... <= r(m) and k = ceil(m * (1 - level)) (at least 1),
 * VaR = -r(k), CVaR = -mean(r(1..k)).  `scratch` must hold n doubles
 * (overwritten).  NaN if m == 0 or level is not in (0, 1).  var or cvar may
 * be NULL. */
void hs_metric_var_cvar(const double *r, size_t n, double level,
                        double *scratch, double *var, double *cvar);
/* Rolling OLS slope of y on x: out[t] is the slope over the last `window`
 * finite pairs at or before t (missing steps are skipped, exactly as the
 * "ols" beta estimator skips them: with no gaps, the `window` steps ending
 * at t).  NaN until `window` finite pairs have been seen, where x has no
 * variance in the window, and everywhere if window < 2.  out has n
 * entries; O(n) time. */
void hs_metric_rolling_slope(const double *y, const double *x, size_t n,
                             size_t window, double *out);

/* The summary of one strategy run. */
typedef struct hs_metrics {
    double hedge_effectiveness; /* 1 - Var(r_h)/Var(r_u) */
    double tracking_error;      /* sqrt(A) sd(r_h - target r_m) */
    double residual_beta;       /* OLS slope of r_h on r_m, whole run */
    double ann_return;     /* geometric: prod(1 + r_h)^(A/m) - 1, m finite
                            * returns; -1 if the run was ruined */
    double ann_vol;        /* sqrt(A) * sd(r_h) */
    double sharpe;         /* (mean(r_h) * A - rf) / ann_vol, rf given */
    double max_drawdown;   /* of the wealth index prod(1 + r_h), from 1 */
    double var95, cvar95, var99, cvar99; /* of r_h, positive = loss */
    double turnover;       /* sum(traded) / mean(equity) * A / n: times the
                            * mean equity traded per year */
    double fees, slippage, funding, premium; /* totals, currency, > 0 cost
                            * (funding < 0: net received) */
    double hedge_cost_drag; /* (fees + slippage + funding + premium) /
                            * mean(equity) * A / n: decimal per year */
    double total_return;   /* prod(1 + r_h) - 1 */
    double years;          /* m / A: the length of the window in years */
} hs_metrics;

/* An annualised figure as the summaries show it (hedgesim run, /summary,
 * hedgesim stress): `ann` over a window of at least a year (`years` >=
 * 1), else NaN, since a month's return raised to the twelfth power says
 * nothing; the window's total return stands next to it. */
double hs_metric_annual_shown(double ann, double years);

typedef struct hs_metrics_input {
    size_t n;              /* steps */
    const double *equity;  /* [n] equity at each step close (currency) */
    const double *r_h;     /* [n] hedged return per step (after costs);
                            * r_h[0] is the return into equity[0] */
    const double *r_u;     /* [n] unhedged return per step; NULL: HE NaN */
    const double *r_m;     /* [n] benchmark return per step; NULL: TE and
                            * residual beta NaN */
    const double *traded;  /* [n] notional traded per step (abs, currency);
                            * NULL: turnover NaN */
    const double *fees, *slippage, *funding, *premium; /* [n] signed P&L
                              * contributions (cost < 0); NULL counts as 0 */
    double target_beta;    /* b*: 0 for a full hedge */
    double periods_per_year; /* A > 0 */
    double risk_free;      /* annual rate for Sharpe (decimal) */
} hs_metrics_input;

/* Compute every metric into *out (caller's struct).  `scratch` holds in->n
 * doubles (overwritten).  Returns 0, or HS_EINVAL if n < 2, A is not
 * positive, or in, out, scratch, equity or r_h is NULL (out untouched).  A
 * metric that cannot be formed from the data is NaN, not an error. */
int hs_metrics_compute(const hs_metrics_input *in, hs_metrics *out,
                       double *scratch);

#endif
