/* The Monte Carlo runner: a scenario model over the config's history, paths
 * on threads (path p always from the streams of (seed, p, .) and into row
 * p, whichever thread runs it), one panel and one plan per thread, the
 * panel refilled and the plan reset for every path. */
#include "mc_int.h"
#include "hedgesim/errors.h"
#include "hedgesim/calendar.h"
#include "hedgesim/calibrate.h"
#include "hedgesim/plan.h"
#include "hedgesim/rng.h"
#include "hedgesim/stress.h"

#include <gsl/gsl_statistics_double.h>

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Workers take paths PATH_CHUNK at a time, so that neighbouring paths,
 * whose band values share cache lines, are written by one thread. */
#define PATH_CHUNK 8
#define LINE_BYTES 64
#define LINE_DOUBLES (LINE_BYTES / sizeof(double))

const double hs_mc_band_levels[HS_MC_N_BANDS] = {1, 5, 25, 50, 75, 95, 99};

struct hs_mc {
    const hs_config *cfg;
    const hs_registry *reg;
    hs_mc_opts o;
    hs_plan *base;           /* the history plan: owns the history panel */
    hs_scenario *sc;
    size_t warm, steps, n_runs, band_paths;
    size_t band_stride;      /* band_paths rounded up to a cache line */
    char run_name[HS_CONFIG_MAX_RUNS][64];
    char run_type[HS_CONFIG_MAX_RUNS][64];
    hs_mc_row *rows;         /* [n_runs * paths] */
    double *band_pnl, *band_hr; /* [n_runs * steps * band_stride], step-major,
                                 * each step's row on its own cache lines */
    double *kept_pnl, *kept_hr; /* [n_runs * keep * steps] */
    int has_regimes, stress;
    int random_costs;        /* [mc] fee_bps or slippage_bps is a range */
    int slip_index;          /* slippage_bps in the cost model's values, or
                              * -1 (another model) */
    /* Run state. */
    atomic_size_t next, done;
    atomic_uint drained;     /* workers told by next_chunk that no work is left */
    atomic_int failed;
    pthread_mutex_t lock;
    int err_rc;
    char err_msg[1024];
    int ran;                 /* 1 after a complete hs_mc_run */
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Model assets in the history panel, the perp and the vol index. */
static int make_layout(const hs_mc *mc, const hs_panel *h,
                       hs_scenario_layout *l)
{
    const hs_config *cfg = mc->cfg;
    const hs_mc_config *m = &cfg->mc;
    memset(l, 0, sizeof *l);
    l->n = m->n_symbols;
    l->bench = 0;
    for (size_t i = 0; i < m->n_symbols; i++) {
        l->col[i] = hs_panel_find(h, m->symbols[i]);
        if (l->col[i] < 0)
            return hs_error_set(HS_EDATA, "%s: the history has no %s",
                                cfg->path, m->symbols[i]);
    }
    l->perp_col = -1;
    int spot = 0;
    for (size_t i = 0; i < m->n_symbols; i++)
        spot |= !strcmp(m->symbols[i], cfg->instrument);
    if (!spot)
        for (size_t a = 0; a < h->n_assets; a++)
            if (!strcmp(h->symbol[a], cfg->instrument))
                l->perp_col = (int)a;
    l->vol_col = -1;
    if (cfg->has_options && cfg->opt_vol_index[0])
        l->vol_col = hs_panel_find(h, cfg->opt_vol_index);
    return 0;
}

/* [mc] calibrate = START..END: the regimes fitted to that window of history
 * (docs/montecarlo.md#calibration) instead of [mc.regime.NAME] sections.
 * The model assets' per-step log returns between real bars go to
 * hs_regime_fit_new with as many regimes as [mc] regimes names; the fit's
 * crash jumps belong to the stress regime (the fit finds them there), the
 * funding of every regime is the config's constant rate, and the start
 * regime, the stress regime, repair and a forced shift stay as configured. */
static int calibrate_regimes(const hs_mc *mc, hs_store *store,
                             hs_regime_params *rp)
{
    const hs_config *cfg = mc->cfg;
    const hs_mc_config *m = &cfg->mc;
    const size_t n = m->n_symbols, k = m->regime.k;
    hs_window w;
    hs_config *wc = NULL;
    hs_plan *pl = NULL;
    hs_regime_fit *fit = NULL;
    double *ret = NULL, *bench = NULL;
    int col[HS_SCENARIO_MAX_ASSETS], rc;
    memset(&w, 0, sizeof w);
    snprintf(w.name, sizeof w.name, "calibrate");
    w.start = m->calibrate_from;
    w.end = m->calibrate_to;
    if ((rc = hs_window_config(cfg, &w, &wc)) ||
        (rc = hs_plan_new(&pl, wc, mc->reg, store, NULL)))
        goto done;
    const hs_panel *p = hs_plan_panel(pl);
    const size_t lf = hs_plan_live_from(pl), na = p->n_assets;
    const size_t n_obs = p->n_steps - lf;
    for (size_t i = 0; i < n; i++)
        if ((col[i] = hs_panel_find(p, m->symbols[i])) < 0) {
            rc = hs_error_set(HS_EDATA, "the history has no %s",
                              m->symbols[i]);
            goto done;
        }
    ret = malloc((n_obs ? n_obs : 1) * n * sizeof *ret);
    bench = malloc((n_obs ? n_obs : 1) * sizeof *bench);
    if (!ret || !bench) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t o = 0; o < n_obs; o++) {
        const size_t t = lf + o;
        for (size_t i = 0; i < n; i++) {
            const size_t a = t * na + (size_t)col[i];
            ret[o * n + i] = t > 0 && p->state[a] == HS_BAR_OK &&
                                     p->state[a - na] == HS_BAR_OK
                                 ? log(p->close[a] / p->close[a - na])
                                 : NAN;
        }
        bench[o] = ret[o * n]; /* model asset 0 is the benchmark */
    }
    hs_fit_opts fo = HS_FIT_OPTS_INIT;
    if ((rc = hs_regime_fit_new(&fit, bench, ret, n_obs, n, k, &fo)) ||
        (rc = hs_regime_params_from_moments(
             rp, k, n, fit->trans, fit->mean, fit->vol, fit->corr, fit->beta,
             fit->jump_rate, fit->jump_mean, fit->jump_sd)))
        goto done;
    const double ppy = hs_plan_periods_per_year(cfg);
    for (size_t r = 0; r < k; r++) {
        hs_regime_spec *g = &rp->r[r];
        snprintf(g->name, sizeof g->name, "%s", m->regime.r[r].name);
        if (r + 1 != k)
            g->jump_rate = 0; /* the fit's jumps are the stress regime's */
        g->funding =
            cfg->funding_rate * (24.0 / cfg->funding_hours) * 365.0 / ppy;
        g->vol_index = NAN;
    }
    rp->start = m->regime.start;
    rp->stress = m->regime.stress;
    rp->repair = m->regime.repair;
    rp->shift_from = m->regime.shift_from;
    rp->shift_steps = m->regime.shift_steps;
    rp->shift_regime = m->regime.shift_regime;
    rp->shift_corr = m->regime.shift_corr;
    rp->shift_vol = m->regime.shift_vol;
done:
    if (rc)
        hs_error_prefix("%s: [mc] calibrate: ", cfg->path);
    hs_regime_fit_free(fit);
    free(ret);
    free(bench);
    hs_plan_free(pl);
    hs_config_free(wc);
    return rc;
}

