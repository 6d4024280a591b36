/* Importers: every real format under datasets/ with row counts and known
 * values, every validation error with a crafted file in tests/data/,
 * all-or-nothing imports, idempotent re-imports, the manifest and the
 * build of a store file.
 *
 * Known values of the real files are those stated in datasets/README.md
 * (sanity checks taken from the upstream files: e.g. BTCUSDT close
 * 2020-03-12 = 4800.00); values of the crafted files are in the files. */
#include "testutil.h"

#include <dirent.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---------------------------------------------------------------- helpers */

static char *tmp_path(const char *tag)
{
    const char *dir = getenv("TMPDIR");
    char *p = malloc(512);
    ck_assert_ptr_nonnull(p);
    snprintf(p, 512, "%s/hs_%s_XXXXXX", dir && *dir ? dir : "/tmp", tag);
    int fd = mkstemp(p);
    ck_assert_int_ge(fd, 0);
    close(fd);
    return p;
}

static void tmp_remove(char *p)
{
    char j[600];
    unlink(p);
    snprintf(j, sizeof j, "%s-journal", p);
    unlink(j);
    free(p);
}

static int64_t T(const char *text)
{
    int64_t t = 0;
    ck_assert_int_eq(hs_cal_parse_time(text, &t), 0);
    return t;
}

static void assert_msg_has(const char *needle)
{
    ck_assert_msg(strstr(hs_error_last(), needle) != NULL,
                  "message '%s' lacks '%s'", hs_error_last(), needle);
}

/* A fresh store in a temporary file, shared by the tests of a case. */
typedef struct fixture {
    char *path;
    hs_store *s;
} fixture;

static fixture fx;

static void fx_setup(void)
{
    fx.path = tmp_path("import");
    ck_assert_int_eq(hs_store_open(&fx.s, fx.path, HS_STORE_WRITE), 0);
}

static void fx_teardown(void)
{
    hs_store_close(fx.s);
    tmp_remove(fx.path);
    memset(&fx, 0, sizeof fx);
}

static int imp(const char *file, hs_format f, const char *sym, hs_kind k,
               hs_import_stats *st)
{
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    o.format = f;
    o.symbol = sym;
    o.kind = k;
    return hs_import_file(fx.s, file, &o, st);
}

static hs_instrument inst(const char *sym)
{
    hs_instrument in;
    ck_assert_msg(hs_store_instrument(fx.s, sym, &in) == 0, "%s",
                  hs_error_last());
    return in;
}

static hs_bar bar_at(const char *sym, const char *when)
{
    hs_bar *b = NULL, r;
    size_t n = 0;
    int64_t t = T(when);
    ck_assert_int_eq(hs_store_bars(fx.s, inst(sym).id, t, t + 1, &b, &n), 0);
    ck_assert_msg(n == 1, "no %s bar at %s", sym, when);
    r = b[0];
    free(b);
    return r;
}

static hs_funding funding_at(const char *sym, const char *when)
{
    hs_funding *f = NULL, r;
    size_t n = 0;
    int64_t t = T(when);
    ck_assert_int_eq(hs_store_funding(fx.s, inst(sym).id, t, t + 1, &f, &n), 0);
    ck_assert_msg(n == 1, "no %s funding at %s", sym, when);
    r = f[0];
    free(f);
    return r;
}

static double rate_at(const char *series, const char *when)
{
    hs_rate *r = NULL;
    size_t n = 0;
    int64_t t = T(when);
    ck_assert_int_eq(hs_store_rates(fx.s, series, t, t + 1, &r, &n), 0);
    ck_assert_msg(n == 1, "no %s at %s", series, when);
    double v = r[0].rate;
    free(r);
    return v;
}

