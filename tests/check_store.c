/* The market store: schema, versioning, refusals, migration, readers and
 * the summaries behind `hedgesim info`.
 *
 * Known answers about the embedded data (row counts, gaps, missing-value
 * counts) come from datasets/README.md, which states them for each shipped
 * file. */
#include "testutil.h"

#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---------------------------------------------------------------- helpers */

/* A fresh empty file under $TMPDIR (or /tmp); caller frees with
 * tmp_remove. */
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
    snprintf(j, sizeof j, "%s-wal", p);
    unlink(j);
    snprintf(j, sizeof j, "%s-shm", p);
    unlink(j);
    free(p);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(data, 1, n, fp), n);
    fclose(fp);
}

/* Run SQL on a raw SQLite connection (to craft files the library would not
 * write). */
static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *err = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, err ? err : "");
    sqlite3_close(db);
}

static long long raw_count(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long long v = -1;
    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void assert_msg_has(const char *needle)
{
    ck_assert_msg(strstr(hs_error_last(), needle) != NULL,
                  "message '%s' lacks '%s'", hs_error_last(), needle);
}

static int64_t T(const char *text)
{
    int64_t t = 0;
    ck_assert_int_eq(hs_cal_parse_time(text, &t), 0);
    return t;
}

/* A small store with bars, rates, index levels and an option chain. */
static void fill_small(const char *path)
{
    hs_store *s = NULL;
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    ck_assert_int_eq(hs_store_open(&s, path, HS_STORE_WRITE), 0);
    o.symbol = "X";
    ck_assert_int_eq(hs_import_file(s, "tests/data/generic_iso.csv", &o, NULL),
                     0);
    o.format = HS_FMT_FRED;
    o.symbol = NULL;
    ck_assert_int_eq(hs_import_file(s, "tests/data/fred_small.csv", &o, NULL),
                     0);
    o.format = HS_FMT_DERIBIT_TICKER;
    o.kind = HS_KIND_OPTION;
    ck_assert_int_eq(
        hs_import_file(s, "tests/data/opt_ticker_small.csv", &o, NULL), 0);
    o.format = HS_FMT_GENERIC;
    o.kind = HS_KIND_INDEX;
    o.symbol = "X-IDX";
    ck_assert_int_eq(hs_import_file(s, "tests/data/generic_ms.csv", &o, NULL),
                     0);
    hs_store_close(s);
}

/* ------------------------------------------------------------------ tests */

START_TEST(test_create_schema)
{
    char *p = tmp_path("create");
    hs_store *s = NULL;
    char buf[64];
    int64_t t;

    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_WRITE), 0);
    ck_assert_int_eq(hs_store_schema_version(s), HS_STORE_SCHEMA_VERSION);
    ck_assert_str_eq(hs_store_path(s), p);
    ck_assert_int_eq(hs_store_meta(s, "schema_version", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "1");
    ck_assert_int_eq(hs_store_meta(s, "application", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "hedgesim");
    ck_assert_int_eq(hs_store_meta(s, "created_at", buf, sizeof buf), 0);
    ck_assert_int_eq(hs_cal_parse_time(buf, &t), 0);
    ck_assert_int_eq(hs_store_meta(s, "provenance", buf, sizeof buf), 0);
    ck_assert_int_eq(hs_store_meta(s, "no-such-key", buf, sizeof buf),
                     HS_ENOTFOUND);
    hs_store_close(s);

    /* the tables, clustered as documented */
    static const char *const clustered[] = {
        "bars", "funding", "option_quotes", "index_values", "rates", "meta"};
    for (size_t i = 0; i < sizeof clustered / sizeof *clustered; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                 "name='%s' AND sql LIKE '%%WITHOUT ROWID%%'",
                 clustered[i]);
        ck_assert_msg(raw_count(p, sql) == 1, "%s", clustered[i]);
    }
    ck_assert_int_eq(raw_count(p, "SELECT count(*) FROM sqlite_master WHERE "
                                  "type='table' AND name='instruments'"),
                     1);
    /* option_quotes is keyed by time first, for chain replay */
    ck_assert_int_eq(raw_count(p, "SELECT pk FROM pragma_table_info("
                                  "'option_quotes') WHERE name='ts'"),
                     1);
    /* CHECK constraints hold even against raw SQL */
    {
        sqlite3 *db = NULL;
        ck_assert_int_eq(sqlite3_open(p, &db), SQLITE_OK);
        ck_assert_int_ne(
            sqlite3_exec(db,
                         "INSERT INTO instruments(symbol, kind) VALUES "
                         "('Z', 'banana')",
                         NULL, NULL, NULL),
            SQLITE_OK);
        ck_assert_int_eq(sqlite3_exec(db,
                                      "INSERT INTO instruments(symbol, kind) "
                                      "VALUES ('Z', 'spot')",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        ck_assert_int_ne(sqlite3_exec(db,
                                      "INSERT INTO bars VALUES (1, 0, 10, 9, "
                                      "11, 10, 1, 'x')",
                                      NULL, NULL, NULL),
                         SQLITE_OK); /* high < low */
        sqlite3_close(db);
    }

    /* read-only reopen */
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_READONLY), 0);
    ck_assert_int_eq(hs_store_schema_version(s), 1);
    hs_store_close(s);
    hs_store_close(NULL);
    tmp_remove(p);
}
END_TEST