int hs_mc_new(hs_mc **out, const hs_config *cfg, const hs_registry *reg,
              hs_store *store, const hs_mc_opts *opts)
{
    hs_mc *mc = NULL;
    int rc;
    *out = NULL;
    if (!cfg->mc.present)
        return hs_error_set(HS_ECONFIG,
                            "%s has no [mc] section: nothing to simulate "
                            "(docs/montecarlo.md)",
                            cfg->path);
    if (opts->paths == 0)
        return hs_error_set(HS_ECONFIG, "0 paths: at least 1, please");
    if (opts->threads == 0 || opts->threads > 1024)
        return hs_error_set(HS_ECONFIG, "%u threads: 1 .. 1024, please",
                            opts->threads);
    if (opts->keep_paths > opts->paths)
        return hs_error_set(HS_ECONFIG, "--keep-paths %zu > %zu paths",
                            opts->keep_paths, opts->paths);
    mc = calloc(1, sizeof *mc);
    if (!mc)
        return hs_error_set(HS_ENOMEM, "out of memory");
    pthread_mutex_init(&mc->lock, NULL);
    mc->cfg = cfg;
    mc->reg = reg;
    mc->o = *opts;
    if (!mc->o.band_limit)
        mc->o.band_limit = HS_MC_BAND_LIMIT;
    if ((rc = hs_plan_new(&mc->base, cfg, reg, store, NULL)))
        goto fail;
    const hs_panel *h = hs_plan_panel(mc->base);
    mc->warm = hs_plan_live_from(mc->base);
    mc->steps = cfg->mc.steps;
    hs_scenario_layout l;
    if ((rc = make_layout(mc, h, &l)))
        goto fail;
    const hs_scenario_type *type = hs_scenario_find(cfg->mc.model);
    const void *params = NULL;
    hs_regime_params rp;
    if (!type) {
        rc = hs_error_set(HS_ECONFIG, "%s: [mc] model %s is unknown",
                          cfg->path, cfg->mc.model);
        goto fail;
    }
    if (type == &hs_scenario_regime) {
        rp = cfg->mc.regime;
        if ((cfg->mc.calibrate_from || cfg->mc.calibrate_to) &&
            (rc = calibrate_regimes(mc, store, &rp)))
            goto fail;
        params = &rp;
        mc->has_regimes = rp.k > 1; /* one regime: no stress split */
        mc->stress = rp.stress;
    } else {
        params = &cfg->mc.bootstrap;
    }
    hs_scenario_opts so = {.warm = mc->warm, .steps = mc->steps};
    if ((rc = hs_scenario_new(&mc->sc, type, params, h, &l, &so))) {
        hs_error_prefix("%s: [mc]: ", cfg->path);
        goto fail;
    }
    mc->n_runs = hs_plan_n_runs(mc->base);
    for (size_t i = 0; i < mc->n_runs; i++) {
        const hs_run_spec *s = hs_plan_spec(mc->base, i);
        snprintf(mc->run_name[i], sizeof mc->run_name[i], "%s", s->name);
        snprintf(mc->run_type[i], sizeof mc->run_type[i], "%s",
                 s->type->name);
    }
    mc->random_costs = cfg->mc.fee_random || cfg->mc.slippage_random;
    mc->slip_index = cfg->exec.model
                         ? hs_param_index(cfg->exec.model->params,
                                          "slippage_bps")
                         : -1;
    /* (a slippage range with another model is refused by the config) */
    mc->band_paths = mc->o.band_limit / mc->steps;
    if (mc->band_paths > opts->paths)
        mc->band_paths = opts->paths;
    if (mc->band_paths == 0)
        mc->band_paths = 1;
    mc->band_stride = (mc->band_paths + LINE_DOUBLES - 1) / LINE_DOUBLES *
                      LINE_DOUBLES;
    const size_t nr = mc->n_runs, bands = nr * mc->steps * mc->band_stride,
                 kept = nr * mc->o.keep_paths * mc->steps;
    mc->rows = calloc(nr * opts->paths, sizeof *mc->rows);
    mc->band_pnl = aligned_alloc(LINE_BYTES, bands * sizeof(double));
    mc->band_hr = aligned_alloc(LINE_BYTES, bands * sizeof(double));
    mc->kept_pnl = malloc((kept ? kept : 1) * sizeof(double));
    mc->kept_hr = malloc((kept ? kept : 1) * sizeof(double));
    if (!mc->rows || !mc->band_pnl || !mc->band_hr || !mc->kept_pnl ||
        !mc->kept_hr) {
        rc = hs_error_set(HS_ENOMEM,
                          "out of memory for %zu paths x %zu runs (bands over "
                          "%zu paths of %zu steps)",
                          opts->paths, nr, mc->band_paths, mc->steps);
        goto fail;
    }
    *out = mc;
    return 0;
fail:
    hs_mc_free(mc);
    return rc;
}

