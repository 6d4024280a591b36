/* Stress windows: the crisis library and its parser, [window.NAME] config
 * sections, window bounds and warm-up, no look-ahead across a window's
 * start or end, a known fact of the real data (the COVID crash), the
 * window metrics' invariants, the results file and the bad inputs. */
#include "enginefix.h"
#include "testutil.h"

#include "hedgesim/analyze.h"
#include "hedgesim/stress.h"

#include <string.h>
#include <unistd.h>

static int64_t day(const char *s)
{
    int64_t t = 0;
    ck_assert_int_eq(hs_cal_parse_time(s, &t), 0);
    return t;
}

START_TEST(test_library)
{
    static const char *const want[] = {
        "covid_crash",  "may2021_crash",        "luna_ust",
        "june2022_deleveraging", "ftx_collapse", "aug2024_carry_unwind",
        "calm_2023"};
    hs_window w[HS_WINDOW_MAX];
    size_t n = 0;
    ck_assert_int_eq(hs_window_library(w, HS_WINDOW_MAX, &n), 0);
    ck_assert_uint_ge(n, 7);
    for (size_t k = 0; k < 7; k++) {
        hs_window x;
        ck_assert_msg(hs_window_find(NULL, want[k], &x) == 0, "%s", want[k]);
        ck_assert(x.end > x.start);
        ck_assert(strlen(x.reference) > 20);
        ck_assert(strlen(x.description) > 10);
        ck_assert(!x.from_config);
    }
    hs_window c;
    ck_assert_int_eq(hs_window_find(NULL, "covid_crash", &c), 0);
    ck_assert_int_eq(c.start, day("2020-03-01"));
    ck_assert_int_eq(c.end, day("2020-03-31"));
    ck_assert_int_eq(hs_window_find(NULL, "ftx_collapse", &c), 0);
    ck_assert(c.start <= day("2022-11-11") && c.end >= day("2022-11-11"));
}
END_TEST

START_TEST(test_parse_errors)
{
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"", "empty"},
        {"name,start,end\n", "header"},
        {"name,start,end,description,reference\nx,2020-01-01,2020-02-01,d\n",
         "4 fields"},
        {"name,start,end,description,reference\nx,2020-13-01,2020-02-01,d,r\n",
         "start"},
        {"name,start,end,description,reference\nx,2020-03-01,2020-02-01,d,r\n",
         "ends before"},
        {"name,start,end,description,reference\nx y,2020-01-01,2020-02-01,d,"
         "r\n",
         "names are"},
        {"name,start,end,description,reference\nx,2020-01-01,2020-02-01,d,r\n"
         "x,2020-01-01,2020-02-01,d,r\n",
         "twice"},
        {"name,start,end,description,reference\nx,2020-01-01,2020-02-01,\"d,"
         "r\n",
         "unterminated"},
    };
    hs_window w[4];
    size_t n;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(hs_window_parse(bad[i].text, "t.csv", w, 4, &n),
                         HS_EPARSE);
        ck_assert_msg(strstr(hs_error_last(), bad[i].msg) &&
                          strstr(hs_error_last(), "t.csv"),
                      "case %zu: %s", i, hs_error_last());
    }
    /* Quoted fields keep commas and "" escapes; blank lines are skipped. */
    ck_assert_int_eq(
        hs_window_parse("name,start,end,description,reference\n\n"
                        "a,2020-01-01,2020-01-31,\"x, \"\"y\"\"\",r\r\n",
                        "t.csv", w, 4, &n),
        0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(w[0].description, "x, \"y\"");
    ck_assert_str_eq(w[0].reference, "r");
    ck_assert_int_eq(hs_window_parse("name,start,end,description,reference\n"
                                     "a,2020-01-01,2020-01-31,d,r\n"
                                     "b,2020-01-01,2020-01-31,d,r\n",
                                     "t.csv", w, 1, &n),
                     HS_EPARSE);
}
END_TEST

#define BASE                                                                   \
    "[data]\nstart = 2021-01-01\nend = 2021-12-31\nusdt_is_usd = true\n"       \
    "[book]\nassets = ETH,ADA\n[hedge]\nbenchmark = BTC\n"                     \
    "instrument = BTC-PERP\n[strategy.none]\ntype = unhedged\n"                \
    "[strategy.ols]\ntype = perp_short\nbeta = ols\nwindow = 30\n"

START_TEST(test_config_windows)
{
    hs_config *c = NULL;
    ck_assert_msg(hs_config_parse(&c,
                                  BASE "[window.mine]\nstart = 2021-05-01\n"
                                       "end = 2021-05-20\ndescription = my "
                                       "test\n[window.covid_crash]\nstart = "
                                       "2020-03-10\nend = 2020-03-20\n",
                                  "t.ini") == 0,
                  "%s", hs_error_last());
    ck_assert_uint_eq(c->n_windows, 2);
    ck_assert(!c->rolling_window_given);
    hs_window w;
    ck_assert_int_eq(hs_window_find(c, "mine", &w), 0);
    ck_assert(w.from_config);
    ck_assert_int_eq(w.start, day("2021-05-01"));
    ck_assert_str_eq(w.description, "my test");
    /* A config window replaces the library's of the same name. */
    ck_assert_int_eq(hs_window_find(c, "covid_crash", &w), 0);
    ck_assert_int_eq(w.start, day("2020-03-10"));
    ck_assert(w.from_config);
    /* Unknown windows: an error listing the known ones. */
    ck_assert_int_eq(hs_window_find(c, "nope", &w), HS_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "mine"));
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "ftx_collapse"));
    /* The window's config: dates set, overrides kept. */
    ck_assert_int_eq(hs_config_set(c, "strategy.ols.window=40"), 0);
    hs_config *wc = NULL;
    ck_assert_int_eq(hs_window_find(c, "mine", &w), 0);
    ck_assert_int_eq(hs_window_config(c, &w, &wc), 0);
    ck_assert_int_eq(wc->start, day("2021-05-01"));
    ck_assert_int_eq(wc->end, day("2021-05-20"));
    ck_assert_ptr_nonnull(strstr(wc->overrides, "strategy.ols.window=40"));
    ck_assert_int_eq(c->start, day("2021-01-01")); /* the original is kept */
    hs_config_free(wc);
    hs_config_free(c);

    ck_assert_int_eq(hs_config_parse(&c, BASE "[metrics]\nrolling_window = 12\n",
                                     "t.ini"),
                     0);
    ck_assert(c->rolling_window_given);
    hs_config_free(c);

    static const struct {
        const char *sec, *msg;
    } bad[] = {
        {"[window.x]\nend = 2021-05-01\n", "'start' is required"},
        {"[window.x]\nstart = 2021-05-01\nend = 2021-04-01\n", "empty"},
        {"[window.x]\nstart = 2021-05-01\nend = 2021-06-01\nfoo = 1\n",
         "unknown key 'foo'"},
        {"[window.x y]\nstart = 2021-05-01\nend = 2021-06-01\n",
         "[A-Za-z0-9_-]"},
        {"[window.x]\nstart = someday\nend = 2021-06-01\n", "'start'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[2048];
        snprintf(text, sizeof text, "%s%s", BASE, bad[i].sec);
        ck_assert_int_eq(hs_config_parse(&c, text, "t.ini"), HS_ECONFIG);
        ck_assert_msg(strstr(hs_error_last(), bad[i].msg) &&
                          strstr(hs_error_last(), "t.ini"),
                      "case %zu: %s", i, hs_error_last());
    }
}
END_TEST

