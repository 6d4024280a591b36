/* The option book (ledger.h): positions, fills, marks, greeks and expiry
 * settlement of one run's options.  Fill prices and fees come from exec
 * (exec_options.c); cash flows go to the account the caller passes (the
 * hedge account's cash). */
#include "ledger_int.h"
#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"

#include <math.h>
#include <string.h>

void hs_option_book_reset(hs_option_book *ob, const char *name,
                          size_t max_positions, double fee_rate,
                          double fee_cap, const hs_option_log *log)
{
    ob->name = name;
    ob->max_positions = max_positions;
    ob->fee_rate = fee_rate;
    ob->fee_cap = fee_cap;
    ob->n = ob->n_pending = 0;
    ob->value = 0;
    ob->n_marked_by_model = ob->n_unfilled = 0;
    ob->mark_time = 0;
    ob->log = *log;
}

static hs_option_position *find_pos(hs_option_book *ob, int64_t expiry,
                                    double strike, char right)
{
    for (size_t i = 0; i < ob->n; i++)
        if (ob->pos[i].expiry == expiry && ob->pos[i].strike == strike &&
            ob->pos[i].right == right)
            return &ob->pos[i];
    return NULL;
}

static int log_full(const hs_option_book *ob)
{
    if (ob->log.n < ob->log.cap)
        return 0;
    return hs_error_set(HS_ESTRATEGY, "run '%s': more than %zu option trades",
                        ob->name, ob->log.cap);
}

static void log_trade(hs_option_book *ob, int64_t time,
                      const hs_option_position *p, double qty, double price,
                      double fee, char kind)
{
    hs_option_log *l = &ob->log;
    size_t k = l->n++; /* callers checked the capacity */
    l->time[k] = time;
    l->expiry[k] = p->expiry;
    l->strike[k] = p->strike;
    l->right[k] = p->right;
    l->qty[k] = qty;
    l->price[k] = price;
    l->fee[k] = fee;
    l->kind[k] = kind;
}

/* The position's greeks (per unit) on forward F at time `now` with its
 * implied volatility; the price, NaN where it cannot be computed. */
static double set_greeks(hs_option_position *p, double F, int64_t now)
{
    hs_greeks g;
    hs_exec__black76(p->right, F, p->strike, hs_exec__years(now, p->expiry),
                     p->iv, &g);
    p->delta = g.delta;
    p->gamma = g.gamma;
    p->vega = g.vega;
    p->theta = g.theta;
    return g.price;
}

/* A quote for a contract the slice lacks (a snapshot without a held
 * strike), on the slice's smile: the implied volatility and forward
 * interpolated linearly in strike between the nearest quoted strikes of the
 * same expiry and right on either side (the nearest one's where there is
 * only one side), the mark by Black-76 at the slice's time, the half-spreads
 * ask - mark and mark - bid interpolated the same way (no bid when a
 * neighbour has none).  1 if built, 0 if the expiry has no usable quote. */
static int smile_quote(const hs_chain *c, int64_t expiry, double K,
                       char right, hs_chain_quote *out)
{
    const hs_chain_quote *lo = NULL, *hi = NULL;
    for (size_t i = 0; c && i < c->n; i++) {
        const hs_chain_quote *q = &c->q[i];
        if (q->expiry != expiry || q->right != right || !(q->iv > 0) ||
            !(q->forward > 0) || !isfinite(q->mark) || !isfinite(q->ask))
            continue;
        if (q->strike < K && (!lo || q->strike > lo->strike))
            lo = q;
        if (q->strike > K && (!hi || q->strike < hi->strike))
            hi = q;
    }
    if (!lo && !hi)
        return 0;
    const hs_chain_quote *a = lo ? lo : hi, *b = hi ? hi : lo;
    double w = a == b ? 0 : (K - a->strike) / (b->strike - a->strike);
    hs_greeks g;
    memset(out, 0, sizeof *out);
    out->expiry = expiry;
    out->strike = K;
    out->right = right;
    out->iv = a->iv + w * (b->iv - a->iv);
    out->forward = a->forward + w * (b->forward - a->forward);
    hs_exec__black76(right, out->forward, K, hs_exec__years(c->ts, expiry),
                     out->iv, &g);
    if (!isfinite(g.price))
        return 0;
    double ha = (a->ask - a->mark) + w * ((b->ask - b->mark) -
                                          (a->ask - a->mark));
    double hb = (a->mark - a->bid) + w * ((b->mark - b->bid) -
                                          (a->mark - a->bid));
    out->mark = g.price;
    out->ask = g.price + fmax(ha, 0);
    out->bid = isfinite(hb) ? fmax(g.price - fmax(hb, 0), 0) : NAN;
    return 1;
}

