/*
 * test_market_validate.c - `marketsim validate`: the estimated baseline
 * is judged against every observed figure of
 * experiments/targets/openrouter_2026.csv, a missed target makes the exit
 * status 1, and a bad targets file is refused (file:line, exit 2) before
 * anything runs. The printed table, validation.txt, validation.csv and
 * the `validation` table of results.sqlite hold the same rows and
 * numbers; `marketsim plot DIR` writes the two files again from the
 * database alone.
 *
 * The baseline (estimated, uncertainty = true) does not meet all its
 * targets: with its 20 replications, each drawing the fitted and assumed
 * settings, it misses 6 of 22 (the misses and why are documented in
 * docs/MODEL.md, "Validation of the estimated baseline"; at the
 * estimates it misses 1, the Preview's held-out figure), so its
 * validation exits 1. Asserted: that status and tally, and that the
 * targets it meets (the router in January and April, the Chinese totals
 * of 9 and 16 February and 9 March, MiniMax M2.5 and DeepSeek V3.2 in
 * the week of 9 March, the top six of April, and the held-out Qwen3.6
 * Plus figure, on the mean and inside the replications' band) pass on
 * the mean.
 */
#include "test_run.h"
#include "test_db.h"

#include "sim_validation.h"

#define OUT "build/test-market-validate"

/* Targets the baseline meets on the mean. Measured (20 replications,
   2 December 2026): mean against target and tolerance. */
static const char *const baseline_passes[] = {
	"jan_router_tokens",      /* 7.24 T against 6.40 T +-15% */
	"feb09_cn_tokens",        /* 3.77 T against 4.12 T +-15% */
	"feb16_cn_tokens",        /* 4.98 T against 5.16 T +-15% */
	"mar09_cn_tokens",        /* 5.24 T against 4.69 T +-15% */
	"mar09_us_tokens",        /* 3.57 T against 3.29 T +-15% */
	"mar09_minimax_m2_5",     /* 1.67 T against 1.75 T +-15% */
	"mar09_deepseek_v3_2",    /* 1.01 T against 1.04 T +-15% */
	"apr_router_tokens",      /* 25.54 T against 27.00 T +-10% */
	"apr_top6_tokens",        /* 13.98 T against 12.96 T +-10% */
	"apr_model_qwen3_6_plus", /* 4.71 T against 4.60 T +-15% (held out) */
};

/* The held-out April figures: each inside its replications' 2.5-97.5%
   band, which with the fitted and assumed settings drawn includes
   parameter uncertainty (measured: Qwen3.6 Plus 4.60 T in [3.95 T,
   5.80 T], MiMo-V2-Pro 3.08 T in [0.87 T, 3.96 T], the Preview 1.64 T in
   [0.92 T, 4.35 T]). */
static const char *const held_out[] = {
	"apr_model_qwen3_6_plus",
	"apr_model_mimo_v2_pro",
	"apr_model_qwen3_6_preview",
};

/* Acceptance: the estimated baseline, with its 20 replications, misses
   6 of its 22 targets (exit status 1), prints the table and saves it
   with the results; the targets it meets pass on the mean, and every
   held-out figure lies inside its band. */
static void test_baseline_validates(void **unused)
{
	(void)unused;
	test_result *r = test_run("validate experiments/openrouter_2026.cfg --no-plots -q -o "
				  OUT "/baseline");
	if (r->status != 1)
		fail_msg("validate exited %d, expected 1 (targets missed):\n%s", r->status, r->out);
	test_expect_output(r, "(20 replications; mean and 95% CI)");
	test_expect_output(r, "apr_qwen_first");
	test_expect_output(r, "22 targets, 6 missed (and 10 info rows, not judged)");
	test_expect_output(r, "6 targets missed");
	assert_true(test_exists(OUT "/baseline/validation.txt"));
	assert_true(test_exists(OUT "/baseline/validation.csv"));
	free(r);
	const char *db = OUT "/baseline/results.sqlite";
	assert_int_equal(test_db_count(db, "SELECT count(*) FROM validation"), 32);
	assert_int_equal(test_db_count(db, "SELECT sum(pass) FROM validation"), 16);
	assert_int_equal(test_db_count(db, "SELECT count(*) FROM validation WHERE pass = 0"), 6);
	assert_int_equal(test_db_count(db, "SELECT count(*) FROM validation WHERE pass IS NULL"
					   " AND mode = 'info'"), 10);
	assert_int_equal(test_db_count(db, "SELECT value FROM experiment WHERE key = "
					   "'validation_replications'"), 20);
	for (size_t i = 0; i < sizeof baseline_passes / sizeof *baseline_passes; i++) {
		char sql[256];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM validation WHERE target = '%s'"
			 " AND pass = 1", baseline_passes[i]);
		if (test_db_count(db, sql) != 1)
			fail_msg("target %s: expected it met on the mean", baseline_passes[i]);
	}
	for (size_t i = 0; i < sizeof held_out / sizeof *held_out; i++) {
		char sql[256];
		snprintf(sql, sizeof sql, "SELECT in_band FROM validation WHERE target = '%s'",
			 held_out[i]);
		if (test_db_count(db, sql) != 1)
			fail_msg("held-out %s: expected the figure inside its band", held_out[i]);
	}
}

