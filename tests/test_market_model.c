/*
 * test_market_model.c - the market model's acceptance checks against
 * closed forms and accounting identities (docs/MODEL.md,
 * /work/shared/DESIGN.md "The market model").
 *
 * Every check runs the real model: the built program ($MARKETSIM, default
 * bin/marketsim) on a small self-contained fixture
 * (tests/data/market_analytic_*.cfg), with the parameters that the
 * expected values depend on passed by --set from the constants below, so
 * the test, not the fixture, holds the numbers it computes with. It then
 * reads the result CSVs (columns found by header name) and compares:
 *
 * 1. Bass: with choice, churn and growth off, the mean over replications of
 *    the adopters at the end of each week matches N F(t) within 2%.
 * 2. Logit: 10^5 agents choosing once, with every utility term but quality
 *    (and price) switched off, split across the models as the softmax of
 *    the utilities computed here, within 1 percentage point; with nests
 *    by origin (market.origin_nesting 0.4 free, 0.7 paid) as the nested
 *    logit, the two US models sharing a nest, within the same point; with
 *    an origin's and a provider's quality shifts (market.origin_quality,
 *    market.provider_quality) as the softmax of the shifted utilities.
 *    Multi-homing: when every developer leaves one model for a far better
 *    one at the same price, the one it left keeps market.multihoming of
 *    the tokens, within 1 point.
 * 3. Tokens: the agentic token multiplier in summary.csv matches
 *    mkt_token_multiplier (the closed form) within 1%, both where daily
 *    totals are drawn as normals and where every task is drawn.
 * 4. Conservation: in a congested run with a price change, an outage and
 *    half the developers with fallback configured, every model-week,
 *    provider-week and origin-week satisfies served + failed = demanded,
 *    fee = rate x spend, revenue = spend, profit = revenue - cost, spend =
 *    tokens x price, cost = tokens x cost to serve, served <= capacity,
 *    quota-refused <= failed, 0 <= lost <= failed, conversions away <=
 *    conversions, converted revenue <= revenue, free cost <= cost (= cost
 *    in a week free throughout, 0 in one paid throughout), group rows =
 *    sums of their models, cumulative columns = running sums (also with
 *    developers keeping their previous paid model); each week,
 *    over the models, served + lost = demanded - re-routed (every token
 *    demanded from a developer is served or refused once); summary.csv's
 *    funnel = the weekly sums, payback = converted revenue - free cost;
 *    per replication (several seeds) and for means. The same run twice
 *    gives byte-identical CSVs.
 *
 * The test prints the measured errors of each check. Must run from the
 * repository root after `make` (make test does both).
 */
#include "test_util.h"
#include "test_csv.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mkt_workload.h"

#define OUT "build/test-market-model"
#define RUN_OPTS "--no-plots -q"

/* The CSVs write 10 significant digits: an identity between values of
   that precision holds to a few 1e-10 relative; 1e-8 leaves room for sums
   of a few dozen rows without letting any real discrepancy through. */
#define IDENTITY_TOL 1e-8

static const char *prog = "bin/marketsim";

/* ---- running the program ---- */

/* Runs `prog run FIXTURE ARGS --no-plots -q --out OUT/NAME`; fails the test
   with the program's output unless it exits 0. Returns the output dir in
   dir (256 bytes). */
static void run_model(const char *name, const char *fixture, const char *args, char *dir)
{
	char cmd[4096], out[16384];
	snprintf(dir, 256, OUT "/%s", name);
	snprintf(cmd, sizeof cmd, "rm -rf %s && %s run tests/data/%s %s " RUN_OPTS " --out %s 2>&1",
		 dir, prog, fixture, args, dir);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("`%s` failed (status %d):\n%s", cmd, st, out);
}

/* ---- a small CSV reader: columns found by their header name ---- */

static const char *csv_str(const csv *t, size_t row, const char *name)
{
	return t->cell[row][csv_col(t, name)];
}

static double csv_num(const csv *t, size_t row, const char *name)
{
	const char *s = csv_str(t, row, name);
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end)
		fail_msg("%s row %zu, %s: not a number: \"%s\"", t->path, row + 1, name, s);
	return v;
}

/* The number of weeks of a weekly table (its largest week + 1). */
static size_t csv_weeks(const csv *t)
{
	size_t weeks = 0;
	for (size_t r = 0; r < t->rows; r++) {
		size_t w = (size_t)csv_num(t, r, "week") + 1;
		if (w > weeks)
			weeks = w;
	}
	return weeks;
}

/* value_mean of summary.csv's row (metric, subject), with its sd. */
static double summary_value(const csv *t, const char *metric, const char *subject,
			    double *sd)
{
	for (size_t r = 0; r < t->rows; r++)
		if (strcmp(csv_str(t, r, "metric"), metric) == 0 &&
		    strcmp(csv_str(t, r, "subject"), subject) == 0) {
			if (sd)
				*sd = csv_num(t, r, "value_sd");
			return csv_num(t, r, "value_mean");
		}
	fail_msg("%s: no row %s,%s", t->path, metric, subject);
	return NAN;
}

/* ---- 1. Bass diffusion ---- */

/* Bass parameters per year, potential in agents (scale 1). Large p and q
   so that even week 0 has ~4 000 adopters (the standard error of the mean
   of 20 replications is then ~0.3% at week 0 and less later), and 26 weeks
   cover the whole S-curve: no week needs to be skipped. */
static const double BASS_P = 2.0, BASS_Q = 6.0, BASS_N = 1e5;
enum { BASS_WEEKS = 26, BASS_REPS = 20 };

static double bass_F(double t, double p, double q)
{
	double e = exp(-(p + q) * t);
	return (1 - e) / (1 + (q / p) * e);
}

