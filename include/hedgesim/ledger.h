/* The long book: positions, cash, mark-to-market and costs of the portfolio
 * being hedged.
 *
 * At each rebalancing the book goes back to its target weights times the
 * account's equity (book plus hedge), so a hedged account keeps a constant
 * gross exposure instead of levering up when the hedge loses.  What does not
 * depend on the account's size is computed once per panel and shared by
 * every run: target weights, rebalancing days, and the unhedged book's own
 * track (hs_book), whose holdings return is the basket return that beta is
 * estimated on (holdings weights do not depend on the account's size).  Each
 * run then steps its own positions with hs_book_state_*.
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
    /* The plan shared by every run: */
    double *target;   /* [n_steps * n_assets] target weights at close */
    unsigned char *due; /* [n_steps] 1: rebalance at the close of t */
    int *asset;       /* [n_assets] panel index of each book asset */
    size_t live_from;
    double *bclose;   /* [n_steps * n_assets] book assets' closes, 0 where
                       * absent: the contiguous rows the loops read */
    double *bopen;    /* [n_steps * n_assets] opens, likewise */
    unsigned char *slow; /* [n_steps] 1: fills or delistings at this open */
} hs_book;

/* One run's positions in the book (the engine keeps one per run). */
typedef struct hs_book_state {
    double *q;    /* [n_assets] holdings, base units */
    double *pend; /* [n_assets] orders waiting for the next open */
    double cash;
} hs_book_state;

/* What a step did to the book (costs as positive amounts). */
typedef struct hs_book_flow {
    double pnl;      /* price P&L of the holdings over the step */
    double fee, slippage, traded;
    double holdings; /* market value of the holdings at close */
    double exposure; /* holdings + pending orders at close prices */
} hs_book_flow;

/* Allocate a state for `b` with `capital` in cash and nothing held. */
int hs_book_state_init(hs_book_state *s, const hs_book *b, double capital);
void hs_book_state_free(hs_book_state *s);

/* The open part of live step t: pending orders fill at the open, assets
 * without a bar (delisted) are sold at their last close, holdings are marked
 * to the close.  Fills `out` (pnl, fee, slippage, traded, holdings). */
void hs_book_state_open(hs_book_state *s, const hs_book *b, const hs_panel *p,
                        const hs_exec *ex, size_t t, hs_book_flow *out);

/* The close part of live step t: if rebalancing is due, orders to bring the
 * holdings to target weights x `equity` (filled now under the close rule,
 * which adds to out's costs and updates holdings); then sets out->exposure. */
void hs_book_state_close(hs_book_state *s, const hs_book *b,
                         const hs_panel *p, const hs_exec *ex, size_t t,
                         double equity, hs_book_flow *out);

/* Compute the track.  Borrows panel and exec.  HS_EDATA if no asset is ever
 * eligible in the live window (too short history). */
int hs_book_build(hs_book **out, const hs_panel *panel, const hs_exec *exec,
                  const hs_book_opts *opts);
void hs_book_free(hs_book *b);

#endif
