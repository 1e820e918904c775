/* arrivals.c - developers join the platform by Bass diffusion: the gap to
   the next arrival is exponential at the current hazard (diffusion.c), so
   arrivals are the exact non-homogeneous Poisson process, one event each. */
#include "market_internal.h"

#include <math.h>

void mkt_schedule_arrival(mkt_state *s, double now)
{
	double gap = mkt_bass_next_gap(&s->bass, s->arrival_rng);
	if (isfinite(gap) && now + gap < (double)s->p->days)
		sim_schedule(s->eng, now + gap, s->on_arrival, 0);
}

void mkt_on_arrival(sim_engine *eng, void *ctx, const sim_event *ev)
{
	mkt_state *s = ctx;
	sim_error err;
	s->bass.adopted++;
	if (mkt_agent_add(s, ev->time, &err) != 0) {
		sim_engine_fail(eng, "%s", err.message);
		return;
	}
	mkt_schedule_arrival(s, ev->time);
}
