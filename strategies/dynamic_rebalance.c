/* dynamic_rebalance: re-hedge only when the hedge drifts out of a band, and/or
 * on a schedule.
 *
 * The hedged beta is beta + hedge notional / exposure (the perp's beta to the
 * benchmark taken as 1).  When it is further than `band` from the target
 * (band_unit = beta), or the hedge notional is further than `band` x the
 * target notional from the target (band_unit = notional), or the schedule
 * says so, the hedge moves back to the target.  This is the "maximum
 * acceptable deviation from a neutral beta" of the hedging literature. */
#include "hedgesim/calendar.h"
#include "hedgesim/strategy.h"

#include <math.h>

enum { UNIT_BETA = 0, UNIT_NOTIONAL = 1 };
enum { SCHED_NONE = 0, SCHED_DAILY, SCHED_WEEKLY, SCHED_MONTHLY };

typedef struct {
    double band;
    int unit, schedule;
    int64_t last_day; /* day index of the last re-hedge */
} dyn_state;

static const hs_param dyn_params[] = {
    {"band", HS_PARAM_DOUBLE, "0.1", 0, 100, NULL,
     "allowed deviation before re-hedging (0: always re-hedge)"},
    {"band_unit", HS_PARAM_CHOICE, "beta", 0, 0, "beta|notional",
     "band in beta units, or as a fraction of the target notional"},
    {"schedule", HS_PARAM_CHOICE, "none", 0, 0, "none|daily|weekly|monthly",
     "also re-hedge on this calendar"},
    HS_PARAM_END};

static int dyn_init(void *state, const hs_values *params)
{
    dyn_state *s = state;
    s->band = hs_values_num(params, "band");
    s->unit = hs_values_int(params, "band_unit");
    s->schedule = hs_values_int(params, "schedule");
    s->last_day = INT64_MIN;
    return 0;
}

static int schedule_due(const dyn_state *s, int64_t t_ms)
{
    int64_t day = t_ms / HS_MS_PER_DAY;
    int m1, m2, y1, y2;
    if (s->last_day == INT64_MIN)
        return 1;
    switch (s->schedule) {
    case SCHED_DAILY:
        return day != s->last_day;
    case SCHED_WEEKLY: /* Mondays start ISO weeks; day 0 was a Thursday */
        return (day + 3) / 7 != (s->last_day + 3) / 7;
    case SCHED_MONTHLY:
        hs_cal_to_civil(t_ms, &y1, &m1, NULL, NULL, NULL, NULL, NULL);
        hs_cal_to_civil(s->last_day * HS_MS_PER_DAY, &y2, &m2, NULL, NULL,
                        NULL, NULL, NULL);
        return y1 != y2 || m1 != m2;
    default:
        return 0;
    }
}

static int dyn_step(void *state, const hs_view *v, hs_decision *out)
{
    dyn_state *s = state;
    double beta = hs_view_beta(v), price = hs_view_hedge_price(v);
    double expo = hs_view_exposure(v);
    out->trade = 0;
    if (!isfinite(beta) || !(price > 0) || !(expo > 0))
        return 0;
    double target_notional = -(beta - hs_view_target_beta(v)) * expo;
    double notional = hs_view_hedge_position(v) * price;
    double dev;
    if (s->unit == UNIT_BETA)
        dev = fabs(beta + notional / expo - hs_view_target_beta(v));
    else
        dev = fabs(target_notional) > 0
                  ? fabs(notional - target_notional) / fabs(target_notional)
                  : (notional != 0 ? INFINITY : 0);
    int due = dev > s->band ||
              (s->schedule != SCHED_NONE && schedule_due(s, hs_view_time(v)));
    if (!due)
        return 0;
    s->last_day = hs_view_time(v) / HS_MS_PER_DAY;
    out->trade = 1;
    out->hedge_target = target_notional / price; /* rounded by the engine */
    return 0;
}

const hs_strategy_type hs_strategy_dynamic_rebalance = {
    .version = HS_STRATEGY_VERSION,
    .name = "dynamic_rebalance",
    .summary = "re-hedge when the hedged beta leaves a band, or on a schedule",
    .params = dyn_params,
    .state_size = sizeof(dyn_state),
    .init = dyn_init,
    .step = dyn_step,
};
