/*
 * ctl_queue_item.c: one open referral as the `queue` command shows it to
 * mashctl, made from one of queue.lua's items: its times in UTC ISO 8601,
 * its timers by name, the deadlines passed (overdue) and the next to
 * come. Shared by a page (ctl_queue.c) and a stream (ctl_queue_stream.c).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mash/brag.h"
#include "mash/timeutil.h"
#include "mash/words.h"

#include "ctl.h"
#include "ctl_queue.h"

static const char *
iso(const char *ms, char *buf)
{
	return mash_time_format(strtoll(ms, NULL, 10), buf);
}

/* The timers of a queue.lua item, by name, and the deadlines fired and
 * not stopped (late) and the next one to come (next). */
static json_t *
item_timers(const json_t *e, json_t *late, json_t **next)
{
	char buf[MASH_TIME_BUFSZ];
	json_t *timers = json_object(), *t;
	const char *next_timer = NULL;
	long long next_due = 0;
	size_t i;

	json_array_foreach(json_object_get(e, "timers"), i, t)
	{
		const char *name = ctl_str(t, "timer"),
			   *due = ctl_str(t, "due");
		enum timer_kind k;

		json_object_set_new(
		    timers, name,
		    json_pack("{ss so so}", "due", iso(due, buf), "fired",
			      ctl_instant(t, "fired"), "stopped",
			      ctl_instant(t, "stopped")));
		if (ctl_str(t, "stopped")[0] ||
		    (timer_parse(name, &k) == 0 && timer_words[k].warning))
			continue;
		if (ctl_str(t, "fired")[0])
			json_array_append_new(late, json_string(name));
		else if (next_timer == NULL ||
			 strtoll(due, NULL, 10) < next_due) {
			next_timer = name;
			next_due = strtoll(due, NULL, 10);
		}
	}
	*next = next_timer == NULL
		    ? json_null()
		    : json_pack("{ss ss}", "timer", next_timer, "due",
				mash_time_format(next_due, buf));
	return timers;
}

/* A queue item for mashctl, from one of queue.lua's items. */
json_t *
ctl_queue_item(const json_t *e)
{
	char buf[MASH_TIME_BUFSZ];
	json_t *late = json_array(), *next, *item, *cats = json_array(), *v;
	json_t *timers = item_timers(e, late, &next);
	const json_t *rep = json_object_get(e, "repeat_count");
	size_t i;

	/* An empty Lua table comes as {}: no categories. */
	json_array_foreach(json_object_get(e, "categories"), i, v)
	{
		json_array_append(cats, v);
	}
	item = json_pack("{ss ss ss ss ss so so so so}", "id", ctl_str(e, "id"),
			 "brag", ctl_str(e, "brag"), "status",
			 ctl_str(e, "status"), "channel", ctl_str(e, "channel"),
			 "received", iso(ctl_str(e, "received"), buf),
			 "categories", cats, "overdue", late, "timers", timers,
			 "next_due", next);
	json_object_set_new(item, "owner",
			    ctl_str(e, "owner")[0]
				? json_string(ctl_str(e, "owner"))
				: json_null());
	json_object_set_new(
	    item, "repeat",
	    json_is_number(rep)
		? json_integer((json_int_t)json_number_value(rep))
		: json_null());
	return item;
}
