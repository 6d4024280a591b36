/* Fills and cost models. */
#include "exec_int.h"
#include "hedgesim/errors.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


/* ------------------------------------------------------------ cost models
 * Each model reads its parameters by their index in its own table (the
 * enums below follow the tables), so a fill does no name look-ups. */

enum { FIXED_SLIPPAGE_BPS };
static const hs_param fixed_params[] = {
    {"slippage_bps", HS_PARAM_DOUBLE, "2", 0, 10000, NULL,
     "slippage per fill, bps of the price"},
    HS_PARAM_END};

static double fixed_slippage(const hs_cost_ctx *c, size_t a, size_t t,
                             double qty)
{
    (void)a, (void)t, (void)qty;
    return c->values->num[FIXED_SLIPPAGE_BPS] * 1e-4;
}

const hs_cost_type hs_cost_fixed = {
    .version = HS_COST_TYPE_VERSION,
    .name = "fixed",
    .summary = "a fixed slippage in bps of the price",
    .params = fixed_params,
    .slippage = fixed_slippage,
};

enum { SPREAD_MIN_BPS };
static const hs_param spread_params[] = {
    {"min_spread_bps", HS_PARAM_DOUBLE, "1", 0, 10000, NULL,
     "floor of the estimated full spread, bps"},
    HS_PARAM_END};

/* Half the bid-ask spread.  Bars carry no quotes, so the spread is the
 * Corwin-Schultz (2012) high-low estimate averaged over the window. */
static double spread_slippage(const hs_cost_ctx *c, size_t a, size_t t,
                              double qty)
{
    (void)qty;
    double s = c->hl_spread[t * c->panel->n_assets + a];
    double floor_ = c->values->num[SPREAD_MIN_BPS] * 1e-4;
    if (!isfinite(s) || s < floor_)
        s = floor_;
    return 0.5 * s;
}

const hs_cost_type hs_cost_spread = {
    .version = HS_COST_TYPE_VERSION,
    .name = "spread",
    .summary = "half the bid-ask spread (Corwin-Schultz high-low estimate)",
    .params = spread_params,
    .slippage = spread_slippage,
};

enum { SQRT_K, SQRT_FIXED_BPS, SQRT_MAX_BPS };
static const hs_param sqrt_params[] = {
    {"impact_k", HS_PARAM_DOUBLE, "1", 0, 100, NULL,
     "k in k * sigma * sqrt(q / ADV)"},
    {"slippage_bps", HS_PARAM_DOUBLE, "0", 0, 10000, NULL,
     "fixed part added to the impact, bps"},
    {"max_bps", HS_PARAM_DOUBLE, "1000", 0, 9900, NULL,
     "cap on the slippage of one fill, bps"},
    HS_PARAM_END};

/* Square-root market impact k * sigma * sqrt(|q| / ADV) (e.g. Almgren et
 * al. 2005, "Direct estimation of equity market impact"). */
static double sqrt_slippage(const hs_cost_ctx *c, size_t a, size_t t,
                            double qty)
{
    size_t i = t * c->panel->n_assets + a;
    double fixed = c->values->num[SQRT_FIXED_BPS] * 1e-4;
    double sig = c->sigma[i], adv = c->adv[i];
    double cap = c->values->num[SQRT_MAX_BPS] * 1e-4;
    double slip = fixed;
    if (isfinite(sig) && isfinite(adv) && adv > 0)
        slip += c->values->num[SQRT_K] * sig *
                sqrt(fabs(qty) / adv);
    return slip < cap ? slip : cap;
}

const hs_cost_type hs_cost_sqrt = {
    .version = HS_COST_TYPE_VERSION,
    .name = "sqrt",
    .summary = "square-root market impact k * sigma * sqrt(q / ADV)",
    .params = sqrt_params,
    .slippage = sqrt_slippage,
};

const hs_cost_type *const hs_cost_types[] = {&hs_cost_fixed, &hs_cost_spread,
                                             &hs_cost_sqrt, NULL};

const hs_cost_type *hs_cost_find(const char *name)
{
    for (const hs_cost_type *const *t = hs_cost_types; *t; t++)
        if (strcmp((*t)->name, name) == 0)
            return *t;
    return NULL;
}

/* ------------------------------------------------------------- statistics */

/* Corwin and Schultz (2012), "A Simple Way to Estimate Bid-Ask Spreads from
 * Daily High and Low Prices", Journal of Finance 67(2), eq. (14): the spread
 * from two consecutive bars; negative estimates are set to zero. */
static double corwin_schultz(double h1, double l1, double h2, double l2)
{
    const double k = 3.0 - 2.0 * sqrt(2.0);
    double b = pow(log(h1 / l1), 2) + pow(log(h2 / l2), 2);
    double hmax = h1 > h2 ? h1 : h2, lmin = l1 < l2 ? l1 : l2;
    double g = pow(log(hmax / lmin), 2);
    double alpha = (sqrt(2.0 * b) - sqrt(b)) / k - sqrt(g / k);
    double s = 2.0 * (exp(alpha) - 1.0) / (1.0 + exp(alpha));
    return s > 0 ? s : 0;
}

