/* choice.c - multinomial logit choice (see include/mkt_choice.h). */
#include "mkt_choice.h"

#include <math.h>

/* The largest finite utility, or -INFINITY when none is finite. */
static double max_utility(const double *v, size_t n)
{
	double best = -INFINITY;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]) && v[i] > best)
			best = v[i];
	return best;
}

size_t mkt_logit_shares(const double *v, size_t n, double mu, double *share)
{
	double top = max_utility(v, n), sum = 0;
	size_t allowed = 0;
	for (size_t i = 0; i < n; i++) {
		/* Subtracting the maximum keeps exp() from overflowing. */
		share[i] = isfinite(v[i]) ? exp((v[i] - top) / mu) : 0;
		sum += share[i];
		allowed += isfinite(v[i]);
	}
	for (size_t i = 0; i < n; i++)
		share[i] = allowed ? share[i] / sum : 0;
	return allowed;
}

size_t mkt_logit_choose(const double *v, size_t n, double mu, const sim_rng *rng)
{
	double top = max_utility(v, n);
	if (!isfinite(top))
		return n;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += isfinite(v[i]) ? exp((v[i] - top) / mu) : 0;
	/* Inverse CDF: walk the cumulative weights to u * total. */
	double target = sim_rng_uniform(rng) * sum, acc = 0;
	size_t last = n;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		acc += exp((v[i] - top) / mu);
		last = i;
		if (target < acc)
			return i;
	}
	return last; /* rounding left target at the very top */
}