START_TEST(test_rolling_default)
{
    ck_assert_uint_eq(hs_stress_rolling_window(31, 0), 10);
    ck_assert_uint_eq(hs_stress_rolling_window(9, 0), 5);
    ck_assert_uint_eq(hs_stress_rolling_window(4, 0), 4);
    ck_assert_uint_eq(hs_stress_rolling_window(600, 0), 90);
    ck_assert_uint_eq(hs_stress_rolling_window(31, 45), 45);
}
END_TEST

/* ------------------------------------------------ on a synthetic panel */

static const char *const FIX_RUNS =
    "[strategy.none]\ntype = unhedged\n"
    "[strategy.ols]\ntype = perp_short\nbeta = ols\nwindow = 30\n"
    "[strategy.ewma]\ntype = perp_short\nbeta = ewma\nhalflife = 10\n"
    "[window.mid]\nstart = 2020-08-01\nend = 2020-09-15\n";

typedef struct fixture {
    hs_panel *p;
    hs_config *c;
    hs_registry *reg;
    hs_stress *st;
} fixture;

static int fix_stress(fixture *f, const hs_panel *p)
{
    const double beta[3] = {0.8, 1.2, 1.5};
    char text[4096];
    hs_stress_opts so = HS_STRESS_OPTS_INIT;
    const char *win[1] = {"mid"};
    memset(f, 0, sizeof *f);
    f->p = p ? NULL : fix_panel(400, 3, beta, 0.02, 0.0001, 7);
    fix_config_text(text, sizeof text, p ? p : f->p, 3, 50, 5, 2, "next_open",
                    FIX_RUNS);
    if (hs_config_parse(&f->c, text, "fixture") || hs_registry_new(&f->reg))
        abort();
    so.windows = win;
    so.n_windows = 1;
    so.panel = p ? p : f->p;
    int rc = hs_stress_new(&f->st, f->c, f->reg, NULL, &so);
    return rc ? rc : hs_stress_run(f->st);
}

static void fix_free(fixture *f)
{
    hs_stress_free(f->st);
    hs_registry_free(f->reg);
    hs_config_free(f->c);
    hs_panel_free(f->p);
}

static hs_panel *copy_panel(const hs_panel *s)
{
    hs_panel *p = NULL;
    if (hs_panel_new(&p, s->n_steps, s->n_assets, s->step_ms))
        abort();
    const size_t n = s->n_steps, na = s->n_assets;
    memcpy(p->symbol, s->symbol, na * sizeof *p->symbol);
    memcpy(p->time, s->time, n * sizeof *p->time);
    memcpy(p->rate, s->rate, n * sizeof *p->rate);
    memcpy(p->open, s->open, n * na * sizeof(double));
    memcpy(p->high, s->high, n * na * sizeof(double));
    memcpy(p->low, s->low, n * na * sizeof(double));
    memcpy(p->close, s->close, n * na * sizeof(double));
    memcpy(p->volume, s->volume, n * na * sizeof(double));
    memcpy(p->funding, s->funding, n * na * sizeof(double));
    memcpy(p->state, s->state, n * na);
    hs_panel_finish(p);
    return p;
}

/* Every price of every asset from step `from` on moves by a different
 * factor each step (so returns change, not only levels). */
static void perturb(hs_panel *p, size_t from)
{
    for (size_t t = from; t < p->n_steps; t++)
        for (size_t a = 0; a < p->n_assets; a++) {
            size_t i = t * p->n_assets + a;
            double k = 1.0 + 0.2 * sin(0.9 * (double)t + (double)a);
            p->open[i] *= k;
            p->high[i] *= k;
            p->low[i] *= k;
            p->close[i] *= k;
        }
}

static int same(const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof(double)) && !(isnan(a[i]) && isnan(b[i])))
            return 0;
    return 1;
}

/* Window bounds: the first live step is the window's start, the last its
 * end, the warm-up the plan's lookback before it. */
START_TEST(test_bounds_and_warmup)
{
    fixture f;
    ck_assert_msg(fix_stress(&f, NULL) == 0, "%s", hs_error_last());
    const hs_plan *pl = hs_stress_plan(f.st, 0);
    const hs_panel *p = hs_plan_panel(pl);
    size_t lb;
    ck_assert_int_eq(hs_plan_lookback(f.c, f.reg, &lb), 0);
    ck_assert_uint_eq(hs_plan_live_from(pl), lb);
    /* min_history 1 + the slowest estimator + 1: the unhedged run's
     * default estimator, ols with its default window of 60. */
    ck_assert_uint_eq(lb, 1 + 60 + 1);
    ck_assert_int_eq(p->time[lb], day("2020-08-01"));
    ck_assert_int_eq(p->time[p->n_steps - 1], day("2020-09-15"));
    ck_assert_uint_eq(hs_stress_n_rows(f.st), 3);
    const hs_stress_row *r = hs_stress_row_at(f.st, 1);
    ck_assert_str_eq(r->window, "mid");
    ck_assert_str_eq(r->run, "ols");
    ck_assert_int_eq(r->steps, 46);
    ck_assert_int_eq(r->warmup, (int64_t)lb);
    ck_assert(isnan(r->ann_hedged)); /* 46 days: no annualised figure */
    ck_assert_uint_eq(hs_stress_rolling(f.st, 0), 15);
    fix_free(&f);
}
END_TEST

/* No look-ahead: changing every price from the window's start on changes
 * nothing the warm-up decided; changing prices after the window's end
 * changes nothing at all. */
