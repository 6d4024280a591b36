/* Market data for the engine loop: a panel of aligned bars, and the sources
 * that fill it.
 *
 * A panel is the flat, immutable input of a run: n_steps bars on a regular
 * grid for each of n_assets assets, step-major (value of asset a at step t is
 * x[t * n_assets + a]).  Sources fill panels: `history` loads one from the
 * store (hs_market_load_history); a Monte Carlo scenario or a stress window
 * fills the same structure, so the engine cannot tell them apart.
 *
 * Everything the loop needs is prepared here, before the loop: the loop does
 * no SQL, no allocation and no I/O. */
#ifndef HEDGESIM_MARKET_H
#define HEDGESIM_MARKET_H

#include <stddef.h>
#include <stdint.h>

#include "hedgesim/calendar.h"
#include "hedgesim/store.h"

/* State of an asset's bar at a step. */
enum hs_bar_state {
    HS_BAR_OK = 0,     /* a real bar */
    HS_BAR_FILLED = 1, /* a gap: carried with the last close, volume 0 */
    HS_BAR_ABSENT = 2  /* not listed yet, or delisted: prices are NaN */
};

#define HS_SYMBOL_MAX 48
#define HS_NOTES_MAX 2048

typedef struct hs_panel {
    size_t n_steps, n_assets;
    int64_t step_ms;
    int64_t *time;                 /* [n_steps] bar open time, ms UTC */
    char (*symbol)[HS_SYMBOL_MAX]; /* [n_assets] */
    double *open, *high, *low, *close, *volume; /* [n_steps * n_assets] */
    uint8_t *state;                /* [n_steps * n_assets] hs_bar_state */
    double *funding; /* [n_steps * n_assets] sum of funding rates settled
                      * during the bar (perps; 0 elsewhere) */
    /* The funding settlements one by one, so that each is charged on the
     * position held at its time and priced then (hs_panel_settlements):
     * those of asset a in step t are k in [settle_at[t * n_assets + a],
     * settle_at[t * n_assets + a + 1]), at settle_time[k] (ms UTC) with
     * rate settle_rate[k], in time order; their sum is the step's
     * funding.  Allocated once by the history loader; NULL in a panel
     * made otherwise (a simulated path), where a step's funding settles at
     * its close. */
    size_t *settle_at;     /* [n_steps * n_assets + 1], or NULL */
    int64_t *settle_time;  /* [n_settle] */
    double *settle_rate;   /* [n_settle] */
    size_t n_settle;
    double *rate;    /* [n_steps] risk-free rate, annual decimal */
    int32_t *first;  /* [n_assets] first step with a real bar, or -1 */
    int32_t *last;   /* [n_assets] last step with a real bar, or -1 */
    uint8_t *delisted; /* [n_assets] 1: the asset's data ends inside the panel */
    char notes[HS_NOTES_MAX]; /* provenance notes for results and summaries */
} hs_panel;

/* Allocate a panel of the given shape, all bars ABSENT and NaN, funding and
 * rates 0.  Caller owns; free with hs_panel_free. */
int hs_panel_new(hs_panel **out, size_t n_steps, size_t n_assets,
                 int64_t step_ms);
void hs_panel_free(hs_panel *p);

/* Steps [from, to] of `src` (from <= to < src->n_steps) as a new panel:
 * bars, states, funding with its settlements, rates and notes; first,
 * last and gaps recomputed (hs_panel_finish).  Caller owns. */
int hs_panel_cut(const hs_panel *src, size_t from, size_t to,
                 hs_panel **out);

/* Index of an asset symbol in the panel, or -1. */
int hs_panel_find(const hs_panel *p, const char *symbol);

