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
    /* Shared by the metrics of every run (hs_engine_metrics): the unhedged
     * book's return over each step after the formation step, and the mean
     * risk-free rate over those steps.  NULL / 0 with too few steps. */
    double *book_ret; /* [n_steps - live_from - 1] */
    double rf_mean;
    /* The place in its bar of each funding settlement of the hedge (the
     * panel's settle_time, indexed as it is), as hs_bar_price_at computes
     * it, NaN at or after the close; NULL when the panel has none. */
    double *fund_frac; /* [panel->n_settle] */
    /* Counts the panel refills (hs_context_refresh): a recorded beta series
     * is replayed only over the data it was estimated on. */
    unsigned long generation;
};

struct hs_view {
    const hs_engine *engine;
    size_t t;
    double hedge_close; /* the hedge's close at t (the price a strategy
                         * reads at every step, without the walk from the
                         * engine to the panel) */
};

/* A run: the strategy and estimator states, the run's three accounts (ledger
 * module) and its series. */
struct hs_engine {
    const hs_context *ctx;
    hs_run_spec spec;
    void *strategy_state;
    void *beta_state;
    size_t strategy_cap, beta_cap; /* bytes allocated for the states */
    hs_view view;
    hs_run_series s;
    /* The series written at live steps only are rewritten step by step
     * instead of cleared at each reset: they hold this run's values at
     * [live_from, written), an earlier run's at [written, stale_to) (zeroed
     * before anyone reads them: live_series) and zeros elsewhere. */
    size_t written, stale_to;
    int opt_written;     /* an option run wrote the option series */
    int summary_only;    /* HS_SERIES_DETAIL series and fills not recorded */
    int detail_written;  /* a run recorded them since they were zero */
    size_t t;            /* next step */
    double beta;         /* latest estimate */
    hs_book_state book;  /* the run's long book */
    hs_hedge_account hedge; /* the perp; its cash also pays option flows */
    double exposure;     /* book exposure after the step's book decision */
    double holdings;     /* book holdings at close */
    double tol;          /* attribution tolerance, relative */
    int initialised;     /* strategy init done */
    int at_close;        /* the fill rule is HS_FILL_CLOSE */
    /* The beta series depends only on the context and the estimator (type,
     * parameters, returns, regressor), not on the run: a run with the same
     * estimator as the last complete one replays its recorded series
     * instead of re-estimating (sweeps over target betas, bands, costs). */
    int beta_replay;     /* this run replays s.beta */
    int beta_complete;   /* s.beta holds a complete run's estimates */
    unsigned long beta_generation; /* ... made over this context generation */
    double *scratch;     /* [n_steps] metrics workspace */
    const hs_chain *chain;  /* the option slice visible at the current close */
    hs_option_book options; /* unused when spec.options.chains is NULL
                             * (last: large, and cold in most runs) */
};

/* The account's equity: book cash + holdings + hedge account + options (in
 * this order: the sum is recorded bit for bit). */
static inline double hs_engine__equity(const hs_engine *e)
{
    return e->book.cash + e->holdings + e->hedge.cash + e->options.value;
}

#endif
