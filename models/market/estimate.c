/* estimate.c - what one replication of the market would take, from its
   parameters alone (sim_model_type.estimate), so that a run that would
   exhaust the machine or never end is refused before init allocates.

   Memory: every developer who may ever join is an agent (16 bytes, kept
   after churning) with one pending review or departure event (32 bytes);
   at most arrivals.potential / scale of them join (Bass adopters never
   exceed the potential, and the initial ones are among them). Besides, a
   tick per day and each dated event are queued at the start, and the
   weekly rows and per-segment tables grow with weeks x models and
   segments x models. Work: a tick a day, an arrival per agent, and each
   agent's reviews and departure at its segment's rate over the horizon. */
#include "market_internal.h"

#include <stdio.h>

/* Bytes of the weekly rows of one model in one week: the state's row and
   what the three weekly tables record of it: each value of the models'
   table and of the providers' and origins' (at most one group row per
   model) as a double with room to grow (16 bytes), and each table row's
   keys (160 bytes). */
#define ROW_BYTES (sizeof(mkt_week_row) + 16 * (MKT_MODEL_VALUES + 2 * MKT_GROUP_VALUES) + 3 * 160)
/* Bytes per segment and model: pull, spend_unit, intensity and the four
   loads (all, fallback, refused, converted) as doubles, paid, members,
   the day's demand. */
#define SEGMENT_MODEL_BYTES \
	(7 * sizeof(double) + sizeof(bool) + sizeof(uint64_t) + sizeof(mkt_demand))

void mkt_estimate(const void *params, sim_resource_estimate *out)
{
	const mkt_market_params *p = params;
	const mkt_segment_params *sp = p->segments.items;
	double agents = p->arrivals.potential / p->scale;
	double days = (double)p->days, weeks = (double)((p->days + 6) / 7);
	double models = (double)p->models.count, segments = (double)p->segments.count;
	double per_agent = (double)(sizeof(mkt_agent) + SIM_EVENT_BYTES);
	*out = (sim_resource_estimate){ 0 };
	out->bytes = agents * per_agent + (days + (double)p->events.count + 1) * SIM_EVENT_BYTES +
		     weeks * models * (double)ROW_BYTES + segments * models * SEGMENT_MODEL_BYTES;
	snprintf(out->memory_setting, sizeof out->memory_setting, "scale");
	snprintf(out->memory, sizeof out->memory,
		 "the market would hold about %.1e developer agents (arrivals.potential %g / "
		 "scale %g), %.0f bytes each with its pending event, and its weekly tables: "
		 "%.1e bytes", agents,
		 p->arrivals.potential, p->scale, per_agent, out->bytes);

	double reviews = 0, most = -1;
	size_t busiest = 0;
	for (size_t k = 0; k < p->segments.count; k++) {
		double rate = (sp[k].review_days > 0 ? 1.0 / sp[k].review_days : 0) +
			      sp[k].churn / 365.0;
		double n = agents * sp[k].share * days * rate;
		reviews += n;
		if (n > most) {
			most = n;
			busiest = k;
		}
	}
	out->events = days + agents + reviews;
	if (p->segments.count == 0)
		return;
	snprintf(out->events_setting, sizeof out->events_setting, "segments.[%zu].review_days",
		 busiest);
	snprintf(out->work, sizeof out->work,
		 "about %.1e events, most of them reviews: %.1e agents of segment %s "
		 "reviewing every %g days (churn %g a year) for %lld days", out->events,
		 agents * sp[busiest].share, sp[busiest].name, sp[busiest].review_days,
		 sp[busiest].churn, (long long)p->days);
}
