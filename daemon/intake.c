/*
 * intake.c owns the one write path of a new referral; see intake.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "mash/brag.h"
#include "mash/calendar.h"
#include "mash/deadline.h"
#include "mash/timeutil.h"

#include "alert.h"
#include "config.h"
#include "intake.h"
#include "lifecycle.h"
#include "log.h"
#include "scheduler.h"
#include "store.h"

struct pending {
	struct mashd *d;
	intake_cb *cb;
	void *arg;
	char channel[16];
	char client[64];
	char brag[8];
};

static void
answer(struct pending *p, const struct intake_result *res)
{
	switch (res->outcome) {
	case INTAKE_STORED:
		if (res->replayed)
			log_info("referral %s: repeated submission from %s "
				 "answered from its idempotency key",
				 res->id, p->client);
		else
			log_event(res->id, p->brag, "received",
				  "referral %s received channel=%s client=%s "
				  "brag=%s",
				  res->id, p->channel, p->client, p->brag);
		break;
	case INTAKE_CONFLICT:
		log_info("referral by %s from %s refused: its idempotency key "
			 "was used with another record",
			 p->channel, p->client);
		break;
	case INTAKE_NOT_STORED:
		log_warnx("referral by %s from %s not stored: %s", p->channel,
			  p->client, res->err);
		break;
	}
	p->cb(res, p->arg);
	if (res->outcome == INTAKE_STORED && !res->replayed) {
		scheduler_kick(p->d->sched);
		alert_kick(p->d->alerts);
	}
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

static void
submit_done(const struct store_result *sr, void *arg)
{
	struct pending *p = arg;
	const redisReply *r = sr->reply;
	const char *err = sr->err;
	struct intake_result res = {.outcome = INTAKE_NOT_STORED, .err = err};
	json_t *o = NULL;
	const char *result = NULL;
	char *text = NULL;

	if (err != NULL && sr->outcome == STORE_UNKNOWN)
		log_warnx("referral by %s from %s: outcome unknown, redis may "
			  "have stored it: %s",
			  p->channel, p->client, err);
	if (err == NULL) {
		if (r->type == REDIS_REPLY_STRING)
			o = json_loads(r->str, 0, NULL);
		result = json_string_value(json_object_get(o, "result"));
		res.err = "odd reply from redis";
	}
	if (result != NULL && strcmp(result, "conflict") == 0) {
		res.outcome = INTAKE_CONFLICT;
		res.err = "the idempotency key was used with another record";
	} else if (result != NULL && (text = answer_json(o)) != NULL) {
		res.outcome = INTAKE_STORED;
		res.answer = text;
		res.id = json_string_value(json_object_get(o, "id"));
		res.replayed = strcmp(result, "stored") != 0;
		res.err = NULL;
	}
	answer(p, &res);
	free(text);
	json_decref(o);
	lifecycle_release(p->d->life);
	free(p);
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
	SHA256((const unsigned char *)text, strlen(text), md);
	free(text);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
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
 * expected date). Redis keys carry no personal data; "" when off.
 */
static void
child_key(const char *secret, const json_t *rec, char *out)
{
	const json_t *ch = json_object_get(rec, "child");
	const char *date = json_string_value(json_object_get(ch, "dob"));
	char first[256], last[256], text[600];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	out[0] = '\0';
	if (secret == NULL || secret[0] == '\0')
		return;
	if (date == NULL)
		date = json_string_value(json_object_get(ch, "expected_date"));
	normalise(json_string_value(json_object_get(ch, "first_name")), first,
		  sizeof(first));
	normalise(json_string_value(json_object_get(ch, "last_name")), last,
		  sizeof(last));
	snprintf(text, sizeof(text), "%s|%s|%s", first, last, date ? date : "");
	HMAC(EVP_sha256(), secret, (int)strlen(secret),
	     (const unsigned char *)text, strlen(text), md, &mdlen);
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The one JSON argument of submit.lua; see its header. */
static json_t *
submit_args(const struct mash_config *conf, const struct intake *in,
	    enum brag b)
{
	const char *confirms = json_string_value(
	    json_object_get(in->record, "written_confirmation_of"));
	char num[32], iso[MASH_TIME_BUFSZ], hash[2 * SHA256_DIGEST_LENGTH + 1];
	char child[2 * EVP_MAX_MD_SIZE + 1];
	struct deadlines dl;
	json_t *a, *timers;
	char *record;
	int y, m, dd;

	if (record_hash(in->record, hash) != 0 ||
	    (record = json_dumps(in->record, JSON_COMPACT)) == NULL)
		return NULL;
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
	json_object_set_new(a, "record", json_string(record));
	json_object_set_new(a, "idem", json_string(in->idem ? in->idem : ""));
	json_object_set_new(a, "hash", json_string(hash));
	json_object_set_new(a, "ttl",
			    json_integer(conf->http.idempotency_hours * 3600));
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
	for (int t = 0; t < TIMER_COUNT; t++) {
		if (dl.due[t] == 0)
			continue;
		snprintf(num, sizeof(num), "%lld", (long long)dl.due[t]);
		json_array_append_new(
		    timers,
		    json_pack("{ss ss}", "name", timer_name(t), "due", num));
	}
	json_object_set_new(a, "timers", timers);
	free(record);
	return a;
}

int
intake_submit(struct mashd *d, const struct intake *in, intake_cb *cb,
	      void *arg)
{
	struct pending *p;
	const char *argv[1];
	char *text = NULL;
	json_t *args;
	enum brag b;
	int rc = -1;

	if (store_refusal(d->store) != NULL)
		return -1;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	b = brag_rate(in->record, in->now);
	p->d = d;
	p->cb = cb;
	p->arg = arg;
	snprintf(p->channel, sizeof(p->channel), "%s", in->channel);
	snprintf(p->client, sizeof(p->client), "%s", in->client);
	snprintf(p->brag, sizeof(p->brag), "%s", brag_name(b));
	if ((args = submit_args(d->conf, in, b)) != NULL)
		text = json_dumps(args, JSON_COMPACT);
	json_decref(args);
	argv[0] = text;
	lifecycle_hold(d->life);
	if (text != NULL && store_call_outcome(d->store, SCRIPT_SUBMIT, 1, argv,
					       submit_done, p) == 0) {
		rc = 0;
	} else {
		lifecycle_release(d->life);
		free(p);
	}
	free(text);
	return rc;
}
