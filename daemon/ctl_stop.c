/*
 * ctl_stop.c: the end of a stop's grace on the control socket (ctl.h,
 * lifecycle.h). No request is read any more; each that still waits for
 * Redis is answered now with what mashd knows: a telephone referral by
 * intake (unknown, with the key that recovers it), any other request that
 * mashd stopped before the referral store answered. The answer is held
 * and written like any other; the command's own callback, which comes
 * when the store is freed, then writes nothing.
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
	/* A stream waiting for its client to read waits for no one else:
	 * it ends as mashd exits (ctl_free). */
	if (c->dead || c->drained != NULL)
		return;
	if (fn != NULL) {
		c->abandon = NULL;
		fn(c->abandon_arg); /* answers, and ends the request */
		return;
	}
	ctl_send(c,
		 json_pack("{sb ss ss}", "ok", 0, "outcome", "unknown", "error",
			   "mashd stopped before the referral store "
			   "answered"));
	if (c->held) {
		c->held = false;
		lifecycle_release(c->ctl->d->life);
	}
	c->dead = true; /* the command's answer, when it comes, is not sent */
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
