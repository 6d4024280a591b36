/* Stress tests: the crisis library, one plan per window, the window
 * metrics and the /stress layout of a results file.  docs/stress.md. */
#include "stress_int.h"

#include "hedgesim/stress.h"
#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"
#include "hedgesim/metrics.h"
#include "hedgesim/results.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* datasets/windows.csv, compiled in by make (build/gen/windows_csv.c). */
extern const char hs_stress__windows_csv[];

#define TRY(expr)                                                              \
    do {                                                                       \
        if ((rc = (expr)) != 0)                                                \
            goto done;                                                         \
    } while (0)

/* ------------------------------------------------------------ windows */

#define CSV_FIELDS 5
#define CSV_FIELD_MAX 512

/* Read one CSV record (RFC 4180: quoted fields with "" escapes) from *p
 * into f[0..CSV_FIELDS-1]; *nf fields.  Returns 0, 1 at the end of the
 * text, or HS_EPARSE. */
static int csv_record(const char **p, char f[][CSV_FIELD_MAX], int *nf,
                      const char *where, int line)
{
    const char *s = *p;
    int k = 0;
    if (!*s)
        return 1;
    for (;;) {
        size_t len = 0;
        char *out = k < CSV_FIELDS ? f[k] : NULL;
        if (*s == '"') {
            s++;
            for (;;) {
                if (!*s || *s == '\n')
                    return hs_error_set(HS_EPARSE,
                                        "%s:%d: unterminated quote", where,
                                        line);
                if (*s == '"' && s[1] != '"')
                    break;
                if (*s == '"')
                    s++;
                if (out && len + 1 < CSV_FIELD_MAX)
                    out[len++] = *s;
                s++;
            }
            s++;
        } else {
            while (*s && *s != ',' && *s != '\n' && *s != '\r') {
                if (out && len + 1 < CSV_FIELD_MAX)
                    out[len++] = *s;
                s++;
            }
        }
        if (out)
            out[len] = '\0';
        k++;
        if (*s == '\r')
            s++;
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s && *s != '\n')
            return hs_error_set(HS_EPARSE,
                                "%s:%d: text after a quoted field", where,
                                line);
        if (*s == '\n')
            s++;
        break;
    }
    *p = s;
    *nf = k;
    return 0;
}

/* Copy src into dst[size], truncated (no format: what fits is kept). */
static void copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* dst = a "/" b, refused (HS_EINVAL) when it does not fit. */
static int join(char *dst, size_t size, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na + nb + 2 > size)
        return hs_error_set(HS_EINVAL, "stress: object path %s/%s too long",
                            a, b);
    memcpy(dst, a, na);
    dst[na] = '/';
    memcpy(dst + na + 1, b, nb + 1);
    return 0;
}

