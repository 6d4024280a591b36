/* Writing strategy runs to an HDF5 results file, in the layout documented in
 * docs/results-format.md.  Uses the general writer in results.h: the file is
 * written under a temporary name and renamed at the end. */
#ifndef HEDGESIM_RESULTS_RUN_H
#define HEDGESIM_RESULTS_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "hedgesim/engine.h"
#include "hedgesim/market.h"
#include "hedgesim/metrics.h"
#include "hedgesim/results.h"

/* One run to write (everything borrowed). */
typedef struct hs_run_output {
    const hs_run_spec *spec;
    const hs_run_series *series;
    const hs_metrics *metrics;
    size_t steps_hedged;   /* live steps with a beta estimate */
} hs_run_output;

/* A run that failed: listed in the file with its reason (all borrowed). */
typedef struct hs_run_failure {
    const char *run;    /* run name */
    const char *type;   /* strategy type */
    const char *error;  /* hs_strerror of its code */
    const char *reason; /* the message */
} hs_run_failure;

/* Root attributes (strings may be NULL: written as ""). */
typedef struct hs_results_meta {
    const char *command_line;
    const char *config_text;   /* verbatim */
    const char *config_path;
    const char *overrides;     /* the --set assignments, one per line */
    const char *dataset_path;
    const char *dataset_content_sha256; /* the store's content digest
                               * (meta content_sha256; "" if it has none) */
    const char *mode;          /* "history" */
    uint64_t seed;
    size_t rolling_window;     /* steps for the rolling residual beta */
    int modeled_data;          /* 1: some runs used modeled option quotes */
    const hs_run_failure *failed; /* [n_failed] runs that failed (a
                                   * /failed_runs table when n_failed > 0) */
    size_t n_failed;
} hs_results_meta;

/* Write the calendar, assets, book, benchmark and every run over the live
 * window of `ctx`.  HS_EEXISTS if `path` exists and !force; nothing is left
 * behind on failure. */
int hs_results_write_runs(const char *path, int force,
                          const hs_results_meta *meta, const hs_context *ctx,
                          const hs_run_output *runs, size_t n_runs);

/* SHA-256 of the rows a panel holds, warm-up included, into hex[65]:
 * n_steps, n_assets and step_ms as int64, the times, the symbols (each with
 * its NUL), then open, high, low, close, volume and funding
 * ([step * n_assets + asset]), the bar states (one byte each) and the
 * rates; integers and doubles as 8 little-endian bytes (doubles by their
 * IEEE bits, every NaN as 0x7ff8000000000000).  Written to results as
 * `dataset_rows_sha256`. */
void hs_results_panel_sha256(const hs_panel *p, char hex[65]);

/* The provenance every results file opens with, as root attributes in this
 * order: command_line, config, config_path, config_overrides, dataset_path,
 * dataset_content_sha256 (NULL strings written as ""). */
int hs_results_write_provenance(hs_h5 *h, const hs_results_meta *meta);

/* Write one run into the open file h as the group `group` (e.g.
 * "/sweep/series/best_1"), in the layout of /runs/NAME: attributes,
 * series, residual_beta_rolling (meta->rolling_window), fills, option
 * tables (meta->modeled_data) and metrics.  The caller made the calendar. */
int hs_results_write_run_group(hs_h5 *h, const char *group,
                               const hs_context *ctx, const hs_run_output *run,
                               const hs_results_meta *meta);

#endif
