/* Tables as one HDF5 compound dataset: the one writer of such tables
 * (write_records below) behind both entry points, the record tables of
 * results.h (hs_h5_write_records: rows of C structs) and the column tables
 * of include/hedgesim/results_table.h (hs_h5_write_compound: columns packed
 * into rows first, units attribute after); readers for the field names and
 * for one field.  The writer's file handle comes from results_write.c
 * through hs_results__file. */
#include "results_int.h"

#include "hedgesim/errors.h"
#include "hedgesim/results_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static size_t col_size(hs_h5_coltype t)
{
    return t == HS_H5_COL_STR ? sizeof(const char *) : 8;
}

static size_t kind_size(hs_h5_kind k)
{
    return k == HS_H5_STR ? sizeof(const char *) : 8;
}

/* ---- the one writer of compound tables ------------------------------------ */

/* Every check of a record table before anything is written: the writer,
 * the path, the fields (a name that is non-empty, UTF-8 and unique, a
 * known kind, inside the row) and the text of every row. */
static int check_records(hs_h5 *h, const char *fn, const char *path,
                         const hs_h5_field *fields, size_t n_fields,
                         const void *rows, size_t row_size, size_t n_rows)
{
    const char *file = hs_h5_path(h);
    int rc;

    if (hs_results__file(h) < 0)
        return hs_error_set(HS_EINVAL, "%s: no open results writer", fn);
    if ((rc = hs_results__check_path(path, 0, "table")))
        return rc;
    if (!fields || n_fields == 0 || row_size == 0)
        return hs_error_set(HS_EINVAL, "%s: table '%s' has no columns", file,
                            path);
    if (n_rows > 0 && !rows)
        return hs_error_set(HS_EINVAL, "%s: NULL rows for table '%s'", file,
                            path);
    for (size_t k = 0; k < n_fields; k++) {
        const hs_h5_field *f = &fields[k];
        if (!f->name || !f->name[0] ||
            (f->kind != HS_H5_F64 && f->kind != HS_H5_I64 &&
             f->kind != HS_H5_STR) ||
            f->offset > row_size || kind_size(f->kind) > row_size - f->offset)
            return hs_error_set(HS_EINVAL, "%s: table '%s': bad field %zu",
                                file, path, k);
        if ((rc = hs_results__check_utf8(f->name, file, path, "column name")))
            return rc;
        for (size_t j = 0; j < k; j++)
            if (strcmp(fields[j].name, f->name) == 0)
                return hs_error_set(HS_EINVAL, "%s: table '%s': column '%s' "
                                    "is given twice", file, path, f->name);
        for (size_t i = 0; f->kind == HS_H5_STR && i < n_rows; i++) {
            const char *v;
            memcpy(&v, (const char *)rows + i * row_size + f->offset,
                   sizeof v);
            if ((rc = hs_results__check_utf8(v, file, path, f->name)))
                return rc;
        }
    }
    return 0;
}

/* A compound type of the fields: the memory type (native numbers at the
 * fields' offsets in a row of `size` bytes) or the file type (little-endian
 * numbers packed in field order); strings are variable-length UTF-8 in
 * both. */
static hid_t record_type(const hs_h5_field *fields, size_t n_fields,
                         size_t size, int file_type, hid_t str)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, size);
    size_t off = 0;
    if (t < 0)
        return H5I_INVALID_HID;
    for (size_t k = 0; k < n_fields; k++) {
        const hs_h5_field *f = &fields[k];
        hid_t m = f->kind == HS_H5_STR ? str
                  : f->kind == HS_H5_F64
                      ? (file_type ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE)
                      : (file_type ? H5T_STD_I64LE : H5T_NATIVE_INT64);
        if (H5Tinsert(t, f->name, file_type ? off : f->offset, m) < 0) {
            H5Tclose(t);
            return H5I_INVALID_HID;
        }
        off += kind_size(f->kind);
    }
    return t;
}

