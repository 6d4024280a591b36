/* Option chains: the pickers on a hand-built slice, replay of the embedded
 * store's Deribit snapshots (coin prices converted to USD) and of a small
 * store written here (USD rows with parity forwards, source filters, age
 * limit), and the modeled chains: no look-ahead, the DVOL anchor, the
 * realized and GARCH fallbacks, put-call parity, bid <= mark <= ask, the
 * strike grid and the exchange's expiry pattern. */
#include "testutil.h"

#include "hedgesim/calendar.h"
#include "hedgesim/chain.h"
#include "hedgesim/market.h"
#include "hedgesim/price.h"
#include "hedgesim/config.h"
#include "hedgesim/ledger.h"
#include "hedgesim/plan.h"
#include "hedgesim/store.h"
#include "hedgesim/strategy.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define DAY HS_MS_PER_DAY
#define YEAR_MS (365.0 * (double)HS_MS_PER_DAY)

static int64_t T(const char *text)
{
    int64_t t = 0;
    ck_assert_int_eq(hs_cal_parse_time(text, &t), 0);
    return t;
}

static void assert_msg_has(const char *needle)
{
    ck_assert_msg(strstr(hs_error_last(), needle) != NULL,
                  "message '%s' lacks '%s'", hs_error_last(), needle);
}

/* Bitwise equality of doubles (NAN equal to the same NAN). */
static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static int same_quote(const hs_chain_quote *a, const hs_chain_quote *b)
{
    return a->expiry == b->expiry && a->right == b->right &&
           same_bits(a->strike, b->strike) && same_bits(a->bid, b->bid) &&
           same_bits(a->ask, b->ask) && same_bits(a->mark, b->mark) &&
           same_bits(a->iv, b->iv) && same_bits(a->forward, b->forward);
}

static void assert_same_slice(const hs_chain *a, const hs_chain *b, size_t t)
{
    ck_assert_msg(a->n == b->n, "step %zu: %zu vs %zu quotes", t, a->n, b->n);
    ck_assert_msg(a->ts == b->ts && same_bits(a->spot, b->spot) &&
                      strcmp(a->source, b->source) == 0 &&
                      a->modeled == b->modeled,
                  "step %zu: slice headers differ", t);
    for (size_t i = 0; i < a->n; i++)
        ck_assert_msg(same_quote(&a->q[i], &b->q[i]),
                      "step %zu: quote %zu differs", t, i);
}

/* Quotes ascend by expiry, then right, then strike. */
static void assert_sorted(const hs_chain *c)
{
    for (size_t i = 1; i < c->n; i++) {
        const hs_chain_quote *a = &c->q[i - 1], *b = &c->q[i];
        int ok = a->expiry < b->expiry ||
                 (a->expiry == b->expiry &&
                  (a->right < b->right ||
                   (a->right == b->right && a->strike < b->strike)));
        ck_assert_msg(ok, "quotes %zu and %zu out of order", i - 1, i);
    }
}

/* ================================================================ slices */

START_TEST(test_new_reserve_free)
{
    hs_chain *c = NULL;
    ck_assert_int_eq(hs_chain_new(&c, 10), 0);
    ck_assert_uint_eq(c->cap, 10);
    ck_assert_uint_eq(c->n, 0);
    ck_assert(isnan(c->spot));
    c->q[0].strike = 42;
    c->n = 1;
    ck_assert_int_eq(hs_chain_reserve(c, 5), 0); /* never shrinks */
    ck_assert_uint_eq(c->cap, 10);
    ck_assert_int_eq(hs_chain_reserve(c, 1000), 0);
    ck_assert_uint_eq(c->cap, 1000);
    ck_assert_uint_eq(c->n, 1);
    hs_ck_near(c->q[0].strike, 42, 0);
    ck_assert_int_eq(hs_chain_reserve(NULL, 1), HS_EINVAL);
    ck_assert_int_eq(hs_chain_reserve(c, SIZE_MAX), HS_ENOMEM);
    ck_assert_uint_eq(c->cap, 1000);
    hs_chain_free(c);
    hs_chain_free(NULL);
    ck_assert_int_eq(hs_chain_new(NULL, 1), HS_EINVAL);
    ck_assert_int_eq(hs_chain_new(&c, 0), 0);
    ck_assert_uint_eq(c->cap, 0);
    ck_assert_ptr_null(c->q);
    hs_chain_free(c);
}
END_TEST

/* The hand-built slice: spot 100, forward 100, iv 0.8.  E1 (7 days) has
 * puts only, none with an ask; E2 (20 days) and E3 (40 days) have calls and
 * puts at 80, 90, 100, 110, 120.  The E2 90 put has no ask. */
static const int64_t NOW = INT64_C(1704067200000); /* 2024-01-01T00:00Z */
static const int64_t E1 = INT64_C(1704067200000) + 7 * DAY;
static const int64_t E2 = INT64_C(1704067200000) + 20 * DAY;
static const int64_t E3 = INT64_C(1704067200000) + 40 * DAY;

static void add(hs_chain *c, int64_t e, char right, double K, double ask)
{
    hs_chain_quote *q = &c->q[c->n++];
    q->expiry = e;
    q->right = right;
    q->strike = K;
    q->bid = isfinite(ask) ? ask - 0.5 : NAN;
    q->ask = ask;
    q->mark = isfinite(ask) ? ask - 0.25 : 1;
    q->iv = 0.8;
    q->forward = 100;
}

static hs_chain *hand_slice(void)
{
    hs_chain *c = NULL;
    static const double K[5] = {80, 90, 100, 110, 120};
    ck_assert_int_eq(hs_chain_new(&c, 64), 0);
    c->ts = NOW;
    c->spot = 100;
    for (int i = 0; i < 5; i++)
        add(c, E1, 'P', K[i], NAN);
    for (int i = 0; i < 5; i++)
        add(c, E2, 'C', K[i], 5);
    for (int i = 0; i < 5; i++)
        add(c, E2, 'P', K[i], K[i] == 90 ? NAN : 5);
    for (int i = 0; i < 5; i++)
        add(c, E3, 'C', K[i], 5);
    for (int i = 0; i < 5; i++)
        add(c, E3, 'P', K[i], 5);
    assert_sorted(c);
    return c;
}

START_TEST(test_pick_expiry)
{
    hs_chain *c = hand_slice();
    /* 30 days: E2 and E3 are both 10 days away; the earlier wins. */
    ck_assert_int_eq(hs_chain_pick_expiry(c, NOW, 30 * DAY, 0), E2);
    ck_assert_int_eq(hs_chain_pick_expiry(c, NOW, 35 * DAY, 0), E3);
    /* E1 is nearest to 1 day but has no ask. */
    ck_assert_int_eq(hs_chain_pick_expiry(c, NOW, 1 * DAY, 0), E2);
    ck_assert_int_eq(hs_chain_pick_expiry(c, NOW, 1 * DAY, 25 * DAY), E3);
    ck_assert_int_eq(hs_chain_pick_expiry(c, NOW, 1 * DAY, 20 * DAY), E2);
    ck_assert_int_eq(hs_chain_pick_expiry(c, NOW, 30 * DAY, 41 * DAY), 0);
    ck_assert_int_eq(hs_chain_pick_expiry(NULL, NOW, 30 * DAY, 0), 0);
    c->n = 0;
    ck_assert_int_eq(hs_chain_pick_expiry(c, NOW, 30 * DAY, 0), 0);
    hs_chain_free(c);
}
END_TEST

START_TEST(test_pick_moneyness)
{
    hs_chain *c = hand_slice();
    int i = hs_chain_pick_moneyness(c, E3, 'P', 0.9);
    ck_assert_int_ge(i, 0);
    ck_assert(c->q[i].expiry == E3 && c->q[i].right == 'P');
    hs_ck_near(c->q[i].strike, 90, 0);
    /* 95: 90 and 100 are as near; the lower strike wins. */
    i = hs_chain_pick_moneyness(c, E3, 'P', 0.95);
    hs_ck_near(c->q[i].strike, 90, 0);
    i = hs_chain_pick_moneyness(c, E3, 'C', 1.2);
    ck_assert(c->q[i].right == 'C');
    hs_ck_near(c->q[i].strike, 120, 0);
    i = hs_chain_pick_moneyness(c, E3, 'C', 3.0);
    hs_ck_near(c->q[i].strike, 120, 0);
    /* E2's 90 put has no ask: 80 and 100 are as near, 80 wins. */
    i = hs_chain_pick_moneyness(c, E2, 'P', 0.9);
    ck_assert(c->q[i].expiry == E2 && c->q[i].right == 'P');
    hs_ck_near(c->q[i].strike, 80, 0);
    /* No ask anywhere in E1; no such expiry; NAN moneyness. */
    ck_assert_int_eq(hs_chain_pick_moneyness(c, E1, 'P', 0.9), -1);
    ck_assert_int_eq(hs_chain_pick_moneyness(c, E1 + 1, 'P', 0.9), -1);
    ck_assert_int_eq(hs_chain_pick_moneyness(c, E3, 'P', NAN), -1);
    ck_assert_int_eq(hs_chain_pick_moneyness(NULL, E3, 'P', 0.9), -1);
    /* Without a spot the quote's forward is the reference. */
    c->spot = NAN;
    i = hs_chain_pick_moneyness(c, E3, 'P', 0.9);
    hs_ck_near(c->q[i].strike, 90, 0);
    /* With a spot of 110, 0.9 means 99: strike 100. */
    c->spot = 110;
    i = hs_chain_pick_moneyness(c, E3, 'P', 0.9);
    hs_ck_near(c->q[i].strike, 100, 0);
    hs_chain_free(c);
}
END_TEST

/* Black-76 deltas at F = 100, sigma = 0.8, T = 40/365, r = 0, from
 * N(d1) and N(d1) - 1 computed independently (python3, math.erf):
 *   K   80: call 0.8352, put -0.1648     K  90: call 0.7020, put -0.2980
 *   K 100: call 0.5527, put -0.4473     K 110: call 0.4100, put -0.5900
 *   K 120: call 0.2891, put -0.7109 */
START_TEST(test_pick_delta)
{
    hs_chain *c = hand_slice();
    int i = hs_chain_pick_delta(c, E3, 'P', -0.25, NOW, 0);
    ck_assert(c->q[i].expiry == E3 && c->q[i].right == 'P');
    hs_ck_near(c->q[i].strike, 90, 0); /* |-0.298 + 0.25| < |-0.165 + 0.25| */
    i = hs_chain_pick_delta(c, E3, 'P', -0.20, NOW, 0);
    hs_ck_near(c->q[i].strike, 80, 0);
    i = hs_chain_pick_delta(c, E3, 'C', 0.25, NOW, 0);
    ck_assert(c->q[i].right == 'C');
    hs_ck_near(c->q[i].strike, 120, 0);
    i = hs_chain_pick_delta(c, E3, 'C', 0.5, NOW, 0);
    hs_ck_near(c->q[i].strike, 100, 0);
    /* A quote without an iv is skipped. */
    int k100 = hs_chain_find(c, E3, 100, 'C');
    c->q[k100].iv = NAN;
    i = hs_chain_pick_delta(c, E3, 'C', 0.5, NOW, 0);
    hs_ck_near(c->q[i].strike, 110, 0); /* 0.410 is nearer than 0.702 */
    /* Expired (or expiring now) and unknown expiries; bad targets. */
    ck_assert_int_eq(hs_chain_pick_delta(c, E3, 'C', 0.5, E3, 0), -1);
    ck_assert_int_eq(hs_chain_pick_delta(c, E3 + 1, 'C', 0.5, NOW, 0), -1);
    ck_assert_int_eq(hs_chain_pick_delta(c, E3, 'C', NAN, NOW, 0), -1);
    ck_assert_int_eq(hs_chain_pick_delta(c, E1, 'P', -0.25, NOW, 0), -1);
    ck_assert_int_eq(hs_chain_pick_delta(NULL, E3, 'P', -0.25, NOW, 0), -1);
    hs_chain_free(c);
}
END_TEST

START_TEST(test_find)
{
    hs_chain *c = hand_slice();
    int i = hs_chain_find(c, E2, 110, 'C');
    ck_assert_int_eq(i, 5 + 3);
    i = hs_chain_find(c, E3, 80, 'P');
    ck_assert_int_eq(i, 20);
    /* quotes without an ask are found too */
    ck_assert_int_eq(hs_chain_find(c, E1, 120, 'P'), 4);
    ck_assert_int_eq(hs_chain_find(c, E2, 90, 'P'), 11);
    /* within 1e-9 relative */
    ck_assert_int_eq(hs_chain_find(c, E2, 90 * (1 + 1e-12), 'P'), 11);
    ck_assert_int_eq(hs_chain_find(c, E2, 90.001, 'P'), -1);
    ck_assert_int_eq(hs_chain_find(c, E1, 120, 'C'), -1);
    ck_assert_int_eq(hs_chain_find(c, E2 + 1, 90, 'P'), -1);
    ck_assert_int_eq(hs_chain_find(c, E3, 130, 'P'), -1);
    ck_assert_int_eq(hs_chain_find(c, E2, NAN, 'P'), -1);
    ck_assert_int_eq(hs_chain_find(NULL, E2, 90, 'P'), -1);
    hs_chain_free(c);
}
END_TEST

/* ================================================== replay: embedded store */

/* A daily panel over [start, end] of the given symbols from the store. */
static hs_panel *load_panel(hs_store *s, const char *start, const char *end,
                            const char *const *symbols, size_t n,
                            size_t n_optional)
{
    hs_history_opts o = HS_HISTORY_OPTS_INIT;
    hs_panel *p = NULL;
    o.symbols = symbols;
    o.n_symbols = n;
    o.n_optional = n_optional;
    o.start = T(start);
    o.end = T(end);
    o.rate_series = NULL;
    int rc = hs_market_load_history(s, &o, &p);
    ck_assert_msg(rc == 0, "%s", hs_error_last());
    return p;
}

