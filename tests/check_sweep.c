/* Parameter sweeps: grid parsing and validation, points equal to runs
 * alone, results independent of the thread count, the compound summary
 * table read back, and the compound table writer itself. */
#include "testutil.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

/* A year of three coins hedged with the BTC perp: small enough to sweep
 * dozens of points in a test. */
static const char *const BASE =
    "[data]\nstart = 2021-01-01\nend = 2021-12-31\nusdt_is_usd = true\n"
    "[book]\nassets = ETH,ADA,LTC\ncapital = 100000\nmin_history = 20\n"
    "[hedge]\nbenchmark = BTC\ninstrument = BTC-PERP\n"
    "[costs]\nfee_bps = 5\nslippage_bps = 2\n"
    "[strategy.ols]\ntype = perp_short\nbeta = ols\nwindow = 30\n";

typedef struct fixture {
    hs_config *cfg;
    hs_registry *reg;
    hs_store *store;
} fixture;

static void fix_open(fixture *f, const char *extra)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", BASE, extra ? extra : "");
    ck_assert_msg(hs_config_parse(&f->cfg, text, "sweep.ini") == 0, "%s",
                  hs_error_last());
    ck_assert_int_eq(hs_registry_new(&f->reg), 0);
    ck_assert_msg(hs_store_open(&f->store, hs_test_db(), HS_STORE_READONLY) ==
                      0,
                  "%s", hs_error_last());
}

static void fix_close(fixture *f)
{
    hs_store_close(f->store);
    hs_registry_free(f->reg);
    hs_config_free(f->cfg);
}

/* hs_sweep_new with the given axes; returns its code, the sweep in *out. */
static int grid(fixture *f, hs_sweep **out, const char *run, size_t nv, ...)
{
    const char *v[8];
    va_list ap;
    va_start(ap, nv);
    for (size_t i = 0; i < nv; i++)
        v[i] = va_arg(ap, const char *);
    va_end(ap);
    hs_sweep_opts o = HS_SWEEP_OPTS_INIT;
    o.run = run;
    return hs_sweep_new(out, f->cfg, f->reg, v, nv, &o);
}

static void expect_error(fixture *f, const char *run, const char *axis,
                         const char *msg1, const char *msg2)
{
    hs_sweep *sw = (hs_sweep *)1;
    int rc = grid(f, &sw, run, 1, axis);
    ck_assert_msg(rc == HS_ECONFIG, "%s: rc %d", axis, rc);
    ck_assert_ptr_null(sw);
    ck_assert_msg(strstr(hs_error_last(), msg1), "%s: message '%s' lacks '%s'",
                  axis, hs_error_last(), msg1);
    if (msg2)
        ck_assert_msg(strstr(hs_error_last(), msg2),
                      "%s: message '%s' lacks '%s'", axis, hs_error_last(),
                      msg2);
}

/* Ranges include their end, lists keep their order, points are numbered
 * as nested loops with the last axis fastest. */
START_TEST(test_grid_ranges_and_lists)
{
    fixture f;
    hs_sweep *sw = NULL;
    fix_open(&f, NULL);
    ck_assert_msg(grid(&f, &sw, NULL, 2, "strategy.ols.window=20:60:10",
                       "strategy.ols.target_beta = 1, 0.5") == 0,
                  "%s", hs_error_last());
    ck_assert_uint_eq(hs_sweep_n_axes(sw), 2);
    ck_assert_uint_eq(hs_sweep_n_points(sw), 5 * 2);
    ck_assert_str_eq(hs_sweep_axis_key(sw, 0), "strategy.ols.window");
    ck_assert_str_eq(hs_sweep_run_name(sw), "ols");
    const char *want[10][2] = {{"20", "1"}, {"20", "0.5"}, {"30", "1"},
                               {"30", "0.5"}, {"40", "1"}, {"40", "0.5"},
                               {"50", "1"}, {"50", "0.5"}, {"60", "1"},
                               {"60", "0.5"}};
    for (size_t p = 0; p < 10; p++)
        for (size_t a = 0; a < 2; a++)
            ck_assert_str_eq(hs_sweep_value(sw, p, a), want[p][a]);
    /* The warm-up of the slowest point: min_history + window 60 + 1. */
    ck_assert_uint_eq(hs_sweep_lookback(sw), 20 + 60 + 1);
    ck_assert_ptr_null(hs_sweep_metrics(sw, 0));
    hs_sweep_free(sw);

    /* Fractional steps: 0.1 + 2 x 0.1 prints as 0.3, and the end counts. */
    ck_assert_int_eq(grid(&f, &sw, NULL, 1, "strategy.ols.target_beta=0.1:0.3:0.1"), 0);
    ck_assert_uint_eq(hs_sweep_n_points(sw), 3);
    ck_assert_str_eq(hs_sweep_value(sw, 2, 0), "0.3");
    hs_sweep_free(sw);
    /* A one-value range, and a cost axis. */
    ck_assert_int_eq(grid(&f, &sw, NULL, 2, "strategy.ols.window=45:45:1",
                          "costs.fee_bps=0,2.5,10"),
                     0);
    ck_assert_uint_eq(hs_sweep_n_points(sw), 3);
    ck_assert_str_eq(hs_sweep_value(sw, 1, 1), "2.5");
    hs_sweep_free(sw);
    fix_close(&f);
}
END_TEST

