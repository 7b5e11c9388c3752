/*
 * store.c owns reaching the master: where it is, connecting to it, and
 * following it through a failover; and the store's life. The primitives
 * of the connection are store_conn.c's, the durability check
 * store_check.c's and the scripts store_call.c's: this file stands on
 * them all, and none of them calls back up into it.
 *
 * Invariants:
 * - st->ac is non-NULL exactly while a connection is up or being made.
 *   st->state says how far it got (store_conn.h); calls are sent only when
 *   UP. With redis.sentinels, each connection starts by asking the
 *   sentinels for the master (RESOLVING) and, once reached, asking the
 *   node its ROLE: a node that is not the master is let go and the
 *   sentinels are asked again, with backoff. A connection lost, timed
 *   out or let go is followed by a new question: mashd follows a failover
 *   without a restart, and at once when a sentinel tells of it
 *   (+switch-master, sentinel.c).
 * - A host name (redis.host, or the master a sentinel names) is looked up
 *   without blocking (redis_open.c) while the state is RESOLVING, within
 *   redis.timeout: a lookup that fails or is late is a failed connection,
 *   retried with the backoff. st->open is that lookup, under way.
 * - The first command of every connection is AUTH (or PING, with no
 *   password: redis_auth.h), and nothing else is sent before its answer.
 *   Credentials refused are logged once until some are accepted (not at
 *   every retry); the connection is let go like a Redis away, and made
 *   again with the backoff, with the credentials in force then. Another
 *   error to AUTH (maxclients, AUTH unknown) is a failure like any.
 */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include <hiredis/adapters/libevent.h>

#include "mash/config.h"

#include "clock.h"
#include "dns.h"
#include "log.h"
#include "redis_auth.h"
#include "redis_open.h"
#include "sentinel.h"
#include "store.h"
#include "store_conn.h"

static void store_connect(struct store *st);

/* ---- the connection -------------------------------------------------- */

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	store_connect(arg);
}

/* The node is the master (or no sentinel says otherwise): load the
 * scripts and read its durability, which makes it UP. */
static void
check_start(struct store *st)
{
	st->state = ST_CHECKING;
	store_scripts_load(st);
	store_check_durability(st, true);
	store_watch_arm(st);
}

/*
 * ROLE of the node the sentinels named: only a master is used. During a
 * failover the sentinels may still name the old master, which may come
 * back as a replica: then ask them again, after a backoff.
 */
static void
role_reply(redisAsyncContext *ac, void *r, void *priv)
{
	const redisReply *reply = r;
	struct store *st = priv;
	char why[STORE_ADDR_MAX + 128];

	if (reply == NULL || ac != st->ac)
		return; /* the connection went: disconnect_cb() says so */
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
	    reply->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(reply->element[0]->str, "master") == 0) {
		check_start(st);
		return;
	}
	snprintf(why, sizeof(why),
		 "%s is not the master (ROLE says \"%s\"); asking the "
		 "sentinels again",
		 st->addr,
		 reply->type == REDIS_REPLY_ERROR ? reply->str
		 : reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
			 reply->element[0]->type == REDIS_REPLY_STRING
		     ? reply->element[0]->str
		     : "?");
	sentinel_distrust(st->sentinel);
	store_drop_soon(st, why);
}

/* The credentials are accepted: ROLE with sentinels, else the check. */
static void
authenticated(struct store *st)
{
	st->auth_said[0] = '\0';
	if (st->sentinel == NULL) {
		check_start(st);
		return;
	}
	st->state = ST_ROLE;
	if (store_send_cmd(st, role_reply, st, "ROLE") != 0)
		store_drop_soon(st, "cannot ask the node its ROLE");
	store_watch_arm(st);
}

/* Credentials refused: logged once until some are accepted. */
static void
auth_refused(struct store *st, const char *why)
{
	if (strcmp(why, st->auth_said) == 0)
		return;
	log_event_warnx(NULL, NULL, "redis_auth_refused",
			"redis: %s; no referral is taken until "
			"that is fixed (mashd retries)",
			why);
	snprintf(st->auth_said, sizeof(st->auth_said), "%s", why);
}

