/*
 * intake.c owns the one write path of a new referral; see intake.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "mash/brag.h"
#include "mash/calendar.h"
#include "mash/config.h"
#include "mash/deadline.h"
#include "mash/timeutil.h"

#include "alert.h"
#include "alert_settle.h"
#include "clock.h"
#include "crypto_reuse.h"
#include "intake.h"
#include "lifecycle.h"
#include "log.h"
#include "scheduler.h"
#include "store.h"

/* How often a lost reply's lookup tries Redis again while it is away. */
#define LOOKUP_RETRY_MS 50
#define KEY_BYTES 16 /* of a key mashd makes, and of an attempt token */
#define HEX_LEN(n) (2 * (n) + 1)

/*
 * One submission, from the call until its answer, and until the last
 * store call it made has called back (a late reply is logged and its
 * referral's timers and alerts kicked even after an UNKNOWN answer).
 */
struct intake_pending {
	struct mashd *d;
	intake_cb *cb;
	void *arg;
	struct event *timer; /* the deadline, or the next lookup */
	int64_t deadline;    /* monotonic ms: the answer is given by then */
	int64_t sent;	     /* monotonic ms: submit.lua was sent after */
	int calls;	     /* store calls not yet called back: 0 or 1 */
	bool answered;
	bool lookup;  /* the reply was lost: the key is looked up */
	bool adopted; /* its alerts claimed: all started, or settled */
	/* The master stored it, and no wait for its replicas confirmed it
	 * (redis.replicas_ack): why, as the store said. */
	char unreplicated[256];
	char channel[16];
	char client[64];
	char brag[8];
	char key[INTAKE_IDEM_MAX + 1];
	char hash[HEX_LEN(SHA256_DIGEST_LENGTH)];
	char attempt[HEX_LEN(KEY_BYTES)];
	int ttl;
	int64_t first_due; /* its earliest timer's due time, ms; 0: none */
};

static void lookup_send(struct intake_pending *p);

/* n bytes as lower-case hex, NUL-terminated: keys and fingerprints
 * (snprintf's "%02x" for each byte was 5% of a referral's CPU). */
