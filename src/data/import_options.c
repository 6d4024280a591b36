/* Importers for option-chain snapshots: Deribit public/ticker dumps
 * (deribit-ticker), mark-price lists without a time column (deribit-marks)
 * and USD-converted chains with greeks (deribit-usd).  Contracts become
 * instruments of kind option named as on the exchange; quotes go to
 * option_quotes with their price unit (docs/csv-format.md).  Called by
 * import.c inside its transaction; uses import_formats.c (import_int.h). */
#include "import_int.h"

#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct opt_row {
    hs_option_quote q; /* symbol, expiry, strike, right and the values */
    char underlying[16];
    int64_t created; /* deribit-marks: contract creation time */
    int64_t row_ts;  /* deribit-ticker: the row's own time */
    long line;
} opt_row;

typedef struct opt_rows {
    opt_row *v;
    size_t n, cap;
} opt_rows;

/* Column indices of one format (-1: absent). */
typedef struct opt_cols {
    int name, type, strike, expiry, ts, created;
    int bid, ask, mark, iv, bid_iv, ask_iv, und, index, greeks;
    int delta, gamma, vega, theta;
    const char *name_f, *type_f, *strike_f, *expiry_f, *bid_f, *ask_f;
    const char *bid_iv_f, *ask_iv_f;
} opt_cols;

/* The first of `a`, `b` present in the header (b may be NULL); *used gets
 * the name found.  Required columns give HS_EPARSE when absent. */
static int column(const hs_csv *c, const char *a, const char *b, int required,
                  int *col, const char **used)
{
    *col = hs_csv_column(c, a);
    if (used)
        *used = a;
    if (*col < 0 && b) {
        *col = hs_csv_column(c, b);
        if (used)
            *used = b;
    }
    if (*col < 0 && required)
        return hs_error_set(HS_EPARSE, "%s:%ld: no column '%s' in the header",
                            hs_csv_path(c), hs_csv_line(c), a);
    return 0;
}

/* A number that may be absent (NAN) unless required. */
static int num(const hs_csv *c, int col, const char *name, int required,
               double *out)
{
    if (col < 0 || !*hs_csv_field(c, col)) {
        if (required)
            return hs_error_set(HS_EPARSE, "%s:%ld: field '%s' is missing",
                                hs_csv_path(c), hs_csv_line(c), name);
        *out = NAN;
        return 0;
    }
    return hs_csv_double(c, col, name, out);
}

/* A value "key: number" out of a Python-repr dict such as
 * "{'vega': 5.49, 'theta': -26.07, 'delta': -0.44}"; NAN if absent. */
static int dict_value(const hs_csv *c, const char *field, const char *text,
                      const char *key, double *out)
{
    char pat[32];
    const char *p;
    char *end;
    snprintf(pat, sizeof pat, "'%s':", key);
    *out = NAN;
    if (!*text)
        return 0;
    if (text[0] != '{')
        return hs_import__bad(c, field, "'%.40s' is not a {'key': value} dict", text);
    p = strstr(text, pat);
    if (!p)
        return 0;
    p += strlen(pat);
    double v = strtod(p, &end);
    if (end == p || !isfinite(v) || (*end != ',' && *end != '}'))
        return hs_import__bad(c, field, "value of '%s' is not a finite number", key);
    *out = v;
    return 0;
}

static int parse_right(const hs_csv *c, int col, const char *field, char *out)
{
    const char *f = hs_csv_field(c, col);
    if (strcasecmp(f, "call") == 0 || strcasecmp(f, "c") == 0)
        *out = 'C';
    else if (strcasecmp(f, "put") == 0 || strcasecmp(f, "p") == 0)
        *out = 'P';
    else
        return hs_import__bad(c, field, "'%s' is neither call nor put", f);
    return 0;
}

/* The exchange's contract name: BTC-22MAY20-9250-P (a fractional strike
 * writes its point as 'd', as Deribit does). */
