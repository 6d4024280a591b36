/* Writing HDF5 results files: the atomic writer (temporary name, fsync,
 * rename in hs_h5_commit), groups, attributes, datasets and tables.  The
 * conventions are documented in include/hedgesim/results.h and
 * docs/results-format.md; the helpers shared with the reader are in
 * results_h5.c (declared in results_int.h). */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* mremap: the image grows in place, without a copy */
#endif
#include "results_int.h"

#include "hedgesim/errors.h"
#include "hedgesim/hedgesim.h"
#include "hedgesim/results.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include <time.h>
#include <unistd.h>

/* The in-memory file image: the core driver's buffer, allocated through
 * the file image callbacks (image_* below) so that the writer owns it and
 * writes it out at commit without a copy. */
typedef struct image_buf {
    unsigned char *mem; /* the image (NULL until the first write) */
    size_t size;        /* bytes the driver asked for */
    size_t cap;         /* bytes allocated */
} image_buf;

/* An object kept open with its path (id invalid and path NULL when none):
 * the attributes and children that usually follow its creation then need
 * no look-up from the root. */
typedef struct open_obj {
    hid_t id;
    char *path;
} open_obj;

struct hs_h5 {
    hid_t file;    /* in memory (core driver) until commit/abort */
    hid_t lcpl;    /* link creation: make intermediate groups */
    open_obj last; /* the object created or given attributes last */
    open_obj grp;  /* the group created or checked last */
    image_buf img; /* the file image (freed by free_writer) */
    int force;     /* replace an existing results file at commit */
    int discard;   /* the path is the null device: write nothing */
    int fd;        /* the temporary file, locked; written at commit */
    char *path;    /* final name */
    char *tmp;     /* temporary name in the same directory (NULL: discard) */
    char **keep;   /* [n_keep] files never to be replaced */
    size_t n_keep;
};

/* Attempts at finding an unused temporary name before giving up. */
#define TMP_ATTEMPTS 1000

/* Growth step of the in-memory file image as the core driver sees it
 * (bytes): the driver zeroes each new step before writing into it.  The
 * buffer underneath grows by doubling (image_realloc), so a small step
 * costs neither copies nor zeroing of pages that are never written. */
#define CORE_INCREMENT (256u << 10)

/* The first allocation of the image buffer (bytes): one huge page. */
#define IMAGE_MIN_CAP (2u << 20)

/* ---- writer internals ---------------------------------------------------- */

static int check_writer(const hs_h5 *h, const char *fn)
{
    if (!h || h->file < 0)
        return hs_error_set(HS_EINVAL, "%s: no open results writer", fn);
    return 0;
}

/* ---- the image buffer (HDF5 file image callbacks) ---------------------- */

static void *image_realloc_cb(void *ptr, size_t size, H5FD_file_image_op_t op,
                              void *udata);

/* The buffer moved to `cap` bytes, its contents kept; NULL if out of
 * memory.  On Linux it is a mapping of its own that grows by mremap (no
 * copy) and asks for transparent huge pages: the image is tens of MB
 * written once, and page faults are most of its cost (a 4 KiB page per
 * fault, against 2 MiB). */
