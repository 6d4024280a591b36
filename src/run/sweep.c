/* Parameter sweeps (include/hedgesim/sweep.h): the grid, its validation,
 * threads of plans over one shared panel, and the /sweep results. */
#include "hedgesim/sweep.h"
#include "hedgesim/errors.h"
#include "hedgesim/plan.h"
#include "hedgesim/results_table.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Points handed to a thread at a time. */
#define WORK_CHUNK 8
/* Characters of one value as text. */
#define VALUE_MAX 64

/* Byte ranges of a run spec one axis may set (resolve_axes). */
#define SPEC_RANGES 4

typedef struct axis {
    char key[160];  /* "strategy.ols60.window", "costs.fee_bps" */
    int is_cost;
    size_t n;
    char (*text)[VALUE_MAX]; /* [n] */
    double *num;    /* [n] the values as numbers (NaN: not a number) */
    int numeric;    /* every value is a number */
    size_t stride;  /* grid points between successive values */
    /* Resolved once (resolve_axes): the bytes of the run spec its values
     * set, as ranges, and each value's bytes there, [n * width]. */
    size_t n_rng, rng_off[SPEC_RANGES], rng_len[SPEC_RANGES], width;
    unsigned char *bytes;
} axis;

struct hs_sweep {
    const hs_config *cfg;
    const hs_registry *reg;
    hs_sweep_opts o;
    size_t run_idx;
    axis ax[HS_SWEEP_MAX_AXES];
    size_t n_axes, n_points;
    size_t n_cost;      /* tuples of the cost axes (1 if none) */
    size_t lookback;
    hs_metrics *met;    /* [n_points] */
    /* The run spec at point 0 when every axis was resolved once
     * (resolve_axes): a point's spec is then this one with each axis's
     * bytes set, no config text involved.  NULL: points go through text. */
    hs_run_spec *base;
    hs_config *mcfg;    /* the config the shared panel was loaded with */
    hs_plan *master;    /* owns the shared panel */
    char notes[HS_NOTES_MAX]; /* the panel's notes once loaded */
    int ran;
    /* while running */
    pthread_mutex_t lock; /* plans are built one at a time */
    atomic_size_t next, done, finished;
    atomic_int stop;
    atomic_size_t drained; /* threads told by next_chunk that work is out */
};

/* One thread's state. */
typedef struct worker {
    hs_sweep *sw;
    hs_config *cfg;     /* its own copy, points applied to it */
    size_t applied[HS_SWEEP_MAX_AXES]; /* ... the value of each axis in cfg */
    hs_store *store;    /* its own handle, for replayed option chains */
    hs_plan *plan;
    size_t group;       /* cost tuple the plan was built for */
    int summary_only;   /* its runs record only what the metrics need */
    int rc;
    size_t fail_point;
    char err[1024];
} worker;

/* ---- axes ---------------------------------------------------------------- */

