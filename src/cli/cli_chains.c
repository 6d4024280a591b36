/* hedgesim chains: generate modeled option chains for an underlying over a
 * date range from the store's prices and volatility index, and write them
 * into the store's option tables tagged "model:<name>" (one transaction),
 * or print them as CSV.  The generator is the one runs use
 * (hs_chain_source_model); docs/modeled-chains.md describes it.  Rows are
 * written through the store's public writer (hs_store_ensure_instrument,
 * hs_store_put_option), with the same conflict rules as an import. */
#include "cli_int.h"
#include "hedgesim/chain.h"
#include "hedgesim/hedgesim.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cmd = "chains";

#define NAME_MAX_LEN 24

static void usage(FILE *fp)
{
    fprintf(
        fp,
        "usage: hedgesim chains --underlying SYM --start DATE --end DATE\n"
        "                       [--db PATH] [--step STEP] [--vol-index "
        "SYM|none]\n"
        "                       [--lookback N] [--name NAME] [--set "
        "KEY=VALUE]...\n"
        "                       [--dry-run | --csv]\n"
        "       hedgesim chains --params\n"
        "\n"
        "Generate modeled option chains (Black-76 on a smile anchored on the\n"
        "vol index, or on realized or GARCH volatility where it is absent)\n"
        "at every step's close from START to END and write them into the\n"
        "store's option tables with source \"model:NAME\", in one "
        "transaction.\n"
        "Modeled quotes are never exchange data: replays take them only when\n"
        "asked for by source (see docs/modeled-chains.md).\n"
        "\n"
        "options:\n"
        "  --db PATH          the store (default: $HEDGESIM_DB or "
        "datasets/hedgesim.db)\n"
        "  --underlying SYM   spot symbol of the underlying (BTC, ETH, ...)\n"
        "  --start DATE       first step (bar open time, UTC), inclusive\n"
        "  --end DATE         last step, inclusive\n"
        "  --step STEP        step of the grid (default 1d)\n"
        "  --vol-index SYM    30-day implied vol index, or 'none' (default:\n"
        "                     SYM-DVOL when the store has it)\n"
        "  --lookback N       steps loaded before START for the volatility\n"
        "                     estimators (default 90)\n"
        "  --name NAME        rows are tagged model:NAME (1..%d of A-Z a-z "
        "0-9 _ -;\n"
        "                     default: <vol_model>-smile); contracts are "
        "named\n"
        "                     <exchange-style name>.NAME\n"
        "  --set KEY=VALUE    a generator parameter (repeatable; --params "
        "lists them)\n"
        "  --params           list the generator's parameters and exit\n"
        "  --dry-run          generate and count, write nothing\n"
        "  --csv              print the quotes as CSV on stdout instead of "
        "writing\n"
        "                     (time,expiry,strike,right,bid,ask,mark,iv,"
        "forward,\n"
        "                     spot,source; USD; times UTC)\n"
        "  -h, --help         this text\n"
        "\n"
        "Running it again with the same settings changes nothing; other "
        "settings\n"
        "under the same name are refused (choose another --name).\n"
        "Exit codes: 0 success, 1 failure, 2 bad command line.\n",
        NAME_MAX_LEN);
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NAME_MAX_LEN)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* ------------------------------------------------ instrument id cache */

/* Open addressing on (expiry, strike, right); ids of the instruments made or
 * found so far, so each contract is looked up in the store once. */
typedef struct slot {
    int64_t expiry;
    double strike;
    char right; /* 0: empty */
    int64_t id;
} slot;

typedef struct idmap {
    slot *s;
    size_t cap, n; /* cap a power of two */
} idmap;

static size_t hash_key(int64_t expiry, double strike, char right)
{
    uint64_t h = (uint64_t)expiry * UINT64_C(0x9E3779B97F4A7C15);
    uint64_t k;
    memcpy(&k, &strike, sizeof k);
    h ^= k + UINT64_C(0x632BE59BD9B4E019) + (h << 6) + (h >> 2);
    h ^= (uint64_t)(unsigned char)right * UINT64_C(0xD6E8FEB86659FD93);
    h ^= h >> 29;
    return (size_t)h;
}