static size_t step_of(const hs_panel *p, const char *day)
{
    int64_t t = T(day);
    for (size_t i = 0; i < p->n_steps; i++)
        if (p->time[i] == t)
            return i;
    ck_abort_msg("no step %s", day);
    return 0;
}

static hs_store *open_db(void)
{
    hs_store *s = NULL;
    int rc = hs_store_open(&s, hs_test_db(), HS_STORE_READONLY);
    ck_assert_msg(rc == 0, "%s (build it with make)", hs_error_last());
    return s;
}

/* 2020-05-14: the schepal snapshot taken 05:41:36.486 UTC (the earliest
 * row timestamp, datasets/README.md), coin-quoted.  The 22MAY20 9250 put:
 * mark 0.04010621 BTC, bid 0.042, ask 0.045, mark iv 76.87 %, underlying
 * price 9352.58 (the raw file, row BTC-22MAY20-9250-P); in USD the mark is
 * 0.04010621 * 9352.58 = 375.0965... */
START_TEST(test_replay_2020_coin)
{
    static const char *const sym[] = {"BTC"};
    hs_store *s = open_db();
    hs_panel *p = load_panel(s, "2020-05-12", "2020-05-16", sym, 1, 0);
    hs_chain_source *src = NULL;
    const hs_chain *c = NULL;
    const int64_t snap = INT64_C(1589434896486);

    ck_assert_int_eq(hs_chain_source_store(&src, s, p, "BTC", NULL, DAY), 0);
    /* 05-13: nothing yet (the next snapshot is after its close). */
    ck_assert_int_eq(hs_chain_source_at(src, step_of(p, "2020-05-13"), &c), 0);
    ck_assert_uint_eq(c->n, 0);
    ck_assert_int_eq(c->ts, 0);
    ck_assert(isnan(c->spot));
    /* 05-14: visible, 18 h old at the close. */
    size_t t14 = step_of(p, "2020-05-14");
    ck_assert_int_eq(hs_chain_source_at(src, t14, &c), 0);
    ck_assert_int_eq(c->ts, snap);
    ck_assert_int_lt(p->time[t14] + p->step_ms - c->ts, DAY);
    ck_assert_str_eq(c->source, "deribit");
    ck_assert_str_eq(c->underlying, "BTC");
    ck_assert_int_eq(c->modeled, 0);
    /* 310 contracts, minus the 34 of 14MAY20 08:00, expired at the close */
    ck_assert_uint_eq(c->n, 310 - 34);
    ck_assert_int_gt(c->q[0].expiry, p->time[t14] + p->step_ms);
    assert_sorted(c);
    int i = hs_chain_find(c, T("2020-05-22T08:00:00Z"), 9250, 'P');
    ck_assert_int_ge(i, 0);
    hs_ck_near(c->q[i].mark, 0.04010621 * 9352.58, 1e-9);
    hs_ck_near(c->q[i].mark, 375.10, 0.005);
    hs_ck_near(c->q[i].bid, 0.042 * 9352.58, 1e-9);
    hs_ck_near(c->q[i].ask, 0.045 * 9352.58, 1e-9);
    hs_ck_near(c->q[i].iv, 0.7687, 1e-12);
    hs_ck_near(c->q[i].forward, 9352.58, 0);
    /* spot: the index price of the nearest expiry's first row, between the
     * 9,344 and 9,354 the provenance notes give */
    ck_assert(c->spot > 9344 && c->spot < 9354);
    /* Asking the same step again gives the same slice. */
    const hs_chain *again = NULL;
    ck_assert_int_eq(hs_chain_source_at(src, t14, &again), 0);
    ck_assert_ptr_eq(again, c);
    ck_assert_uint_eq(again->n, 310 - 34);
    /* 05-15: 42 h old: gone. */
    ck_assert_int_eq(hs_chain_source_at(src, t14 + 1, &c), 0);
    ck_assert_uint_eq(c->n, 0);
    /* Backwards is refused; rewind allows it. */
    ck_assert_int_eq(hs_chain_source_at(src, t14, &c), HS_EINVAL);
    assert_msg_has("rewind");
    hs_chain_source_rewind(src);
    ck_assert_int_eq(hs_chain_source_at(src, t14, &c), 0);
    ck_assert_uint_eq(c->n, 310 - 34);
    ck_assert_int_eq(hs_chain_source_at(src, p->n_steps, &c), HS_EINVAL);
    hs_chain_source_free(src);

    /* Three days of age: still visible on 05-15, without 15MAY20's 48. */
    ck_assert_int_eq(
        hs_chain_source_store(&src, s, p, "BTC", "deribit", 3 * DAY), 0);
    ck_assert_int_eq(hs_chain_source_at(src, t14 + 1, &c), 0);
    ck_assert_int_eq(c->ts, snap);
    ck_assert_uint_eq(c->n, 310 - 34 - 48);
    hs_chain_source_free(src);

    /* One hour of age: never visible. */
    ck_assert_int_eq(
        hs_chain_source_store(&src, s, p, "BTC", NULL, HS_MS_PER_HOUR), 0);
    ck_assert_int_eq(hs_chain_source_at(src, t14, &c), 0);
    ck_assert_uint_eq(c->n, 0);
    hs_chain_source_free(src);

    /* Modeled rows only: the embedded store has none. */
    ck_assert_int_eq(hs_chain_source_store(&src, s, p, "BTC", "model:*", DAY),
                     0);
    ck_assert_int_eq(hs_chain_source_at(src, t14, &c), 0);
    ck_assert_uint_eq(c->n, 0);
    ck_assert_int_eq(c->modeled, 1);
    hs_chain_source_free(src);
    hs_panel_free(p);
    hs_store_close(s);
}
END_TEST

/* 2024-05-24 (sol-dnn, deribit-marks): no underlying price, so the index
 * price converts: BTC-14JUN24-64000-C mark 0.109 BTC at index 68795.06
 * (the raw file's row) is 7498.66154 USD. */
START_TEST(test_replay_2024_index_price)
{
    static const char *const sym[] = {"BTC"};
    hs_store *s = open_db();
    hs_panel *p = load_panel(s, "2024-05-23", "2024-05-25", sym, 1, 0);
    hs_chain_source *src = NULL;
    const hs_chain *c = NULL;
    ck_assert_int_eq(hs_chain_source_store(&src, s, p, "BTC", NULL, DAY), 0);
    ck_assert_int_eq(hs_chain_source_at(src, step_of(p, "2024-05-24"), &c), 0);
    ck_assert_int_eq(c->ts, T("2024-05-24T13:07:00Z"));
    ck_assert_uint_eq(c->n, 578);
    int i = hs_chain_find(c, T("2024-06-14T08:00:00Z"), 64000, 'C');
    ck_assert_int_ge(i, 0);
    hs_ck_near(c->q[i].mark, 0.109 * 68795.06, 1e-9);
    hs_ck_near(c->q[i].forward, 68795.06, 0);
    ck_assert(isnan(c->q[i].bid) && isnan(c->q[i].ask)); /* marks only */
    /* Without asks nothing can be bought. */
    ck_assert_int_eq(hs_chain_pick_expiry(c, c->ts, 30 * DAY, 0), 0);
    hs_chain_source_free(src);
    hs_panel_free(p);
    hs_store_close(s);
}
END_TEST

START_TEST(test_replay_errors)
{
    static const char *const sym[] = {"BTC"};
    hs_store *s = open_db();
    hs_panel *p = load_panel(s, "2020-05-12", "2020-05-16", sym, 1, 0);
    hs_chain_source *src = (hs_chain_source *)&src; /* must become NULL */
    ck_assert_int_eq(hs_chain_source_store(&src, NULL, p, "BTC", NULL, DAY),
                     HS_EINVAL);
    ck_assert_ptr_null(src);
    ck_assert_int_eq(hs_chain_source_store(&src, s, NULL, "BTC", NULL, DAY),
                     HS_EINVAL);
    ck_assert_int_eq(hs_chain_source_store(&src, s, p, "", NULL, DAY),
                     HS_EINVAL);
    ck_assert_int_eq(hs_chain_source_store(&src, s, p, NULL, NULL, DAY),
                     HS_EINVAL);
    ck_assert_int_eq(
        hs_chain_source_store(&src, s, p, "ABCDEFGHIJKLMNOPQ", NULL, DAY),
        HS_EINVAL);
    ck_assert_int_eq(hs_chain_source_store(&src, s, p, "BTC", NULL, -1),
                     HS_EINVAL);
    assert_msg_has("negative");
    ck_assert_int_eq(hs_chain_source_store(&src, s, p, "BTC", "", DAY),
                     HS_EINVAL);
    ck_assert_int_eq(hs_chain_source_store(NULL, s, p, "BTC", NULL, DAY),
                     HS_EINVAL);
    ck_assert_ptr_null(src);
    /* An underlying without options: every slice empty. */
    ck_assert_int_eq(hs_chain_source_store(&src, s, p, "SOL", NULL, DAY), 0);
    const hs_chain *c = NULL;
    ck_assert_int_eq(hs_chain_source_at(src, 2, &c), 0);
    ck_assert_uint_eq(c->n, 0);
    ck_assert_int_eq(hs_chain_source_at(NULL, 2, &c), HS_EINVAL);
    ck_assert_int_eq(hs_chain_source_at(src, 2, NULL), HS_EINVAL);
    hs_chain_source_free(src);
    hs_chain_source_free(NULL);
    hs_chain_source_rewind(NULL);
    hs_panel_free(p);
    hs_store_close(s);
}
END_TEST

/* ======================================= replay: a store written here (USD) */

static char tmpdir[64];
static char dbfile[128];

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    fclose(fp);
}

static void import_usd(hs_store *s, const char *name, const char *source,
                       const char *when)
{
    char path[256];
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    hs_import_stats st;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    o.format = HS_FMT_DERIBIT_USD;
    o.kind = HS_KIND_OPTION;
    o.source = source;
    o.snapshot_ts = T(when);
    int rc = hs_import_file(s, path, &o, &st);
    ck_assert_msg(rc == 0, "%s: %s", name, hs_error_last());
}

#define USD_HEADER                                                             \
    "symbol,option_type,strike_price,expiration_date,last_price_usd,"          \
    "bid_price_usd,ask_price_usd,bid_iv,ask_iv,delta,gamma,theta,vega,"        \
    "open_interest,total traded volume,monetary volume\n"
#define USD_ROW(sym, type, K, exp, bid, ask)                                   \
    sym "," type "," K "," exp ",0," bid "," ask                               \
        ",50,60,0.5,1e-05,-10,10,0,0,0\n"

/* Snapshot A (deribit, 2025-04-06 14:06): 11APR25 with two-sided books
 * whose mids give K + C - P = 83100 (80000), 83010 (82000), 82990
 * (84000) and 82800 (86000); |C - P| is 3100, 1010, 1010 and 3200, so the
 * forward is the median of the first three: 83010 (their mean would be
 * 83033.3, and the 86000 pair would give 82990).  An 88000 call with a
 * wide book (10 / 500) gets no mark.  25APR25 has one-sided books only: no
 * forward, dropped.  Snapshot B (model:test, 20:00): four quotes. */
static void usd_setup(void)
{
    hs_store *s = NULL;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/hs_chain_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(dbfile, sizeof dbfile, "%s/t.db", tmpdir);
    /* clang-format off */
    write_file("a.csv",
               USD_HEADER
               USD_ROW("BTC-11APR25-80000-C", "call", "80000", "2025-04-11", "3695", "3705")
               USD_ROW("BTC-11APR25-80000-P", "put", "80000", "2025-04-11", "595", "605")
               USD_ROW("BTC-11APR25-82000-C", "call", "82000", "2025-04-11", "2005", "2015")
               USD_ROW("BTC-11APR25-82000-P", "put", "82000", "2025-04-11", "995", "1005")
               USD_ROW("BTC-11APR25-84000-C", "call", "84000", "2025-04-11", "895", "905")
               USD_ROW("BTC-11APR25-84000-P", "put", "84000", "2025-04-11", "1905", "1915")
               USD_ROW("BTC-11APR25-86000-C", "call", "86000", "2025-04-11", "95", "105")
               USD_ROW("BTC-11APR25-86000-P", "put", "86000", "2025-04-11", "3295", "3305")
               USD_ROW("BTC-11APR25-88000-C", "call", "88000", "2025-04-11", "10", "500")
               USD_ROW("BTC-25APR25-84000-C", "call", "84000", "2025-04-25", "0", "2000")
               USD_ROW("BTC-25APR25-84000-P", "put", "84000", "2025-04-25", "0", "3000"));
    write_file("b.csv",
               USD_HEADER
               USD_ROW("BTC-11APR25-82000-C", "call", "82000", "2025-04-11", "2105", "2115")
               USD_ROW("BTC-11APR25-82000-P", "put", "82000", "2025-04-11", "1095", "1105")
               USD_ROW("BTC-11APR25-84000-C", "call", "84000", "2025-04-11", "995", "1005")
               USD_ROW("BTC-11APR25-84000-P", "put", "84000", "2025-04-11", "2005", "2015"));
    /* clang-format on */
    ck_assert_int_eq(hs_store_open(&s, dbfile, HS_STORE_WRITE), 0);
    import_usd(s, "a.csv", "deribit", "2025-04-06T14:06:00Z");
    import_usd(s, "b.csv", "model:test", "2025-04-06T20:00:00Z");
    hs_store_close(s);
}

static void usd_teardown(void)
{
    char path[256];
    static const char *const files[] = {"a.csv", "b.csv", "t.db",
                                        "t.db-journal"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, files[i]);
        unlink(path);
    }
    rmdir(tmpdir);
}

/* A panel of daily steps 2025-04-05..07 (only its times matter here). */
static hs_panel *usd_panel(void)
{
    hs_panel *p = NULL;
    ck_assert_int_eq(hs_panel_new(&p, 3, 1, DAY), 0);
    snprintf(p->symbol[0], HS_SYMBOL_MAX, "BTC");
    for (size_t t = 0; t < 3; t++) {
        p->time[t] = T("2025-04-05") + (int64_t)t * DAY;
        p->open[t] = p->high[t] = p->low[t] = p->close[t] = 83000;
        p->state[t] = HS_BAR_OK;
    }
    hs_panel_finish(p);
    return p;
}

