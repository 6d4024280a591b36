/* Option chains at run time: the slice of a chain visible at a step, how to
 * pick a contract from it, and the sources that provide slices, pluggable
 * as type structs: replay of the store's snapshots, and chains modeled from
 * a volatility model where no real chain exists.
 *
 * A slice holds quotes in USD per unit of the underlying (coin-quoted
 * Deribit prices are converted with the snapshot's underlying price), so
 * strategies and the engine never deal with quoting conventions.  A slice
 * visible at step t comes from data up to the close of t only: the latest
 * snapshot at or before it (with its age), or a chain generated from prices
 * and volatility indices up to t.  Modeled quotes say so (`modeled`), and
 * runs that use them say so in their results and summaries. */
#ifndef HEDGESIM_CHAIN_H
#define HEDGESIM_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "hedgesim/market.h"
#include "hedgesim/param.h"
#include "hedgesim/store.h"

/* One contract's quote in a slice.  Prices in USD per unit of underlying;
 * NAN where absent (an empty side of the book). */
typedef struct hs_chain_quote {
    int64_t expiry;   /* ms UTC */
    double strike;    /* USD */
    char right;       /* 'C' or 'P' */
    double bid, ask, mark;
    double iv;        /* mark implied volatility, decimal; NAN if unknown */
    double forward;   /* underlying/forward price the quote is against */
} hs_chain_quote;

typedef struct hs_chain_source hs_chain_source;

typedef struct hs_chain {
    int64_t ts;          /* snapshot time, ms UTC (<= the step's close) */
    double spot;         /* underlying spot price at ts */
    char underlying[16];
    char source[48];     /* "deribit", "model:dvol-smile", ... */
    int modeled;         /* 1: generated, not exchange quotes */
    size_t n, cap;       /* quotes used and allocated */
    hs_chain_quote *q;   /* sorted by expiry, then right, then strike */
    const hs_chain_source *origin; /* the source that filled the slice
                                    * (borrowed), NULL for a slice made by
                                    * hand: see hs_chain_quote_for */
    size_t repaired;     /* modeled slices: quotes the no-arbitrage
                          * repair changed (docs/modeled-chains.md#no-
                          * static-arbitrage); 0 otherwise */
} hs_chain;

/* Allocate a slice able to hold `cap` quotes.  Caller owns. */
int hs_chain_new(hs_chain **out, size_t cap);
void hs_chain_free(hs_chain *c);

/* ------------------------------------------------------- picking contracts
 * All return the index of the chosen quote in c->q, or -1 if none fits.
 * Only quotes with a finite ask (for buying) are eligible unless stated. */

/* The expiry closest to `now + tenor_ms` among expiries at least
 * `min_ms` after `now`; returns the expiry time or 0 if none. */
int64_t hs_chain_pick_expiry(const hs_chain *c, int64_t now, int64_t tenor_ms,
                             int64_t min_ms);
/* Within `expiry`, the `right` contract whose strike / spot is closest to
 * `moneyness` (0.9 = a put 10 % out of the money). */
int hs_chain_pick_moneyness(const hs_chain *c, int64_t expiry, char right,
                            double moneyness);
/* Within `expiry`, the contract whose Black-76 delta (from its mark iv, at
 * time `now`, rate r) is closest to `delta` (e.g. -0.25 for a put). */
int hs_chain_pick_delta(const hs_chain *c, int64_t expiry, char right,
                        double delta, int64_t now, double r);
/* The quote for (expiry, strike, right), or -1. */
int hs_chain_find(const hs_chain *c, int64_t expiry, double strike,
                  char right);
/* Details of the pickers (docs/modeled-chains.md):
 *   - a NULL or empty slice gives 0 / -1;
 *   - they rely on the sort order of c->q (binary search for the expiry and
 *     right), which every source keeps; hand-built slices must keep it too;
 *   - ties are broken towards the earlier expiry and the lower strike;
 *   - pick_expiry counts an expiry when it has a quote with a finite ask and
 *     expiry >= now + min_ms;
 *   - pick_moneyness measures |strike - moneyness * spot| with c->spot (the
 *     quote's forward where c->spot is not a positive number);
 *   - pick_delta skips quotes without a finite iv and forward, and expiries
 *     at or before `now`; T = (expiry - now) / 365 days;
 *   - find matches the strike within 1e-9 relative (any quote, ask or not). */

