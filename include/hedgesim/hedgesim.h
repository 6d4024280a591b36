/* hedgesim: historical backtesting and Monte Carlo simulation of beta hedging.
 *
 * The umbrella header: includes every public module header.  Call hs_init()
 * once before anything else (it tames GSL's and HDF5's error machinery). */
#ifndef HEDGESIM_H
#define HEDGESIM_H

#define HS_VERSION_MAJOR 0
#define HS_VERSION_MINOR 1
#define HS_VERSION_PATCH 0
#define HS_VERSION "0.1.0"

#include "hedgesim/errors.h"
#include "hedgesim/calendar.h"
#include "hedgesim/rng.h"
#include "hedgesim/fastexp.h"
#include "hedgesim/store.h"
#include "hedgesim/csv.h"
#include "hedgesim/param.h"
#include "hedgesim/market.h"
#include "hedgesim/beta.h"
#include "hedgesim/price.h"
#include "hedgesim/exec.h"
#include "hedgesim/ledger.h"
#include "hedgesim/strategy.h"
#include "hedgesim/engine.h"
#include "hedgesim/chain.h"
#include "hedgesim/metrics.h"
#include "hedgesim/config.h"
#include "hedgesim/results.h"
#include "hedgesim/results_run.h"
#include "hedgesim/plan.h"
#include "hedgesim/results_table.h"
#include "hedgesim/sweep.h"
#include "hedgesim/sha256.h"
#include "hedgesim/calibrate.h"

/* Process-wide set-up: turns off GSL's aborting error handler and HDF5's
 * automatic error printing; library statuses are then translated into HS_E*
 * codes where they occur.  Idempotent; returns 0. */
int hs_init(void);

/* The library version string, e.g. "0.1.0". */
const char *hs_version(void);

#endif