/* The forward basis of quote q of slice c: q's forward / the slice's spot,
 * 1 where either is missing. */
static double basis_of(const hs_chain *c, const hs_chain_quote *q)
{
    return c && q->forward > 0 && c->spot > 0 ? q->forward / c->spot : 1.0;
}

/* Quote q repriced at time `now` with the underlying at `under` (ledger.h):
 * forward basis x under, Black-76 at q's iv, half-spreads kept.  A quote
 * that cannot be repriced (no iv) is copied unchanged. */
static hs_chain_quote quote_at(const hs_chain_quote *q, double basis,
                               double under, int64_t now)
{
    hs_chain_quote r = *q;
    hs_greeks g;
    double F = basis * under;
    hs_exec__black76(q->right, F, q->strike, hs_exec__years(now, q->expiry),
                     q->iv, &g);
    if (!isfinite(g.price) || !(q->iv > 0))
        return r;
    r.forward = F;
    r.mark = g.price;
    r.ask = isfinite(q->ask) ? g.price + fmax(q->ask - q->mark, 0) : NAN;
    r.bid = isfinite(q->bid) ? fmax(g.price - fmax(q->mark - q->bid, 0), 0)
                             : NAN;
    return r;
}

static void remove_pos(hs_option_book *ob, hs_option_position *p)
{
    size_t i = (size_t)(p - ob->pos);
    memmove(&ob->pos[i], &ob->pos[i + 1], (ob->n - i - 1) * sizeof *p);
    ob->n--;
}

/* Apply a fill of order `o` at time t0: the position is carried at fl->ref
 * afterwards. */
static int apply_fill(hs_option_book *ob, int64_t t0, const hs_option_order *o,
                      const hs_option_fill *fl, char kind, double *cash,
                      hs_option_flow *f)
{
    const double price = fl->price, ref = fl->ref, iv = fl->iv;
    const double fee = fl->fee;
    int rc = log_full(ob);
    if (rc)
        return rc;
    hs_option_position *p = find_pos(ob, o->expiry, o->strike, o->right);
    if (!p) {
        if (ob->n == ob->max_positions)
            return hs_error_set(HS_ESTRATEGY,
                                "run '%s': more than %zu option positions",
                                ob->name, ob->max_positions);
        p = &ob->pos[ob->n++];
        memset(p, 0, sizeof *p);
        p->expiry = o->expiry;
        p->strike = o->strike;
        p->right = o->right;
        p->entry_time = t0;
        p->entry_price = price;
        p->mark = ref;
    } else if ((p->qty > 0) == (o->qty > 0)) {
        /* Adding: the average entry price. */
        p->entry_price = (p->entry_price * p->qty + price * o->qty) /
                         (p->qty + o->qty);
    }
    /* The position's value moves from the old mark to `ref` for the old
     * quantity (a re-mark at the fill), and the new units enter at ref. */
    f->pnl += p->qty * (ref - p->mark);
    ob->value += p->qty * (ref - p->mark) + o->qty * ref;
    p->mark = ref;
    if (isfinite(iv) && iv > 0)
        p->iv = iv;
    p->qty += o->qty;
    *cash -= o->qty * price + fee;
    f->premium -= o->qty * price;
    f->fee += fee;
    f->slippage += o->qty * (price - ref);
    f->traded += fabs(o->qty) * price;
    log_trade(ob, t0, p, o->qty, price, fee, kind);
    if (fabs(p->qty) < 1e-12) {
        ob->value -= p->qty * p->mark;
        remove_pos(ob, p);
    }
    return 0;
}

