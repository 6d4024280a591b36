/* Scenario framework: a model prepared once over the history panel, and
 * per-thread paths whose panels are allocated once and refilled: warm-up
 * rows copied from the end of history, then the type's draws turned into
 * bars (open = previous close, close = open * exp(r)). */
#include "hedgesim/scenario.h"
#include "hedgesim/errors.h"
#include "hedgesim/fastexp.h"
#include "hedgesim/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DESC_MAX 4096

struct hs_scenario {
    const hs_scenario_type *type;
    void *model;
    const hs_panel *hist;
    hs_scenario_layout layout;
    uint8_t alive[HS_SCENARIO_MAX_ASSETS];
    size_t warm, steps;
    /* Last values of history, carried into the simulated steps. */
    double last_close[HS_SCENARIO_MAX_ASSETS];
    double *last_volume;   /* [n_assets of the panel] */
    double last_funding;   /* perp column, per step */
    double last_vix;       /* NAN: none */
    double last_rate;
    int *copy_of;          /* [panel columns] model index the column copies
                            * (a second benchmark column), or -1 */
    /* What a fill writes, listed once: the simulated model assets (model
     * index and column) and the columns that copy one of them (the perp
     * and second benchmark columns: column and source column). */
    size_t n_sim, n_copy;
    int sim_i[HS_SCENARIO_MAX_ASSETS], sim_col[HS_SCENARIO_MAX_ASSETS];
    int *copy_dst, *copy_src; /* [n_copy] */
    char desc[DESC_MAX];
};

struct hs_scenario_path {
    const hs_scenario *sc;
    hs_panel *panel;
    hs_scenario_rngs rng;
    hs_scenario_draw draw;
    double *growth; /* [steps * n] exp of draw.ret */
    void *scratch;
};

const hs_scenario_type *const hs_scenario_types[] = {
    &hs_scenario_regime, &hs_scenario_bootstrap, NULL};

const hs_scenario_type *hs_scenario_find(const char *name)
{
    for (size_t i = 0; hs_scenario_types[i]; i++)
        if (name && !strcmp(hs_scenario_types[i]->name, name))
            return hs_scenario_types[i];
    return NULL;
}

static int check_layout(const hs_panel *h, const hs_scenario_layout *l)
{
    const int na = (int)h->n_assets;
    if (l->n == 0 || l->n > HS_SCENARIO_MAX_ASSETS)
        return hs_error_set(HS_EINVAL, "scenario: %zu model assets (1 .. %d)",
                            l->n, HS_SCENARIO_MAX_ASSETS);
    if (l->bench < 0 || (size_t)l->bench >= l->n)
        return hs_error_set(HS_EINVAL, "scenario: benchmark index %d", l->bench);
    for (size_t i = 0; i < l->n; i++)
        if (l->col[i] < 0 || l->col[i] >= na)
            return hs_error_set(HS_EINVAL, "scenario: column %d out of range",
                                l->col[i]);
    if (l->perp_col >= na || l->vol_col >= na)
        return hs_error_set(HS_EINVAL, "scenario: perp or vol column out of "
                                       "range");
    return 0;
}