static void
hex_of(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static void
pending_free(struct intake_pending *p)
{
	if (!p->answered || p->calls > 0)
		return;
	event_free(p->timer);
	free(p);
}

static void
stored_log(struct intake_pending *p, const struct intake_result *res)
{
	if (res->replayed)
		log_info("referral %s: repeated submission from %s answered "
			 "from its idempotency key",
			 res->id, p->client);
	else
		log_event(res->id, p->brag, "received",
			  "referral %s received channel=%s client=%s brag=%s%s",
			  res->id, p->channel, p->client, p->brag,
			  p->answered ? " (after its sender was told the "
					"outcome is unknown)"
				      : "");
	if (!res->replayed) {
		scheduler_due(p->d->sched, p->first_due);
		if (!p->adopted) /* else nothing new waits in the outbox */
			alert_kick(p->d->alerts);
	}
}

/* The one answer: logged, given, and the request no longer in flight. */
static void
answer(struct intake_pending *p, struct intake_result *res)
{
	res->key = p->key;
	switch (res->outcome) {
	case INTAKE_STORED:
		break;
	case INTAKE_CONFLICT:
		res->say = "this idempotency key was sent before with another "
			   "referral; nothing was stored: use a new key for a "
			   "new referral";
		log_info("referral by %s from %s refused: its idempotency key "
			 "was used with another record",
			 p->channel, p->client);
		break;
	case INTAKE_NOT_STORED:
		res->say = "the referral store could not take the referral; "
			   "nothing was stored, try again";
		log_warnx("referral by %s from %s not stored: %s", p->channel,
			  p->client, res->err);
		break;
	case INTAKE_UNKNOWN: /* said only when mashd cannot know */
		res->say = "the referral store did not answer in time: the "
			   "referral may or may not be stored; sent again with "
			   "its idempotency key, it is stored once";
		if (p->unreplicated[0] != '\0') {
			res->say =
			    "the referral store's master has the "
			    "referral, but its replicas did not confirm "
			    "it in time, so a failover now could lose "
			    "it; sent again with its idempotency key, it "
			    "is stored once";
			res->err = p->unreplicated;
		}
		log_event_warnx(NULL, p->brag, "outcome_unknown",
				"referral by %s from %s: outcome unknown, "
				"redis may have stored it (%s); idempotency "
				"key %s",
				p->channel, p->client, res->err, p->key);
		break;
	}
	if (res->outcome == INTAKE_STORED)
		stored_log(p, res);
	p->answered = true;
	evtimer_del(p->timer);
	p->cb(res, p->arg);
	lifecycle_release(p->d->life);
}

static void
answer_unknown(struct intake_pending *p, const char *why)
{
	struct intake_result res = {.outcome = INTAKE_UNKNOWN, .err = why};

	answer(p, &res);
}

/*
 * The answer of a stored referral, built here in one fixed order from
 * the script's named fields, so a replay is the first answer byte for
 * byte. NULL when a field is missing.
 */
static char *
answer_json(const json_t *o)
{
	const char *f[] = {"id", "brag", "received", "status"};
	json_t *a = json_object();
	char *text = NULL;

	for (size_t i = 0; a != NULL && i < sizeof(f) / sizeof(f[0]); i++) {
		const char *v = json_string_value(json_object_get(o, f[i]));

		if (v == NULL)
			goto done;
		json_object_set_new(a, f[i], json_string(v));
	}
	if (a != NULL)
		text = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
done:
	json_decref(a);
	return text;
}

/* Run timer_cb in ms milliseconds, and never after the deadline. */
static void
arm(struct intake_pending *p, int64_t ms)
{
	int64_t left = p->deadline - clock_mono_ms();
	struct timeval tv;

	if (ms > left)
		ms = left > 0 ? left : 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(p->timer, &tv);
}

/* The reply was lost: look the key up once Redis is back, or give up at
 * the deadline. */
static void
lookup_later(struct intake_pending *p)
{
	p->lookup = true;
	if (p->deadline <= clock_mono_ms() || event_base_got_exit(p->d->base))
		answer_unknown(p, "redis did not answer in time");
	else
		arm(p, LOOKUP_RETRY_MS);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct intake_pending *p = arg;

	(void)fd;
	(void)what;
	if (p->deadline <= clock_mono_ms())
		answer_unknown(p, "redis did not answer in time");
	else if (p->calls == 0)
		lookup_send(p);
	else
		arm(p, p->deadline - clock_mono_ms());
	pending_free(p);
}

/*
 * The reply of submit.lua or of idem.lua, made an outcome. Only a call
 * Redis refused before running it (STORE_NOT_RUN) is "not stored" as it
 * stands; a lost or timed-out one (STORE_UNKNOWN), or an error raised
 * inside the script (it may follow writes), is looked up by its key.
 */
static void
call_done(const struct store_result *sr, void *arg)
{
	struct intake_pending *p = arg;
	struct intake_result res = {.outcome = INTAKE_NOT_STORED};
	const char *result = NULL;
	char *text = NULL;
	json_t *o = NULL, *settled = NULL;

	p->calls--;
	if (sr->outcome == STORE_UNKNOWN) /* what the latest call tells */
		snprintf(p->unreplicated, sizeof(p->unreplicated), "%s",
			 sr->unreplicated ? sr->err : "");
	if (sr->outcome == STORE_DONE && sr->err == NULL &&
	    sr->reply->type == REDIS_REPLY_STRING)
		o = json_loads(sr->reply->str, 0, NULL);
	result = json_string_value(json_object_get(o, "result"));
	if (result == NULL) {
		/* Refused, lost, failed inside, or unreadable. */
		if (sr->outcome == STORE_NOT_RUN && !p->lookup) {
			res.err = sr->err;
		} else {
			if (!p->answered)
				lookup_later(p);
			goto done;
		}
	} else if (strcmp(result, "conflict") == 0 &&
		   (res.id = json_string_value(json_object_get(o, "id"))) !=
		       NULL) {
		res.outcome = INTAKE_CONFLICT;
		res.err = "the idempotency key was used with another record";
	} else if (strcmp(result, "void") == 0 ||
		   strcmp(result, "absent") == 0) {
		res.err = "its reply was lost, and redis has no such referral";
	} else if ((text = answer_json(o)) != NULL) {
		const char *by =
		    json_string_value(json_object_get(o, "attempt"));

		res.outcome = INTAKE_STORED;
		res.answer = text;
		res.id = json_string_value(json_object_get(o, "id"));
		/* Replayed unless this very attempt stored it. */
		res.replayed = strcmp(result, "replayed") == 0 ||
			       (strcmp(result, "stored") == 0 && p->lookup &&
				(by == NULL || strcmp(by, p->attempt) != 0));
		/* The alerts submit.lua claimed for this mashd: delivered
		 * now, with no alert_take (one write for the referral);
		 * those it settled, logged once the referral is. Either
		 * way none of them waits in the outbox. */
		settled = json_object_get(o, "settled");
		p->adopted =
		    json_array_size(json_object_get(o, "alerts")) > 0
			? alert_adopt(p->d->alerts,
				      json_object_get(o, "alerts"), p->sent)
			: json_array_size(settled) > 0;
	} else {
		res.err = "odd reply from redis";
	}
	if (!p->answered)
		answer(p, &res);
	else if (res.outcome == INTAKE_STORED)
		stored_log(p, &res); /* too late for its sender */
	alert_settle_log(p->d->conf, settled);
done:
	free(text);
	json_decref(o);
	pending_free(p);
}

/* idem.lua: what became of the submission whose reply was lost. */
static void
lookup_send(struct intake_pending *p)
{
	json_t *a =
	    json_pack("{ss ss ss ss si}", "client", p->client, "idem", p->key,
		      "hash", p->hash, "attempt", p->attempt, "ttl", p->ttl);
	char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
	const char *argv[1] = {text};

	json_decref(a);
	if (text != NULL && store_call_outcome(p->d->store, SCRIPT_IDEM, 1,
					       argv, call_done, p) == 0) {
		p->calls++;
		arm(p, p->deadline - clock_mono_ms());
	} else {
		lookup_later(p); /* Redis still away */
	}
	free(text);
}

const char *
intake_outcome_name(enum intake_outcome o)
{
	static const char *const names[] = {"stored", "conflict", "not_stored",
					    "unknown"};

	return names[o];
}

bool
intake_idem_valid(const char *k)
{
	size_t n = k != NULL ? strlen(k) : 0;

	if (n == 0 || n > INTAKE_IDEM_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (k[i] < 0x21 || k[i] > 0x7e)
			return false;
	return true;
}

void
intake_key_of(const char *prefix, const void *buf, size_t len,
	      char out[INTAKE_KEY_OF_LEN])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	int n = snprintf(out, 8, "%s", prefix);

	if (n < 0 || n > 7) /* cut to 7 */
		n = n < 0 ? 0 : 7;
	crypto_sha256(buf, len, md);
	hex_of(md, SHA256_DIGEST_LENGTH, out + n);
}

/*
 * The record's fingerprint, kept with its idempotency key: SHA-256 of
 * its canonical JSON (keys sorted, compact, ASCII), so the same record
 * sent again matches however its keys were ordered or its text escaped.
 */
static int
record_hash(const json_t *rec, char out[2 * SHA256_DIGEST_LENGTH + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char *text =
	    json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);

	if (text == NULL)
		return -1;
	crypto_sha256(text, strlen(text), md);
	free(text);
	hex_of(md, SHA256_DIGEST_LENGTH, out);
	return 0;
}

/* A name as compared: ASCII letters and digits, lower-cased; other
 * ASCII dropped ("O'Neil-Smith" = "oneilsmith"); UTF-8 kept as is. */
static void
normalise(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; s != NULL && *s != '\0' && n + 1 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 0x80 || isalnum(ch))
			out[n++] = (char)tolower(ch);
	}
	out[n] = '\0';
}

