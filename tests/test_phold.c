/*
 * test_phold.c - PHOLD run end to end through the runner.
 *
 * PHOLD keeps its event population constant (each event schedules exactly
 * one successor), which gives exact conservation laws to check the engine's
 * counters against; and a run is a pure function of its seed, so two runs
 * with one seed must write byte-identical result files.
 */
#include "test_util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "phold/phold.h"
#include "run/run.h"

static const sim_model_type *const registry[] = { &phold_model, NULL };

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	size_t got = fread(buf, 1, (size_t)n, f);
	buf[got] = '\0';
	fclose(f);
	*len = got;
	return buf;
}

/* Reads `metric` from out_dir/phold_summary.csv. */
static double summary_value(const char *dir, const char *metric)
{
	char path[512], line[256];
	snprintf(path, sizeof path, "%s/phold_summary.csv", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	double value = NAN;
	size_t len = strlen(metric);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, metric, len) == 0 && line[len] == ',')
			value = strtod(line + len + 1, NULL);
	fclose(f);
	return value;
}

static void run_phold(const char *out, const char *const *sets, size_t nsets)
{
	sim_run_options opt = {
		.config_path = "experiments/phold.cfg",
		.overrides = sets,
		.override_count = nsets,
		.out_dir = out,
		.quiet = true,
	};
	sim_error err;
	sim_error_clear(&err);
	if (sim_run_experiment(registry, &opt, NULL, &err) != 0) {
		char buf[2048];
		sim_error_format(&err, buf, sizeof buf);
		fail_msg("run failed: %s", buf);
	}
}

static bool same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = slurp(a, &la), *y = slurp(b, &lb);
	assert_non_null(x);
	assert_non_null(y);
	bool same = la == lb && memcmp(x, y, la) == 0;
	free(x);
	free(y);
	return same;
}

/* Ensure processed = scheduled - pending, the population stays at
   lps x start_events, and the count is near lps x start x end / mean. */
static void test_conservation(void **unused)
{
	(void)unused;
	const char *sets[] = { "phold.lps=256", "phold.start_events=3",
			       "phold.end_time=200" };
	run_phold("build/test-phold/conservation", sets, 3);
	const char *d = "build/test-phold/conservation";
	double scheduled = summary_value(d, "events_scheduled");
	double processed = summary_value(d, "events_processed");
	double pending = summary_value(d, "events_pending_at_end");
	assert_double_near(processed, scheduled - pending, 0);
	assert_double_near(pending, 256 * 3, 0);
	double expected = 256.0 * 3 * 200 / 1.0;
	assert_true(fabs(processed - expected) < 0.02 * expected);
	/* Per-LP rows add up to the total. */
	char path[256], line[128];
	snprintf(path, sizeof path, "%s/phold_lps.csv", d);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f)); /* header */
	double sum = 0;
	int rows = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long long lp, ev, remote;
		assert_int_equal(sscanf(line, "%llu,%llu,%llu", &lp, &ev, &remote), 3);
		sum += (double)ev;
		rows++;
	}
	fclose(f);
	assert_int_equal(rows, 256);
	assert_double_near(sum, processed, 0);
}

/* Ensure one seed gives byte-identical CSVs and another seed does not. */
static void test_determinism(void **unused)
{
	(void)unused;
	const char *a[] = { "phold.end_time=100", "seed=7" };
	const char *b[] = { "phold.end_time=100", "seed=8" };
	run_phold("build/test-phold/seed7a", a, 2);
	run_phold("build/test-phold/seed7b", a, 2);
	run_phold("build/test-phold/seed8", b, 2);
	const char *files[] = { "phold_summary.csv", "phold_lps.csv" };
	for (size_t i = 0; i < 2; i++) {
		char x[256], y[256], z[256];
		snprintf(x, sizeof x, "build/test-phold/seed7a/%s", files[i]);
		snprintf(y, sizeof y, "build/test-phold/seed7b/%s", files[i]);
		snprintf(z, sizeof z, "build/test-phold/seed8/%s", files[i]);
		assert_true(same_file(x, y));
		assert_false(same_file(x, z));
	}
}

/* Ensure the manifest records the resolved config, seed and event count,
   and no temporary file is left behind. */
static void test_manifest(void **unused)
{
	(void)unused;
	const char *sets[] = { "phold.end_time=50", "seed=11" };
	run_phold("build/test-phold/manifest", sets, 2);
	size_t len;
	char *m = slurp("build/test-phold/manifest/manifest.txt", &len);
	assert_non_null(m);
	assert_non_null(strstr(m, "seed = 11"));
	assert_non_null(strstr(m, "events_executed = "));
	assert_non_null(strstr(m, "git_revision = "));
	assert_non_null(strstr(m, "end_time = 50.0"));
	assert_non_null(strstr(m, "lp_table = true")); /* a default, resolved */
	free(m);
	struct stat st;
	assert_int_not_equal(stat("build/test-phold/manifest/.phold_lps.csv.tmp", &st), 0);
	assert_int_not_equal(stat("build/test-phold/manifest/.manifest.txt.tmp", &st), 0);
}

/* Ensure a fixed-seed run reproduces the stored golden CSVs byte for byte
   (regenerate with `make golden` after an intended change). */
static void test_golden(void **unused)
{
	(void)unused;
	sim_run_options opt = {
		.config_path = "tests/data/golden_phold.cfg",
		.out_dir = "build/test-phold/golden",
		.quiet = true,
	};
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(sim_run_experiment(registry, &opt, NULL, &err), 0);
	const char *files[] = { "phold_summary.csv", "phold_lps.csv" };
	for (size_t i = 0; i < 2; i++) {
		char got[256], want[256];
		snprintf(got, sizeof got, "build/test-phold/golden/%s", files[i]);
		snprintf(want, sizeof want, "tests/golden/phold/%s", files[i]);
		if (!same_file(got, want))
			fail_msg("%s differs from %s (run `make golden` if intended)", got, want);
	}
}

int main(void)
{
	if (system("rm -rf build/test-phold") != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conservation),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_golden),
	};
	return cmocka_run_group_tests_name("phold", tests, NULL, NULL);
}