/* The quote of (expiry, strike, right) at the slice's time: the slice's
 * own quote when it lists the contract, else a quote made by the source
 * that filled the slice when its type can quote any contract (the model
 * source: its smile and spread rule at that strike, so that a contract a
 * run holds stays listed until it expires; docs/modeled-chains.md).
 * 1 with *out filled, 0 when neither can (a replayed snapshot lacks it).
 * Valid while the slice is (until the source's next step). */
int hs_chain_quote_for(const hs_chain *c, int64_t expiry, double strike,
                       char right, hs_chain_quote *out);

/* Make room for at least `cap` quotes (keeps the n quotes in use).  0,
 * HS_EINVAL (c NULL) or HS_ENOMEM (the slice is unchanged).  Never
 * shrinks. */
int hs_chain_reserve(hs_chain *c, size_t cap);

/* ---------------------------------------------------------- chain sources
 * A chain source is a cursor over the steps of one panel that yields the
 * slice visible at each step.  Like strategies and beta estimators, a kind
 * of source is a `const` type struct: the framework (chain.c) allocates the
 * type's state and the slice, checks the step order and caches the step;
 * the type only fills the slice.  Two types are built in: the replay of the
 * store's snapshots (hs_chain_source_replay_type, chain_replay.c) and the
 * modeled chains (hs_chain_source_model_type, chain_model.c).  Another
 * source (say, chains on a simulated path) is a new file defining its own
 * type; nothing here changes. */

#define HS_CHAIN_SOURCE_TYPE_VERSION 2

typedef struct hs_chain_source_type {
    int version;         /* HS_CHAIN_SOURCE_TYPE_VERSION */
    const char *name;    /* "replay", "model"; used in messages as
                          * "chain <name>: ..." */
    const char *summary; /* one line */
    size_t state_size;   /* bytes of state, allocated zeroed by the
                          * framework and freed by it (never 0) */
    /* REQUIRED: set up `state` for `panel` (borrowed for the source's
     * life; already checked: at least one step, a positive step, time,
     * close and state arrays) from `args`, a pointer to the type's own
     * argument record (documented with the type).  `slice` is the source's
     * slice, empty, to reserve capacity in.  0 or an error with a message;
     * after a failure `free` is still called on the state. */
    int (*init)(void *state, const hs_panel *panel, const void *args,
                hs_chain *slice);
    /* REQUIRED: fill `slice` with the chain visible at step t, from data up
     * to the close of t only.  Steps come in increasing order, each at most
     * once between rewinds (the framework answers a repeated step from its
     * cache).  0 or an error (the framework then empties the slice). */
    int (*at)(void *state, size_t t, hs_chain *slice);
    /* OPTIONAL: forget everything learnt from steps already seen, and
     * set the slice's "nothing yet" fields; called after init and by
     * hs_chain_source_rewind (the framework has set slice->n = 0). */
    void (*rewind)(void *state, hs_chain *slice);
    /* OPTIONAL: release what init allocated (not the state itself); must
     * accept a state whose init failed part-way. */
    void (*free)(void *state);
    /* OPTIONAL (version 2; version 1 types stop before it): quote a
     * contract `slice` (the step's slice, just filled by `at`) does not
     * list, at the slice's time, as the source would have quoted it.  1
     * with *out filled, 0 if it cannot.  Must not change the state. */
    int (*quote)(const void *state, const hs_chain *slice, int64_t expiry,
                 double strike, char right, hs_chain_quote *out);
} hs_chain_source_type;

