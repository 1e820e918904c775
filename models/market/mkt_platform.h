/*
 * mkt_platform.h - the router: fees on spend and the public leaderboard.
 *
 * Provider prices pass through unchanged; the platform charges developers a
 * fee on what they spend (OpenRouter: 5.5% on card credit purchases). So
 * developer spend = tokens x price, provider revenue = spend, platform fee =
 * rate x spend. The weekly leaderboard ranks models by tokens processed
 * (prompt + completion); its token shares are the "visibility" that feeds
 * back into developers' choices.
 */
#ifndef MKT_PLATFORM_H
#define MKT_PLATFORM_H

#include <stddef.h>

/* Developer spend in dollars for tokens at prices in dollars per million
   tokens. */
double mkt_spend(double tokens_in, double tokens_out, double price_in,
		 double price_out);

/* Fills rank[i] with model i's place (1 = most tokens) among n models by
   tokens[i]; ties go to the lower index, so ranks are a permutation of
   1..n and reproducible. Fills share[i] with tokens[i] / total (0 when no
   tokens at all). scratch holds n indices. */
void mkt_leaderboard(const double *tokens, size_t n, int *rank, double *share,
		     size_t *scratch);

#endif
