/* The history source: alignment on the step grid, aggregation of finer bars,
 * refusal of coarser ones, gaps, listings and delistings, funding placement
 * and rates, against a small store built from CSV files written here; and
 * the load checks, against bad values written into that store with SQL as
 * another tool would (past the schema's CHECK constraints). */
#include "testutil.h"

#include "hedgesim/market.h"
#include "hedgesim/store.h"

#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
static char dbpath[128];

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    fclose(fp);
}

static void import(hs_store *s, const char *name, hs_format fmt,
                   const char *symbol, hs_kind kind, const char *underlying)
{
    char path[256];
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    hs_import_stats st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    o.format = fmt;
    o.symbol = symbol;
    o.kind = kind;
    o.underlying = underlying;
    o.source = "test";
    int rc = hs_import_file(s, path, &o, &st);
    ck_assert_msg(rc == 0, "%s: %s", name, hs_error_last());
}

/* H: 48 hourly bars over 2021-01-01..02, close = 100 + hour index, with the
 * hour 2021-01-01T05 missing.  D1/D2: daily bars (D2 lists on 01-03 and has
 * a gap on 01-05; D1 ends on 01-06: a delisting inside the window). P: a
 * perp on D1 with funding every 8 h from 2021-01-02. */
static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/hs_market_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(dbpath, sizeof dbpath, "%s/t.db", dir);

    char buf[8192];
    size_t len = (size_t)snprintf(buf, sizeof buf,
                                  "ts,open,high,low,close,volume\n");
    for (int h = 0; h < 48; h++) {
        if (h == 5)
            continue;
        double c = 100 + h;
        len += (size_t)snprintf(buf + len, sizeof buf - len,
                                "2021-01-%02dT%02d:00:00Z,%g,%g,%g,%g,%d\n",
                                1 + h / 24, h % 24, c - 0.5, c + 1, c - 1, c,
                                10 + h);
    }
    write_file("h.csv", buf);
    write_file("d1.csv", "ts,open,high,low,close,volume\n"
                         "2021-01-01,10,11,9,10,1\n"
                         "2021-01-02,10,12,9,11,1\n"
                         "2021-01-03,11,13,10,12,1\n"
                         "2021-01-04,12,13,11,12.5,1\n"
                         "2021-01-05,12.5,14,12,13,1\n"
                         "2021-01-06,13,14,12,13.5,1\n");
    write_file("d2.csv", "ts,open,high,low,close,volume\n"
                         "2021-01-03,50,51,49,50,1\n"
                         "2021-01-04,50,52,49,51,1\n"
                         "2021-01-06,51,53,50,52,1\n"
                         "2021-01-07,52,53,51,52.5,1\n"
                         "2021-01-08,52.5,54,52,53,1\n");
    write_file("bm.csv", "ts,open,high,low,close,volume\n"
                         "2020-12-30,1,1,1,1,1\n"
                         "2020-12-31,1,1,1,1,1\n"
                         "2021-01-01,1,1,1,1,1\n"
                         "2021-01-02,1,1,1,1,1\n"
                         "2021-01-03,1,1,1,1,1\n"
                         "2021-01-04,1,1,1,1,1\n"
                         "2021-01-05,1,1,1,1,1\n"
                         "2021-01-06,1,1,1,1,1\n"
                         "2021-01-07,1,1,1,1,1\n"
                         "2021-01-08,1,1,1,1,1\n"
                         "2021-01-09,1,1,1,1,1\n");
    /* Binance funding format: ms settlement times, 8 h interval. */
    write_file("f.csv", "calc_time,funding_interval_hours,last_funding_rate\n"
                        "1609545600000,8,0.001\n"   /* 01-02 00:00 */
                        "1609574400000,8,0.002\n"   /* 01-02 08:00 */
                        "1609603200000,8,0.003\n"   /* 01-02 16:00 */
                        "1609632000000,8,-0.004\n"); /* 01-03 00:00 */
    hs_store *s = NULL;
    ck_assert_int_eq(hs_store_open(&s, dbpath, HS_STORE_WRITE), 0);
    import(s, "h.csv", HS_FMT_GENERIC, "H", HS_KIND_SPOT, NULL);
    import(s, "d1.csv", HS_FMT_GENERIC, "D1", HS_KIND_SPOT, NULL);
    import(s, "d2.csv", HS_FMT_GENERIC, "D2", HS_KIND_SPOT, NULL);
    import(s, "bm.csv", HS_FMT_GENERIC, "BM", HS_KIND_SPOT, NULL);
    import(s, "f.csv", HS_FMT_BINANCE_FUNDING, "BM-PERP", HS_KIND_PERP, "BM");
    hs_store_close(s);
}

