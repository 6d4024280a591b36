/* Internals of the Monte Carlo runner shared by mc.c (the runner) and
 * mc_write.c (its results layout).  Not API. */
#ifndef HS_MC_INT_H
#define HS_MC_INT_H

#include "hedgesim/mc.h"

/* Kept series of run `run`: [keep * steps] P&L (hr 0) or hedge ratio. */
const double *hs_mc__kept(const hs_mc *mc, size_t run, int hr);
size_t hs_mc__keep(const hs_mc *mc);
/* 1 after a complete hs_mc_run. */
int hs_mc__complete(const hs_mc *mc);
/* The history panel the paths start from (borrowed). */
const hs_panel *hs_mc__history(const hs_mc *mc);
size_t hs_mc__warm(const hs_mc *mc);
uint64_t hs_mc__seed(const hs_mc *mc);
/* The config the runner was made from (borrowed). */
const hs_config *hs_mc__config(const hs_mc *mc);

#endif
