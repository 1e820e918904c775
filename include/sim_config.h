/*
 * sim_config.h - experiment files: libconfig parsing plus a schema layer.
 *
 * A model declares its settings as a const table of sim_setting rows (name,
 * kind, where the value lands in the model's parameter struct, default,
 * range, doc string). The loader checks a parsed libconfig tree against such
 * a schema and fills the struct: unknown keys are rejected with a "did you
 * mean" hint; wrong types, out-of-range values, NaN/inf and missing required
 * settings are reported as `file:line: path: expected ..., found ...`.
 * Command-line overrides (`--set path=value`) go through the same checks.
 *
 * Collections. Besides scalars and nested groups a schema can hold:
 *   MAP           models = { qwen = { ... }; claude = { ... }; };
 *                 user-chosen ids, each entry a group laid out by `group`;
 *   LIST          segments = ( { ... }, { ... } );  groups laid out by `group`;
 *   VARIANT_LIST  events = ( { type = "price_change"; ... }, ... );  each
 *                 element's `type` member (the row's discriminator) picks
 *                 the sim_variant whose schema lays the element out;
 *   NUMBERS       weights = [0.1, 0.9];  or (1, 0.5): each element a number
 *                 in the row's [min, max].
 * They fill sim_map, sim_list and sim_numbers structs (below), allocated by
 * sim_config_resolve and released by sim_params_free; counts are checked
 * against the row's min_items/max_items. An absent collection is empty
 * (and written back as such) unless the row is required or min_items > 0.
 *
 * Shorthand. A GROUP row may name one of its INT members as its
 * `shorthand`: the group can then also be written as a plain integer, and
 * `replications = 20` resolves exactly as `replications = { min = 20; }`,
 * every other member at its default. The tree keeps what was written (a
 * group left out is written back as its shorthand's default), so the
 * resolved config reads the same as before the group existed. `--set
 * replications=20` replaces the whole group by the integer; `--set
 * replications.max=50` on a file saying `replications = 20` first turns
 * it into { min = 20; } and then sets max.
 *
 * Paths name entries by id and elements by index in libconfig's own syntax:
 * `market.models.qwen.price_out`, `market.events.[2].day`,
 * `market.weights.[0]` (`events[2]` is accepted as input too). Error
 * messages, schema check() callbacks, sim_config_error_at and --set all use
 * them; --set edits members of entries and elements the file already has,
 * or replaces a NUMBERS array whole (`w=[1,2,3]` or `w=1,2,3`).
 *
 * Nothing here prints or exits: every failure fills a sim_error of kind
 * SIM_ERROR_CONFIG and returns -1. Validation completes before any output
 * is opened, so a bad file never leaves anything behind.
 *
 * Typical use (the runner does this):
 *     sim_config *cfg = sim_config_parse(path, &err);
 *     for each --set:  sim_config_set(cfg, &root_schema, "a.b=3", &err);
 *     sim_config_resolve(cfg, &root_schema, params, &err);
 *     ... run with params ...
 *     sim_params_free(&root_schema, params);
 *     sim_config_free(cfg);
 */
#ifndef SIM_CONFIG_H
#define SIM_CONFIG_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim_error.h"

/* What a setting holds, and the C type at its offset in the params struct. */
typedef enum sim_setting_kind {
	SIM_SETTING_INT,    /* int64_t; libconfig int or int64 */
	SIM_SETTING_FLOAT,  /* double; libconfig float or int; finite only */
	SIM_SETTING_BOOL,   /* bool */
	SIM_SETTING_STRING, /* char *, heap copy owned by the params struct */
	SIM_SETTING_CHOICE, /* int, index into `choices`; written as a string */
	SIM_SETTING_GROUP,  /* nested struct laid out by `group`, inline at offset */
	SIM_SETTING_MAP,    /* sim_map; entries laid out by `group` */
	SIM_SETTING_LIST,   /* sim_list; elements laid out by `group` */
	SIM_SETTING_NUMBERS,/* sim_numbers; each element checked against min/max */
	SIM_SETTING_VARIANT_LIST, /* sim_list; elements laid out by `variants` */
} sim_setting_kind;

struct sim_schema;
struct sim_config;

/* A MAP's entries, in file order: ids[i] names items[i]. items is an array
   of count structs of group->size bytes. All heap, owned by the params. */
typedef struct sim_map {
	size_t count;
	char **ids;
	void *items;
} sim_map;

