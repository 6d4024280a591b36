/* Beta estimators: rolling OLS, EWMA, Kalman filter, downside OLS.
 *
 * Every estimator is online: update() folds in one (x, y) observation and
 * value() reads the current slope of y on x.  Non-finite observations are
 * skipped entirely (they neither enter the estimate nor count towards a
 * window or a decay step).  No estimator allocates after init(). */
#include "hedgesim/beta.h"
#include "hedgesim/errors.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Largest window the tables accept (bounds the state size). */
#define BETA_MAX_WINDOW 100000

/* Check every parameter of `t` against its table range; the values are
 * looked up by name, so `v` may have been parsed for a larger table. */
static int check_params(const hs_beta_type *t, const hs_values *v)
{
    for (const hs_param *p = t->params; p->name; p++) {
        if (p->kind != HS_PARAM_DOUBLE && p->kind != HS_PARAM_INT)
            continue;
        double x = hs_values_num(v, p->name);
        if (isnan(x))
            return hs_error_set(HS_EINVAL, "beta '%s': parameter '%s' missing",
                                t->name, p->name);
        if (!(x >= p->min && x <= p->max))
            return hs_error_set(HS_EINVAL,
                                "beta '%s': parameter '%s' = %g is outside "
                                "[%g, %g]",
                                t->name, p->name, x, p->min, p->max);
    }
    return 0;
}

/* An integer parameter clamped to [lo, hi] (for sizing before validation). */
static size_t int_param(const hs_values *v, const char *key, size_t lo,
                        size_t hi)
{
    double x = hs_values_num(v, key);
    if (!(x >= (double)lo))
        return lo;
    if (x > (double)hi)
        return hi;
    return (size_t)x;
}

/* ------------------------------------------------------------------ */
/* Rolling window of finite observations (shared by ols and downside)   */

/* The last `window` finite observations live in a ring buffer.  The sums
 * cover the observations that enter the regression (all of them for ols,
 * those with x < 0 for downside), taken about a shift (cx, cy) to avoid
 * cancellation when the data are far from zero: sx = sum(x - cx), and so
 * on.  Adding and removing terms is O(1); every `window` updates the sums
 * are recomputed exactly from the buffer, the shift moved to the current
 * means, so rounding cannot accumulate without bound. */
typedef struct roll {
    size_t window;  /* capacity W */
    size_t count;   /* observations in the buffer, <= W */
    size_t head;    /* slot of the next write */
    size_t since;   /* updates since the last exact recompute */
    size_t n;       /* observations in the sums */
    size_t min_n;   /* sums needed before value() is finite */
    int downside;   /* 1: only x < 0 enters the sums */
    double cx, cy;  /* shift */
    double sx, sy, sxx, sxy;
    double buf[];   /* x[0..W-1] then y[0..W-1] */
} roll;

static size_t roll_size(size_t window)
{
    return sizeof(roll) + 2 * window * sizeof(double);
}

static void roll_init(roll *s, size_t window, size_t min_n, int downside)
{
    memset(s, 0, roll_size(window));
    s->window = window;
    s->min_n = min_n;
    s->downside = downside;
}

static int roll_included(const roll *s, double x)
{
    return !s->downside || x < 0.0;
}

static void roll_recompute(roll *s)
{
    const double *bx = s->buf, *by = s->buf + s->window;
    double mx = 0, my = 0;
    size_t n = 0;
    for (size_t i = 0; i < s->count; i++)
        if (roll_included(s, bx[i])) {
            mx += bx[i];
            my += by[i];
            n++;
        }
    if (n > 0) {
        s->cx = mx / (double)n;
        s->cy = my / (double)n;
    }
    s->sx = s->sy = s->sxx = s->sxy = 0;
    for (size_t i = 0; i < s->count; i++)
        if (roll_included(s, bx[i])) {
            double dx = bx[i] - s->cx, dy = by[i] - s->cy;
            s->sx += dx;
            s->sy += dy;
            s->sxx += dx * dx;
            s->sxy += dx * dy;
        }
    s->n = n;
    s->since = 0;
}

