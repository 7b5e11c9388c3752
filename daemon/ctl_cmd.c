/*
 * ctl_cmd.c owns the commands of the control socket: what each one checks
 * in its request, which script it calls, and the JSON it answers
 * (include/mash/protocol.h). ctl.c gives each its caller and sends its
 * answer; the table at the end says who may run what.
 *
 * A handler answers at once (ctl_send, ctl_error), or starts one Lua call
 * (ctl_call) whose callback answers and ends with ctl_done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mash/brag.h"
#include "mash/calendar.h"
#include "mash/config.h"
#include "mash/deadline.h"
#include "mash/referral.h"
#include "mash/timeutil.h"
#include "mash/words.h"
#include "mash/jfield.h"

#include "alert.h"
#include "clock.h"
#include "ctl.h"
#include "ctl_alerts.h"
#include "ctl_queue.h"
#include "ctl_screen.h"
#include "ctl_audit.h"
#include "ctl_report.h"
#include "ctl_find.h"
#include "ctl_explain.h"
#include "intake.h"
#include "log.h"
#include "metrics.h"
#include "scheduler.h"
#include "store.h"

/* decide's --actions: a few sentences for the referrer's mail. */
#define DECIDE_ACTIONS_MAX 1000

#define CASEWORK (CTL_ROLE(CTL_NAVIGATORS) | CTL_ROLE(CTL_SUPERVISORS))
#define ANYONE (CTL_ROLE(CTL_CALL_HANDLERS) | CASEWORK | CTL_ROLE(CTL_ADMINS))

static const char *
iso(const char *ms, char *buf)
{
	return mash_time_format(strtoll(ms, NULL, 10), buf);
}

static json_int_t
now_ms(void)
{
	return (json_int_t)clock_now_ms();
}

/* status: the figures of GET /metrics, for a person (metrics.h). */

static void
status_done(const struct figures *f, const char *err, void *arg)
{
	struct ctl_conn *c = arg;
	json_t *o = metrics_json(f);

	(void)err; /* "redis": "down" says it */
	json_object_set_new(o, "ok", json_true());
	ctl_audit_status(c, o); /* sends it, with the audit's last check */
}

static void
cmd_status(struct ctl_conn *c)
{
	struct figures f;
	json_t *o;

	/* Held once sent, so the figures do not count their own request. */
	if (metrics_collect(ctl_daemon(c), status_done, c) == 0) {
		ctl_wait(c, true);
		return;
	}
	metrics_local(ctl_daemon(c), &f);
	o = metrics_json(&f);
	json_object_set_new(o, "ok", json_true());
	ctl_send(c, o);
}

/* show ID */

static void
show_done(const json_t *r, const char *err, void *arg)
{
	struct ctl_conn *c = arg;
	const char *id = ctl_arg(c, "id");
	json_t *ref, *timers, *f;
	char buf[MASH_TIME_BUFSZ];
	size_t i;

	if (err != NULL) {
		if (strncmp(err, "ERR ", 4) == 0) /* show.lua refused */
			ctl_error(c, "%s", ctl_refusal(err));
		else
			ctl_error(c, "redis: %s", ctl_failure(err));
		goto done;
	}
	if (json_array_size(json_object_get(r, "fields")) == 0) {
		ctl_error(c, "no referral %s", id);
		goto done;
	}
	ref = json_object();
	timers = json_object();
	json_array_foreach(json_object_get(r, "fields"), i, f)
	{
		const char *k = jfield(f, "name"), *v = jfield(f, "value");
		const char *colon = strchr(k, ':');

		if (colon != NULL) { /* due:T, fired:T, stopped:T */
			char what[16];
			json_t *t = json_object_get(timers, colon + 1);

			if (t == NULL) {
				t = json_pack("{snsnsn}", "due", "fired",
					      "stopped");
				json_object_set_new(timers, colon + 1, t);
			}
			snprintf(what, sizeof(what), "%.*s", (int)(colon - k),
				 k);
			json_object_set_new(t, what, json_string(iso(v, buf)));
		} else if (strcmp(k, "record") == 0 ||
			   strcmp(k, "repeat") == 0) {
			json_t *rec = json_loads(v, 0, NULL);

			/* A damaged record is shown as damaged, not fatal. */
			json_object_set_new(
			    ref, k, rec ? rec : json_string("(unreadable)"));
		} else if (strcmp(k, "received") == 0 ||
			   strcmp(k, "updated") == 0 ||
			   strcmp(k, "decided") == 0 ||
			   strcmp(k, "confirmed") == 0 ||
			   strcmp(k, "screened") == 0 ||
			   strcmp(k, "reopened") == 0) {
			json_object_set_new(ref, k, json_string(iso(v, buf)));
		} else {
			json_object_set_new(ref, k, json_string(v));
		}
	}
	json_object_set_new(ref, "timers", timers);
	log_event(id, NULL, "show", "referral %s shown to %s", id,
		  ctl_actor(c));
	ref = json_pack("{sb so}", "ok", 1, "referral", ref);
	ctl_find_show_history(r, ref);
	ctl_send(c, ref);
done:
	ctl_done(c);
}

