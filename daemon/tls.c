/*
 * tls.c owns mashd's use of OpenSSL; see tls.h. Both sides speak TLS 1.2
 * or later. The listener's context is built whole before it replaces the
 * running one, so a reload with a bad certificate changes nothing; each
 * SSL holds a reference on its context, so a connection open across a
 * reload keeps the one it started with.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls.h"

struct tls {
	SSL_CTX *ctx; /* NULL: plain HTTP */
};

/* What was wrong, in err, with OpenSSL's own words for it. */
static void
tls_fail(char *err, size_t errlen, const char *what, const char *path)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	snprintf(err, errlen, "%s: %s (OpenSSL: %s)", path, what,
		 r ? r : "no reason given");
	ERR_clear_error();
}

static SSL_CTX *
server_ctx(const struct mash_config *c, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		tls_fail(err, errlen, "no TLS context", "http.tls_cert");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, c->http.tls_cert) != 1) {
		tls_fail(err, errlen,
			 "not a PEM certificate (chain) mashd can read",
			 c->http.tls_cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, c->http.tls_key,
					SSL_FILETYPE_PEM) != 1) {
		tls_fail(err, errlen,
			 "not a PEM private key mashd can read, or not the "
			 "key of http.tls_cert",
			 c->http.tls_key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_fail(err, errlen, "not the key of http.tls_cert",
			 c->http.tls_key);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

struct tls *
tls_new(const struct mash_config *c, char *err, size_t errlen)
{
	struct tls *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		snprintf(err, errlen, "TLS: out of memory");
		return NULL;
	}
	if (tls_reload(t, c, err, errlen) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

int
tls_reload(struct tls *t, const struct mash_config *c, char *err, size_t errlen)
{
	SSL_CTX *ctx = NULL;

	if (c->http.tls_cert != NULL &&
	    (ctx = server_ctx(c, err, errlen)) == NULL)
		return -1;
	SSL_CTX_free(t->ctx); /* each SSL of it holds its own reference */
	t->ctx = ctx;
	return 0;
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

struct bufferevent *
tls_server_bev(struct tls *t, struct event_base *base)
{
	struct bufferevent *bev;
	SSL *ssl;

	if (t == NULL || t->ctx == NULL)
		return bufferevent_socket_new(base, -1, 0);
	if ((ssl = SSL_new(t->ctx)) == NULL)
		return NULL;
	/* Freeing it frees the SSL and closes the socket: evhttp then
	 * leaves the socket to it. */
	bev = bufferevent_openssl_socket_new(
	    base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

SSL_CTX *
tls_client_ctx(const char *ca_file, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int ok;

	if (ctx == NULL) {
		tls_fail(err, errlen, "no TLS context", "webhook");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	ok = ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
		     : SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		tls_fail(err, errlen, "cannot load these CAs",
			 ca_file ? ca_file : "the system's CAs");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* The name the certificate must carry: a DNS name, or an IP address. */
static int
expect_host(SSL *ssl, const char *host)
{
	unsigned char ip[16];

	if (inet_pton(AF_INET, host, ip) == 1 ||
	    inet_pton(AF_INET6, host, ip) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
						     host) == 1
			   ? 0
			   : -1;
	/* SNI, so a server of several names shows this one's. */
	if (SSL_set_tlsext_host_name(ssl, host) != 1 ||
	    SSL_set1_host(ssl, host) != 1)
		return -1;
	return 0;
}

struct bufferevent *
tls_client_bev(SSL_CTX *ctx, struct event_base *base, const char *host)
{
	struct bufferevent *bev;
	SSL *ssl = SSL_new(ctx);

	if (ssl == NULL)
		return NULL;
	if (expect_host(ssl, host) != 0) {
		SSL_free(ssl);
		return NULL;
	}
	bev = bufferevent_openssl_socket_new(
	    base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	/* Many servers close without TLS's close_notify once they have
	 * answered; the answer is whole by its Content-Length. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

int
tls_client_why(struct bufferevent *bev, char *why, size_t len)
{
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	unsigned long e, last = 0;
	long v;

	if (ssl == NULL)
		return -1;
	while ((e = bufferevent_get_openssl_error(bev)) != 0)
		last = e;
	v = SSL_get_verify_result(ssl);
	if (v != X509_V_OK) {
		snprintf(why, len,
			 "TLS handshake failed: certificate not "
			 "accepted: %s",
			 X509_verify_cert_error_string(v));
		return 0;
	}
	if (last == 0)
		return -1;
	snprintf(why, len, "TLS handshake failed: %s",
		 ERR_reason_error_string(last) ? ERR_reason_error_string(last)
					       : "unknown error");
	return 0;
}
