/* The import entry points: one file (hs_import_file), the embedded-dataset
 * manifest (hs_import_manifest) and the build of a fresh store file
 * (hs_import_build).  They check the options, hold the transaction and
 * hand each file to the series importers (import_series.c) or the option
 * chain importers (import_options.c).  Progress goes to the caller's
 * callback; the library never prints.  docs/csv-format.md describes every
 * format and rule. */
#include "import_int.h"

#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ one file */

static int check_opts(const char *path, const hs_import_opts *o)
{
    if ((int)o->format < 0 || o->format >= HS_FMT_COUNT)
        return hs_error_set(HS_EINVAL, "%s: bad import format %d", path,
                            (int)o->format);
    const hs_import__format_info *fi = hs_import__format(o->format);
    int chain = fi->kind == HS_KIND_OPTION;
    if (!hs_kind_name(o->kind))
        return hs_error_set(HS_EINVAL, "%s: bad instrument kind %d", path,
                            (int)o->kind);
    if (fi->kind >= 0 && o->kind != (hs_kind)fi->kind)
        return hs_error_set(HS_EINVAL, "%s: format %s imports kind %s, not %s",
                            path, fi->name, hs_kind_name((hs_kind)fi->kind),
                            hs_kind_name(o->kind));
    if (fi->kind == -1 && o->kind == HS_KIND_OPTION)
        return hs_error_set(HS_EINVAL,
                            "%s: format %s cannot import options (use "
                            "deribit-ticker, deribit-marks or deribit-usd)",
                            path, fi->name);
    if (chain && (o->drop_last || o->drop_first))
        return hs_error_set(HS_EINVAL,
                            "%s: drop_last/drop_first apply to series, not "
                            "to option chains",
                            path);
    if (!chain && o->snapshot_ts)
        return hs_error_set(HS_EINVAL,
                            "%s: a snapshot time applies to option chains "
                            "only",
                            path);
    /* Text options longer than the instrument's fields would be cut. */
    const struct {
        const char *name, *value;
        size_t max;
    } text[] = {
        {"venue", o->venue, sizeof ((hs_instrument *)0)->venue - 1},
        {"quote", o->quote, sizeof ((hs_instrument *)0)->quote - 1},
        {"underlying", o->underlying,
         sizeof ((hs_instrument *)0)->underlying - 1},
        {"source", o->source, sizeof ((hs_instrument *)0)->source - 1},
    };
    for (size_t i = 0; i < sizeof text / sizeof *text; i++)
        if (text[i].value && strlen(text[i].value) > text[i].max)
            return hs_error_set(HS_EINVAL,
                                "%s: %s '%s' is longer than %zu characters",
                                path, text[i].name, text[i].value,
                                text[i].max);
    if (o->symbol && *o->symbol && !hs_store__valid_symbol(o->symbol))
        return hs_error_set(HS_EINVAL,
                            "%s: bad symbol '%s' (1..47 characters of "
                            "A-Z a-z 0-9 . _ -)",
                            path, o->symbol);
    return 0;
}

/* Import one file inside the caller's transaction; `st` is overwritten. */
static int file_tx(hs_store *s, const char *path, const hs_import_opts *o,
                   hs_import_stats *st)
{
    int rc;
    memset(st, 0, sizeof *st);
    if ((rc = check_opts(path, o)))
        return rc;
    if (hs_import__format(o->format)->kind == HS_KIND_OPTION)
        return hs_import__options(s, path, o, st);
    return hs_import__series(s, path, o, st);
}

int hs_import_file(hs_store *s, const char *path, const hs_import_opts *o,
                   hs_import_stats *stats)
{
    hs_import_stats local;
    int rc;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!s || !path || !o)
        return hs_error_set(HS_EINVAL, "hs_import_file: NULL argument");
    if ((rc = hs_store_begin(s)))
        return rc;
    rc = file_tx(s, path, o, stats);
    if (!rc)
        rc = hs_store_commit(s);
    if (rc) {
        hs_store_rollback(s);
        memset(stats, 0, sizeof *stats);
        return rc;
    }
    stats->files = 1;
    return 0;
}


/* ----------------------------------------------------------- the manifest */

static void add_stats(hs_import_stats *t, const hs_import_stats *s)
{
    if (t->files == 0 || s->first_ts < t->first_ts)
        t->first_ts = s->first_ts;
    if (t->files == 0 || s->last_ts > t->last_ts)
        t->last_ts = s->last_ts;
    t->rows_read += s->rows_read;
    t->rows_inserted += s->rows_inserted;
    t->rows_unchanged += s->rows_unchanged;
    t->duplicates += s->duplicates;
    t->superseded += s->superseded;
    t->dropped += s->dropped;
    t->gaps += s->gaps;
    t->skipped += s->skipped;
    t->files++;
}

