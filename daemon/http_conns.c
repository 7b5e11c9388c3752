/*
 * http_conns.c owns the connections of the HTTP listener; see
 * http_conns.h. It bounds what clients may hold: at most
 * http.max_connections connections (at the cap the listener stops
 * accepting until one closes; the others wait in the kernel's queue,
 * costing mashd nothing), each request whole within http.request_timeout
 * of its start (a client sending a byte a second is closed), and accept()
 * failing for want of descriptors pauses the listener instead of spinning
 * on it. It also holds each reply (lifecycle.h) until it is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/resource.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "mash/config.h"

#include "http_conns.h"
#include "lifecycle.h"
#include "log.h"
#include "tls.h"

/* Descriptors never given to HTTP clients: Redis, the control socket and
 * its clients, the spool, alert deliveries, the log. */
#define HTTP_FD_RESERVE 128
/* The kernel's queue of connections not yet accepted (as nginx's). */
#define HTTP_BACKLOG 511
/* How long accepting pauses when accept() finds no descriptor. */
#define HTTP_ACCEPT_PAUSE_MS 250
/* At most one warning this often about clients held off or closed. */
#define HTTP_WARN_EVERY_SEC 60

/*
 * A request holds a reply (lifecycle.h) from dispatch until the last
 * byte of its reply is written or its connection closes, so a stop never
 * exits with a reply half-sent. evhttp reports the first through the
 * request's on-complete callback, the second through the connection's
 * close callback; a client that left before its reply has no connection
 * when the reply is sent, and its close callback counted it already.
 */
struct sending {
	LIST_ENTRY(sending) entry; /* in h->sending */
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
};

/*
 * One accepted connection, from accept until its close callback. Its
 * deadline runs while a request is being read: from accept, and again
 * from the end of each reply on a kept-alive connection; it is stopped
 * while mashd holds a dispatched request, so it never frees one.
 *
 * libevent 2.1 tells nothing when evhttp accepts (evhttp_set_newreqcb
 * came in 2.2); it only asks us for the connection's bufferevent. So the
 * connection is counted there, and is "attached" (its evhttp_connection
 * found from the bufferevent's callback argument, which evhttp sets to
 * it, and its close callback set) from an event run before the loop next
 * polls, i.e. before any byte of it is read. Until then we hold a
 * reference on the bufferevent, so one evhttp freed at once is seen.
 */
struct conn {
	LIST_ENTRY(conn) entry; /* in h->pending or h->conns, when linked */
	bool linked;
	struct http_conns *h;
	struct bufferevent *bev;	 /* referenced until attached */
	struct evhttp_connection *evcon; /* NULL until attached */
	struct event *deadline;
};

LIST_HEAD(conn_list, conn);

struct http_conns {
	LIST_ENTRY(http_conns) all; /* in all_conns, when listed */
	bool listed;
	struct mashd *d;
	struct evhttp *evh;
	struct evhttp_bound_socket *sock;
	struct evconnlistener *listener; /* NULL once stopped */
	LIST_HEAD(, sending) sending;	 /* dispatched, reply not all written */
	struct conn_list pending;	 /* accepted, not yet attached */
	struct conn_list conns;		 /* attached */
	struct event *attach_ev;
	struct event *resume_ev; /* ends a pause for want of descriptors */
	struct event *warn_ev;	 /* the next warning's earliest instant */
	unsigned nconns;
	unsigned max_conns;
	struct timeval request_timeout;
	bool accepting; /* the listener is enabled */
	bool paused;	/* for want of descriptors, until resume_ev */
	/* Since the last warning: */
	unsigned long n_full;	 /* times accepting stopped at the cap */
	unsigned long n_nofd;	 /* accept() failures */
	unsigned long n_expired; /* connections closed at request_timeout */
	int last_errno;		 /* of the last accept() failure */
};

/* accept()'s error callback is given evhttp's argument, not ours. */
static LIST_HEAD(, http_conns) all_conns = LIST_HEAD_INITIALIZER(all_conns);

