/* Option-chain slices, the pickers, and the chain-source framework: the
 * lifecycle and step cursor every source type shares (hs_chain_source_new,
 * _at, _rewind, _free).  The source types live in their own files and
 * call only down into this one: chain_replay.c (the store's snapshots) and
 * chain_model.c (modeled chains).  This file knows no type.
 *
 * A source is a cursor over the steps of one panel, like the engine loop it
 * serves.  A repeated step is answered from the slice already filled; a
 * type allocates at creation or, for the replay, when the visible snapshot
 * changes, never otherwise while stepping. */
#include "chain_int.h"
#include "hedgesim/chain.h"
#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"
#include "hedgesim/price.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define YEAR_MS (365.0 * (double)HS_MS_PER_DAY)
#define NONE ((size_t)-1)

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


/* ------------------------------------------------------- source framework */

struct hs_chain_source {
    const hs_chain_source_type *type;
    const hs_panel *panel;
    void *state; /* type->state_size bytes, zeroed at creation */
    hs_chain *slice;
    size_t t; /* the step the slice shows, or NONE */
};

int hs_chain_source_new(hs_chain_source **out,
                        const hs_chain_source_type *type,
                        const hs_panel *panel, const void *args)
{
    hs_chain_source *s;
    int rc;

    if (!out)
        return hs_error_set(HS_EINVAL, "chain %s: NULL out",
                            type && type->name ? type->name : "source");
    *out = NULL;
    if (!type || type->version < 1 ||
        type->version > HS_CHAIN_SOURCE_TYPE_VERSION || !type->init ||
        !type->at || type->state_size == 0)
        return hs_error_set(HS_EINVAL,
                            "chain source: the type %s is not a version 1..%d "
                            "type with a state size, init and at",
                            type && type->name ? type->name : "(NULL)",
                            HS_CHAIN_SOURCE_TYPE_VERSION);
    if (!panel || panel->n_steps == 0 || panel->step_ms <= 0 ||
        !panel->time || !panel->close || !panel->state)
        return hs_error_set(HS_EINVAL, "chain %s: an empty or invalid panel",
                            type->name);
    s = calloc(1, sizeof *s);
    if (!s)
        return hs_error_set(HS_ENOMEM, "chain source: out of memory");
    s->type = type;
    s->panel = panel;
    s->t = NONE;
    s->state = calloc(1, type->state_size);
    if (!s->state) {
        free(s);
        return hs_error_set(HS_ENOMEM, "chain source: out of memory");
    }
    if ((rc = hs_chain_new(&s->slice, 0)) ||
        (rc = type->init(s->state, panel, args, s->slice))) {
        hs_chain_source_free(s);
        return rc;
    }
    s->slice->origin = s;
    hs_chain_source_rewind(s);
    *out = s;
    return 0;
}

const void *hs_chain__source_state(const hs_chain_source *src)
{
    return src ? src->state : NULL;
}

const char *hs_chain_source_name(const hs_chain_source *src)
{
    return src && src->type->name ? src->type->name : "";
}

void hs_chain_source_free(hs_chain_source *src)
{
    if (!src)
        return;
    if (src->type->free)
        src->type->free(src->state);
    free(src->state);
    hs_chain_free(src->slice);
    free(src);
}

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
        rc = src->type->at(src->state, t, src->slice);
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

int hs_chain_quote_for(const hs_chain *c, int64_t expiry, double strike,
                       char right, hs_chain_quote *out)
{
    int i = hs_chain_find(c, expiry, strike, right);
    if (i >= 0) {
        *out = c->q[i];
        return 1;
    }
    const hs_chain_source *src = c ? c->origin : NULL;
    /* Only the source's own slice, showing a step (not emptied by a
     * failure or a rewind). */
    if (!src || src->slice != c || src->t == NONE ||
        src->type->version < 2 || !src->type->quote || !isfinite(strike) ||
        !(strike > 0) || (right != 'C' && right != 'P'))
        return 0;
    return src->type->quote(src->state, c, expiry, strike, right, out) == 1;
}

void hs_chain_source_rewind(hs_chain_source *src)
{
    if (!src)
        return;
    src->t = NONE;
    src->slice->n = 0;
    if (src->type->rewind)
        src->type->rewind(src->state, src->slice);
}
