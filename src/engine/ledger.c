/* The long book's track. */
#include "hedgesim/ledger.h"
#include "hedgesim/calendar.h"
#include "exec_int.h"
#include "ledger_int.h"
#include "hedgesim/errors.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void hs_book_free(hs_book *b)
{
    if (!b)
        return;
    free(b->equity);
    free(b->exposure);
    free(b->ret);
    free(b->pnl);
    free(b->fees);
    free(b->slippage);
    free(b->traded);
    free(b->weight);
    free(b->qty);
    free(b->eligible);
    free(b->target);
    free(b->due);
    free(b->asset);
    free(b->bclose);
    free(b->bopen);
    free(b->slow);
    free(b->intent);
    free(b->busy);
    free(b->plain);
    free(b->fixed);
    free(b->scratch);
    hs_book_state_free(&b->work);
    free(b);
}

static int alloc_book(hs_book **out, size_t n, size_t na)
{
    hs_book *b = calloc(1, sizeof *b);
    if (!b)
        return hs_error_set(HS_ENOMEM, "out of memory");
    b->n_steps = n;
    b->n_assets = na;
    size_t m = n ? n : 1, mm = (n * na) != 0 ? n * na : 1;
    b->equity = calloc(m, sizeof(double));
    b->exposure = calloc(m, sizeof(double));
    b->ret = calloc(m, sizeof(double));
    b->pnl = calloc(m, sizeof(double));
    b->fees = calloc(m, sizeof(double));
    b->slippage = calloc(m, sizeof(double));
    b->traded = calloc(m, sizeof(double));
    b->weight = calloc(mm, sizeof(double));
    b->qty = calloc(mm, sizeof(double));
    b->eligible = calloc(m, sizeof(int));
    if (!b->equity || !b->exposure || !b->ret || !b->pnl || !b->fees ||
        !b->slippage || !b->traded || !b->weight || !b->qty || !b->eligible) {
        hs_book_free(b);
        return hs_error_set(HS_ENOMEM, "out of memory");
    }
    *out = b;
    return 0;
}

/* The open time of step t + 1, or of the step after the last one. */
static int64_t next_time(const hs_panel *p, size_t t)
{
    return t + 1 < p->n_steps ? p->time[t + 1] : p->time[t] + p->step_ms;
}

static int64_t week_of(int64_t ms)
{
    int64_t d = ms / HS_MS_PER_DAY - (ms % HS_MS_PER_DAY < 0);
    int64_t w = d + 3;
    return w / 7 - (w % 7 < 0);
}

/* Is the close of step t a rebalancing time? */
static int rebalance_due(const hs_panel *p, hs_rebalance r, size_t t)
{
    int mo, mo_next;
    switch (r) {
    case HS_REBAL_NEVER:
        return 0;
    case HS_REBAL_DAILY:
        return 1;
    case HS_REBAL_WEEKLY:
        /* The last step of a Monday-based week: the next step (or the time
         * after the last one) is in another week.  1970-01-01 was a
         * Thursday: day d is in week floor((d + 3) / 7).  On a calendar's
         * grid (no weekend steps) that is Friday's close. */
        return week_of(p->time[t]) != week_of(next_time(p, t));
    case HS_REBAL_MONTHLY:
        hs_cal_to_civil(p->time[t], NULL, &mo, NULL, NULL, NULL, NULL, NULL);
        hs_cal_to_civil(next_time(p, t), NULL, &mo_next, NULL, NULL, NULL,
                        NULL, NULL);
        return mo != mo_next;
    }
    return 0;
}

/* Target weights at the close of step t into w[]; returns the number of
 * eligible assets.  An asset is eligible with a real bar at t and at least
 * min_history bars up to t. */
