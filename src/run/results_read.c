/* Reading HDF5 results files: each call opens the file read-only, reads
 * one dataset or attribute into memory the caller owns, and closes the file
 * (include/hedgesim/results.h documents the calls).  The helpers shared with
 * the writer are in results_h5.c (declared in results_int.h). */
#include "results_int.h"

#include "hedgesim/errors.h"
#include "hedgesim/results.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- reader -------------------------------------------------------------- */

static int ropen(const char *file, hid_t *out)
{
    struct stat st;

    *out = H5I_INVALID_HID;
    if (!file)
        return hs_error_set(HS_EINVAL, "NULL results file name");
    if (stat(file, &st) != 0)
        return hs_error_set(HS_EIO, "cannot open results file '%s': %s", file,
                            strerror(errno));
    if (S_ISDIR(st.st_mode))
        return hs_error_set(HS_EIO,
                            "cannot open results file '%s': it is a directory",
                            file);
    *out = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*out < 0)
        return hs_results__h5fail("cannot open '%s' as an HDF5 file", file);
    return 0;
}

int hs_h5_exists(const char *file, const char *objpath)
{
    hid_t f = H5I_INVALID_HID;
    int rc;

    if ((rc = hs_results__check_path(objpath, 1, "object")) != 0)
        return rc;
    if ((rc = ropen(file, &f)) != 0)
        return rc;
    rc = hs_results__lookup(f, file, objpath, NULL);
    H5Fclose(f);
    return rc;
}

/* Read a whole numeric dataset of class cls and rank `rank` as mtype. */
static int read_array(const char *file, const char *dset, H5T_class_t cls,
                      int u8_only, hid_t mtype, size_t elsize, int rank,
                      void **out, hsize_t dims[2])
{
    hid_t f = H5I_INVALID_HID, d = H5I_INVALID_HID;
    hid_t t = H5I_INVALID_HID, s = H5I_INVALID_HID;
    H5I_type_t kind;
    void *buf = NULL;
    hsize_t total = 1;
    int rc, nd = 0;

    *out = NULL;
    dims[0] = dims[1] = 0;
    if ((rc = hs_results__check_path(dset, 0, "dataset")) != 0)
        return rc;
    if ((rc = ropen(file, &f)) != 0)
        return rc;
    rc = hs_results__lookup(f, file, dset, &kind);
    if (rc < 0)
        goto done;
    if (rc == 0) {
        rc = hs_error_set(HS_ENOTFOUND, "%s: no dataset '%s'", file, dset);
        goto done;
    }
    rc = 0;
    if (kind != H5I_DATASET) {
        rc = hs_error_set(HS_EDATA, "%s: '%s' is not a dataset", file, dset);
        goto done;
    }
    d = H5Dopen2(f, dset, H5P_DEFAULT);
    if (d < 0) {
        rc = hs_results__h5fail("%s: cannot open dataset '%s'", file, dset);
        goto done;
    }
    t = H5Dget_type(d);
    s = H5Dget_space(d);
    if (t < 0 || s < 0 || (nd = H5Sget_simple_extent_ndims(s)) < 0) {
        rc = hs_results__h5fail("%s: cannot inspect dataset '%s'", file, dset);
        goto done;
    }
    if (H5Tget_class(t) != cls ||
        (u8_only && (H5Tget_size(t) != 1 || H5Tget_sign(t) != H5T_SGN_NONE))) {
        rc = hs_error_set(HS_EDATA, "%s: dataset '%s' is not %s", file, dset,
                          u8_only              ? "of unsigned bytes"
                          : cls == H5T_FLOAT   ? "floating-point"
                          : cls == H5T_INTEGER ? "of integers"
                                               : "of strings");
        goto done;
    }
    if (nd != rank) {
        rc = hs_error_set(HS_EDATA, "%s: dataset '%s' has rank %d, not %d",
                          file, dset, nd, rank);
        goto done;
    }
    if (H5Sget_simple_extent_dims(s, dims, NULL) < 0) {
        rc = hs_results__h5fail("%s: cannot inspect dataset '%s'", file, dset);
        goto done;
    }
    for (int i = 0; i < rank; i++)
        total *= dims[i];
    if (total > 0) {
        if (total > (hsize_t)((size_t)-1 / elsize)) {
            rc = hs_error_set(HS_ENOMEM, "%s: dataset '%s' is too large",
                              file, dset);
            goto done;
        }
        buf = malloc((size_t)total * elsize);
        if (!buf) {
            rc = hs_error_set(HS_ENOMEM, "out of memory reading '%s' from %s",
                              dset, file);
            goto done;
        }
        if (H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
            rc = hs_results__h5fail("%s: cannot read dataset '%s'", file, dset);
            goto done;
        }
    }
    *out = buf;
    buf = NULL;

done:
    free(buf);
    hs_results__close(&s, H5Sclose);
    hs_results__close(&t, H5Tclose);
    hs_results__close(&d, H5Dclose);
    hs_results__close(&f, H5Fclose);
    return rc;
}

