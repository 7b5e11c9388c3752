/*
 * ctl_watch.c: `watch`, the control socket's live view of the queue
 * (mashctl queue --watch). The scripts that change the queue PUBLISH the
 * reference changed, and nothing else, on <prefix>queue:changed (lib.lua's
 * queue_changed; a batch of firings names its references in one notice,
 * separated by spaces); this mashd holds ONE subscriber connection to
 * Redis, to the master the store uses, and writes each reference of a
 * notice to every control connection that watches, as one line:
 * {"changed":"MASH-2026-000017"}.
 * A change made through another mashd is seen alike. mashctl reads the
 * queue again when told, never on a clock of its own.
 *
 * {"live":false} says notices may be lost (Redis went away, or the master
 * changed); {"live":true} that they flow again: a watcher then reads the
 * whole page once more, for what it missed meanwhile.
 *
 * Bounds: watchers are control connections, so control.max_per_uid and
 * control.max_connections bound them; a watcher whose notices pile up
 * unread past CTL_OUT_MAX is dropped; the subscriber is followed by a
 * tick of the local clock (once a second), which asks Redis nothing: it
 * connects again when the connection was lost, gives up on one that does
 * not connect within redis.timeout, and moves to a new master when the
 * store did (a failover, or Sentinel naming another node).
 *
 * The subscriber gives Redis the store's credentials first (redis_auth.h:
 * AUTH, pipelined before SUBSCRIBE, which Redis answers in order); one
 * refused is logged once until some are accepted, and the tick lets the
 * connection go and makes another. So is a NOPERM to SUBSCRIBE (an ACL
 * user without the channel), told once until notices flow.
 *
 * The store's master address is numeric (a host name is looked up by the
 * store, without blocking, before it connects) or a socket's path, so
 * connecting to it never waits on the DNS; a name is refused, never
 * looked up here.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>

#include "mash/config.h"
#include "mash/words.h"

#include "clock.h"
#include "ctl_int.h"
#include "ctl_queue.h"
#include "dns.h"
#include "log.h"
#include "redis_auth.h"
#include "store.h"

static void watch_gone(struct ctl_conn *c);
static void on_auth(redisAsyncContext *ac, void *r, void *priv);

#define WATCH_CHANNEL "queue:changed"
#define WATCH_TICK_MS 1000
#define WATCH_ADDR_MAX 300

struct watch {
	struct mashd *d;
	redisAsyncContext *ac;		   /* the subscriber, or NULL */
	char addr[WATCH_ADDR_MAX];	   /* where it connects */
	bool live;			   /* subscribed: notices flow */
	bool refused;			   /* AUTH or SUBSCRIBE refused: drop */
	bool auth_told;			   /* a refusal of AUTH is logged */
	bool perm_told;			   /* a NOPERM to SUBSCRIBE is logged */
	char failed[WATCH_ADDR_MAX + 160]; /* AUTH's other error, or "" */
	int64_t since; /* when it began connecting, mono ms */
	struct event *tick;
	struct ctl_conn **conns; /* the watchers */
	size_t n, cap;
};

static struct watch *W;

/* Stop writing to a watcher: it is no longer in the list. */
static void
forget(size_t i)
{
	W->conns[i] = W->conns[--W->n];
}

/* One line to every watcher; one that does not read is dropped. */
static void
broadcast(const char *line)
{
	size_t len = strlen(line);

	for (size_t i = W->n; i-- > 0;) {
		struct ctl_conn *c = W->conns[i];

		if (c->dead) {
			forget(i);
			continue;
		}
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) >
		    CTL_OUT_MAX) {
			log_info("control: %s watches the queue without "
				 "reading: dropped",
				 c->actor);
			forget(i);
			c->dead = true;
			c->eof = true;
			conn_maybe_free(c);
			continue;
		}
		bufferevent_write(c->bev, line, len);
	}
}

static void
set_live(bool live)
{
	if (W->live == live)
		return;
	W->live = live;
	broadcast(live ? "{\"live\":true}\n" : "{\"live\":false}\n");
}

/* Drop the subscriber (from the tick, never inside hiredis); why NULL:
 * logged already. */
static void
drop(const char *why)
{
	redisAsyncContext *ac = W->ac;

	if (why != NULL)
		log_info("control: queue notices from %s: %s", W->addr, why);
	W->ac = NULL;
	set_live(false);
	redisAsyncFree(ac);
}

/* A notice names one reference or several, separated by spaces (a batch
 * of firings); each valid one is told as a line of its own. */