static void
http_warn(struct http_conns *h)
{
	static const struct timeval every = {HTTP_WARN_EVERY_SEC, 0};

	if (evtimer_pending(h->warn_ev, NULL))
		return; /* said within the minute: warn_ev says the rest */
	if (h->n_full == 0 && h->n_nofd == 0 && h->n_expired == 0)
		return;
	log_warnx("http: %u connection(s) open, http.max_connections is %u; "
		  "since the last warning, accepting stopped %lu time(s) at "
		  "the cap, paused %lu time(s) for want of descriptors%s%s, "
		  "and %lu connection(s) were closed for not sending a whole "
		  "request within http.request_timeout (%ld s)",
		  h->nconns, h->max_conns, h->n_full, h->n_nofd,
		  h->n_nofd ? ": " : "",
		  h->n_nofd ? strerror(h->last_errno) : "", h->n_expired,
		  (long)h->request_timeout.tv_sec);
	h->n_full = h->n_nofd = h->n_expired = 0;
	evtimer_add(h->warn_ev, &every);
}

static void
warn_due(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	http_warn(arg);
}

/* Accept exactly while there is a free slot and no pause. */
static void
listener_update(struct http_conns *h)
{
	bool want = !h->paused && h->nconns < h->max_conns;

	if (h->listener == NULL || want == h->accepting)
		return;
	if (want) {
		evconnlistener_enable(h->listener);
	} else {
		evconnlistener_disable(h->listener);
		if (!h->paused)
			h->n_full++;
		http_warn(h);
	}
	h->accepting = want;
}

static void
accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct http_conns *h = arg;

	(void)fd;
	(void)what;
	h->paused = false;
	listener_update(h);
}

/* accept() failed for another reason than a client's (EMFILE, ENFILE,
 * ENOBUFS...): retrying at once would spin, so pause. */
static void
accept_failed(struct evconnlistener *lev, void *arg)
{
	static const struct timeval pause = {0, HTTP_ACCEPT_PAUSE_MS * 1000};
	int err = EVUTIL_SOCKET_ERROR();
	struct http_conns *h;

	(void)arg;
	LIST_FOREACH(h, &all_conns, all)
	{
		if (h->listener == lev)
			break;
	}
	if (h == NULL) {
		evconnlistener_disable(lev);
		return;
	}
	h->last_errno = err;
	h->n_nofd++;
	h->paused = true;
	listener_update(h);
	evtimer_add(h->resume_ev, &pause);
}

static void
conn_unlink(struct conn *c)
{
	if (c->linked)
		LIST_REMOVE(c, entry);
	c->linked = false;
}

static void
conn_link(struct conn_list *head, struct conn *c)
{
	LIST_INSERT_HEAD(head, c, entry);
	c->linked = true;
}

static void
conn_drop(struct conn *c)
{
	struct http_conns *h = c->h;

	conn_unlink(c);
	event_free(c->deadline);
	free(c);
	h->nconns--;
	listener_update(h);
}

static struct conn *
conn_find(struct http_conns *h, struct evhttp_connection *evcon)
{
	struct conn *c;

	LIST_FOREACH(c, &h->conns, entry)
	{
		if (c->evcon == evcon)
			break;
	}
	return c;
}

/* A request not whole by its deadline: close its connection. */
static void
conn_expired(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct http_conns *h = c->h;

	(void)fd;
	(void)what;
	if (c->evcon == NULL)
		return;
	h->n_expired++;
	evhttp_connection_free(c->evcon); /* its close callback drops c */
	http_warn(h);
}

/* evhttp's bufferevent callback: a connection was just accepted. */
static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
	struct http_conns *h = arg;
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL; /* evhttp makes its own: not counted */
	c->h = h;
	/* Over TLS the handshake is part of the request: the deadline below
	 * bounds a client that stalls in it too. */
	c->bev = tls_server_bev(h->d->tls, base);
	c->deadline = evtimer_new(base, conn_expired, c);
	if (c->bev == NULL || c->deadline == NULL) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		if (c->deadline != NULL)
			event_free(c->deadline);
		free(c);
		return NULL;
	}
	bufferevent_incref(c->bev);
	conn_link(&h->pending, c);
	h->nconns++;
	evtimer_add(c->deadline, &h->request_timeout);
	event_active(h->attach_ev, EV_TIMEOUT, 0);
	listener_update(h); /* at the cap, accept()'s loop stops here */
	return c->bev;
}

