/* Run plans: from a config and a panel to engines, chain source and
 * results.  The one place where a config becomes runs. */
#include "hedgesim/plan.h"
#include "hedgesim/calendar.h"
#include "hedgesim/chain.h"
#include "hedgesim/errors.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hs_plan {
    const hs_config *cfg;
    hs_store *store;
    hs_panel *panel;
    int owns_panel;
    hs_context *ctx;
    hs_chain_source *chains; /* NULL: no run trades options */
    int modeled;             /* chains are modeled */
    int opt_under, opt_vol;  /* panel indices (-1: none) */
    size_t live_from;
    int book_idx[HS_CONFIG_MAX_ASSETS];
    size_t n_runs;
    hs_run_spec spec[HS_CONFIG_MAX_RUNS];
    hs_engine *eng[HS_CONFIG_MAX_RUNS];
    hs_metrics met[HS_CONFIG_MAX_RUNS];
    int has_met[HS_CONFIG_MAX_RUNS];
    int bench, hedge;                   /* panel indices */
    int failed[HS_CONFIG_MAX_RUNS];     /* the run's error code, 0: none */
    char why[HS_CONFIG_MAX_RUNS][HS_PLAN_REASON_MAX]; /* its message */
    size_t hedged[HS_CONFIG_MAX_RUNS];  /* live steps with a beta */
};

/* Run i failed with `rc`: keep the message, stop stepping it. */
static void fail_run(hs_plan *pl, size_t i, int rc)
{
    const char *msg = hs_error_last();
    pl->failed[i] = rc;
    pl->has_met[i] = 0;
    snprintf(pl->why[i], sizeof pl->why[i], "%s",
             msg[0] ? msg : hs_strerror(rc));
}

/* 0 if some run completed; else the first run's code, with a message that
 * gives every run's reason. */
static int unless_all_failed(hs_plan *pl)
{
    char msg[2048];
    if (pl->n_runs == 0)
        return 0;
    for (size_t i = 0; i < pl->n_runs; i++)
        if (!pl->failed[i])
            return 0;
    if (pl->n_runs == 1)
        return hs_error_set(pl->failed[0], "%s", pl->why[0]);
    snprintf(msg, sizeof msg, "every run failed");
    for (size_t i = 0; i < pl->n_runs; i++) {
        size_t len = strlen(msg);
        snprintf(msg + len, sizeof msg - len, "%s %s", i ? ";" : ":",
                 pl->why[i]);
    }
    return hs_error_set(pl->failed[0], "%s", msg);
}

int hs_plan_lookback(const hs_config *cfg, const hs_registry *reg,
                     size_t *out)
{
    if (cfg->lookback) {
        *out = cfg->lookback;
        return 0;
    }
    /* Assets need min_history bars to join the basket, then the slowest
     * estimator of the config needs its warm-up on the basket's returns. */
    size_t warm = 0;
    for (size_t i = 0; i < cfg->n_runs; i++) {
        hs_run_spec any;
        int rc = hs_config_run_spec(cfg, i, reg, &any);
        if (rc)
            return rc;
        if (any.beta) {
            size_t w = hs_beta_warmup(any.beta, &any.beta_params);
            if (w > warm)
                warm = w;
        }
    }
    *out = cfg->min_history + warm + 1;
    return 0;
}

double hs_plan_periods_per_year(const hs_config *cfg)
{
    if (cfg->periods_per_year > 0)
        return cfg->periods_per_year;
    return hs_cal_days_per_year(cfg->calendar) * (double)HS_MS_PER_DAY /
           (double)cfg->step_ms;
}

