/* European option prices, greeks and implied volatility.
 *
 * Formulas: Black and Scholes (1973) and Merton (1973) for options on a
 * spot price; Black (1976) for options on a forward.  The greeks are the
 * closed forms in Hull, "Options, Futures, and Other Derivatives" (8th ed.,
 * ch. 18 "The Greek Letters"; Black's model in sec. 17.8).
 *
 * Both models share one computation.  With D = e^{-rT}, let
 *   A = discounted forward: S (Black-Scholes) or D F (Black-76),
 *   B = discounted strike:  D K,
 *   d1 = ln(A / B) / (sigma sqrt T) + sigma sqrt T / 2,  d2 = d1 - sigma sqrt
 * T. Then call = A N(d1) - B N(d2), put = B N(-d2) - A N(-d1), and delta = (A /
 * U) N(d1) (call), -(A / U) N(-d1) (put), U the underlying, gamma = A n(d1) /
 * (U^2 sigma sqrt T),  vega = A n(d1) sqrt T. Theta and rho differ:
 * Black-Scholes holds S fixed as r or T moves, Black-76 holds F fixed. */
#include "hedgesim/price.h"
#include "hedgesim/errors.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>

static const double INV_SQRT_2PI = 0.39894228040143267794; /* 1/sqrt(2 pi) */
static const double INV_SQRT_2 = 0.70710678118654752440;   /* 1/sqrt(2) */

/* Standard normal distribution function, accurate in both tails. */
static double norm_cdf(double x)
{
    return 0.5 * erfc(-x * INV_SQRT_2);
}

static double norm_pdf(double x)
{
    return INV_SQRT_2PI * exp(-0.5 * x * x);
}

const char *hs_right_name(hs_right right)
{
    return right == HS_PUT ? "put" : "call";
}

const char *hs_model_name(hs_model model)
{
    return model == HS_MODEL_BLACK76 ? "black76" : "bs";
}

int hs_right_parse(const char *text, hs_right *out)
{
    if (!text || !out)
        return hs_error_set(HS_EINVAL, "option right: NULL argument");
    if (strcasecmp(text, "call") == 0 || strcasecmp(text, "c") == 0) {
        *out = HS_CALL;
        return 0;
    }
    if (strcasecmp(text, "put") == 0 || strcasecmp(text, "p") == 0) {
        *out = HS_PUT;
        return 0;
    }
    return hs_error_set(HS_EINVAL,
                        "option right '%s': expected 'call' or 'put'", text);
}

int hs_model_parse(const char *text, hs_model *out)
{
    if (!text || !out)
        return hs_error_set(HS_EINVAL, "pricing model: NULL argument");
    if (strcasecmp(text, "bs") == 0 || strcasecmp(text, "black-scholes") == 0) {
        *out = HS_MODEL_BS;
        return 0;
    }
    if (strcasecmp(text, "black76") == 0 || strcasecmp(text, "black-76") == 0) {
        *out = HS_MODEL_BLACK76;
        return 0;
    }
    return hs_error_set(HS_EINVAL,
                        "pricing model '%s': expected 'bs' or 'black76'", text);
}

/* ---- prices and greeks ------------------------------------------------- */

static int check_inputs(const char *fn, const char *uname, hs_right right,
                        double U, double K, double T, double r, double sigma,
                        const hs_greeks *out)
{
    if (!out)
        return hs_error_set(HS_EINVAL, "%s: output pointer is NULL", fn);
    if (right != HS_CALL && right != HS_PUT)
        return hs_error_set(HS_EINVAL, "%s: unknown option right %d", fn,
                            (int)right);
    if (!isfinite(U) || U <= 0)
        return hs_error_set(HS_EINVAL,
                            "%s: %s must be positive and finite, "
                            "got %g",
                            fn, uname, U);
    if (!isfinite(K) || K <= 0)
        return hs_error_set(HS_EINVAL,
                            "%s: strike must be positive and "
                            "finite, got %g",
                            fn, K);
    if (!isfinite(T) || T < 0)
        return hs_error_set(HS_EINVAL,
                            "%s: time to expiry must be >= 0 "
                            "years and finite, got %g",
                            fn, T);
    if (!isfinite(r))
        return hs_error_set(HS_EINVAL, "%s: rate must be finite, got %g", fn,
                            r);
    if (!isfinite(sigma) || sigma < 0)
        return hs_error_set(HS_EINVAL,
                            "%s: volatility must be >= 0 and "
                            "finite, got %g",
                            fn, sigma);
    return 0;
}

