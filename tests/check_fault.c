/* Fault injection: every allocation made by the library can fail, and each
 * failure gives a clean error, leaks nothing and leaves no partial file.
 *
 * The binary is linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,
 * --wrap=strdup,--wrap=free (the Makefile's rule for this suite), so every
 * such call made from our objects goes through the wrappers below; the
 * allocations inside SQLite, HDF5, GSL and libinih (shared libraries) are
 * not affected.  While armed, the wrappers count allocations and fail the
 * `fail_at`-th; they also remember every block handed out while armed, so
 * that a block still live once the scenario has cleaned up is a leak,
 * found here whatever the build (plain, `make asan`, `make valgrind`).
 *
 * Each test sweeps fail_at = 1, 2, ... over one scenario until a pass in
 * which the fault no longer fires (the scenario then has to succeed):
 *   - importing a small CSV file, and an option chain snapshot, into an
 *     existing store (the store is then exactly as before, or holds the
 *     import complete);
 *   - building a store from a manifest (no file, or the complete store);
 *   - parsing a config, building a plan over a synthetic panel, running it;
 *   - a plan over a panel loaded from a small store;
 *   - writing a results file (new, or over an older one with force): no
 *     file, or the old one intact, or the complete new one; never a
 *     temporary file left behind.
 * A failure must return a negative code with a message. */
#include "enginefix.h"
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ----------------------------------------------------- allocation hook */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
void __wrap_free(void *p);

/* volatile: the compiler takes malloc for the C library's, which touches
 * none of these, and would move their stores across the calls. */
static volatile int armed;     /* count, fail and track only while armed */
static volatile long n_allocs; /* allocations seen since armed */
static volatile long fail_at;  /* fail this one (1-based); 0: none */
static volatile int fired;     /* the failure happened */

/* Blocks handed out while armed: open addressing, cleared per pass. */
#define TRACK_CAP (1u << 20)
#define TOMB ((void *)1)
static void *track[TRACK_CAP];
static size_t n_live, n_used;

static size_t slot_of(const void *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 44) & (TRACK_CAP - 1);
}

static void track_add(void *p)
{
    if (!p || !armed)
        return;
    if (n_used >= TRACK_CAP / 2) {
        fprintf(stderr, "check_fault: allocation table full\n");
        abort();
    }
    size_t i = slot_of(p);
    while (track[i] && track[i] != TOMB)
        i = (i + 1) & (TRACK_CAP - 1);
    if (!track[i])
        n_used++;
    track[i] = p;
    n_live++;
}

static void track_del(void *p)
{
    if (!p || !n_live)
        return;
    for (size_t i = slot_of(p); track[i]; i = (i + 1) & (TRACK_CAP - 1))
        if (track[i] == p) {
            track[i] = TOMB;
            n_live--;
            return;
        }
}

static int should_fail(void)
{
    if (!armed)
        return 0;
    if (++n_allocs == fail_at) {
        fired = 1;
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    void *p = __real_malloc(n);
    track_add(p);
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    void *p = __real_calloc(n, size);
    track_add(p);
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL; /* p is untouched, as after a real failure */
    void *q = __real_realloc(p, n);
    if (q || n == 0)
        track_del(p);
    track_add(q);
    return q;
}

char *__wrap_strdup(const char *s)
{
    if (should_fail())
        return NULL;
    char *p = __real_strdup(s);
    track_add(p);
    return p;
}

void __wrap_free(void *p)
{
    track_del(p);
    __real_free(p);
}

static void arm(long at)
{
    memset(track, 0, sizeof track);
    n_live = n_used = 0;
    n_allocs = 0;
    fail_at = at;
    fired = 0;
    armed = 1;
}

static void disarm(void)
{
    armed = 0;
}

/* What one pass did, checked once disarmed (Check's assertions allocate). */
typedef struct pass {
    int rc;
    char msg[512];
} pass;

static void end_pass(pass *ps, int rc)
{
    disarm();
    ps->rc = rc;
    snprintf(ps->msg, sizeof ps->msg, "%s", rc ? hs_error_last() : "");
}

/* Common checks of a pass that failed at `at`: a clean error or success,
 * a message with an error, nothing live. */
static void check_pass(const char *what, long at, const pass *ps)
{
    ck_assert_msg(ps->rc <= 0, "%s, allocation %ld: positive code %d", what,
                  at, ps->rc);
    ck_assert_msg(ps->rc == 0 || *ps->msg,
                  "%s, allocation %ld: error %d without a message", what, at,
                  ps->rc);
    ck_assert_msg(n_live == 0, "%s, allocation %ld failed (%s): %zu blocks "
                  "leaked", what, at, ps->rc ? ps->msg : "success", n_live);
}

/* The sweep ends with the first pass in which nothing failed; it must have
 * succeeded, after at least one failure was injected.  HS_FAULT_STRIDE=k
 * tries every k-th allocation only (`make valgrind` sets it: there each
 * pass is some fifty times slower, and the sweep's own leak check does not
 * need valgrind). */
#define SWEEP_MAX 200000

static long stride(void)
{
    const char *e = getenv("HS_FAULT_STRIDE");
    long k = e ? strtol(e, NULL, 10) : 1;
    return k > 0 ? k : 1;
}

/* -------------------------------------------------------------- files */

static char dir[4096];

static void make_dir(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/hs-fault-XXXXXX", t && *t ? t : P_tmpdir);
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[8192];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    closedir(d);
    rmdir(dir);
}

/* The names in the test folder, sorted and joined by spaces. */
static void list_dir(char *out, size_t size)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
            size_t len = strlen(out);
            snprintf(out + len, size - len, "%s%s", len ? " " : "",
                     names[i]->d_name);
        }
        free(names[i]);
    }
    free(names);
}

