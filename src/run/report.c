/* hs_report_write: a results file to one self-contained HTML page.  The
 * sections follow the groups the file has (include/hedgesim/report.h); this
 * file holds the page's frame, the metadata, the run section and the atomic
 * write.  The other sections are in report_sect.c. */
#include "report_int.h"

#include "hedgesim/errors.h"
#include "hedgesim/hedgesim.h"
#include "hedgesim/metrics.h"
#include "hedgesim/report.h"
#include "hedgesim/results.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRY(x)                                                                 \
    do {                                                                       \
        if ((rc = (x)) != 0)                                                   \
            goto done;                                                         \
    } while (0)

/* ---- metadata ----------------------------------------------------------- */

/* Root attributes shown first, in this order, with their labels; the rest
 * follow under their own names.  config and data_notes have their own
 * blocks. */
static const char *const META[][2] = {
    {"command_line", "command"},
    {"mode", "mode"},
    {"hedgesim_version", "hedgesim version"},
    {"created_utc", "written (UTC)"},
    {"config_path", "config file"},
    {"config_overrides", "config overrides"},
    {"dataset_path", "dataset"},
    {"dataset_sha256", "dataset SHA-256"},
    {"seed", "seed"},
    {"step_ms", "step (ms)"},
    {"periods_per_year", "periods per year"},
    {"modeled_data", "modeled option data"},
};
#define N_META (sizeof META / sizeof META[0])

static const char *lookup(char **keys, char **vals, size_t n, const char *k)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], k) == 0)
            return vals[i];
    return NULL;
}

static void warn_box(hs_page *pg, const char *title, const char *text)
{
    hs_report__buf_puts(&pg->body, "<div class=\"warn\"><h3>");
    hs_report__buf_html(&pg->body, title);
    hs_report__buf_puts(&pg->body, "</h3><pre>");
    hs_report__buf_html(&pg->body, text);
    hs_report__buf_puts(&pg->body, "</pre></div>\n");
}

static int metadata(hs_page *pg, int *modeled)
{
    char **keys = NULL, **vals = NULL;
    size_t n = 0;
    const char *v;
    int rc = hs_report__attrs(pg->file, "/", &keys, &vals, &n);

    if (rc)
        return rc;
    hs_report__buf_puts(&pg->body, "<section id=\"meta\"><h2>Run</h2>\n");
    v = lookup(keys, vals, n, "modeled_data");
    *modeled = v && strcmp(v, "0") != 0;
    if (*modeled)
        warn_box(pg, "Modeled data",
                 "Option runs traded modeled chains (generated from a "
                 "volatility model, not exchange quotes): their option P&L "
                 "is a model's, not the market's.");
    v = lookup(keys, vals, n, "data_notes");
    if (v && *v)
        warn_box(pg, "Data notes: what the data lacked and what was assumed",
                 v);
    hs_report__buf_puts(&pg->body, "<dl class=\"meta\">\n");
    for (size_t k = 0; k < N_META; k++) {
        if (!(v = lookup(keys, vals, n, META[k][0])))
            continue;
        hs_report__buf_printf(&pg->body, "<dt>%s</dt><dd data-attr=\"%s\">",
                       META[k][1], META[k][0]);
        hs_report__buf_html(&pg->body, v);
        hs_report__buf_puts(&pg->body, "</dd>\n");
    }
    for (size_t i = 0; i < n; i++) {
        int known = strcmp(keys[i], "config") == 0 ||
                    strcmp(keys[i], "data_notes") == 0;
        for (size_t k = 0; k < N_META && !known; k++)
            known = strcmp(keys[i], META[k][0]) == 0;
        if (known)
            continue;
        hs_report__buf_puts(&pg->body, "<dt>");
        hs_report__buf_html(&pg->body, keys[i]);
        hs_report__buf_puts(&pg->body, "</dt><dd>");
        hs_report__buf_html(&pg->body, vals[i]);
        hs_report__buf_puts(&pg->body, "</dd>\n");
    }
    hs_report__buf_puts(&pg->body, "</dl>\n");
    if ((v = lookup(keys, vals, n, "config"))) {
        hs_report__buf_puts(&pg->body, "<details><summary>Config (the file's text, "
                                "verbatim)</summary><pre id=\"config\">");
        hs_report__buf_html(&pg->body, v);
        hs_report__buf_puts(&pg->body, "</pre></details>\n");
    }
    hs_report__buf_puts(&pg->body, "</section>\n");
    hs_h5_strings_free(keys, n);
    hs_h5_strings_free(vals, n);
    return 0;
}

