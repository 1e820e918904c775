/*
 * test_sweep_points.c - a sweep's points (sim/sweep.c): how a `sweep`
 * group's parameters expand into points and values, through the C API.
 *
 * The points decide what a sweep runs and the text of their values is
 * what reaches `--set` and every output, so the tests pin down: the
 * number of points of a grid (the product) and of a zip (the common
 * count), none without parameters; which value of each parameter a point
 * takes (a grid varies the last parameter fastest, every combination
 * once); linear and log ranges, with both ends exact (not reached through
 * rounding); `values` lists as given; date ranges (from_date, step_days)
 * across month, year and leap-day ends, written quoted or not; a value
 * written with 17 digits reads back as the same double, while 10 digits
 * are for tables. Most tests build sim_sweep_params in C; the last loads
 * small sweep groups through sim_config with sim_sweep_schema, for the
 * defaults and the checks no CLI test covers (test_sweep.c runs whole
 * sweeps and checks the file:line of bad ranges, steps and dates).
 */
#include "test_util.h"

#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim_config.h"
#include "sim_date.h"
#include "run/sweep_points.h"

/* ---- parameters built in C ------------------------------------------------------ */

/* A range parameter: `steps` values from `from` to `to`. */
static sim_sweep_param range(double from, double to, int64_t steps, int scale)
{
	return (sim_sweep_param){ .path = (char *)"x", .from = from, .to = to, .steps = steps,
				  .scale = scale, .from_date = (char *)"", .step_days = 7 };
}

/* A `values` parameter over values[0, n). */
static sim_sweep_param list(double *values, size_t n)
{
	return (sim_sweep_param){ .path = (char *)"x", .values = { n, values },
				  .from_date = (char *)"", .step_days = 7 };
}

/* A date parameter: `steps` dates from `from_date`, step_days apart. */
static sim_sweep_param dates(const char *from_date, int64_t step_days, int64_t steps)
{
	return (sim_sweep_param){ .path = (char *)"market.events.[0].date", .steps = steps,
				  .from_date = (char *)from_date, .step_days = step_days };
}

static sim_sweep_params sweep_of(int mode, sim_sweep_param *params, size_t n)
{
	return (sim_sweep_params){ .mode = mode, .parameters = { n, params },
				   .plot = (char *)"" };
}

/* The value's text: digits 17 or 10, quoted for a date. */
static const char *text(const sim_sweep_param *p, size_t k, int digits, bool quoted)
{
	static char buf[64];
	sim_sweep_value_text(p, k, digits, quoted, buf, sizeof buf);
	return buf;
}

static void assert_bits(double got, double want)
{
	if (memcmp(&got, &want, sizeof got) != 0)
		fail_msg("got %.17g, expected exactly %.17g", got, want);
}

/* ---- the tests -------------------------------------------------------------------- */

/* Ensure point counts: a grid's product, a zip's common count, 0 without parameters. */
static void test_point_counts(void **unused)
{
	(void)unused;
	double v2[] = { 1, 2 }, v5[] = { 1, 2, 3, 4, 5 };
	sim_sweep_param p[3] = { list(v2, 2), range(0, 1, 3, 0), dates("2026-01-05", 7, 4) };
	assert_int_equal(sim_sweep_value_count(&p[0]), 2);
	assert_int_equal(sim_sweep_value_count(&p[1]), 3);
	assert_int_equal(sim_sweep_value_count(&p[2]), 4);
	sim_sweep_params s = sweep_of(0, p, 3);
	assert_int_equal(sim_sweep_point_count(&s), 24);
	s = sweep_of(0, p, 2);
	assert_int_equal(sim_sweep_point_count(&s), 6);
	s = sweep_of(0, &p[1], 1);
	assert_int_equal(sim_sweep_point_count(&s), 3);

	sim_sweep_param z[3] = { list(v5, 5), range(1, 9, 5, 0), dates("2026-01-05", 1, 5) };
	s = sweep_of(1, z, 3);
	assert_int_equal(sim_sweep_point_count(&s), 5);
	s = sweep_of(0, z, 3);
	assert_int_equal(sim_sweep_point_count(&s), 125);

	/* No parameters: no points, grid or zip (a plain run is one point
	   without parameters, made by the runner, not here). */
	s = sweep_of(0, NULL, 0);
	assert_int_equal(sim_sweep_point_count(&s), 0);
	s = sweep_of(1, NULL, 0);
	assert_int_equal(sim_sweep_point_count(&s), 0);
}

