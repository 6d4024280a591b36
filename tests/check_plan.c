/* Run plans: a config over a panel (synthetic or from the store) becomes
 * runs; lookback, symbol lookup, run selection, option wiring, lockstep
 * against runs alone, metrics and the results file. */
#include "enginefix.h"
#include "testutil.h"

#include "hedgesim/plan.h"
#include "hedgesim/results_table.h"

#include <unistd.h>

static const char *const RUNS =
    "[strategy.none]\ntype = unhedged\n"
    "[strategy.ols]\ntype = perp_short\nbeta = ols\nwindow = 30\n"
    "[strategy.band]\ntype = dynamic_rebalance\nbeta = ewma\nhalflife = 10\n"
    "band = 0.1\n";

static hs_config *parse(const char *text)
{
    hs_config *c = NULL;
    ck_assert_msg(hs_config_parse(&c, text, "t") == 0, "%s", hs_error_last());
    return c;
}

/* The automatic lookback is min_history + the slowest warm-up + 1, over
 * every run; an explicit one is taken as is. */
START_TEST(test_lookback)
{
    char text[4096];
    hs_registry *reg = NULL;
    ck_assert_int_eq(hs_registry_new(&reg), 0);
    snprintf(text, sizeof text,
             "[data]\nstart = 2021-01-01\nend = 2021-06-01\nusdt_is_usd = "
             "true\n[book]\nassets = ETH\nmin_history = 20\n[hedge]\nbenchmark "
             "= BTC\ninstrument = BTC-PERP\n%s"
             "[strategy.slow]\ntype = perp_short\nbeta = ols\nwindow = 75\n",
             RUNS);
    hs_config *c = parse(text);
    size_t lb = 0;
    ck_assert_int_eq(hs_plan_lookback(c, reg, &lb), 0);
    ck_assert_uint_eq(lb, 20 + 75 + 1); /* ols: warm-up = window */
    ck_assert_int_eq(hs_config_set(c, "data.lookback=33"), 0);
    ck_assert_int_eq(hs_plan_lookback(c, reg, &lb), 0);
    ck_assert_uint_eq(lb, 33);
    hs_config_free(c);
    hs_registry_free(reg);
}
END_TEST

/* A plan over a synthetic panel runs every run to metrics; the attribution
 * check of every step passed on the way (hs_engine_step fails otherwise),
 * and the unhedged run's equity is the book's. */
START_TEST(test_runs_over_a_panel)
{
    const double beta[3] = {0.8, 1.2, 1.5};
    hs_panel *p = fix_panel(200, 3, beta, 0.02, 0.0001, 5);
    char text[4096];
    fix_config_text(text, sizeof text, p, 3, 50, 5, 2, "next_open", RUNS);
    hs_config *c = NULL;
    hs_plan *pl = NULL;
    ck_assert_int_eq(fix_plan(&pl, &c, p, 50, text), 0);
    ck_assert_uint_eq(hs_plan_n_runs(pl), 3);
    ck_assert_uint_eq(hs_plan_live_from(pl), 50);
    ck_assert_ptr_null(hs_plan_metrics(pl, 0));
    ck_assert_int_eq(hs_plan_run(pl), 0);
    ck_assert_str_eq(hs_plan_spec(pl, 1)->name, "ols");
    const hs_book *b = hs_context_book(hs_plan_context(pl));
    const hs_run_series *u = hs_plan_series(pl, 0);
    for (size_t t = 50; t < 200; t++)
        hs_ck_rel(u->equity[t], b->equity[t], 1e-12);
    for (size_t i = 0; i < 3; i++)
        ck_assert_ptr_nonnull(hs_plan_metrics(pl, i));
    /* The hedged runs remove most of the variance of a beta-1.17 basket. */
    ck_assert_double_gt(hs_plan_metrics(pl, 1)->hedge_effectiveness, 0.5);
    ck_assert_double_eq(hs_plan_metrics(pl, 0)->hedge_effectiveness, 0);
    ck_assert_int_eq(hs_plan_modeled(pl), 0);
    hs_plan_free(pl);
    hs_config_free(c);
    hs_panel_free(p);
}
END_TEST