static void teardown(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static hs_store *open_ro(void)
{
    hs_store *s = NULL;
    int rc = hs_store_open(&s, dbpath, HS_STORE_READONLY);
    ck_assert_msg(rc == 0, "%s", hs_error_last());
    return s;
}

static int64_t T(const char *text)
{
    int64_t t;
    ck_assert_int_eq(hs_cal_parse_time(text, &t), 0);
    return t;
}

/* Hourly bars aggregated to 8 h and 1 d: open of the first bar, max high,
 * min low, close of the last, summed volume. */
START_TEST(test_aggregation)
{
    hs_store *s = open_ro();
    const char *syms[] = {"H"};
    hs_history_opts o = HS_HISTORY_OPTS_INIT;
    hs_panel *p = NULL;
    o.symbols = syms;
    o.n_symbols = 1;
    o.start = T("2021-01-01");
    o.end = T("2021-01-02T16:00");
    o.step_ms = 8 * HS_MS_PER_HOUR;
    o.rate_series = NULL;
    ck_assert_int_eq(hs_market_load_history(s, &o, &p), 0);
    ck_assert_uint_eq(p->n_steps, 6);
    /* Step 0 = hours 0..7 without hour 5: open 99.5 (100 - 0.5), high 108
     * (107 + 1), low 99, close 107, volume 10+..+17 minus 15 = 93. */
    hs_ck_near(p->open[0], 99.5, 0);
    hs_ck_near(p->high[0], 108, 0);
    hs_ck_near(p->low[0], 99, 0);
    hs_ck_near(p->close[0], 107, 0);
    hs_ck_near(p->volume[0], 93, 0);
    /* Step 5 = hours 40..47: close 147, volume 50+..+57 = 428. */
    hs_ck_near(p->close[5], 147, 0);
    hs_ck_near(p->volume[5], 428, 0);
    hs_panel_free(p);

    o.step_ms = HS_MS_PER_DAY;
    o.end = T("2021-01-02");
    ck_assert_int_eq(hs_market_load_history(s, &o, &p), 0);
    ck_assert_uint_eq(p->n_steps, 2);
    hs_ck_near(p->close[0], 123, 0);
    hs_ck_near(p->open[1], 123.5, 0);
    hs_ck_near(p->high[1], 148, 0);
    hs_panel_free(p);
    hs_store_close(s);
}
END_TEST

START_TEST(test_coarser_source_refused)
{
    hs_store *s = open_ro();
    const char *syms[] = {"D1"};
    hs_history_opts o = HS_HISTORY_OPTS_INIT;
    hs_panel *p = NULL;
    o.symbols = syms;
    o.n_symbols = 1;
    o.start = T("2021-01-01");
    o.end = T("2021-01-05");
    o.step_ms = HS_MS_PER_HOUR;
    ck_assert_int_eq(hs_market_load_history(s, &o, &p), HS_EDATA);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "D1"));
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "coarser"));
    ck_assert_ptr_null(p);
    hs_store_close(s);
}
END_TEST