START_TEST(test_missing_file)
{
    char *p = tmp_path("missing");
    hs_store *s = (hs_store *)p; /* must be reset to NULL */
    unlink(p);
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_READONLY), HS_ENOTFOUND);
    ck_assert_ptr_null(s);
    assert_msg_has(p);
    assert_msg_has("make dataset");
    struct stat sb;
    ck_assert_int_ne(stat(p, &sb), 0); /* a read-only open creates nothing */
    tmp_remove(p);
}
END_TEST

START_TEST(test_garbage_file)
{
    char *p = tmp_path("garbage");
    unsigned char junk[8192];
    hs_store *s = NULL;
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1103515245u + 12345u; /* any bytes will do */
        junk[i] = (unsigned char)(x >> 16);
    }
    write_bytes(p, junk, sizeof junk);
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_READONLY), HS_EDB);
    ck_assert_ptr_null(s);
    assert_msg_has(p);
    assert_msg_has("not an SQLite database");
    /* a writer refuses it too, and leaves it alone */
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_WRITE), HS_EDB);

    /* the SQLite magic followed by garbage */
    memcpy(junk, "SQLite format 3", 16);
    write_bytes(p, junk, sizeof junk);
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_READONLY), HS_EDB);
    ck_assert_ptr_null(s);
    assert_msg_has(p);
    tmp_remove(p);
}
END_TEST

START_TEST(test_truncated_file)
{
    char *p = tmp_path("trunc");
    hs_store *s = NULL;
    fill_small(p);
    struct stat sb;
    ck_assert_int_eq(stat(p, &sb), 0);
    ck_assert_int_gt(sb.st_size, 3 * 4096);
    ck_assert_int_eq(truncate(p, 2 * 4096), 0);
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_READONLY), HS_EDB);
    ck_assert_ptr_null(s);
    assert_msg_has(p);
    assert_msg_has("truncated");
    tmp_remove(p);
}
END_TEST

START_TEST(test_empty_file)
{
    char *p = tmp_path("empty");
    hs_store *s = NULL;
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_READONLY), HS_ESCHEMA);
    ck_assert_ptr_null(s);
    assert_msg_has(p);
    tmp_remove(p);
}
END_TEST

START_TEST(test_not_hedgesim)
{
    char *p = tmp_path("foreign");
    hs_store *s = NULL;
    raw_exec(p, "CREATE TABLE foo(a, b); INSERT INTO foo VALUES (1, 2);");
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_READONLY), HS_ESCHEMA);
    ck_assert_ptr_null(s);
    assert_msg_has(p);
    assert_msg_has("not a hedgesim store");
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_WRITE), HS_ESCHEMA);
    ck_assert_int_eq(raw_count(p, "SELECT count(*) FROM sqlite_master"), 1);

    /* a meta table without a version is not ours either */
    raw_exec(p, "CREATE TABLE meta(key, value);");
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_READONLY), HS_ESCHEMA);
    assert_msg_has("schema_version");
    tmp_remove(p);
}
END_TEST

START_TEST(test_newer_version)
{
    char *p = tmp_path("newer");
    hs_store *s = NULL;
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_WRITE), 0);
    hs_store_close(s);
    raw_exec(p, "UPDATE meta SET value = '2' WHERE key = 'schema_version'");
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_READONLY), HS_ESCHEMA);
    ck_assert_ptr_null(s);
    assert_msg_has(p);
    assert_msg_has("newer");
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_WRITE), HS_ESCHEMA);
    ck_assert_int_eq(raw_count(p, "SELECT value FROM meta WHERE "
                                  "key='schema_version'"),
                     2);
    tmp_remove(p);
}
END_TEST

/* Version 0, as docs/store-schema.md defines it: version 1 without
 * option_quotes.index_price. */