/* Write the record table `path`: one compound dataset of n_rows rows, in
 * one H5Dwrite.  `chunked`: chunk and compress it when it has more than
 * HS_H5_CHUNK_MIN cells (rows of HS_H5_CHUNK_ELEMS cells a chunk), else
 * (and always when 0) contiguous. */
static int write_records(hs_h5 *h, const char *fn, const char *path,
                         const hs_h5_field *fields, size_t n_fields,
                         const void *rows, size_t row_size, size_t n_rows,
                         int chunked)
{
    hid_t str = H5I_INVALID_HID, mt = H5I_INVALID_HID, ft = H5I_INVALID_HID;
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID;
    hid_t lcpl = H5I_INVALID_HID, dset = H5I_INVALID_HID;
    hid_t dxpl = H5I_INVALID_HID;
    const char *file;
    size_t fsize = 0;
    int rc;

    if ((rc = check_records(h, fn, path, fields, n_fields, rows, row_size,
                            n_rows)))
        return rc;
    file = hs_h5_path(h);
    for (size_t k = 0; k < n_fields; k++)
        fsize += kind_size(fields[k].kind);
    str = hs_results__vlen_str_type(H5T_CSET_UTF8);
    if (str >= 0) {
        mt = record_type(fields, n_fields, row_size, 0, str);
        ft = record_type(fields, n_fields, fsize, 1, str);
    }
    hsize_t dim = (hsize_t)n_rows;
    space = H5Screate_simple(1, &dim, NULL);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (str < 0 || mt < 0 || ft < 0 || space < 0 || dcpl < 0 || lcpl < 0 ||
        H5Pset_create_intermediate_group(lcpl, 1) < 0) {
        rc = hs_results__h5fail("%s: cannot set up table '%s'", file, path);
        goto done;
    }
    if (chunked && n_rows * n_fields > HS_H5_CHUNK_MIN) {
        hsize_t chunk = HS_H5_CHUNK_ELEMS / n_fields;
        if (chunk < 1)
            chunk = 1;
        if (chunk > n_rows)
            chunk = n_rows;
        if (H5Pset_chunk(dcpl, 1, &chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
            (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 &&
             H5Pset_deflate(dcpl, HS_H5_DEFLATE_LEVEL) < 0)) {
            rc = hs_results__h5fail("%s: cannot set chunking of table '%s'",
                                    file, path);
            goto done;
        }
    }
    /* Create directly; only when that fails, look the path up to tell an
     * existing object from an HDF5 failure. */
    dset = H5Dcreate2(hs_results__file(h), path, ft, space, lcpl, dcpl,
                      H5P_DEFAULT);
    if (dset < 0) {
        rc = hs_results__h5fail("%s: cannot create table '%s'", file, path);
        int found = hs_results__lookup(hs_results__file(h), file, path, NULL);
        if (found < 0)
            rc = found;
        else if (found > 0)
            rc = hs_error_set(HS_EEXISTS, "%s: '%s' already exists", file,
                              path);
        goto done;
    }
    /* The conversion to the packed file type goes through HDF5's type
     * conversion and background buffers, 1 MiB each (zeroed) unless told
     * otherwise: sized to the table instead (room for every row, in memory
     * and file layout, so it is still one pass). */
    if (n_rows > 0) {
        size_t per_row = row_size + fsize + 64;
        size_t bytes = n_rows <= ((size_t)-1 >> 1) / per_row
                           ? n_rows * per_row
                           : (size_t)1 << 20;
        if (bytes > ((size_t)1 << 20))
            bytes = (size_t)1 << 20; /* HDF5's default: no larger */
        dxpl = H5Pcreate(H5P_DATASET_XFER);
        if (dxpl < 0 || H5Pset_buffer(dxpl, bytes, NULL, NULL) < 0) {
            rc = hs_results__h5fail("%s: cannot set up writing table '%s'",
                                    file, path);
            goto done;
        }
    }
    if (n_rows > 0 && H5Dwrite(dset, mt, H5S_ALL, H5S_ALL, dxpl, rows) < 0) {
        rc = hs_results__h5fail("%s: cannot write table '%s'", file, path);
        goto done;
    }

done:
    hs_results__close(&dxpl, H5Pclose);
    hs_results__close(&dset, H5Dclose);
    hs_results__close(&lcpl, H5Pclose);
    hs_results__close(&dcpl, H5Pclose);
    hs_results__close(&space, H5Sclose);
    hs_results__close(&ft, H5Tclose);
    hs_results__close(&mt, H5Tclose);
    hs_results__close(&str, H5Tclose);
    return rc;
}

int hs_h5_write_records(hs_h5 *h, const char *path, const hs_h5_field *fields,
                        size_t n_fields, const void *rows, size_t row_size,
                        size_t n_rows)
{
    /* Contiguous, like string datasets: records are few and hold strings. */
    return write_records(h, "hs_h5_write_records", path, fields, n_fields,
                         rows, row_size, n_rows, 0);
}

/* ---- column tables --------------------------------------------------------- */

int hs_h5_columns_to_records(const char *name, const hs_h5_column *cols,
                             size_t ncols, size_t nrows, hs_h5_field **fields,
                             void **rows, size_t *row_size)
{
    hs_h5_field *f = NULL;
    unsigned char *buf = NULL;
    size_t rs = 0;

    *fields = NULL;
    *rows = NULL;
    *row_size = 0;
    if (!name)
        name = "(null)";
    if (!cols || ncols == 0)
        return hs_error_set(HS_EINVAL, "table '%s' has no columns", name);
    for (size_t j = 0; j < ncols; j++) {
        if (cols[j].type != HS_H5_COL_F64 && cols[j].type != HS_H5_COL_I64 &&
            cols[j].type != HS_H5_COL_STR)
            return hs_error_set(HS_EINVAL, "table '%s': column '%s' has an "
                                "unknown type", name,
                                cols[j].name ? cols[j].name : "(null)");
        if (nrows > 0 && !cols[j].data)
            return hs_error_set(HS_EINVAL, "table '%s': NULL data for column "
                                "'%s'", name,
                                cols[j].name ? cols[j].name : "(null)");
        rs += col_size(cols[j].type);
    }
    if (nrows > (size_t)-1 / rs)
        return hs_error_set(HS_ENOMEM, "table '%s' is too large", name);
    f = malloc(ncols * sizeof *f);
    buf = malloc(nrows ? nrows * rs : 1);
    if (!f || !buf) {
        free(f);
        free(buf);
        return hs_error_set(HS_ENOMEM, "out of memory");
    }
    /* Column j of row i at i * rs + offset(j). */
    for (size_t j = 0, off = 0; j < ncols; off += col_size(cols[j].type), j++) {
        const size_t sz = col_size(cols[j].type);
        f[j] = (hs_h5_field){cols[j].name,
                             cols[j].type == HS_H5_COL_F64   ? HS_H5_F64
                             : cols[j].type == HS_H5_COL_I64 ? HS_H5_I64
                                                             : HS_H5_STR,
                             off};
        for (size_t i = 0; i < nrows; i++)
            memcpy(buf + i * rs + off,
                   (const unsigned char *)cols[j].data + i * sz, sz);
    }
    *fields = f;
    *rows = buf;
    *row_size = rs;
    return 0;
}

int hs_h5_write_compound(hs_h5 *h, const char *path, const hs_h5_column *cols,
                         size_t ncols, size_t nrows)
{
    hs_h5_field *fields = NULL;
    void *rows = NULL;
    size_t rs;
    int rc;

    if (hs_results__file(h) < 0)
        return hs_error_set(HS_EINVAL, "hs_h5_write_compound: no open results "
                            "writer");
    if ((rc = hs_results__check_path(path, 0, "table")))
        return rc;
    if ((rc = hs_h5_columns_to_records(path, cols, ncols, nrows, &fields,
                                       &rows, &rs))) {
        hs_error_prefix("%s: ", hs_h5_path(h));
        return rc;
    }
    rc = write_records(h, "hs_h5_write_compound", path, fields, ncols, rows,
                       rs, nrows, 1);
    free(fields);
    free(rows);
    if (rc)
        return rc;

    int any_units = 0;
    for (size_t j = 0; j < ncols; j++)
        any_units |= cols[j].units && cols[j].units[0];
    if (any_units) {
        const char **u = malloc(ncols * sizeof *u);
        if (!u)
            return hs_error_set(HS_ENOMEM, "out of memory");
        for (size_t j = 0; j < ncols; j++)
            u[j] = cols[j].units ? cols[j].units : "";
        rc = hs_h5_attr_strings(h, path, "units", u, ncols);
        free(u);
    }
    return rc;
}

/* ---- readers ------------------------------------------------------------- */

/* Open `dset` of `file` and its (compound) type. */
static int open_compound(const char *file, const char *dset, hid_t *f,
                         hid_t *d, hid_t *t)
{
    struct stat st;
    H5I_type_t kind;
    int rc;

    *f = *d = *t = H5I_INVALID_HID;
    if ((rc = hs_results__check_path(dset, 0, "dataset")))
        return rc;
    if (!file || stat(file, &st) != 0)
        return hs_error_set(HS_EIO, "cannot open results file '%s': %s",
                            file ? file : "(null)", strerror(errno));
    *f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*f < 0)
        return hs_results__h5fail("cannot open '%s' as an HDF5 file", file);
    rc = hs_results__lookup(*f, file, dset, &kind);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return hs_error_set(HS_ENOTFOUND, "%s: no table '%s'", file, dset);
    if (kind != H5I_DATASET)
        return hs_error_set(HS_EDATA, "%s: '%s' is not a dataset", file, dset);
    *d = H5Dopen2(*f, dset, H5P_DEFAULT);
    *t = *d >= 0 ? H5Dget_type(*d) : H5I_INVALID_HID;
    if (*t < 0)
        return hs_results__h5fail("%s: cannot open '%s'", file, dset);
    if (H5Tget_class(*t) != H5T_COMPOUND)
        return hs_error_set(HS_EDATA, "%s: '%s' is not a compound table", file,
                            dset);
    return 0;
}

