/* Panels and the history source: aligned bars loaded from the store. */
#include "hedgesim/market.h"
#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hs_panel_new(hs_panel **out, size_t n_steps, size_t n_assets,
                 int64_t step_ms)
{
    hs_panel *p = calloc(1, sizeof *p);
    size_t nm = n_steps * n_assets;
    *out = NULL;
    if (!p)
        return hs_error_set(HS_ENOMEM, "out of memory");
    p->n_steps = n_steps;
    p->n_assets = n_assets;
    p->step_ms = step_ms;
    p->time = calloc(n_steps ? n_steps : 1, sizeof *p->time);
    p->symbol = calloc(n_assets ? n_assets : 1, sizeof *p->symbol);
    p->open = malloc((nm ? nm : 1) * sizeof(double));
    p->high = malloc((nm ? nm : 1) * sizeof(double));
    p->low = malloc((nm ? nm : 1) * sizeof(double));
    p->close = malloc((nm ? nm : 1) * sizeof(double));
    p->volume = malloc((nm ? nm : 1) * sizeof(double));
    p->state = malloc(nm ? nm : 1);
    p->funding = calloc(nm ? nm : 1, sizeof(double));
    p->rate = calloc(n_steps ? n_steps : 1, sizeof(double));
    p->first = malloc((n_assets ? n_assets : 1) * sizeof(int32_t));
    p->last = malloc((n_assets ? n_assets : 1) * sizeof(int32_t));
    p->delisted = calloc(n_assets ? n_assets : 1, 1);
    if (!p->time || !p->symbol || !p->open || !p->high || !p->low ||
        !p->close || !p->volume || !p->state || !p->funding || !p->rate ||
        !p->first || !p->last || !p->delisted) {
        hs_panel_free(p);
        return hs_error_set(HS_ENOMEM, "out of memory for a %zu x %zu panel",
                            n_steps, n_assets);
    }
    for (size_t i = 0; i < nm; i++) {
        p->open[i] = p->high[i] = p->low[i] = p->close[i] = NAN;
        p->volume[i] = 0;
        p->state[i] = HS_BAR_ABSENT;
    }
    for (size_t a = 0; a < n_assets; a++)
        p->first[a] = p->last[a] = -1;
    *out = p;
    return 0;
}

void hs_panel_free(hs_panel *p)
{
    if (!p)
        return;
    free(p->time);
    free(p->symbol);
    free(p->open);
    free(p->high);
    free(p->low);
    free(p->close);
    free(p->volume);
    free(p->state);
    free(p->funding);
    free(p->rate);
    free(p->first);
    free(p->last);
    free(p->delisted);
    free(p->settle_at);
    free(p->settle_time);
    free(p->settle_rate);
    free(p);
}

void hs_panel_settlements(const hs_panel *p, size_t t, size_t a,
                          hs_settlements *out)
{
    const size_t i = t * p->n_assets + a;
    out->t1 = p->time[t] + p->step_ms;
    out->t0 = p->time[t];
    if (t > 0 && p->time[t - 1] + p->step_ms < out->t0)
        out->t0 = p->time[t - 1] + p->step_ms;
    if (!p->settle_at) {
        out->n = 1;
        out->time = &out->t1;
        out->rate = &p->funding[i];
        return;
    }
    out->n = p->settle_at[i + 1] - p->settle_at[i];
    out->time = p->settle_time + p->settle_at[i];
    out->rate = p->settle_rate + p->settle_at[i];
}

double hs_bar_price_at(double open, double close, int64_t t0, int64_t t1,
                       int64_t at)
{
    if (at >= t1)
        return close;
    double frac = at <= t0 ? 0 : (double)(at - t0) / (double)(t1 - t0);
    return open + (close - open) * frac;
}

