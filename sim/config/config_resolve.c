/*
 * config_resolve.c - sim_config_resolve: checks the tree against a schema
 * and fills the params struct, allocating its collections (maps, lists,
 * variant lists, number arrays), and writes every defaulted setting back
 * into the tree; sim_params_free releases what it allocated.
 *
 * Errors report the first problem in file order. A group's members are
 * checked in the order libconfig keeps them (file order, with @include
 * inlined), recursing into nested groups; the group's missing settings come
 * after its members, because a misspelt key ("lsp") is the usual cause of a
 * missing one and its "did you mean 'lps'?" is the more useful message.
 *
 * libconfig 1.5 quirk dealt with here: the config_lookup_* helpers return
 * false both for a missing key and a wrong type, so we read settings with
 * config_setting_get_member and config_setting_type.
 */
#include "sim_config.h"
#include "config_internal.h"

#include <libconfig.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- collections ------------------------------------------------------ */

size_t sim__variant_count(const sim_setting *row)
{
	size_t n = 0;
	while (row->variants && row->variants[n].name)
		n++;
	return n;
}

/* Bytes per entry or element of a MAP, LIST or VARIANT_LIST: for a variant
   list the largest variant, and at least room for the tag. */
size_t sim__item_size(const sim_setting *row)
{
	size_t size;
	if (row->kind != SIM_SETTING_VARIANT_LIST)
		return row->group->size;
	size = row->tag_offset + sizeof(int);
	for (size_t k = 0; k < sim__variant_count(row); k++)
		if (row->variants[k].schema->size > size)
			size = row->variants[k].schema->size;
	return size;
}

/* The schema laying out item, an entry or element of row: for a variant
   list the one its tag names (NULL for a tag out of range). */
const sim_schema *sim__item_schema(const sim_setting *row, const char *item)
{
	int tag;
	if (row->kind != SIM_SETTING_VARIANT_LIST)
		return row->group;
	memcpy(&tag, item + row->tag_offset, sizeof tag);
	return tag >= 0 && (size_t)tag < sim__variant_count(row)
		       ? row->variants[tag].schema
		       : NULL;
}

const char **sim__variant_names(const sim_setting *row)
{
	size_t n = sim__variant_count(row);
	const char **names = calloc(n + 1, sizeof *names);
	for (size_t k = 0; names && k < n; k++)
		names[k] = row->variants[k].name;
	return names;
}

sim_setting sim__discriminator_row(const sim_setting *row,
				   const char *const *names)
{
	return (sim_setting){ .name = row->discriminator,
			      .kind = SIM_SETTING_CHOICE, .required = true,
			      .choices = names };
}

bool sim__is_required(const sim_setting *row)
{
	switch (row->kind) {
	case SIM_SETTING_GROUP:
		return row->required;
	case SIM_SETTING_MAP:
	case SIM_SETTING_LIST:
	case SIM_SETTING_VARIANT_LIST:
		return row->required || row->min_items > 0;
	default:
		return row->required || (!row->default_text && !row->optional);
	}
}

static void free_row(const sim_setting *row, char *at);

/* Frees count items of row (entries or elements) and the array. */
static void free_items(const sim_setting *row, char *items, size_t count)
{
	size_t size = items ? sim__item_size(row) : 0;
	for (size_t k = 0; items && k < count; k++) {
		const sim_schema *schema = sim__item_schema(row, items + k * size);
		if (schema)
			sim_params_free(schema, items + k * size);
	}
	free(items);
}

/* Frees what the value of row at `at` (params + row->offset) owns and
   zeroes it. */
static void free_row(const sim_setting *row, char *at)
{
	switch (row->kind) {
	case SIM_SETTING_GROUP:
		sim_params_free(row->group, at);
		break;
	case SIM_SETTING_STRING: {
		char *s, *null = NULL;
		memcpy(&s, at, sizeof s);
		free(s);
		memcpy(at, &null, sizeof null);
		break;
	}
	case SIM_SETTING_MAP: {
		sim_map *map = (sim_map *)(void *)at;
		free_items(row, map->items, map->count);
		for (size_t k = 0; map->ids && k < map->count; k++)
			free(map->ids[k]);
		free(map->ids);
		memset(map, 0, sizeof *map);
		break;
	}
	case SIM_SETTING_LIST:
	case SIM_SETTING_VARIANT_LIST: {
		sim_list *list = (sim_list *)(void *)at;
		free_items(row, list->items, list->count);
		memset(list, 0, sizeof *list);
		break;
	}
	case SIM_SETTING_NUMBERS: {
		sim_numbers *num = (sim_numbers *)(void *)at;
		free(num->values);
		memset(num, 0, sizeof *num);
		break;
	}
	default:
		break;
	}
}

