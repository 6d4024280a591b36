/* The market smile's fit (chain.h, docs/modeled-chains.md): samples of the
 * store's real snapshots, each paired with the observables a model source
 * gives at the last close before it, and a least-squares fit of the smile's
 * coefficients on them (GSL).  Used by `make bench` (bench/bench_smile.c)
 * for the out-of-sample figures and by the tests that check the shipped
 * coefficients. */
#include "chain_int.h"
#include "hedgesim/calendar.h"
#include "hedgesim/chain.h"
#include "hedgesim/errors.h"
#include "hedgesim/market.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define YEAR_MS (365.0 * (double)HS_MS_PER_DAY)
/* Daily closes before the first snapshot: the 90-day realized vol. */
#define LOOKBACK_DAYS 120

typedef struct snap {
    int64_t ts;
    char underlying[16];
    hs_chain_obs obs;
    size_t from, n; /* its samples */
} snap;

struct hs_smile_data {
    snap *s;
    size_t n_snap, cap_snap;
    double *F, *K, *T, *iv; /* samples */
    size_t n, cap;
};

void hs_smile_data_free(hs_smile_data *d)
{
    if (!d)
        return;
    free(d->s);
    free(d->F);
    free(d->K);
    free(d->T);
    free(d->iv);
    free(d);
}

size_t hs_smile_data_count(const hs_smile_data *d)
{
    return d ? d->n_snap : 0;
}

void hs_smile_data_snapshot(const hs_smile_data *d, size_t i, int64_t *ts,
                            const char **underlying, size_t *n_quotes,
                            hs_chain_obs *obs)
{
    const snap *s = &d->s[i];
    if (ts)
        *ts = s->ts;
    if (underlying)
        *underlying = s->underlying;
    if (n_quotes)
        *n_quotes = s->n;
    if (obs)
        *obs = s->obs;
}

static int push(hs_smile_data *d, double F, double K, double T, double iv)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 4096;
        double *a[4] = {d->F, d->K, d->T, d->iv};
        for (int i = 0; i < 4; i++) {
            double *p = realloc(a[i], cap * sizeof *p);
            if (!p)
                return hs_error_set(HS_ENOMEM, "smile fit: out of memory");
            a[i] = p;
            if (i == 0)
                d->F = p;
            else if (i == 1)
                d->K = p;
            else if (i == 2)
                d->T = p;
            else
                d->iv = p;
        }
        d->cap = cap;
    }
    d->F[d->n] = F;
    d->K[d->n] = K;
    d->T[d->n] = T;
    d->iv[d->n] = iv;
    d->n++;
    return 0;
}

/* Put-call parity of coin-quoted marks converted with price U (the
 * quote's forward field): c - p = 1 - K / F with c, p in coin, so F = K /
 * (1 - (C - P) / U); the median over the (up to) three strikes of the
 * group [a, b) with both marks and the smallest |C - P|.  NAN if none. */
static double marks_forward(const hs_chain_quote *q, size_t a, size_t b)
{
    double f[3], dd[3];
    int n = 0;
    for (size_t i = a; i < b; i++) {
        if (q[i].right != 'C' || !isfinite(q[i].mark))
            continue;
        for (size_t j = a; j < b; j++) {
            if (q[j].right != 'P' || q[j].strike != q[i].strike ||
                !isfinite(q[j].mark) || !(q[i].forward > 0))
                continue;
            double diff = fabs(q[i].mark - q[j].mark);
            double den = 1 - (q[i].mark - q[j].mark) / q[i].forward;
            if (!(den > 0))
                continue;
            double fw = q[i].strike / den;
            int k = n < 3 ? n++ : 3;
            while (k > 0 && diff < dd[k - 1]) {
                if (k < 3) {
                    dd[k] = dd[k - 1];
                    f[k] = f[k - 1];
                }
                k--;
            }
            if (k < 3) {
                dd[k] = diff;
                f[k] = fw;
            }
        }
    }
    if (n == 0)
        return NAN;
    if (n < 3)
        return n == 1 ? f[0] : 0.5 * (f[0] + f[1]);
    double lo = fmin(f[0], fmin(f[1], f[2])), hi = fmax(f[0], fmax(f[1], f[2]));
    return f[0] + f[1] + f[2] - lo - hi;
}

