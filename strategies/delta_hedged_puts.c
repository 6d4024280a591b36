/* delta_hedged_puts: protective puts plus a perp leg that keeps the total
 * delta (book beta exposure + puts + perp) at the target beta, so the book
 * runs delta-neutral while keeping the puts' gamma: it gains from large
 * moves either way and pays theta. */
#include "option_legs.h"

static const hs_param dhp_params[] = {
    LEGS_COMMON_PARAMS,
    {"moneyness", HS_PARAM_DOUBLE, "0.9", 0.1, 2, NULL, "put strike / spot"},
    {"delta", HS_PARAM_DOUBLE, "0", -1, 0, NULL,
     "pick the put by delta instead (0: by moneyness)"},
    {"band", HS_PARAM_DOUBLE, "0.05", 0, 10, NULL,
     "re-hedge the perp when total delta drifts by this share of the "
     "exposure"},
    HS_PARAM_END};

typedef struct {
    legs_state legs;
    double band;
} dhp_state;

static int dhp_init(void *state, const hs_values *v)
{
    dhp_state *s = state;
    legs_read_common(&s->legs.p, v);
    s->legs.p.n_legs = 1;
    s->legs.p.leg[0] = (leg_spec){'P', hs_values_num(v, "moneyness"),
                                  hs_values_num(v, "delta"), 1.0};
    s->band = hs_values_num(v, "band");
    return 0;
}

static int dhp_step(void *state, const hs_view *v, hs_decision *out)
{
    dhp_state *s = state;
    out->trade = 0;
    legs_step(&s->legs, v, out);
    double beta = hs_view_beta(v), S = hs_view_underlying_price(v),
           expo = hs_view_exposure(v);
    if (!isfinite(beta) || !(S > 0) || !(expo > 0))
        return 0;
    /* Book delta above the target, in units, and what the puts take off:
     * the delta of the puts held once this step's option orders have
     * filled (a roll's new puts, not the ones being sold). */
    double book = (beta - hs_view_target_beta(v)) * expo / S;
    double target = -(book + delta_after_orders(v, out));
    double drift = fabs(target - hs_view_hedge_position(v)) * S / expo;
    if (drift > s->band) {
        out->trade = 1;
        out->hedge_target = target;
    }
    return 0;
}

const hs_strategy_type hs_strategy_delta_hedged_puts = {
    .version = HS_STRATEGY_VERSION,
    .name = "delta_hedged_puts",
    .summary = "protective puts plus a perp keeping total delta at target",
    .params = dhp_params,
    .state_size = sizeof(dhp_state),
    .flags = HS_STRATEGY_OPTIONS,
    .init = dhp_init,
    .step = dhp_step,
};