void hs_mc_free(hs_mc *mc)
{
    if (!mc)
        return;
    hs_scenario_free(mc->sc);
    hs_plan_free(mc->base);
    free(mc->rows);
    free(mc->band_pnl);
    free(mc->band_hr);
    free(mc->kept_pnl);
    free(mc->kept_hr);
    pthread_mutex_destroy(&mc->lock);
    free(mc);
}

/* Record the first error of any worker. */
static void fail_path(hs_mc *mc, int rc, size_t p)
{
    pthread_mutex_lock(&mc->lock);
    if (!mc->err_rc) {
        mc->err_rc = rc;
        if (p == (size_t)-1) /* not a path's error */
            snprintf(mc->err_msg, sizeof mc->err_msg, "%s", hs_error_last());
        else
            snprintf(mc->err_msg, sizeof mc->err_msg, "path %zu: %s", p,
                     hs_error_last());
    }
    pthread_mutex_unlock(&mc->lock);
    atomic_store(&mc->failed, 1);
}

/* One worker's path panel and the plan over it, made on its first path and
 * reset for every other (hs_plan_reset): no allocation per path. */
typedef struct worker_state {
    hs_scenario_path *pp;
    hs_plan *plan;
    gsl_rng *costs;          /* the (seed, p, HS_RNG_COSTS) stream */
} worker_state;

