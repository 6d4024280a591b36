/* PCG32 (O'Neill 2014) with streams, and its gsl_rng_type.
 *
 * Reference: M. E. O'Neill, "PCG: A Family of Simple Fast Space-Efficient
 * Statistically Good Algorithms for Random Number Generation", Harvey Mudd
 * College HMC-CS-2014-0905 (2014).  The generator is the paper's
 * PCG-XSH-RR 64/32: a 64-bit LCG whose state is permuted into 32 output bits
 * by an xorshift-high followed by a random rotation.
 *
 * Stream derivation is documented in docs/random-numbers.md. */
#include "hedgesim/rng.h"
#include "hedgesim/errors.h"

#include <stddef.h>

/* The 64-bit LCG multiplier recommended by the paper (Knuth's MMIX). */
#define PCG_MULT UINT64_C(6364136223846793005)
/* Stream used by gsl_rng_set and by the paper's demo program. */
#define PCG_GSL_STREAM UINT64_C(54)
/* 2^64 / golden ratio: the SplitMix64 increment (Steele, Lea and Flood
 * 2014, "Fast Splittable Pseudorandom Number Generators", OOPSLA). */
#define SM_GAMMA UINT64_C(0x9e3779b97f4a7c15)

/* Rotate right by r (0..31); written so that compilers emit one rotate. */
static inline uint32_t rotr32(uint32_t v, unsigned r)
{
    return (v >> r) | (v << (-r & 31u));
}

/* XSH-RR output of one 64-bit state: xorshift the high bits down, keep 32
 * of them, rotate by the top 5 bits of the state. */
static inline uint32_t pcg_output(uint64_t s)
{
    uint32_t x = (uint32_t)(((s >> 18) ^ s) >> 27);
    return rotr32(x, (unsigned)(s >> 59));
}

static inline void pcg_step(hs_pcg32 *g)
{
    g->state = g->state * PCG_MULT + g->inc;
}

void hs_pcg32_seed(hs_pcg32 *g, uint64_t initstate, uint64_t initseq)
{
    /* The reference seeding: start at 0 on the chosen stream, step, add
     * the initial state, step again. */
    g->state = 0;
    g->inc = (initseq << 1) | 1u;
    pcg_step(g);
    g->state += initstate;
    pcg_step(g);
}

/* The next output.  The exported functions and the gsl_rng type all call
 * this one, inlined: a call through the library's exported symbol could not
 * be (the normals draw it some 10 million times a second). */
static inline uint32_t pcg_next(hs_pcg32 *g)
{
    uint64_t old = g->state;
    pcg_step(g);
    return pcg_output(old);
}

uint32_t hs_pcg32_next(hs_pcg32 *g) { return pcg_next(g); }

