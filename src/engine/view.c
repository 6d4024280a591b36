/* The strategy's view of the past: accessors that never reach past the
 * current step. */
#include "engine_int.h"

#include <math.h>

static const hs_context *ctx_of(const hs_view *v) { return v->engine->ctx; }

int64_t hs_view_time(const hs_view *v) { return ctx_of(v)->panel->time[v->t]; }
int64_t hs_view_step_ms(const hs_view *v) { return ctx_of(v)->panel->step_ms; }

size_t hs_view_live_step(const hs_view *v)
{
    return v->t - ctx_of(v)->live_from;
}

double hs_view_beta(const hs_view *v) { return v->engine->beta; }
double hs_view_target_beta(const hs_view *v)
{
    return v->engine->spec.target_beta;
}
double hs_view_exposure(const hs_view *v)
{
    return v->engine->exposure;
}

double hs_view_equity(const hs_view *v)
{
    /* The hedge account is settled for this step before the strategy runs. */
    return hs_engine__equity(v->engine);
}

double hs_view_hedge_price(const hs_view *v) { return v->hedge_close; }

double hs_view_hedge_position(const hs_view *v) { return v->engine->hedge.qty; }
double hs_view_contract_size(const hs_view *v)
{
    return v->engine->spec.contract_size;
}

static double lagged(const double *x, const hs_view *v, size_t lag)
{
    return lag > v->t ? NAN : x[v->t - lag];
}

double hs_view_book_return(const hs_view *v, size_t lag)
{
    return lagged(ctx_of(v)->book->ret, v, lag);
}

double hs_view_bench_return(const hs_view *v, size_t lag)
{
    return lagged(ctx_of(v)->bench_ret, v, lag);
}

double hs_view_hedge_return(const hs_view *v, size_t lag)
{
    return lagged(ctx_of(v)->hedge_ret, v, lag);
}

size_t hs_view_n_assets(const hs_view *v) { return ctx_of(v)->panel->n_assets; }

const char *hs_view_symbol(const hs_view *v, size_t asset)
{
    const hs_panel *p = ctx_of(v)->panel;
    return asset < p->n_assets ? p->symbol[asset] : "";
}

double hs_view_close(const hs_view *v, size_t asset, size_t lag)
{
    const hs_panel *p = ctx_of(v)->panel;
    if (asset >= p->n_assets || lag > v->t)
        return NAN;
    return p->close[(v->t - lag) * p->n_assets + asset];
}

double hs_round_contracts(double qty, double contract_size)
{
    if (!(contract_size > 0))
        return qty;
    double n = qty / contract_size;
    if (!(fabs(n) < 4e15)) /* also NaN: round() passes it through */
        return round(n) * contract_size;
    /* Half away from zero, as round(), without the library call. */
    return (double)(int64_t)(n + (n >= 0 ? 0.5 : -0.5)) * contract_size;
}

/* ---------------------------------------------------------------- options */

const hs_chain *hs_view_chain(const hs_view *v) { return v->engine->chain; }

double hs_view_underlying_price(const hs_view *v)
{
    const hs_engine *e = v->engine;
    const hs_panel *p = ctx_of(v)->panel;
    if (!e->spec.options.chains)
        return NAN;
    return p->close[v->t * p->n_assets + (size_t)e->spec.options.underlying];
}

double hs_view_rate(const hs_view *v) { return ctx_of(v)->panel->rate[v->t]; }

double hs_view_option_multiplier(const hs_view *v)
{
    return v->engine->spec.options.chains ? v->engine->spec.options.multiplier
                                          : NAN;
}

size_t hs_view_n_options(const hs_view *v) { return v->engine->options.n; }

const hs_option_position *hs_view_option(const hs_view *v, size_t i)
{
    const hs_option_book *ob = &v->engine->options;
    return i < ob->n ? &ob->pos[i] : NULL;
}

double hs_view_option_delta(const hs_view *v)
{
    double delta, gamma, vega, theta;
    hs_option_book_greeks(&v->engine->options, &delta, &gamma, &vega, &theta);
    return delta;
}
