/*
 * sentinel.c owns mashd's talk with the sentinels; see sentinel.h.
 *
 * Invariants:
 * - At most one question is out (s->probe): one connection to one
 *   sentinel, one command on it, SENTINEL get-master-addr-by-name. hiredis
 *   runs the command's callback exactly once, with the answer or with NULL
 *   when the connection goes (or is let go here); that callback is the one
 *   place a probe is freed. A probe given up (its deadline passed) has
 *   p->s == NULL and its answer, when it comes, is dropped.
 * - What a callback of hiredis learns goes on through s->step, an event
 *   run at once after it: a connection is never made or freed inside a
 *   callback of another.
 * - At most one subscription (s->sub), to one sentinel; its callback runs
 *   for each message and once with NULL when the connection goes, which
 *   frees it. When it goes, the next sentinel is subscribed to after
 *   SUB_RETRY_MS.
 * - The sentinels and the master's name are copied at the start: they
 *   need a restart (a reload frees the configuration they came from).
 * - A sentinel named by a host name is looked up first, without blocking
 *   (redis_open.c): p->open or u->open is that lookup, under way, and the
 *   question's deadline (ASK_MS), or the subscription's, counts it. A
 *   sentinel whose name the DNS does not answer for costs a question
 *   ASK_MS, as a dead one does, and the next is asked.
 * - Every connection to a sentinel sends AUTH first, with
 *   redis.sentinel_user and redis.sentinel_password when set
 *   (redis_auth.h), pipelined before its command. A sentinel that
 *   refuses them, or asks one not given, is a sentinel that does not
 *   answer; that is logged once for each sentinel (they are asked in
 *   turn) until it accepts them. Any other error is what it is ("is not
 *   a sentinel: ERR"), never quoted beyond its code word.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>

#include "mash/config.h"

#include "log.h"
#include "redis_auth.h"
#include "redis_open.h"
#include "sentinel.h"

/* A sentinel's deadline for one question; Redis's guide advises a short
 * one, so that a dead sentinel delays the answer little. */
#define ASK_MS 1000
/* How often the sentinels are asked whether the master moved. */
#define POLL_MS 5000
#define SUB_RETRY_MS 1000

#define REFUSED_MAX 480

struct probe {
	struct sentinel *s;	 /* NULL once given up */
	struct redis_open *open; /* its name's lookup, under way */
	redisAsyncContext *ac;	 /* once looked up */
	char node[300];		 /* "host:port", as configured */
	size_t idx;		 /* its index in s->nodes */
	char auth[REFUSED_MAX];	 /* why AUTH was not accepted, or "" */
};

struct sub {
	struct sentinel *s;	 /* NULL once let go */
	struct redis_open *open; /* its name's lookup, under way */
	redisAsyncContext *ac;	 /* once looked up */
	char node[300];
	size_t idx;
	bool confirmed;
};

struct sentinel {
	struct mashd *d;
	struct config_node *nodes;
	bool *told; /* each node's refusal of the credentials is logged */
	size_t nnodes;
	char name[256]; /* redis.master_name */
	sentinel_master_cb *moved;
	void *moved_arg;
	sentinel_master_cb *cb; /* the caller's question, or NULL */
	void *cb_arg;
	bool polling; /* a question of the poll's own is out */
	bool closing;
	size_t first; /* the sentinel asked first: the last that answered */
	size_t cur;   /* the one asked now */
	size_t tried;
	struct probe *probe;
	/* What the probe learnt, for s->step: a master, or why not. */
	bool answered;
	char host[256];
	int port;
	char why[REFUSED_MAX];
	char last[300];
	struct event *step, *deadline, *poll;
	struct sub *sub;
	size_t sub_next; /* the sentinel to subscribe to next */
	struct event *sub_retry, *sub_deadline;
};

static void ask_next(struct sentinel *s);

static const struct config_node *
node(const struct sentinel *s, size_t i, size_t *n)
{
	*n = s->nnodes;
	return *n ? &s->nodes[i % *n] : NULL;
}

static void
after(struct event *ev, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(ev, &tv);
}

/* ---- a question ------------------------------------------------------ */

/* Everyone waiting hears the answer: the caller, and the poll, which
 * tells `moved`. */
