/* The SQLite market store: schema, versioning, opening, and read access. */
#include "store_int.h"

#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------- the schema */

/* Schema version 1.  docs/store-schema.md describes every column. */
static const char schema_v1[] =
    "CREATE TABLE meta("
    " key TEXT PRIMARY KEY NOT NULL,"
    " value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE instruments("
    " id INTEGER PRIMARY KEY,"
    " symbol TEXT NOT NULL UNIQUE CHECK (length(symbol) BETWEEN 1 AND 47),"
    " kind TEXT NOT NULL"
    "  CHECK (kind IN ('spot','perp','future','option','index')),"
    " underlying TEXT NOT NULL DEFAULT '',"
    " quote TEXT NOT NULL DEFAULT '',"
    " venue TEXT NOT NULL DEFAULT '',"
    " source TEXT NOT NULL DEFAULT '',"
    " inverse INTEGER NOT NULL DEFAULT 0 CHECK (inverse IN (0, 1)),"
    " expiry INTEGER,"
    " strike REAL CHECK (strike IS NULL OR strike > 0),"
    " \"right\" TEXT CHECK (\"right\" IS NULL OR \"right\" IN ('C', 'P')),"
    " multiplier REAL NOT NULL DEFAULT 1 CHECK (multiplier > 0),"
    " CHECK (kind <> 'option' OR (expiry IS NOT NULL AND strike IS NOT NULL"
    "        AND \"right\" IS NOT NULL)));"
    "CREATE TABLE bars("
    " instrument_id INTEGER NOT NULL REFERENCES instruments(id),"
    " ts INTEGER NOT NULL,"
    " open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL,"
    " close REAL NOT NULL,"
    " volume REAL NOT NULL CHECK (volume >= 0),"
    " source TEXT NOT NULL,"
    " PRIMARY KEY (instrument_id, ts),"
    " CHECK (low > 0 AND low <= high AND open BETWEEN low AND high"
    "        AND close BETWEEN low AND high)) WITHOUT ROWID;"
    "CREATE TABLE funding("
    " instrument_id INTEGER NOT NULL REFERENCES instruments(id),"
    " ts INTEGER NOT NULL,"
    " rate REAL NOT NULL,"
    " interval_hours REAL NOT NULL CHECK (interval_hours > 0),"
    " source TEXT NOT NULL,"
    " PRIMARY KEY (instrument_id, ts)) WITHOUT ROWID;"
    "CREATE TABLE option_quotes("
    " ts INTEGER NOT NULL,"
    " instrument_id INTEGER NOT NULL REFERENCES instruments(id),"
    " bid REAL CHECK (bid IS NULL OR bid >= 0),"
    " ask REAL CHECK (ask IS NULL OR ask >= 0),"
    " mark REAL CHECK (mark IS NULL OR mark >= 0),"
    " iv REAL CHECK (iv IS NULL OR iv >= 0),"
    " underlying_price REAL CHECK (underlying_price IS NULL"
    "                              OR underlying_price > 0),"
    " index_price REAL CHECK (index_price IS NULL OR index_price > 0),"
    " bid_iv REAL CHECK (bid_iv IS NULL OR bid_iv >= 0),"
    " ask_iv REAL CHECK (ask_iv IS NULL OR ask_iv >= 0),"
    " delta REAL, gamma REAL, vega REAL, theta REAL,"
    " price_unit TEXT NOT NULL CHECK (price_unit IN ('BTC', 'ETH', 'USD')),"
    " source TEXT NOT NULL,"
    " PRIMARY KEY (ts, instrument_id),"
    " CHECK (bid IS NULL OR ask IS NULL OR bid <= ask)) WITHOUT ROWID;"
    "CREATE TABLE index_values("
    " instrument_id INTEGER NOT NULL REFERENCES instruments(id),"
    " ts INTEGER NOT NULL,"
    " open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL,"
    " close REAL NOT NULL,"
    " source TEXT NOT NULL,"
    " PRIMARY KEY (instrument_id, ts),"
    " CHECK (low <= high AND open BETWEEN low AND high"
    "        AND close BETWEEN low AND high)) WITHOUT ROWID;"
    "CREATE TABLE rates("
    " series TEXT NOT NULL,"
    " ts INTEGER NOT NULL,"
    " rate REAL NOT NULL,"
    " source TEXT NOT NULL,"
    " PRIMARY KEY (series, ts)) WITHOUT ROWID;";

/* Migrations: step i upgrades a store of version `from` to `from + 1`.
 * Version 0 is the unreleased draft layout, identical to version 1 except
 * that option_quotes had no index_price column (docs/store-schema.md).
 * Append a step for each new version; never edit a released one. */
typedef struct migration {
    int from;
    const char *sql;
} migration;

