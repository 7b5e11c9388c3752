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
 * is never delivered twice at once by this process. At most
 * alerts.max_parallel jobs deliver at once (a->njobs; a job whose parts
 * all ended waits for its result in alert_batch.c, a->nrecording, at most
 * ALERT_RECORDING), and a job starts only when the mailer has a free
 * process for each of its mails, so no more than max_parallel sendmail
 * processes ever run; the others wait in the outbox. A job starts all
 * its parts as soon as it is claimed, so an attempt ends within
 * alerts.timeout of its claim (see alert_take.lua).
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

#include "alert.h"
#include "alert_audience.h"
#include "alert_batch.h"
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

struct job;

struct part {
	struct job *job;
	char name[80];
	bool finished;
};

struct job {
	struct alerter *a;
	LIST_ENTRY(job) entry; /* in a->jobs */
	char id[48];
	json_t *alert; /* as alert_take gave it */
	struct part parts[ALERT_MAX_PARTS];
	int nparts;
	int left;
	bool callback;	/* no transport reaches the referrer: a task instead */
	bool recording; /* every part ended: its result waits in a->batch */
	char error[256];
};

struct alerter {
	struct mashd *d;
	struct event *tick;
	struct mailer *mailer;
	struct webhooks *hooks;
	struct alert_batch *batch;
	char consumer[256];
	bool busy;
	bool again;
	bool starved; /* an alert waits for room: look when a job ends */
	LIST_HEAD(, job) jobs;
	int njobs;	/* in a->jobs, delivering */
	int nrecording; /* in a->jobs, waiting for alert_result */
	int asked;	/* the count of the take in flight */
};

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

/* A transport's answer: err is NULL when it took the part. */
static void
part_done(const char *err, void *arg)
{
	struct part *p = arg;
	struct job *j = p->job;

	if (p->finished)
		return;
	p->finished = true;
	if (err != NULL) {
		log_event_warnx(
		    field(j, "ref"), field(j, "brag"), field(j, "event"),
		    "alert %s ref=%s event=%s: %s failed: %s", j->id,
		    field(j, "ref"), field(j, "event"), p->name, err);
		if (j->error[0] == '\0')
			snprintf(j->error, sizeof(j->error), "%s: %s", p->name,
				 err);
		p->name[0] = '\0'; /* not delivered */
	}
	if (--j->left == 0)
		job_finish(j);
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
	mailer_send(j->a->mailer, &m, part_done, p);
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
		part_done("bad url", p);
		return;
	}
	webhooks_post(j->a->hooks, &post, part_done, p);
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
	json_t *done = json_array();

	for (int i = 0; i < j->nparts; i++)
		if (j->parts[i].name[0] != '\0')
			json_array_append_new(done,
					      json_string(j->parts[i].name));
	j->recording = true;
	j->a->njobs--;
	j->a->nrecording++;
	alert_batch_add(j->a->batch,
			alert_batch_result(j->a->d->conf, j->id,
					   json_integer_value(json_object_get(
					       j->alert, "attempts")),
					   j->error, done, j->callback),
			result_done, j);
}

/* How many sendmail processes the plan of j needs. */
static int
job_mails(const struct job *j)
{
	int n = 0;

	for (int i = 0; i < j->nparts; i++)
		if (strncmp(j->parts[i].name, "mail:", 5) == 0)
			n++;
	return n;
}

/*
 * Start the delivery of one alert, as just claimed by alert_take. False,
 * with nothing started and nothing held, when the mailer has too few free
 * processes for its mails: it stays pending with this consumer, and is
 * taken again when one is free.
 */