/* Listing, gap and delisting on the daily grid. */
START_TEST(test_listing_gap_delisting)
{
    hs_store *s = open_ro();
    const char *syms[] = {"D1", "D2", "BM"};
    hs_history_opts o = HS_HISTORY_OPTS_INIT;
    hs_panel *p = NULL;
    o.symbols = syms;
    o.n_symbols = 3;
    o.start = T("2021-01-01");
    o.end = T("2021-01-08");
    o.lookback = 2;
    ck_assert_int_eq(hs_market_load_history(s, &o, &p), 0);
    ck_assert_uint_eq(p->n_steps, 10); /* 12-30 .. 01-08 */
    ck_assert_int_eq(p->time[0], T("2020-12-30"));
    const size_t na = 3;
    /* D1: lists 01-01 (step 2), ends 01-06 (step 7): delisted after. */
    ck_assert_int_eq(p->first[0], 2);
    ck_assert_int_eq(p->last[0], 7);
    ck_assert_int_eq(p->delisted[0], 1);
    ck_assert_int_eq(p->state[1 * na + 0], HS_BAR_ABSENT);
    ck_assert_int_eq(p->state[8 * na + 0], HS_BAR_ABSENT);
    ck_assert(isnan(p->close[8 * na + 0]));
    /* (what the book did about it is the book's note, hs_book_note_assets:
     * the loader claims no sale) */
    ck_assert_ptr_null(strstr(p->notes, "sold"));
    /* D2: lists 01-03 (step 4), gap on 01-05 (step 6) carried with 51. */
    ck_assert_int_eq(p->first[1], 4);
    ck_assert_int_eq(p->state[6 * na + 1], HS_BAR_FILLED);
    hs_ck_near(p->close[6 * na + 1], 51, 0);
    hs_ck_near(p->open[6 * na + 1], 51, 0);
    hs_ck_near(p->volume[6 * na + 1], 0, 0);
    ck_assert_int_eq(p->delisted[1], 0);
    ck_assert_int_eq(p->state[9 * na + 1], HS_BAR_OK);
    hs_panel_free(p);
    hs_store_close(s);
}
END_TEST

/* Funding settlements land in the bar they fall in, summed; before the
 * store's series starts, the constant fallback (auto) or an error (store). */
START_TEST(test_funding_placement)
{
    hs_store *s = open_ro();
    const char *syms[] = {"BM"};
    hs_history_opts o = HS_HISTORY_OPTS_INIT;
    hs_panel *p = NULL;
    o.symbols = syms;
    o.n_symbols = 1;
    o.hedge = "BM-PERP";
    o.start = T("2021-01-01");
    o.end = T("2021-01-04");
    o.funding_rate = 0.0001;
    o.funding_hours = 8;
    ck_assert_int_eq(hs_market_load_history(s, &o, &p), 0);
    /* The perp has no bars: marked at its underlying's spot, and said. */
    ck_assert_ptr_nonnull(strstr(p->notes, "spot price of BM"));
    const size_t na = 2;
    hs_ck_near(p->funding[0 * na + 1], 0.0003, 1e-15); /* constant: 3 x 1bp */
    hs_ck_near(p->funding[1 * na + 1], 0.006, 1e-15);  /* .001+.002+.003 */
    /* After the series ends (01-03 00:00, next due 08:00): constant again,
     * from 01-03 08:00. */
    hs_ck_near(p->funding[2 * na + 1], -0.004 + 0.0002, 1e-15);
    hs_ck_near(p->funding[3 * na + 1], 0.0003, 1e-15);
    ck_assert_ptr_nonnull(strstr(p->notes, "no funding in the store after"));
    hs_ck_near(p->funding[1 * na + 0], 0, 0); /* spot: none */

    /* One by one: each in its bar, at its time, with its rate. */
    const int64_t H = 3600000;
    const struct {
        size_t t;
        double rate[3];
    } want[4] = {{0, {0.0001, 0.0001, 0.0001}},
                 {1, {0.001, 0.002, 0.003}},
                 {2, {-0.004, 0.0001, 0.0001}},
                 {3, {0.0001, 0.0001, 0.0001}}};
    ck_assert_uint_eq(p->n_settle, 12);
    for (size_t i = 0; i < 4; i++) {
        hs_settlements st;
        hs_panel_settlements(p, want[i].t, 1, &st);
        ck_assert_uint_eq(st.n, 3);
        ck_assert(st.t0 == p->time[want[i].t] &&
                  st.t1 == p->time[want[i].t] + 24 * H);
        for (size_t k = 0; k < 3; k++) {
            ck_assert(st.time[k] == st.t0 + (int64_t)(8 * k) * H);
            hs_ck_near(st.rate[k], want[i].rate[k], 1e-18);
        }
        hs_panel_settlements(p, want[i].t, 0, &st);
        ck_assert_uint_eq(st.n, 0); /* spot: none */
    }

    /* A cut of steps 2..3 keeps them (a stress window's panel). */
    hs_panel *c = NULL;
    ck_assert_int_eq(hs_panel_cut(p, 2, 3, &c), 0);
    ck_assert_uint_eq(c->n_steps, 2);
    ck_assert_uint_eq(c->n_settle, 6);
    hs_settlements cs;
    hs_panel_settlements(c, 0, 1, &cs);
    ck_assert(cs.n == 3 && cs.time[0] == T("2021-01-03") &&
              cs.rate[0] == -0.004);
    hs_ck_near(c->funding[1 * na + 1], 0.0003, 1e-15);
    hs_panel_free(c);
    ck_assert_int_eq(hs_panel_cut(p, 3, 4, &c), HS_EINVAL);
    ck_assert_ptr_null(c);
    hs_panel_free(p);

    /* Constant funding needs a positive interval. */
    o.funding = HS_FUNDING_CONSTANT;
    o.funding_hours = 0;
    ck_assert_int_eq(hs_market_load_history(s, &o, &p), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "funding_hours"));
    ck_assert_ptr_null(p);
    o.funding_hours = 8;
    o.funding = HS_FUNDING_AUTO;

    /* funding = store: the series must cover the window at both ends. */
    o.funding = HS_FUNDING_STORE;
    ck_assert_int_eq(hs_market_load_history(s, &o, &p), HS_EDATA);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "starts"));
    o.start = T("2021-01-02");
    ck_assert_int_eq(hs_market_load_history(s, &o, &p), HS_EDATA);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "ends"));
    o.end = T("2021-01-02");
    ck_assert_int_eq(hs_market_load_history(s, &o, &p), 0);
    hs_ck_near(p->funding[0 * na + 1], 0.006, 1e-15);
    hs_panel_free(p);
    o.end = T("2021-01-04");

    o.funding = HS_FUNDING_NONE;
    ck_assert_int_eq(hs_market_load_history(s, &o, &p), 0);
    for (size_t t = 0; t < p->n_steps; t++)
        hs_ck_near(p->funding[t * na + 1], 0, 0);
    hs_panel_free(p);

    /* perp_marks = perp needs the perp's own bars. */
    o.funding = HS_FUNDING_AUTO;
    o.marks = HS_MARKS_PERP;
    ck_assert_int_eq(hs_market_load_history(s, &o, &p), HS_EDATA);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "perp_marks"));
    hs_store_close(s);
}
END_TEST