START_TEST(test_replay_usd_parity)
{
    hs_store *s = NULL;
    hs_panel *p = usd_panel();
    hs_chain_source *src = NULL;
    const hs_chain *c = NULL;
    const int64_t exp = T("2025-04-11T08:00:00Z");
    ck_assert_int_eq(hs_store_open(&s, dbfile, HS_STORE_READONLY), 0);
    ck_assert_int_eq(hs_chain_source_store(&src, s, p, "BTC", NULL, DAY), 0);
    ck_assert_int_eq(hs_chain_source_at(src, 0, &c), 0);
    ck_assert_uint_eq(c->n, 0);
    ck_assert_int_eq(hs_chain_source_at(src, 1, &c), 0);
    ck_assert_int_eq(c->ts, T("2025-04-06T14:06:00Z"));
    ck_assert_str_eq(c->source, "deribit");
    ck_assert_int_eq(c->modeled, 0);
    ck_assert_uint_eq(c->n, 9); /* 25APR25 dropped: no forward */
    assert_sorted(c);
    for (size_t i = 0; i < c->n; i++) {
        ck_assert_int_eq(c->q[i].expiry, exp);
        hs_ck_near(c->q[i].forward, 83010, 1e-9);
    }
    hs_ck_near(c->spot, 83010, 1e-9);
    int i = hs_chain_find(c, exp, 82000, 'C');
    ck_assert_int_ge(i, 0);
    hs_ck_near(c->q[i].mark, 2010, 1e-12);
    hs_ck_near(c->q[i].bid, 2005, 0);
    /* iv implied from the mark: Black-76 at it gives the mark back */
    ck_assert(isfinite(c->q[i].iv));
    {
        hs_greeks g;
        double Ty = (double)(exp - c->ts) / YEAR_MS;
        ck_assert_int_eq(
            hs_black76(HS_CALL, 83010, 82000, Ty, 0, c->q[i].iv, &g), 0);
        hs_ck_near(g.price, 2010, 1e-6);
    }
    i = hs_chain_find(c, exp, 88000, 'C');
    ck_assert_int_ge(i, 0);
    ck_assert(isnan(c->q[i].mark) && isnan(c->q[i].iv));
    hs_ck_near(c->q[i].ask, 500, 0);
    ck_assert_int_eq(hs_chain_find(c, T("2025-04-25T08:00:00Z"), 84000, 'C'),
                     -1);
    /* 04-07: 34 h old. */
    ck_assert_int_eq(hs_chain_source_at(src, 2, &c), 0);
    ck_assert_uint_eq(c->n, 0);
    hs_chain_source_free(src);

    /* Filters: the modeled snapshot, by prefix and exactly. */
    static const char *const modeled[] = {"model:*", "model:test"};
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(
            hs_chain_source_store(&src, s, p, "BTC", modeled[k], DAY), 0);
        ck_assert_int_eq(hs_chain_source_at(src, 1, &c), 0);
        ck_assert_int_eq(c->ts, T("2025-04-06T20:00:00Z"));
        ck_assert_uint_eq(c->n, 4);
        ck_assert_str_eq(c->source, "model:test");
        ck_assert_int_eq(c->modeled, 1);
        i = hs_chain_find(c, exp, 82000, 'C');
        hs_ck_near(c->q[i].mark, 2110, 1e-12);
        hs_chain_source_free(src);
    }
    /* An exact exchange tag; a tag nobody wrote. */
    ck_assert_int_eq(hs_chain_source_store(&src, s, p, "BTC", "deribit", DAY),
                     0);
    ck_assert_int_eq(hs_chain_source_at(src, 1, &c), 0);
    ck_assert_uint_eq(c->n, 9);
    hs_chain_source_free(src);
    ck_assert_int_eq(hs_chain_source_store(&src, s, p, "BTC", "okx", DAY), 0);
    ck_assert_int_eq(hs_chain_source_at(src, 1, &c), 0);
    ck_assert_uint_eq(c->n, 0);
    hs_chain_source_free(src);
    /* Three days of age: A is still there on 04-07 (B is never taken). */
    ck_assert_int_eq(hs_chain_source_store(&src, s, p, "BTC", NULL, 3 * DAY),
                     0);
    ck_assert_int_eq(hs_chain_source_at(src, 2, &c), 0);
    ck_assert_uint_eq(c->n, 9);
    ck_assert_int_eq(c->ts, T("2025-04-06T14:06:00Z"));
    hs_chain_source_free(src);
    hs_panel_free(p);
    hs_store_close(s);
}
END_TEST

/* ================================================================= model */

/* A daily panel from 2021-01-01: asset 0 "BTC" with closes from `close`
 * (NAN: ABSENT), asset 1 "BTC-DVOL" ABSENT before step dvol_from, then
 * `level`. */
static hs_panel *model_panel(size_t n, const double *close, size_t dvol_from,
                             double level)
{
    hs_panel *p = NULL;
    ck_assert_int_eq(hs_panel_new(&p, n, 2, DAY), 0);
    snprintf(p->symbol[0], HS_SYMBOL_MAX, "BTC");
    snprintf(p->symbol[1], HS_SYMBOL_MAX, "BTC-DVOL");
    for (size_t t = 0; t < n; t++) {
        p->time[t] = T("2021-01-01") + (int64_t)t * DAY;
        size_t i = t * 2;
        if (isfinite(close[t])) {
            p->open[i] = p->high[i] = p->low[i] = p->close[i] = close[t];
            p->volume[i] = 1;
            p->state[i] = HS_BAR_OK;
        }
        if (t >= dvol_from) {
            p->open[i + 1] = p->high[i + 1] = p->low[i + 1] = p->close[i + 1] =
                level;
            p->state[i + 1] = HS_BAR_OK;
        }
    }
    hs_panel_finish(p);
    return p;
}

/* Closes 100, 100 e^x, 100, 100 e^x, ...: log returns +-x. */
static void zigzag(double *c, size_t n, double x)
{
    for (size_t t = 0; t < n; t++)
        c[t] = t % 2 ? 100 * exp(x) : 100;
}

static void set(hs_values *v, const char *key, const char *value)
{
    int rc = hs_values_set(v, key, value, "test");
    ck_assert_msg(rc == 0, "%s", hs_error_last());
}

/* Columns of an option book's trade log. */
typedef struct trade_cols_t {
    int64_t time[8], expiry[8];
    double strike[8], qty[8], price[8], fee[8];
    char right[8], kind[8];
} trade_cols_t;

/* Values with a flat smile (every iv is the 30-day ATM vol): the fixed
 * smile without skew, curvature or term slope. */
static void flat_values(hs_values *v)
{
    ck_assert_int_eq(hs_values_init(v, hs_chain_model_params), 0);
    set(v, "smile", "fixed");
    set(v, "skew", "0");
    set(v, "curv", "0");
    set(v, "term_slope", "0");
}

static void assert_all_iv(const hs_chain *c, double iv, double tol)
{
    ck_assert_uint_gt(c->n, 0);
    for (size_t i = 0; i < c->n; i++)
        hs_ck_near(c->q[i].iv, iv, tol);
}

START_TEST(test_model_no_lookahead)
{
    enum { N = 90, T0 = 60 };
    double a[N], b[N];
    static const char *const models[] = {"dvol", "realized", "garch"};
    /* A gentle random-looking path (a fixed recurrence), then B departs
     * after T0: other prices, another DVOL level, an absent bar. */
    a[0] = 30000;
    for (size_t t = 1; t < N; t++)
        a[t] = a[t - 1] * exp(0.03 * sin(1.7 * (double)t));
    memcpy(b, a, sizeof a);
    for (size_t t = T0 + 1; t < N; t++)
        b[t] = a[t] * 1.5;
    b[T0 + 3] = NAN;
    hs_panel *pa = model_panel(N, a, 40, 65);
    hs_panel *pb = model_panel(N, b, 40, 65);
    for (size_t t = T0 + 1; t < N; t++)
        pb->close[t * 2 + 1] = 120;

    for (int m = 0; m < 3; m++) {
        hs_values v;
        hs_chain_source *sa = NULL, *sb = NULL;
        const hs_chain *ca, *cb;
        ck_assert_int_eq(hs_values_init(&v, hs_chain_model_params), 0);
        set(&v, "vol_model", models[m]);
        ck_assert_int_eq(hs_chain_source_model(&sa, pa, 0, 1, &v), 0);
        ck_assert_int_eq(hs_chain_source_model(&sb, pb, 0, 1, &v), 0);
        size_t nonempty = 0;
        for (size_t t = 0; t <= T0; t++) {
            ck_assert_int_eq(hs_chain_source_at(sa, t, &ca), 0);
            ck_assert_int_eq(hs_chain_source_at(sb, t, &cb), 0);
            assert_same_slice(ca, cb, t);
            nonempty += ca->n > 0;
        }
        ck_assert_uint_gt(nonempty, 40);
        /* ... and they do differ afterwards. */
        ck_assert_int_eq(hs_chain_source_at(sa, T0 + 2, &ca), 0);
        ck_assert_int_eq(hs_chain_source_at(sb, T0 + 2, &cb), 0);
        ck_assert(!same_bits(ca->spot, cb->spot));
        hs_chain_source_free(sa);
        hs_chain_source_free(sb);
    }
    hs_panel_free(pa);
    hs_panel_free(pb);
}
END_TEST

/* BTC-DVOL closed at 52.29 on 2024-05-24 and at 95.04 on 2021-03-24, its
 * first day (datasets/dvol/btc_dvol.csv, Deribit's published closes): with
 * a flat smile every iv is the close / 100 and the source says dvol.  The
 * day before the first there is no DVOL: realized. */
START_TEST(test_model_dvol_embedded)
{
    static const char *const sym[] = {"BTC", "BTC-DVOL"};
    hs_store *s = open_db();
    hs_panel *p = load_panel(s, "2024-05-01", "2024-05-24", sym, 2, 1);
    hs_chain_source *src = NULL;
    const hs_chain *c = NULL;
    hs_values v;
    flat_values(&v);
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, 1, &v), 0);
    ck_assert_int_eq(hs_chain_source_at(src, step_of(p, "2024-05-24"), &c), 0);
    ck_assert_str_eq(c->source, "model:dvol-smile");
    ck_assert_int_eq(c->modeled, 1);
    ck_assert_int_eq(c->ts, T("2024-05-25"));
    hs_ck_near(c->spot, p->close[step_of(p, "2024-05-24") * 2], 0);
    assert_all_iv(c, 0.5229, 1e-15);
    hs_chain_source_free(src);
    hs_panel_free(p);

    p = load_panel(s, "2021-02-01", "2021-03-25", sym, 2, 1);
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, 1, &v), 0);
    ck_assert_int_eq(hs_chain_source_at(src, step_of(p, "2021-03-23"), &c), 0);
    ck_assert_str_eq(c->source, "model:realized-smile");
    ck_assert_uint_gt(c->n, 0);
    ck_assert_int_eq(hs_chain_source_at(src, step_of(p, "2021-03-24"), &c), 0);
    ck_assert_str_eq(c->source, "model:dvol-smile");
    assert_all_iv(c, 0.9504, 1e-15);
    hs_chain_source_free(src);
    hs_panel_free(p);
    hs_store_close(s);
}
END_TEST

/* The repair on a hand-made bump, F = 100, strikes 80..120 by 10, put
 * marks 1, 3, 12, 20, 30 (12 bends the wrong way: above the chord from 3
 * to 20, 11.5).  The hull with the origin: slopes 1/80 = 0.0125, then
 * (3 - 1) / 10 = 0.2 from 80 to 90, (20 - 3) / 20 = 0.85 from 90 to 110,
 * then (30 - 20) / 10 = 1 to 120 (on the ray, unchanged): 100 comes down
 * to 3 + 0.85 * 10 = 11.5, the others stay.  A mark above slope 1 (the
 * last, 32 > 20 + 10) comes down onto the ray. */
START_TEST(test_model_hull_bump)
{
    hs_chain_quote put[5];
    const double K[5] = {80, 90, 100, 110, 120}, P[5] = {1, 3, 12, 20, 30};
    size_t hull[6];
    double out[5];
    for (int i = 0; i < 5; i++)
        put[i] = (hs_chain_quote){0, K[i], 'P', NAN, NAN, P[i], NAN, 100};
    ck_assert_uint_eq(hs_chain_put_hull(put, 5, 100, hull, out), 1);
    const double want[5] = {1, 3, 11.5, 20, 30};
    for (int i = 0; i < 5; i++)
        hs_ck_near(out[i], want[i], 1e-12);
    ck_assert(out[0] == 1 && out[1] == 3 && out[3] == 20 && out[4] == 30);

    put[4].mark = 32; /* slope 1.2 from 110 */
    ck_assert_uint_eq(hs_chain_put_hull(put, 5, 100, hull, out), 2);
    hs_ck_near(out[2], 11.5, 1e-12);
    hs_ck_near(out[4], 30, 1e-12);

    /* Falling marks (8 then 6 at 80, 90) against the origin: the hull
     * from (0, 0) through (90, 6) at slope 1/15 takes 80 to 16/3. */
    put[0].mark = 8;
    put[1].mark = 6;
    put[2].mark = 12;
    put[4].mark = 30;
    ck_assert_uint_eq(hs_chain_put_hull(put, 5, 100, hull, out), 1);
    hs_ck_near(out[0], 16.0 / 3, 1e-12);
    ck_assert(out[1] == 6 && out[2] == 12 && out[3] == 20 && out[4] == 30);

    /* A convex curve needs nothing. */
    const double ok[5] = {0.5, 2, 5, 12, 21};
    for (int i = 0; i < 5; i++)
        put[i].mark = ok[i];
    ck_assert_uint_eq(hs_chain_put_hull(put, 5, 100, hull, out), 0);
    for (int i = 0; i < 5; i++)
        ck_assert(out[i] == ok[i]);
}
END_TEST