/* Ensure the mean adoption curve matches Bass's closed form N F(t). */
static void test_bass_closed_form(void **unused)
{
	(void)unused;
	char args[512], dir[256];
	snprintf(args, sizeof args,
		 "--set replications=%d --set market.days=%d --set market.scale=1 "
		 "--set market.arrivals.p=%g --set market.arrivals.q=%g "
		 "--set market.arrivals.potential=%g --set market.arrivals.initial=0",
		 BASS_REPS, 7 * BASS_WEEKS, BASS_P, BASS_Q, BASS_N);
	run_model("bass", "market_analytic_bass.cfg", args, dir);
	csv *t = csv_load(dir, "models_weekly.csv");
	assert_int_equal(csv_weeks(t), BASS_WEEKS);
	double adopters[BASS_WEEKS] = { 0 };
	for (size_t r = 0; r < t->rows; r++)
		adopters[(size_t)csv_num(t, r, "week")] += csv_num(t, r, "active_devs_mean");
	double worst = 0;
	size_t worst_week = 0;
	for (size_t w = 0; w < BASS_WEEKS; w++) {
		/* Week w closes at the end of day 7w + 6, i.e. at time 7(w + 1). */
		double t_years = 7.0 * (double)(w + 1) / 365.0;
		double expected = BASS_N * bass_F(t_years, BASS_P, BASS_Q);
		double rel = (adopters[w] - expected) / expected;
		if (fabs(rel) > fabs(worst)) {
			worst = rel;
			worst_week = w;
		}
		if (!(fabs(rel) <= 0.02))
			fail_msg("Bass: week %zu: %.1f adopters (mean of %d), N F(t) = %.1f: "
				 "%+.2f%%, more than 2%%",
				 w, adopters[w], BASS_REPS, expected, 100 * rel);
	}
	assert_true(adopters[0] > 3000); /* the premise of checking week 0 */
	print_message("Bass: max |relative error| over %d weeks = %.3f%% (week %zu)\n",
		      BASS_WEEKS, 100 * fabs(worst), worst_week);
	csv_free(t);
}

/* ---- 2. Logit choice ---- */

enum { LOGIT_MODELS = 4 };
static const char *const logit_ids[LOGIT_MODELS] = { "m0", "m1", "m2", "m3" };
static const double LOGIT_MU = 0.8, LOGIT_BETA_Q = 1.0, LOGIT_BETA_P = 1.0;
static const double LOGIT_QUALITY[LOGIT_MODELS] = { 0.0, 0.5, 1.2, 2.0 };
static const double LOGIT_CHAT_IN = 2000, LOGIT_CHAT_OUT = 400;
static const double LOGIT_AGENTS = 1e5;

/* The fixture's origins (market_analytic_logit.cfg): m0 and m3 share a nest. */
static const char *const LOGIT_ORIGIN[LOGIT_MODELS] = { "US", "CN", "EU", "US" };
/* The fixture's model of provider D, the one market.provider_quality shifts. */
enum { LOGIT_PROVIDER_D = 3 };

/* Runs the logit fixture with the qualities above, the given prices
   ($ per million in/out; NULL: all free), nesting by origin lambda (1:
   plain logit), beta_quality beta_q, a quality shift of every US model
   (market.origin_quality) and one of provider D's model, m3
   (market.provider_quality), and checks week 0's shares of active
   developers against the nested softmax of the utilities. Returns the
   largest deviation in share points. */
static double check_logit(const char *name, const double (*prices)[2], double lambda,
			  double beta_q, double us_shift, double d_shift)
{
	char args[2048], dir[256];
	int n = snprintf(args, sizeof args,
			 "--set market.origin_nesting=%.17g --set market.origin_quality.[0].shift=%.17g "
			 "--set market.provider_quality.[0].shift=%.17g "
			 "--set market.mu=%g --set market.segments.[0].beta_quality=%.17g "
			 "--set market.segments.[0].beta_price=%g "
			 "--set market.workload.chat_in_mean=%g --set market.workload.chat_out_mean=%g "
			 "--set market.arrivals.initial=%g --set market.arrivals.potential=%g",
			 lambda, us_shift, d_shift, LOGIT_MU, beta_q, LOGIT_BETA_P, LOGIT_CHAT_IN, LOGIT_CHAT_OUT,
			 LOGIT_AGENTS, LOGIT_AGENTS);
	for (size_t i = 0; i < LOGIT_MODELS; i++)
		n += snprintf(args + n, sizeof args - (size_t)n,
			      " --set market.models.%s.quality=%g"
			      " --set market.models.%s.price_in=%g --set market.models.%s.price_out=%g",
			      logit_ids[i], LOGIT_QUALITY[i], logit_ids[i],
			      prices ? prices[i][0] : 0.0, logit_ids[i], prices ? prices[i][1] : 0.0);
	run_model(name, "market_analytic_logit.cfg", args, dir);

	/* The utilities: quality (a US model's shifted), and for paid models
	   minus beta_price times
	   the log of the spend per task (the agent's task rate and the
	   month's length multiply every paid model's spend alike, and the
	   zero-price bonus is every free model's alike: both cancel). */
	double v[LOGIT_MODELS], expected[LOGIT_MODELS], total = 0;
	for (size_t i = 0; i < LOGIT_MODELS; i++) {
		v[i] = beta_q * (LOGIT_QUALITY[i] +
				 (strcmp(LOGIT_ORIGIN[i], "US") == 0 ? us_shift : 0.0) +
				 (i == LOGIT_PROVIDER_D ? d_shift : 0.0));
		if (prices)
			v[i] -= LOGIT_BETA_P * log(LOGIT_CHAT_IN * prices[i][0] +
						   LOGIT_CHAT_OUT * prices[i][1]);
	}
	/* Nested: P(i) = e_i S_g^(lambda - 1) / sum_h S_h^lambda, e_i the
	   plain logit weight, S_g the sum of e over i's origin. */
	double weight[LOGIT_MODELS];
	for (size_t i = 0; i < LOGIT_MODELS; i++)
		weight[i] = exp((v[i] - v[0]) / LOGIT_MU);
	for (size_t i = 0; i < LOGIT_MODELS; i++) {
		double nest = 0;
		for (size_t j = 0; j < LOGIT_MODELS; j++)
			if (strcmp(LOGIT_ORIGIN[j], LOGIT_ORIGIN[i]) == 0)
				nest += weight[j];
		total += expected[i] = weight[i] * pow(nest, lambda - 1);
	}
	for (size_t i = 0; i < LOGIT_MODELS; i++)
		expected[i] /= total;

	csv *t = csv_load(dir, "models_weekly.csv");
	double devs[LOGIT_MODELS] = { 0 }, all = 0;
	size_t seen = 0;
	for (size_t r = 0; r < t->rows; r++) {
		if (strcmp(csv_str(t, r, "week"), "0") != 0)
			continue;
		for (size_t i = 0; i < LOGIT_MODELS; i++)
			if (strcmp(csv_str(t, r, "model"), logit_ids[i]) == 0) {
				devs[i] = csv_num(t, r, "active_devs_mean");
				seen++;
			}
	}
	assert_int_equal(seen, LOGIT_MODELS);
	for (size_t i = 0; i < LOGIT_MODELS; i++)
		all += devs[i];
	/* Everyone present chose a model, and nobody arrived. */
	assert_double_near(all, LOGIT_AGENTS, 0.5);
	double worst = 0;
	for (size_t i = 0; i < LOGIT_MODELS; i++) {
		double share = devs[i] / all, dev = share - expected[i];
		if (fabs(dev) > fabs(worst))
			worst = dev;
		/* The sampling sd of a share of 10^5 choices is at most 0.16
		   points: 1 point is > 6 sd. */
		if (!(fabs(dev) <= 0.01))
			fail_msg("logit (%s): %s has %.4f of the developers, the softmax %.4f",
				 name, logit_ids[i], share, expected[i]);
	}
	csv_free(t);
	return worst;
}

