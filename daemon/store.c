/*
 * store.c owns the connection to Redis: where the master is, reaching it,
 * the deadline of every command, and giving a connection up.
 *
 * Invariants:
 * - st->ac is non-NULL exactly while a connection is up or being made.
 *   st->state says how far it got (store_int.h); calls are sent only when
 *   UP. With redis.sentinels, each connection starts by asking the
 *   sentinels for the master (RESOLVING) and, once reached, asking the
 *   node its ROLE: a node that is not the master is let go and the
 *   sentinels are asked again, with backoff. A connection lost, timed
 *   out or let go is followed by a new question: mashd follows a failover
 *   without a restart, and at once when a sentinel tells of it
 *   (+switch-master, sentinel.c).
 * - Every command sent on st->ac is on st->sent, oldest first, until
 *   hiredis runs its callback, which it does exactly once: with the reply,
 *   or with NULL when the context is torn down (Redis went away, or
 *   store_drop() or store_free() freed it).
 * - hiredis 0.14 has no timeout of its own, so st->watch is armed for the
 *   deadline of the oldest command sent (or of the connect): redis.timeout
 *   after it was sent. When it passes, store_drop() frees the context,
 *   which answers every command still waiting with NULL, and a new
 *   connection is made with the usual backoff. A Redis that hangs is
 *   treated as one that died; Redis answers in order, so the oldest
 *   command is the first to be late. (After a reload that shortens
 *   redis.timeout, newer commands wait for the older ones' deadline.)
 * - A connection is never freed inside one of its own callbacks: there,
 *   store_drop_soon() stops new calls and st->later frees it just after.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/adapters/libevent.h>

#include "mash/config.h"

#include "clock.h"
#include "log.h"
#include "sentinel.h"
#include "store_int.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
/* With sentinels, a retry is a question to one of them: cheap, and the
 * way to the new master once a failover ends. */
#define BACKOFF_MAX_SENTINEL_MS 1000

static void store_connect(struct store *st);

int64_t
store_timeout_ms(const struct store *st)
{
	return (int64_t)st->d->conf->redis.timeout * 1000;
}

/* ---- deadlines ------------------------------------------------------- */

static void
watch_arm(struct store *st)
{
	struct timeval tv;
	int64_t due;

	if (st->state == ST_CONNECTING)
		due = st->connect_deadline;
	else if (st->ac != NULL && !TAILQ_EMPTY(&st->sent))
		due = TAILQ_FIRST(&st->sent)->deadline;
	else {
		evtimer_del(st->watch);
		return;
	}
	due -= clock_mono_ms();
	if (due < 0)
		due = 0;
	tv.tv_sec = (time_t)(due / 1000);
	tv.tv_usec = (suseconds_t)(due % 1000) * 1000;
	evtimer_add(st->watch, &tv);
}

static void
sent_reply(redisAsyncContext *ac, void *r, void *priv)
{
	struct sent *s = priv;
	struct store *st = s->st;

	TAILQ_REMOVE(&st->sent, s, entry);
	if (s->fn != NULL)
		s->fn(ac, r, s->priv);
	free(s);
	watch_arm(st);
}

static struct sent *
sent_new(struct store *st, redisCallbackFn *fn, void *priv)
{
	struct sent *s;

	if (st->ac == NULL || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->st = st;
	s->fn = fn;
	s->priv = priv;
	s->deadline = clock_mono_ms() + store_timeout_ms(st);
	return s;
}

static void
sent_queued(struct store *st, struct sent *s)
{
	TAILQ_INSERT_TAIL(&st->sent, s, entry);
	if (TAILQ_FIRST(&st->sent) == s)
		watch_arm(st);
}

int
store_send_cmd(struct store *st, redisCallbackFn *fn, void *priv,
	       const char *fmt, ...)
{
	struct sent *s = sent_new(st, fn, priv);
	va_list ap;
	int rc;

	if (s == NULL)
		return -1;
	va_start(ap, fmt);
	rc = redisvAsyncCommand(st->ac, sent_reply, s, fmt, ap);
	va_end(ap);
	if (rc != REDIS_OK) {
		free(s);
		return -1;
	}
	sent_queued(st, s);
	return 0;
}

int
store_send_argv(struct store *st, redisCallbackFn *fn, void *priv, int argc,
		const char **argv, const size_t *argvlen)
{
	struct sent *s = sent_new(st, fn, priv);

	if (s == NULL)
		return -1;
	if (redisAsyncCommandArgv(st->ac, sent_reply, s, argc, argv, argvlen) !=
	    REDIS_OK) {
		free(s);
		return -1;
	}
	sent_queued(st, s);
	return 0;
}

/* ---- the connection -------------------------------------------------- */

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	store_connect(arg);
}

