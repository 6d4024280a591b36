/* The built-in strategies: an extern declaration and a table entry each. */
#include "hedgesim/strategy.h"

extern const hs_strategy_type hs_strategy_unhedged;
extern const hs_strategy_type hs_strategy_perp_short;
extern const hs_strategy_type hs_strategy_dynamic_rebalance;
extern const hs_strategy_type hs_strategy_min_variance;
extern const hs_strategy_type hs_strategy_protective_put;
extern const hs_strategy_type hs_strategy_collar;
extern const hs_strategy_type hs_strategy_put_spread;
extern const hs_strategy_type hs_strategy_delta_hedged_puts;

const hs_strategy_type *const hs_strategy_builtins[] = {
    &hs_strategy_unhedged,
    &hs_strategy_perp_short,
    &hs_strategy_dynamic_rebalance,
    &hs_strategy_min_variance,
    &hs_strategy_protective_put,
    &hs_strategy_collar,
    &hs_strategy_put_spread,
    &hs_strategy_delta_hedged_puts,
    NULL,
};
