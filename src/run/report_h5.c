/* What the report reads beyond the public hs_h5_read_* calls: the links of
 * a group, numeric datasets of either class, and tables of both kinds
 * (compound datasets and groups of columns) as columns. */
#include "report_int.h"
#include "results_int.h"

#include "hedgesim/errors.h"
#include "hedgesim/results.h"

#include <hdf5.h>

#include <stdlib.h>
#include <string.h>

static int open_ro(const char *file, hid_t *f)
{
    /* hs_h5_exists gives the friendly message for a missing or non-HDF5
     * file; then the open below cannot fail for those reasons. */
    int rc = hs_h5_exists(file, "/");
    if (rc < 0)
        return rc;
    *f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*f < 0)
        return hs_results__h5fail("cannot open '%s' as an HDF5 file", file);
    return 0;
}

/* Does path exist in f, and of which kind? 0 if not (with a message). */
static int find(hid_t f, const char *file, const char *path, H5I_type_t *kind)
{
    int rc = hs_results__check_path(path, 1, "object");
    if (rc)
        return rc;
    rc = hs_results__lookup(f, file, path, kind);
    if (rc == 0)
        return hs_error_set(HS_ENOTFOUND, "%s: no object '%s'", file, path);
    return rc < 0 ? rc : 0;
}

typedef struct names {
    char **v;
    size_t n, cap;
    int err;
} names;

static herr_t add_name(hid_t g, const char *name, const H5L_info_t *info,
                       void *op)
{
    names *nm = op;
    (void)g;
    (void)info;
    if (nm->n == nm->cap) {
        size_t cap = nm->cap ? 2 * nm->cap : 16;
        char **v = realloc(nm->v, cap * sizeof *v);
        if (!v) {
            nm->err = 1;
            return -1;
        }
        nm->v = v;
        nm->cap = cap;
    }
    if (!(nm->v[nm->n] = strdup(name))) {
        nm->err = 1;
        return -1;
    }
    nm->n++;
    return 0;
}

int hs_report__children(const char *file, const char *path, char ***out,
                        size_t *n)
{
    hid_t f = H5I_INVALID_HID, g = H5I_INVALID_HID;
    H5I_type_t kind;
    names nm = {NULL, 0, 0, 0};
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = open_ro(file, &f)))
        return rc;
    if ((rc = find(f, file, path, &kind)))
        goto done;
    if (kind != H5I_GROUP) {
        rc = hs_error_set(HS_EDATA, "%s: '%s' is not a group", file, path);
        goto done;
    }
    if ((g = H5Gopen2(f, path, H5P_DEFAULT)) < 0) {
        rc = hs_results__h5fail("%s: cannot open group '%s'", file, path);
        goto done;
    }
    if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, add_name, &nm) < 0) {
        rc = nm.err ? hs_error_set(HS_ENOMEM, "out of memory")
                    : hs_results__h5fail("%s: cannot list '%s'", file, path);
        goto done;
    }
    *out = nm.v;
    *n = nm.n;
    nm.v = NULL;
    nm.n = 0;
done:
    hs_h5_strings_free(nm.v, nm.n);
    hs_results__close(&g, H5Gclose);
    hs_results__close(&f, H5Fclose);
    return rc;
}

int hs_report__numbers(const char *file, const char *path, double **out,
                       size_t *rows, size_t *cols)
{
    hid_t f = H5I_INVALID_HID, d = H5I_INVALID_HID;
    hid_t t = H5I_INVALID_HID, s = H5I_INVALID_HID;
    H5I_type_t kind;
    H5T_class_t cls;
    hsize_t dims[2] = {0, 1};
    double *buf = NULL;
    int rc, nd;

    *out = NULL;
    *rows = *cols = 0;
    if ((rc = open_ro(file, &f)))
        return rc;
    if ((rc = find(f, file, path, &kind)))
        goto done;
    if (kind != H5I_DATASET) {
        rc = hs_error_set(HS_EDATA, "%s: '%s' is not a dataset", file, path);
        goto done;
    }
    if ((d = H5Dopen2(f, path, H5P_DEFAULT)) < 0 || (t = H5Dget_type(d)) < 0 ||
        (s = H5Dget_space(d)) < 0) {
        rc = hs_results__h5fail("%s: cannot open dataset '%s'", file, path);
        goto done;
    }
    cls = H5Tget_class(t);
    nd = H5Sget_simple_extent_ndims(s);
    if ((cls != H5T_FLOAT && cls != H5T_INTEGER) || nd < 1 || nd > 2) {
        rc = hs_error_set(HS_EDATA,
                          "%s: '%s' is not a 1-D or 2-D numeric dataset",
                          file, path);
        goto done;
    }
    H5Sget_simple_extent_dims(s, dims, NULL);
    if (nd == 1)
        dims[1] = 1;
    if (dims[0] * dims[1] > 0) {
        if (!(buf = malloc((size_t)(dims[0] * dims[1]) * sizeof *buf))) {
            rc = hs_error_set(HS_ENOMEM, "out of memory reading '%s'", path);
            goto done;
        }
        if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                    buf) < 0) {
            rc = hs_results__h5fail("%s: cannot read '%s'", file, path);
            goto done;
        }
    }
    *out = buf;
    buf = NULL;
    *rows = (size_t)dims[0];
    *cols = (size_t)dims[1];
