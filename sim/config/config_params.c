/*
 * config_params.c - resolved params changed in place: a setting located
 * by its path in the struct sim_config_resolve filled, and every schema's
 * check() run again on the struct, as resolve runs them (see
 * include/sim_config.h). A sweep's checks use them to try each point's
 * values without parsing or resolving the file again.
 */
#include "sim_config.h"
#include "config_internal.h"

#include <stdlib.h>
#include <string.h>

/* The item `comp` names in collection row at `at` ("[3]" in a list, an id
   in a map) and its schema in *schema; NULL when there is none. */
static char *locate_item(const sim_setting *row, char *at, const char *comp,
			 const sim_schema **schema)
{
	size_t k;
	if (row->kind == SIM_SETTING_MAP) {
		const sim_map *map = (const sim_map *)(void *)at;
		long found = sim_map_find(map, comp);
		if (found < 0)
			return NULL;
		k = (size_t)found;
	} else {
		const sim_list *list = (const sim_list *)(void *)at;
		char *end;
		if (comp[0] != '[' || comp[1] < '0' || comp[1] > '9')
			return NULL;
		k = strtoul(comp + 1, &end, 10);
		if (strcmp(end, "]") != 0 || k >= list->count)
			return NULL;
	}
	char *items = row->kind == SIM_SETTING_MAP ? ((sim_map *)(void *)at)->items
						   : ((sim_list *)(void *)at)->items;
	char *item = items + k * sim__item_size(row);
	*schema = sim__item_schema(row, item);
	return *schema ? item : NULL;
}

void *sim_params_locate(const sim_schema *root, void *params, const char *path,
			const sim_setting **row_out)
{
	char canon[512];
	sim__canonical_path(canon, sizeof canon, path);
	const sim_schema *schema = root;
	char *base = params;
	for (char *comp = canon, *next; comp && schema; comp = next) {
		next = strchr(comp, '.');
		if (next)
			*next++ = '\0';
		const sim_setting *row = sim__find_row(schema, comp);
		if (!row)
			return NULL;
		char *at = base + row->offset;
		schema = NULL;
		if (row->kind == SIM_SETTING_GROUP && !row->shorthand) {
			schema = row->group;
			base = at;
		} else if (row->kind == SIM_SETTING_MAP || row->kind == SIM_SETTING_LIST ||
			   row->kind == SIM_SETTING_VARIANT_LIST) {
			comp = next;
			next = comp ? strchr(comp, '.') : NULL;
			if (next)
				*next++ = '\0';
			base = comp ? locate_item(row, at, comp, &schema) : NULL;
		} else if (!next && (row->kind == SIM_SETTING_INT || row->kind == SIM_SETTING_FLOAT ||
				     row->kind == SIM_SETTING_STRING)) {
			*row_out = row;
			return at;
		}
	}
	return NULL;
}

static int check_schema(const sim_schema *schema, const char *base, const sim_config *cfg,
			const char *path, sim_error *err);

/* Checks the items of collection row at `at` (path: the collection's). */
static int check_items(const sim_setting *row, const char *at, const sim_config *cfg,
		       const char *path, sim_error *err)
{
	const sim_map *map = (const sim_map *)(const void *)at;
	const sim_list *list = (const sim_list *)(const void *)at;
	size_t n = row->kind == SIM_SETTING_MAP ? map->count : list->count;
	const char *items = row->kind == SIM_SETTING_MAP ? map->items : list->items;
	char child[sizeof err->path], index[32];
	for (size_t k = 0; k < n; k++) {
		const char *item = items + k * sim__item_size(row);
		const sim_schema *schema = sim__item_schema(row, item);
		if (row->kind == SIM_SETTING_MAP) {
			sim__join_path(child, sizeof child, path, map->ids[k]);
		} else {
			sim__index_component(index, sizeof index, k);
			sim__join_path(child, sizeof child, path, index);
		}
		if (schema && check_schema(schema, item, cfg, child, err) != 0)
			return -1;
	}
	return 0;
}

/* Runs the checks of every group within schema's struct at base, then
   schema's own (innermost first, as resolve does). */
static int check_schema(const sim_schema *schema, const char *base, const sim_config *cfg,
			const char *path, sim_error *err)
{
	char child[sizeof err->path];
	for (size_t k = 0; k < schema->count; k++) {
		const sim_setting *row = &schema->settings[k];
		const char *at = base + row->offset;
		bool group = row->kind == SIM_SETTING_GROUP;
		if (!group && row->kind != SIM_SETTING_MAP && row->kind != SIM_SETTING_LIST &&
		    row->kind != SIM_SETTING_VARIANT_LIST)
			continue;
		sim__join_path(child, sizeof child, path, row->name);
		if ((group ? check_schema(row->group, at, cfg, child, err)
			   : check_items(row, at, cfg, child, err)) != 0)
			return -1;
	}
	if (!schema->check || schema->check(base, cfg, path, err) == 0)
		return 0;
	if (err->kind == SIM_ERROR_NONE) /* a check that forgot err */
		sim_config_error_at(cfg, path, err, "settings are inconsistent");
	return -1;
}

int sim_params_check(const sim_schema *root, const void *params, const sim_config *cfg,
		     sim_error *err)
{
	sim_error_clear(err);
	return check_schema(root, params, cfg, "", err);
}
