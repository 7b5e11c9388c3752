/*
 * beanstalk-load: the beanstalkd reference of tools/mash-bench's intake.
 *
 *   beanstalk-load [-n N] [-c C] [-o FIRST] -b TEMPLATE SOCKET
 *       N jobs (default 1000) put over C connections (default 1) to the
 *       beanstalkd listening on the Unix socket SOCKET, each connection
 *       sending its next `put` as soon as the previous one was answered
 *       INSERTED, as mash-load http sends POSTs. Job number SEQ counts
 *       from FIRST; its body is TEMPLATE made as mash-load makes a
 *       request's (tools/bench/body.h), so the jobs are the referrals'
 *       size. Prints mash-load's line:
 *       n=… ok=… err=… secs=… rps=… p50_ms=… p99_ms=… max_ms=…
 *       (latency: from sending a put to reading its answer). Exit status
 *       1 when any put was not INSERTED.
 *
 * One thread, one libevent loop; latencies from CLOCK_MONOTONIC. Only a
 * benchmark's tool: it trusts its caller.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "body.h"

#define MAX_CONC 1024

struct load {
	struct event_base *base;
	char *tmpl;
	long n, first, next, done, ok, err;
	int open; /* connections still running */
	double *lat;
};

struct conn {
	struct load *l;
	struct bufferevent *bev;
	double sent;
	bool busy;
};

static _Noreturn void
die(const char *why)
{
	fprintf(stderr, "beanstalk-load: %s\n", why);
	exit(2);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
percentile(const double *v, size_t n, double p)
{
	return n == 0 ? 0.0 : v[(size_t)(p * (double)(n - 1) + 0.5)];
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc(len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len)
		die("cannot read the body template");
	fclose(f);
	buf[len] = '\0';
	/* One line: a trailing newline is not part of the job. */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	return buf;
}

/* Put the next job on c, or close c when every job is sent. */
static void
send_one(struct conn *c)
{
	struct load *l = c->l;
	char *body;

	if (l->next >= l->n) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		if (--l->open == 0)
			event_base_loopexit(l->base, NULL);
		return;
	}
	if ((body = body_make(l->tmpl, l->first + l->next++)) == NULL)
		die("out of memory");
	c->sent = now_ms();
	c->busy = true;
	evbuffer_add_printf(bufferevent_get_output(c->bev),
			    "put 0 0 60 %zu\r\n%s\r\n", strlen(body), body);
	free(body);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct load *l = c->l;
	size_t len;
	char *line;

	while (c->busy &&
	       (line = evbuffer_readln(bufferevent_get_input(bev), &len,
				       EVBUFFER_EOL_CRLF)) != NULL) {
		c->busy = false;
		l->lat[l->done++] = now_ms() - c->sent;
		if (strncmp(line, "INSERTED ", 9) == 0)
			l->ok++;
		else
			l->err++;
		free(line);
		send_one(c);
	}
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)arg;
	if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF))
		die("beanstalkd closed the connection");
}

int
main(int argc, char **argv)
{
	struct load l = {.n = 1000};
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct conn *conns;
	long conc = 1;
	double t0, secs;
	int ch;

	while ((ch = getopt(argc, argv, "n:c:o:b:")) != -1) {
		switch (ch) {
		case 'n':
			l.n = atol(optarg);
			break;
		case 'c':
			conc = atol(optarg);
			break;
		case 'o':
			l.first = atol(optarg);
			break;
		case 'b':
			l.tmpl = slurp(optarg);
			break;
		default:
			die("usage: beanstalk-load [-n N] [-c C] [-o FIRST] "
			    "-b TEMPLATE SOCKET");
		}
	}
	if (optind != argc - 1 || l.tmpl == NULL || l.n < 1 || conc < 1 ||
	    conc > MAX_CONC || strlen(argv[optind]) >= sizeof(sun.sun_path))
		die("one SOCKET, a -b TEMPLATE, N >= 1, 1 <= C <= 1024");
	strcpy(sun.sun_path, argv[optind]);
	if (conc > l.n)
		conc = l.n;
	if ((l.base = event_base_new()) == NULL ||
	    (l.lat = calloc((size_t)l.n, sizeof(double))) == NULL ||
	    (conns = calloc((size_t)conc, sizeof(*conns))) == NULL)
		die("out of memory");
	for (long i = 0; i < conc; i++) {
		conns[i].l = &l;
		conns[i].bev =
		    bufferevent_socket_new(l.base, -1, BEV_OPT_CLOSE_ON_FREE);
		if (conns[i].bev == NULL ||
		    bufferevent_socket_connect(conns[i].bev,
					       (struct sockaddr *)&sun,
					       sizeof(sun)) != 0)
			die("cannot connect to beanstalkd");
		bufferevent_setcb(conns[i].bev, on_read, NULL, on_event,
				  &conns[i]);
		bufferevent_enable(conns[i].bev, EV_READ | EV_WRITE);
	}
	l.open = (int)conc;
	t0 = now_ms();
	for (long i = 0; i < conc; i++)
		send_one(&conns[i]);
	event_base_dispatch(l.base);
	secs = (now_ms() - t0) / 1e3;
	qsort(l.lat, (size_t)l.done, sizeof(double), cmp_double);
	printf("n=%ld ok=%ld err=%ld secs=%.3f rps=%.1f p50_ms=%.3f "
	       "p99_ms=%.3f max_ms=%.3f\n",
	       l.done, l.ok, l.err, secs, secs > 0 ? (double)l.done / secs : 0,
	       percentile(l.lat, (size_t)l.done, 0.50),
	       percentile(l.lat, (size_t)l.done, 0.99),
	       l.done ? l.lat[l.done - 1] : 0.0);
	free(conns);
	free(l.lat);
	free(l.tmpl);
	event_base_free(l.base);
	return l.err == 0 && l.done == l.n ? 0 : 1;
}
