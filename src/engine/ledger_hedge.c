/* The hedge account (ledger.h): the perp position, its pending order and the
 * margin account's cash.  The step functions are inline in ledger_int.h for
 * the engine's loop; these are the same functions with a public name. */
#include "ledger_int.h"

int hs_hedge_open(hs_hedge_account *a, const hs_exec *ex, size_t asset,
                  size_t t, int carried, double prev, double open,
                  double close, const hs_settlements *fund,
                  hs_hedge_flow *out, hs_fill *fill)
{
    return hs_hedge__open(a, ex, asset, t, carried, prev, open, close, fund,
                          NULL, out, fill);
}

int hs_hedge_order(hs_hedge_account *a, const hs_exec *ex, size_t asset,
                   size_t t, double target, double contract_size,
                   double close, int at_close, hs_hedge_flow *out,
                   hs_fill *fill)
{
    return hs_hedge__order(a, ex, asset, t, target, contract_size, close,
                           at_close, out, fill);
}
