/* Shared by the option strategies: a structure of up to three legs on one
 * expiry, rolled as a whole.  Uses only the public strategy API, as a user's
 * strategy would (static functions: each strategy file gets its own copy). */
#ifndef HS_OPTION_LEGS_H
#define HS_OPTION_LEGS_H

#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"
#include "hedgesim/chain.h"
#include "hedgesim/strategy.h"

#include <math.h>
#include <string.h>

/* A leg: right, how its strike is picked, and how many units per unit of
 * beta exposure (+1 long, -1 short). */
typedef struct leg_spec {
    char right;
    double moneyness; /* strike / spot */
    double delta;     /* if non-zero: pick by Black-76 delta instead */
    double ratio;
} leg_spec;

typedef struct legs_params {
    double tenor_days, roll_days, resize, delta_drift;
    int n_legs;
    leg_spec leg[3];
} legs_params;

typedef struct legs_state {
    legs_params p;
    int held;           /* a structure is on */
    int64_t expiry;
    double strike[3];
    double units;       /* units of underlying of the structure */
    double entry_delta; /* per-unit delta of leg 0 when opened */
} legs_state;

#define LEGS_COMMON_PARAMS                                                     \
    {"tenor_days", HS_PARAM_DOUBLE, "30", 1, 400, NULL,                        \
     "target time to expiry of new options, days"},                            \
        {"roll_days", HS_PARAM_DOUBLE, "7", 0, 100, NULL,                      \
         "roll when expiry is this close, days"},                              \
        {"resize", HS_PARAM_DOUBLE, "0.25", 0, 10, NULL,                       \
         "re-size when the needed size drifts by this share"},                 \
        {"delta_drift", HS_PARAM_DOUBLE, "0", 0, 1, NULL,                      \
         "roll when the first leg's delta moved this much (0: off)"}

static void legs_read_common(legs_params *p, const hs_values *v)
{
    p->tenor_days = hs_values_num(v, "tenor_days");
    p->roll_days = hs_values_num(v, "roll_days");
    p->resize = hs_values_num(v, "resize");
    p->delta_drift = hs_values_num(v, "delta_drift");
}

static int add_order(hs_decision *out, int64_t expiry, double strike,
                     char right, double qty)
{
    if (out->n_options == HS_MAX_OPTION_ORDERS || qty == 0)
        return 0;
    hs_option_order *o = &out->options[out->n_options++];
    o->expiry = expiry;
    o->strike = strike;
    o->right = right;
    o->qty = qty;
    return 1;
}

/* Black-76 delta per unit of a quote at time `now` (its mark iv and
 * forward, zero rate); NAN where the quote lacks them. */
static double quote_delta(const hs_chain_quote *q, int64_t now)
{
    double T = (double)(q->expiry - now) / (365.0 * HS_MS_PER_DAY);
    double sd = q->iv * sqrt(T > 0 ? T : 0);
    if (!(sd > 0) || !(q->forward > 0) || !(q->strike > 0))
        return NAN;
    double d1 = (log(q->forward / q->strike) + 0.5 * sd * sd) / sd;
    double nd = 0.5 * erfc(-d1 / sqrt(2.0));
    return q->right == 'C' ? nd : nd - 1.0;
}

/* Merge the decision's orders on the same contract and drop those that net
 * to nothing: a roll that picks the contract already held does not trade. */
static void net_orders(hs_decision *out)
{
    size_t n = 0;
    for (size_t i = 0; i < out->n_options; i++) {
        hs_option_order o = out->options[i];
        size_t j = 0;
        while (j < n && !(out->options[j].expiry == o.expiry &&
                          out->options[j].strike == o.strike &&
                          out->options[j].right == o.right))
            j++;
        if (j < n)
            out->options[j].qty += o.qty;
        else
            out->options[n++] = o;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(out->options[i].qty) > 1e-12)
            out->options[m++] = out->options[i];
    out->n_options = m;
}

/* The delta (units of underlying) of the option positions held once the
 * decision's orders have filled: held positions at their delta of this
 * close, new contracts at their quote's delta; an order against an empty
 * side of the book (it will not fill) is left out. */
static inline double delta_after_orders(const hs_view *v, const hs_decision *out)
{
    const hs_chain *c = hs_view_chain(v);
    const int64_t now = hs_view_time(v) + hs_view_step_ms(v);
    double d = 0;
    for (size_t i = 0; i < hs_view_n_options(v); i++) {
        const hs_option_position *p = hs_view_option(v, i);
        d += p->qty * p->delta;
    }
    for (size_t k = 0; k < out->n_options; k++) {
        const hs_option_order *o = &out->options[k];
        int i = hs_chain_find(c, o->expiry, o->strike, o->right);
        const hs_option_position *held = NULL;
        for (size_t j = 0; j < hs_view_n_options(v) && !held; j++) {
            const hs_option_position *p = hs_view_option(v, j);
            if (p->expiry == o->expiry && p->strike == o->strike &&
                p->right == o->right)
                held = p;
        }
        if (i >= 0) {
            const hs_chain_quote *q = &c->q[i];
            if (!(o->qty > 0 ? isfinite(q->ask) : isfinite(q->bid)))
                continue; /* not filled */
            double qd = held ? held->delta : quote_delta(q, now);
            if (isfinite(qd))
                d += o->qty * qd;
        } else if (held) {
            d += o->qty * held->delta; /* closing an unquoted contract */
        }
    }
    return d;
}