/* No static arbitrage in a modeled slice, per expiry at zero rate on F:
 * puts at least intrinsic, nondecreasing in strike with slope at most 1,
 * convex (the origin included), calls at P + F - K. */
static void assert_no_arbitrage(const hs_chain *c)
{
    for (size_t i = 0; i < c->n;) {
        size_t e = i;
        while (e < c->n && c->q[e].expiry == c->q[i].expiry)
            e++;
        const size_t n = (e - i) / 2;
        const hs_chain_quote *call = &c->q[i], *put = &c->q[i + n];
        const double F = put[0].forward, tol = 1e-9 * F;
        double K0 = 0, P0 = 0, slope = 0; /* the last segment */
        for (size_t j = 0; j < n; j++) {
            const double K = put[j].strike, P = put[j].mark;
            ck_assert(call[j].right == 'C' && put[j].right == 'P');
            ck_assert(call[j].strike == K);
            ck_assert_msg(P >= fmax(K - F, 0) - tol, "below intrinsic");
            hs_ck_near(call[j].mark, fmax(P + F - K, 0), tol);
            double s = (P - P0) / (K - K0);
            ck_assert_msg(s >= -tol && s <= 1 + tol, "slope %g at K %g", s, K);
            ck_assert_msg((s - slope) * (K - K0) >= -tol,
                          "not convex at K %g: slope %g after %g", K0, s,
                          slope);
            ck_assert(call[j].bid <= call[j].mark || isnan(call[j].bid));
            ck_assert(put[j].mark < put[j].ask && isfinite(put[j].iv));
            K0 = K;
            P0 = P;
            slope = s;
        }
        i = e;
    }
}

/* Every slice of the model source over the 2020-03 crash, 2022-06 and
 * 2024-03 on the embedded store, both smiles: no static arbitrage (the
 * smile alone broke it in all three: docs/modeled-chains.md). */
START_TEST(test_model_no_arbitrage)
{
    static const char *const sym[] = {"BTC", "BTC-DVOL"};
    static const char *const span[3][2] = {{"2020-01-15", "2020-03-20"},
                                           {"2022-04-25", "2022-06-25"},
                                           {"2024-01-15", "2024-03-10"}};
    hs_store *s = open_db();
    size_t slices = 0, repaired = 0;
    for (int w = 0; w < 3; w++) {
        hs_panel *p = load_panel(s, span[w][0], span[w][1], sym, 2, 1);
        for (int fixed = 0; fixed < 2; fixed++) {
            hs_values v;
            ck_assert_int_eq(hs_values_init(&v, hs_chain_model_params), 0);
            if (fixed)
                set(&v, "smile", "fixed");
            hs_chain_source *src = NULL;
            const hs_chain *c = NULL;
            ck_assert_int_eq(hs_chain_source_model(&src, p, 0, 1, &v), 0);
            for (size_t t = 0; t < p->n_steps; t++) {
                ck_assert_int_eq(hs_chain_source_at(src, t, &c), 0);
                assert_no_arbitrage(c);
                slices += c->n > 0;
                repaired += c->repaired;
            }
            hs_chain_source_free(src);
        }
        hs_panel_free(p);
    }
    ck_assert_uint_gt(slices, 200);
    ck_assert_uint_gt(repaired, 0); /* the smile alone would fail here */
    hs_store_close(s);
}
END_TEST

/* A held contract off the grid (hs_chain_quote_for: a strike halfway
 * between two of the grid's) adds no arbitrage to the repaired grid: its
 * put mark lies between the chord of its two neighbours and the
 * extensions of the segments on either side, its call is the put by
 * parity.  Over the 2020 crash, where the smile alone breaks convexity,
 * some of these quotes must have been brought into that range. */
START_TEST(test_model_offgrid_no_arbitrage)
{
    static const char *const sym[] = {"BTC", "BTC-DVOL"};
    hs_store *s = open_db();
    hs_panel *p = load_panel(s, "2020-02-20", "2020-03-20", sym, 2, 1);
    hs_values v;
    ck_assert_int_eq(hs_values_init(&v, hs_chain_model_params), 0);
    hs_chain_model m;
    ck_assert_int_eq(hs_chain_model_init(&m, &v), 0);
    hs_chain_source *src = NULL;
    const hs_chain *c = NULL;
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, 1, &v), 0);
    size_t quoted = 0, inside_chord = 0;
    for (size_t t = 0; t < p->n_steps; t++) {
        ck_assert_int_eq(hs_chain_source_at(src, t, &c), 0);
        for (size_t i = 0; i < c->n;) {
            size_t e = i;
            while (e < c->n && c->q[e].expiry == c->q[i].expiry)
                e++;
            const size_t n = (e - i) / 2;
            const hs_chain_quote *put = &c->q[i + n];
            const double F = put[0].forward, tol = 1e-9 * F;
            for (size_t j = 1; j < n; j++) {
                const double K = 0.5 * (put[j - 1].strike + put[j].strike);
                hs_chain_quote qp, qc;
                ck_assert_int_eq(
                    hs_chain_quote_for(c, put[j].expiry, K, 'P', &qp), 1);
                ck_assert_int_eq(
                    hs_chain_quote_for(c, put[j].expiry, K, 'C', &qc), 1);
                const double chord = 0.5 * (put[j - 1].mark + put[j].mark);
                double lo = put[j - 1].mark;
                if (j >= 2)
                    lo = fmax(lo, put[j - 1].mark +
                                      (put[j - 1].mark - put[j - 2].mark) *
                                          (K - put[j - 1].strike) /
                                          (put[j - 1].strike -
                                           put[j - 2].strike));
                if (j + 1 < n)
                    lo = fmax(lo, put[j].mark - (put[j + 1].mark - put[j].mark) *
                                                    (put[j].strike - K) /
                                                    (put[j + 1].strike -
                                                     put[j].strike));
                ck_assert_msg(qp.mark <= chord + tol && qp.mark >= lo - tol,
                              "step %zu, K %g: put %.10g outside [%.10g, %.10g]",
                              t, K, qp.mark, lo, chord);
                hs_ck_near(qc.mark, fmax(qp.mark + F - K, 0), tol);
                inside_chord += qp.mark < chord - tol;
                quoted++;
            }
            i = e;
        }
    }
    ck_assert_uint_gt(quoted, 1000);
    ck_assert_uint_gt(inside_chord, quoted / 2); /* mostly strictly convex */
    hs_chain_source_free(src);
    hs_panel_free(p);
    hs_store_close(s);
}
END_TEST

/* Whether q's mark is below the Black-76 mark (zero rate) at vol `iv`:
 * the no-arbitrage repair of a modeled slice only lowers marks. */
static int lowered(const hs_chain_quote *q, double T, double iv)
{
    hs_greeks g;
    ck_assert_int_eq(hs_black76(q->right == 'C' ? HS_CALL : HS_PUT,
                                q->forward, q->strike, T, 0, iv, &g),
                     0);
    return q->mark < g.price;
}

/* The smile at DVOL 50 with the defaults: ATM at 30 days is exactly the
 * index; elsewhere, with smile = fixed, sigma = 0.5 (max(T, 1d) /
 * 30d)^0.05 (1 - 0.05 k + 0.14 k^2), k = ln(K/F) / sqrt(T), the documented
 * fixed rule. */
START_TEST(test_model_smile_rule)
{
    enum { N = 40 };
    double cl[N];
    zigzag(cl, N, 0.01);
    hs_panel *p = model_panel(N, cl, 0, 50);
    hs_chain_source *src = NULL;
    const hs_chain *c = NULL;
    hs_chain_model m;
    hs_values v;
    ck_assert_int_eq(hs_values_init(&v, hs_chain_model_params), 0);
    set(&v, "smile", "fixed");
    ck_assert_int_eq(hs_chain_model_init(&m, &v), 0);
    hs_ck_near(hs_chain_model_vol(&m, 0.5, 30000, 30000, 30.0 / 365), 0.5, 0);
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, 1, &v), 0);
    ck_assert_int_eq(hs_chain_source_at(src, 20, &c), 0);
    ck_assert_str_eq(c->source, "model:dvol-smile");
    size_t n_repaired = 0;
    for (size_t i = 0; i < c->n; i++) {
        const hs_chain_quote *q = &c->q[i];
        double Ty = (double)(q->expiry - c->ts) / YEAR_MS;
        double k = log(q->strike / q->forward) / sqrt(Ty);
        k = k > 3 ? 3 : k < -3 ? -3 : k;
        double want = 0.5 * pow(fmax(Ty, 1.0 / 365) / (30.0 / 365), 0.05) *
                      (1 - 0.05 * k + 0.14 * k * k);
        want = fmin(fmax(want, 0.05), 5);
        hs_ck_near(q->forward, c->spot, 0);
        if (fabs(q->iv - want) <= 1e-14 * want)
            continue;
        ck_assert(lowered(q, Ty, want)); /* the repair's, counted */
        n_repaired++;
    }
    ck_assert_uint_eq(n_repaired, c->repaired);
    ck_assert_uint_lt(n_repaired, c->n / 10);
    /* Far wings are flat beyond k_max and within [vol_min, vol_max]. */
    double a = hs_chain_model_vol(&m, 0.5, 100, 10, 7.0 / 365);
    double b = hs_chain_model_vol(&m, 0.5, 100, 1, 7.0 / 365);
    hs_ck_near(a, b, 0);
    ck_assert(isnan(hs_chain_model_vol(&m, 0.5, 100, 100, 0)));
    ck_assert(isnan(hs_chain_model_vol(&m, NAN, 100, 100, 0.1)));
    ck_assert(isnan(hs_chain_model_vol(&m, 0.5, -1, 100, 0.1)));
    hs_chain_source_free(src);
    hs_panel_free(p);
}
END_TEST

/* The market smile (the default), computed here from its documented
 * formula: on a trending path (closes 100 e^(0.01 t) plus a zigzag of
 * +-2 %) with DVOL at 50, at step 40: sigma30 = 0.5, rv = the zero-mean
 * realized vol of the last 30 daily log returns, rv90 the same over the
 * 40 returns there are (fewer than 90, more than rv_min_obs), ret7 =
 * ln(c40 / c33), ret30 = ln(c40 / c10), not estimated (the index is
 * there); each observable clamped to the shipped range, then sigma =
 * sigma30 (A + S k + Cc h+ + Cp h-) with the shipped coefficients,
 * k = ln(K/F)/sqrt(T) clamped to +-3, h = sqrt(1 + k^2) - 1 on the side of
 * k (h+ for calls' side k > 0, h- for k < 0), L = ln(max(T, 1 d) / 30 d). */
START_TEST(test_model_market_smile)
{
    enum { N = 45, AT = 40 };
    double cl[N];
    for (size_t t = 0; t < N; t++)
        cl[t] = 100 * exp(0.01 * (double)t + (t % 2 ? 0.02 : 0));
    hs_panel *p = model_panel(N, cl, 0, 50);
    hs_chain_source *src = NULL;
    const hs_chain *c = NULL;
    hs_chain_model m;
    ck_assert_int_eq(hs_chain_model_init(&m, NULL), 0);
    ck_assert_int_eq(m.smile, HS_CHAIN_SMILE_MARKET);
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, 1, NULL), 0);
    ck_assert_int_eq(hs_chain_source_at(src, AT, &c), 0);
    double ss = 0, ss90 = 0;
    for (size_t t = 1; t <= AT; t++) {
        double r = log(cl[t] / cl[t - 1]);
        ss90 += r * r;
        if (t + 30 > AT)
            ss += r * r;
    }
    const double s30 = 0.5, rv = sqrt(365 * ss / 30),
                 rv90 = sqrt(365 * ss90 / AT);
    double z[5] = {log(s30), log(rv / s30), log(rv90 / s30),
                   log(cl[AT] / cl[AT - 7]), log(cl[AT] / cl[AT - 30])};
    for (int i = 0; i < 5; i++)
        z[i] = fmin(fmax(z[i], m.obs_lo[i]), m.obs_hi[i]);
    /* The coefficients by name, as the formula in chain.h writes them. */
    const double *b = m.coef;
    const double *a = b, *sk = b + 10, *cc = b + 16, *cp = b + 21;
    ck_assert_str_eq(hs_chain_smile_coef_names[10], "skw");
    ck_assert_str_eq(hs_chain_smile_coef_names[16], "call");
    ck_assert_str_eq(hs_chain_smile_coef_names[21], "put");
    size_t checked = 0, n_repaired = 0;
    for (size_t i = 0; i < c->n; i++) {
        const hs_chain_quote *q = &c->q[i];
        double Ty = (double)(q->expiry - c->ts) / YEAR_MS;
        double k = log(q->strike / q->forward) / sqrt(Ty);
        k = k > 3 ? 3 : k < -3 ? -3 : k;
        double h = sqrt(1 + k * k) - 1;
        double L = log(fmax(Ty, 1.0 / 365) / (30.0 / 365));
        double A = a[0] +
                   L * (a[2] + a[3] * z[2] + a[4] * z[4] + a[5] * z[1] +
                        a[6] * z[3]) +
                   L * L * a[8];
        double S = sk[0] + sk[1] * z[0] + sk[2] * z[2] + L * sk[4];
        double Cc = cc[0] + cc[1] * z[2] + L * (cc[3] + cc[4] * z[0]);
        double Cp = cp[0] + cp[1] * z[0] + L * cp[3];
        double want = s30 * (A + S * k + (k > 0 ? Cc : Cp) * h);
        want = fmin(fmax(want, 0.05), 5);
        if (fabs(q->iv - want) <= 1e-12 * want) {
            checked++;
            continue;
        }
        ck_assert(lowered(q, Ty, want)); /* the repair's, counted */
        n_repaired++;
    }
    ck_assert_uint_gt(checked, 500);
    ck_assert_uint_eq(n_repaired, c->repaired);
    /* At the money and 30 days the market smile is not sigma30 exactly:
     * A(L = 0) = atm, or atm + atm_est when sigma30 is an estimate. */
    hs_chain_obs o = {0.5, rv, NAN, NAN, NAN, 0};
    double atm = hs_chain_model_vol_obs(&m, &o, 100, 100, 30.0 / 365);
    hs_ck_rel(atm, 0.5 * a[0], 1e-14);
    o.estimated = 1;
    atm = hs_chain_model_vol_obs(&m, &o, 100, 100, 30.0 / 365);
    hs_ck_rel(atm, 0.5 * (a[0] + a[1]), 1e-14);
    hs_chain_source_free(src);
    hs_panel_free(p);
}
END_TEST

