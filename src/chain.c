/* Option-chain slices, the pickers, and the two chain sources: replay of the
 * store's snapshots and chains modeled from a volatility model.
 *
 * A source is a cursor over the steps of one panel, like the engine loop it
 * serves.  Its memory is allocated when it is created (the model source) or
 * when the visible snapshot changes (the replay, which reuses its buffer and
 * grows it only for a larger snapshot); asking for a step otherwise does no
 * allocation and no I/O.  The replay reads the store through its internal
 * handle because the public reads do not yet filter by a row's source
 * (exchange data and modeled data must never be mixed up). */
#include "hedgesim/chain.h"
#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"
#include "hedgesim/price.h"
#include "store_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define YEAR_MS (365.0 * (double)HS_MS_PER_DAY)
#define NONE ((size_t)-1)

/* A missing mark is the mid of a book no wider than MID_MAX_SPREAD of the
 * mid or MID_MAX_TICKS ticks of MID_TICK coin (Deribit's price step) at the
 * forward; a wider book says little about value and leaves the mark NAN. */
#define MID_MAX_SPREAD 0.5
#define MID_MAX_TICKS 2.0
#define MID_TICK 0.0001

/* ---------------------------------------------------------------- slices */

int hs_chain_new(hs_chain **out, size_t cap)
{
    hs_chain *c;
    if (!out)
        return hs_error_set(HS_EINVAL, "chain: NULL out");
    *out = NULL;
    c = calloc(1, sizeof *c);
    if (!c)
        return hs_error_set(HS_ENOMEM, "chain: out of memory");
    c->spot = NAN;
    if (cap && hs_chain_reserve(c, cap)) {
        free(c);
        return HS_ENOMEM;
    }
    *out = c;
    return 0;
}

void hs_chain_free(hs_chain *c)
{
    if (!c)
        return;
    free(c->q);
    free(c);
}

int hs_chain_reserve(hs_chain *c, size_t cap)
{
    if (!c)
        return hs_error_set(HS_EINVAL, "chain: NULL slice");
    if (cap <= c->cap)
        return 0;
    if (cap > SIZE_MAX / sizeof *c->q)
        return hs_error_set(HS_ENOMEM, "chain: %zu quotes is too many", cap);
    hs_chain_quote *q = realloc(c->q, cap * sizeof *q);
    if (!q)
        return hs_error_set(HS_ENOMEM, "chain: out of memory for %zu quotes",
                            cap);
    c->q = q;
    c->cap = cap;
    return 0;
}

/* ---------------------------------------------------------------- pickers */

/* Order of quotes: expiry, then right, then strike. */
static int key_cmp(const hs_chain_quote *q, int64_t expiry, char right)
{
    if (q->expiry != expiry)
        return q->expiry < expiry ? -1 : 1;
    if (q->right != right)
        return q->right < right ? -1 : 1;
    return 0;
}

/* The range [*lo, *hi) of quotes with this expiry and right. */
static void group(const hs_chain *c, int64_t expiry, char right, size_t *lo,
                  size_t *hi)
{
    size_t a = 0, b = c->n;
    while (a < b) { /* first quote not before the group */
        size_t mid = a + (b - a) / 2;
        if (key_cmp(&c->q[mid], expiry, right) < 0)
            a = mid + 1;
        else
            b = mid;
    }
    *lo = a;
    b = c->n;
    while (a < b) { /* first quote after the group */
        size_t mid = a + (b - a) / 2;
        if (key_cmp(&c->q[mid], expiry, right) <= 0)
            a = mid + 1;
        else
            b = mid;
    }
    *hi = a;
}

static int can_buy(const hs_chain_quote *q)
{
    return isfinite(q->ask) && q->ask >= 0;
}

