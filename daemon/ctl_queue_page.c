/*
 * ctl_queue_page.c: a page of queue.lua's as the text mashctl reads,
 * for a page (ctl_queue.c: one line) and a stream (ctl_queue_stream.c:
 * a head line, an item a line, a tail line). queue.lua
 * selects and reads the referrals; each item's JSON is made here
 * (queue_item.c), the page's head (now, count, next, counts) read.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mash/timeutil.h"

#include "clock.h"
#include "ctl.h"
#include "ctl_queue.h"
#include "queue_item.h"
#include "store.h"

#define LINE_START "{\"ok\":true,\"items\":"

int
ctl_queue_ask(struct ctl_conn *c, json_t *args, store_outcome_cb *cb, void *arg)
{
	int rc = args != NULL ? store_call_object(ctl_daemon(c)->store,
						  SCRIPT_QUEUE, args, cb, arg)
			      : -1;

	json_decref(args);
	return rc;
}

/* The line's members after its items, as a JSON object's text. */
static char *
line_tail(const json_t *head, const char *zone, long long sent)
{
	char buf[MASH_TIME_BUFSZ];
	const json_t *now = json_object_get(head, "now");
	const json_t *next = json_object_get(head, "next");
	json_t *o = json_object();
	char *text;

	json_object_set_new(o, "now",
			    json_is_string(now) ? json_incref((json_t *)now)
						: json_string(mash_time_format(
						      clock_now_ms(), buf)));
	json_object_set_new(o, "zone", json_string(zone));
	if (sent >= 0)
		json_object_set_new(o, "sent", json_integer(sent));
	json_object_set_new(o, "next",
			    json_is_string(next) ? json_incref((json_t *)next)
						 : json_null());
	if (sent < 0 && json_is_object(json_object_get(head, "counts")))
		json_object_set(o, "counts", json_object_get(head, "counts"));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

/* How a page's items are framed: the text before them (`open`), between
 * two (`sep`), after the last (`close`, and `none` when there is none),
 * then `rest`. */
struct framing {
	const char *start, *open, *sep, *close, *none, *rest;
};

static size_t
frame_room(const struct framing *f)
{
	return strlen(f->sep) + strlen(f->close) + strlen(f->rest) + 1;
}

/* The text: the items of queue.lua's answer made (queue_item.c) and
 * framed by f; NULL when an item is not queue.lua's, or memory ran out. */
static char *
line_join(const redisReply *r, const struct framing *f, size_t *len)
{
	size_t at = strlen(f->start) + strlen(f->open), room = frame_room(f);
	size_t cap = at + room + 700 * r->elements;
	struct queue_items *q = queue_items_new();
	char *line = malloc(cap);
	bool ok = q != NULL && line != NULL;

	if (ok)
		snprintf(line, cap, "%s%s", f->start, f->open);
	for (size_t i = 1; ok && i < r->elements; i++) {
		if (i > 1) {
			memcpy(line + at, f->sep, strlen(f->sep));
			at += strlen(f->sep);
		}
		ok = queue_item_append(q, r->element[i], &line, &at, &cap) == 0;
		/* room for the next separator, or the end */
		if (ok && cap - at < room) {
			char *b = realloc(line, cap = at + room + 700);

			ok = b != NULL;
			line = ok ? b : line;
		}
	}
	queue_items_free(q);
	if (!ok) {
		free(line);
		return NULL;
	}
	at += (size_t)snprintf(line + at, cap - at, "%s%s",
			       r->elements > 1 ? f->close : f->none, f->rest);
	*len = at;
	return line;
}

/* queue.lua's answer's head, parsed (the caller's to free), the cursor
 * of the page after it into next ("" for none, or when it does not fit:
 * then *long_next, as one cut would be asked for another page); NULL
 * when r is not queue.lua's. A page names the cursor whole (its tail is
 * made of the head), a stream cannot go on from it. */
static json_t *
page_head(const redisReply *r, char *next, size_t nextsz, bool *long_next)
{
	json_t *head, *n;

	next[0] = '\0';
	*long_next = false;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    (head = json_loadb(r->element[0]->str, r->element[0]->len, 0,
			       NULL)) == NULL)
		return NULL;
	if (json_is_string(n = json_object_get(head, "next")) &&
	    (size_t)snprintf(next, nextsz, "%s", json_string_value(n)) >=
		nextsz) {
		next[0] = '\0';
		*long_next = true;
	}
	return head;
}

int
ctl_queue_next(const redisReply *r, char *next, size_t nextsz)
{
	bool long_next;
	json_t *head = page_head(r, next, nextsz, &long_next);

	if (head == NULL)
		return -1;
	json_decref(head);
	return long_next ? 1 : 0;
}

char *
ctl_queue_tail(const redisReply *r, const char *zone, long long sent,
	       char *next, size_t nextsz, bool *long_next)
{
	json_t *head = page_head(r, next, nextsz, long_next);
	char *tail;

	if (head == NULL)
		return NULL;
	tail = line_tail(head, zone, sent);
	json_decref(head);
	return tail;
}

char *
ctl_queue_line(const redisReply *r, const char *zone, long long *sent,
	       char *next, size_t nextsz, size_t *len)
{
	json_t *head;
	char *tail, *line = NULL;
	long long total;
	bool long_next;

	if ((head = page_head(r, next, nextsz, &long_next)) == NULL)
		return NULL;
	total = sent != NULL ? *sent + (long long)(r->elements - 1) : -1;
	tail = line_tail(head, zone, total);
	json_decref(head);
	if (tail != NULL && sent != NULL) {
		/* a stream's page: its head, an item a line, its tail */
		char start[64];
		struct framing f = {start, "", "\n", "\n", "", tail};

		snprintf(start, sizeof(start), "{\"ok\":true,\"items\":%zu}\n",
			 r->elements - 1);
		if ((line = line_join(r, &f, len)) != NULL)
			*sent = total;
	} else if (tail != NULL) {
		/* a page: one line, its items an array, the tail's members
		 * after them */
		struct framing f = {LINE_START, "[", ",", "],", "],", tail + 1};

		line = line_join(r, &f, len);
	}
	free(tail);
	return line;
}
