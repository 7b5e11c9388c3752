/*
 * digest.c sends the supervisors' daily digest; see digest.h.
 *
 * Invariants:
 * - One digest under way at a time (busy): gathered a page a call
 *   (digest_pages.c), the timeliness read from the audit stream page by page
 *   (report_events.lua into report.c), composed (digest_text.c), then
 *   claimed and written in one call (digest.lua).
 * - `done` is the local date this mashd last saw sent (by it or another);
 *   a reconnection to Redis or a reload forgets it.
 * - `pend` is in the day of the digest begun and not yet seen sent: a
 *   failure leaves it, so the next look (within a minute) tries that day
 *   again, after midnight too, until the next opening gives it up. A
 *   start before that opening sets it to the last working day (resumed)
 *   when the last digest sent (digest:last's date) is of an earlier day,
 *   as the mashd stopped would have had it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "mash/calendar.h"
#include "mash/config.h"
#include "mash/report.h"
#include "mash/jfield.h"

#include "alert.h"
#include "clock.h"
#include "digest.h"
#include "digest_pages.h"
#include "digest_text.h"
#include "lifecycle.h"
#include "log.h"
#include "mashd.h"
#include "store.h"

/* The longest the digest sleeps before it looks at the time again. */
#define DIGEST_POLL_MS 60000
/* Items each part lists; audit events looked back through for the
 * escalations; events per page of the timeliness (about 3 ms of Redis
 * a page: BENCHMARKS.md). */
#define DIGEST_MAX_ITEMS 25
#define DIGEST_SCAN 200000
#define DIGEST_PAGE 250
/* The digest's text: it must fit an alert's body (alert.c). */
#define DIGEST_TEXT 2000
/* Stream ids are Redis's clock, `at` mashd's (as ctl_report.c). */
#define DIGEST_MARGIN_MS (3600 * 1000LL)

struct digest {
	struct mashd *d;
	struct event *ev;
	bool busy;
	bool waiting; /* for a backlog of timers to fire (digest_resume) */
	int64_t held; /* when it began to wait: the day looked at; or 0 */
	int64_t pend; /* in the day of a digest begun, not seen sent; or 0 */
	bool looked;  /* the start's resume() is done */
	bool resumed; /* pend set by resume(), not by a failure seen */
	int64_t resume_day;   /* the last working day resume() looks at */
	char resume_date[16]; /* its date */
	char done[16];	      /* "2026-11-30": sent for that local date */
	/* the digest under way */
	char date[16];
	enum { EARLY_NO, EARLY_BACKLOG, EARLY_FAILING } early; /* at start() */
	struct digest_when when;
	json_t *gathered;
	struct report *rep;
	char after[64];
};

static void look(struct digest *g);

static void
arm(struct digest *g, int64_t ms)
{
	struct timeval tv;

	if (ms < 1)
		ms = 1;
	if (ms > DIGEST_POLL_MS)
		ms = DIGEST_POLL_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(g->ev, &tv);
}

static void
end(struct digest *g)
{
	json_decref(g->gathered);
	g->gathered = NULL;
	report_free(g->rep);
	g->rep = NULL;
	g->busy = false;
	/* Failed: tried again within a minute. Done (pend cleared): looked
	 * at again at once, as today's may be due after the day before's. */
	arm(g, g->pend != 0 ? DIGEST_POLL_MS : 1);
}

/* Local midnight of the day of t, `days` days on (the calendar set the
 * process's zone to the hub's); its date into date when not NULL. */
static int64_t
midnight(const struct calendar *cal, int64_t t, int days, char *date,
	 size_t len)
{
	char scratch[64];
	time_t s = (time_t)(t / 1000);
	struct tm tm;

	calendar_format_local(cal, t, scratch, sizeof(scratch)); /* the zone */
	localtime_r(&s, &tm);
	tm.tm_mday += days;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	s = mktime(&tm);
	if (date != NULL)
		strftime(date, len, "%Y-%m-%d", &tm);
	return (int64_t)s * 1000;
}

/* The start of the last working day before the day of t (at most two
 * weeks back), so the range holds every referral since it began. */
static int64_t
last_working_day(const struct calendar *cal, int64_t t)
{
	for (int back = 1; back <= 14; back++) {
		int64_t day = midnight(cal, t, -back, NULL, 0);
		int64_t next = midnight(cal, t, -back + 1, NULL, 0);
		int64_t open = calendar_next_open(cal, day);

		if (open < next)
			return day;
	}
	return midnight(cal, t, -1, NULL, 0);
}

