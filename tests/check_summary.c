/* Tests for summary tables: CSV text against hand-written answers (RFC 4180
 * quoting, shortest round-trip numbers, NaN and infinities), JSON parsed
 * back with jansson, the run, sweep and Monte Carlo summaries' columns and
 * values, every error return, and the one compound-table writer behind
 * record and column tables (same file types either way). */
#include "testutil.h"
#include "hedgesim/summary.h"

#include <hdf5.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

typedef struct row {
    const char *name;
    int64_t n;
    double x;
} row;

static const hs_h5_field fields[] = {
    {"name", HS_H5_STR, offsetof(row, name)},
    {"n", HS_H5_I64, offsetof(row, n)},
    {"x", HS_H5_F64, offsetof(row, x)},
};

/* What fn printed into a memory stream (caller frees). */
static char *capture(hs_summary_format f, const hs_summary *t,
                     const hs_summary_about *ab, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(fp);
    *rc = hs_summary_print(fp, f, t, ab);
    fclose(fp);
    return buf;
}

START_TEST(test_csv_text)
{
    const row rows[] = {
        {"plain", 1, 0.1},
        {"a,b", -2, 1.0 / 3.0},
        {"say \"hi\"", 3, NAN},
        {"two\nlines", 4, INFINITY},
        {"", INT64_MIN, -INFINITY},
        {"cr\r", 0, -0.0},
    };
    hs_summary t = {"/t", fields, 3, rows, sizeof rows[0], 6};
    int rc;
    char *out = capture(HS_SUMMARY_CSV, &t, NULL, &rc);
    ck_assert_int_eq(rc, 0);
    /* Written by hand from RFC 4180 section 2 (rules 5-7) and the
     * documented number formats: 1/3 needs 16 digits to read back. */
    const char *want = "name,n,x\n"
                       "plain,1,0.1\n"
                       "\"a,b\",-2,0.3333333333333333\n"
                       "\"say \"\"hi\"\"\",3,\n"
                       "\"two\nlines\",4,inf\n"
                       ",-9223372036854775808,-inf\n"
                       "\"cr\r\",0,-0\n";
    ck_assert_str_eq(out, want);
    free(out);
}
END_TEST

START_TEST(test_csv_round_trip)
{
    /* Every double printed must read back exactly. */
    row rows[64];
    double x = 0.7;
    for (int i = 0; i < 64; i++) {
        x = x * 1.37 + 1e-3 / (i + 1);
        rows[i] = (row){"r", i, i % 2 ? x : -1 / x};
    }
    hs_summary t = {"/t", fields, 3, rows, sizeof rows[0], 64};
    int rc;
    char *out = capture(HS_SUMMARY_CSV, &t, NULL, &rc);
    ck_assert_int_eq(rc, 0);
    char *line = strchr(out, '\n') + 1;
    for (int i = 0; i < 64; i++) {
        char *comma = strrchr(strtok(i ? NULL : line, "\n"), ',');
        ck_assert_ptr_nonnull(comma);
        ck_assert(strtod(comma + 1, NULL) == rows[i].x);
        ck_assert_int_le((int)strlen(comma + 1), 24);
    }
    free(out);
}
END_TEST

START_TEST(test_json)
{
    const row rows[] = {
        {"say \"hi\"\n\\", 7, 0.1 + 0.2},
        {"nan", -1, NAN},
    };
    hs_summary t = {"/t", fields, 3, rows, sizeof rows[0], 2};
    hs_summary_about ab = {"run", "a.ini", NULL};
    int rc;
    char *out = capture(HS_SUMMARY_JSON, &t, &ab, &rc);
    ck_assert_int_eq(rc, 0);
    json_error_t err;
    json_t *j = json_loads(out, 0, &err);
    ck_assert_msg(j != NULL, "bad JSON: %s\n%s", err.text, out);
    ck_assert_str_eq(json_string_value(json_object_get(j, "command")), "run");
    ck_assert_str_eq(json_string_value(json_object_get(j, "config")), "a.ini");
    ck_assert_ptr_null(json_object_get(j, "results")); /* NULL: left out */
    ck_assert_str_eq(json_string_value(json_object_get(j, "table")), "/t");
    ck_assert_str_eq(
        json_string_value(json_object_get(j, "hedgesim_version")),
        hs_version());
    json_t *cols = json_object_get(j, "columns");
    ck_assert_int_eq((int)json_array_size(cols), 3);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(cols, 1), "name")),
                     "n");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(cols, 1), "kind")),
                     "i64");
    json_t *r = json_object_get(j, "rows");
    ck_assert_int_eq((int)json_array_size(r), 2);
    json_t *r0 = json_array_get(r, 0), *r1 = json_array_get(r, 1);
    ck_assert_str_eq(json_string_value(json_object_get(r0, "name")),
                     rows[0].name);
    ck_assert(json_is_integer(json_object_get(r0, "n")));
    ck_assert_int_eq((int)json_integer_value(json_object_get(r0, "n")), 7);
    /* 0.1 + 0.2 is not 0.3: 17 digits keep the exact double. */
    ck_assert(json_real_value(json_object_get(r0, "x")) == 0.1 + 0.2);
    ck_assert(json_is_null(json_object_get(r1, "x")));
    /* Keys in column order. */
    ck_assert_ptr_nonnull(strstr(out, "\"name\""));
    ck_assert(strstr(out, "\"n\":") < strstr(out, "\"x\":"));
    json_decref(j);
    free(out);
}
END_TEST

