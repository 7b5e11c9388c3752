/*
 * ladder.c owns the reminder ladder; see ladder.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mash/deadline.h"
#include "mash/words.h"
#include "mash/jfield.h"

#include "alert_text.h"
#include "ladder.h"
#include "lifecycle.h"
#include "log.h"
#include "mashd.h"
#include "store.h"

/* A rung fired later than this (mashd was away) starts the next interval
 * from its firing, so a long outage sends one reminder, not a burst. */
#define LADDER_LATE_MS 60000
/* Rungs held while a backlog of timers fires, at most (then sent). */
#define LADDER_HOLD_MAX 100000

/* The ladder.lua calls held while a backlog fires (d->timers_behind):
 * [{at, items}], and how many items they hold. */
static json_t *held;
static size_t held_items;

/* What main.c gave: told when a rung is scheduled (the scheduler). */
static void (*on_scheduled)(void *);
static void *on_scheduled_arg;

void
ladder_on_scheduled(void (*fn)(void *), void *arg)
{
	on_scheduled = fn;
	on_scheduled_arg = arg;
}

static void
scheduled(const json_t *r, const char *err, void *arg)
{
	struct mashd *d = arg;

	lifecycle_release(d->life);
	if (err != NULL) {
		log_warnx("timers: cannot schedule an overdue reminder: %s",
			  err);
		return;
	}
	if (json_integer_value(json_object_get(r, "scheduled")) > 0 &&
	    on_scheduled != NULL)
		on_scheduled(on_scheduled_arg);
}

/* The rung after `after` of referral `id`, due from `due`, onto `items`. */
static void
item(struct mashd *d, json_t *items, const char *id, long after, int64_t due,
     int64_t now)
{
	const struct deadline_rules *r = &d->conf->timers;
	int64_t next;
	char num[32];

	if (r->overdue_repeat.unit == SPAN_NONE || id[0] == '\0' || after < 0)
		return;
	if (now - due > LADDER_LATE_MS)
		due = now;
	if ((next = deadline_after(d->conf->calendar, &r->overdue_repeat,
				   due)) == 0)
		return;
	snprintf(num, sizeof(num), "%lld", (long long)next);
	json_array_append_new(items, json_pack("{ss sI ss}", "id", id, "after",
					       (json_int_t)after, "due", num));
}

/* One ladder.lua call for the rungs of `items`, when there are any. */
static void
send_items(struct mashd *d, json_t *items, int64_t now)
{
	size_t n;

	if (items == NULL || json_array_size(items) == 0) {
		json_decref(items);
		return;
	}
	if (d->timers_behind && !lifecycle_draining(d->life) &&
	    held_items < LADDER_HOLD_MAX &&
	    (held != NULL || (held = json_array()) != NULL)) {
		held_items += json_array_size(items);
		json_array_append_new(held, json_pack("{sI so}", "at",
						      (json_int_t)now, "items",
						      items));
		return;
	}
	/* A stop waits for it: rungs sent are rungs written. (items goes
	 * with the arguments, freed at once when Redis is away.) */
	n = json_array_size(items);
	lifecycle_hold(d->life);
	if (store_call_json(
		d->store, SCRIPT_LADDER,
		json_pack("{sI so}", "at", (json_int_t)now, "items", items),
		scheduled, d) != 0) {
		lifecycle_release(d->life);
		log_warnx("timers: cannot schedule %zu overdue reminder(s): "
			  "redis is unreachable",
			  n);
	}
}

void
ladder_schedule(struct mashd *d, const char *id, long after, int64_t due,
		int64_t now)
{
	json_t *items = json_array();

	if (items != NULL)
		item(d, items, id, after, due, now);
	send_items(d, items, now);
}

void
ladder_fired(struct mashd *d, const json_t *fired, int64_t now)
{
	json_t *items = json_array();
	const json_t *e;
	size_t i;

	json_array_foreach(fired, i, e)
	{
		const char *id = jfield(e, "id"), *timer = jfield(e, "timer");
		long after;

		if (items == NULL)
			break;
		if (strcmp(timer, timer_name(TIMER_DECISION)) == 0)
			after = 0;
		else if (strcmp(timer, timer_name(TIMER_OVERDUE_REMINDER)) == 0)
			after = strtol(jfield(e, "rung"), NULL, 10);
		else
			continue;
		item(d, items, id, after, strtoll(jfield(e, "due"), NULL, 10),
		     now);
	}
	send_items(d, items, now);
}

void
ladder_resume(struct mashd *d)
{
	json_t *calls = held;
	const json_t *c;
	size_t i;

	held = NULL;
	held_items = 0;
	json_array_foreach(calls, i, c)
	{
		send_items(d, json_incref(json_object_get(c, "items")),
			   json_integer_value(json_object_get(c, "at")));
	}
	json_decref(calls);
}

unsigned
ladder_audience(const struct mash_config *c, const json_t *fields, unsigned to)
{
	long rung;

	if (strcmp(jfield(fields, "event"),
		   alert_event_names[EVENT_OVERDUE_REMINDER]) != 0)
		return to;
	rung = strtol(jfield(fields, "rung"), NULL, 10);
	if (rung >= c->timers.overdue_supervisor)
		to |= ALERT_TO_ROLE(ROLE_SUPERVISORS);
	if (rung >= c->timers.overdue_manager)
		to |= ALERT_TO_ROLE(ROLE_MANAGERS);
	return to;
}

const char *
ladder_holder(const json_t *fields, char *buf, size_t len)
{
	const char *ev = jfield(fields, "event"), *h = jfield(fields, "holder");
	const char *open = strchr(h, '('), *close;
	size_t n;

	if (strcmp(ev, alert_event_names[EVENT_OVERDUE]) != 0 &&
	    strcmp(ev, alert_event_names[EVENT_OVERDUE_REMINDER]) != 0)
		return NULL;
	if (open == NULL || (close = strchr(open, ')')) == NULL ||
	    (n = (size_t)(close - open - 1)) == 0 || n >= len)
		return NULL;
	memcpy(buf, open + 1, n);
	buf[n] = '\0';
	/* A login name only: nothing that could address another host. */
	if (strspn(buf, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n ||
	    buf[0] == '-')
		return NULL;
	return buf;
}