int hs_panel_cut(const hs_panel *src, size_t from, size_t to,
                 hs_panel **out)
{
    const size_t na = src->n_assets;
    hs_panel *p = NULL;
    *out = NULL;
    if (from > to || to >= src->n_steps)
        return hs_error_set(HS_EINVAL, "steps %zu..%zu of a %zu-step panel",
                            from, to, src->n_steps);
    const size_t n = to - from + 1;
    int rc = hs_panel_new(&p, n, na, src->step_ms);
    if (rc)
        return rc;
    memcpy(p->symbol, src->symbol, na * sizeof *p->symbol);
    memcpy(p->time, src->time + from, n * sizeof *p->time);
    memcpy(p->rate, src->rate + from, n * sizeof *p->rate);
    double *const dst[] = {p->open, p->high, p->low, p->close, p->volume,
                           p->funding};
    const double *const from_[] = {src->open,  src->high,   src->low,
                                   src->close, src->volume, src->funding};
    for (size_t k = 0; k < 6; k++)
        memcpy(dst[k], from_[k] + from * na, n * na * sizeof(double));
    memcpy(p->state, src->state + from * na, n * na);
    if (src->settle_at) {
        const size_t k0 = src->settle_at[from * na],
                     k1 = src->settle_at[(to + 1) * na], ns = k1 - k0;
        p->settle_at = malloc((n * na + 1) * sizeof *p->settle_at);
        p->settle_time = malloc((ns ? ns : 1) * sizeof *p->settle_time);
        p->settle_rate = malloc((ns ? ns : 1) * sizeof *p->settle_rate);
        if (!p->settle_at || !p->settle_time || !p->settle_rate) {
            hs_panel_free(p);
            return hs_error_set(HS_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i <= n * na; i++)
            p->settle_at[i] = src->settle_at[from * na + i] - k0;
        memcpy(p->settle_time, src->settle_time + k0,
               ns * sizeof *p->settle_time);
        memcpy(p->settle_rate, src->settle_rate + k0,
               ns * sizeof *p->settle_rate);
        p->n_settle = ns;
    }
    snprintf(p->notes, sizeof p->notes, "%s", src->notes);
    hs_panel_finish(p);
    *out = p;
    return 0;
}

int hs_panel_find(const hs_panel *p, const char *symbol)
{
    for (size_t a = 0; a < p->n_assets; a++)
        if (strcmp(p->symbol[a], symbol) == 0)
            return (int)a;
    return -1;
}

void hs_panel_note(hs_panel *p, const char *fmt, ...)
{
    size_t len = strlen(p->notes);
    if (len + 2 >= sizeof p->notes)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->notes + len, sizeof p->notes - len, fmt, ap);
    va_end(ap);
    len = strlen(p->notes);
    if (len + 1 < sizeof p->notes && (len == 0 || p->notes[len - 1] != '\n')) {
        p->notes[len] = '\n';
        p->notes[len + 1] = '\0';
    }
}

void hs_panel_finish(hs_panel *p)
{
    const size_t na = p->n_assets;
    for (size_t a = 0; a < na; a++) {
        int32_t first = -1, last = -1;
        for (size_t t = 0; t < p->n_steps; t++)
            if (p->state[t * na + a] == HS_BAR_OK) {
                if (first < 0)
                    first = (int32_t)t;
                last = (int32_t)t;
            }
        p->first[a] = first;
        p->last[a] = last;
        if (first < 0)
            continue;
        for (int32_t t = first + 1; t < last; t++) {
            size_t i = (size_t)t * na + a;
            if (p->state[i] != HS_BAR_OK) {
                double c = p->close[i - na];
                p->open[i] = p->high[i] = p->low[i] = p->close[i] = c;
                p->volume[i] = 0;
                p->state[i] = HS_BAR_FILLED;
            }
        }
    }
}

/* Infer the spacing of a bar series: the smallest positive difference. */
static int64_t source_step(const hs_bar *b, size_t n)
{
    int64_t best = 0;
    for (size_t i = 1; i < n; i++) {
        int64_t d = b[i].ts - b[i - 1].ts;
        if (d > 0 && (best == 0 || d < best))
            best = d;
    }
    return best;
}

/* The step holding the bars that open at `g` (a multiple of the step): the
 * first step opening at or after it, n_steps if none.  On a 24x7 grid that
 * is (g - time[0]) / step; on a calendar's grid a day that is not a
 * session belongs to the next session.  Callers skip g < time[0]. */
static size_t step_of(const hs_panel *p, int64_t g)
{
    size_t lo = 0, hi = p->n_steps;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->time[mid] < g)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ------------------------------------------------------- load checks
 * What a store holds is checked as it is loaded, whatever wrote it
 * (hs_market_load_history in market.h lists the rules). */

