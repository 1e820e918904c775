/*
 * config_set.c - sim_config_set: one --set path=value override. The path
 * is walked through the schema and, read-only, the tree, and the value is
 * checked like one in the file before anything is written, so a rejected
 * override leaves no trace; then the value goes into the tree, tagged as
 * coming from --set.
 */
#include "sim_config.h"
#include "config_internal.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The variant schema element e of a VARIANT_LIST names, or NULL when its
   discriminator is missing or unknown. */
static const sim_schema *element_variant(const sim_setting *row,
					 const config_setting_t *e)
{
	const config_setting_t *d =
		config_setting_get_member(e, row->discriminator);
	const char *name = d && config_setting_type(d) == CONFIG_TYPE_STRING
				   ? config_setting_get_string(d)
				   : NULL;
	for (size_t k = 0; name && k < sim__variant_count(row); k++)
		if (strcmp(row->variants[k].name, name) == 0)
			return row->variants[k].schema;
	return NULL;
}

enum { MAX_STEPS = 32 };

/* One setting on the way to an overridden one, for the write phase to
   walk (and create where it is a group the file lacks). */
typedef struct set_step {
	const char *name; /* member name; NULL for a list element */
	unsigned index;   /* the element's index, when name is NULL */
	int type;         /* libconfig type of the member */
	const char *shorthand; /* a group's shorthand member, when the file
				  may hold the group as an integer */
} set_step;

/* What a checked --set writes, and where. */
typedef struct set_target {
	set_step steps[MAX_STEPS];
	size_t n;
	sim_setting row;    /* the setting (a copy: a discriminator's is made
			       up) */
	const char **names; /* variant names row.choices may borrow */
	value v;
} set_target;

/* Where the check walk is: in the schema and, read-only, in the tree. */
typedef struct set_walk {
	const char *full;              /* the whole path, canonical */
	const sim_schema *schema;      /* the group walked; NULL for a variant
					  element of unknown variant */
	const sim_setting *coll;       /* a MAP or LIST whose id or index
					  comes next, else NULL */
	const sim_setting *variant_of; /* the VARIANT_LIST whose element is
					  walked, else NULL */
	const config_setting_t *tree;  /* the tree's setting, or NULL */
	char *at;                      /* path so far, for errors */
	size_t at_size;
} set_walk;

static int push_step(set_target *tg, const char *name, unsigned index,
		     int type, msgbuf *mb)
{
	if (tg->n == MAX_STEPS) {
		sim__mb_add(mb, "path too deep");
		return -1;
	}
	tg->steps[tg->n++] = (set_step){ name, index, type, NULL };
	return 0;
}

/* `name=N` for a group with a shorthand: N is checked as the shorthand
   member and written, as the group's own name, in place of the group. */
static int set_shorthand(set_walk *w, const sim_setting *row, char *text,
			 set_target *tg, msgbuf *mb)
{
	char *end;
	tg->row = *sim__shorthand_row(row);
	tg->row.name = row->name;
	(void)strtoll(text, &end, 0);
	if (sim__value_from_text(&tg->row, text, &tg->v, mb) == 0)
		return 0;
	if (end != text && !*end) /* an integer out of range: no more to say */
		return -1;
	/* Not an integer: perhaps a member was meant. The hint names one
	   other than the shorthand itself. */
	const sim_setting *other = &row->group->settings[0];
	if (other == sim__shorthand_row(row) && row->group->count > 1)
		other++;
	sim__mb_add(mb, "; or set one of its settings, e.g. %s.%s=...", w->at,
		    other->name);
	return -1;
}

/* The last component names row: converts text to its value. Groups and
   collections cannot be set whole (except NUMBERS, and a group's
   shorthand integer). */
