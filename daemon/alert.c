/*
 * alert.c owns the outbox and the delivery jobs; see alert.h.
 *
 * One alert (an outbox entry) becomes a job of parts: "mail:referrer",
 * "mail:staff" (one message to the staff roles it concerns, never shown
 * to a referrer) and "hook:NAME" per webhook that wants the event. A part
 * delivered is remembered in Redis and never sent again; a job whose
 * parts all went is "sent". What an alert says is alert_text.c's; the
 * transports are deliver_mail.c (sendmail) and webhook.c.
 *
 * Invariants: at most one alert_take call is in flight (a->busy); an
 * alert is in a->jobs from its claim (by alert_take, or by submit.lua for
 * a new referral's alerts: alert_adopt) until alert_result answered, so it
 * is never delivered twice at once by this process. At most ALERT_HELD
 * (4 x alerts.max_parallel) jobs deliver at once (a->njobs; a job whose
 * parts all ended waits for its result in alert_batch.c, a->nrecording,
 * at most ALERT_RECORDING); the others wait in the outbox.
 *
 * A job starts its syslog line and its webhooks as soon as it is claimed,
 * whatever the mail processes are doing; its mails wait in a->mailq for
 * a process, and start while fewer than alerts.max_parallel run, so no
 * more ever run. The queue's order (rank, lowest first): the time the
 * alert was claimed, less alerts.timeout for an "at once" event (red,
 * repeat); ties in claim order. So an at-once alert's mail goes before
 * every other claimed up to alerts.timeout earlier, and behind the older
 * ones: none is passed over for ever.
 *
 * The claim: j->claimed is the monotonic time just before the call that
 * claimed the alert was sent (alert_take, or submit.lua), so the claim in
 * Redis is no older; Redis lets another mashd take it claim_idle after.
 * A job starts at once after the take's reply, as before (its latency is
 * taken as small), and its parts that start then (webhooks, mails with a
 * process free) are not checked against the claim. A job adopted from
 * submit.lua's reply and a mail that waits for a process start only
 * before j->claimed + (claim_idle - timeout) / 2 (alert_claim_ends()), so
 * they end within the claim with half a second at least to spare for the
 * result to be written. An adopted job later than that starts nothing
 * and is taken again (XCLAIM renews the claim); a mail still waiting then
 * is not started: it fails ("no sendmail process free in time"), by
 * a->expire, armed at the first such time. A stop starts no waiting mail:
 * each fails at once, so the jobs end within alerts.timeout of it and are
 * recorded. A job whose only failures are such mails never started spends
 * no attempt (j->unstarted; alert_result.lua): it is pending, never made
 * dead by them; due at once after a stop, and after one that waited in
 * vain, once as long again as no mail has been answered (at most 5
 * minutes) or at the next mail answered (alert_mailq.c: a hung MTA).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "mash/calendar.h"
#include "mash/config.h"
#include "mash/jfield.h"
#include "mash/words.h"

#include "alert.h"
#include "alert_audience.h"
#include "alert_batch.h"
#include "alert_int.h"
#include "alert_log.h"
#include "alert_plan.h"
#include "alert_text.h"
#include "clock.h"
#include "deliver_mail.h"
#include "lifecycle.h"
#include "log.h"
#include "store.h"
#include "webhook.h"

#define ALERT_POLL_MS 1000
#define ALERT_BATCH 16
#define ALERT_RECORDING (4 * ALERT_BATCH_SIZE)

static void look(struct alerter *a);

static const json_t *
fields(const struct job *j)
{
	return json_object_get(j->alert, "fields");
}

static const char *
field(const struct job *j, const char *k)
{
	return jfield(fields(j), k);
}

static const char *
referrer(const struct job *j, const char *k)
{
	return json_string_value(
	    json_object_get(json_object_get(j->alert, "referrer"), k));
}

/* ---- parts ----------------------------------------------------------- */

static void job_finish(struct job *j);

