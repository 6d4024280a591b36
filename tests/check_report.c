/* HTML reports (hs_report_*): sections chosen by the groups of a file,
 * numbers that are known answers, escaping of text from the file, and every
 * error.  The fixtures are written with the project's own writer in the
 * layouts of docs/results-format.md (run), and of the sweep and Monte Carlo
 * tables (a compound /sweep/summary, /mc/<run>/paths and /mc/<run>/bands).
 *
 * `check_report --fixtures DIR` writes the fixtures into DIR and exits: the
 * browser test (tests/report-browser.sh) renders their reports. */
#include "testutil.h"

#include "hedgesim/errors.h"
#include "hedgesim/report.h"
#include "hedgesim/results.h"

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Text that must show as text: it would end the script element, open a
 * bold element or run script if it were pasted into the page. */
#define EVIL "</script><b>bold</b><script>alert(1)</script> & \"q\" 'a'"
#define EVIL_CONFIG "[data]\nstart = 2020-01-01 ; " EVIL "\n"

static char dir[256];

static void mkdir_tmp(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/hs_report_XXXXXX", t && *t ? t : P_tmpdir);
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void rm_tmp(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[600];
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            struct stat st;
            if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
                rmdir(p);
            else
                unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(fread(s, 1, (size_t)n, fp), (size_t)n);
    s[n] = '\0';
    fclose(fp);
    return s;
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

/* Files in dir whose name holds ".tmp." (left-overs of a write). */
static int temp_files(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return n;
}

/* ---- fixtures ------------------------------------------------------------ */

/* Fixture writers run inside tests and, with --fixtures, outside Check. */
static int fixture_mode;

static void ok(int rc, const char *what, int line)
{
    if (rc == 0)
        return;
    if (fixture_mode) {
        fprintf(stderr, "check_report: line %d: %s: %s\n", line, what,
                hs_error_last());
        exit(1);
    }
    ck_assert_msg(0, "line %d: %s: %s", line, what, hs_error_last());
}
#define OK(x) ok((x), #x, __LINE__)

static void common_attrs(hs_h5 *h, const char *mode)
{
    OK(hs_h5_attr_str(h, "/", "command_line",
                                     "hedgesim test --evil '" EVIL "'"));
    OK(hs_h5_attr_str(h, "/", "config", EVIL_CONFIG));
    OK(hs_h5_attr_str(h, "/", "mode", mode));
    OK(hs_h5_attr_str(h, "/", "data_notes",
                                     "perp marked at spot <b>note</b>"));
    OK(hs_h5_attr_i64(h, "/", "seed", 42));
}

/* A sweep over three keys: HE = 0.25 i + 0.0625 j + 0.125 k for the i-th
 * window, j-th target beta and k-th band (i, j, k in 0..2): every value
 * and every 100 x value is exact in binary. */
typedef struct sweep_row {
    const char *run;
    double window, target_beta, band, he, te;
} sweep_row;

static const double WIN[3] = {20, 40, 60}, TB[3] = {0.5, 0.75, 1},
                    BAND[3] = {0.05, 0.1, 0.2};

static void write_sweep(const char *path)
{
    static const hs_h5_field f[] = {
        {"run", HS_H5_STR, offsetof(sweep_row, run)},
        {"window", HS_H5_F64, offsetof(sweep_row, window)},
        {"target_beta", HS_H5_F64, offsetof(sweep_row, target_beta)},
        {"band", HS_H5_F64, offsetof(sweep_row, band)},
        {"hedge_effectiveness", HS_H5_F64, offsetof(sweep_row, he)},
        {"tracking_error", HS_H5_F64, offsetof(sweep_row, te)},
    };
    sweep_row rows[27];
    size_t n = 0;
    hs_h5 *h;

    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 3; k++)
                rows[n++] = (sweep_row){"ols" EVIL, WIN[i], TB[j], BAND[k],
                                        0.25 * i + 0.0625 * j + 0.125 * k,
                                        0.01 * (double)(i + j + k)};
    OK(hs_h5_create(&h, path, 1));
    common_attrs(h, "sweep");
    OK(hs_h5_group(h, "/sweep"));
    OK(hs_h5_write_records(h, "/sweep/summary", f, 6, rows,
                                         sizeof rows[0], n));
    OK(hs_h5_commit(h));
}

/* 64 paths: HE = (p + 1)/64, final P&L = 1000 p; bands of 10 steps with
 * the q-th level's value level x step. */
typedef struct path_row {
    double he, final_pnl;
    int64_t stress_steps;
} path_row;

static const double LEVELS[7] = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};

