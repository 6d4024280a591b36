/* A small CSV reader: the one the importers use, public so that the
 * command-line tool and users read files with the same rules and messages.
 *
 * RFC 4180 fields: commas, double quotes with "" escapes (quoted fields may
 * hold commas but not newlines), LF or CRLF line ends; blank lines are
 * skipped; a UTF-8 byte-order mark at the start of the file is dropped.  A reader is a cursor over records: the current record's fields
 * are borrowed until the next call.  Errors name the file and line. */
#ifndef HEDGESIM_CSV_H
#define HEDGESIM_CSV_H

typedef struct hs_csv hs_csv;

/* Open `path` ("-" reads stdin) positioned before the first record; the
 * path is used in every message.  *out is the caller's (hs_csv_close), NULL
 * on failure.  0, HS_EINVAL (NULL argument), HS_EIO (missing, unreadable or
 * a directory) or HS_ENOMEM. */
int hs_csv_open(hs_csv **out, const char *path);
/* NULL is harmless. */
void hs_csv_close(hs_csv *c);

/* Read the next record.  0, HS_ITEROVER at the end of the file, HS_EIO or
 * HS_EPARSE (an unterminated quote; the message has the file and line). */
int hs_csv_next(hs_csv *c);

/* Fields in the current record. */
int hs_csv_nfields(const hs_csv *c);
/* Field i of the current record (borrowed; "" when i is out of range). */
const char *hs_csv_field(const hs_csv *c, int i);
/* 1-based line number of the current record. */
long hs_csv_line(const hs_csv *c);
/* The path given to hs_csv_open (borrowed). */
const char *hs_csv_path(const hs_csv *c);
/* Bytes consumed so far and the file size (0 if unknown, e.g. stdin): for
 * progress reports. */
long long hs_csv_offset(const hs_csv *c);
long long hs_csv_size(const hs_csv *c);

/* Index of the column whose name in the current record (the header)
 * equals `name`, ignoring case and leading blanks, or -1. */
int hs_csv_column(const hs_csv *c, const char *name);

/* Parse field i as a finite double written in decimal (digits, an optional
 * sign, point and exponent: "1e-05", not "0x10", "inf" or "nan").  0, or
 * HS_EPARSE with the message "FILE:LINE: field 'what' is missing" or
 * "...: 'text' is not a finite decimal number". */
int hs_csv_double(const hs_csv *c, int i, const char *what, double *out);

/* Parse a finite decimal double from text (surrounding blanks allowed; the
 * same rules as hs_csv_double); 0 or HS_EPARSE, without setting a
 * message. */
int hs_csv_strtod(const char *s, double *out);

#endif
