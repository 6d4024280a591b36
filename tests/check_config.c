/* Tests for run configurations: parsing into typed fields, every error
 * (naming file, section and key), --set overrides, run specs resolved
 * against the strategy registry, and loading from files. */
#include "testutil.h"

#include "hedgesim/config.h"
#include "hedgesim/strategy.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

/* The default sections of a valid config. */
#define DATA_OK                                                                \
    "start = 2019-01-01\nend = 2024-12-31\nstep = 1d\nusdt_is_usd = true\n"
#define BOOK_OK "assets = ETH,BNB,XRP\n"
#define HEDGE_OK "benchmark = BTC\ninstrument = BTC-PERP\n"
#define STRAT_OK                                                               \
    "[strategy.ols60]\ntype = perp_short\nbeta = ols\nwindow = 60\n"

/* Assemble a config from section bodies; NULL leaves a section out.
 * `tail` is appended verbatim (strategy sections).  Static buffer. */
static const char *build(const char *data, const char *book, const char *hedge,
                         const char *costs, const char *tail)
{
    static char buf[8192];
    buf[0] = '\0';
    const char *names[4] = {"data", "book", "hedge", "costs"};
    const char *bodies[4] = {data, book, hedge, costs};
    for (int i = 0; i < 4; i++)
        if (bodies[i]) {
            size_t len = strlen(buf);
            snprintf(buf + len, sizeof buf - len, "[%s]\n%s\n", names[i],
                     bodies[i]);
        }
    size_t len = strlen(buf);
    snprintf(buf + len, sizeof buf - len, "%s", tail ? tail : "");
    return buf;
}

static hs_config *parse_ok(const char *text)
{
    hs_config *cfg = NULL;
    int rc = hs_config_parse(&cfg, text, "test.ini");
    ck_assert_msg(rc == 0, "parse failed (%d): %s\n--- text:\n%s", rc,
                  hs_error_last(), text);
    ck_assert_ptr_nonnull(cfg);
    return cfg;
}

/* Parsing fails with HS_ECONFIG, leaves *out NULL, and the message contains
 * each of the NULL-terminated fragments. */
static void parse_fails(const char *text, ...)
{
    hs_config *cfg = (hs_config *)(uintptr_t)1;
    int rc = hs_config_parse(&cfg, text, "test.ini");
    if (rc == 0)
        hs_config_free(cfg); /* before failing: keep valgrind runs clean */
    ck_assert_msg(rc == HS_ECONFIG, "rc %d (%s)\n--- text:\n%s", rc,
                  hs_error_last(), text);
    ck_assert_ptr_null(cfg);
    const char *msg = hs_error_last();
    va_list ap;
    va_start(ap, text);
    for (const char *frag; (frag = va_arg(ap, const char *));)
        ck_assert_msg(strstr(msg, frag), "message '%s' lacks '%s'", msg, frag);
    va_end(ap);
}

static const hs_config_kv *run_kv(const hs_config_run *r, const char *key)
{
    for (size_t i = 0; i < r->n_kv; i++)
        if (!strcmp(r->kv[i].key, key))
            return &r->kv[i];
    return NULL;
}

/* A temporary file holding `len` bytes of `text`; path written to `path`. */
static void write_temp(char *path, size_t size, const char *text, size_t len)
{
    snprintf(path, size, "/tmp/hs_config_XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq((int)write(fd, text, len), (int)len);
    close(fd);
}

/* ------------------------------------------------- a full valid config */

/* Like configs/alt-basket-btc-hedge.ini, with non-default values where a
 * default would hide a key that is not read. */
static const char full_ini[] =
    "; a comment line\n"
    "[data]\n"
    "db = datasets/other.db\n"
    "start = 2019-01-01\n"
    "end = 2024-12-31\n"
    "step = 1d\n"
    "usdt_is_usd = true        ; Binance USDT pairs\n"
    "lookback = 90\n"
    "rates = none\n"
    "\n"
    "[book]\n"
    "assets = ETH, BNB,XRP,ADA,DOGE,LINK,LTC,ATOM,TRX,XLM,ETC,MATIC,BCH\n"
    "weights = equal\n"
    "capital = 250000\n"
    "rebalance = weekly\n"
    "min_history = 30\n"
    "vol_window = 40\n"
    "\n"
    "[hedge]\n"
    "benchmark = BTC\n"
    "instrument = BTC-PERP\n"
    "perp_marks = spot\n"
    "funding = constant\n"
    "funding_rate = 0.0002\n"
    "funding_hours = 4\n"
    "\n"
    "[costs]\n"
    "fee_bps = 7.5\n"
    "slippage = fixed\n"
    "slippage_bps = 3\n"
    "fill = close\n"
    "close_slippage_bps = 6\n"
    "window = 30\n"
    "\n"
    "[strategy.unhedged]\n"
    "type = unhedged\n"
    "\n"
    "[strategy.ols60]\n"
    "type = perp_short\n"
    "beta = ols\n"
    "window = 60\n"
    "\n"
    "[strategy.band10]\n"
    "type = dynamic_rebalance\n"
    "beta = ewma\n"
    "halflife = 20\n"
    "band = 0.10\n"
    "\n"
    "[strategy.half]\n"
    "type = perp_short\n"
    "target_beta = 0.5\n";

START_TEST(test_full_config)
{
    hs_config *c = parse_ok(full_ini);
    ck_assert_str_eq(c->path, "test.ini");
    ck_assert_str_eq(c->text, full_ini);
    ck_assert_str_eq(c->overrides, "");
    /* [data]: 2019-01-01 and 2024-12-31 00:00 UTC in ms, from python3
     * datetime(2019,1,1,tzinfo=timezone.utc).timestamp() * 1000. */
    ck_assert_str_eq(c->db, "datasets/other.db");
    ck_assert(c->start == INT64_C(1546300800000));
    ck_assert(c->end == INT64_C(1735603200000));
    ck_assert(c->step_ms == INT64_C(86400000));
    ck_assert_int_eq(c->usdt_is_usd, 1);
    ck_assert_uint_eq(c->lookback, 90);
    ck_assert_str_eq(c->rates, "none");
    /* [book] (blanks around list items are trimmed) */
    ck_assert_uint_eq(c->n_assets, 13);
    ck_assert_str_eq(c->assets[0], "ETH");
    ck_assert_str_eq(c->assets[1], "BNB");
    ck_assert_str_eq(c->assets[11], "MATIC");
    ck_assert_str_eq(c->assets[12], "BCH");
    ck_assert_int_eq(c->weighting, HS_WEIGHTS_EQUAL);
    hs_ck_near(c->capital, 250000, 0);
    ck_assert_int_eq(c->rebalance, HS_REBAL_WEEKLY);
    ck_assert_uint_eq(c->min_history, 30);
    ck_assert_uint_eq(c->vol_window, 40);
    /* [hedge] */
    ck_assert_str_eq(c->benchmark, "BTC");
    ck_assert_str_eq(c->instrument, "BTC-PERP");
    ck_assert_int_eq(c->marks, HS_MARKS_SPOT);
    ck_assert_int_eq(c->funding, HS_FUNDING_CONSTANT);
    hs_ck_near(c->funding_rate, 0.0002, 0);
    hs_ck_near(c->funding_hours, 4, 0);
    /* [costs] */
    hs_ck_near(c->exec.fee_bps, 7.5, 0);
    ck_assert_ptr_eq(c->exec.model, &hs_cost_fixed);
    hs_ck_near(hs_values_num(&c->exec.model_values, "slippage_bps"), 3, 0);
    ck_assert_int_eq(c->exec.fill, HS_FILL_CLOSE);
    hs_ck_near(c->exec.close_slippage_bps, 6, 0);
    ck_assert_uint_eq(c->exec.window, 30);
    /* [strategy.*], in file order, `type` taken out of the kv list */
    ck_assert_uint_eq(c->n_runs, 4);
    ck_assert_str_eq(c->runs[0].name, "unhedged");
    ck_assert_str_eq(c->runs[0].type, "unhedged");
    ck_assert_uint_eq(c->runs[0].n_kv, 0);
    ck_assert_str_eq(c->runs[1].name, "ols60");
    ck_assert_str_eq(c->runs[1].type, "perp_short");
    ck_assert_uint_eq(c->runs[1].n_kv, 2);
    ck_assert_str_eq(c->runs[1].kv[0].key, "beta");
    ck_assert_str_eq(c->runs[1].kv[0].value, "ols");
    ck_assert_str_eq(c->runs[1].kv[1].key, "window");
    ck_assert_str_eq(c->runs[1].kv[1].value, "60");
    ck_assert_str_eq(c->runs[2].name, "band10");
    ck_assert_str_eq(c->runs[2].type, "dynamic_rebalance");
    ck_assert_uint_eq(c->runs[2].n_kv, 3);
    ck_assert_str_eq(run_kv(&c->runs[2], "band")->value, "0.10");
    ck_assert_str_eq(c->runs[3].name, "half");
    ck_assert_str_eq(run_kv(&c->runs[3], "target_beta")->value, "0.5");

    /* History options follow the config. */
    const char *symbols[HS_CONFIG_MAX_ASSETS + 1];
    hs_history_opts ho;
    hs_config_history(c, symbols, &ho);
    ck_assert_uint_eq(ho.n_symbols, 14);
    ck_assert_str_eq(ho.symbols[0], "ETH");
    ck_assert_str_eq(ho.symbols[13], "BTC");
    ck_assert_str_eq(ho.hedge, "BTC-PERP");
    ck_assert(ho.start == c->start && ho.end == c->end);
    ck_assert_uint_eq(ho.lookback, 90);
    ck_assert_int_eq(ho.marks, HS_MARKS_SPOT);
    ck_assert_int_eq(ho.funding, HS_FUNDING_CONSTANT);
    ck_assert_ptr_null(ho.rate_series); /* rates = none */
    hs_config_free(c);
    hs_config_free(NULL); /* harmless */
}
END_TEST

/* Defaults of the optional keys (the key tables in src/run/config.c and
 * docs/configuration.md). */
START_TEST(test_defaults)
{
    hs_config *c = parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, STRAT_OK));
    ck_assert_str_eq(c->db, "datasets/hedgesim.db");
    ck_assert_str_eq(c->rates, "DFF");
    ck_assert_uint_eq(c->lookback, 0);
    ck_assert_int_eq(c->weighting, HS_WEIGHTS_EQUAL);
    hs_ck_near(c->capital, 1e6, 0);
    ck_assert_int_eq(c->rebalance, HS_REBAL_DAILY);
    ck_assert_uint_eq(c->min_history, 60);
    ck_assert_int_eq(c->marks, HS_MARKS_AUTO);
    ck_assert_int_eq(c->funding, HS_FUNDING_AUTO);
    hs_ck_near(c->exec.fee_bps, 5, 0);
    ck_assert_ptr_eq(c->exec.model, &hs_cost_fixed);
    hs_ck_near(hs_values_num(&c->exec.model_values, "slippage_bps"), 2, 0);
    ck_assert_int_eq(c->exec.fill, HS_FILL_NEXT_OPEN);
    ck_assert_uint_eq(c->exec.window, 20);
    hs_config_free(c);
    /* An 8-hour step. */
    c = parse_ok(build("start = 2021-01-01\nend = 2021-01-02\nstep = 8h\n"
                       "usdt_is_usd = yes\n",
                       BOOK_OK, HEDGE_OK, NULL, STRAT_OK));
    ck_assert(c->step_ms == INT64_C(8) * 3600000);
    hs_config_free(c);
}
END_TEST