static const char v0_sql[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE instruments(id INTEGER PRIMARY KEY, symbol TEXT NOT NULL"
    " UNIQUE, kind TEXT NOT NULL, underlying TEXT NOT NULL DEFAULT '',"
    " quote TEXT NOT NULL DEFAULT '', venue TEXT NOT NULL DEFAULT '',"
    " source TEXT NOT NULL DEFAULT '', inverse INTEGER NOT NULL DEFAULT 0,"
    " expiry INTEGER, strike REAL, \"right\" TEXT,"
    " multiplier REAL NOT NULL DEFAULT 1);"
    "CREATE TABLE bars(instrument_id INTEGER NOT NULL, ts INTEGER NOT NULL,"
    " open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL,"
    " close REAL NOT NULL, volume REAL NOT NULL, source TEXT NOT NULL,"
    " PRIMARY KEY (instrument_id, ts)) WITHOUT ROWID;"
    "CREATE TABLE funding(instrument_id INTEGER NOT NULL, ts INTEGER NOT NULL,"
    " rate REAL NOT NULL, interval_hours REAL NOT NULL, source TEXT NOT NULL,"
    " PRIMARY KEY (instrument_id, ts)) WITHOUT ROWID;"
    "CREATE TABLE option_quotes(ts INTEGER NOT NULL, instrument_id INTEGER"
    " NOT NULL, bid REAL, ask REAL, mark REAL, iv REAL, underlying_price"
    " REAL, bid_iv REAL, ask_iv REAL, delta REAL, gamma REAL, vega REAL,"
    " theta REAL, price_unit TEXT NOT NULL, source TEXT NOT NULL,"
    " PRIMARY KEY (ts, instrument_id)) WITHOUT ROWID;"
    "CREATE TABLE index_values(instrument_id INTEGER NOT NULL, ts INTEGER"
    " NOT NULL, open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL,"
    " close REAL NOT NULL, source TEXT NOT NULL,"
    " PRIMARY KEY (instrument_id, ts)) WITHOUT ROWID;"
    "CREATE TABLE rates(series TEXT NOT NULL, ts INTEGER NOT NULL,"
    " rate REAL NOT NULL, source TEXT NOT NULL, PRIMARY KEY (series, ts))"
    " WITHOUT ROWID;"
    "INSERT INTO meta VALUES ('schema_version', '0');"
    "INSERT INTO instruments(id, symbol, kind, underlying, expiry, strike,"
    " \"right\") VALUES (1, 'BTC-22MAY20-9250-P', 'option', 'BTC',"
    " 1590134400000, 9250, 'P');"
    "INSERT INTO option_quotes VALUES (1589434896486, 1, 0.042, 0.045,"
    " 0.0401, 0.7687, 9352.58, 0.8007, 0.8517, -0.43897, 0.00037, 5.49167,"
    " -26.07217, 'BTC', 'deribit');";

START_TEST(test_migrate_v0)
{
    char *p = tmp_path("v0");
    hs_store *s = NULL;
    hs_option_quote *q = NULL;
    size_t n = 0;
    raw_exec(p, v0_sql);

    /* read-only: refused, with what to do */
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_READONLY), HS_ESCHEMA);
    ck_assert_ptr_null(s);
    assert_msg_has("older");
    assert_msg_has("--upgrade");
    ck_assert_int_eq(raw_count(p, "SELECT count(*) FROM pragma_table_info("
                                  "'option_quotes') WHERE name='index_price'"),
                     0);

    /* a writer migrates */
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_WRITE), 0);
    ck_assert_int_eq(hs_store_schema_version(s), 1);
    hs_store_close(s);
    ck_assert_int_eq(raw_count(p, "SELECT value FROM meta WHERE "
                                  "key='schema_version'"),
                     1);
    ck_assert_int_eq(raw_count(p, "SELECT count(*) FROM pragma_table_info("
                                  "'option_quotes') WHERE name='index_price'"),
                     1);

    /* the old row survived and reads back, the new column as NAN */
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_READONLY), 0);
    ck_assert_int_eq(hs_store_option_chain(s, "BTC", 1589434896486, &q, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(q[0].symbol, "BTC-22MAY20-9250-P");
    hs_ck_near(q[0].bid, 0.042, 0);
    ck_assert(isnan(q[0].index_price));
    free(q);
    hs_store_close(s);
    tmp_remove(p);
}
END_TEST

START_TEST(test_readonly_refuses_writes)
{
    char *p = tmp_path("ro");
    hs_store *s = NULL;
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    hs_import_stats st;
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_WRITE), 0);
    hs_store_close(s);
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_READONLY), 0);
    o.symbol = "X";
    ck_assert_int_eq(hs_import_file(s, "tests/data/generic_iso.csv", &o, &st),
                     HS_EINVAL);
    assert_msg_has("read-only");
    hs_store_close(s);
    ck_assert_int_eq(raw_count(p, "SELECT count(*) FROM bars"), 0);
    tmp_remove(p);
}
END_TEST

START_TEST(test_names)
{
    for (int k = 0; k <= HS_KIND_INDEX; k++) {
        hs_kind back;
        ck_assert_ptr_nonnull(hs_kind_name((hs_kind)k));
        ck_assert_int_eq(hs_kind_parse(hs_kind_name((hs_kind)k), &back), 0);
        ck_assert_int_eq(back, k);
    }
    ck_assert_ptr_null(hs_kind_name((hs_kind)99));
    hs_kind k2;
    ck_assert_int_eq(hs_kind_parse("banana", &k2), HS_EINVAL);
    for (int f = 0; f < HS_FMT_COUNT; f++) {
        hs_format back;
        ck_assert_ptr_nonnull(hs_format_name((hs_format)f));
        ck_assert_int_gt(strlen(hs_format_summary((hs_format)f)), 10);
        ck_assert_int_eq(hs_format_parse(hs_format_name((hs_format)f), &back),
                         0);
        ck_assert_int_eq(back, f);
    }
    ck_assert_ptr_null(hs_format_name(HS_FMT_COUNT));
    hs_format f2;
    ck_assert_int_eq(hs_format_parse("excel", &f2), HS_EINVAL);
    assert_msg_has("excel");
}
END_TEST