/* ---- the run section ---------------------------------------------------- */

/* A series of run `name` ("/runs/<name>/<s>"), or NULL if it is missing or
 * not n long. */
static double *series(const hs_page *pg, const char *name, const char *s,
                      size_t n)
{
    char p[512];
    double *v = NULL;
    size_t r, c;

    snprintf(p, sizeof p, "/runs/%s/%s", name, s);
    if (hs_report__numbers(pg->file, p, &v, &r, &c) != 0 || r != n || c != 1) {
        free(v);
        hs_error_clear();
        return NULL;
    }
    return v;
}

static int any_finite_nonzero(const double *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        if (isfinite(v[i]) && v[i] != 0)
            return 1;
    return 0;
}

static void drawdown(const double *eq, size_t n, double *out)
{
    double peak = NAN;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(eq[i]) && !(eq[i] <= peak))
            peak = eq[i];
        out[i] = isfinite(eq[i]) && peak > 0 ? eq[i] / peak - 1 : NAN;
    }
}

static void cumsum(const double *v, size_t n, double *out)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(v[i]))
            s += v[i];
        out[i] = s;
    }
}

/* Line chart, one series per run of `s` (times scale); runs whose series is
 * missing or never non-zero are left out (pick == 0: keep zeros). */
static void per_run(hs_page *pg, char **runs, size_t nr, const char *taxis,
                    size_t n, const char *s, const char *title,
                    const char *yname, double scale, int skip_zero,
                    const char *caption)
{
    int drawn = 0;
    for (size_t k = 0; k < nr; k++) {
        double *v = series(pg, runs[k], s, n);
        if (v && (!skip_zero || any_finite_nonzero(v, n))) {
            if (!drawn++)
                hs_report__page_chart(pg, "line", title, "time", "date (UTC)", yname,
                              taxis);
            hs_report__page_series(pg, runs[k], v, n, scale);
        }
        free(v);
    }
    if (drawn) {
        hs_report__page_chart_end(pg);
        if (caption)
            hs_report__page_caption(pg, caption);
    }
}

static const char *const PNL[][2] = {
    {"pnl/book", "long book"}, {"pnl/hedge", "hedge"},
    {"pnl/options", "options"}, {"pnl/fees", "fees"},
    {"pnl/slippage", "slippage"}, {"pnl/funding", "funding"},
};
#define N_PNL (sizeof PNL / sizeof PNL[0])

static const char *const GREEKS[][3] = {
    {"greeks/delta", "Options' delta", "units of underlying"},
    {"greeks/total_delta", "Options' + perp delta",
     "units of underlying"},
    {"greeks/gamma", "Options' gamma", "units of underlying per USD"},
    {"greeks/vega", "Options' vega", "USD per vol point"},
    {"greeks/theta", "Options' theta", "USD per day"},
};
#define N_GREEKS (sizeof GREEKS / sizeof GREEKS[0])

