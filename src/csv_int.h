/* A small CSV reader shared by the importers and the CLI (internal).
 *
 * RFC 4180 fields: commas, double quotes with "" escapes (quoted fields may
 * hold commas but not newlines), LF or CRLF line ends.  Errors name the file
 * and line. */
#ifndef HS_CSV_INT_H
#define HS_CSV_INT_H

#include <stdio.h>
#include <stdint.h>

typedef struct hs_csv hs_csv;

/* Open `path` ("-" is stdin).  `name` is used in messages (NULL: path). */
int hs_csv__open(hs_csv **out, const char *path);
void hs_csv__close(hs_csv *c);

/* Read the next record.  Returns 0, HS_ITEROVER at end of file, HS_EIO or
 * HS_EPARSE.  Blank lines are skipped. */
int hs_csv__next(hs_csv *c);

int hs_csv__nfields(const hs_csv *c);
/* Field i of the current record (borrowed; "" when i is out of range). */
const char *hs_csv__field(const hs_csv *c, int i);
/* 1-based line number of the current record. */
long hs_csv__line(const hs_csv *c);
const char *hs_csv__path(const hs_csv *c);
/* Bytes consumed so far and the file size (0 if unknown): for progress. */
long long hs_csv__offset(const hs_csv *c);
long long hs_csv__size(const hs_csv *c);

/* Index of the column whose header (current record) equals `name`,
 * case-insensitively, or -1. */
int hs_csv__column(const hs_csv *c, const char *name);

/* Parse field i as a finite double.  On failure returns HS_EPARSE with a
 * message "FILE:LINE: field 'what': ..." */
int hs_csv__double(const hs_csv *c, int i, const char *what, double *out);

/* Parse a finite double from text; 0 or HS_EPARSE (no message set). */
int hs_csv__strtod(const char *s, double *out);

#endif
