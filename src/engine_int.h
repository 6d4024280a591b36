/* Engine internals shared by engine.c and view.c. */
#ifndef HS_ENGINE_INT_H
#define HS_ENGINE_INT_H

#include "hedgesim/engine.h"

struct hs_context {
    const hs_panel *panel;
    hs_exec *exec;
    hs_book *book;
    int bench, hedge;
    size_t live_from;
    double periods_per_year;
    double *bench_ret; /* [n_steps] */
    double *hedge_ret; /* [n_steps] */
};

struct hs_view {
    const hs_engine *engine;
    size_t t;
};

struct hs_engine {
    const hs_context *ctx;
    hs_run_spec spec;
    void *strategy_state;
    void *beta_state;
    size_t strategy_cap, beta_cap; /* bytes allocated for the states */
    hs_view view;
    hs_run_series s;
    size_t t;          /* next step */
    double h;          /* hedge position after fills */
    double pending;    /* hedge order waiting for the next open */
    double cash;       /* hedge account (variation margin, costs, funding) */
    double beta;       /* latest estimate */
    hs_book_state book; /* this run's long book */
    double exposure;   /* book exposure after the step's book decision */
    double holdings;   /* book holdings at close */
    double tol;        /* attribution tolerance, relative */
    /* Options (all unused when spec.options.chains is NULL). */
    hs_option_position opt[HS_MAX_OPTION_POSITIONS];
    size_t n_opt;
    hs_option_order opt_pending[HS_MAX_OPTION_ORDERS];
    hs_chain_quote opt_pending_quote[HS_MAX_OPTION_ORDERS];
    size_t n_opt_pending;
    const hs_chain *chain; /* the slice visible at the current close */
    double opt_value;      /* option positions at their marks */
    int initialised;   /* strategy init done */
    int at_close;      /* the fill rule is HS_FILL_CLOSE */
};

/* Option flows of one step (costs positive). */
typedef struct hs_option_flow {
    double pnl, fee, slippage, premium, traded;
} hs_option_flow;

/* engine_options.c: the option side of a step. */
int hs_engine__options_open(hs_engine *e, size_t t, hs_option_flow *f);
int hs_engine__options_close(hs_engine *e, size_t t, hs_option_flow *f);
int hs_engine__options_orders(hs_engine *e, size_t t, const hs_decision *d,
                              hs_option_flow *f);
void hs_engine__options_greeks(const hs_engine *e, double *delta,
                               double *gamma, double *vega, double *theta);

#endif