/* Ensure grid points vary the last parameter fastest, and zip points go together. */
static void test_value_index_order(void **unused)
{
	(void)unused;
	/* point = (i * n1 + j) * n2 + k, every combination exactly once. */
	double a[] = { 10, 20 }, b[] = { 1, 2, 3 }, c[] = { 0.1, 0.2, 0.3, 0.4 };
	sim_sweep_param p[3] = { list(a, 2), list(b, 3), list(c, 4) };
	sim_sweep_params s = sweep_of(0, p, 3);
	int seen[2][3][4] = { { { 0 } } };
	for (size_t point = 0; point < 24; point++) {
		size_t i = sim_sweep_value_index(&s, point, 0);
		size_t j = sim_sweep_value_index(&s, point, 1);
		size_t k = sim_sweep_value_index(&s, point, 2);
		assert_true(i < 2 && j < 3 && k < 4);
		assert_int_equal(point, (i * 3 + j) * 4 + k);
		seen[i][j][k]++;
	}
	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < 3; j++)
			for (size_t k = 0; k < 4; k++)
				assert_int_equal(seen[i][j][k], 1);
	/* The first points, spelled out: the last parameter moves first. */
	const size_t want[6][3] = { { 0, 0, 0 }, { 0, 0, 1 }, { 0, 0, 2 },
				    { 0, 0, 3 }, { 0, 1, 0 }, { 0, 1, 1 } };
	for (size_t point = 0; point < 6; point++)
		for (size_t j = 0; j < 3; j++)
			assert_int_equal(sim_sweep_value_index(&s, point, j), want[point][j]);
	assert_int_equal(sim_sweep_value_index(&s, 23, 0), 1);
	assert_int_equal(sim_sweep_value_index(&s, 23, 1), 2);
	assert_int_equal(sim_sweep_value_index(&s, 23, 2), 3);

	/* A two-parameter grid as test_sweep.c's date grid runs it. */
	s = sweep_of(0, p, 2);
	const size_t two[6][2] = { { 0, 0 }, { 0, 1 }, { 0, 2 }, { 1, 0 }, { 1, 1 }, { 1, 2 } };
	for (size_t point = 0; point < 6; point++) {
		assert_int_equal(sim_sweep_value_index(&s, point, 0), two[point][0]);
		assert_int_equal(sim_sweep_value_index(&s, point, 1), two[point][1]);
	}

	double d[] = { 5, 6, 7, 8 };
	sim_sweep_param z[2] = { list(c, 4), list(d, 4) };
	s = sweep_of(1, z, 2);
	for (size_t point = 0; point < 4; point++)
		for (size_t j = 0; j < 2; j++)
			assert_int_equal(sim_sweep_value_index(&s, point, j), point);
}