static int target_weights(const hs_panel *p, const hs_book_opts *o, size_t t,
                          double *w)
{
    const size_t na = p->n_assets;
    double sum = 0;
    int n = 0;
    for (size_t k = 0; k < o->n_assets; k++) {
        int a = o->asset[k];
        w[k] = 0;
        if (p->first[a] < 0 || p->state[t * na + a] == HS_BAR_ABSENT)
            continue;
        if ((size_t)p->first[a] + o->min_history > t + 1)
            continue;
        if (o->delisting == HS_DELIST_KNOWN && p->delisted[a] &&
            t >= (size_t)p->last[a])
            continue; /* announced: not held past its last close */
        double wk = 1.0;
        if (o->weighting == HS_WEIGHTS_FIXED) {
            wk = o->fixed[k];
        } else if (o->weighting == HS_WEIGHTS_INVERSE_VOL) {
            double s1 = 0, s2 = 0;
            size_t m = 0;
            for (size_t j = 0; j < o->vol_window && j + 1 <= t; j++) {
                size_t i = (t - j) * na + a;
                if (p->state[i] == HS_BAR_ABSENT ||
                    p->state[i - na] == HS_BAR_ABSENT)
                    break;
                double r = p->close[i] / p->close[i - na] - 1.0;
                s1 += r;
                s2 += r * r;
                m++;
            }
            double var = m > 1 ? (s2 - s1 * s1 / (double)m) / (double)(m - 1)
                               : NAN;
            if (!(var > 0))
                continue;
            wk = 1.0 / sqrt(var);
        }
        w[k] = wk;
        sum += wk;
        n++;
    }
    if (sum > 0)
        for (size_t k = 0; k < o->n_assets; k++)
            w[k] /= sum;
    return sum > 0 ? n : 0;
}

void hs_book_state_free(hs_book_state *s)
{
    free(s->q);
    free(s->pend);
    s->q = s->pend = NULL;
}

int hs_book_state_init(hs_book_state *s, const hs_book *b, double capital)
{
    size_t nb = b->n_assets ? b->n_assets : 1;
    s->q = calloc(nb, sizeof *s->q);
    s->pend = calloc(nb, sizeof *s->pend);
    s->cash = capital;
    if (!s->q || !s->pend) {
        hs_book_state_free(s);
        return hs_error_set(HS_ENOMEM, "out of memory");
    }
    return 0;
}

/* A fill into the book's cash and the step's costs and traded notional.
 * The callers keep the four sums in locals of their own over their loop
 * (registers: through the state, or a flow struct, every fill would wait
 * on the last one's store). */
static inline void add_fill(double *cash, double *fee, double *slippage,
                            double *traded, const hs_fill *f)
{
    *cash -= f->qty * f->price + f->fee;
    *fee += f->fee;
    *slippage += f->slippage;
    *traded += fabs(f->qty) * f->ref;
}

void hs_book_state_open(hs_book_state *s, const hs_book *b, const hs_panel *p,
                        const hs_exec *ex, size_t t, hs_book_flow *out)
{
    const size_t na = p->n_assets, nb = b->n_assets;
    if (!b->slow[t]) { /* no fill and no delisting: a plain mark */
        hs_book__mark(s, b, t, out);
        return;
    }
    const double *cl = b->bclose + t * nb, *op = b->bopen + t * nb;
    const double *cp = t > 0 ? cl - nb : cl;
    double hold = 0, pnl = 0, cash = s->cash, fee = 0, slip = 0, traded = 0;
    for (size_t k = 0; k < nb; k++) {
        hs_fill f;
        double q = s->q[k];
        if (cl[k] == 0) { /* no bar: not listed yet, or delisted */
            if (q != 0) { /* delisted: sold at its last close */
                size_t a = (size_t)b->asset[k], last = (size_t)p->last[a];
                hs_exec__fill(ex, a, last, -q, p->close[last * na + a], 1, &f);
                add_fill(&cash, &fee, &slip, &traded, &f);
                s->q[k] = 0;
            }
            s->pend[k] = 0;
            continue;
        }
        if (q != 0) /* (a new listing has no previous close) */
            pnl += q * (op[k] - cp[k]);
        /* An order fills at a real bar's open; on a carried gap it waits. */
        if (s->pend[k] != 0 &&
            p->state[t * na + (size_t)b->asset[k]] == HS_BAR_OK) {
            hs_exec__fill(ex, (size_t)b->asset[k], t, s->pend[k], op[k], 0,
                          &f);
            add_fill(&cash, &fee, &slip, &traded, &f);
            q += s->pend[k];
            s->q[k] = q;
            s->pend[k] = 0;
        }
        if (q != 0) {
            pnl += q * (cl[k] - op[k]);
            hold += q * cl[k];
        }
    }
    memset(out, 0, sizeof *out);
    out->pnl = pnl;
    out->fee = fee;
    out->slippage = slip;
    out->traded = traded;
    out->holdings = hold;
    s->cash = cash;
}