/* A digest of the store's content: counts and sums over every table. */
static void digest(const char *path, char *out, size_t size)
{
    static const char sql[] =
        "SELECT (SELECT count(*) || ':' || total(id) || ':' ||"
        "  total(length(symbol)) FROM instruments) || '|' ||"
        " (SELECT count(*) || ':' || total(ts * 1e-9 + open + high + low +"
        "  close + volume) FROM bars) || '|' ||"
        " (SELECT count(*) || ':' || total(ts * 1e-9 + rate) FROM funding)"
        " || '|' || (SELECT count(*) || ':' || total(ts * 1e-9 +"
        "  coalesce(bid, 0) + coalesce(ask, 0)) FROM option_quotes) || '|' ||"
        " (SELECT count(*) || ':' || total(close) FROM index_values) || '|' ||"
        " (SELECT count(*) || ':' || total(rate) FROM rates) || '|' ||"
        " (SELECT count(*) FROM meta)";
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* The whole file, malloc'ed. */
static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(fread(b, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    *n = (size_t)len;
    return b;
}

/* ------------------------------------------------------ real: spot daily */

/* PROVENANCE-stated rows and first day per file, and closes on the crash
 * days (datasets/README.md, spot table). */
static const struct spot_case {
    const char *coin;
    long long rows;
    const char *first;
    const char *day;
    double close;
} spot_cases[] = {
    {"BTC", 3167, "2017-08-17", "2020-03-12", 4800.00},
    {"ETH", 3167, "2017-08-17", "2020-03-12", 107.82},
    {"BNB", 3086, "2017-11-06", "2020-03-12", 9.2566},
    {"LTC", 3049, "2017-12-13", "2020-03-12", 29.83},
    {"ADA", 2924, "2018-04-17", "2020-03-12", 0.02329},
    {"XRP", 2907, "2018-05-04", "2020-03-12", 0.13549},
    {"XLM", 2880, "2018-05-31", "2020-03-12", 0.03174},
    {"TRX", 2869, "2018-06-11", "2020-03-12", 0.00841},
    {"ETC", 2868, "2018-06-12", "2020-03-12", 3.7168},
    {"LINK", 2650, "2019-01-16", "2020-03-12", 1.9931},
    {"MATIC", 1964, "2019-04-26", "2020-03-12", 0.00914},
    {"ATOM", 2547, "2019-04-29", "2020-03-12", 1.615},
    {"DOGE", 2480, "2019-07-05", "2020-03-12", 0.0015996},
    {"BCH", 2334, "2019-11-28", "2020-03-12", 144.13},
    {"SOL", 2077, "2020-08-11", "2022-11-09", 14.08},
    {"DOT", 2070, "2020-08-18", "2022-11-09", 5.41},
    {"UNI", 2040, "2020-09-17", "2022-11-09", 4.9},
    {"AVAX", 2035, "2020-09-22", "2022-11-09", 12.91},
};

START_TEST(test_spot_daily)
{
    const struct spot_case *c = &spot_cases[_i];
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    hs_import_stats st;
    char file[256];
    int matic = strcmp(c->coin, "MATIC") == 0;

    snprintf(file, sizeof file, "datasets/spot-daily/Binance_%sUSDT_d.csv",
             c->coin);
    o.format = HS_FMT_CDD;
    o.symbol = c->coin;
    o.drop_last = !matic; /* MATIC's last day is complete */
    ck_assert_msg(hs_import_file(fx.s, file, &o, &st) == 0, "%s",
                  hs_error_last());
    ck_assert_int_eq(st.rows_read, c->rows);
    ck_assert_int_eq(st.rows_inserted, c->rows - !matic);
    ck_assert_int_eq(st.dropped, !matic);
    ck_assert_int_eq(st.first_ts, T(c->first));
    ck_assert_int_eq(st.last_ts, matic ? T("2024-09-09") : T("2026-04-25"));
    /* no missing days before 2025; 8 in 2026 */
    ck_assert_int_eq(st.gaps, matic ? 0 : 8);
    ck_assert_int_eq(st.duplicates + st.superseded, 0);
    hs_ck_near(bar_at(c->coin, c->day).close, c->close, 0);
    hs_instrument in = inst(c->coin);
    ck_assert_int_eq(in.kind, HS_KIND_SPOT);
    ck_assert_str_eq(in.quote, "USDT");
    ck_assert_str_eq(in.venue, "binance");
    ck_assert_str_eq(in.underlying, c->coin);
}
END_TEST

START_TEST(test_spot_daily_known_values)
{
    hs_import_stats st;
    ck_assert_int_eq(imp("datasets/spot-daily/Binance_BTCUSDT_d.csv",
                         HS_FMT_CDD, "BTC", HS_KIND_SPOT, &st),
                     0);
    hs_bar b = bar_at("BTC", "2020-03-12");
    hs_ck_near(b.close, 4800.00, 0);
    hs_ck_near(b.low, 4410, 0);
    hs_ck_near(bar_at("BTC", "2020-03-11").close, 7934.52, 0);
    hs_ck_near(bar_at("BTC", "2022-11-09").close, 15922.81, 0);
    hs_ck_near(bar_at("BTC", "2021-05-19").low, 30000, 0);
    hs_ck_near(bar_at("BTC", "2024-08-05").close, 54018.81, 0);
    /* without drop_last the partial day is stored */
    ck_assert_int_eq(st.rows_inserted, 3167);
    hs_ck_near(bar_at("BTC", "2026-04-26").close, 78657.55, 0);
}
END_TEST

/* ------------------------------------------------------------ real: perp */

START_TEST(test_perp_daily)
{
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    hs_import_stats st;
    o.format = HS_FMT_CDD;
    o.symbol = "BTC-PERP";
    o.kind = HS_KIND_PERP;
    o.drop_last = 1;
    ck_assert_int_eq(
        hs_import_file(
            fx.s, "datasets/perp-daily/BTCUSDT_Binance_futures_data_day.csv",
            &o, &st),
        0);
    ck_assert_int_eq(st.rows_read, 480);
    ck_assert_int_eq(st.rows_inserted, 479);
    ck_assert_int_eq(st.gaps, 0);
    ck_assert_int_eq(st.first_ts, T("2019-09-08"));
    ck_assert_int_eq(st.last_ts, T("2020-12-29"));
    hs_bar b = bar_at("BTC-PERP", "2020-03-12");
    hs_ck_near(b.close, 4764.65, 0);
    hs_ck_near(b.low, 4347, 0);
    b = bar_at("BTC-PERP", "2020-03-13");
    hs_ck_near(b.close, 5570.26, 0);
    hs_ck_near(b.low, 3621.81, 0);
    hs_instrument in = inst("BTC-PERP");
    ck_assert_int_eq(in.kind, HS_KIND_PERP);
    ck_assert_str_eq(in.underlying, "BTC");

    o.symbol = "ETH-PERP";
    ck_assert_int_eq(
        hs_import_file(
            fx.s, "datasets/perp-daily/ETHUSDT_Binance_futures_data_day.csv",
            &o, &st),
        0);
    ck_assert_int_eq(st.rows_read, 400);
    ck_assert_int_eq(st.first_ts, T("2019-11-27"));
}
END_TEST

/* ---------------------------------------------------------- real: hourly */

START_TEST(test_spot_hourly)
{
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    hs_import_stats st;
    hs_bar *b = NULL;
    size_t n = 0;
    o.format = HS_FMT_CDD;
    o.symbol = "BTC.1h";
    o.underlying = "BTC";
    o.drop_first = 1;
    o.drop_last = 1;
    ck_assert_int_eq(
        hs_import_file(fx.s, "datasets/spot-hourly/Binance_BTCUSDT_1h.csv", &o,
                       &st),
        0);
    /* 32,181 rows, 29,532 distinct hours: 2,649 hours in both formats */
    ck_assert_int_eq(st.rows_read, 32181);
    ck_assert_int_eq(st.superseded, 2649);
    ck_assert_int_eq(st.dropped, 2);
    ck_assert_int_eq(st.rows_inserted, 29532 - 2);
    ck_assert_int_eq(st.gaps, 9);
    /* the bogus 04:00 bar is gone */
    ck_assert_int_eq(st.first_ts, T("2017-08-17T05:00:00Z"));
    ck_assert_int_eq(st.last_ts, T("2020-12-29T23:00:00Z"));
    ck_assert_str_eq(inst("BTC.1h").underlying, "BTC");

    /* the ms-format row wins: close 18212.00, not 18143.03 */
    hs_ck_near(bar_at("BTC.1h", "2020-11-20T07:00:00Z").close, 18212.00, 0);

    /* all 48 hours of 2020-03-12/13; the lowest low in the 02:00 bar */
    ck_assert_int_eq(hs_store_bars(fx.s, inst("BTC.1h").id, T("2020-03-12"),
                                   T("2020-03-14"), &b, &n),
                     0);
    ck_assert_uint_eq(n, 48);
    size_t lo = 0;
    for (size_t i = 1; i < n; i++)
        if (b[i].low < b[lo].low)
            lo = i;
    hs_ck_near(b[lo].low, 3782.13, 0);
    ck_assert_int_eq(b[lo].ts, T("2020-03-13T02:00:00Z"));
    free(b);
}
END_TEST

/* --------------------------------------------------------- real: funding */

START_TEST(test_funding_binance)
{
    hs_import_stats st;
    ck_assert_int_eq(imp("datasets/funding/binance/BTCUSDT.csv",
                         HS_FMT_BINANCE_FUNDING, "BTC-PERP", HS_KIND_PERP, &st),
                     0);
    ck_assert_int_eq(st.rows_read, 7119);
    ck_assert_int_eq(st.rows_inserted, 7119);
    ck_assert_int_eq(st.gaps, 0);
    ck_assert_int_eq(st.first_ts, T("2020-01-01"));
    /* calc_time 1782835200005: the jitter is rounded away */
    ck_assert_int_eq(st.last_ts, T("2026-06-30T16:00:00Z"));
    hs_funding f = funding_at("BTC-PERP", "2020-03-13T08:00:00Z");
    hs_ck_near(f.rate, -0.0030, 0);
    hs_ck_near(f.interval_hours, 8, 0);
    /* these two are stated rounded to two significant digits */
    hs_ck_near(funding_at("BTC-PERP", "2020-03-12T16:00:00Z").rate, -0.00015,
               5e-6);
    hs_ck_near(funding_at("BTC-PERP", "2022-11-09T16:00:00Z").rate, -0.00033,
               5e-6);
    hs_instrument in = inst("BTC-PERP");
    ck_assert_str_eq(in.quote, "USDT");
    ck_assert_int_eq(in.inverse, 0);
}
END_TEST

START_TEST(test_funding_bitmex)
{
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    hs_import_stats st;
    o.format = HS_FMT_BITMEX_FUNDING;
    o.kind = HS_KIND_PERP;
    o.symbol = "XBTUSD";
    o.underlying = "BTC";
    ck_assert_int_eq(hs_import_file(fx.s,
                                    "datasets/funding/bitmex/funding_data.csv",
                                    &o, &st),
                     0);
    ck_assert_int_eq(st.rows_inserted, 4866);
    ck_assert_int_eq(st.first_ts, T("2016-05-14T12:00:00Z"));
    ck_assert_int_eq(st.last_ts, T("2020-11-05T04:00:00Z"));
    ck_assert_int_eq(st.gaps, 0);
    hs_ck_near(funding_at("XBTUSD", "2020-03-12T20:00:00Z").rate, -0.001691, 0);
    hs_ck_near(funding_at("XBTUSD", "2020-03-13T04:00:00Z").rate, -0.00375, 0);
    hs_ck_near(funding_at("XBTUSD", "2020-03-13T12:00:00Z").rate, -0.00375, 0);
    hs_ck_near(funding_at("XBTUSD", "2020-03-13T20:00:00Z").rate, -0.00375, 0);
    /* 24 h intervals at first, 8 h from 2016-06-04 20:00 */
    hs_ck_near(funding_at("XBTUSD", "2016-05-14T12:00:00Z").interval_hours, 24,
               0);
    hs_ck_near(funding_at("XBTUSD", "2016-06-04T20:00:00Z").interval_hours, 8,
               0);
    hs_instrument in = inst("XBTUSD");
    ck_assert_int_eq(in.inverse, 1);
    ck_assert_str_eq(in.venue, "bitmex");
    ck_assert_str_eq(in.underlying, "BTC");
}
END_TEST

START_TEST(test_funding_deribit)
{
    hs_import_stats st;
    ck_assert_int_eq(imp("datasets/funding/deribit/deribit_history.csv",
                         HS_FMT_DERIBIT_FUNDING, "BTC-PERPETUAL", HS_KIND_PERP,
                         &st),
                     0);
    ck_assert_int_eq(st.rows_inserted, 16008);
    ck_assert_int_eq(st.first_ts, T("2019-04-30T10:00:00Z"));
    ck_assert_int_eq(st.last_ts, T("2021-02-25T11:00:00Z"));
    ck_assert_int_eq(st.gaps, 2); /* 2020-08-27 05:00 -> 08:00 */
    /* line 3 of the file: 1556622000000 (2019-04-30 11:00 UTC; its time_dt
     * says 12:00, London time), interest_1h -2.355264834228129e-05 */
    hs_funding f = funding_at("BTC-PERPETUAL", "2019-04-30T11:00:00Z");
    hs_ck_near(f.rate, -2.355264834228129e-05, 0);
    hs_ck_near(f.interval_hours, 1, 0);
    ck_assert_int_eq(inst("BTC-PERPETUAL").inverse, 1);
}
END_TEST

/* ------------------------------------------------------------ real: DVOL */

START_TEST(test_dvol)
{
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    hs_import_stats st;
    hs_bar *b = NULL;
    size_t n = 0;
    o.format = HS_FMT_DVOL;
    o.kind = HS_KIND_INDEX; /* symbol defaults to "<symbol column>-DVOL" */
    ck_assert_int_eq(
        hs_import_file(fx.s, "datasets/dvol/btc_dvol.csv", &o, &st), 0);
    ck_assert_int_eq(st.rows_inserted, 1840);
    ck_assert_int_eq(st.gaps, 0);
    ck_assert_int_eq(st.first_ts, T("2021-03-24"));
    ck_assert_int_eq(st.last_ts, T("2026-04-06"));
    hs_instrument in = inst("BTC-DVOL");
    ck_assert_int_eq(in.kind, HS_KIND_INDEX);
    ck_assert_str_eq(in.underlying, "BTC");
    ck_assert_str_eq(in.quote, "%");
    ck_assert_int_eq(
        hs_store_index(fx.s, in.id, T("2022-11-09"), T("2022-11-10"), &b, &n),
        0);
    ck_assert_uint_eq(n, 1);
    hs_ck_near(b[0].close, 114.72, 0);
    hs_ck_near(b[0].high, 122.01, 0);
    free(b);
    ck_assert_int_eq(
        hs_store_index(fx.s, in.id, T("2021-05-19"), T("2021-05-20"), &b, &n),
        0);
    hs_ck_near(b[0].close, 124.83, 0);
    hs_ck_near(b[0].high, 144.63, 0);
    free(b);
    /* no bars table rows for an index */
    ck_assert_int_eq(hs_store_bars(fx.s, in.id, 0, T("2100-01-01"), &b, &n), 0);
    ck_assert_uint_eq(n, 0);
    free(b);
}
END_TEST

/* ------------------------------------------------------------ real: FRED */

START_TEST(test_fred)
{
    hs_import_stats st;
    ck_assert_int_eq(
        imp("datasets/rates/DFF.csv", HS_FMT_FRED, NULL, HS_KIND_SPOT, &st), 0);
    ck_assert_int_eq(st.rows_inserted, 25577);
    ck_assert_int_eq(st.skipped, 0);
    ck_assert_int_eq(st.gaps, 0);
    ck_assert_int_eq(st.first_ts, T("1954-07-01"));
    ck_assert_int_eq(st.last_ts, T("2024-07-09"));
    hs_ck_near(rate_at("DFF", "2020-03-16"), 0.0025, 1e-15);
    hs_ck_near(rate_at("DFF", "2008-12-17"), 0.0012, 1e-15);
    hs_ck_near(rate_at("DFF", "2024-01-02"), 0.0533, 1e-15);

    ck_assert_int_eq(
        imp("datasets/rates/DGS1MO.csv", HS_FMT_FRED, NULL, HS_KIND_SPOT, &st),
        0);
    ck_assert_int_eq(st.rows_read, 5878);
    ck_assert_int_eq(st.skipped, 244);
    ck_assert_int_eq(st.rows_inserted, 5878 - 244);
    hs_ck_near(rate_at("DGS1MO", "2008-12-17"), 0.0003, 1e-15);

    ck_assert_int_eq(
        imp("datasets/rates/DGS10.csv", HS_FMT_FRED, NULL, HS_KIND_SPOT, &st),
        0);
    ck_assert_int_eq(st.rows_read, 16203);
    ck_assert_int_eq(st.skipped, 691);
}
END_TEST

/* --------------------------------------------------------- real: options */

static long long count_options(char right)
{
    hs_instrument *v = NULL;
    size_t n = 0;
    long long k = 0;
    ck_assert_int_eq(hs_store_instruments(fx.s, HS_KIND_OPTION, &v, &n), 0);
    for (size_t i = 0; i < n; i++)
        k += !right || v[i].right == right;
    free(v);
    return k;
}

static const hs_option_quote *find_quote(const hs_option_quote *q, size_t n,
                                         const char *sym)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(q[i].symbol, sym) == 0)
            return &q[i];
    ck_abort_msg("no quote for %s", sym);
    return NULL;
}