static const migration migrations[] = {
    {0, "ALTER TABLE option_quotes ADD COLUMN index_price REAL"
        " CHECK (index_price IS NULL OR index_price > 0);"},
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* --------------------------------------------------------------- helpers */

int hs_store__dberr(hs_store *s, const char *what)
{
    return hs_error_set(HS_EDB, "%s: %s: %s", s->path, what,
                        sqlite3_errmsg(s->db));
}

int hs_store__exec(hs_store *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = hs_error_set(HS_EDB, "%s: %s", s->path,
                              msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return rc;
    }
    return 0;
}

int hs_store__begin(hs_store *s)
{
    if (!s->writable)
        return hs_error_set(HS_EINVAL, "%s: the store was opened read-only",
                            s->path);
    return hs_store__exec(s, "BEGIN IMMEDIATE");
}

int hs_store__commit(hs_store *s)
{
    return hs_store__exec(s, "COMMIT");
}

void hs_store__rollback(hs_store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static const char *const stmt_sql[HS_ST__COUNT] = {
    [HS_ST_INSTR_GET] =
        "SELECT id, symbol, kind, underlying, quote, venue, source, inverse,"
        " expiry, strike, \"right\", multiplier FROM instruments"
        " WHERE symbol = ?1",
    [HS_ST_INSTR_ADD] =
        "INSERT INTO instruments(symbol, kind, underlying, quote, venue,"
        " source, inverse, expiry, strike, \"right\", multiplier)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [HS_ST_BAR_ADD] =
        "INSERT INTO bars(instrument_id, ts, open, high, low, close, volume,"
        " source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        " ON CONFLICT (instrument_id, ts) DO NOTHING",
    [HS_ST_BAR_GET] =
        "SELECT 1 FROM bars WHERE instrument_id = ?1 AND ts = ?2"
        " AND open IS ?3 AND high IS ?4 AND low IS ?5 AND close IS ?6"
        " AND volume IS ?7",
    [HS_ST_FUND_ADD] =
        "INSERT INTO funding(instrument_id, ts, rate, interval_hours, source)"
        " VALUES (?1, ?2, ?3, ?4, ?5)"
        " ON CONFLICT (instrument_id, ts) DO NOTHING",
    [HS_ST_FUND_GET] =
        "SELECT 1 FROM funding WHERE instrument_id = ?1 AND ts = ?2"
        " AND rate IS ?3 AND interval_hours IS ?4",
    [HS_ST_INDEX_ADD] =
        "INSERT INTO index_values(instrument_id, ts, open, high, low, close,"
        " source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        " ON CONFLICT (instrument_id, ts) DO NOTHING",
    [HS_ST_INDEX_GET] =
        "SELECT 1 FROM index_values WHERE instrument_id = ?1 AND ts = ?2"
        " AND open IS ?3 AND high IS ?4 AND low IS ?5 AND close IS ?6",
    [HS_ST_RATE_ADD] =
        "INSERT INTO rates(series, ts, rate, source) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT (series, ts) DO NOTHING",
    [HS_ST_RATE_GET] =
        "SELECT 1 FROM rates WHERE series = ?1 AND ts = ?2 AND rate IS ?3",
    [HS_ST_OPT_ADD] =
        "INSERT INTO option_quotes(ts, instrument_id, bid, ask, mark, iv,"
        " underlying_price, index_price, bid_iv, ask_iv, delta, gamma, vega,"
        " theta, price_unit, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
        " ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
        " ON CONFLICT (ts, instrument_id) DO NOTHING",
    [HS_ST_OPT_GET] =
        "SELECT 1 FROM option_quotes WHERE ts = ?1 AND instrument_id = ?2"
        " AND bid IS ?3 AND ask IS ?4 AND mark IS ?5 AND iv IS ?6"
        " AND underlying_price IS ?7 AND index_price IS ?8 AND bid_iv IS ?9"
        " AND ask_iv IS ?10 AND delta IS ?11 AND gamma IS ?12"
        " AND vega IS ?13 AND theta IS ?14 AND price_unit IS ?15",
};

int hs_store__stmt(hs_store *s, hs_stmt_id id, sqlite3_stmt **out)
{
    if (!s->stmt[id]) {
        if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1,
                               SQLITE_PREPARE_PERSISTENT, &s->stmt[id],
                               NULL) != SQLITE_OK)
            return hs_store__dberr(s, "prepare");
    } else {
        sqlite3_reset(s->stmt[id]);
        sqlite3_clear_bindings(s->stmt[id]);
    }
    *out = s->stmt[id];
    return 0;
}

/* Prepare a one-off statement. */
static int prepare(hs_store *s, const char *sql, sqlite3_stmt **out)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, out, NULL) != SQLITE_OK) {
        *out = NULL;
        return hs_store__dberr(s, "prepare");
    }
    return 0;
}

static void copy_text(char *dst, size_t size, const unsigned char *src)
{
    snprintf(dst, size, "%s", src ? (const char *)src : "");
}

/* Bind a double, NAN as NULL. */
static void bind_num(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

static double col_num(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL
               ? NAN
               : sqlite3_column_double(st, i);
}

/* -------------------------------------------------------------- kinds */

static const char *const kind_names[] = {"spot", "perp", "future", "option",
                                         "index"};

const char *hs_kind_name(hs_kind kind)
{
    if ((int)kind < 0 || (int)kind > HS_KIND_INDEX)
        return NULL;
    return kind_names[kind];
}

int hs_kind_parse(const char *name, hs_kind *out)
{
    for (int k = 0; k <= HS_KIND_INDEX; k++)
        if (name && strcmp(name, kind_names[k]) == 0) {
            *out = (hs_kind)k;
            return 0;
        }
    return hs_error_set(HS_EINVAL,
                        "unknown instrument kind '%s' (expected spot, perp, "
                        "future, option or index)",
                        name ? name : "");
}

int hs_store__valid_symbol(const char *sym)
{
    size_t n = 0;
    if (!sym)
        return 0;
    for (const char *p = sym; *p; p++, n++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return n >= 1 && n <= 47;
}

/* ------------------------------------------------------------ open/close */

void hs_store_close(hs_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < HS_ST__COUNT; i++)
        sqlite3_finalize(s->stmt[i]);
    if (s->db)
        sqlite3_close(s->db);
    free(s->path);
    free(s);
}

int hs_store_schema_version(const hs_store *s)
{
    return s->version;
}
const char *hs_store_path(const hs_store *s)
{
    return s->path;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

/* Cheap checks before SQLite sees the file: the SQLite magic, and a file at
 * least as long as its header says (a truncated copy).  Empty files pass
 * (*empty = 1). */
static int check_file(const char *path, int *empty)
{
    unsigned char h[100];
    struct stat st;
    FILE *fp;
    size_t got;
    char wal[4096];

    *empty = 0;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return hs_error_set(
                HS_ENOTFOUND,
                "%s: no such store (build the embedded one with 'make "
                "dataset', or create one with 'hedgesim import')",
                path);
        return hs_error_set(HS_EIO, "%s: %s", path, strerror(errno));
    }
    if (S_ISDIR(st.st_mode))
        return hs_error_set(HS_EDB, "%s: is a directory, not a store", path);
    if (st.st_size == 0) {
        *empty = 1;
        return 0;
    }
    fp = fopen(path, "rb");
    if (!fp)
        return hs_error_set(HS_EIO, "%s: %s", path, strerror(errno));
    got = fread(h, 1, sizeof h, fp);
    fclose(fp);
    if (got < sizeof h || memcmp(h, "SQLite format 3", 16) != 0)
        return hs_error_set(HS_EDB,
                            "%s: not an SQLite database (corrupt, or another "
                            "kind of file)",
                            path);
    uint32_t page = (uint32_t)h[16] << 8 | h[17];
    if (page == 1)
        page = 65536;
    uint32_t npage = be32(h + 28);
    snprintf(wal, sizeof wal, "%s-wal", path);
    if (npage != 0 && be32(h + 24) == be32(h + 92) &&
        (long long)page * npage > (long long)st.st_size && stat(wal, &st) != 0)
        return hs_error_set(HS_EDB,
                            "%s: truncated database (its header says %lld "
                            "bytes, the file has %lld): rebuild or restore it",
                            path, (long long)page * npage,
                            (long long)st.st_size);
    return 0;
}

/* Number of user tables, 1 if `meta` is one of them. */
static int inspect(hs_store *s, int *ntables, int *has_meta)
{
    sqlite3_stmt *st = NULL;
    int rc;
    *ntables = 0;
    *has_meta = 0;
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT name FROM sqlite_master WHERE type = "
                            "'table' AND name NOT LIKE 'sqlite_%'",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            (*ntables)++;
            if (strcmp((const char *)sqlite3_column_text(st, 0), "meta") == 0)
                *has_meta = 1;
        }
    }
    if (rc != SQLITE_DONE) {
        int e = hs_error_set(HS_EDB,
                             "%s: cannot read the database (%s): corrupt or "
                             "not a hedgesim store",
                             s->path, sqlite3_errmsg(s->db));
        sqlite3_finalize(st);
        return e;
    }
    sqlite3_finalize(st);
    return 0;
}

