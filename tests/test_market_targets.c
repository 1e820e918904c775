/*
 * test_market_targets.c - the market's validate (models/market/validate.c)
 * and the verdicts it hands the engine (sim/output/validation.c), on
 * hand-made weekly tables whose answers are worked out below.
 *
 * tests/test_market_validate.c runs whole experiments through the
 * program; this suite calls mkt_validate in-process on tables written by
 * hand, so that every kind's statistic, the per-replication pass share,
 * the 95% band of the replications and the `info` mode are checked
 * against numbers known exactly, and a bad row of a targets file is
 * refused at its line with the field and what was expected.
 *
 * The experiment is tests/data/market_targets_table.cfg (loaded, never
 * run): six models in the order cn_a, us_a, cn_b, us_b, cn_c, tail (tail
 * of origin "other", unranked), three weeks from 2026-03-02. In
 * replication r = 0..4 the weekly tokens are
 *     week 0:    cn_a 10+r (rank 2), us_a 19 (1), cn_b 6 (3), us_b 4 (4),
 *                cn_c 2 (5), tail 100 (unranked, rank 0)
 *     weeks 1-2: the same but us_a 8, so cn_a ranks 1 and us_a 2.
 *
 * Must run from the repository root (make test does).
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "market_internal.h"
#include "run/experiment.h"
#include "sim_table.h"
#include "sim_validation.h"

#define OUT "build/test-market-targets"
#define REPS 5
#define MODELS 6

static const char *const model_ids[MODELS] = { "cn_a", "us_a", "cn_b", "us_b", "cn_c", "tail" };
static const char *const origins[MODELS] = { "CN", "US", "CN", "US", "CN", "other" };

/* Week w's tokens and rank of model i in replication r (see the top). */
static void cell(size_t r, int w, size_t i, double *tokens, double *rank)
{
	static const double later[MODELS] = { 0, 8, 6, 4, 2, 100 };
	static const double later_rank[MODELS] = { 1, 2, 3, 4, 5, 0 };
	static const double first_rank[MODELS] = { 2, 1, 3, 4, 5, 0 };
	*tokens = i == 0 ? 10.0 + (double)r : w == 0 && i == 1 ? 19 : later[i];
	*rank = w == 0 ? first_rank[i] : later_rank[i];
}

/* The hand-made models_weekly.csv of REPS replications; caller frees. */
static sim_table_set *weekly_tables(void)
{
	static const char *const keys[] = { "week", "model", "origin" };
	static const char *const values[] = { "tokens", "rank" };
	sim_error err;
	sim_table_set *set = sim_table_set_new();
	assert_non_null(set);
	for (size_t r = 0; r < REPS; r++) {
		sim_table *t = sim_table_begin(set, "models_weekly.csv", keys, 3, values, 2, &err);
		assert_non_null(t);
		for (int w = 0; w < 3; w++)
			for (size_t i = 0; i < MODELS; i++) {
				char week[16]; /* any int */
				snprintf(week, sizeof week, "%d", w);
				const char *k[] = { week, model_ids[i], origins[i] };
				double v[2];
				cell(r, w, i, &v[0], &v[1]);
				assert_int_equal(sim_table_add(t, k, v, &err), 0);
			}
	}
	return set;
}

static sim_experiment *load_experiment(void)
{
	static const sim_model_type *const registry[] = { &mkt_market_model, NULL };
	sim_run_options opt = { .config_path = "tests/data/market_targets_table.cfg" };
	sim_error err;
	sim_experiment *x = sim_experiment_load(registry, &opt, NULL, 0, &err);
	if (!x)
		fail_msg("%s: %s", err.path, err.message);
	return x;
}

/* Writes the targets file `name` under OUT: the header, then rows. */
static const char *write_targets(const char *name, const char *rows)
{
	static char path[256];
	snprintf(path, sizeof path, OUT "/%s", name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "# %s\ntarget,kind,subject,n,week_start,value,tolerance,mode,source\n%s",
		name, rows);
	assert_int_equal(fclose(f), 0);
	return path;
}