/* A LIST's or VARIANT_LIST's elements: an array of count structs (for a
   variant list, of the largest variant schema's size). */
typedef struct sim_list {
	size_t count;
	void *items;
} sim_list;

/* A NUMBERS array. */
typedef struct sim_numbers {
	size_t count;
	double *values;
} sim_numbers;

/* One alternative of a VARIANT_LIST. All variants of a list lay out the
   same element struct, typically a tag, the members every variant shares
   and a union of per-variant structs:
       typedef struct mkt_event {
               int type;                 (the variant's index, set by resolve)
               double day;
               union { mkt_price_change price_change; ... } u;
       } mkt_event;
   and each variant's schema is SIM_SCHEMA(..., mkt_event, ...) with rows
   such as SIM_FLOAT("price_out", mkt_event, u.price_change.price_out, ...).
   A variant's check() sees the whole element. */
typedef struct sim_variant {
	const char *name;                /* discriminator value; NULL ends
					    the table */
	const struct sim_schema *schema; /* the element's settings, less the
					    discriminator */
	const char *doc;                 /* one line, for config-doc */
} sim_variant;

/* One setting of a schema. Build rows with the SIM_* macros below. */
typedef struct sim_setting {
	const char *name;          /* key in the libconfig group */
	sim_setting_kind kind;
	size_t offset;             /* offsetof(params struct, field) */
	size_t member_size;        /* sizeof that field, set by the row
				      builders; 0 (unknown) in a row built
				      by hand. sim_config_resolve fails
				      when a GROUP row's differs from its
				      group's size. */
	bool required;             /* true: no default, must be given */
	bool optional;             /* FLOAT: may be left out, and then has no
				      value: NaN in params, nothing written
				      back (a search's start: "absent" means
				      something no number could) */
	const char *default_text;  /* default, written as a --set value; NULL
				      for required settings and groups */
	double min, max;           /* inclusive range for INT and FLOAT */
	bool min_open, max_open;   /* true: that bound is exclusive */
	const char *const *choices;/* NULL-terminated list, for CHOICE */
	const struct sim_schema *group; /* layout of a GROUP, or of a MAP's
					   entries and a LIST's elements */
	const char *doc;           /* one line: what it means, its unit */
	const char *shorthand;     /* GROUP only: the INT member the group may
				      be written as (`name = N` means
				      `name = { <shorthand> = N; }`); NULL:
				      none. Every other member needs a
				      default. */
	/* Collections only. */
	size_t min_items;          /* fewest entries/elements allowed */
	size_t max_items;          /* most allowed; 0: no limit */
	const char *discriminator; /* VARIANT_LIST: member naming the variant */
	const sim_variant *variants; /* VARIANT_LIST: the alternatives */
	size_t tag_offset;         /* VARIANT_LIST: offsetof(element, int tag)
				      where the variant's index is stored */
} sim_setting;

/* A group of settings filling one C struct. */
typedef struct sim_schema {
	const char *name;          /* for docs, e.g. "phold" */
	const sim_setting *settings;
	size_t count;
	size_t size;               /* sizeof the struct it fills */
	/* Optional cross-setting check run after every field is filled, e.g.
	   "lookahead < mean". Reports through err (use sim_config_error_at to
	   point at a setting) and returns -1 on failure. `path` is the group's
	   own path ("phold"); `cfg` locates settings for error lines. */
	int (*check)(const void *params, const struct sim_config *cfg,
		     const char *path, sim_error *err);
} sim_schema;

#define SIM_SCHEMA(name_, rows_, type_, check_) \
	{ (name_), (rows_), sizeof(rows_) / sizeof((rows_)[0]), sizeof(type_), (check_) }

