/* hedgesim info: what a store holds (instruments, ranges, rows, gaps). */
#include "cli_int.h"
#include "hedgesim/hedgesim.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const cmd = "info";

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: hedgesim info [--db PATH]\n"
            "\n"
            "List a store's series: symbol, kind, venue, source, table, "
            "step, first and last\n"
            "time (UTC), rows and gaps (missing steps on the series' own "
            "grid: the most\n"
            "frequent spacing for bars and index levels, each row's interval "
            "for funding).\n"
            "Option quotes are summarised per underlying; rate series are "
            "listed last\n"
            "(gaps on a calendar-day or weekday grid).\n"
            "\n"
            "options:\n"
            "  --db PATH   the store (default: $HEDGESIM_DB or "
            "datasets/hedgesim.db)\n"
            "  -h, --help  this text\n");
}

/* "1d", "8h", "1h", "15m", "30s", or "-" when unknown. */
static const char *fmt_step(int64_t ms, char *buf, size_t size)
{
    if (ms <= 0)
        snprintf(buf, size, "-");
    else if (ms % HS_MS_PER_DAY == 0)
        snprintf(buf, size, "%lldd", (long long)(ms / HS_MS_PER_DAY));
    else if (ms % HS_MS_PER_HOUR == 0)
        snprintf(buf, size, "%lldh", (long long)(ms / HS_MS_PER_HOUR));
    else if (ms % HS_MS_PER_MINUTE == 0)
        snprintf(buf, size, "%lldm", (long long)(ms / HS_MS_PER_MINUTE));
    else
        snprintf(buf, size, "%llds", (long long)(ms / HS_MS_PER_SECOND));
    return buf;
}

/* Empty columns print as "-" so the table stays whitespace-separated. */
static const char *or_dash(const char *s)
{
    return (s && *s) ? s : "-";
}

static int show(const char *path)
{
    hs_store *s = NULL;
    hs_series_info *si = NULL;
    hs_option_info *oi = NULL;
    hs_rate_info *ri = NULL;
    size_t nsi = 0, noi = 0, nri = 0;
    char a[40], b[40], step[32], created[64] = "?", digest[65];
    long long digest_rows = 0;
    struct stat sb;
    int rc;

    if ((rc = hs_cli_store_open(&s, path)) ||
        (rc = hs_store_series_info(s, &si, &nsi)) ||
        (rc = hs_store_option_info(s, &oi, &noi)) ||
        (rc = hs_store_rate_info(s, &ri, &nri)))
        goto done;
    hs_store_meta(s, "created_at", created, sizeof created);
    printf("store %s: schema version %d, %.1f MB, created %s\n", path,
           hs_store_schema_version(s),
           stat(path, &sb) == 0 ? (double)sb.st_size / 1e6 : 0.0, created);
    if (hs_store_digest(s, digest, &digest_rows) == 0)
        printf("content sha256 %s (%lld rows imported)\n\n", digest,
               digest_rows);
    else
        printf("content sha256 none: the store was written before content "
               "digests; rebuild it\n\n");

    printf("%-15s %-6s %-5s %-8s %-9s %-8s %-4s %-20s %-20s %8s %6s %s\n",
           "symbol", "kind", "quote", "venue", "source", "table", "step",
           "first", "last", "rows", "gaps", "calendar");
    for (size_t i = 0; i < nsi; i++) {
        const hs_series_info *x = &si[i];
        printf("%-15s %-6s %-5s %-8s %-9s %-8s %-4s %-20s %-20s %8lld %6lld "
               "%s\n",
               x->inst.symbol, hs_kind_name(x->inst.kind),
               or_dash(x->inst.quote), or_dash(x->inst.venue),
               or_dash(x->inst.source), x->table,
               fmt_step(x->step_ms, step, sizeof step),
               hs_cal_format_time(x->first_ts, a, sizeof a),
               hs_cal_format_time(x->last_ts, b, sizeof b), x->rows, x->gaps,
               x->calendar >= 0 ? hs_cal_calendar_name((hs_calendar)x->calendar)
                                : "-");
    }
    if (nsi == 0)
        printf("(no series)\n");

    printf("\noption quotes, per underlying:\n");
    printf("%-10s %-5s %-9s %9s %9s %8s %-24s %-24s\n", "underlying", "unit",
           "source", "snapshots", "contracts", "quotes", "first", "last");
    for (size_t i = 0; i < noi; i++) {
        const hs_option_info *x = &oi[i];
        printf("%-10s %-5s %-9s %9lld %9lld %8lld %-24s %-24s\n",
               or_dash(x->underlying), x->price_unit, or_dash(x->source),
               x->snapshots, x->contracts, x->rows,
               hs_cal_format_time(x->first_ts, a, sizeof a),
               hs_cal_format_time(x->last_ts, b, sizeof b));
    }
    if (noi == 0)
        printf("(none)\n");

    printf("\nrates (annualised, decimal):\n");
    printf("%-10s %-9s %-8s %-20s %-20s %8s %6s\n", "series", "source", "grid",
           "first", "last", "rows", "gaps");
    for (size_t i = 0; i < nri; i++) {
        const hs_rate_info *x = &ri[i];
        printf("%-10s %-9s %-8s %-20s %-20s %8lld %6lld\n", x->series,
               or_dash(x->source), x->weekdays ? "weekdays" : "daily",
               hs_cal_format_time(x->first_ts, a, sizeof a),
               hs_cal_format_time(x->last_ts, b, sizeof b), x->rows, x->gaps);
    }
    if (nri == 0)
        printf("(none)\n");
done:
    free(si);
    free(oi);
    free(ri);
    hs_store_close(s);
    return rc;
}

int hs_cli_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        HS_CLI_OPT_HELP,
        {NULL, 0, NULL, 0}};
    const char *db = hs_cli_default_db();
    int opt, rc;

    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            db = optarg;
            break;
        default:
            return hs_cli_other_opt(cmd, usage, opt, argv);
        }
    }
    if ((rc = hs_cli_no_operand(cmd, argc, argv)))
        return rc;
    if ((rc = show(db)))
        return hs_cli_fail(cmd, rc);
    return HS_EXIT_OK;
}