/* Assets are found by symbol: the same panel with its columns in another
 * order gives bit-identical runs. */
START_TEST(test_symbols_not_positions)
{
    const double beta[2] = {0.9, 1.3};
    hs_panel *p = fix_panel(150, 2, beta, 0.02, 0.0001, 8);
    const size_t na = p->n_assets, n = p->n_steps;
    const size_t perm[4] = {3, 1, 2, 0}; /* perp, A1, BENCH, A0 */
    hs_panel *q = NULL;
    ck_assert_int_eq(hs_panel_new(&q, n, na, p->step_ms), 0);
    memcpy(q->time, p->time, n * sizeof *q->time);
    memcpy(q->rate, p->rate, n * sizeof *q->rate);
    for (size_t j = 0; j < na; j++) {
        size_t a = perm[j];
        memcpy(q->symbol[j], p->symbol[a], HS_SYMBOL_MAX);
        for (size_t t = 0; t < n; t++) {
            size_t s = t * na + a, d = t * na + j;
            q->open[d] = p->open[s];
            q->high[d] = p->high[s];
            q->low[d] = p->low[s];
            q->close[d] = p->close[s];
            q->volume[d] = p->volume[s];
            q->state[d] = p->state[s];
            q->funding[d] = p->funding[s];
        }
    }
    hs_panel_finish(q);
    char text[4096];
    fix_config_text(text, sizeof text, p, 2, 40, 5, 2, "next_open", RUNS);
    hs_config *c1 = NULL, *c2 = NULL;
    hs_plan *a = NULL, *b = NULL;
    ck_assert_int_eq(fix_plan(&a, &c1, p, 40, text), 0);
    ck_assert_int_eq(fix_plan(&b, &c2, q, 40, text), 0);
    ck_assert_int_eq(hs_plan_run(a), 0);
    ck_assert_int_eq(hs_plan_run(b), 0);
    for (size_t i = 0; i < 3; i++) {
        const hs_run_series *x = hs_plan_series(a, i), *y = hs_plan_series(b, i);
        for (size_t t = 0; t < n; t++)
            ck_assert_msg(x->equity[t] == y->equity[t] &&
                              x->hedge_qty[t] == y->hedge_qty[t],
                          "run %zu step %zu differs", i, t);
    }
    hs_plan_free(a);
    hs_plan_free(b);
    hs_config_free(c1);
    hs_config_free(c2);
    hs_panel_free(p);
    hs_panel_free(q);
}
END_TEST

/* A panel without a symbol the config names is refused, naming it. */
START_TEST(test_missing_symbol)
{
    const double beta[2] = {0.9, 1.3};
    hs_panel *p = fix_panel(120, 2, beta, 0.02, 0, 9);
    char text[4096];
    fix_config_text(text, sizeof text, p, 2, 40, 5, 2, "next_open", RUNS);
    char *at = strstr(text, "instrument = BENCH-PERP");
    ck_assert_ptr_nonnull(at);
    memcpy(at, "instrument = OTHER-PERP", 23);
    hs_config *c = NULL;
    hs_plan *pl = NULL;
    ck_assert_int_eq(fix_plan(&pl, &c, p, 40, text), HS_EDATA);
    ck_assert_ptr_null(pl);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "OTHER-PERP"));
    hs_config_free(c);
    hs_panel_free(p);
}
END_TEST