/* Resolve the selected runs into specs. */
static int resolve_runs(hs_plan *pl, const hs_registry *reg,
                        const hs_plan_opts *o)
{
    const hs_config *cfg = pl->cfg;
    for (size_t k = 0; k < o->n_only; k++) {
        size_t i;
        for (i = 0; i < cfg->n_runs; i++)
            if (!strcmp(cfg->runs[i].name, o->only[k]))
                break;
        if (i == cfg->n_runs) {
            char names[1024] = "";
            for (size_t j = 0; j < cfg->n_runs; j++) {
                strncat(names, j ? ", " : "", sizeof names - strlen(names) - 1);
                strncat(names, cfg->runs[j].name,
                        sizeof names - strlen(names) - 1);
            }
            return hs_error_set(HS_ECONFIG,
                                "%s has no [strategy.%s] (its runs: %s)",
                                cfg->path, o->only[k], names);
        }
    }
    for (size_t i = 0; i < cfg->n_runs; i++) {
        int chosen = o->n_only == 0;
        for (size_t k = 0; k < o->n_only; k++)
            chosen |= !strcmp(cfg->runs[i].name, o->only[k]);
        if (!chosen)
            continue;
        hs_run_spec *s = &pl->spec[pl->n_runs];
        int rc = hs_config_run_spec(cfg, i, reg, s);
        if (rc)
            return rc;
        if ((s->type->flags & HS_STRATEGY_OPTIONS) && !cfg->has_options)
            return hs_error_set(HS_ECONFIG,
                                "%s: [strategy.%s] type %s trades options: "
                                "add an [options] section "
                                "(docs/configuration.md)",
                                cfg->path, s->name, s->type->name);
        pl->n_runs++;
    }
    return 0;
}

/* Every instrument has a quote currency.  USDT-quoted ones are taken as
 * USD only when the config says so (hedgesim has no USDT/USD series); the
 * note says it only then.  USD-quoted instruments need nothing. */
static int check_quotes(hs_plan *pl)
{
    const hs_config *cfg = pl->cfg;
    const hs_panel *p = pl->panel;
    int usdt = 0;
    for (size_t a = 0; a < p->n_assets; a++) {
        hs_instrument ins;
        int rc = hs_store_instrument(pl->store, p->symbol[a], &ins);
        if (rc)
            return rc;
        if (strcmp(ins.quote, "USDT") != 0)
            continue;
        if (cfg->usdt_is_usd != 1)
            return hs_error_set(
                HS_ECONFIG,
                "%s: [data] usdt_is_usd %s: %s is quoted in USDT and "
                "hedgesim has no USDT/USD series; set usdt_is_usd = true to "
                "take USDT as USD",
                cfg->path[0] ? cfg->path : "config",
                cfg->usdt_is_usd == 0 ? "= false" : "is not set",
                p->symbol[a]);
        usdt = 1;
    }
    if (usdt)
        hs_panel_note(pl->panel,
                      "USDT prices treated as USD (data.usdt_is_usd)");
    return 0;
}

/* Load the panel the config describes: book assets, benchmark, the options'
 * underlying and vol index when options are configured, the hedge last. */
static int load_panel(hs_plan *pl)
{
    const hs_config *cfg = pl->cfg;
    const char *symbols[HS_CONFIG_MAX_ASSETS + 3];
    hs_history_opts ho;
    if (!pl->store)
        return hs_error_set(HS_EINVAL, "%s: no store to load the panel from",
                            cfg->path);
    hs_config_history(cfg, symbols, &ho);
    ho.lookback = pl->live_from;
    if (cfg->has_options) {
        /* The underlying (unless already loaded) and the vol index, which
         * may start inside the window (DVOL from 2021-03-24). */
        size_t n = ho.n_symbols, i;
        for (i = 0; i < n; i++)
            if (!strcmp(symbols[i], cfg->opt_underlying))
                break;
        if (i == n)
            symbols[n++] = cfg->opt_underlying;
        if (cfg->opt_chains == 0 && cfg->opt_vol_index[0]) {
            /* A price series read as a volatility level would be a silent
             * wrong answer: the store must call it an index. */
            hs_instrument ins;
            int rc = hs_store_instrument(pl->store, cfg->opt_vol_index, &ins);
            if (rc == 0 && ins.kind != HS_KIND_INDEX)
                return hs_error_set(
                    HS_ECONFIG,
                    "%s: [options] vol_index: %s is a %s series, not a "
                    "volatility index (an instrument of kind index, e.g. "
                    "BTC-DVOL; 'none' for realized volatility)",
                    cfg->path, cfg->opt_vol_index, hs_kind_name(ins.kind));
            if (rc && rc != HS_ENOTFOUND)
                return rc;
            hs_error_clear();
            symbols[n++] = cfg->opt_vol_index;
            ho.n_optional = 1;
        }
        ho.n_symbols = n;
    }
    int rc = hs_market_load_history(pl->store, &ho, &pl->panel);
    if (rc)
        return rc;
    pl->owns_panel = 1;
    return check_quotes(pl);
}