/* A listed contract stays listed until it expires: a put bought at 51,000
 * when BTC is at 50,000 (strikes every 1,000) is not on the next day's grid
 * (BTC at 70,000: strikes every 2,000), yet the model source quotes it
 * (hs_chain_quote_for) with its smile and spread rule, so the run marks it
 * (not counted as a mark by model) and sells it at that quote's bid, an
 * ordinary sale ('S', not 's').  A hand-built slice has no source to ask. */
START_TEST(test_model_keeps_held)
{
    double cl[40];
    for (size_t t = 0; t < 40; t++)
        cl[t] = t < 39 ? 50000 : 70000;
    hs_panel *p = model_panel(40, cl, 0, 50);
    hs_chain_source *src = NULL;
    const hs_chain *c = NULL;
    hs_chain_model m;
    ck_assert_int_eq(hs_chain_model_init(&m, NULL), 0);
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, 1, NULL), 0);
    ck_assert_int_eq(hs_chain_source_at(src, 38, &c), 0);
    hs_ck_near(hs_chain_model_strike_step(&m, 50000), 1000, 0);
    hs_ck_near(hs_chain_model_strike_step(&m, 70000), 2000, 0);
    const int64_t now38 = p->time[38] + DAY, now39 = p->time[39] + DAY;
    int64_t ex[64];
    size_t n_ex = hs_chain_model_expiries(&m, now38, ex, 64);
    ck_assert_uint_gt(n_ex, 5);
    const int64_t x = ex[5];
    ck_assert_int_ge(hs_chain_find(c, x, 51000, 'P'), 0);

    trade_cols_t cols;
    hs_option_log l = {0, 8, cols.time, cols.expiry, cols.strike, cols.qty,
                       cols.price, cols.fee, cols.right, cols.kind};
    hs_option_book ob;
    hs_option_book_reset(&ob, "t", 4, 0, 0, &l);
    hs_option_order buy = {x, 51000, 'P', 1}, sell = {x, 51000, 'P', -1};
    hs_option_flow f = {0, 0, 0, 0, 0};
    double cash = 0;
    ck_assert_int_eq(
        hs_option_book_orders(&ob, &buy, 1, c, p->time[38], 50000, 1, &cash, &f),
        0);
    ck_assert_uint_eq(ob.n, 1);

    ck_assert_int_eq(hs_chain_source_at(src, 39, &c), 0);
    ck_assert_int_eq(hs_chain_find(c, x, 51000, 'P'), -1); /* off the grid */
    hs_chain_quote q, want;
    ck_assert_int_eq(hs_chain_quote_for(c, x, 51000, 'P', &q), 1);
    /* The same quote the generator gives a listed strike: the day's
     * observables (DVOL 50, flat then one jump) at 51,000: the 90-day
     * realized vol over the 39 returns there are. */
    double r = log(70000.0 / 50000.0);
    hs_chain_obs o = {0.5, sqrt(365 * r * r / 30), r, r,
                      sqrt(365 * (r * r) / 39), 0};
    ck_assert_int_eq(
        hs_chain_model_quote(&m, &o, now39, 70000, x, 51000, 'P', &want), 0);
    ck_assert(same_quote(&q, &want));
    ck_assert(q.bid < q.mark && q.mark < q.ask);
    /* and a listed strike of that slice is quoted by the same rule */
    int k = hs_chain_find(c, x, 52000, 'P');
    ck_assert_int_ge(k, 0);
    ck_assert_int_eq(
        hs_chain_model_quote(&m, &o, now39, 70000, x, 52000, 'P', &want), 0);
    ck_assert(same_quote(&c->q[k], &want));

    ck_assert_int_eq(hs_option_book_mark(&ob, c, now39, 70000, &f), 0);
    ck_assert_uint_eq(ob.n_marked_by_model, 0);
    hs_ck_near(ob.pos[0].mark, q.mark, 0);
    hs_ck_near(ob.pos[0].iv, q.iv, 0);
    ck_assert_int_eq(
        hs_option_book_orders(&ob, &sell, 1, c, p->time[39], 70000, 1, &cash, &f),
        0);
    ck_assert_uint_eq(ob.n, 0);
    ck_assert_uint_eq(ob.log.n, 2);
    ck_assert_int_eq(cols.kind[1], 'S');
    hs_ck_near(cols.price[1], q.bid, 0);

    /* Nothing to ask: a slice made by hand, an expired contract, a source
     * rewound to before its first step. */
    hs_chain *hand = NULL;
    ck_assert_int_eq(hs_chain_new(&hand, 1), 0);
    ck_assert_int_eq(hs_chain_quote_for(hand, x, 51000, 'P', &q), 0);
    ck_assert_int_eq(hs_chain_quote_for(c, now39 - DAY, 51000, 'P', &q), 0);
    ck_assert_int_eq(hs_chain_quote_for(c, x, 51000, 'X', &q), 0);
    hs_chain_source_rewind(src);
    ck_assert_int_eq(hs_chain_quote_for(c, x, 51000, 'P', &q), 0);
    hs_chain_free(hand);
    hs_chain_source_free(src);
    hs_panel_free(p);
}
END_TEST

/* The replayed chain of May 2020 with one held contract taken out of the
 * later snapshot (a copy of the store without the 26JUN20 8000 put at
 * 2020-05-21 23:19): protective puts bought on the 2020-05-14 snapshot roll
 * (resize = 0.01) on the 2020-05-21 one, so the held put is sold on that
 * snapshot's smile: one trade of kind 's' and one data note with the count.
 * The untouched store gives no such trade and no note. */
static size_t off_chain_run(const char *db, int *noted)
{
    char text[1024];
    hs_store *s = NULL;
    hs_config *cfg = NULL;
    hs_registry *reg = NULL;
    hs_plan *pl = NULL;
    snprintf(text, sizeof text,
             "[data]\nstart = 2020-05-10\nend = 2020-06-30\nusdt_is_usd = "
             "true\n[book]\nassets = ETH,LTC,XRP\nmin_history = 30\n[hedge]\n"
             "benchmark = BTC\ninstrument = BTC-PERP\n[options]\nchains = "
             "store\nmax_age = 30d\n[strategy.puts]\ntype = protective_put\n"
             "beta = ols\nwindow = 30\ncontract_size = 0.1\nresize = 0.01\n");
    ck_assert_int_eq(hs_store_open(&s, db, HS_STORE_READONLY), 0);
    ck_assert_msg(hs_config_parse(&cfg, text, "t") == 0, "%s", hs_error_last());
    ck_assert_int_eq(hs_registry_new(&reg), 0);
    ck_assert_msg(hs_plan_new(&pl, cfg, reg, s, NULL) == 0, "%s",
                  hs_error_last());
    ck_assert_msg(hs_plan_run_strict(pl) == 0, "%s", hs_error_last());
    const hs_run_series *se = hs_plan_series(pl, 0);
    size_t off = 0;
    for (size_t k = 0; k < se->n_otrades; k++)
        off += se->ot_kind[k] == 's' || se->ot_kind[k] == 'b' ||
               se->ot_kind[k] == 'p' || se->ot_kind[k] == 'q';
    *noted = strstr(hs_plan_panel(pl)->notes,
                    "run 'puts': 1 option trade of held contracts missing "
                    "from the visible chain") != NULL;
    hs_plan_free(pl);
    hs_registry_free(reg);
    hs_config_free(cfg);
    hs_store_close(s);
    return off;
}

START_TEST(test_replay_off_chain_fixture)
{
    char path[] = "/tmp/hs_offchain_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *in = fopen(hs_test_db(), "rb"), *out = fdopen(fd, "wb");
    ck_assert(in && out);
    char buf[1 << 16];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, got, out), got);
    fclose(in);
    ck_assert_int_eq(fclose(out), 0);
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(
        sqlite3_exec(db,
                     "DELETE FROM option_quotes WHERE ts = 1590103193775 AND "
                     "instrument_id = (SELECT id FROM instruments WHERE "
                     "symbol = 'BTC-26JUN20-8000-P')",
                     NULL, NULL, NULL),
        SQLITE_OK);
    ck_assert_int_eq(sqlite3_changes(db), 1);
    sqlite3_close(db);
    int noted = 0;
    ck_assert_uint_eq(off_chain_run(path, &noted), 1);
    ck_assert(noted);
    ck_assert_uint_eq(off_chain_run(hs_test_db(), &noted), 0);
    ck_assert(!noted);
    unlink(path);
}
END_TEST

/* The shipped coefficients (datasets/smile-fit.csv, compiled in) are the
 * least-squares fit on the embedded store's snapshots: a refit gives them
 * to their 9 printed digits.  Out of sample (each snapshot left out of the
 * fit in turn) the market smile beats the fixed one on the 2024 and 2025
 * snapshots: the figures of docs/modeled-chains.md (bench/bench_smile.c
 * prints them), asserted here with their margins. */
START_TEST(test_smile_fit_embedded)
{
    static const char *const und[] = {"BTC", "ETH"};
    hs_store *s = NULL;
    hs_smile_data *d = NULL;
    hs_chain_model dflt, fixed, fit, loo;
    hs_values v;
    ck_assert_int_eq(hs_store_open(&s, hs_test_db(), HS_STORE_READONLY), 0);
    ck_assert_int_eq(hs_chain_model_init(&dflt, NULL), 0);
    ck_assert_int_eq(hs_values_init(&v, hs_chain_model_params), 0);
    set(&v, "smile", "fixed");
    ck_assert_int_eq(hs_chain_model_init(&fixed, &v), 0);
    ck_assert_msg(hs_smile_data_load(&d, s, und, 2, NULL) == 0, "%s",
                  hs_error_last());
    ck_assert_uint_eq(hs_smile_data_count(d), 50);
    ck_assert_int_eq(hs_smile_fit(d, SIZE_MAX, &dflt, &fit), 0);
    for (size_t i = 0; i < HS_CHAIN_SMILE_NCOEF; i++)
        ck_assert_msg(fabs(fit.coef[i] - dflt.coef[i]) <=
                          1e-8 * fmax(1, fabs(dflt.coef[i])),
                      "%s: fit %.9g, shipped %.9g",
                      hs_chain_smile_coef_names[i], fit.coef[i],
                      dflt.coef[i]);
    for (size_t i = 0; i < HS_CHAIN_SMILE_NOBS; i++) {
        hs_ck_rel(fit.obs_lo[i], dflt.obs_lo[i], 1e-8);
        hs_ck_rel(fit.obs_hi[i], dflt.obs_hi[i], 1e-8);
    }
    double sum_fixed = 0, sum_loo = 0;
    size_t n = 0, within3 = 0;
    for (size_t i = 0; i < hs_smile_data_count(d); i++) {
        int64_t ts;
        hs_smile_data_snapshot(d, i, &ts, NULL, NULL, NULL);
        if (ts < T("2024-01-01"))
            continue;
        ck_assert_int_eq(hs_smile_fit(d, i, &dflt, &loo), 0);
        double e = hs_smile_rmse(d, i, &loo);
        sum_loo += e;
        sum_fixed += hs_smile_rmse(d, i, &fixed);
        within3 += e <= 0.03;
        n++;
    }
    ck_assert_uint_eq(n, 48);
    /* bench_smile: mean 2.26 out of sample against 5.00 for the fixed
     * smile; 37 of the 48 within 3 vol points */
    ck_assert_msg(sum_loo / (double)n < 0.0230, "mean %g", sum_loo / (double)n);
    ck_assert_msg(sum_fixed / (double)n > 0.0490, "fixed %g",
                  sum_fixed / (double)n);
    ck_assert_uint_ge(within3, 37);
    /* Errors: nothing to fit. */
    hs_smile_data *none = NULL;
    static const char *const sol[] = {"SOL"};
    ck_assert_int_eq(hs_smile_data_load(&none, s, sol, 1, NULL), HS_EDATA);
    ck_assert_ptr_null(none);
    ck_assert_int_eq(hs_smile_data_load(NULL, s, und, 2, NULL), HS_EINVAL);
    ck_assert_int_eq(hs_smile_data_load(&none, NULL, und, 2, NULL), HS_EINVAL);
    ck_assert_int_eq(hs_smile_fit(NULL, 0, &dflt, &loo), HS_EINVAL);
    ck_assert(isnan(hs_smile_rmse(d, 999, &dflt)));
    hs_smile_data_free(d);
    hs_store_close(s);
}
END_TEST

/* The coefficients' CSV: comments, a header and CRLF are fine; a line
 * without a comma, a value that is not a number, an unknown or missing
 * name and a clamp range upside down are refused, naming the line. */
