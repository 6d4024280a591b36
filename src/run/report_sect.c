/* The report's sections for stress, analyze, sweep and Monte Carlo files
 * (docs/results-format.md, docs/report.md).  Each is chosen by the group
 * the file has; what a section needs beyond its table is optional, so a
 * file from a newer hedgesim with more in it still reports. */
#include "report_int.h"

#include "hedgesim/errors.h"
#include "hedgesim/results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRY(x)                                                                 \
    do {                                                                       \
        if ((rc = (x)) != 0)                                                   \
            goto done;                                                         \
    } while (0)

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double hs_report__quantile(const double *v, size_t n, double p)
{
    double *s = malloc((n ? n : 1) * sizeof *s), h, q;
    size_t m = 0, lo;

    if (!s)
        return NAN;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            s[m++] = v[i];
    if (m == 0) {
        free(s);
        return NAN;
    }
    qsort(s, m, sizeof *s, cmp_double);
    h = (double)(m - 1) * p;
    lo = (size_t)floor(h);
    q = lo + 1 < m ? s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]) : s[m - 1];
    free(s);
    return q;
}

/* Index of `s` in names[0..n-1], appending it when missing; -1 if full. */
static int intern(const char **names, size_t *n, size_t max, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    if (*n == max)
        return -1;
    names[*n] = s;
    return (int)(*n)++;
}

/* A heat map of value(row) over the categories of columns xcol and ycol
 * (strings), value = scale * (num[a] - num[b]) (b < 0: num[a] alone). */