/* Parse the options field: ';'-separated drop_last, drop_first, skip,
 * snapshot=<time>. */
static int manifest_options(const char *mpath, long line, const char *text,
                            hs_import_opts *o, int *skip)
{
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", text);
    for (char *tok = strtok_r(buf, ";", &save); tok;
         tok = strtok_r(NULL, ";", &save)) {
        while (*tok == ' ')
            tok++;
        char *e = tok + strlen(tok);
        while (e > tok && e[-1] == ' ')
            *--e = '\0';
        if (!*tok)
            continue;
        if (strcmp(tok, "drop_last") == 0)
            o->drop_last = 1;
        else if (strcmp(tok, "drop_first") == 0)
            o->drop_first = 1;
        else if (strcmp(tok, "skip") == 0)
            *skip = 1;
        else if (strncmp(tok, "snapshot=", 9) == 0) {
            if (hs_import__parse_time(tok + 9, &o->snapshot_ts)) {
                hs_error_prefix("%s:%ld: field 'options': ", mpath, line);
                return HS_EPARSE;
            }
        } else
            return hs_error_set(HS_EPARSE,
                                "%s:%ld: field 'options': unknown option '%s' "
                                "(expected drop_last, drop_first, skip or "
                                "snapshot=<time>)",
                                mpath, line, tok);
    }
    return 0;
}

int hs_import_manifest(hs_store *s, const char *dir,
                       hs_import_progress_fn progress, void *user,
                       hs_import_stats *total)
{
    hs_import_stats local, st;
    hs_csv *c = NULL;
    char mpath[4096], fpath[4096];
    int rc, cf, cfmt, csym, ckind, cund, csrc, copt;

    if (!total)
        total = &local;
    memset(total, 0, sizeof *total);
    snprintf(mpath, sizeof mpath, "%s/manifest.csv", dir);
    if ((rc = hs_csv_open(&c, mpath)))
        return rc;
    if ((rc = hs_import__read_header(c, "file")) || (rc = hs_import__need_column(c, "file", &cf)) ||
        (rc = hs_import__need_column(c, "format", &cfmt)) ||
        (rc = hs_import__need_column(c, "symbol", &csym)) ||
        (rc = hs_import__need_column(c, "kind", &ckind)) ||
        (rc = hs_import__need_column(c, "underlying", &cund)) ||
        (rc = hs_import__need_column(c, "source", &csrc)) ||
        (rc = hs_import__need_column(c, "options", &copt))) {
        hs_csv_close(c);
        return rc;
    }
    const int nhdr = hs_csv_nfields(c);
    if ((rc = hs_store_begin(s))) {
        hs_csv_close(c);
        return rc;
    }
    while ((rc = hs_import__next(c, nhdr)) == 0) {
        hs_import_opts o = HS_IMPORT_OPTS_INIT;
        long line = hs_csv_line(c);
        const char *file = hs_csv_field(c, cf);
        int skip = 0;
        if (!*file || file[0] == '#')
            continue;
        if ((rc = hs_format_parse(hs_csv_field(c, cfmt), &o.format))) {
            hs_error_prefix("%s:%ld: field 'format': ", mpath, line);
            break;
        }
        o.kind = hs_import__default_kind(o.format);
        if (*hs_csv_field(c, ckind) &&
            (rc = hs_kind_parse(hs_csv_field(c, ckind), &o.kind))) {
            hs_error_prefix("%s:%ld: field 'kind': ", mpath, line);
            break;
        }
        o.symbol = hs_csv_field(c, csym);
        o.underlying = hs_csv_field(c, cund);
        o.source = hs_csv_field(c, csrc);
        o.progress = progress;
        o.progress_user = user;
        if ((rc = manifest_options(mpath, line, hs_csv_field(c, copt), &o,
                                   &skip)))
            break;
        if (skip) {
            if (progress) {
                hs_import_progress ev = {HS_IMPORT_SKIPPED, file, 0, NULL};
                progress(&ev, user);
            }
            continue;
        }
        snprintf(fpath, sizeof fpath, "%s/%s", dir, file);
        if ((rc = file_tx(s, fpath, &o, &st))) {
            hs_error_prefix("%s:%ld: ", mpath, line);
            break;
        }
        add_stats(total, &st);
        if (progress) {
            hs_import_progress ev = {HS_IMPORT_FILE_DONE, file, 100, &st};
            progress(&ev, user);
        }
    }
    if (rc == HS_ITEROVER)
        rc = 0;
    if (!rc && total->files == 0)
        rc = hs_error_set(HS_EDATA, "%s: lists no files to import", mpath);
    if (!rc)
        rc = hs_store_commit(s);
    if (rc) {
        hs_store_rollback(s);
        memset(total, 0, sizeof *total);
    }
    hs_csv_close(c);
    return rc;
}


