/* Shock transplant: a crisis window's joint returns, day by day, applied to
 * the book and hedge as they stand on another date.  The result is a panel
 * (history up to the date, then a synthetic continuation) that one plan
 * runs like any other.  docs/stress.md. */
#include "stress_int.h"

#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"
#include "hedgesim/rng.h"
#include "hedgesim/stress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRY(expr)                                                              \
    do {                                                                       \
        if ((rc = (expr)) != 0)                                                \
            goto done;                                                         \
    } while (0)

/* FNV-1a, 64 bits, of a symbol: the path number of its residual stream,
 * so that an asset's draws depend on the seed and its name only. */
static uint64_t fnv1a(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

/* Column of the crisis panel for column a of `today`: the same symbol's
 * occurrence of the same rank, else its first; -1 if none. */
static int match_column(const hs_panel *today, size_t a, const hs_panel *cr)
{
    int rank = 0, first = -1;
    for (size_t b = 0; b < a; b++)
        rank += !strcmp(today->symbol[b], today->symbol[a]);
    for (size_t b = 0; b < cr->n_assets; b++)
        if (!strcmp(cr->symbol[b], today->symbol[a])) {
            if (first < 0)
                first = (int)b;
            if (rank-- == 0)
                return (int)b;
        }
    return first;
}

static int real(const hs_panel *p, size_t t, size_t a)
{
    return p->state[t * p->n_assets + a] == HS_BAR_OK;
}

static int has_bar(const hs_panel *p, size_t t, size_t a)
{
    return p->state[t * p->n_assets + a] != HS_BAR_ABSENT;
}

/* The log returns of asset a and of the benchmark from t - 1 to t, when
 * both have real bars at both steps: 1 and *x, *y set; else 0. */
static int log_pair(const hs_panel *p, size_t t, size_t a, size_t bench,
                    double *x, double *y)
{
    const size_t na = p->n_assets;
    if (!real(p, t, a) || !real(p, t - 1, a) || !real(p, t, bench) ||
        !real(p, t - 1, bench))
        return 0;
    *x = log(p->close[t * na + bench] / p->close[(t - 1) * na + bench]);
    *y = log(p->close[t * na + a] / p->close[(t - 1) * na + a]);
    return 1;
}

/* OLS of asset a's log returns on the benchmark's over the steps of
 * `today` in (T - window, T] where both have real bars at t and t - 1:
 * the slope into *beta, the residuals (intercept removed) into res[],
 * their number into *n. */
static void fit_beta(const hs_panel *p, size_t a, size_t bench,
                     size_t window, double *beta, double *res, size_t *n)
{
    const size_t T = p->n_steps - 1, lo = T >= window ? T - window + 1 : 1;
    double sx = 0, sy = 0, sxx = 0, sxy = 0, x, y;
    size_t m = 0;
    for (size_t t = lo > 0 ? lo : 1; t <= T; t++) {
        if (!log_pair(p, t, a, bench, &x, &y))
            continue;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        m++;
    }
    *n = m;
    *beta = NAN;
    if (m < 2)
        return;
    const double mx = sx / (double)m, my = sy / (double)m;
    const double vx = sxx - (double)m * mx * mx;
    if (!(vx > 0))
        return;
    *beta = (sxy - (double)m * mx * my) / vx;
    const double alpha = my - *beta * mx;
    m = 0;
    for (size_t t = lo > 0 ? lo : 1; t <= T; t++)
        if (log_pair(p, t, a, bench, &x, &y))
            res[m++] = y - alpha - *beta * x;
}

int hs_transplant_panel(hs_panel **out, const hs_panel *today,
                        const hs_panel *crisis, size_t c0,
                        const hs_transplant_opts *o)
{
    const size_t na = today->n_assets, nc = crisis->n_assets;
    const size_t bw = o->beta_window ? o->beta_window
                                     : HS_TRANSPLANT_BETA_WINDOW;
    const char *wname = o->window ? o->window : "the window";
    hs_panel *p = NULL;
    double *res = NULL;
    char d[32], t0[32], t1[32];
    int rc = 0;
    *out = NULL;
    if (today->n_steps < o->warm + 1 || c0 < 1 || c0 >= crisis->n_steps ||
        today->step_ms != crisis->step_ms)
        return hs_error_set(HS_EINVAL,
                            "transplant: %zu steps up to the date for a "
                            "warm-up of %zu, the window from step %zu of "
                            "%zu, steps of %lld and %lld ms",
                            today->n_steps, o->warm, c0, crisis->n_steps,
                            (long long)today->step_ms,
                            (long long)crisis->step_ms);
    const size_t T = today->n_steps - 1, L = crisis->n_steps - c0;
    const size_t W = o->warm, n = W + 1 + L;
    const int ib = hs_panel_find(today, o->benchmark);
    const int cb = hs_panel_find(crisis, o->benchmark);
    hs_cal_format_time(today->time[T], d, sizeof d);
    hs_cal_format_time(crisis->time[c0], t0, sizeof t0);
    hs_cal_format_time(crisis->time[crisis->n_steps - 1], t1, sizeof t1);
    if (ib < 0 || !has_bar(today, T, (size_t)ib))
        return hs_error_set(HS_EDATA, "transplant onto %s: the benchmark %s "
                                      "has no bar on that date",
                            d, o->benchmark);
    if (cb < 0)
        return hs_error_set(HS_EDATA, "%s: the benchmark %s has no data",
                            wname, o->benchmark);
    for (size_t s = c0 - 1; s < crisis->n_steps; s++)
        if (!has_bar(crisis, s, (size_t)cb)) {
            hs_cal_format_time(crisis->time[s], t0, sizeof t0);
            return hs_error_set(HS_EDATA,
                                "%s: the benchmark %s has no bar on %s: "
                                "its returns cannot be transplanted",
                                wname, o->benchmark, t0);
        }
    if ((rc = hs_panel_new(&p, n, na, today->step_ms)))
        return rc;
    res = malloc((bw ? bw : 1) * sizeof *res);
    if (!res) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(p->symbol, today->symbol, na * sizeof *p->symbol);
    /* History: today's last W + 1 steps. */
    const size_t from = T - W;
    memcpy(p->time, today->time + from, (W + 1) * sizeof *p->time);
    memcpy(p->rate, today->rate + from, (W + 1) * sizeof *p->rate);
    double *const dst[] = {p->open, p->high, p->low, p->close, p->volume,
                           p->funding};
    const double *const src[] = {today->open,  today->high,   today->low,
                                 today->close, today->volume, today->funding};
    for (size_t k = 0; k < 6; k++)
        memcpy(dst[k], src[k] + from * na, (W + 1) * na * sizeof(double));
    memcpy(p->state, today->state + from * na, (W + 1) * na);
    snprintf(p->notes, sizeof p->notes, "%s", today->notes);
    for (size_t k = 1; k <= L; k++) {
        p->time[W + k] = today->time[T] + (int64_t)k * today->step_ms;
        p->rate[W + k] = today->rate[T];
    }
    hs_panel_note(p,
                  "shock transplant: %s's returns (%s .. %s, %zu steps) "
                  "applied day by day from the close of %s; volumes and the "
                  "risk-free rate stay at that date's, funding is the "
                  "window's",
                  wname, t0, t1, L, d);

    /* The benchmark's crisis log returns, step k at rb[k - 1]. */
    double *rb = malloc(L * sizeof *rb);
    if (!rb) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t k = 1; k <= L; k++) {
        const size_t s = c0 + k - 1;
        rb[k - 1] = log(crisis->close[s * nc + (size_t)cb] /
                        crisis->close[(s - 1) * nc + (size_t)cb]);
    }

    for (size_t a = 0; a < na && rc == 0; a++) {
        const size_t iT = T * na + a;
        if (!has_bar(today, T, a))
            continue; /* not trading on the date: stays absent */
        const int ca = match_column(today, a, crisis);
        const int is_vol = o->vol_index && !strcmp(today->symbol[a], o->vol_index);
        double vol = today->volume[iT];
        for (size_t t = T + 1; t-- > 0;)
            if (real(today, t, a)) {
                vol = today->volume[t * na + a];
                break;
            }
        /* Steps at which the asset had no bar in the crisis. */
        size_t missing = 0;
        for (size_t k = 1; k <= L; k++) {
            const size_t s = c0 + k - 1;
            missing += ca < 0 || !has_bar(crisis, s, (size_t)ca) ||
                       !has_bar(crisis, s - 1, (size_t)ca);
        }
        double beta = NAN;
        size_t m = 0;
        hs_pcg32 g;
        if (missing && !is_vol) {
            fit_beta(today, a, (size_t)ib, bw, &beta, res, &m);
            if (m < HS_TRANSPLANT_MIN_OBS || !isfinite(beta)) {
                rc = hs_error_set(
                    HS_EDATA,
                    "transplant onto %s: %s has no bars in %s on %zu of its "
                    "%zu steps, and %zu returns in the %zu steps up to %s "
                    "(at least %d are needed for its beta to %s): choose a "
                    "later date or a longer beta window",
                    d, today->symbol[a], wname, missing, L, m, bw, d,
                    HS_TRANSPLANT_MIN_OBS, o->benchmark);
                break;
            }
            uint64_t st, sq;
            hs_rng_derive(o->seed, fnv1a(today->symbol[a]), HS_RNG_BOOTSTRAP,
                          &st, &sq);
            hs_pcg32_seed(&g, st, sq);
        }
        double prev = today->close[iT];
        for (size_t k = 1; k <= L; k++) {
            const size_t s = c0 + k - 1, i = (W + k) * na + a;
            p->volume[i] = vol;
            if (ca >= 0 && has_bar(crisis, s, (size_t)ca) &&
                has_bar(crisis, s - 1, (size_t)ca)) {
                const size_t j = s * nc + (size_t)ca;
                const double base = crisis->close[j - nc];
                p->open[i] = prev * (crisis->open[j] / base);
                p->high[i] = prev * (crisis->high[j] / base);
                p->low[i] = prev * (crisis->low[j] / base);
                p->close[i] = prev * (crisis->close[j] / base);
                p->state[i] = crisis->state[j];
                p->funding[i] = crisis->funding[j];
            } else if (is_vol) {
                p->open[i] = p->high[i] = p->low[i] = p->close[i] = prev;
                p->state[i] = HS_BAR_FILLED;
            } else {
                const double e = res[hs_pcg32_bounded(&g, (uint32_t)m)];
                const double c = prev * exp(beta * rb[k - 1] + e);
                p->open[i] = prev;
                p->close[i] = c;
                p->high[i] = fmax(prev, c);
                p->low[i] = fmin(prev, c);
                p->state[i] = HS_BAR_OK;
            }
            prev = p->close[i];
        }
        if (missing && is_vol)
            hs_panel_note(p,
                          "%s: no level in %s on %zu of %zu steps; carried "
                          "flat from %s",
                          today->symbol[a], wname, missing, L, d);
        else if (missing)
            hs_panel_note(p,
                          "%s: no data in %s on %zu of %zu steps; there beta "
                          "%.2f x %s's crisis log return + a residual "
                          "bootstrapped from its %zu log returns up to %s "
                          "(OLS over %zu steps, seed %llu)",
                          today->symbol[a], wname, missing, L, beta,
                          o->benchmark, m, d, bw,
                          (unsigned long long)o->seed);
    }
    free(rb);
    if (rc == 0) {
        hs_panel_finish(p);
        *out = p;
        p = NULL;
    }
done:
    free(res);
    hs_panel_free(p);
    return rc;
}

