/*
 * test_config.c - the experiment-file layer (sim/config.c).
 *
 * A config error is what an analyst sees most often, so beyond "a valid
 * file fills the params" these tests pin down each class of error exactly:
 * its kind, the file and line it points at (the line numbers of the
 * fixtures in tests/data/config_*.cfg, one defect per file), the setting
 * path and the wording of the message, including the "did you mean" hints.
 * --set overrides go through the same checks and must show up in the
 * resolved config that sim_config_write prints, which is parsed back and
 * compared. A group with an integer shorthand (the experiment's
 * `replications`) is checked in both forms, through --set, in the written
 * config and in the docs. Run from the repository root: fixture paths
 * are relative.
 */
#include "test_util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sim_config.h"
#include "run/replications.h"

/* ---- a small schema exercising every kind ----------------------------- */

typedef struct engine_params {
	double end_time;
	double lookahead;
} engine_params;

typedef struct queue_params {
	int64_t capacity;
	double rate;
	char *name;
} queue_params;

typedef struct test_params {
	int64_t lps;
	int64_t seed;
	double mean;
	double share;
	bool verbose;
	char *label;
	int policy;
	engine_params engine;
	queue_params queue;
} test_params;

enum { POLICY_FIFO, POLICY_LIFO, POLICY_RANDOM };
static const char *const policies[] = { "fifo", "lifo", "random", NULL };

/* The cross-field check: events may not look further ahead than the end. */
static int engine_check(const void *params, const sim_config *cfg,
			const char *path, sim_error *err)
{
	const engine_params *e = params;
	char at[128];
	if (e->lookahead < e->end_time)
		return 0;
	snprintf(at, sizeof at, "%s.lookahead", path);
	return sim_config_error_at(cfg, at, err,
				   "expected a lookahead below end_time (%g), "
				   "found %g",
				   e->end_time, e->lookahead);
}

static const sim_setting engine_rows[] = {
	SIM_FLOAT_ABOVE("end_time", engine_params, end_time, NULL, 0,
			INFINITY, "Simulated time to stop at"),
	SIM_FLOAT("lookahead", engine_params, lookahead, "0.5", 0, INFINITY,
		  "Minimum delay of an event"),
};
static const sim_schema engine_schema =
	SIM_SCHEMA("engine", engine_rows, engine_params, engine_check);

static const sim_setting queue_rows[] = {
	SIM_INT("capacity", queue_params, capacity, "100", 1, INFINITY,
		"Slots in the queue"),
	/* Open at both ends, which no row macro builds. */
	{ .name = "rate", .kind = SIM_SETTING_FLOAT,
	  .offset = offsetof(queue_params, rate), .default_text = "2.5",
	  .min = 0, .max = 10, .min_open = true, .max_open = true,
	  .doc = "Service rate, per unit of time" },
	SIM_STRING("name", queue_params, name, "\"main\"", "Queue name"),
};
static const sim_schema queue_schema =
	SIM_SCHEMA("queue", queue_rows, queue_params, NULL);

static const sim_setting root_rows[] = {
	SIM_INT("lps", test_params, lps, NULL, 1, INFINITY,
		"Number of logical processes"),
	SIM_INT("seed", test_params, seed, "42", 0, 4294967295.0,
		"Random seed"),
	SIM_FLOAT_ABOVE("mean", test_params, mean, "1.0", 0, INFINITY,
			"Mean delay"),
	SIM_FLOAT("share", test_params, share, "0.25", 0, 1,
		  "Share of remote events"),
	SIM_BOOL("verbose", test_params, verbose, "false", "Print progress"),
	SIM_STRING("label", test_params, label, "baseline", "Run label"),
	SIM_CHOICE("policy", test_params, policy, "fifo", policies,
		   "Queue discipline"),
	SIM_GROUP("engine", test_params, engine, &engine_schema,
		  "Engine settings"),
	SIM_GROUP("queue", test_params, queue, &queue_schema,
		  "Queue settings"),
};
static const sim_schema root_schema =
	SIM_SCHEMA("test", root_rows, test_params, NULL);

/* ---- helpers ---------------------------------------------------------- */

static void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

/* Asserts every field of a config error; line -1 skips the line. */
static void assert_config_error(const sim_error *err, const char *file,
				int line, const char *path,
				const char *message_part)
{
	assert_int_equal(err->kind, SIM_ERROR_CONFIG);
	assert_string_equal(err->file, file);
	if (line >= 0)
		assert_int_equal(err->line, line);
	assert_string_equal(err->path, path);
	assert_contains(err->message, message_part);
}

/* Parses and resolves a fixture; returns resolve's status (parse must
   succeed). params must be released by the caller either way. */
static int resolve_file(const char *path, test_params *p, sim_error *err)
{
	sim_config *cfg = sim_config_parse(path, err);
	if (!cfg)
		fail_msg("%s: %s", path, err->message);
	memset(p, 0, sizeof *p);
	int rc = sim_config_resolve(cfg, &root_schema, p, err);
	sim_config_free(cfg);
	return rc;
}

/* Resolves cfg (taken: freed here) against schema expecting a rejection
   at file:line; checks the error and that the partly filled params free
   cleanly. */
static void expect_rejected(const sim_schema *schema, sim_config *cfg,
			    const char *file, int line, const char *setting,
			    const char *message_part)
{
	sim_error err;
	if (!cfg)
		fail_msg("%s did not parse", file);
	void *p = calloc(1, schema->size);
	assert_int_equal(sim_config_resolve(cfg, schema, p, &err), -1);
	assert_config_error(&err, file, line, setting, message_part);
	sim_params_free(schema, p);
	free(p);
	sim_config_free(cfg);
}

/* Applies one --set to `fixture`, expecting a refusal whose message
   contains message_part (or, with whole, is exactly it). */
static void expect_set_refused(const sim_schema *schema, const char *fixture,
			       const char *assignment, const char *setting,
			       const char *message_part, bool whole)
{
	sim_error err;
	sim_config *cfg = sim_config_parse(fixture, &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_set(cfg, schema, assignment, &err), -1);
	assert_config_error(&err, "--set", 0, setting, message_part);
	if (whole)
		assert_string_equal(err.message, message_part);
	sim_config_free(cfg);
}

/* Resolves a fixture expected to be rejected, and checks the error. */
static void expect_file_error(const char *path, int line,
			      const char *setting, const char *message_part)
{
	sim_error err;
	expect_rejected(&root_schema, sim_config_parse(path, &err), path, line,
			setting, message_part);
}

/* Resolves text expected to be rejected, and checks the error. */
static void expect_text_error(const char *text, int line,
			      const char *setting, const char *message_part)
{
	sim_error err;
	expect_rejected(&root_schema, sim_config_parse_string(text, "inline.cfg", &err),
			"inline.cfg", line, setting, message_part);
}

/* Applies one --set expected to be rejected, and checks the error. */
static void expect_set_error(const char *assignment, const char *setting,
			     const char *message_part)
{
	expect_set_refused(&root_schema, "tests/data/config_valid.cfg", assignment,
			   setting, message_part, false);
}

/* The whole of a FILE written by f, as a heap string. */
static char *slurp(FILE *f)
{
	long size;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size >= 0);
	rewind(f);
	char *text = malloc((size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	text[size] = '\0';
	return text;
}

/* The text sim_config_write produces for cfg, as a heap string. */
static char *written_config(const sim_config *cfg)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	assert_int_equal(sim_config_write(cfg, f), 0);
	char *text = slurp(f);
	fclose(f);
	return text;
}

/* Asserts that each of the n strings occurs in text, all starting in the
   same column of their lines (config-doc aligns its doc strings). */
static void assert_same_column(const char *text, const char *const *strings,
			       size_t n)
{
	long column = -1;
	for (size_t k = 0; k < n; k++) {
		const char *at = strstr(text, strings[k]);
		if (!at)
			fail_msg("\"%s\" not in the doc output", strings[k]);
		const char *bol = at;
		while (bol > text && bol[-1] != '\n')
			bol--;
		if (column < 0)
			column = at - bol;
		assert_int_equal(at - bol, column);
	}
}

/* The text sim_schema_print_doc produces for schema, as a heap string. */
static char *doc_text(const sim_schema *schema)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	sim_schema_print_doc(schema, "", f);
	char *text = slurp(f);
	fclose(f);
	return text;
}

/* ---- valid files ------------------------------------------------------ */

/* Ensure a valid file fills every field, taking defaults for the settings
   it leaves out, including a whole missing group. */
static void test_valid_file_with_defaults(void **state)
{
	(void)state;
	test_params p;
	sim_error err;
	assert_int_equal(resolve_file("tests/data/config_valid.cfg", &p, &err),
			 0);
	assert_int_equal(err.kind, SIM_ERROR_NONE);
	assert_int_equal(p.lps, 8);
	assert_int_equal(p.seed, 42);
	assert_double_near(p.mean, 2.0, 0);
	assert_double_near(p.share, 0.5, 0);
	assert_true(p.verbose);
	assert_string_equal(p.label, "trial one");
	assert_int_equal(p.policy, POLICY_LIFO);
	assert_double_near(p.engine.end_time, 100.0, 0);
	assert_double_near(p.engine.lookahead, 0.5, 0);
	assert_int_equal(p.queue.capacity, 100);
	assert_double_near(p.queue.rate, 2.5, 0);
	assert_string_equal(p.queue.name, "main");
	sim_params_free(&root_schema, &p);
	assert_null(p.label);
	assert_null(p.queue.name);
}

/* Ensure @include finds its file next to the including one whatever the
   current directory, and that errors in included settings name that file. */
static void test_include_relative_to_file(void **state)
{
	(void)state;
	test_params p;
	sim_error err;
	sim_config *cfg =
		sim_config_parse("tests/data/config_include_main.cfg", &err);
	assert_non_null(cfg);
	assert_string_equal(sim_config_file(cfg),
			    "tests/data/config_include_main.cfg");
	memset(&p, 0, sizeof p);
	assert_int_equal(sim_config_resolve(cfg, &root_schema, &p, &err), 0);
	assert_int_equal(p.lps, 16);
	assert_double_near(p.share, 0.75, 0);
	assert_double_near(p.mean, 2.5, 0);
	assert_double_near(p.engine.end_time, 50.0, 0);
	assert_double_near(p.engine.lookahead, 1.5, 0);

	sim_config_error_at(cfg, "engine.lookahead", &err, "too far ahead");
	assert_config_error(&err, "tests/data/config_include_base.cfg", 5,
			    "engine.lookahead", "too far ahead");
	sim_config_error_at(cfg, "lps", &err, "x");
	assert_config_error(&err, "tests/data/config_include_main.cfg", 3,
			    "lps", "x");
	sim_params_free(&root_schema, &p);
	sim_config_free(cfg);
}

/* ---- errors in files -------------------------------------------------- */

/* Ensure a misspelt key is rejected at its line with a hint naming the
   setting it resembles. */
static void test_unknown_key_did_you_mean(void **state)
{
	(void)state;
	expect_file_error("tests/data/config_unknown_key.cfg", 5,
			  "engine.lookahed",
			  "unknown setting; did you mean 'lookahead'?");
}

/* Ensure an unknown key that resembles nothing lists the valid names, at
   the root level too. */
static void test_unknown_key_lists_names(void **state)
{
	(void)state;
	expect_text_error("lps = 8;\ncolour = \"red\";\n", 2, "colour",
			  "unknown setting; expected one of: lps, seed, mean, "
			  "share, verbose, label, policy, engine, queue");
}

