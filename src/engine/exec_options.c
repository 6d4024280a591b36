/* Option fills and fees (docs/options.md): a buy pays the ask, a sell
 * receives the bid, and the spread against the mark is slippage; an order
 * decided at a close and filled at the next open is repriced from the quote
 * it was sent against (sticky strike: same iv, same half-spread); fees are
 * Deribit-style, a share of the underlying capped at a share of the premium. */
#include "exec_int.h"

#include <math.h>
#include <string.h>

void hs_exec__black76(char right, double F, double K, double T, double iv,
                      hs_greeks *g)
{
    memset(g, 0, sizeof *g);
    if (!(F > 0) || !(K > 0) || !(iv >= 0) || !(T >= 0) ||
        hs_black76(right == 'C' ? HS_CALL : HS_PUT, F, K, T, 0, iv, g) != 0) {
        g->price = NAN;
    }
}

double hs_exec_option_fee(double fee_rate, double fee_cap, double qty,
                          double price, double under)
{
    double a = fee_rate * under, b = fee_cap * price;
    return fabs(qty) * (a < b ? a : b);
}

double hs_exec_option_side(const hs_chain_quote *q, double qty)
{
    return qty > 0 ? q->ask : q->bid;
}

void hs_exec_option_fill_close(const hs_chain_quote *q, double qty,
                               double under, double fee_rate, double fee_cap,
                               hs_option_fill *out)
{
    out->qty = qty;
    out->price = hs_exec_option_side(q, qty);
    out->ref = q->mark;
    out->iv = q->iv;
    out->fee = hs_exec_option_fee(fee_rate, fee_cap, qty, out->price, under);
}

void hs_exec_option_fill_open(char right, double strike, double qty,
                              const hs_chain_quote *q, double under, double T,
                              double fee_rate, double fee_cap,
                              hs_option_fill *out)
{
    hs_greeks g;
    hs_exec__black76(right, under, strike, T, q->iv, &g);
    double ref = g.price;
    if (!isfinite(ref))
        ref = q->mark;
    double half = qty > 0 ? q->ask - q->mark : q->mark - q->bid;
    if (!(half >= 0))
        half = 0;
    out->qty = qty;
    out->ref = ref;
    out->price = qty > 0 ? ref + half : fmax(ref - half, 0);
    out->iv = q->iv;
    out->fee = hs_exec_option_fee(fee_rate, fee_cap, qty, out->price, under);
}