int hs_store_meta(hs_store *s, const char *key, char *buf, size_t size)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, "SELECT value FROM meta WHERE key = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        copy_text(buf, size, sqlite3_column_text(st, 0));
        rc = 0;
    } else if (r == SQLITE_DONE) {
        rc = hs_error_set(HS_ENOTFOUND, "%s: no meta key '%s'", s->path, key);
    } else {
        rc = hs_store__dberr(s, "reading meta");
    }
    sqlite3_finalize(st);
    return rc;
}

static int set_meta(hs_store *s, const char *key, const char *value)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(s,
                     "INSERT INTO meta(key, value) VALUES (?1, ?2)"
                     " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = hs_store__dberr(s, "writing meta");
    sqlite3_finalize(st);
    return rc;
}

static int create_schema(hs_store *s)
{
    char now[40], ver[16];
    int rc = hs_store__begin(s);
    if (rc)
        return rc;
    if ((rc = hs_store__exec(s, schema_v1)))
        goto done;
    snprintf(ver, sizeof ver, "%d", HS_STORE_SCHEMA_VERSION);
    hs_cal_format_time((int64_t)time(NULL) * HS_MS_PER_SECOND, now, sizeof now);
    if ((rc = set_meta(s, "schema_version", ver)) ||
        (rc = set_meta(s, "application", "hedgesim")) ||
        (rc = set_meta(s, "created_at", now)) ||
        (rc = set_meta(s, "provenance",
                       "Market data imported from exchange and FRED CSV "
                       "files; each row's source column names where it came "
                       "from (exchange, or model:<name> for modeled data). "
                       "The embedded files are described in "
                       "datasets/README.md.")))
        goto done;
    rc = hs_store__commit(s);
done:
    if (rc)
        hs_store__rollback(s);
    else
        s->version = HS_STORE_SCHEMA_VERSION;
    return rc;
}

static int migrate(hs_store *s)
{
    char ver[16];
    int rc = hs_store__begin(s);
    if (rc)
        return rc;
    for (int v = s->version; v < HS_STORE_SCHEMA_VERSION; v++) {
        const migration *m = NULL;
        for (int i = 0; i < N_MIGRATIONS; i++)
            if (migrations[i].from == v)
                m = &migrations[i];
        if (!m) {
            rc = hs_error_set(HS_ESCHEMA,
                              "%s: no migration from schema version %d",
                              s->path, v);
            goto done;
        }
        if ((rc = hs_store__exec(s, m->sql))) {
            hs_error_prefix("migrating from schema version %d: ", v);
            goto done;
        }
    }
    snprintf(ver, sizeof ver, "%d", HS_STORE_SCHEMA_VERSION);
    if ((rc = set_meta(s, "schema_version", ver)))
        goto done;
    rc = hs_store__commit(s);
done:
    if (rc)
        hs_store__rollback(s);
    else
        s->version = HS_STORE_SCHEMA_VERSION;
    return rc;
}

/* Read and check meta.schema_version. */
static int read_version(hs_store *s)
{
    char buf[32];
    char *end;
    int rc = hs_store_meta(s, "schema_version", buf, sizeof buf);
    if (rc == HS_ENOTFOUND)
        return hs_error_set(HS_ESCHEMA,
                            "%s: an SQLite database but not a hedgesim store "
                            "(meta has no schema_version)",
                            s->path);
    if (rc)
        return rc;
    long v = strtol(buf, &end, 10);
    if (end == buf || *end != '\0' || v < 0 || v > 1000000)
        return hs_error_set(HS_ESCHEMA, "%s: bad schema_version '%s' in meta",
                            s->path, buf);
    s->version = (int)v;
    if (v > HS_STORE_SCHEMA_VERSION)
        return hs_error_set(HS_ESCHEMA,
                            "%s: schema version %ld is newer than this "
                            "hedgesim understands (%d): use a newer hedgesim",
                            s->path, v, HS_STORE_SCHEMA_VERSION);
    return 0;
}

