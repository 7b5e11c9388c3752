/*
 * mash-load: the measuring half of tools/mash-bench, and the load of the
 * fault harness (tests/faults).
 *
 *   mash-load http [-n N] [-c C] [-m METHOD] [-H 'Name: value']...
 *                  [-b TEMPLATE] [-o FIRST] [-e STATUS] [-l LOG]
 *                  [-k PREFIX] [-x LIST] [-i MS] [-d SECONDS]
 *                  [-S STOPFILE] [-t SECONDS] [-r RATE] URL
 *       N requests (default 1000) over C keep-alive connections (default
 *       1), each sent as soon as its connection's previous answer came.
 *       Request number SEQ counts from FIRST (default 0); a body TEMPLATE
 *       has every "@SEQ@" replaced by SEQ spelt in letters, so each
 *       referral is of a different child, and every "@NUM@" by SEQ in
 *       digits (tools/bench/body.h). An answer other than STATUS
 *       (default 200) is an error. Prints one line:
 *       n=… ok=… err=… secs=… rps=… p50_ms=… p99_ms=… max_ms=…
 *       (latency: from sending a request to having its whole answer).
 *       For the fault harness:
 *         -l LOG     appends one line per request, whatever its answer
 *                    (see log_answer()), and the exit status is then 0;
 *         -k PREFIX  sends "Idempotency-Key: PREFIX<SEQ>";
 *         -x LIST    sends exactly the requests of LIST, lines "SEQ KEY"
 *                    (KEY "-" for none), instead of N from FIRST;
 *         -i MS      a connection waits MS between an answer and its
 *                    next request (at least 50 ms after no answer at
 *                    all, so a server that is down is not hammered);
 *         -d SECONDS, -S STOPFILE: no new request after SECONDS, or
 *                    once STOPFILE exists; those sent are waited for;
 *         -t SECONDS how long a request may wait for its answer
 *                    (default 60): then the client gives up.
 *       For a load at a steady rate (mash-bench's timers):
 *         -r RATE    request number K (from 0) starts no sooner than K /
 *                    RATE seconds after the first, on a connection that
 *                    is free then: RATE a second in all, while C
 *                    connections keep up.
 *
 *   mash-load time [-r R] [-i FILE] -- COMMAND [ARG]...
 *       Runs COMMAND R times (default 5), its input from FILE (default
 *       /dev/null), its output to /dev/null, and prints median_ms=…
 *       min_ms=… max_ms=… of the wall time of a run (fork to exit).
 *       Fails when a run fails.
 *
 *   mash-load zwait -s SOCKET -k KEY [-m MAX] [-t SECONDS]
 *       Asks Redis for ZCARD KEY (with -m, ZCOUNT KEY -inf MAX: the
 *       members scored at most MAX) every 2 ms until it is 0, and prints
 *       start=… first_ms=… all_ms=…: the count at the first look, when it
 *       first fell and when it reached 0, from mash-load's start. Gives up
 *       after SECONDS (default 120) with exit status 1.
 *
 *   mash-load procs [-i MS] [-d SECONDS] [-S STOPFILE] -p PIDFILE...
 *       Every MS (default 2) counts the child processes of each process
 *       whose pid a PIDFILE holds (read again at every look, so a daemon
 *       restarted is followed), until SECONDS (default 60) have passed or
 *       STOPFILE exists. Prints samples=… max=… max_at_ms=…: the most
 *       children one of them had at one instant, and when.
 *
 * One thread, one libevent loop; latencies from CLOCK_MONOTONIC. Only a
 * benchmark's and a test's tool: it trusts its caller.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "body.h"

#define MAX_HEADERS 16
#define MAX_CONC 1024

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static _Noreturn void
die(const char *what)
{
	fprintf(stderr, "mash-load: %s\n", what);
	exit(2);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least q of them at or below. */
static double
percentile(const double *sorted, size_t n, double q)
{
	size_t k = (size_t)ceil(q * (double)n);

	if (n == 0)
		return 0;
	if (k < 1)
		k = 1;
	return sorted[k - 1];
}

/* http */

struct item {
	long seq;
	char *key; /* NULL: no Idempotency-Key */
};