/* Ensure one choice of 10^5 agents splits as the softmax of V / mu. */
static void test_logit_shares(void **unused)
{
	(void)unused;
	/* Free models: only quality differs. */
	double free_dev = check_logit("logit_free", NULL, 1.0, LOGIT_BETA_Q, 0.0, 0.0);
	/* Paid models at different prices: the price term counts too. */
	static const double prices[LOGIT_MODELS][2] = {
		{ 0.1, 0.4 }, { 0.5, 2.0 }, { 1.0, 4.0 }, { 3.0, 15.0 },
	};
	double paid_dev = check_logit("logit_paid", prices, 1.0, LOGIT_BETA_Q, 0.0, 0.0);
	print_message("logit: max |share - softmax| = %.3f points (free), %.3f points (paid)\n",
		      100 * fabs(free_dev), 100 * fabs(paid_dev));
}

/* Ensure that with nests by origin the same choice splits as the nested
   logit: the two US models share one nest, whose weight is their summed
   weights to the power lambda, so together they draw less than in the
   plain logit, and the odds between them are the plain ones. */
static void test_nested_logit_shares(void **unused)
{
	(void)unused;
	double free_dev = check_logit("logit_nested", NULL, 0.4, LOGIT_BETA_Q, 0.0, 0.0);
	static const double prices[LOGIT_MODELS][2] = {
		{ 0.1, 0.4 }, { 0.5, 2.0 }, { 1.0, 4.0 }, { 3.0, 15.0 },
	};
	double paid_dev = check_logit("logit_nested_paid", prices, 0.7, LOGIT_BETA_Q, 0.0, 0.0);
	print_message("nested logit: max |share - nested softmax| = %.3f points (free, lambda "
		      "0.4), %.3f points (paid, lambda 0.7)\n", 100 * fabs(free_dev),
		      100 * fabs(paid_dev));
}

/* Ensure a quality shift of one origin (market.origin_quality) moves
   that origin's utilities by beta_quality x shift: with beta_quality 0.6
   and the US models shifted by -1.5 and +1.0, the shares are the nested
   softmax of the shifted utilities. Those differ from the unshifted ones
   by up to 22 and 10 points, and from a shift not scaled by beta_quality
   by up to 11 and 6 points. */
static void test_origin_quality_shift(void **unused)
{
	(void)unused;
	static const double prices[LOGIT_MODELS][2] = {
		{ 0.1, 0.4 }, { 0.5, 2.0 }, { 1.0, 4.0 }, { 3.0, 15.0 },
	};
	double down = check_logit("logit_us_down", NULL, 1.0, 0.6, -1.5, 0.0);
	double up = check_logit("logit_us_up", prices, 0.7, 0.6, 1.0, 0.0);
	print_message("origin quality shift: max |share - softmax| = %.3f points (US -1.5), "
		      "%.3f points (US +1.0, paid, lambda 0.7)\n", 100 * fabs(down),
		      100 * fabs(up));
}

/* Ensure a provider's quality shift (market.provider_quality) moves only
   its model's utility, by beta_quality x shift, and adds to its origin's:
   provider D's m3 shifted by +1.5 alone, then by -1.0 on top of a US shift
   of +0.8 (paid, lambda 0.7). */
static void test_provider_quality_shift(void **unused)
{
	(void)unused;
	static const double prices[LOGIT_MODELS][2] = {
		{ 0.1, 0.4 }, { 0.5, 2.0 }, { 1.0, 4.0 }, { 3.0, 15.0 },
	};
	double alone = check_logit("logit_provider_d", NULL, 1.0, 0.6, 0.0, 1.5);
	double both = check_logit("logit_provider_us", prices, 0.7, 0.6, 0.8, -1.0);
	print_message("provider quality shift: max |share - softmax| = %.3f points (D +1.5), "
		      "%.3f points (US +0.8 and D -1.0, paid, lambda 0.7)\n", 100 * fabs(alone),
		      100 * fabs(both));
}

/* ---- Multi-homing ---- */

