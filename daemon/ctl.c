/*
 * ctl.c owns the control socket. Each connection reads one JSON request
 * per line and answers one JSON line, in order: reading pauses while a
 * request waits for Redis, so answers never overtake each other.
 *
 * The caller is who the kernel says it is (SO_PEERCRED), never who the
 * request claims to be; its uid goes into every audit event it causes.
 *
 * Invariant: a connection is freed only when no request of it waits for
 * Redis (c->busy is false), so a store callback never finds its
 * connection gone; and, after the client's EOF, only once every request
 * it sent has been answered and the answers written.
 */
#include <errno.h>
#include <stdarg.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <jansson.h>

#include "mash/brag.h"
#include "mash/calendar.h"
#include "mash/deadline.h"
#include "mash/protocol.h"
#include "mash/referral.h"
#include "mash/timeutil.h"

#include "alert.h"
#include "clock.h"
#include "config.h"
#include "ctl.h"
#include "http.h"
#include "intake.h"
#include "lifecycle.h"
#include "log.h"
#include "metrics.h"
#include "scheduler.h"
#include "store.h"

#define CTL_MAX_CONNS 64
#define QUEUE_LIMIT 10000

struct ctl {
	struct mashd *d;
	struct evconnlistener *lev;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned nconns;
	struct conn *conns; /* every open connection, for ctl_free */
};

struct conn {
	struct ctl *ctl;
	struct conn *next, **prevp; /* in ctl->conns */
	struct bufferevent *bev;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	char actor[96]; /* "uid:1000(alice)" */
	bool busy;	/* a request is waiting for Redis */
	bool eof;	/* no more requests will be read */
	bool dead;	/* the socket erred: nothing can be written */
	bool unsent;	/* an answer is not all written: a reply held */
	json_t *req;	/* the request being answered */
};

static void conn_read(struct bufferevent *bev, void *arg);

/* The answers are all written, or never will be: a stop may go on. */
static void
conn_sent(struct conn *c)
{
	if (!c->unsent)
		return;
	c->unsent = false;
	lifecycle_release_reply(c->ctl->d->life);
}

static void
conn_free(struct conn *c)
{
	conn_sent(c);
	if ((*c->prevp = c->next) != NULL)
		c->next->prevp = c->prevp;
	c->ctl->nconns--;
	bufferevent_free(c->bev);
	json_decref(c->req);
	free(c);
}

/* Free the connection once it is done: idle, no more requests to read,
 * and every answer written (or unwritable). Else conn_write or
 * request_done call again. */
