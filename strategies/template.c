/* template: the file to copy to write a strategy of your own.
 *
 * Build it as a plug-in and run it:
 *
 *     cc -std=c11 -O2 -fPIC -shared -Iinclude strategies/template.c \
 *        -o my_strategy.so
 *     hedgesim run my.ini --plugin ./my_strategy.so
 *
 * with a config section such as
 *
 *     [strategy.mine]
 *     type = half_hedge
 *     fraction = 0.5
 *
 * A strategy uses only include/hedgesim/strategy.h: it reads the past through
 * the hs_view_* accessors (which never return data after the current step)
 * and answers with a decision: the hedge position it wants, in units of the
 * hedge's underlying (negative: short).  The engine fills it at the next
 * open, charges fees and slippage, and checks the answer is finite.
 *
 * This example hedges a fixed fraction of the estimated beta, re-hedging only
 * when the position is more than `tolerance` contracts away from its target.
 * To add a built-in instead, copy this file into strategies/, rename the type
 * to hs_strategy_<name>, drop the plug-in entry point at the bottom, and add
 * two lines to strategies/registry.c: its `extern` declaration and its entry
 * in hs_strategy_builtins. */
#include "hedgesim/strategy.h"

#include <math.h>

/* 1. State: whatever the strategy remembers between steps.  The engine
 *    allocates state_size bytes, zeroed, and frees them. */
typedef struct {
    double fraction;
    double tolerance;
    long steps_seen;
} half_hedge_state;

/* 2. Parameters: validated from the config against this table, and printed
 *    by `hedgesim list strategies`. */
static const hs_param half_hedge_params[] = {
    {"fraction", HS_PARAM_DOUBLE, "0.5", 0, 2, NULL,
     "share of the beta exposure to hedge"},
    {"tolerance", HS_PARAM_INT, "1", 0, 1000000, NULL,
     "contracts of drift tolerated before re-hedging"},
    HS_PARAM_END};

/* 3. init (optional): read the parameters once. */
static int half_hedge_init(void *state, const hs_values *params)
{
    half_hedge_state *s = state;
    s->fraction = hs_values_num(params, "fraction");
    s->tolerance = hs_values_num(params, "tolerance");
    return 0;
}

/* 4. step (required): decide at the close of each live step. */
static int half_hedge_step(void *state, const hs_view *v, hs_decision *out)
{
    half_hedge_state *s = state;
    double beta = hs_view_beta(v);       /* NaN while the estimator warms up */
    double price = hs_view_hedge_price(v);
    double size = hs_view_contract_size(v);

    s->steps_seen++;
    out->trade = 0;
    if (!isfinite(beta) || !(price > 0))
        return 0;
    double target = -s->fraction * beta * hs_view_exposure(v) / price;
    target = hs_round_contracts(target, size);
    if (fabs(target - hs_view_hedge_position(v)) <= s->tolerance * size)
        return 0;
    out->trade = 1;
    out->hedge_target = target;
    return 0;
}

static const hs_strategy_type half_hedge = {
    .version = HS_STRATEGY_VERSION,
    .name = "half_hedge",
    .summary = "hedge a fixed fraction of the beta exposure (template)",
    .params = half_hedge_params,
    .state_size = sizeof(half_hedge_state),
    .init = half_hedge_init,
    .step = half_hedge_step,
    /* .free = NULL: nothing to release */
};

/* 5. The plug-in entry point: the engine calls it after dlopen. */
const hs_strategy_type *const *hedgesim_strategies(int *version);

const hs_strategy_type *const *hedgesim_strategies(int *version)
{
    static const hs_strategy_type *const types[] = {&half_hedge, NULL};
    *version = HS_STRATEGY_VERSION;
    return types;
}
