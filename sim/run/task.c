/* task.c - a task's result and its wire format, shared by the pools that
   carry results over pipes and MPI messages (see task.h). */
#include "task.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t sim_task_message_size(const sim_task_header *h)
{
	return sizeof *h + h->len + h->error_len + h->notes_len;
}

void sim_task_result_clear(sim_task_result *r)
{
	free(r->data);
	free(r->error);
	free(r->notes);
	memset(r, 0, sizeof *r);
}

void sim_task_failed(sim_task_result *r, const sim_task *task, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sim_task_result_clear(r);
	r->task = *task;
	r->error = strdup(msg);
}

char *sim_task_pack(const sim_task_result *r, size_t *len)
{
	sim_task_header h = {
		r->task.point, r->task.replication, r->ok, r->events,
		r->ok ? r->len : 0, r->error ? strlen(r->error) : 0,
		r->notes ? strlen(r->notes) : 0,
	};
	*len = sizeof h + h.len + h.error_len + h.notes_len;
	char *msg = malloc(*len);
	if (!msg)
		return NULL;
	memcpy(msg, &h, sizeof h);
	if (h.len)
		memcpy(msg + sizeof h, r->data, h.len);
	if (h.error_len)
		memcpy(msg + sizeof h + h.len, r->error, h.error_len);
	if (h.notes_len)
		memcpy(msg + sizeof h + h.len + h.error_len, r->notes, h.notes_len);
	return msg;
}

int sim_task_unpack(const char *msg, size_t len, sim_task_result *r)
{
	sim_task_header h;
	memset(r, 0, sizeof *r);
	if (len < sizeof h)
		return -1;
	memcpy(&h, msg, sizeof h);
	if (h.len > len - sizeof h || h.error_len > len - sizeof h - h.len ||
	    h.notes_len != len - sizeof h - h.len - h.error_len)
		return -1;
	r->task = (sim_task){ h.point, h.replication, NULL };
	r->ok = h.ok != 0;
	r->events = h.events;
	r->len = h.len;
	if (h.len && !(r->data = malloc(h.len)))
		return -1;
	if (h.len)
		memcpy(r->data, msg + sizeof h, h.len);
	if (h.error_len || !r->ok) {
		if (!(r->error = calloc(h.error_len + 1, 1))) {
			sim_task_result_clear(r);
			return -1;
		}
		memcpy(r->error, msg + sizeof h + h.len, h.error_len);
	}
	if (h.notes_len) {
		if (!(r->notes = calloc(h.notes_len + 1, 1))) {
			sim_task_result_clear(r);
			return -1;
		}
		memcpy(r->notes, msg + sizeof h + h.len + h.error_len, h.notes_len);
	}
	return 0;
}


char *sim_task_pack_task(const sim_task *task, size_t *len)
{
	size_t n = task->settings ? strlen(task->settings) : 0;
	sim_task_wire h = { task->point, task->replication, n };
	*len = sizeof h + n;
	char *msg = malloc(*len);
	if (!msg)
		return NULL;
	memcpy(msg, &h, sizeof h);
	if (n)
		memcpy(msg + sizeof h, task->settings, n);
	return msg;
}

int sim_task_unpack_task(const sim_task_wire *h, const char *settings, sim_task *task,
			 char **owned)
{
	*owned = NULL;
	*task = (sim_task){ h->point, h->replication, NULL };
	if (h->settings_len == 0)
		return 0;
	if (!(*owned = malloc(h->settings_len + 1)))
		return -1;
	memcpy(*owned, settings, h->settings_len);
	(*owned)[h->settings_len] = '\0';
	task->settings = *owned;
	return 0;
}
