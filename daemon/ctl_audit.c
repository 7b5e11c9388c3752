/*
 * ctl_audit.c owns the commands about the audit's chain (ctl_audit.h).
 * audit_verify walks the events stream in pages of AUDIT_PAGE events, one
 * Lua call each, passing each page's cursor to the next, so no call holds
 * Redis long and no answer is large; the last page records the result
 * (audit:verified) and audits the verification itself.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mash/calendar.h"
#include "mash/config.h"
#include "mash/timeutil.h"
#include "mash/jfield.h"

#include "clock.h"
#include "ctl.h"
#include "ctl_audit.h"
#include "log.h"
#include "store.h"

#define AUDIT_PAGE 500

static void verify_page(const json_t *r, const char *err, void *arg);

/* The next page's arguments, from the request and the last page's
 * answer (NULL for the first page). */
static json_t *
verify_args(struct ctl_conn *c, const json_t *r)
{
	const char *from = ctl_arg(c, "from");
	json_t *a = json_pack(
	    "{ss ss ss sb sI sI si ss sI}", "from", from ? from : "", "after",
	    r ? jfield(r, "after") : "", "prev_hash",
	    r ? jfield(r, "prev_hash") : "", "chained",
	    r ? json_is_true(json_object_get(r, "chained")) : 0, "checked",
	    r ? json_integer_value(json_object_get(r, "checked")) : 0,
	    "unchained",
	    r ? json_integer_value(json_object_get(r, "unchained")) : 0,
	    "limit", AUDIT_PAGE, "actor", ctl_actor(c), "at",
	    (json_int_t)clock_now_ms());

	return a;
}

/* Is r audit_verify.lua's page: its counts, and when it is the last,
 * its result and the head? An answer without them tells nothing: it is
 * not taken for a verification (nor its counts for none). */
static bool
verify_shaped(const json_t *r)
{
	return json_is_integer(json_object_get(r, "checked")) &&
	       json_is_integer(json_object_get(r, "unchained")) &&
	       (!json_is_true(json_object_get(r, "done")) ||
		(json_is_boolean(json_object_get(r, "ok")) &&
		 json_is_object(json_object_get(r, "head"))));
}

/* An event's id (a stream entry's: digits, a dash, digits), or a
 * digest (hex), as o's key holds it; "" when there is none, and a
 * placeholder when it is of another shape: the log tells ids alone,
 * never a string of Redis's it cannot vouch for. */
static const char *
logged_id(const json_t *o, const char *key, bool hex)
{
	const char *s = jfield(o, key);

	if (s[0] == '\0')
		return s;
	if (hex)
		return strlen(s) >= 32 &&
			       strspn(s, "0123456789abcdef") == strlen(s)
			   ? s
			   : "(not a digest)";
	return ctl_stream_id(s) ? s : "(not an event id)";
}

/* The first break's kind, one of audit_verify.lua's words. */
static const char *
logged_what(const json_t *r)
{
	static const char *const words[] = {"changed", "removed", "inserted",
					    "miscopied", ""};
	const char *s = jfield(r, "what");

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(s, words[i]) == 0)
			return s;
	return "(no kind of break)";
}

static void
verify_answer(struct ctl_conn *c, const json_t *r)
{
	bool ok = json_is_true(json_object_get(r, "ok"));
	const json_t *head = json_object_get(r, "head");

	/* The head in the log too: a copy outside Redis that a rewritten
	 * chain would no longer match. */
	if (ok)
		log_event(NULL, NULL, "audit",
			  "audit chain verified by %s: %lld events, head %s "
			  "hash %s",
			  ctl_actor(c),
			  (long long)json_integer_value(
			      json_object_get(r, "checked")),
			  logged_id(head, "id", false),
			  logged_id(head, "hash", true));
	else
		log_event_warnx(NULL, NULL, "audit",
				"audit chain verification by %s FAILED: event "
				"%s %s",
				ctl_actor(c), logged_id(r, "event", false),
				logged_what(r));
	ctl_send(c, json_pack("{sb sb sO sO ss ss sO}", "ok", 1, "verified", ok,
			      "checked", json_object_get(r, "checked"),
			      "unchained", json_object_get(r, "unchained"),
			      "event", jfield(r, "event"), "what",
			      jfield(r, "what"), "head", head));
}

static void
verify_page(const json_t *r, const char *err, void *arg)
{
	struct ctl_conn *c = arg;

	if (err != NULL) {
		ctl_error(c, "the audit was not verified: %s",
			  ctl_refusal(err));
		ctl_done(c);
		return;
	}
	if (!verify_shaped(r)) {
		ctl_error(c, "the audit's verification cannot be told: the "
			     "referral store's answer is not of its shape");
		ctl_done(c);
		return;
	}
	if (json_is_true(json_object_get(r, "done"))) {
		verify_answer(c, r);
		ctl_done(c);
		return;
	}
	/* The connection is held (ctl_wait) until ctl_done, page to page. */
	if (store_call_json(ctl_daemon(c)->store, SCRIPT_AUDIT_VERIFY,
			    verify_args(c, r), verify_page, c) != 0) {
		ctl_error(c, "the referral store went away while the audit "
			     "was being verified; nothing is recorded: run "
			     "it again");
		ctl_done(c);
	}
}

void
ctl_audit_verify(struct ctl_conn *c)
{
	const char *from = ctl_arg(c, "from");

	if (from != NULL && strspn(from, "0123456789-") != strlen(from)) {
		ctl_error(c, "--from wants an event id, such as "
			     "1764432000000-0");
		return;
	}
	ctl_call(c, SCRIPT_AUDIT_VERIFY, verify_args(c, NULL), verify_page);
}

/* The last verification, as `status` shows it: {result, at, at_local,
 * actor, checked, event, what, from}. */
static json_t *
last_json(struct ctl_conn *c, const json_t *r)
{
	char local[64];
	const char *ok = jfield(r, "ok");
	json_t *o;

	o = json_pack("{ss so ss ss ss ss}", "result",
		      ok[0] == '\0' ? "never"
				    : (strcmp(ok, "1") == 0 ? "ok" : "failed"),
		      "at", ctl_instant(r, "at"), "actor", jfield(r, "actor"),
		      "event", jfield(r, "event"), "what", jfield(r, "what"),
		      "from", jfield(r, "from"));
	if (jfield(r, "at")[0] != '\0')
		json_object_set_new(o, "at_local",
				    json_string(calendar_format_local(
					ctl_daemon(c)->conf->calendar,
					strtoll(jfield(r, "at"), NULL, 10),
					local, sizeof(local))));
	json_object_set_new(
	    o, "checked",
	    json_integer(strtoll(jfield(r, "checked"), NULL, 10)));
	return o;
}

struct status_wait {
	struct ctl_conn *c;
	json_t *status;
};

static void
status_last_done(const json_t *r, const char *err, void *arg)
{
	struct status_wait *w = arg;

	if (err == NULL)
		json_object_set_new(w->status, "audit", last_json(w->c, r));
	ctl_send(w->c, w->status);
	ctl_done(w->c);
	free(w);
}

void
ctl_audit_status(struct ctl_conn *c, json_t *status)
{
	struct status_wait *w = malloc(sizeof(*w));

	if (w != NULL) {
		w->c = c;
		w->status = status;
		if (store_call_json(ctl_daemon(c)->store, SCRIPT_AUDIT_LAST,
				    json_object(), status_last_done, w) == 0)
			return;
		free(w);
	}
	ctl_send(c, status); /* without the audit: Redis went away */
	ctl_done(c);
}