int hs_scenario_new(hs_scenario **out, const hs_scenario_type *type,
                    const void *params, const hs_panel *hist,
                    const hs_scenario_layout *layout,
                    const hs_scenario_opts *opts)
{
    hs_scenario *sc = NULL;
    int rc;
    *out = NULL;
    if (!type || type->version != HS_SCENARIO_TYPE_VERSION || !type->prepare ||
        !type->free || !type->draw)
        return hs_error_set(HS_EINVAL, "scenario: incomplete model type");
    if (opts->steps == 0)
        return hs_error_set(HS_ECONFIG, "scenario: the horizon is 0 steps "
                                        "([mc] steps must be >= 1)");
    if (opts->warm == 0 || opts->warm > hist->n_steps)
        return hs_error_set(HS_EINVAL,
                            "scenario: %zu warm-up steps, the history has %zu",
                            opts->warm, hist->n_steps);
    if ((rc = check_layout(hist, layout)))
        return rc;
    sc = calloc(1, sizeof *sc);
    if (!sc)
        return hs_error_set(HS_ENOMEM, "out of memory");
    sc->type = type;
    sc->hist = hist;
    sc->layout = *layout;
    sc->warm = opts->warm;
    sc->steps = opts->steps;
    const size_t na = hist->n_assets, last = hist->n_steps - 1;
    sc->last_volume = calloc(na, sizeof *sc->last_volume);
    sc->copy_of = malloc(na * sizeof *sc->copy_of);
    sc->copy_dst = malloc(na * sizeof *sc->copy_dst);
    sc->copy_src = malloc(na * sizeof *sc->copy_src);
    if (!sc->last_volume || !sc->copy_of || !sc->copy_dst || !sc->copy_src) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t a = 0; a < na; a++) {
        double v = hist->volume[last * na + a];
        sc->last_volume[a] = isfinite(v) ? v : 0.0;
        sc->copy_of[a] = -1;
    }
    for (size_t i = 0; i < layout->n; i++) {
        size_t c = (size_t)layout->col[i];
        sc->alive[i] = hist->state[last * na + c] != HS_BAR_ABSENT &&
                       isfinite(hist->close[last * na + c]);
        sc->last_close[i] = hist->close[last * na + c];
    }
    if (!sc->alive[layout->bench]) {
        rc = hs_error_set(HS_EDATA,
                          "scenario: the benchmark %s has no bar at the end "
                          "of the history",
                          hist->symbol[layout->col[layout->bench]]);
        goto fail;
    }
    /* Other columns that carry a model asset's symbol (a spot hedge equal
     * to the benchmark is its own column) copy its simulated prices. */
    for (size_t a = 0; a < na; a++) {
        int mapped = (int)a == layout->perp_col || (int)a == layout->vol_col;
        for (size_t i = 0; i < layout->n && !mapped; i++)
            mapped = layout->col[i] == (int)a;
        for (size_t i = 0; i < layout->n && !mapped; i++)
            if (!strcmp(hist->symbol[a], hist->symbol[layout->col[i]]))
                sc->copy_of[a] = (int)i, mapped = 1;
    }
    for (size_t i = 0; i < layout->n; i++)
        if (sc->alive[i]) {
            sc->sim_i[sc->n_sim] = (int)i;
            sc->sim_col[sc->n_sim++] = layout->col[i];
        }
    for (size_t a = 0; a < na; a++) {
        int m = (int)a == layout->perp_col ? layout->bench : sc->copy_of[a];
        if (m >= 0 && sc->alive[m]) {
            sc->copy_dst[sc->n_copy] = (int)a;
            sc->copy_src[sc->n_copy++] = layout->col[m];
        }
    }
    sc->last_funding = 0;
    if (layout->perp_col >= 0) {
        double f = hist->funding[last * na + (size_t)layout->perp_col];
        sc->last_funding = isfinite(f) ? f : 0.0;
    }
    sc->last_vix = NAN;
    if (layout->vol_col >= 0 &&
        hist->state[last * na + (size_t)layout->vol_col] != HS_BAR_ABSENT)
        sc->last_vix = hist->close[last * na + (size_t)layout->vol_col];
    sc->last_rate = isfinite(hist->rate[last]) ? hist->rate[last] : 0.0;

    hs_scenario_input in = {.params = params,
                            .history = hist,
                            .layout = &sc->layout,
                            .alive = sc->alive,
                            .steps = sc->steps};
    if ((rc = type->prepare(&sc->model, &in)))
        goto fail;
    if (type->describe)
        type->describe(sc->model, sc->desc, sizeof sc->desc);
    *out = sc;
    return 0;
fail:
    hs_scenario_free(sc);
    return rc;
}

void hs_scenario_free(hs_scenario *sc)
{
    if (!sc)
        return;
    if (sc->model)
        sc->type->free(sc->model);
    free(sc->last_volume);
    free(sc->copy_of);
    free(sc->copy_dst);
    free(sc->copy_src);
    free(sc);
}

const hs_scenario_type *hs_scenario_get_type(const hs_scenario *sc)
{
    return sc->type;
}
const char *hs_scenario_describe(const hs_scenario *sc) { return sc->desc; }
size_t hs_scenario_warm(const hs_scenario *sc) { return sc->warm; }
size_t hs_scenario_steps(const hs_scenario *sc) { return sc->steps; }

/* ------------------------------------------------------------------ paths */

