/* The option side of the engine loop: fills, marks, expiry settlement and
 * greeks of a run's option positions.
 *
 * Conventions (docs/options.md): quantities in units of the underlying;
 * prices in USD per unit; a buy pays the ask, a sell receives the bid; the
 * spread against the mark is slippage; fees are Deribit-style, a share of the
 * underlying capped at a share of the premium.  Positions are marked at the
 * visible slice's mark, or by Black-76 on the underlying's close with the
 * position's last implied volatility when the slice lacks the contract.
 * Expiring contracts are cash-settled at the underlying's price at the
 * expiry time, interpolated within the bar between its open and close. */
#include "engine_int.h"
#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"
#include "hedgesim/price.h"

#include <math.h>
#include <string.h>

#define YEAR_MS (365.0 * 86400000.0)

static double years(int64_t from, int64_t to)
{
    return to > from ? (double)(to - from) / YEAR_MS : 0;
}

/* Black-76 on forward F (zero rate: crypto forwards are marked at spot). */
static void b76(char right, double F, double K, double T, double iv,
                hs_greeks *g)
{
    memset(g, 0, sizeof *g);
    if (!(F > 0) || !(K > 0) || !(iv >= 0) || !(T >= 0) ||
        hs_black76(right == 'C' ? HS_CALL : HS_PUT, F, K, T, 0, iv, g) != 0) {
        g->price = NAN;
    }
}

static double option_fee(const hs_option_opts *o, double qty, double price,
                         double under)
{
    double a = o->fee_rate * under, b = o->fee_cap * price;
    return fabs(qty) * (a < b ? a : b);
}

static hs_option_position *find_pos(hs_engine *e, int64_t expiry,
                                    double strike, char right)
{
    for (size_t i = 0; i < e->n_opt; i++)
        if (e->opt[i].expiry == expiry && e->opt[i].strike == strike &&
            e->opt[i].right == right)
            return &e->opt[i];
    return NULL;
}

static void record_trade(hs_engine *e, size_t t, const hs_option_position *p,
                         double qty, double price, double fee, char kind)
{
    hs_run_series *s = &e->s;
    size_t k = s->n_otrades++; /* callers checked the capacity */
    s->ot_time[k] = e->ctx->panel->time[t];
    s->ot_expiry[k] = p->expiry;
    s->ot_strike[k] = p->strike;
    s->ot_right[k] = p->right;
    s->ot_qty[k] = qty;
    s->ot_price[k] = price;
    s->ot_fee[k] = fee;
    s->ot_kind[k] = kind;
}

static void remove_pos(hs_engine *e, hs_option_position *p)
{
    size_t i = (size_t)(p - e->opt);
    memmove(&e->opt[i], &e->opt[i + 1], (e->n_opt - i - 1) * sizeof *p);
    e->n_opt--;
}

/* Apply a fill: `ref` is the mark the position is carried at afterwards. */
static int apply_fill(hs_engine *e, size_t t, const hs_option_order *o,
                      double price, double ref, double iv, double under,
                      hs_option_flow *f)
{
    const hs_option_opts *oo = &e->spec.options;
    const hs_panel *pn = e->ctx->panel;
    double fee = option_fee(oo, o->qty, price, under);
    if (e->s.n_otrades == e->s.otrade_cap)
        return hs_error_set(HS_ESTRATEGY,
                            "run '%s': more than %zu option trades",
                            e->spec.name, e->s.otrade_cap);
    hs_option_position *p = find_pos(e, o->expiry, o->strike, o->right);
    if (!p) {
        if (e->n_opt == oo->max_positions)
            return hs_error_set(HS_ESTRATEGY,
                                "run '%s': more than %zu option positions",
                                e->spec.name, oo->max_positions);
        p = &e->opt[e->n_opt++];
        memset(p, 0, sizeof *p);
        p->expiry = o->expiry;
        p->strike = o->strike;
        p->right = o->right;
        p->entry_time = pn->time[t];
        p->entry_price = price;
        p->mark = ref;
    } else if ((p->qty > 0) == (o->qty > 0)) {
        /* Adding: the average entry price. */
        p->entry_price = (p->entry_price * p->qty + price * o->qty) /
                         (p->qty + o->qty);
    }
    /* The position's value moves from the old mark to `ref` for the old
     * quantity (a re-mark at the fill), and the new units enter at ref. */
    f->pnl += p->qty * (ref - p->mark);
    e->opt_value += p->qty * (ref - p->mark) + o->qty * ref;
    p->mark = ref;
    if (isfinite(iv) && iv > 0)
        p->iv = iv;
    p->qty += o->qty;
    e->cash -= o->qty * price + fee;
    f->premium -= o->qty * price;
    f->fee += fee;
    f->slippage += o->qty * (price - ref);
    f->traded += fabs(o->qty) * price;
    record_trade(e, t, p, o->qty, price, fee, o->qty > 0 ? 'B' : 'S');
    if (fabs(p->qty) < 1e-12) {
        e->opt_value -= p->qty * p->mark;
        remove_pos(e, p);
    }
    return 0;
}