static void
ask_end(struct sentinel *s, const char *host, int port, const char *err)
{
	sentinel_master_cb *cb = s->cb;
	bool polled = s->polling;

	s->cb = NULL;
	s->polling = false;
	if (!s->closing)
		after(s->poll, POLL_MS);
	if (cb != NULL)
		cb(host, port, err, s->cb_arg);
	if (polled && host != NULL && !s->closing)
		s->moved(host, port, NULL, s->moved_arg);
}

/* A sentinel's refusal of the credentials: told once until it accepts
 * some (each sentinel apart: they are asked in turn). */
static void
auth_tell(struct sentinel *s, size_t idx, const char *why)
{
	if (s->told[idx])
		return;
	log_warnx("redis: sentinel %s; mashd asks the other sentinels", why);
	s->told[idx] = true;
}

/* AUTH's answer, before that of the command after it, in `why`: a
 * refusal is told; another error is the sentinel's failure. */
static void
auth_read(struct sentinel *s, size_t idx, const char *node, const void *r,
	  char *why, size_t len)
{
	why[0] = '\0';
	switch (redis_auth_answer(s->d->conf, REDIS_AUTH_SENTINEL, node, r, why,
				  len)) {
	case REDIS_AUTH_ACCEPTED:
		s->told[idx] = false;
		break;
	case REDIS_AUTH_REFUSED:
		auth_tell(s, idx, why);
		break;
	case REDIS_AUTH_FAILED:
		log_debug("redis: sentinel %s", why);
		break;
	}
}

static void
probe_auth(redisAsyncContext *ac, void *r, void *priv)
{
	struct probe *p = priv;

	(void)ac;
	if (p->s != NULL && r != NULL)
		auth_read(p->s, p->idx, p->node, r, p->auth, sizeof(p->auth));
}

/* An error in answer to SENTINEL, in s->why: what it is, quoting only its
 * code word (redis_auth.h). */
static void
probe_error(struct sentinel *s, const struct probe *p, const redisReply *r)
{
	char code[40];

	if (p->auth[0] != '\0') { /* NOAUTH after AUTH: AUTH said why */
		snprintf(s->why, sizeof(s->why), "%s", p->auth);
		return;
	}
	if (redis_auth_missing(s->d->conf, REDIS_AUTH_SENTINEL, p->node, r,
			       s->why, sizeof(s->why))) {
		auth_tell(s, p->idx, s->why);
		return;
	}
	redis_auth_code(s->d->conf, REDIS_AUTH_SENTINEL, r, code, sizeof(code));
	snprintf(s->why, sizeof(s->why), "%s %s: %s", p->node,
		 strncmp(r->str, "ERR unknown command", 19) == 0
		     ? "is not a sentinel"
		     : "answered an error",
		 code);
}

/* The credentials first when set, then the command: REDIS_OK or not. */
static int
auth_then(redisAsyncContext *ac, const struct mash_config *c,
	  redisCallbackFn *auth_cb, redisCallbackFn *cb, void *priv,
	  const char *cmd, const char *arg)
{
	const char *argv[3];
	size_t len[3];
	int argc;

	if (redis_auth_set(c, REDIS_AUTH_SENTINEL)) {
		argc = redis_auth_argv(c, REDIS_AUTH_SENTINEL, argv, len);
		if (redisAsyncCommandArgv(ac, auth_cb, priv, argc, argv, len) !=
		    REDIS_OK)
			return REDIS_ERR;
	}
	return arg != NULL ? redisAsyncCommand(ac, cb, priv, cmd, arg)
			   : redisAsyncCommand(ac, cb, priv, cmd);
}

static void
probe_reply(redisAsyncContext *ac, void *r, void *priv)
{
	const redisReply *reply = r;
	struct probe *p = priv;
	struct sentinel *s = p->s;

	if (s != NULL) {
		s->probe = NULL;
		evtimer_del(s->deadline);
		s->answered = false;
		if (reply == NULL)
			snprintf(s->why, sizeof(s->why), "%s",
				 p->auth[0] ? p->auth
				 : ac->err  ? ac->errstr
					    : "connection lost");
		else if (p->auth[0] != '\0') /* refused: its answer unused */
			snprintf(s->why, sizeof(s->why), "%s", p->auth);
		else if (reply->type == REDIS_REPLY_ARRAY &&
			 reply->elements == 2 &&
			 reply->element[0]->type == REDIS_REPLY_STRING &&
			 reply->element[1]->type == REDIS_REPLY_STRING &&
			 strlen(reply->element[0]->str) < sizeof(s->host)) {
			snprintf(s->host, sizeof(s->host), "%s",
				 reply->element[0]->str);
			s->port = atoi(reply->element[1]->str);
			s->answered = s->port > 0 && s->port < 65536;
			s->told[p->idx] = false;
			if (!s->answered)
				snprintf(s->why, sizeof(s->why),
					 "an odd port \"%s\"",
					 reply->element[1]->str);
		} else if (reply->type == REDIS_REPLY_ERROR) {
			probe_error(s, p, reply);
		} else {
			snprintf(s->why, sizeof(s->why),
				 "it knows no master \"%s\"", s->name);
		}
		event_active(s->step, EV_TIMEOUT, 0);
	}
	if (reply != NULL) /* still connected: let it go once this returns */
		redisAsyncDisconnect(ac);
	free(p);
}