int64_t hs_chain_pick_expiry(const hs_chain *c, int64_t now, int64_t tenor_ms,
                             int64_t min_ms)
{
    int64_t best = 0;
    double best_d = INFINITY;
    if (!c)
        return 0;
    const double target = (double)now + (double)tenor_ms;
    for (size_t i = 0; i < c->n; i++) {
        const hs_chain_quote *q = &c->q[i];
        if (!can_buy(q) || q->expiry < now + min_ms || q->expiry == best)
            continue;
        /* Distances in double: exact for any realistic time (< 2^53 ms). */
        double d = fabs((double)q->expiry - target);
        if (d < best_d || (d == best_d && q->expiry < best)) {
            best_d = d;
            best = q->expiry;
        }
    }
    return best;
}

int hs_chain_pick_moneyness(const hs_chain *c, int64_t expiry, char right,
                            double moneyness)
{
    size_t lo, hi;
    int best = -1;
    double best_d = INFINITY;
    if (!c || !isfinite(moneyness))
        return -1;
    group(c, expiry, right, &lo, &hi);
    for (size_t i = lo; i < hi; i++) {
        const hs_chain_quote *q = &c->q[i];
        double ref = c->spot > 0 && isfinite(c->spot) ? c->spot : q->forward;
        if (!can_buy(q) || !(ref > 0) || !isfinite(ref))
            continue;
        double d = fabs(q->strike - moneyness * ref);
        /* Strikes ascend within the group: strict < keeps the lower one. */
        if (d < best_d) {
            best_d = d;
            best = (int)i;
        }
    }
    return best;
}

int hs_chain_pick_delta(const hs_chain *c, int64_t expiry, char right,
                        double delta, int64_t now, double r)
{
    size_t lo, hi;
    int best = -1;
    double best_d = INFINITY;
    if (!c || !isfinite(delta) || !isfinite(r) || expiry <= now)
        return -1;
    const double T = (double)(expiry - now) / YEAR_MS;
    group(c, expiry, right, &lo, &hi);
    for (size_t i = lo; i < hi; i++) {
        const hs_chain_quote *q = &c->q[i];
        hs_greeks g;
        if (!can_buy(q) || !isfinite(q->iv) || !isfinite(q->forward) ||
            hs_black76(right == 'C' ? HS_CALL : HS_PUT, q->forward, q->strike,
                       T, r, q->iv, &g) != 0)
            continue;
        double d = fabs(g.delta - delta);
        if (d < best_d) {
            best_d = d;
            best = (int)i;
        }
    }
    return best;
}

int hs_chain_find(const hs_chain *c, int64_t expiry, double strike, char right)
{
    size_t lo, hi;
    if (!c || !isfinite(strike))
        return -1;
    group(c, expiry, right, &lo, &hi);
    const double tol = 1e-9 * fmax(1.0, fabs(strike));
    while (lo < hi) { /* first strike >= strike - tol */
        size_t mid = lo + (hi - lo) / 2;
        if (c->q[mid].strike < strike - tol)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < c->n && key_cmp(&c->q[lo], expiry, right) == 0 &&
        fabs(c->q[lo].strike - strike) <= tol)
        return (int)lo;
    return -1;
}

/* ---------------------------------------------------------------- sources */

typedef enum src_kind { SRC_STORE = 0, SRC_MODEL = 1 } src_kind;

typedef enum filter_mode {
    FILTER_EXCHANGE = 0, /* every source except "model:*" */
    FILTER_EXACT = 1,
    FILTER_PREFIX = 2
} filter_mode;

struct hs_chain_source {
    src_kind kind;
    const hs_panel *panel;
    hs_chain *slice;
    size_t t; /* the step the slice shows, or NONE */

    /* store replay */
    hs_store *store;
    char underlying[16];
    filter_mode filter;
    char pattern[48]; /* FILTER_EXACT: the tag; FILTER_PREFIX: the prefix */
    int64_t max_age;
    int64_t *snap; /* snapshot times, ascending */
    size_t n_snap;
    size_t loaded; /* index in snap of the slice's snapshot, or NONE */
    hs_iv_solver *iv;

