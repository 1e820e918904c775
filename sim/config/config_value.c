/*
 * config_value.c - the values of settings: the pieces of error messages
 * ("expected an integer >= 1, found a string (\"x\")", "did you mean"
 * hints), converting a value from command-line text or from the libconfig
 * tree to its setting's C type with its range and choice checks, and
 * storing it into the params struct and into the tree.
 *
 * libconfig 1.5 quirk dealt with here: config_setting_set_int64 on an int
 * setting truncates silently and config_setting_remove takes a path, so a
 * value of another type always replaces the setting, by its plain
 * (undotted) name.
 */
#include "sim_config.h"
#include "config_internal.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void sim__value_release(value *v)
{
	free(v->nums);
	v->nums = NULL;
	v->n = 0;
}

/* ---- formatting values for messages ----------------------------------- */

/* Writes x with the fewest digits, from %g's six up, that read back as x,
   so a message never shows "found 1" for 1.0000001. */
static void fmt_double(double x, char *buf, size_t n)
{
	if (isnan(x)) {
		snprintf(buf, n, "nan");
		return;
	}
	if (isinf(x)) {
		snprintf(buf, n, "%s", x > 0 ? "inf" : "-inf");
		return;
	}
	if (x == floor(x) && fabs(x) < 1e15) {
		snprintf(buf, n, "%.0f", x); /* 1000000, not 1e+06 */
		return;
	}
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			return;
	}
}

/* Like fmt_double but always looks like a float ("2.0"), for
   "found a float (2.0)" where a bare "2" would read as an integer. */
static void fmt_float_literal(double x, char *buf, size_t n)
{
	fmt_double(x, buf, n);
	size_t len = strlen(buf);
	if (isfinite(x) && !strpbrk(buf, ".eE") && len + 3 <= n)
		memcpy(buf + len, ".0", 3);
}

bool sim__range_text(const sim_setting *row, char *buf, size_t n)
{
	bool lo = isfinite(row->min), hi = isfinite(row->max);
	char a[32], b[32];
	fmt_double(row->min, a, sizeof a);
	fmt_double(row->max, b, sizeof b);
	buf[0] = '\0';
	if (lo && hi) {
		snprintf(buf, n, "%c%s, %s%c", row->min_open ? '(' : '[', a, b,
			 row->max_open ? ')' : ']');
		return true;
	}
	if (lo)
		snprintf(buf, n, "%s %s", row->min_open ? ">" : ">=", a);
	else if (hi)
		snprintf(buf, n, "%s %s", row->max_open ? "<" : "<=", b);
	return false;
}

static void mb_choices(msgbuf *mb, const sim_setting *row)
{
	for (size_t k = 0; row->choices && row->choices[k]; k++) {
		if (k)
			sim__mb_add(mb, ", ");
		sim__mb_quote(mb, row->choices[k]);
	}
}

bool sim__is_collection(const sim_setting *row)
{
	return row->kind == SIM_SETTING_MAP || row->kind == SIM_SETTING_LIST ||
	       row->kind == SIM_SETTING_NUMBERS ||
	       row->kind == SIM_SETTING_VARIANT_LIST;
}

void sim__mb_count(msgbuf *mb, const sim_setting *row)
{
	const char *unit = row->kind == SIM_SETTING_MAP ? "entr" : "element";
	size_t lo = row->min_items, hi = row->max_items;
	size_t last = hi ? hi : lo;
	const char *plural = row->kind == SIM_SETTING_MAP
				     ? (last == 1 ? "y" : "ies")
				     : (last == 1 ? "" : "s");
	if (lo == 0 && hi == 0)
		return;
	if (lo == hi)
		sim__mb_add(mb, "exactly %zu", lo);
	else if (hi == 0)
		sim__mb_add(mb, "at least %zu", lo);
	else if (lo == 0)
		sim__mb_add(mb, "at most %zu", hi);
	else
		sim__mb_add(mb, "%zu to %zu", lo, hi);
	sim__mb_add(mb, " %s%s", unit, plural);
}

/* Appends the range of an INT or FLOAT row (or a NUMBERS row's elements):
   " in [0, 1]", " >= 1", or nothing. */
static void mb_range(msgbuf *mb, const sim_setting *row)
{
	char range[96];
	if (sim__range_text(row, range, sizeof range))
		sim__mb_add(mb, " in %s", range);
	else if (range[0])
		sim__mb_add(mb, " %s", range);
}

