/*
 * redis_open.c owns making a hiredis connection by a host's name; see
 * redis_open.h. The store's connections, the sentinels' and the queue
 * notices' subscriber (through the store's address, always numeric) all
 * start here or from a numeric address, so no getaddrinfo(3) of hiredis
 * ever asks the DNS.
 */
#include <stdio.h>
#include <stdlib.h>

#include <hiredis/adapters/libevent.h>

#include "dns.h"
#include "redis_open.h"

struct redis_open {
	struct mashd *d;
	struct dns_lookup *lookup;
	int port;
	redis_open_cb *cb;
	void *arg;
};

static void
looked_up(const char *ip, const char *err, void *arg)
{
	struct redis_open *o = arg;
	redis_open_cb *cb = o->cb;
	void *cbarg = o->arg;
	redisAsyncContext *ac = NULL;
	char addr[96], why[320];

	if (ip != NULL) {
		snprintf(addr, sizeof(addr), "%s:%d", ip, o->port);
		ac = redisAsyncConnect(ip, o->port); /* numeric: no lookup */
		if (ac == NULL || ac->err ||
		    redisLibeventAttach(ac, o->d->base) != REDIS_OK) {
			snprintf(why, sizeof(why), "cannot connect to %s: %s",
				 addr,
				 ac && ac->err ? ac->errstr : "out of memory");
			if (ac != NULL)
				redisAsyncFree(ac);
			ac = NULL;
			err = why;
		}
	}
	free(o);
	cb(ac, ac != NULL ? addr : NULL, ac != NULL ? NULL : err, cbarg);
}

struct redis_open *
redis_open(struct mashd *d, const char *host, int port, int timeout_ms,
	   redis_open_cb *cb, void *arg)
{
	struct redis_open *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->d = d;
	o->port = port;
	o->cb = cb;
	o->arg = arg;
	o->lookup = dns_lookup(d->dns, host, timeout_ms, looked_up, o);
	if (o->lookup == NULL) {
		free(o);
		return NULL;
	}
	return o;
}

void
redis_open_cancel(struct redis_open *o)
{
	if (o == NULL)
		return;
	dns_cancel(o->lookup);
	free(o);
}
