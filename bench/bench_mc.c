/* Monte Carlo benchmark: the default two-regime model with crash jumps, 14
 * assets (BTC and 13 altcoins), one year of daily steps, `perp_short` with
 * an EWMA beta, as `hedgesim mc` runs it.
 *
 *     build/bench/bench_mc [DB]
 *
 * Prints path x asset x step per second per core on 1 and 2 threads, next
 * to the raw rate at which this machine draws normals from PCG32 through
 * GSL's ziggurat, and the rate of the scenario draws alone (panel fill
 * without the engine), then the target: half the raw rate per core,
 * and 1.8 times the one-thread rate on 2 threads.  The path count is scaled
 * to about 3 CPU seconds per measurement.  Rates per core are per CPU second of the process (all
 * threads), which a busy machine does not distort; the wall-clock rate is
 * printed beside them. */
#include "hedgesim/hedgesim.h"
#include "hedgesim/mc.h"
#include "hedgesim/rng.h"
#include "hedgesim/scenario.h"

#include <gsl/gsl_randist.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds of the whole process (every thread): on a shared machine the
 * wall clock also counts the time other processes had the cores. */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char text[] =
    "[data]\ndb = %s\nstart = 2021-01-01\nend = 2024-12-31\nstep = 1d\n"
    "usdt_is_usd = true\n"
    "[book]\nassets = ETH,BNB,XRP,ADA,DOGE,LINK,LTC,ATOM,TRX,XLM,ETC,SOL,BCH\n"
    "rebalance = weekly\n"
    "[hedge]\nbenchmark = BTC\ninstrument = BTC-PERP\n"
    "[strategy.ewma20]\ntype = perp_short\nbeta = ewma\nhalflife = 20\n"
    "[mc]\nsteps = 365\n"
    "[mc.regime.calm]\nto.calm = 0.99\nto.stress = 0.01\ndrift = 0.1\n"
    "vol = 0.45, 0.65, 0.75, 0.8, 0.85, 0.95, 0.9, 0.75, 0.9, 0.6, 0.75, 0.85,"
    " 1.0, 0.85\ncorr = 0.6\nbeta = 1.2\nfunding = 0.08\njump_rate = 1\n"
    "jump_mean = -0.08\njump_sd = 0.04\n"
    "[mc.regime.stress]\nto.calm = 0.05\nto.stress = 0.95\ndrift = -0.5\n"
    "vol = 0.85, 1.2, 1.3, 1.4, 1.5, 1.7, 1.6, 1.4, 1.6, 1.1, 1.4, 1.5, 1.7, "
    "1.5\ncorr = 0.85\nbeta = 1.2\nfunding = 0.2\njumps = double_exp\n"
    "jump_rate = 6\njump_up_prob = 0.3\njump_up = 0.06\njump_down = 0.1\n";

static int die(const char *what, int rc)
{
    fprintf(stderr, "bench_mc: %s: %s\n", what,
            *hs_error_last() ? hs_error_last() : hs_strerror(rc));
    return 1;
}

/* Wall and CPU seconds for `paths` paths on `threads` threads. */
static int timed(const hs_config *cfg, const hs_registry *reg, hs_store *st,
                 size_t paths, unsigned threads, double *secs, double *csecs)
{
    hs_mc *mc = NULL;
    hs_mc_opts o = HS_MC_OPTS_INIT;
    o.paths = paths;
    o.threads = threads;
    o.seed = 1;
    int rc = hs_mc_new(&mc, cfg, reg, st, &o);
    if (rc)
        return die("mc", rc);
    double t0 = now(), c0 = cpu();
    rc = hs_mc_run(mc);
    *secs = now() - t0;
    *csecs = cpu() - c0;
    hs_mc_free(mc);
    return rc ? die("run", rc) : 0;
}

