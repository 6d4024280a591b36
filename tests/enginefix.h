/* Synthetic panels, and plans over them, for the engine and plan suites.
 *
 * Runs are built the way every command builds them: a config text (the
 * fixture's [data], [book], [hedge] and [costs] sections followed by the
 * test's [strategy.*] sections) and a plan over a fix_panel.  The engine
 * suite's own unit tests may also build contexts and engines directly. */
#ifndef HS_ENGINEFIX_H
#define HS_ENGINEFIX_H

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hedgesim/calendar.h"
#include "hedgesim/config.h"
#include "hedgesim/errors.h"
#include "hedgesim/engine.h"
#include "hedgesim/plan.h"
#include "hedgesim/rng.h"

/* A panel of n steps: assets 0..nb-1 are the book, nb the benchmark, nb+1
 * the hedge perp (same price as the benchmark).  Book asset k has
 * r_k = beta_k * r_m + idio * e_k.  Opens equal the previous close, highs
 * and lows bracket them, volumes are positive, funding `fund` per step. */
static inline hs_panel *fix_panel(size_t n, size_t nb, const double *beta,
                                  double idio, double fund, uint64_t seed)
{
    hs_panel *p = NULL;
    gsl_rng *r = NULL;
    const size_t na = nb + 2;
    if (hs_panel_new(&p, n, na, 86400000) || hs_rng_new(&r, seed, 0, HS_RNG_TEST))
        abort();
    for (size_t a = 0; a < nb; a++)
        snprintf(p->symbol[a], HS_SYMBOL_MAX, "A%zu", a);
    snprintf(p->symbol[nb], HS_SYMBOL_MAX, "BENCH");
    snprintf(p->symbol[nb + 1], HS_SYMBOL_MAX, "BENCH-PERP");
    double price[64];
    for (size_t a = 0; a < na; a++)
        price[a] = 100.0 * (double)(a + 1);
    for (size_t t = 0; t < n; t++) {
        p->time[t] = 1577836800000LL + (int64_t)t * 86400000;
        double rm = t ? gsl_ran_gaussian(r, 0.03) : 0;
        for (size_t a = 0; a < na; a++) {
            double ret = a < nb ? beta[a] * rm + (t ? gsl_ran_gaussian(r, idio) : 0)
                                : rm;
            if (ret < -0.5)
                ret = -0.5;
            size_t i = t * na + a;
            double open = price[a];
            price[a] = a == nb + 1 ? price[nb] : price[a] * (1 + ret);
            double close = price[a];
            p->open[i] = open;
            p->close[i] = close;
            p->high[i] = fmax(open, close) * 1.01;
            p->low[i] = fmin(open, close) * 0.99;
            p->volume[i] = 1e6 * (1 + 0.1 * gsl_rng_uniform(r));
            p->state[i] = HS_BAR_OK;
            p->funding[i] = a == nb + 1 ? fund : 0;
        }
        p->rate[t] = 0.02;
    }
    gsl_rng_free(r);
    hs_panel_finish(p);
    return p;
}

/* Context options for a fix_panel: equal weights, daily rebalance. */
static inline hs_context_opts fix_ctx_opts(size_t nb, const int *idx,
                                           size_t live_from, double fee_bps,
                                           double slip_bps, hs_fill_rule fill)
{
    hs_context_opts o;
    memset(&o, 0, sizeof o);
    o.bench = (int)nb;
    o.hedge = (int)nb + 1;
    o.live_from = live_from;
    o.book.n_assets = nb;
    o.book.asset = idx;
    o.book.weighting = HS_WEIGHTS_EQUAL;
    o.book.capital = 1e6;
    o.book.rebalance = HS_REBAL_DAILY;
    o.book.min_history = 1;
    o.book.vol_window = 20;
    o.exec.fee_bps = fee_bps;
    o.exec.fill = fill;
    o.exec.close_slippage_bps = 0;
    o.exec.window = 20;
    o.exec.model = &hs_cost_fixed;
    hs_values_init(&o.exec.model_values, hs_cost_fixed.params);
    char buf[32];
    snprintf(buf, sizeof buf, "%g", slip_bps);
    hs_values_set(&o.exec.model_values, "slippage_bps", buf, "test");
    return o;
}