/* The share of week `week`'s tokens that model `id` served in the run in dir. */
static double token_share(const char *dir, size_t week, const char *id)
{
	csv *t = csv_load(dir, "models_weekly.csv");
	double mine = 0, all = 0;
	for (size_t r = 0; r < t->rows; r++) {
		if ((size_t)csv_num(t, r, "week") != week)
			continue;
		double tokens = csv_num(t, r, "tokens_mean");
		all += tokens;
		if (strcmp(csv_str(t, r, "model"), id) == 0)
			mine += tokens;
	}
	csv_free(t);
	assert_true(all > 0);
	return mine / all;
}

/* Ensure a developer that moves keeps market.multihoming of its tasks on
   the model it left, and keeps it at later reviews that stay: when every
   developer moves from `old` to a far better `new` at the same price
   (market_analytic_multihoming.cfg), `old` serves that share of week 4's
   tokens (and none without multi-homing). Week 4's 1.4 x 10^5 tasks give
   the share a sampling sd of about 0.15 points: 1 point is > 6 sd. */
static void test_multihoming_share(void **unused)
{
	(void)unused;
	static const double kept[] = { 0.0, 0.3, 0.6 };
	double worst = 0;
	for (size_t k = 0; k < sizeof kept / sizeof kept[0]; k++) {
		char args[256], dir[256], name[64];
		snprintf(name, sizeof name, "multihoming_%zu", k);
		snprintf(args, sizeof args, "--set market.multihoming=%g", kept[k]);
		run_model(name, "market_analytic_multihoming.cfg", args, dir);
		double share = token_share(dir, 4, "old");
		if (!(fabs(share - kept[k]) <= 0.01))
			fail_msg("multihoming %g: the model left serves %.4f of the tokens", kept[k],
				 share);
		worst = fmax(worst, fabs(share - kept[k]));
	}
	print_message("multihoming: max |share kept - multihoming| = %.3f points\n", 100 * worst);
}

/* ---- 3. The agentic token multiplier ---- */

static const mkt_task_shape TOKEN_SHAPE = {
	.chat_in_mean = 4000, .chat_in_sd = 3000,
	.chat_out_mean = 700, .chat_out_sd = 500,
	.steps_mean = 6,
	.context_mean = 12000, .context_sd = 8000,
	.step_growth = 1500,
	.step_out_mean = 600, .step_out_sd = 400,
	.max_retries = 3,
};
static const double TOKEN_COMPETENCY = 0.7;

/* Runs the tokens fixture with TOKEN_SHAPE, `agents` agents of `tasks`
   tasks a day for `days` days, and returns summary.csv's multiplier (mean
   over replications) and its standard error. */
static double run_multiplier(const char *name, double agents, double tasks, int days,
			     int reps, double *se)
{
	const mkt_task_shape *s = &TOKEN_SHAPE;
	char args[2048], dir[256];
	snprintf(args, sizeof args,
		 "--set replications=%d --set market.days=%d "
		 "--set market.arrivals.initial=%g --set market.arrivals.potential=%g "
		 "--set market.segments.[0].tasks_mean=%g "
		 "--set market.segments.[0].agentic_start=0.5 --set market.segments.[0].agentic_end=0.5 "
		 "--set market.models.agent.competency=%g "
		 "--set market.workload.chat_in_mean=%g --set market.workload.chat_in_sd=%g "
		 "--set market.workload.chat_out_mean=%g --set market.workload.chat_out_sd=%g "
		 "--set market.workload.steps_mean=%g "
		 "--set market.workload.context_mean=%g --set market.workload.context_sd=%g "
		 "--set market.workload.step_growth=%g "
		 "--set market.workload.step_out_mean=%g --set market.workload.step_out_sd=%g "
		 "--set market.workload.max_retries=%lld",
		 reps, days, agents, agents, tasks, TOKEN_COMPETENCY, s->chat_in_mean,
		 s->chat_in_sd, s->chat_out_mean, s->chat_out_sd, s->steps_mean, s->context_mean,
		 s->context_sd, s->step_growth, s->step_out_mean, s->step_out_sd,
		 (long long)s->max_retries);
	run_model(name, "market_analytic_tokens.cfg", args, dir);
	csv *t = csv_load(dir, "summary.csv");
	double sd, m = summary_value(t, "agentic_token_multiplier", "all", &sd);
	*se = sd / sqrt((double)reps);
	csv_free(t);
	return m;
}

/* Ensure agentic tokens per task over chat tokens per task, as the run
   measures it, matches the closed form mkt_token_multiplier. */
static void test_token_multiplier(void **unused)
{
	(void)unused;
	double expected = mkt_token_multiplier(&TOKEN_SHAPE, TOKEN_COMPETENCY);
	/* Hand check of the closed form: E[S] = 6, E[S(S+1)/2] = (E[S^2] +
	   E[S]) / 2 = (66 + 6) / 2 = 36 (geometric, p = 1/6); one attempt is
	   6 (12000 + 600) + 1500 x 36 = 129600 tokens; attempts (1 - 0.3^4) /
	   0.7 = 1.417; chat 4700 tokens: 129600 x 1.417 / 4700 = 39.07. */
	double attempts = (1 - pow(1 - TOKEN_COMPETENCY, 4)) / TOKEN_COMPETENCY;
	assert_double_near(expected, (6 * (12000 + 600) + 1500 * 36.0) * attempts / 4700,
			   1e-9 * expected);

	/* Half the tasks agentic, 2x10^4 agents x 50 tasks a day: ~5x10^5
	   tasks of each kind a day, so the daily totals are the normals with
	   the exact means of metrics.c, and 4 replications x 28 days make the
	   noise ~0.01%. */
	double se_agg, agg = run_multiplier("tokens_normal", 2e4, 50, 28, 4, &se_agg);
	/* One agent with 16 tasks a day: ~8 of each kind a day, so nearly
	   every day's tasks are drawn one by one (Poisson(8) > 24 has
	   probability < 1e-5), which checks the sampler itself; 40
	   replications x 3640 days (~1.2x10^6 agentic tasks) make the
	   standard error ~0.15%, so 1% is > 6 of them. */
	double se_exact, exact = run_multiplier("tokens_exact", 1, 16, 3640, 40, &se_exact);
	double rel_agg = (agg - expected) / expected, rel_exact = (exact - expected) / expected;
	print_message("tokens: closed form %.4f; normal totals %.4f (%+.3f%%, se %.3f%%); "
		      "task by task %.4f (%+.3f%%, se %.3f%%)\n",
		      expected, agg, 100 * rel_agg, 100 * se_agg / expected, exact,
		      100 * rel_exact, 100 * se_exact / expected);
	if (!(fabs(rel_agg) <= 0.01))
		fail_msg("token multiplier with normal daily totals: %.4f, closed form %.4f (%+.2f%%)",
			 agg, expected, 100 * rel_agg);
	if (!(fabs(rel_exact) <= 0.01))
		fail_msg("token multiplier drawn task by task: %.4f, closed form %.4f (%+.2f%%)",
			 exact, expected, 100 * rel_exact);
}