struct load {
	struct event_base *base;
	struct evhttp_uri *uri;
	const char *path;
	enum evhttp_cmd_type method;
	const char *headers[MAX_HEADERS];
	int nheaders;
	char *tmpl;
	long first;
	int want;
	long n, sent, done, ok, err;
	double *lat;
	bool reported;
	/* For the fault harness (tests/faults): */
	FILE *log;	   /* -l: one line per request */
	const char *keys;  /* -k: Idempotency-Key prefix */
	struct item *list; /* -x: exactly these requests */
	long interval_ms;  /* -i */
	double deadline;   /* -d, as now_ms(); 0 for none */
	const char *stop;  /* -S */
	long conc, idle;
	double rate, t_start; /* -r, and when the first request went */
};

struct conn {
	struct load *l;
	struct evhttp_connection *ec;
	struct event *pause;
	double t0;
	long seq;
	char key[320];
	int error; /* the request's evhttp error, or -1 */
	bool idle;
};

/* May another request start? Not past N, the deadline or the stop file. */
static bool
may_send(const struct load *l)
{
	if (l->sent >= l->n)
		return false;
	if (l->deadline > 0 && now_ms() >= l->deadline)
		return false;
	if (l->stop != NULL && access(l->stop, F_OK) == 0)
		return false;
	return true;
}

static void send_one(struct conn *c);

static void
next_one(struct conn *c)
{
	struct load *l = c->l;

	if (may_send(l)) {
		double at = l->rate > 0
				? l->t_start + (double)l->sent * 1e3 / l->rate
				: 0;
		double now = now_ms();

		if (at > now + 0.1) {
			long us = (long)((at - now) * 1e3);
			struct timeval tv = {us / 1000000, us % 1000000};

			evtimer_add(c->pause, &tv);
			return;
		}
		send_one(c);
		return;
	}
	c->idle = true;
	if (++l->idle == l->conc)
		event_base_loopexit(l->base, NULL);
}

static void
pause_over(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	next_one(arg);
}

static void
request_error(enum evhttp_request_error e, void *arg)
{
	struct conn *c = arg;

	c->error = (int)e;
}

/* Why a request had no answer, from its evhttp error. -1, no error
 * reported, is a connection never made (refused, or its connect timed
 * out): evhttp fails those requests without one. */
static const char *
no_answer(int error)
{
	if (error == -1)
		return "refused";
	if (error == EVREQ_HTTP_EOF)
		return "dropped";
	if (error == EVREQ_HTTP_TIMEOUT)
		return "timeout";
	return "error";
}

/* A JSON body's string member, or "-". */
static const char *
member(json_t *body, const char *name)
{
	const char *s = json_string_value(json_object_get(body, name));

	return s != NULL && s[0] != '\0' ? s : "-";
}

/*
 * One line of the -l log, tab-separated:
 *   seq status ms key_sent key_got outcome id replayed
 * status 0 is no answer; its outcome says why: "refused" (no connection
 * was made: nothing was sent), "dropped" (closed before the answer),
 * "timeout" (the client gave up) or "error". For a 503, key_got is the
 * answer's idempotency_key and outcome its "outcome", or "not_stored"
 * when its error says nothing was stored.
 */
static void
log_answer(struct conn *c, struct evhttp_request *req, int code, double ms)
{
	struct load *l = c->l;
	struct evbuffer *in = req ? evhttp_request_get_input_buffer(req) : NULL;
	size_t len = in ? evbuffer_get_length(in) : 0;
	json_t *body = NULL;
	const char *outcome = "-", *got = "-", *id = "-", *rh = NULL;

	if (len > 0)
		body = json_loadb((const char *)evbuffer_pullup(in, -1), len, 0,
				  NULL);
	if (code == 0) {
		outcome = no_answer(c->error);
	} else if (code == 201) {
		id = member(body, "id");
		rh = evhttp_find_header(evhttp_request_get_input_headers(req),
					"Idempotent-Replayed");
	} else {
		const char *e =
		    json_string_value(json_object_get(body, "error"));

		got = member(body, "idempotency_key");
		outcome = member(body, "outcome");
		if (strcmp(outcome, "-") == 0 && e != NULL &&
		    strstr(e, "nothing was stored") != NULL)
			outcome = "not_stored";
	}
	fprintf(l->log, "%ld\t%d\t%.1f\t%s\t%s\t%s\t%s\t%d\n", c->seq, code, ms,
		c->key[0] ? c->key : "-", got, outcome, id,
		rh != NULL && strcmp(rh, "true") == 0);
	json_decref(body);
}