/* ---- resolving -------------------------------------------------------- */

/* What every step of a resolve needs: the tree and where errors go. */
typedef struct resolver {
	sim_config *cfg;
	sim_error *err;
} resolver;

/* The row an entry or element is checked against before its members. */
static const sim_setting any_group = { .name = "", .kind = SIM_SETTING_GROUP };

static int resolve_group(const resolver *r, const sim_schema *schema,
			 config_setting_t *group, const char *path, char *base,
			 const char *skip);

/* "expected <what row takes>, found <what s is>", with a hint for a list
   written as a group or an array; returns -1. */
static int wrong_kind(const resolver *r, const sim_setting *row,
		      const config_setting_t *s, const char *path)
{
	msgbuf mb = { .len = 0 };
	int type = config_setting_type(s);
	sim__mb_add(&mb, "expected ");
	sim__mb_expected(&mb, row);
	sim__mb_add(&mb, ", found ");
	sim__mb_found(&mb, s);
	if ((row->kind == SIM_SETTING_LIST ||
	     row->kind == SIM_SETTING_VARIANT_LIST) &&
	    (type == CONFIG_TYPE_GROUP || type == CONFIG_TYPE_ARRAY))
		sim__mb_add(&mb, "; write a list in parentheses: ( { ... }, "
				 "{ ... } )");
	if (row->shorthand && type == CONFIG_TYPE_STRING) {
		/* replications = "20": a quoted shorthand */
		value v = { .i = 0 };
		msgbuf ignored = { .len = 0 };
		char *copy = strdup(config_setting_get_string(s));
		if (copy && sim__value_from_text(sim__shorthand_row(row), copy,
						 &v, &ignored) == 0)
			sim__mb_add(&mb, "; write it without quotes");
		free(copy);
	}
	return sim__error_at_setting(r->cfg, s, path, &mb, r->err);
}

static void mb_missing(msgbuf *mb, const sim_setting *row)
{
	sim__mb_add(mb, "required setting is missing (expected ");
	sim__mb_expected(mb, row);
	sim__mb_add(mb, ")");
}

/* Checks the size of collection s against row; -1 after filling err. */
static int check_size(const resolver *r, const sim_setting *row,
		      const config_setting_t *s, const char *path)
{
	msgbuf mb = { .len = 0 };
	if (sim__check_count(row, (size_t)config_setting_length(s), &mb) == 0)
		return 0;
	return sim__error_at_setting(r->cfg, s, path, &mb, r->err);
}

/* Fills the map at `at` from group m: each entry, in file order. */
static int resolve_map(const resolver *r, const sim_setting *row,
		       config_setting_t *m, const char *path, char *at)
{
	sim_map *map = (sim_map *)(void *)at;
	size_t n = (size_t)config_setting_length(m), size = sim__item_size(row);
	char child[sizeof r->err->path];
	if (!config_setting_is_group(m))
		return wrong_kind(r, row, m, path);
	if (check_size(r, row, m, path))
		return -1;
	free_row(row, at);
	if (n) {
		map->ids = calloc(n, sizeof *map->ids);
		map->items = calloc(n, size);
		if (!map->ids || !map->items)
			return sim__oom(r->err, path);
	}
	map->count = n;
	for (size_t k = 0; k < n; k++) {
		config_setting_t *e = config_setting_get_elem(m, (unsigned)k);
		sim__join_path(child, sizeof child, path,
			       config_setting_name(e));
		map->ids[k] = strdup(config_setting_name(e));
		if (!map->ids[k])
			return sim__oom(r->err, child);
		if (!config_setting_is_group(e))
			return wrong_kind(r, &any_group, e, child);
		if (resolve_group(r, row->group, e, child,
				  (char *)map->items + k * size, NULL))
			return -1;
	}
	return 0;
}

/* Reads element e's discriminator, stores the variant's index in item's
   tag and returns the variant's schema; NULL after filling err. */
static const sim_schema *pick_variant(const resolver *r,
				      const sim_setting *row,
				      const char *const *names,
				      config_setting_t *e, const char *path,
				      char *item)
{
	sim_setting key = sim__discriminator_row(row, names);
	config_setting_t *d = config_setting_get_member(e, key.name);
	char at[sizeof r->err->path];
	msgbuf mb = { .len = 0 };
	value v = { .i = 0 };
	sim__join_path(at, sizeof at, path, key.name);
	if (!d) {
		mb_missing(&mb, &key);
		sim__error_at_setting(r->cfg, e, at, &mb, r->err);
		return NULL;
	}
	if (sim__value_from_tree(r->cfg, &key, d, &v, &mb)) {
		sim__error_at_setting(r->cfg, d, at, &mb, r->err);
		return NULL;
	}
	memcpy(item + row->tag_offset, &v.choice, sizeof v.choice);
	return row->variants[v.choice].schema;
}