static slot *idmap_slot(idmap *m, int64_t expiry, double strike, char right)
{
    size_t i = hash_key(expiry, strike, right) & (m->cap - 1);
    while (m->s[i].right &&
           !(m->s[i].expiry == expiry && m->s[i].strike == strike &&
             m->s[i].right == right))
        i = (i + 1) & (m->cap - 1);
    return &m->s[i];
}

static int idmap_grow(idmap *m)
{
    idmap g = {NULL, m->cap ? 2 * m->cap : 4096, 0};
    g.s = calloc(g.cap, sizeof *g.s);
    if (!g.s)
        return hs_error_set(HS_ENOMEM, "chains: out of memory");
    for (size_t i = 0; i < m->cap; i++)
        if (m->s[i].right) {
            *idmap_slot(&g, m->s[i].expiry, m->s[i].strike, m->s[i].right) =
                m->s[i];
            g.n++;
        }
    free(m->s);
    *m = g;
    return 0;
}

/* ------------------------------------------------------------- writing */

typedef struct job {
    const char *db, *underlying, *vol_index, *name;
    int64_t start, end, step;
    long lookback;
    int dry_run, csv;
    hs_values values;
} job;

typedef struct tally {
    long long steps, empty, quotes, added, unchanged, instruments;
    long long repaired;  /* quotes the no-arbitrage repair changed */
    long long by_vol[3]; /* steps with a chain, by the vol used */
    int64_t first, last;
} tally;

/* "BTC-28JUN24-68000-C.NAME" (strike decimals as 'd', like Deribit). */
static int contract_symbol(char *buf, size_t size, const char *und,
                           const hs_chain_quote *q, const char *name)
{
    static const char *const mon[12] = {"JAN", "FEB", "MAR", "APR",
                                        "MAY", "JUN", "JUL", "AUG",
                                        "SEP", "OCT", "NOV", "DEC"};
    int y, m, d;
    char k[32];
    hs_cal_to_civil(q->expiry, &y, &m, &d, NULL, NULL, NULL, NULL);
    snprintf(k, sizeof k, "%.10g", q->strike);
    for (char *p = k; *p; p++)
        if (*p == '.')
            *p = 'd';
    int w = snprintf(buf, size, "%s-%d%s%02d-%s-%c.%s", und, d, mon[m - 1],
                     y % 100, k, q->right, name);
    if (w < 0 || (size_t)w >= size)
        return hs_error_set(HS_EINVAL,
                            "chains: contract name %s... is longer than 47 "
                            "characters: choose a shorter --name",
                            buf);
    return 0;
}

