/* Tests for the PCG32 generator, its gsl_rng_type and stream derivation. */
#include "testutil.h"

#include "hedgesim/rng.h"

#include <stdint.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

/* The reference demo output: pcg32-demo from O'Neill's pcg-c-basic seeds
 * with pcg32_srandom_r(&rng, 42u, 54u) and prints these six 32-bit values
 * first.  Reproduced independently by a Python model of the paper's
 * algorithm (64-bit LCG, multiplier 6364136223846793005, XSH-RR). */
static const uint32_t demo42[6] = {0xa15c02b7, 0x7b47f409, 0xba1d3330,
                                   0x83d2f293, 0xbfa4784b, 0xcbed606e};

START_TEST(test_known_answer)
{
    hs_pcg32 g;
    hs_pcg32_seed(&g, 42, 54);
    for (int i = 0; i < 6; i++)
        ck_assert_msg(hs_pcg32_next(&g) == demo42[i], "output %d", i);
    /* inc is (54 << 1) | 1 = 109 */
    ck_assert_uint_eq(g.inc, 109);
}
END_TEST

START_TEST(test_advance)
{
    static const uint64_t deltas[] = {0, 1, 2, 3, 17, 1000, 65537, 123457};
    for (size_t d = 0; d < sizeof deltas / sizeof deltas[0]; d++) {
        hs_pcg32 a, b;
        hs_pcg32_seed(&a, 12345, 678);
        b = a;
        for (uint64_t i = 0; i < deltas[d]; i++)
            (void)hs_pcg32_next(&a);
        hs_pcg32_advance(&b, deltas[d]);
        ck_assert_msg(a.state == b.state, "delta %llu",
                      (unsigned long long)deltas[d]);
        ck_assert_uint_eq(hs_pcg32_next(&a), hs_pcg32_next(&b));
    }
    /* The LCG has period 2^64: advancing by 2^64 - 1000 after 1000 steps
     * comes back to the start (unsigned wrap-around). */
    hs_pcg32 c, start;
    hs_pcg32_seed(&c, 42, 54);
    start = c;
    for (int i = 0; i < 1000; i++)
        (void)hs_pcg32_next(&c);
    hs_pcg32_advance(&c, (uint64_t)0 - 1000);
    ck_assert(c.state == start.state);
    ck_assert_uint_eq(hs_pcg32_next(&c), demo42[0]);
}
END_TEST

START_TEST(test_bounded_range)
{
    hs_pcg32 g;
    hs_pcg32_seed(&g, 1, 2);
    static const uint32_t bounds[] = {1, 2, 3, 7, 10, 1000, 0x80000001u,
                                      0xffffffffu};
    for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++)
        for (int i = 0; i < 10000; i++)
            ck_assert_uint_lt(hs_pcg32_bounded(&g, bounds[b]), bounds[b]);
    /* bound 0 is documented to return 0 without drawing. */
    hs_pcg32 before = g;
    ck_assert_uint_eq(hs_pcg32_bounded(&g, 0), 0);
    ck_assert(g.state == before.state);
}
END_TEST

START_TEST(test_bounded_unbiased)
{
    /* bound = 3 * 2^30.  An unbiased draw falls below 2^30 with probability
     * 1/3; plain modulo (x % bound) would give 1/2 because x in
     * [3*2^30, 2^32) folds onto [0, 2^30).  N = 200000: se =
     * sqrt((1/3)(2/3)/N) = 1.05e-3; tolerance 5 se. */
    hs_pcg32 g;
    hs_pcg32_seed(&g, 2024, 7);
    const uint32_t bound = 0xc0000000u;
    const int N = 200000;
    int low = 0;
    for (int i = 0; i < N; i++)
        low += hs_pcg32_bounded(&g, bound) < 0x40000000u;
    double p = (double)low / N;
    double se = sqrt((1.0 / 3) * (2.0 / 3) / N);
    hs_ck_near(p, 1.0 / 3, 5 * se);

    /* A die: chi-square over 6 cells, 60000 throws, against the 1e-6 upper
     * quantile of chi-square(5) from gsl_cdf_chisq_Qinv. */
    int cells[6] = {0};
    for (int i = 0; i < 60000; i++)
        cells[hs_pcg32_bounded(&g, 6)]++;
    double chi2 = 0;
    for (int c = 0; c < 6; c++)
        chi2 += (cells[c] - 10000.0) * (cells[c] - 10000.0) / 10000.0;
    ck_assert_msg(chi2 < gsl_cdf_chisq_Qinv(1e-6, 5), "chi2 = %g", chi2);
}
END_TEST

