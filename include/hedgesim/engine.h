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
 * The engine keeps no accounts itself: it orders the calls of a step to the
 * ledger's three accounts (ledger.h: the long book, the hedge account, the
 * option book), whose fills are priced by exec, and records the results.
 * A live step:
 *
 *   1. book: fill its orders of the previous close at this open (next-open
 *      rule), sell delisted assets, mark to the close;
 *   2. hedge account: mark the position to the open, fill its pending order
 *      there, mark to the close, accrue funding;
 *   3. option book (option runs): fill pending orders at the open, settle
 *      expiries in the bar, mark at the close to the visible chain slice;
 *   4. book: rebalance to the account's equity when due;
 *   5. beta estimator, then strategy: they see data up to this close only;
 *      its hedge and option orders go to the hedge account and the option
 *      book (filled now under the close rule, else queued for the next open);
 *   6. record the series (HS_RUN_SERIES below);
 *   7. check that the P&L attribution sums to the equity change.
 *
 * Warm-up steps (before live_from) only feed the estimator.  A step does no
 * allocation and no I/O (except a store-replayed option chain, which reads a
 * snapshot when a newer one becomes visible). */
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
/* Recompute what the context derives from its panel after the panel's
 * values were overwritten in place (same shape, symbols, times and bar
 * states: a refilled Monte Carlo path): the cost statistics, the book's
 * track, the benchmark and hedge returns; the same values as a new context
 * over the panel, without allocation.  exec: new fees and slippage (only
 * fee_bps, close_slippage_bps and the cost model's values may change;
 * HS_EINVAL otherwise), or NULL to keep them.  Engines over the context
 * must then be reset (hs_engine_reset) before they step again. */
int hs_context_refresh(hs_context *ctx, const hs_exec_opts *exec);
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
    size_t max_positions;    /* at most HS_MAX_OPTION_POSITIONS (ledger.h) */
} hs_option_opts;

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

/* ---------------------------------------------------- per-step series
 * Every per-step series of a run, described once:
 *
 *     X(field, name, unit, flags, doc)
 *
 * field: the `double *` member of hs_run_series ([n_steps]); name: its
 * dataset under /runs/<NAME>/ of a results file (docs/results-format.md);
 * unit and doc: that dataset's `units` and `description` attributes; flags:
 * HS_SERIES_* below.  This list generates the members, the descriptor table
 * hs_run_series_desc[], their allocation and reset, and what the results
 * writer writes (in this order).  Adding a series: one line here and the
 * line in engine.c that records its value at each step.  P&L terms are
 * signed (costs < 0). */
#define HS_SERIES_WARMUP 0x1  /* recorded at warm-up steps too; the others are
                               * 0 before live_from */
#define HS_SERIES_OPTIONS 0x2 /* written for option runs only */
#define HS_SERIES_MEMORY 0x4  /* in memory only: not written to results */
#define HS_SERIES_DETAIL 0x8  /* not recorded by a summary-only run
                               * (hs_engine_set_summary_only) */

#define HS_RUN_SERIES(X)                                                       \
    X(equity, "equity", "currency", HS_SERIES_WARMUP,                          \
      "book equity + hedge account, at close")                                 \
    X(ret, "return", "1", HS_SERIES_WARMUP,                                    \
      "hedged return over the step, after all costs")                          \
    X(pnl_book, "pnl/book", "currency", HS_SERIES_DETAIL,                      \
      "price P&L of the long book")                                            \
    X(pnl_hedge, "pnl/hedge", "currency", HS_SERIES_DETAIL,                    \
      "price P&L of the hedge")                                                \
    X(fees, "pnl/fees", "currency", 0, "fees (negative: paid)")                \
    X(slippage, "pnl/slippage", "currency", 0, "slippage (negative: paid)")    \
    X(funding, "pnl/funding", "currency", 0,                                   \
      "perp funding (negative: paid, positive: received)")                     \
    X(pnl_options, "pnl/options", "currency", HS_SERIES_DETAIL,                \
      "option positions marked to market (premium paid is in their value)")    \
    X(premium, "premium", "currency", 0,                                       \
      "option premium cash flow: < 0 paid, > 0 received (and settlements)")    \
    X(opt_delta, "greeks/delta", "units of underlying", HS_SERIES_OPTIONS,     \
      "option positions' delta")                                               \
    X(opt_gamma, "greeks/gamma", "units of underlying per USD",                \
      HS_SERIES_OPTIONS, "option positions' gamma")                            \
    X(opt_vega, "greeks/vega", "USD per vol point", HS_SERIES_OPTIONS,         \
      "option positions' vega")                                                \
    X(opt_theta, "greeks/theta", "USD per day", HS_SERIES_OPTIONS,             \
      "option positions' theta")                                               \
    X(total_delta, "greeks/total_delta", "units of underlying",                \
      HS_SERIES_OPTIONS | HS_SERIES_DETAIL,                                    \
      "options + perp hedge delta (the book's own beta exposure excluded)")    \
    X(beta, "beta", "1", HS_SERIES_WARMUP, "beta estimate after the step")     \
    X(hedge_qty, "hedge_qty", "units of underlying", HS_SERIES_DETAIL,         \
      "hedge position after the step's fills (negative: short)")               \
    X(hedge_notional, "hedge_notional", "currency", HS_SERIES_DETAIL,          \
      "hedge position x hedge close")                                          \
    X(hedge_ratio, "hedge_ratio", "1", HS_SERIES_WARMUP,                       \
      "-hedge notional / book exposure: beta units hedged")                    \
    X(traded, "traded", "currency", 0, "notional traded, book + hedge")        \
    X(hedge_traded, "hedge_traded", "currency",                                \
      HS_SERIES_MEMORY | HS_SERIES_DETAIL,                                     \
      "notional traded in the hedge")

