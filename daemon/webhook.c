/*
 * webhook.c owns the requests to webhooks; see webhook.h.
 *
 * Invariant: a post is in w->posts from webhooks_post until it ends:
 * answered, failed, or out of time (alerts.timeout), or the client is
 * freed; its callback runs exactly once, except when the client is freed.
 *
 * An https:// url is posted over TLS (tls.c): the certificate verified
 * against the webhook's ca_file or the system's CAs, its name against the
 * url's host. A handshake that fails is a failed delivery, with TLS's
 * reason; config_tls.c refuses a plain http:// url unless the webhook
 * says insecure.
 *
 * A url's host name is looked up by the daemon's resolver (dns.c: evdns,
 * from /etc/resolv.conf and /etc/hosts), never by getaddrinfo(3), which
 * blocks:
 * a DNS server that does not answer would stop the whole loop, intake and
 * timers with it, for the resolver's timeout. The lookup is the post's
 * own, so that its deadline (alerts.timeout, which evhttp's timeout does
 * not count the lookup in) can cancel it: an attempt ends in time.
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

#include "dns.h"
#include "tls.h"
#include "webhook.h"

struct post {
	struct webhooks *w;
	LIST_ENTRY(post) entry;
	struct evhttp_request *req;	 /* made, and ours, until it is sent */
	struct dns_lookup *lookup;	 /* the host's, under way */
	struct evhttp_connection *evcon; /* once it is looked up */
	struct event *deadline;		 /* alerts.timeout */
	webhook_done_cb *done;
	void *arg;
	bool tls;
	bool sending; /* inside evhttp_make_request() */
	bool failed;  /* evhttp failed it there: why says why */
	int timeout;
	char why[320];
	char host[256];
	char port[12];
	char path[1024];
	char *ca_file; /* NULL: the system's CAs */
};

