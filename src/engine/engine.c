/* The engine loop: one strategy run over a context.  The accounts live in
 * the ledger (ledger.c, ledger_hedge.c, ledger_options.c) and fills are
 * priced by exec; a step here orders their calls, asks the estimator and the
 * strategy, records the series and checks the attribution. */
#include "engine_int.h"
#include "hedgesim/calendar.h"
#include "exec_int.h"
#include "ledger_int.h"
#include "hedgesim/errors.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* ---------------------------------------------------------------- context */

/* Close-to-close returns of asset a into r[n_steps]. */
static void fill_returns(const hs_panel *p, int a, double *r)
{
    const size_t na = p->n_assets;
    for (size_t t = 0; t < p->n_steps; t++) {
        size_t i = t * na + (size_t)a;
        r[t] = (t > 0 && p->state[i] != HS_BAR_ABSENT &&
                p->state[i - na] != HS_BAR_ABSENT)
                   ? p->close[i] / p->close[i - na] - 1.0
                   : NAN;
    }
}

static double *close_returns(const hs_panel *p, int a)
{
    double *r = malloc((p->n_steps ? p->n_steps : 1) * sizeof *r);
    if (r)
        fill_returns(p, a, r);
    return r;
}

/* What the metrics of every run share (hs_engine_metrics): the unhedged
 * book's returns from the step after the formation step to the end, and the
 * mean risk-free rate over them.  Allocates book_ret only the first time. */
static int metric_inputs(hs_context *c)
{
    const hs_panel *p = c->panel;
    const size_t lf = c->live_from + 1, n = p->n_steps;
    if (n <= lf + 1)
        return 0;
    const size_t m = n - lf;
    if (!c->book_ret && !(c->book_ret = malloc(m * sizeof *c->book_ret)))
        return hs_error_set(HS_ENOMEM, "out of memory");
    for (size_t i = 0; i < m; i++)
        c->book_ret[i] =
            c->book->equity[lf + i] / c->book->equity[lf + i - 1] - 1.0;
    double rf = 0;
    for (size_t t = lf; t < n; t++)
        rf += p->rate[t];
    c->rf_mean = rf / (double)m;
    return 0;
}

/* c->fund_frac from the panel's settlement times. */
static int funding_fracs(hs_context *c)
{
    const hs_panel *p = c->panel;
    free(c->fund_frac);
    c->fund_frac = NULL;
    if (!p->settle_at || !p->n_settle)
        return 0;
    if (!(c->fund_frac = calloc(p->n_settle, sizeof *c->fund_frac)))
        return hs_error_set(HS_ENOMEM, "out of memory");
    for (size_t t = 0; t < p->n_steps; t++) {
        hs_settlements s;
        hs_panel_settlements(p, t, (size_t)c->hedge, &s);
        double *f =
            c->fund_frac + p->settle_at[t * p->n_assets + (size_t)c->hedge];
        for (size_t k = 0; k < s.n; k++)
            f[k] = s.time[k] >= s.t1 ? NAN
                   : s.time[k] <= s.t0
                       ? 0
                       : (double)(s.time[k] - s.t0) / (double)(s.t1 - s.t0);
    }
    return 0;
}

/* The hedge's funding settlements in step t, as hs_panel_settlements gives
 * them but without t0, t1 and the times (the fractions stand for them). */
static inline const double *hedge_settlements(const hs_context *c, size_t t,
                                              hs_settlements *out)
{
    static const double at_close = NAN;
    const hs_panel *p = c->panel;
    const size_t i = t * p->n_assets + (size_t)c->hedge;
    if (!c->fund_frac) {
        out->n = p->settle_at ? 0 : 1;
        out->rate = &p->funding[i];
        return &at_close;
    }
    out->n = p->settle_at[i + 1] - p->settle_at[i];
    out->rate = p->settle_rate + p->settle_at[i];
    return c->fund_frac + p->settle_at[i];
}