/* Run selection keeps the config's order; an unknown name lists the runs. */
START_TEST(test_only)
{
    const double beta[2] = {0.9, 1.3};
    hs_panel *p = fix_panel(120, 2, beta, 0.02, 0, 10);
    char text[4096];
    fix_config_text(text, sizeof text, p, 2, 40, 5, 2, "next_open", RUNS);
    hs_config *c = parse(text);
    hs_registry *reg = NULL;
    ck_assert_int_eq(hs_registry_new(&reg), 0);
    const char *only[2] = {"band", "none"};
    hs_plan_opts po = HS_PLAN_OPTS_INIT;
    po.panel = p;
    po.live_from = 40;
    po.only = only;
    po.n_only = 2;
    hs_plan *pl = NULL;
    ck_assert_int_eq(hs_plan_new(&pl, c, reg, NULL, &po), 0);
    ck_assert_uint_eq(hs_plan_n_runs(pl), 2);
    ck_assert_str_eq(hs_plan_spec(pl, 0)->name, "none");
    ck_assert_str_eq(hs_plan_spec(pl, 1)->name, "band");
    hs_plan_free(pl);
    only[1] = "nope";
    ck_assert_int_eq(hs_plan_new(&pl, c, reg, NULL, &po), HS_ECONFIG);
    ck_assert_ptr_null(pl);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "[strategy.nope]"));
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "none, ols, band"));
    hs_registry_free(reg);
    hs_config_free(c);
    hs_panel_free(p);
}
END_TEST

/* Option runs share one modeled chain source, stepped together; each run
 * equals the same run rerun alone (hs_plan_rerun), bit for bit, and the
 * plan says its data is modeled. */
START_TEST(test_options_lockstep_equals_rerun)
{
    const double beta[2] = {1.1, 1.4};
    hs_panel *p = fix_panel(160, 2, beta, 0.02, 0.0002, 41);
    char text[8192];
    fix_config_text(text, sizeof text, p, 2, 40, 5, 2, "next_open",
                    "[options]\nunderlying = BENCH\nchains = model\n"
                    "[strategy.perp]\ntype = perp_short\nbeta = ewma\n"
                    "[strategy.puts]\ntype = protective_put\nbeta = ewma\n"
                    "contract_size = 0.1\n"
                    "[strategy.collar]\ntype = collar\nbeta = ewma\n"
                    "contract_size = 0.1\n");
    hs_config *c = NULL;
    hs_plan *pl = NULL;
    ck_assert_int_eq(fix_plan(&pl, &c, p, 40, text), 0);
    ck_assert_int_eq(hs_plan_modeled(pl), 1);
    ck_assert_ptr_null(hs_plan_spec(pl, 0)->options.chains);
    ck_assert_ptr_nonnull(hs_plan_spec(pl, 1)->options.chains);
    ck_assert_ptr_eq(hs_plan_spec(pl, 1)->options.chains,
                     hs_plan_spec(pl, 2)->options.chains);
    ck_assert_int_eq(hs_plan_spec(pl, 1)->options.underlying,
                     hs_panel_find(p, "BENCH"));
    ck_assert_int_eq(hs_plan_run(pl), 0);
    const size_t n = p->n_steps;
    double *eq = malloc(3 * n * sizeof *eq);
    size_t trades[3];
    for (size_t i = 0; i < 3; i++) {
        memcpy(eq + i * n, hs_plan_series(pl, i)->equity, n * sizeof *eq);
        trades[i] = hs_plan_series(pl, i)->n_otrades;
    }
    ck_assert_uint_gt(trades[1], 0);
    ck_assert_uint_gt(trades[2], 0);
    for (size_t i = 3; i-- > 0;) {
        hs_run_spec s = *hs_plan_spec(pl, i);
        ck_assert_int_eq(hs_plan_rerun(pl, i, &s), 0);
        ck_assert_ptr_null(hs_plan_metrics(pl, i));
        const hs_run_series *se = hs_plan_series(pl, i);
        ck_assert_uint_eq(se->n_otrades, trades[i]);
        for (size_t t = 0; t < n; t++)
            ck_assert_msg(se->equity[t] == eq[i * n + t],
                          "run %zu step %zu: %.17g vs %.17g", i, t,
                          se->equity[t], eq[i * n + t]);
    }
    ck_assert_int_eq(hs_plan_finish(pl), 0);
    ck_assert_ptr_nonnull(hs_plan_metrics(pl, 2));
    free(eq);
    hs_plan_free(pl);
    hs_config_free(c);
    hs_panel_free(p);
}
END_TEST