int hs_h5_read_f64(const char *file, const char *dset, double **out,
                   size_t *n)
{
    hsize_t dims[2];
    void *p = NULL;
    int rc;

    if (!out || !n)
        return hs_error_set(HS_EINVAL, "hs_h5_read_f64: NULL output");
    rc = read_array(file, dset, H5T_FLOAT, 0, H5T_NATIVE_DOUBLE,
                    sizeof(double), 1, &p, dims);
    *out = p;
    *n = rc ? 0 : (size_t)dims[0];
    return rc;
}

int hs_h5_read_i64(const char *file, const char *dset, int64_t **out,
                   size_t *n)
{
    hsize_t dims[2];
    void *p = NULL;
    int rc;

    if (!out || !n)
        return hs_error_set(HS_EINVAL, "hs_h5_read_i64: NULL output");
    rc = read_array(file, dset, H5T_INTEGER, 0, H5T_NATIVE_INT64,
                    sizeof(int64_t), 1, &p, dims);
    *out = p;
    *n = rc ? 0 : (size_t)dims[0];
    return rc;
}

int hs_h5_read_u8(const char *file, const char *dset, uint8_t **out,
                  size_t *n)
{
    hsize_t dims[2];
    void *p = NULL;
    int rc;

    if (!out || !n)
        return hs_error_set(HS_EINVAL, "hs_h5_read_u8: NULL output");
    rc = read_array(file, dset, H5T_INTEGER, 1, H5T_NATIVE_UINT8,
                    sizeof(uint8_t), 1, &p, dims);
    *out = p;
    *n = rc ? 0 : (size_t)dims[0];
    return rc;
}

int hs_h5_read_f64_2d(const char *file, const char *dset, double **out,
                      size_t *rows, size_t *cols)
{
    hsize_t dims[2];
    void *p = NULL;
    int rc;

    if (!out || !rows || !cols)
        return hs_error_set(HS_EINVAL, "hs_h5_read_f64_2d: NULL output");
    rc = read_array(file, dset, H5T_FLOAT, 0, H5T_NATIVE_DOUBLE,
                    sizeof(double), 2, &p, dims);
    *out = p;
    *rows = rc ? 0 : (size_t)dims[0];
    *cols = rc ? 0 : (size_t)dims[1];
    return rc;
}