/* Type checks. Each row builder checks at compile time the C type of the
   member it points at, the type sim_setting_kind names:
       SIM_INT                      int64_t
       SIM_FLOAT, SIM_FLOAT_ABOVE   double
       SIM_BOOL                     bool
       SIM_STRING                   char *
       SIM_CHOICE                   int (the choice's index)
       SIM_GROUP, SIM_GROUP_OR_INT  a struct, not sim_map, sim_list nor
                                    sim_numbers
       SIM_MAP                      sim_map
       SIM_LIST                     sim_list
       SIM_NUMBERS                  sim_numbers
       SIM_VARIANT_LIST             sim_list, and ITEM's TAG an int
   The loader copies exactly that type's bytes to the member's offset, so
   a row on a member of another type would overwrite its neighbours;
   instead it fails to compile:
       error: static assertion failed: "SIM_INT(phold_params, lps): the
       member must be int64_t"
   Types must match exactly: a `long long`, a `const char *`, a `char
   name[16]`, an enum for a CHOICE fail too. That a GROUP's member is the
   size of the struct its SCHEMA lays out cannot be checked here (the
   schema's size is a value in another object, not a constant): the row
   records the member's size and sim_config_resolve refuses a mismatch.
   A check is an integer constant expression, 0 times the size of a struct
   holding a _Static_assert, added to the row's offset, so rows stay valid
   in static initialisers. */
#define SIM__MEMBER_IS(TYPE, FIELD, CTYPE) \
	_Generic(&((TYPE *)0)->FIELD, CTYPE *: 1, default: 0)
#define SIM__CHECKED(VALUE, OK, MSG) \
	((VALUE) + 0 * sizeof(struct { _Static_assert(OK, MSG); int sim__unused; }))