static unsigned char *image_grow(image_buf *b, size_t cap)
{
#if defined(__linux__)
    void *m = b->mem ? mremap(b->mem, b->cap, cap, MREMAP_MAYMOVE)
                     : mmap(NULL, cap, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(m, cap, MADV_HUGEPAGE); /* a hint: fine if refused */
#endif
    return m;
#else
    return realloc(b->mem, cap);
#endif
}

static void image_release(image_buf *b)
{
#if defined(__linux__)
    if (b->mem)
        munmap(b->mem, b->cap);
#else
    free(b->mem);
#endif
    b->mem = NULL;
    b->cap = b->size = 0;
}

static void *image_malloc(size_t size, H5FD_file_image_op_t op, void *udata)
{
    return image_realloc_cb(NULL, size, op, udata);
}

/* Grow by doubling: the driver asks for CORE_INCREMENT more at a time. */
static void *image_realloc_cb(void *ptr, size_t size, H5FD_file_image_op_t op,
                              void *udata)
{
    image_buf *b = udata;
    (void)op;
    if (ptr != b->mem)
        return NULL; /* not the buffer this writer handed out */
    if (size > b->cap) {
        size_t cap = b->cap ? b->cap : IMAGE_MIN_CAP;
        while (cap < size)
            cap = cap > (size_t)-1 / 2 ? size : 2 * cap;
        unsigned char *m = image_grow(b, cap);
        if (!m)
            return NULL;
        b->mem = m;
        b->cap = cap;
    }
    b->size = size;
    return b->mem;
}

static void *image_memcpy(void *dest, const void *src, size_t size,
                          H5FD_file_image_op_t op, void *udata)
{
    (void)op, (void)udata;
    return memcpy(dest, src, size);
}

/* The driver lets go of the buffer (closing the file): the writer keeps it
 * to write at commit, and frees it in free_writer. */
static herr_t image_free(void *ptr, H5FD_file_image_op_t op, void *udata)
{
    (void)ptr, (void)op, (void)udata;
    return 0;
}

/* The buffer lives in the writer, which outlives the file: property lists
 * and the driver share the one pointer. */
static void *image_udata_copy(void *udata)
{
    return udata;
}
static herr_t image_udata_free(void *udata)
{
    (void)udata;
    return 0;
}

static void obj_drop(open_obj *o)
{
    hs_results__close(&o->id, H5Oclose);
    free(o->path);
    o->path = NULL;
}

/* Keep `id` open as *o under `path`: 1, and *o owns id; 0 when the path
 * cannot be copied (the caller keeps id: only a shortcut is lost). */
static int obj_keep(open_obj *o, hid_t id, const char *path)
{
    obj_drop(o);
    if ((o->path = strdup(path)) == NULL)
        return 0;
    o->id = id;
    return 1;
}

/* The kept object of that path, or H5I_INVALID_HID. */
static hid_t obj_find(const hs_h5 *h, const char *path)
{
    if (h->last.path && strcmp(h->last.path, path) == 0)
        return h->last.id;
    if (h->grp.path && strcmp(h->grp.path, path) == 0)
        return h->grp.id;
    return H5I_INVALID_HID;
}

/* Close the objects kept open (before the file is flushed or closed). */
static void drop_last(hs_h5 *h)
{
    obj_drop(&h->last);
    obj_drop(&h->grp);
}

/* Write attribute `name` on existing object `obj`, replacing one of the same
 * name.  ftype is the file type, mtype the memory type of buf. */
static int put_attr(hs_h5 *h, const char *obj, const char *name, hid_t ftype,
                    hid_t mtype, hid_t space, const void *buf)
{
    hid_t o = H5I_INVALID_HID, a = H5I_INVALID_HID, own = H5I_INVALID_HID;
    htri_t ex;
    int rc;

    if ((rc = hs_results__check_path(obj, 1, "object")) != 0)
        return rc;
    if (!name || !name[0])
        return hs_error_set(HS_EINVAL, "%s: empty attribute name on '%s'",
                            h->path, obj);
    /* The object just created is still open: its attributes (units,
     * description, a run's parameters) are set without opening it again.
     * Any other object is opened directly (one call, not a look-up per path
     * component), and kept open for the attributes that follow; only when
     * that fails, the path is walked to say why. */
    o = obj_find(h, obj);
    if (o < 0 && (o = H5Oopen(h->file, obj, H5P_DEFAULT)) >= 0 &&
        !obj_keep(&h->last, o, obj))
        own = o;
    if (o < 0) {
        rc = hs_results__h5fail("%s: cannot open '%s'", h->path, obj);
        int found = hs_results__lookup(h->file, h->path, obj, NULL);
        if (found < 0)
            return found;
        if (found == 0)
            return hs_error_set(HS_ENOTFOUND,
                                "%s: no object '%s' to set attribute '%s' on",
                                h->path, obj, name);
        return rc;
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
    hs_results__close(&own, H5Oclose);
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
 * chunk and compress when larger than HS_H5_CHUNK_MIN elements.  The
 * dataset stays open as h->last until another object takes its place (or
 * the file is committed), for the attributes that usually follow; in the
 * group kept open (h->grp) it is created by its name there. */
static int put_dataset(hs_h5 *h, const char *path, hid_t ftype, hid_t mtype,
                       int rank, const hsize_t *dims, int filters,
                       const void *data)
{
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID;
    hid_t dset = H5I_INVALID_HID, loc, dxpl = H5I_INVALID_HID;
    hsize_t total = 1;
    const char *name = path, *slash;
    int rc;

    if ((rc = hs_results__check_path(path, 0, "dataset")) != 0)
        return rc;
    for (int i = 0; i < rank; i++)
        total *= dims[i];
    if (total > 0 && !data)
        return hs_error_set(HS_EINVAL, "%s: NULL data for dataset '%s'",
                            h->path, path);
    obj_drop(&h->last);
    /* Created in the open group by its own name when that is its parent
     * (the same link in the same group: no walk from the root). */
    loc = h->file;
    slash = strrchr(path, '/');
    if (h->grp.path && slash != path &&
        strlen(h->grp.path) == (size_t)(slash - path) &&
        strncmp(h->grp.path, path, (size_t)(slash - path)) == 0) {
        loc = h->grp.id;
        name = slash + 1;
    }
    space = H5Screate_simple(rank, dims, NULL);
    if (space < 0) {
        rc =
            hs_results__h5fail("%s: cannot set up dataset '%s'", h->path, path);
        goto done;
    }
    /* Contiguous datasets take the default creation properties. */
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
        dcpl = H5Pcreate(H5P_DATASET_CREATE);
        if (dcpl < 0 || H5Pset_chunk(dcpl, rank, chunk) < 0 ||
            H5Pset_shuffle(dcpl) < 0 ||
            (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 &&
             H5Pset_deflate(dcpl, HS_H5_DEFLATE_LEVEL) < 0)) {
            rc = hs_results__h5fail(
                "%s: cannot set chunking and compression of '%s'", h->path,
                path);
            goto done;
        }
    }
    /* Create directly; only when that fails, look the path up to tell an
     * existing object from an HDF5 failure (no look-up per dataset). */
    dset = H5Dcreate2(loc, name, ftype, space, h->lcpl,
                      dcpl >= 0 ? dcpl : H5P_DEFAULT, H5P_DEFAULT);
    if (dset < 0) {
        rc =
            hs_results__h5fail("%s: cannot create dataset '%s'", h->path, path);
        int found = hs_results__lookup(h->file, h->path, path, NULL);
        if (found < 0)
            rc = found;
        else if (found > 0)
            rc = hs_error_set(HS_EEXISTS, "%s: '%s' already exists", h->path,
                              path);
        goto done;
    }
    /* Strings are converted through HDF5's conversion and background
     * buffers, 1 MiB each (zeroed) unless sized to the data. */
    if (total > 0 && total <= (1u << 15) && H5Tis_variable_str(mtype) > 0) {
        dxpl = H5Pcreate(H5P_DATASET_XFER);
        if (dxpl < 0 ||
            H5Pset_buffer(dxpl, (size_t)total * 32, NULL, NULL) < 0) {
            rc = hs_results__h5fail("%s: cannot set up writing '%s'", h->path,
                                    path);
            goto done;
        }
    }
    if (total > 0 && H5Dwrite(dset, mtype, H5S_ALL, H5S_ALL,
                              dxpl >= 0 ? dxpl : H5P_DEFAULT, data) < 0) {
        rc = hs_results__h5fail("%s: cannot write dataset '%s'", h->path, path);
        goto done;
    }
    /* A chunked dataset is closed at once: closing flushes its chunks,
     * which places them in the file, and they must be placed before the
     * objects that follow, as they always were. */
    if (dcpl < 0 && obj_keep(&h->last, dset, path))
        dset = H5I_INVALID_HID;

done:
    hs_results__close(&dxpl, H5Pclose);
    hs_results__close(&dset, H5Dclose);
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
    if (h->fd >= 0)
        close(h->fd);
    free(h->last.path);
    free(h->grp.path);
    hs_results__close(&h->lcpl, H5Pclose);
    image_release(&h->img);
    for (size_t i = 0; i < h->n_keep; i++)
        free(h->keep[i]);
    free(h->keep);
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

/* ---- what may be replaced -------------------------------------------------- */

int hs_h5_null_output(const char *path)
{
    struct stat st, nul;
    return path && stat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
           stat("/dev/null", &nul) == 0 && S_ISCHR(nul.st_mode) &&
           st.st_rdev == nul.st_rdev;
}

/* Is the HDF5 file `path` one that hs_h5_create wrote (root attributes
 * results_format and hedgesim_version)?  1, or 0 for any other HDF5 file
 * and any file HDF5 cannot open. */
static int is_results_file(const char *path)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    int ours;
    if (f < 0)
        return 0;
    ours = H5Aexists_by_name(f, "/", "results_format", H5P_DEFAULT) > 0 &&
           H5Aexists_by_name(f, "/", "hedgesim_version", H5P_DEFAULT) > 0;
    H5Fclose(f);
    return ours;
}

/* HS_EEXISTS: `path` (a regular file) is not to be replaced, because `why`. */
static int refuse(const char *path, const char *why)
{
    return hs_error_set(HS_EEXISTS,
                        "will not replace '%s': %s; results replace only "
                        "hedgesim results files, --force or not",
                        path, why);
}

/* What would happen to `path`: 0 if it may be written (it does not exist,
 * or is a hedgesim results file and force is set), else the refusal. */
static int check_target(const char *path, int force,
                        const char *const *keep, size_t n_keep)
{
    static const unsigned char hdf5_sig[8] = {0x89, 'H', 'D', 'F',
                                              '\r', '\n', 0x1a, '\n'};
    unsigned char head[16];
    struct stat st, ks;
    ssize_t got;
    int fd;

    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        return hs_error_set(HS_EIO, "cannot write results to '%s': %s", path,
                            strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        const char *what = S_ISDIR(st.st_mode)   ? "a directory"
                           : S_ISLNK(st.st_mode) ? "a symbolic link (give the "
                                                   "path of a file itself)"
                           : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)
                               ? "a device"
                           : S_ISFIFO(st.st_mode) ? "a FIFO (named pipe)"
                           : S_ISSOCK(st.st_mode) ? "a socket"
                                                  : "not a regular file";
        return hs_error_set(HS_EIO,
                            "cannot write results to '%s': it is %s; results "
                            "replace only hedgesim results files, --force or "
                            "not",
                            path, what);
    }
    for (size_t i = 0; i < n_keep; i++)
        if (keep[i] && stat(keep[i], &ks) == 0 && ks.st_dev == st.st_dev &&
            ks.st_ino == st.st_ino) {
            char why[1200];
            snprintf(why, sizeof why,
                     "it is the same file as '%s', an input of this run (the "
                     "market store or the config)",
                     keep[i]);
            return refuse(path, why);
        }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return hs_error_set(HS_EIO, "cannot check existing file '%s': %s",
                            path, strerror(errno));
    got = read(fd, head, sizeof head);
    close(fd);
    if (got < 0)
        return hs_error_set(HS_EIO, "cannot check existing file '%s': %s",
                            path, strerror(errno));
    if (got == 0)
        return refuse(path, "it is an empty file");
    if (got == 16 && memcmp(head, "SQLite format 3", 16) == 0)
        return refuse(path, "it is an SQLite database (a market store?)");
    if (got < 8 || memcmp(head, hdf5_sig, 8) != 0)
        return refuse(path, "it is not an HDF5 file");
    if (!is_results_file(path))
        return refuse(path, "it is an HDF5 file that hedgesim did not write");
    if (!force)
        return hs_error_set(HS_EEXISTS,
                            "results file '%s' already exists; use --force to "
                            "replace it",
                            path);
    return 0;
}

int hs_h5_check_output(const char *path, const hs_h5_opts *opts)
{
    const hs_h5_opts none = HS_H5_OPTS_INIT;
    if (!opts)
        opts = &none;
    if (!path || !path[0])
        return hs_error_set(HS_EINVAL, "hs_h5_check_output: empty results "
                                       "path");
    if (hs_h5_null_output(path))
        return 0;
    return check_target(path, opts->force, opts->keep,
                        opts->keep ? opts->n_keep : 0);
}

/* ---- stale temporary files ----------------------------------------------- */

/* The process id in a name of the form "<base>.tmp.<pid>.<n>", or 0. */
static long tmp_name_pid(const char *name)
{
    const char *p = NULL, *s, *dot;
    char *end;
    long pid;

    for (s = strstr(name, ".tmp."); s; s = strstr(s + 1, ".tmp."))
        p = s;
    if (!p || p == name)
        return 0;
    p += 5;
    dot = strchr(p, '.');
    if (!dot || dot == p || !dot[1])
        return 0;
    for (s = p; s < dot; s++)
        if (*s < '0' || *s > '9')
            return 0;
    for (s = dot + 1; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    errno = 0;
    pid = strtol(p, &end, 10);
    if (errno || end != dot || pid <= 0)
        return 0;
    return pid;
}

/* Remove the temporary files that writers killed before their commit left in
 * `dir`: named "<base>.tmp.<pid>.<n>", regular, ours (same user), empty or
 * an HDF5 image, of a process that no longer exists, and not locked (a live
 * writer holds an flock on its temporary file, which the system releases
 * when the process dies, whatever its process id namespace).  Best effort:
 * a file that cannot be checked is left alone. */
static void remove_stale_tmps(const char *dir)
{
    static const unsigned char hdf5_sig[8] = {0x89, 'H', 'D', 'F',
                                              '\r', '\n', 0x1a, '\n'};
    DIR *d = opendir(dir);
    struct dirent *e;
    pid_t self = getpid();

    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        long pid = tmp_name_pid(e->d_name);
        unsigned char head[8];
        struct stat st;
        char *full;
        ssize_t got;
        int fd;

        if (pid <= 0 || pid == (long)self || (pid_t)pid != pid)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive, or not ours to signal: alive */
        full = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (!full)
            break;
        sprintf(full, "%s/%s", dir, e->d_name);
        fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd >= 0) {
            if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                st.st_uid == geteuid() &&
                ((got = read(fd, head, sizeof head)) == 0 ||
                 (got == 8 && memcmp(head, hdf5_sig, 8) == 0)) &&
                flock(fd, LOCK_EX | LOCK_NB) == 0)
                unlink(full);
            close(fd);
        }
        free(full);
    }
    closedir(d);
}

