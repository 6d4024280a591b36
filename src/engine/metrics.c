/* Performance and hedge metrics.  Formulas and references: docs/metrics.md.
 *
 * Means and variances are two-pass (mean first, then squared deviations),
 * which is accurate for return series whatever their level. */
#include "hedgesim/metrics.h"
#include "hedgesim/errors.h"

#include <math.h>

/* m * (1 - level) is rounded to this many units before the ceiling in the
 * VaR order statistic: 1 - 0.95 is 0.05000000000000004 in binary, and
 * 100 * that must give k = 5, not 6. */
#define VAR_K_ROUNDING 1e-9

/* The sum of the finite x[0..n) in index order; their count into *count
 * (if not NULL). */
static double finite_sum(const double *x, size_t n, size_t *count)
{
    double s = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) {
            s += x[i];
            m++;
        }
    if (count)
        *count = m;
    return s;
}

double hs_metric_mean(const double *x, size_t n)
{
    size_t m;
    const double s = finite_sum(x, n, &m);
    return m ? s / (double)m : NAN;
}

double hs_metric_var(const double *x, size_t n)
{
    double mean = hs_metric_mean(x, n);
    double ss = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) {
            double d = x[i] - mean;
            ss += d * d;
            m++;
        }
    return m < 2 ? NAN : ss / (double)(m - 1);
}

/* Sums of a pairwise sample: steps where both series are finite.  Means,
 * then centred second moments; a and b are scaled by ka, kb first (so that
 * sd(a - c b) can be formed as var(a) - 2 c cov + c^2 var(b) without a
 * scratch array). */
typedef struct pairmom {
    size_t m;
    double ma, mb;        /* means */
    double saa, sbb, sab; /* centred sums of squares and cross products */
} pairmom;

static pairmom pair_moments(const double *a, const double *b, size_t n)
{
    pairmom p = {0, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < n; i++)
        if (isfinite(a[i]) && isfinite(b[i])) {
            p.ma += a[i];
            p.mb += b[i];
            p.m++;
        }
    if (p.m == 0)
        return p;
    p.ma /= (double)p.m;
    p.mb /= (double)p.m;
    for (size_t i = 0; i < n; i++)
        if (isfinite(a[i]) && isfinite(b[i])) {
            double da = a[i] - p.ma, db = b[i] - p.mb;
            p.saa += da * da;
            p.sbb += db * db;
            p.sab += da * db;
        }
    return p;
}

double hs_metric_slope(const double *y, const double *x, size_t n)
{
    pairmom p = pair_moments(y, x, n);
    if (p.m < 2 || !(p.sbb > 0))
        return NAN;
    return p.sab / p.sbb;
}

double hs_metric_hedge_effectiveness(const double *rh, const double *ru,
                                     size_t n)
{
    pairmom p = pair_moments(rh, ru, n);
    if (p.m < 2 || !(p.sbb > 0))
        return NAN;
    /* Both variances share the divisor m - 1, which cancels. */
    return 1.0 - p.saa / p.sbb;
}

double hs_metric_tracking_error(const double *rh, const double *rm, size_t n,
                                double target_beta, double A)
{
    if (!isfinite(target_beta) || !(A > 0) || !isfinite(A))
        return NAN;
    /* d = rh - b rm over pairwise-finite steps, two-pass. */
    double mean = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(rh[i]) && isfinite(rm[i])) {
            mean += rh[i] - target_beta * rm[i];
            m++;
        }
    if (m < 2)
        return NAN;
    mean /= (double)m;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(rh[i]) && isfinite(rm[i])) {
            double d = rh[i] - target_beta * rm[i] - mean;
            ss += d * d;
        }
    return sqrt(A * ss / (double)(m - 1));
}

double hs_metric_max_drawdown(const double *equity, size_t n)
{
    double peak = NAN, mdd = NAN;
    for (size_t i = 0; i < n; i++) {
        double e = equity[i];
        if (!isfinite(e))
            continue;
        if (isnan(peak) || e > peak)
            peak = e;
        if (isnan(mdd))
            mdd = 0;
        if (peak > 0) {
            double dd = (peak - e) / peak;
            if (dd > mdd)
                mdd = dd;
        }
    }
    return mdd;
}

/* Move v down from position i of the max-heap h[0..k) (the greater child
 * chosen without a branch) to where it belongs. */
