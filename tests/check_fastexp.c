/* Tests for exp over arrays (hedgesim/fastexp.h): known values, agreement
 * with libm over a million arguments, the same bits from the array and
 * scalar forms (any length, any alignment, in place), and the values
 * outside the fast range. */
#include "testutil.h"

#include "hedgesim/fastexp.h"
#include "hedgesim/rng.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Distance in units in the last place between two finite doubles of the
 * same sign. */
static uint64_t ulps(double a, double b)
{
    int64_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return x > y ? (uint64_t)(x - y) : (uint64_t)(y - x);
}

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* exp(x) computed to 50 digits (Python's decimal module) and rounded to
 * the nearest double. */
static const struct {
    double x, y;
} known[] = {
    {1, 0x1.5bf0a8b145769p+1},       {-1, 0x1.78b56362cef38p-2},
    {0.5, 0x1.a61298e1e069cp+0},     {-0.3465, 0x1.6a10b883d5676p-1},
    {10, 0x1.5829dcf950560p+14},     {-10, 0x1.7cd79b5647c9bp-15},
    {700, 0x1.d945df4f8ec8ep+1009},  {-700, 0x1.14f2b0fb9307fp-1010},
    {0.1, 0x1.1aec7b35a00d4p+0},
};

START_TEST(test_known)
{
    ck_assert(hs_exp(0.0) == 1.0);
    ck_assert(hs_exp(-0.0) == 1.0);
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        ck_assert_msg(ulps(hs_exp(known[i].x), known[i].y) <= 2,
                      "exp(%g) = %a, want %a", known[i].x, hs_exp(known[i].x),
                      known[i].y);
}
END_TEST

/* Against libm (itself within 1 ulp of the exact value) over uniform
 * arguments in a few ranges: at most 2 ulps apart, and the mean error far
 * below 1 ulp. */
START_TEST(test_against_libm)
{
    static const double range[] = {1e-8, 0.35, 1, 20, 708};
    hs_pcg32 g;
    hs_pcg32_seed(&g, 7, 11);
    for (size_t r = 0; r < sizeof range / sizeof range[0]; r++) {
        uint64_t worst = 0, sum = 0;
        const int n = 200000;
        for (int i = 0; i < n; i++) {
            double x = (2 * hs_pcg32_uniform(&g) - 1) * range[r];
            uint64_t d = ulps(hs_exp(x), exp(x));
            worst = d > worst ? d : worst;
            sum += d;
        }
        ck_assert_msg(worst <= 2, "|x| <= %g: %llu ulps", range[r],
                      (unsigned long long)worst);
        ck_assert_msg((double)sum / n < 0.5, "|x| <= %g: mean %g ulps",
                      range[r], (double)sum / n);
    }
}
END_TEST

/* The array form gives the scalar form's bits for every element, whatever
 * the length (odd lengths end on the scalar path) and alignment, and in
 * place. */
START_TEST(test_array_same_bits)
{
    enum { N = 67 };
    double x[N + 1], y[N + 1], z[N + 1];
    hs_pcg32 g;
    hs_pcg32_seed(&g, 3, 5);
    for (int i = 0; i <= N; i++)
        x[i] = (2 * hs_pcg32_uniform(&g) - 1) * 30;
    x[5] = NAN;
    x[6] = 1000;
    x[7] = -1000;
    x[8] = INFINITY;
    x[9] = -INFINITY;
    x[10] = 709.5;
    x[11] = -745.5;
    for (size_t off = 0; off < 2; off++)
        for (size_t n = 0; n + off <= N; n++) {
            memset(y, 0, sizeof y);
            hs_exp_array(x + off, y + off, n);
            for (size_t i = off; i < off + n; i++)
                ck_assert_msg(same_bits(y[i], hs_exp(x[i])) ||
                                  (isnan(y[i]) && isnan(x[i])),
                              "n %zu, element %zu", n, i);
            memcpy(z, x, sizeof z);
            hs_exp_array(z + off, z + off, n); /* in place */
            ck_assert(memcmp(z + off, y + off, n * sizeof *z) == 0);
        }
}
END_TEST

/* Outside the fast range the value is libm's, bit for bit. */
START_TEST(test_outside)
{
    ck_assert(isnan(hs_exp(NAN)));
    ck_assert(hs_exp(INFINITY) == INFINITY);
    ck_assert(hs_exp(-INFINITY) == 0.0);
    ck_assert(hs_exp(1000) == INFINITY);
    ck_assert(hs_exp(-1000) == 0.0);
    static const double x[] = {708.0000001, 709.7, -708.5, -744, -745.2};
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        ck_assert(same_bits(hs_exp(x[i]), exp(x[i])));
    /* the edges of the fast range are normal and within 2 ulps */
    ck_assert(ulps(hs_exp(HS_EXP_FAST_MAX), exp(HS_EXP_FAST_MAX)) <= 2);
    ck_assert(ulps(hs_exp(-HS_EXP_FAST_MAX), exp(-HS_EXP_FAST_MAX)) <= 2);
    ck_assert(hs_exp(-HS_EXP_FAST_MAX) >= DBL_MIN);
}
END_TEST

static Suite *fastexp_suite(void)
{
    Suite *s = suite_create("fastexp");
    TCase *tc = tcase_create("exp");
    tcase_add_test(tc, test_known);
    tcase_add_test(tc, test_against_libm);
    tcase_add_test(tc, test_array_same_bits);
    tcase_add_test(tc, test_outside);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return hs_test_main(fastexp_suite()); }