static int write_slice(hs_store *st, idmap *ids, const hs_chain *c,
                       const char *und, const char *name, const char *source,
                       tally *tl)
{
    char sym[48], tb[40];
    int rc;
    for (size_t i = 0; i < c->n; i++) {
        const hs_chain_quote *q = &c->q[i];
        if (ids->n * 2 >= ids->cap && (rc = idmap_grow(ids)))
            return rc;
        slot *sl = idmap_slot(ids, q->expiry, q->strike, q->right);
        if (!sl->right) {
            hs_instrument want;
            memset(&want, 0, sizeof want);
            if ((rc = contract_symbol(sym, sizeof sym, und, q, name)))
                return rc;
            snprintf(want.symbol, sizeof want.symbol, "%s", sym);
            want.kind = HS_KIND_OPTION;
            snprintf(want.underlying, sizeof want.underlying, "%s", und);
            snprintf(want.quote, sizeof want.quote, "USD");
            snprintf(want.venue, sizeof want.venue, "model");
            snprintf(want.source, sizeof want.source, "%s", source);
            want.expiry = q->expiry;
            want.strike = q->strike;
            want.right = q->right;
            want.multiplier = 1;
            if ((rc =
                     hs_store_ensure_instrument(st, &want, "chains", &sl->id)))
                return rc;
            sl->expiry = q->expiry;
            sl->strike = q->strike;
            sl->right = q->right;
            ids->n++;
            tl->instruments++;
        }
        /* The row: USD prices, the generator's iv and Black-76 greeks in
         * the store's (Deribit's) units: vega per vol point, theta per day. */
        hs_option_quote row;
        hs_greeks g;
        memset(&row, 0, sizeof row);
        row.ts = c->ts;
        row.instrument_id = sl->id;
        row.bid = q->bid;
        row.ask = q->ask;
        row.mark = q->mark;
        row.iv = q->iv;
        row.bid_iv = row.ask_iv = NAN;
        row.underlying_price = q->forward;
        row.index_price = c->spot;
        double T = (double)(q->expiry - c->ts) / (365.0 * HS_MS_PER_DAY);
        if (hs_black76(q->right == 'C' ? HS_CALL : HS_PUT, q->forward,
                       q->strike, T, 0, q->iv, &g) == 0) {
            row.delta = g.delta;
            row.gamma = g.gamma;
            row.vega = g.vega / 100;
            row.theta = g.theta / 365;
        } else {
            row.delta = row.gamma = row.vega = row.theta = NAN;
        }
        snprintf(row.price_unit, sizeof row.price_unit, "USD");
        int outcome;
        if ((rc = hs_store_put_option(st, &row, source, &outcome)))
            return rc;
        if (outcome == HS_STORE_PUT_CONFLICT) {
            contract_symbol(sym, sizeof sym, und, q, name);
            return hs_error_set(
                HS_EDATA,
                "chains: the store already has other values for %s at %s "
                "(source %s was written with other settings): choose "
                "another --name",
                sym, hs_cal_format_time(c->ts, tb, sizeof tb), source);
        }
        if (outcome == HS_STORE_PUT_NEW)
            tl->added++;
        else
            tl->unchanged++;
    }
    return 0;
}

static void print_csv(const hs_chain *c)
{
    char a[40], b[40];
    hs_cal_format_time(c->ts, a, sizeof a);
    for (size_t i = 0; i < c->n; i++) {
        const hs_chain_quote *q = &c->q[i];
        printf("%s,%s,%.10g,%c,", a, hs_cal_format_time(q->expiry, b, sizeof b),
               q->strike, q->right);
        if (isfinite(q->bid))
            printf("%.10g", q->bid);
        printf(",%.10g,%.10g,%.10g,%.10g,%.10g,%s\n", q->ask, q->mark, q->iv,
               q->forward, c->spot, c->source);
    }
}