/* Ensure a linear range is evenly spaced with both ends exact. */
static void test_linear_range(void **unused)
{
	(void)unused;
	/* Rising, falling, across zero, and with ends not exact in binary. */
	/* The README's price sweep: 0 to 4 in 17 steps of 0.25 (exact in
	   binary), and its zipped partner ending at 0.6666666666666666. */
	sim_sweep_param p = range(0.0, 4.0, 17, 0);
	assert_int_equal(sim_sweep_value_count(&p), 17);
	for (size_t k = 0; k < 17; k++)
		assert_bits(sim_sweep_value(&p, k), 0.25 * (double)k);
	p = range(0.0, 0.6666666666666666, 17, 0);
	assert_bits(sim_sweep_value(&p, 0), 0.0);
	assert_bits(sim_sweep_value(&p, 16), 0.6666666666666666);
	assert_double_near(sim_sweep_value(&p, 8), 0.3333333333333333, 1e-16);

	/* Ends that are not exact in binary, and a step that rounds: the
	   last value is `to` itself, not from + (to - from) * 1. */
	p = range(0.3, 0.9, 7, 0);
	assert_bits(sim_sweep_value(&p, 0), 0.3);
	assert_bits(sim_sweep_value(&p, 6), 0.9);
	assert_true(0.3 + (0.9 - 0.3) * 1.0 != 0.9); /* why the end is special */
	for (size_t k = 1; k < 6; k++)
		assert_double_near(sim_sweep_value(&p, k), 0.3 + 0.1 * (double)k, 1e-15);
	p = range(0.7, 0.1, 4, 0);
	assert_bits(sim_sweep_value(&p, 0), 0.7);
	assert_bits(sim_sweep_value(&p, 3), 0.1);
	assert_true(0.7 + (0.1 - 0.7) * 1.0 != 0.1);

	/* Falling, across zero, and two steps (the ends alone). */
	p = range(4.0, -4.0, 5, 0);
	const double fall[] = { 4, 2, 0, -2, -4 };
	for (size_t k = 0; k < 5; k++)
		assert_bits(sim_sweep_value(&p, k), fall[k]);
	p = range(-1e-3, 3.3, 2, 0);
	assert_bits(sim_sweep_value(&p, 0), -1e-3);
	assert_bits(sim_sweep_value(&p, 1), 3.3);
	/* Values rise monotonically. */
	p = range(0.3, 0.9, 1000, 0);
	for (size_t k = 1; k < 1000; k++)
		assert_true(sim_sweep_value(&p, k) > sim_sweep_value(&p, k - 1));
	assert_bits(sim_sweep_value(&p, 999), 0.9);
}

/* Ensure a log range has equal ratios with both ends exact, also below zero. */
static void test_log_range(void **unused)
{
	(void)unused;
	sim_sweep_param p = range(1.0, 1000.0, 4, 1);
	const double decades[] = { 1, 10, 100, 1000 };
	for (size_t k = 0; k < 4; k++)
		assert_double_near(sim_sweep_value(&p, k), decades[k], decades[k] * 1e-14);
	assert_bits(sim_sweep_value(&p, 0), 1.0);
	assert_bits(sim_sweep_value(&p, 3), 1000.0);

	p = range(0.001, 0.1, 5, 1);
	assert_bits(sim_sweep_value(&p, 0), 0.001);
	assert_bits(sim_sweep_value(&p, 4), 0.1);
	for (size_t k = 1; k < 5; k++)
		assert_double_near(sim_sweep_value(&p, k) / sim_sweep_value(&p, k - 1),
				   sqrt(10.0), 1e-13);
	/* Not linear: the middle is the geometric mean, 0.01, not 0.0505. */
	assert_double_near(sim_sweep_value(&p, 2), 0.01, 1e-16);

	p = range(-2.0, -512.0, 9, 1);
	for (size_t k = 0; k < 9; k++)
		assert_double_near(sim_sweep_value(&p, k), -2.0 * pow(2.0, (double)k),
				   1e-12 * pow(2.0, (double)k));
	assert_bits(sim_sweep_value(&p, 8), -512.0);
	/* Falling. */
	p = range(3.0, 0.03, 3, 1);
	assert_bits(sim_sweep_value(&p, 0), 3.0);
	assert_double_near(sim_sweep_value(&p, 1), 0.3, 1e-15);
	assert_bits(sim_sweep_value(&p, 2), 0.03);
}