int hs_store_open(hs_store **out, const char *path, int flags)
{
    hs_store *s = NULL;
    int rc, empty = 0, ntables, has_meta;
    int write = (flags & HS_STORE_WRITE) != 0;

    *out = NULL;
    if (!path || !*path)
        return hs_error_set(HS_EINVAL, "store path is empty");
    rc = check_file(path, &empty);
    if (rc == HS_ENOTFOUND && write)
        rc = 0, empty = 1;
    if (rc)
        return rc;
    if (empty && !write)
        return hs_error_set(HS_ESCHEMA,
                            "%s: empty file, not a hedgesim store (create one "
                            "with 'hedgesim import')",
                            path);
    s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return hs_error_set(HS_ENOMEM, "out of memory");
    }
    s->writable = write;
    if (sqlite3_open_v2(path, &s->db,
                        write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                              : SQLITE_OPEN_READONLY,
                        NULL) != SQLITE_OK) {
        rc = hs_error_set(HS_EDB, "%s: cannot open: %s", path,
                          s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto done;
    }
    sqlite3_busy_timeout(s->db, 5000);
    sqlite3_extended_result_codes(s->db, 0);
    if ((rc = inspect(s, &ntables, &has_meta)))
        goto done;
    if (ntables == 0) {
        if (!write) {
            rc = hs_error_set(HS_ESCHEMA,
                              "%s: an empty SQLite database, not a hedgesim "
                              "store (create one with 'hedgesim import')",
                              path);
            goto done;
        }
        if ((rc = create_schema(s)))
            goto done;
    } else {
        if (!has_meta) {
            rc = hs_error_set(HS_ESCHEMA,
                              "%s: an SQLite database but not a hedgesim "
                              "store (no meta table)",
                              path);
            goto done;
        }
        if ((rc = read_version(s)))
            goto done;
        if (s->version < HS_STORE_SCHEMA_VERSION) {
            if (!write) {
                rc = hs_error_set(
                    HS_ESCHEMA,
                    "%s: schema version %d is older than this hedgesim's "
                    "(%d): upgrade it with 'hedgesim import --db %s "
                    "--upgrade'",
                    path, s->version, HS_STORE_SCHEMA_VERSION, path);
                goto done;
            }
            if ((rc = migrate(s)))
                goto done;
        }
    }
    if (write && (rc = hs_store__exec(s, "PRAGMA foreign_keys = ON")))
        goto done;
done:
    if (rc) {
        hs_store_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

int hs_store__bulk_mode(hs_store *s)
{
    return hs_store__exec(s, "PRAGMA journal_mode = MEMORY;"
                             "PRAGMA synchronous = OFF;"
                             "PRAGMA cache_size = -65536;"
                             "PRAGMA temp_store = MEMORY;");
}

int hs_store_check(hs_store *s)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, "PRAGMA integrity_check(1)", &st);
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    if (r != SQLITE_ROW)
        rc = hs_store__dberr(s, "integrity check");
    else if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
        rc = hs_error_set(HS_EDB, "%s: integrity check failed: %s", s->path,
                          (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc;
}

/* ------------------------------------------------------------ instruments */

static void read_instrument(sqlite3_stmt *st, hs_instrument *in)
{
    hs_kind k = HS_KIND_SPOT;
    const unsigned char *right;
    memset(in, 0, sizeof *in);
    in->id = sqlite3_column_int64(st, 0);
    copy_text(in->symbol, sizeof in->symbol, sqlite3_column_text(st, 1));
    hs_kind_parse((const char *)sqlite3_column_text(st, 2), &k);
    in->kind = k;
    copy_text(in->underlying, sizeof in->underlying,
              sqlite3_column_text(st, 3));
    copy_text(in->quote, sizeof in->quote, sqlite3_column_text(st, 4));
    copy_text(in->venue, sizeof in->venue, sqlite3_column_text(st, 5));
    copy_text(in->source, sizeof in->source, sqlite3_column_text(st, 6));
    in->inverse = sqlite3_column_int(st, 7);
    in->expiry = sqlite3_column_int64(st, 8);
    in->strike = sqlite3_column_double(st, 9);
    right = sqlite3_column_text(st, 10);
    in->right = right ? (char)right[0] : 0;
    in->multiplier = sqlite3_column_double(st, 11);
}

int hs_store_instrument(hs_store *s, const char *symbol, hs_instrument *out)
{
    sqlite3_stmt *st = NULL;
    int rc = hs_store__stmt(s, HS_ST_INSTR_GET, &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        read_instrument(st, out);
    else if (r == SQLITE_DONE)
        rc = hs_error_set(HS_ENOTFOUND, "%s: no instrument '%s'", s->path,
                          symbol);
    else
        rc = hs_store__dberr(s, "reading instruments");
    sqlite3_reset(st);
    return rc;
}

int hs_store__ensure_instrument(hs_store *s, const hs_instrument *want,
                                const char *where, int64_t *id)
{
    hs_instrument have;
    sqlite3_stmt *st = NULL;
    char a[40];
    int rc;

    if (!hs_store__valid_symbol(want->symbol))
        return hs_error_set(HS_EINVAL,
                            "%s: bad symbol '%s' (1..47 characters of "
                            "A-Z a-z 0-9 . _ -)",
                            where, want->symbol);
    rc = hs_store_instrument(s, want->symbol, &have);
    if (rc == 0) {
        const char *diff = NULL;
        if (have.kind != want->kind)
            diff = "kind";
        else if (have.inverse != want->inverse)
            diff = "inverse";
        else if (want->kind == HS_KIND_OPTION &&
                 (have.expiry != want->expiry || have.strike != want->strike ||
                  have.right != want->right))
            diff = "expiry, strike or right";
        if (diff)
            return hs_error_set(
                HS_EDATA,
                "%s: instrument %s is already in the store as a %s%s "
                "(expiry %s, strike %g) with another %s",
                where, want->symbol, have.inverse ? "inverse " : "",
                hs_kind_name(have.kind),
                hs_cal_format_time(have.expiry, a, sizeof a), have.strike,
                diff);
        *id = have.id;
        return 0;
    }
    if (rc != HS_ENOTFOUND)
        return rc;
    if ((rc = hs_store__stmt(s, HS_ST_INSTR_ADD, &st)))
        return rc;
    sqlite3_bind_text(st, 1, want->symbol, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hs_kind_name(want->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, want->underlying, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, want->quote, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, want->venue, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, want->source, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 7, want->inverse ? 1 : 0);
    if (want->kind == HS_KIND_OPTION || want->kind == HS_KIND_FUTURE)
        sqlite3_bind_int64(st, 8, want->expiry);
    if (want->kind == HS_KIND_OPTION) {
        char r[2] = {want->right, 0};
        sqlite3_bind_double(st, 9, want->strike);
        sqlite3_bind_text(st, 10, r, 1, SQLITE_TRANSIENT);
    }
    sqlite3_bind_double(st, 11, want->multiplier > 0 ? want->multiplier : 1);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = hs_store__dberr(s, "adding an instrument");
        hs_error_prefix("%s: instrument %s: ", where, want->symbol);
        sqlite3_reset(st);
        return rc;
    }
    sqlite3_reset(st);
    *id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int hs_store_instruments(hs_store *s, int kind, hs_instrument **out, size_t *n)
{
    sqlite3_stmt *st = NULL;
    hs_instrument *v = NULL;
    size_t cap = 0, len = 0;
    int rc, r;

    *out = NULL;
    *n = 0;
    rc = prepare(s,
                 "SELECT id, symbol, kind, underlying, quote, venue, source,"
                 " inverse, expiry, strike, \"right\", multiplier"
                 " FROM instruments WHERE ?1 IS NULL OR kind = ?1"
                 " ORDER BY symbol",
                 &st);
    if (rc)
        return rc;
    if (kind >= 0) {
        if (!hs_kind_name((hs_kind)kind)) {
            sqlite3_finalize(st);
            return hs_error_set(HS_EINVAL, "bad instrument kind %d", kind);
        }
        sqlite3_bind_text(st, 1, hs_kind_name((hs_kind)kind), -1,
                          SQLITE_STATIC);
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (len == cap) {
            size_t nc = cap ? cap * 2 : 64;
            hs_instrument *p = realloc(v, nc * sizeof *p);
            if (!p) {
                rc = hs_error_set(HS_ENOMEM, "out of memory");
                goto done;
            }
            v = p;
            cap = nc;
        }
        read_instrument(st, &v[len++]);
    }
    if (r != SQLITE_DONE)
        rc = hs_store__dberr(s, "reading instruments");
done:
    sqlite3_finalize(st);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = len;
    return 0;
}

/* ------------------------------------------------------------------ puts */

/* Step an INSERT ... ON CONFLICT DO NOTHING; if nothing was inserted, step
 * the matching "same values?" query (with the same bindings). */
static int put_finish(hs_store *s, sqlite3_stmt *add, sqlite3_stmt *same,
                      int *outcome)
{
    int r = sqlite3_step(add);
    sqlite3_reset(add);
    if (r != SQLITE_DONE)
        return hs_store__dberr(s, "insert");
    if (sqlite3_changes(s->db) == 1) {
        *outcome = HS_PUT_NEW;
        return 0;
    }
    r = sqlite3_step(same);
    sqlite3_reset(same);
    if (r == SQLITE_ROW)
        *outcome = HS_PUT_SAME;
    else if (r == SQLITE_DONE)
        *outcome = HS_PUT_CONFLICT;
    else
        return hs_store__dberr(s, "compare");
    return 0;
}

int hs_store__put_bar(hs_store *s, int64_t id, const hs_bar *b,
                      const char *source, int *outcome)
{
    sqlite3_stmt *add = NULL, *same = NULL;
    int rc;
    if ((rc = hs_store__stmt(s, HS_ST_BAR_ADD, &add)) ||
        (rc = hs_store__stmt(s, HS_ST_BAR_GET, &same)))
        return rc;
    sqlite3_stmt *both[2] = {add, same};
    for (int k = 0; k < 2; k++) {
        sqlite3_bind_int64(both[k], 1, id);
        sqlite3_bind_int64(both[k], 2, b->ts);
        sqlite3_bind_double(both[k], 3, b->open);
        sqlite3_bind_double(both[k], 4, b->high);
        sqlite3_bind_double(both[k], 5, b->low);
        sqlite3_bind_double(both[k], 6, b->close);
        sqlite3_bind_double(both[k], 7, b->volume);
    }
    sqlite3_bind_text(add, 8, source, -1, SQLITE_STATIC);
    return put_finish(s, add, same, outcome);
}

int hs_store__put_index(hs_store *s, int64_t id, const hs_bar *b,
                        const char *source, int *outcome)
{
    sqlite3_stmt *add = NULL, *same = NULL;
    int rc;
    if ((rc = hs_store__stmt(s, HS_ST_INDEX_ADD, &add)) ||
        (rc = hs_store__stmt(s, HS_ST_INDEX_GET, &same)))
        return rc;
    sqlite3_stmt *both[2] = {add, same};
    for (int k = 0; k < 2; k++) {
        sqlite3_bind_int64(both[k], 1, id);
        sqlite3_bind_int64(both[k], 2, b->ts);
        sqlite3_bind_double(both[k], 3, b->open);
        sqlite3_bind_double(both[k], 4, b->high);
        sqlite3_bind_double(both[k], 5, b->low);
        sqlite3_bind_double(both[k], 6, b->close);
    }
    sqlite3_bind_text(add, 7, source, -1, SQLITE_STATIC);
    return put_finish(s, add, same, outcome);
}

int hs_store__put_funding(hs_store *s, int64_t id, const hs_funding *f,
                          const char *source, int *outcome)
{
    sqlite3_stmt *add = NULL, *same = NULL;
    int rc;
    if ((rc = hs_store__stmt(s, HS_ST_FUND_ADD, &add)) ||
        (rc = hs_store__stmt(s, HS_ST_FUND_GET, &same)))
        return rc;
    sqlite3_stmt *both[2] = {add, same};
    for (int k = 0; k < 2; k++) {
        sqlite3_bind_int64(both[k], 1, id);
        sqlite3_bind_int64(both[k], 2, f->ts);
        sqlite3_bind_double(both[k], 3, f->rate);
        sqlite3_bind_double(both[k], 4, f->interval_hours);
    }
    sqlite3_bind_text(add, 5, source, -1, SQLITE_STATIC);
    return put_finish(s, add, same, outcome);
}

int hs_store__put_rate(hs_store *s, const char *series, const hs_rate *r,
                       const char *source, int *outcome)
{
    sqlite3_stmt *add = NULL, *same = NULL;
    int rc;
    if ((rc = hs_store__stmt(s, HS_ST_RATE_ADD, &add)) ||
        (rc = hs_store__stmt(s, HS_ST_RATE_GET, &same)))
        return rc;
    sqlite3_stmt *both[2] = {add, same};
    for (int k = 0; k < 2; k++) {
        sqlite3_bind_text(both[k], 1, series, -1, SQLITE_STATIC);
        sqlite3_bind_int64(both[k], 2, r->ts);
        sqlite3_bind_double(both[k], 3, r->rate);
    }
    sqlite3_bind_text(add, 4, source, -1, SQLITE_STATIC);
    return put_finish(s, add, same, outcome);
}

int hs_store__put_option(hs_store *s, const hs_option_quote *q,
                         const char *source, int *outcome)
{
    sqlite3_stmt *add = NULL, *same = NULL;
    int rc;
    if ((rc = hs_store__stmt(s, HS_ST_OPT_ADD, &add)) ||
        (rc = hs_store__stmt(s, HS_ST_OPT_GET, &same)))
        return rc;
    sqlite3_stmt *both[2] = {add, same};
    for (int k = 0; k < 2; k++) {
        sqlite3_stmt *st = both[k];
        sqlite3_bind_int64(st, 1, q->ts);
        sqlite3_bind_int64(st, 2, q->instrument_id);
        bind_num(st, 3, q->bid);
        bind_num(st, 4, q->ask);
        bind_num(st, 5, q->mark);
        bind_num(st, 6, q->iv);
        bind_num(st, 7, q->underlying_price);
        bind_num(st, 8, q->index_price);
        bind_num(st, 9, q->bid_iv);
        bind_num(st, 10, q->ask_iv);
        bind_num(st, 11, q->delta);
        bind_num(st, 12, q->gamma);
        bind_num(st, 13, q->vega);
        bind_num(st, 14, q->theta);
        sqlite3_bind_text(st, 15, q->price_unit, -1, SQLITE_STATIC);
    }
    sqlite3_bind_text(add, 16, source, -1, SQLITE_STATIC);
    return put_finish(s, add, same, outcome);
}

/* ----------------------------------------------------------------- reads */

/* A growable array of `size`-byte records. */
typedef struct vec {
    void *data;
    size_t n, cap, size;
} vec;

static void *vec_push(vec *v)
{
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 256;
        void *p = realloc(v->data, nc * v->size);
        if (!p)
            return NULL;
        v->data = p;
        v->cap = nc;
    }
    return (char *)v->data + v->size * v->n++;
}

/* Run a range query over (id or series, t0, t1) and hand each row to
 * `row`. */
typedef void (*row_fn)(sqlite3_stmt *st, void *rec);

static int range_query(hs_store *s, const char *sql, int64_t id,
                       const char *key, int64_t t0, int64_t t1, row_fn row,
                       size_t size, void **out, size_t *n)
{
    sqlite3_stmt *st = NULL;
    vec v = {NULL, 0, 0, size};
    int rc, r;

    *out = NULL;
    *n = 0;
    if ((rc = prepare(s, sql, &st)))
        return rc;
    if (key)
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, t0);
    sqlite3_bind_int64(st, 3, t1);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        void *rec = vec_push(&v);
        if (!rec) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        row(st, rec);
    }
    if (r != SQLITE_DONE)
        rc = hs_store__dberr(s, "query");
done:
    sqlite3_finalize(st);
    if (rc) {
        free(v.data);
        return rc;
    }
    *out = v.data;
    *n = v.n;
    return 0;
}

static void bar_row(sqlite3_stmt *st, void *rec)
{
    hs_bar *b = rec;
    b->ts = sqlite3_column_int64(st, 0);
    b->open = sqlite3_column_double(st, 1);
    b->high = sqlite3_column_double(st, 2);
    b->low = sqlite3_column_double(st, 3);
    b->close = sqlite3_column_double(st, 4);
    b->volume = sqlite3_column_double(st, 5);
}

static void funding_row(sqlite3_stmt *st, void *rec)
{
    hs_funding *f = rec;
    f->ts = sqlite3_column_int64(st, 0);
    f->rate = sqlite3_column_double(st, 1);
    f->interval_hours = sqlite3_column_double(st, 2);
}

static void rate_row(sqlite3_stmt *st, void *rec)
{
    hs_rate *r = rec;
    r->ts = sqlite3_column_int64(st, 0);
    r->rate = sqlite3_column_double(st, 1);
}

static void ts_row(sqlite3_stmt *st, void *rec)
{
    *(int64_t *)rec = sqlite3_column_int64(st, 0);
}

int hs_store_bars(hs_store *s, int64_t id, int64_t t0, int64_t t1, hs_bar **out,
                  size_t *n)
{
    return range_query(s,
                       "SELECT ts, open, high, low, close, volume FROM bars"
                       " WHERE instrument_id = ?1 AND ts >= ?2 AND ts < ?3"
                       " ORDER BY ts",
                       id, NULL, t0, t1, bar_row, sizeof(hs_bar), (void **)out,
                       n);
}

int hs_store_index(hs_store *s, int64_t id, int64_t t0, int64_t t1,
                   hs_bar **out, size_t *n)
{
    return range_query(s,
                       "SELECT ts, open, high, low, close, 0.0"
                       " FROM index_values"
                       " WHERE instrument_id = ?1 AND ts >= ?2 AND ts < ?3"
                       " ORDER BY ts",
                       id, NULL, t0, t1, bar_row, sizeof(hs_bar), (void **)out,
                       n);
}

int hs_store_funding(hs_store *s, int64_t id, int64_t t0, int64_t t1,
                     hs_funding **out, size_t *n)
{
    return range_query(s,
                       "SELECT ts, rate, interval_hours FROM funding"
                       " WHERE instrument_id = ?1 AND ts >= ?2 AND ts < ?3"
                       " ORDER BY ts",
                       id, NULL, t0, t1, funding_row, sizeof(hs_funding),
                       (void **)out, n);
}

int hs_store_rates(hs_store *s, const char *series, int64_t t0, int64_t t1,
                   hs_rate **out, size_t *n)
{
    return range_query(s,
                       "SELECT ts, rate FROM rates"
                       " WHERE series = ?1 AND ts >= ?2 AND ts < ?3"
                       " ORDER BY ts",
                       0, series, t0, t1, rate_row, sizeof(hs_rate),
                       (void **)out, n);
}

int hs_store_option_snapshots(hs_store *s, const char *underlying, int64_t t0,
                              int64_t t1, int64_t **out, size_t *n)
{
    return range_query(s,
                       "SELECT DISTINCT q.ts FROM option_quotes q"
                       " JOIN instruments i ON i.id = q.instrument_id"
                       " WHERE i.underlying = ?1 AND q.ts >= ?2 AND q.ts < ?3"
                       " ORDER BY q.ts",
                       0, underlying, t0, t1, ts_row, sizeof(int64_t),
                       (void **)out, n);
}

static void option_row(sqlite3_stmt *st, void *rec)
{
    hs_option_quote *q = rec;
    const unsigned char *right;
    memset(q, 0, sizeof *q);
    q->ts = sqlite3_column_int64(st, 0);
    q->instrument_id = sqlite3_column_int64(st, 1);
    copy_text(q->symbol, sizeof q->symbol, sqlite3_column_text(st, 2));
    q->expiry = sqlite3_column_int64(st, 3);
    q->strike = sqlite3_column_double(st, 4);
    right = sqlite3_column_text(st, 5);
    q->right = right ? (char)right[0] : 0;
    q->bid = col_num(st, 6);
    q->ask = col_num(st, 7);
    q->mark = col_num(st, 8);
    q->iv = col_num(st, 9);
    q->underlying_price = col_num(st, 10);
    q->index_price = col_num(st, 11);
    q->bid_iv = col_num(st, 12);
    q->ask_iv = col_num(st, 13);
    q->delta = col_num(st, 14);
    q->gamma = col_num(st, 15);
    q->vega = col_num(st, 16);
    q->theta = col_num(st, 17);
    copy_text(q->price_unit, sizeof q->price_unit, sqlite3_column_text(st, 18));
    copy_text(q->source, sizeof q->source, sqlite3_column_text(st, 19));
}

int hs_store_option_chain(hs_store *s, const char *underlying, int64_t ts,
                          hs_option_quote **out, size_t *n)
{
    return range_query(
        s,
        "SELECT q.ts, q.instrument_id, i.symbol, i.expiry, i.strike,"
        " i.\"right\", q.bid, q.ask, q.mark, q.iv, q.underlying_price,"
        " q.index_price, q.bid_iv, q.ask_iv, q.delta, q.gamma, q.vega,"
        " q.theta, q.price_unit, q.source"
        " FROM option_quotes q JOIN instruments i ON i.id = q.instrument_id"
        " WHERE i.underlying = ?1 AND q.ts >= ?2 AND q.ts < ?3"
        " ORDER BY i.expiry, i.strike, i.\"right\"",
        0, underlying, ts, ts + 1, option_row, sizeof(hs_option_quote),
        (void **)out, n);
}

/* ------------------------------------------------------------------ info */

/* Sum of missing steps given the spacing histogram (dt, count). */
static int spacing(hs_store *s, const char *sql, int64_t id, int64_t *step,
                   long long *gaps, int per_row_interval)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, sql, &st);
    long long best = -1;
    int r;
    if (rc)
        return rc;
    *gaps = 0;
    sqlite3_bind_int64(st, 1, id);
    if (!per_row_interval) {
        /* rows: (dt, count) ascending by dt */
        vec v = {NULL, 0, 0, 2 * sizeof(int64_t)};
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t *p = vec_push(&v);
            if (!p) {
                free(v.data);
                sqlite3_finalize(st);
                return hs_error_set(HS_ENOMEM, "out of memory");
            }
            p[0] = sqlite3_column_int64(st, 0);
            p[1] = sqlite3_column_int64(st, 1);
            if (p[1] > best) {
                best = p[1];
                *step = p[0];
            }
        }
        for (size_t i = 0; *step > 0 && i < v.n; i++) {
            const int64_t *p = (const int64_t *)v.data + 2 * i;
            if (p[0] > *step)
                *gaps += (long long)(p[0] / *step - 1) * p[1];
        }
        free(v.data);
    } else {
        /* rows: (dt, previous interval in hours, count) */
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t dt = sqlite3_column_int64(st, 0);
            int64_t iv = (int64_t)llround(sqlite3_column_double(st, 1) *
                                          (double)HS_MS_PER_HOUR);
            if (iv > 0 && dt > iv)
                *gaps += (long long)(dt / iv - 1) * sqlite3_column_int64(st, 2);
        }
    }
    if (r != SQLITE_DONE)
        rc = hs_store__dberr(s, "gap count");
    sqlite3_finalize(st);
    return rc;
}