static void
conn_maybe_free(struct conn *c)
{
	if (c->busy || !c->eof)
		return;
	if (c->dead || evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_free(c);
}

static void
send_json(struct conn *c, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (text == NULL) {
		text = strdup("{\"ok\":false,\"error\":\"out of memory\"}");
		if (text == NULL)
			return;
	}
	if (!c->dead) {
		bufferevent_write(c->bev, text, strlen(text));
		bufferevent_write(c->bev, "\n", 1);
		if (!c->unsent) {
			c->unsent = true;
			lifecycle_hold_reply(c->ctl->d->life);
		}
	}
	free(text);
}

static void send_error(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
send_error(struct conn *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	send_json(c, json_pack("{sbss}", "ok", 0, "error", msg));
}

/* A request has been answered: read the next one, or free a done conn. */
static void
request_finish(struct conn *c)
{
	c->busy = false;
	json_decref(c->req);
	c->req = NULL;
	if (!c->dead) {
		if (!c->eof)
			bufferevent_enable(c->bev, EV_READ);
		conn_read(c->bev, c); /* lines that arrived meanwhile */
	}
	conn_maybe_free(c);
}

/* The same for a request held in flight (request_wait). */
static void
request_done(struct conn *c)
{
	lifecycle_release(c->ctl->d->life);
	request_finish(c);
}

/* A request waits for Redis: read no more until request_done. */
static void
request_wait(struct conn *c)
{
	c->busy = true;
	bufferevent_disable(c->bev, EV_READ);
}

static int
call(struct conn *c, enum store_script s, int argc, const char *const *argv,
     store_cb *cb)
{
	lifecycle_hold(c->ctl->d->life);
	if (store_call(c->ctl->d->store, s, argc, argv, cb, c) != 0) {
		lifecycle_release(c->ctl->d->life);
		send_error(c, "the referral store is unreachable; try again");
		return -1;
	}
	request_wait(c);
	return 0;
}

static const char *
iso(const char *ms, char *buf)
{
	return mash_time_format(strtoll(ms, NULL, 10), buf);
}

/* status: the figures of GET /metrics, for a person (metrics.h). */

static void
status_done(const struct figures *f, const char *err, void *arg)
{
	struct conn *c = arg;
	json_t *o = metrics_json(f);

	(void)err; /* "redis": "down" says it */
	json_object_set_new(o, "ok", json_true());
	send_json(c, o);
	request_done(c);
}

static void
cmd_status(struct conn *c)
{
	struct figures f;
	json_t *o;

	/* Held once sent, so the figures do not count their own request. */
	if (metrics_collect(c->ctl->d, status_done, c) == 0) {
		lifecycle_hold(c->ctl->d->life);
		request_wait(c);
		return;
	}
	metrics_local(c->ctl->d, &f);
	o = metrics_json(&f);
	json_object_set_new(o, "ok", json_true());
	send_json(c, o);
}

/* queue [--brag R] */

/*
 * The timers of a queue item from the flat {timer, due, fired, stopped}
 * groups queue.lua returns after the five fixed fields.
 */
static json_t *
queue_item(const redisReply *e, bool *overdue)
{
	char buf[MASH_TIME_BUFSZ];
	json_t *timers = json_object(), *late = json_array(), *item;
	const char *next_timer = NULL;
	long long next_due = 0;

	for (size_t j = QUEUE_FIXED; j + 3 < e->elements; j += 4) {
		const char *t = e->element[j]->str;
		const char *due = e->element[j + 1]->str;
		const char *fired = e->element[j + 2]->str;
		const char *stopped = e->element[j + 3]->str;
		bool warning = strcmp(t, "decision_warning") == 0;

		json_object_set_new(
		    timers, t,
		    json_pack("{ss so so}", "due", iso(due, buf), "fired",
			      fired[0] ? json_string(iso(fired, buf))
				       : json_null(),
			      "stopped",
			      stopped[0] ? json_string(iso(stopped, buf))
					 : json_null()));
		if (stopped[0] || warning)
			continue;
		if (fired[0])
			json_array_append_new(late, json_string(t));
		else if (next_timer == NULL ||
			 strtoll(due, NULL, 10) < next_due) {
			next_timer = t;
			next_due = strtoll(due, NULL, 10);
		}
	}
	*overdue = json_array_size(late) > 0;
	item = json_pack("{ss ss ss ss ss so so}", "id", e->element[0]->str,
			 "brag", e->element[1]->str, "status",
			 e->element[2]->str, "channel", e->element[3]->str,
			 "received", iso(e->element[4]->str, buf), "overdue",
			 late, "timers", timers);
	json_object_set_new(item, "owner",
			    e->element[5]->str[0]
				? json_string(e->element[5]->str)
				: json_null());
	json_object_set_new(
	    item, "repeat",
	    e->element[6]->str[0]
		? json_integer(strtoll(e->element[6]->str, NULL, 10))
		: json_null());
	if (next_timer != NULL)
		json_object_set_new(item, "next_due",
				    json_pack("{ss ss}", "timer", next_timer,
					      "due",
					      mash_time_format(next_due, buf)));
	else
		json_object_set_new(item, "next_due", json_null());
	return item;
}

static void
queue_done(const redisReply *r, const char *err, void *arg)
{
	struct conn *c = arg;
	bool only_overdue = json_is_true(json_object_get(c->req, "overdue"));
	json_t *items;

	if (err != NULL || r->type != REDIS_REPLY_ARRAY) {
		send_error(c, "redis: %s", err ? err : "odd reply");
		goto done;
	}
	items = json_array();
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i];
		bool overdue;
		json_t *item;

		if (e->type != REDIS_REPLY_ARRAY || e->elements < QUEUE_FIXED)
			continue;
		item = queue_item(e, &overdue);
		if (only_overdue && !overdue)
			json_decref(item);
		else
			json_array_append_new(items, item);
	}
	send_json(c, json_pack("{sb so}", "ok", 1, "items", items));
done:
	request_done(c);
}

