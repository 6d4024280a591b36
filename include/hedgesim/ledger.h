/* The ledger: one home per account of a run.
 *
 *   - the long book (hs_book, hs_book_state; ledger.c): the portfolio being
 *     hedged;
 *   - the hedge account (hs_hedge_account; ledger_hedge.c): the perp
 *     position, its order pending for the next open, and the account's cash
 *     (variation margin, costs and funding);
 *   - the option book (hs_option_book; ledger_options.c): option positions,
 *     their fills, marks, greeks and expiry settlement.  Premiums, option
 *     fees and settlements are paid from and into the hedge account's cash:
 *     perp and options share one margin account, as on a derivatives
 *     exchange.
 *
 * Prices and fees of fills come from the exec module; the engine orders the
 * calls within a step and records the series.
 *
 * The long book: positions, cash, mark-to-market and costs of the portfolio
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

#include "hedgesim/chain.h"
#include "hedgesim/exec.h"
#include "hedgesim/market.h"
#include "hedgesim/strategy.h"

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

/* What the beta estimator's y is for step t (docs/concepts.md). */
typedef enum hs_beta_input {
    HS_BETA_INPUT_TARGET = 0, /* the holdings the book decided at the close
                               * of t-1, on close-to-close returns: the fill
                               * rule does not change it */
    HS_BETA_INPUT_HELD,       /* the holdings' realised return over t (fills
                               * at the open included) */
    HS_BETA_INPUT_PROFORMA    /* the holdings decided at the close of t over
                               * the whole history (the engine re-feeds the
                               * estimator at every step) */
} hs_beta_input;

/* When the book learns that an asset's data ends. */
typedef enum hs_delisting {
    HS_DELIST_UNKNOWN = 0, /* at the next step: sold at its last close */
    HS_DELIST_KNOWN        /* in advance: sold at the close of its last bar,
                            * and out of the target weights from that bar */
} hs_delisting;

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
    hs_beta_input beta_input; /* default (0) target */
    hs_delisting delisting;   /* default (0) unknown */
} hs_book_opts;

/* One run's positions in the book (the engine keeps one per run). */
typedef struct hs_book_state {
    double *q;    /* [n_assets] holdings, base units */
    double *pend; /* [n_assets] orders waiting for the next open */
    double cash;
} hs_book_state;

/* The book's track: per-step series, all [n_steps] unless noted.  Money in
 * the quote currency; costs as negative P&L. */
typedef struct hs_book {
    size_t n_steps, n_assets;
    double capital;   /* equity before the first live step */
    double *equity;   /* holdings at close + cash */
    double *exposure; /* market value the book holds once its pending orders
                       * fill: what a hedge must cover */
    double *ret;      /* the estimator's y over step t (beta_input): the
                       * return of the holdings decided at the close of t-1
                       * (target, and proforma's recorded series) or of the
                       * holdings realised over t (held); the target
                       * weights of t-1 before and at live_from.  Assets
                       * without a real bar at t are left out and the rest
                       * renormalised; NaN where none is left */
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
    double *intent;   /* [n_steps * n_assets] holdings decided at the close
                       * of t (held + pending), base units; the target
                       * weights before live_from */
    unsigned char *busy; /* [n_steps] 1: hs_book_state_close has work at t
                          * (rebalance due, a known delisting, a gap) */
    unsigned char *plain; /* [n_steps] 1: every book asset has a real bar
                           * (HS_BAR_OK) at t: its closes and opens are the
                           * rows of bclose and bopen */
    hs_beta_input beta_input;
    hs_delisting delisting;
    /* Kept for hs_book_refresh: the options (asset and fixed point into
     * the book's own copies), a state and scratch for the track. */
    hs_book_opts opts;
    double *fixed;    /* [n_assets] */
    hs_book_state work;
    double *scratch;  /* [3 * n_assets] */
    size_t min_history;
} hs_book;


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

/* The open part of live step t: pending orders fill at the open (an order
 * waits on a carried gap bar for the asset's next real bar), assets without
 * a bar (delisted) are sold at their last close, holdings are marked to the
 * close.  Fills `out` (pnl, fee, slippage, traded, holdings). */
void hs_book_state_open(hs_book_state *s, const hs_book *b, const hs_panel *p,
                        const hs_exec *ex, size_t t, hs_book_flow *out);

/* The close part of live step t: with delisting = known, assets whose last
 * bar is t are sold at this close; if rebalancing is due, orders to bring
 * the holdings to target weights x `equity` (filled now under the close
 * rule, which adds to out's costs and updates holdings; an order on a
 * carried gap bar waits for the next real bar's open); then sets
 * out->exposure (holdings + pending orders at close prices). */
void hs_book_state_close(hs_book_state *s, const hs_book *b,
                         const hs_panel *p, const hs_exec *ex, size_t t,
                         double equity, hs_book_flow *out);