/*
 * The child's key for repeat detection: an HMAC-SHA256, under
 * repeat.secret, of the normalised names and the date of birth (or the
 * expected date). Redis keys carry no personal data; "" when off, and
 * when the child has neither date (an age_estimate only): names alone
 * would join different children.
 */
static void
child_key(const char *secret, const json_t *rec, char *out)
{
	const json_t *ch = json_object_get(rec, "child");
	const char *date = json_string_value(json_object_get(ch, "dob"));
	char first[256], last[256], text[600];
	unsigned char md[EVP_MAX_MD_SIZE];

	out[0] = '\0';
	if (secret == NULL || secret[0] == '\0')
		return;
	if (date == NULL)
		date = json_string_value(json_object_get(ch, "expected_date"));
	if (date == NULL)
		return;
	normalise(json_string_value(json_object_get(ch, "first_name")), first,
		  sizeof(first));
	normalise(json_string_value(json_object_get(ch, "last_name")), last,
		  sizeof(last));
	snprintf(text, sizeof(text), "%s|%s|%s", first, last, date);
	hex_of(md, crypto_hmac_sha256(secret, text, md), out);
}

/* The referrer's agency for the report (mashctl report --by agency): as
 * the record gives it, else the client's (a partner's token names it). */
static const char *
submit_agency(const struct mash_config *conf, const struct intake *in)
{
	const char *a = json_string_value(
	    json_object_get(json_object_get(in->record, "referrer"), "agency"));

	if (a != NULL && a[0] != '\0')
		return a;
	for (size_t i = 0; i < conf->nclients; i++)
		if (strcmp(conf->clients[i].name, in->client) == 0 &&
		    conf->clients[i].agency != NULL)
			return conf->clients[i].agency;
	return "";
}

