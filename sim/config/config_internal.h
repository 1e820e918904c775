/*
 * config_internal.h - private to the config layer (sim/config*.c); not
 * part of the public surface in include/sim_config.h.
 *
 * The layer, one concern per file, each calling only files listed above
 * it (tools/layers.sh checks there is no cycle):
 *   message.c         the message buffer (msgbuf): appending text and
 *                     quoted values;
 *   config_files.c    the files an experiment reads, checked before they
 *                     are opened: regular files, sizes, names inside the
 *                     experiment's folder, and the @include directives
 *                     found in a file's text as libconfig would find them;
 *   config.c          parsing files and strings (libconfig, @include,
 *                     syntax errors), the sim_config object, writing it,
 *                     paths and where a setting came from (error lines);
 *   config_value.c    "expected ..., found ..." text, "did you mean"
 *                     hints, converting a value from text or from the
 *                     tree and checking it, storing it into params and
 *                     into the tree;
 *   config_resolve.c  sim_config_resolve: checking the tree against a
 *                     schema, collections, defaults written back, and
 *                     sim_params_free;
 *   config_set.c      sim_config_set (--set overrides);
 *   config_params.c   resolved params in place: a setting located by
 *                     path, every schema's check() run again;
 *   config_doc.c      sim_schema_print_doc.
 *
 * The libconfig tree is the single record of what runs: --set writes into
 * it and resolve adds every defaulted setting to it, so the config written
 * next to the results is exactly the one that was used.
 *
 * Helpers that return int follow sim_error_set: they fill err and return
 * -1 (0 on success).
 */
#ifndef SIM_CONFIG_INTERNAL_H
#define SIM_CONFIG_INTERNAL_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_config.h"

/* A value converted to the C type of its setting. */
typedef struct value {
	int64_t i;
	double d;
	bool b;
	const char *s; /* STRING text, or the matched CHOICE name */
	int choice;
	double *nums;  /* NUMBERS: heap array of n, freed by
			  sim__value_release */
	size_t n;
	long bad;      /* NUMBERS: index of the element at fault, or -1 */
} value;

/* ---- message.c: the message buffer ------------------------------- */

/* A message assembled from pieces; long messages are cut, not overrun. */
typedef struct msgbuf {
	char text[1024];
	size_t len;
} msgbuf;

