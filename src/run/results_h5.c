/* The HDF5 layer of the results module: what the writer (results_write.c)
 * and the reader (results_read.c) share.  HDF5 errors turned into hs_error_set
 * messages, object paths and UTF-8 checks, string types, the object lookup
 * that answers "missing" instead of failing, and attribute reads on an open
 * file (the writer reads a table's nrows and columns back).  Declarations
 * and the reason for the names are in results_int.h. */
#include "results_int.h"

#include "hedgesim/errors.h"
#include "hedgesim/results.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int hs_results__h5fail(const char *fmt, ...)
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

void hs_results__close(hid_t *id, herr_t (*closer)(hid_t))
{
    if (*id >= 0)
        closer(*id);
    *id = H5I_INVALID_HID;
}

/* ---- paths and text ------------------------------------------------------ */

/* An absolute object path without empty, "." or ".." components. */
int hs_results__check_path(const char *p, int allow_root, const char *what)
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

int hs_results__check_utf8(const char *s, const char *file, const char *obj,
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
hid_t hs_results__vlen_str_type(H5T_cset_t cset)
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
int hs_results__lookup(hid_t f, const char *fname, const char *path,
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
            rc = hs_results__h5fail("%s: cannot look up '%s'", fname, buf);
            goto done;
        }
        if (ex == 0)
            goto done; /* rc = 0: missing */
        ex = H5Oexists_by_name(f, buf, H5P_DEFAULT);
        if (ex < 0) {
            rc = hs_results__h5fail("%s: cannot look up '%s'", fname, buf);
            goto done;
        }
        if (ex == 0)
            goto done; /* a dangling link */
        o = H5Oopen(f, buf, H5P_DEFAULT);
        if (o < 0) {
            rc = hs_results__h5fail("%s: cannot open '%s'", fname, buf);
            goto done;
        }
        t = H5Iget_type(o);
        hs_results__close(&o, H5Oclose);
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
    hs_results__close(&o, H5Oclose);
    free(buf);
    return rc;
}

/* ---- reader internals (on an open file id) ------------------------------- */

static int open_attr(hid_t f, const char *fname, const char *obj,
                     const char *name, hid_t *out)
{
    htri_t ex;
    int rc;

    *out = H5I_INVALID_HID;
    if ((rc = hs_results__check_path(obj, 1, "object")) != 0)
        return rc;
    if (!name)
        return hs_error_set(HS_EINVAL, "NULL attribute name");
    rc = hs_results__lookup(f, fname, obj, NULL);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return hs_error_set(HS_ENOTFOUND, "%s: no object '%s'", fname, obj);
    ex = H5Aexists_by_name(f, obj, name, H5P_DEFAULT);
    if (ex < 0)
        return hs_results__h5fail("%s: cannot look up attribute '%s' of '%s'",
                                  fname, name, obj);
    if (ex == 0)
        return hs_error_set(HS_ENOTFOUND, "%s: '%s' has no attribute '%s'",
                            fname, obj, name);
    *out = H5Aopen_by_name(f, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (*out < 0)
        return hs_results__h5fail("%s: cannot open attribute '%s' of '%s'",
                                  fname, name, obj);
    return 0;
}

/* Read the n string elements of a dataset or attribute (is_attr) into the
 * caller's dst[0..n-1] as malloc'ed copies. */
int hs_results__read_str_elems(hid_t obj, int is_attr, hid_t ftype, hid_t space,
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
        return hs_results__h5fail("%s: cannot inspect the string type of %s",
                                  fname, label);
    if (isvar) {
        vl = calloc(n, sizeof *vl);
        mt = hs_results__vlen_str_type(H5Tget_cset(ftype));
        if (!vl) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        if (mt < 0) {
            rc = hs_results__h5fail("%s: cannot make a string type for %s",
                                    fname, label);
            goto done;
        }
        if ((is_attr ? H5Aread(obj, mt, vl)
                     : H5Dread(obj, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, vl)) <
            0) {
            rc = hs_results__h5fail("%s: cannot read %s", fname, label);
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
            rc = hs_results__h5fail("%s: cannot inspect the string type of %s",
                                    fname, label);
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
            rc = hs_results__h5fail("%s: cannot read %s", fname, label);
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
    hs_results__close(&mt, H5Tclose);
    return rc;
}

/* Read attribute obj@name (string class, any shape) as an array of copies. */
int hs_results__attr_strings(hid_t f, const char *fname, const char *obj,
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
        rc = hs_results__h5fail("%s: cannot inspect %s", fname, label);
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
        rc =
            hs_results__read_str_elems(a, 1, t, s, (size_t)np, v, fname, label);
        if (rc)
            goto done;
    }
    *out = v;
    *n = (size_t)np;
    v = NULL;

done:
    hs_h5_strings_free(v, np > 0 ? (size_t)np : 0);
    hs_results__close(&s, H5Sclose);
    hs_results__close(&t, H5Tclose);
    hs_results__close(&a, H5Aclose);
    return rc;
}

/* Read a one-element numeric attribute of class `cls` as mtype into buf. */
int hs_results__attr_scalar(hid_t f, const char *fname, const char *obj,
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
        rc = hs_results__h5fail("%s: cannot inspect attribute '%s' of '%s'",
                                fname, name, obj);
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
        rc = hs_results__h5fail("%s: cannot read attribute '%s' of '%s'", fname,
                                name, obj);
        goto done;
    }

done:
    hs_results__close(&s, H5Sclose);
    hs_results__close(&t, H5Tclose);
    hs_results__close(&a, H5Aclose);
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