START_TEST(test_missing_symbol_and_empty_window)
{
    hs_store *s = open_ro();
    const char *syms[] = {"D1", "NOPE"};
    hs_history_opts o = HS_HISTORY_OPTS_INIT;
    hs_panel *p = NULL;
    o.symbols = syms;
    o.n_symbols = 2;
    o.start = T("2021-01-01");
    o.end = T("2021-01-05");
    ck_assert_int_eq(hs_market_load_history(s, &o, &p), HS_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "NOPE"));
    o.n_symbols = 1;
    o.end = T("2020-12-01");
    ck_assert_int_eq(hs_market_load_history(s, &o, &p), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "empty"));
    /* A window with no bars of the asset at all. */
    o.start = T("2022-01-01");
    o.end = T("2022-02-01");
    ck_assert_int_eq(hs_market_load_history(s, &o, &p), HS_EDATA);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "no bars"));
    ck_assert_ptr_null(p);
    hs_store_close(s);
}
END_TEST

/* On the real embedded data: BTC's daily close on known days. */
START_TEST(test_real_daily_values)
{
    hs_store *s = NULL;
    ck_assert_int_eq(hs_store_open(&s, hs_test_db(), HS_STORE_READONLY), 0);
    const char *syms[] = {"BTC", "ETH"};
    hs_history_opts o = HS_HISTORY_OPTS_INIT;
    hs_panel *p = NULL;
    o.symbols = syms;
    o.n_symbols = 2;
    o.hedge = "BTC-PERP";
    o.start = T("2020-03-01");
    o.end = T("2020-03-31");
    ck_assert_int_eq(hs_market_load_history(s, &o, &p), 0);
    /* 2020-03-12 is step 11; values from the data's provenance notes. */
    hs_ck_near(p->close[11 * 3 + 0], 4800.00, 1e-9);
    hs_ck_near(p->close[11 * 3 + 1], 107.82, 1e-9);
    /* The perp has its own bars in 2020: its close that day was 4764.65. */
    hs_ck_near(p->close[11 * 3 + 2], 4764.65, 1e-9);
    /* Binance funding 2020-03-13 08:00 was -0.0030: in step 12's sum. */
    ck_assert(p->funding[12 * 3 + 2] < -0.002);
    /* DFF on 2020-03-16 was 0.25 %. */
    hs_ck_near(p->rate[15], 0.0025, 1e-12);
    hs_panel_free(p);
    hs_store_close(s);
}
END_TEST

