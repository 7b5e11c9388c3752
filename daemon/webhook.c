/*
 * webhook.c owns the requests to webhooks; see webhook.h.
 *
 * Invariant: a post is in w->posts from its request until evhttp answers
 * it (or the client is freed); its callback runs exactly once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "webhook.h"

struct post {
	struct webhooks *w;
	LIST_ENTRY(post) entry;
	struct evhttp_connection *evcon;
	webhook_done_cb *done;
	void *arg;
};

struct webhooks {
	struct event_base *base;
	LIST_HEAD(, post) posts;
};

/* A connection cannot be freed from its own request's callback. */
static void
evcon_free(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evhttp_connection_free(arg);
}

static void
post_done(struct evhttp_request *req, void *arg)
{
	struct post *p = arg;
	int code = req ? evhttp_request_get_response_code(req) : 0;
	webhook_done_cb *done = p->done;
	void *darg = p->arg;
	char why[64];

	event_base_once(p->w->base, -1, EV_TIMEOUT, evcon_free, p->evcon, NULL);
	LIST_REMOVE(p, entry);
	free(p);
	if (code >= 200 && code < 300) {
		done(NULL, darg);
		return;
	}
	if (code == 0)
		snprintf(why, sizeof(why), "no answer (refused or timed out)");
	else
		snprintf(why, sizeof(why), "HTTP %d", code);
	done(why, darg);
}

/* "sha256=" and the hex HMAC-SHA256 of the body under the secret. */
static void
sign(const char *secret, const char *body, char *sig, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	HMAC(EVP_sha256(), secret, (int)strlen(secret),
	     (const unsigned char *)body, strlen(body), md, &mdlen);
	snprintf(sig, len, "sha256=");
	for (unsigned i = 0; i < mdlen && 7 + 2 * i + 2 < len; i++)
		snprintf(sig + 7 + 2 * i, 3, "%02x", md[i]);
}

void
webhooks_post(struct webhooks *w, const struct webhook_post *hp,
	      webhook_done_cb *done, void *arg)
{
	struct evhttp_uri *uri = evhttp_uri_parse(hp->url);
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	struct evkeyvalq *hdr;
	char sig[80], path[1024];
	const char *host, *query;
	struct post *p;
	int port;

	if (uri == NULL || (host = evhttp_uri_get_host(uri)) == NULL) {
		if (uri != NULL)
			evhttp_uri_free(uri);
		done("bad url", arg);
		return;
	}
	port = evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri) : 80;
	query = evhttp_uri_get_query(uri);
	snprintf(path, sizeof(path), "%s%s%s",
		 evhttp_uri_get_path(uri) && evhttp_uri_get_path(uri)[0]
		     ? evhttp_uri_get_path(uri)
		     : "/",
		 query ? "?" : "", query ? query : "");
	sign(hp->secret, hp->body, sig, sizeof(sig));
	p = calloc(1, sizeof(*p));
	evcon = p ? evhttp_connection_base_new(w->base, NULL, host,
					       (ev_uint16_t)port)
		  : NULL;
	req = evcon ? evhttp_request_new(post_done, p) : NULL;
	if (req == NULL) {
		if (evcon != NULL)
			evhttp_connection_free(evcon);
		evhttp_uri_free(uri);
		free(p);
		done("out of memory", arg);
		return;
	}
	evhttp_connection_set_timeout(evcon, hp->timeout);
	hdr = evhttp_request_get_output_headers(req);
	evhttp_add_header(hdr, "Host", host);
	evhttp_add_header(hdr, "Content-Type", "application/json");
	evhttp_add_header(hdr, "X-Mash-Event", hp->event);
	evhttp_add_header(hdr, "X-Mash-Delivery", hp->delivery);
	evhttp_add_header(hdr, "X-Mash-Signature-256", sig);
	evbuffer_add(evhttp_request_get_output_buffer(req), hp->body,
		     strlen(hp->body));
	evhttp_uri_free(uri);
	p->w = w;
	p->evcon = evcon;
	p->done = done;
	p->arg = arg;
	LIST_INSERT_HEAD(&w->posts, p, entry);
	if (evhttp_make_request(evcon, req, EVHTTP_REQ_POST, path) != 0) {
		/* evhttp freed the request, without its callback. */
		LIST_REMOVE(p, entry);
		evhttp_connection_free(evcon);
		free(p);
		done("cannot send the request", arg);
	}
}

struct webhooks *
webhooks_new(struct event_base *base)
{
	struct webhooks *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->base = base;
	LIST_INIT(&w->posts);
	return w;
}

void
webhooks_free(struct webhooks *w)
{
	if (w == NULL)
		return;
	while (!LIST_EMPTY(&w->posts)) {
		struct post *p = LIST_FIRST(&w->posts);

		LIST_REMOVE(p, entry);
		evhttp_connection_free(p->evcon);
		free(p);
	}
	free(w);
}
