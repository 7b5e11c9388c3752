/*
 * store.c owns the connection to Redis and the Lua scripts.
 *
 * Invariants:
 * - st->ac is non-NULL exactly while a connection is up or being made.
 *   st->state says how far it got: CONNECTING until hiredis reports it
 *   made, CHECKING while Redis's durability is read, UP once it is read;
 *   calls are sent only when UP.
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
 * - Every store_call() that returned 0 ends in exactly one call of its
 *   callback, within redis.timeout of the send (and the timer's slack).
 *   A command that was sent but not answered is STORE_UNKNOWN: Redis may
 *   have run it (a stopped Redis runs what it read when it resumes).
 * - Scripts are sent by SHA. Their SHA-1 is computed here, so a call never
 *   waits for SCRIPT LOAD; on NOSCRIPT (Redis restarted, SCRIPT FLUSH) the
 *   script is loaded again and the same call is sent once more.
 * - Durability: on every connect, then each minute (every few seconds
 *   while it refuses referrals), CONFIG GET reads appendonly and
 *   appendfsync. Until the first answer on a connection it is not UP;
 *   while they are not "yes" and "always", store_refusal() refuses new
 *   referrals unless redis.allow_unsafe. A CONFIG that is renamed or
 *   refused counts as not durable: mashd cannot tell.
 */
#include <sys/queue.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <openssl/sha.h>

#include "mash/config.h"

#include "clock.h"
#include "log.h"
#include "lua_scripts.h"
#include "store.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define STORE_MAX_ARGS 32
/* How often durability is read again: while referrals are taken, and
 * while they are refused (so a fix is noticed at once). */
#define RECHECK_MS 60000
#define RECHECK_REFUSING_MS 2000

struct script {
	const char *name;
	const char *text;
	char sha[2 * SHA_DIGEST_LENGTH + 1];
};

/* A command sent on st->ac and not yet answered. */
struct sent {
	TAILQ_ENTRY(sent) entry;
	struct store *st;
	int64_t deadline; /* clock_mono_ms() */
	redisCallbackFn *fn;
	void *priv;
};
TAILQ_HEAD(sentq, sent);

enum store_state { ST_DOWN, ST_CONNECTING, ST_CHECKING, ST_UP };

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
	struct sentq sent;
	bool checking;	   /* a durability check is in flight */
	bool durable;	   /* the last check on this connection */
	char refusal[320]; /* when not durable: why, as a sentence */
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
	store_outcome_cb *ocb;
	void *arg;
	bool retried;
};

static void store_connect(struct store *st);
static void durability_check(struct store *st, bool first);

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

static int64_t
timeout_ms(const struct store *st)
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
	s->deadline = clock_mono_ms() + timeout_ms(st);
	return s;
}

static void
sent_queued(struct store *st, struct sent *s)
{
	TAILQ_INSERT_TAIL(&st->sent, s, entry);
	if (TAILQ_FIRST(&st->sent) == s)
		watch_arm(st);
}

/* Send a command on the connection, with a deadline. 0, or -1 (not sent,
 * fn not called). */
static int
send_cmd(struct store *st, redisCallbackFn *fn, void *priv, const char *fmt,
	 ...)
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

static int
send_argv(struct store *st, redisCallbackFn *fn, void *priv, int argc,
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
}

/*
 * Give up a connection that passed its deadline: every call waiting on it
 * is answered now (STORE_UNKNOWN, with `why`), and a new one is made with
 * backoff. Never called from inside a hiredis callback, so redisAsyncFree()
 * frees at once; disconnect_cb() then sees a context no longer st->ac.
 */
