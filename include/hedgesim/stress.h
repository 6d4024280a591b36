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

/* ------------------------------------------------- shock transplant */

/* Defaults of a transplant (docs/stress.md). */
#define HS_TRANSPLANT_BETA_WINDOW 90 /* steps up to the date */
#define HS_TRANSPLANT_MIN_OBS 20     /* fewest returns for a beta */

/* How a transplanted panel is made (hs_transplant_panel). */
typedef struct hs_transplant_opts {
    size_t warm;          /* steps of `today` kept before the date: the
                           * plan's warm-up */
    size_t beta_window;   /* steps up to the date over which the beta and
                           * residuals of an asset missing from the crisis
                           * are estimated (0: HS_TRANSPLANT_BETA_WINDOW) */
    uint64_t seed;        /* of the residual bootstrap */
    const char *benchmark; /* symbol of the benchmark */
    const char *vol_index; /* a volatility-index level carried flat where
                            * the crisis has none, or NULL */
    const char *window;    /* the crisis window's name, for the notes */
} hs_transplant_opts;

/* The panel of a shock transplant.  `today`'s last step is the date D
 * (it must hold warm + 1 steps); `crisis` holds the window in its steps
 * [c0, n_steps), c0 >= 1 (step c0 - 1 is the close before the window).
 * The result has today's last warm + 1 steps (D last), then one step per
 * crisis step k = 1 .. L on the same grid after D.  For each column of
 * today (its symbol's j-th occurrence matched to the crisis's j-th, else
 * the first):
 *  - where the asset has no bar on D it stays absent;
 *  - at a step where the crisis has bars at s = c0 + k - 1 and s - 1, the
 *    bar's open, high, low and close are the previous synthetic close
 *    times the crisis bar's own ratio to its previous close (so the close
 *    is close(D) x prod (1 + r_crisis)) and its state is the crisis
 *    bar's;
 *  - elsewhere (the asset did not trade then) its log return is beta x
 *    the benchmark's crisis log return + a residual drawn with replacement
 *    from its own residuals, both from an OLS (with intercept, which is
 *    then dropped) of its log returns on the benchmark's over the
 *    beta_window steps up to D; draws from the PCG32 stream of (seed,
 *    FNV-1a hash of the symbol, HS_RNG_BOOTSTRAP); open = previous close.
 *    The vol index is carried flat instead.
 * Volumes stay at the last real bar's up to D, the risk-free rate at D's;
 * funding is the crisis step's.  Each synthesised asset gets a data note.
 * Errors: HS_EINVAL (shapes, c0), HS_EDATA naming the symbol (the
 * benchmark without bars in the crisis or on D; an asset to synthesise
 * with fewer than HS_TRANSPLANT_MIN_OBS returns in the beta window).
 * *out is the caller's. */
int hs_transplant_panel(hs_panel **out, const hs_panel *today,
                        const hs_panel *crisis, size_t c0,
                        const hs_transplant_opts *o);

/* ------------------------------------------------- synthetic stress */

/* Default pre-crisis steps in a synthetic stress calibration. */
#define HS_SYNTH_PRE 90

/* One metric's distribution over the paths next to its historical value. */
typedef struct hs_synth_q {
    double hist, q05, q50, q95;
    double below;         /* share of paths below the historical value */
} hs_synth_q;

/* One run's synthetic stress: the row of /stress/synthetic/<w>/summary. */
typedef struct hs_synth_row {
    const char *window;   /* borrowed from the stress object */
    const char *run;
    int64_t paths, steps;
    hs_synth_q ret_hedged;  /* total return, pnl / capital */
    hs_synth_q mdd_hedged;  /* maximum drawdown */
    hs_synth_q he;          /* hedge effectiveness */
    hs_synth_q cvar95;      /* 95 % CVaR of one step's hedged return */
} hs_synth_row;

