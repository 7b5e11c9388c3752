/*
 * dns.h: the daemon's resolver, one for all of mashd (dns.c). A host
 * name is looked up by libevent's evdns, from /etc/resolv.conf and
 * /etc/hosts, never by getaddrinfo(3), which blocks the whole loop for
 * as long as a DNS server keeps silent. A numeric address, or a name in
 * /etc/hosts, is answered at once, but still later than the call.
 */
#ifndef MASHD_DNS_H
#define MASHD_DNS_H

#include <stdbool.h>

#include <event2/event.h>

struct dns;
struct dns_lookup;

/* `addr`, the host's first address as text ("127.0.0.1", "::1"), or NULL
 * and `err`, a sentence that names the host and says why. */
typedef void dns_done_cb(const char *addr, const char *err, void *arg);

/* NULL when out of memory. */
struct dns *dns_new(struct event_base *base);
/* After every lookup ended or was cancelled. */
void dns_free(struct dns *dns);
/* /etc/resolv.conf and /etc/hosts read again (SIGHUP): lookups from now
 * on ask the servers they name; those under way end on the old ones. -1
 * when out of memory (the old ones serve on). */
int dns_reload(struct dns *dns);
/*
 * Look `host` up for a TCP connection: cb runs exactly once, always from
 * the loop (never from inside this call), unless dns_cancel() comes
 * first. With timeout_ms > 0 the lookup is given up then, a failure "no
 * answer within ..."; with 0 it ends when evdns gives up (the caller's
 * own deadline cancels it). NULL when out of memory (cb not called).
 */
struct dns_lookup *dns_lookup(struct dns *dns, const char *host, int timeout_ms,
			      dns_done_cb *cb, void *arg);
/* The lookup ends unanswered: its cb never runs. */
void dns_cancel(struct dns_lookup *l);
/* host is an IPv4 or IPv6 address, which needs no lookup. */
bool dns_numeric(const char *host);

#endif