static const sim_validation_row *row_of(const sim_validation *v, const char *target)
{
	for (size_t i = 0; i < v->count; i++)
		if (strcmp(v->rows[i].target, target) == 0)
			return &v->rows[i];
	fail_msg("no row %s", target);
	return NULL;
}

/* Ensure row's mean, pass share and band are the numbers given (NaN:
   expected NaN). */
static void expect_row(const sim_validation_row *r, double mean, double share, double lo,
		       double hi)
{
	const double want[] = { mean, share, lo, hi };
	const double got[] = { r->mean, r->pass_share, r->band_lo, r->band_hi };
	for (size_t k = 0; k < 4; k++) {
		if (isnan(want[k]) && isnan(got[k]))
			continue;
		if (!(fabs(got[k] - want[k]) <= 1e-12))
			fail_msg("%s: figure %zu (mean, pass_share, band_lo, band_hi) is %.17g, "
				 "expected %.17g", r->target, k, got[k], want[k]);
	}
}

static const char every_kind[] =
	/* 18+r: mean 20; |x - 20| <= 1 for r = 1..3; type-7 band of 18..22 */
	"cn_all,origin_tokens,CN,,2026-03-16,20,0.05,rel,s\n"
	/* the unranked tail counts: 100; nothing observed to compare */
	"tail_info,origin_tokens,other,,2026-03-16,,0,info,s\n"
	/* CN among the top 3 (cn_a, us_a, cn_b): 16+r; exactly 18 only at r = 2 */
	"cn_list,origin_top_tokens,CN,3,2026-03-16,18,0,abs,s\n"
	"us_list,origin_top_tokens,US,3,2026-03-16,8,0.1,rel,s\n"
	/* 16+r > 8 in weeks 1 and 2 */
	"top_streak2,top_lead_streak,CN>US@3,2,2026-03-16,0.8,0,min,s\n"
	/* week 0 too: 16+r > 19 only at r = 4 */
	"top_streak3,top_lead_streak,CN>US@3,3,2026-03-16,0.8,0,min,s\n"
	/* week 0: cn_a 10+r never beats us_a 19 */
	"lead3,lead_streak,CN:1>US:1,3,2026-03-16,0.8,0,min,s\n"
	/* 130+r: mean 132, |x - 132| <= 1.32 for r = 1..3 */
	"router,router_tokens,,,2026-03-16,132,0.01,rel,s\n"
	"us_info,origin_tokens,US,,2026-03-16,12,0,info,s\n"
	"first,model_rank,cn_a,,2026-03-16,1,0,abs,s\n"
	"first_w0,model_rank,cn_a,,2026-03-02,2,0,abs,s\n";

/* Ensure each kind's statistic, the verdict on the mean, the pass share
   and the band are the hand-computed ones, and only judged rows count as
   missed. */
