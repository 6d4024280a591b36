/* Monte Carlo runner: every strategy run of a config on every simulated
 * path of its [mc] scenario model.
 *
 *     hs_mc *mc;
 *     hs_mc_new(&mc, cfg, registry, store, &opts);  // history, model
 *     hs_mc_run(mc);                                 // paths on threads
 *     hs_mc_write(mc, "results/x-mc.h5", 0, &meta);
 *     hs_mc_free(mc);
 *
 * A path is a panel (scenario.h: warm-up rows from the end of history, then
 * the simulated steps) run through a plan exactly as history is.  Path p
 * draws from the streams of (seed, p, purpose), and its results go to row
 * p: the results are byte-identical for any number of threads.
 *
 * Per path and run, one row of metrics (hs_mc_row); per simulated step and
 * run, quantiles over paths of the P&L and the hedge ratio (bands).  Exact
 * quantiles need every path's value at every step: the bands are computed
 * over the first `band_paths` paths, with band_paths = min(paths,
 * band_limit / steps), so their memory does not grow with the number of
 * paths beyond that (docs/montecarlo.md). */
#ifndef HEDGESIM_MC_H
#define HEDGESIM_MC_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "hedgesim/config.h"
#include "hedgesim/results_run.h"
#include "hedgesim/scenario.h"
#include "hedgesim/store.h"
#include "hedgesim/strategy.h"

/* Quantile levels of the bands, in percent. */
#define HS_MC_N_BANDS 7
extern const double hs_mc_band_levels[HS_MC_N_BANDS]; /* 1 5 25 50 75 95 99 */

/* Default cap on paths x steps kept for the bands (per run and series). */
#define HS_MC_BAND_LIMIT 10000000

typedef struct hs_mc_opts {
    size_t paths;             /* >= 1 */
    uint64_t seed;
    unsigned threads;         /* >= 1 */
    size_t keep_paths;        /* paths whose P&L and hedge-ratio series are
                               * kept (written under kept/); <= paths */
    size_t band_limit;        /* 0: HS_MC_BAND_LIMIT */
    const volatile sig_atomic_t *stop; /* set (e.g. by SIGINT) to stop after
                               * the paths under way; NULL: never */
    /* Called from the calling thread about 5 times a second while paths
     * run (NULL: none). */
    void (*progress)(void *ctx, size_t done, size_t total, double seconds);
    void *progress_ctx;
    /* Work shared with other processes (NULL: this process runs every
     * path).  The worker threads ask for chunks of paths [*first, *first +
     * *count), one call at a time (the runner serialises them); *count 0:
     * no work is left.  Returns 0 or a negative error, which fails the run.
     * hs_mc_run then returns 0 once the chunks run out, and the run is
     * complete when every path has run here or been stored with
     * hs_mc_path_unpack (docs/scale.md). */
    int (*next_chunk)(void *ctx, size_t *first, size_t *count);
    void *chunk_ctx;
} hs_mc_opts;

#define HS_MC_OPTS_INIT {1000, 1, 1, 0, 0, NULL, NULL, NULL, NULL, NULL}

/* One path of one run: the row of /mc/<run>/paths.  Currency amounts are
 * over the simulated steps. */
typedef struct hs_mc_row {
    double he;            /* hedge effectiveness over the path */
    double te;            /* tracking error, annualised */
    double pnl;           /* final P&L: equity at the last step - capital */
    double max_drawdown;  /* fraction of the peak */
    double cvar95;        /* of one step's hedged return, positive = loss */
    double costs;         /* fees + slippage paid (> 0) */
    double funding;       /* funding paid (> 0; < 0 received) */
    double premium;       /* option premium, net paid */
    double stress_share;  /* share of simulated steps in the stress regime
                           * (NaN for models without regimes) */
    double fee_bps;       /* the path's taker fee, bps: drawn from [mc]
                           * fee_bps = LO..HI, else the [costs] fee */
    double slippage_bps;  /* the path's fixed slippage, bps: drawn from [mc]
                           * slippage_bps = LO..HI, else the [costs] value
                           * (NaN for another slippage model) */
} hs_mc_row;

