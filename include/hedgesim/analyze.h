/* Beta-decay analytics around a stress window: how the basket's and each
 * asset's beta and correlation to the benchmark, the basket's average
 * pairwise correlation and its absorption ratio changed from the period
 * before a window into the window, with a verdict in plain words.
 *
 * The window is loaded as one plan (stress.h: a copy of the config with
 * [data] start and end set to the window's) whose warm-up covers the
 * pre-crisis period; statistics over "pre" use only the `pre` steps before
 * the window's start, those over "crisis" only the window's steps.  The
 * statistics are in analytics.h; docs/stress.md explains them. */
#ifndef HEDGESIM_ANALYZE_H
#define HEDGESIM_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "hedgesim/config.h"
#include "hedgesim/results.h"
#include "hedgesim/results_run.h"
#include "hedgesim/store.h"
#include "hedgesim/strategy.h"
#include "hedgesim/stress.h"

#define HS_ANALYZE_MAX_ITEMS (HS_CONFIG_MAX_ASSETS + 1)
#define HS_ANALYZE_MAX_EST 8

/* One statistic before and during the window. */
typedef struct hs_analyze_change {
    double pre, crisis;
} hs_analyze_change;

/* The basket (item 0) or one book asset, against the benchmark. */
typedef struct hs_analyze_item {
    char name[HS_SYMBOL_MAX];  /* "basket" or the asset's symbol */
    hs_analyze_change beta;    /* OLS slope on the benchmark */
    hs_analyze_change corr;    /* correlation with the benchmark */
    hs_analyze_change beta_down, beta_up; /* benchmark < 0 / > 0 steps */
} hs_analyze_item;

typedef struct hs_analyze_opts {
    size_t pre;     /* steps before the window: the pre-crisis period
                     * (0: 90) */
    size_t rolling; /* window of the rolling correlations, the rolling
                     * basket statistics and the fallback OLS estimator
                     * (0: [metrics] rolling_window if the config sets it,
                     * else 30) */
} hs_analyze_opts;

#define HS_ANALYZE_OPTS_INIT {0, 0}

/* The analysis of one window. */
typedef struct hs_analysis {
    hs_window window;
    char benchmark[HS_SYMBOL_MAX];
    size_t pre_steps, crisis_steps, rolling;
    size_t n_items;
    hs_analyze_item item[HS_ANALYZE_MAX_ITEMS]; /* [0]: the basket */
    hs_analyze_change avg_corr;   /* of the book assets' returns */
    hs_analyze_change absorption; /* first principal component's share */
    /* The basket's worst step in the window. */
    int64_t worst_time;
    double worst_basket, worst_bench;
    /* The config's first run with a beta estimator (hedge_run "" if
     * none): its hedge ratio at the close before the worst step, and its
     * hedged return on that step (a share of book value). */
    char hedge_run[64];
    double hedge_ratio, hedged_worst;
    char verdict[1024];
    /* Rolling series over the pre-crisis period and the window
     * ([n_steps], owned; freed by hs_analysis_free). */
    size_t n_steps;
    int64_t *time;
    size_t n_est;
    char est_name[HS_ANALYZE_MAX_EST][96]; /* e.g. "ols60" (run name) */
    double *beta[HS_ANALYZE_MAX_EST];      /* [n_items * n_steps]: item i at
                                            * beta[e][i * n_steps + s] */
    double *corr;                          /* [n_items * n_steps] */
    double *avg_corr_roll, *absorption_roll; /* [n_steps] */
} hs_analysis;

/* Analyse window `w` for config cfg from the store (all borrowed).  *out
 * is the caller's (hs_analysis_free).  Errors: those of a stress window
 * (hs_stress_run: too little history for the warm-up and the pre-crisis
 * period, no basket data), of the plan, HS_ENOMEM. */
int hs_analyze_window(hs_analysis **out, const hs_config *cfg,
                      const hs_registry *reg, hs_store *store,
                      const hs_window *w, const hs_analyze_opts *opts);
void hs_analysis_free(hs_analysis *a);

/* Write /analytics/summary (one record per window: the basket's figures)
 * and /analytics/<window>/ (summary per item, rolling series).  HS_EEXISTS
 * if path exists and !force. */
int hs_analyze_write(hs_analysis *const *a, size_t n, const char *path,
                     int force, const hs_results_meta *meta);

#endif
