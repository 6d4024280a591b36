/* Regime calibration: a K-state Gaussian hidden Markov model of the
 * benchmark's per-step log returns, fitted by EM (Baum-Welch), then the
 * moments of every asset in each regime from the smoothed regime
 * probabilities.
 *
 *     hs_fit_opts o = HS_FIT_OPTS_INIT;
 *     hs_regime_fit *f;
 *     hs_regime_fit_new(&f, bench, assets, n_obs, n_assets, 2, &o);
 *     ... f->trans, f->vol, f->beta ...
 *     hs_regime_fit_write_ini(f, symbols, 365, stdout);   // an editable [mc]
 *     hs_regime_fit_free(f);
 *
 * The fit (docs/montecarlo.md, "Calibration"):
 *  - Baum-Welch (Rabiner 1989, "A tutorial on hidden Markov models", Proc.
 *    IEEE 77(2), eqs. 19-27 and 37-40, 91-92) with scaled forward-backward
 *    passes, the emission densities scaled per step so that no outlier
 *    underflows them.  A NaN benchmark return is a missing observation (its
 *    emission is 1 in every regime).
 *  - opts->n_starts deterministic starting points: observations ranked by a
 *    centred rolling volatility of window 1, 3, 9, 27, ... steps and split
 *    into K equal quantile groups give the initial means, vols and (counted)
 *    transitions.  The start with the highest log-likelihood is kept (ties:
 *    the earlier start).  Each start iterates until the log-likelihood gains
 *    less than opts->tol per observation, or opts->max_iter iterations.
 *  - Regimes are ordered by the benchmark's volatility: 0 is the calmest,
 *    k - 1 the stress regime.
 *  - Per regime r and asset a, with weights w_t = P(regime r at t | all
 *    data) over the steps where the asset's return is a number: weighted
 *    mean, vol (divisor sum w, not sum w - 1), and for pairs the weighted
 *    correlation and beta to the benchmark over the steps where both are
 *    numbers.  With assets listing at different times the correlation
 *    matrix is pairwise and need not be positive definite.
 *  - Crash jumps (opts->jump_threshold = h > 0): in the stress regime (the
 *    most volatile, k - 1; the only one when k = 1), a step whose
 *    benchmark return falls below m - h * s, where m is the weighted median
 *    and s = 1.4826 x the weighted median absolute deviation (a robust sd
 *    that the jumps themselves barely move; weights: the stress regime's
 *    probabilities), is a jump.  The chain is then refitted with the jump
 *    steps as observations that only the stress regime emits (their
 *    returns left out of the Gaussian regimes), and the jumps found again,
 *    until the set of jump steps is stable (at most 10 refits): the regimes
 *    describe the diffusion, the jumps the crashes.  jump_rate = sum of w
 *    over jump steps / sum of w (a probability per step spent in the
 *    stress regime); jump_mean = weighted mean of (return - m) over the
 *    jump steps; jump_sd = sqrt(max(0, weighted variance of those - s^2)),
 *    the spread of the jump itself once the regime's own noise is taken
 *    out.  Jump steps are left out of every regime's asset moments.  h = 0,
 *    or no jump step: all three are 0 and no step is left out; loglik is
 *    that of the returns other than jump steps.
 *
 * Deterministic: the same inputs give bit-identical results. */
#ifndef HEDGESIM_CALIBRATE_H
#define HEDGESIM_CALIBRATE_H

#include <stddef.h>
#include <stdio.h>

/* Most regimes a fit may have. */
#define HS_FIT_MAX_STATES 8
/* Fewest benchmark returns (numbers, not NaN) per regime. */
#define HS_FIT_MIN_OBS_PER_STATE 10
/* Most assets hs_regime_fit_write_ini writes with 2 regimes: a regime's
 * section has k `to.*` keys, 6 others and one corr row per asset, and the
 * config reader takes at most 32 keys per section (32 - 6 - k assets). */
#define HS_FIT_INI_MAX_KEYS 32

typedef struct hs_fit_opts {
    size_t max_iter;       /* EM iterations per start (>= 1) */
    double tol;            /* stop when the log-likelihood gains less than
                            * tol per observation (> 0) */
    size_t n_starts;       /* deterministic starting points (>= 1) */
    double jump_threshold; /* crash jumps beyond this many robust sds in
                            * the stress regime; 0: not fitted (>= 0) */
} hs_fit_opts;

#define HS_FIT_OPTS_INIT {500, 1e-9, 4, 4.0}

