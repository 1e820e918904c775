/*
 * sim_date.h - calendar dates as experiment files write them.
 *
 * Dates are "YYYY-MM-DD" (proleptic Gregorian, UTC) and are handled as day
 * numbers: days since 1970-01-01. A date must lie in the supported range,
 * SIM_DATE_MIN to SIM_DATE_MAX (1970-01-01 to 2199-12-31): every date an
 * experiment derives from one (the end of a horizon, a week's start, a
 * swept date) must too, which the loaders check before anything runs.
 */
#ifndef SIM_DATE_H
#define SIM_DATE_H

#include <stddef.h>

/* The supported range, as text and as day numbers. */
#define SIM_DATE_MIN "1970-01-01"
#define SIM_DATE_MAX "2199-12-31"
#define SIM_DATE_MIN_DAY 0L
#define SIM_DATE_MAX_DAY 84005L

/* What a date setting expects, for messages ("expected " SIM_DATE_EXPECTED
   ", found ..."). */
#define SIM_DATE_EXPECTED \
	"a date as \"YYYY-MM-DD\" from " SIM_DATE_MIN " to " SIM_DATE_MAX

/* Bytes sim_date_format needs for any day number whatever (a year of up
   to 17 digits and its sign, "-MM-DD", the NUL): size date buffers with it. */
#define SIM_DATE_BUF 32

/* The day number of s. Returns 0, or -1 when s is not a real date (31
   April, "2026-2-1", trailing text) or lies outside the supported range
   (*day untouched). */
int sim_date_parse(const char *s, long *day);

/* Writes the date of day number `day` as "YYYY-MM-DD" into buf, at most
   size bytes with the NUL (cut, never overrun, when size is short of
   SIM_DATE_BUF; a date outside the supported range gets its year in full,
   e.g. "10000-01-09"). */
void sim_date_format(long day, char *buf, size_t size);

#endif