START_TEST(test_smile_parse)
{
    hs_chain_model m, ok;
    char text[4096], bad[8192];
    size_t len = 0;
    ck_assert_int_eq(hs_chain_model_init(&ok, NULL), 0);
    len += (size_t)snprintf(text + len, sizeof text - len,
                            "# c\r\nname,value\r\n\r\n");
    for (size_t i = 0; i < HS_CHAIN_SMILE_NCOEF; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s,%zu\n",
                                hs_chain_smile_coef_names[i], i);
    for (size_t i = 0; i < HS_CHAIN_SMILE_NOBS; i++)
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "%s_lo,-1\r\n%s_hi,1\n",
                                hs_chain_smile_obs_names[i],
                                hs_chain_smile_obs_names[i]);
    m = ok;
    ck_assert_msg(hs_chain_smile_parse(text, &m) == 0, "%s", hs_error_last());
    hs_ck_near(m.coef[20], 20, 0);
    hs_ck_near(m.obs_lo[3], -1, 0);
    snprintf(bad, sizeof bad, "%satm 1\n", text);
    ck_assert_int_eq(hs_chain_smile_parse(bad, &m), HS_EDATA);
    assert_msg_has("is not name,value");
    snprintf(bad, sizeof bad, "atm,x1\n");
    ck_assert_int_eq(hs_chain_smile_parse(bad, &m), HS_EDATA);
    assert_msg_has("line 1: atm: 'x1' is not a number");
    snprintf(bad, sizeof bad, "%snope,1\n", text);
    ck_assert_int_eq(hs_chain_smile_parse(bad, &m), HS_EDATA);
    assert_msg_has("unknown name 'nope'");
    ck_assert_int_eq(hs_chain_smile_parse("atm,1\n", &m), HS_EDATA);
    assert_msg_has("1 values, expected 35");
    snprintf(bad, sizeof bad, "%sret7_lo,2\n", text);
    ck_assert_int_eq(hs_chain_smile_parse(bad, &m), HS_EDATA);
    assert_msg_has("36 values");
    char *lo = strstr(text, "ret7_lo,-1");
    ck_assert_ptr_nonnull(lo);
    memcpy(lo, "ret7_lo,+5", 10);
    ck_assert_int_eq(hs_chain_smile_parse(text, &m), HS_EDATA);
    assert_msg_has("ret7_lo 5 is above ret7_hi 1");
    memset(bad, 'a', 200);
    bad[200] = '\0';
    ck_assert_int_eq(hs_chain_smile_parse(bad, &m), HS_EDATA);
    assert_msg_has("too long");
    ck_assert_int_eq(hs_chain_smile_parse(NULL, &m), HS_EINVAL);
}
END_TEST

/* Realized: log returns of +-ln(1.02) have a zero-mean realized vol of
 * ln(1.02) sqrt(365) = 0.378328663278983 (python3: math.log(1.02) *
 * math.sqrt(365)).  rv_min_obs = 10 returns: step 9 has nine. */
START_TEST(test_model_realized_fallback)
{
    enum { N = 60 };
    double cl[N];
    for (size_t t = 0; t < N; t++)
        cl[t] = t % 2 ? 102 : 100;
    hs_panel *p = model_panel(N, cl, 45, 80);
    hs_chain_source *src = NULL;
    const hs_chain *c = NULL;
    hs_values v;
    flat_values(&v);
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, 1, &v), 0);
    ck_assert_int_eq(hs_chain_source_at(src, 9, &c), 0);
    ck_assert_uint_eq(c->n, 0);
    ck_assert_int_eq(c->ts, p->time[9] + DAY);
    hs_ck_near(c->spot, 102, 0);
    ck_assert_str_eq(c->source, "model:realized-smile");
    ck_assert_int_eq(hs_chain_source_at(src, 10, &c), 0);
    assert_all_iv(c, 0.378328663278983, 1e-12);
    ck_assert_int_eq(hs_chain_source_at(src, 44, &c), 0); /* full window */
    assert_all_iv(c, 0.378328663278983, 1e-12);
    ck_assert_str_eq(c->source, "model:realized-smile");
    ck_assert_int_eq(hs_chain_source_at(src, 45, &c), 0);
    ck_assert_str_eq(c->source, "model:dvol-smile");
    assert_all_iv(c, 0.80, 1e-15);
    hs_chain_source_free(src);

    /* No vol index at all: realized throughout. */
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, -1, &v), 0);
    ck_assert_int_eq(hs_chain_source_at(src, 50, &c), 0);
    ck_assert_str_eq(c->source, "model:realized-smile");
    assert_all_iv(c, 0.378328663278983, 1e-12);
    hs_chain_source_free(src);

    /* A 7-day window: 7 returns, fewer than rv_min_obs; the need is
     * capped at the window. */
    set(&v, "rv_days", "7");
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, -1, &v), 0);
    ck_assert_int_eq(hs_chain_source_at(src, 6, &c), 0);
    ck_assert_uint_eq(c->n, 0);
    ck_assert_int_eq(hs_chain_source_at(src, 7, &c), 0);
    assert_all_iv(c, 0.378328663278983, 1e-12);
    hs_chain_source_free(src);
    hs_panel_free(p);
}
END_TEST

/* GARCH(1,1) (Bollerslev 1986): with squared returns equal to the long-run
 * variance per step, garch_vol^2 / 365, the variance stays at the long-run
 * level (omega + (alpha + beta) V = V), so the 30-day vol is garch_vol
 * (the trailing mean of squared returns agrees with the prior here). */
START_TEST(test_model_garch)
{
    enum { N = 50 };
    double cl[N];
    zigzag(cl, N, 0.7 / sqrt(365.0));
    hs_panel *p = model_panel(N, cl, N, 0);
    hs_chain_source *src = NULL;
    const hs_chain *c = NULL;
    hs_values v;
    flat_values(&v);
    set(&v, "vol_model", "garch");
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, 1, &v), 0);
    ck_assert_int_eq(hs_chain_source_at(src, 0, &c), 0);
    ck_assert_str_eq(c->source, "model:garch-smile");
    assert_all_iv(c, 0.7, 1e-12);
    ck_assert_int_eq(hs_chain_source_at(src, 30, &c), 0);
    assert_all_iv(c, 0.7, 1e-12);
    hs_chain_source_free(src);

    /* A 10 % shock at step 31 raises the vol from that step on, not before;
     * it decays back towards 0.7 afterwards. */
    cl[31] = cl[30] * 1.10;
    for (size_t t = 32; t < N; t++)
        cl[t] = cl[31] * (t % 2 == 31 % 2 ? 1 : exp(0.7 / sqrt(365.0)));
    hs_panel *q = model_panel(N, cl, N, 0);
    ck_assert_int_eq(hs_chain_source_model(&src, q, 0, 1, &v), 0);
    ck_assert_int_eq(hs_chain_source_at(src, 30, &c), 0);
    assert_all_iv(c, 0.7, 1e-12);
    ck_assert_int_eq(hs_chain_source_at(src, 31, &c), 0);
    double at31 = c->q[0].iv;
    ck_assert(at31 > 0.75);
    ck_assert_int_eq(hs_chain_source_at(src, 45, &c), 0);
    ck_assert(c->q[0].iv < at31 && c->q[0].iv > 0.7);
    hs_chain_source_free(src);

    /* Variance targeting: returns of realized vol 0.4 pull the long-run
     * variance, and so the 30-day vol, to 0.4 whatever the 0.7 prior (the
     * gap shrinks as beta^t = 0.85^t); with garch_days = 0 the prior
     * keeps it above. */
    {
        enum { M = 250 };
        double z[M];
        zigzag(z, M, 0.4 / sqrt(365.0));
        hs_panel *r = model_panel(M, z, M, 0);
        ck_assert_int_eq(hs_chain_source_model(&src, r, 0, -1, &v), 0);
        ck_assert_int_eq(hs_chain_source_at(src, M - 1, &c), 0);
        assert_all_iv(c, 0.4, 1e-9);
        hs_chain_source_free(src);
        set(&v, "garch_days", "0");
        ck_assert_int_eq(hs_chain_source_model(&src, r, 0, -1, &v), 0);
        ck_assert_int_eq(hs_chain_source_at(src, M - 1, &c), 0);
        ck_assert(c->q[0].iv > 0.45 && c->q[0].iv < 0.7);
        hs_chain_source_free(src);
        hs_panel_free(r);
    }

    /* dvol with the garch fallback, no index: garch. */
    ck_assert_int_eq(hs_values_init(&v, hs_chain_model_params), 0);
    set(&v, "fallback", "garch");
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, -1, &v), 0);
    ck_assert_int_eq(hs_chain_source_at(src, 5, &c), 0);
    ck_assert_str_eq(c->source, "model:garch-smile");
    hs_chain_source_free(src);
    hs_panel_free(p);
    hs_panel_free(q);
}
END_TEST

/* Put-call parity with zero rate (Black 1976): C - P = F - K for every
 * strike; bid <= mark <= ask; asks at least one tick above the mark; bids
 * symmetric around the mark unless floored at 0, and empty only for marks
 * below one tick. */
START_TEST(test_model_parity_and_spreads)
{
    enum { N = 40 };
    double cl[N];
    zigzag(cl, N, 0.03);
    for (size_t t = 0; t < N; t++)
        cl[t] *= 40000.0 / 100;
    hs_panel *p = model_panel(N, cl, 0, 60);
    hs_chain_source *src = NULL;
    const hs_chain *c = NULL;
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, 1, NULL), 0);
    ck_assert_int_eq(hs_chain_source_at(src, 25, &c), 0);
    ck_assert_uint_gt(c->n, 100);
    assert_sorted(c);
    const double tick = 0.0001 * c->spot;
    size_t pairs = 0, empty_bids = 0, small_bids = 0;
    for (size_t i = 0; i < c->n; i++) {
        const hs_chain_quote *q = &c->q[i];
        ck_assert(isfinite(q->mark) && q->mark >= 0);
        ck_assert(q->ask >= q->mark + tick * (1 - 1e-12));
        if (isnan(q->bid)) {
            empty_bids++;
            ck_assert(q->mark < tick);
        } else {
            ck_assert(q->mark >= tick && q->bid >= 0 && q->bid <= q->mark);
            if (q->bid > 0)
                hs_ck_near(q->ask - q->mark, q->mark - q->bid, 1e-9 * c->spot);
            else
                ck_assert(q->ask - q->mark >= q->mark);
            small_bids += q->bid < tick;
        }
        ck_assert(q->iv >= 0.05 && q->iv <= 5);
        if (q->right != 'C')
            continue;
        int k = hs_chain_find(c, q->expiry, q->strike, 'P');
        ck_assert_int_ge(k, 0);
        hs_ck_near(q->mark - c->q[k].mark, q->forward - q->strike,
                   1e-9 * q->forward);
        pairs++;
    }
    ck_assert_uint_eq(2 * pairs, c->n);
    ck_assert_uint_gt(empty_bids, 0); /* far out of the money */
    ck_assert_uint_gt(small_bids, 0); /* marks just above a tick */
    /* The ATM half spread is spread_base of vega, 1 vol point. */
    int64_t e = hs_chain_pick_expiry(c, c->ts, 30 * DAY, 0);
    int i = hs_chain_pick_moneyness(c, e, 'C', 1.0);
    const hs_chain_quote *q = &c->q[i];
    hs_greeks g;
    double Ty = (double)(q->expiry - c->ts) / YEAR_MS;
    ck_assert_int_eq(
        hs_black76(HS_CALL, q->forward, q->strike, Ty, 0, q->iv, &g), 0);
    double k = fabs(log(q->strike / q->forward)) / sqrt(Ty);
    hs_ck_rel(q->ask - q->mark, g.vega * (0.01 + 0.02 * k), 1e-12);
    hs_chain_source_free(src);
    hs_panel_free(p);
}
END_TEST

/* Strike steps: a nice number (1, 2, 2.5, 5 x 10^n) nearest 2.5 % of spot
 * on a log scale.  Strikes are multiples of it from 0.5 S to 1.6 S. */
START_TEST(test_model_strike_grid)
{
    hs_chain_model m;
    ck_assert_int_eq(hs_chain_model_init(&m, NULL), 0);
    hs_ck_near(hs_chain_model_strike_step(&m, 40000), 1000, 0);
    hs_ck_near(hs_chain_model_strike_step(&m, 30000), 1000, 0); /* 750 */
    hs_ck_near(hs_chain_model_strike_step(&m, 20000), 500, 0);
    hs_ck_near(hs_chain_model_strike_step(&m, 9000), 250, 0);   /* 225 */
    hs_ck_near(hs_chain_model_strike_step(&m, 68550), 2000, 0); /* 1714 */
    hs_ck_near(hs_chain_model_strike_step(&m, 3000), 100, 0);   /* 75 */
    hs_ck_near(hs_chain_model_strike_step(&m, 150), 5, 0);      /* 3.75 */
    hs_ck_near(hs_chain_model_strike_step(&m, 2), 0.05, 1e-15);
    ck_assert(isnan(hs_chain_model_strike_step(&m, 0)));
    ck_assert(isnan(hs_chain_model_strike_step(&m, INFINITY)));

    static const double spots[] = {9352.58, 40123.4, 68549.99, 3712.5, 0.61};
    for (size_t s = 0; s < 5; s++) {
        hs_chain *c = NULL;
        ck_assert_int_eq(hs_chain_new(&c, hs_chain_model_capacity(&m)), 0);
        ck_assert_int_eq(hs_chain_model_fill(c, &m, T("2024-05-24T13:07Z"),
                                             spots[s], 0.6, "X", NULL),
                         0);
        double step = hs_chain_model_strike_step(&m, spots[s]);
        double lo = INFINITY, hi = 0;
        for (size_t i = 0; i < c->n; i++) {
            double j = c->q[i].strike / step;
            hs_ck_near(j, round(j), 1e-9);
            lo = fmin(lo, c->q[i].strike);
            hi = fmax(hi, c->q[i].strike);
        }
        ck_assert(lo >= 0.5 * spots[s] && lo < 0.5 * spots[s] + step);
        ck_assert(hi <= 1.6 * spots[s] && hi > 1.6 * spots[s] - step);
        ck_assert_str_eq(c->source, "model");
        ck_assert_int_eq(c->modeled, 1);
        ck_assert_uint_le(c->n, hs_chain_model_capacity(&m));
        hs_chain_free(c);
    }
}
END_TEST

/* Distinct expiries of a store snapshot, ascending. */
static size_t store_expiries(hs_store *s, int64_t ts, int64_t *out, size_t cap)
{
    hs_option_quote *q = NULL;
    size_t n = 0, k = 0;
    ck_assert_int_eq(hs_store_option_chain(s, "BTC", ts, &q, &n), 0);
    ck_assert_uint_gt(n, 0);
    for (size_t i = 0; i < n; i++)
        if ((k == 0 || out[k - 1] != q[i].expiry) && k < cap)
            out[k++] = q[i].expiry;
    free(q);
    return k;
}