/* Create a source of `type` over `panel` (borrowed) with the type's
 * argument record `args` (borrowed for the call; see the type).  *out is
 * the caller's (hs_chain_source_free); NULL on failure.  0, HS_EINVAL (NULL
 * out or type, a type of version other than 1 or 2 or without init/at, an empty or
 * invalid panel), HS_ENOMEM, or what the type's init returns. */
int hs_chain_source_new(hs_chain_source **out,
                        const hs_chain_source_type *type,
                        const hs_panel *panel, const void *args);
/* The source's type name ("replay", "model", ...; static).  "" for NULL. */
const char *hs_chain_source_name(const hs_chain_source *src);

/* The replay type: args is a `const hs_chain_replay_args *`.  See
 * hs_chain_source_store, which fills it. */
typedef struct hs_chain_replay_args {
    hs_store *store;        /* borrowed for the source's life */
    const char *underlying; /* copied */
    const char *source;     /* copied; NULL: exchange data only */
    int64_t max_age_ms;
} hs_chain_replay_args;
extern const hs_chain_source_type hs_chain_source_replay_type;

/* The model type: args is a `const hs_chain_model_args *`.  See
 * hs_chain_source_model, which fills it. */
typedef struct hs_chain_model_args {
    int asset;               /* panel index of the underlying */
    int vol_index;           /* panel index of the vol index, or -1 */
    const hs_values *values; /* hs_chain_model_params values; NULL: the
                              * defaults (read during the call only) */
} hs_chain_model_args;
extern const hs_chain_source_type hs_chain_source_model_type;

/* Replay the store's snapshots on `underlying` whose source matches
 * `source` (NULL: exchange data only, never "model:*").  At step t the
 * slice is the latest snapshot with ts <= the close of t and age at most
 * `max_age_ms`, else empty.  Snapshots are read one at a time as the steps
 * pass them, through the store's quote cursor: memory is bounded by one
 * snapshot.  Borrows store and panel; free the source before closing the
 * store.  The same as hs_chain_source_new with hs_chain_source_replay_type. */
int hs_chain_source_store(hs_chain_source **out, hs_store *store,
                          const hs_panel *panel, const char *underlying,
                          const char *source, int64_t max_age_ms);
/* Details of the replay (docs/modeled-chains.md has the whole story):
 *   - `source` is an exact source tag ("deribit"), or a prefix ending in
 *     '*' ("model:*"); NULL takes every row whose source does not begin with
 *     "model:".  max_age_ms >= 0.  Errors: HS_EINVAL (bad arguments),
 *     HS_EDB, HS_ENOMEM.
 *   - The close of step t is panel->time[t] + panel->step_ms.  An empty
 *     slice has n = 0, ts = 0 and spot = NAN.
 *   - Coin-quoted rows are converted to USD with the row's underlying_price
 *     (its index_price where that is missing), which is also the quote's
 *     forward; rows with neither are dropped.  USD rows without either
 *     (the 2025 files) get a put-call-parity forward per expiry: the median
 *     of K + C - P over the (up to) three strikes with two-sided call and
 *     put books and the smallest |C - P| (zero rate); an expiry without
 *     such a strike is dropped.  A missing mark is the mid of a two-sided
 *     book no wider than half the mid or two ticks of 0.0001 coin (else it
 *     stays NAN); a missing iv is implied from the mark (Black-76, r = 0, T
 *     from the snapshot time; NAN where none reproduces it).
 *   - c->spot is the nearest expiry's index_price, else its forward.
 *   - Contracts that expired at or before the close are left out. */

/* Parameters of the modeled chain generator (see docs/modeled-chains.md). */
extern const hs_param hs_chain_model_params[];

/* Generate chains from a volatility model: at step t, from the panel's
 * closes of `asset` (the underlying) up to t and the vol index `vol_index`
 * (a panel asset such as BTC-DVOL, or -1) up to t.  `values` from
 * hs_chain_model_params.  Borrows the panel.  The same as
 * hs_chain_source_new with hs_chain_source_model_type. */
int hs_chain_source_model(hs_chain_source **out, const hs_panel *panel,
                          int asset, int vol_index, const hs_values *values);
