/*
 * ctl_queue_stream.c: `queue` with "stream": every open referral from
 * the cursor on (mashctl queue --all --json), page after page on one
 * connection: each page its head line {"ok":true,"items":N}, its items
 * one a line, and its tail line {..., "next":CURSOR}, until the last,
 * whose "next" is null (mashctl copies each item as it came, reading
 * none: they are jansson's, made by queue_item.c). mashd holds two
 * pages at most: as one comes back the next is asked, before this one is
 * made, but only when the pages before are written down to CTL_OUT_MAX
 * unsent, else once they are (ctl_when_drained), so however long the
 * queue and however slowly the client reads, no answer is ever built
 * whole. A stream that cannot go on (Redis gone, or mashd stopping
 * while Redis hangs) ends with an error line that says how many referrals
 * were sent and where to go on from.
 *
 * Each page is chosen by one read-only call of queue.lua; between pages
 * the queue may change: the cursor (score and reference) names one place
 * in its order, so each referral open throughout is sent exactly once
 * (one re-rated meanwhile may be sent twice or not at all, as paging by
 * hand). A stream without filters (no owner, not unclaimed, not overdue)
 * asks queue.lua for the page's references alone and reads each referral
 * itself, a moment later (ctl_queue_read.c): one decided, claimed or
 * re-rated in between is shown as it is then, with its new status; its
 * place in the stream is the one it had when the page was chosen. A
 * filtered stream's items are read by queue.lua as it chooses them.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mash/calendar.h"
#include "mash/config.h"

#include "ctl.h"
#include "ctl_queue.h"
#include "ctl_queue_read.h"
#include "store.h"

struct qstream {
	struct ctl_conn *c;
	json_t *args;	/* queue.lua's, but "after" */
	char after[96]; /* where the next page starts: "" at first */
	long long sent; /* referrals sent so far */
	char *zone;	/* the hub's, for local times: kept, as a
			 * reload frees the configuration's */
	bool asking;	/* a page asked of Redis, not yet answered */
	bool cut;	/* said to be cut: ends as the page asked comes */
	/* Without filters: the pages' references asked of queue.lua, each
	 * referral read here (ctl_queue_read.c). */
	bool native;
	struct queue_items *q; /* the items' builder, kept */
	struct qread *reading; /* the page whose referrals are read */
	char reading_next[96]; /* the cursor after it */
	struct qread *held;    /* the next, come while it is read */
	char held_next[96];
	bool unasked;  /* the page after it could not be asked */
	char why[512]; /* "" or why the stream is cut once the
			* page read is sent */
};

static void page_done(const struct store_result *res, void *arg);
static void ids_done(const struct store_result *res, void *arg);

static void
stream_end(struct qstream *s)
{
	struct ctl_conn *c = s->c;

	ctl_on_abandon(c, NULL, NULL);
	json_decref(s->args);
	queue_items_free(s->q);
	qread_free(s->held);
	free(s->zone);
	free(s);
	ctl_done(c);
}

/* Ends once nothing is awaited from Redis. */
static void
stream_end_soon(struct qstream *s)
{
	s->cut = true;
	if (!s->asking && s->reading == NULL)
		stream_end(s);
}

/* The stream stops short: say so, and where to go on from; as an
 * unknown outcome when mashd stopped (mashctl exits 4, as mashd(8)
 * says). */
static void
stream_say_cut(struct qstream *s, const char *why, bool unknown)
{
	char msg[512];

	if (s->after[0] != '\0')
		snprintf(msg, sizeof(msg),
			 "%s: the list is cut after %lld referrals; go on "
			 "with --after %s",
			 why, s->sent, s->after);
	else
		snprintf(msg, sizeof(msg), "%s: no referral was sent", why);
	ctl_mend(msg);
	ctl_send(s->c, unknown ? json_pack("{sb ss ss}", "ok", 0, "outcome",
					   "unknown", "error", msg)
			       : json_pack("{sb ss}", "ok", 0, "error", msg));
}

/* A page was sent whose cursor is longer than mashd keeps (a queue
 * member that is no reference): the stream cannot go on from it. */
static void
stream_cut_long(struct qstream *s)
{
	char msg[256];

	snprintf(msg, sizeof(msg),
		 "the list is cut after %lld referrals: the cursor after them "
		 "is too long to go on from (a queue member that is no "
		 "reference)",
		 s->sent);
	ctl_send(s->c, json_pack("{sb ss}", "ok", 0, "error", msg));
	stream_end(s);
}

static void
stream_cut(struct qstream *s, const char *why)
{
	stream_say_cut(s, why, false);
	stream_end(s);
}

