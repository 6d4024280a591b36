/* Synthetic stress: a window's calibrated stress regime run forward many
 * times through the Monte Carlo runner (mc.h), next to the window's
 * historical replay.  docs/stress.md. */
#include "stress_int.h"

#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"
#include "hedgesim/mc.h"
#include "hedgesim/stress.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRY(expr)                                                              \
    do {                                                                       \
        if ((rc = (expr)) != 0)                                                \
            goto done;                                                         \
    } while (0)

/* The metrics compared, in the order of a path record. */
enum { M_RET, M_MDD, M_HE, M_CVAR, M_SHARE, N_M };

/* One path of one run: the record of /stress/synthetic/<w>/paths/<run>. */
typedef struct path_rec {
    double ret_hedged, mdd_hedged, he, cvar95, stress_share;
} path_rec;

struct hs_stress_synth {
    hs_config *mcfg;   /* the config with the [mc] keys of the stress */
    hs_mc *mc;
    char window[64];
    int64_t cal_from, cal_to;
    size_t pre, steps, paths, n;
    uint64_t seed;
    hs_synth_row rows[HS_CONFIG_MAX_RUNS];
    path_rec *rec;     /* [n * paths], run-major */
};

void hs_stress__synth_free(hs_stress_synth *sy)
{
    if (!sy)
        return;
    hs_mc_free(sy->mc);
    hs_config_free(sy->mcfg);
    free(sy->rec);
    free(sy);
}

size_t hs_stress__synth_n(const hs_stress_synth *sy) { return sy ? sy->n : 0; }
const hs_synth_row *hs_stress__synth_row(const hs_stress_synth *sy, size_t i)
{
    return sy && i < sy->n ? &sy->rows[i] : NULL;
}
const char *hs_stress__synth_model(const hs_stress_synth *sy)
{
    return sy ? hs_scenario_describe(hs_mc_scenario(sy->mc)) : "";
}
void hs_stress__synth_calibration(const hs_stress_synth *sy, int64_t *from,
                                  int64_t *to)
{
    *from = sy ? sy->cal_from : 0;
    *to = sy ? sy->cal_to : 0;
}


/* Quantiles (numpy's default, Hyndman and Fan type 7) of the finite
 * values of x[0 .. n-1] (sorted in place), and the share below `hist`. */
static void quantiles(double *x, size_t n, double hist, hs_synth_q *q)
{
    size_t m = 0, below = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            x[m++] = x[i];
    q->hist = hist;
    q->q05 = q->q50 = q->q95 = q->below = NAN;
    if (m == 0)
        return;
    gsl_sort(x, 1, m);
    q->q05 = gsl_stats_quantile_from_sorted_data(x, 1, m, 0.05);
    q->q50 = gsl_stats_quantile_from_sorted_data(x, 1, m, 0.50);
    q->q95 = gsl_stats_quantile_from_sorted_data(x, 1, m, 0.95);
    if (isfinite(hist)) {
        for (size_t i = 0; i < m; i++)
            below += x[i] < hist;
        q->below = (double)below / (double)m;
    }
}

