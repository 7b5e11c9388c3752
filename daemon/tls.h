/*
 * tls: mashd's TLS, on OpenSSL through libevent's bufferevent_openssl.
 * The server side is the intake listener's, when http.tls_cert and
 * http.tls_key are set; the client side is the webhooks': the peer's
 * certificate is verified against the system's CAs or a webhook's
 * ca_file, its name is checked against the url's host, and that host is
 * sent by SNI.
 */
#ifndef MASHD_TLS_H
#define MASHD_TLS_H

#include <stddef.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "mash/config.h"

struct tls;

/* The listener's TLS from c (off when c sets no certificate), or NULL
 * with the reason in err: a certificate or key that does not load. */
struct tls *tls_new(const struct mash_config *c, char *err, size_t errlen);
/* Read c's certificate and key again: 0, or -1 with err and t unchanged.
 * Connections open go on with the old; new ones get the new. */
int tls_reload(struct tls *t, const struct mash_config *c, char *err,
	       size_t errlen);
void tls_free(struct tls *t);
/* An accepted connection's bufferevent, for evhttp: TLS when it is on. */
struct bufferevent *tls_server_bev(struct tls *t, struct event_base *base);

/* The webhooks' client contexts, one per CA file, each made when first
 * needed and made again when its file changes. */
struct tls_clients;

struct tls_clients *tls_clients_new(void);
void tls_clients_free(struct tls_clients *tc);
/* The context trusting ca_file, or the system's CAs when NULL; tc keeps
 * it. NULL with the reason in err. */
SSL_CTX *tls_clients_get(struct tls_clients *tc, const char *ca_file, char *err,
			 size_t errlen);
/* A bufferevent that connects with TLS to host, verified by ctx. */
struct bufferevent *tls_client_bev(SSL_CTX *ctx, struct event_base *base,
				   const char *host);
/* Why bev's handshake failed, in why; 0, or -1 when TLS gave no reason. */
int tls_client_why(struct bufferevent *bev, char *why, size_t len);

#endif