static int parse_num(const char *s, double *out)
{
    char *end;
    if (!*s)
        return -1;
    *out = strtod(s, &end);
    return *end == '\0' && isfinite(*out) ? 0 : -1;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

static int add_value(axis *a, const char *text, const char *spec)
{
    if (a->n == HS_SWEEP_MAX_VALUES)
        return hs_error_set(HS_ECONFIG, "--vary %s: more than %d values",
                            spec, HS_SWEEP_MAX_VALUES);
    if (strlen(text) >= VALUE_MAX)
        return hs_error_set(HS_ECONFIG, "--vary %s: value '%s' is too long",
                            spec, text);
    snprintf(a->text[a->n], VALUE_MAX, "%s", text);
    if (parse_num(text, &a->num[a->n]))
        a->num[a->n] = NAN, a->numeric = 0;
    a->n++;
    return 0;
}

static int is_int(double x) { return fabs(x) < 1e15 && x == floor(x); }

/* "a:b:step" (b included) or "v1,v2,..." into the axis's values. */
static int parse_values(axis *a, char *vals, const char *spec)
{
    size_t cap;
    int rc;
    if (strchr(vals, ':') && !strchr(vals, ',')) {
        char *p1 = strchr(vals, ':'), *p2 = p1 ? strchr(p1 + 1, ':') : NULL;
        double lo, hi, step;
        if (!p2 || strchr(p2 + 1, ':'))
            return hs_error_set(HS_ECONFIG, "--vary %s: a range is "
                                "FIRST:LAST:STEP", spec);
        *p1 = *p2 = '\0';
        if (parse_num(trim(vals), &lo) || parse_num(trim(p1 + 1), &hi) ||
            parse_num(trim(p2 + 1), &step))
            return hs_error_set(HS_ECONFIG, "--vary %s: FIRST, LAST and STEP "
                                "must be finite numbers", spec);
        if (!(step > 0))
            return hs_error_set(HS_ECONFIG, "--vary %s: STEP must be "
                                "positive", spec);
        if (hi < lo)
            return hs_error_set(HS_ECONFIG, "--vary %s: empty range (LAST < "
                                "FIRST)", spec);
        double nv = floor((hi - lo) / step + 1e-9) + 1;
        if (nv > HS_SWEEP_MAX_VALUES)
            return hs_error_set(HS_ECONFIG, "--vary %s: more than %d values",
                                spec, HS_SWEEP_MAX_VALUES);
        cap = (size_t)nv;
        a->text = calloc(cap, sizeof *a->text);
        a->num = calloc(cap, sizeof *a->num);
        if (!a->text || !a->num)
            return hs_error_set(HS_ENOMEM, "out of memory");
        int ints = is_int(lo) && is_int(step);
        for (size_t i = 0; i < cap; i++) {
            char t[VALUE_MAX];
            double v = lo + (double)i * step;
            if (ints)
                snprintf(t, sizeof t, "%.0f", v);
            else
                snprintf(t, sizeof t, "%.12g", v);
            if ((rc = add_value(a, t, spec)))
                return rc;
        }
        return 0;
    }
    cap = 1;
    for (const char *c = vals; *c; c++)
        cap += *c == ',';
    if (cap > HS_SWEEP_MAX_VALUES)
        return hs_error_set(HS_ECONFIG, "--vary %s: more than %d values", spec,
                            HS_SWEEP_MAX_VALUES);
    a->text = calloc(cap, sizeof *a->text);
    a->num = calloc(cap, sizeof *a->num);
    if (!a->text || !a->num)
        return hs_error_set(HS_ENOMEM, "out of memory");
    for (char *save = NULL, *tok = vals;; tok = NULL) {
        char *end = tok ? tok : save;
        if (!end)
            break;
        char *comma = strchr(end, ',');
        if (comma)
            *comma = '\0';
        save = comma ? comma + 1 : NULL;
        char *v = trim(end);
        if (!*v)
            return hs_error_set(HS_ECONFIG, "--vary %s: empty value in the "
                                "list", spec);
        for (size_t i = 0; i < a->n; i++)
            if (!strcmp(a->text[i], v))
                return hs_error_set(HS_ECONFIG, "--vary %s: value '%s' is "
                                    "given twice", spec, v);
        if ((rc = add_value(a, v, spec)))
            return rc;
        if (!save)
            break;
    }
    return 0;
}

static int parse_axis(hs_sweep *sw, const char *spec)
{
    char buf[4096];
    axis *a = &sw->ax[sw->n_axes];
    const char *run = sw->cfg->runs[sw->run_idx].name;
    char sect[96];
    if (strlen(spec) >= sizeof buf)
        return hs_error_set(HS_ECONFIG, "--vary: '%.40s...' is too long",
                            spec);
    snprintf(buf, sizeof buf, "%s", spec);
    char *eq = strchr(buf, '=');
    if (!eq)
        return hs_error_set(HS_ECONFIG, "--vary %s: expected KEY=FIRST:LAST:"
                            "STEP or KEY=V1,V2,...", spec);
    *eq = '\0';
    char *key = trim(buf), *dot = strrchr(key, '.');
    if (!dot || !dot[1] || strlen(key) >= sizeof a->key)
        return hs_error_set(HS_ECONFIG, "--vary %s: the key is section.key, "
                            "e.g. strategy.%s.window or costs.fee_bps", spec,
                            run);
    snprintf(sect, sizeof sect, "strategy.%s", run);
    size_t slen = (size_t)(dot - key);
    if (slen == 5 && !strncmp(key, "costs", 5)) {
        a->is_cost = 1;
    } else if (slen != strlen(sect) || strncmp(key, sect, slen)) {
        if (!strncmp(key, "strategy.", 9))
            return hs_error_set(HS_ECONFIG, "--vary %s: the sweep varies run "
                                "'%s'; [%.*s] is another section (use --run "
                                "to choose the run)", spec, run, (int)slen,
                                key);
        return hs_error_set(HS_ECONFIG, "--vary %s: only keys of "
                            "[strategy.%s] and [costs] may vary", spec, run);
    }
    for (size_t i = 0; i < sw->n_axes; i++)
        if (!strcmp(sw->ax[i].key, key))
            return hs_error_set(HS_ECONFIG, "--vary %s: key %s is varied "
                                "twice", spec, key);
    snprintf(a->key, sizeof a->key, "%s", key);
    a->numeric = 1;
    sw->n_axes++; /* owned now: freed with the sweep */
    return parse_values(a, trim(eq + 1), spec);
}

/* ---- points -------------------------------------------------------------- */

static size_t value_index(const hs_sweep *sw, size_t p, size_t a)
{
    return p / sw->ax[a].stride % sw->ax[a].n;
}

/* The cost tuple of point p (0 .. n_cost - 1). */
static size_t cost_group(const hs_sweep *sw, size_t p)
{
    size_t g = 0;
    for (size_t a = 0; a < sw->n_axes; a++)
        if (sw->ax[a].is_cost)
            g = g * sw->ax[a].n + value_index(sw, p, a);
    return g;
}

/* The grid point of work item w: cost tuples outermost, so a thread
 * rebuilds its plan only when the costs change. */
static size_t point_of_work(const hs_sweep *sw, size_t w)
{
    size_t per = sw->n_points / sw->n_cost, c = w / per, s = w % per, p = 0;
    for (size_t a = sw->n_axes; a-- > 0;) {
        const axis *x = &sw->ax[a];
        size_t *digit = x->is_cost ? &c : &s;
        p += (*digit % x->n) * x->stride;
        *digit /= x->n;
    }
    return p;
}

/* "k1=v1, k2=v2" of point p into buf. */
static const char *describe(const hs_sweep *sw, size_t p, char *buf,
                            size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t a = 0; a < sw->n_axes && len < size; a++) {
        snprintf(buf + len, size - len, "%s%s=%s", a ? ", " : "",
                 sw->ax[a].key, sw->ax[a].text[value_index(sw, p, a)]);
        len = strlen(buf);
    }
    return buf;
}