/* The default pattern (3 dailies, 3 Friday weeklies, 3 month-ends, 4
 * quarter-ends) lists exactly Deribit's BTC expiries in the 2024-05-24 and
 * 2025-04-05 snapshots of the embedded store; in May 2020 Deribit listed
 * fewer, all of which the pattern has. */
START_TEST(test_model_expiries_vs_deribit)
{
    hs_store *s = open_db();
    hs_chain_model m;
    int64_t real[32], mod[64];
    ck_assert_int_eq(hs_chain_model_init(&m, NULL), 0);
    static const int64_t full[] = {INT64_C(1716556020000),  /* 2024-05-24 */
                                   INT64_C(1743852480000)}; /* 2025-04-05 */
    for (int k = 0; k < 2; k++) {
        size_t nr = store_expiries(s, full[k], real, 32);
        size_t nm = hs_chain_model_expiries(&m, full[k], mod, 64);
        ck_assert_uint_eq(nr, 11);
        ck_assert_uint_eq(nm, nr);
        for (size_t i = 0; i < nr; i++)
            ck_assert_int_eq(mod[i], real[i]);
    }
    const int64_t may20 = INT64_C(1589434896486);
    size_t nr = store_expiries(s, may20, real, 32);
    size_t nm = hs_chain_model_expiries(&m, may20, mod, 64);
    ck_assert_uint_eq(nr, 7);
    for (size_t i = 0; i < nr; i++) {
        int found = 0;
        for (size_t j = 0; j < nm; j++)
            found |= mod[j] == real[i];
        ck_assert_msg(found, "expiry %zu of May 2020 missing", i);
    }
    hs_store_close(s);
}
END_TEST

static int weekday_of(int64_t ms) /* 0 = Monday */
{
    int64_t d = ms / DAY;
    return (int)(((d % 7) + 7 + 3) % 7);
}

START_TEST(test_model_expiries_rules)
{
    hs_chain_model m;
    int64_t e[64];
    ck_assert_int_eq(hs_chain_model_init(&m, NULL), 0);
    /* Over the year turn: December's last Friday (27th) has passed. */
    static const char *const want[] = {
        "2024-12-28T08:00Z", "2024-12-29T08:00Z", "2024-12-30T08:00Z",
        "2025-01-03T08:00Z", "2025-01-10T08:00Z", "2025-01-17T08:00Z",
        "2025-01-31T08:00Z", "2025-02-28T08:00Z", "2025-03-28T08:00Z",
        "2025-06-27T08:00Z", "2025-09-26T08:00Z", "2025-12-26T08:00Z"};
    size_t n = hs_chain_model_expiries(&m, T("2024-12-28"), e, 64);
    ck_assert_uint_eq(n, 12);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(e[i], T(want[i]));
    /* Exactly at an expiry: that one is gone (strictly after now). */
    n = hs_chain_model_expiries(&m, T("2024-05-31T08:00Z"), e, 64);
    ck_assert_int_eq(e[0], T("2024-06-01T08:00Z"));
    ck_assert_int_eq(e[3], T("2024-06-07T08:00Z"));
    n = hs_chain_model_expiries(&m, T("2024-05-31T07:59:59.999Z"), e, 64);
    ck_assert_int_eq(e[0], T("2024-05-31T08:00Z"));
    /* cap */
    ck_assert_uint_eq(hs_chain_model_expiries(&m, T("2024-05-31"), e, 2), 2);
    /* Every expiry of a year of days: 08:00 UTC, ascending, after now, and
     * all but the dailies on Fridays. */
    for (int64_t now = T("2023-01-01"); now < T("2024-01-01");
         now += DAY + 3 * HS_MS_PER_HOUR) {
        n = hs_chain_model_expiries(&m, now, e, 64);
        ck_assert_uint_ge(n, 9);
        ck_assert_uint_le(n, 13);
        for (size_t i = 0; i < n; i++) {
            ck_assert_int_eq(e[i] % DAY, 8 * HS_MS_PER_HOUR);
            ck_assert_int_gt(e[i], now);
            if (i)
                ck_assert_int_gt(e[i], e[i - 1]);
            if (i >= 3)
                ck_assert_int_eq(weekday_of(e[i]), 4);
        }
        ck_assert_int_le(e[0] - now, DAY);
    }
    /* Another hour; quarterlies only. */
    hs_values v;
    ck_assert_int_eq(hs_values_init(&v, hs_chain_model_params), 0);
    set(&v, "dailies", "0");
    set(&v, "weeklies", "0");
    set(&v, "monthlies", "0");
    set(&v, "quarterlies", "2");
    set(&v, "expiry_hour", "16");
    ck_assert_int_eq(hs_chain_model_init(&m, &v), 0);
    n = hs_chain_model_expiries(&m, T("2024-05-24"), e, 64);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(e[0], T("2024-06-28T16:00Z"));
    ck_assert_int_eq(e[1], T("2024-09-27T16:00Z"));
}
END_TEST

START_TEST(test_model_errors)
{
    enum { N = 20 };
    double cl[N];
    zigzag(cl, N, 0.01);
    hs_panel *p = model_panel(N, cl, 0, 50);
    hs_chain_source *src = (hs_chain_source *)&src;
    hs_values v;
    ck_assert_int_eq(hs_chain_source_model(&src, p, -1, 1, NULL), HS_EINVAL);
    ck_assert_ptr_null(src);
    ck_assert_int_eq(hs_chain_source_model(&src, p, 2, 1, NULL), HS_EINVAL);
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, 2, NULL), HS_EINVAL);
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, -2, NULL), HS_EINVAL);
    ck_assert_int_eq(hs_chain_source_model(&src, NULL, 0, -1, NULL), HS_EINVAL);
    ck_assert_int_eq(hs_chain_source_model(NULL, p, 0, -1, NULL), HS_EINVAL);
    /* alpha + beta >= 1 */
    ck_assert_int_eq(hs_values_init(&v, hs_chain_model_params), 0);
    set(&v, "garch_alpha", "0.2");
    set(&v, "garch_beta", "0.8");
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, 1, &v), HS_EINVAL);
    assert_msg_has("garch_alpha + garch_beta");
    ck_assert_ptr_null(src);
    /* no expiries */
    ck_assert_int_eq(hs_values_init(&v, hs_chain_model_params), 0);
    set(&v, "dailies", "0");
    set(&v, "weeklies", "0");
    set(&v, "monthlies", "0");
    set(&v, "quarterlies", "0");
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, 1, &v), HS_EINVAL);
    assert_msg_has("no expiries");
    /* vol_min above vol_max */
    ck_assert_int_eq(hs_values_init(&v, hs_chain_model_params), 0);
    set(&v, "vol_min", "2");
    set(&v, "vol_max", "1");
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, 1, &v), HS_EINVAL);
    /* values of another table that lacks the keys; out-of-range numbers
     * (a table with the same names but wider ranges) */
    static const hs_param other[] = {
        {"skew", HS_PARAM_DOUBLE, "9", -100, 100, NULL, ""}, HS_PARAM_END};
    ck_assert_int_eq(hs_values_init(&v, other), 0);
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, 1, &v), HS_EINVAL);
    assert_msg_has("missing");
    hs_chain_model m;
    ck_assert_int_eq(hs_chain_model_init(NULL, NULL), HS_EINVAL);
    ck_assert_int_eq(hs_chain_model_init(&m, NULL), 0);
    /* fill: bad spot or vol leaves an empty, labelled slice */
    hs_chain *c = NULL;
    ck_assert_int_eq(hs_chain_new(&c, 0), 0);
    ck_assert_int_eq(hs_chain_model_fill(c, &m, 0, -1, 0.5, "BTC", "x"),
                     HS_EINVAL);
    ck_assert_uint_eq(c->n, 0);
    ck_assert_str_eq(c->source, "x");
    ck_assert_int_eq(hs_chain_model_fill(c, &m, 0, 100, NAN, "BTC", "x"),
                     HS_EINVAL);
    ck_assert_int_eq(hs_chain_model_fill(NULL, &m, 0, 100, 0.5, "BTC", "x"),
                     HS_EINVAL);
    /* a slice too small grows */
    ck_assert_int_eq(hs_chain_model_fill(c, &m, 0, 100, 0.5, "BTC", "x"), 0);
    ck_assert_uint_gt(c->n, 0);
    ck_assert_uint_ge(c->cap, c->n);
    hs_chain_free(c);
    ck_assert_str_eq(hs_chain_vol_name(HS_CHAIN_VOL_GARCH), "garch");
    ck_assert_str_eq(hs_chain_vol_name((hs_chain_vol)7), "?");
    hs_panel_free(p);
}
END_TEST

/* The cursor: absent underlying, repeated and backward steps, rewind
 * (bit-identical replays), and no allocation after creation whatever the
 * price level. */
START_TEST(test_model_cursor)
{
    enum { N = 60 };
    double cl[N];
    for (size_t t = 0; t < N; t++)
        cl[t] = t < 3 ? NAN : pow(10.0, (double)(t % 10) - 3); /* 1e-3..1e6 */
    hs_panel *p = model_panel(N, cl, 0, 70);
    hs_chain_source *src = NULL;
    const hs_chain *c = NULL;
    hs_values v;
    ck_assert_int_eq(hs_values_init(&v, hs_chain_model_params), 0);
    set(&v, "vol_model", "garch");
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, 1, &v), 0);
    ck_assert_int_eq(hs_chain_source_at(src, 1, &c), 0);
    ck_assert_uint_eq(c->n, 0); /* absent: no chain, no spot */
    ck_assert(isnan(c->spot));
    ck_assert_int_eq(c->ts, p->time[1] + DAY);
    ck_assert_str_eq(c->underlying, "BTC");
    const hs_chain_quote *buf = c->q;
    const size_t cap = c->cap;
    ck_assert_uint_eq(cap, 1664);
    hs_chain_quote *saved = malloc(cap * sizeof *saved);
    size_t saved_n = 0;
    for (size_t t = 3; t < N; t++) {
        ck_assert_int_eq(hs_chain_source_at(src, t, &c), 0);
        ck_assert_uint_gt(c->n, 0);
        ck_assert_ptr_eq(c->q, buf);
        ck_assert_uint_eq(c->cap, cap);
        if (t == 40) {
            memcpy(saved, c->q, c->n * sizeof *saved);
            saved_n = c->n;
        }
    }
    ck_assert_int_eq(hs_chain_source_at(src, 40, &c), HS_EINVAL);
    ck_assert_int_eq(hs_chain_source_at(src, N - 1, &c), 0); /* again */
    hs_chain_source_rewind(src);
    for (size_t t = 0; t <= 40; t++)
        ck_assert_int_eq(hs_chain_source_at(src, t, &c), 0);
    ck_assert_uint_eq(c->n, saved_n);
    for (size_t i = 0; i < saved_n; i++)
        ck_assert(same_quote(&c->q[i], &saved[i]));
    /* Skipping steps gives the same slice as walking every one (GARCH
     * folds the skipped returns). */
    hs_chain_source_rewind(src);
    ck_assert_int_eq(hs_chain_source_at(src, 40, &c), 0);
    ck_assert_uint_eq(c->n, saved_n);
    for (size_t i = 0; i < saved_n; i++)
        ck_assert(same_quote(&c->q[i], &saved[i]));
    free(saved);
    hs_chain_source_free(src);
    hs_panel_free(p);
}
END_TEST

/* ======================================================= hedgesim chains */

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[1 << 16];
    size_t n;
    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(out);
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    ck_assert_int_eq(fclose(out), 0);
}

/* Run the hedgesim binary ($HS_BIN, else ./hedgesim) with `args`; its
 * output goes to `log`.  Returns the exit status. */
static int run_cli(const char *args, const char *log)
{
    const char *bin = getenv("HS_BIN");
    char line[2048];
    if (!bin || !*bin)
        bin = "./hedgesim";
    ck_assert_msg(access(bin, X_OK) == 0, "%s: not built (make hedgesim)", bin);
    snprintf(line, sizeof line, "%s %s >%s 2>&1", bin, args, log);
    int st = system(line);
    ck_assert(st != -1 && WIFEXITED(st));
    return WEXITSTATUS(st);
}

static int file_has(const char *path, const char *needle)
{
    char buf[8192];
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = 0;
    return strstr(buf, needle) != NULL;
}

/* The command writes the model's chains at every close, tagged
 * model:NAME; replaying them by source gives the live model's slices bit
 * for bit, and the exchange replay never sees them. */