START_TEST(test_readers)
{
    char *p = tmp_path("readers");
    hs_store *s = NULL;
    hs_instrument in, *all = NULL;
    hs_bar *b = NULL;
    hs_rate *r = NULL;
    hs_option_quote *q = NULL;
    int64_t *ts = NULL;
    size_t n = 0;

    fill_small(p);
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_READONLY), 0);

    ck_assert_int_eq(hs_store_instrument(s, "NOPE", &in), HS_ENOTFOUND);
    assert_msg_has("NOPE");
    ck_assert_int_eq(hs_store_instrument(s, "X", &in), 0);
    ck_assert_str_eq(in.symbol, "X");
    ck_assert_int_eq(in.kind, HS_KIND_SPOT);
    ck_assert_str_eq(in.source, "csv");

    /* [t0, t1): the bar at t1 is excluded; ascending order */
    ck_assert_int_eq(
        hs_store_bars(s, in.id, T("2021-01-02"), T("2021-01-05"), &b, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(b[0].ts, T("2021-01-02"));
    ck_assert_int_eq(b[1].ts, T("2021-01-03"));
    hs_ck_near(b[1].close, 105, 0);
    hs_ck_near(b[1].volume, 12.5, 0);
    free(b);
    ck_assert_int_eq(
        hs_store_bars(s, in.id, T("2030-01-01"), T("2031-01-01"), &b, &n), 0);
    ck_assert_uint_eq(n, 0);
    free(b);

    /* kinds filter and order */
    ck_assert_int_eq(hs_store_instruments(s, HS_KIND_OPTION, &all, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(all[0].symbol, "BTC-22MAY20-12000-C");
    ck_assert_str_eq(all[1].symbol, "BTC-22MAY20-9250-P");
    ck_assert_int_eq(all[1].right, 'P');
    hs_ck_near(all[1].strike, 9250, 0);
    ck_assert_int_eq(all[1].expiry, T("2020-05-22T08:00:00Z"));
    ck_assert_int_eq(all[1].inverse, 1);
    free(all);
    ck_assert_int_eq(hs_store_instruments(s, -1, &all, &n), 0);
    ck_assert_uint_eq(n, 4);
    free(all);

    /* rates are decimals: 5.55 % -> 0.0555 */
    ck_assert_int_eq(
        hs_store_rates(s, "DGS1MO", T("2024-01-01"), T("2024-02-01"), &r, &n),
        0);
    ck_assert_uint_eq(n, 4);
    hs_ck_near(r[0].rate, 0.0555, 1e-15);
    ck_assert_int_eq(r[0].ts, T("2024-01-02"));
    free(r);

    /* index levels */
    ck_assert_int_eq(hs_store_instrument(s, "X-IDX", &in), 0);
    ck_assert_int_eq(in.kind, HS_KIND_INDEX);
    ck_assert_int_eq(hs_store_index(s, in.id, 0, T("2100-01-01"), &b, &n), 0);
    ck_assert_uint_eq(n, 4);
    hs_ck_near(b[3].close, 107, 0);
    free(b);

    /* option chain: one snapshot at the earliest row time */
    ck_assert_int_eq(
        hs_store_option_snapshots(s, "BTC", 0, T("2100-01-01"), &ts, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ts[0], 1589434896486);
    free(ts);
    ck_assert_int_eq(hs_store_option_chain(s, "BTC", 1589434896486, &q, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(q[0].symbol, "BTC-22MAY20-9250-P"); /* by strike */
    ck_assert_str_eq(q[0].price_unit, "BTC");
    hs_ck_near(q[0].iv, 0.7687, 1e-15);
    hs_ck_near(q[0].delta, -0.43897, 0);
    hs_ck_near(q[0].vega, 5.49167, 0);
    hs_ck_near(q[0].underlying_price, 9352.58, 0);
    hs_ck_near(q[0].index_price, 9350.67, 0);
    ck_assert(isnan(q[1].ask_iv)); /* 500 %: Deribit's no-IV cap */
    hs_ck_near(q[1].bid_iv, 1.0922, 1e-15);
    free(q);
    ck_assert_int_eq(hs_store_option_chain(s, "ETH", 1589434896486, &q, &n), 0);
    ck_assert_uint_eq(n, 0);
    free(q);

    ck_assert_int_eq(hs_store_check(s), 0);
    hs_store_close(s);
    tmp_remove(p);
}
END_TEST

static const hs_series_info *find_series(const hs_series_info *v, size_t n,
                                         const char *sym, const char *table)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].inst.symbol, sym) == 0 &&
            strcmp(v[i].table, table) == 0)
            return &v[i];
    ck_abort_msg("no %s series for %s", table, sym);
    return NULL;
}

/* The summaries on the embedded store; expectations from
 * datasets/README.md. */
START_TEST(test_info_embedded)
{
    hs_store *s = NULL;
    hs_series_info *si = NULL;
    hs_option_info *oi = NULL;
    hs_rate_info *ri = NULL;
    size_t nsi, noi, nri;
    const hs_series_info *x;

    ck_assert_msg(hs_store_open(&s, hs_test_db(), HS_STORE_READONLY) == 0,
                  "%s (run make first)", hs_error_last());
    ck_assert_int_eq(hs_store_series_info(s, &si, &nsi), 0);

    /* BTC daily: 3167 rows less the partial last day; 8 missing days */
    x = find_series(si, nsi, "BTC", "bars");
    ck_assert_int_eq(x->rows, 3166);
    ck_assert_int_eq(x->step_ms, HS_MS_PER_DAY);
    ck_assert_int_eq(x->gaps, 8);
    ck_assert_int_eq(x->first_ts, T("2017-08-17"));
    ck_assert_int_eq(x->last_ts, T("2026-04-25"));
    /* MATIC ends 2024-09-09 with no missing day */
    x = find_series(si, nsi, "MATIC", "bars");
    ck_assert_int_eq(x->gaps, 0);
    ck_assert_int_eq(x->last_ts, T("2024-09-09"));
    /* hourly: 29,532 distinct hours less the bogus first and partial last
     * bar; 9 missing hours */
    x = find_series(si, nsi, "BTC.1h", "bars");
    ck_assert_int_eq(x->rows, 29530);
    ck_assert_int_eq(x->step_ms, HS_MS_PER_HOUR);
    ck_assert_int_eq(x->gaps, 9);
    /* funding grids */
    x = find_series(si, nsi, "BTC-PERP", "funding");
    ck_assert_int_eq(x->rows, 7119);
    ck_assert_int_eq(x->step_ms, 8 * HS_MS_PER_HOUR);
    ck_assert_int_eq(x->gaps, 0);
    x = find_series(si, nsi, "XBTUSD", "funding");
    ck_assert_int_eq(x->rows, 4866);
    ck_assert_int_eq(x->gaps, 0); /* the 24 h -> 8 h switch is no gap */
    x = find_series(si, nsi, "BTC-PERPETUAL", "funding");
    ck_assert_int_eq(x->rows, 16008);
    ck_assert_int_eq(x->step_ms, HS_MS_PER_HOUR);
    ck_assert_int_eq(x->gaps, 2); /* 2020-08-27 05:00 -> 08:00 */
    x = find_series(si, nsi, "BTC-DVOL", "index");
    ck_assert_int_eq(x->rows, 1840);
    ck_assert_int_eq(x->gaps, 0);
    free(si);

    ck_assert_int_eq(hs_store_option_info(s, &oi, &noi), 0);
    ck_assert_uint_eq(noi, 3);
    /* BTC in BTC: 310 + 326 + 578 quotes in three snapshots */
    ck_assert_str_eq(oi[0].underlying, "BTC");
    ck_assert_str_eq(oi[0].price_unit, "BTC");
    ck_assert_int_eq(oi[0].snapshots, 3);
    ck_assert_int_eq(oi[0].rows, 310 + 326 + 578);
    /* BTC in USD: 49 snapshots less the one with expired contracts; 32,708
     * rows less its 746 and 184 exact repeats */
    ck_assert_str_eq(oi[1].price_unit, "USD");
    ck_assert_int_eq(oi[1].snapshots, 48);
    ck_assert_int_eq(oi[1].rows, 32708 - 746 - 184);
    ck_assert_str_eq(oi[2].underlying, "ETH");
    ck_assert_int_eq(oi[2].rows, 502);
    ck_assert_int_eq(oi[2].contracts, 502);
    free(oi);

    ck_assert_int_eq(hs_store_rate_info(s, &ri, &nri), 0);
    ck_assert_uint_eq(nri, 3);
    ck_assert_str_eq(ri[0].series, "DFF"); /* calendar-daily, complete */
    ck_assert_int_eq(ri[0].rows, 25577);
    ck_assert_int_eq(ri[0].weekdays, 0);
    ck_assert_int_eq(ri[0].gaps, 0);
    ck_assert_str_eq(ri[2].series, "DGS1MO"); /* 244 holidays are '.' */
    ck_assert_int_eq(ri[2].weekdays, 1);
    ck_assert_int_eq(ri[2].rows, 5878 - 244);
    ck_assert_int_eq(ri[2].gaps, 244);
    ck_assert_str_eq(ri[1].series, "DGS10");
    ck_assert_int_eq(ri[1].gaps, 691);
    free(ri);
    hs_store_close(s);
}
END_TEST

/* The public writer (transactions, instruments, option quotes with their
 * outcomes) and the option-quote cursor with its source filters: the
 * embedded-style deribit snapshot of fill_small plus a modeled one written
 * here an hour later. */
START_TEST(test_writer_and_quote_cursor)
{
    char *p = tmp_path("cursor");
    hs_store *s = NULL;
    hs_store_quotes *cur = NULL;
    hs_option_quote q, row;
    hs_instrument want;
    int64_t *ts = NULL, id_c = 0, id_p = 0, id2 = 0;
    size_t n = 0;
    int outcome = -1;
    const int64_t snap = 1589434896486LL, later = snap + HS_MS_PER_HOUR;

    fill_small(p);
    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_WRITE), 0);

    /* instruments: found by symbol, created when absent, refused when they
     * differ */
    memset(&want, 0, sizeof want);
    snprintf(want.symbol, sizeof want.symbol, "BTC-22MAY20-12000-C");
    want.kind = HS_KIND_OPTION;
    want.inverse = 1;
    want.expiry = 1590134400000LL;
    want.strike = 12000;
    want.right = 'C';
    ck_assert_int_eq(hs_store_begin(s), 0);
    ck_assert_int_eq(hs_store_ensure_instrument(s, &want, "test", &id_c), 0);
    ck_assert_int_eq(hs_store_ensure_instrument(s, &want, "test", &id2), 0);
    ck_assert_int_eq(id_c, id2);
    snprintf(want.symbol, sizeof want.symbol, "BTC-22MAY20-8000-P");
    snprintf(want.underlying, sizeof want.underlying, "BTC");
    snprintf(want.source, sizeof want.source, "model:t");
    want.inverse = 0;
    want.strike = 8000;
    want.right = 'P';
    ck_assert_int_eq(hs_store_ensure_instrument(s, &want, "test", &id_p), 0);
    ck_assert_int_ne(id_p, id_c);
    want.strike = 8500;
    ck_assert_int_eq(hs_store_ensure_instrument(s, &want, "test", &id2),
                     HS_EDATA);
    assert_msg_has("test: instrument BTC-22MAY20-8000-P");
    snprintf(want.symbol, sizeof want.symbol, "bad symbol");
    ck_assert_int_eq(hs_store_ensure_instrument(s, &want, NULL, &id2),
                     HS_EINVAL);

    /* quotes: new, the same again, other values (a conflict, not written) */
    memset(&q, 0, sizeof q);
    q.ts = later;
    q.instrument_id = id_c;
    q.bid = 100;
    q.ask = 110;
    q.mark = 105;
    q.iv = 0.8;
    q.underlying_price = 9400;
    q.index_price = NAN;
    q.bid_iv = q.ask_iv = q.delta = q.gamma = q.vega = q.theta = NAN;
    snprintf(q.price_unit, sizeof q.price_unit, "USD");
    ck_assert_int_eq(hs_store_put_option(s, &q, "model:t", &outcome), 0);
    ck_assert_int_eq(outcome, HS_STORE_PUT_NEW);
    ck_assert_int_eq(hs_store_put_option(s, &q, "model:t", &outcome), 0);
    ck_assert_int_eq(outcome, HS_STORE_PUT_SAME);
    q.bid = 101;
    ck_assert_int_eq(hs_store_put_option(s, &q, "model:t", &outcome), 0);
    ck_assert_int_eq(outcome, HS_STORE_PUT_CONFLICT);
    q.bid = 100;
    q.instrument_id = id_p;
    ck_assert_int_eq(hs_store_put_option(s, &q, "model:t", &outcome), 0);
    ck_assert_int_eq(outcome, HS_STORE_PUT_NEW);
    ck_assert_int_eq(hs_store_put_option(NULL, &q, "model:t", &outcome),
                     HS_EINVAL);
    ck_assert_int_eq(hs_store_commit(s), 0);

    /* a rolled-back quote is not there */
    ck_assert_int_eq(hs_store_begin(s), 0);
    q.ts = later + HS_MS_PER_HOUR;
    ck_assert_int_eq(hs_store_put_option(s, &q, "model:t", &outcome), 0);
    hs_store_rollback(s);
    hs_store_rollback(s); /* outside a transaction: harmless */
    hs_store_rollback(NULL);
    ck_assert_int_eq(hs_store_begin(NULL), HS_EINVAL);

    /* snapshot times by filter */
    static const struct {
        const char *filter;
        size_t n;
        int64_t first;
    } want_times[] = {{NULL, 1, snap},          {"deribit", 1, snap},
                      {"model:*", 1, later},    {"model:t", 1, later},
                      {"model:x", 0, 0},        {"*", 2, snap}};
    for (size_t k = 0; k < 6; k++) {
        ck_assert_int_eq(hs_store_quotes_times(s, "BTC", want_times[k].filter,
                                               0, INT64_MAX, &ts, &n),
                         0);
        ck_assert_msg(n == want_times[k].n, "filter %s: %zu times",
                      want_times[k].filter ? want_times[k].filter : "NULL", n);
        if (n)
            ck_assert_int_eq(ts[0], want_times[k].first);
        free(ts);
    }
    /* [t0, t1) */
    ck_assert_int_eq(hs_store_quotes_times(s, "BTC", "*", snap + 1, later, &ts,
                                           &n),
                     0);
    ck_assert_uint_eq(n, 0);
    free(ts);

    /* the cursor: exchange rows only, calls before puts */
    ck_assert_int_eq(hs_store_quotes_open(&cur, s, "BTC", NULL, snap), 0);
    ck_assert_int_eq(hs_store_quotes_next(cur, &row), 0);
    ck_assert_str_eq(row.symbol, "BTC-22MAY20-12000-C");
    ck_assert_int_eq(row.ts, snap);
    ck_assert_int_eq(row.right, 'C');
    hs_ck_near(row.bid, 0.005, 0);
    ck_assert_str_eq(row.price_unit, "BTC");
    ck_assert_str_eq(row.source, "deribit");
    ck_assert_int_eq(hs_store_quotes_next(cur, &row), 0);
    ck_assert_str_eq(row.symbol, "BTC-22MAY20-9250-P");
    hs_ck_near(row.underlying_price, 9352.58, 0);
    ck_assert_int_eq(hs_store_quotes_next(cur, &row), HS_ITEROVER);
    ck_assert_int_eq(hs_store_quotes_next(cur, &row), HS_ITEROVER);
    /* the modeled snapshot is not exchange data */
    ck_assert_int_eq(hs_store_quotes_seek(cur, later), 0);
    ck_assert_int_eq(hs_store_quotes_next(cur, &row), HS_ITEROVER);
    /* the same snapshot again */
    ck_assert_int_eq(hs_store_quotes_seek(cur, snap), 0);
    ck_assert_int_eq(hs_store_quotes_next(cur, &row), 0);
    ck_assert_str_eq(row.symbol, "BTC-22MAY20-12000-C");
    hs_store_quotes_close(cur);

    ck_assert_int_eq(hs_store_quotes_open(&cur, s, "BTC", "model:*", later),
                     0);
    ck_assert_int_eq(hs_store_quotes_next(cur, &row), 0);
    ck_assert_str_eq(row.symbol, "BTC-22MAY20-12000-C");
    ck_assert_str_eq(row.source, "model:t");
    ck_assert_str_eq(row.price_unit, "USD");
    hs_ck_near(row.bid, 100, 0); /* the conflicting 101 was not written */
    ck_assert(isnan(row.index_price));
    ck_assert_int_eq(hs_store_quotes_next(cur, &row), 0);
    ck_assert_str_eq(row.symbol, "BTC-22MAY20-8000-P");
    ck_assert_int_eq(hs_store_quotes_next(cur, &row), HS_ITEROVER);
    hs_store_quotes_close(cur);
    cur = NULL;

    /* errors */
    ck_assert_int_eq(hs_store_quotes_open(&cur, s, "", NULL, snap), HS_EINVAL);
    ck_assert_ptr_null(cur);
    ck_assert_int_eq(hs_store_quotes_open(&cur, s, "BTC", "", snap),
                     HS_EINVAL);
    ck_assert_int_eq(hs_store_quotes_open(&cur, NULL, "BTC", NULL, snap),
                     HS_EINVAL);
    ck_assert_int_eq(hs_store_quotes_open(NULL, s, "BTC", NULL, snap),
                     HS_EINVAL);
    ck_assert_int_eq(hs_store_quotes_times(s, "ABCDEFGHIJKLMNOPQ", NULL, 0, 1,
                                           &ts, &n),
                     HS_EINVAL);
    ck_assert_int_eq(hs_store_quotes_next(NULL, &row), HS_EINVAL);
    ck_assert_int_eq(hs_store_quotes_seek(NULL, snap), HS_EINVAL);
    hs_store_quotes_close(NULL);

    hs_store_close(s);
    tmp_remove(p);
}
END_TEST