static int valid_name(const char *s)
{
    if (!*s || strlen(s) >= 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

int hs_window_parse(const char *text, const char *where, hs_window *out,
                    size_t cap, size_t *n)
{
    static const char *const header[CSV_FIELDS] = {
        "name", "start", "end", "description", "reference"};
    char f[CSV_FIELDS][CSV_FIELD_MAX];
    const char *p = text;
    int nf = 0, line = 0, rc;

    *n = 0;
    for (;;) {
        line++;
        if (*p == '\n' || (*p == '\r' && p[1] == '\n')) { /* blank line */
            p += *p == '\r' ? 2 : 1;
            continue;
        }
        rc = csv_record(&p, f, &nf, where, line);
        if (rc == 1)
            break;
        if (rc)
            return rc;
        if (line == 1) {
            for (int k = 0; k < CSV_FIELDS; k++)
                if (nf != CSV_FIELDS || strcmp(f[k], header[k]))
                    return hs_error_set(HS_EPARSE,
                                        "%s:1: the header must be "
                                        "name,start,end,description,"
                                        "reference",
                                        where);
            continue;
        }
        if (nf != CSV_FIELDS)
            return hs_error_set(HS_EPARSE, "%s:%d: %d fields, expected %d",
                                where, line, nf, CSV_FIELDS);
        if (*n == cap)
            return hs_error_set(HS_EPARSE, "%s:%d: more than %zu windows",
                                where, line, cap);
        hs_window *w = &out[*n];
        memset(w, 0, sizeof *w);
        if (!valid_name(f[0]))
            return hs_error_set(HS_EPARSE,
                                "%s:%d: name '%s': names are [A-Za-z0-9_-], "
                                "at most 63 characters",
                                where, line, f[0]);
        for (size_t i = 0; i < *n; i++)
            if (!strcmp(out[i].name, f[0]))
                return hs_error_set(HS_EPARSE,
                                    "%s:%d: window '%s' is listed twice",
                                    where, line, f[0]);
        copy(w->name, sizeof w->name, f[0]); /* valid_name: < 64 */
        if (hs_cal_parse_time(f[1], &w->start)) {
            hs_error_prefix("%s:%d: window %s, start: ", where, line, f[0]);
            return HS_EPARSE;
        }
        if (hs_cal_parse_time(f[2], &w->end)) {
            hs_error_prefix("%s:%d: window %s, end: ", where, line, f[0]);
            return HS_EPARSE;
        }
        if (w->end < w->start)
            return hs_error_set(HS_EPARSE,
                                "%s:%d: window %s ends before it starts",
                                where, line, f[0]);
        copy(w->description, sizeof w->description, f[3]);
        copy(w->reference, sizeof w->reference, f[4]);
        (*n)++;
    }
    if (line <= 1)
        return hs_error_set(HS_EPARSE, "%s: empty (no header)", where);
    return 0;
}

int hs_window_library(hs_window *out, size_t cap, size_t *n)
{
    return hs_window_parse(hs_stress__windows_csv, "datasets/windows.csv",
                           out, cap, n);
}

int hs_window_all(const hs_config *cfg, hs_window *out, size_t cap,
                  size_t *n)
{
    int rc = hs_window_library(out, cap, n);
    for (size_t i = 0; rc == 0 && cfg && i < cfg->n_windows; i++) {
        const hs_config_window *cw = &cfg->windows[i];
        size_t k;
        for (k = 0; k < *n; k++)
            if (!strcmp(out[k].name, cw->name))
                break;
        if (k == *n) {
            if (*n == cap)
                return hs_error_set(HS_ECONFIG, "%s: more than %zu windows",
                                    cfg->path, cap);
            (*n)++;
        }
        hs_window *w = &out[k];
        memset(w, 0, sizeof *w);
        snprintf(w->name, sizeof w->name, "%s", cw->name);
        w->start = cw->start;
        w->end = cw->end;
        snprintf(w->description, sizeof w->description, "%s",
                 cw->description);
        copy(w->reference, sizeof w->reference, "the config's [window]");
        if (cfg->path[0]) {
            char ref[sizeof w->reference];
            snprintf(ref, sizeof ref, "[window.%s] in ", cw->name);
            size_t len = strlen(ref);
            copy(ref + len, sizeof ref - len, cfg->path);
            copy(w->reference, sizeof w->reference, ref);
        }
        w->from_config = 1;
    }
    return rc;
}

int hs_window_find(const hs_config *cfg, const char *name, hs_window *out)
{
    hs_window all[HS_WINDOW_MAX];
    size_t n;
    int rc = hs_window_all(cfg, all, HS_WINDOW_MAX, &n);
    if (rc)
        return rc;
    char names[1024] = "";
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(all[i].name, name)) {
            *out = all[i];
            return 0;
        }
        strncat(names, i ? ", " : "", sizeof names - strlen(names) - 1);
        strncat(names, all[i].name, sizeof names - strlen(names) - 1);
    }
    return hs_error_set(HS_ENOTFOUND,
                        "unknown window '%s' (known: %s; add your own with "
                        "[window.NAME] in the config)",
                        name, names);
}

int hs_window_config(const hs_config *cfg, const hs_window *w,
                     hs_config **out)
{
    hs_config *c = NULL;
    char set[600], t[32];
    int rc = hs_config_parse(&c, cfg->text, cfg->path);
    /* The --set overrides, one per line, as they were applied. */
    for (const char *s = cfg->overrides; rc == 0 && *s;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        snprintf(set, sizeof set, "%.*s", (int)len, s);
        rc = hs_config_set(c, set);
        s += len + (nl ? 1 : 0);
    }
    /* Each assignment is validated at once (start <= end): move the end
     * first when the window lies after the config's period. */
    int end_first = rc == 0 && w->start > c->end;
    for (int k = 0; rc == 0 && k < 2; k++) {
        int is_end = k == 0 ? end_first : !end_first;
        snprintf(set, sizeof set, "data.%s=%s", is_end ? "end" : "start",
                 hs_cal_format_time(is_end ? w->end : w->start, t, sizeof t));
        rc = hs_config_set(c, set);
    }
    if (rc) {
        hs_error_prefix("window %s: ", w->name);
        hs_config_free(c);
        c = NULL;
    }
    *out = c;
    return rc;
}

