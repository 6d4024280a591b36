/* The market store's internals, shared by store.c and the importers. */
#ifndef HS_STORE_INT_H
#define HS_STORE_INT_H

#include "hedgesim/store.h"

#include <sqlite3.h>
#include <stdint.h>

/* Prepared statements, created on first use and kept until close. */
typedef enum hs_stmt_id {
    HS_ST_INSTR_GET = 0,
    HS_ST_INSTR_ADD,
    HS_ST_BAR_ADD,
    HS_ST_BAR_GET,
    HS_ST_FUND_ADD,
    HS_ST_FUND_GET,
    HS_ST_INDEX_ADD,
    HS_ST_INDEX_GET,
    HS_ST_RATE_ADD,
    HS_ST_RATE_GET,
    HS_ST_OPT_ADD,
    HS_ST_OPT_GET,
    HS_ST__COUNT
} hs_stmt_id;

struct hs_store {
    sqlite3 *db;
    char *path;
    int version;
    int writable;
    sqlite3_stmt *stmt[HS_ST__COUNT];
};

/* The statement `id`, reset and with bindings cleared (borrowed). */
int hs_store__stmt(hs_store *s, hs_stmt_id id, sqlite3_stmt **out);

/* Run SQL without results; HS_EDB with the SQLite message on failure. */
int hs_store__exec(hs_store *s, const char *sql);

/* HS_EDB with "PATH: what: sqlite message". */
int hs_store__dberr(hs_store *s, const char *what);

/* Transactions: BEGIN IMMEDIATE / COMMIT / ROLLBACK (rollback never fails
 * loudly and keeps the current error message). */
int hs_store__begin(hs_store *s);
int hs_store__commit(hs_store *s);
void hs_store__rollback(hs_store *s);

/* 1 if `sym` is 1..47 characters of [A-Za-z0-9._-]. */
int hs_store__valid_symbol(const char *sym);

/* Find `want->symbol`; create it if absent (attributes from `want`); if it
 * exists with other kind, inverse, expiry, strike or right: HS_EDATA naming
 * `where`.  *id gets the row id. */
int hs_store__ensure_instrument(hs_store *s, const hs_instrument *want,
                                const char *where, int64_t *id);

/* Outcome of a put: a new row, an identical row already there, or a row with
 * the same key and other values (the caller reports it). */
enum { HS_PUT_NEW = 0, HS_PUT_SAME = 1, HS_PUT_CONFLICT = 2 };

int hs_store__put_bar(hs_store *s, int64_t id, const hs_bar *b,
                      const char *source, int *outcome);
int hs_store__put_index(hs_store *s, int64_t id, const hs_bar *b,
                        const char *source, int *outcome);
int hs_store__put_funding(hs_store *s, int64_t id, const hs_funding *f,
                          const char *source, int *outcome);
int hs_store__put_rate(hs_store *s, const char *series, const hs_rate *r,
                       const char *source, int *outcome);
/* q->ts, q->instrument_id and the values; symbol/expiry/strike unused. */
int hs_store__put_option(hs_store *s, const hs_option_quote *q,
                         const char *source, int *outcome);

/* Fast settings for a freshly created file being bulk-loaded (journal in
 * memory, no syncs). */
int hs_store__bulk_mode(hs_store *s);

/* Importers for one file, run inside the caller's transaction
 * (import.c, import_options.c).  `stats` is zeroed by the caller. */
int hs_import__file_tx(hs_store *s, const char *path,
                       const hs_import_opts *opts, hs_import_stats *stats);
int hs_import__options(hs_store *s, const char *path,
                       const hs_import_opts *opts, hs_import_stats *stats);

/* Progress on stderr: call per record; prints every ~10 % for files over
 * 1 MB when enabled.  *last holds the last printed decile (start at -1). */
struct hs_csv;
void hs_import__progress(const struct hs_csv *c, int enabled, int *last);

/* The source/venue tag to use: opts value or the fallback. */
const char *hs_import__or(const char *value, const char *fallback);

#endif