/* A note, unless the same line is already there (the benchmark's bars can
 * be loaded twice: as an asset and as the marks of its perp). */
static void note_once(hs_panel *p, const char *line)
{
    if (!strstr(p->notes, line))
        hs_panel_note(p, "%s", line);
}

static int bad_price(const char *symbol, int64_t ts, const char *field,
                     double v)
{
    char tb[32];
    hs_cal_format_time(ts, tb, sizeof tb);
    if (isnan(v))
        return hs_error_set(HS_EDATA,
                            "%s: bar at %s: %s is not a number in the store "
                            "(NULL or text)",
                            symbol, tb, field);
    return hs_error_set(HS_EDATA,
                        "%s: bar at %s: %s %.17g is not a positive finite "
                        "price",
                        symbol, tb, field, v);
}

/* Check the bars of `symbol` (ascending, as read) and note huge moves. */
static int check_bars(hs_panel *p, const hs_bar *b, size_t n,
                      const char *symbol)
{
    static const char *const name[4] = {"open", "high", "low", "close"};
    char tb[32], line[256];
    size_t jumps = 0, first = 0;

    for (size_t k = 0; k < n; k++) {
        const hs_bar *x = &b[k];
        const double v[4] = {x->open, x->high, x->low, x->close};
        if (k > 0 && x->ts <= b[k - 1].ts)
            return hs_error_set(HS_EDATA,
                                "%s: the store has two bars at %s (a "
                                "duplicate time)",
                                symbol, hs_cal_format_time(x->ts, tb, 32));
        for (int i = 0; i < 4; i++)
            if (!(isfinite(v[i]) && v[i] > 0))
                return bad_price(symbol, x->ts, name[i], v[i]);
        if (x->low > x->high)
            return hs_error_set(HS_EDATA,
                                "%s: bar at %s: high %.17g is below low %.17g",
                                symbol, hs_cal_format_time(x->ts, tb, 32),
                                x->high, x->low);
        for (int i = 0; i < 4; i += 3)
            if (v[i] < x->low || v[i] > x->high)
                return hs_error_set(HS_EDATA,
                                    "%s: bar at %s: %s %.17g is outside "
                                    "[low, high] = [%.17g, %.17g]",
                                    symbol, hs_cal_format_time(x->ts, tb, 32),
                                    name[i], v[i], x->low, x->high);
        if (!(isfinite(x->volume) && x->volume >= 0))
            return hs_error_set(HS_EDATA,
                                "%s: bar at %s: volume %.17g is not a finite "
                                "number >= 0",
                                symbol, hs_cal_format_time(x->ts, tb, 32),
                                x->volume);
        if (k > 0) {
            double r = x->close / b[k - 1].close;
            if (r > HS_JUMP_RATIO_MAX || r < 1 / HS_JUMP_RATIO_MAX) {
                if (jumps++ == 0)
                    first = k;
            }
        }
    }
    if (jumps) {
        char t1[32];
        snprintf(line, sizeof line,
                 "%s: close %.6g at %s is %.4g times the one before (%s); "
                 "%zu one-bar move%s beyond %gx: suspicious data, check the "
                 "store",
                 symbol, b[first].close,
                 hs_cal_format_time(b[first].ts, tb, sizeof tb),
                 b[first].close / b[first - 1].close,
                 hs_cal_format_time(b[first - 1].ts, t1, sizeof t1), jumps,
                 jumps == 1 ? "" : "s", HS_JUMP_RATIO_MAX);
        note_once(p, line);
    }
    return 0;
}