/* ---------------------------------------------------------- the rows */

size_t hs_stress_rolling_window(size_t n, size_t given)
{
    if (given)
        return given;
    size_t r = n / 3;
    if (r < 5)
        r = 5;
    if (r > 90)
        r = 90;
    return r > n ? n : r;
}

/* Maximum drawdown of the wealth index of r (from 1). */
static double drawdown(const double *r, size_t n)
{
    double w = 1, peak = 1, mdd = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(r[i]))
            continue;
        m++;
        w *= 1.0 + r[i];
        if (w > peak)
            peak = w;
        if ((peak - w) / peak > mdd)
            mdd = (peak - w) / peak;
    }
    return m ? mdd : NAN;
}

static double total(const double *r, size_t n)
{
    double g = 1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(r[i])) {
            g *= 1.0 + r[i];
            m++;
        }
    return m ? g - 1.0 : NAN;
}

/* The worst finite return and its step's time. */
static double worst(const double *r, const int64_t *time, size_t n,
                    int64_t *when)
{
    double x = NAN;
    *when = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(r[i]) && (isnan(x) || r[i] < x)) {
            x = r[i];
            *when = time[i];
        }
    return x;
}

int hs_stress_row_compute(const hs_plan *pl, size_t i, hs_stress_row *r)
{
    const hs_metrics *m = hs_plan_metrics(pl, i);
    if (i >= hs_plan_n_runs(pl) || !m)
        return hs_error_set(HS_EINVAL,
                            "stress: run %zu has no metrics (run the plan "
                            "first)",
                            i);
    const hs_panel *p = hs_plan_panel(pl);
    const hs_context *ctx = hs_plan_context(pl);
    const hs_book *b = hs_context_book(ctx);
    const hs_run_series *se = hs_plan_series(pl, i);
    const size_t lf = hs_plan_live_from(pl), n = p->n_steps - lf;
    const double A = hs_context_periods_per_year(ctx);
    double *ru = malloc(2 * n * sizeof *ru);
    if (!ru)
        return hs_error_set(HS_ENOMEM, "out of memory");
    double *scratch = ru + n;
    /* The book alone, as the engine's metrics see it: equity from the
     * capital. */
    for (size_t k = 0; k < n; k++)
        ru[k] = b->equity[lf + k] / (k ? b->equity[lf + k - 1] : b->capital) -
                1.0;
    memset(r, 0, sizeof *r);
    r->run = hs_plan_spec(pl, i)->name;
    r->type = hs_plan_spec(pl, i)->type->name;
    r->start = p->time[lf];
    r->end = p->time[p->n_steps - 1];
    r->steps = (int64_t)n;
    r->warmup = (int64_t)lf;
    r->ret_hedged = m->total_return;
    r->ret_unhedged = total(ru, n);
    /* Annualised only over at least a year (hs_metric_annual_shown). */
    r->ann_hedged = hs_metric_annual_shown(m->ann_return, (double)n / A);
    r->ann_unhedged = hs_metric_annual_shown(
        r->ret_unhedged > -1 ? pow(1.0 + r->ret_unhedged, A / (double)n) - 1
                             : -1.0,
        (double)n / A);
    r->mdd_hedged = m->max_drawdown;
    r->mdd_unhedged = drawdown(ru, n);
    r->worst_hedged = worst(se->ret + lf, p->time + lf, n,
                            &r->worst_hedged_time);
    r->worst_unhedged = worst(ru, p->time + lf, n, &r->worst_unhedged_time);
    r->hedge_effectiveness = m->hedge_effectiveness;
    r->residual_beta = m->residual_beta;
    r->cvar95_hedged = m->cvar95;
    hs_metric_var_cvar(ru, n, 0.95, scratch, NULL, &r->cvar95_unhedged);
    /* The hedge's own costs: the fees and slippage of its fills and of
     * the option trades in the window, the funding and the net premium.
     * (The run's fees also hold the book's, whose rebalancing follows the
     * account's equity and so differs from the book alone.) */
    double hc = m->funding + m->premium;
    for (size_t k = 0; k < se->n_fills; k++)
        if (se->fill_time[k] >= r->start)
            hc += fabs(se->fill_fee[k]) + fabs(se->fill_slippage[k]);
    for (size_t k = 0; k < se->n_otrades; k++)
        if (se->ot_time[k] >= r->start)
            hc += fabs(se->ot_fee[k]);
    r->hedge_cost = hc + 0.0; /* no -0 for a run without a hedge */
    r->hedge_cost_frac = r->hedge_cost / b->capital;
    r->dd_reduced = r->mdd_hedged < r->mdd_unhedged;
    free(ru);
    return 0;
}

