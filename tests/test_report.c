/*
 * test_report.c - report.html, the page a run leaves for its reader.
 *
 * End to end, on small configs from tests/data/ (a second or two each):
 * after a run the page holds the experiment file's header comment (the
 * question, HTML-escaped: the fixture's comment carries <script>&), the
 * resolved configuration and every chart of plots/ as a data: URI, and
 * refers to nothing outside itself; validate adds the validation table,
 * a sweep its table of points; --no-plots leaves the charts out even when
 * an older plots/ is there. The page is rendered from results.sqlite, not
 * from the text files written for people: a manifest.txt or
 * validation.txt edited after the run changes nothing in the report that
 * `marketsim plot` writes again. Directly on hand-made directories (a
 * database made with the store's own functions): a stored validation with
 * a FAIL row, notes, a directory without database, and the failures,
 * after which no report.html and no temporary file are left.
 * Last, the acceptance test: headless Chromium loads the page, every image
 * decodes, and it takes a screenshot. Chromium is required (CI installs
 * it): without it that test fails, saying so, rather than skip.
 */
#include "test_run.h"

#include <dirent.h>

#include "output/report.h"
#include "output/store.h"

#define OUT "build/test-report"

/* Occurrences of needle in hay. */
static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* PNG files in dir (0 when it does not exist). */
static size_t count_pngs(const char *dir)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		n += len > 4 && strcmp(e->d_name + len - 4, ".png") == 0;
	}
	closedir(d);
	return n;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s", path);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void expect_in(const char *html, const char *needle)
{
	if (!strstr(html, needle))
		fail_msg("expected \"%s\" in the report", needle);
}

static void expect_not_in(const char *html, const char *needle)
{
	if (strstr(html, needle))
		fail_msg("did not expect \"%s\" in the report", needle);
}

/* Nothing outside the file: no URL, every src an inline PNG, every href
   an anchor or a file beside the report. */
static void expect_self_contained(const char *html)
{
	expect_not_in(html, "http://");
	expect_not_in(html, "https://");
	expect_not_in(html, "//cdn");
	for (const char *p = html; (p = strstr(p, " src=\"")); p++)
		if (strncmp(p + 6, "data:image/png;base64,", 22) != 0)
			fail_msg("external src: %.60s", p);
	for (const char *p = html; (p = strstr(p, " href=\"")); p++)
		if (p[7] != '#' && strncmp(p + 7, "./", 2) != 0)
			fail_msg("href that is not relative: %.60s", p);
}

/* Ensure a run writes report.html with the question (escaped), the
   resolved configuration, every chart inline and nothing external, and
   says where it is. */
static void test_run_report(void **unused)
{
	(void)unused;
	test_result *r = test_run("run tests/data/report_question.cfg -o " OUT "/run");
	if (r->status != 0)
		fail_msg("run exited %d:\n%s", r->status, r->out);
	test_expect_output(r, "report in " OUT "/run/report.html\n");
	free(r);
	char *html = test_read_file(OUT "/run/report.html");
	expect_in(html, "<title>report_question - marketsim report</title>");
	expect_in(html, "<h2>Question</h2>");
	expect_in(html, "<p>A small market run for tests/test_report.c: market_ok.cfg "
			"under a header\ncomment that a report must show as text, escaped: "
			"&lt;script&gt;&amp;alert(1)&lt;/script&gt;</p>");
	expect_in(html, "<p>Question: does the free model keep its developers once it "
			"charges?\n(a second paragraph, in // comments)</p>");
	expect_in(html, "<pre>bin/marketsim run tests/data/report_question.cfg</pre>");
	expect_not_in(html, "<script>&");
	expect_not_in(html, "Not part of the question");
	/* The resolved configuration and the run's facts. */
	expect_in(html, "<pre class=\"config\">model = &quot;market&quot;;\nseed = 11;\n"
			"replications = 2;\nmarket = {\n  start_date = &quot;2026-03-02&quot;;");
	expect_in(html, "<tr><th>experiment</th><td>report_question</td></tr>");
	expect_in(html, "<li>seed <b>11</b></li><li>replications <b>2</b></li>");
	expect_in(html, "<a href=\"./models_weekly.csv\">models_weekly.csv</a>");
	expect_not_in(html, "id=\"validation\"");
	expect_not_in(html, "id=\"sweep\"");
	expect_not_in(html, "id=\"notes\"");
	/* Every chart, inline. */
	size_t pngs = count_pngs(OUT "/run/plots");
	assert_true(pngs >= 5);
	assert_int_equal(count_of(html, "<img "), pngs);
	assert_int_equal(count_of(html, "src=\"data:image/png;base64,iVBORw0KGgo"), pngs);
	expect_in(html, "<figcaption>Market token share <span class=\"muted\">"
			"(plots/market_token_share.png)</span></figcaption>");
	expect_self_contained(html);
	assert_false(test_exists(OUT "/run/.report.html.tmp"));
	free(html);
}

