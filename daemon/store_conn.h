/*
 * store_conn.h: the bottom of the store, what its files share and nothing
 * else may use: struct store, and the primitives of its one connection
 * (store_conn.c): sending a command with its deadline, giving the
 * connection up, and marking it UP. Above it, and calling only down:
 * store_check.c (durability, PING) and store_call.c (the scripts), then
 * store.c (reaching the master), which uses them all. The rest of mashd
 * sees store.h only.
 */
#ifndef MASHD_STORE_CONN_H
#define MASHD_STORE_CONN_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>
#include <hiredis/async.h>

#include "mashd.h"

#define STORE_ADDR_MAX 300

#define STORE_BACKOFF_MIN_MS 100
#define STORE_BACKOFF_MAX_MS 5000
/* With sentinels, a retry is a question to one of them: cheap, and the
 * way to the new master once a failover ends. */
#define STORE_BACKOFF_MAX_SENTINEL_MS 1000

/* A command sent on st->ac and not yet answered. */
struct sent {
	TAILQ_ENTRY(sent) entry;
	struct store *st;
	int64_t deadline; /* clock_mono_ms() */
	redisCallbackFn *fn;
	void *priv;
};
TAILQ_HEAD(sentq, sent);

/*
 * How far a connection got: the sentinels asked for the master
 * (RESOLVING, Sentinel mode only), the connection being made
 * (CONNECTING), its credentials given (AUTH: redis_auth.h), ROLE asked of the
 * node reached (ROLE, Sentinel mode only), Redis's durability being read
 * (CHECKING), ready (UP), or let go and about to be freed (DROPPING: see
 * store_drop_soon()).
 */
enum store_state {
	ST_DOWN,
	ST_RESOLVING,
	ST_CONNECTING,
	ST_AUTH,
	ST_ROLE,
	ST_CHECKING,
	ST_UP,
	ST_DROPPING,
};

struct script;
struct sentinel;
struct redis_open;

struct store {
	struct mashd *d;
	redisAsyncContext *ac;
	enum store_state state;
	bool closing;
	const char *lost; /* while a drop fails the calls waiting: why */
	int backoff_ms;
	int64_t connect_deadline;
	struct event *retry;   /* the next connect */
	struct event *watch;   /* the deadline of the oldest command */
	struct event *recheck; /* the next durability check */
	struct event *later;   /* a drop asked for inside a callback */
	char later_why[STORE_ADDR_MAX + 160];
	bool quiet; /* the drop's why is logged already */
	/* The last refusal of the credentials logged, so that a Redis that
	 * refuses them is told once, not at every retry; "" once one is
	 * accepted. */
	char auth_said[STORE_ADDR_MAX + 160];
	/* The sentinels' last failure to name the master, logged once
	 * while it stays the same. */
	char resolve_said[480];
	struct sentq sent;
	bool checking;	   /* a durability check is in flight */
	bool durable;	   /* the last check on this connection */
	char refusal[320]; /* when not durable: why, as a sentence */
	/* While not UP: "the referral store is unreachable", and why. */
	char unreach[480];
	struct redis_open *open; /* a host's lookup, while RESOLVING */
	struct script *scripts;	 /* SCRIPT_COUNT: store_call.c */
	void (*on_connect)(void *);
	void *on_connect_arg;
	void (*on_disconnect)(void *);
	void *on_disconnect_arg;
	/* Where: the node being reached or in use, and the last master
	 * reached and checked ("host:port", or the socket's path). */
	char addr[STORE_ADDR_MAX];
	char master[STORE_ADDR_MAX];
	/* "host:port" by the name st->addr was looked up by, or "". */
	char name[STORE_ADDR_MAX];
	/* Without sentinels, where Redis is, as mashd started: the keys that
	 * say it need a restart (a reload must not switch mid-way). */
	bool unix_socket;
	char host[STORE_ADDR_MAX];
	int port;
	struct sentinel *sentinel; /* NULL unless redis.sentinels */
	long long failovers;	   /* changes of master seen */
	int waits;		   /* WAITs sent and not yet answered */
	int64_t wait_until;	   /* clock_mono_ms(): the last one's end */
	int last_acks;		   /* the last WAIT's answer; -1: none */
	int64_t last_wait_ms;	   /* when it came, UTC ms */
};

/* Set up what the connection needs (its deadline and its later drop). */
void store_conn_init(struct store *st);
void store_conn_free(struct store *st);
/* redis.timeout in ms. */
int64_t store_timeout_ms(const struct store *st);
/* Arm st->watch for the deadline of the connect or the oldest command. */
void store_watch_arm(struct store *st);
/* Send a command on the connection, with the deadline of redis.timeout:
 * 0, or -1 (not sent, fn not called). */
int store_send_cmd(struct store *st, redisCallbackFn *fn, void *priv,
		   const char *fmt, ...);
int store_send_argv(struct store *st, redisCallbackFn *fn, void *priv, int argc,
		    const char **argv, const size_t *argvlen);
/* The same, of a command already in Redis's protocol (cmd, len bytes). */
int store_send_formatted(struct store *st, redisCallbackFn *fn, void *priv,
			 const char *cmd, size_t len);
/* The connection is gone or given up: forget what it was. */
void store_down(struct store *st);
/* Connect again after the backoff (st->retry), which then doubles. */
void store_schedule_reconnect(struct store *st);
/* Give the connection up (outside a hiredis callback of it): every call
 * waiting on it is answered STORE_UNKNOWN with `why`; connect again. */
void store_drop(struct store *st, const char *why);
/* Tell that the connection is let go for `why` (logged, and in status):
 * store_drop()'s words, for a connection already gone too. */
void store_dropped(struct store *st, const char *why);
/* The same, asked from inside a callback of the connection: done at once
 * after it returns, and meanwhile no call is sent. With `quiet`, the drop
 * logs nothing: the caller said why already. */
void store_drop_soon(struct store *st, const char *why);
void store_drop_quiet(struct store *st, const char *why);
/* Why the store is not UP, for store_why(): a sentence after "the
 * referral store is unreachable". */
void store_unreachable(struct store *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The first durability check of a connection is in: it is UP. */
void store_became_up(struct store *st);

#endif
