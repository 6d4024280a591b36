/* Importers for time series: OHLCV bars (generic, CryptoDataDownload),
 * perp funding (Binance, BitMEX, Deribit), DVOL index levels and FRED
 * rates.  Each file is parsed into rows, sorted, deduplicated by the
 * documented rules, checked for gaps and written through the store's puts
 * inside the caller's transaction.  docs/csv-format.md describes every
 * format and rule. */
#include "import_int.h"

#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"
#include "hedgesim/market.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static int check_ohlc(const hs_csv *c, const double *v, int has_volume)
{
    static const char *const name[] = {"open", "high", "low", "close"};
    for (int i = 0; i < 4; i++)
        if (!(v[i] > 0))
            return hs_import__bad(c, name[i], "price %.17g is not positive", v[i]);
    if (v[1] < v[2])
        return hs_import__bad(c, "high", "high %.17g is below low %.17g", v[1], v[2]);
    if (v[0] < v[2] || v[0] > v[1])
        return hs_import__bad(c, "open",
                   "open %.17g is outside [low, high] = [%.17g, %.17g]", v[0],
                   v[2], v[1]);
    if (v[3] < v[2] || v[3] > v[1])
        return hs_import__bad(c, "close",
                   "close %.17g is outside [low, high] = [%.17g, %.17g]", v[3],
                   v[2], v[1]);
    if (has_volume && v[4] < 0)
        return hs_import__bad(c, "volume", "volume %.17g is negative", v[4]);
    return 0;
}

/* Check that a per-row symbol column keeps one value through the file. */
static int same_symbol(const hs_csv *c, int col, char *first, size_t size)
{
    const char *f = hs_csv_field(c, col);
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
                            hs_csv_path(c), hs_csv_line(c), f, first);
    return 0;
}

/* Skip a banner line: if the first record does not name `col`, read the
 * next one as the header. */

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

    if ((rc = hs_import__read_header(c, cdd ? "unix" : "ts")))
        return rc;
    if ((rc = hs_import__need_column(c, cdd ? "unix" : "ts", &cts)))
        return rc;
    for (int i = 0; i < 4; i++)
        if ((rc = hs_import__need_column(c, name[i], &col[i])))
            return rc;
    col[4] = -1;
    if (cdd) {
        /* The base-asset volume: the first "Volume <X>" column. */
        for (int i = 0; i < hs_csv_nfields(c); i++)
            if (strncasecmp(hs_csv_field(c, i), "volume", 6) == 0) {
                col[4] = i;
                break;
            }
        csym = hs_csv_column(c, "symbol");
        if (col[4] < 0)
            return hs_error_set(HS_EPARSE,
                                "%s:%ld: no 'Volume <base>' column in the "
                                "header",
                                hs_csv_path(c), hs_csv_line(c));
    } else {
        col[4] = hs_csv_column(c, "volume");
        if (col[4] < 0 && !index)
            return hs_import__need_column(c, "volume", &col[4]);
    }
    const int nhdr = hs_csv_nfields(c);
    while ((rc = hs_import__next(c, nhdr)) == 0) {
        row *x = rows_push(&p->r);
        if (!x)
            return hs_error_set(HS_ENOMEM, "out of memory");
        st->rows_read++;
        x->line = hs_csv_line(c);
        if ((rc = hs_import__time(c, cts, cdd ? "unix" : "ts", &x->ts)))
            return rc;
        if (cdd) {
            /* ms rows (13 digits, no fraction) win over seconds rows */
            const char *u = hs_csv_field(c, cts);
            x->prio = strchr(u, '.') == NULL && strlen(u) >= 12;
            if ((rc = same_symbol(c, csym, p->file_symbol,
                                  sizeof p->file_symbol)))
                return rc;
        }
        for (int i = 0; i < 5; i++) {
            if (col[i] < 0)
                continue;
            if ((rc = hs_csv_double(c, col[i], name[i], &x->v[i])))
                return rc;
        }
        if ((rc = check_ohlc(c, x->v, col[4] >= 0)))
            return rc;
        if (index)
            x->v[4] = 0;
        hs_import__progress(c, o, &last);
    }
    return rc == HS_ITEROVER ? 0 : rc;
}