START_TEST(test_cli_chains)
{
    char dir[64], db[128], log[128], args[1024];
    snprintf(dir, sizeof dir, "/tmp/hs_chains_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/t.db", dir);
    snprintf(log, sizeof log, "%s/log", dir);
    copy_file(hs_test_db(), db);

    snprintf(args, sizeof args,
             "chains --db %s --underlying BTC --start 2022-11-07 "
             "--end 2022-11-10",
             db);
    ck_assert_int_eq(run_cli(args, log), 0);
    ck_assert(file_has(log, "model:dvol-smile: 4 steps"));
    ck_assert(file_has(log, "0 already there"));
    /* again: nothing new */
    ck_assert_int_eq(run_cli(args, log), 0);
    ck_assert(file_has(log, " 0 new rows"));
    /* other settings under the same name are refused */
    snprintf(args, sizeof args,
             "chains --db %s --underlying BTC --start 2022-11-07 "
             "--end 2022-11-10 --set wing_kappa=2",
             db);
    ck_assert_int_eq(run_cli(args, log), 1);
    ck_assert(file_has(log, "choose another --name"));
    /* bad command lines */
    snprintf(args, sizeof args, "chains --db %s --underlying BTC", db);
    ck_assert_int_eq(run_cli(args, log), 2);
    snprintf(args, sizeof args,
             "chains --db %s --underlying BTC --start 2022-11-07 "
             "--end 2022-11-10 --set nope=1",
             db);
    ck_assert_int_eq(run_cli(args, log), 2);
    ck_assert(file_has(log, "nope"));
    snprintf(args, sizeof args,
             "chains --db %s --underlying BTC --start 2022-11-07 "
             "--end 2022-11-10 --name 'a b'",
             db);
    ck_assert_int_eq(run_cli(args, log), 2);
    ck_assert_int_eq(run_cli("chains --help", log), 0);
    ck_assert(file_has(log, "usage: hedgesim chains"));
    ck_assert_int_eq(run_cli("chains --params", log), 0);
    ck_assert(file_has(log, "term_slope"));

    /* Replay against the live model. */
    static const char *const sym[] = {"BTC", "BTC-DVOL"};
    hs_store *s = NULL;
    ck_assert_int_eq(hs_store_open(&s, db, HS_STORE_READONLY), 0);
    /* The command loaded 90 steps before --start (--lookback): the market
     * smile's realized vol and returns need them too. */
    hs_panel *p = load_panel(s, "2022-08-09", "2022-11-10", sym, 2, 1);
    hs_chain_source *stored = NULL, *live = NULL, *exch = NULL;
    ck_assert_int_eq(
        hs_chain_source_store(&stored, s, p, "BTC", "model:dvol-smile", DAY),
        0);
    /* With no age limit to speak of, the exchange replay still shows the
     * last exchange snapshot before the window (2020-05-21), not the newer
     * modeled ones. */
    ck_assert_int_eq(
        hs_chain_source_store(&exch, s, p, "BTC", NULL, 4000 * DAY), 0);
    ck_assert_int_eq(hs_chain_source_model(&live, p, 0, 1, NULL), 0);
    for (size_t t = step_of(p, "2022-11-07"); t < p->n_steps; t++) {
        const hs_chain *a, *b, *x;
        ck_assert_int_eq(hs_chain_source_at(stored, t, &a), 0);
        ck_assert_int_eq(hs_chain_source_at(live, t, &b), 0);
        ck_assert_int_eq(hs_chain_source_at(exch, t, &x), 0);
        ck_assert_uint_gt(a->n, 0);
        ck_assert_int_eq(a->ts, b->ts);
        ck_assert_uint_eq(a->n, b->n);
        ck_assert_int_eq(a->modeled, 1);
        for (size_t i = 0; i < a->n; i++)
            ck_assert_msg(same_quote(&a->q[i], &b->q[i]), "step %zu quote %zu",
                          t, i);
        ck_assert_int_eq(x->ts, INT64_C(1590103193775));
        ck_assert_str_eq(x->source, "deribit");
        ck_assert_int_eq(x->modeled, 0);
    }
    hs_chain_source_free(stored);
    hs_chain_source_free(live);
    hs_chain_source_free(exch);
    /* The contracts are the model's, named apart from the exchange's. */
    hs_instrument inst;
    ck_assert_int_eq(
        hs_store_instrument(s, "BTC-25NOV22-16000-P.dvol-smile", &inst), 0);
    ck_assert_str_eq(inst.source, "model:dvol-smile");
    ck_assert_str_eq(inst.venue, "model");
    ck_assert_int_eq(inst.expiry, T("2022-11-25T08:00Z"));
    hs_panel_free(p);
    hs_store_close(s);

    unlink(log);
    unlink(db);
    rmdir(dir);
}
END_TEST

/* ======================================== a source type written here: the
 * type struct is pluggable, and the framework's contract holds for it */

typedef struct fake_counts {
    int init, at, rewind, free;
    size_t last_t;
} fake_counts;

typedef struct fake_args {
    fake_counts *counts;
    int fail_init; /* 1: init fails after allocating */
    size_t fail_at; /* at() fails at this step (SIZE_MAX: never) */
    int no_scratch; /* 1: allocate nothing (a type without free) */
} fake_args;

typedef struct fake_state {
    fake_counts *counts;
    const hs_panel *panel;
    size_t fail_at;
    double *scratch; /* allocated by init, released by free */
} fake_state;

static int fake_init(void *state, const hs_panel *panel, const void *args,
                     hs_chain *slice)
{
    fake_state *s = state;
    const fake_args *a = args;
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_null(s->scratch); /* the framework zeroes the state */
    s->counts = a->counts;
    s->panel = panel;
    s->fail_at = a->fail_at;
    s->counts->init++;
    if (!a->no_scratch && !(s->scratch = malloc(16 * sizeof *s->scratch)))
        return HS_ENOMEM;
    if (a->fail_init)
        return hs_error_set(HS_EDATA, "fake: failing on purpose");
    return hs_chain_reserve(slice, 1);
}

static int fake_at(void *state, size_t t, hs_chain *c)
{
    fake_state *s = state;
    s->counts->at++;
    s->counts->last_t = t;
    if (t == s->fail_at)
        return hs_error_set(HS_ENUMERIC, "fake: failing at step %zu", t);
    const int64_t close = s->panel->time[t] + s->panel->step_ms;
    c->ts = close;
    c->spot = 100;
    c->modeled = 1;
    snprintf(c->underlying, sizeof c->underlying, "BTC");
    snprintf(c->source, sizeof c->source, "model:fake");
    c->q[0].expiry = close + 7 * DAY;
    c->q[0].strike = 100 + (double)t;
    c->q[0].right = 'C';
    c->q[0].bid = 1;
    c->q[0].ask = 2;
    c->q[0].mark = 1.5;
    c->q[0].iv = 0.5;
    c->q[0].forward = 100;
    c->n = 1;
    return 0;
}

static void fake_rewind(void *state, hs_chain *c)
{
    fake_state *s = state;
    ck_assert_uint_eq(c->n, 0); /* emptied by the framework first */
    s->counts->rewind++;
}

static void fake_free(void *state)
{
    fake_state *s = state;
    s->counts->free++;
    free(s->scratch);
}

static const hs_chain_source_type fake_type = {
    .version = HS_CHAIN_SOURCE_TYPE_VERSION,
    .name = "fake",
    .summary = "one call per step, strike 100 + t",
    .state_size = sizeof(fake_state),
    .init = fake_init,
    .at = fake_at,
    .rewind = fake_rewind,
    .free = fake_free,
};

START_TEST(test_source_type_pluggable)
{
    hs_panel *p = NULL;
    ck_assert_int_eq(hs_panel_new(&p, 8, 1, DAY), 0);
    snprintf(p->symbol[0], HS_SYMBOL_MAX, "BTC");
    for (size_t t = 0; t < 8; t++) {
        p->time[t] = T("2024-01-01") + (int64_t)t * DAY;
        p->open[t] = p->high[t] = p->low[t] = p->close[t] = 100;
        p->state[t] = HS_BAR_OK;
    }
    hs_panel_finish(p);
    fake_counts n;
    memset(&n, 0, sizeof n);
    fake_args a = {&n, 0, 5, 0};
    hs_chain_source *src = NULL;
    const hs_chain *c = NULL;

    ck_assert_int_eq(hs_chain_source_new(&src, &fake_type, p, &a), 0);
    ck_assert_str_eq(hs_chain_source_name(src), "fake");
    ck_assert_int_eq(n.init, 1);
    ck_assert_int_eq(n.rewind, 1); /* after init */
    ck_assert_int_eq(n.at, 0);
    ck_assert_int_eq(hs_chain_source_at(src, 2, &c), 0);
    ck_assert_int_eq(n.at, 1);
    ck_assert_uint_eq(c->n, 1);
    hs_ck_near(c->q[0].strike, 102, 0);
    ck_assert_int_eq(c->ts, p->time[2] + DAY);
    /* the same step again is answered from the slice */
    ck_assert_int_eq(hs_chain_source_at(src, 2, &c), 0);
    ck_assert_int_eq(n.at, 1);
    /* backwards is refused without asking the type */
    ck_assert_int_eq(hs_chain_source_at(src, 1, &c), HS_EINVAL);
    ck_assert_ptr_null(c);
    assert_msg_has("steps go forward");
    ck_assert_int_eq(n.at, 1);
    ck_assert_int_eq(hs_chain_source_at(src, 8, &c), HS_EINVAL);
    ck_assert_int_eq(n.at, 1);
    ck_assert_int_eq(hs_chain_source_at(src, 4, &c), 0);
    ck_assert_int_eq(n.at, 2);
    ck_assert_uint_eq(n.last_t, 4);
    /* the type's error comes through and empties the slice */
    ck_assert_int_eq(hs_chain_source_at(src, 5, &c), HS_ENUMERIC);
    assert_msg_has("failing at step 5");
    ck_assert_int_eq(n.at, 3);
    ck_assert_int_eq(hs_chain_source_at(src, 6, &c), 0);
    hs_ck_near(c->q[0].strike, 106, 0);
    /* rewind: the type hears of it, and early steps are allowed again */
    hs_chain_source_rewind(src);
    ck_assert_int_eq(n.rewind, 2);
    ck_assert_int_eq(hs_chain_source_at(src, 0, &c), 0);
    hs_ck_near(c->q[0].strike, 100, 0);
    hs_chain_source_free(src);
    ck_assert_int_eq(n.free, 1);

    /* a failing init: free still runs (scratch released), *out is NULL */
    memset(&n, 0, sizeof n);
    a.fail_init = 1;
    src = (hs_chain_source *)&src;
    ck_assert_int_eq(hs_chain_source_new(&src, &fake_type, p, &a), HS_EDATA);
    ck_assert_ptr_null(src);
    ck_assert_int_eq(n.init, 1);
    ck_assert_int_eq(n.free, 1);
    ck_assert_int_eq(n.rewind, 0);

    /* optional pointers may be NULL */
    hs_chain_source_type bare = fake_type;
    bare.rewind = NULL;
    bare.free = NULL;
    a.fail_init = 0;
    a.no_scratch = 1;
    memset(&n, 0, sizeof n);
    ck_assert_int_eq(hs_chain_source_new(&src, &bare, p, &a), 0);
    ck_assert_int_eq(hs_chain_source_at(src, 3, &c), 0);
    hs_chain_source_rewind(src);
    ck_assert_int_eq(n.rewind, 0);
    ck_assert_int_eq(hs_chain_source_at(src, 3, &c), 0);
    ck_assert_int_eq(n.at, 2);
    hs_chain_source_free(src);
    ck_assert_int_eq(n.free, 0);

    /* bad types and panels */
    hs_chain_source_type bad = fake_type;
    bad.version = 0;
    ck_assert_int_eq(hs_chain_source_new(&src, &bad, p, &a), HS_EINVAL);
    ck_assert_ptr_null(src);
    bad = fake_type;
    bad.at = NULL;
    ck_assert_int_eq(hs_chain_source_new(&src, &bad, p, &a), HS_EINVAL);
    bad = fake_type;
    bad.state_size = 0;
    ck_assert_int_eq(hs_chain_source_new(&src, &bad, p, &a), HS_EINVAL);
    ck_assert_int_eq(hs_chain_source_new(&src, NULL, p, &a), HS_EINVAL);
    ck_assert_int_eq(hs_chain_source_new(NULL, &fake_type, p, &a), HS_EINVAL);
    ck_assert_int_eq(hs_chain_source_new(&src, &fake_type, NULL, &a),
                     HS_EINVAL);
    assert_msg_has("chain fake: an empty or invalid panel");
    ck_assert_str_eq(hs_chain_source_name(NULL), "");

    /* the built-in types answer to their names */
    ck_assert_int_eq(hs_chain_source_model(&src, p, 0, -1, NULL), 0);
    ck_assert_str_eq(hs_chain_source_name(src), "model");
    hs_chain_source_free(src);
    const hs_chain_model_args ma = {0, -1, NULL};
    ck_assert_int_eq(
        hs_chain_source_new(&src, &hs_chain_source_model_type, p, &ma), 0);
    ck_assert_str_eq(hs_chain_source_name(src), "model");
    hs_chain_source_free(src);
    ck_assert_str_eq(hs_chain_source_replay_type.name, "replay");
    hs_panel_free(p);
}
END_TEST

static Suite *chain_suite(void)
{
    Suite *s = suite_create("chain");
    TCase *tc = tcase_create("slice");
    tcase_add_test(tc, test_new_reserve_free);
    tcase_add_test(tc, test_pick_expiry);
    tcase_add_test(tc, test_pick_moneyness);
    tcase_add_test(tc, test_pick_delta);
    tcase_add_test(tc, test_find);
    tcase_add_test(tc, test_source_type_pluggable);
    suite_add_tcase(s, tc);

    tc = tcase_create("replay");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_replay_2020_coin);
    tcase_add_test(tc, test_replay_2024_index_price);
    tcase_add_test(tc, test_replay_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("replay_usd");
    tcase_add_checked_fixture(tc, usd_setup, usd_teardown);
    tcase_add_test(tc, test_replay_usd_parity);
    suite_add_tcase(s, tc);

    tc = tcase_create("model");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_model_no_lookahead);
    tcase_add_test(tc, test_model_dvol_embedded);
    tcase_add_test(tc, test_model_smile_rule);
    tcase_add_test(tc, test_model_realized_fallback);
    tcase_add_test(tc, test_model_garch);
    tcase_add_test(tc, test_model_parity_and_spreads);
    tcase_add_test(tc, test_model_strike_grid);
    tcase_add_test(tc, test_model_expiries_vs_deribit);
    tcase_add_test(tc, test_model_expiries_rules);
    tcase_add_test(tc, test_model_errors);
    tcase_add_test(tc, test_model_cursor);
    tcase_add_test(tc, test_model_market_smile);
    tcase_add_test(tc, test_model_keeps_held);
    tcase_add_test(tc, test_model_hull_bump);
    tcase_add_test(tc, test_model_no_arbitrage);
    tcase_add_test(tc, test_model_offgrid_no_arbitrage);
    tcase_add_test(tc, test_smile_parse);
    suite_add_tcase(s, tc);

    tc = tcase_create("fit");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_smile_fit_embedded);
    tcase_add_test(tc, test_replay_off_chain_fixture);
    suite_add_tcase(s, tc);

    tc = tcase_create("cli");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_cli_chains);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return hs_test_main(chain_suite());
}
