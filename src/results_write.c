/* HDF5 results files: an atomic writer (temporary name, fsync, rename) and a
 * small reader.  Conventions are documented in include/hedgesim/results.h
 * and docs/results-format.md. */
#include "hedgesim/results.h"

#include "hedgesim/errors.h"
#include "hedgesim/hedgesim.h"

#include <hdf5.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
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

/* ---- errors -------------------------------------------------------------- */

typedef struct inner_msg {
    char text[384];
} inner_msg;

/* H5Ewalk2 callback: keep the innermost (first, walking upward) message. */
static herr_t inner_cb(unsigned n, const H5E_error2_t *e, void *cd)
{
    inner_msg *m = cd;
    if (n == 0 && e) {
        const char *d = e->desc && e->desc[0] ? e->desc : e->func_name;
        snprintf(m->text, sizeof m->text, "%s", d ? d : "");
    }
    return 0;
}

/* Record an HDF5 failure: the formatted context (which names the file and
 * the object), then HDF5's innermost message if it has one.  Must be called
 * right after the failing HDF5 call, before the next one clears the stack. */
static int h5fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static int h5fail(const char *fmt, ...)
{
    inner_msg m;
    char ctx[768];
    va_list ap;

    m.text[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, inner_cb, &m);
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    if (m.text[0])
        return hs_error_set(HS_EHDF5, "%s (HDF5: %s)", ctx, m.text);
    return hs_error_set(HS_EHDF5, "%s", ctx);
}

static void close_obj(hid_t *id, herr_t (*closer)(hid_t))
{
    if (*id >= 0)
        closer(*id);
    *id = H5I_INVALID_HID;
}

/* ---- paths and text ------------------------------------------------------ */

/* An absolute object path without empty, "." or ".." components. */
static int check_path(const char *p, int allow_root, const char *what)
{
    const char *c;

    if (!p || p[0] != '/')
        return hs_error_set(HS_EINVAL,
                            "%s path '%s' must be absolute (start with '/')",
                            what, p ? p : "(null)");
    if (p[1] == '\0') {
        if (allow_root)
            return 0;
        return hs_error_set(HS_EINVAL, "%s path '/' is the root group", what);
    }
    c = p + 1;
    for (;;) {
        const char *end = strchr(c, '/');
        size_t len = end ? (size_t)(end - c) : strlen(c);
        if (len == 0 || (len == 1 && c[0] == '.') ||
            (len == 2 && c[0] == '.' && c[1] == '.'))
            return hs_error_set(HS_EINVAL,
                                "%s path '%s' has an empty, '.' or '..' "
                                "component",
                                what, p);
        if (!end)
            return 0;
        c = end + 1;
    }
}

/* Offset of the first byte of s that is not valid UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF are invalid), or -1. */
static long utf8_bad_offset(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (s[i]) {
        unsigned c = s[i], cp, min;
        size_t len, k;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return (long)i;
        }
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) /* also stops at the NUL */
                return (long)i;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return (long)i;
        i += len;
    }
    return -1;
}

static int check_utf8(const char *s, const char *file, const char *obj,
                      const char *what)
{
    long bad;
    if (!s)
        return hs_error_set(HS_EINVAL, "%s: NULL string for %s of '%s'", file,
                            what, obj);
    bad = utf8_bad_offset(s);
    if (bad >= 0)
        return hs_error_set(HS_EINVAL,
                            "%s: %s of '%s' is not valid UTF-8 (byte %ld)",
                            file, what, obj, bad);
    return 0;
}

/* Variable-length string type of the given character set. */
static hid_t vlen_str_type(H5T_cset_t cset)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return H5I_INVALID_HID;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, cset) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

static herr_t vlen_reclaim(hid_t type, hid_t space, void *buf)
{
#if H5_VERSION_GE(1, 12, 0)
    return H5Treclaim(type, space, H5P_DEFAULT, buf);
#else
    return H5Dvlen_reclaim(type, space, H5P_DEFAULT, buf);
#endif
}

/* ---- object lookup ------------------------------------------------------- */

/* Does `path` name an object in f?  1 (with its kind in *type), 0, or a
 * negative error.  Walks the path one component at a time, because HDF5
 * fails rather than answering "no" when a parent is missing. */