/* Appends what a collection row accepts, e.g. "a list of groups ( { ...
   }, ... ) with at most 3 elements". */
static void mb_expected_collection(msgbuf *mb, const sim_setting *row)
{
	switch (row->kind) {
	case SIM_SETTING_MAP:
		sim__mb_add(mb, "a map { <id> = { ... }; ... }");
		break;
	case SIM_SETTING_LIST:
		sim__mb_add(mb, "a list of groups ( { ... }, ... )");
		break;
	case SIM_SETTING_VARIANT_LIST:
		sim__mb_add(mb, "a list of groups ( { %s = \"...\"; ... }, "
				"... )",
			    row->discriminator);
		break;
	default:
		sim__mb_add(mb, "an array of numbers");
		mb_range(mb, row);
		break;
	}
	if (row->min_items || row->max_items) {
		sim__mb_add(mb, " with ");
		sim__mb_count(mb, row);
	}
}

void sim__mb_expected(msgbuf *mb, const sim_setting *row)
{
	switch (row->kind) {
	case SIM_SETTING_INT:
	case SIM_SETTING_FLOAT:
		sim__mb_add(mb, "%s", row->kind == SIM_SETTING_INT
					      ? "an integer"
					      : "a number");
		mb_range(mb, row);
		break;
	case SIM_SETTING_BOOL:
		sim__mb_add(mb, "a boolean (true or false)");
		break;
	case SIM_SETTING_STRING:
		sim__mb_add(mb, "a string");
		break;
	case SIM_SETTING_CHOICE:
		sim__mb_add(mb, "one of ");
		mb_choices(mb, row);
		break;
	case SIM_SETTING_GROUP:
		if (!row->shorthand) {
			sim__mb_add(mb, "a group { ... }");
			break;
		}
		/* Naming the members shows what the group form holds. */
		sim__mb_add(mb, "an integer or a group { ");
		for (size_t k = 0; k < row->group->count; k++)
			sim__mb_add(mb, "%s%s", k ? "; " : "",
				    row->group->settings[k].name);
		sim__mb_add(mb, " }");
		break;
	case SIM_SETTING_MAP:
	case SIM_SETTING_LIST:
	case SIM_SETTING_NUMBERS:
	case SIM_SETTING_VARIANT_LIST:
		mb_expected_collection(mb, row);
		break;
	}
}

void sim__mb_found(msgbuf *mb, const config_setting_t *s)
{
	char num[40];
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		sim__mb_add(mb, "an integer (%lld)",
			    config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		fmt_float_literal(config_setting_get_float(s), num, sizeof num);
		sim__mb_add(mb, "a float (%s)", num);
		break;
	case CONFIG_TYPE_BOOL:
		sim__mb_add(mb, "a boolean (%s)",
			    config_setting_get_bool(s) ? "true" : "false");
		break;
	case CONFIG_TYPE_STRING:
		sim__mb_add(mb, "a string (");
		sim__mb_quote(mb, config_setting_get_string(s));
		sim__mb_add(mb, ")");
		break;
	case CONFIG_TYPE_GROUP:
		sim__mb_add(mb, "a group");
		break;
	case CONFIG_TYPE_ARRAY:
		sim__mb_add(mb, "an array");
		break;
	case CONFIG_TYPE_LIST:
		sim__mb_add(mb, "a list");
		break;
	default:
		sim__mb_add(mb, "an empty setting");
		break;
	}
}

/* ---- names and suggestions -------------------------------------------- */

int sim_edit_distance(const char *a, const char *b)
{
	enum { CAP = 255 };
	size_t la = strlen(a), lb = strlen(b);
	if (la < lb) { /* keep the row over the shorter string */
		const char *t = a;
		a = b;
		b = t;
		size_t tl = la;
		la = lb;
		lb = tl;
	}
	if (la - lb >= CAP)
		return CAP;
	unsigned small[64];
	unsigned *row = lb < 64 ? small : malloc((lb + 1) * sizeof *row);
	if (!row)
		return CAP; /* only ever a hint: "far apart" is a safe answer */
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	unsigned result = 0;
	bool capped = false;
	for (size_t i = 1; i <= la && !capped; i++) {
		unsigned diag = row[0], least;
		row[0] = (unsigned)i;
		least = row[0];
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
			if (best < least)
				least = best;
		}
		/* A row's minimum never decreases: past the cap, stop. */
		capped = least >= CAP;
	}
	result = capped ? CAP : row[lb];
	if (row != small)
		free(row);
	return result > CAP ? CAP : (int)result;
}

