/* analysis_params.c - the analysis groups' schemas (see analysis_params.h). */
#include "analysis_params.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const sim_setting param_rows[] = {
	SIM_STRING("path", sim_analysis_param, path, NULL,
		   "Setting to vary, as --set names it (e.g. market.events.[3].price_out)"),
	SIM_FLOAT("min", sim_analysis_param, min, NULL, -1e300, 1e300, "Lower bound"),
	SIM_FLOAT("max", sim_analysis_param, max, NULL, -1e300, 1e300, "Upper bound"),
	SIM_FLOAT_OPTIONAL("start", sim_analysis_param, start, -1e300, 1e300,
			   "Where a search starts (left out: the middle of [min, max])"),
};

/* min < max, and a start given inside them. */
static int check_param(const void *params, const sim_config *cfg, const char *path,
		       sim_error *err)
{
	const sim_analysis_param *p = params;
	char at[512];
	if (!(p->min < p->max)) {
		snprintf(at, sizeof at, "%s.max", path);
		return sim_config_error_at(cfg, at, err, "expected max > min (%g), found %g",
					   p->min, p->max);
	}
	snprintf(at, sizeof at, "%s.start", path);
	if (!isnan(p->start) && !(p->start >= p->min && p->start <= p->max))
		return sim_config_error_at(cfg, at, err, "expected a start in [%g, %g], found %g",
					   p->min, p->max, p->start);
	return 0;
}

static const sim_schema param_schema =
	SIM_SCHEMA("analysis parameter", param_rows, sim_analysis_param, check_param);

double sim_analysis_param_start(const sim_analysis_param *p)
{
	return isnan(p->start) ? 0.5 * (p->min + p->max) : p->start;
}

static const char *const goals[] = { "max", "min", NULL };

static const sim_setting optimize_rows[] = {
	SIM_STRING("objective", sim_optimize_params, objective, "",
		   "Summary metric to optimise, \"metric:subject\" (e.g. cum_revenue:Alibaba)"),
	SIM_CHOICE("goal", sim_optimize_params, goal, "max", goals, "Maximise or minimise it"),
	SIM_STRING("metrics", sim_optimize_params, metrics, "",
		   "Further metrics reported at the optimum with 95% CIs, comma-separated"),
	SIM_LIST("parameters", sim_optimize_params, parameters, &param_schema, 0, 20,
		 "Settings to vary, with bounds"),
	SIM_INT("grid", sim_optimize_params, grid, "0", 0, 1000,
		"Coarse grid points per setting evaluated first (0: none); the best starts the search"),
	SIM_INT("max_evaluations", sim_optimize_params, max_evaluations, "60", 1, 100000,
		"Most points the search evaluates (grid and profile excluded)"),
	SIM_FLOAT_ABOVE("tolerance", sim_optimize_params, tolerance, "0.001", 0, 1,
			"Stop when the search's bracket or simplex is this small (fraction of each range)"),
	SIM_INT("confirm", sim_optimize_params, confirm, "0", 0, 100000,
		"Fresh replications re-estimating the optimum (0: as many as replications)"),
	SIM_INT("profile", sim_optimize_params, profile, "9", 0, 1000,
		"Points of the objective's profile through the optimum, per setting (0: none)"),
};

static const sim_setting calibrate_rows[] = {
	SIM_LIST("parameters", sim_calibrate_params, parameters, &param_schema, 0, 20,
		 "Settings to fit, with bounds"),
	SIM_STRING("holdout", sim_calibrate_params, holdout, "",
		   "Targets held out of the fit, comma-separated names or globs (mar_*)"),
	SIM_INT("restarts", sim_calibrate_params, restarts, "2", 0, 100,
		"Fresh Nelder-Mead simplexes after the first search"),
	SIM_INT("max_evaluations", sim_calibrate_params, max_evaluations, "200", 1, 100000,
		"Most points each search evaluates"),
	SIM_FLOAT_ABOVE("tolerance", sim_calibrate_params, tolerance, "0.001", 0, 10,
			"Stop a search when its simplex is this small (radians of the bounded map)"),
	SIM_FLOAT_ABOVE("step", sim_calibrate_params, step, "0.02", 0, 0.5,
			"Finite-difference step for the standard errors (fraction of each range)"),
	SIM_FLOAT_ABOVE("observed_draws", sim_calibrate_params, observed_draws, "1", 0, INFINITY,
			"The observed figures as the mean of this many draws of the model's process"),
	SIM_BOOL("tolerance_as_sd", sim_calibrate_params, tolerance_as_sd, "false",
		 "Also read each target's tolerance as one standard deviation of its observed figure"),
	SIM_STRING("fragment", sim_calibrate_params, fragment, "fitted.cfg",
		   "File (in the output folder) receiving the fitted settings as a `set` list to @include"),
};