static void roll_update(roll *s, double x, double y)
{
    if (!isfinite(x) || !isfinite(y))
        return;
    double *bx = s->buf, *by = s->buf + s->window;
    if (s->count == s->window) { /* evict the oldest, which sits at head */
        double ox = bx[s->head], oy = by[s->head];
        if (roll_included(s, ox)) {
            double dx = ox - s->cx, dy = oy - s->cy;
            s->sx -= dx;
            s->sy -= dy;
            s->sxx -= dx * dx;
            s->sxy -= dx * dy;
            s->n--;
        }
    } else {
        s->count++;
    }
    bx[s->head] = x;
    by[s->head] = y;
    s->head = (s->head + 1) % s->window;
    if (roll_included(s, x)) {
        if (s->n == 0) { /* empty sums: restart them exactly at this point */
            s->cx = x;
            s->cy = y;
            s->sx = s->sy = s->sxx = s->sxy = 0;
        }
        double dx = x - s->cx, dy = y - s->cy;
        s->sx += dx;
        s->sy += dy;
        s->sxx += dx * dx;
        s->sxy += dx * dy;
        s->n++;
    }
    if (++s->since >= s->window)
        roll_recompute(s);
}

static double roll_value(const roll *s)
{
    if (s->n < s->min_n || s->n < 2)
        return NAN;
    double n = (double)s->n;
    double dxx = s->sxx - s->sx * s->sx / n;
    double dxy = s->sxy - s->sx * s->sy / n;
    if (!(dxx > 0.0))
        return NAN;
    return dxy / dxx;
}

/* ------------------------------------------------------------------ */
/* ols                                                                  */

static const hs_param ols_params[] = {
    {"window", HS_PARAM_INT, "60", 5, BETA_MAX_WINDOW, NULL,
     "observations in the rolling regression"},
    HS_PARAM_END};

static size_t ols_state_size(const hs_values *v)
{
    return roll_size(int_param(v, "window", 1, BETA_MAX_WINDOW));
}

static int ols_init(void *state, const hs_values *v)
{
    int rc = check_params(&hs_beta_ols, v);
    if (rc)
        return rc;
    size_t w = int_param(v, "window", 1, BETA_MAX_WINDOW);
    roll_init(state, w, w, 0);
    return 0;
}

static void ols_update(void *state, double x, double y)
{
    roll_update(state, x, y);
}

static double ols_value(const void *state) { return roll_value(state); }

static size_t ols_warmup(const hs_values *v)
{
    return int_param(v, "window", 1, BETA_MAX_WINDOW);
}

const hs_beta_type hs_beta_ols = {
    .version = HS_BETA_TYPE_VERSION,
    .name = "ols",
    .summary = "rolling OLS slope over the last `window` observations",
    .params = ols_params,
    .state_size = ols_state_size,
    .init = ols_init,
    .update = ols_update,
    .value = ols_value,
    .warmup = ols_warmup,
};

/* ------------------------------------------------------------------ */
/* downside                                                             */

static const hs_param downside_params[] = {
    {"window", HS_PARAM_INT, "120", 5, BETA_MAX_WINDOW, NULL,
     "observations looked back over; those with x < 0 are used"},
    {"min_down", HS_PARAM_INT, "10", 2, BETA_MAX_WINDOW, NULL,
     "down observations (x < 0) needed in the window for a value"},
    HS_PARAM_END};

static size_t downside_state_size(const hs_values *v)
{
    return roll_size(int_param(v, "window", 1, BETA_MAX_WINDOW));
}

static int downside_init(void *state, const hs_values *v)
{
    int rc = check_params(&hs_beta_downside, v);
    if (rc)
        return rc;
    size_t w = int_param(v, "window", 1, BETA_MAX_WINDOW);
    size_t m = int_param(v, "min_down", 2, BETA_MAX_WINDOW);
    if (m > w)
        return hs_error_set(HS_EINVAL,
                            "beta 'downside': min_down (%zu) exceeds window "
                            "(%zu)",
                            m, w);
    roll_init(state, w, m, 1);
    return 0;
}

static size_t downside_warmup(const hs_values *v)
{
    return int_param(v, "min_down", 2, BETA_MAX_WINDOW);
}

