/* The SQLite market store: schema, read access for runs, and importers.
 *
 * A store is one SQLite file holding instruments, OHLCV bars, perp funding,
 * option quotes, volatility-index series and risk-free rates, each row group
 * tagged with its `source` ("binance", "deribit", "fred", "model:<name>").
 * Timestamps are int64 milliseconds UTC.  The schema is versioned in the
 * `meta` table; see docs/store-schema.md.
 *
 * Runs open the store read-only.  Every import is one transaction: a failed
 * import leaves the store exactly as it was. */
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
 * (Binance USDT-margined), "XBTUSD" (BitMEX inverse), indices "BTC-DVOL",
 * options by exchange name ("BTC-22MAY20-9250-P"). */
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
    int64_t ts;  /* settlement time, ms UTC (rounded to the second) */
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

/* Open a store.  Read-only opens refuse a file that is missing, is not a
 * hedgesim store, is corrupt, or has a schema newer than this library
 * (HS_ESCHEMA, message says what to do); an older schema opened with
 * HS_STORE_WRITE is migrated in one transaction.  *out is NULL on failure. */
int hs_store_open(hs_store **out, const char *path, int flags);
void hs_store_close(hs_store *store); /* NULL is harmless */

/* The store's schema version as read from meta. */
int hs_store_schema_version(const hs_store *store);
/* The file path the store was opened with (borrowed). */
const char *hs_store_path(const hs_store *store);

/* Look an instrument up by symbol.  0, HS_ENOTFOUND (message names it), or
 * HS_EDB. */
int hs_store_instrument(hs_store *store, const char *symbol,
                        hs_instrument *out);

/* All instruments of a kind (kind < 0: every kind), ordered by symbol.
 * *out is malloc'ed and owned by the caller (free()). */
int hs_store_instruments(hs_store *store, int kind, hs_instrument **out,
                         size_t *n);

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

/* Summary of one instrument's series for `hedgesim info`. */
typedef struct hs_series_info {
    hs_instrument inst;
    const char *table; /* "bars", "funding", "option_quotes", "index" */
    int64_t first_ts, last_ts;
    long long rows;
    long long gaps; /* missing steps on the series' own grid */
    int64_t step_ms; /* the grid inferred for the series (0 if unknown) */
} hs_series_info;

int hs_store_series_info(hs_store *store, hs_series_info **out, size_t *n);

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
    HS_FMT_DERIBIT_USD      /* snapshot with USD bid/ask and greeks */
} hs_format;

const char *hs_format_name(hs_format f);
int hs_format_parse(const char *name, hs_format *out);

typedef struct hs_import_opts {
    hs_format format;
    const char *symbol;   /* target instrument symbol (e.g. "SOL") */
    hs_kind kind;         /* kind of the target instrument */
    const char *source;   /* provenance tag, e.g. "binance" (default: format's) */
    const char *venue;    /* venue (default: derived from the format) */
    const char *underlying; /* for perps/options/indices */
    int64_t snapshot_ts;  /* chain snapshots without a time column: the
                           * snapshot time (0: from the file if it has one) */
    int drop_last;        /* 1: drop the newest bar (a partial day) */
    int progress;         /* 1: progress on stderr for large files */
} hs_import_opts;

#define HS_IMPORT_OPTS_INIT                                                    \
    {.format = HS_FMT_GENERIC, .kind = HS_KIND_SPOT, .drop_last = 0,           \
     .progress = 0}

typedef struct hs_import_stats {
    long long rows_read;       /* data rows in the file */
    long long rows_inserted;   /* new rows written */
    long long rows_unchanged;  /* rows already in the store, same values */
    long long duplicates;      /* identical duplicate rows dropped */
    long long gaps;            /* missing steps (reported, not errors) */
    long long skipped;         /* rows skipped by rule (e.g. FRED '.') */
    int64_t first_ts, last_ts;
} hs_import_stats;

/* Import one file as one transaction.  Validation errors name the file,
 * line and field (HS_EPARSE or HS_EDATA); on any error the store is
 * unchanged.  Importing the same file again is idempotent; a row that
 * conflicts with one already stored (same key, other values) is an error. */
int hs_import_file(hs_store *store, const char *path,
                   const hs_import_opts *opts, hs_import_stats *stats);

/* Build a store from an embedded dataset folder: reads DIR/manifest.csv
 * (columns file,format,symbol,kind,underlying,source,options) and imports every
 * listed file, all in one transaction. */
int hs_import_manifest(hs_store *store, const char *dir, int progress,
                       hs_import_stats *total);

#endif
