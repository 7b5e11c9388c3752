/*
 * lifecycle.c owns the counts of work in hand and the stop; see
 * lifecycle.h.
 *
 * Invariant: `drained` runs at most once, from l->check, an event made
 * active when draining and both counts are zero (once abandoned, when no
 * reply is left unsent), or from l->flush; it checks again when it runs,
 * since something may have been held in between.
 */
#include <assert.h>
#include <stdlib.h>

#include "lifecycle.h"
#include "log.h"

/* How long the answers given at the end of the grace may take to be
 * written before the loop exits all the same (a client not reading). */
#define LIFECYCLE_FLUSH_SEC 2

struct lifecycle {
	struct event *check;
	struct event *grace; /* its end: abandon what is in hand */
	struct event *flush; /* then the answers' last chance to be written */
	lifecycle_cb *drained;
	lifecycle_cb *abandon;
	void *arg;
	unsigned in_flight;
	unsigned unsent;
	unsigned lost; /* replies never written, their clients gone, since
			* the stop began */
	bool draining;
	bool abandoned; /* the grace is over: replies only are waited for */
	bool done;	/* `drained` was called */
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

/* The answers given at the end of the grace are not all written yet:
 * exit all the same; main.c logs what was left. */
static void
flush_over(evutil_socket_t fd, short what, void *arg)
{
	struct lifecycle *l = arg;

	(void)fd;
	(void)what;
	if (l->done)
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

/*
 * The grace is over and work is still in hand: `abandon` answers each
 * request that waits (for Redis) with what mashd knows of it; the stop
 * then waits for those answers to be written, not for the work.
 */
static void
grace_over(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval flush = {LIFECYCLE_FLUSH_SEC, 0};
	struct lifecycle *l = arg;

	(void)fd;
	(void)what;
	if (l->done || lifecycle_drained(l)) /* l->check exits, or has */
		return;
	log_event_warnx(NULL, NULL, "stop_grace",
			"stop: the grace is over with %u request(s) in flight "
			"and %u repl(ies) not yet sent; answering each request "
			"still waiting, then stopping",
			l->in_flight, l->unsent);
	l->abandoned = true;
	if (l->abandon != NULL)
		l->abandon(l->arg);
	evtimer_add(l->flush, &flush);
	maybe_drained(l);
}

struct lifecycle *
lifecycle_new(struct event_base *base, lifecycle_cb *drained,
	      lifecycle_cb *abandon, void *arg)
{
	struct lifecycle *l = calloc(1, sizeof(*l));

	if (l == NULL ||
	    (l->check = event_new(base, -1, 0, check, l)) == NULL ||
	    (l->grace = evtimer_new(base, grace_over, l)) == NULL ||
	    (l->flush = evtimer_new(base, flush_over, l)) == NULL)
		fatalx("lifecycle_new: out of memory");
	l->drained = drained;
	l->abandon = abandon;
	l->arg = arg;
	return l;
}

void
lifecycle_free(struct lifecycle *l)
{
	if (l == NULL)
		return;
	event_free(l->check);
	event_free(l->grace);
	event_free(l->flush);
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
lifecycle_lose_reply(struct lifecycle *l)
{
	if (l->draining)
		l->lost++;
	lifecycle_release_reply(l);
}

void
lifecycle_drain(struct lifecycle *l, int grace_sec)
{
	struct timeval grace = {grace_sec, 0};

	if (l->draining)
		return;
	l->draining = true;
	evtimer_add(l->grace, &grace);
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
	return l->draining && (l->in_flight == 0 || l->abandoned) &&
	       l->unsent == 0;
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

unsigned
lifecycle_lost(const struct lifecycle *l)
{
	return l->lost;
}
