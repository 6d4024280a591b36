/* Civil-time conversion, timestamp parsing and formatting. */
#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Days from 1970-01-01 to the civil date (Howard Hinnant's days_from_civil
 * algorithm, http://howardhinnant.github.io/date_algorithms.html). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int dd = (int)(doy - (153 * mp + 2) / 5 + 1);
    const int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (mm <= 2));
    *m = mm;
    *d = dd;
}

int64_t hs_cal_from_civil(int year, int month, int day, int hour, int minute,
                          int second, int millisecond)
{
    return days_from_civil(year, month, day) * HS_MS_PER_DAY +
           hour * HS_MS_PER_HOUR + minute * HS_MS_PER_MINUTE +
           second * HS_MS_PER_SECOND + millisecond;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

void hs_cal_to_civil(int64_t ms, int *year, int *month, int *day, int *hour,
                     int *minute, int *second, int *millisecond)
{
    int64_t days = floor_div(ms, HS_MS_PER_DAY);
    int64_t rem = ms - days * HS_MS_PER_DAY;
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    if (year)
        *year = y;
    if (month)
        *month = m;
    if (day)
        *day = d;
    if (hour)
        *hour = (int)(rem / HS_MS_PER_HOUR);
    if (minute)
        *minute = (int)(rem % HS_MS_PER_HOUR / HS_MS_PER_MINUTE);
    if (second)
        *second = (int)(rem % HS_MS_PER_MINUTE / HS_MS_PER_SECOND);
    if (millisecond)
        *millisecond = (int)(rem % HS_MS_PER_SECOND);
}

static int days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

/* Read exactly `n` digits at *p into *out. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int parse_epoch_number(const char *s, const char *text, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s)
        return hs_error_set(HS_EPARSE, "bad timestamp '%s'", text);
    size_t ndig = (size_t)(end - s) - (*s == '-');
    if (*end == '.') { /* "1502946000.0": seconds with a zero fraction */
        end++;
        while (*end == '0')
            end++;
    }
    while (isspace((unsigned char)*end))
        end++;
    if (*end != '\0')
        return hs_error_set(HS_EPARSE, "bad timestamp '%s'", text);
    if (ndig <= 10)
        *out = (int64_t)v * HS_MS_PER_SECOND;
    else if (ndig <= 13)
        *out = (int64_t)v;
    else
        return hs_error_set(HS_EPARSE,
                            "timestamp '%s' has %zu digits: expected "
                            "milliseconds (13) or seconds (10)",
                            text, ndig);
    return 0;
}

int hs_cal_parse_time(const char *text, int64_t *out_ms)
{
    const char *p = text;
    int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;

    while (isspace((unsigned char)*p))
        p++;
    /* A bare integer (possibly "x.0") is an epoch count. */
    {
        const char *q = p + (*p == '-');
        while (isdigit((unsigned char)*q))
            q++;
        if (q > p && (*q == '\0' || *q == '.' || isspace((unsigned char)*q)) &&
            q - p != 4)
            return parse_epoch_number(p, text, out_ms);
    }
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
        *p++ != '-' || digits(&p, 2, &d))
        return hs_error_set(HS_EPARSE,
                            "bad timestamp '%s' (expected YYYY-MM-DD[ HH:MM:SS] "
                            "or epoch milliseconds)",
                            text);
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return hs_error_set(HS_EPARSE, "bad date '%s'", text);
    if (*p == 'T' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
            return hs_error_set(HS_EPARSE, "bad time of day in '%s'", text);
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec))
                return hs_error_set(HS_EPARSE, "bad seconds in '%s'", text);
            if (*p == '.') {
                int scale = 100;
                p++;
                if (!isdigit((unsigned char)*p))
                    return hs_error_set(HS_EPARSE, "bad fraction in '%s'", text);
                while (isdigit((unsigned char)*p)) {
                    ms += (*p - '0') * scale;
                    scale /= 10;
                    p++;
                }
            }
        }
        if (*p == 'Z')
            p++;
        else if (p[0] == '+' && strncmp(p, "+00:00", 6) == 0)
            p += 6;
        if (h > 23 || mi > 59 || sec > 59) /* no leap seconds in UTC ms */
            return hs_error_set(HS_EPARSE, "bad time of day in '%s'", text);
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p != '\0')
        return hs_error_set(HS_EPARSE,
                            "bad timestamp '%s' (unexpected '%s'; only UTC is "
                            "accepted)",
                            text, p);
    *out_ms = hs_cal_from_civil(y, mo, d, h, mi, sec, ms);
    return 0;
}

