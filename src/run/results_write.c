/* Writing HDF5 results files: the atomic writer (temporary name, fsync,
 * rename in hs_h5_commit), groups, attributes, datasets and tables.  The
 * conventions are documented in include/hedgesim/results.h and
 * docs/results-format.md; the helpers shared with the reader are in
 * results_h5.c (declared in results_int.h). */
#include "results_int.h"

#include "hedgesim/errors.h"
#include "hedgesim/hedgesim.h"
#include "hedgesim/results.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct hs_h5 {
    hid_t file;  /* open on tmp until commit/abort */
    int force;   /* replace an existing final file at commit */
    char *path;  /* final name */
    char *tmp;   /* temporary name in the same directory */
};

/* Attempts at finding an unused temporary name before giving up. */
#define TMP_ATTEMPTS 1000

/* ---- writer internals ---------------------------------------------------- */

static int check_writer(const hs_h5 *h, const char *fn)
{
    if (!h || h->file < 0)
        return hs_error_set(HS_EINVAL, "%s: no open results writer", fn);
    return 0;
}

/* Write attribute `name` on existing object `obj`, replacing one of the same
 * name.  ftype is the file type, mtype the memory type of buf. */
static int put_attr(hs_h5 *h, const char *obj, const char *name, hid_t ftype,
                    hid_t mtype, hid_t space, const void *buf)
{
    hid_t o = H5I_INVALID_HID, a = H5I_INVALID_HID;
    H5I_type_t t;
    htri_t ex;
    int rc;

    if ((rc = hs_results__check_path(obj, 1, "object")) != 0)
        return rc;
    if (!name || !name[0])
        return hs_error_set(HS_EINVAL, "%s: empty attribute name on '%s'",
                            h->path, obj);
    rc = hs_results__lookup(h->file, h->path, obj, &t);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return hs_error_set(HS_ENOTFOUND,
                            "%s: no object '%s' to set attribute '%s' on",
                            h->path, obj, name);
    rc = 0;

    o = H5Oopen(h->file, obj, H5P_DEFAULT);
    if (o < 0) {
        rc = hs_results__h5fail("%s: cannot open '%s'", h->path, obj);
        goto done;
    }
    ex = H5Aexists(o, name);
    if (ex < 0 || (ex > 0 && H5Adelete(o, name) < 0)) {
        rc = hs_results__h5fail("%s: cannot replace attribute '%s' of '%s'",
                                h->path, name, obj);
        goto done;
    }
    a = H5Acreate2(o, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) {
        rc = hs_results__h5fail("%s: cannot create attribute '%s' of '%s'",
                                h->path, name, obj);
        goto done;
    }
    if (H5Awrite(a, mtype, buf) < 0) {
        rc = hs_results__h5fail("%s: cannot write attribute '%s' of '%s'",
                                h->path, name, obj);
        goto done;
    }

done:
    hs_results__close(&a, H5Aclose);
    hs_results__close(&o, H5Oclose);
    return rc;
}

/* A 1-D vlen UTF-8 string attribute of n entries (n may be 0 here). */
static int put_attr_strings(hs_h5 *h, const char *obj, const char *name,
                            const char *const *v, size_t n)
{
    hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID;
    hsize_t dim = (hsize_t)n;
    const char *empty = "";
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        char what[160];
        snprintf(what, sizeof what, "attribute '%s' entry %zu", name, i);
        if ((rc = hs_results__check_utf8(v[i], h->path, obj, what)) != 0)
            return rc;
    }
    type = hs_results__vlen_str_type(H5T_CSET_UTF8);
    space = H5Screate_simple(1, &dim, NULL);
    if (type < 0 || space < 0) {
        rc = hs_results__h5fail(
            "%s: cannot make the type of attribute '%s' of '%s'", h->path, name,
            obj);
        goto done;
    }
    /* HDF5 wants a buffer even for zero elements. */
    rc = put_attr(h, obj, name, type, type, space, n > 0 ? (const void *)v
                                                         : (const void *)&empty);

done:
    hs_results__close(&space, H5Sclose);
    hs_results__close(&type, H5Tclose);
    return rc;
}