static int heat(hs_page *pg, const hs_rtab *t, int xcol, int ycol, int a,
                int b, double scale, const char *title, const char *xname,
                const char *yname, const char *vname, const char *unit)
{
    const char **xs = calloc(t->nrows + 1, sizeof *xs);
    const char **ys = calloc(t->nrows + 1, sizeof *ys);
    size_t nx = 0, ny = 0;
    double lo = INFINITY, hi = -INFINITY;
    hs_rbuf *c = &pg->charts;

    if (!xs || !ys) {
        free(xs);
        free(ys);
        return hs_error_set(HS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < t->nrows; i++) {
        intern(xs, &nx, t->nrows, t->str[xcol][i]);
        intern(ys, &ny, t->nrows, t->str[ycol][i]);
    }
    hs_report__page_chart(pg, "heatmap", title, "category", xname, yname, NULL);
    /* hs_report__page_key_strings writes a leading comma: "v" comes first */
    hs_report__buf_puts(c, ",\"heatmap\":{\"v\":1");
    hs_report__page_key_strings(pg, "xcats", xs, nx);
    hs_report__page_key_strings(pg, "ycats", ys, ny);
    hs_report__buf_puts(c, ",\"vname\":");
    hs_report__buf_json_str(c, vname);
    hs_report__buf_puts(c, ",\"unit\":");
    hs_report__buf_json_str(c, unit);
    hs_report__buf_puts(c, ",\"digits\":1,\"cells\":[");
    for (size_t i = 0; i < t->nrows; i++) {
        double v = t->num[a][i] - (b >= 0 ? t->num[b][i] : 0);
        v *= scale;
        hs_report__buf_printf(c, "%s[%d,%d,", i ? "," : "",
                       intern(xs, &nx, t->nrows, t->str[xcol][i]),
                       intern(ys, &ny, t->nrows, t->str[ycol][i]));
        hs_report__buf_json_num(c, v);
        hs_report__buf_puts(c, "]");
        if (isfinite(v)) {
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    }
    if (!(lo <= hi))
        lo = hi = 0;
    /* symmetric around 0, so that the neutral colour means "no change" */
    {
        double m = fmax(fabs(lo), fabs(hi));
        if (m == 0)
            m = 1;
        hs_report__buf_printf(c, "],\"min\":%.8g,\"max\":%.8g}", -m, m);
    }
    hs_report__page_chart_end(pg);
    free(xs);
    free(ys);
    return 0;
}

/* ---- stress -------------------------------------------------------------- */

int hs_report__stress(hs_page *pg)
{
    hs_rtab t = {0};
    char **wins = NULL, p[512];
    size_t nw = 0;
    int rc = 0, w, r, he, mh, mu;

    hs_report__buf_puts(&pg->body, "<section id=\"stress\"><h2>Stress windows</h2>\n");
    TRY(hs_report__table(pg->file, "/stress/summary", &t));
    /* each window's data notes, in plain sight */
    if (hs_h5_read_attr_strings(pg->file, "/stress", "windows", &wins, &nw))
        hs_error_clear();
    for (size_t k = 0; k < nw; k++) {
        char *notes = NULL;
        snprintf(p, sizeof p, "/stress/%s", wins[k]);
        if (hs_h5_read_attr_str(pg->file, p, "data_notes", &notes) == 0 &&
            notes[0]) {
            hs_report__buf_puts(&pg->body, "<div class=\"warn\"><h3>Data notes: ");
            hs_report__buf_html(&pg->body, wins[k]);
            hs_report__buf_puts(&pg->body, "</h3><pre>");
            hs_report__buf_html(&pg->body, notes);
            hs_report__buf_puts(&pg->body, "</pre></div>\n");
        }
        hs_error_clear();
        free(notes);
    }
    w = hs_report__col(&t, "window");
    r = hs_report__col(&t, "run");
    he = hs_report__col(&t, "hedge_effectiveness");
    mh = hs_report__col(&t, "mdd_hedged");
    mu = hs_report__col(&t, "mdd_unhedged");
    if (w >= 0 && r >= 0 && t.is_str[w] && t.is_str[r] && t.nrows > 0) {
        hs_report__buf_puts(&pg->body, "<div class=\"charts\">\n");
        if (he >= 0 && !t.is_str[he]) {
            TRY(heat(pg, &t, w, r, he, -1, 100,
                     "Hedge effectiveness by run and window", "window", "run",
                     "HE (%)", "%"));
            hs_report__page_caption(pg, "1 - Var(hedged)/Var(unhedged) over each "
                                "window, in %: blue hedged well, red made "
                                "the variance worse.");
        }
        if (mh >= 0 && mu >= 0 && !t.is_str[mh] && !t.is_str[mu]) {
            TRY(heat(pg, &t, w, r, mu, mh, 100,
                     "Drawdown reduction by run and window", "window", "run",
                     "DD cut (pp)", "pp"));
            hs_report__page_caption(pg, "Maximum drawdown of the unhedged book minus "
                                "that of the run, in percentage points: "
                                "positive (blue) when the hedge cut it.");
        }
        hs_report__buf_puts(&pg->body, "</div>\n");
    }
    hs_report__buf_puts(&pg->body, "<h3>Stress summary</h3>\n");
    hs_report__page_table(pg, &t, "/stress/summary", NULL, t.nrows);
    hs_report__buf_puts(&pg->body, "</section>\n");
done:
    hs_h5_strings_free(wins, nw);
    hs_report__table_free(&t);
    return rc;
}

/* ---- analyze ------------------------------------------------------------- */

static const char *const ANALYZE_BARS[][2] = {
    {"beta_pre", "beta before"},
    {"beta_crisis", "beta during"},
    {"corr_pre", "correlation before"},
    {"corr_crisis", "correlation during"},
};

int hs_report__analyze(hs_page *pg)
{
    hs_rtab t = {0}, it = {0};
    char p[512], title[512];
    int rc = 0, w;

    hs_report__buf_puts(&pg->body,
                 "<section id=\"analyze\"><h2>Beta and correlation around "
                 "each window</h2>\n");
    TRY(hs_report__table(pg->file, "/analytics/summary", &t));
    hs_report__page_table(pg, &t, "/analytics/summary", NULL, t.nrows);
    w = hs_report__col(&t, "window");
    hs_report__buf_puts(&pg->body, "<div class=\"charts\">\n");
    for (size_t i = 0; w >= 0 && t.is_str[w] && i < t.nrows; i++) {
        const char *win = t.str[w][i];
        int item, v;
        char *verdict = NULL;
        snprintf(p, sizeof p, "/analytics/%s/summary", win);
        hs_report__table_free(&it);
        if (hs_report__table(pg->file, p, &it)) {
            hs_error_clear();
            continue;
        }
        if ((item = hs_report__col(&it, "item")) < 0 || !it.is_str[item])
            continue;
        snprintf(title, sizeof title, "%s: beta and correlation to the "
                                      "benchmark, before and during",
                 win);
        hs_report__page_chart(pg, "bar", title, "category", "item", "beta, correlation (1)",
                      NULL);
        hs_report__page_key_strings(pg, "cats", (const char *const *)it.str[item],
                            it.nrows);
        for (size_t k = 0; k < 4; k++)
            if ((v = hs_report__col(&it, ANALYZE_BARS[k][0])) >= 0 &&
                !it.is_str[v])
                hs_report__page_series(pg, ANALYZE_BARS[k][1], it.num[v], it.nrows, 1);
        hs_report__page_chart_end(pg);
        snprintf(p, sizeof p, "/analytics/%s", win);
        if (hs_h5_read_attr_str(pg->file, p, "verdict", &verdict) == 0)
            hs_report__page_caption(pg, verdict);
        hs_error_clear();
        free(verdict);
    }
    hs_report__buf_puts(&pg->body, "</div>\n</section>\n");
done:
    hs_report__table_free(&it);
    hs_report__table_free(&t);
    return rc;
}

/* ---- sweep --------------------------------------------------------------- */

/* Columns of a run summary (and other non-key columns of a sweep table). */
static const char *const NOT_KEYS[] = {
    "run", "type", "point", "index", "hedge_effectiveness", "tracking_error",
    "residual_beta", "ann_return", "ann_vol", "sharpe", "max_drawdown", "var95",
    "cvar95", "var99", "cvar99", "turnover", "fees", "slippage", "funding",
    "premium", "hedge_cost_drag", "total_return",
};

static int is_key(const hs_rtab *t, size_t j)
{
    if (t->is_str[j])
        return 0;
    for (size_t k = 0; k < sizeof NOT_KEYS / sizeof NOT_KEYS[0]; k++)
        if (strcmp(t->names[j], NOT_KEYS[k]) == 0)
            return 0;
    for (size_t i = 1; i < t->nrows; i++)
        if (t->num[j][i] != t->num[j][0])
            return 1;
    return 0;
}

/* The distinct values of v, sorted; *m of them (out has room for n). */
static void distinct(const double *v, size_t n, double *out, size_t *m)
{
    *m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < *m && out[k] != v[i])
            k++;
        if (k == *m && isfinite(v[i]))
            out[(*m)++] = v[i];
    }
    qsort(out, *m, sizeof *out, cmp_double);
}

