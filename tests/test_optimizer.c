/*
 * test_optimizer.c - the optimiser (sim/analysis/optimizer.c) on plain C
 * objectives standing in for the simulation.
 *
 * The optimiser only ever sees an evaluator, so these tests give it one
 * whose metrics have known optima: a logit monopolist's revenue
 * R(p) = M p s(p), s(p) = e^{a - alpha p} / (1 + e^{a - alpha p}), whose
 * maximum is at p* = (1 + W(e^{a-1})) / alpha (W: Lambert's W). They pin
 * down: p* found within 0.5% by Brent (1-D) from three starts, with and
 * without a coarse grid, and by Nelder-Mead for two products priced
 * together; a monotone objective's optimum reported at its bound and
 * flagged; the confirming runs (fresh replications, asked in one call)
 * giving an interval that holds the true mean when every replication
 * carries noise (a fixed function of the replication index, as common
 * random numbers are); the evaluation budget kept; the grid asked for in
 * one batch and no point asked for twice; a stop request, an evaluator's
 * error and a NaN metric ending the search with nothing leaked; and
 * problems that make no sense refused as configuration errors.
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_lambert.h>

#include "analysis/optimizer.h"

/* ---- a fake simulation ------------------------------------------------------------ */

#define FAKE_MAX_SEEN 4096

typedef enum objective { LOGIT_REVENUE, MONOTONE } objective;

/* Up to two logit products, each priced by one setting; metric 0 their
   total revenue (or, MONOTONE, x0 - x1), metric 1 a constant 7. */
typedef struct fake {
	objective kind;
	size_t dim;
	double a[2], alpha[2], M[2];
	double noise_sd;          /* per replication, a fixed function of its index */
	size_t calls, points;     /* evaluate calls, points asked for (search runs) */
	size_t first_batch;       /* points in the first call */
	uint64_t last_first;
	size_t last_count;
	size_t stop_at_call;      /* return STOPPED (or fail_rc) at this call; 0 never */
	int fail_rc;
	bool nan_metric;
	bool asked_twice;         /* a point of replications 0.. was asked for again */
	size_t nseen;
	double seen[FAKE_MAX_SEEN][2];
} fake;

static double logit_share(double a, double alpha, double p)
{
	double e = exp(a - alpha * p);
	return e / (1 + e);
}

/* The revenue-maximising price of one logit product. */
static double best_price(double a, double alpha)
{
	return (1 + gsl_sf_lambert_W0(exp(a - 1))) / alpha;
}

/* A standard normal draw that depends on the replication only. */
static double replication_noise(uint64_t rep)
{
	uint64_t z = rep * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
	double u[2];
	for (int i = 0; i < 2; i++) {
		z += 0x9E3779B97F4A7C15ull;
		uint64_t h = z;
		h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
		h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
		h ^= h >> 31;
		u[i] = ((double)(h >> 11) + 0.5) / 9007199254740992.0;
	}
	return sqrt(-2 * log(u[0])) * cos(2 * M_PI * u[1]);
}

/* Metric 0 without noise at x. */
static double true_value(const fake *f, const double *x)
{
	if (f->kind == MONOTONE)
		return f->dim == 1 ? x[0] : x[0] - x[1];
	double r = 0;
	for (size_t j = 0; j < f->dim; j++)
		r += f->M[j] * x[j] * logit_share(f->a[j], f->alpha[j], x[j]);
	return r;
}

/* Notes x as asked for on the search replications; flags a repeat. */
static void note_point(fake *f, const double *x)
{
	for (size_t i = 0; i < f->nseen; i++)
		if (f->seen[i][0] == x[0] && (f->dim == 1 || f->seen[i][1] == x[1]))
			f->asked_twice = true;
	if (f->nseen < FAKE_MAX_SEEN) {
		f->seen[f->nseen][0] = x[0];
		f->seen[f->nseen++][1] = f->dim > 1 ? x[1] : 0;
	}
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
	if (f->calls == 1)
		f->first_batch = n;
	f->last_first = first;
	f->last_count = count;
	for (size_t i = 0; i < n; i++) {
		const double *xi = x + i * f->dim;
		if (first == 0) {
			f->points++;
			note_point(f, xi);
		}
		double v = f->nan_metric ? NAN : true_value(f, xi);
		for (size_t r = 0; r < count; r++) {
			y[(i * 2 + 0) * count + r] = v + f->noise_sd * replication_noise(first + r);
			y[(i * 2 + 1) * count + r] = 7;
		}
	}
	return 0;
}

static sim_evaluator evaluator_of(fake *f)
{
	return (sim_evaluator){ .dim = f->dim, .metrics = 2, .ctx = f, .evaluate = fake_evaluate };
}