const hs_beta_type hs_beta_downside = {
    .version = HS_BETA_TYPE_VERSION,
    .name = "downside",
    .summary = "OLS slope over the steps of the last `window` where x < 0",
    .params = downside_params,
    .state_size = downside_state_size,
    .init = downside_init,
    .update = ols_update,
    .value = ols_value,
    .warmup = downside_warmup,
};

/* ------------------------------------------------------------------ */
/* ewma                                                                 */

/* Exponentially weighted moments: the observation i steps old has weight
 * lambda^i, lambda = 0.5^(1/halflife).  Updated with the weighted form of
 * Welford's recurrence (D. H. D. West 1979, "Updating mean and variance
 * estimates: an improved method", CACM 22(9)): decaying every old weight by
 * lambda leaves the means unchanged and scales the co-moments by lambda;
 * adding the new point with weight 1 then updates them as in West. */
typedef struct ewma {
    double lambda;
    size_t min_obs;
    size_t n;      /* observations seen */
    double w;      /* sum of weights */
    double mx, my; /* weighted means */
    double cxx, cxy; /* weighted co-moments (unnormalised) */
} ewma;

static const hs_param ewma_params[] = {
    {"halflife", HS_PARAM_DOUBLE, "30", 1, 10000, NULL,
     "observations after which a weight has halved"},
    {"min_obs", HS_PARAM_INT, "0", 0, 1000000, NULL,
     "observations before a value (0: ceil(halflife), at least 2)"},
    HS_PARAM_END};

static size_t ewma_min_obs(const hs_values *v)
{
    size_t m = int_param(v, "min_obs", 0, 1000000);
    if (m == 0) {
        double h = hs_values_num(v, "halflife");
        m = isfinite(h) && h > 0 ? (size_t)ceil(h) : 2;
    }
    return m < 2 ? 2 : m;
}

static size_t ewma_state_size(const hs_values *v)
{
    (void)v;
    return sizeof(ewma);
}

static int ewma_init(void *state, const hs_values *v)
{
    int rc = check_params(&hs_beta_ewma, v);
    if (rc)
        return rc;
    ewma *s = state;
    memset(s, 0, sizeof *s);
    s->lambda = pow(0.5, 1.0 / hs_values_num(v, "halflife"));
    s->min_obs = ewma_min_obs(v);
    return 0;
}

static void ewma_update(void *state, double x, double y)
{
    if (!isfinite(x) || !isfinite(y))
        return;
    ewma *s = state;
    s->w = s->lambda * s->w + 1.0;
    double dx = x - s->mx;
    s->mx += dx / s->w;
    s->my += (y - s->my) / s->w;
    s->cxx = s->lambda * s->cxx + dx * (x - s->mx);
    s->cxy = s->lambda * s->cxy + dx * (y - s->my);
    s->n++;
}

static double ewma_value(const void *state)
{
    const ewma *s = state;
    if (s->n < s->min_obs || !(s->cxx > 0.0))
        return NAN;
    return s->cxy / s->cxx;
}

const hs_beta_type hs_beta_ewma = {
    .version = HS_BETA_TYPE_VERSION,
    .name = "ewma",
    .summary = "exponentially weighted cov(x, y) / var(x), `halflife` steps",
    .params = ewma_params,
    .state_size = ewma_state_size,
    .init = ewma_init,
    .update = ewma_update,
    .value = ewma_value,
    .warmup = ewma_min_obs,
};

/* ------------------------------------------------------------------ */
/* kalman                                                               */

/* State (alpha, beta), both random walks:
 *   alpha_t = alpha_{t-1} + u_t,  u_t ~ N(0, q_alpha)
 *   beta_t  = beta_{t-1}  + w_t,  w_t ~ N(0, q)
 *   y_t = alpha_t + beta_t x_t + e_t,  e_t ~ N(0, r)
 * filtered with the standard Kalman recursions (R. E. Kalman 1960; e.g.
 * A. C. Harvey 1989, "Forecasting, Structural Time Series Models and the
 * Kalman Filter", ch. 3).  Prior: alpha 0, beta beta0, covariance p0 * I. */
