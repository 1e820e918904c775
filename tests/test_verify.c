/*
 * test_verify.c - the integrity of a results folder, end to end: typed
 * columns in a real run's results.sqlite, a byte flipped in a stored
 * replication caught by --resume, `marketsim plot` and `marketsim
 * verify`, verify passing on a clean run and sweep and naming what it
 * finds otherwise (an edited, missing or foreign CSV, a rerun that gives
 * other rows), and the manifest's fingerprints.
 *
 * Small settings (tests/data/market_ok.cfg and sweep_ok.cfg: 63 days,
 * 20,000 potential developers) keep it in the fast tier.
 */
#include "test_db.h"
#include "test_run.h"

#include <sqlite3.h>

#include "output/checksum.h"

#define OUT "build/test-verify"
#define RUN "run tests/data/market_ok.cfg -q --no-plots -j 2 --set replications=3 "
#define SWEEP "sweep tests/data/sweep_ok.cfg -q --no-plots -j 2 "

/* Runs sql on dir's database, as an analyst or a damaged disk might. */
static void db_exec(const char *dir, const char *sql)
{
	char path[512];
	snprintf(path, sizeof path, "%s/results.sqlite", dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* Flips one byte of a REAL in dir's table `table` (its first finite
   `column` of (point, rep), a mantissa byte so that it stays finite). */
static void flip_real_byte(const char *dir, const char *table, const char *column,
			   int point, int rep)
{
	char path[512];
	snprintf(path, sizeof path, "%s/results.sqlite", dir);
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *sql = sqlite3_mprintf("SELECT row, \"%w\" FROM \"%w\" WHERE point = %d AND"
				    " replication = %d AND typeof(\"%w\") = 'real' AND"
				    " abs(\"%w\") BETWEEN 1e-300 AND 1e300 ORDER BY row LIMIT 1",
				    column, table, point, rep, column, column);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long row = sqlite3_column_int64(st, 0);
	double x = sqlite3_column_double(st, 1);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	unsigned char b[sizeof x];
	memcpy(b, &x, sizeof x);
	b[1] ^= 0x40;
	memcpy(&x, b, sizeof x);
	sql = sqlite3_mprintf("UPDATE \"%w\" SET \"%w\" = ?1 WHERE point = %d AND replication = %d"
			      " AND row = %lld", table, column, point, rep, row);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_double(st, 1, x);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	sqlite3_close(db);
}

static void expect_status(const test_result *r, int status, const char *what)
{
	if (r->status != status)
		fail_msg("%s: expected exit %d, got %d:\n%s", what, status, r->status, r->out);
}

/* Ensure a real run's week is an INTEGER column: numeric order and ranges. */
static void test_typed_run(void **unused)
{
	(void)unused;
	/* 120 days: weeks 0 to 17, so that text order ('10' < '2') and
	   text ranges ('17' < '5') would show. */
	test_run_ok(RUN "--set market.days=120 -o " OUT "/typed");
	const char *db = OUT "/typed/results.sqlite";
	assert_int_equal(test_db_count(db, "SELECT max(week) FROM models_weekly"), 17);
	assert_int_equal(test_db_count(db, "SELECT count(DISTINCT week) FROM models_weekly"
				       " WHERE week < 5"), 5);
	assert_int_equal(test_db_count(db, "SELECT week FROM (SELECT DISTINCT week FROM"
				       " models_weekly ORDER BY week) LIMIT 1 OFFSET 2"), 2);
	assert_int_equal(test_db_count(db, "SELECT week FROM models_weekly ORDER BY week DESC"
				       " LIMIT 1"), 17);
	/* ORDER BY week: each week one after the one before. */
	assert_int_equal(test_db_count(db, "SELECT count(*) FROM (SELECT week, lag(week) OVER"
				       " (ORDER BY week) AS prev FROM (SELECT DISTINCT week FROM"
				       " models_weekly)) WHERE prev IS NOT NULL AND week <> prev + 1"),
			 0);
	/* The same through a view, and every column of its type. */
	assert_int_equal(test_db_count(db, "SELECT count(DISTINCT week) FROM"
				       " providers_weekly_rows WHERE week < 5"), 5);
	assert_int_equal(test_db_count(db, "SELECT count(*) FROM models_weekly WHERE"
				       " typeof(week) <> 'integer' OR typeof(week_start) <> 'text'"
				       " OR typeof(model) <> 'text' OR typeof(tokens) <> 'real'"), 0);
	assert_int_equal(test_db_count(db, "SELECT count(*) FROM summary WHERE"
				       " typeof(metric) <> 'text' OR typeof(subject) <> 'text'"), 0);
	assert_int_equal(test_db_count(db, "SELECT count(*) FROM runs WHERE"
				       " length(checksum) <> 16 OR typeof(checksum) <> 'text'"), 0);
}

/* Ensure verify passes on a clean run and a clean sweep, saying what it checked. */
static void test_verify_clean(void **unused)
{
	(void)unused;
	test_run_ok(RUN "-o " OUT "/clean-run");
	test_result *r = test_run("verify " OUT "/clean-run");
	expect_status(r, 0, "verify of a clean run");
	test_expect_output(r, "verify " OUT "/clean-run: run market_ok (model market, 3 "
			      "replications stored)\n");
	test_expect_output(r, "ok      checksums: all 3 stored replications match their rows\n");
	test_expect_output(r, "ok      models_weekly.csv: as derived from results.sqlite\n");
	test_expect_output(r, "ok      summary.csv: as derived from results.sqlite\n");
	test_expect_output(r, "ok      rerun of replication 0 (seed 11): the same rows as stored");
	test_expect_output(r, "ok      rerun of replication 1 (seed 11): the same rows as stored");
	test_expect_output(r, "verify: all 9 checks passed\n");
	free(r);
	/* Quiet: nothing. */
	r = test_run("verify -q " OUT "/clean-run");
	expect_status(r, 0, "verify -q");
	assert_string_equal(r->out, "");
	free(r);

	test_run_ok(SWEEP "-o " OUT "/clean-sweep");
	r = test_run("verify --sample 3 " OUT "/clean-sweep");
	expect_status(r, 0, "verify of a clean sweep");
	test_expect_output(r, "sweep sweep_ok (model market, 3 points, 6 replications stored)");
	test_expect_output(r, "ok      sweep_summary.csv: as derived");
	test_expect_output(r, "ok      sweep_replications.csv: as derived");
	test_expect_output(r, "ok      points/p0002/models_weekly.csv: as derived");
	/* The sample spreads over the points. */
	test_expect_output(r, "ok      rerun of point 0, replication 0 (seed 11)");
	test_expect_output(r, "ok      rerun of point 1, replication 0 (seed 11)");
	test_expect_output(r, "ok      rerun of point 2, replication 0 (seed 11)");
	test_expect_output(r, "verify: all 25 checks passed\n");
	free(r);
	/* verify writes nothing in the folder. */
	assert_false(test_exists(OUT "/clean-sweep/experiment.cfg"));
}

/* Ensure a run of the shipped baseline, whose fitted and assumed settings
   are drawn per replication, reruns from its store with the same bits:
   calibrate writes the estimates in the 15 digits the store keeps, so the
   rerun draws from the values the run drew from (with 17 they came back
   rounded and the reruns differed in the 16th digit). */
static void test_verify_baseline(void **unused)
{
	(void)unused;
	test_run_ok("run experiments/openrouter_2026.cfg -q --no-plots -j 2 --set replications=2 "
		    "--set market.scale=400 --set market.days=120 -o " OUT "/baseline");
	test_result *r = test_run("verify " OUT "/baseline");
	expect_status(r, 0, "verify of the baseline");
	test_expect_output(r, "ok      rerun of replication 0 (seed 2026): the same rows as stored");
	test_expect_output(r, "ok      rerun of replication 1 (seed 2026): the same rows as stored");
	free(r);
}

/* Ensure verify names an edited, a missing and a foreign CSV, and fails. */
static void test_verify_edited_csv(void **unused)
{
	(void)unused;
	test_run_ok(SWEEP "-o " OUT "/edited");
	/* One digit of line 3 of a point's weekly table. */
	assert_int_equal(system("sed -i '3s/[0-9]/7/; 3s/7/8/' " OUT
				"/edited/points/p0001/models_weekly.csv"), 0);
	test_result *r = test_run("verify --sample 0 " OUT "/edited");
	expect_status(r, 1, "verify of an edited CSV");
	test_expect_output(r, "FAILED  points/p0001/models_weekly.csv: differs from what "
			      "results.sqlite gives, first at line 3\n");
	test_expect_output(r, "ok      points/p0000/models_weekly.csv");
	test_expect_output(r, "verify: 1 of 22 checks FAILED\n");
	free(r);
	/* Quiet: the failure and the verdict only. */
	r = test_run("verify -q --sample 0 " OUT "/edited");
	expect_status(r, 1, "verify -q of an edited CSV");
	assert_string_equal(r->out, "FAILED  points/p0001/models_weekly.csv: differs from what "
			    "results.sqlite gives, first at line 3\nverify: 1 of 22 checks "
			    "FAILED\n");
	free(r);
	assert_int_equal(system("rm " OUT "/edited/sweep_summary.csv && echo a,b > " OUT
				"/edited/extra.csv"), 0);
	r = test_run("verify --sample 0 " OUT "/edited");
	expect_status(r, 1, "verify with a missing and a foreign CSV");
	test_expect_output(r, "FAILED  sweep_summary.csv: missing (results.sqlite gives it)\n");
	test_expect_output(r, "FAILED  extra.csv: not derived from results.sqlite");
	free(r);
	/* `plot` writes them again; verify then passes. */
	assert_int_equal(system("rm " OUT "/edited/extra.csv"), 0);
	test_run_ok("plot -q " OUT "/edited");
	r = test_run("verify -q " OUT "/edited");
	expect_status(r, 0, "verify after plot");
	free(r);
}

/* Ensure a rerun that gives other rows than stored fails, naming the first difference. */
static void test_verify_rerun_differs(void **unused)
{
	(void)unused;
	test_run_ok(RUN "-o " OUT "/rerun");
	/* The stored configuration no longer what ran: another capacity. */
	db_exec(OUT "/rerun", "UPDATE experiment SET value = replace(value,"
		" 'capacity = 50000000000.0;', 'capacity = 1000000000.0;') WHERE key = 'config'");
	assert_int_equal(test_db_count(OUT "/rerun/results.sqlite", "SELECT count(*) FROM"
				       " experiment WHERE key = 'config' AND value LIKE"
				       " '%capacity = 1000000000.0;%'"), 1);
	test_result *r = test_run("verify " OUT "/rerun");
	expect_status(r, 1, "verify of a rerun that differs");
	test_expect_output(r, "ok      checksums: all 3");
	test_expect_output(r, "FAILED  rerun of replication 0 (seed 11): other rows than stored: "
			      "models_weekly.csv row ");
	test_expect_output(r, "verify: 2 of 9 checks FAILED\n");
	free(r);
}

/* The error of a damaged (point, rep) of dir's database. */
static void expect_damage_named(const test_result *r, const char *dir, const char *where)
{
	char want[512];
	snprintf(want, sizeof want, "%s/results.sqlite: %s: its rows do not match their "
		 "checksum (the file was changed or damaged)", dir, where);
	test_expect_output(r, want);
}

/* Ensure a byte flipped in a stored replication is caught by plot, verify and --resume. */
static void test_flipped_byte(void **unused)
{
	(void)unused;
	test_run_ok(RUN "-o " OUT "/flip");
	test_run_ok(RUN "-o " OUT "/flip-ref");
	flip_real_byte(OUT "/flip", "models_weekly", "revenue", 0, 1);
	char *before = test_read_file(OUT "/flip/summary.csv");

	/* plot: fails naming it, and writes no outputs from it. */
	assert_int_equal(system("rm " OUT "/flip/models_weekly.csv"), 0);
	test_result *r = test_run("plot " OUT "/flip");
	expect_status(r, 1, "plot of a damaged database");
	expect_damage_named(r, OUT "/flip", "point 0, replication 1");
	test_expect_output(r, "rerun that replication with --resume after deleting it "
			      "(DELETE FROM runs WHERE point = 0 AND replication = 1), or run afresh");
	free(r);
	assert_false(test_exists(OUT "/flip/models_weekly.csv"));
	char *after = test_read_file(OUT "/flip/summary.csv");
	assert_string_equal(before, after);
	free(after);
	free(before);

	/* verify: the checksum line names it; the outputs cannot be derived. */
	r = test_run("verify " OUT "/flip");
	expect_status(r, 1, "verify of a damaged database");
	test_expect_output(r, "FAILED  checksum: " OUT "/flip/results.sqlite: point 0, "
			      "replication 1: its rows do not match their checksum");
	test_expect_output(r, "FAILED  outputs: cannot be derived from results.sqlite: ");
	free(r);

	/* --resume: refused before anything runs, naming it; nothing written. */
	assert_int_equal(system("rm " OUT "/flip/manifest.txt"), 0);
	r = test_run(RUN "--resume -o " OUT "/flip");
	expect_status(r, 1, "--resume over a damaged replication");
	expect_damage_named(r, OUT "/flip", "point 0, replication 1");
	free(r);
	assert_false(test_exists(OUT "/flip/manifest.txt"));

	/* Deleted from runs as the message says, --resume runs it again: the
	   database is then the one an undamaged run stored, and verifies. */
	db_exec(OUT "/flip", "DELETE FROM runs WHERE point = 0 AND replication = 1");
	r = test_run(RUN "--resume -o " OUT "/flip");
	expect_status(r, 0, "--resume after deleting the replication");
	free(r);
	test_same_db(OUT "/flip-ref/results.sqlite", OUT "/flip/results.sqlite");
	test_same_file(OUT "/flip-ref/models_weekly.csv", OUT "/flip/models_weekly.csv");
	r = test_run("verify -q " OUT "/flip");
	expect_status(r, 0, "verify after the rerun");
	free(r);
}

/* Ensure a sweep resumed over a damaged replication fails naming it. */
static void test_flipped_byte_sweep(void **unused)
{
	(void)unused;
	test_run_ok(SWEEP "-o " OUT "/flip-sweep");
	flip_real_byte(OUT "/flip-sweep", "summary", "value", 2, 1);
	test_result *r = test_run(SWEEP "--resume -o " OUT "/flip-sweep");
	expect_status(r, 1, "sweep --resume over a damaged replication");
	expect_damage_named(r, OUT "/flip-sweep", "point 2, replication 1");
	free(r);
	r = test_run("plot " OUT "/flip-sweep");
	expect_status(r, 1, "plot of a damaged sweep");
	expect_damage_named(r, OUT "/flip-sweep", "point 2, replication 1");
	free(r);
	r = test_run("verify -q --sample 0 " OUT "/flip-sweep");
	expect_status(r, 1, "verify of a damaged sweep");
	test_expect_output(r, "point 2, replication 1: its rows do not match");
	free(r);
}

/* The fingerprint the manifest at path gives `file`, or "" (into hex). */
static void manifest_fingerprint(const char *path, const char *file, char hex[17])
{
	char *m = test_read_file(path);
	char want[300];
	snprintf(want, sizeof want, "  ( \"%s\", \"", file);
	const char *at = strstr(m, "\nfingerprints = (\n");
	const char *p = at ? strstr(at, want) : NULL;
	hex[0] = '\0';
	if (p)
		snprintf(hex, 17, "%s", p + strlen(want));
	free(m);
}

static void expect_fingerprint(const char *dir, const char *file)
{
	char manifest[512], path[512], hex[17], want[17];
	snprintf(manifest, sizeof manifest, "%s/manifest.txt", dir);
	snprintf(path, sizeof path, "%s/%s", dir, file);
	manifest_fingerprint(manifest, file, hex);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint64_t crc;
	assert_int_equal(sim_crc64_stream(f, &crc), 0);
	fclose(f);
	sim_crc64_text(crc, want);
	if (strcmp(hex, want) != 0)
		fail_msg("%s: the manifest's fingerprint of %s is \"%s\", its CRC-64 %s", dir, file,
			 hex, want);
}

/* Ensure the manifests end with the CRC-64 of every table they list. */
static void test_manifest_fingerprints(void **unused)
{
	(void)unused;
	test_run_ok(RUN "-o " OUT "/fp-run");
	const char *run_tables[] = { "models_weekly.csv", "providers_weekly.csv",
				     "origins_weekly.csv", "summary.csv", "models_tokens_wide.csv" };
	for (size_t i = 0; i < 5; i++)
		expect_fingerprint(OUT "/fp-run", run_tables[i]);
	/* The section ends the manifest, after the resolved configuration. */
	char *m = test_read_file(OUT "/fp-run/manifest.txt");
	const char *config = strstr(m, "# Fully resolved configuration");
	const char *tail = strstr(m, "\nfingerprints = (\n");
	assert_true(config && tail && config < tail);
	assert_string_equal(m + strlen(m) - 6, " )\n);\n");
	free(m);
	test_run_ok(SWEEP "-o " OUT "/fp-sweep");
	expect_fingerprint(OUT "/fp-sweep", "sweep_summary.csv");
	expect_fingerprint(OUT "/fp-sweep", "sweep_replications.csv");
	expect_fingerprint(OUT "/fp-sweep/points/p0001", "models_weekly.csv");
	expect_fingerprint(OUT "/fp-sweep/points/p0001", "summary.csv");
}

/* Ensure verify refuses what is not a results folder (exit 2) and bad usage. */
static void test_verify_not_results(void **unused)
{
	(void)unused;
	test_result *r = test_run("verify " OUT "/nothing-here");
	expect_status(r, 2, "verify of a missing folder");
	test_expect_output(r, "not a results folder (no results.sqlite)");
	free(r);
	test_run_ok("run experiments/phold.cfg -q --set phold.end_time=20 -o " OUT "/phold");
	r = test_run("verify " OUT "/phold");
	expect_status(r, 2, "verify of a PHOLD run");
	test_expect_output(r, "which stores no replications: there is nothing to verify");
	free(r);
	assert_int_equal(system("mkdir -p " OUT "/empty && : > " OUT "/empty/results.sqlite"), 0);
	r = test_run("verify " OUT "/empty");
	expect_status(r, 1, "verify of a 0-byte database");
	test_expect_output(r, "not a results database");
	free(r);
	r = test_run("verify --sample x " OUT "/phold");
	expect_status(r, 2, "verify --sample x");
	test_expect_output(r, "--sample: expected a number of replications");
	free(r);
	r = test_run("verify");
	expect_status(r, 2, "verify without a folder");
	free(r);
	r = test_run("help verify");
	expect_status(r, 0, "help verify");
	test_expect_output(r, "usage: marketsim verify [OPTIONS] DIR");
	free(r);
}

int main(void)
{
	if (access(test_program(), X_OK) != 0) {
		fprintf(stderr, "test_verify: %s not built\n", test_program());
		return 1;
	}
	if (system("rm -rf " OUT " && mkdir -p " OUT) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typed_run),
		cmocka_unit_test(test_verify_clean),
		cmocka_unit_test(test_verify_baseline),
		cmocka_unit_test(test_verify_edited_csv),
		cmocka_unit_test(test_verify_rerun_differs),
		cmocka_unit_test(test_flipped_byte),
		cmocka_unit_test(test_flipped_byte_sweep),
		cmocka_unit_test(test_manifest_fingerprints),
		cmocka_unit_test(test_verify_not_results),
	};
	return cmocka_run_group_tests_name("verify", tests, NULL, NULL);
}