START_TEST(test_no_lookahead)
{
    fixture a, b, c;
    ck_assert_msg(fix_stress(&a, NULL) == 0, "%s", hs_error_last());
    const hs_plan *pa = hs_stress_plan(a.st, 0);
    const size_t lf = hs_plan_live_from(pa);
    size_t s0 = 0;
    while (a.p->time[s0] < day("2020-08-01"))
        s0++;
    size_t s_end = s0;
    while (a.p->time[s_end] < day("2020-09-15"))
        s_end++;

    hs_panel *pb = copy_panel(a.p);
    perturb(pb, s0);
    ck_assert_msg(fix_stress(&b, pb) == 0, "%s", hs_error_last());
    hs_panel *pc = copy_panel(a.p);
    perturb(pc, s_end + 1);
    ck_assert_msg(fix_stress(&c, pc) == 0, "%s", hs_error_last());

    const hs_plan *pb_ = hs_stress_plan(b.st, 0), *pc_ = hs_stress_plan(c.st, 0);
    const hs_book *ba = hs_context_book(hs_plan_context(pa));
    const hs_book *bb = hs_context_book(hs_plan_context(pb_));
    const size_t nb = ba->n_assets;
    int differs = 0;
    for (size_t i = 0; i < hs_plan_n_runs(pa); i++) {
        const hs_run_series *sa = hs_plan_series(pa, i);
        const hs_run_series *sb = hs_plan_series(pb_, i);
        const hs_run_series *sc = hs_plan_series(pc_, i);
        /* Warm-up: estimates and hedge ratios up to the close before the
         * window's start are the same. */
        ck_assert(same(sa->beta, sb->beta, lf));
        ck_assert(same(sa->hedge_ratio, sb->hedge_ratio, lf));
        differs |= !same(sa->ret + lf, sb->ret + lf, sa->n_steps - lf);
        /* After the end: everything is the same. */
        ck_assert_uint_eq(sa->n_steps, sc->n_steps);
        for (size_t k = 0; k < HS_RUN_SERIES_N; k++) {
            const hs_series_desc *d = &hs_run_series_desc[k];
            ck_assert_msg(same(hs_run_series_data(sa, d),
                               hs_run_series_data(sc, d), sa->n_steps),
                          "series %s changed", d->name);
        }
        const hs_stress_row *ra = hs_stress_row_at(a.st, i);
        const hs_stress_row *rc = hs_stress_row_at(c.st, i);
        ck_assert(same(&ra->ret_hedged, &rc->ret_hedged, 1));
        ck_assert(same(&ra->hedge_effectiveness, &rc->hedge_effectiveness, 1));
    }
    /* The book's target weights before the window are the same too. */
    ck_assert(same(ba->target, bb->target, lf * nb));
    ck_assert_msg(differs, "the perturbation changed no return in the "
                           "window: the test would prove nothing");
    fix_free(&a);
    fix_free(&b);
    fix_free(&c);
    hs_panel_free(pb);
    hs_panel_free(pc);
}
END_TEST

/* Invariants of the rows: the unhedged run is the book (same return and
 * drawdown, no hedge cost, HE 0); every run's unhedged figures are the
 * same book's; worst days and drawdowns are consistent. */
START_TEST(test_row_invariants)
{
    fixture f;
    ck_assert_msg(fix_stress(&f, NULL) == 0, "%s", hs_error_last());
    const hs_stress_row *u = hs_stress_row_at(f.st, 0);
    ck_assert_str_eq(u->run, "none");
    hs_ck_near(u->ret_hedged, u->ret_unhedged, 1e-12);
    hs_ck_near(u->mdd_hedged, u->mdd_unhedged, 1e-12);
    hs_ck_near(u->hedge_cost, 0, 1e-6);
    hs_ck_near(u->hedge_effectiveness, 0, 1e-12);
    ck_assert_int_eq(u->dd_reduced, 0);
    for (size_t i = 0; i < hs_stress_n_rows(f.st); i++) {
        const hs_stress_row *r = hs_stress_row_at(f.st, i);
        ck_assert(same(&r->ret_unhedged, &u->ret_unhedged, 1));
        ck_assert_int_eq(r->worst_unhedged_time, u->worst_unhedged_time);
        ck_assert(r->worst_hedged >= -r->mdd_hedged - 1e-12);
        ck_assert_int_eq(r->dd_reduced, r->mdd_hedged < r->mdd_unhedged);
        hs_ck_near(r->hedge_cost_frac, r->hedge_cost / 1e6, 1e-15);
    }
    /* The hedged runs pay for their hedge and cut most of the variance of
     * a book with betas 0.8-1.5 and 2 % idiosyncratic noise. */
    const hs_stress_row *o = hs_stress_row_at(f.st, 1);
    ck_assert(o->hedge_effectiveness > 0.5);
    /* The hedge's cost from the fixture's cost model: 5 bps fee and 2 bps
     * fixed slippage on the notional of each hedge fill in the window,
     * plus the funding the run paid (received: negative). */
    const hs_plan *pl = hs_stress_plan(f.st, 0);
    const hs_run_series *se = hs_plan_series(pl, 1);
    const hs_panel *p = hs_plan_panel(pl);
    const size_t lf = hs_plan_live_from(pl);
    double notional = 0, funding = 0;
    for (size_t k = 0; k < se->n_fills; k++)
        if (se->fill_time[k] >= p->time[lf])
            notional += fabs(se->fill_qty[k] * se->fill_price[k]);
    for (size_t t = lf; t < se->n_steps; t++)
        funding -= se->funding[t];
    ck_assert(se->n_fills > 0 && funding != 0);
    hs_ck_rel(o->hedge_cost, 7e-4 * notional + funding, 1e-3);
    fix_free(&f);
}
END_TEST

START_TEST(test_panel_warmup_too_long)
{
    fixture f;
    hs_panel *p = fix_panel(60, 3, (const double[3]){1, 1, 1}, 0.02, 0, 3);
    /* The panel starts 2020-01-01 and "mid" starts 2020-08-01: beyond the
     * panel entirely. */
    ck_assert_int_eq(fix_stress(&f, p), HS_EDATA);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "no step"));
    fix_free(&f);
    hs_panel_free(p);
    /* A panel that starts 10 days before the window: too short a warm-up. */
    p = fix_panel(400, 3, (const double[3]){1, 1, 1}, 0.02, 0, 3);
    for (size_t t = 0; t < p->n_steps; t++)
        p->time[t] += (day("2020-07-22") - day("2020-01-01"));
    ck_assert_int_eq(fix_stress(&f, p), HS_EDATA);
    ck_assert_msg(strstr(hs_error_last(), "warm-up") &&
                      strstr(hs_error_last(), "mid"),
                  "%s", hs_error_last());
    fix_free(&f);
    hs_panel_free(p);
}
END_TEST

/* --------------------------------------------------- on the real data */

static hs_store *open_store(void)
{
    hs_store *st = NULL;
    if (hs_store_open(&st, hs_test_db(), HS_STORE_READONLY))
        ck_abort_msg("no store at %s (make builds it)", hs_test_db());
    return st;
}

static int real_stress(hs_stress **out, hs_config **c, hs_registry **reg,
                       hs_store *st, const char *text, const char *window)
{
    const char *w[1] = {window};
    hs_stress_opts so = HS_STRESS_OPTS_INIT;
    so.windows = w;
    so.n_windows = 1;
    *out = NULL;
    if (hs_config_parse(c, text, "real.ini") || hs_registry_new(reg))
        ck_abort_msg("%s", hs_error_last());
    int rc = hs_stress_new(out, *c, *reg, st, &so);
    return rc ? rc : hs_stress_run(*out);
}

/* Binance BTCUSDT closed at 7,934.52 on 2020-03-11 and 4,800.00 on
 * 2020-03-12: the benchmark's return on the 12th is 4800 / 7934.52 - 1,
 * and that day is the book's worst of the COVID window. */