/* ---- create, commit, abort --------------------------------------------- */

int hs_h5_create_opts(hs_h5 **out, const char *path, const hs_h5_opts *opts)
{
    const hs_h5_opts none = HS_H5_OPTS_INIT;
    hs_h5 *h = NULL;
    char *dir = NULL;
    hid_t fapl = H5I_INVALID_HID;
    struct stat st;
    size_t tmplen, n_keep;
    int rc = 0, made_tmp = 0, discard;

    if (!out)
        return hs_error_set(HS_EINVAL, "hs_h5_create: NULL out");
    *out = NULL;
    if (!opts)
        opts = &none;
    if (!path || !path[0])
        return hs_error_set(HS_EINVAL, "hs_h5_create: empty results path");
    n_keep = opts->keep ? opts->n_keep : 0;

    discard = hs_h5_null_output(path);
    if (!discard && (rc = hs_h5_check_output(path, opts)) != 0)
        return rc;

    h = calloc(1, sizeof *h);
    tmplen = strlen(path) + 64;
    if (h) {
        h->file = H5I_INVALID_HID;
        h->lcpl = H5I_INVALID_HID;
        h->last.id = H5I_INVALID_HID;
        h->grp.id = H5I_INVALID_HID;
        h->fd = -1;
        h->force = opts->force != 0;
        h->discard = discard;
        h->path = strdup(path);
        h->tmp = discard ? NULL : malloc(tmplen);
        h->keep = n_keep ? calloc(n_keep, sizeof *h->keep) : NULL;
    }
    if (!h || !h->path || (!discard && !h->tmp) || (n_keep && !h->keep)) {
        rc = hs_error_set(HS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_keep; i++) {
        if (!opts->keep[i])
            continue;
        if (!(h->keep[h->n_keep] = strdup(opts->keep[i]))) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        h->n_keep++;
    }

    if (!discard) {
        dir = dir_of(path);
        if (!dir) {
            rc = hs_error_set(HS_ENOMEM, "out of memory");
            goto done;
        }
        if (stat(dir, &st) != 0) {
            rc = hs_error_set(HS_EIO,
                              "cannot write results to '%s': directory '%s' "
                              "%s",
                              path, dir,
                              errno == ENOENT ? "does not exist"
                                              : strerror(errno));
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
                              "cannot write results to '%s': directory '%s' "
                              "is not writable (%s)",
                              path, dir, strerror(errno));
            goto done;
        }
        remove_stale_tmps(dir);

        /* Claim an unused temporary name beside the final one (O_EXCL), so
         * two writers never share one, and lock it while this process
         * lives, so that remove_stale_tmps of another writer leaves it. */
        for (int attempt = 0; attempt < TMP_ATTEMPTS; attempt++) {
            snprintf(h->tmp, tmplen, "%s.tmp.%ld.%d", path, (long)getpid(),
                     attempt);
            h->fd = open(h->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (h->fd >= 0 || errno != EEXIST)
                break;
        }
        if (h->fd < 0) {
            rc = hs_error_set(HS_EIO,
                              "cannot write results to '%s': cannot create "
                              "temporary file '%s': %s",
                              path, h->tmp, strerror(errno));
            goto done;
        }
        made_tmp = 1;
        (void)flock(h->fd, LOCK_EX | LOCK_NB);
    }

    /* The file is built in memory (HDF5's core driver, no backing store)
     * and written out by hs_h5_commit with plain write(2).  HDF5 then never
     * meets a write error: HDF5 1.10 mishandles one during H5Fclose (the
     * failed close leaves a freed file in its ID table, and the library's
     * exit handler crashes on it: HDFFV-11052, CVE-2020-10812, fixed in
     * 1.14.1), and a full disk or file size limit is an ordinary error
     * here.  The cost is memory for the file image.  The image's buffer is
     * the writer's own (HDF5's file image callbacks), so commit writes it
     * as it is, without taking a copy. */
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    {
        H5FD_file_image_callbacks_t cb = {
            image_malloc,     image_memcpy,     image_realloc_cb, image_free,
            image_udata_copy, image_udata_free, &h->img};
        /* Closing the file closes every object still open in it.  No sieve
         * buffer: each dataset is written once, whole, straight into the
         * image (the bytes are the same; one copy fewer). */
        if (fapl < 0 || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0 ||
            H5Pset_fapl_core(fapl, CORE_INCREMENT, 0) < 0 ||
            H5Pset_file_image_callbacks(fapl, &cb) < 0 ||
            H5Pset_sieve_buf_size(fapl, 0) < 0) {
            rc = hs_results__h5fail("%s: cannot set up file access", path);
            goto done;
        }
    }
    h->lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (h->lcpl < 0 || H5Pset_create_intermediate_group(h->lcpl, 1) < 0) {
        rc = hs_results__h5fail("%s: cannot set up link creation", path);
        goto done;
    }
    h->file = H5Fcreate(discard ? path : h->tmp, H5F_ACC_TRUNC, H5P_DEFAULT,
                        fapl);
    if (h->file < 0) {
        rc = hs_results__h5fail("cannot create results file '%s'", path);
        goto done;
    }
    if ((rc = set_root_attrs(h)) != 0)
        goto done;

    *out = h;
    h = NULL;

done:
    hs_results__close(&fapl, H5Pclose);
    if (h) {
        drop_last(h);
        hs_results__close(&h->file, H5Fclose);
        if (made_tmp)
            unlink(h->tmp);
        free_writer(h);
    }
    free(dir);
    return rc;
}

int hs_h5_create(hs_h5 **out, const char *path, int force)
{
    hs_h5_opts o = HS_H5_OPTS_INIT;
    o.force = force;
    return hs_h5_create_opts(out, path, &o);
}

const char *hs_h5_path(const hs_h5 *h) { return h ? h->path : NULL; }

const char *hs_h5_tmp_path(const hs_h5 *h) { return h ? h->tmp : NULL; }

hid_t hs_results__file(const hs_h5 *h)
{
    return h ? h->file : H5I_INVALID_HID;
}

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

/* Write all n bytes of buf to fd from offset 0. */
static int write_all(int fd, const unsigned char *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, buf + done, n - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (w == 0) {
            errno = ENOSPC;
            return -1;
        }
        done += (size_t)w;
    }
    return 0;
}