static void option_name(char *buf, size_t size, const char *und, int64_t expiry,
                        double strike, char right)
{
    static const char *const mon[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                      "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    int y, m, d;
    char k[32];
    hs_cal_to_civil(expiry, &y, &m, &d, NULL, NULL, NULL, NULL);
    if (strike == floor(strike) && strike < 1e15)
        snprintf(k, sizeof k, "%.0f", strike);
    else {
        snprintf(k, sizeof k, "%.10g", strike);
        for (char *p = k; *p; p++)
            if (*p == '.')
                *p = 'd';
    }
    snprintf(buf, size, "%.15s-%d%s%02d-%.20s-%c", und, d, mon[m - 1], y % 100,
             k, right);
}

/* Underlying from a contract name ("BTC-..." -> "BTC"). */
static int name_underlying(const hs_csv *c, const char *field, const char *name,
                           char *out, size_t size)
{
    size_t n = strcspn(name, "-");
    if (n == 0 || n >= size || name[n] != '-')
        return hs_import__bad(c, field,
                   "'%s' is not an option name like "
                   "BTC-22MAY20-9250-P",
                   name);
    memcpy(out, name, n);
    out[n] = '\0';
    return 0;
}

/* Checks shared by every format: strike, prices, IVs, crossed quotes; then
 * empty sides (price 0) and IVs of 0 become NAN. */
static int check_quote(const hs_csv *c, const opt_cols *k, opt_row *r)
{
    hs_option_quote *q = &r->q;
    if (!(q->strike > 0))
        return hs_import__bad(c, k->strike_f, "strike %.17g is not positive", q->strike);
    if (q->bid < 0)
        return hs_import__bad(c, k->bid_f, "price %.17g is negative", q->bid);
    if (q->ask < 0)
        return hs_import__bad(c, k->ask_f, "price %.17g is negative", q->ask);
    if (q->mark < 0)
        return hs_import__bad(c, "mark_price", "price %.17g is negative", q->mark);
    if (q->bid > 0 && q->ask > 0 && q->bid > q->ask)
        return hs_import__bad(c, k->ask_f, "bid %.17g is above ask %.17g (crossed quote)",
                   q->bid, q->ask);
    if (q->iv < 0)
        return hs_import__bad(c, "mark_iv", "implied volatility %.17g is negative", q->iv);
    if (q->bid_iv < 0)
        return hs_import__bad(c, k->bid_iv_f, "implied volatility %.17g is negative",
                   q->bid_iv);
    if (q->ask_iv < 0)
        return hs_import__bad(c, k->ask_iv_f, "implied volatility %.17g is negative",
                   q->ask_iv);
    if (!(q->underlying_price > 0) && !isnan(q->underlying_price))
        return hs_import__bad(c, "underlying_price", "price %.17g is not positive",
                   q->underlying_price);
    if (!(q->index_price > 0) && !isnan(q->index_price))
        return hs_import__bad(c, "index_price", "price %.17g is not positive",
                   q->index_price);
    /* bid or ask 0: that side of the book is empty */
    if (q->bid == 0)
        q->bid = q->bid_iv = NAN;
    if (q->ask == 0)
        q->ask = q->ask_iv = NAN;
    /* an IV of 0, or Deribit's cap of exactly 500 %: no IV was solvable */
    if (q->bid_iv == 0 || q->bid_iv == 500)
        q->bid_iv = NAN;
    if (q->ask_iv == 0 || q->ask_iv == 500)
        q->ask_iv = NAN;
    /* percent -> decimal */
    q->iv /= 100;
    q->bid_iv /= 100;
    q->ask_iv /= 100;
    return 0;
}

static int find_columns(hs_csv *c, hs_format f, opt_cols *k)
{
    int rc = 0;
    memset(k, -1, sizeof *k);
    k->name_f = k->type_f = k->strike_f = k->expiry_f = "";
    k->bid_f = "bid";
    k->ask_f = "ask";
    k->bid_iv_f = "bid_iv";
    k->ask_iv_f = "ask_iv";
    switch (f) {
    case HS_FMT_DERIBIT_TICKER:
        if ((rc =
                 column(c, "instrument_name", NULL, 1, &k->name, &k->name_f)) ||
            (rc = column(c, "option_type", NULL, 1, &k->type, &k->type_f)) ||
            (rc = column(c, "strike", NULL, 1, &k->strike, &k->strike_f)) ||
            (rc = column(c, "expiration_timestamp", NULL, 1, &k->expiry,
                         &k->expiry_f)) ||
            (rc = column(c, "timestamp", NULL, 1, &k->ts, NULL)) ||
            (rc = column(c, "best_bid_price", NULL, 1, &k->bid, &k->bid_f)) ||
            (rc = column(c, "best_ask_price", NULL, 1, &k->ask, &k->ask_f)) ||
            (rc = column(c, "mark_price", NULL, 1, &k->mark, NULL)) ||
            (rc = column(c, "mark_iv", NULL, 1, &k->iv, NULL)) ||
            (rc = column(c, "bid_iv", NULL, 0, &k->bid_iv, NULL)) ||
            (rc = column(c, "ask_iv", NULL, 0, &k->ask_iv, NULL)) ||
            (rc = column(c, "underlying_price", NULL, 0, &k->und, NULL)) ||
            (rc = column(c, "index_price", NULL, 0, &k->index, NULL)) ||
            (rc = column(c, "greeks", NULL, 0, &k->greeks, NULL)))
            return rc;
        break;
    case HS_FMT_DERIBIT_MARKS:
        if ((rc = column(c, "option_type", NULL, 1, &k->type, &k->type_f)) ||
            (rc = column(c, "strike", NULL, 1, &k->strike, &k->strike_f)) ||
            (rc = column(c, "maturity", NULL, 1, &k->expiry, &k->expiry_f)) ||
            (rc = column(c, "creation", NULL, 0, &k->created, NULL)) ||
            (rc = column(c, "mark_price", NULL, 1, &k->mark, NULL)) ||
            (rc = column(c, "mark_iv", NULL, 1, &k->iv, NULL)) ||
            (rc = column(c, "index_price", NULL, 0, &k->index, NULL)))
            return rc;
        break;
    default: /* HS_FMT_DERIBIT_USD, two header variants */
        if ((rc = column(c, "symbol", "Instrument", 1, &k->name, &k->name_f)) ||
            (rc = column(c, "option_type", "Option Type", 1, &k->type,
                         &k->type_f)) ||
            (rc = column(c, "strike_price", "Strike Price", 1, &k->strike,
                         &k->strike_f)) ||
            (rc = column(c, "expiration_date", "Expiration Date", 1, &k->expiry,
                         &k->expiry_f)) ||
            (rc = column(c, "bid_price_usd", "Bid Price (USD)", 1, &k->bid,
                         &k->bid_f)) ||
            (rc = column(c, "ask_price_usd", "Ask Price (USD)", 1, &k->ask,
                         &k->ask_f)) ||
            (rc = column(c, "bid_iv", "Bid IV", 0, &k->bid_iv, &k->bid_iv_f)) ||
            (rc = column(c, "ask_iv", "Ask IV", 0, &k->ask_iv, &k->ask_iv_f)) ||
            (rc = column(c, "delta", NULL, 0, &k->delta, NULL)) ||
            (rc = column(c, "gamma", NULL, 0, &k->gamma, NULL)) ||
            (rc = column(c, "vega", NULL, 0, &k->vega, NULL)) ||
            (rc = column(c, "theta", NULL, 0, &k->theta, NULL)))
            return rc;
        break;
    }
    return 0;
}

/* Parse the current record into r (not yet checked against the snapshot
 * time). */
static int parse_row(hs_csv *c, const hs_import_opts *o, const opt_cols *k,
                     opt_row *r)
{
    hs_option_quote *q = &r->q;
    const char *name = k->name >= 0 ? hs_csv_field(c, k->name) : "";
    char built[48];
    int rc;

    q->bid = q->ask = q->mark = q->iv = q->bid_iv = q->ask_iv = NAN;
    q->underlying_price = q->index_price = NAN;
    q->delta = q->gamma = q->vega = q->theta = NAN;
    r->line = hs_csv_line(c);

    if ((rc = parse_right(c, k->type, k->type_f, &q->right)) ||
        (rc = hs_csv_double(c, k->strike, k->strike_f, &q->strike)))
        return rc;
    if (o->format == HS_FMT_DERIBIT_MARKS) {
        if (!o->underlying || !*o->underlying)
            return hs_error_set(HS_EINVAL,
                                "%s: format deribit-marks has no contract "
                                "names: give the underlying (--underlying)",
                                hs_csv_path(c));
        snprintf(r->underlying, sizeof r->underlying, "%s", o->underlying);
    } else {
        if ((rc = name_underlying(c, k->name_f, name, r->underlying,
                                  sizeof r->underlying)))
            return rc;
        if (o->underlying && *o->underlying &&
            strcmp(o->underlying, r->underlying) != 0)
            return hs_import__bad(c, k->name_f,
                       "underlying %s differs from the one "
                       "given (%s)",
                       r->underlying, o->underlying);
    }

    /* expiry */
    {
        const char *f = hs_csv_field(c, k->expiry);
        if (!*f)
            return hs_error_set(HS_EPARSE, "%s:%ld: field '%s' is missing",
                                hs_csv_path(c), r->line, k->expiry_f);
        if ((rc = hs_import__parse_time(f, &q->expiry))) {
            hs_error_prefix("%s:%ld: field '%s': ", hs_csv_path(c), r->line,
                            k->expiry_f);
            return rc;
        }
        /* a bare date: Deribit expiries are at 08:00 UTC */
        if (o->format == HS_FMT_DERIBIT_USD && q->expiry % HS_MS_PER_DAY == 0)
            q->expiry += 8 * HS_MS_PER_HOUR;
    }
    if (k->ts >= 0) {
        const char *f = hs_csv_field(c, k->ts);
        if ((rc = hs_import__parse_time(f, &r->row_ts))) {
            hs_error_prefix("%s:%ld: field 'timestamp': ", hs_csv_path(c),
                            r->line);
            return rc;
        }
    }
    if (k->created >= 0 && *hs_csv_field(c, k->created) &&
        (rc = hs_import__parse_time(hs_csv_field(c, k->created), &r->created))) {
        hs_error_prefix("%s:%ld: field 'creation': ", hs_csv_path(c), r->line);
        return rc;
    }

    if ((rc = num(c, k->bid, k->bid_f, o->format != HS_FMT_DERIBIT_MARKS,
                  &q->bid)) ||
        (rc = num(c, k->ask, k->ask_f, o->format != HS_FMT_DERIBIT_MARKS,
                  &q->ask)) ||
        (rc = num(c, k->mark, "mark_price", 0, &q->mark)) ||
        (rc = num(c, k->iv, "mark_iv", 0, &q->iv)) ||
        (rc = num(c, k->bid_iv, k->bid_iv_f, 0, &q->bid_iv)) ||
        (rc = num(c, k->ask_iv, k->ask_iv_f, 0, &q->ask_iv)) ||
        (rc = num(c, k->und, "underlying_price", 0, &q->underlying_price)) ||
        (rc = num(c, k->index, "index_price", 0, &q->index_price)) ||
        (rc = num(c, k->delta, "delta", 0, &q->delta)) ||
        (rc = num(c, k->gamma, "gamma", 0, &q->gamma)) ||
        (rc = num(c, k->vega, "vega", 0, &q->vega)) ||
        (rc = num(c, k->theta, "theta", 0, &q->theta)))
        return rc;
    if (k->greeks >= 0) {
        const char *g = hs_csv_field(c, k->greeks);
        if ((rc = dict_value(c, "greeks", g, "delta", &q->delta)) ||
            (rc = dict_value(c, "greeks", g, "gamma", &q->gamma)) ||
            (rc = dict_value(c, "greeks", g, "vega", &q->vega)) ||
            (rc = dict_value(c, "greeks", g, "theta", &q->theta)))
            return rc;
    }
    if ((rc = check_quote(c, k, r)))
        return rc;

    option_name(built, sizeof built, r->underlying, q->expiry, q->strike,
                q->right);
    if (k->name >= 0 && strcmp(name, built) != 0)
        return hs_import__bad(c, k->name_f,
                   "'%s' does not match its expiry, strike and type "
                   "(expected %s)",
                   name, built);
    snprintf(q->symbol, sizeof q->symbol, "%s", built);
    if (o->format == HS_FMT_DERIBIT_USD)
        snprintf(q->price_unit, sizeof q->price_unit, "USD");
    else if (strcmp(r->underlying, "BTC") == 0 ||
             strcmp(r->underlying, "ETH") == 0)
        snprintf(q->price_unit, sizeof q->price_unit, "%.3s", r->underlying);
    else
        return hs_import__bad(c, k->name_f[0] ? k->name_f : "underlying",
                   "prices of %s options in %s are not supported (BTC, ETH "
                   "or USD)",
                   r->underlying, r->underlying);
    return 0;
}

static int cmp_symbol(const void *a, const void *b)
{
    const opt_row *x = a, *y = b;
    int c = strcmp(x->q.symbol, y->q.symbol);
    if (c)
        return c;
    return (x->line > y->line) - (x->line < y->line);
}

/* Same values (NAN equal to NAN). */
static int same_quote(const hs_option_quote *a, const hs_option_quote *b)
{
    const double x[] = {a->bid,
                        a->ask,
                        a->mark,
                        a->iv,
                        a->bid_iv,
                        a->ask_iv,
                        a->delta,
                        a->gamma,
                        a->vega,
                        a->theta,
                        a->underlying_price,
                        a->index_price};
    const double y[] = {b->bid,
                        b->ask,
                        b->mark,
                        b->iv,
                        b->bid_iv,
                        b->ask_iv,
                        b->delta,
                        b->gamma,
                        b->vega,
                        b->theta,
                        b->underlying_price,
                        b->index_price};
    for (size_t i = 0; i < sizeof x / sizeof *x; i++)
        if (!(x[i] == y[i] || (isnan(x[i]) && isnan(y[i]))))
            return 0;
    return 1;
}

int hs_import__options(hs_store *s, const char *path, const hs_import_opts *o,
                       hs_import_stats *st)
{
    hs_csv *c = NULL;
    opt_rows rows = {NULL, 0, 0};
    opt_cols k;
    int64_t snap = o->snapshot_ts;
    char a[40], b[40];
    int rc, last = -1;

    if ((rc = hs_csv_open(&c, path)))
        return rc;
    rc = hs_csv_next(c);
    if (rc == HS_ITEROVER)
        rc = hs_error_set(HS_EPARSE, "%s: empty file", path);
    if (rc || (rc = find_columns(c, o->format, &k)))
        goto done;
    const int nhdr = hs_csv_nfields(c);
    while ((rc = hs_import__next(c, nhdr)) == 0) {
        if (rows.n == rows.cap) {
            size_t nc = rows.cap ? rows.cap * 2 : 512;
            opt_row *p = realloc(rows.v, nc * sizeof *p);
            if (!p) {
                rc = hs_error_set(HS_ENOMEM, "out of memory");
                goto done;
            }
            rows.v = p;
            rows.cap = nc;
        }
        opt_row *r = &rows.v[rows.n++];
        memset(r, 0, sizeof *r);
        st->rows_read++;
        if ((rc = parse_row(c, o, &k, r)))
            goto done;
        hs_import__progress(c, o, &last);
    }
    if (rc != HS_ITEROVER)
        goto done;
    rc = 0;
    if (rows.n == 0) {
        rc = hs_error_set(HS_EDATA, "%s: no data rows to import", path);
        goto done;
    }

    /* the snapshot time: given, or the earliest row time of the file */
    if (!snap && k.ts >= 0) {
        snap = rows.v[0].row_ts;
        for (size_t i = 1; i < rows.n; i++)
            if (rows.v[i].row_ts < snap)
                snap = rows.v[i].row_ts;
    }
    if (!snap) {
        rc = hs_error_set(HS_EINVAL,
                          "%s: format %s has no time column: give the "
                          "snapshot time (--snapshot-time)",
                          path, hs_format_name(o->format));
        goto done;
    }
    for (size_t i = 0; i < rows.n; i++) {
        opt_row *r = &rows.v[i];
        if (r->q.expiry <= snap) {
            rc = hs_error_set(HS_EDATA,
                              "%s:%ld: field '%s': %s expired at %s, not "
                              "after the snapshot time %s",
                              path, r->line, k.expiry_f, r->q.symbol,
                              hs_cal_format_time(r->q.expiry, a, sizeof a),
                              hs_cal_format_time(snap, b, sizeof b));
            goto done;
        }
        if (k.created >= 0 && r->created > snap) {
            rc = hs_error_set(HS_EDATA,
                              "%s:%ld: field 'creation': %s was created at "
                              "%s, after the snapshot time %s",
                              path, r->line, r->q.symbol,
                              hs_cal_format_time(r->created, a, sizeof a),
                              hs_cal_format_time(snap, b, sizeof b));
            goto done;
        }
        r->q.ts = snap;
    }

    /* one quote per contract: identical repeats dropped, others refused */
    qsort(rows.v, rows.n, sizeof *rows.v, cmp_symbol);
    size_t w = 0;
    for (size_t i = 0; i < rows.n; i++) {
        if (w > 0 && strcmp(rows.v[i].q.symbol, rows.v[w - 1].q.symbol) == 0) {
            if (same_quote(&rows.v[i].q, &rows.v[w - 1].q)) {
                st->duplicates++;
                continue;
            }
            rc = hs_error_set(HS_EDATA,
                              "%s:%ld: %s is quoted again with other values "
                              "than on line %ld",
                              path, rows.v[i].line, rows.v[i].q.symbol,
                              rows.v[w - 1].line);
            goto done;
        }
        rows.v[w++] = rows.v[i];
    }
    rows.n = w;

    const char *source = hs_import__or(o->source, "deribit");
    for (size_t i = 0; i < rows.n; i++) {
        opt_row *r = &rows.v[i];
        hs_instrument in;
        int outcome = HS_STORE_PUT_NEW;
        memset(&in, 0, sizeof in);
        snprintf(in.symbol, sizeof in.symbol, "%s", r->q.symbol);
        in.kind = HS_KIND_OPTION;
        snprintf(in.underlying, sizeof in.underlying, "%s", r->underlying);
        snprintf(in.quote, sizeof in.quote, "%s",
                 hs_import__or(o->quote, r->underlying));
        snprintf(in.venue, sizeof in.venue, "%s",
                 hs_import__or(o->venue, "deribit"));
        snprintf(in.source, sizeof in.source, "%s", source);
        in.inverse = 1;
        in.expiry = r->q.expiry;
        in.strike = r->q.strike;
        in.right = r->q.right;
        in.multiplier = 1;
        if ((rc = hs_store_ensure_instrument(s, &in, path,
                                              &r->q.instrument_id)))
            goto done;
        if ((rc = hs_store_put_option(s, &r->q, source, &outcome))) {
            hs_error_prefix("%s:%ld: ", path, r->line);
            goto done;
        }
        if (outcome == HS_STORE_PUT_CONFLICT) {
            rc = hs_error_set(HS_EDATA,
                              "%s:%ld: %s at %s conflicts with the quote "
                              "already in the store (same time, other "
                              "values)",
                              path, r->line, r->q.symbol,
                              hs_cal_format_time(snap, a, sizeof a));
            goto done;
        }
        if (outcome == HS_STORE_PUT_NEW)
            st->rows_inserted++;
        else
            st->rows_unchanged++;
    }
    st->first_ts = st->last_ts = snap;
done:
    hs_csv_close(c);
    free(rows.v);
    return rc;
}