/* A run spec with default parameters. */
static inline hs_run_spec fix_spec(const hs_strategy_type *t,
                                   const hs_beta_type *b)
{
    hs_run_spec s;
    memset(&s, 0, sizeof s);
    s.name = t->name;
    s.type = t;
    hs_values_init(&s.params, t->params);
    s.beta = b;
    if (b)
        hs_values_init(&s.beta_params, b->params);
    s.target_beta = 0;
    s.contract_size = 1e-9;
    return s;
}

/* The config sections that describe a fix_panel of nb book assets, live
 * from step `live_from` (the [strategy.*] sections follow).  Costs: fee and
 * fixed slippage in bps, fill "next_open" or "close". */
static inline void fix_config_text(char *buf, size_t size, const hs_panel *p,
                                   size_t nb, size_t live_from, double fee_bps,
                                   double slip_bps, const char *fill,
                                   const char *strategies)
{
    char assets[512] = "", t0[32], t1[32];
    for (size_t a = 0; a < nb; a++) {
        strncat(assets, a ? "," : "", sizeof assets - strlen(assets) - 1);
        strncat(assets, p->symbol[a], sizeof assets - strlen(assets) - 1);
    }
    hs_cal_format_time(p->time[live_from], t0, sizeof t0);
    hs_cal_format_time(p->time[p->n_steps - 1], t1, sizeof t1);
    snprintf(buf, size,
             "[data]\nstart = %s\nend = %s\nusdt_is_usd = true\n"
             "[book]\nassets = %s\ncapital = 1000000\nrebalance = daily\n"
             "min_history = 1\nvol_window = 20\n"
             "[hedge]\nbenchmark = %s\ninstrument = %s\n"
             "[costs]\nfee_bps = %g\nslippage_bps = %g\nfill = %s\n"
             "close_slippage_bps = 0\n%s",
             t0, t1, assets, p->symbol[nb], p->symbol[nb + 1], fee_bps,
             slip_bps, fill, strategies);
}

/* A plan over `p` from a config text (fix_config_text), with the strategy
 * types of `reg`.  Aborts the test on a config error; returns the plan's
 * error code otherwise. */
static inline int fix_plan_reg(hs_plan **plan, hs_config **cfg, hs_panel *p,
                               size_t live_from, const char *text,
                               const hs_registry *reg)
{
    hs_plan_opts po = HS_PLAN_OPTS_INIT;
    int rc = hs_config_parse(cfg, text, "fixture");
    if (rc) {
        fprintf(stderr, "fixture config: %s\n", hs_error_last());
        abort();
    }
    po.panel = p;
    po.live_from = live_from;
    return hs_plan_new(plan, *cfg, reg, NULL, &po);
}

/* The same with the built-in strategies only. */
static inline int fix_plan(hs_plan **plan, hs_config **cfg, hs_panel *p,
                           size_t live_from, const char *text)
{
    hs_registry *reg = NULL;
    if (hs_registry_new(&reg))
        abort();
    int rc = fix_plan_reg(plan, cfg, p, live_from, text, reg);
    hs_registry_free(reg); /* built-in types are static: plans keep them */
    return rc;
}

/* A registry of the built-ins and the fake strategies of
 * tests/fake_plugin.c (fail_at, hold_short), built next to the template
 * plug-in ($HS_TEST_PLUGIN).  Keep it while plans use its types. */
static inline hs_registry *fix_registry_with_fakes(void)
{
    const char *t = getenv("HS_TEST_PLUGIN");
    char so[1024];
    hs_registry *reg = NULL;
    if (!t)
        t = "build/tests/template_plugin.so";
    const char *slash = strrchr(t, '/');
    snprintf(so, sizeof so, "%.*s/fake_plugin.so",
             slash ? (int)(slash - t) : 1, slash ? t : ".");
    if (hs_registry_new(&reg))
        abort();
    if (hs_registry_load(reg, so)) {
        fprintf(stderr, "fake plug-in: %s\n", hs_error_last());
        abort();
    }
    return reg;
}

/* Book asset `a` of a fix_panel delisted from step `from` on: no bars. */
static inline void fix_delist(hs_panel *p, size_t a, size_t from)
{
    for (size_t t = from; t < p->n_steps; t++) {
        size_t i = t * p->n_assets + a;
        p->state[i] = HS_BAR_ABSENT;
        p->open[i] = p->high[i] = p->low[i] = p->close[i] = NAN;
    }
    hs_panel_finish(p);
    p->delisted[a] = 1;
}

#endif
