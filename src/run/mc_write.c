/* The layout of a Monte Carlo results file (docs/results-format.md, /mc):
 * provenance at the root, the model and the stream scheme on /mc, and per
 * run a paths table (one compound row per path), a bands table (one
 * compound row per simulated step) and the kept paths. */
#include "mc_int.h"

#include "hedgesim/errors.h"
#include "hedgesim/results.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRY(x)                                                                 \
    do {                                                                       \
        if ((rc = (x)))                                                        \
            goto fail;                                                         \
    } while (0)
#define STR(s) ((s) ? (s) : "")

/* One row of the bands table. */
typedef struct band_row {
    int64_t time;
    double pnl[HS_MC_N_BANDS], hr[HS_MC_N_BANDS];
} band_row;

static const char *const band_pnl_names[HS_MC_N_BANDS] = {
    "pnl_q01", "pnl_q05", "pnl_q25", "pnl_q50", "pnl_q75", "pnl_q95",
    "pnl_q99"};
static const char *const band_hr_names[HS_MC_N_BANDS] = {
    "hedge_ratio_q01", "hedge_ratio_q05", "hedge_ratio_q25",
    "hedge_ratio_q50", "hedge_ratio_q75", "hedge_ratio_q95",
    "hedge_ratio_q99"};

#define ROW_FIELD(f) {#f, HS_H5_F64, offsetof(hs_mc_row, f)}
static const hs_h5_field row_fields[] = {
    ROW_FIELD(he),           ROW_FIELD(te),      ROW_FIELD(pnl),
    ROW_FIELD(max_drawdown), ROW_FIELD(cvar95),  ROW_FIELD(costs),
    ROW_FIELD(funding),      ROW_FIELD(premium), ROW_FIELD(stress_share),
    /* with random costs only: */
    ROW_FIELD(fee_bps),      ROW_FIELD(slippage_bps)};
#undef ROW_FIELD
#define N_ROW_FIELDS (sizeof row_fields / sizeof *row_fields)
#define N_COST_FIELDS 2

static const char stream_scheme[] =
    "PCG32 (O'Neill 2014) through GSL; path p of seed s draws from the streams "
    "hs_rng_derive(s, p, purpose) (SplitMix64, docs/random-numbers.md), "
    "purpose 2 regimes, 1 returns, 3 jumps, 4 bootstrap; normals by "
    "gsl_ran_gaussian_ziggurat";

/* The same, when fees or slippage are drawn per path. */
static const char stream_scheme_costs[] =
    "PCG32 (O'Neill 2014) through GSL; path p of seed s draws from the streams "
    "hs_rng_derive(s, p, purpose) (SplitMix64, docs/random-numbers.md), "
    "purpose 2 regimes, 1 returns, 3 jumps, 4 bootstrap, 5 fees and slippage "
    "(two uniforms per path: the fee's, then the slippage's); normals by "
    "gsl_ran_gaussian_ziggurat";

static int write_run(hs_h5 *h, const hs_mc *mc, size_t i, const int64_t *time)
{
    const size_t N = hs_mc_paths(mc), S = hs_mc_steps(mc), K = hs_mc__keep(mc);
    char g[160], path[200];
    int rc = 0;
    hs_mc_row *rows = malloc(N * sizeof *rows);
    band_row *br = malloc(S * sizeof *br);
    hs_h5_field bf[1 + 2 * HS_MC_N_BANDS];
    if (!rows || !br) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto fail;
    }
    snprintf(g, sizeof g, "/mc/%s", hs_mc_run_name(mc, i));
    TRY(hs_h5_group(h, g));
    TRY(hs_h5_attr_str(h, g, "type", hs_mc_run_type(mc, i)));
    for (size_t p = 0; p < N; p++)
        rows[p] = *hs_mc_row_of(mc, i, p);
    snprintf(path, sizeof path, "%s/paths", g);
    const int rnd = hs_mc_random_costs(mc);
    TRY(hs_h5_write_records(h, path, row_fields,
                            N_ROW_FIELDS - (rnd ? 0 : N_COST_FIELDS), rows,
                            sizeof *rows, N));
    TRY(hs_h5_describe(h, path, NULL,
                       rnd ? "one row per path (row p = path p): he, te "
                             "(annualised), pnl (currency, final equity - "
                             "capital), max_drawdown (fraction), cvar95 (of "
                             "one step's return), costs, funding, premium "
                             "(currency, > 0 paid), stress_share (share of "
                             "simulated steps in the stress regime), fee_bps "
                             "and slippage_bps (the path's costs, bps, drawn "
                             "from [mc] fee_bps and slippage_bps)"
                           : "one row per path (row p = path p): he, te "
                             "(annualised), pnl (currency, final equity - "
                             "capital), max_drawdown (fraction), cvar95 (of "
                             "one step's return), costs, funding, premium "
                             "(currency, > 0 paid), stress_share (share of "
                             "simulated steps in the stress regime)"));
    bf[0] = (hs_h5_field){"time", HS_H5_I64, offsetof(band_row, time)};
    for (size_t q = 0; q < HS_MC_N_BANDS; q++) {
        bf[1 + q] = (hs_h5_field){band_pnl_names[q], HS_H5_F64,
                                  offsetof(band_row, pnl) + q * sizeof(double)};
        bf[1 + HS_MC_N_BANDS + q] = (hs_h5_field){
            band_hr_names[q], HS_H5_F64,
            offsetof(band_row, hr) + q * sizeof(double)};
    }
    for (size_t t = 0; t < S; t++) {
        br[t].time = time[t];
        TRY(hs_mc_bands(mc, i, t, br[t].pnl, br[t].hr));
    }
    snprintf(path, sizeof path, "%s/bands", g);
    TRY(hs_h5_write_records(h, path, bf, 1 + 2 * HS_MC_N_BANDS, br, sizeof *br,
                            S));
    TRY(hs_h5_attr_f64v(h, path, "quantiles_pct", hs_mc_band_levels,
                        HS_MC_N_BANDS));
    TRY(hs_h5_attr_i64(h, path, "band_paths", (int64_t)hs_mc_band_paths(mc)));
    TRY(hs_h5_describe(h, path, NULL,
                       "per simulated step: quantiles over paths of the P&L "
                       "(equity - capital, currency) and the hedge ratio, "
                       "over the first band_paths paths (numpy's default "
                       "linear interpolation)"));
    if (K) {
        snprintf(path, sizeof path, "%s/kept/pnl", g);
        TRY(hs_h5_write_f64_2d(h, path, hs_mc__kept(mc, i, 0), K, S));
        TRY(hs_h5_describe(h, path, "currency",
                           "P&L (equity - capital) of the first paths, one "
                           "row per path, one column per simulated step"));
        snprintf(path, sizeof path, "%s/kept/hedge_ratio", g);
        TRY(hs_h5_write_f64_2d(h, path, hs_mc__kept(mc, i, 1), K, S));
        TRY(hs_h5_describe(h, path, "1", "hedge ratio of the first paths"));
    }
