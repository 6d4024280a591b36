/* Modeled option chains: the generator (the exchange's expiry pattern, a
 * strike grid by price level, a parametric smile anchored on a 30-day ATM
 * volatility, Black-76 marks and a spread in volatility terms: pure
 * functions of their inputs, no randomness) and the model chain source
 * type that feeds it step by step (hs_chain_source_model_type).  Uses the
 * slice and source framework in chain.c, which does not call back into
 * this file.  Formulas and the choice of defaults are in
 * docs/modeled-chains.md. */
#include "chain_int.h"
#include "hedgesim/calendar.h"
#include "hedgesim/chain.h"
#include "hedgesim/errors.h"
#include "hedgesim/price.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define YEAR_DAYS 365.0
#define DAY_YEARS (1.0 / YEAR_DAYS)
#define T30_YEARS (30.0 / YEAR_DAYS)
/* The market smile's long realized window, days (hs_chain_obs.rv90). */
#define RV_LONG_DAYS 90.0

/* Upper bounds of the expiry counts (the table's ranges). */
#define MAX_DAILIES 7
#define MAX_WEEKLIES 8
#define MAX_MONTHLIES 12
#define MAX_QUARTERLIES 8
#define MAX_EXPIRIES                                                           \
    (MAX_DAILIES + MAX_WEEKLIES + MAX_MONTHLIES + MAX_QUARTERLIES)

/* clang-format off */
const hs_param hs_chain_model_params[] = {
    {"vol_model", HS_PARAM_CHOICE, "dvol", 0, 0, "dvol|realized|garch",
     "30-day ATM vol: the vol index (DVOL), realized, or GARCH(1,1)"},
    {"fallback", HS_PARAM_CHOICE, "realized", 0, 0, "realized|garch",
     "estimator used where the vol index is absent (vol_model = dvol)"},
    {"rv_days", HS_PARAM_INT, "30", 2, 365, NULL,
     "realized vol: window in days (close-to-close, zero mean)"},
    {"rv_min_obs", HS_PARAM_INT, "10", 2, 100000, NULL,
     "realized vol: fewest returns in the window (else no chain)"},
    {"garch_alpha", HS_PARAM_DOUBLE, "0.1", 0, 0.5, NULL,
     "GARCH(1,1): weight of the last squared return (per step)"},
    {"garch_beta", HS_PARAM_DOUBLE, "0.85", 0, 0.999, NULL,
     "GARCH(1,1): weight of the last variance (per step)"},
    {"garch_vol", HS_PARAM_DOUBLE, "0.7", 0.01, 5, NULL,
     "GARCH(1,1): long-run vol (annual decimal) before garch_days has data"},
    {"garch_days", HS_PARAM_INT, "365", 0, 3650, NULL,
     "GARCH(1,1): long-run variance from this many trailing days (0: garch_vol)"},
    {"smile", HS_PARAM_CHOICE, "market", 0, 0, "market|fixed",
     "market: level, skew and term structure driven by the vol index, "
     "realized vol and recent returns (datasets/smile-fit.csv); fixed: "
     "skew, curv and term_slope"},
    {"wing_kappa", HS_PARAM_DOUBLE, "1", 0.01, 10, NULL,
     "market smile: wing term h = sqrt(wing_kappa^2 + k^2) - wing_kappa"},
    {"skew", HS_PARAM_DOUBLE, "-0.05", -2, 2, NULL,
     "fixed smile: slope in k = ln(K/F)/sqrt(T)"},
    {"curv", HS_PARAM_DOUBLE, "0.14", 0, 5, NULL,
     "fixed smile: curvature in k"},
    {"k_max", HS_PARAM_DOUBLE, "3", 0.1, 20, NULL,
     "|k| beyond which the smile stays flat"},
    {"term_slope", HS_PARAM_DOUBLE, "0.05", -1, 1, NULL,
     "fixed smile: ATM vol scales as (T / 30 days)^term_slope (T >= 1 day)"},
    {"vol_min", HS_PARAM_DOUBLE, "0.05", 0.001, 5, NULL,
     "floor of every modeled implied vol, annual decimal"},
    {"vol_max", HS_PARAM_DOUBLE, "5", 0.01, 20, NULL,
     "cap of every modeled implied vol, annual decimal"},
    {"dailies", HS_PARAM_INT, "3", 0, MAX_DAILIES, NULL,
     "daily expiries listed"},
    {"weeklies", HS_PARAM_INT, "3", 0, MAX_WEEKLIES, NULL,
     "Friday expiries listed"},
    {"monthlies", HS_PARAM_INT, "3", 0, MAX_MONTHLIES, NULL,
     "month-end (last Friday) expiries listed"},
    {"quarterlies", HS_PARAM_INT, "4", 0, MAX_QUARTERLIES, NULL,
     "quarter-end (last Friday of Mar/Jun/Sep/Dec) expiries listed"},
    {"expiry_hour", HS_PARAM_INT, "8", 0, 23, NULL,
     "expiry time of day, UTC hour"},
    {"strike_step", HS_PARAM_DOUBLE, "0.025", 0.001, 0.5, NULL,
     "strike spacing as a share of spot, rounded to 1/2/2.5/5 x 10^n"},
    {"strike_lo", HS_PARAM_DOUBLE, "0.5", 0.01, 0.99, NULL,
     "lowest strike as a share of spot"},
    {"strike_hi", HS_PARAM_DOUBLE, "1.6", 1.01, 10, NULL,
     "highest strike as a share of spot"},
    {"spread_base", HS_PARAM_DOUBLE, "0.01", 0, 1, NULL,
     "half spread at the money in vol (0.01 = 1 vol point)"},
    {"spread_slope", HS_PARAM_DOUBLE, "0.02", 0, 1, NULL,
     "extra half spread in vol per unit of |k|"},
    {"tick", HS_PARAM_DOUBLE, "0.0001", 1e-8, 0.01, NULL,
     "price tick as a share of spot (Deribit: 0.0001 coin)"},
    HS_PARAM_END};
/* clang-format on */

const char *const hs_chain_smile_coef_names[HS_CHAIN_SMILE_NCOEF] = {
    "atm",       "atm_est",   "atmL",       "atmL_rvr90", "atmL_ret30",
    "atmL_rvr",  "atmL_ret7", "atmL_est",   "atmL2",      "atmL2_est",
    "skw",       "skw_lnvol", "skw_rvr90",  "skw_est",    "skwL",
    "skwL_est",  "call",      "call_rvr90", "call_est",   "callL",
    "callL_lnvol", "put",     "put_lnvol",  "put_est",    "putL"};
