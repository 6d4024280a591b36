/* The hooks that let hedgesim-mpi share work (mc.h, sweep.h: next_chunk,
 * pack and unpack), tested in one process without MPI: two runners play
 * two ranks, each taking every other chunk from a shared counter; the
 * results of one are packed and unpacked into the other, which must then
 * equal a run of every path or point by itself, byte for byte.  Also the
 * errors: a failing next_chunk, a chunk out of range, an unpack out of
 * range, and an incomplete result that the writer refuses. */
#include "testutil.h"

#include "hedgesim/errors.h"
#include "hedgesim/mc.h"
#include "hedgesim/sweep.h"

#include <string.h>
#include <unistd.h>

#define MC_CFG \
    "[data]\ndb = %s\nstart = 2024-01-01\nend = 2024-12-31\nstep = 1d\n" \
    "usdt_is_usd = true\n" \
    "[book]\nassets = ETH,BNB\ncapital = 1000000\nmin_history = 30\n" \
    "[hedge]\nbenchmark = BTC\ninstrument = BTC-PERP\n" \
    "[strategy.unhedged]\ntype = unhedged\n" \
    "[strategy.ewma]\ntype = perp_short\nbeta = ewma\nhalflife = 10\n" \
    "[mc]\nsteps = 20\n" \
    "[mc.regime.calm]\nto.calm = 0.9\nto.stress = 0.1\nvol = 0.5, 0.7, 0.8\n" \
    "corr = 0.6\njump_rate = 2\njump_mean = -0.05\njump_sd = 0.02\n" \
    "[mc.regime.stress]\nto.calm = 0.3\nto.stress = 0.7\nvol = 1.0\n" \
    "corr = 0.9\n"

#define SW_CFG \
    "[data]\ndb = %s\nstart = 2021-01-01\nend = 2021-12-31\n" \
    "usdt_is_usd = true\n" \
    "[book]\nassets = ETH,ADA,LTC\ncapital = 100000\nmin_history = 20\n" \
    "[hedge]\nbenchmark = BTC\ninstrument = BTC-PERP\n" \
    "[costs]\nfee_bps = 5\nslippage_bps = 2\n" \
    "[strategy.ols]\ntype = perp_short\nbeta = ols\nwindow = 30\n"

/* Two "ranks" over one counter: chunk k of size 3 goes to rank k % 2. */
typedef struct share {
    size_t total, next[2];
    int rank;
    int fail_at; /* calls before next_chunk fails (-1: never) */
    int out_of_range;
} share;

static int chunk(void *ctx, size_t *first, size_t *count)
{
    share *s = ctx;
    if (s->fail_at == 0)
        return hs_error_set(HS_EIO, "the chunk server went away");
    if (s->fail_at > 0)
        s->fail_at--;
    if (s->out_of_range) {
        *first = s->total;
        *count = 1;
        return 0;
    }
    size_t k = s->next[s->rank] * 2 + (size_t)s->rank, f = 3 * k;
    s->next[s->rank]++;
    *first = f < s->total ? f : s->total;
    *count = f < s->total ? (s->total - f < 3 ? s->total - f : 3) : 0;
    return 0;
}

/* The config MC_CFG or SW_CFG with the store's path in it (a macro, so
 * that the format stays a literal). */
static char cfg_text[4096];
#define parse(fmt)                                                             \
    (snprintf(cfg_text, sizeof cfg_text, fmt, hs_test_db()),                   \
     parse_text(cfg_text))

static hs_config *parse_text(const char *text)
{
    hs_config *c = NULL;
    ck_assert_msg(hs_config_parse(&c, text, "t.ini") == 0, "%s",
                  hs_error_last());
    return c;
}

static hs_mc *mc_new(hs_config *c, hs_registry *reg, hs_store *st,
                     share *s, unsigned threads)
{
    hs_mc *mc = NULL;
    hs_mc_opts o = HS_MC_OPTS_INIT;
    o.paths = 23;
    o.seed = 11;
    o.threads = threads;
    o.keep_paths = 4;
    o.band_limit = 20 * 9; /* bands over the first 9 paths only */
    if (s) {
        o.next_chunk = chunk;
        o.chunk_ctx = s;
    }
    ck_assert_msg(hs_mc_new(&mc, c, reg, st, &o) == 0, "%s", hs_error_last());
    return mc;
}