typedef struct kalman {
    double q, qa, r;
    size_t min_obs, n;
    double a, b;           /* filtered alpha, beta */
    double p00, p01, p11;  /* symmetric covariance of (alpha, beta) */
} kalman;

static const hs_param kalman_params[] = {
    {"q", HS_PARAM_DOUBLE, "1e-5", 0, 1e6, NULL,
     "process noise variance of beta per step"},
    {"q_alpha", HS_PARAM_DOUBLE, "0", 0, 1e6, NULL,
     "process noise variance of alpha per step (0: constant alpha)"},
    {"r", HS_PARAM_DOUBLE, "1e-4", 1e-12, 1e6, NULL,
     "observation noise variance (return units squared)"},
    {"beta0", HS_PARAM_DOUBLE, "1", -100, 100, NULL, "prior mean of beta"},
    {"p0", HS_PARAM_DOUBLE, "1", 1e-12, 1e6, NULL,
     "prior variance of alpha and of beta"},
    {"min_obs", HS_PARAM_INT, "10", 1, 1000000, NULL,
     "observations before a value"},
    HS_PARAM_END};

static size_t kalman_state_size(const hs_values *v)
{
    (void)v;
    return sizeof(kalman);
}

static int kalman_init(void *state, const hs_values *v)
{
    int rc = check_params(&hs_beta_kalman, v);
    if (rc)
        return rc;
    kalman *s = state;
    memset(s, 0, sizeof *s);
    s->q = hs_values_num(v, "q");
    s->qa = hs_values_num(v, "q_alpha");
    s->r = hs_values_num(v, "r");
    s->b = hs_values_num(v, "beta0");
    s->p00 = s->p11 = hs_values_num(v, "p0");
    s->min_obs = int_param(v, "min_obs", 1, 1000000);
    return 0;
}

static void kalman_update(void *state, double x, double y)
{
    if (!isfinite(x) || !isfinite(y))
        return;
    kalman *s = state;
    /* predict */
    s->p00 += s->qa;
    s->p11 += s->q;
    /* observe with H = [1, x]: PH = P H', S = H P H' + r, K = PH / S */
    double ph0 = s->p00 + s->p01 * x;
    double ph1 = s->p01 + s->p11 * x;
    double S = ph0 + ph1 * x + s->r;
    double v = y - s->a - s->b * x;
    s->a += ph0 / S * v;
    s->b += ph1 / S * v;
    /* P <- P - PH PH' / S, written symmetrically */
    s->p00 -= ph0 * ph0 / S;
    s->p01 -= ph0 * ph1 / S;
    s->p11 -= ph1 * ph1 / S;
    s->n++;
}

static double kalman_value(const void *state)
{
    const kalman *s = state;
    return s->n < s->min_obs ? NAN : s->b;
}

static size_t kalman_warmup(const hs_values *v)
{
    return int_param(v, "min_obs", 1, 1000000);
}

const hs_beta_type hs_beta_kalman = {
    .version = HS_BETA_TYPE_VERSION,
    .name = "kalman",
    .summary = "Kalman filter, (alpha, beta) random walks, noise `q`, `r`",
    .params = kalman_params,
    .state_size = kalman_state_size,
    .init = kalman_init,
    .update = kalman_update,
    .value = kalman_value,
    .warmup = kalman_warmup,
};

/* ------------------------------------------------------------------ */
/* registry                                                             */

const hs_beta_type *const hs_beta_types[] = {
    &hs_beta_ols,
    &hs_beta_ewma,
    &hs_beta_kalman,
    &hs_beta_downside,
    NULL,
};

const hs_beta_type *hs_beta_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; hs_beta_types[i]; i++)
        if (strcmp(hs_beta_types[i]->name, name) == 0)
            return hs_beta_types[i];
    return NULL;
}

size_t hs_beta_warmup(const hs_beta_type *t, const hs_values *v)
{
    if (!t || !t->warmup)
        return 0;
    return t->warmup(v);
}

size_t hs_beta_memory(const hs_beta_type *t, const hs_values *v)
{
    if (t == &hs_beta_ols || t == &hs_beta_downside)
        return (size_t)hs_values_int(v, "window");
    return 0;
}