static int run_section(hs_page *pg)
{
    hs_rtab sum = {0};
    char **runs = NULL, taxis[16], title[256], note[512];
    size_t nr = 0, n = 0;
    int64_t *t = NULL, win = 90;
    double *book = NULL, *bret = NULL, *mret = NULL, *tmp = NULL;
    double *real = NULL;
    int rc = 0, col;

    hs_report__buf_puts(&pg->body, "<section id=\"runs\"><h2>Summary</h2>\n");
    if (hs_h5_exists(pg->file, "/summary") == 1) {
        TRY(hs_report__table(pg->file, "/summary", &sum));
        hs_report__page_table(pg, &sum, "/summary", NULL, sum.nrows);
        hs_report__buf_puts(&pg->body,
                     "<p class=\"caption\">One row per run; metrics over the "
                     "live window (docs/metrics.md): returns, risks and hedge "
                     "effectiveness as decimals, cost totals in USD, costs "
                     "positive.</p>\n");
    }
    /* Runs in config order: the summary's `run` column, else by name. */
    if ((col = hs_report__col(&sum, "run")) >= 0 && sum.is_str[col]) {
        if (!(runs = calloc(sum.nrows ? sum.nrows : 1, sizeof *runs))) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        for (nr = 0; nr < sum.nrows; nr++)
            if (!(runs[nr] = strdup(sum.str[col][nr]))) {
                rc = hs_error_set(HS_ENOMEM, "out of memory");
                goto done;
            }
    } else {
        TRY(hs_report__children(pg->file, "/runs", &runs, &nr));
    }
    TRY(hs_h5_read_i64(pg->file, "/calendar/time", &t, &n));
    if (n == 0) {
        hs_report__buf_puts(&pg->body, "<p>The file holds no steps.</p></section>\n");
        goto done;
    }
    hs_report__page_times(pg, t, n, taxis);
    if (!(tmp = malloc(n * sizeof *tmp)) || !(real = malloc(n * sizeof *real))) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }

    hs_report__buf_puts(&pg->body, "<h2>Equity and drawdowns</h2><div class=\"charts\">\n");
    {
        size_t r, c;
        if (hs_report__numbers(pg->file, "/book/equity", &book, &r, &c) ||
            r != n || c != 1) {
            free(book);
            book = NULL;
            hs_error_clear();
        }
    }
    hs_report__page_chart(pg, "line", "Equity: hedged runs and the unhedged book",
                  "time", "date (UTC)", "equity (USD)", taxis);
    if (book)
        hs_report__page_series(pg, "unhedged book", book, n, 1);
    for (size_t k = 0; k < nr; k++) {
        double *v = series(pg, runs[k], "equity", n);
        if (v)
            hs_report__page_series(pg, runs[k], v, n, 1);
        free(v);
    }
    hs_report__page_chart_end(pg);
    hs_report__page_chart(pg, "line", "Drawdown from the running peak", "time",
                  "date (UTC)", "drawdown (%)", taxis);
    if (book) {
        drawdown(book, n, tmp);
        hs_report__page_series(pg, "unhedged book", tmp, n, 100);
    }
    for (size_t k = 0; k < nr; k++) {
        double *v = series(pg, runs[k], "equity", n);
        if (v) {
            drawdown(v, n, tmp);
            hs_report__page_series(pg, runs[k], tmp, n, 100);
        }
        free(v);
    }
    hs_report__page_chart_end(pg);
    hs_report__buf_puts(&pg->body, "</div>\n");

    /* Beta: each run's estimate against the book's realised rolling beta,
     * an OLS slope over the rolling window of the residual beta series. */
    hs_report__buf_puts(&pg->body, "<h2>Beta</h2><div class=\"charts\">\n");
    if (nr > 0) {
        char p[512];
        snprintf(p, sizeof p, "/runs/%s/residual_beta_rolling", runs[0]);
        if (hs_h5_read_attr_i64(pg->file, p, "window", &win) || win < 2)
            win = 90;
        hs_error_clear();
    }
    {
        size_t r1, c1, r2, c2;
        int ok = hs_report__numbers(pg->file, "/book/return", &bret, &r1,
                                    &c1) == 0 &&
                 hs_report__numbers(pg->file, "/benchmark/return", &mret,
                                    &r2, &c2) == 0 &&
                 r1 == n && r2 == n && c1 == 1 && c2 == 1;
        hs_error_clear();
        snprintf(note, sizeof note,
                 "Estimated: each run's beta estimate after the step. "
                 "Realised: the OLS slope of the unhedged book's return on "
                 "the benchmark's over the last %lld steps (NaN until %lld "
                 "steps of the live window).",
                 (long long)win, (long long)win);
        hs_report__page_chart(pg, "line", "Estimated beta against realised rolling beta",
                      "time", "date (UTC)", "beta (1)", taxis);
        if (ok) {
            hs_metric_rolling_slope(bret, mret, n, (size_t)win, real);
            snprintf(title, sizeof title, "realised (%lld-step OLS)",
                     (long long)win);
            hs_report__page_series(pg, title, real, n, 1);
        }
        for (size_t k = 0; k < nr; k++) {
            double *v = series(pg, runs[k], "beta", n);
            if (v && any_finite_nonzero(v, n))
                hs_report__page_series(pg, runs[k], v, n, 1);
            free(v);
        }
        hs_report__page_chart_end(pg);
        hs_report__page_caption(pg, note);
    }
    snprintf(note, sizeof note,
             "OLS slope of each hedged run's return on the benchmark's over "
             "the last %lld steps: what the hedge left of the book's beta.",
             (long long)win);
    per_run(pg, runs, nr, taxis, n, "residual_beta_rolling",
            "Residual beta of the hedged account (rolling)", "beta (1)", 1, 0,
            note);
    hs_report__buf_puts(&pg->body, "</div>\n");

    hs_report__buf_puts(&pg->body, "<h2>Hedge</h2><div class=\"charts\">\n");
    per_run(pg, runs, nr, taxis, n, "hedge_notional",
            "Hedge notional (negative: short)", "notional (USD)", 1, 1, NULL);
    per_run(pg, runs, nr, taxis, n, "hedge_ratio",
            "Hedge ratio: -hedge notional / book exposure", "ratio (1)", 1, 1,
            NULL);
    hs_report__buf_puts(&pg->body, "</div>\n");

    /* Attribution: totals per run, then each run's running sums. */
    hs_report__buf_puts(&pg->body, "<h2>P&amp;L attribution</h2><div class=\"charts\">\n");
    if (nr > 0) {
        double *tot = calloc(nr, sizeof *tot);
        if (!tot) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        hs_report__page_chart(pg, "bar", "P&L attribution over the whole run", "category",
                      "run", "P&L (USD)", NULL);
        hs_report__page_key_strings(pg, "cats", (const char *const *)runs, nr);
        for (size_t j = 0; j < N_PNL; j++) {
            for (size_t k = 0; k < nr; k++) {
                double *v = series(pg, runs[k], PNL[j][0], n);
                tot[k] = 0;
                if (v) {
                    cumsum(v, n, tmp);
                    tot[k] = tmp[n - 1];
                } else {
                    tot[k] = NAN;
                }
                free(v);
            }
            hs_report__page_series(pg, PNL[j][1], tot, nr, 1);
        }
        hs_report__page_chart_end(pg);
        hs_report__page_caption(pg, "Sum of each term over the live window: the terms "
                            "add up to the change in equity.");
        free(tot);
    }
    for (size_t k = 0; k < nr; k++) {
        snprintf(title, sizeof title, "Cumulative P&L attribution: %s",
                 runs[k]);
        hs_report__page_chart(pg, "line", title, "time", "date (UTC)",
                      "cumulative P&L (USD)", taxis);
        for (size_t j = 0; j < N_PNL; j++) {
            double *v = series(pg, runs[k], PNL[j][0], n);
            if (v) {
                cumsum(v, n, tmp);
                hs_report__page_series(pg, PNL[j][1], tmp, n, 1);
            }
            free(v);
        }
        hs_report__page_chart_end(pg);
    }
    hs_report__buf_puts(&pg->body, "</div>\n");

    /* Greeks, for the runs that hold options. */
    {
        int any = 0;
        for (size_t k = 0; k < nr && !any; k++) {
            double *v = series(pg, runs[k], "greeks/delta", n);
            any = v != NULL;
            free(v);
        }
        if (any) {
            hs_report__buf_puts(&pg->body,
                         "<h2>Greeks of the option positions</h2>"
                         "<div class=\"charts\">\n");
            for (size_t g = 0; g < N_GREEKS; g++)
                per_run(pg, runs, nr, taxis, n, GREEKS[g][0], GREEKS[g][1],
                        GREEKS[g][2], 1, 0,
                        g == 0 ? "Black-76 with a zero rate, at each close."
                               : NULL);
            hs_report__buf_puts(&pg->body, "</div>\n");
        }
    }
    hs_report__buf_puts(&pg->body, "</section>\n");
