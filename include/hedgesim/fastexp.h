/* exp over arrays: the simulated paths' prices grow by exp(log return) at
 * every asset and step, and libm's scalar exp was a tenth of a Monte Carlo
 * path's time.  This one runs two values at a time and is deterministic:
 * the same input gives the same bits on every x86-64 (and every IEEE-754
 * double) machine, whatever the compiler vectorises, because every value
 * goes through the same sequence of correctly rounded + - * (no libm
 * call, and no fused multiply-add: the library is built with
 * -ffp-contract=off) unless it is outside the fast range.
 *
 * Accuracy: within 2 units in the last place of the exact value (the tests
 * compare it with libm's exp over a million arguments). */
#ifndef HEDGESIM_FASTEXP_H
#define HEDGESIM_FASTEXP_H

#include <stddef.h>

/* The fast path covers |x| <= HS_EXP_FAST_MAX (results normal and finite);
 * other values, NaN included, take libm's exp. */
#define HS_EXP_FAST_MAX 708.0

/* y[i] = exp(x[i]) for i < n.  x and y must not overlap unless equal. */
void hs_exp_array(const double *x, double *y, size_t n);

/* One value, with the same bits as hs_exp_array gives for it. */
double hs_exp(double x);

#endif