int hs_context_new(hs_context **out, const hs_panel *p,
                   const hs_context_opts *o)
{
    hs_context *c = NULL;
    char buf[32];
    int rc = 0;
    *out = NULL;
    if (o->bench < 0 || (size_t)o->bench >= p->n_assets || o->hedge < 0 ||
        (size_t)o->hedge >= p->n_assets)
        return hs_error_set(HS_EINVAL, "benchmark or hedge index out of range");
    if (o->live_from >= p->n_steps)
        return hs_error_set(HS_ECONFIG, "the window has no live steps");
    /* The benchmark and the hedge must trade through the whole live window. */
    const int need[2] = {o->bench, o->hedge};
    for (int k = 0; k < 2; k++) {
        int a = need[k];
        if (p->first[a] < 0 || (size_t)p->first[a] > o->live_from ||
            p->delisted[a])
            return hs_error_set(
                HS_EDATA,
                "%s %s has no data for the whole window (first bar %s%s): "
                "start later or choose another %s",
                k ? "hedge instrument" : "benchmark", p->symbol[a],
                p->first[a] < 0
                    ? "none"
                    : hs_cal_format_time(p->time[p->first[a]], buf, sizeof buf),
                p->delisted[a] ? ", and it ends early" : "",
                k ? "hedge instrument" : "benchmark");
    }
    c = calloc(1, sizeof *c);
    if (!c)
        return hs_error_set(HS_ENOMEM, "out of memory");
    c->panel = p;
    c->bench = o->bench;
    c->hedge = o->hedge;
    c->live_from = o->live_from;
    c->periods_per_year = o->periods_per_year > 0
                              ? o->periods_per_year
                              : 365.0 * (double)HS_MS_PER_DAY /
                                    (double)p->step_ms;
    rc = hs_exec_new(&c->exec, p, &o->exec);
    if (rc)
        goto fail;
    hs_book_opts bo = o->book;
    bo.live_from = o->live_from;
    rc = hs_book_build(&c->book, p, c->exec, &bo);
    if (rc)
        goto fail;
    c->bench_ret = close_returns(p, o->bench);
    c->hedge_ret = close_returns(p, o->hedge);
    if (!c->bench_ret || !c->hedge_ret) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = metric_inputs(c)) || (rc = funding_fracs(c)))
        goto fail;
    *out = c;
    return 0;
fail:
    hs_context_free(c);
    return rc;
}

int hs_context_refresh(hs_context *c, const hs_exec_opts *exec)
{
    const hs_panel *p = c->panel;
    int rc;
    if ((rc = hs_exec_refresh(c->exec, exec)) ||
        (rc = hs_book_refresh(c->book, p, c->exec)))
        return rc;
    fill_returns(p, c->bench, c->bench_ret);
    fill_returns(p, c->hedge, c->hedge_ret);
    c->generation++;
    /* (the settlements' places in their bars depend on times alone, which
     * a refreshed panel keeps: fund_frac stands) */
    return metric_inputs(c);
}

void hs_context_free(hs_context *c)
{
    if (!c)
        return;
    hs_exec_free(c->exec);
    hs_book_free(c->book);
    free(c->bench_ret);
    free(c->hedge_ret);
    free(c->book_ret);
    free(c->fund_frac);
    free(c);
}

const hs_panel *hs_context_panel(const hs_context *c) { return c->panel; }
const hs_book *hs_context_book(const hs_context *c) { return c->book; }
size_t hs_context_live_from(const hs_context *c) { return c->live_from; }
double hs_context_periods_per_year(const hs_context *c)
{
    return c->periods_per_year;
}
const double *hs_context_bench_returns(const hs_context *c)
{
    return c->bench_ret;
}

/* ----------------------------------------------------------------- engine */

/* -------------------------------------------------------------- series */

#define SERIES_DESC(field_, name_, unit_, flags_, doc_)                        \
    {.field = #field_,                                                         \
     .name = name_,                                                            \
     .unit = unit_,                                                            \
     .doc = doc_,                                                              \
     .flags = flags_,                                                          \
     .offset = offsetof(hs_run_series, field_)},
const hs_series_desc hs_run_series_desc[HS_RUN_SERIES_N] = {
    HS_RUN_SERIES(SERIES_DESC)};
#undef SERIES_DESC

double *hs_run_series_data(const hs_run_series *s, const hs_series_desc *d)
{
    double *x;
    memcpy(&x, (const char *)s + d->offset, sizeof x);
    return x;
}

/* The member of series i, to allocate, clear or free it. */
static double **series_slot(hs_run_series *s, size_t i)
{
    return (double **)(void *)((char *)s + hs_run_series_desc[i].offset);
}

static void free_option_trades(hs_run_series *s)
{
    free(s->ot_time);
    free(s->ot_expiry);
    free(s->ot_strike);
    free(s->ot_qty);
    free(s->ot_price);
    free(s->ot_fee);
    free(s->ot_right);
    free(s->ot_kind);
    s->ot_time = s->ot_expiry = NULL;
    s->ot_strike = s->ot_qty = s->ot_price = s->ot_fee = NULL;
    s->ot_right = s->ot_kind = NULL;
    s->otrade_cap = s->n_otrades = 0;
    free(s->op_time);
    free(s->op_expiry);
    free(s->op_entry_time);
    free(s->op_strike);
    free(s->op_qty);
    free(s->op_entry_price);
    free(s->op_mark);
    free(s->op_iv);
    free(s->op_right);
    s->op_time = s->op_expiry = s->op_entry_time = NULL;
    s->op_strike = s->op_qty = s->op_entry_price = s->op_mark = s->op_iv = NULL;
    s->op_right = NULL;
    s->opos_cap = s->n_opos = 0;
}