done:
    hs_report__table_free(&sum);
    hs_h5_strings_free(runs, nr);
    free(t);
    free(book);
    free(bret);
    free(mret);
    free(tmp);
    free(real);
    return rc;
}

/* ---- the page ----------------------------------------------------------- */

static void page_free(hs_page *pg)
{
    hs_report__buf_free(&pg->body);
    hs_report__buf_free(&pg->times);
    hs_report__buf_free(&pg->charts);
}

/* Write s to fp; 0 or -1. */
static int out(FILE *fp, const char *s)
{
    size_t n = strlen(s);
    return fwrite(s, 1, n, fp) == n ? 0 : -1;
}

static int write_page(const hs_page *pg, FILE *fp, const char *title)
{
    hs_rbuf head = {NULL, 0, 0, 0};
    int bad;

    hs_report__buf_puts(&head, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
                        "<meta charset=\"utf-8\">\n"
                        "<meta name=\"viewport\" content=\"width=device-width, "
                        "initial-scale=1\">\n"
                        "<meta http-equiv=\"Content-Security-Policy\" "
                        "content=\"default-src 'none'; script-src "
                        "'unsafe-inline'; style-src 'unsafe-inline'; img-src "
                        "data:\">\n<title>hedgesim report: ");
    hs_report__buf_html(&head, title);
    hs_report__buf_puts(&head, "</title>\n<style>\n");
    hs_report__buf_puts(&head, hs_report__css);
    hs_report__buf_puts(&head, "</style></head>\n<body>\n<header><h1>hedgesim report</h1><p>");
    hs_report__buf_html(&head, title);
    hs_report__buf_printf(&head,
                   "</p></header>\n<main>\n<pre id=\"hs-errors\" class=\"errors\" "
                   "hidden></pre>\n");
    bad = head.err || pg->body.err || pg->times.err || pg->charts.err;
    bad = bad || out(fp, head.s) || out(fp, pg->body.s ? pg->body.s : "") ||
          out(fp, "</main>\n<footer>Written by hedgesim ") ||
          out(fp, hs_version()) ||
          out(fp, "; charts by Apache ECharts ") ||
          out(fp, hs_report__echarts_version) ||
          out(fp, " (Apache License 2.0), inlined.</footer>\n"
                  "<script type=\"application/json\" id=\"hs-data\">"
                  "{\"times\":{") ||
          out(fp, pg->times.s ? pg->times.s : "") ||
          out(fp, "},\"charts\":[") ||
          out(fp, pg->charts.s ? pg->charts.s : "") ||
          out(fp, "]}</script>\n<script>\n") ||
          out(fp, hs_report__echarts_js) || out(fp, "\n</script>\n<script>\n") ||
          out(fp, hs_report__js) || out(fp, "</script>\n</body></html>\n");
    hs_report__buf_free(&head);
    return bad ? -1 : 0;
}

