/*
 * store_conn.c owns the primitives of the store's one connection: sending
 * a command with its deadline, giving the connection up (at once, or just
 * after the callback that asks it), and marking it UP. It calls nothing
 * else of the store: store_check.c, store_call.c and store.c stand on it.
 *
 * Invariants:
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mash/config.h"

#include "clock.h"
#include "log.h"
#include "store_conn.h"

int64_t
store_timeout_ms(const struct store *st)
{
	return (int64_t)st->d->conf->redis.timeout * 1000;
}

void
store_watch_arm(struct store *st)
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
	store_watch_arm(st);
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
		store_watch_arm(st);
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

int
store_send_formatted(struct store *st, redisCallbackFn *fn, void *priv,
		     const char *cmd, size_t len)
{
	struct sent *s = sent_new(st, fn, priv);

	if (s == NULL)
		return -1;
	if (redisAsyncFormattedCommand(st->ac, sent_reply, s, cmd, len) !=
	    REDIS_OK) {
		free(s);
		return -1;
	}
	sent_queued(st, s);
	return 0;
}

void
store_flush(struct store *st)
{
	int done;

	/* Not redisAsyncHandleWrite(): from within a reply's callback its
	 * failure would free the context under hiredis's feet. */
	if (st->ac != NULL && (st->ac->c.flags & REDIS_CONNECTED) &&
	    st->ac->c.err == 0)
		(void)redisBufferWrite(&st->ac->c, &done);
}

/* ---- giving a connection up ------------------------------------------ */

void
store_schedule_reconnect(struct store *st)
{
	struct timeval tv;

	if (st->closing)
		return;
	tv.tv_sec = st->backoff_ms / 1000;
	tv.tv_usec = (st->backoff_ms % 1000) * 1000;
	evtimer_add(st->retry, &tv);
	st->backoff_ms *= 2;
	if (st->backoff_ms > STORE_BACKOFF_MAX_MS)
		st->backoff_ms = STORE_BACKOFF_MAX_MS;
	if (st->sentinel != NULL &&
	    st->backoff_ms > STORE_BACKOFF_MAX_SENTINEL_MS)
		st->backoff_ms = STORE_BACKOFF_MAX_SENTINEL_MS;
}

void
store_down(struct store *st)
{
	st->ac = NULL;
	st->state = ST_DOWN;
	st->durable = false;
	st->refusal[0] = '\0';
	st->quiet = false;
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
store_dropped(struct store *st, const char *why)
{
	log_warnx("redis: %s; dropping the connection, reconnecting in %d ms",
		  why, st->backoff_ms);
	store_unreachable(st, "%s", why);
}

void
store_drop(struct store *st, const char *why)
{
	redisAsyncContext *ac = st->ac;
	bool was_up = st->state == ST_UP;

	if (ac == NULL)
		return;
	if (!st->quiet)
		store_dropped(st, why);
	else
		store_unreachable(st, "%s", why);
	st->quiet = false;
	store_down(st);
	st->lost = why;
	redisAsyncFree(ac);
	st->lost = NULL;
	store_schedule_reconnect(st);
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
store_drop_quiet(struct store *st, const char *why)
{
	if (st->ac == NULL || st->state == ST_DROPPING)
		return;
	store_drop_soon(st, why);
	st->quiet = true;
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
		store_watch_arm(st);
	}
}

void
store_unreachable(struct store *st, const char *fmt, ...)
{
	char why[sizeof(st->unreach) - 40];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(st->unreach, sizeof(st->unreach),
		 "the referral store is unreachable (%s)", why);
}

/* The first durability check of a connection is in (store_check.c):
 * the store is UP. */
void
store_became_up(struct store *st)
{
	st->state = ST_UP;
	st->backoff_ms = STORE_BACKOFF_MIN_MS;
	st->unreach[0] = '\0';
	if (st->master[0] != '\0' && strcmp(st->master, st->addr) != 0) {
		st->failovers++;
		log_event_warnx(NULL, NULL, "redis_failover",
				"redis: the master is now %s (it was %s); "
				"changes of master seen: %lld",
				st->addr, st->master, st->failovers);
	}
	snprintf(st->master, sizeof(st->master), "%s", st->addr);
	log_info("redis: connected to %s%s%s%s", st->addr,
		 st->name[0] ? " (" : "", st->name, st->name[0] ? ")" : "");
	if (st->on_connect != NULL)
		st->on_connect(st->on_connect_arg);
}

void
store_conn_init(struct store *st)
{
	st->backoff_ms = STORE_BACKOFF_MIN_MS;
	TAILQ_INIT(&st->sent);
	st->watch = evtimer_new(st->d->base, watch_cb, st);
	st->later = event_new(st->d->base, -1, 0, later_cb, st);
	if (st->watch == NULL || st->later == NULL)
		fatal("store: evtimer_new");
}

void
store_conn_free(struct store *st)
{
	event_free(st->watch);
	event_free(st->later);
}