/* Index of `sym` in the panel, first (or last) occurrence. */
static int find_symbol(const hs_panel *p, const char *sym, int last)
{
    int found = -1;
    for (size_t a = 0; a < p->n_assets; a++)
        if (!strcmp(p->symbol[a], sym)) {
            found = (int)a;
            if (!last)
                break;
        }
    return found;
}

static int need_symbol(const hs_plan *pl, const char *sym, const char *what,
                       int last, int *out)
{
    *out = find_symbol(pl->panel, sym, last);
    if (*out < 0)
        return hs_error_set(HS_EDATA, "%s: the panel has no %s %s",
                            pl->cfg->path, what, sym);
    return 0;
}

static int build_context(hs_plan *pl)
{
    const hs_config *cfg = pl->cfg;
    int bench, hedge, rc;
    for (size_t i = 0; i < cfg->n_assets; i++)
        if ((rc = need_symbol(pl, cfg->assets[i], "book asset", 0,
                              &pl->book_idx[i])))
            return rc;
    if ((rc = need_symbol(pl, cfg->benchmark, "benchmark", 0, &bench)) ||
        (rc = need_symbol(pl, cfg->instrument, "hedge instrument", 1,
                          &hedge)))
        return rc;
    hs_context_opts co = {
        .bench = bench,
        .hedge = hedge,
        .live_from = pl->live_from,
        /* The calendar's sessions a year per step, unless stated; 24x7 is
         * the engine's own default (365 days of steps). */
        .periods_per_year =
            cfg->periods_per_year > 0 ? cfg->periods_per_year
            : cfg->calendar == HS_CAL_24X7
                ? 0
                : hs_cal_days_per_year(cfg->calendar) * (double)HS_MS_PER_DAY /
                      (double)cfg->step_ms,
        .book = {.n_assets = cfg->n_assets,
                 .asset = pl->book_idx,
                 .weighting = cfg->weighting,
                 .fixed = cfg->weights,
                 .capital = cfg->capital,
                 .rebalance = cfg->rebalance,
                 .min_history = cfg->min_history,
                 .vol_window = cfg->vol_window,
                 .beta_input = cfg->beta_input,
                 .delisting = cfg->delisting},
        .exec = cfg->exec,
    };
    pl->bench = bench;
    pl->hedge = hedge;
    return hs_context_new(&pl->ctx, pl->panel, &co);
}

/* A data note when the book holds nothing at some live steps: every run is
 * then flat (the engine's rule), and the reader should know why. */
static void note_empty_book(hs_plan *pl)
{
    const hs_book *b = hs_context_book(pl->ctx);
    const hs_panel *p = pl->panel;
    const size_t n = p->n_steps;
    size_t empty = 0, first = n, tail = n;
    char tb[32];
    for (size_t t = pl->live_from; t < n; t++)
        if (b->exposure[t] == 0) {
            empty++;
            if (first == n)
                first = t;
            if (tail == n)
                tail = t;
        } else {
            tail = n;
        }
    if (tail < n && tail > pl->live_from) {
        hs_panel_note(pl->panel,
                      "every book asset is delisted from %s: nothing left to "
                      "hedge, so every run closes its hedge (and options) "
                      "and stays flat for the last %zu steps",
                      hs_cal_format_time(p->time[tail], tb, sizeof tb),
                      n - tail);
        empty -= n - tail;
        if (first == tail)
            return;
    }
    if (empty)
        hs_panel_note(pl->panel,
                      "the book holds nothing on %zu live steps (first %s): "
                      "nothing to hedge there, every run is flat",
                      empty, hs_cal_format_time(p->time[first], tb, sizeof tb));
}

