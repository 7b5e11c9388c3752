/*
 * store: mashd's only state lives in Redis. This module keeps one hiredis
 * async connection on the libevent loop, reconnects with backoff when Redis
 * goes away, and runs the Lua scripts of daemon/lua/ by SHA: every state
 * change is one script call, so a crash leaves Redis before or after it,
 * never half-way.
 */
#ifndef MASHD_STORE_H
#define MASHD_STORE_H

#include <stdbool.h>

#include <hiredis/hiredis.h>

#include "mashd.h"

enum store_script {
	SCRIPT_SUBMIT,
	SCRIPT_GET,
	SCRIPT_QUEUE,
	SCRIPT_SHOW,
	SCRIPT_STATUS,
	SCRIPT_METRICS, /* metrics.c */
	SCRIPT_PING,
	SCRIPT_NEXT,
	SCRIPT_FIRE,
	SCRIPT_DECIDE,
	SCRIPT_CONFIRM,
	SCRIPT_RESCHEDULE,
	SCRIPT_ALERT_TAKE,
	SCRIPT_ALERT_RESULT,
	SCRIPT_ALERTS,
	SCRIPT_ALERT_RETRY,
	SCRIPT_CLAIM,
	SCRIPT_RATE,
	SCRIPT_NOTE,
	SCRIPT_HISTORY,
	SCRIPT_SPOOL_QUARANTINE, /* spool.c */
	SCRIPT_COUNT,
};

/* The fixed fields of each referral queue.lua returns, before its timers. */
#define QUEUE_FIXED 7

/*
 * A script's answer: `reply` is the script's return value, or NULL with a
 * sentence in `err` when Redis failed or went away before answering.
 */
typedef void store_cb(const redisReply *reply, const char *err, void *arg);

struct store *store_new(struct mashd *d);
void store_free(struct store *st);
/* Connected to Redis: calls will be sent now. */
bool store_up(const struct store *st);
/*
 * Run a script with ARGV = prefix, argv[0..argc-1]. Returns -1 at once,
 * without calling cb, when Redis is not reachable; else cb runs exactly
 * once, later.
 */
int store_call(struct store *st, enum store_script s, int argc,
	       const char *const *argv, store_cb *cb, void *arg);
/* Run when a connection to Redis comes up (at start and after each loss). */
void store_on_connect(struct store *st, void (*fn)(void *), void *arg);
/* Run when a connection that was up is lost (not at store_free()). */
void store_on_disconnect(struct store *st, void (*fn)(void *), void *arg);

#endif