int main(int argc, char **argv)
{
    const char *db = argc > 1 ? argv[1] : "datasets/hedgesim.db";
    char buf[4096];
    hs_config *cfg = NULL;
    hs_registry *reg = NULL;
    hs_store *st = NULL;
    int rc;
    hs_init();
    snprintf(buf, sizeof buf, text, db);
    if ((rc = hs_config_parse(&cfg, buf, "bench_mc")) ||
        (rc = hs_registry_new(&reg)) ||
        (rc = hs_store_open(&st, db, HS_STORE_READONLY)))
        return die("setup", rc);
    const double steps = 365, assets = 14;

    /* The raw rate of normals: PCG32 + ziggurat. */
    gsl_rng *r = NULL;
    hs_rng_new(&r, 1, 0, HS_RNG_RETURNS);
    const size_t nz = 50000000;
    double acc = 0, t0 = cpu();
    for (size_t i = 0; i < nz; i++)
        acc += gsl_ran_gaussian_ziggurat(r, 1.0);
    double raw = (double)nz / (cpu() - t0);
    gsl_rng_free(r);
    printf("normals, PCG32 + gsl_ran_gaussian_ziggurat: %.3g per CPU second "
           "(checksum %.3f)\n",
           raw, acc / (double)nz);

    /* Scenario draws alone. */
    {
        hs_mc *mc = NULL;
        hs_mc_opts o = HS_MC_OPTS_INIT;
        o.paths = 1;
        if ((rc = hs_mc_new(&mc, cfg, reg, st, &o)))
            return die("mc", rc);
        hs_scenario_path *pp = NULL;
        if ((rc = hs_scenario_path_new(&pp, hs_mc_scenario(mc))))
            return die("path", rc);
        const size_t np = 2000;
        t0 = cpu();
        for (size_t p = 0; p < np; p++)
            hs_scenario_fill(pp, 1, p);
        double s = cpu() - t0;
        printf("scenario draws alone (panel fill, no engine): %.3g path x "
               "asset x step per CPU second\n",
               (double)np * steps * assets / s);
        hs_scenario_path_free(pp);
        hs_mc_free(mc);
    }

    /* Full paths: calibrate the count on a short run, then ~3 s of CPU each. */
    double secs, csecs;
    if (timed(cfg, reg, st, 20, 1, &secs, &csecs))
        return 1;
    size_t paths = (size_t)(20 * 3.0 / csecs);
    if (paths < 20)
        paths = 20;
    double core1 = 0, wall1 = 0;
    for (unsigned th = 1; th <= 2; th++) {
        if (timed(cfg, reg, st, paths * th, th, &secs, &csecs))
            return 1;
        const double work = (double)(paths * th) * steps * assets;
        const double core = work / csecs;
        if (th == 1)
            core1 = core;
        printf("mc, %u thread%s: %zu paths x %g steps x %g assets in %.2f s "
               "wall, %.2f s CPU: %.3g path x asset x step per CPU second "
               "(%.2f of the raw normal rate), %.3g per wall second\n",
               th, th > 1 ? "s" : "", paths * th, steps, assets, secs, csecs,
               core, core / raw, work / secs);
        if (th == 1)
            wall1 = work / secs;
        if (th == 2) {
            const double speedup = work / secs / wall1;
            printf("2 threads: %.2f times the wall-clock rate of 1 thread "
                   "(needs 2 idle cores), %.2f of its per-core rate\n",
                   speedup, core / core1);
            printf("target (docs/montecarlo.md#speed): per core >= 0.5 of the "
                   "raw normal rate = %.3g: %s (%.2f); 2 threads >= 1.8 times "
                   "1 thread: %s (%.2f; wall clock, meaningful only on 2 idle "
                   "cores)\n",
                   0.5 * raw, core1 >= 0.5 * raw ? "met" : "NOT met",
                   core1 / raw, speedup >= 1.8 ? "met" : "not met", speedup);
        }
    }
    hs_store_close(st);
    hs_registry_free(reg);
    hs_config_free(cfg);
    return 0;
}