int hs_report_path(const char *results, char **out_path)
{
    size_t n;
    char *p;

    if (!out_path)
        return hs_error_set(HS_EINVAL, "NULL output");
    *out_path = NULL;
    if (!results)
        return hs_error_set(HS_EINVAL, "NULL results file name");
    n = strlen(results);
    if (n > 3 && strcmp(results + n - 3, ".h5") == 0)
        n -= 3;
    if (!(p = malloc(n + 6)))
        return hs_error_set(HS_ENOMEM, "out of memory");
    memcpy(p, results, n);
    memcpy(p + n, ".html", 6);
    *out_path = p;
    return 0;
}

/* Write the page to a temporary file beside html and move it into place. */
static int commit(const hs_page *pg, const char *html, int force,
                  const char *title)
{
    static unsigned seq;
    char tmp[4096];
    FILE *fp = NULL;
    int rc = 0, fd;

    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%u", html, (long)getpid(),
                         seq++) >= sizeof tmp)
        return hs_error_set(HS_EINVAL, "report path too long: '%s'", html);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return hs_error_set(HS_EIO, "cannot create report '%s' (as '%s'): %s",
                            html, tmp, strerror(errno));
    if (!(fp = fdopen(fd, "w"))) {
        close(fd);
        rc = hs_error_set(HS_EIO, "cannot write report '%s': %s", html,
                          strerror(errno));
        goto done;
    }
    if (write_page(pg, fp, title) || fflush(fp) || fsync(fileno(fp))) {
        rc = pg->body.err || pg->charts.err || pg->times.err
                 ? hs_error_set(HS_ENOMEM, "out of memory building '%s'", html)
                 : hs_error_set(HS_EIO, "cannot write report '%s': %s", html,
                                strerror(errno));
        goto done;
    }
    if (fclose(fp)) {
        fp = NULL;
        rc = hs_error_set(HS_EIO, "cannot write report '%s': %s", html,
                          strerror(errno));
        goto done;
    }
    fp = NULL;
    if (force) {
        if (rename(tmp, html))
            rc = hs_error_set(HS_EIO, "cannot rename '%s' to '%s': %s", tmp,
                              html, strerror(errno));
    } else if (link(tmp, html) == 0) {
        unlink(tmp);
    } else if (errno == EEXIST) {
        rc = hs_error_set(HS_EEXISTS,
                          "report '%s' exists: use --force to replace it",
                          html);
    } else if (access(html, F_OK) == 0) {
        rc = hs_error_set(HS_EEXISTS,
                          "report '%s' exists: use --force to replace it",
                          html);
    } else if (rename(tmp, html)) {
        rc = hs_error_set(HS_EIO, "cannot rename '%s' to '%s': %s", tmp, html,
                          strerror(errno));
    }
