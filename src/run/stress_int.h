/* Internals of the stress module shared by stress.c, stress_transplant.c,
 * stress_synth.c and analyze.c (not API). */
#ifndef HS_STRESS_INT_H
#define HS_STRESS_INT_H

#include "hedgesim/config.h"
#include "hedgesim/plan.h"
#include "hedgesim/results.h"
#include "hedgesim/stress.h"

/* The check hs_stress_run makes on a window's plan before running it: the
 * warm-up does not reach before the benchmark's first bar.  0 or HS_EDATA
 * naming the window (wcfg is the window's config). */
int hs_stress__check_plan(const hs_plan *pl, const hs_config *wcfg,
                          const hs_window *win);

/* Prefix the thread's error message with "window NAME: " unless it
 * starts so already. */
void hs_stress__name_error(const hs_window *win);

/* What a transplant's plan is made from (all borrowed). */
typedef struct hs_stress_tp {
    const hs_config *cfg;
    const hs_registry *reg;
    hs_store *store;
    const hs_stress_opts *opts; /* transplant, onto, beta_window, seed,
                                 * only, panel */
    const hs_window *crisis;
} hs_stress_tp;

/* The plan of a shock transplant: the history up to opts->onto (from
 * opts->panel, or the store with the config's warm-up and the beta
 * window), the crisis window's bars, the transplanted panel
 * (hs_transplant_panel) and a plan over it, live from the date.  entry
 * holds the name and start (the date); its end is set to the last
 * synthetic step.  On success *wcfg, *panel and *plan are the caller's
 * (free the plan first); on error all NULL. */
int hs_stress__transplant(const hs_stress_tp *tp, hs_window *entry,
                          hs_config **wcfg, hs_panel **panel, hs_plan **plan);

/* Synthetic stress (stress_synth.c). */
typedef struct hs_stress_synth hs_stress_synth;
typedef struct hs_stress_synth_in {
    const hs_config *cfg;
    const hs_registry *reg;
    hs_store *store;
    const hs_stress_opts *opts;     /* synthetic, pre, paths, threads, seed */
    const hs_window *win;           /* the window */
    const hs_plan *hist;            /* its historical replay, run */
    const hs_stress_row *rows;      /* the replay's rows, one per run */
} hs_stress_synth_in;

/* Calibrate, run the paths, compute the rows; *out the caller's. */
int hs_stress__synth_run(const hs_stress_synth_in *in, hs_stress_synth **out);
void hs_stress__synth_free(hs_stress_synth *sy);
size_t hs_stress__synth_n(const hs_stress_synth *sy); /* 0 for NULL */
const hs_synth_row *hs_stress__synth_row(const hs_stress_synth *sy, size_t i);
const char *hs_stress__synth_model(const hs_stress_synth *sy);
void hs_stress__synth_calibration(const hs_stress_synth *sy, int64_t *from,
                                  int64_t *to);
/* Write /stress/synthetic/<window>/ (summary, per-run path tables). */
int hs_stress__synth_write(const hs_stress_synth *sy, hs_h5 *h);

#endif
