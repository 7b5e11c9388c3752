/*
 * mashctl_lib.c: what every mashctl command stands on: the control
 * socket and one request and its answer, the options of a command, the
 * configuration for what mashctl works out itself, and the table of
 * commands that main() hands over (so help reads it without calling up).
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>
#include <libconfig.h>

#include "mash/brag.h"
#include "mash/calendar.h"
#include "mash/config.h"
#include "mash/deadline.h"
#include "mash/protocol.h"
#include "mash/timeutil.h"
#include "mash/words.h"

#include "ask.h"
#include "mashctl.h"
#include "phone.h"
#include "mashctl_queue.h"

static const struct command *table;
static size_t ntable;

void
commands_use(const struct command *c, size_t n)
{
	table = c;
	ntable = n;
}

const struct command *
commands_table(size_t *n)
{
	*n = ntable;
	return table;
}

/* The socket: -s, else control.socket of -c's file, else the default. */
const char *
socket_path(struct ctx *x)
{
	static char buf[sizeof(((struct sockaddr_un *)0)->sun_path)];
	config_t cfg;
	const char *s;

	if (x->socket != NULL)
		return x->socket;
	if (x->config == NULL)
		return MASH_CONTROL_SOCKET;
	config_init(&cfg);
	if (!config_read_file(&cfg, x->config)) {
		fprintf(stderr, "mashctl: %s:%d: %s\n", x->config,
			config_error_line(&cfg), config_error_text(&cfg));
		config_destroy(&cfg);
		exit(EXIT_USAGE);
	}
	if (!config_lookup_string(&cfg, "control.socket", &s))
		s = MASH_CONTROL_SOCKET;
	snprintf(buf, sizeof(buf), "%s", s);
	config_destroy(&cfg);
	return buf;
}

/* Send one request; return the answer, whatever it says. NULL, having
 * said why on standard error, when there is none: *why is then
 * EXIT_UNREACHABLE when mashd cannot have read the request (no
 * connection, or the line not sent whole), or EXIT_UNKNOWN when it was
 * sent and no answer came back, so mashd may have carried it out. */
json_t *
request_try(struct ctx *x, json_t *req, int *why)
{
	const char *path = socket_path(x);
	struct sockaddr_un sun;
	char *text, buf[65536];
	size_t len = 0, cap = 0;
	char *resp = NULL;
	json_error_t jerr;
	json_t *ans;
	ssize_t n;
	int fd, sent_errno = 0;

	json_object_set_new(req, "v", json_integer(MASH_PROTOCOL_VERSION));
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "mashctl: cannot reach mashd at %s: %s\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		free(text);
		*why = EXIT_UNREACHABLE;
		return NULL;
	}
	/* mashd may have refused the connection, closing it after one line
	 * that says why: no SIGPIPE, and that line is read all the same. */
	if (text == NULL || send(fd, text, strlen(text), MSG_NOSIGNAL) < 0 ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) != 1)
		sent_errno = text == NULL ? ENOMEM : errno;
	free(text);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len + (size_t)n + 1 > cap) {
			cap = (len + (size_t)n + 1) * 2;
			if ((resp = realloc(resp, cap)) == NULL) {
				perror("mashctl");
				exit(EXIT_UNKNOWN); /* the request went */
			}
		}
		memcpy(resp + len, buf, (size_t)n);
		len += (size_t)n;
		if (memchr(buf, '\n', (size_t)n) != NULL)
			break;
	}
	close(fd);
	/* A line not sent whole is never read as a request by mashd. */
	if (resp == NULL && sent_errno != 0) {
		fprintf(stderr, "mashctl: cannot send to mashd: %s\n",
			strerror(sent_errno));
		*why = EXIT_UNREACHABLE;
		return NULL;
	}
	if (resp == NULL) {
		fprintf(stderr, "mashctl: mashd closed the connection without "
				"an answer\n");
		*why = EXIT_UNKNOWN;
		return NULL;
	}
	ans = json_loadb(resp, len, JSON_DISABLE_EOF_CHECK, &jerr);
	free(resp);
	if (ans == NULL) {
		fprintf(stderr, "mashctl: unreadable answer from mashd: %s\n",
			jerr.text);
		*why = EXIT_UNKNOWN;
	}
	return ans;
}

/* Send one request; return the answer, whatever it says, or exit when
 * there is none. A request sent with no answer may have been carried
 * out: say so, and how to look, rather than that nothing happened. */
/* Whether the request named `cmd` (the protocol's name) only reads: run
 * again, it does nothing twice. show and history leave a line in the
 * audit saying who read, and change nothing else; resolve is also the
 * look-up of a short reference before a change, which is then not sent.
 * A name not here (a command added later too) is taken as one that may
 * change something. */
static bool
only_reads(const char *cmd)
{
	static const char *const reads[] = {
	    "status", "queue",	   "watch",  "show",	     "history",
	    "alerts", "callbacks", "report", "audit_verify", "resolve",
	    "list",   "child",	   "explain"};

	for (size_t i = 0; cmd != NULL && i < sizeof(reads) / sizeof(reads[0]);
	     i++)
		if (strcmp(cmd, reads[i]) == 0)
			return true;
	return false;
}

