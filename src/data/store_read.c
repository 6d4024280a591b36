/* The SQLite market store, part 3 of 4: reading.  Instruments, the range
 * reads that load whole series (bars, index levels, funding, rates), a
 * chain snapshot as one array, and the option-quote cursor with a source
 * filter that the chain replay (chain_replay.c) streams snapshots through. */
#include "store_int.h"

#include "hedgesim/errors.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ instruments */

/* ------------------------------------------------------------ instruments */

static void read_instrument(sqlite3_stmt *st, hs_instrument *in)
{
    hs_kind k = HS_KIND_SPOT;
    const unsigned char *right;
    memset(in, 0, sizeof *in);
    in->id = sqlite3_column_int64(st, 0);
    hs_store__copy_text(in->symbol, sizeof in->symbol, sqlite3_column_text(st, 1));
    hs_kind_parse((const char *)sqlite3_column_text(st, 2), &k);
    in->kind = k;
    hs_store__copy_text(in->underlying, sizeof in->underlying,
              sqlite3_column_text(st, 3));
    hs_store__copy_text(in->quote, sizeof in->quote, sqlite3_column_text(st, 4));
    hs_store__copy_text(in->venue, sizeof in->venue, sqlite3_column_text(st, 5));
    hs_store__copy_text(in->source, sizeof in->source, sqlite3_column_text(st, 6));
    in->inverse = sqlite3_column_int(st, 7);
    in->expiry = sqlite3_column_int64(st, 8);
    in->strike = sqlite3_column_double(st, 9);
    right = sqlite3_column_text(st, 10);
    in->right = right ? (char)right[0] : 0;
    in->multiplier = sqlite3_column_double(st, 11);
}

int hs_store_instrument(hs_store *s, const char *symbol, hs_instrument *out)
{
    sqlite3_stmt *st = NULL;
    int rc = hs_store__stmt(s, HS_ST_INSTR_GET, &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        read_instrument(st, out);
    else if (r == SQLITE_DONE)
        rc = hs_error_set(HS_ENOTFOUND, "%s: no instrument '%s'", s->path,
                          symbol);
    else
        rc = hs_store__dberr(s, "reading instruments");
    sqlite3_reset(st);
    return rc;
}

int hs_store_instruments(hs_store *s, int kind, hs_instrument **out, size_t *n)
{
    sqlite3_stmt *st = NULL;
    hs_instrument *v = NULL;
    size_t cap = 0, len = 0;
    int rc, r;

    *out = NULL;
    *n = 0;
    rc = hs_store__prepare(s,
                 "SELECT id, symbol, kind, underlying, quote, venue, source,"
                 " inverse, expiry, strike, \"right\", multiplier"
                 " FROM instruments WHERE ?1 IS NULL OR kind = ?1"
                 " ORDER BY symbol",
                 &st);
    if (rc)
        return rc;
    if (kind >= 0) {
        if (!hs_kind_name((hs_kind)kind)) {
            sqlite3_finalize(st);
            return hs_error_set(HS_EINVAL, "bad instrument kind %d", kind);
        }
        sqlite3_bind_text(st, 1, hs_kind_name((hs_kind)kind), -1,
                          SQLITE_STATIC);
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (len == cap) {
            size_t nc = cap ? cap * 2 : 64;
            hs_instrument *p = realloc(v, nc * sizeof *p);
            if (!p) {
                rc = hs_error_set(HS_ENOMEM, "out of memory");
                goto done;
            }
            v = p;
            cap = nc;
        }
        read_instrument(st, &v[len++]);
    }
    if (r != SQLITE_DONE)
        rc = hs_store__dberr(s, "reading instruments");
done:
    sqlite3_finalize(st);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = len;
    return 0;
}

/* ----------------------------------------------------------------- reads */

/* Run a range query over (id or series, t0, t1) and hand each row to
 * `row`. */
typedef void (*row_fn)(sqlite3_stmt *st, void *rec);

static int range_query(hs_store *s, const char *sql, int64_t id,
                       const char *key, int64_t t0, int64_t t1, row_fn row,
                       size_t size, void **out, size_t *n)
{
    sqlite3_stmt *st = NULL;
    hs_store__vec v = {NULL, 0, 0, size};
    int rc, r;

    *out = NULL;
    *n = 0;
    if ((rc = hs_store__prepare(s, sql, &st)))
        return rc;
    if (key)
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, t0);
    sqlite3_bind_int64(st, 3, t1);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        void *rec = hs_store__vec_push(&v);
        if (!rec) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        row(st, rec);
    }
    if (r != SQLITE_DONE)
        rc = hs_store__dberr(s, "query");