START_TEST(test_empty_table)
{
    hs_summary t = {"/t", fields, 3, NULL, sizeof(row), 0};
    int rc;
    char *out = capture(HS_SUMMARY_CSV, &t, NULL, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(out, "name,n,x\n");
    free(out);
    out = capture(HS_SUMMARY_JSON, &t, NULL, &rc);
    ck_assert_int_eq(rc, 0);
    json_t *j = json_loads(out, 0, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq((int)json_array_size(json_object_get(j, "rows")), 0);
    ck_assert_ptr_null(json_object_get(j, "command"));
    json_decref(j);
    free(out);
}
END_TEST

START_TEST(test_run_fields)
{
    /* The run summary's columns: run, type, then hs_metrics in order. */
    static const char *const want[] = {
        "run", "type", "hedge_effectiveness", "tracking_error",
        "residual_beta", "ann_return", "ann_vol", "sharpe", "max_drawdown",
        "var95", "cvar95", "var99", "cvar99", "turnover", "fees", "slippage",
        "funding", "premium", "hedge_cost_drag", "total_return", "years"};
    ck_assert_uint_eq(hs_summary_run_n_fields, sizeof want / sizeof want[0]);
    for (size_t k = 0; k < hs_summary_run_n_fields; k++)
        ck_assert_str_eq(hs_summary_run_fields[k].name, want[k]);
    ck_assert_uint_eq(sizeof(hs_metrics) / sizeof(double),
                      hs_summary_run_n_fields - 2);

    hs_metrics m;
    double *d = (double *)&m;
    for (size_t k = 0; k < sizeof m / sizeof *d; k++)
        d[k] = (double)k + 0.5;
    hs_strategy_type ty = {.name = "perp_short"};
    hs_run_spec spec = {.name = "ols60", .type = &ty};
    hs_summary_run_row r;
    hs_summary_run_row_fill(&r, &spec, &m);
    ck_assert_str_eq(r.run, "ols60");
    ck_assert_str_eq(r.type, "perp_short");
    /* Each field holds the metric of the same name. */
    for (size_t k = 2; k < hs_summary_run_n_fields; k++) {
        double v;
        memcpy(&v, (const char *)&r + hs_summary_run_fields[k].offset,
               sizeof v);
        ck_assert(v == (double)(k - 2) + 0.5);
    }
    /* Under a year of returns, no annualised figure; the total stays. */
    m.years = 0.99;
    hs_summary_run_row_fill(&r, &spec, &m);
    ck_assert(isnan(r.ann_return) && r.total_return == m.total_return);
    m.years = 1;
    hs_summary_run_row_fill(&r, &spec, &m);
    ck_assert(r.ann_return == m.ann_return);
}
END_TEST

START_TEST(test_errors)
{
    const row rows[] = {{NULL, 1, 2}};
    hs_summary t = {"/t", fields, 3, rows, sizeof rows[0], 1};
    int rc;
    char *out = capture(HS_SUMMARY_CSV, &t, NULL, &rc);
    ck_assert_int_eq(rc, HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "'name' is NULL"));
    free(out);

    const row ok[] = {{"a", 1, 2}};
    hs_summary none = {"/t", fields, 0, ok, sizeof ok[0], 1};
    out = capture(HS_SUMMARY_JSON, &none, NULL, &rc);
    ck_assert_int_eq(rc, HS_EINVAL);
    free(out);
    hs_h5_field far = {"x", HS_H5_F64, sizeof(row)};
    hs_summary outside = {"/t", &far, 1, ok, sizeof ok[0], 1};
    out = capture(HS_SUMMARY_CSV, &outside, NULL, &rc);
    ck_assert_int_eq(rc, HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "bad field 0"));
    free(out);
    hs_summary norows = {"/t", fields, 3, NULL, sizeof(row), 1};
    out = capture(HS_SUMMARY_CSV, &norows, NULL, &rc);
    ck_assert_int_eq(rc, HS_EINVAL);
    free(out);
    hs_summary good = {"/t", fields, 3, ok, sizeof ok[0], 1};
    out = capture((hs_summary_format)7, &good, NULL, &rc);
    ck_assert_int_eq(rc, HS_EINVAL);
    free(out);
    out = capture(HS_SUMMARY_CSV, NULL, NULL, &rc);
    ck_assert_int_eq(rc, HS_EINVAL);
    free(out);
    ck_assert_int_eq(hs_summary_print(NULL, HS_SUMMARY_CSV, &good, NULL),
                     HS_EINVAL);
    ck_assert_int_eq(hs_summary_print_plan(stdout, HS_SUMMARY_CSV, NULL,
                                           NULL),
                     HS_EINVAL);
    ck_assert_int_eq(hs_summary_write_h5(NULL, "/x", NULL), HS_EINVAL);

    /* A string that is not UTF-8 cannot be a JSON string. */
    const row bad8[] = {{"\xff", 1, 2}};
    hs_summary b8 = {"/t", fields, 3, bad8, sizeof bad8[0], 1};
    out = capture(HS_SUMMARY_JSON, &b8, NULL, &rc);
    ck_assert_int_eq(rc, HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "not valid UTF-8"));
    free(out);

    /* A full disk: the write fails and says so. */
    for (int f = 0; f < 2; f++) {
        FILE *full = fopen("/dev/full", "w");
        if (!full)
            return; /* no /dev/full: nothing more to provoke */
        ck_assert_int_eq(hs_summary_print(full, (hs_summary_format)f, &good,
                                          NULL),
                         HS_EIO);
        ck_assert_ptr_nonnull(strstr(hs_error_last(), "cannot write"));
        fclose(full);
    }
}
END_TEST

