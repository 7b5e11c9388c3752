/*
 * http: the HTTP intake channel (SPEC section 2: web and partner).
 * POST /v1/referrals, GET /v1/referrals/<id>, GET /healthz, on evhttp;
 * and GET /metrics for the sysadmin (metrics.h).
 */
#ifndef MASHD_HTTP_H
#define MASHD_HTTP_H

#include "mashd.h"

/* Bound to http.address:http.port, or NULL with the reason logged. */
struct http *http_new(struct mashd *d);
void http_free(struct http *h);
/* Stop accepting new connections (shutdown); in-flight ones finish. */
void http_stop_accepting(struct http *h);
/* A stop's grace is over: answer every request still waiting for Redis
 * now (lifecycle.h): a referral as intake_abandon() says, with 503 and
 * its idempotency key; a read with 503, mashd stopped. */
void http_abandon(struct http *h);

#endif
