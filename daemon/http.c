/*
 * http.c owns the HTTP API. A referral is answered 201 only from the
 * callback of the one Lua call that stored it, so nothing is acknowledged
 * before Redis has it; every refusal (400, 401, 413, 415, 503) stores
 * nothing.
 *
 * evhttp keeps a request we have not answered alive even if its client
 * goes away (it detaches it and frees it when we reply), so answering from
 * a store callback is always safe.
 *
 * It also bounds what clients may hold: at most http.max_connections
 * connections (at the cap the listener stops accepting until one closes;
 * the others wait in the kernel's queue, costing mashd nothing), each
 * request whole within http.request_timeout of its start (a client
 * sending a byte a second is closed), and accept() failing for want of
 * descriptors pauses the listener instead of spinning on it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/resource.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>

#include "mash/config.h"
#include "mash/referral.h"
#include "mash/timeutil.h"

#include "clock.h"
#include "http.h"
#include "intake.h"
#include "lifecycle.h"
#include "log.h"
#include "metrics.h"
#include "store.h"

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
	struct http *h;
	struct bufferevent *bev;	 /* referenced until attached */
	struct evhttp_connection *evcon; /* NULL until attached */
	struct event *deadline;
};

LIST_HEAD(conn_list, conn);

struct http {
	LIST_ENTRY(http) all; /* in all_https, when listed */
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
static LIST_HEAD(, http) all_https = LIST_HEAD_INITIALIZER(all_https);

static void
http_warn(struct http *h)
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
listener_update(struct http *h)
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
	struct http *h = arg;

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
	struct http *h;

	(void)arg;
	LIST_FOREACH(h, &all_https, all)
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
	struct http *h = c->h;

	conn_unlink(c);
	event_free(c->deadline);
	free(c);
	h->nconns--;
	listener_update(h);
}

static struct conn *
conn_find(struct http *h, struct evhttp_connection *evcon)
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
	struct http *h = c->h;

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
	struct http *h = arg;
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL; /* evhttp makes its own: not counted */
	c->h = h;
	c->bev = bufferevent_socket_new(base, -1, 0);
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
	struct http *h = arg;
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
sending_done(struct http *h, struct sending *s)
{
	LIST_REMOVE(s, entry);
	free(s);
	lifecycle_release_reply(h->d->life);
}

static void
reply_written(struct evhttp_request *req, void *arg)
{
	struct http *h = arg;
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
sending_closed(struct http *h, struct evhttp_connection *evcon)
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

/* A request whole and dispatched: its deadline stops while it is ours. */
static void
track(struct http *h, struct evhttp_request *req)
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

static void
reply_json(struct evhttp_request *req, int code, const char *reason,
	   json_t *body)
{
	struct evbuffer *out = evbuffer_new();
	char *text = json_dumps(body, JSON_COMPACT);

	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "Content-Type", "application/json");
	if (out != NULL && text != NULL)
		evbuffer_add_printf(out, "%s\n", text);
	evhttp_send_reply(req, code, reason, out);
	free(text);
	if (out != NULL)
		evbuffer_free(out);
	json_decref(body);
}

static void
reply_error(struct evhttp_request *req, int code, const char *reason,
	    const char *msg, const char *field)
{
	json_t *o = json_pack("{ss}", "error", msg);

	if (field != NULL)
		json_object_set_new(o, "field", json_string(field));
	reply_json(req, code, reason, o);
}

/* 503 to a request that stores nothing (a read, /healthz): `why` it cannot
 * be served; it says nothing of storing, since there was nothing to store. */
static void
reply_unavailable(struct evhttp_request *req, const char *why)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s; try again", why);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After",
			  "5");
	reply_error(req, 503, "Service Unavailable", msg, NULL);
}

/* The client named by "Authorization: Bearer <token>", or NULL. */
static const struct config_client *
authenticate(struct http *h, struct evhttp_request *req)
{
	const char *auth = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Authorization");

	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
		return NULL;
	auth += 7;
	while (*auth == ' ')
		auth++;
	return config_client_by_token(h->d->conf, auth);
}

static void
unauthorized(struct evhttp_request *req)
{
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "WWW-Authenticate", "Bearer realm=\"mashd\"");
	reply_error(req, 401, "Unauthorized",
		    "a valid bearer token is required", NULL);
}

