/* Beta-decay analytics around a stress window: a plan per window, the
 * statistics of analytics.h before and during it, a verdict, and the
 * /analytics layout of a results file.  docs/stress.md. */
#include "stress_int.h"

#include "hedgesim/analytics.h"
#include "hedgesim/analyze.h"
#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"
#include "hedgesim/metrics.h"
#include "hedgesim/plan.h"

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

#define DEFAULT_PRE 90
#define DEFAULT_ROLLING 30
#define DEFAULT_HALFLIFE "20"

void hs_analysis_free(hs_analysis *a)
{
    if (!a)
        return;
    free(a->time);
    for (size_t e = 0; e < HS_ANALYZE_MAX_EST; e++)
        free(a->beta[e]);
    free(a->corr);
    free(a->avg_corr_roll);
    free(a->absorption_roll);
    free(a);
}

/* Close-to-close returns of panel asset `a` over every step; NaN where
 * either bar is not a real one (absent, or a gap carried forward). */
static void asset_returns(const hs_panel *p, int a, double *out)
{
    const size_t na = p->n_assets;
    out[0] = NAN;
    for (size_t t = 1; t < p->n_steps; t++) {
        double c0 = p->close[(t - 1) * na + a], c1 = p->close[t * na + a];
        int ok = p->state[(t - 1) * na + a] == HS_BAR_OK &&
                 p->state[t * na + a] == HS_BAR_OK && c0 > 0;
        out[t] = ok ? c1 / c0 - 1.0 : NAN;
    }
}

static void change(hs_analyze_change *c, double (*f)(const double *,
                                                      const double *, size_t),
                   const double *y, const double *x, size_t s0, size_t lf,
                   size_t n)
{
    c->pre = f(y + s0, x + s0, lf - s0);
    c->crisis = f(y + lf, x + lf, n - lf);
}

/* Average correlation and absorption ratio of the k series of r (step-
 * major) over rows [lo, hi). */
static int cross_section(const double *r, size_t lo, size_t hi, size_t k,
                         double *cov, double *avg, double *ar)
{
    *avg = *ar = NAN;
    if (k < 2 || hs_analytics_cov(r + lo * k, hi - lo, k, cov) < 2)
        return 0;
    *avg = hs_analytics_avg_corr(cov, k);
    return hs_analytics_absorption(cov, k, ar);
}

/* Does run i hedge at all (some finite, nonzero hedge ratio in its live
 * window)?  An `unhedged` run has an estimator by default, and no hedge. */
static int hedges(const hs_plan *pl, size_t i)
{
    const hs_run_series *se = hs_plan_series(pl, i);
    if (!hs_plan_spec(pl, i)->beta)
        return 0;
    for (size_t t = hs_plan_live_from(pl); t < se->n_steps; t++)
        if (isfinite(se->hedge_ratio[t]) && se->hedge_ratio[t] != 0)
            return 1;
    return 0;
}

/* Distinct estimators of the config's hedging runs (type and parameter
 * values), named after the first run using each; ols and ewma when no run
 * hedges. */
static int estimators(const hs_plan *pl, size_t rolling,
                      const hs_beta_type **type, hs_values *vals,
                      char names[][96], size_t *n)
{
    int rc;
    *n = 0;
    for (size_t i = 0; i < hs_plan_n_runs(pl) && *n < HS_ANALYZE_MAX_EST;
         i++) {
        const hs_run_spec *s = hs_plan_spec(pl, i);
        if (!hedges(pl, i))
            continue;
        int dup = 0;
        for (size_t e = 0; e < *n && !dup; e++)
            dup = type[e] == s->beta && vals[e].n == s->beta_params.n &&
                  !memcmp(vals[e].num, s->beta_params.num,
                          s->beta_params.n * sizeof *vals[e].num);
        if (dup)
            continue;
        type[*n] = s->beta;
        vals[*n] = s->beta_params;
        snprintf(names[*n], 96, "%s", s->name);
        (*n)++;
    }
    if (*n)
        return 0;
    char w[32];
    snprintf(w, sizeof w, "%zu", rolling < 5 ? 5 : rolling);
    type[0] = &hs_beta_ols;
    type[1] = &hs_beta_ewma;
    if ((rc = hs_values_init(&vals[0], hs_beta_ols.params)) ||
        (rc = hs_values_set(&vals[0], "window", w, "analyze")) ||
        (rc = hs_values_init(&vals[1], hs_beta_ewma.params)) ||
        (rc = hs_values_set(&vals[1], "halflife", DEFAULT_HALFLIFE,
                            "analyze")))
        return rc;
    snprintf(names[0], 96, "ols%s", w);
    snprintf(names[1], 96, "ewma%s", DEFAULT_HALFLIFE);
    *n = 2;
    return 0;
}