static void
cmd_queue(struct conn *c)
{
	const char *bname = json_string_value(json_object_get(c->req, "brag"));
	char min[32], max[32], limit[16];
	const char *argv[] = {min, max, limit};
	enum brag b;

	if (bname != NULL) {
		if (brag_parse(bname, &b) != 0) {
			send_error(c,
				   "unknown BRAG rating \"%s\": use red, "
				   "amber, green or blue",
				   bname);
			return;
		}
		snprintf(min, sizeof(min), "%lld", b * QUEUE_RANK_WIDTH);
		snprintf(max, sizeof(max), "%lld", (b + 1) * QUEUE_RANK_WIDTH);
	} else {
		snprintf(min, sizeof(min), "0");
		snprintf(max, sizeof(max), "%lld",
			 BRAG_COUNT * QUEUE_RANK_WIDTH);
	}
	snprintf(limit, sizeof(limit), "%d", QUEUE_LIMIT);
	call(c, SCRIPT_QUEUE, 3, argv, queue_done);
}

/* show ID */

static void
show_done(const redisReply *r, const char *err, void *arg)
{
	struct conn *c = arg;
	const char *id = json_string_value(json_object_get(c->req, "id"));
	json_t *ref, *timers;
	char buf[MASH_TIME_BUFSZ];

	if (err != NULL) {
		send_error(c, "redis: %s", err);
		goto done;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
		send_error(c, "no referral %s", id);
		goto done;
	}
	ref = json_object();
	timers = json_object();
	for (size_t i = 0; i + 1 < r->elements; i += 2) {
		const char *k = r->element[i]->str, *v = r->element[i + 1]->str;
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
			   strcmp(k, "confirmed") == 0) {
			json_object_set_new(ref, k, json_string(iso(v, buf)));
		} else {
			json_object_set_new(ref, k, json_string(v));
		}
	}
	json_object_set_new(ref, "timers", timers);
	log_event(id, NULL, "show", "referral %s shown to %s", id, c->actor);
	send_json(c, json_pack("{sb so}", "ok", 1, "referral", ref));
done:
	request_done(c);
}

static void
cmd_show(struct conn *c)
{
	const char *id = json_string_value(json_object_get(c->req, "id"));
	char at[32];
	const char *argv[] = {id, c->actor, at};

	if (!http_valid_ref(id)) {
		send_error(c,
			   "\"%s\" is not a referral reference "
			   "(MASH-YYYY-NNNNNN)",
			   id ? id : "");
		return;
	}
	snprintf(at, sizeof(at), "%lld", (long long)clock_now_ms());
	call(c, SCRIPT_SHOW, 3, argv, show_done);
}

/* decide ID OUTCOME REASON, confirm ID: state changes, one script each. */

static const char *const outcomes[] = {
    "s47", "s17", "early_help", "universal", "nfa", "open_case", NULL};

static void
change_done(const redisReply *r, const char *err, void *arg)
{
	struct conn *c = arg;
	const char *cmd = json_string_value(json_object_get(c->req, "cmd"));
	const char *id = json_string_value(json_object_get(c->req, "id"));

	(void)r;
	if (err != NULL) {
		/* Lua refusals start "ERR "; say the sentence only. */
		send_error(c, "%s", strncmp(err, "ERR ", 4) ? err : err + 4);
	} else {
		log_event(id, NULL, cmd, "referral %s %s by %s", id, cmd,
			  c->actor);
		send_json(c, json_pack("{sbss}", "ok", 1, "id", id));
		scheduler_kick(c->ctl->d->sched);
		alert_kick(c->ctl->d->alerts);
	}
	request_done(c);
}

static const char *
req_ref(struct conn *c)
{
	const char *id = json_string_value(json_object_get(c->req, "id"));

	if (!http_valid_ref(id)) {
		send_error(c,
			   "\"%s\" is not a referral reference "
			   "(MASH-YYYY-NNNNNN)",
			   id ? id : "");
		return NULL;
	}
	return id;
}