typedef struct series_table {
    const char *name;
    const char *summary_sql;
    const char *spacing_sql;
    int per_row_interval;
} series_table;

static const series_table series_tables[] = {
    {"bars",
     "SELECT count(*), min(ts), max(ts) FROM bars WHERE instrument_id = ?1",
     "SELECT dt, count(*) FROM (SELECT ts - lag(ts) OVER (ORDER BY ts) AS dt"
     " FROM bars WHERE instrument_id = ?1) WHERE dt IS NOT NULL"
     " GROUP BY dt ORDER BY dt",
     0},
    {"funding",
     "SELECT count(*), min(ts), max(ts) FROM funding WHERE instrument_id = ?1",
     "SELECT dt, iv, count(*) FROM (SELECT ts - lag(ts) OVER w AS dt,"
     " lag(interval_hours) OVER w AS iv FROM funding WHERE instrument_id = ?1"
     " WINDOW w AS (ORDER BY ts)) WHERE dt IS NOT NULL GROUP BY dt, iv",
     1},
    {"index",
     "SELECT count(*), min(ts), max(ts) FROM index_values"
     " WHERE instrument_id = ?1",
     "SELECT dt, count(*) FROM (SELECT ts - lag(ts) OVER (ORDER BY ts) AS dt"
     " FROM index_values WHERE instrument_id = ?1) WHERE dt IS NOT NULL"
     " GROUP BY dt ORDER BY dt",
     0},
};

