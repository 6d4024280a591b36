/* The SQLite market store: schema, read access for runs, writing, and
 * importers.  The store module is the only code that speaks SQL: everything
 * else (chain replay, market history, the command-line tool) goes through
 * this header.
 *
 * A store is one SQLite file holding instruments, OHLCV bars, perp funding,
 * option quotes, volatility-index series and risk-free rates, each row group
 * tagged with its `source` ("binance", "deribit", "fred", "model:<name>").
 * Timestamps are int64 milliseconds UTC.  The schema is versioned in the
 * `meta` table; see docs/store-schema.md.
 *
 * Runs open the store read-only.  Every import is one transaction: a failed
 * import leaves the store exactly as it was.
 *
 * A store handle caches prepared statements: use it from one thread at a
 * time (open one handle per thread; a read-only open costs well under a
 * millisecond). */
#ifndef HEDGESIM_STORE_H
#define HEDGESIM_STORE_H

#include <stddef.h>
#include <stdint.h>

/* The schema version this library writes and reads. */
#define HS_STORE_SCHEMA_VERSION 1

typedef struct hs_store hs_store;

typedef enum hs_kind {
    HS_KIND_SPOT = 0,
    HS_KIND_PERP = 1,
    HS_KIND_FUTURE = 2,
    HS_KIND_OPTION = 3,
    HS_KIND_INDEX = 4
} hs_kind;

/* "spot", "perp", ...; NULL for an invalid kind. */
const char *hs_kind_name(hs_kind kind);
/* Parse a kind name; 0 or HS_EINVAL. */
int hs_kind_parse(const char *name, hs_kind *out);

/* One instrument.  Symbols: spot "BTC" (quote USDT), perps "BTC-PERP"
 * (Binance USDT-margined), "XBTUSD" (BitMEX inverse), "BTC-PERPETUAL"
 * (Deribit inverse), indices "BTC-DVOL", options by exchange name
 * ("BTC-22MAY20-9250-P").  A series with another bar length than daily is
 * its own instrument named "<symbol>.<step>": "BTC.1h" holds hourly BTC
 * bars.  Symbols are 1..47 characters of [A-Za-z0-9._-]. */
typedef struct hs_instrument {
    int64_t id;
    char symbol[48];
    hs_kind kind;
    char underlying[16]; /* "BTC" for BTC-PERP and BTC options; "" if none */
    char quote[16];      /* "USDT", "USD", "BTC" (inverse), "%" (DVOL) */
    char venue[16];      /* "binance", "bitmex", "deribit", "fred", ... */
    char source[48];     /* provenance of the rows: exchange or "model:<name>" */
    int inverse;         /* 1: coin-margined / coin-quoted contract */
    int64_t expiry;      /* options and futures: expiry ms UTC, else 0 */
    double strike;       /* options: strike in USD, else 0 */
    char right;          /* options: 'C' or 'P', else 0 */
    double multiplier;   /* contract size in units of the underlying (1) */
} hs_instrument;

typedef struct hs_bar {
    int64_t ts; /* bar open time, ms UTC; the bar is known at its close */
    double open, high, low, close, volume; /* volume in base units */
} hs_bar;

typedef struct hs_funding {
    int64_t ts;  /* settlement time, ms UTC (exchange jitter rounded away) */
    double rate; /* fraction of notional per interval; > 0: longs pay shorts */
    double interval_hours;
} hs_funding;

typedef struct hs_rate {
    int64_t ts;  /* day, ms UTC */
    double rate; /* annualised, as a decimal (5.33 % -> 0.0533) */
} hs_rate;

/* Flags for hs_store_open. */
#define HS_STORE_READONLY 0x0 /* runs: the file must exist */
#define HS_STORE_WRITE 0x1    /* importers: create or upgrade the schema */

