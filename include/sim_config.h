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
} sim_setting_kind;

struct sim_schema;
struct sim_config;

/* One setting of a schema. Build rows with the SIM_* macros below. */
typedef struct sim_setting {
	const char *name;          /* key in the libconfig group */
	sim_setting_kind kind;
	size_t offset;             /* offsetof(params struct, field) */
	bool required;             /* true: no default, must be given */
	const char *default_text;  /* default, written as a --set value; NULL
				      for required settings and groups */
	double min, max;           /* inclusive range for INT and FLOAT */
	bool min_open, max_open;   /* true: that bound is exclusive */
	const char *const *choices;/* NULL-terminated list, for CHOICE */
	const struct sim_schema *group; /* layout of a GROUP */
	const char *doc;           /* one line: what it means, its unit */
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

/* Row builders. DEF is the default as text (e.g. "0.25"), or NULL to make
   the setting required. LO/HI are inclusive bounds. */
#define SIM_INT(NAME, TYPE, FIELD, DEF, LO, HI, DOC)                       \
	{ .name = (NAME), .kind = SIM_SETTING_INT,                         \
	  .offset = offsetof(TYPE, FIELD), .required = (DEF) == NULL,      \
	  .default_text = (DEF), .min = (LO), .max = (HI), .doc = (DOC) }
#define SIM_FLOAT(NAME, TYPE, FIELD, DEF, LO, HI, DOC)                     \
	{ .name = (NAME), .kind = SIM_SETTING_FLOAT,                       \
	  .offset = offsetof(TYPE, FIELD), .required = (DEF) == NULL,      \
	  .default_text = (DEF), .min = (LO), .max = (HI), .doc = (DOC) }
/* A float with an exclusive lower bound, e.g. "mean > 0". */
#define SIM_FLOAT_ABOVE(NAME, TYPE, FIELD, DEF, LO, HI, DOC)               \
	{ .name = (NAME), .kind = SIM_SETTING_FLOAT,                       \
	  .offset = offsetof(TYPE, FIELD), .required = (DEF) == NULL,      \
	  .default_text = (DEF), .min = (LO), .max = (HI), .min_open = true, \
	  .doc = (DOC) }
#define SIM_BOOL(NAME, TYPE, FIELD, DEF, DOC)                              \
	{ .name = (NAME), .kind = SIM_SETTING_BOOL,                        \
	  .offset = offsetof(TYPE, FIELD), .required = (DEF) == NULL,      \
	  .default_text = (DEF), .doc = (DOC) }
#define SIM_STRING(NAME, TYPE, FIELD, DEF, DOC)                            \
	{ .name = (NAME), .kind = SIM_SETTING_STRING,                      \
	  .offset = offsetof(TYPE, FIELD), .required = (DEF) == NULL,      \
	  .default_text = (DEF), .doc = (DOC) }
#define SIM_CHOICE(NAME, TYPE, FIELD, DEF, CHOICES, DOC)                   \
	{ .name = (NAME), .kind = SIM_SETTING_CHOICE,                      \
	  .offset = offsetof(TYPE, FIELD), .required = (DEF) == NULL,      \
	  .default_text = (DEF), .choices = (CHOICES), .doc = (DOC) }
/* A nested group; all its settings may take defaults, so the group itself
   may be omitted from the file. */
#define SIM_GROUP(NAME, TYPE, FIELD, SCHEMA, DOC)                          \
	{ .name = (NAME), .kind = SIM_SETTING_GROUP,                       \
	  .offset = offsetof(TYPE, FIELD), .group = (SCHEMA), .doc = (DOC) }

/* A parsed experiment file (libconfig tree after @include). Opaque. */
typedef struct sim_config sim_config;

/* Parses the libconfig file at path; @include is resolved relative to the
   file's folder. Returns NULL and fills err (syntax errors carry file:line;
   a missing or unreadable file says so) on failure. */
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

/* Applies one override "path=value" (value as written on a command line:
   3, 0.25, true, hello or "hello"). The path must name a setting of `root`;
   the value is checked for type and range exactly like a value in the
   file. Creates the setting (and any enclosing groups) when the file does
   not have it. Errors name the path and read "--set path=value: ...". */
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

/* Fills err for a problem with the setting at path ("phold.mean"): uses
   the setting's file:line when the tree has it, else the file's. Returns
   -1. For schema check() functions. */
int sim_config_error_at(const sim_config *cfg, const char *path,
			sim_error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Frees what sim_config_resolve allocated inside params (strings, at any
   depth); does not free params itself. */
void sim_params_free(const sim_schema *schema, void *params);

/* Prints one line per setting of schema, recursing into groups, with
   full path (prefix + "." + name), type, default (or "required"), range
   or choices, and the doc string. prefix may be "" for the root. */
void sim_schema_print_doc(const sim_schema *schema, const char *prefix,
			  FILE *f);

/* Levenshtein distance between a and b, capped at 255; used for the
   "did you mean" hint. */
int sim_edit_distance(const char *a, const char *b);

#endif
