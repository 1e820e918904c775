/*
 * test_market_arrivals.c - developers joining by Bass diffusion
 * (models/market/arrivals.c and the process of diffusion.c it draws from).
 *
 * Arrivals are one engine event each, the gap to the next exponential at
 * the hazard (p + q A/N)(N - A) of the moment, A counting every agent that
 * ever joined, the initial ones included (docs/MODEL.md, "Arrivals").
 * tests/test_market_diffusion.c checks the Bass process alone against the
 * closed form, which the finite process follows only up to O(1/N); here
 * the model's own arrivals, in a small market built in this process from
 * a tests/data fixture (one model, one segment, no reviews or churn; the
 * experiment loaded with --set overrides holding the rates the test
 * computes with, the model's init on a fresh engine, replication r on its
 * own random streams), are held to the exact law of the chain they follow:
 *
 * - the Bass process is the configured one, in agents and per day;
 * - the number adopted at four dates, over 300 replications, has the
 *   mean and variance of the pure birth chain with that hazard, computed
 *   here exactly by uniformization;
 * - nobody arrives from the last day on, nor beyond the potential;
 * - each arrival is a new developer of its week, no initial one is.
 *
 * The checks on means and variances allow z standard errors, z the
 * normal quantile for a false-alarm rate of FALSE_ALARM over the test's
 * checks (Bonferroni); the standard errors come from the chain's own
 * variance, not from the sample. The draws are fixed by the fixture's
 * seed, so a check fails only if the code changes. Must run from the
 * repository root (make test does).
 */
#include "test_util.h"

#include <gsl/gsl_cdf.h>
#include <stdlib.h>
#include <string.h>

#include "market_internal.h"
#include "run/experiment.h"

/* Chance that a correct model fails one test's statistical checks. */
#define FALSE_ALARM 1e-4

/* The normal quantile for `checks` two-sided checks sharing FALSE_ALARM. */
static double z_for(int checks)
{
	return gsl_cdf_ugaussian_Qinv(FALSE_ALARM / (2.0 * checks));
}

/* ---- a market built in this process ---- */

typedef struct market {
	sim_experiment *x;
	const mkt_market_params *p;
	sim_engine *eng;
	void *state;
	mkt_state *s; /* the model's state (what market.c hands its callbacks) */
} market;

/* Loads tests/data/FIXTURE with the NULL-terminated --set overrides and
   builds replication `rep` on a fresh engine: the initial agents have
   joined and chosen (warm start included), no event has run. */
static void market_open(market *m, const char *fixture, const char *const *set,
			uint64_t rep)
{
	static const sim_model_type *const registry[] = { &mkt_market_model, NULL };
	char path[256];
	size_t n = 0;
	sim_error err;
	while (set && set[n])
		n++;
	snprintf(path, sizeof path, "tests/data/%s", fixture);
	sim_run_options opt = { .config_path = path, .overrides = set, .override_count = n };
	*m = (market){ 0 };
	m->x = sim_experiment_load(registry, &opt, NULL, 0, &err);
	if (!m->x)
		fail_msg("%s: %s: %s", path, err.path, err.message);
	m->p = sim_experiment_model_params(m->x);
	assert_non_null(m->p);
	m->eng = sim_engine_new(&err);
	assert_non_null(m->eng);
	sim_run_context ctx = { (uint64_t)sim_experiment_settings(m->x)->seed, rep, "test",
				true };
	if (mkt_market_model.init(&m->state, m->eng, m->p, &ctx, &err) != 0)
		fail_msg("%s: init: %s", path, err.message);
	m->s = m->state;
}

/* Runs every event earlier than `until`. */
static void market_run(market *m, double until)
{
	sim_error err;
	if (sim_engine_run(m->eng, until, &err) != 0)
		fail_msg("run to %g: %s", until, err.message);
}

static void market_close(market *m)
{
	mkt_market_model.destroy(m->state);
	sim_engine_free(m->eng);
	sim_experiment_free(m->x);
}

/* ---- the Bass chain, exactly ---- */

/* The law at time t of the number adopted, for the pure birth chain that
   starts at a0 of n and moves a -> a + 1 at rate (p + q a/n)(n - a) (p, q
   per day), by uniformization: with L the largest rate, P(t) = sum_k
   Poisson(k; L t) pi0 M^k, M the chain seen at the events of a Poisson
   process of rate L. Fills its mean, variance and fourth central moment. */