void
intake_child_key(const char *secret, const json_t *rec,
		 char out[INTAKE_CHILD_KEY_LEN])
{
	child_key(secret, rec, out);
}

/* The one JSON argument of submit.lua; see its header. */
static json_t *
submit_args(const struct mash_config *conf, const struct intake *in,
	    enum brag b, struct intake_pending *p)
{
	const char *confirms = json_string_value(
	    json_object_get(in->record, "written_confirmation_of"));
	char num[32], iso[MASH_TIME_BUFSZ];
	char child[2 * EVP_MAX_MD_SIZE + 1];
	struct deadlines dl;
	json_t *a, *timers, *cats;
	char *cats_text;
	int y, m, dd;

	a = json_object();
	timers = json_array();
	mash_civil_from_days(in->now / 86400000, &y, &m, &dd);
	snprintf(num, sizeof(num), "%04d", y);
	json_object_set_new(a, "year", json_string(num));
	snprintf(num, sizeof(num), "%lld", (long long)in->now);
	json_object_set_new(a, "received", json_string(num));
	json_object_set_new(a, "received_iso",
			    json_string(mash_time_format(in->now, iso)));
	json_object_set_new(a, "brag", json_string(brag_name(b)));
	deadline_compute(conf->calendar, &conf->timers, in->now, in->channel, b,
			 &dl);
	snprintf(num, sizeof(num), "%lld",
		 (long long)deadline_queue_score(b, &dl, in->now));
	json_object_set_new(a, "score", json_string(num));
	json_object_set_new(a, "channel", json_string(in->channel));
	json_object_set_new(a, "client", json_string(in->client));
	json_object_set_new(a, "actor", json_string(in->actor));
	/* Kept apart for the queue's items, which show them (queue.lua). */
	cats = json_object_get(json_object_get(in->record, "concern"),
			       "categories");
	cats_text = cats ? json_dumps(cats, JSON_COMPACT) : NULL;
	json_object_set_new(a, "categories",
			    json_string(cats_text ? cats_text : ""));
	free(cats_text);
	json_object_set_new(a, "idem", json_string(p->key));
	json_object_set_new(a, "hash", json_string(p->hash));
	json_object_set_new(a, "attempt", json_string(p->attempt));
	json_object_set_new(a, "ttl", json_integer(p->ttl));
	/* Out of office hours a Red goes to the Emergency Duty Team too. */
	json_object_set_new(
	    a, "hub_closed",
	    json_boolean(!calendar_is_open(conf->calendar, in->now)));
	child_key(conf->repeat.secret, in->record, child);
	json_object_set_new(a, "child", json_string(child));
	json_object_set_new(a, "repeat_threshold",
			    json_integer(conf->repeat.threshold));
	json_object_set_new(
	    a, "repeat_window_ms",
	    json_integer((json_int_t)conf->repeat.window_days * 86400000LL));
	json_object_set_new(a, "confirms",
			    json_string(confirms ? confirms : ""));
	json_object_set_new(a, "agency", json_string(submit_agency(conf, in)));
	for (int t = 0; t < TIMER_COUNT; t++) {
		if (dl.due[t] == 0)
			continue;
		if (p->first_due == 0 || dl.due[t] < p->first_due)
			p->first_due = dl.due[t];
		snprintf(num, sizeof(num), "%lld", (long long)dl.due[t]);
		json_array_append_new(
		    timers,
		    json_pack("{ss ss}", "name", timer_name(t), "due", num));
	}
	json_object_set_new(a, "timers", timers);
	return a;
}