/* Open a store.  Read-only opens refuse a file that is missing
 * (HS_ENOTFOUND), is corrupt or not an SQLite file (HS_EDB), is an SQLite
 * file but not a hedgesim store, has a schema newer than this library, or an
 * older one (HS_ESCHEMA); every message names the path and says what to do.
 * With HS_STORE_WRITE a missing or empty file gets the current schema and an
 * older schema is migrated in one transaction (never a non-hedgesim or newer
 * one).  *out is NULL on failure. */
int hs_store_open(hs_store **out, const char *path, int flags);
void hs_store_close(hs_store *store); /* NULL is harmless */

/* The store's schema version as read from meta. */
int hs_store_schema_version(const hs_store *store);
/* The file path the store was opened with (borrowed). */
const char *hs_store_path(const hs_store *store);

/* The value of meta key `key` copied into buf (at most `size` bytes with the
 * terminator).  0, HS_ENOTFOUND or HS_EDB. */
int hs_store_meta(hs_store *store, const char *key, char *buf, size_t size);

/* The store's content digest: a SHA-256 hash chain over every row ever
 * written, updated by each write transaction (every import, every
 * `hedgesim chains`) and kept in meta, so that a run identifies its data
 * without reading the file.  With d0 = SHA-256 of nothing, each committed
 * transaction T that adds rows gives
 *     d = SHA-256(hex(d_prev) || SHA-256(rows of T, in the order written))
 * (docs/store-schema.md gives the encoding of a row).  hex[65] gets the
 * lowercase hex digest, *rows (may be NULL) the number of rows hashed.
 * 0, HS_ENOTFOUND (a store written before content digests: rebuild it to
 * get one; hex is ""), HS_EDB. */
int hs_store_digest(hs_store *store, char hex[65], long long *rows);

/* A read snapshot: from hs_store_snapshot_begin to the matching
 * hs_store_snapshot_end (or hs_store_close), every read sees the store as
 * it was at the call, whatever another process commits meanwhile (one
 * SQLite read transaction).  A writer's commit waits for the snapshot to
 * end, up to the busy timeout (5 s), then fails and changes nothing.
 * Pairs nest; inside a write transaction they do nothing (that transaction
 * is already one view).  begin: 0 or HS_EDB.  NULL is harmless in end. */
int hs_store_snapshot_begin(hs_store *store);
void hs_store_snapshot_end(hs_store *store);

/* Full integrity check (PRAGMA integrity_check; reads every page, so it is
 * not done on open).  0 or HS_EDB with the first problem in the message. */
int hs_store_check(hs_store *store);

/* Look an instrument up by symbol.  0, HS_ENOTFOUND (message names it), or
 * HS_EDB. */
int hs_store_instrument(hs_store *store, const char *symbol,
                        hs_instrument *out);

/* All instruments of a kind (kind < 0: every kind), ordered by symbol.
 * *out is malloc'ed and owned by the caller (free()). */
int hs_store_instruments(hs_store *store, int kind, hs_instrument **out,
                         size_t *n);

/* The range reads below return NAN for a value the store holds as NULL
 * or text (possible only in a file another tool wrote); the history
 * loader refuses it (market.h). */

/* Bars of an instrument with t0 <= ts < t1, ascending.  *out malloc'ed,
 * caller frees; *n may be 0. */
int hs_store_bars(hs_store *store, int64_t instrument_id, int64_t t0,
                  int64_t t1, hs_bar **out, size_t *n);

/* Funding settlements of a perp with t0 <= ts < t1, ascending. */
int hs_store_funding(hs_store *store, int64_t instrument_id, int64_t t0,
                     int64_t t1, hs_funding **out, size_t *n);

/* A named rate series ("DFF", "DGS1MO", "DGS10") with t0 <= ts < t1. */
int hs_store_rates(hs_store *store, const char *series, int64_t t0, int64_t t1,
                   hs_rate **out, size_t *n);

/* Index levels (kind index, e.g. "BTC-DVOL") with t0 <= ts < t1, ascending,
 * as bars with volume 0.  DVOL levels are annualised percent (47.5 means
 * 47.5 %), as published.  *out malloc'ed, caller frees. */