START_TEST(test_weights)
{
    hs_config *c = parse_ok(build(DATA_OK, BOOK_OK "weights = inverse_vol\n",
                                  HEDGE_OK, NULL, STRAT_OK));
    ck_assert_int_eq(c->weighting, HS_WEIGHTS_INVERSE_VOL);
    hs_config_free(c);
    c = parse_ok(build(DATA_OK, BOOK_OK "weights = 0.5, 0.3,0.2\n", HEDGE_OK,
                       NULL, STRAT_OK));
    ck_assert_int_eq(c->weighting, HS_WEIGHTS_FIXED);
    hs_ck_near(c->weights[0], 0.5, 0);
    hs_ck_near(c->weights[1], 0.3, 0);
    hs_ck_near(c->weights[2], 0.2, 0);
    hs_config_free(c);
    /* A zero weight is allowed as long as the sum is positive. */
    c = parse_ok(
        build(DATA_OK, BOOK_OK "weights = 0,0,1\n", HEDGE_OK, NULL, STRAT_OK));
    hs_ck_near(c->weights[2], 1, 0);
    hs_config_free(c);

    parse_fails(
        build(DATA_OK, BOOK_OK "weights = 0.5,0.5\n", HEDGE_OK, NULL, STRAT_OK),
        "test.ini", "[book] weights", "2 weights for 3 assets", NULL);
    parse_fails(build(DATA_OK, BOOK_OK "weights = 0.5,-0.1,0.6\n", HEDGE_OK,
                      NULL, STRAT_OK),
                "test.ini", "[book] weights", "'-0.1'", "non-negative", NULL);
    parse_fails(build(DATA_OK, BOOK_OK "weights = 0.5,abc,0.6\n", HEDGE_OK,
                      NULL, STRAT_OK),
                "test.ini", "[book] weights", "'abc'", NULL);
    parse_fails(
        build(DATA_OK, BOOK_OK "weights = 0,0,0\n", HEDGE_OK, NULL, STRAT_OK),
        "test.ini", "[book] weights", "sum to 0", NULL);
}
END_TEST