/*
 * Whom submit.lua claims the new referral's alerts for (alert.c's
 * consumer, "" for none), the referrer's email and phone that their
 * delivery needs (alert_take.lua reads them from the record), and which
 * of them have nothing to deliver: those it settles itself.
 */
static int
claim_args(struct mashd *d, const struct intake *in, json_t *a)
{
	const json_t *r = json_object_get(in->record, "referrer");
	const char *consumer = alert_consumer(d->alerts);
	json_t *who = json_object();

	for (size_t i = 0; i < 2; i++) {
		const char *k = i == 0 ? "email" : "phone";
		const json_t *v = json_object_get(r, k);

		if (json_is_string(v))
			json_object_set_new(who, k, json_copy((json_t *)v));
	}
	if (consumer[0] != '\0' &&
	    alert_settle_args(d->conf, who,
			      json_string_value(json_object_get(a, "brag")),
			      json_is_true(json_object_get(a, "hub_closed")),
			      in->now, a) != 0) {
		json_decref(who);
		return -1;
	}
	return json_object_set_new(a, "referrer", who) ||
	       json_object_set_new(a, "consumer", json_string(consumer));
}

void
intake_abandon(struct intake_pending *p)
{
	if (p->answered)
		return;
	answer_unknown(p, "mashd stopped before redis answered");
	pending_free(p);
}

int
intake_submit(struct mashd *d, const struct intake *in, intake_cb *cb,
	      void *arg, struct intake_pending **handle)
{
	struct intake_pending *p;
	json_t *args = NULL;
	char *record = NULL; /* the record's text, stored as it is */
	unsigned char rnd[2 * KEY_BYTES]; /* mashd's key, the attempt */
	enum brag b;

	if (store_refusal(d->store) != NULL)
		return -1;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	b = brag_rate(in->record, in->now);
	p->d = d;
	p->cb = cb;
	p->arg = arg;
	p->ttl = d->conf->http.idempotency_hours * 3600;
	snprintf(p->channel, sizeof(p->channel), "%s", in->channel);
	snprintf(p->client, sizeof(p->client), "%s", in->client);
	snprintf(p->brag, sizeof(p->brag), "%s", brag_name(b));
	/* mashd's own key, before the call: a lost reply is found by it.
	 * Nothing when the system has no randomness to give. */
	if (crypto_random(rnd, sizeof(rnd)) != 0) {
		free(p);
		return -1;
	}
	hex_of(rnd + KEY_BYTES, KEY_BYTES, p->attempt);
	if (in->idem != NULL) {
		snprintf(p->key, sizeof(p->key), "%s", in->idem);
	} else {
		memcpy(p->key, "mashd-", 6);
		hex_of(rnd, KEY_BYTES, p->key + 6);
	}
	/* The store gives up on a call after redis.timeout; the lookup
	 * gets one second more. */
	p->sent = clock_mono_ms();
	p->deadline = p->sent + d->conf->redis.timeout * 1000LL + 1000;
	if (p->key[0] == '\0' || record_hash(in->record, p->hash) != 0 ||
	    (p->timer = evtimer_new(d->base, timer_cb, p)) == NULL ||
	    (args = submit_args(d->conf, in, b, p)) == NULL ||
	    claim_args(d, in, args) != 0 ||
	    (record = json_dumps(in->record, JSON_COMPACT)) == NULL)
		goto fail;
	/* Held from the call until the answer (not until a late reply). */
	lifecycle_hold(d->life);
	if (store_call_object_text(d->store, SCRIPT_SUBMIT, args, record,
				   call_done, p) != 0) {
		lifecycle_release(d->life);
		goto fail;
	}
	p->calls = 1;
	arm(p, p->deadline - clock_mono_ms());
	json_decref(args);
	free(record);
	if (handle != NULL)
		*handle = p;
	return 0;
fail:
	if (p->timer != NULL)
		event_free(p->timer);
	json_decref(args);
	free(record);
	free(p);
	return -1;
}
