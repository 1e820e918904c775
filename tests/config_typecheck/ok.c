/* ok.c - every schema row builder on a member of the right type: must
   compile with -Wall -Wextra -Werror (the twin of misuse.c; run.sh). */
#include "params.h"

static const char *const modes[] = { "a", "b", NULL };

static const sim_setting inner_rows[] = {
	SIM_INT("n", tc_inner, n, "1", 0, 10, "A count"),
	SIM_FLOAT("x", tc_inner, x, "0", 0, 1, "A share"),
};
static const sim_schema inner_schema = SIM_SCHEMA("inner", inner_rows, tc_inner, NULL);

static const sim_setting a_rows[] = {
	SIM_FLOAT("price", tc_item, u.a.price, NULL, 0, 10, "A price"),
};
static const sim_schema a_schema = SIM_SCHEMA("a", a_rows, tc_item, NULL);
static const sim_variant variants[] = {
	{ "a", &a_schema, "Variant a" },
	{ NULL, NULL, NULL },
};

static const sim_setting rows[] = {
	SIM_INT("count", tc_params, count, "1", 0, 10, "An int64_t"),
	SIM_FLOAT("rate", tc_params, rate, "0.5", 0, 1, "A double"),
	SIM_FLOAT_ABOVE("rate2", tc_params, rate, "0.5", 0, 1, "A double"),
	SIM_BOOL("flag", tc_params, flag, "true", "A bool"),
	SIM_STRING("label", tc_params, label, "", "A char *"),
	SIM_CHOICE("choice", tc_params, choice, "a", modes, "An int"),
	SIM_GROUP("inner", tc_params, inner, &inner_schema, "A struct"),
	SIM_GROUP_OR_INT("inner2", tc_params, inner, &inner_schema, "n", "A struct"),
	SIM_MAP("entries", tc_params, entries, &inner_schema, 0, 0, "A sim_map"),
	SIM_LIST("elements", tc_params, elements, &inner_schema, 0, 0, "A sim_list"),
	SIM_NUMBERS("weights", tc_params, weights, "[]", 0, 1, 0, 0, "A sim_numbers"),
	SIM_VARIANT_LIST("items", tc_params, items, tc_item, type, "type", variants, 0, 0,
			 "A sim_list, an int tag"),
};
const sim_schema tc_schema = SIM_SCHEMA("tc", rows, tc_params, NULL);
