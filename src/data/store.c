/* The SQLite market store, part 1 of 4: the schema and its migrations,
 * opening and closing, meta, the integrity check, transactions, the cache of
 * prepared statements and the small SQLite helpers the other parts share
 * (store_int.h).  Writing rows is in store_write.c, reading them in
 * store_read.c, the summaries for `hedgesim info` in store_info.c.  Only the
 * store_*.c files speak SQL. */
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
#include <unistd.h>

/* How long a statement waits for another connection's lock before it fails
 * (a writer's commit waiting for readers, a reader for a commit). */
#define BUSY_TIMEOUT_MS 5000

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
    int src = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    if (src == SQLITE_BUSY) { /* waited out the busy timeout */
        sqlite3_free(msg);
        return hs_error_set(HS_EDB,
                            "%s: the store stayed busy for %d s (another "
                            "process is reading or writing it: a hedgesim "
                            "command reads a store as one snapshot until it "
                            "ends); nothing was written: try again when it "
                            "has finished",
                            s->path, BUSY_TIMEOUT_MS / 1000);
    }
    if (src != SQLITE_OK) {
        int rc = hs_error_set(HS_EDB, "%s: %s", s->path,
                              msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return rc;
    }
    return 0;
}

int hs_store_begin(hs_store *s)
{
    if (!s)
        return hs_error_set(HS_EINVAL, "store: NULL store");
    if (!s->writable)
        return hs_error_set(HS_EINVAL, "%s: the store was opened read-only",
                            s->path);
    hs_sha256_init(&s->txn);
    s->txn_rows = 0;
    return hs_store__exec(s, "BEGIN IMMEDIATE");
}

static void put_le64(uint8_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

void hs_store__digest_row(hs_store *s, char tag, const int64_t *iv, size_t ni,
                          const double *dv, size_t nd,
                          const char *const *tv, size_t nt)
{
    uint8_t b[8];
    hs_sha256_update(&s->txn, &tag, 1);
    for (size_t i = 0; i < ni; i++) {
        put_le64(b, (uint64_t)iv[i]);
        hs_sha256_update(&s->txn, b, 8);
    }
    for (size_t i = 0; i < nd; i++) {
        uint64_t bits = 0x7ff8000000000000ull;
        if (!isnan(dv[i]))
            memcpy(&bits, &dv[i], 8);
        put_le64(b, bits);
        hs_sha256_update(&s->txn, b, 8);
    }
    for (size_t i = 0; i < nt; i++)
        hs_sha256_update(&s->txn, tv[i], strlen(tv[i]) + 1);
    s->txn_rows++;
}

static int set_meta(hs_store *s, const char *key, const char *value);

/* Fold the transaction's rows into the content digest:
 * content_sha256 = SHA-256(previous content_sha256 as 64 hex characters ||
 * SHA-256 of the transaction's rows), and count them in content_rows. */
static int fold_digest(hs_store *s)
{
    char prev[HS_SHA256_HEX_SIZE] = "", rows[32] = "0", hex[HS_SHA256_HEX_SIZE];
    uint8_t txn[HS_SHA256_DIGEST_SIZE], out[HS_SHA256_DIGEST_SIZE];
    hs_sha256_ctx c;
    int rc;
    if (s->txn_rows == 0)
        return 0;
    rc = hs_store_meta(s, HS_STORE_META_DIGEST, prev, sizeof prev);
    if (rc == HS_ENOTFOUND) /* a store from before content digests */
        rc = 0, prev[0] = '\0';
    if (rc == 0)
        rc = hs_store_meta(s, HS_STORE_META_ROWS, rows, sizeof rows);
    if (rc == HS_ENOTFOUND)
        rc = 0;
    if (rc)
        return rc;
    hs_sha256_final(&s->txn, txn);
    hs_sha256_init(&c);
    hs_sha256_update(&c, prev, strlen(prev));
    hs_sha256_update(&c, txn, sizeof txn);
    hs_sha256_final(&c, out);
    hs_sha256_hex(out, hex);
    snprintf(rows, sizeof rows, "%lld", atoll(rows) + s->txn_rows);
    if ((rc = set_meta(s, HS_STORE_META_DIGEST, hex)) ||
        (rc = set_meta(s, HS_STORE_META_ROWS, rows)))
        return rc;
    s->txn_rows = 0;
    return 0;
}

int hs_store_commit(hs_store *s)
{
    int rc;
    if (!s)
        return hs_error_set(HS_EINVAL, "store: NULL store");
    if ((rc = fold_digest(s)))
        return rc;
    return hs_store__exec(s, "COMMIT");
}

int hs_store_snapshot_begin(hs_store *s)
{
    if (!s)
        return hs_error_set(HS_EINVAL, "store: NULL store");
    if (s->snap_depth++ > 0 || !sqlite3_get_autocommit(s->db))
        return 0;
    /* A deferred transaction takes its snapshot at its first read: read
     * now, so that the snapshot is the store as of this call. */
    int rc = hs_store__exec(s, "BEGIN; SELECT 1 FROM meta LIMIT 1");
    if (rc) {
        hs_store_rollback(s);
        s->snap_depth--;
        return rc;
    }
    s->snap_open = 1;
    return 0;
}

void hs_store_snapshot_end(hs_store *s)
{
    if (!s || s->snap_depth == 0 || --s->snap_depth > 0 || !s->snap_open)
        return;
    s->snap_open = 0;
    /* Nothing was written: ending it cannot lose anything. */
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        hs_store_rollback(s);
}

void hs_store_rollback(hs_store *s)
{
    if (s && s->db && !sqlite3_get_autocommit(s->db))
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

int hs_store__prepare(hs_store *s, const char *sql, sqlite3_stmt **out)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, out, NULL) != SQLITE_OK) {
        *out = NULL;
        return hs_store__dberr(s, "prepare");
    }
    return 0;
}