static size_t find_value(const double *v, size_t m, double x)
{
    size_t k = 0;
    while (k < m && v[k] != x)
        k++;
    return k;
}

static int by_he_desc(const void *a, const void *b, const double *he)
{
    double x = he[*(const size_t *)a], y = he[*(const size_t *)b];
    int fx = isfinite(x), fy = isfinite(y);
    if (fx != fy)
        return fy - fx;
    if (x != y)
        return (x < y) - (x > y);
    return (*(const size_t *)a > *(const size_t *)b) -
           (*(const size_t *)a < *(const size_t *)b);
}

/* qsort has no context argument in C11: a small insertion sort is enough
 * for an index of a few thousand rows, and a merge sort beyond. */
static void sort_index(size_t *ix, size_t n, const double *he, size_t *tmp)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_index(ix, h, he, tmp);
    sort_index(ix + h, n - h, he, tmp);
    size_t a = 0, b = h, k = 0;
    while (a < h && b < n)
        tmp[k++] = by_he_desc(&ix[b], &ix[a], he) < 0 ? ix[b++] : ix[a++];
    while (a < h)
        tmp[k++] = ix[a++];
    while (b < n)
        tmp[k++] = ix[b++];
    memcpy(ix, tmp, n * sizeof *ix);
}

#define SWEEP_SHOW 10

