/*
 * store_check.h: what mashd asks of Redis about Redis itself, its
 * durability and whether it answers (store_check.c). Included by store.h,
 * which the rest of mashd includes.
 */
#ifndef MASHD_STORE_CHECK_H
#define MASHD_STORE_CHECK_H

#include <stdbool.h>

#include <event2/util.h>

struct store;

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
/* The same, with the reason the store is unreachable (the host, the
 * address, the DNS's answer): for the hub's staff (mashctl status, the
 * log), never for a client. */
const char *store_why(const struct store *st);
/*
 * PING Redis: cb runs exactly once, with NULL when PONG came within ms
 * milliseconds, else with the reason. -1 at once, without calling cb,
 * when not connected. A late answer is dropped; the connection is kept
 * until redis.timeout passes.
 */
typedef void store_ping_cb(const char *err, void *arg);
int store_ping(struct store *st, int ms, store_ping_cb *cb, void *arg);
/* For store.c only: read appendonly and appendfsync; the first check
 * of a connection makes it UP (and runs on_connect). */
void store_check_durability(struct store *st, bool first);
void store_check_recheck(evutil_socket_t fd, short what, void *arg);

#endif
