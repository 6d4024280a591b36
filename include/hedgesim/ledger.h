/* The long book: positions, cash, mark-to-market and costs of the portfolio
 * being hedged.
 *
 * The book does not depend on the hedge (hedge P&L goes to a separate hedge
 * account), so it is computed once per panel as a track of per-step series
 * and shared, read-only, by every strategy run over that panel.
 *
 * Timing: the book is decided at the close of a step and fills by the same
 * rule as the hedge (next open, or the close with extra slippage).  Before
 * `live_from` the book is not held: its return is that of the target-weight
 * basket, so beta estimators can warm up on history before the run starts. */
#ifndef HEDGESIM_LEDGER_H
#define HEDGESIM_LEDGER_H

#include <stddef.h>

#include "hedgesim/exec.h"
#include "hedgesim/market.h"

typedef enum hs_weighting {
    HS_WEIGHTS_EQUAL = 0,
    HS_WEIGHTS_FIXED,      /* given weights, renormalised over eligible */
    HS_WEIGHTS_INVERSE_VOL /* 1 / sd of returns over vol_window */
} hs_weighting;

typedef enum hs_rebalance {
    HS_REBAL_NEVER = 0, /* bought once at the start, never traded again */
    HS_REBAL_DAILY,     /* every step */
    HS_REBAL_WEEKLY,    /* at the close of each Sunday (UTC) */
    HS_REBAL_MONTHLY    /* at the close of each month's last day (UTC) */
} hs_rebalance;

typedef struct hs_book_opts {
    size_t n_assets;       /* assets in the book */
    const int *asset;      /* [n_assets] their panel indices */
    hs_weighting weighting;
    const double *fixed;   /* [n_assets] weights for HS_WEIGHTS_FIXED */
    double capital;        /* equity at the close of live_from, currency */
    hs_rebalance rebalance;
    size_t min_history;    /* bars an asset needs before it is eligible */
    size_t vol_window;     /* bars for inverse-volatility weights */
    size_t live_from;      /* first step the book is held */
} hs_book_opts;

/* The book's track: per-step series, all [n_steps] unless noted.  Money in
 * the quote currency; costs as negative P&L. */
typedef struct hs_book {
    size_t n_steps, n_assets;
    double capital;   /* equity before the first live step */
    double *equity;   /* holdings at close + cash */
    double *exposure; /* market value the book holds once its pending orders
                       * fill: what a hedge must cover */
    double *ret;      /* basket return over the step from the holdings (or
                       * target weights before live_from) at the previous
                       * close; NaN where undefined */
    double *pnl;      /* price P&L of the holdings over the step */
    double *fees, *slippage; /* costs of the step's fills (<= 0) */
    double *traded;   /* notional traded in the step (>= 0) */
    double *weight;   /* [n_steps * n_assets] holdings weights at close */
    double *qty;      /* [n_steps * n_assets] holdings at close, base units */
    int *eligible;    /* [n_steps] number of eligible assets */
} hs_book;

/* Compute the track.  Borrows panel and exec.  HS_EDATA if no asset is ever
 * eligible in the live window (too short history). */
int hs_book_build(hs_book **out, const hs_panel *panel, const hs_exec *exec,
                  const hs_book_opts *opts);
void hs_book_free(hs_book *b);

#endif