static int run(job *j, tally *tl)
{
    hs_store *st = NULL;
    hs_panel *p = NULL;
    hs_chain_source *src = NULL;
    idmap ids = {NULL, 0, 0};
    hs_instrument inst;
    char vol[HS_SYMBOL_MAX + 8], source[40], name[NAME_MAX_LEN + 1], tb[40];
    const int write = !j->dry_run && !j->csv;
    int rc, in_tx = 0;

    /* Read-only first: a missing or foreign file is refused, never created
     * or upgraded. */
    if ((rc = hs_store_open(&st, j->db, HS_STORE_READONLY)))
        goto done;
    if (write) {
        hs_store_close(st);
        st = NULL;
        if ((rc = hs_store_open(&st, j->db, HS_STORE_WRITE)))
            goto done;
    }
    /* The vol index: given, 'none', or <underlying>-DVOL if the store has
     * it. */
    vol[0] = 0;
    if (j->vol_index && strcmp(j->vol_index, "none") != 0) {
        snprintf(vol, sizeof vol, "%s", j->vol_index);
    } else if (!j->vol_index) {
        snprintf(vol, sizeof vol, "%s-DVOL", j->underlying);
        rc = hs_store_instrument(st, vol, &inst);
        if (rc == HS_ENOTFOUND) {
            vol[0] = 0;
            hs_error_clear();
        } else if (rc) {
            goto done;
        }
    }
    if (j->name) {
        snprintf(name, sizeof name, "%s", j->name);
    } else {
        char buf[32];
        snprintf(name, sizeof name, "%s-smile",
                 hs_values_choice(&j->values, "vol_model", buf, sizeof buf));
    }
    snprintf(source, sizeof source, "model:%s", name);

    const char *syms[2] = {j->underlying, vol};
    hs_history_opts o = HS_HISTORY_OPTS_INIT;
    o.symbols = syms;
    o.n_symbols = vol[0] ? 2 : 1;
    o.n_optional = vol[0] ? 1 : 0;
    o.start = j->start;
    o.end = j->end;
    o.step_ms = j->step;
    o.lookback = (size_t)j->lookback;
    o.rate_series = NULL;
    if ((rc = hs_market_load_history(st, &o, &p)))
        goto done;
    if ((rc = hs_chain_source_model(&src, p, 0, vol[0] ? 1 : -1, &j->values)))
        goto done;
    if (write) {
        if ((rc = hs_store_begin(st)))
            goto done;
        in_tx = 1;
    }
    if (j->csv)
        printf("time,expiry,strike,right,bid,ask,mark,iv,forward,spot,"
               "source\n");
    tl->first = tl->last = 0;
    for (size_t t = 0; t < p->n_steps; t++) {
        const hs_chain *c;
        if (p->time[t] < j->start)
            continue; /* lookback: estimators only */
        if ((rc = hs_chain_source_at(src, t, &c)))
            goto done;
        tl->steps++;
        if (c->n == 0) {
            tl->empty++;
            continue;
        }
        if (!tl->first)
            tl->first = c->ts;
        tl->last = c->ts;
        tl->quotes += (long long)c->n;
        tl->repaired += (long long)c->repaired;
        for (int k = 0; k < 3; k++) {
            char want[48];
            snprintf(want, sizeof want, "model:%s-smile",
                     hs_chain_vol_name((hs_chain_vol)k));
            tl->by_vol[k] += strcmp(c->source, want) == 0;
        }
        if (j->csv)
            print_csv(c);
        else if (write && (rc = write_slice(st, &ids, c, j->underlying, name,
                                            source, tl))) {
            hs_error_prefix("at %s: ",
                            hs_cal_format_time(c->ts, tb, sizeof tb));
            goto done;
        }
    }
    if (write) {
        if ((rc = hs_store_commit(st)))
            goto done;
        in_tx = 0;
    }
    if (!j->csv) {
        char a[40], b[40];
        printf("%s %s: %lld steps (%lld without a chain: no price or no "
               "volatility yet), %lld quotes",
               j->underlying, source, tl->steps, tl->empty, tl->quotes);
        if (tl->quotes)
            printf(" at %s..%s", hs_cal_format_time(tl->first, a, sizeof a),
                   hs_cal_format_time(tl->last, b, sizeof b));
        printf("\n");
        printf("no-arbitrage repair: %lld of the quotes lowered from the "
               "smile (docs/modeled-chains.md#no-static-arbitrage)\n",
               tl->repaired);
        printf("vol index: %s; 30-day vol from dvol on %lld steps, "
               "realized on %lld, garch on %lld\n",
               vol[0] ? vol : "none", tl->by_vol[HS_CHAIN_VOL_DVOL],
               tl->by_vol[HS_CHAIN_VOL_REALIZED],
               tl->by_vol[HS_CHAIN_VOL_GARCH]);
        if (write)
            printf("written to %s: %lld new rows, %lld already there, over "
                   "%lld contracts\n",
                   j->db, tl->added, tl->unchanged, tl->instruments);
        else
            printf("dry run: nothing written\n");
    }
done:
    if (in_tx)
        hs_store_rollback(st);
    free(ids.s);
    hs_chain_source_free(src);
    hs_panel_free(p);
    hs_store_close(st);
    return rc;
}