/* ---------------------------------------------------------- fresh build */

static int sync_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return hs_error_set(HS_EIO, "%s: %s", path, strerror(errno));
    int rc = fsync(fd) == 0
                 ? 0
                 : hs_error_set(HS_EIO, "%s: fsync: %s", path, strerror(errno));
    close(fd);
    return rc;
}

/* If `name` is "<base>-build-<pid>" (or that plus "-journal", "-wal",
 * "-shm"), the pid; else 0. */
static long build_pid(const char *name, const char *base)
{
    size_t nb = strlen(base);
    if (strncmp(name, base, nb) != 0 || strncmp(name + nb, "-build-", 7) != 0)
        return 0;
    const char *p = name + nb + 7, *q = p;
    while (*q >= '0' && *q <= '9')
        q++;
    if (q == p || q - p > 9 ||
        !(*q == '\0' || strcmp(q, "-journal") == 0 || strcmp(q, "-wal") == 0 ||
          strcmp(q, "-shm") == 0))
        return 0;
    return strtol(p, NULL, 10);
}

/* Remove the temporary files of builds of `db_path` whose process is gone
 * (killed part-way): "<db_path>-build-<pid>" and its journals, when no
 * process `pid` exists on this machine.  Best effort: a file that cannot be
 * removed stays. */
static void clean_stale_builds(const char *db_path)
{
    char dir[4096], path[4096];
    const char *slash = strrchr(db_path, '/');
    const char *base = slash ? slash + 1 : db_path;
    struct dirent *e;
    struct stat st;

    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - db_path + 1), db_path);
    else
        snprintf(dir, sizeof dir, ".");
    DIR *d = opendir(dir);
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        long pid = build_pid(e->d_name, base);
        if (pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive (or not ours to signal): in use */
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >=
            sizeof path)
            continue;
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
            unlink(path);
    }
    closedir(d);
}

int hs_import_build(const char *dir, const char *db_path, int force,
                    hs_import_progress_fn progress, void *user,
                    hs_import_stats *total)
{
    hs_store *s = NULL;
    struct stat sb;
    char tmp[4096], side[4096];
    int fd, rc;
    static const char *const sides[] = {"-journal", "-wal", "-shm"};

    if (stat(db_path, &sb) == 0 && !force)
        return hs_error_set(HS_EEXISTS,
                            "%s already exists (use --force to replace it)",
                            db_path);
    /* Named after this process, so that the next build can tell a file
     * left by a killed one from a build still running. */
    if ((size_t)snprintf(tmp, sizeof tmp, "%s-build-%ld", db_path,
                         (long)getpid()) >= sizeof tmp)
        return hs_error_set(HS_EINVAL, "%s: path too long", db_path);
    clean_stale_builds(db_path);
    for (size_t i = 0; i < sizeof sides / sizeof *sides; i++) {
        /* left by an earlier process with the same id: stale */
        snprintf(side, sizeof side, "%s%s", tmp, sides[i]);
        unlink(side);
    }
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0)
        return hs_error_set(HS_EIO, "%s: cannot create a temporary file: %s",
                            tmp, strerror(errno));
    close(fd);
    if ((rc = hs_store_open(&s, tmp, HS_STORE_WRITE)))
        goto done;
    if ((rc = hs_store__bulk_mode(s)) ||
        (rc = hs_import_manifest(s, dir, progress, user, total)))
        goto done;
    /* pages split by out-of-order inserts are repacked: ~10 % smaller */
    if ((rc = hs_store__exec(s, "VACUUM")))
        goto done;
    hs_store_close(s);
    s = NULL;
    if ((rc = sync_file(tmp)))
        goto done;
    /* A stale journal next to the target would be applied to the new file
     * when it is next opened: remove it first. */
    for (size_t i = 0; i < sizeof sides / sizeof *sides; i++) {
        snprintf(side, sizeof side, "%s%s", db_path, sides[i]);
        if (unlink(side) != 0 && errno != ENOENT) {
            rc = hs_error_set(HS_EIO, "%s: %s", side, strerror(errno));
            goto done;
        }
    }
    if (rename(tmp, db_path) != 0)
        rc = hs_error_set(HS_EIO, "cannot rename %s to %s: %s", tmp, db_path,
                          strerror(errno));
done:
    hs_store_close(s);
    if (rc) {
        unlink(tmp);
        for (size_t i = 0; i < sizeof sides / sizeof *sides; i++) {
            snprintf(side, sizeof side, "%s%s", tmp, sides[i]);
            unlink(side);
        }
    }
    return rc;
}
