/* Run configurations, part 2: what the keys mean.
 *
 * The key tables of the fixed sections, one function per section turning
 * the raw strings read by config_ini.c into struct hs_config (every key
 * checked against its table: unknown keys, bad values and out-of-range
 * numbers are errors naming the file, the section and the key), then the
 * cross-key checks (hs_config_validate), the resolution of a [strategy.*]
 * run into a run spec (hs_config_run_spec) and the history options
 * (hs_config_history).  Sections are interpreted in a fixed order, so when a
 * config has several mistakes the first one reported does not depend on
 * the order of the sections in the file. */
#include "config_int.h"

#include "hedgesim/config.h"
#include "hedgesim/chain.h"
#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------- the key tables */

static const hs_param data_params[] = {
    {"db", HS_PARAM_CHOICE, "datasets/hedgesim.db", 0, 0, NULL,
     "market store path"},
    {"start", HS_PARAM_CHOICE, NULL, 0, 0, NULL, "first bar (UTC date/time)"},
    {"end", HS_PARAM_CHOICE, NULL, 0, 0, NULL, "last bar, inclusive"},
    {"step", HS_PARAM_CHOICE, "1d", 0, 0, NULL, "1d, 8h, 1h, ..."},
    {"usdt_is_usd", HS_PARAM_BOOL, "false", 0, 0, NULL,
     "treat USDT prices as USD (must be stated for USDT-quoted data)"},
    {"lookback", HS_PARAM_INT, "0", 0, 100000, NULL,
     "steps loaded before start to warm estimators (0: automatic)"},
    {"rates", HS_PARAM_CHOICE, "DFF", 0, 0, NULL, "risk-free series or none"},
    {"calendar", HS_PARAM_CHOICE, "24x7", 0, 0, NULL,
     "24x7 | weekdays | XNYS: the sessions on the step grid"},
    {"periods_per_year", HS_PARAM_DOUBLE, "0", 0, 1e7, NULL,
     "steps a year for annualisation (0: from the calendar and step)"},
    HS_PARAM_END};

static const hs_param book_params[] = {
    {"assets", HS_PARAM_CHOICE, NULL, 0, 0, NULL, "comma-separated symbols"},
    {"weights", HS_PARAM_CHOICE, "equal", 0, 0, NULL,
     "equal | inverse_vol | a comma-separated list"},
    {"capital", HS_PARAM_DOUBLE, "1000000", 1e-6, 1e15, NULL,
     "starting equity"},
    {"rebalance", HS_PARAM_CHOICE, "daily", 0, 0, "never|daily|weekly|monthly",
     "how often the book returns to its weights"},
    {"min_history", HS_PARAM_INT, "60", 1, 100000, NULL,
     "bars an asset needs before it joins the book"},
    {"vol_window", HS_PARAM_INT, "60", 2, 100000, NULL,
     "bars for inverse-volatility weights"},
    {"beta_input", HS_PARAM_CHOICE, "target", 0, 0, "target|held|proforma",
     "the estimator's y: decided, realised or pro-forma holdings"},
    {"delisting", HS_PARAM_CHOICE, "unknown", 0, 0, "unknown|known",
     "sell a delisted asset at its last close the step after, or at it"},
    HS_PARAM_END};

static const hs_param hedge_params[] = {
    {"benchmark", HS_PARAM_CHOICE, NULL, 0, 0, NULL, "benchmark symbol"},
    {"instrument", HS_PARAM_CHOICE, NULL, 0, 0, NULL, "hedge instrument"},
    {"perp_marks", HS_PARAM_CHOICE, "auto", 0, 0, "auto|perp|spot",
     "mark the perp at its own bars or at spot"},
    {"funding", HS_PARAM_CHOICE, "auto", 0, 0, "auto|store|constant|none",
     "perp funding source"},
    {"funding_rate", HS_PARAM_DOUBLE, "0.0001", -0.1, 0.1, NULL,
     "constant funding per settlement (fraction)"},
    {"funding_hours", HS_PARAM_DOUBLE, "8", 0.01, 1000, NULL,
     "hours between constant settlements"},
    HS_PARAM_END};

static const hs_param costs_params[] = {
    {"fee_bps", HS_PARAM_DOUBLE, "5", 0, 1000, NULL, "taker fee, bps"},
    {"slippage", HS_PARAM_CHOICE, "fixed", 0, 0, "fixed|spread|sqrt",
     "slippage model"},
    {"fill", HS_PARAM_CHOICE, "next_open", 0, 0, "next_open|close",
     "when orders fill"},
    {"close_slippage_bps", HS_PARAM_DOUBLE, "5", 0, 10000, NULL,
     "extra slippage for fills at the close"},
    {"window", HS_PARAM_INT, "20", 2, 10000, NULL,
     "bars for volatility, ADV and spread estimates"},
    HS_PARAM_END};