static int lookup(hid_t f, const char *fname, const char *path,
                  H5I_type_t *type)
{
    char *buf = NULL;
    char *slash;
    hid_t o = H5I_INVALID_HID;
    int rc = 0;

    if (type)
        *type = H5I_BADID;
    if (strcmp(path, "/") == 0) {
        if (type)
            *type = H5I_GROUP;
        return 1;
    }
    buf = strdup(path);
    if (!buf)
        return hs_error_set(HS_ENOMEM, "out of memory");

    slash = buf;
    for (;;) {
        htri_t ex;
        H5I_type_t t;
        char *next = strchr(slash + 1, '/');
        if (next)
            *next = '\0';
        ex = H5Lexists(f, buf, H5P_DEFAULT);
        if (ex < 0) {
            rc = h5fail("%s: cannot look up '%s'", fname, buf);
            goto done;
        }
        if (ex == 0)
            goto done; /* rc = 0: missing */
        ex = H5Oexists_by_name(f, buf, H5P_DEFAULT);
        if (ex < 0) {
            rc = h5fail("%s: cannot look up '%s'", fname, buf);
            goto done;
        }
        if (ex == 0)
            goto done; /* a dangling link */
        o = H5Oopen(f, buf, H5P_DEFAULT);
        if (o < 0) {
            rc = h5fail("%s: cannot open '%s'", fname, buf);
            goto done;
        }
        t = H5Iget_type(o);
        close_obj(&o, H5Oclose);
        if (!next) {
            if (type)
                *type = t;
            rc = 1;
            goto done;
        }
        if (t != H5I_GROUP)
            goto done; /* a dataset cannot have children */
        *next = '/';
        slash = next;
    }

done:
    close_obj(&o, H5Oclose);
    free(buf);
    return rc;
}

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

    if ((rc = check_path(obj, 1, "object")) != 0)
        return rc;
    if (!name || !name[0])
        return hs_error_set(HS_EINVAL, "%s: empty attribute name on '%s'",
                            h->path, obj);
    rc = lookup(h->file, h->path, obj, &t);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return hs_error_set(HS_ENOTFOUND,
                            "%s: no object '%s' to set attribute '%s' on",
                            h->path, obj, name);
    rc = 0;

    o = H5Oopen(h->file, obj, H5P_DEFAULT);
    if (o < 0) {
        rc = h5fail("%s: cannot open '%s'", h->path, obj);
        goto done;
    }
    ex = H5Aexists(o, name);
    if (ex < 0 || (ex > 0 && H5Adelete(o, name) < 0)) {
        rc = h5fail("%s: cannot replace attribute '%s' of '%s'", h->path,
                    name, obj);
        goto done;
    }
    a = H5Acreate2(o, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) {
        rc = h5fail("%s: cannot create attribute '%s' of '%s'", h->path, name,
                    obj);
        goto done;
    }
    if (H5Awrite(a, mtype, buf) < 0) {
        rc = h5fail("%s: cannot write attribute '%s' of '%s'", h->path, name,
                    obj);
        goto done;
    }

done:
    close_obj(&a, H5Aclose);
    close_obj(&o, H5Oclose);
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
        if ((rc = check_utf8(v[i], h->path, obj, what)) != 0)
            return rc;
    }
    type = vlen_str_type(H5T_CSET_UTF8);
    space = H5Screate_simple(1, &dim, NULL);
    if (type < 0 || space < 0) {
        rc = h5fail("%s: cannot make the type of attribute '%s' of '%s'",
                    h->path, name, obj);
        goto done;
    }
    /* HDF5 wants a buffer even for zero elements. */
    rc = put_attr(h, obj, name, type, type, space, n > 0 ? (const void *)v
                                                         : (const void *)&empty);

done:
    close_obj(&space, H5Sclose);
    close_obj(&type, H5Tclose);
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

    if ((rc = check_path(path, 0, "dataset")) != 0)
        return rc;
    for (int i = 0; i < rank; i++)
        total *= dims[i];
    if (total > 0 && !data)
        return hs_error_set(HS_EINVAL, "%s: NULL data for dataset '%s'",
                            h->path, path);
    rc = lookup(h->file, h->path, path, NULL);
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
        rc = h5fail("%s: cannot set up dataset '%s'", h->path, path);
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
            rc = h5fail("%s: cannot set chunking and compression of '%s'",
                        h->path, path);
            goto done;
        }
    }
    dset = H5Dcreate2(h->file, path, ftype, space, lcpl, dcpl, H5P_DEFAULT);
    if (dset < 0) {
        rc = h5fail("%s: cannot create dataset '%s'", h->path, path);
        goto done;
    }
    if (total > 0 &&
        H5Dwrite(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        rc = h5fail("%s: cannot write dataset '%s'", h->path, path);
        goto done;
    }

done:
    close_obj(&dset, H5Dclose);
    close_obj(&lcpl, H5Pclose);
    close_obj(&dcpl, H5Pclose);
    close_obj(&space, H5Sclose);
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
        if ((rc = check_utf8(s[i], h->path, path ? path : "(null)", what)) != 0)
            return rc;
    }
    type = vlen_str_type(H5T_CSET_UTF8);
    if (type < 0)
        return h5fail("%s: cannot make a string type for '%s'", h->path,
                      path ? path : "(null)");
    /* Contiguous: the strings live in the global heap, so compressing the
     * dataset would only compress heap references. */
    rc = put_dataset(h, path, type, type, 1, &dim, 0, s);
    H5Tclose(type);
    return rc;
}