int hs_store_index(hs_store *store, int64_t instrument_id, int64_t t0,
                   int64_t t1, hs_bar **out, size_t *n);

/* One option quote of a chain snapshot.  Prices are in `price_unit`:
 * "BTC"/"ETH" for Deribit's coin-quoted prices, "USD" where the file gave
 * dollars; multiply by the underlying price to get USD.  Missing values are
 * NAN (an empty side of the book, a field the source lacks).  IVs are
 * annualised decimals (0.7687 = 76.87 %).  Greeks as the exchange reported
 * them (Deribit: delta in underlying units, gamma per USD, vega and theta in
 * USD per vol point and per day). */
typedef struct hs_option_quote {
    int64_t ts;            /* snapshot time, ms UTC */
    int64_t instrument_id; /* the option (see hs_store_instrument) */
    char symbol[48];       /* "BTC-22MAY20-9250-P" */
    int64_t expiry;        /* ms UTC */
    double strike;         /* USD */
    char right;            /* 'C' or 'P' */
    double bid, ask, mark; /* in price_unit; NAN if absent */
    double iv, bid_iv, ask_iv;          /* decimals; NAN if absent */
    double underlying_price;            /* forward/future the exchange used */
    double index_price;                 /* spot index; NAN if absent */
    double delta, gamma, vega, theta;   /* NAN if absent */
    char price_unit[4];                 /* "BTC", "ETH" or "USD" */
    char source[48];                    /* "deribit", "model:<name>", ... */
} hs_option_quote;

/* Snapshot times of the option chains on `underlying` with t0 <= ts < t1,
 * ascending.  *out malloc'ed, caller frees; *n may be 0. */
int hs_store_option_snapshots(hs_store *store, const char *underlying,
                              int64_t t0, int64_t t1, int64_t **out,
                              size_t *n);

/* The chain on `underlying` at snapshot `ts`, ordered by expiry, strike,
 * right.  Rows of every source are returned, each with its `source`: a
 * caller that must not mix exchange quotes with modeled ones filters on it
 * or uses the quote cursor below (as the chain replay in chain.h does).  *out malloc'ed, caller frees; *n is 0 if there is no such
 * snapshot. */
int hs_store_option_chain(hs_store *store, const char *underlying, int64_t ts,
                          hs_option_quote **out, size_t *n);

/* ------------------------------------------- option quotes by source tag
 * The chain replay streams snapshots through these.  `source` selects rows
 * by their source tag: NULL takes exchange data only (every source that
 * does not begin with "model:"), "tag" exactly that source, "prefix*" every
 * source beginning with the prefix ("model:*").  An underlying has 1..15
 * characters, a filter 1..47; others are HS_EINVAL. */

/* Distinct snapshot times of the quotes on `underlying` matching `source`,
 * with t0 <= ts < t1, ascending.  *out malloc'ed, caller frees (free());
 * *n may be 0.  0, HS_EINVAL, HS_ENOMEM or HS_EDB. */
int hs_store_quotes_times(hs_store *store, const char *underlying,
                          const char *source, int64_t t0, int64_t t1,
                          int64_t **out, size_t *n);

/* A cursor over the quotes of one snapshot: the rows on `underlying` with
 * ts equal to the snapshot time and a source matching `source`, ordered by
 * expiry, right ('C' before 'P'), strike, then source and symbol (so that
 * the same contract from two sources comes out adjacent, the first source
 * in alphabetical order first).  The cursor holds one prepared statement:
 * open it once and seek it to each snapshot; memory does not grow with
 * the snapshot's size.  It borrows the store: close cursors before the
 * store (one left open keeps the SQLite connection alive until it is
 * closed, but must not be used after hs_store_close). */
typedef struct hs_store_quotes hs_store_quotes;

/* Open a cursor positioned before the first quote of snapshot `ts`.  *out
 * is the caller's (hs_store_quotes_close); NULL on failure.  0, HS_EINVAL,
 * HS_ENOMEM or HS_EDB. */
