/* demand.c - developer agents: joining, choosing a model (and a fallback
   model beyond a free quota) from their segment's pulls (choice.c),
   buying credits, reviewing, leaving. Each agent's tasks are not simulated one by one: its
   rate is added to its segment's load on its models, and metrics.c draws
   each day's tasks from the loads. */
#include "market_internal.h"

#include <math.h>
#include <stdlib.h>

/* The agent's zero-price tasks per day at time t. */
static double agent_rate(const mkt_state *s, const mkt_agent *a, double t)
{
	return a->weight * exp(s->segments[a->segment].growth_per_day * t);
}

/* Requests a day the agent would send to model m at time t, at the
   tasks m's price leaves it. */
static double requests_per_day(const mkt_state *s, const mkt_agent *a, size_t m, double t)
{
	const mkt_model_state *ms = &s->models[m];
	const mkt_segment_state *seg = &s->segments[a->segment];
	double share = mkt_agentic_share(seg, t);
	double per_task = (1 - share) * ms->chat.requests + share * ms->agentic.requests;
	return agent_rate(s, a, t) * seg->intensity[m] * per_task;
}

/* Share of the agent's requests to free model m that its daily quota
   (credited or not) refuses at time t, when m gets `share` of its tasks. */
static double quota_refusal_at(const mkt_state *s, const mkt_agent *a, size_t m, double t,
			       bool credited, double share)
{
	double wanted = requests_per_day(s, a, m, t) * share;
	double quota = mkt_free_quota(s, &s->models[m], credited);
	return wanted > quota ? 1.0 - quota / wanted : 0.0;
}

/* The same when m gets all its tasks. */
static double quota_refusal(const mkt_state *s, const mkt_agent *a, size_t m, double t,
			    bool credited)
{
	return quota_refusal_at(s, a, m, t, credited, 1.0);
}

/* What an agent's draw picked: a model, and whether it buys credits to
   use it (a paid model, or a free one with the larger quota). */
typedef struct agent_pick {
	size_t model; /* MKT_NONE: no model open to it */
	bool buys;
} agent_pick;

/* Nested logit by origin (docs/MODEL.md, "Nests by origin"): the weights
   w of the k options (option j is model j % model_count) become
   w_j S_g^(lambda - 1), S_g the sum of the weights of nest g, the option's
   model's origin, so that a nest is chosen with odds S_g^lambda and an
   option within it with odds w_j. Returns the new total, sum_g S_g^lambda. */
static double nest_by_origin(const mkt_state *s, double *w, size_t k, double lambda)
{
	double nest[256] = { 0 }, total = 0;
	for (size_t j = 0; j < k; j++)
		nest[s->models[j % s->model_count].origin] += w[j];
	for (size_t g = 0; g < s->origin_count; g++)
		if (nest[g] > 0) {
			double scale = pow(nest[g], lambda - 1);
			total += nest[g] * scale;
			nest[g] = scale;
		}
	for (size_t j = 0; j < k; j++)
		w[j] *= nest[s->models[j % s->model_count].origin];
	return total;
}

/* Draws the agent's model at time t from its segment's pulls (choice.c),
   with its own terms: its usage in a paid model's spend, the share of its
   requests a free model's quota would refuse (felt as errors), the credit
   barrier for options that need credits it lacks, inertia towards its
   current primary. An agent without credits weighs each free model twice,
   as it is and with credits bought. paid_only leaves out free models,
   exclude one model (the free primary when drawing its fallback). */