static void
cmd_decide(struct conn *c)
{
	const char *id, *outcome, *reason;
	char at[32];
	size_t i;

	if ((id = req_ref(c)) == NULL)
		return;
	outcome = json_string_value(json_object_get(c->req, "outcome"));
	reason = json_string_value(json_object_get(c->req, "reason"));
	for (i = 0; outcome != NULL && outcomes[i] != NULL; i++)
		if (strcmp(outcome, outcomes[i]) == 0)
			break;
	if (outcome == NULL || outcomes[i] == NULL) {
		send_error(c,
			   "unknown outcome \"%s\": use s47, s17, "
			   "early_help, universal, nfa or open_case",
			   outcome ? outcome : "");
		return;
	}
	if (reason == NULL || reason[strspn(reason, " \t\r\n")] == '\0') {
		send_error(c, "a decision needs a reason (--reason TEXT)");
		return;
	}
	snprintf(at, sizeof(at), "%lld", (long long)clock_now_ms());
	{
		const char *argv[] = {id, outcome, reason, c->actor, at};

		call(c, SCRIPT_DECIDE, 5, argv, change_done);
	}
}

static void
cmd_confirm(struct conn *c)
{
	const char *id;
	char at[32];

	if ((id = req_ref(c)) == NULL)
		return;
	snprintf(at, sizeof(at), "%lld", (long long)clock_now_ms());
	{
		const char *argv[] = {id, c->actor, at, "mashctl"};

		call(c, SCRIPT_CONFIRM, 4, argv, change_done);
	}
}

/* alerts [state], alert_retry ID: the delivery of alerts (SPEC 7). */

static void
alerts_done(const redisReply *r, const char *err, void *arg)
{
	struct conn *c = arg;
	char buf[MASH_TIME_BUFSZ];
	json_t *items;

	if (err != NULL || r->type != REDIS_REPLY_ARRAY) {
		send_error(c, "redis: %s", err ? err : "odd reply");
		goto done;
	}
	items = json_array();
	for (size_t i = 0; i < r->elements; i++) {
		json_t *o = json_loads(r->element[i]->str, 0, NULL);
		static const char *const times[] = {"at", "next_at", "sent",
						    "dead"};

		if (o == NULL)
			continue;
		for (size_t k = 0; k < sizeof(times) / sizeof(times[0]); k++) {
			const char *v =
			    json_string_value(json_object_get(o, times[k]));

			if (v != NULL && v[0] != '\0')
				json_object_set_new(o, times[k],
						    json_string(iso(v, buf)));
			else
				json_object_set_new(o, times[k], json_null());
		}
		json_array_append_new(items, o);
	}
	send_json(c, json_pack("{sb so}", "ok", 1, "items", items));
done:
	request_done(c);
}

static void
cmd_alerts(struct conn *c)
{
	const char *state = json_string_value(json_object_get(c->req, "state"));
	const char *argv[] = {"1000", state ? state : ""};

	if (state != NULL && strcmp(state, "pending") &&
	    strcmp(state, "sent") && strcmp(state, "dead") &&
	    strcmp(state, "requeued")) {
		send_error(c,
			   "unknown state \"%s\": use pending, sent, dead "
			   "or requeued",
			   state);
		return;
	}
	call(c, SCRIPT_ALERTS, 2, argv, alerts_done);
}

static void
retry_done(const redisReply *r, const char *err, void *arg)
{
	struct conn *c = arg;
	const char *id = json_string_value(json_object_get(c->req, "id"));

	if (err != NULL) {
		send_error(c, "%s", strncmp(err, "ERR ", 4) ? err : err + 4);
	} else {
		log_info("alert %s requeued as %s by %s", id, r->str, c->actor);
		send_json(c, json_pack("{sb ss ss}", "ok", 1, "id", id,
				       "requeued_as", r->str));
		alert_kick(c->ctl->d->alerts);
	}
	request_done(c);
}

static void
cmd_alert_retry(struct conn *c)
{
	const char *id = json_string_value(json_object_get(c->req, "id"));
	char at[32];
	const char *argv[] = {id, c->actor, at};

	if (id == NULL || strspn(id, "0123456789-") != strlen(id) ||
	    strchr(id, '-') == NULL) {
		send_error(c, "\"%s\" is not an alert id (see mashctl alerts)",
			   id ? id : "");
		return;
	}
	snprintf(at, sizeof(at), "%lld", (long long)clock_now_ms());
	call(c, SCRIPT_ALERT_RETRY, 3, argv, retry_done);
}