typedef struct hs_regime_fit {
    size_t k, n_assets, n_obs;
    double *trans;      /* [k*k] row-major P(i -> j) per step */
    double *mean;       /* [k*n_assets] per-step mean log return */
    double *vol;        /* [k*n_assets] per-step sd of log returns */
    double *corr;       /* [k*n_assets*n_assets] regime r: r*n*n + a*n + b */
    double *beta;       /* [k*n_assets] slope on the benchmark's return */
    double *bench_mean; /* [k] the HMM's per-step regime means */
    double *bench_vol;  /* [k] the HMM's per-step regime sds (ascending) */
    double *stationary; /* [k] stationary distribution of trans */
    double *duration;   /* [k] expected stay 1 / (1 - p_ii), in steps
                         * (inf when p_ii = 1) */
    double *prob;       /* [n_obs*k] smoothed P(regime r at t): t*k + r */
    double jump_rate, jump_mean, jump_sd; /* 0 when not fitted */
    double loglik;      /* log-likelihood of the benchmark returns */
    size_t iterations;  /* EM iterations of the kept start */
} hs_regime_fit;

/* Fit a k-regime model.  bench: [n_obs] benchmark log returns per step;
 * assets: [n_obs*n_assets] step-major log returns (asset a at step t is
 * assets[t*n_assets + a]); NaN marks a missing value (not listed yet, a
 * gap), skipped in that series' moments.  n_assets may be 0 (assets NULL).
 * opts NULL: HS_FIT_OPTS_INIT.  Both inputs are only read.
 * Errors: HS_EINVAL (NULL pointers, k outside 1..HS_FIT_MAX_STATES, bad
 * options), HS_EDATA (fewer than HS_FIT_MIN_OBS_PER_STATE * k benchmark
 * returns, an infinite value, an asset with fewer than 2 returns or with
 * no weight in a regime: the message names the asset's column and the
 * regime), HS_ENUMERIC (no start gives a finite log-likelihood),
 * HS_ENOMEM.  *out is owned by the caller; NULL after an error. */
int hs_regime_fit_new(hs_regime_fit **out, const double *bench,
                      const double *assets, size_t n_obs, size_t n_assets,
                      size_t k, const hs_fit_opts *opts);
/* Free a fit (NULL is harmless). */
void hs_regime_fit_free(hs_regime_fit *f);

/* The name of regime r of k as written in INI files: "calm" and "stress"
 * when k = 2, else "r0" .. "r<k-1>".  A static string. */
const char *hs_regime_name(size_t k, size_t r);

/* Put the fit's assets in a new order: asset a of the result is asset
 * order[a] of the fit (means, vols, betas and correlation rows and
 * columns; the regimes and the benchmark's own moments do not move).
 * 0, HS_EINVAL (order is not a permutation of 0 .. n_assets - 1),
 * HS_ENOMEM. */
int hs_regime_fit_reorder(hs_regime_fit *f, const size_t *order);

/* Write the fit as INI text a user can edit and the Monte Carlo model
 * reads: `[mc]` with `model = regime` and `regimes = NAME,...`, then one
 * `[mc.regime.NAME]` per regime with `to.NAME = p` (transition
 * probabilities), `drift`, `vol` and `beta` (comma lists in the symbols'
 * order, annualised with periods_per_year steps a year as [mc.regime.NAME]
 * reads them: drift x A, vol x sqrt(A)), `corr.SYMBOL` (one row of the correlation matrix per
 * asset), `jump_rate` (jumps a year), `jump_mean`, `jump_sd` (the fitted
 * jumps in the stress regime k - 1, 0 in the others).  `hedgesim mc` reads
 * the lists in its model-asset order, the benchmark first: pass the
 * symbols (and fit the assets) in that order.  symbols: [n_assets] names (letters,
 * digits, '.', '_', '-').  Numbers are written with %.10g, or with fewer
 * digits (never fewer than 4) where a list would not fit the config
 * reader's 199-character lines.  Errors: HS_EINVAL (NULL, a bad or
 * duplicate symbol, more assets than a section can hold: more than
 * HS_FIT_INI_MAX_KEYS - 6 - k), HS_ENUMERIC (a non-finite parameter), HS_EDATA (a
 * list too long for a line even at 4 digits), HS_EIO (a write failed).
 * Nothing is written when an argument is refused. */
int hs_regime_fit_write_ini(const hs_regime_fit *f,
                            const char *const *symbols,
                            double periods_per_year, FILE *fp);

#endif