START_TEST(test_covid_known_fact)
{
    hs_store *st = open_store();
    hs_stress *s = NULL;
    hs_config *c = NULL;
    hs_registry *reg = NULL;
    ck_assert_msg(real_stress(&s, &c, &reg, st,
                              "[data]\nstart = 2019-01-01\nend = "
                              "2019-12-31\nusdt_is_usd = true\n"
                              "[book]\nassets = ETH,XRP,LTC\n[hedge]\n"
                              "benchmark = BTC\ninstrument = BTC-PERP\n"
                              "[strategy.none]\ntype = unhedged\n"
                              "[strategy.ols]\ntype = perp_short\nbeta = "
                              "ols\nwindow = 30\n",
                              "covid_crash") == 0,
                  "%s", hs_error_last());
    const hs_plan *pl = hs_stress_plan(s, 0);
    const hs_panel *p = hs_plan_panel(pl);
    const size_t lf = hs_plan_live_from(pl);
    ck_assert_int_eq(p->time[lf], day("2020-03-01"));
    ck_assert_int_eq(p->time[p->n_steps - 1], day("2020-03-31"));
    size_t t12 = lf;
    while (p->time[t12] != day("2020-03-12"))
        t12++;
    const double *rb = hs_context_bench_returns(hs_plan_context(pl));
    hs_ck_near(rb[t12], 4800.0 / 7934.52 - 1.0, 1e-12);
    const hs_stress_row *u = hs_stress_row_at(s, 0);
    ck_assert_int_eq(u->worst_unhedged_time, day("2020-03-12"));
    ck_assert(u->worst_unhedged < -0.3);
    ck_assert(u->ret_unhedged < 0 && u->mdd_unhedged > 0.3);
    hs_ck_near(u->ret_hedged, u->ret_unhedged, 1e-12);
    const hs_stress_row *o = hs_stress_row_at(s, 1);
    ck_assert(o->dd_reduced);

    /* The results file: summaries and series where docs/stress.md says. */
    char path[] = "stress_test_XXXXXX.h5";
    int fd = mkstemps(path, 3);
    ck_assert_int_ge(fd, 0);
    close(fd);
    unlink(path); /* a unique name; the writer replaces results files only */
    hs_results_meta meta = {.config_text = c->text, .mode = "stress"};
    ck_assert_msg(hs_stress_write(s, path, 0, &meta) == 0, "%s",
                  hs_error_last());
    ck_assert_int_eq(hs_stress_write(s, path, 0, &meta), HS_EEXISTS);
    ck_assert_msg(hs_stress_write(s, path, 1, &meta) == 0, "%s",
                  hs_error_last());
    ck_assert_int_eq(hs_h5_exists(path, "/stress/summary"), 1);
    ck_assert_int_eq(hs_h5_exists(path, "/stress/covid_crash/summary"), 1);
    double *ret = NULL;
    size_t n = 0;
    ck_assert_int_eq(
        hs_h5_read_f64(path, "/stress/covid_crash/runs/ols/return", &ret, &n),
        0);
    ck_assert_uint_eq(n, 31);
    free(ret);
    ck_assert_int_eq(hs_h5_exists(path,
                                  "/stress/covid_crash/runs/ols/"
                                  "residual_beta_rolling"),
                     1);
    char *mode = NULL;
    ck_assert_int_eq(hs_h5_read_attr_str(path, "/", "mode", &mode), 0);
    ck_assert_str_eq(mode, "stress");
    free(mode);
    unlink(path);
    hs_stress_free(s);
    hs_config_free(c);
    hs_registry_free(reg);
    hs_store_close(st);
}
END_TEST

/* Bad input: an unknown window, a window with no data for the basket, a
 * warm-up longer than the history: errors that name the window. */
START_TEST(test_bad_input)
{
    hs_store *st = open_store();
    hs_stress *s = NULL;
    hs_config *c = NULL;
    hs_registry *reg = NULL;
#define CFG                                                                    \
    "[data]\n%sstart = 2021-01-01\nend = 2021-12-31\nusdt_is_usd = "          \
    "true\n[book]\nassets = %s\n[hedge]\nbenchmark = BTC\ninstrument = "     \
    "BTC-PERP\n%s[strategy.ols]\ntype = perp_short\nbeta = ols\n"            \
    "window = 30\n"
    char text[1024];

    snprintf(text, sizeof text, CFG, "", "ETH", "");
    ck_assert_int_eq(real_stress(&s, &c, &reg, st, text, "no_such_crisis"),
                     HS_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "no_such_crisis"));
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "covid_crash"));
    hs_stress_free(s);
    hs_config_free(c);
    hs_registry_free(reg);

    /* SOL lists on Binance in August 2020, after the COVID window. */
    snprintf(text, sizeof text, CFG, "", "SOL", "");
    ck_assert_int_eq(real_stress(&s, &c, &reg, st, text, "covid_crash"),
                     HS_EDATA);
    ck_assert_msg(strstr(hs_error_last(), "covid_crash") &&
                      strstr(hs_error_last(), "SOL has no bars"),
                  "%s", hs_error_last());
    hs_stress_free(s);
    hs_config_free(c);
    hs_registry_free(reg);

    /* MATIC's data ends on 2024-09-09 (renamed POL): bars in the warm-up
     * of a window in October 2024, none in the window. */
    snprintf(text, sizeof text, CFG, "", "MATIC",
             "[window.late]\nstart = 2024-10-01\nend = 2024-10-31\n");
    ck_assert_int_eq(real_stress(&s, &c, &reg, st, text, "late"), HS_EDATA);
    ck_assert_msg(!strncmp(hs_error_last(), "window late: ", 13) &&
                      strstr(hs_error_last(), "no book asset"),
                  "%s", hs_error_last());
    hs_stress_free(s);
    hs_config_free(c);
    hs_registry_free(reg);

    /* 2000 days of warm-up before March 2020 start in 2014: BTC's data
     * starts in August 2017. */
    snprintf(text, sizeof text, CFG, "lookback = 2000\n", "ETH", "");
    ck_assert_int_eq(real_stress(&s, &c, &reg, st, text, "covid_crash"),
                     HS_EDATA);
    ck_assert_msg(strstr(hs_error_last(), "covid_crash") &&
                      strstr(hs_error_last(), "too short") &&
                      strstr(hs_error_last(), "2017-08-17"),
                  "%s", hs_error_last());
    hs_stress_free(s);
    hs_config_free(c);
    hs_registry_free(reg);
    hs_store_close(st);
}
END_TEST

/* analyze over FTX: the basket's beta and correlations come from the
 * window's steps only, the absorption ratio is a share of variance, the
 * worst day lies in the window; too long a pre-crisis period is an error
 * naming the window. */
