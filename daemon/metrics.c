/*
 * metrics.c owns mashd's figures; see metrics.h.
 *
 * A collection is two script calls sent together: ping.lua, whose round
 * trip is the Redis latency, then metrics.lua, which reads everything
 * else. hiredis answers them in order; the collection ends when both have
 * answered (or failed), and only then is the caller's callback run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "mash/brag.h"
#include "mash/config.h"
#include "mash/deadline.h"
#include "mash/timeutil.h"
#include "mash/words.h"

#include "clock.h"
#include "lifecycle.h"
#include "metrics.h"
#include "scheduler.h"
#include "store.h"

/* Audit entries metrics.lua counts per call on a store that has no
 * counters yet (an older mashd's); a longer backlog is counted over
 * several calls. Once counted, a call reads the counters only. */
#define METRICS_SCAN_MAX 10000

struct collect {
	struct mashd *d;
	metrics_cb *cb;
	void *arg;
	struct timespec t0;
	int waiting; /* script calls not yet answered */
	char err[256];
	struct figures fig;
};

/*
 * The labels every scrape shows, 0 or not, so a dashboard's series exist
 * from the start; metrics.lua may add others (a new channel, say).
 */
enum labels {
	LABELS_BRAG,	 /* every rating */
	LABELS_DEADLINE, /* every timer but the warnings */
	LABELS_TIMER,	 /* every timer */
	LABELS_CHANNEL,	 /* every intake channel */
	LABELS_STATE,	 /* an alert's delivery states */
	LABELS_CALLBACK, /* a call-back task's states */
	LABELS_DEFERRED, /* timers deferred for a damaged record */
};
#define LABELS_MAX 16

static const struct family {
	const char *group;
	const char *name;
	const char *type;
	const char *label;
	enum labels labels;
	const char *help;
} families[] = {
    {"queue", "mashd_queue_referrals", "gauge", "brag", LABELS_BRAG,
     "Open referrals in the queue, by BRAG rating."},
    {"overdue", "mashd_overdue_referrals", "gauge", "timer", LABELS_DEADLINE,
     "Open referrals whose statutory timer fired and is not stopped."},
    {"taken", "mashd_referrals_taken_total", "counter", "channel",
     LABELS_CHANNEL,
     "Referrals taken and stored, by intake channel, since the store "
     "began."},
    {"alerts", "mashd_alerts", "gauge", "state", LABELS_STATE,
     "Alerts in the outbox, by delivery state."},
    {"fired", "mashd_timers_fired_total", "counter", "timer", LABELS_TIMER,
     "Statutory timers fired (warnings included), since the store began."},
    {"callbacks", "mashd_callbacks", "gauge", "state", LABELS_CALLBACK,
     "Call-back tasks: referrers no transport reaches, for the navigators "
     "to telephone."},
    {"damaged", "mashd_timers_damaged", "gauge", "state", LABELS_DEFERRED,
     "Timers due whose referral's record is damaged or missing: deferred, "
     "looked at again hourly, fired once the record is restored."},
};

/* The labels of a family, from the words of words.h and brag.h. */
static size_t
labels_of(enum labels which, const char *out[LABELS_MAX])
{
	static const char *const states[] = {"pending", "sent", "dead",
					     "requeued", "callback"};
	size_t n = 0;

	switch (which) {
	case LABELS_BRAG:
		for (int b = 0; b < BRAG_COUNT; b++)
			out[n++] = brag_name((enum brag)b);
		break;
	case LABELS_DEADLINE:
	case LABELS_TIMER:
		for (int t = 0; t < TIMER_COUNT; t++)
			if (which == LABELS_TIMER || !timer_words[t].warning)
				out[n++] = timer_words[t].name;
		break;
	case LABELS_CHANNEL:
		for (int ch = 0; ch < CHANNEL_COUNT; ch++)
			out[n++] = channel_names[ch];
		break;
	case LABELS_STATE:
		for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
			out[n++] = states[i];
		break;
	case LABELS_CALLBACK:
		out[n++] = "open";
		break;
	case LABELS_DEFERRED:
		out[n++] = "deferred";
		break;
	}
	return n;
}