char *hs_cal_format_time(int64_t t, char *buf, size_t size)
{
    int y, mo, d, h, mi, s, ms;
    hs_cal_to_civil(t, &y, &mo, &d, &h, &mi, &s, &ms);
    if (h == 0 && mi == 0 && s == 0 && ms == 0)
        snprintf(buf, size, "%04d-%02d-%02d", y, mo, d);
    else if (ms == 0)
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, s);
    else
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, d, h,
                 mi, s, ms);
    return buf;
}

int hs_cal_parse_step(const char *text, int64_t *out_ms)
{
    char *end;
    errno = 0;
    long n = strtol(text, &end, 10);
    if (errno || end == text || n < 1 || n > 100000)
        goto bad;
    int64_t unit;
    switch (*end) {
    case 'd':
        unit = HS_MS_PER_DAY;
        break;
    case 'h':
        unit = HS_MS_PER_HOUR;
        break;
    case 'm':
        unit = HS_MS_PER_MINUTE;
        break;
    default:
        goto bad;
    }
    if (end[1] != '\0')
        goto bad;
    *out_ms = (int64_t)n * unit;
    return 0;
bad:
    return hs_error_set(HS_EPARSE,
                        "bad step '%s' (expected e.g. 1d, 8h, 1h, 15m)", text);
}

int64_t hs_cal_floor(int64_t ms, int64_t step_ms)
{
    return floor_div(ms, step_ms) * step_ms;
}

/* ------------------------------------------------------ trading calendars */

static const char *const calendar_names[HS_CAL_COUNT] = {
    [HS_CAL_24X7] = "24x7", [HS_CAL_WEEKDAYS] = "weekdays",
    [HS_CAL_XNYS] = "XNYS"};

const char *hs_cal_calendar_name(hs_calendar cal)
{
    return ((int)cal >= 0 && cal < HS_CAL_COUNT) ? calendar_names[cal] : NULL;
}

int hs_cal_calendar_parse(const char *name, hs_calendar *out)
{
    for (int c = 0; c < HS_CAL_COUNT; c++)
        if (name && strcasecmp(name, calendar_names[c]) == 0) {
            *out = (hs_calendar)c;
            return 0;
        }
    return hs_error_set(HS_EINVAL,
                        "unknown calendar '%s' (expected 24x7, weekdays or "
                        "XNYS)",
                        name ? name : "");
}