/* Fills item from element k of a list (path "events.[k]"). A variant
   element's discriminator is read first, whatever its place, since it
   says which settings the others may be. */
static int resolve_element(const resolver *r, const sim_setting *row,
			   const char *const *names, config_setting_t *e,
			   size_t k, const char *path, char *item)
{
	char child[sizeof r->err->path], index[32];
	const sim_schema *schema = row->group;
	sim__index_component(index, sizeof index, k);
	sim__join_path(child, sizeof child, path, index);
	if (!config_setting_is_group(e))
		return wrong_kind(r, &any_group, e, child);
	if (row->kind == SIM_SETTING_VARIANT_LIST &&
	    !(schema = pick_variant(r, row, names, e, child, item)))
		return -1;
	return resolve_group(r, schema, e, child, item, row->discriminator);
}

/* Fills the sim_list at `at` from list l (a LIST or a VARIANT_LIST). */
static int resolve_list(const resolver *r, const sim_setting *row,
			config_setting_t *l, const char *path, char *at)
{
	sim_list *list = (sim_list *)(void *)at;
	size_t n = (size_t)config_setting_length(l), size = sim__item_size(row);
	const char **names = NULL;
	int rc = 0;
	if (!config_setting_is_list(l))
		return wrong_kind(r, row, l, path);
	if (check_size(r, row, l, path))
		return -1;
	free_row(row, at);
	if (n && !(list->items = calloc(n, size)))
		return sim__oom(r->err, path);
	list->count = n;
	if (row->kind == SIM_SETTING_VARIANT_LIST &&
	    !(names = sim__variant_names(row)))
		return sim__oom(r->err, path);
	for (size_t k = 0; k < n && rc == 0; k++)
		rc = resolve_element(r, row, names,
				     config_setting_get_elem(l, (unsigned)k),
				     k, path, (char *)list->items + k * size);
	free(names);
	return rc;
}

/* Fills the sim_numbers at `at` from array (or list) a. */
static int resolve_numbers(const resolver *r, const sim_setting *row,
			   config_setting_t *a, const char *path, char *at)
{
	sim_numbers *num = (sim_numbers *)(void *)at;
	sim_setting elem = sim__element_row(row);
	size_t n = (size_t)config_setting_length(a);
	char child[sizeof r->err->path], index[32];
	if (!config_setting_is_array(a) && !config_setting_is_list(a))
		return wrong_kind(r, row, a, path);
	if (check_size(r, row, a, path))
		return -1;
	free_row(row, at);
	if (n && !(num->values = calloc(n, sizeof *num->values)))
		return sim__oom(r->err, path);
	for (size_t k = 0; k < n; k++) {
		config_setting_t *e = config_setting_get_elem(a, (unsigned)k);
		msgbuf mb = { .len = 0 };
		value v = { .i = 0 };
		sim__index_component(index, sizeof index, k);
		sim__join_path(child, sizeof child, path, index);
		if (sim__value_from_tree(r->cfg, &elem, e, &v, &mb))
			return sim__error_at_setting(r->cfg, e, child, &mb,
						     r->err);
		num->values[k] = v.d;
		num->count = k + 1;
	}
	return 0;
}

/* Runs schema's check() on base, the group filled from s (or, inside a
   shorthand, from the setting standing for it). */
static int check_group(const resolver *r, const sim_schema *schema,
		       const config_setting_t *s, const char *path,
		       const char *base)
{
	if (!schema->check || schema->check(base, r->cfg, path, r->err) == 0)
		return 0;
	if (r->err->kind == SIM_ERROR_NONE) { /* a check that forgot err */
		msgbuf mb = { .len = 0 };
		sim__mb_add(&mb, "settings are inconsistent");
		return sim__error_at_setting(r->cfg, s, path, &mb, r->err);
	}
	return -1;
}

static int apply_default(const resolver *r, const sim_setting *row,
			 config_setting_t *group, const config_setting_t *near,
			 const char *path, char *base);

/* Fills base with the default of every setting of schema but `skip`, in
   params only: the group is written as its shorthand, which implies them.
   near is the tree's setting standing for the group, for error lines. */