void hs_book_state_close(hs_book_state *s, const hs_book *b,
                         const hs_panel *p, const hs_exec *ex, size_t t,
                         double equity, hs_book_flow *out)
{
    const size_t nb = b->n_assets, na = p->n_assets;
    const int at_close = hs_exec_rule(ex) == HS_FILL_CLOSE;
    const double *w = b->target + t * nb, *cl = b->bclose + t * nb;
    if (!b->busy[t]) { /* nothing pending: the exposure is the holdings */
        out->exposure = out->holdings;
        return;
    }
    double cash = s->cash, fee = out->fee, slip = out->slippage,
           traded = out->traded;
    for (size_t k = 0; b->delisting == HS_DELIST_KNOWN && k < nb; k++) {
        const size_t a = (size_t)b->asset[k];
        if (cl[k] == 0 || !p->delisted[a] || (size_t)p->last[a] != t ||
            s->q[k] == 0)
            continue;
        /* An announced delisting: sold at the close of its last bar; the
         * rebalance below sizes on the equity net of the sale's costs. */
        const double q = s->q[k];
        hs_fill f;
        hs_exec__fill(ex, a, t, -q, cl[k], 1, &f);
        add_fill(&cash, &fee, &slip, &traded, &f);
        equity += -q * (f.price - cl[k]) - f.fee;
        s->q[k] = 0;
        s->pend[k] = 0;
    }
    double hold = 0, expo = 0;
    for (size_t k = 0; k < nb; k++) {
        if (cl[k] == 0) /* absent: not held, nothing to trade */
            continue;
        const size_t a = (size_t)b->asset[k];
        if (b->due[t]) {
            double d = w[k] * equity / cl[k] - s->q[k];
            if (d != 0 && at_close && p->state[t * na + a] == HS_BAR_OK) {
                hs_fill f;
                hs_exec__fill(ex, a, t, d, cl[k], 1, &f);
                add_fill(&cash, &fee, &slip, &traded, &f);
                s->q[k] += d;
                s->pend[k] = 0;
            } else { /* the next open, or after a gap the next real bar */
                s->pend[k] = d;
            }
        }
        hold += s->q[k] * cl[k];
        expo += (s->q[k] + s->pend[k]) * cl[k];
    }
    out->fee = fee;
    out->slippage = slip;
    out->traded = traded;
    out->holdings = hold;
    out->exposure = expo;
    s->cash = cash;
}

/* The return over step t of holdings x[] (units; or weights at the close of
 * t-1 divided by that close) on close-to-close returns, over the assets with
 * a real bar at t and a price at t-1: an asset without a bar never
 * contributes a zero return.  NaN if none is left. */