/* Compute the track.  Borrows panel and exec.  HS_EDATA if no asset is ever
 * eligible in the live window (too short history). */
int hs_book_build(hs_book **out, const hs_panel *panel, const hs_exec *exec,
                  const hs_book_opts *opts);
void hs_book_free(hs_book *b);

/* Recompute the track in place from `panel`, whose prices were overwritten
 * (same shape, symbols, times and bar states as the panel the book was
 * built on; exec may have new fees and slippage): the same result as a new
 * hs_book_build over it, without allocation.  The plan (targets, rebalance
 * days) is kept unless the weights are inverse-volatility, and the steps
 * before live_from are recomputed only if a close or open there changed.
 * HS_EINVAL for another number of steps, HS_EDATA as hs_book_build. */
int hs_book_refresh(hs_book *b, const hs_panel *panel, const hs_exec *exec);

/* Data notes on what the book did with its assets over the live window
 * (docs/concepts.md), appended to `p`'s notes (the panel `b` was built on),
 * each line once:
 *   "X: never held (not listed in the window)"
 *   "X: never held (only N bars before the end of the window, M of history
 *    needed)"
 *   "X: joined the book on DATE (first bar DATE)" when the book first holds
 *    X after the step it first holds anything;
 *   "X: delisted on DATE (its last bar), sold at the close of that bar
 *    (delisting = known)", or "... sold at its last close on the next step,
 *    DATE (delisting = unknown)" for a held asset whose data ends. */
void hs_book_note_assets(const hs_book *b, hs_panel *p);

/* ------------------------------------------------------ the hedge account
 * A perp (or any linear instrument marked to market every step) held in a
 * margin account: no cash is paid for the position, its price P&L, funding
 * and costs are settled into `cash` every step, so the account's value is
 * its cash. */
typedef struct hs_hedge_account {
    double qty;     /* position after fills, units of underlying (< 0 short) */
    double pending; /* order waiting for the next open, units */
    double cash;    /* variation margin + funding - costs (+ option flows),
                     * currency */
} hs_hedge_account;

/* What a step did to the hedge account (costs as positive amounts). */
typedef struct hs_hedge_flow {
    double pnl;     /* price P&L of the position over the step */
    double funding; /* > 0 received, < 0 paid */
    double fee, slippage;
    double traded;  /* notional traded, at reference prices */
} hs_hedge_flow;

/* The open part of a live step on a bar (open, close) with `fund` the
 * funding settlements inside it (hs_panel_settlements; rates > 0: longs
 * pay): the position carried from the previous close `prev` is marked to
 * the open (`carried` = 0 on the first live step: nothing is carried), the
 * pending order fills at the open (fill rule HS_FILL_NEXT_OPEN; its fill in
 * *fill), the position is marked to the close, each settlement is charged
 * on that position (held from the open) at the price of its time inside
 * the bar (hs_bar_price_at), and pnl + funding - costs go to cash.  An
 * order filled at this bar's close (hs_hedge_order with `at_close`) comes
 * after the bar's settlements.  Sets every field of *out.  Returns 1 if an
 * order filled, else 0.  `asset`, `t` index the exec context's
 * statistics. */
int hs_hedge_open(hs_hedge_account *a, const hs_exec *ex, size_t asset,
                  size_t t, int carried, double prev, double open,
                  double close, const hs_settlements *fund,
                  hs_hedge_flow *out, hs_fill *fill);

/* An order to move the position to `target` (whole contracts) at the close
 * `close` of step t.  Orders smaller than half a contract are dropped.
 * With `at_close` (HS_FILL_CLOSE) it fills now, with the close slippage, its
 * costs paid from cash and added to *out; otherwise it waits for the next
 * open.  Returns 1 if it filled now (fill in *fill), else 0. */
int hs_hedge_order(hs_hedge_account *a, const hs_exec *ex, size_t asset,
                   size_t t, double target, double contract_size,
                   double close, int at_close, hs_hedge_flow *out,
                   hs_fill *fill);

/* -------------------------------------------------------- the option book
 * Conventions (docs/options.md): quantities in units of the underlying;
 * prices in USD per unit; fills from exec (hs_exec_option_fill_*).  Positions
 * are marked at the visible slice's mark, or by Black-76 on the underlying's
 * close with the position's last implied volatility when the slice lacks the
 * contract.  Expiring contracts are cash-settled at max(S - K, 0) (calls) or
 * max(K - S, 0) (puts), S the underlying's price at the expiry time,
 * interpolated within the bar between its open and close. */
#define HS_MAX_OPTION_POSITIONS 32

/* Where a book appends its trades: columns borrowed from the owner, `n` rows
 * used of `cap`.  kind: 'B' buy, 'S' sell, 'X' expiry settlement; 'b' and
 * 's' a buy or sell of a held contract the slice lacked, priced on the
 * slice's smile; 'p' and 'q' the same at its last mark, the slice having no
 * quote of its expiry (see hs_option_book_orders). */