/* No value of an axis set in a config yet (applied_none). */
#define NOT_APPLIED ((size_t)-1)

static void applied_none(size_t *applied)
{
    for (size_t a = 0; a < HS_SWEEP_MAX_AXES; a++)
        applied[a] = NOT_APPLIED;
}

/* Set point p's values in cfg and resolve the run into *spec.  Errors name
 * the point.  applied[a]: the value index of axis a that cfg holds, kept
 * up to date: an axis whose value did not change since the last point is
 * not set again (hs_config_set re-interprets the whole config, and setting
 * a key of a valid config to the value it has changes nothing). */
static int apply_point(const hs_sweep *sw, hs_config *cfg, size_t p,
                       const hs_registry *reg, hs_run_spec *spec,
                       size_t *applied)
{
    char set[VALUE_MAX + 200], what[1024];
    int rc = 0;
    for (size_t a = 0; a < sw->n_axes && rc == 0; a++) {
        const size_t v = value_index(sw, p, a);
        if (applied[a] == v)
            continue;
        snprintf(set, sizeof set, "%s=%s", sw->ax[a].key, sw->ax[a].text[v]);
        rc = hs_config_set(cfg, set);
        applied[a] = rc ? NOT_APPLIED : v;
    }
    if (rc == 0)
        rc = hs_config_run_spec(cfg, sw->run_idx, reg, spec);
    if (rc) {
        applied_none(applied); /* set everything again after a failure */
        hs_error_prefix("grid point %zu (%s): ", p,
                        describe(sw, p, what, sizeof what));
    }
    return rc;
}

/* A copy of the sweep's config (text and --set overrides replayed) with
 * the shared panel's lookback. */
static int clone_config(const hs_sweep *sw, hs_config **out)
{
    const hs_config *cfg = sw->cfg;
    char line[512];
    int rc = hs_config_parse(out, cfg->text, cfg->path);
    for (const char *s = cfg->overrides; rc == 0 && *s;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        snprintf(line, sizeof line, "%.*s", (int)len, s);
        if (len)
            rc = hs_config_set(*out, line);
        s += len + (nl ? 1 : 0);
    }
    if (rc == 0 && sw->lookback) {
        snprintf(line, sizeof line, "data.lookback=%zu", sw->lookback);
        rc = hs_config_set(*out, line);
    }
    if (rc) {
        hs_config_free(*out);
        *out = NULL;
    }
    return rc;
}

/* The run to sweep: opts->run, else the only one. */
static int choose_run(hs_sweep *sw)
{
    const hs_config *cfg = sw->cfg;
    char names[1024] = "";
    for (size_t j = 0; j < cfg->n_runs; j++) {
        strncat(names, j ? ", " : "", sizeof names - strlen(names) - 1);
        strncat(names, cfg->runs[j].name, sizeof names - strlen(names) - 1);
        if (sw->o.run && !strcmp(cfg->runs[j].name, sw->o.run)) {
            sw->run_idx = j;
            return 0;
        }
    }
    if (sw->o.run)
        return hs_error_set(HS_ECONFIG, "%s has no [strategy.%s] (its runs: "
                            "%s)", cfg->path, sw->o.run, names);
    if (cfg->n_runs != 1)
        return hs_error_set(HS_ECONFIG, "%s has %zu runs (%s): choose one "
                            "with --run", cfg->path, cfg->n_runs, names);
    sw->run_idx = 0;
    return 0;
}

/* ---- specs resolved once ------------------------------------------------- */

/* Can the axes be resolved one at a time?  Keys of the run's section set
 * one parameter each, independently of the others (hs_config_run_spec
 * checks each against its table, and nothing else reads them), except
 * `type` and `beta`, which choose the tables.  Cost axes change the plan:
 * they go through text. */
static int separable(const hs_sweep *sw)
{
    for (size_t a = 0; a < sw->n_axes; a++) {
        const char *k = strrchr(sw->ax[a].key, '.') + 1;
        if (sw->ax[a].is_cost || !strcmp(k, "type") || !strcmp(k, "beta"))
            return 0;
    }
    return 1;
}

/* Point p's spec from the base and each axis's bytes. */
static void merged_spec(const hs_sweep *sw, size_t p, hs_run_spec *spec)
{
    *spec = *sw->base;
    for (size_t a = 0; a < sw->n_axes; a++) {
        const axis *x = &sw->ax[a];
        const unsigned char *v = x->bytes + value_index(sw, p, a) * x->width;
        for (size_t r = 0; r < x->n_rng; v += x->rng_len[r], r++)
            memcpy((unsigned char *)spec + x->rng_off[r], v, x->rng_len[r]);
    }
    spec->name = hs_sweep_run_name(sw);
}

/* The spec of point p (resolved from text in cfg) with no name, so that
 * specs from different configs compare equal. */
static int text_spec(const hs_sweep *sw, hs_config *cfg, size_t p,
                     size_t *applied, hs_run_spec *spec)
{
    int rc = apply_point(sw, cfg, p, sw->reg, spec, applied);
    spec->name = NULL;
    return rc;
}

/* Axis a's byte ranges (where any of its values' specs differs from the
 * base spec s0), then each value's bytes there.  0 and x->bytes NULL when
 * the axis does not fit (a value fails, too many ranges, or bytes another
 * axis sets: `taken`). */