#define HS__SERIES_COUNT(field, ...) +1
/* Number of entries of HS_RUN_SERIES. */
enum { HS_RUN_SERIES_N = 0 HS_RUN_SERIES(HS__SERIES_COUNT) };

/* One entry of HS_RUN_SERIES. */
typedef struct hs_series_desc {
    const char *field; /* member of hs_run_series, e.g. "pnl_book" */
    const char *name;  /* dataset path under /runs/<NAME>/, e.g. "pnl/book" */
    const char *unit;
    const char *doc;
    unsigned flags;    /* HS_SERIES_* */
    size_t offset;     /* offsetof(hs_run_series, field): a double * */
} hs_series_desc;

/* The table, [HS_RUN_SERIES_N] in list order. */
extern const hs_series_desc hs_run_series_desc[];

/* Per-step series of a run, all [n_steps] over the whole panel; values
 * before live_from are zero (NaN or the capital for the HS_SERIES_WARMUP
 * ones where undefined).  Then the hedge fills and the option tables. */
#define HS__SERIES_FIELD(field, ...) double *field;
typedef struct hs_run_series {
    size_t n_steps;
    HS_RUN_SERIES(HS__SERIES_FIELD)
    size_t n_fills;        /* hedge fills recorded below */
    int64_t *fill_time;    /* [n_fills] */
    double *fill_qty, *fill_price, *fill_fee, *fill_slippage;
    /* Option trades: opens, closes and settlements. */
    size_t n_otrades, otrade_cap;
    int64_t *ot_time, *ot_expiry;
    double *ot_strike, *ot_qty, *ot_price, *ot_fee;
    char *ot_right;        /* 'C' / 'P' */
    char *ot_kind;         /* 'B' buy, 'S' sell, 'X' expiry settlement; 'b', 's', 'p', 'q': see hs_option_log */
    /* Option positions held at each close: one row per position and step. */
    size_t n_opos, opos_cap;
    int64_t *op_time, *op_expiry, *op_entry_time;
    double *op_strike, *op_qty, *op_entry_price, *op_mark, *op_iv;
    char *op_right;
    size_t n_marked_by_model; /* marks not from a quote (missing contract) */
    size_t n_unfilled;     /* option orders not filled: empty book side */
} hs_run_series;

/* The series `d` of `s` (d from hs_run_series_desc; borrowed from s). */
double *hs_run_series_data(const hs_run_series *s, const hs_series_desc *d);

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

/* Metrics over the live window of a finished run: 0, HS_EINVAL (not
 * finished, or fewer than 2 live steps) or HS_ENOMEM. */
int hs_engine_metrics(const hs_engine *e, hs_metrics *out);

/* Tolerance of the attribution check, relative to equity (default 1e-9). */
void hs_engine_set_tolerance(hs_engine *e, double rel);

/* Record every series and the hedge fills (0, the default), or (1) only
 * what the metrics and a replay of the beta series read: the
 * HS_SERIES_DETAIL series then read as zeros and no hedge fill is
 * recorded; the metrics, and every other series, are the same bit for
 * bit.  For sweeps, which re-run the few points whose series they keep.
 * Set it before the run's first step (after hs_engine_new or
 * hs_engine_reset); it stays until set again. */
void hs_engine_set_summary_only(hs_engine *e, int on);

#endif