    /* model */
    hs_chain_model m;
    int asset, vol_index;
    double periods;  /* steps per year of 365 days */
    size_t rv_steps; /* realized window in steps */
    size_t rv_need;  /* returns needed in that window */
    size_t n30;      /* steps in 30 days */
    int use_garch;
    double g_prior;    /* garch_vol^2 per step: the long-run variance
                        * until the window below has rv_need returns */
    size_t g_lr_steps; /* variance-targeting window (0: the prior only) */
    double g_sum;      /* sum of squared returns in that window */
    size_t g_n;        /* returns in it */
    double g_var_lr;   /* long-run variance per step at g_t */
    double g_h;        /* variance forecast for step g_t + 1 */
    size_t g_t;        /* last step folded into g_h */
};

static int check_panel(const hs_panel *p, const char *what)
{
    if (!p || p->n_steps == 0 || p->step_ms <= 0 || !p->time || !p->close ||
        !p->state)
        return hs_error_set(HS_EINVAL, "%s: an empty or invalid panel", what);
    return 0;
}

static int source_alloc(hs_chain_source **out, src_kind kind,
                        const hs_panel *panel)
{
    hs_chain_source *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return hs_error_set(HS_ENOMEM, "chain source: out of memory");
    s->kind = kind;
    s->panel = panel;
    s->t = NONE;
    s->loaded = NONE;
    s->asset = s->vol_index = -1;
    int rc = hs_chain_new(&s->slice, 0);
    if (rc) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void hs_chain_source_free(hs_chain_source *src)
{
    if (!src)
        return;
    hs_chain_free(src->slice);
    free(src->snap);
    hs_iv_solver_free(src->iv);
    free(src);
}

/* ----------------------------------------------------------- store replay */

/* The WHERE clause shared by both queries; ?4 is the mode, ?5 the text. */
#define FILTER_SQL                                                             \
    " AND CASE ?4 WHEN 0 THEN substr(q.source, 1, 6) <> 'model:'"              \
    " WHEN 1 THEN q.source = ?5"                                               \
    " ELSE substr(q.source, 1, length(?5)) = ?5 END"

static void bind_filter(const hs_chain_source *s, sqlite3_stmt *st)
{
    sqlite3_bind_int(st, 4, (int)s->filter);
    sqlite3_bind_text(st, 5, s->pattern, -1, SQLITE_STATIC);
}

static double col_num(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL
               ? NAN
               : sqlite3_column_double(st, i);
}

static int load_snapshot_times(hs_chain_source *s, int64_t t0, int64_t t1)
{
    static const char sql[] =
        "SELECT DISTINCT q.ts FROM option_quotes q"
        " JOIN instruments i ON i.id = q.instrument_id"
        " WHERE i.underlying = ?1 AND q.ts >= ?2 AND q.ts <= ?3" FILTER_SQL
        " ORDER BY q.ts";
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc = 0, r;

    if (sqlite3_prepare_v2(s->store->db, sql, -1, &st, NULL) != SQLITE_OK)
        return hs_store__dberr(s->store, "option snapshot times");
    sqlite3_bind_text(st, 1, s->underlying, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, t0);
    sqlite3_bind_int64(st, 3, t1);
    bind_filter(s, st);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (s->n_snap == cap) {
            size_t nc = cap ? 2 * cap : 64;
            int64_t *p = realloc(s->snap, nc * sizeof *p);
            if (!p) {
                rc = hs_error_set(HS_ENOMEM, "chain source: out of memory");
                goto done;
            }
            s->snap = p;
            cap = nc;
        }
        s->snap[s->n_snap++] = sqlite3_column_int64(st, 0);
    }
    if (r != SQLITE_DONE)
        rc = hs_store__dberr(s->store, "option snapshot times");
done:
    sqlite3_finalize(st);
    return rc;
}

