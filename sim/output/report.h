/*
 * report.h - report.html: a run's results as one page for a reader.
 *
 * The page is rendered from data: what results.sqlite holds (output/
 * store.h: the experiment's name, model, seed, replications and resolved
 * configuration; the provenance: revision, start or finish time, how
 * many replications this session ran; the stored validation; a sweep's
 * points and, for the metrics of its `plot` setting, every point's
 * replications of them), the notes the run wrote for it
 * (report_notes.txt, one item a line), the charts in plots/, the names
 * of the CSV files, and the experiment file's header comment, which
 * states the question the experiment asks. No text written for people
 * (manifest.txt, validation.txt) is read back. It is self-contained: CSS
 * inline, charts embedded as data: URIs, no external URL, so it reads
 * offline and keeps working when copied anywhere alone (only the links
 * to the CSV files assume their directory). Every text is HTML-escaped.
 *
 * Sections, each only when its input exists: title (experiment, model,
 * seed, replications or points, revision, start or finish time), Question,
 * Notes, Validation (the stored table, pass/FAIL marked), Sweep (the
 * points, each `plot` metric as mean [lo, hi] over the point's
 * replications, as sweep_summary.csv has it, the best mean marked),
 * Charts (every PNG of plots/, in name order), Files (the CSV files),
 * Resolved configuration (the facts above and the provenance, the
 * model's notes on its last replication, the settings). A directory
 * without results.sqlite gets a page titled by its name, without facts,
 * validation, sweep or configuration.
 *
 * The files, bottom to top (none calls one above it): html.c (escaping,
 * links, base64, reading text), report_store.c (the database's part),
 * report_sections.c and report_tables.c (the sections), report.c (the
 * page); report_internal.h declares what they share.
 *
 * A small inline script sets body's data-images-loaded to "K/N" once the
 * page has loaded: K of its N images decoded (tests read it).
 */
#ifndef SIM_REPORT_H
#define SIM_REPORT_H

#include "sim_error.h"

/* Writes DIR/report.html atomically (temp file, fsync, rename) from what
   the results directory and its database hold. config_path: the experiment file, whose
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
