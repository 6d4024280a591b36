/* Run configurations: INI files (read with libinih), every key validated.
 *
 * Sections: [data], [book], [hedge], optional [costs], [options],
 * [metrics], [mc] and [mc.regime.NAME], one [strategy.NAME] per strategy
 * run, and optional [window.NAME] stress windows (docs/stress.md).
 * docs/configuration.md is the reference.  Unknown sections
 * and keys, bad values and out-of-range numbers are errors naming the file,
 * the section and the key. */
#ifndef HEDGESIM_CONFIG_H
#define HEDGESIM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "hedgesim/engine.h"
#include "hedgesim/market.h"
#include "hedgesim/scenario.h"
#include "hedgesim/strategy.h"

#define HS_CONFIG_MAX_ASSETS 64
#define HS_CONFIG_MAX_RUNS 64
#define HS_CONFIG_MAX_KEYS 32
#define HS_CONFIG_MAX_WINDOWS 32

/* A stress window of the config, from [window.NAME]. */
typedef struct hs_config_window {
    char name[64];         /* NAME: [A-Za-z0-9_-] */
    int64_t start, end;    /* first and last bar, ms UTC (end >= start) */
    char description[256]; /* optional, "" if not given */
} hs_config_window;
/* Longest run name, [strategy.NAME] (the section name is then at most 49
 * characters, the INI reader's limit); also through --set. */
#define HS_CONFIG_RUN_NAME_MAX 40

typedef struct hs_config_kv {
    char key[64];
    char value[256];
} hs_config_kv;

typedef struct hs_config_run {
    char name[64];  /* from [strategy.NAME] */
    char type[64];  /* the `type` key */
    hs_config_kv kv[HS_CONFIG_MAX_KEYS]; /* the other keys, unvalidated */
    size_t n_kv;
} hs_config_run;

/* [mc] and [mc.regime.NAME]: the Monte Carlo model (docs/configuration.md,
 * docs/montecarlo.md).  Parameters are converted to per-step units. */
typedef struct hs_mc_config {
    int present;           /* the config has an [mc] section */
    char model[16];        /* "regime" | "bootstrap" */
    size_t steps;          /* simulated steps per path (horizon), >= 1 */
    size_t paths;          /* default --paths */
    uint64_t seed;         /* default --seed */
    int64_t calibrate_from, calibrate_to; /* calibrate = START..END; 0, 0:
                                           * parameters as given */
    /* Model assets, in the order of per-asset vectors: the benchmark,
     * then the [book] assets. */
    char symbols[HS_SCENARIO_MAX_ASSETS][HS_SYMBOL_MAX];
    size_t n_symbols;
    hs_regime_params regime;
    hs_bootstrap_params bootstrap;
    /* fee_bps = LO..HI, slippage_bps = LO..HI: drawn uniformly per path
     * (bps); *_random 0: the [costs] value on every path. */
    int fee_random, slippage_random;
    double fee_lo, fee_hi, slippage_lo, slippage_hi;
} hs_mc_config;

typedef struct hs_config {
    char path[1024];     /* the file read ("" for a string) */
    char *text;          /* the config text verbatim (owned) */
    char overrides[2048];/* the --set overrides applied, one per line */
    /* [data] */
    char db[1024];
    int64_t start, end, step_ms;
    int usdt_is_usd;     /* 1 true, 0 false, -1 not stated (USDT-quoted
                          * data needs 1: checked when the panel loads) */
    size_t lookback;     /* 0: enough for the slowest estimator */
    char rates[16];      /* rate series ("DFF"; "none") */
    hs_calendar calendar; /* the grid's sessions (default 24x7) */
    double periods_per_year; /* annualisation; 0: from calendar and step */
    /* [book] */
    char assets[HS_CONFIG_MAX_ASSETS][HS_SYMBOL_MAX];
    size_t n_assets;
    hs_weighting weighting;
    double weights[HS_CONFIG_MAX_ASSETS];
    double capital;
    hs_rebalance rebalance;
    size_t min_history, vol_window;
    hs_beta_input beta_input; /* the estimator's y (default target) */
    hs_delisting delisting;   /* default unknown */
    /* [hedge] */
    char benchmark[HS_SYMBOL_MAX];
    char instrument[HS_SYMBOL_MAX];
    hs_perp_marks marks;
    hs_funding_mode funding;
    double funding_rate, funding_hours;
    /* [costs] */
    hs_exec_opts exec;
    /* [options] (optional) */
    int has_options;
    char opt_underlying[HS_SYMBOL_MAX]; /* default: the benchmark */
    int opt_chains;                     /* 0 model, 1 store */
    char opt_source[48];                /* store: source filter ("" exchange) */
    int64_t opt_max_age;                /* store: oldest usable snapshot, ms */
    char opt_vol_index[HS_SYMBOL_MAX];  /* model: e.g. BTC-DVOL ("" none) */
    double opt_multiplier, opt_fee_rate, opt_fee_cap;
    size_t opt_max_positions;
    hs_values opt_model;                /* hs_chain_model_params values */
    /* [metrics] (optional) */
    size_t rolling_window; /* steps of the rolling residual beta (def. 90) */
    /* [strategy.*] */
    hs_config_run runs[HS_CONFIG_MAX_RUNS];
    size_t n_runs;
    /* [window.*] (optional): the user's stress windows, in file order */
    hs_config_window windows[HS_CONFIG_MAX_WINDOWS];
    size_t n_windows;
    int rolling_window_given; /* 1: [metrics] rolling_window was set (stress
                               * then uses it instead of its own default) */
    /* [mc] (optional) */
    hs_mc_config mc;
} hs_config;

/* Read and validate a config file.  *out owned by the caller. */
int hs_config_load(hs_config **out, const char *path);
/* The same from a string (`name` used in messages). */
int hs_config_parse(hs_config **out, const char *text, const char *name);
void hs_config_free(hs_config *cfg);

/* Apply an override "section.key=value" (e.g. "strategy.ols60.window=90",
 * "data.start=2021-01-01") as if it were in the file. */
int hs_config_set(hs_config *cfg, const char *assignment);

/* Check cross-key constraints (after overrides): start < end, weights, ... */
int hs_config_validate(const hs_config *cfg);

/* Resolve run i into a spec: strategy type from the registry, estimator,
 * every key checked against the common, estimator and strategy tables.
 * `spec->name` borrows from cfg. */
int hs_config_run_spec(const hs_config *cfg, size_t i, const hs_registry *reg,
                       hs_run_spec *spec);

/* The keys every [strategy.*] section may have besides the strategy's own
 * and its estimator's: type, beta, returns, target_beta, contract_size. */
extern const hs_param hs_config_run_params[];

/* The history options for this config (symbols borrowed from cfg). */
void hs_config_history(const hs_config *cfg, const char **symbols,
                       hs_history_opts *opts);

#endif