/* ---- 4. Conservation and money ---- */

/* The congested fixture's money settings, passed by --set. */
enum { CONG_MODELS = 3 };
static const char *const cong_ids[CONG_MODELS] = { "free_a", "paid_b", "paid_c" };
static const double CONG_COST[CONG_MODELS] = { 0.25, 0.15, 1.0 }; /* $ per M tokens */
static const double CONG_FEE = 0.055;
/* Share of each segment's developers with fallback models configured:
   without it nothing failed is re-routed. */
static const double CONG_FALLBACK = 0.5;

typedef struct residuals {
	double worst;       /* largest relative residual of any identity */
	char which[128];    /* and which identity (a copy: callers build names on
			       their stack) */
	size_t checked;     /* identities checked */
} residuals;

/* |a - b| relative to `scale` (the largest magnitude among the terms). */
static void identity(residuals *res, const csv *t, size_t row, const char *what, double a,
		     double b, double scale)
{
	double diff = fabs(a - b), rel = scale > 0 ? diff / scale : diff;
	res->checked++;
	if (rel > res->worst) {
		res->worst = rel;
		snprintf(res->which, sizeof res->which, "%s", what);
	}
	if (!(rel <= IDENTITY_TOL))
		fail_msg("%s row %zu (week %s): %s: %.10g vs %.10g (relative %.3g)", t->path,
			 row + 2, csv_str(t, row, "week"), what, a, b, rel);
}

static double amax(double a, double b)
{
	return fmax(fabs(a), fabs(b));
}

/* a <= b, to IDENTITY_TOL of `scale` (the CSVs' rounding). */
static void at_most(residuals *res, const csv *t, size_t row, const char *what, double a,
		    double b, double scale)
{
	res->checked++;
	if (!(a - b <= IDENTITY_TOL * scale))
		fail_msg("%s row %zu (week %s): %s: %.10g > %.10g", t->path, row + 2,
			 csv_str(t, row, "week"), what, a, b);
}

static size_t model_index(const csv *t, size_t row)
{
	const char *id = csv_str(t, row, "model");
	for (size_t i = 0; i < CONG_MODELS; i++)
		if (strcmp(id, cong_ids[i]) == 0)
			return i;
	fail_msg("%s: unknown model \"%s\"", t->path, id);
	return 0;
}

/* Weekly provider (or origin) rows against the sums of their models'. */
static void check_groups(residuals *res, const csv *models, const char *dir,
			 const char *file, const char *key)
{
	static const char *const summed[] = { "tokens", "active_devs", "spend", "fee",
					      "revenue", "cost", "profit", "token_share",
					      "tokens_demanded", "tokens_failed",
					      "tokens_refused_quota", "tokens_lost", "free_users",
					      "credit_buyers", "conversions", "conversions_away",
					      "converted_revenue", "free_cost" };
	enum { SUMMED = sizeof summed / sizeof summed[0] };
	csv *g = csv_load(dir, file);
	size_t weeks = csv_weeks(models);
	assert_int_equal(csv_weeks(g), weeks);
	double cum_rev = 0, cum_profit = 0, cum_conv = 0, cum_free = 0;
	for (size_t r = 0; r < g->rows; r++) {
		const char *week = csv_str(g, r, "week"), *name = csv_str(g, r, key);
		/* The running sums: this group's rows before this one. */
		cum_rev = cum_profit = cum_conv = cum_free = 0;
		for (size_t q = 0; q < r; q++)
			if (strcmp(csv_str(g, q, key), name) == 0) {
				cum_rev += csv_num(g, q, "revenue_mean");
				cum_profit += csv_num(g, q, "profit_mean");
				cum_conv += csv_num(g, q, "converted_revenue_mean");
				cum_free += csv_num(g, q, "free_cost_mean");
			}
		double sum[SUMMED] = { 0 }, mag[SUMMED] = { 0 };
		size_t members = 0;
		for (size_t m = 0; m < models->rows; m++) {
			if (strcmp(csv_str(models, m, "week"), week) != 0 ||
			    strcmp(csv_str(models, m, key), name) != 0)
				continue;
			members++;
			for (size_t c = 0; c < SUMMED; c++) {
				char col[64];
				snprintf(col, sizeof col, "%s_mean", summed[c]);
				double x = csv_num(models, m, col);
				sum[c] += x;
				mag[c] += fabs(x);
			}
		}
		if (members == 0)
			fail_msg("%s row %zu: %s \"%s\" has no model in week %s", g->path, r + 2, key,
				 name, week);
		for (size_t c = 0; c < SUMMED; c++) {
			char col[64], what[96];
			snprintf(col, sizeof col, "%s_mean", summed[c]);
			snprintf(what, sizeof what, "%s %s = sum over its models", key, summed[c]);
			double x = csv_num(g, r, col);
			identity(res, g, r, what, x, sum[c], fmax(fabs(x), mag[c]));
		}
		double rev = csv_num(g, r, "revenue_mean"), cost = csv_num(g, r, "cost_mean");
		double profit = csv_num(g, r, "profit_mean");
		identity(res, g, r, "group profit = revenue - cost", profit, rev - cost, amax(rev, cost));
		identity(res, g, r, "group revenue = spend", rev, csv_num(g, r, "spend_mean"), fabs(rev));
		double cr = csv_num(g, r, "cum_revenue_mean"), cp = csv_num(g, r, "cum_profit_mean");
		identity(res, g, r, "cum_revenue = running sum of revenue", cr, cum_rev + rev,
			 fmax(fabs(cr), fabs(cum_rev) + fabs(rev)));
		identity(res, g, r, "cum_profit = running sum of profit", cp, cum_profit + profit,
			 fmax(fabs(cp), fabs(cum_profit) + fabs(profit)));
		double conv = csv_num(g, r, "converted_revenue_mean");
		double free_cost = csv_num(g, r, "free_cost_mean");
		double cc = csv_num(g, r, "cum_converted_revenue_mean");
		double cf = csv_num(g, r, "cum_free_cost_mean");
		identity(res, g, r, "cum_converted_revenue = running sum of converted_revenue", cc,
			 cum_conv + conv, fmax(cc, cum_conv + conv));
		identity(res, g, r, "cum_free_cost = running sum of free_cost", cf,
			 cum_free + free_cost, fmax(cf, cum_free + free_cost));
		at_most(res, g, r, "group converted_revenue <= revenue", conv, rev, fabs(rev));
		at_most(res, g, r, "group free_cost <= cost", free_cost, cost, fabs(cost));
	}
	csv_free(g);
}