/* ---- reader internals (on an open file id) ------------------------------- */

static int open_attr(hid_t f, const char *fname, const char *obj,
                     const char *name, hid_t *out)
{
    htri_t ex;
    int rc;

    *out = H5I_INVALID_HID;
    if ((rc = check_path(obj, 1, "object")) != 0)
        return rc;
    if (!name)
        return hs_error_set(HS_EINVAL, "NULL attribute name");
    rc = lookup(f, fname, obj, NULL);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return hs_error_set(HS_ENOTFOUND, "%s: no object '%s'", fname, obj);
    ex = H5Aexists_by_name(f, obj, name, H5P_DEFAULT);
    if (ex < 0)
        return h5fail("%s: cannot look up attribute '%s' of '%s'", fname, name,
                      obj);
    if (ex == 0)
        return hs_error_set(HS_ENOTFOUND, "%s: '%s' has no attribute '%s'",
                            fname, obj, name);
    *out = H5Aopen_by_name(f, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (*out < 0)
        return h5fail("%s: cannot open attribute '%s' of '%s'", fname, name,
                      obj);
    return 0;
}

/* Read the n string elements of a dataset or attribute (is_attr) into the
 * caller's dst[0..n-1] as malloc'ed copies. */
static int read_str_elems(hid_t obj, int is_attr, hid_t ftype, hid_t space,
                          size_t n, char **dst, const char *fname,
                          const char *label)
{
    hid_t mt = H5I_INVALID_HID;
    char **vl = NULL;
    char *fixed = NULL;
    htri_t isvar;
    int rc = 0, got = 0;

    if (n == 0)
        return 0;
    isvar = H5Tis_variable_str(ftype);
    if (isvar < 0)
        return h5fail("%s: cannot inspect the string type of %s", fname,
                      label);
    if (isvar) {
        vl = calloc(n, sizeof *vl);
        mt = vlen_str_type(H5Tget_cset(ftype));
        if (!vl) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        if (mt < 0) {
            rc = h5fail("%s: cannot make a string type for %s", fname, label);
            goto done;
        }
        if ((is_attr ? H5Aread(obj, mt, vl)
                     : H5Dread(obj, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, vl)) <
            0) {
            rc = h5fail("%s: cannot read %s", fname, label);
            goto done;
        }
        got = 1;
        for (size_t i = 0; i < n; i++) {
            dst[i] = strdup(vl[i] ? vl[i] : "");
            if (!dst[i]) {
                rc = hs_error_set(HS_ENOMEM, "out of memory");
                goto done;
            }
        }
    } else {
        size_t sz = H5Tget_size(ftype);
        if (sz == 0) {
            rc = h5fail("%s: cannot inspect the string type of %s", fname,
                        label);
            goto done;
        }
        if (n > (size_t)-1 / sz) {
            rc = hs_error_set(HS_ENOMEM, "%s: %s is too large", fname, label);
            goto done;
        }
        fixed = malloc(n * sz);
        mt = H5Tcopy(ftype);
        if (!fixed) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        if (mt < 0 ||
            (is_attr ? H5Aread(obj, mt, fixed)
                     : H5Dread(obj, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, fixed)) <
                0) {
            rc = h5fail("%s: cannot read %s", fname, label);
            goto done;
        }
        int spacepad = H5Tget_strpad(ftype) == H5T_STR_SPACEPAD;
        for (size_t i = 0; i < n; i++) {
            size_t len = strnlen(fixed + i * sz, sz);
            if (spacepad)
                while (len > 0 && fixed[i * sz + len - 1] == ' ')
                    len--;
            dst[i] = malloc(len + 1);
            if (!dst[i]) {
                rc = hs_error_set(HS_ENOMEM, "out of memory");
                goto done;
            }
            memcpy(dst[i], fixed + i * sz, len);
            dst[i][len] = '\0';
        }
    }

done:
    if (got)
        vlen_reclaim(mt, space, vl);
    free(vl);
    free(fixed);
    close_obj(&mt, H5Tclose);
    return rc;
}

/* Read attribute obj@name (string class, any shape) as an array of copies. */
static int attr_strings_at(hid_t f, const char *fname, const char *obj,
                           const char *name, char ***out, size_t *n)
{
    hid_t a = H5I_INVALID_HID, t = H5I_INVALID_HID, s = H5I_INVALID_HID;
    char **v = NULL;
    hssize_t np = 0;
    char label[256];
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = open_attr(f, fname, obj, name, &a)) != 0)
        goto done;
    snprintf(label, sizeof label, "attribute '%s' of '%s'", name, obj);
    t = H5Aget_type(a);
    s = H5Aget_space(a);
    if (t < 0 || s < 0 || (np = H5Sget_simple_extent_npoints(s)) < 0) {
        rc = h5fail("%s: cannot inspect %s", fname, label);
        goto done;
    }
    if (H5Tget_class(t) != H5T_STRING) {
        rc = hs_error_set(HS_EDATA, "%s: %s is not a string", fname, label);
        goto done;
    }
    if (np > 0) {
        v = calloc((size_t)np, sizeof *v);
        if (!v) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        rc = read_str_elems(a, 1, t, s, (size_t)np, v, fname, label);
        if (rc)
            goto done;
    }
    *out = v;
    *n = (size_t)np;
    v = NULL;

