/* Ledger internals shared with the engine loop. */
#ifndef HS_LEDGER_INT_H
#define HS_LEDGER_INT_H

#include <math.h>
#include <string.h>

#include "exec_int.h"
#include "hedgesim/ledger.h"

/* The plain mark of step t (no fills, no delisting: !b->slow[t]) over the
 * contiguous rows of the book's closes; inline so the engine's most common
 * step makes no call. */
static inline void hs_book__mark(const hs_book_state *s, const hs_book *b,
                                 size_t t, hs_book_flow *out)
{
    const size_t nb = b->n_assets;
    const double *cl = b->bclose + t * nb, *cp = cl - nb, *q = s->q;
    double pnl = 0, hold = 0;
    for (size_t k = 0; k < nb; k++) {
        pnl += q[k] * (cl[k] - cp[k]);
        hold += q[k] * cl[k];
    }
    memset(out, 0, sizeof *out);
    out->pnl = pnl;
    out->holdings = hold;
}

/* hs_hedge_open, inline: the engine's every step.  frac: NULL, or for each
 * settlement its place in the bar as hs_bar_price_at computes it, NaN for
 * one at or after the close (the engine's context holds them, so that a
 * step makes no call and no division for them). */
static inline int hs_hedge__open(hs_hedge_account *a, const hs_exec *ex,
                                 size_t asset, size_t t, int carried,
                                 double prev, double open, double close,
                                 const hs_settlements *fund,
                                 const double *frac, hs_hedge_flow *out,
                                 hs_fill *fill)
{
    int filled = 0;
    out->pnl = out->fee = out->slippage = out->traded = 0;
    /* Mark the position carried from the previous close to the open. */
    if (carried)
        out->pnl += a->qty * (open - prev);
    /* Fill the previous close's order at the open. */
    if (a->pending != 0) {
        hs_exec__fill(ex, asset, t, a->pending, open, 0, fill);
        out->fee += fill->fee;
        out->slippage += fill->slippage;
        out->traded += fabs(a->pending) * open;
        a->qty += a->pending;
        a->pending = 0;
        filled = 1;
    }
    /* Mark to the close.  Funding: each settlement of the bar on the
     * position held at its time, priced at that time.  The position held
     * through the bar is the one after the open's fill: a fill at the open
     * comes before every settlement of the bar, a fill at its close (the
     * close rule, hs_hedge__order) after them. */
    out->pnl += a->qty * (close - open);
    out->funding = 0;
    for (size_t k = 0; k < fund->n; k++) {
        double at = !frac ? hs_bar_price_at(open, close, fund->t0, fund->t1,
                                            fund->time[k])
                    : isnan(frac[k]) ? close
                                     : open + (close - open) * frac[k];
        double pay = -a->qty * at * fund->rate[k];
        out->funding = k ? out->funding + pay : pay;
    }
    a->cash += out->pnl + out->funding - out->fee - out->slippage;
    return filled;
}

/* hs_hedge_order, inline. */
static inline int hs_hedge__order(hs_hedge_account *a, const hs_exec *ex,
                                  size_t asset, size_t t, double target,
                                  double contract_size, double close,
                                  int at_close, hs_hedge_flow *out,
                                  hs_fill *fill)
{
    const double order = target - a->qty;
    if (!(fabs(order) >= 0.5 * contract_size))
        return 0;
    if (!at_close) {
        a->pending = order;
        return 0;
    }
    hs_exec__fill(ex, asset, t, order, close, 1, fill);
    a->cash -= fill->fee + fill->slippage;
    out->fee += fill->fee;
    out->slippage += fill->slippage;
    out->traded += fabs(order) * close;
    a->qty = target;
    return 1;
}

#endif
