/* Summary tables as JSON (jansson), CSV and HDF5 records. */
#include "hedgesim/summary.h"
#include "hedgesim/errors.h"
#include "hedgesim/hedgesim.h"
#include "hedgesim/metrics.h"
#include "hedgesim/strategy.h"
#include "hedgesim/results_table.h"
#include "results_int.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RUN_FIELD(m, k) {#m, k, offsetof(hs_summary_run_row, m)}
const hs_h5_field hs_summary_run_fields[] = {
    RUN_FIELD(run, HS_H5_STR),
    RUN_FIELD(type, HS_H5_STR),
    RUN_FIELD(hedge_effectiveness, HS_H5_F64),
    RUN_FIELD(tracking_error, HS_H5_F64),
    RUN_FIELD(residual_beta, HS_H5_F64),
    RUN_FIELD(ann_return, HS_H5_F64),
    RUN_FIELD(ann_vol, HS_H5_F64),
    RUN_FIELD(sharpe, HS_H5_F64),
    RUN_FIELD(max_drawdown, HS_H5_F64),
    RUN_FIELD(var95, HS_H5_F64),
    RUN_FIELD(cvar95, HS_H5_F64),
    RUN_FIELD(var99, HS_H5_F64),
    RUN_FIELD(cvar99, HS_H5_F64),
    RUN_FIELD(turnover, HS_H5_F64),
    RUN_FIELD(fees, HS_H5_F64),
    RUN_FIELD(slippage, HS_H5_F64),
    RUN_FIELD(funding, HS_H5_F64),
    RUN_FIELD(premium, HS_H5_F64),
    RUN_FIELD(hedge_cost_drag, HS_H5_F64),
    RUN_FIELD(total_return, HS_H5_F64),
    RUN_FIELD(years, HS_H5_F64),
};
#undef RUN_FIELD
const size_t hs_summary_run_n_fields =
    sizeof hs_summary_run_fields / sizeof hs_summary_run_fields[0];

void hs_summary_run_row_fill(hs_summary_run_row *row, const hs_run_spec *spec,
                             const hs_metrics *m)
{
    row->run = spec->name;
    row->type = spec->type->name;
    row->hedge_effectiveness = m->hedge_effectiveness;
    row->tracking_error = m->tracking_error;
    row->residual_beta = m->residual_beta;
    row->ann_return = hs_metric_annual_shown(m->ann_return, m->years);
    row->ann_vol = m->ann_vol;
    row->sharpe = m->sharpe;
    row->max_drawdown = m->max_drawdown;
    row->var95 = m->var95;
    row->cvar95 = m->cvar95;
    row->var99 = m->var99;
    row->cvar99 = m->cvar99;
    row->turnover = m->turnover;
    row->fees = m->fees;
    row->slippage = m->slippage;
    row->funding = m->funding;
    row->premium = m->premium;
    row->hedge_cost_drag = m->hedge_cost_drag;
    row->total_return = m->total_return;
    row->years = m->years;
}

int hs_summary_print_plan(FILE *fp, hs_summary_format format,
                          const hs_plan *plan, const hs_summary_about *about)
{
    if (!plan)
        return hs_error_set(HS_EINVAL, "hs_summary_print_plan: no plan");
    size_t n = hs_plan_n_runs(plan);
    hs_summary_run_row *rows = calloc(n ? n : 1, sizeof *rows);
    if (!rows)
        return hs_error_set(HS_ENOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const hs_metrics *m = hs_plan_metrics(plan, i);
        if (!m)
            rc = hs_error_set(HS_EINVAL, "run '%s' has no metrics yet (run "
                                         "the plan first)",
                              hs_plan_spec(plan, i)->name);
        else
            hs_summary_run_row_fill(&rows[i], hs_plan_spec(plan, i), m);
    }
    hs_summary t = {"/summary", hs_summary_run_fields, hs_summary_run_n_fields,
                    rows, sizeof *rows, n};
    if (rc == 0)
        rc = hs_summary_print(fp, format, &t, about);
    free(rows);
    return rc;
}

/* ---- the summary of a sweep -------------------------------------------- */

