/* Internals of the stress module shared with analyze.c (not API). */
#ifndef HS_STRESS_INT_H
#define HS_STRESS_INT_H

#include "hedgesim/config.h"
#include "hedgesim/plan.h"
#include "hedgesim/stress.h"

/* The check hs_stress_run makes on a window's plan before running it: the
 * warm-up does not reach before the benchmark's first bar.  0 or HS_EDATA
 * naming the window (wcfg is the window's config). */
int hs_stress__check_plan(const hs_plan *pl, const hs_config *wcfg,
                          const hs_window *win);

/* Prefix the thread's error message with "window NAME: " unless it
 * starts so already. */
void hs_stress__name_error(const hs_window *win);

#endif