static void
schedule_reconnect(struct store *st)
{
	struct timeval tv;

	if (st->closing)
		return;
	tv.tv_sec = st->backoff_ms / 1000;
	tv.tv_usec = (st->backoff_ms % 1000) * 1000;
	evtimer_add(st->retry, &tv);
	st->backoff_ms *= 2;
	if (st->backoff_ms > BACKOFF_MAX_MS)
		st->backoff_ms = BACKOFF_MAX_MS;
	if (st->sentinel != NULL && st->backoff_ms > BACKOFF_MAX_SENTINEL_MS)
		st->backoff_ms = BACKOFF_MAX_SENTINEL_MS;
}

/* The connection is gone or given up: forget what it was. */
static void
store_down(struct store *st)
{
	st->ac = NULL;
	st->state = ST_DOWN;
	st->durable = false;
	st->refusal[0] = '\0';
	evtimer_del(st->watch);
	evtimer_del(st->recheck);
	evtimer_del(st->later);
}

/*
 * Give up a connection: every call waiting on it is answered now
 * (STORE_UNKNOWN, with `why`), and a new one is made with backoff. Never
 * called from inside a hiredis callback of the connection, so
 * redisAsyncFree() frees at once; disconnect_cb() then sees a context no
 * longer st->ac.
 */
void
store_drop(struct store *st, const char *why)
{
	redisAsyncContext *ac = st->ac;
	bool was_up = st->state == ST_UP;

	if (ac == NULL)
		return;
	log_warnx("redis: %s; dropping the connection, reconnecting in %d ms",
		  why, st->backoff_ms);
	store_down(st);
	st->lost = why;
	redisAsyncFree(ac);
	st->lost = NULL;
	schedule_reconnect(st);
	if (was_up && st->on_disconnect != NULL)
		st->on_disconnect(st->on_disconnect_arg);
}

static void
later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;

	(void)fd;
	(void)what;
	store_drop(st, st->later_why);
}

void
store_drop_soon(struct store *st, const char *why)
{
	bool was_up = st->state == ST_UP;

	if (st->ac == NULL || st->state == ST_DROPPING)
		return;
	snprintf(st->later_why, sizeof(st->later_why), "%s", why);
	st->state = ST_DROPPING; /* no call is sent meanwhile */
	event_active(st->later, EV_TIMEOUT, 0);
	if (was_up && st->on_disconnect != NULL)
		st->on_disconnect(st->on_disconnect_arg);
}

static void
watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;
	int64_t now = clock_mono_ms();
	char why[96];

	(void)fd;
	(void)what;
	if (st->state == ST_CONNECTING && now >= st->connect_deadline) {
		snprintf(why, sizeof(why), "cannot connect within %d s",
			 st->d->conf->redis.timeout);
		store_drop(st, why);
	} else if (st->state != ST_CONNECTING && st->ac != NULL &&
		   !TAILQ_EMPTY(&st->sent) &&
		   now >= TAILQ_FIRST(&st->sent)->deadline) {
		snprintf(why, sizeof(why),
			 "redis did not answer within %d s (redis.timeout)",
			 st->d->conf->redis.timeout);
		store_drop(st, why);
	} else {
		watch_arm(st);
	}
}

/* The node is the master (or no sentinel says otherwise): load the
 * scripts and read its durability, which makes it UP. */