/* Ensure --no-plots gives a report without charts, even beside an older
   plots/, and -q prints nothing about it. */
static void test_no_plots(void **unused)
{
	(void)unused;
	assert_int_equal(system("mkdir -p " OUT "/noplots/plots"), 0);
	write_file(OUT "/noplots/.marketsim", "noplots\n"); /* an older run's folder */
	write_file(OUT "/noplots/plots/old.png", "an older run's chart");
	test_result *r = test_run("run tests/data/report_question.cfg --no-plots -q -o "
				  OUT "/noplots");
	assert_int_equal(r->status, 0);
	assert_string_equal(r->out, "");
	free(r);
	char *html = test_read_file(OUT "/noplots/report.html");
	expect_not_in(html, "id=\"charts\"");
	expect_not_in(html, "<img");
	expect_in(html, "<h2>Question</h2>");
	expect_self_contained(html);
	free(html);
}

/* Ensure validate's table becomes an HTML table, the missed target
   marked, and a run without targets has no such section. */
static void test_validation_table(void **unused)
{
	(void)unused;
	test_result *r = test_run("validate tests/data/market_validate_miss.cfg --no-plots -o "
				  OUT "/validate");
	assert_int_equal(r->status, 1); /* a target missed; the report is written */
	test_expect_output(r, "report in " OUT "/validate/report.html");
	free(r);
	char *html = test_read_file(OUT "/validate/report.html");
	expect_in(html, "<section id=\"validation\">");
	expect_in(html, "<p class=\"caption\">validation against "
			"tests/data/market_targets_miss.csv (1 replication; mean and 95% CI). "
			"Result: the mean against the target. Band: the replications' 2.5-97.5 "
			"percentiles; in: the target inside it; passing: the share of "
			"replications that meet the target alone.</p>");
	/* The band, in-band and passing columns, as validation.txt has them. */
	expect_in(html, "<tr><td class=\"name\">free_rank</td><td class=\"date\">2026-03-09"
			"</td><td class=\"num\">1 [1, 1]</td><td class=\"num\">20</td>"
			"<td>at most</td><td><span class=\"badge pass\">pass</span></td>"
			"<td class=\"num\">[1, 1]</td><td>-</td><td class=\"num\">100%</td></tr>");
	/* The target value overflows its column in the text; still its cell. */
	expect_in(html, "<tr class=\"missed\"><td class=\"name\">impossible</td>");
	expect_in(html, "<td class=\"num\">100000000.00T</td><td>+-10%</td>"
			"<td><span class=\"badge fail\">FAIL</span></td>"
			"<td class=\"num\">[11.25B, 11.25B]</td><td>no</td><td class=\"num\">0%</td>"
			"</tr>");
	assert_int_equal(count_of(html, "badge pass"), 2);
	assert_int_equal(count_of(html, "badge fail"), 1);
	expect_in(html, "<p class=\"tally\">3 targets, 1 missed (and 1 info row, not "
			"judged)</p>");
	expect_in(html, "<tr><td class=\"name\">cn_tokens</td>");
	expect_in(html, "<td class=\"num\">-</td><td>info</td>"
			"<td><span class=\"badge info\">info</span></td>"
			"<td class=\"num\">[10.30B, 10.30B]</td><td>-</td><td class=\"num\">-</td>"
			"</tr>");
	expect_not_in(html, "<pre>validation against");
	free(html);

	/* The table comes from the database: with validation.txt gone (or
	   saying something else), `plot` renders the same rows. */
	write_file(OUT "/validate/validation.txt", "validation against nothing\nnot a table\n");
	test_run_ok("plot " OUT "/validate -q");
	html = test_read_file(OUT "/validate/report.html");
	expect_in(html, "<tr class=\"missed\"><td class=\"name\">impossible</td>");
	expect_in(html, "<p class=\"tally\">3 targets, 1 missed (and 1 info row, not "
			"judged)</p>");
	expect_not_in(html, "not a table");
	free(html);

	test_run_ok("run tests/data/market_validate_miss.cfg --no-plots -q -o " OUT "/novalidate");
	html = test_read_file(OUT "/novalidate/report.html");
	expect_not_in(html, "id=\"validation\"");
	free(html);
}