static void
cmd_show(struct ctl_conn *c)
{
	const char *id = ctl_ref(c);

	if (id == NULL)
		return;
	ctl_call(c, SCRIPT_SHOW,
		 json_pack("{ss ss sI}", "id", id, "actor", ctl_actor(c), "at",
			   now_ms()),
		 show_done);
}

/* decide ID OUTCOME REASON, confirm ID: state changes, one script each. */

static void
cmd_decide(struct ctl_conn *c)
{
	const char *id, *outcome, *reason, *actions;
	char names[128];

	if ((id = ctl_ref(c)) == NULL)
		return;
	outcome = ctl_arg(c, "outcome");
	reason = ctl_arg(c, "reason");
	/* What was done, for the referrer (seed 001); optional. */
	if ((actions = ctl_arg(c, "actions")) == NULL)
		actions = "";
	if (words_find(outcome_names, OUTCOME_COUNT, outcome) < 0) {
		ctl_error(c, "unknown outcome \"%s\": use %s",
			  outcome ? outcome : "",
			  words_join(outcome_names, OUTCOME_COUNT, names,
				     sizeof(names)));
		return;
	}
	if (reason == NULL || reason[strspn(reason, " \t\r\n")] == '\0') {
		ctl_error(c, "a decision needs a reason (--reason TEXT)");
		return;
	}
	if (strlen(actions) > DECIDE_ACTIONS_MAX) {
		ctl_error(c, "--actions is too long: at most %d characters",
			  DECIDE_ACTIONS_MAX);
		return;
	}
	ctl_call(c, SCRIPT_DECIDE,
		 json_pack("{ss ss ss ss sI ss}", "id", id, "outcome", outcome,
			   "reason", reason, "actor", ctl_actor(c), "at",
			   now_ms(), "actions", actions),
		 ctl_changed);
}

static void
cmd_confirm(struct ctl_conn *c)
{
	const char *id;

	if ((id = ctl_ref(c)) == NULL)
		return;
	ctl_call(c, SCRIPT_CONFIRM,
		 json_pack("{ss ss sI ss}", "id", id, "actor", ctl_actor(c),
			   "at", now_ms(), "how", "mashctl"),
		 ctl_changed);
}

/* submit RECORD [IDEMPOTENCY_KEY]: a call handler's telephone referral. */
static void
submit_done(const struct intake_result *res, void *arg)
{
	struct ctl_conn *c = arg;
	json_t *o = res->answer ? json_loads(res->answer, 0, NULL) : NULL;

	ctl_on_abandon(c, NULL, NULL);
	if (o != NULL) /* stored: the answer every channel gives */
		json_object_set_new(o, "ok", json_true());
	else /* ss*: no key when NULL */
		o = json_pack("{sb ss ss ss*}", "ok", 0, "error", res->say,
			      "outcome", intake_outcome_name(res->outcome),
			      "idempotency_key",
			      res->outcome == INTAKE_UNKNOWN ? res->key : NULL);
	ctl_send(c, o);
	/* intake counted the request in flight, and has uncounted it. */
	ctl_done(c);
}

