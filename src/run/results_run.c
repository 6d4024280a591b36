/* Strategy runs to HDF5. */
#include "hedgesim/results_run.h"
#include "hedgesim/errors.h"
#include "hedgesim/results.h"
#include "hedgesim/metrics.h"
#include "hedgesim/summary.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRY(expr)                                                              \
    do {                                                                       \
        if ((rc = (expr)) != 0)                                                \
            goto done;                                                         \
    } while (0)

/* Write x[from .. from+n) as a dataset with units and a description. */
static int series(hs_h5 *h, const char *path, const double *x, size_t n,
                  const char *units, const char *desc)
{
    int rc = hs_h5_write_f64(h, path, x, n);
    if (rc == 0)
        rc = hs_h5_describe(h, path, units, desc);
    return rc;
}

/* The series of HS_RUN_SERIES under group `g` with (flags & HS_SERIES_OPTIONS)
 * == `options`, in table order, over the live window [lf, lf + n); a name
 * "sub/x" goes into group g/sub, made before its first series. */
static int write_table_series(hs_h5 *h, const char *g, const hs_run_series *s,
                              size_t lf, size_t n, unsigned options)
{
    char p[320], sub[64] = "";
    int rc = 0;
    for (size_t i = 0; i < HS_RUN_SERIES_N; i++) {
        const hs_series_desc *d = &hs_run_series_desc[i];
        if ((d->flags & HS_SERIES_MEMORY) ||
            (d->flags & HS_SERIES_OPTIONS) != options)
            continue;
        const char *slash = strchr(d->name, '/');
        if (slash && ((size_t)(slash - d->name) != strlen(sub) ||
                      strncmp(sub, d->name, (size_t)(slash - d->name)))) {
            snprintf(sub, sizeof sub, "%.*s", (int)(slash - d->name), d->name);
            snprintf(p, sizeof p, "%s/%s", g, sub);
            TRY(hs_h5_group(h, p));
        }
        snprintf(p, sizeof p, "%s/%s", g, d->name);
        TRY(series(h, p, hs_run_series_data(s, d) + lf, n, d->unit, d->doc));
    }
done:
    return rc;
}

