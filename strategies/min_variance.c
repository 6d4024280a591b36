/* min_variance: the minimum-variance hedge ratio.
 *
 * h* = Cov(r_book, r_hedge) / Var(r_hedge) (Johnson 1960; Ederington 1979):
 * the slope of book returns on the hedge instrument's own returns, which
 * differs from the beta on the benchmark when the hedge trades at a basis.
 * The engine's estimator is pointed at the hedge instrument's returns by the
 * HS_STRATEGY_BETA_ON_HEDGE flag; sizing is as for perp_short. */
#include "hedgesim/strategy.h"

#include <math.h>

static int min_variance_step(void *state, const hs_view *v, hs_decision *out)
{
    (void)state;
    double h = hs_view_beta(v), price = hs_view_hedge_price(v);
    out->trade = 0;
    if (!isfinite(h) || !(price > 0))
        return 0;
    double notional = (h - hs_view_target_beta(v)) * hs_view_exposure(v);
    out->trade = 1;
    out->hedge_target = -notional / price; /* the engine rounds to contracts */
    return 0;
}

const hs_strategy_type hs_strategy_min_variance = {
    .version = HS_STRATEGY_VERSION,
    .name = "min_variance",
    .summary = "hedge ratio from the covariance of book and hedge returns",
    .params = (const hs_param[]){HS_PARAM_END},
    .state_size = 0,
    .flags = HS_STRATEGY_BETA_ON_HEDGE,
    .step = min_variance_step,
};