/* One product: a = 3, alpha = 0.5, M = 100 (p* ~ 5.11) on [0.5, 20]. */
static fake monopolist(void)
{
	return (fake){ .kind = LOGIT_REVENUE, .dim = 1, .a = { 3 }, .alpha = { 0.5 },
		       .M = { 100 } };
}

/* Two independent products: the one above and a = 1, alpha = 2, M = 50
   (p* ~ 0.78) on [0.1, 5]. */
static fake two_products(void)
{
	return (fake){ .kind = LOGIT_REVENUE, .dim = 2, .a = { 3, 1 }, .alpha = { 0.5, 2 },
		       .M = { 100, 50 } };
}

static sim_opt_problem problem_of(const sim_evaluator *ev, const sim_bounds *b)
{
	return (sim_opt_problem){ .ev = ev, .bounds = b, .metric = 0, .maximize = true,
				  .replications = 4, .confirm = 0, .grid = 0,
				  .max_evaluations = 200, .tolerance = 1e-5 };
}

static void assert_relative(double got, double want, double rel)
{
	if (!(fabs(got - want) <= rel * fabs(want)))
		fail_msg("got %.10g, expected %.10g within %g%%", got, want, 100 * rel);
}

/* The path: grid steps (phase 0) first, then search (1), then confirm
   (2); one per evaluation plus the confirm. */
static void assert_path_shape(const sim_opt_result *res, size_t grid_points, bool confirmed)
{
	assert_int_equal(res->nsteps, res->evaluations + (confirmed ? 1 : 0));
	for (size_t i = 0; i < res->nsteps; i++) {
		int want = i < grid_points ? 0 : confirmed && i + 1 == res->nsteps ? 2 : 1;
		assert_int_equal(res->steps[i].phase, want);
	}
}

/* ---- the tests -------------------------------------------------------------------- */

/* Ensure Brent finds the monopolist's p* from three starts, with and without a grid. */
static void test_monopolist_brent(void **unused)
{
	(void)unused;
	double starts[] = { 1, 10, 19.9 };
	double want = best_price(3, 0.5);
	for (size_t grid = 0; grid <= 9; grid += 9)
		for (size_t k = 0; k < 3; k++) {
			fake f = monopolist();
			sim_evaluator ev = evaluator_of(&f);
			sim_bounds b = { 0.5, 20, starts[k] };
			sim_opt_problem p = problem_of(&ev, &b);
			p.grid = grid;
			sim_opt_result res;
			sim_error err;
			assert_int_equal(sim_optimize(&p, &res, &err), 0);
			assert_relative(res.x[0], want, 0.005);
			assert_true(res.converged);
			assert_false(res.on_bound[0]);
			assert_double_near(res.value, true_value(&f, res.x), 1e-9);
			assert_true(res.value >= true_value(&f, &want) - 1e-6);
			/* The grid in one batch; no point asked for twice. */
			assert_int_equal(f.first_batch, grid ? grid : 3);
			assert_false(f.asked_twice);
			assert_int_equal(f.points, res.evaluations);
			assert_path_shape(&res, grid, false);
			assert_true(isnan(res.confirm_mean) && isnan(res.confirm_lo));
			sim_opt_result_free(&res);
		}
}

/* Ensure minimising (not maximising) takes the lower end of an increasing objective. */
static void test_minimize(void **unused)
{
	(void)unused;
	fake f = { .kind = MONOTONE, .dim = 1 };
	sim_evaluator ev = evaluator_of(&f);
	sim_bounds b = { -2, 3, 1 };
	sim_opt_problem p = problem_of(&ev, &b);
	p.maximize = false;
	sim_opt_result res;
	sim_error err;
	assert_int_equal(sim_optimize(&p, &res, &err), 0);
	assert_double_near(res.x[0], -2, 5 * 1e-5);
	assert_true(res.on_bound[0] && res.converged);
	sim_opt_result_free(&res);
}

/* Ensure Nelder-Mead finds both products' p* from three starts, with and without a grid. */
static void test_two_products_nelder_mead(void **unused)
{
	(void)unused;
	double starts[3][2] = { { 1, 0.2 }, { 10, 2.5 }, { 20, 5 } };
	double want[2] = { best_price(3, 0.5), best_price(1, 2) };
	for (size_t grid = 0; grid <= 5; grid += 5)
		for (size_t k = 0; k < 3; k++) {
			fake f = two_products();
			sim_evaluator ev = evaluator_of(&f);
			sim_bounds b[2] = { { 0.5, 20, starts[k][0] }, { 0.1, 5, starts[k][1] } };
			sim_opt_problem p = problem_of(&ev, b);
			p.grid = grid;
			p.max_evaluations = 1000;
			sim_opt_result res;
			sim_error err;
			assert_int_equal(sim_optimize(&p, &res, &err), 0);
			assert_relative(res.x[0], want[0], 0.005);
			assert_relative(res.x[1], want[1], 0.005);
			assert_true(res.converged);
			assert_false(res.on_bound[0] || res.on_bound[1]);
			if (grid)
				assert_int_equal(f.first_batch, 25);
			assert_false(f.asked_twice);
			assert_int_equal(f.points, res.evaluations);
			assert_path_shape(&res, grid * grid, false);
			sim_opt_result_free(&res);
		}
}

