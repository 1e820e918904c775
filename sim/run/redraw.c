/* redraw.c - `marketsim plot DIR`: a results directory's outputs written
   again from its results.sqlite (see redraw.h). */
#include "redraw.h"
#include "experiment.h"
#include "output/draw.h"
#include "output/folder.h"
#include "output/store.h"
#include "output/sweep_outputs.h"
#include "output/validation.h"

#include <stdlib.h>
#include <string.h>

/* What the store says about the results: all heap strings. */
typedef struct stored_experiment {
	char *mode, *model, *plot, *config_file;
} stored_experiment;

static void stored_free(stored_experiment *s)
{
	free(s->mode);
	free(s->model);
	free(s->plot);
	free(s->config_file);
}

static int read_stored(const char *dir, stored_experiment *se, sim_error *err)
{
	if (!sim_store_exists(dir))
		return sim_error_set(err, SIM_ERROR_CONFIG, dir, 0, NULL,
				     "not a results directory (no " SIM_STORE_FILE ")");
	sim_store *s = sim_store_open_existing(dir, err);
	if (!s)
		return -1;
	se->mode = sim_store_meta(s, "mode", err);
	se->model = se->mode ? sim_store_meta(s, "model", err) : NULL;
	se->plot = se->model ? sim_store_meta(s, "plot", err) : NULL;
	se->config_file = se->plot ? sim_store_meta(s, "config_file", err) : NULL;
	if (err->kind == SIM_ERROR_NONE && (!se->mode || !se->model || !se->plot))
		sim_error_set(err, SIM_ERROR_CONFIG, sim_store_path(s), 0, NULL,
			      "not a results database of marketsim (its experiment is "
			      "not recorded)");
	sim_store_close(s);
	return err->kind == SIM_ERROR_NONE ? 0 : -1;
}

/* validation.txt and validation.csv again, when the run was validated. */
static int rewrite_validation(const char *dir, sim_results *out, sim_error *err)
{
	sim_validation v;
	sim_validation_init(&v);
	sim_store *s = sim_store_open_existing(dir, err);
	int stored = s ? sim_store_load_validation(s, &v, err) : -1;
	sim_store_close(s);
	int rc = stored < 0 ? -1 : stored == 0 ? 0 : sim_validation_write_files(&v, out, err);
	sim_validation_free(&v);
	return rc;
}

/* A recorded run's tables again, from its database, into out_dir. */
static int rewrite_run_tables(const sim_model_type *model, const char *dir,
			      const char *out_dir, sim_error *err)
{
	sim_table_set *tables;
	char *notes, rule[256];
	size_t n;
	if (sim_store_load_run(dir, &tables, &notes, &n, rule, sizeof rule, err) != 0)
		return -1;
	sim_results *out = sim_results_open(out_dir, err);
	int rc = -1;
	if (out && sim_store_draws_outputs(dir, tables, out, err) == 0 &&
	    sim_table_set_write(tables, out, err) == 0 &&
	    (!model->write_tables || model->write_tables(tables, out, err) == 0) &&
	    rewrite_validation(dir, out, err) == 0) {
		rc = sim_results_finish(out, err);
		out = NULL;
	}
	sim_results_abort(out);
	sim_table_set_free(tables);
	free(notes);
	return rc;
}

/* The model whose results se describes, or NULL with err. */
static const sim_model_type *stored_model(const sim_model_type *const *registry,
					  const char *dir, const stored_experiment *se,
					  sim_error *err)
{
	const sim_model_type *model = sim_model_find(registry, se->model);
	if (!model)
		sim_error_set(err, SIM_ERROR_CONFIG, dir, 0, NULL,
			      "its results are of model \"%s\", which this marketsim does not "
			      "have", se->model);
	return model;
}

/* Derives the CSVs of the results in dir (a sweep's, or a recording
   model's run) into out_dir. */
/* Whether the store holds an analysis's results (optimize, ...): its
   mode is neither a run's nor a sweep's. */
static bool is_analysis(const char *mode)
{
	return strcmp(mode, "run") != 0 && strcmp(mode, "grid") != 0 && strcmp(mode, "zip") != 0;
}

static int derive_tables(const sim_model_type *model, const stored_experiment *se,
			 const char *dir, const char *out_dir, sim_error *err)
{
	if (is_analysis(se->mode))
		return sim_store_export_result_tables(dir, out_dir, err);
	if (strcmp(se->mode, "run") != 0)
		return sim_sweep_outputs_write(dir, out_dir, model, NULL, NULL, err);
	return model->record ? rewrite_run_tables(model, dir, out_dir, err) : 0;
}

int sim_redraw_tables(const sim_model_type *const *registry, const char *dir,
		      const char *out_dir, sim_error *err)
{
	stored_experiment se = { 0 };
	const sim_model_type *model = NULL;
	int rc = read_stored(dir, &se, err) == 0 &&
			 (model = stored_model(registry, dir, &se, err)) != NULL &&
			 derive_tables(model, &se, dir, out_dir, err) == 0 ? 0 : -1;
	stored_free(&se);
	return rc;
}

int sim_redraw_results(const sim_model_type *const *registry, const char *dir,
		       const char *plots_dir, bool quiet, sim_error *err)
{
	stored_experiment se = { 0 };
	sim_folder folder = { .lock_fd = -1 };
	int rc = -1;
	/* Locked before the database is even opened (opening it writes its
	   journal files), for as long as the outputs are rewritten. A folder
	   with the database and no marker (written before folders had one)
	   is adopted, marked with its own name. */
	if (!sim_store_exists(dir)) {
		sim_error_set(err, SIM_ERROR_CONFIG, dir, 0, NULL,
			      "not a results directory (no " SIM_STORE_FILE ")");
		goto done;
	}
	const char *base = strrchr(dir, '/');
	if (sim_folder_claim(dir, base && base[1] ? base + 1 : dir, true, &folder, err) != 0)
		goto done;
	if (read_stored(dir, &se, err) != 0) {
		sim_folder_abandon(&folder);
		goto done;
	}
	const sim_model_type *model = stored_model(registry, dir, &se, err);
	if (!model || derive_tables(model, &se, dir, dir, err) != 0)
		goto done;
	const char *prefix = strcmp(se.mode, "run") == 0 ? model->name
			     : is_analysis(se.mode) ? se.mode
			     : se.plot[0] ? "sweep" : NULL;
	if (sim_draw_outputs(dir, se.config_file ? se.config_file : "", prefix, plots_dir, false,
			     quiet, err) != 0)
		goto done;
	if (!quiet)
		printf("outputs of %s/ redrawn\n", dir);
	rc = 0;
done:
	sim_folder_release(&folder);
	stored_free(&se);
	return rc;
}
