/* Column resolution for bar files people actually have: the header aliases
 * of each field (case-insensitive), a user's --columns mapping, the
 * yfinance layouts, and a guess of which known format a file looks like
 * when it does not fit the one asked for.  docs/csv-format.md lists the
 * aliases.  Called by import_series.c; calls only the CSV reader. */
#include "import_int.h"

#include "hedgesim/errors.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Aliases of each role, in order of preference (NULL-terminated). */
static const char *const aliases[HS_IMPORT__NCOL][9] = {
    [HS_IMPORT__TS] = {"ts", "date", "datetime", "timestamp", "time",
                       "open_time", "opentime", "date_time", NULL},
    [HS_IMPORT__OPEN] = {"open", "o", "open_price", "opening_price", NULL},
    [HS_IMPORT__HIGH] = {"high", "h", "high_price", NULL},
    [HS_IMPORT__LOW] = {"low", "l", "low_price", NULL},
    [HS_IMPORT__CLOSE] = {"close", "c", "close_price", "closing_price", "last",
                          "price", NULL},
    [HS_IMPORT__VOLUME] = {"volume", "vol", "v", "base_volume", NULL},
    [HS_IMPORT__ADJ] = {"adj close", "adj_close", "adjclose",
                        "adjusted_close", "adjusted close", NULL},
};

static const char *const role_names[HS_IMPORT__NCOL] = {
    "ts", "open", "high", "low", "close", "volume", "adj_close"};

const char *hs_import__role_name(int role) { return role_names[role]; }

/* The header name `--columns` gives for `role` into buf, or 0 if none. */
static int mapped(const char *spec, const char *role, char *buf, size_t size)
{
    size_t rl = strlen(role);
    const char *p = spec;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n > rl && strncmp(p, role, rl) == 0 && p[rl] == '=') {
            size_t vn = n - rl - 1;
            if (vn >= size)
                vn = size - 1;
            memcpy(buf, p + rl + 1, vn);
            buf[vn] = '\0';
            return 1;
        }
        p = e ? e + 1 : NULL;
    }
    return 0;
}

int hs_import__check_columns(const char *path, const char *spec)
{
    const char *p = spec;
    while (p && *p) {
        const char *e = strchr(p, ','), *eq = strchr(p, '=');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        int ok = 0;
        if (eq && eq < p + n && eq + 1 < p + n)
            for (int r = 0; r < HS_IMPORT__NCOL; r++)
                if ((size_t)(eq - p) == strlen(role_names[r]) &&
                    strncmp(p, role_names[r], (size_t)(eq - p)) == 0)
                    ok = 1;
        if (!ok)
            return hs_error_set(HS_EINVAL,
                                "%s: --columns: bad item '%.*s' (expected "
                                "FIELD=HEADER, FIELD one of ts, open, high, "
                                "low, close, volume, adj_close)",
                                path, (int)n, p);
        p = e ? e + 1 : NULL;
    }
    return 0;
}

int hs_import__find_column(const hs_csv *c, const char *spec, int role)
{
    char name[128];
    if (spec && mapped(spec, role_names[role], name, sizeof name))
        return hs_csv_column(c, name);
    for (int k = 0; aliases[role][k]; k++) {
        int col = hs_csv_column(c, aliases[role][k]);
        if (col >= 0)
            return col;
    }
    return -1;
}

int hs_import__mapped(const char *spec, int role)
{
    char name[128];
    return spec && mapped(spec, role_names[role], name, sizeof name);
}

static int all_digits(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return 0;
    while (isdigit((unsigned char)*s) || *s == '.')
        s++;
    while (isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

int hs_import__numeric_record(const hs_csv *c)
{
    if (hs_csv_nfields(c) < 5)
        return 0;
    for (int i = 0; i < hs_csv_nfields(c); i++)
        if (!all_digits(hs_csv_field(c, i)))
            return 0;
    return 1;
}

const char *hs_import__looks_like(const hs_csv *c)
{
    const char *f0 = hs_csv_nfields(c) > 0 ? hs_csv_field(c, 0) : "";
    if (hs_csv_column(c, "adj close") >= 0 ||
        (strcasecmp(f0, "price") == 0 && hs_csv_nfields(c) >= 5) ||
        strcasecmp(f0, "ticker") == 0)
        return "yfinance";
    if (hs_import__numeric_record(c))
        return "ccxt";
    if (hs_csv_column(c, "unix") >= 0 || strstr(f0, "CryptoDataDownload"))
        return "cdd";
    if (hs_csv_column(c, "calc_time") >= 0)
        return "binance-funding";
    if (hs_csv_column(c, "fundingRate") >= 0)
        return "bitmex-funding";
    if (hs_csv_column(c, "interest_1h") >= 0)
        return "deribit-funding";
    if (hs_csv_column(c, "option_type") >= 0 ||
        hs_csv_column(c, "instrument_name") >= 0)
        return "an option chain (deribit-ticker, deribit-marks or "
               "deribit-usd)";
    if (hs_csv_nfields(c) == 2 &&
        (strcasecmp(f0, "DATE") == 0 || strcasecmp(f0, "observation_date") == 0))
        return "fred";
    return NULL;
}