static void
answered(struct evhttp_request *req, void *arg)
{
	struct conn *c = arg;
	struct load *l = c->l;
	int code = req ? evhttp_request_get_response_code(req) : 0;
	double ms = now_ms() - c->t0;
	long wait = l->interval_ms;

	l->lat[l->done++] = ms;
	if (l->log != NULL)
		log_answer(c, req, code, ms);
	if (code == l->want) {
		l->ok++;
	} else {
		l->err++;
		if (!l->reported && l->log == NULL) {
			struct evbuffer *in =
			    req ? evhttp_request_get_input_buffer(req) : NULL;
			size_t len = in ? evbuffer_get_length(in) : 0;
			char msg[201] = "";

			if (len > 200)
				len = 200;
			if (in)
				evbuffer_copyout(in, msg, len);
			msg[len] = '\0';
			fprintf(stderr, "mash-load: status %d, not %d: %s\n",
				code, l->want, msg);
			l->reported = true;
		}
	}
	/* No answer at all: the server may be down; do not hammer it. */
	if (code == 0 && wait < 50)
		wait = 50;
	if (wait > 0) {
		struct timeval tv = {wait / 1000, (wait % 1000) * 1000};

		evtimer_add(c->pause, &tv);
	} else {
		next_one(c);
	}
}

static void
send_one(struct conn *c)
{
	struct load *l = c->l;
	struct evhttp_request *req = evhttp_request_new(answered, c);
	struct evkeyvalq *h;
	char host[300];
	long seq = l->list ? l->list[l->sent].seq : l->first + l->sent;

	if (req == NULL)
		die("out of memory");
	evhttp_request_set_error_cb(req, request_error);
	h = evhttp_request_get_output_headers(req);
	snprintf(host, sizeof(host), "%s:%d", evhttp_uri_get_host(l->uri),
		 evhttp_uri_get_port(l->uri));
	evhttp_add_header(h, "Host", host);
	for (int i = 0; i < l->nheaders; i++) {
		char name[128];
		const char *colon = strchr(l->headers[i], ':'), *v;
		size_t nl;

		if (colon == NULL ||
		    (nl = (size_t)(colon - l->headers[i])) >= sizeof(name))
			die("a header is 'Name: value'");
		memcpy(name, l->headers[i], nl);
		name[nl] = '\0';
		for (v = colon + 1; *v == ' '; v++)
			;
		evhttp_add_header(h, name, v);
	}
	c->seq = seq;
	c->key[0] = '\0';
	if (l->list != NULL && l->list[l->sent].key != NULL)
		snprintf(c->key, sizeof(c->key), "%s", l->list[l->sent].key);
	else if (l->list == NULL && l->keys != NULL)
		snprintf(c->key, sizeof(c->key), "%s%ld", l->keys, seq);
	if (c->key[0] != '\0')
		evhttp_add_header(h, "Idempotency-Key", c->key);
	if (l->tmpl != NULL) {
		char *body = body_make(l->tmpl, seq);

		if (body == NULL)
			die("out of memory");
		evbuffer_add(evhttp_request_get_output_buffer(req), body,
			     strlen(body));
		free(body);
	}
	l->sent++;
	c->error = -1;
	c->t0 = now_ms();
	if (evhttp_make_request(c->ec, req, l->method, l->path) != 0)
		die("cannot send a request");
}