/* 503 with Retry-After: a referral not taken; `body` says what became
 * of it. */
static void
reply_503(struct evhttp_request *req, json_t *body)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After",
			  "5");
	reply_json(req, 503, "Service Unavailable", body);
}

/* A referral Redis does not have, and never will: `why`
 * (store_refusal(), or NULL for "the referral store is unreachable"). */
static void
reply_not_stored(struct evhttp_request *req, const char *why)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s; nothing was stored, try again",
		 why != NULL ? why : "the referral store is unreachable");
	reply_503(req,
		  json_pack("{ss ss}", "error", msg, "outcome", "not_stored"));
}

static void
submit_done(const struct intake_result *res, void *arg)
{
	struct evhttp_request *req = arg;
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *buf;
	char loc[64];

	switch (res->outcome) {
	case INTAKE_NOT_STORED: /* intake logged why */
		reply_503(req, json_pack("{ss ss}", "error", res->say,
					 "outcome", "not_stored"));
		return;
	case INTAKE_UNKNOWN:
		reply_503(req,
			  json_pack("{ss ss ss}", "error", res->say, "outcome",
				    "unknown", "idempotency_key", res->key));
		return;
	case INTAKE_CONFLICT:
		reply_error(req, 422, "Unprocessable Entity", res->say,
			    "Idempotency-Key");
		return;
	case INTAKE_STORED:
		break;
	}
	if (res->replayed)
		evhttp_add_header(out, "Idempotent-Replayed", "true");
	snprintf(loc, sizeof(loc), "/v1/referrals/%s", res->id);
	evhttp_add_header(out, "Location", loc);
	evhttp_add_header(out, "Content-Type", "application/json");
	if ((buf = evbuffer_new()) != NULL)
		evbuffer_add_printf(buf, "%s\n", res->answer);
	evhttp_send_reply(req, 201, "Created", buf);
	if (buf != NULL)
		evbuffer_free(buf);
}

static void
post_referral(struct http *h, struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evbuffer *buf = evhttp_request_get_input_buffer(req);
	const struct config_client *client = authenticate(h, req);
	const char *ctype = evhttp_find_header(in, "Content-Type");
	const char *idem = evhttp_find_header(in, "Idempotency-Key");
	size_t len = evbuffer_get_length(buf);
	struct referral_error rerr;
	struct intake it;
	char actor[96];
	int64_t now = clock_now_ms();
	json_t *rec;

	if (client == NULL) {
		unauthorized(req);
		return;
	}
	if (ctype != NULL && strncasecmp(ctype, "application/json", 16) != 0) {
		reply_error(req, 415, "Unsupported Media Type",
			    "the body must be application/json", NULL);
		return;
	}
	if (idem != NULL && !intake_idem_valid(idem)) {
		reply_error(req, 400, "Bad Request",
			    "Idempotency-Key must be 1 to 255 printable "
			    "characters",
			    NULL);
		return;
	}
	rec = referral_parse((const char *)evbuffer_pullup(buf, -1), len, now,
			     &rerr);
	if (rec == NULL) {
		/* The field's name only: its value may be personal data. */
		log_info("referral from client %s refused: %s", client->name,
			 rerr.field[0] ? rerr.field : "unreadable body");
		reply_error(req, 400, "Bad Request", rerr.message, rerr.field);
		return;
	}
	snprintf(actor, sizeof(actor), "client:%s", client->name);
	it.record = rec;
	it.channel = client->channel;
	it.client = client->name;
	it.actor = actor;
	it.idem = idem;
	it.now = now;
	if (intake_submit(h->d, &it, submit_done, req) != 0)
		reply_not_stored(req, store_refusal(h->d->store));
	json_decref(rec);
}

struct get_pending {
	struct http *h;
	struct evhttp_request *req;
};

static void
get_done(const json_t *r, const char *err, void *arg)
{
	struct get_pending *g = arg;
	const char *id = json_string_value(json_object_get(r, "id"));
	const char *received =
	    json_string_value(json_object_get(r, "received"));
	char iso[MASH_TIME_BUFSZ];

	if (err != NULL) {
		reply_unavailable(g->req, "the referral store is unreachable");
	} else if (id == NULL || received == NULL) {
		reply_error(g->req, 404, "Not Found", "no such referral", NULL);
	} else {
		mash_time_format(strtoll(received, NULL, 10), iso);
		reply_json(
		    g->req, 200, "OK",
		    json_pack("{ss ss ss ss}", "id", id, "status",
			      json_string_value(json_object_get(r, "status")),
			      "brag",
			      json_string_value(json_object_get(r, "brag")),
			      "received", iso));
	}
	lifecycle_release(g->h->d->life);
	free(g);
}