START_TEST(test_analyze_ftx)
{
    hs_store *st = open_store();
    hs_config *c = NULL;
    hs_registry *reg = NULL;
    hs_analysis *a = NULL;
    hs_window w;
    ck_assert_int_eq(hs_config_parse(&c,
                                     "[data]\nstart = 2021-01-01\nend = "
                                     "2021-12-31\nusdt_is_usd = true\n"
                                     "[book]\nassets = ETH,XRP,LTC,ADA\n"
                                     "[hedge]\nbenchmark = BTC\ninstrument = "
                                     "BTC-PERP\n[strategy.ols]\ntype = "
                                     "perp_short\nbeta = ols\nwindow = 30\n",
                                     "a.ini"),
                     0);
    ck_assert_int_eq(hs_registry_new(&reg), 0);
    ck_assert_int_eq(hs_window_find(c, "ftx_collapse", &w), 0);
    hs_analyze_opts o = {.pre = 60, .rolling = 20};
    ck_assert_msg(hs_analyze_window(&a, c, reg, st, &w, &o) == 0, "%s",
                  hs_error_last());
    ck_assert_uint_eq(a->n_items, 5);
    ck_assert_str_eq(a->item[0].name, "basket");
    ck_assert_str_eq(a->item[2].name, "XRP");
    ck_assert_uint_eq(a->pre_steps, 60);
    ck_assert_uint_eq(a->crisis_steps, 30);
    ck_assert_uint_eq(a->n_steps, 90);
    ck_assert_int_eq(a->time[60], day("2022-11-01"));
    ck_assert(a->worst_time >= w.start && a->worst_time <= w.end);
    for (int k = 0; k < 2; k++) {
        double ar = k ? a->absorption.crisis : a->absorption.pre;
        ck_assert(ar >= 0.25 - 1e-12 && ar <= 1 + 1e-12);
    }
    ck_assert(isfinite(a->item[0].beta.pre) && isfinite(a->item[0].beta.crisis));
    ck_assert_str_eq(a->hedge_run, "ols");
    ck_assert_uint_eq(a->n_est, 1);
    ck_assert_str_eq(a->est_name[0], "ols");
    ck_assert_ptr_nonnull(strstr(a->verdict, "ftx_collapse"));
    ck_assert_ptr_nonnull(strstr(a->verdict, "2022-11-"));
    hs_analysis_free(a);
    o.pre = 4000;
    ck_assert_int_eq(hs_analyze_window(&a, c, reg, st, &w, &o), HS_EDATA);
    ck_assert_ptr_null(a);
    ck_assert_msg(!strncmp(hs_error_last(), "window ftx_collapse", 19) &&
                      strstr(hs_error_last(), "too short"),
                  "%s", hs_error_last());
    hs_config_free(c);
    hs_registry_free(reg);
    hs_store_close(st);
}
END_TEST

/* ------------------------------------------------ shock transplant */

/* A panel of the given symbols, n steps from 2024-01-01, every bar real:
 * close[t * na + a] from `close` (opens = the previous close, highs and
 * lows 1 % around), volume 1000, funding 0, rate 0.04. */
static hs_panel *tiny_panel(size_t n, size_t na, const char *const *sym,
                            const double *close, int64_t t0)
{
    hs_panel *p = NULL;
    if (hs_panel_new(&p, n, na, 86400000))
        abort();
    for (size_t a = 0; a < na; a++)
        snprintf(p->symbol[a], HS_SYMBOL_MAX, "%s", sym[a]);
    for (size_t t = 0; t < n; t++) {
        p->time[t] = t0 + (int64_t)t * 86400000;
        p->rate[t] = 0.04;
        for (size_t a = 0; a < na; a++) {
            size_t i = t * na + a;
            p->close[i] = close[i];
            p->open[i] = t ? close[i - na] : close[i];
            p->high[i] = fmax(p->open[i], p->close[i]) * 1.01;
            p->low[i] = fmin(p->open[i], p->close[i]) * 0.99;
            p->volume[i] = 1000;
            p->state[i] = HS_BAR_OK;
        }
    }
    hs_panel_finish(p);
    return p;
}

/* Transplant arithmetic, by hand: the date's closes are A 50, BENCH 200,
 * PERP 201; the crisis closes A 10, 8, 12, 6 (returns -20 %, +50 %,
 * -50 %), BENCH 100, 90, 99, 49.5 (-10 %, +10 %, -50 %), PERP 100, 80,
 * 100, 100 (-20 %, +25 %, 0).  So after the date A closes at 40, 60, 30,
 * BENCH at 180, 198, 99 and PERP at 160.8, 201, 201; each bar keeps the
 * crisis bar's shape (open / previous close) and funding. */
START_TEST(test_transplant_arithmetic)
{
    static const char *const sym[3] = {"A", "BENCH", "PERP"};
    const double today_c[4 * 3] = {48, 190, 191, 49, 195, 196,
                                   52, 198, 199, 50, 200, 201};
    const double crisis_c[4 * 3] = {10, 100, 100, 8,  90, 80,
                                    12, 99,  100, 6, 49.5, 100};
    hs_panel *today = tiny_panel(4, 3, sym, today_c, day("2024-05-29"));
    hs_panel *cr = tiny_panel(4, 3, sym, crisis_c, day("2022-05-04"));
    cr->open[2 * 3 + 0] = 9;    /* A's second crisis bar opens at 9 / 8 */
    cr->funding[3 * 3 + 2] = 0.001;
    cr->volume[1 * 3 + 0] = 99; /* crisis volumes are not used */
    hs_transplant_opts o = {.warm = 2, .beta_window = 0, .seed = 1,
                            .benchmark = "BENCH", .window = "w"};
    hs_panel *p = NULL;
    ck_assert_msg(hs_transplant_panel(&p, today, cr, 1, &o) == 0, "%s",
                  hs_error_last());
    ck_assert_uint_eq(p->n_steps, 3 + 3);
    ck_assert_uint_eq(p->n_assets, 3);
    ck_assert_int_eq(p->time[2], day("2024-06-01"));
    ck_assert_int_eq(p->time[5], day("2024-06-04"));
    const double want[3][3] = {{40, 60, 30}, {180, 198, 99},
                               {160.8, 201, 201}};
    for (size_t k = 1; k <= 3; k++)
        for (size_t a = 0; a < 3; a++) {
            const size_t i = (2 + k) * 3 + a;
            hs_ck_rel(p->close[i], want[a][k - 1], 1e-14);
            ck_assert_int_eq(p->state[i], HS_BAR_OK);
            hs_ck_near(p->volume[i], 1000, 0);
            hs_ck_near(p->rate[2 + k], 0.04, 0);
        }
    /* History up to the date is today's. */
    for (size_t t = 0; t < 3; t++)
        for (size_t a = 0; a < 3; a++)
            ck_assert(p->close[t * 3 + a] == today_c[(t + 1) * 3 + a]);
    /* Shapes: A's open on the second synthetic step is 40 x 9 / 8; on
     * the first the crisis bar (open 10, close 8) has high 10.1 and low
     * 7.92, so 50 x 10.1 / 10 and 50 x 7.92 / 10. */
    hs_ck_rel(p->open[4 * 3 + 0], 40.0 * 9 / 8, 1e-14);
    hs_ck_rel(p->high[3 * 3 + 0], 50.5, 1e-14);
    hs_ck_rel(p->low[3 * 3 + 0], 39.6, 1e-14);
    hs_ck_near(p->funding[5 * 3 + 2], 0.001, 0);
    hs_ck_near(p->funding[4 * 3 + 2], 0, 0);
    ck_assert_ptr_nonnull(strstr(p->notes, "shock transplant: w's returns"));
    ck_assert_ptr_null(strstr(p->notes, "no data in"));
    hs_panel_free(p);

    /* An asset absent on the date stays absent. */
    today->state[3 * 3 + 0] = HS_BAR_ABSENT;
    ck_assert_int_eq(hs_transplant_panel(&p, today, cr, 1, &o), 0);
    for (size_t k = 3; k < 6; k++)
        ck_assert_int_eq(p->state[k * 3 + 0], HS_BAR_ABSENT);
    hs_panel_free(p);
    today->state[3 * 3 + 0] = HS_BAR_OK;

    /* Bad input: c0 = 0 (no close before the window), a warm-up longer
     * than today, the benchmark without a bar in the crisis. */
    ck_assert_int_eq(hs_transplant_panel(&p, today, cr, 0, &o), HS_EINVAL);
    o.warm = 4;
    ck_assert_int_eq(hs_transplant_panel(&p, today, cr, 1, &o), HS_EINVAL);
    o.warm = 2;
    cr->state[2 * 3 + 1] = HS_BAR_ABSENT;
    ck_assert_int_eq(hs_transplant_panel(&p, today, cr, 1, &o), HS_EDATA);
    ck_assert_msg(strstr(hs_error_last(), "BENCH has no bar on 2022-05-06"),
                  "%s", hs_error_last());
    ck_assert_ptr_null(p);
    hs_panel_free(today);
    hs_panel_free(cr);
}
END_TEST