static void sift_down(double *h, size_t k, size_t i, double v)
{
    for (size_t c; (c = 2 * i + 1) < k; i = c) {
        c += c + 1 < k && h[c + 1] > h[c];
        if (!(h[c] > v))
            break;
        h[i] = h[c];
    }
    h[i] = v;
}

/* Rearrange x[0..m) so that its k smallest values are x[0..k) in ascending
 * order (1 <= k <= m; finite values only).  A max-heap of the k smallest
 * seen so far is kept in x[0..k): each later value replaces its root only
 * if smaller; then the heap is sorted in place (heapsort: J. W. J.
 * Williams, "Algorithm 232: Heapsort", CACM 7(6), 1964).  O(m log k) in
 * the worst case. */
static void heap_smallest(double *x, size_t m, size_t k)
{
    for (size_t i = k / 2; i-- > 0;)
        sift_down(x, k, i, x[i]);
    for (size_t i = k; i < m; i++)
        if (x[i] < x[0])
            sift_down(x, k, 0, x[i]);
    for (size_t end = k; end-- > 1;) {
        const double v = x[end];
        x[end] = x[0];
        sift_down(x, end, 0, v);
    }
}

/* Buckets of the histogram that narrows the tail (smallest_sorted), and
 * the most candidates put in order by insertion (O(c^2), with the fewest
 * unpredictable branches: faster than the heap below a few hundred). */
#define TAIL_BUCKETS 512
#define INSERTION_MAX 384

/* The bucket of v between lo and the maximum: non-decreasing in v (a
 * difference, a product by a positive factor and a truncation each keep
 * the order), so a bucket's values are all >= those of the buckets
 * before it. */
static inline size_t bucket_of(double v, double lo, double scale)
{
    const size_t b = (size_t)((v - lo) * scale);
    return b < TAIL_BUCKETS ? b : TAIL_BUCKETS - 1;
}

/* The same as heap_smallest, mostly without its sifts (whose branches
 * cannot be predicted): a histogram of x over [min, max] finds the bucket
 * of the k-th smallest; the values of that bucket and those before it,
 * moved to the front, hold the k smallest and few more, and are put in
 * order by insertion.  Sums over x[0..k) in this order are those over a
 * fully sorted sample: ties are equal bit for bit, save -0 and +0, and an
 * engine's return is never -0 (x - 1 is +0 when x is 1). */
static void smallest_sorted(double *x, size_t m, size_t k)
{
    double lo[4] = {x[0], x[0], x[0], x[0]}, hi[4] = {x[0], x[0], x[0], x[0]};
    size_t i = 0;
    for (; i + 4 <= m; i += 4) /* four chains: min and max are exact */
        for (int j = 0; j < 4; j++) {
            lo[j] = x[i + j] < lo[j] ? x[i + j] : lo[j];
            hi[j] = x[i + j] > hi[j] ? x[i + j] : hi[j];
        }
    for (; i < m; i++) {
        lo[0] = x[i] < lo[0] ? x[i] : lo[0];
        hi[0] = x[i] > hi[0] ? x[i] : hi[0];
    }
    for (int j = 1; j < 4; j++) {
        lo[0] = lo[j] < lo[0] ? lo[j] : lo[0];
        hi[0] = hi[j] > hi[0] ? hi[j] : hi[0];
    }
    const double scale = TAIL_BUCKETS / (hi[0] - lo[0]);
    if (!(hi[0] > lo[0]) || !isfinite(scale)) {
        heap_smallest(x, m, k);
        return;
    }
    unsigned count[TAIL_BUCKETS] = {0};
    for (i = 0; i < m; i++)
        count[bucket_of(x[i], lo[0], scale)]++;
    size_t last = 0, below = 0;
    while (below + count[last] < k)
        below += count[last++];
    size_t c = 0;
    for (i = 0; i < m; i++) { /* the candidates to the front, in place */
        const double v = x[i];
        x[c] = v;
        c += bucket_of(v, lo[0], scale) <= last;
    }
    if (c > INSERTION_MAX) { /* many (or bunched) values: O(c log k) */
        heap_smallest(x, c, k);
        return;
    }
    for (i = 1; i < c; i++) {
        const double v = x[i];
        size_t j = i;
        for (; j > 0 && x[j - 1] > v; j--)
            x[j] = x[j - 1];
        x[j] = v;
    }
}