/* The shared computation; inputs already checked. */
static void greeks_core(hs_model model, hs_right right, double U, double K,
                        double T, double r, double sigma, hs_greeks *g)
{
    if (T == 0) { /* expired: intrinsic value, no time left for the rest */
        double call = right == HS_CALL;
        g->price = call ? fmax(U - K, 0) : fmax(K - U, 0);
        if (U > K)
            g->delta = call ? 1.0 : 0.0;
        else if (U < K)
            g->delta = call ? 0.0 : -1.0;
        else /* the limit as T -> 0+ */
            g->delta = call ? 0.5 : -0.5;
        g->gamma = g->vega = g->theta = g->rho = 0;
        return;
    }
    double D = exp(-r * T);
    double A = model == HS_MODEL_BS ? U : D * U;
    double B = D * K;
    double sqT = sqrt(T);
    double vs = sigma * sqT;
    /* ln(A / B) without forming the ratio of discounted values. */
    double x = log(U / K) + (model == HS_MODEL_BS ? r * T : 0.0);
    double d1, d2;
    if (vs > 0) {
        d1 = x / vs + 0.5 * vs;
        d2 = d1 - vs;
    } else { /* sigma -> 0+: d1, d2 -> +-infinity, or 0 at the money */
        d1 = d2 = x > 0 ? INFINITY : (x < 0 ? -INFINITY : 0.0);
    }
    double pdf = norm_pdf(d1);
    double Nd1 = norm_cdf(d1), Nd2 = norm_cdf(d2);
    double Nm1 = norm_cdf(-d1), Nm2 = norm_cdf(-d2);
    int call = right == HS_CALL;

    g->price = call ? A * Nd1 - B * Nd2 : B * Nm2 - A * Nm1;
    g->delta = call ? (A / U) * Nd1 : -(A / U) * Nm1;
    /* gamma's sigma -> 0 limit at the money is infinite: reported as 0. */
    g->gamma = vs > 0 ? A * pdf / (U * U * vs) : 0.0;
    g->vega = A * pdf * sqT;
    /* The part of -dV/dT coming from the shrinking variance. */
    double decay = vs > 0 ? A * pdf * sigma / (2 * sqT) : 0.0;
    if (model == HS_MODEL_BS) {
        g->theta = call ? -decay - r * B * Nd2 : -decay + r * B * Nm2;
        g->rho = call ? T * B * Nd2 : -T * B * Nm2;
    } else {
        g->theta = -decay + r * g->price;
        g->rho = -T * g->price;
    }
}

int hs_bs(hs_right right, double S, double K, double T, double r, double sigma,
          hs_greeks *out)
{
    int rc =
        check_inputs("Black-Scholes", "spot", right, S, K, T, r, sigma, out);
    if (rc)
        return rc;
    greeks_core(HS_MODEL_BS, right, S, K, T, r, sigma, out);
    return 0;
}

int hs_black76(hs_right right, double F, double K, double T, double r,
               double sigma, hs_greeks *out)
{
    int rc = check_inputs("Black-76", "forward", right, F, K, T, r, sigma, out);
    if (rc)
        return rc;
    greeks_core(HS_MODEL_BLACK76, right, F, K, T, r, sigma, out);
    return 0;
}

int hs_price(hs_model model, hs_right right, double underlying, double K,
             double T, double r, double sigma, hs_greeks *out)
{
    switch (model) {
    case HS_MODEL_BS:
        return hs_bs(right, underlying, K, T, r, sigma, out);
    case HS_MODEL_BLACK76:
        return hs_black76(right, underlying, K, T, r, sigma, out);
    }
    return hs_error_set(HS_EINVAL, "unknown pricing model %d", (int)model);
}

/* ---- implied volatility ------------------------------------------------- */

static const char *const status_names[] = {
#define HS_X_NAME(name, text, desc) text,
    HS_IV_STATUS_LIST(HS_X_NAME)
#undef HS_X_NAME
};

static const char *const status_descs[] = {
#define HS_X_DESC(name, text, desc) desc,
    HS_IV_STATUS_LIST(HS_X_DESC)
#undef HS_X_DESC
};

_Static_assert(sizeof status_names / sizeof *status_names == HS_IV_NSTATUS,
               "one name per status");

const char *hs_iv_status_name(hs_iv_status status)
{
    if ((int)status < 0 || (int)status >= HS_IV_NSTATUS)
        return "unknown";
    return status_names[status];
}

const char *hs_iv_status_describe(hs_iv_status status)
{
    if ((int)status < 0 || (int)status >= HS_IV_NSTATUS)
        return "unknown";
    return status_descs[status];
}

struct hs_iv_solver {
    hs_iv_opts opts;
    gsl_root_fsolver *fs;
};

