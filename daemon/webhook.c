/*
 * webhook.c owns the requests to webhooks; see webhook.h.
 *
 * Invariant: a post is in w->posts from its request until evhttp answers
 * it (or the client is freed); its callback runs exactly once.
 *
 * An https:// url is posted over TLS (tls.c): the certificate verified
 * against the webhook's ca_file or the system's CAs, its name against the
 * url's host. A handshake that fails is a failed delivery, with TLS's
 * reason; config_tls.c refuses a plain http:// url unless the webhook
 * says insecure.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tls.h"
#include "webhook.h"

struct post {
	struct webhooks *w;
	LIST_ENTRY(post) entry;
	struct evhttp_connection *evcon;
	webhook_done_cb *done;
	void *arg;
	bool tls;
};

struct webhooks {
	struct event_base *base;
	LIST_HEAD(, post) posts;
	struct tls_clients *tls; /* a TLS context per CA file */
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
	char why[256];

	/* The handshake's reason, before the connection is freed. */
	if (code == 0 && p->tls &&
	    tls_client_why(evhttp_connection_get_bufferevent(p->evcon), why,
			   sizeof(why)) == 0)
		code = -1;
	event_base_once(p->w->base, -1, EV_TIMEOUT, evcon_free, p->evcon, NULL);
	LIST_REMOVE(p, entry);
	free(p);
	if (code >= 200 && code < 300) {
		done(NULL, darg);
		return;
	}
	if (code == 0)
		snprintf(why, sizeof(why), "no answer (refused or timed out)");
	else if (code > 0)
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

/*
 * The connection for uri: over TLS for https://, the certificate checked
 * by ca_file or the system's CAs. NULL with the reason in why.
 */
static struct evhttp_connection *
post_connect(struct webhooks *w, const struct evhttp_uri *uri,
	     const char *ca_file, bool *tls, char *why, size_t len)
{
	const char *scheme = evhttp_uri_get_scheme(uri);
	const char *host = evhttp_uri_get_host(uri);
	struct evhttp_connection *evcon;
	struct bufferevent *bev;
	int port = evhttp_uri_get_port(uri);
	SSL_CTX *ctx;

	*tls = scheme != NULL && strcasecmp(scheme, "https") == 0;
	if (!*tls) {
		evcon = evhttp_connection_base_new(
		    w->base, NULL, host, (ev_uint16_t)(port > 0 ? port : 80));
		if (evcon == NULL)
			snprintf(why, len, "out of memory");
		return evcon;
	}
	if ((ctx = tls_clients_get(w->tls, ca_file, why, len)) == NULL)
		return NULL;
	bev = tls_client_bev(ctx, w->base, host);
	evcon = bev ? evhttp_connection_base_bufferevent_new(
			  w->base, NULL, bev, host,
			  (ev_uint16_t)(port > 0 ? port : 443))
		    : NULL;
	if (evcon == NULL) {
		if (bev != NULL)
			bufferevent_free(bev);
		snprintf(why, len, "cannot start TLS to %s", host);
	}
	return evcon;
}

static void
add_headers(struct evhttp_request *req, const char *host,
	    const struct webhook_post *hp)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	char sig[80];

	sign(hp->secret, hp->body, sig, sizeof(sig));
	evhttp_add_header(hdr, "Host", host);
	evhttp_add_header(hdr, "Content-Type", "application/json");
	evhttp_add_header(hdr, "X-Mash-Event", hp->event);
	evhttp_add_header(hdr, "X-Mash-Delivery", hp->delivery);
	evhttp_add_header(hdr, "X-Mash-Signature-256", sig);
	evbuffer_add(evhttp_request_get_output_buffer(req), hp->body,
		     strlen(hp->body));
}

void
webhooks_post(struct webhooks *w, const struct webhook_post *hp,
	      webhook_done_cb *done, void *arg)
{
	struct evhttp_uri *uri = evhttp_uri_parse(hp->url);
	struct evhttp_connection *evcon = NULL;
	struct evhttp_request *req;
	char path[1024], why[256] = "out of memory";
	const char *host, *query;
	struct post *p;
	bool tls = false;

	if (uri == NULL || (host = evhttp_uri_get_host(uri)) == NULL) {
		if (uri != NULL)
			evhttp_uri_free(uri);
		done("bad url", arg);
		return;
	}
	query = evhttp_uri_get_query(uri);
	snprintf(path, sizeof(path), "%s%s%s",
		 evhttp_uri_get_path(uri) && evhttp_uri_get_path(uri)[0]
		     ? evhttp_uri_get_path(uri)
		     : "/",
		 query ? "?" : "", query ? query : "");
	p = calloc(1, sizeof(*p));
	if (p != NULL)
		evcon =
		    post_connect(w, uri, hp->ca_file, &tls, why, sizeof(why));
	req = evcon ? evhttp_request_new(post_done, p) : NULL;
	if (req == NULL) {
		if (evcon != NULL)
			evhttp_connection_free(evcon);
		evhttp_uri_free(uri);
		free(p);
		done(why, arg);
		return;
	}
	evhttp_connection_set_timeout(evcon, hp->timeout);
	add_headers(req, host, hp);
	evhttp_uri_free(uri);
	p->w = w;
	p->evcon = evcon;
	p->done = done;
	p->arg = arg;
	p->tls = tls;
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
	if ((w->tls = tls_clients_new()) == NULL) {
		free(w);
		return NULL;
	}
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
	tls_clients_free(w->tls);
	free(w);
}