json_t *
request_any(struct ctx *x, json_t *req)
{
	bool reads = only_reads(json_string_value(json_object_get(req, "cmd")));
	int why;
	json_t *ans = request_try(x, req, &why);
	const char *outcome =
	    json_string_value(json_object_get(ans, "outcome"));

	/* mashd stopped before Redis answered: as unknown as no answer. */
	if (ans != NULL && outcome != NULL && strcmp(outcome, "unknown") == 0 &&
	    !json_is_true(json_object_get(ans, "ok"))) {
		const char *e =
		    json_string_value(json_object_get(ans, "error"));

		fprintf(stderr, "mashctl: %s\n", e ? e : "no answer");
		json_decref(ans);
		ans = NULL;
		why = EXIT_UNKNOWN;
	}
	if (ans != NULL)
		return ans;
	if (why == EXIT_UNKNOWN && reads)
		fprintf(stderr, "mashctl: what was sent only reads: nothing "
				"was changed, and the command may be run "
				"again\n");
	else if (why == EXIT_UNKNOWN)
		fprintf(stderr,
			"mashctl: whether mashd did it is not known: look "
			"(mashctl history ID, mashctl queue) before doing it "
			"again\n");
	exit(why);
}

/* Send one request; return the answer, or exit when mashd refused it or
 * is unreachable. */
json_t *
request(struct ctx *x, json_t *req)
{
	json_t *ans = request_any(x, req);

	if (!json_is_true(json_object_get(ans, "ok"))) {
		const char *e =
		    json_string_value(json_object_get(ans, "error"));

		fprintf(stderr, "mashctl: %s\n", e ? e : "request refused");
		json_decref(ans);
		exit(EXIT_REFUSED);
	}
	return ans;
}

void
print_json(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
}

const char *
padded(const char *s, int width, char *buf, size_t len)
{
	mbstate_t st;
	size_t at = 0, n, left = strlen(s);
	int cols = 0;

	memset(&st, 0, sizeof(st));
	/* Columns as the terminal shows them, by the user's LC_CTYPE; a
	 * byte it cannot read takes one, as it did before. */
	while (left > 0) {
		wchar_t wc;
		int w;

		n = mbrtowc(&wc, s + at, left, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof(st));
			n = 1;
			w = 1;
		} else if ((w = wcwidth(wc)) < 0) {
			w = 1;
		}
		at += n;
		left -= n;
		cols += w;
	}
	snprintf(buf, len, "%s%*s", s, width > cols ? width - cols : 0, "");
	return buf;
}

const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

/* Parse a command's own options: only --json, and a fixed set of
 * --name VALUE pairs given in `names` (NULL-terminated) into `values`. */
int
parse_opts(struct ctx *x, int argc, char **argv, const char *const *names,
	   const char **values, char **pos, int maxpos)
{
	int npos = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool found = false;

		if (strcmp(a, "--json") == 0) {
			x->json = true;
			continue;
		}
		if (strncmp(a, "--", 2) == 0) {
			for (int k = 0; names != NULL && names[k]; k++) {
				if (strcmp(a + 2, names[k]) != 0)
					continue;
				if (i + 1 >= argc) {
					fprintf(stderr,
						"mashctl: %s needs a value\n",
						a);
					exit(EXIT_USAGE);
				}
				values[k] = argv[++i];
				found = true;
			}
			if (!found) {
				fprintf(stderr, "mashctl: unknown option %s\n",
					a);
				exit(EXIT_USAGE);
			}
			continue;
		}
		if (npos >= maxpos) {
			fprintf(stderr, "mashctl: unexpected argument \"%s\"\n",
				a);
			exit(EXIT_USAGE);
		}
		pos[npos++] = argv[i];
	}
	return npos;
}

/* Remove a boolean --flag from a command's arguments; was it there? */
bool
take_flag(int *argc, char **argv, const char *flag)
{
	bool found = false;

	for (int k = 1; k < *argc; k++) {
		if (strcmp(argv[k], flag) == 0) {
			found = true;
			memmove(&argv[k], &argv[k + 1],
				(size_t)(*argc - k) * sizeof(*argv));
			(*argc)--;
			k--;
		}
	}
	return found;
}

/* The answer to a change: as JSON with --json, else a sentence. */
int
answered(struct ctx *x, json_t *a, const char *fmt, ...)
{
	va_list ap;

	if (x->json) {
		print_json(a);
	} else {
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	json_decref(a);
	return 0;
}

/* The configuration for offline commands: -c, else the installed file if
 * there is one, else every default. */
/* -c, else the installed file if there is one, else NULL: every default. */
static const char *
config_path(const struct ctx *x)
{
	if (x->config == NULL && access(MASH_CONFIG_FILE, R_OK) == 0)
		return MASH_CONFIG_FILE;
	return x->config;
}

struct mash_config *
offline_config(struct ctx *x)
{
	struct mash_config *c;
	char err[512];

	if ((c = config_load(config_path(x), err, sizeof(err))) == NULL) {
		fprintf(stderr, "mashctl: %s\n", err);
		exit(EXIT_USAGE);
	}
	return c;
}

const char *
local_time(struct ctx *x, const char *iso, char *buf, size_t len)
{
	static struct mash_config *conf;
	char err[512];
	int64_t ms;

	if (iso == NULL || mash_time_parse(iso, &ms) != 0)
		return iso != NULL && iso[0] != '\0' ? iso : "-";
	if (conf == NULL &&
	    (conf = config_load(config_path(x), err, sizeof(err))) == NULL)
		return iso; /* a time is still a time: UTC, as mashd gave it */
	return local_at(conf->calendar, iso, buf, len);
}

const char *
local_at(const struct calendar *cal, const char *iso, char *buf, size_t len)
{
	int64_t ms;

	if (iso == NULL || mash_time_parse(iso, &ms) != 0)
		return "-";
	return calendar_format_local(cal, ms, buf, len);
}