/* The option settings of the config, into a spec that trades options. */
static void wire_options(const hs_plan *pl, hs_run_spec *s)
{
    const hs_config *cfg = pl->cfg;
    if (!(s->type->flags & HS_STRATEGY_OPTIONS) || !pl->chains)
        return;
    s->options.chains = pl->chains;
    s->options.underlying = pl->opt_under;
    s->options.multiplier = cfg->opt_multiplier;
    s->options.fee_rate = cfg->opt_fee_rate;
    s->options.fee_cap = cfg->opt_fee_cap;
    s->options.max_positions = cfg->opt_max_positions;
}

/* The data note that labels the option chains (none without options). */
static void note_chains(hs_plan *pl)
{
    const hs_config *cfg = pl->cfg;
    if (!pl->chains)
        return;
    if (pl->modeled)
        hs_panel_note(pl->panel,
                      "option quotes are MODELED, not exchange data: ATM vol "
                      "from %s%s",
                      pl->opt_vol >= 0 ? cfg->opt_vol_index
                                       : "realized volatility",
                      pl->opt_vol >= 0 ? " where it has data, realized "
                                         "volatility before"
                                       : "");
    else
        hs_panel_note(pl->panel,
                      "option quotes replayed from the store's snapshots (%s)",
                      cfg->opt_source[0] ? cfg->opt_source : "exchange");
}

/* The chain source of the runs that trade options, labelled in the notes. */
static int build_chains(hs_plan *pl)
{
    const hs_config *cfg = pl->cfg;
    int need = 0, rc;
    for (size_t i = 0; i < pl->n_runs; i++)
        need |= (pl->spec[i].type->flags & HS_STRATEGY_OPTIONS) != 0;
    if (!need)
        return 0;
    if ((rc = need_symbol(pl, cfg->opt_underlying, "option underlying", 0,
                          &pl->opt_under)))
        return rc;
    pl->modeled = cfg->opt_chains == 0;
    if (pl->modeled) {
        pl->opt_vol = cfg->opt_vol_index[0]
                          ? find_symbol(pl->panel, cfg->opt_vol_index, 0)
                          : -1;
        if (pl->opt_vol >= 0 && pl->panel->first[pl->opt_vol] < 0)
            pl->opt_vol = -1; /* no index data in the window: realized vol */
        rc = hs_chain_source_model(&pl->chains, pl->panel, pl->opt_under,
                                   pl->opt_vol, &cfg->opt_model);
        if (rc)
            return rc;
        note_chains(pl);
    } else {
        if (!pl->store)
            return hs_error_set(HS_EINVAL,
                                "%s: replayed option chains need the store",
                                cfg->path);
        rc = hs_chain_source_store(&pl->chains, pl->store, pl->panel,
                                   cfg->opt_underlying,
                                   cfg->opt_source[0] ? cfg->opt_source : NULL,
                                   cfg->opt_max_age);
        if (rc)
            return rc;
        note_chains(pl);
    }
    for (size_t i = 0; i < pl->n_runs; i++)
        wire_options(pl, &pl->spec[i]);
    return 0;
}

int hs_plan_new(hs_plan **out, const hs_config *cfg, const hs_registry *reg,
                hs_store *store, const hs_plan_opts *opts)
{
    const hs_plan_opts dflt = HS_PLAN_OPTS_INIT;
    const hs_plan_opts *o = opts ? opts : &dflt;
    hs_plan *pl = NULL;
    int rc;
    *out = NULL;
    pl = calloc(1, sizeof *pl);
    if (!pl)
        return hs_error_set(HS_ENOMEM, "out of memory");
    pl->cfg = cfg;
    pl->store = store;
    pl->opt_under = pl->opt_vol = -1;
    if ((rc = resolve_runs(pl, reg, o)))
        goto fail;
    if (o->panel && o->live_from)
        pl->live_from = o->live_from;
    else if ((rc = hs_plan_lookback(cfg, reg, &pl->live_from)))
        goto fail;
    if (o->panel)
        pl->panel = o->panel;
    else if ((rc = load_panel(pl)))
        goto fail;
    if ((rc = build_context(pl)) || (rc = build_chains(pl)))
        goto fail;
    if (!o->panel) /* a panel handed in has its notes, and may be shared */
        hs_book_note_assets(hs_context_book(pl->ctx), pl->panel);
    note_empty_book(pl);
    for (size_t i = 0; i < pl->n_runs; i++) {
        if ((rc = hs_engine_new(&pl->eng[i], pl->ctx, &pl->spec[i])))
            goto fail;
        hs_engine_set_summary_only(pl->eng[i], o->summary_only);
    }
    *out = pl;
    return 0;
fail:
    hs_plan_free(pl);
    return rc;
}

