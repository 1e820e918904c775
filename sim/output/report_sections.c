/* report_sections.c - the report's sections made of the directory's
   files and the experiment file's text: the question, the notes, the
   charts and the list of files (see report_internal.h). */
#include "report_internal.h"
#include "sim_results.h"

#include <stdlib.h>
#include <sys/stat.h>

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
void sim__report_sections_question(FILE *f, char *config)
{
	enum { NONE, PARA, CODE } block = NONE;
	static const char *const close_tag[] = { "", "</p>\n", "</pre>\n" };
	bool any = false;
	fputs("<section id=\"question\">\n<h2>Question</h2>\n", f);
	char *cursor = config;
	for (char *l; (l = sim__html_next_line(&cursor));) {
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

void sim__report_sections_notes(FILE *f, char *notes)
{
	fputs("<section id=\"notes\">\n<h2>Notes</h2>\n<ul class=\"notes\">\n", f);
	char *cursor = notes;
	for (char *l; (l = sim__html_next_line(&cursor));) {
		if (l[strspn(l, " \t")] == '\0')
			continue;
		fputs("<li>", f);
		sim__html(f, l);
		fputs("</li>\n", f);
	}
	fputs("</ul>\n</section>\n", f);
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

int sim__report_sections_charts(FILE *f, const char *plots, char **names, size_t n,
				sim_error *err)
{
	fputs("<section id=\"charts\">\n<h2>Charts</h2>\n", f);
	for (size_t i = 0; i < n; i++) {
		char *path = sim_results_path(plots, names[i]);
		if (!path)
			return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
		fputs("<figure>\n<img alt=\"", f);
		put_caption(f, names[i]);
		fputs("\" src=\"data:image/png;base64,", f);
		int rc = sim__html_base64(f, path, err);
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

void sim__report_sections_files(FILE *f, const char *dir, char **names, size_t n)
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
		sim__html_href(f, names[i]);
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
