/* shocks.c - dated events: the events of a day are one engine event at
   its start (after the previous day has been accounted); each changes the
   model or segment it names, and the developers they hit choose again. */
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

/* Applies event e (of s->p->events) at time t and marks what it hits:
   models in s->shock_hit, segment-origin pairs in s->ban_hit. */
static void apply_event(mkt_state *s, const mkt_event *e, double t)
{
	size_t model = e->model ? (size_t)sim_map_find(&s->p->models, e->model) : MKT_NONE;
	switch ((mkt_event_type)e->type) {
	case MKT_PRICE_CHANGE:
		/* The tie lets a sweep or an analysis move both prices by one
		   setting, price_out, at a fixed input-to-output ratio. */
		mkt_hosts_set_prices(s, model, e->host,
				     e->price_in + e->price_in_per_out * e->price_out,
				     e->price_out, t);
		s->shock_hit[model] = true;
		break;
	case MKT_FREE_LIMIT:
		s->models[model].free_limit = e->limit;
		s->shock_hit[model] = true;
		break;
	case MKT_EXPORT_CONTROL:
		/* Hosts in the country, whatever the models' origin (hosts.c). */
		mkt_hosts_export_control(s, e, t);
		break; /* developers feel it through errors, latency and prices */
	case MKT_COMPLIANCE_BAN: {
		size_t segment = find_segment(s, e->segment);
		size_t origin = find_origin(s, e->origin);
		s->segments[segment].banned[origin] = true;
		s->ban_hit[segment * s->origin_count + origin] = true;
		break;
	}
	case MKT_MODEL_LAUNCH:
		break; /* applied at start: the model's launch day is the event's */
	case MKT_OUTAGE:
		s->models[model].outage_until = t + e->days;
		s->models[model].outage_left = e->capacity_left;
		if (e->capacity_left <= 0)
			s->shock_hit[model] = true;
		break;
	case MKT_AGENTIC_SHIFT:
		break; /* applied at start: the shares are a function of time */
	case MKT_EVENT_TYPES:
		break; /* the count, not a type: the loader never sets it */
	}
}

/* The events of one day, in list order: all of them apply before any
   developer chooses again, and each developer they hit chooses once.
   Choosing after each event instead would make a sequence that ends where
   it began (paid, free, paid on one day) move developers: one that kept a
   paid model beside another drops it at the free instant. */
void mkt_on_shock(sim_engine *eng, void *ctx, const sim_event *ev)
{
	mkt_state *s = ctx;
	const mkt_event *events = s->p->events.items;
	double t = ev->time;
	(void)eng;
	memset(s->shock_hit, 0, s->model_count * sizeof *s->shock_hit);
	memset(s->ban_hit, 0, s->segment_count * s->origin_count * sizeof *s->ban_hit);
	long day = event_day(s, &events[s->shock_order[ev->target]]);
	for (size_t k = ev->target; k < s->p->events.count; k++) {
		const mkt_event *e = &events[s->shock_order[k]];
		if (k > ev->target && event_day(s, e) != day)
			break;
		apply_event(s, e, t);
	}
	mkt_hosts_reprice(s, t); /* host prices or capacities may have moved */
	mkt_refresh_pulls(s, t);
	/* Launches, export controls and partial outages hit nobody: no scan
	   of every developer on their days. */
	bool any = false;
	for (size_t i = 0; i < s->model_count; i++)
		any |= s->shock_hit[i];
	for (size_t i = 0; i < s->segment_count * s->origin_count; i++)
		any |= s->ban_hit[i];
	if (any)
		mkt_rechoose_hit(s, t);
}

/* Orders the events by day (list order within a day) and schedules one
   engine event per day; those that only reshape a function of time
   (launches, agentic shifts) are applied here. -1 when out of memory. */
int mkt_schedule_shocks(mkt_state *s)
{
	const mkt_event *events = s->p->events.items;
	size_t count = s->p->events.count;
	s->shock_order = calloc(count ? count : 1, sizeof *s->shock_order);
	s->shock_hit = calloc(s->model_count, sizeof *s->shock_hit);
	s->ban_hit = calloc(s->segment_count * s->origin_count + 1, sizeof *s->ban_hit);
	if (!s->shock_order || !s->shock_hit || !s->ban_hit)
		return -1;
	for (size_t k = 0; k < count; k++) {
		const mkt_event *e = &events[k];
		long day = event_day(s, e);
		size_t at = k; /* insertion sort: stable, and lists are short */
		while (at > 0 && event_day(s, &events[s->shock_order[at - 1]]) > day) {
			s->shock_order[at] = s->shock_order[at - 1];
			at--;
		}
		s->shock_order[at] = k;
		if (e->type == MKT_MODEL_LAUNCH) {
			long i = sim_map_find(&s->p->models, e->model);
			s->models[i].launch_day = (double)day; /* and its hosts' */
			s->models[i].launched = true;
		} else if (e->type == MKT_AGENTIC_SHIFT) {
			for (size_t j = 0; j < s->segment_count; j++) {
				mkt_segment_state *seg = &s->segments[j];
				if (e->segment[0] && strcmp(seg->p->name, e->segment) != 0)
					continue;
				size_t pos = seg->shift_count++;
				/* Keep date order so the blending composes in time. */
				while (pos > 0 && seg->shifts[pos - 1].day > (double)day) {
					seg->shifts[pos] = seg->shifts[pos - 1];
					pos--;
				}
				seg->shifts[pos] = (mkt_shift){ (double)day, e->ramp_days, e->share };
			}
		}
	}
	for (size_t k = 0; k < count; k++) {
		long day = event_day(s, &events[s->shock_order[k]]);
		if (k == 0 || day != event_day(s, &events[s->shock_order[k - 1]]))
			sim_schedule(s->eng, (double)day, s->on_shock, k);
	}
	return 0;
}
