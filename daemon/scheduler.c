/*
 * scheduler.c owns the firing of timers; see scheduler.h.
 *
 * Invariant: at most one script call of the scheduler is in flight
 * (s->busy); a kick while busy sets s->again, and the call's callback
 * looks again when it ends, so no kick is lost and none doubles the work.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "mash/brag.h"
#include "mash/deadline.h"
#include "mash/timeutil.h"

#include "alert.h"
#include "clock.h"
#include "config.h"
#include "lifecycle.h"
#include "log.h"
#include "scheduler.h"
#include "store.h"

/* The longest the scheduler sleeps before it looks again. */
#define SCHED_POLL_MS 1000
/* Timers claimed per call; a longer backlog takes several calls. */
#define SCHED_BATCH 100

struct scheduler {
	struct mashd *d;
	struct event *ev;
	bool busy;
	bool again;
};

static void look(struct scheduler *s);

static void
arm(struct scheduler *s, int64_t ms)
{
	struct timeval tv;

	if (ms < 0)
		ms = 0;
	if (ms > SCHED_POLL_MS)
		ms = SCHED_POLL_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(s->ev, &tv);
}

static void
finish(struct scheduler *s, int64_t ms)
{
	s->busy = false;
	if (s->again) {
		s->again = false;
		look(s);
		return;
	}
	arm(s, ms);
}

static void
fire_done(const redisReply *r, const char *err, void *arg)
{
	struct scheduler *s = arg;
	char due[MASH_TIME_BUFSZ];

	if (err != NULL || r->type != REDIS_REPLY_ARRAY) {
		log_warnx("timers: cannot fire: %s", err ? err : "odd reply");
		finish(s, SCHED_POLL_MS);
		return;
	}
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i];
		long long late;

		if (e->type != REDIS_REPLY_ARRAY || e->elements != 6)
			continue;
		late = strtoll(e->element[4]->str, NULL, 10);
		mash_time_format(strtoll(e->element[2]->str, NULL, 10), due);
		if (late >= 60000)
			log_event_warnx(e->element[0]->str, e->element[3]->str,
					e->element[5]->str,
					"referral %s timer %s fired due=%s "
					"late by %llds (mashd was away)",
					e->element[0]->str, e->element[1]->str,
					due, late / 1000);
		else
			log_event(e->element[0]->str, e->element[3]->str,
				  e->element[5]->str,
				  "referral %s timer %s fired due=%s",
				  e->element[0]->str, e->element[1]->str, due);
	}
	if (r->elements > 0)
		alert_kick(s->d->alerts);
	/* A full batch means more may be due: go again at once. */
	finish(s, r->elements == SCHED_BATCH ? 0 : SCHED_POLL_MS);
}

static void
fire(struct scheduler *s)
{
	char now[32], limit[16];
	const char *argv[] = {now, limit};

	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	snprintf(limit, sizeof(limit), "%d", SCHED_BATCH);
	if (store_call(s->d->store, SCRIPT_FIRE, 2, argv, fire_done, s) != 0)
		finish(s, SCHED_POLL_MS);
}

static void
next_done(const redisReply *r, const char *err, void *arg)
{
	struct scheduler *s = arg;
	int64_t wait;

	if (err != NULL) {
		log_warnx("timers: cannot read the due set: %s", err);
		finish(s, SCHED_POLL_MS);
		return;
	}
	if (r->type != REDIS_REPLY_STRING) { /* nothing is due, ever */
		finish(s, SCHED_POLL_MS);
		return;
	}
	wait = (int64_t)strtoll(r->str, NULL, 10) - clock_now_ms();
	if (wait <= 0) {
		fire(s);
		return;
	}
	finish(s, wait);
}

static void
look(struct scheduler *s)
{
	if (s->busy) {
		s->again = true;
		return;
	}
	evtimer_del(s->ev);
	if (lifecycle_draining(s->d->life))
		return;
	s->busy = true;
	if (store_call(s->d->store, SCRIPT_NEXT, 0, NULL, next_done, s) != 0) {
		/* Redis is away; the reconnect kicks us. */
		s->busy = false;
	}
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	look(arg);
}