START_TEST(test_costs_models)
{
    /* sqrt: its own keys, given before or after `slippage`. */
    hs_config *c = parse_ok(
        build(DATA_OK, BOOK_OK, HEDGE_OK,
              "impact_k = 0.7\nslippage = sqrt\nmax_bps = 300\nwindow = 10\n",
              STRAT_OK));
    ck_assert_ptr_eq(c->exec.model, &hs_cost_sqrt);
    ck_assert_ptr_eq(c->exec.model_values.table, hs_cost_sqrt.params);
    hs_ck_near(hs_values_num(&c->exec.model_values, "impact_k"), 0.7, 0);
    hs_ck_near(hs_values_num(&c->exec.model_values, "max_bps"), 300, 0);
    ck_assert_uint_eq(c->exec.window, 10);
    hs_config_free(c);
    /* spread */
    c = parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK,
                       "slippage = spread\nmin_spread_bps = 4\n", STRAT_OK));
    ck_assert_ptr_eq(c->exec.model, &hs_cost_spread);
    hs_ck_near(hs_values_num(&c->exec.model_values, "min_spread_bps"), 4, 0);
    hs_config_free(c);
    /* impact_k belongs to sqrt, not to fixed (the default model) */
    parse_fails(build(DATA_OK, BOOK_OK, HEDGE_OK,
                      "slippage = fixed\nimpact_k = 0.7\n", STRAT_OK),
                "test.ini", "[costs]", "'impact_k'", "slippage = fixed", NULL);
    parse_fails(build(DATA_OK, BOOK_OK, HEDGE_OK, "impact_k = 0.7\n", STRAT_OK),
                "test.ini", "[costs]", "'impact_k'", NULL);
    /* a model key out of range, and an unknown model */
    parse_fails(build(DATA_OK, BOOK_OK, HEDGE_OK,
                      "slippage = sqrt\nimpact_k = 101\n", STRAT_OK),
                "test.ini", "[costs]", "'impact_k'", "out of range", NULL);
    parse_fails(
        build(DATA_OK, BOOK_OK, HEDGE_OK, "slippage = magic\n", STRAT_OK),
        "test.ini", "[costs]", "'slippage'", "'magic'", "fixed|spread|sqrt",
        NULL);
}
END_TEST

/* ------------------------------------------------------------- errors */

START_TEST(test_unknown_section_and_keys)
{
    parse_fails(
        build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, STRAT_OK "[extras]\nfoo = 1\n"),
        "test.ini", "unknown section [extras]", NULL);
    parse_fails(
        build(DATA_OK "colour = red\n", BOOK_OK, HEDGE_OK, NULL, STRAT_OK),
        "test.ini: [data] unknown key 'colour' (known: db, start, end, "
        "step, usdt_is_usd, lookback, rates, calendar, periods_per_year)",
        NULL);
    parse_fails(
        build(DATA_OK, BOOK_OK "colour = red\n", HEDGE_OK, NULL, STRAT_OK),
        "test.ini: [book] unknown key 'colour' (known: assets, "
        "weights, capital, rebalance, min_history, vol_window, beta_input, "
        "delisting)",
        NULL);
    parse_fails(
        build(DATA_OK, BOOK_OK, HEDGE_OK "colour = red\n", NULL, STRAT_OK),
        "test.ini: [hedge] unknown key 'colour' (known: benchmark, "
        "instrument, perp_marks, funding, funding_rate, "
        "funding_hours)",
        NULL);
}
END_TEST

/* [costs] should list its known keys like the other sections do: the
 * section's own keys and those of the chosen slippage model. */
START_TEST(test_unknown_costs_key_lists_known)
{
    parse_fails(build(DATA_OK, BOOK_OK, HEDGE_OK, "colour = red\n", STRAT_OK),
                "test.ini", "[costs]", "'colour'", "known:", "fee_bps",
                "slippage_bps", NULL);
}
END_TEST

