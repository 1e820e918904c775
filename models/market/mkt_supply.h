/*
 * mkt_supply.h - serving capacity and daily congestion of an AI model.
 *
 * Each day a model faces token demand D against capacity C (tokens/day).
 * Utilisation rho = D / C. Up to capacity everything is served; above it
 * the served fraction is 1/rho and the rest fails, so the error rate is
 * 1 - 1/rho, and served + failed = demanded exactly. Latency rises with
 * utilisation, base * (1 + slope * rho^power), so that a crowded free model
 * feels slower before it starts failing. Developers see error rate and
 * latency when they next choose.
 */
#ifndef MKT_SUPPLY_H
#define MKT_SUPPLY_H

/* How a model's latency responds to load. */
typedef struct mkt_latency_curve {
	double base_seconds; /* at zero load */
	double slope;        /* >= 0 */
	double power;        /* >= 1 */
} mkt_latency_curve;

/* One model-day of congestion. */
typedef struct mkt_congestion {
	double utilisation; /* demand / capacity; INFINITY with no capacity */
	double served;      /* tokens served */
	double failed;      /* tokens demanded but not served */
	double error_rate;  /* failed / demanded; 0 without demand */
	double latency_seconds;
} mkt_congestion;

/* Congestion of a model-day with `demand` >= 0 tokens and `capacity` >= 0
   tokens per day. */
mkt_congestion mkt_congest(double demand, double capacity,
			   const mkt_latency_curve *latency);

/* Capacity after `days` of compound growth at `annual_growth` (0.5 = +50%
   a year). */
double mkt_grown_capacity(double capacity, double annual_growth, double days);

#endif