/* No answer in time: give the probe up (its callback frees it). */
static void
probe_late(evutil_socket_t fd, short what, void *arg)
{
	struct sentinel *s = arg;
	struct probe *p = s->probe;

	(void)fd;
	(void)what;
	if (p == NULL)
		return;
	s->probe = NULL;
	p->s = NULL;
	s->answered = false;
	snprintf(s->why, sizeof(s->why), "no answer within %d ms%s", ASK_MS,
		 p->open != NULL ? " (the DNS did not answer for its name)"
				 : "");
	if (p->open != NULL) { /* no callback of hiredis to free it */
		redis_open_cancel(p->open);
		free(p);
	} else {
		redisAsyncFree(p->ac);
	}
	event_active(s->step, EV_TIMEOUT, 0);
}

/* What the probe learnt: the answer, or the next sentinel. */
static void
probe_step(evutil_socket_t fd, short what, void *arg)
{
	struct sentinel *s = arg;
	size_t n;
	const struct config_node *nd = node(s, s->cur, &n);

	(void)fd;
	(void)what;
	if (s->probe != NULL || (s->cb == NULL && !s->polling))
		return;
	if (!s->answered) {
		if (nd != NULL && s->tried > 0)
			log_debug("redis: sentinel %s:%d: %s", nd->host,
				  nd->port, s->why);
		ask_next(s);
		return;
	}
	s->first = n ? s->cur % n : 0;
	if (nd != NULL)
		snprintf(s->last, sizeof(s->last), "%s:%d", nd->host, nd->port);
	ask_end(s, s->host, s->port, NULL);
}

/* A sentinel could not be asked: on to the next, from s->step. */
static void
probe_failed(struct sentinel *s, const char *why)
{
	s->answered = false;
	snprintf(s->why, sizeof(s->why), "%s", why);
	event_active(s->step, EV_TIMEOUT, 0);
}

/* The sentinel is looked up, and connecting: the question is sent. */
static void
probe_opened(redisAsyncContext *ac, const char *addr, const char *err,
	     void *arg)
{
	struct probe *p = arg;
	struct sentinel *s = p->s;

	(void)addr;
	p->open = NULL;
	if (ac != NULL) {
		redisEnableKeepAlive(&ac->c); /* a dead peer is seen in time */
		p->ac = ac;
		if (auth_then(ac, s->d->conf, probe_auth, probe_reply, p,
			      "SENTINEL get-master-addr-by-name %s",
			      s->name) == REDIS_OK)
			return;
		p->s = NULL;
		redisAsyncFree(ac); /* the callback was not queued */
		err = "cannot send the question";
	}
	s->probe = NULL;
	evtimer_del(s->deadline);
	free(p);
	probe_failed(s, err);
}

/* Ask the next sentinel, or end the question when all were asked. Only
 * from s->step, so that the answer always comes later. */
static void
ask_next(struct sentinel *s)
{
	size_t n;
	const struct config_node *nd;
	struct probe *p;
	char why[REFUSED_MAX + 400];

	if (s->tried > 0)
		s->cur++;
	nd = node(s, s->cur, &n);
	if (s->tried++ >= n || nd == NULL) {
		snprintf(why, sizeof(why),
			 "none of the %zu sentinel(s) named the master \"%s\" "
			 "(the last: %s)",
			 n, s->name, s->why);
		ask_end(s, NULL, 0, why);
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->open = redis_open(s->d, nd->host, nd->port, 0, probe_opened,
				  p)) == NULL) {
		free(p);
		probe_failed(s, "cannot connect: out of memory");
		return;
	}
	p->s = s;
	p->idx = s->cur % n;
	snprintf(p->node, sizeof(p->node), "%s:%d", nd->host, nd->port);
	s->probe = p;
	after(s->deadline, ASK_MS);
}

