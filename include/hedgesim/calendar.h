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

/* ------------------------------------------------------ trading calendars
 *
 * A trading calendar says which UTC days are sessions.  `24x7`: every day;
 * `weekdays`: Monday to Friday; `XNYS`: New York Stock Exchange sessions,
 * weekdays less the exchange's holidays computed by rule (NYSE Rule 7.2 and
 * the holidays published at https://www.nyse.com/markets/hours-calendars):
 * New Year's Day, Martin Luther King Jr. Day (third Monday of January, from
 * 1998), Washington's Birthday (third Monday of February), Good Friday,
 * Memorial Day (last Monday of May), Juneteenth (June 19, from 2022),
 * Independence Day, Labor Day (first Monday of September), Thanksgiving
 * (fourth Thursday of November) and Christmas.  A holiday on a Sunday is
 * observed the Monday after, one on a Saturday the Friday before, except
 * New Year's Day: the Friday before is December 31, the end of the yearly
 * accounting period, and the exchange stays open.  Early closes (1 pm) are
 * full sessions.  Closings for unforeseen events (2001-09-11..14, Hurricane
 * Sandy 2012-10-29/30, national days of mourning) are not rules and are not
 * in the calendar. */
typedef enum hs_calendar {
    HS_CAL_24X7 = 0, /* every day (crypto) */
    HS_CAL_WEEKDAYS, /* Monday..Friday */
    HS_CAL_XNYS,     /* New York Stock Exchange */
    HS_CAL_COUNT     /* number of calendars (not a calendar) */
} hs_calendar;

/* "24x7", "weekdays", "XNYS"; NULL for an invalid value. */
const char *hs_cal_calendar_name(hs_calendar cal);
/* Parse a calendar name (case-insensitive); 0 or HS_EINVAL (message lists
 * the names). */
int hs_cal_calendar_parse(const char *name, hs_calendar *out);

/* Day of the week of the UTC day holding `ms`: 0 Sunday .. 6 Saturday. */
int hs_cal_weekday(int64_t ms);

/* Month and day of Easter Sunday in the Gregorian year (the anonymous
 * Gregorian algorithm, J. Meeus, Astronomical Algorithms, 2nd ed., ch. 8). */
void hs_cal_easter(int year, int *month, int *day);

/* 1 if the UTC day holding `ms` is a session of `cal`, else 0. */
int hs_cal_is_session(hs_calendar cal, int64_t ms);

/* Number of sessions of `cal` among the UTC days from the day holding
 * `from` to the day holding `to`, both inclusive (0 if to < from). */
long hs_cal_sessions(hs_calendar cal, int64_t from, int64_t to);

/* The calendar a daily series keeps, from its bar times (ascending): 24x7
 * if a bar falls on a Saturday or Sunday, else XNYS unless a bar falls on
 * an NYSE holiday (then weekdays).  24x7 for n == 0. */
hs_calendar hs_cal_infer(const int64_t *ts, size_t n);

/* Sessions of `cal` from the day of ts[0] to the day of ts[n - 1] that
 * have no time in ts (ascending): the gaps of a daily series on its
 * calendar.  0 for n == 0. */
long long hs_cal_gaps(hs_calendar cal, const int64_t *ts, size_t n);

/* Sessions in a typical year: 365 (24x7), 260 (weekdays), 252 (XNYS). */
double hs_cal_days_per_year(hs_calendar cal);

#endif