static void write_mc(const char *path)
{
    static const hs_h5_field f[] = {
        {"hedge_effectiveness", HS_H5_F64, offsetof(path_row, he)},
        {"final_pnl", HS_H5_F64, offsetof(path_row, final_pnl)},
        {"stress_steps", HS_H5_I64, offsetof(path_row, stress_steps)},
    };
    path_row rows[64];
    double bands[10 * 7];
    hs_h5 *h;

    for (int p = 0; p < 64; p++)
        rows[p] = (path_row){(p + 1) / 64.0, 1000.0 * p, p % 3};
    for (int i = 0; i < 10; i++)
        for (int k = 0; k < 7; k++)
            bands[i * 7 + k] = 100 * LEVELS[k] * i;
    OK(hs_h5_create(&h, path, 1));
    common_attrs(h, "mc");
    OK(hs_h5_group(h, "/mc/perp"));
    OK(hs_h5_write_records(h, "/mc/perp/paths", f, 3, rows,
                                         sizeof rows[0], 64));
    OK(hs_h5_write_f64_2d(h, "/mc/perp/bands/pnl", bands, 10, 7));
    OK(hs_h5_attr_f64v(h, "/mc/perp/bands", "quantiles", LEVELS,
                                     7));
    /* The layout hedgesim mc writes: a bands table with a time column
     * first, then pnl_q01 .. pnl_q99 (value: level x step x 10). */
    typedef struct band_row {
        int64_t time;
        double q[7];
    } band_row;
    static const char *const qn[7] = {"pnl_q01", "pnl_q05", "pnl_q25",
                                      "pnl_q50", "pnl_q75", "pnl_q95",
                                      "pnl_q99"};
    hs_h5_field bf[8];
    band_row br[10];
    bf[0] = (hs_h5_field){"time", HS_H5_I64, offsetof(band_row, time)};
    for (int k = 0; k < 7; k++)
        bf[1 + k] = (hs_h5_field){qn[k], HS_H5_F64,
                                  offsetof(band_row, q) + (size_t)k *
                                                            sizeof(double)};
    for (int i = 0; i < 10; i++) {
        br[i].time = i;
        for (int k = 0; k < 7; k++)
            br[i].q[k] = 1000 * LEVELS[k] * i;
    }
    OK(hs_h5_group(h, "/mc/table"));
    OK(hs_h5_write_records(h, "/mc/table/paths", f, 3, rows, sizeof rows[0],
                           64));
    OK(hs_h5_write_records(h, "/mc/table/bands", bf, 8, br, sizeof br[0],
                           10));
    OK(hs_h5_commit(h));
}

/* A run file of 5 steps and one run RUN (layout of results-format.md),
 * whose name needs escaping in HTML and in JSON. */
#define RUN "a<i>&\""
static const double EQ[5] = {100, 110, 99, 121, 110};
static const double BENCH[5] = {0.01, 0.02, -0.01, 0.03, 0.0};

static void write_run(const char *path)
{
    int64_t t[5];
    double book[5], ret[5], zero[5] = {0}, fees[5] = {-1, -2, 0, 0, -1};
    double he = 0.61803398874989485;
    const char *run[1] = {RUN}, *type[1] = {"perp_short"};
    hs_h5 *h;

    for (int i = 0; i < 5; i++) {
        t[i] = 1577836800000LL + 86400000LL * i; /* 2020-01-01 + i days */
        book[i] = 100 + i;
        ret[i] = 2 * BENCH[i];
    }
    OK(hs_h5_create(&h, path, 1));
    common_attrs(h, "history");
    OK(hs_h5_attr_i64(h, "/", "modeled_data", 1));
    OK(hs_h5_write_time(h, "/calendar/time", t, 5));
    OK(hs_h5_write_f64(h, "/book/equity", book, 5));
    OK(hs_h5_write_f64(h, "/book/return", ret, 5));
    OK(hs_h5_write_f64(h, "/benchmark/return", BENCH, 5));
    OK(hs_h5_write_f64(h, "/runs/" RUN "/equity", EQ, 5));
    OK(hs_h5_write_f64(h, "/runs/" RUN "/beta", ret, 5));
    OK(hs_h5_write_f64(h, "/runs/" RUN "/hedge_notional", book, 5));
    OK(hs_h5_write_f64(h, "/runs/" RUN "/hedge_ratio", ret, 5));
    OK(hs_h5_write_f64(h, "/runs/" RUN "/residual_beta_rolling", zero,
                                     5));
    OK(hs_h5_attr_i64(h, "/runs/" RUN "/residual_beta_rolling",
                                    "window", 2));
    OK(hs_h5_write_f64(h, "/runs/" RUN "/pnl/book", book, 5));
    OK(hs_h5_write_f64(h, "/runs/" RUN "/pnl/fees", fees, 5));
    OK(hs_h5_table(h, "/summary", 1));
    OK(hs_h5_table_strings(h, "/summary", "run", run));
    OK(hs_h5_table_strings(h, "/summary", "type", type));
    OK(hs_h5_table_f64(h, "/summary", "hedge_effectiveness", &he));
    OK(hs_h5_commit(h));
}

