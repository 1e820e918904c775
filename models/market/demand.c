/* demand.c - developer agents: joining, choosing a model (and an overflow
   model beyond a free limit) from their segment's pulls (choice.c),
   reviewing, leaving. Each agent's tasks are not simulated one by one: its
   rate is added to its segment's load on its models, and metrics.c draws
   each day's tasks from the loads. */
#include "market_internal.h"

#include <math.h>
#include <stdlib.h>

/* The agent's tasks per day at time t. */
static double agent_rate(const mkt_state *s, const mkt_agent *a, double t)
{
	return a->weight * exp(s->segments[a->segment].growth_per_day * t);
}

/* Draws the agent's model at time t from its segment's pulls (choice.c),
   with its own terms applied: its usage in a paid model's spend, inertia
   towards its current primary. paid_only leaves out free models, exclude
   one model (the free primary when drawing its overflow model). Returns
   MKT_NONE when no model is open to it. */
static size_t agent_choose(const mkt_state *s, const mkt_agent *a, double t,
			   bool paid_only, size_t exclude)
{
	const mkt_segment_state *seg = &s->segments[a->segment];
	double rate = agent_rate(s, a, t);
	/* -beta_price ln(rate x spend_unit): the spend_unit part is in the pull. */
	double paid_factor = pow(rate, -seg->p->beta_price / s->p->mu);
	double *w = s->choice_weights;
	double total = 0;
	for (size_t i = 0; i < s->model_count; i++) {
		double x = seg->pull[i];
		if (seg->paid[i])
			x *= paid_factor;
		else if (paid_only)
			x = 0;
		if (i == a->primary)
			x *= seg->stay;
		if (i == exclude)
			x = 0;
		w[i] = x;
		total += x;
	}
	if (!(total > 0))
		return MKT_NONE;
	double u = sim_rng_uniform(s->choice_rng) * total;
	size_t last = MKT_NONE;
	for (size_t i = 0; i < s->model_count; i++) {
		if (w[i] <= 0)
			continue;
		last = i;
		if (u < w[i])
			return i;
		u -= w[i];
	}
	return last; /* rounding left u just past the end */
}

/* Moves the agent's load on and off its models' totals (sign +1 or -1). */
static void apply_load(mkt_state *s, const mkt_agent *a, double sign)
{
	mkt_segment_state *seg = &s->segments[a->segment];
	if (a->primary == MKT_NONE)
		return;
	double boost = a->boosted ? 1.0 + seg->p->free_usage_boost : 1.0;
	seg->load[a->primary] += sign * a->weight * a->primary_frac * boost;
	seg->members[a->primary] += sign > 0 ? 1 : (uint64_t)-1;
	if (a->secondary != MKT_NONE)
		seg->load[a->secondary] += sign * a->weight * (1.0 - a->primary_frac);
}

/* Requests a day the agent would send to model m at time t. */
static double requests_per_day(const mkt_state *s, const mkt_agent *a, size_t m, double t)
{
	const mkt_model_state *ms = &s->models[m];
	const mkt_segment_state *seg = &s->segments[a->segment];
	double share = mkt_agentic_share(seg, t);
	double per_task = (1 - share) * ms->chat.requests + share * ms->agentic.requests;
	double boost = seg->paid[m] ? 1.0 : 1.0 + seg->p->free_usage_boost;
	return agent_rate(s, a, t) * per_task * boost;
}

/* Chooses the agent's models afresh at time t and books the change. */
static void choose(mkt_state *s, mkt_agent *a, double t)
{
	size_t before = a->primary;
	size_t primary = agent_choose(s, a, t, false, MKT_NONE);
	mkt_agent next = *a;
	next.primary = (uint8_t)primary;
	next.secondary = MKT_NONE;
	next.primary_frac = 1.0f;
	next.boosted = primary != MKT_NONE && !s->segments[a->segment].paid[primary];
	if (primary != MKT_NONE) {
		const mkt_model_state *m = &s->models[primary];
		bool free_model = !s->segments[a->segment].paid[primary];
		double wanted = free_model && m->free_limit > 0 ?
				requests_per_day(s, a, primary, t) : 0;
		if (wanted > (double)m->free_limit && m->free_limit > 0) {
			/* The daily free quota is per account across free models
			   (OpenRouter), so the overflow goes to a paid model; with
			   none open to the developer it is refused (HTTP 429). */
			size_t second = agent_choose(s, &next, t, true, primary);
			next.secondary = (uint8_t)second;
			next.primary_frac = (float)(m->free_limit / wanted);
		}
	}
	/* A developer who was on a free model and now pays converted, whether
	   it moved or its model started charging. */
	bool was_free = a->primary != MKT_NONE && a->boosted;
	apply_load(s, a, -1);
	*a = next;
	apply_load(s, a, +1);
	if (was_free && primary != MKT_NONE && s->segments[a->segment].paid[primary])
		s->free_to_paid += s->p->scale;
	if (primary == before || primary == MKT_NONE)
		return;
	size_t week = (size_t)(t / 7.0);
	if (week >= s->weeks)
		week = s->weeks - 1;
	s->rows[week * s->model_count + primary].new_devs += s->p->scale;
}