static int check_opts(const hs_iv_opts *o)
{
    if (!(isfinite(o->vol_min) && o->vol_min > 0))
        return hs_error_set(HS_EINVAL,
                            "implied vol: vol_min must be > 0 "
                            "and finite, got %g",
                            o->vol_min);
    if (!(isfinite(o->vol_max) && o->vol_max > o->vol_min))
        return hs_error_set(HS_EINVAL,
                            "implied vol: vol_max must be finite "
                            "and above vol_min %g, got %g",
                            o->vol_min, o->vol_max);
    if (!(isfinite(o->vol_tol) && o->vol_tol > 0))
        return hs_error_set(HS_EINVAL,
                            "implied vol: vol_tol must be > 0 "
                            "and finite, got %g",
                            o->vol_tol);
    if (!(isfinite(o->intrinsic_rtol) && o->intrinsic_rtol >= 0))
        return hs_error_set(HS_EINVAL,
                            "implied vol: intrinsic_rtol must be "
                            ">= 0 and finite, got %g",
                            o->intrinsic_rtol);
    if (o->max_iter <= 0)
        return hs_error_set(HS_EINVAL,
                            "implied vol: max_iter must be "
                            "positive, got %d",
                            o->max_iter);
    return 0;
}

int hs_iv_solver_new(hs_iv_solver **out, const hs_iv_opts *opts)
{
    static const hs_iv_opts defaults = HS_IV_OPTS_INIT;
    hs_iv_solver *s = NULL;
    int rc;
    if (!out)
        return hs_error_set(HS_EINVAL, "implied vol: output pointer is NULL");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if ((rc = check_opts(opts)))
        goto done;
    s = calloc(1, sizeof *s);
    if (!s) {
        rc = hs_error_set(HS_ENOMEM, "implied vol: out of memory");
        goto done;
    }
    s->opts = *opts;
    s->fs = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s->fs) {
        rc = hs_error_set(HS_ENOMEM, "implied vol: out of memory");
        goto done;
    }
    *out = s;
    s = NULL;
done:
    hs_iv_solver_free(s);
    return rc;
}

void hs_iv_solver_free(hs_iv_solver *s)
{
    if (!s)
        return;
    if (s->fs)
        gsl_root_fsolver_free(s->fs);
    free(s);
}

/* Everything the objective needs, precomputed once per solve. */
typedef struct iv_problem {
    int call;    /* the (out-of-the-money) side being solved */
    double A, B; /* discounted forward and strike */
    double x;    /* ln(A / B) */
    double sqT;
    double target; /* price of that side */
} iv_problem;

static double model_price(const iv_problem *p, double sigma)
{
    double vs = sigma * p->sqT;
    double d1 = p->x / vs + 0.5 * vs;
    double d2 = d1 - vs;
    return p->call ? p->A * norm_cdf(d1) - p->B * norm_cdf(d2)
                   : p->B * norm_cdf(-d2) - p->A * norm_cdf(-d1);
}

static double objective(double sigma, void *params)
{
    const iv_problem *p = params;
    return model_price(p, sigma) - p->target;
}

