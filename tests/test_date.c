/* test_date.c - calendar dates as day numbers (sim/date.c). */
#include "test_util.h"

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

/* Every day of four years formats back to what parses to it. */
static void test_round_trip(void **unused)
{
	(void)unused;
	long first;
	assert_int_equal(sim_date_parse("2025-01-01", &first), 0);
	for (long d = first; d < first + 4 * 366; d++) {
		char buf[11];
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
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