static const char *moved(double from, double to)
{
    return to > from ? "rose" : to < from ? "fell" : "stayed";
}

static void verdict(hs_analysis *a)
{
    const hs_analyze_item *b = &a->item[0];
    char t[32];
    size_t len;
    snprintf(a->verdict, sizeof a->verdict,
             "during %s the basket's beta to %s %s from %.2f to %.2f, the "
             "average correlation of its assets %s from %.2f to %.2f and the "
             "first principal component's share of variance %s from %.2f to "
             "%.2f.",
             a->window.name, a->benchmark, moved(b->beta.pre, b->beta.crisis),
             b->beta.pre, b->beta.crisis,
             moved(a->avg_corr.pre, a->avg_corr.crisis), a->avg_corr.pre,
             a->avg_corr.crisis,
             moved(a->absorption.pre, a->absorption.crisis),
             a->absorption.pre, a->absorption.crisis);
    len = strlen(a->verdict);
    snprintf(a->verdict + len, sizeof a->verdict - len,
             " On the worst day, %s, the basket returned %.1f %% and %s "
             "%.1f %%",
             hs_cal_format_time(a->worst_time, t, sizeof t),
             100 * a->worst_basket, a->benchmark, 100 * a->worst_bench);
    len = strlen(a->verdict);
    if (!a->hedge_run[0] || !isfinite(a->hedge_ratio)) {
        snprintf(a->verdict + len, sizeof a->verdict - len,
                 "; no run of the config hedged on that day.");
        return;
    }
    double gap = b->beta.crisis - a->hedge_ratio;
    snprintf(a->verdict + len, sizeof a->verdict - len,
             "; the %s hedge held a ratio of %.2f against an in-crisis beta "
             "of %.2f (%s by %.2f beta) and %s %.1f %% of book value that "
             "day.",
             a->hedge_run, a->hedge_ratio, b->beta.crisis,
             gap > 0 ? "under-hedged" : "over-hedged", fabs(gap),
             a->hedged_worst < 0 ? "lost" : "made", 100 * fabs(a->hedged_worst));
}