/* ------------------------------------------------------------ stress */

struct hs_stress {
    const hs_config *cfg;
    const hs_registry *reg;
    hs_store *store;
    hs_stress_opts opts;
    size_t n_windows;
    hs_window win[HS_WINDOW_MAX];
    hs_config *wcfg[HS_WINDOW_MAX];
    hs_panel *panel[HS_WINDOW_MAX]; /* cut from opts.panel (owned) */
    hs_plan *plan[HS_WINDOW_MAX];
    size_t rolling[HS_WINDOW_MAX];
    size_t n_rows;
    hs_stress_row *rows;
    /* Shock transplant: the entry (or -1) and its crisis window. */
    long tp_at;
    hs_window crisis;
    /* Synthetic stress (stress_synth.c). */
    hs_stress_synth *synth;
};

/* The transplant's entry after the windows: "<crisis>@<date>". */
static int add_transplant(hs_stress *st)
{
    char d[32];
    int rc = hs_window_find(st->cfg, st->opts.transplant, &st->crisis);
    if (rc)
        return rc;
    if (st->n_windows == HS_WINDOW_MAX)
        return hs_error_set(HS_EINVAL, "stress: more than %d windows",
                            HS_WINDOW_MAX);
    hs_window *e = &st->win[st->n_windows];
    memset(e, 0, sizeof *e);
    hs_cal_format_time(st->opts.onto, d, sizeof d);
    if (strlen(st->crisis.name) + 1 + strlen(d) >= sizeof e->name)
        return hs_error_set(HS_EINVAL,
                            "stress: the transplant's name %s@%s is longer "
                            "than %zu characters",
                            st->crisis.name, d, sizeof e->name - 1);
    const size_t nc = strlen(st->crisis.name);
    memcpy(e->name, st->crisis.name, nc);
    e->name[nc] = '@';
    memcpy(e->name + nc + 1, d, strlen(d) + 1);
    e->start = e->end = st->opts.onto;
    snprintf(e->description, sizeof e->description,
             "%s's returns on the book of %s", st->crisis.name, d);
    snprintf(e->reference, sizeof e->reference, "%s", st->crisis.reference);
    e->from_config = st->crisis.from_config;
    for (size_t k = 0; k < st->n_windows; k++)
        if (!strcmp(st->win[k].name, e->name))
            return hs_error_set(HS_EINVAL, "window '%s' is named twice",
                                e->name);
    st->tp_at = (long)st->n_windows++;
    return 0;
}

int hs_stress_new(hs_stress **out, const hs_config *cfg,
                  const hs_registry *reg, hs_store *store,
                  const hs_stress_opts *opts)
{
    const hs_stress_opts dflt = HS_STRESS_OPTS_INIT;
    hs_stress *st = calloc(1, sizeof *st);
    int rc = 0;
    *out = NULL;
    if (!st)
        return hs_error_set(HS_ENOMEM, "out of memory");
    st->cfg = cfg;
    st->reg = reg;
    st->store = store;
    st->opts = opts ? *opts : dflt;
    st->tp_at = -1;
    if (st->opts.synthetic &&
        (st->opts.transplant || st->opts.n_windows || st->opts.n_only)) {
        rc = hs_error_set(HS_EINVAL,
                          "stress: a synthetic stress takes one window and "
                          "every run: no other window, transplant or run "
                          "selection");
    } else if (st->opts.synthetic) {
        rc = hs_window_find(cfg, st->opts.synthetic, &st->win[0]);
        st->n_windows = rc == 0;
    } else if (st->opts.n_windows == 0 && st->opts.transplant) {
        st->n_windows = 0;
    } else if (st->opts.n_windows == 0) {
        rc = hs_window_all(cfg, st->win, HS_WINDOW_MAX, &st->n_windows);
    } else if (st->opts.n_windows > HS_WINDOW_MAX) {
        rc = hs_error_set(HS_EINVAL, "stress: more than %d windows",
                          HS_WINDOW_MAX);
    } else {
        for (size_t i = 0; rc == 0 && i < st->opts.n_windows; i++) {
            rc = hs_window_find(cfg, st->opts.windows[i], &st->win[i]);
            for (size_t k = 0; rc == 0 && k < i; k++)
                if (!strcmp(st->win[k].name, st->win[i].name))
                    rc = hs_error_set(HS_EINVAL,
                                      "window '%s' is named twice",
                                      st->win[i].name);
            st->n_windows = i + 1;
        }
    }
    if (rc == 0 && st->opts.transplant)
        rc = add_transplant(st);
    if (rc) {
        hs_stress_free(st);
        return rc;
    }
    *out = st;
    return 0;
}

