/* Parameter sweeps: one run of a config over a grid of parameter values.
 *
 * The grid is the cartesian product of axes, each a key of the swept run's
 * [strategy.NAME] section or of [costs] with a list of values:
 *
 *     strategy.ols60.window=20:250:10      a range a:b:step, b included
 *     strategy.ols60.target_beta=0.5,1     a list
 *
 * Grid points are numbered in the order of nested loops over the axes as
 * given, the last axis fastest (like itertools.product).  Every point is
 * validated before anything runs (a value out of a key's range is an error
 * naming the key and the point).  The points share one panel, loaded once
 * with the warm-up of the slowest point (or `[data] lookback`), so every
 * point sees the same data: `hedgesim run` with `--set data.lookback=L`
 * (L = hs_sweep_lookback) and the point's values as `--set`s reproduces a
 * point bit for bit.
 *
 * Threads: each thread has its own plan over the shared panel, re-made
 * only when the costs change (points are handed out cost tuple by cost
 * tuple), and reuses its engine from point to point, so memory does not
 * grow with the number of points; results are placed by grid index and do
 * not depend on the number of threads or on which thread ran a point.
 *
 *     hs_sweep *sw;
 *     hs_sweep_new(&sw, cfg, reg, vary, n_vary, &opts);   // grid, checks
 *     hs_sweep_run(sw, store);                            // every point
 *     hs_sweep_write(sw, "sweep.h5", 0, &meta);           // /sweep/...
 *     hs_sweep_free(sw);
 *
 * The results layout (/sweep/summary, /sweep/series/...) is in
 * docs/results-format.md. */
#ifndef HEDGESIM_SWEEP_H
#define HEDGESIM_SWEEP_H

#include <stddef.h>

#include "hedgesim/config.h"
#include "hedgesim/metrics.h"
#include "hedgesim/results_run.h"
#include "hedgesim/results_table.h"
#include "hedgesim/store.h"
#include "hedgesim/strategy.h"

/* At most this many axes, values per axis, and grid points. */
#define HS_SWEEP_MAX_AXES 8
#define HS_SWEEP_MAX_VALUES 100000
#define HS_SWEEP_MAX_POINTS 10000000
/* At most this many threads. */
#define HS_SWEEP_MAX_THREADS 256

typedef struct hs_sweep hs_sweep;

/* Progress of hs_sweep_run: `done` of `total` points, called from the
 * calling thread (about ten times a second, and once at the end). */
typedef void (*hs_sweep_progress_fn)(size_t done, size_t total, void *user);

typedef struct hs_sweep_opts {
    const char *run;        /* the [strategy.NAME] to sweep; NULL: the
                             * config's only run (HS_ECONFIG naming the
                             * runs if it has several) */
    size_t threads;         /* 0 or 1: one thread */
    size_t keep_series;     /* full series of the best and worst K points
                             * by hedge effectiveness (hs_sweep_write) */
    const char *db;         /* store path for threads that need their own
                             * handle (replayed option chains); NULL: the
                             * config's data.db */
    hs_sweep_progress_fn progress; /* NULL: none */
    void *progress_user;
    /* Work shared with other processes (NULL: this process runs every
     * point).  The threads ask for chunks of work items [*first, *first +
     * *count) (item w is grid point hs_sweep_point_of_work(w)), one call at
     * a time (the sweep serialises them); *count 0: no work is left.
     * Returns 0 or a negative error, which fails the run.  The sweep is
     * complete when every point has run here or been stored with
     * hs_sweep_point_unpack (docs/scale.md). */
    int (*next_chunk)(void *ctx, size_t *first, size_t *count);
    void *chunk_ctx;
} hs_sweep_opts;

#define HS_SWEEP_OPTS_INIT {NULL, 1, 0, NULL, NULL, NULL, NULL, NULL}