void hs_store__copy_text(char *dst, size_t size, const unsigned char *src)
{
    snprintf(dst, size, "%s", src ? (const char *)src : "");
}

double hs_store__col_num(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL
               ? NAN
               : sqlite3_column_double(st, i);
}

void *hs_store__vec_push(hs_store__vec *v)
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
    /* close_v2: a quote cursor still open (hs_store_quotes) keeps the
     * connection alive until it is closed, instead of making this fail. */
    if (s->db)
        sqlite3_close_v2(s->db);
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
 * least as long as its header says (a truncated copy; not judged while a
 * journal or a write-ahead log is beside it, which may hold the rest).
 * Empty files pass (*empty = 1); *wal = 1 for a store in WAL mode. */
static int check_file(const char *path, int *empty, int *wal_mode)
{
    unsigned char h[100];
    struct stat st;
    FILE *fp;
    size_t got;
    char wal[4096], journal[4096];

    *empty = 0;
    *wal_mode = 0;
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
    /* File format write and read versions: 2 in WAL mode. */
    *wal_mode = h[18] == 2 && h[19] == 2;
    uint32_t page = (uint32_t)h[16] << 8 | h[17];
    if (page == 1)
        page = 65536;
    uint32_t npage = be32(h + 28);
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(journal, sizeof journal, "%s-journal", path);
    if (npage != 0 && be32(h + 24) == be32(h + 92) &&
        (long long)page * npage > (long long)st.st_size &&
        stat(wal, &st) != 0 && stat(journal, &st) != 0)
        return hs_error_set(HS_EDB,
                            "%s: truncated database (its header says %lld "
                            "bytes, the file has %lld): rebuild or restore it",
                            path, (long long)page * npage,
                            (long long)st.st_size);
    return 0;
}

/* Number of user tables, 1 if `meta` is one of them.  On failure *ext is
 * SQLite's extended result code. */