done:
    hs_h5_strings_free(v, np > 0 ? (size_t)np : 0);
    close_obj(&s, H5Sclose);
    close_obj(&t, H5Tclose);
    close_obj(&a, H5Aclose);
    return rc;
}

/* Read a one-element numeric attribute of class `cls` as mtype into buf. */
static int attr_scalar_at(hid_t f, const char *fname, const char *obj,
                          const char *name, H5T_class_t cls, hid_t mtype,
                          void *buf)
{
    hid_t a = H5I_INVALID_HID, t = H5I_INVALID_HID, s = H5I_INVALID_HID;
    int rc;

    if ((rc = open_attr(f, fname, obj, name, &a)) != 0)
        goto done;
    t = H5Aget_type(a);
    s = H5Aget_space(a);
    if (t < 0 || s < 0) {
        rc = h5fail("%s: cannot inspect attribute '%s' of '%s'", fname, name,
                    obj);
        goto done;
    }
    if (H5Tget_class(t) != cls) {
        rc = hs_error_set(HS_EDATA, "%s: attribute '%s' of '%s' is not %s",
                          fname, name, obj,
                          cls == H5T_FLOAT ? "floating-point" : "an integer");
        goto done;
    }
    if (H5Sget_simple_extent_npoints(s) != 1) {
        rc = hs_error_set(HS_EDATA, "%s: attribute '%s' of '%s' is not a "
                          "single value", fname, name, obj);
        goto done;
    }
    if (H5Aread(a, mtype, buf) < 0) {
        rc = h5fail("%s: cannot read attribute '%s' of '%s'", fname, name,
                    obj);
        goto done;
    }

done:
    close_obj(&s, H5Sclose);
    close_obj(&t, H5Tclose);
    close_obj(&a, H5Aclose);
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
        rc = h5fail("%s: cannot set up file access", path);
        goto done;
    }
    h->file = H5Fcreate(h->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (h->file < 0) {
        rc = h5fail("cannot create results file '%s' (as '%s')", path,
                    h->tmp);
        goto done;
    }
    if ((rc = set_root_attrs(h)) != 0)
        goto done;

    *out = h;
    h = NULL;

done:
    close_obj(&fapl, H5Pclose);
    if (h) {
        close_obj(&h->file, H5Fclose);
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
        rc = h5fail("%s: cannot close results file", h->path);
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
        close_obj(&h->file, H5Fclose);
        unlink(h->tmp);
    }
    free_writer(h);
    return rc;
}

void hs_h5_abort(hs_h5 *h)
{
    if (!h)
        return;
    close_obj(&h->file, H5Fclose);
    unlink(h->tmp);
    free_writer(h);
}

int hs_h5_group(hs_h5 *h, const char *path)
{
    hid_t lcpl = H5I_INVALID_HID, g = H5I_INVALID_HID;
    H5I_type_t t;
    int rc;

    if ((rc = check_writer(h, "hs_h5_group")) != 0 ||
        (rc = check_path(path, 1, "group")) != 0)
        return rc;
    rc = lookup(h->file, h->path, path, &t);
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
        rc = h5fail("%s: cannot set up group '%s'", h->path, path);
        goto done;
    }
    g = H5Gcreate2(h->file, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        rc = h5fail("%s: cannot create group '%s'", h->path, path);
        goto done;
    }