int hs_summary_print_sweep(FILE *fp, hs_summary_format format,
                           const hs_sweep *sw, const hs_summary_about *about)
{
    hs_h5_column *cols = NULL;
    hs_h5_field *fields = NULL;
    void *rows = NULL;
    size_t nc = 0, rs = 0;
    int rc;

    if (!sw)
        return hs_error_set(HS_EINVAL, "hs_summary_print_sweep: no sweep");
    const size_t n = hs_sweep_n_points(sw);
    /* The columns hs_sweep_write writes, packed into records by the
     * results writer's own code. */
    if ((rc = hs_sweep_summary_columns(sw, &cols, &nc)) == 0 &&
        (rc = hs_h5_columns_to_records("/sweep/summary", cols, nc, n, &fields,
                                       &rows, &rs)) == 0) {
        hs_summary t = {"/sweep/summary", fields, nc, rows, rs, n};
        rc = hs_summary_print(fp, format, &t, about);
    }
    free(rows);
    free(fields);
    free(cols);
    return rc;
}

/* ---- the summary of a Monte Carlo run ---------------------------------- */

#define MC_SET(prefix, set)                                                    \
    {prefix "paths", HS_H5_I64,                                                \
     offsetof(hs_summary_mc_row, set) + offsetof(hs_summary_mc_set, paths)},   \
        MC_F64(prefix, set, he_q05), MC_F64(prefix, set, he_q50),              \
        MC_F64(prefix, set, he_q95), MC_F64(prefix, set, pnl_q05),             \
        MC_F64(prefix, set, pnl_q50), MC_F64(prefix, set, pnl_q95),            \
        MC_F64(prefix, set, es99)
#define MC_F64(prefix, set, m)                                                 \
    {prefix #m, HS_H5_F64,                                                     \
     offsetof(hs_summary_mc_row, set) + offsetof(hs_summary_mc_set, m)}
const hs_h5_field hs_summary_mc_fields[] = {
    {"run", HS_H5_STR, offsetof(hs_summary_mc_row, run)},
    {"type", HS_H5_STR, offsetof(hs_summary_mc_row, type)},
    MC_SET("", all),
    MC_SET("stress_", stress),
    MC_SET("no_stress_", no_stress),
};
#undef MC_F64
#undef MC_SET
const size_t hs_summary_mc_n_fields =
    sizeof hs_summary_mc_fields / sizeof hs_summary_mc_fields[0];

static void mc_set(hs_summary_mc_set *set, const hs_mc *mc, size_t run,
                   int subset)
{
    hs_mc_summary s;
    hs_mc_summarize(mc, run, subset, &s);
    *set = (hs_summary_mc_set){(int64_t)s.n, s.he_q05,  s.he_q50,
                               s.he_q95,     s.pnl_q05, s.pnl_q50,
                               s.pnl_q95,    s.es99};
}

void hs_summary_mc_row_fill(hs_summary_mc_row *row, const hs_mc *mc,
                            size_t run)
{
    static const hs_summary_mc_set none = {0, NAN, NAN, NAN,
                                           NAN, NAN, NAN, NAN};
    row->run = hs_mc_run_name(mc, run);
    row->type = hs_mc_run_type(mc, run);
    mc_set(&row->all, mc, run, -1);
    row->stress = row->no_stress = none;
    if (hs_mc_has_regimes(mc)) {
        mc_set(&row->stress, mc, run, 1);
        mc_set(&row->no_stress, mc, run, 0);
    }
}

