/*
 * intake: the one write path every channel ends in (SPEC section 2): a
 * validated record is rated, its deadlines computed, and it is stored,
 * queued, scheduled and audited by one Lua call. The channel answers its
 * sender only from the callback, once Redis has the referral.
 */
#ifndef MASHD_INTAKE_H
#define MASHD_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mashd.h"

struct intake {
	const json_t *record; /* passed referral_validate() */
	const char *channel;  /* "web", "partner", "phone", "email" */
	const char *client;   /* who may read its status: a client name */
	const char *actor;    /* for the audit: "client:NAME", "uid:N(...)" */
	const char *idem;     /* the sender's idempotency key, or NULL */
	int64_t now;	      /* the instant of receipt */
};

/*
 * What became of a submission: each channel says exactly this, never
 * more than mashd knows.
 *
 * Every submission has an idempotency key: the sender's, or one intake
 * makes at random before the call. When the reply is lost after the call
 * was sent (the connection dropped or timed out), intake waits for Redis
 * again, until redis.timeout + 1 s after the submission, and looks
 * the key up: the answer is then STORED or NOT_STORED; only when it
 * cannot find out in time is it UNKNOWN, with the key that recovers it.
 */
enum intake_outcome {
	INTAKE_STORED,	 /* Redis has it: stored now, or before (replayed) */
	INTAKE_CONFLICT, /* the key was used with another record: not stored */
	INTAKE_NOT_STORED, /* Redis does not have it, and never will */
	INTAKE_UNKNOWN,	   /* not known: sending it again with `key` is safe */
};

struct intake_result {
	enum intake_outcome outcome;
	/* STORED: the JSON object to answer, {"id","brag","received",
	 * "status"}, always the same for one referral; else NULL. */
	const char *answer;
	const char *id;	 /* STORED; CONFLICT: the one holding the key */
	bool replayed;	 /* STORED by an earlier submission with this key */
	const char *err; /* not STORED: why, a sentence for the log */
	const char *say; /* not STORED: what every channel tells its sender */
	const char *key; /* the idempotency key it was sent with */
};

typedef void intake_cb(const struct intake_result *res, void *arg);

/* "stored", "conflict", "not_stored", "unknown": as answers say it. */
const char *intake_outcome_name(enum intake_outcome o);

/* Idempotency keys are 1 to INTAKE_IDEM_MAX printable ASCII characters. */
#define INTAKE_IDEM_MAX 255
bool intake_idem_valid(const char *key);
/* A key made of bytes: `prefix` (at most 7 characters) and their
 * SHA-256, so the same message sent again is the same referral. */
#define INTAKE_KEY_OF_LEN (8 + 64)
void intake_key_of(const char *prefix, const void *buf, size_t len,
		   char out[INTAKE_KEY_OF_LEN]);

/*
 * The child's key of repeat detection for a record's child (first_name,
 * last_name, dob or expected_date): hex HMAC-SHA256 under `secret`, so
 * Redis holds no name; "" when secret is NULL or empty. mashctl's `child`
 * finds a child's referrals by it.
 */
#define INTAKE_CHILD_KEY_LEN (2 * 64 + 1)
void intake_child_key(const char *secret, const json_t *rec,
		      char out[INTAKE_CHILD_KEY_LEN]);

/*
 * 0 and cb later, exactly once, within redis.timeout + 1 s; -1 at once,
 * without calling cb, when the store refuses new referrals:
 * store_refusal() says why (Redis is unreachable, or not durable).
 * *handle (unless NULL) is then the submission, for intake_abandon(),
 * until cb runs.
 */
struct intake_pending;
int intake_submit(struct mashd *d, const struct intake *in, intake_cb *cb,
		  void *arg, struct intake_pending **handle);
/*
 * mashd stops and cannot wait for Redis any more: cb runs now with
 * INTAKE_UNKNOWN (the call was sent: Redis may have run it, or may when
 * it resumes), saying how to recover, as it would when Redis does not
 * answer in time. A late reply is still logged, as after any UNKNOWN.
 */
void intake_abandon(struct intake_pending *p);

#endif
