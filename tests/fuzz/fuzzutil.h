/* Shared by the libFuzzer harnesses (tests/fuzz/<target>.c): the input
 * written to a private temporary file, and the import of it into a fresh
 * in-memory store through the public import API.
 *
 * Each input is self-contained: its first line names the import format
 * (e.g. "generic"), the rest is the file handed to hs_import_file.  A first
 * line that names no format of the harness selects one by its bytes, so
 * every mutation still reaches an importer. */
#ifndef HS_FUZZUTIL_H
#define HS_FUZZUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hedgesim/hedgesim.h"

/* One format a harness feeds, with the options a user would give it. */
typedef struct fuzz_format {
    hs_format format;
    const char *symbol;
    hs_kind kind;
    const char *underlying;
    int64_t snapshot_ts; /* 0: from the file */
} fuzz_format;

static char fuzz_path[4096];

static void fuzz_cleanup(void)
{
    if (*fuzz_path)
        unlink(fuzz_path);
}

/* A private temporary file for the inputs, removed at exit. */
static void fuzz_init_file(const char *tag)
{
    const char *dir = getenv("TMPDIR");
    snprintf(fuzz_path, sizeof fuzz_path, "%s/hs-fuzz-%s-XXXXXX",
             dir && *dir ? dir : P_tmpdir, tag);
    int fd = mkstemp(fuzz_path);
    if (fd < 0) {
        perror("fuzz: mkstemp");
        abort();
    }
    close(fd);
    atexit(fuzz_cleanup);
}

static void fuzz_write(const uint8_t *data, size_t size)
{
    FILE *fp = fopen(fuzz_path, "wb");
    if (!fp || (size && fwrite(data, 1, size, fp) != size) || fclose(fp)) {
        perror("fuzz: write input");
        abort();
    }
}

/* Split the input into a format (first line) and the file (the rest). */
static const fuzz_format *fuzz_pick(const fuzz_format *fmts, size_t n,
                                    const uint8_t **data, size_t *size)
{
    const uint8_t *nl = memchr(*data, '\n', *size);
    size_t len = nl ? (size_t)(nl - *data) : *size;
    unsigned sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += (*data)[i];
    const fuzz_format *f = &fmts[sum % n];
    for (size_t i = 0; i < n; i++) {
        const char *name = hs_format_name(fmts[i].format);
        if (strlen(name) == len && !memcmp(name, *data, len))
            f = &fmts[i];
    }
    *data += nl ? len + 1 : len;
    *size -= nl ? len + 1 : len;
    return f;
}

/* Import the file into a fresh in-memory store.  Invariants (a violation
 * aborts, which libFuzzer reports with the input): an error leaves a
 * message; a successful import, repeated, succeeds and inserts nothing
 * (imports are idempotent, include/hedgesim/store.h). */
static void fuzz_import(const fuzz_format *f, int drop_last, int drop_first)
{
    hs_store *s = NULL;
    if (hs_store_open(&s, ":memory:", HS_STORE_WRITE)) {
        fprintf(stderr, "fuzz: in-memory store: %s\n", hs_error_last());
        abort();
    }
    hs_import_opts o = HS_IMPORT_OPTS_INIT;
    hs_import_stats st;
    o.format = f->format;
    o.symbol = f->symbol;
    o.kind = f->kind;
    o.underlying = f->underlying;
    o.snapshot_ts = f->snapshot_ts;
    o.drop_last = drop_last;
    o.drop_first = drop_first;
    hs_error_clear();
    int rc = hs_import_file(s, fuzz_path, &o, &st);
    if (rc) {
        if (rc > 0 || !*hs_error_last()) {
            fprintf(stderr, "fuzz: import failed (%d) without a message\n", rc);
            abort();
        }
    } else {
        long long inserted = st.rows_inserted;
        rc = hs_import_file(s, fuzz_path, &o, &st);
        if (rc || st.rows_inserted != 0) {
            fprintf(stderr,
                    "fuzz: second import of an imported file: rc %d, %lld "
                    "new rows (first: %lld): %s\n",
                    rc, st.rows_inserted, inserted, rc ? hs_error_last() : "");
            abort();
        }
    }
    hs_store_close(s);
}

#endif