/* offsetof(TYPE, FIELD), compiling only when the member is a CTYPE. */
#define SIM__OFFSET(MACRO, TYPE, FIELD, CTYPE)                             \
	SIM__CHECKED(offsetof(TYPE, FIELD), SIM__MEMBER_IS(TYPE, FIELD, CTYPE), \
		     MACRO "(" #TYPE ", " #FIELD "): the member must be " #CTYPE)
/* A struct, but not one of the collections. gcc and clang classify a
   struct as 12 (record_type_class); elsewhere only the latter is checked. */
#if defined(__GNUC__)
#define SIM__IS_STRUCT(TYPE, FIELD) \
	(__builtin_classify_type(((TYPE *)0)->FIELD) == 12)
#else
#define SIM__IS_STRUCT(TYPE, FIELD) 1
#endif
#define SIM__GROUP_OFFSET(MACRO, TYPE, FIELD)                              \
	SIM__CHECKED(offsetof(TYPE, FIELD),                                \
		     SIM__IS_STRUCT(TYPE, FIELD) &&                        \
			     !SIM__MEMBER_IS(TYPE, FIELD, sim_map) &&      \
			     !SIM__MEMBER_IS(TYPE, FIELD, sim_list) &&     \
			     !SIM__MEMBER_IS(TYPE, FIELD, sim_numbers),    \
		     MACRO "(" #TYPE ", " #FIELD "): the member must be a "   \
			   "struct, the one SCHEMA lays out")
#define SIM__MEMBER_SIZE(TYPE, FIELD) sizeof(((TYPE *)0)->FIELD)

/* Row builders. DEF is the default as text (e.g. "0.25"), or NULL to make
   the setting required. LO/HI are inclusive bounds. */
#define SIM_INT(NAME, TYPE, FIELD, DEF, LO, HI, DOC)                       \
	{ .name = (NAME), .kind = SIM_SETTING_INT,                         \
	  .offset = SIM__OFFSET("SIM_INT", TYPE, FIELD, int64_t),          \
	  .member_size = SIM__MEMBER_SIZE(TYPE, FIELD),                    \
	  .required = (DEF) == NULL,                                       \
	  .default_text = (DEF), .min = (LO), .max = (HI), .doc = (DOC) }
#define SIM_FLOAT(NAME, TYPE, FIELD, DEF, LO, HI, DOC)                     \
	{ .name = (NAME), .kind = SIM_SETTING_FLOAT,                       \
	  .offset = SIM__OFFSET("SIM_FLOAT", TYPE, FIELD, double),         \
	  .member_size = SIM__MEMBER_SIZE(TYPE, FIELD),                    \
	  .required = (DEF) == NULL,                                       \
	  .default_text = (DEF), .min = (LO), .max = (HI), .doc = (DOC) }
/* A float the file may leave out: then the member is NaN and the resolved
   configuration does not show it. */
#define SIM_FLOAT_OPTIONAL(NAME, TYPE, FIELD, LO, HI, DOC)                 \
	{ .name = (NAME), .kind = SIM_SETTING_FLOAT,                       \
	  .offset = SIM__OFFSET("SIM_FLOAT_OPTIONAL", TYPE, FIELD, double), \
	  .member_size = SIM__MEMBER_SIZE(TYPE, FIELD), .optional = true,  \
	  .min = (LO), .max = (HI), .doc = (DOC) }
/* A float with an exclusive lower bound, e.g. "mean > 0". */
#define SIM_FLOAT_ABOVE(NAME, TYPE, FIELD, DEF, LO, HI, DOC)               \
	{ .name = (NAME), .kind = SIM_SETTING_FLOAT,                       \
	  .offset = SIM__OFFSET("SIM_FLOAT_ABOVE", TYPE, FIELD, double),   \
	  .member_size = SIM__MEMBER_SIZE(TYPE, FIELD),                    \
	  .required = (DEF) == NULL,                                       \
	  .default_text = (DEF), .min = (LO), .max = (HI), .min_open = true, \
	  .doc = (DOC) }
#define SIM_BOOL(NAME, TYPE, FIELD, DEF, DOC)                              \
	{ .name = (NAME), .kind = SIM_SETTING_BOOL,                        \
	  .offset = SIM__OFFSET("SIM_BOOL", TYPE, FIELD, bool),            \
	  .member_size = SIM__MEMBER_SIZE(TYPE, FIELD),                    \
	  .required = (DEF) == NULL,                                       \
	  .default_text = (DEF), .doc = (DOC) }
#define SIM_STRING(NAME, TYPE, FIELD, DEF, DOC)                            \
	{ .name = (NAME), .kind = SIM_SETTING_STRING,                      \
	  .offset = SIM__OFFSET("SIM_STRING", TYPE, FIELD, char *),        \
	  .member_size = SIM__MEMBER_SIZE(TYPE, FIELD),                    \
	  .required = (DEF) == NULL,                                       \
	  .default_text = (DEF), .doc = (DOC) }
#define SIM_CHOICE(NAME, TYPE, FIELD, DEF, CHOICES, DOC)                   \
	{ .name = (NAME), .kind = SIM_SETTING_CHOICE,                      \
	  .offset = SIM__OFFSET("SIM_CHOICE", TYPE, FIELD, int),           \
	  .member_size = SIM__MEMBER_SIZE(TYPE, FIELD),                    \
	  .required = (DEF) == NULL,                                       \
	  .default_text = (DEF), .choices = (CHOICES), .doc = (DOC) }
/* A nested group; all its settings may take defaults, so the group itself
   may be omitted from the file. */
#define SIM_GROUP(NAME, TYPE, FIELD, SCHEMA, DOC)                          \
	{ .name = (NAME), .kind = SIM_SETTING_GROUP,                       \
	  .offset = SIM__GROUP_OFFSET("SIM_GROUP", TYPE, FIELD),           \
	  .member_size = SIM__MEMBER_SIZE(TYPE, FIELD),                    \
	  .group = (SCHEMA), .doc = (DOC) }

/* A nested group that may also be written as an integer: the value of
   its INT member SHORTHAND (a string, e.g. "min"), the others at their
   defaults. Absent from the file, it is its shorthand's default. */
#define SIM_GROUP_OR_INT(NAME, TYPE, FIELD, SCHEMA, SHORTHAND, DOC)        \
	{ .name = (NAME), .kind = SIM_SETTING_GROUP,                       \
	  .offset = SIM__GROUP_OFFSET("SIM_GROUP_OR_INT", TYPE, FIELD),    \
	  .member_size = SIM__MEMBER_SIZE(TYPE, FIELD),                    \
	  .group = (SCHEMA), .shorthand = (SHORTHAND), .doc = (DOC) }

/* A map of entries laid out by SCHEMA, MIN_N to MAX_N of them (MAX_N 0:
   no limit); required when MIN_N > 0, else absent means empty. */
#define SIM_MAP(NAME, TYPE, FIELD, SCHEMA, MIN_N, MAX_N, DOC)              \
	{ .name = (NAME), .kind = SIM_SETTING_MAP,                         \
	  .offset = SIM__OFFSET("SIM_MAP", TYPE, FIELD, sim_map),          \
	  .member_size = SIM__MEMBER_SIZE(TYPE, FIELD), .group = (SCHEMA), \
	  .min_items = (MIN_N), .max_items = (MAX_N), .doc = (DOC) }
/* A list of groups laid out by SCHEMA; counts as for SIM_MAP. */
#define SIM_LIST(NAME, TYPE, FIELD, SCHEMA, MIN_N, MAX_N, DOC)             \
	{ .name = (NAME), .kind = SIM_SETTING_LIST,                        \
	  .offset = SIM__OFFSET("SIM_LIST", TYPE, FIELD, sim_list),        \
	  .member_size = SIM__MEMBER_SIZE(TYPE, FIELD), .group = (SCHEMA), \
	  .min_items = (MIN_N), .max_items = (MAX_N), .doc = (DOC) }
/* An array of numbers, each in [LO, HI]. DEF as text ("[0.5, 0.5]", "[]")
   or NULL for required. */
#define SIM_NUMBERS(NAME, TYPE, FIELD, DEF, LO, HI, MIN_N, MAX_N, DOC)     \
	{ .name = (NAME), .kind = SIM_SETTING_NUMBERS,                     \
	  .offset = SIM__OFFSET("SIM_NUMBERS", TYPE, FIELD, sim_numbers),  \
	  .member_size = SIM__MEMBER_SIZE(TYPE, FIELD),                    \
	  .required = (DEF) == NULL,                                       \
	  .default_text = (DEF), .min = (LO), .max = (HI),                 \
	  .min_items = (MIN_N), .max_items = (MAX_N), .doc = (DOC) }
/* A list of ITEM structs whose member KEY (e.g. "type") names one of
   VARIANTS; its index goes to the int ITEM.TAG. Counts as for SIM_MAP. */
#define SIM_VARIANT_LIST(NAME, TYPE, FIELD, ITEM, TAG, KEY, VARIANTS,     \
			 MIN_N, MAX_N, DOC)                                \
	{ .name = (NAME), .kind = SIM_SETTING_VARIANT_LIST,                \
	  .offset = SIM__OFFSET("SIM_VARIANT_LIST", TYPE, FIELD, sim_list), \
	  .member_size = SIM__MEMBER_SIZE(TYPE, FIELD),                    \
	  .discriminator = (KEY), .variants = (VARIANTS),                  \
	  .tag_offset = SIM__CHECKED(offsetof(ITEM, TAG),                  \
				     SIM__MEMBER_IS(ITEM, TAG, int),       \
				     "SIM_VARIANT_LIST(" #ITEM ", " #TAG   \
				     "): the tag member must be int"),     \
	  .min_items = (MIN_N), .max_items = (MAX_N), .doc = (DOC) }