/* Ensure a string where an integer belongs is reported with both types. */
static void test_wrong_type(void **state)
{
	(void)state;
	expect_file_error("tests/data/config_wrong_type.cfg", 3, "lps",
			  "expected an integer >= 1, found a string (\"abc\")");
	expect_text_error("lps = 8;\nengine = { end_time = 1.0; };\n"
			  "share = true;\n",
			  3, "share",
			  "expected a number in [0, 1], found a boolean");
	expect_text_error("lps = \"8\";\n", 1, "lps",
			  "found a string (\"8\"); write it without quotes");
}

/* Ensure an integer setting refuses a float instead of truncating it. */
static void test_int_given_float(void **state)
{
	(void)state;
	expect_file_error("tests/data/config_int_float.cfg", 3, "lps",
			  "expected an integer >= 1, found a float (2.5)");
	expect_text_error("lps = 2.0;\n", 1, "lps", "found a float (2.0)");
}

/* Ensure values beyond either bound are rejected, with the bound shown in
   interval or one-sided notation as fits. */
static void test_out_of_range(void **state)
{
	(void)state;
	expect_file_error("tests/data/config_range_high.cfg", 4, "share",
			  "expected a number in [0, 1], found 1.5");
	expect_file_error("tests/data/config_range_low.cfg", 4, "seed",
			  "expected an integer in [0, 4294967295], found -1");
	expect_text_error("lps = 0;\n", 1, "lps",
			  "expected an integer >= 1, found 0");
}

/* Ensure an excluded bound is excluded and printed as such. */
static void test_open_bounds(void **state)
{
	(void)state;
	expect_file_error("tests/data/config_range_open.cfg", 4, "mean",
			  "expected a number > 0, found 0");
	expect_text_error("lps = 8;\nengine = { end_time = 1.0; };\n"
			  "queue = {\n  rate = 10.0;\n};\n",
			  4, "queue.rate",
			  "expected a number in (0, 10), found 10");
}

/* Ensure a number that overflows to inf is rejected as not finite. */
static void test_infinite_number(void **state)
{
	(void)state;
	expect_file_error("tests/data/config_inf.cfg", 4, "mean",
			  "expected a finite number, found inf");
}

/* Ensure an integer literal that libconfig 1.5 silently wraps to 32 bits
   is caught, with the fix, for integer and number settings alike. */