/* Run SQL on the test store as another tool would: CHECK constraints off. */
static void tamper(const char *sql)
{
    sqlite3 *db = NULL;
    char *err = NULL;
    ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
    int rc = sqlite3_exec(db, "PRAGMA ignore_check_constraints = ON;", NULL,
                          NULL, &err);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, err ? err : "");
    sqlite3_close(db);
}

/* Load D1 and BM (hedge BM-PERP, DFF rates) over 2021-01-01..05. */
static int load_d1(hs_panel **p)
{
    hs_store *s = open_ro();
    const char *syms[] = {"D1", "BM"};
    hs_history_opts o = HS_HISTORY_OPTS_INIT;
    o.symbols = syms;
    o.n_symbols = 2;
    o.hedge = "BM-PERP";
    o.start = T("2021-01-01");
    o.end = T("2021-01-05");
    int rc = hs_market_load_history(s, &o, p);
    hs_store_close(s);
    return rc;
}

static void assert_err_has(const char *a, const char *b, const char *c)
{
    const char *m = hs_error_last();
    ck_assert_msg(strstr(m, a) && strstr(m, b) && strstr(m, c),
                  "message '%s' lacks '%s', '%s' or '%s'", m, a, b, c);
}

/* Values no market has are refused, naming the symbol, the time and the
 * value; each case is a fresh store with one bad row. */
static const struct bad_value {
    const char *sql;
    const char *symbol, *when, *what;
} bad_values[] = {
    {"UPDATE bars SET close = 0 WHERE ts = 1609632000000", "D1", "2021-01-03",
     "close 0 is not a positive finite price"},
    {"UPDATE bars SET close = -5 WHERE ts = 1609632000000", "D1", "2021-01-03",
     "close -5 is not"},
    {"UPDATE bars SET close = 'abc' WHERE ts = 1609632000000", "D1",
     "2021-01-03", "close is not a number in the store (NULL or text)"},
    {"UPDATE bars SET open = '12abc' WHERE ts = 1609632000000", "D1",
     "2021-01-03", "open is not a number"},
    {"UPDATE bars SET low = 14 WHERE ts = 1609632000000", "D1", "2021-01-03",
     "high 13 is below low 14"},
    {"UPDATE bars SET open = 9 WHERE ts = 1609632000000", "D1", "2021-01-03",
     "open 9 is outside [low, high] = [10, 13]"},
    {"UPDATE bars SET close = 13.5 WHERE ts = 1609632000000", "D1",
     "2021-01-03", "close 13.5 is outside"},
    {"UPDATE bars SET volume = -1 WHERE ts = 1609632000000", "D1",
     "2021-01-03", "volume -1 is not"},
    {"UPDATE bars SET high = 1e400 WHERE ts = 1609632000000", "D1",
     "2021-01-03", "high inf is not a positive finite price"},
    /* 01-02 08:00 */
    {"UPDATE funding SET rate = 1e6 WHERE ts = 1609574400000", "BM-PERP",
     "2021-01-02T08:00:00Z", "rate 1000000 is out of bounds"},
    {"UPDATE funding SET rate = 'x' WHERE ts = 1609574400000", "BM-PERP",
     "2021-01-02T08:00:00Z", "not a number in the store"},
    {"UPDATE funding SET interval_hours = 0 WHERE ts = 1609574400000",
     "BM-PERP", "2021-01-02T08:00:00Z", "interval 0 h is not"},
    {"INSERT INTO rates VALUES ('DFF', 1609459200000, 0.01, 't'),"
     " ('DFF', 1609545600000, 1e6, 't')",
     "DFF", "2021-01-02", "rate 1000000 is out of bounds"},
};

START_TEST(test_bad_store_values)
{
    const struct bad_value *c = &bad_values[_i];
    hs_panel *p = NULL;
    ck_assert_int_eq(load_d1(&p), 0); /* the store before: fine */
    hs_panel_free(p);
    p = NULL;
    tamper(c->sql);
    ck_assert_int_eq(load_d1(&p), HS_EDATA);
    ck_assert_ptr_null(p);
    assert_err_has(c->symbol, c->when, c->what);
}
END_TEST

