/* Implied-volatility throughput on a synthetic chain.
 *
 * 1,000,000 European options (strikes 0.6x-1.6x the underlying, expiries
 * 1 day to 2 years, calls and puts, Black-Scholes and Black-76, 25
 * underlying levels) are priced with known volatilities from a smile, then
 * their implied volatilities are solved with one reusable solver.  Prints
 * the rate and the largest round-trip error |iv - sigma|, overall and
 * where the price is sensitive enough to the vol to pin it.  argv[1] (a store
 * path, passed by `make bench`) is ignored. */
#include "hedgesim/hedgesim.h"
#include "hedgesim/price.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { N_STRIKE = 200, N_EXPIRY = 50, N_LEVEL = 25 };
#define N_OPTIONS ((size_t)N_STRIKE * N_EXPIRY * 2 * 2 * N_LEVEL)

typedef struct opt {
    hs_model model;
    hs_right right;
    double U, K, T, r, sigma, price, vega;
} opt;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    int rc = 1;
    opt *o = NULL;
    hs_iv_solver *solver = NULL;
    hs_init();

    o = malloc(N_OPTIONS * sizeof *o);
    if (!o) {
        fprintf(stderr, "bench_iv: out of memory\n");
        goto done;
    }
    size_t n = 0;
    for (int l = 0; l < N_LEVEL; l++)
        for (int m = 0; m < 2; m++)
            for (int q = 0; q < 2; q++)
                for (int e = 0; e < N_EXPIRY; e++)
                    for (int k = 0; k < N_STRIKE; k++) {
                        opt *p = &o[n++];
                        p->model = m ? HS_MODEL_BLACK76 : HS_MODEL_BS;
                        p->right = q ? HS_PUT : HS_CALL;
                        p->U = 20000.0 + 2000.0 * l;
                        p->K = p->U * (0.6 + 1.0 * k / (N_STRIKE - 1));
                        /* 1 day to 2 years, denser at the short end */
                        double u = (double)e / (N_EXPIRY - 1);
                        p->T = (1.0 + 729.0 * u * u) / 365.0;
                        p->r = 0.01 * (l % 5);
                        double x = log(p->K / p->U);
                        p->sigma = 0.55 + 0.8 * x * x - 0.1 * x; /* a smile */
                        hs_greeks g;
                        if (hs_price(p->model, p->right, p->U, p->K, p->T, p->r,
                                     p->sigma, &g)) {
                            fprintf(stderr, "bench_iv: %s\n", hs_error_last());
                            goto done;
                        }
                        p->price = g.price;
                        p->vega = g.vega;
                    }

    if (hs_iv_solver_new(&solver, NULL)) {
        fprintf(stderr, "bench_iv: %s\n", hs_error_last());
        goto done;
    }
    double max_err = 0, max_err_cond = 0, t0 = now();
    size_t not_ok = 0;
    for (size_t i = 0; i < n; i++) {
        double iv;
        hs_iv_status st;
        if (hs_iv_solver_solve(solver, o[i].model, o[i].right, o[i].U, o[i].K,
                               o[i].T, o[i].r, o[i].price, &iv, &st)) {
            fprintf(stderr, "bench_iv: %s\n", hs_error_last());
            goto done;
        }
        if (st != HS_IV_OK) {
            not_ok++;
            continue;
        }
        double err = fabs(iv - o[i].sigma);
        if (err > max_err)
            max_err = err;
        /* well conditioned: 1 vol point moves the price by >= 1e-6 of U */
        if (o[i].vega / 100 >= 1e-6 * o[i].U && err > max_err_cond)
            max_err_cond = err;
    }
    double dt = now() - t0;
    printf("implied vols per second: %.0f (%zu options in %.3f s, Brent on "
           "[1e-6, 20], vol_tol 1e-12)\n",
           (double)n / dt, n, dt);
    printf("max round-trip error |iv - sigma|: %.3g over %zu solved, %.3g "
           "where a vol point moves the price by >= 1e-6 of the underlying; "
           "%zu without a volatility (time value below rounding)\n",
           max_err, n - not_ok, max_err_cond, not_ok);
    rc = 0;
done:
    hs_iv_solver_free(solver);
    free(o);
    return rc;
}