static double
elapsed_s(const struct timespec *t0)
{
	struct timespec t1;

	/* Monotonic, for a latency only: not the daemon's clock. */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

void
metrics_local(struct mashd *d, struct figures *f)
{
	struct store_info si;

	memset(f, 0, sizeof(*f));
	f->started_ms = d->started_ms;
	f->uptime_s = (clock_now_ms() - d->started_ms) / 1000;
	f->inflight = lifecycle_in_flight(d->life);
	f->stopping = lifecycle_draining(d->life);
	f->redis_up = false;
	f->redis_durable = store_durable(d->store);
	f->rtt_s = -1;
	f->clock_known = scheduler_clock_skew(d->sched, &f->clock_skew_ms);
	store_info(d->store, &si);
	snprintf(f->redis_master, sizeof(f->redis_master), "%s", si.master);
	snprintf(f->redis_sentinel, sizeof(f->redis_sentinel), "%s",
		 si.sentinel);
	f->replicas_ack = si.replicas_ack;
	f->replicas_confirmed = si.replicas_confirmed;
	f->replicas_confirmed_ms = si.confirmed_at_ms;
	f->failovers = si.failovers;
	if (!store_up(d->store))
		snprintf(f->redis_why, sizeof(f->redis_why), "%s",
			 store_why(d->store));
}

static void
collect_end(struct collect *c)
{
	if (--c->waiting > 0)
		return;
	c->cb(&c->fig, c->err[0] ? c->err : NULL, c->arg);
	free(c);
}

static void
collect_fail(struct collect *c, const char *err)
{
	if (c->err[0] == '\0')
		snprintf(c->err, sizeof(c->err), "%s", err);
	c->fig.redis_up = false;
	c->fig.n = 0;
}

static void
ping_done(const json_t *r, const char *err, void *arg)
{
	struct collect *c = arg;

	(void)r;
	if (err != NULL)
		collect_fail(c, err);
	else
		c->fig.rtt_s = elapsed_s(&c->t0);
	collect_end(c);
}

static void
figures_done(const json_t *r, const char *err, void *arg)
{
	struct collect *c = arg;
	struct figures *f = &c->fig;
	const json_t *e;
	size_t i;

	if (err != NULL) {
		collect_fail(c, err);
		collect_end(c);
		return;
	}
	json_array_foreach(json_object_get(r, "figures"), i, e)
	{
		const char *g = json_string_value(json_object_get(e, "group"));
		const char *l = json_string_value(json_object_get(e, "label"));
		const json_t *v = json_object_get(e, "value");
		struct figure *fg;

		if (f->n == METRICS_MAX)
			break;
		if (g == NULL || l == NULL || !json_is_number(v))
			continue;
		fg = &f->f[f->n++];
		snprintf(fg->group, sizeof(fg->group), "%s", g);
		snprintf(fg->label, sizeof(fg->label), "%s", l);
		fg->value = (long long)json_number_value(v);
	}
	if (c->err[0] == '\0')
		f->redis_up = true;
	collect_end(c);
}

int
metrics_collect(struct mashd *d, metrics_cb *cb, void *arg)
{
	struct collect *c;
	if (!store_up(d->store) || (c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->d = d;
	c->cb = cb;
	c->arg = arg;
	metrics_local(d, &c->fig);
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	if (store_call_json(d->store, SCRIPT_PING, json_object(), ping_done,
			    c) != 0) {
		free(c);
		return -1;
	}
	c->waiting = 1;
	if (store_call_json(d->store, SCRIPT_METRICS,
			    json_pack("{si}", "scan_max", METRICS_SCAN_MAX),
			    figures_done, c) == 0)
		c->waiting++;
	else
		collect_fail(c, "cannot send the metrics script to redis");
	return 0;
}

long long
metrics_get(const struct figures *f, const char *group, const char *label)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->f[i].group, group) == 0 &&
		    strcmp(f->f[i].label, label) == 0)
			return f->f[i].value;
	return 0;
}

static bool
in_list(const char *const *list, size_t n, const char *s)
{
	return words_find(list, n, s) >= 0;
}

/* A label value as the exposition format wants it: \\, \" and \n. */
static void
label_value(struct evbuffer *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			evbuffer_add_printf(out, "\\%c", *s);
		else if (*s == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, s, 1);
	}
}

static void
sample(struct evbuffer *out, const struct family *fam, const char *label,
       long long v)
{
	evbuffer_add_printf(out, "%s{%s=\"", fam->name, fam->label);
	label_value(out, label);
	evbuffer_add_printf(out, "\"} %lld\n", v);
}

static void
header(struct evbuffer *out, const char *name, const char *type,
       const char *help)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
			    name, type);
}

