/* Scenario models: simulated market paths for Monte Carlo.
 *
 * A scenario model is a `const hs_scenario_type` (like hs_strategy_type and
 * hs_beta_type): a name, a summary, and functions that prepare a model from
 * its parameters and the history, and draw one path of log returns, regimes,
 * funding rates and volatility-index levels.  Built-ins:
 *
 *   hs_scenario_regime     K-regime Markov switching: per regime drift,
 *                          volatility and correlation (Cholesky), common
 *                          crash jumps scaled by each asset's beta, funding
 *                          and vol-index levels (docs/montecarlo.md);
 *   hs_scenario_bootstrap  stationary bootstrap (Politis and Romano 1994)
 *                          of whole historical return rows.
 *
 * The framework turns those draws into a panel (market.h) that a plan runs
 * exactly as it runs history: the first `warm` steps are copied from the
 * end of the history panel (estimators warm up on real data), then `steps`
 * simulated steps follow on the same grid, with the same symbols:
 *
 *     hs_scenario *sc;                 // shared, read-only, by all threads
 *     hs_scenario_new(&sc, &hs_scenario_regime, &params, hist, &layout, &o);
 *     hs_scenario_path *pp;            // one per thread: its panel
 *     hs_scenario_path_new(&pp, sc);
 *     for (p = ...) {
 *         hs_scenario_fill(pp, seed, p);            // no allocation
 *         run a plan over hs_scenario_path_panel(pp) ...
 *     }
 *
 * Randomness: path p draws from PCG32 streams (rng.h) derived from
 * (seed, p, HS_RNG_REGIME / HS_RNG_RETURNS / HS_RNG_JUMPS /
 * HS_RNG_BOOTSTRAP), normals by GSL's ziggurat (gsl_ran_gaussian_ziggurat):
 * a path is the same whichever thread draws it.
 *
 * Units: every parameter struct below is per step (drift and volatility of
 * log returns per step, jump intensity per step, funding per step); the
 * config reader converts the annual figures of an [mc] section. */
#ifndef HEDGESIM_SCENARIO_H
#define HEDGESIM_SCENARIO_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "hedgesim/market.h"

#define HS_SCENARIO_MAX_REGIMES 4
#define HS_SCENARIO_MAX_ASSETS 66 /* book (64) + benchmark + slack */
#define HS_SCENARIO_NAME_MAX 32

/* Version of hs_scenario_type (append-only). */
#define HS_SCENARIO_TYPE_VERSION 1

/* Crash-jump size distributions (sizes are log returns of the benchmark;
 * asset a moves by beta[a] times the size). */
typedef enum hs_jump_kind {
    HS_JUMP_NORMAL = 0,    /* N(jump_mean, jump_sd^2) */
    HS_JUMP_DOUBLE_EXP = 1 /* Kou (2002): +Exp(mean jump_up) with probability
                            * jump_up_prob, else -Exp(mean jump_down) */
} hs_jump_kind;

/* One regime, per step. */
typedef struct hs_regime_spec {
    char name[HS_SCENARIO_NAME_MAX];
    double trans[HS_SCENARIO_MAX_REGIMES]; /* P(this -> j) per step; row
                                            * sums to 1 */
    double drift[HS_SCENARIO_MAX_ASSETS];  /* mean log return per step */
    double vol[HS_SCENARIO_MAX_ASSETS];    /* sd of the diffusion part of
                                            * the log return per step, >= 0 */
    double beta[HS_SCENARIO_MAX_ASSETS];   /* loading on crash jumps */
    double corr[HS_SCENARIO_MAX_ASSETS * HS_SCENARIO_MAX_ASSETS];
                                           /* [n * n] row-major */
    double jump_rate;                      /* expected jumps per step, >= 0 */
    hs_jump_kind jump_kind;
    double jump_mean, jump_sd;             /* normal sizes */
    double jump_up_prob, jump_up, jump_down; /* double-exponential sizes:
                                            * probability of an up jump, the
                                            * mean up and down sizes (> 0) */
    double funding;   /* perp funding per step (fraction; > 0 longs pay) */
    double vol_index; /* level of the volatility index (e.g. 55 = 55 %) */
} hs_regime_spec;

