/*
 * sim_report.h - report.html: a run's results as one page for a reader.
 *
 * The page is built only from what the results directory holds (the
 * manifest, validation.txt, the sweep's summary, the charts in plots/, the
 * CSV files) and the experiment file's header comment, which states the
 * question the experiment asks. It is self-contained: CSS inline, charts
 * embedded as data: URIs, no external URL, so it reads offline and keeps
 * working when copied anywhere alone (only the links to the CSV files
 * assume their directory). Every text taken from a file is HTML-escaped.
 *
 * Sections, each only when its input exists: title (experiment, model,
 * seed, replications, revision, start time: manifest.txt), Question,
 * Notes (report_notes.txt, one item a line), Validation (validation.txt,
 * as a table with pass/FAIL marked), Sweep (sweep_summary.csv, the metrics
 * of sweep_plots.txt as mean [lo, hi], the best mean marked), Charts
 * (every PNG of plots/, in name order), Files (the CSV files), Resolved
 * configuration (the manifest). A sweep's directory has no manifest of its
 * own: its first point's (points/p0000/manifest.txt) stands in.
 *
 * A small inline script sets body's data-images-loaded to "K/N" once the
 * page has loaded: K of its N images decoded (tests read it).
 */
#ifndef SIM_REPORT_H
#define SIM_REPORT_H

#include "sim_error.h"

/* Writes DIR/report.html atomically (temp file, fsync, rename) from what
   the results directory holds. config_path: the experiment file, whose
   header comment (the leading lines that are comments, `#` or `//`,
   before the first setting; blank lines allowed) is the question.
   Returns 0 or -1 with err (kind RUNTIME); on failure no temporary file
   is left and an older report.html is untouched. */
int sim_report_write(const char *dir, const char *config_path, sim_error *err);

/* As sim_report_write, without the Charts section: for a run whose charts
   were not drawn (--no-plots, or drawing failed), where a plots/ left by
   an earlier run does not show this run's results. */
int sim_report_write_no_charts(const char *dir, const char *config_path,
			       sim_error *err);

#endif
