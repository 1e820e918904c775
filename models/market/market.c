/* market.c - the market model's wiring: state, handlers and the model
   type the program registers (see mkt_market.h, docs/MODEL.md). */
#include "market_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Random streams of a replication, by purpose, so that changing how one
   part draws leaves the others' draws alone. The values are the streams'
   ids, keyed into the generator with (seed, replication): spelt out, since
   renumbering them would change every result. */
enum { STREAM_ARRIVALS = 0, STREAM_USAGE = 1, STREAM_CHOICE = 2, STREAM_MOMENTS = 3,
       STREAMS };

/* Rounds of re-choosing at the start: five bring the initial shares within
   a few percent of their fixed point in the baseline. */
#define WARM_START_ROUNDS 5

typedef struct mkt_owned {
	mkt_state s; /* first: the callbacks (and the tests) take the state as an mkt_state */
	sim_rng rng[STREAMS];
} mkt_owned;

static void market_destroy(void *state)
{
	mkt_owned *o = state;
	if (!o)
		return;
	mkt_state *s = &o->s;
	for (int i = 0; i < STREAMS; i++)
		sim_rng_close(&o->rng[i]);
	for (size_t k = 0; s->segments && k < s->segment_count; k++) {
		mkt_segment_state *seg = &s->segments[k];
		free(seg->shifts);
		free(seg->banned);
		free(seg->penalty);
		free(seg->pull);
		free(seg->paid);
		free(seg->spend_unit);
		free(seg->intensity);
		free(seg->load);
		free(seg->fallback_load);
		free(seg->refused_load);
		free(seg->converted_load);
		free(seg->members);
	}
	free(s->segments);
	free(s->models);
	free(s->origin_names);
	free(s->provider_names);
	sim_categorical_free(s->segment_pick);
	free(s->agents);
	free(s->choice_weights);
	free(s->rows);
	free(s->demand);
	free(s->fallback);
	free(s->refused);
	free(s->rerouted);
	free(s->converted_share);
	free(s->shock_order);
	free(s->shock_hit);
	free(s->ban_hit);
	mkt_hosts_free(s);
	free(o);
}