/* open_compound, then the index of column `field` in the table's type. */
static int open_column(const char *file, const char *dset, const char *field,
                       hid_t *f, hid_t *d, hid_t *t, int *idx)
{
    int rc = open_compound(file, dset, f, d, t);
    if (rc)
        return rc;
    *idx = field ? H5Tget_member_index(*t, field) : -1;
    if (*idx < 0)
        return hs_error_set(HS_ENOTFOUND, "%s: table '%s' has no column '%s'",
                            file, dset, field ? field : "(null)");
    return 0;
}

static void close3(hid_t *f, hid_t *d, hid_t *t)
{
    hs_results__close(t, H5Tclose);
    hs_results__close(d, H5Dclose);
    hs_results__close(f, H5Fclose);
}

int hs_h5_read_fields(const char *file, const char *dset, char ***out,
                      size_t *n)
{
    hid_t f, d, t;
    char **v = NULL;
    int rc, nm = 0;

    *out = NULL;
    *n = 0;
    if ((rc = open_compound(file, dset, &f, &d, &t)))
        goto done;
    nm = H5Tget_nmembers(t);
    if (nm < 0) {
        rc = hs_results__h5fail("%s: cannot inspect '%s'", file, dset);
        goto done;
    }
    v = calloc(nm ? (size_t)nm : 1, sizeof *v);
    if (!v) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    for (int j = 0; j < nm; j++) {
        char *name = H5Tget_member_name(t, (unsigned)j);
        v[j] = name ? strdup(name) : NULL;
        H5free_memory(name);
        if (!v[j]) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
    }
    *out = v;
    *n = (size_t)nm;
    v = NULL;
done:
    hs_h5_strings_free(v, nm > 0 ? (size_t)nm : 0);
    close3(&f, &d, &t);
    return rc;
}

