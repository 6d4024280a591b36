/* Internals of the results module shared by its files (not API).
 *
 * The results module is three files around one public header,
 * include/hedgesim/results.h:
 *   results_h5.c     the HDF5 layer both sides use: HDF5 errors turned into
 *                    hs_error_set messages, path and UTF-8 checks, string
 *                    types, object lookup, attribute reads on an open file;
 *   results_write.c  the atomic writer (hs_h5_create ... hs_h5_commit) and
 *                    everything that writes: groups, attributes, datasets,
 *                    tables;
 *   results_read.c   the readers (hs_h5_exists, hs_h5_read_*);
 *   results_table.c  compound tables, written and read (results_table.h),
 *                    on the writer's file through hs_results__file.
 * results_run.c (the layout of a strategy-run file, results_run.h) sits on
 * top and uses only the public hs_h5_* calls.
 *
 * Names: the public calls keep the prefix hs_h5_ (they are the HDF5 layer of
 * the results module, named for the format, and callers throughout the CLI,
 * results_run.c and the tests use them); the internals shared here follow
 * the module name, hs_results__*.  Every function below sets the thread's
 * error message (hs_error_set) when it returns a negative code. */
#ifndef HS_RESULTS_INT_H
#define HS_RESULTS_INT_H

#include <hdf5.h>

#include <stddef.h>

/* Record an HDF5 failure: the formatted context (which names the file and
 * the object), then HDF5's innermost message if it has one.  Must be called
 * right after the failing HDF5 call, before the next one clears the stack.
 * Returns HS_EHDF5. */
int hs_results__h5fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Close *id with `closer` if it is valid, and mark it invalid. */
void hs_results__close(hid_t *id, herr_t (*closer)(hid_t));

/* 0 if p is an absolute object path without empty, "." or ".." components
 * ("/" only if allow_root), else HS_EINVAL naming `what`. */
int hs_results__check_path(const char *p, int allow_root, const char *what);

/* 0 if s is valid UTF-8, else HS_EINVAL naming file, obj, what and the byte
 * offset (HS_EINVAL also for s NULL). */
int hs_results__check_utf8(const char *s, const char *file, const char *obj,
                           const char *what);

/* A variable-length string type of the given character set (the caller
 * closes it), or H5I_INVALID_HID. */
hid_t hs_results__vlen_str_type(H5T_cset_t cset);

/* Does `path` name an object in f?  1 (with its kind in *type, if type is
 * not NULL), 0, or a negative error naming fname.  Walks the path one
 * component at a time, because HDF5 fails rather than answering "no" when a
 * parent is missing. */
int hs_results__lookup(hid_t f, const char *fname, const char *path,
                       H5I_type_t *type);

/* Read the n string elements of a dataset or attribute (is_attr) of file
 * type ftype and dataspace space into the caller's dst[0..n-1] as malloc'ed
 * copies (fixed-size or variable-length strings).  `label` names the object
 * in messages. */
int hs_results__read_str_elems(hid_t obj, int is_attr, hid_t ftype,
                               hid_t space, size_t n, char **dst,
                               const char *fname, const char *label);

/* Attribute obj@name (string class, any shape) of the open file f as an
 * array of copies; *out freed with hs_h5_strings_free. */
int hs_results__attr_strings(hid_t f, const char *fname, const char *obj,
                             const char *name, char ***out, size_t *n);

/* A one-element numeric attribute of class `cls` (H5T_FLOAT or H5T_INTEGER)
 * of the open file f, read as mtype into buf. */
int hs_results__attr_scalar(hid_t f, const char *fname, const char *obj,
                            const char *name, H5T_class_t cls, hid_t mtype,
                            void *buf);

/* The open HDF5 file of a writer (results_write.c), for the other writers
 * of the module (results_table.c); H5I_INVALID_HID when h is NULL or
 * ended.  Borrowed: never closed by the caller. */
struct hs_h5;
hid_t hs_results__file(const struct hs_h5 *h);

#endif