struct webhooks {
	struct event_base *base;
	struct dns *dns; /* the daemon's */
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

/* The post leaves the list with all it holds: its lookup cancelled, its
 * request unsent freed, its connection freed (now, or, from evhttp's own
 * callback, once that returns). Its callback is the caller's to call. */
static void
post_free(struct post *p, bool in_evhttp)
{
	LIST_REMOVE(p, entry);
	dns_cancel(p->lookup);
	if (p->req != NULL)
		evhttp_request_free(p->req);
	if (p->evcon != NULL && in_evhttp)
		event_base_once(p->w->base, -1, EV_TIMEOUT, evcon_free,
				p->evcon, NULL);
	else if (p->evcon != NULL)
		evhttp_connection_free(p->evcon);
	event_free(p->deadline);
	free(p->ca_file);
	free(p);
}

/* The post ends with err (NULL: delivered). */
static void
post_end(struct post *p, bool in_evhttp, const char *err)
{
	webhook_done_cb *done = p->done;
	void *darg = p->arg;
	char why[sizeof(p->why)];

	if (err != NULL) { /* it may be p's own */
		snprintf(why, sizeof(why), "%s", err);
		err = why;
	}
	post_free(p, in_evhttp);
	done(err, darg);
}

static void
post_done(struct evhttp_request *req, void *arg)
{
	struct post *p = arg;
	int code = req ? evhttp_request_get_response_code(req) : 0;
	char why[320];

	/* The handshake's reason, before the connection is freed. */
	if (code == 0 && p->tls &&
	    tls_client_why(evhttp_connection_get_bufferevent(p->evcon), why,
			   sizeof(why)) == 0)
		code = -1;
	if (code >= 200 && code < 300) {
		post_end(p, true, NULL);
		return;
	}
	if (code == 0)
		snprintf(why, sizeof(why),
			 "no answer (refused, unreachable or timed out)");
	else if (code > 0)
		snprintf(why, sizeof(why), "HTTP %d", code);
	/* A connect(2) that fails at once (no route, a firewall, no
	 * descriptor) fails the request inside evhttp_make_request(), which
	 * frees it after this returns: the post ends once that returns. */
	if (p->sending) {
		p->failed = true;
		snprintf(p->why, sizeof(p->why), "%s", why);
		return;
	}
	post_end(p, true, why);
}

/* The attempt's time is up, whatever it waits for. */
static void
post_expired(evutil_socket_t fd, short what, void *arg)
{
	struct post *p = arg;
	char why[96];

	(void)fd;
	(void)what;
	snprintf(why, sizeof(why),
		 "no answer within %d s (the name's lookup, the connection "
		 "or the answer)",
		 p->timeout);
	post_end(p, false, why);
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
 * The connection to addr (the host's address, as text), over TLS for
 * https://, the certificate checked by the post's CA file or the system's
 * CAs and its name against the host. NULL with the reason in why.
 */
static struct evhttp_connection *
post_connect(struct post *p, const char *addr, char *why, size_t len)
{
	struct webhooks *w = p->w;
	ev_uint16_t port = (ev_uint16_t)atoi(p->port);
	struct evhttp_connection *evcon;
	struct bufferevent *bev;
	SSL_CTX *ctx;

	if (!p->tls) {
		evcon = evhttp_connection_base_new(w->base, NULL, addr, port);
		if (evcon == NULL)
			snprintf(why, len, "out of memory");
		return evcon;
	}
	if ((ctx = tls_clients_get(w->tls, p->ca_file, why, len)) == NULL)
		return NULL;
	bev = tls_client_bev(ctx, w->base, p->host);
	evcon = bev ? evhttp_connection_base_bufferevent_new(w->base, NULL, bev,
							     addr, port)
		    : NULL;
	if (evcon == NULL) {
		if (bev != NULL)
			bufferevent_free(bev);
		snprintf(why, len, "cannot start TLS to %s", p->host);
	}
	return evcon;
}

/* The host is looked up: the request goes to its first address. */
static void
looked_up(const char *addr, const char *err, void *arg)
{
	struct post *p = arg;
	struct evhttp_request *req;
	char why[320];
	int sent;

	p->lookup = NULL;
	if (addr == NULL) {
		post_end(p, false, err);
		return;
	}
	if ((p->evcon = post_connect(p, addr, why, sizeof(why))) == NULL) {
		post_end(p, false, why);
		return;
	}
	evhttp_connection_set_timeout(p->evcon, p->timeout);
	req = p->req;
	p->req = NULL; /* evhttp's now, whatever it answers */
	p->sending = true;
	sent = evhttp_make_request(p->evcon, req, EVHTTP_REQ_POST, p->path);
	p->sending = false;
	if (sent != 0 || p->failed)
		post_end(p, true,
			 p->failed ? p->why : "cannot send the request");
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

/* The post of hp to uri, its request made, its deadline running; NULL
 * with the reason in why. */
static struct post *
post_new(struct webhooks *w, const struct evhttp_uri *uri,
	 const struct webhook_post *hp, char *why, size_t len)
{
	const char *scheme = evhttp_uri_get_scheme(uri);
	const char *host = evhttp_uri_get_host(uri);
	const char *path = evhttp_uri_get_path(uri);
	const char *query = evhttp_uri_get_query(uri);
	int port = evhttp_uri_get_port(uri);
	struct timeval tv = {hp->timeout, 0};
	struct post *p;

	if (strlen(host) >= sizeof(p->host)) {
		snprintf(why, len, "host name too long");
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (hp->ca_file != NULL &&
	     (p->ca_file = strdup(hp->ca_file)) == NULL) ||
	    (p->deadline = evtimer_new(w->base, post_expired, p)) == NULL ||
	    (p->req = evhttp_request_new(post_done, p)) == NULL) {
		snprintf(why, len, "out of memory");
		if (p != NULL && p->deadline != NULL)
			event_free(p->deadline);
		if (p != NULL)
			free(p->ca_file);
		free(p);
		return NULL;
	}
	p->w = w;
	p->tls = scheme != NULL && strcasecmp(scheme, "https") == 0;
	p->timeout = hp->timeout;
	snprintf(p->host, sizeof(p->host), "%s", host);
	snprintf(p->port, sizeof(p->port), "%d",
		 port > 0 ? port
		 : p->tls ? 443
			  : 80);
	snprintf(p->path, sizeof(p->path), "%s%s%s",
		 path && path[0] ? path : "/", query ? "?" : "",
		 query ? query : "");
	add_headers(p->req, host, hp);
	LIST_INSERT_HEAD(&w->posts, p, entry);
	evtimer_add(p->deadline, &tv);
	return p;
}

void
webhooks_post(struct webhooks *w, const struct webhook_post *hp,
	      webhook_done_cb *done, void *arg)
{
	struct evhttp_uri *uri = evhttp_uri_parse(hp->url);
	struct post *p;
	char why[320];

	if (uri == NULL || evhttp_uri_get_host(uri) == NULL) {
		if (uri != NULL)
			evhttp_uri_free(uri);
		done("bad url", arg);
		return;
	}
	p = post_new(w, uri, hp, why, sizeof(why));
	evhttp_uri_free(uri);
	if (p == NULL) {
		done(why, arg);
		return;
	}
	p->done = done;
	p->arg = arg;
	/* No deadline of the lookup's own: the post's cancels it. */
	if ((p->lookup = dns_lookup(w->dns, p->host, 0, looked_up, p)) == NULL)
		post_end(p, false, "out of memory");
}

struct webhooks *
webhooks_new(struct event_base *base, struct dns *dns)
{
	struct webhooks *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->base = base;
	w->dns = dns;
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
	while (!LIST_EMPTY(&w->posts))
		post_free(LIST_FIRST(&w->posts), false);
	tls_clients_free(w->tls);
	free(w);
}