static void
ask_start(struct sentinel *s)
{
	evtimer_del(s->poll);
	s->tried = 0;
	s->cur = s->first;
	s->answered = false;
	s->why[0] = '\0';
	event_active(s->step, EV_TIMEOUT, 0);
}

int
sentinel_ask(struct sentinel *s, sentinel_master_cb *cb, void *arg)
{
	if (s->cb != NULL || s->closing)
		return -1;
	s->cb = cb;
	s->cb_arg = arg;
	if (!s->polling && s->probe == NULL)
		ask_start(s); /* else it joins the poll's question */
	return 0;
}

static void
poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sentinel *s = arg;

	(void)fd;
	(void)what;
	if (s->cb != NULL || s->polling)
		return;
	s->polling = true;
	ask_start(s);
}

/* ---- the subscription ------------------------------------------------ */

static void
sub_again(struct sentinel *s)
{
	if (!s->closing)
		after(s->sub_retry, SUB_RETRY_MS);
}

/* "+switch-master": "<name> <old-ip> <old-port> <new-ip> <new-port>". */
static void
sub_message(struct sentinel *s, const char *text)
{
	char name[256], oldh[256], newh[256];
	int oldp, newp;

	if (sscanf(text, "%255s %255s %d %255s %d", name, oldh, &oldp, newh,
		   &newp) != 5 ||
	    strcmp(name, s->name) != 0)
		return;
	log_event(NULL, NULL, "redis_switch_master",
		  "redis: the sentinels moved the master \"%s\" from %s:%d to "
		  "%s:%d",
		  name, oldh, oldp, newh, newp);
	s->moved(newh, newp, NULL, s->moved_arg);
}

static void
sub_reply(redisAsyncContext *ac, void *r, void *priv)
{
	const redisReply *reply = r;
	struct sub *u = priv;
	struct sentinel *s = u->s;
	const char *kind;

	(void)ac;
	if (reply == NULL) { /* the connection went: this is the end */
		if (s != NULL) {
			s->sub = NULL;
			evtimer_del(s->sub_deadline);
			if (u->confirmed)
				log_warnx("redis: lost the sentinel %s, which "
					  "told of failovers; trying the next",
					  u->node);
			sub_again(s);
		}
		free(u);
		return;
	}
	if (s == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements != 3 ||
	    reply->element[0]->type != REDIS_REPLY_STRING)
		return;
	kind = reply->element[0]->str;
	if (strcmp(kind, "subscribe") == 0 && !u->confirmed) {
		u->confirmed = true;
		evtimer_del(s->sub_deadline);
		log_info("redis: following failovers of \"%s\" through the "
			 "sentinel %s",
			 s->name, u->node);
		/* A switch may have come while no one listened. */
		event_active(s->poll, EV_TIMEOUT, 0);
	} else if (strcmp(kind, "message") == 0 &&
		   reply->element[2]->type == REDIS_REPLY_STRING) {
		sub_message(s, reply->element[2]->str);
	}
}

/* AUTH's answer on the subscription's connection. Refused, the
 * SUBSCRIBE after it is answered NOAUTH, on which hiredis closes the
 * connection: sub_reply() hears NULL and tries the next sentinel. */
static void
sub_auth(redisAsyncContext *ac, void *r, void *priv)
{
	struct sub *u = priv;
	char why[REFUSED_MAX];

	(void)ac;
	if (u->s != NULL && r != NULL)
		auth_read(u->s, u->idx, u->node, r, why, sizeof(why));
}

static void
sub_drop(struct sentinel *s)
{
	struct sub *u = s->sub;

	if (u == NULL)
		return;
	s->sub = NULL;
	u->s = NULL;
	if (u->open != NULL) { /* not connected yet: no callback frees u */
		redis_open_cancel(u->open);
		free(u);
		return;
	}
	redisAsyncFree(u->ac); /* its callback runs with NULL: frees u */
}