static void conn_closed(struct evhttp_connection *evcon, void *arg);

static void
conns_attach(evutil_socket_t fd, short what, void *arg)
{
	struct http_conns *h = arg;
	struct conn *c;

	(void)fd;
	(void)what;
	while ((c = LIST_FIRST(&h->pending)) != NULL) {
		void *evcon = NULL;

		conn_unlink(c);
		bufferevent_getcb(c->bev, NULL, NULL, NULL, &evcon);
		if (evcon != NULL &&
		    evhttp_connection_get_bufferevent(evcon) != c->bev)
			evcon = NULL;
		/* evhttp freed it already, or will from now on. */
		bufferevent_decref(c->bev);
		c->bev = NULL;
		if (evcon == NULL) {
			conn_drop(c);
			continue;
		}
		c->evcon = evcon;
		conn_link(&h->conns, c);
		evhttp_connection_set_closecb(c->evcon, conn_closed, c);
	}
}

static void
sending_done(struct http_conns *h, struct sending *s)
{
	LIST_REMOVE(s, entry);
	free(s);
	lifecycle_release_reply(h->d->life);
}

static void
reply_written(struct evhttp_request *req, void *arg)
{
	struct http_conns *h = arg;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct sending *s;
	struct conn *c;

	/* Kept alive, the next request has its own whole timeout; closed,
	 * the close callback frees the deadline. */
	if (evcon != NULL && (c = conn_find(h, evcon)) != NULL)
		evtimer_add(c->deadline, &h->request_timeout);
	LIST_FOREACH(s, &h->sending, entry)
	{
		if (s->req == req) {
			sending_done(h, s);
			return;
		}
	}
}

static void
sending_closed(struct http_conns *h, struct evhttp_connection *evcon)
{
	struct sending *s, *next;

	for (s = LIST_FIRST(&h->sending); s != NULL; s = next) {
		next = LIST_NEXT(s, entry);
		if (s->evcon == evcon)
			sending_done(h, s);
	}
}

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct conn *c = arg;

	sending_closed(c->h, evcon);
	conn_drop(c);
}

/* The close of a connection conn_new() could not count (no memory). */
static void
untracked_closed(struct evhttp_connection *evcon, void *arg)
{
	sending_closed(arg, evcon);
}

void
http_conns_track(struct http_conns *h, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct sending *s;
	struct conn *c;

	if (evcon == NULL)
		return;
	if ((c = conn_find(h, evcon)) != NULL)
		evtimer_del(c->deadline);
	else
		evhttp_connection_set_closecb(evcon, untracked_closed, h);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return;
	s->req = req;
	s->evcon = evcon;
	LIST_INSERT_HEAD(&h->sending, s, entry);
	evhttp_request_set_on_complete_cb(req, reply_written, h);
	lifecycle_hold_reply(h->d->life);
}

/*
 * The connections HTTP may hold: http.max_connections, unless the
 * descriptor limit leaves fewer once HTTP_FD_RESERVE are kept back.
 */
static unsigned
http_max_conns(const struct mash_config *c)
{
	struct rlimit rl;
	rlim_t avail;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return (unsigned)c->http.max_connections;
	avail = rl.rlim_cur > 2 * HTTP_FD_RESERVE
		    ? rl.rlim_cur - HTTP_FD_RESERVE
		    : rl.rlim_cur / 2;
	if (avail < 1)
		avail = 1;
	if ((rlim_t)c->http.max_connections <= avail)
		return (unsigned)c->http.max_connections;
	log_warnx("http: http.max_connections %d leaves too few of the %llu "
		  "descriptors mashd may open for Redis, the control socket, "
		  "the spool and alerts; using %llu",
		  c->http.max_connections, (unsigned long long)rl.rlim_cur,
		  (unsigned long long)avail);
	return (unsigned)avail;
}

