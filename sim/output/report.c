/* report.c - report.html, one self-contained page per results directory
   (see report.h): the page's frame and title, its inputs gathered before
   anything is written; the sections are in report_sections.c and
   report_tables.c, what results.sqlite holds is read by report_store.c. */
#include "report.h"
#include "sim_results.h"
#include "report_internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>

#define REPORT "report.html"

/* Inline, so the page needs nothing but itself. Sober colours, tables
   that read at a glance, charts at full column width. */
static const char style[] =
	":root{--ink:#1d2530;--muted:#5f6b7a;--line:#dde3ea;--bg:#f3f5f8;"
	"--head:#f6f8fa;--accent:#1f5fbf;--pass:#17663a;--pass-bg:#e3f4e9;"
	"--fail:#a61b1b;--fail-bg:#fbe7e7;--best:#fff5d6}\n"
	"*{box-sizing:border-box}\n"
	"html{background:var(--bg)}\n"
	"body{margin:0;color:var(--ink);font:15px/1.55 system-ui,-apple-system,\"Segoe UI\","
	"Roboto,\"Helvetica Neue\",Arial,sans-serif}\n"
	"main{max-width:1160px;margin:0 auto;padding:28px 32px 56px}\n"
	"header.top{padding:8px 0 18px}\n"
	"header.top .kicker{color:var(--muted);font-size:12px;letter-spacing:.08em;"
	"text-transform:uppercase;margin:0}\n"
	"h1{font-size:30px;line-height:1.2;margin:4px 0 10px;font-weight:650}\n"
	".meta{display:flex;flex-wrap:wrap;gap:6px 8px;margin:0;padding:0;list-style:none}\n"
	".meta li{background:#fff;border:1px solid var(--line);border-radius:999px;"
	"padding:2px 12px;font-size:13px;color:var(--muted)}\n"
	".meta b{color:var(--ink);font-weight:600}\n"
	"nav.toc{margin:16px 0 0;font-size:13.5px}\n"
	"nav.toc a{color:var(--accent);text-decoration:none;margin-right:16px}\n"
	"nav.toc a:hover{text-decoration:underline}\n"
	"section{background:#fff;border:1px solid var(--line);border-radius:10px;"
	"padding:18px 26px 22px;margin:18px 0;box-shadow:0 1px 2px rgba(16,24,40,.04)}\n"
	"h2{font-size:19px;margin:0 0 12px;font-weight:650}\n"
	"h3{font-size:15px;margin:20px 0 8px;font-weight:600}\n"
	"p{margin:0 0 10px}\n"
	"#question p{max-width:80ch}\n"
	"ul.notes{margin:0;padding-left:20px}\n"
	"ul.notes li{margin:3px 0}\n"
	".caption,.tally,figcaption,.muted{color:var(--muted);font-size:13.5px}\n"
	".tally{margin:10px 0 0}\n"
	"table{border-collapse:collapse;width:100%;font-size:13.5px}\n"
	/* an analysis's tables may be wider than the page: they scroll */
	"#results table{display:block;overflow-x:auto;font-size:12.5px}\n"
	"th,td{padding:7px 10px;border-bottom:1px solid var(--line);text-align:left;"
	"vertical-align:top}\n"
	"thead th{background:var(--head);font-weight:600;border-bottom:2px solid var(--line);"
	"white-space:nowrap}\n"
	"tbody tr:hover td{background:#f8fafc}\n"
	".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"td.date,td.mono,td.name{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"
	"\"DejaVu Sans Mono\",monospace;font-size:12.5px}\n"
	"tr.missed td{background:var(--fail-bg)}\n"
	"tr.best td{background:var(--best)}\n"
	"td.top{font-weight:600}\n"
	".ci{color:var(--muted);font-weight:400}\n"
	".sub{color:var(--muted);font-weight:400;font-size:12px}\n"
	".badge{display:inline-block;border-radius:4px;padding:0 7px;font-size:12px;"
	"font-weight:650;line-height:1.6}\n"
	".badge.pass{color:var(--pass);background:var(--pass-bg)}\n"
	".badge.fail{color:#fff;background:var(--fail)}\n"
	".badge.best{color:#7a5200;background:#ffe7a3}\n"
	".scroll{overflow-x:auto}\n"
	"figure{margin:0 0 26px}\n"
	"figure:last-child{margin-bottom:0}\n"
	"figure img{display:block;max-width:100%;height:auto;margin:0 auto;"
	"border:1px solid var(--line);border-radius:6px;background:#fff}\n"
	"figcaption{text-align:center;margin-top:6px}\n"
	"pre,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"
	"\"DejaVu Sans Mono\",monospace}\n"
	"pre{background:var(--head);border:1px solid var(--line);border-radius:6px;"
	"padding:10px 14px;font-size:12.5px;line-height:1.5;overflow:auto;margin:0 0 10px}\n"
	"pre.config{max-height:520px}\n"
	"table.kv{width:auto;min-width:50%}\n"
	"table.kv th,table.kv td{padding:4px 10px}\n"
	"table.sweep{width:auto;min-width:60%}\n"
	"table.sweep th,table.sweep td{padding-left:18px;padding-right:18px}\n"
	"table.kv th{background:none;border-bottom:1px solid var(--line);font-weight:500;"
	"color:var(--muted);white-space:nowrap;padding-right:28px}\n"
	"table.kv td{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"
	"\"DejaVu Sans Mono\",monospace;font-size:12.5px;word-break:break-all}\n"
	"a{color:var(--accent)}\n"
	"footer{color:var(--muted);font-size:12px;text-align:center;margin-top:28px}\n"
	"@media print{html{background:#fff}section{box-shadow:none;break-inside:avoid-page}"
	"pre.config{max-height:none}nav.toc{display:none}}\n";

/* Counts the images that decoded, for tests and for anyone checking a
   copied file: body's data-images-loaded becomes "K/N". */
static const char script[] =
	"<script>\n"
	"window.addEventListener('load', function () {\n"
	"  var images = document.images, loaded = 0;\n"
	"  for (var i = 0; i < images.length; i++)\n"
	"    if (images[i].complete && images[i].naturalWidth > 0)\n"
	"      loaded++;\n"
	"  document.body.dataset.imagesLoaded = loaded + '/' + images.length;\n"
	"});\n"
	"</script>\n";

/* dir/name read whole into *text; a missing file leaves *text NULL and is
   not an error (the section is then left out). */
static int read_optional(const char *dir, const char *name, char **text, sim_error *err)
{
	char *path = sim_results_path(dir, name);
	*text = path ? sim__html_slurp(path) : NULL;
	int rc = 0;
	if (!path)
		rc = sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	else if (!*text && errno != ENOENT)
		rc = sim_error_set(err, SIM_ERROR_RUNTIME, path, 0, NULL, "cannot read: %s",
				   strerror(errno));
	free(path);
	return rc;
}

/* A visible file whose name ends in the suffix ctx. */
static bool has_suffix(const char *name, const void *ctx)
{
	const char *suffix = ctx;
	size_t len = strlen(name), k = strlen(suffix);
	return name[0] != '.' && len > k && strcmp(name + len - k, suffix) == 0;
}

/* The files of dir whose names end in suffix, sorted; hidden files (a
   run's temporaries) left out. A missing dir has none. */
static int list_files(const char *dir, const char *suffix, char ***names, size_t *count,
		      sim_error *err)
{
	if (sim_results_list(dir, has_suffix, suffix, names, count) == 0 || errno == ENOENT)
		return 0;
	if (errno == ENOMEM)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	return sim_error_set(err, SIM_ERROR_RUNTIME, dir, 0, NULL, "cannot list: %s",
			     strerror(errno));
}

/* ---- the frame and the title ---- */

static void write_head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>", f);
	sim__html(f, title);
	fputs(" - marketsim report</title>\n<style>\n", f);
	fputs(style, f);
	fputs("</style>\n</head>\n<body>\n<main>\n", f);
}