START_TEST(test_mc_shared)
{
    hs_config *c = parse(MC_CFG);
    hs_store *st = NULL;
    hs_registry *reg = NULL;
    ck_assert_int_eq(hs_store_open(&st, hs_test_db(), HS_STORE_READONLY), 0);
    ck_assert_int_eq(hs_registry_new(&reg), 0);
    hs_mc *all = mc_new(c, reg, st, NULL, 1);
    ck_assert_int_eq(hs_mc_run(all), 0);
    share s = {.total = 23, .fail_at = -1};
    hs_mc *r[2];
    for (int k = 0; k < 2; k++) {
        s.rank = k;
        r[k] = mc_new(c, reg, st, &s, k ? 1 : 2);
        ck_assert_msg(hs_mc_run(r[k]) == 0, "%s", hs_error_last());
    }
    /* Rank 0 ran chunks 0, 2, 4, 6 (paths 0-2, 6-8, 12-14, 18-20). */
    ck_assert_uint_eq(hs_mc_done(r[0]), 12);
    ck_assert_uint_eq(hs_mc_done(r[1]), 11);
    ck_assert_uint_eq(hs_mc_band_paths(r[0]), 9);
    /* Incomplete: no bands, and the writer refuses and writes nothing. */
    double b[HS_MC_N_BANDS], h[HS_MC_N_BANDS];
    ck_assert_int_eq(hs_mc_bands(r[0], 0, 0, b, h), HS_EINVAL);
    char path[64];
    snprintf(path, sizeof path, "share-%d.h5", (int)getpid());
    hs_results_meta meta = {0};
    ck_assert_int_eq(hs_mc_write(r[0], path, 1, &meta), HS_EINVAL);
    ck_assert_int_eq(access(path, F_OK), -1);
    /* Rank 1's paths into rank 0. */
    unsigned char buf[1 << 16];
    for (size_t p = 0; p < 23; p++)
        if (p / 3 % 2 == 1) {
            size_t n = hs_mc_path_bytes(r[1], p);
            ck_assert(n <= sizeof buf);
            /* rows of 2 runs; band series for p < 9, kept for p < 4 */
            ck_assert_uint_eq(n, 2 * (sizeof(hs_mc_row) +
                                      (p < 9 ? 2 * 20 * 8 : 0) +
                                      (p < 4 ? 2 * 20 * 8 : 0)));
            hs_mc_path_pack(r[1], p, buf);
            ck_assert_int_eq(hs_mc_path_unpack(r[0], p, buf), 0);
        }
    ck_assert_int_eq(hs_mc_path_unpack(r[0], 23, buf), HS_EINVAL);
    ck_assert_uint_eq(hs_mc_done(r[0]), 23);
    for (size_t i = 0; i < 2; i++) {
        for (size_t p = 0; p < 23; p++)
            ck_assert_int_eq(memcmp(hs_mc_row_of(all, i, p),
                                    hs_mc_row_of(r[0], i, p),
                                    sizeof(hs_mc_row)),
                             0);
        for (size_t t = 0; t < 20; t++) {
            double a[HS_MC_N_BANDS], ha[HS_MC_N_BANDS];
            ck_assert_int_eq(hs_mc_bands(all, i, t, a, ha), 0);
            ck_assert_int_eq(hs_mc_bands(r[0], i, t, b, h), 0);
            ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
            ck_assert_int_eq(memcmp(ha, h, sizeof ha), 0);
        }
    }
    /* Kept series travel too: the packed bytes of path 1 are equal. */
    unsigned char b1[1 << 16], b2[1 << 16];
    hs_mc_path_pack(all, 1, b1);
    hs_mc_path_pack(r[0], 1, b2);
    ck_assert_int_eq(memcmp(b1, b2, hs_mc_path_bytes(all, 1)), 0);
    /* Errors of next_chunk fail the run, with their message. */
    share bad = {.total = 23, .fail_at = 2};
    hs_mc *f = mc_new(c, reg, st, &bad, 1);
    ck_assert_int_eq(hs_mc_run(f), HS_EIO);
    ck_assert(strstr(hs_error_last(), "went away") != NULL);
    hs_mc_free(f);
    share wide = {.total = 23, .fail_at = -1, .out_of_range = 1};
    f = mc_new(c, reg, st, &wide, 1);
    ck_assert_int_eq(hs_mc_run(f), HS_EINVAL);
    ck_assert(strstr(hs_error_last(), "outside") != NULL);
    hs_mc_free(f);
    for (int k = 0; k < 2; k++)
        hs_mc_free(r[k]);
    hs_mc_free(all);
    hs_registry_free(reg);
    hs_store_close(st);
    hs_config_free(c);
}
END_TEST