/* The samples of one slice (snapshot at c->ts). */
static int add_slice(hs_smile_data *d, const hs_chain *c)
{
    const double tmin = HS_SMILE_FIT_TMIN_DAYS * (double)HS_MS_PER_DAY;
    for (size_t a = 0; a < c->n;) {
        size_t b = a;
        int book = 0;
        while (b < c->n && c->q[b].expiry == c->q[a].expiry) {
            book |= isfinite(c->q[b].bid) || isfinite(c->q[b].ask);
            b++;
        }
        const int64_t e = c->q[a].expiry;
        double Fm = book ? NAN : marks_forward(c->q, a, b);
        for (size_t i = a; i < b && (double)(e - c->ts) >= tmin; i++) {
            const hs_chain_quote *q = &c->q[i];
            double F = book ? q->forward : Fm;
            if (!(F > 0) || !(q->iv > 0) || !isfinite(q->iv) || q->iv == 1.0)
                continue;
            double x = log(q->strike / F);
            if (fabs(x) > HS_SMILE_FIT_XMAX || (q->right == 'C') != (x >= 0))
                continue;
            int rc = push(d, F, q->strike, (double)(e - c->ts) / YEAR_MS,
                          q->iv);
            if (rc)
                return rc;
        }
        a = b;
    }
    return 0;
}

/* The samples of one underlying. */
static int load_underlying(hs_smile_data *d, hs_store *store,
                           const char *und, const hs_values *values)
{
    int64_t *times = NULL;
    size_t nt = 0;
    hs_panel *daily = NULL, *fake = NULL;
    hs_chain_source *model = NULL, *replay = NULL;
    char dvol[32];
    int rc;

    if ((rc = hs_store_quotes_times(store, und, NULL, INT64_MIN / 2,
                                    INT64_MAX / 2, &times, &nt)) ||
        nt == 0)
        goto done;
    snprintf(dvol, sizeof dvol, "%s-DVOL", und);
    const char *sym[2] = {und, dvol};
    hs_history_opts o = HS_HISTORY_OPTS_INIT;
    o.symbols = sym;
    o.n_symbols = 2;
    o.n_optional = 1;
    o.start = (times[0] / HS_MS_PER_DAY - LOOKBACK_DAYS) * HS_MS_PER_DAY;
    o.end = times[nt - 1];
    o.rate_series = NULL;
    if ((rc = hs_market_load_history(store, &o, &daily)))
        goto done;
    int vi = hs_panel_find(daily, dvol);
    if (vi >= 0 && daily->first[vi] < 0)
        vi = -1;
    if ((rc = hs_chain_source_model(&model, daily, 0, vi, values)))
        goto done;
    /* The replay over a panel of one step per snapshot, each closing at
     * its snapshot time: slice i is snapshot i. */
    if ((rc = hs_panel_new(&fake, nt, 1, 1)))
        goto done;
    snprintf(fake->symbol[0], sizeof fake->symbol[0], "%s", und);
    for (size_t i = 0; i < nt; i++) {
        fake->time[i] = times[i] - 1;
        fake->open[i] = fake->close[i] = 1;
        fake->state[i] = HS_BAR_OK;
    }
    hs_panel_finish(fake);
    if ((rc = hs_chain_source_store(&replay, store, fake, und, NULL, 0)))
        goto done;
    size_t t = 0;
    for (size_t i = 0; i < nt; i++) {
        const hs_chain *c, *mc;
        hs_chain_obs obs;
        /* The last daily close at or before the snapshot. */
        while (t + 1 < daily->n_steps &&
               daily->time[t + 1] + daily->step_ms <= times[i])
            t++;
        if (daily->time[t] + daily->step_ms > times[i])
            continue; /* no close before it */
        if ((rc = hs_chain_source_at(model, t, &mc)))
            goto done;
        if (hs_chain__model_obs(hs_chain__source_state(model), &obs))
            continue; /* no modeled chain that day */
        if ((rc = hs_chain_source_at(replay, i, &c)))
            goto done;
        if (d->n_snap == d->cap_snap) {
            size_t cap = d->cap_snap ? 2 * d->cap_snap : 64;
            snap *p = realloc(d->s, cap * sizeof *p);
            if (!p) {
                rc = hs_error_set(HS_ENOMEM, "smile fit: out of memory");
                goto done;
            }
            d->s = p;
            d->cap_snap = cap;
        }
        snap *s = &d->s[d->n_snap];
        s->ts = times[i];
        snprintf(s->underlying, sizeof s->underlying, "%s", und);
        s->obs = obs;
        s->from = d->n;
        if ((rc = add_slice(d, c)))
            goto done;
        s->n = d->n - s->from;
        if (s->n > 0)
            d->n_snap++;
    }
done:
    hs_chain_source_free(replay);
    hs_chain_source_free(model);
    hs_panel_free(fake);
    hs_panel_free(daily);
    free(times);
    return rc;
}

