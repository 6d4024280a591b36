/* Random numbers: PCG32 (O'Neill 2014) with selectable streams, exposed to
 * GSL as a gsl_rng_type so every gsl_ran_* distribution draws from it.
 *
 * Every random number in hedgesim comes from a stream derived from
 * (seed, path, purpose): path p draws the same numbers whichever thread or
 * process runs it. */
#ifndef HEDGESIM_RNG_H
#define HEDGESIM_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* The raw generator: 64-bit LCG state, XSH-RR output.  Transparent so hot
 * loops can keep one on the stack. */
typedef struct hs_pcg32 {
    uint64_t state;
    uint64_t inc; /* always odd: (stream << 1) | 1 */
} hs_pcg32;

/* Seed as in the reference pcg32_srandom_r(initstate, initseq): initseq
 * selects one of 2^63 streams (its top bit is dropped), initstate the
 * position in it. */
void hs_pcg32_seed(hs_pcg32 *g, uint64_t initstate, uint64_t initseq);
/* Next 32 random bits. */
uint32_t hs_pcg32_next(hs_pcg32 *g);
/* Uniform on [0, bound) without modulo bias (Lemire 2019); bound > 0
 * (bound 0 returns 0 and draws nothing). */
uint32_t hs_pcg32_bounded(hs_pcg32 *g, uint32_t bound);
/* Uniform double in [0, 1) with 53 random bits (two outputs). */
double hs_pcg32_uniform(hs_pcg32 *g);
/* Jump the generator ahead by `delta` steps (as if hs_pcg32_next had been
 * called delta times) in O(log delta). */
void hs_pcg32_advance(hs_pcg32 *g, uint64_t delta);

/* Purposes: independent streams for independent uses within one path. */
enum hs_rng_purpose {
    HS_RNG_RETURNS = 1,  /* path returns / shocks */
    HS_RNG_REGIME = 2,   /* regime transitions */
    HS_RNG_JUMPS = 3,    /* crash jumps */
    HS_RNG_BOOTSTRAP = 4,/* bootstrap block choices */
    HS_RNG_COSTS = 5,    /* random fees and slippage */
    HS_RNG_TEST = 99
};

/* Derive (initstate, initseq) for (seed, path, purpose) with SplitMix64
 * (formula in docs/random-numbers.md).  Pure function of its inputs.  For a
 * fixed seed and purpose, distinct paths give distinct initstate; distinct
 * triples in general collide with probability about 2^-63 per pair. */
void hs_rng_derive(uint64_t seed, uint64_t path, uint32_t purpose,
                   uint64_t *initstate, uint64_t *initseq);

/* The PCG32 gsl_rng_type ("hs_pcg32": min 0, max 2^32 - 1, get returns one
 * 32-bit output, get_double a 53-bit uniform in [0, 1) from two outputs).
 * gsl_rng_set(r, s) seeds with initstate = s on stream 54 (as the reference
 * demo does); use hs_rng_new() for derived streams.  A constant. */
extern const gsl_rng_type *const hs_gsl_rng_pcg32;

/* A gsl_rng of type hs_gsl_rng_pcg32 on the stream of (seed, path, purpose).
 * Caller owns *out and frees it with gsl_rng_free.  0 or HS_ENOMEM (then
 * *out = NULL). */
int hs_rng_new(gsl_rng **out, uint64_t seed, uint64_t path, uint32_t purpose);

/* Re-point an existing hs_pcg32-typed gsl_rng at another stream without
 * allocating (for per-path reuse in hot loops).  0, or HS_EINVAL if r is
 * NULL or of another gsl_rng_type (r is then untouched). */
int hs_rng_reset(gsl_rng *r, uint64_t seed, uint64_t path, uint32_t purpose);

/* Direct access to the PCG state of an hs_pcg32-typed gsl_rng (borrowed from
 * r), or NULL if r is NULL or of another type. */
hs_pcg32 *hs_rng_pcg(gsl_rng *r);

#endif