/* Ensure the title and the configuration come from results.sqlite: a
   manifest.txt rewritten after the run does not change what `marketsim
   plot` writes again; and a PHOLD run, which records no replications,
   has a database with what the report shows. */
static void test_facts_from_store(void **unused)
{
	(void)unused;
	test_run_ok("run tests/data/report_question.cfg --no-plots -q -o " OUT "/facts");
	write_file(OUT "/facts/manifest.txt", "# edited by hand\nexperiment = \"wrong\"\n"
					      "model = \"phold\"\nseed = 999\nreplications = 77\n"
					      "\n# Fully resolved configuration (after @include, "
					      "--set and defaults):\nmodel = \"bogus\";\n");
	test_run_ok("plot " OUT "/facts -q");
	char *html = test_read_file(OUT "/facts/report.html");
	expect_in(html, "<h1>report_question</h1>");
	expect_in(html, "<li>model <b>market</b></li><li>seed <b>11</b></li>"
			"<li>replications <b>2</b></li><li>revision <b>");
	expect_in(html, "<li>started <b>20");
	expect_in(html, "<tr><th>seed</th><td>11</td></tr>");
	expect_in(html, "<tr><th>git_revision</th><td>");
	expect_in(html, "<pre class=\"config\">model = &quot;market&quot;;\nseed = 11;");
	expect_in(html, "<h3>Model notes</h3>");
	expect_in(html, "agents_joined = ");
	expect_not_in(html, "wrong");
	expect_not_in(html, "<b>999</b>");
	expect_not_in(html, "<td>999</td>");
	expect_not_in(html, "bogus");
	expect_not_in(html, "<b>phold</b>");
	free(html);

	test_run_ok("run tests/data/golden_phold.cfg --no-plots -q -o " OUT "/phold");
	assert_true(test_exists(OUT "/phold/results.sqlite"));
	html = test_read_file(OUT "/phold/report.html");
	expect_in(html, "<li>model <b>phold</b></li><li>seed <b>");
	expect_in(html, "<li>replications <b>1</b></li>");
	expect_in(html, "events_scheduled = ");
	expect_in(html, "<pre class=\"config\">model = &quot;phold&quot;;");
	free(html);
}

/* Ensure a sweep's report has its points with the chosen metric as mean
   [lo, hi], the best marked, and the sweep's chart. */
static void test_sweep_table(void **unused)
{
	(void)unused;
	test_result *r = test_run("sweep tests/data/sweep_ok.cfg -j 1 -o " OUT "/sweep");
	if (r->status != 0)
		fail_msg("sweep exited %d:\n%s", r->status, r->out);
	test_expect_output(r, "report in " OUT "/sweep/report.html");
	free(r);
	char *html = test_read_file(OUT "/sweep/report.html");
	expect_in(html, "<title>sweep_ok - marketsim report</title>");
	expect_in(html, "<section id=\"sweep\">");
	expect_in(html, "<th class=\"num\">market.events.[0].price_out</th>"
			"<th class=\"num\">replications</th><th class=\"num\">cum_revenue:FreeCo<br>");
	/* Measured means 1094, 1325, 1106 (test_sweep.c): the middle is best. */
	expect_in(html, "<tr><td>p0000</td><td class=\"num\">0</td><td class=\"num\">2</td>"
			"<td class=\"num\">1094 "
			"<span class=\"ci\">[");
	expect_in(html, "<tr class=\"best\"><td>p0001</td><td class=\"num\">1.8</td>"
			"<td class=\"num\">2</td><td class=\"num top\">1325 ");
	assert_int_equal(count_of(html, "badge best"), 1);
	/* Only the chosen metric, not every column of the summary. */
	expect_not_in(html, "cum_profit:FreeCo");
	/* The sweep's facts, from the database: its size and what ran. */
	expect_in(html, "<li>seed <b>11</b></li><li>points <b>3</b></li>"
			"<li>replications run <b>6</b></li>");
	/* The variance reduction against the reference point is stated. */
	expect_in(html, "median variance reduction");
	assert_int_equal(count_of(html, "<img "), count_pngs(OUT "/sweep/plots"));
	expect_self_contained(html);
	free(html);
	/* One report for the sweep, none per point. */
	assert_false(test_exists(OUT "/sweep/points/p0001/report.html"));
}

