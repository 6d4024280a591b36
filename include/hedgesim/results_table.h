/* Tables as one HDF5 compound dataset: a row per record, a field per
 * column, written in one operation.  h5py reads such a table as a numpy
 * structured array, so pandas reads it in one line:
 *
 *     df = pd.DataFrame(h5py.File("x.h5")["/sweep/summary"][()])
 *
 * Two ways in, one writer behind them: the record tables of results.h
 * (hs_h5_write_records: rows of C structs, e.g. /stress/summary, the
 * /mc tables) and the column tables here (hs_h5_write_compound: one array
 * per column, with units, e.g. /sweep/summary), which are packed into
 * records (hs_h5_columns_to_records) and written by the same code, so both
 * give the same file types: numbers as H5T_IEEE_F64LE and H5T_STD_I64LE,
 * strings as variable-length UTF-8 (h5py returns them as bytes), fields
 * packed in order.  Column tables with more than HS_H5_CHUNK_MIN cells are
 * chunked and compressed as results.h describes for datasets; record
 * tables are contiguous.  The older group-of-columns tables of results.h
 * (hs_h5_table*) remain where existing files use them.  Part of the
 * results module: src/run/results_table.c. */
#ifndef HEDGESIM_RESULTS_TABLE_H
#define HEDGESIM_RESULTS_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "hedgesim/results.h"

typedef enum hs_h5_coltype {
    HS_H5_COL_F64 = 0, /* data: const double[nrows] */
    HS_H5_COL_I64,     /* data: const int64_t[nrows] */
    HS_H5_COL_STR      /* data: const char *const[nrows], UTF-8, none NULL */
} hs_h5_coltype;

/* One column (everything borrowed for the call). */
typedef struct hs_h5_column {
    const char *name;   /* field name: non-empty, unique in the table */
    hs_h5_coltype type;
    const void *data;   /* [nrows] values (may be NULL when nrows is 0) */
    const char *units;  /* NULL or "": none */
} hs_h5_column;

/* Write the table `path` (parents created) of nrows rows and ncols >= 1
 * columns as one compound dataset, in one write.  When a column has units,
 * the dataset gets a 1-D string attribute `units` with one entry per column
 * ("" where none).  HS_EINVAL (no columns, an empty, duplicate or non-UTF-8
 * name or string, NULL data), HS_EEXISTS (something exists at path),
 * HS_ENOMEM, HS_EHDF5. */
int hs_h5_write_compound(hs_h5 *h, const char *path, const hs_h5_column *cols,
                         size_t ncols, size_t nrows);

/* The records of a column table, as hs_h5_write_compound writes them: field
 * j is {cols[j].name, its kind, offset of column j}, columns packed in
 * order (8 bytes for a number, sizeof(char *) for a string), and row i of
 * *rows holds cell i of every column.  For code that wants a column table
 * as rows (hs_summary_print).  *fields (ncols entries) and *rows (nrows
 * rows of *row_size bytes) are malloc'ed: the caller frees both; names and
 * strings stay borrowed from cols.  `name` names the table in messages.
 * HS_EINVAL (no columns, a column of an unknown type, NULL data with
 * nrows > 0), HS_ENOMEM; on failure both are NULL. */
int hs_h5_columns_to_records(const char *name, const hs_h5_column *cols,
                             size_t ncols, size_t nrows, hs_h5_field **fields,
                             void **rows, size_t *row_size);

/* Readers (each opens `file` read-only and closes it).  The field names of
 * the compound dataset `dset`, in order: *out freed with hs_h5_strings_free.
 * HS_ENOTFOUND (no such dataset), HS_EDATA (not a compound dataset), HS_EIO,
 * HS_EHDF5. */
int hs_h5_read_fields(const char *file, const char *dset, char ***out,
                      size_t *n);
/* Column `field` of the compound dataset `dset` as doubles (a
 * floating-point field) or int64 (an integer field); *out malloc'ed, the
 * caller frees it (NULL for 0 rows).  HS_ENOTFOUND for a missing dataset or
 * field, HS_EDATA for a field of another class. */
int hs_h5_read_field_f64(const char *file, const char *dset,
                         const char *field, double **out, size_t *n);
int hs_h5_read_field_i64(const char *file, const char *dset,
                         const char *field, int64_t **out, size_t *n);
/* Column `field` of text of the compound dataset `dset`: *out freed with
 * hs_h5_strings_free.  HS_EDATA for a field that is not text. */
int hs_h5_read_field_strings(const char *file, const char *dset,
                             const char *field, char ***out, size_t *n);

#endif
