/*
 * test_market_whatif.c - the what-if experiments move the market the way
 * their questions imply.
 *
 * Runs the baseline (experiments/openrouter_2026.cfg) and each what-if
 * built on it (promo_end, export_shock, compliance_ban, agentic_boom)
 * through the built program ($MARKETSIM, default bin/marketsim), all with
 * the same reduced size (4 replications, scale 200) and the files' common
 * seed, then reads their CSV results and compares mean results:
 *
 * - before its shock a what-if is the baseline exactly (common random
 *   numbers: same seed, replications and streams), so any difference
 *   after it is the shock's effect and not noise;
 * - after the shock each effect has the direction its question implies,
 *   by a margin it clearly exceeds (the measured sizes are quoted at each
 *   assertion; a margin is at most half the measured effect, and the
 *   effects hold across seeds and scales 50-200).
 *
 * Ratios, not absolute figures, so the baseline's calibration can move.
 * Must run from the repository root after `make` (make test does both).
 */
#include "test_util.h"
#include "test_csv.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT "build/test-market-whatif"
#define SIZE "--set replications=4 --set market.scale=200 --no-plots -q"

static const char *prog = "bin/marketsim";

static const char *const experiments[] = {
	"openrouter_2026", "promo_end", "export_shock", "compliance_ban", "agentic_boom",
};
enum { EXPERIMENTS = sizeof experiments / sizeof experiments[0] };
static int run_status[EXPERIMENTS];

static double num(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end)
		fail_msg("not a number: \"%s\"", s);
	return v;
}

/* Which rows a sum or mean takes: `key` column equal to `value` (NULL:
   every row) and week_start in [from, to) (dates compare as strings). */
typedef struct where {
	const char *key, *value, *from, *to;
} where;

static bool row_matches(const csv *t, size_t r, where w)
{
	const char *start = t->cell[r][csv_col(t, "week_start")];
	if (w.key && strcmp(t->cell[r][csv_col(t, w.key)], w.value) != 0)
		return false;
	return (!w.from || strcmp(start, w.from) >= 0) && (!w.to || strcmp(start, w.to) < 0);
}

static double col_sum(const csv *t, const char *column, where w, size_t *count)
{
	size_t c = csv_col(t, column), n = 0;
	double sum = 0;
	for (size_t r = 0; r < t->rows; r++)
		if (row_matches(t, r, w)) {
			sum += num(t->cell[r][c]);
			n++;
		}
	if (n == 0)
		fail_msg("no rows for %s (%s = %s, %s to %s)", column, w.key ? w.key : "-",
			 w.value ? w.value : "-", w.from ? w.from : "start", w.to ? w.to : "end");
	if (count)
		*count = n;
	return sum;
}

static double col_mean(const csv *t, const char *column, where w)
{
	size_t n;
	double sum = col_sum(t, column, w, &n);
	return sum / (double)n;
}

/* value_mean of summary.csv's row (metric, subject). */
static double summary(const char *experiment, const char *metric, const char *subject)
{
	char dir[256];
	snprintf(dir, sizeof dir, OUT "/%s", experiment);
	csv *t = csv_load(dir, "summary.csv");
	size_t m = csv_col(t, "metric"), s = csv_col(t, "subject"), v = csv_col(t, "value_mean");
	for (size_t r = 0; r < t->rows; r++)
		if (strcmp(t->cell[r][m], metric) == 0 && strcmp(t->cell[r][s], subject) == 0) {
			double x = num(t->cell[r][v]);
			csv_free(t);
			return x;
		}
	fail_msg("%s/summary.csv: no row %s,%s", experiment, metric, subject);
	return 0;
}

static csv *load(const char *experiment, const char *file)
{
	char dir[256];
	snprintf(dir, sizeof dir, OUT "/%s", experiment);
	return csv_load(dir, file);
}

static void expect_ran(size_t which)
{
	if (run_status[which] != 0)
		fail_msg("%s: marketsim exited with %d", experiments[which], run_status[which]);
}

/* Before its shock a what-if must be the baseline exactly. */
static void expect_same_before(const csv *base, const csv *whatif, const char *column,
			       where w)
{
	double b = col_sum(base, column, w, NULL), x = col_sum(whatif, column, w, NULL);
	if (!(fabs(x - b) <= 1e-9 * fabs(b)))
		fail_msg("%s before the shock: baseline %.10g, what-if %.10g; common random "
			 "numbers broken?", column, b, x);
}

