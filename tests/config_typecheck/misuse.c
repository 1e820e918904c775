/* misuse.c - one schema row builder on a member of the wrong type, picked
   by `cc -DCASE=NAME` (default: SIM_INT on an int member). Every case must
   fail to compile with the builder's static assertion, and with nothing
   else (run.sh); ok.c is the correct twin. */
#include "params.h"

#define INT_ON_INT 1
#define FLOAT_ON_FLOAT 2
#define FLOAT_ABOVE_ON_INT64 3
#define BOOL_ON_INT 4
#define STRING_ON_CONST 5
#define STRING_ON_ARRAY 6
#define CHOICE_ON_INT64 7
#define CHOICE_ON_ENUM 8
#define GROUP_ON_DOUBLE 9
#define GROUP_OR_INT_ON_LIST 10
#define MAP_ON_LIST 11
#define LIST_ON_MAP 12
#define NUMBERS_ON_LIST 13
#define VARIANT_LIST_ON_MAP 14
#define VARIANT_TAG_ON_INT64 15

#ifndef CASE
#define CASE INT_ON_INT
#endif

static const sim_schema none = { "none", NULL, 0, 0, NULL };
static const char *const modes[] = { "a", "b", NULL };

static const sim_setting rows[] = {
#if CASE == INT_ON_INT
	SIM_INT("count", tc_params, small_count, "1", 0, 10, "An int"),
#elif CASE == FLOAT_ON_FLOAT
	SIM_FLOAT("rate", tc_params, small_rate, "0.5", 0, 1, "A float"),
#elif CASE == FLOAT_ABOVE_ON_INT64
	SIM_FLOAT_ABOVE("rate", tc_params, count, "0.5", 0, 1, "An int64_t"),
#elif CASE == BOOL_ON_INT
	SIM_BOOL("flag", tc_params, choice, "true", "An int"),
#elif CASE == STRING_ON_CONST
	SIM_STRING("label", tc_params, const_label, "", "A const char *"),
#elif CASE == STRING_ON_ARRAY
	SIM_STRING("label", tc_params, label_array, "", "A char array"),
#elif CASE == CHOICE_ON_INT64
	SIM_CHOICE("choice", tc_params, count, "a", modes, "An int64_t"),
#elif CASE == CHOICE_ON_ENUM
	SIM_CHOICE("choice", tc_params, mode, "a", modes, "An enum"),
#elif CASE == GROUP_ON_DOUBLE
	SIM_GROUP("inner", tc_params, rate, &none, "A double"),
#elif CASE == GROUP_OR_INT_ON_LIST
	SIM_GROUP_OR_INT("inner", tc_params, elements, &none, "n", "A sim_list"),
#elif CASE == MAP_ON_LIST
	SIM_MAP("entries", tc_params, elements, &none, 0, 0, "A sim_list"),
#elif CASE == LIST_ON_MAP
	SIM_LIST("elements", tc_params, entries, &none, 0, 0, "A sim_map"),
#elif CASE == NUMBERS_ON_LIST
	SIM_NUMBERS("weights", tc_params, elements, "[]", 0, 1, 0, 0, "A sim_list"),
#elif CASE == VARIANT_LIST_ON_MAP
	SIM_VARIANT_LIST("items", tc_params, entries, tc_item, type, "type", NULL, 0, 0,
			 "A sim_map"),
#elif CASE == VARIANT_TAG_ON_INT64
	SIM_VARIANT_LIST("items", tc_params, items, tc_item, tag64, "type", NULL, 0, 0,
			 "An int64_t tag"),
#else
#error "unknown CASE"
#endif
	/* Right, and uses what the cases may not: the misuse above is the
	   file's only fault. */
	SIM_CHOICE("choice", tc_params, choice, "a", modes, "An int"),
	SIM_GROUP("inner", tc_params, inner, &none, "A struct"),
};
const sim_schema tc_schema = SIM_SCHEMA("tc", rows, tc_params, NULL);