static char *report_of(void (*writer)(const char *), const char *name)
{
    char h5[600], html[600];
    snprintf(h5, sizeof h5, "%s/%s.h5", dir, name);
    snprintf(html, sizeof html, "%s/%s.html", dir, name);
    writer(h5);
    ck_assert_msg(hs_report_write(h5, html, 0) == 0, "%s", hs_error_last());
    return slurp(html);
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(escapes_text_from_the_file)
{
    mkdir_tmp();
    char *s = report_of(write_sweep, "sweep");
    /* the three script elements of the page, and no others */
    ck_assert_uint_eq(count(s, "</script>"), 3);
    ck_assert_uint_eq(count(s, "<script"), 3);
    ck_assert_ptr_null(strstr(s, "<b>"));
    ck_assert_ptr_null(strstr(s, "alert(1)</"));
    /* shown as text in the metadata */
    ck_assert_ptr_nonnull(strstr(s, "&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;"
                                    "&lt;script&gt;alert(1)&lt;/script&gt; "
                                    "&amp; &quot;q&quot; &#39;a&#39;"));
    ck_assert_ptr_nonnull(strstr(s, "perp marked at spot &lt;b&gt;note"));
    free(s);
    rm_tmp();
}
END_TEST

START_TEST(sweep_heat_map_and_best_points)
{
    char want[128];
    mkdir_tmp();
    char *s = report_of(write_sweep, "sweep");
    ck_assert_ptr_nonnull(strstr(s, "<section id=\"sweep\">"));
    ck_assert_ptr_null(strstr(s, "<section id=\"runs\">"));
    ck_assert_ptr_nonnull(strstr(s, "27 grid points, 3 varied keys."));
    ck_assert_ptr_nonnull(strstr(s, "Hedge effectiveness over window and "
                                    "target_beta"));
    /* the cell of window i, target j is the best over the bands (k = 2):
     * 100 (0.25 i + 0.0625 j + 0.25) */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            snprintf(want, sizeof want, "[%d,%d,%.8g]", i, j,
                     100 * (0.25 * i + 0.0625 * j + 0.25));
            ck_assert_msg(strstr(s, want), "no cell %s", want);
        }
    ck_assert_ptr_nonnull(strstr(s, "\"xcats\":[\"20\",\"40\",\"60\"]"));
    ck_assert_ptr_nonnull(strstr(s, "\"ycats\":[\"0.5\",\"0.75\",\"1\"]"));
    /* the best point first: HE 0.875 (window 60, beta 1, band 0.2) */
    const char *best = strstr(s, "Best grid points");
    ck_assert_ptr_nonnull(best);
    const char *he = strstr(best, "data-col=\"hedge_effectiveness\"");
    ck_assert_ptr_nonnull(he);
    ck_assert(strncmp(he + strlen("data-col=\"hedge_effectiveness\""),
                      " data-v=\"0.875\"", 15) == 0);
    /* the worst last: HE 0 */
    const char *worst = strstr(s, "Worst grid points");
    ck_assert_ptr_nonnull(worst);
    ck_assert_ptr_nonnull(strstr(worst, "data-col=\"hedge_effectiveness\" "
                                        "data-v=\"0\""));
    free(s);
    rm_tmp();
}
END_TEST

