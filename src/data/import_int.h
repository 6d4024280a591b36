/* The importers' internals, shared by import*.c only.  Dependencies go one
 * way, downwards:
 *
 *   import.c (entry points, manifest, build)
 *     -> import_series.c (bars, funding, DVOL, FRED)
 *     -> import_options.c (option chain snapshots)
 *        -> import_columns.c (header aliases, --columns, look-alikes)
 *        -> import_formats.c (format table, shared helpers)
 *           -> the store's writer (store_int.h) and the CSV reader
 *
 * No file calls a file above it. */
#ifndef HS_IMPORT_INT_H
#define HS_IMPORT_INT_H

#include "hedgesim/csv.h"
#include "hedgesim/store.h"
#include "store_int.h"

/* ------------------------------------------------------ import_formats.c */

/* What a format imports and its defaults. */
typedef struct hs_import__format_info {
    const char *name;
    const char *summary;
    int kind;          /* the one kind it imports, -1: spot/perp/future,
                        * -2: a rate series (no instrument) */
    const char *venue; /* defaults for the instrument and its rows */
    const char *source;
    const char *quote; /* NULL: the underlying (coin-quoted options) */
    int inverse;
} hs_import__format_info;

/* The table entry of `f` (static), NULL for an invalid format. */
const hs_import__format_info *hs_import__format(hs_format f);
/* The kind a format imports when none is given. */
hs_kind hs_import__default_kind(hs_format f);

/* `value` if it is a non-empty string, else `fallback`. */
const char *hs_import__or(const char *value, const char *fallback);

/* Files below this size report no progress. */
#define HS_IMPORT_PROGRESS_MIN_BYTES (1LL << 20)
/* Call per record: reports HS_IMPORT_READING through o->progress at every
 * further tenth of a file of at least HS_IMPORT_PROGRESS_MIN_BYTES.  *last
 * holds the last reported tenth (start at -1). */
void hs_import__progress(const hs_csv *c, const hs_import_opts *o, int *last);

/* HS_EDATA "FILE:LINE: field 'F': <message>". */
int hs_import__bad(const hs_csv *c, const char *field, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* The column named `name` in the header into *col, else HS_EPARSE naming
 * the file and line. */
int hs_import__need_column(const hs_csv *c, const char *name, int *col);
/* Parse a time from a file (hs_cal_parse_time) with the documented rule
 * for epoch counts: 13 digits (ms) or 10 (s, optionally "x.0"), no sign.
 * HS_EPARSE with a message naming the text. */
int hs_import__parse_time(const char *text, int64_t *ts);
/* Field `col` of the current record as a time (hs_import__parse_time);
 * HS_EPARSE "FILE:LINE: field 'what': ..." when it is missing or bad. */
int hs_import__time(const hs_csv *c, int col, const char *what, int64_t *ts);
/* The next record (hs_csv_next), refused (HS_EPARSE naming the file and
 * line) when it has more fields than the header's `nheader`. */
int hs_import__next(hs_csv *c, int nheader);
/* Read the header, skipping a banner line: if the first record does not
 * name `col` (and has at most two fields), the next one is the header. */
int hs_import__read_header(hs_csv *c, const char *col);

/* ------------------------------------------------------ import_columns.c */

/* The roles of a bar file's columns. */
enum {
    HS_IMPORT__TS = 0,
    HS_IMPORT__OPEN,
    HS_IMPORT__HIGH,
    HS_IMPORT__LOW,
    HS_IMPORT__CLOSE,
    HS_IMPORT__VOLUME,
    HS_IMPORT__ADJ,
    HS_IMPORT__NCOL
};
/* "ts", "open", ..., "adj_close". */
const char *hs_import__role_name(int role);
/* The header column of `role`: the name `spec` (--columns, may be NULL)
 * maps it to, else the first alias found (case-insensitive); -1 if none. */
int hs_import__find_column(const hs_csv *c, const char *spec, int role);
/* 1 if `spec` maps `role`. */
int hs_import__mapped(const char *spec, int role);
/* HS_EINVAL naming the item if `spec` is not FIELD=HEADER,... */
int hs_import__check_columns(const char *path, const char *spec);
/* 1 if the current record has 5+ fields, all numbers (a data row). */
int hs_import__numeric_record(const hs_csv *c);
/* The known format a header (the current record) looks like, or NULL. */
const char *hs_import__looks_like(const hs_csv *c);

/* -------------------------------------- the importers for one file each
 * Run inside the caller's transaction, with options already checked;
 * `stats` zeroed by the caller. */

/* import_series.c: every format that is not an option chain. */
int hs_import__series(hs_store *s, const char *path, const hs_import_opts *o,
                      hs_import_stats *stats);
/* import_options.c: deribit-ticker, deribit-marks, deribit-usd. */
int hs_import__options(hs_store *s, const char *path,
                       const hs_import_opts *o, hs_import_stats *stats);

#endif