/* Rolling statistics over the `w` bars strictly before each step. */
static void compute_stats(hs_exec *ex)
{
    const hs_panel *p = ex->ctx.panel;
    const size_t na = p->n_assets, w = ex->opts.window;
    for (size_t a = 0; a < na; a++) {
        for (size_t t = 0; t < p->n_steps; t++) {
            size_t i = t * na + a;
            double s1 = 0, s2 = 0, vs = 0, cs = 0;
            size_t nr = 0, nv = 0, nc = 0;
            for (size_t k = 1; k <= w && k < t + 1; k++) {
                size_t j = (t - k) * na + a; /* bar t-k */
                if (p->state[j] != HS_BAR_OK)
                    continue;
                vs += p->volume[j];
                nv++;
                if (t - k >= 1) {
                    size_t jp = j - na;
                    if (p->state[jp] == HS_BAR_OK) {
                        double r = log(p->close[j] / p->close[jp]);
                        s1 += r;
                        s2 += r * r;
                        nr++;
                        cs += corwin_schultz(p->high[jp], p->low[jp],
                                             p->high[j], p->low[j]);
                        nc++;
                    }
                }
            }
            ex->adv[i] = nv ? vs / (double)nv : NAN;
            ex->sigma[i] = nr > 1 ? sqrt(fmax(0, (s2 - s1 * s1 / (double)nr) /
                                                     (double)(nr - 1)))
                                  : NAN;
            ex->hl_spread[i] = nc ? cs / (double)nc : NAN;
        }
    }
}

/* The per-fill constants that follow from the options. */
static void set_rates(hs_exec *ex)
{
    ex->fee_rate = ex->opts.fee_bps * 1e-4;
    ex->close_slip = ex->opts.close_slippage_bps * 1e-4;
    ex->fixed_slip = ex->opts.model == &hs_cost_fixed
                         ? fixed_slippage(&ex->ctx, 0, 0, 0)
                         : -1;
}

int hs_exec_new(hs_exec **out, const hs_panel *panel, const hs_exec_opts *opts)
{
    hs_exec *ex = calloc(1, sizeof *ex);
    size_t nm = panel->n_steps * panel->n_assets;
    *out = NULL;
    if (!ex)
        return hs_error_set(HS_ENOMEM, "out of memory");
    ex->opts = *opts;
    if (opts->model && opts->model_values.table != opts->model->params) {
        free(ex);
        return hs_error_set(HS_EINVAL,
                            "cost model %s: its values were not made from its "
                            "parameter table",
                            opts->model->name);
    }
    if (!ex->opts.model) {
        ex->opts.model = &hs_cost_fixed;
        if (ex->opts.model_values.table != hs_cost_fixed.params)
            hs_values_init(&ex->opts.model_values, hs_cost_fixed.params);
    }
    if (ex->opts.window == 0)
        ex->opts.window = 20;
    ex->sigma = malloc((nm ? nm : 1) * sizeof(double));
    ex->adv = malloc((nm ? nm : 1) * sizeof(double));
    ex->hl_spread = malloc((nm ? nm : 1) * sizeof(double));
    if (!ex->sigma || !ex->adv || !ex->hl_spread) {
        hs_exec_free(ex);
        return hs_error_set(HS_ENOMEM, "out of memory");
    }
    ex->ctx.panel = panel;
    ex->ctx.sigma = ex->sigma;
    ex->ctx.adv = ex->adv;
    ex->ctx.hl_spread = ex->hl_spread;
    ex->ctx.values = &ex->opts.model_values;
    /* The fixed model reads none of the statistics: skip their
     * O(steps x assets x window) pass (it dominated a Monte Carlo path). */
    if (ex->opts.model != &hs_cost_fixed)
        compute_stats(ex);
    else
        for (size_t i = 0; i < nm; i++)
            ex->sigma[i] = ex->adv[i] = ex->hl_spread[i] = NAN;
    set_rates(ex);
    *out = ex;
    return 0;
}

int hs_exec_refresh(hs_exec *ex, const hs_exec_opts *opts)
{
    const hs_panel *panel = ex->ctx.panel;
    if (opts) {
        const hs_cost_type *model = opts->model ? opts->model : &hs_cost_fixed;
        if (model != ex->opts.model || opts->fill != ex->opts.fill ||
            (opts->window ? opts->window : 20) != ex->opts.window ||
            (opts->model && opts->model_values.table != opts->model->params))
            return hs_error_set(HS_EINVAL,
                                "exec refresh: only the fee, the slippage "
                                "model's values and the close slippage may "
                                "change");
        ex->opts.fee_bps = opts->fee_bps;
        ex->opts.close_slippage_bps = opts->close_slippage_bps;
        if (opts->model)
            ex->opts.model_values = opts->model_values;
    }
    /* The fixed model's statistics stay NaN: nothing to recompute. */
    if (ex->opts.model != &hs_cost_fixed && panel->n_steps)
        compute_stats(ex);
    set_rates(ex);
    return 0;
}

void hs_exec_free(hs_exec *ex)
{
    if (!ex)
        return;
    free(ex->sigma);
    free(ex->adv);
    free(ex->hl_spread);
    free(ex);
}

void hs_exec_fill(const hs_exec *ex, size_t a, size_t t, double qty,
                  double ref, int at_close, hs_fill *out)
{
    hs_exec__fill(ex, a, t, qty, ref, at_close, out);
}

hs_fill_rule hs_exec_rule(const hs_exec *ex) { return ex->opts.fill; }

const char *hs_exec_model_name(const hs_exec *ex)
{
    return ex->opts.model->name;
}