/* ------------------------------------------------- interrupted writers */

static int side_file_exists(const char *path, const char *suffix)
{
    char f[600];
    struct stat st;
    snprintf(f, sizeof f, "%s%s", path, suffix);
    return stat(f, &st) == 0;
}

/* Leave a hot journal beside `path` as a killed import does: a child
 * process opens a write transaction that changes enough pages to spill
 * them into the store file (a small cache), then dies by SIGKILL. */
static void kill_writer(const char *path)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        sqlite3 *db = NULL;
        if (sqlite3_open(path, &db) != SQLITE_OK ||
            sqlite3_exec(db,
                         "PRAGMA cache_size = 2;"
                         "BEGIN IMMEDIATE;"
                         "DELETE FROM bars;"
                         "CREATE TABLE junk(x);"
                         "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL"
                         " SELECT i + 1 FROM c WHERE i < 5000)"
                         " INSERT INTO junk SELECT randomblob(200) FROM c;",
                         NULL, NULL, NULL) != SQLITE_OK)
            _exit(3);
        raise(SIGKILL);
        _exit(4);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                  "writer child ended with status %d", status);
    ck_assert(side_file_exists(path, "-journal"));
}

/* A read-only open after a killed import rolls the journal back (the file
 * is writable here) and sees the store as it was before. */