/* The digest under way seen sent (by this mashd or another). */
static void
finished(struct digest *g)
{
	memcpy(g->done, g->date, sizeof(g->done));
	g->pend = 0;
	g->resumed = false;
}

/* A digest this mashd sent, gathered before the due timers were fired
 * (its wait's minutes over): said, as it does not count what was yet to
 * fire. Said of none another mashd sent, nor of one not sent. */
static void
early(const struct digest *g)
{
	if (g->early == EARLY_BACKLOG)
		log_event_warnx(NULL, NULL, "digest_backlog",
				"digest: the digest of %s was gathered while a "
				"backlog of due timers still fired, %d min or "
				"more after it began: it does not count what "
				"was yet to fire",
				g->date, DIGEST_BACKLOG_MIN);
	else if (g->early == EARLY_FAILING)
		log_event_warnx(NULL, NULL, "digest_backlog",
				"digest: the digest of %s was gathered while "
				"due timers could not be fired (the calls that "
				"fire them failed), %d min or more after its "
				"wait for them began: it does not count what "
				"was yet to fire",
				g->date, DIGEST_BACKLOG_MIN);
}

static void
sent(const json_t *r, const char *err, void *arg)
{
	struct digest *g = arg;

	if (err != NULL) {
		log_warnx("digest: the digest of %s is not sent: %s; trying "
			  "again within a minute",
			  g->date, err);
	} else {
		if (json_is_true(json_object_get(r, "sent"))) {
			log_event(NULL, NULL, "digest",
				  "digest: the digest of %s is in the outbox",
				  g->date);
			if (g->resumed)
				log_warnx("digest: the digest of %s was not "
					  "sent before this start (it failed, "
					  "or mashd stopped, before it could "
					  "be): it is sent late",
					  g->date);
			early(g);
			alert_kick(g->d->alerts);
		}
		finished(g);
	}
	end(g);
}

/* "Mon 30 Nov 2026": the local day of t, for the subject. */
static void
day_words(const struct calendar *cal, int64_t t, char *buf, size_t len)
{
	time_t s = (time_t)(t / 1000);
	struct tm tm;

	calendar_format_local(cal, t, buf, len); /* sets the hub's zone */
	if (localtime_r(&s, &tm) == NULL ||
	    strftime(buf, len, "%a %d %b %Y", &tm) == 0)
		snprintf(buf, len, "?");
}

static void
compose(struct digest *g)
{
	char text[DIGEST_TEXT], detail[256], at[32], day[32];
	json_t *total = NULL, *rep = NULL;

	if (g->rep != NULL) {
		rep = report_json(g->rep, REPORT_BY_NONE);
		total = json_object_get(rep, "total");
	}
	digest_text(g->d->conf->calendar, g->gathered, total, &g->when, text,
		    sizeof(text), detail, sizeof(detail));
	json_decref(rep);
	snprintf(at, sizeof(at), "%lld", (long long)g->when.now);
	day_words(g->d->conf->calendar, g->when.at, day, sizeof(day));
	if (store_call_json(
		g->d->store, SCRIPT_DIGEST,
		json_pack("{ss ss ss ss ss ss ss}", "date", g->date, "day", day,
			  "at", at, "text", text, "head",
			  jfield(g->gathered, "head"), "held_last",
			  jfield(g->gathered, "held_last"), "detail", detail),
		sent, g) != 0) {
		log_warnx("digest: the digest of %s is not sent: redis is "
			  "unreachable; trying again within a minute",
			  g->date);
		end(g);
	}
}

static int page(struct digest *g);

static void
page_done(const json_t *r, const char *err, void *arg)
{
	struct digest *g = arg;
	const json_t *e;
	size_t i;

	if (err != NULL) {
		log_warnx("digest: cannot read the audit trail for the "
			  "timeliness of the digest of %s: %s; trying again "
			  "within a minute",
			  g->date, err);
		end(g);
		return;
	}
	json_array_foreach(json_object_get(r, "events"), i, e)
	{
		const char *at = json_string_value(json_object_get(e, "at"));
		struct report_event ev = {
		    json_string_value(json_object_get(e, "ref")),
		    at ? strtoll(at, NULL, 10) : 0,
		    json_string_value(json_object_get(e, "action")),
		    json_string_value(json_object_get(e, "detail"))};

		if (ev.ref == NULL || ev.action == NULL || ev.detail == NULL)
			continue;
		if (report_add(g->rep, &ev) != 0) {
			report_free(g->rep);
			g->rep = NULL;
			compose(g);
			return;
		}
	}
	snprintf(g->after, sizeof(g->after), "%s", jfield(r, "after"));
	if (json_is_true(json_object_get(r, "done")) || page(g) != 0)
		compose(g);
}

