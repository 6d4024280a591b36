/* Tests for summary tables: CSV text against hand-written answers (RFC 4180
 * quoting, shortest round-trip numbers, NaN and infinities), JSON parsed
 * back with jansson, the run summary's columns, and every error return. */
#include "testutil.h"
#include "hedgesim/summary.h"

#include <jansson.h>
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
    char dir[] = "/tmp/hs_summary_XXXXXX", path[64];
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
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return hs_test_main(summary_suite()); }
