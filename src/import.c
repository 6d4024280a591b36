/* Importers for time series (OHLCV bars, perp funding, DVOL, FRED rates),
 * the embedded-dataset manifest, and the build of a fresh store file.
 * Option chains are imported by import_options.c.  docs/csv-format.md
 * describes every format and rule. */
#include "csv_int.h"
#include "store_int.h"

#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- formats */

typedef struct format_info {
    const char *name;
    const char *summary;
    int kind;          /* the one kind it imports, or -1: spot/perp/future */
    const char *venue; /* defaults for the instrument and its rows */
    const char *source;
    const char *quote; /* NULL: the underlying (coin-quoted options) */
    int inverse;
} format_info;

static const format_info formats[HS_FMT_COUNT] = {
    [HS_FMT_GENERIC] = {"generic",
                        "ts,open,high,low,close,volume with a header; ts in "
                        "UTC milliseconds or ISO-8601",
                        -1, "", "csv", "", 0},
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
                        "dvol, fred, deribit-ticker, deribit-marks or "
                        "deribit-usd)",
                        name ? name : "");
}

/* The kind a format imports when none is given. */
static hs_kind default_kind(hs_format f)
{
    return formats[f].kind >= 0 ? (hs_kind)formats[f].kind : HS_KIND_SPOT;
}

const char *hs_import__or(const char *value, const char *fallback)
{
    return (value && *value) ? value : fallback;
}

void hs_import__progress(const hs_csv *c, int enabled, int *last)
{
    long long size = hs_csv__size(c);
    if (!enabled || size < (1 << 20))
        return;
    int dec = (int)(hs_csv__offset(c) * 10 / size);
    if (dec > *last && dec >= 1) {
        *last = dec;
        fprintf(stderr, "hedgesim import: %s: %d%%\n", hs_csv__path(c),
                dec * 10);
    }
}

/* ------------------------------------------------------------------- rows */

/* One parsed row of a series: bars use v[0..4] = open, high, low, close,
 * volume; index levels v[0..3]; funding v[0] = rate, v[1] = interval hours;
 * rates v[0] = decimal rate. */
typedef struct row {
    int64_t ts;
    double v[5];
    long line;
    int prio; /* CDD: 1 for a row with ms time, 0 for seconds */
} row;

typedef struct rows {
    row *v;
    size_t n, cap;
} rows;

static row *rows_push(rows *r)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 1024;
        row *p = realloc(r->v, nc * sizeof *p);
        if (!p)
            return NULL;
        r->v = p;
        r->cap = nc;
    }
    row *x = &r->v[r->n++];
    memset(x, 0, sizeof *x);
    return x;
}

static int cmp_row(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->prio != y->prio)
        return x->prio > y->prio ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

typedef enum target { T_BARS, T_INDEX, T_FUNDING, T_RATES } target;

static const int target_nv[] = {5, 4, 2, 1};
static const char *const target_fields[][5] = {
    {"open", "high", "low", "close", "volume"},
    {"open", "high", "low", "close", ""},
    {"rate", "interval", "", "", ""},
    {"value", "", "", "", ""},
};

/* ---------------------------------------------------------- field helpers */

static int need_column(const hs_csv *c, const char *name, int *col)
{
    *col = hs_csv__column(c, name);
    if (*col < 0)
        return hs_error_set(HS_EPARSE, "%s:%ld: no column '%s' in the header",
                            hs_csv__path(c), hs_csv__line(c), name);
    return 0;
}

static int field_time(const hs_csv *c, int col, const char *what, int64_t *ts)
{
    const char *f = hs_csv__field(c, col);
    if (col >= hs_csv__nfields(c) || !*f)
        return hs_error_set(HS_EPARSE, "%s:%ld: field '%s' is missing",
                            hs_csv__path(c), hs_csv__line(c), what);
    int rc = hs_cal_parse_time(f, ts);
    if (rc)
        hs_error_prefix("%s:%ld: field '%s': ", hs_csv__path(c),
                        hs_csv__line(c), what);
    return rc;
}