const char *const hs_chain_smile_obs_names[HS_CHAIN_SMILE_NOBS] = {
    "lnvol", "rvr", "rvr90", "ret7", "ret30"};

/* One "name,value" line of the coefficients' CSV into m; 1 if the name is
 * known. */
static int smile_field(hs_chain_model *m, const char *name, double v)
{
    for (size_t i = 0; i < HS_CHAIN_SMILE_NCOEF; i++)
        if (strcmp(name, hs_chain_smile_coef_names[i]) == 0) {
            m->coef[i] = v;
            return 1;
        }
    for (size_t i = 0; i < HS_CHAIN_SMILE_NOBS; i++) {
        size_t len = strlen(hs_chain_smile_obs_names[i]);
        if (strncmp(name, hs_chain_smile_obs_names[i], len) != 0)
            continue;
        if (strcmp(name + len, "_lo") == 0) {
            m->obs_lo[i] = v;
            return 1;
        }
        if (strcmp(name + len, "_hi") == 0) {
            m->obs_hi[i] = v;
            return 1;
        }
    }
    return 0;
}

int hs_chain_smile_parse(const char *text, hs_chain_model *m)
{
    const size_t want = HS_CHAIN_SMILE_NCOEF + 2 * HS_CHAIN_SMILE_NOBS;
    size_t got = 0;
    int line = 0;
    if (!text || !m)
        return hs_error_set(HS_EINVAL, "smile coefficients: NULL argument");
    for (const char *p = text; *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char buf[128], *comma, *tail;
        line++;
        if (len >= sizeof buf)
            return hs_error_set(HS_EDATA, "smile coefficients, line %d: too "
                                          "long", line);
        memcpy(buf, p, len);
        buf[len] = '\0';
        if (len && buf[len - 1] == '\r')
            buf[--len] = '\0';
        p += len + (end ? 1 : 0) + (end && p[len] == '\r' ? 1 : 0);
        if (len == 0 || buf[0] == '#' || strcmp(buf, "name,value") == 0)
            continue;
        comma = strchr(buf, ',');
        if (!comma)
            return hs_error_set(HS_EDATA,
                                "smile coefficients, line %d: '%s' is not "
                                "name,value",
                                line, buf);
        *comma = '\0';
        double v = strtod(comma + 1, &tail);
        if (tail == comma + 1 || *tail || !isfinite(v))
            return hs_error_set(HS_EDATA,
                                "smile coefficients, line %d: %s: '%s' is "
                                "not a number",
                                line, buf, comma + 1);
        if (!smile_field(m, buf, v))
            return hs_error_set(HS_EDATA,
                                "smile coefficients, line %d: unknown name "
                                "'%s'",
                                line, buf);
        got++;
    }
    if (got != want)
        return hs_error_set(HS_EDATA,
                            "smile coefficients: %zu values, expected %zu "
                            "(each name once)",
                            got, want);
    for (size_t i = 0; i < HS_CHAIN_SMILE_NOBS; i++)
        if (!(m->obs_lo[i] <= m->obs_hi[i]))
            return hs_error_set(HS_EDATA,
                                "smile coefficients: %s_lo %g is above %s_hi "
                                "%g",
                                hs_chain_smile_obs_names[i], m->obs_lo[i],
                                hs_chain_smile_obs_names[i], m->obs_hi[i]);
    return 0;
}

const char *hs_chain_vol_name(hs_chain_vol v)
{
    switch (v) {
    case HS_CHAIN_VOL_DVOL:
        return "dvol";
    case HS_CHAIN_VOL_REALIZED:
        return "realized";
    case HS_CHAIN_VOL_GARCH:
        return "garch";
    }
    return "?";
}

/* ------------------------------------------------------------ settings */

/* The value of `key`, checked against this module's table (the values may
 * come from another table holding the same names). */
static int get(const hs_values *v, const char *key, double *out)
{
    int i = hs_param_index(hs_chain_model_params, key);
    const hs_param *p = &hs_chain_model_params[i];
    double x = hs_values_num(v, key);
    if (isnan(x))
        return hs_error_set(HS_EINVAL, "chain model: parameter '%s' missing",
                            key);
    if (p->kind == HS_PARAM_CHOICE) {
        /* The index of the word; count the choices. */
        double n = 1;
        for (const char *c = p->choices; *c; c++)
            n += *c == '|';
        if (!(x >= 0 && x < n && x == floor(x)))
            return hs_error_set(HS_EINVAL,
                                "chain model: parameter '%s' is not one of %s",
                                key, p->choices);
    } else if (!(x >= p->min && x <= p->max) ||
               (p->kind == HS_PARAM_INT && x != floor(x))) {
        return hs_error_set(HS_EINVAL,
                            "chain model: parameter '%s' = %g is outside "
                            "[%g, %g]",
                            key, x, p->min, p->max);
    }
    *out = x;
    return 0;
}

int hs_chain_model_init(hs_chain_model *m, const hs_values *values)
{
    hs_values defaults;
    double x[25];
    static const char *const keys[25] = {
        "vol_model",   "fallback",    "rv_days",      "rv_min_obs",
        "garch_alpha", "garch_beta",  "garch_vol",    "skew",
        "curv",        "k_max",       "term_slope",   "vol_min",
        "vol_max",     "dailies",     "weeklies",     "monthlies",
        "quarterlies", "expiry_hour", "strike_step",  "strike_lo",
        "strike_hi",   "spread_base", "spread_slope", "tick",
        "garch_days"};
    int rc;

    if (!m)
        return hs_error_set(HS_EINVAL, "chain model: NULL settings");
    if (!values) {
        if ((rc = hs_values_init(&defaults, hs_chain_model_params)))
            return rc;
        values = &defaults;
    }
    for (size_t i = 0; i < 25; i++)
        if ((rc = get(values, keys[i], &x[i])))
            return rc;

    hs_chain_model r;
    memset(&r, 0, sizeof r);
    double sm;
    if ((rc = get(values, "smile", &sm)) ||
        (rc = get(values, "wing_kappa", &r.wing_kappa)))
        return rc;
    r.smile = (hs_chain_smile)(int)sm;
    if ((rc = hs_chain_smile_parse(hs_chain__smile_fit_csv, &r)))
        return rc;
    /* fallback choices are "realized|garch": shift onto the enum. */
    r.vol_model = (hs_chain_vol)(int)x[0];
    r.fallback = x[1] == 0 ? HS_CHAIN_VOL_REALIZED : HS_CHAIN_VOL_GARCH;
    r.rv_days = (int)x[2];
    r.rv_min_obs = (int)x[3];
    r.garch_alpha = x[4];
    r.garch_beta = x[5];
    r.garch_vol = x[6];
    r.skew = x[7];
    r.curv = x[8];
    r.k_max = x[9];
    r.term_slope = x[10];
    r.vol_min = x[11];
    r.vol_max = x[12];
    r.dailies = (int)x[13];
    r.weeklies = (int)x[14];
    r.monthlies = (int)x[15];
    r.quarterlies = (int)x[16];
    r.expiry_hour = (int)x[17];
    r.strike_step = x[18];
    r.strike_lo = x[19];
    r.strike_hi = x[20];
    r.spread_base = x[21];
    r.spread_slope = x[22];
    r.tick = x[23];
    r.garch_days = (int)x[24];

    if (!(r.garch_alpha + r.garch_beta < 1))
        return hs_error_set(HS_EINVAL,
                            "chain model: garch_alpha + garch_beta = %g must "
                            "be below 1 (a stationary GARCH)",
                            r.garch_alpha + r.garch_beta);
    if (!(r.vol_min < r.vol_max))
        return hs_error_set(HS_EINVAL,
                            "chain model: vol_min %g must be below vol_max %g",
                            r.vol_min, r.vol_max);
    if (r.dailies + r.weeklies + r.monthlies + r.quarterlies == 0)
        return hs_error_set(HS_EINVAL,
                            "chain model: no expiries (dailies, weeklies, "
                            "monthlies and quarterlies are all 0)");
    *m = r;
    return 0;
}