START_TEST(test_options_ticker)
{
    hs_import_stats st;
    hs_option_quote *q = NULL;
    size_t n = 0;
    ck_assert_int_eq(imp("datasets/options/2020-05-14/btc_options_data.csv",
                         HS_FMT_DERIBIT_TICKER, NULL, HS_KIND_OPTION, &st),
                     0);
    /* 310 instruments, 155 puts, expiries 14MAY20 .. 25DEC20, collected
     * from 2020-05-14 05:41:36 UTC */
    ck_assert_int_eq(st.rows_inserted, 310);
    ck_assert_int_eq(count_options(0), 310);
    ck_assert_int_eq(count_options('P'), 155);
    ck_assert_int_eq(st.first_ts, 1589434896486);
    ck_assert_int_eq(hs_store_option_chain(fx.s, "BTC", st.first_ts, &q, &n),
                     0);
    ck_assert_uint_eq(n, 310);
    ck_assert_int_eq(q[0].expiry, T("2020-05-14T08:00:00Z"));
    ck_assert_int_eq(q[n - 1].expiry, T("2020-12-25T08:00:00Z"));
    /* the file's first data row */
    const hs_option_quote *x = find_quote(q, n, "BTC-22MAY20-9250-P");
    hs_ck_near(x->bid, 0.042, 0);
    hs_ck_near(x->ask, 0.045, 0);
    hs_ck_near(x->mark, 0.04010621, 0);
    hs_ck_near(x->iv, 0.7687, 1e-15);
    hs_ck_near(x->bid_iv, 0.8007, 1e-15);
    hs_ck_near(x->underlying_price, 9352.58, 0);
    hs_ck_near(x->index_price, 9350.67, 0);
    hs_ck_near(x->delta, -0.43897, 0);
    hs_ck_near(x->gamma, 0.00037, 0);
    hs_ck_near(x->vega, 5.49167, 0);
    hs_ck_near(x->theta, -26.07217, 0);
    ck_assert_str_eq(x->price_unit, "BTC");
    ck_assert_str_eq(x->source, "deribit");
    ck_assert_str_eq(x->price_unit, "BTC");
    hs_ck_near(x->strike, 9250, 0);
    ck_assert_int_eq(x->right, 'P');
    /* an empty side (bid 0) is stored as absent */
    long long empty = 0;
    for (size_t i = 0; i < n; i++)
        empty += isnan(q[i].bid);
    ck_assert_int_eq(empty, 26);
    free(q);

    ck_assert_int_eq(imp("datasets/options/2020-05-21/options_data.csv",
                         HS_FMT_DERIBIT_TICKER, NULL, HS_KIND_OPTION, &st),
                     0);
    ck_assert_int_eq(st.rows_read, 326);
    ck_assert_int_eq(st.first_ts, T("2020-05-21T23:19:53.775Z"));
    ck_assert_int_eq(hs_store_option_chain(fx.s, "BTC", st.first_ts, &q, &n),
                     0);
    ck_assert_uint_eq(n, 326);
    long long puts = 0;
    for (size_t i = 0; i < n; i++)
        puts += q[i].right == 'P';
    ck_assert_int_eq(puts, 163);
    free(q);
}
END_TEST

START_TEST(test_options_marks)
{
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    hs_import_stats st;
    hs_option_quote *q = NULL;
    size_t n = 0;
    o.format = HS_FMT_DERIBIT_MARKS;
    o.kind = HS_KIND_OPTION;
    o.underlying = "BTC";
    /* no time column and no snapshot time: refused */
    ck_assert_int_eq(
        hs_import_file(fx.s, "datasets/options/2024-05-24/btc_options.csv", &o,
                       &st),
        HS_EINVAL);
    assert_msg_has("snapshot");
    o.snapshot_ts = T("2024-05-24T13:07:00Z");
    ck_assert_int_eq(
        hs_import_file(fx.s, "datasets/options/2024-05-24/btc_options.csv", &o,
                       &st),
        0);
    ck_assert_int_eq(st.rows_inserted, 578);
    ck_assert_int_eq(hs_store_option_chain(fx.s, "BTC", o.snapshot_ts, &q, &n),
                     0);
    ck_assert_uint_eq(n, 578);
    /* mark_iv is exactly 100.0 on 34 BTC rows */
    long long capped = 0;
    for (size_t i = 0; i < n; i++)
        capped += q[i].iv == 1.0;
    ck_assert_int_eq(capped, 34);
    const hs_option_quote *x = find_quote(q, n, "BTC-25MAY24-63000-C");
    hs_ck_near(x->mark, 0.0852, 0);
    hs_ck_near(x->index_price, 68777.9, 0);
    ck_assert(isnan(x->bid) && isnan(x->ask));
    ck_assert(isnan(x->underlying_price));
    ck_assert_str_eq(x->price_unit, "BTC");
    free(q);

    o.underlying = "ETH";
    ck_assert_int_eq(
        hs_import_file(fx.s, "datasets/options/2024-05-24/eth_options.csv", &o,
                       &st),
        0);
    ck_assert_int_eq(st.rows_inserted, 502);
    ck_assert_int_eq(hs_store_option_chain(fx.s, "ETH", o.snapshot_ts, &q, &n),
                     0);
    ck_assert_uint_eq(n, 502);
    ck_assert_str_eq(q[0].price_unit, "ETH");
    free(q);
}
END_TEST

/* The 2025 folders: <UTC time>_<commit>/options_data.csv. */
START_TEST(test_options_usd)
{
    const char *root = "datasets/options/2025";
    DIR *d = opendir(root);
    struct dirent *e;
    long long read = 0, dups = 0, stored = 0, folders = 0;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL) {
        hs_import_opts o = HS_IMPORT_OPTS_INIT;
        hs_import_stats st;
        char file[512], when[32];
        const char *n = e->d_name;
        if (n[0] == '.')
            continue;
        snprintf(file, sizeof file, "%s/%s/options_data.csv", root, n);
        /* 20250406T1406Z -> 2025-04-06T14:06:00Z */
        snprintf(when, sizeof when, "%.4s-%.2s-%.2sT%.2s:%.2s:00Z", n, n + 4,
                 n + 6, n + 9, n + 11);
        o.format = HS_FMT_DERIBIT_USD;
        o.kind = HS_KIND_OPTION;
        o.snapshot_ts = T(when);
        folders++;
        int rc = hs_import_file(fx.s, file, &o, &st);
        if (strncmp(n, "20250305T1630Z", 14) == 0) {
            /* lists contracts that expired 2025-03-03, before the folder's
             * time: refused, naming the line and field */
            ck_assert_int_eq(rc, HS_EDATA);
            assert_msg_has("options_data.csv:2: field 'expiration_date'");
            continue;
        }
        ck_assert_msg(rc == 0, "%s", hs_error_last());
        read += st.rows_read;
        dups += st.duplicates;
        stored += st.rows_inserted;
    }
    closedir(d);
    ck_assert_int_eq(folders, 49);
    ck_assert_int_eq(read, 32708 - 746);
    ck_assert_int_eq(dups, 184); /* exact repeats of a line in 7 files */
    ck_assert_int_eq(stored, read - dups);

    /* a value of 20250406T1406Z_697018e/options_data.csv, line 3 */
    hs_option_quote *q = NULL;
    size_t n = 0;
    ck_assert_int_eq(
        hs_store_option_chain(fx.s, "BTC", T("2025-04-06T14:06:00Z"), &q, &n),
        0);
    ck_assert_uint_eq(n, 596);
    const hs_option_quote *x = find_quote(q, n, "BTC-7APR25-74000-P");
    hs_ck_near(x->bid, 57.5792, 0);
    hs_ck_near(x->ask, 65.8048, 0);
    hs_ck_near(x->bid_iv, 1.2821, 1e-15);
    hs_ck_near(x->ask_iv, 1.3129, 1e-15);
    hs_ck_near(x->delta, -0.03117, 0);
    ck_assert_int_eq(x->expiry, T("2025-04-07T08:00:00Z"));
    ck_assert_str_eq(x->price_unit, "USD");
    ck_assert(isnan(x->underlying_price) && isnan(x->mark));
    free(q);
}
END_TEST

/* --------------------------------------------------------- validation */