/* The column of `role` (import_columns.c), or HS_EPARSE naming it, the
 * aliases tried and the format the file looks like. */
static int bar_column(const hs_csv *c, const hs_import_opts *o, int role,
                      int *col)
{
    *col = hs_import__find_column(c, o->columns, role);
    if (*col >= 0)
        return 0;
    const char *like = hs_import__looks_like(c);
    const char *self = hs_import__format(o->format)->name;
    char hint[200] = "";
    if (like && strcmp(like, self) != 0)
        snprintf(hint, sizeof hint,
                 "; the file looks like %s%s%s", like,
                 strchr(like, ' ') ? "" : ": use --format ", 
                 strchr(like, ' ') ? "" : like);
    if (hs_import__mapped(o->columns, role))
        return hs_error_set(HS_EPARSE,
                            "%s:%ld: no column named by --columns for '%s' "
                            "in the header%s",
                            hs_csv_path(c), hs_csv_line(c),
                            hs_import__role_name(role), hint);
    return hs_error_set(HS_EPARSE,
                        "%s:%ld: no column '%s' in the header (nor a known "
                        "alias; map one with --columns %s=NAME)%s",
                        hs_csv_path(c), hs_csv_line(c),
                        hs_import__role_name(role),
                        hs_import__role_name(role), hint);
}

/* A yfinance date: "2020-01-02", or with a midnight time and a UTC offset
 * ("2020-01-02 00:00:00-05:00"): a daily bar is the exchange's date. */
static int yf_time(const hs_csv *c, int col, int64_t *ts)
{
    const char *t = hs_csv_field(c, col);
    char day[11];
    if (strlen(t) > 10 && (t[10] == ' ' || t[10] == 'T') &&
        strncmp(t + 11, "00:00:00", 8) == 0 &&
        (t[19] == '\0' || t[19] == '+' || t[19] == '-' || t[19] == 'Z')) {
        memcpy(day, t, 10);
        day[10] = '\0';
        if (hs_import__parse_time(day, ts) == 0)
            return 0;
    }
    return hs_import__time(c, col, "ts", ts);
}

/* generic, yfinance and ccxt bars: columns found by alias or --columns;
 * yfinance's three-line header; ccxt's headerless rows; --adjusted and
 * --volume-in quote. */