/* A results directory by hand: a database saying what the experiment
   is (through the store's own functions, as a run records it), and a
   manifest.txt that says otherwise, which the report must not read. */
static void make_fixture(const char *dir)
{
	char cmd[512], path[512];
	snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof path, "%s/manifest.txt", dir);
	write_file(path, "experiment = \"from the manifest\"\nseed = 8\n");
	sim_error err;
	sim_error_clear(&err);
	sim_store *s = sim_store_open(dir, true, &err);
	assert_non_null(s);
	const char *meta[][2] = {
		{ "name", "hand <made>" }, { "model", "market" }, { "mode", "run" },
		{ "seed", "7" }, { "replications", "3" }, { "config", "model = \"market\";\n" },
	};
	for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++)
		assert_int_equal(sim_store_set_meta(s, meta[i][0], meta[i][1], &err), 0);
	const char *keys[] = { "git_revision", "started_utc" };
	const char *values[] = { "abc123", "2026-01-02T03:04:05Z" };
	assert_int_equal(sim_store_set_provenance(s, keys, values, 2, &err), 0);
	sim_store_close(s);
}

/* Stores a validation of two targets, the second missed, in dir's
   database. */
static void store_validation(const char *dir)
{
	sim_error err;
	sim_error_clear(&err);
	sim_validation v;
	sim_validation_init(&v);
	assert_int_equal(sim_validation_set_source(&v, "t <1>.csv", 3, &err), 0);
	sim_validation_row met = { .target = "met", .week = 4, .week_start = "2026-02-02",
				   .mean = 2.5e12, .lo = 2.4e12, .hi = 2.6e12, .value = 2.4e12,
				   .mode = SIM_VALIDATION_REL, .tolerance = 0.1, .pass = true };
	sim_validation_row missed = { .target = "missed <x>", .week = 5,
				      .week_start = "2026-02-09", .mean = 0.5, .lo = NAN,
				      .hi = NAN, .value = 0.8, .mode = SIM_VALIDATION_MIN };
	assert_int_equal(sim_validation_add(&v, &met, &err), 0);
	assert_int_equal(sim_validation_add(&v, &missed, &err), 0);
	sim_store *s = sim_store_open_existing(dir, &err);
	assert_non_null(s);
	assert_int_equal(sim_store_set_validation(s, &v, &err), 0);
	sim_store_close(s);
	sim_validation_free(&v);
}

/* Ensure notes become a list, the stored validation a table with the
   missed row marked, the title and facts the database's (escaped), and a
   directory without database is titled by its name. */