/* Fill everything but the verdict from a plan that has run. */
static int fill(hs_analysis *a, const hs_plan *pl, const hs_config *c,
                size_t pre)
{
    const hs_panel *p = hs_plan_panel(pl);
    const hs_context *ctx = hs_plan_context(pl);
    const hs_book *bk = hs_context_book(ctx);
    const double *rb = hs_context_bench_returns(ctx);
    const size_t lf = hs_plan_live_from(pl), n = p->n_steps;
    const size_t s0 = lf - pre, ns = n - s0;
    const size_t ni = c->n_assets + 1;
    double *ra = malloc(ni * n * sizeof *ra);  /* item-major returns */
    double *cs = malloc(c->n_assets * n * sizeof *cs); /* step-major */
    double *cov = malloc(c->n_assets * c->n_assets * sizeof *cov + 1);
    const hs_beta_type *type[HS_ANALYZE_MAX_EST];
    hs_values vals[HS_ANALYZE_MAX_EST];
    size_t k = 0;
    int rc = 0;

    a->n_items = ni;
    a->pre_steps = pre;
    a->crisis_steps = n - lf;
    a->n_steps = ns;
    a->time = malloc(ns * sizeof *a->time);
    a->corr = malloc(ni * ns * sizeof *a->corr);
    a->avg_corr_roll = malloc(ns * sizeof *a->avg_corr_roll);
    a->absorption_roll = malloc(ns * sizeof *a->absorption_roll);
    if (!ra || !cs || !cov || !a->time || !a->corr || !a->avg_corr_roll ||
        !a->absorption_roll) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(a->time, p->time + s0, ns * sizeof *a->time);
    snprintf(a->benchmark, sizeof a->benchmark, "%s", c->benchmark);
    /* Returns: the basket's (the book's, as the estimators see it), then
     * each asset's; the cross-section keeps the assets listed over the
     * whole period (before the pre-crisis period, to its end). */
    memcpy(ra, bk->ret, n * sizeof *ra);
    snprintf(a->item[0].name, sizeof a->item[0].name, "basket");
    for (size_t i = 0; i < c->n_assets; i++) {
        int ix = hs_panel_find(p, c->assets[i]);
        double *r = ra + (i + 1) * n;
        snprintf(a->item[i + 1].name, sizeof a->item[i + 1].name, "%s",
                 c->assets[i]);
        asset_returns(p, ix, r);
        if (p->first[ix] >= 0 && (size_t)p->first[ix] <= s0 &&
            (size_t)p->last[ix] == n - 1) {
            for (size_t t = 0; t < n; t++)
                cs[t * c->n_assets + k] = r[t];
            k++;
        }
    }
    /* Compact the cross-section to k columns (it was written with stride
     * n_assets). */
    for (size_t t = 0; t < n; t++)
        memmove(cs + t * k, cs + t * c->n_assets, k * sizeof *cs);
    for (size_t i = 0; i < ni; i++) {
        const double *y = ra + i * n;
        hs_analyze_item *it = &a->item[i];
        change(&it->beta, hs_metric_slope, y, rb, s0, lf, n);
        change(&it->corr, hs_analytics_corr, y, rb, s0, lf, n);
        change(&it->beta_down, hs_analytics_beta_down, y, rb, s0, lf, n);
        change(&it->beta_up, hs_analytics_beta_up, y, rb, s0, lf, n);
        /* Rolling correlation over the whole panel (its past only). */
        double *tmp = malloc(n * sizeof *tmp);
        if (!tmp) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        hs_analytics_rolling_corr(y, rb, n, a->rolling, tmp);
        memcpy(a->corr + i * ns, tmp + s0, ns * sizeof *tmp);
        free(tmp);
    }
    TRY(cross_section(cs, s0, lf, k, cov, &a->avg_corr.pre,
                      &a->absorption.pre));
    TRY(cross_section(cs, lf, n, k, cov, &a->avg_corr.crisis,
                      &a->absorption.crisis));
    {
        double *ac = malloc(2 * n * sizeof *ac);
        if (!ac) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        rc = hs_analytics_rolling_panel(cs, n, k, a->rolling, ac, ac + n);
        memcpy(a->avg_corr_roll, ac + s0, ns * sizeof *ac);
        memcpy(a->absorption_roll, ac + n + s0, ns * sizeof *ac);
        free(ac);
        if (rc)
            goto done;
    }
    /* Rolling betas: every estimator fed from the panel's first step. */
    TRY(estimators(pl, a->rolling, type, vals, a->est_name, &a->n_est));
    for (size_t e = 0; e < a->n_est; e++) {
        double *tmp = malloc(n * sizeof *tmp);
        a->beta[e] = malloc(ni * ns * sizeof *a->beta[e]);
        if (!tmp || !a->beta[e]) {
            free(tmp);
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; rc == 0 && i < ni; i++) {
            rc = hs_analytics_rolling_beta(type[e], &vals[e], ra + i * n, rb,
                                           n, tmp);
            memcpy(a->beta[e] + i * ns, tmp + s0, ns * sizeof *tmp);
        }
        free(tmp);
        if (rc)
            goto done;
    }
    /* The basket's worst step, and the first hedging run on it. */
    size_t wt = lf;
    for (size_t t = lf; t < n; t++)
        if (isfinite(ra[t]) && (!isfinite(ra[wt]) || ra[t] < ra[wt]))
            wt = t;
    a->worst_time = p->time[wt];
    a->worst_basket = ra[wt];
    a->worst_bench = rb[wt];
    a->hedge_ratio = a->hedged_worst = NAN;
    for (size_t i = 0; i < hs_plan_n_runs(pl); i++)
        if (hedges(pl, i)) {
            const hs_run_series *se = hs_plan_series(pl, i);
            snprintf(a->hedge_run, sizeof a->hedge_run, "%s",
                     hs_plan_spec(pl, i)->name);
            a->hedge_ratio = se->hedge_ratio[wt - 1];
            a->hedged_worst = se->ret[wt];
            break;
        }
done:
    free(ra);
    free(cs);
    free(cov);
    return rc;
}

