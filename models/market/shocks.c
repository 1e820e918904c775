/* shocks.c - dated events: each is an engine event at the start of its
   day (after the previous day has been accounted), changes the model or
   segment it names, and makes the developers it hits choose again. */
#include "market_internal.h"

#include <string.h>


static size_t find_segment(const mkt_state *s, const char *name)
{
	for (size_t k = 0; k < s->segment_count; k++)
		if (strcmp(s->segments[k].p->name, name) == 0)
			return k;
	return MKT_NONE;
}

static size_t find_origin(const mkt_state *s, const char *name)
{
	for (size_t i = 0; i < s->origin_count; i++)
		if (strcmp(s->origin_names[i], name) == 0)
			return i;
	return MKT_NONE;
}

static long event_day(const mkt_state *s, const mkt_event *e)
{
	long d = 0;
	mkt_days_between(s->p->start_date, e->date, &d);
	return d;
}

void mkt_on_shock(sim_engine *eng, void *ctx, const sim_event *ev)
{
	mkt_state *s = ctx;
	const mkt_event *e = (const mkt_event *)s->p->events.items + ev->target;
	double t = ev->time;
	size_t model = e->model ? (size_t)sim_map_find(&s->p->models, e->model) : MKT_NONE;
	size_t hit_model = MKT_NONE, hit_segment = MKT_NONE, hit_origin = MKT_NONE;
	(void)eng;
	switch ((mkt_event_type)e->type) {
	case MKT_PRICE_CHANGE:
		/* The tie lets a sweep or an analysis move both prices by one
		   setting, price_out, at a fixed input-to-output ratio. */
		mkt_hosts_set_prices(s, model, e->host,
				     e->price_in + e->price_in_per_out * e->price_out,
				     e->price_out, t);
		hit_model = model;
		break;
	case MKT_FREE_LIMIT:
		s->models[model].free_limit = e->limit;
		hit_model = model;
		break;
	case MKT_EXPORT_CONTROL:
		/* Hosts in the country, whatever the models' origin (hosts.c). */
		mkt_hosts_export_control(s, e, t);
		break; /* developers feel it through errors, latency and prices */
	case MKT_COMPLIANCE_BAN:
		hit_segment = find_segment(s, e->segment);
		hit_origin = find_origin(s, e->origin);
		s->segments[hit_segment].banned[hit_origin] = true;
		break;
	case MKT_MODEL_LAUNCH:
		break; /* applied at start: the model's launch day is the event's */
	case MKT_OUTAGE:
		s->models[model].outage_until = t + e->days;
		s->models[model].outage_left = e->capacity_left;
		if (e->capacity_left <= 0)
			hit_model = model;
		break;
	case MKT_AGENTIC_SHIFT:
		break; /* applied at start: the shares are a function of time */
	case MKT_EVENT_TYPES:
		break; /* the count, not a type: the loader never sets it */
	}
	mkt_hosts_reprice(s, t); /* host prices or capacities may have moved */
	mkt_refresh_pulls(s, t);
	if (hit_model != MKT_NONE || hit_origin != MKT_NONE)
		mkt_rechoose_where(s, t, hit_model, hit_segment, hit_origin);
}

/* Schedules every event at its day; those that only reshape a function
   of time (launches, agentic shifts) are applied here. */
void mkt_schedule_shocks(mkt_state *s)
{
	const mkt_event *events = s->p->events.items;
	for (size_t k = 0; k < s->p->events.count; k++) {
		const mkt_event *e = &events[k];
		double day = (double)event_day(s, e);
		if (e->type == MKT_MODEL_LAUNCH) {
			long i = sim_map_find(&s->p->models, e->model);
			s->models[i].launch_day = day; /* and its hosts' */
			s->models[i].launched = true;
		} else if (e->type == MKT_AGENTIC_SHIFT) {
			for (size_t j = 0; j < s->segment_count; j++) {
				mkt_segment_state *seg = &s->segments[j];
				if (e->segment[0] && strcmp(seg->p->name, e->segment) != 0)
					continue;
				size_t at = seg->shift_count++;
				/* Keep date order so the blending composes in time. */
				while (at > 0 && seg->shifts[at - 1].day > day) {
					seg->shifts[at] = seg->shifts[at - 1];
					at--;
				}
				seg->shifts[at] = (mkt_shift){ day, e->ramp_days, e->share };
			}
		}
		sim_schedule(s->eng, day, s->on_shock, k);
	}
}
