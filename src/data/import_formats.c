/* The importers' lowest layer: the table of file formats (names, one-line
 * summaries, the kind each imports and its default venue, source, quote),
 * and the helpers every importer shares: option fallbacks, progress
 * reports through the caller's callback, and CSV header and error helpers.
 * It calls nothing above it (import.c, import_series.c, import_options.c
 * call down into it; see import_int.h). */
#include "import_int.h"

#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- formats */

static const hs_import__format_info formats[HS_FMT_COUNT] = {
    [HS_FMT_GENERIC] = {"generic",
                        "ts,open,high,low,close,volume with a header; ts in "
                        "UTC milliseconds or ISO-8601 (common header names "
                        "accepted)",
                        -1, "", "csv", "USD", 0},
    [HS_FMT_CDD] = {"cdd",
                    "CryptoDataDownload Binance OHLCV (banner line, unix ms "
                    "or s, newest first)",
                    -1, "binance", "binance", "USDT", 0},
    [HS_FMT_BINANCE_FUNDING] = {"binance-funding",
                                "Binance USD-M funding: calc_time,"
                                "funding_interval_hours,last_funding_rate",
                                HS_KIND_PERP, "binance", "binance", "USDT", 0},
    [HS_FMT_BITMEX_FUNDING] = {"bitmex-funding",
                               "BitMEX /api/v1/funding dump: timestamp,symbol,"
                               "fundingInterval,fundingRate,...",
                               HS_KIND_PERP, "bitmex", "bitmex", "USD", 1},
    [HS_FMT_DERIBIT_FUNDING] = {"deribit-funding",
                                "Deribit perpetual funding history: "
                                "timestamp (ms), interest_1h (hourly)",
                                HS_KIND_PERP, "deribit", "deribit", "USD", 1},
    [HS_FMT_DVOL] = {"dvol",
                     "Deribit DVOL index: date,symbol,open,high,low,close "
                     "(percent)",
                     HS_KIND_INDEX, "deribit", "deribit", "%", 0},
    [HS_FMT_FRED] = {"fred",
                     "FRED series: DATE,<SERIES> in percent, '.' for missing",
                     -2, "fred", "fred", "", 0},
    [HS_FMT_DERIBIT_TICKER] = {"deribit-ticker",
                               "Deribit option chain, public/ticker dump "
                               "(coin prices, per-row timestamp)",
                               HS_KIND_OPTION, "deribit", "deribit", NULL, 1},
    [HS_FMT_DERIBIT_MARKS] = {"deribit-marks",
                              "Deribit option marks: option_type,strike,"
                              "creation,maturity,mark_price,...",
                              HS_KIND_OPTION, "deribit", "deribit", NULL, 1},
    [HS_FMT_DERIBIT_USD] = {"deribit-usd",
                            "Deribit option chain with USD bid/ask, IVs and "
                            "greeks (two header variants)",
                            HS_KIND_OPTION, "deribit", "deribit", NULL, 1},
    [HS_FMT_YFINANCE] = {"yfinance",
                         "Yahoo Finance download: Date,Open,High,Low,Close,"
                         "Adj Close,Volume (or the Price/Ticker/Date header)",
                         -1, "", "yahoo", "USD", 0},
    [HS_FMT_CCXT] = {"ccxt",
                     "ccxt fetch_ohlcv rows: timestamp (ms),open,high,low,"
                     "close,volume, with or without a header",
                     -1, "", "ccxt", "USDT", 0},
};

const char *hs_format_name(hs_format f)
{
    return ((int)f >= 0 && f < HS_FMT_COUNT) ? formats[f].name : NULL;
}

const char *hs_format_summary(hs_format f)
{
    return ((int)f >= 0 && f < HS_FMT_COUNT) ? formats[f].summary : "";
}

int hs_format_parse(const char *name, hs_format *out)
{
    for (int f = 0; f < HS_FMT_COUNT; f++)
        if (name && strcmp(name, formats[f].name) == 0) {
            *out = (hs_format)f;
            return 0;
        }
    return hs_error_set(HS_EINVAL,
                        "unknown format '%s' (expected generic, cdd, "
                        "binance-funding, bitmex-funding, deribit-funding, "
                        "dvol, fred, deribit-ticker, deribit-marks, "
                        "deribit-usd, yfinance or ccxt)",
                        name ? name : "");
}

