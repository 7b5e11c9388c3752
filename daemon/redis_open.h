/*
 * redis_open.h: a hiredis connection to a Redis node or sentinel, made
 * without blocking the loop (redis_open.c). hiredis 0.14 looks a host
 * name up with getaddrinfo(3), which waits on the DNS for as long as it
 * keeps silent; so the name is first looked up by the daemon's resolver
 * (dns.h) and hiredis is given the numeric address.
 */
#ifndef MASHD_REDIS_OPEN_H
#define MASHD_REDIS_OPEN_H

#include <hiredis/async.h>

#include "mashd.h"

struct redis_open;

/* `ac`, the context, attached to the loop, its connect under way, and
 * `addr`, where it connects ("127.0.0.1:6379"); or NULL and `err`, a
 * sentence that names the host. */
typedef void redis_open_cb(redisAsyncContext *ac, const char *addr,
			   const char *err, void *arg);

/*
 * Connect to host:port: cb runs exactly once, always later (never from
 * inside this call), unless redis_open_cancel() comes first. The lookup
 * is given up after timeout_ms (0: the caller's own deadline cancels
 * it). NULL when out of memory (cb not called).
 */
struct redis_open *redis_open(struct mashd *d, const char *host, int port,
			      int timeout_ms, redis_open_cb *cb, void *arg);
/* Its cb never runs. */
void redis_open_cancel(struct redis_open *o);

#endif