int hs_report__sweep(hs_page *pg)
{
    hs_rtab t = {0};
    size_t keys[2], nk = 0, *ix = NULL, *tmp = NULL, shown[2 * SWEEP_SHOW];
    double *xs = NULL, *ys = NULL, *cell = NULL;
    char title[512], buf[64];
    int rc = 0, he;

    hs_report__buf_puts(&pg->body, "<section id=\"sweep\"><h2>Parameter sweep</h2>\n");
    TRY(hs_report__table(pg->file, "/sweep/summary", &t));
    he = hs_report__col(&t, "hedge_effectiveness");
    for (size_t j = 0; j < t.ncols; j++)
        if (is_key(&t, j)) {
            if (nk < 2)
                keys[nk] = j;
            nk++;
        }
    hs_report__buf_printf(&pg->body,
                   "<p>%zu grid points, %zu varied key%s.</p>\n", t.nrows, nk,
                   nk == 1 ? "" : "s");
    if (he >= 0 && !t.is_str[he] && t.nrows > 0) {
        if (!(ix = malloc(t.nrows * sizeof *ix)) ||
            !(tmp = malloc(t.nrows * sizeof *tmp))) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < t.nrows; i++)
            ix[i] = i;
        sort_index(ix, t.nrows, t.num[he], tmp);
    }
    hs_report__buf_puts(&pg->body, "<div class=\"charts\">\n");
    if (ix && nk >= 2) {
        size_t mx, my;
        const char *xn = t.names[keys[0]], *yn = t.names[keys[1]];
        hs_rbuf *c = &pg->charts;
        double lo = INFINITY, hi = -INFINITY;
        if (!(xs = malloc(t.nrows * sizeof *xs)) ||
            !(ys = malloc(t.nrows * sizeof *ys))) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        distinct(t.num[keys[0]], t.nrows, xs, &mx);
        distinct(t.num[keys[1]], t.nrows, ys, &my);
        if (!(cell = malloc((mx * my > 0 ? mx * my : 1) * sizeof *cell))) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t k = 0; k < mx * my; k++)
            cell[k] = NAN;
        /* the best HE of each cell over any further varied keys */
        for (size_t i = 0; i < t.nrows; i++) {
            size_t a = find_value(xs, mx, t.num[keys[0]][i]);
            size_t b = find_value(ys, my, t.num[keys[1]][i]);
            double v = t.num[he][i];
            if (a < mx && b < my && isfinite(v) &&
                !(cell[b * mx + a] >= v))
                cell[b * mx + a] = v;
        }
        snprintf(title, sizeof title, "Hedge effectiveness over %s and %s",
                 xn, yn);
        hs_report__page_chart(pg, "heatmap", title, "category", xn, yn, NULL);
        hs_report__buf_puts(c, ",\"heatmap\":{\"xcats\":[");
        for (size_t a = 0; a < mx; a++)
            hs_report__buf_printf(c, "%s\"%s\"", a ? "," : "",
                           hs_report__page_fmt(xs[a], buf, sizeof buf));
        hs_report__buf_puts(c, "],\"ycats\":[");
        for (size_t b = 0; b < my; b++)
            hs_report__buf_printf(c, "%s\"%s\"", b ? "," : "",
                           hs_report__page_fmt(ys[b], buf, sizeof buf));
        hs_report__buf_puts(c, "],\"vname\":\"HE (%)\",\"unit\":\"%\",\"digits\":1,"
                        "\"cells\":[");
        for (size_t b = 0, first = 1; b < my; b++)
            for (size_t a = 0; a < mx; a++) {
                double v = 100 * cell[b * mx + a];
                hs_report__buf_printf(c, "%s[%zu,%zu,", first ? "" : ",", a, b);
                hs_report__buf_json_num(c, v);
                hs_report__buf_puts(c, "]");
                first = 0;
                if (isfinite(v)) {
                    lo = v < lo ? v : lo;
                    hi = v > hi ? v : hi;
                }
            }
        if (!(lo <= hi))
            lo = hi = 0;
        if (lo == hi)
            hi = lo + 1;
        hs_report__buf_printf(c, "],\"min\":%.8g,\"max\":%.8g}", lo, hi);
        hs_report__page_chart_end(pg);
        hs_report__page_caption(pg, nk > 2 ? "1 - Var(hedged)/Var(unhedged) in %; "
                                     "each cell is the best over the other "
                                     "varied keys."
                                   : "1 - Var(hedged)/Var(unhedged) in %.");
    } else if (ix && nk == 1) {
        /* one key: HE against it, points in the key's order */
        size_t m;
        double *hv;
        if (!(xs = malloc(t.nrows * sizeof *xs)) ||
            !(ys = malloc(t.nrows * sizeof *ys))) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        distinct(t.num[keys[0]], t.nrows, xs, &m);
        hv = ys;
        for (size_t a = 0; a < m; a++) {
            hv[a] = NAN;
            for (size_t i = 0; i < t.nrows; i++)
                if (t.num[keys[0]][i] == xs[a] && !(hv[a] >= t.num[he][i]))
                    hv[a] = t.num[he][i];
        }
        snprintf(title, sizeof title, "Hedge effectiveness against %s",
                 t.names[keys[0]]);
        hs_report__page_chart(pg, "line", title, "value", t.names[keys[0]],
                      "hedge effectiveness (%)", NULL);
        hs_report__page_key_numbers(pg, "xs", xs, m, 1);
        hs_report__page_series(pg, "hedge effectiveness", hv, m, 100);
        hs_report__page_chart_end(pg);
    }
    hs_report__buf_puts(&pg->body, "</div>\n");
    if (ix) {
        size_t k = t.nrows < SWEEP_SHOW ? t.nrows : SWEEP_SHOW, ns = 0;
        for (size_t i = 0; i < k; i++)
            shown[ns++] = ix[i];
        hs_report__buf_puts(&pg->body, "<h3>Best grid points by hedge effectiveness</h3>\n");
        hs_report__page_table(pg, &t, "/sweep/summary", shown, ns);
        if (t.nrows > SWEEP_SHOW) {
            ns = 0;
            for (size_t i = t.nrows - k; i < t.nrows; i++)
                shown[ns++] = ix[i];
            hs_report__buf_puts(&pg->body, "<h3>Worst grid points</h3>\n");
            hs_report__page_table(pg, &t, "/sweep/summary", shown, ns);
        }
    } else {
        hs_report__page_table(pg, &t, "/sweep/summary", NULL, t.nrows < 50 ? t.nrows : 50);
    }
    hs_report__buf_puts(&pg->body, "</section>\n");
