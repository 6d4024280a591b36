/* collar: long a put, short a call, sized like protective_put.  The short
 * call's premium pays for (part of) the put; the upside above the call's
 * strike is given up. */
#include "option_legs.h"

static const hs_param collar_params[] = {
    LEGS_COMMON_PARAMS,
    {"moneyness", HS_PARAM_DOUBLE, "0.9", 0.1, 2, NULL, "put strike / spot"},
    {"call_moneyness", HS_PARAM_DOUBLE, "1.1", 0.1, 5, NULL,
     "call strike / spot"},
    HS_PARAM_END};

static int collar_init(void *state, const hs_values *v)
{
    legs_state *s = state;
    legs_read_common(&s->p, v);
    double put = hs_values_num(v, "moneyness"),
           call = hs_values_num(v, "call_moneyness");
    if (call <= put)
        return hs_error_set(HS_ECONFIG,
                            "call_moneyness %g must be above moneyness %g",
                            call, put);
    s->p.n_legs = 2;
    s->p.leg[0] = (leg_spec){'P', put, 0, 1.0};
    s->p.leg[1] = (leg_spec){'C', call, 0, -1.0};
    return 0;
}

static int collar_step(void *state, const hs_view *v, hs_decision *out)
{
    out->trade = 0;
    return legs_step(state, v, out);
}

const hs_strategy_type hs_strategy_collar = {
    .version = HS_STRATEGY_VERSION,
    .name = "collar",
    .summary = "long put, short call on the benchmark, sized by beta",
    .params = collar_params,
    .state_size = sizeof(legs_state),
    .flags = HS_STRATEGY_OPTIONS,
    .init = collar_init,
    .step = collar_step,
};
