/* HDF5 results files: an atomic writer and a small reader.
 *
 * This is the HDF5 layer of the results module, and its calls carry the
 * prefix hs_h5_ rather than hs_results_: they are named for the file format,
 * hold no knowledge of what a run writes, and the CLI, results_run.c (the
 * layout of a strategy-run file, results_run.h) and the tests all use them
 * under that name.  Implementation: src/run/results_write.c (writer),
 * src/run/results_read.c (reader), src/run/results_h5.c (what both share, declared
 * in src/run/results_int.h).
 *
 * One results file per run.  The writer builds it in memory, writes it under
 * a temporary name in the destination directory ("<path>.tmp.<pid>.<n>") and
 * renames it to the final name only in hs_h5_commit, after everything is
 * written, closed and fsync'ed: nothing half-written ever appears under the
 * final name, and a failed or aborted run leaves no file behind.  It never
 * replaces anything but a hedgesim results file (hs_h5_opts).
 *
 * Conventions (docs/results-format.md has them for Python users too):
 *   - Object paths are absolute ("/calendar/time"); groups are created on
 *     demand, so writing "/a/b/x" creates /a and /a/b.
 *   - Numbers are stored as little-endian IEEE doubles (H5T_IEEE_F64LE),
 *     64-bit signed integers (H5T_STD_I64LE) and bytes (H5T_STD_U8LE),
 *     whatever the machine.  2-D arrays are row-major, as in C and numpy.
 *   - Strings, in attributes and datasets, are variable-length UTF-8: h5py
 *     returns attributes as `str`; string datasets are read with
 *     `ds.asstr()[()]`.  Text that is not valid UTF-8 is refused (HS_EINVAL).
 *     Newlines and any length are fine (the config text is stored verbatim).
 *   - Times are int64 milliseconds since 1970-01-01 UTC, in datasets named
 *     `time` with units HS_H5_UNITS_TIME_MS (see hs_h5_write_time).
 *   - Any object may carry `units` and `description` string attributes
 *     (hs_h5_describe).
 *   - A table is a group of equal-length 1-D column datasets, with
 *     attributes `nrows` (int64) and `columns` (1-D string array: the column
 *     names in the order they were written).
 *   - Datasets with more than HS_H5_CHUNK_MIN elements are chunked and
 *     compressed (shuffle + deflate level HS_H5_DEFLATE_LEVEL); smaller
 *     ones, and string datasets, are contiguous.
 *   - Root attributes set by hs_h5_create itself: `hedgesim_version` (str,
 *     e.g. "0.1.0"), `created_utc` (str, ISO 8601 "2025-01-31T12:00:00Z"),
 *     `results_format` (int64, HS_H5_FORMAT_VERSION).  Run writers add the
 *     command line, the config text, the seed and the dataset hash.
 *
 * Errors: HS_EINVAL (bad argument or path), HS_EEXISTS, HS_ENOTFOUND,
 * HS_EIO (file system), HS_EDATA (object of the wrong kind, type or shape),
 * HS_ENOMEM, HS_EHDF5 (HDF5 failure: the message names the file, the object
 * path and HDF5's innermost error).  Call hs_init() first so that HDF5 does
 * not print its own error stack.  A writer handle must not be used by two
 * threads at once; distinct handles and the readers may be (the HDF5 library
 * serialises its calls when built thread-safe, as Debian's is). */
#ifndef HEDGESIM_RESULTS_H
#define HEDGESIM_RESULTS_H

#include <stddef.h>
#include <stdint.h>

/* Version of the conventions above, stored as root attribute results_format.
 * Bumped when a reader written for the old layout would misread a file. */
#define HS_H5_FORMAT_VERSION 1

/* Datasets with more elements than this are chunked and compressed. */
#define HS_H5_CHUNK_MIN 4096
/* Target number of elements per chunk (128 KiB of doubles). */
#define HS_H5_CHUNK_ELEMS 16384
/* zlib level for compressed datasets (with the shuffle filter before it). */
#define HS_H5_DEFLATE_LEVEL 4

