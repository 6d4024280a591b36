/* exp over arrays, two values at a time (include/hedgesim/fastexp.h).
 *
 * Method (Tang 1989, "Table-driven implementation of the exponential
 * function in IEEE floating-point arithmetic", ACM TOMS 15(2); Cody and
 * Waite 1980 for the reduction): write x = (64 m + j) ln2 / 64 + r with
 * k = 64 m + j = round(64 x / ln2), 0 <= j < 64, |r| <= ln2 / 128; then
 * exp(x) = 2^m 2^(j/64) exp(r).
 * - k is rounded by adding 1.5 * 2^52: the sum's low bits are k in two's
 *   complement (exact while |k| < 2^51), so j and m come out by integer
 *   arithmetic, with no conversion instruction that SSE2 lacks.
 * - r = (x - k LN2_64_HI) - k LN2_64_LO, where LN2_64_HI is ln2 / 64 rounded
 *   to 32 significant bits (k LN2_64_HI is exact for |k| < 2^21) and
 *   LN2_64_LO the rest, rounded: r carries about 85 bits of ln 2.
 * - exp(r) - 1 = q is its Taylor polynomial of degree 5 (the first term
 *   left out, r^6 / 6!, is below 4e-17 for |r| <= ln2 / 128, a sixth of
 *   the last place of 1), and the result s + s q with s = 2^m 2^(j/64)
 *   (exact: a change of exponent), so the table's rounding (half a last
 *   place) dominates the error.
 * - With |x| <= 708, m lies in [-1022, 1021]: s and the result are normal.
 * The constants and the table were computed to 60 digits and rounded to
 * nearest. */
#include "hedgesim/fastexp.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Two doubles (two unsigned 64-bit integers, whose arithmetic wraps),
 * operated on element by element: SSE2 on x86-64, scalar operations
 * elsewhere; each element is rounded exactly as the scalar operation would
 * be. */
typedef double v2d __attribute__((vector_size(16)));
typedef uint64_t v2u __attribute__((vector_size(16)));

#define INV_LN2_64 0x1.71547652b82fep+6
#define LN2_64_HI 0x1.62e42ffp-7
#define LN2_64_LO (-0x1.718432a1b0e26p-41)
#define SHIFT 0x1.8p52
#define SHIFT_BITS 0x4338000000000000ULL /* the bits of SHIFT */
#define EXP_ONE (1023ULL << 52)          /* the bits of 1.0 */

/* 1 / j! for j = 2..5. */
#define C2 0x1p-1
#define C3 0x1.5555555555555p-3
#define C4 0x1.5555555555555p-5
#define C5 0x1.1111111111111p-7