/* Parameters of the regime-switching model. */
typedef struct hs_regime_params {
    size_t k;          /* regimes, 1 .. HS_SCENARIO_MAX_REGIMES */
    size_t n;          /* model assets (hs_scenario_layout.n) */
    hs_regime_spec r[HS_SCENARIO_MAX_REGIMES];
    int start;         /* regime of the first simulated step: an index, or
                        * -1 to draw it from the stationary distribution */
    int stress;        /* the regime counted as "stress" in the results */
    int repair;        /* 1: repair a correlation matrix that is not
                        * positive definite (eigenvalue clipping); 0: refuse */
    /* Forced shift (what-if): from simulated step shift_from, for
     * shift_steps steps, the regime is shift_regime; there the correlations
     * off the diagonal become shift_corr (unless NaN) and the volatilities
     * are multiplied by shift_vol.  shift_steps 0: none. */
    size_t shift_from, shift_steps;
    int shift_regime;
    double shift_corr, shift_vol;
} hs_regime_params;

/* Defaults: no regimes yet (k 0), stationary start, stress = the last
 * regime (-1 until known), no repair, no shift. */
#define HS_REGIME_PARAMS_INIT                                                  \
    {.k = 0, .n = 0, .start = -1, .stress = -1, .repair = 0,                   \
     .shift_steps = 0, .shift_regime = -1, .shift_corr = NAN,                  \
     .shift_vol = 1.0}

/* Parameters of the stationary bootstrap. */
typedef struct hs_bootstrap_params {
    double block;     /* mean block length in steps, >= 1 */
    int64_t from, to; /* window of history rows (bar open times, inclusive);
                       * 0, 0: every row of the history panel */
} hs_bootstrap_params;

#define HS_BOOTSTRAP_PARAMS_INIT {20.0, 0, 0}

/* Where the model's assets live in the path panel (a copy of the history
 * panel's columns). */
typedef struct hs_scenario_layout {
    size_t n;                          /* model assets: spot prices drawn */
    int col[HS_SCENARIO_MAX_ASSETS];   /* panel column of model asset i */
    int bench;                         /* model index of the benchmark */
    int perp_col;  /* a perp hedge column: marked at the benchmark's price,
                    * funding from the model; -1 none */
    int vol_col;   /* a volatility-index column, or -1 */
} hs_scenario_layout;

/* What the framework hands a type when it prepares a model. */
typedef struct hs_scenario_input {
    const void *params;           /* the type's parameter struct */
    const hs_panel *history;      /* borrowed during prepare only */
    const hs_scenario_layout *layout;
    const uint8_t *alive;         /* [n] 1: model asset i trades at the end
                                   * of history (is simulated) */
    size_t steps;                 /* simulated steps per path */
} hs_scenario_input;

/* What a type draws for one path (arrays owned by the framework). */
typedef struct hs_scenario_draw {
    size_t steps;      /* simulated steps */
    size_t n;          /* model assets */
    double *ret;       /* [steps * n] log returns, step-major */
    uint8_t *regime;   /* [steps] regime index (0 for models without) */
    double *funding;   /* [steps] funding per step; NAN: the last history
                        * value of the perp column */
    double *vol_index; /* [steps] level; NAN: carry the last level */
} hs_scenario_draw;

/* The streams of one path, re-pointed by the framework for each path. */
typedef struct hs_scenario_rngs {
    gsl_rng *regime, *returns, *jumps, *bootstrap;
} hs_scenario_rngs;

typedef struct hs_scenario_type {
    unsigned version; /* HS_SCENARIO_TYPE_VERSION */
    const char *name;
    const char *summary;
    /* REQUIRED.  Validate the parameters (HS_ECONFIG naming the regime,
     * asset or key) and build the read-only model into *model (the type
     * allocates it; freed by `free`). */
    int (*prepare)(void **model, const hs_scenario_input *in);
    /* REQUIRED.  Free what prepare built (NULL harmless). */
    void (*free)(void *model);
    /* OPTIONAL.  Bytes of per-path scratch the draw needs (0 if NULL). */
    size_t (*scratch_size)(const void *model);
    /* REQUIRED.  Draw one path into *out.  No allocation, no I/O.  0 or an
     * error. */
    int (*draw)(const void *model, void *scratch,
                const hs_scenario_rngs *rng, const hs_scenario_draw *out);
    /* OPTIONAL.  One line per parameter for results attributes and the
     * summary, into buf (always NUL-terminated). */
    void (*describe)(const void *model, char *buf, size_t size);
} hs_scenario_type;

/* The built-in types. */
extern const hs_scenario_type hs_scenario_regime;
extern const hs_scenario_type hs_scenario_bootstrap;