/* Ensure every table of the baseline passes its invariants with the
   fitted and assumed settings drawn, at the coarse scale memcheck runs:
   there a provider's lost tokens once exceeded the tokens it failed to
   serve (measured 1 December 2026, replication 0, week 18, DeepSeek:
   1.93e9 lost against 1.88e9 failed), because a model's lost tokens went
   to its hosts by their served tokens, not by their failures. */
static void test_baseline_invariants(void **unused)
{
	(void)unused;
	test_result *r = test_run("run experiments/openrouter_2026.cfg --check --no-plots -q "
				  "--set replications=2 --set market.scale=2000 -o " OUT "/check");
	if (r->status != 0)
		fail_msg("run --check exited %d:\n%s", r->status, r->out);
	free(r);
}

/* One row of validation.csv, split in place (no field is quoted here). */
typedef struct csv_row {
	char *target, *week, *week_start, *mean, *lo, *hi, *value, *mode, *tolerance, *pass,
		*pass_share, *band_lo, *band_hi, *in_band;
} csv_row;

#define CSV_FIELDS 14

static bool next_row(char **cursor, csv_row *row)
{
	char *line = *cursor;
	if (!line || !*line)
		return false;
	char *nl = strchr(line, '\n');
	*nl = '\0';
	*cursor = nl + 1;
	char **field[CSV_FIELDS] = { &row->target, &row->week, &row->week_start, &row->mean,
				     &row->lo, &row->hi, &row->value, &row->mode,
				     &row->tolerance, &row->pass, &row->pass_share,
				     &row->band_lo, &row->band_hi, &row->in_band };
	for (size_t i = 0; i < CSV_FIELDS; i++) {
		*field[i] = line;
		char *comma = strchr(line, ',');
		if (i < CSV_FIELDS - 1) {
			assert_non_null(comma);
			*comma = '\0';
			line = comma + 1;
		} else {
			assert_null(comma);
		}
	}
	return true;
}

/* The line the table prints for a row of validation.csv, from its
   numbers, as sim_validation_print lays them out. */
static void expected_line(const csv_row *c, char *line, size_t size)
{
	sim_validation_row r = { .mode = (sim_validation_mode)sim_validation_mode_parse(c->mode),
				 .mean = strtod(c->mean, NULL), .lo = strtod(c->lo, NULL),
				 .hi = strtod(c->hi, NULL), .value = strtod(c->value, NULL),
				 .tolerance = strtod(c->tolerance, NULL),
				 .pass = strcmp(c->pass, "0") != 0,
				 .pass_share = strtod(c->pass_share, NULL),
				 .band_lo = strtod(c->band_lo, NULL),
				 .band_hi = strtod(c->band_hi, NULL),
				 .in_band = strcmp(c->in_band, "1") == 0 };
	sim_validation_cells cells;
	sim_validation_format_cells(&r, &cells);
	snprintf(line, size, "%-28s %-11s %-28s %-9s %-9s %-6s %-20s %-4s %s\n", c->target,
		 c->week_start, cells.observed, cells.value, cells.tolerance, cells.verdict,
		 cells.band, cells.in_band, cells.pass_share);
}

/* The stored row `target` as CSV text: the same columns, numbers in
   %.10g as validation.csv writes them (NULL as nan, a NULL pass empty). */