/* Path p's fees and slippage into *ex (the config's, with [mc] fee_bps and
 * slippage_bps drawn uniformly in their ranges) and its row's record.  Two
 * uniforms from the path's own costs stream, the fee's first, whatever is
 * random: the other draws of the path do not change, nor does one range
 * change the other's draws. */
static void path_costs(const hs_mc *mc, worker_state *ws, size_t p,
                       hs_exec_opts *ex, double *fee, double *slip)
{
    const hs_mc_config *m = &mc->cfg->mc;
    *ex = mc->cfg->exec;
    if (mc->random_costs) {
        hs_rng_reset(ws->costs, mc->o.seed, p, HS_RNG_COSTS);
        const double u1 = gsl_rng_uniform(ws->costs),
                     u2 = gsl_rng_uniform(ws->costs);
        if (m->fee_random)
            ex->fee_bps = m->fee_lo + (m->fee_hi - m->fee_lo) * u1;
        if (m->slippage_random)
            ex->model_values.num[mc->slip_index] =
                m->slippage_lo + (m->slippage_hi - m->slippage_lo) * u2;
    }
    *fee = ex->fee_bps;
    *slip = mc->slip_index >= 0 ? ex->model_values.num[mc->slip_index] : NAN;
}

/* Run path p over the worker's refilled panel and record its results. */
static int one_path(hs_mc *mc, worker_state *ws, size_t p)
{
    const hs_config *cfg = mc->cfg;
    hs_scenario_path *pp = ws->pp;
    int rc;
    hs_exec_opts ex;
    double fee, slip;
    path_costs(mc, ws, p, &ex, &fee, &slip);
    if ((rc = hs_scenario_fill(pp, mc->o.seed, p)))
        goto done;
    if (!ws->plan) {
        hs_plan_opts po = HS_PLAN_OPTS_INIT;
        po.panel = hs_scenario_path_panel(pp);
        po.live_from = mc->warm;
        po.summary_only = 1; /* a path keeps its metrics, equity and hedge
                              * ratio, nothing else */
        if ((rc = hs_plan_new(&ws->plan, cfg, mc->reg, NULL, &po)) ||
            (mc->random_costs && (rc = hs_plan_reset(ws->plan, &ex))))
            goto done;
    } else if ((rc = hs_plan_reset(ws->plan, mc->random_costs ? &ex : NULL))) {
        goto done;
    }
    hs_plan *plan = ws->plan;
    if ((rc = hs_plan_run_strict(plan)))
        goto done;
    const uint8_t *reg = hs_scenario_path_regimes(pp);
    double share = NAN;
    if (mc->has_regimes) {
        size_t in = 0;
        for (size_t t = 0; t < mc->steps; t++)
            in += reg[t] == (uint8_t)mc->stress;
        share = (double)in / (double)mc->steps;
    }
    const size_t S = mc->steps, B = mc->band_paths, BS = mc->band_stride,
                 K = mc->o.keep_paths;
    for (size_t i = 0; i < mc->n_runs; i++) {
        const hs_metrics *m = hs_plan_metrics(plan, i);
        const hs_run_series *s = hs_plan_series(plan, i);
        hs_mc_row *row = &mc->rows[i * mc->o.paths + p];
        const double *eq = s->equity + mc->warm, *hr = s->hedge_ratio + mc->warm;
        row->he = m->hedge_effectiveness;
        row->te = m->tracking_error;
        row->pnl = eq[S - 1] - cfg->capital;
        row->max_drawdown = m->max_drawdown;
        row->cvar95 = m->cvar95;
        row->costs = m->fees + m->slippage;
        row->funding = m->funding;
        row->premium = m->premium;
        row->stress_share = share;
        row->fee_bps = fee;
        row->slippage_bps = slip;
        if (p < B) {
            double *bp = mc->band_pnl + i * S * BS,
                   *bh = mc->band_hr + i * S * BS;
            for (size_t t = 0; t < S; t++) {
                bp[t * BS + p] = eq[t] - cfg->capital;
                bh[t * BS + p] = hr[t];
            }
        }
        if (p < K) {
            double *kp = mc->kept_pnl + (i * K + p) * S,
                   *kh = mc->kept_hr + (i * K + p) * S;
            for (size_t t = 0; t < S; t++) {
                kp[t] = eq[t] - cfg->capital;
                kh[t] = hr[t];
            }
        }
    }
done:
    if (rc)
        hs_error_prefix("%s: ", cfg->path);
    return rc;
}