void sim__consider(const char *name, const char *cand, const char **best,
		   int *best_d)
{
	int limit = (int)(strlen(name) / 3);
	if (limit < 2)
		limit = 2;
	/* "LIFO" for "lifo" is a typo too, however many letters differ. */
	int d = strcasecmp(name, cand) == 0 ? 1 : sim_edit_distance(name, cand);
	if (d <= limit && d < *best_d) {
		*best = cand;
		*best_d = d;
	}
}

const sim_setting *sim__find_row(const sim_schema *schema, const char *name)
{
	for (size_t k = 0; k < schema->count; k++)
		if (strcmp(schema->settings[k].name, name) == 0)
			return &schema->settings[k];
	return NULL;
}

const sim_setting *sim__shorthand_row(const sim_setting *row)
{
	const sim_setting *inner;
	if (row->kind != SIM_SETTING_GROUP || !row->shorthand)
		return NULL;
	inner = sim__find_row(row->group, row->shorthand);
	/* A shorthand naming no INT member is a bug in the schema table. */
	assert(inner && inner->kind == SIM_SETTING_INT);
	return inner;
}

void sim__mb_unknown(msgbuf *mb, const sim_schema *schema, const char *name)
{
	const char *best = NULL;
	int best_d = INT_MAX;
	for (size_t k = 0; k < schema->count; k++)
		sim__consider(name, schema->settings[k].name, &best, &best_d);
	if (best) {
		sim__mb_add(mb, "unknown setting; did you mean '%s'?", best);
		return;
	}
	if (schema->count == 0) {
		sim__mb_add(mb, "unknown setting; this group takes no "
				"settings");
		return;
	}
	sim__mb_add(mb, "unknown setting; expected one of: ");
	for (size_t k = 0; k < schema->count; k++)
		sim__mb_add(mb, "%s%s", k ? ", " : "",
			    schema->settings[k].name);
}

/* ---- converting and checking values ----------------------------------- */

/* Appends "; did you mean \"x\"?" when a choice is close to name. */
static void mb_choice_hint(msgbuf *mb, const sim_setting *row,
			   const char *name)
{
	const char *best = NULL;
	int best_d = INT_MAX;
	for (size_t k = 0; row->choices && row->choices[k]; k++)
		sim__consider(name, row->choices[k], &best, &best_d);
	if (best) {
		sim__mb_add(mb, "; did you mean ");
		sim__mb_quote(mb, best);
		sim__mb_add(mb, "?");
	}
}

static int match_choice(const sim_setting *row, const char *text, value *v,
			msgbuf *mb)
{
	for (size_t k = 0; row->choices && row->choices[k]; k++) {
		if (strcmp(row->choices[k], text) == 0) {
			v->choice = (int)k;
			v->s = row->choices[k];
			return 0;
		}
	}
	sim__mb_add(mb, "expected ");
	sim__mb_expected(mb, row);
	sim__mb_add(mb, ", found ");
	sim__mb_quote(mb, text);
	mb_choice_hint(mb, row, text);
	return -1;
}

/* Range check for an INT or FLOAT value already of the right type. */
static int check_range(const sim_setting *row, const value *v, msgbuf *mb)
{
	double x = row->kind == SIM_SETTING_INT ? (double)v->i : v->d;
	bool low = !isnan(row->min) &&
		   (row->min_open ? !(x > row->min) : !(x >= row->min));
	bool high = !isnan(row->max) &&
		    (row->max_open ? !(x < row->max) : !(x <= row->max));
	if (!low && !high)
		return 0;
	sim__mb_add(mb, "expected ");
	sim__mb_expected(mb, row);
	if (row->kind == SIM_SETTING_INT) {
		sim__mb_add(mb, ", found %" PRId64, v->i);
	} else {
		char num[40];
		fmt_double(v->d, num, sizeof num);
		sim__mb_add(mb, ", found %s", num);
	}
	return -1;
}

static int check_finite(const sim_setting *row, const value *v, msgbuf *mb,
			const char *shown)
{
	if (isfinite(v->d))
		return check_range(row, v, mb);
	sim__mb_add(mb, "expected a finite number, found %s", shown);
	return -1;
}

/* Parses text as a whole integer, decimal or 0x hex like libconfig's
   (not octal: "010" is ten); no spaces, no fraction. */
