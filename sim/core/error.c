/* error.c - filling and printing sim_error (see include/sim_error.h). */
#include "sim_error.h"

#include <stdarg.h>
#include <string.h>

void sim_error_clear(sim_error *err)
{
	memset(err, 0, sizeof *err);
}

int sim_error_set(sim_error *err, sim_error_kind kind, const char *file,
		  int line, const char *path, const char *fmt, ...)
{
	if (!err)
		return -1;
	err->kind = kind;
	snprintf(err->file, sizeof err->file, "%s", file ? file : "");
	err->line = line;
	snprintf(err->path, sizeof err->path, "%s", path ? path : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return -1;
}

void sim_error_format(const sim_error *err, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
#define APPEND(...)                                                          \
	do {                                                                 \
		if (used < size) {                                           \
			int n = snprintf(buf + used, size - used, __VA_ARGS__); \
			used += n > 0 ? (size_t)n : 0;                       \
		}                                                            \
	} while (0)
	if (err->file[0]) {
		if (err->line > 0)
			APPEND("%s:%d: ", err->file, err->line);
		else
			APPEND("%s: ", err->file);
	}
	if (err->path[0])
		APPEND("%s: ", err->path);
	APPEND("%s", err->message);
#undef APPEND
}

void sim_error_print(const sim_error *err, FILE *f)
{
	char buf[2048];
	sim_error_format(err, buf, sizeof buf);
	fprintf(f, "marketsim: %s\n", buf);
}

int sim_error_exit_status(const sim_error *err)
{
	return err->kind == SIM_ERROR_CONFIG ? SIM_EXIT_USAGE : SIM_EXIT_RUNTIME;
}
