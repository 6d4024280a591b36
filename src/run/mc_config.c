/* The config's Monte Carlo sections: [mc] (model, horizon, defaults of the
 * runner, bootstrap and forced-shift settings) and one [mc.regime.NAME] per
 * regime of the regime model.  Annual figures in the file, per-step
 * parameters in hs_mc_config (docs/configuration.md lists every key). */
#include "config_int.h"

#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"
#include "hedgesim/plan.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const hs_param mc_params[] = {
    {"model", HS_PARAM_CHOICE, "regime", 0, 0, "regime|bootstrap",
     "scenario model"},
    {"steps", HS_PARAM_INT, "365", 0, 1000000, NULL,
     "simulated steps per path (horizon, >= 1)"},
    {"paths", HS_PARAM_INT, "1000", 0, 100000000, NULL,
     "paths when --paths is not given (>= 1)"},
    {"seed", HS_PARAM_INT, "1", 0, 9007199254740991.0, NULL,
     "seed when --seed is not given"},
    {"regimes", HS_PARAM_CHOICE, "calm,stress", 0, 0, NULL,
     "regime names, calm first; each has an [mc.regime.NAME]"},
    {"start", HS_PARAM_CHOICE, "stationary", 0, 0, NULL,
     "regime of the first step: stationary or a regime name"},
    {"stress", HS_PARAM_CHOICE, "", 0, 0, NULL,
     "regime counted as stress (default: the last)"},
    {"repair", HS_PARAM_BOOL, "false", 0, 0, NULL,
     "clip eigenvalues of a correlation matrix that is not positive definite"},
    {"calibrate", HS_PARAM_CHOICE, "", 0, 0, NULL,
     "START..END: fit the regimes to this history window"},
    {"block", HS_PARAM_DOUBLE, "20", 1, 1e9, NULL,
     "bootstrap: mean block length, steps"},
    {"window", HS_PARAM_CHOICE, "", 0, 0, NULL,
     "bootstrap: START..END of the rows drawn (default: [data] start..end)"},
    {"shift_from", HS_PARAM_INT, "0", 0, 1000000, NULL,
     "forced shift: first simulated step (0-based)"},
    {"shift_steps", HS_PARAM_INT, "0", 0, 1000000, NULL,
     "forced shift: steps (0: no shift)"},
    {"shift_regime", HS_PARAM_CHOICE, "", 0, 0, NULL,
     "forced shift: regime (default: the stress regime)"},
    {"shift_corr", HS_PARAM_CHOICE, "", 0, 0, NULL,
     "forced shift: every correlation set to this (default: the regime's)"},
    {"shift_vol", HS_PARAM_DOUBLE, "1", 0, 1000, NULL,
     "forced shift: volatilities multiplied by this"},
    {"fee_bps", HS_PARAM_CHOICE, "", 0, 0, NULL,
     "LO..HI: taker fee drawn uniformly per path, bps (default: [costs])"},
    {"slippage_bps", HS_PARAM_CHOICE, "", 0, 0, NULL,
     "LO..HI: the slippage model's slippage_bps drawn uniformly per path "
     "(default: [costs])"},
    HS_PARAM_END};

/* Split "START..END" into two times. */
static int parse_window(const char *text, int64_t *a, int64_t *b,
                        const char *w, const char *key)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    char *dots = strstr(buf, "..");
    if (!dots)
        return hs_error_set(HS_ECONFIG, "%s: [mc] %s: '%s' is not START..END",
                            w, key, text);
    *dots = '\0';
    if (hs_cal_parse_time(hs_config__trim(buf), a) ||
        hs_cal_parse_time(hs_config__trim(dots + 2), b)) {
        hs_error_prefix("%s: [mc] %s: ", w, key);
        return HS_ECONFIG;
    }
    if (*b < *a)
        return hs_error_set(HS_ECONFIG, "%s: [mc] %s: END is before START", w,
                            key);
    return 0;
}

/* Parse a comma-separated list of numbers: one value (for every asset) or
 * exactly n.  *count = how many were read. */