static int resolve_axis(hs_sweep *sw, hs_config *work, size_t a,
                        size_t *applied, const hs_run_spec *s0,
                        unsigned char *taken)
{
    axis *x = &sw->ax[a];
    unsigned char differs[sizeof(hs_run_spec)] = {0};
    hs_run_spec s;
    for (size_t j = 0; j < x->n; j++) {
        if (text_spec(sw, work, j * x->stride, applied, &s))
            return 0;
        for (size_t b = 0; b < sizeof s; b++)
            differs[b] |= ((unsigned char *)&s)[b] !=
                          ((const unsigned char *)s0)[b];
    }
    x->n_rng = x->width = 0;
    for (size_t b = 0; b < sizeof s; b++) {
        if (!differs[b])
            continue;
        if (taken[b])
            return 0;
        taken[b] = 1;
        const size_t last = x->n_rng - 1;
        if (x->n_rng && x->rng_off[last] + x->rng_len[last] == b) {
            x->rng_len[last]++;
        } else {
            if (x->n_rng == SPEC_RANGES)
                return 0;
            x->rng_off[x->n_rng] = b;
            x->rng_len[x->n_rng++] = 1;
        }
        x->width++;
    }
    if (!(x->bytes = malloc(x->n * x->width + 1)))
        return hs_error_set(HS_ENOMEM, "out of memory");
    for (size_t j = 0; j < x->n; j++) {
        unsigned char *v = x->bytes + j * x->width;
        if (text_spec(sw, work, j * x->stride, applied, &s))
            return 0;
        for (size_t r = 0; r < x->n_rng; v += x->rng_len[r], r++)
            memcpy(v, (unsigned char *)&s + x->rng_off[r], x->rng_len[r]);
    }
    return 0;
}

static void drop_resolved(hs_sweep *sw)
{
    for (size_t a = 0; a < sw->n_axes; a++) {
        free(sw->ax[a].bytes);
        sw->ax[a].bytes = NULL;
    }
    free(sw->base);
    sw->base = NULL;
}

/* Resolve the spec of every value of every axis once, from text (each
 * axis's values with the others at their first), so that points need no
 * text (sw->base set); the spec of the last point, merged, is checked
 * against the one from text.  Leaves sw->base NULL when the axes do not
 * allow it or any value fails (validation from text then reports the first
 * failing point); an error only for lack of memory. */
static int resolve_axes(hs_sweep *sw, hs_config *work)
{
    size_t applied[HS_SWEEP_MAX_AXES];
    unsigned char taken[sizeof(hs_run_spec)] = {0};
    hs_run_spec s0, merged, s;
    int rc = 0;
    if (!separable(sw))
        return 0;
    applied_none(applied);
    if (text_spec(sw, work, 0, applied, &s0))
        return 0;
    for (size_t a = 0; a < sw->n_axes && rc == 0; a++) {
        if ((rc = resolve_axis(sw, work, a, applied, &s0, taken)))
            break;
        if (!sw->ax[a].bytes)
            goto unfit;
    }
    if (rc || !(sw->base = malloc(sizeof *sw->base))) {
        drop_resolved(sw);
        return rc ? rc : hs_error_set(HS_ENOMEM, "out of memory");
    }
    *sw->base = s0;
    merged_spec(sw, sw->n_points - 1, &merged);
    merged.name = NULL;
    if (text_spec(sw, work, sw->n_points - 1, applied, &s) ||
        memcmp(&merged, &s, sizeof s))
        goto unfit;
    return 0;
unfit:
    drop_resolved(sw);
    return 0;
}

/* Validate every point, and find the warm-up of the slowest. */
static int validate(hs_sweep *sw)
{
    hs_config *work = NULL;
    hs_run_spec spec;
    size_t warm = 0, lb = sw->lookback, applied[HS_SWEEP_MAX_AXES];
    int rc;
    sw->lookback = 0; /* the clone keeps the config's own lookback */
    rc = clone_config(sw, &work);
    sw->lookback = lb;
    if (rc)
        return rc;
    for (size_t i = 0; i < work->n_runs && rc == 0; i++) {
        if (i == sw->run_idx)
            continue;
        if ((rc = hs_config_run_spec(work, i, sw->reg, &spec)))
            break;
        if (spec.beta && hs_beta_warmup(spec.beta, &spec.beta_params) > warm)
            warm = hs_beta_warmup(spec.beta, &spec.beta_params);
    }
    if (rc == 0)
        rc = resolve_axes(sw, work);
    applied_none(applied);
    for (size_t p = 0; p < sw->n_points && rc == 0; p++) {
        if (sw->base)
            merged_spec(sw, p, &spec);
        else if ((rc = apply_point(sw, work, p, sw->reg, &spec, applied)))
            break;
        if (spec.beta && hs_beta_warmup(spec.beta, &spec.beta_params) > warm)
            warm = hs_beta_warmup(spec.beta, &spec.beta_params);
    }
    if (rc == 0)
        sw->lookback = sw->cfg->lookback ? sw->cfg->lookback
                                         : sw->cfg->min_history + warm + 1;
    hs_config_free(work);
    return rc;
}

