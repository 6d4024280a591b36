/* Shared helpers for the Check suites. */
#ifndef HS_TESTUTIL_H
#define HS_TESTUTIL_H

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "hedgesim/hedgesim.h"

/* |a - b| <= tol, with both values printed on failure. */
#define hs_ck_near(a, b, tol)                                                  \
    do {                                                                       \
        double hs_a_ = (a), hs_b_ = (b), hs_t_ = (tol);                        \
        ck_assert_msg(fabs(hs_a_ - hs_b_) <= hs_t_,                            \
                      "%s = %.17g, expected %s = %.17g (tol %g)", #a, hs_a_,   \
                      #b, hs_b_, hs_t_);                                       \
    } while (0)

/* Relative closeness. */
#define hs_ck_rel(a, b, rtol)                                                  \
    do {                                                                       \
        double hs_a_ = (a), hs_b_ = (b), hs_t_ = (rtol);                       \
        ck_assert_msg(fabs(hs_a_ - hs_b_) <= hs_t_ * fabs(hs_b_),              \
                      "%s = %.17g, expected %s = %.17g (rtol %g)", #a, hs_a_,  \
                      #b, hs_b_, hs_t_);                                       \
    } while (0)

/* Path of the embedded dataset store, built by make. */
static inline const char *hs_test_db(void)
{
    const char *e = getenv("HS_TEST_DB");
    return e ? e : "datasets/hedgesim.db";
}

/* Run one suite and return a process exit status. */
static inline int hs_test_main(Suite *s)
{
    hs_init();
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
