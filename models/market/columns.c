/* columns.c - the value columns of the weekly tables by name, in the
   order of MKT_M_* and MKT_G_* (market_internal.h): what metrics.c writes
   and invariants.c names in its messages. */
#include "market_internal.h"

/* models_weekly.csv's value columns; metrics.c fills each row's values
   by the same constants, so a name and its value cannot part. */
const char *const mkt_model_columns[] = {
	[MKT_M_IN] = "tokens_in", [MKT_M_OUT] = "tokens_out", [MKT_M_TOKENS] = "tokens",
	[MKT_M_DEMANDED] = "tokens_demanded", [MKT_M_FAILED] = "tokens_failed",
	[MKT_M_FALLBACK] = "tokens_fallback", [MKT_M_REQUESTS] = "requests",
	[MKT_M_ACTIVE] = "active_devs", [MKT_M_NEW] = "new_devs",
	[MKT_M_SHARE] = "token_share", [MKT_M_RANK] = "rank", [MKT_M_SPEND] = "spend",
	[MKT_M_FEE] = "fee", [MKT_M_REVENUE] = "revenue", [MKT_M_COST] = "cost",
	[MKT_M_PROFIT] = "profit", [MKT_M_PRICE_IN] = "price_in",
	[MKT_M_PRICE_OUT] = "price_out", [MKT_M_CAPACITY] = "capacity",
	[MKT_M_UTILISATION] = "utilisation", [MKT_M_ERRORS] = "error_rate",
	[MKT_M_REFUSED_QUOTA] = "tokens_refused_quota", [MKT_M_LOST] = "tokens_lost",
	[MKT_M_FREE_USERS] = "free_users", [MKT_M_CREDIT_BUYERS] = "credit_buyers",
	[MKT_M_CONVERSIONS] = "conversions", [MKT_M_CONVERSIONS_AWAY] = "conversions_away",
	[MKT_M_CONVERTED_REVENUE] = "converted_revenue", [MKT_M_FREE_COST] = "free_cost",
};
_Static_assert(sizeof mkt_model_columns / sizeof mkt_model_columns[0] == MKT_MODEL_VALUES,
	       "mkt_model_columns: one name per MKT_M_ constant");

/* providers_weekly.csv's and origins_weekly.csv's value columns, in an
   order that reads as what the sums add up. */
const char *const mkt_group_columns[] = {
	[MKT_G_TOKENS] = "tokens", [MKT_G_SHARE] = "token_share",
	[MKT_G_ACTIVE] = "active_devs", [MKT_G_SPEND] = "spend", [MKT_G_FEE] = "fee",
	[MKT_G_REVENUE] = "revenue", [MKT_G_COST] = "cost", [MKT_G_PROFIT] = "profit",
	[MKT_G_CUM_REVENUE] = "cum_revenue", [MKT_G_CUM_PROFIT] = "cum_profit",
	[MKT_G_IN] = "tokens_in", [MKT_G_OUT] = "tokens_out",
	[MKT_G_DEMANDED] = "tokens_demanded", [MKT_G_FAILED] = "tokens_failed",
	[MKT_G_REQUESTS] = "requests", [MKT_G_NEW] = "new_devs",
	[MKT_G_CAPACITY] = "capacity", [MKT_G_UTILISATION] = "utilisation",
	[MKT_G_ERRORS] = "error_rate", [MKT_G_REFUSED_QUOTA] = "tokens_refused_quota",
	[MKT_G_LOST] = "tokens_lost", [MKT_G_FREE_USERS] = "free_users",
	[MKT_G_CREDIT_BUYERS] = "credit_buyers", [MKT_G_CONVERSIONS] = "conversions",
	[MKT_G_CONVERSIONS_AWAY] = "conversions_away",
	[MKT_G_CONVERTED_REVENUE] = "converted_revenue", [MKT_G_FREE_COST] = "free_cost",
	[MKT_G_CUM_CONVERTED_REVENUE] = "cum_converted_revenue",
	[MKT_G_CUM_FREE_COST] = "cum_free_cost",
};
_Static_assert(sizeof mkt_group_columns / sizeof mkt_group_columns[0] == MKT_GROUP_VALUES,
	       "mkt_group_columns: one name per MKT_G_ constant");

/* hosts_weekly.csv's value columns (MKT_H_*, mkt_hosts.h). */
const char *const mkt_host_columns[] = {
	[MKT_H_IN] = "tokens_in", [MKT_H_OUT] = "tokens_out", [MKT_H_TOKENS] = "tokens",
	[MKT_H_DEMANDED] = "tokens_demanded", [MKT_H_FAILED] = "tokens_failed",
	[MKT_H_REQUESTS] = "requests", [MKT_H_SPEND] = "spend", [MKT_H_FEE] = "fee",
	[MKT_H_REVENUE] = "revenue", [MKT_H_COST] = "cost", [MKT_H_PROFIT] = "profit",
	[MKT_H_CAPACITY] = "capacity", [MKT_H_UTILISATION] = "utilisation",
	[MKT_H_PRICE_IN] = "price_in", [MKT_H_PRICE_OUT] = "price_out",
};
_Static_assert(sizeof mkt_host_columns / sizeof mkt_host_columns[0] == MKT_HOST_VALUES,
	       "mkt_host_columns: one name per MKT_H_ constant");