/* Which master, and what replication confirmed (store_info()). */
static void
redis_where(const struct figures *f, struct evbuffer *out)
{
	if (f->redis_master[0] != '\0') {
		header(out, "mashd_redis_master_info", "gauge",
		       "The Redis master in use; always 1.");
		evbuffer_add_printf(out, "mashd_redis_master_info{address=\"");
		label_value(out, f->redis_master);
		evbuffer_add_printf(out, "\"} 1\n");
	}
	header(out, "mashd_redis_failovers_total", "counter",
	       "Changes of Redis master this mashd has seen since it "
	       "started.");
	evbuffer_add_printf(out, "mashd_redis_failovers_total %lld\n",
			    f->failovers);
	header(out, "mashd_redis_replicas_ack", "gauge",
	       "Replicas a change must reach before it is confirmed "
	       "(redis.replicas_ack).");
	evbuffer_add_printf(out, "mashd_redis_replicas_ack %d\n",
			    f->replicas_ack);
	if (f->replicas_confirmed < 0)
		return;
	header(out, "mashd_redis_replicas_confirmed", "gauge",
	       "Replicas that confirmed the last change mashd waited for "
	       "(WAIT).");
	evbuffer_add_printf(out, "mashd_redis_replicas_confirmed %d\n",
			    f->replicas_confirmed);
}

void
metrics_prometheus(const struct figures *f, struct evbuffer *out)
{
	header(out, "mashd_build_info", "gauge", "mashd's version; always 1.");
	evbuffer_add_printf(out, "mashd_build_info{version=\"%s\"} 1\n",
			    MASHD_VERSION);
	header(out, "mashd_start_time_seconds", "gauge",
	       "When mashd started, in seconds since the Unix epoch.");
	evbuffer_add_printf(out, "mashd_start_time_seconds %lld.%03lld\n",
			    (long long)(f->started_ms / 1000),
			    (long long)(f->started_ms % 1000));
	header(out, "mashd_uptime_seconds", "gauge",
	       "Seconds since mashd started.");
	evbuffer_add_printf(out, "mashd_uptime_seconds %lld\n",
			    (long long)f->uptime_s);
	header(out, "mashd_requests_in_flight", "gauge",
	       "Requests accepted and not yet answered, alert deliveries not "
	       "yet recorded, and the timers' calls a stop waits for (a batch "
	       "being fired, reminders being scheduled).");
	evbuffer_add_printf(out, "mashd_requests_in_flight %u\n", f->inflight);
	header(out, "mashd_redis_up", "gauge",
	       "1 when Redis answered this scrape, else 0 (and the figures "
	       "that come from Redis are absent).");
	evbuffer_add_printf(out, "mashd_redis_up %d\n", f->redis_up ? 1 : 0);
	header(out, "mashd_redis_durable", "gauge",
	       "1 when Redis was last found with appendonly yes and "
	       "appendfsync always, else 0 (new referrals are then refused "
	       "unless redis.allow_unsafe is set).");
	evbuffer_add_printf(out, "mashd_redis_durable %d\n",
			    f->redis_durable ? 1 : 0);
	if (f->clock_known) {
		header(out, "mashd_clock_skew_seconds", "gauge",
		       "This host's clock minus Redis's, by which timers fire, "
		       "as last measured (about once a second).");
		evbuffer_add_printf(out, "mashd_clock_skew_seconds %.3f\n",
				    (double)f->clock_skew_ms / 1000);
	}
	redis_where(f, out);
	if (!f->redis_up)
		return;
	header(out, "mashd_redis_rtt_seconds", "gauge",
	       "Round trip of a trivial script call to Redis, measured by "
	       "this scrape.");
	evbuffer_add_printf(out, "mashd_redis_rtt_seconds %.6f\n", f->rtt_s);
	for (size_t k = 0; k < sizeof(families) / sizeof(families[0]); k++) {
		const struct family *fam = &families[k];

		const char *l[LABELS_MAX];
		size_t nl = labels_of(fam->labels, l);

		header(out, fam->name, fam->type, fam->help);
		for (size_t i = 0; i < nl; i++)
			sample(out, fam, l[i],
			       metrics_get(f, fam->group, l[i]));
		for (size_t i = 0; i < f->n; i++)
			if (strcmp(f->f[i].group, fam->group) == 0 &&
			    !in_list(l, nl, f->f[i].label))
				sample(out, fam, f->f[i].label, f->f[i].value);
	}
	header(out, "mashd_audit_events_total", "counter",
	       "Entries in the audit stream (reads and changes of "
	       "referrals).");
	evbuffer_add_printf(out, "mashd_audit_events_total %lld\n",
			    metrics_get(f, "events", "total"));
}