START_TEST(test_missing_required)
{
    parse_fails(build("end = 2024-12-31\nusdt_is_usd = true\n", BOOK_OK,
                      HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [data] key 'start' is required", NULL);
    parse_fails(build("start = 2019-01-01\nusdt_is_usd = true\n", BOOK_OK,
                      HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [data] key 'end' is required", NULL);
    parse_fails(build(DATA_OK, "capital = 5\n", HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [book] key 'assets' is required", NULL);
    parse_fails(
        build(DATA_OK, BOOK_OK, "instrument = BTC-PERP\n", NULL, STRAT_OK),
        "test.ini: [hedge] key 'benchmark' is required", NULL);
    parse_fails(build(DATA_OK, BOOK_OK, "benchmark = BTC\n", NULL, STRAT_OK),
                "test.ini: [hedge] key 'instrument' is required", NULL);
    /* a whole required section */
    parse_fails(build(DATA_OK, BOOK_OK, NULL, NULL, STRAT_OK),
                "test.ini: section [hedge] is missing", NULL);
}
END_TEST

/* usdt_is_usd is read as stated (-1: not stated); whether the data needs
 * it is checked when the panel loads (tests/cli/import.sh). */
START_TEST(test_usdt_must_be_accepted)
{
    hs_config *c = parse_ok(build("start = 2019-01-01\nend = 2024-12-31\n"
                                  "usdt_is_usd = false\n",
                                  BOOK_OK, HEDGE_OK, NULL, STRAT_OK));
    ck_assert_int_eq(c->usdt_is_usd, 0);
    hs_config_free(c);
    c = parse_ok(build("start = 2019-01-01\nend = 2024-12-31\n", BOOK_OK,
                       HEDGE_OK, NULL, STRAT_OK));
    ck_assert_int_eq(c->usdt_is_usd, -1);
    ck_assert_int_eq(c->calendar, HS_CAL_24X7);
    ck_assert_double_eq(c->periods_per_year, 0);
    hs_config_free(c);
    c = parse_ok(build("start = 2019-01-01\nend = 2024-12-31\n"
                       "calendar = XNYS\nperiods_per_year = 250\n",
                       BOOK_OK, HEDGE_OK, NULL, STRAT_OK));
    ck_assert_int_eq(c->calendar, HS_CAL_XNYS);
    ck_assert_double_eq(c->periods_per_year, 250);
    hs_config_free(c);
    parse_fails(build("start = 2019-01-01\nend = 2024-12-31\n"
                      "calendar = LSE\n",
                      BOOK_OK, HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [data] key 'calendar': unknown calendar 'LSE'",
                NULL);
    parse_fails(build("start = 2019-01-01\nend = 2024-12-31\n"
                      "calendar = weekdays\nstep = 8h\n",
                      BOOK_OK, HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [data] calendar = weekdays needs step = 1d", NULL);
    /* 2022-01-01 is a Saturday, 01-03 a Monday: two sessions. */
    parse_fails(build("start = 2022-01-01\nend = 2022-01-04\n"
                      "calendar = XNYS\n",
                      BOOK_OK, HEDGE_OK, NULL, STRAT_OK),
                "fewer than 3 steps (sessions of calendar XNYS)", NULL);
    parse_fails(build("start = 2019-01-01\nend = 2024-12-31\n"
                      "usdt_is_usd = perhaps\n",
                      BOOK_OK, HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [data]", "'usdt_is_usd'", "'perhaps'", "true/false",
                NULL);
}
END_TEST

START_TEST(test_bad_values)
{
    /* not a number, not an integer */
    parse_fails(
        build(DATA_OK, BOOK_OK "capital = lots\n", HEDGE_OK, NULL, STRAT_OK),
        "test.ini: [book]",
        "key 'capital': 'lots' is not a valid "
        "number",
        NULL);
    parse_fails(
        build(DATA_OK, BOOK_OK "min_history = 2.5\n", HEDGE_OK, NULL, STRAT_OK),
        "test.ini: [book]", "key 'min_history'", "not a valid integer", NULL);
    parse_fails(build(DATA_OK, BOOK_OK, HEDGE_OK, "fee_bps = 5bps\n", STRAT_OK),
                "test.ini: [costs]", "key 'fee_bps'", "'5bps'", NULL);
    /* out of range: capital in [1e-6, 1e15], fee_bps in [0, 1000] */
    parse_fails(
        build(DATA_OK, BOOK_OK "capital = 0\n", HEDGE_OK, NULL, STRAT_OK),
        "test.ini: [book]", "key 'capital'", "out of range", NULL);
    parse_fails(
        build(DATA_OK, BOOK_OK, HEDGE_OK, "fee_bps = 1000.5\n", STRAT_OK),
        "test.ini: [costs]", "key 'fee_bps'", "out of range", NULL);
    parse_fails(
        build(DATA_OK "lookback = -1\n", BOOK_OK, HEDGE_OK, NULL, STRAT_OK),
        "test.ini: [data]", "key 'lookback'", "out of range", NULL);
    /* bad choices */
    parse_fails(build(DATA_OK, BOOK_OK "rebalance = hourly\n", HEDGE_OK, NULL,
                      STRAT_OK),
                "test.ini: [book]",
                "key 'rebalance': 'hourly' is not one of "
                "never|daily|weekly|monthly",
                NULL);
    parse_fails(build(DATA_OK, BOOK_OK, HEDGE_OK, "fill = later\n", STRAT_OK),
                "test.ini: [costs]", "key 'fill'", "next_open|close", NULL);
    parse_fails(
        build(DATA_OK, BOOK_OK, HEDGE_OK "perp_marks = mid\n", NULL, STRAT_OK),
        "test.ini: [hedge]", "key 'perp_marks'", "auto|perp|spot", NULL);
    /* bad times and steps */
    parse_fails(build("start = 2019-13-01\nend = 2024-12-31\n"
                      "usdt_is_usd = true\n",
                      BOOK_OK, HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [data] key 'start'", NULL);
    parse_fails(build("start = 2019-01-01\nend = 2024-12-31\nstep = 1w\n"
                      "usdt_is_usd = true\n",
                      BOOK_OK, HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [data] step", NULL);
    parse_fails(build(DATA_OK "rates = a_rate_series_name_too_long\n", BOOK_OK,
                      HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [data] rates", "too long", NULL);
    /* symbols */
    parse_fails(build(DATA_OK, "assets = ETH,B@D\n", HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [book] assets", "'B@D'", NULL);
    parse_fails(build(DATA_OK, "assets = , ,\n", HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [book] assets", NULL);
}
END_TEST

START_TEST(test_window)
{
    /* end before start: the window is empty */
    parse_fails(build("start = 2021-01-01\nend = 2020-12-31\n"
                      "usdt_is_usd = true\n",
                      BOOK_OK, HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [data] end 2020-12-31 is before start 2021-01-01",
                "empty", NULL);
    /* 2021-01-01 .. 2021-01-02 daily: 2 bars, fewer than 3 */
    parse_fails(build("start = 2021-01-01\nend = 2021-01-02\n"
                      "usdt_is_usd = true\n",
                      BOOK_OK, HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [data]", "fewer than 3 steps", NULL);
    parse_fails(build("start = 2021-01-01\nend = 2021-01-01\n"
                      "usdt_is_usd = true\n",
                      BOOK_OK, HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [data]", "fewer than 3 steps", NULL);
    /* ... 2021-01-03: 3 bars, the smallest window allowed */
    hs_config *c = parse_ok(build("start = 2021-01-01\nend = 2021-01-03\n"
                                  "usdt_is_usd = true\n",
                                  BOOK_OK, HEDGE_OK, NULL, STRAT_OK));
    hs_config_free(c);
    /* with 8-hour steps, 00:00 .. 16:00 holds 3 bars, 00:00 .. 08:00 two */
    c = parse_ok(build("start = 2021-01-01\nend = 2021-01-01 16:00\n"
                       "step = 8h\nusdt_is_usd = true\n",
                       BOOK_OK, HEDGE_OK, NULL, STRAT_OK));
    hs_config_free(c);
    parse_fails(build("start = 2021-01-01\nend = 2021-01-01 08:00\n"
                      "step = 8h\nusdt_is_usd = true\n",
                      BOOK_OK, HEDGE_OK, NULL, STRAT_OK),
                "fewer than 3 steps", NULL);
}
END_TEST

/* start is rounded up and end down to the step grid (docs/configuration.md
 * and the history loader), so the 3-step rule counts grid bars:
 * 2021-01-01 12:00 .. 2021-01-03 12:00 daily holds the bars of 01-02 and
 * 01-03 only, although end - start is two days. */
START_TEST(test_window_counts_grid_bars)
{
    parse_fails(build("start = 2021-01-01 12:00\nend = 2021-01-03 12:00\n"
                      "usdt_is_usd = true\n",
                      BOOK_OK, HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [data]", "fewer than 3 steps", NULL);
}
END_TEST

START_TEST(test_assets_checks)
{
    parse_fails(
        build(DATA_OK, "assets = ETH,BNB,ETH\n", HEDGE_OK, NULL, STRAT_OK),
        "test.ini: [book] assets: ETH is listed twice", NULL);
    parse_fails(build(DATA_OK, "assets = ETH,BTC\n", HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [book] assets: BTC is also the benchmark", NULL);
    parse_fails(
        build(DATA_OK, "assets = ETH,BTC-PERP\n", HEDGE_OK, NULL, STRAT_OK),
        "test.ini: [book] assets: BTC-PERP is also the benchmark or "
        "hedge instrument",
        NULL);
}
END_TEST

START_TEST(test_syntax_errors)
{
    /* duplicate key */
    parse_fails(build(DATA_OK "start = 2020-01-01\n", BOOK_OK, HEDGE_OK, NULL,
                      STRAT_OK),
                "test.ini: [data] key 'start' is given twice", NULL);
    /* a key before any section */
    parse_fails("stray = 1\n[data]\nstart = 2019-01-01\n",
                "test.ini:1: key outside any [section]", NULL);
    /* an unparseable line: libinih reports its line number (4 here) */
    parse_fails("[data]\n"
                "start = 2019-01-01\n"
                "; comment\n"
                "this line has no equals sign\n"
                "end = 2024-12-31\n",
                "test.ini:4: cannot parse this line", NULL);
    /* a section header that is never closed, on line 2 (last line) */
    parse_fails("; top\n[data\n", "test.ini:2: section header without", NULL);
}
END_TEST

/* The first problem in the file is the one reported: an unparseable line 2
 * comes before the keys that follow it.  An unclosed "[data" header should
 * not be reported as "key 'start' is outside any [section]" (line 3). */
START_TEST(test_first_error_wins)
{
    parse_fails("; top\n[data\nstart = 2019-01-01\n",
                "test.ini:2: section header without", NULL);
    parse_fails("[data]\n"
                "start = 2019-01-01\n"
                "garbage line\n"
                "start = 2020-01-01\n",
                "test.ini:3: cannot parse this line", NULL);
}
END_TEST

START_TEST(test_strategy_sections)
{
    parse_fails(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, NULL),
                "test.ini: no [strategy.NAME] section", NULL);
    parse_fails(
        build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, "[strategy.x]\nbeta = ols\n"),
        "test.ini: [strategy.x] key 'type' is required", NULL);
    parse_fails(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL,
                      "[strategy.a b]\ntype = unhedged\n"),
                "test.ini: [strategy.a b]: run names are [A-Za-z0-9_-]", NULL);
    parse_fails(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL,
                      "[strategy.]\ntype = unhedged\n"),
                "test.ini: [strategy.]: bad strategy run name", NULL);
    /* keys inside strategy sections are not validated at parse time ... */
    hs_config *c = parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL,
                                  "[strategy.x-1]\ntype = nonsense\n"
                                  "whatever = 3\n"));
    ck_assert_str_eq(c->runs[0].name, "x-1");
    ck_assert_str_eq(c->runs[0].type, "nonsense");
    hs_config_free(c);
    /* ... but duplicates are */
    parse_fails(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL,
                      "[strategy.x]\ntype = unhedged\ntype = perp_short\n"),
                "test.ini: [strategy.x] key 'type' is given twice", NULL);
}
END_TEST

/* A section with no keys is still a section: an empty unknown section is an
 * error, and an empty [strategy.NAME] lacks its required `type` (it must
 * not be dropped silently, leaving one run fewer than the file names). */
START_TEST(test_empty_sections)
{
    parse_fails(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, STRAT_OK "[extras]\n"),
                "test.ini", "unknown section [extras]", NULL);
    parse_fails(
        build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, STRAT_OK "[strategy.empty]\n"),
        "test.ini: [strategy.empty] key 'type' is required", NULL);
}
END_TEST

/* Lines and names longer than libinih's buffers (200-character lines,
 * 50-character section names) are within what hs_config holds (values of
 * 255 characters, up to 64 assets, run names of 63).  They must either be
 * read whole or refused with a message naming the real line: never cut
 * silently, nor blamed on the wrong line. */
START_TEST(test_long_lines)
{
    /* 45 assets CN00..CN44: a value of 45 * 5 - 1 = 224 characters on
     * line 7 ("[data]", 3 keys, a blank line, "[book]", then assets), a
     * line of "assets = " + 224 = 233 characters. */
    char assets[256] = "";
    for (int i = 0; i < 45; i++) {
        size_t len = strlen(assets);
        snprintf(assets + len, sizeof assets - len, "%sCN%02d", i ? "," : "",
                 i);
    }
    ck_assert_uint_eq(strlen(assets), 224);
    char book[300];
    snprintf(book, sizeof book, "assets = %s\n", assets);
    const char *text = build("start = 2019-01-01\nend = 2024-12-31\n"
                             "usdt_is_usd = true\n",
                             book, HEDGE_OK, NULL, STRAT_OK);
    hs_config *c = NULL;
    int rc = hs_config_parse(&c, text, "test.ini");
    if (rc == 0) {
        size_t n = c->n_assets;
        char last[HS_SYMBOL_MAX];
        snprintf(last, sizeof last, "%s", c->assets[n ? n - 1 : 0]);
        hs_config_free(c);
        ck_assert_uint_eq(n, 45);
        ck_assert_str_eq(last, "CN44");
    } else {
        ck_assert_msg(strstr(hs_error_last(), "test.ini:7"),
                      "the 233-character line 7 is reported as: %s",
                      hs_error_last());
    }
}
END_TEST

START_TEST(test_long_run_name)
{
    /* a 45-character run name: [strategy.NAME] is 55 characters */
    const char *name = "a_rather_long_strategy_run_name_of_45_chars_x";
    ck_assert_uint_eq(strlen(name), 45);
    char tail[256];
    snprintf(tail, sizeof tail, "[strategy.%s]\ntype = unhedged\n", name);
    hs_config *c = NULL;
    int rc = hs_config_parse(&c, build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, tail),
                             "test.ini");
    if (rc == 0) {
        char got[sizeof c->runs[0].name];
        snprintf(got, sizeof got, "%s", c->runs[0].name);
        hs_config_free(c);
        ck_assert_str_eq(got, name);
    } else {
        ck_assert(strstr(hs_error_last(), "test.ini"));
    }
}
END_TEST

/* A bad start or end names the key that is wrong. */
START_TEST(test_bad_time_names_key)
{
    parse_fails(build("start = 2019-02-30\nend = 2024-12-31\n"
                      "usdt_is_usd = true\n",
                      BOOK_OK, HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [data] key 'start'", NULL);
    parse_fails(build("start = 2019-01-01\nend = soon\n"
                      "usdt_is_usd = true\n",
                      BOOK_OK, HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [data] key 'end'", NULL);
}
END_TEST

/* At most HS_CONFIG_MAX_RUNS (64) strategy runs: 64 are read, a 65th is an
 * error (the raw parser has room for more sections than cfg->runs). */
START_TEST(test_too_many_runs)
{
    static char tail[65 * 64];
    tail[0] = '\0';
    for (int i = 0; i < 64; i++) {
        size_t len = strlen(tail);
        snprintf(tail + len, sizeof tail - len, "[strategy.r%d]\ntype = x\n",
                 i);
    }
    hs_config *c = parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, tail));
    ck_assert_uint_eq(c->n_runs, 64);
    ck_assert_str_eq(c->runs[63].name, "r63");
    hs_config_free(c);
    strcat(tail, "[strategy.r64]\ntype = x\n");
    c = NULL;
    int rc = hs_config_parse(&c, build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, tail),
                             "test.ini");
    size_t n = c ? c->n_runs : 0;
    hs_config_free(c);
    ck_assert_msg(rc == HS_ECONFIG, "65 runs: rc %d, n_runs %zu", rc, n);
    ck_assert(strstr(hs_error_last(), "test.ini"));
    ck_assert(strstr(hs_error_last(), "64"));
}
END_TEST

/* The raw limits: 32 keys per section, values of 255 characters. */
START_TEST(test_raw_limits)
{
    char tail[2048] = "[strategy.x]\ntype = unhedged\n";
    for (int i = 1; i < 32; i++) {
        size_t len = strlen(tail);
        snprintf(tail + len, sizeof tail - len, "k%d = 1\n", i);
    }
    hs_config *c = parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, tail));
    ck_assert_uint_eq(c->runs[0].n_kv, 31); /* 32 keys less `type` */
    hs_config_free(c);
    strcat(tail, "k32 = 1\n");
    parse_fails(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, tail),
                "test.ini: [strategy.x] has too many keys", NULL);
    /* an override value of 256 characters */
    c = parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, STRAT_OK));
    char set[300] = "data.db=";
    memset(set + 8, 'x', 256);
    set[8 + 256] = '\0';
    ck_assert_int_eq(hs_config_set(c, set), HS_ECONFIG);
    ck_assert(strstr(hs_error_last(), "[data] db: key or value too long"));
    set[8 + 255] = '\0'; /* 255 fit */
    ck_assert_int_eq(hs_config_set(c, set), 0);
    ck_assert_uint_eq(strlen(c->db), 255);
    hs_config_free(c);
}
END_TEST

/* Without a name, messages say "config". */
START_TEST(test_unnamed)
{
    hs_config *c = NULL;
    ck_assert_int_eq(hs_config_parse(&c,
                                     build(DATA_OK "colour = red\n", BOOK_OK,
                                           HEDGE_OK, NULL, STRAT_OK),
                                     NULL),
                     HS_ECONFIG);
    ck_assert_ptr_null(c);
    ck_assert(strncmp(hs_error_last(), "config: [data] unknown key", 26) == 0);
    c = parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, STRAT_OK));
    hs_config_free(c);
}
END_TEST

/* ---------------------------------------------------------- overrides */

START_TEST(test_overrides)
{
    hs_config *c = parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, STRAT_OK));
    ck_assert_int_eq(hs_config_set(c, "data.start=2021-01-01"), 0);
    ck_assert(c->start == INT64_C(1609459200000)); /* python3 datetime */
    ck_assert_int_eq(hs_config_set(c, "strategy.ols60.window = 90"), 0);
    ck_assert_str_eq(run_kv(&c->runs[0], "window")->value, "90");
    ck_assert_uint_eq(c->runs[0].n_kv, 2);
    ck_assert_int_eq(hs_config_set(c, "book.capital=5"), 0);
    hs_ck_near(c->capital, 5, 0);
    /* a key the file did not have */
    ck_assert_int_eq(hs_config_set(c, "strategy.ols60.target_beta=0.5"), 0);
    ck_assert_str_eq(run_kv(&c->runs[0], "target_beta")->value, "0.5");
    ck_assert_int_eq(hs_config_set(c, "costs.slippage=sqrt"), 0);
    /* a whole new run */
    ck_assert_int_eq(hs_config_set(c, "strategy.new.type=unhedged"), 0);
    ck_assert_uint_eq(c->n_runs, 2);
    ck_assert_str_eq(c->runs[1].name, "new");
    ck_assert_str_eq(c->runs[1].type, "unhedged");
    ck_assert_ptr_eq(c->exec.model, &hs_cost_sqrt);
    ck_assert_str_eq(c->overrides, "data.start=2021-01-01\n"
                                   "strategy.ols60.window=90\n"
                                   "book.capital=5\n"
                                   "strategy.ols60.target_beta=0.5\n"
                                   "costs.slippage=sqrt\n"
                                   "strategy.new.type=unhedged\n");
    /* the file text is kept verbatim */
    ck_assert(strstr(c->text, "start = 2019-01-01") != NULL);
    hs_config_free(c);
}
END_TEST

START_TEST(test_bad_overrides)
{
    static const struct {
        const char *set, *frag;
    } bad[] = {
        {"book.capital=-5", "'capital'"},
        {"book.capital=-5", "out of range"},
        {"book.capital", "expected section.key=value"},
        {"capital=5", "expected section.key=value"},
        {".capital=5", "expected section.key=value"},
        {"book.=5", "empty key"},
        {"data.end=2018-01-01", "is before start"},
        {"hedge.benchmark=ETH", "ETH is also the benchmark"},
        {"data.calendar=NYSE", "unknown calendar 'NYSE'"},
        {"nosuch.key=1", "unknown section [nosuch]"},
        {"book.colour=red", "unknown key 'colour'"},
        {"costs.impact_k=1", "'impact_k'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hs_config *c =
            parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, STRAT_OK));
        int rc = hs_config_set(c, bad[i].set);
        ck_assert_msg(rc == HS_ECONFIG, "%s: rc %d", bad[i].set, rc);
        ck_assert_msg(strstr(hs_error_last(), bad[i].frag), "%s: '%s'",
                      bad[i].set, hs_error_last());
        hs_config_free(c);
    }
}
END_TEST

/* Values that pass a naive check but make no sense are refused, naming the
 * key: weights whose sum overflows, an empty item in a list, integers
 * written in hexadecimal, with an exponent or a fraction, a hexadecimal
 * number, second 60, a run name longer than documented through --set. */
START_TEST(test_values_that_make_no_sense)
{
    parse_fails(build(DATA_OK, "assets = ETH,BNB\nweights = 1e308,1e308\n",
                      HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [book] weights", "overflows", NULL);
    parse_fails(build(DATA_OK, "assets = ETH,,BNB\n", HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [book] assets", "empty item", NULL);
    parse_fails(build(DATA_OK, "assets = ETH,BNB,\n", HEDGE_OK, NULL, STRAT_OK),
                "[book] assets", "empty item", NULL);
    parse_fails(build(DATA_OK, "assets = ,ETH\n", HEDGE_OK, NULL, STRAT_OK),
                "[book] assets", "empty item", NULL);
    parse_fails(build(DATA_OK, "assets = ETH,BNB\nweights = 1,,2\n", HEDGE_OK,
                      NULL, STRAT_OK),
                "[book] weights", "empty item", NULL);
    parse_fails(build(DATA_OK, "assets = ETH,BNB\nweights = 0x1p0,1\n",
                      HEDGE_OK, NULL, STRAT_OK),
                "[book] weights", "0x1p0", NULL);
    static const char *const not_ints[] = {"0x10", "1e1", "16.0", "+", "1 0"};
    for (size_t i = 0; i < sizeof not_ints / sizeof not_ints[0]; i++) {
        char book[128];
        snprintf(book, sizeof book, BOOK_OK "min_history = %s\n", not_ints[i]);
        parse_fails(build(DATA_OK, book, HEDGE_OK, NULL, STRAT_OK),
                    "test.ini: [book]", "key 'min_history'",
                    "not a valid integer", NULL);
    }
    parse_fails(build(DATA_OK, BOOK_OK "capital = 0x10\n", HEDGE_OK, NULL,
                      STRAT_OK),
                "key 'capital'", "not a valid number", NULL);
    parse_fails(build("start = 2019-01-01 00:00:60\nend = 2024-12-31\n"
                      "usdt_is_usd = true\n",
                      BOOK_OK, HEDGE_OK, NULL, STRAT_OK),
                "test.ini: [data] key 'start'", NULL);
    /* Still accepted: signed and exponent numbers, second 59, integers
     * with spaces around them. */
    hs_config *c = parse_ok(build("start = 2019-01-01 00:00:59\n"
                                  "end = 2024-12-31\nusdt_is_usd = true\n",
                                  "assets = ETH,BNB\nweights = 1e2, 3.5e1\n"
                                  "capital = +2.5e5\nmin_history =  16 \n",
                                  HEDGE_OK, NULL, STRAT_OK));
    ck_assert_int_eq(c->start, 1546300800000LL + 59000);
    hs_ck_near(c->weights[0], 100, 0);
    hs_ck_near(c->weights[1], 35, 0);
    hs_ck_near(c->capital, 2.5e5, 0);
    ck_assert_uint_eq(c->min_history, 16);
    /* A run name of 40 characters is the longest, through --set as well. */
    char set[128], name41[64];
    const char *name40 = "abcdefghij_abcdefghij_abcdefghij_abcdefg";
    ck_assert_uint_eq(strlen(name40), HS_CONFIG_RUN_NAME_MAX);
    snprintf(set, sizeof set, "strategy.%s.type=unhedged", name40);
    ck_assert_msg(hs_config_set(c, set) == 0, "%s", hs_error_last());
    ck_assert_str_eq(c->runs[1].name, name40);
    snprintf(name41, sizeof name41, "%sh", name40);
    snprintf(set, sizeof set, "strategy.%s.type=unhedged", name41);
    ck_assert_int_eq(hs_config_set(c, set), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), name41));
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "longer than 40"));
    hs_config_free(c);
}
END_TEST

/* hs_config_validate on a config changed in place. */
START_TEST(test_validate)
{
    hs_config *c = parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, STRAT_OK));
    ck_assert_int_eq(hs_config_validate(c), 0);
    int64_t end = c->end;
    c->end = c->start + c->step_ms; /* two bars */
    ck_assert_int_eq(hs_config_validate(c), HS_ECONFIG);
    ck_assert(strstr(hs_error_last(), "fewer than 3 steps"));
    c->end = end;
    c->calendar = HS_CAL_XNYS;
    c->step_ms = HS_MS_PER_HOUR; /* a calendar needs daily steps */
    ck_assert_int_eq(hs_config_validate(c), HS_ECONFIG);
    ck_assert(strstr(hs_error_last(), "calendar = XNYS needs step = 1d"));
    hs_config_free(c);
}
END_TEST

/* ------------------------------------------------------------ [metrics] */

#define METRICS(body) "[metrics]\n" body "\n" STRAT_OK

/* rolling_window: default 90, with or without the section; 2 - 100000. */
START_TEST(test_metrics_rolling_window)
{
    hs_config *c = parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, STRAT_OK));
    ck_assert_uint_eq(c->rolling_window, 90);
    hs_config_free(c);
    c = parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, METRICS("")));
    ck_assert_uint_eq(c->rolling_window, 90);
    hs_config_free(c);
    c = parse_ok(
        build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, METRICS("rolling_window = 30")));
    ck_assert_uint_eq(c->rolling_window, 30);
    ck_assert_uint_eq(c->n_runs, 1);
    hs_config_free(c);
    /* the ends of the range */
    c = parse_ok(
        build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, METRICS("rolling_window = 2")));
    ck_assert_uint_eq(c->rolling_window, 2);
    hs_config_free(c);
    c = parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL,
                       METRICS("rolling_window = 100000")));
    ck_assert_uint_eq(c->rolling_window, 100000);
    hs_config_free(c);
}
END_TEST

