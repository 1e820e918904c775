/* draws.c - the fitted and assumed settings drawn per replication (see
   draws.h). */
#include "draws.h"
#include "sim_rng.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int oom(sim_error *err)
{
	return sim_error_set(err, SIM_ERROR_RUNTIME, NULL, 0, NULL, "out of memory");
}

void sim_draws_free(sim_draws *d)
{
	free(d->lo);
	free(d->hi);
	free(d->integer);
	free(d->chol);
	free(d->entries);
	memset(d, 0, sizeof *d);
}

/* Entry i's setting: an INT or FLOAT of the model's group, its range
   into d. A config error at the entry's path when not. */
static int bind_entry(sim_draws *d, size_t i, const sim_schema *root, void *params,
		      const char *group, const sim_config *cfg, sim_error *err)
{
	const char *path = d->entries[i].path;
	const sim_setting *row = NULL;
	size_t n = strlen(group);
	void *at = strncmp(path, group, n) == 0 && path[n] == '.'
			   ? sim_params_locate(root, params, path, &row) : NULL;
	char where[64];
	snprintf(where, sizeof where, "%s.[%zu].path", sim_draws_list(d, i),
		 i < d->fitted_k ? i : i - d->fitted_k);
	if (!at || (row->kind != SIM_SETTING_INT && row->kind != SIM_SETTING_FLOAT))
		return sim_config_error_at(cfg, where, err, "expected a number setting of model "
					   "%s, as --set names it; found \"%s\"", group, path);
	d->integer[i] = row->kind == SIM_SETTING_INT;
	/* An open bound is the nearest number inside it. */
	d->lo[i] = row->min_open ? nextafter(row->min, INFINITY) : row->min;
	d->hi[i] = row->max_open ? nextafter(row->max, -INFINITY) : row->max;
	return 0;
}

/* C into d->chol: the fitted block from the n numbers (identity when n
   is 0), checked: fitted_k^2 of them, symmetric, unit diagonal; the
   assumed block the identity, and zero between the blocks. */
static int read_correlation(sim_draws *d, const sim_numbers *corr, const sim_config *cfg,
			    sim_error *err)
{
	size_t k = d->fitted_k;
	for (size_t i = 0; i < d->k * d->k; i++)
		d->chol[i] = i / d->k == i % d->k;
	if (corr->count != 0 && corr->count != k * k)
		return sim_config_error_at(cfg, "fitted_correlation", err, "expected %zu numbers "
					   "(the %zu x %zu correlation of `fitted`, row by row) "
					   "or none, found %zu", k * k, k, k, corr->count);
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < k; j++) {
			double c = corr->count ? corr->values[i * k + j] : i == j;
			double t = corr->count ? corr->values[j * k + i] : i == j;
			if ((i == j && fabs(c - 1) > 1e-9) || fabs(c - t) > 1e-9)
				return sim_config_error_at(cfg, "fitted_correlation", err,
							   "expected a symmetric matrix with 1 on "
							   "its diagonal; element (%zu, %zu) is %g",
							   i + 1, j + 1, c);
			d->chol[i * d->k + j] = c;
		}
	return 0;
}

/* C = L L' in place (L in the lower triangle, the upper zeroed); a config
   error when C is not positive definite. */
static int factor(sim_draws *d, const sim_config *cfg, sim_error *err)
{
	gsl_matrix_view m = gsl_matrix_view_array(d->chol, d->k, d->k);
	/* The default handler aborts; the caller's is put back. */
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	int rc = gsl_linalg_cholesky_decomp1(&m.matrix);
	gsl_set_error_handler(old);
	if (rc != 0)
		return sim_config_error_at(cfg, "fitted_correlation", err, "the correlation matrix "
					   "is not positive definite (Cholesky failed): the "
					   "settings cannot be drawn from it");
	for (size_t i = 0; i < d->k; i++)
		for (size_t j = i + 1; j < d->k; j++)
			d->chol[i * d->k + j] = 0;
	return 0;
}

const char *sim_draws_list(const sim_draws *d, size_t i)
{
	return i < d->fitted_k ? "fitted" : "assumed";
}