/* Flush and close the in-memory file; *n: the length of its image, which
 * stays in h->img (the first *n bytes of the file; past h->img.size they
 * are zeros, as the core driver reads them). */
static int close_image(hs_h5 *h, size_t *n)
{
    ssize_t len;
    herr_t st;

    drop_last(h);
    if (H5Fflush(h->file, H5F_SCOPE_GLOBAL) < 0)
        return hs_results__h5fail("%s: cannot flush results file", h->path);
    len = H5Fget_file_image(h->file, NULL, 0);
    if (len < 0)
        return hs_results__h5fail("%s: cannot get the file image", h->path);
    *n = (size_t)len;
    st = H5Fclose(h->file); /* in memory: nothing to write */
    h->file = H5I_INVALID_HID;
    if (st < 0)
        return hs_results__h5fail("%s: cannot close results file", h->path);
    return 0;
}

/* Write the n bytes of the image to fd: the buffer, then zeros for any
 * part of the image the driver never wrote. */
static int write_image(int fd, const image_buf *img, size_t n)
{
    static const unsigned char zeros[65536];
    size_t have = img->mem ? (img->size < n ? img->size : n) : 0;
    if (have && write_all(fd, img->mem, have) != 0)
        return -1;
    for (size_t left = n - have; left > 0;) {
        size_t k = left < sizeof zeros ? left : sizeof zeros;
        if (write_all(fd, zeros, k) != 0)
            return -1;
        left -= k;
    }
    return 0;
}