/* Option trades: allocated when a run first has options. */
static int alloc_option_trades(hs_run_series *s)
{
    size_t cap = 4 * s->n_steps + 64;
    if (s->otrade_cap)
        return 0;
    s->ot_time = malloc(cap * sizeof(int64_t));
    s->ot_expiry = malloc(cap * sizeof(int64_t));
    s->ot_strike = malloc(cap * sizeof(double));
    s->ot_qty = malloc(cap * sizeof(double));
    s->ot_price = malloc(cap * sizeof(double));
    s->ot_fee = malloc(cap * sizeof(double));
    s->ot_right = malloc(cap);
    s->ot_kind = malloc(cap);
    if (!s->ot_time || !s->ot_expiry || !s->ot_strike || !s->ot_qty ||
        !s->ot_price || !s->ot_fee || !s->ot_right || !s->ot_kind) {
        free_option_trades(s);
        return hs_error_set(HS_ENOMEM, "out of memory");
    }
    s->otrade_cap = cap;
    /* Positions: at most HS_MAX_OPTION_POSITIONS at each step. */
    size_t pc = s->n_steps * HS_MAX_OPTION_POSITIONS + 1;
    s->op_time = malloc(pc * sizeof(int64_t));
    s->op_expiry = malloc(pc * sizeof(int64_t));
    s->op_entry_time = malloc(pc * sizeof(int64_t));
    s->op_strike = malloc(pc * sizeof(double));
    s->op_qty = malloc(pc * sizeof(double));
    s->op_entry_price = malloc(pc * sizeof(double));
    s->op_mark = malloc(pc * sizeof(double));
    s->op_iv = malloc(pc * sizeof(double));
    s->op_right = malloc(pc);
    if (!s->op_time || !s->op_expiry || !s->op_entry_time || !s->op_strike ||
        !s->op_qty || !s->op_entry_price || !s->op_mark || !s->op_iv ||
        !s->op_right) {
        free_option_trades(s);
        return hs_error_set(HS_ENOMEM, "out of memory");
    }
    s->opos_cap = pc;
    return 0;
}

/* The recorded series and the fills of an engine are one zeroed block of
 * SERIES_ARRAYS arrays of n_steps doubles (int64 for fill_time), the first
 * series at its start. */
#define SERIES_ARRAYS (HS_RUN_SERIES_N + 5)

static size_t series_bytes(size_t n)
{
    return SERIES_ARRAYS * (n ? n : 1) * sizeof(double);
}

/* A zeroed block of `bytes`.  On Linux a mapping of its own, its pages
 * made present at once (MAP_POPULATE: one call instead of a page fault per
 * 4 KiB page as the steps first touch them; zero-filled by the system). */
static void *series_block(size_t bytes)
{
#if defined(__linux__) && defined(MAP_POPULATE)
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
#else
    return calloc(1, bytes);
#endif
}

static void free_series(hs_run_series *s)
{
    double **first = series_slot(s, 0);
    if (*first) {
#if defined(__linux__) && defined(MAP_POPULATE)
        munmap(*first, series_bytes(s->n_steps));
#else
        free(*first);
#endif
    }
    for (size_t i = 0; i < HS_RUN_SERIES_N; i++)
        *series_slot(s, i) = NULL;
    s->fill_qty = s->fill_price = s->fill_fee = s->fill_slippage = NULL;
    s->fill_time = NULL;
    free_option_trades(s);
}

static int alloc_series(hs_run_series *s, size_t n)
{
    const size_t len = n ? n : 1;
    memset(s, 0, sizeof *s);
    s->n_steps = n;
    double *block = series_block(series_bytes(n));
    if (!block)
        return hs_error_set(HS_ENOMEM, "out of memory for %zu steps", n);
    for (size_t i = 0; i < HS_RUN_SERIES_N; i++)
        *series_slot(s, i) = block + i * len;
    /* The hedge fills: at most one per step. */
    double **f[] = {&s->fill_qty, &s->fill_price, &s->fill_fee,
                    &s->fill_slippage};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        *f[i] = block + (HS_RUN_SERIES_N + i) * len;
    s->fill_time = (int64_t *)(void *)(block + (HS_RUN_SERIES_N + 4) * len);
    return 0;
}

/* Grow a zeroed state block to at least `size` bytes. */
static int state_block(void **block, size_t *cap, size_t size)
{
    if (size == 0)
        size = 1;
    if (size > *cap) {
        void *p = realloc(*block, size);
        if (!p)
            return hs_error_set(HS_ENOMEM, "out of memory");
        *block = p;
        *cap = size;
    }
    memset(*block, 0, *cap);
    return 0;
}

static void release_strategy(hs_engine *e)
{
    if (e->initialised && e->spec.type->free)
        e->spec.type->free(e->strategy_state);
    e->initialised = 0;
}

/* Zero steps [from, to) of the series written at live steps only that
 * have every flag of `flags`. */