static int check_funding(const hs_funding *f, size_t n, const char *symbol)
{
    char tb[32];
    for (size_t k = 0; k < n; k++) {
        if (k > 0 && f[k].ts <= f[k - 1].ts)
            return hs_error_set(HS_EDATA,
                                "%s: the store has two funding settlements at "
                                "%s (a duplicate time)",
                                symbol, hs_cal_format_time(f[k].ts, tb, 32));
        if (!(fabs(f[k].rate) <= HS_FUNDING_RATE_MAX))
            return hs_error_set(HS_EDATA,
                                "%s: funding at %s: rate %.17g is %s (|rate| "
                                "<= %g of notional per settlement)",
                                symbol, hs_cal_format_time(f[k].ts, tb, 32),
                                f[k].rate,
                                isnan(f[k].rate) ? "not a number in the store"
                                                 : "out of bounds",
                                HS_FUNDING_RATE_MAX);
        if (!(isfinite(f[k].interval_hours) && f[k].interval_hours > 0))
            return hs_error_set(HS_EDATA,
                                "%s: funding at %s: interval %.17g h is not a "
                                "positive number",
                                symbol, hs_cal_format_time(f[k].ts, tb, 32),
                                f[k].interval_hours);
    }
    return 0;
}

static int check_rates(const hs_rate *r, size_t n, const char *series)
{
    char tb[32];
    for (size_t k = 0; k < n; k++) {
        if (k > 0 && r[k].ts <= r[k - 1].ts)
            return hs_error_set(HS_EDATA,
                                "rate series %s: the store has two rates at "
                                "%s (a duplicate time)",
                                series, hs_cal_format_time(r[k].ts, tb, 32));
        if (!(fabs(r[k].rate) <= HS_RISK_FREE_MAX))
            return hs_error_set(HS_EDATA,
                                "rate series %s at %s: rate %.17g is %s "
                                "(|rate| <= %g a year)",
                                series, hs_cal_format_time(r[k].ts, tb, 32),
                                r[k].rate,
                                isnan(r[k].rate) ? "not a number in the store"
                                                 : "out of bounds",
                                HS_RISK_FREE_MAX);
    }
    return 0;
}

/* Aggregate bars onto the panel grid as asset `a`.  Bars outside the grid are
 * ignored; several bars in one step combine as OHLCV. */
static int place_bars(hs_panel *p, size_t a, const hs_bar *b, size_t n,
                      const char *symbol)
{
    const size_t na = p->n_assets;
    const int64_t t0 = p->time[0];
    int rc = check_bars(p, b, n, symbol);
    if (rc)
        return rc;
    int64_t src = source_step(b, n);
    if (n > 1 && src > p->step_ms) {
        char s1[32], s2[32];
        snprintf(s1, sizeof s1, "%lldh", (long long)(src / HS_MS_PER_HOUR));
        snprintf(s2, sizeof s2, "%lldh",
                 (long long)(p->step_ms / HS_MS_PER_HOUR));
        return hs_error_set(HS_EDATA,
                            "%s: the store has bars every %s, coarser than the "
                            "step of %s: choose a step of at least %s",
                            symbol, s1, s2, s1);
    }
    if (n > 1 && src > 0 && p->step_ms % src != 0)
        return hs_error_set(HS_EDATA,
                            "%s: bars every %lld ms do not divide the step of "
                            "%lld ms",
                            symbol, (long long)src, (long long)p->step_ms);
    for (size_t k = 0; k < n; k++) {
        int64_t g = hs_cal_floor(b[k].ts, p->step_ms);
        if (g < t0)
            continue;
        size_t t = step_of(p, g);
        if (t >= p->n_steps)
            continue;
        size_t i = t * na + a;
        if (p->state[i] != HS_BAR_OK) {
            p->open[i] = b[k].open;
            p->high[i] = b[k].high;
            p->low[i] = b[k].low;
            p->close[i] = b[k].close;
            p->volume[i] = b[k].volume;
            p->state[i] = HS_BAR_OK;
        } else {
            if (b[k].high > p->high[i])
                p->high[i] = b[k].high;
            if (b[k].low < p->low[i])
                p->low[i] = b[k].low;
            p->close[i] = b[k].close;
            p->volume[i] += b[k].volume;
        }
    }
    return 0;
}

