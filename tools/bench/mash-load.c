/*
 * mash-load: the measuring half of tools/mash-bench.
 *
 *   mash-load http [-n N] [-c C] [-m METHOD] [-H 'Name: value']...
 *                  [-b TEMPLATE] [-o FIRST] [-e STATUS] URL
 *       N requests (default 1000) over C keep-alive connections (default
 *       1), each sent as soon as its connection's previous answer came.
 *       A body TEMPLATE has every "@SEQ@" replaced by the request's number
 *       (from FIRST, default 0) spelt in letters, so each referral is of
 *       a different child. An answer other than STATUS (default 200) is an
 *       error. Prints one line:
 *       n=… ok=… err=… secs=… rps=… p50_ms=… p99_ms=… max_ms=…
 *       (latency: from sending a request to having its whole answer).
 *
 *   mash-load time [-r R] [-i FILE] -- COMMAND [ARG]...
 *       Runs COMMAND R times (default 5), its input from FILE (default
 *       /dev/null), its output to /dev/null, and prints median_ms=…
 *       min_ms=… max_ms=… of the wall time of a run (fork to exit).
 *       Fails when a run fails.
 *
 *   mash-load zwait -s SOCKET -k KEY [-t SECONDS]
 *       Asks Redis for ZCARD KEY every 2 ms until it is 0, and prints
 *       start=… first_ms=… all_ms=…: the count at the first look, when it
 *       first fell and when it reached 0, from mash-load's start. Gives up
 *       after SECONDS (default 120) with exit status 1.
 *
 * One thread, one libevent loop; latencies from CLOCK_MONOTONIC. Only a
 * benchmark's tool: it trusts its caller.
 */
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
};

struct conn {
	struct load *l;
	struct evhttp_connection *ec;
	double t0;
};

/* n in letters, base 26, at least four: 0 is "aaaa", 27 "aabb". */
static void
letters(long n, char *out)
{
	char tmp[32];
	int i = 0, j = 0;

	do {
		tmp[i++] = (char)('a' + n % 26);
		n /= 26;
	} while (n > 0 && i < 30);
	while (i < 4)
		tmp[i++] = 'a';
	while (i > 0)
		out[j++] = tmp[--i];
	out[j] = '\0';
}

static void
add_body(struct load *l, struct evbuffer *b, long seq)
{
	const char *p = l->tmpl, *q;
	char name[32];

	letters(seq, name);
	while ((q = strstr(p, "@SEQ@")) != NULL) {
		evbuffer_add(b, p, (size_t)(q - p));
		evbuffer_add(b, name, strlen(name));
		p = q + 5;
	}
	evbuffer_add(b, p, strlen(p));
}

static void send_one(struct conn *c);