static void
store_drop(struct store *st, const char *why)
{
	redisAsyncContext *ac = st->ac;

	bool was_up = st->state == ST_UP;

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

static void
connect_cb(const redisAsyncContext *ac, int status)
{
	struct store *st = ac->data;

	if (status != REDIS_OK) {
		log_warnx("redis: cannot connect: %s; retrying in %d ms",
			  ac->errstr, st->backoff_ms);
		store_down(st); /* hiredis frees it */
		schedule_reconnect(st);
		return;
	}
	st->state = ST_CHECKING;
	for (int i = 0; i < SCRIPT_COUNT; i++)
		send_cmd(st, NULL, NULL, "SCRIPT LOAD %s", st->scripts[i].text);
	durability_check(st, true);
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
	log_warnx("redis: connection lost%s%s; reconnecting",
		  status == REDIS_OK ? "" : ": ",
		  status == REDIS_OK ? "" : ac->errstr);
	schedule_reconnect(st);
	if (was_up && st->on_disconnect != NULL)
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
	st->state = ST_CONNECTING;
	st->connect_deadline = clock_mono_ms() + timeout_ms(st);
	redisLibeventAttach(ac, st->d->base);
	redisAsyncSetConnectCallback(ac, connect_cb);
	redisAsyncSetDisconnectCallback(ac, disconnect_cb);
	watch_arm(st);
}

/* ---- durability ------------------------------------------------------ */

/* What CONFIG GET reads, and what mashd needs. Only the first two refuse
 * referrals; the last is a warning (noeviction is the safe policy, but an
 * evicting Redis still fsyncs what it keeps). */
static const struct {
	const char *name;
	const char *want;
	bool required;
} settings[] = {
    {"appendonly", "yes", true},
    {"appendfsync", "always", true},
    {"maxmemory-policy", "noeviction", false},
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

struct check;
struct check_part {
	struct check *c;
	size_t i;
};

struct check {
	struct store *st;
	bool first; /* the check of a new connection */
	size_t waiting;
	bool lost; /* a reply did not come: the connection is gone */
	struct check_part part[NSETTINGS];
	char value[NSETTINGS][32];
	char err[160]; /* CONFIG GET refused: Redis's answer */
};

static void
recheck_arm(struct store *st)
{
	struct timeval tv = {RECHECK_MS / 1000, 0};

	if (store_refusal(st) != NULL)
		tv.tv_sec = RECHECK_REFUSING_MS / 1000;
	evtimer_add(st->recheck, &tv);
}

/* No verdict: ask again in a second (store_down() cancels it). */
static void
recheck_retry(struct store *st)
{
	struct timeval tv = {1, 0};

	if (st->ac != NULL)
		evtimer_add(st->recheck, &tv);
}

/* A check's verdict: `refusal` is "" when Redis is durable. */
static void
durability_set(struct store *st, bool first, const char *refusal)
{
	bool changed = strcmp(st->refusal, refusal) != 0;
	bool allow = st->d->conf->redis.allow_unsafe;

	st->durable = refusal[0] == '\0';
	snprintf(st->refusal, sizeof(st->refusal), "%s", refusal);
	if (!st->durable && (first || changed))
		log_event_warnx(
		    NULL, NULL, "redis_not_durable",
		    "redis: %s: acknowledged referrals may be lost on a crash "
		    "or a power cut; %s",
		    refusal,
		    allow ? "taking referrals all the same, as "
			    "redis.allow_unsafe says"
			  : "new referrals are refused until it is (or "
			    "redis.allow_unsafe is set)");
	else if (st->durable && !first && changed)
		log_event(NULL, NULL, "redis_durable",
			  "redis: durable again (appendonly yes, appendfsync "
			  "always); taking referrals");
	if (first) {
		st->state = ST_UP;
		st->backoff_ms = BACKOFF_MIN_MS;
		log_info("redis: connected");
		if (st->on_connect != NULL)
			st->on_connect(st->on_connect_arg);
	}
	recheck_arm(st);
}

static void
check_end(struct check *c)
{
	struct store *st = c->st;
	char refusal[sizeof(st->refusal)] = "";
	size_t n = 0;

	if (--c->waiting > 0)
		return;
	st->checking = false;
	if (c->lost) {
		/* The connection is going (and the next one checks again),
		 * or a part could not be sent: try again soon. */
		recheck_retry(st);
		free(c);
		return;
	}
	if (c->err[0] != '\0')
		snprintf(refusal, sizeof(refusal),
			 "redis is not durable as far as mashd can tell: "
			 "CONFIG GET is refused (%s)",
			 c->err);
	for (size_t i = 0; i < NSETTINGS && c->err[0] == '\0'; i++) {
		if (strcmp(c->value[i], settings[i].want) == 0)
			continue;
		if (!settings[i].required) {
			if (c->first)
				log_warnx("redis: %s is \"%s\", not \"%s\": "
					  "acknowledged referrals may be "
					  "lost on a crash or evicted",
					  settings[i].name, c->value[i],
					  settings[i].want);
			continue;
		}
		n += (size_t)snprintf(refusal + n, sizeof(refusal) - n,
				      "%s%s is \"%s\", not \"%s\"",
				      n == 0 ? "redis is not durable: " : ", ",
				      settings[i].name, c->value[i],
				      settings[i].want);
		if (n >= sizeof(refusal))
			n = sizeof(refusal) - 1;
	}
	durability_set(st, c->first, refusal);
	free(c);
}

static void
check_reply(redisAsyncContext *ac, void *r, void *priv)
{
	const redisReply *reply = r;
	struct check_part *p = priv;
	struct check *c = p->c;

	(void)ac;
	if (reply == NULL) {
		c->lost = true;
	} else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
		   reply->element[1]->type == REDIS_REPLY_STRING) {
		snprintf(c->value[p->i], sizeof(c->value[p->i]), "%s",
			 reply->element[1]->str);
	} else if (c->err[0] == '\0') {
		snprintf(c->err, sizeof(c->err), "%s",
			 reply->type == REDIS_REPLY_ERROR ? reply->str
			 : reply->type == REDIS_REPLY_ARRAY &&
				 reply->elements == 0
			     ? "it does not know the setting"
			     : "an odd reply");
	}
	check_end(c);
}

static void
durability_check(struct store *st, bool first)
{
	struct check *c;

	if (st->checking)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		recheck_retry(st);
		return;
	}
	c->st = st;
	c->first = first;
	c->waiting = 1; /* until every part is sent */
	for (size_t i = 0; i < NSETTINGS; i++) {
		c->part[i].c = c;
		c->part[i].i = i;
		snprintf(c->value[i], sizeof(c->value[i]), "?");
		if (send_cmd(st, check_reply, &c->part[i], "CONFIG GET %s",
			     settings[i].name) == 0)
			c->waiting++;
		else
			c->lost = true;
	}
	st->checking = true;
	check_end(c);
}