/* Quantile summary of a set of paths of one run. */
typedef struct hs_mc_summary {
    size_t n;                     /* paths in the set */
    double he_q05, he_q50, he_q95;
    double pnl_q05, pnl_q50, pnl_q95;
    double es99;                  /* expected shortfall of the P&L at 99 %:
                                   * minus the mean of the worst
                                   * ceil(0.01 n) P&Ls (> 0: a loss) */
} hs_mc_summary;

typedef struct hs_mc hs_mc;

/* Check the config's [mc] section, load the history (with the plan's
 * warm-up), build the scenario model.  Borrows cfg, reg and store (they
 * must outlive mc).  Errors: HS_ECONFIG (no [mc] section, bad model
 * parameters, zero paths or threads, keep_paths > paths, calibrate not
 * available), those of hs_plan_new and hs_scenario_new. */
int hs_mc_new(hs_mc **out, const hs_config *cfg, const hs_registry *reg,
              hs_store *store, const hs_mc_opts *opts);
void hs_mc_free(hs_mc *mc);

/* Run every path: 0 when all are done, 1 if *opts.stop was set (the paths
 * done are kept but the result is incomplete: hs_mc_write refuses it), or
 * the first error of a path (the message names the path and the run). */
int hs_mc_run(hs_mc *mc);

size_t hs_mc_paths(const hs_mc *mc);
size_t hs_mc_done(const hs_mc *mc);   /* paths finished */
size_t hs_mc_steps(const hs_mc *mc);  /* simulated steps per path */
size_t hs_mc_band_paths(const hs_mc *mc);
size_t hs_mc_n_runs(const hs_mc *mc);
const char *hs_mc_run_name(const hs_mc *mc, size_t run);
const char *hs_mc_run_type(const hs_mc *mc, size_t run);
/* The scenario (borrowed), e.g. for its description. */
const hs_scenario *hs_mc_scenario(const hs_mc *mc);
/* Row of path p of run `run` (borrowed; valid after hs_mc_run). */
const hs_mc_row *hs_mc_row_of(const hs_mc *mc, size_t run, size_t p);
/* Band quantiles of run `run` at simulated step t: out[HS_MC_N_BANDS] for
 * the P&L and the hedge ratio (either may be NULL).  0 or HS_EINVAL. */
int hs_mc_bands(const hs_mc *mc, size_t run, size_t t, double *pnl,
                double *hedge_ratio);
/* Summary over the paths of run `run`: subset -1 all, 0 paths with no
 * step in the stress regime, 1 paths with at least one.  n = 0 (others
 * NaN) when the subset is empty. */
void hs_mc_summarize(const hs_mc *mc, size_t run, int subset,
                     hs_mc_summary *out);
/* 1 if the model has regimes (the stress split means something). */
int hs_mc_has_regimes(const hs_mc *mc);
/* 1 if fees or slippage are drawn per path ([mc] fee_bps, slippage_bps):
 * the paths table then has the columns fee_bps and slippage_bps. */
int hs_mc_random_costs(const hs_mc *mc);

/* The results of path p as bytes, to move them between processes of the
 * same build on machines of the same type (hs_mc_opts.next_chunk):
 * hs_mc_path_bytes(p) bytes (its rows, and its band and kept series when
 * p is among the first band_paths / keep_paths).  pack reads path p's
 * results (valid once it ran here); unpack stores them and counts path p
 * as done: HS_EINVAL if p is out of range. */
size_t hs_mc_path_bytes(const hs_mc *mc, size_t p);
void hs_mc_path_pack(const hs_mc *mc, size_t p, void *buf);
int hs_mc_path_unpack(hs_mc *mc, size_t p, const void *buf);

/* Write /mc/... and the provenance to `path` (written to a temporary name
 * and renamed: nothing half-written).  HS_EEXISTS if it exists and !force;
 * HS_EINVAL if the run is incomplete.  meta->mode and seed are set here. */
int hs_mc_write(const hs_mc *mc, const char *path, int force,
                const hs_results_meta *meta);

#endif
