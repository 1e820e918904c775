/* phold.c - the PHOLD benchmark model (see phold.h). */
#include "phold.h"

#include <math.h>
#include <stdlib.h>

#include "sim_rng.h"

static const sim_setting phold_settings[] = {
	SIM_INT("lps", phold_params, lps, "1024", 1, 268435455,
		"Number of logical processes (ROSS --nlp)"),
	SIM_INT("start_events", phold_params, start_events, "1", 1, 1000000,
		"Events each LP starts with (ROSS --start-events)"),
	SIM_FLOAT("remote", phold_params, remote, "0.25", 0, 1,
		  "Probability that an event's successor goes to a uniformly drawn LP "
		  "rather than the same one (ROSS --remote)"),
	SIM_FLOAT("lookahead", phold_params, lookahead, "0.1", 0, INFINITY,
		  "Minimum timestamp increment, days (ROSS --lookahead)"),
	SIM_FLOAT_ABOVE("mean", phold_params, mean, "1.0", 0, INFINITY,
			"Mean timestamp increment, lookahead included, days; must "
			"exceed lookahead (ROSS --mean)"),
	SIM_FLOAT_ABOVE("end_time", phold_params, end_time, "100.0", 0, INFINITY,
			"Simulated time at which the run stops, days (ROSS --end)"),
	SIM_BOOL("lp_table", phold_params, lp_table, "true",
		 "Write phold_lps.csv, one row of counts per LP"),
};

/* The most an exponential draw can be, in means: GSL draws -mean
   log(1 - u) with u < 1 a multiple of 2^-32 (taus2) or at worst 2^-53,
   hence at most 36.8 means. */
#define PHOLD_TAIL 40.0

/* The increment is lookahead + Exp(mean - lookahead): a zero-mean
   exponential is undefined, so mean must exceed lookahead. Every event
   time, end_time plus an increment at most, must be a finite double (the
   engine refuses an event at infinity). */
static int check_phold(const void *params, const sim_config *cfg,
		       const char *path, sim_error *err)
{
	const phold_params *p = params;
	char where[128];
	snprintf(where, sizeof where, "%s%smean", path, path[0] ? "." : "");
	if (!(p->mean > p->lookahead))
		return sim_config_error_at(cfg, where, err,
					   "expected a number > lookahead (%g), found %g",
					   p->lookahead, p->mean);
	double latest = p->end_time + p->lookahead + PHOLD_TAIL * (p->mean - p->lookahead);
	if (!isfinite(latest))
		return sim_config_error_at(cfg, where, err,
					   "expected event times to stay finite: end_time + "
					   "lookahead + %g x (mean - lookahead), the latest an "
					   "event can be scheduled for, overflows a double "
					   "(end_time %g, lookahead %g, mean %g)", PHOLD_TAIL,
					   p->end_time, p->lookahead, p->mean);
	return 0;
}

static const sim_schema phold_schema =
	SIM_SCHEMA("phold", phold_settings, phold_params, check_phold);

typedef struct lp_counts {
	uint64_t processed;
	uint64_t remote_sent; /* successors sent to another LP */
} lp_counts;

typedef struct phold_state {
	phold_params p;
	double exp_mean; /* mean - lookahead */
	sim_handler arrive;
	sim_rng *rng;    /* one stream per LP */
	lp_counts *lp;
} phold_state;

static double increment(const phold_state *s, const sim_rng *rng)
{
	return s->p.lookahead + sim_rng_exponential(rng, s->exp_mean);
}

static void on_arrive(sim_engine *eng, void *ctx, const sim_event *ev)
{
	phold_state *s = ctx;
	uint64_t lp = ev->target;
	const sim_rng *rng = &s->rng[lp];
	uint64_t dest = lp;
	if (sim_rng_uniform(rng) < s->p.remote)
		dest = sim_rng_uniform_int(rng, (uint64_t)s->p.lps);
	s->lp[lp].processed++;
	s->lp[lp].remote_sent += dest != lp;
	sim_schedule_in(eng, increment(s, rng), s->arrive, dest);
}

static void phold_destroy(void *state)
{
	phold_state *s = state;
	if (!s)
		return;
	if (s->rng)
		for (int64_t i = 0; i < s->p.lps; i++)
			sim_rng_close(&s->rng[i]);
	free(s->rng);
	free(s->lp);
	free(s);
}

static int phold_init(void **state, sim_engine *eng, const void *params,
		      const sim_run_context *ctx, sim_error *err)
{
	const phold_params *p = params;
	phold_state *s = calloc(1, sizeof *s);
	if (!s)
		goto oom;
	s->p = *p;
	s->exp_mean = p->mean - p->lookahead;
	size_t n = (size_t)p->lps;
	s->rng = calloc(n, sizeof *s->rng);
	s->lp = calloc(n, sizeof *s->lp);
	if (!s->rng || !s->lp)
		goto oom;
	s->arrive = sim_engine_add_handler(eng, "phold.arrive", on_arrive, s);
	for (size_t i = 0; i < n; i++) {
		if (sim_rng_init(&s->rng[i], ctx->seed, ctx->replication, i, err) != 0)
			goto fail;
		for (int64_t k = 0; k < p->start_events; k++)
			sim_schedule(eng, increment(s, &s->rng[i]), s->arrive, i);
	}
	*state = s;
	return 0;
oom:
	sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
		      "out of memory allocating %lld LPs", (long long)p->lps);
