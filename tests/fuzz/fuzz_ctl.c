/*
 * fuzz_ctl: lines of the control socket from bytes, each answered as
 * ctl.c answers it (a JSON object with "v" and "cmd", the command found
 * in ctl_cmd.c's table, the caller's roles checked), then run by the real
 * command handler (ctl_cmd.c, ctl_alerts.c), once for a caller of each
 * role and once for a caller with none. A telephone referral goes on
 * through intake.c's real submission. The connection is a stub of ctl.h's
 * interface that collects the answers; the store is a stub too: a script
 * call, or intake's call, is answered as the event loop would, after the
 * handler returns, once refused by Redis and once with an empty answer (a
 * stored referral for intake).
 *
 * Invariants: every request gets exactly one answer, an object whose "ok"
 * is a boolean and whose error is a sentence, after its callback when it
 * waits for one; a script gets its arguments as one JSON object of
 * strings, numbers and booleans; only a supervisor forces a claim; work
 * held in flight is released by the answer; nothing the caller typed but
 * an id the handler checked (a reference, an alert's or a task's) and the
 * command's name reaches the log (a reason, a note, a referral's fields
 * are personal data).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "mash/protocol.h"
#include "mash/referral.h"
#include "mash/words.h"

#include "alert.h"
#include "clock.h"
#include "mash/config.h"
#include "ctl.h"
#include "ctl_queue.h"
#include "intake.h"
#include "log.h"
#include "metrics.h"
#include "scheduler.h"
#include "store.h"

#include "fuzz.h"

struct ctl_conn {
	json_t *req;
	unsigned roles;
	bool busy, held;
	int answers;
	/* What the event loop would answer later. */
	store_json_cb *script_cb;
	enum store_script script;
};

/* A submission's call to the store, answered later like a script's. */
static store_outcome_cb *submit_cb;
static void *submit_arg;
static int holds; /* lifecycle: work in flight */

static struct mashd hub;
static struct mash_config *conf;
static const char actor[] = "uid:1000(fuzz)";

static void log_arg(const char *fmt, const char *s);
#include "fuzz_handlers.h"

/* ---- the log: nothing typed but a reference or a command -------------- */

/* Is p inside a string of v (at any depth)? */
static bool
inside(json_t *v, const char *p)
{
	const char *k;
	json_t *e;
	size_t i;

	if (json_is_string(v)) {
		const char *s = json_string_value(v);

		return p >= s && p <= s + json_string_length(v);
	}
	json_object_foreach(v, k, e)
	{
		if (inside(e, p))
			return true;
	}
	json_array_foreach(v, i, e)
	{
		if (inside(e, p))
			return true;
	}
	return false;
}

static json_t *logging_req;

/*
 * Is p text the caller typed? The reference may be logged once it is
 * one, and the command once it is known; nothing else of the request.
 */
static bool
private_arg(const char *p)
{
	const char *k;
	json_t *e;

	if (p == NULL || logging_req == NULL)
		return false;
	json_object_foreach(logging_req, k, e)
	{
		if (strcmp(k, "cmd") == 0 ||
		    (strcmp(k, "id") == 0 && known_id(json_string_value(e))))
			continue;
		if (inside(e, p))
			return true;
	}
	return false;
}

/* Nothing typed but a checked id and the command reaches the log. */
static void
log_arg(const char *fmt, const char *s)
{
	if (private_arg(s))
		fuzz_fail("typed text logged by \"%s\"", fmt);
}

/* A call with its arguments as texts: none is expected from here. */
int
store_call_outcome(struct store *st, enum store_script s, int argc,
		   const char *const *argv, store_outcome_cb *cb, void *arg)
{
	json_t *a;

	(void)st;
	if (s != SCRIPT_SUBMIT || argc != 1 || submit_cb != NULL ||
	    (a = json_loads(argv[0], 0, NULL)) == NULL || !json_is_object(a))
		fuzz_fail("an odd call from intake: script %d", (int)s);
	json_decref(a);
	submit_cb = cb;
	submit_arg = arg;
	return 0;
}

/* Intake's submission: the object, and the record's text. */
int
store_call_object_text(struct store *st, enum store_script s,
		       const json_t *args, const char *text,
		       store_outcome_cb *cb, void *arg)
{
	json_t *r;

	if (text == NULL || (r = json_loads(text, 0, NULL)) == NULL ||
	    !json_is_object(r))
		fuzz_fail("intake's record is not a JSON object");
	json_decref(r);
	return store_call_object(st, s, args, cb, arg);
}