/* The most common funding interval of a perp, in ms. */
static int funding_step(hs_store *s, int64_t id, int64_t *step)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(s,
                     "SELECT interval_hours FROM funding WHERE"
                     " instrument_id = ?1 GROUP BY interval_hours"
                     " ORDER BY count(*) DESC LIMIT 1",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *step = (int64_t)llround(sqlite3_column_double(st, 0) *
                                 (double)HS_MS_PER_HOUR);
    else if (r != SQLITE_DONE)
        rc = hs_store__dberr(s, "funding interval");
    sqlite3_finalize(st);
    return rc;
}

int hs_store_series_info(hs_store *s, hs_series_info **out, size_t *n)
{
    hs_instrument *inst = NULL;
    size_t ni = 0;
    vec v = {NULL, 0, 0, sizeof(hs_series_info)};
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = hs_store_instruments(s, -1, &inst, &ni)))
        return rc;
    for (size_t i = 0; i < ni && !rc; i++) {
        if (inst[i].kind == HS_KIND_OPTION)
            continue;
        for (size_t t = 0; t < sizeof series_tables / sizeof *series_tables;
             t++) {
            const series_table *tb = &series_tables[t];
            sqlite3_stmt *st = NULL;
            hs_series_info si;
            memset(&si, 0, sizeof si);
            if ((rc = prepare(s, tb->summary_sql, &st)))
                break;
            sqlite3_bind_int64(st, 1, inst[i].id);
            if (sqlite3_step(st) != SQLITE_ROW) {
                rc = hs_store__dberr(s, "series summary");
                sqlite3_finalize(st);
                break;
            }
            si.rows = sqlite3_column_int64(st, 0);
            si.first_ts = sqlite3_column_int64(st, 1);
            si.last_ts = sqlite3_column_int64(st, 2);
            sqlite3_finalize(st);
            if (si.rows == 0)
                continue;
            si.inst = inst[i];
            si.table = tb->name;
            if ((rc = spacing(s, tb->spacing_sql, inst[i].id, &si.step_ms,
                              &si.gaps, tb->per_row_interval)))
                break;
            if (tb->per_row_interval &&
                (rc = funding_step(s, inst[i].id, &si.step_ms)))
                break;
            hs_series_info *p = vec_push(&v);
            if (!p) {
                rc = hs_error_set(HS_ENOMEM, "out of memory");
                break;
            }
            *p = si;
        }
    }
    free(inst);
    if (rc) {
        free(v.data);
        return rc;
    }
    *out = v.data;
    *n = v.n;
    return 0;
}