static void
tell_changed(const char *refs)
{
	char ref[64], line[96];
	size_t n;

	while (*refs != '\0') {
		refs += strspn(refs, " ");
		n = strcspn(refs, " ");
		if (n > 0 && n < sizeof(ref)) {
			memcpy(ref, refs, n);
			ref[n] = '\0';
			if (mash_ref_valid(ref)) {
				snprintf(line, sizeof(line),
					 "{\"changed\":\"%s\"}\n", ref);
				broadcast(line);
			}
		}
		refs += n;
	}
}

static void
on_message(redisAsyncContext *ac, void *r, void *priv)
{
	redisReply *reply = r;

	(void)priv;
	if (reply == NULL || ac != W->ac || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements < 3 ||
	    reply->element[0]->type != REDIS_REPLY_STRING)
		return;
	if (strcmp(reply->element[0]->str, "subscribe") == 0) {
		log_info("control: queue notices flow from %s", W->addr);
		W->auth_told = W->perm_told = false;
		set_live(true);
	} else if (strcmp(reply->element[0]->str, "message") == 0 &&
		   reply->element[2]->type == REDIS_REPLY_STRING) {
		tell_changed(reply->element[2]->str);
	}
}

/* A refusal of the credentials: told once until some are accepted; the
 * tick drops the connection. */
static void
auth_refused(const char *why)
{
	W->refused = true;
	if (!W->auth_told)
		log_warnx("control: queue notices: %s", why);
	W->auth_told = true;
}

/* The answer to AUTH; another error than a refusal is dropped by the
 * tick, logged as any failure. */
static void
on_auth(redisAsyncContext *ac, void *r, void *priv)
{
	char why[sizeof(W->failed)];

	(void)priv;
	if (r == NULL || ac != W->ac)
		return;
	switch (redis_auth_answer(W->d->conf, REDIS_AUTH_DATA, W->addr, r, why,
				  sizeof(why))) {
	case REDIS_AUTH_ACCEPTED:
		W->auth_told = false;
		break;
	case REDIS_AUTH_REFUSED:
		auth_refused(why);
		break;
	case REDIS_AUTH_FAILED:
		W->refused = true;
		snprintf(W->failed, sizeof(W->failed), "%s", why);
		break;
	}
}

/* SUBSCRIBE refused (hiredis then ends the connection, its error in
 * errstr): NOAUTH when Redis wants a password not given, NOPERM when
 * redis.user may not use the channel. Each told once; true if either. */
static bool
subscribe_refused(const redisAsyncContext *ac)
{
	redisReply e = {.type = REDIS_REPLY_ERROR};
	char why[sizeof(W->failed)];

	e.str = (char *)ac->errstr;
	e.len = strlen(ac->errstr);
	if (redis_auth_missing(W->d->conf, REDIS_AUTH_DATA, W->addr, &e, why,
			       sizeof(why))) {
		auth_refused(why);
		return true;
	}
	if (strncmp(ac->errstr, "NOPERM", 6) != 0)
		return false;
	if (!W->perm_told)
		log_warnx(
		    "control: queue notices from %s: NOPERM: redis.user "
		    "may not subscribe to %s%s (its ACL needs the channel "
		    "&%s%s); mashctl watch shows no changes until it may",
		    W->addr, W->d->conf->redis.prefix, WATCH_CHANNEL,
		    W->d->conf->redis.prefix, WATCH_CHANNEL);
	W->perm_told = true;
	W->refused = true;
	return true;
}

/* AUTH, when a password is set, then SUBSCRIBE: 0, or -1. */
static int
send_subscribe(redisAsyncContext *ac)
{
	const char *argv[3];
	size_t len[3];
	int argc;

	if (redis_auth_set(W->d->conf, REDIS_AUTH_DATA)) {
		argc = redis_auth_argv(W->d->conf, REDIS_AUTH_DATA, argv, len);
		if (redisAsyncCommandArgv(ac, on_auth, NULL, argc, argv, len) !=
		    REDIS_OK)
			return -1;
	}
	return redisAsyncCommand(ac, on_message, NULL, "SUBSCRIBE %s%s",
				 W->d->conf->redis.prefix, WATCH_CHANNEL);
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
	if (status != REDIS_OK && ac == W->ac) {
		log_info("control: queue notices: cannot connect to %s: %s",
			 W->addr, ac->errstr);
		W->ac = NULL; /* hiredis frees it */
	}
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	(void)status;
	if (ac != W->ac)
		return;		  /* drop() or ctl_watch_free() let it go */
	if (W->failed[0] != '\0') /* AUTH's error, then Redis closed */
		log_info("control: queue notices from %s: %s", W->addr,
			 W->failed);
	else if (!W->refused && !subscribe_refused(ac))
		log_info("control: queue notices from %s lost: %s", W->addr,
			 ac->errstr[0] ? ac->errstr : "closed");
	W->ac = NULL;
	set_live(false);
}