/* Index of name in names[0, *count), appended when new. */
static int intern(const char **names, size_t *count, const char *name)
{
	for (size_t i = 0; i < *count; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	names[*count] = name;
	return (int)(*count)++;
}

static double day_of(const mkt_market_params *p, const char *date)
{
	long d = 0;
	if (date && date[0])
		mkt_days_between(p->start_date, date, &d);
	return (double)d;
}

static int init_models(mkt_state *s, const sim_rng *moments)
{
	const mkt_market_params *p = s->p;
	const mkt_model_params *mp = p->models.items;
	size_t n = s->model_count;
	s->models = calloc(n, sizeof *s->models);
	s->origin_names = calloc(n, sizeof *s->origin_names);
	/* Model providers first, then those only hosting (hosts.c). */
	s->provider_names = calloc(n + mkt_hosts_count(p), sizeof *s->provider_names);
	if (!s->models || !s->origin_names || !s->provider_names)
		return -1;
	for (size_t i = 0; i < n; i++) {
		mkt_model_state *m = &s->models[i];
		m->p = &mp[i];
		m->price_in = mp[i].price_in;
		m->price_out = mp[i].price_out;
		m->cost = mp[i].cost;
		m->free_limit = mp[i].free_limit;
		m->launch_day = day_of(p, mp[i].launch);
		m->launched = mp[i].launch && mp[i].launch[0];
		m->outage_until = -1;
		m->latency = mp[i].latency;
		m->origin = intern(s->origin_names, &s->origin_count, mp[i].origin);
		m->provider = intern(s->provider_names, &s->provider_count, mp[i].provider);
		const mkt_quality_shift *pq = p->provider_quality.items;
		for (size_t r = 0; r < p->provider_quality.count; r++)
			if (strcmp(pq[r].subject, mp[i].provider) == 0)
				m->quality_shift = pq[r].shift;
		mkt_task_moments_of(&p->workload, mp[i].competency, moments, &m->chat,
				    &m->agentic);
	}
	return 0;
}

static int init_segments(mkt_state *s, sim_error *err)
{
	const mkt_market_params *p = s->p;
	const mkt_segment_params *sp = p->segments.items;
	size_t n = s->model_count, o = s->origin_count;
	double shares[256];
	s->segments = calloc(s->segment_count, sizeof *s->segments);
	if (!s->segments)
		return -1;
	for (size_t k = 0; k < s->segment_count; k++) {
		mkt_segment_state *seg = &s->segments[k];
		seg->p = &sp[k];
		seg->growth_per_day = sp[k].app_growth / 365.0;
		seg->stay = exp(sp[k].inertia / p->mu);
		seg->midpoint_day = day_of(p, sp[k].agentic_midpoint);
		seg->shifts = calloc(p->events.count + 1, sizeof *seg->shifts);
		seg->banned = calloc(o, sizeof *seg->banned);
		seg->penalty = calloc(o, sizeof *seg->penalty);
		seg->pull = calloc(n, sizeof *seg->pull);
		seg->paid = calloc(n, sizeof *seg->paid);
		seg->spend_unit = calloc(n, sizeof *seg->spend_unit);
		seg->intensity = calloc(n, sizeof *seg->intensity);
		seg->load = calloc(n, sizeof *seg->load);
		seg->fallback_load = calloc(n, sizeof *seg->fallback_load);
		seg->refused_load = calloc(n, sizeof *seg->refused_load);
		seg->converted_load = calloc(n, sizeof *seg->converted_load);
		seg->members = calloc(n, sizeof *seg->members);
		if (!seg->shifts || !seg->banned || !seg->penalty || !seg->pull || !seg->paid ||
		    !seg->spend_unit || !seg->intensity || !seg->load || !seg->fallback_load ||
		    !seg->refused_load || !seg->converted_load || !seg->members)
			return -1;
		const mkt_origin_rule *rules = sp[k].origins.items;
		for (size_t r = 0; r < sp[k].origins.count; r++)
			for (size_t j = 0; j < o; j++)
				if (strcmp(s->origin_names[j], rules[r].origin) == 0) {
					seg->penalty[j] = rules[r].penalty;
					seg->banned[j] = rules[r].banned;
				}
		/* An origin's quality shift enters the utility as beta_quality
		   x shift, which the origin's penalty term carries. */
		const mkt_quality_shift *oq = p->origin_quality.items;
		for (size_t r = 0; r < p->origin_quality.count; r++)
			for (size_t j = 0; j < o; j++)
				if (strcmp(s->origin_names[j], oq[r].subject) == 0)
					seg->penalty[j] -= sp[k].beta_quality * oq[r].shift;
		shares[k] = sp[k].share;
	}
	s->segment_pick = sim_categorical_new(shares, s->segment_count, err);
	return s->segment_pick ? 0 : -1;
}

static int market_init(void **state, sim_engine *eng, const void *params,
		       const sim_run_context *ctx, sim_error *err)
{
	const mkt_market_params *p = params;
	mkt_owned *o = calloc(1, sizeof *o);
	*state = o;
	if (!o)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	mkt_state *s = &o->s;
	s->p = p;
	s->eng = eng;
	s->check = ctx->check_invariants;
	s->model_count = p->models.count;
	s->segment_count = p->segments.count;
	for (int i = 0; i < STREAMS; i++)
		if (sim_rng_init(&o->rng[i], ctx->seed, ctx->replication, (uint64_t)i, err) != 0)
			return -1;
	s->arrival_rng = &o->rng[STREAM_ARRIVALS];
	s->usage_rng = &o->rng[STREAM_USAGE];
	s->choice_rng = &o->rng[STREAM_CHOICE];
	s->weeks = (size_t)(p->days + 6) / 7;
	size_t n = s->model_count;
	s->rows = calloc(s->weeks * n, sizeof *s->rows);
	s->choice_weights = calloc(2 * n, sizeof *s->choice_weights); /* with and without credits */
	s->demand = calloc(n * s->segment_count, sizeof *s->demand);
	s->fallback = calloc(n, sizeof *s->fallback);
	s->refused = calloc(n, sizeof *s->refused);
	s->rerouted = calloc(n, sizeof *s->rerouted);
	s->converted_share = calloc(n, sizeof *s->converted_share);
	if (!s->rows || !s->choice_weights || !s->demand || !s->fallback || !s->refused ||
	    !s->rerouted || !s->converted_share ||
	    init_models(s, &o->rng[STREAM_MOMENTS]) != 0 || mkt_hosts_init(s) != 0 ||
	    init_segments(s, err) != 0) {
		market_destroy(o);
		*state = NULL;
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	}

	s->on_day = sim_engine_add_handler(eng, "market.day", mkt_on_day, s);
	s->on_agent = sim_engine_add_handler(eng, "market.agent", mkt_on_agent, s);
	s->on_arrival = sim_engine_add_handler(eng, "market.arrival", mkt_on_arrival, s);
	s->on_shock = sim_engine_add_handler(eng, "market.shock", mkt_on_shock, s);
	/* Ticks first: at equal times events run first-in first-out, so the
	   tick that closes a day runs before a shock dated the next day. */
	for (int64_t d = 1; d <= p->days; d++)
		sim_schedule(eng, (double)d, s->on_day, 0);
	if (mkt_schedule_shocks(s) != 0)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	mkt_hosts_reprice(s, 0); /* launches are known: the prices of day 0 */
	mkt_refresh_pulls(s, 0);

	uint64_t initial = (uint64_t)llround(p->arrivals.initial / p->scale);
	for (uint64_t i = 0; i < initial; i++)
		if (mkt_agent_add(s, 0, err) != 0)
			return -1;
	mkt_warm_start(s, WARM_START_ROUNDS);
	/* Those already on the platform are not this week's newcomers, nor
	   are the credits they hold and the models they moved between while
	   settling this week's funnel. */
	for (size_t i = 0; i < n; i++) {
		s->rows[i].new_devs = 0;
		s->rows[i].credit_buyers = 0;
		s->rows[i].conversions = 0;
		s->rows[i].conversions_away = 0;
	}
	s->bass = (mkt_bass){
		.p = p->arrivals.p / 365.0,
		.q = p->arrivals.q / 365.0,
		.potential = (uint64_t)llround(p->arrivals.potential / p->scale),
		.adopted = initial,
	};
	mkt_schedule_arrival(s, 0);
	return 0;
}

static double market_horizon(const void *params)
{
	/* The tick at time `days` closes the last day; events at the end time
	   itself would not run. */
	return (double)((const mkt_market_params *)params)->days + 0.5;
}

static void market_summarize(const void *state, const sim_engine *eng, FILE *f)
{
	const mkt_state *s = state;
	(void)eng;
	fprintf(f, "agents_joined = %zu\n", s->agent_count);
	fprintf(f, "agents_active_at_end = %zu\n", s->alive);
	fprintf(f, "agent_days = %.0f\n", s->agent_days);
}

const sim_model_type mkt_market_model = {
	.name = "market",
	.summary = "developers choosing among AI-model APIs on a router",
	.schema = &mkt_market_schema,
	.init = market_init,
	.horizon = market_horizon,
	.estimate = mkt_estimate,
	.record = mkt_record,
	.write_tables = mkt_write_tables,
	.validate = mkt_validate,
	.summarize = market_summarize,
	.destroy = market_destroy,
};
