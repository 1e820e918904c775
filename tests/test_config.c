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
 * compared. Run from the repository root: fixture paths are relative.
 */
#include "test_util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sim_config.h"

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

/* Resolves a fixture expected to be rejected, and checks the error. */
static void expect_file_error(const char *path, int line,
			      const char *setting, const char *message_part)
{
	test_params p;
	sim_error err;
	assert_int_equal(resolve_file(path, &p, &err), -1);
	assert_config_error(&err, path, line, setting, message_part);
	sim_params_free(&root_schema, &p);
}

/* Resolves text expected to be rejected, and checks the error. */
static void expect_text_error(const char *text, int line,
			      const char *setting, const char *message_part)
{
	test_params p;
	sim_error err;
	memset(&p, 0, sizeof p);
	sim_config *cfg = sim_config_parse_string(text, "inline.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_resolve(cfg, &root_schema, &p, &err), -1);
	assert_config_error(&err, "inline.cfg", line, setting, message_part);
	sim_params_free(&root_schema, &p);
	sim_config_free(cfg);
}

/* Applies one --set expected to be rejected, and checks the error. */
static void expect_set_error(const char *assignment, const char *setting,
			     const char *message_part)
{
	sim_error err;
	sim_config *cfg = sim_config_parse("tests/data/config_valid.cfg", &err);
	assert_non_null(cfg);
	assert_int_equal(sim_config_set(cfg, &root_schema, assignment, &err),
			 -1);
	assert_config_error(&err, "--set", 0, setting, message_part);
	sim_config_free(cfg);
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
	FILE *f = tmpfile();
	assert_non_null(f);
	assert_int_equal(sim_config_write(cfg, f), 0);
	char *text = slurp(f);
	assert_string_equal(text, ""); /* no empty queue group left behind */
	free(text);
	fclose(f);
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

	FILE *f = tmpfile();
	assert_non_null(f);
	assert_int_equal(sim_config_write(cfg, f), 0);
	char *text = slurp(f);
	fclose(f);
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
	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(sim_config_write(back, f), 0);
	char *again = slurp(f);
	fclose(f);
	assert_string_equal(again, text);

	free(again);
	free(text);
	sim_params_free(&root_schema, &p);
	sim_params_free(&root_schema, &q);
	sim_config_free(back);
	sim_config_free(cfg);
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
	FILE *f = tmpfile();
	assert_non_null(f);
	sim_schema_print_doc(&root_schema, "", f);
	char *text = slurp(f);
	fclose(f);
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
	long column = -1;
	for (size_t k = 0; k < sizeof docs / sizeof docs[0]; k++) {
		const char *at = strstr(text, docs[k]);
		assert_non_null(at);
		const char *bol = at;
		while (bol > text && bol[-1] != '\n')
			bol--;
		if (column < 0)
			column = at - bol;
		assert_int_equal(at - bol, column);
	}
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
		cmocka_unit_test(test_params_free_after_failure),
		cmocka_unit_test(test_bad_schema_default),
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
