/* European option prices, greeks and implied volatility.
 *
 * Two models, both lognormal with constant volatility:
 *   Black-Scholes (HS_MODEL_BS): the underlying is a spot price S with no
 *     dividends; r is the continuously compounded risk-free rate.
 *   Black-76 (HS_MODEL_BLACK76): the underlying is the forward (or futures)
 *     price F for the option's expiry; the payoff is discounted at r.
 *
 * Units, everywhere in this header:
 *   prices and strikes are in one currency (USD, say); T is in years of
 *   365 days; r and sigma are per year as decimals (0.05 is 5 %, 0.80 is
 *   80 % vol); greeks are per 1.00 of their variable: vega is the change of
 *   the price per 1.00 of volatility (divide by 100 for "per vol point"),
 *   theta is the change per year of calendar time (divide by 365 for "per
 *   day"), rho per 1.00 of rate (divide by 100 for "per 1 % of rate").
 *
 * Coin-settled (inverse) options, as on Deribit, are quoted in coin; their
 * USD value is the coin price times the underlying (the forward the exchange
 * prices against).  hs_inverse_* below convert and give the greeks of the
 * coin value.  docs/pricing.md describes the exchange's conventions. */
#ifndef HEDGESIM_PRICE_H
#define HEDGESIM_PRICE_H

typedef enum hs_right { HS_CALL = 0, HS_PUT = 1 } hs_right;

typedef enum hs_model {
    HS_MODEL_BS = 0,     /* Black-Scholes on a spot price */
    HS_MODEL_BLACK76 = 1 /* Black-76 on a forward price */
} hs_model;

/* Price and greeks of one option (a plain record).  "underlying" is S for
 * Black-Scholes and F for Black-76. */
typedef struct hs_greeks {
    double price; /* currency of the underlying and strike */
    double delta; /* d price / d underlying: dimensionless */
    double gamma; /* d delta / d underlying: per 1 unit of currency */
    double vega;  /* d price / d sigma: currency per 1.00 of vol */
    double theta; /* d price / d calendar time (= -d/dT): currency per year */
    double rho;   /* d price / d r (F held fixed for Black-76): per 1.00 */
} hs_greeks;

/* Black-Scholes price and greeks of a European call or put on a spot price
 * S without dividends: strike K, T years to expiry, continuous rate r,
 * volatility sigma.  Writes *out; returns 0 or HS_EINVAL (S <= 0, K <= 0,
 * T < 0, sigma < 0, any input not finite, out NULL), leaving *out untouched.
 * Edge cases: T == 0 is an expired option: price is the intrinsic value,
 * delta 1 / -1 in the money, 0 out of it and +-0.5 exactly at the money;
 * gamma, vega, theta and rho are 0.  sigma == 0 with T > 0 is the
 * deterministic limit: price max(S - K e^{-rT}, 0) (call), and greeks are
 * the limits as sigma -> 0+ (gamma reported 0 where that limit is infinite,
 * i.e. exactly at the money forward). */
int hs_bs(hs_right right, double S, double K, double T, double r, double sigma,
          hs_greeks *out);

/* Black-76 price and greeks on a forward F (discount factor e^{-rT}); the
 * same units, checks and edge cases as hs_bs (T == 0: intrinsic
 * max(F - K, 0); sigma == 0: e^{-rT} max(F - K, 0)).  delta and gamma are
 * with respect to F; rho holds F fixed (rho = -T * price). */
int hs_black76(hs_right right, double F, double K, double T, double r,
               double sigma, hs_greeks *out);

/* hs_bs or hs_black76 by `model` (HS_EINVAL for an unknown model). */
int hs_price(hs_model model, hs_right right, double underlying, double K,
             double T, double r, double sigma, hs_greeks *out);

/* "call" / "put"; "bs" / "black76" (static strings, never NULL). */
const char *hs_right_name(hs_right right);
const char *hs_model_name(hs_model model);

/* Parse "call"/"c"/"put"/"p" and "bs"/"black-scholes"/"black76"/"black-76",
 * case-insensitively.  0 or HS_EINVAL (with a message naming the text). */
int hs_right_parse(const char *text, hs_right *out);
int hs_model_parse(const char *text, hs_model *out);

/* ---- implied volatility ------------------------------------------------ */

/* Outcome of an implied-volatility solve.  Only HS_IV_OK carries a number;
 * every other status leaves the volatility NaN. */
#define HS_IV_STATUS_LIST(X)                                                   \
    X(HS_IV_OK, "ok", "ok")                                                    \
    X(HS_IV_BELOW_INTRINSIC, "below_intrinsic",                                \
      "price at or below the no-arbitrage lower bound")                        \
    X(HS_IV_ABOVE_MAX, "above_max",                                            \
      "price at or above the no-arbitrage upper bound")                        \
    X(HS_IV_ZERO_TIME, "zero_time",                                            \
      "expired option (T = 0) has no volatility")                              \
    X(HS_IV_ZERO_PRICE, "zero_price", "zero price has no volatility")          \
    X(HS_IV_VOL_BELOW_MIN, "vol_below_min",                                    \
      "volatility below the lower end of the bracket")                         \
    X(HS_IV_VOL_ABOVE_MAX, "vol_above_max",                                    \
      "volatility above the upper end of the bracket")                         \
    X(HS_IV_NO_CONVERGENCE, "no_convergence", "root finder did not converge")  \
    X(HS_IV_BAD_INPUT, "bad_input", "invalid input")

