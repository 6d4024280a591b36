/* Run plans: everything needed to run the strategies of a config over one
 * panel.
 *
 * A plan turns a config into its runs: the panel (loaded from the store with
 * the warm-up every estimator of the config needs, or handed in by the
 * caller: a simulated path, a stress window), the context the runs share
 * (book track, execution model, benchmark returns), one engine per run, the
 * option-chain source for the runs that trade options, and what the results
 * writer needs.  Every command builds plans; none assembles engines itself:
 *
 *     hs_plan *plan;
 *     hs_plan_new(&plan, cfg, registry, store, NULL);
 *     hs_plan_run(plan);                 // every run, stepped together
 *     hs_plan_write(plan, "out.h5", 0, &meta);
 *     hs_plan_free(plan);
 *
 * Assets are found in the panel by symbol, never by position: the book's
 * assets, the benchmark (`[hedge] benchmark`), the hedge instrument (its last
 * occurrence, so a spot hedge equal to the benchmark is its own column), the
 * options' underlying and volatility index.  A panel made elsewhere must
 * carry those symbols and its first `live_from` steps are warm-up.
 *
 * Runs are stepped together (step t of every run before step t + 1 of any),
 * so a modeled option chain is generated once per step for all the runs that
 * trade options; each engine still sees only its own past.
 *
 * A run that fails (its strategy returns an error or a non-finite hedge,
 * its attribution does not add up, its estimator never warms up) is
 * recorded as failed with its reason and stepped no further; the other
 * runs complete.  hs_plan_failed / hs_plan_failure say which and why, the
 * results file lists them (docs/results-format.md). */
#ifndef HEDGESIM_PLAN_H
#define HEDGESIM_PLAN_H

#include <stddef.h>

#include "hedgesim/config.h"
#include "hedgesim/engine.h"
#include "hedgesim/market.h"
#include "hedgesim/metrics.h"
#include "hedgesim/results_run.h"
#include "hedgesim/store.h"
#include "hedgesim/strategy.h"

typedef struct hs_plan hs_plan;

/* Longest reason kept for a failed run (with the terminator). */
#define HS_PLAN_REASON_MAX 512

/* Choices of the caller, beyond the config (all borrowed). */
typedef struct hs_plan_opts {
    const char *const *only; /* [n_only] names of the runs to keep; every
                              * name must be a run of the config (HS_ECONFIG
                              * naming the runs otherwise).  NULL: all */
    size_t n_only;
    hs_panel *panel;         /* a panel made elsewhere, or NULL to load one
                              * from the store.  The plan adds its data
                              * notes to it; it must outlive the plan */
    size_t live_from;        /* with `panel`: first live step (0: the
                              * config's lookback) */
    int summary_only;        /* 1: the runs record only what their metrics
                              * need (hs_engine_set_summary_only): for
                              * sweeps, not for a plan whose series are
                              * written */
} hs_plan_opts;

#define HS_PLAN_OPTS_INIT {NULL, 0, NULL, 0, 0}

/* Steps of warm-up the config needs before `start`: `[data] lookback`, or
 * when it is 0, min_history + the largest estimator warm-up among every run
 * of the config (selected or not, so that choosing runs does not change the
 * window) + 1.  Errors: those of hs_config_run_spec. */
int hs_plan_lookback(const hs_config *cfg, const hs_registry *reg,
                     size_t *out);

/* Steps a year of the config: `[data] periods_per_year` when given, else
 * the calendar's sessions a year (hs_cal_days_per_year: 365 for 24x7, 260
 * weekdays, 252 XNYS) x the steps a day.  What runs annualise with, and
 * what `hedgesim calibrate` and the [mc] model's annual figures use. */
double hs_plan_periods_per_year(const hs_config *cfg);

/* Build a plan: resolve the runs (opts->only), load the panel from `store`
 * (unless opts->panel), build the context, the chain source and one engine
 * per run.  Borrows cfg and store, which must outlive the plan; store may
 * be NULL when a panel is given and no run replays the store's option
 * chains.  `reg` is read only here, but the strategy types it yields must
 * outlive the plan (keep a registry that loaded plug-ins).  opts may be NULL (HS_PLAN_OPTS_INIT).  *out is owned by the
 * caller; NULL after an error (every error names the config, the run or
 * the symbol at fault). */
int hs_plan_new(hs_plan **out, const hs_config *cfg, const hs_registry *reg,
                hs_store *store, const hs_plan_opts *opts);
void hs_plan_free(hs_plan *plan);

/* One step of every run that has not failed: 0, or HS_ITEROVER when every
 * run is done or failed.  A run whose step fails is marked failed (with
 * the error's message) and the others go on: no error is returned. */