/* The most strikes one modeled expiry can list, whatever the spot: the
 * step is within a factor sqrt(2) of strike_step * S (adjacent nice
 * numbers differ by at most 2 and the nearest on a log scale is taken), so
 * a grid holds at most (hi - lo) sqrt(2) / strike_step + 1 strikes; one
 * more covers rounding. */
static size_t max_strikes(const hs_chain_model *m)
{
    return (size_t)(floor((m->strike_hi - m->strike_lo) * sqrt(2.0) /
                          m->strike_step) +
                    2);
}

size_t hs_chain_model_capacity(const hs_chain_model *m)
{
    size_t n_exp =
        (size_t)(m->dailies + m->weeklies + m->monthlies + m->quarterlies);
    return n_exp * 2 * max_strikes(m);
}

/* ------------------------------------------------------------ expiries */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b != 0 && (a < 0) != (b < 0))
        q--;
    return q;
}

/* Day of week of day number d since 1970-01-01 (a Thursday): 0 = Monday,
 * 4 = Friday. */
static int weekday(int64_t d)
{
    return (int)(((d % 7) + 7 + 3) % 7);
}

/* Day number of the last Friday of month (y, m). */
static int64_t last_friday(int y, int m)
{
    int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
    int64_t last = hs_cal_from_civil(ny, nm, 1, 0, 0, 0, 0) / HS_MS_PER_DAY - 1;
    return last - (weekday(last) - 4 + 7) % 7;
}

/* Append the last Fridays of months after day d0 (inclusive), only months
 * where `quarterly` says so, `count` of them. */
static size_t month_ends(int64_t d0, int count, int quarterly, int64_t *days,
                         size_t n)
{
    int y, m;
    hs_cal_to_civil(d0 * HS_MS_PER_DAY, &y, &m, NULL, NULL, NULL, NULL, NULL);
    for (int found = 0; found < count;) {
        if (!quarterly || m % 3 == 0) {
            int64_t d = last_friday(y, m);
            if (d >= d0) {
                days[n++] = d;
                found++;
            }
        }
        if (++m == 13) {
            m = 1;
            y++;
        }
    }
    return n;
}

size_t hs_chain_model_expiries(const hs_chain_model *m, int64_t now,
                               int64_t *out, size_t cap)
{
    int64_t days[MAX_EXPIRIES];
    size_t n = 0;
    const int64_t hour = (int64_t)m->expiry_hour * HS_MS_PER_HOUR;
    /* The first day whose expiry time is strictly after now. */
    const int64_t d0 = floor_div(now - hour, HS_MS_PER_DAY) + 1;

    for (int i = 0; i < m->dailies && i < MAX_DAILIES; i++)
        days[n++] = d0 + i;
    int64_t fri = d0 + (4 - weekday(d0) + 7) % 7;
    for (int i = 0; i < m->weeklies && i < MAX_WEEKLIES; i++)
        days[n++] = fri + 7 * i;
    n = month_ends(d0,
                   m->monthlies < MAX_MONTHLIES ? m->monthlies : MAX_MONTHLIES,
                   0, days, n);
    n = month_ends(
        d0, m->quarterlies < MAX_QUARTERLIES ? m->quarterlies : MAX_QUARTERLIES,
        1, days, n);
    /* Sort (insertion: at most MAX_EXPIRIES) and drop duplicates. */
    for (size_t i = 1; i < n; i++) {
        int64_t d = days[i];
        size_t j = i;
        for (; j > 0 && days[j - 1] > d; j--)
            days[j] = days[j - 1];
        days[j] = d;
    }
    size_t k = 0;
    for (size_t i = 0; i < n && k < cap; i++)
        if (i == 0 || days[i] != days[i - 1])
            out[k++] = days[i] * HS_MS_PER_DAY + hour;
    return k;
}

/* --------------------------------------------------------------- grid */

double hs_chain_model_strike_step(const hs_chain_model *m, double spot)
{
    static const double mant[4] = {1, 2, 2.5, 5};
    if (!(spot > 0) || !isfinite(spot))
        return NAN;
    double x = m->strike_step * spot, best = NAN, bestd = INFINITY;
    int e = (int)floor(log10(x));
    for (int ee = e - 1; ee <= e + 1; ee++)
        for (int i = 0; i < 4; i++) {
            double c = mant[i] * pow(10.0, ee);
            double d = fabs(log(c / x));
            if (d < bestd) { /* ties: the smaller step (seen first) */
                bestd = d;
                best = c;
            }
        }
    return best;
}

double hs_chain_model_vol(const hs_chain_model *m, double sigma30, double F,
                          double K, double T)
{
    const hs_chain_obs obs = {sigma30, NAN, NAN, NAN, NAN, 0};
    return hs_chain_model_vol_obs(m, &obs, F, K, T);
}

