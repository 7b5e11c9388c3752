/*
 * store.c owns the connection to Redis and the Lua scripts.
 *
 * Invariants:
 * - st->ac is non-NULL exactly while a connection is up or being made;
 *   st->up is true only once hiredis has reported the connection made.
 * - Every store_call() that returned 0 ends in exactly one call of its
 *   callback: with the script's reply, or with an error when Redis
 *   answered an error or the connection was lost (hiredis calls every
 *   pending callback with a NULL reply when it tears a context down).
 * - Scripts are sent by SHA. Their SHA-1 is computed here, so a call never
 *   waits for SCRIPT LOAD; on NOSCRIPT (Redis restarted, SCRIPT FLUSH) the
 *   script is loaded again and the same call is sent once more.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <openssl/sha.h>

#include "config.h"
#include "log.h"
#include "lua_scripts.h"
#include "store.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define STORE_MAX_ARGS 32

struct script {
	const char *name;
	const char *text;
	char sha[2 * SHA_DIGEST_LENGTH + 1];
};

struct store {
	struct mashd *d;
	redisAsyncContext *ac;
	bool up;
	bool closing;
	int backoff_ms;
	struct event *retry;
	struct script scripts[SCRIPT_COUNT];
	void (*on_connect)(void *);
	void *on_connect_arg;
	void (*on_disconnect)(void *);
	void *on_disconnect_arg;
};

struct call {
	struct store *st;
	enum store_script s;
	int argc;
	char *argv[STORE_MAX_ARGS + 4];
	size_t argvlen[STORE_MAX_ARGS + 4];
	store_cb *cb;
	void *arg;
	bool retried;
};

static void store_connect(struct store *st);

static void
script_init(struct script *sc, const char *name, const char *text)
{
	unsigned char md[SHA_DIGEST_LENGTH];

	sc->name = name;
	sc->text = text;
	SHA1((const unsigned char *)text, strlen(text), md);
	for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
		snprintf(sc->sha + 2 * i, 3, "%02x", md[i]);
}

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
}

static void
check_config_cb(redisAsyncContext *ac, void *r, void *priv)
{
	const redisReply *reply = r;
	const char *want = priv;

	(void)ac;
	if (reply == NULL)
		return;
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
	    reply->element[1]->type != REDIS_REPLY_STRING) {
		log_warnx("redis: cannot check its configuration (%s)",
			  reply->type == REDIS_REPLY_ERROR ? reply->str
							   : "odd reply");
		return;
	}
	if (strcmp(reply->element[1]->str, want) != 0)
		log_warnx("redis: %s is \"%s\", not \"%s\": acknowledged "
			  "referrals may be lost on a crash or evicted",
			  reply->element[0]->str, reply->element[1]->str, want);
}

static void
connect_cb(const redisAsyncContext *ac, int status)
{
	struct store *st = ac->data;

	if (status != REDIS_OK) {
		log_warnx("redis: cannot connect: %s; retrying in %d ms",
			  ac->errstr, st->backoff_ms);
		st->ac = NULL; /* hiredis frees it */
		schedule_reconnect(st);
		return;
	}
	st->up = true;
	st->backoff_ms = BACKOFF_MIN_MS;
	log_info("redis: connected");
	/* Durability rests on Redis's own settings: say when they are weak. */
	redisAsyncCommand(st->ac, check_config_cb, "yes",
			  "CONFIG GET appendonly");
	redisAsyncCommand(st->ac, check_config_cb, "always",
			  "CONFIG GET appendfsync");
	redisAsyncCommand(st->ac, check_config_cb, "noeviction",
			  "CONFIG GET maxmemory-policy");
	for (int i = 0; i < SCRIPT_COUNT; i++)
		redisAsyncCommand(st->ac, NULL, NULL, "SCRIPT LOAD %s",
				  st->scripts[i].text);
	if (st->on_connect != NULL)
		st->on_connect(st->on_connect_arg);
}

static void
disconnect_cb(const redisAsyncContext *ac, int status)
{
	struct store *st = ac->data;

	st->ac = NULL;
	st->up = false;
	if (st->closing)
		return;
	log_warnx("redis: connection lost%s%s; reconnecting",
		  status == REDIS_OK ? "" : ": ",
		  status == REDIS_OK ? "" : ac->errstr);
	schedule_reconnect(st);
	if (st->on_disconnect != NULL)
		st->on_disconnect(st->on_disconnect_arg);
}

static void
store_connect(struct store *st)
{
	const struct mash_config *c = st->d->conf;
	redisAsyncContext *ac;

	if (c->redis.socket != NULL)
		ac = redisAsyncConnectUnix(c->redis.socket);
	else
		ac = redisAsyncConnect(c->redis.host, c->redis.port);
	if (ac == NULL || ac->err) {
		log_warnx("redis: cannot connect: %s",
			  ac ? ac->errstr : "out of memory");
		if (ac != NULL)
			redisAsyncFree(ac);
		schedule_reconnect(st);
		return;
	}
	ac->data = st;
	st->ac = ac;
	redisLibeventAttach(ac, st->d->base);
	redisAsyncSetConnectCallback(ac, connect_cb);
	redisAsyncSetDisconnectCallback(ac, disconnect_cb);
}