/* 0 Sunday .. 6 Saturday; 1970-01-01 was a Thursday. */
static int weekday_of_days(int64_t days)
{
    int64_t w = (days + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int hs_cal_weekday(int64_t ms)
{
    return weekday_of_days(floor_div(ms, HS_MS_PER_DAY));
}

void hs_cal_easter(int year, int *month, int *day)
{
    /* Meeus, Astronomical Algorithms, ch. 8 (valid for any Gregorian year). */
    const int a = year % 19, b = year / 100, c = year % 100;
    const int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
    const int h = (19 * a + b - d - g + 15) % 30;
    const int i = c / 4, k = c % 4;
    const int l = (32 + 2 * e + 2 * i - h - k) % 7;
    const int m = (a + 11 * h + 22 * l) / 451;
    *month = (h + l - 7 * m + 114) / 31;
    *day = (h + l - 7 * m + 114) % 31 + 1;
}

/* The day number of the n-th (1-based; -1: last) weekday `wd` of a month. */
static int64_t nth_weekday(int year, int month, int wd, int n)
{
    if (n > 0) {
        int64_t first = days_from_civil(year, month, 1);
        int off = (wd - weekday_of_days(first) + 7) % 7;
        return first + off + 7 * (n - 1);
    }
    int ny = month == 12 ? year + 1 : year, nm = month == 12 ? 1 : month + 1;
    int64_t last = days_from_civil(ny, nm, 1) - 1;
    return last - (weekday_of_days(last) - wd + 7) % 7;
}

/* A fixed-date holiday's observed day: Saturday -> Friday, Sunday ->
 * Monday. */
static int64_t observed(int year, int month, int day)
{
    int64_t d = days_from_civil(year, month, day);
    int wd = weekday_of_days(d);
    return wd == 6 ? d - 1 : wd == 0 ? d + 1 : d;
}

/* 1 if the weekday `days` is an NYSE holiday (rules in calendar.h). */
static int xnys_holiday(int64_t days)
{
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    /* New Year's Day: a Sunday one is observed on Monday January 2; a
     * Saturday one is not observed (December 31 stays open). */
    int64_t ny = days_from_civil(y, 1, 1);
    if (days == ny || (weekday_of_days(ny) == 0 && days == ny + 1))
        return 1;
    if (y >= 1998 && days == nth_weekday(y, 1, 1, 3)) /* MLK Day */
        return 1;
    if (days == nth_weekday(y, 2, 1, 3)) /* Washington's Birthday */
        return 1;
    int em, ed;
    hs_cal_easter(y, &em, &ed);
    if (days == days_from_civil(y, em, ed) - 2) /* Good Friday */
        return 1;
    if (days == nth_weekday(y, 5, 1, -1)) /* Memorial Day */
        return 1;
    if (y >= 2022 && days == observed(y, 6, 19)) /* Juneteenth */
        return 1;
    if (days == observed(y, 7, 4) || days == nth_weekday(y, 9, 1, 1) ||
        days == nth_weekday(y, 11, 4, 4) || days == observed(y, 12, 25))
        return 1;
    return 0;
}

static int session_day(hs_calendar cal, int64_t days)
{
    if (cal == HS_CAL_24X7)
        return 1;
    int wd = weekday_of_days(days);
    if (wd == 0 || wd == 6)
        return 0;
    return cal == HS_CAL_XNYS ? !xnys_holiday(days) : 1;
}

int hs_cal_is_session(hs_calendar cal, int64_t ms)
{
    return session_day(cal, floor_div(ms, HS_MS_PER_DAY));
}

long hs_cal_sessions(hs_calendar cal, int64_t from, int64_t to)
{
    long n = 0;
    for (int64_t d = floor_div(from, HS_MS_PER_DAY),
                 e = floor_div(to, HS_MS_PER_DAY);
         d <= e; d++)
        n += session_day(cal, d);
    return n;
}

double hs_cal_days_per_year(hs_calendar cal)
{
    return cal == HS_CAL_XNYS ? 252.0 : cal == HS_CAL_WEEKDAYS ? 260.0 : 365.0;
}

hs_calendar hs_cal_infer(const int64_t *ts, size_t n)
{
    int holiday = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t d = floor_div(ts[i], HS_MS_PER_DAY);
        int wd = weekday_of_days(d);
        if (wd == 0 || wd == 6)
            return HS_CAL_24X7;
        holiday |= xnys_holiday(d);
    }
    return n == 0 ? HS_CAL_24X7 : holiday ? HS_CAL_WEEKDAYS : HS_CAL_XNYS;
}

long long hs_cal_gaps(hs_calendar cal, const int64_t *ts, size_t n)
{
    if (n == 0)
        return 0;
    long long have = 0;
    int64_t prev = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        int64_t d = floor_div(ts[i], HS_MS_PER_DAY);
        if (d != prev && session_day(cal, d))
            have++;
        prev = d;
    }
    long long all = hs_cal_sessions(cal, ts[0], ts[n - 1]);
    return all > have ? all - have : 0;
}
