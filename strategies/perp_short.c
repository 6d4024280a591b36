/* perp_short: short the hedge perp so the book's beta moves to the target.
 *
 * Hedge notional = (beta - target_beta) x book exposure; quantity = notional
 * / perp price, in whole contracts.  Re-hedged every `every` steps. */
#include "hedgesim/strategy.h"

#include <math.h>

typedef struct {
    int every;
} perp_short_state;

static const hs_param perp_short_params[] = {
    {"every", HS_PARAM_INT, "1", 1, 100000, NULL,
     "re-hedge every N steps (1: every step)"},
    HS_PARAM_END};

static int perp_short_init(void *state, const hs_values *params)
{
    perp_short_state *s = state;
    s->every = hs_values_int(params, "every");
    return 0;
}

static int perp_short_step(void *state, const hs_view *v, hs_decision *out)
{
    const perp_short_state *s = state;
    double beta = hs_view_beta(v), price = hs_view_hedge_price(v);
    out->trade = 0;
    if (!isfinite(beta) || !(price > 0))
        return 0; /* still warming up: hold what we have */
    if (hs_view_live_step(v) % (size_t)s->every != 0)
        return 0;
    double notional = (beta - hs_view_target_beta(v)) * hs_view_exposure(v);
    out->trade = 1;
    out->hedge_target = -notional / price; /* the engine rounds to contracts */
    return 0;
}

const hs_strategy_type hs_strategy_perp_short = {
    .version = HS_STRATEGY_VERSION,
    .name = "perp_short",
    .summary = "short the perp: notional = (beta - target) x book value",
    .params = perp_short_params,
    .state_size = sizeof(perp_short_state),
    .init = perp_short_init,
    .step = perp_short_step,
};