/* A parsed experiment file (libconfig tree after @include). Opaque. */
typedef struct sim_config sim_config;

/* The most an experiment's files may hold: the main file and every file it
   @includes, each inclusion counted, 16 MiB in all; a file a setting names
   (`targets`) at most as much on its own. */
#define SIM_CONFIG_MAX_BYTES (16 << 20)
/* How deep @include may nest (libconfig's own limit). */
#define SIM_INCLUDE_MAX_DEPTH 10

/* Parses the libconfig file at path; @include is resolved relative to the
   file's folder. Before libconfig reads anything, the file and every file
   it includes are checked: regular files (not a directory, FIFO or
   device), SIM_CONFIG_MAX_BYTES in all, nested at most
   SIM_INCLUDE_MAX_DEPTH deep, and each @include a relative name without
   control characters or backslashes whose ".." never climbs above the
   main file's folder. Returns NULL and fills err (syntax errors and
   refused includes carry file:line; a missing or unreadable file says so)
   on failure. */
sim_config *sim_config_parse(const char *path, sim_error *err);

/* Parses libconfig text held in memory (for tests); `name` stands in for
   the file name in messages. @include is resolved relative to the current
   directory. */
sim_config *sim_config_parse_string(const char *text, const char *name,
				    sim_error *err);

/* Frees a parsed config; NULL is allowed. */
void sim_config_free(sim_config *cfg);

/* The file name given to sim_config_parse. */
const char *sim_config_file(const sim_config *cfg);

/* The path of the file `name` that the setting at `setting` names (e.g.
   "targets"), relative to the experiment file's folder and held to the
   rules of an @include: relative, no control characters or backslashes,
   no ".." above the folder, a regular file of at most SIM_CONFIG_MAX_BYTES.
   A file that does not exist passes (its reader says so). Returns the
   path, joined to the folder (heap), or NULL with err at the setting. */
char *sim_config_file_path(const sim_config *cfg, const char *setting, const char *name,
			   sim_error *err);