struct store *
store_new(struct mashd *d)
{
	struct store *st = calloc(1, sizeof(*st));

	if (st == NULL)
		fatal("store_new");
	st->d = d;
	st->backoff_ms = BACKOFF_MIN_MS;
	st->retry = evtimer_new(d->base, retry_cb, st);
	if (st->retry == NULL)
		fatal("store_new: evtimer_new");
#define SCRIPT(id, var) script_init(&st->scripts[id], #var, var)
	SCRIPT(SCRIPT_SUBMIT, lua_submit);
	SCRIPT(SCRIPT_GET, lua_get);
	SCRIPT(SCRIPT_QUEUE, lua_queue);
	SCRIPT(SCRIPT_SHOW, lua_show);
	SCRIPT(SCRIPT_STATUS, lua_status);
	SCRIPT(SCRIPT_METRICS, lua_metrics);
	SCRIPT(SCRIPT_PING, lua_ping);
	SCRIPT(SCRIPT_NEXT, lua_next);
	SCRIPT(SCRIPT_FIRE, lua_fire);
	SCRIPT(SCRIPT_DECIDE, lua_decide);
	SCRIPT(SCRIPT_CONFIRM, lua_confirm);
	SCRIPT(SCRIPT_RESCHEDULE, lua_reschedule);
	SCRIPT(SCRIPT_ALERT_TAKE, lua_alert_take);
	SCRIPT(SCRIPT_ALERT_RESULT, lua_alert_result);
	SCRIPT(SCRIPT_ALERTS, lua_alerts);
	SCRIPT(SCRIPT_ALERT_RETRY, lua_alert_retry);
	SCRIPT(SCRIPT_CLAIM, lua_claim);
	SCRIPT(SCRIPT_RATE, lua_rate);
	SCRIPT(SCRIPT_NOTE, lua_note);
	SCRIPT(SCRIPT_HISTORY, lua_history);
	SCRIPT(SCRIPT_SPOOL_QUARANTINE, lua_spool_quarantine);
#undef SCRIPT
	store_connect(st);
	return st;
}

void
store_free(struct store *st)
{
	if (st == NULL)
		return;
	st->closing = true;
	if (st->ac != NULL)
		redisAsyncFree(st->ac); /* fails pending calls */
	event_free(st->retry);
	free(st);
}

bool
store_up(const struct store *st)
{
	return st->up;
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

static void
call_free(struct call *c)
{
	for (int i = 0; i < c->argc; i++)
		free(c->argv[i]);
	free(c);
}

static void call_reply(redisAsyncContext *ac, void *r, void *priv);

static int
call_send(struct call *c)
{
	struct store *st = c->st;

	c->argv[1] = st->scripts[c->s].sha; /* borrowed: see call_free */
	c->argvlen[1] = strlen(c->argv[1]);
	return redisAsyncCommandArgv(st->ac, call_reply, c, c->argc,
				     (const char **)c->argv,
				     c->argvlen) == REDIS_OK
		   ? 0
		   : -1;
}

static void
call_reply(redisAsyncContext *ac, void *r, void *priv)
{
	const redisReply *reply = r;
	struct call *c = priv;
	struct store *st = c->st;

	(void)ac;
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR &&
	    strncmp(reply->str, "NOSCRIPT", 8) == 0 && !c->retried && st->up) {
		/* Redis lost its script cache: load it, then send again. */
		log_warnx("redis: script %s was not loaded; loading it",
			  st->scripts[c->s].name);
		c->retried = true;
		redisAsyncCommand(st->ac, NULL, NULL, "SCRIPT LOAD %s",
				  st->scripts[c->s].text);
		if (call_send(c) == 0)
			return;
		reply = NULL;
	}
	if (reply == NULL)
		c->cb(NULL, "the connection to redis was lost", c->arg);
	else if (reply->type == REDIS_REPLY_ERROR)
		c->cb(NULL, reply->str, c->arg);
	else
		c->cb(reply, NULL, c->arg);
	c->argv[1] = NULL;
	call_free(c);
}

int
store_call(struct store *st, enum store_script s, int argc,
	   const char *const *argv, store_cb *cb, void *arg)
{
	struct call *c;
	const char *prefix = st->d->conf->redis.prefix;

	if (!st->up || argc > STORE_MAX_ARGS)
		return -1;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->st = st;
	c->s = s;
	c->cb = cb;
	c->arg = arg;
	/* EVALSHA sha 0 prefix argv... */
	c->argc = 4 + argc;
	c->argv[0] = strdup("EVALSHA");
	c->argv[2] = strdup("0");
	c->argv[3] = strdup(prefix);
	for (int i = 0; i < argc; i++)
		c->argv[4 + i] = strdup(argv[i] ? argv[i] : "");
	for (int i = 0; i < c->argc; i++) {
		if (i != 1 && c->argv[i] == NULL)
			goto fail;
		if (i != 1)
			c->argvlen[i] = strlen(c->argv[i]);
	}
	if (call_send(c) == 0)
		return 0;
fail:
	c->argv[1] = NULL;
	call_free(c);
	return -1;
}