/* submit RECORD: a telephone referral typed in by a call handler. */

static void
submit_done(const char *answer, const char *id, bool replayed, const char *err,
	    void *arg)
{
	struct conn *c = arg;
	json_t *o = answer ? json_loads(answer, 0, NULL) : NULL;

	(void)id;
	(void)replayed;
	if (o == NULL) {
		send_error(c, "not stored: %s; nothing was stored, try again",
			   err ? err : "odd reply");
	} else {
		json_object_set_new(o, "ok", json_true());
		send_json(c, o);
	}
	/* intake counted the request in flight, and has uncounted it. */
	request_finish(c);
}

static void
cmd_submit(struct conn *c)
{
	json_t *rec = json_object_get(c->req, "record");
	struct referral_error rerr;
	struct intake it;

	it.now = clock_now_ms();
	if (!json_is_object(rec)) {
		send_error(c, "submit needs a \"record\" object");
		return;
	}
	if (referral_validate(rec, it.now, &rerr) != 0) {
		log_info("telephone referral from %s refused: %s", c->actor,
			 rerr.field[0] ? rerr.field : "not a record");
		send_json(c, json_pack("{sb ss ss}", "ok", 0, "error",
				       rerr.message, "field", rerr.field));
		return;
	}
	it.record = rec;
	it.channel = "phone";
	it.client = "phone";
	it.actor = c->actor;
	it.idem = NULL;
	if (intake_submit(c->ctl->d, &it, submit_done, c) != 0) {
		const char *why = store_refusal(c->ctl->d->store);

		send_error(c, "%s; nothing was stored, try again",
			   why ? why : "the referral store is unreachable");
		return;
	}
	request_wait(c);
}

/* claim ID [force], release ID [force], rate ID BRAG REASON, note ID
 * TEXT, history ID: the navigators' workflow (issue 5). */

#define ROLE(r) (1u << (r))
#define CASEWORK (ROLE(CTL_NAVIGATORS) | ROLE(CTL_SUPERVISORS))

static unsigned conn_roles(const struct conn *c);

static bool
forced(struct conn *c)
{
	return json_is_true(json_object_get(c->req, "force"));
}

static void
cmd_claim_release(struct conn *c, const char *what)
{
	const char *id = req_ref(c);
	char at[32];

	if (id == NULL)
		return;
	if (forced(c) && !(conn_roles(c) & ROLE(CTL_SUPERVISORS))) {
		send_error(c, "--force is for supervisors");
		return;
	}
	snprintf(at, sizeof(at), "%lld", (long long)clock_now_ms());
	{
		const char *argv[] = {id, c->actor, at, what,
				      forced(c) ? "1" : "0"};

		call(c, SCRIPT_CLAIM, 5, argv, change_done);
	}
}

static void
cmd_claim(struct conn *c)
{
	cmd_claim_release(c, "claim");
}

static void
cmd_release(struct conn *c)
{
	cmd_claim_release(c, "release");
}

static const char *
req_text(struct conn *c, const char *key, const char *what)
{
	const char *v = json_string_value(json_object_get(c->req, key));

	if (v == NULL || v[strspn(v, " \t\r\n")] == '\0') {
		send_error(c, "%s", what);
		return NULL;
	}
	return v;
}