int hs_store_option_info(hs_store *s, hs_option_info **out, size_t *n)
{
    sqlite3_stmt *st = NULL;
    vec v = {NULL, 0, 0, sizeof(hs_option_info)};
    int rc, r;

    *out = NULL;
    *n = 0;
    rc = prepare(s,
                 "SELECT i.underlying, q.price_unit, q.source,"
                 " count(DISTINCT q.ts), count(DISTINCT q.instrument_id),"
                 " count(*), min(q.ts), max(q.ts)"
                 " FROM option_quotes q JOIN instruments i"
                 " ON i.id = q.instrument_id"
                 " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                 &st);
    if (rc)
        return rc;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hs_option_info *p = vec_push(&v);
        if (!p) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        copy_text(p->underlying, sizeof p->underlying,
                  sqlite3_column_text(st, 0));
        copy_text(p->price_unit, sizeof p->price_unit,
                  sqlite3_column_text(st, 1));
        copy_text(p->source, sizeof p->source, sqlite3_column_text(st, 2));
        p->snapshots = sqlite3_column_int64(st, 3);
        p->contracts = sqlite3_column_int64(st, 4);
        p->rows = sqlite3_column_int64(st, 5);
        p->first_ts = sqlite3_column_int64(st, 6);
        p->last_ts = sqlite3_column_int64(st, 7);
    }
    if (r != SQLITE_DONE)
        rc = hs_store__dberr(s, "option summary");
done:
    sqlite3_finalize(st);
    if (rc) {
        free(v.data);
        return rc;
    }
    *out = v.data;
    *n = v.n;
    return 0;
}