int hs_stress__synth_run(const hs_stress_synth_in *in, hs_stress_synth **out)
{
    const hs_config *cfg = in->cfg;
    const hs_stress_opts *so = in->opts;
    const hs_window *win = in->win;
    const hs_panel *hp = hs_plan_panel(in->hist);
    const size_t lf = hs_plan_live_from(in->hist);
    hs_stress_synth *sy = calloc(1, sizeof *sy);
    double *buf = NULL;
    char a[32], b[32], n[32];
    int rc;
    *out = NULL;
    if (!sy)
        return hs_error_set(HS_ENOMEM, "out of memory");
    if (!in->store) {
        rc = hs_error_set(HS_EINVAL, "synthetic stress: the calibration "
                                     "reads the store: none given");
        goto done;
    }
    snprintf(sy->window, sizeof sy->window, "%s", win->name);
    sy->pre = so->pre ? so->pre : HS_SYNTH_PRE;
    sy->steps = hp->n_steps - lf;
    sy->seed = so->seed;
    const int64_t t0 = hp->time[lf], step = cfg->step_ms;
    sy->cal_from = t0 - (int64_t)sy->pre * step;
    sy->cal_to = win->end;

    /* The history of the paths ends at the close before the window: its
     * last warm-up steps are the window's warm-up, the paths then take
     * the window's place. */
    hs_window hw = *win;
    if (lf < 3) {
        rc = hs_error_set(HS_EDATA, "a warm-up of %zu steps: too short", lf);
        goto done;
    }
    hw.start = hp->time[lf - 3]; /* a config window holds >= 3 steps */
    hw.end = hp->time[lf - 1];
    TRY(hs_window_config(cfg, &hw, &sy->mcfg));
    char kv[5][160];
    snprintf(n, sizeof n, "%zu", sy->steps);
    /* Each assignment is validated at once: the calibration first (a
     * regime model without it needs [mc.regime.*] sections). */
    snprintf(kv[0], sizeof kv[0], "mc.calibrate=%s..%s",
             hs_cal_format_time(sy->cal_from, a, sizeof a),
             hs_cal_format_time(sy->cal_to, b, sizeof b));
    snprintf(kv[1], sizeof kv[1], "mc.model=regime");
    snprintf(kv[2], sizeof kv[2], "mc.steps=%s", n);
    snprintf(kv[3], sizeof kv[3], "mc.shift_from=0");
    snprintf(kv[4], sizeof kv[4], "mc.shift_steps=%s", n);
    for (int k = 0; k < 5; k++)
        TRY(hs_config_set(sy->mcfg, kv[k]));
    hs_mc_opts mo = HS_MC_OPTS_INIT;
    mo.paths = so->paths ? so->paths : sy->mcfg->mc.paths;
    mo.seed = so->seed;
    mo.threads = so->threads ? so->threads : 1;
    TRY(hs_mc_new(&sy->mc, sy->mcfg, in->reg, in->store, &mo));
    rc = hs_mc_run(sy->mc);
    if (rc == 1)
        rc = hs_error_set(HS_EINVAL, "stopped before every path ran");
    if (rc)
        goto done;

    sy->paths = mo.paths;
    sy->n = hs_mc_n_runs(sy->mc);
    sy->rec = calloc(sy->n * sy->paths, sizeof *sy->rec);
    buf = malloc(sy->paths * sizeof *buf);
    if (!sy->rec || !buf) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < sy->n; i++) {
        const char *name = hs_mc_run_name(sy->mc, i);
        const hs_stress_row *h = NULL;
        for (size_t k = 0; k < hs_plan_n_runs(in->hist); k++)
            if (!strcmp(in->rows[k].run, name))
                h = &in->rows[k];
        if (!h) {
            rc = hs_error_set(HS_EINVAL, "synthetic stress: run %s has no "
                                         "historical row",
                              name);
            goto done;
        }
        path_rec *r = sy->rec + i * sy->paths;
        for (size_t p = 0; p < sy->paths; p++) {
            const hs_mc_row *m = hs_mc_row_of(sy->mc, i, p);
            r[p].ret_hedged = m->pnl / cfg->capital;
            r[p].mdd_hedged = m->max_drawdown;
            r[p].he = m->he;
            r[p].cvar95 = m->cvar95;
            r[p].stress_share = m->stress_share;
        }
        hs_synth_row *row = &sy->rows[i];
        row->window = sy->window;
        row->run = h->run; /* borrowed from the stress object's plans */
        row->paths = (int64_t)sy->paths;
        row->steps = (int64_t)sy->steps;
        const size_t off[4] = {offsetof(path_rec, ret_hedged),
                               offsetof(path_rec, mdd_hedged),
                               offsetof(path_rec, he),
                               offsetof(path_rec, cvar95)};
        const double hist[4] = {h->ret_hedged, h->mdd_hedged,
                                h->hedge_effectiveness, h->cvar95_hedged};
        hs_synth_q *q[4] = {&row->ret_hedged, &row->mdd_hedged, &row->he,
                            &row->cvar95};
        for (int k = 0; k < 4; k++) {
            for (size_t p = 0; p < sy->paths; p++)
                memcpy(&buf[p], (const char *)&r[p] + off[k], sizeof *buf);
            quantiles(buf, sy->paths, hist[k], q[k]);
        }
    }