static hs_sweep *sw_new(hs_config *c, hs_registry *reg, share *s)
{
    static const char *const vary[] = {"strategy.ols.window=10:40:10",
                                       "costs.fee_bps=2,5"};
    hs_sweep *sw = NULL;
    hs_sweep_opts o = HS_SWEEP_OPTS_INIT;
    o.threads = 2;
    if (s) {
        o.next_chunk = chunk;
        o.chunk_ctx = s;
    }
    ck_assert_msg(hs_sweep_new(&sw, c, reg, vary, 2, &o) == 0, "%s",
                  hs_error_last());
    return sw;
}

START_TEST(test_sweep_shared)
{
    hs_config *c = parse(SW_CFG);
    hs_store *st = NULL;
    hs_registry *reg = NULL;
    ck_assert_int_eq(hs_store_open(&st, hs_test_db(), HS_STORE_READONLY), 0);
    ck_assert_int_eq(hs_registry_new(&reg), 0);
    hs_sweep *all = sw_new(c, reg, NULL);
    ck_assert_int_eq(hs_sweep_run(all, st), 0);
    share s = {.total = 8, .fail_at = -1};
    hs_sweep *r[2];
    for (int k = 0; k < 2; k++) {
        s.rank = k;
        r[k] = sw_new(c, reg, &s);
        ck_assert_msg(hs_sweep_run(r[k], st) == 0, "%s", hs_error_last());
    }
    /* Work items go cost tuple by cost tuple: item 1 is point 2 (window
     * 20, fee 2), item 4 is point 1 (window 10, fee 5). */
    ck_assert_uint_eq(hs_sweep_point_of_work(all, 1), 2);
    ck_assert_uint_eq(hs_sweep_point_of_work(all, 4), 1);
    ck_assert_ptr_null(hs_sweep_metrics(r[0], 0)); /* incomplete */
    unsigned char buf[4096];
    ck_assert(hs_sweep_point_bytes() <= sizeof buf);
    for (size_t w = 3; w < 6; w++) { /* rank 1's chunk */
        size_t p = hs_sweep_point_of_work(r[1], w);
        hs_sweep_point_pack(r[1], p, buf);
        ck_assert_int_eq(hs_sweep_point_unpack(r[0], p, buf), 0);
    }
    ck_assert_int_eq(hs_sweep_point_unpack(r[0], 8, buf), HS_EINVAL);
    for (size_t p = 0; p < 8; p++) {
        ck_assert_ptr_nonnull(hs_sweep_metrics(r[0], p));
        ck_assert_int_eq(memcmp(hs_sweep_metrics(all, p),
                                hs_sweep_metrics(r[0], p),
                                sizeof(hs_metrics)),
                         0);
    }
    /* Points differ, so the comparison can fail. */
    ck_assert(memcmp(hs_sweep_metrics(all, 0), hs_sweep_metrics(all, 1),
                     sizeof(hs_metrics)) != 0);
    share bad = {.total = 8, .fail_at = 0};
    hs_sweep *f = sw_new(c, reg, &bad);
    ck_assert_int_eq(hs_sweep_run(f, st), HS_EIO);
    ck_assert(strstr(hs_error_last(), "went away") != NULL);
    hs_sweep_free(f);
    share wide = {.total = 8, .fail_at = -1, .out_of_range = 1};
    f = sw_new(c, reg, &wide);
    ck_assert_int_eq(hs_sweep_run(f, st), HS_EINVAL);
    hs_sweep_free(f);
    for (int k = 0; k < 2; k++)
        hs_sweep_free(r[k]);
    hs_sweep_free(all);
    hs_registry_free(reg);
    hs_store_close(st);
    hs_config_free(c);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("share");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_mc_shared);
    tcase_add_test(tc, test_sweep_shared);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return hs_test_main(suite()); }
