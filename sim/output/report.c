/* report.c - report.html, one self-contained page per results directory
   (see include/sim_report.h; the tabular sections are in report_tables.c). */
#include "report.h"
#include "sim_results.h"
#include "report_internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>

#define REPORT "report.html"
#define RESOLVED_MARK "# Fully resolved configuration"

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
	*text = path ? sim__report_slurp(path) : NULL;
	int rc = 0;
	if (!path)
		rc = sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	else if (!*text && errno != ENOENT)
		rc = sim_error_set(err, SIM_ERROR_RUNTIME, path, 0, NULL, "cannot read: %s",
				   strerror(errno));
	free(path);
	return rc;
}

/* ---- the manifest ---- */

typedef struct manifest {
	char *text;            /* the file, split in place; NULL: none */
	char **key, **value;   /* its "key = value" lines, quotes removed */
	size_t count;
	const char *resolved;  /* the resolved configuration; NULL: none */
} manifest;

/* Splits m->text into settings and the resolved configuration. */
static int parse_manifest(manifest *m)
{
	size_t cap = 1;
	for (const char *c = m->text; *c; c++)
		cap += *c == '\n';
	m->key = malloc(cap * sizeof *m->key);
	m->value = malloc(cap * sizeof *m->value);
	if (!m->key || !m->value)
		return -1;
	char *cursor = m->text;
	for (char *l; (l = sim__report_next_line(&cursor));) {
		if (strncmp(l, RESOLVED_MARK, strlen(RESOLVED_MARK)) == 0) {
			m->resolved = cursor;
			break;
		}
		char *eq = strstr(l, " = ");
		if (l[0] == '#' || !eq)
			continue;
		*eq = '\0';
		char *v = eq + 3;
		size_t n = strlen(v);
		if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
			v[n - 1] = '\0';
			v++;
		}
		m->key[m->count] = l;
		m->value[m->count++] = v;
	}
	return 0;
}

/* DIR/manifest.txt, or for a sweep's directory its first point's. */
static int load_manifest(const char *dir, manifest *m, sim_error *err)
{
	memset(m, 0, sizeof *m);
	if (read_optional(dir, "manifest.txt", &m->text, err) != 0)
		return -1;
	if (m->text && parse_manifest(m) != 0)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	return 0;
}

static void free_manifest(manifest *m)
{
	free(m->text);
	free(m->key);
	free(m->value);
}

static const char *manifest_get(const manifest *m, const char *key)
{
	for (size_t i = 0; i < m->count; i++)
		if (strcmp(m->key[i], key) == 0)
			return m->value[i];
	return NULL;
}

/* ---- sections ---- */

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

/* One item of the title's line of facts, when the manifest has it. */
static void meta_item(FILE *f, const manifest *m, const char *key, const char *label)
{
	const char *v = manifest_get(m, key);
	if (!v)
		return;
	fprintf(f, "<li>%s <b>", label);
	sim__html(f, v);
	fputs("</b></li>", f);
}

typedef struct present {
	bool notes, validation, sweep, charts, files, config;
} present;

static void write_title(FILE *f, const char *title, const manifest *m, const present *has)
{
	fputs("<header class=\"top\">\n<p class=\"kicker\">marketsim report</p>\n<h1>", f);
	sim__html(f, title);
	fputs("</h1>\n<ul class=\"meta\">", f);
	meta_item(f, m, "model", "model");
	meta_item(f, m, "seed", "seed");
	meta_item(f, m, "replications", "replications");
	meta_item(f, m, "points", "points");
	meta_item(f, m, "replications_run", "replications run");
	meta_item(f, m, "replications_kept", "kept from before");
	meta_item(f, m, "replications_failed", "failed");
	meta_item(f, m, "git_revision", "revision");
	meta_item(f, m, "started_utc", "started");
	meta_item(f, m, "finished_utc", "finished");
	fputs("</ul>\n<nav class=\"toc\"><a href=\"#question\">Question</a>", f);
	static const char *const anchors[][2] = {
		{ "notes", "Notes" }, { "validation", "Validation" }, { "sweep", "Sweep" },
		{ "charts", "Charts" }, { "files", "Files" },
		{ "configuration", "Resolved configuration" },
	};
	const bool shown[] = { has->notes, has->validation, has->sweep, has->charts,
			       has->files, has->config };
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
		if (shown[i])
			fprintf(f, "<a href=\"#%s\">%s</a>", anchors[i][0], anchors[i][1]);
	fputs("</nav>\n</header>\n", f);
}

/* The comment text of a header line ("# text", "// text"), NULL when the
   line is not a comment; blank lines are comments with no text. */
static const char *comment_text(const char *line)
{
	line += strspn(line, " \t");
	if (!*line)
		return line;
	if (line[0] == '#')
		line++;
	else if (line[0] == '/' && line[1] == '/')
		line += 2;
	else
		return NULL;
	return line[0] == ' ' ? line + 1 : line;
}

/* The question: the config's header comment, its paragraphs kept. A run
   of lines indented past the comment's margin (commands, examples) is
   preformatted; other lines flow into paragraphs. */