static void
alert_part_done(const char *err, void *arg)
{
	struct part *p = arg;
	struct job *j = p->job;
	struct alerter *a = j->a;
	bool mail = strncmp(p->name, "mail:", 5) == 0;

	if (p->finished)
		return;
	p->finished = true;
	if (mail && !p->unstarted)
		alert_mail_answered(p, err);
	if (err != NULL) {
		log_event_warnx(
		    field(j, "ref"), field(j, "brag"), field(j, "event"),
		    "alert %s ref=%s event=%s: %s failed: %s", j->id,
		    field(j, "ref"), field(j, "event"), p->name, err);
		j->failed++;
		/* The first failure says why, but one that spends the
		 * attempt goes before a mail never started, which spends
		 * none: the dead letter names what failed. */
		if (j->error[0] == '\0' || (!p->unstarted && !j->error_real)) {
			snprintf(j->error, sizeof(j->error), "%s: %s", p->name,
				 err);
			j->error_real = !p->unstarted;
		}
		p->name[0] = '\0'; /* not delivered */
	}
	if (--j->left == 0)
		job_finish(j); /* j may be gone */
	if (mail)
		alert_pump(a); /* a process is free: the next mail */
}

static void
start_mail(struct part *p, const char *const *to, size_t nto, bool for_referrer)
{
	struct job *j = p->job;
	const struct mash_config *c = j->a->d->conf;
	char subject[256], body[2048], msgid[160];
	struct mail m = {
	    .id = j->id,
	    .sendmail = c->alerts.sendmail,
	    .sessions = c->alerts.sendmail_session
			    ? (unsigned)c->alerts.max_parallel
			    : 0,
	    .timeout = c->alerts.timeout,
	    .from = c->alerts.from,
	    .to = to,
	    .nto = nto,
	    .subject = subject,
	    .body = body,
	    .msgid = msgid,
	    .ref = field(j, "ref"),
	    .event = field(j, "event"),
	};

	alert_text_compose(c->calendar, fields(j), for_referrer, subject,
			   sizeof(subject), body, sizeof(body));
	/* A quarantined mail's alert names no referral: no empty part. */
	snprintf(msgid, sizeof(msgid), "%s.%s%s%s@mashd", j->id,
		 for_referrer ? "referrer" : "staff",
		 field(j, "ref")[0] ? "." : "", field(j, "ref"));
	mailer_send(j->a->mailer, &m, alert_part_done, p);
}

/* A mail part, its process free: to the mailer. */
static void
alert_mail_start(struct part *p)
{
	struct job *j = p->job;

	if (strcmp(p->name, "mail:referrer") == 0) {
		const char *one[] = {referrer(j, "email")};

		start_mail(p, one, 1, true);
	} else {
		start_mail(p, j->pl.au.staff, j->pl.au.nstaff, false);
	}
}

/* Mail is on (alerts.sendmail is not "") and the referrer has an address. */
static bool
mailed(const struct job *j)
{
	return alert_plan_mailed(j->a->d->conf,
				 json_object_get(j->alert, "referrer"));
}

/* What a webhook is sent: the staff text, its roles, and the facts. */
static char *
hook_body(const struct job *j, const struct config_webhook *w, unsigned to)
{
	const struct mash_config *c = j->a->d->conf;
	char subject[256], text[2048], due[64] = "";
	json_t *roles = json_array(), *o;
	char *body;

	alert_text_compose(c->calendar, fields(j), false, subject,
			   sizeof(subject), text, sizeof(text));
	if (field(j, "due")[0] != '\0')
		calendar_format_local(c->calendar,
				      strtoll(field(j, "due"), NULL, 10), due,
				      sizeof(due));
	for (int r = 0; r < ROLE_COUNT; r++)
		if (to & ALERT_TO_ROLE(r))
			json_array_append_new(roles,
					      json_string(config_role_name(r)));
	if (to & ALERT_TO_REFERRER)
		json_array_append_new(roles, json_string("referrer"));
	o = json_pack("{ss ss ss ss ss ss ss ss ss so}", "id", j->id, "event",
		      field(j, "event"), "ref", field(j, "ref"), "brag",
		      field(j, "brag"), "timer", field(j, "timer"), "due",
		      field(j, "due"), "due_local", due, "subject", subject,
		      "text", text, "roles", roles);
	/* A referrer not mailed is reached this way, by a gateway that says
	 * it reaches referrers; no other webhook is given the number. */
	if (w->referrers && (to & ALERT_TO_REFERRER) && !mailed(j) &&
	    referrer(j, "phone") != NULL)
		json_object_set_new(o, "referrer_phone",
				    json_string(referrer(j, "phone")));
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return body;
}