/* Checks every identity on the results in dir, recording residuals in
   res, and that the run was congested (some tokens failed and were re-sent,
   some lost, some refused by the free quota), had a free model burning
   money and developers buying credits and converting. With per_rep (one replication),
   also the ratio columns, which their means need not satisfy. */
static void check_conservation(const char *dir, bool per_rep, residuals *res)
{
	csv *t = csv_load(dir, "models_weekly.csv");
	size_t weeks = csv_weeks(t);
	assert_int_equal(t->rows, weeks * CONG_MODELS);
	double failed_total = 0, fallback_total = 0, refused_total = 0, lost_total = 0;
	double conversions_total = 0, away_total = 0, converted_total = 0, buyers_total = 0;
	size_t burn_weeks = 0;
	double week_share[64] = { 0 }, week_spend[64] = { 0 }, week_spend_mag[64] = { 0 };
	/* Per week over the models: served + lost and demanded - re-routed. */
	double week_out[64] = { 0 }, week_in[64] = { 0 };
	double prev_price[CONG_MODELS][2];
	bool have_prev[CONG_MODELS] = { false };
	assert_true(weeks <= 64);
	for (size_t r = 0; r < t->rows; r++) {
		size_t i = model_index(t, r), w = (size_t)csv_num(t, r, "week");
		double in = csv_num(t, r, "tokens_in_mean"), out = csv_num(t, r, "tokens_out_mean");
		double tokens = csv_num(t, r, "tokens_mean");
		double demanded = csv_num(t, r, "tokens_demanded_mean");
		double failed = csv_num(t, r, "tokens_failed_mean");
		double spend = csv_num(t, r, "spend_mean"), fee = csv_num(t, r, "fee_mean");
		double revenue = csv_num(t, r, "revenue_mean"), cost = csv_num(t, r, "cost_mean");
		double profit = csv_num(t, r, "profit_mean");
		double pin = csv_num(t, r, "price_in_mean"), pout = csv_num(t, r, "price_out_mean");
		double capacity = csv_num(t, r, "capacity_mean");

		identity(res, t, r, "tokens = tokens_in + tokens_out", tokens, in + out, tokens);
		identity(res, t, r, "tokens_demanded = tokens + tokens_failed", demanded,
			 tokens + failed, demanded);
		identity(res, t, r, "fee = 0.055 x spend", fee, CONG_FEE * spend, fabs(fee));
		identity(res, t, r, "revenue = spend", revenue, spend, fabs(revenue));
		identity(res, t, r, "profit = revenue - cost", profit, revenue - cost,
			 amax(revenue, cost));
		identity(res, t, r, "cost = tokens x cost to serve", cost,
			 tokens * CONG_COST[i] / 1e6, fabs(cost));
		/* Spend = tokens x price where the price held all week (the
		   week's price columns are its last prices). */
		if (!have_prev[i] || (prev_price[i][0] == pin && prev_price[i][1] == pout))
			identity(res, t, r, "spend = tokens x price", spend,
				 (in * pin + out * pout) / 1e6, fabs(spend));
		/* Served never exceeds capacity (both summed over the week). */
		if (!(tokens <= capacity * (1 + IDENTITY_TOL)))
			fail_msg("%s row %zu: %s served %.10g tokens, capacity %.10g", t->path, r + 2,
				 cong_ids[i], tokens, capacity);
		if (!(failed >= 0) || !(csv_num(t, r, "tokens_fallback_mean") >= 0))
			fail_msg("%s row %zu: negative failed or fallback tokens", t->path, r + 2);
		double fallback = csv_num(t, r, "tokens_fallback_mean");
		double refused = csv_num(t, r, "tokens_refused_quota_mean");
		double lost = csv_num(t, r, "tokens_lost_mean");
		double conversions = csv_num(t, r, "conversions_mean");
		double away = csv_num(t, r, "conversions_away_mean");
		double converted = csv_num(t, r, "converted_revenue_mean");
		double free_cost = csv_num(t, r, "free_cost_mean");
		at_most(res, t, r, "tokens_refused_quota <= tokens_failed", refused, failed, demanded);
		at_most(res, t, r, "0 <= tokens_lost", 0, lost, demanded);
		at_most(res, t, r, "tokens_lost <= tokens_failed", lost, failed, demanded);
		at_most(res, t, r, "conversions_away <= conversions", away, conversions, conversions);
		at_most(res, t, r, "converted_revenue <= revenue", converted, revenue, revenue);
		at_most(res, t, r, "free_cost <= cost", free_cost, cost, cost);
		if (!(refused >= 0) || !(conversions >= 0) || !(converted >= 0) ||
		    !(csv_num(t, r, "credit_buyers_mean") >= 0))
			fail_msg("%s row %zu: negative refused tokens, conversions, converted "
				 "revenue or credit buyers", t->path, r + 2);
		/* Whose price held all week: all of its cost is free_cost when it
		   was free, none when it was paid. */
		bool held = !have_prev[i] || (prev_price[i][0] == pin && prev_price[i][1] == pout);
		if (held && pin == 0 && pout == 0)
			identity(res, t, r, "free_cost = cost (free all week)", free_cost, cost, cost);
		else if (held)
			identity(res, t, r, "free_cost = 0 (paid all week)", free_cost, 0, cost);
		week_out[w] += tokens + lost;
		week_in[w] += demanded - fallback;
		refused_total += refused;
		lost_total += lost;
		conversions_total += conversions;
		away_total += away;
		converted_total += converted;
		buyers_total += csv_num(t, r, "credit_buyers_mean");
		if (per_rep) {
			if (capacity > 0)
				identity(res, t, r, "utilisation = demanded / capacity",
					 csv_num(t, r, "utilisation_mean"), demanded / capacity,
					 demanded / capacity);
			if (demanded > 0)
				identity(res, t, r, "error_rate = failed / demanded",
					 csv_num(t, r, "error_rate_mean"), failed / demanded, 1.0);
		}
		prev_price[i][0] = pin;
		prev_price[i][1] = pout;
		have_prev[i] = true;
		failed_total += failed;
		fallback_total += fallback;
		/* A free model's provider loses money on every token it serves. */
		if (pin == 0 && pout == 0 && tokens > 0) {
			if (!(profit < 0))
				fail_msg("%s row %zu: free %s served tokens at a profit of %g", t->path,
					 r + 2, cong_ids[i], profit);
			burn_weeks++;
		}
		week_share[w] += csv_num(t, r, "token_share_mean");
		week_spend[w] += spend;
		week_spend_mag[w] += fabs(spend);
	}
	for (size_t w = 0; w < weeks; w++) {
		identity(res, t, w * CONG_MODELS, "token shares sum to 1", week_share[w], 1.0, 1.0);
		identity(res, t, w * CONG_MODELS, "over the models, tokens served + lost = "
			 "demanded - re-routed", week_out[w], week_in[w], week_in[w]);
	}
	/* Not vacuous: the run was congested, re-sent failed requests, lost
	   others, refused some beyond the free quota, had a free model burning
	   money and paid models earning it, and developers buying credits and
	   converting, to the free model's provider and away from it. */
	assert_true(failed_total > 0);
	assert_true(fallback_total > 0);
	assert_true(lost_total > 0);
	assert_true(refused_total > 0);
	assert_true(burn_weeks > 0);
	assert_true(buyers_total > 0);
	assert_true(away_total > 0 && conversions_total > away_total);
	assert_true(converted_total > 0);

	/* Developers' spend summed over models = providers' revenue. */
	csv *p = csv_load(dir, "providers_weekly.csv");
	double provider_revenue[64] = { 0 }, provider_mag[64] = { 0 };
	for (size_t r = 0; r < p->rows; r++) {
		size_t w = (size_t)csv_num(p, r, "week");
		double x = csv_num(p, r, "revenue_mean");
		provider_revenue[w] += x;
		provider_mag[w] += fabs(x);
	}
	size_t providers = p->rows / weeks;
	for (size_t w = 0; w < weeks; w++) {
		assert_true(week_spend[w] > 0);
		identity(res, p, w * providers, "sum of models' spend = sum of providers' revenue",
			 week_spend[w], provider_revenue[w],
			 fmax(week_spend_mag[w], provider_mag[w]));
	}
	csv_free(p);

	check_groups(res, t, dir, "providers_weekly.csv", "provider");
	check_groups(res, t, dir, "origins_weekly.csv", "origin");

	/* summary.csv: cumulative revenue and profit per provider, tokens. */
	csv *s = csv_load(dir, "summary.csv");
	csv *g = csv_load(dir, "providers_weekly.csv");
	for (size_t r = 0; r < s->rows; r++) {
		const char *metric = csv_str(s, r, "metric");
		bool rev = strcmp(metric, "cum_revenue") == 0;
		if (!rev && strcmp(metric, "cum_profit") != 0)
			continue;
		double sum = 0, mag = 0;
		for (size_t q = 0; q < g->rows; q++)
			if (strcmp(csv_str(g, q, "provider"), csv_str(s, r, "subject")) == 0) {
				double x = csv_num(g, q, rev ? "revenue_mean" : "profit_mean");
				sum += x;
				mag += fabs(x);
			}
		double x = csv_num(s, r, "value_mean");
		res->checked++;
		if (!(fabs(x - sum) <= IDENTITY_TOL * fmax(fabs(x), mag)))
			fail_msg("%s: %s of %s = %.10g, weekly sum %.10g", s->path, metric,
				 csv_str(s, r, "subject"), x, sum);
	}
	/* The funnel: over all models, and per provider its weekly sums. */
	static const char *const funnel[] = { "conversions", "credit_buyers" };
	for (size_t f = 0; f < 2; f++) {
		char col[64];
		snprintf(col, sizeof col, "%s_mean", funnel[f]);
		double sum = 0;
		for (size_t r = 0; r < t->rows; r++)
			sum += csv_num(t, r, col);
		double x = summary_value(s, funnel[f], "all", NULL);
		res->checked++;
		if (!(fabs(x - sum) <= IDENTITY_TOL * fmax(x, sum)))
			fail_msg("%s: %s of all = %.10g, weekly sum %.10g", s->path, funnel[f], x,
				 sum);
	}
	static const char *const per_provider[] = { "conversions", "credit_buyers",
						    "converted_revenue", "free_cost" };
	size_t provider_rows = 0;
	for (size_t r = 0; r < g->rows; r++) {
		const char *name = csv_str(g, r, "provider");
		if (csv_num(g, r, "week") != 0)
			continue;
		provider_rows++;
		double got[4];
		for (size_t f = 0; f < 4; f++) {
			char col[64];
			snprintf(col, sizeof col, "%s_mean", per_provider[f]);
			double sum = 0;
			for (size_t q = 0; q < g->rows; q++)
				if (strcmp(csv_str(g, q, "provider"), name) == 0)
					sum += csv_num(g, q, col);
			got[f] = summary_value(s, per_provider[f], name, NULL);
			res->checked++;
			if (!(fabs(got[f] - sum) <= IDENTITY_TOL * fmax(got[f], sum)))
				fail_msg("%s: %s of %s = %.10g, weekly sum %.10g", s->path,
					 per_provider[f], name, got[f], sum);
		}
		double payback = summary_value(s, "payback", name, NULL);
		res->checked++;
		if (!(fabs(payback - (got[2] - got[3])) <=
		      IDENTITY_TOL * fmax(fabs(payback), got[2] + got[3])))
			fail_msg("%s: payback of %s = %.10g, converted_revenue %.10g - free_cost "
				 "%.10g", s->path, name, payback, got[2], got[3]);
	}
	assert_int_equal(provider_rows, 2);

	double tokens = 0;
	for (size_t r = 0; r < t->rows; r++)
		tokens += csv_num(t, r, "tokens_mean");
	double total = summary_value(s, "tokens_total", "all", NULL);
	res->checked++;
	if (!(fabs(total - tokens) <= IDENTITY_TOL * total))
		fail_msg("%s: tokens_total %.10g, weekly sum %.10g", s->path, total, tokens);
	csv_free(g);
	csv_free(s);
	csv_free(t);
}