static const hs_param options_params[] = {
    {"underlying", HS_PARAM_CHOICE, "", 0, 0, NULL,
     "the options' underlying (default: the benchmark)"},
    {"chains", HS_PARAM_CHOICE, "model", 0, 0, "model|store",
     "modeled chains, or the store's snapshots"},
    {"source", HS_PARAM_CHOICE, "", 0, 0, NULL,
     "chains = store: source to replay (default: exchange data)"},
    {"max_age", HS_PARAM_CHOICE, "1d", 0, 0, NULL,
     "chains = store: oldest usable snapshot, e.g. 1d"},
    {"vol_index", HS_PARAM_CHOICE, "", 0, 0, NULL,
     "chains = model: volatility index (default <underlying>-DVOL, or none)"},
    {"multiplier", HS_PARAM_DOUBLE, "1", 1e-9, 1e9, NULL,
     "units of underlying per contract"},
    {"fee_rate", HS_PARAM_DOUBLE, "0.0003", 0, 0.1, NULL,
     "option fee per unit, share of the underlying price"},
    {"fee_cap", HS_PARAM_DOUBLE, "0.125", 0, 1, NULL,
     "... capped at this share of the option price"},
    {"max_positions", HS_PARAM_INT, "8", 1, 32, NULL,
     "most option positions held at once"},
    HS_PARAM_END};
static const hs_param metrics_params[] = {
    {"rolling_window", HS_PARAM_INT, "90", 2, 100000, NULL,
     "steps in the rolling residual beta"},
    HS_PARAM_END};

const hs_param hs_config_run_params[] = {
    {"beta", HS_PARAM_CHOICE, "ols", 0, 0, "ols|ewma|kalman|downside|none",
     "beta estimator"},
    {"returns", HS_PARAM_CHOICE, "simple", 0, 0, "simple|log",
     "returns the estimator sees"},
    {"target_beta", HS_PARAM_DOUBLE, "0", -10, 10, NULL,
     "beta the hedge aims for (0: full hedge)"},
    {"contract_size", HS_PARAM_DOUBLE, "0.001", 1e-12, 1e12, NULL,
     "hedge trading increment, units of the underlying"},
    HS_PARAM_END};

/* String-valued keys use the CHOICE kind with no choices in the tables above;
 * they are read as text. */
static int is_text_key(const hs_param *p)
{
    return p->kind == HS_PARAM_CHOICE && p->choices == NULL;
}

/* ------------------------------------------------------- interpretation */

static int set_values(hs_values *v, const hs_param *table,
                      const hs_config_raw_section *s, const char *where, int strict)
{
    int rc = hs_values_init(v, table);
    if (rc)
        return rc;
    for (size_t i = 0; s && i < s->n; i++) {
        int k = hs_param_index(table, s->kv[i].key);
        if (k < 0) {
            if (!strict)
                continue;
            char known[512] = "";
            for (const hs_param *p = table; p->name; p++) {
                strncat(known, p->name, sizeof known - strlen(known) - 3);
                if (p[1].name)
                    strncat(known, ", ", sizeof known - strlen(known) - 1);
            }
            return hs_error_set(HS_ECONFIG,
                                "%s: [%s] unknown key '%s' (known: %s)", where,
                                s->name, s->kv[i].key, known);
        }
        if (is_text_key(&table[k])) {
            v->set[k] = 1;
            continue;
        }
        char w[1200];
        snprintf(w, sizeof w, "%s: [%s]", where, s->name);
        rc = hs_values_set(v, s->kv[i].key, s->kv[i].value, w);
        if (rc)
            return rc;
    }
    for (size_t k = 0; k < v->n; k++)
        if (!table[k].def && !v->set[k])
            return hs_error_set(HS_ECONFIG, "%s: [%s] key '%s' is required",
                                where, s ? s->name : "?", table[k].name);
    return 0;
}

static const char *text_of(const hs_config_raw_section *s, const char *key,
                           const char *def)
{
    const hs_config_kv *kv = hs_config__find_kv(s, key);
    return kv ? kv->value : def;
}

/* Copy a text value, refusing one that does not fit. */
static int copy_text(char *dst, size_t size, const char *src, const char *w,
                     const char *section, const char *key)
{
    size_t n = strlen(src);
    if (n >= size)
        return hs_error_set(HS_ECONFIG,
                            "%s: [%s] %s: '%s' is too long (max %zu characters)",
                            w, section, key, src, size - 1);
    memcpy(dst, src, n + 1);
    return 0;
}