static void clear_live(const hs_run_series *s, size_t from, size_t to,
                       unsigned flags)
{
    for (size_t i = 0; from < to && i < HS_RUN_SERIES_N; i++) {
        const hs_series_desc *d = &hs_run_series_desc[i];
        if (!(d->flags & HS_SERIES_WARMUP) && (d->flags & flags) == flags)
            memset(hs_run_series_data(s, d) + from, 0,
                   (to - from) * sizeof(double));
    }
}

/* The series as a reader sees them: an earlier run's values past what this
 * one has written are zeros, as if they had been cleared at the reset. */
static const hs_run_series *live_series(const hs_engine *e)
{
    clear_live(&e->s, e->written, e->stale_to, 0);
    return &e->s;
}

/* At a reset: what the last run wrote is now stale, except that the option
 * greeks, which a run without options does not write, are zeroed now. */
static void stale_series(hs_engine *e, int options)
{
    const size_t lf = e->ctx->live_from;
    if (e->written > e->stale_to)
        e->stale_to = e->written;
    e->written = lf;
    if (e->opt_written && !options)
        clear_live(&e->s, lf, e->stale_to, HS_SERIES_OPTIONS);
    e->opt_written = options;
    e->detail_written |= !e->summary_only;
}

/* Does `spec` estimate beta exactly as the engine's current spec does (same
 * estimator, parameters, returns and regressor, on the book's target or
 * held return)?  Its beta series is then the same, step for step. */
static int same_estimator(const hs_engine *e, const hs_run_spec *spec)
{
    const hs_run_spec *o = &e->spec;
    const unsigned on_hedge = HS_STRATEGY_BETA_ON_HEDGE;
    if (!spec->beta || spec->beta != o->beta || !o->type ||
        e->beta_generation != e->ctx->generation ||
        e->ctx->book->beta_input == HS_BETA_INPUT_PROFORMA ||
        spec->log_returns != o->log_returns ||
        (spec->type->flags & on_hedge) != (o->type->flags & on_hedge) ||
        spec->beta_params.table != o->beta_params.table ||
        spec->beta_params.n != o->beta_params.n)
        return 0;
    return !memcmp(spec->beta_params.num, o->beta_params.num,
                   spec->beta_params.n * sizeof(double));
}

int hs_engine_reset(hs_engine *e, const hs_run_spec *spec)
{
    int rc;
    release_strategy(e);
    if (!spec->type || !spec->type->step)
        return hs_error_set(HS_ECONFIG, "run '%s': no strategy", spec->name);
    if (!(spec->contract_size > 0) || !isfinite(spec->contract_size))
        return hs_error_set(HS_ECONFIG,
                            "run '%s': contract_size must be > 0", spec->name);
    if (!isfinite(spec->target_beta))
        return hs_error_set(HS_ECONFIG, "run '%s': target_beta must be finite",
                            spec->name);
    const size_t nb = e->ctx->book->n_assets;
    hs_run_series *s = &e->s;
    e->beta_replay = e->beta_complete && same_estimator(e, spec);
    if (!e->beta_replay)
        e->beta_complete = 0;
    e->spec = *spec;
    e->t = 0;
    e->hedge.qty = e->hedge.pending = e->hedge.cash = 0;
    e->beta = NAN;
    e->exposure = e->holdings = 0;
    e->at_close = hs_exec_rule(e->ctx->exec) == HS_FILL_CLOSE;
    s->n_fills = 0;
    s->n_otrades = 0;
    s->n_opos = 0;
    s->n_marked_by_model = 0;
    s->n_unfilled = 0;
    e->chain = NULL;
    const hs_option_opts *oo = &spec->options;
    if (oo->chains) {
        if (oo->underlying < 0 ||
            (size_t)oo->underlying >= e->ctx->panel->n_assets ||
            !(oo->multiplier > 0) || !(oo->fee_rate >= 0) ||
            !(oo->fee_cap >= 0) || oo->max_positions == 0 ||
            oo->max_positions > HS_MAX_OPTION_POSITIONS)
            return hs_error_set(HS_ECONFIG, "run '%s': bad option settings",
                                spec->name);
        if ((rc = alloc_option_trades(s)))
            return rc;
        hs_chain_source_rewind(oo->chains);
    }
    const hs_option_log log = {
        .n = 0, .cap = s->otrade_cap,
        .time = s->ot_time, .expiry = s->ot_expiry,
        .strike = s->ot_strike, .qty = s->ot_qty,
        .price = s->ot_price, .fee = s->ot_fee,
        .right = s->ot_right, .kind = s->ot_kind};
    hs_option_book_reset(&e->options, e->spec.name, oo->max_positions,
                         oo->fee_rate, oo->fee_cap, &log);
    /* Series are rewritten step by step, not cleared (a fresh engine's
     * block is allocated zeroed). */
    stale_series(e, oo->chains != NULL);
    memset(e->book.q, 0, nb * sizeof(double));
    memset(e->book.pend, 0, nb * sizeof(double));
    e->book.cash = e->ctx->book->capital;
    if ((rc = state_block(&e->strategy_state, &e->strategy_cap,
                          spec->type->state_size)))
        return rc;
    if (spec->beta) {
        if ((rc = state_block(&e->beta_state, &e->beta_cap,
                              spec->beta->state_size(&spec->beta_params))))
            return rc;
        rc = spec->beta->init(e->beta_state, &e->spec.beta_params);
        if (rc) {
            hs_error_prefix("run '%s': beta %s: ", spec->name,
                            spec->beta->name);
            return rc;
        }
    }
    if (spec->type->init) {
        rc = spec->type->init(e->strategy_state, &e->spec.params);
        if (rc) {
            hs_error_prefix("run '%s': strategy %s: ", spec->name,
                            spec->type->name);
            return rc;
        }
    }
    e->initialised = 1;
    return 0;
}