static void test_fallbacks(void **unused)
{
	(void)unused;
	sim_error err;
	sim_error_clear(&err);
	make_fixture(OUT "/hand");
	store_validation(OUT "/hand");
	write_file(OUT "/hand/question.cfg", "// Line one & <b>two</b>\n\n// Para two\n"
					     "model = \"market\";\n");
	write_file(OUT "/hand/report_notes.txt", "variance reduction 5.6 <x>\n\n"
						 "adaptive: stopped at 12 replications\n");
	write_file(OUT "/hand/validation.txt", "validation against t.csv\nsomething else\n");
	if (sim_report_write(OUT "/hand", OUT "/hand/question.cfg", &err) != 0)
		fail_msg("%s: %s", err.file, err.message);
	char *html = test_read_file(OUT "/hand/report.html");
	expect_in(html, "<h1>hand &lt;made&gt;</h1>");
	expect_in(html, "<li>model <b>market</b></li><li>seed <b>7</b></li>"
			"<li>replications <b>3</b></li><li>revision <b>abc123</b></li>"
			"<li>started <b>2026-01-02T03:04:05Z</b></li>");
	expect_in(html, "<p>Line one &amp; &lt;b&gt;two&lt;/b&gt;</p>\n<p>Para two</p>");
	expect_in(html, "<ul class=\"notes\">\n<li>variance reduction 5.6 &lt;x&gt;</li>\n"
			"<li>adaptive: stopped at 12 replications</li>\n</ul>");
	expect_in(html, "<p class=\"caption\">validation against t &lt;1&gt;.csv "
			"(3 replications; mean and 95% CI). Result:");
	expect_in(html, "<tr><td class=\"name\">met</td><td class=\"date\">2026-02-02</td>"
			"<td class=\"num\">2.50T [2.40T, 2.60T]</td><td class=\"num\">2.40T</td>"
			"<td>+-10%</td><td><span class=\"badge pass\">pass</span></td>");
	expect_in(html, "<tr class=\"missed\"><td class=\"name\">missed &lt;x&gt;</td>"
			"<td class=\"date\">2026-02-09</td><td class=\"num\">0.5 [nan, nan]</td>"
			"<td class=\"num\">0.8</td><td>at least</td>"
			"<td><span class=\"badge fail\">FAIL</span></td>");
	expect_in(html, "<p class=\"tally\">2 targets, 1 missed</p>");
	expect_in(html, "<pre class=\"config\">model = &quot;market&quot;;\n</pre>");
	expect_not_in(html, "something else");
	expect_not_in(html, "from the manifest");
	expect_self_contained(html);
	free(html);

	assert_int_equal(system("mkdir -p " OUT "/bare"), 0);
	write_file(OUT "/bare/q.cfg", "model = \"market\";\n");
	write_file(OUT "/bare/manifest.txt", "experiment = \"not read\"\nseed = 1\n");
	assert_int_equal(sim_report_write(OUT "/bare", OUT "/bare/q.cfg", &err), 0);
	html = test_read_file(OUT "/bare/report.html");
	expect_in(html, "<h1>bare</h1>");
	expect_in(html, "The experiment file has no header comment.");
	expect_not_in(html, "id=\"configuration\"");
	expect_not_in(html, "not read");
	free(html);
}

/* Ensure a failure leaves no report.html and no temporary file: a missing
   directory (not created), an image that cannot be read half-way through
   the page, a report.html that cannot be replaced; and a missing config,
   which is said on the page. */
static void test_failures(void **unused)
{
	(void)unused;
	sim_error err;
	sim_error_clear(&err);
	assert_int_equal(sim_report_write(OUT "/missing", "tests/data/report_question.cfg",
					  &err), -1);
	assert_int_equal(err.kind, SIM_ERROR_RUNTIME);
	assert_false(test_exists(OUT "/missing"));

	make_fixture(OUT "/badpng");
	assert_int_equal(system("mkdir -p " OUT "/badpng/plots/b.png"), 0);
	write_file(OUT "/badpng/plots/a.png", "\x89PNG");
	sim_error_clear(&err);
	assert_int_equal(sim_report_write(OUT "/badpng", "tests/data/report_question.cfg", &err),
			 -1);
	assert_non_null(strstr(err.file, "b.png"));
	assert_false(test_exists(OUT "/badpng/report.html"));
	assert_false(test_exists(OUT "/badpng/.report.html.tmp"));
	/* Without charts the same directory reports fine. */
	assert_int_equal(sim_report_write_no_charts(OUT "/badpng", "tests/data/report_question.cfg",
						    &err), 0);

	/* An experiment file that has gone (a report redrawn later, from
	   elsewhere): the page says so where the question would be. */
	make_fixture(OUT "/noconfig");
	sim_error_clear(&err);
	assert_int_equal(sim_report_write(OUT "/noconfig", OUT "/no-such.cfg", &err), 0);
	char *page = test_read_file(OUT "/noconfig/report.html");
	assert_non_null(strstr(page, "The experiment file &quot;" OUT "/no-such.cfg&quot; "
				     "cannot be read: No such file or directory."));
	free(page);

	/* A run whose report cannot be put in place: exit 1, results kept. */
	assert_int_equal(system("mkdir -p " OUT "/blocked/report.html/x"), 0);
	write_file(OUT "/blocked/.marketsim", "blocked\n"); /* marketsim's own folder */
	test_result *r = test_run("run tests/data/report_question.cfg --no-plots -q -o "
				  OUT "/blocked");
	assert_int_equal(r->status, 1);
	test_expect_output(r, "report.html: cannot rename into place");
	free(r);
	assert_true(test_exists(OUT "/blocked/manifest.txt"));
	assert_true(test_exists(OUT "/blocked/models_weekly.csv"));
	assert_false(test_exists(OUT "/blocked/.report.html.tmp"));
}