/* One item of the title's line of facts, when the store has it. */
static void meta_item(FILE *f, const sim__report_data *d, const char *key, const char *label)
{
	const char *v = sim__report_store_fact(d, key);
	if (!v)
		return;
	fprintf(f, "<li>%s <b>", label);
	sim__html(f, v);
	fputs("</b></li>", f);
}

typedef struct present {
	bool notes, validation, sweep, results, uncertainty, charts, files, config;
} present;

static void write_title(FILE *f, const char *title, const sim__report_data *d,
			const present *has)
{
	static const char *const facts[][2] = {
		{ "model", "model" }, { "seed", "seed" }, { "replications", "replications" },
		{ "points", "points" }, { "replications_run", "replications run" },
		{ "replications_kept", "kept from before" },
		{ "replications_failed", "failed" }, { "git_revision", "revision" },
		{ "started_utc", "started" }, { "finished_utc", "finished" },
	};
	static const char *const anchors[][2] = {
		{ "notes", "Notes" }, { "validation", "Validation" }, { "sweep", "Sweep" },
		{ "results", "Results" }, { "uncertainty", "Parameter uncertainty" },
		{ "charts", "Charts" }, { "files", "Files" },
		{ "configuration", "Resolved configuration" },
	};
	const bool shown[] = { has->notes, has->validation, has->sweep, has->results,
			       has->uncertainty, has->charts, has->files, has->config };
	fputs("<header class=\"top\">\n<p class=\"kicker\">marketsim report</p>\n<h1>", f);
	sim__html(f, title);
	fputs("</h1>\n<ul class=\"meta\">", f);
	for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++)
		meta_item(f, d, facts[i][0], facts[i][1]);
	fputs("</ul>\n<nav class=\"toc\"><a href=\"#question\">Question</a>", f);
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
		if (shown[i])
			fprintf(f, "<a href=\"#%s\">%s</a>", anchors[i][0], anchors[i][1]);
	fputs("</nav>\n</header>\n", f);
}

/* ---- the page ---- */