static void write_question(FILE *f, char *config)
{
	enum { NONE, PARA, CODE } block = NONE;
	static const char *const close_tag[] = { "", "</p>\n", "</pre>\n" };
	bool any = false;
	fputs("<section id=\"question\">\n<h2>Question</h2>\n", f);
	char *cursor = config;
	for (char *l; (l = sim__report_next_line(&cursor));) {
		const char *t = comment_text(l);
		if (!t)
			break;
		bool blank = t[strspn(t, " \t")] == '\0';
		bool code = !blank && (t[0] == ' ' || t[0] == '\t');
		int want = blank ? NONE : code ? CODE : PARA;
		if (want != (int)block) {
			fputs(close_tag[block], f);
			fputs(want == PARA ? "<p>" : want == CODE ? "<pre>" : "", f);
			block = want;
		} else if (block != NONE) {
			fputc('\n', f);
		}
		if (code)
			t += t[1] == ' ' ? 2 : 1; /* the margin, not the indent */
		sim__html(f, t);
		any |= !blank;
	}
	fputs(close_tag[block], f);
	if (!any)
		fputs("<p class=\"muted\">The experiment file has no header comment.</p>\n", f);
	fputs("</section>\n", f);
}

static void write_notes(FILE *f, char *notes)
{
	fputs("<section id=\"notes\">\n<h2>Notes</h2>\n<ul class=\"notes\">\n", f);
	char *cursor = notes;
	for (char *l; (l = sim__report_next_line(&cursor));) {
		if (l[strspn(l, " \t")] == '\0')
			continue;
		fputs("<li>", f);
		sim__html(f, l);
		fputs("</li>\n", f);
	}
	fputs("</ul>\n</section>\n", f);
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

/* Copies the file at path to f as base64 (RFC 4648, no line breaks). */
static int put_base64(FILE *f, const char *path, sim_error *err)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	FILE *in = fopen(path, "rb");
	if (!in)
		return sim_error_set(err, SIM_ERROR_RUNTIME, path, 0, NULL, "cannot read: %s",
				     strerror(errno));
	unsigned char buf[3 * 1024];
	char out[4 * 1024];
	size_t got;
	/* Whole groups of 3 bytes per read, so only the last read pads. */
	while ((got = fread(buf, 1, sizeof buf, in)) > 0) {
		size_t o = 0;
		for (size_t i = 0; i < got; i += 3) {
			unsigned v = (unsigned)buf[i] << 16;
			if (i + 1 < got)
				v |= (unsigned)buf[i + 1] << 8;
			if (i + 2 < got)
				v |= buf[i + 2];
			out[o++] = digits[v >> 18 & 63];
			out[o++] = digits[v >> 12 & 63];
			out[o++] = i + 1 < got ? digits[v >> 6 & 63] : '=';
			out[o++] = i + 2 < got ? digits[v & 63] : '=';
		}
		fwrite(out, 1, o, f);
		if (got < sizeof buf)
			break;
	}
	int bad = ferror(in);
	int saved = errno;
	fclose(in);
	if (bad)
		return sim_error_set(err, SIM_ERROR_RUNTIME, path, 0, NULL, "cannot read: %s",
				     strerror(saved));
	return 0;
}