/* -------------------------------------------- the transplant's plan */

/* Steps [from, to] of src whose first and last times are known. */
static int steps_of(const hs_panel *src, int64_t start, int64_t end,
                    size_t *s0, size_t *s1)
{
    size_t a = 0, b;
    while (a < src->n_steps && src->time[a] < start)
        a++;
    if (a == src->n_steps || src->time[a] > end)
        return 0;
    for (b = a; b + 1 < src->n_steps && src->time[b + 1] <= end;)
        b++;
    *s0 = a;
    *s1 = b;
    return 1;
}

/* The crisis window's bars from the store, with the close before it: the
 * benchmark (required), then the book's assets, the options' underlying
 * and vol index (optional: an asset may not have traded then), the hedge
 * instrument last. */
static int load_crisis(const hs_config *cfg, hs_store *store,
                       const hs_window *crisis, hs_panel **out)
{
    hs_config *cc = NULL;
    const char *hist[HS_CONFIG_MAX_ASSETS + 3], *sym[HS_CONFIG_MAX_ASSETS + 3];
    hs_history_opts ho;
    size_t n = 0;
    int rc = hs_window_config(cfg, crisis, &cc);
    if (rc)
        return rc;
    hs_config_history(cc, hist, &ho);
    sym[n++] = cc->benchmark;
    const char *more[HS_CONFIG_MAX_ASSETS + 2];
    size_t nm = 0;
    for (size_t i = 0; i < cc->n_assets; i++)
        more[nm++] = cc->assets[i];
    if (cc->has_options) {
        more[nm++] = cc->opt_underlying;
        if (cc->opt_chains == 0 && cc->opt_vol_index[0])
            more[nm++] = cc->opt_vol_index;
    }
    for (size_t i = 0; i < nm; i++) {
        int dup = 0;
        for (size_t k = 0; k < n; k++)
            dup |= !strcmp(sym[k], more[i]);
        if (!dup)
            sym[n++] = more[i];
    }
    ho.symbols = sym;
    ho.n_symbols = n;
    ho.n_optional = n - 1;
    ho.lookback = 1; /* the close before the window's first step */
    rc = hs_market_load_history(store, &ho, out);
    hs_config_free(cc);
    return rc;
}

