/* Performance and hedge metrics, computed from a run's per-step series.
 * Formulas in docs/metrics.md.  All returns are per step (simple returns);
 * A is the number of steps per year (365 for daily crypto, 8760 hourly). */
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

/* Hedge effectiveness 1 - Var(rh)/Var(ru) (Ederington 1979). */
double hs_metric_hedge_effectiveness(const double *rh, const double *ru,
                                     size_t n);
/* Tracking error sqrt(A) * sd(rh - target * rm). */
double hs_metric_tracking_error(const double *rh, const double *rm, size_t n,
                                double target_beta, double A);
/* Maximum drawdown of an equity curve, as a positive fraction (0.25 = -25%),
 * from the running peak. */
double hs_metric_max_drawdown(const double *equity, size_t n);
/* Historical VaR and CVaR at `level` (0.95, 0.99) as positive losses:
 * with the finite returns sorted ascending r(1) <= ... <= r(m) and
 * k = ceil(m * (1 - level)), VaR = -r(k), CVaR = -mean(r(1..k)).
 * `scratch` must hold n doubles.  NaN if m == 0. */
void hs_metric_var_cvar(const double *r, size_t n, double level,
                        double *scratch, double *var, double *cvar);
/* Rolling OLS slope of y on x over `window` steps ending at each t (NaN
 * until `window` finite pairs). out has n entries. */
void hs_metric_rolling_slope(const double *y, const double *x, size_t n,
                             size_t window, double *out);

/* The summary of one strategy run. */
typedef struct hs_metrics {
    double hedge_effectiveness;
    double tracking_error;
    double residual_beta;
    double ann_return;     /* geometric: (E_end/E_0)^(A/steps) - 1 */
    double ann_vol;        /* sqrt(A) * sd(r_h) */
    double sharpe;         /* (mean(r_h) * A - rf) / ann_vol, rf given */
    double max_drawdown;
    double var95, cvar95, var99, cvar99;
    double turnover;       /* traded notional / mean equity, annualised */
    double fees, slippage, funding, premium; /* totals, currency, > 0 cost */
    double hedge_cost_drag; /* annualised (hedge costs) / mean equity */
    double total_return;
} hs_metrics;

typedef struct hs_metrics_input {
    size_t n;              /* steps */
    const double *equity;  /* [n] equity at each step close */
    const double *r_h;     /* [n] hedged return per step (after costs) */
    const double *r_u;     /* [n] unhedged return per step */
    const double *r_m;     /* [n] benchmark return per step */
    const double *traded;  /* [n] notional traded per step (abs, currency) */
    const double *fees, *slippage, *funding, *premium; /* [n] signed P&L
                              * contributions (cost < 0); premium may be NULL */
    double target_beta;
    double periods_per_year;
    double risk_free;      /* annual rate for Sharpe (decimal) */
} hs_metrics_input;

/* Compute every metric.  `scratch` holds in->n doubles.  Returns 0 or
 * HS_EINVAL (n < 2). */
int hs_metrics_compute(const hs_metrics_input *in, hs_metrics *out,
                       double *scratch);

#endif