/* Refused values and keys name the file, the section and the key. */
START_TEST(test_metrics_errors)
{
    static const struct {
        const char *value, *frag;
    } bad[] = {
        {"1", "out of range"},      {"0", "out of range"},
        {"-5", "out of range"},     {"100001", "out of range"},
        {"abc", "'abc'"},           {"30.5", "'30.5'"},
        {"30 steps", "'30 steps'"}, {"", "''"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[128];
        snprintf(body, sizeof body, "[metrics]\nrolling_window = %s\n%s",
                 bad[i].value, STRAT_OK);
        parse_fails(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, body), "test.ini",
                    "[metrics]", "'rolling_window'", bad[i].frag, NULL);
    }
    parse_fails(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL,
                      METRICS("rolling_window = 30\nwindow = 30")),
                "test.ini: [metrics] unknown key 'window' (known: "
                "rolling_window)",
                NULL);
    parse_fails(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL,
                      METRICS("rolling_window = 30\nrolling_window = 40")),
                "test.ini", "[metrics]", "'rolling_window' is given twice",
                NULL);
}
END_TEST

/* --set metrics.rolling_window works with and without a [metrics] section
 * in the file, and a refused value is an error. */
START_TEST(test_metrics_override)
{
    hs_config *c = parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, STRAT_OK));
    ck_assert_int_eq(hs_config_set(c, "metrics.rolling_window=30"), 0);
    ck_assert_uint_eq(c->rolling_window, 30);
    ck_assert_str_eq(c->overrides, "metrics.rolling_window=30\n");
    hs_config_free(c);

    c = parse_ok(
        build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, METRICS("rolling_window = 45")));
    ck_assert_uint_eq(c->rolling_window, 45);
    ck_assert_int_eq(hs_config_set(c, "metrics.rolling_window = 30"), 0);
    ck_assert_uint_eq(c->rolling_window, 30);
    hs_config_free(c);

    static const char *const bad[] = {
        "metrics.rolling_window=1", "metrics.rolling_window=0",
        "metrics.rolling_window=ninety", "metrics.window=30"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c = parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, STRAT_OK));
        int rc = hs_config_set(c, bad[i]);
        ck_assert_msg(rc == HS_ECONFIG, "%s: rc %d", bad[i], rc);
        ck_assert_msg(strstr(hs_error_last(), "[metrics]"), "%s: '%s'", bad[i],
                      hs_error_last());
        ck_assert_msg(strstr(hs_error_last(), i < 3 ? "'rolling_window'"
                                                    : "unknown key 'window'"),
                      "%s: '%s'", bad[i], hs_error_last());
        ck_assert_str_eq(c->overrides, "");
        hs_config_free(c);
    }
}
END_TEST

