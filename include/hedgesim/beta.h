/* Beta estimators: each a const type struct, like GSL's gsl_rng_type.
 *
 * An estimator sees one observation per step, (x, y) = (benchmark return,
 * portfolio return) for that step, strictly in time order, and reports the
 * slope of y on x from what it has seen so far: it cannot look ahead.
 * Returns are computed by the caller (simple or log, its choice).
 *
 * The framework allocates the state (state_size(values) bytes, aligned for
 * double) and never allocates afterwards: update() and value() are O(1) or
 * O(window) without malloc, for use inside the engine loop. */
#ifndef HEDGESIM_BETA_H
#define HEDGESIM_BETA_H

#include <stddef.h>

#include "hedgesim/param.h"

#define HS_BETA_TYPE_VERSION 1

typedef struct hs_beta_type {
    int version;         /* HS_BETA_TYPE_VERSION */
    const char *name;    /* "ols", "ewma", "kalman", "downside" */
    const char *summary; /* one line */
    const hs_param *params; /* terminated by HS_PARAM_END */
    /* REQUIRED: bytes of state for these parameter values (never 0; a
     * value outside the table range is clamped here and rejected by
     * init). */
    size_t (*state_size)(const hs_values *v);
    /* REQUIRED: initialise state from parameters, looked up by name in v (so
     * v may come from a larger table).  0, or HS_EINVAL if a parameter is
     * missing or out of range (message names it). */
    int (*init)(void *state, const hs_values *v);
    /* REQUIRED: add the observation of one step.  Non-finite x or y are
     * ignored (a missing step): never folded into the estimate, and not
     * counted towards a window, a decay step or a warm-up. */
    void (*update)(void *state, double x, double y);
    /* REQUIRED: current beta (dimensionless), or NaN while there is not
     * enough data (or x has had no variance). */
    double (*value)(const void *state);
    /* OPTIONAL: finite observations needed before value() can be finite
     * (what hs_beta_warmup reports); NULL means unknown (0). */
    size_t (*warmup)(const hs_values *v);
} hs_beta_type;

/* Rolling OLS slope of y on x over the last `window` finite observations
 * (int, default 60, [5, 100000]); NaN until the window is full.  O(1)
 * update from running sums, recomputed exactly every `window` updates. */
extern const hs_beta_type hs_beta_ols;
/* Exponentially weighted cov(x, y) / var(x); weights 0.5^(age/halflife)
 * (`halflife` in observations, default 30, [1, 10000]); NaN until
 * `min_obs` observations (default 0 = ceil(halflife), at least 2). */
extern const hs_beta_type hs_beta_ewma;
/* Kalman filter on y = alpha + beta x + e with (alpha, beta) random walks:
 * `q` beta process variance per step (1e-5), `q_alpha` (0), `r`
 * observation variance (1e-4), prior beta `beta0` (1) and variance `p0`
 * (1) for alpha (prior mean 0) and beta; NaN until `min_obs` (10). */
extern const hs_beta_type hs_beta_kalman;
/* OLS slope over the observations with x < 0 among the last `window`
 * (default 120); NaN until at least `min_down` (default 10) of them. */
extern const hs_beta_type hs_beta_downside;

/* NULL-terminated registry of the built-in estimators. */
extern const hs_beta_type *const hs_beta_types[];

/* The memory of an estimator for these parameters: the number of finite
 * observations its value depends on (the last ones), or 0 when it depends
 * on all it has seen.  `ols` and `downside` remember their `window`;
 * `ewma`, `kalman` and plug-ins everything.  A fresh estimator fed the last
 * `memory` finite observations reports what one fed the whole series
 * does (to rounding): beta_input = proforma replays only those. */
size_t hs_beta_memory(const hs_beta_type *t, const hs_values *v);

/* Find an estimator by name (borrowed pointer to a constant), or NULL. */
const hs_beta_type *hs_beta_find(const char *name);

/* Minimum number of finite observations before value() can be finite, for
 * these parameters (the plan uses it to load enough warm-up before the start,
 * hs_plan_lookback).  For downside it is the least possible (every x < 0). */
size_t hs_beta_warmup(const hs_beta_type *t, const hs_values *v);

#endif