/* An asset without bars in the crisis: its log return is beta x the
 * benchmark's crisis log return + a residual drawn from its own.  Here
 * A's log returns up to the date are exactly 1.5 x the benchmark's +
 * e_t, e = +c, +c, -c, -c, ... (c = 0.005) and the benchmark's alternate
 * +0.02, -0.01: e has mean 0 and is orthogonal to them, so the OLS beta
 * is 1.5 and the residuals are +-c exactly.  Every synthetic step of A
 * is then 1.5 x r_m +- c; the draws depend on the seed only. */
START_TEST(test_transplant_missing_asset)
{
    static const char *const sym[3] = {"A", "BENCH", "PERP"};
    const size_t n = 61, L = 20;
    const double c = 0.005;
    double *tc = malloc(n * 3 * sizeof *tc), *cc = malloc((L + 1) * 3 * sizeof *cc);
    double a = 10, b = 100;
    for (size_t t = 0; t < n; t++) {
        if (t) {
            double x = t % 2 ? 0.02 : -0.01;
            double e = (t / 2) % 2 ? -c : c;
            b *= exp(x);
            a *= exp(1.5 * x + e);
        }
        tc[t * 3] = a;
        tc[t * 3 + 1] = tc[t * 3 + 2] = b;
    }
    for (size_t t = 0; t <= L; t++)
        cc[t * 3] = cc[t * 3 + 1] = cc[t * 3 + 2] = 100 * (1 + 0.3 * sin((double)t));
    hs_panel *today = tiny_panel(n, 3, sym, tc, day("2024-01-01"));
    hs_panel *cr = tiny_panel(L + 1, 3, sym, cc, day("2022-05-04"));
    for (size_t t = 0; t <= L; t++) /* A did not trade in the crisis */
        cr->state[t * 3] = HS_BAR_ABSENT;
    hs_panel_finish(cr);
    hs_transplant_opts o = {.warm = 10, .beta_window = 60, .seed = 7,
                            .benchmark = "BENCH", .window = "w"};
    hs_panel *p = NULL, *q = NULL, *r = NULL;
    ck_assert_msg(hs_transplant_panel(&p, today, cr, 1, &o) == 0, "%s",
                  hs_error_last());
    int plus = 0, minus = 0;
    for (size_t k = 1; k <= L; k++) {
        const size_t i = (10 + k) * 3;
        const double rm = log(cc[k * 3 + 1] / cc[(k - 1) * 3 + 1]);
        const double e = log(p->close[i] / p->close[i - 3]) - 1.5 * rm;
        ck_assert_msg(fabs(e - c) < 1e-12 || fabs(e + c) < 1e-12,
                      "step %zu: residual %.17g", k, e);
        plus += e > 0;
        minus += e < 0;
        ck_assert(p->open[i] == p->close[i - 3]);
        ck_assert_int_eq(p->state[i], HS_BAR_OK);
        /* The benchmark itself is transplanted. */
        hs_ck_rel(p->close[i + 1] / p->close[i - 2],
                  cc[k * 3 + 1] / cc[(k - 1) * 3 + 1], 1e-14);
    }
    ck_assert(plus > 0 && minus > 0); /* both residuals are drawn */
    ck_assert_msg(strstr(p->notes, "A: no data in w on 20 of 20 steps; "
                                   "there beta 1.50 x BENCH's") &&
                      strstr(p->notes, "its 60 log returns"),
                  "%s", p->notes);
    /* Deterministic with the seed; another seed draws other residuals. */
    ck_assert_int_eq(hs_transplant_panel(&q, today, cr, 1, &o), 0);
    ck_assert(same(p->close, q->close, p->n_steps * 3));
    o.seed = 8;
    ck_assert_int_eq(hs_transplant_panel(&r, today, cr, 1, &o), 0);
    ck_assert(!same(p->close, r->close, p->n_steps * 3));
    /* Too few returns for a beta: an error naming the asset. */
    o.beta_window = 10;
    hs_panel *x = NULL;
    ck_assert_int_eq(hs_transplant_panel(&x, today, cr, 1, &o), HS_EDATA);
    ck_assert_msg(strstr(hs_error_last(), "A has no bars in w") &&
                      strstr(hs_error_last(), "at least 20"),
                  "%s", hs_error_last());
    ck_assert_ptr_null(x);
    hs_panel_free(p);
    hs_panel_free(q);
    hs_panel_free(r);
    hs_panel_free(today);
    hs_panel_free(cr);
    free(tc);
    free(cc);
}
END_TEST

/* The transplant of window "mid" (2020-08-01 .. 2020-09-15) onto
 * 2021-01-31 of a fixture panel, as a stress entry. */
static int fix_transplant(fixture *f, const hs_panel *p, uint64_t seed)
{
    const double beta[3] = {0.8, 1.2, 1.5};
    char text[4096];
    hs_stress_opts so = HS_STRESS_OPTS_INIT;
    memset(f, 0, sizeof *f);
    f->p = p ? NULL : fix_panel(400, 3, beta, 0.02, 0.0001, 7);
    fix_config_text(text, sizeof text, p ? p : f->p, 3, 50, 5, 2, "next_open",
                    FIX_RUNS);
    if (hs_config_parse(&f->c, text, "fixture") || hs_registry_new(&f->reg))
        abort();
    so.panel = p ? p : f->p;
    so.transplant = "mid";
    so.onto = day("2021-01-31");
    so.seed = seed;
    int rc = hs_stress_new(&f->st, f->c, f->reg, NULL, &so);
    return rc ? rc : hs_stress_run(f->st);
}

/* Prices of steps [from, to] of every asset moved by a factor that
 * changes each step. */
static void perturb_range(hs_panel *p, size_t from, size_t to)
{
    for (size_t t = from; t <= to; t++)
        for (size_t a = 0; a < p->n_assets; a++) {
            size_t i = t * p->n_assets + a;
            double k = 1.0 + 0.2 * sin(0.9 * (double)t + (double)a);
            p->open[i] *= k;
            p->high[i] *= k;
            p->low[i] *= k;
            p->close[i] *= k;
        }
}

/* The transplant runs as a window: the plan's panel is the date's
 * history then the window's returns (BENCH's closes = close(D) x the
 * cumulative crisis returns); the live window starts on the date.  No
 * look-ahead: changing the crisis's returns from its step j on changes
 * nothing recorded up to synthetic step j, and changes later returns. */
