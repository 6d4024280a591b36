/* The SQLite market store, part 4 of 4: the summaries `hedgesim info`
 * prints: per series its range, row count, inferred step and gaps; option
 * quotes per underlying, price unit and source; rate series with their
 * calendar-day or weekday grid. */
#include "store_int.h"

#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ info */

/* Sum of missing steps given the spacing histogram (dt, count). */
static int spacing(hs_store *s, const char *sql, int64_t id, int64_t *step,
                   long long *gaps, int per_row_interval)
{
    sqlite3_stmt *st = NULL;
    int rc = hs_store__prepare(s, sql, &st);
    long long best = -1;
    int r;
    if (rc)
        return rc;
    *gaps = 0;
    sqlite3_bind_int64(st, 1, id);
    if (!per_row_interval) {
        /* rows: (dt, count) ascending by dt */
        hs_store__vec v = {NULL, 0, 0, 2 * sizeof(int64_t)};
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t *p = hs_store__vec_push(&v);
            if (!p) {
                free(v.data);
                sqlite3_finalize(st);
                return hs_error_set(HS_ENOMEM, "out of memory");
            }
            p[0] = sqlite3_column_int64(st, 0);
            p[1] = sqlite3_column_int64(st, 1);
            if (p[1] > best) {
                best = p[1];
                *step = p[0];
            }
        }
        for (size_t i = 0; *step > 0 && i < v.n; i++) {
            const int64_t *p = (const int64_t *)v.data + 2 * i;
            if (p[0] > *step)
                *gaps += (long long)(p[0] / *step - 1) * p[1];
        }
        free(v.data);
    } else {
        /* rows: (dt, previous interval in hours, count) */
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t dt = sqlite3_column_int64(st, 0);
            int64_t iv = (int64_t)llround(sqlite3_column_double(st, 1) *
                                          (double)HS_MS_PER_HOUR);
            if (iv > 0 && dt > iv)
                *gaps += (long long)(dt / iv - 1) * sqlite3_column_int64(st, 2);
        }
    }
    if (r != SQLITE_DONE)
        rc = hs_store__dberr(s, "gap count");
    sqlite3_finalize(st);
    return rc;
}

/* A daily series' gaps on the calendar it keeps (a stock has no weekend
 * gaps). */
static int daily_gaps(hs_store *s, const hs_instrument *in, int bars,
                      hs_series_info *si)
{
    hs_bar *b = NULL;
    size_t n = 0;
    int rc = bars ? hs_store_bars(s, in->id, INT64_MIN, INT64_MAX, &b, &n)
                  : hs_store_index(s, in->id, INT64_MIN, INT64_MAX, &b, &n);
    int64_t *ts = rc ? NULL : malloc((n ? n : 1) * sizeof *ts);
    if (!rc && !ts)
        rc = hs_error_set(HS_ENOMEM, "out of memory");
    if (!rc) {
        for (size_t k = 0; k < n; k++)
            ts[k] = b[k].ts;
        hs_calendar cal = hs_cal_infer(ts, n);
        si->calendar = (int)cal;
        si->gaps = hs_cal_gaps(cal, ts, n);
    }
    free(ts);
    free(b);
    return rc;
}

typedef struct series_table {
    const char *name;
    const char *summary_sql;
    const char *spacing_sql;
    int per_row_interval;
} series_table;

static const series_table series_tables[] = {
    {"bars",
     "SELECT count(*), min(ts), max(ts) FROM bars WHERE instrument_id = ?1",
     "SELECT dt, count(*) FROM (SELECT ts - lag(ts) OVER (ORDER BY ts) AS dt"
     " FROM bars WHERE instrument_id = ?1) WHERE dt IS NOT NULL"
     " GROUP BY dt ORDER BY dt",
     0},
    {"funding",
     "SELECT count(*), min(ts), max(ts) FROM funding WHERE instrument_id = ?1",
     "SELECT dt, iv, count(*) FROM (SELECT ts - lag(ts) OVER w AS dt,"
     " lag(interval_hours) OVER w AS iv FROM funding WHERE instrument_id = ?1"
     " WINDOW w AS (ORDER BY ts)) WHERE dt IS NOT NULL GROUP BY dt, iv",
     1},
    {"index",
     "SELECT count(*), min(ts), max(ts) FROM index_values"
     " WHERE instrument_id = ?1",
     "SELECT dt, count(*) FROM (SELECT ts - lag(ts) OVER (ORDER BY ts) AS dt"
     " FROM index_values WHERE instrument_id = ?1) WHERE dt IS NOT NULL"
     " GROUP BY dt ORDER BY dt",
     0},
};