int hs_engine_new(hs_engine **out, const hs_context *ctx,
                  const hs_run_spec *spec)
{
    hs_engine *e = NULL;
    int rc;
    *out = NULL;
    e = calloc(1, sizeof *e);
    if (!e)
        return hs_error_set(HS_ENOMEM, "out of memory");
    e->ctx = ctx;
    e->tol = 1e-9;
    e->view.engine = e;
    e->scratch = malloc((ctx->panel->n_steps ? ctx->panel->n_steps : 1) *
                        sizeof *e->scratch);
    if (!e->scratch) {
        hs_engine_free(e);
        return hs_error_set(HS_ENOMEM, "out of memory");
    }
    rc = alloc_series(&e->s, ctx->panel->n_steps);
    e->written = e->stale_to = ctx->live_from;
    if (rc ||
        (rc = hs_book_state_init(&e->book, ctx->book, ctx->book->capital)) ||
        (rc = hs_engine_reset(e, spec))) {
        hs_engine_free(e);
        return rc;
    }
    *out = e;
    return 0;
}

void hs_engine_free(hs_engine *e)
{
    if (!e)
        return;
    release_strategy(e);
    free(e->strategy_state);
    free(e->beta_state);
    hs_book_state_free(&e->book);
    free_series(&e->s);
    free(e->scratch);
    free(e);
}

size_t hs_engine_cursor(const hs_engine *e) { return e->t; }
const hs_run_series *hs_engine_series(const hs_engine *e)
{
    return live_series(e);
}
void hs_engine_set_tolerance(hs_engine *e, double rel) { e->tol = rel; }

void hs_engine_set_summary_only(hs_engine *e, int on)
{
    if (on && e->detail_written) { /* what a full run left: zeros now */
        const size_t hi = e->written > e->stale_to ? e->written : e->stale_to;
        clear_live(&e->s, e->ctx->live_from, hi, HS_SERIES_DETAIL);
        e->detail_written = 0;
    }
    e->detail_written |= !on;
    e->summary_only = on != 0;
}

static double to_log(double r) { return log1p(r); }

/* hs_round_contracts without the library call (round() is not inlined). */
static inline double round_contracts(double qty, double size)
{
    double n = qty / size;
    if (!(fabs(n) < 4e15))
        return round(n) * size;
    double r = (double)(int64_t)(n + (n >= 0 ? 0.5 : -0.5));
    return r * size;
}

/* beta_input = proforma: the estimator starts again at every step and sees
 * the history with y the return of the holdings decided at the close of t
 * (the target basket before live_from), renormalised over the assets with
 * a real bar at each step.  An estimator with a finite memory
 * (hs_beta_memory: ols and downside, their window) is fed only the last
 * `memory` finite observations, found walking back from t: O(memory x
 * assets) per step (plus the steps without an observation); one that
 * remembers everything is fed the whole history, O(t x assets).  No
 * allocation. */
static double proforma_y(const hs_context *c, size_t t, size_t u)
{
    const hs_panel *p = c->panel;
    const hs_book *b = c->book;
    const size_t na = p->n_assets, nb = b->n_assets;
    const double *q = b->intent + t * nb;
    double v0 = 0, dv = 0;
    for (size_t k = 0; k < nb; k++) {
        size_t i = u * na + (size_t)b->asset[k], it = t * na + (size_t)b->asset[k];
        if (q[k] == 0 || p->state[i] != HS_BAR_OK ||
            p->state[i - na] == HS_BAR_ABSENT)
            continue;
        double w = q[k] * p->close[it]; /* value weight decided at t */
        v0 += w;
        dv += w * (p->close[i] / p->close[i - na] - 1.0);
    }
    return v0 > 0 ? dv / v0 : NAN;
}

/* Observation u of a proforma replay at t, as the estimator takes it. */
static inline void proforma_obs(const hs_engine *e, size_t t, size_t u,
                                const double *xs, double *x, double *y)
{
    *x = xs[u];
    *y = proforma_y(e->ctx, t, u);
    if (e->spec.log_returns) {
        *x = to_log(*x);
        *y = to_log(*y);
    }
}