static void
cmd_rate(struct conn *c)
{
	const struct mash_config *conf = c->ctl->d->conf;
	const char *id, *bname, *reason;
	char at[32], rank[8], width[32], due[32] = "";
	int64_t now = clock_now_ms(), d;
	enum brag b;

	if ((id = req_ref(c)) == NULL)
		return;
	bname = json_string_value(json_object_get(c->req, "brag"));
	if (brag_parse(bname, &b) != 0) {
		send_error(c,
			   "unknown BRAG rating \"%s\": use red, amber, "
			   "green or blue",
			   bname ? bname : "");
		return;
	}
	if ((reason = req_text(c, "reason",
			       "a re-rating needs a reason (--reason TEXT)")) ==
	    NULL)
		return;
	snprintf(at, sizeof(at), "%lld", (long long)now);
	snprintf(rank, sizeof(rank), "%d", (int)b);
	snprintf(width, sizeof(width), "%lld", QUEUE_RANK_WIDTH);
	if ((d = deadline_after(conf->calendar, &conf->timers.screening[b],
				now)) != 0)
		snprintf(due, sizeof(due), "%lld", (long long)d);
	{
		const char *argv[] = {
		    id,
		    c->actor,
		    at,
		    brag_name(b),
		    reason,
		    rank,
		    width,
		    due,
		    calendar_is_open(conf->calendar, now) ? "0" : "1",
		    (conn_roles(c) & ROLE(CTL_SUPERVISORS)) ? "1" : "0"};

		call(c, SCRIPT_RATE, 10, argv, change_done);
	}
}

static void
cmd_note(struct conn *c)
{
	const char *id = req_ref(c), *text;
	char at[32];

	if (id == NULL ||
	    (text = req_text(c, "text", "a note needs text")) == NULL)
		return;
	snprintf(at, sizeof(at), "%lld", (long long)clock_now_ms());
	{
		const char *argv[] = {id, c->actor, at, text};

		call(c, SCRIPT_NOTE, 4, argv, change_done);
	}
}

static void
history_done(const redisReply *r, const char *err, void *arg)
{
	struct conn *c = arg;
	const char *id = json_string_value(json_object_get(c->req, "id"));
	char buf[MASH_TIME_BUFSZ];
	json_t *items;

	if (err != NULL || r->type != REDIS_REPLY_ARRAY) {
		send_error(c, "%s",
			   err ? (strncmp(err, "ERR ", 4) ? err : err + 4)
			       : "odd reply");
		goto done;
	}
	items = json_array();
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i];

		if (e->type != REDIS_REPLY_ARRAY || e->elements != 4)
			continue;
		json_array_append_new(items,
				      json_pack("{ss ss ss ss}", "at",
						iso(e->element[0]->str, buf),
						"actor", e->element[1]->str,
						"action", e->element[2]->str,
						"detail", e->element[3]->str));
	}
	log_event(id, NULL, "history", "referral %s history read by %s", id,
		  c->actor);
	send_json(c, json_pack("{sb so}", "ok", 1, "items", items));
done:
	request_done(c);
}

static void
cmd_history(struct conn *c)
{
	const char *id = req_ref(c);
	char at[32];

	if (id == NULL)
		return;
	snprintf(at, sizeof(at), "%lld", (long long)clock_now_ms());
	{
		const char *argv[] = {id, c->actor, at};

		call(c, SCRIPT_HISTORY, 3, argv, history_done);
	}
}

/*
 * The caller's roles: from the kernel's uid and gid of the peer and the
 * groups the system gives that user, matched against roles.* of the
 * configuration. Root and mashd's own user hold every role.
 */
static unsigned
conn_roles(const struct conn *c)
{
	const struct mash_config *conf = c->ctl->d->conf;
	struct passwd pw, *pwr = NULL;
	char pwbuf[2048], grbuf[2048];
	gid_t groups[256];
	int ngroups = 256;
	unsigned roles = 0;

	if (c->uid == 0 || c->uid == geteuid())
		return ROLE(CTL_CALL_HANDLERS) | ROLE(CTL_NAVIGATORS) |
		       ROLE(CTL_SUPERVISORS) | ROLE(CTL_ADMINS);
	if (getpwuid_r(c->uid, &pw, pwbuf, sizeof(pwbuf), &pwr) != 0 ||
	    pwr == NULL)
		return 0;
	if (getgrouplist(pw.pw_name, c->gid, groups, &ngroups) < 0)
		ngroups = 0;
	for (int r = 0; r < CTL_ROLE_COUNT; r++) {
		for (size_t i = 0; i < conf->roles[r].n; i++) {
			const char *e = conf->roles[r].items[i];
			struct group gr, *grr = NULL;

			if (strncmp(e, "user:", 5) == 0 &&
			    strcmp(e + 5, pw.pw_name) == 0)
				roles |= ROLE(r);
			if (strncmp(e, "group:", 6) != 0 ||
			    getgrnam_r(e + 6, &gr, grbuf, sizeof(grbuf),
				       &grr) != 0 ||
			    grr == NULL)
				continue;
			for (int g = 0; g < ngroups; g++)
				if (groups[g] == gr.gr_gid)
					roles |= ROLE(r);
		}
	}
	return roles;
}