static int set_final(set_walk *w, const sim_setting *row, char *text,
		     set_target *tg, msgbuf *mb)
{
	const sim_schema *inner = row->group;
	char idx[32];
	switch (row->kind) {
	case SIM_SETTING_GROUP:
		if (row->shorthand)
			return set_shorthand(w, row, text, tg, mb);
		sim__mb_add(mb, "is a group; set one of its settings");
		if (inner->count)
			sim__mb_add(mb, ", e.g. %s.%s=...", w->at,
				    inner->settings[0].name);
		return -1;
	case SIM_SETTING_MAP:
		sim__mb_add(mb, "is a map; set a setting of one of its "
				"entries");
		if (inner->count)
			sim__mb_add(mb, ", e.g. %s.<id>.%s=...", w->at,
				    inner->settings[0].name);
		return -1;
	case SIM_SETTING_LIST:
	case SIM_SETTING_VARIANT_LIST:
		sim__mb_add(mb, "is a list; set a setting of one of its "
				"elements, e.g. %s.[0].%s=...",
			    w->at,
			    row->kind == SIM_SETTING_LIST
				    ? (inner->count ? inner->settings[0].name
						    : "x")
				    : row->discriminator);
		return -1;
	default:
		break;
	}
	if (row != &tg->row)
		tg->row = *row;
	if (sim__value_from_text(&tg->row, text, &tg->v, mb) == 0)
		return 0;
	if (tg->v.bad >= 0) { /* a NUMBERS element: name it */
		sim__index_component(idx, sizeof idx, (size_t)tg->v.bad);
		sim__join_path(w->at, w->at_size, w->at, idx);
	}
	return -1;
}

/* Steps into the member comp of the group being walked. Returns 1 to go
   on, 0 when comp was the setting, -1 on error. */
static int set_member(set_walk *w, const char *comp, bool last, char *text,
		      set_target *tg, msgbuf *mb)
{
	const sim_setting *row = NULL;
	const config_setting_t *child = NULL;
	if (w->variant_of && strcmp(comp, w->variant_of->discriminator) == 0) {
		tg->names = sim__variant_names(w->variant_of);
		if (!tg->names) {
			sim__mb_add(mb, "out of memory");
			return -1;
		}
		tg->row = sim__discriminator_row(w->variant_of, tg->names);
		row = &tg->row;
	} else if (!w->schema) {
		sim__mb_add(mb, "unknown setting: the element's '%s' is "
				"missing or names no variant, so its settings "
				"are unknown",
			    w->variant_of->discriminator);
		return -1;
	} else if (!(row = sim__find_row(w->schema, comp))) {
		sim__mb_unknown(mb, w->schema, comp);
		return -1;
	}
	if (last)
		return set_final(w, row, text, tg, mb);
	if (w->tree && config_setting_is_group(w->tree))
		child = config_setting_get_member(w->tree, comp);
	w->tree = child;
	w->variant_of = NULL;
	switch (row->kind) {
	case SIM_SETTING_GROUP:
		w->schema = row->group;
		if (push_step(tg, comp, 0, CONFIG_TYPE_GROUP, mb))
			return -1;
		tg->steps[tg->n - 1].shorthand = row->shorthand;
		return 1;
	case SIM_SETTING_MAP:
		w->coll = row;
		return push_step(tg, comp, 0, CONFIG_TYPE_GROUP, mb) ? -1 : 1;
	case SIM_SETTING_LIST:
	case SIM_SETTING_VARIANT_LIST:
		w->coll = row;
		return push_step(tg, comp, 0, CONFIG_TYPE_LIST, mb) ? -1 : 1;
	case SIM_SETTING_NUMBERS:
		sim__mb_add(mb, "'%s' is an array; set it whole, e.g. "
				"%s=[1, 2]",
			    w->at, w->at);
		break;
	default:
		sim__mb_add(mb, "unknown setting; '%s' is a setting, not a "
				"group",
			    w->at);
		break;
	}
	snprintf(w->at, w->at_size, "%s", w->full);
	return -1;
}

/* "no such entry; did you mean 'qwen'?" or the ids the map has. */
static void mb_unknown_id(msgbuf *mb, const config_setting_t *map,
			  const char *id)
{
	const char *best = NULL;
	int best_d = INT_MAX, n = map && config_setting_is_group(map)
					  ? config_setting_length(map)
					  : 0;
	for (int k = 0; k < n; k++)
		sim__consider(id, config_setting_name(config_setting_get_elem(
					  map, (unsigned)k)),
			      &best, &best_d);
	sim__mb_add(mb, "no such entry in the file");
	if (best) {
		sim__mb_add(mb, "; did you mean '%s'?", best);
		return;
	}
	if (n == 0) {
		sim__mb_add(mb, " (it has none; --set changes entries, it does "
				"not add them)");
		return;
	}
	sim__mb_add(mb, "; it has: ");
	for (int k = 0; k < n; k++)
		sim__mb_add(mb, "%s%s", k ? ", " : "",
			    config_setting_name(
				    config_setting_get_elem(map, (unsigned)k)));
}