/* ------------------------------------------------------------ run specs */

static const char specs_tail[] =
    "[strategy.ewma]\ntype = perp_short\nbeta = ewma\nhalflife = 20\n"
    "[strategy.band]\ntype = dynamic_rebalance\nbeta = kalman\nband = 0.25\n"
    "band_unit = notional\n"
    "[strategy.common]\ntype = perp_short\ntarget_beta = 0.5\n"
    "contract_size = 0.01\nreturns = log\n"
    "[strategy.plain]\ntype = min_variance\n"
    "[strategy.none]\ntype = unhedged\nbeta = none\n";

START_TEST(test_run_spec)
{
    hs_registry *reg = NULL;
    ck_assert_int_eq(hs_registry_new(&reg), 0);
    hs_config *c =
        parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, specs_tail));
    ck_assert_uint_eq(c->n_runs, 5);
    hs_run_spec s;

    ck_assert_int_eq(hs_config_run_spec(c, 0, reg, &s), 0);
    ck_assert_str_eq(s.name, "ewma");
    ck_assert_ptr_eq(s.name, c->runs[0].name); /* borrowed from cfg */
    ck_assert_ptr_eq(s.type, hs_registry_find(reg, "perp_short"));
    ck_assert_ptr_eq(s.beta, &hs_beta_ewma);
    hs_ck_near(hs_values_num(&s.beta_params, "halflife"), 20, 0);
    ck_assert(hs_values_isset(&s.beta_params, "halflife"));
    /* common keys at their defaults */
    ck_assert_int_eq(s.log_returns, 0);
    hs_ck_near(s.target_beta, 0, 0);
    hs_ck_near(s.contract_size, 0.001, 0);

    ck_assert_int_eq(hs_config_run_spec(c, 1, reg, &s), 0);
    ck_assert_str_eq(s.type->name, "dynamic_rebalance");
    ck_assert_ptr_eq(s.beta, &hs_beta_kalman);
    hs_ck_near(hs_values_num(&s.params, "band"), 0.25, 0);
    ck_assert_int_eq(hs_values_int(&s.params, "band_unit"), 1); /* notional */

    ck_assert_int_eq(hs_config_run_spec(c, 2, reg, &s), 0);
    ck_assert_int_eq(s.log_returns, 1);
    hs_ck_near(s.target_beta, 0.5, 0);
    hs_ck_near(s.contract_size, 0.01, 0);
    ck_assert_ptr_eq(s.beta, &hs_beta_ols); /* the default estimator */

    ck_assert_int_eq(hs_config_run_spec(c, 3, reg, &s), 0);
    ck_assert_str_eq(s.type->name, "min_variance");
    ck_assert_ptr_eq(s.beta, &hs_beta_ols);
    hs_ck_near(hs_values_num(&s.beta_params, "window"), 60, 0); /* default */

    ck_assert_int_eq(hs_config_run_spec(c, 4, reg, &s), 0);
    ck_assert_str_eq(s.type->name, "unhedged");
    ck_assert_ptr_null(s.beta);
    hs_config_free(c);
    hs_registry_free(reg);
}
END_TEST

