/*
 * test_equilibrium.c - iterated best responses (sim/analysis/equilibrium.c)
 * on games whose equilibria are known, with plain C functions in place of
 * the simulation.
 *
 * The equilibrium search sees only an evaluator, so the tests give it
 * logit price competition with an outside good: firm i's share
 * s_i = e^{a_i - alpha p_i} / (1 + sum_k e^{a_k - alpha p_k}) and profit
 * (p_i - c_i) s_i, whose Bertrand-Nash prices solve the first-order
 * conditions p_i = c_i + 1 / (alpha (1 - s_i)), solved here independently
 * (bisection in the symmetric case, a fixed-point iteration in the
 * asymmetric one). Each profit also carries noise that depends on the
 * replication only, as common random numbers make it: it must not move
 * the equilibrium. They pin down: both cases found within 0.5%, converged,
 * with the history starting at the start profile, one row per round, each
 * row's values those of its profile, and the evaluations counted; best
 * responses that revisit profiles (a matching-pennies-like game with no
 * pure equilibrium) reported as a cycle of period 2; max_rounds ending a
 * search unconverged; a stop request or an error from the evaluator
 * returned as it came with nothing leaked; and problems that make no sense
 * (overlapping or missing settings, bad metrics, no replications) refused
 * as configuration errors before anything runs.
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "analysis/equilibrium.h"

/* ---- fake games ------------------------------------------------------------------- */

typedef enum game { LOGIT_DUOPOLY, PENNIES } game;

/* Two players with one price each; metric i is player i's payoff, metric
   2 the sum of the prices (a metric no one maximises). */
typedef struct fake {
	game kind;
	double a[2], c[2], alpha;
	double noise_sd;
	size_t calls, points;
	size_t stop_at_call;     /* return fail_rc at this call; 0 never */
	int fail_rc;
} fake;

/* Both firms' logit shares at prices p. */
static void shares(const fake *f, const double *p, double *s)
{
	double e0 = exp(f->a[0] - f->alpha * p[0]), e1 = exp(f->a[1] - f->alpha * p[1]);
	s[0] = e0 / (1 + e0 + e1);
	s[1] = e1 / (1 + e0 + e1);
}

/* Payoff of player i at x, without noise. PENNIES: player 0 wants to
   match player 1; player 1 wants the far end from player 0 (1 when
   x0 < 1/2, else 0), so best responses chase each other round the box. */
static double payoff(const fake *f, const double *x, size_t i)
{
	if (f->kind == PENNIES) {
		double target = i == 0 ? x[1] : x[0] < 0.5 ? 1 : 0;
		return -(x[i] - target) * (x[i] - target);
	}
	double s[2];
	shares(f, x, s);
	return (x[i] - f->c[i]) * s[i];
}

/* A deterministic draw for replication r, about -1 .. 1. */
static double replication_noise(uint64_t r)
{
	return sin(12.9898 * (double)r + 78.233) * 1.7 - 0.2 * cos(3.1 * (double)r);
}

static int fake_evaluate(void *ctx, size_t n, const double *x, uint64_t first, size_t count,
			 double *y, sim_error *err)
{
	fake *f = ctx;
	if (++f->calls == f->stop_at_call) {
		if (f->fail_rc == -1)
			return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
					     "replication %llu failed", (unsigned long long)first);
		return SIM_EVAL_STOPPED;
	}
	f->points += n;
	for (size_t i = 0; i < n; i++) {
		const double *xi = x + 2 * i;
		for (size_t r = 0; r < count; r++) {
			double noise = f->noise_sd * replication_noise(first + r);
			y[(i * 3 + 0) * count + r] = payoff(f, xi, 0) + noise;
			y[(i * 3 + 1) * count + r] = payoff(f, xi, 1) - noise;
			y[(i * 3 + 2) * count + r] = xi[0] + xi[1];
		}
	}
	return 0;
}