int hs_option_book_open(hs_option_book *ob, int64_t t0, int64_t t1,
                        double open, double close, double *cash,
                        hs_option_flow *f)
{
    /* Orders of the previous close fill at this open, repriced from the
     * quote they were sent against. */
    for (size_t k = 0; k < ob->n_pending; k++) {
        const hs_option_order *o = &ob->pending[k];
        hs_option_fill fl;
        hs_chain_quote q =
            quote_at(&ob->pending_quote[k], ob->pending_basis[k], open, t0);
        hs_exec_option_fill_close(&q, o->qty, open, ob->fee_rate, ob->fee_cap,
                                  &fl);
        int rc = apply_fill(ob, t0, o, &fl, ob->pending_kind[k], cash, f);
        if (rc) {
            ob->n_pending = 0;
            return rc;
        }
    }
    ob->n_pending = 0;

    /* Expiries inside this bar settle at the interpolated price. */
    for (size_t i = 0; i < ob->n;) {
        hs_option_position *p = &ob->pos[i];
        if (p->expiry >= t1) {
            i++;
            continue;
        }
        double S = hs_bar_price_at(open, close, t0, t1, p->expiry);
        double payoff = p->right == 'C' ? fmax(S - p->strike, 0)
                                        : fmax(p->strike - S, 0);
        f->pnl += p->qty * (payoff - p->mark);
        ob->value -= p->qty * p->mark;
        *cash += p->qty * payoff;
        f->premium += p->qty * payoff;
        int rc = log_full(ob);
        if (rc)
            return rc;
        log_trade(ob, t0, p, -p->qty, payoff, 0, 'X');
        remove_pos(ob, p);
    }
    return 0;
}

int hs_option_book_mark(hs_option_book *ob, const hs_chain *chain,
                        int64_t now, double under, hs_option_flow *f)
{
    for (size_t i = 0; i < ob->n; i++) {
        hs_option_position *p = &ob->pos[i];
        double mark = NAN, iv = p->iv, F = under;
        hs_chain_quote sq, lq;
        /* The slice's quote, or its source's for a contract it keeps
         * listed for its holder (a modeled chain). */
        if (chain && hs_chain_quote_for(chain, p->expiry, p->strike, p->right,
                                        &lq)) {
            const hs_chain_quote *q = &lq;
            double b = basis_of(chain, q);
            mark = q->mark;
            F = b * under;
            if (isfinite(q->iv)) {
                iv = q->iv;
                if (chain->ts < now) /* an older snapshot: repriced */
                    mark = quote_at(q, b, under, now).mark;
            }
        } else if (smile_quote(chain, p->expiry, p->strike, p->right, &sq)) {
            iv = sq.iv;
            F = basis_of(chain, &sq) * under;
        }
        p->iv = iv;
        double model = set_greeks(p, F, now);
        if (!isfinite(mark)) {
            mark = model;
            ob->n_marked_by_model++;
        }
        if (!isfinite(mark))
            return hs_error_set(HS_ENUMERIC,
                                "run '%s': cannot mark the %c %g option",
                                ob->name, p->right, p->strike);
        f->pnl += p->qty * (mark - p->mark);
        ob->value += p->qty * (mark - p->mark);
        p->mark = mark;
    }
    ob->mark_time = now;
    return 0;
}

