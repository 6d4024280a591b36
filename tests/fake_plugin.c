/* Fake strategies for the tests, built as a plug-in (build/tests/
 * fake_plugin.so) and loaded the way a user's strategy is: through
 * hs_registry_load or `hedgesim run --plugin`.
 *
 *   fail_at     returns an error at live step `step` (a run that fails
 *               part-way, while the other runs of the plan go on);
 *   hold_short  shorts `qty` units at the first live step and holds them
 *               whatever happens, the book included (the engine's rule
 *               must still close the hedge when there is nothing to hedge).
 */
#include "hedgesim/errors.h"
#include "hedgesim/strategy.h"

#include <stddef.h>

typedef struct {
    size_t step;
} fail_at_state;

static const hs_param fail_at_params[] = {
    {"step", HS_PARAM_INT, "5", 0, 1000000, NULL,
     "live step at which the strategy fails"},
    HS_PARAM_END};

static int fail_at_init(void *state, const hs_values *v)
{
    ((fail_at_state *)state)->step = (size_t)hs_values_int(v, "step");
    return 0;
}

static int fail_at_step(void *state, const hs_view *v, hs_decision *out)
{
    const fail_at_state *s = state;
    size_t k = hs_view_live_step(v);
    out->trade = 1;
    out->hedge_target = -1.0; /* a position, so that failing loses one */
    if (k == s->step)
        return hs_error_set(HS_ESTRATEGY, "deliberate failure at live step %zu",
                            k);
    return 0;
}

static const hs_strategy_type fail_at_type = {
    .version = HS_STRATEGY_VERSION,
    .name = "fail_at",
    .summary = "test: fails at live step `step`",
    .params = fail_at_params,
    .state_size = sizeof(fail_at_state),
    .init = fail_at_init,
    .step = fail_at_step,
};

static const hs_param hold_params[] = {
    {"qty", HS_PARAM_DOUBLE, "-3", -1e9, 1e9, NULL, "units held"},
    HS_PARAM_END};

static int hold_step(void *state, const hs_view *v, hs_decision *out)
{
    out->trade = hs_view_live_step(v) == 0;
    out->hedge_target = *(const double *)state;
    return 0;
}

static int hold_init(void *state, const hs_values *v)
{
    *(double *)state = hs_values_num(v, "qty");
    return 0;
}

static const hs_strategy_type hold_type = {
    .version = HS_STRATEGY_VERSION,
    .name = "hold_short",
    .summary = "test: shorts `qty` at the first live step, then holds",
    .params = hold_params,
    .state_size = sizeof(double),
    .init = hold_init,
    .step = hold_step,
};

const hs_strategy_type *const *hedgesim_strategies(int *version);
const hs_strategy_type *const *hedgesim_strategies(int *version)
{
    static const hs_strategy_type *const types[] = {&fail_at_type, &hold_type,
                                                    NULL};
    *version = HS_STRATEGY_VERSION;
    return types;
}