/* A rerun with another parameter changes the run, and a spec that trades
 * options is refused by a plan without chains. */
START_TEST(test_rerun)
{
    const double beta[2] = {0.9, 1.3};
    hs_panel *p = fix_panel(200, 2, beta, 0.02, 0, 12);
    char text[4096];
    fix_config_text(text, sizeof text, p, 2, 60, 5, 2, "next_open", RUNS);
    hs_config *c = NULL;
    hs_plan *pl = NULL;
    ck_assert_int_eq(fix_plan(&pl, &c, p, 60, text), 0);
    ck_assert_int_eq(hs_plan_run(pl), 0);
    const double before = hs_plan_series(pl, 1)->equity[199];
    hs_run_spec s = *hs_plan_spec(pl, 1);
    hs_values_set(&s.beta_params, "window", "10", "test");
    ck_assert_int_eq(hs_plan_rerun(pl, 1, &s), 0);
    ck_assert_double_ne(hs_plan_series(pl, 1)->equity[199], before);
    hs_values_set(&s.beta_params, "window", "30", "test");
    ck_assert_int_eq(hs_plan_rerun(pl, 1, &s), 0);
    ck_assert(hs_plan_series(pl, 1)->equity[199] == before);
    const hs_strategy_type *pp = NULL;
    for (const hs_strategy_type *const *t = hs_strategy_builtins; *t; t++)
        if (!strcmp((*t)->name, "protective_put"))
            pp = *t;
    hs_run_spec o = fix_spec(pp, &hs_beta_ewma);
    ck_assert_int_eq(hs_plan_rerun(pl, 1, &o), HS_ECONFIG);
    ck_assert_int_eq(hs_plan_rerun(pl, 7, &s), HS_EINVAL);
    hs_plan_free(pl);
    hs_config_free(c);
    hs_panel_free(p);
}
END_TEST

/* Results are written only after the runs have metrics, then hold every
 * run with the config's rolling window; an existing file is kept without
 * force. */
START_TEST(test_write)
{
    const double beta[2] = {0.9, 1.3};
    hs_panel *p = fix_panel(120, 2, beta, 0.02, 0, 13);
    char text[4096], path[64], runs[1024];
    snprintf(runs, sizeof runs, "[metrics]\nrolling_window = 30\n%s", RUNS);
    fix_config_text(text, sizeof text, p, 2, 40, 5, 2, "next_open", runs);
    hs_config *c = NULL;
    hs_plan *pl = NULL;
    ck_assert_int_eq(fix_plan(&pl, &c, p, 40, text), 0);
    snprintf(path, sizeof path, "/tmp/hs_plan_%d.h5", (int)getpid());
    unlink(path);
    hs_results_meta meta = {.mode = "history", .config_text = c->text};
    ck_assert_int_eq(hs_plan_write(pl, path, 0, &meta), HS_EINVAL);
    ck_assert_int_eq(access(path, F_OK), -1);
    ck_assert_int_eq(hs_plan_run(pl), 0);
    ck_assert_int_eq(hs_plan_write(pl, path, 0, &meta), 0);
    ck_assert_int_eq(access(path, F_OK), 0);
    /* The residual beta's rolling window comes from the config. */
    int64_t w = 0;
    ck_assert_int_eq(hs_h5_read_attr_i64(path, "/runs/ols/residual_beta_rolling",
                                         "window", &w),
                     0);
    ck_assert_int_eq(w, 30);
    ck_assert_int_eq(hs_plan_write(pl, path, 0, &meta), HS_EEXISTS);
    ck_assert_int_eq(hs_plan_write(pl, path, 1, &meta), 0);
    unlink(path);
    hs_plan_free(pl);
    hs_config_free(c);
    hs_panel_free(p);
}
END_TEST

