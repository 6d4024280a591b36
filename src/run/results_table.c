/* Tables as one HDF5 compound dataset (include/hedgesim/results_table.h):
 * the rows packed into one buffer, written with one H5Dwrite; readers for
 * the field names and for one field.  The writer's file handle comes from
 * results_write.c through hs_results__file. */
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

static int check_columns(const char *file, const char *path,
                         const hs_h5_column *cols, size_t ncols, size_t nrows)
{
    int rc;
    if (!cols || ncols == 0)
        return hs_error_set(HS_EINVAL, "%s: table '%s' has no columns", file,
                            path);
    for (size_t j = 0; j < ncols; j++) {
        const hs_h5_column *c = &cols[j];
        if (!c->name || !c->name[0])
            return hs_error_set(HS_EINVAL, "%s: table '%s': column %zu has no "
                                "name", file, path, j);
        if ((rc = hs_results__check_utf8(c->name, file, path, "column name")))
            return rc;
        for (size_t k = 0; k < j; k++)
            if (strcmp(cols[k].name, c->name) == 0)
                return hs_error_set(HS_EINVAL, "%s: table '%s': column '%s' "
                                    "is given twice", file, path, c->name);
        if (c->type != HS_H5_COL_F64 && c->type != HS_H5_COL_I64 &&
            c->type != HS_H5_COL_STR)
            return hs_error_set(HS_EINVAL, "%s: table '%s': column '%s' has "
                                "an unknown type", file, path, c->name);
        if (nrows > 0 && !c->data)
            return hs_error_set(HS_EINVAL, "%s: table '%s': NULL data for "
                                "column '%s'", file, path, c->name);
        if (c->type == HS_H5_COL_STR) {
            const char *const *s = c->data;
            for (size_t i = 0; i < nrows; i++)
                if ((rc = hs_results__check_utf8(s[i], file, path, c->name)))
                    return rc;
        }
    }
    return 0;
}

/* The compound type of the packed rows: native numbers (memory) or their
 * little-endian file types; strings are variable-length UTF-8 in both. */
static hid_t row_type(const hs_h5_column *cols, size_t ncols, size_t rowsize,
                      int file_type, hid_t str)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, rowsize);
    size_t off = 0;
    if (t < 0)
        return H5I_INVALID_HID;
    for (size_t j = 0; j < ncols; j++) {
        hid_t m = cols[j].type == HS_H5_COL_STR ? str
                  : cols[j].type == HS_H5_COL_F64
                      ? (file_type ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE)
                      : (file_type ? H5T_STD_I64LE : H5T_NATIVE_INT64);
        if (H5Tinsert(t, cols[j].name, off, m) < 0) {
            H5Tclose(t);
            return H5I_INVALID_HID;
        }
        off += col_size(cols[j].type);
    }
    return t;
}