static int read_field(const char *file, const char *dset, const char *field,
                      H5T_class_t cls, hid_t native, void **out, size_t *n)
{
    hid_t f, d, t, mt = H5I_INVALID_HID, s = H5I_INVALID_HID;
    void *buf = NULL;
    int rc, idx;

    *out = NULL;
    *n = 0;
    if ((rc = open_column(file, dset, field, &f, &d, &t, &idx)))
        goto done;
    if (H5Tget_member_class(t, (unsigned)idx) != cls) {
        rc = hs_error_set(HS_EDATA, "%s: column '%s' of '%s' is not %s", file,
                          field, dset,
                          cls == H5T_FLOAT ? "floating-point" : "an integer");
        goto done;
    }
    s = H5Dget_space(d);
    hssize_t np = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    mt = H5Tcreate(H5T_COMPOUND, 8);
    if (np < 0 || mt < 0 || H5Tinsert(mt, field, 0, native) < 0) {
        rc = hs_results__h5fail("%s: cannot read column '%s' of '%s'", file,
                                field, dset);
        goto done;
    }
    if (np > 0) {
        buf = malloc((size_t)np * 8);
        if (!buf) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
            rc = hs_results__h5fail("%s: cannot read column '%s' of '%s'",
                                    file, field, dset);
            goto done;
        }
    }
    *out = buf;
    *n = (size_t)np;
    buf = NULL;
