/* The CSV reader's former internal names, kept so that code written
 * against them (tests/check_price.c) builds unchanged.  The reader is
 * public now: new code includes "hedgesim/csv.h" and calls hs_csv_*; once
 * nothing includes this header it can be deleted. */
#ifndef HS_CSV_INT_H
#define HS_CSV_INT_H

#include "hedgesim/csv.h"

static inline int hs_csv__open(hs_csv **out, const char *path)
{
    return hs_csv_open(out, path);
}
static inline void hs_csv__close(hs_csv *c) { hs_csv_close(c); }
static inline int hs_csv__next(hs_csv *c) { return hs_csv_next(c); }
static inline int hs_csv__nfields(const hs_csv *c) { return hs_csv_nfields(c); }
static inline const char *hs_csv__field(const hs_csv *c, int i)
{
    return hs_csv_field(c, i);
}
static inline long hs_csv__line(const hs_csv *c) { return hs_csv_line(c); }
static inline const char *hs_csv__path(const hs_csv *c)
{
    return hs_csv_path(c);
}
static inline long long hs_csv__offset(const hs_csv *c)
{
    return hs_csv_offset(c);
}
static inline long long hs_csv__size(const hs_csv *c) { return hs_csv_size(c); }
static inline int hs_csv__column(const hs_csv *c, const char *name)
{
    return hs_csv_column(c, name);
}
static inline int hs_csv__double(const hs_csv *c, int i, const char *what,
                                 double *out)
{
    return hs_csv_double(c, i, what, out);
}
static inline int hs_csv__strtod(const char *s, double *out)
{
    return hs_csv_strtod(s, out);
}

#endif