static const struct bad_case {
    const char *file;
    hs_format format;
    hs_kind kind;
    const char *snapshot; /* option chains */
    int code;
    const char *where; /* "file:line:" */
    const char *field;
} bad_cases[] = {
    {"bad_number.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EPARSE,
     "bad_number.csv:4:", "field 'close'"},
    {"bad_nan.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EPARSE,
     "bad_nan.csv:3:", "field 'high'"},
    {"bad_inf.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EPARSE,
     "bad_inf.csv:4:", "field 'low'"},
    {"bad_nonpositive.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EDATA,
     "bad_nonpositive.csv:3:", "field 'open'"},
    {"bad_high_low.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EDATA,
     "bad_high_low.csv:5:", "field 'high'"},
    {"bad_open_range.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EDATA,
     "bad_open_range.csv:3:", "field 'open'"},
    {"bad_close_range.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EDATA,
     "bad_close_range.csv:4:", "field 'close'"},
    {"bad_volume.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EDATA,
     "bad_volume.csv:2:", "field 'volume'"},
    {"bad_dup_conflict.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EDATA,
     "bad_dup_conflict.csv:5:", "field 'close'"},
    {"bad_time.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EPARSE,
     "bad_time.csv:3:", "field 'ts'"},
    {"bad_no_header.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EPARSE,
     "bad_no_header.csv:1:", "column 'ts'"},
    {"bad_missing_field.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EPARSE,
     "bad_missing_field.csv:3:", "field 'volume'"},
    {"cdd_conflict.csv", HS_FMT_CDD, HS_KIND_SPOT, NULL, HS_EDATA,
     "cdd_conflict.csv:5:", "field 'close'"},
    {"cdd_symbol.csv", HS_FMT_CDD, HS_KIND_SPOT, NULL, HS_EDATA,
     "cdd_symbol.csv:4:", "field 'symbol'"},
    {"binance_jitter_bad.csv", HS_FMT_BINANCE_FUNDING, HS_KIND_PERP, NULL,
     HS_EDATA, "binance_jitter_bad.csv:3:", "field 'calc_time'"},
    {"binance_rate_bad.csv", HS_FMT_BINANCE_FUNDING, HS_KIND_PERP, NULL,
     HS_EDATA, "binance_rate_bad.csv:4:", "field 'last_funding_rate'"},
    {"bitmex_interval_bad.csv", HS_FMT_BITMEX_FUNDING, HS_KIND_PERP, NULL,
     HS_EDATA, "bitmex_interval_bad.csv:3:", "field 'fundingInterval'"},
    {"fred_bad.csv", HS_FMT_FRED, HS_KIND_SPOT, NULL, HS_EPARSE,
     "fred_bad.csv:3:", "field 'DGS1MO'"},
    {"dvol_bad.csv", HS_FMT_DVOL, HS_KIND_INDEX, NULL, HS_EDATA,
     "dvol_bad.csv:3:", "field 'high'"},
    {"opt_usd_crossed.csv", HS_FMT_DERIBIT_USD, HS_KIND_OPTION,
     "2025-04-06T14:06:00Z", HS_EDATA,
     "opt_usd_crossed.csv:4:", "field 'ask_price_usd'"},
    {"opt_usd_negative.csv", HS_FMT_DERIBIT_USD, HS_KIND_OPTION,
     "2025-04-06T14:06:00Z", HS_EDATA,
     "opt_usd_negative.csv:2:", "field 'ask_price_usd'"},
    {"opt_usd_strike.csv", HS_FMT_DERIBIT_USD, HS_KIND_OPTION,
     "2025-04-06T14:06:00Z", HS_EDATA,
     "opt_usd_strike.csv:3:", "field 'strike_price'"},
    {"opt_usd_expired.csv", HS_FMT_DERIBIT_USD, HS_KIND_OPTION,
     "2025-04-06T14:06:00Z", HS_EDATA,
     "opt_usd_expired.csv:4:", "field 'expiration_date'"},
    {"opt_usd_name.csv", HS_FMT_DERIBIT_USD, HS_KIND_OPTION,
     "2025-04-06T14:06:00Z", HS_EDATA, "opt_usd_name.csv:3:", "field 'symbol'"},
    {"opt_ticker_badgreeks.csv", HS_FMT_DERIBIT_TICKER, HS_KIND_OPTION, NULL,
     HS_EDATA, "opt_ticker_badgreeks.csv:3:", "field 'greeks'"},
    {"opt_marks_created.csv", HS_FMT_DERIBIT_MARKS, HS_KIND_OPTION,
     "2024-05-24T13:07:00Z", HS_EDATA,
     "opt_marks_created.csv:3:", "field 'creation'"},
    /* epoch times: 13 digits (ms) or 10 (s), no sign, in every format */
    {"bad_time_negative.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EPARSE,
     "bad_time_negative.csv:3:", "field 'ts': timestamp '-1' has a sign"},
    {"bad_time_short.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EPARSE,
     "bad_time_short.csv:2:", "field 'ts': timestamp '123' has 3 digits"},
    {"cdd_time_bad.csv", HS_FMT_CDD, HS_KIND_SPOT, NULL, HS_EPARSE,
     "cdd_time_bad.csv:4:", "field 'unix'"},
    {"binance_time_bad.csv", HS_FMT_BINANCE_FUNDING, HS_KIND_PERP, NULL,
     HS_EPARSE, "binance_time_bad.csv:3:", "has 12 digits"},
    {"dvol_time_bad.csv", HS_FMT_DVOL, HS_KIND_INDEX, NULL, HS_EPARSE,
     "dvol_time_bad.csv:3:", "field 'date'"},
    {"fred_time_bad.csv", HS_FMT_FRED, HS_KIND_SPOT, NULL, HS_EPARSE,
     "fred_time_bad.csv:3:", "field 'DATE'"},
    {"opt_ticker_time_bad.csv", HS_FMT_DERIBIT_TICKER, HS_KIND_OPTION, NULL,
     HS_EPARSE, "opt_ticker_time_bad.csv:3:", "field 'timestamp'"},
    /* the loader's bounds (market.h) hold at import */
    {"binance_rate_bound.csv", HS_FMT_BINANCE_FUNDING, HS_KIND_PERP, NULL,
     HS_EDATA, "binance_rate_bound.csv:3:",
     "field 'last_funding_rate': funding rate 0.059999999999999998 is out of "
     "bounds"},
    {"fred_bound.csv", HS_FMT_FRED, HS_KIND_SPOT, NULL, HS_EDATA,
     "fred_bound.csv:3:", "field 'DGS1MO': rate 150 % is out of bounds"},
    /* more fields than the header; hexadecimal; a header alone */
    {"bad_extra_field.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EPARSE,
     "bad_extra_field.csv:3:", "7 fields, but the header names 6 columns"},
    {"bad_hex.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EPARSE,
     "bad_hex.csv:3:", "field 'close': '0x10' is not a finite decimal number"},
    {"header_only.csv", HS_FMT_GENERIC, HS_KIND_SPOT, NULL, HS_EDATA,
     "header_only.csv:", "no data rows to import"},
};