int hs_sweep_new(hs_sweep **out, const hs_config *cfg, const hs_registry *reg,
                 const char *const *vary, size_t n_vary,
                 const hs_sweep_opts *opts)
{
    const hs_sweep_opts dflt = HS_SWEEP_OPTS_INIT;
    hs_sweep *sw;
    int rc = 0;
    *out = NULL;
    if (n_vary == 0)
        return hs_error_set(HS_ECONFIG, "a sweep needs at least one --vary");
    if (n_vary > HS_SWEEP_MAX_AXES)
        return hs_error_set(HS_ECONFIG, "at most %d --vary axes",
                            HS_SWEEP_MAX_AXES);
    sw = calloc(1, sizeof *sw);
    if (!sw)
        return hs_error_set(HS_ENOMEM, "out of memory");
    pthread_mutex_init(&sw->lock, NULL);
    sw->cfg = cfg;
    sw->reg = reg;
    sw->o = opts ? *opts : dflt;
    if (sw->o.threads == 0)
        sw->o.threads = 1;
    if (sw->o.threads > HS_SWEEP_MAX_THREADS) {
        rc = hs_error_set(HS_EINVAL, "at most %d threads",
                          HS_SWEEP_MAX_THREADS);
        goto fail;
    }
    if ((rc = choose_run(sw)))
        goto fail;
    for (size_t i = 0; i < n_vary; i++)
        if ((rc = parse_axis(sw, vary[i])))
            goto fail;
    sw->n_points = sw->n_cost = 1;
    for (size_t a = sw->n_axes; a-- > 0;) {
        sw->ax[a].stride = sw->n_points;
        if (sw->n_points > HS_SWEEP_MAX_POINTS / sw->ax[a].n) {
            rc = hs_error_set(HS_ECONFIG, "the grid has more than %d points",
                              HS_SWEEP_MAX_POINTS);
            goto fail;
        }
        sw->n_points *= sw->ax[a].n;
        if (sw->ax[a].is_cost)
            sw->n_cost *= sw->ax[a].n;
    }
    if ((rc = validate(sw)))
        goto fail;
    *out = sw;
    return 0;
fail:
    hs_sweep_free(sw);
    return rc;
}

void hs_sweep_free(hs_sweep *sw)
{
    if (!sw)
        return;
    drop_resolved(sw);
    for (size_t a = 0; a < sw->n_axes; a++) {
        free(sw->ax[a].text);
        free(sw->ax[a].num);
    }
    free(sw->met);
    hs_plan_free(sw->master);
    hs_config_free(sw->mcfg);
    pthread_mutex_destroy(&sw->lock);
    free(sw);
}

size_t hs_sweep_n_points(const hs_sweep *sw) { return sw->n_points; }
size_t hs_sweep_n_axes(const hs_sweep *sw) { return sw->n_axes; }
const char *hs_sweep_axis_key(const hs_sweep *sw, size_t a)
{
    return sw->ax[a].key;
}
const char *hs_sweep_value(const hs_sweep *sw, size_t p, size_t a)
{
    return sw->ax[a].text[value_index(sw, p, a)];
}
const char *hs_sweep_run_name(const hs_sweep *sw)
{
    return sw->cfg->runs[sw->run_idx].name;
}
size_t hs_sweep_lookback(const hs_sweep *sw) { return sw->lookback; }
const hs_metrics *hs_sweep_metrics(const hs_sweep *sw, size_t p)
{
    return sw->ran ? &sw->met[p] : NULL;
}
const hs_panel *hs_sweep_panel(const hs_sweep *sw)
{
    return sw->master ? hs_plan_panel(sw->master) : NULL;
}
size_t hs_sweep_live_from(const hs_sweep *sw)
{
    return sw->master ? hs_plan_live_from(sw->master) : 0;
}

/* ---- running ------------------------------------------------------------- */

static int needs_store(const hs_sweep *sw)
{
    return sw->cfg->has_options && sw->cfg->opt_chains == 1;
}

/* A thread's state.  summary_only: its runs record only what the metrics
 * need (the points' own series are not written: those kept are re-run by
 * hs_sweep_write, on a worker that records them). */
static int worker_init(worker *w, hs_sweep *sw, int summary_only)
{
    memset(w, 0, sizeof *w);
    w->sw = sw;
    w->group = (size_t)-1;
    w->summary_only = summary_only;
    applied_none(w->applied);
    int rc = clone_config(sw, &w->cfg);
    if (rc == 0 && needs_store(sw))
        rc = hs_store_open(&w->store, sw->o.db ? sw->o.db : sw->cfg->db,
                           HS_STORE_READONLY);
    return rc;
}

static void worker_free(worker *w)
{
    hs_plan_free(w->plan);
    hs_store_close(w->store);
    hs_config_free(w->cfg);
    w->plan = NULL;
    w->store = NULL;
    w->cfg = NULL;
}

/* Run point p on the worker's plan (re-made if the costs changed). */
static int run_point(worker *w, size_t p)
{
    hs_sweep *sw = w->sw;
    hs_run_spec spec;
    char what[1024];
    int rc = 0;
    if (sw->base)
        merged_spec(sw, p, &spec);
    else if ((rc = apply_point(sw, w->cfg, p, sw->reg, &spec, w->applied)))
        return rc;
    size_t g = cost_group(sw, p);
    if (!w->plan || g != w->group) {
        const char *only[1] = {hs_sweep_run_name(sw)};
        hs_plan_opts po = HS_PLAN_OPTS_INIT;
        po.only = only;
        po.n_only = 1;
        po.panel = hs_plan_panel_shared(sw->master);
        po.live_from = hs_plan_live_from(sw->master);
        po.summary_only = w->summary_only;
        hs_plan_free(w->plan);
        w->plan = NULL;
        pthread_mutex_lock(&sw->lock);
        rc = hs_plan_new(&w->plan, w->cfg, sw->reg, w->store, &po);
        pthread_mutex_unlock(&sw->lock);
        if (rc)
            goto fail;
        w->group = g;
    }
    if ((rc = hs_plan_rerun(w->plan, 0, &spec)) ||
        (rc = hs_plan_finish(w->plan)))
        goto fail;
    return 0;
fail:
    hs_error_prefix("grid point %zu (%s): ", p,
                    describe(sw, p, what, sizeof what));
    return rc;
}

