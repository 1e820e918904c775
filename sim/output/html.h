/*
 * html.h - private to sim/output/: writing HTML safely (escaped text,
 * percent-encoded links, files embedded as base64) and reading the text
 * files a page is made of. The bottom of the report (report.h): it calls
 * nothing of the report's.
 */
#ifndef SIM_OUTPUT_HTML_H
#define SIM_OUTPUT_HTML_H

#include <stdio.h>
#include <string.h>

#include "sim_error.h"

/* Writes the n bytes at s to f HTML-escaped (& < > " '), safe both as
   element text and inside a quoted attribute. */
void sim__html_put(FILE *f, const char *s, size_t n);

static inline void sim__html(FILE *f, const char *s)
{
	sim__html_put(f, s, strlen(s));
}

/* A relative link to a file beside the page: percent-encoded, so that no
   name can become a scheme or leave the attribute. */
void sim__html_href(FILE *f, const char *name);

/* Copies the file at path to f as base64 (RFC 4648, no line breaks).
   0, or -1 with err (kind RUNTIME) when it cannot be read. */
int sim__html_base64(FILE *f, const char *path, sim_error *err);

/* The file at path as a NUL-terminated heap string; NULL with errno set
   when it cannot be read (ENOENT: it does not exist). */
char *sim__html_slurp(const char *path);

/* The next line of *cursor (NUL-terminated in place, "\r\n" or "\n"
   removed), advancing *cursor; NULL at the end of the text. */
char *sim__html_next_line(char **cursor);

#endif