static int load_asset(hs_store *store, hs_panel *p, size_t a,
                      const char *symbol, int64_t t_end, int64_t *store_last)
{
    hs_instrument inst;
    hs_bar *bars = NULL;
    size_t n = 0;
    int rc = hs_store_instrument(store, symbol, &inst);
    if (rc)
        return rc;
    /* Index series (DVOL) load like bars: OHLC of the index level. */
    int (*load)(hs_store *, int64_t, int64_t, int64_t, hs_bar **, size_t *) =
        inst.kind == HS_KIND_INDEX ? hs_store_index : hs_store_bars;
    rc = load(store, inst.id, p->time[0], t_end, &bars, &n);
    if (rc == 0)
        rc = place_bars(p, a, bars, n, symbol);
    free(bars);
    if (rc)
        return rc;
    /* Is there data after the window?  If not, an early end is a delisting. */
    *store_last = INT64_MIN;
    rc = load(store, inst.id, t_end, INT64_MAX, &bars, &n);
    if (rc == 0 && n > 0)
        *store_last = bars[n - 1].ts;
    free(bars);
    return rc;
}

/* The hedge's funding settlements as they are gathered, in time order. */
typedef struct settle_list {
    int64_t *time;
    double *rate;
    size_t n, cap;
} settle_list;

static int settle_add(settle_list *l, int64_t ts, double rate)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        int64_t *t = realloc(l->time, cap * sizeof *t);
        if (t)
            l->time = t;
        double *r = realloc(l->rate, cap * sizeof *r);
        if (r)
            l->rate = r;
        if (!t || !r)
            return hs_error_set(HS_ENOMEM, "out of memory for funding");
        l->cap = cap;
    }
    l->time[l->n] = ts;
    l->rate[l->n++] = rate;
    return 0;
}

/* Constant settlements of `rate` every `hours`, on the multiples of the
 * interval since 1970 (8 h: 00:00, 08:00 and 16:00 UTC), in [from, to). */
static int constant_settlements(settle_list *l, int64_t from, int64_t to,
                                double rate, double hours)
{
    int64_t every = (int64_t)llround(hours * HS_MS_PER_HOUR);
    if (every <= 0)
        return hs_error_set(HS_ECONFIG,
                            "funding_hours %g is not a positive interval",
                            hours);
    int64_t g = hs_cal_floor(from, every);
    if (g < from)
        g += every;
    for (int rc; g < to; g += every)
        if ((rc = settle_add(l, g, rate)))
            return rc;
    return 0;
}

/* The gathered settlements into the panel's arrays for asset `a` (each in
 * the step of the bar it falls in; those outside the panel dropped), and
 * their sum per step into p->funding. */
static int place_settlements(hs_panel *p, size_t a, const settle_list *l)
{
    const size_t na = p->n_assets, ni = p->n_steps * na;
    size_t *step = malloc((l->n ? l->n : 1) * sizeof *step);
    p->settle_at = calloc(ni + 1, sizeof *p->settle_at);
    p->settle_time = malloc((l->n ? l->n : 1) * sizeof *p->settle_time);
    p->settle_rate = malloc((l->n ? l->n : 1) * sizeof *p->settle_rate);
    if (!step || !p->settle_at || !p->settle_time || !p->settle_rate) {
        free(step);
        return hs_error_set(HS_ENOMEM, "out of memory for funding");
    }
    for (size_t k = 0; k < l->n; k++) {
        int64_t g = hs_cal_floor(l->time[k], p->step_ms);
        size_t t = g < p->time[0] ? p->n_steps : step_of(p, g);
        step[k] = t;
        if (t < p->n_steps)
            p->settle_at[t * na + a + 1]++;
    }
    for (size_t i = 0; i < ni; i++)
        p->settle_at[i + 1] += p->settle_at[i];
    p->n_settle = p->settle_at[ni];
    /* In time order, so each step's settlements are contiguous and
     * ascending, and its sum adds them in that order. */
    for (size_t k = 0, j = 0; k < l->n; k++) {
        if (step[k] >= p->n_steps)
            continue;
        p->settle_time[j] = l->time[k];
        p->settle_rate[j++] = l->rate[k];
        p->funding[step[k] * na + a] += l->rate[k];
    }
    free(step);
    return 0;
}