static void
start_hook(struct part *p, const struct config_webhook *w, unsigned to)
{
	struct job *j = p->job;
	char *body = hook_body(j, w, to);
	struct webhook_post post = {
	    .url = w->url,
	    .ca_file = w->ca_file,
	    .secret = w->secret,
	    .timeout = j->a->d->conf->alerts.timeout,
	    .body = body,
	    .event = field(j, "event"),
	    .delivery = j->id,
	};

	if (body == NULL) {
		alert_part_done("bad url", p);
		return;
	}
	webhooks_post(j->a->hooks, &post, alert_part_done, p);
	free(body);
}

/* ---- jobs ------------------------------------------------------------ */

static void
job_free(struct job *j)
{
	LIST_REMOVE(j, entry);
	if (j->recording)
		j->a->nrecording--;
	else
		j->a->njobs--;
	json_decref(j->alert);
	lifecycle_release(j->a->d->life);
	free(j);
}

static void
result_done(const char *state, const char *err, void *arg)
{
	struct job *j = arg;
	struct alerter *a = j->a;

	if (err != NULL)
		log_warnx("alert %s: cannot record its delivery: %s; it stays "
			  "pending",
			  j->id, err);
	else if (state != NULL)
		alert_log_outcome(j->id, fields(j), state,
				  (long long)json_integer_value(
				      json_object_get(j->alert, "attempts")) +
				      1,
				  j->error);
	job_free(j);
	/* A dead letter, or an alert that waited for room, is in the outbox
	 * now; else the tick looks (a look per result would cost a call). */
	if (a->starved || (state != NULL && strcmp(state, "dead") == 0)) {
		a->starved = false;
		look(a);
	}
}

/* Every part answered: the attempt is recorded with others' (a batch). */
static void
job_finish(struct job *j)
{
	json_t *done = json_array(), *r;

	for (int i = 0; i < j->nparts; i++)
		if (j->parts[i].name[0] != '\0')
			json_array_append_new(done,
					      json_string(j->parts[i].name));
	j->recording = true;
	j->a->njobs--;
	j->a->nrecording++;
	r = alert_batch_result(
	    j->a->d->conf, j->id,
	    json_integer_value(json_object_get(j->alert, "attempts")), j->error,
	    done, j->callback);
	/* Only mails never handed to sendmail failed: no attempt is spent;
	 * one waited in vain: its retry waits while sendmail does not
	 * answer (alert_mailq.c), from the result's now, which
	 * alert_result.lua records as when it was held: a second reading of
	 * the clock put it past the 5 minutes by the ms between. */
	if (r != NULL && j->failed > 0 && j->failed == j->unstarted) {
		json_object_set_new(r, "unstarted", json_true());
		if (j->held) {
			json_object_set_new(r, "held", json_true());
			json_object_set_new(
			    r, "next_at",
			    json_integer(
				json_integer_value(json_object_get(r, "now")) +
				alert_mail_hold_ms(j->a)));
		}
	}
	alert_batch_add(j->a->batch, r, result_done, j);
}

static bool
urgent(const char *event)
{
	return strcmp(event, alert_event_names[EVENT_RED]) == 0 ||
	       strcmp(event, alert_event_names[EVENT_REPEAT]) == 0;
}

/*
 * Start the delivery of one alert, as just claimed (before `claimed`) by
 * alert_take or submit.lua (`adopted`): its syslog line and webhooks now,
 * its mails when a process is free. False, with nothing started and
 * nothing held, when ALERT_HELD jobs deliver already, or submit.lua's
 * claim is too old for an attempt to end within it: it stays pending
 * with this consumer, and is taken (claimed) again by a look.
 */