/* A run that fails part-way (the fake plug-in fail_at, at live step 10) is
 * recorded as failed with its reason; the other runs complete, bit for bit
 * as without it, and the results file holds them and lists the failure. */
START_TEST(test_failed_run_others_complete)
{
    const double beta[2] = {0.9, 1.3};
    hs_panel *p = fix_panel(200, 2, beta, 0.02, 0.0001, 21);
    hs_registry *reg = fix_registry_with_fakes();
    char text[8192], runs[2048], path[64];
    snprintf(runs, sizeof runs,
             "[strategy.ols]\ntype = perp_short\nbeta = ols\nwindow = 30\n"
             "[strategy.bad]\ntype = fail_at\nstep = 10\n"
             "[strategy.band]\ntype = dynamic_rebalance\nbeta = ewma\n");
    fix_config_text(text, sizeof text, p, 2, 40, 5, 2, "next_open", runs);
    hs_config *c = NULL, *c2 = NULL;
    hs_plan *pl = NULL, *alone = NULL;
    ck_assert_int_eq(fix_plan_reg(&pl, &c, p, 40, text, reg), 0);
    ck_assert_int_eq(hs_plan_run(pl), 0);
    ck_assert_uint_eq(hs_plan_n_failed(pl), 1);
    ck_assert_int_eq(hs_plan_failed(pl, 0), 0);
    ck_assert_int_eq(hs_plan_failed(pl, 1), HS_ESTRATEGY);
    ck_assert_int_eq(hs_plan_failed(pl, 2), 0);
    ck_assert_str_eq(hs_plan_failure(pl, 0), "");
    const char *why = hs_plan_failure(pl, 1);
    ck_assert_ptr_nonnull(strstr(why, "run 'bad'"));
    ck_assert_ptr_nonnull(strstr(why, "deliberate failure at live step 10"));
    char tb[32];
    ck_assert_ptr_nonnull( /* at live step 10 */
        strstr(why, hs_cal_format_time(p->time[50], tb, sizeof tb)));
    ck_assert_ptr_null(hs_plan_metrics(pl, 1));
    ck_assert_ptr_nonnull(hs_plan_metrics(pl, 0));
    ck_assert_ptr_nonnull(hs_plan_metrics(pl, 2));

    /* The same config without the failing run: identical runs. */
    fix_config_text(text, sizeof text, p, 2, 40, 5, 2, "next_open",
                    "[strategy.ols]\ntype = perp_short\nbeta = ols\n"
                    "window = 30\n[strategy.band]\ntype = dynamic_rebalance\n"
                    "beta = ewma\n");
    ck_assert_int_eq(fix_plan_reg(&alone, &c2, p, 40, text, reg), 0);
    ck_assert_int_eq(hs_plan_run(alone), 0);
    for (size_t k = 0; k < 2; k++) {
        const hs_run_series *x = hs_plan_series(pl, k ? 2 : 0);
        const hs_run_series *y = hs_plan_series(alone, k);
        for (size_t t = 0; t < 200; t++)
            ck_assert_msg(x->equity[t] == y->equity[t], "run %zu step %zu", k,
                          t);
        ck_assert(hs_plan_metrics(pl, k ? 2 : 0)->hedge_effectiveness ==
                  hs_plan_metrics(alone, k)->hedge_effectiveness);
    }

    /* The file: the completed runs, and the failed one with its reason. */
    /* (in the working directory) */
    snprintf(path, sizeof path, "hs_plan_fail_%d.h5", (int)getpid());
    unlink(path);
    hs_results_meta meta = {.mode = "history", .config_text = c->text};
    ck_assert_msg(hs_plan_write(pl, path, 0, &meta) == 0, "%s",
                  hs_error_last());
    ck_assert_int_eq(hs_h5_exists(path, "/runs/ols"), 1);
    ck_assert_int_eq(hs_h5_exists(path, "/runs/band"), 1);
    ck_assert_int_eq(hs_h5_exists(path, "/runs/bad"), 0);
    char **names = NULL, **reasons = NULL, **types = NULL;
    size_t nn = 0, nrs = 0, nt = 0;
    ck_assert_int_eq(hs_h5_read_field_strings(path, "/summary", "run", &names, &nn), 0);
    ck_assert_uint_eq(nn, 2);
    hs_h5_strings_free(names, nn);
    ck_assert_int_eq(hs_h5_read_field_strings(path, "/failed_runs", "run", &names, &nn),
                     0);
    ck_assert_int_eq(
        hs_h5_read_field_strings(path, "/failed_runs", "reason", &reasons,
                                 &nrs), 0);
    ck_assert_int_eq(hs_h5_read_field_strings(path, "/failed_runs", "type", &types, &nt),
                     0);
    ck_assert_uint_eq(nn, 1);
    ck_assert_str_eq(names[0], "bad");
    ck_assert_str_eq(types[0], "fail_at");
    ck_assert_str_eq(reasons[0], why);
    hs_h5_strings_free(names, nn);
    hs_h5_strings_free(reasons, nrs);
    hs_h5_strings_free(types, nt);
    int64_t hedged = 0;
    ck_assert_int_eq(hs_h5_read_attr_i64(path, "/runs/ols", "steps_hedged",
                                         &hedged),
                     0);
    ck_assert_int_eq(hedged, (int64_t)hs_plan_steps_hedged(pl, 0));
    unlink(path);
    /* Without failures there is no such table. */
    ck_assert_int_eq(hs_plan_write(alone, path, 0, &meta), 0);
    ck_assert_int_eq(hs_h5_exists(path, "/failed_runs"), 0);
    unlink(path);

    /* A rerun of the failed run with a good spec clears its failure. */
    hs_run_spec good = *hs_plan_spec(pl, 0);
    good.name = "bad";
    ck_assert_int_eq(hs_plan_rerun(pl, 1, &good), 0);
    ck_assert_int_eq(hs_plan_failed(pl, 1), 0);
    ck_assert_uint_eq(hs_plan_n_failed(pl), 0);
    ck_assert_int_eq(hs_plan_finish(pl), 0);
    ck_assert_ptr_nonnull(hs_plan_metrics(pl, 1));
    hs_plan_free(pl);
    hs_plan_free(alone);
    hs_config_free(c);
    hs_config_free(c2);

    /* When every run fails, the plan says so and nothing is written. */
    fix_config_text(text, sizeof text, p, 2, 40, 5, 2, "next_open",
                    "[strategy.bad]\ntype = fail_at\nstep = 3\n"
                    "[strategy.worse]\ntype = fail_at\nstep = 4\n");
    ck_assert_int_eq(fix_plan_reg(&pl, &c, p, 40, text, reg), 0);
    ck_assert_int_eq(hs_plan_run(pl), HS_ESTRATEGY);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "every run failed"));
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "live step 3"));
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "live step 4"));
    ck_assert_uint_eq(hs_plan_n_failed(pl), 2);
    ck_assert_int_eq(hs_plan_write(pl, path, 0, &meta), HS_EINVAL);
    ck_assert_int_eq(access(path, F_OK), -1);
    hs_plan_free(pl);
    hs_config_free(c);
    hs_registry_free(reg);
    hs_panel_free(p);
}
END_TEST

