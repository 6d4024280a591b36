/* Strategy runs to HDF5. */
#include "hedgesim/results_run.h"
#include "hedgesim/errors.h"
#include "hedgesim/results.h"

#include <math.h>
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
        {"ann_return", m->ann_return},
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
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if ((rc = hs_h5_attr_f64(h, group, f[i].name, f[i].v)))
            return rc;
    return 0;
}

/* Names for the 'C'/'P' and 'B'/'S'/'b'/'s'/'X' codes, as string columns. */
static const char **names_of(const char *code, size_t n, int kind)
{
    const char **out = calloc(n ? n : 1, sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        out[i] = kind ? (code[i] == 'B'   ? "buy"
                         : code[i] == 'S' ? "sell"
                         : code[i] == 'b' ? "buy_smile"
                         : code[i] == 's' ? "sell_smile"
                                          : "settle")
                      : (code[i] == 'C' ? "call" : "put");
    return out;
}

/* The option trades and the positions held at each close, as tables. */
static int write_option_tables(hs_h5 *h, const char *g, const hs_run_series *s)
{
    char p[320];
    const char **right = names_of(s->ot_right, s->n_otrades, 0);
    const char **kind = names_of(s->ot_kind, s->n_otrades, 1);
    const char **pright = names_of(s->op_right, s->n_opos, 0);
    int rc = 0;
    if (!right || !kind || !pright) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    snprintf(p, sizeof p, "%s/option_trades", g);
    TRY(hs_h5_table(h, p, s->n_otrades));
    TRY(hs_h5_table_i64(h, p, "time", s->ot_time));
    TRY(hs_h5_table_i64(h, p, "expiry", s->ot_expiry));
    TRY(hs_h5_table_f64(h, p, "strike", s->ot_strike));
    TRY(hs_h5_table_strings(h, p, "right", right));
    TRY(hs_h5_table_f64(h, p, "qty", s->ot_qty));
    TRY(hs_h5_table_f64(h, p, "price", s->ot_price));
    TRY(hs_h5_table_f64(h, p, "fee", s->ot_fee));
    TRY(hs_h5_table_strings(h, p, "kind", kind));

    snprintf(p, sizeof p, "%s/option_positions", g);
    TRY(hs_h5_table(h, p, s->n_opos));
    TRY(hs_h5_table_i64(h, p, "time", s->op_time));
    TRY(hs_h5_table_i64(h, p, "expiry", s->op_expiry));
    TRY(hs_h5_table_f64(h, p, "strike", s->op_strike));
    TRY(hs_h5_table_strings(h, p, "right", pright));
    TRY(hs_h5_table_f64(h, p, "qty", s->op_qty));
    TRY(hs_h5_table_i64(h, p, "entry_time", s->op_entry_time));
    TRY(hs_h5_table_f64(h, p, "entry_price", s->op_entry_price));
    TRY(hs_h5_table_f64(h, p, "mark", s->op_mark));
    TRY(hs_h5_table_f64(h, p, "iv", s->op_iv));
done:
    free(right);
    free(kind);
    free(pright);
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

    snprintf(p, sizeof p, "%s/fills", g);
    TRY(hs_h5_table(h, p, s->n_fills));
    TRY(hs_h5_table_i64(h, p, "time", s->fill_time));
    TRY(hs_h5_table_f64(h, p, "qty", s->fill_qty));
    TRY(hs_h5_table_f64(h, p, "price", s->fill_price));
    TRY(hs_h5_table_f64(h, p, "fee", s->fill_fee));
    TRY(hs_h5_table_f64(h, p, "slippage", s->fill_slippage));

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

/* The runs that failed, with their reasons: one table. */
static int write_failed(hs_h5 *h, const hs_run_failure *f, size_t nf)
{
    const char **col = calloc(nf ? nf : 1, sizeof *col);
    int rc = 0;
    if (!col)
        return hs_error_set(HS_ENOMEM, "out of memory");
    TRY(hs_h5_table(h, "/failed_runs", nf));
#define FCOL(field)                                                            \
    do {                                                                       \
        for (size_t i = 0; i < nf; i++)                                        \
            col[i] = f[i].field ? f[i].field : "";                             \
        TRY(hs_h5_table_strings(h, "/failed_runs", #field, col));              \
    } while (0)
    FCOL(run);
    FCOL(type);
    FCOL(error);
    FCOL(reason);
#undef FCOL
done:
    free(col);
    return rc;
}

static int write_summary(hs_h5 *h, const hs_run_output *runs, size_t nr)
{
    const char **names = calloc(nr ? nr : 1, sizeof *names);
    const char **types = calloc(nr ? nr : 1, sizeof *types);
    double *col = calloc(nr ? nr : 1, sizeof *col);
    int rc = 0;
    if (!names || !types || !col) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nr; i++) {
        names[i] = runs[i].spec->name;
        types[i] = runs[i].spec->type->name;
    }
    TRY(hs_h5_table(h, "/summary", nr));
    TRY(hs_h5_table_strings(h, "/summary", "run", names));
    TRY(hs_h5_table_strings(h, "/summary", "type", types));
#define COL(field)                                                             \
    do {                                                                       \
        for (size_t i = 0; i < nr; i++)                                        \
            col[i] = runs[i].metrics->field;                                   \
        TRY(hs_h5_table_f64(h, "/summary", #field, col));                      \
    } while (0)
    COL(hedge_effectiveness);
    COL(tracking_error);
    COL(residual_beta);
    COL(ann_return);
    COL(ann_vol);
    COL(sharpe);
    COL(max_drawdown);
    COL(var95);
    COL(cvar95);
    COL(var99);
    COL(cvar99);
    COL(turnover);
    COL(fees);
    COL(slippage);
    COL(funding);
    COL(premium);
    COL(hedge_cost_drag);
    COL(total_return);
#undef COL
done:
    free(names);
    free(types);
    free(col);
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
    TRY(hs_h5_attr_str(h, "/", "command_line", STR(meta->command_line)));
    TRY(hs_h5_attr_str(h, "/", "config", STR(meta->config_text)));
    TRY(hs_h5_attr_str(h, "/", "config_path", STR(meta->config_path)));
    TRY(hs_h5_attr_str(h, "/", "config_overrides", STR(meta->overrides)));
    TRY(hs_h5_attr_str(h, "/", "dataset_path", STR(meta->dataset_path)));
    TRY(hs_h5_attr_str(h, "/", "dataset_content_sha256",
                       STR(meta->dataset_content_sha256)));
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