static bool
job_start(struct alerter *a, json_t *alert, int64_t claimed, bool adopted)
{
	const struct mash_config *c = a->d->conf;
	struct job *j;
	struct part *p;

	if (a->njobs >= ALERT_HELD(c) ||
	    (adopted && clock_mono_ms() >= alert_claim_ends(c, claimed)) ||
	    (j = calloc(1, sizeof(*j))) == NULL) {
		json_decref(alert);
		return false;
	}
	j->a = a;
	j->alert = alert;
	j->claimed = claimed;
	snprintf(j->id, sizeof(j->id), "%s",
		 json_string_value(json_object_get(alert, "id")));
	j->urgent = urgent(field(j, "event"));
	alert_plan_make(c, fields(j), json_object_get(alert, "referrer"),
			json_object_get(alert, "done"), &j->pl);
	for (int i = 0; i < j->pl.nparts; i++) {
		j->parts[i].job = j;
		memcpy(j->parts[i].name, j->pl.parts[i],
		       sizeof(j->parts[i].name));
	}
	j->nparts = j->left = j->pl.nparts;
	j->callback = j->pl.callback;
	/* In flight until its result is recorded: a stop waits for it, so a
	 * mail sent is never sent again after a restart. */
	lifecycle_hold(a->d->life);
	LIST_INSERT_HEAD(&a->jobs, j, entry);
	a->njobs++;
	/* syslog, always: the reference, the event, the roles. */
	alert_log_attempt(
	    j->id, fields(j), j->pl.au.roles,
	    (long long)json_integer_value(json_object_get(alert, "attempts")) +
		1);
	if (j->left == 0) { /* syslog carried it */
		job_finish(j);
		return true;
	}
	/* Start them only now: a part may finish at once. */
	j->left++;
	for (int i = 0; i < j->nparts; i++) {
		p = &j->parts[i];
		if (strncmp(p->name, "mail:", 5) == 0) {
			alert_mail_offer(p);
			continue;
		}
		for (size_t k = 0; k < c->nwebhooks; k++)
			if (strcmp(p->name + 5, c->webhooks[k].name) == 0)
				start_hook(p, &c->webhooks[k], j->pl.to);
	}
	alert_pump(a);
	if (--j->left == 0)
		job_finish(j);
	return true;
}

/* ---- the loop -------------------------------------------------------- */

static bool
in_flight(const struct alerter *a, const char *id)
{
	const struct job *j;

	LIST_FOREACH(j, &a->jobs, entry)
	{
		if (strcmp(j->id, id) == 0)
			return true;
	}
	return false;
}

static void
arm(struct alerter *a, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(a->tick, &tv);
}

/* Start the alerts just claimed (before `claimed`) for this consumer, in
 * the order given: once one cannot start (no room, or its claim too old),
 * none of the others does. False then (they stay pending here). */
static bool
start_all(struct alerter *a, const json_t *alerts, int64_t claimed,
	  bool adopted)
{
	json_t *alert;
	bool full = false;
	size_t i;

	json_array_foreach(alerts, i, alert)
	{
		const char *id =
		    json_string_value(json_object_get(alert, "id"));

		if (full || id == NULL || in_flight(a, id) ||
		    lifecycle_draining(a->d->life))
			continue;
		if (!job_start(a, json_incref(alert), claimed, adopted))
			full = true;
	}
	return !full;
}

static void
take_done(const json_t *r, const char *err, void *arg)
{
	struct alerter *a = arg;
	json_t *alerts = json_object_get(r, "alerts");
	const char *cursor;
	bool full;

	a->busy = false;
	if (err != NULL) {
		log_warnx("alerts: cannot read the outbox: %s", err);
		a->cursor[0] = '\0'; /* the next take starts from the head */
	} else if ((cursor = json_string_value(json_object_get(r, "cursor"))) !=
		   NULL) {
		snprintf(a->cursor, sizeof(a->cursor), "%s", cursor);
	}
	full = !start_all(a, alerts, a->take_sent, false);
	a->starved |= full;
	/* A whole batch: more may wait, take them while there is room (a
	 * job that ends calls look() too). */
	if (!full && json_array_size(alerts) > 0 &&
	    json_array_size(alerts) == (size_t)a->asked)
		a->again = true;
	if (a->again) {
		a->again = false;
		look(a);
		return;
	}
	arm(a, ALERT_POLL_MS);
}