static int valid_symbol(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= HS_SYMBOL_MAX)
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '-' || *s == '_' ||
              *s == '.'))
            return 0;
    return 1;
}

/* The next item of a comma-separated list, trimmed: *cur advances past it.
 * 0 at the end of the list; -1 for an empty item ("a,,b", "a," or ",a"). */
static int next_item(char **cur, char **item)
{
    char *s = *cur;
    if (!s)
        return 0;
    char *comma = strchr(s, ',');
    if (comma)
        *comma = '\0';
    *cur = comma ? comma + 1 : NULL;
    *item = hs_config__trim(s);
    return **item ? 1 : -1;
}

/* ------------------------------------------------------------ sections */

/* Every section is known, and [data], [book] and [hedge] are there. */
static int check_sections(hs_config_raw *raw, const char *w)
{
    for (size_t i = 0; i < raw->n; i++) {
        const char *n = raw->sec[i].name;
        if (strcmp(n, "data") && strcmp(n, "book") && strcmp(n, "hedge") &&
            strcmp(n, "costs") && strcmp(n, "options") &&
            strcmp(n, "metrics") && strncmp(n, "strategy.", 9) &&
            strncmp(n, "window.", 7) && strcmp(n, "mc") &&
            strncmp(n, "mc.regime.", 10))
            return hs_error_set(HS_ECONFIG,
                                "%s: unknown section [%s] (known: data, book, "
                                "hedge, costs, options, metrics, "
                                "strategy.NAME, window.NAME, mc, "
                                "mc.regime.NAME)",
                                w, n);
    }
    static const char *const required[] = {"data", "book", "hedge"};
    for (size_t i = 0; i < 3; i++)
        if (!hs_config__find_section(raw, required[i], 0))
            return hs_error_set(HS_ECONFIG, "%s: section [%s] is missing", w,
                                required[i]);
    return 0;
}

/* [data]: the store, the window, the step and the rates. */
static int read_data(hs_config *c, const hs_config_raw_section *s,
                     const char *w)
{
    hs_values v;
    int rc;

    if ((rc = set_values(&v, data_params, s, w, 1)))
        return rc;
    snprintf(c->db, sizeof c->db, "%s", text_of(s, "db", "datasets/hedgesim.db"));
    if (hs_cal_parse_time(text_of(s, "start", ""), &c->start)) {
        hs_error_prefix("%s: [data] key 'start': ", w);
        return HS_ECONFIG;
    }
    if (hs_cal_parse_time(text_of(s, "end", ""), &c->end)) {
        hs_error_prefix("%s: [data] key 'end': ", w);
        return HS_ECONFIG;
    }
    if (hs_cal_parse_step(text_of(s, "step", "1d"), &c->step_ms)) {
        hs_error_prefix("%s: [data] step: ", w);
        return HS_ECONFIG;
    }
    /* -1: not stated (only USDT-quoted data needs it; see plan.c). */
    c->usdt_is_usd = v.set[hs_param_index(data_params, "usdt_is_usd")]
                         ? (int)hs_values_num(&v, "usdt_is_usd")
                         : -1;
    c->lookback = (size_t)hs_values_int(&v, "lookback");
    if (hs_cal_calendar_parse(text_of(s, "calendar", "24x7"), &c->calendar)) {
        hs_error_prefix("%s: [data] key 'calendar': ", w);
        return HS_ECONFIG;
    }
    c->periods_per_year = hs_values_num(&v, "periods_per_year");
    return copy_text(c->rates, sizeof c->rates, text_of(s, "rates", "DFF"), w,
                     "data", "rates");
}

