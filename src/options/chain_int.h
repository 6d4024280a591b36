/* Shared inside src/options/ only: what the smile fit (chain_fit.c) reads
 * from a model source it runs. */
#ifndef HS_CHAIN_INT_H
#define HS_CHAIN_INT_H

#include "hedgesim/chain.h"

/* The type state of a source (chain.c); NULL for NULL. */
const void *hs_chain__source_state(const hs_chain_source *src);

/* The observables a model source's state used for its last slice
 * (chain_model.c): 0, or -1 when its slice is empty. */
int hs_chain__model_obs(const void *state, hs_chain_obs *out);

/* datasets/smile-fit.csv, compiled in (build/gen/smile_fit_csv.c). */
extern const char hs_chain__smile_fit_csv[];

#endif