START_TEST(test_uniform_double)
{
    /* First uniform from (42, 54): the top 53 bits of
     * (0xa15c02b7 << 32 | 0x7b47f409), times 2^-53; computed with Python:
     * ((0xa15c02b7<<32|0x7b47f409)>>11) = 5677329748551934,
     * * 2**-53 = 0.6303102205231708. */
    hs_pcg32 g;
    hs_pcg32_seed(&g, 42, 54);
    double u = hs_pcg32_uniform(&g);
    ck_assert(u == 5677329748551934.0 * 0x1.0p-53);
    hs_ck_near(u, 0.6303102205231708, 1e-16);
    /* Two outputs were consumed. */
    ck_assert_uint_eq(hs_pcg32_next(&g), demo42[2]);

    /* Always in [0, 1) and a multiple of 2^-53. */
    for (int i = 0; i < 100000; i++) {
        double v = hs_pcg32_uniform(&g);
        ck_assert(v >= 0.0 && v < 1.0);
        double k = v * 0x1.0p53;
        ck_assert(k == floor(k));
    }
}
END_TEST

START_TEST(test_gsl_type)
{
    gsl_rng *r = gsl_rng_alloc(hs_gsl_rng_pcg32);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(gsl_rng_name(r), "hs_pcg32");
    ck_assert_uint_eq(gsl_rng_max(r), 0xffffffffUL);
    ck_assert_uint_eq(gsl_rng_min(r), 0);
    ck_assert_uint_eq(gsl_rng_size(r), sizeof(hs_pcg32));
    gsl_rng_set(r, 42);
    for (int i = 0; i < 6; i++)
        ck_assert_msg(gsl_rng_get(r) == demo42[i], "gsl_rng_get %d", i);
    /* gsl_rng_uniform goes through get_double: 53 bits from outputs 7, 8. */
    hs_pcg32 g;
    hs_pcg32_seed(&g, 42, 54);
    hs_pcg32_advance(&g, 6);
    ck_assert(gsl_rng_uniform(r) == hs_pcg32_uniform(&g));
    /* gsl_rng_clone copies the state. */
    gsl_rng *c = gsl_rng_clone(r);
    ck_assert_uint_eq(gsl_rng_get(c), gsl_rng_get(r));
    gsl_rng_free(c);
    gsl_rng_free(r);
}
END_TEST

/* Mean and variance of N draws from one stream, in one pass (Welford). */
static void moments(gsl_rng *r, int gaussian, long N, double *mean,
                    double *var)
{
    double m = 0, s = 0;
    for (long i = 0; i < N; i++) {
        double x = gaussian ? gsl_ran_gaussian_ziggurat(r, 1.0)
                            : gsl_rng_uniform(r);
        double d = x - m;
        m += d / (double)(i + 1);
        s += d * (x - m);
    }
    *mean = m;
    *var = s / (double)(N - 1);
}

