/* date.c - calendar dates as day numbers (include/sim_date.h), by the
   proleptic Gregorian calendar's 400-year cycles of 146097 days (Howard
   Hinnant's days_from_civil and civil_from_days), in integers only. */
#include "sim_date.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Days from 0000-03-01 to 1970-01-01. */
#define EPOCH_SHIFT 719468L
#define ERA_DAYS 146097L

static long days_from_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * ERA_DAYS + (long)doe - EPOCH_SHIFT;
}

static unsigned days_in_month(long y, unsigned m)
{
	static const unsigned days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* The number written by the n digits at s, or -1 when one is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int sim_date_parse(const char *s, long *day)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < 0 || m < 1 || m > 12 || d < 1 || (unsigned)d > days_in_month(y, (unsigned)m))
		return -1;
	long n = days_from_civil(y, (unsigned)m, (unsigned)d);
	if (n < SIM_DATE_MIN_DAY || n > SIM_DATE_MAX_DAY)
		return -1;
	*day = n;
	return 0;
}

void sim_date_format(long day, char *buf, size_t size)
{
	/* The era by floor division of day alone, so that no sum can
	   overflow whatever day is. */
	long rem = day % ERA_DAYS;
	long era = day / ERA_DAYS - (rem < 0) + EPOCH_SHIFT / ERA_DAYS;
	long doe = (rem < 0 ? rem + ERA_DAYS : rem) + EPOCH_SHIFT % ERA_DAYS; /* < 2 eras */
	if (doe >= ERA_DAYS) {
		era++;
		doe -= ERA_DAYS;
	}
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1;
	long m = mp < 10 ? mp + 3 : mp - 9;
	long long y = (long long)yoe + (long long)era * 400 + (m <= 2);
	if (size > 0)
		snprintf(buf, size, "%04lld-%02ld-%02ld", y, m, d);
}