/* Every malformed axis and every bad point is an error that says which. */
START_TEST(test_grid_errors)
{
    fixture f;
    hs_sweep *sw = NULL;
    fix_open(&f, "[strategy.band]\ntype = dynamic_rebalance\nbeta = ewma\n"
                 "halflife = 10\nband = 0.1\n");
    /* Two runs: --run is needed, and must name one of them. */
    expect_error(&f, NULL, "strategy.ols.window=20,30", "choose one with --run",
                 "ols, band");
    expect_error(&f, "nope", "strategy.ols.window=20,30",
                 "no [strategy.nope]", "ols, band");
    /* Keys outside the run and [costs]. */
    expect_error(&f, "ols", "strategy.band.band=0.1,0.2", "another section",
                 "'ols'");
    expect_error(&f, "ols", "book.capital=1,2", "only keys of [strategy.ols]",
                 "[costs]");
    expect_error(&f, "ols", "window=1,2", "section.key", NULL);
    expect_error(&f, "ols", "strategy.ols.window", "KEY=FIRST:LAST:STEP",
                 NULL);
    /* A key the run does not have: named, with the first point. */
    expect_error(&f, "ols", "strategy.ols.windw=20,30", "windw",
                 "grid point 0");
    /* Out of range: window 1 is below the OLS minimum; the message names
     * the point (index and values) and the key. */
    expect_error(&f, "ols", "strategy.ols.window=30,1,40", "grid point 1",
                 "window");
    expect_error(&f, "ols", "costs.fee_bps=5,-1", "grid point 1", "fee_bps");
    /* Ranges and lists. */
    expect_error(&f, "ols", "strategy.ols.window=60:20:10", "empty range",
                 NULL);
    expect_error(&f, "ols", "strategy.ols.window=20:60:0", "STEP must be "
                 "positive", NULL);
    expect_error(&f, "ols", "strategy.ols.window=20:60", "FIRST:LAST:STEP",
                 NULL);
    expect_error(&f, "ols", "strategy.ols.window=20:x:5", "finite numbers",
                 NULL);
    expect_error(&f, "ols", "strategy.ols.window=20,,30", "empty value", NULL);
    expect_error(&f, "ols", "strategy.ols.window=20,30,20", "given twice",
                 NULL);
    expect_error(&f, "ols", "strategy.ols.window=1:2000000:1", "more than",
                 NULL);
    /* The same key twice, no axis at all, too many points. */
    const char *twice[2] = {"strategy.ols.window=20,30",
                            "strategy.ols.window=40"};
    hs_sweep_opts o = HS_SWEEP_OPTS_INIT;
    o.run = "ols";
    ck_assert_int_eq(hs_sweep_new(&sw, f.cfg, f.reg, twice, 2, &o),
                     HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "varied twice"));
    ck_assert_int_eq(hs_sweep_new(&sw, f.cfg, f.reg, twice, 0, &o),
                     HS_ECONFIG);
    const char *big[2] = {"strategy.ols.window=2:5000:1",
                          "costs.fee_bps=0:9999:1"};
    ck_assert_int_eq(hs_sweep_new(&sw, f.cfg, f.reg, big, 2, &o), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "more than 10000000"));
    fix_close(&f);
}
END_TEST

/* Run a sweep with `threads` threads and write it; returns the sweep. */
static hs_sweep *run_sweep(fixture *f, const char *const *axes, size_t n,
                           size_t threads, size_t keep, const char *path)
{
    hs_sweep *sw = NULL;
    hs_sweep_opts o = HS_SWEEP_OPTS_INIT;
    o.threads = threads;
    o.keep_series = keep;
    ck_assert_msg(hs_sweep_new(&sw, f->cfg, f->reg, axes, n, &o) == 0, "%s",
                  hs_error_last());
    ck_assert_msg(hs_sweep_run(sw, f->store) == 0, "%s", hs_error_last());
    hs_results_meta meta = {.mode = "sweep", .config_text = f->cfg->text};
    ck_assert_msg(hs_sweep_write(sw, path, 1, &meta) == 0, "%s",
                  hs_error_last());
    return sw;
}