static void bass_exact(double p, double q, int n, int a0, double t, double *mean, double *var,
		       double *m4)
{
	int states = n + 1;
	double *v = calloc((size_t)states, sizeof *v), *next = calloc((size_t)states, sizeof *next);
	double *pi = calloc((size_t)states, sizeof *pi), *h = calloc((size_t)states, sizeof *h);
	assert_true(v && next && pi && h);
	double top = 0;
	for (int a = 0; a <= n; a++) {
		h[a] = (p + q * a / n) * (n - a);
		top = fmax(top, h[a]);
	}
	v[a0] = 1;
	double lt = top * t, w = exp(-lt), mass = 0;
	assert_true(w > 0); /* L t small enough for the first weight */
	for (int k = 0; mass < 1 - 1e-13 || k < lt; k++) {
		if (k > 0)
			w *= lt / k;
		for (int a = a0; a <= n; a++)
			pi[a] += w * v[a];
		mass += w;
		for (int a = a0; a <= n; a++)
			next[a] = v[a] * (1 - h[a] / top) + (a > a0 ? v[a - 1] * h[a - 1] / top : 0);
		double *swap = v;
		v = next;
		next = swap;
	}
	double m1 = 0, c2 = 0, c4 = 0;
	for (int a = a0; a <= n; a++)
		m1 += a * pi[a];
	for (int a = a0; a <= n; a++) {
		double d = a - m1;
		c2 += d * d * pi[a];
		c4 += d * d * d * d * pi[a];
	}
	*mean = m1;
	*var = c2;
	*m4 = c4;
	free(v);
	free(next);
	free(pi);
	free(h);
}

/* ---- tests ---- */

/* Ensure the model's Bass process is the one configured: potential and
   initial developers in agents (rounded), p and q per day, the initial
   agents counted as adopted, and every arrival one agent. */
static void test_bass_in_agent_units(void **unused)
{
	(void)unused;
	static const char *const set[] = {
		"market.scale=4", "market.arrivals.p=2.0", "market.arrivals.q=12.0",
		"market.arrivals.potential=1202", "market.arrivals.initial=122", "market.days=28",
		NULL
	};
	market m;
	market_open(&m, "market_analytic_bass.cfg", set, 0);
	const mkt_bass *b = &m.s->bass;
	assert_int_equal(b->potential, 301); /* 300.5 agents, rounded */
	assert_int_equal(b->adopted, 31);    /* 30.5 */
	assert_int_equal(m.s->agent_count, 31);
	assert_double_near(b->p, 2.0 / 365, 1e-15);
	assert_double_near(b->q, 12.0 / 365, 1e-15);
	assert_double_near(mkt_bass_rate(b), (2.0 / 365 + 12.0 / 365 * 31 / 301) * 270, 1e-12);
	market_run(&m, 28.5);
	assert_true(b->adopted > 100);
	assert_int_equal(m.s->agent_count, b->adopted);
	market_close(&m);
}

/* Ensure the number adopted at days 14, 28, 42 and 56, over 300
   replications, has the mean and variance of the Bass chain (computed
   exactly here, and checked against the binomial at q = 0), within z
   standard errors of each. */