static int parse_vector(const char *text, double *out, size_t n,
                        const char *w, const char *sec, const char *key,
                        int allow_one)
{
    size_t k = 0;
    const char *s = text;
    while (*s) {
        char *end;
        errno = 0;
        double x = strtod(s, &end);
        if (end == s || errno || !isfinite(x))
            return hs_error_set(HS_ECONFIG,
                                "%s: [%s] %s: '%s' is not a list of numbers",
                                w, sec, key, text);
        if (k == n)
            return hs_error_set(HS_ECONFIG,
                                "%s: [%s] %s: more than %zu values (one per "
                                "model asset: the benchmark, then [book] "
                                "assets)",
                                w, sec, key, n);
        out[k++] = x;
        while (*end == ' ' || *end == '\t')
            end++;
        if (*end == ',')
            end++;
        else if (*end)
            return hs_error_set(HS_ECONFIG,
                                "%s: [%s] %s: '%s' is not a list of numbers",
                                w, sec, key, text);
        s = end;
    }
    if (k == 1 && allow_one) {
        for (size_t i = 1; i < n; i++)
            out[i] = out[0];
        return 0;
    }
    if (k != n)
        return hs_error_set(HS_ECONFIG,
                            "%s: [%s] %s: %zu values, expected %s%zu (the "
                            "benchmark, then the [book] assets)",
                            w, sec, key, k, allow_one ? "1 or " : "", n);
    return 0;
}

static int parse_num(const char *text, double *out, const char *w,
                     const char *sec, const char *key)
{
    return parse_vector(text, out, 1, w, sec, key, 0);
}

/* [mc] KEY = LO..HI (or one number: LO = HI), in bps: finite, 0 <= LO <=
 * HI <= max.  *random 0 when the key is absent. */
static int parse_range(const hs_config_raw_section *s, const char *key,
                       double max, int *random, double *lo, double *hi,
                       const char *w)
{
    const hs_config_kv *kv = hs_config__find_kv(s, key);
    char buf[256];
    *random = 0;
    if (!kv)
        return 0;
    snprintf(buf, sizeof buf, "%s", kv->value);
    char *dots = strstr(buf, "..");
    const char *a = buf, *b = buf;
    if (dots) {
        *dots = '\0';
        b = dots + 2;
    }
    double x[2];
    const char *txt[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        char *end;
        errno = 0;
        x[i] = strtod(txt[i], &end);
        while (*end == ' ' || *end == '\t')
            end++;
        if (end == txt[i] || *end || errno || !isfinite(x[i]))
            return hs_error_set(HS_ECONFIG,
                                "%s: [mc] %s = %s: not a range LO..HI of "
                                "numbers (bps)",
                                w, key, kv->value);
    }
    if (x[0] < 0 || x[1] > max)
        return hs_error_set(HS_ECONFIG,
                            "%s: [mc] %s = %s: outside 0 .. %g bps", w, key,
                            kv->value, max);
    if (x[1] < x[0])
        return hs_error_set(HS_ECONFIG,
                            "%s: [mc] %s = %s: reversed range (LO > HI)", w,
                            key, kv->value);
    *random = 1;
    *lo = x[0];
    *hi = x[1];
    return 0;
}

/* One [mc.regime.NAME]: r is its index, names the regimes, ppy the steps a
 * year. */