int hs_h5_commit(hs_h5 *h)
{
    size_t nimg = 0;
    int rc = 0, committed = 0, fd;

    if (!h)
        return hs_error_set(HS_EINVAL, "hs_h5_commit: NULL writer");
    if (h->file < 0) {
        rc = hs_error_set(HS_EINVAL, "%s: results writer is not open",
                          h->path);
        goto done;
    }
    if ((rc = close_image(h, &nimg)) != 0 || h->discard)
        goto done;

    fd = h->fd;
    h->fd = -1;
    if (write_image(fd, &h->img, nimg) != 0 || fsync(fd) != 0) {
        rc = hs_error_set(HS_EIO,
                          "cannot write results file '%s' (as '%s'): %s",
                          h->path, h->tmp, strerror(errno));
        close(fd);
        goto done;
    }
    if (close(fd) != 0) {
        rc = hs_error_set(HS_EIO,
                          "cannot write results file '%s' (as '%s'): %s",
                          h->path, h->tmp, strerror(errno));
        goto done;
    }

    if (h->force) {
        /* What is there now is checked again: the file that was there at
         * create time may have been replaced meanwhile. */
        if ((rc = check_target(h->path, 1,
                               (const char *const *)h->keep, h->n_keep)) != 0)
            goto done;
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
    if (!committed) {
        drop_last(h);
        hs_results__close(&h->file, H5Fclose);
        if (h->tmp)
            unlink(h->tmp);
    }
    free_writer(h);
    return rc;
}

void hs_h5_abort(hs_h5 *h)
{
    if (!h)
        return;
    drop_last(h);
    hs_results__close(&h->file, H5Fclose);
    if (h->tmp)
        unlink(h->tmp);
    free_writer(h);
}

/* Is `path` in the file?  As hs_results__lookup, quicker when the parent
 * group exists (one link look-up, not a walk per component); an object
 * found is kept open as h->grp when it is a group. */
static int lookup_quick(hs_h5 *h, const char *path, H5I_type_t *type)
{
    hid_t o = obj_find(h, path);
    htri_t ex;

    if (o >= 0) {
        *type = H5Iget_type(o);
        return 1;
    }
    ex = strcmp(path, "/") ? H5Lexists(h->file, path, H5P_DEFAULT) : -1;
    if (ex == 0)
        return 0;
    if (ex > 0 && (o = H5Oopen(h->file, path, H5P_DEFAULT)) >= 0) {
        *type = H5Iget_type(o);
        if (*type != H5I_GROUP || !obj_keep(&h->grp, o, path))
            H5Oclose(o);
        return 1;
    }
    /* A missing parent, a dataset on the way, a dangling link: walk. */
    return hs_results__lookup(h->file, h->path, path, type);
}

int hs_h5_group(hs_h5 *h, const char *path)
{
    hid_t g = H5I_INVALID_HID;
    H5I_type_t t;
    int rc;

    if ((rc = check_writer(h, "hs_h5_group")) != 0 ||
        (rc = hs_results__check_path(path, 1, "group")) != 0)
        return rc;
    rc = lookup_quick(h, path, &t);
    if (rc < 0)
        return rc;
    if (rc > 0) {
        if (t == H5I_GROUP)
            return 0;
        return hs_error_set(HS_EEXISTS, "%s: '%s' exists and is not a group",
                            h->path, path);
    }
    rc = 0;
    g = H5Gcreate2(h->file, path, h->lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        rc = hs_results__h5fail("%s: cannot create group '%s'", h->path, path);
        goto done;
    }
    /* Kept open: its attributes and datasets usually follow. */
    if (obj_keep(&h->grp, g, path))
        g = H5I_INVALID_HID;

done:
    hs_results__close(&g, H5Gclose);
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
