/*
 * test_plot.c - drawing a run's charts with gnuplot.
 *
 * The market's scripts in plots/ are run on a small hand-made results
 * directory (the four CSV files the market model writes, four models over
 * eight weeks, every column present): each chart must come out as a
 * non-empty PNG and SVG. The set must appear at once: plots.tmp gone after
 * success, and after a failing script no plots/ and no plots.tmp, with the
 * error naming the script. Only what a drawing listed is deleted by the
 * next: a file put in plots/ or plots.tmp/ by hand stays. Tests that need gnuplot are skipped when it is
 * not on PATH; the "gnuplot not found" path is checked with an empty PATH.
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/plot.h"

#define DIR_ROOT "build/test-plot"
#define RUN_DIR DIR_ROOT "/run"
#define BAD_SCRIPTS DIR_ROOT "/bad-scripts"
#define TINY_SCRIPTS DIR_ROOT "/tiny-scripts"

static const char *const charts[] = {
	"market_token_share", "market_tokens_stacked", "market_active_devs",
	"market_revenue", "market_rank", "market_payback",
};

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* True when an executable gnuplot is on PATH (what execvp will find). */
static bool have_gnuplot(void)
{
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char *dirs = strdup(path), *save = NULL;
	bool found = false;
	for (char *d = strtok_r(dirs, ":", &save); d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		char exe[4096];
		snprintf(exe, sizeof exe, "%s/gnuplot", d[0] ? d : ".");
		found = access(exe, X_OK) == 0;
	}
	free(dirs);
	return found;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Writes the header of one mean/sd/lo/hi 4-tuple per metric. */
static void header_tuples(FILE *f, const char *const *metrics, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, ",%s_mean,%s_sd,%s_lo,%s_hi", metrics[i], metrics[i],
			metrics[i], metrics[i]);
	fputc('\n', f);
}

/* One 4-tuple: the mean with a 5% CI half-width (0 when the mean is 0). */
static void tuple(FILE *f, double mean)
{
	double h = 0.05 * fabs(mean);
	fprintf(f, ",%.6g,%.6g,%.6g,%.6g", mean, h / 2, mean - h, mean + h);
}

typedef struct sample_model {
	const char *id, *name, *provider, *origin;
	int launch;         /* first week with tokens */
	double tokens;      /* weekly tokens once launched */
	double price;       /* dollars per token; 0 for a free model */
	bool ranked;        /* on the leaderboard */
} sample_model;

static const sample_model models[] = {
	{"qwen3_6_plus", "Qwen3.6 Plus", "Alibaba", "CN", 0, 4e12, 6e-7, true},
	{"mimo_v2_flash_free", "MiMo V2 Flash (free)", "Xiaomi", "CN", 2, 3e12, 0, true},
	{"claude_sonnet_4_6", "Claude Sonnet 4.6", "Anthropic", "US", 0, 2e12, 6e-6, true},
	{"long_tail", "Long tail (others)", "Various", "EU", 0, 5e11, 1e-6, false},
};
#define N_MODELS (sizeof models / sizeof models[0])
#define N_WEEKS 8

static double tokens_of(size_t m, int w)
{
	return w < models[m].launch ? 0 : models[m].tokens * (1 + 0.1 * w);
}

static double week_total(int w)
{
	double t = 0;
	for (size_t m = 0; m < N_MODELS; m++)
		t += tokens_of(m, w);
	return t;
}

/* Rank by tokens among ranked, launched models; 0 otherwise. */
static int rank_of(size_t m, int w)
{
	if (!models[m].ranked || tokens_of(m, w) <= 0)
		return 0;
	int r = 1;
	for (size_t o = 0; o < N_MODELS; o++)
		r += models[o].ranked && tokens_of(o, w) > tokens_of(m, w);
	return r;
}

static double revenue_of(size_t m, int w)
{
	return tokens_of(m, w) * models[m].price;
}

/* Running costs: free models burn money, so their provider's profit is
   negative. */
static double profit_of(size_t m, int w)
{
	return revenue_of(m, w) - tokens_of(m, w) * 2e-7;
}

static void week_start(int w, char *buf, size_t size)
{
	/* 2025-12-29 plus w weeks; N_WEEKS keeps this inside Jan-Feb 2026. */
	int day = 29 + 7 * w;
	if (day <= 31)
		snprintf(buf, size, "2025-12-%02d", day);
	else if (day - 31 <= 31)
		snprintf(buf, size, "2026-01-%02d", day - 31);
	else
		snprintf(buf, size, "2026-02-%02d", day - 62);
}