static int read_regime(hs_config *c, const hs_config_raw_section *s, size_t r,
                       char names[][HS_SCENARIO_NAME_MAX], double ppy,
                       const char *w)
{
    hs_regime_params *p = &c->mc.regime;
    hs_regime_spec *g = &p->r[r];
    const size_t n = p->n, k = p->k;
    double v[HS_SCENARIO_MAX_ASSETS];
    int rc, have_vol = 0;
    const char *sec = s->name;
    /* Defaults: no drift, unit beta, uncorrelated, no jumps, the [hedge]
     * constant funding, no vol index. */
    for (size_t i = 0; i < n; i++) {
        g->drift[i] = 0;
        g->beta[i] = 1;
        for (size_t j = 0; j < n; j++)
            g->corr[i * n + j] = i == j;
    }
    for (size_t j = 0; j < k; j++)
        g->trans[j] = 0;
    g->jump_rate = 0;
    g->jump_kind = HS_JUMP_NORMAL;
    g->jump_mean = g->jump_sd = 0;
    g->jump_up_prob = 0.5;
    g->jump_up = g->jump_down = 0.05;
    g->funding = c->funding_rate * (24.0 / c->funding_hours) * 365.0 / ppy;
    g->vol_index = NAN;
    int have_to = 0;
    for (size_t q = 0; q < s->n; q++) {
        const char *key = s->kv[q].key, *val = s->kv[q].value;
        if (!strncmp(key, "to.", 3)) {
            size_t j;
            for (j = 0; j < k; j++)
                if (!strcmp(names[j], key + 3))
                    break;
            if (j == k)
                return hs_error_set(HS_ECONFIG,
                                    "%s: [%s] %s: no regime '%s' in [mc] "
                                    "regimes",
                                    w, sec, key, key + 3);
            if ((rc = parse_num(val, &g->trans[j], w, sec, key)))
                return rc;
            if (!(g->trans[j] >= 0 && g->trans[j] <= 1))
                return hs_error_set(HS_ECONFIG,
                                    "%s: [%s] %s = %g is not a probability",
                                    w, sec, key, g->trans[j]);
            have_to = 1;
        } else if (!strcmp(key, "drift")) {
            if ((rc = parse_vector(val, v, n, w, sec, key, 1)))
                return rc;
            for (size_t i = 0; i < n; i++)
                g->drift[i] = v[i] / ppy;
        } else if (!strcmp(key, "vol")) {
            if ((rc = parse_vector(val, v, n, w, sec, key, 1)))
                return rc;
            for (size_t i = 0; i < n; i++) {
                if (v[i] < 0)
                    return hs_error_set(HS_ECONFIG,
                                        "%s: [%s] vol of %s is %g: "
                                        "volatilities must be >= 0",
                                        w, sec, c->mc.symbols[i], v[i]);
                g->vol[i] = v[i] / sqrt(ppy);
            }
            have_vol = 1;
        } else if (!strcmp(key, "beta")) {
            if ((rc = parse_vector(val, g->beta, n, w, sec, key, 1)))
                return rc;
        } else if (!strcmp(key, "corr")) {
            double x;
            if ((rc = parse_num(val, &x, w, sec, key)))
                return rc;
            if (!(x >= -1 && x <= 1))
                return hs_error_set(HS_ECONFIG,
                                    "%s: [%s] corr = %g is outside [-1, 1]", w,
                                    sec, x);
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++)
                    if (i != j)
                        g->corr[i * n + j] = x;
        } else if (!strncmp(key, "corr.", 5)) {
            continue; /* rows after the constant, below */
        } else if (!strcmp(key, "jumps")) {
            if (!strcmp(val, "normal"))
                g->jump_kind = HS_JUMP_NORMAL;
            else if (!strcmp(val, "double_exp"))
                g->jump_kind = HS_JUMP_DOUBLE_EXP;
            else
                return hs_error_set(HS_ECONFIG,
                                    "%s: [%s] jumps = %s (normal | "
                                    "double_exp)",
                                    w, sec, val);
        } else if (!strcmp(key, "jump_rate")) {
            if ((rc = parse_num(val, &g->jump_rate, w, sec, key)))
                return rc;
            if (g->jump_rate < 0)
                return hs_error_set(HS_ECONFIG,
                                    "%s: [%s] jump_rate = %g (jumps a year, "
                                    ">= 0)",
                                    w, sec, g->jump_rate);
            g->jump_rate /= ppy;
        } else if (!strcmp(key, "jump_mean")) {
            if ((rc = parse_num(val, &g->jump_mean, w, sec, key)))
                return rc;
        } else if (!strcmp(key, "jump_sd")) {
            if ((rc = parse_num(val, &g->jump_sd, w, sec, key)))
                return rc;
            if (g->jump_sd < 0)
                return hs_error_set(HS_ECONFIG, "%s: [%s] jump_sd = %g (>= 0)",
                                    w, sec, g->jump_sd);
        } else if (!strcmp(key, "jump_up_prob")) {
            if ((rc = parse_num(val, &g->jump_up_prob, w, sec, key)))
                return rc;
        } else if (!strcmp(key, "jump_up")) {
            if ((rc = parse_num(val, &g->jump_up, w, sec, key)))
                return rc;
        } else if (!strcmp(key, "jump_down")) {
            if ((rc = parse_num(val, &g->jump_down, w, sec, key)))
                return rc;
        } else if (!strcmp(key, "funding")) {
            if ((rc = parse_num(val, &g->funding, w, sec, key)))
                return rc;
            g->funding /= ppy;
        } else if (!strcmp(key, "vol_index")) {
            if ((rc = parse_num(val, &g->vol_index, w, sec, key)))
                return rc;
            if (!(g->vol_index > 0))
                return hs_error_set(HS_ECONFIG, "%s: [%s] vol_index = %g "
                                                "(> 0)",
                                    w, sec, g->vol_index);
        } else {
            return hs_error_set(
                HS_ECONFIG,
                "%s: [%s] unknown key '%s' (known: to.REGIME, drift, vol, "
                "beta, corr, corr.SYMBOL, jumps, jump_rate, jump_mean, "
                "jump_sd, jump_up_prob, jump_up, jump_down, funding, "
                "vol_index)",
                w, sec, key);
        }
    }
    if (!have_vol)
        return hs_error_set(HS_ECONFIG, "%s: [%s] key 'vol' is required", w,
                            sec);
    if (!have_to && k > 1)
        return hs_error_set(HS_ECONFIG,
                            "%s: [%s] needs its transition probabilities "
                            "to.REGIME",
                            w, sec);
    if (k == 1)
        g->trans[0] = have_to ? g->trans[0] : 1.0;
    double sum = 0;
    for (size_t j = 0; j < k; j++)
        sum += g->trans[j];
    if (fabs(sum - 1) > 1e-9)
        return hs_error_set(HS_ECONFIG,
                            "%s: [%s] transition probabilities to.* sum to "
                            "%.12g, not 1",
                            w, sec, sum);
    for (size_t q = 0; q < s->n; q++) {
        const char *key = s->kv[q].key;
        if (strncmp(key, "corr.", 5))
            continue;
        size_t i;
        for (i = 0; i < n; i++)
            if (!strcmp(c->mc.symbols[i], key + 5))
                break;
        if (i == n)
            return hs_error_set(HS_ECONFIG,
                                "%s: [%s] %s: %s is not a model asset (the "
                                "benchmark or a [book] asset)",
                                w, sec, key, key + 5);
        if ((rc = parse_vector(s->kv[q].value, v, n, w, sec, key, 0)))
            return rc;
        for (size_t j = 0; j < n; j++) {
            if (!(v[j] >= -1 && v[j] <= 1))
                return hs_error_set(HS_ECONFIG,
                                    "%s: [%s] %s: correlation with %s is %g, "
                                    "outside [-1, 1]",
                                    w, sec, key, c->mc.symbols[j], v[j]);
            g->corr[i * n + j] = v[j];
            g->corr[j * n + i] = v[j]; /* a later row may disagree: the
                                        * model's check names it */
        }
    }
    return 0;
}