int hs_iv_solver_solve(hs_iv_solver *s, hs_model model, hs_right right,
                       double underlying, double K, double T, double r,
                       double price, double *iv, hs_iv_status *status)
{
    if (!iv || !status || !s) {
        if (iv)
            *iv = NAN;
        if (status)
            *status = HS_IV_BAD_INPUT;
        return hs_error_set(HS_EINVAL, "implied vol: NULL argument");
    }
    *iv = NAN;
    *status = HS_IV_BAD_INPUT;
    if (model != HS_MODEL_BS && model != HS_MODEL_BLACK76)
        return hs_error_set(HS_EINVAL, "implied vol: unknown model %d",
                            (int)model);
    if (right != HS_CALL && right != HS_PUT)
        return hs_error_set(HS_EINVAL, "implied vol: unknown option right %d",
                            (int)right);
    if (!isfinite(underlying) || underlying <= 0)
        return hs_error_set(HS_EINVAL,
                            "implied vol: underlying must be positive "
                            "and finite, got %g",
                            underlying);
    if (!isfinite(K) || K <= 0)
        return hs_error_set(HS_EINVAL,
                            "implied vol: strike must be positive and "
                            "finite, got %g",
                            K);
    if (!isfinite(T) || T < 0)
        return hs_error_set(HS_EINVAL,
                            "implied vol: time to expiry must be >= 0 "
                            "and finite, got %g",
                            T);
    if (!isfinite(r))
        return hs_error_set(HS_EINVAL,
                            "implied vol: rate must be finite, got %g", r);
    if (!isfinite(price) || price < 0)
        return hs_error_set(HS_EINVAL,
                            "implied vol: price must be >= 0 and "
                            "finite, got %g",
                            price);

    if (T == 0) {
        *status = HS_IV_ZERO_TIME;
        return 0;
    }
    if (price == 0) {
        *status = HS_IV_ZERO_PRICE;
        return 0;
    }
    double D = exp(-r * T);
    iv_problem p;
    p.A = model == HS_MODEL_BS ? underlying : D * underlying;
    p.B = D * K;
    p.x = log(underlying / K) + (model == HS_MODEL_BS ? r * T : 0.0);
    p.sqT = sqrt(T);
    p.call = right == HS_CALL;
    p.target = price;

    double upper = p.call ? p.A : p.B;
    if (price >= upper) {
        *status = HS_IV_ABOVE_MAX;
        return 0;
    }
    /* In the money: solve the out-of-the-money side, by put-call parity
     * call - put = A - B.  Its price is the time value; it is <= 0 exactly
     * when the price is at or below the lower bound max(+-(A - B), 0), and
     * within tv_floor of 0 when only rounding of A - B separates them. */
    const hs_iv_opts *o = &s->opts;
    double tv_floor = 0; /* time value that counts as none */
    if (p.call && p.A > p.B) {
        p.call = 0;
        p.target = price - (p.A - p.B);
        tv_floor = o->intrinsic_rtol * p.A;
    } else if (!p.call && p.B > p.A) {
        p.call = 1;
        p.target = price - (p.B - p.A);
        tv_floor = o->intrinsic_rtol * p.B;
    }
    if (!(p.target > tv_floor)) {
        *status = HS_IV_BELOW_INTRINSIC;
        return 0;
    }

    double f_lo = objective(o->vol_min, &p);
    double f_hi = objective(o->vol_max, &p);
    if (f_lo > 0) {
        *status = HS_IV_VOL_BELOW_MIN;
        return 0;
    }
    if (f_hi < 0) {
        *status = HS_IV_VOL_ABOVE_MAX;
        return 0;
    }
    if (f_lo == 0 || f_hi == 0) {
        *iv = f_lo == 0 ? o->vol_min : o->vol_max;
        *status = HS_IV_OK;
        return 0;
    }
    gsl_function fn = {objective, &p};
    *status = HS_IV_NO_CONVERGENCE;
    if (gsl_root_fsolver_set(s->fs, &fn, o->vol_min, o->vol_max) != GSL_SUCCESS)
        return 0;
    for (int it = 0; it < o->max_iter; it++) {
        if (gsl_root_fsolver_iterate(s->fs) != GSL_SUCCESS)
            return 0; /* a NaN from the objective: no number to report */
        double lo = gsl_root_fsolver_x_lower(s->fs);
        double hi = gsl_root_fsolver_x_upper(s->fs);
        int test = gsl_root_test_interval(lo, hi, o->vol_tol, 0.0);
        if (test == GSL_SUCCESS) {
            *iv = gsl_root_fsolver_root(s->fs);
            *status = HS_IV_OK;
            return 0;
        }
        if (test != GSL_CONTINUE)
            return 0;
    }
    return 0;
}

int hs_implied_vol(hs_right right, double underlying, double K, double T,
                   double r, double price, hs_model model,
                   const hs_iv_opts *opts, double *iv, hs_iv_status *status)
{
    hs_iv_solver *s = NULL;
    int rc = hs_iv_solver_new(&s, opts);
    if (rc) {
        if (iv)
            *iv = NAN;
        if (status)
            *status = rc == HS_EINVAL ? HS_IV_BAD_INPUT : HS_IV_NO_CONVERGENCE;
        return rc;
    }
    rc = hs_iv_solver_solve(s, model, right, underlying, K, T, r, price, iv,
                            status);
    hs_iv_solver_free(s);
    return rc;
}

/* ---- coin-settled (inverse) options ------------------------------------ */

double hs_inverse_to_usd(double price_coin, double underlying)
{
    return price_coin * underlying;
}

double hs_inverse_from_usd(double price_usd, double underlying)
{
    return price_usd / underlying;
}

int hs_inverse_greeks(const hs_greeks *usd, double F, hs_greeks *out)
{
    if (!usd || !out)
        return hs_error_set(HS_EINVAL, "inverse greeks: NULL argument");
    if (!isfinite(F) || F <= 0)
        return hs_error_set(HS_EINVAL,
                            "inverse greeks: forward must be "
                            "positive and finite, got %g",
                            F);
    /* V_c(F) = V(F) / F.  delta_c = F V_c' = delta - V/F, and its
     * derivative: gamma - (delta - V/F) / F. */
    hs_greeks g;
    g.price = usd->price / F;
    g.delta = usd->delta - g.price;
    g.gamma = usd->gamma - g.delta / F;
    g.vega = usd->vega / F;
    g.theta = usd->theta / F;
    g.rho = usd->rho / F;
    *out = g;
    return 0;
}