fail:
    free(rows);
    free(br);
    return rc;
}

int hs_mc_write(const hs_mc *mc, const char *path, int force,
                const hs_results_meta *meta)
{
    hs_h5 *h = NULL;
    int64_t *time = NULL;
    int rc;
    if (!hs_mc__complete(mc))
        return hs_error_set(HS_EINVAL,
                            "the Monte Carlo run is incomplete (%zu of %zu "
                            "paths): nothing written",
                            hs_mc_done(mc), hs_mc_paths(mc));
    const hs_panel *hist = hs_mc__history(mc);
    const size_t S = hs_mc_steps(mc);
    time = malloc(S * sizeof *time);
    if (!time)
        return hs_error_set(HS_ENOMEM, "out of memory");
    for (size_t t = 0; t < S; t++)
        time[t] = hist->time[hist->n_steps - 1] +
                  (int64_t)(t + 1) * hist->step_ms;
    TRY(hs_h5_create(&h, path, force));
    TRY(hs_results_write_provenance(h, meta));
    TRY(hs_h5_attr_str(h, "/", "mode", "mc"));
    TRY(hs_h5_attr_i64(h, "/", "seed", (int64_t)hs_mc__seed(mc)));
    TRY(hs_h5_attr_i64(h, "/", "step_ms", hist->step_ms));
    TRY(hs_h5_group(h, "/mc"));
    const hs_scenario *sc = hs_mc_scenario(mc);
    TRY(hs_h5_attr_str(h, "/mc", "model", hs_scenario_get_type(sc)->name));
    TRY(hs_h5_attr_str(h, "/mc", "parameters", hs_scenario_describe(sc)));
    TRY(hs_h5_attr_i64(h, "/mc", "seed", (int64_t)hs_mc__seed(mc)));
    TRY(hs_h5_attr_str(h, "/mc", "stream_scheme",
                       hs_mc_random_costs(mc) ? stream_scheme_costs
                                              : stream_scheme));
    if (hs_mc_random_costs(mc)) {
        const hs_mc_config *m = &hs_mc__config(mc)->mc;
        if (m->fee_random) {
            const double r[2] = {m->fee_lo, m->fee_hi};
            TRY(hs_h5_attr_f64v(h, "/mc", "fee_bps_range", r, 2));
        }
        if (m->slippage_random) {
            const double r[2] = {m->slippage_lo, m->slippage_hi};
            TRY(hs_h5_attr_f64v(h, "/mc", "slippage_bps_range", r, 2));
        }
    }
    TRY(hs_h5_attr_i64(h, "/mc", "paths", (int64_t)hs_mc_paths(mc)));
    TRY(hs_h5_attr_i64(h, "/mc", "steps", (int64_t)S));
    TRY(hs_h5_attr_i64(h, "/mc", "warmup_steps", (int64_t)hs_mc__warm(mc)));
    TRY(hs_h5_attr_i64(h, "/mc", "band_paths", (int64_t)hs_mc_band_paths(mc)));
    TRY(hs_h5_attr_str(h, "/mc", "data_notes", hist->notes));
    TRY(hs_h5_write_time(h, "/mc/time", time, S));
    TRY(hs_h5_describe(h, "/mc/time", NULL,
                       "open time of each simulated step (after the last "
                       "history bar)"));
    for (size_t i = 0; i < hs_mc_n_runs(mc); i++)
        TRY(write_run(h, mc, i, time));
    free(time);
    return hs_h5_commit(h);
fail:
    free(time);
    hs_h5_abort(h);
    return rc;
}
