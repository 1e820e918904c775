/* progress.c - progress of a long run on stderr (include/sim_progress.h). */
#include "progress.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BAR_WIDTH 24
#define TTY_INTERVAL 0.2   /* seconds between redraws on a terminal */
#define LOG_INTERVAL 10.0  /* seconds between lines elsewhere */

struct sim_progress {
	FILE *f;
	bool tty;
	char label[128], unit[32], detail[64];
	size_t total, done;
	uint64_t events;
	double start, last;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

sim_progress *sim_progress_new(FILE *f, bool quiet, const char *label, const char *unit,
			       size_t total)
{
	if (quiet || !f)
		return NULL;
	sim_progress *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->f = f;
	p->tty = isatty(fileno(f));
	snprintf(p->label, sizeof p->label, "%s", label);
	snprintf(p->unit, sizeof p->unit, "%s", unit);
	p->total = total;
	p->start = p->last = now();
	return p;
}

/* "1h02m", "3m05s" or "12s". */
static void duration(double s, char *buf, size_t size)
{
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, size, "%ldh%02ldm", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(buf, size, "%lds", t);
}

static void draw(sim_progress *p, double t, bool final)
{
	double elapsed = t - p->start;
	char spent[32], left[32] = "?";
	duration(elapsed, spent, sizeof spent);
	if (p->done > 0 && p->done < p->total)
		duration(elapsed / p->done * (p->total - p->done), left, sizeof left);
	else if (p->done >= p->total)
		snprintf(left, sizeof left, "0s");
	char rate[48] = "";
	if (p->events > 0 && elapsed > 0)
		snprintf(rate, sizeof rate, ", %.1f M events/s", p->events / elapsed / 1e6);
	if (p->tty) {
		char bar[BAR_WIDTH + 1];
		size_t fill = p->total ? p->done * BAR_WIDTH / p->total : 0;
		memset(bar, '#', fill);
		memset(bar + fill, '.', BAR_WIDTH - fill);
		bar[BAR_WIDTH] = '\0';
		fprintf(p->f, "\r%s [%s] %zu/%zu %s%s%s, %s elapsed, %s left%s\033[K%s",
			p->label, bar, p->done, p->total, p->unit, p->detail[0] ? ", " : "",
			p->detail, spent, left, rate, final ? "\n" : "");
	} else {
		fprintf(p->f, "%s: %zu/%zu %s%s%s, %s elapsed, %s left%s\n", p->label,
			p->done, p->total, p->unit, p->detail[0] ? ", " : "", p->detail, spent,
			left, rate);
	}
	fflush(p->f);
}

void sim_progress_update(sim_progress *p, size_t done, uint64_t events)
{
	if (!p)
		return;
	p->done = done;
	p->events = events;
	double t = now();
	if (t - p->last >= (p->tty ? TTY_INTERVAL : LOG_INTERVAL)) {
		p->last = t;
		draw(p, t, false);
	}
}

void sim_progress_retotal(sim_progress *p, size_t total, const char *detail)
{
	if (!p)
		return;
	p->total = total;
	snprintf(p->detail, sizeof p->detail, "%s", detail ? detail : "");
}

void sim_progress_finish(sim_progress *p)
{
	if (!p)
		return;
	draw(p, now(), true);
	free(p);
}
