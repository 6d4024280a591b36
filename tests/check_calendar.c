/* Trading calendars: names, weekdays, Easter, NYSE sessions.
 *
 * Known answers:
 *  - Easter Sunday: the dates tabulated by J. Meeus, Astronomical
 *    Algorithms, 2nd ed., ch. 8 (1818-03-22 and 2285-03-22, the earliest
 *    possible; 1943-04-25 and 2038-04-25, the latest), and 2000-04-23,
 *    2008-03-23, 2019-04-21, 2020-04-12, 2022-04-17, 2024-03-31.
 *  - NYSE sessions a year: 2008 253, 2019 252, 2020 253, 2021 252, 2022 251,
 *    2023 250, 2024 252: the trading days of the NYSE holiday calendars
 *    published at https://www.nyse.com/markets/hours-calendars (weekdays
 *    less the listed closings), e.g. 2022: 260 weekdays, 9 holidays (New
 *    Year's Day fell on a Saturday and was not observed).
 *  - Single days: 2021-12-31 open (New Year's Day 2022 on a Saturday),
 *    2021-12-24 closed (Christmas on a Saturday), 2020-07-03 closed,
 *    2017-01-02 closed (New Year's Day on a Sunday), 2021-06-18 open (no
 *    Juneteenth before 2022), 2022-06-20 closed, 2008-11-28 and 2008-12-24
 *    open (early closes are sessions). */
#include "testutil.h"

#include "hedgesim/calendar.h"

#include <string.h>

static int64_t day(int y, int m, int d)
{
    return hs_cal_from_civil(y, m, d, 0, 0, 0, 0);
}

START_TEST(test_names)
{
    hs_calendar c;
    ck_assert_int_eq(hs_cal_calendar_parse("24x7", &c), 0);
    ck_assert_int_eq(c, HS_CAL_24X7);
    ck_assert_int_eq(hs_cal_calendar_parse("weekdays", &c), 0);
    ck_assert_int_eq(c, HS_CAL_WEEKDAYS);
    ck_assert_int_eq(hs_cal_calendar_parse("xnys", &c), 0);
    ck_assert_int_eq(c, HS_CAL_XNYS);
    ck_assert_str_eq(hs_cal_calendar_name(HS_CAL_XNYS), "XNYS");
    ck_assert_ptr_null(hs_cal_calendar_name(HS_CAL_COUNT));
    ck_assert_int_eq(hs_cal_calendar_parse("LSE", &c), HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "'LSE'"));
    ck_assert_ptr_nonnull(strstr(hs_error_last(), "XNYS"));
    ck_assert_int_eq(hs_cal_calendar_parse(NULL, &c), HS_EINVAL);
}
END_TEST

START_TEST(test_weekday)
{
    ck_assert_int_eq(hs_cal_weekday(0), 4);                    /* Thu */
    ck_assert_int_eq(hs_cal_weekday(day(2024, 12, 29)), 0);    /* Sun */
    ck_assert_int_eq(hs_cal_weekday(day(2024, 12, 28) + 1), 6); /* Sat */
    ck_assert_int_eq(hs_cal_weekday(day(1969, 12, 31)), 3);    /* Wed */
    ck_assert_int_eq(hs_cal_weekday(day(1969, 12, 31) + 5), 3);
}
END_TEST

START_TEST(test_easter)
{
    static const int known[][3] = {
        {1818, 3, 22}, {1943, 4, 25}, {2000, 4, 23}, {2008, 3, 23},
        {2019, 4, 21}, {2020, 4, 12}, {2022, 4, 17}, {2024, 3, 31},
        {2038, 4, 25}, {2285, 3, 22}};
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        int m, d;
        hs_cal_easter(known[i][0], &m, &d);
        ck_assert_msg(m == known[i][1] && d == known[i][2],
                      "Easter %d: got %d-%d", known[i][0], m, d);
    }
}
END_TEST