static int bad(const hs_csv *c, const char *field, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* HS_EDATA "FILE:LINE: field 'F': <message>". */
static int bad(const hs_csv *c, const char *field, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hs_error_set(HS_EDATA, "%s:%ld: field '%s': %s", hs_csv__path(c),
                        hs_csv__line(c), field, msg);
}

/* Validate open/high/low/close (and volume when has_volume). */
static int check_ohlc(const hs_csv *c, const double *v, int has_volume)
{
    static const char *const name[] = {"open", "high", "low", "close"};
    for (int i = 0; i < 4; i++)
        if (!(v[i] > 0))
            return bad(c, name[i], "price %.17g is not positive", v[i]);
    if (v[1] < v[2])
        return bad(c, "high", "high %.17g is below low %.17g", v[1], v[2]);
    if (v[0] < v[2] || v[0] > v[1])
        return bad(c, "open",
                   "open %.17g is outside [low, high] = [%.17g, %.17g]", v[0],
                   v[2], v[1]);
    if (v[3] < v[2] || v[3] > v[1])
        return bad(c, "close",
                   "close %.17g is outside [low, high] = [%.17g, %.17g]", v[3],
                   v[2], v[1]);
    if (has_volume && v[4] < 0)
        return bad(c, "volume", "volume %.17g is negative", v[4]);
    return 0;
}

/* Check that a per-row symbol column keeps one value through the file. */
static int same_symbol(const hs_csv *c, int col, char *first, size_t size)
{
    const char *f = hs_csv__field(c, col);
    if (col < 0)
        return 0;
    if (!*first) {
        snprintf(first, size, "%s", f);
        return 0;
    }
    if (strcmp(first, f) != 0)
        return hs_error_set(HS_EDATA,
                            "%s:%ld: field 'symbol': '%s' differs from '%s' "
                            "on earlier rows (one instrument per file)",
                            hs_csv__path(c), hs_csv__line(c), f, first);
    return 0;
}

/* Skip a banner line: if the first record does not name `col`, read the
 * next one as the header. */
static int read_header(hs_csv *c, const char *col)
{
    int rc = hs_csv__next(c);
    if (rc == HS_ITEROVER)
        return hs_error_set(HS_EPARSE, "%s: empty file", hs_csv__path(c));
    if (rc)
        return rc;
    if (hs_csv__column(c, col) < 0 && hs_csv__nfields(c) <= 2) {
        rc = hs_csv__next(c);
        if (rc == HS_ITEROVER)
            return hs_error_set(HS_EPARSE, "%s: no header line",
                                hs_csv__path(c));
    }
    return rc;
}

/* ------------------------------------------------------------ the parsers */

typedef struct parsed {
    rows r;
    char file_symbol[48]; /* DVOL: the symbol column; FRED: the series */
} parsed;

/* generic and cdd OHLCV; with index = 1 the volume column is optional. */
static int parse_ohlcv(hs_csv *c, const hs_import_opts *o, int index, parsed *p,
                       hs_import_stats *st)
{
    int cts, col[5], csym = -1, last = -1, rc;
    int cdd = o->format == HS_FMT_CDD;
    static const char *const name[5] = {"open", "high", "low", "close",
                                        "volume"};

    if ((rc = read_header(c, cdd ? "unix" : "ts")))
        return rc;
    if ((rc = need_column(c, cdd ? "unix" : "ts", &cts)))
        return rc;
    for (int i = 0; i < 4; i++)
        if ((rc = need_column(c, name[i], &col[i])))
            return rc;
    col[4] = -1;
    if (cdd) {
        /* The base-asset volume: the first "Volume <X>" column. */
        for (int i = 0; i < hs_csv__nfields(c); i++)
            if (strncasecmp(hs_csv__field(c, i), "volume", 6) == 0) {
                col[4] = i;
                break;
            }
        csym = hs_csv__column(c, "symbol");
        if (col[4] < 0)
            return hs_error_set(HS_EPARSE,
                                "%s:%ld: no 'Volume <base>' column in the "
                                "header",
                                hs_csv__path(c), hs_csv__line(c));
    } else {
        col[4] = hs_csv__column(c, "volume");
        if (col[4] < 0 && !index)
            return need_column(c, "volume", &col[4]);
    }
    while ((rc = hs_csv__next(c)) == 0) {
        row *x = rows_push(&p->r);
        if (!x)
            return hs_error_set(HS_ENOMEM, "out of memory");
        st->rows_read++;
        x->line = hs_csv__line(c);
        if ((rc = field_time(c, cts, cdd ? "unix" : "ts", &x->ts)))
            return rc;
        if (cdd) {
            /* ms rows (13 digits, no fraction) win over seconds rows */
            const char *u = hs_csv__field(c, cts);
            x->prio = strchr(u, '.') == NULL && strlen(u) >= 12;
            if ((rc = same_symbol(c, csym, p->file_symbol,
                                  sizeof p->file_symbol)))
                return rc;
        }
        for (int i = 0; i < 5; i++) {
            if (col[i] < 0)
                continue;
            if ((rc = hs_csv__double(c, col[i], name[i], &x->v[i])))
                return rc;
        }
        if ((rc = check_ohlc(c, x->v, col[4] >= 0)))
            return rc;
        if (index)
            x->v[4] = 0;
        hs_import__progress(c, o->progress, &last);
    }
    return rc == HS_ITEROVER ? 0 : rc;
}

static int parse_dvol(hs_csv *c, const hs_import_opts *o, parsed *p,
                      hs_import_stats *st)
{
    int cd, cs, col[4], rc, last = -1;
    static const char *const name[4] = {"open", "high", "low", "close"};
    if ((rc = read_header(c, "date")) || (rc = need_column(c, "date", &cd)) ||
        (rc = need_column(c, "symbol", &cs)))
        return rc;
    for (int i = 0; i < 4; i++)
        if ((rc = need_column(c, name[i], &col[i])))
            return rc;
    while ((rc = hs_csv__next(c)) == 0) {
        row *x = rows_push(&p->r);
        if (!x)
            return hs_error_set(HS_ENOMEM, "out of memory");
        st->rows_read++;
        x->line = hs_csv__line(c);
        if ((rc = field_time(c, cd, "date", &x->ts)) ||
            (rc = same_symbol(c, cs, p->file_symbol, sizeof p->file_symbol)))
            return rc;
        for (int i = 0; i < 4; i++)
            if ((rc = hs_csv__double(c, col[i], name[i], &x->v[i])))
                return rc;
        if ((rc = check_ohlc(c, x->v, 0)))
            return rc;
        hs_import__progress(c, o->progress, &last);
    }
    return rc == HS_ITEROVER ? 0 : rc;
}

static int check_rate(const hs_csv *c, const char *field, double rate)
{
    if (fabs(rate) >= 1)
        return bad(c, field,
                   "funding rate %.17g is not a fraction of notional "
                   "(|rate| >= 1)",
                   rate);
    return 0;
}

static int parse_funding(hs_csv *c, const hs_import_opts *o, parsed *p,
                         hs_import_stats *st)
{
    int cts, crate, civ = -1, csym = -1, rc, last = -1;
    const char *ts_name, *rate_name, *iv_name = NULL;
    int64_t epoch2000 = hs_cal_from_civil(2000, 1, 1, 0, 0, 0, 0);

    switch (o->format) {
    case HS_FMT_BINANCE_FUNDING:
        ts_name = "calc_time";
        rate_name = "last_funding_rate";
        iv_name = "funding_interval_hours";
        break;
    case HS_FMT_BITMEX_FUNDING:
        ts_name = "timestamp";
        rate_name = "fundingRate";
        iv_name = "fundingInterval";
        break;
    default: /* Deribit: hourly rows, interest_1h is the hour's funding */
        ts_name = "timestamp";
        rate_name = "interest_1h";
        break;
    }
    if ((rc = read_header(c, ts_name)) ||
        (rc = need_column(c, ts_name, &cts)) ||
        (rc = need_column(c, rate_name, &crate)) ||
        (iv_name && (rc = need_column(c, iv_name, &civ))))
        return rc;
    if (o->format == HS_FMT_BITMEX_FUNDING)
        csym = hs_csv__column(c, "symbol");
    while ((rc = hs_csv__next(c)) == 0) {
        row *x = rows_push(&p->r);
        if (!x)
            return hs_error_set(HS_ENOMEM, "out of memory");
        st->rows_read++;
        x->line = hs_csv__line(c);
        if ((rc = field_time(c, cts, ts_name, &x->ts)) ||
            (rc = hs_csv__double(c, crate, rate_name, &x->v[0])) ||
            (rc = check_rate(c, rate_name, x->v[0])) ||
            (rc = same_symbol(c, csym, p->file_symbol, sizeof p->file_symbol)))
            return rc;
        if (o->format == HS_FMT_BINANCE_FUNDING) {
            /* settlement on the hour, calc_time a few ms late: round */
            int64_t h =
                hs_cal_floor(x->ts + HS_MS_PER_HOUR / 2, HS_MS_PER_HOUR);
            if (llabs(x->ts - h) > HS_MS_PER_MINUTE)
                return bad(c, ts_name,
                           "settlement time is %lld ms away from the hour "
                           "(more than a minute of jitter)",
                           (long long)(x->ts - h));
            x->ts = h;
            if ((rc = hs_csv__double(c, civ, iv_name, &x->v[1])))
                return rc;
        } else if (o->format == HS_FMT_BITMEX_FUNDING) {
            /* the interval is encoded as a time after 2000-01-01 */
            int64_t t;
            if ((rc = field_time(c, civ, iv_name, &t)))
                return rc;
            x->v[1] = (double)(t - epoch2000) / (double)HS_MS_PER_HOUR;
        } else {
            x->v[1] = 1;
        }
        if (!(x->v[1] > 0))
            return bad(c, iv_name ? iv_name : ts_name,
                       "funding interval %.17g h is not positive", x->v[1]);
        hs_import__progress(c, o->progress, &last);
    }
    return rc == HS_ITEROVER ? 0 : rc;
}

static int parse_fred(hs_csv *c, const hs_import_opts *o, parsed *p,
                      hs_import_stats *st)
{
    int cd, rc, last = -1;
    if ((rc = read_header(c, "date")) || (rc = need_column(c, "date", &cd)))
        return rc;
    if (hs_csv__nfields(c) != 2)
        return hs_error_set(HS_EPARSE,
                            "%s:%ld: expected two columns, DATE and the "
                            "series",
                            hs_csv__path(c), hs_csv__line(c));
    int cv = 1 - cd;
    snprintf(p->file_symbol, sizeof p->file_symbol, "%s", hs_csv__field(c, cv));
    while ((rc = hs_csv__next(c)) == 0) {
        st->rows_read++;
        if (strcmp(hs_csv__field(c, cv), ".") == 0) {
            st->skipped++; /* FRED's marker for no observation */
            continue;
        }
        row *x = rows_push(&p->r);
        if (!x)
            return hs_error_set(HS_ENOMEM, "out of memory");
        x->line = hs_csv__line(c);
        if ((rc = field_time(c, cd, "DATE", &x->ts)) ||
            (rc = hs_csv__double(c, cv, p->file_symbol, &x->v[0])))
            return rc;
        x->v[0] /= 100; /* percent -> decimal */
        hs_import__progress(c, o->progress, &last);
    }
    return rc == HS_ITEROVER ? 0 : rc;
}

/* ---------------------------------------------------- sort, dedupe, gaps */

static char *fmt_ts(int64_t t, char *buf, size_t size)
{
    return hs_cal_format_time(t, buf, size);
}

static int dedupe(const char *path, rows *r, target t, hs_import_stats *st)
{
    size_t w = 0;
    int nv = target_nv[t];
    char tb[40];

    qsort(r->v, r->n, sizeof *r->v, cmp_row);
    for (size_t i = 0; i < r->n; i++) {
        if (w > 0 && r->v[i].ts == r->v[w - 1].ts) {
            const row *keep = &r->v[w - 1], *x = &r->v[i];
            if (x->prio < keep->prio) {
                st->superseded++; /* the documented format rule */
                continue;
            }
            int k;
            for (k = 0; k < nv; k++)
                if (x->v[k] != keep->v[k])
                    break;
            if (k == nv) {
                st->duplicates++;
                continue;
            }
            return hs_error_set(
                HS_EDATA,
                "%s:%ld: field '%s': duplicate timestamp %s has %.17g here "
                "but %.17g on line %ld",
                path, x->line, target_fields[t][k],
                fmt_ts(x->ts, tb, sizeof tb), x->v[k], keep->v[k], keep->line);
        }
        r->v[w++] = r->v[i];
    }
    r->n = w;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Missing steps on the most frequent spacing (bars, index levels). */
static long long gaps_mode(const rows *r)
{
    if (r->n < 3)
        return 0;
    int64_t *d = malloc((r->n - 1) * sizeof *d);
    if (!d)
        return 0;
    for (size_t i = 1; i < r->n; i++)
        d[i - 1] = r->v[i].ts - r->v[i - 1].ts;
    qsort(d, r->n - 1, sizeof *d, cmp_i64);
    int64_t step = d[0];
    size_t best = 0, run = 0;
    for (size_t i = 0; i < r->n - 1; i++) {
        run = (i > 0 && d[i] == d[i - 1]) ? run + 1 : 1;
        if (run > best) {
            best = run;
            step = d[i];
        }
    }
    long long g = 0;
    for (size_t i = 0; step > 0 && i < r->n - 1; i++)
        if (d[i] > step)
            g += d[i] / step - 1;
    free(d);
    return g;
}

/* Missing settlements on each row's own funding interval. */
static long long gaps_funding(const rows *r)
{
    long long g = 0;
    for (size_t i = 1; i < r->n; i++) {
        int64_t iv = (int64_t)llround(r->v[i - 1].v[1] * HS_MS_PER_HOUR);
        int64_t dt = r->v[i].ts - r->v[i - 1].ts;
        if (iv > 0 && dt > iv)
            g += dt / iv - 1;
    }
    return g;
}

static int is_weekend(int64_t ts)
{
    int64_t day = hs_cal_floor(ts, HS_MS_PER_DAY) / HS_MS_PER_DAY;
    int64_t w = ((day + 3) % 7 + 7) % 7; /* Monday = 0 */
    return w >= 5;
}

/* Missing days: calendar days, or weekdays if no row is on a weekend. */
static long long gaps_days(const rows *r)
{
    int weekdays = 1;
    long long g = 0;
    for (size_t i = 0; i < r->n && weekdays; i++)
        weekdays = !is_weekend(r->v[i].ts);
    for (size_t i = 1; i < r->n; i++)
        for (int64_t t = r->v[i - 1].ts + HS_MS_PER_DAY; t < r->v[i].ts;
             t += HS_MS_PER_DAY)
            g += !weekdays || !is_weekend(t);
    return g;
}

/* --------------------------------------------------------------- writing */

static void default_underlying(const char *symbol, char *out, size_t size)
{
    size_t n = strcspn(symbol, "-.");
    if (n >= size)
        n = size - 1;
    memcpy(out, symbol, n);
    out[n] = '\0';
}

static int write_series(hs_store *s, const char *path, const hs_import_opts *o,
                        parsed *p, target t, hs_import_stats *st)
{
    const format_info *fi = &formats[o->format];
    const char *source = hs_import__or(o->source, fi->source);
    hs_instrument in;
    int64_t id = 0;
    char series[48], tb[40];
    int rc;

    memset(&in, 0, sizeof in);
    if (t == T_RATES) {
        snprintf(series, sizeof series, "%s",
                 hs_import__or(o->symbol, p->file_symbol));
        if (!hs_store__valid_symbol(series))
            return hs_error_set(HS_EDATA,
                                "%s: bad series name '%s' (1..47 characters "
                                "of A-Z a-z 0-9 . _ -)",
                                path, series);
    } else {
        const char *sym = o->symbol;
        char dflt[48];
        if ((!sym || !*sym) && o->format == HS_FMT_DVOL && *p->file_symbol) {
            snprintf(dflt, sizeof dflt, "%.40s-DVOL", p->file_symbol);
            sym = dflt;
        }
        if (!sym || !*sym)
            return hs_error_set(HS_EINVAL,
                                "%s: no target symbol given for format %s",
                                path, fi->name);
        snprintf(in.symbol, sizeof in.symbol, "%s", sym);
        in.kind = o->kind;
        if (o->underlying && *o->underlying)
            snprintf(in.underlying, sizeof in.underlying, "%s", o->underlying);
        else if (o->format == HS_FMT_DVOL && *p->file_symbol)
            snprintf(in.underlying, sizeof in.underlying, "%.15s",
                     p->file_symbol);
        else
            default_underlying(in.symbol, in.underlying, sizeof in.underlying);
        snprintf(in.quote, sizeof in.quote, "%s",
                 hs_import__or(o->quote, fi->quote));
        snprintf(in.venue, sizeof in.venue, "%s",
                 hs_import__or(o->venue, fi->venue));
        snprintf(in.source, sizeof in.source, "%s", source);
        in.inverse = o->inverse || fi->inverse;
        in.multiplier = 1;
    }

    if ((rc = dedupe(path, &p->r, t, st)))
        return rc;
    if (o->drop_first && p->r.n > 0) {
        memmove(p->r.v, p->r.v + 1, (p->r.n - 1) * sizeof *p->r.v);
        p->r.n--;
        st->dropped++;
    }
    if (o->drop_last && p->r.n > 0) {
        p->r.n--;
        st->dropped++;
    }
    if (p->r.n == 0)
        return hs_error_set(HS_EDATA, "%s: no data rows to import", path);
    st->first_ts = p->r.v[0].ts;
    st->last_ts = p->r.v[p->r.n - 1].ts;
    st->gaps = t == T_FUNDING ? gaps_funding(&p->r)
               : t == T_RATES ? gaps_days(&p->r)
                              : gaps_mode(&p->r);

    if (t != T_RATES && (rc = hs_store__ensure_instrument(s, &in, path, &id)))
        return rc;
    for (size_t i = 0; i < p->r.n; i++) {
        const row *x = &p->r.v[i];
        int outcome = HS_PUT_NEW;
        if (t == T_BARS || t == T_INDEX) {
            hs_bar b = {x->ts, x->v[0], x->v[1], x->v[2], x->v[3], x->v[4]};
            rc = t == T_BARS ? hs_store__put_bar(s, id, &b, source, &outcome)
                             : hs_store__put_index(s, id, &b, source, &outcome);
        } else if (t == T_FUNDING) {
            hs_funding f = {x->ts, x->v[0], x->v[1]};
            rc = hs_store__put_funding(s, id, &f, source, &outcome);
        } else {
            hs_rate r = {x->ts, x->v[0]};
            rc = hs_store__put_rate(s, series, &r, source, &outcome);
        }
        if (rc) {
            hs_error_prefix("%s:%ld: ", path, x->line);
            return rc;
        }
        if (outcome == HS_PUT_CONFLICT)
            return hs_error_set(
                HS_EDATA,
                "%s:%ld: %s at %s conflicts with the row already in the "
                "store (same time, other values); remove it first or fix "
                "the file",
                path, x->line, t == T_RATES ? series : in.symbol,
                fmt_ts(x->ts, tb, sizeof tb));
        if (outcome == HS_PUT_NEW)
            st->rows_inserted++;
        else
            st->rows_unchanged++;
    }
    return 0;
}

/* ------------------------------------------------------------ one file */

static int check_opts(const char *path, const hs_import_opts *o)
{
    if ((int)o->format < 0 || o->format >= HS_FMT_COUNT)
        return hs_error_set(HS_EINVAL, "%s: bad import format %d", path,
                            (int)o->format);
    const format_info *fi = &formats[o->format];
    int chain = fi->kind == HS_KIND_OPTION;
    if (!hs_kind_name(o->kind))
        return hs_error_set(HS_EINVAL, "%s: bad instrument kind %d", path,
                            (int)o->kind);
    if (fi->kind >= 0 && o->kind != (hs_kind)fi->kind)
        return hs_error_set(HS_EINVAL, "%s: format %s imports kind %s, not %s",
                            path, fi->name, hs_kind_name((hs_kind)fi->kind),
                            hs_kind_name(o->kind));
    if (fi->kind == -1 && o->kind == HS_KIND_OPTION)
        return hs_error_set(HS_EINVAL,
                            "%s: format %s cannot import options (use "
                            "deribit-ticker, deribit-marks or deribit-usd)",
                            path, fi->name);
    if (chain && (o->drop_last || o->drop_first))
        return hs_error_set(HS_EINVAL,
                            "%s: drop_last/drop_first apply to series, not "
                            "to option chains",
                            path);
    if (!chain && o->snapshot_ts)
        return hs_error_set(HS_EINVAL,
                            "%s: a snapshot time applies to option chains "
                            "only",
                            path);
    if (o->symbol && *o->symbol && !hs_store__valid_symbol(o->symbol))
        return hs_error_set(HS_EINVAL,
                            "%s: bad symbol '%s' (1..47 characters of "
                            "A-Z a-z 0-9 . _ -)",
                            path, o->symbol);
    return 0;
}

int hs_import__file_tx(hs_store *s, const char *path, const hs_import_opts *o,
                       hs_import_stats *st)
{
    hs_csv *c = NULL;
    parsed p;
    int rc;

    memset(&p, 0, sizeof p);
    memset(st, 0, sizeof *st);
    if ((rc = check_opts(path, o)))
        return rc;
    if (formats[o->format].kind == HS_KIND_OPTION)
        return hs_import__options(s, path, o, st);
    if ((rc = hs_csv__open(&c, path)))
        return rc;
    switch (o->format) {
    case HS_FMT_GENERIC:
    case HS_FMT_CDD: {
        int index = o->kind == HS_KIND_INDEX;
        if (!(rc = parse_ohlcv(c, o, index, &p, st)))
            rc = write_series(s, path, o, &p, index ? T_INDEX : T_BARS, st);
        break;
    }
    case HS_FMT_DVOL:
        if (!(rc = parse_dvol(c, o, &p, st)))
            rc = write_series(s, path, o, &p, T_INDEX, st);
        break;
    case HS_FMT_BINANCE_FUNDING:
    case HS_FMT_BITMEX_FUNDING:
    case HS_FMT_DERIBIT_FUNDING:
        if (!(rc = parse_funding(c, o, &p, st)))
            rc = write_series(s, path, o, &p, T_FUNDING, st);
        break;
    case HS_FMT_FRED:
        if (!(rc = parse_fred(c, o, &p, st)))
            rc = write_series(s, path, o, &p, T_RATES, st);
        break;
    default:
        rc = hs_error_set(HS_EINVAL, "%s: format not handled", path);
    }
    hs_csv__close(c);
    free(p.r.v);
    return rc;
}

int hs_import_file(hs_store *s, const char *path, const hs_import_opts *o,
                   hs_import_stats *stats)
{
    hs_import_stats local;
    int rc;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!s || !path || !o)
        return hs_error_set(HS_EINVAL, "hs_import_file: NULL argument");
    if ((rc = hs_store__begin(s)))
        return rc;
    rc = hs_import__file_tx(s, path, o, stats);
    if (!rc)
        rc = hs_store__commit(s);
    if (rc) {
        hs_store__rollback(s);
        memset(stats, 0, sizeof *stats);
        return rc;
    }
    stats->files = 1;
    return 0;
}

/* ----------------------------------------------------------- the manifest */

static void add_stats(hs_import_stats *t, const hs_import_stats *s)
{
    if (t->files == 0 || s->first_ts < t->first_ts)
        t->first_ts = s->first_ts;
    if (t->files == 0 || s->last_ts > t->last_ts)
        t->last_ts = s->last_ts;
    t->rows_read += s->rows_read;
    t->rows_inserted += s->rows_inserted;
    t->rows_unchanged += s->rows_unchanged;
    t->duplicates += s->duplicates;
    t->superseded += s->superseded;
    t->dropped += s->dropped;
    t->gaps += s->gaps;
    t->skipped += s->skipped;
    t->files++;
}

/* Parse the options field: ';'-separated drop_last, drop_first, skip,
 * snapshot=<time>. */
static int manifest_options(const char *mpath, long line, const char *text,
                            hs_import_opts *o, int *skip)
{
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", text);
    for (char *tok = strtok_r(buf, ";", &save); tok;
         tok = strtok_r(NULL, ";", &save)) {
        while (*tok == ' ')
            tok++;
        char *e = tok + strlen(tok);
        while (e > tok && e[-1] == ' ')
            *--e = '\0';
        if (!*tok)
            continue;
        if (strcmp(tok, "drop_last") == 0)
            o->drop_last = 1;
        else if (strcmp(tok, "drop_first") == 0)
            o->drop_first = 1;
        else if (strcmp(tok, "skip") == 0)
            *skip = 1;
        else if (strncmp(tok, "snapshot=", 9) == 0) {
            if (hs_cal_parse_time(tok + 9, &o->snapshot_ts)) {
                hs_error_prefix("%s:%ld: field 'options': ", mpath, line);
                return HS_EPARSE;
            }
        } else
            return hs_error_set(HS_EPARSE,
                                "%s:%ld: field 'options': unknown option '%s' "
                                "(expected drop_last, drop_first, skip or "
                                "snapshot=<time>)",
                                mpath, line, tok);
    }
    return 0;
}

int hs_import_manifest(hs_store *s, const char *dir, int progress,
                       hs_import_stats *total)
{
    hs_import_stats local, st;
    hs_csv *c = NULL;
    char mpath[4096], fpath[4096];
    int rc, cf, cfmt, csym, ckind, cund, csrc, copt;

    if (!total)
        total = &local;
    memset(total, 0, sizeof *total);
    snprintf(mpath, sizeof mpath, "%s/manifest.csv", dir);
    if ((rc = hs_csv__open(&c, mpath)))
        return rc;
    if ((rc = read_header(c, "file")) || (rc = need_column(c, "file", &cf)) ||
        (rc = need_column(c, "format", &cfmt)) ||
        (rc = need_column(c, "symbol", &csym)) ||
        (rc = need_column(c, "kind", &ckind)) ||
        (rc = need_column(c, "underlying", &cund)) ||
        (rc = need_column(c, "source", &csrc)) ||
        (rc = need_column(c, "options", &copt))) {
        hs_csv__close(c);
        return rc;
    }
    if ((rc = hs_store__begin(s))) {
        hs_csv__close(c);
        return rc;
    }
    while ((rc = hs_csv__next(c)) == 0) {
        hs_import_opts o = HS_IMPORT_OPTS_INIT;
        long line = hs_csv__line(c);
        const char *file = hs_csv__field(c, cf);
        int skip = 0;
        if (!*file || file[0] == '#')
            continue;
        if ((rc = hs_format_parse(hs_csv__field(c, cfmt), &o.format))) {
            hs_error_prefix("%s:%ld: field 'format': ", mpath, line);
            break;
        }
        o.kind = default_kind(o.format);
        if (*hs_csv__field(c, ckind) &&
            (rc = hs_kind_parse(hs_csv__field(c, ckind), &o.kind))) {
            hs_error_prefix("%s:%ld: field 'kind': ", mpath, line);
            break;
        }
        o.symbol = hs_csv__field(c, csym);
        o.underlying = hs_csv__field(c, cund);
        o.source = hs_csv__field(c, csrc);
        o.progress = progress > 0;
        if ((rc = manifest_options(mpath, line, hs_csv__field(c, copt), &o,
                                   &skip)))
            break;
        if (skip) {
            if (progress > 1)
                fprintf(stderr, "hedgesim import: %s: skipped (manifest)\n",
                        file);
            continue;
        }
        snprintf(fpath, sizeof fpath, "%s/%s", dir, file);
        if ((rc = hs_import__file_tx(s, fpath, &o, &st))) {
            hs_error_prefix("%s:%ld: ", mpath, line);
            break;
        }
        add_stats(total, &st);
        if (progress > 1)
            fprintf(stderr, "hedgesim import: %s: %lld rows read, %lld new\n",
                    file, st.rows_read, st.rows_inserted);
    }
    if (rc == HS_ITEROVER)
        rc = 0;
    if (!rc && total->files == 0)
        rc = hs_error_set(HS_EDATA, "%s: lists no files to import", mpath);
    if (!rc)
        rc = hs_store__commit(s);
    if (rc) {
        hs_store__rollback(s);
        memset(total, 0, sizeof *total);
    }
    hs_csv__close(c);
    return rc;
}

/* ---------------------------------------------------------- fresh build */

static int sync_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return hs_error_set(HS_EIO, "%s: %s", path, strerror(errno));
    int rc = fsync(fd) == 0
                 ? 0
                 : hs_error_set(HS_EIO, "%s: fsync: %s", path, strerror(errno));
    close(fd);
    return rc;
}

