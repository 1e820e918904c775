/*
 * test_market_window.c - the summary window (market.summary_window) and
 * the summary rows computed over it (models/market/metrics.c,
 * record_window; the checks in models/market/config.c, check_window).
 *
 * The analyses (optimize, sensitivity, equilibrium) read these rows as
 * their objectives, so a wrong sum would be optimised silently. In a small
 * market built in this process from a tests/data fixture and run to its
 * end:
 *
 * - a window over the whole horizon gives each provider exactly its
 *   cum_revenue and cum_profit, and the providers' window_tokens add up
 *   to tokens_total;
 * - a partial window sums exactly the weekly rows of the weeks whose first
 *   day lies in [from, to), and the window shares, by provider and by
 *   origin, and token_share_end by origin, each sum to 1;
 * - a provider whose only model was withdrawn before the window has 0
 *   tokens, revenue, profit and share in it;
 * - a bad window (not a date, outside the horizon, to not after from, no
 *   week starting inside) and an origin named like a provider are refused
 *   with file:line, the setting's path and what was expected.
 *
 * Must run from the repository root (make test does).
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "market_internal.h"
#include "test_market.h"
#include "sim_table.h"

#define OUT "build/test-market-window"

/* Runs the market to its end and records its tables; the caller frees
   them. */
static sim_table_set *run_and_record(market *m)
{
	sim_error err;
	market_run(m, (double)m->p->days + 0.5);
	sim_table_set *set = sim_table_set_new();
	assert_non_null(set);
	if (mkt_market_model.record(m->state, m->eng, set, &err) != 0)
		fail_msg("record: %s", err.message);
	return set;
}

/* The summary row metric:subject's value, which must exist. */
static double summary(const sim_table_set *set, const char *metric, const char *subject)
{
	const sim_table *t = sim_table_find(set, "summary.csv");
	assert_non_null(t);
	long row = sim_table_find_row(t, metric, subject);
	if (row < 0)
		fail_msg("no summary row %s:%s", metric, subject);
	return sim_table_value(t, 0, (size_t)row, 0);
}

/* |a - b| <= tol x max(|a|, |b|), with the values in the message. */
#define assert_rel(a, b, tol)                                                            \
	do {                                                                             \
		double ra_ = (a), rb_ = (b);                                             \
		if (!(fabs(ra_ - rb_) <= (tol) * fmax(fabs(ra_), fabs(rb_))))            \
			fail_msg("%s = %.17g, expected %.17g (relative %g)", #a, ra_, rb_, \
				 (double)(tol));                                         \
	} while (0)

/* ---- tests ---- */

/* Ensure the default window (the whole horizon) gives each provider its
   cum_revenue and cum_profit exactly, and the providers' tokens add up to
   tokens_total. */
static void test_whole_horizon_is_cumulative(void **unused)
{
	(void)unused;
	market m;
	market_open(&m, "market_analytic_congested.cfg", NULL, 0);
	sim_table_set *set = run_and_record(&m);
	const mkt_state *s = m.s;
	double tokens = 0;
	for (size_t g = 0; g < s->provider_count; g++) {
		const char *name = s->provider_names[g];
		assert_true(summary(set, "cum_revenue", name) != 0);
		assert_double_near(summary(set, "window_revenue", name),
				   summary(set, "cum_revenue", name), 0);
		assert_double_near(summary(set, "window_profit", name),
				   summary(set, "cum_profit", name), 0);
		tokens += summary(set, "window_tokens", name);
	}
	assert_rel(tokens, summary(set, "tokens_total", "all"), 1e-12);
	sim_table_set_free(set);
	market_close(&m);
}

/* Ensure a window of four whole weeks in the middle of the run sums
   exactly the weekly rows of the weeks whose first day lies in [from, to),
   and that the shares in it, by provider and by origin, and the origins'
   token_share_end, each sum to 1. `to` is mid-week: the week starting
   before it counts whole. */
