/*
 * sweep_outputs.h - a sweep's CSVs, derived from DIR/results.sqlite alone
 * (so `marketsim plot DIR` can write them all again): points/pNNNN/ (each
 * point aggregated over its replications), sweep_summary.csv,
 * sweep_vs_reference.csv, sweep_failures.csv, sweep_replications.csv,
 * sweep_plots.txt, report_notes.txt and manifest.txt.
 */
#ifndef SIM_OUTPUT_SWEEP_OUTPUTS_H
#define SIM_OUTPUT_SWEEP_OUTPUTS_H

#include <stddef.h>

#include "sim_model.h"

/* Writes the outputs of the sweep whose database is in dir. model: the
   sweep's model, whose write_tables adds its own files to each point (may
   be NULL). manifest_extra: the lines
   on how the sweep ran (command, timings) that the manifest adds to what
   the store holds; NULL when nothing ran (`marketsim plot`): an existing
   manifest.txt is then kept as the sweep wrote it, a missing one written
   without them. *failed (may be NULL) counts the failed replications.
   out_dir: where to write them (NULL: dir itself; `marketsim verify`
   writes them elsewhere to compare). Returns 0 or -1 with err. */
int sim_sweep_outputs_write(const char *dir, const char *out_dir, const sim_model_type *model,
			    const char *manifest_extra, size_t *failed, sim_error *err);

#endif
