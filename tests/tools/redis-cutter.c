/*
 * redis-cutter: a TCP proxy for the integration tests that loses a reply
 * after Redis ran the command, or a request before Redis saw it, as a
 * dropped connection or a dead network does; on libevent like mashd.
 *
 * usage: redis-cutter PORTFILE UPSTREAM [-c|-h|-d|-w MARKER]...
 *
 * Listens on 127.0.0.1 (a port chosen by the kernel, written to PORTFILE)
 * and relays each connection to the Unix socket UPSTREAM (redis-server).
 * Each rule acts once, on the first request whose bytes hold its MARKER:
 *   -c  the request reaches Redis; as soon as Redis answers, both
 *       connections are closed and the answer is thrown away;
 *   -h  the same, then no new connection is answered until SIGUSR1: the
 *       kernel still completes a client's connect (the listen backlog),
 *       so Redis seems to hang rather than refuse; on SIGUSR1 the waiting
 *       connections are taken and relayed as any other;
 *   -d  the request is thrown away and both connections closed: Redis
 *       never sees it;
 *   -w  the request, and all that follows it on its connection, waits in
 *       the proxy until SIGUSR2, then goes on to Redis: Redis sees what
 *       other clients ask meanwhile first (something changed between
 *       two commands of one client).
 * Each prints "cut MARKER", "drop MARKER" or "held MARKER" on standard
 * output. Runs until killed.
 */
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#define MAX_RULES 16
#define MAX_MARKER 128

struct rule {
	char mode; /* 'c', 'h', 'd' or 'w' */
	const char *marker;
	bool used;
};

struct cutter {
	struct event_base *base;
	struct evconnlistener *lev;
	struct sockaddr_un up;
	struct rule rules[MAX_RULES];
	int nrules;
	struct pair *held; /* the connection a -w rule holds, until SIGUSR2 */
};

/* One relayed connection: the client's side and Redis's. */
struct pair {
	struct cutter *c;
	struct bufferevent *client, *redis;
	char
	    tail[MAX_MARKER]; /* the last bytes seen, for a marker cut in two */
	size_t ntail;
	struct rule *cut; /* its marked request went to Redis */
};

static void
pair_free(struct pair *p)
{
	if (p->c->held == p)
		p->c->held = NULL;
	bufferevent_free(p->client);
	bufferevent_free(p->redis);
	free(p);
}

/* The first unused rule whose marker occurs in the bytes seen so far,
 * across reads; or NULL. */
static struct rule *
marked(struct pair *p, struct evbuffer *in)
{
	struct cutter *c = p->c;
	size_t n = evbuffer_get_length(in), keep = MAX_MARKER - 1;
	size_t len = p->ntail + n;
	char *buf = malloc(len + 1);
	struct rule *r = NULL;

	if (buf == NULL)
		return NULL;
	memcpy(buf, p->tail, p->ntail);
	evbuffer_copyout(in, buf + p->ntail, n);
	for (int i = 0; r == NULL && i < c->nrules; i++)
		if (!c->rules[i].used &&
		    memmem(buf, len, c->rules[i].marker,
			   strlen(c->rules[i].marker)) != NULL)
			r = &c->rules[i];
	if (keep > len)
		keep = len;
	memcpy(p->tail, buf + len - keep, keep);
	p->ntail = keep;
	free(buf);
	if (r != NULL)
		r->used = true;
	return r;
}

static void
from_client(struct bufferevent *bev, void *arg)
{
	struct pair *p = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct rule *r;

	if (p->c->held == p)
		return; /* it waits in `in` */
	r = p->cut == NULL ? marked(p, in) : NULL;
	if (r != NULL && r->mode == 'w') {
		printf("held %s\n", r->marker);
		fflush(stdout);
		p->c->held = p;
		return;
	}
	if (r != NULL && r->mode == 'd') {
		printf("drop %s\n", r->marker);
		fflush(stdout);
		pair_free(p);
		return;
	}
	if (r != NULL)
		p->cut = r;
	bufferevent_write_buffer(p->redis, in);
}