done:
    free(buf);
    hs_results__close(&s, H5Sclose);
    hs_results__close(&t, H5Tclose);
    hs_results__close(&d, H5Dclose);
    hs_results__close(&f, H5Fclose);
    return rc;
}

void hs_report__table_free(hs_rtab *t)
{
    if (!t)
        return;
    for (size_t j = 0; j < t->ncols; j++) {
        if (t->names)
            free(t->names[j]);
        if (t->num)
            free(t->num[j]);
        if (t->str)
            hs_h5_strings_free(t->str[j], t->str[j] ? t->nrows : 0);
    }
    free(t->names);
    free(t->is_str);
    free(t->is_int);
    free(t->num);
    free(t->str);
    memset(t, 0, sizeof *t);
}

int hs_report__col(const hs_rtab *t, const char *name)
{
    for (size_t j = 0; j < t->ncols; j++)
        if (strcmp(t->names[j], name) == 0)
            return (int)j;
    return -1;
}

static int alloc_cols(hs_rtab *t, size_t ncols)
{
    t->ncols = ncols;
    t->names = calloc(ncols ? ncols : 1, sizeof *t->names);
    t->is_str = calloc(ncols ? ncols : 1, sizeof *t->is_str);
    t->is_int = calloc(ncols ? ncols : 1, sizeof *t->is_int);
    t->num = calloc(ncols ? ncols : 1, sizeof *t->num);
    t->str = calloc(ncols ? ncols : 1, sizeof *t->str);
    if (!t->names || !t->is_str || !t->is_int || !t->num || !t->str) {
        t->ncols = 0;
        return hs_error_set(HS_ENOMEM, "out of memory");
    }
    return 0;
}

/* One field of a compound dataset, read through a one-member memory type. */
static int read_field(hid_t d, hid_t ftype, unsigned k, hs_rtab *t,
                      const char *file, const char *path)
{
    hid_t mt = H5I_INVALID_HID, st = H5I_INVALID_HID;
    hid_t mtype = H5Tget_member_type(ftype, k);
    char *name = H5Tget_member_name(ftype, k);
    H5T_class_t cls = H5Tget_member_class(ftype, k);
    size_t n = t->nrows;
    int rc = 0;

    if (mtype < 0 || !name) {
        rc = hs_results__h5fail("%s: cannot read the fields of '%s'", file,
                                path);
        goto done;
    }
    if (!(t->names[k] = strdup(name))) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    if (cls == H5T_STRING) {
        t->is_str[k] = 1;
        if (!(t->str[k] = calloc(n ? n : 1, sizeof(char *)))) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        st = hs_results__vlen_str_type(H5Tget_cset(mtype));
        if (!H5Tis_variable_str(mtype)) {
            rc = hs_error_set(HS_EDATA,
                              "%s: field '%s' of '%s' is a fixed-size string",
                              file, name, path);
            goto done;
        }
        mt = H5Tcreate(H5T_COMPOUND, sizeof(char *));
        if (st < 0 || mt < 0 || H5Tinsert(mt, name, 0, st) < 0) {
            rc = hs_results__h5fail("%s: cannot read '%s'", file, path);
            goto done;
        }
        if (n && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, t->str[k]) < 0) {
            rc = hs_results__h5fail("%s: cannot read field '%s' of '%s'", file,
                                    name, path);
            goto done;
        }
        /* The strings are HDF5's allocations, made with malloc by the
         * default property list: they are freed with free() like ours.
         * Replace NULLs (an empty vlen) by empty strings. */
        for (size_t i = 0; i < n; i++)
            if (!t->str[k][i] && !(t->str[k][i] = strdup(""))) {
                rc = hs_error_set(HS_ENOMEM, "out of memory");
                goto done;
            }
    } else if (cls == H5T_FLOAT || cls == H5T_INTEGER) {
        t->is_int[k] = cls == H5T_INTEGER;
        if (!(t->num[k] = malloc((n ? n : 1) * sizeof(double)))) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        mt = H5Tcreate(H5T_COMPOUND, sizeof(double));
        if (mt < 0 || H5Tinsert(mt, name, 0, H5T_NATIVE_DOUBLE) < 0) {
            rc = hs_results__h5fail("%s: cannot read '%s'", file, path);
            goto done;
        }
        if (n && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, t->num[k]) < 0) {
            rc = hs_results__h5fail("%s: cannot read field '%s' of '%s'", file,
                                    name, path);
            goto done;
        }
    } else {
        rc = hs_error_set(HS_EDATA,
                          "%s: field '%s' of '%s' is neither a number nor a "
                          "string",
                          file, name, path);
    }