/* Details of the model source:
 *   - values NULL: the defaults.  Errors: HS_EINVAL (bad asset or index,
 *     bad values: see hs_chain_model_init), HS_ENOMEM.  All memory is
 *     allocated here: asking for a step allocates nothing.
 *   - At step t: now = the close of t, S = the asset's close at t.  The
 *     30-day vol is the index close / 100 when vol_model = dvol and the
 *     index is not ABSENT at t, else the `fallback` estimator (realized or
 *     garch, also used when vol_model names it directly), from returns of
 *     steps <= t only (GARCH folds every step from 0 to t, its long-run
 *     variance the mean squared return of the last garch_days, or
 *     garch_vol^2 before that has rv_min_obs returns; its alpha and beta are
 *     per step).  The slice is empty (n = 0, ts = now, spot = NAN when
 *     the asset is ABSENT) when S or the vol is unknown: realized needs
 *     rv_min_obs returns inside its window.
 *   - c->source is "model:<vol>-smile" with the vol actually used at t
 *     ("model:dvol-smile", "model:realized-smile", "model:garch-smile");
 *     c->modeled = 1.
 *   - The market smile's observables at t (hs_chain_obs): that vol, the
 *     realized vols of the last rv_days and of the last 90 days, the log
 *     returns over the last 7 and 30 days, all from closes at steps <= t,
 *     and whether that vol is an estimate (not the index).
 *   - A contract the step's grid does not list (a held strike after the
 *     spacing changed) is still quoted through hs_chain_quote_for, with the
 *     step's smile and spread rule (hs_chain_model_quote), until it
 *     expires. */

/* The slice visible at step t (borrowed; valid until the next call).  Steps
 * must be asked in increasing order (a source is a cursor); asking t again
 * is allowed.  0 or an error. */
int hs_chain_source_at(hs_chain_source *src, size_t t, const hs_chain **out);
/* Rewind to before step 0 (a new run over the same panel).  NULL is
 * harmless. */
void hs_chain_source_rewind(hs_chain_source *src);
/* NULL is harmless. */
void hs_chain_source_free(hs_chain_source *src);

/* ------------------------------------------------ the modeled-chain generator
 * The pieces hs_chain_source_model is made of, usable on their own (the
 * `chains` command, tests, what-if pricing).  Formulas and defaults are in
 * docs/modeled-chains.md; in short, at time `now` with spot S and a 30-day
 * ATM volatility sigma30:
 *   expiries  08:00 UTC (expiry_hour): the next `dailies` days, the next
 *             `weeklies` Fridays, the last Fridays of the next `monthlies`
 *             months and of the next `quarterlies` quarter months (Mar, Jun,
 *             Sep, Dec), all strictly after now, merged without duplicates;
 *   strikes   multiples of a "nice" step (1, 2, 2.5 or 5 times a power of
 *             ten, the one nearest strike_step * S on a log scale) from
 *             strike_lo * S to strike_hi * S;
 *   vol       F = S (zero rate and basis), T in years of 365 days,
 *             k = ln(K / F) / sqrt(T) clamped to [-k_max, k_max]; with
 *             smile = market (the default) the market smile below
 *             (hs_chain_smile_terms), with smile = fixed
 *             sigma_atm(T) = sigma30 * (max(T, 1 day) / 30 days)^term_slope,
 *             sigma = clamp(sigma_atm(T) * (1 + skew k + curv k^2),
 *                           vol_min, vol_max);
 *   prices    Black-76 with r = 0 (mark), half spread
 *             max(vega * (spread_base + spread_slope * |k|), tick * S),
 *             ask = mark + half, bid = max(mark - half, 0), or empty (NAN)
 *             when the mark is below one tick (tick * S, USD). */

/* Which 30-day volatility anchors the smile. */
typedef enum hs_chain_vol {
    HS_CHAIN_VOL_DVOL = 0,     /* the vol index close / 100 */
    HS_CHAIN_VOL_REALIZED = 1, /* close-to-close, zero mean, sqrt(periods/yr) */
    HS_CHAIN_VOL_GARCH = 2     /* GARCH(1,1) with variance targeting: the
                                * mean 30-day variance forecast */
} hs_chain_vol;