done:
    free(buf);
    if (rc) {
        hs_error_prefix("synthetic stress of window %s: ", win->name);
        hs_stress__synth_free(sy);
        return rc;
    }
    *out = sy;
    return 0;
}

/* ------------------------------------------------------------ writing */

#define Q(m)                                                                   \
    {#m "_hist", HS_H5_F64, offsetof(hs_synth_row, m.hist)},                   \
        {#m "_q05", HS_H5_F64, offsetof(hs_synth_row, m.q05)},                 \
        {#m "_q50", HS_H5_F64, offsetof(hs_synth_row, m.q50)},                 \
        {#m "_q95", HS_H5_F64, offsetof(hs_synth_row, m.q95)},                 \
        {#m "_below", HS_H5_F64, offsetof(hs_synth_row, m.below)}
const hs_h5_field hs_synth_fields[] = {
    {"window", HS_H5_STR, offsetof(hs_synth_row, window)},
    {"run", HS_H5_STR, offsetof(hs_synth_row, run)},
    {"paths", HS_H5_I64, offsetof(hs_synth_row, paths)},
    {"steps", HS_H5_I64, offsetof(hs_synth_row, steps)},
    Q(ret_hedged),
    Q(mdd_hedged),
    Q(he),
    Q(cvar95),
};
#undef Q
const size_t hs_synth_n_fields =
    sizeof hs_synth_fields / sizeof hs_synth_fields[0];

#define F(name) {#name, HS_H5_F64, offsetof(path_rec, name)}
static const hs_h5_field path_fields[] = {
    F(ret_hedged), F(mdd_hedged), F(he), F(cvar95), F(stress_share),
};
#undef F

int hs_stress__synth_write(const hs_stress_synth *sy, hs_h5 *h)
{
    char g[200], p[400], t[32];
    int rc;
    if (!sy)
        return 0;
    snprintf(g, sizeof g, "/stress/synthetic/%s", sy->window);
    TRY(hs_h5_group(h, "/stress/synthetic"));
    TRY(hs_h5_group(h, g));
    TRY(hs_h5_attr_str(h, g, "model", hs_stress__synth_model(sy)));
    TRY(hs_h5_attr_str(h, g, "calibration_start",
                       hs_cal_format_time(sy->cal_from, t, sizeof t)));
    TRY(hs_h5_attr_str(h, g, "calibration_end",
                       hs_cal_format_time(sy->cal_to, t, sizeof t)));
    TRY(hs_h5_attr_i64(h, g, "pre_steps", (int64_t)sy->pre));
    TRY(hs_h5_attr_i64(h, g, "steps", (int64_t)sy->steps));
    TRY(hs_h5_attr_i64(h, g, "paths", (int64_t)sy->paths));
    TRY(hs_h5_attr_i64(h, g, "seed", (int64_t)sy->seed));
    const hs_regime_params *rp = &sy->mcfg->mc.regime;
    TRY(hs_h5_attr_str(h, g, "forced_regime",
                       rp->r[rp->shift_regime >= 0 ? rp->shift_regime
                                                   : rp->stress]
                           .name));
    snprintf(p, sizeof p, "%s/summary", g);
    TRY(hs_h5_write_records(h, p, hs_synth_fields, hs_synth_n_fields,
                            sy->rows, sizeof *sy->rows, sy->n));
    snprintf(p, sizeof p, "%s/paths", g);
    TRY(hs_h5_group(h, p));
    for (size_t i = 0; i < sy->n; i++) {
        snprintf(p, sizeof p, "%s/paths/%s", g, sy->rows[i].run);
        TRY(hs_h5_write_records(h, p, path_fields,
                                sizeof path_fields / sizeof path_fields[0],
                                sy->rec + i * sy->paths, sizeof *sy->rec,
                                sy->paths));
    }
done:
    return rc;
}
