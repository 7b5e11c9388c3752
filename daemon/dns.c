/*
 * dns.c owns the daemon's resolver; see dns.h. The webhooks' posts, the
 * store's connections and the sentinels' share its evdns_base: a new one
 * after each reload (struct resolver).
 *
 * Invariant: a lookup is freed exactly once: when its callback is run
 * (from l->ev), or by dns_cancel(). While evdns holds its request
 * (l->req), that request's callback has l as its argument; a request
 * cancelled answers EVUTIL_EAI_CANCEL, later, and that answer touches
 * nothing, since l may be gone.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/dns.h>
#include <event2/util.h>

#include "dns.h"
#include "log.h"

/* An evdns_base. A reload makes a new one; the one it replaces serves
 * the lookups begun on it, and is freed only with the daemon's: evdns
 * may still hold a callback of its own (a name server's probe, answered
 * from the loop) on it at any time, and no call says when none is left.
 * A reload costs a few kilobytes so. */
struct resolver {
	struct evdns_base *evdns;
	LIST_ENTRY(resolver) entry; /* in dns->retired */
};

struct dns {
	struct event_base *base;
	struct resolver *cur;
	LIST_HEAD(, resolver) retired;
};

struct dns_lookup {
	struct evdns_getaddrinfo_request *req; /* under way */
	struct event *ev; /* the deadline, then the answer's delivery */
	dns_done_cb *cb;
	void *arg;
	bool answered;
	int timeout_ms;
	char host[256];
	char addr[64]; /* "" when it failed */
	char err[384];
};

static struct resolver *
resolver_new(struct event_base *base)
{
	struct resolver *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	/* resolv.conf's servers and options, and /etc/hosts. evdns
	 * refuses a resolv.conf it finds no server in: then /etc/hosts
	 * alone, and a name not there is not found (at the deadline). */
	r->evdns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
					    EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (r->evdns == NULL &&
	    (r->evdns = evdns_base_new(
		 base, EVDNS_BASE_DISABLE_WHEN_INACTIVE)) != NULL) {
		log_warnx("dns: /etc/resolv.conf names no server mashd can "
			  "use: host names are looked up in /etc/hosts only");
		evdns_base_load_hosts(r->evdns, "/etc/hosts");
	}
	if (r->evdns == NULL) {
		free(r);
		return NULL;
	}
	/* A name's A and AAAA are asked at once; when one is answered the
	 * other is waited for 0.2 s at most (libevent's default, 3 s, is
	 * longer than a sentinel's question: a DNS that never answers AAAA
	 * left every sentinel named by a name unreached). Stuck lookups of
	 * webhooks' hosts must not queue Redis's behind them (64 in flight,
	 * libevent's default). */
	if (evdns_base_set_option(r->evdns, "getaddrinfo-allow-skew:", "0.2") !=
		0 ||
	    evdns_base_set_option(r->evdns, "max-inflight:", "4096") != 0) {
		evdns_base_free(r->evdns, 0);
		free(r);
		return NULL;
	}
	return r;
}

static void
resolver_free(struct resolver *r)
{
	evdns_base_free(r->evdns, 0);
	free(r);
}

struct dns *
dns_new(struct event_base *base)
{
	struct dns *dns = calloc(1, sizeof(*dns));

	if (dns == NULL)
		return NULL;
	dns->base = base;
	LIST_INIT(&dns->retired);
	if ((dns->cur = resolver_new(base)) == NULL) {
		free(dns);
		return NULL;
	}
	return dns;
}

int
dns_reload(struct dns *dns)
{
	struct resolver *r = resolver_new(dns->base);

	if (r == NULL)
		return -1;
	LIST_INSERT_HEAD(&dns->retired, dns->cur, entry);
	dns->cur = r;
	return 0;
}

void
dns_free(struct dns *dns)
{
	struct resolver *r;

	if (dns == NULL)
		return;
	while ((r = LIST_FIRST(&dns->retired)) != NULL) {
		LIST_REMOVE(r, entry);
		resolver_free(r);
	}
	resolver_free(dns->cur);
	free(dns);
}