/* [book] assets: a comma-separated list of distinct valid symbols. */
static int read_assets(hs_config *c, const hs_config_raw_section *s,
                       const char *w)
{
    char list[256], *cur = list, *tok;
    int more;
    snprintf(list, sizeof list, "%s", text_of(s, "assets", ""));
    c->n_assets = 0;
    if (!*hs_config__trim(list))
        return hs_error_set(HS_ECONFIG, "%s: [book] assets is empty", w);
    while ((more = next_item(&cur, &tok)) != 0) {
        if (more < 0)
            return hs_error_set(HS_ECONFIG,
                                "%s: [book] assets: an empty item in '%s' "
                                "(two commas, or a comma at an end)",
                                w, text_of(s, "assets", ""));
        if (!valid_symbol(tok))
            return hs_error_set(HS_ECONFIG,
                                "%s: [book] assets: '%s' is not a valid "
                                "symbol",
                                w, tok);
        if (c->n_assets == HS_CONFIG_MAX_ASSETS)
            return hs_error_set(HS_ECONFIG, "%s: [book] assets: at most %d", w,
                                HS_CONFIG_MAX_ASSETS);
        for (size_t k = 0; k < c->n_assets; k++)
            if (!strcmp(c->assets[k], tok))
                return hs_error_set(HS_ECONFIG,
                                    "%s: [book] assets: %s is listed twice", w,
                                    tok);
        snprintf(c->assets[c->n_assets++], HS_SYMBOL_MAX, "%s", tok);
    }
    if (c->n_assets == 0)
        return hs_error_set(HS_ECONFIG, "%s: [book] assets is empty", w);
    return 0;
}

/* [book] weights: equal, inverse_vol or one non-negative number per asset
 * (read after the assets). */
static int read_weights(hs_config *c, const hs_config_raw_section *s,
                        const char *w)
{
    const char *wt =
        hs_config__trim(strcpy((char[256]){0}, text_of(s, "weights", "equal")));
    if (!strcmp(wt, "equal")) {
        c->weighting = HS_WEIGHTS_EQUAL;
        return 0;
    }
    if (!strcmp(wt, "inverse_vol")) {
        c->weighting = HS_WEIGHTS_INVERSE_VOL;
        return 0;
    }
    char list[256], *cur = list, *tok;
    size_t n = 0;
    int more;
    double sum = 0;
    snprintf(list, sizeof list, "%s", wt);
    c->weighting = HS_WEIGHTS_FIXED;
    while ((more = next_item(&cur, &tok)) != 0) {
        char *end;
        if (more < 0)
            return hs_error_set(HS_ECONFIG,
                                "%s: [book] weights: an empty item in '%s' "
                                "(two commas, or a comma at an end)",
                                w, wt);
        errno = 0;
        double x = strtod(tok, &end);
        if (errno || end == tok || *end || !isfinite(x) || x < 0 ||
            strpbrk(tok, "xXnN"))
            return hs_error_set(HS_ECONFIG,
                                "%s: [book] weights: '%s' is not equal, "
                                "inverse_vol or a list of "
                                "non-negative numbers",
                                w, tok);
        if (n < HS_CONFIG_MAX_ASSETS)
            c->weights[n] = x;
        n++;
        sum += x;
    }
    /* Only their ratios matter, but the book divides by their sum: it
     * must be a finite number (1e308,1e308 overflows). */
    if (!isfinite(sum))
        return hs_error_set(HS_ECONFIG,
                            "%s: [book] weights: their sum overflows (only "
                            "the ratios matter: write e.g. 1,1)",
                            w);
    if (n != c->n_assets)
        return hs_error_set(HS_ECONFIG,
                            "%s: [book] weights: %zu weights for %zu "
                            "assets",
                            w, n, c->n_assets);
    return 0;
}

/* [book]: the long book. */
static int read_book(hs_config *c, const hs_config_raw_section *s,
                     const char *w)
{
    hs_values v;
    int rc;

    if ((rc = set_values(&v, book_params, s, w, 1)) ||
        (rc = read_assets(c, s, w)) || (rc = read_weights(c, s, w)))
        return rc;
    c->capital = hs_values_num(&v, "capital");
    c->rebalance = (hs_rebalance)hs_values_int(&v, "rebalance");
    c->min_history = (size_t)hs_values_int(&v, "min_history");
    c->vol_window = (size_t)hs_values_int(&v, "vol_window");
    c->beta_input = (hs_beta_input)hs_values_int(&v, "beta_input");
    c->delisting = hs_values_int(&v, "delisting") ? HS_DELIST_KNOWN
                                                   : HS_DELIST_UNKNOWN;
    return 0;
}

/* [hedge]: benchmark, hedge instrument, perp marks and funding. */
static int read_hedge(hs_config *c, const hs_config_raw_section *s,
                      const char *w)
{
    hs_values v;
    int rc;

    if ((rc = set_values(&v, hedge_params, s, w, 1)))
        return rc;
    if ((rc = copy_text(c->benchmark, sizeof c->benchmark,
                        text_of(s, "benchmark", ""), w, "hedge",
                        "benchmark")) ||
        (rc = copy_text(c->instrument, sizeof c->instrument,
                        text_of(s, "instrument", ""), w, "hedge",
                        "instrument")))
        return rc;
    if (!valid_symbol(c->benchmark) || !valid_symbol(c->instrument))
        return hs_error_set(HS_ECONFIG,
                            "%s: [hedge] benchmark/instrument: not a valid "
                            "symbol",
                            w);
    c->marks = (hs_perp_marks)hs_values_int(&v, "perp_marks");
    c->funding = (hs_funding_mode)hs_values_int(&v, "funding");
    c->funding_rate = hs_values_num(&v, "funding_rate");
    c->funding_hours = hs_values_num(&v, "funding_hours");
    return 0;
}