START_TEST(test_hot_journal_rolled_back)
{
    char *p = tmp_path("hot");
    hs_store *s = NULL;
    char buf[64];
    fill_small(p);
    long long bars = raw_count(p, "SELECT count(*) FROM bars");
    ck_assert_int_gt(bars, 0);
    kill_writer(p);

    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_READONLY), 0);
    ck_assert_int_eq(hs_store_meta(s, "application", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "hedgesim");
    hs_store_close(s);
    ck_assert(!side_file_exists(p, "-journal"));
    ck_assert_int_eq(raw_count(p, "SELECT count(*) FROM bars"), bars);
    ck_assert_int_eq(raw_count(p, "SELECT count(*) FROM sqlite_master WHERE "
                                  "name = 'junk'"),
                     0);
    tmp_remove(p);
}
END_TEST

/* Open `path` read-only in a child that may not write the store or its
 * directory (as user 65534 when run as root) and return hs_store_open's
 * code, its message in msg. */
static int open_as_reader(const char *path, char *msg, size_t n)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        hs_store *s = NULL;
        char out[2048];
        close(fds[0]);
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(5);
        int rc = hs_store_open(&s, path, HS_STORE_READONLY);
        hs_store_close(s);
        int len = snprintf(out, sizeof out, "%d %s", rc, hs_error_last());
        if (write(fds[1], out, (size_t)len) != len)
            _exit(6);
        _exit(0);
    }
    close(fds[1]);
    size_t got = 0;
    ssize_t r;
    while (got + 1 < n && (r = read(fds[0], msg + got, n - 1 - got)) > 0)
        got += (size_t)r;
    msg[got] = '\0';
    close(fds[0]);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(got > 0, "reader child wrote nothing (status %d)", status);
    char *sp = strchr(msg, ' ');
    ck_assert_ptr_nonnull(sp);
    *sp = '\0';
    int rc = atoi(msg);
    memmove(msg, sp + 1, strlen(sp + 1) + 1);
    return rc;
}