/* The answer to the connection's first command (AUTH, or PING). */
static void
auth_reply(redisAsyncContext *ac, void *r, void *priv)
{
	struct store *st = priv;
	char why[sizeof(st->auth_said)];

	if (r == NULL || ac != st->ac || st->state != ST_AUTH)
		return; /* the connection went: disconnect_cb() says so */
	switch (redis_auth_answer(st->d->conf, REDIS_AUTH_DATA, st->addr, r,
				  why, sizeof(why))) {
	case REDIS_AUTH_ACCEPTED:
		authenticated(st);
		return;
	case REDIS_AUTH_FAILED: /* as any failure: logged at every drop */
		store_drop_soon(st, why);
		return;
	case REDIS_AUTH_REFUSED:
		break;
	}
	auth_refused(st, why);
	store_drop_quiet(st, why);
}

/* Connected: the credentials first (redis_auth.h). */
static void
auth_start(struct store *st)
{
	const char *argv[3];
	size_t len[3];
	int argc = redis_auth_argv(st->d->conf, REDIS_AUTH_DATA, argv, len);

	st->state = ST_AUTH;
	if (store_send_argv(st, auth_reply, st, argc, argv, len) != 0)
		store_drop_soon(st, "cannot send AUTH");
	store_watch_arm(st);
}

static void
connect_cb(const redisAsyncContext *ac, int status)
{
	struct store *st = ac->data;

	if (status != REDIS_OK) {
		log_warnx("redis: cannot connect to %s: %s; retrying in %d ms",
			  st->addr, ac->errstr, st->backoff_ms);
		store_unreachable(st, "cannot connect to %s: %s", st->addr,
				  ac->errstr);
		if (st->sentinel != NULL)
			sentinel_distrust(st->sentinel);
		store_down(st); /* hiredis frees it */
		store_schedule_reconnect(st);
		return;
	}
	auth_start(st);
}

/*
 * The connection went before the answer to AUTH was read. Redis at
 * maxclients writes its error and closes without reading a word: an AUTH
 * written meanwhile fails (EPIPE), and hiredis lets the connection go
 * with the error unread. It is still on the socket, open until the
 * disconnect callback returns: read with hiredis's reader, it is told
 * as if it had been answered. false when there is none (Redis closed
 * without a word, or a reset dropped it): the loss is told as such.
 */
static bool
auth_unread(struct store *st, const redisAsyncContext *ac)
{
	char buf[512], why[sizeof(st->auth_said)];
	redisReader *rd;
	void *r = NULL;
	ssize_t n;
	bool told = false;

	n = recv(ac->c.fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n <= 0 || (rd = redisReaderCreate()) == NULL)
		return false;
	if (redisReaderFeed(rd, buf, (size_t)n) == REDIS_OK &&
	    redisReaderGetReply(rd, &r) == REDIS_OK && r != NULL &&
	    ((redisReply *)r)->type == REDIS_REPLY_ERROR) {
		told = true;
		if (redis_auth_answer(st->d->conf, REDIS_AUTH_DATA, st->addr, r,
				      why, sizeof(why)) == REDIS_AUTH_REFUSED) {
			auth_refused(st, why);
			store_unreachable(st, "%s", why);
		} else {
			store_dropped(st, why);
		}
	}
	if (r != NULL)
		freeReplyObject(r);
	redisReaderFree(rd);
	return told;
}

static void
disconnect_cb(const redisAsyncContext *ac, int status)
{
	struct store *st = ac->data;
	bool was_up = st->state == ST_UP;
	bool in_auth = st->state == ST_AUTH;

	if (ac != st->ac)
		return; /* store_drop() or store_free() let it go */
	store_down(st);
	if (st->closing)
		return;
	if (in_auth && status != REDIS_OK && auth_unread(st, ac)) {
		store_schedule_reconnect(st);
		return;
	}
	log_warnx("redis: connection lost (%s)%s%s; reconnecting", st->addr,
		  status == REDIS_OK ? "" : ": ",
		  status == REDIS_OK ? "" : ac->errstr);
	store_unreachable(st, "the connection to %s was lost", st->addr);
	store_schedule_reconnect(st);
	if (was_up && st->on_disconnect != NULL)
		st->on_disconnect(st->on_disconnect_arg);
}

