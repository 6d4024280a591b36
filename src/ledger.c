/* The long book's track. */
#include "hedgesim/ledger.h"
#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"

#include <math.h>
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

/* Is the close of step t a rebalancing time? */
static int rebalance_due(const hs_panel *p, hs_rebalance r, size_t t)
{
    int wd_day, mo, mo_next;
    switch (r) {
    case HS_REBAL_NEVER:
        return 0;
    case HS_REBAL_DAILY:
        return 1;
    case HS_REBAL_WEEKLY:
        /* 1970-01-01 was a Thursday: day index 3 after Monday. */
        wd_day = (int)(((p->time[t] / HS_MS_PER_DAY) % 7 + 7 + 3) % 7);
        return wd_day == 6 && (t + 1 == p->n_steps ||
                               p->time[t + 1] / HS_MS_PER_DAY !=
                                   p->time[t] / HS_MS_PER_DAY);
    case HS_REBAL_MONTHLY:
        hs_cal_to_civil(p->time[t], NULL, &mo, NULL, NULL, NULL, NULL, NULL);
        hs_cal_to_civil(p->time[t] + p->step_ms, NULL, &mo_next, NULL, NULL,
                        NULL, NULL, NULL);
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

int hs_book_build(hs_book **out, const hs_panel *p, const hs_exec *ex,
                  const hs_book_opts *o)
{
    const size_t n = p->n_steps, na = p->n_assets, nb = o->n_assets;
    hs_book *b = NULL;
    double *w = NULL, *q = NULL, *pend = NULL;
    int rc;
    *out = NULL;
    if (o->live_from >= n)
        return hs_error_set(HS_ECONFIG, "the window has no live steps");
    rc = alloc_book(&b, n, nb);
    if (rc)
        return rc;
    w = calloc(nb ? nb : 1, sizeof *w);
    q = calloc(nb ? nb : 1, sizeof *q);
    pend = calloc(nb ? nb : 1, sizeof *pend);
    if (!w || !q || !pend) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    const int at_close = hs_exec_rule(ex) == HS_FILL_CLOSE;
    b->capital = o->capital;
    double cash = o->capital;
    int ever = 0;

    for (size_t t = 0; t < n; t++) {
        double fees = 0, slip = 0, traded = 0, pnl = 0, ret = NAN;

        if (t < o->live_from) {
            /* Not held yet: the target-weight basket's return. */
            if (t > 0) {
                double r = 0;
                int ok = target_weights(p, o, t - 1, w) > 0;
                for (size_t k = 0; ok && k < nb; k++) {
                    if (w[k] == 0)
                        continue;
                    size_t i = t * na + (size_t)o->asset[k];
                    if (p->state[i] == HS_BAR_ABSENT) {
                        ok = 0;
                        break;
                    }
                    r += w[k] * (p->close[i] / p->close[i - na] - 1.0);
                }
                ret = ok ? r : NAN;
            }
            b->equity[t] = o->capital;
            b->ret[t] = ret;
            b->eligible[t] = target_weights(p, o, t, w);
            continue;
        }

        /* 1. Fills at the open of pending orders; delisted assets sold. */
        double value_prev = 0, value_close_move = 0;
        for (size_t k = 0; k < nb; k++) {
            size_t a = (size_t)o->asset[k], i = t * na + a;
            if (t > o->live_from && q[k] != 0)
                value_prev += q[k] * p->close[i - na];
            if (p->state[i] == HS_BAR_ABSENT) {
                if (q[k] != 0) { /* delisted: sell at the last close */
                    hs_fill f;
                    double last = p->close[(size_t)p->last[a] * na + a];
                    hs_exec_fill(ex, a, (size_t)p->last[a], -q[k], last, 1, &f);
                    cash += q[k] * f.price - f.fee;
                    fees -= f.fee;
                    slip -= f.slippage;
                    traded += fabs(q[k]) * last;
                    q[k] = 0;
                }
                pend[k] = 0;
                continue;
            }
            double open = p->open[i], close = p->close[i];
            double prev = t > 0 ? p->close[i - na] : open;
            if (t > o->live_from && q[k] != 0 &&
                p->state[i - na] != HS_BAR_ABSENT)
                value_close_move += q[k] * (close - prev);
            pnl += q[k] * (open - prev);
            if (pend[k] != 0 && !at_close) {
                hs_fill f;
                hs_exec_fill(ex, a, t, pend[k], open, 0, &f);
                cash -= pend[k] * f.price + f.fee;
                fees -= f.fee;
                slip -= f.slippage;
                traded += fabs(pend[k]) * open;
                q[k] += pend[k];
            }
            pend[k] = 0;
            pnl += q[k] * (close - open);
        }
        if (value_prev > 0)
            ret = value_close_move / value_prev;
        else if (t > 0) {
            /* Nothing held at the previous close: the target basket. */
            double r = 0;
            int ok = target_weights(p, o, t - 1, w) > 0;
            for (size_t k = 0; ok && k < nb; k++) {
                size_t i = t * na + (size_t)o->asset[k];
                if (w[k] == 0)
                    continue;
                if (p->state[i] == HS_BAR_ABSENT) {
                    ok = 0;
                    break;
                }
                r += w[k] * (p->close[i] / p->close[i - na] - 1.0);
            }
            ret = ok ? r : NAN;
        }

        /* 2. Mark to market. */
        double hold = 0;
        for (size_t k = 0; k < nb; k++) {
            size_t i = t * na + (size_t)o->asset[k];
            if (q[k] != 0)
                hold += q[k] * p->close[i];
        }
        double equity = cash + hold;

        /* 3. Decide at the close: rebalance to target weights. */
        int ne = target_weights(p, o, t, w);
        b->eligible[t] = ne;
        int due = (t == o->live_from) || rebalance_due(p, o->rebalance, t);
        if (ne > 0 && !ever)
            due = 1; /* first time anything is eligible */
        if (ne > 0 && due) {
            ever = 1;
            for (size_t k = 0; k < nb; k++) {
                size_t a = (size_t)o->asset[k], i = t * na + a;
                if (p->state[i] == HS_BAR_ABSENT)
                    continue;
                double target = w[k] * equity / p->close[i];
                double d = target - q[k];
                if (fabs(d) * p->close[i] <= 1e-9 * equity)
                    continue;
                if (at_close) {
                    hs_fill f;
                    hs_exec_fill(ex, a, t, d, p->close[i], 1, &f);
                    cash -= d * f.price + f.fee;
                    fees -= f.fee;
                    slip -= f.slippage;
                    traded += fabs(d) * p->close[i];
                    q[k] = target;
                } else {
                    pend[k] = d;
                }
            }
            if (at_close) {
                hold = 0;
                for (size_t k = 0; k < nb; k++)
                    if (q[k] != 0)
                        hold += q[k] * p->close[t * na + (size_t)o->asset[k]];
                equity = cash + hold;
            }
        }
        double expo = 0;
        for (size_t k = 0; k < nb; k++) {
            size_t i = t * na + (size_t)o->asset[k];
            double qq = q[k] + pend[k];
            if (qq != 0)
                expo += qq * p->close[i];
            b->qty[t * nb + k] = q[k];
        }
        for (size_t k = 0; k < nb; k++) {
            size_t i = t * na + (size_t)o->asset[k];
            b->weight[t * nb + k] =
                (q[k] != 0 && hold != 0) ? q[k] * p->close[i] / hold : 0;
        }
        b->equity[t] = equity;
        b->exposure[t] = expo;
        b->ret[t] = ret;
        b->pnl[t] = pnl;
        b->fees[t] = fees;
        b->slippage[t] = slip;
        b->traded[t] = traded;
    }
    if (!ever) {
        rc = hs_error_set(HS_EDATA,
                          "no book asset has %zu bars of history in the window: "
                          "the history is too short (start later or lower "
                          "book.min_history)",
                          o->min_history);
        goto done;
    }
    *out = b;
    b = NULL;
done:
    free(w);
    free(q);
    free(pend);
    hs_book_free(b);
    return rc;
}