START_TEST(test_transplant_plan_no_lookahead)
{
    fixture a, b;
    ck_assert_msg(fix_transplant(&a, NULL, 1) == 0, "%s", hs_error_last());
    ck_assert_uint_eq(hs_stress_n_windows(a.st), 1);
    const hs_window *crisis = NULL;
    ck_assert(hs_stress_is_transplant(a.st, 0, &crisis));
    ck_assert_str_eq(crisis->name, "mid");
    ck_assert_str_eq(hs_stress_window(a.st, 0)->name, "mid@2021-01-31");
    const hs_plan *pa = hs_stress_plan(a.st, 0);
    const hs_panel *p = hs_plan_panel(pa);
    const size_t lf = hs_plan_live_from(pa), na = p->n_assets;
    ck_assert_int_eq(p->time[lf], day("2021-01-31"));
    ck_assert_uint_eq(p->n_steps - lf, 1 + 46); /* the date + the window */
    ck_assert_uint_eq(hs_stress_n_rows(a.st), 3);
    ck_assert_int_eq(hs_stress_row_at(a.st, 0)->steps, 47);
    size_t s0 = 0, d = 0;
    while (a.p->time[s0] < day("2020-08-01"))
        s0++;
    while (a.p->time[d] < day("2021-01-31"))
        d++;
    double g = 1;
    for (size_t k = 1; k <= 46; k++) {
        const size_t s = s0 + k - 1, ib = 3;
        g *= a.p->close[s * na + ib] / a.p->close[(s - 1) * na + ib];
        hs_ck_rel(p->close[(lf + k) * na + ib], a.p->close[d * na + ib] * g,
                  1e-12);
    }
    /* The crisis from its step j = 20 on (synthetic steps 21 ..). */
    const size_t j = 20;
    hs_panel *pb = copy_panel(a.p);
    perturb_range(pb, s0 + j, s0 + 45);
    ck_assert_msg(fix_transplant(&b, pb, 1) == 0, "%s", hs_error_last());
    const hs_plan *pbp = hs_stress_plan(b.st, 0);
    int differs = 0;
    for (size_t i = 0; i < hs_plan_n_runs(pa); i++) {
        const hs_run_series *sa = hs_plan_series(pa, i);
        const hs_run_series *sb = hs_plan_series(pbp, i);
        for (size_t k = 0; k < HS_RUN_SERIES_N; k++) {
            const hs_series_desc *ds = &hs_run_series_desc[k];
            ck_assert_msg(same(hs_run_series_data(sa, ds),
                               hs_run_series_data(sb, ds), lf + j + 1),
                          "series %s changed up to step %zu", ds->name, j);
        }
        differs |= !same(sa->ret + lf + j + 1, sb->ret + lf + j + 1,
                         sa->n_steps - (lf + j + 1));
    }
    ck_assert_msg(differs, "the perturbation changed nothing after step j: "
                           "the test would prove nothing");
    fix_free(&a);
    fix_free(&b);
    hs_panel_free(pb);
}
END_TEST

/* Bad transplants on a fixture panel: a date that is not a step of the
 * data, a date too early for the warm-up, an unknown window. */
START_TEST(test_transplant_errors)
{
    hs_panel *p = fix_panel(400, 3, (const double[3]){1, 1, 1}, 0.02, 0, 3);
    char text[4096];
    hs_config *c = NULL;
    hs_registry *reg = NULL;
    hs_stress *st = NULL;
    fix_config_text(text, sizeof text, p, 3, 50, 5, 2, "next_open", FIX_RUNS);
    ck_assert_int_eq(hs_config_parse(&c, text, "fixture"), 0);
    ck_assert_int_eq(hs_registry_new(&reg), 0);
    hs_stress_opts so = HS_STRESS_OPTS_INIT;
    so.panel = p;
    so.transplant = "mid";
    static const struct {
        const char *date, *msg;
    } bad[] = {{"2022-06-01", "not a step of the data"},
               {"2020-02-01", "too early"}};
    for (size_t i = 0; i < 2; i++) {
        so.onto = day(bad[i].date);
        ck_assert_int_eq(hs_stress_new(&st, c, reg, NULL, &so), 0);
        ck_assert_int_eq(hs_stress_run(st), HS_EDATA);
        ck_assert_msg(strstr(hs_error_last(), bad[i].msg) &&
                          strstr(hs_error_last(), bad[i].date),
                      "%s", hs_error_last());
        hs_stress_free(st);
    }
    so.transplant = "nope";
    ck_assert_int_eq(hs_stress_new(&st, c, reg, NULL, &so), HS_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "unknown window 'nope'"));
    ck_assert_ptr_null(st);
    /* Synthetic stress: one window, every run, and the store. */
    so.transplant = NULL;
    so.synthetic = "mid";
    const char *w[1] = {"mid"};
    so.windows = w;
    so.n_windows = 1;
    ck_assert_int_eq(hs_stress_new(&st, c, reg, NULL, &so), HS_EINVAL);
    so.n_windows = 0;
    ck_assert_int_eq(hs_stress_new(&st, c, reg, NULL, &so), 0);
    ck_assert_int_eq(hs_stress_run(st), HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "store"));
    hs_stress_free(st);
    hs_config_free(c);
    hs_registry_free(reg);
    hs_panel_free(p);
}
END_TEST

/* Synthetic stress of the COVID window on the real data: the historical
 * figures are the window's replay, the quantiles are ordered, the
 * unhedged run never hedges (HE 0 on every path), and the results are
 * the same for 1 and 2 threads; the file has the tables. */