#define ANYONE (ROLE(CTL_CALL_HANDLERS) | CASEWORK | ROLE(CTL_ADMINS))

/* Who may do what (issue 5): call handlers create; navigators work the
 * queue; supervisors also force, re-rate anything and see the alerts;
 * admins operate but see no case content. */
static const struct {
	const char *name;
	void (*fn)(struct conn *);
	unsigned roles;
} commands[] = {
    {"status", cmd_status, ANYONE},
    {"queue", cmd_queue, CASEWORK | ROLE(CTL_ADMINS)},
    {"show", cmd_show, CASEWORK},
    {"history", cmd_history, CASEWORK},
    {"claim", cmd_claim, CASEWORK},
    {"release", cmd_release, CASEWORK},
    {"rate", cmd_rate, CASEWORK},
    {"note", cmd_note, CASEWORK},
    {"decide", cmd_decide, CASEWORK},
    {"confirm", cmd_confirm, CASEWORK},
    {"submit", cmd_submit, ROLE(CTL_CALL_HANDLERS) | CASEWORK},
    {"alerts", cmd_alerts, ROLE(CTL_SUPERVISORS) | ROLE(CTL_ADMINS)},
    {"alert_retry", cmd_alert_retry, ROLE(CTL_SUPERVISORS)},
};

/* "navigators or supervisors": the roles of a mask, for a person. */
static void
role_words(unsigned mask, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int r = 0; r < CTL_ROLE_COUNT; r++)
		if (mask & ROLE(r))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
				 buf[0] ? ", " : "", config_ctl_role_name(r));
	if (buf[0] == '\0')
		snprintf(buf, len, "none");
}

static void
handle_line(struct conn *c, const char *line, size_t len)
{
	json_error_t jerr;
	const char *cmd;
	json_int_t v;

	c->req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (c->req == NULL || !json_is_object(c->req)) {
		send_error(c, "a request is one JSON object per line");
		goto out;
	}
	v = json_integer_value(json_object_get(c->req, "v"));
	if (v != MASH_PROTOCOL_VERSION) {
		send_error(c,
			   "protocol version %lld is not spoken here "
			   "(mashd speaks %d)",
			   (long long)v, MASH_PROTOCOL_VERSION);
		goto out;
	}
	cmd = json_string_value(json_object_get(c->req, "cmd"));
	for (size_t i = 0;
	     cmd != NULL && i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(cmd, commands[i].name) == 0) {
			unsigned have = conn_roles(c);

			if (!(have & commands[i].roles)) {
				char need[96], mine[96];

				role_words(commands[i].roles, need,
					   sizeof(need));
				role_words(have, mine, sizeof(mine));
				log_info("control: %s refused %s (roles: %s)",
					 c->actor, cmd, mine);
				send_error(c,
					   "permission denied: %s needs one "
					   "of the roles %s; %s has: %s",
					   cmd, need, c->actor, mine);
				goto out;
			}
			commands[i].fn(c);
			if (c->busy)
				return; /* the store callback finishes it */
			goto out;
		}
	}
	send_error(c, "unknown command \"%s\"", cmd ? cmd : "");
out:
	json_decref(c->req);
	c->req = NULL;
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	while (!c->busy && !c->dead &&
	       (line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		handle_line(c, line, len);
		free(line);
	}
	if (!c->busy && evbuffer_get_length(in) > MASH_CONTROL_MAX_LINE) {
		send_error(c, "request line too long");
		bufferevent_disable(bev, EV_READ);
		c->eof = true; /* freed by conn_write once flushed */
	}
}

static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	conn_sent(c);
	conn_maybe_free(c);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	if (what & BEV_EVENT_ERROR) {
		c->dead = true;
		c->eof = true;
		conn_maybe_free(c);
	} else if (what & BEV_EVENT_EOF) {
		/* Half-closed: answer what was sent, then go. */
		c->eof = true;
		conn_read(bev, c);
		conn_maybe_free(c);
	}
}