void hs_stress_free(hs_stress *st)
{
    if (!st)
        return;
    hs_stress__synth_free(st->synth);
    for (size_t w = 0; w < st->n_windows; w++) {
        hs_plan_free(st->plan[w]);
        hs_panel_free(st->panel[w]);
        hs_config_free(st->wcfg[w]);
    }
    free(st->rows);
    free(st);
}

/* The window's plan over steps of opts.panel: `lookback` steps of warm-up
 * before the window's first step. */
static int plan_from_panel(hs_stress *st, size_t w, size_t lookback)
{
    const hs_panel *src = st->opts.panel;
    const hs_window *win = &st->win[w];
    char t0[32], t1[32];
    size_t s0 = 0, s1;
    while (s0 < src->n_steps && src->time[s0] < win->start)
        s0++;
    for (s1 = s0; s1 + 1 < src->n_steps && src->time[s1 + 1] <= win->end;)
        s1++;
    if (s0 == src->n_steps || src->time[s0] > win->end)
        return hs_error_set(HS_EDATA,
                            "window %s (%s .. %s): the panel has no step "
                            "in it",
                            win->name,
                            hs_cal_format_time(win->start, t0, sizeof t0),
                            hs_cal_format_time(win->end, t1, sizeof t1));
    if (s0 < lookback)
        return hs_error_set(HS_EDATA,
                            "window %s: the warm-up of %zu steps reaches "
                            "before the panel's first step (%s): the "
                            "history holds %zu steps before the window",
                            win->name, lookback,
                            hs_cal_format_time(src->time[0], t0, sizeof t0),
                            s0);
    int rc = hs_panel_cut(src, s0 - lookback, s1, &st->panel[w]);
    if (rc)
        return rc;
    hs_plan_opts po = HS_PLAN_OPTS_INIT;
    po.only = st->opts.only;
    po.n_only = st->opts.n_only;
    po.panel = st->panel[w];
    po.live_from = lookback;
    return hs_plan_new(&st->plan[w], st->wcfg[w], st->reg, NULL, &po);
}

/* The warm-up has data: the benchmark from the panel's first step.  (A
 * basket without data in the window is refused by the loader and the
 * context, whose messages name the asset; the caller adds the window.) */
void hs_stress__name_error(const hs_window *win)
{
    char head[80];
    snprintf(head, sizeof head, "window %s", win->name);
    if (strncmp(hs_error_last(), head, strlen(head)))
        hs_error_prefix("window %s: ", win->name);
}

int hs_stress__check_plan(const hs_plan *pl, const hs_config *c,
                          const hs_window *win)
{
    const hs_panel *p = hs_plan_panel(pl);
    const size_t lf = hs_plan_live_from(pl);
    char t0[32], t1[32];
    int bench = hs_panel_find(p, c->benchmark);
    if (bench < 0 || p->first[bench] < 0 || p->first[bench] > 0)
        return hs_error_set(
            HS_EDATA,
            "window %s: the warm-up of %zu steps starts on %s, before the "
            "first %s bar%s%s: the history is too short; lower [data] "
            "lookback or choose a later window",
            win->name, lf, hs_cal_format_time(p->time[0], t0, sizeof t0),
            c->benchmark,
            bench >= 0 && p->first[bench] >= 0 ? " on " : "",
            bench >= 0 && p->first[bench] >= 0
                ? hs_cal_format_time(p->time[p->first[bench]], t1, sizeof t1)
                : "");
    return 0;
}