static void stored_row(const char *db_path, const char *target, char *out, size_t size)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT target, week, week_start, mean, lo, hi,"
					    " value, mode, tolerance, pass, pass_share, band_lo,"
					    " band_hi, in_band, typeof(week), typeof(mean),"
					    " typeof(in_band) FROM validation WHERE target = ?", -1,
					    &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(st, 14), "integer");
	assert_string_equal(sqlite3_column_text(st, 15), "real");
	assert_string_equal(sqlite3_column_text(st, 16), "integer");
	size_t at = (size_t)snprintf(out, size, "%s,%lld,%s", sqlite3_column_text(st, 0),
				     (long long)sqlite3_column_int64(st, 1),
				     sqlite3_column_text(st, 2));
	for (int c = 3; c < 14; c++) {
		int type = sqlite3_column_type(st, c);
		if (c == 7)
			at += (size_t)snprintf(out + at, size - at, ",%s", sqlite3_column_text(st, c));
		else if (type == SQLITE_NULL)
			at += (size_t)snprintf(out + at, size - at, c == 9 ? "," : ",nan");
		else if (type == SQLITE_INTEGER)
			at += (size_t)snprintf(out + at, size - at, ",%lld",
					       (long long)sqlite3_column_int64(st, c));
		else
			at += (size_t)snprintf(out + at, size - at, ",%.10g",
					       sqlite3_column_double(st, c));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Ensure validation.csv and the stored table hold the numbers the table
   printed, row for row, the missed target's pass 0. */
static void expect_same_numbers(const char *dir, const char *printed)
{
	char path[512], db[512];
	snprintf(path, sizeof path, "%s/validation.csv", dir);
	snprintf(db, sizeof db, "%s/results.sqlite", dir);
	char *csv = test_read_file(path), *cursor = strchr(csv, '\n') + 1;
	static const char header[] = "target,week,week_start,mean,lo,hi,value,mode,tolerance,"
				     "pass,pass_share,band_lo,band_hi,in_band\n";
	assert_memory_equal(csv, header, sizeof header - 1);
	size_t rows = 0, failed = 0;
	for (csv_row c; next_row(&cursor, &c); rows++) {
		char line[512], joined[512], stored[512];
		expected_line(&c, line, sizeof line);
		if (!strstr(printed, line))
			fail_msg("expected the line \"%s\" in the table:\n%s", line, printed);
		snprintf(joined, sizeof joined, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s",
			 c.target, c.week, c.week_start, c.mean, c.lo, c.hi, c.value, c.mode,
			 c.tolerance, c.pass, c.pass_share, c.band_lo, c.band_hi, c.in_band);
		stored_row(db, c.target, stored, sizeof stored);
		assert_string_equal(stored, joined);
		failed += strcmp(c.pass, "0") == 0;
	}
	assert_int_equal(rows, test_db_count(db, "SELECT count(*) FROM validation"));
	assert_int_equal(failed, test_db_count(db, "SELECT count(*) FROM validation WHERE pass = 0"));
	free(csv);
}

/* A target the run cannot meet: the table says FAIL, the exit status 1,
   and the results are still written. */
static void test_missed_target(void **unused)
{
	(void)unused;
	test_result *r = test_run("validate tests/data/market_validate_miss.cfg --no-plots -o "
				  OUT "/miss");
	assert_int_equal(r->status, 1);
	test_expect_output(r, "some_tokens");
	test_expect_output(r, "FAIL");
	test_expect_output(r, "3 targets, 1 missed (and 1 info row, not judged)");
	test_expect_output(r, "1 target missed");
	assert_true(test_exists(OUT "/miss/validation.txt"));
	/* validation.txt is the table as printed. */
	char *text = test_read_file(OUT "/miss/validation.txt");
	if (!strstr(r->out, text))
		fail_msg("validation.txt is not the printed table:\n%s", text);
	expect_same_numbers(OUT "/miss", text);
	const char *db = OUT "/miss/results.sqlite";
	assert_int_equal(test_db_count(db, "SELECT pass FROM validation WHERE target = "
					   "'impossible'"), 0);
	assert_int_equal(test_db_count(db, "SELECT week FROM validation WHERE target = "
					   "'impossible'"), 2);
	/* The info row: shown, its pass NULL (not judged), not missed. */
	test_expect_output(r, " info   ");
	assert_int_equal(test_db_count(db, "SELECT count(*) FROM validation WHERE target = "
					   "'cn_tokens' AND pass IS NULL AND value IS NULL"
					   " AND mode = 'info' AND pass_share IS NULL"), 1);
	free(r);

	/* `plot` writes both files again from the database alone. */
	assert_int_equal(system("rm " OUT "/miss/validation.txt " OUT "/miss/validation.csv"), 0);
	test_run_ok("plot " OUT "/miss -q");
	char *again = test_read_file(OUT "/miss/validation.txt");
	assert_string_equal(again, text);
	expect_same_numbers(OUT "/miss", again);
	free(again);
	free(text);
}

/* A bad row of the targets file is reported at its line before the run. */
static void test_bad_targets_file(void **unused)
{
	(void)unused;
	test_result *r = test_run("validate tests/data/market_validate_bad.cfg --no-plots -o "
				  OUT "/bad");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "tests/data/market_targets_bad.csv:5: kind: expected router_tokens");
	test_expect_output(r, "found \"router_tokenz\"");
	assert_false(test_exists(OUT "/bad"));
	free(r);
}

/* An experiment without targets cannot be validated. */
static void test_no_targets(void **unused)
{
	(void)unused;
	test_result *r = test_run("validate tests/data/market_ok.cfg --no-plots -o " OUT "/none");
	assert_int_equal(r->status, 2);
	test_expect_output(r, "targets: `validate` needs a targets file");
	assert_false(test_exists(OUT "/none"));
	free(r);
}

int main(void)
{
	if (access(test_program(), X_OK) != 0) {
		fprintf(stderr, "test_market_validate: %s not built; run from the repository "
			"root after make\n", test_program());
		return 1;
	}
	if (system("rm -rf " OUT) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baseline_validates),
		cmocka_unit_test(test_baseline_invariants),
		cmocka_unit_test(test_missed_target),
		cmocka_unit_test(test_bad_targets_file),
		cmocka_unit_test(test_no_targets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