/* Ensure a monotone objective's optimum is reported at its bound and flagged. */
static void test_on_bound(void **unused)
{
	(void)unused;
	sim_opt_result res;
	sim_error err;
	for (size_t grid = 0; grid <= 4; grid += 4) {
		fake f = { .kind = MONOTONE, .dim = 1 };
		sim_evaluator ev = evaluator_of(&f);
		sim_bounds b = { 0, 10, 3 };
		sim_opt_problem p = problem_of(&ev, &b);
		p.grid = grid;
		assert_int_equal(sim_optimize(&p, &res, &err), 0);
		assert_double_near(res.x[0], 10, 0);
		assert_true(res.on_bound[0] && res.converged);
		sim_opt_result_free(&res);
	}
	/* Two settings: x0 - x1 is largest at (hi, lo). */
	fake f = { .kind = MONOTONE, .dim = 2 };
	sim_evaluator ev = evaluator_of(&f);
	sim_bounds b[2] = { { 0, 10, 5 }, { -1, 1, 0.5 } };
	sim_opt_problem p = problem_of(&ev, b);
	p.max_evaluations = 1000;
	assert_int_equal(sim_optimize(&p, &res, &err), 0);
	assert_double_near(res.x[0], 10, 10 * 1e-5);
	assert_double_near(res.x[1], -1, 2 * 1e-5);
	assert_true(res.on_bound[0] && res.on_bound[1] && res.converged);
	sim_opt_result_free(&res);
}

/* Ensure the confirming runs use fresh replications in one call and their
   95% interval holds the true mean under noise. */
static void test_confirm_interval(void **unused)
{
	(void)unused;
	fake f = monopolist();
	f.noise_sd = 5;
	sim_evaluator ev = evaluator_of(&f);
	sim_bounds b = { 0.5, 20, 2 };
	sim_opt_problem p = problem_of(&ev, &b);
	p.replications = 20;
	p.confirm = 200;
	sim_opt_result res;
	sim_error err;
	assert_int_equal(sim_optimize(&p, &res, &err), 0);
	/* Common random numbers: the noise shifts every point alike, so the
	   optimum does not move. */
	assert_relative(res.x[0], best_price(3, 0.5), 0.005);
	assert_int_equal(f.last_first, 20);
	assert_int_equal(f.last_count, 200);
	double truth = true_value(&f, res.x);
	assert_true(res.confirm_lo <= truth && truth <= res.confirm_hi);
	assert_true(res.confirm_lo < res.confirm_mean && res.confirm_mean < res.confirm_hi);
	assert_relative(res.confirm_sd, 5, 0.2);
	/* Half-width t(0.975, 199) sd / sqrt(200), t ~ 1.972. */
	assert_double_near((res.confirm_hi - res.confirm_lo) / 2,
			   1.971956544 * res.confirm_sd / sqrt(200), 1e-6);
	assert_path_shape(&res, 0, true);
	assert_double_near(res.steps[res.nsteps - 1].value, res.confirm_mean, 0);
	sim_opt_result_free(&res);

	/* One confirming run: a mean, no spread. */
	f = monopolist();
	p.confirm = 1;
	assert_int_equal(sim_optimize(&p, &res, &err), 0);
	assert_false(isnan(res.confirm_mean));
	assert_true(isnan(res.confirm_sd) && isnan(res.confirm_lo) && isnan(res.confirm_hi));
	sim_opt_result_free(&res);
}

/* Ensure the search stops at max_evaluations (grid excluded), unconverged. */
static void test_max_evaluations(void **unused)
{
	(void)unused;
	for (size_t dim = 1; dim <= 2; dim++) {
		fake f = dim == 1 ? monopolist() : two_products();
		sim_evaluator ev = evaluator_of(&f);
		sim_bounds b[2] = { { 0.5, 20, 1 }, { 0.1, 5, 4 } };
		sim_opt_problem p = problem_of(&ev, b);
		p.grid = 3;
		p.max_evaluations = 6;
		p.tolerance = 1e-12;
		sim_opt_result res;
		sim_error err;
		assert_int_equal(sim_optimize(&p, &res, &err), 0);
		size_t grid_points = dim == 1 ? 3 : 9;
		assert_false(res.converged);
		assert_true(res.evaluations <= grid_points + 6);
		assert_int_equal(f.points, res.evaluations);
		assert_int_equal(res.nsteps, res.evaluations);
		sim_opt_result_free(&res);
	}
}

