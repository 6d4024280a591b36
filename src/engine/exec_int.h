/* Execution internals shared with the engine and the ledger, so the fill of
 * the common fixed-slippage case is inlined into their loops. */
#ifndef HS_EXEC_INT_H
#define HS_EXEC_INT_H

#include "hedgesim/exec.h"
#include "hedgesim/price.h"

#include <math.h>
#include <stdint.h>

struct hs_exec {
    hs_exec_opts opts;
    double fixed_slip; /* the fixed model's slippage (fraction), else -1 */
    double fee_rate;   /* fee_bps / 1e4 */
    double close_slip; /* close_slippage_bps / 1e4 */
    hs_cost_ctx ctx;
    double *sigma, *adv, *hl_spread;
};

/* hs_exec_fill, inline. */
static inline void hs_exec__fill(const hs_exec *ex, size_t a, size_t t,
                                 double qty, double ref, int at_close,
                                 hs_fill *out)
{
    double slip = ex->fixed_slip >= 0
                      ? ex->fixed_slip
                      : ex->opts.model->slippage(&ex->ctx, a, t, qty);
    if (at_close)
        slip += ex->close_slip;
    /* A fill never happens at a price of zero or below. */
    if (!(slip >= 0))
        slip = 0;
    if (slip > HS_EXEC_MAX_SLIPPAGE)
        slip = HS_EXEC_MAX_SLIPPAGE;
    const double aq = fabs(qty);
    /* ref (1 + slip) buying, ref (1 - slip) selling, ref for nothing: the
     * same products, bit for bit, through the sign (1 + -slip is 1 - slip,
     * ref x (1 + 0) is ref), without a branch on a sign that a rebalance
     * or a hedge's orders make unpredictable. */
    const double sign = (double)((qty > 0) - (qty < 0));
    out->qty = qty;
    out->ref = ref;
    out->price = ref * (1.0 + sign * slip);
    out->slippage = aq * ref * slip;
    out->fee = aq * out->price * ex->fee_rate;
}

/* Years from `from` to `to` (ms), 0 if `to` is not later: option tenors. */
static inline double hs_exec__years(int64_t from, int64_t to)
{
    return to > from ? (double)(to - from) / (365.0 * 86400000.0) : 0;
}

/* Black-76 on forward F with a zero rate (crypto options are marked on
 * spot); g->price is NaN where the inputs are bad or the pricer fails.
 * Used for repricing fills (exec_options.c) and for model marks (ledger). */
void hs_exec__black76(char right, double F, double K, double T, double iv,
                      hs_greeks *g);

#endif