static int parse_bars(hs_csv *c, const hs_import_opts *o, int index, parsed *p,
                      hs_import_stats *st)
{
    int col[HS_IMPORT__NCOL], last = -1, rc, pending = 0;
    const int yf = o->format == HS_FMT_YFINANCE;
    const int ccxt = o->format == HS_FMT_CCXT;

    if ((rc = hs_import__check_columns(hs_csv_path(c), o->columns)))
        return rc;
    if ((rc = hs_csv_next(c)) == HS_ITEROVER)
        return hs_error_set(HS_EPARSE, "%s: empty file", hs_csv_path(c));
    if (rc)
        return rc;
    if (ccxt && hs_import__numeric_record(c)) {
        /* No header: timestamp, open, high, low, close, volume. */
        for (int r = 0; r < HS_IMPORT__NCOL; r++)
            col[r] = r < 6 ? r : -1;
        pending = 1;
    } else {
        if (hs_import__numeric_record(c) && !ccxt)
            return hs_error_set(HS_EPARSE,
                                "%s:%ld: no header line; the file looks like "
                                "ccxt: use --format ccxt",
                                hs_csv_path(c), hs_csv_line(c));
        int yf3 = yf && strcasecmp(hs_csv_field(c, 0), "price") == 0;
        for (int r = HS_IMPORT__OPEN; r < HS_IMPORT__NCOL; r++)
            col[r] = hs_import__find_column(c, o->columns, r);
        col[HS_IMPORT__TS] = yf3 ? 0 : -1;
        if (!yf3 && (rc = bar_column(c, o, HS_IMPORT__TS, &col[0])))
            return rc;
        for (int r = HS_IMPORT__OPEN; r <= HS_IMPORT__CLOSE; r++)
            if (col[r] < 0 && (rc = bar_column(c, o, r, &col[r])))
                return rc;
        if (col[HS_IMPORT__VOLUME] < 0 && !index &&
            (rc = bar_column(c, o, HS_IMPORT__VOLUME, &col[5])))
            return rc;
        if (o->adjusted && col[HS_IMPORT__ADJ] < 0)
            return hs_error_set(HS_EPARSE,
                                "%s:%ld: --adjusted: no 'Adj Close' column "
                                "in the header",
                                hs_csv_path(c), hs_csv_line(c));
        if (yf3) {
            /* "Ticker,SPY,..." and "Date,,,..." lines follow the header. */
            for (int k = 0; k < 2; k++) {
                if ((rc = hs_csv_next(c)) == HS_ITEROVER)
                    return hs_error_set(HS_EDATA, "%s: no data rows to import",
                                        hs_csv_path(c));
                if (rc)
                    return rc;
                const char *f0 = hs_csv_field(c, 0);
                if (strcasecmp(f0, k == 0 ? "ticker" : "date") != 0) {
                    if (k == 1 && strcasecmp(f0, "datetime") == 0)
                        continue;
                    return hs_error_set(
                        HS_EPARSE,
                        "%s:%ld: expected the '%s' line of a yfinance "
                        "three-line header, found '%s'",
                        hs_csv_path(c), hs_csv_line(c),
                        k == 0 ? "Ticker" : "Date", f0);
                }
            }
        }
    }
    const int nhdr = hs_csv_nfields(c);
    while (pending || (rc = hs_import__next(c, nhdr)) == 0) {
        pending = 0;
        row *x = rows_push(&p->r);
        if (!x)
            return hs_error_set(HS_ENOMEM, "out of memory");
        st->rows_read++;
        x->line = hs_csv_line(c);
        if ((rc = yf ? yf_time(c, col[0], &x->ts)
                     : hs_import__time(c, col[0], "ts", &x->ts)))
            return rc;
        for (int r = HS_IMPORT__OPEN; r <= HS_IMPORT__VOLUME; r++) {
            if (col[r] < 0)
                continue;
            if ((rc = hs_csv_double(c, col[r], hs_import__role_name(r),
                                    &x->v[r - 1])))
                return rc;
        }
        if ((rc = check_ohlc(c, x->v, col[5] >= 0)))
            return rc;
        if (o->adjusted) {
            double adj;
            if ((rc = hs_csv_double(c, col[HS_IMPORT__ADJ], "adj_close", &adj)))
                return rc;
            if (!(adj > 0))
                return hs_import__bad(c, "adj_close",
                                      "price %.17g is not positive", adj);
            const double f = adj / x->v[3];
            x->v[0] *= f;
            x->v[1] *= f;
            x->v[2] *= f;
            x->v[3] = adj;
        }
        if (o->volume_in_quote && col[5] >= 0)
            x->v[4] /= x->v[3];
        if (index)
            x->v[4] = 0;
        hs_import__progress(c, o, &last);
    }
    return rc == HS_ITEROVER ? 0 : rc;
}

