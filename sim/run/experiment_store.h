/*
 * experiment_store.h - an experiment's results database opened for its
 * task engine: a new one records what the experiment is (name, model,
 * resolved configuration, seed, its points and their parameter values);
 * for --resume, the one an earlier run of the same experiment left.
 */
#ifndef SIM_RUN_EXPERIMENT_STORE_H
#define SIM_RUN_EXPERIMENT_STORE_H

#include "experiment.h"
#include "output/store.h"

/* Opens DIR/results.sqlite for x: the points of its sweep when `sweep`,
   else one point without parameters (a run). With resume, an existing
   database must hold the same resolved configuration and kind (kind
   CONFIG otherwise) and every replication it holds must match its
   checksum (kind RUNTIME otherwise, naming the first that does not);
   its failures are cleared for a retry. NULL with err. */
sim_store *sim_experiment_store_open(const sim_experiment *x, const char *dir,
				     const char *name, bool sweep, bool resume,
				     const char *config_path, sim_error *err);

/* The same for an analysis (optimize, calibrate, ...): its kind is
   `analysis` (the store's mode), its points, none yet, have the nparams
   number parameters `paths` (the analysis adds them as it evaluates
   them, sim_store_append_points). */
sim_store *sim_experiment_store_open_analysis(const sim_experiment *x, const char *dir,
					      const char *name, const char *analysis,
					      size_t nparams, const char *const *paths,
					      bool resume, const char *config_path,
					      sim_error *err);

#endif