int hs_analyze_window(hs_analysis **out, const hs_config *cfg,
                      const hs_registry *reg, hs_store *store,
                      const hs_window *w, const hs_analyze_opts *opts)
{
    const hs_analyze_opts dflt = HS_ANALYZE_OPTS_INIT;
    const hs_analyze_opts *o = opts ? opts : &dflt;
    hs_analysis *a = calloc(1, sizeof *a);
    hs_config *wc = NULL;
    hs_plan *pl = NULL;
    size_t lookback;
    char set[64];
    int rc;

    *out = NULL;
    if (!a)
        return hs_error_set(HS_ENOMEM, "out of memory");
    a->window = *w;
    size_t pre = o->pre ? o->pre : DEFAULT_PRE;
    a->rolling = o->rolling                 ? o->rolling
                 : cfg->rolling_window_given ? cfg->rolling_window
                                             : DEFAULT_ROLLING;
    /* The warm-up covers the pre-crisis period and a rolling window
     * before it, or the estimators' own warm-up if that is longer. */
    TRY(hs_window_config(cfg, w, &wc));
    TRY(hs_plan_lookback(wc, reg, &lookback));
    if (lookback < pre + a->rolling) {
        snprintf(set, sizeof set, "data.lookback=%zu", pre + a->rolling);
        TRY(hs_config_set(wc, set));
    }
    TRY(hs_plan_new(&pl, wc, reg, store, NULL));
    TRY(hs_stress__check_plan(pl, wc, w));
    TRY(hs_plan_run_strict(pl));
    TRY(fill(a, pl, wc, pre));
    verdict(a);
done:
    if (rc) {
        hs_stress__name_error(w);
        hs_analysis_free(a);
        a = NULL;
    }
    hs_plan_free(pl);
    hs_config_free(wc);
    *out = a;
    return rc;
}

/* ------------------------------------------------------------ writing */

typedef struct item_rec {
    const char *item;
    double beta_pre, beta_crisis, corr_pre, corr_crisis;
    double beta_down_pre, beta_down_crisis, beta_up_pre, beta_up_crisis;
} item_rec;

#define FI(name, kind) {#name, kind, offsetof(item_rec, name)}
static const hs_h5_field item_fields[] = {
    FI(item, HS_H5_STR),           FI(beta_pre, HS_H5_F64),
    FI(beta_crisis, HS_H5_F64),    FI(corr_pre, HS_H5_F64),
    FI(corr_crisis, HS_H5_F64),    FI(beta_down_pre, HS_H5_F64),
    FI(beta_down_crisis, HS_H5_F64), FI(beta_up_pre, HS_H5_F64),
    FI(beta_up_crisis, HS_H5_F64),
};
#undef FI

typedef struct window_rec {
    const char *window, *benchmark;
    int64_t start, end, pre_steps, crisis_steps;
    double beta_pre, beta_crisis, corr_pre, corr_crisis;
    double beta_down_pre, beta_down_crisis, beta_up_pre, beta_up_crisis;
    double avg_corr_pre, avg_corr_crisis, absorption_pre, absorption_crisis;
    int64_t worst_time;
    double worst_basket, worst_bench;
    const char *hedge_run;
    double hedge_ratio, hedged_worst;
    const char *verdict;
} window_rec;

#define FW(name, kind) {#name, kind, offsetof(window_rec, name)}
static const hs_h5_field window_fields[] = {
    FW(window, HS_H5_STR),         FW(benchmark, HS_H5_STR),
    FW(start, HS_H5_I64),          FW(end, HS_H5_I64),
    FW(pre_steps, HS_H5_I64),      FW(crisis_steps, HS_H5_I64),
    FW(beta_pre, HS_H5_F64),       FW(beta_crisis, HS_H5_F64),
    FW(corr_pre, HS_H5_F64),       FW(corr_crisis, HS_H5_F64),
    FW(beta_down_pre, HS_H5_F64),  FW(beta_down_crisis, HS_H5_F64),
    FW(beta_up_pre, HS_H5_F64),    FW(beta_up_crisis, HS_H5_F64),
    FW(avg_corr_pre, HS_H5_F64),   FW(avg_corr_crisis, HS_H5_F64),
    FW(absorption_pre, HS_H5_F64), FW(absorption_crisis, HS_H5_F64),
    FW(worst_time, HS_H5_I64),     FW(worst_basket, HS_H5_F64),
    FW(worst_bench, HS_H5_F64),    FW(hedge_run, HS_H5_STR),
    FW(hedge_ratio, HS_H5_F64),    FW(hedged_worst, HS_H5_F64),
    FW(verdict, HS_H5_STR),
};
#undef FW

static int write_series(hs_h5 *h, const char *path, const double *x,
                        size_t n, const char *desc)
{
    int rc = hs_h5_write_f64(h, path, x, n);
    return rc ? rc : hs_h5_describe(h, path, "1", desc);
}