/* "dvol", "realized", "garch" (static; "?" for other values). */
const char *hs_chain_vol_name(hs_chain_vol v);

/* Which smile shape (docs/modeled-chains.md#smile-and-term-structure). */
typedef enum hs_chain_smile {
    HS_CHAIN_SMILE_MARKET = 0, /* driven by what the market showed: fitted
                                * on the store's real snapshots */
    HS_CHAIN_SMILE_FIXED = 1   /* the fixed quadratic: skew, curv,
                                * term_slope */
} hs_chain_smile;

/* The market smile's observables at a step, from data up to that step.
 * rv90 and estimated were added after the first four: a record filled
 * positionally with four values has rv90 = 0 (unknown) and estimated = 0. */
typedef struct hs_chain_obs {
    double sigma30; /* the 30-day ATM vol that anchors the smile, decimal */
    double rv;      /* realized vol over rv_days (NAN: unknown) */
    double ret7;    /* log return of the underlying over 7 days (NAN) */
    double ret30;   /* and over 30 days (NAN) */
    double rv90;    /* realized vol over 90 days (NAN or <= 0: unknown) */
    int estimated;  /* 1: sigma30 is estimated from past prices (realized
                     * or GARCH), not the vol index */
} hs_chain_obs;

/* The market smile, with the observables z = (ln sigma30, ln(rv /
 * sigma30), ln(rv90 / sigma30), ret7, ret30), each clamped to [obs_lo,
 * obs_hi] (a missing one is taken as 0 before the clamp), e = estimated,
 * L = ln(max(T, 1 day) / 30 days), k = ln(K/F) / sqrt(T) clamped to
 * [-k_max, k_max], h = sqrt(wing_kappa^2 + k^2) - wing_kappa, h+ = h for
 * k > 0 (else 0) and h- = h for k < 0 (else 0):
 *   sigma / sigma30 = A + S k + Cc h+ + Cp h-,
 *   A  = (a0 + a1 e) + L (a2 + a3 z_rv90 + a4 ret30 + a5 z_rv + a6 ret7
 *        + a7 e) + L^2 (a8 + a9 e),
 *   S  = (s0 + s1 z_lnvol + s2 z_rv90 + s3 e) + L (s4 + s5 e),
 *   Cc = (c0 + c1 z_rv90 + c2 e) + L (c3 + c4 z_lnvol),
 *   Cp = (p0 + p1 z_lnvol + p2 e) + L p3,
 * coef[] holding a0..a9, s0..s5, c0..c4, p0..p3 in that order
 * (HS_CHAIN_SMILE_NCOEF coefficients). */
#define HS_CHAIN_SMILE_NCOEF 25
#define HS_CHAIN_SMILE_NOBS 5 /* ln sigma30, ln(rv/sigma30),
                               * ln(rv90/sigma30), ret7, ret30 */

/* The parameter names of coef[] and of the observables' clamps (which are
 * "<name>_lo" and "<name>_hi"), in order. */
extern const char *const hs_chain_smile_coef_names[HS_CHAIN_SMILE_NCOEF];
extern const char *const hs_chain_smile_obs_names[HS_CHAIN_SMILE_NOBS];

/* The generator's settings, parsed from hs_chain_model_params (a plain
 * record; fill it with hs_chain_model_init).  Units as in the table. */
typedef struct hs_chain_model {
    hs_chain_smile smile;
    double wing_kappa;
    double coef[HS_CHAIN_SMILE_NCOEF];
    double obs_lo[HS_CHAIN_SMILE_NOBS], obs_hi[HS_CHAIN_SMILE_NOBS];
    hs_chain_vol vol_model, fallback;
    int rv_days, rv_min_obs;
    double garch_alpha, garch_beta, garch_vol;
    int garch_days;
    double skew, curv, k_max, term_slope, vol_min, vol_max;
    int dailies, weeklies, monthlies, quarterlies, expiry_hour;
    double strike_step, strike_lo, strike_hi;
    double spread_base, spread_slope, tick;
} hs_chain_model;

