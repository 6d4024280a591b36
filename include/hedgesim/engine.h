/* The engine: one time-stepped loop for history, Monte Carlo paths and
 * stress windows alike.
 *
 * A context bundles what every run over one panel shares: the panel, the
 * execution model, the long book's track and the benchmark and hedge
 * returns.  An engine runs one strategy over a context:
 *
 *     hs_engine_new(&e, ctx, &spec);
 *     while ((rc = hs_engine_step(e)) == 0) ;   // HS_ITEROVER at the end
 *     const hs_run_series *s = hs_engine_series(e);
 *     hs_engine_free(e);
 *
 * Each step: fill the book's and the hedge's orders of the previous step
 * (next-open rule) and sell delisted assets, mark to market, accrue funding,
 * fill, settle and mark options, rebalance the book to the account's equity
 * when due, update the beta estimator with the step's returns, ask the
 * strategy for a decision (it sees data up to this close only), record the
 * series, and check that the P&L attribution sums to the equity change.  A
 * step does no allocation and no I/O (except a store-replayed option chain,
 * which reads a snapshot when a newer one becomes visible). */
#ifndef HEDGESIM_ENGINE_H
#define HEDGESIM_ENGINE_H

#include <stddef.h>

#include "hedgesim/beta.h"
#include "hedgesim/exec.h"
#include "hedgesim/ledger.h"
#include "hedgesim/market.h"
#include "hedgesim/metrics.h"
#include "hedgesim/strategy.h"

typedef struct hs_context hs_context;

typedef struct hs_context_opts {
    int bench;               /* panel index of the benchmark */
    int hedge;               /* panel index of the hedge instrument */
    size_t live_from;        /* first live step */
    double periods_per_year; /* for annualisation (0: from the step) */
    hs_book_opts book;       /* live_from is taken from above */
    hs_exec_opts exec;
} hs_context_opts;

/* Build the context (book track, exec statistics, returns).  Borrows the
 * panel, which must outlive the context. */
int hs_context_new(hs_context **out, const hs_panel *panel,
                   const hs_context_opts *opts);
void hs_context_free(hs_context *ctx);
const hs_panel *hs_context_panel(const hs_context *ctx);
const hs_book *hs_context_book(const hs_context *ctx);
size_t hs_context_live_from(const hs_context *ctx);
double hs_context_periods_per_year(const hs_context *ctx);
/* Benchmark close-to-close returns [n_steps] (NaN where undefined). */
const double *hs_context_bench_returns(const hs_context *ctx);

/* Options for a run (all borrowed).  hs_engine_new/reset rewinds `chains`;
 * several engines may share one source if they are all created first and
 * then stepped together (step t of each before step t + 1 of any), as
 * `hedgesim run` does: the slice of a step is then made once for all. */
typedef struct hs_option_opts {
    hs_chain_source *chains; /* NULL: no options in this run */
    int underlying;          /* panel index of the options' underlying */
    double multiplier;       /* units of underlying per contract */
    double fee_rate;         /* fee per unit as a share of the underlying */
    double fee_cap;          /* ... capped at this share of the premium */
    size_t max_positions;    /* at most HS_MAX_OPTION_POSITIONS */
} hs_option_opts;

#define HS_MAX_OPTION_POSITIONS 32

/* One strategy run. */
typedef struct hs_run_spec {
    const char *name;             /* run name, e.g. "ols60" */
    const hs_strategy_type *type; /* borrowed */
    hs_values params;             /* the strategy's parameters */
    const hs_beta_type *beta;     /* estimator, NULL for none */
    hs_values beta_params;
    int log_returns;              /* estimator on log returns */
    double target_beta;
    double contract_size;         /* hedge increment, units of underlying */
    hs_option_opts options;       /* zeroed: no options */
} hs_run_spec;

/* Per-step series of a run, all [n_steps] over the whole panel; values
 * before live_from are zero or NaN.  P&L terms are signed (costs < 0). */
typedef struct hs_run_series {
    size_t n_steps;
    double *equity;        /* book equity + hedge account */
    double *ret;           /* hedged return over the step */
    double *pnl_book, *pnl_hedge, *fees, *slippage, *funding;
    double *pnl_options;   /* option positions marked to market */
    double *premium;       /* option premium cash flow of the step
                            * (< 0 paid, > 0 received): information, not
                            * an attribution term (pnl_options holds it) */
    double *opt_delta, *opt_gamma, *opt_vega, *opt_theta; /* option book:
                            * delta (underlying units), gamma (per USD),
                            * vega (USD per vol point), theta (USD/day) */
    double *total_delta;   /* options + perp, units of underlying */
    double *beta;          /* estimator value after the step */
    double *hedge_qty;     /* position after the step's fills */
    double *hedge_notional;/* hedge_qty * hedge close */
    double *hedge_ratio;   /* -hedge_notional / exposure: beta units hedged */
    double *traded;        /* notional traded (book + hedge) */
    double *hedge_traded;  /* notional traded in the hedge */
    size_t n_fills;        /* hedge fills recorded below */
    int64_t *fill_time;    /* [n_fills] */
    double *fill_qty, *fill_price, *fill_fee, *fill_slippage;
    /* Option trades: opens, closes and settlements. */
    size_t n_otrades, otrade_cap;
    int64_t *ot_time, *ot_expiry;
    double *ot_strike, *ot_qty, *ot_price, *ot_fee;
    char *ot_right;        /* 'C' / 'P' */
    char *ot_kind;         /* 'B' buy, 'S' sell, 'X' expiry settlement */
    /* Option positions held at each close: one row per position and step. */
    size_t n_opos, opos_cap;
    int64_t *op_time, *op_expiry, *op_entry_time;
    double *op_strike, *op_qty, *op_entry_price, *op_mark, *op_iv;
    char *op_right;
    size_t n_marked_by_model; /* marks not from a quote (missing contract) */
    size_t n_unfilled;     /* option orders not filled: empty book side */
} hs_run_series;

typedef struct hs_engine hs_engine;

/* Validate the spec (HS_ECONFIG naming the run) and allocate everything the
 * loop needs.  Borrows ctx and spec->type. */
int hs_engine_new(hs_engine **out, const hs_context *ctx,
                  const hs_run_spec *spec);
void hs_engine_free(hs_engine *e);

/* Start over with another spec on the same context, reusing the engine's
 * memory (for sweeps and Monte Carlo paths: no allocation per run once the
 * states are as large as the largest seen).  Same checks as hs_engine_new;
 * after an error the engine can be reset again or freed. */
int hs_engine_reset(hs_engine *e, const hs_run_spec *spec);

/* Run one step: 0, HS_ITEROVER when done, or an error (HS_ESTRATEGY if the
 * strategy failed or returned a non-finite target; HS_ENUMERIC if the
 * attribution does not sum to the equity change). */
int hs_engine_step(hs_engine *e);
/* Step to the end: 0 or the first error. */
int hs_engine_run(hs_engine *e);
/* Index of the next step to run. */
size_t hs_engine_cursor(const hs_engine *e);

/* The series so far (borrowed from the engine). */
const hs_run_series *hs_engine_series(const hs_engine *e);

/* Metrics over the live window (after the run). `scratch` not needed. */
int hs_engine_metrics(const hs_engine *e, hs_metrics *out);

/* Tolerance of the attribution check, relative to equity (default 1e-9). */
void hs_engine_set_tolerance(hs_engine *e, double rel);

#endif
