/* Civil-time conversion, timestamp parsing and formatting. */
#include "hedgesim/calendar.h"
#include "hedgesim/errors.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