done:
    free(buf);
    hs_results__close(&mt, H5Tclose);
    hs_results__close(&s, H5Sclose);
    close3(&f, &d, &t);
    return rc;
}

int hs_h5_read_field_f64(const char *file, const char *dset,
                         const char *field, double **out, size_t *n)
{
    void *p = NULL;
    int rc = read_field(file, dset, field, H5T_FLOAT, H5T_NATIVE_DOUBLE, &p, n);
    *out = p;
    return rc;
}

int hs_h5_read_field_i64(const char *file, const char *dset,
                         const char *field, int64_t **out, size_t *n)
{
    void *p = NULL;
    int rc =
        read_field(file, dset, field, H5T_INTEGER, H5T_NATIVE_INT64, &p, n);
    *out = p;
    return rc;
}

int hs_h5_read_field_strings(const char *file, const char *dset,
                             const char *field, char ***out, size_t *n)
{
    hid_t f, d, t, mt = H5I_INVALID_HID, st = H5I_INVALID_HID,
                   s = H5I_INVALID_HID;
    char **raw = NULL, **res = NULL;
    hssize_t np = 0;
    int rc, idx, got = 0;

    *out = NULL;
    *n = 0;
    if ((rc = open_column(file, dset, field, &f, &d, &t, &idx)))
        goto done;
    if (H5Tget_member_class(t, (unsigned)idx) != H5T_STRING) {
        rc = hs_error_set(HS_EDATA, "%s: column '%s' of '%s' is not text",
                          file, field, dset);
        goto done;
    }
    s = H5Dget_space(d);
    np = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    st = hs_results__vlen_str_type(H5T_CSET_UTF8);
    mt = H5Tcreate(H5T_COMPOUND, sizeof(char *));
    if (np < 0 || st < 0 || mt < 0 || H5Tinsert(mt, field, 0, st) < 0) {
        rc = hs_results__h5fail("%s: cannot read column '%s' of '%s'", file,
                                field, dset);
        goto done;
    }
    raw = calloc(np ? (size_t)np : 1, sizeof *raw);
    res = calloc(np ? (size_t)np : 1, sizeof *res);
    if (!raw || !res) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    if (np > 0) {
        if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
            rc = hs_results__h5fail("%s: cannot read column '%s' of '%s'",
                                    file, field, dset);
            goto done;
        }
        got = 1;
    }
    for (hssize_t i = 0; i < np; i++)
        if (!(res[i] = strdup(raw[i] ? raw[i] : ""))) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
    *out = res;
    *n = (size_t)np;
    res = NULL;
done:
    if (got)
        H5Dvlen_reclaim(mt, s, H5P_DEFAULT, raw);
    hs_h5_strings_free(res, (size_t)(np > 0 ? np : 0));
    free(raw);
    hs_results__close(&mt, H5Tclose);
    hs_results__close(&st, H5Tclose);
    hs_results__close(&s, H5Sclose);
    close3(&f, &d, &t);
    return rc;
}