START_TEST(test_gsl_gaussian)
{
    /* N(0,1): se(mean) = 1/sqrt(N) = 1e-3; se(var) = sqrt((mu4 - 1)/N) =
     * sqrt(2/N) = 1.41e-3 (mu4 = 3).  Tolerances: 5 standard errors. */
    gsl_rng *r = NULL;
    ck_assert_int_eq(hs_rng_new(&r, 7, 0, HS_RNG_TEST), 0);
    const long N = 1000000;
    double m, v;
    moments(r, 1, N, &m, &v);
    hs_ck_near(m, 0.0, 5 * 1e-3);
    hs_ck_near(v, 1.0, 5 * sqrt(2.0 / N));
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_gsl_uniform)
{
    /* U(0,1): mean 1/2, se = sqrt(1/12/N) = 2.89e-4; variance 1/12, se =
     * sqrt((mu4 - sigma^4)/N) with mu4 = 1/80, sigma^4 = 1/144, i.e.
     * sqrt(1/180/N) = 7.45e-5.  Tolerances: 5 standard errors. */
    gsl_rng *r = NULL;
    ck_assert_int_eq(hs_rng_new(&r, 8, 0, HS_RNG_TEST), 0);
    const long N = 1000000;
    double m, v;
    moments(r, 0, N, &m, &v);
    hs_ck_near(m, 0.5, 5 * sqrt(1.0 / 12 / N));
    hs_ck_near(v, 1.0 / 12, 5 * sqrt(1.0 / 180 / N));
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_derive_known)
{
    /* Independent computation: a Python transcription of the formula in
     * docs/random-numbers.md (SplitMix64 gamma 0x9e3779b97f4a7c15, output
     * constants 0xbf58476d1ce4e5b9 / 0x94d049bb133111eb, shifts 30/27/31)
     * and of the reference PCG32 gives, for (42, 0, 1):
     * initstate 0x79ac3b16dbc3b641, initseq 0xc3d687efb041ce09, outputs
     * 0x1fb5b3d1 0x29e97e70 0xa22e0ecb; for (2024, 7, 99): initstate
     * 0x58325bbb4e918aa4, initseq 0xf4a4fc10545fb6f3, outputs 0x6004cefc
     * 0x76734415 0xb69871e7. */
    uint64_t s, q;
    hs_rng_derive(42, 0, 1, &s, &q);
    ck_assert(s == UINT64_C(0x79ac3b16dbc3b641));
    ck_assert(q == UINT64_C(0xc3d687efb041ce09));

    gsl_rng *r = NULL;
    ck_assert_int_eq(hs_rng_new(&r, 42, 0, HS_RNG_RETURNS), 0);
    ck_assert_uint_eq(gsl_rng_get(r), 0x1fb5b3d1);
    ck_assert_uint_eq(gsl_rng_get(r), 0x29e97e70);
    ck_assert_uint_eq(gsl_rng_get(r), 0xa22e0ecb);

    ck_assert_int_eq(hs_rng_reset(r, 2024, 7, HS_RNG_TEST), 0);
    hs_rng_derive(2024, 7, HS_RNG_TEST, &s, &q);
    ck_assert(s == UINT64_C(0x58325bbb4e918aa4));
    ck_assert(q == UINT64_C(0xf4a4fc10545fb6f3));
    ck_assert_uint_eq(gsl_rng_get(r), 0x6004cefc);
    ck_assert_uint_eq(gsl_rng_get(r), 0x76734415);
    ck_assert_uint_eq(gsl_rng_get(r), 0xb69871e7);

    /* hs_rng_pcg exposes the same state a hand-seeded generator has. */
    hs_pcg32 g;
    hs_pcg32_seed(&g, s, q);
    ck_assert_ptr_nonnull(hs_rng_pcg(r));
    ck_assert_int_eq(hs_rng_reset(r, 2024, 7, HS_RNG_TEST), 0);
    ck_assert(hs_rng_pcg(r)->state == g.state);
    ck_assert(hs_rng_pcg(r)->inc == g.inc);
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_derive_deterministic)
{
    /* Same triple, same stream: whatever else happened in between. */
    for (uint64_t p = 0; p < 1000; p++) {
        uint64_t s1, q1, s2, q2, junk1, junk2;
        hs_rng_derive(99, p, HS_RNG_JUMPS, &s1, &q1);
        hs_rng_derive(p, 99, HS_RNG_REGIME, &junk1, &junk2);
        hs_rng_derive(99, p, HS_RNG_JUMPS, &s2, &q2);
        ck_assert(s1 == s2 && q1 == q2);
    }
}
END_TEST

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

