/*
 * ctl_stop.c: the end of a stop's grace on the control socket (ctl.h,
 * lifecycle.h). No request is read any more; each that still waits for
 * Redis is answered now with what mashd knows: a telephone referral by
 * intake (unknown, with the key that recovers it), any other request that
 * mashd stopped before the referral store answered; a stream that the
 * list is cut, and where to go on from. The answer is held and written
 * like any other (the connection is freed once it is); the command's own
 * callback, which comes when Redis answers or the store is freed, then
 * writes nothing and ends the request.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "ctl.h"
#include "ctl_int.h"
#include "lifecycle.h"

void
ctl_on_abandon(struct ctl_conn *c, void (*fn)(void *arg), void *arg)
{
	c->abandon = fn;
	c->abandon_arg = arg;
}

void
ctl_abandoned(struct ctl_conn *c)
{
	if (c->held) {
		c->held = false;
		lifecycle_release(c->ctl->d->life);
	}
	c->abandoned = true; /* cleared as the request ends (ctl_done) */
}

static void
conn_abandon(struct ctl_conn *c)
{
	void (*fn)(void *) = c->abandon;

	/* Lines not read yet were never begun: nothing of them was done. */
	c->eof = true;
	if (!c->dead) {
		struct evbuffer *in = bufferevent_get_input(c->bev);

		bufferevent_disable(c->bev, EV_READ);
		evbuffer_drain(in, evbuffer_get_length(in));
	}
	if (!c->busy) {
		conn_maybe_free(c); /* once its answers are written */
		return;
	}
	if (c->dead)
		return;	  /* no one to tell */
	if (fn != NULL) { /* a stream, also one waiting for its client */
		c->abandon = NULL;
		fn(c->abandon_arg); /* answers; ends, or ctl_abandoned() */
		return;
	}
	ctl_send(c,
		 json_pack("{sb ss ss}", "ok", 0, "outcome", "unknown", "error",
			   "mashd stopped before the referral store "
			   "answered"));
	ctl_abandoned(c);
}

void
ctl_abandon(struct ctl *ctl)
{
	struct ctl_conn *c, *next;

	if (ctl == NULL)
		return;
	for (c = LIST_FIRST(&ctl->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		conn_abandon(c);
	}
}