static int default_members(const resolver *r, const sim_schema *schema,
			   const config_setting_t *near, const char *path,
			   char *base, const sim_setting *skip)
{
	char child[sizeof r->err->path];
	for (size_t k = 0; k < schema->count; k++) {
		const sim_setting *row = &schema->settings[k];
		if (row == skip)
			continue;
		sim__join_path(child, sizeof child, path, row->name);
		if (sim__is_required(row)) /* a bug in the schema table */
			return sim_error_set(r->err, SIM_ERROR_RUNTIME, NULL, 0,
					     child, "invalid schema: a group "
					     "with a shorthand needs a default "
					     "for every other setting");
		if (apply_default(r, row, NULL, near, child, base))
			return -1;
	}
	return 0;
}

/* m, the file's value for a group row with a shorthand, is an integer:
   the shorthand member takes it (checked, and reported, as the group's
   own value), every other member its default, then the group's check. */
static int resolve_shorthand(const resolver *r, const sim_setting *row,
			     const config_setting_t *m, const char *path,
			     char *at)
{
	const sim_setting *inner = sim__shorthand_row(row);
	msgbuf mb = { .len = 0 };
	value v = { .i = 0 };
	sim_params_free(row->group, at);
	if (sim__value_from_tree(r->cfg, inner, m, &v, &mb))
		return sim__error_at_setting(r->cfg, m, path, &mb, r->err);
	if (default_members(r, row->group, m, path, at, inner) ||
	    sim__store_param(inner, at, &v, path, r->err))
		return -1;
	return check_group(r, row->group, m, path, at);
}

/* A GROUP row's member must be the struct its schema lays out, which the
   row builders cannot check at compile time (include/sim_config.h): a
   mismatch is a bug in the schema table. Rows built by hand (member_size
   0) are not checked. */
static int check_member_size(const resolver *r, const sim_setting *row,
			     const char *path)
{
	if (!row->member_size || row->member_size == row->group->size)
		return 0;
	return sim_error_set(r->err, SIM_ERROR_RUNTIME, NULL, 0, path,
			     "invalid schema: the group's member is %zu bytes "
			     "but its schema \"%s\" lays out %zu",
			     row->member_size, row->group->name,
			     row->group->size);
}

/* True for an integer in the tree (libconfig's int or int64). */
static bool is_integer(const config_setting_t *s)
{
	int type = config_setting_type(s);
	return type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64;
}

/* Checks member m, the file's value for row, and fills params at base. */
static int resolve_member(const resolver *r, const sim_setting *row,
			  config_setting_t *m, const char *path, char *base)
{
	char *at = base + row->offset;
	msgbuf mb = { .len = 0 };
	value v = { .i = 0 };
	switch (row->kind) {
	case SIM_SETTING_GROUP:
		if (check_member_size(r, row, path))
			return -1;
		if (row->shorthand && is_integer(m))
			return resolve_shorthand(r, row, m, path, at);
		if (!config_setting_is_group(m))
			return wrong_kind(r, row, m, path);
		return resolve_group(r, row->group, m, path, at, NULL);
	case SIM_SETTING_MAP:
		return resolve_map(r, row, m, path, at);
	case SIM_SETTING_LIST:
	case SIM_SETTING_VARIANT_LIST:
		return resolve_list(r, row, m, path, at);
	case SIM_SETTING_NUMBERS:
		return resolve_numbers(r, row, m, path, at);
	default:
		break;
	}
	if (sim__value_from_tree(r->cfg, row, m, &v, &mb))
		return sim__error_at_setting(r->cfg, m, path, &mb, r->err);
	return sim__store_param(row, base, &v, path, r->err);
}

/* Converts row's default into v; *text receives the heap copy v->s may
   point into (the caller frees it). A default that fails its own checks
   is a bug in the model's table, not in the user's file. */
static int default_value(const resolver *r, const sim_setting *row,
			 const char *path, value *v, char **text)
{
	msgbuf mb = { .len = 0 };
	*text = strdup(row->default_text);
	if (!*text)
		return sim__oom(r->err, path);
	if (sim__value_from_text(row, *text, v, &mb) == 0)
		return 0;
	return sim_error_set(r->err, SIM_ERROR_RUNTIME, NULL, 0, path,
			     "invalid schema default \"%s\": %s",
			     row->default_text, mb.text);
}

/* A group with a shorthand that the file leaves out: written back as its
   shorthand's default (as the file could have said it), then resolved as
   such. */
static int default_shorthand(const resolver *r, const sim_setting *row,
			     config_setting_t *group, const char *path,
			     char *at)
{
	sim_setting named = *sim__shorthand_row(row);
	value v = { .i = 0 };
	char *text = NULL;
	const config_setting_t *m = NULL;
	int rc = default_value(r, &named, path, &v, &text);
	named.name = row->name;
	if (rc == 0 && !(m = sim__store_tree(group, &named, &v)))
		rc = sim__tree_failed(r->err, path);
	if (rc == 0)
		rc = resolve_shorthand(r, row, m, path, at);
	sim__value_release(&v);
	free(text);
	return rc;
}

