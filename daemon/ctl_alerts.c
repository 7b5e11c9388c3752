/*
 * ctl_alerts.c owns the control commands about the delivery of alerts
 * (SPEC section 7): alerts [state] and alert_retry ID for the
 * supervisors, callbacks [all] and called TASK NOTE for the navigators
 * who telephone the referrers no transport reaches. ctl_cmd.c's table
 * says who may run each.
 */
#include <string.h>

#include <jansson.h>

#include "mash/jfield.h"

#include "alert.h"
#include "clock.h"
#include "ctl.h"
#include "ctl_alerts.h"
#include "log.h"
#include "store.h"

/* alerts [state], alert_retry ID: the delivery of alerts (SPEC 7). */

static void
alerts_done(const json_t *r, const char *err, void *arg)
{
	struct ctl_conn *c = arg;
	static const char *const times[] = {"at", "next_at", "sent", "dead"};
	json_t *items, *a;
	size_t i;

	if (err != NULL) {
		ctl_error(c, "redis: %s", ctl_failure(err));
		goto done;
	}
	items = json_array();
	json_array_foreach(json_object_get(r, "alerts"), i, a)
	{
		json_t *o = json_deep_copy(a);

		if (o == NULL)
			continue;
		for (size_t k = 0; k < sizeof(times) / sizeof(times[0]); k++)
			json_object_set_new(o, times[k],
					    ctl_instant(a, times[k]));
		json_array_append_new(items, o);
	}
	ctl_send(c, json_pack("{sb so}", "ok", 1, "items", items));
done:
	ctl_done(c);
}

void
ctl_alerts_list(struct ctl_conn *c)
{
	const char *state = ctl_arg(c, "state");

	if (state != NULL && strcmp(state, "pending") &&
	    strcmp(state, "sent") && strcmp(state, "callback") &&
	    strcmp(state, "dead") && strcmp(state, "requeued")) {
		ctl_error(c,
			  "unknown state \"%s\": use pending, sent, "
			  "callback, dead or requeued",
			  state);
		return;
	}
	ctl_call(
	    c, SCRIPT_ALERTS,
	    json_pack("{si ss}", "count", 1000, "state", state ? state : ""),
	    alerts_done);
}

static void
retry_done(const json_t *r, const char *err, void *arg)
{
	struct ctl_conn *c = arg;
	const char *id = ctl_arg(c, "id");

	if (err != NULL) {
		ctl_error(c, "%s", ctl_refusal(err));
	} else {
		log_info("alert %s requeued as %s by %s", id, jfield(r, "id"),
			 ctl_actor(c));
		ctl_send(c, json_pack("{sb ss ss}", "ok", 1, "id", id,
				      "requeued_as", jfield(r, "id")));
		alert_kick(ctl_daemon(c)->alerts);
	}
	ctl_done(c);
}

void
ctl_alerts_retry(struct ctl_conn *c)
{
	const char *id = ctl_arg(c, "id");

	if (!ctl_stream_id(id)) { /* as mashctl alerts shows it */
		ctl_error(c, "\"%s\" is not an alert id (see mashctl alerts)",
			  id ? id : "");
		return;
	}
	ctl_call(c, SCRIPT_ALERT_RETRY,
		 json_pack("{ss ss sI}", "id", id, "actor", ctl_actor(c), "at",
			   (json_int_t)clock_now_ms()),
		 retry_done);
}

/*
 * callbacks [all], called TASK NOTE: the call-back tasks of referrers no
 * transport reaches (SPEC 7), for the navigators to telephone. The number
 * is shown to them here and nowhere else: never logged.
 */

#define CALLBACKS_LIMIT 1000

static void
callbacks_done(const json_t *r, const char *err, void *arg)
{
	struct ctl_conn *c = arg;
	static const char *const times[] = {"created", "due", "called_at"};
	static const char *const keep[] = {"phone", "called_by", "note"};
	json_t *items, *t;
	size_t i;

	if (err != NULL) {
		ctl_error(c, "redis: %s", ctl_failure(err));
		goto done;
	}
	/* Without its counts the answer is not callbacks.lua's: the list
	 * could not say what it left out. */
	if (!json_is_integer(json_object_get(r, "open")) ||
	    !json_is_integer(json_object_get(r, "closed"))) {
		ctl_error(c, "the referral store's answer is not of its shape");
		goto done;
	}
	items = json_array();
	json_array_foreach(json_object_get(r, "tasks"), i, t)
	{
		json_t *o = json_deep_copy(t);

		if (o == NULL)
			continue;
		for (size_t k = 0; k < sizeof(times) / sizeof(times[0]); k++)
			json_object_set_new(o, times[k],
					    ctl_instant(t, times[k]));
		for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
			if (json_object_get(o, keep[k]) == NULL)
				json_object_set_new(o, keep[k], json_null());
		json_array_append_new(items, o);
	}
	log_info("call-back tasks listed to %s", ctl_actor(c));
	/* No silent cap: the counts say what a list of CALLBACKS_LIMIT
	 * left out. */
	ctl_send(c, json_pack("{sb so sO sO}", "ok", 1, "items", items, "open",
			      json_object_get(r, "open"), "closed",
			      json_object_get(r, "closed")));
done:
	ctl_done(c);
}

void
ctl_alerts_callbacks(struct ctl_conn *c)
{
	ctl_call(c, SCRIPT_CALLBACKS,
		 json_pack("{ss sI sb si}", "actor", ctl_actor(c), "at",
			   (json_int_t)clock_now_ms(), "all",
			   json_is_true(json_object_get(ctl_request(c), "all")),
			   "limit", CALLBACKS_LIMIT),
		 callbacks_done);
}

static void
called_done(const json_t *r, const char *err, void *arg)
{
	struct ctl_conn *c = arg;
	const char *task = ctl_arg(c, "id");

	if (err != NULL) {
		ctl_error(c, "%s", ctl_refusal(err));
	} else {
		const char *ref = jfield(r, "ref");

		log_event(ref, NULL, "called",
			  "call-back task %s of %s closed by %s", task, ref,
			  ctl_actor(c));
		ctl_send(c, json_pack("{sb ss ss}", "ok", 1, "id", task, "ref",
				      ref));
	}
	ctl_done(c);
}

void
ctl_alerts_called(struct ctl_conn *c)
{
	const char *task = ctl_arg(c, "id"), *note;

	if (task == NULL || task[0] == '\0' || strlen(task) > 18 ||
	    strspn(task, "0123456789") != strlen(task)) {
		ctl_error(c,
			  "\"%s\" is not a call-back task id (see mashctl "
			  "callbacks)",
			  task ? task : "");
		return;
	}
	if ((note = ctl_text(c, "note",
			     "say what was said on the call (--note TEXT)")) ==
	    NULL)
		return;
	ctl_call(c, SCRIPT_CALLED,
		 json_pack("{ss ss sI ss}", "id", task, "actor", ctl_actor(c),
			   "at", (json_int_t)clock_now_ms(), "note", note),
		 called_done);
}