/* queue.lua's call, and intake's object (store_call_object_text). */
int
store_call_object(struct store *st, enum store_script s, const json_t *args,
		  store_outcome_cb *cb, void *arg)
{
	(void)st;
	/* queue.lua's (ctl_queue_page.c): the store is gone. */
	if (s == SCRIPT_QUEUE && json_is_object(args))
		return -1;
	if (s != SCRIPT_SUBMIT || submit_cb != NULL || !json_is_object(args))
		fuzz_fail("an odd call from intake: script %d", (int)s);
	submit_cb = cb;
	submit_arg = arg;
	return 0;
}

/* ---- the connection -------------------------------------------------- */

unsigned
ctl_roles(const struct ctl_conn *c)
{
	return c->roles;
}

void
ctl_send(struct ctl_conn *c, json_t *o)
{
	const json_t *ok = json_object_get(o, "ok");
	const char *err = json_string_value(json_object_get(o, "error"));
	char *text;

	if (o == NULL)
		fuzz_fail("an answer that could not be built");
	if (!json_is_boolean(ok))
		fuzz_fail("an answer without \"ok\"");
	if (json_is_false(ok) && (err == NULL || err[0] == '\0'))
		fuzz_fail("a refusal without a sentence");
	if ((text = json_dumps(o, JSON_COMPACT)) == NULL)
		fuzz_fail("an answer that does not serialise");
	free(text);
	json_decref(o);
	c->answers++;
}

/* A page of the queue, made by ctl_queue_page.c: one JSON object. */
void
ctl_send_text(struct ctl_conn *c, const char *text, size_t len)
{
	json_t *o = json_loadb(text, len, 0, NULL);

	if (o == NULL)
		fuzz_fail("an answer that is not JSON");
	ctl_send(c, o);
}

void
ctl_wait(struct ctl_conn *c, bool hold)
{
	if (c->busy)
		fuzz_fail("waiting twice");
	c->busy = true;
	c->held = hold;
}

void
ctl_done(struct ctl_conn *c)
{
	if (!c->busy)
		fuzz_fail("done without waiting");
	c->busy = c->held = false;
}

/* Its client reads all it is sent, and stays. */
bool
ctl_gone(const struct ctl_conn *c)
{
	(void)c;
	return false;
}

/* A stream's plain reads (ctl_queue_read.c): the store is gone for them,
 * so a stream without filters is cut once its page is chosen. */
int
store_read(struct store *st, const char *cmd, size_t len, store_outcome_cb *cb,
	   void *arg)
{
	(void)st;
	(void)cmd;
	(void)len;
	(void)cb;
	(void)arg;
	return -1;
}

void
ctl_on_abandon(struct ctl_conn *c, void (*fn)(void *arg), void *arg)
{
	(void)c;
	(void)fn;
	(void)arg;
}

void
ctl_abandoned(struct ctl_conn *c)
{
	c->held = false;
}

int
ctl_call(struct ctl_conn *c, enum store_script s, json_t *args,
	 store_json_cb *cb)
{
	const char *k;
	json_t *v;
	char *text;

	if ((unsigned)s >= SCRIPT_COUNT || !json_is_object(args))
		fuzz_fail("script %d without its arguments", (int)s);
	json_object_foreach(args, k, v)
	{
		if (!json_is_string(v) && !json_is_integer(v) &&
		    !json_is_boolean(v))
			fuzz_fail("script %d: argument %s of an odd type",
				  (int)s, k);
	}
	if (s == SCRIPT_CLAIM && json_is_true(json_object_get(args, "force")) &&
	    !(c->roles & CTL_ROLE(CTL_SUPERVISORS)))
		fuzz_fail("a claim forced by a caller who is no supervisor");
	if ((text = json_dumps(args, JSON_COMPACT)) == NULL)
		fuzz_fail("script %d: arguments that do not serialise", (int)s);
	free(text);
	json_decref(args);
	c->script_cb = cb;
	c->script = s;
	ctl_wait(c, true);
	return 0;
}

/* A stream's pages: the store is gone before the first (below). */
bool
ctl_drained_now(const struct ctl_conn *c)
{
	(void)c;
	return true;
}

/* The calls that page through Redis themselves (audit verify, report,
 * the last verification in status): their arguments are checked as
 * ctl_call's are, then the store is gone, which each must answer. */
int
store_call_json(struct store *st, enum store_script s, json_t *args,
		store_json_cb *cb, void *arg)
{
	(void)st;
	(void)cb;
	(void)arg;
	if ((unsigned)s >= SCRIPT_COUNT || !json_is_object(args))
		fuzz_fail("script %d without its arguments", (int)s);
	json_decref(args);
	return -1;
}