void hs_metric_var_cvar(const double *r, size_t n, double level,
                        double *scratch, double *var, double *cvar)
{
    double v = NAN, cv = NAN;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(r[i]))
            scratch[m++] = r[i];
    if (m > 0 && level > 0 && level < 1) {
        double t = (double)m * (1.0 - level);
        t = round(t / VAR_K_ROUNDING) * VAR_K_ROUNDING;
        size_t k = (size_t)ceil(t);
        if (k < 1)
            k = 1;
        if (k > m)
            k = m;
        /* Only the k smallest returns matter, in ascending order: the sum
         * runs as over a fully sorted sample. */
        smallest_sorted(scratch, m, k);
        double s = 0;
        for (size_t i = 0; i < k; i++)
            s += scratch[i];
        v = -scratch[k - 1];
        cv = -s / (double)k;
    }
    if (var)
        *var = v;
    if (cvar)
        *cvar = cv;
}

/* ------------------------------------------------------------------ */
/* rolling slope                                                        */

static int finite_pair(const double *y, const double *x, size_t i)
{
    return isfinite(y[i]) && isfinite(x[i]);
}

/* Shifted sums over the finite pairs in [lo, hi]. */
typedef struct rsum {
    size_t m;
    double cx, cy, sx, sy, sxx, sxy;
} rsum;

static void rsum_add(rsum *s, double x, double y, double sign)
{
    double dx = x - s->cx, dy = y - s->cy;
    s->sx += sign * dx;
    s->sy += sign * dy;
    s->sxx += sign * dx * dx;
    s->sxy += sign * dx * dy;
}

static void rsum_rebuild(rsum *s, const double *y, const double *x, size_t lo,
                         size_t hi)
{
    double mx = 0, my = 0;
    size_t m = 0;
    for (size_t i = lo; i <= hi; i++)
        if (finite_pair(y, x, i)) {
            mx += x[i];
            my += y[i];
            m++;
        }
    s->m = m;
    s->cx = m ? mx / (double)m : 0;
    s->cy = m ? my / (double)m : 0;
    s->sx = s->sy = s->sxx = s->sxy = 0;
    for (size_t i = lo; i <= hi; i++)
        if (finite_pair(y, x, i))
            rsum_add(s, x[i], y[i], 1.0);
}

void hs_metric_rolling_slope(const double *y, const double *x, size_t n,
                             size_t window, double *out)
{
    /* The window holds the last `window` finite pairs up to t (missing steps
     * are skipped, as the beta estimators skip them); lo is the index of
     * its oldest pair.  Sums are updated in O(1) and rebuilt exactly every
     * `window` additions. */
    rsum s = {0, 0, 0, 0, 0, 0, 0};
    size_t lo = 0, added = 0;
    for (size_t t = 0; t < n; t++) {
        if (window >= 2 && finite_pair(y, x, t)) {
            if (s.m == 0) {
                s.cx = x[t];
                s.cy = y[t];
            }
            rsum_add(&s, x[t], y[t], 1.0);
            s.m++;
            if (s.m > window) { /* drop the oldest finite pair */
                while (!finite_pair(y, x, lo))
                    lo++;
                rsum_add(&s, x[lo], y[lo], -1.0);
                s.m--;
                lo++;
            }
            if (++added >= window) {
                while (!finite_pair(y, x, lo))
                    lo++;
                rsum_rebuild(&s, y, x, lo, t);
                added = 0;
            }
        }
        double v = NAN;
        if (window >= 2 && s.m == window) {
            double m = (double)s.m;
            double dxx = s.sxx - s.sx * s.sx / m;
            double dxy = s.sxy - s.sx * s.sy / m;
            if (dxx > 0)
                v = dxy / dxx;
        }
        out[t] = v;
    }
}

/* ------------------------------------------------------------------ */
/* the summary                                                          */

/* VaR and CVaR at two levels from one selection: the finite returns are
 * already in x[0..m).  With k_hi <= k_lo (level_hi >= level_lo), the k_hi
 * smallest returns in ascending order are the first k_hi of the k_lo
 * smallest sorted, so both sums run in the order hs_metric_var_cvar's do
 * (identical results).  NaN where m == 0. */
static size_t var_k(size_t m, double level)
{
    double t = (double)m * (1.0 - level);
    t = round(t / VAR_K_ROUNDING) * VAR_K_ROUNDING;
    size_t k = (size_t)ceil(t);
    if (k < 1)
        k = 1;
    return k > m ? m : k;
}

