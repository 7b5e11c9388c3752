/*
 * lifecycle.c owns the counts of work in hand and the stop; see
 * lifecycle.h.
 *
 * Invariant: `drained` runs at most once, from l->check, an event made
 * active when draining and both counts are zero; it checks again when it
 * runs, since something may have been held in between.
 */
#include <assert.h>
#include <stdlib.h>

#include "lifecycle.h"
#include "log.h"

struct lifecycle {
	struct event *check;
	lifecycle_cb *drained;
	void *arg;
	unsigned in_flight;
	unsigned unsent;
	bool draining;
	bool done; /* `drained` was called */
};

static void
check(evutil_socket_t fd, short what, void *arg)
{
	struct lifecycle *l = arg;

	(void)fd;
	(void)what;
	if (l->done || !lifecycle_drained(l))
		return;
	l->done = true;
	l->drained(l->arg);
}

static void
maybe_drained(struct lifecycle *l)
{
	if (!l->done && lifecycle_drained(l))
		event_active(l->check, EV_TIMEOUT, 0);
}

struct lifecycle *
lifecycle_new(struct event_base *base, lifecycle_cb *drained, void *arg)
{
	struct lifecycle *l = calloc(1, sizeof(*l));

	if (l == NULL || (l->check = event_new(base, -1, 0, check, l)) == NULL)
		fatalx("lifecycle_new: out of memory");
	l->drained = drained;
	l->arg = arg;
	return l;
}

void
lifecycle_free(struct lifecycle *l)
{
	if (l == NULL)
		return;
	event_free(l->check);
	free(l);
}

void
lifecycle_hold(struct lifecycle *l)
{
	l->in_flight++;
}

void
lifecycle_release(struct lifecycle *l)
{
	assert(l->in_flight > 0);
	l->in_flight--;
	maybe_drained(l);
}

void
lifecycle_hold_reply(struct lifecycle *l)
{
	l->unsent++;
}

void
lifecycle_release_reply(struct lifecycle *l)
{
	assert(l->unsent > 0);
	l->unsent--;
	maybe_drained(l);
}

void
lifecycle_drain(struct lifecycle *l)
{
	l->draining = true;
	maybe_drained(l);
}

bool
lifecycle_draining(const struct lifecycle *l)
{
	return l->draining;
}

bool
lifecycle_drained(const struct lifecycle *l)
{
	return l->draining && l->in_flight == 0 && l->unsent == 0;
}

unsigned
lifecycle_in_flight(const struct lifecycle *l)
{
	return l->in_flight;
}

unsigned
lifecycle_unsent(const struct lifecycle *l)
{
	return l->unsent;
}