static void test_counts_follow_hazard(void **unused)
{
	(void)unused;
	enum { REPS = 300, CHECKS = 4, N = 300, A0 = 30 };
	static const double P = 2.0, Q = 12.0; /* per year */
	static const double AT[CHECKS] = { 14, 28, 42, 56 };
	char args[5][64];
	snprintf(args[0], 64, "market.days=%.0f", AT[CHECKS - 1]);
	snprintf(args[1], 64, "market.arrivals.p=%g", P);
	snprintf(args[2], 64, "market.arrivals.q=%g", Q);
	snprintf(args[3], 64, "market.arrivals.potential=%d", N);
	snprintf(args[4], 64, "market.arrivals.initial=%d", A0);
	/* One-step tasks: the start's task sampling costs next to nothing. */
	const char *const set[] = { "market.scale=1", args[0], args[1], args[2], args[3], args[4],
				    "market.workload.steps_mean=1",
				    "market.workload.max_retries=0", NULL };
	double sum[CHECKS] = { 0 }, sum2[CHECKS] = { 0 };
	for (uint64_t r = 0; r < REPS; r++) {
		market m;
		market_open(&m, "market_analytic_bass.cfg", set, r);
		for (int c = 0; c < CHECKS; c++) {
			market_run(&m, AT[c]);
			double a = (double)m.s->bass.adopted;
			sum[c] += a;
			sum2[c] += a * a;
		}
		market_close(&m);
	}
	/* The reference itself: with q = 0 everyone left adopts on their
	   own at rate p, a binomial. */
	double mean, var, m4, f = 1 - exp(-P / 365 * AT[0]);
	bass_exact(P / 365, 0, N, A0, AT[0], &mean, &var, &m4);
	assert_double_near(mean, A0 + (N - A0) * f, 1e-9);
	assert_double_near(var, (N - A0) * f * (1 - f), 1e-9);

	double z = z_for(2 * CHECKS);
	for (int c = 0; c < CHECKS; c++) {
		bass_exact(P / 365, Q / 365, N, A0, AT[c], &mean, &var, &m4);
		double m = sum[c] / REPS, s2 = (sum2[c] - REPS * m * m) / (REPS - 1);
		/* Standard errors of the sample mean and variance of REPS
		   draws from the chain's law. */
		double se_mean = sqrt(var / REPS);
		double se_var = sqrt((m4 - var * var * (REPS - 3.0) / (REPS - 1.0)) / REPS);
		print_message("day %2.0f: adopted mean %.2f (chain %.2f +- %.2f), variance %.1f "
			      "(chain %.1f +- %.1f)\n", AT[c], m, mean, z * se_mean, s2, var,
			      z * se_var);
		if (!(fabs(m - mean) <= z * se_mean))
			fail_msg("day %g: mean %.3f adopted over %d replications, the chain's %.3f "
				 "(+- %.3f)", AT[c], m, REPS, mean, z * se_mean);
		if (!(fabs(s2 - var) <= z * se_var))
			fail_msg("day %g: variance %.2f, the chain's %.2f (+- %.2f)", AT[c], s2, var,
				 z * se_var);
	}
}

/* Ensure nobody arrives at or after the last day, though the run goes on
   for half a day, and arrivals stop when the whole potential has joined. */
static void test_arrivals_stop(void **unused)
{
	(void)unused;
	/* About 270 arrivals a day at the end of day 7. */
	static const char *const fast[] = {
		"market.scale=1", "market.days=7", "market.arrivals.p=50.0", "market.arrivals.q=0.0",
		"market.arrivals.potential=2000", "market.arrivals.initial=0", NULL
	};
	market m;
	market_open(&m, "market_analytic_bass.cfg", fast, 0);
	market_run(&m, 7.0);
	uint64_t by_end = m.s->bass.adopted;
	assert_true(by_end > 500 && by_end < 2000);
	market_run(&m, 7.5); /* the horizon */
	assert_int_equal(m.s->bass.adopted, by_end);
	market_close(&m);

	static const char *const all[] = {
		"market.scale=1", "market.days=60", "market.arrivals.p=200.0",
		"market.arrivals.q=0.0", "market.arrivals.potential=100", "market.arrivals.initial=10",
		NULL
	};
	market_open(&m, "market_analytic_bass.cfg", all, 0);
	market_run(&m, 60.5);
	assert_int_equal(m.s->bass.adopted, 100);
	assert_int_equal(m.s->agent_count, 100);
	assert_double_near(mkt_bass_rate(&m.s->bass), 0, 0);
	market_close(&m);
}

/* Ensure each arrival, and no initial developer, is a new developer of
   the week it arrives in (scale developers per agent). */
static void test_arrivals_are_new_developers(void **unused)
{
	(void)unused;
	enum { WEEKS = 6 };
	static const double SCALE = 3;
	static const char *const set[] = {
		"market.scale=3", "market.days=42", "market.arrivals.p=2.0", "market.arrivals.q=12.0",
		"market.arrivals.potential=900", "market.arrivals.initial=90", NULL
	};
	market m;
	market_open(&m, "market_analytic_bass.cfg", set, 0);
	assert_int_equal(m.s->model_count, 1);
	size_t agents = m.s->agent_count;
	assert_int_equal(agents, 30);
	for (size_t w = 0; w < WEEKS; w++) {
		market_run(&m, 7.0 * (w + 1));
		size_t arrived = m.s->agent_count - agents;
		agents = m.s->agent_count;
		assert_true(arrived > 0);
		assert_double_near(m.s->rows[w].new_devs, SCALE * arrived, 0);
	}
	market_close(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bass_in_agent_units),
		cmocka_unit_test(test_counts_follow_hazard),
		cmocka_unit_test(test_arrivals_stop),
		cmocka_unit_test(test_arrivals_are_new_developers),
	};
	return cmocka_run_group_tests_name("market arrivals", tests, NULL, NULL);
}
