/* Stress tests: the strategies of a config replayed over named crisis
 * windows.
 *
 * Windows come from the crisis library shipped with hedgesim
 * (datasets/windows.csv, compiled into the library) and from the config's
 * [window.NAME] sections; a config window of the same name as a library
 * window replaces it.  Each window is run as one plan (plan.h): a copy of
 * the config with [data] start and end set to the window's, so the plan
 * loads its usual warm-up before the start (estimators need history; the
 * book is formed at the window's start) and the metrics cover the window
 * only.  Nothing after a window's end is loaded, and no decision of the
 * warm-up sees a bar at or after the window's start.
 *
 *     hs_stress *st;
 *     hs_stress_new(&st, cfg, registry, store, &opts);
 *     hs_stress_run(st);                    // one plan per window
 *     hs_stress_write(st, "out.h5", 0, &meta);
 *     hs_stress_free(st);
 *
 * docs/stress.md describes the table, the defaults and the file layout. */
#ifndef HEDGESIM_STRESS_H
#define HEDGESIM_STRESS_H

#include <stddef.h>
#include <stdint.h>

#include "hedgesim/config.h"
#include "hedgesim/market.h"
#include "hedgesim/plan.h"
#include "hedgesim/results.h"
#include "hedgesim/results_run.h"
#include "hedgesim/store.h"
#include "hedgesim/strategy.h"

#define HS_WINDOW_MAX 64 /* library + config windows at most */

/* A named window. */
typedef struct hs_window {
    char name[64];
    int64_t start, end;    /* first and last bar, ms UTC, inclusive */
    char description[256];
    char reference[512];   /* the source of the dates ("" for config ones) */
    int from_config;       /* 1: a [window.NAME] of the config */
} hs_window;

/* Parse a window library in CSV (header name,start,end,description,
 * reference; RFC 4180 quoting) from `text`; `where` names it in messages.
 * At most `cap` windows into out[], their number in *n.  HS_EPARSE naming
 * where, the line and the field for a bad header, a missing field, a bad
 * date, end before start, a bad or duplicate name, or too many windows. */
int hs_window_parse(const char *text, const char *where, hs_window *out,
                    size_t cap, size_t *n);

/* The built-in library (datasets/windows.csv as compiled in). */
int hs_window_library(hs_window *out, size_t cap, size_t *n);

/* Every window: the library's in file order, then the config's (cfg may be
 * NULL); a config window replaces a library window of the same name. */
int hs_window_all(const hs_config *cfg, hs_window *out, size_t cap,
                  size_t *n);

/* The window `name`, looked up as hs_window_all lists them.  HS_ENOTFOUND
 * naming the window and listing the known ones. */
int hs_window_find(const hs_config *cfg, const char *name, hs_window *out);

/* A copy of cfg (the same text and --set overrides) with [data] start and
 * end set to the window's.  *out is the caller's (hs_config_free). */
int hs_window_config(const hs_config *cfg, const hs_window *w,
                     hs_config **out);

/* One run over one window.  Returns are decimal over the window's steps
 * (the first live step's return included); drawdowns positive fractions
 * of the running peak; currency in the book's. */
typedef struct hs_stress_row {
    const char *window;     /* borrowed from the stress object */
    const char *run;
    const char *type;
    int64_t start, end;     /* first and last live step, ms UTC */
    int64_t steps;          /* live steps */
    int64_t warmup;         /* warm-up steps before the window */
    double ret_hedged;      /* total return, hedged (after every cost) */
    double ret_unhedged;    /* total return of the book alone */
    double ann_hedged;      /* annualised; NaN if the window is < a year */
    double ann_unhedged;
    double mdd_hedged;      /* maximum drawdown */
    double mdd_unhedged;
    double worst_hedged;    /* worst one-step return */
    int64_t worst_hedged_time;
    double worst_unhedged;
    int64_t worst_unhedged_time;
    double hedge_effectiveness; /* 1 - Var(hedged)/Var(unhedged) */
    double residual_beta;   /* OLS slope of hedged on benchmark returns */
    double cvar95_hedged;   /* historical CVaR 95 % of one step, loss > 0 */
    double cvar95_unhedged;
    double hedge_cost;      /* costs of the hedge over the window
                             * (currency, > 0 paid): fees and slippage of
                             * its fills and option trades, funding paid
                             * (< 0: received) and net option premium */
    double hedge_cost_frac; /* hedge_cost / capital */
    int64_t dd_reduced;     /* 1: mdd_hedged < mdd_unhedged */
} hs_stress_row;

/* The metrics of run i of a plan that has run, over its live window (the
 * stress window); row->window is left NULL. */
int hs_stress_row_compute(const hs_plan *plan, size_t i, hs_stress_row *row);

/* The rolling window of the residual beta over a window of n live steps:
 * `given` if nonzero, else n / 3 clamped to [5, 90] (never more than n). */
size_t hs_stress_rolling_window(size_t n, size_t given);

typedef struct hs_stress_opts {
    const char *const *windows; /* [n_windows] names; NULL: every window */
    size_t n_windows;
    const char *const *only;    /* [n_only] runs to keep; NULL: all */
    size_t n_only;
    const hs_panel *panel;      /* a panel covering the windows and their
                                 * warm-up (borrowed), or NULL to load each
                                 * window from the store */
} hs_stress_opts;

#define HS_STRESS_OPTS_INIT {NULL, 0, NULL, 0, NULL}

typedef struct hs_stress hs_stress;

/* Resolve the windows (HS_ENOTFOUND for an unknown name, listing the known
 * ones) and keep cfg, reg and store (borrowed; they must outlive the
 * object).  *out is the caller's. */
int hs_stress_new(hs_stress **out, const hs_config *cfg,
                  const hs_registry *reg, hs_store *store,
                  const hs_stress_opts *opts);
void hs_stress_free(hs_stress *st);

/* Build and run one plan per window and compute the rows.  Errors name the
 * window: HS_EDATA when the warm-up reaches before the first bar of the
 * benchmark or of the panel (the history is too short), when a book asset
 * has no bars at all (the loader's message), or when no book asset has
 * min_history bars in the window (the context's); the plan's errors
 * otherwise. */
int hs_stress_run(hs_stress *st);

size_t hs_stress_n_windows(const hs_stress *st);
const hs_window *hs_stress_window(const hs_stress *st, size_t w);
/* The plan of window w (NULL before hs_stress_run). */
const hs_plan *hs_stress_plan(const hs_stress *st, size_t w);
/* The rolling residual-beta window used for window w. */
size_t hs_stress_rolling(const hs_stress *st, size_t w);
/* Rows: window-major (every run of window 0, then of window 1, ...). */
size_t hs_stress_n_rows(const hs_stress *st);
const hs_stress_row *hs_stress_row_at(const hs_stress *st, size_t i);

/* Write /stress/summary, and per window /stress/<window>/ (its summary,
 * calendar, book, benchmark and every run's series); meta->mode is
 * ignored ("stress").  HS_EEXISTS if `path` exists and !force; nothing is
 * left behind on failure. */
int hs_stress_write(const hs_stress *st, const char *path, int force,
                    const hs_results_meta *meta);

/* The record layout of the summary tables (for readers and tests). */
extern const hs_h5_field hs_stress_fields[];
extern const size_t hs_stress_n_fields;

#endif
