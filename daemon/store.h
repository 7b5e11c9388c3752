/*
 * store: mashd's only state lives in Redis. This module keeps one hiredis
 * async connection to the master on the libevent loop, reconnects with
 * backoff when Redis goes away, and runs the Lua scripts of daemon/lua/
 * by SHA: every state change is one script call, so a crash leaves Redis
 * before or after it, never half-way. Every call has a deadline
 * (redis.timeout): a Redis that hangs is dropped like one that died. On
 * every connect, and each minute, it checks that Redis is durable
 * (appendonly yes, appendfsync always); new referrals are refused while it
 * is not (store_refusal()).
 *
 * With redis.sentinels the master is the one the sentinels name, checked
 * with ROLE, and followed through a failover without a restart. With
 * redis.replicas_ack = N, a change is STORE_DONE only once N replicas
 * confirmed it (WAIT); see store_call.c.
 *
 * Files: store.c (the connection), store_check.c (durability, PING),
 * store_call.c (the scripts and their calls), store_json.c (the scripts'
 * typed contract), sentinel.c (the sentinels).
 */
#ifndef MASHD_STORE_H
#define MASHD_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "mashd.h"

enum store_script {
	SCRIPT_SUBMIT,
	SCRIPT_GET,
	SCRIPT_QUEUE,
	SCRIPT_SHOW,
	SCRIPT_METRICS, /* metrics.c */
	SCRIPT_PING,
	SCRIPT_NEXT,
	SCRIPT_FIRE,
	SCRIPT_DECIDE,
	SCRIPT_CONFIRM,
	SCRIPT_RESCHEDULE,
	SCRIPT_TIMERS, /* scheduler.c */
	SCRIPT_ALERT_TAKE,
	SCRIPT_ALERT_RESULT,
	SCRIPT_ALERTS,
	SCRIPT_ALERT_RETRY,
	SCRIPT_CALLBACKS,
	SCRIPT_CALLED,
	SCRIPT_CLAIM,
	SCRIPT_RATE,
	SCRIPT_NOTE,
	SCRIPT_HISTORY,
	SCRIPT_SPOOL_QUARANTINE, /* spool.c */
	SCRIPT_IDEM,		 /* intake.c: a lost reply's key */
	SCRIPT_SCREEN,		 /* ctl_screen.c */
	SCRIPT_REOPEN,		 /* ctl_screen.c */
	SCRIPT_COUNT,
};

/*
 * What became of a call whose callback runs (store_call_outcome() returned
 * 0; -1 means it was never sent). Redis runs a script in one step, but a
 * reply can be lost after it ran: only STORE_NOT_RUN means for certain that
 * nothing changed, only STORE_DONE that Redis's answer is known.
 */
enum store_outcome {
	/* Redis ran it and answered: `reply`, or in `err` the error the
	 * script returned or raised (one raised half-way may follow
	 * writes: Redis does not roll a script back). */
	STORE_DONE,
	/* Redis refused it before running any of it: NOSCRIPT (after the
	 * one reload and resend), LOADING, BUSY, NOAUTH, NOPERM,
	 * MASTERDOWN, NOREPLICAS, READONLY, MISCONF, OOM, unless raised
	 * inside the script. Nothing changed. */
	STORE_NOT_RUN,
	/* Handed to the connection, and no answer came: it was lost
	 * ("the connection to redis was lost"), redis.timeout passed
	 * ("redis did not answer within N s (redis.timeout)"), the master
	 * changed, or mashd stopped ("mashd is stopping"). Redis may have
	 * run it, or may still (a stopped Redis runs what it read when it
	 * resumes): only a later read can tell. Or the master ran it but
	 * fewer replicas than redis.replicas_ack confirmed it in time ("the
	 * change is stored on the redis master but not confirmed
	 * replicated: ..."): a failover now may lose it. */
	STORE_UNKNOWN,
};