static void path_in(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
    fputs(text, fp);
    ck_assert_int_eq(fclose(fp), 0);
}

/* The whole content of a file (malloc'ed; *n its size).  The allocation is
 * the test's own, made before any fault is armed. */
static char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
    ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
    long size = ftell(fp);
    ck_assert_int_ge(size, 0);
    rewind(fp);
    char *buf = malloc(size ? (size_t)size : 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)size, fp), (size_t)size);
    fclose(fp);
    *n = (size_t)size;
    return buf;
}

static void spit(const char *path, const char *buf, size_t n)
{
    FILE *fp = fopen(path, "wb");
    ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
    ck_assert_uint_eq(fwrite(buf, 1, n, fp), n);
    ck_assert_int_eq(fclose(fp), 0);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* ------------------------------------------------------------- stores */

/* The bars of every spot/perp instrument of a store, summed: a
 * fingerprint that tells "unchanged" from "complete" from anything else. */
typedef struct fingerprint {
    size_t n_instruments, n_bars;
    long long n_quotes; /* option quote rows */
    double sum;
} fingerprint;

static fingerprint store_fingerprint(const char *path)
{
    fingerprint f = {0, 0, 0, 0};
    hs_option_info *oi = NULL;
    size_t n_oi = 0;
    hs_store *s = NULL;
    hs_instrument *ins = NULL;
    ck_assert_msg(hs_store_open(&s, path, HS_STORE_READONLY) == 0, "%s",
                  hs_error_last());
    ck_assert_int_eq(hs_store_instruments(s, -1, &ins, &f.n_instruments), 0);
    for (size_t i = 0; i < f.n_instruments; i++) {
        hs_bar *b = NULL;
        size_t n = 0;
        ck_assert_int_eq(hs_store_bars(s, ins[i].id, INT64_MIN, INT64_MAX, &b,
                                       &n),
                         0);
        for (size_t k = 0; k < n; k++)
            f.sum += (double)b[k].ts * 1e-12 + b[k].open + b[k].high +
                     b[k].low + b[k].close + b[k].volume;
        f.n_bars += n;
        free(b);
    }
    free(ins);
    ck_assert_int_eq(hs_store_option_info(s, &oi, &n_oi), 0);
    for (size_t i = 0; i < n_oi; i++)
        f.n_quotes += oi[i].rows;
    free(oi);
    hs_store_close(s);
    return f;
}

static int same_fingerprint(fingerprint a, fingerprint b)
{
    return a.n_instruments == b.n_instruments && a.n_bars == b.n_bars &&
           a.n_quotes == b.n_quotes && a.sum == b.sum;
}

static const char *const BASE_CSV = "ts,open,high,low,close,volume\n"
                                    "2021-01-01,100,102,99,101,10\n"
                                    "2021-01-02,101,104,100,103,11\n"
                                    "2021-01-03,103,106,101,105,12.5\n";

/* Overlaps BASE_CSV on one identical row, adds three. */
static const char *const MORE_CSV = "ts,open,high,low,close,volume\n"
                                    "2021-01-03,103,106,101,105,12.5\n"
                                    "2021-01-04,105,107,104,106,9\n"
                                    "2021-01-05,106,108,102,103,14\n"
                                    "2021-01-06,103,104,98,99,20\n";

static int import_text_file(const char *db, const char *csv, const char *sym)
{
    hs_store *s = NULL;
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    o.symbol = sym;
    int rc = hs_store_open(&s, db, HS_STORE_WRITE);
    if (!rc)
        rc = hs_import_file(s, csv, &o, NULL);
    hs_store_close(s);
    return rc;
}

/* Import into an existing store: afterwards the store is exactly as
 * before, or holds the import complete. */
START_TEST(test_import_file)
{
    char db[4352], base[4352], more[4352], names[1024];
    make_dir();
    path_in(db, sizeof db, "s.db");
    path_in(base, sizeof base, "base.csv");
    path_in(more, sizeof more, "more.csv");
    write_text(base, BASE_CSV);
    write_text(more, MORE_CSV);
    ck_assert_int_eq(import_text_file(db, base, "TESTX"), 0);
    const fingerprint before = store_fingerprint(db);
    ck_assert_int_eq(import_text_file(db, more, "TESTY"), 0);
    ck_assert_int_eq(import_text_file(db, more, "TESTX"), 0);
    const fingerprint after = store_fingerprint(db);
    ck_assert_uint_eq(after.n_bars, before.n_bars + 4 + 3);
    long at, failures = 0;
    for (at = 1; at < SWEEP_MAX; at += stride()) {
        unlink(db);
        ck_assert_int_eq(import_text_file(db, base, "TESTX"), 0);
        pass ps;
        arm(at);
        int rc = import_text_file(db, more, "TESTY");
        if (!rc)
            rc = import_text_file(db, more, "TESTX");
        end_pass(&ps, rc);
        check_pass("import", at, &ps);
        fingerprint now = store_fingerprint(db);
        list_dir(names, sizeof names);
        ck_assert_msg(!strcmp(names, "base.csv more.csv s.db"),
                      "import, allocation %ld: files left: %s", at, names);
        if (!fired) {
            ck_assert_msg(ps.rc == 0, "import without a fault: %s", ps.msg);
            ck_assert(same_fingerprint(now, after));
            break;
        }
        failures++;
        /* TESTY and TESTX are two transactions: each is all or nothing. */
        ck_assert_msg(ps.rc == 0 || same_fingerprint(now, before) ||
                          (now.n_bars == before.n_bars + 4 &&
                           now.n_instruments == before.n_instruments + 1),
                      "import, allocation %ld: store neither unchanged nor "
                      "complete (%zu bars)",
                      at, now.n_bars);
        if (ps.rc == 0)
            ck_assert(same_fingerprint(now, after));
    }
    ck_assert_msg(at < SWEEP_MAX && failures > 0, "sweep did not end");
    remove_dir();
}
END_TEST

/* An option chain snapshot imported into an existing store: unchanged, or
 * every contract and quote of the file. */
START_TEST(test_import_options)
{
    char db[4352], base[4352], chain[4352], names[1024];
    make_dir();
    path_in(db, sizeof db, "s.db");
    path_in(base, sizeof base, "base.csv");
    ck_assert_ptr_nonnull(getcwd(chain, sizeof chain - 40));
    strcat(chain, "/tests/data/opt_usd_good.csv");
    write_text(base, BASE_CSV);
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    o.format = HS_FMT_DERIBIT_USD;
    o.kind = HS_KIND_OPTION;
    o.snapshot_ts = 1743948360000LL; /* 2025-04-06T14:06:00Z */
    ck_assert_int_eq(import_text_file(db, base, "TESTX"), 0);
    const fingerprint before = store_fingerprint(db);
    hs_store *s = NULL;
    ck_assert_int_eq(hs_store_open(&s, db, HS_STORE_WRITE), 0);
    ck_assert_msg(hs_import_file(s, chain, &o, NULL) == 0, "%s",
                  hs_error_last());
    hs_store_close(s);
    const fingerprint after = store_fingerprint(db);
    ck_assert_int_eq(after.n_quotes, 3);
    ck_assert_uint_eq(after.n_instruments, before.n_instruments + 3);
    long at, failures = 0;
    for (at = 1; at < SWEEP_MAX; at += stride()) {
        unlink(db);
        ck_assert_int_eq(import_text_file(db, base, "TESTX"), 0);
        pass ps;
        s = NULL;
        arm(at);
        int rc = hs_store_open(&s, db, HS_STORE_WRITE);
        if (!rc)
            rc = hs_import_file(s, chain, &o, NULL);
        hs_store_close(s);
        end_pass(&ps, rc);
        check_pass("option import", at, &ps);
        fingerprint now = store_fingerprint(db);
        list_dir(names, sizeof names);
        ck_assert_msg(!strcmp(names, "base.csv s.db"),
                      "option import, allocation %ld: files: %s", at, names);
        ck_assert_msg(ps.rc ? same_fingerprint(now, before)
                            : same_fingerprint(now, after),
                      "option import, allocation %ld (%s): store neither "
                      "unchanged nor complete (%lld quotes)",
                      at, ps.rc ? ps.msg : "success", now.n_quotes);
        if (!fired) {
            ck_assert_msg(ps.rc == 0, "import without a fault: %s", ps.msg);
            break;
        }
        failures++;
    }
    ck_assert_msg(at < SWEEP_MAX && failures > 0, "sweep did not end");
    remove_dir();
}
END_TEST

/* Build a store from a manifest: no file, or the complete store; never a
 * leftover temporary file. */
START_TEST(test_import_build)
{
    char db[4352], names[1024], mdir[4352];
    make_dir();
    path_in(db, sizeof db, "m.db");
    ck_assert_ptr_nonnull(getcwd(mdir, sizeof mdir - 32));
    strcat(mdir, "/tests/data/manifest_ok");
    ck_assert_msg(hs_import_build(mdir, db, 0, NULL, NULL, NULL) == 0, "%s",
                  hs_error_last());
    const fingerprint full = store_fingerprint(db);
    ck_assert_uint_gt(full.n_bars, 0);
    long at, failures = 0;
    for (at = 1; at < SWEEP_MAX; at += stride()) {
        unlink(db);
        pass ps;
        arm(at);
        end_pass(&ps, hs_import_build(mdir, db, 0, NULL, NULL, NULL));
        check_pass("manifest build", at, &ps);
        list_dir(names, sizeof names);
        if (ps.rc) {
            ck_assert_msg(!*names, "manifest build, allocation %ld failed "
                          "(%s): files left: %s", at, ps.msg, names);
        } else {
            ck_assert_msg(!strcmp(names, "m.db"), "files: %s", names);
            ck_assert(same_fingerprint(store_fingerprint(db), full));
        }
        if (!fired) {
            ck_assert_msg(ps.rc == 0, "build without a fault: %s", ps.msg);
            break;
        }
        failures++;
    }
    ck_assert_msg(at < SWEEP_MAX && failures > 0, "sweep did not end");
    remove_dir();
}
END_TEST

/* ------------------------------------------------------------- runs */

static const char *const RUNS =
    "[strategy.none]\ntype = unhedged\n"
    "[strategy.ols]\ntype = perp_short\nbeta = ols\nwindow = 20\n"
    "[strategy.band]\ntype = dynamic_rebalance\nbeta = ewma\nhalflife = 10\n"
    "band = 0.1\n"
    "[strategy.kal]\ntype = min_variance\nbeta = kalman\n"
    "[strategy.puts]\ntype = protective_put\nbeta = ewma\n"
    "contract_size = 0.1\n"
    "[options]\nunderlying = BENCH\nchains = model\n";

/* Config text -> plan over `panel` (or the store at `db`) -> run. */
static int config_plan_run(const char *text, hs_panel *panel, const char *db,
                           double *equity_end)
{
    hs_config *c = NULL;
    hs_registry *reg = NULL;
    hs_store *st = NULL;
    hs_plan *pl = NULL;
    hs_plan_opts po = HS_PLAN_OPTS_INIT;
    int rc;
    po.panel = panel;
    po.live_from = panel ? 30 : 0;
    if ((rc = hs_config_parse(&c, text, "fault.ini")) ||
        (rc = hs_registry_new(&reg)))
        goto done;
    if (db && (rc = hs_store_open(&st, db, HS_STORE_READONLY)))
        goto done;
    if ((rc = hs_plan_new(&pl, c, reg, st, &po)) || (rc = hs_plan_run(pl)))
        goto done;
    *equity_end = 0;
    for (size_t i = 0; i < hs_plan_n_runs(pl); i++) {
        const hs_run_series *s = hs_plan_series(pl, i);
        *equity_end += s->equity[hs_plan_panel(pl)->n_steps - 1];
    }
done:
    hs_plan_free(pl);
    hs_store_close(st);
    hs_registry_free(reg);
    hs_config_free(c);
    return rc;
}

static void sweep_runs(const char *what, const char *text, hs_panel *panel,
                       const char *db)
{
    double want = 0, got = 0;
    ck_assert_msg(config_plan_run(text, panel, db, &want) == 0, "%s",
                  hs_error_last());
    ck_assert(isfinite(want) && want > 0);
    long at, failures = 0;
    for (at = 1; at < SWEEP_MAX; at += stride()) {
        pass ps;
        got = 0;
        arm(at);
        end_pass(&ps, config_plan_run(text, panel, db, &got));
        check_pass(what, at, &ps);
        if (!ps.rc)
            ck_assert_msg(got == want, "%s, allocation %ld: success with "
                          "another result (%.17g, not %.17g)",
                          what, at, got, want);
        if (!fired) {
            ck_assert_msg(ps.rc == 0, "%s without a fault: %s", what, ps.msg);
            break;
        }
        failures++;
    }
    ck_assert_msg(at < SWEEP_MAX && failures > 0, "sweep did not end");
}

/* Config parse, plan and run over a synthetic panel, options included. */
START_TEST(test_plan_run_panel)
{
    const double beta[2] = {0.9, 1.3};
    hs_panel *p = fix_panel(90, 2, beta, 0.02, 0.0001, 7);
    char text[8192];
    fix_config_text(text, sizeof text, p, 2, 30, 5, 2, "next_open", RUNS);
    sweep_runs("plan over a panel", text, p, NULL);
    hs_panel_free(p);
}
END_TEST

/* The same over a panel loaded from a small store. */
START_TEST(test_plan_run_store)
{
    const double beta[2] = {0.9, 1.3};
    hs_panel *p = fix_panel(90, 2, beta, 0.02, 0, 8);
    char db[4352], csv[4352], text[8192], row[256];
    make_dir();
    path_in(db, sizeof db, "p.db");
    path_in(csv, sizeof csv, "bars.csv");
    for (size_t a = 0; a < p->n_assets; a++) {
        FILE *fp = fopen(csv, "w");
        ck_assert_ptr_nonnull(fp);
        fputs("ts,open,high,low,close,volume\n", fp);
        for (size_t t = 0; t < p->n_steps; t++) {
            size_t i = t * p->n_assets + a;
            snprintf(row, sizeof row, "%lld,%.17g,%.17g,%.17g,%.17g,%.17g\n",
                     (long long)p->time[t], p->open[i], p->high[i], p->low[i],
                     p->close[i], p->volume[i]);
            fputs(row, fp);
        }
        ck_assert_int_eq(fclose(fp), 0);
        hs_store *s = NULL;
        hs_import_opts o = HS_IMPORT_OPTS_INIT;
        o.symbol = p->symbol[a];
        if (strstr(p->symbol[a], "-PERP")) {
            o.kind = HS_KIND_PERP;
            o.underlying = "BENCH";
        }
        ck_assert_int_eq(hs_store_open(&s, db, HS_STORE_WRITE), 0);
        ck_assert_msg(hs_import_file(s, csv, &o, NULL) == 0, "%s",
                      hs_error_last());
        hs_store_close(s);
    }
    fix_config_text(text, sizeof text, p, 2, 30, 5, 2, "next_open",
                    "[strategy.none]\ntype = unhedged\n"
                    "[strategy.ols]\ntype = perp_short\nbeta = ols\n"
                    "window = 20\n");
    /* The store's panel starts `lookback` steps before start. */
    char *at = strstr(text, "[book]");
    ck_assert_ptr_nonnull(at);
    char with[8192];
    snprintf(with, sizeof with, "%.*slookback = 25\n%s", (int)(at - text),
             text, at);
    sweep_runs("plan over a store", with, NULL, db);
    hs_panel_free(p);
    remove_dir();
}
END_TEST

/* ---------------------------------------------------------- results */

/* A results file: written complete or not at all, an older one kept intact
 * when the new write fails, never a temporary file left behind. */
START_TEST(test_results_write)
{
    const double beta[2] = {0.9, 1.3};
    hs_panel *p = fix_panel(90, 2, beta, 0.02, 0.0001, 9);
    char text[8192], out[4352], names[1024];
    /* Two runs: hedge fills, option trades and every series; more runs
     * repeat the same allocations. */
    fix_config_text(text, sizeof text, p, 2, 30, 5, 2, "next_open",
                    "[strategy.ols]\ntype = perp_short\nbeta = ols\n"
                    "window = 20\n"
                    "[strategy.puts]\ntype = protective_put\nbeta = ewma\n"
                    "contract_size = 0.1\n"
                    "[options]\nunderlying = BENCH\nchains = model\n");
    hs_config *c = NULL;
    hs_plan *pl = NULL;
    ck_assert_int_eq(fix_plan(&pl, &c, p, 30, text), 0);
    ck_assert_int_eq(hs_plan_run(pl), 0);
    make_dir();
    path_in(out, sizeof out, "r.h5");
    hs_results_meta meta = {.mode = "history", .config_text = c->text};
    ck_assert_msg(hs_plan_write(pl, out, 0, &meta) == 0, "%s",
                  hs_error_last());
    const long full = file_size(out);
    double *eq = NULL;
    size_t n = 0;
    const size_t live = p->n_steps - 30;
    ck_assert_int_eq(hs_h5_read_f64(out, "/runs/puts/equity", &eq, &n), 0);
    ck_assert_uint_eq(n, live);
    const double last = eq[n - 1];
    free(eq);
    /* An older, different results file at the path (the writer replaces
     * nothing else): kept byte for byte on failure. */
    hs_results_meta older = meta;
    older.mode = "an older run";
    unlink(out);
    ck_assert_int_eq(hs_plan_write(pl, out, 0, &older), 0);
    size_t n_old = 0;
    char *old = slurp(out, &n_old);
    for (int force = 0; force <= 1; force++) {
        long at, failures = 0;
        for (at = 1; at < SWEEP_MAX; at += stride()) {
            unlink(out);
            if (force)
                spit(out, old, n_old);
            pass ps;
            arm(at);
            end_pass(&ps, hs_plan_write(pl, out, force, &meta));
            check_pass(force ? "results write --force" : "results write", at,
                       &ps);
            list_dir(names, sizeof names);
            ck_assert_msg(!strcmp(names, "r.h5") || (!force && !*names),
                          "results write, allocation %ld (%s): files: %s", at,
                          ps.rc ? ps.msg : "success", names);
            if (ps.rc) {
                if (force) {
                    size_t n_now = 0;
                    char *now = slurp(out, &n_now);
                    ck_assert_msg(n_now == n_old && !memcmp(now, old, n_old),
                                  "allocation %ld: the older file was "
                                  "changed (%zu bytes)",
                                  at, n_now);
                    free(now);
                }
            } else {
                ck_assert_int_eq(file_size(out), full);
                ck_assert_int_eq(
                    hs_h5_read_f64(out, "/runs/puts/equity", &eq, &n), 0);
                ck_assert(n == live && eq[n - 1] == last);
                free(eq);
            }
            if (!fired) {
                ck_assert_msg(ps.rc == 0, "write without a fault: %s", ps.msg);
                break;
            }
            failures++;
        }
        ck_assert_msg(at < SWEEP_MAX && failures > 0, "sweep did not end");
    }
    free(old);
    remove_dir();
    hs_plan_free(pl);
    hs_config_free(c);
    hs_panel_free(p);
}
END_TEST

/* The hook itself: it fails exactly the Nth allocation, and sees a leak. */
START_TEST(test_hook)
{
    arm(2);
    void *a = malloc(8), *b = malloc(8), *c = calloc(2, 8);
    char *d = strdup("x");
    void *e = realloc(c, 64);
    disarm();
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_null(b);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(n_allocs, 5);
    ck_assert_int_eq(fired, 1);
    ck_assert_uint_eq(n_live, 3);
    free(a);
    free(d);
    ck_assert_uint_eq(n_live, 1);
    free(e);
    ck_assert_uint_eq(n_live, 0);
}
END_TEST

static Suite *fault_suite(void)
{
    Suite *s = suite_create("fault");
    TCase *tc = tcase_create("core");
    /* Sweeps repeat a scenario once per allocation: minutes under
     * valgrind. */
    tcase_set_timeout(tc, 1800);
    tcase_add_test(tc, test_hook);
    tcase_add_test(tc, test_import_file);
    tcase_add_test(tc, test_import_options);
    tcase_add_test(tc, test_import_build);
    tcase_add_test(tc, test_plan_run_panel);
    tcase_add_test(tc, test_plan_run_store);
    tcase_add_test(tc, test_results_write);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return hs_test_main(fault_suite());
}