static void proforma_beta(hs_engine *e, size_t t, const double *xs)
{
    const size_t memory = hs_beta_memory(e->spec.beta, &e->spec.beta_params);
    double x, y;
    size_t from = 1;
    if (memory > 0) { /* back to the first of the last `memory` */
        size_t seen = 0;
        for (size_t u = t; u >= 1 && seen < memory; u--) {
            proforma_obs(e, t, u, xs, &x, &y);
            if (isfinite(x) && isfinite(y)) {
                seen++;
                from = u;
            }
        }
    }
    /* (the states were sized and checked by hs_engine_reset) */
    memset(e->beta_state, 0, e->beta_cap);
    (void)e->spec.beta->init(e->beta_state, &e->spec.beta_params);
    for (size_t u = from; u <= t; u++) {
        proforma_obs(e, t, u, xs, &x, &y);
        e->spec.beta->update(e->beta_state, x, y);
    }
    e->beta = e->spec.beta->value(e->beta_state);
}

/* Feed the estimator the step's observation. */
static void estimate_beta(hs_engine *e, size_t t)
{
    const hs_context *c = e->ctx;
    const double *xs = (e->spec.type->flags & HS_STRATEGY_BETA_ON_HEDGE)
                           ? c->hedge_ret
                           : c->bench_ret;
    if (c->book->beta_input == HS_BETA_INPUT_PROFORMA) {
        proforma_beta(e, t, xs);
        return;
    }
    double x = xs[t];
    double y = c->book->ret[t];
    if (e->spec.log_returns) {
        x = to_log(x);
        y = to_log(y);
    }
    e->spec.beta->update(e->beta_state, x, y);
    e->beta = e->spec.beta->value(e->beta_state);
}

/* The step's estimate: none, replayed, or from the estimator (inline: a
 * sweep's steps mostly replay). */
static inline void update_beta(hs_engine *e, size_t t)
{
    if (!e->spec.beta)
        return;
    if (e->beta_replay) /* the same estimator's series, recorded */
        e->beta = e->s.beta[t];
    else
        estimate_beta(e, t);
}

static inline void record_fill(hs_engine *e, size_t t, const hs_fill *f)
{
    hs_run_series *s = &e->s;
    size_t k = s->n_fills++;
    s->fill_time[k] = e->ctx->panel->time[t];
    s->fill_qty[k] = f->qty;
    s->fill_price[k] = f->price;
    s->fill_fee[k] = f->fee;
    s->fill_slippage[k] = f->slippage;
}

/* The option book's counters into the series (its trades are written there
 * directly, through its log). */
static void sync_options(hs_engine *e)
{
    e->s.n_otrades = e->options.log.n;
    e->s.n_marked_by_model = e->options.n_marked_by_model;
    e->s.n_unfilled = e->options.n_unfilled;
}

/* Step 3: the option book's open (fills, expiries) and close (marks). */
static int options_step(hs_engine *e, size_t t, hs_option_flow *of)
{
    const hs_panel *p = e->ctx->panel;
    const hs_option_opts *oo = &e->spec.options;
    const size_t iu = t * p->n_assets + (size_t)oo->underlying;
    const int64_t t0 = p->time[t], t1 = t0 + p->step_ms;
    int rc = hs_option_book_open(&e->options, t0, t1, p->open[iu],
                                 p->close[iu], &e->hedge.cash, of);
    if (!rc)
        rc = hs_chain_source_at(oo->chains, t, &e->chain);
    if (!rc)
        rc = hs_option_book_mark(&e->options, e->chain, t1, p->close[iu], of);
    sync_options(e);
    return rc;
}

/* Step 5, options: the decision's option orders. */
static int options_orders(hs_engine *e, size_t t, const hs_decision *d,
                          hs_option_flow *of)
{
    const hs_panel *p = e->ctx->panel;
    const hs_option_opts *oo = &e->spec.options;
    if (d->n_options > HS_MAX_OPTION_ORDERS)
        return hs_error_set(HS_ESTRATEGY, "run '%s': more than %d option "
                                          "orders in one step",
                            e->spec.name, HS_MAX_OPTION_ORDERS);
    if (!oo->chains)
        return hs_error_set(HS_ESTRATEGY,
                            "run '%s': option orders but the config has no "
                            "[options] section",
                            e->spec.name);
    int rc = hs_option_book_orders(
        &e->options, d->options, d->n_options, e->chain, p->time[t],
        p->close[t * p->n_assets + (size_t)oo->underlying], e->at_close,
        &e->hedge.cash, of);
    sync_options(e);
    return rc;
}