int hs_plan_step(hs_plan *plan);
/* Step to the end, then hs_plan_finish. */
int hs_plan_run(hs_plan *plan);
/* Compute the metrics of every run that has none yet and has not failed.
 * A run whose estimator never warmed up (the reason names the cause: too
 * little history for its window, a benchmark that does not move) or whose
 * metrics cannot be computed is marked failed.  0 when at least one run
 * completed; when every run failed, the first run's code (HS_EDATA,
 * HS_ESTRATEGY, ...) with every reason in the message.  HS_EINVAL if a run
 * has not reached the end. */
int hs_plan_finish(hs_plan *plan);

/* hs_plan_run, then the first failed run's error (its code, its reason as
 * the message) if any run failed: for commands whose every figure needs
 * every run (a Monte Carlo path, a stress window, an analysis). */
int hs_plan_run_strict(hs_plan *plan);

/* Replace run i's spec (options wired as for the config's runs) and run it
 * alone to the end, reusing the engine's memory (no allocation once the
 * states are as large as the largest seen): the building block of
 * parameter sweeps.  Its metrics follow from hs_plan_finish.  Call only
 * between full passes, not while hs_plan_step is part-way (the runs share
 * the chain source).  Run i's earlier failure is cleared; if the rerun
 * fails, run i is marked failed and the code returned. */
int hs_plan_rerun(hs_plan *plan, size_t i, const hs_run_spec *spec);

/* Start every run over at step 0 after the values of the plan's panel were
 * overwritten in place (same shape, symbols, times and bar states: a
 * Monte Carlo path refilled by its scenario): refresh the context (the
 * cost statistics, the book's track, the benchmark and hedge returns) and
 * reset every engine, without allocation once the engines' states are as
 * large as the largest seen.  exec: the fees and slippage of this pass
 * (hs_context_refresh: only fee_bps, close_slippage_bps and the cost
 * model's values may change), or NULL to keep them.  Earlier failures and
 * metrics are cleared; a run whose reset fails is marked failed.  Errors:
 * those of hs_context_refresh (the plan must then be reset again or
 * freed).  Then hs_plan_step / hs_plan_run as after hs_plan_new: the same
 * results, bit for bit, as a new plan over the refilled panel. */
int hs_plan_reset(hs_plan *plan, const hs_exec_opts *exec);

/* Write the results (hs_results_write_runs) of a plan that has run: `meta`
 * gives the provenance (command line, config, dataset, seed, mode); the plan
 * fills in the rolling window, whether modeled data was used and the failed
 * runs (listed with their reasons; the completed runs are written in
 * full).  HS_EEXISTS if `path` exists and !force; HS_EINVAL if no run
 * completed. */
int hs_plan_write(const hs_plan *plan, const char *path, int force,
                  const hs_results_meta *meta);

/* What a plan holds (borrowed from the plan). */
size_t hs_plan_n_runs(const hs_plan *plan);
const hs_run_spec *hs_plan_spec(const hs_plan *plan, size_t i);
const hs_run_series *hs_plan_series(const hs_plan *plan, size_t i);
/* NULL until hs_plan_run or hs_plan_finish has computed them, and for a
 * failed run. */
const hs_metrics *hs_plan_metrics(const hs_plan *plan, size_t i);
/* 0 if run i has not failed, else the code it failed with. */
int hs_plan_failed(const hs_plan *plan, size_t i);
/* Why run i failed ("" if it did not); borrowed from the plan. */
const char *hs_plan_failure(const hs_plan *plan, size_t i);
/* How many runs failed. */
size_t hs_plan_n_failed(const hs_plan *plan);
/* Live steps at which run i was hedged: those with a beta estimate (every
 * live step for a run without an estimator).  Fewer than the live steps
 * when the estimator warmed up late (a data note says why); 0 until the
 * run has metrics. */
size_t hs_plan_steps_hedged(const hs_plan *plan, size_t i);
const hs_panel *hs_plan_panel(const hs_plan *plan);
/* The same panel, to hand to other plans over the same data
 * (hs_plan_opts.panel: parameter sweeps, one plan per thread); they must
 * be freed before this plan.  A plan given a panel only appends to its
 * notes (option runs), so build such plans one at a time. */
hs_panel *hs_plan_panel_shared(hs_plan *plan);
const hs_context *hs_plan_context(const hs_plan *plan);
/* First live step; the live window is live_from .. n_steps - 1. */
size_t hs_plan_live_from(const hs_plan *plan);
/* 1 if some run trades options on modeled (not exchange) chains. */
int hs_plan_modeled(const hs_plan *plan);

#endif