done:
    if (name)
        H5free_memory(name);
    hs_results__close(&mtype, H5Tclose);
    hs_results__close(&st, H5Tclose);
    hs_results__close(&mt, H5Tclose);
    return rc;
}

static int compound_table(hid_t f, const char *file, const char *path,
                          hs_rtab *t)
{
    hid_t d = H5I_INVALID_HID, ft = H5I_INVALID_HID, s = H5I_INVALID_HID;
    hsize_t dims[1] = {0};
    int rc = 0, nm;

    if ((d = H5Dopen2(f, path, H5P_DEFAULT)) < 0 || (ft = H5Dget_type(d)) < 0 ||
        (s = H5Dget_space(d)) < 0) {
        rc = hs_results__h5fail("%s: cannot open dataset '%s'", file, path);
        goto done;
    }
    if (H5Tget_class(ft) != H5T_COMPOUND ||
        H5Sget_simple_extent_ndims(s) != 1) {
        rc = hs_error_set(HS_EDATA, "%s: '%s' is not a table", file, path);
        goto done;
    }
    H5Sget_simple_extent_dims(s, dims, NULL);
    t->nrows = (size_t)dims[0];
    if ((nm = H5Tget_nmembers(ft)) < 0) {
        rc = hs_results__h5fail("%s: cannot read the fields of '%s'", file,
                                path);
        goto done;
    }
    if ((rc = alloc_cols(t, (size_t)nm)))
        goto done;
    for (unsigned k = 0; k < (unsigned)nm && rc == 0; k++)
        rc = read_field(d, ft, k, t, file, path);
done:
    hs_results__close(&s, H5Sclose);
    hs_results__close(&ft, H5Tclose);
    hs_results__close(&d, H5Dclose);
    return rc;
}

/* A group of columns: each column numeric (as double) or strings. */
static int group_table(const char *file, const char *path, hs_rtab *t)
{
    char **cols = NULL, col[1024];
    size_t nc = 0, n;
    int64_t nrows;
    int rc;

    if ((rc = hs_h5_read_attr_i64(file, path, "nrows", &nrows)) ||
        (rc = hs_h5_read_attr_strings(file, path, "columns", &cols, &nc)))
        return rc == HS_ENOTFOUND
                   ? hs_error_set(HS_EDATA, "%s: '%s' is not a table", file,
                                  path)
                   : rc;
    t->nrows = nrows > 0 ? (size_t)nrows : 0;
    if ((rc = alloc_cols(t, nc)))
        goto done;
    for (size_t j = 0; j < nc && rc == 0; j++) {
        size_t rows, ncols;
        if (!(t->names[j] = strdup(cols[j]))) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            break;
        }
        snprintf(col, sizeof col, "%s/%s", path, cols[j]);
        rc = hs_report__numbers(file, col, &t->num[j], &rows, &ncols);
        if (rc == 0) {
            int64_t *iv = NULL;
            /* integer columns: note the class for display */
            if (hs_h5_read_i64(file, col, &iv, &n) == 0)
                t->is_int[j] = 1;
            free(iv);
            hs_error_clear();
            if (rows != t->nrows || ncols != 1)
                rc = hs_error_set(HS_EDATA,
                                  "%s: column '%s' has %zu rows, not %zu",
                                  file, col, rows, t->nrows);
        } else if (rc == HS_EDATA) {
            t->is_str[j] = 1;
            rc = hs_h5_read_strings(file, col, &t->str[j], &n);
            if (rc == 0 && n != t->nrows) {
                hs_h5_strings_free(t->str[j], n);
                t->str[j] = NULL;
                rc = hs_error_set(HS_EDATA,
                                  "%s: column '%s' has %zu rows, not %zu",
                                  file, col, n, t->nrows);
            }
            if (rc == 0 && n == 0 && !(t->str[j] = calloc(1, sizeof(char *))))
                rc = hs_error_set(HS_ENOMEM, "out of memory");
        }
        if (rc == 0 && !t->is_str[j] && !t->num[j] &&
            !(t->num[j] = malloc(sizeof(double))))
            rc = hs_error_set(HS_ENOMEM, "out of memory");
    }
done:
    hs_h5_strings_free(cols, nc);
    return rc;
}