/* Append a line to the panel's notes (truncated if full). */
void hs_panel_note(hs_panel *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The funding settlements of asset `a` in step `t`: n of them, at time[k]
 * with rate[k] (borrowed from the panel, or from *out itself), inside the
 * bar that spans [t0, t1) (t1 the step's close; t0 its open, which on a
 * calendar's grid is the close of the session before: a Monday step
 * holds the weekend).  A panel without settlements (settle_at NULL) gives
 * one settlement at t1 with the step's summed rate.  No allocation. */
typedef struct hs_settlements {
    size_t n;
    const int64_t *time; /* [n] ms UTC */
    const double *rate;  /* [n] fraction of notional, > 0: longs pay */
    int64_t t0, t1;
} hs_settlements;

void hs_panel_settlements(const hs_panel *p, size_t t, size_t a,
                          hs_settlements *out);

/* The price at time `at` inside a bar that spans [t0, t1), opened at
 * `open` and closed at `close`: interpolated linearly in time between them,
 * `open` at or before t0 and `close` at or after t1.  What an option
 * expiring inside a bar settles at, and what a funding settlement inside a
 * bar is priced at (docs/concepts.md). */
double hs_bar_price_at(double open, double close, int64_t t0, int64_t t1,
                       int64_t at);

/* Recompute first/last/delisted and fill gaps from the bars' states: every
 * HS_BAR_ABSENT step between first and last becomes HS_BAR_FILLED with the
 * last close.  Called by sources after filling the raw bars. */
void hs_panel_finish(hs_panel *p);

/* How a perp hedge instrument is marked where the store has no perp bars. */
typedef enum hs_perp_marks {
    HS_MARKS_AUTO = 0, /* perp bars if they cover the window, else spot */
    HS_MARKS_PERP,     /* perp bars; an error if they do not cover it */
    HS_MARKS_SPOT      /* the underlying's spot bars (basis ignored) */
} hs_perp_marks;

typedef enum hs_funding_mode {
    HS_FUNDING_AUTO = 0, /* store series where it exists, else constant */
    HS_FUNDING_STORE,    /* store series; an error if it has no coverage */
    HS_FUNDING_CONSTANT, /* `funding_rate` every `funding_hours` */
    HS_FUNDING_NONE
} hs_funding_mode;

/* What to load from the store. */
typedef struct hs_history_opts {
    const char *const *symbols; /* spot assets to load (book and benchmark) */
    size_t n_symbols;
    size_t n_optional;        /* the last n_optional symbols may have no
                               * bars in the window (e.g. a vol index that
                               * starts later): all ABSENT, not an error */
    const char *hedge;        /* hedge instrument symbol (e.g. "BTC-PERP"), or
                               * NULL for none; added as the last asset */
    int64_t start, end;       /* first and last bar open time, inclusive */
    int64_t step_ms;          /* grid step; finer source bars are aggregated */
    hs_calendar calendar;     /* the grid's sessions (24x7: every step);
                               * another calendar needs a step of 1d */
    size_t lookback;          /* extra steps loaded before `start` */
    hs_perp_marks marks;
    hs_funding_mode funding;
    double funding_rate;      /* constant rate per settlement (fraction) */
    double funding_hours;     /* constant: hours between settlements */
    const char *rate_series;  /* "DFF" (default) or NULL for zero rates */
} hs_history_opts;

#define HS_HISTORY_OPTS_INIT                                                   \
    {.step_ms = 86400000, .calendar = HS_CAL_24X7, .lookback = 0,              \
     .marks = HS_MARKS_AUTO,                                                   \
     .funding = HS_FUNDING_AUTO, .funding_rate = 0.0001,                       \
     .funding_hours = 8.0, .rate_series = "DFF"}

/* Bounds of the load checks (docs/datasets.md).  A perp's funding rate is
 * a fraction of notional per settlement: |rate| above HS_FUNDING_RATE_MAX
 * (5 %, more than four times the largest settlement in the embedded data,
 * BitMEX XBTUSD's 1.125 %) is refused, by the importers as by the loader.
 * A risk-free rate is an annual decimal: |rate| above HS_RISK_FREE_MAX
 * (100 % a year) is refused. */
#define HS_FUNDING_RATE_MAX 0.05
#define HS_RISK_FREE_MAX 1.0
/* A close more than HS_JUMP_RATIO_MAX times, or less than 1 /
 * HS_JUMP_RATIO_MAX of, the bar before it (the largest one-day move in the
 * embedded data is DOGE's 4.9-fold rise of 2021-01-28) is possible but
 * suspicious: the history loader adds a data note, and runs. */
#define HS_JUMP_RATIO_MAX 10.0

/* Load a panel from the store.  Errors (HS_ENOTFOUND for a symbol missing
 * from the store, HS_EDATA for a source coarser than the step or a
 * benchmark/hedge without data in the window) name the symbol.  The panel's
 * first step is `start - lookback * step` (clipped to the grid); steps before
 * an asset's first bar are ABSENT.
 *
 * With a calendar other than 24x7 (step 1d, else HS_ECONFIG) the grid holds
 * the calendar's sessions only, `lookback` sessions before the first
 * session at or after `start`; bars (and funding settlements) of a day
 * that is not a session fall in the next session's step, so a Monday bar
 * of an asset traded every day opens at Saturday's open and its return
 * includes the weekend.
 *
 * What is loaded is checked, whatever wrote the store: HS_EDATA, naming the
 * symbol (or rate series) and the time, for a price that is not a positive
 * finite number (0, negative, NULL or text in the store), bars whose open
 * or close lies outside [low, high], a negative or non-finite volume, a
 * funding rate that is not finite or beyond HS_FUNDING_RATE_MAX, a funding
 * interval that is not positive, a risk-free rate beyond HS_RISK_FREE_MAX,
 * or a time that repeats (a duplicate row).  A one-bar move beyond
 * HS_JUMP_RATIO_MAX is a data note, once per symbol with the first such
 * bar and their number. */
int hs_market_load_history(hs_store *store, const hs_history_opts *opts,
                           hs_panel **out);

#endif
