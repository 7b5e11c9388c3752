/*
 * recompute.c works the open referrals' timers out again after a reload,
 * a page of the queue a call; see recompute.h.
 *
 * Invariants:
 * - One run at a time (running), with one call in flight at most
 *   (in_flight, held in the lifecycle while it is): a page of timers.lua,
 *   then one reschedule.lua call for the whole page, then the next page,
 *   sent from that answer. Intake's calls wait behind one page at most.
 * - The queue is read by ZSCAN (timers.lua): a referral in the queue
 *   throughout the run is read at least once, whatever is added, decided
 *   or re-scored between pages; one read twice is worked out once
 *   (seen), so every referral is counted, and rescheduled, once.
 * - Each due time goes to reschedule.lua with the start it was worked
 *   out from: a timer started again between the page's read and its
 *   write (a re-rating) keeps the due time its new start gave it.
 * - A new reload during a run (again), or a stop, ends the run at its
 *   next answer, which is accounted for first; after a reload a new run
 *   starts from the beginning, by the rules then in force. The run's
 *   state is reset, never freed, in between: recompute_free() alone
 *   frees it, once the store has answered every call.
 */
#include <stdlib.h>
#include <string.h>

#include "mash/brag.h"
#include "mash/config.h"
#include "mash/deadline.h"
#include "mash/jfield.h"

#include "clock.h"
#include "lifecycle.h"
#include "log.h"
#include "recompute.h"
#include "scheduler.h"
#include "store.h"

/* Referrals a page, about (ZSCAN's COUNT is a hint). */
#define RECOMPUTE_PAGE 100

struct recompute {
	struct mashd *d;
	bool running;
	bool in_flight; /* a call of the run is in flight */
	bool again;	/* a new reload came meanwhile */
	char cursor[32];
	json_t *seen;	 /* the references worked out this run */
	json_t *page;	 /* those of the reschedule call in flight */
	long long total; /* the queue's length, as last read */
	unsigned referrals;
	unsigned moved;
	unsigned failed;
};

static void send_page(struct recompute *rc);

struct recompute *
recompute_new(struct mashd *d)
{
	struct recompute *rc = calloc(1, sizeof(*rc));

	if (rc != NULL)
		rc->d = d;
	return rc;
}

void
recompute_free(struct recompute *rc)
{
	if (rc == NULL)
		return;
	json_decref(rc->seen);
	json_decref(rc->page);
	free(rc);
}

/* A field of a script's answer that holds ms as a string; 0 when absent. */
static int64_t
ms_of(const json_t *o, const char *key)
{
	return (int64_t)strtoll(jfield(o, key), NULL, 10);
}

static void
run_reset(struct recompute *rc)
{
	json_decref(rc->seen);
	json_decref(rc->page);
	rc->seen = json_object();
	rc->page = NULL;
	snprintf(rc->cursor, sizeof(rc->cursor), "0");
	rc->total = -1; /* no page read yet */
	rc->referrals = rc->moved = rc->failed = 0;
}

/* The run's one line; `why` the reason it ended before the queue's end. */
static void
run_end(struct recompute *rc, const char *why)
{
	long long done = (long long)rc->referrals + rc->failed;
	char left[96];

	rc->running = false;
	/* How much of the queue it read: none, all, or about how much not. */
	if (rc->total < 0)
		snprintf(left, sizeof(left), "the queue was not read");
	else if (strcmp(rc->cursor, "0") == 0)
		snprintf(left, sizeof(left), "the queue was read to its end");
	else
		snprintf(left, sizeof(left),
			 "the queue was not read to its end (about %lld more)",
			 rc->total > done ? rc->total - done : 0);
	if (why != NULL)
		log_warnx("timers: recomputed %u open referral(s): %u "
			  "timer(s) moved; %u referral(s) could not be "
			  "rescheduled (see above), and %s: %s: reload again",
			  rc->referrals, rc->moved, rc->failed, left, why);
	else if (rc->failed > 0)
		log_warnx("timers: recomputed %u open referral(s): %u timer(s) "
			  "moved; %u referral(s) could not be rescheduled "
			  "(see above): reload again",
			  rc->referrals, rc->moved, rc->failed);
	else
		log_info("timers: recomputed %u open referral(s): %u timer(s) "
			 "moved",
			 rc->referrals, rc->moved);
	json_decref(rc->seen);
	json_decref(rc->page);
	rc->seen = rc->page = NULL;
}