/* [costs] (optional): its own keys plus the chosen slippage model's. */
static int read_costs(hs_config *c, const hs_config_raw_section *s,
                      const char *w)
{
    hs_values v, mv;
    char buf[64];
    int rc;

    if ((rc = set_values(&v, costs_params, s, w, 0)))
        return rc;
    memset(&c->exec, 0, sizeof c->exec);
    c->exec.fee_bps = hs_values_num(&v, "fee_bps");
    c->exec.fill = (hs_fill_rule)hs_values_int(&v, "fill");
    c->exec.close_slippage_bps = hs_values_num(&v, "close_slippage_bps");
    c->exec.window = (size_t)hs_values_int(&v, "window");
    c->exec.model =
        hs_cost_find(hs_values_choice(&v, "slippage", buf, sizeof buf));
    if ((rc = hs_values_init(&mv, c->exec.model->params)))
        return rc;
    for (size_t i = 0; s && i < s->n; i++) {
        const char *key = s->kv[i].key;
        if (hs_param_index(costs_params, key) >= 0)
            continue;
        char where[1200];
        snprintf(where, sizeof where, "%s: [costs]", w);
        rc = hs_values_set(&mv, key, s->kv[i].value, where);
        if (rc == HS_ENOTFOUND) {
            char known[512] = "";
            const hs_param *tabs[2] = {costs_params, c->exec.model->params};
            for (int tb = 0; tb < 2; tb++)
                for (const hs_param *pp = tabs[tb]; pp->name; pp++) {
                    if (known[0])
                        strncat(known, ", ", sizeof known - strlen(known) - 1);
                    strncat(known, pp->name, sizeof known - strlen(known) - 1);
                }
            return hs_error_set(HS_ECONFIG,
                                "%s: [costs] unknown key '%s' for slippage = "
                                "%s (known: %s)",
                                w, key, c->exec.model->name, known);
        }
        if (rc)
            return rc;
    }
    c->exec.model_values = mv;
    return 0;
}

/* [options] (optional): its own keys plus the chain model's.  Read after
 * [hedge]: the underlying defaults to the benchmark. */
static int read_options(hs_config *c, const hs_config_raw_section *s,
                        const char *w)
{
    hs_values v;
    int rc;

    c->has_options = s != NULL;
    if (!s)
        return 0;
    if ((rc = set_values(&v, options_params, s, w, 0)))
        return rc;
    if ((rc = copy_text(c->opt_underlying, sizeof c->opt_underlying,
                        text_of(s, "underlying", c->benchmark), w, "options",
                        "underlying")) ||
        (rc = copy_text(c->opt_source, sizeof c->opt_source,
                        text_of(s, "source", ""), w, "options", "source")))
        return rc;
    if (!valid_symbol(c->opt_underlying))
        return hs_error_set(HS_ECONFIG,
                            "%s: [options] underlying: not a valid symbol", w);
    c->opt_chains = hs_values_int(&v, "chains");
    if (hs_cal_parse_step(text_of(s, "max_age", "1d"), &c->opt_max_age)) {
        hs_error_prefix("%s: [options] key 'max_age': ", w);
        return HS_ECONFIG;
    }
    char defvol[HS_SYMBOL_MAX + 8];
    snprintf(defvol, sizeof defvol, "%s-DVOL", c->opt_underlying);
    const char *vi = text_of(s, "vol_index", defvol);
    if (!strcmp(vi, "none"))
        vi = "";
    if ((rc = copy_text(c->opt_vol_index, sizeof c->opt_vol_index, vi, w,
                        "options", "vol_index")))
        return rc;
    if (*vi && !valid_symbol(vi))
        return hs_error_set(HS_ECONFIG,
                            "%s: [options] vol_index: not a valid symbol", w);
    c->opt_multiplier = hs_values_num(&v, "multiplier");
    c->opt_fee_rate = hs_values_num(&v, "fee_rate");
    c->opt_fee_cap = hs_values_num(&v, "fee_cap");
    c->opt_max_positions = (size_t)hs_values_int(&v, "max_positions");
    if ((rc = hs_values_init(&c->opt_model, hs_chain_model_params)))
        return rc;
    for (size_t i = 0; i < s->n; i++) {
        const char *key = s->kv[i].key;
        if (hs_param_index(options_params, key) >= 0)
            continue;
        char where[1200];
        snprintf(where, sizeof where, "%s: [options]", w);
        if (c->opt_chains != 0)
            return hs_error_set(HS_ECONFIG,
                                "%s: unknown key '%s' (model keys need "
                                "chains = model)",
                                where, key);
        rc = hs_values_set(&c->opt_model, key, s->kv[i].value, where);
        if (rc)
            return rc == HS_ENOTFOUND ? HS_ECONFIG : rc;
    }
    return 0;
}