int hs_report__table(const char *file, const char *path, hs_rtab *t)
{
    hid_t f = H5I_INVALID_HID;
    H5I_type_t kind;
    int rc;

    memset(t, 0, sizeof *t);
    if ((rc = open_ro(file, &f)))
        return rc;
    if ((rc = find(f, file, path, &kind)))
        goto done;
    if (kind == H5I_DATASET) {
        rc = compound_table(f, file, path, t);
    } else {
        hs_results__close(&f, H5Fclose);
        rc = group_table(file, path, t);
    }
done:
    hs_results__close(&f, H5Fclose);
    return rc;
}

typedef struct attrs {
    const char *file, *obj;
    names keys, vals;
    int rc;
} attrs;

static int push(names *nm, char *s)
{
    if (!s)
        return -1;
    if (nm->n == nm->cap) {
        size_t cap = nm->cap ? 2 * nm->cap : 16;
        char **v = realloc(nm->v, cap * sizeof *v);
        if (!v) {
            free(s);
            return -1;
        }
        nm->v = v;
        nm->cap = cap;
    }
    nm->v[nm->n++] = s;
    return 0;
}

/* Attribute `name` as text: strings joined by newlines, numbers by ", ". */
static char *attr_text(hid_t a, const char *file, const char *label)
{
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    hssize_t n = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    hs_rbuf b = {NULL, 0, 0, 0};
    char **sv = NULL;
    double *dv = NULL;

    if (n < 0 || t < 0)
        goto done;
    if (cls == H5T_STRING) {
        if (!(sv = calloc(n ? (size_t)n : 1, sizeof *sv)) ||
            hs_results__read_str_elems(a, 1, t, s, (size_t)n, sv, file,
                                       label) != 0)
            goto done;
        for (hssize_t i = 0; i < n; i++) {
            if (i)
                hs_report__buf_puts(&b, "\n");
            hs_report__buf_puts(&b, sv[i] ? sv[i] : "");
        }
    } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
        if (!(dv = malloc((n ? (size_t)n : 1) * sizeof *dv)) ||
            H5Aread(a, H5T_NATIVE_DOUBLE, dv) < 0)
            goto done;
        for (hssize_t i = 0; i < n; i++)
            hs_report__buf_printf(&b, cls == H5T_INTEGER ? "%s%.0f" : "%s%.17g",
                           i ? ", " : "", dv[i]);
    } else {
        hs_report__buf_puts(&b, "(not shown)");
    }
done:
    if (sv)
        hs_h5_strings_free(sv, (size_t)n);
    free(dv);
    if (t >= 0)
        H5Tclose(t);
    if (s >= 0)
        H5Sclose(s);
    if (!b.s && !b.err)
        hs_report__buf_puts(&b, "");
    if (b.err) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

static herr_t add_attr(hid_t obj, const char *name, const H5A_info_t *info,
                       void *op)
{
    attrs *at = op;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    char *v, *k;
    (void)info;
    if (a < 0) {
        at->rc = hs_results__h5fail("%s: cannot open attribute '%s' of '%s'",
                                    at->file, name, at->obj);
        return -1;
    }
    v = attr_text(a, at->file, name);
    H5Aclose(a);
    k = strdup(name);
    if (!v || !k) {
        free(v);
        free(k);
        at->rc = hs_error_set(HS_ENOMEM, "out of memory");
        return -1;
    }
    if (push(&at->keys, k) || push(&at->vals, v)) {
        at->rc = hs_error_set(HS_ENOMEM, "out of memory");
        return -1;
    }
    return 0;
}

int hs_report__attrs(const char *file, const char *obj, char ***keys,
                     char ***vals, size_t *n)
{
    hid_t f = H5I_INVALID_HID, o = H5I_INVALID_HID;
    H5I_type_t kind;
    attrs at = {file, obj, {NULL, 0, 0, 0}, {NULL, 0, 0, 0}, 0};
    int rc;

    *keys = *vals = NULL;
    *n = 0;
    if ((rc = open_ro(file, &f)))
        return rc;
    if ((rc = find(f, file, obj, &kind)))
        goto done;
    if ((o = H5Oopen(f, obj, H5P_DEFAULT)) < 0) {
        rc = hs_results__h5fail("%s: cannot open '%s'", file, obj);
        goto done;
    }
    if (H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_INC, NULL, add_attr, &at) < 0) {
        rc = at.rc ? at.rc
                   : hs_results__h5fail("%s: cannot list the attributes of "
                                        "'%s'",
                                        file, obj);
        goto done;
    }
    /* a value's count may trail a failed key push: keep them paired */
    *n = at.keys.n < at.vals.n ? at.keys.n : at.vals.n;
    *keys = at.keys.v;
    *vals = at.vals.v;
    at.keys.v = at.vals.v = NULL;
done:
    hs_h5_strings_free(at.keys.v, at.keys.n);
    hs_h5_strings_free(at.vals.v, at.vals.n);
    hs_results__close(&o, H5Oclose);
    hs_results__close(&f, H5Fclose);
    return rc;
}