/* Before loading the book: the benchmark has a bar on the date (else the
 * date is outside the data: its range is given) and its bars reach back
 * over the warm-up (else the date is too early). */
static int check_date(hs_store *store, const hs_config *cfg, int64_t onto,
                      size_t lookback, const char *d)
{
    const char *sym[1] = {cfg->benchmark}, *hist[HS_CONFIG_MAX_ASSETS + 1];
    hs_history_opts ho;
    hs_panel *p = NULL;
    hs_instrument ins;
    hs_bar *bars = NULL;
    size_t nb = 0;
    char t0[32], t1[32];
    hs_config_history(cfg, hist, &ho);
    ho.symbols = sym;
    ho.n_symbols = 1;
    ho.hedge = NULL;
    ho.start = onto - 2 * cfg->step_ms;
    ho.end = onto;
    ho.lookback = lookback > 2 ? lookback - 2 : 1;
    ho.rate_series = NULL;
    int rc = hs_market_load_history(store, &ho, &p);
    if (rc == 0 && p->state[p->n_steps - 1] != HS_BAR_ABSENT &&
        p->time[p->n_steps - 1] == onto) {
        if (p->first[0] > 0)
            rc = hs_error_set(
                HS_EDATA,
                "transplant onto %s: too early: the warm-up of %zu steps "
                "before it starts on %s, before the first %s bar on %s; "
                "choose a later date",
                d, lookback, hs_cal_format_time(p->time[0], t0, sizeof t0),
                cfg->benchmark,
                hs_cal_format_time(p->time[p->first[0]], t1, sizeof t1));
        hs_panel_free(p);
        return rc;
    }
    hs_panel_free(p);
    if (rc && rc != HS_EDATA)
        return rc;
    /* Outside the data: say where the data is. */
    if ((rc = hs_store_instrument(store, cfg->benchmark, &ins)) ||
        (rc = hs_store_bars(store, ins.id, INT64_MIN, INT64_MAX, &bars, &nb)))
        return rc;
    if (nb)
        rc = hs_error_set(HS_EDATA,
                          "transplant onto %s: outside the data: %s's bars "
                          "run from %s to %s",
                          d, cfg->benchmark,
                          hs_cal_format_time(bars[0].ts, t0, sizeof t0),
                          hs_cal_format_time(bars[nb - 1].ts, t1, sizeof t1));
    else
        rc = hs_error_set(HS_EDATA, "transplant onto %s: %s has no bars", d,
                          cfg->benchmark);
    free(bars);
    return rc;
}

