/* The market store's internals: the handle's layout and the helpers shared
 * by the store's own files (store.c, store_write.c, store_read.c,
 * store_info.c) and the importers (import*.c), which write rows through the
 * per-table puts below inside their own transaction.  Nothing else includes
 * this header: the chain sources and the command-line tool use the public
 * store.h only. */
#ifndef HS_STORE_INT_H
#define HS_STORE_INT_H

#include "hedgesim/sha256.h"
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
    /* The content digest of the open write transaction: every row it adds
     * (hs_store__digest_row), folded into meta content_sha256 at commit. */
    hs_sha256_ctx txn;
    long long txn_rows;
    /* Read snapshots: nesting depth, and whether the outermost began a
     * read transaction (not inside a write transaction). */
    int snap_depth, snap_open;
};

/* Meta keys of the content digest (docs/store-schema.md). */
#define HS_STORE_META_DIGEST "content_sha256"
#define HS_STORE_META_ROWS "content_rows"

/* Feed one new row into the transaction's digest: the tag byte, the
 * int64s and the doubles as 8 little-endian bytes each (doubles by their
 * IEEE bits, every NaN as 0x7ff8000000000000), then each text with its
 * terminating NUL. */
void hs_store__digest_row(hs_store *s, char tag, const int64_t *iv, size_t ni,
                          const double *dv, size_t nd,
                          const char *const *tv, size_t nt);

/* The statement `id`, reset and with bindings cleared (borrowed). */
int hs_store__stmt(hs_store *s, hs_stmt_id id, sqlite3_stmt **out);

/* Run SQL without results; HS_EDB with the SQLite message on failure. */
int hs_store__exec(hs_store *s, const char *sql);

/* HS_EDB with "PATH: what: sqlite message". */
int hs_store__dberr(hs_store *s, const char *what);

/* Prepare a one-off statement (HS_EDB on failure, *out NULL). */
int hs_store__prepare(hs_store *s, const char *sql, sqlite3_stmt **out);
/* Copy a text column ("" for NULL) into dst of `size` bytes. */
void hs_store__copy_text(char *dst, size_t size, const unsigned char *src);
/* A REAL column, NAN for NULL. */
double hs_store__col_num(sqlite3_stmt *st, int i);

/* A growable array of `size`-byte records (data malloc'ed, n used). */
typedef struct hs_store__vec {
    void *data;
    size_t n, cap, size;
} hs_store__vec;
/* A pointer to a new record at the end, or NULL when out of memory. */
void *hs_store__vec_push(hs_store__vec *v);

/* 1 if `sym` is 1..47 characters of [A-Za-z0-9._-]. */
int hs_store__valid_symbol(const char *sym);

/* Per-table puts for the series importers (options: hs_store_put_option
 * in store.h).  `outcome` gets one of HS_STORE_PUT_*. */
int hs_store__put_bar(hs_store *s, int64_t id, const hs_bar *b,
                      const char *source, int *outcome);
int hs_store__put_index(hs_store *s, int64_t id, const hs_bar *b,
                        const char *source, int *outcome);
int hs_store__put_funding(hs_store *s, int64_t id, const hs_funding *f,
                          const char *source, int *outcome);
int hs_store__put_rate(hs_store *s, const char *series, const hs_rate *r,
                       const char *source, int *outcome);
/* Fast settings for a freshly created file being bulk-loaded (journal in
 * memory, no syncs). */
int hs_store__bulk_mode(hs_store *s);

#endif