/* The next chunk [*p, *end) from opts.next_chunk, one caller at a time;
 * *p == *end when no work is left. */
static int next_chunk(hs_mc *mc, size_t *p, size_t *end)
{
    size_t first = 0, count = 0;
    pthread_mutex_lock(&mc->lock);
    int rc = mc->o.next_chunk(mc->o.chunk_ctx, &first, &count);
    pthread_mutex_unlock(&mc->lock);
    if (!rc && (first > mc->o.paths || count > mc->o.paths - first))
        rc = hs_error_set(HS_EINVAL, "work chunk of paths %zu + %zu is "
                          "outside 0 .. %zu", first, count, mc->o.paths);
    if (rc) {
        fail_path(mc, rc, (size_t)-1);
        return rc;
    }
    *p = first;
    *end = first + count;
    return 0;
}

static void *worker(void *arg)
{
    hs_mc *mc = arg;
    worker_state ws = {NULL, NULL, NULL};
    int rc = hs_scenario_path_new(&ws.pp, mc->sc);
    if (!rc)
        rc = hs_rng_new(&ws.costs, mc->o.seed, 0, HS_RNG_COSTS);
    if (rc) {
        fail_path(mc, rc, 0);
        hs_scenario_path_free(ws.pp);
        return NULL;
    }
    size_t p = 0, end = 0; /* the chunk handed out by next_chunk */
    for (;;) {
        if (atomic_load(&mc->failed) || (mc->o.stop && *mc->o.stop))
            break;
        if (mc->o.next_chunk) {
            if (p == end && (rc = next_chunk(mc, &p, &end)))
                break;
            if (p == end) {
                atomic_fetch_add(&mc->drained, 1);
                break;
            }
        } else if (p == end) {
            p = atomic_fetch_add(&mc->next, PATH_CHUNK);
            if (p >= mc->o.paths)
                break;
            end = p + PATH_CHUNK < mc->o.paths ? p + PATH_CHUNK : mc->o.paths;
        }
        if ((rc = one_path(mc, &ws, p))) {
            fail_path(mc, rc, p);
            break;
        }
        atomic_fetch_add(&mc->done, 1);
        p++;
    }
    hs_plan_free(ws.plan); /* before the panel it runs over */
    hs_scenario_path_free(ws.pp);
    gsl_rng_free(ws.costs);
    return NULL;
}