/* An estimator whose window is longer than the history before start hedges
 * only once it has warmed up: the plan counts the steps hedged and a data
 * note says why. */
START_TEST(test_late_warmup_noted)
{
    const double beta[2] = {0.9, 1.3};
    hs_panel *p = fix_panel(200, 2, beta, 0.02, 0, 22);
    char text[4096];
    fix_config_text(text, sizeof text, p, 2, 20, 5, 2, "next_open",
                    "[strategy.none]\ntype = unhedged\nbeta = none\n"
                    "[strategy.ols]\ntype = perp_short\nbeta = ols\n"
                    "window = 30\n");
    hs_config *c = NULL;
    hs_plan *pl = NULL;
    ck_assert_int_eq(fix_plan(&pl, &c, p, 20, text), 0);
    ck_assert_int_eq(hs_plan_run(pl), 0);
    ck_assert_uint_eq(hs_plan_n_failed(pl), 0);
    /* ols, window 30: the first estimate needs 30 return observations */
    const hs_run_series *s = hs_plan_series(pl, 1);
    size_t first = 0, finite = 0;
    for (size_t t = 20; t < 200; t++)
        if (isfinite(s->beta[t]) && finite++ == 0)
            first = t;
    ck_assert_uint_gt(first, 20);
    ck_assert_uint_eq(finite, 200 - first);
    ck_assert_uint_eq(hs_plan_steps_hedged(pl, 1), finite);
    ck_assert_uint_eq(hs_plan_steps_hedged(pl, 0), 180); /* no estimator */
    char tb[32], want[128];
    snprintf(want, sizeof want, "run 'ols': no ols beta before %s, so only "
                                "%zu of 180 live steps are hedged",
             hs_cal_format_time(p->time[first], tb, sizeof tb), finite);
    ck_assert_msg(strstr(p->notes, want), "notes lack '%s':\n%s", want,
                  p->notes);
    ck_assert_ptr_nonnull(strstr(p->notes, "the history up to start gives"));
    /* A finish after a rerun does not repeat the note. */
    hs_run_spec sp = *hs_plan_spec(pl, 1);
    ck_assert_int_eq(hs_plan_rerun(pl, 1, &sp), 0);
    ck_assert_int_eq(hs_plan_finish(pl), 0);
    const char *at = strstr(p->notes, want);
    ck_assert_ptr_null(strstr(at + 1, want));
    hs_plan_free(pl);
    hs_config_free(c);
    hs_panel_free(p);
}
END_TEST

