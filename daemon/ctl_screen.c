/*
 * ctl_screen.c owns the control commands screen ID REASON (a navigator
 * records the screening done) and reopen ID REASON (a supervisor reopens
 * a decided referral to correct its decision). Each is one script
 * (screen.lua, reopen.lua); ctl_cmd.c's table says who may run each.
 */
#include <jansson.h>

#include "alert.h"
#include "clock.h"
#include "ctl.h"
#include "ctl_screen.h"
#include "log.h"
#include "scheduler.h"
#include "store.h"

void
ctl_changed(const json_t *r, const char *err, void *arg)
{
	struct ctl_conn *c = arg;
	const char *cmd = ctl_arg(c, "cmd"), *id = ctl_arg(c, "id");

	(void)r;
	if (err != NULL) {
		ctl_error(c, "%s", ctl_refusal(err));
	} else {
		log_event(id, NULL, cmd, "referral %s %s by %s", id, cmd,
			  ctl_actor(c));
		ctl_send(c, json_pack("{sb ss}", "ok", 1, "id", id));
		scheduler_kick(ctl_daemon(c)->sched);
		alert_kick(ctl_daemon(c)->alerts);
	}
	ctl_done(c);
}

/* A change of referral `id` with its required reason, by one script. */
static void
with_reason(struct ctl_conn *c, enum store_script s, const char *what)
{
	const char *id = ctl_ref(c), *reason;

	if (id == NULL || (reason = ctl_text(c, "reason", what)) == NULL)
		return;
	ctl_call(c, s,
		 json_pack("{ss ss sI ss}", "id", id, "actor", ctl_actor(c),
			   "at", (json_int_t)clock_now_ms(), "reason", reason),
		 ctl_changed);
}

void
ctl_screen(struct ctl_conn *c)
{
	with_reason(c, SCRIPT_SCREEN,
		    "recording a screening needs a reason (--reason TEXT)");
}

void
ctl_reopen(struct ctl_conn *c)
{
	with_reason(c, SCRIPT_REOPEN,
		    "reopening a decision needs a reason (--reason TEXT)");
}