/* The fixed smile: sigma_atm(T) (1 + skew k + curv k^2). */
static double fixed_vol(const hs_chain_model *m, double sigma30, double F,
                        double K, double T)
{
    if (!(sigma30 > 0) || !isfinite(sigma30) || !(F > 0) || !isfinite(F) ||
        !(K > 0) || !isfinite(K) || !(T > 0) || !isfinite(T))
        return NAN;
    double k = log(K / F) / sqrt(T);
    if (k > m->k_max)
        k = m->k_max;
    if (k < -m->k_max)
        k = -m->k_max;
    double te = T > DAY_YEARS ? T : DAY_YEARS;
    double atm = sigma30 * pow(te / T30_YEARS, m->term_slope);
    double s = atm * (1 + m->skew * k + m->curv * k * k);
    if (!(s >= m->vol_min)) /* also NAN */
        s = m->vol_min;
    if (s > m->vol_max)
        s = m->vol_max;
    return s;
}

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

void hs_chain__smile_obs(const hs_chain_obs *o, double z[HS_CHAIN_SMILE_NOBS])
{
    const double s30 = o->sigma30;
    z[0] = log(s30);
    z[1] = o->rv > 0 && isfinite(o->rv) ? log(o->rv / s30) : 0;
    z[2] = o->rv90 > 0 && isfinite(o->rv90) ? log(o->rv90 / s30) : 0;
    z[3] = isfinite(o->ret7) ? o->ret7 : 0;
    z[4] = isfinite(o->ret30) ? o->ret30 : 0;
}

/* The observables of a step, clamped to the fit's ranges: the same for
 * every quote of the step, so a chain computes them once. */
static void smile_z(const hs_chain_model *m, const hs_chain_obs *obs,
                    double z[HS_CHAIN_SMILE_NOBS])
{
    hs_chain__smile_obs(obs, z);
    for (size_t i = 0; i < HS_CHAIN_SMILE_NOBS; i++)
        z[i] = clampd(z[i], m->obs_lo[i], m->obs_hi[i]);
}

/* Whether the market smile has a value at (F, K, T) for obs. */
static int smile_inputs_ok(const hs_chain_obs *obs, double F, double K,
                           double T)
{
    const double s30 = obs ? obs->sigma30 : NAN;
    return s30 > 0 && isfinite(s30) && F > 0 && isfinite(F) && K > 0 &&
           isfinite(K) && T > 0 && isfinite(T);
}

/* The regressors at (F, K, T) from the step's clamped observables z. */
static void smile_terms_z(const hs_chain_model *m, const double *z,
                          int estimated, double F, double K, double T,
                          double out[HS_CHAIN_SMILE_NCOEF])
{
    const double lnv = z[0], rvr = z[1], rv90 = z[2], r7 = z[3], r30 = z[4];
    const double e = estimated ? 1 : 0;
    const double k = clampd(log(K / F) / sqrt(T), -m->k_max, m->k_max);
    const double L = log((T > DAY_YEARS ? T : DAY_YEARS) / T30_YEARS);
    const double ka = m->wing_kappa, h = sqrt(ka * ka + k * k) - ka;
    /* The wings apart: real smiles are steeper on one side than on the
     * other, and which side moves with the market. */
    const double hc = k > 0 ? h : 0, hp = k < 0 ? h : 0;
    const double x[HS_CHAIN_SMILE_NCOEF] = {
        1,      e,          L,      L * rv90,  L * r30,  L * rvr, L * r7,
        L * e,  L * L,      L * L * e,
        k,      k * lnv,    k * rv90, k * e,   k * L,    k * L * e,
        hc,     hc * rv90,  hc * e, hc * L,    hc * L * lnv,
        hp,     hp * lnv,   hp * e, hp * L};
    memcpy(out, x, sizeof x);
}

int hs_chain_smile_terms(const hs_chain_model *m, const hs_chain_obs *obs,
                         double F, double K, double T,
                         double out[HS_CHAIN_SMILE_NCOEF])
{
    if (!smile_inputs_ok(obs, F, K, T))
        return -1;
    double z[HS_CHAIN_SMILE_NOBS];
    smile_z(m, obs, z);
    smile_terms_z(m, z, obs->estimated, F, K, T, out);
    return 0;
}

/* hs_chain_model_vol_obs with the step's clamped observables z (smile_z)
 * already computed. */
static double vol_z(const hs_chain_model *m, const hs_chain_obs *obs,
                    const double *z, double F, double K, double T)
{
    double x[HS_CHAIN_SMILE_NCOEF];
    if (m->smile == HS_CHAIN_SMILE_FIXED)
        return fixed_vol(m, obs->sigma30, F, K, T);
    if (!smile_inputs_ok(obs, F, K, T))
        return NAN;
    smile_terms_z(m, z, obs->estimated, F, K, T, x);
    double r = 0;
    for (size_t i = 0; i < HS_CHAIN_SMILE_NCOEF; i++)
        r += m->coef[i] * x[i];
    double s = obs->sigma30 * r;
    if (!(s >= m->vol_min)) /* also NAN */
        s = m->vol_min;
    if (s > m->vol_max)
        s = m->vol_max;
    return s;
}

double hs_chain_model_vol_obs(const hs_chain_model *m,
                              const hs_chain_obs *obs, double F, double K,
                              double T)
{
    double z[HS_CHAIN_SMILE_NOBS];
    if (!m || !obs)
        return NAN;
    smile_z(m, obs, z);
    return vol_z(m, obs, z, F, K, T);
}

/* Mark, iv, spread and book of a quote: half spread vega * (spread_base +
 * spread_slope |k|), at least a tick; no bid below one tick. */
static void set_book(const hs_chain_model *m, double F, double K, double T,
                     double mark, double iv, double vega, hs_chain_quote *q)
{
    const double tick = m->tick * F;
    double k = fabs(log(K / F) / sqrt(T));
    if (k > m->k_max)
        k = m->k_max;
    double half = vega * (m->spread_base + m->spread_slope * k);
    if (!(half >= tick))
        half = tick;
    q->mark = mark;
    q->ask = mark + half;
    /* Bid floored at 0; no bid at all below one tick. */
    q->bid = mark < tick ? NAN : fmax(mark - half, 0);
    q->iv = iv;
    q->forward = F;
}