/* [metrics] (optional): settings of the metrics written with the results. */
static int read_metrics(hs_config *c, const hs_config_raw_section *s,
                        const char *w)
{
    hs_values v;
    int rc;

    if ((rc = set_values(&v, metrics_params, s, w, 1)))
        return rc;
    c->rolling_window = (size_t)hs_values_int(&v, "rolling_window");
    return 0;
}

/* [strategy.NAME], at least one: the name, the type and the other keys as
 * text (checked later, by hs_config_run_spec, against the tables of the
 * strategy type and estimator they choose). */
static int read_runs(hs_config *c, const hs_config_raw *raw, const char *w)
{
    int rc;

    c->n_runs = 0;
    for (size_t i = 0; i < raw->n; i++) {
        const hs_config_raw_section *r = &raw->sec[i];
        if (strncmp(r->name, "strategy.", 9))
            continue;
        if (c->n_runs == HS_CONFIG_MAX_RUNS)
            return hs_error_set(HS_ECONFIG,
                                "%s: more than %d [strategy.*] sections", w,
                                HS_CONFIG_MAX_RUNS);
        hs_config_run *run = &c->runs[c->n_runs];
        memset(run, 0, sizeof *run);
        const char *name = r->name + 9;
        if (!*name)
            return hs_error_set(HS_ECONFIG, "%s: [%s]: bad strategy run name",
                                w, r->name);
        if (strlen(name) > HS_CONFIG_RUN_NAME_MAX)
            return hs_error_set(HS_ECONFIG,
                                "%s: [%s]: run name longer than %d characters",
                                w, r->name, HS_CONFIG_RUN_NAME_MAX);
        for (const char *p = name; *p; p++)
            if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-'))
                return hs_error_set(HS_ECONFIG,
                                    "%s: [%s]: run names are [A-Za-z0-9_-]", w,
                                    r->name);
        snprintf(run->name, sizeof run->name, "%s", name);
        const hs_config_kv *type = hs_config__find_kv(r, "type");
        if (!type)
            return hs_error_set(HS_ECONFIG, "%s: [%s] key 'type' is required",
                                w, r->name);
        if ((rc = copy_text(run->type, sizeof run->type, type->value, w,
                            r->name, "type")))
            return rc;
        for (size_t k = 0; k < r->n; k++)
            if (strcmp(r->kv[k].key, "type"))
                run->kv[run->n_kv++] = r->kv[k];
        c->n_runs++;
    }
    if (c->n_runs == 0)
        return hs_error_set(HS_ECONFIG,
                            "%s: no [strategy.NAME] section: nothing to run", w);
    return 0;
}

static const hs_param window_params[] = {
    {"start", HS_PARAM_CHOICE, NULL, 0, 0, NULL, "first bar (UTC date/time)"},
    {"end", HS_PARAM_CHOICE, NULL, 0, 0, NULL, "last bar, inclusive"},
    {"description", HS_PARAM_CHOICE, "", 0, 0, NULL, "one line (optional)"},
    HS_PARAM_END};