static int find_name(char names[][HS_SCENARIO_NAME_MAX], size_t k,
                     const char *name)
{
    for (size_t j = 0; j < k; j++)
        if (!strcmp(names[j], name))
            return (int)j;
    return -1;
}

int hs_config__read_mc(hs_config *c, hs_config_raw *raw, const char *w)
{
    hs_mc_config *m = &c->mc;
    const hs_config_raw_section *s = hs_config__find_section(raw, "mc", 0);
    const hs_regime_params rinit = HS_REGIME_PARAMS_INIT;
    const hs_bootstrap_params binit = HS_BOOTSTRAP_PARAMS_INIT;
    hs_values v;
    char buf[64];
    int rc;

    memset(m, 0, sizeof *m);
    m->regime = rinit;
    m->bootstrap = binit;
    for (size_t i = 0; i < raw->n; i++)
        if (!s && !strncmp(raw->sec[i].name, "mc.regime.", 10))
            return hs_error_set(HS_ECONFIG, "%s: [%s] without an [mc] section",
                                w, raw->sec[i].name);
    if (!s)
        return 0;
    m->present = 1;
    if ((rc = hs_values_init(&v, mc_params)))
        return rc;
    char where[1200];
    snprintf(where, sizeof where, "%s: [mc]", w);
    for (size_t i = 0; i < s->n; i++) {
        int k = hs_param_index(mc_params, s->kv[i].key);
        if (k < 0)
            return hs_error_set(HS_ECONFIG,
                                "%s: [mc] unknown key '%s' (docs/"
                                "configuration.md lists the keys)",
                                w, s->kv[i].key);
        if (mc_params[k].kind == HS_PARAM_CHOICE && !mc_params[k].choices)
            continue; /* text, read below */
        if ((rc = hs_values_set(&v, s->kv[i].key, s->kv[i].value, where)))
            return rc;
    }
    snprintf(m->model, sizeof m->model, "%s",
             hs_values_choice(&v, "model", buf, sizeof buf));
    m->steps = (size_t)hs_values_num(&v, "steps");
    if (m->steps == 0)
        return hs_error_set(HS_ECONFIG,
                            "%s: [mc] steps = 0: the horizon must be at least "
                            "1 step",
                            w);
    m->paths = (size_t)hs_values_num(&v, "paths");
    if (m->paths == 0)
        return hs_error_set(HS_ECONFIG, "%s: [mc] paths = 0: at least 1 path",
                            w);
    m->seed = (uint64_t)hs_values_num(&v, "seed");
    const char *cal = hs_config__find_kv(s, "calibrate")
                          ? hs_config__find_kv(s, "calibrate")->value
                          : "";
    if (*cal && (rc = parse_window(cal, &m->calibrate_from, &m->calibrate_to,
                                   w, "calibrate")))
        return rc;

    /* Costs drawn per path (the [costs] bounds: fee_bps <= 1000,
     * slippage_bps <= 10000). */
    if ((rc = parse_range(s, "fee_bps", 1000, &m->fee_random, &m->fee_lo,
                          &m->fee_hi, w)) ||
        (rc = parse_range(s, "slippage_bps", 10000, &m->slippage_random,
                          &m->slippage_lo, &m->slippage_hi, w)))
        return rc;
    if (m->slippage_random &&
        hs_param_index(c->exec.model->params, "slippage_bps") < 0)
        return hs_error_set(HS_ECONFIG,
                            "%s: [mc] slippage_bps: [costs] slippage = %s has "
                            "no slippage_bps (a random slippage needs "
                            "slippage = fixed or sqrt)",
                            w, c->exec.model->name);

    /* Model assets: the benchmark, then the book. */
    snprintf(m->symbols[m->n_symbols++], HS_SYMBOL_MAX, "%s", c->benchmark);
    for (size_t i = 0; i < c->n_assets; i++)
        if (strcmp(c->assets[i], c->benchmark))
            snprintf(m->symbols[m->n_symbols++], HS_SYMBOL_MAX, "%s",
                     c->assets[i]);

    /* Bootstrap. */
    m->bootstrap.block = hs_values_num(&v, "block");
    const hs_config_kv *win = hs_config__find_kv(s, "window");
    if (win && (rc = parse_window(win->value, &m->bootstrap.from,
                                  &m->bootstrap.to, w, "window")))
        return rc;
    if (!win) {
        m->bootstrap.from = c->start;
        m->bootstrap.to = c->end;
    }

    /* Regimes. */
    hs_regime_params *p = &m->regime;
    char names[HS_SCENARIO_MAX_REGIMES][HS_SCENARIO_NAME_MAX];
    const hs_config_kv *rk = hs_config__find_kv(s, "regimes");
    char list[256];
    snprintf(list, sizeof list, "%s", rk ? rk->value : "calm,stress");
    p->k = 0;
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        t = hs_config__trim(t);
        if (p->k == HS_SCENARIO_MAX_REGIMES)
            return hs_error_set(HS_ECONFIG, "%s: [mc] regimes: at most %d", w,
                                HS_SCENARIO_MAX_REGIMES);
        if (!*t || strlen(t) >= HS_SCENARIO_NAME_MAX ||
            find_name(names, p->k, t) >= 0)
            return hs_error_set(HS_ECONFIG,
                                "%s: [mc] regimes: empty, too long or "
                                "repeated name '%s'",
                                w, t);
        snprintf(names[p->k++], HS_SCENARIO_NAME_MAX, "%s", t);
    }
    if (p->k == 0)
        return hs_error_set(HS_ECONFIG, "%s: [mc] regimes is empty", w);
    p->n = m->n_symbols;
    p->repair = (int)hs_values_num(&v, "repair");
    for (size_t i = 0; i < raw->n; i++) {
        const char *sn = raw->sec[i].name;
        if (!strncmp(sn, "mc.regime.", 10) && find_name(names, p->k, sn + 10) < 0)
            return hs_error_set(HS_ECONFIG,
                                "%s: [%s]: '%s' is not in [mc] regimes", w, sn,
                                sn + 10);
    }
    const double ppy = hs_plan_periods_per_year(c); /* the calendar's */
    int need_regimes = !strcmp(m->model, "regime") && !*cal;
    for (size_t r = 0; r < p->k; r++) {
        char sn[80];
        snprintf(p->r[r].name, sizeof p->r[r].name, "%s", names[r]);
        snprintf(sn, sizeof sn, "mc.regime.%s", names[r]);
        const hs_config_raw_section *rs = hs_config__find_section(raw, sn, 0);
        if (!rs) {
            if (need_regimes)
                return hs_error_set(HS_ECONFIG,
                                    "%s: section [%s] is missing (model = "
                                    "regime, no calibrate)",
                                    w, sn);
            continue;
        }
        if ((rc = read_regime(c, rs, r, names, ppy, w)))
            return rc;
    }
    const char *t;
    t = hs_config__find_kv(s, "start") ? hs_config__find_kv(s, "start")->value
                                       : "stationary";
    if (strcmp(t, "stationary") &&
        (p->start = find_name(names, p->k, t)) < 0)
        return hs_error_set(HS_ECONFIG,
                            "%s: [mc] start = %s: not 'stationary' nor a "
                            "regime",
                            w, t);
    t = hs_config__find_kv(s, "stress") ? hs_config__find_kv(s, "stress")->value
                                        : names[p->k - 1];
    if ((p->stress = find_name(names, p->k, t)) < 0)
        return hs_error_set(HS_ECONFIG, "%s: [mc] stress = %s: not a regime",
                            w, t);
    p->shift_from = (size_t)hs_values_num(&v, "shift_from");
    p->shift_steps = (size_t)hs_values_num(&v, "shift_steps");
    const hs_config_kv *sc = hs_config__find_kv(s, "shift_corr");
    p->shift_corr = NAN;
    if (sc) {
        if ((rc = parse_num(sc->value, &p->shift_corr, w, "mc",
                            "shift_corr")))
            return rc;
        if (!(p->shift_corr >= -1 && p->shift_corr <= 1))
            return hs_error_set(HS_ECONFIG,
                                "%s: [mc] shift_corr = %g is outside [-1, 1]",
                                w, p->shift_corr);
    }
    p->shift_vol = hs_values_num(&v, "shift_vol");
    t = hs_config__find_kv(s, "shift_regime")
            ? hs_config__find_kv(s, "shift_regime")->value
            : names[p->stress];
    if ((p->shift_regime = find_name(names, p->k, t)) < 0)
        return hs_error_set(HS_ECONFIG,
                            "%s: [mc] shift_regime = %s: not a regime", w, t);
    if (p->shift_steps && p->shift_from >= m->steps)
        return hs_error_set(HS_ECONFIG,
                            "%s: [mc] shift_from = %zu is beyond the horizon "
                            "(%zu steps)",
                            w, p->shift_from, m->steps);
    return 0;
}