/* Steps into the map entry named comp; see set_member. */
static int set_entry(set_walk *w, const sim_setting *map, const char *comp,
		     bool last, set_target *tg, msgbuf *mb)
{
	const config_setting_t *e =
		w->tree && config_setting_is_group(w->tree)
			? config_setting_get_member(w->tree, comp)
			: NULL;
	if (!e) {
		mb_unknown_id(mb, w->tree, comp);
		return -1;
	}
	if (last) {
		sim__mb_add(mb, "is an entry; set one of its settings");
		if (map->group->count)
			sim__mb_add(mb, ", e.g. %s.%s=...", w->at,
				    map->group->settings[0].name);
		return -1;
	}
	w->schema = map->group;
	w->tree = e;
	return push_step(tg, comp, 0, CONFIG_TYPE_GROUP, mb) ? -1 : 1;
}

/* Parses "[12]" into *index. */
static bool parse_index(const char *comp, unsigned *index)
{
	char *end;
	unsigned long k;
	if (comp[0] != '[' || !isdigit((unsigned char)comp[1]))
		return false;
	errno = 0;
	k = strtoul(comp + 1, &end, 10);
	if (errno || end[0] != ']' || end[1] || k > UINT_MAX)
		return false;
	*index = (unsigned)k;
	return true;
}

/* Steps into the list element comp ("[2]"); see set_member. */
static int set_element(set_walk *w, const sim_setting *list,
		       const char *comp, bool last, set_target *tg,
		       msgbuf *mb)
{
	unsigned k;
	const config_setting_t *e;
	int n = w->tree && config_setting_is_list(w->tree)
			? config_setting_length(w->tree)
			: 0;
	if (!parse_index(comp, &k)) {
		sim__mb_add(mb, "expected an element index such as [0], "
				"found ");
		sim__mb_quote(mb, comp);
		return -1;
	}
	if (k >= (unsigned)n) {
		sim__mb_add(mb, "no such element in the file (the list has %d; "
				"--set changes elements, it does not add them)",
			    n);
		return -1;
	}
	e = config_setting_get_elem(w->tree, k);
	if (!config_setting_is_group(e)) {
		sim__mb_add(mb, "expected a group { ... }, found ");
		sim__mb_found(mb, e);
		return -1;
	}
	if (last) {
		sim__mb_add(mb, "is an element; set one of its settings, e.g. "
				"%s.%s=...",
			    w->at,
			    list->kind == SIM_SETTING_LIST
				    ? (list->group->count
					       ? list->group->settings[0].name
					       : "x")
				    : list->discriminator);
		return -1;
	}
	w->tree = e;
	if (list->kind == SIM_SETTING_VARIANT_LIST) {
		w->variant_of = list;
		w->schema = element_variant(list, e);
	} else {
		w->schema = list->group;
	}
	return push_step(tg, NULL, k, CONFIG_TYPE_GROUP, mb) ? -1 : 1;
}

/* Checks one --set against the schema and the tree and converts its value
   into tg; on failure names the offending path in at and describes the
   problem in mb. path is canonical and is cut up in place (the steps point
   into it). Touches no tree, so a rejected override leaves no trace. */