int hs_store_quotes_open(hs_store_quotes **out, hs_store *store,
                         const char *underlying, const char *source,
                         int64_t ts);
/* Restart the cursor before the first quote of snapshot `ts` (another time
 * or the same one again).  0 or HS_EINVAL (NULL cursor). */
int hs_store_quotes_seek(hs_store_quotes *cur, int64_t ts);
/* The next quote into *q (every field filled; NAN for absent values).
 * 0, HS_ITEROVER after the last one (and on every later call until a
 * seek), HS_EINVAL or HS_EDB. */
int hs_store_quotes_next(hs_store_quotes *cur, hs_option_quote *q);
/* NULL is harmless. */
void hs_store_quotes_close(hs_store_quotes *cur);

/* ----------------------------------------------------------------- writing
 * Importers and generators (the `chains` command) write through these,
 * inside one transaction.  The store must be opened with HS_STORE_WRITE. */

/* BEGIN IMMEDIATE: HS_EINVAL for a read-only store, HS_EDB if another
 * writer holds the file. */
int hs_store_begin(hs_store *store);
/* COMMIT: 0 or HS_EDB. */
int hs_store_commit(hs_store *store);
/* ROLLBACK if a transaction is open; never fails loudly and keeps the
 * current error message.  NULL is harmless. */
void hs_store_rollback(hs_store *store);

/* Find `want->symbol` and put its row id in *id; create the instrument
 * from `want` if it is absent.  An existing instrument with another kind,
 * inverse flag, or (options) expiry, strike or right is HS_EDATA; a bad
 * symbol HS_EINVAL; messages begin with `where` (NULL: the store's path).
 * HS_EDB on a database error. */
int hs_store_ensure_instrument(hs_store *store, const hs_instrument *want,
                               const char *where, int64_t *id);

/* Outcome of a put: a new row, an identical row already stored, or a row
 * with the same key and other values (nothing written; the caller reports
 * it, so that an import never overwrites data silently). */
enum {
    HS_STORE_PUT_NEW = 0,
    HS_STORE_PUT_SAME = 1,
    HS_STORE_PUT_CONFLICT = 2
};

/* Add one option quote: q->ts, q->instrument_id (from
 * hs_store_ensure_instrument), the values (NAN is stored as NULL) and
 * q->price_unit; q->symbol, expiry, strike, right and q->source are not
 * used: the row's source tag is `source`.  *outcome gets HS_STORE_PUT_*.
 * 0, HS_EINVAL (NULL argument) or HS_EDB. */
int hs_store_put_option(hs_store *store, const hs_option_quote *q,
                        const char *source, int *outcome);

/* Summary of one instrument's series for `hedgesim info`. */
typedef struct hs_series_info {
    hs_instrument inst;
    const char *table; /* "bars", "funding" or "index" (static strings) */
    int64_t first_ts, last_ts;
    long long rows;
    long long gaps; /* missing steps on the series' own grid */
    int64_t step_ms; /* the grid inferred for the series (0 if unknown) */
    int calendar;    /* daily bars and index levels: the hs_calendar the
                      * series keeps (hs_cal_infer), on which `gaps` are
                      * counted; else -1 */
} hs_series_info;

/* One entry per series of every non-option instrument (a perp with bars and
 * funding has two), ordered by symbol then table.  Bars and index levels
 * use the most frequent spacing as their step; funding uses each row's own
 * interval.  Option contracts are summarised by hs_store_option_info.
 * *out malloc'ed, caller frees. */
int hs_store_series_info(hs_store *store, hs_series_info **out, size_t *n);

/* Option quotes summarised per underlying, price unit and source. */
typedef struct hs_option_info {
    char underlying[16];
    char price_unit[4];
    char source[48];
    long long snapshots; /* distinct snapshot times */
    long long contracts; /* distinct instruments */
    long long rows;      /* quote rows */
    int64_t first_ts, last_ts;
} hs_option_info;

