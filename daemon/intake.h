/*
 * intake: the one write path every channel ends in (SPEC section 2): a
 * validated record is rated, its deadlines computed, and it is stored,
 * queued, scheduled and audited by one Lua call. The channel answers its
 * sender only from the callback, once Redis has the referral.
 */
#ifndef MASHD_INTAKE_H
#define MASHD_INTAKE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "mashd.h"

struct intake {
	const json_t *record; /* passed referral_validate() */
	const char *channel;  /* "web", "partner", "phone", "email" */
	const char *client;   /* who may read its status: a client name */
	const char *actor;    /* for the audit: "client:NAME", "uid:N(...)" */
	const char *idem;     /* Idempotency-Key, or NULL */
	int64_t now;	      /* the instant of receipt */
};

/*
 * Stored: `answer` is the JSON object to send ({"id","brag","received",
 * "status"}), `replayed` true when an idempotency key answered it.
 * Not stored: `answer` is NULL and `err` says why.
 */
typedef void intake_cb(const char *answer, const char *id, bool replayed,
		       const char *err, void *arg);

/*
 * 0 and cb later, exactly once; -1 at once, without calling cb, when the
 * store refuses new referrals: store_refusal() says why (Redis is
 * unreachable, or not durable).
 */
int intake_submit(struct mashd *d, const struct intake *in, intake_cb *cb,
		  void *arg);

#endif