static void test_partial_window_and_shares(void **unused)
{
	(void)unused;
	/* Weeks 2 to 5 (from day 14; `to` on day 38, inside week 5). */
	static const char *const set_window[] = { "market.summary_window.from=\"2026-01-19\"",
						  "market.summary_window.to=\"2026-02-12\"", NULL };
	enum { FIRST = 2, END = 6 };
	market m;
	market_open(&m, "market_analytic_congested.cfg", set_window, 0);
	sim_table_set *set = run_and_record(&m);
	const mkt_state *s = m.s;
	size_t n = s->model_count;
	double all = 0, provider_share = 0, origin_share = 0, end_share = 0;
	for (size_t w = FIRST; w < END; w++)
		for (size_t i = 0; i < n; i++)
			all += s->rows[w * n + i].tokens_in + s->rows[w * n + i].tokens_out;
	for (size_t g = 0; g < s->provider_count; g++) {
		double revenue = 0, profit = 0, tokens = 0;
		for (size_t w = FIRST; w < END; w++)
			for (size_t i = 0; i < n; i++) {
				const mkt_week_row *r = &s->rows[w * n + i];
				if ((size_t)s->models[i].provider != g)
					continue;
				revenue += r->revenue;
				profit += r->revenue - r->cost;
				tokens += r->tokens_in + r->tokens_out;
			}
		const char *name = s->provider_names[g];
		assert_rel(summary(set, "window_revenue", name), revenue, 1e-12);
		assert_rel(summary(set, "window_profit", name), profit, 1e-12);
		assert_rel(summary(set, "window_tokens", name), tokens, 1e-12);
		assert_rel(summary(set, "window_token_share", name), tokens / all, 1e-12);
		provider_share += summary(set, "window_token_share", name);
	}
	for (size_t g = 0; g < s->origin_count; g++) {
		origin_share += summary(set, "window_token_share", s->origin_names[g]);
		end_share += summary(set, "token_share_end", s->origin_names[g]);
	}
	assert_true(s->origin_count == 2);
	assert_double_near(provider_share, 1, 1e-12);
	assert_double_near(origin_share, 1, 1e-12);
	assert_double_near(end_share, 1, 1e-12);
	sim_table_set_free(set);
	market_close(&m);
}

/* Ensure a provider whose only model is withdrawn (an outage leaving no
   capacity, for longer than the run) before the window starts has 0
   tokens, revenue, profit and share in the window, and its origin (its
   only model's) 0 share. */
static void test_withdrawn_model_gets_zero(void **unused)
{
	(void)unused;
	/* paid_c, OpenAI's (and the US's) only model, withdrawn on 19 Jan;
	   the window starts on 26 Jan. */
	static const char *const set_window[] = {
		"market.events.[0].model=\"paid_c\"", "market.events.[0].days=1000",
		"market.events.[0].capacity_left=0", "market.summary_window.from=\"2026-01-26\"",
		NULL
	};
	market m;
	market_open(&m, "market_analytic_congested.cfg", set_window, 0);
	sim_table_set *set = run_and_record(&m);
	assert_true(summary(set, "cum_revenue", "OpenAI") > 0); /* it served before */
	assert_double_near(summary(set, "window_tokens", "OpenAI"), 0, 0);
	assert_double_near(summary(set, "window_revenue", "OpenAI"), 0, 0);
	assert_double_near(summary(set, "window_profit", "OpenAI"), 0, 0);
	assert_double_near(summary(set, "window_token_share", "OpenAI"), 0, 0);
	assert_double_near(summary(set, "window_token_share", "US"), 0, 0);
	assert_double_near(summary(set, "window_token_share", "CN"), 1, 1e-12);
	sim_table_set_free(set);
	market_close(&m);
}

/* Writes OUT/<name>.cfg: the congested fixture with `window` as the
   market's line 5 (so errors about it name line 5) and `origin` as the
   origin of paid_c; returns the file's path (static). */