static void
look(struct alerter *a)
{
	const struct mash_config *c = a->d->conf;
	json_t *busy;
	const struct job *j;
	int64_t sent;
	int room = ALERT_HELD(c) - a->njobs;

	if (a->nrecording >= ALERT_RECORDING)
		room = 0; /* until Redis has taken the results */

	if (a->busy) {
		a->again = true;
		return;
	}
	evtimer_del(a->tick);
	/* A stop, or timers catching up (the scheduler kicks), starts none;
	 * a full house waits for a job to end, the tick only in case. */
	if (lifecycle_draining(a->d->life) || a->d->timers_behind)
		return;
	if (room <= 0) {
		a->starved = true;
		arm(a, ALERT_POLL_MS);
		return;
	}
	if (room > ALERT_BATCH)
		room = ALERT_BATCH;
	/* The ids under way here, so the take skips them. */
	busy = json_array();
	LIST_FOREACH(j, &a->jobs, entry)
	{
		json_array_append_new(busy, json_string(j->id));
	}
	sent = clock_mono_ms(); /* the claims are younger */
	if (store_call_json(
		a->d->store, SCRIPT_ALERT_TAKE,
		json_pack("{ss sI si sI so sI ss}", "consumer", a->consumer,
			  "now", (json_int_t)clock_now_ms(), "count", room,
			  "claim_idle", (json_int_t)c->alerts.claim_idle * 1000,
			  "busy", busy, "answered", (json_int_t)a->answered_at,
			  "cursor", a->cursor),
		take_done, a) != 0) {
		arm(a, ALERT_POLL_MS);
		return;
	}
	a->take_sent = sent;
	a->asked = room;
	a->busy = true;
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	look(arg);
}

struct alerter *
alert_new(struct mashd *d)
{
	struct alerter *a = calloc(1, sizeof(*a));
	char host[128] = "localhost";
	unsigned char rnd[8] = {0};
	char hex[2 * sizeof(rnd) + 1];

	if (a == NULL)
		fatalx("alert_new: out of memory");
	a->d = d;
	a->mail_start = alert_mail_start;
	a->part_done = alert_part_done;
	LIST_INIT(&a->jobs);
	a->answered = clock_mono_ms(); /* a hung MTA is seen from the start */
	gethostname(host, sizeof(host) - 1);
	/* Unique to this process: two containers may share a host name and a
	 * pid, never the random part. Alerts a mashd left pending are taken
	 * over after alerts.claim_idle, by any mashd, this one's successor
	 * too. */
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		fatal("alert_new: getrandom");
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	snprintf(a->consumer, sizeof(a->consumer), "%s:%ld:%s", host,
		 (long)getpid(), hex);
	log_info("alerts: delivering as consumer %s", a->consumer);
	TAILQ_INIT(&a->mailq);
	a->tick = evtimer_new(d->base, tick, a);
	a->expire = evtimer_new(d->base, alert_expire, a);
	a->mailer = mailer_new(d->base);
	a->hooks = webhooks_new(d->base, d->dns);
	a->batch = alert_batch_new(d);
	if (a->tick == NULL || a->expire == NULL || a->hooks == NULL)
		fatalx("alert_new: out of memory");
	arm(a, 0);
	return a;
}

const char *
alert_consumer(struct alerter *a)
{
	if (a == NULL || lifecycle_draining(a->d->life))
		return "";
	if (a->njobs >= ALERT_HELD(a->d->conf) ||
	    a->nrecording >= ALERT_RECORDING) {
		a->starved = true;
		return "";
	}
	/* The results waiting go with this call: Redis reads both at once
	 * and one fsync covers them (appendfsync always). */
	alert_batch_flush(a->batch);
	return a->consumer;
}

bool
alert_adopt(struct alerter *a, const json_t *alerts, int64_t claimed)
{
	if (a == NULL || json_array_size(alerts) == 0)
		return false;
	if (start_all(a, alerts, claimed, true))
		return true;
	a->starved = true; /* the others wait pending here */
	arm(a, ALERT_POLL_MS);
	return false;
}

void
alert_kick(struct alerter *a)
{
	if (a != NULL && lifecycle_draining(a->d->life)) {
		alert_pump(a); /* the mails waiting fail: none starts now */
		alert_batch_flush(a->batch); /* a stop waits for no delay */
	} else if (a != NULL) {
		look(a);
	}
}

void
alert_free(struct alerter *a)
{
	if (a == NULL)
		return;
	/* The transports first: no answer may reach a job freed below. */
	mailer_free(a->mailer);
	webhooks_free(a->hooks);
	alert_batch_free(a->batch); /* the results not sent: still pending */
	TAILQ_INIT(&a->mailq);	    /* its parts go with their jobs */
	while (!LIST_EMPTY(&a->jobs))
		job_free(LIST_FIRST(&a->jobs));
	event_free(a->tick);
	event_free(a->expire);
	free(a);
}