/* A stop's grace is over: intake answers, as its own (ctl_abandon). */
static void
submit_abandon(void *arg)
{
	intake_abandon(arg);
}

static void
cmd_submit(struct ctl_conn *c)
{
	json_t *rec = json_object_get(ctl_request(c), "record");
	json_t *key = json_object_get(ctl_request(c), "idempotency_key");
	struct intake_pending *ip;
	struct referral_error rerr;
	struct intake it;

	it.now = clock_now_ms();
	if (!json_is_object(rec) ||
	    (key != NULL && !intake_idem_valid(json_string_value(key)))) {
		ctl_error(c, "submit needs a \"record\" object, and an "
			     "idempotency_key of 1 to 255 printable characters "
			     "if any");
		return;
	}
	if (referral_validate(rec, it.now, &rerr) != 0) {
		log_info("telephone referral from %s refused: %s", ctl_actor(c),
			 rerr.field[0] ? rerr.field : "not a record");
		ctl_send(c, json_pack("{sb ss ss}", "ok", 0, "error",
				      rerr.message, "field", rerr.field));
		return;
	}
	it.record = rec;
	it.channel = channel_names[CHANNEL_PHONE];
	it.client = channel_names[CHANNEL_PHONE];
	it.actor = ctl_actor(c);
	it.idem = json_string_value(key);
	if (intake_submit(ctl_daemon(c), &it, submit_done, c, &ip) != 0) {
		const char *why = store_refusal(ctl_daemon(c)->store);

		ctl_error(c, "%s; nothing was stored, try again",
			  why ? why : "the referral store is unreachable");
		return;
	}
	ctl_wait(c, false); /* intake holds it */
	ctl_on_abandon(c, submit_abandon, ip);
}

/* claim ID [force], release ID [force], rate ID BRAG REASON, note ID
 * TEXT, history ID: the navigators' workflow (issue 5). */

static bool
forced(struct ctl_conn *c)
{
	return json_is_true(json_object_get(ctl_request(c), "force"));
}

static void
cmd_claim_release(struct ctl_conn *c, const char *what)
{
	const char *id = ctl_ref(c);

	if (id == NULL)
		return;
	if (forced(c) && !(ctl_roles(c) & CTL_ROLE(CTL_SUPERVISORS))) {
		ctl_error(c, "--force is for supervisors");
		return;
	}
	ctl_call(c, SCRIPT_CLAIM,
		 json_pack("{ss ss sI ss sb}", "id", id, "actor", ctl_actor(c),
			   "at", now_ms(), "what", what, "force", forced(c)),
		 ctl_changed);
}

static void
cmd_claim(struct ctl_conn *c)
{
	cmd_claim_release(c, "claim");
}

static void
cmd_release(struct ctl_conn *c)
{
	cmd_claim_release(c, "release");
}

static void
cmd_rate(struct ctl_conn *c)
{
	const struct mash_config *conf = ctl_daemon(c)->conf;
	const char *id, *bname, *reason;
	int64_t now = clock_now_ms(), due;
	enum brag b;
	json_t *args;

	if ((id = ctl_ref(c)) == NULL)
		return;
	bname = ctl_arg(c, "brag");
	if (brag_parse(bname, &b) != 0) {
		ctl_error(c,
			  "unknown BRAG rating \"%s\": use red, amber, "
			  "green or blue",
			  bname ? bname : "");
		return;
	}
	if ((reason = ctl_text(c, "reason",
			       "a re-rating needs a reason (--reason TEXT)")) ==
	    NULL)
		return;
	args =
	    json_pack("{ss ss sI ss ss sb sb}", "id", id, "actor", ctl_actor(c),
		      "at", (json_int_t)now, "brag", brag_name(b), "reason",
		      reason, "closed", !calendar_is_open(conf->calendar, now),
		      "force", (ctl_roles(c) & CTL_ROLE(CTL_SUPERVISORS)) != 0);
	/* None when the new rating has no screening target. */
	due = deadline_after(conf->calendar, &conf->timers.screening[b], now);
	if (args != NULL && due != 0) {
		json_object_set_new(args, "screening_due",
				    json_integer((json_int_t)due));
		due = deadline_screening_escalate(conf->calendar, &conf->timers,
						  due);
		if (due != 0)
			json_object_set_new(args, "screening_escalate_due",
					    json_integer((json_int_t)due));
	}
	ctl_call(c, SCRIPT_RATE, args, ctl_changed);
}