/* hs_chain_model_quote with the step's clamped observables z. */
static int quote_z(const hs_chain_model *m, const hs_chain_obs *obs,
                   const double *z, int64_t now, double F, int64_t expiry,
                   double K, char right, hs_chain_quote *q)
{
    const double T = (double)(expiry - now) / (YEAR_DAYS * HS_MS_PER_DAY);
    if (!(expiry > now))
        return hs_error_set(HS_EINVAL,
                            "chain model: expiry %lld is not after %lld",
                            (long long)expiry, (long long)now);
    const double iv = m && obs ? vol_z(m, obs, z, F, K, T) : NAN;
    hs_greeks g;
    if (hs_black76(right == 'C' ? HS_CALL : HS_PUT, F, K, T, 0, iv, &g) != 0)
        return hs_error_set(HS_ENUMERIC,
                            "chain model: Black-76 failed at F %g, K %g, T "
                            "%g, vol %g",
                            F, K, T, iv);
    q->expiry = expiry;
    q->strike = K;
    q->right = right;
    set_book(m, F, K, T, g.price, iv, g.vega, q);
    return 0;
}

int hs_chain_model_quote(const hs_chain_model *m, const hs_chain_obs *obs,
                         int64_t now, double F, int64_t expiry, double K,
                         char right, hs_chain_quote *q)
{
    double z[HS_CHAIN_SMILE_NOBS] = {0};
    if (m && obs)
        smile_z(m, obs, z);
    return quote_z(m, obs, z, now, F, expiry, K, right, q);
}

/* ------------------------------------------------ no static arbitrage
 * The smile's marks of one expiry can fall as the strike rises or bend
 * the wrong way where its wings steepen within a few sqrt(T) units.  The
 * put marks are replaced by their greatest convex minorant over the grid's
 * points, the origin (a put struck at 0 is worth 0) and the intrinsic line
 * far out (the limit K -> infinity of (K, K - F): a ray of slope 1), and
 * the calls follow by parity: docs/modeled-chains.md#no-static-arbitrage. */

/* Scratch of the repair: the hull's vertex stack and the repaired marks
 * (cap entries each) and an implied-vol solver, made when a repair first
 * needs one. */
typedef struct repair_ws {
    size_t *hull, cap;
    double *mark;
    hs_iv_solver *iv;
} repair_ws;

/* Point i of the hull's input: 0 the origin, i > 0 put i - 1. */
static void hull_pt(const hs_chain_quote *put, size_t i, double *K, double *P)
{
    *K = i ? put[i - 1].strike : 0;
    *P = i ? put[i - 1].mark : 0;
}

/* How far point b lies above the chord from a to c (a < b < c). */
static double above_chord(const hs_chain_quote *put, size_t a, size_t b,
                          size_t c)
{
    double Ka, Pa, Kb, Pb, Kc, Pc;
    hull_pt(put, a, &Ka, &Pa);
    hull_pt(put, b, &Kb, &Pb);
    hull_pt(put, c, &Kc, &Pc);
    return Pb - (Pa + (Pc - Pa) * (Kb - Ka) / (Kc - Ka));
}

/* The lower convex hull (Andrew's monotone chain) of the origin, the n
 * puts (ascending strikes) and the ray of slope 1: its vertices into
 * hull[] (n + 1 entries), their count returned.  A point above the hull
 * by at most tol stays a vertex: rounding of deep in-the-money marks
 * (intrinsic to the last bit) is no arbitrage to repair. */
static size_t lower_hull(const hs_chain_quote *put, size_t n, size_t *hull,
                         double tol)
{
    size_t h = 0;
    for (size_t i = 0; i <= n; i++) {
        while (h >= 2 && above_chord(put, hull[h - 2], hull[h - 1], i) > tol)
            h--;
        hull[h++] = i;
    }
    for (;;) { /* the ray from the last vertex */
        double Ka, Pa, Kb, Pb;
        if (h < 2)
            break;
        hull_pt(put, hull[h - 2], &Ka, &Pa);
        hull_pt(put, hull[h - 1], &Kb, &Pb);
        if (!(Pb - Pa - (Kb - Ka) > tol))
            break;
        h--;
    }
    return h;
}

/* Requote put and call at one strike on the repaired put mark P: the iv
 * implied from P (Black-76, zero rate), or vol_min where P has no time
 * value left to imply one from; the call C = P + F - K; spreads by the
 * usual rule at that iv. */
static int requote(const hs_chain_model *m, repair_ws *ws, double F,
                   double T, double P, hs_chain_quote *put,
                   hs_chain_quote *call)
{
    const double K = put->strike;
    double iv;
    hs_iv_status st;
    hs_greeks g;
    int rc;
    if (!ws->iv && (rc = hs_iv_solver_new(&ws->iv, NULL)))
        return rc;
    if (hs_iv_solver_solve(ws->iv, HS_MODEL_BLACK76, HS_PUT, F, K, T, 0, P,
                           &iv, &st) != 0 ||
        st != HS_IV_OK)
        iv = m->vol_min;
    if (hs_black76(HS_PUT, F, K, T, 0, iv, &g) != 0)
        return hs_error_set(HS_ENUMERIC,
                            "chain model: Black-76 failed at F %g, K %g, T "
                            "%g, vol %g",
                            F, K, T, iv);
    set_book(m, F, K, T, P, iv, g.vega, put);
    set_book(m, F, K, T, fmax(P + F - K, 0), iv, g.vega, call);
    return 0;
}

size_t hs_chain_put_hull(const hs_chain_quote *put, size_t n, double F,
                         size_t *hull, double *out)
{
    const size_t h = lower_hull(put, n, hull, 1e-12 * F);
    size_t v = 0, lowered = 0; /* hull[v] <= i + 1 < hull[v + 1] */
    for (size_t i = 0; i < n; i++) {
        out[i] = put[i].mark;
        while (v + 1 < h && hull[v + 1] <= i + 1)
            v++;
        if (hull[v] == i + 1)
            continue;
        double Ka, Pa, Kb, Pb, P;
        hull_pt(put, hull[v], &Ka, &Pa);
        if (v + 1 < h) {
            hull_pt(put, hull[v + 1], &Kb, &Pb);
            P = Pa + (Pb - Pa) * (put[i].strike - Ka) / (Kb - Ka);
        } else {
            P = Pa + (put[i].strike - Ka);
        }
        if (P < put[i].mark) {
            out[i] = P;
            lowered++;
        }
    }
    return lowered;
}

/* Repair one expiry's n calls and n puts (same ascending strikes): the
 * puts above the hull come down onto it, with their calls; every other
 * quote is left as it is.  Adds the quotes changed to *repaired. */
static int repair_expiry(const hs_chain_model *m, repair_ws *ws, double F,
                         double T, hs_chain_quote *call, hs_chain_quote *put,
                         size_t n, size_t *repaired)
{
    int rc;
    if (hs_chain_put_hull(put, n, F, ws->hull, ws->mark) == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!(ws->mark[i] < put[i].mark))
            continue;
        if ((rc = requote(m, ws, F, T, ws->mark[i], &put[i], &call[i])))
            return rc;
        *repaired += 2;
    }
    return 0;
}