/* The `units` text of time datasets. */
#define HS_H5_UNITS_TIME_MS "ms since 1970-01-01T00:00:00Z"

/* ---- writer ------------------------------------------------------------ */

/* A results file being written.  Opaque; ends with commit or abort. */
typedef struct hs_h5 hs_h5;

/* What the writer may replace.  Whatever the options, it replaces only a
 * regular file that is a hedgesim results file (an HDF5 file with the root
 * attributes results_format and hedgesim_version): it refuses an output
 * path that is a directory, a device, a FIFO, a socket or a symbolic link
 * (HS_EIO), and one that is an SQLite database, an empty file, a file that
 * is not HDF5, an HDF5 file hedgesim did not write, or one of `keep`
 * (HS_EEXISTS).  The exception is the null device: a path that is
 * /dev/null (by device number, so also a link to it) discards the results:
 * the file is built and checked in memory, nothing is written, and neither
 * force nor a temporary file is involved. */
typedef struct hs_h5_opts {
    int force;               /* replace an existing hedgesim results file */
    const char *const *keep; /* [n_keep] files never to be replaced, compared
                              * with the output by device and inode (so a
                              * link or another spelling is caught): the
                              * market store, the config.  NULL entries are
                              * skipped; borrowed, copied by the writer */
    size_t n_keep;
} hs_h5_opts;

#define HS_H5_OPTS_INIT {0, NULL, 0}

/* Start writing the results file `path`.
 * If `path` exists: refused as described at hs_h5_opts, else HS_EEXISTS
 * without force (the message says to use --force); the existing file is not
 * touched.  With force an existing results file is replaced at commit time
 * (until then it stays as it was).  The directory of `path` must exist and be
 * writable, else HS_EIO naming the path and the directory.  The file is
 * built in memory and gets the root attributes listed above; a temporary
 * file "<path>.tmp.<pid>.<n>" is claimed (created empty and locked) beside
 * `path` and receives the file at commit.  Temporary files that writers
 * killed before their commit left in that directory (their process is gone
 * and holds no lock) are removed first.  On success *out is the caller's,
 * to be ended with hs_h5_commit or hs_h5_abort; on failure *out is NULL and
 * nothing is left on disk.  opts may be NULL (HS_H5_OPTS_INIT).  Returns 0,
 * HS_EINVAL, HS_EEXISTS, HS_EIO, HS_ENOMEM or HS_EHDF5. */
int hs_h5_create_opts(hs_h5 **out, const char *path, const hs_h5_opts *opts);

/* hs_h5_create_opts with only `force`. */
int hs_h5_create(hs_h5 **out, const char *path, int force);

/* The checks hs_h5_create_opts makes of an existing `path`, without writing
 * anything: 0 if `path` may be written (it does not exist, is the null
 * device, or is a results file and opts->force is set), else the error and
 * message hs_h5_create_opts would give.  For commands that check before a
 * long computation. */
int hs_h5_check_output(const char *path, const hs_h5_opts *opts);

/* 1 if `path` is the null device (results discarded), else 0. */
int hs_h5_null_output(const char *path);

/* The final path given to hs_h5_create.  Borrowed from h. */
const char *hs_h5_path(const hs_h5 *h);

/* The temporary file that receives the file at commit (NULL when the results
 * are discarded).  Borrowed from h. */
const char *hs_h5_tmp_path(const hs_h5 *h);

/* Finish: close every HDF5 handle, write the file to its temporary name and
 * fsync it, and rename it to the final path (with force, replacing what is
 * there only if it is still a results file that may be replaced, checked
 * again now; without force a file that appeared there meanwhile gives
 * HS_EEXISTS and is left alone), then fsync the directory (best effort).
 * A full disk or a file size limit is HS_EIO naming the file and the
 * system's reason.  Frees h in every case; on failure
 * the temporary file is removed and nothing is created under the final name.
 * Returns 0, HS_EINVAL (h NULL), HS_EEXISTS, HS_EIO or HS_EHDF5. */