static void test_int_literal_overflow(void **state)
{
	(void)state;
	expect_file_error("tests/data/config_int_overflow.cfg", 4, "seed",
			  "found 3000000000, which libconfig reads as the "
			  "32-bit integer -1294967296; write 3000000000L");
	expect_text_error("lps = 8;\nmean = 3000000000;\n", 2, "mean",
			  "write 3000000000.0");
	/* The same digits written as int64 are fine. */
	test_params p;
	sim_error err;
	memset(&p, 0, sizeof p);
	sim_config *cfg = sim_config_parse_string(
		"lps = 8;\nseed = 3000000000L;\nmean = 3000000000.0;\n"
		"engine = { end_time = 1.0; };\n",
		"inline.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_resolve(cfg, &root_schema, &p, &err), 0);
	assert_int_equal(p.seed, 3000000000LL);
	sim_params_free(&root_schema, &p);
	sim_config_free(cfg);
}

/* An optional float: left out it is NaN and absent from the resolved
   configuration (no default to write back); given, or set by --set, it is
   checked against its range and written back like any setting. */
typedef struct optional_params {
	double start;
} optional_params;

static const sim_setting optional_rows[] = {
	SIM_FLOAT_OPTIONAL("start", optional_params, start, 0, 10, "Where to start"),
};
static const sim_schema optional_schema =
	SIM_SCHEMA("optional", optional_rows, optional_params, NULL);

static void test_optional_float(void **state)
{
	(void)state;
	static const struct { const char *file, *set; double want; } cases[] = {
		{ "", NULL, NAN }, { "start = 2.5;\n", NULL, 2.5 }, { "", "start=7", 7 },
	};
	for (size_t k = 0; k < 3; k++) {
		optional_params p = { 0 };
		sim_error err;
		sim_error_clear(&err);
		sim_config *cfg = sim_config_parse_string(cases[k].file, "inline.cfg", &err);
		assert_non_null(cfg);
		if (cases[k].set)
			assert_int_equal(sim_config_set(cfg, &optional_schema, cases[k].set, &err), 0);
		assert_int_equal(sim_config_resolve(cfg, &optional_schema, &p, &err), 0);
		char *text = written_config(cfg);
		if (isnan(cases[k].want)) {
			assert_true(isnan(p.start));
			assert_null(strstr(text, "start"));
		} else {
			assert_true(p.start == cases[k].want);
			assert_non_null(strstr(text, "start"));
		}
		free(text);
		sim_config_free(cfg);
	}
	optional_params p = { 0 };
	sim_error err;
	sim_config *cfg = sim_config_parse_string("start = 11.0;\n", "inline.cfg", &err);
	assert_int_equal(sim_config_resolve(cfg, &optional_schema, &p, &err), -1);
	assert_non_null(strstr(err.message, "expected a number in [0, 10]"));
	sim_config_free(cfg);
}

/* Ensure a missing required setting is reported at the line of the group
   that should hold it: line 1 for the root. */
static void test_missing_required(void **state)
{
	(void)state;
	expect_file_error("tests/data/config_missing_required.cfg", 1, "lps",
			  "required setting is missing (expected an integer "
			  ">= 1)");
	expect_file_error("tests/data/config_missing_in_group.cfg", 3,
			  "engine.end_time",
			  "required setting is missing "
			  "(expected a number > 0)");
}

/* Ensure a value outside the choices lists them and hints at the nearest. */
static void test_bad_choice(void **state)
{
	(void)state;
	expect_file_error("tests/data/config_bad_choice.cfg", 4, "policy",
			  "expected one of \"fifo\", \"lifo\", \"random\", "
			  "found \"lifp\"; did you mean \"lifo\"?");
	expect_text_error("lps = 8;\npolicy = 2;\n", 2, "policy",
			  "expected one of \"fifo\", \"lifo\", \"random\", "
			  "found an integer (2)");
}

/* Ensure a scalar where a group belongs is reported as such. */
static void test_group_given_scalar(void **state)
{
	(void)state;
	expect_file_error("tests/data/config_group_scalar.cfg", 4, "queue",
			  "expected a group { ... }, found an integer (5)");
}

/* Ensure a schema check runs with its group's path and can point at the
   offending setting's line through sim_config_error_at. */
static void test_cross_field_check(void **state)
{
	(void)state;
	expect_file_error("tests/data/config_check.cfg", 5, "engine.lookahead",
			  "expected a lookahead below end_time (10), found 20");
}

/* Ensure the first error in file order wins, whatever the schema order. */
static void test_first_error_in_file_order(void **state)
{
	(void)state;
	/* share comes after lps in the schema but first in the file; the
	   misspelt "lsp" is reported rather than the missing lps. */
	expect_text_error("share = 2.0;\nlps = 0;\n", 1, "share",
			  "expected a number in [0, 1], found 2");
	expect_text_error("engine = { end_time = 1.0; };\nlsp = 4;\n", 2,
			  "lsp", "did you mean 'lps'?");
}

/* Ensure a syntax error carries the file and line libconfig found it at. */
static void test_syntax_error(void **state)
{
	(void)state;
	sim_error err;
	assert_null(sim_config_parse("tests/data/config_syntax.cfg", &err));
	assert_config_error(&err, "tests/data/config_syntax.cfg", 4, "",
			    "syntax error");
	assert_null(sim_config_parse_string("a = 1;\nb = ;\n", "inline.cfg",
					    &err));
	assert_config_error(&err, "inline.cfg", 2, "", "syntax error");
}

/* Ensure a syntax error inside an included file names that file, joined
   to the including file's folder, and its own line. */
static void test_syntax_error_in_include(void **state)
{
	(void)state;
	sim_error err;
	assert_null(sim_config_parse(
		"tests/data/config_include_syntax_main.cfg", &err));
	assert_config_error(&err, "tests/data/config_include_syntax_base.cfg",
			    3, "", "syntax error");
}

/* Ensure a missing include names the file it looked for and why. */
static void test_missing_include(void **state)
{
	(void)state;
	sim_error err;
	assert_null(sim_config_parse("tests/data/config_include_missing.cfg",
				     &err));
	assert_config_error(&err, "tests/data/config_include_missing.cfg", 3,
			    "",
			    "cannot open include file "
			    "\"config_no_such_include.cfg\" "
			    "(tests/data/config_no_such_include.cfg: No such "
			    "file or directory)");
}

/* Ensure a missing or unreadable file is reported by name with the reason
   (libconfig alone gives neither). */
static void test_missing_file(void **state)
{
	(void)state;
	sim_error err;
	assert_null(sim_config_parse("tests/data/config_no_such_file.cfg",
				     &err));
	assert_config_error(&err, "tests/data/config_no_such_file.cfg", 0, "",
			    "cannot read: No such file or directory");
	assert_null(sim_config_parse("tests/data", &err));
	assert_config_error(&err, "tests/data", 0, "",
			    "cannot read: Is a directory");
}

/* ---- files an experiment may read -------------------------------------- */

#define INC "build/test-config-includes"

/* Writes len bytes of text to INC/name. */
static void write_inc(const char *name, const char *text, size_t len)
{
	char path[256];
	snprintf(path, sizeof path, INC "/%s", name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Parses INC/name expecting a refusal at line `line` of `file` (under
   INC) with `part` in its message. */
static void expect_include_refused(const char *name, const char *file, int line,
				   const char *part)
{
	char path[256], at[256];
	sim_error err;
	snprintf(path, sizeof path, INC "/%s", name);
	snprintf(at, sizeof at, INC "/%s", file);
	sim_config *cfg = sim_config_parse(path, &err);
	if (cfg)
		fail_msg("%s: parsed, expected \"%s\"", path, part);
	assert_config_error(&err, at, line, "", part);
}

static int make_include_dir(void **state)
{
	(void)state;
	return system("rm -rf " INC " && mkdir -p " INC "/sub");
}

/* Ensure an @include libconfig could not read safely is refused at its
   file:line before libconfig sees it: a directory (its scanner used to
   exit the process), a FIFO (it would wait forever), a name with a NUL or
   a control character, an absolute name, and ".." above the main file's
   folder, however nested. */
static void test_include_refused(void **state)
{
	(void)state;
	write_inc("dir.cfg", "x = 1;\n@include \".\"\n", 20);
	expect_include_refused("dir.cfg", "dir.cfg", 2, "@include \".\": expected a regular "
			       "file, found a directory (" INC "/.)");
	write_inc("nul.cfg", "@include \"a\0b\"\n", 14);
	expect_include_refused("nul.cfg", "nul.cfg", 1, "@include \"a\\x00b\": expected a "
			       "file name without control characters or backslashes");
	write_inc("abs.cfg", "@include \"/etc/passwd\"\n", 23);
	expect_include_refused("abs.cfg", "abs.cfg", 1, "expected a path relative to " INC
			       " (the experiment file's folder), found an absolute one");
	write_inc("climb.cfg", "@include \"sub/../../../../etc/passwd\"\n", 37);
	expect_include_refused("climb.cfg", "climb.cfg", 1, "expected a path inside " INC
			       " (the experiment file's folder), found one whose \"..\" "
			       "climbs above it");
	/* Nested: every @include is resolved against the main file's folder. */
	write_inc("sub/inner.inc", "# inner\n@include \"../x\"\n", 24);
	write_inc("outer.cfg", "@include \"sub/inner.inc\"\n", 25);
	expect_include_refused("outer.cfg", "sub/inner.inc", 2, "@include \"../x\": "
			       "expected a path inside " INC);
	assert_int_equal(system("mkfifo " INC "/pipe.inc"), 0);
	write_inc("fifo.cfg", "@include \"pipe.inc\"\n", 20);
	expect_include_refused("fifo.cfg", "fifo.cfg", 1, "expected a regular file, found a "
			       "FIFO (" INC "/pipe.inc)");
	write_inc("self.cfg", "@include \"self.cfg\"\n", 20);
	expect_include_refused("self.cfg", "self.cfg", 1, "expected @include nested at most "
			       "10 deep");
	sim_error err;
	assert_null(sim_config_parse(INC "/pipe.inc", &err));
	assert_config_error(&err, INC "/pipe.inc", 0, "", "cannot read: expected a regular "
			    "file, found a FIFO");
}

/* Ensure @include is found exactly where libconfig finds one: not in a
   comment nor in a string, but after a string an included file left
   open (the scanner's state carries across files, so that the next line
   is an @include to libconfig). */
static void test_include_scan_like_libconfig(void **state)
{
	(void)state;
	const char *quiet = "/* @include \".\" */\n# @include \".\"\n// @include \".\"\n"
			    "s = \"\n@include \\\".\\\"\";\n  @include\"x\"\n";
	sim_error err;
	write_inc("quiet.cfg", quiet, strlen(quiet));
	sim_config *cfg = sim_config_parse(INC "/quiet.cfg", &err);
	/* Parsed past every fake @include: the last line is libconfig's
	   syntax error, not ours. */
	assert_null(cfg);
	assert_config_error(&err, INC "/quiet.cfg", 6, "", "syntax error");
	write_inc("open.inc", "x = \"", 5);
	write_inc("carry.cfg", "@include \"open.inc\"\nabc\"\n@include \".\"\n", 38);
	expect_include_refused("carry.cfg", "carry.cfg", 3, "@include \".\": expected a "
			       "regular file");
	/* A string's include is checked the same way, against the cwd. */
	assert_null(sim_config_parse_string("@include \"tests/..\"\n", "inline", &err));
	assert_config_error(&err, "inline", 1, "", "found a directory (tests/..)");
}

/* Ensure the experiment's files hold at most SIM_CONFIG_MAX_BYTES in all:
   a main file or an include beyond it is refused, saying the limit. */
static void test_include_size_limit(void **state)
{
	(void)state;
	size_t n = (size_t)SIM_CONFIG_MAX_BYTES / 2 + 1;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, '#', n);
	big[n - 1] = '\n';
	write_inc("half.inc", big, n);
	free(big);
	write_inc("twice.cfg", "@include \"half.inc\"\n@include \"half.inc\"\n", 40);
	expect_include_refused("twice.cfg", "twice.cfg", 2, "@include \"half.inc\": expected "
			       "the experiment's files to hold at most 16 MiB in all (each "
			       "inclusion counted), found 8.0 MiB more");
	assert_int_equal(system("cat " INC "/half.inc " INC "/half.inc > " INC "/big.cfg"), 0);
	sim_error err;
	assert_null(sim_config_parse(INC "/big.cfg", &err));
	assert_config_error(&err, INC "/big.cfg", 0, "", "cannot read: expected at most 16 "
			    "MiB, found 16.0 MiB");
	assert_int_equal(system("rm -rf " INC), 0);
}

/* Ensure partly filled params are released cleanly after a failure (the
   suite runs under valgrind). */
static void test_params_free_after_failure(void **state)
{
	(void)state;
	test_params p;
	sim_error err;
	memset(&p, 0, sizeof p);
	sim_config *cfg = sim_config_parse_string(
		"label = \"kept\";\nqueue = { name = \"q\"; };\nlps = 0;\n",
		"inline.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_resolve(cfg, &root_schema, &p, &err), -1);
	assert_string_equal(p.label, "kept");
	sim_params_free(&root_schema, &p);
	assert_null(p.label);
	assert_null(p.queue.name);
	sim_params_free(&root_schema, &p); /* twice is harmless */
	sim_config_free(cfg);
}

/* Ensure a default the schema cannot parse is reported as a bug in the
   model (a run-time error), not blamed on the user's file. */
static void test_bad_schema_default(void **state)
{
	(void)state;
	typedef struct one { int64_t n; } one;
	static const sim_setting rows[] = {
		SIM_INT("n", one, n, "ten", 0, 100, "A count"),
	};
	static const sim_schema schema = SIM_SCHEMA("one", rows, one, NULL);
	one p = { 0 };
	sim_error err;
	sim_config *cfg = sim_config_parse_string("", "inline.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_resolve(cfg, &schema, &p, &err), -1);
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	assert_string_equal(err.path, "n");
	assert_contains(err.message, "invalid schema default \"ten\"");
	sim_config_free(cfg);
}

/* Ensure a GROUP row on a member smaller than the struct its schema lays
   out is refused as a bug in the schema (the row builders check the
   member is a struct at compile time, its size only here), whether the
   group is in the file or left to its defaults, and nothing past the
   member is written. */
static void test_group_member_size(void **state)
{
	(void)state;
	typedef struct big { int64_t a, b; } big;
	typedef struct small { int64_t a; } small;
	typedef struct outer { small g; int64_t after; } outer;
	static const sim_setting big_rows[] = {
		SIM_INT("a", big, a, "1", 0, 100, "A"),
		SIM_INT("b", big, b, "2", 0, 100, "B"),
	};
	static const sim_schema big_schema =
		SIM_SCHEMA("big", big_rows, big, NULL);
	static const sim_setting rows[] = {
		SIM_GROUP("g", outer, g, &big_schema, "A group"),
		SIM_INT("after", outer, after, "7", 0, 100, "After it"),
	};
	static const sim_schema schema = SIM_SCHEMA("outer", rows, outer, NULL);
	const char *texts[] = { "", "g = { b = 3; };" };
	for (size_t k = 0; k < 2; k++) {
		outer p = { .after = 42 };
		sim_error err;
		sim_config *cfg =
			sim_config_parse_string(texts[k], "inline.cfg", &err);
		assert_non_null(cfg);
		assert_int_equal(sim_config_resolve(cfg, &schema, &p, &err), -1);
		assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
		assert_string_equal(err.path, "g");
		assert_string_equal(err.message,
				    "invalid schema: the group's member is 8 "
				    "bytes but its schema \"big\" lays out 16");
		assert_int_equal(p.after, 42);
		sim_params_free(&schema, &p);
		sim_config_free(cfg);
	}
}

/* ---- --set overrides -------------------------------------------------- */

/* Ensure --set changes a value from the file, and a later --set wins. */
static void test_set_changes_existing(void **state)
{
	(void)state;
	test_params p;
	sim_error err;
	memset(&p, 0, sizeof p);
	sim_config *cfg = sim_config_parse("tests/data/config_valid.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_set(cfg, &root_schema, "lps=4", &err), 0);
	assert_int_equal(sim_config_set(cfg, &root_schema, "lps=12", &err), 0);
	assert_int_equal(
		sim_config_set(cfg, &root_schema, "engine.end_time=7", &err),
		0);
	assert_int_equal(sim_config_set(cfg, &root_schema, "verbose=FALSE",
					&err),
			 0);
	assert_int_equal(sim_config_set(cfg, &root_schema,
					"label=\"two words\"", &err),
			 0);
	assert_int_equal(
		sim_config_set(cfg, &root_schema, "policy=random", &err), 0);
	assert_int_equal(sim_config_set(cfg, &root_schema, "seed=0x10", &err),
			 0);
	assert_int_equal(sim_config_resolve(cfg, &root_schema, &p, &err), 0);
	assert_int_equal(p.lps, 12);
	assert_double_near(p.engine.end_time, 7.0, 0);
	assert_false(p.verbose);
	assert_string_equal(p.label, "two words");
	assert_int_equal(p.policy, POLICY_RANDOM);
	assert_int_equal(p.seed, 16);
	sim_params_free(&root_schema, &p);
	sim_config_free(cfg);
}

/* Ensure --set creates a setting the file lacks, with its missing group,
   and replaces a value of another type (even one the file got wrong). */
static void test_set_creates_missing(void **state)
{
	(void)state;
	test_params p;
	sim_error err;
	memset(&p, 0, sizeof p);
	sim_config *cfg = sim_config_parse_string(
		"lps = \"abc\";\nqueue = 3;\n", "inline.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_set(cfg, &root_schema, "lps=5", &err), 0);
	assert_int_equal(
		sim_config_set(cfg, &root_schema, "engine.end_time=9.5", &err),
		0);
	assert_int_equal(
		sim_config_set(cfg, &root_schema, "queue.capacity=7", &err), 0);
	assert_int_equal(sim_config_resolve(cfg, &root_schema, &p, &err), 0);
	assert_int_equal(p.lps, 5);
	assert_double_near(p.engine.end_time, 9.5, 0);
	assert_double_near(p.engine.lookahead, 0.5, 0);
	assert_int_equal(p.queue.capacity, 7);
	assert_string_equal(p.queue.name, "main");
	sim_params_free(&root_schema, &p);
	sim_config_free(cfg);
}

/* Ensure --set values of the wrong type are refused like file values,
   quoting the text as given, NaN and inf included. */
static void test_set_wrong_type(void **state)
{
	(void)state;
	expect_set_error("lps=abc", "lps",
			 "expected an integer >= 1, found \"abc\"");
	expect_set_error("lps=3.5", "lps",
			 "expected an integer >= 1, found \"3.5\"");
	expect_set_error("lps=", "lps", "expected an integer >= 1, found \"\"");
	expect_set_error("mean=nan", "mean",
			 "expected a finite number, found \"nan\"");
	expect_set_error("mean=inf", "mean",
			 "expected a finite number, found \"inf\"");
	expect_set_error("verbose=yes", "verbose",
			 "expected a boolean (true or false), found \"yes\"");
	expect_set_error("share=2", "share",
			 "expected a number in [0, 1], found 2");
	expect_set_error("queue.rate=0", "queue.rate",
			 "expected a number in (0, 10), found 0");
	expect_set_error("policy=lifp", "policy",
			 "found \"lifp\"; did you mean \"lifo\"?");
	expect_set_error("policy=LIFO", "policy",
			 "found \"LIFO\"; did you mean \"lifo\"?");
	expect_set_error("seed=010x", "seed", "found \"010x\"");
}

/* Ensure an unknown --set path is refused with a hint, naming the path up
   to the unknown part, and leaves the tree untouched. */
static void test_set_unknown_path(void **state)
{
	(void)state;
	expect_set_error("engine.lookahed=0.2", "engine.lookahed",
			 "unknown setting; did you mean 'lookahead'?");
	expect_set_error("engin.lookahead=0.2", "engin",
			 "unknown setting; did you mean 'engine'?");
	expect_set_error("lps.x=3", "lps.x",
			 "unknown setting; 'lps' is a setting, not a group");
	expect_set_error("engine=3", "engine",
			 "is a group; set one of its settings, e.g. "
			 "engine.end_time=...");

	sim_error err;
	sim_config *cfg = sim_config_parse_string("", "inline.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(
		sim_config_set(cfg, &root_schema, "queue.capacityy=3", &err),
		-1);
	char *text = written_config(cfg);
	assert_string_equal(text, ""); /* no empty queue group left behind */
	free(text);
	sim_config_free(cfg);
}

/* Ensure an assignment without '=' is refused as such. */
static void test_set_missing_equals(void **state)
{
	(void)state;
	expect_set_error("engine.end_time", "engine.end_time",
			 "expected path=value");
	expect_set_error("=5", "", "expected path=value, found \"=5\"");
}

/* Ensure a check failing on an overridden value points at --set, not at
   the file line of the value it replaced. */
static void test_set_then_check_points_at_set(void **state)
{
	(void)state;
	test_params p;
	sim_error err;
	memset(&p, 0, sizeof p);
	sim_config *cfg = sim_config_parse("tests/data/config_valid.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(
		sim_config_set(cfg, &root_schema, "engine.lookahead=500", &err),
		0);
	assert_int_equal(sim_config_resolve(cfg, &root_schema, &p, &err), -1);
	assert_config_error(&err, "--set", 0, "engine.lookahead",
			    "expected a lookahead below end_time (100), "
			    "found 500");
	sim_params_free(&root_schema, &p);
	sim_config_free(cfg);
}

/* Ensure the written config holds defaults and overrides, keeps floats as
   floats and int64 as int64, and reads back to the same params. */
static void test_write_resolved_round_trip(void **state)
{
	(void)state;
	test_params p, q;
	sim_error err;
	memset(&p, 0, sizeof p);
	memset(&q, 0, sizeof q);
	sim_config *cfg = sim_config_parse("tests/data/config_valid.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_set(cfg, &root_schema, "lps=12", &err), 0);
	assert_int_equal(
		sim_config_set(cfg, &root_schema, "seed=4000000000", &err), 0);
	assert_int_equal(sim_config_set(cfg, &root_schema,
					"queue.name=\"big queue\"", &err),
			 0);
	assert_int_equal(sim_config_resolve(cfg, &root_schema, &p, &err), 0);

	char *text = written_config(cfg);
	assert_contains(text, "lps = 12;");              /* override */
	assert_contains(text, "seed = 4000000000L;");    /* int64 override */
	assert_contains(text, "lookahead = 0.5;");       /* default */
	assert_contains(text, "share = 0.5;");
	assert_contains(text, "end_time = 100.0;");      /* still a float */
	assert_contains(text, "name = \"big queue\";");
	assert_contains(text, "capacity = 100;");        /* defaulted group */
	assert_contains(text, "label = \"trial one\";");

	sim_config *back = sim_config_parse_string(text, "resolved.cfg", &err);
	assert_non_null(back);
	assert_int_equal(sim_config_resolve(back, &root_schema, &q, &err), 0);
	assert_int_equal(q.lps, p.lps);
	assert_int_equal(q.seed, 4000000000LL);
	assert_double_near(q.mean, p.mean, 0);
	assert_double_near(q.share, p.share, 0);
	assert_int_equal(q.verbose, p.verbose);
	assert_string_equal(q.label, p.label);
	assert_int_equal(q.policy, p.policy);
	assert_double_near(q.engine.end_time, p.engine.end_time, 0);
	assert_double_near(q.engine.lookahead, p.engine.lookahead, 0);
	assert_int_equal(q.queue.capacity, p.queue.capacity);
	assert_double_near(q.queue.rate, p.queue.rate, 0);
	assert_string_equal(q.queue.name, "big queue");

	/* Resolving a resolved config adds nothing: the text is a fixpoint. */
	char *again = written_config(back);
	assert_string_equal(again, text);

	free(again);
	free(text);
	sim_params_free(&root_schema, &p);
	sim_params_free(&root_schema, &q);
	sim_config_free(back);
	sim_config_free(cfg);
}

/* ---- collections: a schema shaped like the market model's ------------- */

/* A map of models, a list of segments (each with a nested numbers array),
   a numbers array and a variant list of dated events whose `type` picks
   their settings. The market's check() cross-references events to models,
   the way the model will. */

typedef struct model_entry {
	double price_in;
	double price_out;
	int64_t capacity;
	int origin;
	char *provider;
} model_entry;

typedef struct segment_entry {
	char *name;
	double share;
	sim_numbers sensitivities;
} segment_entry;

enum { EVENT_PRICE_CHANGE, EVENT_EXPORT_CONTROL };

typedef struct event_entry {
	int type; /* index into event_variants */
	double day;
	union {
		struct {
			char *model;
			double price_out;
		} price_change;
		struct {
			int origin;
			double capacity_cut;
		} export_control;
	} u;
} event_entry;

typedef struct market_params {
	sim_map models;
	sim_list segments;
	sim_numbers weights;
	sim_list events;
} market_params;

typedef struct coll_params {
	char *name;
	market_params market;
} coll_params;

enum { ORIGIN_CN, ORIGIN_US, ORIGIN_EU };
static const char *const origins[] = { "CN", "US", "EU", NULL };

static const sim_setting model_rows[] = {
	SIM_FLOAT("price_in", model_entry, price_in, "0", 0, INFINITY,
		  "Price per million input tokens, USD"),
	SIM_FLOAT("price_out", model_entry, price_out, NULL, 0, INFINITY,
		  "Price per million output tokens, USD"),
	SIM_INT("capacity", model_entry, capacity, "1000000", 1, INFINITY,
		"Serving capacity, tokens per day"),
	SIM_CHOICE("origin", model_entry, origin, NULL, origins,
		   "Country of origin"),
	SIM_STRING("provider", model_entry, provider, "unknown", "Provider"),
};
static const sim_schema model_schema =
	SIM_SCHEMA("model", model_rows, model_entry, NULL);

static const sim_setting segment_rows[] = {
	SIM_STRING("name", segment_entry, name, NULL, "Segment name"),
	SIM_FLOAT("share", segment_entry, share, NULL, 0, 1,
		  "Share of arrivals"),
	SIM_NUMBERS("sensitivities", segment_entry, sensitivities,
		    "[1.0, 1.0]", -10, 10, 2, 2,
		    "Price and quality sensitivity"),
};
static const sim_schema segment_schema =
	SIM_SCHEMA("segment", segment_rows, segment_entry, NULL);

static const sim_setting price_change_rows[] = {
	SIM_FLOAT("day", event_entry, day, NULL, 0, 3650, "Day it happens"),
	SIM_STRING("model", event_entry, u.price_change.model, NULL,
		   "Id of the model in market.models"),
	SIM_FLOAT("price_out", event_entry, u.price_change.price_out, NULL, 0,
		  INFINITY, "New output price, USD per million tokens"),
};
static const sim_schema price_change_schema =
	SIM_SCHEMA("price_change", price_change_rows, event_entry, NULL);

static const sim_setting export_control_rows[] = {
	SIM_FLOAT("day", event_entry, day, NULL, 0, 3650, "Day it happens"),
	SIM_CHOICE("origin", event_entry, u.export_control.origin, NULL,
		   origins, "Origin whose providers are hit"),
	SIM_FLOAT("capacity_cut", event_entry, u.export_control.capacity_cut,
		  "0.5", 0, 1, "Share of capacity lost"),
};
static const sim_schema export_control_schema =
	SIM_SCHEMA("export_control", export_control_rows, event_entry, NULL);

static const sim_variant event_variants[] = {
	{ "price_change", &price_change_schema, "A model's price changes" },
	{ "export_control", &export_control_schema,
	  "An origin's providers lose capacity" },
	{ NULL, NULL, NULL },
};

/* Every price change names a model of the map: reported at the event's
   model line through an element path. */
static int market_check(const void *params, const sim_config *cfg,
			const char *path, sim_error *err)
{
	const market_params *m = params;
	const event_entry *events = m->events.items;
	char at[128];
	for (size_t k = 0; k < m->events.count; k++) {
		const char *id = events[k].u.price_change.model;
		if (events[k].type != EVENT_PRICE_CHANGE ||
		    sim_map_find(&m->models, id) >= 0)
			continue;
		snprintf(at, sizeof at, "%s.events.[%zu].model", path, k);
		return sim_config_error_at(cfg, at, err,
					   "no model \"%s\" in %s.models", id,
					   path);
	}
	return 0;
}

static const sim_setting market_rows[] = {
	SIM_MAP("models", market_params, models, &model_schema, 1, 0,
		"The models on offer, by id"),
	SIM_LIST("segments", market_params, segments, &segment_schema, 0, 3,
		 "Developer segments"),
	SIM_NUMBERS("weights", market_params, weights, "[0.5, 0.5]", 0, 1, 1,
		    4, "Weights of the choice terms"),
	SIM_VARIANT_LIST("events", market_params, events, event_entry, type,
			 "type", event_variants, 0, 0, "Dated shocks"),
};
static const sim_schema market_schema =
	SIM_SCHEMA("market", market_rows, market_params, market_check);

static const sim_setting coll_rows[] = {
	SIM_STRING("name", coll_params, name, "m", "Experiment name"),
	SIM_GROUP("market", coll_params, market, &market_schema, "The market"),
};
static const sim_schema coll_schema =
	SIM_SCHEMA("coll", coll_rows, coll_params, NULL);

static const model_entry *model_at(const coll_params *p, size_t k)
{
	return (const model_entry *)p->market.models.items + k;
}

static const segment_entry *segment_at(const coll_params *p, size_t k)
{
	return (const segment_entry *)p->market.segments.items + k;
}

static const event_entry *event_at(const coll_params *p, size_t k)
{
	return (const event_entry *)p->market.events.items + k;
}

/* Resolves a collections fixture expected to be rejected. */
static void expect_coll_error(const char *path, int line, const char *setting,
			      const char *message_part)
{
	sim_error err;
	expect_rejected(&coll_schema, sim_config_parse(path, &err), path, line,
			setting, message_part);
}

/* The same for inline text. */
static void expect_coll_text_error(const char *text, int line,
				   const char *setting,
				   const char *message_part)
{
	sim_error err;
	expect_rejected(&coll_schema, sim_config_parse_string(text, "inline.cfg", &err),
			"inline.cfg", line, setting, message_part);
}

/* Applies one --set to the valid collections file, expecting a refusal
   with exactly `message`. */
static void expect_coll_set_error(const char *assignment, const char *setting,
				  const char *message)
{
	expect_set_refused(&coll_schema, "tests/data/config_collections.cfg",
			   assignment, setting, message, true);
}

/* Every field of two resolved collection params, compared. */
static void assert_coll_equal(const coll_params *a, const coll_params *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->market.models.count, b->market.models.count);
	for (size_t k = 0; k < a->market.models.count; k++) {
		const model_entry *x = model_at(a, k), *y = model_at(b, k);
		assert_string_equal(a->market.models.ids[k],
				    b->market.models.ids[k]);
		assert_double_near(x->price_in, y->price_in, 0);
		assert_double_near(x->price_out, y->price_out, 0);
		assert_int_equal(x->capacity, y->capacity);
		assert_int_equal(x->origin, y->origin);
		assert_string_equal(x->provider, y->provider);
	}
	assert_int_equal(a->market.segments.count, b->market.segments.count);
	for (size_t k = 0; k < a->market.segments.count; k++) {
		const segment_entry *x = segment_at(a, k), *y = segment_at(b, k);
		assert_string_equal(x->name, y->name);
		assert_double_near(x->share, y->share, 0);
		assert_int_equal(x->sensitivities.count, y->sensitivities.count);
		for (size_t j = 0; j < x->sensitivities.count; j++)
			assert_double_near(x->sensitivities.values[j],
					   y->sensitivities.values[j], 0);
	}
	assert_int_equal(a->market.weights.count, b->market.weights.count);
	for (size_t k = 0; k < a->market.weights.count; k++)
		assert_double_near(a->market.weights.values[k],
				   b->market.weights.values[k], 0);
	assert_int_equal(a->market.events.count, b->market.events.count);
	for (size_t k = 0; k < a->market.events.count; k++) {
		const event_entry *x = event_at(a, k), *y = event_at(b, k);
		assert_int_equal(x->type, y->type);
		assert_double_near(x->day, y->day, 0);
		if (x->type == EVENT_PRICE_CHANGE) {
			assert_string_equal(x->u.price_change.model,
					    y->u.price_change.model);
			assert_double_near(x->u.price_change.price_out,
					   y->u.price_change.price_out, 0);
		} else {
			assert_int_equal(x->u.export_control.origin,
					 y->u.export_control.origin);
			assert_double_near(x->u.export_control.capacity_cut,
					   y->u.export_control.capacity_cut, 0);
		}
	}
}

/* Ensure a valid file fills a map (ids and entries in file order), a list
   with nested arrays, a numbers array and a variant list whose elements
   carry their variant's index and fields, defaults included; and that
   sim_params_free releases and zeroes it all. */
static void test_collections_valid(void **state)
{
	(void)state;
	coll_params p;
	sim_error err;
	memset(&p, 0, sizeof p);
	sim_config *cfg =
		sim_config_parse("tests/data/config_collections.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_resolve(cfg, &coll_schema, &p, &err), 0);

	assert_int_equal(p.market.models.count, 2);
	assert_string_equal(p.market.models.ids[0], "qwen3_6_plus");
	assert_string_equal(p.market.models.ids[1], "claude_sonnet_4_5");
	assert_int_equal(sim_map_find(&p.market.models, "claude_sonnet_4_5"), 1);
	assert_int_equal(sim_map_find(&p.market.models, "gpt"), -1);
	assert_double_near(model_at(&p, 0)->price_out, 0.0, 0);
	assert_double_near(model_at(&p, 0)->price_in, 0.0, 0);
	assert_int_equal(model_at(&p, 0)->origin, ORIGIN_CN);
	assert_string_equal(model_at(&p, 0)->provider, "Alibaba");
	assert_double_near(model_at(&p, 1)->price_in, 3.0, 0);
	assert_double_near(model_at(&p, 1)->price_out, 15.0, 0);
	assert_int_equal(model_at(&p, 1)->capacity, 1000000);
	assert_int_equal(model_at(&p, 1)->origin, ORIGIN_US);
	assert_string_equal(model_at(&p, 1)->provider, "unknown");

	assert_int_equal(p.market.segments.count, 2);
	assert_string_equal(segment_at(&p, 0)->name, "hobbyist");
	assert_double_near(segment_at(&p, 0)->share, 0.6, 0);
	assert_int_equal(segment_at(&p, 0)->sensitivities.count, 2);
	assert_double_near(segment_at(&p, 0)->sensitivities.values[1], 1.0, 0);
	assert_double_near(segment_at(&p, 1)->sensitivities.values[0], 0.5, 0);
	assert_double_near(segment_at(&p, 1)->sensitivities.values[1], 2.0, 0);

	assert_int_equal(p.market.weights.count, 3);
	assert_double_near(p.market.weights.values[0], 0.1, 0);
	assert_double_near(p.market.weights.values[2], 0.7, 0);

	assert_int_equal(p.market.events.count, 2);
	assert_int_equal(event_at(&p, 0)->type, EVENT_PRICE_CHANGE);
	assert_double_near(event_at(&p, 0)->day, 90.0, 0);
	assert_string_equal(event_at(&p, 0)->u.price_change.model,
			    "qwen3_6_plus");
	assert_double_near(event_at(&p, 0)->u.price_change.price_out, 1.2, 0);
	assert_int_equal(event_at(&p, 1)->type, EVENT_EXPORT_CONTROL);
	assert_double_near(event_at(&p, 1)->day, 120.5, 0);
	assert_int_equal(event_at(&p, 1)->u.export_control.origin, ORIGIN_CN);
	assert_double_near(event_at(&p, 1)->u.export_control.capacity_cut, 0.5,
			   0);

	sim_params_free(&coll_schema, &p);
	assert_int_equal(p.market.models.count, 0);
	assert_null(p.market.models.ids);
	assert_null(p.market.models.items);
	assert_null(p.market.segments.items);
	assert_null(p.market.weights.values);
	assert_null(p.market.events.items);
	assert_null(p.name);
	sim_params_free(&coll_schema, &p); /* twice is harmless */
	sim_config_free(cfg);
}

/* Ensure resolved params can be changed in place: sim_params_locate finds
   a number or string setting through groups, map entries, list and
   variant-list elements (by the variant the element is), and nothing
   else; sim_params_check then runs every check again, at the path and
   line resolve gives. */
static void test_params_in_place(void **state)
{
	(void)state;
	coll_params p;
	sim_error err;
	const sim_setting *row = NULL;
	memset(&p, 0, sizeof p);
	sim_config *cfg = sim_config_parse("tests/data/config_collections.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_resolve(cfg, &coll_schema, &p, &err), 0);
	double *price = sim_params_locate(&coll_schema, &p,
					  "market.models.claude_sonnet_4_5.price_out", &row);
	assert_ptr_equal(price, &((model_entry *)p.market.models.items)[1].price_out);
	assert_string_equal(row->name, "price_out");
	assert_ptr_equal(sim_params_locate(&coll_schema, &p, "market.segments[1].share", &row),
			 &segment_at(&p, 1)->share);
	assert_ptr_equal(sim_params_locate(&coll_schema, &p, "market.events.[0].price_out",
					   &row), &event_at(&p, 0)->u.price_change.price_out);
	char **model = sim_params_locate(&coll_schema, &p, "market.events.[0].model", &row);
	assert_ptr_equal(model, &event_at(&p, 0)->u.price_change.model);
	assert_int_equal(row->kind, SIM_SETTING_STRING);
	assert_ptr_equal(sim_params_locate(&coll_schema, &p, "name", &row), &p.name);
	const char *nowhere[] = { "market", "market.models", "market.models.gpt.price_out",
				  "market.segments.[2].share", "market.segments.[x].share",
				  "market.events.[1].price_out", /* an export_control */
				  "market.events.[0].type", "market.weights",
				  "market.models.qwen3_6_plus.origin", /* a CHOICE */
				  "market.segments.[0].share.x", "nope", NULL };
	for (int i = 0; nowhere[i]; i++)
		if (sim_params_locate(&coll_schema, &p, nowhere[i], &row))
			fail_msg("located \"%s\"", nowhere[i]);
	assert_int_equal(sim_params_check(&coll_schema, &p, cfg, &err), 0);
	/* An event naming a model the map lacks: market_check, at the
	   event's line, as resolve reports it. */
	char *saved = *model;
	*model = (char *)"gpt";
	assert_int_equal(sim_params_check(&coll_schema, &p, cfg, &err), -1);
	assert_config_error(&err, "tests/data/config_collections.cfg", 18,
			    "market.events.[0].model", "no model \"gpt\" in market.models");
	*model = saved;
	assert_int_equal(sim_params_check(&coll_schema, &p, cfg, &err), 0);
	sim_params_free(&coll_schema, &p);
	sim_config_free(cfg);
}

/* Ensure collections the file leaves out are empty, or take their
   default, and are written back; a list of numbers stands for an array
   (libconfig arrays cannot mix 1 and 0.5). */
static void test_collections_absent_and_lists(void **state)
{
	(void)state;
	coll_params p;
	sim_error err;
	memset(&p, 0, sizeof p);
	sim_config *cfg = sim_config_parse_string(
		"market = { models = { m = { price_out = 2; origin = \"EU\"; "
		"}; }; };\n",
		"inline.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_resolve(cfg, &coll_schema, &p, &err), 0);
	assert_int_equal(p.market.segments.count, 0);
	assert_null(p.market.segments.items);
	assert_int_equal(p.market.events.count, 0);
	assert_int_equal(p.market.weights.count, 2);
	assert_double_near(p.market.weights.values[1], 0.5, 0);
	char *text = written_config(cfg);
	assert_contains(text, "segments = ( );");
	assert_contains(text, "weights = [ 0.5, 0.5 ];");
	assert_contains(text, "events = ( );");
	free(text);
	sim_params_free(&coll_schema, &p);
	sim_config_free(cfg);

	memset(&p, 0, sizeof p);
	cfg = sim_config_parse_string(
		"market = { models = { m = { price_out = 2; origin = \"EU\"; "
		"}; };\n  weights = (1, 0.5); };\n",
		"inline.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_resolve(cfg, &coll_schema, &p, &err), 0);
	assert_int_equal(p.market.weights.count, 2);
	assert_double_near(p.market.weights.values[0], 1.0, 0);
	sim_params_free(&coll_schema, &p);
	sim_config_free(cfg);

	/* The mixed array itself is a libconfig syntax error: say the fix. */
	assert_null(sim_config_parse_string("w = [1, 0.5];\n", "inline.cfg",
					    &err));
	assert_config_error(&err, "inline.cfg", 1, "",
			    "mismatched element type in array: write 1.0, "
			    "not 1, among floats (or use a list ( ... ))");
}

/* Ensure errors inside map entries name the entry's path and line: an
   unknown key with its hint, a wrong type, an entry that is no group, too
   few entries, a missing map. */
static void test_map_errors(void **state)
{
	(void)state;
	expect_coll_error("tests/data/config_map_unknown_key.cfg", 6,
			  "market.models.claude_sonnet_4_5.price_ot",
			  "unknown setting; did you mean 'price_out'?");
	expect_coll_error("tests/data/config_map_wrong_type.cfg", 5,
			  "market.models.qwen3_6_plus.capacity",
			  "expected an integer >= 1, found a string "
			  "(\"lots\")");
	expect_coll_error("tests/data/config_map_entry_not_group.cfg", 4,
			  "market.models.qwen3_6_plus",
			  "expected a group { ... }, found an integer (5)");
	expect_coll_error("tests/data/config_map_empty.cfg", 3,
			  "market.models",
			  "expected a map { <id> = { ... }; ... } with at "
			  "least 1 entry, found 0");
	expect_coll_text_error("market = {\n  weights = [0.5];\n};\n", 1,
			       "market.models",
			       "required setting is missing (expected a map "
			       "{ <id> = { ... }; ... } with at least 1 "
			       "entry)");
	expect_coll_text_error("market = {\n  models = ( );\n};\n", 2,
			       "market.models",
			       "expected a map { <id> = { ... }; ... } with at "
			       "least 1 entry, found a list");
}

/* Ensure libconfig's refusal of a duplicate id reaches the user with its
   line and a plain explanation. */
static void test_map_duplicate_id(void **state)
{
	(void)state;
	sim_error err;
	assert_null(sim_config_parse("tests/data/config_map_duplicate.cfg",
				     &err));
	assert_config_error(&err, "tests/data/config_map_duplicate.cfg", 5,
			    "",
			    "duplicate setting name: a name, or an id in a "
			    "map, may appear only once in its group");
}

/* Ensure errors inside list elements use element paths ("[1]") and the
   element's own lines; a list of the wrong size or written as a group is
   reported at the list. */
static void test_list_errors(void **state)
{
	(void)state;
	expect_coll_error("tests/data/config_list_range.cfg", 7,
			  "market.segments.[1].share",
			  "expected a number in [0, 1], found 1.5");
	expect_coll_error("tests/data/config_list_missing_member.cfg", 5,
			  "market.segments.[0].share",
			  "required setting is missing (expected a number in "
			  "[0, 1])");
	expect_coll_error("tests/data/config_list_too_many.cfg", 4,
			  "market.segments",
			  "expected a list of groups ( { ... }, ... ) with at "
			  "most 3 elements, found 4");
	expect_coll_error("tests/data/config_list_not_list.cfg", 4,
			  "market.segments",
			  "expected a list of groups ( { ... }, ... ) with at "
			  "most 3 elements, found a group; write a list in "
			  "parentheses: ( { ... }, { ... } )");
	expect_coll_text_error("market = {\n  models = { m = { price_out = "
			       "1.0; origin = \"EU\"; }; };\n  segments = ( 5 "
			       ");\n};\n",
			       3, "market.segments.[0]",
			       "expected a group { ... }, found an integer "
			       "(5)");
	/* A nested array inside an element: its own count. */
	expect_coll_text_error("market = {\n  models = { m = { price_out = "
			       "1.0; origin = \"EU\"; }; };\n  segments = ( { "
			       "name = \"a\"; share = 1.0;\n  sensitivities = "
			       "[1.0]; } );\n};\n",
			       4, "market.segments.[0].sensitivities",
			       "expected an array of numbers in [-10, 10] "
			       "with exactly 2 elements, found 1");
}

/* Ensure each element of a numbers array is checked at its own line, the
   count against the bounds, and the type of the whole. */
static void test_numbers_errors(void **state)
{
	(void)state;
	expect_coll_error("tests/data/config_numbers_range.cfg", 5,
			  "market.weights.[1]",
			  "expected a number in [0, 1], found 1.5");
	expect_coll_error("tests/data/config_numbers_type.cfg", 4,
			  "market.weights.[0]",
			  "expected a number in [0, 1], found a string "
			  "(\"0.5\"); write it without quotes");
	expect_coll_error("tests/data/config_numbers_count.cfg", 4,
			  "market.weights",
			  "expected an array of numbers in [0, 1] with 1 to 4 "
			  "elements, found 5");
	expect_coll_text_error("market = {\n  models = { m = { price_out = "
			       "1.0; origin = \"EU\"; }; };\n  weights = 0.5;\n"
			       "};\n",
			       3, "market.weights",
			       "expected an array of numbers in [0, 1] with 1 "
			       "to 4 elements, found a float (0.5)");
	expect_coll_text_error("market = {\n  models = { m = { price_out = "
			       "1.0; origin = \"EU\"; }; };\n  weights = [];\n"
			       "};\n",
			       3, "market.weights", "found 0");
}

/* Ensure a variant list reports an unknown type with a hint, a missing
   type, a member of another variant and a missing member, each at its
   element's path and line. */
static void test_variant_errors(void **state)
{
	(void)state;
	expect_coll_error("tests/data/config_variant_unknown_type.cfg", 5,
			  "market.events.[0].type",
			  "expected one of \"price_change\", "
			  "\"export_control\", found \"price_chnage\"; did "
			  "you mean \"price_change\"?");
	expect_coll_error("tests/data/config_variant_missing_type.cfg", 6,
			  "market.events.[1].type",
			  "required setting is missing (expected one of "
			  "\"price_change\", \"export_control\")");
	expect_coll_error("tests/data/config_variant_wrong_member.cfg", 6,
			  "market.events.[0].origin",
			  "unknown setting; expected one of: day, model, "
			  "price_out");
	expect_coll_error("tests/data/config_variant_missing_member.cfg", 6,
			  "market.events.[1].price_out",
			  "required setting is missing (expected a number "
			  ">= 0)");
	expect_coll_text_error("market = {\n  models = { m = { price_out = "
			       "1.0; origin = \"EU\"; }; };\n  events = ( { "
			       "day = 1.0;\n type = 3; } );\n};\n",
			       4, "market.events.[0].type",
			       "expected one of \"price_change\", "
			       "\"export_control\", found an integer (3)");
	expect_coll_text_error("market = {\n  models = { m = { price_out = "
			       "1.0; origin = \"EU\"; }; };\n  events = { };\n"
			       "};\n",
			       3, "market.events",
			       "expected a list of groups ( { type = \"...\"; "
			       "... }, ... ), found a group; write a list in "
			       "parentheses");
}

/* Ensure a schema check can point at a member of a list element through
   sim_config_error_at, at the member's file and line. */
static void test_collection_check_points_at_element(void **state)
{
	(void)state;
	expect_coll_error("tests/data/config_variant_cross_ref.cfg", 6,
			  "market.events.[0].model",
			  "no model \"qwen3_7\" in market.models");
}

/* Ensure sim_config_error_at finds entries, elements and array elements
   by path (either index syntax), falling back to the nearest setting. */
static void test_error_at_collection_paths(void **state)
{
	(void)state;
	const char *file = "tests/data/config_collections.cfg";
	sim_error err;
	sim_config *cfg = sim_config_parse(file, &err);
	assert_non_null(cfg);
	sim_config_error_at(cfg, "market.models.claude_sonnet_4_5.price_out",
			    &err, "x");
	assert_config_error(&err, file, 7,
			    "market.models.claude_sonnet_4_5.price_out", "x");
	sim_config_error_at(cfg, "market.events.[1].day", &err, "x");
	assert_config_error(&err, file, 20, "market.events.[1].day", "x");
	sim_config_error_at(cfg, "market.events[1].origin", &err, "x");
	assert_config_error(&err, file, 22, "market.events.[1].origin", "x");
	sim_config_error_at(cfg, "market.weights.[2]", &err, "x");
	assert_config_error(&err, file, 16, "market.weights.[2]", "x");
	sim_config_error_at(cfg, "market.events.[7].day", &err, "x");
	assert_config_error(&err, file, 17, "market.events.[7].day", "x");
	sim_config_free(cfg);
}

/* Ensure --set reaches a map entry's member, a list element's member (in
   either index syntax, through the element's variant), and replaces a
   numbers array in both spellings. */
static void test_set_collections(void **state)
{
	(void)state;
	coll_params p;
	sim_error err;
	memset(&p, 0, sizeof p);
	sim_config *cfg =
		sim_config_parse("tests/data/config_collections.cfg", &err);
	assert_non_null(cfg);
	const char *sets[] = {
		"market.models.qwen3_6_plus.price_out=0.5",
		"market.models.claude_sonnet_4_5.provider=\"Anthropic\"",
		"market.models.claude_sonnet_4_5.capacity=5000000000",
		"market.segments.[1].share=0.3",
		"market.segments.[0].sensitivities=3,4",
		"market.events.[0].day=45",
		"market.events[1].capacity_cut=0.25",
		"market.weights=[0.25, 0.75]",
	};
	for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++)
		if (sim_config_set(cfg, &coll_schema, sets[k], &err))
			fail_msg("%s: %s: %s", sets[k], err.path, err.message);
	assert_int_equal(sim_config_resolve(cfg, &coll_schema, &p, &err), 0);
	assert_double_near(model_at(&p, 0)->price_out, 0.5, 0);
	assert_string_equal(model_at(&p, 1)->provider, "Anthropic");
	assert_int_equal(model_at(&p, 1)->capacity, 5000000000LL);
	assert_double_near(segment_at(&p, 1)->share, 0.3, 0);
	assert_double_near(segment_at(&p, 0)->sensitivities.values[0], 3, 0);
	assert_double_near(segment_at(&p, 0)->sensitivities.values[1], 4, 0);
	assert_double_near(event_at(&p, 0)->day, 45, 0);
	assert_double_near(event_at(&p, 1)->u.export_control.capacity_cut,
			   0.25, 0);
	assert_int_equal(p.market.weights.count, 2);
	assert_double_near(p.market.weights.values[1], 0.75, 0);
	sim_params_free(&coll_schema, &p);

	/* Bare comma form; and a later --set wins. */
	assert_int_equal(sim_config_set(cfg, &coll_schema,
					"market.weights=0.2,0.3,0.5", &err),
			 0);
	memset(&p, 0, sizeof p);
	assert_int_equal(sim_config_resolve(cfg, &coll_schema, &p, &err), 0);
	assert_int_equal(p.market.weights.count, 3);
	assert_double_near(p.market.weights.values[2], 0.5, 0);
	sim_params_free(&coll_schema, &p);
	sim_config_free(cfg);
}

/* Ensure --set into collections is refused with exact messages: unknown
   ids and indexes (it edits, never adds), members of another variant,
   whole collections, bad array elements by index. */
static void test_set_collection_errors(void **state)
{
	(void)state;
	expect_coll_set_error("market.models.qwen3_6_plsu.price_out=1",
			      "market.models.qwen3_6_plsu",
			      "no such entry in the file; did you mean "
			      "'qwen3_6_plus'?");
	expect_coll_set_error("market.models.gpt.price_out=1",
			      "market.models.gpt",
			      "no such entry in the file; it has: "
			      "qwen3_6_plus, claude_sonnet_4_5");
	expect_coll_set_error("market.models.qwen3_6_plus.price_ot=1",
			      "market.models.qwen3_6_plus.price_ot",
			      "unknown setting; did you mean 'price_out'?");
	expect_coll_set_error("market.models.qwen3_6_plus=1",
			      "market.models.qwen3_6_plus",
			      "is an entry; set one of its settings, e.g. "
			      "market.models.qwen3_6_plus.price_in=...");
	expect_coll_set_error("market.models=1", "market.models",
			      "is a map; set a setting of one of its entries, "
			      "e.g. market.models.<id>.price_in=...");
	expect_coll_set_error("market.models.qwen3_6_plus.price_out=-1",
			      "market.models.qwen3_6_plus.price_out",
			      "expected a number >= 0, found -1");
	expect_coll_set_error("market.events.[9].day=1", "market.events.[9]",
			      "no such element in the file (the list has 2; "
			      "--set changes elements, it does not add them)");
	expect_coll_set_error("market.events.x.day=1", "market.events.x",
			      "expected an element index such as [0], found "
			      "\"x\"");
	expect_coll_set_error("market.events.[0].capacity_cut=0.1",
			      "market.events.[0].capacity_cut",
			      "unknown setting; expected one of: day, model, "
			      "price_out");
	expect_coll_set_error("market.events.[0].type=price_chnage",
			      "market.events.[0].type",
			      "expected one of \"price_change\", "
			      "\"export_control\", found \"price_chnage\"; "
			      "did you mean \"price_change\"?");
	expect_coll_set_error("market.events=1", "market.events",
			      "is a list; set a setting of one of its "
			      "elements, e.g. market.events.[0].type=...");
	expect_coll_set_error("market.events.[1]=1", "market.events.[1]",
			      "is an element; set one of its settings, e.g. "
			      "market.events.[1].type=...");
	expect_coll_set_error("market.segments.[0].day=1",
			      "market.segments.[0].day",
			      "unknown setting; expected one of: name, share, "
			      "sensitivities");
	expect_coll_set_error("market.weights=[0.1,2]", "market.weights.[1]",
			      "expected a number in [0, 1], found 2");
	expect_coll_set_error("market.weights=[0.1, abc]", "market.weights.[1]",
			      "expected a number in [0, 1], found \"abc\"");
	expect_coll_set_error("market.weights=[]", "market.weights",
			      "expected an array of numbers in [0, 1] with 1 "
			      "to 4 elements, found 0");
	expect_coll_set_error("market.weights=", "market.weights",
			      "expected an array of numbers in [0, 1] with 1 "
			      "to 4 elements, found \"\"");
	expect_coll_set_error("market.weights.[0]=0.5", "market.weights.[0]",
			      "'market.weights' is an array; set it whole, "
			      "e.g. market.weights=[1, 2]");
}

/* Ensure a check failing on an overridden element member points at
   --set, and that changing an element's type re-checks its members. */
static void test_set_collection_then_resolve(void **state)
{
	(void)state;
	coll_params p;
	sim_error err;
	memset(&p, 0, sizeof p);
	sim_config *cfg =
		sim_config_parse("tests/data/config_collections.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_set(cfg, &coll_schema,
					"market.events.[0].model=nope", &err),
			 0);
	assert_int_equal(sim_config_resolve(cfg, &coll_schema, &p, &err), -1);
	assert_config_error(&err, "--set", 0, "market.events.[0].model",
			    "no model \"nope\" in market.models");
	sim_params_free(&coll_schema, &p);
	sim_config_free(cfg);

	memset(&p, 0, sizeof p);
	cfg = sim_config_parse("tests/data/config_collections.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_set(cfg, &coll_schema,
					"market.events.[1].type=price_change",
					&err),
			 0);
	assert_int_equal(sim_config_resolve(cfg, &coll_schema, &p, &err), -1);
	assert_config_error(&err, "tests/data/config_collections.cfg", 22,
			    "market.events.[1].origin",
			    "unknown setting; expected one of: day, model, "
			    "price_out");
	sim_params_free(&coll_schema, &p);
	sim_config_free(cfg);
}

/* Ensure the written config of collections (with overrides and defaults)
   reads back to equal params and is a fixpoint. */
static void test_collections_round_trip(void **state)
{
	(void)state;
	coll_params p, q;
	sim_error err;
	memset(&p, 0, sizeof p);
	memset(&q, 0, sizeof q);
	sim_config *cfg =
		sim_config_parse("tests/data/config_collections.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_set(cfg, &coll_schema,
					"market.weights=1,0", &err),
			 0);
	assert_int_equal(sim_config_set(cfg, &coll_schema,
					"market.events.[0].day=45", &err),
			 0);
	assert_int_equal(sim_config_resolve(cfg, &coll_schema, &p, &err), 0);
	char *text = written_config(cfg);
	assert_contains(text, "weights = [ 1.0, 0.0 ];");
	assert_contains(text, "capacity = 1000000;");      /* entry default */
	assert_contains(text, "provider = \"unknown\";");
	assert_contains(text, "sensitivities = [ 1.0, 1.0 ];");
	assert_contains(text, "capacity_cut = 0.5;");      /* variant default */
	assert_contains(text, "day = 45.0;");

	sim_config *back = sim_config_parse_string(text, "resolved.cfg", &err);
	assert_non_null(back);
	assert_int_equal(sim_config_resolve(back, &coll_schema, &q, &err), 0);
	assert_coll_equal(&p, &q);
	char *again = written_config(back);
	assert_string_equal(again, text);
	free(again);
	free(text);
	sim_params_free(&coll_schema, &p);
	sim_params_free(&coll_schema, &q);
	sim_config_free(back);
	sim_config_free(cfg);
}

/* Ensure params that failed half way through collections (ids, strings
   in entries and variant elements, nested arrays already allocated) free
   cleanly (the suite runs under valgrind). */
static void test_collections_free_after_failure(void **state)
{
	(void)state;
	coll_params p;
	sim_error err;
	memset(&p, 0, sizeof p);
	sim_config *cfg = sim_config_parse_string(
		"name = \"x\";\n"
		"market = {\n"
		"  models = { a = { price_out = 1.0; origin = \"EU\"; "
		"provider = \"P\"; };\n"
		"             b = { price_out = 2.0; origin = \"US\"; }; };\n"
		"  segments = ( { name = \"s\"; share = 1.0; } );\n"
		"  weights = [0.5];\n"
		"  events = ( { type = \"price_change\"; day = 1.0; model = "
		"\"a\"; price_out = 0.5; },\n"
		"             { type = \"price_change\"; model = \"b\"; day = "
		"-1.0; } );\n"
		"};\n",
		"inline.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_resolve(cfg, &coll_schema, &p, &err), -1);
	assert_config_error(&err, "inline.cfg", 8, "market.events.[1].day",
			    "expected a number in [0, 3650], found -1");
	assert_int_equal(p.market.models.count, 2);
	assert_string_equal(event_at(&p, 1)->u.price_change.model, "b");
	sim_params_free(&coll_schema, &p);
	assert_null(p.market.models.ids);
	assert_null(p.market.events.items);
	assert_null(p.market.segments.items);
	assert_null(p.market.weights.values);
	sim_params_free(&coll_schema, &p);
	sim_config_free(cfg);
}

/* Ensure the docs list entries as <id>, elements as [i], each variant's
   settings under its type, and collection bounds, still aligned. */
static void test_collections_doc(void **state)
{
	(void)state;
	char *text = doc_text(&coll_schema);
	assert_contains(text, "market.models.<id>.price_out");
	assert_contains(text, "market.segments.[i].sensitivities");
	assert_contains(text, "market.events.[i].type");
	assert_contains(text, "one of price_change, export_control");
	assert_contains(text, "type = \"price_change\"");
	assert_contains(text, "type = \"export_control\"");
	assert_contains(text, "variant list");
	assert_contains(text, "at least 1 entry");
	assert_contains(text, "at most 3 elements");
	assert_contains(text, "default empty");
	assert_contains(text, "default [0.5, 0.5]");
	assert_contains(text, "range [0, 1]; 1 to 4 elements");
	/* The export_control settings come after its header line. */
	const char *head = strstr(text, "type = \"export_control\"");
	assert_non_null(head);
	assert_non_null(strstr(head, "market.events.[i].capacity_cut"));
	assert_null(strstr(text, "market.events.[i].capacity_cut") < head
			    ? "capacity_cut listed before its variant"
			    : NULL);

	const char *docs[] = { "The models on offer, by id",
			       "Price per million output tokens, USD",
			       "Dated shocks", "A model's price changes",
			       "Share of capacity lost" };
	assert_same_column(text, docs, sizeof docs / sizeof docs[0]);
	assert_null(strstr(text, " \n"));
	free(text);
}

/* ---- the rest of the API ---------------------------------------------- */

/* Ensure sim_config_get_string reads strings only, at any depth. */
static void test_get_string(void **state)
{
	(void)state;
	sim_error err;
	sim_config *cfg = sim_config_parse_string(
		"model = \"phold\";\nn = 3;\ng = { s = \"x\"; };\n",
		"inline.cfg", &err);
	assert_non_null(cfg);
	assert_string_equal(sim_config_get_string(cfg, "model"), "phold");
	assert_string_equal(sim_config_get_string(cfg, "g.s"), "x");
	assert_null(sim_config_get_string(cfg, "n"));
	assert_null(sim_config_get_string(cfg, "absent"));
	sim_config_free(cfg);
}

/* Ensure sim_config_error_at falls back to the nearest enclosing setting
   with a line when the path is not in the tree. */
static void test_error_at_fallback(void **state)
{
	(void)state;
	sim_error err;
	sim_config *cfg = sim_config_parse(
		"tests/data/config_missing_in_group.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_error_at(cfg, "engine.end_time", &err,
					     "needed for %s", "the run"),
			 -1);
	assert_config_error(&err, "tests/data/config_missing_in_group.cfg", 3,
			    "engine.end_time", "needed for the run");
	sim_config_error_at(cfg, "nothing.here", &err, "x");
	assert_config_error(&err, "tests/data/config_missing_in_group.cfg", 1,
			    "nothing.here", "x");
	sim_config_free(cfg);
}

/* Ensure the docs list every setting with its path, type, default or
   "required", range or choices and doc, in aligned columns. */
static void test_schema_doc(void **state)
{
	(void)state;
	char *text = doc_text(&root_schema);
	assert_contains(text, "lps ");
	assert_contains(text, "required");
	assert_contains(text, "default 42");
	assert_contains(text, "range >= 1");
	assert_contains(text, "range [0, 4294967295]");
	assert_contains(text, "range (0, 10)");
	assert_contains(text, "one of fifo, lifo, random");
	assert_contains(text, "default \"main\"");
	assert_contains(text, "engine.end_time");
	assert_contains(text, "queue.capacity");

	/* Every doc string starts in the same column. */
	const char *docs[] = { "Number of logical processes", "Random seed",
			       "Engine settings", "Simulated time to stop at",
			       "Queue name" };
	assert_same_column(text, docs, sizeof docs / sizeof docs[0]);
	assert_null(strstr(text, " \n")); /* no trailing blanks */
	free(text);
}

/* Ensure the edit distance is Levenshtein's, capped at 255. */
static void test_edit_distance(void **state)
{
	(void)state;
	assert_int_equal(sim_edit_distance("kitten", "sitting"), 3);
	assert_int_equal(sim_edit_distance("", "abc"), 3);
	assert_int_equal(sim_edit_distance("abc", ""), 3);
	assert_int_equal(sim_edit_distance("lookahead", "lookahead"), 0);
	assert_int_equal(sim_edit_distance("lookahed", "lookahead"), 1);
	assert_int_equal(sim_edit_distance("flaw", "lawn"), 2);
	char a[400], b[400];
	memset(a, 'a', sizeof a - 1);
	memset(b, 'b', sizeof b - 1);
	a[sizeof a - 1] = b[sizeof b - 1] = '\0';
	assert_int_equal(sim_edit_distance(a, b), 255);
	assert_int_equal(sim_edit_distance(a, ""), 255);
	b[300] = '\0';
	memset(b, 'a', 300);
	assert_int_equal(sim_edit_distance(a, b), 99);
}

/* ---- a group with an integer shorthand -------------------------------- */

/* The experiment's `replications`: a group { min; max; target } that may
   be written as an integer, the value of min. */
typedef struct reps_params {
	int64_t seed;
	sim_replications_params replications;
} reps_params;

static const sim_setting reps_rows[] = {
	SIM_INT("seed", reps_params, seed, "1", 0, INFINITY, "Seed"),
	SIM_GROUP_OR_INT("replications", reps_params, replications,
			 &sim_replications_schema, "min", "Independent runs"),
};
static const sim_schema reps_schema =
	SIM_SCHEMA("reps", reps_rows, reps_params, NULL);

/* Parses text as "inline.cfg", applies the n overrides and resolves into
   *p; returns resolve's status (parse and the overrides must succeed).
   With written non-NULL, stores the resolved config's text (heap). */
static int resolve_reps(const char *text, const char *const *sets, size_t n,
			reps_params *p, sim_error *err, char **written)
{
	sim_config *cfg = sim_config_parse_string(text, "inline.cfg", err);
	if (!cfg)
		fail_msg("inline.cfg: %s", err->message);
	for (size_t k = 0; k < n; k++)
		if (sim_config_set(cfg, &reps_schema, sets[k], err) != 0)
			fail_msg("--set %s: %s", sets[k], err->message);
	memset(p, 0, sizeof *p);
	int rc = sim_config_resolve(cfg, &reps_schema, p, err);
	if (written)
		*written = written_config(cfg);
	sim_config_free(cfg);
	return rc;
}

/* Resolves the written text again and checks it gives the same
   replications and is a fixpoint. */
static void assert_reps_round_trip(const char *written, const reps_params *p)
{
	reps_params q;
	sim_error err;
	char *again = NULL;
	assert_int_equal(resolve_reps(written, NULL, 0, &q, &err, &again), 0);
	assert_int_equal(q.replications.min, p->replications.min);
	assert_int_equal(q.replications.max, p->replications.max);
	assert_int_equal(q.replications.target.count,
			 p->replications.target.count);
	assert_string_equal(again, written);
	free(again);
	sim_params_free(&reps_schema, &q);
}

/* Ensure `replications = 20` resolves exactly as { min = 20; }: max and
   target at their defaults, and the written config keeps the integer
   (what the manifest showed before the group existed). */
static void test_shorthand_in_file(void **state)
{
	(void)state;
	reps_params p, g;
	sim_error err;
	char *text = NULL, *group_text = NULL;
	assert_int_equal(resolve_reps("seed = 3;\nreplications = 20;\n", NULL, 0,
				      &p, &err, &text), 0);
	assert_int_equal(p.replications.min, 20);
	assert_int_equal(p.replications.max, 0);
	assert_int_equal(p.replications.target.count, 0);
	assert_null(p.replications.target.items);
	assert_contains(text, "replications = 20;");
	assert_null(strstr(text, "min ="));
	assert_reps_round_trip(text, &p);

	/* The group it stands for gives the same params. */
	assert_int_equal(resolve_reps("replications = { min = 20; };\n", NULL, 0,
				      &g, &err, &group_text), 0);
	assert_int_equal(g.replications.min, p.replications.min);
	assert_int_equal(g.replications.max, p.replications.max);
	assert_int_equal(g.replications.target.count, 0);
	assert_contains(group_text, "max = 0;");

	/* Left out, it is its shorthand's default, written as such. */
	free(text);
	sim_params_free(&reps_schema, &p);
	assert_int_equal(resolve_reps("seed = 3;\n", NULL, 0, &p, &err, &text), 0);
	assert_int_equal(p.replications.min, 1);
	assert_int_equal(p.replications.max, 0);
	assert_contains(text, "replications = 1;");

	free(text);
	free(group_text);
	sim_params_free(&reps_schema, &p);
	sim_params_free(&reps_schema, &g);
}

/* Ensure the group form fills min, max and the targets, and is written
   back whole with its defaults. */
static void test_shorthand_group_form(void **state)
{
	(void)state;
	reps_params p;
	sim_error err;
	char *text = NULL;
	assert_int_equal(resolve_reps(
		"replications = { min = 5; max = 200;\n"
		"  target = ( { metric = \"cum_revenue:Alibaba\"; rel_half_width = 0.02; },\n"
		"             { metric = \"tokens_total:all\"; rel_half_width = 0.1; } ); };\n",
		NULL, 0, &p, &err, &text), 0);
	assert_int_equal(p.replications.min, 5);
	assert_int_equal(p.replications.max, 200);
	assert_int_equal(p.replications.target.count, 2);
	const sim_replication_target *t = p.replications.target.items;
	assert_string_equal(t[0].metric, "cum_revenue:Alibaba");
	assert_double_near(t[0].rel_half_width, 0.02, 0);
	assert_string_equal(t[1].metric, "tokens_total:all");
	assert_int_equal(sim_replications_limit(&p.replications), 200);
	assert_contains(text, "max = 200;");
	assert_contains(text, "metric = \"cum_revenue:Alibaba\";");
	assert_reps_round_trip(text, &p);
	free(text);
	sim_params_free(&reps_schema, &p);
	assert_null(p.replications.target.items);
}

/* Ensure --set replications=N replaces a group with the integer, and
   --set replications.min/max reach into a file's integer as the group it
   stands for (keeping its value). */
static void test_shorthand_in_set(void **state)
{
	(void)state;
	reps_params p;
	sim_error err;
	char *text = NULL;
	const char *adaptive =
		"replications = { min = 5; max = 200;\n"
		"  target = ( { metric = \"cum_revenue:Alibaba\"; rel_half_width = 0.02; } ); };\n";
	const char *to_20[] = { "replications=20" };
	assert_int_equal(resolve_reps(adaptive, to_20, 1, &p, &err, &text), 0);
	assert_int_equal(p.replications.min, 20);
	assert_int_equal(p.replications.max, 0);
	assert_int_equal(p.replications.target.count, 0);
	assert_contains(text, "replications = 20;");
	assert_null(strstr(text, "cum_revenue"));
	free(text);
	sim_params_free(&reps_schema, &p);

	/* Creates the setting when the file lacks it. */
	assert_int_equal(resolve_reps("seed = 2;\n", to_20, 1, &p, &err, NULL), 0);
	assert_int_equal(p.replications.min, 20);
	sim_params_free(&reps_schema, &p);

	/* max = min is a fixed count: valid only if the 5 was kept as min. */
	const char *max_5[] = { "replications.max=5" };
	assert_int_equal(resolve_reps("replications = 5;\n", max_5, 1, &p, &err,
				      &text), 0);
	assert_int_equal(p.replications.min, 5);
	assert_int_equal(p.replications.max, 5);
	assert_contains(text, "min = 5;");
	assert_reps_round_trip(text, &p);
	free(text);
	sim_params_free(&reps_schema, &p);

	const char *min_7[] = { "replications.min=7" };
	assert_int_equal(resolve_reps("replications = 5;\n", min_7, 1, &p, &err,
				      NULL), 0);
	assert_int_equal(p.replications.min, 7);
	sim_params_free(&reps_schema, &p);

	/* An override of a member that breaks the check points at --set. */
	const char *max_50[] = { "replications.max=50" };
	assert_int_equal(resolve_reps("replications = 5;\n", max_50, 1, &p, &err,
				      NULL), -1);
	assert_config_error(&err, "--set", 0, "replications.max",
			    "expected 0 or 5 (a fixed count) without targets, "
			    "found 50");
	sim_params_free(&reps_schema, &p);
}

/* Ensure a bad --set of the shorthand is refused with what it takes, and
   leaves the file's value alone. */
static void test_shorthand_set_errors(void **state)
{
	(void)state;
	sim_error err;
	sim_config *cfg = sim_config_parse_string("replications = 5;\n", "inline.cfg",
						  &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_set(cfg, &reps_schema, "replications=abc", &err), -1);
	assert_config_error(&err, "--set", 0, "replications",
			    "expected an integer in [1, 1000000], found \"abc\"; "
			    "or set one of its settings, e.g. replications.max=...");
	assert_int_equal(sim_config_set(cfg, &reps_schema, "replications=0", &err), -1);
	assert_string_equal(err.message, "expected an integer in [1, 1000000], found 0");
	assert_int_equal(sim_config_set(cfg, &reps_schema, "replications.mni=3", &err), -1);
	assert_config_error(&err, "--set", 0, "replications.mni", "did you mean 'min'?");
	char *text = written_config(cfg);
	assert_contains(text, "replications = 5;");
	free(text);
	sim_config_free(cfg);
}

/* Resolves text against reps_schema expecting a rejection at
   inline.cfg:line. */
static void expect_reps_error(const char *text, int line, const char *setting,
			      const char *message_part)
{
	sim_error err;
	expect_rejected(&reps_schema, sim_config_parse_string(text, "inline.cfg", &err),
			"inline.cfg", line, setting, message_part);
}

/* Ensure a value that is neither an integer nor a group says both forms,
   and the integer's own range and literal checks still apply. */
static void test_shorthand_wrong_type(void **state)
{
	(void)state;
	expect_reps_error("seed = 1;\nreplications = 2.5;\n", 2, "replications",
			  "expected an integer or a group { min; max; target }, "
			  "found a float (2.5)");
	expect_reps_error("replications = \"20\";\n", 1, "replications",
			  "found a string (\"20\"); write it without quotes");
	expect_reps_error("replications = [1, 2];\n", 1, "replications",
			  "expected an integer or a group { min; max; target }, "
			  "found an array");
	expect_reps_error("\nreplications = 0;\n", 2, "replications",
			  "expected an integer in [1, 1000000], found 0");
	expect_reps_error("replications = 3000000000;\n", 1, "replications",
			  "write 3000000000L");
	expect_reps_error("replications = { min = 2; maxx = 3; };\n", 1,
			  "replications.maxx", "did you mean 'max'?");
}

/* Ensure min, max and targets must describe a fixed count or a range to
   search, each error at the setting to change. */
static void test_shorthand_group_check(void **state)
{
	(void)state;
	expect_reps_error("replications = {\n  min = 10;\n  max = 5;\n};\n", 3,
			  "replications.max",
			  "expected max >= min (10), or 0 for a fixed count, found 5");
	expect_reps_error("replications = { min = 10;\n  target = ( { metric = \"a:b\"; "
			  "rel_half_width = 0.1; } ); };\n", 1, "replications.max",
			  "expected max > min (10) with targets");
	expect_reps_error("replications = { min = 10; max = 20; };\n", 1,
			  "replications.max",
			  "expected 0 or 10 (a fixed count) without targets, found 20");
	expect_reps_error("replications = { min = 2; max = 20;\n  target = (\n"
			  "    { metric = \"cum_revenue\"; rel_half_width = 0.1; } ); };\n",
			  3, "replications.target.[0].metric",
			  "expected \"metric:subject\"");
	expect_reps_error("replications = { min = 2; max = 20;\n  target = (\n"
			  "    { metric = \"a:b\"; rel_half_width = 0.0; } ); };\n",
			  3, "replications.target.[0].rel_half_width",
			  "expected a number in (0, 1], found 0");
	expect_reps_error("replications = { min = 2; max = 20;\n  target = (\n"
			  "    { rel_half_width = 0.1; } ); };\n",
			  3, "replications.target.[0].metric",
			  "required setting is missing");
}

/* Ensure config-doc shows the shorthand: its type, default and meaning,
   then the group's members. */
static void test_shorthand_doc(void **state)
{
	(void)state;
	char *text = doc_text(&reps_schema);
	const char *line = strstr(text, "\nreplications ");
	assert_non_null(line);
	assert_contains(line, "group or integer");
	assert_contains(line, "default 1");
	assert_contains(line, "N means { min = N }");
	assert_contains(text, "replications.max ");
	assert_contains(text, "replications.target.[i].rel_half_width");
	const char *docs[] = { "Seed", "Independent runs" };
	assert_same_column(text, docs, 2);
	assert_null(strstr(text, " \n"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_file_with_defaults),
		cmocka_unit_test(test_include_relative_to_file),
		cmocka_unit_test(test_unknown_key_did_you_mean),
		cmocka_unit_test(test_unknown_key_lists_names),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_int_given_float),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_open_bounds),
		cmocka_unit_test(test_infinite_number),
		cmocka_unit_test(test_int_literal_overflow),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_bad_choice),
		cmocka_unit_test(test_group_given_scalar),
		cmocka_unit_test(test_cross_field_check),
		cmocka_unit_test(test_first_error_in_file_order),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_syntax_error_in_include),
		cmocka_unit_test(test_missing_include),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test_setup(test_include_refused, make_include_dir),
		cmocka_unit_test_setup(test_include_scan_like_libconfig, make_include_dir),
		cmocka_unit_test_setup(test_include_size_limit, make_include_dir),
		cmocka_unit_test(test_params_free_after_failure),
		cmocka_unit_test(test_bad_schema_default),
		cmocka_unit_test(test_group_member_size),
		cmocka_unit_test(test_set_changes_existing),
		cmocka_unit_test(test_set_creates_missing),
		cmocka_unit_test(test_set_wrong_type),
		cmocka_unit_test(test_set_unknown_path),
		cmocka_unit_test(test_set_missing_equals),
		cmocka_unit_test(test_set_then_check_points_at_set),
		cmocka_unit_test(test_write_resolved_round_trip),
		cmocka_unit_test(test_get_string),
		cmocka_unit_test(test_error_at_fallback),
		cmocka_unit_test(test_schema_doc),
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_collections_valid),
		cmocka_unit_test(test_params_in_place),
		cmocka_unit_test(test_collections_absent_and_lists),
		cmocka_unit_test(test_map_errors),
		cmocka_unit_test(test_map_duplicate_id),
		cmocka_unit_test(test_list_errors),
		cmocka_unit_test(test_numbers_errors),
		cmocka_unit_test(test_variant_errors),
		cmocka_unit_test(test_collection_check_points_at_element),
		cmocka_unit_test(test_error_at_collection_paths),
		cmocka_unit_test(test_set_collections),
		cmocka_unit_test(test_set_collection_errors),
		cmocka_unit_test(test_set_collection_then_resolve),
		cmocka_unit_test(test_collections_round_trip),
		cmocka_unit_test(test_collections_free_after_failure),
		cmocka_unit_test(test_collections_doc),
		cmocka_unit_test(test_shorthand_in_file),
		cmocka_unit_test(test_shorthand_group_form),
		cmocka_unit_test(test_shorthand_in_set),
		cmocka_unit_test(test_shorthand_set_errors),
		cmocka_unit_test(test_shorthand_wrong_type),
		cmocka_unit_test(test_shorthand_group_check),
		cmocka_unit_test(test_shorthand_doc),
		cmocka_unit_test(test_optional_float),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