/* Ensure a `values` list is taken as given and written with 17 or 10 digits. */
static void test_values_list(void **unused)
{
	(void)unused;
	double v[] = { 0.05, 0.055, -3.0, 1e300, 0.1 + 0.2, 5e-324, 0.0 };
	sim_sweep_param p = list(v, 7);
	assert_int_equal(sim_sweep_value_count(&p), 7);
	for (size_t k = 0; k < 7; k++)
		assert_bits(sim_sweep_value(&p, k), v[k]);
	/* A list wins over a range's from/to/steps (the checks refuse
	   both; here only the list is read). */
	p.from = 7;
	p.to = 9;
	assert_bits(sim_sweep_value(&p, 1), 0.055);
	assert_string_equal(text(&p, 0, 17, false), "0.050000000000000003");
	assert_string_equal(text(&p, 0, 10, false), "0.05");
	assert_string_equal(text(&p, 1, 10, false), "0.055");
	assert_string_equal(text(&p, 2, 17, true), "-3"); /* numbers are never quoted */
	assert_string_equal(text(&p, 3, 17, false), "1.0000000000000001e+300");
	assert_string_equal(text(&p, 3, 10, false), "1e+300");
	assert_string_equal(text(&p, 4, 17, false), "0.30000000000000004");
	assert_string_equal(text(&p, 4, 10, false), "0.3");
	assert_string_equal(text(&p, 5, 17, false), "4.9406564584124654e-324");
	assert_string_equal(text(&p, 6, 17, false), "0");
}

/* Ensure date ranges step from from_date by step_days, quoted when asked. */
static void test_date_range(void **unused)
{
	(void)unused;
	/* Across month, year and leap-day ends, as YYYY-MM-DD; in double quotes
	   for a --set value; the numeric value of a date is NaN. */
	sim_sweep_param p = dates("2026-03-16", 14, 3);
	assert_int_equal(sim_sweep_value_count(&p), 3);
	assert_string_equal(text(&p, 0, 17, false), "2026-03-16");
	assert_string_equal(text(&p, 1, 17, false), "2026-03-30");
	assert_string_equal(text(&p, 2, 17, false), "2026-04-13");
	assert_string_equal(text(&p, 1, 17, true), "\"2026-03-30\"");
	assert_string_equal(text(&p, 1, 10, true), "\"2026-03-30\""); /* digits play no part */
	assert_true(isnan(sim_sweep_value(&p, 0)));

	p = dates("2026-12-25", 7, 2);
	assert_string_equal(text(&p, 1, 17, false), "2027-01-01");
	p = dates("2028-02-22", 7, 3);
	assert_string_equal(text(&p, 1, 17, false), "2028-02-29");
	assert_string_equal(text(&p, 2, 17, false), "2028-03-07");
	p = dates("2027-02-22", 7, 2);
	assert_string_equal(text(&p, 1, 17, false), "2027-03-01");
	p = dates("2026-01-31", 1, 2);
	assert_string_equal(text(&p, 1, 17, false), "2026-02-01");

	/* Every date of a long daily range is the day after the one before. */
	p = dates("2025-12-29", 1, 800);
	long first;
	assert_int_equal(sim_date_parse("2025-12-29", &first), 0);
	for (size_t k = 0; k < 800; k++) {
		long day;
		assert_int_equal(sim_date_parse(text(&p, k, 17, false), &day), 0);
		assert_int_equal(day, first + (long)k);
	}

	/* A buffer too small gets a cut, terminated string. */
	char small[6];
	memset(small, 'z', sizeof small);
	sim_sweep_value_text(&p, 0, 17, true, small, sizeof small);
	assert_string_equal(small, "\"2025");
}

