/*
 * test_market.h - a market built in the test's own process, for the
 * suites that check one file of models/market/ through the model's real
 * init and handlers (test_market_demand, _shocks, _metrics, _arrivals):
 * loaded from a tests/data/ fixture with --set overrides, initialised on
 * a fresh engine, run to a day, its state read through market_internal.h.
 * Also the normal quantile the statistical checks share.
 */
#ifndef TEST_MARKET_H
#define TEST_MARKET_H

#include <gsl/gsl_cdf.h>

#include "market_internal.h"
#include "mkt_market.h"
#include "run/experiment.h"

/* Chance that a correct model fails one test's statistical checks. */
#define FALSE_ALARM 1e-4

/* The normal quantile for `checks` two-sided checks sharing FALSE_ALARM. */
static inline double z_for(int checks)
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
static inline void market_open(market *m, const char *fixture, const char *const *set,
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
	sim_run_context ctx = { (uint64_t)sim_experiment_settings(m->x)->seed, rep, "test", true };
	if (mkt_market_model.init(&m->state, m->eng, m->p, &ctx, &err) != 0)
		fail_msg("%s: init: %s", path, err.message);
	m->s = m->state;
}

/* Runs every event earlier than `until`. */
static inline void market_run(market *m, double until)
{
	sim_error err;
	if (sim_engine_run(m->eng, until, &err) != 0)
		fail_msg("run to %g: %s", until, err.message);
}

static inline void market_close(market *m)
{
	mkt_market_model.destroy(m->state);
	sim_engine_free(m->eng);
	sim_experiment_free(m->x);
}

static inline size_t model_index(const market *m, const char *id)
{
	long i = sim_map_find(&m->p->models, id);
	if (i < 0)
		fail_msg("no model %s", id);
	return (size_t)i;
}

#endif
