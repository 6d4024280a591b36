/* Execution and costs: when orders fill, at what price, and what they cost
 * (the perp's and the book's fills, and option fills and fees).
 *
 * Orders emitted at the close of step t fill at the open of step t + 1
 * (HS_FILL_NEXT_OPEN, the default) or at the close of t with an extra
 * slippage charge (HS_FILL_CLOSE).  Each fill pays a fee (bps of the fill
 * notional) and slippage from a cost model: a const type struct, like the
 * strategies and beta estimators.  Cost models read only bars before the
 * fill's bar (the fill bar's own volume and range are not known when the
 * order is sent), so costs cannot look ahead either. */
#ifndef HEDGESIM_EXEC_H
#define HEDGESIM_EXEC_H

#include <stddef.h>

#include "hedgesim/chain.h"
#include "hedgesim/market.h"
#include "hedgesim/param.h"

typedef enum hs_fill_rule { HS_FILL_NEXT_OPEN = 0, HS_FILL_CLOSE = 1 } hs_fill_rule;

typedef struct hs_exec hs_exec;

/* Slippage of any fill is clamped to [0, HS_EXEC_MAX_SLIPPAGE] of the
 * reference price, whatever the model says. */
#define HS_EXEC_MAX_SLIPPAGE 0.5

/* What a cost model sees: the panel and per-step statistics computed from
 * the `window` bars before each step. */
typedef struct hs_cost_ctx {
    const hs_panel *panel;
    const double *sigma; /* [n_steps * n_assets] sd of log returns, per step */
    const double *adv;   /* [n_steps * n_assets] mean volume (base units) */
    const double *hl_spread; /* [n_steps * n_assets] Corwin-Schultz spread */
    const hs_values *values; /* the model's parameters */
} hs_cost_ctx;

#define HS_COST_TYPE_VERSION 1

typedef struct hs_cost_type {
    int version;
    const char *name;
    const char *summary;
    const hs_param *params;
    /* REQUIRED: slippage as a fraction of the reference price for trading
     * `qty` (signed, base units) of asset a in the bar of step t. */
    double (*slippage)(const hs_cost_ctx *c, size_t a, size_t t, double qty);
} hs_cost_type;

extern const hs_cost_type hs_cost_fixed;  /* slippage_bps */
extern const hs_cost_type hs_cost_spread; /* half the bid-ask spread */
extern const hs_cost_type hs_cost_sqrt;   /* k * sigma * sqrt(|q| / ADV) */
extern const hs_cost_type *const hs_cost_types[]; /* NULL-terminated */
const hs_cost_type *hs_cost_find(const char *name);

typedef struct hs_exec_opts {
    double fee_bps;            /* taker fee, bps of fill notional */
    hs_fill_rule fill;
    double close_slippage_bps; /* extra slippage when filling at the close */
    size_t window;             /* bars for sigma, ADV and the spread */
    const hs_cost_type *model; /* NULL: fixed */
    hs_values model_values;    /* parameters of the model */
} hs_exec_opts;

/* Build the execution context for a panel (precomputes the statistics).
 * Borrows the panel.  Caller owns *out. */
int hs_exec_new(hs_exec **out, const hs_panel *panel, const hs_exec_opts *opts);
/* After the panel's values were overwritten in place (same shape):
 * recompute the statistics, and take new fees and slippage from opts (NULL:
 * keep them).  Only fee_bps, close_slippage_bps and the cost model's values
 * may differ from the options the context was made with (HS_EINVAL
 * otherwise).  No allocation. */
int hs_exec_refresh(hs_exec *ex, const hs_exec_opts *opts);
void hs_exec_free(hs_exec *ex);

/* One fill's price and costs: buying `qty` (< 0 sells) of asset `a` at
 * reference price `ref` in step t.  price = ref * (1 + sign(qty) * slip);
 * slippage_cost = |qty| * ref * slip; fee = |qty| * price * fee_bps/1e4.
 * Costs are returned as positive amounts. */
typedef struct hs_fill {
    double qty, ref, price, fee, slippage;
} hs_fill;
void hs_exec_fill(const hs_exec *ex, size_t a, size_t t, double qty,
                  double ref, int at_close, hs_fill *out);

/* ---------------------------------------------------------------- options
 * Option fills need no context: the price comes from the quote an order was
 * sent against, the fee from the run's option settings (docs/options.md).
 * Prices are USD per unit of underlying; quantities in units of underlying
 * (> 0 buys, < 0 sells). */

/* One option fill.  `ref` is the mark the position is carried at after the
 * fill; qty * (price - ref) is the fill's slippage (>= 0). */
typedef struct hs_option_fill {
    double qty, ref, price, iv, fee;
} hs_option_fill;

/* Deribit-style fee: |qty| * min(fee_rate * under, fee_cap * price), with
 * `under` the underlying's price.  Currency, >= 0. */
double hs_exec_option_fee(double fee_rate, double fee_cap, double qty,
                          double price, double under);

/* The side of `q` an order of `qty` trades against: the ask for a buy, the
 * bid for a sell.  Not >= 0 (NaN) where that side of the book is empty: the
 * order cannot fill. */
double hs_exec_option_side(const hs_chain_quote *q, double qty);

/* Fill at the close the order was decided at: a buy pays the ask, a sell
 * receives the bid, ref = the quote's mark, fee on the underlying `under`.
 * Call only when hs_exec_option_side(q, qty) >= 0. */
void hs_exec_option_fill_close(const hs_chain_quote *q, double qty,
                               double under, double fee_rate, double fee_cap,
                               hs_option_fill *out);

/* Fill at the next open of an order for `qty` of the (right, strike)
 * contract sent against `q` at the previous close, repriced sticky-strike:
 * ref = Black-76 (zero rate) on the underlying's open `under` with the
 * quote's iv and `T` years to expiry (q->mark if that fails); price = ref
 * plus the quote's half-spread against its mark for a buy, ref minus it
 * (floored at 0) for a sell. */
void hs_exec_option_fill_open(char right, double strike, double qty,
                              const hs_chain_quote *q, double under, double T,
                              double fee_rate, double fee_cap,
                              hs_option_fill *out);

/* The fill rule of this context. */
hs_fill_rule hs_exec_rule(const hs_exec *ex);
/* Name of the cost model ("fixed", ...). */
const char *hs_exec_model_name(const hs_exec *ex);

#endif
