/*
 * commands.h - the analysis commands by name, for the CLI: optimize,
 * calibrate, sensitivity and equilibrium (analysis.h says what they
 * share).
 */
#ifndef SIM_ANALYSIS_COMMANDS_H
#define SIM_ANALYSIS_COMMANDS_H

#include <stdbool.h>

#include "run/tasks.h"

/* Whether `name` is an analysis command. */
bool sim_analysis_known(const char *name);

/* Runs the analysis `name` on opt's experiment. 0 when done or stopped
   by a signal (report->interrupted), -1 with err (kind CONFIG: nothing
   written). */
int sim_analysis_command(const char *name, const sim_model_type *const *registry,
			 const sim_run_options *opt, const sim_exec_options *how,
			 sim_exec_report *report, sim_error *err);

#endif