/* True when an executable named name is on PATH. */
static bool on_path(const char *name)
{
	const char *path = getenv("PATH");
	char *dirs = strdup(path ? path : ""), *save = NULL;
	bool found = false;
	for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char exe[4096];
		snprintf(exe, sizeof exe, "%s/%s", d, name);
		found = access(exe, X_OK) == 0;
	}
	free(dirs);
	return found;
}

/* Runs a shell command; returns its exit status (-1: killed). */
static int shell(const char *cmd)
{
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Acceptance (issue 4): headless Chromium opens the report, every image
   loads, and a screenshot of it is a real PNG. */
static void test_chromium(void **unused)
{
	(void)unused;
	if (!on_path("chromium"))
		fail_msg("chromium is not installed: this test needs it (Debian package "
			 "`chromium`; `make deps` installs it)");
	test_run_ok("run tests/data/report_question.cfg -q -o " OUT "/browser");
	char abs[4096], cmd[12288];
	if (!realpath(OUT "/browser", abs))
		fail_msg("realpath " OUT "/browser failed");
	/* Its own profile, so no state leaks between runs or into $HOME;
	   `timeout` so a hung browser fails the test instead of hanging it. */
	const char *chrome = "timeout 60 chromium --headless --no-sandbox --disable-gpu "
			     "--user-data-dir=" OUT "/chromium-profile";
	snprintf(cmd, sizeof cmd, "%s --virtual-time-budget=5000 --dump-dom file://%s/report.html "
		 ">" OUT "/dom.html 2>" OUT "/chromium.log", chrome, abs);
	if (shell(cmd) != 0)
		fail_msg("chromium --dump-dom failed; see " OUT "/chromium.log");
	char *dom = test_read_file(OUT "/dom.html");
	size_t pngs = count_pngs(OUT "/browser/plots");
	char want[64];
	snprintf(want, sizeof want, "data-images-loaded=\"%zu/%zu\"", pngs, pngs);
	assert_true(pngs > 0);
	if (!strstr(dom, want)) {
		const char *got = strstr(dom, "data-images-loaded");
		fail_msg("expected %s in the DOM, found %.40s", want, got ? got : "nothing");
	}
	free(dom);

	snprintf(cmd, sizeof cmd, "%s --screenshot=%s/shot.png --window-size=1280,2000 "
		 "file://%s/report.html >>" OUT "/chromium.log 2>&1", chrome, abs, abs);
	if (shell(cmd) != 0)
		fail_msg("chromium --screenshot failed; see " OUT "/chromium.log");
	FILE *f = fopen(OUT "/browser/shot.png", "rb");
	assert_non_null(f);
	unsigned char head[24];
	assert_int_equal(fread(head, 1, sizeof head, f), sizeof head);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fclose(f);
	assert_memory_equal(head, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
	unsigned width = (unsigned)head[16] << 24 | head[17] << 16 | head[18] << 8 | head[19];
	unsigned height = (unsigned)head[20] << 24 | head[21] << 16 | head[22] << 8 | head[23];
	assert_int_equal(width, 1280);
	assert_int_equal(height, 2000);
	/* A blank page compresses to a few kB; this one has text and charts. */
	if (size < 50000)
		fail_msg("screenshot only %ld bytes: is the page blank?", size);
}

int main(void)
{
	if (system("rm -rf " OUT) != 0 || mkdir(OUT, 0777) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_report),
		cmocka_unit_test(test_no_plots),
		cmocka_unit_test(test_validation_table),
		cmocka_unit_test(test_facts_from_store),
		cmocka_unit_test(test_sweep_table),
		cmocka_unit_test(test_fallbacks),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_chromium),
	};
	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