int hs_store_option_info(hs_store *store, hs_option_info **out, size_t *n);

/* Rate series summary.  Gaps are missing days on the series' grid: every
 * calendar day, or weekdays only for a series that never has a weekend
 * observation (Treasury yields; their holidays count as gaps). */
typedef struct hs_rate_info {
    char series[48];
    char source[48];
    int64_t first_ts, last_ts;
    long long rows;
    long long gaps;
    int weekdays; /* 1: the grid is Monday..Friday */
} hs_rate_info;

int hs_store_rate_info(hs_store *store, hs_rate_info **out, size_t *n);

/* ------------------------------------------------------------------ import */

/* Formats understood by the importer.  See docs/csv-format.md. */
typedef enum hs_format {
    HS_FMT_GENERIC = 0,   /* ts,open,high,low,close,volume (header required) */
    HS_FMT_CDD,           /* CryptoDataDownload Binance spot/perp OHLCV */
    HS_FMT_BINANCE_FUNDING, /* calc_time,funding_interval_hours,last_funding_rate */
    HS_FMT_BITMEX_FUNDING,  /* BitMEX /api/v1/funding dump */
    HS_FMT_DERIBIT_FUNDING, /* Deribit get_funding_rate_history dump */
    HS_FMT_DVOL,            /* date,symbol,open,high,low,close */
    HS_FMT_FRED,            /* DATE,<SERIES> with '.' for missing */
    HS_FMT_DERIBIT_TICKER,  /* Deribit chain snapshot, public/ticker dump */
    HS_FMT_DERIBIT_MARKS,   /* option_type,strike,creation,maturity,... */
    HS_FMT_DERIBIT_USD,     /* snapshot with USD bid/ask and greeks */
    HS_FMT_YFINANCE,        /* Yahoo Finance download (yfinance to_csv) */
    HS_FMT_CCXT,            /* ccxt fetch_ohlcv rows: ms,o,h,l,c,v */
    HS_FMT_COUNT            /* number of formats (not a format) */
} hs_format;

/* "generic", "cdd", "binance-funding", "bitmex-funding", "deribit-funding",
 * "dvol", "fred", "deribit-ticker", "deribit-marks", "deribit-usd",
 * "yfinance", "ccxt"; NULL for an invalid value. */
const char *hs_format_name(hs_format f);
/* One line describing the format (static), "" for an invalid value. */
const char *hs_format_summary(hs_format f);
/* Parse a format name; 0 or HS_EINVAL (message lists the names). */
int hs_format_parse(const char *name, hs_format *out);

/* Progress of an import, for a caller that shows it: the library never
 * prints.  The callback gets one event at a time; `p` and what it points
 * to are borrowed for the call only. */
typedef struct hs_import_stats hs_import_stats;

typedef enum hs_import_event {
    HS_IMPORT_READING = 0,   /* `file` (the path as opened) is `percent` %
                              * read: 10, 20, ... 100, once each, for files
                              * of 1 MiB or more */
    HS_IMPORT_SKIPPED = 1,   /* manifest: `file` (as the manifest names it)
                              * is skipped by its `skip` option */
    HS_IMPORT_FILE_DONE = 2  /* manifest: `file` (as the manifest names it)
                              * is imported; `stats` holds its counts */
} hs_import_event;

typedef struct hs_import_progress {
    hs_import_event event;
    const char *file;
    int percent;                  /* READING: 10..100; FILE_DONE: 100 */
    const hs_import_stats *stats; /* FILE_DONE: the file's counts; else NULL */
} hs_import_progress;

/* A progress callback; `user` is the pointer given with it. */
typedef void (*hs_import_progress_fn)(const hs_import_progress *p,
                                      void *user);

