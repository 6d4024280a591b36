/* The stationary bootstrap (Politis and Romano 1994, JASA 89:1303-1313):
 * whole rows of historical log returns (every simulated asset at once, with
 * the perp's funding and the vol index of the same step) in blocks of
 * geometric length with mean `block`: each step starts a new block at a
 * uniformly chosen row with probability 1 / block, else takes the row after
 * the previous one (circularly).  No model: the rows keep the cross-asset
 * correlation of the data, the blocks some of its volatility clustering. */
#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"
#include "hedgesim/scenario.h"

#include <gsl/gsl_randist.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct boot_model {
    hs_bootstrap_params p;
    size_t n, rows;
    double *ret;     /* [rows * n] log returns (NaN: not simulated) */
    double *funding; /* [rows] perp funding of the row's step, or NaN */
    double *vix;     /* [rows] vol index close, or NaN */
    int64_t *time;   /* [rows] the row's bar time */
} boot_model;

static void boot_free(void *model)
{
    boot_model *m = model;
    if (!m)
        return;
    free(m->ret);
    free(m->funding);
    free(m->vix);
    free(m->time);
    free(m);
}

static int boot_prepare(void **out, const hs_scenario_input *in)
{
    const hs_bootstrap_params *p = in->params;
    const hs_panel *h = in->history;
    const hs_scenario_layout *l = in->layout;
    const size_t na = h->n_assets, n = l->n;
    boot_model *m;
    *out = NULL;
    if (!(p->block >= 1) || !isfinite(p->block))
        return hs_error_set(HS_ECONFIG,
                            "bootstrap: mean block length %g (must be >= 1)",
                            p->block);
    if (p->to < p->from)
        return hs_error_set(HS_ECONFIG, "bootstrap: window ends before it "
                                        "starts");
    m = calloc(1, sizeof *m);
    if (!m)
        return hs_error_set(HS_ENOMEM, "out of memory");
    m->p = *p;
    m->n = n;
    m->ret = malloc((h->n_steps * n + 1) * sizeof *m->ret);
    m->funding = malloc((h->n_steps + 1) * sizeof *m->funding);
    m->vix = malloc((h->n_steps + 1) * sizeof *m->vix);
    m->time = malloc((h->n_steps + 1) * sizeof *m->time);
    if (!m->ret || !m->funding || !m->vix || !m->time) {
        boot_free(m);
        return hs_error_set(HS_ENOMEM, "out of memory");
    }
    /* A row is usable when every simulated asset has a bar at t and t - 1. */
    for (size_t t = 1; t < h->n_steps; t++) {
        if ((p->from || p->to) && (h->time[t] < p->from || h->time[t] > p->to))
            continue;
        int ok = 1;
        double *r = m->ret + m->rows * n;
        for (size_t i = 0; i < n && ok; i++) {
            if (!in->alive[i]) {
                r[i] = NAN;
                continue;
            }
            size_t c = t * na + (size_t)l->col[i];
            double x = log(h->close[c] / h->close[c - na]);
            ok = h->state[c] != HS_BAR_ABSENT &&
                 h->state[c - na] != HS_BAR_ABSENT && isfinite(x);
            r[i] = x;
        }
        if (!ok)
            continue;
        m->funding[m->rows] =
            l->perp_col >= 0 ? h->funding[t * na + (size_t)l->perp_col] : NAN;
        m->vix[m->rows] = l->vol_col >= 0 &&
                                  h->state[t * na + (size_t)l->vol_col] !=
                                      HS_BAR_ABSENT
                              ? h->close[t * na + (size_t)l->vol_col]
                              : NAN;
        m->time[m->rows] = h->time[t];
        m->rows++;
    }
    if (m->rows < 2) {
        size_t rows = m->rows;
        boot_free(m);
        return hs_error_set(HS_ECONFIG,
                            "bootstrap: the window has %zu complete return "
                            "row%s (need at least 2): widen [mc] window",
                            rows, rows == 1 ? "" : "s");
    }
    *out = m;
    return 0;
}

static int boot_draw(const void *model, void *scratch,
                     const hs_scenario_rngs *rng, const hs_scenario_draw *out)
{
    const boot_model *m = model;
    const double restart = 1.0 / m->p.block;
    gsl_rng *r = rng->bootstrap;
    (void)scratch;
    size_t row = gsl_rng_uniform_int(r, m->rows);
    for (size_t t = 0; t < out->steps; t++) {
        if (t > 0) {
            if (gsl_rng_uniform(r) < restart)
                row = gsl_rng_uniform_int(r, m->rows);
            else if (++row == m->rows)
                row = 0;
        }
        memcpy(out->ret + t * m->n, m->ret + row * m->n,
               m->n * sizeof *out->ret);
        out->regime[t] = 0;
        out->funding[t] = m->funding[row];
        out->vol_index[t] = m->vix[row];
    }
    return 0;
}

static void boot_describe(const void *model, char *buf, size_t size)
{
    const boot_model *m = model;
    char a[32], b[32];
    snprintf(buf, size,
             "stationary bootstrap (Politis and Romano 1994) of %zu historical "
             "return rows %s .. %s, mean block length %g steps\n",
             m->rows, hs_cal_format_time(m->time[0], a, sizeof a),
             hs_cal_format_time(m->time[m->rows - 1], b, sizeof b), m->p.block);
}

const hs_scenario_type hs_scenario_bootstrap = {
    .version = HS_SCENARIO_TYPE_VERSION,
    .name = "bootstrap",
    .summary = "stationary bootstrap of whole historical return rows",
    .prepare = boot_prepare,
    .free = boot_free,
    .scratch_size = NULL,
    .draw = boot_draw,
    .describe = boot_describe,
};