static void
recheck_cb(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;

	(void)fd;
	(void)what;
	if (st->state == ST_UP || st->state == ST_CHECKING)
		durability_check(st, st->state == ST_CHECKING);
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
	TAILQ_INIT(&st->sent);
	st->retry = evtimer_new(d->base, retry_cb, st);
	st->watch = evtimer_new(d->base, watch_cb, st);
	st->recheck = evtimer_new(d->base, recheck_cb, st);
	if (st->retry == NULL || st->watch == NULL || st->recheck == NULL)
		fatal("store_new: evtimer_new");
#define SCRIPT(id, var) script_init(&st->scripts[id], #var, var)
	SCRIPT(SCRIPT_SUBMIT, lua_submit);
	SCRIPT(SCRIPT_GET, lua_get);
	SCRIPT(SCRIPT_QUEUE, lua_queue);
	SCRIPT(SCRIPT_SHOW, lua_show);
	SCRIPT(SCRIPT_METRICS, lua_metrics);
	SCRIPT(SCRIPT_PING, lua_ping);
	SCRIPT(SCRIPT_NEXT, lua_next);
	SCRIPT(SCRIPT_FIRE, lua_fire);
	SCRIPT(SCRIPT_DECIDE, lua_decide);
	SCRIPT(SCRIPT_CONFIRM, lua_confirm);
	SCRIPT(SCRIPT_RESCHEDULE, lua_reschedule);
	SCRIPT(SCRIPT_TIMERS, lua_timers);
	SCRIPT(SCRIPT_ALERT_TAKE, lua_alert_take);
	SCRIPT(SCRIPT_ALERT_RESULT, lua_alert_result);
	SCRIPT(SCRIPT_ALERTS, lua_alerts);
	SCRIPT(SCRIPT_ALERT_RETRY, lua_alert_retry);
	SCRIPT(SCRIPT_CALLBACKS, lua_callbacks);
	SCRIPT(SCRIPT_CALLED, lua_called);
	SCRIPT(SCRIPT_CLAIM, lua_claim);
	SCRIPT(SCRIPT_RATE, lua_rate);
	SCRIPT(SCRIPT_NOTE, lua_note);
	SCRIPT(SCRIPT_HISTORY, lua_history);
	SCRIPT(SCRIPT_SPOOL_QUARANTINE, lua_spool_quarantine);
	SCRIPT(SCRIPT_IDEM, lua_idem);
#undef SCRIPT
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
	if ((ac = st->ac) != NULL) {
		store_down(st);
		st->lost = "mashd is stopping";
		redisAsyncFree(ac); /* fails pending calls */
	}
	event_free(st->retry);
	event_free(st->watch);
	event_free(st->recheck);
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

/* ---- script calls ---------------------------------------------------- */

static void
call_free(struct call *c)
{
	for (int i = 0; i < c->argc; i++)
		free(c->argv[i]);
	free(c);
}

/*
 * Redis refused the call before running any of it. An error raised inside
 * a script names it ("... script: <sha>, on @user_script:N."), and the
 * script may have written before it: that is an answer, not a refusal.
 */
static bool
refused_before_run(const char *err)
{
	static const char *const codes[] = {
	    "NOSCRIPT ", "LOADING ",	"BUSY ",       "NOAUTH ",
	    "NOPERM ",	 "MASTERDOWN ", "NOREPLICAS ", "READONLY ",
	    "MISCONF ",	 "OOM ",	NULL};

	if (strstr(err, "script:") != NULL)
		return false;
	for (const char *const *c = codes; *c != NULL; c++)
		if (strncmp(err, *c, strlen(*c)) == 0)
			return true;
	return false;
}

static void call_reply(redisAsyncContext *ac, void *r, void *priv);

static int
call_send(struct call *c)
{
	struct store *st = c->st;

	c->argv[1] = st->scripts[c->s].sha; /* borrowed: see call_free */
	c->argvlen[1] = strlen(c->argv[1]);
	return send_argv(st, call_reply, c, c->argc, (const char **)c->argv,
			 c->argvlen);
}

static void
call_reply(redisAsyncContext *ac, void *r, void *priv)
{
	const redisReply *reply = r;
	struct call *c = priv;
	struct store *st = c->st;
	struct store_result res = {STORE_DONE, NULL, NULL};

	(void)ac;
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR &&
	    strncmp(reply->str, "NOSCRIPT", 8) == 0 && !c->retried &&
	    st->state == ST_UP) {
		/* Redis lost its script cache: load it, then send again. */
		log_warnx("redis: script %s was not loaded; loading it",
			  st->scripts[c->s].name);
		c->retried = true;
		send_cmd(st, NULL, NULL, "SCRIPT LOAD %s",
			 st->scripts[c->s].text);
		if (call_send(c) == 0)
			return;
	}
	if (reply == NULL) {
		res.outcome = STORE_UNKNOWN;
		res.err = st->lost != NULL ? st->lost
					   : "the connection to redis was lost";
	} else if (reply->type == REDIS_REPLY_ERROR) {
		res.outcome =
		    refused_before_run(reply->str) ? STORE_NOT_RUN : STORE_DONE;
		res.err = reply->str;
	} else {
		res.reply = reply;
	}
	if (c->ocb != NULL)
		c->ocb(&res, c->arg);
	else
		c->cb(res.reply, res.err, c->arg);
	c->argv[1] = NULL;
	call_free(c);
}