static void
cmd_note(struct ctl_conn *c)
{
	const char *id = ctl_ref(c), *text;

	if (id == NULL ||
	    (text = ctl_text(c, "text", "a note needs text")) == NULL)
		return;
	ctl_call(c, SCRIPT_NOTE,
		 json_pack("{ss ss sI ss}", "id", id, "actor", ctl_actor(c),
			   "at", now_ms(), "text", text),
		 ctl_changed);
}

static void
history_done(const json_t *r, const char *err, void *arg)
{
	struct ctl_conn *c = arg;
	const char *id = ctl_arg(c, "id");
	char buf[MASH_TIME_BUFSZ];
	json_t *items, *e;
	size_t i;

	if (err != NULL) {
		ctl_error(c, "%s", ctl_refusal(err));
		goto done;
	}
	items = json_array();
	json_array_foreach(json_object_get(r, "events"), i, e)
	{
		json_array_append_new(items,
				      json_pack("{ss ss ss ss}", "at",
						iso(jfield(e, "at"), buf),
						"actor", jfield(e, "actor"),
						"action", jfield(e, "action"),
						"detail", jfield(e, "detail")));
	}
	log_event(id, NULL, "history", "referral %s history read by %s", id,
		  ctl_actor(c));
	ctl_send(c, json_pack("{sb so}", "ok", 1, "items", items));
done:
	ctl_done(c);
}

static void
cmd_history(struct ctl_conn *c)
{
	const char *id = ctl_ref(c);

	if (id == NULL)
		return;
	ctl_call(c, SCRIPT_HISTORY,
		 json_pack("{ss ss sI}", "id", id, "actor", ctl_actor(c), "at",
			   now_ms()),
		 history_done);
}

/* Who may do what (issue 5): call handlers create; navigators work the
 * queue and make the call-backs; supervisors also force, re-rate anything
 * and see the alerts; admins operate but see no case content. */
const struct ctl_command ctl_commands[] = {
    {"status", cmd_status, ANYONE},
    {"queue", ctl_queue, CASEWORK | CTL_ROLE(CTL_ADMINS)},
    {"watch", ctl_watch, CASEWORK | CTL_ROLE(CTL_ADMINS)},
    {"show", cmd_show, CASEWORK},
    {"history", cmd_history, CASEWORK},
    {"claim", cmd_claim, CASEWORK},
    {"release", cmd_release, CASEWORK},
    {"rate", cmd_rate, CASEWORK},
    {"note", cmd_note, CASEWORK},
    {"decide", cmd_decide, CASEWORK},
    {"confirm", cmd_confirm, CASEWORK},
    {"screen", ctl_screen, CASEWORK},
    {"reopen", ctl_reopen, CTL_ROLE(CTL_SUPERVISORS)},
    {"submit", cmd_submit, CTL_ROLE(CTL_CALL_HANDLERS) | CASEWORK},
    {"alerts", ctl_alerts_list,
     CTL_ROLE(CTL_SUPERVISORS) | CTL_ROLE(CTL_ADMINS)},
    {"alert_retry", ctl_alerts_retry, CTL_ROLE(CTL_SUPERVISORS)},
    {"callbacks", ctl_alerts_callbacks, CASEWORK},
    {"called", ctl_alerts_called, CASEWORK},
    {"audit_verify", ctl_audit_verify,
     CTL_ROLE(CTL_SUPERVISORS) | CTL_ROLE(CTL_ADMINS)},
    {"report", ctl_report, CASEWORK | CTL_ROLE(CTL_ADMINS)},
    {"resolve", ctl_find_resolve, ANYONE},
    {"list", ctl_find_list, CASEWORK},
    {"child", ctl_find_child, CASEWORK},
    {"explain", ctl_explain, CASEWORK},
};

const size_t ctl_ncommands = sizeof(ctl_commands) / sizeof(ctl_commands[0]);