int hs_import_build(const char *dir, const char *db_path, int force,
                    int progress, hs_import_stats *total)
{
    hs_store *s = NULL;
    struct stat sb;
    char tmp[4096], side[4096];
    int fd, rc;
    static const char *const sides[] = {"-journal", "-wal", "-shm"};

    if (stat(db_path, &sb) == 0 && !force)
        return hs_error_set(HS_EEXISTS,
                            "%s already exists (use --force to replace it)",
                            db_path);
    if ((size_t)snprintf(tmp, sizeof tmp, "%s-build-XXXXXX", db_path) >=
        sizeof tmp)
        return hs_error_set(HS_EINVAL, "%s: path too long", db_path);
    fd = mkstemp(tmp);
    if (fd < 0)
        return hs_error_set(HS_EIO, "%s: cannot create a temporary file: %s",
                            tmp, strerror(errno));
    /* mkstemp makes the file private; a store is ordinary data */
    if (fchmod(fd, 0644) != 0) {
        rc = hs_error_set(HS_EIO, "%s: chmod: %s", tmp, strerror(errno));
        close(fd);
        goto done;
    }
    close(fd);
    if ((rc = hs_store_open(&s, tmp, HS_STORE_WRITE)))
        goto done;
    if ((rc = hs_store__bulk_mode(s)) ||
        (rc = hs_import_manifest(s, dir, progress, total)))
        goto done;
    /* pages split by out-of-order inserts are repacked: ~10 % smaller */
    if ((rc = hs_store__exec(s, "VACUUM")))
        goto done;
    hs_store_close(s);
    s = NULL;
    if ((rc = sync_file(tmp)))
        goto done;
    /* A stale journal next to the target would be applied to the new file
     * when it is next opened: remove it first. */
    for (size_t i = 0; i < sizeof sides / sizeof *sides; i++) {
        snprintf(side, sizeof side, "%s%s", db_path, sides[i]);
        if (unlink(side) != 0 && errno != ENOENT) {
            rc = hs_error_set(HS_EIO, "%s: %s", side, strerror(errno));
            goto done;
        }
    }
    if (rename(tmp, db_path) != 0)
        rc = hs_error_set(HS_EIO, "cannot rename %s to %s: %s", tmp, db_path,
                          strerror(errno));
done:
    hs_store_close(s);
    if (rc)
        unlink(tmp);
    return rc;
}
