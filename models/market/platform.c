/* platform.c - fees and the leaderboard (see mkt_platform.h). */
#include "mkt_platform.h"

double mkt_spend(double tokens_in, double tokens_out, double price_in,
		 double price_out)
{
	return (tokens_in * price_in + tokens_out * price_out) / 1e6;
}

void mkt_leaderboard(const double *tokens, size_t n, int *rank, double *share,
		     size_t *scratch)
{
	double total = 0;
	for (size_t i = 0; i < n; i++) {
		total += tokens[i];
		scratch[i] = i;
	}
	/* Insertion sort: n is the number of models (tens), and stability
	   gives ties to the lower index. */
	for (size_t i = 1; i < n; i++) {
		size_t x = scratch[i], j = i;
		while (j > 0 && tokens[scratch[j - 1]] < tokens[x]) {
			scratch[j] = scratch[j - 1];
			j--;
		}
		scratch[j] = x;
	}
	for (size_t r = 0; r < n; r++)
		rank[scratch[r]] = (int)r + 1;
	for (size_t i = 0; i < n; i++)
		share[i] = total > 0 ? tokens[i] / total : 0;
}