/* Connect the subscriber to the master the store uses, if it has one. */
static void
subscribe(void)
{
	struct store_info si;
	redisAsyncContext *ac;
	char host[WATCH_ADDR_MAX], *colon;

	store_info(W->d->store, &si);
	if (si.master[0] == '\0')
		return; /* the store is down: the tick tries again */
	snprintf(W->addr, sizeof(W->addr), "%s", si.master);
	snprintf(host, sizeof(host), "%s", si.master);
	colon = strrchr(host, ':');
	if (host[0] == '/' || colon == NULL) {
		ac = redisAsyncConnectUnix(host);
	} else {
		*colon = '\0';
		ac = dns_numeric(host)
			 ? redisAsyncConnect(host, atoi(colon + 1))
			 : NULL;
	}
	if (ac == NULL || ac->err) {
		log_info("control: queue notices: cannot connect to %s: %s",
			 W->addr,
			 ac ? ac->errstr
			    : "not a numeric address, or out of memory");
		if (ac != NULL)
			redisAsyncFree(ac);
		return;
	}
	W->ac = ac;
	W->refused = false;
	W->failed[0] = '\0';
	W->since = clock_mono_ms();
	redisLibeventAttach(ac, W->d->base);
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	if (send_subscribe(ac) != 0)
		drop("cannot subscribe");
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct store_info si;

	(void)fd;
	(void)what;
	(void)arg;
	if (W->ac == NULL) {
		if (W->n > 0)
			subscribe();
		return;
	}
	store_info(W->d->store, &si);
	if (W->refused)
		drop(W->failed[0] ? W->failed : NULL); /* else: said */
	else if (!W->live && clock_mono_ms() - W->since >
				 (int64_t)W->d->conf->redis.timeout * 1000)
		drop("no answer within redis.timeout");
	else if (si.master[0] != '\0' && strcmp(si.master, W->addr) != 0)
		drop("the store moved to another master");
}

static int
watch_new(struct mashd *d)
{
	struct timeval tv = {WATCH_TICK_MS / 1000, 0};

	if ((W = calloc(1, sizeof(*W))) == NULL)
		return -1;
	W->d = d;
	W->tick = event_new(d->base, -1, EV_PERSIST, tick, NULL);
	if (W->tick == NULL || event_add(W->tick, &tv) != 0) {
		ctl_watch_free();
		return -1;
	}
	return 0;
}

void
ctl_watch(struct ctl_conn *c)
{
	struct timeval idle = {c->ctl->d->conf->control.idle_timeout, 0};
	size_t i;

	if (W == NULL && watch_new(ctl_daemon(c)) != 0) {
		ctl_error(c, "mashd cannot watch the queue now: out of memory");
		return;
	}
	for (i = 0; i < W->n && W->conns[i] != c; i++)
		;
	if (i == W->n) {
		if (W->n == W->cap) {
			size_t cap = W->cap ? W->cap * 2 : 8;
			struct ctl_conn **n =
			    realloc(W->conns, cap * sizeof(*n));

			if (n == NULL) {
				ctl_error(c, "mashd cannot watch the queue "
					     "now: out of memory");
				return;
			}
			W->conns = n;
			W->cap = cap;
		}
		W->conns[W->n++] = c;
		c->gone = watch_gone;
	}
	/* A watcher sends nothing more: no idle timeout on reading; one
	 * that does not read its notices is closed as any other. */
	bufferevent_set_timeouts(c->bev, NULL, &idle);
	if (W->ac == NULL)
		subscribe();
	ctl_send(c, json_pack("{sb sb}", "ok", 1, "live", W->live));
}

static void
watch_gone(struct ctl_conn *c)
{
	for (size_t i = 0; W != NULL && i < W->n; i++)
		if (W->conns[i] == c) {
			forget(i);
			return;
		}
}

void
ctl_watch_free(void)
{
	redisAsyncContext *ac;

	if (W == NULL)
		return;
	ac = W->ac;
	W->ac = NULL;
	if (ac != NULL)
		redisAsyncFree(ac);
	if (W->tick != NULL)
		event_free(W->tick);
	free(W->conns);
	free(W);
	W = NULL;
}