static const sim_eq_player two_players[2] = {
	{ .name = "first", .first = 0, .count = 1, .metric = 0 },
	{ .name = "second", .first = 1, .count = 1, .metric = 1 },
};

static sim_eq_problem problem_of(const sim_evaluator *ev, const sim_bounds *b)
{
	return (sim_eq_problem){ .ev = ev, .bounds = b, .players = two_players, .nplayers = 2,
				 .replications = 4, .max_rounds = 60, .tolerance = 1e-4,
				 .grid = 0, .max_evaluations = 200, .search_tolerance = 1e-6 };
}

static sim_evaluator evaluator_of(fake *f)
{
	return (sim_evaluator){ .dim = 2, .metrics = 3, .ctx = f, .evaluate = fake_evaluate };
}

static void assert_relative(double got, double want, double rel)
{
	if (!(fabs(got - want) <= rel * fabs(want)))
		fail_msg("got %.10g, expected %.10g within %g%%", got, want, 100 * rel);
}

/* The symmetric Bertrand-Nash price: p = c + 1 / (alpha (1 - s(p))) with
   s(p) = e^{a - alpha p} / (1 + 2 e^{a - alpha p}), by bisection (the
   difference of the two sides grows with p). */
static double symmetric_nash_price(double a, double c, double alpha)
{
	double lo = c, hi = c + 100 / alpha;
	for (int k = 0; k < 200; k++) {
		double p = (lo + hi) / 2, e = exp(a - alpha * p), s = e / (1 + 2 * e);
		if (p - c - 1 / (alpha * (1 - s)) < 0)
			lo = p;
		else
			hi = p;
	}
	return (lo + hi) / 2;
}

/* The asymmetric Nash prices: iterate p_i <- c_i + 1 / (alpha (1 - s_i(p)))
   (a contraction while the shares stay below 1/2) until it settles. */
static void asymmetric_nash_prices(const fake *f, double *p)
{
	double s[2];
	p[0] = f->c[0] + 1, p[1] = f->c[1] + 1;
	for (int k = 0; k < 10000; k++) {
		shares(f, p, s);
		p[0] = f->c[0] + 1 / (f->alpha * (1 - s[0]));
		p[1] = f->c[1] + 1 / (f->alpha * (1 - s[1]));
	}
	shares(f, p, s);
	for (int i = 0; i < 2; i++)
		assert_double_near(p[i] - f->c[i] - 1 / (f->alpha * (1 - s[i])), 0, 1e-12);
}

/* The history: rounds + 1 rows, row 0 the start, each row's values those
   of its profile (noise averaged over replications 0 .. 3), the last row
   the result. */
static void assert_history(const fake *f, const sim_eq_result *res, const sim_bounds *b)
{
	assert_double_near(res->history[0], b[0].start, 0);
	assert_double_near(res->history[1], b[1].start, 0);
	double noise = 0;
	for (uint64_t r = 0; r < 4; r++)
		noise += f->noise_sd * replication_noise(r) / 4;
	for (size_t t = 0; t <= res->rounds; t++) {
		const double *x = res->history + 2 * t, *v = res->history_values + 3 * t;
		assert_double_near(v[0], payoff(f, x, 0) + noise, 1e-12);
		assert_double_near(v[1], payoff(f, x, 1) - noise, 1e-12);
		assert_double_near(v[2], x[0] + x[1], 1e-12);
	}
	const double *last = res->history + 2 * res->rounds;
	assert_double_near(res->x[0], last[0], 0);
	assert_double_near(res->x[1], last[1], 0);
	assert_double_near(res->values[2], last[0] + last[1], 1e-12);
	assert_int_equal(res->evaluations, f->points);
}

/* ---- the tests -------------------------------------------------------------------- */