int hs_chain_model_fill(hs_chain *c, const hs_chain_model *m, int64_t now,
                        double spot, double sigma30, const char *underlying,
                        const char *source)
{
    const hs_chain_obs obs = {sigma30, NAN, NAN, NAN, NAN, 0};
    return hs_chain_model_fill_obs(c, m, now, spot, &obs, underlying, source);
}

/* hs_chain_model_fill_obs with the repair's scratch (its hull holds at
 * least max_strikes + 1 entries). */
static int fill_grid(hs_chain *c, const hs_chain_model *m, int64_t now,
                     double spot, const hs_chain_obs *obs,
                     const char *underlying, const char *source,
                     repair_ws *ws)
{
    const double sigma30 = obs ? obs->sigma30 : NAN;
    int64_t ex[MAX_EXPIRIES];
    int rc;

    if (!c || !m)
        return hs_error_set(HS_EINVAL, "chain model: NULL slice or settings");
    c->n = 0;
    c->repaired = 0;
    c->ts = now;
    c->spot = spot;
    c->modeled = 1;
    snprintf(c->underlying, sizeof c->underlying, "%s",
             underlying ? underlying : "");
    snprintf(c->source, sizeof c->source, "%s", source ? source : "model");
    if (!(spot > 0) || !isfinite(spot) || !(sigma30 > 0) || !isfinite(sigma30))
        return hs_error_set(HS_EINVAL,
                            "chain model: spot %g and 30-day vol %g must be "
                            "positive numbers",
                            spot, sigma30);

    size_t n_exp = hs_chain_model_expiries(m, now, ex, MAX_EXPIRIES);
    const double step = hs_chain_model_strike_step(m, spot);
    const double j0 = fmax(ceil(m->strike_lo * spot / step), 1);
    const double j1 = floor(m->strike_hi * spot / step);
    const size_t n_k = j1 >= j0 ? (size_t)(j1 - j0) + 1 : 0;
    if (n_k + 1 > ws->cap)
        return hs_error_set(HS_EINVAL,
                            "chain model: %zu strikes exceed the grid's "
                            "bound %zu",
                            n_k, ws->cap - 1);
    if ((rc = hs_chain_reserve(c, n_exp * 2 * n_k)))
        return rc;

    const double F = spot;
    static const char rights[2] = {'C', 'P'};
    double z[HS_CHAIN_SMILE_NOBS] = {0}; /* the step's observables, once */
    if (obs)
        smile_z(m, obs, z);
    for (size_t e = 0; e < n_exp; e++) {
        hs_chain_quote *first = &c->q[c->n];
        for (int r = 0; r < 2; r++)
            for (size_t j = 0; j < n_k; j++) {
                const double K = (j0 + (double)j) * step;
                if ((rc = quote_z(m, obs, z, now, F, ex[e], K, rights[r],
                                  &c->q[c->n])))
                    goto fail;
                c->n++;
            }
        const double T = (double)(ex[e] - now) / (YEAR_DAYS * HS_MS_PER_DAY);
        if ((rc = repair_expiry(m, ws, F, T, first, first + n_k, n_k,
                                &c->repaired)))
            goto fail;
    }
    return 0;
fail:
    c->n = 0;
    c->repaired = 0;
    return rc;
}

int hs_chain_model_fill_obs(hs_chain *c, const hs_chain_model *m,
                            int64_t now, double spot,
                            const hs_chain_obs *obs, const char *underlying,
                            const char *source)
{
    repair_ws ws = {NULL, 0, NULL, NULL};
    if (m) {
        ws.cap = max_strikes(m) + 1;
        ws.hull = malloc(ws.cap * sizeof *ws.hull);
        ws.mark = malloc(ws.cap * sizeof *ws.mark);
        if (!ws.hull || !ws.mark) {
            free(ws.hull);
            free(ws.mark);
            return hs_error_set(HS_ENOMEM, "chain model: out of memory");
        }
    }
    int rc = fill_grid(c, m, now, spot, obs, underlying, source, &ws);
    free(ws.hull);
    free(ws.mark);
    hs_iv_solver_free(ws.iv);
    return rc;
}

/* ------------------------------------------------------- the model source
 * hs_chain_source_model_type: the generator above fed, at each step, with
 * the panel's close of the underlying and a 30-day vol from the vol index,
 * realized vol or GARCH(1,1), from data up to that step only. */

typedef struct model_src {
    const hs_panel *panel;
    hs_chain_model m;
    int asset, vol_index;
    double periods;  /* steps per year of 365 days */
    size_t rv_steps; /* realized window in steps */
    size_t rv_need;  /* returns needed in that window */
    size_t n30;      /* steps in 30 days */
    int use_garch;
    double g_prior;    /* garch_vol^2 per step: the long-run variance
                        * until the window below has rv_need returns */
    size_t g_lr_steps; /* variance-targeting window (0: the prior only) */
    double g_sum;      /* sum of squared returns in that window */
    size_t g_n;        /* returns in it */
    double g_var_lr;   /* long-run variance per step at g_t */
    double g_h;        /* variance forecast for step g_t + 1 */
    size_t g_t;        /* last step folded into g_h */
    size_t n7;         /* steps in 7 days */
    size_t rv90_steps; /* steps in RV_LONG_DAYS */
    int quoting;       /* the slice shows a step: cur_* are its inputs */
    int64_t cur_now;
    double cur_spot;
    hs_chain_obs cur_obs;
    repair_ws ws; /* the no-arbitrage repair's scratch */
} model_src;


static int bar_ok(const hs_panel *p, size_t t, int a, double *close)
{
    size_t i = t * p->n_assets + (size_t)a;
    *close = p->close[i];
    return p->state[i] != HS_BAR_ABSENT && *close > 0 && isfinite(*close);
}

/* Log return of `asset` into step t, or NAN. */
static double log_return(const hs_panel *p, int asset, size_t t)
{
    double c0, c1;
    if (t == 0 || !bar_ok(p, t - 1, asset, &c0) || !bar_ok(p, t, asset, &c1))
        return NAN;
    return log(c1 / c0);
}

/* Realized vol at t: sqrt(periods * mean of squared log returns) over the
 * last `steps` steps (zero mean), NAN with fewer than rv_min_obs returns
 * (or than the window, if shorter). */