/* Our own listener, so that we can stop and resume accepting. */
static struct evconnlistener *
http_listen(struct mashd *d)
{
	const struct mash_config *c = d->conf;
	struct evutil_addrinfo hints, *ai = NULL;
	struct evconnlistener *lev;
	char port[16];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_PASSIVE;
	snprintf(port, sizeof(port), "%d", c->http.port);
	if ((rc = evutil_getaddrinfo(c->http.address, port, &hints, &ai)) !=
	    0) {
		log_warnx("http: http.address %s: %s", c->http.address,
			  evutil_gai_strerror(rc));
		return NULL;
	}
	lev = evconnlistener_new_bind(
	    d->base, NULL, NULL,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_CLOSE_ON_FREE |
		LEV_OPT_DISABLED,
	    HTTP_BACKLOG, ai->ai_addr, (int)ai->ai_addrlen);
	evutil_freeaddrinfo(ai);
	return lev;
}

/* Where it listens, as the kernel says (port 0 takes a free one). */
static void
log_listening(const struct http_conns *h)
{
	const struct mash_config *c = h->d->conf;
	struct sockaddr_storage ss;
	ev_socklen_t sl = sizeof(ss);
	char host[64] = "?";
	int port = c->http.port;
	evutil_socket_t fd = evhttp_bound_socket_get_fd(h->sock);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *sin = (void *)&ss;

			evutil_inet_ntop(AF_INET, &sin->sin_addr, host,
					 sizeof(host));
			port = ntohs(sin->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (void *)&ss;

			evutil_inet_ntop(AF_INET6, &s6->sin6_addr, host,
					 sizeof(host));
			port = ntohs(s6->sin6_port);
		}
	}
	log_info("http: listening on %s port %d%s", host, port,
		 c->http.tls_cert ? " (TLS)" : "");
	log_info("http: at most %u connection(s) at once, each "
		 "request whole within %d s",
		 h->max_conns, c->http.request_timeout);
}

struct http_conns *
http_conns_new(struct mashd *d, struct evhttp *evh)
{
	struct http_conns *h = calloc(1, sizeof(*h));
	const struct mash_config *c = d->conf;

	if (h == NULL) {
		log_warnx("http: out of memory");
		return NULL;
	}
	h->d = d;
	h->evh = evh;
	LIST_INIT(&h->sending);
	LIST_INIT(&h->pending);
	LIST_INIT(&h->conns);
	evhttp_set_bevcb(evh, conn_new, h);
	h->max_conns = http_max_conns(c);
	h->request_timeout.tv_sec = c->http.request_timeout;
	h->attach_ev = event_new(d->base, -1, 0, conns_attach, h);
	h->resume_ev = evtimer_new(d->base, accept_resume, h);
	h->warn_ev = evtimer_new(d->base, warn_due, h);
	if (h->attach_ev == NULL || h->resume_ev == NULL ||
	    h->warn_ev == NULL || (h->listener = http_listen(d)) == NULL ||
	    (h->sock = evhttp_bind_listener(evh, h->listener)) == NULL) {
		log_warn("http: cannot listen on %s:%d", c->http.address,
			 c->http.port);
		if (h->listener != NULL && h->sock == NULL)
			evconnlistener_free(h->listener);
		h->listener = NULL;
		h->evh = NULL; /* the caller's, still */
		http_conns_free(h);
		return NULL;
	}
	evconnlistener_set_error_cb(h->listener, accept_failed);
	LIST_INSERT_HEAD(&all_conns, h, all);
	h->listed = true;
	listener_update(h);
	log_listening(h);
	return h;
}

void
http_conns_stop(struct http_conns *h)
{
	if (h != NULL && h->sock != NULL) {
		evhttp_del_accept_socket(h->evh, h->sock); /* frees listener */
		h->sock = NULL;
		h->listener = NULL;
		evtimer_del(h->resume_ev);
	}
}

void
http_conns_free(struct http_conns *h)
{
	if (h == NULL)
		return;
	if (h->listed)
		LIST_REMOVE(h, all);
	h->listener = NULL; /* evhttp_free frees it */
	if (h->attach_ev != NULL)
		conns_attach(-1, 0, h); /* so each close is counted */
	if (h->evh != NULL)
		evhttp_free(h->evh); /* each connection's close empties
					h->sending and h->conns */
	while (!LIST_EMPTY(&h->sending))
		sending_done(h, LIST_FIRST(&h->sending));
	if (h->attach_ev != NULL)
		event_free(h->attach_ev);
	if (h->resume_ev != NULL)
		event_free(h->resume_ev);
	if (h->warn_ev != NULL)
		event_free(h->warn_ev);
	free(h);
}