/* The next chunk of work items [*k, *end) from opts.next_chunk, one
 * caller at a time; *k == *end when no work is left. */
static int next_chunk(worker *w, size_t *k, size_t *end)
{
    hs_sweep *sw = w->sw;
    size_t first = 0, count = 0;
    pthread_mutex_lock(&sw->lock);
    int rc = sw->o.next_chunk(sw->o.chunk_ctx, &first, &count);
    pthread_mutex_unlock(&sw->lock);
    if (!rc && (first > sw->n_points || count > sw->n_points - first))
        rc = hs_error_set(HS_EINVAL, "work chunk of points %zu + %zu is "
                          "outside 0 .. %zu", first, count, sw->n_points);
    if (rc) {
        w->rc = rc;
        w->fail_point = 0;
        snprintf(w->err, sizeof w->err, "%s", hs_error_last());
        atomic_store(&sw->stop, 1);
        return rc;
    }
    if (!count)
        atomic_fetch_add(&sw->drained, 1);
    *k = first;
    *end = first + count;
    return 0;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    hs_sweep *sw = w->sw;
    while (!atomic_load(&sw->stop)) {
        size_t k, end;
        if (sw->o.next_chunk) {
            if (next_chunk(w, &k, &end) || k == end)
                break;
        } else {
            k = atomic_fetch_add(&sw->next, WORK_CHUNK);
            if (k >= sw->n_points)
                break;
            end = k + WORK_CHUNK < sw->n_points ? k + WORK_CHUNK
                                                : sw->n_points;
        }
        for (size_t j = k; j < end; j++) {
            size_t p = point_of_work(sw, j);
            int rc = run_point(w, p);
            if (rc) {
                if (!w->rc || p < w->fail_point) {
                    w->rc = rc;
                    w->fail_point = p;
                    snprintf(w->err, sizeof w->err, "%s", hs_error_last());
                }
                atomic_store(&sw->stop, 1);
                break;
            }
            sw->met[p] = *hs_plan_metrics(w->plan, 0);
            atomic_fetch_add(&sw->done, 1);
        }
    }
    atomic_fetch_add(&sw->finished, 1);
    return NULL;
}