START_TEST(mc_fan_histogram_and_quantiles)
{
    mkdir_tmp();
    char *s = report_of(write_mc, "mc");
    ck_assert_ptr_nonnull(strstr(s, "<section id=\"mc\">"));
    /* Sturges: ceil(log2 64) + 1 = 7 bins of width 98.4375 / 7 over
     * [1.5625, 100]: path p falls in bin floor(p / 9), the last bin also
     * holds the maximum. */
    ck_assert_ptr_nonnull(strstr(s, "\"name\":\"paths\",\"data\":"
                                    "[9,9,9,9,9,9,10]"));
    ck_assert_ptr_nonnull(strstr(s, "perp: hedge effectiveness across 64 "
                                    "paths"));
    /* quantiles of 0, 1000, ..., 63000 (type 7: h = 63 p):
     * 5 %: 3150, median: 31500, 95 %: 59850 */
    ck_assert_ptr_nonnull(strstr(s, "<td>final_pnl</td><td class=\"n\">3150"
                                    "</td><td class=\"n\">31500</td><td "
                                    "class=\"n\">59850</td>"));
    /* the fan: levels in %, the first band level x step */
    ck_assert_ptr_nonnull(strstr(s, "\"fan\":{\"levels\":[1,5,25,50,75,95,99],"
                                    "\"q\":[[0,1,2,3,4,5,6,7,8,9],"
                                    "[0,5,10,15,"));
    ck_assert_ptr_nonnull(strstr(s, "[0,99,198,297,"));
    /* The bands table: the levels from the column names, in order, each
     * with its own column (the 1 % band is level x step x 10). */
    const char *tb = strstr(s, "table: P\\u0026L fan");
    ck_assert_ptr_nonnull(tb);
    ck_assert_ptr_nonnull(strstr(tb, "\"fan\":{\"levels\":[1,5,25,50,75,95,99],"
                                     "\"q\":[[0,10,20,30,"));
    ck_assert_ptr_nonnull(strstr(tb, "[0,990,1980,"));
    free(s);
    rm_tmp();
}
END_TEST

START_TEST(run_series_are_known_answers)
{
    mkdir_tmp();
    char *s = report_of(write_run, "run");
    ck_assert_ptr_nonnull(strstr(s, "<section id=\"runs\">"));
    /* summary value to the last bit (%.17g reads back exactly) */
    char want[128];
    snprintf(want, sizeof want,
             "data-col=\"hedge_effectiveness\" data-v=\"%.17g\"",
             0.61803398874989485);
    ck_assert_msg(strstr(s, want), "no %s", want);
    /* drawdown of 100, 110, 99, 121, 110 from the running peak, in % */
    ck_assert_ptr_nonnull(strstr(s, "{\"name\":\"a\\u003ci\\u003e\\u0026\\\"\","
                                    "\"data\":[0,0,-10,0,-9.0909091]}"));
    /* the run's name in the summary table, as text */
    ck_assert_ptr_nonnull(strstr(s, "<td>a&lt;i&gt;&amp;&quot;</td>"));
    ck_assert_ptr_null(strstr(s, "<i>"));
    /* realised beta: book return = 2 x benchmark, 2-step OLS */
    ck_assert_ptr_nonnull(strstr(s, "{\"name\":\"realised (2-step OLS)\","
                                    "\"data\":[null,2,2,2,2]}"));
    /* cumulative fees and their total */
    ck_assert_ptr_nonnull(strstr(s, "{\"name\":\"fees\",\"data\":"
                                    "[-1,-3,-3,-3,-4]}"));
    ck_assert_ptr_nonnull(strstr(s, "{\"name\":\"fees\",\"data\":[-4]}"));
    /* dates on the time axis: 2020-01-01 00:00 UTC, daily */
    ck_assert_ptr_nonnull(strstr(s, "\"t0\":[1577836800000,1577923200000,"));
    /* modeled data and notes in plain sight */
    ck_assert_ptr_nonnull(strstr(s, "<h3>Modeled data</h3>"));
    ck_assert_ptr_nonnull(strstr(s, "Data notes"));
    free(s);
    rm_tmp();
}
END_TEST

START_TEST(paths_and_beside)
{
    char *p = NULL;
    ck_assert_int_eq(hs_report_path("results/x.h5", &p), 0);
    ck_assert_str_eq(p, "results/x.html");
    free(p);
    ck_assert_int_eq(hs_report_path("x.dat", &p), 0);
    ck_assert_str_eq(p, "x.dat.html");
    free(p);
    ck_assert_int_eq(hs_report_path(NULL, &p), HS_EINVAL);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(hs_report_path("x.h5", NULL), HS_EINVAL);

    mkdir_tmp();
    char h5[600], want[600];
    snprintf(h5, sizeof h5, "%s/m.h5", dir);
    snprintf(want, sizeof want, "%s/m.html", dir);
    write_mc(h5);
    ck_assert_int_eq(hs_report_beside(h5, 0, &p), 0);
    ck_assert_str_eq(p, want);
    free(p);
    ck_assert_int_eq(access(want, F_OK), 0);
    /* again without force: refused, and *html NULL */
    ck_assert_int_eq(hs_report_beside(h5, 0, &p), HS_EEXISTS);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(hs_report_beside(h5, 1, NULL), 0);
    rm_tmp();
}
END_TEST

