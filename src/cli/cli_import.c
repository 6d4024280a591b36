/* hedgesim import: CSV files into a market store, or the embedded dataset
 * from its manifest. */
#include "cli_int.h"
#include "hedgesim/hedgesim.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char *const cmd = "import";

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: hedgesim import --db PATH --format NAME --symbol SYM "
            "[options] FILE...\n"
            "       hedgesim import --embedded DIR --db PATH [--force] "
            "[--verbose]\n"
            "       hedgesim import --db PATH --upgrade\n"
            "\n"
            "Import CSV files into a market store (created if missing). "
            "Each file is one\n"
            "transaction: a file with a bad row changes nothing, and the "
            "import stops there\n"
            "(files before it stay imported).  Importing a file again is "
            "harmless.\n"
            "\n"
            "options:\n"
            "  --db PATH            the store file (required)\n"
            "  --format NAME        file format (default generic; "
            "'hedgesim list formats'):\n"
            "                       generic, cdd, binance-funding, "
            "bitmex-funding,\n"
            "                       deribit-funding, dvol, fred, "
            "deribit-ticker,\n"
            "                       deribit-marks, deribit-usd, yfinance, ccxt\n"
            "  --symbol SYM         target instrument (FRED: the series; "
            "option chains: none)\n"
            "  --kind KIND          spot, perp, future or index (default: "
            "the format's)\n"
            "  --source S           provenance tag of the rows (default: the "
            "format's)\n"
            "  --venue V            exchange of a new instrument\n"
            "  --underlying U       underlying of a new instrument (default: "
            "from the symbol)\n"
            "  --quote Q            quote currency of a new instrument "
            "(default: the\n"
            "                       format's: USD for generic and yfinance, "
            "USDT for cdd, ccxt)\n"
            "  --columns MAP        bar files: FIELD=HEADER,... for ts, open, "
            "high, low, close,\n"
            "                       volume, adj_close (default: common header "
            "names)\n"
            "  --adjusted           yfinance: close = Adj Close, open/high/low "
            "scaled alike\n"
            "  --volume-in U        base (default) or quote: the unit of the "
            "volume column\n"
            "  --inverse            a coin-margined contract\n"
            "  --snapshot-time T    option chains without a time column: "
            "the snapshot time\n"
            "  --drop-last          drop the newest row (a partial bar)\n"
            "  --drop-first         drop the oldest row (a known bad bar)\n"
            "  -q, --quiet          no summary lines, no progress\n"
            "  --embedded DIR       build --db from DIR/manifest.csv (one "
            "transaction, into a\n"
            "                       temporary file renamed at the end)\n"
            "  --force              with --embedded: replace an existing "
            "store\n"
            "  -v, --verbose        with --embedded: one line per file\n"
            "  --upgrade            upgrade the store's schema and exit\n"
            "  -h, --help           this text\n"
            "\n"
            "Formats and validation rules: docs/csv-format.md.\n");
}

static void print_stats(const char *file, const char *symbol,
                        const hs_import_stats *st)
{
    char a[40], b[40];
    printf("%s: %s%s%lld rows read, %lld new, %lld unchanged", file,
           symbol ? symbol : "", symbol ? ": " : "", st->rows_read,
           st->rows_inserted, st->rows_unchanged);
    if (st->duplicates)
        printf(", %lld duplicates dropped", st->duplicates);
    if (st->superseded)
        printf(", %lld superseded", st->superseded);
    if (st->dropped)
        printf(", %lld dropped", st->dropped);
    if (st->skipped)
        printf(", %lld skipped", st->skipped);
    printf(", %lld gaps; %s .. %s\n", st->gaps,
           hs_cal_format_time(st->first_ts, a, sizeof a),
           hs_cal_format_time(st->last_ts, b, sizeof b));
}

/* Rows per table of a built store, through the public summaries. */
static int print_tables(const char *path)
{
    hs_store *s = NULL;
    hs_series_info *si = NULL;
    hs_option_info *oi = NULL;
    hs_rate_info *ri = NULL;
    size_t nsi = 0, noi = 0, nri = 0;
    long long bars = 0, funding = 0, index = 0, quotes = 0, rates = 0;
    size_t ninst = 0;
    hs_instrument *inst = NULL;
    int rc;

    if ((rc = hs_store_open(&s, path, HS_STORE_READONLY)) ||
        (rc = hs_store_series_info(s, &si, &nsi)) ||
        (rc = hs_store_option_info(s, &oi, &noi)) ||
        (rc = hs_store_rate_info(s, &ri, &nri)) ||
        (rc = hs_store_instruments(s, -1, &inst, &ninst)))
        goto done;
    for (size_t i = 0; i < nsi; i++) {
        if (strcmp(si[i].table, "bars") == 0)
            bars += si[i].rows;
        else if (strcmp(si[i].table, "funding") == 0)
            funding += si[i].rows;
        else
            index += si[i].rows;
    }
    for (size_t i = 0; i < noi; i++)
        quotes += oi[i].rows;
    for (size_t i = 0; i < nri; i++)
        rates += ri[i].rows;
    printf("rows: instruments %zu, bars %lld, funding %lld, option_quotes "
           "%lld, index_values %lld, rates %lld\n",
           ninst, bars, funding, quotes, index, rates);
done:
    free(si);
    free(oi);
    free(ri);
    free(inst);
    hs_store_close(s);
    return rc;
}