static const char *write_fixture(const char *name, const char *window, const char *origin)
{
	static char path[256];
	mkdir("build", 0777);
	mkdir(OUT, 0777);
	snprintf(path, sizeof path, OUT "/%s.cfg", name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "model = \"market\";\nseed = 1;\nreplications = 1;\n"
		   "market = { start_date = \"2026-01-05\"; days = 63;\n"
		   "  %s\n"
		   "  models = {\n"
		   "    a = { provider = \"Alibaba\"; origin = \"CN\"; };\n"
		   "    c = { provider = \"OpenAI\"; origin = \"%s\"; };\n"
		   "  };\n"
		   "  segments = ( { name = \"all\"; share = 1.0; } );\n"
		   "};\n", window, origin);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* Loads the file at `path`, which must be refused at `line` and setting
   `at` with a message containing `what`. */
static void expect_refused(const char *path, int line, const char *at, const char *what)
{
	static const sim_model_type *const registry[] = { &mkt_market_model, NULL };
	sim_run_options opt = { .config_path = path };
	sim_error err;
	sim_experiment *x = sim_experiment_load(registry, &opt, NULL, 0, &err);
	if (x)
		fail_msg("%s: loaded, expected refused at %s", path, at);
	assert_int_equal(err.kind, SIM_ERROR_CONFIG);
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, line);
	assert_string_equal(err.path, at);
	if (!strstr(err.message, what))
		fail_msg("%s: message \"%s\" lacks \"%s\"", path, err.message, what);
}

/* Ensure each kind of bad window, and an origin that is also a provider's
   name, is refused before anything runs with the file, the line and the
   setting's path; and that a good window loads. */
static void test_bad_windows_refused(void **unused)
{
	(void)unused;
	/* The horizon: 2026-01-05 to 2026-03-08 (63 days; end 2026-03-09). */
	static const struct {
		const char *window, *at, *what;
	} bad[] = {
		{ "summary_window = { from = \"2026-13-01\"; };", "market.summary_window.from",
		  "expected a date" },
		{ "summary_window = { from = \"2026-01-01\"; };", "market.summary_window.from",
		  "within the horizon, 2026-01-05 to 2026-03-08" },
		{ "summary_window = { to = \"2026-06-01\"; };", "market.summary_window.to",
		  "at most the horizon's end, 2026-03-09" },
		{ "summary_window = { to = \"June\"; };", "market.summary_window.to",
		  "expected a date" },
		{ "summary_window = { from = \"2026-02-02\"; to = \"2026-01-26\"; };",
		  "market.summary_window.to", "after summary_window.from (2026-02-02)" },
		{ "summary_window = { from = \"2026-01-06\"; to = \"2026-01-10\"; };",
		  "market.summary_window", "holding the start of a week" },
	};
	char name[32];
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		snprintf(name, sizeof name, "bad_window_%zu", k);
		expect_refused(write_fixture(name, bad[k].window, "US"), 5, bad[k].at, bad[k].what);
	}
	expect_refused(write_fixture("origin_clash", "", "Alibaba"), 8, "market.models.c.origin",
		       "origin \"Alibaba\" is also a provider");

	static const sim_model_type *const registry[] = { &mkt_market_model, NULL };
	sim_run_options opt = { .config_path = write_fixture(
					"good_window", "summary_window = { from = \"2026-01-12\"; "
						       "to = \"2026-03-09\"; };", "US") };
	sim_error err;
	sim_experiment *x = sim_experiment_load(registry, &opt, NULL, 0, &err);
	if (!x)
		fail_msg("good window refused: %s: %s", err.path, err.message);
	sim_experiment_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_horizon_is_cumulative),
		cmocka_unit_test(test_partial_window_and_shares),
		cmocka_unit_test(test_withdrawn_model_gets_zero),
		cmocka_unit_test(test_bad_windows_refused),
	};
	return cmocka_run_group_tests_name("market window", tests, NULL, NULL);
}