/* A store in a directory of its own, for tests that change permissions. */
static void private_store(char *dir, size_t dn, char *path, size_t pn)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, dn, "%s/hs_storedir_XXXXXX", t && *t ? t : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, pn, "%s/s.db", dir);
    fill_small(path);
}

static void remove_private_store(const char *dir, const char *path)
{
    static const char *const sides[] = {"", "-journal", "-wal", "-shm"};
    char f[600];
    chmod(dir, 0700);
    for (size_t i = 0; i < 4; i++) {
        snprintf(f, sizeof f, "%s%s", path, sides[i]);
        unlink(f);
    }
    rmdir(dir);
}

/* When the reader may not roll the journal back, it is told what happened
 * and what to run; never that the store is corrupt.  The journal stays. */
START_TEST(test_hot_journal_readonly_place)
{
    char dir[256], path[300], msg[2048];
    hs_store *s = NULL;
    private_store(dir, sizeof dir, path, sizeof path);
    long long bars = raw_count(path, "SELECT count(*) FROM bars");
    kill_writer(path);
    ck_assert_int_eq(chmod(path, 0444), 0);
    ck_assert_int_eq(chmod(dir, 0555), 0);

    int rc = open_as_reader(path, msg, sizeof msg);
    ck_assert_msg(rc == HS_EDB, "rc %d: %s", rc, msg);
    ck_assert_msg(strstr(msg, "interrupted") && strstr(msg, "-journal") &&
                      strstr(msg, "hedgesim info --db") &&
                      strstr(msg, "Do not delete") && !strstr(msg, "corrupt"),
                  "message: %s", msg);
    ck_assert(side_file_exists(path, "-journal"));

    /* Once the place is writable again, the next reader repairs it. */
    ck_assert_int_eq(chmod(dir, 0755), 0);
    ck_assert_int_eq(chmod(path, 0644), 0);
    ck_assert_int_eq(hs_store_open(&s, path, HS_STORE_READONLY), 0);
    hs_store_close(s);
    ck_assert(!side_file_exists(path, "-journal"));
    ck_assert_int_eq(raw_count(path, "SELECT count(*) FROM bars"), bars);
    remove_private_store(dir, path);
}
END_TEST

