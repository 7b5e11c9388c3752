/*
 * service.c owns what mashd tells systemd; see service.h.
 *
 * The watchdog timer runs on the one event loop, like everything else: if
 * a callback never returns, or the loop stops, the pings stop and systemd
 * restarts mashd after WatchdogSec=. It pings whether or not Redis
 * answers: a restart would not bring Redis back, and the STATUS= line
 * says what is wrong.
 *
 * Every word mashd says to systemd is said here: the other modules tell
 * this one what happened, through main.c's wiring.
 */
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "lifecycle.h"
#include "log.h"
#include "metrics.h"
#include "service.h"

/* How often STATUS= is brought up to date. */
#define STATUS_EVERY_SEC 10

struct service {
	struct mashd *d;
	bool notify;	 /* systemd listens (NOTIFY_SOCKET is set) */
	bool listening;	 /* every listener is open */
	bool redis;	 /* Redis has answered */
	bool ready;	 /* READY=1 was sent */
	bool collecting; /* a metrics_collect() is in flight */
	bool freed;	 /* service_free() came while collecting */
	struct event *watchdog;
	struct event *status;
	char reload_err[256]; /* the last reload's failure, until one works */
};

static void
send_status(struct service *s, const char *line)
{
	char buf[1024];

	if (s->reload_err[0] != '\0')
		snprintf(buf, sizeof(buf),
			 "STATUS=reload failed, running the "
			 "configuration read before (%s); %s",
			 s->reload_err, line);
	else
		snprintf(buf, sizeof(buf), "STATUS=%s", line);
	sd_notify(0, buf);
}

static void
status_done(const struct figures *f, const char *err, void *arg)
{
	struct service *s = arg;
	char line[512];

	(void)err;
	s->collecting = false;
	if (s->freed) {
		free(s);
		return;
	}
	metrics_status_line(f, line, sizeof(line));
	send_status(s, line);
}

static void
status_refresh(struct service *s)
{
	if (!s->notify || s->collecting || lifecycle_draining(s->d->life))
		return;
	if (metrics_collect(s->d, status_done, s) == 0)
		s->collecting = true;
	else
		send_status(s, "redis unreachable; nothing is taken in until "
			       "it is back");
}

static void
status_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	status_refresh(arg);
}

static void
watchdog_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sd_notify(0, "WATCHDOG=1");
}

struct service *
service_new(struct mashd *d)
{
	struct service *s = calloc(1, sizeof(*s));
	struct timeval tv = {STATUS_EVERY_SEC, 0};
	uint64_t usec = 0;

	if (s == NULL)
		fatal("service_new");
	s->d = d;
	s->notify = getenv("NOTIFY_SOCKET") != NULL;
	if (s->notify) {
		s->status = event_new(d->base, -1, EV_PERSIST, status_tick, s);
		if (s->status == NULL || event_add(s->status, &tv) != 0)
			fatalx("service: cannot arm the status timer");
	}
	/* > 0: systemd wants pings every usec, and they are for us. */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		usec /= 2;
		tv.tv_sec = (time_t)(usec / 1000000);
		tv.tv_usec = (suseconds_t)(usec % 1000000);
		s->watchdog =
		    event_new(d->base, -1, EV_PERSIST, watchdog_tick, s);
		if (s->watchdog == NULL || event_add(s->watchdog, &tv) != 0)
			fatalx("service: cannot arm the watchdog timer");
		log_info("systemd watchdog: pinging every %llu ms",
			 (unsigned long long)(usec / 1000));
	}
	return s;
}

void
service_free(struct service *s)
{
	if (s == NULL)
		return;
	if (s->watchdog != NULL)
		event_free(s->watchdog);
	if (s->status != NULL)
		event_free(s->status);
	s->watchdog = s->status = NULL;
	if (s->collecting)
		s->freed = true; /* status_done frees it */
	else
		free(s);
}

static void
maybe_ready(struct service *s)
{
	if (s->ready || !s->listening || !s->redis)
		return;
	s->ready = true;
	log_event(NULL, NULL, "ready",
		  "ready: redis answers and every listener is open");
	sd_notify(0, "READY=1\nSTATUS=ready");
	status_refresh(s);
}

void
service_listening(struct service *s)
{
	s->listening = true;
	if (!s->redis)
		sd_notify(0, "STATUS=listening; waiting for redis to answer");
	maybe_ready(s);
}

void
service_redis_up(struct service *s)
{
	sd_notify(0, "STATUS=connected to redis");
	s->redis = true;
	if (s->ready)
		status_refresh(s);
	else
		maybe_ready(s);
}

void
service_reloaded(struct service *s, const char *err)
{
	if (err != NULL)
		snprintf(s->reload_err, sizeof(s->reload_err), "%s", err);
	else
		s->reload_err[0] = '\0';
	if (!s->ready)
		return;
	/* Done reloading, whether or not it worked: the old one runs on. */
	sd_notify(0, "READY=1");
	status_refresh(s);
}

void
service_redis_down(struct service *s)
{
	(void)s;
	sd_notify(0, "STATUS=redis unreachable, reconnecting");
}

void
service_reloading(struct service *s)
{
	(void)s;
	sd_notify(0, "RELOADING=1");
}

void
service_stopping(struct service *s)
{
	(void)s;
	sd_notify(0, "STOPPING=1");
}