static void
get_referral(struct http *h, struct evhttp_request *req, const char *id)
{
	const struct config_client *client = authenticate(h, req);
	struct get_pending *g;
	char actor[96];

	if (client == NULL) {
		unauthorized(req);
		return;
	}
	if (!mash_ref_valid(id)) {
		reply_error(req, 404, "Not Found", "no such referral", NULL);
		return;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		reply_unavailable(req, "out of memory");
		return;
	}
	g->h = h;
	g->req = req;
	snprintf(actor, sizeof(actor), "client:%s", client->name);
	{
		json_t *args =
		    json_pack("{ss ss ss sI}", "id", id, "client", client->name,
			      "actor", actor, "at", (json_int_t)clock_now_ms());

		lifecycle_hold(h->d->life);
		if (store_call_json(h->d->store, SCRIPT_GET, args, get_done,
				    g) != 0) {
			lifecycle_release(h->d->life);
			free(g);
			reply_unavailable(req,
					  "the referral store is unreachable");
		}
	}
}

/*
 * GET /healthz: 200 only while referrals are taken: Redis is connected,
 * durable (or redis.allow_unsafe, with a warning) and answers a PING
 * within HEALTHZ_PING_MS. A hung Redis is 503 here long before
 * redis.timeout drops its connection.
 */
#define HEALTHZ_PING_MS 1000

static void
healthz_done(const char *err, void *arg)
{
	struct get_pending *g = arg;
	struct store *st = g->h->d->store;
	json_t *o;

	if (err != NULL) {
		reply_json(g->req, 503, "Service Unavailable",
			   json_pack("{ss ss}", "status",
				     "redis does not answer", "error", err));
	} else {
		o = json_pack("{ss}", "status", "ok");
		if (!store_durable(st))
			json_object_set_new(
			    o, "warning",
			    json_string("redis is not durable; referrals are "
					"taken only because redis.allow_unsafe "
					"is set"));
		reply_json(g->req, 200, "OK", o);
	}
	lifecycle_release(g->h->d->life);
	free(g);
}

static void
healthz(struct http *h, struct evhttp_request *req)
{
	const char *why = store_refusal(h->d->store);
	struct get_pending *g;

	if (why != NULL) {
		reply_json(req, 503, "Service Unavailable",
			   json_pack("{ss ss}", "status",
				     store_up(h->d->store)
					 ? "redis not durable"
					 : "redis unreachable",
				     "error", why));
		return;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		reply_unavailable(req, "out of memory");
		return;
	}
	g->h = h;
	g->req = req;
	lifecycle_hold(h->d->life);
	if (store_ping(h->d->store, HEALTHZ_PING_MS, healthz_done, g) != 0) {
		lifecycle_release(h->d->life);
		free(g);
		reply_json(req, 503, "Service Unavailable",
			   json_pack("{ss}", "status", "redis unreachable"));
	}
}

/* GET /metrics: Prometheus's text format; see metrics.h. */
static void
reply_metrics(struct evhttp_request *req, const struct figures *f)
{
	struct evbuffer *out = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "Content-Type",
			  "text/plain; version=0.0.4; charset=utf-8");
	if (out != NULL)
		metrics_prometheus(f, out);
	evhttp_send_reply(req, 200, "OK", out);
	if (out != NULL)
		evbuffer_free(out);
}

static void
metrics_done(const struct figures *f, const char *err, void *arg)
{
	struct get_pending *g = arg;

	(void)err; /* redis_up says it */
	reply_metrics(g->req, f);
	lifecycle_release(g->h->d->life);
	free(g);
}