done:
    if (fp)
        fclose(fp);
    if (rc || access(tmp, F_OK) == 0)
        unlink(tmp);
    return rc;
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int hs_report_write(const char *results, const char *html, int force)
{
    hs_page pg = {0};
    struct stat st;
    char *mode = NULL;
    const char *title;
    int rc = 0, modeled = 0, sections = 0;

    if (!results || !html)
        return hs_error_set(HS_EINVAL, "NULL results or report path");
    if (strcmp(results, html) == 0 || same_file(results, html))
        return hs_error_set(HS_EINVAL,
                            "the report '%s' would replace the results file",
                            html);
    if (stat(html, &st) == 0) {
        if (!S_ISREG(st.st_mode))
            return hs_error_set(HS_EINVAL,
                                "report '%s' exists and is not a regular file",
                                html);
        if (!force)
            return hs_error_set(HS_EEXISTS,
                                "report '%s' exists: use --force to replace it",
                                html);
    }
    pg.file = results;
    if ((rc = hs_h5_exists(results, "/")) < 0)
        return rc;
    TRY(metadata(&pg, &modeled));
    if (hs_h5_exists(results, "/runs") == 1) {
        TRY(run_section(&pg));
        sections++;
    }
    if (hs_h5_exists(results, "/stress") == 1) {
        TRY(hs_report__stress(&pg));
        sections++;
    }
    if (hs_h5_exists(results, "/analytics") == 1) {
        TRY(hs_report__analyze(&pg));
        sections++;
    }
    if (hs_h5_exists(results, "/sweep") == 1) {
        TRY(hs_report__sweep(&pg));
        sections++;
    }
    if (hs_h5_exists(results, "/mc") == 1) {
        TRY(hs_report__mc(&pg));
        sections++;
    }
    if (!sections) {
        rc = hs_error_set(HS_EDATA,
                          "%s: not a hedgesim results file (none of /runs, "
                          "/stress, /analytics, /sweep, /mc)",
                          results);
        goto done;
    }
    if (hs_h5_read_attr_str(results, "/", "mode", &mode))
        hs_error_clear();
    title = mode ? mode : "results";
    {
        const char *base = strrchr(results, '/');
        char t[512];
        snprintf(t, sizeof t, "%s (%s)", base ? base + 1 : results, title);
        rc = commit(&pg, html, force, t);
    }
done:
    free(mode);
    page_free(&pg);
    return rc;
}

int hs_report_beside(const char *results, int force, char **html)
{
    char *p = NULL;
    int rc;

    if (html)
        *html = NULL;
    if ((rc = hs_report_path(results, &p)))
        return rc;
    if ((rc = hs_report_write(results, p, force)) || !html)
        free(p);
    else
        *html = p;
    return rc;
}