static void
answered(struct evhttp_request *req, void *arg)
{
	struct conn *c = arg;
	struct load *l = c->l;
	int code = req ? evhttp_request_get_response_code(req) : 0;

	l->lat[l->done++] = now_ms() - c->t0;
	if (code == l->want) {
		l->ok++;
	} else {
		l->err++;
		if (!l->reported) {
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
	if (l->done == l->n)
		event_base_loopexit(l->base, NULL);
	else if (l->sent < l->n)
		send_one(c);
}

static void
send_one(struct conn *c)
{
	struct load *l = c->l;
	struct evhttp_request *req = evhttp_request_new(answered, c);
	struct evkeyvalq *h;
	char host[300];

	if (req == NULL)
		die("out of memory");
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
	if (l->tmpl != NULL)
		add_body(l, evhttp_request_get_output_buffer(req),
			 l->first + l->sent);
	l->sent++;
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

static int
cmd_http(int argc, char **argv)
{
	struct load l = {.n = 1000, .want = 200, .method = EVHTTP_REQ_GET};
	long conc = 1;
	struct conn *conns;
	double t0, secs;
	int ch;

	while ((ch = getopt(argc, argv, "n:c:m:H:b:o:e:")) != -1) {
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
		default:
			die("usage: mash-load http [-n N] [-c C] [-m METHOD] "
			    "[-H HEADER]... [-b TEMPLATE] [-o FIRST] "
			    "[-e STATUS] URL");
		}
	}
	if (optind != argc - 1 || l.n < 1 || conc < 1 || conc > MAX_CONC)
		die("http: one URL, N >= 1, 1 <= C <= 1024");
	if ((l.uri = evhttp_uri_parse(argv[optind])) == NULL ||
	    evhttp_uri_get_host(l.uri) == NULL ||
	    evhttp_uri_get_port(l.uri) <= 0)
		die("http: URL like http://127.0.0.1:PORT/path");
	l.path = evhttp_uri_get_path(l.uri);
	if (l.path == NULL || l.path[0] == '\0')
		l.path = "/";
	if (conc > l.n)
		conc = l.n;
	if ((l.base = event_base_new()) == NULL ||
	    (l.lat = calloc((size_t)l.n, sizeof(double))) == NULL ||
	    (conns = calloc((size_t)conc, sizeof(*conns))) == NULL)
		die("out of memory");
	for (long i = 0; i < conc; i++) {
		conns[i].l = &l;
		conns[i].ec = evhttp_connection_base_new(
		    l.base, NULL, evhttp_uri_get_host(l.uri),
		    (unsigned short)evhttp_uri_get_port(l.uri));
		if (conns[i].ec == NULL)
			die("cannot make a connection");
		evhttp_connection_set_timeout(conns[i].ec, 60);
	}
	t0 = now_ms();
	for (long i = 0; i < conc; i++)
		send_one(&conns[i]);
	event_base_dispatch(l.base);
	secs = (now_ms() - t0) / 1e3;
	qsort(l.lat, (size_t)l.done, sizeof(double), cmp_double);
	printf("n=%ld ok=%ld err=%ld secs=%.3f rps=%.1f p50_ms=%.3f "
	       "p99_ms=%.3f max_ms=%.3f\n",
	       l.done, l.ok, l.err, secs, (double)l.done / secs,
	       percentile(l.lat, (size_t)l.done, 0.50),
	       percentile(l.lat, (size_t)l.done, 0.99),
	       l.done ? l.lat[l.done - 1] : 0.0);
	for (long i = 0; i < conc; i++)
		evhttp_connection_free(conns[i].ec);
	free(conns);
	free(l.lat);
	free(l.tmpl);
	evhttp_uri_free(l.uri);
	event_base_free(l.base);
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
zcard(int fd, const char *key)
{
	char req[512], buf[64];
	size_t n = 0;
	int len =
	    snprintf(req, sizeof(req), "*2\r\n$5\r\nZCARD\r\n$%zu\r\n%s\r\n",
		     strlen(key), key);

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
	const char *sock = NULL, *key = NULL;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	double t0 = now_ms(), first = -1, limit = 120;
	struct timespec nap = {0, 2000000};
	long start, c;
	int ch, fd;

	while ((ch = getopt(argc, argv, "s:k:t:")) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 't':
			limit = atof(optarg);
			break;
		default:
			die("usage: mash-load zwait -s SOCKET -k KEY [-t S]");
		}
	}
	if (sock == NULL || key == NULL || strlen(sock) >= sizeof(sa.sun_path))
		die("zwait: -s SOCKET and -k KEY");
	strcpy(sa.sun_path, sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		die("zwait: cannot reach Redis");
	start = c = zcard(fd, key);
	while (c > 0) {
		if (now_ms() - t0 > limit * 1e3) {
			printf("start=%ld first_ms=%.1f all_ms=-1 left=%ld\n",
			       start, first, c);
			return 1;
		}
		nanosleep(&nap, NULL);
		c = zcard(fd, key);
		if (first < 0 && c < start)
			first = now_ms() - t0;
	}
	printf("start=%ld first_ms=%.1f all_ms=%.1f\n", start, first,
	       now_ms() - t0);
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: mash-load http|time|zwait ...");
	argv++;
	argc--;
	if (strcmp(argv[0], "http") == 0)
		return cmd_http(argc, argv);
	if (strcmp(argv[0], "time") == 0)
		return cmd_time(argc, argv);
	if (strcmp(argv[0], "zwait") == 0)
		return cmd_zwait(argc, argv);
	die("usage: mash-load http|time|zwait ...");
}