static int write_metrics(hs_h5 *h, const char *group, const hs_metrics *m)
{
    int rc = hs_h5_group(h, group);
    if (rc)
        return rc;
    const struct {
        const char *name;
        double v;
    } f[] = {
        {"hedge_effectiveness", m->hedge_effectiveness},
        {"tracking_error", m->tracking_error},
        {"residual_beta", m->residual_beta},
        {"ann_return", hs_metric_annual_shown(m->ann_return, m->years)},
        {"ann_vol", m->ann_vol},
        {"sharpe", m->sharpe},
        {"max_drawdown", m->max_drawdown},
        {"var95", m->var95},
        {"cvar95", m->cvar95},
        {"var99", m->var99},
        {"cvar99", m->cvar99},
        {"turnover", m->turnover},
        {"fees", m->fees},
        {"slippage", m->slippage},
        {"funding", m->funding},
        {"premium", m->premium},
        {"hedge_cost_drag", m->hedge_cost_drag},
        {"total_return", m->total_return},
        {"years", m->years},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if ((rc = hs_h5_attr_f64(h, group, f[i].name, f[i].v)))
            return rc;
    return 0;
}

static const char *right_name(char c) { return c == 'C' ? "call" : "put"; }

static const char *kind_name(char c)
{
    return c == 'B'   ? "buy"
           : c == 'S' ? "sell"
           : c == 'b' ? "buy_smile"
           : c == 's' ? "sell_smile"
           : c == 'p' ? "buy_last_mark"
           : c == 'q' ? "sell_last_mark"
                      : "settle";
}

/* 1: a trade of a held contract the visible chain lacked (kinds b, s, p,
 * q). */
static int64_t off_chain(char c)
{
    return c == 'b' || c == 's' || c == 'p' || c == 'q';
}

/* Rows of the fills, option trades and option positions tables: each is one
 * compound dataset (hs_h5_write_records), columns in this order. */
typedef struct fill_row {
    int64_t time;
    double qty, price, fee, slippage;
} fill_row;

static const hs_h5_field fill_fields[] = {
    {"time", HS_H5_I64, offsetof(fill_row, time)},
    {"qty", HS_H5_F64, offsetof(fill_row, qty)},
    {"price", HS_H5_F64, offsetof(fill_row, price)},
    {"fee", HS_H5_F64, offsetof(fill_row, fee)},
    {"slippage", HS_H5_F64, offsetof(fill_row, slippage)},
};

typedef struct trade_row {
    int64_t time, expiry;
    double strike;
    const char *right;
    double qty, price, fee;
    const char *kind;
    int64_t off_chain;
} trade_row;

static const hs_h5_field trade_fields[] = {
    {"time", HS_H5_I64, offsetof(trade_row, time)},
    {"expiry", HS_H5_I64, offsetof(trade_row, expiry)},
    {"strike", HS_H5_F64, offsetof(trade_row, strike)},
    {"right", HS_H5_STR, offsetof(trade_row, right)},
    {"qty", HS_H5_F64, offsetof(trade_row, qty)},
    {"price", HS_H5_F64, offsetof(trade_row, price)},
    {"fee", HS_H5_F64, offsetof(trade_row, fee)},
    {"kind", HS_H5_STR, offsetof(trade_row, kind)},
    {"off_chain", HS_H5_I64, offsetof(trade_row, off_chain)},
};

typedef struct position_row {
    int64_t time, expiry;
    double strike;
    const char *right;
    double qty;
    int64_t entry_time;
    double entry_price, mark, iv;
} position_row;

static const hs_h5_field position_fields[] = {
    {"time", HS_H5_I64, offsetof(position_row, time)},
    {"expiry", HS_H5_I64, offsetof(position_row, expiry)},
    {"strike", HS_H5_F64, offsetof(position_row, strike)},
    {"right", HS_H5_STR, offsetof(position_row, right)},
    {"qty", HS_H5_F64, offsetof(position_row, qty)},
    {"entry_time", HS_H5_I64, offsetof(position_row, entry_time)},
    {"entry_price", HS_H5_F64, offsetof(position_row, entry_price)},
    {"mark", HS_H5_F64, offsetof(position_row, mark)},
    {"iv", HS_H5_F64, offsetof(position_row, iv)},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int write_fills(hs_h5 *h, const char *g, const hs_run_series *s)
{
    char p[320];
    fill_row *rows = calloc(s->n_fills ? s->n_fills : 1, sizeof *rows);
    if (!rows)
        return hs_error_set(HS_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->n_fills; i++)
        rows[i] = (fill_row){s->fill_time[i], s->fill_qty[i],
                             s->fill_price[i], s->fill_fee[i],
                             s->fill_slippage[i]};
    snprintf(p, sizeof p, "%s/fills", g);
    int rc = hs_h5_write_records(h, p, fill_fields, N_OF(fill_fields), rows,
                                 sizeof *rows, s->n_fills);
    free(rows);
    return rc;
}

/* The option trades and the positions held at each close, as tables. */
static int write_option_tables(hs_h5 *h, const char *g, const hs_run_series *s)
{
    char p[320];
    trade_row *tr = calloc(s->n_otrades ? s->n_otrades : 1, sizeof *tr);
    position_row *pr = calloc(s->n_opos ? s->n_opos : 1, sizeof *pr);
    int rc = 0;
    if (!tr || !pr) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < s->n_otrades; i++)
        tr[i] = (trade_row){s->ot_time[i],   s->ot_expiry[i],
                            s->ot_strike[i], right_name(s->ot_right[i]),
                            s->ot_qty[i],    s->ot_price[i],
                            s->ot_fee[i],    kind_name(s->ot_kind[i]),
                            off_chain(s->ot_kind[i])};
    for (size_t i = 0; i < s->n_opos; i++)
        pr[i] = (position_row){s->op_time[i],        s->op_expiry[i],
                               s->op_strike[i],      right_name(s->op_right[i]),
                               s->op_qty[i],         s->op_entry_time[i],
                               s->op_entry_price[i], s->op_mark[i],
                               s->op_iv[i]};
    snprintf(p, sizeof p, "%s/option_trades", g);
    TRY(hs_h5_write_records(h, p, trade_fields, N_OF(trade_fields), tr,
                            sizeof *tr, s->n_otrades));
    snprintf(p, sizeof p, "%s/option_positions", g);
    TRY(hs_h5_write_records(h, p, position_fields, N_OF(position_fields), pr,
                            sizeof *pr, s->n_opos));
done:
    free(tr);
    free(pr);
    return rc;
}

static int write_run(hs_h5 *h, const char *group, const hs_context *ctx,
                     const hs_run_output *r, const hs_results_meta *meta)
{
    const size_t lf = hs_context_live_from(ctx);
    const hs_run_series *s = r->series;
    const size_t n = s->n_steps - lf;
    char g[256], p[320], text[4096];
    double *roll = NULL;
    int rc;

    if (group)
        snprintf(g, sizeof g, "%s", group);
    else
        snprintf(g, sizeof g, "/runs/%s", r->spec->name);
    TRY(hs_h5_group(h, g));
    TRY(hs_h5_attr_str(h, g, "type", r->spec->type->name));
    TRY(hs_h5_attr_str(h, g, "beta",
                       r->spec->beta ? r->spec->beta->name : "none"));
    TRY(hs_h5_attr_str(h, g, "returns",
                       r->spec->log_returns ? "log" : "simple"));
    TRY(hs_h5_attr_f64(h, g, "target_beta", r->spec->target_beta));
    TRY(hs_h5_attr_f64(h, g, "contract_size", r->spec->contract_size));
    TRY(hs_h5_attr_i64(h, g, "steps_hedged", (int64_t)r->steps_hedged));
    /* Every parameter with its effective value. */
    text[0] = '\0';
    const hs_values *vs[2] = {&r->spec->params,
                              r->spec->beta ? &r->spec->beta_params : NULL};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; vs[k] && i < vs[k]->n; i++) {
            const hs_param *pp = &vs[k]->table[i];
            char val[64];
            if (pp->kind == HS_PARAM_CHOICE)
                hs_values_choice(vs[k], pp->name, val, sizeof val);
            else
                snprintf(val, sizeof val, "%.17g", vs[k]->num[i]);
            size_t len = strlen(text);
            snprintf(text + len, sizeof text - len, "%s=%s\n", pp->name, val);
        }
    TRY(hs_h5_attr_str(h, g, "params", text));

    TRY(write_table_series(h, g, s, lf, n, 0));
    roll = malloc((n ? n : 1) * sizeof *roll);
    if (!roll) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    hs_metric_rolling_slope(s->ret + lf, hs_context_bench_returns(ctx) + lf, n,
                            meta->rolling_window, roll);
    snprintf(p, sizeof p, "%s/residual_beta_rolling", g);
    TRY(series(h, p, roll, n, "1",
               "rolling OLS slope of the hedged return on the benchmark"));
    TRY(hs_h5_attr_i64(h, p, "window", (int64_t)meta->rolling_window));

    TRY(write_fills(h, g, s));

    if (r->spec->options.chains) {
        TRY(hs_h5_attr_i64(h, g, "options_modeled", meta->modeled_data));
        TRY(hs_h5_attr_i64(h, g, "marks_by_model",
                           (int64_t)s->n_marked_by_model));
        TRY(hs_h5_attr_i64(h, g, "option_orders_unfilled",
                           (int64_t)s->n_unfilled));
        TRY(write_table_series(h, g, s, lf, n, HS_SERIES_OPTIONS));
        TRY(write_option_tables(h, g, s));
    }

    snprintf(p, sizeof p, "%s/metrics", g);
    TRY(write_metrics(h, p, r->metrics));
done:
    free(roll);
    return rc;
}