int hs_mc_run(hs_mc *mc)
{
    pthread_t th[1024];
    unsigned started = 0;
    const int64_t t0 = now_ns();
    atomic_store(&mc->next, 0);
    atomic_store(&mc->done, 0);
    atomic_store(&mc->failed, 0);
    atomic_store(&mc->drained, 0);
    mc->err_rc = 0;
    mc->ran = 0;
    /* what the successful hand-outs add up to; each worker then takes one
     * more chunk, past the end, and stops */
    const size_t handed_out =
        (mc->o.paths + PATH_CHUNK - 1) / PATH_CHUNK * PATH_CHUNK;
    for (unsigned i = 0; i < mc->o.threads; i++) {
        if (pthread_create(&th[i], NULL, worker, mc)) {
            fail_path(mc, hs_error_set(HS_ENOMEM, "cannot start thread %u", i),
                      0);
            break;
        }
        started++;
    }
    if (mc->o.progress) {
        for (;;) {
            size_t d = atomic_load(&mc->done);
            mc->o.progress(mc->o.progress_ctx, d, mc->o.paths,
                           (double)(now_ns() - t0) * 1e-9);
            if (d >= mc->o.paths || atomic_load(&mc->failed) ||
                (mc->o.stop && *mc->o.stop) ||
                atomic_load(&mc->next) >= handed_out + started * PATH_CHUNK ||
                (mc->o.next_chunk && atomic_load(&mc->drained) >= started))
                break;
            struct timespec ts = {0, 200000000};
            nanosleep(&ts, NULL);
        }
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (mc->err_rc)
        return hs_error_set(mc->err_rc, "%s", mc->err_msg);
    if (mc->o.next_chunk) { /* shared work: complete once all are here */
        if (atomic_load(&mc->drained) < started)
            return 1;
        mc->ran = atomic_load(&mc->done) == mc->o.paths;
        return 0;
    }
    if (atomic_load(&mc->done) < mc->o.paths)
        return 1;
    mc->ran = 1;
    return 0;
}

size_t hs_mc_paths(const hs_mc *mc) { return mc->o.paths; }
size_t hs_mc_done(const hs_mc *mc) { return atomic_load(&mc->done); }
size_t hs_mc_steps(const hs_mc *mc) { return mc->steps; }
size_t hs_mc_band_paths(const hs_mc *mc) { return mc->band_paths; }
size_t hs_mc_n_runs(const hs_mc *mc) { return mc->n_runs; }
const char *hs_mc_run_name(const hs_mc *mc, size_t i) { return mc->run_name[i]; }
const char *hs_mc_run_type(const hs_mc *mc, size_t i) { return mc->run_type[i]; }
const hs_scenario *hs_mc_scenario(const hs_mc *mc) { return mc->sc; }
int hs_mc_has_regimes(const hs_mc *mc) { return mc->has_regimes; }
int hs_mc_random_costs(const hs_mc *mc) { return mc->random_costs; }
const hs_mc_row *hs_mc_row_of(const hs_mc *mc, size_t run, size_t p)
{
    return &mc->rows[run * mc->o.paths + p];
}

size_t hs_mc_path_bytes(const hs_mc *mc, size_t p)
{
    const size_t series = 2 * mc->steps * sizeof(double);
    return mc->n_runs * (sizeof(hs_mc_row) + (p < mc->band_paths ? series : 0) +
                         (p < mc->o.keep_paths ? series : 0));
}

/* Copy path p's results to `out` (pack) or from `in` (unpack): the arrays
 * are written through their own pointers, the runner is not. */
static void path_copy(const hs_mc *mc, size_t p, unsigned char *out,
                      const unsigned char *in)
{
    const size_t S = mc->steps, B = mc->band_paths, BS = mc->band_stride,
                 K = mc->o.keep_paths;
#define MOVE(x, n)                                                            \
    do {                                                                      \
        if (out)                                                              \
            memcpy(out, (x), (n)), out += (n);                                \
        else                                                                  \
            memcpy((x), in, (n)), in += (n);                                  \
    } while (0)
    for (size_t i = 0; i < mc->n_runs; i++) {
        MOVE(&mc->rows[i * mc->o.paths + p], sizeof(hs_mc_row));
        if (p < B)
            for (size_t t = 0; t < S; t++) {
                MOVE(&mc->band_pnl[(i * S + t) * BS + p], sizeof(double));
                MOVE(&mc->band_hr[(i * S + t) * BS + p], sizeof(double));
            }
        if (p < K) {
            MOVE(mc->kept_pnl + (i * K + p) * S, S * sizeof(double));
            MOVE(mc->kept_hr + (i * K + p) * S, S * sizeof(double));
        }
    }
#undef MOVE
}

void hs_mc_path_pack(const hs_mc *mc, size_t p, void *buf)
{
    path_copy(mc, p, buf, NULL);
}

int hs_mc_path_unpack(hs_mc *mc, size_t p, const void *buf)
{
    if (p >= mc->o.paths)
        return hs_error_set(HS_EINVAL, "path %zu of %zu paths", p,
                            mc->o.paths);
    path_copy(mc, p, NULL, buf);
    if (atomic_fetch_add(&mc->done, 1) + 1 == mc->o.paths)
        mc->ran = 1;
    return 0;
}

/* Rearrange x[lo, hi) so that for every rank r of rk[0 .. nr-1] (sorted,
 * all in [lo, hi)) x[r] holds the value a sort would put there: quickselect
 * (Hoare 1961, "Algorithm 65: Find", CACM 4(7)) for several ranks at once,
 * with a three-way partition around the median of three, so that runs of
 * equal values end it early.  It recurses into the smaller side, so the
 * depth stays below log2(n).  About n log2(ranks) comparisons, against
 * n log2(n) for a sort. */
static void select_ranks(double *x, size_t lo, size_t hi, const size_t *rk,
                         size_t nr)
{
    while (nr > 0 && hi - lo > 1) {
        if (hi - lo <= 16) { /* insertion sort */
            for (size_t i = lo + 1; i < hi; i++) {
                double v = x[i];
                size_t j = i;
                for (; j > lo && x[j - 1] > v; j--)
                    x[j] = x[j - 1];
                x[j] = v;
            }
            return;
        }
        double a = x[lo], b = x[lo + (hi - lo) / 2], c = x[hi - 1];
        double piv = a < b ? (b < c ? b : (a < c ? c : a))
                           : (a < c ? a : (b < c ? c : b));
        /* [lo, lt) < piv, [lt, i) == piv, [gt, hi) > piv */
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            double v = x[i];
            if (v < piv) {
                x[i++] = x[lt];
                x[lt++] = v;
            } else if (v > piv) {
                x[i] = x[--gt];
                x[gt] = v;
            } else {
                i++;
            }
        }
        size_t nl = 0, nh = nr;
        while (nl < nr && rk[nl] < lt)
            nl++;
        while (nh > nl && rk[nh - 1] >= gt)
            nh--;
        /* ranks [0, nl) lie left, [nh, nr) right, the rest equal piv */
        if (lt - lo < hi - gt) {
            select_ranks(x, lo, lt, rk, nl);
            lo = gt;
            rk += nh;
            nr -= nh;
        } else {
            select_ranks(x, gt, hi, rk + nh, nr - nh);
            hi = lt;
            nr = nl;
        }
    }
}

