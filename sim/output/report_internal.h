/*
 * report_internal.h - private to sim/report.c and sim/report_tables.c (the
 * report page, see include/sim_report.h): HTML output helpers and the two
 * sections parsed from tabular result files.
 */
#ifndef SIM_REPORT_INTERNAL_H
#define SIM_REPORT_INTERNAL_H

#include <stdio.h>
#include <string.h>

/* Writes the n bytes at s to f HTML-escaped (& < > " '), safe both as
   element text and inside a quoted attribute. */
void sim__html_put(FILE *f, const char *s, size_t n);

static inline void sim__html(FILE *f, const char *s)
{
	sim__html_put(f, s, strlen(s));
}

/* The file at path as a NUL-terminated heap string; NULL with errno set
   when it cannot be read (ENOENT: it does not exist). */
char *sim__report_slurp(const char *path);

/* The next line of *cursor (NUL-terminated in place, "\r\n" or "\n"
   removed), advancing *cursor; NULL at the end of the text. */
char *sim__report_next_line(char **cursor);

/* Writes the Validation section from the text of validation.txt
   (models/market/validate.c prints it): a table when every line has that
   layout, else the text as it is in a <pre>. Modifies text. Returns 0, or
   -1 when out of memory. */
int sim__report_validation(FILE *f, char *text);

/* Writes the Sweep section from the text of sweep_summary.csv and of
   sweep_plots.txt (NULL when absent; its lines' first words are the
   metrics shown). Modifies both. Returns 0, or -1 when out of memory. */
int sim__report_sweep(FILE *f, char *summary, char *plots);

#endif