static const char *const methods[] = { "both", "morris", "sobol", NULL };

static const sim_setting sensitivity_rows[] = {
	SIM_STRING("metrics", sim_sensitivity_params, metrics, "",
		   "Summary metrics, \"metric:subject\" comma-separated"),
	SIM_LIST("parameters", sim_sensitivity_params, parameters, &param_schema, 0, 20,
		 "Settings with their ranges (drawn uniformly)"),
	SIM_CHOICE("method", sim_sensitivity_params, method, "both", methods,
		   "Morris screening, Sobol indices, or both"),
	SIM_INT("samples", sim_sensitivity_params, samples, "256", 2, 1000000,
		"Sobol base samples N (N (k + 2) points)"),
	SIM_INT("trajectories", sim_sensitivity_params, trajectories, "20", 2, 100000,
		"Morris trajectories r (r (k + 1) points)"),
	SIM_INT("levels", sim_sensitivity_params, levels, "4", 2, 100, "Morris grid levels p (even)"),
	SIM_INT("bootstrap", sim_sensitivity_params, bootstrap, "500", 0, 100000,
		"Bootstrap resamples for the 95% intervals (0: none)"),
};

static const sim_setting player_rows[] = {
	SIM_STRING("name", sim_player_params, name, NULL, "The player (a provider)"),
	SIM_STRING("objective", sim_player_params, objective, NULL,
		   "What it maximises, \"metric:subject\""),
	SIM_LIST("parameters", sim_player_params, parameters, &param_schema, 1, 20,
		 "The settings it chooses (its prices), with bounds"),
};

static const sim_schema player_schema =
	SIM_SCHEMA("equilibrium player", player_rows, sim_player_params, NULL);

static const sim_setting equilibrium_rows[] = {
	SIM_LIST("players", sim_equilibrium_params, players, &player_schema, 0, 20,
		 "Players, each with its objective and settings"),
	SIM_STRING("metrics", sim_equilibrium_params, metrics, "",
		   "Further metrics reported at every round, comma-separated"),
	SIM_FLOAT_ABOVE("tolerance", sim_equilibrium_params, tolerance, "0.01", 0, 1,
			"Converged when no setting moves more than this (fraction of its range) in a round"),
	SIM_INT("max_rounds", sim_equilibrium_params, max_rounds, "20", 1, 10000,
		"Most rounds of best responses"),
	SIM_INT("grid", sim_equilibrium_params, grid, "5", 0, 1000,
		"Coarse grid points per setting before each best response"),
	SIM_INT("max_evaluations", sim_equilibrium_params, max_evaluations, "30", 1, 100000,
		"Most points each best response evaluates"),
	SIM_FLOAT_ABOVE("search_tolerance", sim_equilibrium_params, search_tolerance, "0.001", 0, 1,
			"Each best response's tolerance (fraction of each range)"),
};

const sim_schema sim_optimize_schema =
	SIM_SCHEMA("optimize", optimize_rows, sim_optimize_params, NULL);
const sim_schema sim_calibrate_schema =
	SIM_SCHEMA("calibrate", calibrate_rows, sim_calibrate_params, NULL);
const sim_schema sim_sensitivity_schema =
	SIM_SCHEMA("sensitivity", sensitivity_rows, sim_sensitivity_params, NULL);
const sim_schema sim_equilibrium_schema =
	SIM_SCHEMA("equilibrium", equilibrium_rows, sim_equilibrium_params, NULL);
