/*
 * ctl_queue_page.c: a page of queue.lua's as the line mashctl reads, for
 * a page (ctl_queue.c) and a stream (ctl_queue_stream.c). queue.lua
 * writes each item in its final shape (ISO 8601 times, the timers by
 * name, overdue, next_due), so the items' text goes through unparsed:
 * only the page's head (now, count, next, counts) is read here. mashd's
 * work on a page is then a copy, whatever its items hold.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mash/timeutil.h"

#include "clock.h"
#include "ctl.h"
#include "ctl_queue.h"
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

/* The items of queue.lua's answer, joined as a JSON array, after `start`
 * and before `tail`'s members: the line, or NULL. */
static char *
line_join(const redisReply *r, const char *start, const char *tail, size_t *len)
{
	size_t n = strlen(start) + strlen(tail) + r->elements + 2, at;
	char *line;

	for (size_t i = 1; i < r->elements; i++)
		n += r->element[i]->len;
	if ((line = malloc(n)) == NULL)
		return NULL;
	at = strlen(start);
	memcpy(line, start, at);
	line[at++] = '[';
	for (size_t i = 1; i < r->elements; i++) {
		if (i > 1)
			line[at++] = ',';
		memcpy(line + at, r->element[i]->str, r->element[i]->len);
		at += r->element[i]->len;
	}
	line[at++] = ']';
	line[at++] = ',';
	strcpy(line + at, tail + 1); /* the tail's members, and its } */
	*len = at + strlen(tail + 1);
	return line;
}

char *
ctl_queue_line(const redisReply *r, const char *zone, long long *sent,
	       char *next, size_t nextsz, size_t *len)
{
	json_t *head;
	char *tail, *line = NULL;
	long long total;

	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1)
		return NULL;
	for (size_t i = 0; i < r->elements; i++)
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    (i > 0 &&
		     (r->element[i]->len < 2 || r->element[i]->str[0] != '{')))
			return NULL;
	if ((head = json_loadb(r->element[0]->str, r->element[0]->len, 0,
			       NULL)) == NULL)
		return NULL;
	total = sent != NULL ? *sent + (long long)(r->elements - 1) : -1;
	snprintf(next, nextsz, "%s",
		 json_is_string(json_object_get(head, "next"))
		     ? json_string_value(json_object_get(head, "next"))
		     : "");
	tail = line_tail(head, zone, total);
	json_decref(head);
	if (tail != NULL &&
	    (line = line_join(r, LINE_START, tail, len)) != NULL &&
	    sent != NULL)
		*sent = total;
	free(tail);
	return line;
}