/* "market_token_share.png" -> "Market token share". */
static void put_caption(FILE *f, const char *name)
{
	size_t n = strlen(name) - strlen(".png");
	for (size_t i = 0; i < n; i++) {
		char c = name[i] == '_' ? ' ' : name[i];
		if (i == 0 && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		sim__html_put(f, &c, 1);
	}
}

static int write_charts(FILE *f, const char *plots, char **names, size_t n, sim_error *err)
{
	fputs("<section id=\"charts\">\n<h2>Charts</h2>\n", f);
	for (size_t i = 0; i < n; i++) {
		char *path = sim_results_path(plots, names[i]);
		if (!path)
			return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		fputs("<figure>\n<img alt=\"", f);
		put_caption(f, names[i]);
		fputs("\" src=\"data:image/png;base64,", f);
		int rc = put_base64(f, path, err);
		free(path);
		if (rc != 0)
			return -1;
		fputs("\">\n<figcaption>", f);
		put_caption(f, names[i]);
		fputs(" <span class=\"muted\">(plots/", f);
		sim__html(f, names[i]);
		fputs(")</span></figcaption>\n</figure>\n", f);
	}
	fputs("</section>\n", f);
	return 0;
}

/* A relative link to a file beside the report: percent-encoded, so that
   no name can become a scheme or leave the attribute. */
static void put_href(FILE *f, const char *name)
{
	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		bool plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			     (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-';
		if (plain)
			fputc(*c, f);
		else
			fprintf(f, "%%%02X", *c);
	}
}

static void write_files(FILE *f, const char *dir, char **names, size_t n)
{
	fputs("<section id=\"files\">\n<h2>Files</h2>\n<p class=\"caption\">The result "
	      "tables beside this report (every value column as mean, sd and 95% CI).</p>\n"
	      "<table class=\"kv\">\n<tbody>\n", f);
	for (size_t i = 0; i < n; i++) {
		char *path = sim_results_path(dir, names[i]);
		struct stat st;
		bool sized = path && stat(path, &st) == 0;
		free(path);
		fputs("<tr><th><a href=\"./", f);
		put_href(f, names[i]);
		fputs("\">", f);
		sim__html(f, names[i]);
		fputs("</a></th><td class=\"num\">", f);
		if (sized && st.st_size >= 1 << 20)
			fprintf(f, "%.1f MB", st.st_size / 1048576.0);
		else if (sized)
			fprintf(f, "%.1f kB", st.st_size / 1024.0);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n</section>\n", f);
}

static void write_configuration(FILE *f, const manifest *m)
{
	fputs("<section id=\"configuration\">\n<h2>Resolved configuration</h2>\n", f);
	if (manifest_get(m, "points"))
		fputs("<p class=\"caption\">The sweep's base configuration: each point sets "
		      "its parameters on top of it (table above).</p>\n", f);
	fputs("<h3>Run</h3>\n<table class=\"kv\">\n<tbody>\n", f);
	for (size_t i = 0; i < m->count; i++) {
		fputs("<tr><th>", f);
		sim__html(f, m->key[i]);
		fputs("</th><td>", f);
		sim__html(f, m->value[i]);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
	if (m->resolved) {
		fputs("<h3>Settings</h3>\n<p class=\"caption\">After <code>@include</code>, "
		      "<code>--set</code> and defaults, as in manifest.txt.</p>\n"
		      "<pre class=\"config\">", f);
		sim__html(f, m->resolved);
		fputs("</pre>\n", f);
	}
	fputs("</section>\n", f);
}

/* ---- the page ---- */

/* Everything the page is made of, read before the file is started so
   that a missing input fails before anything is written. */
typedef struct inputs {
	manifest m;
	char *config, *notes, *validation, *summary, *sweep_plots;
	char *plots_dir;
	char **pngs, **csvs;
	size_t png_count, csv_count;
} inputs;

static void free_inputs(inputs *in)
{
	free_manifest(&in->m);
	free(in->config);
	free(in->notes);
	free(in->validation);
	free(in->summary);
	free(in->sweep_plots);
	free(in->plots_dir);
	sim_results_free_names(in->pngs, in->png_count);
	sim_results_free_names(in->csvs, in->csv_count);
}

static int read_inputs(const char *dir, const char *config_path, bool charts, inputs *in,
		       sim_error *err)
{
	memset(in, 0, sizeof *in);
	if (load_manifest(dir, &in->m, err) != 0)
		return -1;
	/* The file may have moved since the run (`marketsim plot` later, from
	   elsewhere): the page says so instead of failing. */
	if (!(in->config = sim__report_slurp(config_path))) {
		const char *why = config_path[0] ? strerror(errno) : "not recorded";
		size_t len = strlen(config_path) + strlen(why) + 64;
		if (!(in->config = malloc(len)))
			return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		snprintf(in->config, len, "# (The experiment file \"%s\" cannot be read: %s.)\n",
			 config_path, why);
	}
	if (read_optional(dir, "report_notes.txt", &in->notes, err) != 0 ||
	    read_optional(dir, "validation.txt", &in->validation, err) != 0 ||
	    read_optional(dir, "sweep_summary.csv", &in->summary, err) != 0 ||
	    read_optional(dir, "sweep_plots.txt", &in->sweep_plots, err) != 0)
		return -1;
	if (!(in->plots_dir = sim_results_path(dir, "plots")))
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	if (charts && list_files(in->plots_dir, ".png", &in->pngs, &in->png_count, err) != 0)
		return -1;
	return list_files(dir, ".csv", &in->csvs, &in->csv_count, err);
}

/* The experiment's name: the manifest's, else the directory's. */
static const char *title_of(const char *dir, const manifest *m)
{
	const char *name = manifest_get(m, "experiment");
	if (name && name[0])
		return name;
	const char *slash = strrchr(dir, '/');
	return slash && slash[1] ? slash + 1 : dir;
}

static int write_page(FILE *f, const char *dir, inputs *in, sim_error *err)
{
	present has = {
		.notes = in->notes, .validation = in->validation, .sweep = in->summary,
		.charts = in->png_count > 0, .files = in->csv_count > 0, .config = in->m.text,
	};
	const char *title = title_of(dir, &in->m);
	write_head(f, title);
	write_title(f, title, &in->m, &has);
	write_question(f, in->config);
	if (in->notes)
		write_notes(f, in->notes);
	if (in->validation && sim__report_validation(f, in->validation) != 0)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	if (in->summary && sim__report_sweep(f, in->summary, in->sweep_plots) != 0)
		return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
	if (has.charts && write_charts(f, in->plots_dir, in->pngs, in->png_count, err) != 0)
		return -1;
	if (has.files)
		write_files(f, dir, in->csvs, in->csv_count);
	if (has.config)
		write_configuration(f, &in->m);
	fputs("<footer>Written by marketsim from the files of this results directory.</footer>\n"
	      "</main>\n", f);
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