/* Ensure every value written with 17 digits reads back as the same double. */
static void test_17_digits_round_trip(void **unused)
{
	(void)unused;
	/* Bit for bit, which each point's --set relies on; 10 digits do not. */
	double v[] = { 1.0 / 3.0, 2.0 / 3.0, 0.1 + 0.2, DBL_MAX, -DBL_MIN, 5e-324,
		       123456789.12345679, -0.0, 1e-310, 9007199254740993.0 };
	sim_sweep_param ps[] = {
		range(0.0, 0.6666666666666666, 17, 0), range(0.3, 0.9, 301, 0),
		range(1e-9, 1e9, 181, 1), range(-0.3, -7.7, 97, 1), list(v, 10),
	};
	size_t total = 0;
	for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
		for (size_t k = 0; k < sim_sweep_value_count(&ps[i]); k++) {
			double x = sim_sweep_value(&ps[i], k);
			const char *t = text(&ps[i], k, 17, false);
			double back = strtod(t, NULL);
			if (memcmp(&back, &x, sizeof x) != 0)
				fail_msg("parameter %zu value %zu: %.17g as \"%s\" reads %.17g", i,
					 k, x, t, back);
			total++;
		}
	assert_int_equal(total, 17 + 301 + 181 + 97 + 10);
	/* 10 digits do not come back (they are for tables). */
	assert_string_equal(text(&ps[4], 0, 10, false), "0.3333333333");
	assert_true(strtod(text(&ps[4], 0, 10, false), NULL) != 1.0 / 3.0);
	/* -0.0 keeps its sign in text. */
	assert_string_equal(text(&ps[4], 7, 17, false), "-0");
}

/* Ensure the point count of a huge grid is computed in checked
   arithmetic: 2^64 points is an overflow (it used to wrap to 0, a sweep
   without points), reported as such, never a wrong count. */
static void test_huge_grid(void **unused)
{
	(void)unused;
	sim_sweep_param p[4] = { range(0, 1, 65536, 0), range(0, 1, 65536, 0),
				 range(0, 1, 65536, 0), range(0, 1, 65537, 0) };
	size_t n = 0;
	sim_sweep_params s = sweep_of(0, p, 3);
	assert_int_equal(sim_sweep_point_count_checked(&s, &n), 0);
	assert_true(n == (size_t)1 << 48);
	s = sweep_of(0, p, 4);
	assert_int_equal(sim_sweep_point_count_checked(&s, &n), -1);
	assert_true(n == SIZE_MAX);
	assert_true(sim_sweep_point_count(&s) == SIZE_MAX);
	p[3] = range(0, 1, 65536, 0); /* exactly 2^64: wraps to 0 unchecked */
	assert_int_equal(sim_sweep_point_count_checked(&s, &n), -1);
	sim_sweep_param m[3] = { range(0, 1, 1000000, 0), range(0, 1, 1000000, 0),
				 range(0, 1, 1000000, 0) };
	s = sweep_of(0, m, 3);
	assert_int_equal(sim_sweep_point_count_checked(&s, &n), 0);
	assert_true(n == (size_t)1000000000000000000ULL);
	assert_int_equal(sim_sweep_value_index(&s, 999999999999999999ULL, 0), 999999);
	assert_int_equal(sim_sweep_value_index(&s, 1000000, 1), 1);
	/* A zip counts its first parameter's values, never a product. */
	s = sweep_of(1, m, 3);
	assert_int_equal(sim_sweep_point_count_checked(&s, &n), 0);
	assert_int_equal(n, 1000000);
}

/* ---- through sim_config ----------------------------------------------------------- */

typedef struct root_params {
	sim_sweep_params sweep;
} root_params;

static const sim_setting root_rows[] = {
	SIM_GROUP("sweep", root_params, sweep, &sim_sweep_schema, "The sweep"),
};
static const sim_schema root_schema = SIM_SCHEMA("root", root_rows, root_params, NULL);

