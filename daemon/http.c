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
 * What clients may hold (connections, the time a request may take to
 * arrive) is bounded by http_conns.c, which also holds each reply until it
 * is written.
 *
 * Every request that waits for Redis is in h->waiting until answered, so
 * that a stop whose grace is over answers it (http_abandon): a referral
 * with intake's answer (unknown, with its key), a read with 503.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "mash/config.h"
#include "mash/referral.h"
#include "mash/timeutil.h"
#include "mash/words.h"

#include "clock.h"
#include "http.h"
#include "http_conns.h"
#include "intake.h"
#include "lifecycle.h"
#include "log.h"
#include "metrics.h"
#include "store.h"

/* A request that waits for Redis: a read held (a stop waits for it)
 * until pending_end(), or a referral, which intake holds. */
struct get_pending {
	LIST_ENTRY(get_pending) entry; /* in h->waiting, until answered */
	struct http *h;
	struct evhttp_request *req;    /* NULL: answered by http_abandon */
	struct intake_pending *submit; /* a referral's: intake_abandon() */
};

struct http {
	struct mashd *d;
	struct evhttp *evh;
	struct http_conns *conns; /* the listener and its connections */
	LIST_HEAD(, get_pending) waiting;
};

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
	struct get_pending *g = arg;
	struct evhttp_request *req = g->req;
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *buf;
	char loc[64];

	LIST_REMOVE(g, entry);
	free(g);

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
	struct get_pending *g;
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
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		reply_not_stored(req, "out of memory");
	} else if (intake_submit(h->d, &it, submit_done, g, &g->submit) != 0) {
		free(g);
		reply_not_stored(req, store_refusal(h->d->store));
	} else {
		g->h = h;
		g->req = req;
		LIST_INSERT_HEAD(&h->waiting, g, entry);
	}
	json_decref(rec);
}

/* A read that waits for Redis: held until pending_end(). NULL, having
 * answered 503, when out of memory. */
static struct get_pending *
pending_new(struct http *h, struct evhttp_request *req)
{
	struct get_pending *g = calloc(1, sizeof(*g));

	if (g == NULL) {
		reply_unavailable(req, "out of memory");
		return NULL;
	}
	g->h = h;
	g->req = req;
	LIST_INSERT_HEAD(&h->waiting, g, entry);
	lifecycle_hold(h->d->life);
	return g;
}

/* The read is answered now, or was (by http_abandon). */
static void
pending_end(struct get_pending *g)
{
	if (g->req != NULL) {
		LIST_REMOVE(g, entry);
		lifecycle_release(g->h->d->life);
	}
	free(g);
}

/* What its referrer is told of a referral: once decided, the outcome,
 * what it means, the actions taken and when (issue 11, item 8). */
static json_t *
referral_status(const json_t *r, const char *id, const char *received)
{
	const char *outcome = json_string_value(json_object_get(r, "outcome"));
	const char *decided = json_string_value(json_object_get(r, "decided"));
	const char *actions = json_string_value(json_object_get(r, "actions"));
	char iso[MASH_TIME_BUFSZ];
	int o;
	json_t *j =
	    json_pack("{ss ss ss ss}", "id", id, "status",
		      json_string_value(json_object_get(r, "status")), "brag",
		      json_string_value(json_object_get(r, "brag")), "received",
		      received);

	if (j == NULL || outcome == NULL)
		return j;
	o = words_find(outcome_names, OUTCOME_COUNT, outcome);
	json_object_set_new(j, "outcome", json_string(outcome));
	if (o >= 0)
		json_object_set_new(j, "outcome_meaning",
				    json_string(outcome_meanings[o]));
	json_object_set_new(j, "actions", json_string(actions ? actions : ""));
	if (decided != NULL)
		json_object_set_new(j, "decided",
				    json_string(mash_time_format(
					strtoll(decided, NULL, 10), iso)));
	return j;
}

