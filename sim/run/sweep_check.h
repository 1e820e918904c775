/*
 * sweep_check.h - a sweep's points checked before anything runs, by
 * `sweep` and by `check`: every value of every parameter against the
 * setting its path names, then every point against the cross-setting
 * checks (an event date within the horizon, ...), what only the model
 * makes sense of, and the resource limits (guard.h).
 *
 * The file is parsed once. Each point's values are written into the
 * resolved parameters in place (a number or date setting, located by its
 * path: sim_params_locate) and every schema's check runs on them
 * (sim_params_check), so a point costs the checks, not a parse; a
 * parameter of another kind (`replications` as a count, an array) has
 * each point's assignments applied to the loaded tree and resolved
 * instead. A point that fails is loaded once more from the file with its
 * assignments, as a worker would load it, for the message, which ends
 * "(at sweep point N)".
 */
#ifndef SIM_RUN_SWEEP_CHECK_H
#define SIM_RUN_SWEEP_CHECK_H

#include "experiment.h"

/* Checks every point of x's sweep, loaded from opt (registry: to load a
   failing point again for its message), with `workers` replications
   running at once. Leaves x's parameters as they were (its tree holds
   the sweep's last values, as --set put them). 0, or -1 with err. */
int sim_sweep_check(sim_experiment *x, const sim_model_type *const *registry,
		    const sim_run_options *opt, size_t workers, sim_error *err);

#endif
