/*
 * alert_batch.c gathers delivery results into calls of alert_result.lua;
 * see alert_batch.h.
 *
 * Invariants: every result added is answered exactly once: from the
 * answer of the call that carried it, or at once when the call could not
 * be sent. A batch being filled holds at most ALERT_BATCH_SIZE results;
 * the timer runs while it holds any. A sent batch owns its results until
 * its answer.
 */
#include <stdlib.h>

#include <event2/event.h>

#include "mash/calendar.h"
#include "mash/config.h"

#include "alert_batch.h"
#include "clock.h"
#include "lifecycle.h"
#include "log.h"
#include "store.h"

struct result {
	alert_batch_cb *cb;
	void *arg;
};

struct sent {
	struct alert_batch *b;
	struct result r[ALERT_BATCH_SIZE];
	size_t n;
};

struct alert_batch {
	struct mashd *d;
	struct event *timer;
	json_t *results; /* the batch being filled */
	struct result r[ALERT_BATCH_SIZE];
	size_t n;
	size_t waiting; /* added, not yet answered */
};

static void
answer(struct alert_batch *b, struct result *r, const char *state,
       const char *err)
{
	b->waiting--;
	r->cb(state, err, r->arg);
}

static void
sent_done(const json_t *reply, const char *err, void *arg)
{
	struct sent *s = arg;
	const json_t *states = json_object_get(reply, "states");

	for (size_t i = 0; i < s->n; i++) {
		const char *st = json_string_value(json_array_get(states, i));

		if (err == NULL && st == NULL)
			err = "odd reply from redis";
		answer(s->b, &s->r[i], err ? NULL : st, err);
	}
	free(s);
}

/* The batch being filled goes to Redis now. Its results leave the
 * batch first: an answer given here may add the next one. */
static void
flush(struct alert_batch *b)
{
	struct sent *s = calloc(1, sizeof(*s));
	json_t *args = json_pack("{so}", "results", b->results);

	if (s == NULL || (b->results = json_array()) == NULL)
		fatalx("alert_batch: out of memory");
	evtimer_del(b->timer);
	s->b = b;
	s->n = b->n;
	for (size_t i = 0; i < b->n; i++)
		s->r[i] = b->r[i];
	b->n = 0;
	if (store_call_json(b->d->store, SCRIPT_ALERT_RESULT, args, sent_done,
			    s) != 0) {
		for (size_t i = 0; i < s->n; i++)
			answer(b, &s->r[i], NULL, "redis unreachable");
		free(s);
	}
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	flush(arg);
}

struct alert_batch *
alert_batch_new(struct mashd *d)
{
	struct alert_batch *b = calloc(1, sizeof(*b));

	if (b == NULL ||
	    (b->timer = evtimer_new(d->base, timer_cb, b)) == NULL ||
	    (b->results = json_array()) == NULL)
		fatalx("alert_batch_new: out of memory");
	b->d = d;
	return b;
}

void
alert_batch_free(struct alert_batch *b)
{
	if (b == NULL)
		return;
	event_free(b->timer);
	json_decref(b->results);
	free(b);
}

json_t *
alert_batch_result(const struct mash_config *c, const char *id,
		   json_int_t attempts, const char *error, json_t *done,
		   bool callback)
{
	int64_t wait = c->alerts.retry_first, now = clock_now_ms();
	json_t *args;

	for (json_int_t i = 0; i < attempts && wait < c->alerts.retry_max; i++)
		wait *= 2;
	if (wait > c->alerts.retry_max)
		wait = c->alerts.retry_max;
	args = json_pack("{ss sI sI si ss so}", "id", id, "now",
			 (json_int_t)now, "next_at",
			 (json_int_t)(now + wait * 1000), "max_attempts",
			 c->alerts.attempts, "error", error, "done", done);
	/* A call-back is due when the hub is next open (now, if it is). */
	if (callback && args != NULL)
		json_object_set_new(
		    args, "callback_due",
		    json_integer(calendar_next_open(c->calendar, now)));
	return args;
}

void
alert_batch_add(struct alert_batch *b, json_t *result, alert_batch_cb *cb,
		void *arg)
{
	int ms = b->d->conf->alerts.record_delay_ms;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	b->waiting++;
	if (result == NULL || json_array_append_new(b->results, result) != 0) {
		answer(b, &(struct result){cb, arg}, NULL, "out of memory");
		return;
	}
	b->r[b->n++] = (struct result){cb, arg};
	if (b->n == ALERT_BATCH_SIZE || ms == 0 ||
	    lifecycle_draining(b->d->life))
		flush(b);
	else if (b->n == 1)
		evtimer_add(b->timer, &tv);
}

void
alert_batch_flush(struct alert_batch *b)
{
	if (b->n > 0)
		flush(b);
}

size_t
alert_batch_waiting(const struct alert_batch *b)
{
	return b->waiting;
}