void hs_plan_free(hs_plan *pl)
{
    if (!pl)
        return;
    for (size_t i = 0; i < pl->n_runs; i++)
        hs_engine_free(pl->eng[i]);
    hs_context_free(pl->ctx);
    hs_chain_source_free(pl->chains);
    if (pl->owns_panel)
        hs_panel_free(pl->panel);
    free(pl);
}

int hs_plan_step(hs_plan *pl)
{
    size_t left = 0;
    for (size_t i = 0; i < pl->n_runs; i++) {
        if (pl->failed[i])
            continue;
        int rc = hs_engine_step(pl->eng[i]);
        if (rc == 0)
            left++;
        else if (rc != HS_ITEROVER)
            fail_run(pl, i, rc); /* the others go on */
    }
    return left ? 0 : HS_ITEROVER;
}

/* The estimator's observations over steps [from, to): how many have both
 * returns finite, and whether its regressor (benchmark or hedge returns)
 * took a single value in all of them. */
static void beta_inputs(const hs_plan *pl, size_t i, size_t from, size_t to,
                        size_t *n_obs, int *constant)
{
    const hs_panel *p = pl->panel;
    const hs_book *b = hs_context_book(pl->ctx);
    const int on_hedge = (pl->spec[i].type->flags & HS_STRATEGY_BETA_ON_HEDGE) != 0;
    const size_t a = (size_t)(on_hedge ? pl->hedge : pl->bench), na = p->n_assets;
    double x0 = NAN;
    *n_obs = 0;
    *constant = 1;
    for (size_t t = from > 0 ? from : 1; t < to; t++) {
        size_t k = t * na + a;
        if (p->state[k] == HS_BAR_ABSENT || p->state[k - na] == HS_BAR_ABSENT)
            continue;
        double x = p->close[k] / p->close[k - na] - 1.0;
        if (!isfinite(x) || !isfinite(b->ret[t]))
            continue;
        if ((*n_obs)++ == 0)
            x0 = x;
        else if (x != x0)
            *constant = 0;
    }
}

/* Why run i's estimator had no estimate before step `first` (n: never):
 * too few observations (before start, when it warmed up late), or a
 * regressor that does not move.  Into buf. */
static void why_no_beta(const hs_plan *pl, size_t i, size_t first, char *buf,
                        size_t size)
{
    const hs_run_spec *s = &pl->spec[i];
    const size_t n = pl->panel->n_steps, lf = pl->live_from;
    const size_t warm = hs_beta_warmup(s->beta, &s->beta_params);
    const int on_hedge = (s->type->flags & HS_STRATEGY_BETA_ON_HEDGE) != 0;
    size_t n_obs, n_before;
    int constant, unused;
    beta_inputs(pl, i, 0, first < n ? first + 1 : n, &n_obs, &constant);
    beta_inputs(pl, i, 0, lf + 1, &n_before, &unused);
    if (n_obs >= warm && n_obs > 1 && constant)
        snprintf(buf, size,
                 "the %s %s's returns are constant over %zu observations (its "
                 "price does not move): beta, a covariance over their "
                 "variance, is undefined",
                 on_hedge ? "hedge instrument" : "benchmark",
                 pl->panel->symbol[on_hedge ? pl->hedge : pl->bench], n_obs);
    else if (first == n && n_obs < warm)
        snprintf(buf, size,
                 "the history is too short for its window: %zu return "
                 "observations of the %zu it needs",
                 n_obs, warm);
    else if (first < n && n_before < warm)
        snprintf(buf, size,
                 "the history up to start gives %zu of the %zu return "
                 "observations its window needs (a longer [data] lookback, "
                 "or a later start, would cover it)",
                 n_before, warm);
    else
        snprintf(buf, size,
                 "it gave no finite estimate from %zu return observations "
                 "(degenerate data)",
                 n_obs);
}

