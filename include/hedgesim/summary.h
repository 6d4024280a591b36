/* Summary tables for other tools: a table of rows of named values, printed
 * as JSON or CSV and written to HDF5 as one compound dataset.
 *
 * A table is described the way the HDF5 record writer describes one
 * (results.h): rows are C structs of `row_size` bytes, and each column is an
 * hs_h5_field (name, kind, offset of the member).  The same description
 * therefore gives the `/summary` dataset of a results file, the `--json`
 * output and the `--csv` output, which cannot drift apart:
 *
 *     hs_summary t = {"/stress/summary", hs_stress_fields, hs_stress_n_fields,
 *                     rows, sizeof rows[0], n_rows};
 *     hs_summary_print(stdout, HS_SUMMARY_JSON, &t, &about);
 *
 * JSON (docs/cli.md has the shape): one object with the provenance (`about`),
 * the column names and their kinds, and `rows`, an array of objects keyed by
 * column name.  Doubles are written with 17 significant digits (they parse
 * back to the same double), integers as integers, NaN and infinities as
 * null.  Strings are escaped by the JSON library (jansson), never by hand.
 *
 * CSV: a header line with the column names, then one line per row; fields
 * are quoted as RFC 4180 says (a field holding a comma, a double quote, CR
 * or LF is enclosed in double quotes, its quotes doubled); lines end with
 * LF.  Doubles are the shortest text that parses back to the same double
 * (at most 17 significant digits), without an exponent when the decimal
 * exponent is in -4 .. 15 (`20`, `0.001`), else with one (`1e+16`); NaN is
 * an empty field, infinities are `inf` and `-inf`. */
#ifndef HEDGESIM_SUMMARY_H
#define HEDGESIM_SUMMARY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hedgesim/engine.h"
#include "hedgesim/mc.h"
#include "hedgesim/metrics.h"
#include "hedgesim/plan.h"
#include "hedgesim/results.h"
#include "hedgesim/sweep.h"

/* A table (everything borrowed). */
typedef struct hs_summary {
    const char *name;            /* the JSON `table`: by convention the
                                  * dataset path in the results file,
                                  * e.g. "/summary" */
    const hs_h5_field *fields;   /* [n_fields] columns, in order */
    size_t n_fields;
    const void *rows;            /* n_rows structs of row_size bytes */
    size_t row_size;
    size_t n_rows;
} hs_summary;

/* Where a table came from, for the JSON object (any member may be NULL:
 * left out). */
typedef struct hs_summary_about {
    const char *command;  /* "run", "stress", ... */
    const char *config;   /* the config file's path */
    const char *results;  /* the results file written */
} hs_summary_about;

typedef enum hs_summary_format {
    HS_SUMMARY_JSON,
    HS_SUMMARY_CSV
} hs_summary_format;

/* Print table `t` to `fp` as JSON (with `about`, which may be NULL) or CSV.
 * Returns 0; HS_EINVAL for a NULL argument, no fields, a field outside the
 * row or a NULL string in a row; HS_ENOMEM; HS_EIO if writing to fp failed
 * (the message says so). */
int hs_summary_print(FILE *fp, hs_summary_format format, const hs_summary *t,
                     const hs_summary_about *about);

/* Table `t` as one compound HDF5 dataset at `path` (hs_h5_write_records). */
int hs_summary_write_h5(hs_h5 *h, const char *path, const hs_summary *t);

/* ---- the summary of strategy runs ------------------------------------- */

/* One row per run: its name and strategy type, then the metrics of
 * hs_metrics in their declaration order (ann_return as the summaries show
 * it: hs_metric_annual_shown).  The `/summary` dataset of a run
 * file and `hedgesim run --json/--csv` are this table. */
typedef struct hs_summary_run_row {
    const char *run;  /* borrowed from the run spec */
    const char *type; /* the strategy type's name */
    double hedge_effectiveness, tracking_error, residual_beta, ann_return,
        ann_vol, sharpe, max_drawdown, var95, cvar95, var99, cvar99, turnover,
        fees, slippage, funding, premium, hedge_cost_drag, total_return, years;
} hs_summary_run_row;

/* The columns of hs_summary_run_row, in order. */
extern const hs_h5_field hs_summary_run_fields[];
extern const size_t hs_summary_run_n_fields;

/* Fill `row` from a run's spec and metrics (borrowed: row keeps pointers to
 * the spec's name and type name). */
void hs_summary_run_row_fill(hs_summary_run_row *row, const hs_run_spec *spec,
                             const hs_metrics *m);

/* Print the run summary of a plan that has run (hs_plan_run: every run has
 * its metrics), as hs_summary_print does; HS_EINVAL if a run has no
 * metrics yet. */
int hs_summary_print_plan(FILE *fp, hs_summary_format format,
                          const hs_plan *plan, const hs_summary_about *about);

/* ---- the summary of a sweep ------------------------------------------ */

/* Print /sweep/summary of a sweep that has run (hs_sweep_run), the table
 * hs_sweep_write writes (hs_sweep_summary_columns: one row per grid point,
 * `point`, a column per varied key, the metrics), as hs_summary_print
 * does, with the table name "/sweep/summary".  HS_EINVAL for a NULL sweep
 * or one that has not run. */
int hs_summary_print_sweep(FILE *fp, hs_summary_format format,
                           const hs_sweep *sw, const hs_summary_about *about);

/* ---- the summary of a Monte Carlo run --------------------------------- */

/* A set of paths of one run, as hs_mc_summarize describes it. */
typedef struct hs_summary_mc_set {
    int64_t paths;                     /* paths in the set */
    double he_q05, he_q50, he_q95;     /* hedge effectiveness, 5/50/95 % */
    double pnl_q05, pnl_q50, pnl_q95;  /* final P&L (currency) */
    double es99;                       /* expected shortfall of the P&L at
                                        * 99 % (currency, > 0 a loss) */
} hs_summary_mc_set;

/* One row per run: the table `hedgesim mc` prints.  Columns: run, type,
 * then the set of all paths (paths, he_q05, he_q50, he_q95, pnl_q05,
 * pnl_q50, pnl_q95, es99), the paths with at least one step in the stress
 * regime (the same names prefixed stress_) and those with none (prefixed
 * no_stress_).  For a model without a stress split (the bootstrap, or a
 * single regime: hs_mc_has_regimes is 0) both of its sets have 0 paths and
 * NaN figures. */
typedef struct hs_summary_mc_row {
    const char *run;  /* borrowed from the Monte Carlo run */
    const char *type; /* the strategy type's name */
    hs_summary_mc_set all, stress, no_stress;
} hs_summary_mc_row;

/* The columns of hs_summary_mc_row, in order. */
extern const hs_h5_field hs_summary_mc_fields[];
extern const size_t hs_summary_mc_n_fields;

/* Fill `row` for run `run` of a Monte Carlo run that has finished
 * (hs_mc_summarize over all paths and, for a model with regimes, the two
 * sides of the split).  The names are borrowed from mc. */
void hs_summary_mc_row_fill(hs_summary_mc_row *row, const hs_mc *mc,
                            size_t run);

/* Print the Monte Carlo summary (one hs_summary_mc_row per run) as
 * hs_summary_print does, with the table name "/mc" (the rows are computed
 * from the /mc/<run>/paths tables of the results file).  HS_EINVAL for a
 * NULL mc or one whose paths are not all done. */
int hs_summary_print_mc(FILE *fp, hs_summary_format format, const hs_mc *mc,
                        const hs_summary_about *about);

#endif