static bool parse_int(const char *text, int64_t *out)
{
	char *end;
	if (!text[0] || isspace((unsigned char)text[0]))
		return false;
	bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
	errno = 0;
	long long v = strtoll(text, &end, hex ? 16 : 10);
	if (*end || errno == ERANGE)
		return false;
	*out = (int64_t)v;
	return true;
}

static bool parse_double(const char *text, double *out)
{
	char *end;
	if (!text[0] || isspace((unsigned char)text[0]))
		return false;
	*out = strtod(text, &end);
	return *end == '\0';
}

char *sim__unquote(char *text)
{
	size_t len = strlen(text);
	if (len >= 2 && text[0] == '"' && text[len - 1] == '"') {
		text[len - 1] = '\0';
		return text + 1;
	}
	return text;
}

int sim__check_count(const sim_setting *row, size_t n, msgbuf *mb)
{
	if (n >= row->min_items && (row->max_items == 0 || n <= row->max_items))
		return 0;
	sim__mb_add(mb, "expected ");
	sim__mb_expected(mb, row);
	sim__mb_add(mb, ", found %zu", n);
	return -1;
}

sim_setting sim__element_row(const sim_setting *row)
{
	return (sim_setting){ .name = row->name, .kind = SIM_SETTING_FLOAT,
			      .min = row->min, .max = row->max,
			      .min_open = row->min_open,
			      .max_open = row->max_open, .required = true };
}

/* Strips leading and trailing blanks, in place. */
static char *trim(char *text)
{
	size_t len;
	while (isspace((unsigned char)*text))
		text++;
	len = strlen(text);
	while (len && isspace((unsigned char)text[len - 1]))
		text[--len] = '\0';
	return text;
}

/* Converts one element of a NUMBERS text; on failure sets v->bad. */
static int number_from_text(const sim_setting *elem, char *tok, size_t k,
			    value *v, msgbuf *mb)
{
	value e = { .d = 0 };
	msgbuf shown = { .len = 0 };
	sim__mb_quote(&shown, tok);
	v->bad = (long)k;
	if (!parse_double(tok, &e.d)) {
		sim__mb_add(mb, "expected ");
		sim__mb_expected(mb, elem);
		sim__mb_add(mb, ", found %s", shown.text);
		return -1;
	}
	if (check_finite(elem, &e, mb, shown.text))
		return -1;
	v->nums[k] = e.d;
	v->bad = -1;
	return 0;
}

/* Converts "[1, 2.5]" or "1,2.5" (a --set value or a default; "[]" is
   empty) to a NUMBERS value, checking every element and the count. */
static int numbers_from_text(const sim_setting *row, char *text, value *v,
			     msgbuf *mb)
{
	sim_setting elem = sim__element_row(row);
	char *p = trim(text);
	size_t len = strlen(p), n = 0;
	v->bad = -1;
	if (len >= 2 && p[0] == '[' && p[len - 1] == ']') {
		p[len - 1] = '\0';
		p = trim(p + 1);
	} else if (!len || strchr(p, '[') || strchr(p, ']')) {
		sim__mb_add(mb, "expected ");
		sim__mb_expected(mb, row);
		sim__mb_add(mb, ", found ");
		sim__mb_quote(mb, p);
		return -1;
	}
	if (*p)
		for (const char *c = p; c; c = strchr(c + 1, ','))
			n++;
	v->nums = calloc(n ? n : 1, sizeof *v->nums);
	if (!v->nums) {
		sim__mb_add(mb, "out of memory");
		return -1;
	}
	for (size_t k = 0; k < n; k++) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (number_from_text(&elem, trim(p), k, v, mb))
			return -1;
		if (comma)
			p = comma + 1;
	}
	v->n = n;
	return sim__check_count(row, n, mb);
}

int sim__value_from_text(const sim_setting *row, char *text, value *v,
			 msgbuf *mb)
{
	switch (row->kind) {
	case SIM_SETTING_INT:
		if (parse_int(text, &v->i))
			return check_range(row, v, mb);
		break;
	case SIM_SETTING_FLOAT:
		if (parse_double(text, &v->d)) {
			msgbuf shown = { .len = 0 };
			sim__mb_quote(&shown, text);
			return check_finite(row, v, mb, shown.text);
		}
		break;
	case SIM_SETTING_BOOL:
		if (strcasecmp(text, "true") == 0 ||
		    strcasecmp(text, "false") == 0) {
			v->b = strcasecmp(text, "true") == 0;
			return 0;
		}
		break;
	case SIM_SETTING_STRING:
		v->s = sim__unquote(text);
		return 0;
	case SIM_SETTING_CHOICE:
		return match_choice(row, sim__unquote(text), v, mb);
	case SIM_SETTING_NUMBERS:
		return numbers_from_text(row, text, v, mb);
	case SIM_SETTING_GROUP:
	case SIM_SETTING_MAP:
	case SIM_SETTING_LIST:
	case SIM_SETTING_VARIANT_LIST:
		break;
	}
	sim__mb_add(mb, "expected ");
	sim__mb_expected(mb, row);
	sim__mb_add(mb, ", found ");
	sim__mb_quote(mb, text);
	return -1;
}