static void var_cvar_pair(double *x, size_t m, double lo, double hi,
                          double v[2], double cv[2])
{
    v[0] = v[1] = cv[0] = cv[1] = NAN;
    if (m == 0)
        return;
    const size_t k[2] = {var_k(m, lo), var_k(m, hi)};
    if (k[1] > k[0]) /* (not with lo < hi; kept general) */
        return;
    smallest_sorted(x, m, k[0]);
    for (int j = 0; j < 2; j++) {
        double sum = 0;
        for (size_t i = 0; i < k[j]; i++)
            sum += x[i];
        v[j] = -x[k[j] - 1];
        cv[j] = -sum / (double)k[j];
    }
}

/* x, or 0 where it is not finite: added to a sum that starts at +0 this
 * is the same, bit for bit, as skipping x (s + 0 is s for every s but -0,
 * and a sum of finite values from +0 is never -0), without a branch. */
static inline double finite_or_zero(double x) { return isfinite(x) ? x : 0; }

/* The second pass's sums (hs_metrics_compute). */
typedef struct moments2 {
    double ss_h, uhh, uuu, ss_te, bmm, bhm;
} moments2;

/* Centred second moments of the hedged returns rh (about mean_h), of rh
 * and the unhedged ru where both are finite (about u_h, u_u), and of rh
 * against the benchmark rm (tracking to tb rm + te; about b_h, b_m).  Out
 * of line, and in two loops: inlined into its caller, whose calls clobber
 * every vector register, one sum was kept in memory, a store and a load on
 * its chain at every step.  Each sum takes its terms in index order. */
__attribute__((noinline)) static moments2
second_moments(const double *rh, const double *ru, const double *rm, size_t n,
               double mean_h, double u_h, double u_u, double tb, double te,
               double b_h, double b_m)
{
    double ss_h = 0, uhh = 0, uuu = 0, ss_te = 0, bmm = 0, bhm = 0;
    for (size_t i = 0; i < n; i++) {
        const double r = rh[i];
        if (!isfinite(r))
            continue;
        double d = r - mean_h;
        ss_h += d * d;
        if (ru && isfinite(ru[i])) {
            double da = r - u_h, db = ru[i] - u_u;
            uhh += da * da;
            uuu += db * db;
        }
    }
    for (size_t i = 0; rm && i < n; i++) {
        const double r = rh[i];
        if (!isfinite(r) || !isfinite(rm[i]))
            continue;
        double dt = r - tb * rm[i] - te;
        ss_te += dt * dt;
        double da = r - b_h, db = rm[i] - b_m;
        bmm += db * db;
        bhm += da * db;
    }
    return (moments2){ss_h, uhh, uuu, ss_te, bmm, bhm};
}

/* Every metric from two passes over the returns and one over each other
 * series (the functions above make one or two passes each).  Each sum is
 * formed term by term in the same order and with the same operations as in
 * those functions, so the results are theirs bit for bit
 * (tests/check_metrics.c compares them). */