/* Read market-smile coefficients from CSV text (lines "name,value": the
 * names of hs_chain_smile_coef_names and "<obs>_lo", "<obs>_hi" for each
 * of hs_chain_smile_obs_names, each once; '#' lines, blank lines and a
 * "name,value" header are skipped) into m->coef, obs_lo and obs_hi.  The
 * shipped coefficients are datasets/smile-fit.csv, compiled in and read by
 * hs_chain_model_init.  0, HS_EINVAL (NULL) or HS_EDATA naming the line. */
int hs_chain_smile_parse(const char *text, hs_chain_model *m);

/* Read `values` (parsed against hs_chain_model_params, or any table that
 * holds the same names; NULL: the defaults) into *m and check them: every
 * value inside its range, strike_lo < 1 < strike_hi, vol_min < vol_max,
 * garch_alpha + garch_beta < 1 and at least one expiry.  0 or HS_EINVAL
 * naming the key.  (The ranges bound a chain to about a million quotes.) */
int hs_chain_model_init(hs_chain_model *m, const hs_values *values);

/* The most quotes one modeled slice can hold, whatever the spot (expiries
 * times strikes times 2; with the defaults 1,664).  A slice of this
 * capacity never grows. */
size_t hs_chain_model_capacity(const hs_chain_model *m);

/* Expiries after `now` (ascending, ms UTC) into out[0..cap-1]; returns how
 * many were written (at most m->dailies + weeklies + monthlies +
 * quarterlies). */
size_t hs_chain_model_expiries(const hs_chain_model *m, int64_t now,
                               int64_t *out, size_t cap);

/* The strike step at spot S (USD; NAN for S <= 0 or not finite). */
double hs_chain_model_strike_step(const hs_chain_model *m, double spot);

/* The smile: implied volatility at strike K for T years on forward F, given
 * the 30-day ATM volatility sigma30 (decimals), the market smile's other
 * observables missing (taken as 0).  NAN for bad inputs. */
double hs_chain_model_vol(const hs_chain_model *m, double sigma30, double F,
                          double K, double T);

/* The regressors of the market smile at (F, K, T) given obs: out[i]
 * multiplies coef[i]; sigma / sigma30 = sum of coef[i] out[i].  0, or -1
 * for bad inputs (F, K, T or obs->sigma30 not a positive number). */
int hs_chain_smile_terms(const hs_chain_model *m, const hs_chain_obs *obs,
                         double F, double K, double T,
                         double out[HS_CHAIN_SMILE_NCOEF]);

/* The smile m->smile selects at (F, K, T) given the observables (the
 * fixed smile uses obs->sigma30 only), clamped to [vol_min, vol_max].
 * NAN for bad inputs. */
double hs_chain_model_vol_obs(const hs_chain_model *m,
                              const hs_chain_obs *obs, double F, double K,
                              double T);

/* One modeled quote: (expiry, K, right) at `now` on forward F with the
 * smile at obs: mark, bid and ask by the rules above.  0, or HS_ENUMERIC
 * (Black-76 failed) or HS_EINVAL (expiry not after now). */
int hs_chain_model_quote(const hs_chain_model *m, const hs_chain_obs *obs,
                         int64_t now, double F, int64_t expiry, double K,
                         char right, hs_chain_quote *out);

/* The no-arbitrage repair every modeled slice gets, per expiry
 * (docs/modeled-chains.md#no-static-arbitrage): the n puts' marks at
 * ascending strikes on forward F (each at least max(K - F, 0)) brought
 * down onto their greatest convex minorant together with the origin and
 * the ray of slope 1 (the intrinsic line far out); a mark within 1e-12 F
 * of it stays as it is.  out[i] the repaired mark (put[i].mark where
 * unchanged); hull is scratch of n + 1 entries.  Returns the number of
 * marks lowered.  The result is nondecreasing, of slope at most 1,
 * convex and at least intrinsic, up to that tolerance. */