/*
 * After the calendar or the timer rules changed: every open referral's
 * timers, computed again from its receipt; reschedule.lua moves those
 * neither fired nor stopped, and audits each move.
 */
static void
recompute_one_done(const redisReply *r, const char *err, void *arg)
{
	char *id = arg;

	if (err != NULL)
		log_warnx("referral %s: cannot reschedule: %s", id, err);
	else if (r->type == REDIS_REPLY_INTEGER && r->integer > 0)
		log_info("referral %s: %lld timer(s) rescheduled", id,
			 (long long)r->integer);
	free(id);
}

static void
recompute_done(const json_t *r, const char *err, void *arg)
{
	struct scheduler *s = arg;
	const struct mash_config *conf = s->d->conf;
	const json_t *e, *t;
	size_t i, j;

	if (err != NULL) {
		log_warnx("timers: cannot recompute: %s", err);
		return;
	}
	json_array_foreach(json_object_get(r, "items"), i, e)
	{
		const char *argv[4 + 2 * TIMER_COUNT];
		char now[32], score[32], dues[TIMER_COUNT][32];
		const char *sid = json_string_value(json_object_get(e, "id"));
		const char *channel =
		    json_string_value(json_object_get(e, "channel"));
		const char *rcv =
		    json_string_value(json_object_get(e, "received"));
		struct deadlines dl;
		int64_t received;
		enum brag b;
		int argc = 0;
		char *id;

		if (sid == NULL || channel == NULL || rcv == NULL ||
		    brag_parse(json_string_value(json_object_get(e, "brag")),
			       &b) != 0)
			continue;
		received = strtoll(rcv, NULL, 10);
		deadline_compute(conf->calendar, &conf->timers, received,
				 channel, b, &dl);
		snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
		snprintf(score, sizeof(score), "%lld",
			 (long long)deadline_queue_score(b, &dl, received));
		if ((id = strdup(sid)) == NULL)
			continue;
		argv[argc++] = id;
		argv[argc++] = "mashd:reload";
		argv[argc++] = now;
		argv[argc++] = score;
		/* Only the timers the referral has: queue.lua lists them. */
		json_array_foreach(json_object_get(e, "timers"), j, t)
		{
			enum timer_kind k;

			if (timer_parse(
				json_string_value(json_object_get(t, "timer")),
				&k) != 0 ||
			    dl.due[k] == 0)
				continue;
			snprintf(dues[k], sizeof(dues[k]), "%lld",
				 (long long)dl.due[k]);
			argv[argc++] = timer_name(k);
			argv[argc++] = dues[k];
		}
		if (store_call(s->d->store, SCRIPT_RESCHEDULE, argc, argv,
			       recompute_one_done, id) != 0) {
			log_warnx("referral %s: cannot reschedule: redis is "
				  "unreachable",
				  id);
			free(id);
		}
	}
	scheduler_kick(s);
}

void
scheduler_recompute(struct scheduler *s)
{
	if (store_call_json(
		s->d->store, SCRIPT_QUEUE,
		json_pack("{si sI si}", "min", 0, "max",
			  (json_int_t)(BRAG_COUNT * QUEUE_RANK_WIDTH), "limit",
			  1000000),
		recompute_done, s) != 0)
		log_warnx("timers: cannot recompute: redis is unreachable");
}

struct scheduler *
scheduler_new(struct mashd *d)
{
	struct scheduler *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->ev = evtimer_new(d->base, tick, s)) == NULL)
		fatalx("scheduler_new: out of memory");
	s->d = d;
	return s;
}

void
scheduler_kick(struct scheduler *s)
{
	if (s != NULL)
		look(s);
}

void
scheduler_free(struct scheduler *s)
{
	if (s == NULL)
		return;
	event_free(s->ev);
	free(s);
}