/* The library reports import progress through a callback; this command
 * turns it into lines on stderr. */
static void print_progress(const hs_import_progress *p, void *user)
{
    (void)user;
    switch (p->event) {
    case HS_IMPORT_READING:
        fprintf(stderr, "hedgesim import: %s: %d%%\n", p->file, p->percent);
        break;
    case HS_IMPORT_SKIPPED:
        fprintf(stderr, "hedgesim import: %s: skipped (manifest)\n", p->file);
        break;
    case HS_IMPORT_FILE_DONE:
        fprintf(stderr, "hedgesim import: %s: %lld rows read, %lld new\n",
                p->file, p->stats->rows_read, p->stats->rows_inserted);
        break;
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int build(const char *dir, const char *db, int force, int quiet,
                 int verbose)
{
    hs_import_stats total;
    struct stat sb;
    double t0 = now_seconds();
    int rc = hs_import_build(dir, db, force,
                             verbose ? print_progress : NULL, NULL, &total);
    if (rc)
        return hs_cli_fail(cmd, rc);
    double secs = now_seconds() - t0;
    if (!quiet) {
        double mb = stat(db, &sb) == 0 ? (double)sb.st_size / 1e6 : 0;
        printf("built %s from %s/manifest.csv: %lld files, %lld rows "
               "read, %lld stored, %.2f s, %.1f MB\n",
               db, dir, total.files, total.rows_read, total.rows_inserted, secs,
               mb);
        printf("dropped by rule: %lld duplicates, %lld superseded, %lld "
               "partial or bad bars, %lld missing values; %lld gaps "
               "reported\n",
               total.duplicates, total.superseded, total.dropped, total.skipped,
               total.gaps);
        if ((rc = print_tables(db)))
            return hs_cli_fail(cmd, rc);
    }
    return HS_EXIT_OK;
}

enum {
    OPT_DB = 256,
    OPT_FORMAT,
    OPT_SYMBOL,
    OPT_KIND,
    OPT_SOURCE,
    OPT_VENUE,
    OPT_UNDERLYING,
    OPT_QUOTE,
    OPT_INVERSE,
    OPT_SNAPSHOT,
    OPT_DROP_LAST,
    OPT_DROP_FIRST,
    OPT_EMBEDDED,
    OPT_FORCE,
    OPT_UPGRADE,
    OPT_COLUMNS,
    OPT_ADJUSTED,
    OPT_VOLUME_IN
};

int hs_cli_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"symbol", required_argument, NULL, OPT_SYMBOL},
        {"kind", required_argument, NULL, OPT_KIND},
        {"source", required_argument, NULL, OPT_SOURCE},
        {"venue", required_argument, NULL, OPT_VENUE},
        {"underlying", required_argument, NULL, OPT_UNDERLYING},
        {"quote", required_argument, NULL, OPT_QUOTE},
        {"inverse", no_argument, NULL, OPT_INVERSE},
        {"snapshot-time", required_argument, NULL, OPT_SNAPSHOT},
        {"drop-last", no_argument, NULL, OPT_DROP_LAST},
        {"drop-first", no_argument, NULL, OPT_DROP_FIRST},
        {"embedded", required_argument, NULL, OPT_EMBEDDED},
        {"force", no_argument, NULL, OPT_FORCE},
        {"upgrade", no_argument, NULL, OPT_UPGRADE},
        {"columns", required_argument, NULL, OPT_COLUMNS},
        {"adjusted", no_argument, NULL, OPT_ADJUSTED},
        {"volume-in", required_argument, NULL, OPT_VOLUME_IN},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        HS_CLI_OPT_HELP,
        {NULL, 0, NULL, 0}};
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    const char *db = NULL, *embedded = NULL, *kind = NULL;
    int force = 0, quiet = 0, verbose = 0, upgrade = 0, opt, rc;
    hs_store *s = NULL;

    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":qvh", longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_DB:
            db = optarg;
            break;
        case OPT_FORMAT:
            if (hs_format_parse(optarg, &o.format))
                return hs_cli_usage_error(cmd, "%s", hs_error_last());
            break;
        case OPT_SYMBOL:
            o.symbol = optarg;
            break;
        case OPT_KIND:
            kind = optarg;
            break;
        case OPT_SOURCE:
            o.source = optarg;
            break;
        case OPT_VENUE:
            o.venue = optarg;
            break;
        case OPT_UNDERLYING:
            o.underlying = optarg;
            break;
        case OPT_QUOTE:
            o.quote = optarg;
            break;
        case OPT_INVERSE:
            o.inverse = 1;
            break;
        case OPT_SNAPSHOT:
            if (hs_cal_parse_time(optarg, &o.snapshot_ts))
                return hs_cli_usage_error(cmd, "--snapshot-time: %s",
                                          hs_error_last());
            break;
        case OPT_DROP_LAST:
            o.drop_last = 1;
            break;
        case OPT_DROP_FIRST:
            o.drop_first = 1;
            break;
        case OPT_EMBEDDED:
            embedded = optarg;
            break;
        case OPT_FORCE:
            force = 1;
            break;
        case OPT_UPGRADE:
            upgrade = 1;
            break;
        case OPT_COLUMNS:
            o.columns = optarg;
            break;
        case OPT_ADJUSTED:
            o.adjusted = 1;
            break;
        case OPT_VOLUME_IN:
            if (strcmp(optarg, "quote") && strcmp(optarg, "base"))
                return hs_cli_usage_error(cmd,
                                          "--volume-in: '%s' (expected base "
                                          "or quote)",
                                          optarg);
            o.volume_in_quote = strcmp(optarg, "quote") == 0;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'v':
            verbose = 1;
            break;
        default:
            return hs_cli_other_opt(cmd, usage, opt, argv);
        }
    }
    if (!db)
        return hs_cli_usage_error(cmd, "--db PATH is required");
    if (embedded) {
        if (optind < argc)
            return hs_cli_usage_error(cmd,
                                      "--embedded takes no FILE arguments");
        return build(embedded, db, force, quiet, verbose);
    }
    if (force)
        return hs_cli_usage_error(cmd, "--force goes with --embedded");
    if (upgrade) {
        if (optind < argc)
            return hs_cli_usage_error(cmd, "--upgrade takes no FILE arguments");
        if ((rc = hs_store_open(&s, db, HS_STORE_WRITE)))
            return hs_cli_fail(cmd, rc);
        if (!quiet)
            printf("%s: schema version %d\n", db, hs_store_schema_version(s));
        hs_store_close(s);
        return HS_EXIT_OK;
    }
    if (optind >= argc)
        return hs_cli_usage_error(cmd, "no FILE to import");
    if (kind) {
        if (hs_kind_parse(kind, &o.kind))
            return hs_cli_usage_error(cmd, "--kind: %s", hs_error_last());
    } else if (o.format == HS_FMT_BINANCE_FUNDING ||
               o.format == HS_FMT_BITMEX_FUNDING ||
               o.format == HS_FMT_DERIBIT_FUNDING) {
        o.kind = HS_KIND_PERP;
    } else if (o.format == HS_FMT_DVOL) {
        o.kind = HS_KIND_INDEX;
    } else if (o.format == HS_FMT_DERIBIT_TICKER ||
               o.format == HS_FMT_DERIBIT_MARKS ||
               o.format == HS_FMT_DERIBIT_USD) {
        o.kind = HS_KIND_OPTION;
    }
    o.progress = quiet ? NULL : print_progress;
    /* A store this command creates and then fails to fill is removed again:
     * a failed first import leaves nothing behind. */
    struct stat st_db;
    int created = stat(db, &st_db) != 0;
    if ((rc = hs_store_open(&s, db, HS_STORE_WRITE)))
        return hs_cli_fail(cmd, rc);
    int imported = 0;
    for (int i = optind; i < argc; i++) {
        hs_import_stats st;
        if ((rc = hs_import_file(s, argv[i], &o, &st))) {
            hs_store_close(s);
            if (created && !imported) {
                char side[1100];
                remove(db);
                snprintf(side, sizeof side, "%s-journal", db);
                remove(side);
                snprintf(side, sizeof side, "%s-wal", db);
                remove(side);
                snprintf(side, sizeof side, "%s-shm", db);
                remove(side);
            }
            return hs_cli_fail(cmd, rc);
        }
        imported = 1;
        if (!quiet)
            print_stats(argv[i], o.symbol, &st);
    }
    hs_store_close(s);
    return HS_EXIT_OK;
}