static int check_override(const sim_config *cfg, const sim_schema *root,
			  const char *full, char *path, char *text,
			  set_target *tg, char *at, size_t at_size, msgbuf *mb)
{
	set_walk w = { .full = full, .schema = root,
		       .tree = sim__config_root(cfg), .at = at,
		       .at_size = at_size };
	int rc = 1;
	at[0] = '\0';
	for (char *comp = path; rc == 1;) {
		size_t len = strcspn(comp, ".");
		bool last = comp[len] == '\0';
		const sim_setting *coll = w.coll;
		comp[len] = '\0';
		sim__join_path(at, at_size, at, comp);
		w.coll = NULL;
		if (!coll)
			rc = set_member(&w, comp, last, text, tg, mb);
		else if (coll->kind == SIM_SETTING_MAP)
			rc = set_entry(&w, coll, comp, last, tg, mb);
		else
			rc = set_element(&w, coll, comp, last, tg, mb);
		comp += len + 1;
	}
	return rc;
}

/* The member st names in parent, for an override to write into. A group
   the file wrote as its shorthand integer (`replications = 20`) becomes
   the group it stands for ({ min = 20; }), so `replications.max=50` keeps
   the 20; a value of any other type in the way is replaced. NULL when
   out of memory. */
static config_setting_t *step_into(config_setting_t *parent,
				   const set_step *st)
{
	config_setting_t *s = config_setting_get_member(parent, st->name);
	int type = s ? config_setting_type(s) : CONFIG_TYPE_NONE;
	config_setting_t *g, *m;
	long long n;
	if (!st->shorthand ||
	    (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64))
		return sim__member_of_type(parent, st->name, st->type);
	n = config_setting_get_int64(s);
	config_setting_remove(parent, st->name);
	g = config_setting_add(parent, st->name, CONFIG_TYPE_GROUP);
	m = g ? config_setting_add(g, st->shorthand, type) : NULL;
	if (!m || !(type == CONFIG_TYPE_INT ? config_setting_set_int(m, (int)n)
					    : config_setting_set_int64(m, n)))
		return NULL;
	return g;
}

/* Writes a checked override into the tree: walks its steps, creating the
   groups the file lacks, and stores the value. Every setting written is
   tagged with the config itself, so that later errors point at --set
   rather than at the file line of the value it replaced. */
static int apply_override(sim_config *cfg, const set_target *tg,
			  const char *at, sim_error *err)
{
	config_setting_t *s = sim__config_root(cfg);
	for (size_t k = 0; s && k < tg->n; k++) {
		const set_step *st = &tg->steps[k];
		if (!st->name) {
			s = config_setting_get_elem(s, st->index);
			continue;
		}
		/* A value of another type in the way (even a scalar where a
		   group belongs) is replaced: later overrides win. */
		s = step_into(s, st);
		if (s && config_setting_source_line(s) == 0)
			config_setting_set_hook(s, cfg);
	}
	if (s)
		s = sim__store_tree(s, &tg->row, &tg->v);
	if (!s)
		return sim__tree_failed(err, at);
	config_setting_set_hook(s, cfg);
	return 0;
}

int sim_config_set(sim_config *cfg, const sim_schema *root,
		   const char *assignment, sim_error *err)
{
	const char *eq = strchr(assignment, '=');
	char full[sizeof err->path], at[sizeof err->path];
	if (!eq)
		return sim_error_set(err, SIM_ERROR_CONFIG, "--set", 0,
				     assignment, "expected path=value");
	if (eq == assignment)
		return sim_error_set(err, SIM_ERROR_CONFIG, "--set", 0, NULL,
				     "expected path=value, found \"%s\"",
				     assignment);
	char *path = strdup(assignment), *text;
	set_target *tg = calloc(1, sizeof *tg);
	if (!path || !tg) {
		free(path);
		free(tg);
		return sim__oom(err, NULL);
	}
	path[eq - assignment] = '\0';
	text = path + (eq - assignment) + 1;
	sim__canonical_path(full, sizeof full, path);
	tg->v.bad = -1;
	msgbuf mb = { .len = 0 };
	int rc;
	char *walked = strdup(full);
	if (!walked)
		rc = sim__oom(err, NULL);
	else if (check_override(cfg, root, full, walked, text, tg, at,
				sizeof at, &mb))
		rc = sim_error_set(err, SIM_ERROR_CONFIG, "--set", 0, at,
				   "%s", mb.text);
	else
		rc = apply_override(cfg, tg, full, err);
	sim__value_release(&tg->v);
	free(tg->names);
	free(tg);
	free(walked);
	free(path);
	return rc;
}
