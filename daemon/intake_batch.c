/*
 * intake_batch.c owns the group commit of submissions; see
 * intake_batch.h.
 *
 * Invariants:
 * - Every submission accepted ends in exactly one call of its callback:
 *   with its own slot of the call that carried it, or with that call's
 *   outcome when the call had no answer (STORE_UNKNOWN, STORE_NOT_RUN,
 *   an error reply), or, never sent, STORE_NOT_RUN when Redis was lost
 *   (see batch_send_one) and STORE_NOT_RUN when mashd stops
 *   (intake_batch_close: before the store goes, so the calls it fails
 *   send nothing more).
 * - Waiting submissions go in the order they came, and a call's slots in
 *   that order: the audit chain and the idempotency keys see them as if
 *   each had been its own call, one after the other.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "intake_batch.h"

struct item {
	TAILQ_ENTRY(item) entry;
	json_t *args;
	intake_batch_cb *cb;
	void *arg;
};
TAILQ_HEAD(items, item);

struct intake_batch {
	struct mashd *d;
	struct items waiting;
	int inflight;
	bool closed; /* mashd stops: nothing more is sent */
};

/* One call in flight: its items, in order; several: its args hold
 * "submissions". */
struct sent {
	struct intake_batch *b;
	struct items items;
	bool several;
};

static void batch_send(struct intake_batch *b);

struct intake_batch *
intake_batch_new(struct mashd *d)
{
	struct intake_batch *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->d = d;
	TAILQ_INIT(&b->waiting);
	return b;
}

static void
item_answer(struct item *it, const struct store_result *sr,
	    const json_t *answer)
{
	it->cb(sr, answer, it->arg);
	json_decref(it->args);
	free(it);
}

/* Every item of `list` told the same outcome (no answer of its own). */
static void
items_fail(struct items *list, const struct store_result *sr)
{
	struct item *it;

	while ((it = TAILQ_FIRST(list)) != NULL) {
		TAILQ_REMOVE(list, it, entry);
		item_answer(it, sr, NULL);
	}
}

void
intake_batch_close(struct intake_batch *b)
{
	struct store_result sr = {STORE_NOT_RUN, NULL,
				  "mashd stopped before sending it", false};

	if (b == NULL)
		return;
	b->closed = true;
	items_fail(&b->waiting, &sr);
}

void
intake_batch_free(struct intake_batch *b)
{
	intake_batch_close(b);
	free(b);
}

/* The call's JSON answer: the object, or, for several, {"results"}. */
static void
sent_reply(const struct store_result *sr, void *arg)
{
	struct sent *s = arg;
	struct intake_batch *b = s->b;
	json_t *o = NULL, *results;
	struct item *it;
	size_t i = 0;

	b->inflight--;
	batch_send(b); /* those waiting go while this call's are answered */
	if (sr->outcome == STORE_DONE && sr->err == NULL &&
	    sr->reply->type == REDIS_REPLY_STRING)
		o = json_loadb(sr->reply->str, sr->reply->len, 0, NULL);
	results = s->several ? json_object_get(o, "results") : NULL;
	if (s->several && o != NULL && !json_is_array(results)) {
		json_decref(o); /* unreadable: each looked up by its key */
		o = results = NULL;
	}
	while ((it = TAILQ_FIRST(&s->items)) != NULL) {
		const json_t *answer =
		    s->several ? json_array_get(results, i++) : o;

		TAILQ_REMOVE(&s->items, it, entry);
		item_answer(it, sr, answer);
	}
	json_decref(o);
	free(s);
}

/* What a submission adds to a call's argument, about. */
static size_t
item_bytes(const struct item *it)
{
	return json_string_length(json_object_get(it->args, "record")) + 1024;
}

/* The next call's items moved from `waiting` to s->items; its argument. */
static json_t *
batch_take(struct intake_batch *b, struct sent *s)
{
	json_t *list = json_array(), *args;
	size_t n = 0, bytes = 0;
	struct item *it;

	if (list == NULL)
		return NULL;
	while ((it = TAILQ_FIRST(&b->waiting)) != NULL &&
	       n < INTAKE_BATCH_MAX &&
	       (n == 0 || bytes + item_bytes(it) <= INTAKE_BATCH_BYTES)) {
		if (json_array_append(list, it->args) != 0)
			break;
		TAILQ_REMOVE(&b->waiting, it, entry);
		TAILQ_INSERT_TAIL(&s->items, it, entry);
		bytes += item_bytes(it);
		n++;
	}
	s->several = n > 1;
	if (!s->several) {
		json_decref(list);
		return n == 1 ? json_incref(TAILQ_FIRST(&s->items)->args)
			      : NULL;
	}
	args = json_pack("{so}", "submissions", list); /* takes list */
	return args;
}