int hs_option_book_orders(hs_option_book *ob, const hs_option_order *orders,
                          size_t n, const hs_chain *chain, int64_t t0,
                          double under, int at_close, double *cash,
                          hs_option_flow *f)
{
    char tb[32];
    if (n > HS_MAX_OPTION_ORDERS)
        return hs_error_set(HS_ESTRATEGY,
                            "run '%s': more than %d option orders in one step",
                            ob->name, HS_MAX_OPTION_ORDERS);
    for (size_t k = 0; k < n; k++) {
        const hs_option_order *o = &orders[k];
        if (!isfinite(o->qty) || o->qty == 0 ||
            (o->right != 'C' && o->right != 'P'))
            return hs_error_set(HS_ESTRATEGY,
                                "run '%s' at %s: bad option order (qty %g, "
                                "right '%c')",
                                ob->name, hs_cal_format_time(t0, tb, sizeof tb),
                                o->qty, o->right ? o->right : '?');
        int i = hs_chain_find(chain, o->expiry, o->strike, o->right);
        hs_chain_quote q;
        char kind = o->qty > 0 ? 'B' : 'S';
        hs_option_position *held =
            i >= 0 ? NULL : find_pos(ob, o->expiry, o->strike, o->right);
        if (i >= 0) {
            q = chain->q[i];
        } else if (held && hs_chain_quote_for(chain, o->expiry, o->strike,
                                              o->right, &q)) {
            /* A held contract the slice's source still quotes (a modeled
             * chain keeps it listed until it expires): an ordinary trade. */
        } else {
            /* Only closing a held contract may trade without a quote. */
            hs_option_position *p = held;
            if (!p || (p->qty > 0) == (o->qty > 0))
                return hs_error_set(HS_ESTRATEGY,
                                    "run '%s' at %s: the %c %g option expiring "
                                    "%s is not in the visible chain",
                                    ob->name,
                                    hs_cal_format_time(t0, tb, sizeof tb),
                                    o->right, o->strike,
                                    hs_cal_format_time(o->expiry, tb,
                                                       sizeof tb));
            if (smile_quote(chain, o->expiry, o->strike, o->right, &q)) {
                kind = o->qty > 0 ? 'b' : 's';
            } else {
                memset(&q, 0, sizeof q);
                q.expiry = o->expiry;
                q.strike = o->strike;
                q.right = o->right;
                q.mark = q.bid = q.ask = p->mark;
                q.iv = p->iv;
                kind = o->qty > 0 ? 'p' : 'q';
            }
        }
        const double basis = basis_of(chain, &q);
        const int64_t tc = ob->mark_time > t0 ? ob->mark_time : t0;
        if (at_close && chain && chain->ts < tc)
            q = quote_at(&q, basis, under, tc);
        if (!(hs_exec_option_side(&q, o->qty) >= 0)) {
            /* That side of the book is empty: the order is not filled (a
             * long far out of the money is then left to expire). */
            ob->n_unfilled++;
            continue;
        }
        if (at_close) {
            hs_option_fill fl;
            hs_exec_option_fill_close(&q, o->qty, under, ob->fee_rate,
                                      ob->fee_cap, &fl);
            int rc = apply_fill(ob, t0, o, &fl, kind, cash, f);
            if (rc)
                return rc;
            /* Filled at the close the book was marked at: the position's
             * greeks at that close, so that they count in this step's. */
            hs_option_position *p =
                find_pos(ob, o->expiry, o->strike, o->right);
            if (p)
                set_greeks(p, basis * under, tc);
        } else {
            ob->pending[ob->n_pending] = *o;
            ob->pending_quote[ob->n_pending] = q;
            ob->pending_kind[ob->n_pending] = kind;
            ob->pending_basis[ob->n_pending] = basis;
            ob->n_pending++;
        }
    }
    return 0;
}

void hs_option_book_greeks(const hs_option_book *ob, double *delta,
                           double *gamma, double *vega, double *theta)
{
    double d = 0, g = 0, v = 0, th = 0;
    for (size_t i = 0; i < ob->n; i++) {
        const hs_option_position *p = &ob->pos[i];
        d += p->qty * p->delta;
        g += p->qty * p->gamma;
        v += p->qty * p->vega / 100.0;  /* per vol point */
        th += p->qty * p->theta / 365.0; /* per day */
    }
    *delta = d;
    *gamma = g;
    *vega = v;
    *theta = th;
}