static double holdings_return(const hs_panel *p, const hs_book *b, size_t t,
                              const double *x)
{
    const size_t na = p->n_assets, nb = b->n_assets;
    double v0 = 0, dv = 0;
    if (t == 0)
        return NAN;
    if (b->plain[t] && b->plain[t - 1]) { /* the same sums over the rows */
        const double *cl = b->bclose + t * nb, *cp = cl - nb;
        for (size_t k = 0; k < nb; k++) {
            if (x[k] == 0)
                continue;
            v0 += x[k] * cp[k];
            dv += x[k] * (cl[k] - cp[k]);
        }
        return v0 > 0 ? dv / v0 : NAN;
    }
    for (size_t k = 0; k < nb; k++) {
        size_t i = t * na + (size_t)b->asset[k];
        if (x[k] == 0 || p->state[i] != HS_BAR_OK ||
            p->state[i - na] == HS_BAR_ABSENT)
            continue;
        v0 += x[k] * p->close[i - na];
        dv += x[k] * (p->close[i] - p->close[i - na]);
    }
    return v0 > 0 ? dv / v0 : NAN;
}

/* The realised return of the holdings over live step t: qb, pb the holdings
 * and orders at the close of t-1, qo the holdings after t's open fills.
 * Written so that with no fill at the open it is holdings_return(qb) bit for
 * bit. */
static double held_return(const hs_panel *p, const hs_book *b, size_t t,
                          const double *qb, const double *pb, const double *qo)
{
    const size_t na = p->n_assets, nb = b->n_assets;
    double v0 = 0, dv = 0;
    if (t == 0)
        return NAN;
    if (b->plain[t] && b->plain[t - 1]) { /* the same sums over the rows */
        const double *cl = b->bclose + t * nb, *cp = cl - nb,
                     *op = b->bopen + t * nb;
        for (size_t k = 0; k < nb; k++) {
            double x = qb[k] + pb[k];
            if (x == 0)
                continue;
            v0 += x * cp[k];
            dv += qb[k] * (cl[k] - cp[k]);
            if (qo[k] != qb[k])
                dv += (qo[k] - qb[k]) * (cl[k] - op[k]);
        }
        return v0 > 0 ? dv / v0 : NAN;
    }
    for (size_t k = 0; k < nb; k++) {
        size_t i = t * na + (size_t)b->asset[k];
        double x = qb[k] + pb[k];
        if (x == 0 || p->state[i] != HS_BAR_OK ||
            p->state[i - na] == HS_BAR_ABSENT)
            continue;
        v0 += x * p->close[i - na];
        dv += qb[k] * (p->close[i] - p->close[i - na]);
        if (qo[k] != qb[k])
            dv += (qo[k] - qb[k]) * (p->close[i] - p->open[i]);
    }
    return v0 > 0 ? dv / v0 : NAN;
}

/* The book's rows of closes and opens at steps [t0, t1) from the panel.
 * compare: 1 if any value differs, bit for bit, from what the rows held
 * (else 0). */
static int book_rows(hs_book *b, const hs_panel *p, const hs_book_opts *o,
                     size_t t0, size_t t1, int compare)
{
    const size_t na = p->n_assets, nb = o->n_assets;
    if (!compare) {
        for (size_t t = t0; t < t1; t++) {
            double *bc = b->bclose + t * nb, *bo = b->bopen + t * nb;
            const double *pc = p->close + t * na, *po = p->open + t * na;
            const uint8_t *ps = p->state + t * na;
            for (size_t k = 0; k < nb; k++) {
                const size_t a = (size_t)o->asset[k];
                const int absent = ps[a] == HS_BAR_ABSENT;
                bc[k] = absent ? 0 : pc[a];
                bo[k] = absent ? 0 : po[a];
            }
        }
        return 0;
    }
    uint64_t diff = 0;
    for (size_t t = t0; t < t1; t++) {
        double *bc = b->bclose + t * nb, *bo = b->bopen + t * nb;
        for (size_t k = 0; k < nb; k++) {
            const size_t i = t * na + (size_t)o->asset[k];
            const int absent = p->state[i] == HS_BAR_ABSENT;
            const double c = absent ? 0 : p->close[i],
                         op = absent ? 0 : p->open[i];
            uint64_t x, y, u, v;
            memcpy(&x, &c, sizeof x);
            memcpy(&y, bc + k, sizeof y);
            memcpy(&u, &op, sizeof u);
            memcpy(&v, bo + k, sizeof v);
            diff |= (x ^ y) | (u ^ v);
            bc[k] = c;
            bo[k] = op;
        }
    }
    return diff != 0;
}