/* A WAL store where the reader may not create the log's index. */
START_TEST(test_wal_readonly_place)
{
    char dir[256], path[300], msg[2048];
    private_store(dir, sizeof dir, path, sizeof path);
    raw_exec(path, "PRAGMA journal_mode = WAL");
    ck_assert_int_eq(chmod(path, 0444), 0);
    ck_assert_int_eq(chmod(dir, 0555), 0);
    int rc = open_as_reader(path, msg, sizeof msg);
    ck_assert_msg(rc == HS_EDB, "rc %d: %s", rc, msg);
    ck_assert_msg(strstr(msg, "WAL mode") && strstr(msg, "hedgesim info --db") &&
                      !strstr(msg, "corrupt"),
                  "message: %s", msg);
    ck_assert(!side_file_exists(path, "-wal"));
    ck_assert(!side_file_exists(path, "-shm"));
    remove_private_store(dir, path);
}
END_TEST

/* A read-only open of a store in WAL mode leaves no -wal or -shm file. */
START_TEST(test_wal_readonly_leaves_nothing)
{
    char *p = tmp_path("wal");
    hs_store *s = NULL;
    char buf[64];
    fill_small(p);
    raw_exec(p, "PRAGMA journal_mode = WAL");
    ck_assert(!side_file_exists(p, "-wal"));
    ck_assert(!side_file_exists(p, "-shm"));

    ck_assert_int_eq(hs_store_open(&s, p, HS_STORE_READONLY), 0);
    ck_assert_int_eq(hs_store_meta(s, "application", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "hedgesim");
    /* Still read-only: the store refuses writes. */
    ck_assert_int_eq(hs_store_begin(s), HS_EINVAL);
    hs_store_close(s);
    ck_assert(!side_file_exists(p, "-wal"));
    ck_assert(!side_file_exists(p, "-shm"));
    tmp_remove(p);
}
END_TEST

/* A read snapshot sees the store as it was when it began: in WAL mode a
 * writer commits meanwhile, and the snapshot sees neither its rows nor its
 * digest until it ends.  Pairs nest; inside a write transaction they
 * neither end nor commit it. */
START_TEST(test_snapshot)
{
    char *p = tmp_path("snap");
    hs_store *r = NULL, *w = NULL;
    hs_instrument ins;
    char d0[65], d1[65];
    fill_small(p);
    raw_exec(p, "PRAGMA journal_mode = WAL");
    ck_assert_int_eq(hs_store_open(&r, p, HS_STORE_READONLY), 0);
    ck_assert_int_eq(hs_store_snapshot_begin(r), 0);
    ck_assert_int_eq(hs_store_snapshot_begin(r), 0); /* nested */
    ck_assert_int_eq(hs_store_digest(r, d0, NULL), 0);

    ck_assert_int_eq(hs_store_open(&w, p, HS_STORE_WRITE), 0);
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    o.symbol = "Y";
    ck_assert_int_eq(hs_import_file(w, "tests/data/generic_iso.csv", &o, NULL),
                     0);
    ck_assert_int_eq(hs_store_instrument(w, "Y", &ins), 0);

    ck_assert_int_eq(hs_store_instrument(r, "Y", &ins), HS_ENOTFOUND);
    ck_assert_int_eq(hs_store_digest(r, d1, NULL), 0);
    ck_assert_str_eq(d1, d0);
    hs_store_snapshot_end(r); /* the inner pair: still the old view */
    ck_assert_int_eq(hs_store_instrument(r, "Y", &ins), HS_ENOTFOUND);
    hs_store_snapshot_end(r);
    ck_assert_int_eq(hs_store_instrument(r, "Y", &ins), 0);
    ck_assert_int_eq(hs_store_digest(r, d1, NULL), 0);
    ck_assert_str_ne(d1, d0);
    hs_store_snapshot_end(r); /* unpaired: harmless */
    hs_store_snapshot_end(NULL);

    /* Inside a write transaction: nothing begins, nothing is committed. */
    ck_assert_int_eq(hs_store_begin(w), 0);
    ck_assert_int_eq(hs_store_snapshot_begin(w), 0);
    hs_store_snapshot_end(w);
    ck_assert_int_eq(hs_store_commit(w), 0); /* still open until here */
    hs_store_close(w);
    hs_store_close(r);
    tmp_remove(p);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("schema");
    tcase_add_test(tc, test_create_schema);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_garbage_file);
    tcase_add_test(tc, test_truncated_file);
    tcase_add_test(tc, test_empty_file);
    tcase_add_test(tc, test_not_hedgesim);
    tcase_add_test(tc, test_newer_version);
    tcase_add_test(tc, test_migrate_v0);
    tcase_add_test(tc, test_readonly_refuses_writes);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    tc = tcase_create("interrupted");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_hot_journal_rolled_back);
    tcase_add_test(tc, test_hot_journal_readonly_place);
    tcase_add_test(tc, test_wal_readonly_leaves_nothing);
    tcase_add_test(tc, test_snapshot);
    tcase_add_test(tc, test_wal_readonly_place);
    suite_add_tcase(s, tc);
    tc = tcase_create("read");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_readers);
    tcase_add_test(tc, test_writer_and_quote_cursor);
    tcase_add_test(tc, test_info_embedded);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return hs_test_main(store_suite());
}