/* True (and the problem described in mb) when int setting s, for an INT
   or FLOAT row, was written as a literal libconfig cut to 32 bits. */
static bool wrapped_literal(sim_config *cfg, const sim_setting *row,
			    const config_setting_t *s, msgbuf *mb)
{
	char lit[64];
	long long lit_value;
	if (!sim__int_literal_wrapped(cfg, s, lit, sizeof lit, &lit_value))
		return false;
	sim__mb_add(mb, "expected ");
	sim__mb_expected(mb, row);
	sim__mb_add(mb, ", found %s, which libconfig reads as the "
			"32-bit integer %d; write ",
		    lit, config_setting_get_int(s));
	if (row->kind == SIM_SETTING_INT)
		sim__mb_add(mb, "%sL", lit);
	else
		sim__mb_add(mb, "%lld.0", lit_value);
	return true;
}

/* Describes setting s, of a type row does not take: "expected ..., found
   ...", with a hint for the two usual slips, quoting a number or not
   quoting a string. */
static void mb_wrong_type(const sim_setting *row, const config_setting_t *s,
			  msgbuf *mb)
{
	int type = config_setting_type(s);
	bool number = row->kind == SIM_SETTING_INT ||
		      row->kind == SIM_SETTING_FLOAT;
	sim__mb_add(mb, "expected ");
	sim__mb_expected(mb, row);
	sim__mb_add(mb, ", found ");
	sim__mb_found(mb, s);
	if (type == CONFIG_TYPE_STRING &&
	    (number || row->kind == SIM_SETTING_BOOL)) {
		value probe;
		msgbuf ignored = { .len = 0 };
		char *copy = strdup(config_setting_get_string(s));
		if (copy &&
		    sim__value_from_text(row, copy, &probe, &ignored) == 0)
			sim__mb_add(mb, "; write it without quotes");
		free(copy);
	} else if (row->kind == SIM_SETTING_STRING &&
		   config_setting_is_scalar(s)) {
		sim__mb_add(mb, "; write it in double quotes");
	}
}

int sim__value_from_tree(sim_config *cfg, const sim_setting *row,
			 const config_setting_t *s, value *v, msgbuf *mb)
{
	int type = config_setting_type(s);
	bool integer = type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64;
	bool number = row->kind == SIM_SETTING_INT ||
		      row->kind == SIM_SETTING_FLOAT;
	char num[40];

	if (number && type == CONFIG_TYPE_INT &&
	    wrapped_literal(cfg, row, s, mb))
		return -1;
	switch (row->kind) {
	case SIM_SETTING_INT:
		if (integer) {
			v->i = config_setting_get_int64(s);
			return check_range(row, v, mb);
		}
		break;
	case SIM_SETTING_FLOAT:
		if (integer || type == CONFIG_TYPE_FLOAT) {
			v->d = integer ? (double)config_setting_get_int64(s)
				       : config_setting_get_float(s);
			fmt_double(v->d, num, sizeof num);
			return check_finite(row, v, mb, num);
		}
		break;
	case SIM_SETTING_BOOL:
		if (type == CONFIG_TYPE_BOOL) {
			v->b = config_setting_get_bool(s);
			return 0;
		}
		break;
	case SIM_SETTING_STRING:
		if (type == CONFIG_TYPE_STRING) {
			v->s = config_setting_get_string(s);
			return 0;
		}
		break;
	case SIM_SETTING_CHOICE:
		if (type == CONFIG_TYPE_STRING)
			return match_choice(row, config_setting_get_string(s),
					    v, mb);
		break;
	case SIM_SETTING_GROUP:
	case SIM_SETTING_MAP:
	case SIM_SETTING_LIST:
	case SIM_SETTING_NUMBERS:
	case SIM_SETTING_VARIANT_LIST:
		break;
	}
	mb_wrong_type(row, s, mb);
	return -1;
}