/* The call in flight has answered. */
static void
answered(struct recompute *rc)
{
	rc->in_flight = false;
	lifecycle_release(rc->d->life);
}

/* A stop, or a new reload, ends the run here (`complete`: it read the
 * queue to its end): true when one did. */
static bool
ended_here(struct recompute *rc, bool complete)
{
	if (lifecycle_draining(rc->d->life)) {
		run_end(rc, complete ? NULL : "mashd is stopping");
		return true;
	}
	if (rc->again) {
		rc->again = false;
		log_info("timers: recompute begun again by a new reload, after "
			 "%u open referral(s) and %u timer(s) moved",
			 rc->referrals, rc->moved);
		run_reset(rc);
		send_page(rc);
		return true;
	}
	return false;
}

static void
next_or_end(struct recompute *rc)
{
	if (strcmp(rc->cursor, "0") == 0)
		run_end(rc, NULL);
	else
		send_page(rc);
}

/* A timer's due time from its start, by the rules now in force. */
static int64_t
due_from(const struct mash_config *conf, enum timer_kind t, enum brag b,
	 int64_t start)
{
	const struct deadline_rules *r = &conf->timers;

	switch (t) {
	case TIMER_DECISION:
		return deadline_after(conf->calendar, &r->decision, start);
	case TIMER_ESCALATION:
		return deadline_after(conf->calendar, &r->escalation, start);
	case TIMER_WRITTEN:
		return deadline_after(conf->calendar, &r->written, start);
	case TIMER_SCREENING:
		return deadline_after(conf->calendar, &r->screening[b], start);
	case TIMER_DECISION_WARNING:   /* from the decision: see below */
	case TIMER_SCREENING_ESCALATE: /* from the screening: see below */
	default:
		return 0;
	}
}

/* One referral of timers.lua's page: its timers' new due times, each
 * with the start it was worked out from, for reschedule.lua. */
static json_t *
item_of(const struct mash_config *conf, const char *id, enum brag b,
	const json_t *e)
{
	struct deadlines dl;
	const char *start[TIMER_COUNT] = {NULL};
	char num[32];
	const json_t *t;
	json_t *timers = json_array();
	size_t i;

	memset(&dl, 0, sizeof(dl));
	json_array_foreach(json_object_get(e, "timers"), i, t)
	{
		enum timer_kind k;

		if (timer_parse(jfield(t, "timer"), &k) != 0 ||
		    ms_of(t, "start") == 0)
			continue;
		start[k] = jfield(t, "start");
		dl.due[k] = due_from(conf, k, b, ms_of(t, "start"));
	}
	if (start[TIMER_DECISION_WARNING] != NULL)
		dl.due[TIMER_DECISION_WARNING] = deadline_before(
		    conf->calendar, &conf->timers.decision_warning,
		    dl.due[TIMER_DECISION]);
	if (start[TIMER_SCREENING_ESCALATE] != NULL)
		dl.due[TIMER_SCREENING_ESCALATE] = deadline_screening_escalate(
		    conf->calendar, &conf->timers, dl.due[TIMER_SCREENING]);
	for (int k = 0; k < TIMER_COUNT; k++) {
		if (start[k] == NULL || dl.due[k] == 0)
			continue;
		snprintf(num, sizeof(num), "%lld", (long long)dl.due[k]);
		json_array_append_new(timers,
				      json_pack("{ss ss ss}", "timer",
						timer_name((enum timer_kind)k),
						"due", num, "start", start[k]));
	}
	return json_pack("{ss so}", "id", id, "timers", timers);
}

/* The page's referrals not worked out before, into items; each counted. */
static void
page_items(struct recompute *rc, const json_t *page, json_t *items)
{
	const json_t *e;
	json_t *item;
	size_t i;
	enum brag b;

	json_array_foreach(page, i, e)
	{
		const char *id = jfield(e, "id");

		if (*id == '\0' || json_object_get(rc->seen, id) != NULL)
			continue;
		json_object_set_new(rc->seen, id, json_true());
		if (*jfield(e, "damaged") != '\0') { /* timers.lua says */
			log_warnx("referral %s: cannot reschedule: its record "
				  "is damaged (%s)",
				  id, jfield(e, "damaged"));
			rc->failed++;
			continue;
		}
		if (brag_parse(jfield(e, "brag"), &b) != 0 ||
		    (item = item_of(rc->d->conf, id, b, e)) == NULL) {
			log_warnx("referral %s: cannot reschedule: %s", id,
				  "its rating is not known, or out of memory");
			rc->failed++;
			continue;
		}
		rc->referrals++;
		json_array_append_new(items, item);
	}
}

