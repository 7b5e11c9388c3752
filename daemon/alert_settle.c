/*
 * alert_settle.c: see alert_settle.h.
 */
#include <string.h>

#include "mash/calendar.h"
#include "mash/words.h"

#include "alert_log.h"
#include "alert_plan.h"
#include "alert_settle.h"

int
alert_settle_args(const struct mash_config *c, const json_t *referrer,
		  const char *brag, bool hub_closed, int64_t now, json_t *args)
{
	/* The alerts submit.lua may queue, with the fields that decide
	 * their audience (the others do not change a plan). */
	const enum alert_event events[] = {EVENT_ACK, EVENT_RED, EVENT_REPEAT};
	json_t *settle = json_object();
	struct alert_plan pl;

	if (settle == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		const char *name = alert_event_names[events[i]];
		json_t *fields;

		if (events[i] == EVENT_RED && strcmp(brag, "red") != 0)
			continue;
		fields = json_pack("{ss ss}", "event", name, "brag", brag);
		if (fields == NULL)
			goto fail;
		if (events[i] == EVENT_RED &&
		    json_object_set_new(fields, "edt",
					json_string(hub_closed ? "1" : "0"))) {
			json_decref(fields);
			goto fail;
		}
		alert_plan_make(c, fields, referrer, NULL, &pl);
		json_decref(fields);
		/* Only a call-back: the task is what the alert comes to, and
		 * it is stored. An alert syslog alone carries is recorded
		 * "sent" only once its line is written, by alert.c: a reply
		 * lost, or a crash, after this call would leave it "sent"
		 * with no line written. */
		if (pl.nparts == 0 && pl.callback &&
		    json_object_set_new(settle, name,
					json_integer(calendar_next_open(
					    c->calendar, now))) != 0)
			goto fail;
	}
	return json_object_set_new(args, "settle", settle);
fail:
	json_decref(settle);
	return -1;
}

void
alert_settle_log(const struct mash_config *c, const json_t *settled)
{
	struct alert_plan pl;
	const json_t *s;
	size_t i;

	json_array_foreach(settled, i, s)
	{
		const char *id = json_string_value(json_object_get(s, "id"));
		const char *state =
		    json_string_value(json_object_get(s, "state"));
		const json_t *fields = json_object_get(s, "fields");

		if (id == NULL || state == NULL)
			continue;
		/* The roles do not depend on the referrer. */
		alert_plan_make(c, fields, NULL, NULL, &pl);
		alert_log_attempt(id, fields, pl.au.roles, 1);
		alert_log_outcome(id, fields, state, 1, "");
	}
}