static int inspect(hs_store *s, int *ntables, int *has_meta, int *ext)
{
    sqlite3_stmt *st = NULL;
    int rc;
    *ntables = 0;
    *has_meta = 0;
    *ext = SQLITE_OK;
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
        *ext = sqlite3_extended_errcode(s->db);
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
    int rc = hs_store__prepare(s, "SELECT value FROM meta WHERE key = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        hs_store__copy_text(buf, size, sqlite3_column_text(st, 0));
        rc = 0;
    } else if (r == SQLITE_DONE) {
        rc = hs_error_set(HS_ENOTFOUND, "%s: no meta key '%s'", s->path, key);
    } else {
        rc = hs_store__dberr(s, "reading meta");
    }
    sqlite3_finalize(st);
    return rc;
}

int hs_store_digest(hs_store *s, char hex[65], long long *rows)
{
    char n[32] = "0";
    int rc;
    hex[0] = '\0';
    if (rows)
        *rows = 0;
    rc = hs_store_meta(s, HS_STORE_META_DIGEST, hex, HS_SHA256_HEX_SIZE);
    if (rc == HS_ENOTFOUND)
        return hs_error_set(HS_ENOTFOUND,
                            "%s has no content digest (written before "
                            "hedgesim kept one): rebuild it to get one",
                            s->path);
    if (rc == 0 && (rc = hs_store_meta(s, HS_STORE_META_ROWS, n, sizeof n)) ==
                       HS_ENOTFOUND)
        rc = 0;
    if (rc == 0 && rows)
        *rows = atoll(n);
    return rc;
}

