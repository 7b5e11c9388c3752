/*
 * scheduler.c owns the firing of timers; see scheduler.h.
 *
 * Invariants:
 * - The scheduler is busy (s->busy) while a call of its own is in flight:
 *   one, except while a backlog is fired, when two fire.lua calls are
 *   (s->firing, SCHED_IN_FLIGHT), so that Redis runs the next claim while
 *   mashd reads the answer before it. A kick while busy sets s->again,
 *   and the answer that comes next fires again, so no kick is lost and
 *   none doubles the work; the scheduler is done (finish()) when the last
 *   call in flight has answered.
 * - One call fires and tells what is next: fire.lua answers the earliest
 *   due time left after its claim, so a backlog is fired in batches back
 *   to back, and the wake-up is armed at the next due time with no call
 *   of next.lua between. A wake-up armed at a due time (s->at_due) calls
 *   fire.lua at once; next.lua is for kicks and the poll, when the
 *   scheduler knows of no timer due within it.
 * - Redis's clock decides what is due: fire.lua claims by Redis's TIME,
 *   and next.lua answers Redis's time with the earliest due time, so the
 *   libevent timer is armed by Redis's clock too. The daemon's own clock
 *   is only measured against it, and a difference is warned of.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "mash/jfield.h"
#include "mash/timeutil.h"

#include "alert.h"
#include "clock.h"
#include "digest.h"
#include "ladder.h"
#include "ladder_gap.h"
#include "lifecycle.h"
#include "log.h"
#include "scheduler.h"
#include "store.h"

/* The longest the scheduler sleeps before it looks again. */
#define SCHED_POLL_MS 1000
/* Timers claimed per call; a longer backlog takes several calls, back to
 * back. Each call holds Redis (and every other client) for its run. */
#define SCHED_BATCH 500
/* fire.lua calls in flight at most, while a backlog is fired. */
#define SCHED_IN_FLIGHT 2
/* Alerts, the rungs of the reminder ladder and the look for its gaps
 * wait while a backlog of due timers is fired back to back (and at start,
 * until the first answer tells whether one is), so that the firings have
 * Redis to themselves, for this long at most. */
#define SCHED_HOLD_MS 10000
/* The digest's gathering waits until the backlog is fired, so that it
 * counts what the backlog fires (the decisions overdue, the escalations),
 * or for this long at most: a backlog that never ends holds no digest. */
#define SCHED_DIGEST_HOLD_MS (DIGEST_BACKLOG_MIN * 60 * 1000)
/* The daemon's clock is warned of past this difference from Redis's, said
 * to agree again below the second, and warned of again each hour. */
#define CLOCK_SKEW_WARN_MS 2000
#define CLOCK_SKEW_OK_MS 1000
#define CLOCK_SKEW_REWARN_MS (3600 * 1000)

struct scheduler {
	struct mashd *d;
	struct event *ev;
	bool busy;
	int firing; /* fire.lua calls in flight */
	bool again;
	bool at_due;	     /* the timer is armed at a due time, not a poll */
	bool behind;	     /* more is due than the last call claimed */
	int64_t behind_mono; /* since when, monotonic ms */
	bool digest_waits;   /* a backlog, or a failed call: the digest waits */
	int64_t digest_mono; /* since when, monotonic ms */
	int64_t armed_mono;  /* when it is armed to go off, monotonic ms */
	int64_t asked_mono;  /* when next or fire was sent, monotonic ms */
	bool skew_known;
	int64_t skew_ms;     /* the daemon's clock minus Redis's */
	bool skewed;	     /* warned of, and not agreeing again since */
	int64_t warned_mono; /* when it was last warned of, monotonic ms */
};

/* What an answer tells of the due set: fired (none due now), a backlog
 * still due, or nothing (the call failed: Redis refused it, or went). */
enum due_set { DUE_FIRED, DUE_BEHIND, DUE_UNKNOWN };