static agent_pick agent_choose(const mkt_state *s, const mkt_agent *a, double t,
			       bool paid_only, size_t exclude)
{
	const mkt_segment_state *seg = &s->segments[a->segment];
	const mkt_segment_params *sp = seg->p;
	double mu = s->p->mu, rate = agent_rate(s, a, t);
	/* -beta_price ln(rate x spend_unit): the spend_unit part is in the pull. */
	double paid_factor = pow(rate, -sp->beta_price / mu);
	double barrier = a->credited ? 1.0 : exp(-sp->credit_barrier / mu);
	size_t n = s->model_count;
	double *w = s->choice_weights; /* [0, n): as the agent is; [n, 2n): buying credits */
	double total = 0;
	for (size_t i = 0; i < n; i++) {
		double x = seg->pull[i], with_credit = 0;
		if (i == a->primary)
			x *= seg->stay;
		if (i == exclude || !(x > 0) || (paid_only && !seg->paid[i])) {
			x = 0;
		} else if (seg->paid[i]) {
			x *= paid_factor * barrier;
		} else {
			double pull = x;
			x = pull * exp(-sp->beta_errors * quota_refusal(s, a, i, t, a->credited) / mu);
			if (!a->credited)
				with_credit = pull * barrier *
					      exp(-sp->beta_errors * quota_refusal(s, a, i, t, true) / mu);
		}
		w[i] = x;
		w[n + i] = with_credit;
		total += x + with_credit;
	}
	if (!(total > 0))
		return (agent_pick){ MKT_NONE, false };
	if (s->p->origin_nesting < 1)
		total = nest_by_origin(s, w, 2 * n, s->p->origin_nesting);
	double u = sim_rng_uniform(s->choice_rng) * total;
	size_t last = 2 * n;
	for (size_t j = 0; j < 2 * n; j++) {
		if (w[j] <= 0)
			continue;
		last = j;
		if (u < w[j])
			break;
		u -= w[j];
	}
	/* Rounding may leave u just past the end: the last option then. */
	size_t i = last % n;
	return (agent_pick){ i, !a->credited && (last >= n || seg->paid[i]) };
}

/* The provider of the agent's first free model, or -1. */
static int first_free_provider(const mkt_state *s, const mkt_agent *a)
{
	return a->first_free == MKT_NONE ? -1 : s->models[a->first_free].provider;
}

/* Moves the agent's load on and off its models' totals (sign +1 or -1). */
static void apply_load(mkt_state *s, const mkt_agent *a, double sign)
{
	mkt_segment_state *seg = &s->segments[a->segment];
	if (a->primary == MKT_NONE)
		return;
	int starter = first_free_provider(s, a);
	uint8_t used[2] = { a->primary, a->secondary };
	double rest = a->weight * (1.0 - a->primary_frac), refused = 0;
	double part[2] = { a->weight * a->primary_frac, rest };
	if (a->kept && !(a->fallback && a->credited) &&
	    a->primary_frac < (float)(1.0 - s->p->multihoming)) {
		/* The kept model serves its share; a free primary's overflow
		   beyond the quota (primary_frac below the primary's own
		   share, as choose() stores it) has no fallback to go to. */
		part[1] = a->weight * s->p->multihoming;
		refused = rest - part[1];
	} else if (a->secondary == MKT_NONE) {
		refused = rest;
	}
	for (int j = 0; j < 2; j++) {
		if (used[j] == MKT_NONE)
			continue;
		seg->load[used[j]] += sign * part[j];
		if (a->fallback && a->credited)
			seg->fallback_load[used[j]] += sign * part[j];
		if (s->models[used[j]].provider == starter)
			seg->converted_load[used[j]] += sign * part[j];
	}
	if (refused > 0)
		seg->refused_load[a->primary] += sign * refused;
	seg->members[a->primary] += sign > 0 ? 1 : (uint64_t)-1;
}

/* The week row of model m at time t. */
static mkt_week_row *row_at(mkt_state *s, double t, size_t m)
{
	size_t week = (size_t)(t / 7.0);
	if (week >= s->weeks)
		week = s->weeks - 1;
	return &s->rows[week * s->model_count + m];
}

/* Books the funnel's steps of the agent's move from `before` to `after`
   at time t: credits bought (on the model it was on, or chose), the first
   free model it used, its first paid model after one (a conversion,
   booked on the free model it started on). */
static void book_funnel(mkt_state *s, const mkt_agent *before, mkt_agent *after, double t,
			bool bought)
{
	double scale = s->p->scale;
	const mkt_segment_state *seg = &s->segments[after->segment];
	size_t now = after->primary;
	if (bought) {
		size_t source = before->primary != MKT_NONE ? before->primary : now;
		row_at(s, t, source)->credit_buyers += scale;
	}
	if (now == MKT_NONE)
		return;
	if (!seg->paid[now] && after->first_free == MKT_NONE)
		after->first_free = (uint8_t)now;
	if (seg->paid[now] && after->first_free != MKT_NONE && !after->converted) {
		after->converted = 1;
		mkt_week_row *r = row_at(s, t, after->first_free);
		r->conversions += scale;
		if (s->models[now].provider != s->models[after->first_free].provider)
			r->conversions_away += scale;
	}
}