static double *column(const char *path, const char *field, size_t *n)
{
    double *v = NULL;
    ck_assert_msg(hs_h5_read_field_f64(path, "/sweep/summary", field, &v, n) ==
                      0,
                  "%s", hs_error_last());
    return v;
}

/* A point of the sweep is the run alone with the point's values and the
 * sweep's warm-up, bit for bit: every metric.  With a cost axis (points
 * set from text) and with strategy keys only (their specs resolved once
 * per value, then merged: the second grid). */
static void check_points_alone(fixture *fp, hs_sweep *sw)
{
    fixture f = *fp;
    for (size_t p = 0; p < hs_sweep_n_points(sw); p++) {
        char set[128];
        hs_config *c = NULL;
        hs_plan *pl = NULL;
        ck_assert_int_eq(hs_config_parse(&c, f.cfg->text, "alone.ini"), 0);
        for (size_t a = 0; a < 2; a++) {
            snprintf(set, sizeof set, "%s=%s", hs_sweep_axis_key(sw, a),
                     hs_sweep_value(sw, p, a));
            ck_assert_int_eq(hs_config_set(c, set), 0);
        }
        snprintf(set, sizeof set, "data.lookback=%zu", hs_sweep_lookback(sw));
        ck_assert_int_eq(hs_config_set(c, set), 0);
        ck_assert_msg(hs_plan_new(&pl, c, f.reg, f.store, NULL) == 0, "%s",
                      hs_error_last());
        ck_assert_int_eq(hs_plan_run(pl), 0);
        ck_assert_msg(memcmp(hs_plan_metrics(pl, 0), hs_sweep_metrics(sw, p),
                             sizeof(hs_metrics)) == 0,
                      "point %zu differs from the run alone", p);
        hs_plan_free(pl);
        hs_config_free(c);
    }
}

START_TEST(test_point_equals_run_alone)
{
    fixture f;
    fix_open(&f, NULL);
    const char *axes[2] = {"strategy.ols.window=20:60:20",
                           "costs.fee_bps=1,10"};
    hs_sweep *sw = run_sweep(&f, axes, 2, 2, 0, "check_sweep_alone.h5");
    check_points_alone(&f, sw);
    const char *strat[2] = {"strategy.ols.window=20:60:20",
                            "strategy.ols.target_beta=0,0.5"};
    hs_sweep *sw2 = run_sweep(&f, strat, 2, 2, 0, "check_sweep_alone.h5");
    check_points_alone(&f, sw2);
    /* the target beta changed the hedge at every window */
    for (size_t w = 0; w < 3; w++)
        ck_assert(hs_sweep_metrics(sw2, 2 * w)->hedge_effectiveness !=
                  hs_sweep_metrics(sw2, 2 * w + 1)->hedge_effectiveness);
    hs_sweep_free(sw2);
    /* Higher fees cost more at every window (the cost axis re-made the
     * plans' execution model). */
    for (size_t w = 0; w < 3; w++)
        ck_assert(hs_sweep_metrics(sw, 2 * w + 1)->fees >
                  hs_sweep_metrics(sw, 2 * w)->fees);
    hs_sweep_free(sw);
    unlink("check_sweep_alone.h5");
    fix_close(&f);
}
END_TEST

/* The summary and the kept series are the same bytes with 1, 2 and 3
 * threads, and the summary reads back as the sweep's own metrics. */