static double realized_vol(const model_src *s, size_t t, size_t steps)
{
    size_t from = t + 1 > steps ? t + 1 - steps : 0, n = 0;
    size_t need = (size_t)s->m.rv_min_obs < steps ? (size_t)s->m.rv_min_obs
                                                   : steps;
    double sum = 0;
    for (size_t u = from > 0 ? from : 1; u <= t; u++) {
        double r = log_return(s->panel, s->asset, u);
        if (isfinite(r)) {
            sum += r * r;
            n++;
        }
    }
    if (n < need)
        return NAN;
    return sqrt(s->periods * sum / (double)n);
}

/* Fold returns of steps g_t + 1 .. t into the GARCH(1,1) variance:
 * h <- omega + alpha r^2 + beta h, or its expectation omega + (alpha +
 * beta) h for a step without a return, with omega = (1 - alpha - beta) V
 * and V the long-run variance: the mean squared return of the trailing
 * window (variance targeting, Engle and Mezrich 1996) once it holds
 * rv_need returns, else garch_vol^2 per step. */
static void garch_advance(model_src *s, size_t t)
{
    const double a = s->m.garch_alpha, b = s->m.garch_beta;
    const size_t w = s->g_lr_steps;
    for (size_t u = s->g_t + 1; u <= t; u++) {
        double r = log_return(s->panel, s->asset, u);
        if (w > 0) {
            if (isfinite(r)) {
                s->g_sum += r * r;
                s->g_n++;
            }
            double old = u > w ? log_return(s->panel, s->asset, u - w) : NAN;
            if (isfinite(old)) {
                s->g_sum -= old * old;
                s->g_n--;
            }
            if (s->g_sum < 0 || s->g_n == 0)
                s->g_sum = 0; /* rounding of the running sum */
            s->g_var_lr = s->g_n >= s->rv_need && s->g_sum > 0
                              ? s->g_sum / (double)s->g_n
                              : s->g_prior;
        }
        const double omega = (1 - a - b) * s->g_var_lr;
        s->g_h = isfinite(r) ? omega + a * r * r + b * s->g_h
                             : omega + (a + b) * s->g_h;
    }
    if (t > s->g_t)
        s->g_t = t;
}

/* GARCH 30-day vol: sqrt(periods * mean forecast variance over the next n30
 * steps), E h_{t+k} = V + phi^(k-1) (h_{t+1} - V), phi = alpha + beta. */
static double garch_vol(const model_src *s)
{
    const double phi = s->m.garch_alpha + s->m.garch_beta, v = s->g_var_lr;
    const double n = (double)s->n30;
    double avg = v + (s->g_h - v) * (1 - pow(phi, n)) / (n * (1 - phi));
    return sqrt(s->periods * avg);
}

static int model_init(void *state, const hs_panel *panel, const void *args,
                      hs_chain *slice)
{
    model_src *s = state;
    const hs_chain_model_args *a = args;
    hs_chain_model m;
    int rc;

    if (!a)
        return hs_error_set(HS_EINVAL, "chain model: NULL arguments");
    const int asset = a->asset, vol_index = a->vol_index;
    if (asset < 0 || (size_t)asset >= panel->n_assets)
        return hs_error_set(HS_EINVAL,
                            "chain model: asset %d is not in the panel (%zu "
                            "assets)",
                            asset, panel->n_assets);
    if (vol_index < -1 ||
        (vol_index >= 0 && (size_t)vol_index >= panel->n_assets))
        return hs_error_set(HS_EINVAL,
                            "chain model: vol index %d is not in the panel "
                            "(%zu assets; -1 for none)",
                            vol_index, panel->n_assets);
    if ((rc = hs_chain_model_init(&m, a->values)))
        return rc;
    s->panel = panel;
    s->m = m;
    s->asset = asset;
    s->vol_index = vol_index;
    const double step = (double)panel->step_ms, day = (double)HS_MS_PER_DAY;
    s->periods = 365.0 * day / step;
    s->rv_steps = (size_t)fmax(1.0, round(m.rv_days * day / step));
    s->rv_need =
        (size_t)m.rv_min_obs < s->rv_steps ? (size_t)m.rv_min_obs : s->rv_steps;
    s->n30 = (size_t)fmax(1.0, round(30.0 * day / step));
    s->n7 = (size_t)fmax(1.0, round(7.0 * day / step));
    s->rv90_steps = (size_t)fmax(1.0, round(RV_LONG_DAYS * day / step));
    s->use_garch =
        m.vol_model == HS_CHAIN_VOL_GARCH ||
        (m.vol_model == HS_CHAIN_VOL_DVOL && m.fallback == HS_CHAIN_VOL_GARCH);
    s->g_prior = m.garch_vol * m.garch_vol / s->periods;
    s->g_lr_steps = m.garch_days > 0
                        ? (size_t)fmax(1.0, round(m.garch_days * day / step))
                        : 0;
    /* All memory now: asking for a step allocates nothing. */
    s->ws.cap = max_strikes(&m) + 1;
    s->ws.hull = malloc(s->ws.cap * sizeof *s->ws.hull);
    s->ws.mark = malloc(s->ws.cap * sizeof *s->ws.mark);
    if (!s->ws.hull || !s->ws.mark)
        return hs_error_set(HS_ENOMEM, "chain model: out of memory");
    if ((rc = hs_iv_solver_new(&s->ws.iv, NULL)))
        return rc;
    return hs_chain_reserve(slice, hs_chain_model_capacity(&m));
}

static void model_free(void *state)
{
    model_src *s = state;
    free(s->ws.hull);
    free(s->ws.mark);
    hs_iv_solver_free(s->ws.iv);
}

static void model_rewind(void *state, hs_chain *slice)
{
    model_src *s = state;
    (void)slice;
    s->g_t = 0;
    s->g_sum = 0;
    s->g_n = 0;
    s->g_var_lr = s->g_h = s->g_prior;
    s->quoting = 0;
}

/* Log return of the asset over the n steps to t, NAN when either close is
 * missing. */
static double period_return(const model_src *s, size_t t, size_t n)
{
    double c0, c1;
    if (t < n || !bar_ok(s->panel, t - n, s->asset, &c0) ||
        !bar_ok(s->panel, t, s->asset, &c1))
        return NAN;
    return log(c1 / c0);
}