static void cong_args(char *args, size_t size, int reps, int seed)
{
	int n = snprintf(args, size, "--set replications=%d --seed %d --set market.fee=%g "
			 "--set market.segments.[0].fallback_share=%g "
			 "--set market.segments.[1].fallback_share=%g", reps, seed, CONG_FEE,
			 CONG_FALLBACK, CONG_FALLBACK);
	for (size_t i = 0; i < CONG_MODELS; i++)
		n += snprintf(args + n, size - (size_t)n, " --set market.models.%s.cost=%g",
			      cong_ids[i], CONG_COST[i]);
}

/* Ensure served + failed = demanded, served + lost = demanded - re-routed
   over the models, the bounds on refused, lost and the funnel, the money
   identities and the group and summary sums hold in every week of a
   congested run, replication by replication (three seeds) and for the
   means over replications. */
static void test_conservation(void **unused)
{
	(void)unused;
	residuals res = { 0, "-", 0 };
	char args[1024], dir[256], name[64];
	for (int seed = 1; seed <= 3; seed++) {
		snprintf(name, sizeof name, "congested_seed%d", seed);
		cong_args(args, sizeof args, 1, seed);
		run_model(name, "market_analytic_congested.cfg", args, dir);
		check_conservation(dir, true, &res);
	}
	/* Developers keeping their previous paid model beside the free one
	   (its overflow goes there for those with fallback; the others'
	   is refused). */
	cong_args(args, sizeof args, 1, 4);
	strcat(args, " --set market.multihoming=0.4");
	run_model("congested_multihoming", "market_analytic_congested.cfg", args, dir);
	check_conservation(dir, true, &res);
	cong_args(args, sizeof args, 3, 42);
	run_model("congested_means", "market_analytic_congested.cfg", args, dir);
	check_conservation(dir, false, &res);
	print_message("conservation: %zu identities, max relative residual %.3g (%s)\n",
		      res.checked, res.worst, res.which);
}