/* Everything the page is made of, read before the file is started so
   that a missing input fails before anything is written. */
typedef struct inputs {
	sim__report_data data;
	char *config, *notes;
	char *plots_dir;
	char **pngs, **csvs;
	size_t png_count, csv_count;
} inputs;

static void free_inputs(inputs *in)
{
	sim__report_store_free(&in->data);
	free(in->config);
	free(in->notes);
	free(in->plots_dir);
	sim_results_free_names(in->pngs, in->png_count);
	sim_results_free_names(in->csvs, in->csv_count);
}

/* The experiment file, for its header comment. It may have moved since
   the run (`marketsim plot` later, from elsewhere): the page says so
   instead of failing. */
static int read_config(const char *config_path, char **config, sim_error *err)
{
	if ((*config = sim__html_slurp(config_path)))
		return 0;
	const char *why = config_path[0] ? strerror(errno) : "not recorded";
	size_t len = strlen(config_path) + strlen(why) + 64;
	if (!(*config = malloc(len)))
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	snprintf(*config, len, "# (The experiment file \"%s\" cannot be read: %s.)\n",
		 config_path, why);
	return 0;
}

static int read_inputs(const char *dir, const char *config_path, bool charts, inputs *in,
		       sim_error *err)
{
	memset(in, 0, sizeof *in);
	if (sim__report_store_load(dir, &in->data, err) != 0 ||
	    read_config(config_path, &in->config, err) != 0 ||
	    read_optional(dir, "report_notes.txt", &in->notes, err) != 0)
		return -1;
	if (!(in->plots_dir = sim_results_path(dir, "plots")))
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	if (charts && list_files(in->plots_dir, ".png", &in->pngs, &in->png_count, err) != 0)
		return -1;
	return list_files(dir, ".csv", &in->csvs, &in->csv_count, err);
}

/* The experiment's name: the store's, else the directory's. */
static const char *title_of(const char *dir, const sim__report_data *d)
{
	const char *name = sim__report_store_fact(d, "experiment");
	if (name && name[0])
		return name;
	const char *slash = strrchr(dir, '/');
	return slash && slash[1] ? slash + 1 : dir;
}

static int write_page(FILE *f, const char *dir, inputs *in, sim_error *err)
{
	const sim__report_data *d = &in->data;
	present has = {
		.notes = in->notes, .validation = d->validated, .sweep = d->sweep,
		.results = d->nresults > 0, .uncertainty = d->draws.k > 0,
		.charts = in->png_count > 0, .files = in->csv_count > 0, .config = d->stored,
	};
	const char *title = title_of(dir, d);
	write_head(f, title);
	write_title(f, title, d, &has);
	sim__report_sections_question(f, in->config);
	if (has.notes)
		sim__report_sections_notes(f, in->notes);
	if (has.validation)
		sim__report_tables_validation(f, &d->validation);
	if (has.sweep)
		sim__report_tables_sweep(f, &d->table);
	if (has.results)
		sim__report_tables_results(f, d->results, d->nresults);
	if (has.uncertainty)
		sim__report_tables_uncertainty(f, &d->draws);
	if (has.charts &&
	    sim__report_sections_charts(f, in->plots_dir, in->pngs, in->png_count, err) != 0)
		return -1;
	if (has.files)
		sim__report_sections_files(f, dir, in->csvs, in->csv_count);
	if (has.config)
		sim__report_tables_configuration(f, d);
	fputs("<footer>Written by marketsim from the results database and files of this "
	      "results directory.</footer>\n</main>\n", f);
	fputs(script, f);
	fputs("</body>\n</html>\n", f);
	return 0;
}

static int write_report(const char *dir, const char *config_path, bool charts,
			sim_error *err)
{
	/* A results directory, not one to create: a report of nothing is a
	   mistake worth reporting. */
	struct stat st;
	if (stat(dir, &st) != 0)
		return sim_error_set(err, SIM_ERROR_RUNTIME, dir, 0, NULL,
				     "cannot write the report: %s", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sim_error_set(err, SIM_ERROR_RUNTIME, dir, 0, NULL,
				     "cannot write the report: not a directory");
	inputs in;
	sim_results *out = NULL;
	FILE *f = NULL;
	int rc = -1;
	if (read_inputs(dir, config_path, charts, &in, err) != 0)
		goto done;
	if (!(out = sim_results_open(dir, err)) || !(f = sim_results_create(out, REPORT, err)))
		goto done;
	if (write_page(f, dir, &in, err) != 0)
		goto done;
	FILE *written = f;
	f = NULL;
	if (sim_results_close_file(out, written, err) != 0)
		goto done;
	rc = sim_results_finish(out, err);
	out = NULL;
done:
	sim_results_abort(out); /* closes f, removes the temporary file */
	free_inputs(&in);
	return rc;
}

int sim_report_write(const char *dir, const char *config_path, sim_error *err)
{
	return write_report(dir, config_path, true, err);
}

int sim_report_write_no_charts(const char *dir, const char *config_path, sim_error *err)
{
	return write_report(dir, config_path, false, err);
}