typedef struct hs_stress_opts {
    const char *const *windows; /* [n_windows] names; NULL: every window
                                 * (none when transplant or synthetic is
                                 * set) */
    size_t n_windows;
    const char *const *only;    /* [n_only] runs to keep; NULL: all */
    size_t n_only;
    const hs_panel *panel;      /* a panel covering the windows and their
                                 * warm-up (borrowed), or NULL to load each
                                 * window from the store */
    /* Shock transplant: window `transplant`'s returns applied to the
     * book as it stands on `onto` (a step of the data), run after the
     * windows as the window "<transplant>@<onto's date>". */
    const char *transplant;     /* NULL: none */
    int64_t onto;               /* ms UTC */
    size_t beta_window;         /* 0: HS_TRANSPLANT_BETA_WINDOW */
    /* Synthetic stress: window `synthetic` replayed, then its calibrated
     * stress regime forced for its length on `paths` Monte Carlo paths.
     * Needs the store; every run of the config (no `only`). */
    const char *synthetic;      /* NULL: none */
    size_t pre;                 /* calibration steps before the window
                                 * (0: HS_SYNTH_PRE) */
    size_t paths;               /* 0: the config's [mc] paths (1000) */
    unsigned threads;           /* 0: 1 */
    uint64_t seed;              /* transplant bootstrap and paths */
} hs_stress_opts;

#define HS_STRESS_OPTS_INIT                                                    \
    {.windows = NULL, .n_windows = 0, .only = NULL, .n_only = 0,              \
     .panel = NULL, .transplant = NULL, .onto = 0, .beta_window = 0,          \
     .synthetic = NULL, .pre = 0, .paths = 0, .threads = 0, .seed = 1}

typedef struct hs_stress hs_stress;

/* Resolve the windows (HS_ENOTFOUND for an unknown name, listing the known
 * ones, also for opts->transplant and opts->synthetic; HS_EINVAL for a
 * window named twice, more than HS_WINDOW_MAX, or a synthetic stress with
 * other windows, a transplant or a run selection) and keep cfg, reg and
 * store (borrowed; they must outlive the object).  *out is the caller's. */
int hs_stress_new(hs_stress **out, const hs_config *cfg,
                  const hs_registry *reg, hs_store *store,
                  const hs_stress_opts *opts);
void hs_stress_free(hs_stress *st);

/* Build and run one plan per window and compute the rows.  Errors name the
 * window: HS_EDATA when the warm-up reaches before the first bar of the
 * benchmark or of the panel (the history is too short), when a book asset
 * has no bars at all (the loader's message), or when no book asset has
 * min_history bars in the window (the context's); the plan's errors
 * otherwise.  A transplant's errors name the date: HS_EDATA for a date
 * that is not a step of the data (outside it: the benchmark's range is
 * given), one too early for the warm-up, and those of
 * hs_transplant_panel; HS_ECONFIG for a calendar other than 24x7.  A
 * synthetic stress then calibrates and runs its paths (hs_mc_new,
 * hs_mc_run; HS_EINVAL without a store), its errors prefixed with
 * "synthetic stress of window NAME". */
int hs_stress_run(hs_stress *st);

size_t hs_stress_n_windows(const hs_stress *st);
const hs_window *hs_stress_window(const hs_stress *st, size_t w);
/* The plan of window w (NULL before hs_stress_run). */
const hs_plan *hs_stress_plan(const hs_stress *st, size_t w);
/* The rolling residual-beta window used for window w. */
size_t hs_stress_rolling(const hs_stress *st, size_t w);
/* 1 if window w is a shock transplant (its crisis window in *crisis). */
int hs_stress_is_transplant(const hs_stress *st, size_t w,
                            const hs_window **crisis);
/* Synthetic stress (after hs_stress_run): runs (0 without --synthetic),
 * their rows, the paths' model (hs_scenario_describe) and the
 * calibration window. */
size_t hs_stress_n_synth(const hs_stress *st);
const hs_synth_row *hs_stress_synth_row(const hs_stress *st, size_t i);
const char *hs_stress_synth_model(const hs_stress *st);
void hs_stress_synth_calibration(const hs_stress *st, int64_t *from,
                                 int64_t *to);
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
extern const hs_h5_field hs_synth_fields[];
extern const size_t hs_synth_n_fields;

#endif