done:
    sqlite3_finalize(st);
    if (rc) {
        free(v.data);
        return rc;
    }
    *out = v.data;
    *n = v.n;
    return 0;
}

/* A numeric cell, NAN for NULL or text (which sqlite3_column_double would
 * read as 0 or as a number prefix: "12abc" is 12), so that the history
 * loader's checks see a value another tool wrote as not a number. */
static double num(sqlite3_stmt *st, int i)
{
    int t = sqlite3_column_type(st, i);
    return t == SQLITE_INTEGER || t == SQLITE_FLOAT
               ? sqlite3_column_double(st, i)
               : NAN;
}

static void bar_row(sqlite3_stmt *st, void *rec)
{
    hs_bar *b = rec;
    b->ts = sqlite3_column_int64(st, 0);
    b->open = num(st, 1);
    b->high = num(st, 2);
    b->low = num(st, 3);
    b->close = num(st, 4);
    b->volume = num(st, 5);
}

static void funding_row(sqlite3_stmt *st, void *rec)
{
    hs_funding *f = rec;
    f->ts = sqlite3_column_int64(st, 0);
    f->rate = num(st, 1);
    f->interval_hours = num(st, 2);
}

static void rate_row(sqlite3_stmt *st, void *rec)
{
    hs_rate *r = rec;
    r->ts = sqlite3_column_int64(st, 0);
    r->rate = num(st, 1);
}

static void ts_row(sqlite3_stmt *st, void *rec)
{
    *(int64_t *)rec = sqlite3_column_int64(st, 0);
}

int hs_store_bars(hs_store *s, int64_t id, int64_t t0, int64_t t1, hs_bar **out,
                  size_t *n)
{
    return range_query(s,
                       "SELECT ts, open, high, low, close, volume FROM bars"
                       " WHERE instrument_id = ?1 AND ts >= ?2 AND ts < ?3"
                       " ORDER BY ts",
                       id, NULL, t0, t1, bar_row, sizeof(hs_bar), (void **)out,
                       n);
}

int hs_store_index(hs_store *s, int64_t id, int64_t t0, int64_t t1,
                   hs_bar **out, size_t *n)
{
    return range_query(s,
                       "SELECT ts, open, high, low, close, 0.0"
                       " FROM index_values"
                       " WHERE instrument_id = ?1 AND ts >= ?2 AND ts < ?3"
                       " ORDER BY ts",
                       id, NULL, t0, t1, bar_row, sizeof(hs_bar), (void **)out,
                       n);
}

int hs_store_funding(hs_store *s, int64_t id, int64_t t0, int64_t t1,
                     hs_funding **out, size_t *n)
{
    return range_query(s,
                       "SELECT ts, rate, interval_hours FROM funding"
                       " WHERE instrument_id = ?1 AND ts >= ?2 AND ts < ?3"
                       " ORDER BY ts",
                       id, NULL, t0, t1, funding_row, sizeof(hs_funding),
                       (void **)out, n);
}

int hs_store_rates(hs_store *s, const char *series, int64_t t0, int64_t t1,
                   hs_rate **out, size_t *n)
{
    return range_query(s,
                       "SELECT ts, rate FROM rates"
                       " WHERE series = ?1 AND ts >= ?2 AND ts < ?3"
                       " ORDER BY ts",
                       0, series, t0, t1, rate_row, sizeof(hs_rate),
                       (void **)out, n);
}

int hs_store_option_snapshots(hs_store *s, const char *underlying, int64_t t0,
                              int64_t t1, int64_t **out, size_t *n)
{
    return range_query(s,
                       "SELECT DISTINCT q.ts FROM option_quotes q"
                       " JOIN instruments i ON i.id = q.instrument_id"
                       " WHERE i.underlying = ?1 AND q.ts >= ?2 AND q.ts < ?3"
                       " ORDER BY q.ts",
                       0, underlying, t0, t1, ts_row, sizeof(int64_t),
                       (void **)out, n);
}