size_t hs_chain_put_hull(const hs_chain_quote *put, size_t n, double F,
                         size_t *hull, double *out);

/* hs_chain_model_fill with the observables of the market smile:
 * obs->sigma30 plays the part of sigma30. */
int hs_chain_model_fill_obs(hs_chain *c, const hs_chain_model *m,
                            int64_t now, double spot,
                            const hs_chain_obs *obs, const char *underlying,
                            const char *source);

/* ------------------------------------------------- fitting the market smile
 * The market smile's coefficients are a least-squares fit on the real
 * snapshots of a store (docs/modeled-chains.md has the rules and the
 * figures): every exchange snapshot of the underlyings, each paired with
 * the observables a model source gives at the last close at or before the
 * snapshot (no look-ahead), and its out-of-the-money quotes with
 * |ln(K/F)| <= HS_SMILE_FIT_XMAX and at least HS_SMILE_FIT_TMIN_DAYS to
 * expiry, F the quote's forward (put-call parity of the marks where the
 * expiry has marks only), ivs of exactly 1 (a collector's cap) left out. */
#define HS_SMILE_FIT_XMAX 1.0
#define HS_SMILE_FIT_TMIN_DAYS 2.0

typedef struct hs_smile_data hs_smile_data;

/* Read the samples of `n` underlyings ("BTC", "ETH"; each needs daily bars
 * and, if the store has it, "<underlying>-DVOL") from `store`, the
 * observables computed with the model settings `values` (NULL: the
 * defaults).  Underlyings without snapshots add nothing.  *out is the
 * caller's (hs_smile_data_free).  0, HS_EINVAL, HS_EDB, HS_EDATA (no
 * sample at all) or HS_ENOMEM. */
int hs_smile_data_load(hs_smile_data **out, hs_store *store,
                       const char *const *underlyings, size_t n,
                       const hs_values *values);
void hs_smile_data_free(hs_smile_data *d);

/* Snapshots in the data, and snapshot i's time, underlying (borrowed),
 * number of quotes kept and observables. */
size_t hs_smile_data_count(const hs_smile_data *d);
void hs_smile_data_snapshot(const hs_smile_data *d, size_t i, int64_t *ts,
                            const char **underlying, size_t *n_quotes,
                            hs_chain_obs *obs);

/* Fit the market smile of `m` (its wing_kappa, k_max, vol_min and vol_max
 * are kept) on every snapshot but `leave_out` (SIZE_MAX: on all): the
 * observables' clamps become their range over the snapshots used, and the
 * coefficients minimise sum (sigma30 * (A + S k + Cc h+ + Cp h-) - iv)^2
 * over their quotes (GSL's SVD least squares).  *out = m with smile =
 * market and the fitted clamps and coefficients.  0, HS_EINVAL or HS_ENUMERIC. */
int hs_smile_fit(const hs_smile_data *d, size_t leave_out,
                 const hs_chain_model *m, hs_chain_model *out);

/* Root mean square of model m's implied vol (hs_chain_model_vol_obs) minus
 * the real one over snapshot i's quotes, decimal (0.03 = 3 vol points). */
double hs_smile_rmse(const hs_smile_data *d, size_t i,
                     const hs_chain_model *m);

/* Fill slice `c` with the modeled chain at `now` for spot `spot` (USD) and
 * 30-day ATM volatility `sigma30`: ts = now, modeled = 1, `underlying` and
 * `source` copied (truncated to fit; NULL: "model").  Grows c only when
 * its capacity is below the chain's size.  0, HS_EINVAL (spot or sigma30
 * not a positive number, c NULL; c is then left empty), HS_ENUMERIC (a
 * price failed; empty) or HS_ENOMEM. */
int hs_chain_model_fill(hs_chain *c, const hs_chain_model *m, int64_t now,
                        double spot, double sigma30, const char *underlying,
                        const char *source);

#endif