struct store_result {
	enum store_outcome outcome;
	const redisReply *reply; /* STORE_DONE without err: the answer */
	const char *err;	 /* else a sentence; NULL when reply is set */
	/* STORE_UNKNOWN only: the master ran it and answered, but fewer
	 * replicas than redis.replicas_ack confirmed it in time. */
	bool unreplicated;
};

typedef void store_outcome_cb(const struct store_result *res, void *arg);

/*
 * A script's answer: `reply` is the script's return value, or NULL with a
 * sentence in `err` when Redis failed, went away or did not answer within
 * redis.timeout. (store_call_outcome() says which.)
 */
typedef void store_cb(const redisReply *reply, const char *err, void *arg);

struct store *store_new(struct mashd *d);
void store_free(struct store *st);
/* Connected to Redis, and its durability checked: calls will be sent. */
bool store_up(const struct store *st);
/* The last check on this connection found appendonly yes and appendfsync
 * always (whatever redis.allow_unsafe says). */
bool store_durable(const struct store *st);
/*
 * Why a new referral must be refused now, as a sentence (the referral
 * store is unreachable; redis is not durable: appendfsync is "everysec",
 * not "always"), or NULL when it may be taken: Redis is up and durable,
 * or redis.allow_unsafe says to take it all the same.
 */
const char *store_refusal(const struct store *st);
/*
 * Run a script with ARGV = prefix, argv[0..argc-1]. Returns -1 at once,
 * without calling cb, when Redis is not reachable; else cb runs exactly
 * once, later: within redis.timeout of the send, whatever Redis does (a
 * call that passes it drops the connection, which is opened again).
 */
int store_call(struct store *st, enum store_script s, int argc,
	       const char *const *argv, store_cb *cb, void *arg);
/* The same, with what became of the call (a write's answer needs it). */
int store_call_outcome(struct store *st, enum store_script s, int argc,
		       const char *const *argv, store_outcome_cb *cb,
		       void *arg);
/*
 * PING Redis: cb runs exactly once, with NULL when PONG came within ms
 * milliseconds, else with the reason. -1 at once, without calling cb,
 * when not connected. A late answer is dropped; the connection is kept
 * until redis.timeout passes.
 */
typedef void store_ping_cb(const char *err, void *arg);
int store_ping(struct store *st, int ms, store_ping_cb *cb, void *arg);
/* Where the store is, for a person (mashctl status, /metrics). */
struct store_info {
	const char *master;	 /* "host:port" or a socket; "" when down */
	const char *sentinel;	 /* the sentinel that answered last, or "" */
	int replicas_ack;	 /* redis.replicas_ack */
	int replicas_confirmed;	 /* the last WAIT's answer; -1: none yet */
	int64_t confirmed_at_ms; /* when it came, UTC ms */
	long long failovers;	 /* changes of master seen since start */
};
/* Valid until the next turn of the event loop. */
void store_info(const struct store *st, struct store_info *out);

/* Run when Redis is ready for work: at start, after each reconnection
 * (once its durability is checked). */
void store_on_connect(struct store *st, void (*fn)(void *), void *arg);
/* Run when a connection that was up is lost (not at store_free()). */
void store_on_disconnect(struct store *st, void (*fn)(void *), void *arg);

/*
 * The scripts' typed contract (store_json.c; lib.lua's serve()): a script
 * takes ARGV = prefix, one JSON object of named arguments, and answers
 * one JSON object of named fields, or an error ("ERR <sentence>") when it
 * refuses, having changed nothing. `reply` is that object, borrowed for
 * the callback only, or NULL with a sentence in `err`.
 */
typedef void store_json_cb(const json_t *reply, const char *err, void *arg);

/*
 * Run a script with its arguments `args` (taken: freed here, also when
 * NULL, which fails). Returns -1 at once, without calling cb, when Redis
 * is not reachable; else cb runs exactly once, later.
 */
int store_call_json(struct store *st, enum store_script s, json_t *args,
		    store_json_cb *cb, void *arg);

#endif
