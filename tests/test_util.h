/*
 * test_util.h - helpers shared by the cmocka suites.
 *
 * cmocka 1.1.5's assert_float_equal casts to float, too coarse for prices
 * and shares: assert_double_near compares doubles with an absolute
 * tolerance and prints both values on failure.
 */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#define assert_double_near(a, b, tol)                                        \
	do {                                                                 \
		double a_ = (a), b_ = (b), t_ = (tol);                       \
		if (!(fabs(a_ - b_) <= t_))                                  \
			fail_msg("%s = %.17g, expected %.17g within %g",     \
				 #a, a_, b_, t_);                            \
	} while (0)

#endif
