/*
 * sim_date.h - calendar dates as experiment files write them.
 *
 * Dates are "YYYY-MM-DD" (proleptic Gregorian, UTC) and are handled as day
 * numbers: days since 1970-01-01.
 */
#ifndef SIM_DATE_H
#define SIM_DATE_H

#include <stddef.h>

/* The day number of s. Returns 0, or -1 when s is not a real date
   (31 April, "2026-2-1", trailing text). */
int sim_date_parse(const char *s, long *day);

/* Writes the date of day number `day` as "YYYY-MM-DD" into buf (at least
   11 bytes). */
void sim_date_format(long day, char *buf, size_t size);

#endif