#define expect_below(x, limit)                                                   \
	do {                                                                     \
		double x_ = (x), l_ = (limit);                                   \
		if (!(x_ < l_))                                                  \
			fail_msg("%s = %.6g, expected below %.6g", #x, x_, l_);  \
	} while (0)
#define expect_above(x, limit)                                                   \
	do {                                                                     \
		double x_ = (x), l_ = (limit);                                   \
		if (!(x_ > l_))                                                  \
			fail_msg("%s = %.6g, expected above %.6g", #x, x_, l_);  \
	} while (0)

/* ---- the what-ifs ---- */

/* Ensure ending Qwen3.6 Plus's free offer on 1 June cuts its token share
   and turns Alibaba's revenue from nothing into millions, its loss shrinking. */
static void test_promo_end(void **unused)
{
	(void)unused;
	expect_ran(0);
	expect_ran(1);
	csv *b = load("openrouter_2026", "models_weekly.csv");
	csv *p = load("promo_end", "models_weekly.csv");
	expect_same_before(b, p, "tokens_mean", (where){ NULL, NULL, NULL, "2026-06-01" });
	where after = { "model", "qwen3_6_plus", "2026-06-01", NULL };
	double share_base = col_mean(b, "token_share_mean", after);
	double share_promo = col_mean(p, "token_share_mean", after);
	/* Measured: 0.189 -> 0.049 (ratio 0.26-0.28 over seeds and scales). */
	expect_above(share_base, 0.05);
	expect_below(share_promo / share_base, 0.6);
	/* It now charges what the event says. */
	assert_double_near(col_mean(p, "price_out_mean", after), 1.80, 1e-9);
	csv_free(b);
	csv_free(p);

	/* Both Alibaba models are free in the baseline: no revenue at all.
	   Measured: 0 -> $20 M over the year; loss $103.5 M -> $11.6 M. */
	double rev_base = summary("openrouter_2026", "cum_revenue", "Alibaba");
	double rev_promo = summary("promo_end", "cum_revenue", "Alibaba");
	assert_double_near(rev_base, 0.0, 1e-9);
	expect_above(rev_promo, 1e6);
	double loss_base = -summary("openrouter_2026", "cum_profit", "Alibaba");
	double loss_promo = -summary("promo_end", "cum_profit", "Alibaba");
	expect_above(loss_base, 0.0);
	expect_below(loss_promo, 0.5 * loss_base);

	csv *pw = load("promo_end", "providers_weekly.csv");
	where june = { "provider", "Alibaba", "2026-06-01", NULL };
	expect_above(col_mean(pw, "revenue_mean", june), 1e5); /* measured $0.63 M a week */
	assert_double_near(col_sum(pw, "revenue_mean",
				   (where){ "provider", "Alibaba", NULL, "2026-06-01" }, NULL),
			   0.0, 1e-9);
	csv_free(pw);
}

/* Ensure export controls from 1 May cut Chinese capacity, token share
   and raise Chinese models' cost per token. */
static void test_export_shock(void **unused)
{
	(void)unused;
	expect_ran(0);
	expect_ran(2);
	csv *b = load("openrouter_2026", "origins_weekly.csv");
	csv *x = load("export_shock", "origins_weekly.csv");
	/* 1 May is a Friday: the week of 27 April is the last one untouched,
	   4 May the first one hit in full. */
	expect_same_before(b, x, "tokens_mean", (where){ NULL, NULL, NULL, "2026-04-27" });
	where after = { "origin", "CN", "2026-05-04", NULL };
	/* Measured: 0.550 -> 0.387 (ratio 0.70 over seeds and scales). */
	double share_base = col_mean(b, "token_share_mean", after);
	double share_shock = col_mean(x, "token_share_mean", after);
	expect_below(share_shock / share_base, 0.85);
	csv_free(b);
	csv_free(x);

	b = load("openrouter_2026", "models_weekly.csv");
	x = load("export_shock", "models_weekly.csv");
	after = (where){ "origin", "CN", "2026-05-04", NULL };
	/* Capacity: 40% cut at once and half the growth after; measured
	   ratio 0.527 (deterministic). */
	double cap_base = col_sum(b, "capacity_mean", after, NULL);
	double cap_shock = col_sum(x, "capacity_mean", after, NULL);
	expect_below(cap_shock / cap_base, 0.65);
	expect_above(cap_shock / cap_base, 0.4);
	/* Cost to serve x1.5: exact on each model (here the most used one);
	   over all Chinese tokens it is 1.36-1.37, as the mix moves to the
	   cheaper models that still have room. */
	where qwen = { "model", "qwen3_6_plus", "2026-05-04", NULL };
	double unit_base = col_sum(b, "cost_mean", qwen, NULL) / col_sum(b, "tokens_mean", qwen, NULL);
	double unit_shock = col_sum(x, "cost_mean", qwen, NULL) / col_sum(x, "tokens_mean", qwen, NULL);
	assert_double_near(unit_shock / unit_base, 1.5, 1e-6);
	double all_base = col_sum(b, "cost_mean", after, NULL) / col_sum(b, "tokens_mean", after, NULL);
	double all_shock = col_sum(x, "cost_mean", after, NULL) / col_sum(x, "tokens_mean", after, NULL);
	expect_above(all_shock / all_base, 1.2);
	csv_free(b);
	csv_free(x);
}

/* Ensure banning Chinese models for enterprises from 6 April lowers the
   Chinese token share and raises US providers' revenue. */
static void test_compliance_ban(void **unused)
{
	(void)unused;
	expect_ran(0);
	expect_ran(3);
	csv *b = load("openrouter_2026", "origins_weekly.csv");
	csv *c = load("compliance_ban", "origins_weekly.csv");
	expect_same_before(b, c, "tokens_mean", (where){ NULL, NULL, NULL, "2026-04-06" });
	/* A small effect: enterprises are 10% of arrivals and already shun
	   Chinese models (origin penalty 3). Measured CN share -0.0077 to
	   -0.0114 (absolute) over seeds and scales, -0.0077 here. */
	where cn = { "origin", "CN", "2026-04-06", NULL };
	double share_base = col_mean(b, "token_share_mean", cn);
	double share_ban = col_mean(c, "token_share_mean", cn);
	expect_below(share_ban - share_base, -0.003);
	/* Measured US revenue a week +3.2% to +5.2%, +5.1% here. */
	where us = { "origin", "US", "2026-04-06", NULL };
	double us_base = col_mean(b, "revenue_mean", us);
	double us_ban = col_mean(c, "revenue_mean", us);
	expect_above(us_ban / us_base, 1.01);
	csv_free(b);
	csv_free(c);
}

/* Ensure a shift of every segment to 80% agentic tasks from 1 May
   multiplies token demand, in total and per active developer. */
static void test_agentic_boom(void **unused)
{
	(void)unused;
	expect_ran(0);
	expect_ran(4);
	csv *b = load("openrouter_2026", "origins_weekly.csv");
	csv *a = load("agentic_boom", "origins_weekly.csv");
	expect_same_before(b, a, "tokens_mean", (where){ NULL, NULL, NULL, "2026-04-27" });
	/* Measured: x1.62-1.64 over the year. */
	double total_base = summary("openrouter_2026", "tokens_total", "all");
	double total_boom = summary("agentic_boom", "tokens_total", "all");
	expect_below(total_base, total_boom);
	expect_above(total_boom / total_base, 1.3);
	/* Once the 60-day ramp is over (from July): tokens per active
	   developer-week, measured x1.79-1.82. */
	where july = { NULL, NULL, "2026-07-01", NULL };
	double per_dev_base = col_sum(b, "tokens_mean", july, NULL) /
			      col_sum(b, "active_devs_mean", july, NULL);
	double per_dev_boom = col_sum(a, "tokens_mean", july, NULL) /
			      col_sum(a, "active_devs_mean", july, NULL);
	expect_above(per_dev_boom / per_dev_base, 1.4);
	/* The agentic multiplier is tokens per agentic task over tokens per
	   chat task: a property of the tasks, not of their share, so it must
	   barely move (measured 89.2 -> 89.7). */
	double mult_base = summary("openrouter_2026", "agentic_token_multiplier", "all");
	double mult_boom = summary("agentic_boom", "agentic_token_multiplier", "all");
	expect_above(mult_base, 10.0);
	expect_below(fabs(mult_boom / mult_base - 1), 0.05);
	csv_free(b);
	csv_free(a);
}

/* Runs every experiment once for all the tests. */
static int run_all(void **unused)
{
	(void)unused;
	if (system("rm -rf " OUT) != 0)
		return -1;
	for (size_t i = 0; i < EXPERIMENTS; i++) {
		char cmd[1024];
		snprintf(cmd, sizeof cmd, "%s run experiments/%s.cfg " SIZE " -o " OUT "/%s", prog,
			 experiments[i], experiments[i]);
		int st = system(cmd);
		run_status[i] = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	}
	return 0;
}

static int clean_up(void **unused)
{
	(void)unused;
	return system("rm -rf " OUT) == 0 ? 0 : -1;
}

int main(void)
{
	if (getenv("MARKETSIM"))
		prog = getenv("MARKETSIM");
	if (access(prog, X_OK) != 0) {
		fprintf(stderr, "test_market_whatif: %s not built; run from the repository root "
			"after make\n", prog);
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_promo_end),
		cmocka_unit_test(test_export_shock),
		cmocka_unit_test(test_compliance_ban),
		cmocka_unit_test(test_agentic_boom),
	};
	return cmocka_run_group_tests(tests, run_all, clean_up);
}