/* Metrics of a finished run; the steps it hedged (those with a beta
 * estimate), with a data note when its estimator warmed up late, and an
 * error when it never did. */
static int finish_run(hs_plan *pl, size_t i)
{
    const hs_run_spec *s = &pl->spec[i];
    const hs_run_series *se = hs_engine_series(pl->eng[i]);
    const size_t lf = pl->live_from, n = se->n_steps;
    char why[512], tb[32];
    int rc;
    pl->has_met[i] = 0;
    pl->hedged[i] = n - lf;
    if (s->beta) {
        size_t ok = 0, first = n;
        for (size_t t = lf; t < n; t++)
            if (isfinite(se->beta[t])) {
                ok++;
                if (first == n)
                    first = t;
            }
        pl->hedged[i] = ok;
        if (ok == 0) {
            why_no_beta(pl, i, n, why, sizeof why);
            return hs_error_set(HS_EDATA,
                                "run '%s': the %s estimator never warmed up: %s",
                                s->name, s->beta->name, why);
        }
        if (first > lf) {
            char note[1024];
            why_no_beta(pl, i, first, why, sizeof why);
            snprintf(note, sizeof note,
                     "run '%s': no %s beta before %s, so only %zu of %zu live "
                     "steps are hedged: %s",
                     s->name, s->beta->name,
                     hs_cal_format_time(pl->panel->time[first], tb, sizeof tb),
                     ok, n - lf, why);
            if (!strstr(pl->panel->notes, note)) /* once, across reruns */
                hs_panel_note(pl->panel, "%s", note);
        }
    }
    /* Trades of held contracts the visible chain lacked (a replayed
     * snapshot without the strike): one note with their count. */
    size_t off = 0;
    for (size_t k = 0; k < se->n_otrades; k++)
        off += se->ot_kind[k] && strchr("bspq", se->ot_kind[k]) != NULL;
    if (off > 0) {
        char note[512];
        snprintf(note, sizeof note,
                 "run '%s': %zu option trade%s of held contracts missing from "
                 "the visible chain, priced on its smile or at the last mark "
                 "(off_chain = 1 in option_trades)",
                 s->name, off, off == 1 ? "" : "s");
        if (!strstr(pl->panel->notes, note)) /* once, across reruns */
            hs_panel_note(pl->panel, "%s", note);
    }
    if ((rc = hs_engine_metrics(pl->eng[i], &pl->met[i])))
        return rc;
    pl->has_met[i] = 1;
    return 0;
}

int hs_plan_finish(hs_plan *pl)
{
    for (size_t i = 0; i < pl->n_runs; i++) {
        int rc;
        if (pl->failed[i])
            continue;
        if (hs_engine_cursor(pl->eng[i]) < pl->panel->n_steps)
            return hs_error_set(HS_EINVAL,
                                "run '%s' has not run to the end",
                                pl->spec[i].name);
        if (!pl->has_met[i] && (rc = finish_run(pl, i)))
            fail_run(pl, i, rc);
    }
    return unless_all_failed(pl);
}

int hs_plan_run(hs_plan *pl)
{
    int rc;
    while ((rc = hs_plan_step(pl)) == 0)
        ;
    return rc == HS_ITEROVER ? hs_plan_finish(pl) : rc;
}

int hs_plan_run_strict(hs_plan *pl)
{
    int rc = hs_plan_run(pl);
    if (rc)
        return rc;
    for (size_t i = 0; i < pl->n_runs; i++)
        if (pl->failed[i])
            return hs_error_set(pl->failed[i], "%s", pl->why[i]);
    return 0;
}

int hs_plan_rerun(hs_plan *pl, size_t i, const hs_run_spec *spec)
{
    int rc;
    if (i >= pl->n_runs)
        return hs_error_set(HS_EINVAL, "plan has no run %zu", i);
    if ((spec->type->flags & HS_STRATEGY_OPTIONS) && !pl->chains)
        return hs_error_set(HS_ECONFIG,
                            "run '%s': type %s trades options, and the plan "
                            "has no option chains",
                            spec->name, spec->type->name);
    pl->spec[i] = *spec;
    wire_options(pl, &pl->spec[i]);
    pl->has_met[i] = 0;
    pl->failed[i] = 0;
    pl->why[i][0] = '\0';
    if ((rc = hs_engine_reset(pl->eng[i], &pl->spec[i])) ||
        (rc = hs_engine_run(pl->eng[i])))
        fail_run(pl, i, rc);
    return rc;
}