static void
get_done(const json_t *r, const char *err, void *arg)
{
	struct get_pending *g = arg;
	const char *id = json_string_value(json_object_get(r, "id"));
	const char *received =
	    json_string_value(json_object_get(r, "received"));
	char iso[MASH_TIME_BUFSZ];

	if (g->req == NULL) {
		/* answered by http_abandon */
	} else if (err != NULL) {
		reply_unavailable(g->req, "the referral store is unreachable");
	} else if (json_is_true(json_object_get(r, "damaged"))) {
		/* Not "unreachable" (a client would try again for ever). */
		/* The URI holds a reference mash_ref_valid() passed. */
		log_warnx("http: GET %s: the referral's record is damaged "
			  "(not a hash)",
			  evhttp_request_get_uri(g->req));
		reply_error(g->req, 500, "Internal Server Error",
			    "the referral's record is damaged and cannot be "
			    "read; ask the hub",
			    NULL);
	} else if (id == NULL || received == NULL) {
		reply_error(g->req, 404, "Not Found", "no such referral", NULL);
	} else {
		mash_time_format(strtoll(received, NULL, 10), iso);
		reply_json(g->req, 200, "OK", referral_status(r, id, iso));
	}
	pending_end(g);
}

static void
get_referral(struct http *h, struct evhttp_request *req, const char *id)
{
	const struct config_client *client = authenticate(h, req);
	struct get_pending *g;
	json_t *args;
	char actor[96];

	if (client == NULL) {
		unauthorized(req);
		return;
	}
	if (!mash_ref_valid(id)) {
		reply_error(req, 404, "Not Found", "no such referral", NULL);
		return;
	}
	if ((g = pending_new(h, req)) == NULL)
		return;
	snprintf(actor, sizeof(actor), "client:%s", client->name);
	args = json_pack("{ss ss ss sI}", "id", id, "client", client->name,
			 "actor", actor, "at", (json_int_t)clock_now_ms());
	if (store_call_json(h->d->store, SCRIPT_GET, args, get_done, g) != 0) {
		pending_end(g);
		reply_unavailable(req, "the referral store is unreachable");
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

	if (g->req == NULL) {
		/* answered by http_abandon */
	} else if (err != NULL) {
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
	pending_end(g);
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
	if ((g = pending_new(h, req)) == NULL)
		return;
	if (store_ping(h->d->store, HEALTHZ_PING_MS, healthz_done, g) != 0) {
		pending_end(g);
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
	if (g->req != NULL)
		reply_metrics(g->req, f);
	pending_end(g);
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
			LIST_INSERT_HEAD(&h->waiting, g, entry);
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

	http_conns_track(h->conns, req);
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
		if (cmd != EVHTTP_REQ_GET)
			method_not_allowed(req, "GET");
		else if (!metrics_authorized(
			     h->d->conf,
			     evhttp_find_header(
				 evhttp_request_get_input_headers(req),
				 "Authorization")))
			unauthorized(req);
		else
			get_metrics(h, req);
	} else {
		reply_error(req, 404, "Not Found", "no such resource", NULL);
	}
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
	LIST_INIT(&h->waiting);
	evhttp_set_max_body_size(h->evh, (ev_ssize_t)c->http.max_body);
	evhttp_set_max_headers_size(h->evh, 16384);
	evhttp_set_timeout(h->evh, 30);
	evhttp_set_allowed_methods(
	    h->evh, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
			EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
	evhttp_set_gencb(h->evh, dispatch, h);
	if ((h->conns = http_conns_new(d, h->evh)) == NULL) {
		evhttp_free(h->evh);
		free(h);
		return NULL;
	}
	return h;
}

void
http_stop_accepting(struct http *h)
{
	if (h != NULL)
		http_conns_stop(h->conns);
}

void
http_abandon(struct http *h)
{
	struct get_pending *g, *next;

	if (h == NULL)
		return;
	/* next taken first: intake answers a referral's (submit_done
	 * unlinks and frees g), whenever it does. */
	for (g = LIST_FIRST(&h->waiting); g != NULL; g = next) {
		next = LIST_NEXT(g, entry);
		evhttp_add_header(evhttp_request_get_output_headers(g->req),
				  "Connection", "close");
		if (g->submit != NULL) {
			intake_abandon(g->submit);
			continue;
		}
		reply_unavailable(g->req, "mashd stopped before the referral "
					  "store answered");
		LIST_REMOVE(g, entry);
		g->req = NULL; /* its callback only frees it */
		lifecycle_release(h->d->life);
	}
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	http_conns_free(h->conns); /* and h->evh */
	free(h);
}