static int set_meta(hs_store *s, const char *key, const char *value)
{
    sqlite3_stmt *st = NULL;
    int rc = hs_store__prepare(s,
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
    int rc = hs_store_begin(s);
    if (rc)
        return rc;
    if ((rc = hs_store__exec(s, schema_v1)))
        goto done;
    snprintf(ver, sizeof ver, "%d", HS_STORE_SCHEMA_VERSION);
    hs_cal_format_time((int64_t)time(NULL) * HS_MS_PER_SECOND, now, sizeof now);
    if ((rc = set_meta(s, "schema_version", ver)) ||
        (rc = set_meta(s, "application", "hedgesim")) ||
        (rc = set_meta(s, "created_at", now)) ||
        (rc = set_meta(s, HS_STORE_META_DIGEST,
                       /* SHA-256 of nothing: no rows yet */
                       "e3b0c44298fc1c149afbf4c8996fb924"
                       "27ae41e4649b934ca495991b7852b855")) ||
        (rc = set_meta(s, HS_STORE_META_ROWS, "0")) ||
        (rc = set_meta(s, "provenance",
                       "Market data imported from exchange and FRED CSV "
                       "files; each row's source column names where it came "
                       "from (exchange, or model:<name> for modeled data). "
                       "The embedded files are described in "
                       "datasets/README.md.")))
        goto done;
    rc = hs_store_commit(s);
done:
    if (rc)
        hs_store_rollback(s);
    else
        s->version = HS_STORE_SCHEMA_VERSION;
    return rc;
}

static int migrate(hs_store *s)
{
    char ver[16];
    int rc = hs_store_begin(s);
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
    rc = hs_store_commit(s);
done:
    if (rc)
        hs_store_rollback(s);
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

/* May this process write `path` and create and delete files beside it (a
 * journal to roll back, a write-ahead log and its index)? */
static int can_write_beside(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    return access(path, W_OK) == 0 && access(dir, W_OK | X_OK) == 0;
}

static int sqlite_open(hs_store *s, int how)
{
    if (s->db) {
        sqlite3_close_v2(s->db);
        s->db = NULL;
    }
    /* SQLite's multi-thread mode: no mutex on every call (a few per column
     * read).  A store handle is used by one thread at a time (store.h). */
    if (sqlite3_open_v2(s->path, &s->db, how | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK)
        return hs_error_set(HS_EDB, "%s: cannot open: %s", s->path,
                            s->db ? sqlite3_errmsg(s->db) : "out of memory");
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(s->db, 0);
    return 0;
}

/* Why a read-only open of a store that an interrupted writer left behind
 * failed (ext: SQLite's extended code), when it could not be repaired. */
static int interrupted_write(const hs_store *s, int ext)
{
    if (ext == SQLITE_READONLY_ROLLBACK)
        return hs_error_set(
            HS_EDB,
            "%s: a write into this store (an import) was interrupted and "
            "left its journal '%s-journal'; the store is intact, but SQLite "
            "must roll that write back before the store can be read, and "
            "this user may not write the store or its directory.  Run "
            "'hedgesim info --db %s' once as a user who may (it rolls the "
            "write back and changes nothing else).  Do not delete the "
            "journal: the store would be left half-written",
            s->path, s->path, s->path);
    return hs_error_set(
        HS_EDB,
        "%s: the store is in WAL mode and its write-ahead log ('%s-wal') "
        "needs recovering or an index ('%s-shm') created, which this user "
        "may not do (no write access to the store or its directory).  Run "
        "'hedgesim info --db %s' once as a user who may; do not delete the "
        "-wal file (committed data may be in it)",
        s->path, s->path, s->path, s->path);
}

static int readonly_recovery(int ext)
{
    return ext == SQLITE_READONLY_ROLLBACK ||
           ext == SQLITE_READONLY_RECOVERY ||
           ext == SQLITE_READONLY_CANTINIT || ext == SQLITE_READONLY_CANTLOCK ||
           ext == SQLITE_READONLY_DIRECTORY;
}

int hs_store_open(hs_store **out, const char *path, int flags)
{
    hs_store *s = NULL;
    int rc, empty = 0, wal = 0, ntables, has_meta, ext;
    int write = (flags & HS_STORE_WRITE) != 0;

    *out = NULL;
    if (!path || !*path)
        return hs_error_set(HS_EINVAL, "store path is empty");
    rc = check_file(path, &empty, &wal);
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
    /* A read-only open of a store in WAL mode would leave '-wal' and '-shm'
     * files behind (a read-only connection cannot remove them): when the
     * place allows, open it read-write and refuse writes with query_only;
     * the last connection to close then checkpoints and removes both. */
    if (write)
        rc = sqlite_open(s, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    else if (wal && can_write_beside(path))
        rc = sqlite_open(s, SQLITE_OPEN_READWRITE);
    else
        rc = sqlite_open(s, SQLITE_OPEN_READONLY);
    if (rc)
        goto done;
    if (!write && wal && (rc = hs_store__exec(s, "PRAGMA query_only = ON")))
        goto done;
    rc = inspect(s, &ntables, &has_meta, &ext);
    if (rc && !write && readonly_recovery(ext)) {
        /* An interrupted writer left a hot journal (or a log to recover).
         * SQLite repairs it on the next read by a connection that may
         * write: open one just for that, then read-only again.  Rolling
         * back an uncommitted transaction is what any writer would do
         * first; it changes nothing that was committed. */
        if (!can_write_beside(path)) {
            rc = interrupted_write(s, ext);
            goto done;
        }
        if ((rc = sqlite_open(s, SQLITE_OPEN_READWRITE)) ||
            (rc = inspect(s, &ntables, &has_meta, &ext)) ||
            (rc = sqlite_open(s, wal ? SQLITE_OPEN_READWRITE
                                     : SQLITE_OPEN_READONLY)) ||
            (wal && (rc = hs_store__exec(s, "PRAGMA query_only = ON"))))
            goto done;
        rc = inspect(s, &ntables, &has_meta, &ext);
    }
    if (rc)
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
    int rc = hs_store__prepare(s, "PRAGMA integrity_check(1)", &st);
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