static int model_at(void *state, size_t t, hs_chain *slice)
{
    model_src *s = state;
    const hs_panel *p = s->panel;
    const int64_t now = p->time[t] + p->step_ms;
    hs_chain_vol used = s->m.vol_model;
    double spot, vol = NAN, level;
    char source[48];

    if (s->use_garch)
        garch_advance(s, t);
    if (used == HS_CHAIN_VOL_DVOL) {
        if (s->vol_index >= 0 && bar_ok(p, t, s->vol_index, &level))
            vol = level / 100.0;
        else
            used = s->m.fallback;
    }
    if (used == HS_CHAIN_VOL_REALIZED)
        vol = realized_vol(s, t, s->rv_steps);
    else if (used == HS_CHAIN_VOL_GARCH)
        vol = garch_vol(s);
    snprintf(source, sizeof source, "model:%s-smile", hs_chain_vol_name(used));

    s->quoting = 0;
    if (!bar_ok(p, t, s->asset, &spot) || !(vol > 0) || !isfinite(vol)) {
        hs_chain *c = slice;
        c->n = 0;
        c->repaired = 0;
        c->ts = now;
        c->spot = bar_ok(p, t, s->asset, &spot) ? spot : NAN;
        c->modeled = 1;
        snprintf(c->underlying, sizeof c->underlying, "%s",
                 p->symbol[s->asset]);
        snprintf(c->source, sizeof c->source, "%s", source);
        return 0;
    }
    const hs_chain_obs obs = {
        vol,
        used == HS_CHAIN_VOL_REALIZED ? vol : realized_vol(s, t, s->rv_steps),
        period_return(s, t, s->n7),
        period_return(s, t, s->n30),
        realized_vol(s, t, s->rv90_steps),
        used != HS_CHAIN_VOL_DVOL};
    int rc = fill_grid(slice, &s->m, now, spot, &obs, p->symbol[s->asset],
                       source, &s->ws);
    if (rc == 0) {
        s->quoting = 1;
        s->cur_now = now;
        s->cur_spot = spot;
        s->cur_obs = obs;
    }
    return rc;
}

int hs_chain__model_obs(const void *state, hs_chain_obs *out)
{
    const model_src *s = state;
    if (!s || !s->quoting)
        return -1;
    *out = s->cur_obs;
    return 0;
}

/* A contract the step's grid does not list (a strike a run bought before
 * the spacing changed): quoted as the grid's strikes are, at the step's
 * close, spot and observables. */
/* The puts of `expiry` in a slice (sorted by expiry, right, strike): their
 * first index and count. */
static size_t expiry_puts(const hs_chain *c, int64_t expiry, size_t *first)
{
    size_t i = 0, n = 0;
    while (i < c->n && (c->q[i].expiry != expiry || c->q[i].right != 'P'))
        i++;
    *first = i;
    while (i + n < c->n && c->q[i + n].expiry == expiry &&
           c->q[i + n].right == 'P')
        n++;
    return n;
}

/* The put mark at K (strictly between the grid's strikes put[j - 1] and
 * put[j]) that keeps the repaired grid free of static arbitrage: at most
 * the chord between those two (convexity), at least the extensions of the
 * segments on either side and the lower of the two marks (convexity,
 * monotonicity).  P comes back unchanged when it lies in that range. */
static double bracket_put(const hs_chain_quote *put, size_t n, size_t j,
                          double K, double P)
{
    const hs_chain_quote *a = &put[j - 1], *b = &put[j];
    const double hi = a->mark + (b->mark - a->mark) * (K - a->strike) /
                                    (b->strike - a->strike);
    double lo = a->mark;
    if (j >= 2) { /* the segment before a, extended */
        const hs_chain_quote *z = &put[j - 2];
        lo = fmax(lo, a->mark + (a->mark - z->mark) * (K - a->strike) /
                                    (a->strike - z->strike));
    }
    if (j + 1 < n) { /* the segment after b, extended back */
        const hs_chain_quote *c = &put[j + 1];
        lo = fmax(lo, b->mark - (c->mark - b->mark) * (b->strike - K) /
                                    (c->strike - b->strike));
    }
    if (P > hi)
        return hi;
    if (P < lo)
        return lo;
    return P;
}

/* A contract the step's grid does not list (a held strike): the smile's
 * quote; where its expiry is in the slice and its strike lies between two
 * of the grid's, the put mark is kept within the bounds the repaired grid
 * sets (bracket_put) and the call follows by parity, so that the contract
 * adds no arbitrage to the grid it is quoted beside. */
static int model_quote(const void *state, const hs_chain *slice,
                       int64_t expiry, double strike, char right,
                       hs_chain_quote *out)
{
    const model_src *s = state;
    if (!s->quoting || !(expiry > s->cur_now))
        return 0;
    hs_chain_quote q, p;
    const double F = s->cur_spot;
    if (hs_chain_model_quote(&s->m, &s->cur_obs, s->cur_now, F, expiry,
                             strike, 'P', &p))
        return 0;
    size_t first = 0, j = 0;
    const size_t n = slice ? expiry_puts(slice, expiry, &first) : 0;
    const hs_chain_quote *put = n ? slice->q + first : NULL;
    while (j < n && put[j].strike < strike)
        j++;
    const double P = j > 0 && j < n ? bracket_put(put, n, j, strike, p.mark)
                                    : p.mark;
    if (P == p.mark) {
        if (right == 'P')
            q = p;
        else if (hs_chain_model_quote(&s->m, &s->cur_obs, s->cur_now, F,
                                      expiry, strike, right, &q))
            return 0;
    } else {
        /* the source's solver, made at its init: nothing allocated */
        const double T =
            (double)(expiry - s->cur_now) / (YEAR_DAYS * HS_MS_PER_DAY);
        repair_ws ws = {NULL, 0, NULL, s->ws.iv};
        hs_chain_quote c = p;
        c.right = 'C';
        if (requote(&s->m, &ws, F, T, P, &p, &c))
            return 0;
        q = right == 'P' ? p : c;
    }
    *out = q;
    return 1;
}

const hs_chain_source_type hs_chain_source_model_type = {
    .version = HS_CHAIN_SOURCE_TYPE_VERSION,
    .name = "model",
    .summary = "chains generated at each close from the underlying's prices "
               "and a 30-day vol (DVOL, realized or GARCH)",
    .state_size = sizeof(model_src),
    .init = model_init,
    .at = model_at,
    .rewind = model_rewind,
    .free = model_free,
    .quote = model_quote,
};

int hs_chain_source_model(hs_chain_source **out, const hs_panel *panel,
                          int asset, int vol_index, const hs_values *values)
{
    const hs_chain_model_args args = {asset, vol_index, values};
    return hs_chain_source_new(out, &hs_chain_source_model_type, panel, &args);
}