/* Points the choice stream at agent `index`'s next sub-stream: what it
   draws at its own events (arriving, each review or departure) then
   depends on no other agent's draws, so common random numbers hold agent
   by agent when a setting changes what some agents choose. */
static void agent_draws(mkt_state *s, size_t index)
{
	sim_rng_restart(s->choice_rng, index, s->agents[index].draws++);
}

/* The sub-stream of a choice that an outside event forces on agent
   `index` at time t (a price change, a launch, an outage of model
   `model`): keyed by the event, not by the agent's count of events, so
   that an experiment with the event and one without keep the agent's own
   events on the same sub-streams (b's top bit keeps the two kinds of key
   apart; the model keeps two events of the same minute apart). */
static void forced_draws(mkt_state *s, size_t index, double t, size_t model)
{
	uint64_t minute = (uint64_t)llround(t * 1440.0);
	sim_rng_restart(s->choice_rng, index,
			(UINT64_C(1) << 63) | (minute << 8) | (model & 0xff));
}

/* The next review or departure of agent `index`, if it has any. */
static void schedule_next(mkt_state *s, size_t index)
{
	const mkt_segment_params *sp = s->segments[s->agents[index].segment].p;
	double rate = (sp->review_days > 0 ? 1.0 / sp->review_days : 0) + sp->churn / 365.0;
	if (rate > 0)
		sim_schedule_in(s->eng, sim_rng_exponential(s->choice_rng, 1.0 / rate),
				s->on_agent, index);
}

int mkt_agent_add(mkt_state *s, double t, sim_error *err)
{
	if (s->agent_count == s->agent_capacity) {
		size_t cap = s->agent_capacity ? 2 * s->agent_capacity : 1024;
		mkt_agent *grown = realloc(s->agents, cap * sizeof *grown);
		if (!grown)
			return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL,
					     "out of memory for %zu developer agents", cap);
		s->agents = grown;
		s->agent_capacity = cap;
	}
	size_t index = s->agent_count;
	s->agents[index].draws = 0;
	agent_draws(s, index);
	size_t k = sim_categorical_draw(s->segment_pick, s->choice_rng);
	const mkt_segment_state *seg = &s->segments[k];
	double tasks = seg->p->tasks_sd > 0 ?
		       sim_rng_lognormal(s->choice_rng, seg->p->tasks_mean, seg->p->tasks_sd) :
		       seg->p->tasks_mean;
	mkt_agent *a = &s->agents[s->agent_count];
	*a = (mkt_agent){
		.weight = (float)(tasks * exp(-seg->growth_per_day * t)),
		.primary_frac = 1.0f,
		.segment = (uint8_t)k,
		.primary = MKT_NONE,
		.secondary = MKT_NONE,
		.alive = 1,
		.draws = 1,
	};
	choose(s, a, t);
	schedule_next(s, s->agent_count);
	s->agent_count++;
	s->alive++;
	return 0;
}

void mkt_agent_rechoose(mkt_state *s, size_t index, double t)
{
	if (s->agents[index].alive) {
		agent_draws(s, index);
		choose(s, &s->agents[index], t);
	}
}

static void agent_leave(mkt_state *s, size_t index)
{
	mkt_agent *a = &s->agents[index];
	apply_load(s, a, -1);
	a->alive = 0;
	a->primary = a->secondary = MKT_NONE;
	s->alive--;
}

/* Re-chooses every agent an event hits: those using `model` (or any model
   of `origin`), limited to `segment` when it is not MKT_NONE. */
void mkt_rechoose_where(mkt_state *s, double t, size_t model, size_t segment,
			size_t origin)
{
	for (size_t i = 0; i < s->agent_count; i++) {
		mkt_agent *a = &s->agents[i];
		if (!a->alive || (segment != MKT_NONE && a->segment != segment))
			continue;
		bool hit = false;
		uint8_t used[2] = { a->primary, a->secondary };
		for (int j = 0; j < 2; j++) {
			if (used[j] == MKT_NONE)
				continue;
			hit |= used[j] == model ||
			       (origin != MKT_NONE && (size_t)s->models[used[j]].origin == origin);
		}
		if (hit) {
			forced_draws(s, i, t, model);
			choose(s, a, t);
		}
	}
}

void mkt_on_agent(sim_engine *eng, void *ctx, const sim_event *ev)
{
	mkt_state *s = ctx;
	size_t index = ev->target;
	mkt_agent *a = &s->agents[index];
	if (!a->alive)
		return;
	const mkt_segment_params *sp = s->segments[a->segment].p;
	double review = sp->review_days > 0 ? 1.0 / sp->review_days : 0;
	double leave = sp->churn / 365.0;
	agent_draws(s, index);
	if (sim_rng_uniform(s->choice_rng) * (review + leave) < leave) {
		agent_leave(s, index);
		return;
	}
	choose(s, a, ev->time);
	(void)eng;
	schedule_next(s, index);
}
