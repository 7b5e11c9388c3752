/*
 * tls.c owns mashd's use of OpenSSL; see tls.h. Both sides speak TLS 1.2
 * or later. The listener's context is built whole before it replaces the
 * running one, so a reload with a bad certificate changes nothing; each
 * SSL holds a reference on its context, so a connection open across a
 * reload keeps the one it started with.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls.h"

/* At most this many CA files' contexts are kept; the oldest goes. */
#define TLS_CLIENTS_MAX 16

struct tls {
	SSL_CTX *ctx; /* NULL: plain HTTP */
};

/* A client context, and the CA file it was made from as it was then. */
struct client_ctx {
	char *ca_file; /* NULL: the system's CAs */
	struct stat st;
	SSL_CTX *ctx;
};

struct tls_clients {
	struct client_ctx c[TLS_CLIENTS_MAX];
	size_t n;
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

static SSL_CTX *
client_ctx(const char *ca_file, char *err, size_t errlen)
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

struct tls_clients *
tls_clients_new(void)
{
	return calloc(1, sizeof(struct tls_clients));
}

static void
client_drop(struct tls_clients *tc, size_t i)
{
	SSL_CTX_free(tc->c[i].ctx); /* each SSL holds its own reference */
	free(tc->c[i].ca_file);
	memmove(&tc->c[i], &tc->c[i + 1], (tc->n - i - 1) * sizeof(tc->c[0]));
	tc->n--;
}

void
tls_clients_free(struct tls_clients *tc)
{
	if (tc == NULL)
		return;
	while (tc->n > 0)
		client_drop(tc, tc->n - 1);
	free(tc);
}

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

SSL_CTX *
tls_clients_get(struct tls_clients *tc, const char *ca_file, char *err,
		size_t errlen)
{
	struct stat st;
	struct client_ctx *e;

	memset(&st, 0, sizeof(st));
	if (ca_file != NULL && stat(ca_file, &st) != 0) {
		snprintf(err, errlen, "%s: %s", ca_file, strerror(errno));
		return NULL;
	}
	for (size_t i = 0; i < tc->n; i++) {
		e = &tc->c[i];
		if ((ca_file == NULL) != (e->ca_file == NULL) ||
		    (ca_file != NULL && strcmp(ca_file, e->ca_file) != 0))
			continue;
		if (same_file(&st, &e->st))
			return e->ctx;
		client_drop(tc, i); /* the file changed: read it again */
		break;
	}
	if (tc->n == TLS_CLIENTS_MAX)
		client_drop(tc, 0);
	e = &tc->c[tc->n];
	memset(e, 0, sizeof(*e));
	if (ca_file != NULL && (e->ca_file = strdup(ca_file)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((e->ctx = client_ctx(ca_file, err, errlen)) == NULL) {
		free(e->ca_file);
		return NULL;
	}
	e->st = st;
	tc->n++;
	return e->ctx;
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