fail:
	phold_destroy(s);
	return -1;
}

/* Bytes per LP besides its events: its random stream (the handle and
   GSL's taus2 generator, two allocations) and its counts. */
#define LP_BYTES (sizeof(sim_rng) + sizeof(lp_counts) + 96)

/* Memory: lps x start_events pending events throughout (each event
   schedules exactly one successor) and the LPs' state. Work: every
   pending event fires about end_time / mean times. */
static void phold_estimate(const void *params, sim_resource_estimate *out)
{
	const phold_params *p = params;
	double lps = (double)p->lps, pending = lps * (double)p->start_events;
	*out = (sim_resource_estimate){ 0 };
	out->bytes = pending * SIM_EVENT_BYTES + lps * (double)LP_BYTES;
	snprintf(out->memory_setting, sizeof out->memory_setting, "%s",
		 p->start_events > p->lps ? "start_events" : "lps");
	snprintf(out->memory, sizeof out->memory,
		 "PHOLD would hold about %.1e pending events (lps %lld x start_events %lld, "
		 "%d bytes each) and %lld LPs (%zu bytes each): %.1e bytes", pending,
		 (long long)p->lps, (long long)p->start_events, SIM_EVENT_BYTES,
		 (long long)p->lps, LP_BYTES, out->bytes);
	out->events = pending * p->end_time / p->mean;
	snprintf(out->events_setting, sizeof out->events_setting, "end_time");
	snprintf(out->work, sizeof out->work,
		 "about %.1e events (lps x start_events x end_time / mean = %lld x %lld x "
		 "%g / %g)", out->events, (long long)p->lps, (long long)p->start_events,
		 p->end_time, p->mean);
}

static double phold_horizon(const void *params)
{
	return ((const phold_params *)params)->end_time;
}

static uint64_t total_remote(const phold_state *s)
{
	uint64_t sum = 0;
	for (int64_t i = 0; i < s->p.lps; i++)
		sum += s->lp[i].remote_sent;
	return sum;
}

static int phold_write_results(const void *state, const sim_engine *eng,
			       sim_results *out, sim_error *err)
{
	const phold_state *s = state;
	sim_engine_stats st = sim_engine_get_stats(eng);
	FILE *f = sim_results_create(out, "phold_summary.csv", err);
	if (!f)
		return -1;
	fprintf(f, "metric,value\n");
	fprintf(f, "lps,%lld\n", (long long)s->p.lps);
	fprintf(f, "start_events,%lld\n", (long long)s->p.start_events);
	fprintf(f, "end_time,%.17g\n", s->p.end_time);
	fprintf(f, "events_scheduled,%llu\n", (unsigned long long)st.scheduled);
	fprintf(f, "events_processed,%llu\n", (unsigned long long)st.executed);
	fprintf(f, "events_pending_at_end,%llu\n", (unsigned long long)st.pending);
	fprintf(f, "remote_sent,%llu\n", (unsigned long long)total_remote(s));
	fprintf(f, "final_time,%.17g\n", sim_now(eng));
	if (sim_results_close_file(out, f, err) != 0)
		return -1;
	if (!s->p.lp_table)
		return 0;
	f = sim_results_create(out, "phold_lps.csv", err);
	if (!f)
		return -1;
	fprintf(f, "lp,events_processed,remote_sent\n");
	for (int64_t i = 0; i < s->p.lps; i++)
		fprintf(f, "%lld,%llu,%llu\n", (long long)i,
			(unsigned long long)s->lp[i].processed,
			(unsigned long long)s->lp[i].remote_sent);
	return sim_results_close_file(out, f, err);
}

static void phold_summarize(const void *state, const sim_engine *eng, FILE *f)
{
	const phold_state *s = state;
	sim_engine_stats st = sim_engine_get_stats(eng);
	fprintf(f, "events_scheduled = %llu\n", (unsigned long long)st.scheduled);
	fprintf(f, "events_pending_at_end = %llu\n", (unsigned long long)st.pending);
	fprintf(f, "peak_pending_events = %zu\n", st.peak_pending);
	fprintf(f, "phold_remote_sent = %llu\n", (unsigned long long)total_remote(s));
}

const sim_model_type phold_model = {
	.name = "phold",
	.summary = "PHOLD, the standard discrete-event engine benchmark",
	.schema = &phold_schema,
	.init = phold_init,
	.horizon = phold_horizon,
	.estimate = phold_estimate,
	.write_results = phold_write_results,
	.summarize = phold_summarize,
	.destroy = phold_destroy,
};