static void nap(void)
{
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

int hs_sweep_run(hs_sweep *sw, hs_store *store)
{
    size_t nt = sw->o.threads < sw->n_points ? sw->o.threads : sw->n_points;
    worker *w = NULL;
    pthread_t *th = NULL;
    size_t started = 0;
    int rc;
    if (sw->ran || sw->master)
        return hs_error_set(HS_EINVAL, "the sweep has run already");
    sw->met = calloc(sw->n_points, sizeof *sw->met);
    w = calloc(nt, sizeof *w);
    th = calloc(nt, sizeof *th);
    if (!sw->met || !w || !th) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    /* The shared panel: a plan of the swept run at the first point. */
    {
        const char *only[1] = {hs_sweep_run_name(sw)};
        hs_plan_opts po = HS_PLAN_OPTS_INIT;
        hs_run_spec spec;
        size_t applied[HS_SWEEP_MAX_AXES];
        po.only = only;
        po.n_only = 1;
        applied_none(applied);
        if ((rc = clone_config(sw, &sw->mcfg)) ||
            (rc = apply_point(sw, sw->mcfg, 0, sw->reg, &spec, applied)) ||
            (rc = hs_plan_new(&sw->master, sw->mcfg, sw->reg, store, &po)))
            goto done;
        snprintf(sw->notes, sizeof sw->notes, "%s",
                 hs_plan_panel(sw->master)->notes);
    }
    for (size_t i = 0; i < nt; i++)
        if ((rc = worker_init(&w[i], sw, 1)))
            goto done;
    atomic_init(&sw->next, 0);
    atomic_init(&sw->done, 0);
    atomic_init(&sw->finished, 0);
    atomic_init(&sw->stop, 0);
    atomic_init(&sw->drained, 0);
    for (started = 0; started < nt; started++)
        if (pthread_create(&th[started], NULL, worker_main, &w[started])) {
            atomic_store(&sw->stop, 1);
            rc = hs_error_set(HS_ENOMEM, "cannot start thread %zu", started);
            break;
        }
    if (sw->o.progress)
        while (atomic_load(&sw->finished) < started) {
            sw->o.progress(atomic_load(&sw->done), sw->n_points,
                           sw->o.progress_user);
            nap();
        }
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (rc)
        goto done;
    /* The error of the first failed point, whichever thread met it. */
    worker *first = NULL;
    for (size_t i = 0; i < nt; i++)
        if (w[i].rc && (!first || w[i].fail_point < first->fail_point))
            first = &w[i];
    if (first) {
        rc = hs_error_set(first->rc, "%s", first->err);
        goto done;
    }
    if (sw->o.next_chunk) { /* shared work: complete once all are here */
        sw->ran = atomic_load(&sw->done) == sw->n_points;
        goto done;
    }
    if (sw->o.progress)
        sw->o.progress(sw->n_points, sw->n_points, sw->o.progress_user);
    sw->ran = 1;
done:
    for (size_t i = 0; w && i < nt; i++)
        worker_free(&w[i]);
    free(w);
    free(th);
    return rc;
}

size_t hs_sweep_point_of_work(const hs_sweep *sw, size_t w)
{
    return point_of_work(sw, w);
}

size_t hs_sweep_point_bytes(void) { return sizeof(hs_metrics); }

void hs_sweep_point_pack(const hs_sweep *sw, size_t p, void *buf)
{
    memcpy(buf, &sw->met[p], sizeof(hs_metrics));
}

int hs_sweep_point_unpack(hs_sweep *sw, size_t p, const void *buf)
{
    if (p >= sw->n_points || !sw->met)
        return hs_error_set(HS_EINVAL, "grid point %zu of %zu (or the sweep "
                            "has not run)", p, sw->n_points);
    memcpy(&sw->met[p], buf, sizeof(hs_metrics));
    if (atomic_fetch_add(&sw->done, 1) + 1 == sw->n_points)
        sw->ran = 1;
    return 0;
}

/* ---- results ------------------------------------------------------------- */

#define METRICS(X)                                                             \
    X(hedge_effectiveness, "1") X(tracking_error, "1/year^0.5")               \
    X(residual_beta, "1") X(ann_return, "1/year") X(ann_vol, "1/year^0.5")    \
    X(sharpe, "1") X(max_drawdown, "1") X(var95, "1") X(cvar95, "1")          \
    X(var99, "1") X(cvar99, "1") X(turnover, "1/year") X(fees, "currency")    \
    X(slippage, "currency") X(funding, "currency") X(premium, "currency")     \
    X(hedge_cost_drag, "1/year") X(total_return, "1")

#define METRIC_DESC(f, u) {#f, u, offsetof(hs_metrics, f)},
static const struct {
    const char *name, *units;
    size_t off;
} metric_cols[] = {METRICS(METRIC_DESC)};
#define N_METRICS (sizeof metric_cols / sizeof metric_cols[0])

#define TRY(expr)                                                              \
    do {                                                                       \
        if ((rc = (expr)) != 0)                                                \
            goto done;                                                         \
    } while (0)

/* Points ordered by hedge effectiveness, best first; NaN left out.
 * *out malloc'ed. */
static int rank_points(const hs_sweep *sw, size_t **out, size_t *n)
{
    size_t *r = malloc((sw->n_points ? sw->n_points : 1) * sizeof *r), m = 0;
    if (!r)
        return hs_error_set(HS_ENOMEM, "out of memory");
    for (size_t p = 0; p < sw->n_points; p++)
        if (!isnan(sw->met[p].hedge_effectiveness))
            r[m++] = p;
    /* Insertion into order by (HE descending, grid index ascending) would
     * be quadratic: a merge sort on indices keeps it n log n and stable. */
    size_t *tmp = malloc((m ? m : 1) * sizeof *tmp);
    if (!tmp) {
        free(r);
        return hs_error_set(HS_ENOMEM, "out of memory");
    }
    for (size_t width = 1; width < m; width *= 2) {
        for (size_t lo = 0; lo < m; lo += 2 * width) {
            size_t mid = lo + width < m ? lo + width : m;
            size_t hi = lo + 2 * width < m ? lo + 2 * width : m;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = sw->met[r[j]].hedge_effectiveness >
                                   sw->met[r[i]].hedge_effectiveness
                               ? r[j++]
                               : r[i++];
            while (i < mid)
                tmp[k++] = r[i++];
            while (j < hi)
                tmp[k++] = r[j++];
        }
        memcpy(r, tmp, m * sizeof *r);
    }
    free(tmp);
    *out = r;
    *n = m;
    return 0;
}

static int write_summary(hs_h5 *h, const hs_sweep *sw)
{
    hs_h5_column *cols;
    size_t nc;
    int rc = hs_sweep_summary_columns(sw, &cols, &nc);
    if (rc)
        return rc;
    rc = hs_h5_write_compound(h, "/sweep/summary", cols, nc, sw->n_points);
    free(cols);
    return rc;
}

/* Re-run point p and write its series as group g. */
static int write_series(hs_h5 *h, hs_sweep *sw, worker *w, size_t p,
                        const char *g, const char *rank,
                        const hs_results_meta *meta)
{
    char what[1024];
    int rc;
    TRY(run_point(w, p));
    hs_results_meta m = *meta;
    m.rolling_window = sw->cfg->rolling_window;
    m.modeled_data = hs_plan_modeled(w->plan);
    hs_run_output out = {hs_plan_spec(w->plan, 0), hs_plan_series(w->plan, 0),
                         hs_plan_metrics(w->plan, 0),
                         hs_plan_steps_hedged(w->plan, 0)};
    TRY(hs_results_write_run_group(h, g, hs_plan_context(w->plan), &out, &m));
    TRY(hs_h5_attr_i64(h, g, "point", (int64_t)p));
    TRY(hs_h5_attr_str(h, g, "rank", rank));
    TRY(hs_h5_attr_str(h, g, "values", describe(sw, p, what, sizeof what)));
done:
    return rc;
}

int hs_sweep_write(hs_sweep *sw, const char *path, int force,
                   const hs_results_meta *meta)
{
    hs_h5 *h = NULL;
    size_t *order = NULL, nr = 0;
    worker w;
    int rc, have_worker = 0;
    char rows[65];
    const char *keys[HS_SWEEP_MAX_AXES];
    if (!sw->ran)
        return hs_error_set(HS_EINVAL, "the sweep has not run");
    const hs_panel *pn = hs_plan_panel(sw->master);
    const hs_context *ctx = hs_plan_context(sw->master);
    const size_t lf = hs_plan_live_from(sw->master);

#define STR(x) ((x) ? (x) : "")
    TRY(hs_h5_create(&h, path, force));
    TRY(hs_results_write_provenance(h, meta));
    hs_results_panel_sha256(pn, rows);
    TRY(hs_h5_attr_str(h, "/", "dataset_rows_sha256", rows));
    TRY(hs_h5_attr_str(h, "/", "mode", "sweep"));
    TRY(hs_h5_attr_str(h, "/", "data_notes", sw->notes));
    TRY(hs_h5_attr_i64(h, "/", "seed", (int64_t)meta->seed));
    TRY(hs_h5_attr_i64(h, "/", "step_ms", pn->step_ms));
    TRY(hs_h5_attr_f64(h, "/", "periods_per_year",
                       hs_context_periods_per_year(ctx)));
    TRY(hs_h5_attr_i64(h, "/", "modeled_data", hs_plan_modeled(sw->master)));
#undef STR
    TRY(hs_h5_group(h, "/calendar"));
    TRY(hs_h5_write_time(h, "/calendar/time", pn->time + lf,
                         pn->n_steps - lf));

    TRY(hs_h5_group(h, "/sweep"));
    for (size_t a = 0; a < sw->n_axes; a++)
        keys[a] = sw->ax[a].key;
    TRY(hs_h5_attr_str(h, "/sweep", "run", hs_sweep_run_name(sw)));
    TRY(hs_h5_attr_strings(h, "/sweep", "keys", keys, sw->n_axes));
    TRY(hs_h5_attr_i64(h, "/sweep", "n_points", (int64_t)sw->n_points));
    TRY(hs_h5_attr_i64(h, "/sweep", "lookback", (int64_t)sw->lookback));
    TRY(write_summary(h, sw));

    if (sw->o.keep_series > 0) {
        TRY(rank_points(sw, &order, &nr));
        size_t k = sw->o.keep_series < nr ? sw->o.keep_series : nr;
        TRY(worker_init(&w, sw, 0));
        have_worker = 1;
        TRY(hs_h5_group(h, "/sweep/series"));
        for (size_t i = 0; i < 2 * k; i++) {
            char g[64], rank[64];
            size_t p = i < k ? order[i] : order[nr - 1 - (i - k)];
            snprintf(g, sizeof g, "/sweep/series/%s_%zu", i < k ? "best" : "worst",
                     (i < k ? i : i - k) + 1);
            snprintf(rank, sizeof rank, "%s %zu of %zu by hedge effectiveness",
                     i < k ? "best" : "worst", (i < k ? i : i - k) + 1, nr);
            TRY(write_series(h, sw, &w, p, g, rank, meta));
        }
    }
    rc = hs_h5_commit(h);
    h = NULL;
done:
    if (have_worker)
        worker_free(&w);
    free(order);
    hs_h5_abort(h);
    return rc;
}

/* ---- the summary as columns, for other tools ------------------------------ */

int hs_sweep_summary_columns(const hs_sweep *sw, hs_h5_column **out,
                             size_t *ncols)
{
    *out = NULL;
    *ncols = 0;
    if (!sw || !sw->ran)
        return hs_error_set(HS_EINVAL, "the sweep has not run: no summary");
    /* One allocation: the column array, then the points, the numbers and
     * the text pointers. */
    const size_t n = sw->n_points, n1 = n ? n : 1;
    const size_t nc = 1 + sw->n_axes + N_METRICS;
    hs_h5_column *cols =
        malloc(nc * sizeof *cols + n1 * sizeof(int64_t) +
               n1 * (sw->n_axes + N_METRICS) * sizeof(double) +
               n1 * sw->n_axes * sizeof(const char *));
    if (!cols)
        return hs_error_set(HS_ENOMEM, "out of memory");
    int64_t *point = (int64_t *)(void *)(cols + nc);
    double *num = (double *)(void *)(point + n1);
    const char **str =
        (const char **)(void *)(num + n1 * (sw->n_axes + N_METRICS));
    for (size_t p = 0; p < n; p++)
        point[p] = (int64_t)p;
    cols[0] = (hs_h5_column){"point", HS_H5_COL_I64, point, ""};
    for (size_t a = 0; a < sw->n_axes; a++) {
        const axis *x = &sw->ax[a];
        double *v = num + a * n1;
        const char **s = str + a * n1;
        for (size_t p = 0; p < n; p++) {
            v[p] = x->num[value_index(sw, p, a)];
            s[p] = x->text[value_index(sw, p, a)];
        }
        cols[1 + a] = x->numeric
                          ? (hs_h5_column){x->key, HS_H5_COL_F64, v, ""}
                          : (hs_h5_column){x->key, HS_H5_COL_STR, s, ""};
    }
    for (size_t k = 0; k < N_METRICS; k++) {
        double *v = num + (sw->n_axes + k) * n1;
        for (size_t p = 0; p < n; p++)
            memcpy(&v[p], (const char *)&sw->met[p] + metric_cols[k].off,
                   sizeof(double));
        cols[1 + sw->n_axes + k] = (hs_h5_column){
            metric_cols[k].name, HS_H5_COL_F64, v, metric_cols[k].units};
    }
    *out = cols;
    *ncols = nc;
    return 0;
}
