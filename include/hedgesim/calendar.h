/* Time: int64 milliseconds since the Unix epoch, UTC, everywhere.
 *
 * Parsing and formatting of timestamps and steps ("1d", "8h", "1h"). */
#ifndef HEDGESIM_CALENDAR_H
#define HEDGESIM_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#define HS_MS_PER_SECOND INT64_C(1000)
#define HS_MS_PER_MINUTE INT64_C(60000)
#define HS_MS_PER_HOUR INT64_C(3600000)
#define HS_MS_PER_DAY INT64_C(86400000)

/* Milliseconds since the epoch of the UTC civil time given (proleptic
 * Gregorian).  No range checks: callers validate fields first. */
int64_t hs_cal_from_civil(int year, int month, int day, int hour, int minute,
                          int second, int millisecond);

/* Split a timestamp into UTC civil fields (any out-pointer may be NULL). */
void hs_cal_to_civil(int64_t ms, int *year, int *month, int *day, int *hour,
                     int *minute, int *second, int *millisecond);

/* Parse a timestamp: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fff]]",
 * "YYYY-MM-DDTHH:MM[:SS[.fff]][Z]", or an integer count of milliseconds
 * (13 digits) or seconds (10 digits, optional ".0").  Leading and trailing
 * blanks are ignored.  Returns 0 or HS_EPARSE (message says why). */
int hs_cal_parse_time(const char *text, int64_t *out_ms);

/* Format as "YYYY-MM-DD" when the time is midnight, else
 * "YYYY-MM-DDTHH:MM:SSZ" (with ".fff" when there are milliseconds).
 * Writes at most `size` bytes including the terminator; returns `buf`. */
char *hs_cal_format_time(int64_t ms, char *buf, size_t size);

/* Parse a step length: "<n>d", "<n>h", "<n>m" (minutes) with n >= 1.
 * Returns 0 or HS_EPARSE. */
int hs_cal_parse_step(const char *text, int64_t *out_ms);

/* Floor a timestamp to a multiple of `step_ms` since the epoch. */
int64_t hs_cal_floor(int64_t ms, int64_t step_ms);

#endif