/* Adds row's default to group (tree and params): a missing group is
   created and filled with its own defaults (or written as its
   shorthand), a missing map or list is written as an empty one. With
   group NULL, inside a group written as its shorthand, fills params only
   (near: the tree's setting standing for the group). */
static int apply_default(const resolver *r, const sim_setting *row,
			 config_setting_t *group, const config_setting_t *near,
			 const char *path, char *base)
{
	char *at = base + row->offset, *text = NULL;
	if (row->kind == SIM_SETTING_GROUP) {
		config_setting_t *m;
		if (check_member_size(r, row, path))
			return -1;
		if (!group)
			return default_members(r, row->group, near, path, at,
					       NULL) ||
				       check_group(r, row->group, near, path, at)
				       ? -1
				       : 0;
		if (row->shorthand)
			return default_shorthand(r, row, group, path, at);
		if (!(m = config_setting_add(group, row->name,
					     CONFIG_TYPE_GROUP)))
			return sim__tree_failed(r->err, path);
		return resolve_group(r, row->group, m, path, at, NULL);
	}
	if (row->kind == SIM_SETTING_MAP || row->kind == SIM_SETTING_LIST ||
	    row->kind == SIM_SETTING_VARIANT_LIST) {
		int type = row->kind == SIM_SETTING_MAP ? CONFIG_TYPE_GROUP
							: CONFIG_TYPE_LIST;
		if (group && !config_setting_add(group, row->name, type))
			return sim__tree_failed(r->err, path);
		return 0; /* params hold an empty collection already */
	}
	if (row->optional) {
		/* Left out, and shown as left out: no default to write back. */
		*(double *)at = NAN;
		return 0;
	}
	value v = { .i = 0 };
	int rc = default_value(r, row, path, &v, &text);
	if (rc == 0 && group && !sim__store_tree(group, row, &v))
		rc = sim__tree_failed(r->err, path);
	if (rc == 0)
		rc = sim__store_param(row, base, &v, path, r->err);
	sim__value_release(&v);
	free(text);
	return rc;
}

/* Checks group against schema and fills base: members in file order (but
   `skip`, a variant element's discriminator), then the missing ones,
   then the schema's check(). */
static int resolve_group(const resolver *r, const sim_schema *schema,
			 config_setting_t *group, const char *path, char *base,
			 const char *skip)
{
	char child[sizeof r->err->path];
	for (int k = 0; k < config_setting_length(group); k++) {
		config_setting_t *m =
			config_setting_get_elem(group, (unsigned)k);
		const char *name = config_setting_name(m);
		const sim_setting *row = sim__find_row(schema, name);
		if (skip && strcmp(name, skip) == 0)
			continue;
		sim__join_path(child, sizeof child, path, name);
		if (!row) {
			msgbuf mb = { .len = 0 };
			sim__mb_unknown(&mb, schema, name);
			return sim__error_at_setting(r->cfg, m, child, &mb,
						     r->err);
		}
		if (resolve_member(r, row, m, child, base))
			return -1;
	}
	for (size_t k = 0; k < schema->count; k++) {
		const sim_setting *row = &schema->settings[k];
		if (config_setting_get_member(group, row->name))
			continue;
		sim__join_path(child, sizeof child, path, row->name);
		if (sim__is_required(row)) {
			msgbuf mb = { .len = 0 };
			mb_missing(&mb, row);
			return sim__error_at_setting(r->cfg, group, child, &mb,
						     r->err);
		}
		if (apply_default(r, row, group, group, child, base))
			return -1;
	}
	return check_group(r, schema, group, path, base);
}

int sim_config_resolve(sim_config *cfg, const sim_schema *root, void *params,
		       sim_error *err)
{
	sim_error scratch;
	resolver r = { cfg, err ? err : &scratch };
	sim_error_clear(r.err);
	return resolve_group(&r, root, sim__config_root(cfg), "",
			     params, NULL);
}

void sim_params_free(const sim_schema *schema, void *params)
{
	if (!params)
		return;
	for (size_t k = 0; k < schema->count; k++)
		free_row(&schema->settings[k],
			 (char *)params + schema->settings[k].offset);
}

long sim_map_find(const sim_map *map, const char *id)
{
	for (size_t k = 0; k < map->count; k++)
		if (strcmp(map->ids[k], id) == 0)
			return (long)k;
	return -1;
}
