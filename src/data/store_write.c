/* The SQLite market store, part 2 of 4: writing.  Instruments are found or
 * created by hs_store_ensure_instrument; rows are added by one put per table,
 * each an INSERT ... ON CONFLICT DO NOTHING followed, when nothing was
 * inserted, by a "same values?" query, so that a repeated import is
 * idempotent and a conflicting row is reported, never overwritten.  The
 * caller holds the transaction (hs_store_begin / hs_store_commit). */
#include "store_int.h"

#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Bind a double, NAN as NULL. */
static void bind_num(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

/* ------------------------------------------------------------ instruments */

int hs_store_ensure_instrument(hs_store *s, const hs_instrument *want,
                               const char *where, int64_t *id)
{
    hs_instrument have;
    sqlite3_stmt *st = NULL;
    char a[40];
    int rc;

    if (!s || !want || !id)
        return hs_error_set(HS_EINVAL, "store: NULL argument");
    if (!where)
        where = s->path;
    if (!hs_store__valid_symbol(want->symbol))
        return hs_error_set(HS_EINVAL,
                            "%s: bad symbol '%s' (1..47 characters of "
                            "A-Z a-z 0-9 . _ -)",
                            where, want->symbol);
    rc = hs_store_instrument(s, want->symbol, &have);
    if (rc == 0) {
        const char *diff = NULL;
        if (have.kind != want->kind)
            diff = "kind";
        else if (have.inverse != want->inverse)
            diff = "inverse";
        else if (want->kind == HS_KIND_OPTION &&
                 (have.expiry != want->expiry || have.strike != want->strike ||
                  have.right != want->right))
            diff = "expiry, strike or right";
        if (diff)
            return hs_error_set(
                HS_EDATA,
                "%s: instrument %s is already in the store as a %s%s "
                "(expiry %s, strike %g) with another %s",
                where, want->symbol, have.inverse ? "inverse " : "",
                hs_kind_name(have.kind),
                hs_cal_format_time(have.expiry, a, sizeof a), have.strike,
                diff);
        *id = have.id;
        return 0;
    }
    if (rc != HS_ENOTFOUND)
        return rc;
    if ((rc = hs_store__stmt(s, HS_ST_INSTR_ADD, &st)))
        return rc;
    sqlite3_bind_text(st, 1, want->symbol, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hs_kind_name(want->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, want->underlying, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, want->quote, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, want->venue, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, want->source, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 7, want->inverse ? 1 : 0);
    if (want->kind == HS_KIND_OPTION || want->kind == HS_KIND_FUTURE)
        sqlite3_bind_int64(st, 8, want->expiry);
    if (want->kind == HS_KIND_OPTION) {
        char r[2] = {want->right, 0};
        sqlite3_bind_double(st, 9, want->strike);
        sqlite3_bind_text(st, 10, r, 1, SQLITE_TRANSIENT);
    }
    sqlite3_bind_double(st, 11, want->multiplier > 0 ? want->multiplier : 1);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = hs_store__dberr(s, "adding an instrument");
        hs_error_prefix("%s: instrument %s: ", where, want->symbol);
        sqlite3_reset(st);
        return rc;
    }
    sqlite3_reset(st);
    *id = sqlite3_last_insert_rowid(s->db);
    {
        const int64_t iv[] = {*id, want->inverse ? 1 : 0, want->expiry,
                              want->right};
        const double dv[] = {want->strike,
                             want->multiplier > 0 ? want->multiplier : 1};
        const char *const tv[] = {want->symbol, hs_kind_name(want->kind),
                                  want->underlying, want->quote, want->venue,
                                  want->source};
        hs_store__digest_row(s, 'i', iv, 4, dv, 2, tv, 6);
    }
    return 0;
}


/* ------------------------------------------------------------------ puts */

/* Step an INSERT ... ON CONFLICT DO NOTHING; if nothing was inserted, step
 * the matching "same values?" query (with the same bindings). */
static int put_finish(hs_store *s, sqlite3_stmt *add, sqlite3_stmt *same,
                      int *outcome)
{
    int r = sqlite3_step(add);
    sqlite3_reset(add);
    if (r != SQLITE_DONE)
        return hs_store__dberr(s, "insert");
    if (sqlite3_changes(s->db) == 1) {
        *outcome = HS_STORE_PUT_NEW;
        return 0;
    }
    r = sqlite3_step(same);
    sqlite3_reset(same);
    if (r == SQLITE_ROW)
        *outcome = HS_STORE_PUT_SAME;
    else if (r == SQLITE_DONE)
        *outcome = HS_STORE_PUT_CONFLICT;
    else
        return hs_store__dberr(s, "compare");
    return 0;
}

int hs_store__put_bar(hs_store *s, int64_t id, const hs_bar *b,
                      const char *source, int *outcome)
{
    sqlite3_stmt *add = NULL, *same = NULL;
    int rc;
    if ((rc = hs_store__stmt(s, HS_ST_BAR_ADD, &add)) ||
        (rc = hs_store__stmt(s, HS_ST_BAR_GET, &same)))
        return rc;
    sqlite3_stmt *both[2] = {add, same};
    for (int k = 0; k < 2; k++) {
        sqlite3_bind_int64(both[k], 1, id);
        sqlite3_bind_int64(both[k], 2, b->ts);
        sqlite3_bind_double(both[k], 3, b->open);
        sqlite3_bind_double(both[k], 4, b->high);
        sqlite3_bind_double(both[k], 5, b->low);
        sqlite3_bind_double(both[k], 6, b->close);
        sqlite3_bind_double(both[k], 7, b->volume);
    }
    sqlite3_bind_text(add, 8, source, -1, SQLITE_STATIC);
    if ((rc = put_finish(s, add, same, outcome)) == 0 &&
        *outcome == HS_STORE_PUT_NEW) {
        const int64_t iv[] = {id, b->ts};
        const double dv[] = {b->open, b->high, b->low, b->close, b->volume};
        hs_store__digest_row(s, 'b', iv, 2, dv, 5, &source, 1);
    }
    return rc;
}

int hs_store__put_index(hs_store *s, int64_t id, const hs_bar *b,
                        const char *source, int *outcome)
{
    sqlite3_stmt *add = NULL, *same = NULL;
    int rc;
    if ((rc = hs_store__stmt(s, HS_ST_INDEX_ADD, &add)) ||
        (rc = hs_store__stmt(s, HS_ST_INDEX_GET, &same)))
        return rc;
    sqlite3_stmt *both[2] = {add, same};
    for (int k = 0; k < 2; k++) {
        sqlite3_bind_int64(both[k], 1, id);
        sqlite3_bind_int64(both[k], 2, b->ts);
        sqlite3_bind_double(both[k], 3, b->open);
        sqlite3_bind_double(both[k], 4, b->high);
        sqlite3_bind_double(both[k], 5, b->low);
        sqlite3_bind_double(both[k], 6, b->close);
    }
    sqlite3_bind_text(add, 7, source, -1, SQLITE_STATIC);
    if ((rc = put_finish(s, add, same, outcome)) == 0 &&
        *outcome == HS_STORE_PUT_NEW) {
        const int64_t iv[] = {id, b->ts};
        const double dv[] = {b->open, b->high, b->low, b->close};
        hs_store__digest_row(s, 'x', iv, 2, dv, 4, &source, 1);
    }
    return rc;
}

int hs_store__put_funding(hs_store *s, int64_t id, const hs_funding *f,
                          const char *source, int *outcome)
{
    sqlite3_stmt *add = NULL, *same = NULL;
    int rc;
    if ((rc = hs_store__stmt(s, HS_ST_FUND_ADD, &add)) ||
        (rc = hs_store__stmt(s, HS_ST_FUND_GET, &same)))
        return rc;
    sqlite3_stmt *both[2] = {add, same};
    for (int k = 0; k < 2; k++) {
        sqlite3_bind_int64(both[k], 1, id);
        sqlite3_bind_int64(both[k], 2, f->ts);
        sqlite3_bind_double(both[k], 3, f->rate);
        sqlite3_bind_double(both[k], 4, f->interval_hours);
    }
    sqlite3_bind_text(add, 5, source, -1, SQLITE_STATIC);
    if ((rc = put_finish(s, add, same, outcome)) == 0 &&
        *outcome == HS_STORE_PUT_NEW) {
        const int64_t iv[] = {id, f->ts};
        const double dv[] = {f->rate, f->interval_hours};
        hs_store__digest_row(s, 'f', iv, 2, dv, 2, &source, 1);
    }
    return rc;
}

int hs_store__put_rate(hs_store *s, const char *series, const hs_rate *r,
                       const char *source, int *outcome)
{
    sqlite3_stmt *add = NULL, *same = NULL;
    int rc;
    if ((rc = hs_store__stmt(s, HS_ST_RATE_ADD, &add)) ||
        (rc = hs_store__stmt(s, HS_ST_RATE_GET, &same)))
        return rc;
    sqlite3_stmt *both[2] = {add, same};
    for (int k = 0; k < 2; k++) {
        sqlite3_bind_text(both[k], 1, series, -1, SQLITE_STATIC);
        sqlite3_bind_int64(both[k], 2, r->ts);
        sqlite3_bind_double(both[k], 3, r->rate);
    }
    sqlite3_bind_text(add, 4, source, -1, SQLITE_STATIC);
    if ((rc = put_finish(s, add, same, outcome)) == 0 &&
        *outcome == HS_STORE_PUT_NEW) {
        const char *const tv[] = {series, source};
        hs_store__digest_row(s, 'r', &r->ts, 1, &r->rate, 1, tv, 2);
    }
    return rc;
}

int hs_store_put_option(hs_store *s, const hs_option_quote *q,
                        const char *source, int *outcome)
{
    sqlite3_stmt *add = NULL, *same = NULL;
    int rc;
    if (!s || !q || !source || !outcome)
        return hs_error_set(HS_EINVAL, "store: NULL argument");
    if ((rc = hs_store__stmt(s, HS_ST_OPT_ADD, &add)) ||
        (rc = hs_store__stmt(s, HS_ST_OPT_GET, &same)))
        return rc;
    sqlite3_stmt *both[2] = {add, same};
    for (int k = 0; k < 2; k++) {
        sqlite3_stmt *st = both[k];
        sqlite3_bind_int64(st, 1, q->ts);
        sqlite3_bind_int64(st, 2, q->instrument_id);
        bind_num(st, 3, q->bid);
        bind_num(st, 4, q->ask);
        bind_num(st, 5, q->mark);
        bind_num(st, 6, q->iv);
        bind_num(st, 7, q->underlying_price);
        bind_num(st, 8, q->index_price);
        bind_num(st, 9, q->bid_iv);
        bind_num(st, 10, q->ask_iv);
        bind_num(st, 11, q->delta);
        bind_num(st, 12, q->gamma);
        bind_num(st, 13, q->vega);
        bind_num(st, 14, q->theta);
        sqlite3_bind_text(st, 15, q->price_unit, -1, SQLITE_STATIC);
    }
    sqlite3_bind_text(add, 16, source, -1, SQLITE_STATIC);
    if ((rc = put_finish(s, add, same, outcome)) == 0 &&
        *outcome == HS_STORE_PUT_NEW) {
        const int64_t iv[] = {q->ts, q->instrument_id};
        const double dv[] = {q->bid,   q->ask,      q->mark,
                             q->iv,    q->underlying_price,
                             q->index_price, q->bid_iv, q->ask_iv,
                             q->delta, q->gamma,    q->vega,
                             q->theta};
        const char *const tv[] = {q->price_unit, source};
        hs_store__digest_row(s, 'o', iv, 2, dv, 12, tv, 2);
    }
    return rc;
}

