/*
 * lifecycle: what mashd has in hand, and an orderly stop (mashd(8),
 * SIGNALS). Every module that takes work a stop must wait for holds it
 * here and releases it when done; none counts on its own and none calls
 * back into main.c. Two kinds of work are counted apart:
 *
 * - in flight: a request taken and not yet answered (it waits for Redis),
 *   an alert delivery not yet recorded. The metric
 *   mashd_requests_in_flight shows this count.
 * - replies: an answer (HTTP, control socket) queued and not yet written
 *   to its last byte.
 *
 * Once draining, the `drained` callback runs (once, from the event loop,
 * never from inside a release) when neither count is above zero, so a
 * caller may release one thing and hold the next in the same callback.
 *
 * A stop waits a grace for that. When it is over with work still in
 * hand, the `abandon` callback runs (once): it answers every request that
 * still waits with what mashd knows of it (stored, not stored, or
 * unknown and how to find out), as a reply held like any other. From
 * then on only replies are waited for: `drained` runs once none is left
 * unsent, or LIFECYCLE_FLUSH_SEC later whatever is left.
 */
#ifndef MASHD_LIFECYCLE_H
#define MASHD_LIFECYCLE_H

#include <stdbool.h>

#include <event2/event.h>

struct lifecycle;

typedef void lifecycle_cb(void *arg);

struct lifecycle *lifecycle_new(struct event_base *base, lifecycle_cb *drained,
				lifecycle_cb *abandon, void *arg);
/* Last of the modules: a release may come while the others are freed. */
void lifecycle_free(struct lifecycle *l);

/* In flight: every hold is released exactly once (asserted). */
void lifecycle_hold(struct lifecycle *l);
void lifecycle_release(struct lifecycle *l);
/* A reply being written: the same, counted apart. */
void lifecycle_hold_reply(struct lifecycle *l);
void lifecycle_release_reply(struct lifecycle *l);
/* Released as never to be written: its client has gone (counted, once
 * draining, for lifecycle_lost). */
void lifecycle_lose_reply(struct lifecycle *l);

/* Stop: take no new work; call `drained` once nothing is held, or
 * `abandon` after grace_sec seconds (see above). Once only. */
void lifecycle_drain(struct lifecycle *l, int grace_sec);
bool lifecycle_draining(const struct lifecycle *l);
/* Draining and nothing held any more (abandoned: no reply unsent). */
bool lifecycle_drained(const struct lifecycle *l);

unsigned lifecycle_in_flight(const struct lifecycle *l);
unsigned lifecycle_unsent(const struct lifecycle *l);
unsigned lifecycle_lost(const struct lifecycle *l);

#endif