int hs_engine__options_open(hs_engine *e, size_t t, hs_option_flow *f)
{
    const hs_option_opts *oo = &e->spec.options;
    const hs_panel *pn = e->ctx->panel;
    const size_t ia = t * pn->n_assets + (size_t)oo->underlying;
    const double open = pn->open[ia], close = pn->close[ia];
    const int64_t t0 = pn->time[t], t1 = t0 + pn->step_ms;

    /* Orders of the previous close fill at this open, repriced from the
     * quote they were sent against (sticky strike: same iv, same spread). */
    for (size_t k = 0; k < e->n_opt_pending; k++) {
        const hs_option_order *o = &e->opt_pending[k];
        const hs_chain_quote *q = &e->opt_pending_quote[k];
        hs_greeks g;
        b76(o->right, open, o->strike, years(t0, o->expiry), q->iv, &g);
        double ref = g.price;
        if (!isfinite(ref))
            ref = q->mark;
        double half = o->qty > 0 ? q->ask - q->mark : q->mark - q->bid;
        if (!(half >= 0))
            half = 0;
        double price = o->qty > 0 ? ref + half : fmax(ref - half, 0);
        int rc = apply_fill(e, t, o, price, ref, q->iv, open, f);
        if (rc) {
            e->n_opt_pending = 0;
            return rc;
        }
    }
    e->n_opt_pending = 0;

    /* Expiries inside this bar settle at the interpolated price. */
    for (size_t i = 0; i < e->n_opt;) {
        hs_option_position *p = &e->opt[i];
        if (p->expiry >= t1) {
            i++;
            continue;
        }
        double frac = p->expiry <= t0 ? 0 : (double)(p->expiry - t0) /
                                                (double)(t1 - t0);
        double S = open + (close - open) * frac;
        double payoff = p->right == 'C' ? fmax(S - p->strike, 0)
                                        : fmax(p->strike - S, 0);
        f->pnl += p->qty * (payoff - p->mark);
        e->opt_value -= p->qty * p->mark;
        e->cash += p->qty * payoff;
        f->premium += p->qty * payoff;
        if (e->s.n_otrades == e->s.otrade_cap)
            return hs_error_set(HS_ESTRATEGY,
                                "run '%s': more than %zu option trades",
                                e->spec.name, e->s.otrade_cap);
        record_trade(e, t, p, -p->qty, payoff, 0, 'X');
        remove_pos(e, p);
    }
    return 0;
}

/* Mark every position at this close and compute greeks. */
int hs_engine__options_close(hs_engine *e, size_t t, hs_option_flow *f)
{
    const hs_option_opts *oo = &e->spec.options;
    const hs_panel *pn = e->ctx->panel;
    const double S = pn->close[t * pn->n_assets + (size_t)oo->underlying];
    const int64_t now = pn->time[t] + pn->step_ms; /* this close */
    int rc = hs_chain_source_at(oo->chains, t, &e->chain);
    if (rc)
        return rc;
    for (size_t i = 0; i < e->n_opt; i++) {
        hs_option_position *p = &e->opt[i];
        int k = hs_chain_find(e->chain, p->expiry, p->strike, p->right);
        double mark = NAN, iv = p->iv;
        if (k >= 0) {
            mark = e->chain->q[k].mark;
            if (isfinite(e->chain->q[k].iv))
                iv = e->chain->q[k].iv;
        }
        hs_greeks g;
        b76(p->right, S, p->strike, years(now, p->expiry), iv, &g);
        if (!isfinite(mark)) {
            mark = g.price;
            e->s.n_marked_by_model++;
        }
        if (!isfinite(mark))
            return hs_error_set(HS_ENUMERIC,
                                "run '%s': cannot mark the %c %g option",
                                e->spec.name, p->right, p->strike);
        f->pnl += p->qty * (mark - p->mark);
        e->opt_value += p->qty * (mark - p->mark);
        p->mark = mark;
        p->iv = iv;
        p->delta = g.delta;
        p->gamma = g.gamma;
        p->vega = g.vega;
        p->theta = g.theta;
    }
    return 0;
}