static void option_row(sqlite3_stmt *st, void *rec)
{
    hs_option_quote *q = rec;
    const unsigned char *right;
    memset(q, 0, sizeof *q);
    q->ts = sqlite3_column_int64(st, 0);
    q->instrument_id = sqlite3_column_int64(st, 1);
    hs_store__copy_text(q->symbol, sizeof q->symbol, sqlite3_column_text(st, 2));
    q->expiry = sqlite3_column_int64(st, 3);
    q->strike = sqlite3_column_double(st, 4);
    right = sqlite3_column_text(st, 5);
    q->right = right ? (char)right[0] : 0;
    q->bid = hs_store__col_num(st, 6);
    q->ask = hs_store__col_num(st, 7);
    q->mark = hs_store__col_num(st, 8);
    q->iv = hs_store__col_num(st, 9);
    q->underlying_price = hs_store__col_num(st, 10);
    q->index_price = hs_store__col_num(st, 11);
    q->bid_iv = hs_store__col_num(st, 12);
    q->ask_iv = hs_store__col_num(st, 13);
    q->delta = hs_store__col_num(st, 14);
    q->gamma = hs_store__col_num(st, 15);
    q->vega = hs_store__col_num(st, 16);
    q->theta = hs_store__col_num(st, 17);
    hs_store__copy_text(q->price_unit, sizeof q->price_unit, sqlite3_column_text(st, 18));
    hs_store__copy_text(q->source, sizeof q->source, sqlite3_column_text(st, 19));
}

int hs_store_option_chain(hs_store *s, const char *underlying, int64_t ts,
                          hs_option_quote **out, size_t *n)
{
    return range_query(
        s,
        "SELECT q.ts, q.instrument_id, i.symbol, i.expiry, i.strike,"
        " i.\"right\", q.bid, q.ask, q.mark, q.iv, q.underlying_price,"
        " q.index_price, q.bid_iv, q.ask_iv, q.delta, q.gamma, q.vega,"
        " q.theta, q.price_unit, q.source"
        " FROM option_quotes q JOIN instruments i ON i.id = q.instrument_id"
        " WHERE i.underlying = ?1 AND q.ts >= ?2 AND q.ts < ?3"
        " ORDER BY i.expiry, i.strike, i.\"right\"",
        0, underlying, ts, ts + 1, option_row, sizeof(hs_option_quote),
        (void **)out, n);
}


/* ------------------------------------------------ quotes by source filter */

typedef enum filter_mode {
    FILTER_EXCHANGE = 0, /* every source except "model:*" */
    FILTER_EXACT = 1,
    FILTER_PREFIX = 2
} filter_mode;

typedef struct quote_filter {
    char underlying[16];
    filter_mode mode;
    char pattern[48]; /* FILTER_EXACT: the tag; FILTER_PREFIX: the prefix */
} quote_filter;

/* The WHERE clause shared by both queries; ?4 is the mode, ?5 the text. */
#define FILTER_SQL                                                             \
    " AND CASE ?4 WHEN 0 THEN substr(q.source, 1, 6) <> 'model:'"              \
    " WHEN 1 THEN q.source = ?5"                                               \
    " ELSE substr(q.source, 1, length(?5)) = ?5 END"

static int filter_init(quote_filter *f, const char *underlying,
                       const char *source)
{
    memset(f, 0, sizeof *f);
    if (!underlying || !*underlying ||
        strlen(underlying) >= sizeof f->underlying)
        return hs_error_set(HS_EINVAL,
                            "store: an underlying of 1..15 characters is "
                            "needed");
    if (source && (!*source || strlen(source) >= sizeof f->pattern))
        return hs_error_set(HS_EINVAL,
                            "store: source filter '%s' must be 1..47 "
                            "characters",
                            source);
    snprintf(f->underlying, sizeof f->underlying, "%s", underlying);
    if (!source) {
        f->mode = FILTER_EXCHANGE;
    } else {
        size_t len = strlen(source);
        f->mode = source[len - 1] == '*' ? FILTER_PREFIX : FILTER_EXACT;
        snprintf(f->pattern, sizeof f->pattern, "%.*s",
                 (int)(f->mode == FILTER_PREFIX ? len - 1 : len), source);
    }
    return 0;
}

/* Bind ?1 (the underlying), ?4 and ?5 (the filter); `f` must outlive the
 * statement's use (SQLITE_STATIC). */
static void bind_filter(const quote_filter *f, sqlite3_stmt *st)
{
    sqlite3_bind_text(st, 1, f->underlying, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, (int)f->mode);
    sqlite3_bind_text(st, 5, f->pattern, -1, SQLITE_STATIC);
}

