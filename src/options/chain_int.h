/* Shared inside src/options/ only: what the smile fit (chain_fit.c) reads
 * from a model source it runs, and the smile's observables. */
#ifndef HS_CHAIN_INT_H
#define HS_CHAIN_INT_H

#include "hedgesim/chain.h"

/* The type state of a source (chain.c); NULL for NULL. */
const void *hs_chain__source_state(const hs_chain_source *src);

/* The observables a model source's state used for its last slice
 * (chain_model.c): 0, or -1 when its slice is empty. */
int hs_chain__model_obs(const void *state, hs_chain_obs *out);

/* The market smile's observables z of obs (chain.h, HS_CHAIN_SMILE_NOBS)
 * before their clamps, a missing one as 0: what the smile's terms
 * (chain_model.c) and the fit's clamps (chain_fit.c) are made of. */
void hs_chain__smile_obs(const hs_chain_obs *obs,
                         double z[HS_CHAIN_SMILE_NOBS]);

/* datasets/smile-fit.csv, compiled in (build/gen/smile_fit_csv.c). */
extern const char hs_chain__smile_fit_csv[];

#endif