START_TEST(test_threads_identical)
{
    fixture f;
    fix_open(&f, NULL);
    const char *axes[3] = {"costs.slippage_bps=0,4",
                           "strategy.ols.window=10:70:5",
                           "strategy.ols.target_beta=0.5,1"};
    const char *files[3] = {"check_sweep_t1.h5", "check_sweep_t2.h5",
                            "check_sweep_t3.h5"};
    hs_sweep *sw[3];
    for (size_t t = 0; t < 3; t++)
        sw[t] = run_sweep(&f, axes, 3, t + 1, 2, files[t]);
    const size_t np = hs_sweep_n_points(sw[0]);
    ck_assert_uint_eq(np, 2 * 13 * 2);

    char **fields = NULL;
    size_t nf = 0;
    ck_assert_int_eq(hs_h5_read_fields(files[0], "/sweep/summary", &fields,
                                       &nf),
                     0);
    ck_assert_uint_eq(nf, 1 + 3 + 18);
    ck_assert_str_eq(fields[0], "point");
    ck_assert_str_eq(fields[2], "strategy.ols.window");
    ck_assert_str_eq(fields[4], "hedge_effectiveness");
    ck_assert_str_eq(fields[21], "total_return");
    for (size_t k = 1; k < nf; k++) {
        size_t n[3];
        double *v[3];
        for (size_t t = 0; t < 3; t++)
            v[t] = column(files[t], fields[k], &n[t]);
        ck_assert_uint_eq(n[0], np);
        for (size_t t = 1; t < 3; t++) {
            ck_assert_uint_eq(n[t], np);
            ck_assert_msg(memcmp(v[0], v[t], np * sizeof(double)) == 0,
                          "column %s differs with %zu threads", fields[k],
                          t + 1);
        }
        free(v[0]);
        free(v[1]);
        free(v[2]);
    }
    /* Read back: the table holds the sweep's metrics and values. */
    size_t n;
    double *he = column(files[0], "hedge_effectiveness", &n);
    double *win = column(files[0], "strategy.ols.window", &n);
    int64_t *point = NULL;
    ck_assert_int_eq(hs_h5_read_field_i64(files[0], "/sweep/summary", "point",
                                          &point, &n),
                     0);
    for (size_t p = 0; p < np; p++) {
        ck_assert_int_eq(point[p], (int64_t)p);
        ck_assert(memcmp(&he[p],
                         &hs_sweep_metrics(sw[0], p)->hedge_effectiveness,
                         sizeof(double)) == 0);
        ck_assert_double_eq(win[p], atof(hs_sweep_value(sw[0], p, 1)));
    }
    /* The kept series: the best point's equity, the same with 3 threads. */
    double *e1 = NULL, *e3 = NULL;
    size_t n1, n3;
    ck_assert_int_eq(hs_h5_read_f64(files[0], "/sweep/series/best_1/equity",
                                    &e1, &n1),
                     0);
    ck_assert_int_eq(hs_h5_read_f64(files[2], "/sweep/series/best_1/equity",
                                    &e3, &n3),
                     0);
    ck_assert_uint_eq(n1, n3);
    ck_assert(memcmp(e1, e3, n1 * sizeof *e1) == 0);
    int64_t best = -1, worst = -1;
    ck_assert_int_eq(hs_h5_read_attr_i64(files[0], "/sweep/series/best_1",
                                         "point", &best),
                     0);
    ck_assert_int_eq(hs_h5_read_attr_i64(files[0], "/sweep/series/worst_1",
                                         "point", &worst),
                     0);
    for (size_t p = 0; p < np; p++) {
        ck_assert(he[p] <= he[best]);
        ck_assert(he[p] >= he[worst]);
    }
    ck_assert_int_eq(hs_h5_exists(files[0], "/sweep/series/best_3"), 0);
    ck_assert_int_eq(hs_h5_exists(files[0], "/sweep/series/worst_2"), 1);
    free(e1);
    free(e3);
    free(point);
    free(he);
    free(win);
    hs_h5_strings_free(fields, nf);
    for (size_t t = 0; t < 3; t++) {
        hs_sweep_free(sw[t]);
        unlink(files[t]);
    }
    fix_close(&f);
}
END_TEST

/* A point that fails while running (an estimator that never warms up in
 * the window) stops the sweep with an error naming the point. */
START_TEST(test_run_error_names_point)
{
    fixture f;
    fix_open(&f, NULL);
    ck_assert_int_eq(hs_config_set(f.cfg, "data.lookback=5"), 0);
    const char *axes[1] = {"strategy.ols.window=20,400"};
    hs_sweep *sw = NULL;
    hs_sweep_opts o = HS_SWEEP_OPTS_INIT;
    o.threads = 2;
    ck_assert_int_eq(hs_sweep_new(&sw, f.cfg, f.reg, axes, 1, &o), 0);
    ck_assert_int_eq(hs_sweep_run(sw, f.store), HS_EDATA);
    ck_assert_msg(strstr(hs_error_last(), "grid point 1") &&
                      strstr(hs_error_last(), "never warmed up"),
                  "%s", hs_error_last());
    hs_results_meta meta = {.mode = "sweep"};
    ck_assert_int_eq(hs_sweep_write(sw, "check_sweep_never.h5", 1, &meta),
                     HS_EINVAL);
    ck_assert_int_ne(access("check_sweep_never.h5", F_OK), 0);
    hs_sweep_free(sw);
    fix_close(&f);
}
END_TEST

