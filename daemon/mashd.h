/*
 * mashd.h: the daemon's one context, handed to every module that needs the
 * loop, the configuration or the store. There are no other globals.
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

struct mashd {
	struct event_base *base;
	struct mash_config *conf;
	struct store *store;
	struct http *http;
	struct ctl *ctl;
	struct scheduler *sched;
	struct alerter *alerts;
	struct service *service; /* systemd: ready, status, watchdog */
	struct spool *spool;	 /* the mail channel; NULL when off */
	const char *config_path;
	int64_t started_ms;
	bool foreground;
	bool stopping;
	unsigned
	    inflight; /* requests not yet answered, alerts not yet recorded */
	unsigned unsent; /* replies (HTTP, control) not all written */
};

/* Called when an in-flight request has been answered. */
void mashd_request_done(struct mashd *d);
/* Stopping, and nothing is in flight or unsent any more: exit the loop. */
void mashd_stop_check(struct mashd *d);

#endif