static void test_every_kind(void **unused)
{
	(void)unused;
	sim_experiment *x = load_experiment();
	sim_table_set *set = weekly_tables();
	sim_validation v;
	sim_validation_init(&v);
	sim_error err;
	const char *path = write_targets("every_kind.csv", every_kind);
	int missed = mkt_validate(sim_experiment_model_params(x), set, path, &v, &err);
	if (missed < 0)
		fail_msg("%s:%d: %s: %s", err.file, err.line, err.path, err.message);
	assert_int_equal(missed, 2); /* top_streak3 and lead3 */
	assert_int_equal(sim_validation_missed(&v), 2);
	assert_int_equal(v.replications, REPS);
	assert_int_equal(v.count, 11);

	const sim_validation_row *r = row_of(&v, "cn_all");
	expect_row(r, 20, 0.6, 18.1, 21.9);
	assert_true(r->pass && r->in_band);
	r = row_of(&v, "tail_info");
	expect_row(r, 100, NAN, 100, 100);
	assert_true(r->pass && !r->in_band && isnan(r->value));
	assert_string_equal(sim_validation_verdict(r), "info");
	r = row_of(&v, "cn_list");
	expect_row(r, 18, 0.2, 16.1, 19.9);
	assert_true(r->pass);
	expect_row(row_of(&v, "us_list"), 8, 1, 8, 8);
	expect_row(row_of(&v, "top_streak2"), 1, 1, 1, 1);
	r = row_of(&v, "top_streak3");
	expect_row(r, 0.2, 0.2, 0, 0.9);
	assert_false(r->pass);
	assert_string_equal(sim_validation_verdict(r), "FAIL");
	r = row_of(&v, "lead3");
	expect_row(r, 0, 0, 0, 0);
	assert_false(r->pass);
	expect_row(row_of(&v, "router"), 132, 0.6, 130.1, 133.9);
	r = row_of(&v, "us_info");
	expect_row(r, 12, NAN, 12, 12);
	assert_true(r->in_band);
	expect_row(row_of(&v, "first"), 1, 1, 1, 1);
	expect_row(row_of(&v, "first_w0"), 2, 1, 2, 2);
	sim_validation_free(&v);
	sim_table_set_free(set);
	sim_experiment_free(x);
}

/* Ensure the summary of raw values: a NaN replication counts as a miss
   in the pass share and is left out of the band; one replication's band
   is its value; no replication gives NaN throughout. */
static void test_summarise(void **unused)
{
	(void)unused;
	sim_validation_row r = { .value = 2, .tolerance = 0.5, .mode = SIM_VALIDATION_REL };
	double x[] = { 3, NAN, 1 };
	sim_validation_summarise(&r, x, 3);
	expect_row(&r, 2, 2.0 / 3, 1.05, 2.95);
	assert_true(r.pass && r.in_band);

	double one[] = { 7 };
	r = (sim_validation_row){ .value = 5, .mode = SIM_VALIDATION_MIN };
	sim_validation_summarise(&r, one, 1);
	expect_row(&r, 7, 1, 7, 7);
	assert_true(r.pass && !r.in_band);

	r = (sim_validation_row){ .value = 5, .mode = SIM_VALIDATION_MAX };
	sim_validation_summarise(&r, one, 0);
	expect_row(&r, NAN, NAN, NAN, NAN);
	assert_false(r.pass || r.in_band);
}

