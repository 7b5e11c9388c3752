/*
 * store_check.c owns what mashd asks of Redis about Redis itself: its
 * durability, and whether it answers (PING, for /healthz).
 *
 * Durability: on every connect, then each minute (every few seconds
 * while it refuses referrals), CONFIG GET reads appendonly and
 * appendfsync. Until the first answer on a connection it is not UP;
 * while they are not "yes" and "always", store_refusal() refuses new
 * referrals unless redis.allow_unsafe. A CONFIG that is renamed or
 * refused counts as not durable: mashd cannot tell.
 */
#include <stdlib.h>
#include <string.h>

#include "mash/config.h"

#include "log.h"
#include "store_check.h"
#include "store_conn.h"

/* How often durability is read again: while referrals are taken, and
 * while they are refused (so a fix is noticed at once). */
#define RECHECK_MS 60000
#define RECHECK_REFUSING_MS 2000

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

bool
store_durable(const struct store *st)
{
	return st->state == ST_UP && st->durable;
}

const char *
store_refusal(const struct store *st)
{
	/* Clients (a partner's, the web form's, /healthz's) are told no
	 * more: the reason names the hub's hosts and addresses. */
	if (st->state != ST_UP)
		return "the referral store is unreachable";
	if (!st->durable && !st->d->conf->redis.allow_unsafe)
		return st->refusal;
	return NULL;
}

const char *
store_why(const struct store *st)
{
	if (st->state != ST_UP && st->unreach[0] != '\0')
		return st->unreach;
	return store_refusal(st);
}

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
	recheck_arm(st);
	if (first)
		store_became_up(st);
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
	if (st->state != ST_UP && st->state != ST_CHECKING) {
		free(c); /* the connection is let go */
		return;
	}
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

void
store_check_durability(struct store *st, bool first)
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
		if (store_send_cmd(st, check_reply, &c->part[i],
				   "CONFIG GET %s", settings[i].name) == 0)
			c->waiting++;
		else
			c->lost = true;
	}
	st->checking = true;
	check_end(c);
}

void
store_check_recheck(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;

	(void)fd;
	(void)what;
	if (st->state == ST_UP || st->state == ST_CHECKING)
		store_check_durability(st, st->state == ST_CHECKING);
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
	if (store_send_cmd(st, ping_reply, p, "PING") != 0) {
		event_free(p->timer);
		free(p);
		return -1;
	}
	evtimer_add(p->timer, &tv);
	return 0;
}
