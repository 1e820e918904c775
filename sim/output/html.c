/* html.c - HTML output helpers and text input for the report (see html.h). */
#include "html.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

void sim__html_put(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(s[i], f); break;
		}
	}
}

void sim__html_href(FILE *f, const char *name)
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

int sim__html_base64(FILE *f, const char *path, sim_error *err)
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

char *sim__html_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *text = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 8192;
			char *grown = realloc(text, cap);
			if (!grown) {
				free(text);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			text = grown;
		}
		size_t got = fread(text + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	/* fread stops at the end and at an error alike: tell them apart. */
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(text);
		errno = EIO;
		return NULL;
	}
	text[len] = '\0';
	return text;
}

char *sim__html_next_line(char **cursor)
{
	char *line = *cursor;
	if (!line || !*line)
		return NULL;
	char *nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cursor = nl + 1;
	} else {
		*cursor = line + strlen(line);
	}
	size_t n = strlen(line);
	if (n && line[n - 1] == '\r')
		line[n - 1] = '\0';
	return line;
}