/* Ensure the symmetric logit duopoly converges to the Bertrand-Nash price. */
static void test_symmetric_duopoly(void **unused)
{
	(void)unused;
	double want = symmetric_nash_price(2, 1, 1);
	for (size_t grid = 0; grid <= 6; grid += 6) {
		fake f = { .kind = LOGIT_DUOPOLY, .a = { 2, 2 }, .c = { 1, 1 }, .alpha = 1,
			   .noise_sd = 0.3 };
		sim_evaluator ev = evaluator_of(&f);
		sim_bounds b[2] = { { 1, 8, 1.5 }, { 1, 8, 7 } };
		sim_eq_problem p = problem_of(&ev, b);
		p.grid = grid;
		sim_eq_result res;
		sim_error err;
		assert_int_equal(sim_equilibrium(&p, &res, &err), 0);
		assert_true(res.converged);
		assert_int_equal(res.cycle, 0);
		assert_true(res.rounds >= 2 && res.rounds < 60);
		assert_true(res.max_move <= 1e-4);
		assert_relative(res.x[0], want, 0.005);
		assert_relative(res.x[1], want, 0.005);
		assert_history(&f, &res, b);
		sim_eq_result_free(&res);
	}
}

/* Ensure an asymmetric duopoly converges to the solution of both FOCs. */
static void test_asymmetric_duopoly(void **unused)
{
	(void)unused;
	fake f = { .kind = LOGIT_DUOPOLY, .a = { 2.5, 1 }, .c = { 1, 0.5 }, .alpha = 0.8,
		   .noise_sd = 1 };
	double want[2];
	asymmetric_nash_prices(&f, want);
	assert_true(fabs(want[0] - want[1]) > 0.3); /* asymmetric indeed */
	sim_evaluator ev = evaluator_of(&f);
	sim_bounds b[2] = { { 0.5, 10, 9 }, { 0.5, 10, 0.5 } };
	sim_eq_problem p = problem_of(&ev, b);
	sim_eq_result res;
	sim_error err;
	assert_int_equal(sim_equilibrium(&p, &res, &err), 0);
	assert_true(res.converged);
	assert_relative(res.x[0], want[0], 0.005);
	assert_relative(res.x[1], want[1], 0.005);
	assert_history(&f, &res, b);
	sim_eq_result_free(&res);
}

/* Ensure best responses that go round (no pure equilibrium) are reported
   as a cycle of period 2. */
static void test_cycle(void **unused)
{
	(void)unused;
	fake f = { .kind = PENNIES };
	sim_evaluator ev = evaluator_of(&f);
	sim_bounds b[2] = { { 0, 1, 0.2 }, { 0, 1, 0.8 } };
	sim_eq_problem p = problem_of(&ev, b);
	sim_eq_result res;
	sim_error err;
	assert_int_equal(sim_equilibrium(&p, &res, &err), 0);
	/* (0.2, 0.8) -> (0.8, 0) -> (0, 1) -> (1, 0) -> (0, 1): row 4 is row 2. */
	assert_false(res.converged);
	assert_int_equal(res.cycle, 2);
	assert_int_equal(res.rounds, 4);
	assert_double_near(res.history[2 * 1 + 0], 0.8, 1e-4);
	assert_double_near(res.x[0], 0, 1e-6);
	assert_double_near(res.x[1], 1, 1e-6);
	assert_double_near(res.max_move, 1, 1e-6);
	assert_history(&f, &res, b);
	sim_eq_result_free(&res);

	/* Fewer rounds than the cycle needs: stopped by max_rounds. */
	f = (fake){ .kind = PENNIES };
	p.max_rounds = 3;
	assert_int_equal(sim_equilibrium(&p, &res, &err), 0);
	assert_false(res.converged);
	assert_int_equal(res.cycle, 0);
	assert_int_equal(res.rounds, 3);
	sim_eq_result_free(&res);
}