static int parse_dvol(hs_csv *c, const hs_import_opts *o, parsed *p,
                      hs_import_stats *st)
{
    int cd, cs, col[4], rc, last = -1;
    static const char *const name[4] = {"open", "high", "low", "close"};
    if ((rc = hs_import__read_header(c, "date")) || (rc = hs_import__need_column(c, "date", &cd)) ||
        (rc = hs_import__need_column(c, "symbol", &cs)))
        return rc;
    for (int i = 0; i < 4; i++)
        if ((rc = hs_import__need_column(c, name[i], &col[i])))
            return rc;
    const int nhdr = hs_csv_nfields(c);
    while ((rc = hs_import__next(c, nhdr)) == 0) {
        row *x = rows_push(&p->r);
        if (!x)
            return hs_error_set(HS_ENOMEM, "out of memory");
        st->rows_read++;
        x->line = hs_csv_line(c);
        if ((rc = hs_import__time(c, cd, "date", &x->ts)) ||
            (rc = same_symbol(c, cs, p->file_symbol, sizeof p->file_symbol)))
            return rc;
        for (int i = 0; i < 4; i++)
            if ((rc = hs_csv_double(c, col[i], name[i], &x->v[i])))
                return rc;
        if ((rc = check_ohlc(c, x->v, 0)))
            return rc;
        hs_import__progress(c, o, &last);
    }
    return rc == HS_ITEROVER ? 0 : rc;
}

/* The loader's bound (market.h), so that an imported rate always loads. */
static int check_rate(const hs_csv *c, const char *field, double rate)
{
    if (fabs(rate) > HS_FUNDING_RATE_MAX)
        return hs_import__bad(c, field,
                   "funding rate %.17g is out of bounds (|rate| <= %g of "
                   "notional per settlement)",
                   rate, HS_FUNDING_RATE_MAX);
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
    if ((rc = hs_import__read_header(c, ts_name)) ||
        (rc = hs_import__need_column(c, ts_name, &cts)) ||
        (rc = hs_import__need_column(c, rate_name, &crate)) ||
        (iv_name && (rc = hs_import__need_column(c, iv_name, &civ))))
        return rc;
    if (o->format == HS_FMT_BITMEX_FUNDING)
        csym = hs_csv_column(c, "symbol");
    const int nhdr = hs_csv_nfields(c);
    while ((rc = hs_import__next(c, nhdr)) == 0) {
        row *x = rows_push(&p->r);
        if (!x)
            return hs_error_set(HS_ENOMEM, "out of memory");
        st->rows_read++;
        x->line = hs_csv_line(c);
        if ((rc = hs_import__time(c, cts, ts_name, &x->ts)) ||
            (rc = hs_csv_double(c, crate, rate_name, &x->v[0])) ||
            (rc = check_rate(c, rate_name, x->v[0])) ||
            (rc = same_symbol(c, csym, p->file_symbol, sizeof p->file_symbol)))
            return rc;
        if (o->format == HS_FMT_BINANCE_FUNDING) {
            /* settlement on the hour, calc_time a few ms late: round */
            int64_t h =
                hs_cal_floor(x->ts + HS_MS_PER_HOUR / 2, HS_MS_PER_HOUR);
            if (llabs(x->ts - h) > HS_MS_PER_MINUTE)
                return hs_import__bad(c, ts_name,
                           "settlement time is %lld ms away from the hour "
                           "(more than a minute of jitter)",
                           (long long)(x->ts - h));
            x->ts = h;
            if ((rc = hs_csv_double(c, civ, iv_name, &x->v[1])))
                return rc;
        } else if (o->format == HS_FMT_BITMEX_FUNDING) {
            /* the interval is encoded as a time after 2000-01-01 */
            int64_t t;
            if ((rc = hs_import__time(c, civ, iv_name, &t)))
                return rc;
            x->v[1] = (double)(t - epoch2000) / (double)HS_MS_PER_HOUR;
        } else {
            x->v[1] = 1;
        }
        if (!(x->v[1] > 0))
            return hs_import__bad(c, iv_name ? iv_name : ts_name,
                       "funding interval %.17g h is not positive", x->v[1]);
        hs_import__progress(c, o, &last);
    }
    return rc == HS_ITEROVER ? 0 : rc;
}