static void
set_actor(struct conn *c, uid_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	c->uid = uid;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(c->actor, sizeof(c->actor), "uid:%u(%s)",
			 (unsigned)uid, pw.pw_name);
	else
		snprintf(c->actor, sizeof(c->actor), "uid:%u", (unsigned)uid);
}

static void
ctl_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
	   int salen, void *arg)
{
	struct ctl *ctl = arg;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct conn *c;

	(void)lev;
	(void)sa;
	(void)salen;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		log_warn("control: SO_PEERCRED");
		close(fd);
		return;
	}
	if (ctl->nconns >= CTL_MAX_CONNS || lifecycle_draining(ctl->d->life)) {
		log_warnx("control: refusing uid %u: %s", (unsigned)cred.uid,
			  lifecycle_draining(ctl->d->life)
			      ? "shutting down"
			      : "too many connections");
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->ctl = ctl;
	c->pid = cred.pid;
	c->gid = cred.gid;
	set_actor(c, cred.uid);
	c->bev =
	    bufferevent_socket_new(ctl->d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	ctl->nconns++;
	if ((c->next = ctl->conns) != NULL)
		c->next->prevp = &c->next;
	c->prevp = &ctl->conns;
	ctl->conns = c;
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/*
 * A socket file may be left by a mashd that died. Probe it: if a daemon
 * answers, refuse to start rather than steal its socket; else remove it.
 */
static int
ctl_probe(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int alive;

	if (fd < 0)
		return -1;
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	if (alive) {
		log_warnx("control: another mashd answers on %s",
			  sun->sun_path);
		return -1;
	}
	if (unlink(sun->sun_path) != 0 && errno != ENOENT) {
		log_warn("control: cannot remove %s", sun->sun_path);
		return -1;
	}
	return 0;
}

struct ctl *
ctl_new(struct mashd *d)
{
	const char *path = d->conf->control.socket;
	struct sockaddr_un sun;
	struct ctl *ctl;
	mode_t old;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control: socket path %s is too long", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	if (ctl_probe(&sun) != 0)
		return NULL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_warn("control: socket");
		return NULL;
	}
	/* Owner and group only: roles refine this, the mode bounds it. */
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		umask(old);
		log_warn("control: cannot bind %s", path);
		close(fd);
		return NULL;
	}
	umask(old);
	/* Who may connect at all: roles then say what each caller may do. */
	if (d->conf->control.group != NULL) {
		struct group gr, *grr = NULL;
		char buf[2048];

		if (getgrnam_r(d->conf->control.group, &gr, buf, sizeof(buf),
			       &grr) != 0 ||
		    grr == NULL || chown(path, (uid_t)-1, gr.gr_gid) != 0) {
			log_warn("control: cannot give %s to group %s", path,
				 d->conf->control.group);
			close(fd);
			unlink(path);
			return NULL;
		}
	}
	if (chmod(path, (mode_t)d->conf->control.mode) != 0) {
		log_warn("control: chmod %s", path);
		close(fd);
		unlink(path);
		return NULL;
	}
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL) {
		close(fd);
		return NULL;
	}
	ctl->d = d;
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	ctl->lev = evconnlistener_new(
	    d->base, ctl_accept, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16, fd);
	if (ctl->lev == NULL) {
		log_warn("control: listen on %s", path);
		close(fd);
		unlink(path);
		free(ctl);
		return NULL;
	}
	log_info("control: listening on %s", path);
	return ctl;
}

void
ctl_stop_accepting(struct ctl *ctl)
{
	if (ctl != NULL && ctl->lev != NULL) {
		evconnlistener_free(ctl->lev);
		ctl->lev = NULL;
		unlink(ctl->path);
	}
}

void
ctl_free(struct ctl *ctl)
{
	if (ctl == NULL)
		return;
	ctl_stop_accepting(ctl);
	/* Clients still connected at exit: their answers were all sent (a
	 * stop waits for that), so only the sockets are left to close. A
	 * connection waiting for Redis is left: its callback still runs. */
	for (struct conn *c = ctl->conns, *next; c != NULL; c = next) {
		next = c->next;
		if (!c->busy)
			conn_free(c);
	}
	free(ctl);
}