static int write_one(hs_h5 *h, const hs_analysis *a)
{
    char g[128], p[400];
    item_rec rec[HS_ANALYZE_MAX_ITEMS];
    int rc;
    snprintf(g, sizeof g, "/analytics/%s", a->window.name);
    TRY(hs_h5_group(h, g));
    TRY(hs_h5_attr_str(h, g, "verdict", a->verdict));
    TRY(hs_h5_attr_i64(h, g, "pre_steps", (int64_t)a->pre_steps));
    TRY(hs_h5_attr_i64(h, g, "rolling_window", (int64_t)a->rolling));
    for (size_t i = 0; i < a->n_items; i++) {
        const hs_analyze_item *it = &a->item[i];
        rec[i] = (item_rec){it->name,           it->beta.pre,
                            it->beta.crisis,    it->corr.pre,
                            it->corr.crisis,    it->beta_down.pre,
                            it->beta_down.crisis, it->beta_up.pre,
                            it->beta_up.crisis};
    }
    snprintf(p, sizeof p, "%s/summary", g);
    TRY(hs_h5_write_records(h, p, item_fields,
                            sizeof item_fields / sizeof item_fields[0], rec,
                            sizeof rec[0], a->n_items));
    snprintf(p, sizeof p, "%s/calendar/time", g);
    TRY(hs_h5_write_time(h, p, a->time, a->n_steps));
    snprintf(p, sizeof p, "%s/avg_corr", g);
    TRY(write_series(h, p, a->avg_corr_roll, a->n_steps,
                     "rolling average pairwise correlation of the assets"));
    snprintf(p, sizeof p, "%s/absorption_ratio", g);
    TRY(write_series(h, p, a->absorption_roll, a->n_steps,
                     "rolling share of variance of the first principal "
                     "component"));
    for (size_t i = 0; i < a->n_items; i++) {
        snprintf(p, sizeof p, "%s/corr/%s", g, a->item[i].name);
        TRY(write_series(h, p, a->corr + i * a->n_steps, a->n_steps,
                         "rolling correlation with the benchmark"));
        for (size_t e = 0; e < a->n_est; e++) {
            snprintf(p, sizeof p, "%s/beta/%.60s/%s", g, a->est_name[e],
                     a->item[i].name);
            TRY(write_series(h, p, a->beta[e] + i * a->n_steps, a->n_steps,
                             "beta to the benchmark, as the estimator of "
                             "that run saw it at each close"));
        }
    }
done:
    return rc;
}

int hs_analyze_write(hs_analysis *const *a, size_t n, const char *path,
                     int force, const hs_results_meta *meta)
{
    hs_h5 *h = NULL;
    window_rec *rec = calloc(n ? n : 1, sizeof *rec);
    int rc;
    if (!rec)
        return hs_error_set(HS_ENOMEM, "out of memory");
#define STR(x) ((x) ? (x) : "")
    TRY(hs_h5_create(&h, path, force));
    TRY(hs_results_write_provenance(h, meta));
    TRY(hs_h5_attr_str(h, "/", "mode", "analyze"));
#undef STR
    for (size_t i = 0; i < n; i++) {
        const hs_analysis *x = a[i];
        const hs_analyze_item *b = &x->item[0];
        rec[i] = (window_rec){
            x->window.name,      x->benchmark,
            x->window.start,     x->window.end,
            (int64_t)x->pre_steps, (int64_t)x->crisis_steps,
            b->beta.pre,         b->beta.crisis,
            b->corr.pre,         b->corr.crisis,
            b->beta_down.pre,    b->beta_down.crisis,
            b->beta_up.pre,      b->beta_up.crisis,
            x->avg_corr.pre,     x->avg_corr.crisis,
            x->absorption.pre,   x->absorption.crisis,
            x->worst_time,       x->worst_basket,
            x->worst_bench,      x->hedge_run,
            x->hedge_ratio,      x->hedged_worst,
            x->verdict};
    }
    TRY(hs_h5_group(h, "/analytics"));
    TRY(hs_h5_write_records(h, "/analytics/summary", window_fields,
                            sizeof window_fields / sizeof window_fields[0],
                            rec, sizeof *rec, n));
    for (size_t i = 0; i < n; i++)
        TRY(write_one(h, a[i]));
    rc = hs_h5_commit(h);
    h = NULL;
done:
    hs_h5_abort(h);
    free(rec);
    return rc;
}