/* The compound writer: numbers and strings read back; bad tables refused. */
START_TEST(test_compound_table)
{
    const char *path = "check_sweep_table.h5";
    hs_h5 *h = NULL;
    const double x[3] = {1.5, NAN, -2};
    const int64_t k[3] = {7, 8, 9};
    const char *s[3] = {"a", "ü", ""};
    hs_h5_column cols[3] = {{"x", HS_H5_COL_F64, x, "USD"},
                            {"k", HS_H5_COL_I64, k, NULL},
                            {"s", HS_H5_COL_STR, s, NULL}};
    ck_assert_int_eq(hs_h5_create(&h, path, 1), 0);
    ck_assert_int_eq(hs_h5_write_compound(h, "/t/table", cols, 3, 3), 0);
    ck_assert_int_eq(hs_h5_write_compound(h, "/t/table", cols, 3, 3),
                     HS_EEXISTS);
    ck_assert_int_eq(hs_h5_write_compound(h, "/t/empty", cols, 3, 0), 0);
    hs_h5_column dup[2] = {cols[0], cols[0]};
    ck_assert_int_eq(hs_h5_write_compound(h, "/t/dup", dup, 2, 3), HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "given twice"));
    ck_assert_int_eq(hs_h5_write_compound(h, "/t/none", cols, 0, 3), HS_EINVAL);
    hs_h5_column nul = {"n", HS_H5_COL_F64, NULL, NULL};
    ck_assert_int_eq(hs_h5_write_compound(h, "/t/nul", &nul, 1, 3), HS_EINVAL);
    const char *bad[1] = {"\xff"};
    hs_h5_column badc = {"b", HS_H5_COL_STR, bad, NULL};
    ck_assert_int_eq(hs_h5_write_compound(h, "/t/bad", &badc, 1, 1), HS_EINVAL);
    ck_assert_int_eq(hs_h5_write_f64(h, "/plain", x, 3), 0);
    ck_assert_int_eq(hs_h5_commit(h), 0);

    double *rx = NULL;
    int64_t *rk = NULL;
    size_t n = 0;
    char **units = NULL, **fields = NULL;
    ck_assert_int_eq(hs_h5_read_field_f64(path, "/t/table", "x", &rx, &n), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_double_eq(rx[0], 1.5);
    ck_assert(isnan(rx[1]));
    ck_assert_double_eq(rx[2], -2);
    ck_assert_int_eq(hs_h5_read_field_i64(path, "/t/table", "k", &rk, &n), 0);
    ck_assert_int_eq(rk[2], 9);
    ck_assert_int_eq(hs_h5_read_fields(path, "/t/table", &fields, &n), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(fields[2], "s");
    ck_assert_int_eq(hs_h5_read_attr_strings(path, "/t/table", "units", &units,
                                             &n),
                     0);
    ck_assert_str_eq(units[0], "USD");
    ck_assert_str_eq(units[1], "");
    free(rx);
    free(rk);
    rx = NULL;
    ck_assert_int_eq(hs_h5_read_field_f64(path, "/t/empty", "x", &rx, &n), 0);
    ck_assert_uint_eq(n, 0);
    /* Errors: a missing column, a column of another class, a plain
     * dataset, a missing table. */
    ck_assert_int_eq(hs_h5_read_field_f64(path, "/t/table", "y", &rx, &n),
                     HS_ENOTFOUND);
    ck_assert_int_eq(hs_h5_read_field_f64(path, "/t/table", "k", &rx, &n),
                     HS_EDATA);
    ck_assert_int_eq(hs_h5_read_field_i64(path, "/t/table", "x", &rk, &n),
                     HS_EDATA);
    ck_assert_int_eq(hs_h5_read_field_f64(path, "/plain", "x", &rx, &n),
                     HS_EDATA);
    hs_h5_strings_free(units, 3);
    hs_h5_strings_free(fields, 3);
    ck_assert_int_eq(hs_h5_read_fields(path, "/t/nope", &fields, &n),
                     HS_ENOTFOUND);
    ck_assert_ptr_null(fields);
    unlink(path);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = tcase_create("grid");
    tcase_add_test(tc, test_grid_ranges_and_lists);
    tcase_add_test(tc, test_grid_errors);
    tcase_add_test(tc, test_compound_table);
    suite_add_tcase(s, tc);
    tc = tcase_create("runs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_point_equals_run_alone);
    tcase_add_test(tc, test_threads_identical);
    tcase_add_test(tc, test_run_error_names_point);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return hs_test_main(suite()); }
