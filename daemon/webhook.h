/*
 * webhook: the client that POSTs an alert's JSON to a webhook (an SMS or
 * chat gateway), on evhttp. The body is signed with HMAC-SHA256 of the
 * webhook's secret (X-Mash-Signature-256: sha256=<hex>); a 2xx answer is
 * delivered, anything else (or none within the timeout, or a TLS
 * handshake that fails) is a failure to retry.
 */
#ifndef MASHD_WEBHOOK_H
#define MASHD_WEBHOOK_H

#include <event2/event.h>

struct webhooks;

struct webhook_post {
	const char *url; /* https://, or http:// when allowed */
	const char
	    *ca_file; /* the CAs of an https:// url; NULL: the system's */
	const char *secret;
	int timeout; /* seconds */
	const char *body;
	const char *event;    /* X-Mash-Event */
	const char *delivery; /* X-Mash-Delivery: the alert's id */
};

/* err is NULL on a 2xx answer, else why not. */
typedef void webhook_done_cb(const char *err, void *arg);

struct dns;

/* Names are looked up by `dns`, the daemon's resolver (dns.h). */
struct webhooks *webhooks_new(struct event_base *base, struct dns *dns);
/* Drops every request under way: their callbacks are never called. */
void webhooks_free(struct webhooks *w);
/*
 * POST one body. `done` is called exactly once: at once when the request
 * cannot be made, else when it is answered or fails.
 */
void webhooks_post(struct webhooks *w, const struct webhook_post *post,
		   webhook_done_cb *done, void *arg);

#endif