START_TEST(test_good_friday_closed)
{
    static const int gf[][3] = {{2008, 3, 21}, {2019, 4, 19}, {2020, 4, 10},
                                {2022, 4, 15}, {2024, 3, 29}};
    for (size_t i = 0; i < sizeof gf / sizeof *gf; i++) {
        int64_t t = day(gf[i][0], gf[i][1], gf[i][2]);
        ck_assert_int_eq(hs_cal_weekday(t), 5);
        ck_assert_int_eq(hs_cal_is_session(HS_CAL_XNYS, t), 0);
        ck_assert_int_eq(hs_cal_is_session(HS_CAL_WEEKDAYS, t), 1);
        /* The Thursday before is a session. */
        ck_assert_int_eq(hs_cal_is_session(HS_CAL_XNYS, t - HS_MS_PER_DAY), 1);
    }
}
END_TEST

START_TEST(test_xnys_years)
{
    static const int known[][2] = {{2008, 253}, {2019, 252}, {2020, 253},
                                   {2021, 252}, {2022, 251}, {2023, 250},
                                   {2024, 252}};
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        int y = known[i][0];
        long n = hs_cal_sessions(HS_CAL_XNYS, day(y, 1, 1), day(y, 12, 31));
        ck_assert_msg(n == known[i][1], "XNYS %d: %ld sessions, expected %d",
                      y, n, known[i][1]);
    }
    ck_assert_int_eq(hs_cal_sessions(HS_CAL_WEEKDAYS, day(2022, 1, 1),
                                     day(2022, 12, 31)),
                     260);
    ck_assert_int_eq(hs_cal_sessions(HS_CAL_24X7, day(2020, 1, 1),
                                     day(2020, 12, 31) + 5),
                     366);
    ck_assert_int_eq(hs_cal_sessions(HS_CAL_24X7, day(2020, 1, 2),
                                     day(2020, 1, 1)),
                     0);
}
END_TEST

START_TEST(test_xnys_days)
{
    static const struct {
        int y, m, d, open;
    } known[] = {
        {2021, 12, 31, 1}, {2021, 12, 24, 0}, {2020, 7, 3, 0},
        {2017, 1, 2, 0},   {2021, 6, 18, 1},  {2022, 6, 20, 0},
        {2008, 11, 28, 1}, {2008, 12, 24, 1}, {2008, 11, 27, 0},
        {2008, 1, 21, 0},  {2022, 5, 30, 0},  {2022, 9, 5, 0},
        {2022, 2, 21, 0},  {2022, 12, 26, 0}, {2022, 12, 27, 1},
        {2023, 1, 2, 0},   {2023, 1, 3, 1},   {2022, 1, 3, 1},
        {2022, 7, 4, 0},   {2024, 1, 6, 0},   {2024, 1, 8, 1},
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        int64_t t = day(known[i].y, known[i].m, known[i].d) + 13 * HS_MS_PER_HOUR;
        ck_assert_msg(hs_cal_is_session(HS_CAL_XNYS, t) == known[i].open,
                      "%d-%02d-%02d: expected %s", known[i].y, known[i].m,
                      known[i].d, known[i].open ? "open" : "closed");
    }
    ck_assert_int_eq(hs_cal_is_session(HS_CAL_24X7, day(2024, 1, 6)), 1);
    ck_assert_int_eq(hs_cal_is_session(HS_CAL_WEEKDAYS, day(2024, 1, 6)), 0);
    ck_assert_int_eq(hs_cal_is_session(HS_CAL_WEEKDAYS, day(2022, 12, 26)), 1);
}
END_TEST

START_TEST(test_days_per_year)
{
    ck_assert_double_eq(hs_cal_days_per_year(HS_CAL_24X7), 365.0);
    ck_assert_double_eq(hs_cal_days_per_year(HS_CAL_WEEKDAYS), 260.0);
    ck_assert_double_eq(hs_cal_days_per_year(HS_CAL_XNYS), 252.0);
}
END_TEST

static Suite *calendar_suite(void)
{
    Suite *s = suite_create("calendar");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_weekday);
    tcase_add_test(tc, test_easter);
    tcase_add_test(tc, test_good_friday_closed);
    tcase_add_test(tc, test_xnys_years);
    tcase_add_test(tc, test_xnys_days);
    tcase_add_test(tc, test_days_per_year);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return hs_test_main(calendar_suite()); }
