/* The CSV reader (include/hedgesim/csv.h): RFC 4180 records read line by
 * line into one reused buffer. */
#include "hedgesim/csv.h"
#include "hedgesim/errors.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct hs_csv {
    FILE *fp;
    int owns_fp;
    char *path;
    char *line;      /* raw line buffer */
    size_t line_cap;
    char *buf;       /* unquoted field text, NUL separated */
    size_t buf_cap;
    const char **field;
    int nfield, field_cap;
    long lineno;
    long long offset, size;
    int started; /* the first line has been read (and its BOM removed) */
};

int hs_csv_open(hs_csv **out, const char *path)
{
    if (!out)
        return hs_error_set(HS_EINVAL, "csv: NULL out");
    *out = NULL;
    if (!path)
        return hs_error_set(HS_EINVAL, "csv: NULL path");
    hs_csv *c = calloc(1, sizeof *c);
    if (!c)
        return hs_error_set(HS_ENOMEM, "out of memory");
    c->path = strdup(path);
    if (!c->path) {
        free(c);
        return hs_error_set(HS_ENOMEM, "out of memory");
    }
    if (strcmp(path, "-") == 0) {
        c->fp = stdin;
    } else {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            hs_csv_close(c);
            return hs_error_set(HS_EIO, "%s: is a directory", path);
        }
        c->fp = fopen(path, "rb");
        if (!c->fp) {
            int e = errno;
            hs_csv_close(c);
            return hs_error_set(HS_EIO, "%s: %s", path, strerror(e));
        }
        c->owns_fp = 1;
        c->size = (long long)st.st_size;
    }
    *out = c;
    return 0;
}

void hs_csv_close(hs_csv *c)
{
    if (!c)
        return;
    if (c->owns_fp && c->fp)
        fclose(c->fp);
    free(c->path);
    free(c->line);
    free(c->buf);
    free(c->field);
    free(c);
}

/* Read one physical line into c->line (without the line end).
 * Returns its length, or -1 at EOF. */
static long read_line(hs_csv *c)
{
    size_t n = 0;
    int ch;
    if (feof(c->fp))
        return -1;
    while ((ch = getc(c->fp)) != EOF) {
        c->offset++;
        if (n + 2 > c->line_cap) {
            size_t cap = c->line_cap ? c->line_cap * 2 : 256;
            char *p = realloc(c->line, cap);
            if (!p)
                return -2;
            c->line = p;
            c->line_cap = cap;
        }
        if (ch == '\n')
            break;
        c->line[n++] = (char)ch;
    }
    if (ch == EOF && n == 0)
        return -1;
    if (n > 0 && c->line[n - 1] == '\r')
        n--;
    c->line[n] = '\0';
    return (long)n;
}

static int push_field(hs_csv *c, const char *start)
{
    if (c->nfield == c->field_cap) {
        int cap = c->field_cap ? c->field_cap * 2 : 16;
        const char **p = realloc(c->field, (size_t)cap * sizeof *p);
        if (!p)
            return -1;
        c->field = p;
        c->field_cap = cap;
    }
    c->field[c->nfield++] = start;
    return 0;
}

int hs_csv_next(hs_csv *c)
{
    long len;
    for (;;) {
        len = read_line(c);
        if (len == -2)
            return hs_error_set(HS_ENOMEM, "%s: out of memory", c->path);
        if (len < 0) {
            if (ferror(c->fp))
                return hs_error_set(HS_EIO, "%s: read error", c->path);
            return HS_ITEROVER;
        }
        c->lineno++;
        if (!c->started) {
            /* A UTF-8 byte-order mark, as spreadsheet programs write. */
            c->started = 1;
            if (len >= 3 && memcmp(c->line, "\xEF\xBB\xBF", 3) == 0) {
                memmove(c->line, c->line + 3, (size_t)len - 2);
                len -= 3;
            }
        }
        if (len > 0)
            break;
    }
    if ((size_t)len + 1 > c->buf_cap) {
        char *p = realloc(c->buf, (size_t)len + 1);
        if (!p)
            return hs_error_set(HS_ENOMEM, "%s: out of memory", c->path);
        c->buf = p;
        c->buf_cap = (size_t)len + 1;
    }
    c->nfield = 0;
    const char *s = c->line;
    char *w = c->buf;
    for (;;) {
        char *start = w;
        if (*s == '"') {
            s++;
            for (;;) {
                if (*s == '\0')
                    return hs_error_set(HS_EPARSE,
                                        "%s:%ld: unterminated quoted field",
                                        c->path, c->lineno);
                if (*s == '"') {
                    if (s[1] == '"') {
                        *w++ = '"';
                        s += 2;
                        continue;
                    }
                    s++;
                    break;
                }
                *w++ = *s++;
            }
            if (*s != ',' && *s != '\0')
                return hs_error_set(HS_EPARSE,
                                    "%s:%ld: text after closing quote",
                                    c->path, c->lineno);
        } else {
            while (*s != ',' && *s != '\0')
                *w++ = *s++;
        }
        *w++ = '\0';
        if (push_field(c, start))
            return hs_error_set(HS_ENOMEM, "%s: out of memory", c->path);
        if (*s == '\0')
            break;
        s++; /* the comma */
    }
    return 0;
}

int hs_csv_nfields(const hs_csv *c) { return c->nfield; }

const char *hs_csv_field(const hs_csv *c, int i)
{
    return (i >= 0 && i < c->nfield) ? c->field[i] : "";
}

long hs_csv_line(const hs_csv *c) { return c->lineno; }
const char *hs_csv_path(const hs_csv *c) { return c->path; }
long long hs_csv_offset(const hs_csv *c) { return c->offset; }
long long hs_csv_size(const hs_csv *c) { return c->size; }

int hs_csv_column(const hs_csv *c, const char *name)
{
    for (int i = 0; i < c->nfield; i++) {
        const char *f = c->field[i];
        while (isspace((unsigned char)*f))
            f++;
        if (strcasecmp(f, name) == 0)
            return i;
    }
    return -1;
}

/* Decimal text only: strtod also reads hexadecimal ("0x10"), "inf" and
 * "nan", which a price column never holds. */
static int decimal_text(const char *s)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!isdigit((unsigned char)*p) &&
        !(*p == '.' && isdigit((unsigned char)p[1])))
        return 0;
    for (; *p && !isspace((unsigned char)*p); p++)
        if (!isdigit((unsigned char)*p) && !strchr("+-.eE", *p))
            return 0;
    return 1;
}

int hs_csv_strtod(const char *s, double *out)
{
    char *end;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0' || !decimal_text(s))
        return HS_EPARSE;
    errno = 0;
    double v = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (*end != '\0' || errno == ERANGE || !isfinite(v))
        return HS_EPARSE;
    *out = v;
    return 0;
}

int hs_csv_double(const hs_csv *c, int i, const char *what, double *out)
{
    const char *f = hs_csv_field(c, i);
    if (hs_csv_strtod(f, out) != 0) {
        if (i >= c->nfield || *f == '\0')
            return hs_error_set(HS_EPARSE, "%s:%ld: field '%s' is missing",
                                c->path, c->lineno, what);
        return hs_error_set(HS_EPARSE,
                            "%s:%ld: field '%s': '%s' is not a finite "
                            "decimal number",
                            c->path, c->lineno, what, f);
    }
    return 0;
}