int hs_plan_reset(hs_plan *pl, const hs_exec_opts *exec)
{
    int rc;
    if ((rc = hs_context_refresh(pl->ctx, exec)))
        return rc;
    if (!pl->panel->notes[0]) { /* the panel's notes were cleared */
        note_chains(pl);
        note_empty_book(pl);
    }
    for (size_t i = 0; i < pl->n_runs; i++) {
        pl->has_met[i] = 0;
        pl->failed[i] = 0;
        pl->why[i][0] = '\0';
        pl->hedged[i] = 0;
        if ((rc = hs_engine_reset(pl->eng[i], &pl->spec[i])))
            fail_run(pl, i, rc);
    }
    return 0;
}

int hs_plan_write(const hs_plan *pl, const char *path, int force,
                  const hs_results_meta *meta)
{
    hs_run_output outs[HS_CONFIG_MAX_RUNS];
    hs_run_failure bad[HS_CONFIG_MAX_RUNS];
    size_t n_ok = 0, n_bad = 0;
    for (size_t i = 0; i < pl->n_runs; i++) {
        if (pl->failed[i]) {
            bad[n_bad].run = pl->spec[i].name;
            bad[n_bad].type = pl->spec[i].type->name;
            bad[n_bad].error = hs_strerror(pl->failed[i]);
            bad[n_bad].reason = pl->why[i];
            n_bad++;
            continue;
        }
        if (!pl->has_met[i])
            return hs_error_set(HS_EINVAL,
                                "run '%s' has no metrics: run the plan (or "
                                "hs_plan_finish) before writing",
                                pl->spec[i].name);
        outs[n_ok].spec = &pl->spec[i];
        outs[n_ok].series = hs_engine_series(pl->eng[i]);
        outs[n_ok].metrics = &pl->met[i];
        outs[n_ok].steps_hedged = pl->hedged[i];
        n_ok++;
    }
    if (n_ok == 0 && pl->n_runs > 0)
        return hs_error_set(HS_EINVAL, "no run completed: nothing to write");
    hs_results_meta m = *meta;
    m.rolling_window = pl->cfg->rolling_window;
    m.modeled_data = pl->modeled;
    m.failed = bad;
    m.n_failed = n_bad;
    return hs_results_write_runs(path, force, &m, pl->ctx, outs, n_ok);
}

size_t hs_plan_n_runs(const hs_plan *pl) { return pl->n_runs; }
const hs_run_spec *hs_plan_spec(const hs_plan *pl, size_t i)
{
    return &pl->spec[i];
}
const hs_run_series *hs_plan_series(const hs_plan *pl, size_t i)
{
    return hs_engine_series(pl->eng[i]);
}
const hs_metrics *hs_plan_metrics(const hs_plan *pl, size_t i)
{
    return pl->has_met[i] ? &pl->met[i] : NULL;
}
int hs_plan_failed(const hs_plan *pl, size_t i) { return pl->failed[i]; }
const char *hs_plan_failure(const hs_plan *pl, size_t i)
{
    return pl->why[i];
}
size_t hs_plan_n_failed(const hs_plan *pl)
{
    size_t n = 0;
    for (size_t i = 0; i < pl->n_runs; i++)
        n += pl->failed[i] != 0;
    return n;
}
size_t hs_plan_steps_hedged(const hs_plan *pl, size_t i)
{
    return pl->has_met[i] ? pl->hedged[i] : 0;
}
const hs_panel *hs_plan_panel(const hs_plan *pl) { return pl->panel; }
hs_panel *hs_plan_panel_shared(hs_plan *pl) { return pl->panel; }
const hs_context *hs_plan_context(const hs_plan *pl) { return pl->ctx; }
size_t hs_plan_live_from(const hs_plan *pl) { return pl->live_from; }
int hs_plan_modeled(const hs_plan *pl) { return pl->modeled; }