/* The next page of the audit stream for the timeliness. */
static int
page(struct digest *g)
{
	char start[32], stop[32];

	snprintf(start, sizeof(start), "%lld",
		 (long long)(g->when.from - DIGEST_MARGIN_MS));
	snprintf(stop, sizeof(stop), "%lld",
		 (long long)(g->when.to + DIGEST_MARGIN_MS));
	return store_call_json(
	    g->d->store, SCRIPT_REPORT_EVENTS,
	    json_pack("{ss ss ss si ss ss sI}", "start", start, "after",
		      g->after, "stop", stop, "limit", DIGEST_PAGE, "audit", "",
		      "actor", "mashd", "at", (json_int_t)clock_now_ms()),
	    page_done, g);
}

static void
gathered(json_t *r, const char *err, void *arg)
{
	struct digest *g = arg;
	const struct mash_config *c = g->d->conf;

	if (err != NULL) {
		log_warnx("digest: cannot gather the digest of %s: %s; trying "
			  "again within a minute",
			  g->date, err);
		end(g);
		return;
	}
	if (json_is_true(json_object_get(r, "sent"))) {
		/* Sent already (before a restart, or by another mashd): as
		 * digest.lua would have answered, after the whole gathering. */
		json_decref(r);
		finished(g);
		end(g);
		return;
	}
	g->gathered = r;
	g->when.to = midnight(c->calendar, g->when.at, 0, NULL, 0);
	g->when.from = last_working_day(c->calendar, g->when.at);
	g->rep = report_new(c->calendar, &c->timers, g->when.from, g->when.to);
	g->after[0] = '\0';
	if (g->gathered == NULL || g->rep == NULL) {
		log_warnx("digest: out of memory; trying again within a "
			  "minute");
		end(g);
		return;
	}
	if (page(g) != 0)
		compose(g);
}

/* The digest of the opening of the day of `of` (today, the day the wait
 * for a backlog began, or that of a digest that failed), when it has come
 * and none was sent. */
static void
start(struct digest *g, int64_t of, int64_t now)
{
	const struct calendar *cal = g->d->conf->calendar;
	char date[16];
	int64_t day = midnight(cal, of, 0, date, sizeof(date));
	int64_t open = calendar_next_open(cal, day);

	if (strcmp(date, g->done) == 0 || open > now ||
	    open >= midnight(cal, of, 1, NULL, 0))
		return; /* sent, not yet open, or no working day */
	g->busy = true;
	g->pend = of;
	memcpy(g->date, date, sizeof(g->date));
	g->when.at = open;
	g->when.now = now;
	if (digest_pages_gather(g->d->store, g->date, now - 86400000LL,
				DIGEST_MAX_ITEMS, DIGEST_SCAN, gathered,
				g) != 0)
		g->busy = false; /* Redis is away: the reconnection kicks */
	else
		g->early = g->d->backlog_firing	  ? EARLY_BACKLOG
			   : g->d->timers_failing ? EARLY_FAILING
						  : EARLY_NO;
}

/* A digest that failed is tried again until the next opening after its
 * day, whose digest (escalations and dead letters since the last one
 * sent) is then due: it is given up, and said so; as "not known sent",
 * for a try whose answer was lost, or another mashd that mashd could
 * not ask, may have sent it. */
static void
give_up(struct digest *g, int64_t now)
{
	const struct calendar *cal = g->d->conf->calendar;
	char date[16];

	if (g->pend == 0 ||
	    calendar_next_open(cal, midnight(cal, g->pend, 1, NULL, 0)) > now)
		return;
	midnight(cal, g->pend, 0, date, sizeof(date));
	log_warnx("digest: the digest of %s is given up, not known sent: "
		  "its tries failed, or their answers were lost, until the "
		  "next working day opened, whose digest tells the "
		  "escalations and dead letters since the last one sent",
		  date);
	g->pend = 0;
	g->resumed = false;
}

