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
 * Files, each calling only those below it: store_json.c (the scripts'
 * typed contract, this header), store.c (reaching the master, and the
 * store's life: this header), store_call.c (the scripts and their calls,
 * store_call.h), store_check.c (durability and PING, store_check.h),
 * store_read.c (a plain read, this header), store_conn.c (the connection's
 * primitives, store_conn.h: the store's own), and sentinel.c (the sentinels).
 */
#ifndef MASHD_STORE_H
#define MASHD_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "mashd.h"
#include "store_call.h"
#include "store_check.h"

struct store *store_new(struct mashd *d);
void store_free(struct store *st);
/* Connected to Redis, and its durability checked: calls will be sent. */
bool store_up(const struct store *st);
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
/* Write the commands asked so far to Redis now, rather than when the
 * event loop next turns: for a caller about to hold the loop (a stream's
 * page made while the next is asked). A failure is left to the
 * connection's own handling, which finds it on its next write or read. */
void store_flush(struct store *st);

/*
 * A plain read (HMGET, HGET) of keys a script chose, the command already
 * in Redis's protocol (cmd, len bytes: store_read.c). As any call: -1 at
 * once when Redis is not reachable, else cb runs exactly once, within
 * redis.timeout: the reply (STORE_DONE), Redis's error (STORE_DONE,
 * err), or why none came (STORE_UNKNOWN, err). Written when the loop
 * turns, or at store_flush().
 */
int store_read(struct store *st, const char *cmd, size_t len,
	       store_outcome_cb *cb, void *arg);

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
