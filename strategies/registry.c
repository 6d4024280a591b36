/* The built-in strategies: one line each. */
#include "hedgesim/strategy.h"

extern const hs_strategy_type hs_strategy_unhedged;
extern const hs_strategy_type hs_strategy_perp_short;
extern const hs_strategy_type hs_strategy_dynamic_rebalance;
extern const hs_strategy_type hs_strategy_min_variance;

const hs_strategy_type *const hs_strategy_builtins[] = {
    &hs_strategy_unhedged,
    &hs_strategy_perp_short,
    &hs_strategy_dynamic_rebalance,
    &hs_strategy_min_variance,
    NULL,
};