uint32_t hs_pcg32_bounded(hs_pcg32 *g, uint32_t bound)
{
    /* Lemire's multiply-and-reject method: D. Lemire (2019), "Fast Random
     * Integer Generation in an Interval", ACM TOMACS 29(1).  The high word
     * of x * bound is uniform on [0, bound) once the low words below
     * 2^32 mod bound are rejected. */
    if (bound == 0)
        return 0;
    uint64_t m = (uint64_t)pcg_next(g) * bound;
    uint32_t low = (uint32_t)m;
    if (low < bound) {
        uint32_t threshold = (uint32_t)(-bound) % bound; /* 2^32 mod bound */
        while (low < threshold) {
            m = (uint64_t)pcg_next(g) * bound;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

static inline double pcg_uniform(hs_pcg32 *g)
{
    /* 64 bits from two outputs, keep the top 53, scale by 2^-53. */
    uint64_t hi = pcg_next(g);
    uint64_t lo = pcg_next(g);
    return (double)(((hi << 32) | lo) >> 11) * 0x1.0p-53;
}

double hs_pcg32_uniform(hs_pcg32 *g) { return pcg_uniform(g); }

void hs_pcg32_advance(hs_pcg32 *g, uint64_t delta)
{
    /* Jump ahead in O(log delta) (F. B. Brown 1994, "Random Number
     * Generation with Arbitrary Strides", Trans. Am. Nucl. Soc. 71).
     * One step is s -> a s + c; 2^k steps compose to s -> A_k s + C_k with
     * A_{k+1} = A_k^2 and C_{k+1} = (A_k + 1) C_k.  Multiply together the
     * maps of the bits set in delta. */
    uint64_t acc_mult = 1, acc_plus = 0;
    uint64_t cur_mult = PCG_MULT, cur_plus = g->inc;
    while (delta > 0) {
        if (delta & 1u) {
            acc_mult *= cur_mult;
            acc_plus = acc_plus * cur_mult + cur_plus;
        }
        cur_plus = (cur_mult + 1) * cur_plus;
        cur_mult *= cur_mult;
        delta >>= 1;
    }
    g->state = acc_mult * g->state + acc_plus;
}

/* ------------------------------------------------------------------ */
/* Stream derivation                                                    */

/* The SplitMix64 output function: a bijection of 64-bit words with good
 * avalanche (Steele, Lea and Flood 2014; constants from S. Vigna's
 * splitmix64). */
static uint64_t sm_final(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* One SplitMix64 step from state x: F(x + gamma). */
static uint64_t sm_mix(uint64_t x) { return sm_final(x + SM_GAMMA); }

void hs_rng_derive(uint64_t seed, uint64_t path, uint32_t purpose,
                   uint64_t *initstate, uint64_t *initseq)
{
    /* k = mix(mix(mix(seed) ^ path) ^ purpose), then the first two outputs
     * of a SplitMix64 generator whose state is k.  Each stage is a
     * bijection of its input word, so for a fixed seed and purpose distinct
     * paths give distinct initstate (and distinct initseq). */
    uint64_t k = sm_mix(seed);
    k = sm_mix(k ^ path);
    k = sm_mix(k ^ (uint64_t)purpose);
    *initstate = sm_final(k + SM_GAMMA);
    *initseq = sm_final(k + 2 * SM_GAMMA);
}

/* ------------------------------------------------------------------ */
/* The gsl_rng_type                                                     */

static void gsl_pcg_set(void *state, unsigned long s)
{
    hs_pcg32_seed(state, (uint64_t)s, PCG_GSL_STREAM);
}

static unsigned long gsl_pcg_get(void *state)
{
    return pcg_next(state);
}

static double gsl_pcg_get_double(void *state)
{
    return pcg_uniform(state);
}

static const gsl_rng_type pcg32_type = {
    .name = "hs_pcg32",
    .max = 0xffffffffUL,
    .min = 0,
    .size = sizeof(hs_pcg32),
    .set = gsl_pcg_set,
    .get = gsl_pcg_get,
    .get_double = gsl_pcg_get_double,
};

const gsl_rng_type *const hs_gsl_rng_pcg32 = &pcg32_type;

hs_pcg32 *hs_rng_pcg(gsl_rng *r)
{
    if (!r || r->type != &pcg32_type)
        return NULL;
    return r->state;
}

int hs_rng_reset(gsl_rng *r, uint64_t seed, uint64_t path, uint32_t purpose)
{
    hs_pcg32 *g = hs_rng_pcg(r);
    if (!g)
        return hs_error_set(HS_EINVAL,
                            "hs_rng_reset: generator is not of type hs_pcg32");
    uint64_t initstate, initseq;
    hs_rng_derive(seed, path, purpose, &initstate, &initseq);
    hs_pcg32_seed(g, initstate, initseq);
    return 0;
}

int hs_rng_new(gsl_rng **out, uint64_t seed, uint64_t path, uint32_t purpose)
{
    *out = NULL;
    gsl_rng *r = gsl_rng_alloc(hs_gsl_rng_pcg32);
    if (!r)
        return hs_error_set(HS_ENOMEM, "hs_rng_new: cannot allocate generator");
    (void)hs_rng_reset(r, seed, path, purpose); /* cannot fail: our type */
    *out = r;
    return 0;
}