int hs_stress_run(hs_stress *st)
{
    int rc = 0;
    size_t nr = 0;
    for (size_t w = 0; w < st->n_windows; w++) {
        size_t lookback;
        hs_plan_free(st->plan[w]);
        hs_panel_free(st->panel[w]);
        hs_config_free(st->wcfg[w]);
        st->plan[w] = NULL;
        st->panel[w] = NULL;
        st->wcfg[w] = NULL;
        if ((long)w == st->tp_at) {
            hs_stress_tp tp = {st->cfg, st->reg, st->store, &st->opts,
                               &st->crisis};
            if ((rc = hs_stress__transplant(&tp, &st->win[w], &st->wcfg[w],
                                            &st->panel[w], &st->plan[w])))
                return rc; /* the message names the window or the date */
        } else if ((rc = hs_window_config(st->cfg, &st->win[w],
                                          &st->wcfg[w])) ||
                   (rc = hs_plan_lookback(st->wcfg[w], st->reg, &lookback))) {
            return rc;
        } else if (st->opts.panel) {
            rc = plan_from_panel(st, w, lookback);
        } else {
            hs_plan_opts po = HS_PLAN_OPTS_INIT;
            po.only = st->opts.only;
            po.n_only = st->opts.n_only;
            rc = hs_plan_new(&st->plan[w], st->wcfg[w], st->reg, st->store,
                             &po);
        }
        if (rc == 0)
            rc = hs_stress__check_plan(st->plan[w], st->wcfg[w], &st->win[w]);
        if (rc == 0)
            rc = hs_plan_run_strict(st->plan[w]);
        if (rc) {
            hs_stress__name_error(&st->win[w]);
            return rc;
        }
        const hs_panel *p = hs_plan_panel(st->plan[w]);
        st->rolling[w] = hs_stress_rolling_window(
            p->n_steps - hs_plan_live_from(st->plan[w]),
            st->cfg->rolling_window_given ? st->cfg->rolling_window : 0);
        nr += hs_plan_n_runs(st->plan[w]);
    }
    free(st->rows);
    st->rows = calloc(nr ? nr : 1, sizeof *st->rows);
    if (!st->rows)
        return hs_error_set(HS_ENOMEM, "out of memory");
    st->n_rows = 0;
    for (size_t w = 0; w < st->n_windows; w++)
        for (size_t i = 0; i < hs_plan_n_runs(st->plan[w]); i++) {
            hs_stress_row *r = &st->rows[st->n_rows++];
            if ((rc = hs_stress_row_compute(st->plan[w], i, r)))
                return rc;
            r->window = st->win[w].name;
        }
    if (st->opts.synthetic) {
        hs_stress__synth_free(st->synth);
        st->synth = NULL;
        hs_stress_synth_in in = {st->cfg, st->reg, st->store, &st->opts,
                                 &st->win[0], st->plan[0], st->rows};
        rc = hs_stress__synth_run(&in, &st->synth);
    }
    return rc;
}

size_t hs_stress_n_windows(const hs_stress *st) { return st->n_windows; }
const hs_window *hs_stress_window(const hs_stress *st, size_t w)
{
    return &st->win[w];
}
const hs_plan *hs_stress_plan(const hs_stress *st, size_t w)
{
    return st->plan[w];
}
size_t hs_stress_rolling(const hs_stress *st, size_t w)
{
    return st->rolling[w];
}
int hs_stress_is_transplant(const hs_stress *st, size_t w,
                            const hs_window **crisis)
{
    if (crisis)
        *crisis = (long)w == st->tp_at ? &st->crisis : NULL;
    return (long)w == st->tp_at;
}
size_t hs_stress_n_synth(const hs_stress *st)
{
    return hs_stress__synth_n(st->synth);
}
const hs_synth_row *hs_stress_synth_row(const hs_stress *st, size_t i)
{
    return hs_stress__synth_row(st->synth, i);
}
const char *hs_stress_synth_model(const hs_stress *st)
{
    return hs_stress__synth_model(st->synth);
}
void hs_stress_synth_calibration(const hs_stress *st, int64_t *from,
                                 int64_t *to)
{
    hs_stress__synth_calibration(st->synth, from, to);
}
size_t hs_stress_n_rows(const hs_stress *st) { return st->n_rows; }
const hs_stress_row *hs_stress_row_at(const hs_stress *st, size_t i)
{
    return &st->rows[i];
}