int hs_h5_write_compound(hs_h5 *h, const char *path, const hs_h5_column *cols,
                         size_t ncols, size_t nrows)
{
    hid_t f = hs_results__file(h);
    hid_t str = H5I_INVALID_HID, mt = H5I_INVALID_HID, ft = H5I_INVALID_HID;
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID;
    hid_t lcpl = H5I_INVALID_HID, dset = H5I_INVALID_HID;
    unsigned char *buf = NULL;
    const char *file = hs_h5_path(h);
    size_t rowsize = 0;
    int rc;

    if (f < 0)
        return hs_error_set(HS_EINVAL, "hs_h5_write_compound: no open results "
                            "writer");
    if ((rc = hs_results__check_path(path, 0, "table")) ||
        (rc = check_columns(file, path, cols, ncols, nrows)))
        return rc;
    rc = hs_results__lookup(f, file, path, NULL);
    if (rc < 0)
        return rc;
    if (rc > 0)
        return hs_error_set(HS_EEXISTS, "%s: '%s' already exists", file, path);
    rc = 0;
    for (size_t j = 0; j < ncols; j++)
        rowsize += col_size(cols[j].type);
    if (nrows > (size_t)-1 / rowsize)
        return hs_error_set(HS_ENOMEM, "%s: table '%s' is too large", file,
                            path);
    buf = malloc(nrows ? nrows * rowsize : 1);
    if (!buf)
        return hs_error_set(HS_ENOMEM, "out of memory");
    /* Pack the rows: column j of row i at i * rowsize + offset(j). */
    for (size_t j = 0, off = 0; j < ncols; off += col_size(cols[j].type), j++)
        for (size_t i = 0; i < nrows; i++) {
            const unsigned char *src =
                (const unsigned char *)cols[j].data + i * col_size(cols[j].type);
            memcpy(buf + i * rowsize + off, src, col_size(cols[j].type));
        }

    str = hs_results__vlen_str_type(H5T_CSET_UTF8);
    if (str >= 0) {
        mt = row_type(cols, ncols, rowsize, 0, str);
        ft = row_type(cols, ncols, rowsize, 1, str);
    }
    hsize_t dim = (hsize_t)nrows;
    space = H5Screate_simple(1, &dim, NULL);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (str < 0 || mt < 0 || ft < 0 || space < 0 || dcpl < 0 || lcpl < 0 ||
        H5Pset_create_intermediate_group(lcpl, 1) < 0) {
        rc = hs_results__h5fail("%s: cannot set up table '%s'", file, path);
        goto done;
    }
    if (nrows * ncols > HS_H5_CHUNK_MIN) {
        hsize_t chunk = HS_H5_CHUNK_ELEMS / ncols;
        if (chunk < 1)
            chunk = 1;
        if (chunk > nrows)
            chunk = nrows;
        if (H5Pset_chunk(dcpl, 1, &chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
            (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 &&
             H5Pset_deflate(dcpl, HS_H5_DEFLATE_LEVEL) < 0)) {
            rc = hs_results__h5fail("%s: cannot set chunking of table '%s'",
                                    file, path);
            goto done;
        }
    }
    dset = H5Dcreate2(f, path, ft, space, lcpl, dcpl, H5P_DEFAULT);
    if (dset < 0) {
        rc = hs_results__h5fail("%s: cannot create table '%s'", file, path);
        goto done;
    }
    if (nrows > 0 &&
        H5Dwrite(dset, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        rc = hs_results__h5fail("%s: cannot write table '%s'", file, path);
        goto done;
    }
    hs_results__close(&dset, H5Dclose);

    int any_units = 0;
    for (size_t j = 0; j < ncols; j++)
        any_units |= cols[j].units && cols[j].units[0];
    if (any_units) {
        const char **u = malloc(ncols * sizeof *u);
        if (!u) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t j = 0; j < ncols; j++)
            u[j] = cols[j].units ? cols[j].units : "";
        rc = hs_h5_attr_strings(h, path, "units", u, ncols);
        free(u);
    }

done:
    hs_results__close(&dset, H5Dclose);
    hs_results__close(&lcpl, H5Pclose);
    hs_results__close(&dcpl, H5Pclose);
    hs_results__close(&space, H5Sclose);
    hs_results__close(&ft, H5Tclose);
    hs_results__close(&mt, H5Tclose);
    hs_results__close(&str, H5Tclose);
    free(buf);
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
    if ((rc = open_compound(file, dset, &f, &d, &t)))
        goto done;
    idx = field ? H5Tget_member_index(t, field) : -1;
    if (idx < 0) {
        rc = hs_error_set(HS_ENOTFOUND, "%s: table '%s' has no column '%s'",
                          file, dset, field ? field : "(null)");
        goto done;
    }
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
    if ((rc = open_compound(file, dset, &f, &d, &t)))
        goto done;
    idx = field ? H5Tget_member_index(t, field) : -1;
    if (idx < 0) {
        rc = hs_error_set(HS_ENOTFOUND, "%s: table '%s' has no column '%s'",
                          file, dset, field ? field : "(null)");
        goto done;
    }
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