/* 2^(j/64), j = 0..63. */
static const double pow2_64[64] = {
    0x1.0000000000000p+0, 0x1.02c9a3e778061p+0, 0x1.059b0d3158574p+0,
    0x1.0874518759bc8p+0, 0x1.0b5586cf9890fp+0, 0x1.0e3ec32d3d1a2p+0,
    0x1.11301d0125b51p+0, 0x1.1429aaea92de0p+0, 0x1.172b83c7d517bp+0,
    0x1.1a35beb6fcb75p+0, 0x1.1d4873168b9aap+0, 0x1.2063b88628cd6p+0,
    0x1.2387a6e756238p+0, 0x1.26b4565e27cddp+0, 0x1.29e9df51fdee1p+0,
    0x1.2d285a6e4030bp+0, 0x1.306fe0a31b715p+0, 0x1.33c08b26416ffp+0,
    0x1.371a7373aa9cbp+0, 0x1.3a7db34e59ff7p+0, 0x1.3dea64c123422p+0,
    0x1.4160a21f72e2ap+0, 0x1.44e086061892dp+0, 0x1.486a2b5c13cd0p+0,
    0x1.4bfdad5362a27p+0, 0x1.4f9b2769d2ca7p+0, 0x1.5342b569d4f82p+0,
    0x1.56f4736b527dap+0, 0x1.5ab07dd485429p+0, 0x1.5e76f15ad2148p+0,
    0x1.6247eb03a5585p+0, 0x1.6623882552225p+0, 0x1.6a09e667f3bcdp+0,
    0x1.6dfb23c651a2fp+0, 0x1.71f75e8ec5f74p+0, 0x1.75feb564267c9p+0,
    0x1.7a11473eb0187p+0, 0x1.7e2f336cf4e62p+0, 0x1.82589994cce13p+0,
    0x1.868d99b4492edp+0, 0x1.8ace5422aa0dbp+0, 0x1.8f1ae99157736p+0,
    0x1.93737b0cdc5e5p+0, 0x1.97d829fde4e50p+0, 0x1.9c49182a3f090p+0,
    0x1.a0c667b5de565p+0, 0x1.a5503b23e255dp+0, 0x1.a9e6b5579fdbfp+0,
    0x1.ae89f995ad3adp+0, 0x1.b33a2b84f15fbp+0, 0x1.b7f76f2fb5e47p+0,
    0x1.bcc1e904bc1d2p+0, 0x1.c199bdd85529cp+0, 0x1.c67f12e57d14bp+0,
    0x1.cb720dcef9069p+0, 0x1.d072d4a07897cp+0, 0x1.d5818dcfba487p+0,
    0x1.da9e603db3285p+0, 0x1.dfc97337b9b5fp+0, 0x1.e502ee78b3ff6p+0,
    0x1.ea4afa2a490dap+0, 0x1.efa1bee615a27p+0, 0x1.f50765b6e4540p+0,
    0x1.fa7c1819e90d8p+0,
};

/* The steps shared by both widths: T is double or v2d, U the unsigned
 * integer type of the same width; every operation is element by element.
 * Leaves k's bits in kb_ (the table index is kb_ & 63). */
#define EXP_REDUCE(T, U, x)                                                   \
    const T t_ = (x) * INV_LN2_64 + SHIFT;                                    \
    const T k_ = t_ - SHIFT;                                                  \
    const T r_ = ((x) - k_ * LN2_64_HI) - k_ * LN2_64_LO;                     \
    const T q_ =                                                              \
        r_ + r_ * r_ * (C2 + r_ * (C3 + r_ * (C4 + r_ * C5)));                 \
    U kb_;                                                                    \
    memcpy(&kb_, &t_, sizeof kb_);                                            \
    kb_ -= SHIFT_BITS;                                                        \
    const U jb_ = kb_ & 63;                                                   \
    const U mb_ = ((kb_ - jb_) << 46) + EXP_ONE; /* 2^m, m = (k - j) / 64 */

static inline double exp_slow(double x)
{
    return isnan(x) ? x : exp(x);
}

double hs_exp(double x)
{
    if (!(fabs(x) <= HS_EXP_FAST_MAX))
        return exp_slow(x);
    EXP_REDUCE(double, uint64_t, x)
    double m;
    memcpy(&m, &mb_, sizeof m);
    const double s = m * pow2_64[jb_];
    return s + s * q_;
}

void hs_exp_array(const double *x, double *y, size_t n)
{
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        v2d v;
        memcpy(&v, x + i, sizeof v);
        EXP_REDUCE(v2d, v2u, v)
        v2d m, w = {pow2_64[jb_[0]], pow2_64[jb_[1]]};
        memcpy(&m, &mb_, sizeof m);
        const v2d s = m * w;
        w = s + s * q_;
        /* Out of the fast range (rare, NaN included): libm. */
        if (!(fabs(v[0]) <= HS_EXP_FAST_MAX) |
            !(fabs(v[1]) <= HS_EXP_FAST_MAX)) {
            w[0] = hs_exp(v[0]);
            w[1] = hs_exp(v[1]);
        }
        memcpy(y + i, &w, sizeof w);
    }
    for (; i < n; i++)
        y[i] = hs_exp(x[i]);
}