static int load_hedge(hs_store *store, hs_panel *p, size_t a,
                      const hs_history_opts *o, int64_t t_end,
                      size_t first_live)
{
    hs_instrument inst, under;
    hs_bar *bars = NULL;
    hs_funding *fund = NULL;
    settle_list sl = {NULL, NULL, 0, 0};
    size_t n = 0, nf = 0;
    char buf[2][32];
    int rc = hs_store_instrument(store, o->hedge, &inst);
    if (rc)
        return rc;
    if (inst.kind != HS_KIND_PERP && inst.kind != HS_KIND_SPOT &&
        inst.kind != HS_KIND_FUTURE)
        return hs_error_set(HS_ECONFIG,
                            "hedge instrument %s is a %s: a perp, future or "
                            "spot instrument is needed",
                            o->hedge, hs_kind_name(inst.kind));
    if (inst.kind == HS_KIND_SPOT) {
        rc = load_asset(store, p, a, o->hedge, t_end, &(int64_t){0});
        return rc;
    }
    if (inst.inverse)
        hs_panel_note(p,
                      "%s is an inverse (coin-margined) contract on %s; it is "
                      "treated as linear in USD",
                      o->hedge, inst.venue);
    rc = hs_store_bars(store, inst.id, p->time[0], t_end, &bars, &n);
    if (rc)
        goto done;
    /* Do the perp's own bars cover the live window? */
    int covered = n > 0 && bars[0].ts <= p->time[first_live] &&
                  bars[n - 1].ts >= p->time[p->n_steps - 1];
    int use_perp = o->marks == HS_MARKS_PERP ||
                   (o->marks == HS_MARKS_AUTO && covered);
    if (o->marks == HS_MARKS_PERP && !covered) {
        rc = hs_error_set(HS_EDATA,
                          "%s: the store's perp bars (%zu in the window) do not "
                          "cover %s..%s; use perp_marks = spot or auto",
                          o->hedge, n,
                          hs_cal_format_time(p->time[first_live], buf[0], 32),
                          hs_cal_format_time(p->time[p->n_steps - 1], buf[1],
                                             32));
        goto done;
    }
    if (use_perp) {
        rc = place_bars(p, a, bars, n, o->hedge);
        hs_panel_note(p, "%s marked at its own bars (%s)", o->hedge,
                      inst.source);
    } else {
        if (!inst.underlying[0]) {
            rc = hs_error_set(HS_EDATA, "%s has no underlying to mark it at",
                              o->hedge);
            goto done;
        }
        rc = hs_store_instrument(store, inst.underlying, &under);
        if (rc)
            goto done;
        free(bars);
        bars = NULL;
        rc = hs_store_bars(store, under.id, p->time[0], t_end, &bars, &n);
        if (rc == 0)
            rc = place_bars(p, a, bars, n, inst.underlying);
        hs_panel_note(p,
                      "%s marked at the spot price of %s (no perp bars cover "
                      "the window): basis is ignored",
                      o->hedge, inst.underlying);
    }
    if (rc)
        goto done;

    /* Funding: every settlement, one by one (place_settlements). */
    if (o->funding == HS_FUNDING_NONE) {
        hs_panel_note(p, "%s: no funding charged", o->hedge);
        goto done;
    }
    const int64_t end_close = p->time[p->n_steps - 1] + p->step_ms;
    if (o->funding == HS_FUNDING_CONSTANT) {
        rc = constant_settlements(&sl, p->time[0], end_close, o->funding_rate,
                                  o->funding_hours);
        if (rc == 0)
            rc = place_settlements(p, a, &sl);
        hs_panel_note(p, "%s: constant funding %g every %g h", o->hedge,
                      o->funding_rate, o->funding_hours);
        goto done;
    }
    rc = hs_store_funding(store, inst.id, p->time[0], t_end, &fund, &nf);
    if (rc || (rc = check_funding(fund, nf, o->hedge)))
        goto done;
    int64_t covered_from = nf ? hs_cal_floor(fund[0].ts, p->step_ms) : INT64_MAX;
    if (o->funding == HS_FUNDING_STORE && covered_from > p->time[first_live]) {
        rc = hs_error_set(HS_EDATA,
                          "%s: the store's funding series starts %s, after the "
                          "window start %s; use funding = auto or constant",
                          o->hedge,
                          nf ? hs_cal_format_time(fund[0].ts, buf[0], 32)
                             : "nowhere",
                          hs_cal_format_time(p->time[first_live], buf[1], 32));
        goto done;
    }
    /* Before the series starts: the constant rate at its times. */
    if ((rc = constant_settlements(&sl, p->time[0],
                                   nf ? fund[0].ts : end_close,
                                   o->funding_rate, o->funding_hours)))
        goto done;
    if (covered_from > p->time[0]) {
        size_t upto = covered_from == INT64_MAX
                          ? p->n_steps
                          : step_of(p, covered_from);
        if (upto > first_live)
            hs_panel_note(p,
                          "%s: no funding in the store before %s; constant "
                          "%g every %g h assumed there",
                          o->hedge,
                          hs_cal_format_time(upto < p->n_steps
                                                 ? p->time[upto]
                                                 : p->time[p->n_steps - 1],
                                             buf[0], 32),
                          o->funding_rate, o->funding_hours);
    }
    for (size_t k = 0; k < nf && rc == 0; k++)
        rc = settle_add(&sl, fund[k].ts, fund[k].rate);
    if (rc)
        goto done;
    /* ... and after it ends: from the next settlement due. */
    if (nf > 0) {
        int64_t last = fund[nf - 1].ts;
        int64_t gap = (int64_t)(fund[nf - 1].interval_hours * HS_MS_PER_HOUR);
        if (last + gap < end_close) {
            if (o->funding == HS_FUNDING_STORE) {
                rc = hs_error_set(HS_EDATA,
                                  "%s: the store's funding series ends %s, "
                                  "before the window ends; use funding = auto "
                                  "or constant",
                                  o->hedge,
                                  hs_cal_format_time(last, buf[0], 32));
                goto done;
            }
            if ((rc = constant_settlements(&sl, last + gap, end_close,
                                           o->funding_rate,
                                           o->funding_hours)))
                goto done;
            hs_panel_note(p,
                          "%s: no funding in the store after %s; constant %g "
                          "every %g h assumed there",
                          o->hedge, hs_cal_format_time(last, buf[0], 32),
                          o->funding_rate, o->funding_hours);
        }
    }
    if ((rc = place_settlements(p, a, &sl)))
        goto done;
    hs_panel_note(p, "%s: funding from the store (%s)", o->hedge, inst.venue);
done:
    free(bars);
    free(fund);
    free(sl.time);
    free(sl.rate);
    return rc;
}

