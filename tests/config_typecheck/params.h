/* params.h - a params struct with a member of every type the schema row
   builders fill, and of the types they must refuse; shared by ok.c and
   misuse.c (see run.sh). */
#ifndef TC_PARAMS_H
#define TC_PARAMS_H

#include "sim_config.h"

typedef struct tc_inner {
	int64_t n;
	double x;
} tc_inner;

typedef enum tc_mode { TC_A, TC_B } tc_mode;

/* A variant list's element: the tag, then per-variant members. */
typedef struct tc_item {
	int type;
	int64_t tag64;
	union {
		struct {
			double price;
		} a;
	} u;
} tc_item;

typedef struct tc_params {
	/* what the builders take */
	int64_t count;
	double rate;
	bool flag;
	char *label;
	int choice;
	tc_inner inner;
	sim_map entries;
	sim_list elements;
	sim_numbers weights;
	sim_list items;
	/* what they must refuse */
	int small_count;
	float small_rate;
	const char *const_label;
	char label_array[16];
	tc_mode mode;
} tc_params;

/* Defined by ok.c (and by misuse.c, which must not compile). */
extern const sim_schema tc_schema;

#endif