/* Step 6, options: greeks and the positions held at this close. */
static void record_options(hs_engine *e, size_t t)
{
    hs_run_series *s = &e->s;
    const hs_option_book *ob = &e->options;
    const int64_t time = e->ctx->panel->time[t];
    hs_option_book_greeks(ob, &s->opt_delta[t], &s->opt_gamma[t],
                          &s->opt_vega[t], &s->opt_theta[t]);
    for (size_t i = 0; i < ob->n && s->n_opos < s->opos_cap; i++) {
        const hs_option_position *op = &ob->pos[i];
        size_t k = s->n_opos++;
        s->op_time[k] = time;
        s->op_expiry[k] = op->expiry;
        s->op_strike[k] = op->strike;
        s->op_right[k] = op->right;
        s->op_qty[k] = op->qty;
        s->op_entry_time[k] = op->entry_time;
        s->op_entry_price[k] = op->entry_price;
        s->op_mark[k] = op->mark;
        s->op_iv[k] = op->iv;
    }
}

/* The rule for every strategy, built-in or plug-in: with nothing to hedge
 * (the book holds nothing and has nothing pending: every asset delisted, or
 * none listed yet) the decision is flat, whatever the strategy said: the
 * hedge goes to 0 and the option positions are closed. */
static void flatten(const hs_engine *e, hs_decision *d)
{
    const hs_option_book *ob = &e->options;
    d->trade = 1;
    d->hedge_target = 0;
    d->n_options = 0;
    for (size_t i = 0; i < ob->n && d->n_options < HS_MAX_OPTION_ORDERS; i++) {
        hs_option_order *o = &d->options[d->n_options++];
        o->expiry = ob->pos[i].expiry;
        o->strike = ob->pos[i].strike;
        o->right = ob->pos[i].right;
        o->qty = -ob->pos[i].qty;
    }
}

/* hs_engine_step; static, so that hs_engine_run calls it directly (a
 * public function of a shared library is called through its PLT). */
