/*
 * http_conns: the connections of mashd's HTTP listener, for http.c. It
 * listens on http.address and http.port, bounds the connections
 * (http.max_connections, http.request_timeout, descriptors) and holds a
 * reply (lifecycle.h) from a request's dispatch until its last byte is
 * written or its connection closes, so a stop never cuts one.
 */
#ifndef MASHD_HTTP_CONNS_H
#define MASHD_HTTP_CONNS_H

#include <event2/http.h>

#include "mashd.h"

struct http_conns;

/* evh's listener and connections; NULL with the reason logged (evh is
 * then still the caller's to free). */
struct http_conns *http_conns_new(struct mashd *d, struct evhttp *evh);
/* A request whole and dispatched: its deadline stops while it is ours,
 * and its reply is held until written. */
void http_conns_track(struct http_conns *h, struct evhttp_request *req);
/* Close the listening socket: a new connection is refused. */
void http_conns_stop(struct http_conns *h);
/* Frees evh too: each connection's close is counted first. */
void http_conns_free(struct http_conns *h);

#endif