done:
    free(ix);
    free(tmp);
    free(xs);
    free(ys);
    free(cell);
    hs_report__table_free(&t);
    return rc;
}

/* ---- Monte Carlo --------------------------------------------------------- */

static const double DEFAULT_LEVELS[] = {1, 5, 25, 50, 75, 95, 99};
#define N_DEFAULT_LEVELS 7
#define MAX_LEVELS 16

/* Quantile levels (in %) from an attribute `quantiles` or `levels` of
 * obj, else the defaults when there are n of them; 0 if none fit. */
static size_t levels(const char *file, const char *obj, size_t n, double *lv)
{
    static const char *const names[] = {"quantiles", "levels"};
    for (size_t k = 0; k < 2; k++) {
        /* attributes of several values: read through hs_report__attrs */
        char **keys = NULL, **vals = NULL;
        size_t na = 0;
        if (hs_report__attrs(file, obj, &keys, &vals, &na) == 0) {
            for (size_t i = 0; i < na; i++) {
                if (strcmp(keys[i], names[k]) != 0)
                    continue;
                size_t m = 0;
                char *s = vals[i], *e;
                while (*s && m < MAX_LEVELS) {
                    double x = strtod(s, &e);
                    if (e == s)
                        break;
                    lv[m++] = x;
                    s = e;
                    while (*s == ',' || *s == ' ')
                        s++;
                }
                if (m == n) {
                    int frac = 1;
                    for (size_t j = 0; j < m; j++)
                        frac = frac && lv[j] <= 1;
                    for (size_t j = 0; frac && j < m; j++)
                        lv[j] *= 100;
                    hs_h5_strings_free(keys, na);
                    hs_h5_strings_free(vals, na);
                    return m;
                }
            }
            hs_h5_strings_free(keys, na);
            hs_h5_strings_free(vals, na);
        }
        hs_error_clear();
    }
    if (n == N_DEFAULT_LEVELS) {
        memcpy(lv, DEFAULT_LEVELS, sizeof DEFAULT_LEVELS);
        return n;
    }
    return 0;
}

