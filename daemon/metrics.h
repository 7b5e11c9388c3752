/*
 * metrics: mashd's figures for a sysadmin, read in one step from Redis
 * (daemon/lua/metrics.lua) and from the daemon itself, and shown three
 * ways: GET /metrics in Prometheus's text format, `mashctl status` (JSON
 * over the control socket) and systemd's STATUS= line. Counts only:
 * nothing about any referral in particular.
 */
#ifndef MASHD_METRICS_H
#define MASHD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "mashd.h"

#define METRICS_MAX 64

/* One figure of metrics.lua: a group ("queue", "overdue", "taken",
 * "alerts", "fired", "events"), a label within it and a count. */
struct figure {
	char group[16];
	char label[48];
	long long value;
};

struct figures {
	int64_t started_ms; /* when mashd started, UTC ms */
	int64_t uptime_s;
	unsigned inflight; /* requests accepted and not yet answered */
	bool stopping;
	bool redis_up;	    /* the figures from Redis below are current */
	bool redis_durable; /* appendonly yes, appendfsync always */
	double rtt_s;	    /* Redis round trip; < 0 when not measured */
	/* The daemon's clock minus Redis's, in ms, once measured. */
	bool clock_known;
	int64_t clock_skew_ms;
	/* Where Redis is (store_info()): the master in use ("" while
	 * down), the sentinel that named it ("" without sentinels), the
	 * replicas a change waits for, how many confirmed the last change
	 * (-1: none yet) and when, and the changes of master seen. */
	char redis_master[300];
	char redis_sentinel[300];
	char redis_why[480]; /* while the store is not up: why */
	int replicas_ack;
	int replicas_confirmed;
	int64_t replicas_confirmed_ms;
	long long failovers;
	size_t n;
	struct figure f[METRICS_MAX];
};

/*
 * The figures, or the daemon's own only (redis_up false) with the reason
 * in err when Redis failed before it answered.
 */
typedef void metrics_cb(const struct figures *f, const char *err, void *arg);

/* The daemon's own figures, without Redis: what to show when it is down. */
void metrics_local(struct mashd *d, struct figures *f);
/* All the figures: 0 and cb exactly once, later; -1 at once, without
 * calling cb, when Redis is unreachable. */
int metrics_collect(struct mashd *d, metrics_cb *cb, void *arg);

/* A figure's value; 0 when metrics.lua did not name it. */
long long metrics_get(const struct figures *f, const char *group,
		      const char *label);
/* Prometheus text exposition format 0.0.4. */
void metrics_prometheus(const struct figures *f, struct evbuffer *out);
/* For mashctl status: {version, redis, redis_durable, uptime, stopping,
 * inflight, clock_skew_ms, redis_master, redis_sentinel, replicas_ack,
 * replicas_confirmed, replicas_confirmed_at, failovers, redis_rtt_us,
 * queue{open, red, ..., events}, overdue{...}, taken{...}, alerts{...},
 * fired{...}}; none from redis_rtt_us on while Redis is down, and
 * clock_skew_ms only once measured. */
json_t *metrics_json(const struct figures *f);
/* One line for systemd's STATUS=: queue depth, overdue, alerts. */
void metrics_status_line(const struct figures *f, char *buf, size_t len);
/* Whether a request's Authorization header may read GET /metrics: any,
 * without metrics.token; else "Bearer <metrics.token>" only. */
bool metrics_authorized(const struct mash_config *c, const char *authorization);

#endif