/* The runs that failed, with their reasons: one record table. */
static int write_failed(hs_h5 *h, const hs_run_failure *f, size_t nf)
{
    static const hs_h5_field fields[] = {
        {"run", HS_H5_STR, offsetof(hs_run_failure, run)},
        {"type", HS_H5_STR, offsetof(hs_run_failure, type)},
        {"error", HS_H5_STR, offsetof(hs_run_failure, error)},
        {"reason", HS_H5_STR, offsetof(hs_run_failure, reason)},
    };
    hs_run_failure *rows = calloc(nf ? nf : 1, sizeof *rows);
    int rc;
    if (!rows)
        return hs_error_set(HS_ENOMEM, "out of memory");
    for (size_t i = 0; i < nf; i++) {
        rows[i].run = f[i].run ? f[i].run : "";
        rows[i].type = f[i].type ? f[i].type : "";
        rows[i].error = f[i].error ? f[i].error : "";
        rows[i].reason = f[i].reason ? f[i].reason : "";
    }
    rc = hs_h5_write_records(h, "/failed_runs", fields,
                             sizeof fields / sizeof *fields, rows,
                             sizeof *rows, nf);
    free(rows);
    return rc;
}

/* One record per run (summary.h): the same table as `run --json`. */
static int write_summary(hs_h5 *h, const hs_run_output *runs, size_t nr)
{
    hs_summary_run_row *rows = calloc(nr ? nr : 1, sizeof *rows);
    if (!rows)
        return hs_error_set(HS_ENOMEM, "out of memory");
    for (size_t i = 0; i < nr; i++)
        hs_summary_run_row_fill(&rows[i], runs[i].spec, runs[i].metrics);
    hs_summary t = {"/summary", hs_summary_run_fields, hs_summary_run_n_fields,
                    rows, sizeof *rows, nr};
    int rc = hs_summary_write_h5(h, "/summary", &t);
    free(rows);
    return rc;
}