/* Ensure a stop request or an evaluator's error ends the search as it came. */
static void test_failures_propagate(void **unused)
{
	(void)unused;
	for (size_t at = 1; at <= 12; at += 3)
		for (int rc = -1; rc <= SIM_EVAL_STOPPED; rc += 1 + SIM_EVAL_STOPPED) {
			fake f = { .kind = LOGIT_DUOPOLY, .a = { 2, 2 }, .c = { 1, 1 }, .alpha = 1,
				   .stop_at_call = at, .fail_rc = rc };
			sim_evaluator ev = evaluator_of(&f);
			sim_bounds b[2] = { { 1, 8, 1.5 }, { 1, 8, 7 } };
			sim_eq_problem p = problem_of(&ev, b);
			sim_eq_result res;
			sim_error err;
			sim_error_clear(&err);
			assert_int_equal(sim_equilibrium(&p, &res, &err), rc);
			assert_int_equal(f.calls, at);
			assert_null(res.history);
			if (rc == -1)
				assert_non_null(strstr(err.message, "replication"));
		}
}

/* Runs p, which must be refused as a configuration error saying `what`. */
static void expect_refused(const sim_eq_problem *p, const char *what)
{
	sim_eq_result res;
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(sim_equilibrium(p, &res, &err), -1);
	assert_int_equal(err.kind, SIM_ERROR_CONFIG);
	if (!strstr(err.message, what))
		fail_msg("message \"%s\" does not say \"%s\"", err.message, what);
	assert_null(res.x);
}

/* Ensure problems that make no sense are refused before anything runs. */
static void test_bad_problems(void **unused)
{
	(void)unused;
	fake f = { .kind = LOGIT_DUOPOLY, .a = { 2, 2 }, .c = { 1, 1 }, .alpha = 1 };
	sim_evaluator ev = evaluator_of(&f);
	sim_bounds b[2] = { { 1, 8, 1.5 }, { 1, 8, 7 } };
	sim_eq_problem good = problem_of(&ev, b), p;
	sim_eq_player overlap[2] = { { "a", 0, 2, 0 }, { "b", 1, 1, 1 } };
	p = good, p.players = overlap;
	expect_refused(&p, "setting 1 is already player 0's");
	sim_eq_player outside[2] = { { "a", 0, 1, 0 }, { "b", 1, 2, 1 } };
	p = good, p.players = outside;
	expect_refused(&p, "player 1 (b): expected settings within 0 .. 1");
	sim_eq_player empty[2] = { { "a", 0, 1, 0 }, { "b", 1, 0, 1 } };
	p = good, p.players = empty;
	expect_refused(&p, "expected settings");
	sim_eq_player no_metric[2] = { { "a", 0, 1, 0 }, { "b", 1, 1, 3 } };
	p = good, p.players = no_metric;
	expect_refused(&p, "metric index below 3");
	p = good, p.nplayers = 0;
	expect_refused(&p, "at least 1 player");
	p = good, p.replications = 0;
	expect_refused(&p, "at least 1 replication");
	p = good, p.max_rounds = 0;
	expect_refused(&p, "at least 1 round");
	p = good, p.tolerance = -1;
	expect_refused(&p, "tolerance");
	p = good, p.search_tolerance = 0;
	expect_refused(&p, "search_tolerance");
	p = good, p.max_evaluations = 2;
	expect_refused(&p, "max_evaluations of at least 3");
	sim_bounds bad[2] = { { 1, 8, 1.5 }, { 8, 1, 7 } };
	p = good, p.bounds = bad;
	expect_refused(&p, "setting 1: expected finite bounds");
	sim_bounds start_outside[2] = { { 1, 8, 0 }, { 1, 8, 7 } };
	p = good, p.bounds = start_outside;
	expect_refused(&p, "start in [1, 8]");
	assert_int_equal(f.calls, 0);
}

int main(void)
{
	gsl_set_error_handler_off(); /* as the program does: errors come back as codes */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symmetric_duopoly),
		cmocka_unit_test(test_asymmetric_duopoly),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_failures_propagate),
		cmocka_unit_test(test_bad_problems),
	};
	return cmocka_run_group_tests_name("equilibrium", tests, NULL, NULL);
}