static char *
slurp(const char *file)
{
	FILE *f = fopen(file, "rb");
	char *buf;
	long len;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len)
		die("cannot read the body template");
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* -x FILE: lines "SEQ KEY" ("-" for no key); returns how many. */
static long
read_list(const char *file, struct item **out)
{
	FILE *f = fopen(file, "r");
	struct item *v = NULL;
	long n = 0, cap = 0, seq;
	char key[300];

	if (f == NULL)
		die("cannot read the -x list");
	while (fscanf(f, "%ld %299s", &seq, key) == 2) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if ((v = realloc(v, (size_t)cap * sizeof(*v))) == NULL)
				die("out of memory");
		}
		v[n].seq = seq;
		v[n].key = strcmp(key, "-") == 0 ? NULL : strdup(key);
		n++;
	}
	fclose(f);
	*out = v;
	return n;
}

static int
cmd_http(int argc, char **argv)
{
	struct load l = {.n = 1000, .want = 200, .method = EVHTTP_REQ_GET};
	long conc = 1, timeout = 60;
	struct conn *conns;
	double t0, secs;
	int ch;

	while ((ch = getopt(argc, argv, "n:c:m:H:b:o:e:l:k:x:i:d:S:t:r:")) !=
	       -1) {
		switch (ch) {
		case 'n':
			l.n = atol(optarg);
			break;
		case 'c':
			conc = atol(optarg);
			break;
		case 'm':
			if (strcmp(optarg, "GET") == 0)
				l.method = EVHTTP_REQ_GET;
			else if (strcmp(optarg, "POST") == 0)
				l.method = EVHTTP_REQ_POST;
			else
				die("-m GET or POST");
			break;
		case 'H':
			if (l.nheaders == MAX_HEADERS)
				die("too many headers");
			l.headers[l.nheaders++] = optarg;
			break;
		case 'b':
			l.tmpl = slurp(optarg);
			break;
		case 'o':
			l.first = atol(optarg);
			break;
		case 'e':
			l.want = atoi(optarg);
			break;
		case 'l':
			if ((l.log = fopen(optarg, "a")) == NULL)
				die("cannot open the -l log");
			setvbuf(l.log, NULL, _IOLBF, 0);
			break;
		case 'k':
			l.keys = optarg;
			break;
		case 'x':
			l.n = read_list(optarg, &l.list);
			break;
		case 'i':
			l.interval_ms = atol(optarg);
			break;
		case 'd':
			l.deadline = now_ms() + atof(optarg) * 1e3;
			break;
		case 'S':
			l.stop = optarg;
			break;
		case 't':
			timeout = atol(optarg);
			break;
		case 'r':
			l.rate = atof(optarg);
			break;
		default:
			die("usage: mash-load http [-n N] [-c C] [-m METHOD] "
			    "[-H HEADER]... [-b TEMPLATE] [-o FIRST] "
			    "[-e STATUS] [-l LOG] [-k PREFIX] [-x LIST] "
			    "[-i MS] [-d SECONDS] [-S STOPFILE] [-t SECONDS] "
			    "[-r RATE] URL");
		}
	}
	if (l.list != NULL && l.n == 0)
		return 0; /* nothing to send */
	if (optind != argc - 1 || l.n < 1 || conc < 1 || conc > MAX_CONC ||
	    timeout < 1 || l.interval_ms < 0 || l.rate < 0)
		die("http: one URL, N >= 1, 1 <= C <= 1024, -t >= 1, -i >= 0, "
		    "-r >= 0");
	if ((l.uri = evhttp_uri_parse(argv[optind])) == NULL ||
	    evhttp_uri_get_host(l.uri) == NULL ||
	    evhttp_uri_get_port(l.uri) <= 0)
		die("http: URL like http://127.0.0.1:PORT/path");
	l.path = evhttp_uri_get_path(l.uri);
	if (l.path == NULL || l.path[0] == '\0')
		l.path = "/";
	if (conc > l.n)
		conc = l.n;
	l.conc = conc;
	if ((l.base = event_base_new()) == NULL ||
	    (l.lat = calloc((size_t)l.n, sizeof(double))) == NULL ||
	    (conns = calloc((size_t)conc, sizeof(*conns))) == NULL)
		die("out of memory");
	for (long i = 0; i < conc; i++) {
		conns[i].l = &l;
		conns[i].ec = evhttp_connection_base_new(
		    l.base, NULL, evhttp_uri_get_host(l.uri),
		    (unsigned short)evhttp_uri_get_port(l.uri));
		conns[i].pause = evtimer_new(l.base, pause_over, &conns[i]);
		if (conns[i].ec == NULL || conns[i].pause == NULL)
			die("cannot make a connection");
		evhttp_connection_set_timeout(conns[i].ec, (int)timeout);
	}
	t0 = l.t_start = now_ms();
	for (long i = 0; i < conc; i++)
		next_one(&conns[i]);
	if (l.idle < l.conc)
		event_base_dispatch(l.base);
	secs = (now_ms() - t0) / 1e3;
	qsort(l.lat, (size_t)l.done, sizeof(double), cmp_double);
	printf("n=%ld ok=%ld err=%ld secs=%.3f rps=%.1f p50_ms=%.3f "
	       "p99_ms=%.3f max_ms=%.3f\n",
	       l.done, l.ok, l.err, secs, secs > 0 ? (double)l.done / secs : 0,
	       percentile(l.lat, (size_t)l.done, 0.50),
	       percentile(l.lat, (size_t)l.done, 0.99),
	       l.done ? l.lat[l.done - 1] : 0.0);
	for (long i = 0; i < conc; i++) {
		evhttp_connection_free(conns[i].ec);
		event_free(conns[i].pause);
	}
	for (long i = 0; l.list != NULL && i < l.n; i++)
		free(l.list[i].key);
	free(l.list);
	free(conns);
	free(l.lat);
	free(l.tmpl);
	if (l.log != NULL)
		fclose(l.log);
	evhttp_uri_free(l.uri);
	event_base_free(l.base);
	/* With a log, the caller judges the answers; it only had to run. */
	if (l.log != NULL)
		return 0;
	return l.err == 0 && l.done == l.n ? 0 : 1;
}