/* The connection to st->addr is under way: it has redis.timeout. */
static void
connecting(struct store *st, redisAsyncContext *ac)
{
	ac->data = st;
	st->ac = ac;
	st->state = ST_CONNECTING;
	st->connect_deadline = clock_mono_ms() + store_timeout_ms(st);
	redisAsyncSetConnectCallback(ac, connect_cb);
	redisAsyncSetDisconnectCallback(ac, disconnect_cb);
	store_watch_arm(st);
}

/* A connection that could not even be started: another, after the
 * backoff. */
static void
not_started(struct store *st, const char *why)
{
	log_warnx("redis: %s; retrying in %d ms", why, st->backoff_ms);
	store_unreachable(st, "%s", why);
	st->state = ST_DOWN;
	if (st->sentinel != NULL)
		sentinel_distrust(st->sentinel);
	store_schedule_reconnect(st);
}

/* The host of connect_to() is looked up, and hiredis connects to it. */
static void
opened(redisAsyncContext *ac, const char *addr, const char *err, void *arg)
{
	struct store *st = arg;

	st->open = NULL;
	if (ac == NULL) {
		not_started(st, err);
		return;
	}
	snprintf(st->addr, sizeof(st->addr), "%s", addr);
	if (st->name[0] != '\0') /* the DNS answered: no longer waited on */
		store_unreachable(st, "connecting to %s, looked up as %s",
				  st->addr, st->name);
	connecting(st, ac);
}

/* Connect to a node: a Unix socket path, or host and port, a host name
 * looked up first (RESOLVING). */
static void
connect_to(struct store *st, const char *socket, const char *host, int port)
{
	redisAsyncContext *ac;
	char why[STORE_ADDR_MAX + 64];

	if (socket != NULL) {
		snprintf(st->addr, sizeof(st->addr), "%s", socket);
		st->name[0] = '\0';
		ac = redisAsyncConnectUnix(socket);
		if (ac == NULL || ac->err ||
		    redisLibeventAttach(ac, st->d->base) != REDIS_OK) {
			snprintf(why, sizeof(why), "cannot connect to %s: %s",
				 st->addr,
				 ac && ac->err ? ac->errstr : "out of memory");
			if (ac != NULL)
				redisAsyncFree(ac);
			not_started(st, why);
			return;
		}
		connecting(st, ac);
		return;
	}
	snprintf(st->addr, sizeof(st->addr), "%s:%d", host, port);
	st->state = ST_RESOLVING;
	st->name[0] = '\0';
	if (!dns_numeric(host)) {
		snprintf(st->name, sizeof(st->name), "%s", st->addr);
		store_unreachable(st,
				  "looking up %s; the DNS has not answered "
				  "yet",
				  host);
	}
	st->open = redis_open(st->d, host, port, (int)store_timeout_ms(st),
			      opened, st);
	if (st->open == NULL)
		not_started(st, "cannot connect: out of memory");
}

/* The sentinels' answer to the question of store_connect(). */
static void
resolved(const char *host, int port, const char *err, void *arg)
{
	struct store *st = arg;

	if (st->closing || st->state != ST_RESOLVING)
		return;
	if (host == NULL) {
		/* Once while it stays the same: every second otherwise. */
		if (strcmp(err, st->resolve_said) != 0)
			log_warnx("redis: %s; asking again every %d ms or "
				  "less, until one does",
				  err, STORE_BACKOFF_MAX_SENTINEL_MS);
		snprintf(st->resolve_said, sizeof(st->resolve_said), "%s", err);
		store_unreachable(st, "%s", err);
		st->state = ST_DOWN;
		store_schedule_reconnect(st);
		return;
	}
	st->resolve_said[0] = '\0';
	connect_to(st, NULL, host, port);
}