void hs_scenario_path_free(hs_scenario_path *pp)
{
    if (!pp)
        return;
    hs_panel_free(pp->panel);
    gsl_rng_free(pp->rng.regime);
    gsl_rng_free(pp->rng.returns);
    gsl_rng_free(pp->rng.jumps);
    gsl_rng_free(pp->rng.bootstrap);
    free(pp->draw.ret);
    free(pp->draw.regime);
    free(pp->draw.funding);
    free(pp->draw.vol_index);
    free(pp->growth);
    free(pp->scratch);
    free(pp);
}

/* The fixed part of a path panel: symbols, the warm-up rows, times and the
 * states of the simulated rows (a model asset that no longer trades stays
 * absent). */
static void init_panel(const hs_scenario *sc, hs_panel *p)
{
    const hs_panel *h = sc->hist;
    const size_t na = h->n_assets, w = sc->warm, h0 = h->n_steps - w;
    memcpy(p->symbol, h->symbol, na * sizeof *p->symbol);
    memcpy(p->time, h->time + h0, w * sizeof *p->time);
    memcpy(p->rate, h->rate + h0, w * sizeof *p->rate);
#define COPY(f) memcpy(p->f, h->f + h0 * na, w * na * sizeof *p->f)
    COPY(open);
    COPY(high);
    COPY(low);
    COPY(close);
    COPY(volume);
    COPY(state);
    COPY(funding);
#undef COPY
    for (size_t t = w; t < p->n_steps; t++) {
        p->time[t] = p->time[w - 1] + (int64_t)(t - w + 1) * p->step_ms;
        p->rate[t] = sc->last_rate;
        for (size_t a = 0; a < na; a++) {
            size_t i = t * na + a;
            p->state[i] = HS_BAR_ABSENT;
            p->open[i] = p->high[i] = p->low[i] = p->close[i] = NAN;
            p->volume[i] = 0;
            p->funding[i] = 0;
        }
    }
    const hs_scenario_layout *l = &sc->layout;
    for (size_t t = w; t < p->n_steps; t++) {
        for (size_t i = 0; i < l->n; i++)
            if (sc->alive[i])
                p->state[t * na + (size_t)l->col[i]] = HS_BAR_OK;
        for (size_t a = 0; a < na; a++)
            if (sc->copy_of[a] >= 0 && sc->alive[sc->copy_of[a]])
                p->state[t * na + a] = HS_BAR_OK;
        if (l->perp_col >= 0)
            p->state[t * na + (size_t)l->perp_col] = HS_BAR_OK;
        if (l->vol_col >= 0 && isfinite(sc->last_vix))
            p->state[t * na + (size_t)l->vol_col] = HS_BAR_OK;
        /* The volumes stay those of the last bar of history on every
         * path: written here once, not by each fill. */
        for (size_t j = 0; j < sc->n_sim; j++)
            p->volume[t * na + (size_t)sc->sim_col[j]] =
                sc->last_volume[sc->sim_col[j]];
        for (size_t j = 0; j < sc->n_copy; j++)
            p->volume[t * na + (size_t)sc->copy_dst[j]] =
                sc->last_volume[sc->copy_dst[j]];
    }
    hs_panel_finish(p);
    for (size_t a = 0; a < na; a++)
        p->delisted[a] = h->delisted[a] && p->last[a] < (int32_t)p->n_steps - 1;
}