/* The text of what f wrote, for the formatter tests; caller frees. */
static char *written(void (*write)(const sim_validation *, FILE *), const sim_validation *v)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	assert_non_null(f);
	write(v, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* Ensure the table and the CSV show the pass share, the band and its
   flag, an info row as "info" without a verdict, and a tally that
   counts the info rows apart. */
static void test_formatters(void **unused)
{
	(void)unused;
	sim_validation v;
	sim_validation_init(&v);
	sim_error err;
	assert_int_equal(sim_validation_set_source(&v, "t.csv", 3, &err), 0);
	double a[] = { 3e12, 4e12, 5e12 }, b[] = { 1, 2, 3 };
	sim_validation_row judged = { .target = "judged", .week = 1, .week_start = "2026-03-09",
				      .value = 4e12, .tolerance = 0.1, .mode = SIM_VALIDATION_REL };
	sim_validation_row info = { .target = "shown", .week = 1, .week_start = "2026-03-09",
				    .value = NAN, .mode = SIM_VALIDATION_INFO };
	sim_validation_summarise(&judged, a, 3);
	sim_validation_summarise(&info, b, 3);
	assert_int_equal(sim_validation_add(&v, &judged, &err), 0);
	assert_int_equal(sim_validation_add(&v, &info, &err), 0);

	char *text = written(sim_validation_print, &v);
	if (!strstr(text, "judged                       2026-03-09  4.00T [1.52T, 6.48T]         "
		    "4.00T     +-10%     pass   [3.05T, 4.95T]       yes  33%\n") ||
	    !strstr(text, "shown                        2026-03-09  2 [-0.484, 4.48]             "
		    "-         info      info   [1.05, 2.95]         -    -\n") ||
	    !strstr(text, "1 target, 0 missed (and 1 info row, not judged)\n"))
		fail_msg("unexpected table:\n%s", text);
	free(text);

	char *csv = written(sim_validation_write_csv, &v);
	assert_string_equal(csv,
			    "target,week,week_start,mean,lo,hi,value,mode,tolerance,pass,"
			    "pass_share,band_lo,band_hi,in_band\n"
			    "judged,1,2026-03-09,4e+12,1.515862288e+12,6.484137712e+12,4e+12,rel,"
			    "0.1,1,0.3333333333,3.05e+12,4.95e+12,1\n"
			    "shown,1,2026-03-09,2,-0.4841377118,4.484137712,nan,info,0,,nan,1.05,"
			    "2.95,0\n");
	free(csv);
	sim_validation_free(&v);
}

/* Ensure a bad row is refused at its line, naming the field and what was
   expected: the new kinds' subjects, an empty value outside info, a
   mode that is none of the five, an unknown kind (every kind listed). */
static void test_bad_rows(void **unused)
{
	(void)unused;
	static const struct {
		const char *row, *field, *message;
	} cases[] = {
		{ "x,top_lead_streak,CN>US,2,2026-03-16,1,0,min,s\n", "subject",
		  "expected A>B@k with A, B origins" },
		{ "x,top_lead_streak,CN@3>US,2,2026-03-16,1,0,min,s\n", "subject",
		  "expected A>B@k" },
		{ "x,top_lead_streak,CN>US@0,2,2026-03-16,1,0,min,s\n", "subject",
		  "k >= 1 the list's length, found \"CN>US@0\"" },
		{ "x,top_lead_streak,CN>US@3,4,2026-03-16,1,0,min,s\n", "n",
		  "expected a streak that starts within the run, found 4 weeks" },
		{ "x,origin_tokens,EU,,2026-03-16,1,0,min,s\n", "subject",
		  "expected an origin of the experiment's models, found \"EU\"" },
		{ "x,router_tokens,,,2026-03-16,,0.1,rel,s\n", "value",
		  "expected a number, found \"\"" },
		{ "x,router_tokens,,,2026-03-16,abc,0,info,s\n", "value",
		  "expected a number or nothing, found \"abc\"" },
		{ "x,router_tokens,,,2026-03-16,1,0,about,s\n", "mode",
		  "expected rel, abs, min, max or info, found \"about\"" },
		{ "x,origin_token,CN,,2026-03-16,1,0,min,s\n", "kind",
		  "origin_leaders, origin_tokens, lead_streak, top_lead_streak, model_tokens "
		  "or model_rank; found \"origin_token\"" },
	};
	sim_experiment *x = load_experiment();
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		sim_validation v;
		sim_validation_init(&v);
		sim_error err;
		sim_error_clear(&err);
		const char *path = write_targets("bad.csv", cases[k].row);
		assert_int_equal(mkt_validate(sim_experiment_model_params(x), NULL, path, &v, &err),
				 -1);
		if (strcmp(err.file, path) != 0 || err.line != 3 ||
		    strcmp(err.path, cases[k].field) != 0 || !strstr(err.message, cases[k].message))
			fail_msg("%s: got %s:%d: %s: %s", cases[k].row, err.file, err.line, err.path,
				 err.message);
		sim_validation_free(&v);
	}
	/* An info row may leave its value empty. */
	sim_validation v;
	sim_validation_init(&v);
	sim_error err;
	const char *path = write_targets("ok.csv", "x,router_tokens,,,2026-03-16,,0,info,s\n");
	assert_int_equal(mkt_validate(sim_experiment_model_params(x), NULL, path, &v, &err), 0);
	sim_validation_free(&v);
	sim_experiment_free(x);
}

int main(void)
{
	if (system("rm -rf " OUT) != 0 || mkdir(OUT, 0777) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind),
		cmocka_unit_test(test_summarise),
		cmocka_unit_test(test_formatters),
		cmocka_unit_test(test_bad_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