/* The x axis of a band of `n` steps: a `time` dataset beside it (or in the
 * run's group, or /calendar/time) of that length, else step numbers. */
static void band_axis(hs_page *pg, const char *run, size_t n, char *taxis,
                      int *is_time)
{
    char p[3][512];
    snprintf(p[0], sizeof p[0], "/mc/%s/bands/time", run);
    snprintf(p[1], sizeof p[1], "/mc/%s/time", run);
    snprintf(p[2], sizeof p[2], "/calendar/time");
    *is_time = 0;
    for (size_t k = 0; k < 3; k++) {
        int64_t *t = NULL;
        size_t m;
        if (hs_h5_read_i64(pg->file, p[k], &t, &m) == 0 && m == n && n > 0) {
            hs_report__page_times(pg, t, n, taxis);
            *is_time = 1;
            free(t);
            return;
        }
        free(t);
        hs_error_clear();
    }
}

/* One fan chart from q[L][n] (levels lv, in %). */
static void fan(hs_page *pg, const char *title, const char *yname,
                const double *lv, size_t L, const double *const *q, size_t n,
                const char *taxis, int is_time)
{
    hs_rbuf *c = &pg->charts;
    double *xs = NULL;

    hs_report__page_chart(pg, "fan", title, is_time ? "time" : "value",
                  is_time ? "date (UTC)" : "step", yname,
                  is_time ? taxis : NULL);
    if (!is_time && (xs = malloc((n ? n : 1) * sizeof *xs))) {
        for (size_t i = 0; i < n; i++)
            xs[i] = (double)i;
        hs_report__page_key_numbers(pg, "xs", xs, n, 1);
        free(xs);
    }
    hs_report__buf_puts(c, ",\"fan\":{\"levels\":[");
    for (size_t k = 0; k < L; k++)
        hs_report__buf_printf(c, "%s%.6g", k ? "," : "", lv[k]);
    hs_report__buf_puts(c, "],\"q\":[");
    for (size_t k = 0; k < L; k++) {
        hs_report__buf_puts(c, k ? ",[" : "[");
        for (size_t i = 0; i < n; i++) {
            if (i)
                hs_report__buf_puts(c, ",");
            hs_report__buf_json_num(c, q[k][i]);
        }
        hs_report__buf_puts(c, "]");
    }
    hs_report__buf_puts(c, "]}");
    hs_report__page_chart_end(pg);
}

/* Level of a band column "<prefix>..<digits>" ("pnl_q05", "pnl_p95",
 * "pnl_50"), or -1. */
static double col_level(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    const char *s;
    if (strncmp(name, prefix, n) != 0)
        return -1;
    s = name + n;
    while (*s && (*s < '0' || *s > '9'))
        s++;
    if (!*s)
        return -1;
    return strtod(s, NULL);
}

/* Fans of the band `what` ("pnl", "hedge_ratio") of run `run`: from a 2-D
 * dataset /mc/<run>/bands/<what> ([steps x levels] or [levels x steps]),
 * or from the columns "<what>_q<NN>" of a bands table. */