/* ------------------------------------------------------------ writing */

#define F(name, kind) {#name, kind, offsetof(hs_stress_row, name)}
const hs_h5_field hs_stress_fields[] = {
    F(window, HS_H5_STR),
    F(run, HS_H5_STR),
    F(type, HS_H5_STR),
    F(start, HS_H5_I64),
    F(end, HS_H5_I64),
    F(steps, HS_H5_I64),
    F(warmup, HS_H5_I64),
    F(ret_hedged, HS_H5_F64),
    F(ret_unhedged, HS_H5_F64),
    F(ann_hedged, HS_H5_F64),
    F(ann_unhedged, HS_H5_F64),
    F(mdd_hedged, HS_H5_F64),
    F(mdd_unhedged, HS_H5_F64),
    F(worst_hedged, HS_H5_F64),
    F(worst_hedged_time, HS_H5_I64),
    F(worst_unhedged, HS_H5_F64),
    F(worst_unhedged_time, HS_H5_I64),
    F(hedge_effectiveness, HS_H5_F64),
    F(residual_beta, HS_H5_F64),
    F(cvar95_hedged, HS_H5_F64),
    F(cvar95_unhedged, HS_H5_F64),
    F(hedge_cost, HS_H5_F64),
    F(hedge_cost_frac, HS_H5_F64),
    F(dd_reduced, HS_H5_I64),
};
#undef F
const size_t hs_stress_n_fields =
    sizeof hs_stress_fields / sizeof hs_stress_fields[0];

static int describe(hs_h5 *h, const char *path, const double *x, size_t n,
                    const char *units, const char *desc)
{
    int rc = hs_h5_write_f64(h, path, x, n);
    return rc ? rc : hs_h5_describe(h, path, units, desc);
}

/* One run's series over the live window, in the run file's layout
 * (HS_RUN_SERIES names under g), plus the rolling residual beta. */
static int write_run(hs_h5 *h, const char *g, const hs_plan *pl, size_t i,
                     size_t rolling, double *buf)
{
    const hs_run_series *s = hs_plan_series(pl, i);
    const hs_run_spec *spec = hs_plan_spec(pl, i);
    const size_t lf = hs_plan_live_from(pl), n = s->n_steps - lf;
    char p[400];
    int rc;
    TRY(hs_h5_group(h, g));
    TRY(hs_h5_attr_str(h, g, "type", spec->type->name));
    TRY(hs_h5_attr_str(h, g, "beta", spec->beta ? spec->beta->name : "none"));
    for (size_t k = 0; k < HS_RUN_SERIES_N; k++) {
        const hs_series_desc *d = &hs_run_series_desc[k];
        if ((d->flags & HS_SERIES_MEMORY) ||
            ((d->flags & HS_SERIES_OPTIONS) && !spec->options.chains))
            continue;
        TRY(join(p, sizeof p, g, d->name));
        TRY(describe(h, p, hs_run_series_data(s, d) + lf, n, d->unit,
                     d->doc));
    }
    hs_metric_rolling_slope(s->ret + lf,
                            hs_context_bench_returns(hs_plan_context(pl)) + lf,
                            n, rolling, buf);
    TRY(join(p, sizeof p, g, "residual_beta_rolling"));
    TRY(describe(h, p, buf, n, "1",
                 "rolling OLS slope of the hedged return on the benchmark"));
    TRY(hs_h5_attr_i64(h, p, "window", (int64_t)rolling));
done:
    return rc;
}