/* Quantiles (Hyndman and Fan type 7, as numpy's default, via
 * gsl_stats_quantile_from_sorted_data) of the finite values of x[n],
 * rearranged in place.  The quantile at level f reads the order statistics
 * at floor(f (m - 1)) and the one after, so only those are put in place,
 * with the values a full sort would give them.  NaN where none is finite. */
static void quantiles(double *x, size_t n, const double *lv, size_t nq,
                      double *out)
{
    size_t m = 0, rk[2 * HS_MC_N_BANDS] = {0}, nr = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            x[m++] = x[i];
    for (size_t q = 0; q < nq && m; q++) { /* levels ascend: so do ranks */
        size_t lhs = (size_t)(lv[q] / 100 * (double)(m - 1));
        for (size_t r = lhs; r <= lhs + 1 && r < m; r++)
            if (nr == 0 || rk[nr - 1] < r)
                rk[nr++] = r;
    }
    select_ranks(x, 0, m, rk, nr);
    for (size_t q = 0; q < nq; q++)
        out[q] = m ? gsl_stats_quantile_from_sorted_data(x, 1, m, lv[q] / 100)
                   : NAN;
}

int hs_mc_bands(const hs_mc *mc, size_t run, size_t t, double *pnl,
                double *hr)
{
    const size_t B = mc->band_paths, BS = mc->band_stride, S = mc->steps;
    if (run >= mc->n_runs || t >= S || !mc->ran)
        return hs_error_set(HS_EINVAL, "mc bands: run %zu step %zu", run, t);
    double *tmp = malloc(B * sizeof *tmp);
    if (!tmp)
        return hs_error_set(HS_ENOMEM, "out of memory");
    if (pnl) {
        memcpy(tmp, mc->band_pnl + (run * S + t) * BS, B * sizeof *tmp);
        quantiles(tmp, B, hs_mc_band_levels, HS_MC_N_BANDS, pnl);
    }
    if (hr) {
        memcpy(tmp, mc->band_hr + (run * S + t) * BS, B * sizeof *tmp);
        quantiles(tmp, B, hs_mc_band_levels, HS_MC_N_BANDS, hr);
    }
    free(tmp);
    return 0;
}