/* Close every option position the run holds. */
static void close_all(const hs_view *v, hs_decision *out)
{
    for (size_t i = 0; i < hs_view_n_options(v); i++) {
        const hs_option_position *p = hs_view_option(v, i);
        add_order(out, p->expiry, p->strike, p->right, -p->qty);
    }
}

/* Units of underlying the structure should cover: the beta exposure above
 * the target, in whole lots of contract_size option contracts of
 * `multiplier` units each (0 if none or unknown). */
static double legs_units(const hs_view *v)
{
    double beta = hs_view_beta(v), S = hs_view_underlying_price(v);
    if (!isfinite(beta) || !(S > 0))
        return 0;
    double units = (beta - hs_view_target_beta(v)) * hs_view_exposure(v) / S;
    double mult = hs_view_option_multiplier(v);
    units = hs_round_contracts(units, hs_view_contract_size(v) *
                                          (mult > 0 ? mult : 1));
    return units > 0 ? units : 0;
}

/* One step of the structure: roll, resize or hold.  Returns 0. */
static int legs_step(legs_state *s, const hs_view *v, hs_decision *out)
{
    const hs_chain *c = hs_view_chain(v);
    const int64_t now = hs_view_time(v) + hs_view_step_ms(v);
    const double S = hs_view_underlying_price(v);
    double units = legs_units(v);
    int need = 0, resize = 0;

    if (!c || c->n == 0 || !(S > 0))
        return 0; /* no chain visible: hold what we have */
    if (s->held) {
        double left = (double)(s->expiry - now) / (double)HS_MS_PER_DAY;
        if (left <= s->p.roll_days)
            need = 1;
        if (s->p.resize > 0 && units > 0 &&
            fabs(units - s->units) > s->p.resize * fmax(s->units, 1e-12))
            resize = 1;
        if (units <= 0)
            need = 1; /* nothing to protect any more: close */
        if (s->p.delta_drift > 0) {
            /* The structure's first leg, wherever it sits in the book. */
            for (size_t i = 0; i < hs_view_n_options(v); i++) {
                const hs_option_position *p = hs_view_option(v, i);
                if (p->expiry == s->expiry && p->strike == s->strike[0] &&
                    p->right == s->p.leg[0].right &&
                    fabs(p->delta - s->entry_delta) > s->p.delta_drift)
                    need = 1;
            }
        }
    } else {
        need = units > 0;
    }
    if (!need && resize) {
        /* Same legs, new size: trade only the difference. */
        double d = units - s->units;
        for (int k = 0; k < s->p.n_legs; k++)
            if (hs_chain_find(c, s->expiry, s->strike[k], s->p.leg[k].right) < 0)
                need = 1; /* a leg is no longer quoted: roll instead */
        if (!need) {
            for (int k = 0; k < s->p.n_legs; k++)
                add_order(out, s->expiry, s->strike[k], s->p.leg[k].right,
                          s->p.leg[k].ratio * d);
            s->units = units;
            return 0;
        }
    }
    if (!need)
        return 0;
    close_all(v, out);
    s->held = 0;
    if (units <= 0)
        return 0;
    int64_t tenor = (int64_t)(s->p.tenor_days * (double)HS_MS_PER_DAY);
    int64_t min = (int64_t)((s->p.roll_days + 1) * (double)HS_MS_PER_DAY);
    int64_t expiry = hs_chain_pick_expiry(c, now, tenor, min);
    if (expiry == 0)
        return 0;
    int idx[3];
    for (int k = 0; k < s->p.n_legs; k++) {
        const leg_spec *l = &s->p.leg[k];
        idx[k] = l->delta != 0
                     ? hs_chain_pick_delta(c, expiry, l->right, l->delta, now,
                                           hs_view_rate(v))
                     : hs_chain_pick_moneyness(c, expiry, l->right,
                                               l->moneyness);
        if (idx[k] < 0)
            return 0; /* the structure cannot be built today */
    }
    for (int k = 0; k < s->p.n_legs; k++) {
        const hs_chain_quote *q = &c->q[idx[k]];
        add_order(out, q->expiry, q->strike, q->right,
                  s->p.leg[k].ratio * units);
        s->strike[k] = q->strike;
    }
    s->held = 1;
    s->expiry = expiry;
    s->units = units;
    /* Leg 0's delta at entry, for the delta-drift rule. */
    s->entry_delta = quote_delta(&c->q[idx[0]], now);
    net_orders(out);
    return 0;
}

#endif