static void band(hs_page *pg, const char *run, const char *what,
                 const char *title, const char *yname, double scale)
{
    char p[512], taxis[16];
    double *v = NULL, lv[MAX_LEVELS], *q[MAX_LEVELS] = {0};
    const double *qc[MAX_LEVELS];
    size_t r, c, L = 0, n = 0;
    int is_time;
    hs_rtab t = {0};

    snprintf(p, sizeof p, "/mc/%s/bands/%s", run, what);
    if (hs_report__numbers(pg->file, p, &v, &r, &c) == 0 && c > 1) {
        int by_row = (L = levels(pg->file, p, c, lv)) > 0;
        if (!by_row) {
            snprintf(p, sizeof p, "/mc/%s/bands", run);
            by_row = (L = levels(pg->file, p, c, lv)) > 0;
        }
        if (!by_row) {
            snprintf(p, sizeof p, "/mc/%s/bands/%s", run, what);
            L = levels(pg->file, p, r, lv);
            if (!L) {
                snprintf(p, sizeof p, "/mc/%s/bands", run);
                L = levels(pg->file, p, r, lv);
            }
        }
        n = by_row ? r : c;
        for (size_t k = 0; k < L; k++) {
            if (!(q[k] = malloc((n ? n : 1) * sizeof(double))))
                goto done;
            for (size_t i = 0; i < n; i++)
                q[k][i] = scale * (by_row ? v[i * c + k] : v[k * c + i]);
        }
    } else {
        int idx[MAX_LEVELS];
        hs_error_clear();
        snprintf(p, sizeof p, "/mc/%s/bands", run);
        if (hs_report__table(pg->file, p, &t) != 0)
            goto done;
        for (size_t j = 0; j < t.ncols && L < MAX_LEVELS; j++) {
            double l = t.is_str[j] ? -1 : col_level(t.names[j], what);
            if (l >= 0) {
                lv[L] = l;
                idx[L++] = (int)j;
            }
        }
        /* levels in order (insertion sort of a handful) */
        for (size_t a = 1; a < L; a++)
            for (size_t b = a; b > 0 && lv[b - 1] > lv[b]; b--) {
                int ti = idx[b];
                double tl = lv[b];
                idx[b] = idx[b - 1];
                lv[b] = lv[b - 1];
                idx[b - 1] = ti;
                lv[b - 1] = tl;
            }
        n = t.nrows;
        for (size_t k = 0; k < L; k++) {
            if (!(q[k] = malloc((n ? n : 1) * sizeof(double))))
                goto done;
            for (size_t i = 0; i < n; i++)
                q[k][i] = scale * t.num[idx[k]][i];
        }
    }
    if (L < 2 || n == 0)
        goto done;
    band_axis(pg, run, n, taxis, &is_time);
    for (size_t k = 0; k < L; k++)
        qc[k] = q[k];
    fan(pg, title, yname, lv, L, qc, n, taxis, is_time);
done:
    hs_error_clear();
    for (size_t k = 0; k < MAX_LEVELS; k++)
        free(q[k]);
    free(v);
    hs_report__table_free(&t);
}

static const char *const HE_NAMES[] = {"hedge_effectiveness", "he", "HE"};

/* Histogram bins of the finite values of v: Sturges' rule,
 * ceil(log2 m) + 1 bins (Sturges 1926), over [min, max]. */
static int histogram(hs_page *pg, const double *v, size_t n, double scale,
                     const char *title, const char *xname)
{
    double lo = INFINITY, hi = -INFINITY;
    size_t m = 0, nb;
    double *cnt = NULL;
    char **labels = NULL, a[32], b[32];
    int rc = 0;

    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            lo = fmin(lo, v[i] * scale);
            hi = fmax(hi, v[i] * scale);
            m++;
        }
    if (m == 0)
        return 0;
    nb = (size_t)ceil(log2((double)m)) + 1;
    if (hi == lo)
        nb = 1;
    if (!(cnt = calloc(nb, sizeof *cnt)) || !(labels = calloc(nb, sizeof *labels))) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            double x = v[i] * scale;
            size_t k = hi > lo ? (size_t)((x - lo) / (hi - lo) * (double)nb) : 0;
            cnt[k < nb ? k : nb - 1] += 1;
        }
    for (size_t k = 0; k < nb; k++) {
        double w = (hi - lo) / (double)nb;
        snprintf(a, sizeof a, "%.3g", lo + w * (double)k);
        snprintf(b, sizeof b, "%.3g", lo + w * (double)(k + 1));
        size_t len = strlen(a) + strlen(b) + 8;
        if (!(labels[k] = malloc(len))) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        snprintf(labels[k], len, "%s to %s", a, b);
    }
    hs_report__page_chart(pg, "bar", title, "category", xname, "paths", NULL);
    hs_report__page_key_strings(pg, "cats", (const char *const *)labels, nb);
    hs_report__page_series(pg, "paths", cnt, nb, 1);
    hs_report__page_chart_end(pg);