static int parse_fred(hs_csv *c, const hs_import_opts *o, parsed *p,
                      hs_import_stats *st)
{
    int cd, rc, last = -1;
    if ((rc = hs_import__read_header(c, "date")) || (rc = hs_import__need_column(c, "date", &cd)))
        return rc;
    if (hs_csv_nfields(c) != 2)
        return hs_error_set(HS_EPARSE,
                            "%s:%ld: expected two columns, DATE and the "
                            "series",
                            hs_csv_path(c), hs_csv_line(c));
    int cv = 1 - cd;
    const int nhdr = 2;
    snprintf(p->file_symbol, sizeof p->file_symbol, "%s", hs_csv_field(c, cv));
    while ((rc = hs_import__next(c, nhdr)) == 0) {
        st->rows_read++;
        if (strcmp(hs_csv_field(c, cv), ".") == 0) {
            st->skipped++; /* FRED's marker for no observation */
            continue;
        }
        row *x = rows_push(&p->r);
        if (!x)
            return hs_error_set(HS_ENOMEM, "out of memory");
        x->line = hs_csv_line(c);
        if ((rc = hs_import__time(c, cd, "DATE", &x->ts)) ||
            (rc = hs_csv_double(c, cv, p->file_symbol, &x->v[0])))
            return rc;
        x->v[0] /= 100; /* percent -> decimal */
        if (fabs(x->v[0]) > HS_RISK_FREE_MAX) /* the loader's bound */
            return hs_import__bad(c, p->file_symbol,
                                  "rate %.17g %% is out of bounds (|rate| <= "
                                  "%g %% a year)",
                                  x->v[0] * 100, HS_RISK_FREE_MAX * 100);
        hs_import__progress(c, o, &last);
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

    if (r->n > 1) /* qsort(NULL, 0, ...) is undefined */
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

static long long gaps_calendar(const rows *r);

/* Missing steps on the most frequent spacing (bars, index levels); for
 * daily series, missing sessions of the calendar the series keeps
 * (hs_cal_infer: a stock has no weekend gaps). */
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
    return step == HS_MS_PER_DAY ? gaps_calendar(r) : g;
}

static long long gaps_calendar(const rows *r)
{
    int64_t *ts = malloc(r->n * sizeof *ts);
    if (!ts)
        return 0;
    for (size_t i = 0; i < r->n; i++)
        ts[i] = r->v[i].ts;
    long long g = hs_cal_gaps(hs_cal_infer(ts, r->n), ts, r->n);
    free(ts);
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
    const hs_import__format_info *fi = hs_import__format(o->format);
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

    if (t != T_RATES && (rc = hs_store_ensure_instrument(s, &in, path, &id)))
        return rc;
    for (size_t i = 0; i < p->r.n; i++) {
        const row *x = &p->r.v[i];
        int outcome = HS_STORE_PUT_NEW;
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
        if (outcome == HS_STORE_PUT_CONFLICT)
            return hs_error_set(
                HS_EDATA,
                "%s:%ld: %s at %s conflicts with the row already in the "
                "store (same time, other values); remove it first or fix "
                "the file",
                path, x->line, t == T_RATES ? series : in.symbol,
                fmt_ts(x->ts, tb, sizeof tb));
        if (outcome == HS_STORE_PUT_NEW)
            st->rows_inserted++;
        else
            st->rows_unchanged++;
    }
    return 0;
}


/* ------------------------------------------------------------ one file */

int hs_import__series(hs_store *s, const char *path, const hs_import_opts *o,
                      hs_import_stats *st)
{
    hs_csv *c = NULL;
    parsed p;
    int rc;

    memset(&p, 0, sizeof p);
    if ((rc = hs_csv_open(&c, path)))
        return rc;
    switch (o->format) {
    case HS_FMT_GENERIC:
    case HS_FMT_YFINANCE:
    case HS_FMT_CCXT:
    case HS_FMT_CDD: {
        int index = o->kind == HS_KIND_INDEX;
        if (!(rc = o->format == HS_FMT_CDD ? parse_ohlcv(c, o, index, &p, st)
                                           : parse_bars(c, o, index, &p, st)))
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
    hs_csv_close(c);
    free(p.r.v);
    return rc;
}
