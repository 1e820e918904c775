/* supply.c - capacity and daily congestion (see include/mkt_supply.h). */
#include "mkt_supply.h"

#include <math.h>

mkt_congestion mkt_congest(double demand, double capacity,
			   const mkt_latency_curve *latency)
{
	mkt_congestion c = { 0 };
	if (demand <= 0) {
		c.utilisation = 0;
		c.latency_seconds = latency->base_seconds;
		return c;
	}
	c.utilisation = capacity > 0 ? demand / capacity : INFINITY;
	/* served + failed == demand exactly: failed is computed as the rest. */
	c.served = c.utilisation > 1 ? (capacity > 0 ? capacity : 0) : demand;
	c.failed = demand - c.served;
	c.error_rate = c.failed / demand;
	double rho = isfinite(c.utilisation) ? c.utilisation : 1e6;
	c.latency_seconds = latency->base_seconds *
			    (1 + latency->slope * pow(rho, latency->power));
	return c;
}

double mkt_grown_capacity(double capacity, double annual_growth, double days)
{
	return capacity * pow(1 + annual_growth, days / 365.0);
}