static void look(struct scheduler *s);

/* A field of a script's answer that holds ms as a string; 0 when absent. */
static int64_t
ms_field(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? (int64_t)strtoll(v, NULL, 10) : 0;
}

/* Wakes up in ms: at a due time when at_due, else to look (the poll). */
static void
arm(struct scheduler *s, int64_t ms, bool at_due)
{
	struct timeval tv;

	if (ms < 0)
		ms = 0;
	if (ms > SCHED_POLL_MS) {
		ms = SCHED_POLL_MS;
		at_due = false;
	}
	s->at_due = at_due;
	s->armed_mono = clock_mono_ms() + ms;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(s->ev, &tv);
}

/*
 * While a backlog of due timers is fired (behind), alert deliveries wait
 * (alert.c's look() takes none), and so do the rungs (ladder.c holds
 * them) and the look for the ladder's gaps, SCHED_HOLD_MS at most; when
 * it is fired, or the hold ends, they go on: the rungs held first, so the
 * gaps' look finds them scheduled. The digest's gathering waits until an
 * answer finds none due, SCHED_DIGEST_HOLD_MS at most, so that it counts
 * what the backlog fires: a failed call (a reconnection fails those in
 * flight) ends its wait no more than it restarts it, as what is due is
 * then not known; it begins the wait when none was under way. A stop
 * ends both waits.
 */
static void
hold_while_behind(struct scheduler *s, enum due_set due)
{
	struct mashd *d = s->d;
	int64_t mono = clock_mono_ms();
	bool draining = lifecycle_draining(d->life), digest;
	bool behind = due == DUE_BEHIND;

	if (behind && !s->behind)
		s->behind_mono = mono;
	s->behind = behind;
	if (due == DUE_FIRED)
		s->digest_waits = false;
	else if (!s->digest_waits) {
		s->digest_waits = true;
		s->digest_mono = mono;
	}
	d->backlog_firing = behind;
	d->timers_failing = due == DUE_UNKNOWN;
	digest = s->digest_waits && !draining &&
		 mono - s->digest_mono < SCHED_DIGEST_HOLD_MS;
	behind = behind && !draining && mono - s->behind_mono < SCHED_HOLD_MS;
	if (d->timers_behind && !behind) {
		d->timers_behind = false;
		alert_kick(d->alerts);
		ladder_resume(d);
		ladder_gap_resume(d);
	}
	d->timers_behind = behind;
	if (d->digest_behind && !digest) {
		d->digest_behind = false;
		digest_resume(d->digest);
	}
	d->digest_behind = digest;
}

static void
finish(struct scheduler *s, int64_t ms, bool at_due, enum due_set due)
{
	hold_while_behind(s, due);
	s->busy = false;
	if (s->again) {
		s->again = false;
		look(s);
		return;
	}
	arm(s, ms, at_due);
}

static void
skew_warn(struct scheduler *s, int64_t mono, int64_t err)
{
	long long tenths = (llabs((long long)s->skew_ms) + 50) / 100;

	s->skewed = true;
	s->warned_mono = mono;
	log_event_warnx(NULL, NULL, "clock_skew",
			"clock: mashd's clock is %lld.%lld s %s redis's "
			"(give or take %lld ms); timers fire by redis's "
			"clock, but receipt and re-rating times, and the "
			"deadlines worked out from them, come from this "
			"host's: set its clock right (NTP)",
			tenths / 10, tenths % 10,
			s->skew_ms > 0 ? "ahead of" : "behind", (long long)err);
}

/*
 * The daemon's clock against Redis's, from one next.lua call: Redis read
 * its clock somewhere in the round trip, so the daemon's at the middle of
 * it is compared, good to half the round trip (err).
 */