/* A benchmark whose price never moves gives no beta: that run fails with
 * that reason (not "the history is too short"), the others complete. */
START_TEST(test_constant_benchmark_reason)
{
    const double beta[2] = {0.9, 1.3};
    hs_panel *p = fix_panel(150, 2, beta, 0.02, 0, 23);
    for (size_t t = 0; t < p->n_steps; t++)
        for (size_t a = 2; a < 4; a++) { /* BENCH and BENCH-PERP */
            size_t i = t * p->n_assets + a;
            p->open[i] = p->high[i] = p->low[i] = p->close[i] = 300;
        }
    char text[4096];
    fix_config_text(text, sizeof text, p, 2, 60, 5, 2, "next_open",
                    "[strategy.none]\ntype = unhedged\nbeta = none\n"
                    "[strategy.ols]\ntype = perp_short\nbeta = ols\n"
                    "window = 30\n");
    hs_config *c = NULL;
    hs_plan *pl = NULL;
    ck_assert_int_eq(fix_plan(&pl, &c, p, 60, text), 0);
    ck_assert_int_eq(hs_plan_run(pl), 0);
    ck_assert_uint_eq(hs_plan_n_failed(pl), 1);
    ck_assert_int_eq(hs_plan_failed(pl, 1), HS_EDATA);
    const char *why = hs_plan_failure(pl, 1);
    ck_assert_ptr_nonnull(strstr(why, "run 'ols'"));
    ck_assert_ptr_nonnull(strstr(why, "never warmed up"));
    ck_assert_ptr_nonnull(strstr(why, "benchmark BENCH's returns are constant"));
    ck_assert_ptr_null(strstr(why, "too short"));
    ck_assert_ptr_nonnull(hs_plan_metrics(pl, 0));
    hs_plan_free(pl);
    hs_config_free(c);
    /* With only that run, the plan fails with the same reason. */
    fix_config_text(text, sizeof text, p, 2, 60, 5, 2, "next_open",
                    "[strategy.ols]\ntype = perp_short\nbeta = ols\n"
                    "window = 30\n");
    ck_assert_int_eq(fix_plan(&pl, &c, p, 60, text), 0);
    ck_assert_int_eq(hs_plan_run(pl), HS_EDATA);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "constant"));
    hs_plan_free(pl);
    hs_config_free(c);
    /* Too little history for the window is still said so. */
    fix_config_text(text, sizeof text, p, 2, 60, 5, 2, "next_open",
                    "[strategy.ols]\ntype = perp_short\nbeta = ols\n"
                    "window = 500\n");
    ck_assert_int_eq(fix_plan(&pl, &c, p, 60, text), 0);
    ck_assert_int_eq(hs_plan_run(pl), HS_EDATA);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "too short"));
    hs_plan_free(pl);
    hs_config_free(c);
    hs_panel_free(p);
}
END_TEST