START_TEST(test_derive_distinct)
{
    /* 10,000 paths x 5 purposes x 2 seeds = 100,000 streams.  Compare the
     * first 64 bits of each stream (two outputs): with 32 bits, the
     * birthday bound would give a ~70% chance of some chance collision
     * among 1e5 honest streams; with 64 bits it is ~3e-10. */
    enum { PATHS = 10000, PURPOSES = 5, SEEDS = 2 };
    const size_t n = (size_t)PATHS * PURPOSES * SEEDS;
    uint64_t *first = malloc(n * sizeof *first);
    uint64_t *seqs = malloc(n * sizeof *seqs);
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_nonnull(seqs);
    size_t k = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++)
        for (uint32_t pur = 1; pur <= PURPOSES; pur++)
            for (uint64_t p = 0; p < PATHS; p++) {
                uint64_t s, q;
                hs_rng_derive(seed, p, pur, &s, &q);
                hs_pcg32 g;
                hs_pcg32_seed(&g, s, q);
                uint64_t hi = hs_pcg32_next(&g);
                first[k] = (hi << 32) | hs_pcg32_next(&g);
                seqs[k] = g.inc; /* the stream actually used */
                k++;
            }
    qsort(first, n, sizeof *first, cmp_u64);
    qsort(seqs, n, sizeof *seqs, cmp_u64);
    for (size_t i = 1; i < n; i++) {
        ck_assert_msg(first[i] != first[i - 1], "first outputs collide");
        ck_assert_msg(seqs[i] != seqs[i - 1], "streams collide");
    }
    free(first);
    free(seqs);
}
END_TEST

START_TEST(test_order_independent)
{
    /* Path p draws the same numbers whether the paths are set up forwards
     * or backwards and whatever is drawn from the others in between: the
     * property that makes results independent of the thread count. */
    enum { P = 64, D = 50 };
    static uint32_t fwd[P][D], bwd[P][D];
    gsl_rng *r = NULL;
    ck_assert_int_eq(hs_rng_new(&r, 5, 0, HS_RNG_RETURNS), 0);
    for (int p = 0; p < P; p++) {
        ck_assert_int_eq(hs_rng_reset(r, 5, (uint64_t)p, HS_RNG_RETURNS), 0);
        for (int d = 0; d < D; d++)
            fwd[p][d] = (uint32_t)gsl_rng_get(r);
    }
    gsl_rng *other = NULL;
    ck_assert_int_eq(hs_rng_new(&other, 5, 3, HS_RNG_COSTS), 0);
    for (int p = P - 1; p >= 0; p--) {
        ck_assert_int_eq(hs_rng_reset(r, 5, (uint64_t)p, HS_RNG_RETURNS), 0);
        for (int d = 0; d < D; d++) {
            (void)gsl_rng_get(other);
            bwd[p][d] = (uint32_t)gsl_rng_get(r);
        }
    }
    ck_assert(memcmp(fwd, bwd, sizeof fwd) == 0);
    /* Different paths do differ. */
    ck_assert(memcmp(fwd[0], fwd[1], sizeof fwd[0]) != 0);
    gsl_rng_free(other);
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_reset_wrong_type)
{
    gsl_rng *mt = gsl_rng_alloc(gsl_rng_mt19937);
    ck_assert_ptr_nonnull(mt);
    ck_assert_ptr_null(hs_rng_pcg(mt));
    ck_assert_ptr_null(hs_rng_pcg(NULL));
    gsl_rng_set(mt, 3);
    unsigned long expect = gsl_rng_get(mt);
    gsl_rng_set(mt, 3);
    hs_error_clear();
    ck_assert_int_eq(hs_rng_reset(mt, 1, 2, 3), HS_EINVAL);
    ck_assert(strstr(hs_error_last(), "hs_pcg32") != NULL);
    /* untouched */
    ck_assert_uint_eq(gsl_rng_get(mt), expect);
    ck_assert_int_eq(hs_rng_reset(NULL, 1, 2, 3), HS_EINVAL);
    gsl_rng_free(mt);
}
END_TEST

static Suite *rng_suite(void)
{
    Suite *s = suite_create("rng");
    TCase *tc = tcase_create("pcg32");
    tcase_add_test(tc, test_known_answer);
    tcase_add_test(tc, test_advance);
    tcase_add_test(tc, test_bounded_range);
    tcase_add_test(tc, test_bounded_unbiased);
    tcase_add_test(tc, test_uniform_double);
    suite_add_tcase(s, tc);

    tc = tcase_create("gsl");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_gsl_type);
    tcase_add_test(tc, test_gsl_gaussian);
    tcase_add_test(tc, test_gsl_uniform);
    suite_add_tcase(s, tc);

    tc = tcase_create("streams");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_derive_known);
    tcase_add_test(tc, test_derive_deterministic);
    tcase_add_test(tc, test_derive_distinct);
    tcase_add_test(tc, test_order_independent);
    tcase_add_test(tc, test_reset_wrong_type);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return hs_test_main(rng_suite()); }