static json_t *
group_json(const struct figures *f, const struct family *fam)
{
	json_t *o = json_object();
	const char *l[LABELS_MAX];
	size_t nl = labels_of(fam->labels, l);

	for (size_t i = 0; i < nl; i++)
		json_object_set_new(
		    o, l[i], json_integer(metrics_get(f, fam->group, l[i])));
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->f[i].group, fam->group) == 0 &&
		    !in_list(l, nl, f->f[i].label))
			json_object_set_new(o, f->f[i].label,
					    json_integer(f->f[i].value));
	return o;
}

json_t *
metrics_json(const struct figures *f)
{
	json_t *o, *q;
	long long open = 0;

	o = json_pack("{ss ss sb sI sb sI}", "version", MASHD_VERSION, "redis",
		      f->redis_up ? "up" : "down", "redis_durable",
		      f->redis_durable, "uptime", (json_int_t)f->uptime_s,
		      "stopping", f->stopping, "inflight",
		      (json_int_t)f->inflight);
	if (f->clock_known)
		json_object_set_new(o, "clock_skew_ms",
				    json_integer((json_int_t)f->clock_skew_ms));
	json_object_set_new(o, "redis_master", json_string(f->redis_master));
	json_object_set_new(o, "redis_sentinel",
			    json_string(f->redis_sentinel));
	json_object_set_new(o, "replicas_ack", json_integer(f->replicas_ack));
	if (f->replicas_confirmed >= 0) {
		char iso[MASH_TIME_BUFSZ];

		json_object_set_new(o, "replicas_confirmed",
				    json_integer(f->replicas_confirmed));
		json_object_set_new(o, "replicas_confirmed_at",
				    json_string(mash_time_format(
					f->replicas_confirmed_ms, iso)));
	} else {
		json_object_set_new(o, "replicas_confirmed", json_null());
		json_object_set_new(o, "replicas_confirmed_at", json_null());
	}
	json_object_set_new(o, "failovers",
			    json_integer((json_int_t)f->failovers));
	if (!f->redis_up && f->redis_why[0] != '\0')
		json_object_set_new(o, "redis_error",
				    json_string(f->redis_why));
	if (!f->redis_up)
		return o;
	json_object_set_new(o, "redis_rtt_us",
			    json_integer((json_int_t)(f->rtt_s * 1e6 + 0.5)));
	q = group_json(f, &families[0]);
	for (int b = 0; b < BRAG_COUNT; b++)
		open += metrics_get(f, "queue", brag_name((enum brag)b));
	json_object_set_new(q, "open", json_integer(open));
	json_object_set_new(q, "events",
			    json_integer(metrics_get(f, "events", "total")));
	json_object_set_new(o, "queue", q);
	json_object_set_new(o, "overdue", group_json(f, &families[1]));
	json_object_set_new(o, "taken", group_json(f, &families[2]));
	json_object_set_new(o, "alerts", group_json(f, &families[3]));
	json_object_set_new(o, "fired", group_json(f, &families[4]));
	json_object_set_new(o, "callbacks", group_json(f, &families[5]));
	json_object_set_new(o, "damaged", group_json(f, &families[6]));
	return o;
}

void
metrics_status_line(const struct figures *f, char *buf, size_t len)
{
	long long open = 0, overdue = 0;

	if (!f->redis_up) {
		snprintf(buf, len,
			 "redis unreachable; nothing is taken in "
			 "until it is back");
		return;
	}
	for (int b = 0; b < BRAG_COUNT; b++)
		open += metrics_get(f, "queue", brag_name((enum brag)b));
	for (int t = 0; t < TIMER_COUNT; t++)
		if (!timer_words[t].warning)
			overdue +=
			    metrics_get(f, "overdue", timer_words[t].name);
	snprintf(buf, len,
		 "%lld open (red %lld, amber %lld, green %lld, blue %lld), "
		 "%lld timer(s) overdue; %lld alert(s) pending, %lld dead; "
		 "%lld call-back(s) to make",
		 open, metrics_get(f, "queue", "red"),
		 metrics_get(f, "queue", "amber"),
		 metrics_get(f, "queue", "green"),
		 metrics_get(f, "queue", "blue"), overdue,
		 metrics_get(f, "alerts", "pending"),
		 metrics_get(f, "alerts", "dead"),
		 metrics_get(f, "callbacks", "open"));
}

bool
metrics_authorized(const struct mash_config *c, const char *authorization)
{
	const char *want = c->metrics.token, *got = authorization;
	size_t len = strlen(want);

	if (len == 0)
		return true;
	if (got == NULL || strncasecmp(got, "Bearer ", 7) != 0)
		return false;
	got += 7;
	while (*got == ' ')
		got++;
	/* In constant time: a wrong token tells nothing of the right one. */
	return strlen(got) == len && CRYPTO_memcmp(got, want, len) == 0;
}
