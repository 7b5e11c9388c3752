/*
 * intake.c owns the one write path of a new referral; see intake.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

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
submit_done(const struct store_result *res, void *arg)
{
	struct pending *p = arg;
	const redisReply *r = res->reply;
	const char *answer = NULL, *id = NULL, *err = res->err;
	json_t *body = NULL;
	bool replayed = false;

	if (err == NULL && (r->type != REDIS_REPLY_ARRAY || r->elements != 2))
		err = "odd reply from redis";
	if (err == NULL) {
		answer = r->element[1]->str;
		body = json_loads(answer, 0, NULL);
		id = json_string_value(json_object_get(body, "id"));
		if (id == NULL)
			err = "odd reply from redis";
	}
	if (err != NULL) {
		if (res->outcome == STORE_UNKNOWN)
			log_warnx("referral by %s from %s: outcome unknown, "
				  "redis may have stored it: %s",
				  p->channel, p->client, err);
		else
			log_warnx("referral by %s from %s not stored: %s",
				  p->channel, p->client, err);
		p->cb(NULL, NULL, false, err, p->arg);
		goto done;
	}
	replayed = r->element[0]->integer != 1;
	if (replayed)
		log_info("referral %s: repeated submission from %s answered "
			 "from its idempotency key",
			 id, p->client);
	else
		log_event(id, p->brag, "received",
			  "referral %s received channel=%s client=%s brag=%s",
			  id, p->channel, p->client, p->brag);
	p->cb(answer, id, replayed, NULL, p->arg);
	scheduler_kick(p->d->sched);
	alert_kick(p->d->alerts);
done:
	json_decref(body);
	lifecycle_release(p->d->life);
	free(p);
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

int
intake_submit(struct mashd *d, const struct intake *in, intake_cb *cb,
	      void *arg)
{
	const struct mash_config *conf = d->conf;
	char year[8], received[32], iso[MASH_TIME_BUFSZ], score[32];
	char ttl[16], dues[TIMER_COUNT][32], *record;
	const char *argv[17 + 2 * TIMER_COUNT];
	char child[2 * EVP_MAX_MD_SIZE + 1], window[32], threshold[16];
	const char *confirms = json_string_value(
	    json_object_get(in->record, "written_confirmation_of"));
	struct deadlines dl;
	struct pending *p;
	enum brag b;
	int argc = 0, y, m, dd;

	if (store_refusal(d->store) != NULL)
		return -1;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	if ((record = json_dumps(in->record, JSON_COMPACT)) == NULL) {
		free(p);
		return -1;
	}
	b = brag_rate(in->record, in->now);
	p->d = d;
	p->cb = cb;
	p->arg = arg;
	snprintf(p->channel, sizeof(p->channel), "%s", in->channel);
	snprintf(p->client, sizeof(p->client), "%s", in->client);
	snprintf(p->brag, sizeof(p->brag), "%s", brag_name(b));

	mash_civil_from_days(in->now / 86400000, &y, &m, &dd);
	snprintf(year, sizeof(year), "%04d", y);
	snprintf(received, sizeof(received), "%lld", (long long)in->now);
	mash_time_format(in->now, iso);
	deadline_compute(conf->calendar, &conf->timers, in->now, in->channel, b,
			 &dl);
	snprintf(score, sizeof(score), "%lld",
		 (long long)deadline_queue_score(b, &dl, in->now));
	snprintf(ttl, sizeof(ttl), "%d", conf->http.idempotency_hours * 3600);
	argv[argc++] = year;
	argv[argc++] = received;
	argv[argc++] = iso;
	argv[argc++] = p->brag;
	argv[argc++] = score;
	argv[argc++] = p->channel;
	argv[argc++] = p->client;
	argv[argc++] = in->actor;
	argv[argc++] = record;
	argv[argc++] = in->idem ? in->idem : "";
	argv[argc++] = ttl;
	/* Out of office hours a Red goes to the Emergency Duty Team too. */
	argv[argc++] = calendar_is_open(conf->calendar, in->now) ? "0" : "1";
	child_key(conf->repeat.secret, in->record, child);
	snprintf(threshold, sizeof(threshold), "%d", conf->repeat.threshold);
	snprintf(window, sizeof(window), "%lld",
		 (long long)conf->repeat.window_days * 86400000LL);
	argv[argc++] = child;
	argv[argc++] = threshold;
	argv[argc++] = window;
	argv[argc++] = confirms ? confirms : "";
	for (int t = 0; t < TIMER_COUNT; t++) {
		if (dl.due[t] == 0)
			continue;
		snprintf(dues[t], sizeof(dues[t]), "%lld",
			 (long long)dl.due[t]);
		argv[argc++] = timer_name(t);
		argv[argc++] = dues[t];
	}
	lifecycle_hold(d->life);
	if (store_call_outcome(d->store, SCRIPT_SUBMIT, argc, argv, submit_done,
			       p) != 0) {
		lifecycle_release(d->life);
		free(record);
		free(p);
		return -1;
	}
	free(record);
	return 0;
}
