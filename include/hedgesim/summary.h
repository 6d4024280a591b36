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
 * (at most 17 significant digits); NaN is an empty field, infinities are
 * `inf` and `-inf`. */
#ifndef HEDGESIM_SUMMARY_H
#define HEDGESIM_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

#include "hedgesim/engine.h"
#include "hedgesim/metrics.h"
#include "hedgesim/plan.h"
#include "hedgesim/results.h"

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

#endif
