/* Execution and costs: when orders fill, and what they cost.
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

/* The fill rule of this context. */
hs_fill_rule hs_exec_rule(const hs_exec *ex);
/* Name of the cost model ("fixed", ...). */
const char *hs_exec_model_name(const hs_exec *ex);

#endif