/* The most common funding interval of a perp, in ms. */
static int funding_step(hs_store *s, int64_t id, int64_t *step)
{
    sqlite3_stmt *st = NULL;
    int rc = hs_store__prepare(s,
                     "SELECT interval_hours FROM funding WHERE"
                     " instrument_id = ?1 GROUP BY interval_hours"
                     " ORDER BY count(*) DESC LIMIT 1",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *step = (int64_t)llround(sqlite3_column_double(st, 0) *
                                 (double)HS_MS_PER_HOUR);
    else if (r != SQLITE_DONE)
        rc = hs_store__dberr(s, "funding interval");
    sqlite3_finalize(st);
    return rc;
}

int hs_store_series_info(hs_store *s, hs_series_info **out, size_t *n)
{
    hs_instrument *inst = NULL;
    size_t ni = 0;
    hs_store__vec v = {NULL, 0, 0, sizeof(hs_series_info)};
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = hs_store_instruments(s, -1, &inst, &ni)))
        return rc;
    for (size_t i = 0; i < ni && !rc; i++) {
        if (inst[i].kind == HS_KIND_OPTION)
            continue;
        for (size_t t = 0; t < sizeof series_tables / sizeof *series_tables;
             t++) {
            const series_table *tb = &series_tables[t];
            sqlite3_stmt *st = NULL;
            hs_series_info si;
            memset(&si, 0, sizeof si);
            if ((rc = hs_store__prepare(s, tb->summary_sql, &st)))
                break;
            sqlite3_bind_int64(st, 1, inst[i].id);
            if (sqlite3_step(st) != SQLITE_ROW) {
                rc = hs_store__dberr(s, "series summary");
                sqlite3_finalize(st);
                break;
            }
            si.rows = sqlite3_column_int64(st, 0);
            si.first_ts = sqlite3_column_int64(st, 1);
            si.last_ts = sqlite3_column_int64(st, 2);
            sqlite3_finalize(st);
            if (si.rows == 0)
                continue;
            si.inst = inst[i];
            si.table = tb->name;
            if ((rc = spacing(s, tb->spacing_sql, inst[i].id, &si.step_ms,
                              &si.gaps, tb->per_row_interval)))
                break;
            if (tb->per_row_interval &&
                (rc = funding_step(s, inst[i].id, &si.step_ms)))
                break;
            si.calendar = -1;
            if (!tb->per_row_interval && si.step_ms == HS_MS_PER_DAY &&
                (rc = daily_gaps(s, &inst[i], t == 0, &si)))
                break;
            hs_series_info *p = hs_store__vec_push(&v);
            if (!p) {
                rc = hs_error_set(HS_ENOMEM, "out of memory");
                break;
            }
            *p = si;
        }
    }
    free(inst);
    if (rc) {
        free(v.data);
        return rc;
    }
    *out = v.data;
    *n = v.n;
    return 0;
}

int hs_store_option_info(hs_store *s, hs_option_info **out, size_t *n)
{
    sqlite3_stmt *st = NULL;
    hs_store__vec v = {NULL, 0, 0, sizeof(hs_option_info)};
    int rc, r;

    *out = NULL;
    *n = 0;
    rc = hs_store__prepare(s,
                 "SELECT i.underlying, q.price_unit, q.source,"
                 " count(DISTINCT q.ts), count(DISTINCT q.instrument_id),"
                 " count(*), min(q.ts), max(q.ts)"
                 " FROM option_quotes q JOIN instruments i"
                 " ON i.id = q.instrument_id"
                 " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                 &st);
    if (rc)
        return rc;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hs_option_info *p = hs_store__vec_push(&v);
        if (!p) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        hs_store__copy_text(p->underlying, sizeof p->underlying,
                  sqlite3_column_text(st, 0));
        hs_store__copy_text(p->price_unit, sizeof p->price_unit,
                  sqlite3_column_text(st, 1));
        hs_store__copy_text(p->source, sizeof p->source, sqlite3_column_text(st, 2));
        p->snapshots = sqlite3_column_int64(st, 3);
        p->contracts = sqlite3_column_int64(st, 4);
        p->rows = sqlite3_column_int64(st, 5);
        p->first_ts = sqlite3_column_int64(st, 6);
        p->last_ts = sqlite3_column_int64(st, 7);
    }
    if (r != SQLITE_DONE)
        rc = hs_store__dberr(s, "option summary");
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

/* Monday = 0 ... Sunday = 6 for a day count since 1970-01-01 (a Thursday). */
static int weekday(int64_t day)
{
    int64_t w = (day + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int hs_store_rate_info(hs_store *s, hs_rate_info **out, size_t *n)
{
    sqlite3_stmt *st = NULL, *days = NULL;
    hs_store__vec v = {NULL, 0, 0, sizeof(hs_rate_info)};
    int rc, r;

    *out = NULL;
    *n = 0;
    if ((rc = hs_store__prepare(s,
                      "SELECT series, min(source), count(*), min(ts), max(ts)"
                      " FROM rates GROUP BY series ORDER BY series",
                      &st)) ||
        (rc = hs_store__prepare(s,
                      "SELECT count(*) FROM rates WHERE series = ?1 AND"
                      " ((ts / 86400000) % 7 + 10) % 7 >= 5",
                      &days)))
        goto done;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hs_rate_info *p = hs_store__vec_push(&v);
        if (!p) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        memset(p, 0, sizeof *p);
        hs_store__copy_text(p->series, sizeof p->series, sqlite3_column_text(st, 0));
        hs_store__copy_text(p->source, sizeof p->source, sqlite3_column_text(st, 1));
        p->rows = sqlite3_column_int64(st, 2);
        p->first_ts = sqlite3_column_int64(st, 3);
        p->last_ts = sqlite3_column_int64(st, 4);
        sqlite3_reset(days);
        sqlite3_bind_text(days, 1, p->series, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(days) != SQLITE_ROW) {
            rc = hs_store__dberr(s, "rate summary");
            goto done;
        }
        p->weekdays = sqlite3_column_int64(days, 0) == 0;
        int64_t d0 = hs_cal_floor(p->first_ts, HS_MS_PER_DAY) / HS_MS_PER_DAY;
        int64_t d1 = hs_cal_floor(p->last_ts, HS_MS_PER_DAY) / HS_MS_PER_DAY;
        long long grid = 0;
        for (int64_t d = d0; d <= d1; d++)
            grid += !p->weekdays || weekday(d) < 5;
        p->gaps = grid > p->rows ? grid - p->rows : 0;
    }
    if (r != SQLITE_DONE)
        rc = hs_store__dberr(s, "rate summary");
done:
    sqlite3_finalize(st);
    sqlite3_finalize(days);
    if (rc) {
        free(v.data);
        return rc;
    }
    *out = v.data;
    *n = v.n;
    return 0;
}