/* A duplicate time: the schema's primary key forbids it, but a store
 * rebuilt by another tool without the key can hold one. */
START_TEST(test_duplicate_times)
{
    hs_panel *p = NULL;
    tamper("CREATE TABLE b2(instrument_id INTEGER, ts INTEGER, open REAL,"
           " high REAL, low REAL, close REAL, volume REAL, source TEXT);"
           "INSERT INTO b2 SELECT * FROM bars; DROP TABLE bars;"
           "ALTER TABLE b2 RENAME TO bars;"
           "INSERT INTO bars SELECT instrument_id, ts, open, high, low,"
           " close, volume + 1, source FROM bars WHERE ts = 1609718400000"
           " AND instrument_id = (SELECT id FROM instruments"
           "                      WHERE symbol = 'D1');");
    ck_assert_int_eq(load_d1(&p), HS_EDATA);
    assert_err_has("D1", "2021-01-04", "two bars");

    tamper("CREATE TABLE f2(instrument_id INTEGER, ts INTEGER, rate REAL,"
           " interval_hours REAL, source TEXT);"
           "INSERT INTO f2 SELECT * FROM funding; DROP TABLE funding;"
           "ALTER TABLE f2 RENAME TO funding;"
           "INSERT INTO funding SELECT * FROM funding"
           " WHERE ts = 1609603200000;"
           "DELETE FROM bars WHERE rowid IN (SELECT max(rowid) FROM bars);");
    ck_assert_int_eq(load_d1(&p), HS_EDATA);
    assert_err_has("BM-PERP", "2021-01-02T16:00:00Z", "two funding");

    tamper("CREATE TABLE r2(series TEXT, ts INTEGER, rate REAL, source TEXT);"
           "DROP TABLE rates; ALTER TABLE r2 RENAME TO rates;"
           "INSERT INTO rates VALUES ('DFF', 1609459200000, 0.01, 't'),"
           " ('DFF', 1609459200000, 0.01, 't');"
           "DELETE FROM funding WHERE rowid IN"
           " (SELECT max(rowid) FROM funding);");
    ck_assert_int_eq(load_d1(&p), HS_EDATA);
    assert_err_has("DFF", "2021-01-01", "two rates");
}
END_TEST

/* A 1000-fold one-day spike (01-03 up, 01-04 back down) is possible in
 * principle: the panel loads as stored, with one data note for D1 naming
 * the first move, its size and the number of such moves; a 9-fold move
 * (below HS_JUMP_RATIO_MAX = 10) gives none. */
START_TEST(test_jump_note)
{
    hs_panel *p = NULL;
    tamper("UPDATE bars SET open = 12000, high = 13000, low = 10000,"
           " close = 12000 WHERE ts = 1609632000000 AND instrument_id ="
           " (SELECT id FROM instruments WHERE symbol = 'D1')");
    ck_assert_int_eq(load_d1(&p), 0);
    ck_assert_msg(strstr(p->notes, "D1: close 12000 at 2021-01-03 is 1091 "
                                   "times the one before (2021-01-02); 2 "
                                   "one-bar moves beyond 10x"),
                  "notes: %s", p->notes);
    hs_ck_near(p->close[2 * 3 + 0], 12000, 0); /* as stored */
    ck_assert_ptr_null(strstr(p->notes, "BM:"));
    hs_panel_free(p);

    tamper("UPDATE bars SET open = 99, high = 99, low = 99,"
           " close = 99 WHERE ts = 1609632000000 AND instrument_id ="
           " (SELECT id FROM instruments WHERE symbol = 'D1')");
    ck_assert_int_eq(load_d1(&p), 0); /* 99 / 11 = 9, then 12.5 / 99 */
    ck_assert_ptr_null(strstr(p->notes, "beyond 10x"));
    hs_panel_free(p);
}
END_TEST

/* A 24x7 asset on the NYSE grid: the steps are the sessions, and a
 * session's bar is the aggregate of the days since the previous session
 * (a Monday bar opens at Saturday's open, so its close-to-close return
 * includes the weekend).  Compared with the same data on the 24x7 grid.
 * 2021-01-18 was Martin Luther King Jr. Day. */