/* One [window.NAME]: its name, dates and description. */
static int read_window(hs_config_window *win, const hs_config_raw_section *s,
                       const char *w)
{
    hs_values v;
    int rc;
    const char *name = s->name + 7;

    memset(win, 0, sizeof *win);
    if (!*name || strlen(name) >= sizeof win->name)
        return hs_error_set(HS_ECONFIG, "%s: [%s]: bad window name", w,
                            s->name);
    for (const char *p = name; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-'))
            return hs_error_set(HS_ECONFIG,
                                "%s: [%s]: window names are [A-Za-z0-9_-]", w,
                                s->name);
    snprintf(win->name, sizeof win->name, "%s", name);
    if ((rc = set_values(&v, window_params, s, w, 1)))
        return rc;
    if (hs_cal_parse_time(text_of(s, "start", ""), &win->start)) {
        hs_error_prefix("%s: [%s] key 'start': ", w, s->name);
        return HS_ECONFIG;
    }
    if (hs_cal_parse_time(text_of(s, "end", ""), &win->end)) {
        hs_error_prefix("%s: [%s] key 'end': ", w, s->name);
        return HS_ECONFIG;
    }
    if (win->end < win->start)
        return hs_error_set(HS_ECONFIG,
                            "%s: [%s] end is before start: the window is "
                            "empty",
                            w, s->name);
    return copy_text(win->description, sizeof win->description,
                     text_of(s, "description", ""), w, s->name,
                     "description");
}

/* [window.NAME] (optional, any number): the user's stress windows, added
 * to the built-in library by `hedgesim stress` and `analyze`.  Also notes
 * whether [metrics] rolling_window was given, so that stress can choose a
 * window-sized default when it was not. */
static int read_windows(hs_config *c, hs_config_raw *raw, const char *w)
{
    int rc;

    c->n_windows = 0;
    for (size_t i = 0; i < raw->n; i++) {
        const hs_config_raw_section *s = &raw->sec[i];
        if (strncmp(s->name, "window.", 7))
            continue;
        if (c->n_windows == HS_CONFIG_MAX_WINDOWS)
            return hs_error_set(HS_ECONFIG,
                                "%s: more than %d [window.*] sections", w,
                                HS_CONFIG_MAX_WINDOWS);
        if ((rc = read_window(&c->windows[c->n_windows], s, w)))
            return rc;
        c->n_windows++;
    }
    c->rolling_window_given =
        hs_config__find_kv(hs_config__find_section(raw, "metrics", 0),
                           "rolling_window") != NULL;
    return 0;
}

int hs_config__interpret(hs_config *c, hs_config_raw *raw)
{
    const char *w = c->path[0] ? c->path : "config";
    int rc;

    if ((rc = check_sections(raw, w)) ||
        (rc = read_data(c, hs_config__find_section(raw, "data", 0), w)) ||
        (rc = read_book(c, hs_config__find_section(raw, "book", 0), w)) ||
        (rc = read_hedge(c, hs_config__find_section(raw, "hedge", 0), w)) ||
        (rc = read_costs(c, hs_config__find_section(raw, "costs", 0), w)) ||
        (rc = read_options(c, hs_config__find_section(raw, "options", 0),
                           w)) ||
        (rc = read_metrics(c, hs_config__find_section(raw, "metrics", 0),
                           w)) ||
        (rc = read_runs(c, raw, w)) || (rc = read_windows(c, raw, w)) ||
        (rc = hs_config__read_mc(c, raw, w)))
        return rc;
    return hs_config_validate(c);
}

int hs_config_validate(const hs_config *c)
{
    const char *w = c->path[0] ? c->path : "config";
    char b1[32], b2[32];
    if (c->end < c->start)
        return hs_error_set(HS_ECONFIG,
                            "%s: [data] end %s is before start %s: the window "
                            "is empty",
                            w, hs_cal_format_time(c->end, b1, sizeof b1),
                            hs_cal_format_time(c->start, b2, sizeof b2));
    /* The grid: start rounded up, end rounded down to the step. */
    int64_t g0 = hs_cal_floor(c->start, c->step_ms);
    if (g0 < c->start)
        g0 += c->step_ms;
    int64_t g1 = hs_cal_floor(c->end, c->step_ms);
    if (c->calendar != HS_CAL_24X7 && c->step_ms != HS_MS_PER_DAY)
        return hs_error_set(HS_ECONFIG,
                            "%s: [data] calendar = %s needs step = 1d (one "
                            "session a step)",
                            w, hs_cal_calendar_name(c->calendar));
    if (c->calendar == HS_CAL_24X7 ? g1 - g0 < 2 * c->step_ms
                                   : hs_cal_sessions(c->calendar, g0, g1) < 3)
        return hs_error_set(HS_ECONFIG,
                            "%s: [data] the window %s..%s holds fewer than 3 "
                            "steps (sessions of calendar %s)",
                            w, hs_cal_format_time(c->start, b1, sizeof b1),
                            hs_cal_format_time(c->end, b2, sizeof b2),
                            hs_cal_calendar_name(c->calendar));
    if (c->weighting == HS_WEIGHTS_FIXED) {
        double sum = 0;
        for (size_t i = 0; i < c->n_assets; i++)
            sum += c->weights[i];
        if (!isfinite(sum))
            return hs_error_set(HS_ECONFIG,
                                "%s: [book] weights: their sum overflows", w);
        if (!(sum > 0))
            return hs_error_set(HS_ECONFIG,
                                "%s: [book] weights: they sum to 0", w);
    }
    for (size_t i = 0; i < c->n_assets; i++)
        if (!strcmp(c->assets[i], c->benchmark) ||
            !strcmp(c->assets[i], c->instrument))
            return hs_error_set(HS_ECONFIG,
                                "%s: [book] assets: %s is also the benchmark "
                                "or hedge instrument",
                                w, c->assets[i]);
    return 0;
}

int hs_config_run_spec(const hs_config *c, size_t i, const hs_registry *reg,
                       hs_run_spec *spec)
{
    const char *w = c->path[0] ? c->path : "config";
    const hs_config_run *run = &c->runs[i];
    hs_values common;
    char buf[64];
    int rc;
    memset(spec, 0, sizeof *spec);
    spec->name = run->name;
    spec->type = hs_registry_find(reg, run->type);
    if (!spec->type)
        return hs_error_set(HS_ECONFIG,
                            "%s: [strategy.%s] unknown strategy type '%s' "
                            "(known: %s)",
                            w, run->name, run->type,
                            hs_registry_names(reg));
    char where[1200];
    snprintf(where, sizeof where, "%s: [strategy.%s]", w, run->name);
    if ((rc = hs_values_init(&common, hs_config_run_params)) ||
        (rc = hs_values_init(&spec->params, spec->type->params)))
        return rc;
    /* First pass: the common keys, which choose the estimator. */
    for (size_t k = 0; k < run->n_kv; k++)
        if (hs_param_index(hs_config_run_params, run->kv[k].key) >= 0 &&
            (rc = hs_values_set(&common, run->kv[k].key, run->kv[k].value,
                                where)))
            return rc;
    const char *bname = hs_values_choice(&common, "beta", buf, sizeof buf);
    spec->beta = strcmp(bname, "none") ? hs_beta_find(bname) : NULL;
    if (strcmp(bname, "none") && !spec->beta)
        return hs_error_set(HS_ECONFIG, "%s: beta '%s' is not available",
                            where, bname);
    if (spec->beta && (rc = hs_values_init(&spec->beta_params,
                                           spec->beta->params)))
        return rc;
    spec->log_returns = hs_values_int(&common, "returns") == 1;
    spec->target_beta = hs_values_num(&common, "target_beta");
    spec->contract_size = hs_values_num(&common, "contract_size");
    /* Second pass: estimator and strategy keys; anything else is unknown. */
    for (size_t k = 0; k < run->n_kv; k++) {
        const char *key = run->kv[k].key, *val = run->kv[k].value;
        if (hs_param_index(hs_config_run_params, key) >= 0)
            continue;
        if (spec->beta && hs_param_index(spec->beta->params, key) >= 0) {
            if ((rc = hs_values_set(&spec->beta_params, key, val, where)))
                return rc;
            continue;
        }
        if (hs_param_index(spec->type->params, key) >= 0) {
            if ((rc = hs_values_set(&spec->params, key, val, where)))
                return rc;
            continue;
        }
        char known[512] = "type, beta, returns, target_beta, contract_size";
        const hs_param *tabs[2] = {spec->beta ? spec->beta->params : NULL,
                                   spec->type->params};
        for (int tb = 0; tb < 2; tb++)
            for (const hs_param *p = tabs[tb]; p && p->name; p++) {
                strncat(known, ", ", sizeof known - strlen(known) - 1);
                strncat(known, p->name, sizeof known - strlen(known) - 1);
            }
        return hs_error_set(HS_ECONFIG,
                            "%s: unknown key '%s' for type %s with beta %s "
                            "(known: %s)",
                            where, key, spec->type->name, bname, known);
    }
    return 0;
}

void hs_config_history(const hs_config *c, const char **symbols,
                       hs_history_opts *o)
{
    hs_history_opts d = HS_HISTORY_OPTS_INIT;
    *o = d;
    for (size_t i = 0; i < c->n_assets; i++)
        symbols[i] = c->assets[i];
    symbols[c->n_assets] = c->benchmark;
    o->symbols = symbols;
    o->n_symbols = c->n_assets + 1;
    o->hedge = c->instrument;
    o->start = c->start;
    o->end = c->end;
    o->step_ms = c->step_ms;
    o->calendar = c->calendar;
    o->lookback = c->lookback;
    o->marks = c->marks;
    o->funding = c->funding;
    o->funding_rate = c->funding_rate;
    o->funding_hours = c->funding_hours;
    o->rate_series = strcmp(c->rates, "none") ? c->rates : NULL;
}