int hs_scenario_path_new(hs_scenario_path **out, const hs_scenario *sc)
{
    hs_scenario_path *pp;
    const size_t n = sc->layout.n, s = sc->steps;
    int rc;
    *out = NULL;
    pp = calloc(1, sizeof *pp);
    if (!pp)
        return hs_error_set(HS_ENOMEM, "out of memory");
    pp->sc = sc;
    if ((rc = hs_panel_new(&pp->panel, sc->warm + s, sc->hist->n_assets,
                           sc->hist->step_ms)) ||
        (rc = hs_rng_new(&pp->rng.regime, 0, 0, HS_RNG_REGIME)) ||
        (rc = hs_rng_new(&pp->rng.returns, 0, 0, HS_RNG_RETURNS)) ||
        (rc = hs_rng_new(&pp->rng.jumps, 0, 0, HS_RNG_JUMPS)) ||
        (rc = hs_rng_new(&pp->rng.bootstrap, 0, 0, HS_RNG_BOOTSTRAP)))
        goto fail;
    size_t scratch = sc->type->scratch_size ? sc->type->scratch_size(sc->model)
                                            : 0;
    pp->draw.steps = s;
    pp->draw.n = n;
    pp->draw.ret = malloc(s * n * sizeof *pp->draw.ret);
    pp->draw.regime = calloc(s, sizeof *pp->draw.regime);
    pp->draw.funding = malloc(s * sizeof *pp->draw.funding);
    pp->draw.vol_index = malloc(s * sizeof *pp->draw.vol_index);
    pp->growth = malloc(s * n * sizeof *pp->growth);
    pp->scratch = malloc(scratch ? scratch : 1);
    if (!pp->draw.ret || !pp->draw.regime || !pp->draw.funding ||
        !pp->draw.vol_index || !pp->growth || !pp->scratch) {
        rc = hs_error_set(HS_ENOMEM, "out of memory for a path of %zu steps",
                          s);
        goto fail;
    }
    for (size_t i = 0; i < s * n; i++)
        pp->draw.ret[i] = NAN; /* assets that are not simulated stay NaN */
    init_panel(sc, pp->panel);
    *out = pp;
    return 0;
fail:
    hs_scenario_path_free(pp);
    return rc;
}

int hs_scenario_fill(hs_scenario_path *pp, uint64_t seed, uint64_t path)
{
    const hs_scenario *sc = pp->sc;
    const hs_scenario_layout *l = &sc->layout;
    hs_panel *p = pp->panel;
    const size_t na = p->n_assets, n = l->n, w = sc->warm;
    int rc;
    hs_rng_reset(pp->rng.regime, seed, path, HS_RNG_REGIME);
    hs_rng_reset(pp->rng.returns, seed, path, HS_RNG_RETURNS);
    hs_rng_reset(pp->rng.jumps, seed, path, HS_RNG_JUMPS);
    hs_rng_reset(pp->rng.bootstrap, seed, path, HS_RNG_BOOTSTRAP);
    if ((rc = sc->type->draw(sc->model, pp->scratch, &pp->rng, &pp->draw)))
        return rc;
    p->notes[0] = '\0';
    /* Every step's growth factors at once: the whole path's log returns
     * are one array, which hs_exp_array takes two at a time. */
    hs_exp_array(pp->draw.ret, pp->growth, sc->steps * n);
    double vix = sc->last_vix;
    double *restrict op = p->open, *restrict hi = p->high, *restrict lo = p->low,
                     *restrict cl = p->close;
    for (size_t t = 0; t < sc->steps; t++) {
        const size_t row = (w + t) * na;
        const double *g = pp->growth + t * n;
        /* open = the previous close, close = open * exp(r) */
        for (size_t j = 0; j < sc->n_sim; j++) {
            const size_t c = row + (size_t)sc->sim_col[j];
            const double o = cl[c - na], x = o * g[sc->sim_i[j]];
            op[c] = o;
            cl[c] = x;
            hi[c] = o > x ? o : x;
            lo[c] = o < x ? o : x;
        }
        for (size_t j = 0; j < sc->n_copy; j++) {
            const size_t d = row + (size_t)sc->copy_dst[j],
                         src = row + (size_t)sc->copy_src[j];
            op[d] = op[src];
            hi[d] = hi[src];
            lo[d] = lo[src];
            cl[d] = cl[src];
        }
        if (l->perp_col >= 0) {
            double f = pp->draw.funding[t];
            p->funding[row + (size_t)l->perp_col] =
                isfinite(f) ? f : sc->last_funding;
        }
        if (l->vol_col >= 0 && isfinite(sc->last_vix)) {
            if (isfinite(pp->draw.vol_index[t]))
                vix = pp->draw.vol_index[t];
            const size_t c = row + (size_t)l->vol_col;
            op[c] = hi[c] = lo[c] = cl[c] = vix;
        }
    }
    return 0;
}

hs_panel *hs_scenario_path_panel(hs_scenario_path *pp) { return pp->panel; }
const uint8_t *hs_scenario_path_regimes(const hs_scenario_path *pp)
{
    return pp->draw.regime;
}
const double *hs_scenario_path_returns(const hs_scenario_path *pp)
{
    return pp->draw.ret;
}