int hs_results_write_provenance(hs_h5 *h, const hs_results_meta *meta)
{
    int rc;
#define STR(x) ((x) ? (x) : "")
    TRY(hs_h5_attr_str(h, "/", "command_line", STR(meta->command_line)));
    TRY(hs_h5_attr_str(h, "/", "config", STR(meta->config_text)));
    TRY(hs_h5_attr_str(h, "/", "config_path", STR(meta->config_path)));
    TRY(hs_h5_attr_str(h, "/", "config_overrides", STR(meta->overrides)));
    TRY(hs_h5_attr_str(h, "/", "dataset_path", STR(meta->dataset_path)));
    TRY(hs_h5_attr_str(h, "/", "dataset_content_sha256",
                       STR(meta->dataset_content_sha256)));
#undef STR
done:
    return rc;
}

int hs_results_write_run_group(hs_h5 *h, const char *group,
                               const hs_context *ctx, const hs_run_output *run,
                               const hs_results_meta *meta)
{
    if (!group)
        return hs_error_set(HS_EINVAL, "hs_results_write_run_group: no group");
    return write_run(h, group, ctx, run, meta);
}

int hs_results_write_runs(const char *path, int force,
                          const hs_results_meta *meta, const hs_context *ctx,
                          const hs_run_output *runs, size_t n_runs)
{
    const hs_panel *pn = hs_context_panel(ctx);
    const hs_book *b = hs_context_book(ctx);
    const size_t lf = hs_context_live_from(ctx), n = pn->n_steps - lf;
    const size_t na = pn->n_assets;
    hs_h5 *h = NULL;
    double *col = NULL;
    uint8_t *st = NULL;
    char p[320];
    int rc;

#define STR(x) ((x) ? (x) : "")
    {
        /* The inputs are never replaced, whatever path the caller gives. */
        const char *inputs[2] = {meta->dataset_path, meta->config_path};
        hs_h5_opts o = {force, inputs, 2};
        TRY(hs_h5_create_opts(&h, path, &o));
    }
    TRY(hs_results_write_provenance(h, meta));
    {
        char rows[65];
        hs_results_panel_sha256(pn, rows);
        TRY(hs_h5_attr_str(h, "/", "dataset_rows_sha256", rows));
    }
    TRY(hs_h5_attr_str(h, "/", "mode", STR(meta->mode)));
    TRY(hs_h5_attr_str(h, "/", "data_notes", pn->notes));
    TRY(hs_h5_attr_i64(h, "/", "seed", (int64_t)meta->seed));
    TRY(hs_h5_attr_i64(h, "/", "step_ms", pn->step_ms));
    TRY(hs_h5_attr_f64(h, "/", "periods_per_year",
                       hs_context_periods_per_year(ctx)));
    TRY(hs_h5_attr_i64(h, "/", "modeled_data", meta->modeled_data));
#undef STR

    TRY(hs_h5_group(h, "/calendar"));
    TRY(hs_h5_write_time(h, "/calendar/time", pn->time + lf, n));

    col = malloc((n ? n : 1) * sizeof *col);
    st = malloc(n ? n : 1);
    if (!col || !st) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    TRY(hs_h5_group(h, "/assets"));
    {
        const char *syms[256];
        size_t ns = na < 256 ? na : 256;
        for (size_t a = 0; a < ns; a++)
            syms[a] = pn->symbol[a];
        TRY(hs_h5_write_strings(h, "/assets/symbol", syms, ns));
    }
    for (size_t a = 0; a < na; a++) {
        static const char *const what[] = {"open", "high", "low", "close",
                                           "volume", "funding"};
        const double *src[] = {pn->open,  pn->high,   pn->low,
                               pn->close, pn->volume, pn->funding};
        /* The hedge may be the benchmark itself (a spot hedge): its second
         * copy is written as <SYM>.hedge. */
        char name[HS_SYMBOL_MAX + 8];
        snprintf(name, sizeof name, "%s", pn->symbol[a]);
        for (size_t b2 = 0; b2 < a; b2++)
            if (!strcmp(pn->symbol[b2], pn->symbol[a]))
                snprintf(name, sizeof name, "%s.hedge", pn->symbol[a]);
        snprintf(p, sizeof p, "/assets/%s", name);
        TRY(hs_h5_group(h, p));
        for (size_t k = 0; k < 6; k++) {
            for (size_t t = 0; t < n; t++)
                col[t] = src[k][(lf + t) * na + a];
            snprintf(p, sizeof p, "/assets/%s/%s", name, what[k]);
            TRY(hs_h5_write_f64(h, p, col, n));
        }
        for (size_t t = 0; t < n; t++)
            st[t] = pn->state[(lf + t) * na + a];
        snprintf(p, sizeof p, "/assets/%s/state", name);
        TRY(hs_h5_write_u8(h, p, st, n));
        TRY(hs_h5_describe(h, p, "",
                           "0 real bar, 1 gap carried with the last close, "
                           "2 not listed or delisted"));
    }

    TRY(hs_h5_group(h, "/book"));
    TRY(series(h, "/book/equity", b->equity + lf, n, "currency",
               "long book: holdings at close + cash"));
    TRY(series(h, "/book/exposure", b->exposure + lf, n, "currency",
               "value held once pending orders fill"));
    TRY(series(h, "/book/return", b->ret + lf, n, "1",
               "basket return over the step (what beta is estimated on)"));
    TRY(series(h, "/book/pnl", b->pnl + lf, n, "currency", "price P&L"));
    TRY(series(h, "/book/fees", b->fees + lf, n, "currency", "fees (<= 0)"));
    TRY(series(h, "/book/slippage", b->slippage + lf, n, "currency",
               "slippage (<= 0)"));
    TRY(hs_h5_write_f64_2d(h, "/book/weights", b->weight + lf * b->n_assets, n,
                           b->n_assets));
    TRY(hs_h5_describe(h, "/book/weights", "1",
                       "holdings weights at close, [step, book asset]"));
    TRY(hs_h5_group(h, "/benchmark"));
    TRY(series(h, "/benchmark/return", hs_context_bench_returns(ctx) + lf, n,
               "1", "benchmark close-to-close return"));

    TRY(hs_h5_group(h, "/runs"));
    for (size_t i = 0; i < n_runs; i++)
        TRY(write_run(h, NULL, ctx, &runs[i], meta));
    TRY(write_summary(h, runs, n_runs));
    if (meta->n_failed)
        TRY(write_failed(h, meta->failed, meta->n_failed));
    rc = hs_h5_commit(h);
    h = NULL;
done:
    free(col);
    free(st);
    hs_h5_abort(h);
    return rc;
}
