/* Execution internals shared with the engine and the ledger, so the fill of
 * the common fixed-slippage case is inlined into their loops. */
#ifndef HS_EXEC_INT_H
#define HS_EXEC_INT_H

#include "hedgesim/exec.h"

#include <math.h>

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
    out->qty = qty;
    out->ref = ref;
    out->price = qty > 0 ? ref * (1.0 + slip)
                         : (qty < 0 ? ref * (1.0 - slip) : ref);
    out->slippage = aq * ref * slip;
    out->fee = aq * out->price * ex->fee_rate;
}

#endif
