/* date.c - calendar dates as day numbers (include/sim_date.h). */
#include "sim_date.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int sim_date_parse(const char *s, long *day)
{
	int y, m, d;
	char tail;
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12 };
	time_t t = timegm(&tm);
	/* timegm normalises 31 April to 1 May: reject what it had to move. */
	if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != m - 1)
		return -1;
	*day = (long)(t / 86400);
	return 0;
}

void sim_date_format(long day, char *buf, size_t size)
{
	/* Noon, so that no time-zone rule can move the date. */
	time_t t = (time_t)day * 86400 + 43200;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d", &tm);
}
