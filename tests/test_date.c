/* test_date.c - calendar dates as day numbers (sim/date.c). */
#include "test_util.h"

#include <limits.h>
#include <string.h>

#include "sim_date.h"

static void test_known_days(void **unused)
{
	(void)unused;
	long day;
	assert_int_equal(sim_date_parse("1970-01-01", &day), 0);
	assert_int_equal(day, 0);
	assert_int_equal(sim_date_parse("2025-12-29", &day), 0);
	long start = day;
	assert_int_equal(sim_date_parse("2026-03-30", &day), 0);
	assert_int_equal(day - start, 91); /* the baseline's week 13 */
	assert_int_equal(sim_date_parse("2028-02-29", &day), 0); /* leap year */
}

static void test_rejects(void **unused)
{
	(void)unused;
	long day = 123;
	const char *bad[] = { "2026-02-30", "2026-04-31", "2027-02-29", "2026-13-01",
			      "2026-2-01", "2026-02-01x", "", "yesterday", NULL };
	for (int i = 0; bad[i]; i++)
		if (sim_date_parse(bad[i], &day) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(sim_date_parse(NULL, &day), -1);
	assert_int_equal(day, 123); /* untouched */
}

/* Ensure only the supported range parses: 1970-01-01 to 2199-12-31, its
   ends included, whose day numbers sim_date.h states. */
static void test_range(void **unused)
{
	(void)unused;
	long day = 123;
	assert_int_equal(sim_date_parse(SIM_DATE_MIN, &day), 0);
	assert_int_equal(day, SIM_DATE_MIN_DAY);
	assert_int_equal(sim_date_parse(SIM_DATE_MAX, &day), 0);
	assert_int_equal(day, SIM_DATE_MAX_DAY);
	const char *outside[] = { "1969-12-31", "2200-01-01", "9999-06-01", "0000-01-01",
				  "+026-01-01", "2026-+1-01", " 2026-01-1", NULL };
	day = 123;
	for (int i = 0; outside[i]; i++)
		if (sim_date_parse(outside[i], &day) == 0)
			fail_msg("accepted \"%s\"", outside[i]);
	assert_int_equal(day, 123);
}

/* Ensure formatting never overruns: any day number fits SIM_DATE_BUF,
   years past 9999 are written in full, and a short buffer is cut. */
static void test_format_any_day(void **unused)
{
	(void)unused;
	char buf[SIM_DATE_BUF];
	sim_date_format(SIM_DATE_MAX_DAY + 1, buf, sizeof buf);
	assert_string_equal(buf, "2200-01-01");
	sim_date_format(-1, buf, sizeof buf);
	assert_string_equal(buf, "1969-12-31");
	sim_date_format(2932897 + 8, buf, sizeof buf); /* 10000-01-09 */
	assert_string_equal(buf, "10000-01-09");
	sim_date_format(LONG_MAX, buf, sizeof buf);
	assert_true(strlen(buf) < sizeof buf);
	sim_date_format(LONG_MIN, buf, sizeof buf);
	assert_true(strlen(buf) < sizeof buf);
	char small[11] = "xxxxxxxxxx";
	sim_date_format(2932897 + 8, small, sizeof small);
	assert_string_equal(small, "10000-01-0");
}

/* Every day of four years formats back to what parses to it. */
static void test_round_trip(void **unused)
{
	(void)unused;
	long first;
	assert_int_equal(sim_date_parse("2025-01-01", &first), 0);
	for (long d = first; d < first + 4 * 366; d++) {
		char buf[SIM_DATE_BUF];
		long back;
		sim_date_format(d, buf, sizeof buf);
		assert_int_equal(strlen(buf), 10);
		assert_int_equal(sim_date_parse(buf, &back), 0);
		assert_int_equal(back, d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_days),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_format_any_day),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