/* The track of `b` (allocated for the panel's shape) from the panel's
 * values: the plan of step 1, then the unhedged book of step 2.  st is a
 * fresh state (nothing held, the capital in cash), qb scratch [3 * nb].
 * Every array is rewritten (those before live_from keep their zeros), so a
 * refilled panel gives the same track as a new book.
 *
 * refresh: the book was built over this panel, and since then only its
 * prices changed (same times, same bar states: hs_book_refresh).  Then the
 * plan, which depends on times and states alone, is kept as it is, unless
 * the weights are inverse-volatility (they read the closes); and when no
 * close or open before live_from changed (a Monte Carlo path's warm-up
 * rows), neither did the track there. */
static int book_track(hs_book *b, const hs_panel *p, const hs_exec *ex,
                      const hs_book_opts *o, hs_book_state *st, double *qb,
                      int refresh)
{
    const size_t n = p->n_steps, na = p->n_assets, nb = o->n_assets;
    double *pb = qb + nb, *qo = pb + nb;
    const int held = b->beta_input == HS_BETA_INPUT_HELD;
    size_t t_first = 0; /* the first step of step 2 to recompute */
    if (refresh && o->weighting != HS_WEIGHTS_INVERSE_VOL) {
        if (!book_rows(b, p, o, 0, o->live_from, 1))
            t_first = o->live_from;
        book_rows(b, p, o, o->live_from, n, 0);
        goto track;
    }
    memset(b->due, 0, n ? n : 1);

    /* 1. The plan: target weights and rebalancing days.  No orders are
     * decided at the final step (nothing would be held after them), unless
     * it is the only live step. */
    int ever = 0;
    for (size_t t = 0; t < n; t++) {
        b->eligible[t] = target_weights(p, o, t, b->target + t * nb);
        if (t < o->live_from || b->eligible[t] == 0)
            continue;
        b->due[t] = !ever || (t + 1 < n && rebalance_due(p, o->rebalance, t));
        ever = 1;
    }
    if (!ever)
        return hs_error_set(HS_EDATA,
                            "no book asset has %zu bars of history in the "
                            "window: the history is too short (start later or "
                            "lower book.min_history)",
                            o->min_history);

    /* Rows for the fast path, and the steps that need the full one. */
    const int next_open = hs_exec_rule(ex) == HS_FILL_NEXT_OPEN;
    for (size_t t = 0; t < n; t++) {
        b->slow[t] = t == 0 || t == o->live_from || (next_open && b->due[t - 1]);
        b->busy[t] = b->due[t];
        b->plain[t] = 1;
        for (size_t k = 0; k < nb; k++) {
            size_t a = (size_t)o->asset[k], i = t * na + a;
            int absent = p->state[i] == HS_BAR_ABSENT;
            b->plain[t] &= p->state[i] == HS_BAR_OK;
            b->bclose[t * nb + k] = absent ? 0 : p->close[i];
            b->bopen[t * nb + k] = absent ? 0 : p->open[i];
            if (t > 0 && absent && p->state[i - na] != HS_BAR_ABSENT)
                b->slow[t] = 1; /* a delisting: sold at the last close */
            if (t > 0 && p->state[i - na] == HS_BAR_FILLED)
                b->slow[t] = 1; /* an order may wait out a gap */
            if (p->state[i] == HS_BAR_FILLED)
                b->busy[t] = 1;
            if (o->delisting == HS_DELIST_KNOWN && p->delisted[a] &&
                (size_t)p->last[a] == t)
                b->busy[t] = 1; /* an announced delisting: sold now */
        }
    }

    /* 2. The unhedged book, sized on its own equity, and the estimator's
     * input. */
track:
    for (size_t t = t_first; t < n; t++) {
        double *it = b->intent + t * nb;
        if (t <= o->live_from) /* not held yet: the target basket */
            b->ret[t] = t > 0 ? holdings_return(p, b, t, it - nb) : NAN;
        if (t < o->live_from) {
            /* weights / close: the target basket as units */
            for (size_t k = 0; k < nb; k++) {
                double c = b->bclose[t * nb + k];
                it[k] = c > 0 ? b->target[t * nb + k] / c : 0;
            }
            b->equity[t] = o->capital;
            continue;
        }
        if (held) {
            memcpy(qb, st->q, nb * sizeof *qb);
            memcpy(pb, st->pend, nb * sizeof *pb);
        }
        hs_book_flow f;
        hs_book_state_open(st, b, p, ex, t, &f);
        if (held)
            memcpy(qo, st->q, nb * sizeof *qo);
        hs_book_state_close(st, b, p, ex, t, st->cash + f.holdings, &f);
        if (t > o->live_from)
            b->ret[t] = held ? held_return(p, b, t, qb, pb, qo)
                             : holdings_return(p, b, t, it - nb);
        b->equity[t] = st->cash + f.holdings;
        b->exposure[t] = f.exposure;
        b->pnl[t] = f.pnl;
        b->fees[t] = -f.fee;
        b->slippage[t] = -f.slippage;
        b->traded[t] = f.traded;
        for (size_t k = 0; k < nb; k++) {
            size_t i = t * na + (size_t)b->asset[k];
            b->qty[t * nb + k] = st->q[k];
            it[k] = st->q[k] + st->pend[k];
            b->weight[t * nb + k] = st->q[k] != 0 && f.holdings != 0
                                        ? st->q[k] * p->close[i] / f.holdings
                                        : 0;
        }
    }
    return 0;
}