static void
skew_measure(struct scheduler *s, int64_t redis_ms)
{
	int64_t mono = clock_mono_ms(), err = (mono - s->asked_mono) / 2;
	long long a;

	s->skew_ms = clock_now_ms() - err - redis_ms;
	s->skew_known = true;
	a = llabs((long long)s->skew_ms);
	if (!s->skewed && a - err > CLOCK_SKEW_WARN_MS)
		skew_warn(s, mono, err);
	else if (s->skewed && a + err < CLOCK_SKEW_OK_MS) {
		s->skewed = false;
		log_event(NULL, NULL, "clock_skew",
			  "clock: mashd's clock agrees with redis's again "
			  "(within %lld ms)",
			  a + (long long)err);
	} else if (s->skewed && mono - s->warned_mono >= CLOCK_SKEW_REWARN_MS)
		skew_warn(s, mono, err);
}

static bool fire(struct scheduler *s);

/* The firings of one fire.lua answer: logged, and the ladder told. */
static size_t
fired(struct scheduler *s, const json_t *r)
{
	char due[MASH_TIME_BUFSZ];
	const json_t *e;
	size_t i, n = 0;

	json_array_foreach(json_object_get(r, "fired"), i, e)
	{
		const char *id = json_string_value(json_object_get(e, "id"));
		const char *timer =
		    json_string_value(json_object_get(e, "timer"));
		const char *brag =
		    json_string_value(json_object_get(e, "brag"));
		const char *event =
		    json_string_value(json_object_get(e, "event"));
		int64_t late = ms_field(e, "late");

		n++;
		if (id == NULL || timer == NULL)
			continue;
		mash_time_format(ms_field(e, "due"), due);
		if (late >= 60000)
			log_event_warnx(id, brag, event,
					"referral %s timer %s fired due=%s "
					"late by %llds (mashd was away)",
					id, timer, due, (long long)late / 1000);
		else
			log_event(id, brag, event,
				  "referral %s timer %s fired due=%s", id,
				  timer, due);
	}
	/* Deferred an hour, not fired: said, as fire.lua audits it. */
	json_array_foreach(json_object_get(r, "damaged"), i, e)
	    log_warnx("referral %s: timer %s not fired: its record is %s; "
		      "looked at again hourly until it reads (restore it "
		      "from a backup)",
		      jfield(e, "id"), jfield(e, "timer"), jfield(e, "why"));
	ladder_fired(s->d, json_object_get(r, "fired"), ms_field(r, "now"));
	return n;
}

/*
 * What is due next comes with the firings: more due already (a backlog
 * longer than a batch, or due while the call ran) is fired at once; else
 * the wake-up is armed at the next due time, by Redis's clock. A kick
 * while the call ran may have added a timer the answer does not know of:
 * fire.lua is called again, which claims it if due and tells what is next.
 */
static void
fire_done(const json_t *r, const char *err, void *arg)
{
	struct scheduler *s = arg;
	int64_t now = ms_field(r, "now"), next = ms_field(r, "next");
	bool more = false;

	s->firing--;
	if (err != NULL || now == 0) {
		log_warnx("timers: cannot fire: %s",
			  err ? err : "no time in the answer");
		if (s->firing == 0)
			finish(s, SCHED_POLL_MS, false, DUE_UNKNOWN);
		return;
	}
	if (s->firing == 0) /* else the round trip is not this call's */
		skew_measure(s, now);
	hold_while_behind(s, next != 0 && next <= now ? DUE_BEHIND : DUE_FIRED);
	if (s->again || (next != 0 && next <= now)) {
		s->again = false;
		more = !lifecycle_draining(s->d->life);
	}
	/* The next claims go first: Redis runs them while these are logged. */
	while (more && s->firing < SCHED_IN_FLIGHT && fire(s))
		;
	if (fired(s, r) > 0 && !s->d->timers_behind)
		alert_kick(s->d->alerts);
	if (s->firing > 0)
		return; /* the last answer decides what is next */
	if (more)	/* Redis is away */
		finish(s, SCHED_POLL_MS, false, DUE_UNKNOWN);
	else if (next == 0) /* nothing is due, ever */
		finish(s, SCHED_POLL_MS, false, DUE_FIRED);
	else
		finish(s, next - now, true, DUE_FIRED);
}

