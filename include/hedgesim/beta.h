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
    /* REQUIRED: bytes of state for these parameter values. */
    size_t (*state_size)(const hs_values *v);
    /* REQUIRED: initialise state from parameters (0 or HS_EINVAL). */
    int (*init)(void *state, const hs_values *v);
    /* REQUIRED: add the observation of one step.  Non-finite x or y are
     * ignored (a missing step), never folded into the estimate. */
    void (*update)(void *state, double x, double y);
    /* REQUIRED: current beta, or NaN while there is not enough data. */
    double (*value)(const void *state);
} hs_beta_type;

extern const hs_beta_type hs_beta_ols;      /* rolling OLS over `window` */
extern const hs_beta_type hs_beta_ewma;     /* EWMA cov/var, `halflife` */
extern const hs_beta_type hs_beta_kalman;   /* random-walk beta, `q`, `r` */
extern const hs_beta_type hs_beta_downside; /* OLS on x < 0 steps of `window` */

/* NULL-terminated registry of the built-in estimators. */
extern const hs_beta_type *const hs_beta_types[];

/* Find an estimator by name, or NULL. */
const hs_beta_type *hs_beta_find(const char *name);

/* Minimum number of observations before value() is finite, for these
 * parameters (the engine uses it to tell "too short history" up front). */
size_t hs_beta_warmup(const hs_beta_type *t, const hs_values *v);

#endif