hs_kind hs_import__default_kind(hs_format f)
{
    return formats[f].kind >= 0 ? (hs_kind)formats[f].kind : HS_KIND_SPOT;
}


const hs_import__format_info *hs_import__format(hs_format f)
{
    return ((int)f >= 0 && f < HS_FMT_COUNT) ? &formats[f] : NULL;
}

const char *hs_import__or(const char *value, const char *fallback)
{
    return (value && *value) ? value : fallback;
}

void hs_import__progress(const hs_csv *c, const hs_import_opts *o, int *last)
{
    long long size = hs_csv_size(c);
    if (!o->progress || size < HS_IMPORT_PROGRESS_MIN_BYTES)
        return;
    int dec = (int)(hs_csv_offset(c) * 10 / size);
    if (dec > *last && dec >= 1) {
        hs_import_progress p = {HS_IMPORT_READING, hs_csv_path(c), dec * 10,
                                NULL};
        *last = dec;
        o->progress(&p, o->progress_user);
    }
}

/* ---------------------------------------------------------- CSV helpers */

int hs_import__need_column(const hs_csv *c, const char *name, int *col)
{
    *col = hs_csv_column(c, name);
    if (*col < 0)
        return hs_error_set(HS_EPARSE, "%s:%ld: no column '%s' in the header",
                            hs_csv_path(c), hs_csv_line(c), name);
    return 0;
}


/* HS_EDATA "FILE:LINE: field 'F': <message>". */
int hs_import__bad(const hs_csv *c, const char *field, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hs_error_set(HS_EDATA, "%s:%ld: field '%s': %s", hs_csv_path(c),
                        hs_csv_line(c), field, msg);
}

int hs_import__parse_time(const char *text, int64_t *ts)
{
    const char *p = text;
    size_t ndig = 0;
    while (isspace((unsigned char)*p))
        p++;
    const char *q = p + (*p == '-' || *p == '+');
    while (isdigit((unsigned char)q[ndig]))
        ndig++;
    /* hs_cal_parse_time reads any bare integer as an epoch count (and a
     * negative or short one as a 1969 or 1970 time); a file's epoch times
     * have 13 digits (ms) or 10 (s), without a sign.  Four digits and a '-'
     * start an ISO date. */
    if (ndig > 0 && !(ndig == 4 && q[ndig] == '-')) {
        if (q != p)
            return hs_error_set(HS_EPARSE,
                                "timestamp '%s' has a sign: epoch times are "
                                "milliseconds (13 digits) or seconds (10)",
                                text);
        if (ndig != 10 && ndig != 13)
            return hs_error_set(HS_EPARSE,
                                "timestamp '%s' has %zu digits: epoch times "
                                "are milliseconds (13 digits) or seconds (10)",
                                text, ndig);
    }
    return hs_cal_parse_time(text, ts);
}

int hs_import__time(const hs_csv *c, int col, const char *what, int64_t *ts)
{
    const char *f = hs_csv_field(c, col);
    if (col < 0 || col >= hs_csv_nfields(c) || !*f)
        return hs_error_set(HS_EPARSE, "%s:%ld: field '%s' is missing",
                            hs_csv_path(c), hs_csv_line(c), what);
    int rc = hs_import__parse_time(f, ts);
    if (rc)
        hs_error_prefix("%s:%ld: field '%s': ", hs_csv_path(c),
                        hs_csv_line(c), what);
    return rc;
}

int hs_import__next(hs_csv *c, int nheader)
{
    int rc = hs_csv_next(c);
    if (rc == 0 && hs_csv_nfields(c) > nheader)
        return hs_error_set(HS_EPARSE,
                            "%s:%ld: %d fields, but the header names %d "
                            "columns",
                            hs_csv_path(c), hs_csv_line(c), hs_csv_nfields(c),
                            nheader);
    return rc;
}

int hs_import__read_header(hs_csv *c, const char *col)
{
    int rc = hs_csv_next(c);
    if (rc == HS_ITEROVER)
        return hs_error_set(HS_EPARSE, "%s: empty file", hs_csv_path(c));
    if (rc)
        return rc;
    if (hs_csv_column(c, col) < 0 && hs_csv_nfields(c) <= 2) {
        rc = hs_csv_next(c);
        if (rc == HS_ITEROVER)
            return hs_error_set(HS_EPARSE, "%s: no header line",
                                hs_csv_path(c));
    }
    return rc;
}