/* The answer is in: it is delivered from the loop, at once. */
static void
answered(struct dns_lookup *l)
{
	l->answered = true;
	evtimer_del(l->ev);
	event_active(l->ev, EV_TIMEOUT, 0);
}

static void
got(int result, struct evutil_addrinfo *res, void *arg)
{
	struct dns_lookup *l = arg;
	const void *in = NULL;

	if (result == EVUTIL_EAI_CANCEL) /* l is gone */
		return;
	l->req = NULL;
	if (result == 0 && res != NULL)
		in = res->ai_family == AF_INET6
			 ? (const void *)&((struct sockaddr_in6 *)res->ai_addr)
			       ->sin6_addr
			 : (const void *)&((struct sockaddr_in *)res->ai_addr)
			       ->sin_addr;
	if (in == NULL || evutil_inet_ntop(res->ai_family, in, l->addr,
					   sizeof(l->addr)) == NULL) {
		l->addr[0] = '\0';
		snprintf(
		    l->err, sizeof(l->err), "cannot look up %s: %s", l->host,
		    result != 0 ? evutil_gai_strerror(result) : "no address");
	}
	if (res != NULL)
		evutil_freeaddrinfo(res);
	answered(l);
}

/* The answer, or the deadline: the caller hears it, and l goes. */
static void
fire(evutil_socket_t fd, short what, void *arg)
{
	struct dns_lookup *l = arg;
	dns_done_cb *cb = l->cb;
	void *cbarg = l->arg;
	char addr[sizeof(l->addr)], err[sizeof(l->err)];

	(void)fd;
	(void)what;
	if (!l->answered) {
		if (l->req != NULL) /* its callback sees EVUTIL_EAI_CANCEL */
			evdns_getaddrinfo_cancel(l->req);
		l->addr[0] = '\0';
		snprintf(l->err, sizeof(l->err),
			 "cannot look up %s: no answer from the DNS within "
			 "%d ms",
			 l->host, l->timeout_ms);
	}
	snprintf(addr, sizeof(addr), "%s", l->addr);
	snprintf(err, sizeof(err), "%s", l->err);
	event_free(l->ev);
	free(l);
	cb(addr[0] != '\0' ? addr : NULL, addr[0] != '\0' ? NULL : err, cbarg);
}

struct dns_lookup *
dns_lookup(struct dns *dns, const char *host, int timeout_ms, dns_done_cb *cb,
	   void *arg)
{
	struct dns_lookup *l = calloc(1, sizeof(*l));
	struct evdns_getaddrinfo_request *req;
	struct evutil_addrinfo hints;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};

	if (l == NULL || (l->ev = evtimer_new(dns->base, fire, l)) == NULL) {
		free(l);
		return NULL;
	}
	l->cb = cb;
	l->arg = arg;
	l->timeout_ms = timeout_ms;
	snprintf(l->host, sizeof(l->host), "%s", host);
	if (strlen(host) >= sizeof(l->host)) {
		snprintf(l->err, sizeof(l->err), "host name too long");
		answered(l);
		return l;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	/* A number, or a name in /etc/hosts, is answered at once: got()
	 * has run when this returns NULL. */
	req = evdns_getaddrinfo(dns->cur->evdns, l->host, NULL, &hints, got, l);
	if (l->answered)
		return l;
	if (req == NULL) {
		snprintf(l->err, sizeof(l->err), "cannot look up %s", l->host);
		answered(l);
		return l;
	}
	l->req = req;
	if (timeout_ms > 0)
		evtimer_add(l->ev, &tv);
	return l;
}

void
dns_cancel(struct dns_lookup *l)
{
	if (l == NULL)
		return;
	if (l->req != NULL) /* its callback sees EVUTIL_EAI_CANCEL */
		evdns_getaddrinfo_cancel(l->req);
	event_free(l->ev);
	free(l);
}

bool
dns_numeric(const char *host)
{
	unsigned char in[16];

	return evutil_inet_pton(AF_INET, host, in) == 1 ||
	       evutil_inet_pton(AF_INET6, host, in) == 1;
}