/* Resolves `text`; returns 0 with *out filled, or -1 with err. */
static int resolve(const char *cfg_text, root_params *out, sim_error *err)
{
	memset(out, 0, sizeof *out);
	sim_error_clear(err);
	sim_config *cfg = sim_config_parse_string(cfg_text, "sweep.cfg", err);
	if (!cfg)
		fail_msg("parse: %s", err->message);
	int rc = sim_config_resolve(cfg, &root_schema, out, err);
	sim_config_free(cfg);
	return rc;
}

static void expect_refused(const char *cfg_text, int line, const char *path, const char *msg)
{
	root_params r;
	sim_error err;
	if (resolve(cfg_text, &r, &err) == 0)
		fail_msg("accepted:\n%s", cfg_text);
	sim_params_free(&root_schema, &r);
	assert_int_equal(err.kind, SIM_ERROR_CONFIG);
	assert_int_equal(err.line, line);
	assert_string_equal(err.path, path);
	if (!strstr(err.message, msg))
		fail_msg("expected \"%s\" in \"%s\"", msg, err.message);
}

/* Ensure sweep groups loaded through sim_config expand and are checked. */
static void test_loaded_from_config(void **unused)
{
	(void)unused;
	/* The defaults (grid, linear, step_days 7, reference 0), a zip of a date
	   range with a log range, and the checks of sweep.c that no CLI test
	   covers: a zip of unequal lists, values with a range or a date, a
	   reference past the last point, a plot list with spaces; each at its
	   line. */
	root_params r;
	sim_error err;
	assert_int_equal(resolve("sweep = { parameters = (\n"
				 "  { path = \"a.b\"; from = 1.0; to = 2.0; steps = 3; },\n"
				 "  { path = \"a.c\"; values = [5.0, 6.0]; }\n"
				 "); };\n", &r, &err), 0);
	const sim_sweep_param *p = r.sweep.parameters.items;
	assert_int_equal(r.sweep.mode, 0);
	assert_int_equal(r.sweep.reference, 0);
	assert_string_equal(r.sweep.plot, "");
	assert_int_equal(r.sweep.parameters.count, 2);
	assert_string_equal(p[0].path, "a.b");
	assert_int_equal(p[0].scale, 0);
	assert_int_equal(p[0].step_days, 7);
	assert_string_equal(p[0].from_date, "");
	assert_int_equal(sim_sweep_point_count(&r.sweep), 6);
	/* Point 3 of the 3 x 2 grid: a.b's second value, a.c's second. */
	assert_string_equal(text(&p[0], sim_sweep_value_index(&r.sweep, 3, 0), 17, false), "1.5");
	assert_string_equal(text(&p[1], sim_sweep_value_index(&r.sweep, 3, 1), 17, false), "6");
	sim_params_free(&root_schema, &r);

	assert_int_equal(resolve("sweep = { mode = \"zip\"; reference = 2; parameters = (\n"
				 "  { path = \"a.d\"; from_date = \"2026-03-16\"; step_days = 14;"
				 " steps = 3; },\n"
				 "  { path = \"a.e\"; from = 1.0; to = 100.0; steps = 3;"
				 " scale = \"log\"; }\n"
				 "); };\n", &r, &err), 0);
	p = r.sweep.parameters.items;
	assert_int_equal(r.sweep.mode, 1);
	assert_int_equal(sim_sweep_point_count(&r.sweep), 3);
	assert_string_equal(text(&p[0], sim_sweep_value_index(&r.sweep, 2, 0), 17, true),
			    "\"2026-04-13\"");
	assert_double_near(sim_sweep_value(&p[1], sim_sweep_value_index(&r.sweep, 1, 1)), 10.0,
			   1e-13);
	sim_params_free(&root_schema, &r);

	expect_refused("sweep = { mode = \"zip\"; parameters = (\n"
		       "  { path = \"a.b\"; values = [1.0, 2.0, 3.0]; },\n"
		       "  { path = \"a.c\"; values = [1.0, 2.0]; }\n"
		       "); };\n", 3, "sweep.parameters.[1]",
		       "expected 3 values to zip with parameters.[0], found 2");
	expect_refused("sweep = { parameters = (\n"
		       "  { path = \"a.b\"; values = [1.0];\n"
		       "    steps = 4; }\n"
		       "); };\n", 3, "sweep.parameters.[0].steps",
		       "expected either values or a range (from, to, steps), found both");
	expect_refused("sweep = { parameters = (\n"
		       "  { path = \"a.b\"; values = [1.0];\n"
		       "    from_date = \"2026-01-05\"; }\n"
		       "); };\n", 3, "sweep.parameters.[0].from_date",
		       "expected either values or a date range, found both");
	expect_refused("sweep = {\n"
		       "  reference = 6;\n"
		       "  parameters = ( { path = \"a.b\"; from = 0.0; to = 1.0; steps = 2; },\n"
		       "                 { path = \"a.c\"; values = [1.0, 2.0, 3.0]; } );\n"
		       "};\n", 2, "sweep.reference",
		       "expected a point index below 6, the number of points; found 6");
	expect_refused("sweep = {\n"
		       "  plot = \"cum_revenue:A, share:CN\";\n"
		       "  parameters = ( { path = \"a.b\"; values = [1.0]; } );\n"
		       "};\n", 2, "sweep.plot", "without spaces or quotes");
	/* At most SIM_SWEEP_MAX_POINTS points: 10^7 pass, one more does not,
	   nor 2^64 (which used to wrap to 0 and say "a point index below 0"). */
	assert_int_equal(resolve("sweep = { parameters = (\n"
				 "  { path = \"a.b\"; from = 0.0; to = 1.0; steps = 10000; },\n"
				 "  { path = \"a.c\"; from = 0.0; to = 1.0; steps = 1000; }\n"
				 "); };\n", &r, &err), 0);
	assert_int_equal(sim_sweep_point_count(&r.sweep), SIM_SWEEP_MAX_POINTS);
	sim_params_free(&root_schema, &r);
	expect_refused("sweep = { parameters = (\n"
		       "  { path = \"a.b\"; from = 0.0; to = 1.0; steps = 10000; },\n"
		       "  { path = \"a.c\"; values = [1.0, 2.0]; },\n"
		       "  { path = \"a.d\"; from = 0.0; to = 1.0; steps = 500001; }\n"
		       "); };\n", 1, "sweep.parameters",
		       "expected at most 10000000 points, found 10000 x 2 x 500001 = "
		       "10000020000; split the sweep, or zip parameters (mode = \"zip\")");
	expect_refused("sweep = { reference = 3; parameters = (\n"
		       "  { path = \"a.b\"; from = 0.0; to = 1.0; steps = 65536; },\n"
		       "  { path = \"a.b\"; from = 0.0; to = 1.0; steps = 65536; },\n"
		       "  { path = \"a.b\"; from = 0.0; to = 1.0; steps = 65536; },\n"
		       "  { path = \"a.b\"; from = 0.0; to = 1.0; steps = 65536; }\n"
		       "); };\n", 1, "sweep.parameters",
		       "found 65536 x 65536 x 65536 x 65536 (more than 2^64)");
	/* No parameters is valid for the group (a plain run has none). */
	assert_int_equal(resolve("sweep = { };\n", &r, &err), 0);
	assert_int_equal(sim_sweep_point_count(&r.sweep), 0);
	sim_params_free(&root_schema, &r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_point_counts),
		cmocka_unit_test(test_value_index_order),
		cmocka_unit_test(test_linear_range),
		cmocka_unit_test(test_log_range),
		cmocka_unit_test(test_values_list),
		cmocka_unit_test(test_date_range),
		cmocka_unit_test(test_17_digits_round_trip),
		cmocka_unit_test(test_huge_grid),
		cmocka_unit_test(test_loaded_from_config),
	};
	return cmocka_run_group_tests_name("sweep points", tests, NULL, NULL);
}