/* time */

static int
cmd_time(int argc, char **argv)
{
	const char *input = "/dev/null";
	int runs = 5, ch;
	double *t;

	while ((ch = getopt(argc, argv, "r:i:")) != -1) {
		if (ch == 'r')
			runs = atoi(optarg);
		else if (ch == 'i')
			input = optarg;
		else
			die("usage: mash-load time [-r R] [-i FILE] -- "
			    "COMMAND [ARG]...");
	}
	if (optind >= argc || runs < 1)
		die("time: a command, R >= 1");
	if ((t = calloc((size_t)runs, sizeof(double))) == NULL)
		die("out of memory");
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms();
		int status;
		pid_t pid = fork();

		if (pid == -1)
			die("cannot fork");
		if (pid == 0) {
			int in = open(input, O_RDONLY);
			int null = open("/dev/null", O_WRONLY);

			if (in < 0)
				_exit(126);
			dup2(in, STDIN_FILENO);
			if (null >= 0)
				dup2(null, STDOUT_FILENO);
			execvp(argv[optind], argv + optind);
			_exit(127);
		}
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		t[i] = now_ms() - t0;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "mash-load: %s failed\n", argv[optind]);
			return 1;
		}
	}
	qsort(t, (size_t)runs, sizeof(double), cmp_double);
	printf("median_ms=%.2f min_ms=%.2f max_ms=%.2f\n",
	       percentile(t, (size_t)runs, 0.5), t[0], t[runs - 1]);
	free(t);
	return 0;
}

/* zwait */

static long
zcard(int fd, const char *key, const char *max)
{
	char req[512], buf[64];
	size_t n = 0;
	int len =
	    max == NULL
		? snprintf(req, sizeof(req),
			   "*2\r\n$5\r\nZCARD\r\n$%zu\r\n%s\r\n", strlen(key),
			   key)
		: snprintf(req, sizeof(req),
			   "*4\r\n$6\r\nZCOUNT\r\n$%zu\r\n%s\r\n$4\r\n-inf\r\n"
			   "$%zu\r\n%s\r\n",
			   strlen(key), key, strlen(max), max);

	if (len < 0 || (size_t)len >= sizeof(req) ||
	    write(fd, req, (size_t)len) != len)
		die("zwait: cannot ask Redis");
	while (n < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + n, 1);

		if (r != 1)
			die("zwait: Redis went away");
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	if (buf[0] != ':')
		die("zwait: Redis answered no integer");
	return atol(buf + 1);
}