void hs_mc_summarize(const hs_mc *mc, size_t run, int subset,
                     hs_mc_summary *out)
{
    const size_t N = mc->o.paths;
    double *he = malloc((N + 1) * sizeof *he), *pl = malloc((N + 1) * sizeof *pl);
    size_t n = 0;
    const double lv[3] = {5, 50, 95};
    double q[3];
    memset(out, 0, sizeof *out);
    out->he_q05 = out->he_q50 = out->he_q95 = NAN;
    out->pnl_q05 = out->pnl_q50 = out->pnl_q95 = out->es99 = NAN;
    if (!he || !pl)
        goto done;
    for (size_t p = 0; p < N; p++) {
        const hs_mc_row *r = hs_mc_row_of(mc, run, p);
        int stressed = r->stress_share > 0;
        if (subset >= 0 && stressed != subset)
            continue;
        he[n] = r->he;
        pl[n] = r->pnl;
        n++;
    }
    out->n = n;
    if (!n)
        goto done;
    quantiles(he, n, lv, 3, q);
    out->he_q05 = q[0], out->he_q50 = q[1], out->he_q95 = q[2];
    quantiles(pl, n, lv, 3, q); /* pl is sorted now */
    out->pnl_q05 = q[0], out->pnl_q50 = q[1], out->pnl_q95 = q[2];
    size_t k = (size_t)ceil(0.01 * (double)n);
    double s = 0;
    for (size_t i = 0; i < k; i++)
        s += pl[i];
    out->es99 = -s / (double)k;
done:
    free(he);
    free(pl);
}

const double *hs_mc__kept(const hs_mc *mc, size_t run, int hr)
{
    const size_t off = run * mc->o.keep_paths * mc->steps;
    return (hr ? mc->kept_hr : mc->kept_pnl) + off;
}
size_t hs_mc__keep(const hs_mc *mc) { return mc->o.keep_paths; }
int hs_mc__complete(const hs_mc *mc) { return mc->ran; }
const hs_panel *hs_mc__history(const hs_mc *mc)
{
    return hs_plan_panel(mc->base);
}
size_t hs_mc__warm(const hs_mc *mc) { return mc->warm; }
uint64_t hs_mc__seed(const hs_mc *mc) { return mc->o.seed; }
const hs_config *hs_mc__config(const hs_mc *mc) { return mc->cfg; }
