/*
 * ctl_explain.c: explain ID [TIMER]. explain.lua reads the referral's
 * timers with the instant each started and why (and audits the read);
 * each due time is then worked out again from its start by the rules in
 * force, through the same walk that computes it (explain.c), and the
 * steps are answered beside the due time mashd stored. When the two
 * differ (the rules changed and no reload followed) the answer says so
 * rather than pretend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mash/brag.h"
#include "mash/config.h"
#include "mash/deadline.h"
#include "mash/explain.h"
#include "mash/timeutil.h"
#include "mash/words.h"
#include "mash/jfield.h"

#include "clock.h"
#include "ctl.h"
#include "ctl_explain.h"
#include "log.h"
#include "mashd.h"
#include "store.h"

static int64_t
ms_of(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v != NULL && v[0] != '\0' ? strtoll(v, NULL, 10) : 0;
}

static json_t *
iso_or_null(int64_t ms)
{
	char buf[MASH_TIME_BUFSZ];

	return ms ? json_string(mash_time_format(ms, buf)) : json_null();
}

/* Why a timer has no walk though a start is stored: none, its own
 * start is damaged, or the start of the timer its due time hangs on. */
enum start_damage { START_OK, START_DAMAGED, BASE_DAMAGED };

/* Is timer t's stored start damaged: no instant (not a number, or past
 * the year 9999 or as far before 1970), so no due time is computed from
 * it? */
static bool
start_damaged(const json_t *t)
{
	const char *v = jfield(t, "start");
	int64_t ms = ms_of(t, "start");

	return v[0] != '\0' && (ms == 0 || !mash_instant_ok(ms));
}

/* The walked due time of every timer the stored answer `r` lists, and
 * whether its start is damaged. */
static void
walk_all(const struct mash_config *conf, const json_t *r, enum brag b,
	 int64_t walked[TIMER_COUNT], enum start_damage bad[TIMER_COUNT],
	 json_t *out[TIMER_COUNT])
{
	const json_t *t;
	size_t i;

	/* Those the warnings hang on first: decision and screening. */
	for (int pass = 0; pass < 2; pass++)
		json_array_foreach(json_object_get(r, "timers"), i, t)
		{
			struct explain_in in = {0};
			enum timer_kind k;
			bool derived;

			if (timer_parse(jfield(t, "timer"), &k) != 0)
				continue;
			derived = k == TIMER_DECISION_WARNING ||
				  k == TIMER_SCREENING_ESCALATE;
			if (derived != (pass == 1))
				continue;
			in.timer = k;
			in.brag = b;
			in.start = ms_of(t, "start");
			in.why = jfield(t, "why");
			bad[k] = start_damaged(t) ? START_DAMAGED : START_OK;
			if (k == TIMER_DECISION_WARNING)
				in.base = walked[TIMER_DECISION];
			else if (k == TIMER_SCREENING_ESCALATE)
				in.base = walked[TIMER_SCREENING];
			if (derived && bad[k] == START_OK &&
			    bad[k == TIMER_DECISION_WARNING
				    ? TIMER_DECISION
				    : TIMER_SCREENING] != START_OK)
				bad[k] = BASE_DAMAGED;
			json_decref(out[k]); /* listed twice: the last */
			out[k] = explain_timer(conf->calendar, &conf->timers,
					       &in, &walked[k]);
		}
}

/* What mashd stored of timer t beside the walk `o`: its due time, when
 * it fired or stopped, and whether the walk agrees. */
