/* unhedged: the control arm.  Holds no hedge, ever. */
#include "hedgesim/strategy.h"

static int unhedged_step(void *state, const hs_view *v, hs_decision *out)
{
    (void)state;
    (void)v;
    out->trade = 0;
    return 0;
}

const hs_strategy_type hs_strategy_unhedged = {
    .version = HS_STRATEGY_VERSION,
    .name = "unhedged",
    .summary = "the control arm: the long book with no hedge",
    .params = (const hs_param[]){HS_PARAM_END},
    .state_size = 0,
    .step = unhedged_step,
};