/* Parse the axes `vary[0..n_vary)` ("KEY=a:b:step" or "KEY=v1,v2,...")
 * for a run of `cfg`, and validate every grid point.  Borrows cfg and reg
 * (which must outlive the sweep) and opts' strings.  Errors: HS_ECONFIG
 * for a bad axis (the message quotes it: a key outside the run and
 * [costs], a key given twice, an empty or malformed range or list, too
 * many points) or a bad point (the message names the point's index and
 * values, then the key); HS_ENOMEM.  *out owned by the caller, NULL after
 * an error. */
int hs_sweep_new(hs_sweep **out, const hs_config *cfg, const hs_registry *reg,
                 const char *const *vary, size_t n_vary,
                 const hs_sweep_opts *opts);
void hs_sweep_free(hs_sweep *sw);

/* The grid. */
size_t hs_sweep_n_points(const hs_sweep *sw);
size_t hs_sweep_n_axes(const hs_sweep *sw);
/* Axis a's key, e.g. "strategy.ols60.window" (borrowed). */
const char *hs_sweep_axis_key(const hs_sweep *sw, size_t a);
/* The value of axis a at grid point p, as text (borrowed). */
const char *hs_sweep_value(const hs_sweep *sw, size_t p, size_t a);
/* The swept run's name (borrowed from the config). */
const char *hs_sweep_run_name(const hs_sweep *sw);
/* Warm-up steps of the shared panel (known after hs_sweep_new). */
size_t hs_sweep_lookback(const hs_sweep *sw);

/* Load the panel from `store` (borrowed for the call, and by the plans
 * until hs_sweep_free) and run every point.  The first error of a point
 * (by grid index among those that failed) is returned, naming the point;
 * HS_EINVAL if called twice. */
int hs_sweep_run(hs_sweep *sw, hs_store *store);

/* After hs_sweep_run: the metrics of point p (borrowed). */
const hs_metrics *hs_sweep_metrics(const hs_sweep *sw, size_t p);
/* The panel the points ran on (borrowed; NULL before hs_sweep_run). */
const hs_panel *hs_sweep_panel(const hs_sweep *sw);
/* The first live step of that panel. */
size_t hs_sweep_live_from(const hs_sweep *sw);

/* Work item w (0 .. n_points - 1) is grid point hs_sweep_point_of_work(w):
 * items run in this order, cost tuples outermost, so consecutive items
 * share a plan. */
size_t hs_sweep_point_of_work(const hs_sweep *sw, size_t w);
/* The results of point p as hs_sweep_point_bytes() bytes, to move them
 * between processes of the same build on machines of the same type.  pack
 * reads point p's results (valid once it ran here); unpack stores them and
 * counts the point as done: HS_EINVAL if p is out of range or the sweep
 * has not run here. */
size_t hs_sweep_point_bytes(void);
void hs_sweep_point_pack(const hs_sweep *sw, size_t p, void *buf);
int hs_sweep_point_unpack(hs_sweep *sw, size_t p, const void *buf);

/* Write the results: root attributes from `meta` (mode "sweep"), the
 * calendar, /sweep/summary (one row per point, in grid order) and the full
 * series of the best and worst keep_series points by hedge effectiveness
 * (re-run for the purpose, on the calling thread).  HS_EEXISTS if path exists and !force; nothing
 * is left behind on failure. */
int hs_sweep_write(hs_sweep *sw, const char *path, int force,
                   const hs_results_meta *meta);

/* The table /sweep/summary as hs_sweep_write writes it, as columns: `point`
 * (int64), one column per axis named by its key (double when every value
 * is a number, else text), then the metrics (double, with their units).
 * *out (*ncols columns) and the arrays it points to are one allocation the
 * caller frees with free(*out); names and text stay borrowed from sw.
 * HS_EINVAL before hs_sweep_run has finished, HS_ENOMEM. */
int hs_sweep_summary_columns(const hs_sweep *sw, hs_h5_column **out,
                             size_t *ncols);

#endif