int hs_engine__options_orders(hs_engine *e, size_t t, const hs_decision *d,
                              hs_option_flow *f)
{
    const hs_panel *pn = e->ctx->panel;
    char tb[32];
    if (d->n_options > HS_MAX_OPTION_ORDERS)
        return hs_error_set(HS_ESTRATEGY, "run '%s': more than %d option "
                                          "orders in one step",
                            e->spec.name, HS_MAX_OPTION_ORDERS);
    if (d->n_options && !e->spec.options.chains)
        return hs_error_set(HS_ESTRATEGY,
                            "run '%s': option orders but the config has no "
                            "[options] section",
                            e->spec.name);
    for (size_t k = 0; k < d->n_options; k++) {
        const hs_option_order *o = &d->options[k];
        if (!isfinite(o->qty) || o->qty == 0 ||
            (o->right != 'C' && o->right != 'P'))
            return hs_error_set(HS_ESTRATEGY,
                                "run '%s' at %s: bad option order (qty %g, "
                                "right '%c')",
                                e->spec.name,
                                hs_cal_format_time(pn->time[t], tb, sizeof tb),
                                o->qty, o->right ? o->right : '?');
        int i = hs_chain_find(e->chain, o->expiry, o->strike, o->right);
        hs_chain_quote q;
        if (i >= 0) {
            q = e->chain->q[i];
        } else {
            /* Only closing a held contract may trade without a quote. */
            hs_option_position *p =
                find_pos(e, o->expiry, o->strike, o->right);
            if (!p || (p->qty > 0) == (o->qty > 0))
                return hs_error_set(HS_ESTRATEGY,
                                    "run '%s' at %s: the %c %g option expiring "
                                    "%s is not in the visible chain",
                                    e->spec.name,
                                    hs_cal_format_time(pn->time[t], tb,
                                                       sizeof tb),
                                    o->right, o->strike,
                                    hs_cal_format_time(o->expiry, tb,
                                                       sizeof tb));
            memset(&q, 0, sizeof q);
            q.expiry = o->expiry;
            q.strike = o->strike;
            q.right = o->right;
            q.mark = q.bid = q.ask = p->mark;
            q.iv = p->iv;
        }
        double px = o->qty > 0 ? q.ask : q.bid;
        if (!(px >= 0)) {
            /* That side of the book is empty: the order is not filled (a
             * long far out of the money is then left to expire). */
            e->s.n_unfilled++;
            continue;
        }
        if (e->at_close) {
            double under =
                pn->close[t * pn->n_assets + (size_t)e->spec.options.underlying];
            int rc = apply_fill(e, t, o, px, q.mark, q.iv, under, f);
            if (rc)
                return rc;
        } else {
            e->opt_pending[e->n_opt_pending] = *o;
            e->opt_pending_quote[e->n_opt_pending] = q;
            e->n_opt_pending++;
        }
    }
    return 0;
}

void hs_engine__options_greeks(const hs_engine *e, double *delta,
                               double *gamma, double *vega, double *theta)
{
    double d = 0, g = 0, v = 0, th = 0;
    for (size_t i = 0; i < e->n_opt; i++) {
        const hs_option_position *p = &e->opt[i];
        d += p->qty * p->delta;
        g += p->qty * p->gamma;
        v += p->qty * p->vega / 100.0;  /* per vol point */
        th += p->qty * p->theta / 365.0; /* per day */
    }
    *delta = d;
    *gamma = g;
    *vega = v;
    *theta = th;
}