int hs_book_build(hs_book **out, const hs_panel *p, const hs_exec *ex,
                  const hs_book_opts *o)
{
    const size_t n = p->n_steps, nb = o->n_assets;
    const size_t nn = (n * nb) != 0 ? n * nb : 1;
    hs_book *b = NULL;
    int rc;
    *out = NULL;
    if (o->live_from >= n)
        return hs_error_set(HS_ECONFIG, "the window has no live steps");
    rc = alloc_book(&b, n, nb);
    if (rc)
        return rc;
    b->capital = o->capital;
    b->live_from = o->live_from;
    b->beta_input = o->beta_input;
    b->delisting = o->delisting;
    b->min_history = o->min_history;
    b->target = calloc(nn, sizeof *b->target);
    b->due = calloc(n ? n : 1, 1);
    b->asset = calloc(nb ? nb : 1, sizeof *b->asset);
    b->bclose = calloc(nn, sizeof *b->bclose);
    b->bopen = calloc(nn, sizeof *b->bopen);
    b->slow = calloc(n ? n : 1, 1);
    b->intent = calloc(nn, sizeof *b->intent);
    b->busy = calloc(n ? n : 1, 1);
    b->plain = calloc(n ? n : 1, 1);
    b->fixed = calloc(nb ? nb : 1, sizeof *b->fixed);
    b->scratch = calloc(3 * (nb ? nb : 1), sizeof *b->scratch);
    if (!b->target || !b->due || !b->asset || !b->bclose || !b->bopen ||
        !b->slow || !b->intent || !b->busy || !b->plain || !b->fixed ||
        !b->scratch) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(b->asset, o->asset, nb * sizeof *b->asset);
    if (o->fixed)
        memcpy(b->fixed, o->fixed, nb * sizeof *b->fixed);
    b->opts = *o;
    b->opts.asset = b->asset;
    b->opts.fixed = b->fixed;
    if ((rc = hs_book_state_init(&b->work, b, o->capital)) ||
        (rc = book_track(b, p, ex, &b->opts, &b->work, b->scratch, 0)))
        goto done;
    *out = b;
    b = NULL;
done:
    hs_book_free(b);
    return rc;
}