/* A stop's grace is over (ctl_abandon), the stream waiting for Redis or
 * for its client to read: the client is told where to go on from, after
 * the pages already queued, and why: the store that did not answer only
 * when a page was asked of it; the stream ends as its page comes back,
 * or once those pages are read (ctl_gone), asking Redis for no more. A
 * stream already said to be cut (its error line sent, waiting for the
 * page asked ahead) says nothing more: one last line a request. */
static void
stream_abandon(void *arg)
{
	struct qstream *s = arg;

	if (s->cut) { /* its last line is sent: it waits for Redis alone */
		ctl_abandoned(s->c);
		return;
	}
	stream_say_cut(s,
		       s->asking || s->reading != NULL
			   ? "mashd stopped before the referral store answered"
			   : "mashd stopped",
		       true);
	ctl_abandoned(s->c);
}

/* Ask Redis for the page after the cursor after: -1 when it cannot be
 * asked. */
static int
page_ask(struct qstream *s, const char *after)
{
	json_t *args = json_copy(s->args);

	if (args != NULL)
		json_object_set_new(args, "after", json_string(after));
	if (ctl_queue_ask(s->c, args, s->native ? ids_done : page_done, s) != 0)
		return -1;
	s->asking = true;
	return 0;
}

/* The pages before are written (ctl_when_drained): the next one. */
static void
page_next(struct ctl_conn *c, void *arg)
{
	struct qstream *s = arg;

	if (ctl_gone(c))
		stream_end_soon(s);
	else if (page_ask(s, s->after) != 0)
		stream_cut(s, "the referral store is unreachable");
}

/* A page came back: it is made and sent. When the pages before are
 * written already, the next is asked first, so that Redis reads it while
 * mashd makes this one (mashd holds two pages then, and at most two more
 * unsent past CTL_OUT_MAX); else it is asked once they are written
 * (ctl_when_drained), as the stream's bound says. */
static void
page_done(const struct store_result *res, void *arg)
{
	const redisReply *r = res->reply;
	const char *err = res->err;
	struct qstream *s = arg;
	char next[sizeof(s->after)], *line;
	bool ahead = false, unasked = false, long_next;
	size_t len;

	s->asking = false;
	if (ctl_gone(s->c) || s->cut) {
		stream_end(s);
		return;
	}
	if (err != NULL) {
		char why[512];

		if (strncmp(err, "ERR ", 4) == 0 && s->sent == 0) {
			ctl_error(s->c, "%s",
				  ctl_refusal(err)); /* a bad cursor */
			stream_end(s);
			return;
		}
		snprintf(why, sizeof(why), "redis: %s", ctl_failure(err));
		stream_cut(s, why);
		return;
	}
	long_next = ctl_queue_next(r, next, sizeof(next)) == 1;
	if (next[0] != '\0' && ctl_drained_now(s->c)) {
		unasked = page_ask(s, next) != 0;
		ahead = !unasked;
		/* sent now: else hiredis writes it once the loop turns, after
		 * this page is made, and Redis would wait on mashd */
		if (ahead)
			store_flush(ctl_daemon(s->c)->store);
	}
	/* The items made of what queue.lua read (queue_item.c). */
	line = ctl_queue_line(r, s->zone, &s->sent, next, sizeof(next), &len);
	if (line == NULL) {
		stream_say_cut(s, CTL_QUEUE_UNMADE, false);
		if (ahead)
			s->cut = true; /* it ends as the page asked comes */
		else
			stream_end(s);
		return;
	}
	ctl_send_text(s->c, line, len);
	free(line);
	memcpy(s->after, next, sizeof(s->after));
	if (long_next)
		stream_cut_long(s);
	else if (next[0] == '\0')
		stream_end(s);
	else if (unasked)
		stream_cut(s, "the referral store is unreachable");
	else if (!ahead)
		ctl_when_drained(s->c, page_next, s);
}

static bool
flag_in(const json_t *args, const char *name)
{
	return json_is_true(json_object_get(args, name));
}

/* ---- without filters: the referrals read here ----------------------- */

static void page_read(struct qstream *s, struct qread *r, const char *next);

/* A page's referrals read (ctl_queue_read.c): it is sent; then the next
 * page read, asked or waited for. */