/* Applies one override "path=value" (value as written on a command line:
   3, 0.25, true, hello or "hello"; for NUMBERS [1,2.5] or 1,2.5). The path
   must name a setting of `root`: "market.models.qwen.price_out" for a
   member of a map entry, "market.events.[0].day" for a member of a list
   element (the element's variant decides which members exist; its
   discriminator may be set too); a group with a shorthand takes an
   integer ("replications=20"), which replaces the whole group. The value
   is checked for type and range
   exactly like a value in the file. Creates the setting (and any
   enclosing groups) when the file does not have it, but not map entries
   or list elements: those must be in the file. Errors name the path and
   carry file "--set", line 0. */
int sim_config_set(sim_config *cfg, const sim_schema *root,
		   const char *assignment, sim_error *err);

/* Checks the whole tree against `root` and fills `params` (a zeroed struct
   of root->size bytes): unknown keys, kinds, ranges, NaN/inf, choices,
   required settings, then each schema's check(). Settings left at their
   defaults are added to the tree, so sim_config_write prints the fully
   resolved config. On failure params may be partly filled: release it with
   sim_params_free. */
int sim_config_resolve(sim_config *cfg, const sim_schema *root, void *params,
		       sim_error *err);

/* Writes the (resolved) tree as libconfig text. Returns 0 or -1 (errno). */
int sim_config_write(const sim_config *cfg, FILE *f);

/* The string value at path, or NULL when absent or not a string. Lets the
   runner read `model` before it knows the rest of the schema. */
const char *sim_config_get_string(const sim_config *cfg, const char *path);
/* The number (int or float) at path into *out; false, *out untouched,
   when absent or not a number. Lets the runner read the `fitted` list
   before the settings it names are checked. */
bool sim_config_get_number(const sim_config *cfg, const char *path, double *out);
/* Whether the tree has a setting at path, whatever its type. */
bool sim_config_has(const sim_config *cfg, const char *path);

/* Fills err for a problem with the setting at path ("phold.mean",
   "market.events.[2].day", "market.models.qwen.price_out"): uses the
   setting's file:line when the tree has it, else that of its nearest
   enclosing setting, else the file's. Returns -1. For schema check()
   functions: a check receives its own group's path (an entry's or an
   element's too) and appends a member's name, or builds an element's path
   as "%s.events.[%zu].model". */
int sim_config_error_at(const sim_config *cfg, const char *path,
			sim_error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Frees what sim_config_resolve allocated inside params (strings, ids,
   items and arrays, at any depth) and zeroes those fields; does not free
   params itself. Safe on partly filled params after a failed resolve, and
   twice. */
void sim_params_free(const sim_schema *schema, void *params);

/* The index of the entry named id in map, or -1. For cross-references
   ("an event names a model that exists"). */
long sim_map_find(const sim_map *map, const char *id);

/* Resolved params changed in place, for code that tries many values of a
   few settings without resolving the file again (a sweep's checks): */

/* The member of params (a struct root lays out, filled by
   sim_config_resolve) that path names as sim_config_set names it
   ("market.events.[1].price_out", "market.models.qwen.launch"), with its
   row in *row. Only an INT, FLOAT or STRING setting is located; NULL for
   any other path (a group, one written as its shorthand, a collection, a
   discriminator, a member the element's variant lacks). The caller may
   write a value of the row's C type there, checked against the row
   already, and must put the original back before sim_params_free. */
void *sim_params_locate(const sim_schema *root, void *params, const char *path,
			const sim_setting **row);

/* Runs the check() of every schema within params again, innermost groups
   first, with the paths sim_config_resolve gives them: after a value was
   changed in place. 0, or -1 with err (at the setting the check names in
   cfg). */
int sim_params_check(const sim_schema *root, const void *params, const sim_config *cfg,
		     sim_error *err);

/* Prints one line per setting of schema, recursing into groups, with
   full path (prefix + "." + name), type, default (or "required"), range
   or choices, and the doc string. prefix may be "" for the root. A map's
   entries print as "models.<id>.price_out", a list's elements as
   "events.[i].day"; a variant list prints its discriminator, then for
   each variant a line `events.[i]  variant  type = "price_change"`
   followed by that variant's settings. A group with a shorthand prints
   as type "group or integer" with its shorthand's default and the
   meaning of `name = N`. */
void sim_schema_print_doc(const sim_schema *schema, const char *prefix,
			  FILE *f);

/* Levenshtein distance between a and b, capped at 255; used for the
   "did you mean" hint. */
int sim_edit_distance(const char *a, const char *b);

#endif