/* The built-in types, NULL-terminated, and a look-up by name (NULL if
 * none). */
extern const hs_scenario_type *const hs_scenario_types[];
const hs_scenario_type *hs_scenario_find(const char *name);

/* Framework options. */
typedef struct hs_scenario_opts {
    size_t warm;  /* warm-up steps copied from the end of history, >= 1 */
    size_t steps; /* simulated steps per path, >= 1 */
} hs_scenario_opts;

typedef struct hs_scenario hs_scenario;
typedef struct hs_scenario_path hs_scenario_path;

/* Prepare a model of `type` with `params` over the history panel `hist`
 * (borrowed: it must outlive the scenario, whose paths copy its last
 * `warm` steps).  Errors: HS_EINVAL (warm or steps 0, warm longer than the
 * history, a layout column out of range), HS_ECONFIG (bad parameters, the
 * message names what), HS_ENUMERIC, HS_ENOMEM.  *out owned by the caller. */
int hs_scenario_new(hs_scenario **out, const hs_scenario_type *type,
                    const void *params, const hs_panel *hist,
                    const hs_scenario_layout *layout,
                    const hs_scenario_opts *opts);
void hs_scenario_free(hs_scenario *sc);
const hs_scenario_type *hs_scenario_get_type(const hs_scenario *sc);
/* The type's description of the model ("" if it has none). */
const char *hs_scenario_describe(const hs_scenario *sc);
size_t hs_scenario_warm(const hs_scenario *sc);
size_t hs_scenario_steps(const hs_scenario *sc);

/* A path: its panel (warm + steps steps, the history panel's symbols),
 * streams and scratch, allocated once.  Not shared between threads. */
int hs_scenario_path_new(hs_scenario_path **out, const hs_scenario *sc);
void hs_scenario_path_free(hs_scenario_path *pp);
/* Draw path number `path` of `seed` into the panel: no allocation.  The
 * panel's first `warm` steps never change. */
int hs_scenario_fill(hs_scenario_path *pp, uint64_t seed, uint64_t path);
/* The panel (borrowed; refilled by the next hs_scenario_fill). */
hs_panel *hs_scenario_path_panel(hs_scenario_path *pp);
/* Regime of each simulated step [steps] (borrowed), and the raw log
 * returns drawn [steps * n] (for tests). */
const uint8_t *hs_scenario_path_regimes(const hs_scenario_path *pp);
const double *hs_scenario_path_returns(const hs_scenario_path *pp);

/* ---- helpers used by the regime model, public for tests -------------- */

/* Stationary distribution pi of a k x k row-stochastic matrix P (pi P = pi,
 * sum pi = 1), by solving (P^T - I) pi = 0 with the last equation replaced
 * by sum pi = 1 (GSL LU).  0, HS_EINVAL (rows not stochastic within tol),
 * HS_ENUMERIC (singular: the chain is reducible). */
int hs_markov_stationary(const double *P, size_t k, double tol, double *pi);

/* Lower Cholesky factor L (row-major, n x n, zero above the diagonal) of
 * the correlation matrix C: C = L L^T (gsl_linalg_cholesky_decomp1).  With
 * repair, a matrix that is not positive definite is first replaced by its
 * eigenvalue-clipped neighbour (eigenvalues below eps = 1e-8 raised to eps,
 * then rescaled to a unit diagonal; Rebonato and Jaeckel 1999) and
 * *repaired set to 1.  0, HS_ECONFIG (not symmetric, diagonal not 1, an
 * entry outside [-1, 1], or not positive definite without repair),
 * HS_ENOMEM. */
int hs_corr_cholesky(const double *C, size_t n, int repair, double *L,
                     int *repaired);

/* Fill regime parameters from fitted per-step moments (the layout of a
 * calibration result, regimes ordered calm first): trans [k * k] row-major,
 * mean, vol and beta [k * n], corr [k * n * n]; one crash-jump process
 * (normal sizes, per step) shared by every regime.  Names "calm" and
 * "stress" for k = 2, else "r0", "r1", ...; stress = the last regime;
 * funding and vol-index levels are left at 0 and NAN (set them after).
 * 0 or HS_EINVAL (k or n out of range). */
int hs_regime_params_from_moments(hs_regime_params *p, size_t k, size_t n,
                                  const double *trans, const double *mean,
                                  const double *vol, const double *corr,
                                  const double *beta, double jump_rate,
                                  double jump_mean, double jump_sd);

#endif
