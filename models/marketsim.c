/* marketsim.c - the program: the engine's command line with the models
   registered. Adding a model means adding its type to this table. */
#include "analytic/analytic.h"
#include "market/mkt_market.h"
#include "phold/phold.h"
#include "sim_model.h"

static const sim_model_type *const models[] = {
	&mkt_market_model,
	&phold_model,
	&analytic_model,
	NULL,
};

int main(int argc, char **argv)
{
	return sim_cli_main(argc, argv, models);
}
