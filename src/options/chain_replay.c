/* The replay chain source (hs_chain_source_replay_type): at each step the
 * latest stored snapshot on an underlying at or before the step's close,
 * within an age limit, from rows whose source tag matches a filter
 * (exchange data only by default: modeled rows are never mixed in
 * unasked).  Snapshots are streamed through the store's quote cursor
 * (hs_store_quotes_*) one at a time, as the steps pass them, into a buffer
 * that grows only for a larger snapshot; quotes are converted to USD,
 * given forwards (put-call parity where the file had none), marks and
 * implied vols.  docs/modeled-chains.md has the rules. */
#include "hedgesim/calendar.h"
#include "hedgesim/chain.h"
#include "hedgesim/errors.h"
#include "hedgesim/price.h"
#include "hedgesim/store.h"

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

typedef struct replay {
    const hs_panel *panel;
    hs_store *store;
    char underlying[16];
    int exchange_only; /* no filter given: every source but "model:*" */
    int prefix;        /* the filter ends in '*' */
    char pattern[48];  /* the filter as given */
    char label[48];    /* the filter without its '*' (empty slices' source) */
    int64_t max_age;
    int64_t *snap; /* snapshot times, ascending */
    size_t n_snap;
    size_t loaded; /* index in snap of the slice's snapshot, or NONE */
    hs_store_quotes *cur; /* open once there is a snapshot */
    hs_iv_solver *iv;
} replay;

static int replay_init(void *state, const hs_panel *panel, const void *args,
                       hs_chain *slice)
{
    replay *s = state;
    const hs_chain_replay_args *a = args;
    int rc;
    (void)slice;

    s->loaded = NONE;
    if (!a || !a->store || !a->underlying || !*a->underlying ||
        strlen(a->underlying) >= sizeof s->underlying)
        return hs_error_set(HS_EINVAL,
                            "chain replay: a store and an underlying of 1..15 "
                            "characters are needed");
    if (a->max_age_ms < 0)
        return hs_error_set(HS_EINVAL,
                            "chain replay: max age %lld ms is negative",
                            (long long)a->max_age_ms);
    if (a->source && (!*a->source || strlen(a->source) >= sizeof s->pattern))
        return hs_error_set(HS_EINVAL,
                            "chain replay: source filter '%s' must be 1..47 "
                            "characters",
                            a->source);
    s->panel = panel;
    s->store = a->store;
    s->max_age = a->max_age_ms;
    snprintf(s->underlying, sizeof s->underlying, "%s", a->underlying);
    if (!a->source) {
        s->exchange_only = 1;
    } else {
        size_t len = strlen(a->source);
        s->prefix = a->source[len - 1] == '*';
        snprintf(s->pattern, sizeof s->pattern, "%s", a->source);
        snprintf(s->label, sizeof s->label, "%.*s",
                 (int)(s->prefix ? len - 1 : len), a->source);
    }
    if ((rc = hs_iv_solver_new(&s->iv, NULL)))
        return rc;

    /* Snapshots that can be visible at some step: ts <= the last close and
     * ts >= the first close minus the age limit. */
    const int64_t first = panel->time[0] + panel->step_ms;
    const int64_t last = panel->time[panel->n_steps - 1] + panel->step_ms;
    int64_t t0 =
        a->max_age_ms >= INT64_MAX / 2 ? INT64_MIN / 2 : first - a->max_age_ms;
    const char *filter = s->exchange_only ? NULL : s->pattern;
    if ((rc = hs_store_quotes_times(s->store, s->underlying, filter, t0,
                                    last + 1, &s->snap, &s->n_snap)))
        return rc;
    if (s->n_snap > 0 &&
        (rc = hs_store_quotes_open(&s->cur, s->store, s->underlying, filter,
                                   s->snap[0])))
        return rc;
    return 0;
}

static void replay_free(void *state)
{
    replay *s = state;
    hs_store_quotes_close(s->cur);
    free(s->snap);
    hs_iv_solver_free(s->iv);
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
static int load_snapshot(replay *s, size_t idx, hs_chain *c)
{
    const int64_t ts = s->snap[idx];
    hs_option_quote row;
    double spot = NAN;
    int rc, mixed = 0;
    char first_source[sizeof c->source] = "";

    c->n = 0;
    if ((rc = hs_store_quotes_seek(s->cur, ts)))
        return rc;
    while ((rc = hs_store_quotes_next(s->cur, &row)) == 0) {
        double under = row.underlying_price, index = row.index_price;
        double conv = under > 0 ? under : index > 0 ? index : NAN;
        int usd = strcmp(row.price_unit, "USD") == 0;

        if (row.source[0] && !first_source[0])
            snprintf(first_source, sizeof first_source, "%s", row.source);
        else if (row.source[0] && strcmp(row.source, first_source) != 0)
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
        q->expiry = row.expiry;
        q->strike = row.strike;
        q->right = row.right;
        q->bid = row.bid * mult;
        q->ask = row.ask * mult;
        q->mark = row.mark * mult;
        q->iv = row.iv;
        q->forward = conv; /* NAN for USD rows without one: parity below */
        if (q->right != 'C' && q->right != 'P')
            continue;
        /* Same contract twice (two sources under a prefix): keep the first. */
        if (c->n > 0 && c->q[c->n - 1].expiry == q->expiry &&
            c->q[c->n - 1].right == q->right &&
            c->q[c->n - 1].strike == q->strike)
            continue;
        c->n++;
    }
    if (rc != HS_ITEROVER)
        goto done;
    rc = 0;

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
                 (mixed && s->prefix && strncmp(s->label, "model:", 6) == 0);
done:
    if (rc)
        c->n = 0;
    return rc;
}

/* The empty slice: no snapshot visible. */
static void replay_rewind(void *state, hs_chain *c)
{
    replay *s = state;
    c->n = 0;
    c->ts = 0;
    c->spot = NAN;
    snprintf(c->underlying, sizeof c->underlying, "%s", s->underlying);
    snprintf(c->source, sizeof c->source, "%s",
             s->exchange_only ? "exchange" : s->label);
    c->modeled = strncmp(c->source, "model:", 6) == 0;
    s->loaded = NONE;
}

static int replay_at(void *state, size_t t, hs_chain *c)
{
    replay *s = state;
    const int64_t close = s->panel->time[t] + s->panel->step_ms;
    size_t a = 0, b = s->n_snap;
    while (a < b) { /* first snapshot after the close */
        size_t mid = a + (b - a) / 2;
        if (s->snap[mid] <= close)
            a = mid + 1;
        else
            b = mid;
    }
    if (a == 0 || close - s->snap[a - 1] > s->max_age) {
        replay_rewind(s, c);
        return 0;
    }
    if (s->loaded != a - 1) {
        int rc = load_snapshot(s, a - 1, c);
        if (rc) {
            replay_rewind(s, c);
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

const hs_chain_source_type hs_chain_source_replay_type = {
    .version = HS_CHAIN_SOURCE_TYPE_VERSION,
    .name = "replay",
    .summary = "the store's option snapshots, latest at or before each "
               "close, within an age limit",
    .state_size = sizeof(replay),
    .init = replay_init,
    .at = replay_at,
    .rewind = replay_rewind,
    .free = replay_free,
};

int hs_chain_source_store(hs_chain_source **out, hs_store *store,
                          const hs_panel *panel, const char *underlying,
                          const char *source, int64_t max_age_ms)
{
    const hs_chain_replay_args args = {store, underlying, source, max_age_ms};
    return hs_chain_source_new(out, &hs_chain_source_replay_type, panel,
                               &args);
}