/* ---- writing values --------------------------------------------------- */

int sim__store_param(const sim_setting *row, char *base, const value *v,
		     const char *path, sim_error *err)
{
	char *at = base + row->offset;
	switch (row->kind) {
	case SIM_SETTING_INT:
		memcpy(at, &v->i, sizeof v->i);
		break;
	case SIM_SETTING_FLOAT:
		memcpy(at, &v->d, sizeof v->d);
		break;
	case SIM_SETTING_BOOL:
		memcpy(at, &v->b, sizeof v->b);
		break;
	case SIM_SETTING_STRING: {
		char *copy = strdup(v->s), *old;
		if (!copy)
			return sim__oom(err, path);
		memcpy(&old, at, sizeof old);
		free(old);
		memcpy(at, &copy, sizeof copy);
		break;
	}
	case SIM_SETTING_CHOICE:
		memcpy(at, &v->choice, sizeof v->choice);
		break;
	case SIM_SETTING_NUMBERS: {
		sim_numbers *num = (sim_numbers *)(void *)at;
		double *copy = malloc((v->n ? v->n : 1) * sizeof *copy);
		if (!copy)
			return sim__oom(err, path);
		if (v->n)
			memcpy(copy, v->nums, v->n * sizeof *copy);
		free(num->values);
		num->values = copy;
		num->count = v->n;
		break;
	}
	case SIM_SETTING_GROUP:
	case SIM_SETTING_MAP:
	case SIM_SETTING_LIST:
	case SIM_SETTING_VARIANT_LIST:
		break;
	}
	return 0;
}

config_setting_t *sim__member_of_type(config_setting_t *group,
				      const char *name, int type)
{
	config_setting_t *s = config_setting_get_member(group, name);
	if (s && config_setting_type(s) == type)
		return s;
	if (s)
		config_setting_remove(group, name);
	return config_setting_add(group, name, type);
}

/* Replaces the elements of array s by v's numbers, as floats (so the
   written config reads back as numbers whatever they are). */
static bool store_numbers(config_setting_t *s, const value *v)
{
	while (config_setting_length(s) > 0)
		if (!config_setting_remove_elem(s, 0))
			return false;
	for (size_t k = 0; k < v->n; k++)
		if (!config_setting_set_float_elem(s, -1, v->nums[k]))
			return false;
	return true;
}

config_setting_t *sim__store_tree(config_setting_t *group,
				  const sim_setting *row, const value *v)
{
	config_setting_t *s = NULL;
	bool ok = false;
	switch (row->kind) {
	case SIM_SETTING_INT: {
		/* An int64 setting can hold anything; an int one only 32 bits
		   (and set_int64 on it would truncate without a word). */
		config_setting_t *old =
			config_setting_get_member(group, row->name);
		bool small = v->i >= INT32_MIN && v->i <= INT32_MAX;
		if (old && config_setting_type(old) == CONFIG_TYPE_INT64)
			small = false;
		s = sim__member_of_type(group, row->name,
					small ? CONFIG_TYPE_INT
					      : CONFIG_TYPE_INT64);
		ok = s && (small ? config_setting_set_int(s, (int)v->i)
				 : config_setting_set_int64(s, v->i));
		if (ok) /* an override written in hex would print as hex */
			config_setting_set_format(s, CONFIG_FORMAT_DEFAULT);
		break;
	}
	case SIM_SETTING_FLOAT:
		s = sim__member_of_type(group, row->name, CONFIG_TYPE_FLOAT);
		ok = s && config_setting_set_float(s, v->d);
		break;
	case SIM_SETTING_BOOL:
		s = sim__member_of_type(group, row->name, CONFIG_TYPE_BOOL);
		ok = s && config_setting_set_bool(s, v->b);
		break;
	case SIM_SETTING_STRING:
	case SIM_SETTING_CHOICE:
		s = sim__member_of_type(group, row->name, CONFIG_TYPE_STRING);
		ok = s && config_setting_set_string(s, v->s);
		break;
	case SIM_SETTING_NUMBERS:
		s = sim__member_of_type(group, row->name, CONFIG_TYPE_ARRAY);
		ok = s && store_numbers(s, v);
		break;
	case SIM_SETTING_GROUP:
	case SIM_SETTING_MAP:
	case SIM_SETTING_LIST:
	case SIM_SETTING_VARIANT_LIST:
		break;
	}
	return ok ? s : NULL;
}