int hs_store_quotes_times(hs_store *s, const char *underlying,
                          const char *source, int64_t t0, int64_t t1,
                          int64_t **out, size_t *n)
{
    static const char sql[] =
        "SELECT DISTINCT q.ts FROM option_quotes q"
        " JOIN instruments i ON i.id = q.instrument_id"
        " WHERE i.underlying = ?1 AND q.ts >= ?2 AND q.ts < ?3" FILTER_SQL
        " ORDER BY q.ts";
    quote_filter f;
    sqlite3_stmt *st = NULL;
    hs_store__vec v = {NULL, 0, 0, sizeof(int64_t)};
    int rc, r;

    if (!out || !n)
        return hs_error_set(HS_EINVAL, "store: NULL argument");
    *out = NULL;
    *n = 0;
    if (!s)
        return hs_error_set(HS_EINVAL, "store: NULL store");
    if ((rc = filter_init(&f, underlying, source)) ||
        (rc = hs_store__prepare(s, sql, &st)))
        return rc;
    bind_filter(&f, st);
    sqlite3_bind_int64(st, 2, t0);
    sqlite3_bind_int64(st, 3, t1);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t *ts = hs_store__vec_push(&v);
        if (!ts) {
            rc = hs_error_set(HS_ENOMEM, "store: out of memory");
            goto done;
        }
        *ts = sqlite3_column_int64(st, 0);
    }
    if (r != SQLITE_DONE)
        rc = hs_store__dberr(s, "option snapshot times");
done:
    sqlite3_finalize(st);
    if (rc) {
        free(v.data);
        return rc;
    }
    *out = v.data;
    *n = v.n;
    return 0;
}

struct hs_store_quotes {
    hs_store *store; /* borrowed */
    quote_filter f;
    sqlite3_stmt *st; /* prepared once, reset by every seek */
    int active;       /* 1: rows may follow; 0: at the end */
};

int hs_store_quotes_open(hs_store_quotes **out, hs_store *s,
                         const char *underlying, const char *source,
                         int64_t ts)
{
    static const char sql[] =
        "SELECT q.ts, q.instrument_id, i.symbol, i.expiry, i.strike,"
        " i.\"right\", q.bid, q.ask, q.mark, q.iv, q.underlying_price,"
        " q.index_price, q.bid_iv, q.ask_iv, q.delta, q.gamma, q.vega,"
        " q.theta, q.price_unit, q.source"
        " FROM option_quotes q JOIN instruments i ON i.id = q.instrument_id"
        " WHERE i.underlying = ?1 AND q.ts = ?2" FILTER_SQL
        " ORDER BY i.expiry, i.\"right\", i.strike, q.source, i.symbol";
    hs_store_quotes *c;
    int rc;

    if (!out)
        return hs_error_set(HS_EINVAL, "store: NULL out");
    *out = NULL;
    if (!s)
        return hs_error_set(HS_EINVAL, "store: NULL store");
    c = calloc(1, sizeof *c);
    if (!c)
        return hs_error_set(HS_ENOMEM, "store: out of memory");
    c->store = s;
    if ((rc = filter_init(&c->f, underlying, source)) ||
        (rc = hs_store__prepare(s, sql, &c->st)) ||
        (rc = hs_store_quotes_seek(c, ts))) {
        hs_store_quotes_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

int hs_store_quotes_seek(hs_store_quotes *c, int64_t ts)
{
    if (!c)
        return hs_error_set(HS_EINVAL, "store: NULL cursor");
    sqlite3_reset(c->st);
    sqlite3_clear_bindings(c->st);
    bind_filter(&c->f, c->st);
    sqlite3_bind_int64(c->st, 2, ts);
    c->active = 1;
    return 0;
}

int hs_store_quotes_next(hs_store_quotes *c, hs_option_quote *q)
{
    if (!c || !q)
        return hs_error_set(HS_EINVAL, "store: NULL argument");
    if (!c->active)
        return HS_ITEROVER;
    int r = sqlite3_step(c->st);
    if (r == SQLITE_ROW) {
        option_row(c->st, q);
        return 0;
    }
    /* The end or an error: reset now, so that no read transaction stays
     * open between snapshots. */
    c->active = 0;
    int rc = r == SQLITE_DONE ? HS_ITEROVER
                              : hs_store__dberr(c->store, "option chain");
    sqlite3_reset(c->st);
    return rc;
}

void hs_store_quotes_close(hs_store_quotes *c)
{
    if (!c)
        return;
    sqlite3_finalize(c->st);
    free(c);
}