int hs_metrics_compute(const hs_metrics_input *in, hs_metrics *out,
                       double *scratch)
{
    if (!in || !out || !scratch || !in->equity || !in->r_h)
        return hs_error_set(HS_EINVAL,
                            "metrics: input, output, scratch, equity and r_h "
                            "are required");
    if (in->n < 2)
        return hs_error_set(HS_EINVAL, "metrics: need at least 2 steps, got %zu",
                            in->n);
    const double A = in->periods_per_year;
    if (!(A > 0) || !isfinite(A))
        return hs_error_set(HS_EINVAL,
                            "metrics: periods_per_year must be positive, got %g",
                            A);
    const size_t n = in->n;
    const double *rh = in->r_h, *ru = in->r_u, *rm = in->r_m;
    const double tb = in->target_beta;
    const double *costs[4] = {in->fees, in->slippage, in->funding,
                              in->premium};

    /* Pass 1: sums for the means, the compounded growth, the drawdown of
     * the wealth index; the finite returns into scratch for VaR. */
    size_t m = 0, mu = 0, mm = 0, me = 0;
    double growth = 1, s_h = 0;           /* finite r_h */
    double w = 1, peak = 1, mdd = 0;      /* wealth index */
    double u_h = 0, u_u = 0;              /* pairs (r_h, r_u) */
    double te = 0, b_h = 0, b_m = 0;      /* pairs (r_h, r_m) */
    double s_eq = 0, s_tr = 0, s_c[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        const double r = rh[i];
        if (isfinite(r)) {
            growth *= 1.0 + r;
            s_h += r;
            scratch[m++] = r;
            w *= 1.0 + r;
            if (w > peak)
                peak = w;
            double dd = (peak - w) / peak;
            if (dd > mdd)
                mdd = dd;
            if (ru && isfinite(ru[i])) {
                u_h += r;
                u_u += ru[i];
                mu++;
            }
            if (rm && isfinite(rm[i])) {
                te += r - tb * rm[i];
                b_h += r;
                b_m += rm[i];
                mm++;
            }
        }
    }
    /* The other sums: each over the steps in the same order (only its own
     * order matters), side by side when every series is there (an engine's
     * run), a loop each otherwise. */
    if (in->traded && costs[0] && costs[1] && costs[2] && costs[3]) {
        const double *c0 = costs[0], *c1 = costs[1], *c2 = costs[2],
                     *c3 = costs[3];
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0; /* registers, not s_c */
        for (size_t i = 0; i < n; i++) {
            me += isfinite(in->equity[i]);
            s_eq += finite_or_zero(in->equity[i]);
            s_tr += finite_or_zero(in->traded[i]);
            a0 += finite_or_zero(c0[i]);
            a1 += finite_or_zero(c1[i]);
            a2 += finite_or_zero(c2[i]);
            a3 += finite_or_zero(c3[i]);
        }
        s_c[0] = a0;
        s_c[1] = a1;
        s_c[2] = a2;
        s_c[3] = a3;
    } else {
        s_eq = finite_sum(in->equity, n, &me);
        if (in->traded)
            s_tr = finite_sum(in->traded, n, NULL);
        for (int k = 0; k < 4; k++)
            if (costs[k])
                s_c[k] = finite_sum(costs[k], n, NULL);
    }
    const double mean_h = m ? s_h / (double)m : NAN;
    if (mu) {
        u_h /= (double)mu;
        u_u /= (double)mu;
    }
    if (mm) {
        b_h /= (double)mm;
        b_m /= (double)mm;
        te /= (double)mm;
    }

    /* Pass 2: centred second moments. */
    const moments2 m2 = second_moments(rh, ru, rm, n, mean_h, u_h, u_u, tb, te,
                                       b_h, b_m);
    const double ss_h = m2.ss_h, uhh = m2.uhh, uuu = m2.uuu,
                 ss_te = m2.ss_te, bmm = m2.bmm, bhm = m2.bhm;

    out->hedge_effectiveness =
        ru && mu >= 2 && uuu > 0 ? 1.0 - uhh / uuu : NAN;
    out->tracking_error = rm && mm >= 2 && isfinite(tb)
                              ? sqrt(A * ss_te / (double)(mm - 1))
                              : NAN;
    out->residual_beta = rm && mm >= 2 && bmm > 0 ? bhm / bmm : NAN;

    out->total_return = m ? growth - 1.0 : NAN;
    out->years = (double)m / A;
    if (m == 0)
        out->ann_return = NAN;
    else if (growth <= 0)
        out->ann_return = -1.0; /* ruin */
    else
        out->ann_return = pow(growth, A / (double)m) - 1.0;

    double var = m < 2 ? NAN : ss_h / (double)(m - 1);
    out->ann_vol = sqrt(A * var);
    out->sharpe = out->ann_vol > 0
                      ? (mean_h * A - in->risk_free) / out->ann_vol
                      : NAN;
    out->max_drawdown = m ? mdd : NAN;

    double v[2], cv[2];
    var_cvar_pair(scratch, m, 0.95, 0.99, v, cv);
    out->var95 = v[0];
    out->cvar95 = cv[0];
    out->var99 = v[1];
    out->cvar99 = cv[1];

    /* Costs: the P&L series are signed (a cost is negative); the summary
     * reports totals with a cost positive. */
    out->fees = -s_c[0];
    out->slippage = -s_c[1];
    out->funding = -s_c[2];
    out->premium = -s_c[3];

    double eq = me ? s_eq / (double)me : NAN;
    double per_year = A / (double)n;
    out->turnover = in->traded && eq > 0 ? s_tr / eq * per_year : NAN;
    out->hedge_cost_drag =
        eq > 0 ? (out->fees + out->slippage + out->funding + out->premium) /
                     eq * per_year
               : NAN;
    return 0;
}

double hs_metric_annual_shown(double ann, double years)
{
    return years >= 1 ? ann : NAN;
}