int hs_h5_commit(hs_h5 *h);

/* Give up: close and unlink the temporary file, free h.  NULL is harmless.
 * An existing file at the final path is never touched. */
void hs_h5_abort(hs_h5 *h);

/* Create group `path` and any missing parents.  A group that already exists
 * is fine (returns 0); a dataset of that name is HS_EEXISTS. */
int hs_h5_group(hs_h5 *h, const char *path);

/* Attributes on the existing object `obj` ("/" for the root, a group or a
 * dataset); HS_ENOTFOUND if it does not exist.  An attribute of the same name
 * is replaced.  Strings are copied; value must be valid UTF-8 (HS_EINVAL
 * otherwise, naming the attribute and the byte offset). */
int hs_h5_attr_str(hs_h5 *h, const char *obj, const char *name,
                   const char *value);
int hs_h5_attr_f64(hs_h5 *h, const char *obj, const char *name, double value);
int hs_h5_attr_i64(hs_h5 *h, const char *obj, const char *name,
                   int64_t value);
/* A 1-D double attribute of n values (n >= 1), e.g. quantile levels. */
int hs_h5_attr_f64v(hs_h5 *h, const char *obj, const char *name,
                    const double *values, size_t n);
/* A 1-D string attribute of n entries (n >= 1, none NULL). */
int hs_h5_attr_strings(hs_h5 *h, const char *obj, const char *name,
                       const char *const *values, size_t n);

/* 1-D datasets of n elements at `path` (parents created).  data may be NULL
 * when n is 0.  The data are copied into the file; the caller keeps them.
 * HS_EEXISTS if an object already exists at path. */
int hs_h5_write_f64(hs_h5 *h, const char *path, const double *data, size_t n);
int hs_h5_write_i64(hs_h5 *h, const char *path, const int64_t *data,
                    size_t n);
int hs_h5_write_u8(hs_h5 *h, const char *path, const uint8_t *data, size_t n);

/* A time axis: int64 ms UTC, written like hs_h5_write_i64 with the `units`
 * attribute HS_H5_UNITS_TIME_MS.  By convention the dataset is named `time`
 * ("/calendar/time"). */
int hs_h5_write_time(hs_h5 *h, const char *path, const int64_t *ms, size_t n);

/* A rows x cols dataset of doubles from row-major data (element (i, j) at
 * data[i * cols + j]); chunks span whole rows where a row fits in one. */
int hs_h5_write_f64_2d(hs_h5 *h, const char *path, const double *data,
                       size_t rows, size_t cols);

/* A 1-D dataset of n variable-length UTF-8 strings (none NULL). */
int hs_h5_write_strings(hs_h5 *h, const char *path, const char *const *s,
                        size_t n);

/* Set the `units` and/or `description` string attributes of `path`; either
 * may be NULL to leave it out.  Units are short physical units ("USD",
 * "ms", "1" for dimensionless ratios, "1/year"); the description is one
 * sentence for a reader of the file. */
int hs_h5_describe(hs_h5 *h, const char *path, const char *units,
                   const char *description);

/* Tables.  hs_h5_table creates group `path` (HS_EEXISTS if it exists) with
 * attributes nrows and an empty columns list.  Each column call writes the
 * 1-D dataset path/column with exactly nrows elements (read from data) and
 * appends its name to `columns`.  HS_EINVAL if `path` is not a table or the
 * column name is empty or contains '/'; HS_EEXISTS for a duplicate column. */
int hs_h5_table(hs_h5 *h, const char *path, size_t nrows);
int hs_h5_table_f64(hs_h5 *h, const char *path, const char *column,
                    const double *data);
int hs_h5_table_i64(hs_h5 *h, const char *path, const char *column,
                    const int64_t *data);