int hs_cli_chains(int argc, char **argv)
{
    enum {
        OPT_DB = 256,
        OPT_UND,
        OPT_START,
        OPT_END,
        OPT_STEP,
        OPT_VOL,
        OPT_LOOKBACK,
        OPT_NAME,
        OPT_SET,
        OPT_PARAMS,
        OPT_DRY,
        OPT_CSV
    };
    static const struct option longopts[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"underlying", required_argument, NULL, OPT_UND},
        {"start", required_argument, NULL, OPT_START},
        {"end", required_argument, NULL, OPT_END},
        {"step", required_argument, NULL, OPT_STEP},
        {"vol-index", required_argument, NULL, OPT_VOL},
        {"lookback", required_argument, NULL, OPT_LOOKBACK},
        {"name", required_argument, NULL, OPT_NAME},
        {"set", required_argument, NULL, OPT_SET},
        {"params", no_argument, NULL, OPT_PARAMS},
        {"dry-run", no_argument, NULL, OPT_DRY},
        {"csv", no_argument, NULL, OPT_CSV},
        HS_CLI_OPT_HELP,
        {NULL, 0, NULL, 0}};
    job j;
    tally tl;
    const char *start = NULL, *end = NULL;
    int opt, rc;

    memset(&j, 0, sizeof j);
    memset(&tl, 0, sizeof tl);
    j.db = hs_cli_default_db();
    j.step = HS_MS_PER_DAY;
    j.lookback = 90;
    if (hs_values_init(&j.values, hs_chain_model_params))
        return hs_cli_fail(cmd, HS_EINVAL);

    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_DB:
            j.db = optarg;
            break;
        case OPT_UND:
            j.underlying = optarg;
            break;
        case OPT_START:
            start = optarg;
            break;
        case OPT_END:
            end = optarg;
            break;
        case OPT_STEP:
            if (hs_cal_parse_step(optarg, &j.step))
                return hs_cli_usage_error(cmd, "--step: %s", hs_error_last());
            break;
        case OPT_VOL:
            j.vol_index = optarg;
            break;
        case OPT_LOOKBACK:
            if ((rc = hs_cli_long(cmd, "--lookback", optarg, &j.lookback)))
                return rc;
            if (j.lookback < 0 || j.lookback > 100000)
                return hs_cli_usage_error(cmd,
                                          "--lookback: %ld is outside "
                                          "0..100000",
                                          j.lookback);
            break;
        case OPT_NAME:
            if (!valid_name(optarg))
                return hs_cli_usage_error(cmd,
                                          "--name: '%s' must be 1..%d of "
                                          "A-Z a-z 0-9 _ -",
                                          optarg, NAME_MAX_LEN);
            j.name = optarg;
            break;
        case OPT_SET: {
            char key[64];
            const char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || (size_t)(eq - optarg) >= sizeof key)
                return hs_cli_usage_error(cmd, "--set: '%s' is not KEY=VALUE",
                                          optarg);
            snprintf(key, sizeof key, "%.*s", (int)(eq - optarg), optarg);
            if (hs_values_set(&j.values, key, eq + 1, "--set"))
                return hs_cli_usage_error(cmd,
                                          "%s (--params lists the "
                                          "keys)",
                                          hs_error_last());
            break;
        }
        case OPT_PARAMS:
            printf("chain model parameters (--set KEY=VALUE, or keys of a "
                   "config's [options]):\n");
            hs_params_print(stdout, hs_chain_model_params, "  ");
            return HS_EXIT_OK;
        case OPT_DRY:
            j.dry_run = 1;
            break;
        case OPT_CSV:
            j.csv = 1;
            break;
        default:
            return hs_cli_other_opt(cmd, usage, opt, argv);
        }
    }
    if ((rc = hs_cli_no_operand(cmd, argc, argv)))
        return rc;
    if (!j.underlying || !start || !end)
        return hs_cli_usage_error(cmd, "--underlying, --start and --end are "
                                       "required");
    if (j.dry_run && j.csv)
        return hs_cli_usage_error(cmd, "--dry-run and --csv exclude each "
                                       "other");
    if (hs_cal_parse_time(start, &j.start))
        return hs_cli_usage_error(cmd, "--start: %s", hs_error_last());
    if (hs_cal_parse_time(end, &j.end))
        return hs_cli_usage_error(cmd, "--end: %s", hs_error_last());
    if (j.end < j.start)
        return hs_cli_usage_error(cmd, "--end %s is before --start %s", end,
                                  start);
    {
        hs_chain_model m;
        if (hs_chain_model_init(&m, &j.values))
            return hs_cli_usage_error(cmd, "%s", hs_error_last());
    }
    if ((rc = run(&j, &tl)))
        return hs_cli_fail(cmd, rc);
    return HS_EXIT_OK;
}
