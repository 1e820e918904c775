/*
 * config_doc.c - sim_schema_print_doc, for `marketsim config-doc`: one
 * line per setting in aligned columns (path, type, default, range or
 * choices, doc), measured in a first pass and printed in a second.
 */
#include "sim_config.h"
#include "config_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kind_name(const sim_setting *row)
{
	if (row->shorthand)
		return "group or integer";
	switch (row->kind) {
	case SIM_SETTING_INT: return "integer";
	case SIM_SETTING_FLOAT: return "number";
	case SIM_SETTING_BOOL: return "boolean";
	case SIM_SETTING_STRING: return "string";
	case SIM_SETTING_CHOICE: return "choice";
	case SIM_SETTING_GROUP: return "group";
	case SIM_SETTING_MAP: return "map";
	case SIM_SETTING_LIST: return "list";
	case SIM_SETTING_NUMBERS: return "numbers";
	case SIM_SETTING_VARIANT_LIST: return "variant list";
	}
	return "?";
}

/* The default and range/choices columns of row's doc line. */
static void doc_columns(const sim_setting *row, msgbuf *def, msgbuf *range)
{
	char text[96];
	const sim_setting *inner = sim__shorthand_row(row);
	if (inner) {
		sim__mb_add(def, "default %s", inner->default_text);
		sim__mb_add(range, "N means { %s = N }", inner->name);
		return;
	}
	if (row->kind == SIM_SETTING_GROUP)
		return;
	if (row->kind != SIM_SETTING_NUMBERS && sim__is_collection(row)) {
		sim__mb_add(def, "%s", sim__is_required(row) ? "required"
							: "default empty");
		sim__mb_count(range, row);
		return;
	}
	if (row->optional) {
		sim__mb_add(def, "optional");
	} else if (row->required || !row->default_text) {
		sim__mb_add(def, "required");
	} else if (row->kind == SIM_SETTING_STRING) {
		char *copy = strdup(row->default_text);
		sim__mb_add(def, "default ");
		sim__mb_quote(def, copy ? sim__unquote(copy)
					: row->default_text);
		free(copy);
	} else {
		sim__mb_add(def, "default %s", row->default_text);
	}
	if (row->kind == SIM_SETTING_INT || row->kind == SIM_SETTING_FLOAT ||
	    row->kind == SIM_SETTING_NUMBERS) {
		sim__range_text(row, text, sizeof text);
		if (text[0])
			sim__mb_add(range, "range %s", text);
	} else if (row->kind == SIM_SETTING_CHOICE) {
		sim__mb_add(range, "one of ");
		for (size_t k = 0; row->choices && row->choices[k]; k++)
			sim__mb_add(range, "%s%s", k ? ", " : "",
				    row->choices[k]);
	}
	if (row->kind == SIM_SETTING_NUMBERS &&
	    (row->min_items || row->max_items)) {
		sim__mb_add(range, "%s", range->len ? "; " : "");
		sim__mb_count(range, row);
	}
}

typedef struct doc_widths {
	int path, type, def, range;
} doc_widths;

/* Where doc lines go: f NULL only measures the column widths. */
typedef struct doc_out {
	FILE *f;
	doc_widths w;
} doc_out;

static void widen(int *w, size_t len)
{
	if ((int)len > *w)
		*w = (int)len;
}

/* Prints (or measures) one line of aligned columns. */
static void doc_line(doc_out *o, const char *path, const char *type,
		     const char *def, const char *range, const char *doc)
{
	const char *cols[] = { path, type, def, range, doc };
	const int widths[] = { o->w.path, o->w.type, o->w.def, o->w.range, 0 };
	int last = 4;
	if (!o->f) {
		widen(&o->w.path, strlen(path));
		widen(&o->w.type, strlen(type));
		widen(&o->w.def, strlen(def));
		widen(&o->w.range, strlen(range));
		return;
	}
	/* Pad only up to the last non-empty column: no trailing blanks. */
	while (last > 0 && !cols[last][0])
		last--;
	for (int c = 0; c < last; c++)
		fprintf(o->f, "%-*s  ", widths[c], cols[c]);
	fprintf(o->f, "%s\n", cols[last]);
}

static void doc_schema(doc_out *o, const sim_schema *schema,
		       const char *prefix);

/* A variant list's elements (prefix "events.[i]"): the discriminator,
   then each variant's header line and settings. */
static void doc_variants(doc_out *o, const sim_setting *row,
			 const char *prefix)
{
	char path[256];
	msgbuf choices = { .len = 0 };
	sim__join_path(path, sizeof path, prefix, row->discriminator);
	sim__mb_add(&choices, "one of ");
	for (size_t k = 0; k < sim__variant_count(row); k++)
		sim__mb_add(&choices, "%s%s", k ? ", " : "",
			    row->variants[k].name);
	doc_line(o, path, "choice", "required", choices.text,
		 "Kind of element: selects its settings, listed below");
	for (size_t k = 0; k < sim__variant_count(row); k++) {
		const sim_variant *var = &row->variants[k];
		msgbuf head = { .len = 0 };
		sim__mb_add(&head, "%s = \"%s\"", row->discriminator,
			    var->name);
		doc_line(o, prefix, "variant", head.text, "",
			 var->doc ? var->doc : "");
		doc_schema(o, var->schema, prefix);
	}
}

static void doc_row(doc_out *o, const sim_setting *row, const char *prefix)
{
	char path[256], inner[256];
	msgbuf def = { .len = 0 }, range = { .len = 0 };
	sim__join_path(path, sizeof path, prefix, row->name);
	doc_columns(row, &def, &range);
	doc_line(o, path, kind_name(row), def.text, range.text,
		 row->doc ? row->doc : "");
	switch (row->kind) {
	case SIM_SETTING_GROUP:
		doc_schema(o, row->group, path);
		break;
	case SIM_SETTING_MAP:
		sim__join_path(inner, sizeof inner, path, "<id>");
		doc_schema(o, row->group, inner);
		break;
	case SIM_SETTING_LIST:
		sim__join_path(inner, sizeof inner, path, "[i]");
		doc_schema(o, row->group, inner);
		break;
	case SIM_SETTING_VARIANT_LIST:
		sim__join_path(inner, sizeof inner, path, "[i]");
		doc_variants(o, row, inner);
		break;
	default:
		break;
	}
}

static void doc_schema(doc_out *o, const sim_schema *schema,
		       const char *prefix)
{
	for (size_t k = 0; k < schema->count; k++)
		doc_row(o, &schema->settings[k], prefix);
}

void sim_schema_print_doc(const sim_schema *schema, const char *prefix,
			  FILE *f)
{
	doc_out o = { NULL, { 0, 0, 0, 0 } };
	if (!prefix)
		prefix = "";
	doc_schema(&o, schema, prefix); /* measure */
	o.f = f;
	doc_schema(&o, schema, prefix);
}