int hs_summary_print_mc(FILE *fp, hs_summary_format format, const hs_mc *mc,
                        const hs_summary_about *about)
{
    if (!mc)
        return hs_error_set(HS_EINVAL, "hs_summary_print_mc: no Monte Carlo "
                                       "run");
    if (hs_mc_done(mc) != hs_mc_paths(mc))
        return hs_error_set(HS_EINVAL,
                            "the Monte Carlo run is incomplete (%zu of %zu "
                            "paths): no summary",
                            hs_mc_done(mc), hs_mc_paths(mc));
    size_t n = hs_mc_n_runs(mc);
    hs_summary_mc_row *rows = calloc(n ? n : 1, sizeof *rows);
    if (!rows)
        return hs_error_set(HS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        hs_summary_mc_row_fill(&rows[i], mc, i);
    hs_summary t = {"/mc", hs_summary_mc_fields, hs_summary_mc_n_fields,
                    rows, sizeof *rows, n};
    int rc = hs_summary_print(fp, format, &t, about);
    free(rows);
    return rc;
}

/* ---- reading a cell ---------------------------------------------------- */

static const void *cell(const hs_summary *t, size_t row, size_t k)
{
    return (const char *)t->rows + row * t->row_size + t->fields[k].offset;
}

static double cell_f64(const hs_summary *t, size_t row, size_t k)
{
    double v;
    memcpy(&v, cell(t, row, k), sizeof v);
    return v;
}

static int64_t cell_i64(const hs_summary *t, size_t row, size_t k)
{
    int64_t v;
    memcpy(&v, cell(t, row, k), sizeof v);
    return v;
}

static const char *cell_str(const hs_summary *t, size_t row, size_t k)
{
    const char *v;
    memcpy(&v, cell(t, row, k), sizeof v);
    return v;
}

/* The same checks as the record writer, plus no NULL strings. */
static int check_table(const hs_summary *t)
{
    if (!t || !t->fields || t->n_fields == 0 || t->row_size == 0 ||
        (t->n_rows && !t->rows))
        return hs_error_set(HS_EINVAL, "summary table '%s': no fields or "
                                       "no rows to print",
                            t && t->name ? t->name : "(null)");
    for (size_t k = 0; k < t->n_fields; k++) {
        const hs_h5_field *f = &t->fields[k];
        size_t sz = f->kind == HS_H5_STR ? sizeof(char *) : 8;
        if (!f->name || !f->name[0] || f->offset + sz > t->row_size ||
            (f->kind != HS_H5_F64 && f->kind != HS_H5_I64 &&
             f->kind != HS_H5_STR))
            return hs_error_set(HS_EINVAL,
                                "summary table '%s': bad field %zu",
                                t->name ? t->name : "", k);
        for (size_t i = 0; f->kind == HS_H5_STR && i < t->n_rows; i++) {
            const char *v = cell_str(t, i, k);
            if (!v)
                return hs_error_set(HS_EINVAL,
                                    "summary table '%s': row %zu, column "
                                    "'%s' is NULL",
                                    t->name ? t->name : "", i, f->name);
            int rc = hs_results__check_utf8(v, "summary table",
                                            t->name ? t->name : "", f->name);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* ---- JSON -------------------------------------------------------------- */

static const char *kind_name(hs_h5_kind k)
{
    return k == HS_H5_F64 ? "f64" : k == HS_H5_I64 ? "i64" : "str";
}

/* json_*_set_new with a NULL value fails; a failure anywhere here is
 * memory. */
static int put(json_t *obj, const char *key, json_t *v)
{
    return v && json_object_set_new(obj, key, v) == 0 ? 0 : -1;
}

static json_t *json_of(const hs_summary *t, const hs_summary_about *about)
{
    json_t *root = json_object(), *cols = json_array(), *rows = json_array();
    if (!root || !cols || !rows)
        goto fail;
    if (put(root, "hedgesim_version", json_string(hs_version())))
        goto fail;
    if (about && about->command &&
        put(root, "command", json_string(about->command)))
        goto fail;
    if (about && about->config &&
        put(root, "config", json_string(about->config)))
        goto fail;
    if (about && about->results &&
        put(root, "results", json_string(about->results)))
        goto fail;
    if (put(root, "table", json_string(t->name ? t->name : "")))
        goto fail;
    for (size_t k = 0; k < t->n_fields; k++) {
        json_t *c = json_object();
        if (!c || json_array_append_new(cols, c) ||
            put(c, "name", json_string(t->fields[k].name)) ||
            put(c, "kind", json_string(kind_name(t->fields[k].kind))))
            goto fail;
    }
    for (size_t i = 0; i < t->n_rows; i++) {
        json_t *r = json_object();
        if (!r || json_array_append_new(rows, r))
            goto fail;
        for (size_t k = 0; k < t->n_fields; k++) {
            json_t *v;
            if (t->fields[k].kind == HS_H5_F64) {
                double x = cell_f64(t, i, k);
                v = isfinite(x) ? json_real(x) : json_null();
            } else if (t->fields[k].kind == HS_H5_I64) {
                v = json_integer((json_int_t)cell_i64(t, i, k));
            } else {
                v = json_string(cell_str(t, i, k));
            }
            if (put(r, t->fields[k].name, v))
                goto fail;
        }
    }
    /* json_object_set_new takes its value, even when it fails. */
    int bad = put(root, "columns", cols);
    cols = NULL;
    bad |= put(root, "rows", rows);
    rows = NULL;
    if (bad)
        goto fail;
    return root;
fail:
    json_decref(cols);
    json_decref(rows);
    json_decref(root);
    return NULL;
}

static int print_json(FILE *fp, const hs_summary *t,
                      const hs_summary_about *about)
{
    json_t *root = json_of(t, about);
    if (!root)
        return hs_error_set(HS_ENOMEM, "summary table '%s': out of memory",
                            t->name ? t->name : "");
    /* Keys in insertion order, two-space indent, 17 significant digits. */
    int bad = json_dumpf(root, fp,
                         JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                             JSON_REAL_PRECISION(17)) != 0;
    json_decref(root);
    bad |= fputc('\n', fp) == EOF;
    return bad ? hs_error_set(HS_EIO, "cannot write the JSON summary")
               : 0;
}

/* ---- CSV --------------------------------------------------------------- */

/* RFC 4180: quote a field holding a comma, a double quote, CR or LF, and
 * double its quotes. */
static int csv_field(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",\"\r\n"))
        return fputs(s, fp) == EOF ? -1 : 0;
    if (fputc('"', fp) == EOF)
        return -1;
    for (; *s; s++)
        if ((*s == '"' && fputc('"', fp) == EOF) || fputc(*s, fp) == EOF)
            return -1;
    return fputc('"', fp) == EOF ? -1 : 0;
}

/* The shortest decimal that reads back as x: the fewest significant
 * digits (1 .. 17) that round-trip, written without an exponent when the
 * decimal exponent is in -4 .. 15 (20, 0.001, 123456.5), else as %e does
 * (1e+16, 2.5e-05), as Python's repr does. */
static void shortest(double x, char *buf, size_t n)
{
    int p = 1;
    for (; p < 17; p++) {
        snprintf(buf, n, "%.*e", p - 1, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    snprintf(buf, n, "%.*e", p - 1, x);
    const char *e = strchr(buf, 'e');
    int exp10 = e ? atoi(e + 1) : 0;
    if (exp10 >= -4 && exp10 < 16)
        snprintf(buf, n, "%.*f", p - 1 - exp10 > 0 ? p - 1 - exp10 : 0, x);
}

static int print_csv(FILE *fp, const hs_summary *t)
{
    int bad = 0;
    for (size_t k = 0; k < t->n_fields; k++)
        bad |= (k && fputc(',', fp) == EOF) ||
               csv_field(fp, t->fields[k].name);
    bad |= fputc('\n', fp) == EOF;
    for (size_t i = 0; i < t->n_rows && !bad; i++) {
        for (size_t k = 0; k < t->n_fields; k++) {
            char buf[40] = "";
            bad |= k && fputc(',', fp) == EOF;
            if (t->fields[k].kind == HS_H5_STR) {
                bad |= csv_field(fp, cell_str(t, i, k));
                continue;
            }
            if (t->fields[k].kind == HS_H5_I64) {
                snprintf(buf, sizeof buf, "%lld",
                         (long long)cell_i64(t, i, k));
            } else {
                double x = cell_f64(t, i, k);
                if (isinf(x))
                    snprintf(buf, sizeof buf, "%s", x > 0 ? "inf" : "-inf");
                else if (!isnan(x))
                    shortest(x, buf, sizeof buf);
            }
            bad |= fputs(buf, fp) == EOF;
        }
        bad |= fputc('\n', fp) == EOF;
    }
    return bad ? hs_error_set(HS_EIO, "cannot write the CSV summary") : 0;
}

int hs_summary_print(FILE *fp, hs_summary_format format, const hs_summary *t,
                     const hs_summary_about *about)
{
    int rc;
    if (!fp)
        return hs_error_set(HS_EINVAL, "hs_summary_print: no stream");
    if ((rc = check_table(t)))
        return rc;
    if (format == HS_SUMMARY_JSON)
        rc = print_json(fp, t, about);
    else if (format == HS_SUMMARY_CSV)
        rc = print_csv(fp, t);
    else
        return hs_error_set(HS_EINVAL, "hs_summary_print: unknown format %d",
                            (int)format);
    if (rc == 0 && fflush(fp) != 0)
        rc = hs_error_set(HS_EIO, "cannot write the %s summary",
                          format == HS_SUMMARY_JSON ? "JSON" : "CSV");
    return rc;
}

int hs_summary_write_h5(hs_h5 *h, const char *path, const hs_summary *t)
{
    if (!t)
        return hs_error_set(HS_EINVAL, "hs_summary_write_h5: no table");
    return hs_h5_write_records(h, path, t->fields, t->n_fields, t->rows,
                               t->row_size, t->n_rows);
}
