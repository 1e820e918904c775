/* commands.c - the analysis commands by name (see commands.h). */
#include "commands.h"
#include "calibrate.h"
#include "equilibrium_cmd.h"
#include "optimize.h"
#include "sensitivity_cmd.h"

#include <string.h>

typedef int (*command_fn)(const sim_model_type *const *registry, const sim_run_options *opt,
			  const sim_exec_options *how, sim_exec_report *report, sim_error *err);

static const struct {
	const char *name;
	command_fn run;
} commands[] = {
	{ "optimize", sim_optimize_experiment },
	{ "calibrate", sim_calibrate_experiment },
	{ "sensitivity", sim_sensitivity_experiment },
	{ "equilibrium", sim_equilibrium_experiment },
};

static command_fn find(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(commands[i].name, name))
			return commands[i].run;
	return NULL;
}

bool sim_analysis_known(const char *name)
{
	return find(name) != NULL;
}

int sim_analysis_command(const char *name, const sim_model_type *const *registry,
			 const sim_run_options *opt, const sim_exec_options *how,
			 sim_exec_report *report, sim_error *err)
{
	command_fn run = find(name);
	if (!run)
		return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
				     "unknown analysis \"%s\"", name);
	return run(registry, opt, how, report, err);
}