static bool
job_start(struct alerter *a, json_t *alert, int free_procs)
{
	const struct mash_config *c = a->d->conf;
	struct job *j = calloc(1, sizeof(*j));
	struct alert_plan pl;
	struct part *p;

	if (j == NULL) {
		json_decref(alert);
		return false;
	}
	j->a = a;
	j->alert = alert;
	snprintf(j->id, sizeof(j->id), "%s",
		 json_string_value(json_object_get(alert, "id")));
	alert_plan_make(c, fields(j), json_object_get(alert, "referrer"),
			json_object_get(alert, "done"), &pl);
	for (int i = 0; i < pl.nparts; i++) {
		j->parts[i].job = j;
		memcpy(j->parts[i].name, pl.parts[i], sizeof(j->parts[i].name));
	}
	j->nparts = j->left = pl.nparts;
	j->callback = pl.callback;
	if (job_mails(j) > free_procs) {
		json_decref(j->alert);
		free(j);
		return false;
	}
	/* In flight until its result is recorded: a stop waits for it, so a
	 * mail sent is never sent again after a restart. */
	lifecycle_hold(a->d->life);
	LIST_INSERT_HEAD(&a->jobs, j, entry);
	a->njobs++;
	/* syslog, always: the reference, the event, the roles. */
	alert_log_attempt(
	    j->id, fields(j), pl.au.roles,
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
		if (strcmp(p->name, "mail:referrer") == 0) {
			const char *one[] = {referrer(j, "email")};

			start_mail(p, one, 1, true);
		} else if (strcmp(p->name, "mail:staff") == 0) {
			start_mail(p, pl.au.staff, pl.au.nstaff, false);
		} else {
			for (size_t k = 0; k < c->nwebhooks; k++)
				if (strcmp(p->name + 5, c->webhooks[k].name) ==
				    0)
					start_hook(p, &c->webhooks[k], pl.to);
		}
	}
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

/* Free sendmail processes, under alerts.max_parallel. */
static int
free_procs(const struct alerter *a)
{
	return a->d->conf->alerts.max_parallel - (int)mailer_running(a->mailer);
}

/* Start the alerts just claimed for this consumer, in the outbox's order:
 * one that waits for processes keeps the others behind it, so none waits
 * for ever. False when one could not start (it stays pending here). */
static bool
start_all(struct alerter *a, const json_t *alerts)
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
		if (!job_start(a, json_incref(alert), free_procs(a)))
			full = true;
	}
	return !full;
}

static void
take_done(const json_t *r, const char *err, void *arg)
{
	struct alerter *a = arg;
	json_t *alerts = json_object_get(r, "alerts");
	bool full;

	a->busy = false;
	if (err != NULL)
		log_warnx("alerts: cannot read the outbox: %s", err);
	full = !start_all(a, alerts);
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
	int room = c->alerts.max_parallel - a->njobs;

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
	if (room <= 0 || free_procs(a) <= 0) {
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
	if (store_call_json(
		a->d->store, SCRIPT_ALERT_TAKE,
		json_pack("{ss sI si sI so}", "consumer", a->consumer, "now",
			  (json_int_t)clock_now_ms(), "count", room,
			  "claim_idle", (json_int_t)c->alerts.claim_idle * 1000,
			  "busy", busy),
		take_done, a) != 0) {
		arm(a, ALERT_POLL_MS);
		return;
	}
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
	LIST_INIT(&a->jobs);
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
	a->tick = evtimer_new(d->base, tick, a);
	a->mailer = mailer_new(d->base);
	a->hooks = webhooks_new(d->base, d->dns);
	a->batch = alert_batch_new(d);
	if (a->tick == NULL || a->hooks == NULL)
		fatalx("alert_new: out of memory");
	arm(a, 0);
	return a;
}

const char *
alert_consumer(struct alerter *a)
{
	if (a == NULL || lifecycle_draining(a->d->life))
		return "";
	if (a->njobs >= a->d->conf->alerts.max_parallel ||
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
alert_adopt(struct alerter *a, const json_t *alerts)
{
	if (a == NULL || json_array_size(alerts) == 0)
		return false;
	if (start_all(a, alerts))
		return true;
	a->starved = true; /* the others wait pending here */
	arm(a, ALERT_POLL_MS);
	return false;
}

void
alert_kick(struct alerter *a)
{
	if (a != NULL && lifecycle_draining(a->d->life))
		alert_batch_flush(a->batch); /* a stop waits for no delay */
	else if (a != NULL)
		look(a);
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
	while (!LIST_EMPTY(&a->jobs))
		job_free(LIST_FIRST(&a->jobs));
	event_free(a->tick);
	free(a);
}