/* ---- ctl.c's handle_line, with the caller's roles given ------------- */

static void
answer_later(struct ctl_conn *c, bool refused)
{
	if (c->script_cb != NULL) {
		store_json_cb *cb = c->script_cb;
		json_t *r;

		c->script_cb = NULL;
		/* What the scripts answer when there is nothing to show. */
		r = c->script == SCRIPT_ALERT_RETRY
			? json_pack("{ss}", "id", "1795860000000-1")
			: json_pack("{s[] s[] s[] s[] s[] si si}", "items",
				    "fields", "alerts", "events", "tasks",
				    "open", 0, "closed", 0);
		if (refused)
			cb(NULL, "ERR refused by the fuzz harness", c);
		else
			cb(r, NULL, c);
		json_decref(r);
	} else if (submit_cb != NULL) {
		static const char stored[] =
		    "{\"result\":\"stored\",\"id\":\"MASH-2026-000001\","
		    "\"brag\":\"amber\",\"received\":\"2026-11-24T10:00:00Z\","
		    "\"status\":\"new\"}";
		redisReply reply = {.type = REDIS_REPLY_STRING,
				    .str = (char *)stored,
				    .len = sizeof(stored) - 1};
		struct store_result sr = {.outcome = STORE_DONE,
					  .reply = &reply};
		store_outcome_cb *cb = submit_cb;

		submit_cb = NULL;
		if (refused) {
			sr.outcome = STORE_NOT_RUN;
			sr.reply = NULL;
			sr.err = "ERR refused by the fuzz harness";
		}
		cb(&sr, submit_arg);
	}
	if (c->busy)
		fuzz_fail("a callback that did not finish its request");
}

static void
one_line(const char *line, size_t len, unsigned roles, bool refused)
{
	struct ctl_conn c = {.roles = roles};
	const struct ctl_command *cmd = NULL;
	const char *name;

	c.req = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	logging_req = c.req;
	if (c.req == NULL || !json_is_object(c.req)) {
		ctl_error(&c, "a request is one JSON object per line");
		goto out;
	}
	if (json_integer_value(json_object_get(c.req, "v")) !=
	    MASH_PROTOCOL_VERSION) {
		ctl_error(&c, "protocol version is not spoken here");
		goto out;
	}
	name = ctl_arg(&c, "cmd");
	for (size_t i = 0; name != NULL && i < ctl_ncommands; i++)
		if (strcmp(name, ctl_commands[i].name) == 0)
			cmd = &ctl_commands[i];
	if (cmd == NULL) {
		ctl_error(&c, "unknown command");
		goto out;
	}
	if (!(roles & cmd->roles)) {
		log_info("control: %s refused %s", actor, cmd->name);
		ctl_error(&c, "permission denied");
		goto out;
	}
	cmd->fn(&c);
	if (c.busy != (c.script_cb != NULL || submit_cb != NULL))
		fuzz_fail("%s: waiting for nothing, or not waiting", name);
	if (c.busy && c.answers != 0)
		fuzz_fail("%s: answered before its callback", name);
	answer_later(&c, refused);
out:
	if (c.answers != 1)
		fuzz_fail("%d answers to one request", c.answers);
	if (holds != 0)
		fuzz_fail("work still in flight after the answer");
	logging_req = NULL;
	json_decref(c.req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned callers[] = {
	    0,
	    CTL_ROLE(CTL_CALL_HANDLERS),
	    CTL_ROLE(CTL_NAVIGATORS),
	    CTL_ROLE(CTL_SUPERVISORS),
	    CTL_ROLE(CTL_ADMINS),
	    CTL_ROLE(CTL_CALL_HANDLERS) | CTL_ROLE(CTL_NAVIGATORS) |
		CTL_ROLE(CTL_SUPERVISORS) | CTL_ROLE(CTL_ADMINS),
	};
	const char *p = (const char *)data, *end = p + size;

	if (conf == NULL) {
		char err[512];

		if ((conf = config_load(NULL, err, sizeof(err))) == NULL)
			fuzz_fail("config: %s", err);
		hub.conf = conf;
		if ((hub.base = event_base_new()) == NULL)
			fuzz_fail("no event base");
	}
	/* Lines as evbuffer_readln(EVBUFFER_EOL_LF) cuts them. */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL)
			break; /* not a line yet */
		for (size_t i = 0; i < sizeof(callers) / sizeof(callers[0]);
		     i++)
			one_line(p, (size_t)(nl - p), callers[i], i % 2 == 0);
		p = nl + 1;
	}
	return 0;
}