int hs_chain_source_store(hs_chain_source **out, hs_store *store,
                          const hs_panel *panel, const char *underlying,
                          const char *source, int64_t max_age_ms)
{
    hs_chain_source *s = NULL;
    int rc;

    if (!out)
        return hs_error_set(HS_EINVAL, "chain source: NULL out");
    *out = NULL;
    if ((rc = check_panel(panel, "chain replay")))
        return rc;
    if (!store || !underlying || !*underlying ||
        strlen(underlying) >= sizeof s->underlying)
        return hs_error_set(HS_EINVAL,
                            "chain replay: a store and an underlying of 1..15 "
                            "characters are needed");
    if (max_age_ms < 0)
        return hs_error_set(HS_EINVAL,
                            "chain replay: max age %lld ms is negative",
                            (long long)max_age_ms);
    if (source && (!*source || strlen(source) >= sizeof s->pattern))
        return hs_error_set(HS_EINVAL,
                            "chain replay: source filter '%s' must be 1..47 "
                            "characters",
                            source);
    if ((rc = source_alloc(&s, SRC_STORE, panel)))
        return rc;
    s->store = store;
    s->max_age = max_age_ms;
    snprintf(s->underlying, sizeof s->underlying, "%s", underlying);
    if (!source) {
        s->filter = FILTER_EXCHANGE;
    } else {
        size_t len = strlen(source);
        s->filter = source[len - 1] == '*' ? FILTER_PREFIX : FILTER_EXACT;
        snprintf(s->pattern, sizeof s->pattern, "%.*s",
                 (int)(s->filter == FILTER_PREFIX ? len - 1 : len), source);
    }
    if ((rc = hs_iv_solver_new(&s->iv, NULL)))
        goto done;

    /* Snapshots that can be visible at some step: ts <= the last close and
     * ts >= the first close minus the age limit. */
    const int64_t first = panel->time[0] + panel->step_ms;
    const int64_t last = panel->time[panel->n_steps - 1] + panel->step_ms;
    int64_t t0 =
        max_age_ms >= INT64_MAX / 2 ? INT64_MIN / 2 : first - max_age_ms;
    if ((rc = load_snapshot_times(s, t0, last)))
        goto done;
    hs_chain_source_rewind(s);
done:
    if (rc) {
        hs_chain_source_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* Parity forward of the expiry group [a, b) (calls first, then puts, each
 * by strike): the median of K + C - P over the up to three strikes with
 * two-sided books on both sides and the smallest |C - P|.  NAN if none. */
static double parity_forward(const hs_chain_quote *q, size_t a, size_t b)
{
    size_t c = a, p = a;
    double f[3], d[3];
    int n = 0;
    while (p < b && q[p].right == 'C')
        p++;
    const size_t p_end = b, c_end = p;
    while (c < c_end && p < p_end) {
        if (q[c].strike < q[p].strike) {
            c++;
            continue;
        }
        if (q[p].strike < q[c].strike) {
            p++;
            continue;
        }
        const hs_chain_quote *qc = &q[c], *qp = &q[p];
        c++;
        p++;
        if (!(qc->bid >= 0 && qc->ask >= qc->bid && qp->bid >= 0 &&
              qp->ask >= qp->bid))
            continue;
        double mc = 0.5 * (qc->bid + qc->ask), mp = 0.5 * (qp->bid + qp->ask);
        double diff = fabs(mc - mp), fw = qc->strike + mc - mp;
        /* Keep the three smallest |C - P|, ascending (ties: lower strike). */
        int k = n < 3 ? n++ : 3;
        while (k > 0 && diff < d[k - 1]) {
            if (k < 3) {
                d[k] = d[k - 1];
                f[k] = f[k - 1];
            }
            k--;
        }
        if (k < 3) {
            d[k] = diff;
            f[k] = fw;
        }
    }
    if (n == 0)
        return NAN;
    if (n == 1)
        return f[0];
    if (n == 2)
        return 0.5 * (f[0] + f[1]);
    double lo = fmin(f[0], fmin(f[1], f[2])), hi = fmax(f[0], fmax(f[1], f[2]));
    return f[0] + f[1] + f[2] - lo - hi;
}

/* Read snapshot `idx` into the slice (USD, sorted, without duplicates). */
static int load_snapshot(hs_chain_source *s, size_t idx)
{
    static const char sql[] =
        "SELECT i.expiry, i.strike, i.\"right\", q.bid, q.ask, q.mark, q.iv,"
        " q.underlying_price, q.index_price, q.price_unit, q.source"
        " FROM option_quotes q JOIN instruments i ON i.id = q.instrument_id"
        " WHERE q.ts = ?2 AND i.underlying = ?1" FILTER_SQL
        " ORDER BY i.expiry, i.\"right\", i.strike, q.source, i.symbol";
    hs_chain *c = s->slice;
    sqlite3_stmt *st = NULL;
    const int64_t ts = s->snap[idx];
    double spot = NAN;
    int rc = 0, r, mixed = 0;
    char first_source[sizeof c->source] = "";

    c->n = 0;
    if (sqlite3_prepare_v2(s->store->db, sql, -1, &st, NULL) != SQLITE_OK)
        return hs_store__dberr(s->store, "option chain");
    sqlite3_bind_text(st, 1, s->underlying, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ts);
    bind_filter(s, st);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *right = sqlite3_column_text(st, 2);
        const unsigned char *unit = sqlite3_column_text(st, 9);
        const unsigned char *src = sqlite3_column_text(st, 10);
        double under = col_num(st, 7), index = col_num(st, 8);
        double conv = under > 0 ? under : index > 0 ? index : NAN;
        int usd = unit && strcmp((const char *)unit, "USD") == 0;

        if (src && !first_source[0])
            snprintf(first_source, sizeof first_source, "%s", src);
        else if (src && strcmp((const char *)src, first_source) != 0)
            mixed = 1;
        if (isnan(spot) && index > 0)
            spot = index;
        if (!usd && isnan(conv))
            continue; /* coin prices with nothing to convert them with */
        if (c->n == c->cap &&
            (rc = hs_chain_reserve(c, c->cap ? 2 * c->cap : 1024)))
            goto done;
        hs_chain_quote *q = &c->q[c->n];
        const double mult = usd ? 1.0 : conv;
        q->expiry = sqlite3_column_int64(st, 0);
        q->strike = sqlite3_column_double(st, 1);
        q->right = right ? (char)right[0] : 0;
        q->bid = col_num(st, 3) * mult;
        q->ask = col_num(st, 4) * mult;
        q->mark = col_num(st, 5) * mult;
        q->iv = col_num(st, 6);
        q->forward = conv; /* NAN for USD rows without one: parity below */
        if (q->right != 'C' && q->right != 'P')
            continue;
        /* Same contract twice (two sources under a prefix): keep the first. */
        if (c->n > 0 && key_cmp(&c->q[c->n - 1], q->expiry, q->right) == 0 &&
            c->q[c->n - 1].strike == q->strike)
            continue;
        c->n++;
    }
    if (r != SQLITE_DONE) {
        rc = hs_store__dberr(s->store, "option chain");
        goto done;
    }

    /* Parity forwards for rows without one, then drop rows still without. */
    size_t w = 0;
    for (size_t a = 0; a < c->n;) {
        size_t b = a;
        int missing = 0;
        while (b < c->n && c->q[b].expiry == c->q[a].expiry)
            missing |= isnan(c->q[b++].forward);
        double fw = missing ? parity_forward(c->q, a, b) : NAN;
        for (size_t i = a; i < b; i++) {
            hs_chain_quote q = c->q[i];
            if (isnan(q.forward))
                q.forward = fw;
            if (!(q.forward > 0))
                continue;
            c->q[w++] = q;
        }
        a = b;
    }
    c->n = w;

    /* Marks from tight two-sided books, implied vols from marks. */
    for (size_t i = 0; i < c->n; i++) {
        hs_chain_quote *q = &c->q[i];
        if (isnan(q->mark) && q->bid >= 0 && q->ask >= q->bid) {
            double mid = 0.5 * (q->bid + q->ask), spread = q->ask - q->bid;
            if (spread <= MID_MAX_SPREAD * mid ||
                spread <= MID_MAX_TICKS * MID_TICK * q->forward)
                q->mark = mid;
        }
        if (isnan(q->iv) && q->mark > 0 && q->expiry > ts) {
            hs_iv_status status;
            double iv = NAN;
            double T = (double)(q->expiry - ts) / YEAR_MS;
            hs_iv_solver_solve(s->iv, HS_MODEL_BLACK76,
                               q->right == 'C' ? HS_CALL : HS_PUT, q->forward,
                               q->strike, T, 0, q->mark, &iv, &status);
            q->iv = status == HS_IV_OK ? iv : NAN;
        }
    }
    c->ts = ts;
    c->spot = spot > 0 ? spot : c->n ? c->q[0].forward : NAN;
    snprintf(c->underlying, sizeof c->underlying, "%s", s->underlying);
    snprintf(c->source, sizeof c->source, "%s", mixed ? "mixed" : first_source);
    c->modeled = strncmp(c->source, "model:", 6) == 0 ||
                 (mixed && s->filter == FILTER_PREFIX &&
                  strncmp(s->pattern, "model:", 6) == 0);
done:
    sqlite3_finalize(st);
    if (rc)
        c->n = 0;
    return rc;
}

static void store_empty(hs_chain_source *s)
{
    hs_chain *c = s->slice;
    c->n = 0;
    c->ts = 0;
    c->spot = NAN;
    snprintf(c->underlying, sizeof c->underlying, "%s", s->underlying);
    snprintf(c->source, sizeof c->source, "%s",
             s->filter == FILTER_EXCHANGE ? "exchange" : s->pattern);
    c->modeled = strncmp(c->source, "model:", 6) == 0;
    s->loaded = NONE;
}

static int store_at(hs_chain_source *s, size_t t)
{
    const int64_t close = s->panel->time[t] + s->panel->step_ms;
    hs_chain *c = s->slice;
    size_t a = 0, b = s->n_snap;
    while (a < b) { /* first snapshot after the close */
        size_t mid = a + (b - a) / 2;
        if (s->snap[mid] <= close)
            a = mid + 1;
        else
            b = mid;
    }
    if (a == 0 || close - s->snap[a - 1] > s->max_age) {
        store_empty(s);
        return 0;
    }
    if (s->loaded != a - 1) {
        int rc = load_snapshot(s, a - 1);
        if (rc) {
            store_empty(s);
            return rc;
        }
        s->loaded = a - 1;
    }
    /* Drop contracts that expired at or before this close (a prefix). */
    size_t k = 0;
    while (k < c->n && c->q[k].expiry <= close)
        k++;
    if (k) {
        memmove(c->q, c->q + k, (c->n - k) * sizeof *c->q);
        c->n -= k;
    }
    return 0;
}

/* ------------------------------------------------------------------ model */

static int bar_ok(const hs_panel *p, size_t t, int a, double *close)
{
    size_t i = t * p->n_assets + (size_t)a;
    *close = p->close[i];
    return p->state[i] != HS_BAR_ABSENT && *close > 0 && isfinite(*close);
}

/* Log return of `asset` into step t, or NAN. */
static double log_return(const hs_panel *p, int asset, size_t t)
{
    double c0, c1;
    if (t == 0 || !bar_ok(p, t - 1, asset, &c0) || !bar_ok(p, t, asset, &c1))
        return NAN;
    return log(c1 / c0);
}

/* Realized vol at t: sqrt(periods * mean of squared log returns) over the
 * window's steps (zero mean), NAN with fewer than rv_need returns. */
static double realized_vol(const hs_chain_source *s, size_t t)
{
    size_t from = t + 1 > s->rv_steps ? t + 1 - s->rv_steps : 0, n = 0;
    double sum = 0;
    for (size_t u = from > 0 ? from : 1; u <= t; u++) {
        double r = log_return(s->panel, s->asset, u);
        if (isfinite(r)) {
            sum += r * r;
            n++;
        }
    }
    if (n < s->rv_need)
        return NAN;
    return sqrt(s->periods * sum / (double)n);
}

/* Fold returns of steps g_t + 1 .. t into the GARCH(1,1) variance:
 * h <- omega + alpha r^2 + beta h, or its expectation omega + (alpha +
 * beta) h for a step without a return, with omega = (1 - alpha - beta) V
 * and V the long-run variance: the mean squared return of the trailing
 * window (variance targeting, Engle and Mezrich 1996) once it holds
 * rv_need returns, else garch_vol^2 per step. */
static void garch_advance(hs_chain_source *s, size_t t)
{
    const double a = s->m.garch_alpha, b = s->m.garch_beta;
    const size_t w = s->g_lr_steps;
    for (size_t u = s->g_t + 1; u <= t; u++) {
        double r = log_return(s->panel, s->asset, u);
        if (w > 0) {
            if (isfinite(r)) {
                s->g_sum += r * r;
                s->g_n++;
            }
            double old = u > w ? log_return(s->panel, s->asset, u - w) : NAN;
            if (isfinite(old)) {
                s->g_sum -= old * old;
                s->g_n--;
            }
            if (s->g_sum < 0 || s->g_n == 0)
                s->g_sum = 0; /* rounding of the running sum */
            s->g_var_lr = s->g_n >= s->rv_need && s->g_sum > 0
                              ? s->g_sum / (double)s->g_n
                              : s->g_prior;
        }
        const double omega = (1 - a - b) * s->g_var_lr;
        s->g_h = isfinite(r) ? omega + a * r * r + b * s->g_h
                             : omega + (a + b) * s->g_h;
    }
    if (t > s->g_t)
        s->g_t = t;
}

/* GARCH 30-day vol: sqrt(periods * mean forecast variance over the next n30
 * steps), E h_{t+k} = V + phi^(k-1) (h_{t+1} - V), phi = alpha + beta. */
static double garch_vol(const hs_chain_source *s)
{
    const double phi = s->m.garch_alpha + s->m.garch_beta, v = s->g_var_lr;
    const double n = (double)s->n30;
    double avg = v + (s->g_h - v) * (1 - pow(phi, n)) / (n * (1 - phi));
    return sqrt(s->periods * avg);
}

int hs_chain_source_model(hs_chain_source **out, const hs_panel *panel,
                          int asset, int vol_index, const hs_values *values)
{
    hs_chain_source *s = NULL;
    hs_chain_model m;
    int rc;

    if (!out)
        return hs_error_set(HS_EINVAL, "chain model: NULL out");
    *out = NULL;
    if ((rc = check_panel(panel, "chain model")))
        return rc;
    if (asset < 0 || (size_t)asset >= panel->n_assets)
        return hs_error_set(HS_EINVAL,
                            "chain model: asset %d is not in the panel (%zu "
                            "assets)",
                            asset, panel->n_assets);
    if (vol_index < -1 ||
        (vol_index >= 0 && (size_t)vol_index >= panel->n_assets))
        return hs_error_set(HS_EINVAL,
                            "chain model: vol index %d is not in the panel "
                            "(%zu assets; -1 for none)",
                            vol_index, panel->n_assets);
    if ((rc = hs_chain_model_init(&m, values)))
        return rc;
    if ((rc = source_alloc(&s, SRC_MODEL, panel)))
        return rc;
    s->m = m;
    s->asset = asset;
    s->vol_index = vol_index;
    const double step = (double)panel->step_ms, day = (double)HS_MS_PER_DAY;
    s->periods = 365.0 * day / step;
    s->rv_steps = (size_t)fmax(1.0, round(m.rv_days * day / step));
    s->rv_need =
        (size_t)m.rv_min_obs < s->rv_steps ? (size_t)m.rv_min_obs : s->rv_steps;
    s->n30 = (size_t)fmax(1.0, round(30.0 * day / step));
    s->use_garch =
        m.vol_model == HS_CHAIN_VOL_GARCH ||
        (m.vol_model == HS_CHAIN_VOL_DVOL && m.fallback == HS_CHAIN_VOL_GARCH);
    s->g_prior = m.garch_vol * m.garch_vol / s->periods;
    s->g_lr_steps = m.garch_days > 0
                        ? (size_t)fmax(1.0, round(m.garch_days * day / step))
                        : 0;
    if ((rc = hs_chain_reserve(s->slice, hs_chain_model_capacity(&m)))) {
        hs_chain_source_free(s);
        return rc;
    }
    hs_chain_source_rewind(s);
    *out = s;
    return 0;
}

static int model_at(hs_chain_source *s, size_t t)
{
    const hs_panel *p = s->panel;
    const int64_t now = p->time[t] + p->step_ms;
    hs_chain_vol used = s->m.vol_model;
    double spot, vol = NAN, level;
    char source[48];

    if (s->use_garch)
        garch_advance(s, t);
    if (used == HS_CHAIN_VOL_DVOL) {
        if (s->vol_index >= 0 && bar_ok(p, t, s->vol_index, &level))
            vol = level / 100.0;
        else
            used = s->m.fallback;
    }
    if (used == HS_CHAIN_VOL_REALIZED)
        vol = realized_vol(s, t);
    else if (used == HS_CHAIN_VOL_GARCH)
        vol = garch_vol(s);
    snprintf(source, sizeof source, "model:%s-smile", hs_chain_vol_name(used));

    if (!bar_ok(p, t, s->asset, &spot) || !(vol > 0) || !isfinite(vol)) {
        hs_chain *c = s->slice;
        c->n = 0;
        c->ts = now;
        c->spot = bar_ok(p, t, s->asset, &spot) ? spot : NAN;
        c->modeled = 1;
        snprintf(c->underlying, sizeof c->underlying, "%s",
                 p->symbol[s->asset]);
        snprintf(c->source, sizeof c->source, "%s", source);
        return 0;
    }
    return hs_chain_model_fill(s->slice, &s->m, now, spot, vol,
                               p->symbol[s->asset], source);
}

/* ------------------------------------------------------------- the cursor */

int hs_chain_source_at(hs_chain_source *src, size_t t, const hs_chain **out)
{
    int rc;
    if (!src || !out)
        return hs_error_set(HS_EINVAL, "chain source: NULL argument");
    *out = NULL;
    if (t >= src->panel->n_steps)
        return hs_error_set(HS_EINVAL,
                            "chain source: step %zu is past the panel's %zu "
                            "steps",
                            t, src->panel->n_steps);
    if (src->t != NONE && t < src->t)
        return hs_error_set(HS_EINVAL,
                            "chain source: step %zu asked after step %zu "
                            "(steps go forward; rewind to start again)",
                            t, src->t);
    if (t != src->t) {
        rc = src->kind == SRC_STORE ? store_at(src, t) : model_at(src, t);
        if (rc) {
            src->slice->n = 0;
            src->t = NONE;
            return rc;
        }
        src->t = t;
    }
    *out = src->slice;
    return 0;
}

void hs_chain_source_rewind(hs_chain_source *src)
{
    if (!src)
        return;
    src->t = NONE;
    src->slice->n = 0;
    if (src->kind == SRC_STORE) {
        store_empty(src);
    } else {
        src->g_t = 0;
        src->g_sum = 0;
        src->g_n = 0;
        src->g_var_lr = src->g_h = src->g_prior;
    }
}