int hs_stress__transplant(const hs_stress_tp *tp, hs_window *entry,
                          hs_config **wcfg, hs_panel **panel, hs_plan **plan)
{
    const hs_config *cfg = tp->cfg;
    const hs_stress_opts *so = tp->opts;
    const hs_window *crisis = tp->crisis;
    const size_t bw = so->beta_window ? so->beta_window
                                      : HS_TRANSPLANT_BETA_WINDOW;
    hs_config *tcfg = NULL, *lcfg = NULL;
    hs_plan *loader = NULL;
    hs_panel *today = NULL, *cp = NULL;
    const hs_panel *tpanel = NULL;
    hs_window tw = *entry;
    size_t lookback, s0, s1, c0 = 1;
    char d[32], t0[32], t1[32], set[64];
    int rc;
    *wcfg = NULL;
    *panel = NULL;
    *plan = NULL;
    hs_cal_format_time(so->onto, d, sizeof d);
    if (cfg->calendar != HS_CAL_24X7) {
        rc = hs_error_set(HS_ECONFIG,
                          "transplant onto %s: the synthetic steps follow "
                          "the date every step; a calendar other than 24x7 "
                          "is not supported",
                          d);
        goto done;
    }
    /* A config window holds at least 3 steps: the date and the two before
     * it (the warm-up is counted from the date). */
    tw.start = so->onto - 2 * cfg->step_ms;
    tw.end = so->onto;
    TRY(hs_window_config(cfg, &tw, &tcfg));
    TRY(hs_plan_lookback(tcfg, tp->reg, &lookback));
    size_t load = lookback > bw ? lookback : bw;
    if (load < 3)
        load = 3;

    /* The history up to the date, with the warm-up and the beta window. */
    if (so->panel) {
        const hs_panel *src = so->panel;
        if (!steps_of(src, so->onto, so->onto, &s0, &s1) ||
            src->time[s0] != so->onto) {
            rc = hs_error_set(
                HS_EDATA,
                "transplant onto %s: not a step of the data (%s .. %s)", d,
                hs_cal_format_time(src->time[0], t0, sizeof t0),
                hs_cal_format_time(src->time[src->n_steps - 1], t1,
                                   sizeof t1));
            goto done;
        }
        TRY(hs_panel_cut(src, s0 >= load ? s0 - load : 0, s0, &today));
        tpanel = today;
    } else {
        TRY(check_date(tp->store, cfg, so->onto, lookback, d));
        TRY(hs_window_config(cfg, &tw, &lcfg));
        snprintf(set, sizeof set, "data.lookback=%zu", load - 2);
        TRY(hs_config_set(lcfg, set));
        hs_plan_opts po = HS_PLAN_OPTS_INIT;
        po.only = so->only;
        po.n_only = so->n_only;
        if ((rc = hs_plan_new(&loader, lcfg, tp->reg, tp->store, &po))) {
            hs_error_prefix("transplant onto %s: ", d);
            goto done;
        }
        tpanel = hs_plan_panel(loader);
        if (tpanel->time[tpanel->n_steps - 1] != so->onto) {
            rc = hs_error_set(HS_EDATA,
                              "transplant onto %s: not a step of the data",
                              d);
            goto done;
        }
    }
    const int ib = hs_panel_find(tpanel, cfg->benchmark);
    const size_t T = tpanel->n_steps - 1;
    if (ib < 0 || tpanel->first[ib] < 0 || T < lookback ||
        (size_t)tpanel->first[ib] > T - lookback) {
        rc = hs_error_set(
            HS_EDATA,
            "transplant onto %s: too early: the warm-up of %zu steps before "
            "it reaches before the first %s bar%s%s; choose a later date",
            d, lookback, cfg->benchmark,
            ib >= 0 && tpanel->first[ib] >= 0 ? " on " : "",
            ib >= 0 && tpanel->first[ib] >= 0
                ? hs_cal_format_time(tpanel->time[tpanel->first[ib]], t0,
                                     sizeof t0)
                : "");
        goto done;
    }

    /* The crisis, with the close before its first step. */
    if (so->panel) {
        const hs_panel *src = so->panel;
        if (!steps_of(src, crisis->start, crisis->end, &s0, &s1) || s0 < 1) {
            rc = hs_error_set(HS_EDATA,
                              "window %s: the data has no step in it, or "
                              "none before it",
                              crisis->name);
            goto done;
        }
        TRY(hs_panel_cut(src, s0 - 1, s1, &cp));
    } else if ((rc = load_crisis(cfg, tp->store, crisis, &cp))) {
        hs_error_prefix("window %s: ", crisis->name);
        goto done;
    }

    hs_transplant_opts to = {.warm = lookback,
                             .beta_window = bw,
                             .seed = so->seed,
                             .benchmark = cfg->benchmark,
                             .vol_index = cfg->has_options &&
                                                  cfg->opt_vol_index[0]
                                              ? cfg->opt_vol_index
                                              : NULL,
                             .window = crisis->name};
    TRY(hs_transplant_panel(panel, tpanel, cp, c0, &to));
    entry->end = (*panel)->time[(*panel)->n_steps - 1];
    TRY(hs_window_config(cfg, entry, wcfg));
    hs_plan_opts po = HS_PLAN_OPTS_INIT;
    po.only = so->only;
    po.n_only = so->n_only;
    po.panel = *panel;
    po.live_from = lookback;
    rc = hs_plan_new(plan, *wcfg, tp->reg, NULL, &po);
done:
    if (rc) {
        hs_plan_free(*plan);
        hs_config_free(*wcfg);
        hs_panel_free(*panel);
        *plan = NULL;
        *wcfg = NULL;
        *panel = NULL;
    }
    hs_plan_free(loader);
    hs_panel_free(today);
    hs_panel_free(cp);
    hs_config_free(lcfg);
    hs_config_free(tcfg);
    return rc;
}