static int
cmd_zwait(int argc, char **argv)
{
	const char *sock = NULL, *key = NULL, *max = NULL;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	double t0 = now_ms(), first = -1, limit = 120;
	struct timespec nap = {0, 2000000};
	long start, c;
	int ch, fd;

	while ((ch = getopt(argc, argv, "s:k:m:t:")) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'm':
			max = optarg;
			break;
		case 't':
			limit = atof(optarg);
			break;
		default:
			die("usage: mash-load zwait -s SOCKET -k KEY [-m MAX] "
			    "[-t S]");
		}
	}
	if (sock == NULL || key == NULL || strlen(sock) >= sizeof(sa.sun_path))
		die("zwait: -s SOCKET and -k KEY");
	strcpy(sa.sun_path, sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		die("zwait: cannot reach Redis");
	start = c = zcard(fd, key, max);
	while (c > 0) {
		if (now_ms() - t0 > limit * 1e3) {
			printf("start=%ld first_ms=%.1f all_ms=-1 left=%ld\n",
			       start, first, c);
			return 1;
		}
		nanosleep(&nap, NULL);
		c = zcard(fd, key, max);
		if (first < 0 && c < start)
			first = now_ms() - t0;
	}
	printf("start=%ld first_ms=%.1f all_ms=%.1f\n", start, first,
	       now_ms() - t0);
	close(fd);
	return 0;
}

/* procs */

/* How many children the process PID has: /proc's list of each thread's. */
static long
children(long pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	long n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	if ((d = opendir(path)) == NULL)
		return 0; /* gone: between a kill and its restart */
	while ((e = readdir(d)) != NULL) {
		char file[320];
		FILE *f;
		long child;

		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "/proc/%ld/task/%s/children", pid,
			 e->d_name);
		if ((f = fopen(file, "r")) == NULL)
			continue;
		while (fscanf(f, "%ld", &child) == 1)
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

static long
pid_in(const char *file)
{
	FILE *f = fopen(file, "r");
	long pid = 0;

	if (f != NULL) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid;
}

static int
cmd_procs(int argc, char **argv)
{
	const char *files[16], *stop = NULL;
	int nfiles = 0, ch;
	double t0 = now_ms(), limit = 60, max_at = 0;
	long interval = 2, samples = 0, max = 0;

	while ((ch = getopt(argc, argv, "i:d:S:p:")) != -1) {
		switch (ch) {
		case 'i':
			interval = atol(optarg);
			break;
		case 'd':
			limit = atof(optarg);
			break;
		case 'S':
			stop = optarg;
			break;
		case 'p':
			if (nfiles == 16)
				die("procs: at most 16 pid files");
			files[nfiles++] = optarg;
			break;
		default:
			die("usage: mash-load procs [-i MS] [-d SECONDS] "
			    "[-S STOPFILE] -p PIDFILE...");
		}
	}
	if (nfiles == 0 || interval < 1)
		die("procs: -p PIDFILE, -i >= 1");
	while (now_ms() - t0 < limit * 1e3 &&
	       (stop == NULL || access(stop, F_OK) != 0)) {
		struct timespec nap = {interval / 1000,
				       (interval % 1000) * 1000000};

		for (int i = 0; i < nfiles; i++) {
			long pid = pid_in(files[i]);
			long n = pid > 0 ? children(pid) : 0;

			if (n > max) {
				max = n;
				max_at = now_ms() - t0;
			}
		}
		samples++;
		nanosleep(&nap, NULL);
	}
	printf("samples=%ld max=%ld max_at_ms=%.0f\n", samples, max, max_at);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: mash-load http|time|zwait|procs ...");
	argv++;
	argc--;
	if (strcmp(argv[0], "http") == 0)
		return cmd_http(argc, argv);
	if (strcmp(argv[0], "time") == 0)
		return cmd_time(argc, argv);
	if (strcmp(argv[0], "zwait") == 0)
		return cmd_zwait(argc, argv);
	if (strcmp(argv[0], "procs") == 0)
		return cmd_procs(argc, argv);
	die("usage: mash-load http|time|zwait|procs ...");
}
