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

/* What became of a submission: each channel says exactly this. */
enum intake_outcome {
	INTAKE_STORED,	 /* Redis has it: stored now, or before (replayed) */
	INTAKE_CONFLICT, /* the key was used with another record: not stored */
	INTAKE_NOT_STORED, /* Redis does not have it: safe to send again */
};

struct intake_result {
	enum intake_outcome outcome;
	/* STORED: the JSON object to answer, {"id","brag","received",
	 * "status"}, always the same for one referral; else NULL. */
	const char *answer;
	const char *id;	 /* STORED */
	bool replayed;	 /* STORED by an earlier submission with this key */
	const char *err; /* not STORED: why, a sentence */
};

typedef void intake_cb(const struct intake_result *res, void *arg);

/* Idempotency keys are 1 to INTAKE_IDEM_MAX printable ASCII characters. */
#define INTAKE_IDEM_MAX 255
bool intake_idem_valid(const char *key);

/*
 * 0 and cb later, exactly once; -1 at once, without calling cb, when the
 * store refuses new referrals: store_refusal() says why (Redis is
 * unreachable, or not durable).
 */
int intake_submit(struct mashd *d, const struct intake *in, intake_cb *cb,
		  void *arg);

#endif