/* From the store: the panel starts `lookback` steps before `start`, the
 * first live step is `start`, and a spot hedge equal to the benchmark is
 * its own column (the last). */
START_TEST(test_from_store)
{
    hs_store *st = NULL;
    hs_registry *reg = NULL;
    if (hs_store_open(&st, hs_test_db(), HS_STORE_READONLY)) {
        ck_abort_msg("no store at %s (make builds it)", hs_test_db());
    }
    ck_assert_int_eq(hs_registry_new(&reg), 0);
    hs_config *c = parse(
        "[data]\nstart = 2021-01-01\nend = 2021-12-31\nusdt_is_usd = true\n"
        "[book]\nassets = ETH,SOL\nmin_history = 30\n"
        "[hedge]\nbenchmark = BTC\ninstrument = BTC\n"
        "[strategy.ols]\ntype = perp_short\nbeta = ols\nwindow = 40\n");
    hs_plan *pl = NULL;
    ck_assert_msg(hs_plan_new(&pl, c, reg, st, NULL) == 0, "%s",
                  hs_error_last());
    const hs_panel *p = hs_plan_panel(pl);
    const size_t lf = hs_plan_live_from(pl);
    ck_assert_uint_eq(lf, 30 + 40 + 1);
    int64_t start;
    ck_assert_int_eq(hs_cal_parse_time("2021-01-01", &start), 0);
    ck_assert_int_eq(p->time[lf], start);
    ck_assert_int_eq(p->time[0], start - (int64_t)lf * HS_MS_PER_DAY);
    ck_assert_str_eq(p->symbol[p->n_assets - 1], "BTC");
    ck_assert_int_eq(hs_panel_find(p, "BTC"), 2);
    ck_assert_int_eq(hs_plan_run(pl), 0);
    ck_assert_ptr_nonnull(strstr(p->notes, "USDT prices treated as USD"));
    hs_plan_free(pl);
    hs_config_free(c);
    hs_registry_free(reg);
    hs_store_close(st);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("plan");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_lookback);
    tcase_add_test(tc, test_runs_over_a_panel);
    tcase_add_test(tc, test_symbols_not_positions);
    tcase_add_test(tc, test_missing_symbol);
    tcase_add_test(tc, test_only);
    tcase_add_test(tc, test_options_lockstep_equals_rerun);
    tcase_add_test(tc, test_rerun);
    tcase_add_test(tc, test_write);
    tcase_add_test(tc, test_failed_run_others_complete);
    tcase_add_test(tc, test_late_warmup_noted);
    tcase_add_test(tc, test_constant_benchmark_reason);
    tcase_add_test(tc, test_from_store);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return hs_test_main(suite()); }