done:
    close_obj(&g, H5Gclose);
    close_obj(&lcpl, H5Pclose);
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
    if ((rc = check_utf8(value, h->path, obj ? obj : "(null)", what)) != 0)
        return rc;
    type = vlen_str_type(H5T_CSET_UTF8);
    space = H5Screate(H5S_SCALAR);
    if (type < 0 || space < 0) {
        rc = h5fail("%s: cannot make the type of attribute '%s'", h->path,
                    what);
        goto done;
    }
    rc = put_attr(h, obj, name, type, type, space, &value);

done:
    close_obj(&space, H5Sclose);
    close_obj(&type, H5Tclose);
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
        return h5fail("%s: cannot make the shape of attribute '%s'", h->path,
                      name ? name : "(null)");
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
        (rc = check_path(path, 0, "table")) != 0)
        return rc;
    rc = lookup(h->file, h->path, path, NULL);
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
        (rc = check_path(path, 0, "table")) != 0)
        return rc;
    if (!column || !column[0] || strchr(column, '/') ||
        strcmp(column, ".") == 0 || strcmp(column, "..") == 0)
        return hs_error_set(HS_EINVAL, "%s: bad column name '%s' for table '%s'",
                            h->path, column ? column : "(null)", path);
    rc = lookup(h->file, h->path, path, NULL);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return hs_error_set(HS_EINVAL, "%s: no table '%s' (create it with "
                            "hs_h5_table first)", h->path, path);
    rc = attr_scalar_at(h->file, h->path, path, "nrows", H5T_INTEGER,
                        H5T_NATIVE_INT64, &nrows);
    if (rc == 0)
        rc = attr_strings_at(h->file, h->path, path, "columns", &cols, &ncols);
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
        return h5fail("cannot open '%s' as an HDF5 file", file);
    return 0;
}

int hs_h5_exists(const char *file, const char *objpath)
{
    hid_t f = H5I_INVALID_HID;
    int rc;

    if ((rc = check_path(objpath, 1, "object")) != 0)
        return rc;
    if ((rc = ropen(file, &f)) != 0)
        return rc;
    rc = lookup(f, file, objpath, NULL);
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
    if ((rc = check_path(dset, 0, "dataset")) != 0)
        return rc;
    if ((rc = ropen(file, &f)) != 0)
        return rc;
    rc = lookup(f, file, dset, &kind);
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
        rc = h5fail("%s: cannot open dataset '%s'", file, dset);
        goto done;
    }
    t = H5Dget_type(d);
    s = H5Dget_space(d);
    if (t < 0 || s < 0 || (nd = H5Sget_simple_extent_ndims(s)) < 0) {
        rc = h5fail("%s: cannot inspect dataset '%s'", file, dset);
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
        rc = h5fail("%s: cannot inspect dataset '%s'", file, dset);
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
            rc = h5fail("%s: cannot read dataset '%s'", file, dset);
            goto done;
        }
    }
    *out = buf;
    buf = NULL;

done:
    free(buf);
    close_obj(&s, H5Sclose);
    close_obj(&t, H5Tclose);
    close_obj(&d, H5Dclose);
    close_obj(&f, H5Fclose);
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
    if ((rc = check_path(dset, 0, "dataset")) != 0)
        return rc;
    if ((rc = ropen(file, &f)) != 0)
        return rc;
    rc = lookup(f, file, dset, &kind);
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
        rc = h5fail("%s: cannot open dataset '%s'", file, dset);
        goto done;
    }
    t = H5Dget_type(d);
    s = H5Dget_space(d);
    if (t < 0 || s < 0 || (nd = H5Sget_simple_extent_ndims(s)) < 0) {
        rc = h5fail("%s: cannot inspect dataset '%s'", file, dset);
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
        if ((rc = read_str_elems(d, 0, t, s, (size_t)dim, v, file, label)) !=
            0)
            goto done;
    }
    *out = v;
    *n = (size_t)dim;
    v = NULL;

done:
    hs_h5_strings_free(v, (size_t)dim);
    close_obj(&s, H5Sclose);
    close_obj(&t, H5Tclose);
    close_obj(&d, H5Dclose);
    close_obj(&f, H5Fclose);
    return rc;
}

void hs_h5_strings_free(char **s, size_t n)
{
    if (!s)
        return;
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
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
    rc = attr_strings_at(f, file, obj, name, &v, &n);
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
    rc = attr_scalar_at(f, file, obj, name, H5T_FLOAT, H5T_NATIVE_DOUBLE, out);
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
    rc = attr_scalar_at(f, file, obj, name, H5T_INTEGER, H5T_NATIVE_INT64,
                        out);
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
    rc = attr_strings_at(f, file, obj, name, out, n);
    H5Fclose(f);
    return rc;
}