int hs_book_refresh(hs_book *b, const hs_panel *p, const hs_exec *ex)
{
    if (p->n_steps != b->n_steps)
        return hs_error_set(HS_EINVAL,
                            "book refresh: a panel of %zu steps for a book of "
                            "%zu",
                            p->n_steps, b->n_steps);
    memset(b->work.q, 0, (b->n_assets ? b->n_assets : 1) * sizeof(double));
    memset(b->work.pend, 0, (b->n_assets ? b->n_assets : 1) * sizeof(double));
    b->work.cash = b->opts.capital;
    return book_track(b, p, ex, &b->opts, &b->work, b->scratch, 1);
}

/* A note, unless the same line is already there. */
static void note_once(hs_panel *p, const char *line)
{
    if (!strstr(p->notes, line))
        hs_panel_note(p, "%s", line);
}

void hs_book_note_assets(const hs_book *b, hs_panel *p)
{
    const size_t n = b->n_steps, nb = b->n_assets, na = p->n_assets;
    const size_t lf = b->live_from;
    char line[256], d[3][32];
    size_t start = n; /* the first step the book holds anything */
    for (size_t t = lf; t < n && start == n; t++)
        for (size_t k = 0; k < nb; k++)
            if (b->qty[t * nb + k] != 0)
                start = t;
    for (size_t k = 0; k < nb; k++) {
        const size_t a = (size_t)b->asset[k];
        const char *sym = p->symbol[a];
        size_t held = n, held_last = n;
        for (size_t t = lf; t < n; t++)
            if (b->qty[t * nb + k] != 0) {
                if (held == n)
                    held = t;
                held_last = t;
            }
        if (held == n) {
            if (p->first[a] < 0 || p->last[a] < (int32_t)lf) {
                snprintf(line, sizeof line,
                         "%s: never held (not listed in the window)", sym);
            } else {
                size_t from = (size_t)p->first[a], bars = 0;
                for (size_t t = from; t <= (size_t)p->last[a]; t++)
                    bars += p->state[t * na + a] == HS_BAR_OK;
                snprintf(line, sizeof line,
                         "%s: never held (only %zu bar%s before the end of "
                         "the window, %zu of history needed)",
                         sym, bars, bars == 1 ? "" : "s", b->min_history);
            }
            note_once(p, line);
            continue;
        }
        if (held > start) {
            snprintf(line, sizeof line, "%s: joined the book on %s (first bar "
                                        "%s)",
                     sym, hs_cal_format_time(p->time[held], d[0], 32),
                     hs_cal_format_time(p->time[p->first[a]], d[1], 32));
            note_once(p, line);
        }
        if (!p->delisted[a] || p->last[a] >= (int32_t)n - 1)
            continue;
        const size_t last = (size_t)p->last[a];
        if (b->delisting == HS_DELIST_KNOWN)
            snprintf(line, sizeof line,
                     "%s: delisted on %s (its last bar), sold at the close of "
                     "that bar (delisting = known)",
                     sym, hs_cal_format_time(p->time[last], d[0], 32));
        else if (held_last >= last)
            snprintf(line, sizeof line,
                     "%s: delisted on %s (its last bar), sold at that close on "
                     "the next step, %s (delisting = unknown)",
                     sym, hs_cal_format_time(p->time[last], d[0], 32),
                     hs_cal_format_time(p->time[last + 1], d[1], 32));
        else
            snprintf(line, sizeof line,
                     "%s: delisted on %s (its last bar), no longer held by "
                     "then",
                     sym, hs_cal_format_time(p->time[last], d[0], 32));
        note_once(p, line);
    }
}