done:
    if (labels)
        hs_h5_strings_free(labels, nb);
    free(cnt);
    return rc;
}

int hs_report__mc(hs_page *pg)
{
    char **runs = NULL, p[512], title[512], buf[3][64];
    size_t nr = 0;
    hs_rtab t = {0};
    int rc = 0;

    hs_report__buf_puts(&pg->body, "<section id=\"mc\"><h2>Monte Carlo</h2>\n");
    TRY(hs_report__children(pg->file, "/mc", &runs, &nr));
    for (size_t k = 0; k < nr; k++) {
        int he = -1;
        snprintf(p, sizeof p, "/mc/%s/paths", runs[k]);
        int has_paths = hs_h5_exists(pg->file, p) == 1;
        snprintf(p, sizeof p, "/mc/%s/bands", runs[k]);
        int has_bands = hs_h5_exists(pg->file, p) == 1;
        hs_error_clear();
        if (!has_paths && !has_bands)
            continue;
        hs_report__buf_puts(&pg->body, "<h3>");
        hs_report__buf_html(&pg->body, runs[k]);
        hs_report__buf_puts(&pg->body, "</h3>\n<div class=\"charts\">\n");
        if (has_bands) {
            snprintf(title, sizeof title, "%s: P&L fan across paths", runs[k]);
            band(pg, runs[k], "pnl", title, "P&L (USD)", 1);
            snprintf(title, sizeof title, "%s: hedge ratio across paths",
                     runs[k]);
            band(pg, runs[k], "hedge_ratio", title, "hedge ratio (1)", 1);
        }
        hs_report__table_free(&t);
        if (has_paths) {
            snprintf(p, sizeof p, "/mc/%s/paths", runs[k]);
            TRY(hs_report__table(pg->file, p, &t));
            for (size_t h = 0; h < 3 && he < 0; h++)
                he = hs_report__col(&t, HE_NAMES[h]);
            if (he >= 0 && !t.is_str[he]) {
                snprintf(title, sizeof title,
                         "%s: hedge effectiveness across %zu paths", runs[k],
                         t.nrows);
                TRY(histogram(pg, t.num[he], t.nrows, 100, title,
                              "hedge effectiveness (%)"));
            }
        }
        hs_report__buf_puts(&pg->body, "</div>\n");
        if (has_paths) {
            /* quantiles of every numeric column across paths */
            hs_report__buf_puts(&pg->body,
                         "<div class=\"tablewrap\"><table class=\"num\"><thead>"
                         "<tr><th>across paths</th><th>5 %</th><th>median</th>"
                         "<th>95 %</th></tr></thead><tbody>\n");
            for (size_t j = 0; j < t.ncols; j++) {
                if (t.is_str[j])
                    continue;
                double q5 = hs_report__quantile(t.num[j], t.nrows, 0.05);
                double q50 = hs_report__quantile(t.num[j], t.nrows, 0.5);
                double q95 = hs_report__quantile(t.num[j], t.nrows, 0.95);
                hs_report__buf_puts(&pg->body, "<tr><td>");
                hs_report__buf_html(&pg->body, t.names[j]);
                hs_report__buf_printf(&pg->body,
                               "</td><td class=\"n\">%s</td><td class=\"n\">%s"
                               "</td><td class=\"n\">%s</td></tr>\n",
                               hs_report__page_fmt(q5, buf[0], sizeof buf[0]),
                               hs_report__page_fmt(q50, buf[1], sizeof buf[1]),
                               hs_report__page_fmt(q95, buf[2], sizeof buf[2]));
            }
            hs_report__buf_puts(&pg->body, "</tbody></table></div>\n");
        }
    }
    hs_report__buf_puts(&pg->body, "</section>\n");
done:
    hs_report__table_free(&t);
    hs_h5_strings_free(runs, nr);
    return rc;
}