int sim_draws_plan(sim_draws *d, const sim_schema *root, void *params, const char *group,
		   const sim_list *fitted, const sim_numbers *corr, const sim_list *assumed,
		   const sim_config *cfg, sim_error *err)
{
	memset(d, 0, sizeof *d);
	d->fitted_k = fitted->count;
	d->k = fitted->count + assumed->count;
	size_t k = d->k ? d->k : 1;
	d->entries = malloc(k * sizeof *d->entries);
	if (d->entries) {
		if (fitted->count)
			memcpy(d->entries, fitted->items, fitted->count * sizeof *d->entries);
		if (assumed->count)
			memcpy(d->entries + fitted->count, assumed->items,
			       assumed->count * sizeof *d->entries);
	}
	d->lo = malloc(k * sizeof *d->lo);
	d->hi = malloc(k * sizeof *d->hi);
	d->integer = malloc(k * sizeof *d->integer);
	d->chol = malloc(k * k * sizeof *d->chol);
	int rc = d->entries && d->lo && d->hi && d->integer && d->chol ? 0 : oom(err);
	for (size_t i = 0; rc == 0 && i < d->k; i++)
		rc = bind_entry(d, i, root, params, group, cfg, err);
	if (rc == 0)
		rc = read_correlation(d, corr, cfg, err);
	if (rc == 0 && d->k)
		rc = factor(d, cfg, err);
	if (rc != 0)
		sim_draws_free(d);
	return rc;
}

/* One vector value + D L z into v; how many drawn values fell outside
   their ranges. Rounding an INT's draw comes first: the range is its. */
static size_t draw_once(const sim_draws *d, const sim_rng *rng, double *z, double *v)
{
	size_t outside = 0;
	for (size_t i = 0; i < d->k; i++)
		z[i] = sim_rng_gaussian(rng);
	for (size_t i = 0; i < d->k; i++) {
		double e = 0;
		for (size_t j = 0; j <= i; j++)
			e += d->chol[i * d->k + j] * z[j];
		v[i] = d->entries[i].value + d->entries[i].se * e;
		if (d->integer[i])
			v[i] = round(v[i]);
		outside += d->entries[i].se > 0 && !(v[i] >= d->lo[i] && v[i] <= d->hi[i]);
	}
	return outside;
}

int sim_draws_draw(const sim_draws *d, uint64_t seed, uint64_t replication, double *v,
		   sim_draws_count *count, sim_error *err)
{
	sim_rng rng;
	double *z = malloc((d->k ? d->k : 1) * sizeof *z);
	if (!z)
		return oom(err);
	if (sim_rng_init(&rng, seed, replication, SIM_DRAWS_STREAM, err) != 0) {
		free(z);
		return -1;
	}
	sim_draws_count c = { 0, 0 };
	for (size_t tries = 1; draw_once(d, &rng, z, v) > 0; tries++) {
		if (tries == SIM_DRAWS_TRIES) {
			for (size_t i = 0; i < d->k; i++) {
				c.clamped += !(v[i] >= d->lo[i] && v[i] <= d->hi[i]);
				v[i] = fmin(fmax(v[i], d->lo[i]), d->hi[i]);
			}
			break;
		}
		c.redrawn++;
	}
	if (count) {
		count->redrawn += c.redrawn;
		count->clamped += c.clamped;
	}
	sim_rng_close(&rng);
	free(z);
	return 0;
}

/* Entry i's member of params (located by sim_draws_plan before). */
static void *member(const sim_draws *d, size_t i, const sim_schema *root, void *params)
{
	const sim_setting *row;
	return sim_params_locate(root, params, d->entries[i].path, &row);
}

void sim_draws_apply(const sim_draws *d, const sim_schema *root, void *params, const double *v,
		     double *saved)
{
	for (size_t i = 0; i < d->k; i++) {
		void *at = member(d, i, root, params);
		if (d->integer[i]) {
			int64_t was, now = (int64_t)v[i];
			memcpy(&was, at, sizeof was);
			saved[i] = (double)was;
			memcpy(at, &now, sizeof now);
		} else {
			memcpy(&saved[i], at, sizeof saved[i]);
			memcpy(at, &v[i], sizeof v[i]);
		}
	}
}

void sim_draws_restore(const sim_draws *d, const sim_schema *root, void *params,
		       const double *saved)
{
	for (size_t i = 0; i < d->k; i++) {
		void *at = member(d, i, root, params);
		if (d->integer[i]) {
			int64_t was = (int64_t)saved[i];
			memcpy(at, &was, sizeof was);
		} else {
			memcpy(at, &saved[i], sizeof saved[i]);
		}
	}
}