static int
call_start(struct store *st, enum store_script s, int argc,
	   const char *const *argv, store_cb *cb, store_outcome_cb *ocb,
	   void *arg)
{
	struct call *c;
	const char *prefix = st->d->conf->redis.prefix;

	if (st->state != ST_UP || argc > STORE_MAX_ARGS)
		return -1;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->st = st;
	c->s = s;
	c->cb = cb;
	c->ocb = ocb;
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

int
store_call(struct store *st, enum store_script s, int argc,
	   const char *const *argv, store_cb *cb, void *arg)
{
	return call_start(st, s, argc, argv, cb, NULL, arg);
}

int
store_call_outcome(struct store *st, enum store_script s, int argc,
		   const char *const *argv, store_outcome_cb *cb, void *arg)
{
	return call_start(st, s, argc, argv, NULL, cb, arg);
}

/* ---- PING ------------------------------------------------------------ */

struct ping {
	struct event *timer; /* NULL once it fired or the reply came */
	store_ping_cb *cb;
	void *arg;
	bool answered;
	char err[96];
};

static void
ping_answer(struct ping *p, const char *err)
{
	if (p->timer != NULL) {
		event_free(p->timer);
		p->timer = NULL;
	}
	if (p->answered)
		return;
	p->answered = true;
	p->cb(err, p->arg);
}

static void
ping_late(evutil_socket_t fd, short what, void *arg)
{
	struct ping *p = arg;

	(void)fd;
	(void)what;
	ping_answer(p, p->err); /* the reply, when it comes, frees p */
}

static void
ping_reply(redisAsyncContext *ac, void *r, void *priv)
{
	const redisReply *reply = r;
	struct ping *p = priv;

	(void)ac;
	if (reply == NULL)
		ping_answer(p, "redis did not answer");
	else if (reply->type == REDIS_REPLY_ERROR)
		ping_answer(p, reply->str);
	else
		ping_answer(p, NULL);
	free(p);
}

int
store_ping(struct store *st, int ms, store_ping_cb *cb, void *arg)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	struct ping *p;

	if (st->state != ST_UP || (p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	p->cb = cb;
	p->arg = arg;
	snprintf(p->err, sizeof(p->err),
		 "redis did not answer a PING within %d ms", ms);
	if ((p->timer = evtimer_new(st->d->base, ping_late, p)) == NULL) {
		free(p);
		return -1;
	}
	if (send_cmd(st, ping_reply, p, "PING") != 0) {
		event_free(p->timer);
		free(p);
		return -1;
	}
	evtimer_add(p->timer, &tv);
	return 0;
}