static void
from_redis(struct bufferevent *bev, void *arg)
{
	struct pair *p = arg;
	struct cutter *c = p->c;
	struct rule *r = p->cut;

	if (r == NULL) {
		bufferevent_write_buffer(p->client, bufferevent_get_input(bev));
		return;
	}
	/* Redis ran it and answered: the answer is lost. */
	printf("cut %s\n", r->marker);
	fflush(stdout);
	pair_free(p);
	if (r->mode == 'h')
		evconnlistener_disable(c->lev);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct pair *p = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		pair_free(p);
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
	  int salen, void *arg)
{
	struct cutter *c = arg;
	struct pair *p = calloc(1, sizeof(*p));

	(void)lev;
	(void)sa;
	(void)salen;
	if (p == NULL) {
		evutil_closesocket(fd);
		return;
	}
	p->c = c;
	p->client = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
	p->redis = bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (p->client == NULL || p->redis == NULL ||
	    bufferevent_socket_connect(p->redis, (struct sockaddr *)&c->up,
				       sizeof(c->up)) != 0) {
		if (p->client == NULL)
			evutil_closesocket(fd);
		if (p->client != NULL)
			bufferevent_free(p->client);
		if (p->redis != NULL)
			bufferevent_free(p->redis);
		free(p);
		return;
	}
	bufferevent_setcb(p->client, from_client, NULL, on_event, p);
	bufferevent_setcb(p->redis, from_redis, NULL, on_event, p);
	bufferevent_enable(p->client, EV_READ | EV_WRITE);
	bufferevent_enable(p->redis, EV_READ | EV_WRITE);
}

static void
on_usr1(evutil_socket_t sig, short what, void *arg)
{
	struct cutter *c = arg;

	(void)sig;
	(void)what;
	evconnlistener_enable(c->lev);
}

static void
on_usr2(evutil_socket_t sig, short what, void *arg)
{
	struct cutter *c = arg;
	struct pair *p = c->held;

	(void)sig;
	(void)what;
	if (p == NULL)
		return;
	c->held = NULL;
	bufferevent_write_buffer(p->redis, bufferevent_get_input(p->client));
}

int
main(int argc, char **argv)
{
	struct cutter c;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct event *ev;
	char tmp[4200];
	FILE *f;

	memset(&c, 0, sizeof(c));
	if (argc < 3 || strlen(argv[2]) >= sizeof(c.up.sun_path))
		goto usage;
	for (int i = 3; i < argc; i += 2) {
		struct rule *r = &c.rules[c.nrules];

		if (i + 1 >= argc || ++c.nrules > MAX_RULES ||
		    strlen(argv[i]) != 2 || argv[i][0] != '-' ||
		    strchr("chdw", argv[i][1]) == NULL ||
		    argv[i + 1][0] == '\0' || strlen(argv[i + 1]) >= MAX_MARKER)
			goto usage;
		r->mode = argv[i][1];
		r->marker = argv[i + 1];
	}
	c.up.sun_family = AF_UNIX;
	snprintf(c.up.sun_path, sizeof(c.up.sun_path), "%s", argv[2]);
	signal(SIGPIPE, SIG_IGN);
	if ((c.base = event_base_new()) == NULL)
		return 1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c.lev = evconnlistener_new_bind(
	    c.base, on_accept, &c, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
	    16, (struct sockaddr *)&sin, sizeof(sin));
	if (c.lev == NULL || getsockname(evconnlistener_get_fd(c.lev),
					 (struct sockaddr *)&sin, &sl) != 0) {
		perror("redis-cutter: listen");
		return 1;
	}
	/* The port file appears whole, renamed into place. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	if ((f = fopen(tmp, "w")) == NULL) {
		perror(tmp);
		return 1;
	}
	fprintf(f, "%d\n", ntohs(sin.sin_port));
	fclose(f);
	rename(tmp, argv[1]);
	ev = evsignal_new(c.base, SIGUSR1, on_usr1, &c);
	evsignal_add(ev, NULL);
	ev = evsignal_new(c.base, SIGUSR2, on_usr2, &c);
	evsignal_add(ev, NULL);
	event_base_dispatch(c.base);
	return 0;
usage:
	fprintf(stderr, "usage: redis-cutter PORTFILE UPSTREAM "
			"[-c|-h|-d|-w MARKER]...\n");
	return 2;
}