/* A batch's answer, the work in flight it was released (lifecycle.h):
 * a stop waits for it, within its grace, as Redis may have fired the
 * batch already: what it fired is logged and its rungs sent before
 * mashd exits, not left to the next look for the ladder's gaps. */
static void
fire_answered(const json_t *r, const char *err, void *arg)
{
	struct scheduler *s = arg;
	struct lifecycle *life = s->d->life;

	fire_done(r, err, s);
	lifecycle_release(life);
}

/* Claims what is due; the scheduler is busy. False when Redis is away. */
static bool
fire(struct scheduler *s)
{
	s->asked_mono = clock_mono_ms();
	if (store_call_json(s->d->store, SCRIPT_FIRE,
			    json_pack("{si}", "limit", SCHED_BATCH),
			    fire_answered, s) != 0)
		return false;
	lifecycle_hold(s->d->life);
	s->firing++;
	return true;
}

static void
next_done(const json_t *r, const char *err, void *arg)
{
	struct scheduler *s = arg;
	int64_t now, wait;

	if (err != NULL || (now = ms_field(r, "now")) == 0) {
		log_warnx("timers: cannot read the due set: %s",
			  err ? err : "no time in the answer");
		finish(s, SCHED_POLL_MS, false, DUE_UNKNOWN);
		return;
	}
	skew_measure(s, now);
	if (json_object_get(r, "due") == NULL) { /* nothing is due, ever */
		finish(s, SCHED_POLL_MS, false, DUE_FIRED);
		return;
	}
	/* By Redis's clock, as fire.lua will claim. */
	wait = ms_field(r, "due") - now;
	if (wait <= 0) {
		if (!fire(s))
			finish(s, SCHED_POLL_MS, false, DUE_UNKNOWN);
		return;
	}
	finish(s, wait, true, DUE_FIRED);
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
	s->asked_mono = clock_mono_ms();
	if (store_call_json(s->d->store, SCRIPT_NEXT, json_object(), next_done,
			    s) != 0) {
		/* Redis is away; the reconnect kicks us. */
		s->busy = false;
	}
}

/* The wake-up: at a due time, fire.lua claims it in one call. */
static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct scheduler *s = arg;

	(void)fd;
	(void)what;
	if (!s->at_due || s->busy || lifecycle_draining(s->d->life)) {
		look(s);
		return;
	}
	s->busy = true;
	if (!fire(s))
		finish(s, SCHED_POLL_MS, false, DUE_UNKNOWN);
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

/*
 * A timer due at due_ms (the daemon's clock: intake works due times out
 * by it) was just stored. The wake-up is brought forward to it, by
 * Redis's clock as last measured, when it is armed later: no call of
 * next.lua. Before the first measure, while a call is in flight (its
 * answer may arm a later wake-up) or with no wake-up armed, it looks as a
 * kick does, so no timer is missed either way.
 */
void
scheduler_due(struct scheduler *s, int64_t due_ms)
{
	int64_t wait;

	if (s == NULL || due_ms == 0)
		return;
	if (!s->skew_known || s->busy || !evtimer_pending(s->ev, NULL)) {
		look(s);
		return;
	}
	wait = due_ms - (clock_now_ms() - s->skew_ms);
	if (s->armed_mono <= clock_mono_ms() + wait)
		return; /* it wakes up by then already */
	evtimer_del(s->ev);
	arm(s, wait, true);
}

bool
scheduler_clock_skew(const struct scheduler *s, int64_t *ms)
{
	if (s == NULL || !s->skew_known)
		return false;
	*ms = s->skew_ms;
	return true;
}

void
scheduler_free(struct scheduler *s)
{
	if (s == NULL)
		return;
	event_free(s->ev);
	free(s);
}