static int write_window(hs_h5 *h, const hs_stress *st, size_t w,
                        const hs_stress_row *rows, size_t nr)
{
    const hs_window *win = &st->win[w];
    const hs_plan *pl = st->plan[w];
    const hs_panel *pn = hs_plan_panel(pl);
    const hs_context *ctx = hs_plan_context(pl);
    const hs_book *b = hs_context_book(ctx);
    const size_t lf = hs_plan_live_from(pl), n = pn->n_steps - lf;
    char g[200], p[400], t[32];
    double *buf = malloc((n ? n : 1) * sizeof *buf);
    int rc;
    if (!buf)
        return hs_error_set(HS_ENOMEM, "out of memory");
    snprintf(g, sizeof g, "/stress/%s", win->name);
    TRY(hs_h5_group(h, g));
    TRY(hs_h5_attr_str(h, g, "start",
                       hs_cal_format_time(win->start, t, sizeof t)));
    TRY(hs_h5_attr_str(h, g, "end", hs_cal_format_time(win->end, t, sizeof t)));
    TRY(hs_h5_attr_str(h, g, "description", win->description));
    TRY(hs_h5_attr_str(h, g, "reference", win->reference));
    TRY(hs_h5_attr_i64(h, g, "from_config", win->from_config));
    TRY(hs_h5_attr_i64(h, g, "warmup_steps", (int64_t)lf));
    TRY(hs_h5_attr_i64(h, g, "rolling_window", (int64_t)st->rolling[w]));
    TRY(hs_h5_attr_str(h, g, "data_notes", pn->notes));
    if ((long)w == st->tp_at) {
        const hs_window *c = &st->crisis;
        TRY(hs_h5_attr_str(h, g, "transplant_window", c->name));
        TRY(hs_h5_attr_str(h, g, "transplant_window_start",
                           hs_cal_format_time(c->start, t, sizeof t)));
        TRY(hs_h5_attr_str(h, g, "transplant_window_end",
                           hs_cal_format_time(c->end, t, sizeof t)));
        TRY(hs_h5_attr_str(h, g, "transplant_onto",
                           hs_cal_format_time(st->opts.onto, t, sizeof t)));
        TRY(hs_h5_attr_i64(h, g, "transplant_beta_window",
                           (int64_t)(st->opts.beta_window
                                         ? st->opts.beta_window
                                         : HS_TRANSPLANT_BETA_WINDOW)));
        TRY(hs_h5_attr_i64(h, g, "transplant_seed", (int64_t)st->opts.seed));
    }
    snprintf(p, sizeof p, "%s/summary", g);
    TRY(hs_h5_write_records(h, p, hs_stress_fields, hs_stress_n_fields, rows,
                            sizeof *rows, nr));
    snprintf(p, sizeof p, "%s/calendar/time", g);
    TRY(hs_h5_write_time(h, p, pn->time + lf, n));
    snprintf(p, sizeof p, "%s/book/equity", g);
    TRY(describe(h, p, b->equity + lf, n, "currency",
                 "long book: holdings at close + cash"));
    snprintf(p, sizeof p, "%s/book/return", g);
    TRY(describe(h, p, b->ret + lf, n, "1", "basket return over the step"));
    snprintf(p, sizeof p, "%s/benchmark/return", g);
    TRY(describe(h, p, hs_context_bench_returns(ctx) + lf, n, "1",
                 "benchmark close-to-close return"));
    for (size_t i = 0; i < hs_plan_n_runs(pl); i++) {
        snprintf(p, sizeof p, "%s/runs/%s", g, hs_plan_spec(pl, i)->name);
        TRY(write_run(h, p, pl, i, st->rolling[w], buf));
    }
done:
    free(buf);
    return rc;
}

int hs_stress_write(const hs_stress *st, const char *path, int force,
                    const hs_results_meta *meta)
{
    hs_h5 *h = NULL;
    const char *names[HS_WINDOW_MAX];
    int rc;
    if (st->n_rows == 0)
        return hs_error_set(HS_EINVAL, "stress: nothing to write (run it "
                                       "first)");
#define STR(x) ((x) ? (x) : "")
    TRY(hs_h5_create(&h, path, force));
    TRY(hs_results_write_provenance(h, meta));
    TRY(hs_h5_attr_str(h, "/", "mode", "stress"));
    TRY(hs_h5_attr_i64(h, "/", "seed", (int64_t)meta->seed));
#undef STR
    for (size_t w = 0; w < st->n_windows; w++)
        names[w] = st->win[w].name;
    TRY(hs_h5_group(h, "/stress"));
    TRY(hs_h5_attr_strings(h, "/stress", "windows", names, st->n_windows));
    TRY(hs_h5_write_records(h, "/stress/summary", hs_stress_fields,
                            hs_stress_n_fields, st->rows, sizeof *st->rows,
                            st->n_rows));
    for (size_t w = 0, r0 = 0; w < st->n_windows; w++) {
        size_t nr = hs_plan_n_runs(st->plan[w]);
        TRY(write_window(h, st, w, st->rows + r0, nr));
        r0 += nr;
    }
    TRY(hs_stress__synth_write(st->synth, h));
    rc = hs_h5_commit(h);
    h = NULL;
done:
    hs_h5_abort(h);
    return rc;
}
