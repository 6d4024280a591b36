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
    int initialised;   /* strategy init done */
    int at_close;      /* the fill rule is HS_FILL_CLOSE */
};

#endif
