/* Hedging strategies: the type struct, the read-only view of the past a
 * strategy decides from, and the registry (built-ins and plug-ins).
 *
 * A strategy is a const hs_strategy_type, like GSL's gsl_rng_type.  The
 * engine allocates its state (state_size bytes, zeroed, aligned for double),
 * calls init once, then step once per live step with a view of the data up
 * to and including the close of that step, and free at the end.  The view's
 * accessors return only data at or before the current step: a strategy
 * cannot look ahead.  Its decision fills later (next open by default).
 *
 * Built-in strategies (strategies/, one file each) use only the public API
 * (this header, and calendar.h for dates), exactly as a user's plug-in does;
 * the option strategies share strategies/option_legs.h, helpers written on
 * the same API.  strategies/template.c is the documented file to copy;
 * docs/writing-a-strategy.md explains it. */
#ifndef HEDGESIM_STRATEGY_H
#define HEDGESIM_STRATEGY_H

#include <stddef.h>
#include <stdint.h>

#include "hedgesim/chain.h"
#include "hedgesim/param.h"

/* Version of hs_strategy_type and of the view API.  Fields and accessors are
 * only ever appended; a plug-in built against a newer version than the
 * library is refused. */
#define HS_STRATEGY_VERSION 1

typedef struct hs_view hs_view;

/* ----------------------------------------------------------- the view
 * Money is in the quote currency (USD, or USDT treated as USD); quantities
 * of the hedge instrument are in units of its underlying (BTC for BTC-PERP),
 * negative for a short.  `lag` 0 is the current step; a lag beyond the
 * loaded history gives NaN. */

int64_t hs_view_time(const hs_view *v);       /* bar open time, ms UTC */
int64_t hs_view_step_ms(const hs_view *v);    /* length of a step */
size_t hs_view_live_step(const hs_view *v);   /* 0 at the first live step */
double hs_view_beta(const hs_view *v);        /* the run's beta estimate
                                               * (NaN while warming up) */
double hs_view_target_beta(const hs_view *v); /* the run's target beta */
double hs_view_exposure(const hs_view *v);    /* book value to hedge */
double hs_view_equity(const hs_view *v);      /* book + hedge account */
double hs_view_hedge_price(const hs_view *v); /* hedge close, this step */
double hs_view_hedge_position(const hs_view *v); /* held now, after fills */
double hs_view_contract_size(const hs_view *v);  /* trading increment */
/* Returns over step t - lag: of the book (basket), the benchmark and the
 * hedge instrument. */
double hs_view_book_return(const hs_view *v, size_t lag);
double hs_view_bench_return(const hs_view *v, size_t lag);
double hs_view_hedge_return(const hs_view *v, size_t lag);
/* Closes of any panel asset by index (0 .. hs_view_n_assets - 1). */
size_t hs_view_n_assets(const hs_view *v);
const char *hs_view_symbol(const hs_view *v, size_t asset);
double hs_view_close(const hs_view *v, size_t asset, size_t lag);

/* ------------------------------------------------------- options
 * Runs with an [options] section see the option chain visible at this close
 * and their option positions; others get NULL / 0 / NaN. */

/* The chain slice visible at this close (borrowed), or NULL. */
const hs_chain *hs_view_chain(const hs_view *v);
/* Close of the options' underlying (spot), this step; NaN without options. */
double hs_view_underlying_price(const hs_view *v);
/* Risk-free rate (annual decimal) at this step. */
double hs_view_rate(const hs_view *v);
/* Units of underlying per option contract (1 on Deribit). */
double hs_view_option_multiplier(const hs_view *v);

/* An option position (quantity in units of the underlying, < 0 short). */
typedef struct hs_option_position {
    int64_t expiry;
    double strike;
    char right;         /* 'C' or 'P' */
    double qty;
    double entry_price; /* USD per unit paid (received if short) */
    int64_t entry_time;
    double mark;        /* USD per unit at this close */
    double iv;          /* implied volatility used for the mark */
    double delta, gamma, vega, theta; /* per unit: Black-76 greeks; vega per
                                       * 1.00 of vol, theta per year */
} hs_option_position;