static void
store_connect(struct store *st)
{
	if (st->sentinel == NULL) {
		connect_to(st, st->unix_socket ? st->host : NULL, st->host,
			   st->port);
		return;
	}
	st->state = ST_RESOLVING;
	if (sentinel_ask(st->sentinel, resolved, st) != 0) {
		st->state = ST_DOWN;
		store_schedule_reconnect(st);
	}
}

/*
 * A sentinel names the master (+switch-master, or the periodic
 * question). Another node than the one in use: a failover happened, so
 * let the old one go (what waits on it is answered STORE_UNKNOWN) and
 * ask the sentinels again at once.
 */
static void
moved(const char *host, int port, const char *err, void *arg)
{
	struct store *st = arg;
	char addr[STORE_ADDR_MAX], why[STORE_ADDR_MAX + 64];

	if (st->closing || host == NULL || err != NULL ||
	    st->state == ST_RESOLVING)
		return;
	snprintf(addr, sizeof(addr), "%s:%d", host, port);
	if (st->state != ST_DOWN &&
	    (strcmp(addr, st->addr) == 0 || strcmp(addr, st->name) == 0))
		return; /* the node in use, by its address or its name */
	st->backoff_ms = STORE_BACKOFF_MIN_MS;
	if (st->ac != NULL) {
		snprintf(why, sizeof(why), "the sentinels name %s the master",
			 addr);
		store_drop(st, why);
	}
	evtimer_del(st->retry);
	store_connect(st);
}

/* ---- life ------------------------------------------------------------ */

struct store *
store_new(struct mashd *d)
{
	struct store *st = calloc(1, sizeof(*st));

	if (st == NULL)
		fatal("store_new");
	st->d = d;
	st->last_acks = -1;
	store_conn_init(st);
	st->retry = evtimer_new(d->base, retry_cb, st);
	st->recheck = evtimer_new(d->base, store_check_recheck, st);
	if (st->retry == NULL || st->recheck == NULL)
		fatal("store_new: evtimer_new");
	store_scripts_init(st);
	if (d->conf->redis.nsentinels > 0) {
		st->sentinel = sentinel_new(d, moved, st);
	} else {
		st->unix_socket = d->conf->redis.socket != NULL;
		snprintf(st->host, sizeof(st->host), "%s",
			 st->unix_socket ? d->conf->redis.socket
					 : d->conf->redis.host);
		st->port = d->conf->redis.port;
	}
	store_connect(st);
	return st;
}

void
store_free(struct store *st)
{
	redisAsyncContext *ac;

	if (st == NULL)
		return;
	st->closing = true;
	redis_open_cancel(st->open);
	sentinel_free(st->sentinel);
	if ((ac = st->ac) != NULL) {
		store_down(st);
		st->lost = "mashd is stopping";
		redisAsyncFree(ac); /* fails pending calls */
	}
	event_free(st->retry);
	event_free(st->recheck);
	store_conn_free(st);
	free(st->scripts);
	free(st);
}

bool
store_up(const struct store *st)
{
	return st->state == ST_UP;
}

void
store_on_connect(struct store *st, void (*fn)(void *), void *arg)
{
	st->on_connect = fn;
	st->on_connect_arg = arg;
}

void
store_on_disconnect(struct store *st, void (*fn)(void *), void *arg)
{
	st->on_disconnect = fn;
	st->on_disconnect_arg = arg;
}

void
store_info(const struct store *st, struct store_info *out)
{
	memset(out, 0, sizeof(*out));
	out->master = st->state == ST_UP ? st->addr : "";
	out->sentinel = st->sentinel ? sentinel_last(st->sentinel) : "";
	out->replicas_ack = st->d->conf->redis.replicas_ack;
	out->replicas_confirmed = st->last_acks;
	out->confirmed_at_ms = st->last_wait_ms;
	out->failovers = st->failovers;
}