/* ---- determinism ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

/* Ensure the same experiment and seed give byte-identical CSVs. */
static void test_determinism(void **unused)
{
	(void)unused;
	char args[1024], a[256], b[256];
	cong_args(args, sizeof args, 3, 7);
	run_model("determinism_a", "market_analytic_congested.cfg", args, a);
	run_model("determinism_b", "market_analytic_congested.cfg", args, b);
	DIR *d = opendir(a);
	assert_non_null(d);
	struct dirent *e;
	size_t files = 0, bytes = 0;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 4 || strcmp(e->d_name + n - 4, ".csv") != 0)
			continue;
		char pa[512], pb[512];
		snprintf(pa, sizeof pa, "%s/%s", a, e->d_name);
		snprintf(pb, sizeof pb, "%s/%s", b, e->d_name);
		size_t la, lb;
		char *x = slurp(pa, &la), *y = slurp(pb, &lb);
		if (la != lb || memcmp(x, y, la) != 0)
			fail_msg("%s and %s differ", pa, pb);
		free(x);
		free(y);
		files++;
		bytes += la;
	}
	closedir(d);
	/* models_weekly, providers_weekly, origins_weekly, summary,
	   models_tokens_wide. */
	assert_true(files >= 5);
	print_message("determinism: %zu CSV files (%zu bytes) byte-identical\n", files, bytes);
}

int main(void)
{
	if (getenv("MARKETSIM"))
		prog = getenv("MARKETSIM");
	if (access(prog, X_OK) != 0) {
		fprintf(stderr,
			"test_market_model: %s not built; run from the repository root after make\n",
			prog);
		return 1;
	}
	if (system("rm -rf " OUT " && mkdir -p " OUT) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bass_closed_form),
		cmocka_unit_test(test_logit_shares),
		cmocka_unit_test(test_nested_logit_shares),
		cmocka_unit_test(test_origin_quality_shift),
		cmocka_unit_test(test_provider_quality_shift),
		cmocka_unit_test(test_multihoming_share),
		cmocka_unit_test(test_token_multiplier),
		cmocka_unit_test(test_conservation),
		cmocka_unit_test(test_determinism),
	};
	return cmocka_run_group_tests_name("market_model", tests, NULL, NULL);
}