static int load_rates(hs_store *store, hs_panel *p, const char *series,
                      int64_t t_end)
{
    hs_rate *r = NULL;
    size_t n = 0;
    if (!series)
        return 0;
    /* From a month before the panel, so the first step has a value. */
    int rc = hs_store_rates(store, series, p->time[0] - 31 * HS_MS_PER_DAY,
                            t_end, &r, &n);
    if (rc || n == 0) {
        free(r);
        hs_error_clear();
        hs_panel_note(p, "no %s rates in the store: risk-free rate 0", series);
        return 0;
    }
    if ((rc = check_rates(r, n, series))) {
        free(r);
        return rc;
    }
    size_t k = 0;
    double cur = r[0].rate;
    for (size_t t = 0; t < p->n_steps; t++) {
        while (k < n && r[k].ts <= p->time[t])
            cur = r[k++].rate;
        p->rate[t] = cur;
    }
    if (r[n - 1].ts < p->time[p->n_steps - 1])
        hs_panel_note(p, "%s rates end %s; the last value is carried", series,
                      hs_cal_format_time(r[n - 1].ts, (char[32]){0}, 32));
    free(r);
    return 0;
}

int hs_market_load_history(hs_store *store, const hs_history_opts *o,
                           hs_panel **out)
{
    hs_panel *p = NULL;
    int rc;
    char buf[2][32];
    *out = NULL;
    if (o->step_ms <= 0 || o->end < o->start)
        return hs_error_set(HS_ECONFIG, "empty window: end %s is before "
                                        "start %s",
                            hs_cal_format_time(o->end, buf[0], 32),
                            hs_cal_format_time(o->start, buf[1], 32));
    if (!hs_cal_calendar_name(o->calendar))
        return hs_error_set(HS_EINVAL, "bad calendar %d", (int)o->calendar);
    if (o->calendar != HS_CAL_24X7 && o->step_ms != HS_MS_PER_DAY)
        return hs_error_set(HS_ECONFIG,
                            "calendar %s needs a step of 1d (a session a "
                            "step), not %lld ms",
                            hs_cal_calendar_name(o->calendar),
                            (long long)o->step_ms);
    int64_t g_start = hs_cal_floor(o->start, o->step_ms);
    if (g_start < o->start)
        g_start += o->step_ms;
    int64_t g_end = hs_cal_floor(o->end, o->step_ms);
    /* A calendar's grid: its sessions only. */
    while (g_start <= g_end && !hs_cal_is_session(o->calendar, g_start))
        g_start += o->step_ms;
    while (g_end >= g_start && !hs_cal_is_session(o->calendar, g_end))
        g_end -= o->step_ms;
    if (g_end < g_start)
        return hs_error_set(HS_ECONFIG,
                            "empty window: no %lld-ms step%s between %s and "
                            "%s",
                            (long long)o->step_ms,
                            o->calendar == HS_CAL_24X7 ? "" : " in a session",
                            hs_cal_format_time(o->start, buf[0], 32),
                            hs_cal_format_time(o->end, buf[1], 32));
    int64_t g0 = g_start;
    for (size_t k = 0; k < o->lookback; k++) {
        g0 -= o->step_ms;
        while (!hs_cal_is_session(o->calendar, g0))
            g0 -= o->step_ms;
    }
    size_t n_steps = o->calendar == HS_CAL_24X7
                         ? (size_t)((g_end - g0) / o->step_ms) + 1
                         : (size_t)hs_cal_sessions(o->calendar, g0, g_end);
    size_t n_assets = o->n_symbols + (o->hedge ? 1 : 0);
    rc = hs_panel_new(&p, n_steps, n_assets, o->step_ms);
    if (rc)
        return rc;
    for (size_t t = 0, k = 0; t < n_steps; k++) {
        int64_t g = g0 + (int64_t)k * o->step_ms;
        if (hs_cal_is_session(o->calendar, g))
            p->time[t++] = g;
    }
    const int64_t t_end = g_end + o->step_ms; /* exclusive */
    const size_t first_live = o->lookback;

    for (size_t a = 0; a < o->n_symbols; a++) {
        int64_t store_last;
        snprintf(p->symbol[a], HS_SYMBOL_MAX, "%s", o->symbols[a]);
        rc = load_asset(store, p, a, o->symbols[a], t_end, &store_last);
        if (rc)
            goto fail;
        p->delisted[a] = store_last == INT64_MIN;
    }
    if (o->hedge) {
        size_t a = o->n_symbols;
        snprintf(p->symbol[a], HS_SYMBOL_MAX, "%s", o->hedge);
        rc = load_hedge(store, p, a, o, t_end, first_live);
        if (rc)
            goto fail;
    }
    hs_panel_finish(p);
    for (size_t a = 0; a < n_assets; a++) {
        int optional = a < o->n_symbols && a + o->n_optional >= o->n_symbols;
        if (p->first[a] < 0 && optional) {
            hs_panel_note(p, "%s: no data in the window", p->symbol[a]);
            continue;
        }
        if (p->first[a] < 0) {
            rc = hs_error_set(HS_EDATA, "%s has no bars between %s and %s",
                              p->symbol[a],
                              hs_cal_format_time(p->time[0], buf[0], 32),
                              hs_cal_format_time(g_end, buf[1], 32));
            goto fail;
        }
        if (p->last[a] < (int32_t)n_steps - 1 && !p->delisted[a]) {
            /* Data resumes after the window: a trailing gap, carried. */
            for (size_t t = (size_t)p->last[a] + 1; t < n_steps; t++) {
                size_t i = t * n_assets + a;
                p->open[i] = p->high[i] = p->low[i] = p->close[i] =
                    p->close[i - n_assets];
                p->state[i] = HS_BAR_FILLED;
            }
        } else if (p->delisted[a] && p->last[a] < (int32_t)n_steps - 1) {
            /* A delisting: what the book did about it is its note
             * (hs_book_note_assets). */
        } else {
            p->delisted[a] = 0;
        }
    }
    rc = load_rates(store, p, o->rate_series, t_end);
    if (rc)
        goto fail;
    *out = p;
    return 0;
fail:
    hs_panel_free(p);
    return rc;
}