/* Create dataset `path` of the given shape and write data.  `filters`:
 * chunk and compress when larger than HS_H5_CHUNK_MIN elements. */
static int put_dataset(hs_h5 *h, const char *path, hid_t ftype, hid_t mtype,
                       int rank, const hsize_t *dims, int filters,
                       const void *data)
{
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID;
    hid_t lcpl = H5I_INVALID_HID, dset = H5I_INVALID_HID;
    hsize_t total = 1;
    int rc;

    if ((rc = hs_results__check_path(path, 0, "dataset")) != 0)
        return rc;
    for (int i = 0; i < rank; i++)
        total *= dims[i];
    if (total > 0 && !data)
        return hs_error_set(HS_EINVAL, "%s: NULL data for dataset '%s'",
                            h->path, path);
    rc = hs_results__lookup(h->file, h->path, path, NULL);
    if (rc < 0)
        return rc;
    if (rc > 0)
        return hs_error_set(HS_EEXISTS, "%s: '%s' already exists", h->path,
                            path);
    rc = 0;

    space = H5Screate_simple(rank, dims, NULL);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (space < 0 || dcpl < 0 || lcpl < 0 ||
        H5Pset_create_intermediate_group(lcpl, 1) < 0) {
        rc =
            hs_results__h5fail("%s: cannot set up dataset '%s'", h->path, path);
        goto done;
    }
    if (filters && total > HS_H5_CHUNK_MIN) {
        hsize_t chunk[2];
        if (rank == 1) {
            chunk[0] = dims[0] < HS_H5_CHUNK_ELEMS ? dims[0] : HS_H5_CHUNK_ELEMS;
        } else {
            chunk[1] = dims[1] < HS_H5_CHUNK_ELEMS ? dims[1] : HS_H5_CHUNK_ELEMS;
            chunk[0] = HS_H5_CHUNK_ELEMS / chunk[1];
            if (chunk[0] < 1)
                chunk[0] = 1;
            if (chunk[0] > dims[0])
                chunk[0] = dims[0];
        }
        if (H5Pset_chunk(dcpl, rank, chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
            (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 &&
             H5Pset_deflate(dcpl, HS_H5_DEFLATE_LEVEL) < 0)) {
            rc = hs_results__h5fail(
                "%s: cannot set chunking and compression of '%s'", h->path,
                path);
            goto done;
        }
    }
    dset = H5Dcreate2(h->file, path, ftype, space, lcpl, dcpl, H5P_DEFAULT);
    if (dset < 0) {
        rc =
            hs_results__h5fail("%s: cannot create dataset '%s'", h->path, path);
        goto done;
    }
    if (total > 0 &&
        H5Dwrite(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        rc = hs_results__h5fail("%s: cannot write dataset '%s'", h->path, path);
        goto done;
    }

done:
    hs_results__close(&dset, H5Dclose);
    hs_results__close(&lcpl, H5Pclose);
    hs_results__close(&dcpl, H5Pclose);
    hs_results__close(&space, H5Sclose);
    return rc;
}

static int put_strings(hs_h5 *h, const char *path, const char *const *s,
                       size_t n)
{
    hid_t type = H5I_INVALID_HID;
    hsize_t dim = (hsize_t)n;
    int rc;

    if (n > 0 && !s)
        return hs_error_set(HS_EINVAL, "%s: NULL data for dataset '%s'",
                            h->path, path ? path : "(null)");
    for (size_t i = 0; i < n; i++) {
        char what[64];
        snprintf(what, sizeof what, "string %zu", i);
        if ((rc = hs_results__check_utf8(s[i], h->path, path ? path : "(null)",
                                         what)) != 0)
            return rc;
    }
    type = hs_results__vlen_str_type(H5T_CSET_UTF8);
    if (type < 0)
        return hs_results__h5fail("%s: cannot make a string type for '%s'",
                                  h->path, path ? path : "(null)");
    /* Contiguous: the strings live in the global heap, so compressing the
     * dataset would only compress heap references. */
    rc = put_dataset(h, path, type, type, 1, &dim, 0, s);
    H5Tclose(type);
    return rc;
}

/* ---- writer -------------------------------------------------------------- */

static void free_writer(hs_h5 *h)
{
    if (!h)
        return;
    free(h->path);
    free(h->tmp);
    free(h);
}

/* The directory part of path ("." when there is none); caller frees. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *d;
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    d = malloc((size_t)(slash - path) + 1);
    if (d) {
        memcpy(d, path, (size_t)(slash - path));
        d[slash - path] = '\0';
    }
    return d;
}

static int set_root_attrs(hs_h5 *h)
{
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    int rc;

    if (!gmtime_r(&now, &tm) ||
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return hs_error_set(HS_EIO, "%s: cannot format the current time",
                            h->path);
    if ((rc = hs_h5_attr_str(h, "/", "hedgesim_version", hs_version())) != 0 ||
        (rc = hs_h5_attr_str(h, "/", "created_utc", when)) != 0 ||
        (rc = hs_h5_attr_i64(h, "/", "results_format",
                             HS_H5_FORMAT_VERSION)) != 0)
        return rc;
    return 0;
}

int hs_h5_create(hs_h5 **out, const char *path, int force)
{
    hs_h5 *h = NULL;
    char *dir = NULL;
    hid_t fapl = H5I_INVALID_HID;
    struct stat st;
    size_t tmplen;
    int rc = 0, fd = -1, made_tmp = 0;

    if (!out)
        return hs_error_set(HS_EINVAL, "hs_h5_create: NULL out");
    *out = NULL;
    if (!path || !path[0])
        return hs_error_set(HS_EINVAL, "hs_h5_create: empty results path");

    if (lstat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return hs_error_set(HS_EIO,
                                "cannot write results to '%s': it is a "
                                "directory",
                                path);
        if (!force)
            return hs_error_set(HS_EEXISTS,
                                "results file '%s' already exists; use "
                                "--force to replace it",
                                path);
    } else if (errno != ENOENT) {
        return hs_error_set(HS_EIO, "cannot write results to '%s': %s", path,
                            strerror(errno));
    }

    dir = dir_of(path);
    if (!dir)
        return hs_error_set(HS_ENOMEM, "out of memory");
    if (stat(dir, &st) != 0) {
        rc = hs_error_set(HS_EIO,
                          "cannot write results to '%s': directory '%s' %s",
                          path, dir,
                          errno == ENOENT ? "does not exist" : strerror(errno));
        goto done;
    }
    if (!S_ISDIR(st.st_mode)) {
        rc = hs_error_set(HS_EIO,
                          "cannot write results to '%s': '%s' is not a "
                          "directory",
                          path, dir);
        goto done;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        rc = hs_error_set(HS_EIO,
                          "cannot write results to '%s': directory '%s' is "
                          "not writable (%s)",
                          path, dir, strerror(errno));
        goto done;
    }

    h = calloc(1, sizeof *h);
    tmplen = strlen(path) + 64;
    if (h) {
        h->file = H5I_INVALID_HID;
        h->force = force != 0;
        h->path = strdup(path);
        h->tmp = malloc(tmplen);
    }
    if (!h || !h->path || !h->tmp) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }

    /* Claim an unused temporary name beside the final one (O_EXCL), so two
     * writers never share one; HDF5 then truncates and writes it. */
    for (int attempt = 0; attempt < TMP_ATTEMPTS; attempt++) {
        snprintf(h->tmp, tmplen, "%s.tmp.%ld.%d", path, (long)getpid(),
                 attempt);
        fd = open(h->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            break;
    }
    if (fd < 0) {
        rc = hs_error_set(HS_EIO,
                          "cannot write results to '%s': cannot create "
                          "temporary file '%s': %s",
                          path, h->tmp, strerror(errno));
        goto done;
    }
    made_tmp = 1;
    close(fd);

    fapl = H5Pcreate(H5P_FILE_ACCESS);
    /* Closing the file closes every object still open in it. */
    if (fapl < 0 || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        rc = hs_results__h5fail("%s: cannot set up file access", path);
        goto done;
    }
    h->file = H5Fcreate(h->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (h->file < 0) {
        rc = hs_results__h5fail("cannot create results file '%s' (as '%s')",
                                path, h->tmp);
        goto done;
    }
    if ((rc = set_root_attrs(h)) != 0)
        goto done;

    *out = h;
    h = NULL;

done:
    hs_results__close(&fapl, H5Pclose);
    if (h) {
        hs_results__close(&h->file, H5Fclose);
        if (made_tmp)
            unlink(h->tmp);
        free_writer(h);
    }
    free(dir);
    return rc;
}

const char *hs_h5_path(const hs_h5 *h) { return h ? h->path : NULL; }

const char *hs_h5_tmp_path(const hs_h5 *h) { return h ? h->tmp : NULL; }

/* Make the rename itself durable.  Best effort: some file systems refuse to
 * fsync a directory, and by now the file is complete under its name. */
static void sync_dir_of(const char *path)
{
    char *dir = dir_of(path);
    int fd;
    if (!dir)
        return;
    fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

int hs_h5_commit(hs_h5 *h)
{
    int rc = 0, fd = -1, committed = 0;
    herr_t st;

    if (!h)
        return hs_error_set(HS_EINVAL, "hs_h5_commit: NULL writer");
    if (h->file < 0) {
        rc = hs_error_set(HS_EINVAL, "%s: results writer is not open",
                          h->path);
        goto done;
    }

    st = H5Fclose(h->file); /* flushes; CLOSE_STRONG closes everything */
    h->file = H5I_INVALID_HID;
    if (st < 0) {
        rc = hs_results__h5fail("%s: cannot close results file", h->path);
        goto done;
    }

    fd = open(h->tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        rc = hs_error_set(HS_EIO, "cannot sync results file '%s' (as '%s'): %s",
                          h->path, h->tmp, strerror(errno));
        goto done;
    }
    close(fd);
    fd = -1;

    if (h->force) {
        if (rename(h->tmp, h->path) != 0) {
            rc = hs_error_set(HS_EIO, "cannot rename '%s' to '%s': %s", h->tmp,
                              h->path, strerror(errno));
            goto done;
        }
    } else if (link(h->tmp, h->path) == 0) {
        /* link() refuses to replace: no window for a file appearing under
         * the final name between a check and a rename. */
        committed = 1;
        unlink(h->tmp);
    } else if (errno == EEXIST) {
        rc = hs_error_set(HS_EEXISTS,
                          "results file '%s' appeared while the run was "
                          "writing; left as it is (use --force to replace it)",
                          h->path);
        goto done;
    } else {
        /* File systems without hard links: check, then rename. */
        if (access(h->path, F_OK) == 0) {
            rc = hs_error_set(HS_EEXISTS,
                              "results file '%s' appeared while the run was "
                              "writing; left as it is (use --force to "
                              "replace it)",
                              h->path);
            goto done;
        }
        if (rename(h->tmp, h->path) != 0) {
            rc = hs_error_set(HS_EIO, "cannot rename '%s' to '%s': %s", h->tmp,
                              h->path, strerror(errno));
            goto done;
        }
    }
    committed = 1;
    sync_dir_of(h->path);

done:
    if (fd >= 0)
        close(fd);
    if (!committed) {
        hs_results__close(&h->file, H5Fclose);
        unlink(h->tmp);
    }
    free_writer(h);
    return rc;
}

void hs_h5_abort(hs_h5 *h)
{
    if (!h)
        return;
    hs_results__close(&h->file, H5Fclose);
    unlink(h->tmp);
    free_writer(h);
}

int hs_h5_group(hs_h5 *h, const char *path)
{
    hid_t lcpl = H5I_INVALID_HID, g = H5I_INVALID_HID;
    H5I_type_t t;
    int rc;

    if ((rc = check_writer(h, "hs_h5_group")) != 0 ||
        (rc = hs_results__check_path(path, 1, "group")) != 0)
        return rc;
    rc = hs_results__lookup(h->file, h->path, path, &t);
    if (rc < 0)
        return rc;
    if (rc > 0) {
        if (t == H5I_GROUP)
            return 0;
        return hs_error_set(HS_EEXISTS, "%s: '%s' exists and is not a group",
                            h->path, path);
    }
    rc = 0;
    lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (lcpl < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0) {
        rc = hs_results__h5fail("%s: cannot set up group '%s'", h->path, path);
        goto done;
    }
    g = H5Gcreate2(h->file, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        rc = hs_results__h5fail("%s: cannot create group '%s'", h->path, path);
        goto done;
    }

done:
    hs_results__close(&g, H5Gclose);
    hs_results__close(&lcpl, H5Pclose);
    return rc;
}

int hs_h5_attr_str(hs_h5 *h, const char *obj, const char *name,
                   const char *value)
{
    hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID;
    char what[160];
    int rc;

    if ((rc = check_writer(h, "hs_h5_attr_str")) != 0)
        return rc;
    snprintf(what, sizeof what, "attribute '%s'", name ? name : "(null)");
    if ((rc = hs_results__check_utf8(value, h->path, obj ? obj : "(null)",
                                     what)) != 0)
        return rc;
    type = hs_results__vlen_str_type(H5T_CSET_UTF8);
    space = H5Screate(H5S_SCALAR);
    if (type < 0 || space < 0) {
        rc = hs_results__h5fail("%s: cannot make the type of attribute '%s'",
                                h->path, what);
        goto done;
    }
    rc = put_attr(h, obj, name, type, type, space, &value);

done:
    hs_results__close(&space, H5Sclose);
    hs_results__close(&type, H5Tclose);
    return rc;
}

/* A scalar or 1-D numeric attribute. */
static int attr_num(hs_h5 *h, const char *fn, const char *obj,
                    const char *name, hid_t ftype, hid_t mtype,
                    const void *v, size_t n, int scalar)
{
    hid_t space = H5I_INVALID_HID;
    hsize_t dim = (hsize_t)n;
    int rc;

    if ((rc = check_writer(h, fn)) != 0)
        return rc;
    if (!scalar && (n == 0 || !v))
        return hs_error_set(HS_EINVAL, "%s: %s: need at least one value",
                            h->path, fn);
    space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
    if (space < 0)
        return hs_results__h5fail("%s: cannot make the shape of attribute '%s'",
                                  h->path, name ? name : "(null)");
    rc = put_attr(h, obj, name, ftype, mtype, space, v);
    H5Sclose(space);
    return rc;
}

int hs_h5_attr_f64(hs_h5 *h, const char *obj, const char *name, double value)
{
    return attr_num(h, "hs_h5_attr_f64", obj, name, H5T_IEEE_F64LE,
                    H5T_NATIVE_DOUBLE, &value, 1, 1);
}

int hs_h5_attr_i64(hs_h5 *h, const char *obj, const char *name, int64_t value)
{
    return attr_num(h, "hs_h5_attr_i64", obj, name, H5T_STD_I64LE,
                    H5T_NATIVE_INT64, &value, 1, 1);
}

int hs_h5_attr_f64v(hs_h5 *h, const char *obj, const char *name,
                    const double *values, size_t n)
{
    return attr_num(h, "hs_h5_attr_f64v", obj, name, H5T_IEEE_F64LE,
                    H5T_NATIVE_DOUBLE, values, n, 0);
}

int hs_h5_attr_strings(hs_h5 *h, const char *obj, const char *name,
                       const char *const *values, size_t n)
{
    int rc;
    if ((rc = check_writer(h, "hs_h5_attr_strings")) != 0)
        return rc;
    if (n == 0 || !values)
        return hs_error_set(HS_EINVAL,
                            "%s: hs_h5_attr_strings: need at least one value",
                            h->path);
    return put_attr_strings(h, obj, name, values, n);
}

int hs_h5_write_f64(hs_h5 *h, const char *path, const double *data, size_t n)
{
    hsize_t dim = (hsize_t)n;
    int rc;
    if ((rc = check_writer(h, "hs_h5_write_f64")) != 0)
        return rc;
    return put_dataset(h, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &dim, 1,
                       data);
}

int hs_h5_write_i64(hs_h5 *h, const char *path, const int64_t *data,
                    size_t n)
{
    hsize_t dim = (hsize_t)n;
    int rc;
    if ((rc = check_writer(h, "hs_h5_write_i64")) != 0)
        return rc;
    return put_dataset(h, path, H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &dim, 1,
                       data);
}

int hs_h5_write_u8(hs_h5 *h, const char *path, const uint8_t *data, size_t n)
{
    hsize_t dim = (hsize_t)n;
    int rc;
    if ((rc = check_writer(h, "hs_h5_write_u8")) != 0)
        return rc;
    return put_dataset(h, path, H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, &dim, 1,
                       data);
}

int hs_h5_write_time(hs_h5 *h, const char *path, const int64_t *ms, size_t n)
{
    int rc = hs_h5_write_i64(h, path, ms, n);
    if (rc)
        return rc;
    return hs_h5_attr_str(h, path, "units", HS_H5_UNITS_TIME_MS);
}

int hs_h5_write_f64_2d(hs_h5 *h, const char *path, const double *data,
                       size_t rows, size_t cols)
{
    hsize_t dims[2] = {(hsize_t)rows, (hsize_t)cols};
    int rc;
    if ((rc = check_writer(h, "hs_h5_write_f64_2d")) != 0)
        return rc;
    if (cols != 0 && rows > (size_t)-1 / cols)
        return hs_error_set(HS_EINVAL, "%s: dataset '%s' is too large",
                            h->path, path ? path : "(null)");
    return put_dataset(h, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, 1,
                       data);
}

int hs_h5_write_strings(hs_h5 *h, const char *path, const char *const *s,
                        size_t n)
{
    int rc;
    if ((rc = check_writer(h, "hs_h5_write_strings")) != 0)
        return rc;
    return put_strings(h, path, s, n);
}

int hs_h5_describe(hs_h5 *h, const char *path, const char *units,
                   const char *description)
{
    int rc;
    if ((rc = check_writer(h, "hs_h5_describe")) != 0)
        return rc;
    if (units && (rc = hs_h5_attr_str(h, path, "units", units)) != 0)
        return rc;
    if (description &&
        (rc = hs_h5_attr_str(h, path, "description", description)) != 0)
        return rc;
    return 0;
}

/* ---- tables -------------------------------------------------------------- */

int hs_h5_table(hs_h5 *h, const char *path, size_t nrows)
{
    int rc;

    if ((rc = check_writer(h, "hs_h5_table")) != 0 ||
        (rc = hs_results__check_path(path, 0, "table")) != 0)
        return rc;
    rc = hs_results__lookup(h->file, h->path, path, NULL);
    if (rc < 0)
        return rc;
    if (rc > 0)
        return hs_error_set(HS_EEXISTS, "%s: '%s' already exists", h->path,
                            path);
    if ((rc = hs_h5_group(h, path)) != 0 ||
        (rc = hs_h5_attr_i64(h, path, "nrows", (int64_t)nrows)) != 0 ||
        (rc = put_attr_strings(h, path, "columns", NULL, 0)) != 0)
        return rc;
    return 0;
}

/* Write column `column` of table `path` and append its name to `columns`.
 * strings: data is const char *const *. */
static int table_column(hs_h5 *h, const char *fn, const char *path,
                        const char *column, hid_t ftype, hid_t mtype,
                        int strings, const void *data)
{
    char **cols = NULL;
    const char **next = NULL;
    char *full = NULL;
    size_t ncols = 0;
    int64_t nrows = 0;
    int rc;

    if ((rc = check_writer(h, fn)) != 0 ||
        (rc = hs_results__check_path(path, 0, "table")) != 0)
        return rc;
    if (!column || !column[0] || strchr(column, '/') ||
        strcmp(column, ".") == 0 || strcmp(column, "..") == 0)
        return hs_error_set(HS_EINVAL, "%s: bad column name '%s' for table '%s'",
                            h->path, column ? column : "(null)", path);
    rc = hs_results__lookup(h->file, h->path, path, NULL);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return hs_error_set(HS_EINVAL, "%s: no table '%s' (create it with "
                            "hs_h5_table first)", h->path, path);
    rc = hs_results__attr_scalar(h->file, h->path, path, "nrows", H5T_INTEGER,
                                 H5T_NATIVE_INT64, &nrows);
    if (rc == 0)
        rc = hs_results__attr_strings(h->file, h->path, path, "columns", &cols,
                                      &ncols);
    if (rc == HS_ENOTFOUND || rc == HS_EDATA) {
        hs_error_prefix("'%s' is not a table: ", path);
        rc = HS_EINVAL;
    }
    if (rc)
        goto done;

    full = malloc(strlen(path) + strlen(column) + 2);
    next = malloc((ncols + 1) * sizeof *next);
    if (!full || !next) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    sprintf(full, "%s/%s", path, column);
    if (strings) {
        rc = put_strings(h, full, data, (size_t)nrows);
    } else {
        hsize_t dim = (hsize_t)nrows;
        rc = put_dataset(h, full, ftype, mtype, 1, &dim, 1, data);
    }
    if (rc)
        goto done;
    for (size_t i = 0; i < ncols; i++)
        next[i] = cols[i];
    next[ncols] = column;
    rc = put_attr_strings(h, path, "columns", next, ncols + 1);

done:
    free(next);
    free(full);
    hs_h5_strings_free(cols, ncols);
    return rc;
}

int hs_h5_table_f64(hs_h5 *h, const char *path, const char *column,
                    const double *data)
{
    return table_column(h, "hs_h5_table_f64", path, column, H5T_IEEE_F64LE,
                        H5T_NATIVE_DOUBLE, 0, data);
}

int hs_h5_table_i64(hs_h5 *h, const char *path, const char *column,
                    const int64_t *data)
{
    return table_column(h, "hs_h5_table_i64", path, column, H5T_STD_I64LE,
                        H5T_NATIVE_INT64, 0, data);
}

int hs_h5_table_strings(hs_h5 *h, const char *path, const char *column,
                        const char *const *data)
{
    return table_column(h, "hs_h5_table_strings", path, column,
                        H5I_INVALID_HID, H5I_INVALID_HID, 1, data);
}

/* ---- records (compound tables) -------------------------------------------- */

int hs_h5_write_records(hs_h5 *h, const char *path, const hs_h5_field *fields,
                        size_t n_fields, const void *rows, size_t row_size,
                        size_t n_rows)
{
    hid_t mt = H5I_INVALID_HID, ft = H5I_INVALID_HID;
    hsize_t dims[1] = {(hsize_t)n_rows};
    int rc;
    if ((rc = check_writer(h, "hs_h5_write_records")) != 0)
        return rc;
    if (!fields || n_fields == 0 || row_size == 0)
        return hs_error_set(HS_EINVAL, "%s: records '%s' without fields",
                            h->path, path ? path : "(null)");
    mt = H5Tcreate(H5T_COMPOUND, row_size);
    ft = H5Tcreate(H5T_COMPOUND, 8 * n_fields);
    if (mt < 0 || ft < 0) {
        rc = hs_results__h5fail("%s: cannot create the types of '%s'", h->path,
                                path);
        goto done;
    }
    for (size_t i = 0; i < n_fields; i++) {
        const hs_h5_field *f = &fields[i];
        if (!f->name || !*f->name || f->offset + 8 > row_size) {
            rc = hs_error_set(HS_EINVAL, "%s: records '%s': bad field %zu",
                              h->path, path, i);
            goto done;
        }
        if (H5Tinsert(mt, f->name, f->offset,
                      f->i64 ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE) < 0 ||
            H5Tinsert(ft, f->name, 8 * i,
                      f->i64 ? H5T_STD_I64LE : H5T_IEEE_F64LE) < 0) {
            rc = hs_results__h5fail("%s: records '%s': field '%s'", h->path,
                                    path, f->name);
            goto done;
        }
    }
    rc = put_dataset(h, path, ft, mt, 1, dims, 1, rows);
done:
    hs_results__close(&mt, H5Tclose);
    hs_results__close(&ft, H5Tclose);
    return rc;
}