static void
stored(json_t *o, const json_t *t, int64_t walked, enum start_damage bad)
{
	static const char *const why_none[] = {
	    "mashd keeps no start for this timer: its due time was set when "
	    "the one before it fired",
	    "the stored start is damaged (no time, or past the year 9999): "
	    "no due time can be computed from it",
	    "the stored start of the timer this one hangs on is damaged (no "
	    "time, or past the year 9999): no due time can be computed from "
	    "it"};
	int64_t due = ms_of(t, "due");
	const char *detail = jfield(t, "detail");

	json_object_set_new(o, "stored_due", iso_or_null(due));
	json_object_set_new(o, "fired", iso_or_null(ms_of(t, "fired")));
	json_object_set_new(o, "stopped", iso_or_null(ms_of(t, "stopped")));
	if (detail[0] != '\0')
		json_object_set_new(o, "detail", json_string(detail));
	if (json_object_get(t, "rung") != NULL)
		json_object_set_new(o, "rung", json_integer(ms_of(t, "rung")));
	json_object_set_new(o, "agrees", json_boolean(walked == due));
	if (walked != due && json_object_get(o, "note") == NULL)
		json_object_set_new(
		    o, "note",
		    json_string(walked == 0
				    ? why_none[bad]
				    : "the rules in force give another due "
				      "time than the one stored: they changed "
				      "since; a reload (SIGHUP) works every "
				      "open referral out again"));
}

static void
explain_done(const json_t *r, const char *err, void *arg)
{
	struct ctl_conn *c = arg;
	const struct mash_config *conf = ctl_daemon(c)->conf;
	const char *id = ctl_arg(c, "id"), *want = ctl_arg(c, "timer");
	int64_t walked[TIMER_COUNT] = {0};
	enum start_damage bad[TIMER_COUNT] = {START_OK};
	json_t *out[TIMER_COUNT] = {NULL}, *list, *t;
	enum brag b = BRAG_AMBER;
	size_t i;

	if (err != NULL) {
		if (strncmp(err, "ERR ", 4) == 0) /* explain.lua refused */
			ctl_error(c, "%s", ctl_refusal(err));
		else
			ctl_error(c, "redis: %s", ctl_failure(err));
		goto done;
	}
	if (json_object_get(r, "received") == NULL) {
		ctl_error(c, "no referral %s", id);
		goto done;
	}
	(void)brag_parse(jfield(r, "brag"), &b);
	walk_all(conf, r, b, walked, bad, out);
	list = json_array();
	json_array_foreach(json_object_get(r, "timers"), i, t)
	{
		enum timer_kind k;

		if (timer_parse(jfield(t, "timer"), &k) != 0 || out[k] == NULL)
			continue;
		stored(out[k], t, walked[k], bad[k]);
		if (want == NULL || strcmp(want, timer_name(k)) == 0)
			json_array_append(list, out[k]);
	}
	for (int k = 0; k < TIMER_COUNT; k++)
		json_decref(out[k]);
	if (want != NULL && json_array_size(list) == 0) {
		json_decref(list);
		ctl_error(c, "referral %s has no %s timer", id, want);
		goto done;
	}
	log_event(id, NULL, "explain", "referral %s: due times explained to %s",
		  id, ctl_actor(c));
	ctl_send(
	    c, json_pack("{sb ss so ss ss ss so so so}", "ok", 1, "id", id,
			 "received", iso_or_null(ms_of(r, "received")), "brag",
			 jfield(r, "brag"), "channel", jfield(r, "channel"),
			 "status", jfield(r, "status"), "reopened",
			 iso_or_null(ms_of(r, "reopened")), "decided",
			 iso_or_null(ms_of(r, "decided")), "timers", list));
done:
	ctl_done(c);
}

void
ctl_explain(struct ctl_conn *c)
{
	const char *id = ctl_ref(c), *want;
	enum timer_kind k;
	char names[160];

	if (id == NULL)
		return;
	want = ctl_arg(c, "timer");
	if (want != NULL && timer_parse(want, &k) != 0) {
		const char *all[TIMER_COUNT];

		for (int i = 0; i < TIMER_COUNT; i++)
			all[i] = timer_name((enum timer_kind)i);
		ctl_error(c, "unknown timer \"%s\": use %s", want,
			  words_join(all, TIMER_COUNT, names, sizeof(names)));
		return;
	}
	ctl_call(c, SCRIPT_EXPLAIN,
		 json_pack("{ss ss sI ss*}", "id", id, "actor", ctl_actor(c),
			   "at", (json_int_t)clock_now_ms(), "timer", want),
		 explain_done);
}