typedef struct hs_option_log {
    size_t n, cap;
    int64_t *time, *expiry;
    double *strike, *qty, *price, *fee;
    char *right, *kind;
} hs_option_log;

/* Option flows of one step (costs positive). */
typedef struct hs_option_flow {
    double pnl;      /* change in value of the positions */
    double fee, slippage;
    double premium;  /* cash flow: < 0 paid, > 0 received (settlements in) */
    double traded;   /* |qty| x fill price */
} hs_option_flow;

typedef struct hs_option_book {
    const char *name; /* owner for error messages ("run 'NAME'"), borrowed */
    size_t max_positions;
    double fee_rate, fee_cap; /* hs_exec_option_fee */
    hs_option_position pos[HS_MAX_OPTION_POSITIONS];
    size_t n;         /* positions held */
    double value;     /* positions at their marks, currency */
    hs_option_order pending[HS_MAX_OPTION_ORDERS]; /* for the next open */
    hs_chain_quote pending_quote[HS_MAX_OPTION_ORDERS]; /* sent against */
    char pending_kind[HS_MAX_OPTION_ORDERS]; /* their log kind */
    double pending_basis[HS_MAX_OPTION_ORDERS]; /* quote forward / slice spot */
    size_t n_pending;
    size_t n_marked_by_model; /* marks not from a quote */
    size_t n_unfilled;        /* orders against an empty side */
    int64_t mark_time;        /* the last mark's time (greeks of fills at
                               * that close), ms UTC */
    hs_option_log log;
} hs_option_book;

/* Empty the book and set its limits (max_positions <= HS_MAX_OPTION_POSITIONS)
 * and its fee; trades go to `log` (columns borrowed, log->n may be > 0). */
void hs_option_book_reset(hs_option_book *ob, const char *name,
                          size_t max_positions, double fee_rate,
                          double fee_cap, const hs_option_log *log);

/* Repricing (docs/options.md): a quote is against its slice's forward; at a
 * later time with the underlying at S the forward is the quote's forward x
 * S / the slice's spot (the snapshot's basis kept, moved with the
 * underlying), and the contract is repriced by Black-76 on that forward with
 * the quote's implied volatility (sticky strike), bid and ask keeping the
 * quote's half-spreads.  Fills at the next open are repriced so; marks and
 * fills at a close are when the slice is older than the close (a replayed
 * snapshot; a modeled slice is made at the close).
 *
 * The open part of the bar [t0, t1): orders pending from the previous close
 * fill at the underlying's open, then contracts expiring before t1 settle.
 * Premiums, fees and payoffs are paid from / into *cash.  Adds to *f.
 * HS_ESTRATEGY when a limit (positions, log rows) is reached. */
int hs_option_book_open(hs_option_book *ob, int64_t t0, int64_t t1,
                        double open, double close, double *cash,
                        hs_option_flow *f);

/* Mark every position at the close `now` with the underlying at `under`:
 * at the quote of `chain` (borrowed, may be NULL), or of its source for a
 * contract the source keeps listed (hs_chain_quote_for: a modeled chain's
 * held strikes); where the slice lacks the
 * contract, on the slice's smile (Black-76 with the implied volatility
 * interpolated in strike between its neighbours of the same expiry and
 * right), else by Black-76 on `under` with the position's last implied
 * volatility (both counted in n_marked_by_model); greeks updated.  Adds to
 * f->pnl.  HS_ENUMERIC if a position cannot be marked. */
int hs_option_book_mark(hs_option_book *ob, const hs_chain *chain,
                        int64_t now, double under, hs_option_flow *f);

/* A decision's orders at the close of the bar opened at t0, against the
 * visible `chain`: an order must name a quoted contract, or a held one that
 * the slice's source still quotes (hs_chain_quote_for: a modeled chain), or
 * close a held one (then on a quote built on the slice's smile, its
 * half-spreads interpolated from the neighbours', logged as kind 'b' / 's';
 * at its last mark with no spread, kind 'p' / 'q', when the expiry has no
 * quoted neighbour); an order against an
 * empty side is not filled
 * (counted in n_unfilled).  With `at_close` it fills now (`under` the
 * underlying's close), else it waits for the next open.  HS_ESTRATEGY for a
 * bad order or a limit reached. */
int hs_option_book_orders(hs_option_book *ob, const hs_option_order *orders,
                          size_t n, const hs_chain *chain, int64_t t0,
                          double under, int at_close, double *cash,
                          hs_option_flow *f);

/* The positions' greeks: delta (units of underlying), gamma (per USD), vega
 * (USD per vol point), theta (USD per day). */
void hs_option_book_greeks(const hs_option_book *ob, double *delta,
                           double *gamma, double *vega, double *theta);

#endif