int hs_smile_data_load(hs_smile_data **out, hs_store *store,
                       const char *const *underlyings, size_t n,
                       const hs_values *values)
{
    int rc = 0;
    if (!out)
        return hs_error_set(HS_EINVAL, "smile fit: NULL out");
    *out = NULL;
    if (!store || (n && !underlyings))
        return hs_error_set(HS_EINVAL, "smile fit: no store or underlyings");
    hs_smile_data *d = calloc(1, sizeof *d);
    if (!d)
        return hs_error_set(HS_ENOMEM, "smile fit: out of memory");
    for (size_t i = 0; i < n && !rc; i++)
        rc = load_underlying(d, store, underlyings[i], values);
    if (!rc && d->n_snap == 0)
        rc = hs_error_set(HS_EDATA,
                          "smile fit: the store has no snapshot with quotes "
                          "to fit");
    if (rc) {
        hs_smile_data_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

int hs_smile_fit(const hs_smile_data *d, size_t leave_out,
                 const hs_chain_model *m, hs_chain_model *out)
{
    const size_t p = HS_CHAIN_SMILE_NCOEF;
    hs_chain_model r;
    size_t n = 0;
    int rc = 0;

    if (!d || !m || !out)
        return hs_error_set(HS_EINVAL, "smile fit: NULL argument");
    r = *m;
    r.smile = HS_CHAIN_SMILE_MARKET;
    /* The clamps: the observables' range over the snapshots used. */
    for (size_t j = 0; j < HS_CHAIN_SMILE_NOBS; j++) {
        r.obs_lo[j] = INFINITY;
        r.obs_hi[j] = -INFINITY;
    }
    for (size_t i = 0; i < d->n_snap; i++) {
        const hs_chain_obs *o = &d->s[i].obs;
        if (i == leave_out)
            continue;
        double z[HS_CHAIN_SMILE_NOBS];
        hs_chain__smile_obs(o, z);
        for (size_t j = 0; j < HS_CHAIN_SMILE_NOBS; j++) {
            r.obs_lo[j] = fmin(r.obs_lo[j], z[j]);
            r.obs_hi[j] = fmax(r.obs_hi[j], z[j]);
        }
        n += d->s[i].n;
    }
    if (n < p)
        return hs_error_set(HS_EINVAL,
                            "smile fit: %zu quotes for %zu coefficients", n,
                            p);
    gsl_matrix *X = gsl_matrix_alloc(n, p), *cov = gsl_matrix_alloc(p, p);
    gsl_vector *y = gsl_vector_alloc(n), *w = gsl_vector_alloc(n);
    gsl_vector *c = gsl_vector_alloc(p);
    gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(n, p);
    if (!X || !cov || !y || !w || !c || !ws) {
        rc = hs_error_set(HS_ENOMEM, "smile fit: out of memory");
        goto done;
    }
    size_t row = 0;
    for (size_t i = 0; i < d->n_snap; i++) {
        const snap *s = &d->s[i];
        if (i == leave_out)
            continue;
        for (size_t k = s->from; k < s->from + s->n; k++, row++) {
            double x[HS_CHAIN_SMILE_NCOEF];
            hs_chain_smile_terms(&r, &s->obs, d->F[k], d->K[k], d->T[k], x);
            for (size_t j = 0; j < p; j++)
                gsl_matrix_set(X, row, j, x[j]);
            /* (sigma30 x.c - iv)^2 = sigma30^2 (x.c - iv / sigma30)^2 */
            gsl_vector_set(y, row, d->iv[k] / s->obs.sigma30);
            gsl_vector_set(w, row, s->obs.sigma30 * s->obs.sigma30);
        }
    }
    double chisq;
    if (gsl_multifit_wlinear(X, w, y, c, cov, &chisq, ws) != GSL_SUCCESS) {
        rc = hs_error_set(HS_ENUMERIC, "smile fit: the least squares failed");
        goto done;
    }
    for (size_t j = 0; j < p; j++)
        r.coef[j] = gsl_vector_get(c, j);
    *out = r;
done:
    gsl_multifit_linear_free(ws);
    gsl_vector_free(c);
    gsl_vector_free(w);
    gsl_vector_free(y);
    gsl_matrix_free(cov);
    gsl_matrix_free(X);
    return rc;
}

double hs_smile_rmse(const hs_smile_data *d, size_t i,
                     const hs_chain_model *m)
{
    if (!d || !m || i >= d->n_snap || d->s[i].n == 0)
        return NAN;
    const snap *s = &d->s[i];
    double sum = 0;
    for (size_t k = s->from; k < s->from + s->n; k++) {
        double e = hs_chain_model_vol_obs(m, &s->obs, d->F[k], d->K[k],
                                          d->T[k]) -
                   d->iv[k];
        sum += e * e;
    }
    return sqrt(sum / (double)s->n);
}