static int engine_step(hs_engine *e)
{
    const hs_context *c = e->ctx;
    const hs_panel *p = c->panel;
    const hs_book *b = c->book;
    hs_run_series *s = &e->s;
    const size_t t = e->t, na = p->n_assets;

    if (t >= p->n_steps)
        return HS_ITEROVER;
    e->t = t + 1;
    if (t < c->live_from) { /* warm-up: the estimator sees history */
        update_beta(e, t);
        s->beta[t] = e->beta;
        s->equity[t] = b->capital;
        s->ret[t] = NAN;
        s->hedge_ratio[t] = NAN;
        return 0;
    }

    int rc;
    const size_t ih = t * na + (size_t)c->hedge;
    const double open = p->open[ih], close = p->close[ih];
    const double prev = t > 0 ? p->close[ih - na] : open;
    hs_book_flow bf;
    hs_hedge_flow hf;
    hs_option_flow of = {0, 0, 0, 0, 0};
    hs_fill f;

    /* 1. The book: fills at the open, delistings, marks.  Most steps have
     * neither fills nor delistings: they are a plain mark, done here. */
    if (!b->slow[t])
        hs_book__mark(&e->book, b, t, &bf);
    else
        hs_book_state_open(&e->book, b, p, c->exec, t, &bf);

    /* 2. The hedge account: mark to the open, fill the previous step's
     * order there, mark to the close, funding (> 0 rate: longs pay).  On a
     * carried gap bar the order waits for the next real bar. */
    const int real = p->state[ih] == HS_BAR_OK;
    const double waiting = real ? 0 : e->hedge.pending;
    e->hedge.pending -= waiting;
    hs_settlements fund;
    const double *frac = hedge_settlements(c, t, &fund);
    if (hs_hedge__open(&e->hedge, c->exec, (size_t)c->hedge, t,
                       t > c->live_from, prev, open, close, &fund, frac, &hf,
                       &f) &&
        !e->summary_only)
        record_fill(e, t, &f);
    e->hedge.pending += waiting;

    /* 3. Options: fills at the open, expiries, then marks at the close. */
    const int options = e->spec.options.chains != NULL;
    if (options && (rc = options_step(e, t, &of)))
        return rc;

    /* 4. The book rebalances to the account's equity at this close. */
    if (b->busy[t])
        hs_book_state_close(&e->book, b, p, c->exec, t,
                            e->book.cash + bf.holdings + e->hedge.cash +
                                e->options.value,
                            &bf);
    else
        bf.exposure = bf.holdings;
    e->holdings = bf.holdings;
    e->exposure = bf.exposure;

    /* 5. Estimator and strategy see the close of t; their orders go to the
     * hedge account and the option book. */
    update_beta(e, t);
    e->view.t = t;
    e->view.hedge_close = close;
    hs_decision d;
    d.trade = 0;
    d.hedge_target = 0;
    d.n_options = 0;
    rc = e->spec.type->step(e->strategy_state, &e->view, &d);
    if (rc) {
        char tb[32];
        hs_error_prefix("run '%s' (%s) at %s: ", e->spec.name,
                        e->spec.type->name,
                        hs_cal_format_time(p->time[t], tb, sizeof tb));
        return rc == HS_ITEROVER ? HS_ESTRATEGY : rc;
    }
    if (d.trade && !isfinite(d.hedge_target)) {
        char tb[32];
        return hs_error_set(HS_ESTRATEGY,
                            "run '%s' (%s) at %s: the strategy returned a "
                            "non-finite hedge target",
                            e->spec.name, e->spec.type->name,
                            hs_cal_format_time(p->time[t], tb, sizeof tb));
    }
    if (e->exposure == 0)
        flatten(e, &d);
    if (t + 1 == p->n_steps) { /* no orders at the run's final step */
        d.trade = 0;
        d.n_options = 0;
    }
    if (d.trade) {
        double target = round_contracts(d.hedge_target, e->spec.contract_size);
        if (hs_hedge__order(&e->hedge, c->exec, (size_t)c->hedge, t, target,
                            e->spec.contract_size, close,
                            e->at_close && real, &hf, &f) &&
            !e->summary_only)
            record_fill(e, t, &f);
    }
    if (d.n_options && (rc = options_orders(e, t, &d, &of)))
        return rc;

    /* 6. Record. */
    const double h = e->hedge.qty;
    const double equity = hs_engine__equity(e);
    const double prev_equity = t > c->live_from ? s->equity[t - 1] : b->capital;
    s->equity[t] = equity;
    s->ret[t] = equity / prev_equity - 1.0;
    s->fees[t] = -(bf.fee + hf.fee + of.fee);
    s->slippage[t] = -(bf.slippage + hf.slippage + of.slippage);
    s->funding[t] = hf.funding;
    s->premium[t] = of.premium;
    if (options)
        record_options(e, t);
    s->beta[t] = e->beta;
    s->hedge_ratio[t] = e->exposure != 0 ? -h * close / e->exposure : NAN;
    s->traded[t] = bf.traded + hf.traded + of.traded;
    if (!e->summary_only) { /* HS_SERIES_DETAIL */
        s->pnl_book[t] = bf.pnl;
        s->pnl_hedge[t] = hf.pnl;
        s->pnl_options[t] = of.pnl;
        s->total_delta[t] = s->opt_delta[t] + h;
        s->hedge_qty[t] = h;
        s->hedge_notional[t] = h * close;
        s->hedge_traded[t] = hf.traded;
    }
    e->written = t + 1;

    /* 7. The attribution must add up to the equity change. */
    {
        double sum = bf.pnl + hf.pnl + of.pnl + s->fees[t] + s->slippage[t] +
                     s->funding[t]; /* (the recorded terms) */
        double diff = (equity - prev_equity) - sum;
        const double scale = fabs(equity) > 1.0 ? fabs(equity) : 1.0;
        if (!(fabs(diff) <= e->tol * scale)) { /* (fmax, without the call) */
            char tb[32];
            return hs_error_set(HS_ENUMERIC,
                                "run '%s' at %s: P&L attribution %.10g differs "
                                "from the equity change %.10g",
                                e->spec.name,
                                hs_cal_format_time(p->time[t], tb, sizeof tb),
                                sum, equity - prev_equity);
        }
    }
    if (t + 1 == p->n_steps) { /* complete: its beta series is whole */
        e->beta_complete = e->spec.beta != NULL;
        e->beta_generation = e->ctx->generation;
    }
    return 0;
}

int hs_engine_step(hs_engine *e) { return engine_step(e); }

int hs_engine_run(hs_engine *e)
{
    int rc;
    while ((rc = engine_step(e)) == 0)
        ;
    return rc == HS_ITEROVER ? 0 : rc;
}

int hs_engine_metrics(const hs_engine *e, hs_metrics *out)
{
    const hs_context *c = e->ctx;
    /* The formation step (live_from: the book and the hedge are bought, it
     * holds only their costs) is left out: metrics start at the next. */
    const size_t lf = c->live_from + 1, n = e->s.n_steps;
    if (e->t < n || n <= lf + 1)
        return hs_error_set(HS_EINVAL,
                            "run '%s': metrics need a finished run of at least "
                            "2 live steps after the formation step",
                            e->spec.name);
    const size_t m = n - lf;
    /* The unhedged returns and the risk-free rate are the context's, the
     * workspace the engine's: nothing is allocated here. */
    live_series(e); /* (nothing stale in a run that recorded its end) */
    hs_metrics_input in = {
        .n = m,
        .equity = e->s.equity + lf,
        .r_h = e->s.ret + lf,
        .r_u = c->book_ret,
        .r_m = c->bench_ret + lf,
        .traded = e->s.traded + lf,
        .fees = e->s.fees + lf,
        .slippage = e->s.slippage + lf,
        .funding = e->s.funding + lf,
        .premium = e->s.premium + lf,
        .target_beta = e->spec.target_beta,
        .periods_per_year = c->periods_per_year,
        .risk_free = c->rf_mean,
    };
    return hs_metrics_compute(&in, out, e->scratch);
}
