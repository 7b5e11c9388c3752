/*
 * mashd.h: the daemon's one context, handed to every module that needs the
 * loop, the configuration or the store. There are no other globals. It
 * holds the modules main.c wires together; it declares no function, so no
 * module calls back into main.c.
 */
#ifndef MASHD_MASHD_H
#define MASHD_MASHD_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#define MASHD_VERSION "0.1.0"

struct mash_config;
struct store;
struct http;
struct ctl;
struct scheduler;
struct alerter;
struct service;
struct spool;
struct lifecycle;
struct tls;
struct dns;

struct mashd {
	struct event_base *base;
	struct mash_config *conf;
	struct store *store;
	struct http *http;
	struct ctl *ctl;
	struct scheduler *sched;
	struct recompute *recompute; /* the timers again after a reload */
	struct alerter *alerts;
	struct service *service; /* systemd: ready, status, watchdog */
	struct spool *spool;	 /* the mail channel; NULL when off */
	struct lifecycle *life;	 /* work in hand, and the stop */
	struct tls *tls;	 /* the HTTP listener's TLS, when on */
	struct digest *digest;	 /* the supervisors' daily digest */
	struct dns *dns;	 /* the resolver, for every host name */
	const char *config_path;
	int64_t started_ms;
	bool foreground;
	bool timers_behind;  /* a backlog of due timers firing: alerts wait */
	bool digest_behind;  /* and the digest waits (scheduler.c) */
	bool backlog_firing; /* whatever waits on it, or no longer */
	bool timers_failing; /* the scheduler's last call failed */
};

#endif