START_TEST(test_synthetic)
{
    hs_store *store = open_store();
    hs_config *c = NULL;
    hs_registry *reg = NULL;
    hs_stress *st[2] = {NULL, NULL};
    ck_assert_int_eq(hs_config_parse(&c,
                                     "[data]\nstart = 2019-01-01\nend = "
                                     "2019-12-31\nusdt_is_usd = true\n"
                                     "[book]\nassets = ETH,XRP,LTC\n[hedge]\n"
                                     "benchmark = BTC\ninstrument = BTC-PERP\n"
                                     "[strategy.none]\ntype = unhedged\n"
                                     "[strategy.ols]\ntype = perp_short\n"
                                     "beta = ols\nwindow = 30\n",
                                     "syn.ini"),
                     0);
    ck_assert_int_eq(hs_registry_new(&reg), 0);
    for (int k = 0; k < 2; k++) {
        hs_stress_opts so = HS_STRESS_OPTS_INIT;
        so.synthetic = "covid_crash";
        so.paths = 40;
        so.threads = (unsigned)(k + 1);
        so.seed = 5;
        ck_assert_int_eq(hs_stress_new(&st[k], c, reg, store, &so), 0);
        ck_assert_msg(hs_stress_run(st[k]) == 0, "%s", hs_error_last());
    }
    ck_assert_uint_eq(hs_stress_n_synth(st[0]), 2);
    int64_t from, to;
    hs_stress_synth_calibration(st[0], &from, &to);
    ck_assert_int_eq(from, day("2020-03-01") - 90 * 86400000LL);
    ck_assert_int_eq(to, day("2020-03-31"));
    ck_assert_ptr_nonnull(strstr(hs_stress_synth_model(st[0]),
                                 "forced shift: regime stress from step 0 "
                                 "for 31 steps"));
    for (size_t i = 0; i < 2; i++) {
        const hs_synth_row *r = hs_stress_synth_row(st[0], i);
        const hs_synth_row *r2 = hs_stress_synth_row(st[1], i);
        const hs_stress_row *h = hs_stress_row_at(st[0], i);
        ck_assert_str_eq(r->run, h->run);
        ck_assert_int_eq(r->paths, 40);
        ck_assert_int_eq(r->steps, 31);
        ck_assert(same(&r->ret_hedged.hist, &h->ret_hedged, 1));
        ck_assert(same(&r->mdd_hedged.hist, &h->mdd_hedged, 1));
        ck_assert(same(&r->he.hist, &h->hedge_effectiveness, 1));
        ck_assert(same(&r->cvar95.hist, &h->cvar95_hedged, 1));
        const hs_synth_q *q[4] = {&r->ret_hedged, &r->mdd_hedged, &r->he,
                                  &r->cvar95};
        for (int k = 0; k < 4; k++) {
            ck_assert(q[k]->q05 <= q[k]->q50 && q[k]->q50 <= q[k]->q95);
            ck_assert(q[k]->below >= 0 && q[k]->below <= 1);
        }
        ck_assert(r->mdd_hedged.q05 >= 0 && r->mdd_hedged.q95 <= 1);
        /* 1 or 2 threads: the same figures, bit for bit. */
        const hs_synth_q *q2[4] = {&r2->ret_hedged, &r2->mdd_hedged, &r2->he,
                                   &r2->cvar95};
        for (int k = 0; k < 4; k++) {
            const double x[4] = {q[k]->q05, q[k]->q50, q[k]->q95, q[k]->below};
            const double y[4] = {q2[k]->q05, q2[k]->q50, q2[k]->q95,
                                 q2[k]->below};
            ck_assert(same(x, y, 4));
        }
    }
    const hs_synth_row *u = hs_stress_synth_row(st[0], 0);
    ck_assert(u->he.q05 == 0 && u->he.q95 == 0);

    char path[] = "synth_test_XXXXXX.h5";
    int fd = mkstemps(path, 3);
    ck_assert_int_ge(fd, 0);
    close(fd);
    unlink(path);
    hs_results_meta meta = {.config_text = c->text, .mode = "stress"};
    ck_assert_msg(hs_stress_write(st[0], path, 0, &meta) == 0, "%s",
                  hs_error_last());
    ck_assert_int_eq(hs_h5_exists(path, "/stress/covid_crash/summary"), 1);
    ck_assert_int_eq(
        hs_h5_exists(path, "/stress/synthetic/covid_crash/summary"), 1);
    ck_assert_int_eq(
        hs_h5_exists(path, "/stress/synthetic/covid_crash/paths/ols"), 1);
    unlink(path);
    for (int k = 0; k < 2; k++)
        hs_stress_free(st[k]);
    hs_config_free(c);
    hs_registry_free(reg);
    hs_store_close(store);
}
END_TEST

/* Misuse of the stress object and of the record-table writer. */
START_TEST(test_misuse)
{
    fixture f;
    const char *twice[2] = {"mid", "mid"}, *many[HS_WINDOW_MAX + 1];
    hs_stress_opts so = HS_STRESS_OPTS_INIT;
    hs_stress *st = NULL;
    ck_assert_msg(fix_stress(&f, NULL) == 0, "%s", hs_error_last());
    so.windows = twice;
    so.n_windows = 2;
    ck_assert_int_eq(hs_stress_new(&st, f.c, f.reg, NULL, &so), HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "named twice"));
    ck_assert_ptr_null(st);
    for (size_t i = 0; i <= HS_WINDOW_MAX; i++)
        many[i] = "mid";
    so.windows = many;
    so.n_windows = HS_WINDOW_MAX + 1;
    ck_assert_int_eq(hs_stress_new(&st, f.c, f.reg, NULL, &so), HS_EINVAL);
    /* Not run yet: nothing to write. */
    so.n_windows = 1;
    ck_assert_int_eq(hs_stress_new(&st, f.c, f.reg, NULL, &so), 0);
    hs_results_meta meta = {.mode = "stress"};
    ck_assert_int_eq(hs_stress_write(st, "never.h5", 1, &meta), HS_EINVAL);
    ck_assert_int_eq(access("never.h5", F_OK), -1);
    hs_stress_free(st);

    /* Record tables: no fields, a field outside the row, text that is not
     * UTF-8; nothing is left behind. */
    char path[] = "records_XXXXXX.h5";
    int fd = mkstemps(path, 3);
    ck_assert_int_ge(fd, 0);
    close(fd);
    unlink(path); /* a unique name; the writer replaces results files only */
    hs_h5 *h = NULL;
    ck_assert_int_eq(hs_h5_create(&h, path, 1), 0);
    typedef struct {
        const char *s;
        double x;
    } rec;
    rec r[2] = {{"a", 1}, {"\xff", 2}};
    const hs_h5_field ok[2] = {{"s", HS_H5_STR, offsetof(rec, s)},
                               {"x", HS_H5_F64, offsetof(rec, x)}};
    const hs_h5_field off[1] = {{"x", HS_H5_F64, sizeof(rec)}};
    ck_assert_int_eq(hs_h5_write_records(h, "/t", ok, 0, r, sizeof *r, 2),
                     HS_EINVAL);
    ck_assert_int_eq(hs_h5_write_records(h, "/t", off, 1, r, sizeof *r, 2),
                     HS_EINVAL);
    ck_assert_int_eq(hs_h5_write_records(h, "/t", ok, 2, r, sizeof *r, 2),
                     HS_EINVAL);
    ck_assert_int_eq(hs_h5_write_records(h, "/t", ok, 2, r, sizeof *r, 1), 0);
    ck_assert_int_eq(hs_h5_write_records(h, "/t", ok, 2, r, sizeof *r, 1),
                     HS_EEXISTS);
    ck_assert_int_eq(hs_h5_commit(h), 0);
    ck_assert_int_eq(hs_h5_exists(path, "/t"), 1);
    unlink(path);
    fix_free(&f);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("stress");
    TCase *tc = tcase_create("stress");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_library);
    tcase_add_test(tc, test_parse_errors);
    tcase_add_test(tc, test_config_windows);
    tcase_add_test(tc, test_rolling_default);
    tcase_add_test(tc, test_bounds_and_warmup);
    tcase_add_test(tc, test_no_lookahead);
    tcase_add_test(tc, test_row_invariants);
    tcase_add_test(tc, test_panel_warmup_too_long);
    tcase_add_test(tc, test_covid_known_fact);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_analyze_ftx);
    tcase_add_test(tc, test_misuse);
    tcase_add_test(tc, test_transplant_arithmetic);
    tcase_add_test(tc, test_transplant_missing_asset);
    tcase_add_test(tc, test_transplant_plan_no_lookahead);
    tcase_add_test(tc, test_transplant_errors);
    tcase_add_test(tc, test_synthetic);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return hs_test_main(suite()); }