START_TEST(test_bad_file)
{
    const struct bad_case *c = &bad_cases[_i];
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    hs_import_stats st;
    char file[256], before[512], after[512];

    snprintf(file, sizeof file, "tests/data/%s", c->file);
    o.format = c->format;
    o.kind = c->kind;
    o.symbol = c->kind == HS_KIND_OPTION ? NULL : "BAD";
    o.underlying = "BTC";
    if (c->snapshot)
        o.snapshot_ts = T(c->snapshot);
    digest(fx.path, before, sizeof before);
    int rc = hs_import_file(fx.s, file, &o, &st);
    ck_assert_msg(rc == c->code, "%s: rc %d (%s), expected %d", c->file, rc,
                  hs_error_last(), c->code);
    assert_msg_has(c->where);
    assert_msg_has(c->field);
    ck_assert_int_eq(st.rows_inserted, 0);
    digest(fx.path, after, sizeof after);
    ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(test_bad_options_and_args)
{
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    hs_import_stats st;
    /* bad symbols */
    o.symbol = "BTC/USDT";
    ck_assert_int_eq(
        hs_import_file(fx.s, "tests/data/generic_iso.csv", &o, &st), HS_EINVAL);
    assert_msg_has("BTC/USDT");
    o.symbol = "ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGH"; /* 48 */
    ck_assert_int_eq(
        hs_import_file(fx.s, "tests/data/generic_iso.csv", &o, &st), HS_EINVAL);
    o.symbol = NULL;
    ck_assert_int_eq(
        hs_import_file(fx.s, "tests/data/generic_iso.csv", &o, &st), HS_EINVAL);
    /* a fixed-kind format with another kind */
    o.symbol = "F";
    o.format = HS_FMT_BINANCE_FUNDING;
    ck_assert_int_eq(
        hs_import_file(fx.s, "datasets/funding/binance/BTCUSDT.csv", &o, &st),
        HS_EINVAL);
    assert_msg_has("perp");
    /* options through a bar format, drop_last on a chain */
    o.format = HS_FMT_GENERIC;
    o.kind = HS_KIND_OPTION;
    ck_assert_int_eq(
        hs_import_file(fx.s, "tests/data/generic_iso.csv", &o, &st), HS_EINVAL);
    o.format = HS_FMT_DERIBIT_USD;
    o.drop_last = 1;
    ck_assert_int_eq(
        hs_import_file(fx.s, "tests/data/opt_usd_good.csv", &o, &st),
        HS_EINVAL);
    /* text options longer than the instrument's fields: refused, not cut */
    o = (hs_import_opts)HS_IMPORT_OPTS_INIT;
    o.symbol = "V";
    o.venue = "sixteen-chars-xx";
    ck_assert_int_eq(
        hs_import_file(fx.s, "tests/data/generic_iso.csv", &o, &st), HS_EINVAL);
    assert_msg_has("venue 'sixteen-chars-xx' is longer than 15 characters");
    o.venue = NULL;
    o.underlying = "UNDERLYING-16-CH";
    ck_assert_int_eq(
        hs_import_file(fx.s, "tests/data/generic_iso.csv", &o, &st), HS_EINVAL);
    assert_msg_has("underlying 'UNDERLYING-16-CH' is longer than 15");
    o.underlying = NULL;
    o.quote = "QUOTE-16-CHARS-X";
    ck_assert_int_eq(
        hs_import_file(fx.s, "tests/data/generic_iso.csv", &o, &st), HS_EINVAL);
    assert_msg_has("quote");
    o.quote = NULL;
    o.source = "a-source-tag-of-48-characters-is-one-too-many-xx";
    ck_assert_int_eq(
        hs_import_file(fx.s, "tests/data/generic_iso.csv", &o, &st), HS_EINVAL);
    assert_msg_has("longer than 47");
    o.source = NULL;
    ck_assert_int_eq(hs_store_instrument(fx.s, "V", &(hs_instrument){0}),
                     HS_ENOTFOUND);
    o.venue = "fifteen-chars-x"; /* the limit: kept whole */
    ck_assert_int_eq(
        hs_import_file(fx.s, "tests/data/generic_iso.csv", &o, &st), 0);
    ck_assert_str_eq(inst("V").venue, "fifteen-chars-x");
    /* a missing file */
    o = (hs_import_opts)HS_IMPORT_OPTS_INIT;
    o.symbol = "X";
    ck_assert_int_eq(hs_import_file(fx.s, "tests/data/no-such.csv", &o, &st),
                     HS_EIO);
    assert_msg_has("no-such.csv");
}
END_TEST

/* ------------------------------------------------------- generic CSV */

/* A spreadsheet's export: a UTF-8 byte-order mark, CRLF line ends and a
 * blank line. */
START_TEST(test_bom_crlf)
{
    hs_import_stats st;
    int rc = imp("tests/data/bom_crlf.csv", HS_FMT_GENERIC, "BOM",
                 HS_KIND_SPOT, &st);
    ck_assert_msg(rc == 0, "%s", hs_error_last());
    ck_assert_int_eq(st.rows_inserted, 3);
    hs_bar b = bar_at("BOM", "2021-01-01");
    hs_ck_near(b.open, 100, 0);
    hs_ck_near(b.volume, 10, 0);
    b = bar_at("BOM", "2021-01-03");
    hs_ck_near(b.close, 105, 0);
    hs_ck_near(b.volume, 12.5, 0);
}
END_TEST

/* Numbers are decimal text: no hexadecimal, infinity or NaN. */
START_TEST(test_csv_numbers)
{
    static const struct {
        const char *text;
        int ok;
        double v;
    } c[] = {
        {"1e-05", 1, 1e-05}, {" 42 ", 1, 42},  {"-.5", 1, -0.5},
        {"+3.", 1, 3},       {"0x10", 0, 0},   {"0X1p4", 0, 0},
        {"inf", 0, 0},       {"nan", 0, 0},    {"infinity", 0, 0},
        {"1e", 0, 0},        {".", 0, 0},      {"1e400", 0, 0},
        {"", 0, 0},          {"12abc", 0, 0},  {"- 1", 0, 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        double v = -999;
        int rc = hs_csv_strtod(c[i].text, &v);
        ck_assert_msg((rc == 0) == c[i].ok, "'%s': rc %d", c[i].text, rc);
        if (c[i].ok)
            hs_ck_near(v, c[i].v, 0);
    }
}
END_TEST

START_TEST(test_generic_iso_and_ms)
{
    hs_import_stats st;
    hs_bar *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    ck_assert_int_eq(imp("tests/data/generic_iso.csv", HS_FMT_GENERIC, "ISO",
                         HS_KIND_SPOT, &st),
                     0);
    ck_assert_int_eq(st.rows_inserted, 4);
    ck_assert_int_eq(st.gaps, 1); /* 2021-01-04 */
    ck_assert_int_eq(st.first_ts, T("2021-01-01"));
    ck_assert_int_eq(st.last_ts, T("2021-01-05"));
    ck_assert_int_eq(imp("tests/data/generic_ms.csv", HS_FMT_GENERIC, "MS",
                         HS_KIND_SPOT, &st),
                     0);
    ck_assert_int_eq(st.rows_inserted, 4);
    ck_assert_int_eq(
        hs_store_bars(fx.s, inst("ISO").id, 0, T("2100-01-01"), &a, &na), 0);
    ck_assert_int_eq(
        hs_store_bars(fx.s, inst("MS").id, 0, T("2100-01-01"), &b, &nb), 0);
    ck_assert_uint_eq(na, 4);
    ck_assert_uint_eq(nb, 4);
    /* the unsorted ISO file and the sorted ms file give the same bars */
    ck_assert_int_eq(memcmp(a, b, na * sizeof *a), 0);
    ck_assert_int_eq(a[0].ts, 1609459200000); /* 2021-01-01 00:00 UTC */
    hs_ck_near(a[2].volume, 12.5, 0);
    hs_ck_near(a[3].volume, 0, 0);
    free(a);
    free(b);

    ck_assert_int_eq(imp("tests/data/generic_dup_same.csv", HS_FMT_GENERIC,
                         "DUP", HS_KIND_SPOT, &st),
                     0);
    ck_assert_int_eq(st.rows_read, 3);
    ck_assert_int_eq(st.duplicates, 1);
    ck_assert_int_eq(st.rows_inserted, 2);
}
END_TEST

/* The CDD rule: when an hour has a ms-format row and a seconds-format row,
 * the ms row wins whatever the values. */
START_TEST(test_cdd_rule)
{
    hs_import_stats st;
    ck_assert_int_eq(
        imp("tests/data/cdd_mixed.csv", HS_FMT_CDD, "M", HS_KIND_SPOT, &st), 0);
    ck_assert_int_eq(st.rows_read, 5);
    ck_assert_int_eq(st.superseded, 1);
    ck_assert_int_eq(st.rows_inserted, 4);
    ck_assert_int_eq(st.gaps, 1); /* 05:00 */
    hs_ck_near(bar_at("M", "2020-11-20T07:00:00Z").close, 18212.00, 0);
    hs_ck_near(bar_at("M", "2020-11-20T07:00:00Z").volume, 6097.86638, 0);
    hs_ck_near(bar_at("M", "2020-11-20T06:00:00Z").close, 18164.8, 0);
}
END_TEST

START_TEST(test_options_fixtures)
{
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    hs_import_stats st;
    hs_option_quote *q = NULL, *r = NULL;
    size_t n = 0, m = 0;
    o.format = HS_FMT_DERIBIT_USD;
    o.kind = HS_KIND_OPTION;
    o.snapshot_ts = T("2025-04-06T14:06:00Z");
    ck_assert_int_eq(
        hs_import_file(fx.s, "tests/data/opt_usd_good.csv", &o, &st), 0);
    ck_assert_int_eq(st.rows_inserted, 3);
    ck_assert_int_eq(hs_store_option_chain(fx.s, "BTC", o.snapshot_ts, &q, &n),
                     0);
    ck_assert_uint_eq(n, 3);
    /* bid 0: an empty side, absent with its IV */
    const hs_option_quote *x = find_quote(q, n, "BTC-27JUN25-100000-C");
    ck_assert(isnan(x->bid) && isnan(x->bid_iv));
    hs_ck_near(x->ask, 1500, 0);
    hs_ck_near(x->ask_iv, 0.605, 1e-15);

    /* the renamed header variant gives the same quotes */
    o.snapshot_ts = T("2025-04-06T15:00:00Z");
    ck_assert_int_eq(
        hs_import_file(fx.s, "tests/data/opt_usd_renamed.csv", &o, &st), 0);
    ck_assert_int_eq(hs_store_option_chain(fx.s, "BTC", o.snapshot_ts, &r, &m),
                     0);
    ck_assert_uint_eq(m, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(q[i].symbol, r[i].symbol);
        ck_assert_int_eq(q[i].instrument_id, r[i].instrument_id);
        ck_assert(q[i].ask == r[i].ask && q[i].delta == r[i].delta);
    }
    free(q);
    free(r);
    /* the same contracts, not new instruments */
    ck_assert_int_eq(count_options(0), 3);
}
END_TEST

/* ----------------------------------------------- transactions, re-import */

START_TEST(test_all_or_nothing)
{
    hs_import_stats st;
    char d0[512], d1[512];
    size_t n0, n1;
    ck_assert_int_eq(
        imp("tests/data/base_days.csv", HS_FMT_GENERIC, "A", HS_KIND_SPOT, &st),
        0);
    digest(fx.path, d0, sizeof d0);
    unsigned char *b0 = slurp(fx.path, &n0);

    /* six new days are inserted before the last line conflicts with the
     * stored 2021-01-10: everything is rolled back */
    ck_assert_int_eq(imp("tests/data/bad_last_line_conflict.csv",
                         HS_FMT_GENERIC, "A", HS_KIND_SPOT, &st),
                     HS_EDATA);
    assert_msg_has("bad_last_line_conflict.csv:8:");
    assert_msg_has("2021-01-10");
    ck_assert_int_eq(st.rows_inserted, 0);
    digest(fx.path, d1, sizeof d1);
    ck_assert_str_eq(d0, d1);
    unsigned char *b1 = slurp(fx.path, &n1);
    ck_assert_uint_eq(n0, n1);
    ck_assert_int_eq(memcmp(b0, b1, n0), 0);
    free(b1);

    /* a file whose last line is invalid, into a new instrument */
    ck_assert_int_eq(imp("tests/data/bad_last_line.csv", HS_FMT_GENERIC, "B",
                         HS_KIND_SPOT, &st),
                     HS_EDATA);
    assert_msg_has("bad_last_line.csv:7:");
    digest(fx.path, d1, sizeof d1);
    ck_assert_str_eq(d0, d1);
    b1 = slurp(fx.path, &n1);
    ck_assert_uint_eq(n0, n1);
    ck_assert_int_eq(memcmp(b0, b1, n0), 0);
    free(b1);
    free(b0);
    hs_instrument in;
    ck_assert_int_eq(hs_store_instrument(fx.s, "B", &in), HS_ENOTFOUND);
}
END_TEST

START_TEST(test_idempotent)
{
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    hs_import_stats st;
    char d0[512], d1[512];
    o.format = HS_FMT_CDD;
    o.symbol = "ETH";
    o.drop_last = 1;
    const char *f = "datasets/spot-daily/Binance_ETHUSDT_d.csv";
    ck_assert_int_eq(hs_import_file(fx.s, f, &o, &st), 0);
    ck_assert_int_eq(st.rows_inserted, 3166);
    digest(fx.path, d0, sizeof d0);
    ck_assert_int_eq(hs_import_file(fx.s, f, &o, &st), 0);
    ck_assert_int_eq(st.rows_inserted, 0);
    ck_assert_int_eq(st.rows_unchanged, 3166);
    digest(fx.path, d1, sizeof d1);
    ck_assert_str_eq(d0, d1);
    /* now with the partial day: one new row, the rest unchanged */
    o.drop_last = 0;
    ck_assert_int_eq(hs_import_file(fx.s, f, &o, &st), 0);
    ck_assert_int_eq(st.rows_inserted, 1);
    ck_assert_int_eq(st.rows_unchanged, 3166);

    /* option chains and rates too */
    o = (hs_import_opts)HS_IMPORT_OPTS_INIT;
    o.format = HS_FMT_DERIBIT_TICKER;
    o.kind = HS_KIND_OPTION;
    f = "datasets/options/2020-05-21/options_data.csv";
    ck_assert_int_eq(hs_import_file(fx.s, f, &o, &st), 0);
    ck_assert_int_eq(hs_import_file(fx.s, f, &o, &st), 0);
    ck_assert_int_eq(st.rows_unchanged, 326);
    ck_assert_int_eq(st.rows_inserted, 0);
    o.format = HS_FMT_FRED;
    o.kind = HS_KIND_SPOT;
    ck_assert_int_eq(hs_import_file(fx.s, "tests/data/fred_small.csv", &o, &st),
                     0);
    ck_assert_int_eq(hs_import_file(fx.s, "tests/data/fred_small.csv", &o, &st),
                     0);
    ck_assert_int_eq(st.rows_unchanged, 4);
}
END_TEST

START_TEST(test_instrument_conflict)
{
    hs_import_stats st;
    ck_assert_int_eq(imp("tests/data/generic_iso.csv", HS_FMT_GENERIC, "X",
                         HS_KIND_SPOT, &st),
                     0);
    ck_assert_int_eq(imp("tests/data/generic_ms.csv", HS_FMT_GENERIC, "X",
                         HS_KIND_PERP, &st),
                     HS_EDATA);
    assert_msg_has("already in the store");
    assert_msg_has("generic_ms.csv");
    ck_assert_int_eq(inst("X").kind, HS_KIND_SPOT);
}
END_TEST

/* ------------------------------------------------------ manifest, build */

static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

START_TEST(test_build)
{
    char dir[512], db[600];
    const char *tmp = getenv("TMPDIR");
    hs_import_stats tot;
    hs_store *s = NULL;
    struct stat sb;
    snprintf(dir, sizeof dir, "%s/hs_build_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/store.db", dir);

    /* a failing manifest leaves nothing behind */
    ck_assert_int_eq(hs_import_build("tests/data/manifest_bad", db, 0, NULL, NULL,
                                     &tot),
                     HS_EDATA);
    assert_msg_has("manifest.csv:4:");
    assert_msg_has("bad_high_low.csv:5:");
    ck_assert_int_eq(dir_entries(dir), 0);

    ck_assert_int_eq(hs_import_build("tests/data/manifest_ok", db, 0, NULL, NULL, &tot),
                     0);
    ck_assert_int_eq(tot.files, 3); /* the fourth line says skip */
    ck_assert_int_eq(tot.rows_inserted, 4 + 4 + 3);
    ck_assert_int_eq(tot.skipped, 1);
    ck_assert_int_eq(dir_entries(dir), 1);
    ck_assert_int_eq(hs_store_open(&s, db, HS_STORE_READONLY), 0);
    hs_instrument in;
    ck_assert_int_eq(hs_store_instrument(s, "TEST", &in), 0);
    ck_assert_str_eq(in.source, "test");
    ck_assert_int_eq(hs_store_instrument(s, "BAD", &in), HS_ENOTFOUND);
    hs_store_close(s);

    /* an existing store needs force */
    ck_assert_int_eq(stat(db, &sb), 0);
    ck_assert_int_eq(hs_import_build("tests/data/manifest_ok", db, 0, NULL, NULL, &tot),
                     HS_EEXISTS);
    assert_msg_has("--force");
    /* a failure with force keeps the old store */
    ck_assert_int_eq(hs_import_build("tests/data/manifest_bad", db, 1, NULL, NULL, &tot),
                     HS_EDATA);
    ck_assert_int_eq(dir_entries(dir), 1);
    ck_assert_int_eq(hs_store_open(&s, db, HS_STORE_READONLY), 0);
    hs_store_close(s);
    ck_assert_int_eq(hs_import_build("tests/data/manifest_ok", db, 1, NULL, NULL, &tot),
                     0);
    ck_assert_int_eq(dir_entries(dir), 1);
    unlink(db);
    rmdir(dir);
}
END_TEST

static void touch(const char *dir, const char *name)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs("partial", fp);
    fclose(fp);
}

static int exists_in(const char *dir, const char *name)
{
    char path[700];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &sb) == 0;
}