static void
get_metrics(struct http *h, struct evhttp_request *req)
{
	struct get_pending *g = calloc(1, sizeof(*g));
	struct figures f;

	if (g != NULL) {
		g->h = h;
		g->req = req;
		/* Held once sent: the figures do not count their request. */
		if (metrics_collect(h->d, metrics_done, g) == 0) {
			lifecycle_hold(h->d->life);
			return;
		}
		free(g);
	}
	/* Redis is away: what mashd knows of itself, and redis_up 0. */
	metrics_local(h->d, &f);
	reply_metrics(req, &f);
}

static void
method_not_allowed(struct evhttp_request *req, const char *allow)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
			  allow);
	reply_error(req, 405, "Method Not Allowed",
		    "that method is not allowed here", NULL);
}

static void
dispatch(struct evhttp_request *req, void *arg)
{
	struct http *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	track(h, req);
	if (path == NULL) {
		reply_error(req, 400, "Bad Request", "bad request line", NULL);
	} else if (lifecycle_draining(h->d->life)) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "Connection", "close");
		if (cmd == EVHTTP_REQ_POST)
			reply_not_stored(req, "mashd is stopping");
		else
			reply_unavailable(req, "mashd is stopping");
	} else if (strcmp(path, "/v1/referrals") == 0) {
		if (cmd == EVHTTP_REQ_POST)
			post_referral(h, req);
		else
			method_not_allowed(req, "POST");
	} else if (strncmp(path, "/v1/referrals/", 14) == 0) {
		if (cmd == EVHTTP_REQ_GET)
			get_referral(h, req, path + 14);
		else
			method_not_allowed(req, "GET");
	} else if (strcmp(path, "/healthz") == 0) {
		if (cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD)
			healthz(h, req);
		else
			method_not_allowed(req, "GET");
	} else if (strcmp(path, "/metrics") == 0) {
		if (cmd == EVHTTP_REQ_GET)
			get_metrics(h, req);
		else
			method_not_allowed(req, "GET");
	} else {
		reply_error(req, 404, "Not Found", "no such resource", NULL);
	}
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

struct http *
http_new(struct mashd *d)
{
	struct http *h = calloc(1, sizeof(*h));
	const struct mash_config *c = d->conf;

	if (h == NULL || (h->evh = evhttp_new(d->base)) == NULL) {
		free(h);
		log_warnx("http: out of memory");
		return NULL;
	}
	h->d = d;
	LIST_INIT(&h->sending);
	LIST_INIT(&h->pending);
	LIST_INIT(&h->conns);
	evhttp_set_max_body_size(h->evh, (ev_ssize_t)c->http.max_body);
	evhttp_set_max_headers_size(h->evh, 16384);
	evhttp_set_timeout(h->evh, 30);
	evhttp_set_allowed_methods(
	    h->evh, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
			EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
	evhttp_set_gencb(h->evh, dispatch, h);
	evhttp_set_bevcb(h->evh, conn_new, h);
	h->max_conns = http_max_conns(c);
	h->request_timeout.tv_sec = c->http.request_timeout;
	h->attach_ev = event_new(d->base, -1, 0, conns_attach, h);
	h->resume_ev = evtimer_new(d->base, accept_resume, h);
	h->warn_ev = evtimer_new(d->base, warn_due, h);
	if (h->attach_ev == NULL || h->resume_ev == NULL ||
	    h->warn_ev == NULL || (h->listener = http_listen(d)) == NULL ||
	    (h->sock = evhttp_bind_listener(h->evh, h->listener)) == NULL) {
		log_warn("http: cannot listen on %s:%d", c->http.address,
			 c->http.port);
		if (h->listener != NULL && h->sock == NULL)
			evconnlistener_free(h->listener);
		h->listener = NULL;
		http_free(h);
		return NULL;
	}
	evconnlistener_set_error_cb(h->listener, accept_failed);
	LIST_INSERT_HEAD(&all_https, h, all);
	h->listed = true;
	listener_update(h);
	{
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
		log_info("http: listening on %s port %d", host, port);
		log_info("http: at most %u connection(s) at once, each "
			 "request whole within %d s",
			 h->max_conns, c->http.request_timeout);
	}
	return h;
}

void
http_stop_accepting(struct http *h)
{
	if (h != NULL && h->sock != NULL) {
		evhttp_del_accept_socket(h->evh, h->sock); /* frees listener */
		h->sock = NULL;
		h->listener = NULL;
		evtimer_del(h->resume_ev);
	}
}

void
http_free(struct http *h)
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