START_TEST(test_calendar_grid)
{
    hs_store *s = NULL;
    ck_assert_int_eq(hs_store_open(&s, hs_test_db(), HS_STORE_READONLY), 0);
    const char *syms[] = {"BTC"};
    hs_history_opts o = HS_HISTORY_OPTS_INIT;
    hs_panel *d = NULL, *x = NULL;
    o.symbols = syms;
    o.n_symbols = 1;
    o.start = T("2021-01-02"); /* a Saturday: the grid starts on Monday */
    o.end = T("2021-01-24");   /* a Sunday: it ends on Friday the 22nd */
    o.rate_series = NULL;
    ck_assert_int_eq(hs_market_load_history(s, &o, &d), 0);
    o.calendar = HS_CAL_XNYS;
    ck_assert_int_eq(hs_market_load_history(s, &o, &x), 0);
    ck_assert_uint_eq(x->n_steps, 14); /* 15 weekdays less MLK Day */
    ck_assert_int_eq(x->time[0], T("2021-01-04"));
    ck_assert_int_eq(x->time[x->n_steps - 1], T("2021-01-22"));
    for (size_t t = 0; t < x->n_steps; t++) {
        ck_assert(hs_cal_is_session(HS_CAL_XNYS, x->time[t]));
        /* the daily step holding the same day */
        size_t k = (size_t)((x->time[t] - d->time[0]) / HS_MS_PER_DAY);
        size_t j = t ? (size_t)((x->time[t - 1] - d->time[0]) /
                                HS_MS_PER_DAY) + 1
                     : k;
        double hi = 0, lo = INFINITY, vol = 0;
        for (size_t i = j; i <= k; i++) {
            hi = fmax(hi, d->high[i]);
            lo = fmin(lo, d->low[i]);
            vol += d->volume[i];
        }
        ck_assert_double_eq(x->close[t], d->close[k]);
        ck_assert_double_eq(x->open[t], d->open[j]);
        ck_assert_double_eq(x->high[t], hi);
        ck_assert_double_eq(x->low[t], lo);
        hs_ck_near(x->volume[t], vol, 1e-12 * vol);
    }
    /* Tuesday 2021-01-19 (step 10) holds Saturday to Tuesday. */
    ck_assert_int_eq(x->time[10], T("2021-01-19"));
    ck_assert_double_eq(x->open[10], d->open[14]); /* 2021-01-16 */
    hs_panel_free(x);
    x = NULL;
    /* Lookback counts sessions: 3 before Monday the 4th are December 29,
     * 30 and 31 (New Year's Day, a Friday, is closed). */
    o.lookback = 3;
    ck_assert_int_eq(hs_market_load_history(s, &o, &x), 0);
    ck_assert_uint_eq(x->n_steps, 17);
    ck_assert_int_eq(x->time[0], T("2020-12-29"));
    ck_assert_int_eq(x->time[2], T("2020-12-31"));
    ck_assert_int_eq(x->time[3], T("2021-01-04"));
    hs_panel_free(x);
    x = NULL;
    /* A calendar needs daily steps; a window without a session is empty. */
    o.lookback = 0;
    o.step_ms = 8 * HS_MS_PER_HOUR;
    ck_assert_int_eq(hs_market_load_history(s, &o, &x), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "calendar XNYS needs a step of 1d"));
    o.step_ms = HS_MS_PER_DAY;
    o.start = T("2021-01-16");
    o.end = T("2021-01-18");
    ck_assert_int_eq(hs_market_load_history(s, &o, &x), HS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "step in a session"));
    o.calendar = (hs_calendar)7;
    ck_assert_int_eq(hs_market_load_history(s, &o, &x), HS_EINVAL);
    ck_assert_ptr_null(x);
    hs_panel_free(d);
    hs_store_close(s);
}
END_TEST


static Suite *market_suite(void)
{
    Suite *s = suite_create("market");
    TCase *tc = tcase_create("history");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_aggregation);
    tcase_add_test(tc, test_coarser_source_refused);
    tcase_add_test(tc, test_listing_gap_delisting);
    tcase_add_test(tc, test_funding_placement);
    tcase_add_test(tc, test_missing_symbol_and_empty_window);
    tcase_add_test(tc, test_real_daily_values);
    tcase_add_test(tc, test_calendar_grid);
    tcase_add_loop_test(tc, test_bad_store_values, 0,
                        (int)(sizeof bad_values / sizeof *bad_values));
    tcase_add_test(tc, test_duplicate_times);
    tcase_add_test(tc, test_jump_note);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return hs_test_main(market_suite()); }