/* Ensure a stop request, an evaluator's error and a NaN metric end the
   search, returned as they came, nothing left allocated. */
static void test_failures_propagate(void **unused)
{
	(void)unused;
	for (size_t dim = 1; dim <= 2; dim++)
		for (size_t at = 1; at <= 4; at++)
			for (int rc = -1; rc <= SIM_EVAL_STOPPED; rc += 1 + SIM_EVAL_STOPPED) {
				fake f = dim == 1 ? monopolist() : two_products();
				f.stop_at_call = at;
				f.fail_rc = rc;
				sim_evaluator ev = evaluator_of(&f);
				sim_bounds b[2] = { { 0.5, 20, 1 }, { 0.1, 5, 4 } };
				sim_opt_problem p = problem_of(&ev, b);
				p.grid = at == 1 ? 3 : 0; /* the grid's batch fails too */
				p.confirm = 5;
				sim_opt_result res;
				sim_error err;
				sim_error_clear(&err);
				int got = sim_optimize(&p, &res, &err);
				if (got != rc)
					fail_msg("dim %zu, call %zu: got %d (%s), expected %d",
						 dim, at, got, err.message, rc);
				assert_int_equal(f.calls, at); /* nothing asked after */
				assert_null(res.x);
				assert_null(res.steps);
				if (rc == -1)
					assert_non_null(strstr(err.message, "replication"));
			}
	fake f = monopolist();
	f.nan_metric = true;
	sim_evaluator ev = evaluator_of(&f);
	sim_bounds b = { 0.5, 20, 1 };
	sim_opt_problem p = problem_of(&ev, &b);
	sim_opt_result res;
	sim_error err;
	assert_int_equal(sim_optimize(&p, &res, &err), -1);
	assert_non_null(strstr(err.message, "NaN"));
	assert_non_null(strstr(err.message, "(0.5)"));
}

/* Runs p, which must be refused as a configuration error naming `what`. */
static void expect_refused(const sim_opt_problem *p, const char *what)
{
	sim_opt_result res;
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(sim_optimize(p, &res, &err), -1);
	assert_int_equal(err.kind, SIM_ERROR_CONFIG);
	if (!strstr(err.message, what))
		fail_msg("message \"%s\" does not say \"%s\"", err.message, what);
	assert_null(res.x);
}

/* Ensure problems that make no sense are refused before anything runs. */
static void test_bad_problems(void **unused)
{
	(void)unused;
	fake f = monopolist();
	sim_evaluator ev = evaluator_of(&f);
	sim_bounds b = { 0.5, 20, 1 };
	sim_opt_problem good = problem_of(&ev, &b), p;
	sim_bounds bad[] = { { 3, 3, 3 }, { 5, 1, 2 }, { NAN, 1, 0 }, { 0, INFINITY, 1 } };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		p = good;
		p.bounds = &bad[i];
		expect_refused(&p, "lo < hi");
	}
	sim_bounds outside = { 0.5, 20, 21 };
	p = good, p.bounds = &outside;
	expect_refused(&p, "start in [0.5, 20]");
	p = good, p.metric = 2;
	expect_refused(&p, "metric index below 2");
	p = good, p.replications = 0;
	expect_refused(&p, "at least 1 replication");
	p = good, p.tolerance = 0;
	expect_refused(&p, "tolerance");
	p = good, p.max_evaluations = 2;
	expect_refused(&p, "max_evaluations of at least 3");
	p = good, p.grid = 2000000;
	expect_refused(&p, "grid of at most");
	p = good, p.ev = NULL;
	expect_refused(&p, "evaluator");
	assert_int_equal(f.calls, 0);
}

int main(void)
{
	gsl_set_error_handler_off(); /* as the program does: errors come back as codes */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_monopolist_brent),
		cmocka_unit_test(test_minimize),
		cmocka_unit_test(test_two_products_nelder_mead),
		cmocka_unit_test(test_on_bound),
		cmocka_unit_test(test_confirm_interval),
		cmocka_unit_test(test_max_evaluations),
		cmocka_unit_test(test_failures_propagate),
		cmocka_unit_test(test_bad_problems),
	};
	return cmocka_run_group_tests_name("optimizer", tests, NULL, NULL);
}
