/* diffusion.c - Bass diffusion of developers (see mkt_diffusion.h). */
#include "mkt_diffusion.h"

#include <math.h>

double mkt_bass_fraction(double t, double p, double q)
{
	double e = exp(-(p + q) * t);
	return (1 - e) / (1 + (q / p) * e);
}

double mkt_bass_rate(const mkt_bass *b)
{
	if (b->adopted >= b->potential)
		return 0;
	double n = (double)b->potential, a = (double)b->adopted;
	return (b->p + b->q * a / n) * (n - a);
}

double mkt_bass_next_gap(const mkt_bass *b, const sim_rng *rng)
{
	double rate = mkt_bass_rate(b);
	return rate > 0 ? sim_rng_exponential(rng, 1 / rate) : INFINITY;
}