static void
check_start(struct store *st)
{
	st->state = ST_CHECKING;
	store_scripts_load(st);
	store_check_durability(st, true);
	watch_arm(st);
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

static void
connect_cb(const redisAsyncContext *ac, int status)
{
	struct store *st = ac->data;

	if (status != REDIS_OK) {
		log_warnx("redis: cannot connect to %s: %s; retrying in %d ms",
			  st->addr, ac->errstr, st->backoff_ms);
		if (st->sentinel != NULL)
			sentinel_distrust(st->sentinel);
		store_down(st); /* hiredis frees it */
		schedule_reconnect(st);
		return;
	}
	if (st->sentinel == NULL) {
		check_start(st);
		return;
	}
	st->state = ST_ROLE;
	if (store_send_cmd(st, role_reply, st, "ROLE") != 0)
		store_drop_soon(st, "cannot ask the node its ROLE");
	watch_arm(st);
}

static void
disconnect_cb(const redisAsyncContext *ac, int status)
{
	struct store *st = ac->data;
	bool was_up = st->state == ST_UP;

	if (ac != st->ac)
		return; /* store_drop() or store_free() let it go */
	store_down(st);
	if (st->closing)
		return;
	log_warnx("redis: connection lost (%s)%s%s; reconnecting", st->addr,
		  status == REDIS_OK ? "" : ": ",
		  status == REDIS_OK ? "" : ac->errstr);
	schedule_reconnect(st);
	if (was_up && st->on_disconnect != NULL)
		st->on_disconnect(st->on_disconnect_arg);
}

/* Connect to st->addr's node: a Unix socket path, or host and port. */
static void
connect_to(struct store *st, const char *socket, const char *host, int port)
{
	redisAsyncContext *ac;

	if (socket != NULL) {
		snprintf(st->addr, sizeof(st->addr), "%s", socket);
		ac = redisAsyncConnectUnix(socket);
	} else {
		snprintf(st->addr, sizeof(st->addr), "%s:%d", host, port);
		ac = redisAsyncConnect(host, port);
	}
	if (ac == NULL || ac->err) {
		log_warnx("redis: cannot connect to %s: %s", st->addr,
			  ac ? ac->errstr : "out of memory");
		if (ac != NULL)
			redisAsyncFree(ac);
		st->state = ST_DOWN;
		schedule_reconnect(st);
		return;
	}
	ac->data = st;
	st->ac = ac;
	st->state = ST_CONNECTING;
	st->connect_deadline = clock_mono_ms() + store_timeout_ms(st);
	redisLibeventAttach(ac, st->d->base);
	redisAsyncSetConnectCallback(ac, connect_cb);
	redisAsyncSetDisconnectCallback(ac, disconnect_cb);
	watch_arm(st);
}

/* The sentinels' answer to the question of store_connect(). */
static void
resolved(const char *host, int port, const char *err, void *arg)
{
	struct store *st = arg;

	if (st->closing || st->state != ST_RESOLVING)
		return;
	if (host == NULL) {
		log_warnx("redis: %s; asking again in %d ms", err,
			  st->backoff_ms);
		st->state = ST_DOWN;
		schedule_reconnect(st);
		return;
	}
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
		schedule_reconnect(st);
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
	if (st->state != ST_DOWN && strcmp(addr, st->addr) == 0)
		return;
	st->backoff_ms = BACKOFF_MIN_MS;
	if (st->ac != NULL) {
		snprintf(why, sizeof(why), "the sentinels name %s the master",
			 addr);
		store_drop(st, why);
	}
	evtimer_del(st->retry);
	store_connect(st);
}

/* The first durability check of a connection is in (store_check.c):
 * the store is UP. */
void
store_became_up(struct store *st)
{
	st->state = ST_UP;
	st->backoff_ms = BACKOFF_MIN_MS;
	if (st->master[0] != '\0' && strcmp(st->master, st->addr) != 0) {
		st->failovers++;
		log_event_warnx(NULL, NULL, "redis_failover",
				"redis: the master is now %s (it was %s); "
				"changes of master seen: %lld",
				st->addr, st->master, st->failovers);
	}
	snprintf(st->master, sizeof(st->master), "%s", st->addr);
	log_info("redis: connected to %s", st->addr);
	if (st->on_connect != NULL)
		st->on_connect(st->on_connect_arg);
}

/* ---- life ------------------------------------------------------------ */

struct store *
store_new(struct mashd *d)
{
	struct store *st = calloc(1, sizeof(*st));

	if (st == NULL)
		fatal("store_new");
	st->d = d;
	st->backoff_ms = BACKOFF_MIN_MS;
	st->last_acks = -1;
	TAILQ_INIT(&st->sent);
	st->retry = evtimer_new(d->base, retry_cb, st);
	st->watch = evtimer_new(d->base, watch_cb, st);
	st->recheck = evtimer_new(d->base, store_check_recheck, st);
	st->later = event_new(d->base, -1, 0, later_cb, st);
	if (st->retry == NULL || st->watch == NULL || st->recheck == NULL ||
	    st->later == NULL)
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
	sentinel_free(st->sentinel);
	if ((ac = st->ac) != NULL) {
		store_down(st);
		st->lost = "mashd is stopping";
		redisAsyncFree(ac); /* fails pending calls */
	}
	event_free(st->retry);
	event_free(st->watch);
	event_free(st->recheck);
	event_free(st->later);
	free(st);
}

bool
store_up(const struct store *st)
{
	return st->state == ST_UP;
}

bool
store_durable(const struct store *st)
{
	return st->state == ST_UP && st->durable;
}

const char *
store_refusal(const struct store *st)
{
	if (st->state != ST_UP)
		return "the referral store is unreachable";
	if (!st->durable && !st->d->conf->redis.allow_unsafe)
		return st->refusal;
	return NULL;
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