typedef struct hs_import_opts {
    hs_format format;
    const char *symbol;   /* target instrument symbol (e.g. "SOL"); for FRED
                           * the series name (default: the column header);
                           * for option chains ignored (symbols come from
                           * the contracts) */
    hs_kind kind;         /* kind of the target instrument */
    const char *source;   /* provenance tag, e.g. "binance" (default: format's) */
    const char *venue;    /* venue (default: derived from the format) */
    const char *underlying; /* for perps/options/indices (default: derived) */
    const char *quote;    /* quote currency (default: derived from format) */
    int inverse;          /* 1: coin-margined contract (default: format's) */
    int64_t snapshot_ts;  /* chain snapshots without a time column: the
                           * snapshot time (0: from the file if it has one) */
    int drop_last;        /* 1: drop the newest bar (a partial day) */
    int drop_first;       /* 1: drop the oldest bar (a known bad first bar) */
    hs_import_progress_fn progress; /* NULL: no progress reports */
    void *progress_user;            /* handed to `progress` */
    /* Bars (generic, yfinance, ccxt) only: */
    const char *columns;  /* "ts=Date,close=Price,...": the header name of
                           * each of ts, open, high, low, close, volume,
                           * adj_close (NULL: the aliases of
                           * docs/csv-format.md) */
    int adjusted;         /* 1: close = the adjusted close, open/high/low
                           * scaled by adj_close / close (yfinance) */
    int volume_in_quote;  /* 1: the volume column is in the quote currency
                           * (divided by the close to give base units) */
} hs_import_opts;

#define HS_IMPORT_OPTS_INIT                                                    \
    {.format = HS_FMT_GENERIC, .kind = HS_KIND_SPOT, .drop_last = 0,           \
     .progress = NULL, .progress_user = NULL}

struct hs_import_stats {
    long long rows_read;       /* data rows in the file */
    long long rows_inserted;   /* new rows written */
    long long rows_unchanged;  /* rows already in the store, same values */
    long long duplicates;      /* identical duplicate rows dropped */
    long long superseded;      /* rows replaced by a documented format rule
                                * (CDD: the ms-format row of an hour wins) */
    long long dropped;         /* rows dropped by drop_last / drop_first */
    long long gaps;            /* missing steps (reported, not errors) */
    long long skipped;         /* rows skipped by rule (e.g. FRED '.') */
    long long files;           /* files imported (manifest totals) */
    int64_t first_ts, last_ts;
};

/* Import one file as one transaction.  Validation errors name the file,
 * line and field (HS_EPARSE or HS_EDATA); on any error the store is
 * unchanged.  Importing the same file again is idempotent; a row that
 * conflicts with one already stored (same key, other values) is an error.
 * `stats` may be NULL; it is overwritten, not added to. */
int hs_import_file(hs_store *store, const char *path,
                   const hs_import_opts *opts, hs_import_stats *stats);

/* Build a store from an embedded dataset folder: reads DIR/manifest.csv
 * (columns file,format,symbol,kind,underlying,source,options) and imports every
 * listed file, all in one transaction.  `progress` (NULL: none) gets
 * HS_IMPORT_READING events for large files and one HS_IMPORT_SKIPPED or
 * HS_IMPORT_FILE_DONE per listed file, with `user`.  `total` (may be
 * NULL) gets the sums over all files. */
int hs_import_manifest(hs_store *store, const char *dir,
                       hs_import_progress_fn progress, void *user,
                       hs_import_stats *total);

/* Build the store file `db_path` from DIR/manifest.csv: into a temporary
 * file next to it (`db_path`-build-PID), renamed over `db_path` only when
 * everything succeeded (a failure leaves no file behind and any existing
 * store untouched).  Temporary files of earlier builds of `db_path` whose
 * process no longer exists on this machine (killed part-way) are removed
 * first.  Two threads of one process must not build the same path at
 * once.  An
 * existing `db_path` is HS_EEXISTS unless `force`.  Uses settings for a
 * fresh bulk load (journal in memory, no syncs until the final fsync). */
int hs_import_build(const char *dir, const char *db_path, int force,
                    hs_import_progress_fn progress, void *user,
                    hs_import_stats *total);

#endif