int hs_h5_read_strings(const char *file, const char *dset, char ***out,
                       size_t *n)
{
    hid_t f = H5I_INVALID_HID, d = H5I_INVALID_HID;
    hid_t t = H5I_INVALID_HID, s = H5I_INVALID_HID;
    H5I_type_t kind;
    char **v = NULL;
    hsize_t dim = 0;
    char label[256];
    int rc, nd = 0;

    if (!out || !n)
        return hs_error_set(HS_EINVAL, "hs_h5_read_strings: NULL output");
    *out = NULL;
    *n = 0;
    if ((rc = hs_results__check_path(dset, 0, "dataset")) != 0)
        return rc;
    if ((rc = ropen(file, &f)) != 0)
        return rc;
    rc = hs_results__lookup(f, file, dset, &kind);
    if (rc < 0)
        goto done;
    if (rc == 0) {
        rc = hs_error_set(HS_ENOTFOUND, "%s: no dataset '%s'", file, dset);
        goto done;
    }
    rc = 0;
    if (kind != H5I_DATASET) {
        rc = hs_error_set(HS_EDATA, "%s: '%s' is not a dataset", file, dset);
        goto done;
    }
    snprintf(label, sizeof label, "dataset '%s'", dset);
    d = H5Dopen2(f, dset, H5P_DEFAULT);
    if (d < 0) {
        rc = hs_results__h5fail("%s: cannot open dataset '%s'", file, dset);
        goto done;
    }
    t = H5Dget_type(d);
    s = H5Dget_space(d);
    if (t < 0 || s < 0 || (nd = H5Sget_simple_extent_ndims(s)) < 0) {
        rc = hs_results__h5fail("%s: cannot inspect dataset '%s'", file, dset);
        goto done;
    }
    if (H5Tget_class(t) != H5T_STRING) {
        rc = hs_error_set(HS_EDATA, "%s: dataset '%s' is not of strings",
                          file, dset);
        goto done;
    }
    if (nd != 1) {
        rc = hs_error_set(HS_EDATA, "%s: dataset '%s' has rank %d, not 1",
                          file, dset, nd);
        goto done;
    }
    H5Sget_simple_extent_dims(s, &dim, NULL);
    if (dim > 0) {
        v = calloc((size_t)dim, sizeof *v);
        if (!v) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        if ((rc = hs_results__read_str_elems(d, 0, t, s, (size_t)dim, v, file,
                                             label)) != 0)
            goto done;
    }
    *out = v;
    *n = (size_t)dim;
    v = NULL;

done:
    hs_h5_strings_free(v, (size_t)dim);
    hs_results__close(&s, H5Sclose);
    hs_results__close(&t, H5Tclose);
    hs_results__close(&d, H5Dclose);
    hs_results__close(&f, H5Fclose);
    return rc;
}

int hs_h5_read_attr_str(const char *file, const char *obj, const char *name,
                        char **out)
{
    hid_t f = H5I_INVALID_HID;
    char **v = NULL;
    size_t n = 0;
    int rc;

    if (!out)
        return hs_error_set(HS_EINVAL, "hs_h5_read_attr_str: NULL output");
    *out = NULL;
    if ((rc = ropen(file, &f)) != 0)
        return rc;
    rc = hs_results__attr_strings(f, file, obj, name, &v, &n);
    if (rc == 0 && n != 1)
        rc = hs_error_set(HS_EDATA, "%s: attribute '%s' of '%s' holds %zu "
                          "strings, not one", file, name, obj, n);
    if (rc == 0) {
        *out = v[0];
        v[0] = NULL;
    }
    hs_h5_strings_free(v, n);
    H5Fclose(f);
    return rc;
}

int hs_h5_read_attr_f64(const char *file, const char *obj, const char *name,
                        double *out)
{
    hid_t f = H5I_INVALID_HID;
    int rc;

    if (!out)
        return hs_error_set(HS_EINVAL, "hs_h5_read_attr_f64: NULL output");
    if ((rc = ropen(file, &f)) != 0)
        return rc;
    rc = hs_results__attr_scalar(f, file, obj, name, H5T_FLOAT,
                                 H5T_NATIVE_DOUBLE, out);
    H5Fclose(f);
    return rc;
}

int hs_h5_read_attr_i64(const char *file, const char *obj, const char *name,
                        int64_t *out)
{
    hid_t f = H5I_INVALID_HID;
    int rc;

    if (!out)
        return hs_error_set(HS_EINVAL, "hs_h5_read_attr_i64: NULL output");
    if ((rc = ropen(file, &f)) != 0)
        return rc;
    rc = hs_results__attr_scalar(f, file, obj, name, H5T_INTEGER,
                                 H5T_NATIVE_INT64, out);
    H5Fclose(f);
    return rc;
}

int hs_h5_read_attr_strings(const char *file, const char *obj,
                            const char *name, char ***out, size_t *n)
{
    hid_t f = H5I_INVALID_HID;
    int rc;

    if (!out || !n)
        return hs_error_set(HS_EINVAL, "hs_h5_read_attr_strings: NULL output");
    *out = NULL;
    *n = 0;
    if ((rc = ropen(file, &f)) != 0)
        return rc;
    rc = hs_results__attr_strings(f, file, obj, name, out, n);
    H5Fclose(f);
    return rc;
}