/* clang-format off */
typedef enum hs_iv_status {
#define HS_X_ENUM(name, text, desc) name,
    HS_IV_STATUS_LIST(HS_X_ENUM)
#undef HS_X_ENUM
    HS_IV_NSTATUS /* number of statuses */
} hs_iv_status;
/* clang-format on */

/* Short name ("below_intrinsic") and one-line description of a status
 * (static strings; "unknown" for values outside the enum). */
const char *hs_iv_status_name(hs_iv_status status);
const char *hs_iv_status_describe(hs_iv_status status);

/* Options of the solver (a transparent struct: fill it with
 * HS_IV_OPTS_INIT, then change fields). */
typedef struct hs_iv_opts {
    double vol_min; /* lower end of the bracket (> 0), per year */
    double vol_max; /* upper end of the bracket (> vol_min), per year */
    double vol_tol; /* stop when the bracket is narrower than this (abs.) */
    int max_iter;   /* Brent iterations before HS_IV_NO_CONVERGENCE (> 0) */
    /* An in-the-money price whose time value (price minus the lower bound)
     * is at most intrinsic_rtol * max(discounted forward, discounted strike)
     * counts as on the bound (HS_IV_BELOW_INTRINSIC): this absorbs the
     * rounding of the parity subtraction (>= 0; the default, 1e-14, is
     * about 45 rounding units). */
    double intrinsic_rtol;
} hs_iv_opts;

/* clang-format off */
#define HS_IV_OPTS_INIT {1e-6, 20.0, 1e-12, 200, 1e-14}
/* clang-format on */

/* A reusable solver: allocates once, so solving many prices (a chain, a
 * step of the engine) does not allocate.  Not thread-safe: one per thread. */
typedef struct hs_iv_solver hs_iv_solver;

/* Create a solver with `opts` (NULL: HS_IV_OPTS_INIT; copied).  Returns 0,
 * HS_EINVAL (bad options) or HS_ENOMEM; on failure *out is NULL.  The
 * caller owns *out and frees it with hs_iv_solver_free. */
int hs_iv_solver_new(hs_iv_solver **out, const hs_iv_opts *opts);

/* Free a solver; NULL is harmless. */
void hs_iv_solver_free(hs_iv_solver *s);

/* Implied volatility of `price` (same currency as the underlying) under
 * `model`: underlying is S (HS_MODEL_BS) or F (HS_MODEL_BLACK76).  Solves
 * price(sigma) = price with GSL's Brent root finder on the bracket
 * [vol_min, vol_max]; in-the-money options are solved through put-call
 * parity on the out-of-the-money side, which is better conditioned.
 *
 * Returns 0 whenever the inputs are valid numbers, whatever the outcome:
 * *status says whether *iv holds a volatility (HS_IV_OK) or why not, in
 * which case *iv is NaN.  Returns HS_EINVAL with *status = HS_IV_BAD_INPUT
 * and *iv = NaN (when those pointers are not NULL) for underlying <= 0,
 * K <= 0, T < 0, price < 0, a non-finite input or a NULL iv/status.
 * Checks, in order: bad input, T == 0 (ZERO_TIME), price == 0 (ZERO_PRICE),
 * price >= upper bound (ABOVE_MAX: S for a BS call, F e^{-rT} for a
 * Black-76 call, K e^{-rT} for a put), price <= lower bound
 * (BELOW_INTRINSIC: the discounted intrinsic value of the forward, when it
 * is positive, within opts.intrinsic_rtol), a root outside the bracket
 * (VOL_BELOW_MIN, VOL_ABOVE_MAX). */
int hs_iv_solver_solve(hs_iv_solver *s, hs_model model, hs_right right,
                       double underlying, double K, double T, double r,
                       double price, double *iv, hs_iv_status *status);

/* One-shot form of the above: creates a solver with `opts` (NULL for the
 * defaults), solves and frees it.  Also returns HS_EINVAL for bad options
 * and HS_ENOMEM, with *status = HS_IV_BAD_INPUT / NO_CONVERGENCE. */
int hs_implied_vol(hs_right right, double underlying, double K, double T,
                   double r, double price, hs_model model,
                   const hs_iv_opts *opts, double *iv, hs_iv_status *status);

/* ---- coin-settled (inverse) options ------------------------------------ */

/* USD value of a price quoted in coin: price_coin * underlying (the
 * underlying in USD per coin).  No checks: NaN in, NaN out. */
double hs_inverse_to_usd(double price_coin, double underlying);

/* Coin price of a USD value: price_usd / underlying. */
double hs_inverse_from_usd(double price_usd, double underlying);

/* Greeks of the coin value V_c = V / F of an option whose USD greeks on
 * the forward F are `usd` (from hs_black76).  Writes *out:
 *   price = V / F                               coin
 *   delta = F dV_c/dF = delta_usd - V / F       premium-adjusted delta: the
 *                                               coin amount of underlying
 *                                               that hedges the coin value
 *   gamma = d(delta)/dF = gamma_usd - (delta_usd - V / F) / F
 *                                               per USD of F
 *   vega, theta, rho = the USD ones / F         coin per 1.00 / year / 1.00
 * Returns 0 or HS_EINVAL (F <= 0 or not finite, NULL pointers). */
int hs_inverse_greeks(const hs_greeks *usd, double F, hs_greeks *out);

#endif
