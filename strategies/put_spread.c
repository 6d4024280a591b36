/* put_spread: long a put, short a lower put, sized like protective_put.
 * Cheaper than the put alone; protection stops below the lower strike. */
#include "option_legs.h"

static const hs_param put_spread_params[] = {
    LEGS_COMMON_PARAMS,
    {"moneyness", HS_PARAM_DOUBLE, "0.95", 0.1, 2, NULL,
     "long put strike / spot"},
    {"lower_moneyness", HS_PARAM_DOUBLE, "0.8", 0.05, 2, NULL,
     "short put strike / spot"},
    HS_PARAM_END};

static int put_spread_init(void *state, const hs_values *v)
{
    legs_state *s = state;
    legs_read_common(&s->p, v);
    double hi = hs_values_num(v, "moneyness"),
           lo = hs_values_num(v, "lower_moneyness");
    if (lo >= hi)
        return hs_error_set(HS_ECONFIG,
                            "lower_moneyness %g must be below moneyness %g",
                            lo, hi);
    s->p.n_legs = 2;
    s->p.leg[0] = (leg_spec){'P', hi, 0, 1.0};
    s->p.leg[1] = (leg_spec){'P', lo, 0, -1.0};
    return 0;
}

static int put_spread_step(void *state, const hs_view *v, hs_decision *out)
{
    out->trade = 0;
    return legs_step(state, v, out);
}

const hs_strategy_type hs_strategy_put_spread = {
    .version = HS_STRATEGY_VERSION,
    .name = "put_spread",
    .summary = "long put, short lower put on the benchmark, sized by beta",
    .params = put_spread_params,
    .state_size = sizeof(legs_state),
    .flags = HS_STRATEGY_OPTIONS,
    .init = put_spread_init,
    .step = put_spread_step,
};