static void
sub_late(evutil_socket_t fd, short what, void *arg)
{
	struct sentinel *s = arg;

	(void)fd;
	(void)what;
	if (s->sub != NULL && !s->sub->confirmed) {
		log_debug("redis: sentinel %s did not confirm the subscription "
			  "within %d ms",
			  s->sub->node, ASK_MS);
		sub_drop(s);
		sub_again(s);
	}
}

/* The sentinel is looked up, and connecting: subscribe. */
static void
sub_opened(redisAsyncContext *ac, const char *addr, const char *err, void *arg)
{
	struct sub *u = arg;
	struct sentinel *s = u->s;

	(void)addr;
	u->open = NULL;
	if (ac != NULL) {
		redisEnableKeepAlive(&ac->c);
		u->ac = ac;
		if (auth_then(ac, s->d->conf, sub_auth, sub_reply, u,
			      "SUBSCRIBE +switch-master", NULL) == REDIS_OK)
			return;
		u->s = NULL;
		redisAsyncFree(ac);
		err = "cannot subscribe";
	}
	log_debug("redis: sentinel %s: %s", u->node, err);
	s->sub = NULL;
	evtimer_del(s->sub_deadline);
	free(u);
	sub_again(s);
}

static void
sub_start(struct sentinel *s)
{
	size_t n;
	const struct config_node *nd = node(s, s->sub_next++, &n);
	struct sub *u;

	if (s->closing || s->sub != NULL || nd == NULL)
		return;
	if ((u = calloc(1, sizeof(*u))) == NULL ||
	    (u->open = redis_open(s->d, nd->host, nd->port, 0, sub_opened,
				  u)) == NULL) {
		free(u);
		sub_again(s);
		return;
	}
	u->s = s;
	u->idx = (s->sub_next - 1) % n;
	snprintf(u->node, sizeof(u->node), "%s:%d", nd->host, nd->port);
	s->sub = u;
	after(s->sub_deadline, ASK_MS);
}

static void
sub_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sub_start(arg);
}

/* ---- life ------------------------------------------------------------ */

struct sentinel *
sentinel_new(struct mashd *d, sentinel_master_cb *moved, void *arg)
{
	struct sentinel *s = calloc(1, sizeof(*s));

	if (s == NULL)
		fatalx("sentinel_new: out of memory");
	s->d = d;
	s->nnodes = d->conf->redis.nsentinels;
	if ((s->nodes = calloc(s->nnodes, sizeof(*s->nodes))) == NULL)
		fatalx("sentinel_new: out of memory");
	if ((s->told = calloc(s->nnodes + 1, sizeof(*s->told))) == NULL)
		fatalx("sentinel_new: out of memory");
	memcpy(s->nodes, d->conf->redis.sentinels,
	       s->nnodes * sizeof(*s->nodes));
	snprintf(s->name, sizeof(s->name), "%s", d->conf->redis.master_name);
	s->moved = moved;
	s->moved_arg = arg;
	s->step = event_new(d->base, -1, 0, probe_step, s);
	s->deadline = evtimer_new(d->base, probe_late, s);
	s->poll = evtimer_new(d->base, poll_cb, s);
	s->sub_retry = evtimer_new(d->base, sub_retry_cb, s);
	s->sub_deadline = evtimer_new(d->base, sub_late, s);
	if (s->step == NULL || s->deadline == NULL || s->poll == NULL ||
	    s->sub_retry == NULL || s->sub_deadline == NULL)
		fatalx("sentinel_new: out of memory");
	sub_start(s);
	return s;
}

void
sentinel_free(struct sentinel *s)
{
	struct probe *p;

	if (s == NULL)
		return;
	s->closing = true;
	if ((p = s->probe) != NULL) {
		s->probe = NULL;
		p->s = NULL;
		if (p->open != NULL) {
			redis_open_cancel(p->open);
			free(p);
		} else {
			redisAsyncFree(p->ac);
		}
	}
	sub_drop(s);
	if (s->cb != NULL || s->polling)
		ask_end(s, NULL, 0, "mashd is stopping");
	event_free(s->step);
	event_free(s->deadline);
	event_free(s->poll);
	event_free(s->sub_retry);
	event_free(s->sub_deadline);
	free(s->nodes);
	free(s->told);
	free(s);
}

void
sentinel_distrust(struct sentinel *s)
{
	s->first = s->nnodes ? (s->first + 1) % s->nnodes : 0;
}

const char *
sentinel_last(const struct sentinel *s)
{
	return s->last;
}