/* Run spec i of `tail` fails with HS_ECONFIG and a message holding frags. */
static void spec_fails(const char *tail, ...)
{
    hs_registry *reg = NULL;
    ck_assert_int_eq(hs_registry_new(&reg), 0);
    hs_config *c = parse_ok(build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, tail));
    hs_run_spec s;
    int rc = hs_config_run_spec(c, 0, reg, &s);
    ck_assert_msg(rc == HS_ECONFIG, "rc %d (%s)", rc, hs_error_last());
    const char *msg = hs_error_last();
    va_list ap;
    va_start(ap, tail);
    for (const char *frag; (frag = va_arg(ap, const char *));)
        ck_assert_msg(strstr(msg, frag), "message '%s' lacks '%s'", msg, frag);
    va_end(ap);
    hs_config_free(c);
    hs_registry_free(reg);
}

START_TEST(test_run_spec_errors)
{
    spec_fails("[strategy.x]\ntype = magic\n",
               "test.ini: [strategy.x] unknown strategy type 'magic'",
               "(known: unhedged, perp_short, dynamic_rebalance, "
               "min_variance",
               NULL);
    spec_fails("[strategy.x]\ntype = perp_short\ncolour = red\n",
               "test.ini: [strategy.x]", "unknown key 'colour'",
               "type perp_short with beta ols", "known: type, beta, returns",
               "window", NULL);
    /* halflife belongs to ewma, not to ols */
    spec_fails("[strategy.x]\ntype = perp_short\nbeta = ols\nhalflife = 20\n",
               "test.ini: [strategy.x]", "unknown key 'halflife'",
               "with beta ols", NULL);
    /* band belongs to dynamic_rebalance, not to perp_short */
    spec_fails("[strategy.x]\ntype = perp_short\nband = 0.1\n",
               "unknown key 'band'", NULL);
    spec_fails("[strategy.x]\ntype = dynamic_rebalance\nband = -1\n",
               "test.ini: [strategy.x]", "key 'band'", "out of range", NULL);
    spec_fails("[strategy.x]\ntype = perp_short\nbeta = garch\n",
               "test.ini: [strategy.x]", "key 'beta'", "'garch'",
               "ols|ewma|kalman|downside|none", NULL);
    spec_fails("[strategy.x]\ntype = perp_short\nbeta = ols\nwindow = 2\n",
               "test.ini: [strategy.x]", "key 'window'", "out of range", NULL);
    spec_fails("[strategy.x]\ntype = perp_short\ncontract_size = 0\n",
               "key 'contract_size'", "out of range", NULL);
    spec_fails("[strategy.x]\ntype = perp_short\nreturns = percent\n",
               "key 'returns'", "simple|log", NULL);
}
END_TEST