/* The HDF5 record table written from a summary reads back (attributes of
 * the dataset exist, the rows are there); pandas-level checks are in the
 * Python test. */
START_TEST(test_write_h5)
{
    char dir[] = "hs_summary_XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.h5", dir);
    const row rows[] = {{"a", 1, 0.5}, {"b", 2, 1.5}};
    hs_summary t = {"/summary", fields, 3, rows, sizeof rows[0], 2};
    hs_h5 *h;
    ck_assert_int_eq(hs_h5_create(&h, path, 0), 0);
    ck_assert_int_eq(hs_summary_write_h5(h, "/summary", &t), 0);
    ck_assert_int_eq(hs_summary_write_h5(h, "/summary", &t), HS_EEXISTS);
    ck_assert_int_eq(hs_h5_commit(h), 0);
    ck_assert_int_eq(hs_h5_exists(path, "/summary"), 1);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* Numbers in CSV: the fewest digits that read back, without an exponent
 * for decimal exponents -4 .. 15 (written by hand from that rule). */
START_TEST(test_csv_numbers)
{
    static const hs_h5_field xf[] = {{"x", HS_H5_F64, 0}};
    const double x[] = {20,     -1234,  1e15,   1e16, 0.001,    0.0001,
                        2.5e-5, 123456.5, 1.5e300, 100, 0.1 + 0.2};
    const char *want = "x\n20\n-1234\n1000000000000000\n1e+16\n0.001\n"
                       "0.0001\n2.5e-05\n123456.5\n1.5e+300\n100\n"
                       "0.30000000000000004\n";
    hs_summary t = {"/t", xf, 1, x, sizeof x[0], sizeof x / sizeof x[0]};
    int rc;
    char *out = capture(HS_SUMMARY_CSV, &t, NULL, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(out, want);
    free(out);
}
END_TEST

/* The Monte Carlo summary's columns: run, type, then three sets of paths
 * (all, stress_, no_stress_), each paths and seven figures; every field
 * holds the member of the same name. */
START_TEST(test_mc_fields)
{
    static const char *const set[] = {"paths",   "he_q05",  "he_q50",
                                      "he_q95",  "pnl_q05", "pnl_q50",
                                      "pnl_q95", "es99"};
    static const char *const pre[] = {"", "stress_", "no_stress_"};
    ck_assert_uint_eq(hs_summary_mc_n_fields, 2 + 3 * 8);
    ck_assert_str_eq(hs_summary_mc_fields[0].name, "run");
    ck_assert_str_eq(hs_summary_mc_fields[1].name, "type");
    hs_summary_mc_row r;
    memset(&r, 0, sizeof r);
    hs_summary_mc_set *sets[3] = {&r.all, &r.stress, &r.no_stress};
    for (int g = 0; g < 3; g++) {
        sets[g]->paths = 100 + g;
        double *d = &sets[g]->he_q05;
        for (int k = 0; k < 7; k++)
            d[k] = g * 10 + k + 0.5;
    }
    for (int g = 0; g < 3; g++)
        for (int k = 0; k < 8; k++) {
            const hs_h5_field *f = &hs_summary_mc_fields[2 + 8 * g + k];
            char name[64];
            snprintf(name, sizeof name, "%s%s", pre[g], set[k]);
            ck_assert_str_eq(f->name, name);
            ck_assert_int_eq(f->kind, k == 0 ? HS_H5_I64 : HS_H5_F64);
            if (k == 0) {
                int64_t v;
                memcpy(&v, (const char *)&r + f->offset, sizeof v);
                ck_assert_int_eq(v, 100 + g);
            } else {
                double v;
                memcpy(&v, (const char *)&r + f->offset, sizeof v);
                ck_assert(v == g * 10 + (k - 1) + 0.5);
            }
        }
    ck_assert_int_eq(hs_summary_print_mc(stdout, HS_SUMMARY_CSV, NULL, NULL),
                     HS_EINVAL);
    ck_assert_int_eq(
        hs_summary_print_sweep(stdout, HS_SUMMARY_CSV, NULL, NULL), HS_EINVAL);
}
END_TEST

static const char MC_CONFIG[] =
    "[data]\ndb = %s\nstart = 2024-01-01\nend = 2024-12-31\nstep = 1d\n"
    "usdt_is_usd = true\n"
    "[book]\nassets = ETH,BNB\ncapital = 1000000\nmin_history = 30\n"
    "[hedge]\nbenchmark = BTC\ninstrument = BTC-PERP\n"
    "[strategy.unhedged]\ntype = unhedged\n"
    "[strategy.ewma]\ntype = perp_short\nbeta = ewma\nhalflife = 10\n"
    "[mc]\nsteps = 20\n"
    "[mc.regime.calm]\nto.calm = 0.9\nto.stress = 0.1\nvol = 0.5\n"
    "[mc.regime.stress]\nto.calm = 0.3\nto.stress = 0.7\nvol = 1.2\n";

/* Path values of one run and subset (-1 all, 1 stress, 0 no stress),
 * sorted: he (which 0) or pnl (1). */
static size_t mc_values(const hs_mc *mc, size_t run, int subset, int which,
                        double *out)
{
    size_t n = 0;
    for (size_t p = 0; p < hs_mc_paths(mc); p++) {
        const hs_mc_row *r = hs_mc_row_of(mc, run, p);
        if (subset >= 0 && (r->stress_share > 0) != subset)
            continue;
        out[n++] = which ? r->pnl : r->he;
    }
    for (size_t i = 1; i < n; i++) /* insertion sort: n is small */
        for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
            double t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

/* The Monte Carlo summary of a real (small) run, as JSON: one row per run;
 * against figures computed here from the paths: with 20 paths ES99 is
 * minus the worst P&L (ceil(0.2) = 1 path) and the median the mean of the
 * 10th and 11th values (index 0.5 * 19 = 9.5); the two sides of the split
 * add up to every path.  An unfinished run prints nothing. */
START_TEST(test_mc_summary)
{
    char text[4096];
    hs_config *c = NULL;
    hs_registry *reg = NULL;
    hs_store *st = NULL;
    hs_mc *mc = NULL;
    snprintf(text, sizeof text, MC_CONFIG, hs_test_db());
    ck_assert_msg(hs_config_parse(&c, text, "mc.ini") == 0, "%s",
                  hs_error_last());
    ck_assert_int_eq(hs_registry_new(&reg), 0);
    ck_assert_int_eq(hs_store_open(&st, hs_test_db(), HS_STORE_READONLY), 0);
    hs_mc_opts o = HS_MC_OPTS_INIT;
    o.paths = 20;
    o.seed = 11;
    ck_assert_msg(hs_mc_new(&mc, c, reg, st, &o) == 0, "%s", hs_error_last());
    int rc;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ck_assert_int_eq(hs_summary_print_mc(fp, HS_SUMMARY_JSON, mc, NULL),
                     HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "incomplete"));
    fclose(fp);
    ck_assert_uint_eq(len, 0);
    free(buf);
    ck_assert_msg(hs_mc_run(mc) == 0, "%s", hs_error_last());

    hs_summary_about ab = {"mc", "mc.ini", "x.h5"};
    fp = open_memstream(&buf, &len);
    rc = hs_summary_print_mc(fp, HS_SUMMARY_JSON, mc, &ab);
    fclose(fp);
    ck_assert_msg(rc == 0, "%s", hs_error_last());
    json_t *j = json_loads(buf, 0, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(json_string_value(json_object_get(j, "table")), "/mc");
    json_t *rows = json_object_get(j, "rows");
    ck_assert_uint_eq(json_array_size(rows), 2);
    double v[20];
    int split = 0;
    for (size_t i = 0; i < 2; i++) {
        json_t *r = json_array_get(rows, i);
        ck_assert_str_eq(json_string_value(json_object_get(r, "run")),
                         hs_mc_run_name(mc, i));
        ck_assert_str_eq(json_string_value(json_object_get(r, "type")),
                         i ? "perp_short" : "unhedged");
        ck_assert_int_eq(json_integer_value(json_object_get(r, "paths")), 20);
        ck_assert_uint_eq(mc_values(mc, i, -1, 1, v), 20);
        ck_assert(json_real_value(json_object_get(r, "es99")) == -v[0]);
        ck_assert(json_real_value(json_object_get(r, "pnl_q50")) ==
                  0.5 * v[9] + 0.5 * v[10]);
        ck_assert(json_real_value(json_object_get(r, "pnl_q05")) >= v[0]);
        ck_assert(json_real_value(json_object_get(r, "pnl_q95")) <= v[19]);
        if (i == 1) { /* the unhedged book's HE is 0 on every path */
            mc_values(mc, i, -1, 0, v);
            ck_assert(json_real_value(json_object_get(r, "he_q50")) ==
                      0.5 * v[9] + 0.5 * v[10]);
        }
        json_int_t ns = json_integer_value(json_object_get(r, "stress_paths"));
        json_int_t nn =
            json_integer_value(json_object_get(r, "no_stress_paths"));
        ck_assert_int_eq(ns + nn, 20);
        ck_assert_uint_eq(mc_values(mc, i, 1, 1, v), (size_t)ns);
        if (ns > 0) {
            split = 1;
            ck_assert(json_real_value(json_object_get(r, "stress_pnl_q50")) ==
                      (ns % 2 ? v[ns / 2]
                              : 0.5 * v[ns / 2 - 1] + 0.5 * v[ns / 2]));
        }
        ck_assert_uint_eq(mc_values(mc, i, 0, 1, v), (size_t)nn);
        if (nn > 0)
            ck_assert(json_real_value(json_object_get(
                          r, "no_stress_es99")) == -v[0]);
        else
            ck_assert(json_is_null(json_object_get(r, "no_stress_es99")));
    }
    ck_assert_msg(split, "no path met the stress regime: the test is void");
    json_decref(j);
    free(buf);
    hs_mc_free(mc);
    hs_store_close(st);
    hs_registry_free(reg);
    hs_config_free(c);
}
END_TEST

/* The sweep summary: one row per point, the point, its values (text and
 * number) and its metrics, exactly; nothing before the sweep has run. */
START_TEST(test_sweep_summary)
{
    char text[4096];
    hs_config *c = NULL;
    hs_registry *reg = NULL;
    hs_store *st = NULL;
    hs_sweep *sw = NULL;
    snprintf(text, sizeof text,
             "[data]\ndb = %s\nstart = 2021-01-01\nend = 2021-06-30\n"
             "usdt_is_usd = true\n[book]\nassets = ETH,LTC\ncapital = 100000\n"
             "min_history = 20\n[hedge]\nbenchmark = BTC\ninstrument = "
             "BTC-PERP\n[strategy.ols]\ntype = perp_short\nbeta = ols\n"
             "window = 30\n",
             hs_test_db());
    ck_assert_msg(hs_config_parse(&c, text, "sweep.ini") == 0, "%s",
                  hs_error_last());
    ck_assert_int_eq(hs_registry_new(&reg), 0);
    ck_assert_int_eq(hs_store_open(&st, hs_test_db(), HS_STORE_READONLY), 0);
    const char *vary[2] = {"costs.fill=next_open,close",
                           "strategy.ols.window=20,25,30"};
    hs_sweep_opts o = HS_SWEEP_OPTS_INIT;
    ck_assert_msg(hs_sweep_new(&sw, c, reg, vary, 2, &o) == 0, "%s",
                  hs_error_last());
    hs_h5_column *cols = (hs_h5_column *)1;
    size_t nc = 7;
    ck_assert_int_eq(hs_sweep_summary_columns(sw, &cols, &nc), HS_EINVAL);
    ck_assert_ptr_null(cols);
    ck_assert_int_eq(hs_summary_print_sweep(stdout, HS_SUMMARY_CSV, sw, NULL),
                     HS_EINVAL);
    ck_assert_msg(hs_sweep_run(sw, st) == 0, "%s", hs_error_last());

    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    int rc = hs_summary_print_sweep(fp, HS_SUMMARY_JSON, sw, NULL);
    fclose(fp);
    ck_assert_msg(rc == 0, "%s", hs_error_last());
    json_t *j = json_loads(buf, 0, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(json_string_value(json_object_get(j, "table")),
                     "/sweep/summary");
    json_t *jc = json_object_get(j, "columns");
    ck_assert_uint_eq(json_array_size(jc), 1 + 2 + 18);
    static const char *const kinds[3] = {"i64", "str", "f64"};
    static const char *const names[3] = {"point", "costs.fill",
                                         "strategy.ols.window"};
    for (size_t k = 0; k < 3; k++) {
        json_t *col = json_array_get(jc, k);
        ck_assert_str_eq(json_string_value(json_object_get(col, "name")),
                         names[k]);
        ck_assert_str_eq(json_string_value(json_object_get(col, "kind")),
                         kinds[k]);
    }
    json_t *rows = json_object_get(j, "rows");
    ck_assert_uint_eq(json_array_size(rows), 6);
    for (size_t p = 0; p < 6; p++) {
        json_t *r = json_array_get(rows, p);
        const hs_metrics *m = hs_sweep_metrics(sw, p);
        ck_assert_int_eq(json_integer_value(json_object_get(r, "point")),
                         (json_int_t)p);
        ck_assert_str_eq(json_string_value(json_object_get(r, "costs.fill")),
                         p < 3 ? "next_open" : "close");
        ck_assert(json_real_value(json_object_get(
                      r, "strategy.ols.window")) == 20 + 5 * (double)(p % 3));
        ck_assert(json_real_value(json_object_get(
                      r, "hedge_effectiveness")) == m->hedge_effectiveness);
        ck_assert(json_real_value(json_object_get(r, "total_return")) ==
                  m->total_return);
        ck_assert(json_real_value(json_object_get(r, "fees")) == m->fees);
    }
    json_decref(j);
    free(buf);
    hs_sweep_free(sw);
    hs_store_close(st);
    hs_registry_free(reg);
    hs_config_free(c);
}
END_TEST

/* ---- the one compound-table writer -------------------------------------- */

typedef struct rec3 {
    double x;
    const char *s;
    int64_t k;
} rec3;

/* The same table as records (row structs) and as columns: the same file
 * type, the same values; units only where given; column tables chunked
 * past HS_H5_CHUNK_MIN cells, record tables contiguous. */
START_TEST(test_one_writer)
{
    enum { N = 2000 }; /* 3 columns: 6000 cells > HS_H5_CHUNK_MIN */
    static rec3 r[N];
    static double x[N];
    static int64_t k[N];
    static const char *s[N];
    for (int i = 0; i < N; i++) {
        x[i] = r[i].x = i * 0.25 - 3;
        k[i] = r[i].k = -7 * (int64_t)i;
        s[i] = r[i].s = i % 3 ? "ü" : "";
    }
    x[5] = r[5].x = NAN;
    const hs_h5_field f[3] = {{"x", HS_H5_F64, offsetof(rec3, x)},
                              {"s", HS_H5_STR, offsetof(rec3, s)},
                              {"k", HS_H5_I64, offsetof(rec3, k)}};
    const hs_h5_column c[3] = {{"x", HS_H5_COL_F64, x, "USD"},
                               {"s", HS_H5_COL_STR, s, NULL},
                               {"k", HS_H5_COL_I64, k, ""}};
    char dir[] = "hs_summary_XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/w.h5", dir);
    hs_h5 *h;
    ck_assert_int_eq(hs_h5_create(&h, path, 0), 0);
    ck_assert_int_eq(hs_h5_write_records(h, "/a/rec", f, 3, r, sizeof *r, N),
                     0);
    ck_assert_int_eq(hs_h5_write_compound(h, "/a/col", c, 3, N), 0);
    ck_assert_int_eq(hs_h5_write_records(h, "/a/rec2", f, 3, r, sizeof *r, 2),
                     0);
    ck_assert_int_eq(hs_h5_write_compound(h, "/a/col2", c, 3, 2), 0);
    ck_assert_int_eq(hs_h5_write_compound(h, "/a/col0", c, 3, 0), 0);
    ck_assert_int_eq(hs_h5_commit(h), 0);

    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert(file >= 0);
    static const char *const sets[][2] = {{"/a/rec", "/a/col"},
                                          {"/a/rec2", "/a/col2"}};
    for (int t = 0; t < 2; t++) {
        hid_t d1 = H5Dopen2(file, sets[t][0], H5P_DEFAULT);
        hid_t d2 = H5Dopen2(file, sets[t][1], H5P_DEFAULT);
        hid_t t1 = H5Dget_type(d1), t2 = H5Dget_type(d2);
        ck_assert_int_gt(H5Tequal(t1, t2), 0);
        ck_assert_uint_eq(H5Tget_size(t1), 16 + sizeof(char *));
        ck_assert_int_eq(H5Tget_member_offset(t1, 2), 8 + sizeof(char *));
        hid_t p1 = H5Dget_create_plist(d1), p2 = H5Dget_create_plist(d2);
        ck_assert_int_eq(H5Pget_layout(p1), H5D_CONTIGUOUS);
        ck_assert_int_eq(H5Pget_layout(p2),
                         t == 0 ? H5D_CHUNKED : H5D_CONTIGUOUS);
        if (t == 0) {
            hsize_t chunk = 0;
            ck_assert_int_eq(H5Pget_chunk(p2, 1, &chunk), 1);
            ck_assert_uint_eq(chunk, N); /* 16384 / 3 cells > N rows */
            ck_assert_int_eq(H5Pget_nfilters(p2), 2); /* shuffle, deflate */
        }
        ck_assert_int_eq(H5Aexists(d1, "units"), 0);
        ck_assert_int_eq(H5Aexists(d2, "units"), 1);
        H5Pclose(p1), H5Pclose(p2), H5Tclose(t1), H5Tclose(t2);
        H5Dclose(d1), H5Dclose(d2);
    }
    H5Fclose(file);
    for (int t = 0; t < 2; t++) {
        double *a = NULL, *b = NULL;
        int64_t *ka = NULL, *kb = NULL;
        char **sa = NULL, **sb = NULL;
        size_t na, nb, nsa, nsb, nka, nkb;
        ck_assert_int_eq(hs_h5_read_field_f64(path, sets[t][0], "x", &a, &na),
                         0);
        ck_assert_int_eq(hs_h5_read_field_f64(path, sets[t][1], "x", &b, &nb),
                         0);
        ck_assert_int_eq(
            hs_h5_read_field_i64(path, sets[t][0], "k", &ka, &nka), 0);
        ck_assert_int_eq(
            hs_h5_read_field_i64(path, sets[t][1], "k", &kb, &nkb), 0);
        ck_assert_int_eq(
            hs_h5_read_field_strings(path, sets[t][0], "s", &sa, &nsa), 0);
        ck_assert_int_eq(
            hs_h5_read_field_strings(path, sets[t][1], "s", &sb, &nsb), 0);
        ck_assert_uint_eq(na, t ? 2 : N);
        ck_assert(na == nb && nka == nkb && nsa == nsb && na == nka &&
                  na == nsa);
        for (size_t i = 0; i < na; i++) {
            ck_assert(i == 5 ? isnan(a[i]) && isnan(b[i])
                             : a[i] == x[i] && b[i] == x[i]);
            ck_assert(ka[i] == k[i] && kb[i] == k[i]);
            ck_assert_str_eq(sa[i], s[i]);
            ck_assert_str_eq(sb[i], s[i]);
        }
        free(a), free(b), free(ka), free(kb);
        hs_h5_strings_free(sa, nsa);
        hs_h5_strings_free(sb, nsb);
    }
    char **units = NULL;
    size_t nu = 0;
    ck_assert_int_eq(hs_h5_read_attr_strings(path, "/a/col", "units", &units,
                                             &nu),
                     0);
    ck_assert_uint_eq(nu, 3);
    ck_assert_str_eq(units[0], "USD");
    ck_assert_str_eq(units[1], "");
    ck_assert_str_eq(units[2], "");
    hs_h5_strings_free(units, nu);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* Every refusal of the writer, through both entry points, and of the
 * packing of columns into records. */
START_TEST(test_writer_errors)
{
    rec3 r[2] = {{1, "a", 1}, {2, "b", 2}};
    const hs_h5_field f[3] = {{"x", HS_H5_F64, offsetof(rec3, x)},
                              {"s", HS_H5_STR, offsetof(rec3, s)},
                              {"k", HS_H5_I64, offsetof(rec3, k)}};
    char dir[] = "hs_summary_XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/e.h5", dir);
    hs_h5 *h;
    ck_assert_int_eq(hs_h5_create(&h, path, 0), 0);

    ck_assert_int_eq(hs_h5_write_records(NULL, "/t", f, 3, r, sizeof *r, 2),
                     HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "no open results writer"));
    ck_assert_int_eq(hs_h5_write_records(h, "t", f, 3, r, sizeof *r, 2),
                     HS_EINVAL);
    ck_assert_int_eq(hs_h5_write_records(h, "/t", f, 3, NULL, sizeof *r, 2),
                     HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "NULL rows"));
    hs_h5_field dup[2] = {f[0], f[0]};
    dup[1].offset = offsetof(rec3, k);
    ck_assert_int_eq(hs_h5_write_records(h, "/t", dup, 2, r, sizeof *r, 2),
                     HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "given twice"));
    hs_h5_field kind = {"x", (hs_h5_kind)9, 0};
    ck_assert_int_eq(hs_h5_write_records(h, "/t", &kind, 1, r, sizeof *r, 2),
                     HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "bad field 0"));
    hs_h5_field utf = {"\xc3(", HS_H5_F64, 0};
    ck_assert_int_eq(hs_h5_write_records(h, "/t", &utf, 1, r, sizeof *r, 2),
                     HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "not valid UTF-8"));
    rec3 nul[1] = {{1, NULL, 1}};
    ck_assert_int_eq(hs_h5_write_records(h, "/t", f, 3, nul, sizeof *nul, 1),
                     HS_EINVAL);
    ck_assert_int_eq(hs_h5_group(h, "/g"), 0);
    ck_assert_int_eq(hs_h5_write_records(h, "/g", f, 3, r, sizeof *r, 2),
                     HS_EEXISTS);

    const double x[2] = {1, 2};
    hs_h5_column c = {"x", HS_H5_COL_F64, x, NULL};
    hs_h5_column badtype = {"x", (hs_h5_coltype)9, x, NULL};
    hs_h5_column nodata = {"x", HS_H5_COL_F64, NULL, NULL};
    ck_assert_int_eq(hs_h5_write_compound(NULL, "/t", &c, 1, 2), HS_EINVAL);
    ck_assert_int_eq(hs_h5_write_compound(h, "/a/../t", &c, 1, 2), HS_EINVAL);
    ck_assert_int_eq(hs_h5_write_compound(h, "/t", &badtype, 1, 2),
                     HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "unknown type"));
    ck_assert_ptr_nonnull(strstr(hs_error_last(), path)); /* names the file */
    ck_assert_int_eq(hs_h5_write_compound(h, "/g", &c, 1, 2), HS_EEXISTS);
    hs_h5_abort(h);
    ck_assert_int_ne(access(path, F_OK), 0); /* nothing left behind */

    hs_h5_field *fo = (hs_h5_field *)1;
    void *ro = (void *)1;
    size_t rs = 1;
    ck_assert_int_eq(hs_h5_columns_to_records("/t", NULL, 1, 2, &fo, &ro, &rs),
                     HS_EINVAL);
    ck_assert(fo == NULL && ro == NULL && rs == 0);
    ck_assert_int_eq(hs_h5_columns_to_records("/t", &c, 0, 2, &fo, &ro, &rs),
                     HS_EINVAL);
    ck_assert_int_eq(
        hs_h5_columns_to_records("/t", &nodata, 1, 2, &fo, &ro, &rs),
        HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "NULL data"));
    ck_assert_int_eq(hs_h5_columns_to_records(NULL, &badtype, 1, 2, &fo, &ro,
                                              &rs),
                     HS_EINVAL);
    /* No rows: NULL data is fine. */
    ck_assert_int_eq(hs_h5_columns_to_records("/t", &nodata, 1, 0, &fo, &ro,
                                              &rs),
                     0);
    ck_assert_uint_eq(rs, 8);
    ck_assert_str_eq(fo[0].name, "x");
    free(fo);
    free(ro);
    rmdir(dir);
}
END_TEST

static Suite *summary_suite(void)
{
    Suite *s = suite_create("summary");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_csv_text);
    tcase_add_test(tc, test_csv_round_trip);
    tcase_add_test(tc, test_json);
    tcase_add_test(tc, test_empty_table);
    tcase_add_test(tc, test_run_fields);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_write_h5);
    tcase_add_test(tc, test_csv_numbers);
    tcase_add_test(tc, test_mc_fields);
    tcase_add_test(tc, test_writer_errors);
    tcase_add_test(tc, test_one_writer);
    suite_add_tcase(s, tc);
    /* On the embedded store, with real runs. */
    TCase *runs = tcase_create("runs");
    tcase_set_timeout(runs, 120);
    tcase_add_test(runs, test_mc_summary);
    tcase_add_test(runs, test_sweep_summary);
    suite_add_tcase(s, runs);
    return s;
}

int main(void) { return hs_test_main(summary_suite()); }