/* During the build, the temporary file is DB-build-<our pid>. */
static void check_tmp_name(const hs_import_progress *p, void *user)
{
    char path[700];
    struct stat sb;
    if (p->event != HS_IMPORT_FILE_DONE)
        return;
    snprintf(path, sizeof path, "%s-build-%ld", (const char *)user,
             (long)getpid());
    ck_assert_msg(stat(path, &sb) == 0, "no %s during the build", path);
}

/* A build killed part-way leaves DB-build-<pid>; the next build of DB
 * removes those of processes that are gone (and their journals), and
 * nothing else. */
START_TEST(test_build_stale)
{
    char dir[512], db[600], name[4][64];
    const char *tmp = getenv("TMPDIR");
    hs_import_stats tot;
    snprintf(dir, sizeof dir, "%s/hs_stale_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/store.db", dir);

    pid_t dead = fork(); /* a process that is gone */
    ck_assert_int_ge(dead, 0);
    if (dead == 0) { /* exec: no copy of this process's state to tear down */
        execl("/bin/true", "true", (char *)NULL);
        _exit(0);
    }
    ck_assert_int_eq(waitpid(dead, NULL, 0), dead);
    snprintf(name[0], sizeof name[0], "store.db-build-%ld", (long)dead);
    snprintf(name[1], sizeof name[1], "store.db-build-%ld-journal",
             (long)dead);
    snprintf(name[2], sizeof name[2], "store.db-build-%ld", (long)getppid());
    snprintf(name[3], sizeof name[3], "other.db-build-%ld", (long)dead);
    for (int i = 0; i < 4; i++)
        touch(dir, name[i]);
    touch(dir, "store.db-build-Ab12Cd"); /* not a process id */

    int rc = hs_import_build("tests/data/manifest_ok", db, 0, check_tmp_name,
                             db, &tot);
    ck_assert_msg(rc == 0, "%s", hs_error_last());
    ck_assert(!exists_in(dir, name[0]));
    ck_assert(!exists_in(dir, name[1]));
    ck_assert(exists_in(dir, name[2])); /* a live process's: in use */
    ck_assert(exists_in(dir, name[3])); /* another store's */
    ck_assert(exists_in(dir, "store.db-build-Ab12Cd"));
    ck_assert_int_eq(dir_entries(dir), 4); /* + store.db */

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* The whole embedded dataset, counted against the row counts stated per
 * file in datasets/README.md. */
START_TEST(test_build_embedded)
{
    char *db = tmp_path("embedded");
    hs_import_stats tot;
    hs_store *s = NULL;
    hs_series_info *si = NULL;
    hs_option_info *oi = NULL;
    hs_rate_info *ri = NULL;
    size_t nsi, noi, nri;
    long long bars = 0, funding = 0, index = 0, quotes = 0, rates = 0;

    ck_assert_msg(hs_import_build("datasets", db, 1, NULL, NULL, &tot) == 0, "%s",
                  hs_error_last());
    ck_assert_int_eq(tot.files, 18 + 2 + 2 + 4 + 2 + 3 + 4 + 48);
    ck_assert_int_eq(hs_store_open(&s, db, HS_STORE_READONLY), 0);
    ck_assert_int_eq(hs_store_series_info(s, &si, &nsi), 0);
    ck_assert_int_eq(hs_store_option_info(s, &oi, &noi), 0);
    ck_assert_int_eq(hs_store_rate_info(s, &ri, &nri), 0);
    for (size_t i = 0; i < nsi; i++) {
        if (strcmp(si[i].table, "bars") == 0)
            bars += si[i].rows;
        else if (strcmp(si[i].table, "funding") == 0)
            funding += si[i].rows;
        else
            index += si[i].rows;
    }
    for (size_t i = 0; i < noi; i++)
        quotes += oi[i].rows;
    for (size_t i = 0; i < nri; i++)
        rates += ri[i].rows;
    /* daily spot rows less 17 partial days; hourly distinct hours less the
     * first and last bar; perps less their partial day */
    long long spot = 3167 + 3167 + 3086 + 3049 + 2924 + 2907 + 2880 + 2869 +
                     2868 + 2650 + 1964 + 2547 + 2480 + 2334 + 2077 + 2070 +
                     2040 + 2035 - 17;
    ck_assert_int_eq(bars, spot + 2 * (29532 - 2) + 479 + 399);
    ck_assert_int_eq(funding, 2 * 7119 + 4866 + 16008);
    ck_assert_int_eq(index, 2 * 1840);
    ck_assert_int_eq(quotes, 310 + 326 + 578 + 502 + 32708 - 746 - 184);
    ck_assert_int_eq(rates, 25577 + 5878 - 244 + 16203 - 691);
    free(si);
    free(oi);
    free(ri);
    ck_assert_int_eq(hs_store_check(s), 0);
    hs_store_close(s);
    tmp_remove(db);
}
END_TEST

/* ------------------------------------------------------------ progress */

/* A progress callback that records what it is told. */
typedef struct progress_log {
    int n;
    hs_import_event event[64];
    int percent[64];
    char file[64][80];
    long long rows[64]; /* FILE_DONE: rows read */
} progress_log;

static void record_progress(const hs_import_progress *p, void *user)
{
    progress_log *log = user;
    ck_assert_int_lt(log->n, 64);
    log->event[log->n] = p->event;
    log->percent[log->n] = p->percent;
    snprintf(log->file[log->n], sizeof log->file[0], "%s", p->file);
    if (p->event == HS_IMPORT_FILE_DONE) {
        ck_assert_ptr_nonnull(p->stats);
        log->rows[log->n] = p->stats->rows_read;
    } else {
        ck_assert_ptr_null(p->stats);
    }
    log->n++;
}

/* A 3 MB file reports 10, 20, ... 100 % once each, increasing, through
 * the callback (the library prints nothing); a small file reports nothing;
 * a manifest reports each file (done or skipped) in its order. */
START_TEST(test_progress_callback)
{
    static const char *const big = "datasets/spot-hourly/Binance_BTCUSDT_1h.csv";
    progress_log log;
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    hs_import_stats st;
    memset(&log, 0, sizeof log);
    o.format = HS_FMT_CDD;
    o.symbol = "BTC.1h";
    o.progress = record_progress;
    o.progress_user = &log;
    ck_assert_int_eq(hs_import_file(fx.s, big, &o, &st), 0);
    ck_assert_int_eq(log.n, 10);
    for (int i = 0; i < log.n; i++) {
        ck_assert_int_eq(log.event[i], HS_IMPORT_READING);
        ck_assert_int_eq(log.percent[i], 10 * (i + 1));
        ck_assert_str_eq(log.file[i], big);
    }

    memset(&log, 0, sizeof log);
    ck_assert_int_eq(imp("tests/data/generic_iso.csv", HS_FMT_GENERIC, "G",
                         HS_KIND_SPOT, &st),
                     0);
    o.format = HS_FMT_GENERIC;
    o.symbol = "G2";
    ck_assert_int_eq(hs_import_file(fx.s, "tests/data/generic_iso.csv", &o,
                                    &st),
                     0);
    ck_assert_int_eq(log.n, 0); /* under 1 MiB */

    memset(&log, 0, sizeof log);
    ck_assert_int_eq(hs_import_manifest(fx.s, "tests/data/manifest_ok",
                                        record_progress, &log, &st),
                     0);
    ck_assert_int_eq(log.n, 4);
    ck_assert_int_eq(log.event[0], HS_IMPORT_FILE_DONE);
    ck_assert_str_eq(log.file[0], "../generic_iso.csv");
    ck_assert_int_eq(log.rows[0], 4);
    ck_assert_int_eq(log.event[1], HS_IMPORT_FILE_DONE);
    ck_assert_str_eq(log.file[1], "../fred_small.csv");
    ck_assert_int_eq(log.event[2], HS_IMPORT_FILE_DONE);
    ck_assert_str_eq(log.file[2], "../opt_usd_good.csv");
    ck_assert_int_eq(log.event[3], HS_IMPORT_SKIPPED);
    ck_assert_str_eq(log.file[3], "../bad_number.csv");
    ck_assert_int_eq(st.files, 3);
}
END_TEST

/* ------------------------------------------ the CSV files people have
 * Values are those written in the small files of tests/data/; the stock
 * pair (yf_stock.csv, yf_index.csv) is made by tests/data/gen_stock_pair.py
 * on the NYSE sessions of 2021-2022 as NYSE published them. */

static int imp_opts(const char *file, hs_import_opts *o, const char *sym)
{
    char path[256];
    snprintf(path, sizeof path, "tests/data/%s", file);
    o->symbol = sym;
    return hs_import_file(fx.s, path, o, NULL);
}

START_TEST(test_header_aliases)
{
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    ck_assert_msg(imp_opts("alias_caps.csv", &o, "AC") == 0, "%s",
                  hs_error_last());
    hs_bar b = bar_at("AC", "2024-01-03");
    ck_assert_double_eq(b.open, 11);
    ck_assert_double_eq(b.close, 12.5);
    ck_assert_double_eq(b.volume, 200);
    ck_assert_str_eq(inst("AC").quote, "USD"); /* generic's default */
    ck_assert_msg(imp_opts("alias_open_time.csv", &o, "AO") == 0, "%s",
                  hs_error_last());
    b = bar_at("AO", "2024-01-02");
    ck_assert_double_eq(b.high, 12);
    ck_assert_double_eq(b.low, 9);
    ck_assert_double_eq(b.volume, 100);
}
END_TEST

START_TEST(test_yfinance_classic)
{
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    o.format = HS_FMT_YFINANCE;
    ck_assert_msg(imp_opts("yf_small.csv", &o, "RAW") == 0, "%s",
                  hs_error_last());
    hs_bar b = bar_at("RAW", "2024-01-02");
    ck_assert_double_eq(b.close, 20);
    ck_assert_double_eq(b.open, 10);
    /* "2024-01-04 00:00:00-05:00" is the exchange's date. */
    b = bar_at("RAW", "2024-01-04");
    ck_assert_double_eq(b.close, 20);
    hs_instrument in = inst("RAW");
    ck_assert_str_eq(in.quote, "USD");
    ck_assert_str_eq(in.source, "yahoo");
    /* Adjusted: factor Adj Close / Close = 18 / 20 = 0.9 on 2024-01-02. */
    o.adjusted = 1;
    ck_assert_msg(imp_opts("yf_small.csv", &o, "ADJ") == 0, "%s",
                  hs_error_last());
    b = bar_at("ADJ", "2024-01-02");
    ck_assert_double_eq_tol(b.close, 18, 1e-12);
    ck_assert_double_eq_tol(b.open, 9, 1e-12);
    ck_assert_double_eq_tol(b.high, 19.8, 1e-12);
    ck_assert_double_eq_tol(b.low, 9, 1e-12);
    ck_assert_double_eq(b.volume, 1000);
    b = bar_at("ADJ", "2024-01-03"); /* 18.45 / 20.5 = 0.9 */
    ck_assert_double_eq_tol(b.open, 18, 1e-12);
    /* --adjusted needs the column. */
    ck_assert_int_eq(imp_opts("alias_caps.csv", &o, "NOADJ"), HS_EPARSE);
    assert_msg_has("--adjusted: no 'Adj Close' column");
}
END_TEST

START_TEST(test_yfinance_three_line)
{
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    hs_import_stats st;
    o.format = HS_FMT_YFINANCE;
    o.symbol = "IDX";
    ck_assert_msg(hs_import_file(fx.s, "tests/data/yf_index.csv", &o, &st) ==
                      0,
                  "%s", hs_error_last());
    ck_assert_int_eq(st.rows_read, 503);
    ck_assert_int_eq(st.first_ts, T("2021-01-04"));
    ck_assert_int_eq(st.last_ts, T("2022-12-30"));
    /* NYSE sessions only: no gaps on the instrument's own calendar. */
    ck_assert_int_eq(st.gaps, 0);
    ck_assert_int_eq(imp_opts("yf_bad_header.csv", &o, "BADH"), HS_EPARSE);
    assert_msg_has("yf_bad_header.csv:3:");
    assert_msg_has("'Date' line");
}
END_TEST

START_TEST(test_ccxt)
{
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    o.format = HS_FMT_CCXT;
    ck_assert_msg(imp_opts("ccxt_noheader.csv", &o, "CX") == 0, "%s",
                  hs_error_last());
    hs_bar b = bar_at("CX", "2024-01-03"); /* 1704240000000 ms */
    ck_assert_double_eq(b.close, 41100.25);
    ck_assert_double_eq(b.volume, 20);
    ck_assert_str_eq(inst("CX").quote, "USDT");
    ck_assert_str_eq(inst("CX").source, "ccxt");
    /* The same rows with a header line: already there, unchanged. */
    hs_import_stats st;
    o.symbol = "CX";
    ck_assert_int_eq(
        hs_import_file(fx.s, "tests/data/ccxt_header.csv", &o, &st), 0);
    ck_assert_int_eq(st.rows_unchanged, 2);
    ck_assert_int_eq(st.rows_inserted, 0);
}
END_TEST

START_TEST(test_columns_and_quote_volume)
{
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    o.columns = "ts=Day,open=Price,high=Price,low=Price,close=Price,"
                "volume=Qty";
    o.volume_in_quote = 1;
    ck_assert_msg(imp_opts("columns_map.csv", &o, "MAP") == 0, "%s",
                  hs_error_last());
    hs_bar b = bar_at("MAP", "2024-01-03");
    ck_assert_double_eq(b.close, 102);
    ck_assert_double_eq_tol(b.volume, 15, 1e-12); /* 1530 / 102 */
    /* A mapped column missing, a bad item. */
    o.columns = "ts=Day,open=Price,high=Price,low=Price,close=Last,"
                "volume=Qty";
    ck_assert_int_eq(imp_opts("columns_map.csv", &o, "MAP2"), HS_EPARSE);
    assert_msg_has("no column named by --columns for 'close'");
    o.columns = "when=Day";
    ck_assert_int_eq(imp_opts("columns_map.csv", &o, "MAP2"), HS_EINVAL);
    assert_msg_has("--columns: bad item 'when=Day'");
    o.columns = NULL;
    ck_assert_int_eq(imp_opts("columns_map.csv", &o, "MAP2"), HS_EPARSE);
    assert_msg_has("no column 'ts' in the header");
    /* Volume in the quote currency: 2400 / 120 = 20 base units. */
    hs_import_opts q = HS_IMPORT_OPTS_INIT;
    q.volume_in_quote = 1;
    ck_assert_int_eq(imp_opts("volume_quote.csv", &q, "VQ"), 0);
    ck_assert_double_eq_tol(bar_at("VQ", "2024-01-03").volume, 20, 1e-12);
    ck_assert_double_eq_tol(bar_at("VQ", "2024-01-02").volume, 10, 1e-12);
}
END_TEST

/* A file in another known format: the message names it. */
START_TEST(test_looks_like)
{
    static const struct {
        const char *file, *like;
    } cases[] = {
        {"cdd_mixed.csv", "looks like cdd: use --format cdd"},
        {"ccxt_noheader.csv", "looks like ccxt: use --format ccxt"},
        {"yf_index.csv", "looks like yfinance: use --format yfinance"},
        {"binance_rate_bound.csv",
         "looks like binance-funding: use --format binance-funding"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        hs_import_opts o = HS_IMPORT_OPTS_INIT;
        ck_assert_msg(imp_opts(cases[i].file, &o, "LIKE") == HS_EPARSE,
                      "%s imported as generic", cases[i].file);
        assert_msg_has(cases[i].file);
        assert_msg_has(cases[i].like);
    }
}
END_TEST

/* Close-to-close returns of column `col` of a classic yfinance file (the
 * test's own reading of the file), keyed by date. */
static size_t read_closes(const char *path, int col, int skip, char (*date)[11],
                          double *close, size_t max)
{
    FILE *f = fopen(path, "r");
    char line[512];
    size_t n = 0;
    ck_assert_ptr_nonnull(f);
    for (int k = 0; k < skip; k++)
        ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    while (n < max && fgets(line, sizeof line, f)) {
        char *save = NULL, *tok = strtok_r(line, ",", &save);
        snprintf(date[n], 11, "%s", tok);
        for (int c = 1; c <= col; c++)
            tok = strtok_r(NULL, ",", &save);
        close[n++] = strtod(tok, NULL);
    }
    fclose(f);
    return n;
}

/* Acceptance: a stock hedged with its index, both from yfinance files,
 * on the NYSE calendar: no weekend step, 252 steps in 2021, 252 periods a
 * year, and HE, TE and the residual beta as computed here from the files'
 * closes and the run's hedged returns (two-pass sample moments; docs/
 * metrics.md). */
START_TEST(test_xnys_stock_pair)
{
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    o.format = HS_FMT_YFINANCE;
    o.adjusted = 1;
    ck_assert_msg(imp_opts("yf_stock.csv", &o, "STK") == 0, "%s",
                  hs_error_last());
    o.adjusted = 0;
    ck_assert_msg(imp_opts("yf_index.csv", &o, "IDX") == 0, "%s",
                  hs_error_last());
    static const char text[] =
        "[data]\nstart = 2021-03-01\nend = 2022-12-31\ncalendar = XNYS\n"
        "rates = none\n[book]\nassets = STK\nmin_history = 20\n"
        "[hedge]\nbenchmark = IDX\ninstrument = IDX\n"
        "[costs]\nfee_bps = 0\nslippage_bps = 0\nclose_slippage_bps = 0\n"
        "fill = close\n[strategy.ols]\ntype = perp_short\nbeta = ols\n"
        "window = 40\n";
    hs_config *cfg = NULL;
    hs_registry *reg = NULL;
    hs_plan *pl = NULL;
    ck_assert_msg(hs_config_parse(&cfg, text, "pair.ini") == 0, "%s",
                  hs_error_last());
    ck_assert_int_eq(cfg->usdt_is_usd, -1); /* USD data needs none */
    ck_assert_int_eq(hs_registry_new(&reg), 0);
    ck_assert_msg(hs_plan_new(&pl, cfg, reg, fx.s, NULL) == 0, "%s",
                  hs_error_last());
    ck_assert_msg(hs_plan_run_strict(pl) == 0, "%s", hs_error_last());
    const hs_panel *p = hs_plan_panel(pl);
    ck_assert_ptr_null(strstr(p->notes, "USDT"));
    ck_assert_double_eq(hs_context_periods_per_year(hs_plan_context(pl)),
                        252.0);
    size_t in2021 = 0;
    for (size_t t = 0; t < p->n_steps; t++) {
        int wd = hs_cal_weekday(p->time[t]);
        ck_assert_msg(wd != 0 && wd != 6, "weekend step %zu", t);
        in2021 += p->time[t] >= T("2021-01-01") && p->time[t] < T("2022-01-01");
        if (t >= (size_t)p->first[0])
            ck_assert_int_eq(p->state[t * p->n_assets], HS_BAR_OK);
    }
    ck_assert_int_eq(p->time[p->first[0]], T("2021-01-04"));
    ck_assert_uint_eq(in2021, 252);
    ck_assert_int_eq(p->time[p->n_steps - 1], T("2022-12-30"));

    /* The files' own returns, aligned to the panel by date. */
    enum { MAXR = 600 };
    static char ds[MAXR][11], di[MAXR][11];
    static double cs[MAXR], ci[MAXR];
    size_t ns = read_closes("tests/data/yf_stock.csv", 5, 1, ds, cs, MAXR);
    size_t ni = read_closes("tests/data/yf_index.csv", 2, 3, di, ci, MAXR);
    ck_assert_uint_eq(ns, 503);
    ck_assert_uint_eq(ni, 503);
    const size_t lf = hs_plan_live_from(pl);
    size_t m = p->n_steps - lf;
    const hs_run_series *s = hs_plan_series(pl, 0);
    double *ru = malloc(m * sizeof *ru), *rm = malloc(m * sizeof *rm);
    ck_assert_ptr_nonnull(ru);
    ck_assert_ptr_nonnull(rm);
    for (size_t i = 0; i < m; i++) {
        char tb[32];
        size_t t = lf + i, k = 0;
        hs_cal_format_time(p->time[t], tb, sizeof tb);
        while (k < ns && strcmp(ds[k], tb) != 0)
            k++;
        ck_assert_msg(k > 0 && k < ns && !strcmp(di[k], tb), "%s", tb);
        /* The formation step holds nothing yet: its book return is 0. */
        ru[i] = i ? cs[k] / cs[k - 1] - 1 : 0;
        rm[i] = ci[k] / ci[k - 1] - 1;
    }
    /* Metrics leave out the formation step (docs/metrics.md): the window is
     * the steps after it. */
    const double *rh = s->ret + lf + 1;
    double *ru0 = ru, *rm0 = rm;
    ru++;
    rm++;
    m--;
    double mh = 0, mu = 0, mm = 0, md = 0;
    for (size_t i = 0; i < m; i++) {
        mh += rh[i];
        mu += ru[i];
        mm += rm[i];
    }
    mh /= (double)m;
    mu /= (double)m;
    mm /= (double)m;
    md = mh; /* target beta 0: the departure is r_h itself */
    double vh = 0, vu = 0, vm = 0, chm = 0;
    for (size_t i = 0; i < m; i++) {
        vh += (rh[i] - mh) * (rh[i] - mh);
        vu += (ru[i] - mu) * (ru[i] - mu);
        vm += (rm[i] - mm) * (rm[i] - mm);
        chm += (rh[i] - md) * (rm[i] - mm);
    }
    const double he = 1 - vh / vu, te = sqrt(252.0 * vh / (double)(m - 1)),
                 rb = chm / vm;
    const hs_metrics *mt = hs_plan_metrics(pl, 0);
    ck_assert_msg(fabs(mt->hedge_effectiveness - he) < 1e-9, "HE %.12g %.12g",
                  mt->hedge_effectiveness, he);
    ck_assert_msg(fabs(mt->tracking_error - te) < 1e-9 * te, "TE %.12g %.12g",
                  mt->tracking_error, te);
    ck_assert_msg(fabs(mt->residual_beta - rb) < 1e-9, "beta_r %.12g %.12g",
                  mt->residual_beta, rb);
    /* The hedge works on this pair (the stock's beta is 1.3). */
    ck_assert(he > 0.3);
    free(ru0);
    free(rm0);
    hs_plan_free(pl);
    hs_registry_free(reg);
    hs_config_free(cfg);
}
END_TEST

/* USDT-quoted data needs usdt_is_usd; the note says it only then. */
START_TEST(test_usdt_needs_statement)
{
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    o.format = HS_FMT_CCXT;
    ck_assert_int_eq(imp_opts("ccxt_noheader.csv", &o, "CX"), 0);
    ck_assert_int_eq(imp_opts("ccxt_header.csv", &o, "CY"), 0);
    static const char text[] =
        "[data]\nstart = 2024-01-02\nend = 2024-01-04\nrates = none\n"
        "lookback = 1\n%s[book]\nassets = CX\nmin_history = 1\n"
        "[hedge]\nbenchmark = CY\ninstrument = CY\n"
        "[strategy.u]\ntype = unhedged\n";
    char buf[1024];
    hs_config *cfg = NULL;
    hs_registry *reg = NULL;
    hs_plan *pl = NULL;
    ck_assert_int_eq(hs_registry_new(&reg), 0);
    snprintf(buf, sizeof buf, text, "");
    ck_assert_int_eq(hs_config_parse(&cfg, buf, "u.ini"), 0);
    ck_assert_int_eq(hs_plan_new(&pl, cfg, reg, fx.s, NULL), HS_ECONFIG);
    assert_msg_has("usdt_is_usd is not set: CX is quoted in USDT");
    hs_config_free(cfg);
    snprintf(buf, sizeof buf, text, "usdt_is_usd = false\n");
    ck_assert_int_eq(hs_config_parse(&cfg, buf, "u.ini"), 0);
    ck_assert_int_eq(hs_plan_new(&pl, cfg, reg, fx.s, NULL), HS_ECONFIG);
    assert_msg_has("usdt_is_usd = false: CX is quoted in USDT");
    hs_config_free(cfg);
    hs_registry_free(reg);
}
END_TEST

static Suite *import_suite(void)
{
    Suite *s = suite_create("import");
    TCase *tc = tcase_create("real");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
    tcase_add_loop_test(tc, test_spot_daily, 0,
                        (int)(sizeof spot_cases / sizeof *spot_cases));
    tcase_add_test(tc, test_spot_daily_known_values);
    tcase_add_test(tc, test_perp_daily);
    tcase_add_test(tc, test_spot_hourly);
    tcase_add_test(tc, test_funding_binance);
    tcase_add_test(tc, test_funding_bitmex);
    tcase_add_test(tc, test_funding_deribit);
    tcase_add_test(tc, test_dvol);
    tcase_add_test(tc, test_fred);
    tcase_add_test(tc, test_options_ticker);
    tcase_add_test(tc, test_options_marks);
    tcase_add_test(tc, test_options_usd);
    suite_add_tcase(s, tc);

    tc = tcase_create("validation");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
    tcase_add_loop_test(tc, test_bad_file, 0,
                        (int)(sizeof bad_cases / sizeof *bad_cases));
    tcase_add_test(tc, test_bad_options_and_args);
    tcase_add_test(tc, test_generic_iso_and_ms);
    tcase_add_test(tc, test_bom_crlf);
    tcase_add_test(tc, test_csv_numbers);
    tcase_add_test(tc, test_cdd_rule);
    tcase_add_test(tc, test_options_fixtures);
    tcase_add_test(tc, test_header_aliases);
    tcase_add_test(tc, test_yfinance_classic);
    tcase_add_test(tc, test_yfinance_three_line);
    tcase_add_test(tc, test_ccxt);
    tcase_add_test(tc, test_columns_and_quote_volume);
    tcase_add_test(tc, test_looks_like);
    tcase_add_test(tc, test_xnys_stock_pair);
    tcase_add_test(tc, test_usdt_needs_statement);
    suite_add_tcase(s, tc);

    tc = tcase_create("transactions");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
    tcase_add_test(tc, test_all_or_nothing);
    tcase_add_test(tc, test_idempotent);
    tcase_add_test(tc, test_instrument_conflict);
    tcase_add_test(tc, test_build);
    tcase_add_test(tc, test_build_stale);
    tcase_add_test(tc, test_build_embedded);
    tcase_add_test(tc, test_progress_callback);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return hs_test_main(import_suite());
}