/* The page in flight not written: each of its referrals said, and the
 * run ends (Redis is away, or will not run the script). */
static void
page_failed(struct recompute *rc, const char *err)
{
	const json_t *e;
	size_t i;

	json_array_foreach(rc->page, i, e) log_warnx(
	    "referral %s: cannot reschedule: %s", jfield(e, "id"), err);
	rc->failed += (unsigned)json_array_size(rc->page);
	rc->referrals -= (unsigned)json_array_size(rc->page);
	run_end(rc, err);
}

/* The page written: what was left as started again. Each move is in the
 * audit (reschedule.lua) and counted in the run's one line: the log has
 * no line a referral moved, which a big reload made thousands of. */
static void
resched_done(const json_t *r, const char *err, void *arg)
{
	struct recompute *rc = arg;
	const json_t *e;
	size_t i;

	answered(rc);
	if (err != NULL) {
		page_failed(rc, err);
		return;
	}
	json_array_foreach(json_object_get(r, "items"), i, e)
	{
		if (*jfield(e, "kept") != '\0')
			log_info("referral %s: %s started again since its page "
				 "was read: left as it is",
				 jfield(e, "id"), jfield(e, "kept"));
	}
	json_decref(rc->page);
	rc->page = NULL;
	rc->moved += (unsigned)json_integer_value(json_object_get(r, "moved"));
	if (json_integer_value(json_object_get(r, "moved")) > 0)
		scheduler_kick(rc->d->sched);
	if (!ended_here(rc, strcmp(rc->cursor, "0") == 0))
		next_or_end(rc);
}

/* The page's new due times to reschedule.lua, in one call. */
static void
send_resched(struct recompute *rc, json_t *items)
{
	json_t *args = json_pack("{ss sI sO}", "actor", "mashd:reload", "at",
				 (json_int_t)clock_now_ms(), "items", items);

	rc->page = items;
	if (store_call_json(rc->d->store, SCRIPT_RESCHEDULE, args, resched_done,
			    rc) != 0) {
		page_failed(rc, "redis is unreachable");
		return;
	}
	rc->in_flight = true;
	lifecycle_hold(rc->d->life);
}

static void
page_done(const json_t *r, const char *err, void *arg)
{
	struct recompute *rc = arg;
	json_t *items;

	answered(rc);
	if (err != NULL) {
		run_end(rc, err);
		return;
	}
	if (ended_here(rc, false))
		return;
	rc->total = json_integer_value(json_object_get(r, "total"));
	snprintf(rc->cursor, sizeof(rc->cursor), "%s", jfield(r, "cursor"));
	if ((items = json_array()) == NULL) {
		run_end(rc, "out of memory");
		return;
	}
	page_items(rc, json_object_get(r, "items"), items);
	if (json_array_size(items) > 0) {
		send_resched(rc, items);
		return;
	}
	json_decref(items);
	next_or_end(rc);
}

static void
send_page(struct recompute *rc)
{
	if (rc->seen == NULL) {
		run_end(rc, "out of memory");
		return;
	}
	if (store_call_json(rc->d->store, SCRIPT_TIMERS,
			    json_pack("{ss si}", "cursor", rc->cursor,
				      "page_size", RECOMPUTE_PAGE),
			    page_done, rc) != 0) {
		run_end(rc, "redis is unreachable");
		return;
	}
	rc->in_flight = true;
	lifecycle_hold(rc->d->life);
}

void
recompute_start(struct recompute *rc)
{
	if (rc->running) {
		rc->again = true;
		return;
	}
	if (lifecycle_draining(rc->d->life))
		return; /* stopping: nothing new begins */
	rc->running = true;
	rc->again = false;
	run_reset(rc);
	send_page(rc);
}