/* -------------------------------------------------------------- files */

START_TEST(test_load)
{
    hs_config *c = (hs_config *)(uintptr_t)1;
    const char *missing = "/nonexistent/dir/hs-missing.ini";
    ck_assert_int_eq(hs_config_load(&c, missing), HS_EIO);
    ck_assert_ptr_null(c);
    ck_assert(strstr(hs_error_last(), missing));

    char path[64];
    const char *text = build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, STRAT_OK);
    write_temp(path, sizeof path, text, strlen(text));
    ck_assert_int_eq(hs_config_load(&c, path), 0);
    ck_assert_str_eq(c->path, path);
    ck_assert_str_eq(c->text, text);
    ck_assert_uint_eq(c->n_assets, 3);
    hs_config_free(c);
    unlink(path);

    /* Errors name the file read. */
    text = build(DATA_OK "colour = red\n", BOOK_OK, HEDGE_OK, NULL, STRAT_OK);
    write_temp(path, sizeof path, text, strlen(text));
    ck_assert_int_eq(hs_config_load(&c, path), HS_ECONFIG);
    ck_assert(strstr(hs_error_last(), path));
    ck_assert(strstr(hs_error_last(), "[data] unknown key 'colour'"));
    unlink(path);

    /* A NUL byte in the middle: not a text file. */
    static const char nul[] = "[data]\nstart = 2019-01-01\0\nend = x\n";
    write_temp(path, sizeof path, nul, sizeof nul - 1);
    c = (hs_config *)(uintptr_t)1;
    ck_assert_int_eq(hs_config_load(&c, path), HS_ECONFIG);
    ck_assert_ptr_null(c);
    ck_assert(strstr(hs_error_last(), path));
    ck_assert(strstr(hs_error_last(), "NUL byte"));
    unlink(path);

    /* A file larger than one read buffer (over 8 KiB of comments). */
    size_t big = 20000;
    char *long_text = malloc(big + 512);
    ck_assert_ptr_nonnull(long_text);
    size_t len = 0;
    while (len < big)
        len += (size_t)sprintf(long_text + len, "; %s\n",
                               "padding padding padding padding padding");
    strcpy(long_text + len, build(DATA_OK, BOOK_OK, HEDGE_OK, NULL, STRAT_OK));
    write_temp(path, sizeof path, long_text, strlen(long_text));
    ck_assert_int_eq(hs_config_load(&c, path), 0);
    ck_assert_uint_eq(strlen(c->text), strlen(long_text));
    ck_assert_uint_eq(c->n_runs, 1);
    hs_config_free(c);
    free(long_text);
    unlink(path);
}
END_TEST

/* A last line ending in a bare '\r' (no '\n') is read like any other
 * line.  Found by the config fuzzer (tests/fuzz/config.c): the shape check
 * looped for ever on it. */
START_TEST(test_last_line_bare_cr)
{
    hs_config *c = NULL;
    const char *t = build(DATA_OK, BOOK_OK, HEDGE_OK, NULL,
                          STRAT_OK "; a comment\r");
    ck_assert_msg(hs_config_parse(&c, t, "t") == 0, "%s", hs_error_last());
    hs_config_free(c);
    t = build(DATA_OK, BOOK_OK, HEDGE_OK, NULL,
              "[strategy.ols60]\ntype = perp_short\nbeta = ols\nwindow = 60\r");
    ck_assert_msg(hs_config_parse(&c, t, "t") == 0, "%s", hs_error_last());
    ck_assert_uint_eq(c->n_runs, 1);
    hs_config_free(c);
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_full_config);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_weights);
    tcase_add_test(tc, test_costs_models);
    tcase_add_test(tc, test_unknown_section_and_keys);
    tcase_add_test(tc, test_unknown_costs_key_lists_known);
    tcase_add_test(tc, test_missing_required);
    tcase_add_test(tc, test_usdt_must_be_accepted);
    tcase_add_test(tc, test_bad_values);
    tcase_add_test(tc, test_window);
    tcase_add_test(tc, test_window_counts_grid_bars);
    tcase_add_test(tc, test_assets_checks);
    tcase_add_test(tc, test_syntax_errors);
    tcase_add_test(tc, test_first_error_wins);
    tcase_add_test(tc, test_strategy_sections);
    tcase_add_test(tc, test_empty_sections);
    tcase_add_test(tc, test_long_lines);
    tcase_add_test(tc, test_long_run_name);
    tcase_add_test(tc, test_bad_time_names_key);
    tcase_add_test(tc, test_too_many_runs);
    tcase_add_test(tc, test_raw_limits);
    tcase_add_test(tc, test_unnamed);
    tcase_add_test(tc, test_overrides);
    tcase_add_test(tc, test_bad_overrides);
    tcase_add_test(tc, test_values_that_make_no_sense);
    tcase_add_test(tc, test_validate);
    tcase_add_test(tc, test_metrics_rolling_window);
    tcase_add_test(tc, test_metrics_errors);
    tcase_add_test(tc, test_metrics_override);
    tcase_add_test(tc, test_run_spec);
    tcase_add_test(tc, test_run_spec_errors);
    tcase_add_test(tc, test_load);
    tcase_add_test(tc, test_last_line_bare_cr);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return hs_test_main(config_suite());
}