/* The date of the last digest sent (digest:last), read by resume(). */
static void
last_read(const struct store_result *res, void *arg)
{
	struct digest *g = arg;
	const redisReply *r = res->reply;

	g->busy = false;
	if (res->outcome != STORE_DONE || r == NULL) {
		log_warnx("digest: cannot read the date of the last digest "
			  "sent: %s; trying again within a minute",
			  res->err != NULL ? res->err : "no answer");
		g->looked = false;
		arm(g, DIGEST_POLL_MS);
		return;
	}
	/* None sent: a new hub, none due before its first start. */
	if (r->type == REDIS_REPLY_STRING &&
	    strcmp(r->str, g->resume_date) < 0) {
		g->pend = g->resume_day;
		g->resumed = true;
	}
	look(g);
}

/*
 * A start after midnight, before the next opening: the last working
 * day's digest may have failed, or its tries been cut short by the stop,
 * which lost them with the process. When the last digest sent is of an
 * earlier day, that day's is tried again (from the next look) as the
 * mashd stopped would have gone on trying it; the gathering's first call
 * still finds it if another mashd sent it. true while the date is asked:
 * the answer looks again.
 */
static bool
resume(struct digest *g, int64_t now)
{
	const struct mash_config *c = g->d->conf;
	int64_t day = last_working_day(c->calendar, now);
	char *cmd;
	int len, rc;

	int64_t next = midnight(c->calendar, day, 1, NULL, 0);

	/* None pending; a working day (not last_working_day()'s fallback
	 * after two weeks closed); its tries not over (today's is due) */
	if (g->pend != 0 || calendar_next_open(c->calendar, day) >= next ||
	    calendar_next_open(c->calendar, next) <= now) {
		g->looked = true;
		return false;
	}
	g->resume_day = day;
	midnight(c->calendar, day, 0, g->resume_date, sizeof(g->resume_date));
	len = redisFormatCommand(&cmd, "HGET %s%s date", c->redis.prefix,
				 "digest:last");
	g->looked = true;
	if (len < 0)
		return false; /* out of memory: that day's is not looked at */
	rc = store_read(g->d->store, cmd, (size_t)len, last_read, g);
	redisFreeCommand(cmd);
	if (rc != 0) { /* Redis is away: asked again at the next look */
		g->looked = false;
		arm(g, DIGEST_POLL_MS);
		return true;
	}
	g->busy = true;
	return true;
}

static void
look(struct digest *g)
{
	int64_t now = clock_now_ms(), next;

	if (g->busy)
		return;
	evtimer_del(g->ev);
	/* a stop gathers none: the next start does (its backlog fired) */
	if (lifecycle_draining(g->d->life))
		return;
	if (g->d->digest_behind) {
		g->waiting = true;
		if (g->held == 0)
			g->held = now;
		return;
	}
	/* A digest that failed is tried again (after midnight too); a wait
	 * that began before midnight ends on the day it began: that day's
	 * digest is due, not one of the day it ended. */
	if (!g->looked && resume(g, now))
		return;
	give_up(g, now);
	start(g, g->pend != 0 ? g->pend : g->held != 0 ? g->held : now, now);
	g->held = 0;
	if (g->busy)
		return;
	/* Open now (sent, or just tried): look again later; closed: at the
	 * next opening, or within a minute (a clock change, a reload). */
	next = calendar_next_open(g->d->conf->calendar, now);
	arm(g, next > now ? next - now : DIGEST_POLL_MS);
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	look(arg);
}

static void
conf_written(const json_t *r, const char *err, void *arg)
{
	(void)r;
	(void)arg;
	if (err != NULL)
		log_warnx("digest: cannot write alerts.digest to redis: %s",
			  err);
}

void
digest_kick(struct digest *g)
{
	/* Redis again (or a reload): it may have lost the date's claim with
	 * the data of a failover, so what this mashd saw sent is asked again
	 * (one EXISTS while Redis has it: digest_gather.lua). */
	g->done[0] = '\0';
	if (store_call_json(
		g->d->store, SCRIPT_DIGEST_CONF,
		json_pack("{sb}", "digest", g->d->conf->alerts.digest),
		conf_written, g) != 0)
		log_warnx("digest: cannot write alerts.digest to redis: redis "
			  "is unreachable");
	look(g);
}

void
digest_resume(struct digest *g)
{
	if (g == NULL || !g->waiting)
		return;
	g->waiting = false;
	look(g);
}

struct digest *
digest_new(struct mashd *d)
{
	struct digest *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->d = d;
	if ((g->ev = evtimer_new(d->base, tick, g)) == NULL) {
		free(g);
		return NULL;
	}
	return g;
}

void
digest_free(struct digest *g)
{
	if (g == NULL)
		return;
	evtimer_del(g->ev);
	event_free(g->ev);
	json_decref(g->gathered);
	report_free(g->rep);
	free(g);
}
