/* The market smile of the modeled chains against the store's real
 * snapshots (docs/modeled-chains.md#how-close-is-it-to-the-real-chains).
 *
 * Loads every exchange snapshot of BTC and ETH from the store (argv[1],
 * passed by `make bench`), fits the market smile's coefficients on all of
 * them and prints them as the parameter defaults they are shipped as (the
 * table in src/options/chain_model.c), then, for every snapshot, the RMSE of
 * the modeled implied vols against the real ones (out-of-the-money quotes,
 * |ln(K/F)| <= 1, T >= 2 days) for: the fixed smile (smile = fixed), the
 * market smile fitted on all snapshots (in sample), and fitted on all the
 * other snapshots (leave one out: out of sample).  Figures in vol points.
 * With a second argument, writes the fitted coefficients there in the
 * format of datasets/smile-fit.csv (how that file was made). */
#include "hedgesim/hedgesim.h"
#include "hedgesim/chain.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fitted coefficients as datasets/smile-fit.csv holds them. */
static int write_csv(const char *path, const hs_chain_model *m, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "# The modeled chains' market smile (docs/modeled-chains.md): "
               "least-squares fit\n# on the %zu real BTC and ETH snapshots "
               "of the embedded store, written by\n# build/bench/bench_smile "
               "datasets/hedgesim.db datasets/smile-fit.csv\nname,value\n",
            n);
    for (size_t i = 0; i < HS_CHAIN_SMILE_NCOEF; i++)
        fprintf(f, "%s,%.9g\n", hs_chain_smile_coef_names[i], m->coef[i]);
    for (size_t i = 0; i < HS_CHAIN_SMILE_NOBS; i++)
        fprintf(f, "%s_lo,%.9g\n%s_hi,%.9g\n", hs_chain_smile_obs_names[i],
                m->obs_lo[i], hs_chain_smile_obs_names[i], m->obs_hi[i]);
    return fclose(f) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *db = argc > 1 ? argv[1] : "datasets/hedgesim.db";
    const char *const und[2] = {"BTC", "ETH"};
    hs_store *store = NULL;
    hs_smile_data *d = NULL;
    hs_chain_model fixed, all, loo, dflt;
    hs_values v;
    int rc = 1;

    hs_init();
    if (hs_store_open(&store, db, HS_STORE_READONLY) ||
        hs_values_init(&v, hs_chain_model_params) ||
        hs_chain_model_init(&dflt, NULL) ||
        hs_values_set(&v, "smile", "fixed", "bench") ||
        hs_chain_model_init(&fixed, &v) ||
        hs_smile_data_load(&d, store, und, 2, NULL) ||
        hs_smile_fit(d, SIZE_MAX, &dflt, &all)) {
        fprintf(stderr, "bench_smile: %s\n", hs_error_last());
        goto done;
    }
    const size_t n = hs_smile_data_count(d);
    double dev = 0;
    for (size_t i = 0; i < HS_CHAIN_SMILE_NCOEF; i++)
        dev = fmax(dev, fabs(all.coef[i] - dflt.coef[i]));
    printf("market smile (%d coefficients, %d clamps) fitted on %zu "
           "snapshots; largest difference from the shipped coefficients "
           "(datasets/smile-fit.csv): %.2g\n",
           HS_CHAIN_SMILE_NCOEF, 2 * HS_CHAIN_SMILE_NOBS, n, dev);
    if (argc > 2) {
        if (write_csv(argv[2], &all, n)) {
            fprintf(stderr, "bench_smile: cannot write %s\n", argv[2]);
            goto done;
        }
        printf("coefficients written to %s\n", argv[2]);
    }
    printf("\n| snapshot (UTC) | under | quotes | sigma30 | fixed smile | "
           "market, in sample | market, leave one out |\n");
    printf("|---|---|---|---|---|---|---|\n");
    double worst = 0, sum = 0;
    size_t over = 0, counted = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t ts;
        const char *u;
        size_t nq;
        hs_chain_obs obs;
        char tb[32];
        hs_smile_data_snapshot(d, i, &ts, &u, &nq, &obs);
        if (hs_smile_fit(d, i, &dflt, &loo)) {
            fprintf(stderr, "bench_smile: %s\n", hs_error_last());
            goto done;
        }
        double e0 = 100 * hs_smile_rmse(d, i, &fixed);
        double e1 = 100 * hs_smile_rmse(d, i, &all);
        double e2 = 100 * hs_smile_rmse(d, i, &loo);
        hs_cal_format_time(ts, tb, sizeof tb);
        printf("| %.16s | %s | %zu | %.3f | %.2f | %.2f | %.2f |\n", tb, u, nq,
               obs.sigma30, e0, e1, e2);
        if (ts >= INT64_C(1704067200000)) { /* 2024 and 2025 */
            counted++;
            sum += e2;
            worst = fmax(worst, e2);
            over += e2 > 3.0;
        }
    }
    printf("\n2024-2025 snapshots: %zu, leave-one-out RMSE mean %.2f, worst "
           "%.2f, above 3 vol points: %zu\n",
           counted, counted ? sum / (double)counted : NAN, worst, over);
    rc = 0;
done:
    hs_smile_data_free(d);
    hs_store_close(store);
    return rc;
}