/* The call of s's items with `args`: 0 when sent. */
static int
sent_call(struct intake_batch *b, struct sent *s, const json_t *args)
{
	if (store_call_object(b->d->store, SCRIPT_SUBMIT, args, sent_reply,
			      s) != 0)
		return -1;
	b->inflight++;
	return 0;
}

/*
 * One call of what waits: 0 when sent. When it cannot go (the connection
 * was lost with the call before), all that waits is told STORE_NOT_RUN:
 * none of it left mashd, so Redis cannot have it, and no later reply
 * would send it.
 */
static int
batch_send_one(struct intake_batch *b)
{
	struct store_result sr = {
	    STORE_NOT_RUN, NULL,
	    "the connection to redis was lost before it was sent", false};
	struct sent *s = calloc(1, sizeof(*s));
	json_t *args = NULL;

	if (s != NULL) {
		s->b = b;
		TAILQ_INIT(&s->items);
		args = batch_take(b, s);
	}
	if (args != NULL && sent_call(b, s, args) == 0) {
		json_decref(args);
		return 0;
	}
	json_decref(args);
	if (s != NULL) {
		TAILQ_CONCAT(&s->items, &b->waiting, entry);
		items_fail(&s->items, &sr);
	} else {
		items_fail(&b->waiting, &sr);
	}
	free(s);
	return -1;
}

/* `it` added, what waits would be more than one call takes: what waits
 * goes first, at once. */
static bool
batch_full(const struct intake_batch *b, const struct item *it)
{
	const struct item *w;
	size_t n = 0, bytes = item_bytes(it);

	TAILQ_FOREACH(w, &b->waiting, entry)
	{
		n++;
		bytes += item_bytes(w);
	}
	return n >= INTAKE_BATCH_MAX || (n > 0 && bytes > INTAKE_BATCH_BYTES);
}

/* Send what waits, while fewer than INTAKE_BATCH_INFLIGHT calls are in
 * flight. */
static void
batch_send(struct intake_batch *b)
{
	while (!b->closed && b->inflight < INTAKE_BATCH_INFLIGHT &&
	       !TAILQ_EMPTY(&b->waiting))
		batch_send_one(b);
}

int
intake_batch_submit(struct intake_batch *b, json_t *args, intake_batch_cb *cb,
		    void *arg)
{
	struct item *it;
	struct sent *s = NULL;

	if (b->closed || (it = calloc(1, sizeof(*it))) == NULL)
		return -1;
	it->args = json_incref(args);
	it->cb = cb;
	it->arg = arg;
	/* Nothing waits while fewer calls are in flight (batch_send). What
	 * waits is at most one call's worth: a whole one goes at once, so
	 * none waits behind more than the calls in flight when it came. */
	if (b->inflight >= INTAKE_BATCH_INFLIGHT) {
		if (!batch_full(b, it) || batch_send_one(b) == 0) {
			TAILQ_INSERT_TAIL(&b->waiting, it, entry);
			return 1;
		}
		goto fail; /* Redis is not reachable */
	}
	/* Alone, at once, as if there were no batches. */
	if ((s = calloc(1, sizeof(*s))) != NULL) {
		s->b = b;
		TAILQ_INIT(&s->items);
		TAILQ_INSERT_TAIL(&s->items, it, entry);
		if (sent_call(b, s, args) == 0)
			return 0;
	}
fail:
	json_decref(it->args);
	free(it);
	free(s);
	return -1;
}

int
intake_batch_cancel(struct intake_batch *b, const void *arg)
{
	struct item *it;

	TAILQ_FOREACH(it, &b->waiting, entry)
	{
		if (it->arg == arg) {
			TAILQ_REMOVE(&b->waiting, it, entry);
			json_decref(it->args);
			free(it);
			return 0;
		}
	}
	return -1;
}
