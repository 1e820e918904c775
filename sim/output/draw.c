/* draw.c - a results directory's charts, then its report (see draw.h). */
#include "draw.h"
#include "plot.h"
#include "report.h"

#include <stdio.h>

int sim_draw_outputs(const char *dir, const char *config_path, const char *prefix,
		     const char *plots_dir, bool no_plots, bool quiet, sim_error *err)
{
	const char *scripts = plots_dir ? plots_dir : sim_plot_default_dir();
	int rc = 0;
	bool charts = false;
	if (prefix && !no_plots) {
		rc = sim_plot_draw(scripts, prefix, dir, err);
		charts = rc == 0;
		if (charts && !quiet)
			printf("plots in %s/plots/\n", dir);
	}
	sim_error report_err;
	sim_error_clear(&report_err);
	sim_error *e = rc == 0 ? err : &report_err;
	int report_rc = charts ? sim_report_write(dir, config_path, e)
			       : sim_report_write_no_charts(dir, config_path, e);
	if (report_rc == 0 && !quiet)
		printf("report in %s/report.html\n", dir);
	return rc == 0 && report_rc == 0 ? 0 : -1;
}