size_t hs_view_n_options(const hs_view *v);
const hs_option_position *hs_view_option(const hs_view *v, size_t i);
/* Total delta of the option positions, units of the underlying. */
double hs_view_option_delta(const hs_view *v);

/* Round a hedge quantity to a whole number of contracts (to nearest). */
double hs_round_contracts(double qty, double contract_size);

/* ------------------------------------------------------- the decision */
#define HS_MAX_OPTION_ORDERS 8

/* Trade `qty` units of underlying of a contract of the visible chain
 * (> 0 buys at the ask, < 0 sells at the bid).  Closing a held contract
 * that is no longer quoted is allowed: it trades at its model mark. */
typedef struct hs_option_order {
    int64_t expiry;
    double strike;
    char right;
    double qty;
} hs_option_order;

typedef struct hs_decision {
    int trade;           /* 1: move the hedge position to hedge_target */
    double hedge_target; /* units of the underlying; must be finite */
    size_t n_options;    /* option orders below (at most
                          * HS_MAX_OPTION_ORDERS) */
    hs_option_order options[HS_MAX_OPTION_ORDERS];
} hs_decision;

/* Flags. */
#define HS_STRATEGY_BETA_ON_HEDGE 0x1 /* regress the book on the hedge
                                       * instrument's returns, not the
                                       * benchmark's (minimum variance) */
#define HS_STRATEGY_OPTIONS 0x2       /* trades options: its runs need an
                                       * [options] section and see chains */

typedef struct hs_strategy_type {
    int version;             /* HS_STRATEGY_VERSION */
    const char *name;        /* [a-z0-9_]+, unique */
    const char *summary;     /* one line for `hedgesim list strategies` */
    const hs_param *params;  /* own parameters, HS_PARAM_END-terminated */
    size_t state_size;       /* bytes of state the engine allocates */
    unsigned flags;
    /* OPTIONAL: set up state from validated parameters; 0 or HS_E*. */
    int (*init)(void *state, const hs_values *params);
    /* REQUIRED: decide at the close of a live step. 0 or HS_E* (with
     * hs_error_set explaining). */
    int (*step)(void *state, const hs_view *v, hs_decision *out);
    /* OPTIONAL: release what init acquired (not the state itself). */
    void (*free)(void *state);
} hs_strategy_type;

/* ------------------------------------------------------ plug-ins
 * A plug-in is a shared object exporting
 *     const hs_strategy_type *const *hedgesim_strategies(int *version);
 * which stores HS_STRATEGY_VERSION in *version and returns a NULL-terminated
 * array of its strategy types. */
#define HS_PLUGIN_ENTRY "hedgesim_strategies"
typedef const hs_strategy_type *const *(*hs_plugin_entry_fn)(int *version);

/* The registry: built-ins plus loaded plug-ins.  Caller owns. */
typedef struct hs_registry hs_registry;
int hs_registry_new(hs_registry **out);
void hs_registry_free(hs_registry *r); /* unloads plug-ins; NULL harmless */

/* Load a plug-in: HS_EPLUGIN (message names the path) if it cannot be
 * opened, lacks the entry symbol, has another version, or defines a name
 * that is already registered or a type without a step function. */
int hs_registry_load(hs_registry *r, const char *path);

/* Find a strategy by name, or NULL. */
const hs_strategy_type *hs_registry_find(const hs_registry *r,
                                         const char *name);
/* The i-th registered type (built-ins first), or NULL past the end. */
const hs_strategy_type *hs_registry_get(const hs_registry *r, size_t i);
/* "a, b, c": the registered names, for error messages (borrowed). */
const char *hs_registry_names(const hs_registry *r);

/* The NULL-terminated table of built-ins (strategies/registry.c). */
extern const hs_strategy_type *const hs_strategy_builtins[];

/* Check a type's fields (version, name, step, params) as the registry does. */
int hs_strategy_check(const hs_strategy_type *t, const char *where);

#endif
