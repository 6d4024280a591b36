/* protective_put: buy puts on the benchmark sized by the beta exposure.
 *
 * Units of underlying = (beta - target_beta) x book value / underlying price,
 * in whole contracts; strike by moneyness (or delta), expiry by tenor;
 * rolled `roll_days` before expiry, when the needed size drifts by `resize`,
 * or when the put's delta drifts by `delta_drift`.  Pays the ask plus fees;
 * expiring puts are cash-settled.  The downside below the strike is capped,
 * the upside kept, for the premium. */
#include "option_legs.h"

static const hs_param protective_put_params[] = {
    LEGS_COMMON_PARAMS,
    {"moneyness", HS_PARAM_DOUBLE, "0.9", 0.1, 2, NULL,
     "put strike / spot (0.9: 10 % out of the money)"},
    {"delta", HS_PARAM_DOUBLE, "0", -1, 0, NULL,
     "pick the put by delta instead (e.g. -0.25; 0: by moneyness)"},
    HS_PARAM_END};

static int protective_put_init(void *state, const hs_values *v)
{
    legs_state *s = state;
    legs_read_common(&s->p, v);
    s->p.n_legs = 1;
    s->p.leg[0] = (leg_spec){'P', hs_values_num(v, "moneyness"),
                             hs_values_num(v, "delta"), 1.0};
    return 0;
}

static int protective_put_step(void *state, const hs_view *v,
                               hs_decision *out)
{
    out->trade = 0;
    return legs_step(state, v, out);
}

const hs_strategy_type hs_strategy_protective_put = {
    .version = HS_STRATEGY_VERSION,
    .name = "protective_put",
    .summary = "buy puts on the benchmark sized by beta x book value",
    .params = protective_put_params,
    .state_size = sizeof(legs_state),
    .flags = HS_STRATEGY_OPTIONS,
    .init = protective_put_init,
    .step = protective_put_step,
};
