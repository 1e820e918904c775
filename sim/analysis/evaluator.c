/* evaluator.c - what every analysis checks of its settings' bounds (see
   evaluator.h). */
#include "evaluator.h"

#include <math.h>

int sim_bounds_check(const char *method, const sim_bounds *b, size_t dim, bool with_start,
		     sim_error *err)
{
	for (size_t j = 0; j < dim; j++) {
		if (!(isfinite(b[j].lo) && isfinite(b[j].hi) && b[j].lo < b[j].hi))
			return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
					     "%s: setting %zu: expected finite bounds lo < hi, "
					     "found [%g, %g]", method, j, b[j].lo, b[j].hi);
		if (with_start && !(b[j].start >= b[j].lo && b[j].start <= b[j].hi))
			return sim_error_set(err, SIM_ERROR_CONFIG, NULL, 0, NULL,
					     "%s: setting %zu: expected a start in [%g, %g], "
					     "found %g", method, j, b[j].lo, b[j].hi, b[j].start);
	}
	return 0;
}