/* The paid model the agent keeps beside `pick` (multi-homing): the one it
   leaves when it switches, the one it kept when it stays; MKT_NONE when
   multihoming is 0 or that model is free, gone or `pick` itself. */
static size_t kept_model(const mkt_state *s, const mkt_agent *a, size_t pick, double t)
{
	const mkt_segment_state *seg = &s->segments[a->segment];
	if (!(s->p->multihoming > 0) || pick == MKT_NONE || a->primary == MKT_NONE)
		return MKT_NONE;
	size_t keep = pick != a->primary ? a->primary : a->kept ? a->secondary : MKT_NONE;
	if (keep == MKT_NONE || keep == pick || !seg->paid[keep] ||
	    !mkt_available(&s->models[keep], t) || seg->banned[s->models[keep].origin])
		return MKT_NONE;
	return keep;
}

/* Chooses the agent's models afresh at time t and books the change. */
static void choose(mkt_state *s, mkt_agent *a, double t)
{
	const mkt_segment_state *seg = &s->segments[a->segment];
	size_t before = a->primary;
	agent_pick pick = agent_choose(s, a, t, false, MKT_NONE);
	mkt_agent next = *a;
	next.primary = (uint8_t)pick.model;
	next.secondary = MKT_NONE;
	next.primary_frac = 1.0f;
	next.kept = 0;
	next.credited |= pick.buys;
	size_t keep = kept_model(s, a, pick.model, t);
	double own = 1.0;
	if (keep != MKT_NONE) {
		next.secondary = (uint8_t)keep;
		next.kept = 1;
		own = 1.0 - s->p->multihoming;
		next.primary_frac = (float)own;
	}
	if (pick.model != MKT_NONE && !seg->paid[pick.model]) {
		double refused = quota_refusal_at(s, &next, pick.model, t, next.credited, own);
		if (refused > 0) {
			/* The daily free quota is per account across free models
			   (OpenRouter), and what is over it gets HTTP 429. A
			   developer with fallback models and credits sends it to
			   a paid one (its kept model, if it has one); the others
			   lose it. */
			next.primary_frac = (float)(own * (1.0 - refused));
			if (next.fallback && next.credited && !next.kept)
				next.secondary = (uint8_t)agent_choose(s, &next, t, true,
								       pick.model).model;
		}
	}
	apply_load(s, a, -1);
	book_funnel(s, a, &next, t, pick.buys);
	*a = next;
	apply_load(s, a, +1);
	if (pick.model == before || pick.model == MKT_NONE)
		return;
	row_at(s, t, pick.model)->new_devs += s->p->scale;
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
	/* Whether it configures fallback models is drawn once, as it sets
	   up its app. */
	bool fallback = sim_rng_uniform(s->choice_rng) < seg->p->fallback_share;
	*a = (mkt_agent){
		.weight = (float)(tasks * exp(-seg->growth_per_day * t)),
		.primary_frac = 1.0f,
		.segment = (uint8_t)k,
		.primary = MKT_NONE,
		.secondary = MKT_NONE,
		.alive = 1,
		.fallback = fallback,
		.draws = 1,
		.first_free = MKT_NONE,
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

void mkt_rechoose_hit(mkt_state *s, double t)
{
	for (size_t i = 0; i < s->agent_count; i++) {
		mkt_agent *a = &s->agents[i];
		if (!a->alive)
			continue;
		/* The draws are keyed by the first hit model the developer uses
		   (MKT_NONE when only a ban hits it), as one event alone would
		   key them: a day with a single event replays as before. */
		size_t key = MKT_NONE;
		bool hit = false;
		uint8_t used[2] = { a->primary, a->secondary };
		for (int j = 0; j < 2 && key == MKT_NONE; j++) {
			if (used[j] == MKT_NONE)
				continue;
			if (s->shock_hit[used[j]]) {
				key = used[j];
				hit = true;
			}
			hit |= s->ban_hit[a->segment * s->origin_count +
					  (size_t)s->models[used[j]].origin];
		}
		if (hit) {
			forced_draws(s, i, t, key);
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