int hs_h5_table_strings(hs_h5 *h, const char *path, const char *column,
                        const char *const *data);

/* Record tables: one compound dataset of n_rows records, each field a
 * column, read by pandas in one line:
 *     pandas.DataFrame(h5py.File(f)["/stress/summary"][()])
 * `rows` holds n_rows structs of row_size bytes; field k is at byte
 * fields[k].offset of each: a double (HS_H5_F64, stored <f8), an int64_t
 * (HS_H5_I64, <i8) or a `const char *` (HS_H5_STR, variable-length UTF-8;
 * h5py returns bytes).  Fields are stored packed, in the order given;
 * the dataset is contiguous.  The data are copied.  HS_EINVAL for no
 * fields, a field with an empty, duplicate or non-UTF-8 name or an unknown
 * kind, a field outside the row, NULL rows, or text that is NULL or not
 * UTF-8; HS_EEXISTS if `path` exists.  The same writer as the column
 * tables of results_table.h (src/run/results_table.c). */
typedef enum hs_h5_kind { HS_H5_F64, HS_H5_I64, HS_H5_STR } hs_h5_kind;
typedef struct hs_h5_field {
    const char *name;
    hs_h5_kind kind;
    size_t offset; /* offsetof(row struct, member) */
} hs_h5_field;
int hs_h5_write_records(hs_h5 *h, const char *path, const hs_h5_field *fields,
                        size_t n_fields, const void *rows, size_t row_size,
                        size_t n_rows);

/* ---- reader ------------------------------------------------------------ */
/* Each call opens `file` read-only and closes it again.  HS_EIO if the file
 * cannot be opened, HS_EHDF5 if it is not HDF5, HS_ENOTFOUND if the object or
 * attribute does not exist, HS_EDATA if it has the wrong kind (a group where
 * a dataset was asked for), type class (integer vs floating point vs string)
 * or rank.  Arrays are returned in memory the caller owns and frees with
 * free() (string arrays with hs_h5_strings_free); an empty dataset gives
 * *out = NULL and a zero count.  On failure *out is NULL. */

/* 1 if `objpath` (a group, dataset or "/") exists in `file`, 0 if not, or a
 * negative error if the file cannot be read. */
int hs_h5_exists(const char *file, const char *objpath);

/* A 1-D floating-point dataset, as doubles. */
int hs_h5_read_f64(const char *file, const char *dset, double **out,
                   size_t *n);
/* A 1-D integer dataset, as int64 (e.g. a `time` axis). */
int hs_h5_read_i64(const char *file, const char *dset, int64_t **out,
                   size_t *n);
/* A 1-D dataset of unsigned bytes (1-byte unsigned integers only). */
int hs_h5_read_u8(const char *file, const char *dset, uint8_t **out,
                  size_t *n);
/* A 2-D floating-point dataset, row-major. */
int hs_h5_read_f64_2d(const char *file, const char *dset, double **out,
                      size_t *rows, size_t *cols);
/* A 1-D string dataset (variable-length or fixed-size); *out is an array of
 * n NUL-terminated copies. */
int hs_h5_read_strings(const char *file, const char *dset, char ***out,
                       size_t *n);
/* Free what hs_h5_read_strings / hs_h5_read_attr_strings returned.  NULL is
 * harmless. */
void hs_h5_strings_free(char **s, size_t n);

/* Attribute `name` of object `obj`.  Scalars (or 1-element arrays). */
int hs_h5_read_attr_str(const char *file, const char *obj, const char *name,
                        char **out);
int hs_h5_read_attr_f64(const char *file, const char *obj, const char *name,
                        double *out);
int hs_h5_read_attr_i64(const char *file, const char *obj, const char *name,
                        int64_t *out);
/* A 1-D string attribute (a table's `columns`). */
int hs_h5_read_attr_strings(const char *file, const char *obj,
                            const char *name, char ***out, size_t *n);

#endif