static void write_models_weekly(const char *dir)
{
	static const char *const metrics[] = {
		"tokens_in", "tokens_out", "tokens", "requests", "active_devs",
		"new_devs", "token_share", "rank", "spend", "fee", "revenue",
		"cost", "profit", "price_in", "price_out", "capacity",
		"utilisation", "error_rate",
	};
	char path[256], date[16];
	snprintf(path, sizeof path, "%s/models_weekly.csv", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("week,week_start,model,name,provider,origin", f);
	header_tuples(f, metrics, sizeof metrics / sizeof metrics[0]);
	for (int w = 0; w < N_WEEKS; w++) {
		week_start(w, date, sizeof date);
		for (size_t m = 0; m < N_MODELS; m++) {
			const sample_model *s = &models[m];
			double t = tokens_of(m, w), rev = revenue_of(m, w);
			fprintf(f, "%d,%s,%s,%s,%s,%s", w, date, s->id, s->name,
				s->provider, s->origin);
			double v[] = {0.8 * t, 0.2 * t, t, t / 4000, t / 1e8,
				      t / 2e9, t / week_total(w), rank_of(m, w),
				      rev * 1.05, rev * 0.05, rev, rev - profit_of(m, w),
				      profit_of(m, w), s->price, 4 * s->price,
				      2 * s->tokens, t / (2 * s->tokens), 0.01};
			for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
				tuple(f, v[i]);
			fputc('\n', f);
		}
	}
	assert_int_equal(fclose(f), 0);
}

/* providers_weekly.csv (by = 0) or origins_weekly.csv (by = 1). */
static void write_grouped(const char *dir, int by)
{
	static const char *const provider_metrics[] = {
		"tokens", "token_share", "active_devs", "spend", "fee",
		"revenue", "cost", "profit", "cum_revenue", "cum_profit",
		"free_users", "credit_buyers", "conversions", "conversions_away",
		"converted_revenue", "free_cost", "cum_converted_revenue", "cum_free_cost",
	};
	static const char *const origin_metrics[] = {
		"tokens", "token_share", "active_devs", "revenue", "profit",
	};
	char path[256], date[16];
	snprintf(path, sizeof path, "%s/%s", dir,
		 by ? "origins_weekly.csv" : "providers_weekly.csv");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(by ? "week,week_start,origin" : "week,week_start,provider", f);
	if (by)
		header_tuples(f, origin_metrics, 5);
	else
		header_tuples(f, provider_metrics, 18);
	double cum_rev[N_MODELS] = {0}, cum_profit[N_MODELS] = {0};
	double cum_free[N_MODELS] = {0};
	for (int w = 0; w < N_WEEKS; w++) {
		week_start(w, date, sizeof date);
		for (size_t m = 0; m < N_MODELS; m++) {
			/* Every sample model has its own provider; origins repeat. */
			const char *key = by ? models[m].origin : models[m].provider;
			cum_rev[m] += revenue_of(m, w);
			cum_profit[m] += profit_of(m, w);
			/* A free model's developers all convert to other
			   providers' models: no converted revenue. */
			bool free = models[m].price == 0;
			double free_cost = free ? revenue_of(m, w) - profit_of(m, w) : 0;
			cum_free[m] += free_cost;
			bool first = true;
			for (size_t o = 0; o < m; o++)
				first &= strcmp(by ? models[o].origin : models[o].provider, key) != 0;
			if (!first)
				continue;
			double t = 0, rev = 0, profit = 0;
			for (size_t o = m; o < N_MODELS; o++)
				if (!strcmp(by ? models[o].origin : models[o].provider, key)) {
					t += tokens_of(o, w);
					rev += revenue_of(o, w);
					profit += profit_of(o, w);
				}
			fprintf(f, "%d,%s,%s", w, date, key);
			tuple(f, t);
			tuple(f, t / week_total(w));
			tuple(f, t / 1e8);
			if (by) {
				tuple(f, rev);
				tuple(f, profit);
			} else {
				double conv = free ? tokens_of(m, w) / 1e9 : 0;
				double v[] = {rev * 1.05, rev * 0.05, rev, rev - profit,
					      profit, cum_rev[m], cum_profit[m],
					      free ? t / 1e8 : 0, t / 1e10, conv, conv, 0,
					      free_cost, 0, cum_free[m]};
				for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
					tuple(f, v[i]);
			}
			fputc('\n', f);
		}
	}
	assert_int_equal(fclose(f), 0);
}

static void write_tokens_wide(const char *dir)
{
	char path[256], date[16];
	snprintf(path, sizeof path, "%s/models_tokens_wide.csv", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("week,week_start", f);
	for (size_t m = 0; m < N_MODELS; m++)
		fprintf(f, ",%s", models[m].name);
	fputc('\n', f);
	for (int w = 0; w < N_WEEKS; w++) {
		week_start(w, date, sizeof date);
		fprintf(f, "%d,%s", w, date);
		for (size_t m = 0; m < N_MODELS; m++)
			fprintf(f, ",%.6g", tokens_of(m, w));
		fputc('\n', f);
	}
	assert_int_equal(fclose(f), 0);
}

/* A results directory as the market model leaves it. */
static void write_results(const char *dir)
{
	assert_int_equal(mkdir(dir, 0777), 0);
	write_models_weekly(dir);
	write_grouped(dir, 0);
	write_grouped(dir, 1);
	write_tokens_wide(dir);
}

/* Scripts for model "bad": bad_a.gp draws a file, bad_x.gp then fails. */
static void write_bad_scripts(void)
{
	if (exists(BAD_SCRIPTS))
		return;
	assert_int_equal(mkdir(BAD_SCRIPTS, 0777), 0);
	write_file(BAD_SCRIPTS "/bad_a.gp",
		   "set print outdir . '/a.txt'\nprint 'drawn'\n");
	write_file(BAD_SCRIPTS "/bad_x.gp", "plot sin(x\n");
}

/* Scripts for model "tiny": two quick charts, tiny_a.svg and tiny_b.svg. */
static void write_tiny_scripts(void)
{
	if (exists(TINY_SCRIPTS))
		return;
	assert_int_equal(mkdir(TINY_SCRIPTS, 0777), 0);
	write_file(TINY_SCRIPTS "/tiny_a.gp", "set terminal svg size 200,100\n"
		   "set output outdir . '/tiny_a.svg'\nplot x\n");
	write_file(TINY_SCRIPTS "/tiny_b.gp", "set terminal svg size 200,100\n"
		   "set output outdir . '/tiny_b.svg'\nplot -x\n");
}

static void assert_charts_drawn(const char *plots_dir)
{
	char path[512];
	for (size_t i = 0; i < sizeof charts / sizeof charts[0]; i++) {
		snprintf(path, sizeof path, "%s/%s.png", plots_dir, charts[i]);
		if (file_size(path) <= 0)
			fail_msg("%s missing or empty", path);
		snprintf(path, sizeof path, "%s/%s.svg", plots_dir, charts[i]);
		if (file_size(path) <= 0)
			fail_msg("%s missing or empty", path);
	}
}

/* Appends a line to a file. */
static void append_line(const char *path, const char *line)
{
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fprintf(f, "%s\n", line);
	assert_int_equal(fclose(f), 0);
}

/* Ensure every market chart comes out as PNG and SVG, all at once, listed
   in plots/.marketsim-plots; a second drawing deletes the charts the first
   listed (a chart no script draws any more included), and nothing else. */
static void test_draws_every_chart(void **unused)
{
	(void)unused;
	if (!have_gnuplot())
		skip();
	sim_error err;
	sim_error_clear(&err);
	write_results(RUN_DIR);
	if (sim_plot_draw("plots", "market", RUN_DIR, &err) != 0)
		fail_msg("%s: %s", err.file, err.message);
	assert_charts_drawn(RUN_DIR "/plots");
	assert_false(exists(RUN_DIR "/plots.tmp"));
	assert_true(exists(RUN_DIR "/plots/.marketsim-plots"));

	/* One chart the last drawing listed, one file it did not write. */
	write_file(RUN_DIR "/plots/market_retired.png", "drawn by an older script");
	append_line(RUN_DIR "/plots/.marketsim-plots", "market_retired.png");
	write_file(RUN_DIR "/plots/stale.png", "put there by hand");
	assert_int_equal(sim_plot_draw("plots", "market", RUN_DIR, &err), 0);
	assert_charts_drawn(RUN_DIR "/plots");
	assert_false(exists(RUN_DIR "/plots/market_retired.png"));
	assert_true(exists(RUN_DIR "/plots/stale.png"));
	assert_false(exists(RUN_DIR "/plots.tmp"));
	char *list = NULL;
	FILE *f = fopen(RUN_DIR "/plots/.marketsim-plots", "r");
	assert_non_null(f);
	size_t cap = 0;
	assert_true(getdelim(&list, &cap, '\0', f) > 0);
	fclose(f);
	assert_non_null(strstr(list, "market_rank.svg\n"));
	assert_null(strstr(list, "stale.png"));
	assert_null(strstr(list, "market_retired.png"));
	free(list);
}

/* Ensure a plots.tmp an interrupted drawing left is cleared of its charts
   and drawn again, and one holding someone else's file stops the drawing
   with that file and plots/ kept. */
static void test_leftover_tmp(void **unused)
{
	(void)unused;
	if (!have_gnuplot())
		skip();
	const char *dir = DIR_ROOT "/leftover";
	sim_error err;
	sim_error_clear(&err);
	write_tiny_scripts();
	assert_int_equal(mkdir(dir, 0777), 0);
	assert_int_equal(mkdir(DIR_ROOT "/leftover/plots.tmp", 0777), 0);
	write_file(DIR_ROOT "/leftover/plots.tmp/tiny_old.png", "half drawn");
	if (sim_plot_draw(TINY_SCRIPTS, "tiny", dir, &err) != 0)
		fail_msg("%s: %s", err.file, err.message);
	assert_true(exists(DIR_ROOT "/leftover/plots/tiny_b.svg"));
	assert_false(exists(DIR_ROOT "/leftover/plots/tiny_old.png"));
	assert_false(exists(DIR_ROOT "/leftover/plots.tmp"));

	assert_int_equal(mkdir(DIR_ROOT "/leftover/plots.tmp", 0777), 0);
	write_file(DIR_ROOT "/leftover/plots.tmp/tiny_a.svg", "half drawn");
	write_file(DIR_ROOT "/leftover/plots.tmp/notes.txt", "someone's");
	assert_int_equal(sim_plot_draw(TINY_SCRIPTS, "tiny", dir, &err), -1);
	assert_non_null(strstr(err.message, "holds files marketsim did not draw"));
	assert_true(exists(DIR_ROOT "/leftover/plots.tmp/notes.txt"));
	assert_false(exists(DIR_ROOT "/leftover/plots.tmp/tiny_a.svg"));
	assert_true(exists(DIR_ROOT "/leftover/plots/tiny_a.svg"));
}

/* Ensure plots/ as a link to another folder is refused, that folder left
   alone (a recursive delete would have emptied it). */
static void test_plots_symlink(void **unused)
{
	(void)unused;
	if (!have_gnuplot())
		skip();
	const char *dir = DIR_ROOT "/linked";
	sim_error err;
	sim_error_clear(&err);
	write_tiny_scripts();
	assert_int_equal(mkdir(dir, 0777), 0);
	assert_int_equal(mkdir(DIR_ROOT "/elsewhere", 0777), 0);
	write_file(DIR_ROOT "/elsewhere/tiny_a.svg", "not a chart of this run");
	write_file(DIR_ROOT "/elsewhere/.marketsim-plots", "tiny_a.svg\n");
	assert_int_equal(symlink("../elsewhere", DIR_ROOT "/linked/plots"), 0);
	assert_int_equal(sim_plot_draw(TINY_SCRIPTS, "tiny", dir, &err), -1);
	assert_non_null(strstr(err.message, "in the way of the charts"));
	char *kept = NULL;
	size_t cap = 0;
	FILE *f = fopen(DIR_ROOT "/elsewhere/tiny_a.svg", "r");
	assert_non_null(f);
	assert_true(getline(&kept, &cap, f) > 0);
	fclose(f);
	assert_string_equal(kept, "not a chart of this run");
	free(kept);
	assert_false(exists(DIR_ROOT "/linked/plots.tmp"));
}

/* Ensure a failing script leaves neither plots/ nor plots.tmp, and the
   error names the script and carries gnuplot's complaint. */
static void test_failing_script(void **unused)
{
	(void)unused;
	if (!have_gnuplot())
		skip();
	write_bad_scripts();
	const char *dir = DIR_ROOT "/failed";
	assert_int_equal(mkdir(dir, 0777), 0);
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(sim_plot_draw(BAD_SCRIPTS, "bad", dir, &err), -1);
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	char text[2048];
	sim_error_format(&err, text, sizeof text);
	if (!strstr(text, "bad_x.gp") || !strstr(err.message, "exited with status 1") ||
	    !strstr(err.message, "expected"))
		fail_msg("unexpected error: %s", text);
	assert_false(exists(DIR_ROOT "/failed/plots"));
	assert_false(exists(DIR_ROOT "/failed/plots.tmp"));
}

/* Ensure a failed drawing keeps the previous, complete set of plots. */
static void test_failure_keeps_old_plots(void **unused)
{
	(void)unused;
	if (!have_gnuplot())
		skip();
	write_bad_scripts();
	const char *dir = DIR_ROOT "/kept";
	assert_int_equal(mkdir(dir, 0777), 0);
	assert_int_equal(mkdir(DIR_ROOT "/kept/plots", 0777), 0);
	write_file(DIR_ROOT "/kept/plots/old.png", "complete older set");
	sim_error err;
	assert_int_equal(sim_plot_draw(BAD_SCRIPTS, "bad", dir, &err), -1);
	assert_true(exists(DIR_ROOT "/kept/plots/old.png"));
	assert_false(exists(DIR_ROOT "/kept/plots.tmp"));
}

/* Ensure a model without scripts is not an error and touches nothing. */
static void test_no_scripts(void **unused)
{
	(void)unused;
	const char *dir = DIR_ROOT "/none";
	assert_int_equal(mkdir(dir, 0777), 0);
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(sim_plot_draw("plots", "phold", dir, &err), 0);
	assert_false(exists(DIR_ROOT "/none/plots"));
	assert_false(exists(DIR_ROOT "/none/plots.tmp"));
}

/* Ensure unusable inputs are reported, not passed to gnuplot. */
static void test_bad_paths(void **unused)
{
	(void)unused;
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(sim_plot_draw("plots", "market", DIR_ROOT "/it's", &err), -1);
	assert_non_null(strstr(err.message, "single quote"));
	assert_false(exists(DIR_ROOT "/it's"));
	sim_error_clear(&err);
	assert_int_equal(sim_plot_draw(DIR_ROOT "/no-such-dir", "market",
				       DIR_ROOT, &err), -1);
	assert_non_null(strstr(err.message, "cannot read the plot scripts directory"));
}

/* Ensure a missing gnuplot is named as such, with the way out. */
static void test_gnuplot_missing(void **unused)
{
	(void)unused;
	write_bad_scripts();
	const char *dir = DIR_ROOT "/nognuplot";
	assert_int_equal(mkdir(dir, 0777), 0);
	char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	setenv("PATH", DIR_ROOT "/empty-path", 1);
	sim_error err;
	sim_error_clear(&err);
	int rc = sim_plot_draw(BAD_SCRIPTS, "bad", dir, &err);
	if (saved)
		setenv("PATH", saved, 1);
	else
		unsetenv("PATH");
	free(saved);
	assert_int_equal(rc, -1);
	assert_string_equal(err.message,
			    "gnuplot not found; install gnuplot-nox or run with --no-plots");
	assert_false(exists(DIR_ROOT "/nognuplot/plots"));
	assert_false(exists(DIR_ROOT "/nognuplot/plots.tmp"));
}

/* Ensure MARKETSIM_PLOTS overrides the built-in scripts directory. */
static void test_default_dir(void **unused)
{
	(void)unused;
	setenv("MARKETSIM_PLOTS", "/opt/plots", 1);
	assert_string_equal(sim_plot_default_dir(), "/opt/plots");
	unsetenv("MARKETSIM_PLOTS");
	assert_string_equal(sim_plot_default_dir(), SIM_PLOTS_DIR);
}

int main(void)
{
	if (system("rm -rf " DIR_ROOT) != 0 || mkdir(DIR_ROOT, 0777) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draws_every_chart),
		cmocka_unit_test(test_leftover_tmp),
		cmocka_unit_test(test_plots_symlink),
		cmocka_unit_test(test_failing_script),
		cmocka_unit_test(test_failure_keeps_old_plots),
		cmocka_unit_test(test_no_scripts),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_gnuplot_missing),
		cmocka_unit_test(test_default_dir),
	};
	return cmocka_run_group_tests_name("plot", tests, NULL, NULL);
}