/* Appends printf-style text to mb. */
void sim__mb_add(msgbuf *mb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends s in double quotes, escaping quotes, backslashes and control
   characters, cut at 60 characters so one huge value cannot drown the
   message. */
void sim__mb_quote(msgbuf *mb, const char *s);
/* The same for the len bytes at s, NULs included (shown as \x00). */
void sim__mb_quote_n(msgbuf *mb, const char *s, size_t len);

/* ---- config_files.c: the files an experiment reads ----------------- */

/* Checks that path is a regular file (not a directory, FIFO or device)
   of at most max bytes; *size gets its size. Returns 0; 1 when it cannot
   be stat'ed (errno says why); 2 when it is larger than max; -1 with the
   problem ("expected a regular file, found a directory") in mb. */
int sim__check_regular(const char *path, size_t max, size_t *size, msgbuf *mb);

/* The file at path, read whole if it holds at most max bytes: heap text,
   NUL-terminated, its length in *len. NULL with errno (EFBIG: more than
   max) on failure. */
char *sim__read_file(const char *path, size_t max, size_t *len);

/* Checks the name of a file (len bytes, NULs included) that is resolved
   against dir (NULL: the current directory): no control characters or
   backslashes, not absolute, no ".." climbing above dir. 0, or -1 with
   "expected ..." in mb. */
int sim__check_relative(const char *name, size_t len, const char *dir, msgbuf *mb);

/* dir/name (name: len bytes), or name alone when dir is NULL; heap. */
char *sim__join_file(const char *dir, const char *name, size_t len);

/* Finds every @include of text (the file shown as file; len bytes) as
   libconfig 1.5's scanner would, outside comments and strings, nested ones
   too, and checks each before libconfig opens it: the name (as
   sim__check_relative), a regular file, all the files together at most
   SIM_CONFIG_MAX_BYTES, nested at most SIM_INCLUDE_MAX_DEPTH deep. 0, or
   -1 with err at the @include's file:line. */
int sim__check_includes(const char *dir, const char *file, const char *text, size_t len,
			sim_error *err);

/* ---- config.c: the config object, paths, errors, source text ------- */

/* The tree's root group, for the walks of resolve and --set. */
config_setting_t *sim__config_root(const sim_config *cfg);

/* Fills err for an allocation failure at path (kind SIM_ERROR_RUNTIME, no
   file); returns -1. */
int sim__oom(sim_error *err, const char *path);

/* libconfig refuses to add a setting when memory runs out, and also when
   a schema name is not a valid libconfig name (a bug in the schema). */
int sim__tree_failed(sim_error *err, const char *path);

/* buf = prefix.name, or name when prefix is empty, cut to fit. buf may be
   prefix itself, to append a component in place. */
void sim__join_path(char *buf, size_t n, const char *prefix,
		    const char *name);

/* "[3]": the path component of element k. */
void sim__index_component(char *buf, size_t n, size_t k);

/* Copies path to buf in canonical form: "events[2]" becomes "events.[2]",
   libconfig's own syntax. */
void sim__canonical_path(char *buf, size_t n, const char *path);

/* Fills err with mb's message for path, at the file:line setting s came
   from ("--set" and 0 for an override; a defaulted setting's nearest
   enclosing group that has a line). Returns -1. */
int sim__error_at_setting(const sim_config *cfg, const config_setting_t *s,
			  const char *path, const msgbuf *mb, sim_error *err);

/* True when the source line of int setting s holds `name = <literal>` with
   an integer literal that libconfig 1.5 reduced modulo 2^32 to the stored
   value; copies the literal's text into lit and its value into *lit_value.
   The match must reproduce the stored value exactly, so a stray number
   elsewhere on the line cannot set it off. */
bool sim__int_literal_wrapped(sim_config *cfg, const config_setting_t *s,
			      char *lit, size_t n, long long *lit_value);

/* ---- config_value.c: messages, converting and storing values ------- */

/* Frees what v owns (a NUMBERS array) and empties it. */
void sim__value_release(value *v);

/* The range of an INT or FLOAT row as "[0, 1]" / "(0, 10)" when both
   bounds are finite, ">= 1" / "< 5" when one is, "" when none is (a NaN
   bound counts as none). Returns true for the bracketed form. */
bool sim__range_text(const sim_setting *row, char *buf, size_t n);

/* True for a MAP, LIST, NUMBERS or VARIANT_LIST row. */
bool sim__is_collection(const sim_setting *row);

/* Appends a collection's count bounds: "at most 3 elements", "1 to 5
   entries", "exactly 2 elements"; nothing when unbounded. */
void sim__mb_count(msgbuf *mb, const sim_setting *row);

/* Appends what row accepts: "an integer >= 1", "a number in [0, 1]". */
void sim__mb_expected(msgbuf *mb, const sim_setting *row);

/* Appends what the tree holds: "a string (\"abc\")", "a float (2.5)". */
void sim__mb_found(msgbuf *mb, const config_setting_t *s);

/* Keeps cand in *best when it is the closest to name so far and close
   enough to be a likely typo: within max(2, len(name)/3) edits, or equal
   but for case. */
void sim__consider(const char *name, const char *cand, const char **best,
		   int *best_d);

/* The row of schema named name, or NULL. */
const sim_setting *sim__find_row(const sim_schema *schema, const char *name);

/* The INT member a GROUP row may be written as (its `shorthand`), or NULL
   when the row has none. */
const sim_setting *sim__shorthand_row(const sim_setting *row);

/* "unknown setting; did you mean 'lps'?" or the list of valid names. */
void sim__mb_unknown(msgbuf *mb, const sim_schema *schema, const char *name);

/* Strips one pair of surrounding double quotes, in place. */
char *sim__unquote(char *text);

/* Checks a collection's size against the row's min_items/max_items. */
int sim__check_count(const sim_setting *row, size_t n, msgbuf *mb);

/* The row a NUMBERS row's elements are checked against: a FLOAT with the
   same range. */
sim_setting sim__element_row(const sim_setting *row);

/* Converts command-line text (a --set value or a schema default) to row's
   type and checks it as if it were in the file. May modify text; v->s
   points into it; a NUMBERS value allocates (sim__value_release). On
   failure describes the problem in mb. */
int sim__value_from_text(const sim_setting *row, char *text, value *v,
			 msgbuf *mb);

/* Converts setting s of the tree to row's type (a scalar kind) and checks
   it; on failure describes expected and found in mb. */
int sim__value_from_tree(sim_config *cfg, const sim_setting *row,
			 const config_setting_t *s, value *v, msgbuf *mb);

/* Writes v into params at row's offset; strings are copied. */
int sim__store_param(const sim_setting *row, char *base, const value *v,
		     const char *path, sim_error *err);

/* Returns group's member `name` of libconfig type `type`, creating it, or
   replacing a member of another type (whose value is being overridden).
   NULL when out of memory. */
config_setting_t *sim__member_of_type(config_setting_t *group,
				      const char *name, int type);

/* Writes v into the tree as group's member row->name; returns the setting,
   or NULL when out of memory. */
config_setting_t *sim__store_tree(config_setting_t *group,
				  const sim_setting *row, const value *v);

/* ---- config_resolve.c: collections ------------------------------- */

/* The number of variants of a VARIANT_LIST row. */
size_t sim__variant_count(const sim_setting *row);

/* Bytes per entry or element of a MAP, LIST or VARIANT_LIST row: for a
   variant list the largest variant's, and room for the tag. */
size_t sim__item_size(const sim_setting *row);

/* The schema laying out item, an entry or element of row: for a variant
   list the one its tag names (NULL for a tag out of range). */
const sim_schema *sim__item_schema(const sim_setting *row, const char *item);

/* A NULL-terminated heap array of the variant names of row, or NULL when
   out of memory. */
const char **sim__variant_names(const sim_setting *row);

/* The CHOICE row a VARIANT_LIST's discriminator is checked against;
   borrows names (from sim__variant_names). */
sim_setting sim__discriminator_row(const sim_setting *row,
				   const char *const *names);

/* True when row must be in the file: a scalar or NUMBERS without default,
   a collection with min_items > 0, anything marked required. */
bool sim__is_required(const sim_setting *row);

#endif