START_TEST(errors)
{
    char h5[600], html[600], txt[600], other[600];
    FILE *fp;
    hs_h5 *h;

    mkdir_tmp();
    snprintf(h5, sizeof h5, "%s/r.h5", dir);
    snprintf(html, sizeof html, "%s/r.html", dir);
    snprintf(txt, sizeof txt, "%s/not.h5", dir);
    snprintf(other, sizeof other, "%s/other.h5", dir);

    ck_assert_int_eq(hs_report_write(NULL, html, 0), HS_EINVAL);
    ck_assert_int_eq(hs_report_write(h5, NULL, 0), HS_EINVAL);
    /* missing results file */
    ck_assert_int_eq(hs_report_write(h5, html, 0), HS_EIO);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "r.h5"));
    /* not HDF5 */
    fp = fopen(txt, "w");
    fputs("hello\n", fp);
    fclose(fp);
    ck_assert_int_eq(hs_report_write(txt, html, 0), HS_EHDF5);
    /* HDF5, but none of the groups a report knows */
    ck_assert_int_eq(hs_h5_create(&h, other, 0), 0);
    ck_assert_int_eq(hs_h5_group(h, "/something"), 0);
    ck_assert_int_eq(hs_h5_commit(h), 0);
    ck_assert_int_eq(hs_report_write(other, html, 0), HS_EDATA);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "not a hedgesim results"));
    /* a sweep whose summary is not a table: the message names it */
    ck_assert_int_eq(hs_h5_create(&h, other, 1), 0);
    double x[3] = {1, 2, 3};
    ck_assert_int_eq(hs_h5_write_f64(h, "/sweep/summary", x, 3), 0);
    ck_assert_int_eq(hs_h5_commit(h), 0);
    ck_assert_int_eq(hs_report_write(other, html, 0), HS_EDATA);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "/sweep/summary"));
    ck_assert_int_eq(access(html, F_OK), -1);
    ck_assert_int_eq(temp_files(), 0);

    /* the report would replace the results */
    write_sweep(h5);
    ck_assert_int_eq(hs_report_write(h5, h5, 1), HS_EINVAL);
    /* an existing report: kept without force, replaced with it */
    fp = fopen(html, "w");
    fputs("mine\n", fp);
    fclose(fp);
    ck_assert_int_eq(hs_report_write(h5, html, 0), HS_EEXISTS);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "--force"));
    char *s = slurp(html);
    ck_assert_str_eq(s, "mine\n");
    free(s);
    ck_assert_int_eq(hs_report_write(h5, html, 1), 0);
    s = slurp(html);
    ck_assert_ptr_nonnull(strstr(s, "<!DOCTYPE html>"));
    free(s);
    /* a directory in the way is never replaced */
    snprintf(html, sizeof html, "%s/d.html", dir);
    ck_assert_int_eq(mkdir(html, 0755), 0);
    ck_assert_int_eq(hs_report_write(h5, html, 1), HS_EINVAL);
    /* a directory that does not exist */
    snprintf(html, sizeof html, "%s/nodir/r.html", dir);
    ck_assert_int_eq(hs_report_write(h5, html, 0), HS_EIO);
    ck_assert_int_eq(temp_files(), 0);
    rm_tmp();
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, escapes_text_from_the_file);
    tcase_add_test(tc, sweep_heat_map_and_best_points);
    tcase_add_test(tc, mc_fan_histogram_and_quantiles);
    tcase_add_test(tc, run_series_are_known_answers);
    tcase_add_test(tc, paths_and_beside);
    tcase_add_test(tc, errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--fixtures") == 0) {
        char p[600];
        hs_init();
        fixture_mode = 1;
        snprintf(p, sizeof p, "%s/sweep.h5", argv[2]);
        write_sweep(p);
        snprintf(p, sizeof p, "%s/mc.h5", argv[2]);
        write_mc(p);
        snprintf(p, sizeof p, "%s/run.h5", argv[2]);
        write_run(p);
        return 0;
    }
    return hs_test_main(report_suite());
}