static void
read_done(struct qread *r, void *arg)
{
	struct qstream *s = arg;
	const char *why;
	char *line;
	size_t len;
	bool long_next = qread_long_next(r);

	s->reading = NULL;
	if (ctl_gone(s->c) || s->cut) {
		qread_free(r);
		stream_end_soon(s);
		return;
	}
	if ((line = qread_page(r, &len, &why)) == NULL) {
		stream_say_cut(s, why, false); /* after the page before */
		qread_free(r);
		stream_end_soon(s);
		return;
	}
	s->sent += (long long)qread_count(r);
	qread_free(r);
	ctl_send_text(s->c, line, len);
	free(line);
	memcpy(s->after, s->reading_next, sizeof(s->after));
	if (long_next) {
		stream_cut_long(s); /* nothing was asked after it */
	} else if (s->after[0] == '\0') {
		stream_end_soon(s);
	} else if (s->why[0] != '\0') {
		stream_say_cut(s, s->why, false);
		stream_end_soon(s);
	} else if (s->held != NULL) {
		r = s->held;
		s->held = NULL;
		page_read(s, r, s->held_next);
	} else if (s->unasked) {
		stream_cut(s, "the referral store is unreachable");
	} else if (!s->asking) {
		ctl_when_drained(s->c, page_next, s);
	}
}

/* The page r's referrals asked of Redis; the page after it (cursor next)
 * asked too when the pages before are written, so that Redis chooses it
 * while mashd makes this one (the stream's bound: two pages). */
static void
page_read(struct qstream *s, struct qread *r, const char *next)
{
	struct store *st = ctl_daemon(s->c)->store;

	s->reading = r;
	snprintf(s->reading_next, sizeof(s->reading_next), "%s", next);
	s->unasked = false;
	qread_send(r, st, ctl_daemon(s->c)->conf->redis.prefix, s->q, read_done,
		   s);
	if (next[0] != '\0' && ctl_drained_now(s->c))
		s->unasked = page_ask(s, next) != 0;
	/* written now: else hiredis writes them once the loop turns */
	store_flush(st);
	if (!qread_busy(r))
		read_done(r, s);
}

/* queue.lua's answer: the page's head and references. */
static void
ids_done(const struct store_result *res, void *arg)
{
	struct qstream *s = arg;
	char next[sizeof(s->after)], why[512];
	long long before = s->sent;
	struct qread *r = NULL;

	s->asking = false;
	if (ctl_gone(s->c) || s->cut) {
		stream_end_soon(s);
		return;
	}
	if (res->err != NULL && strncmp(res->err, "ERR ", 4) == 0 &&
	    s->sent == 0 && s->reading == NULL) {
		ctl_error(s->c, "%s", ctl_refusal(res->err)); /* a bad cursor */
		stream_end(s);
		return;
	}
	if (s->reading != NULL)
		before += (long long)qread_count(s->reading);
	if (res->err != NULL)
		snprintf(why, sizeof(why), "redis: %s", ctl_failure(res->err));
	else if ((r = qread_new(res->reply, s->zone, before, next,
				sizeof(next))) == NULL)
		snprintf(why, sizeof(why), "%s", CTL_QUEUE_UNMADE);
	else
		why[0] = '\0';
	if (why[0] != '\0' && s->reading != NULL) {
		memcpy(s->why, why, sizeof(s->why)); /* once it is sent */
	} else if (why[0] != '\0') {
		stream_say_cut(s, why, false);
		stream_end_soon(s);
	} else if (s->reading != NULL) {
		s->held = r;
		memcpy(s->held_next, next, sizeof(s->held_next));
	} else {
		page_read(s, r, next);
	}
}

void
ctl_queue_stream(struct ctl_conn *c, json_t *args)

{
	const char *after = ctl_arg(c, "after");
	struct qstream *s;

	if (args == NULL || (s = calloc(1, sizeof(*s))) == NULL) {
		json_decref(args);
		ctl_error(c, "nothing was done: out of memory");
		return;
	}
	s->c = c;
	s->args = args;
	s->native = !flag_in(args, "unclaimed") && !flag_in(args, "overdue") &&
		    json_object_get(args, "owner") == NULL;
	if (s->native && (json_object_set_new(args, "ids", json_true()) != 0 ||
			  (s->q = queue_items_new()) == NULL)) {
		json_decref(s->args);
		free(s);
		ctl_error(c, "nothing was done: out of memory");
		return;
	}
	if ((s->zone = strdup(
		 calendar_options(ctl_daemon(c)->conf->calendar)->timezone)) ==
	    NULL) {
		json_decref(s->args);
		queue_items_free(s->q);
		free(s);
		ctl_error(c, "nothing was done: out of memory");
		return;
	}
	snprintf(s->after, sizeof(s->after), "%s", after ? after : "");
	if (page_ask(s, s->after) != 0) {
		json_decref(s->args);
		queue_items_free(s->q);
		free(s->zone);
		free(s);
		ctl_error(c, "the referral store is unreachable; try again");
		return;
	}
	ctl_wait(c, true);
	ctl_on_abandon(c, stream_abandon, s);
}