/* Monday = 0 ... Sunday = 6 for a day count since 1970-01-01 (a Thursday). */
static int weekday(int64_t day)
{
    int64_t w = (day + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int hs_store_rate_info(hs_store *s, hs_rate_info **out, size_t *n)
{
    sqlite3_stmt *st = NULL, *days = NULL;
    vec v = {NULL, 0, 0, sizeof(hs_rate_info)};
    int rc, r;

    *out = NULL;
    *n = 0;
    if ((rc = prepare(s,
                      "SELECT series, min(source), count(*), min(ts), max(ts)"
                      " FROM rates GROUP BY series ORDER BY series",
                      &st)) ||
        (rc = prepare(s,
                      "SELECT count(*) FROM rates WHERE series = ?1 AND"
                      " ((ts / 86400000) % 7 + 10) % 7 >= 5",
                      &days)))
        goto done;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hs_rate_info *p = vec_push(&v);
        if (!p) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        memset(p, 0, sizeof *p);
        copy_text(p->series, sizeof p->series, sqlite3_column_text(st, 0));
        copy_text(p->source, sizeof p->source, sqlite3_column_text(st, 1));
        p->rows = sqlite3_column_int64(st, 2);
        p->first_ts = sqlite3_column_int64(st, 3);
        p->last_ts = sqlite3_column_int64(st, 4);
        sqlite3_reset(days);
        sqlite3_bind_text(days, 1, p->series, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(days) != SQLITE_ROW) {
            rc = hs_store__dberr(s, "rate summary");
            goto done;
        }
        p->weekdays = sqlite3_column_int64(days, 0) == 0;
        int64_t d0 = hs_cal_floor(p->first_ts, HS_MS_PER_DAY) / HS_MS_PER_DAY;
        int64_t d1 = hs_cal_floor(p->last_ts, HS_MS_PER_DAY) / HS_MS_PER_DAY;
        long long grid = 0;
        for (int64_t d = d0; d <= d1; d++)
            grid += !p->weekdays || weekday(d) < 5;
        p->gaps = grid > p->rows ? grid - p->rows : 0;
    }
    if (r != SQLITE_DONE)
        rc = hs_store__dberr(s, "rate summary");
done:
    sqlite3_finalize(st);
    sqlite3_finalize(days);
    if (rc) {
        free(v.data);
        return rc;
    }
    *out = v.data;
    *n = v.n;
    return 0;
}
