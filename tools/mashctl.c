/*
 * mashctl: the navigators' command line. A thin client: it sends one JSON
 * request over mashd's control socket and prints the one JSON answer, as
 * a table for a person or as JSON with --json for a script.
 *
 * Exit status: 0 done, 1 mashd refused the request, 2 usage, 3 mashd could
 * not be reached.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>
#include <libconfig.h>

#include "mash/protocol.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

struct ctx {
	const char *socket;
	const char *config;
	bool json;
};

struct command {
	const char *name;
	const char *args;
	const char *help;
	int (*fn)(struct ctx *, int, char **);
};

static const struct command *commands_table(size_t *n);

static void
usage(void)
{
	size_t n;
	const struct command *c = commands_table(&n);

	fprintf(stderr, "usage: mashctl [-s socket] [-c config] command "
			"[args]\n\ncommands:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "  %-8s %-28s %s\n", c[i].name, c[i].args,
			c[i].help);
	exit(EXIT_USAGE);
}

/* The socket: -s, else control.socket of -c's file, else the default. */
static const char *
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

/* Send one request; return the answer, or exit when mashd is unreachable. */
static json_t *
request(struct ctx *x, json_t *req)
{
	const char *path = socket_path(x);
	struct sockaddr_un sun;
	char *text, buf[65536];
	size_t len = 0, cap = 0;
	char *resp = NULL;
	json_error_t jerr;
	json_t *ans;
	ssize_t n;
	int fd;

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
		exit(EXIT_UNREACHABLE);
	}
	if (text == NULL || write(fd, text, strlen(text)) < 0 ||
	    write(fd, "\n", 1) != 1) {
		fprintf(stderr, "mashctl: cannot send to mashd: %s\n",
			strerror(errno));
		exit(EXIT_UNREACHABLE);
	}
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
				exit(EXIT_UNREACHABLE);
			}
		}
		memcpy(resp + len, buf, (size_t)n);
		len += (size_t)n;
		if (memchr(buf, '\n', (size_t)n) != NULL)
			break;
	}
	close(fd);
	if (resp == NULL) {
		fprintf(stderr, "mashctl: mashd closed the connection without "
				"an answer\n");
		exit(EXIT_UNREACHABLE);
	}
	ans = json_loadb(resp, len, JSON_DISABLE_EOF_CHECK, &jerr);
	free(resp);
	if (ans == NULL) {
		fprintf(stderr, "mashctl: unreadable answer from mashd: %s\n",
			jerr.text);
		exit(EXIT_UNREACHABLE);
	}
	if (!json_is_true(json_object_get(ans, "ok"))) {
		const char *e =
		    json_string_value(json_object_get(ans, "error"));

		fprintf(stderr, "mashctl: %s\n", e ? e : "request refused");
		json_decref(ans);
		exit(EXIT_REFUSED);
	}
	return ans;
}

static void
print_json(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
}

static const char *
str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

/* Parse a command's own options: only --json, and a fixed set of
 * --name VALUE pairs given in `names` (NULL-terminated) into `values`. */
static int
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

static int
cmd_status(struct ctx *x, int argc, char **argv)
{
	json_t *a, *q;

	parse_opts(x, argc, argv, NULL, NULL, NULL, 0);
	a = request(x, json_pack("{ss}", "cmd", "status"));
	if (x->json) {
		json_object_del(a, "ok");
		print_json(a);
	} else {
		printf(
		    "mashd %s, up %llds, redis %s%s\n", str(a, "version"),
		    (long long)json_integer_value(json_object_get(a, "uptime")),
		    str(a, "redis"),
		    json_is_true(json_object_get(a, "stopping")) ? ", stopping"
								 : "");
		if ((q = json_object_get(a, "queue")) != NULL)
			printf("open %lld: red %lld, amber %lld, green %lld, "
			       "blue %lld\n",
			       (long long)json_integer_value(
				   json_object_get(q, "open")),
			       (long long)json_integer_value(
				   json_object_get(q, "red")),
			       (long long)json_integer_value(
				   json_object_get(q, "amber")),
			       (long long)json_integer_value(
				   json_object_get(q, "green")),
			       (long long)json_integer_value(
				   json_object_get(q, "blue")));
	}
	json_decref(a);
	return 0;
}

static int
cmd_queue(struct ctx *x, int argc, char **argv)
{
	static const char *const names[] = {"brag", NULL};
	const char *values[1] = {NULL};
	json_t *req = json_pack("{ss}", "cmd", "queue"), *a, *items, *it;
	size_t i;

	parse_opts(x, argc, argv, names, values, NULL, 0);
	if (values[0] != NULL)
		json_object_set_new(req, "brag", json_string(values[0]));
	a = request(x, req);
	items = json_object_get(a, "items");
	if (x->json) {
		print_json(items);
	} else {
		printf("%-17s %-6s %-9s %-8s %s\n", "ID", "BRAG", "STATUS",
		       "CHANNEL", "RECEIVED");
		json_array_foreach(items, i, it)
		{
			printf("%-17s %-6s %-9s %-8s %s\n", str(it, "id"),
			       str(it, "brag"), str(it, "status"),
			       str(it, "channel"), str(it, "received"));
		}
	}
	json_decref(a);
	return 0;
}

static int
cmd_show(struct ctx *x, int argc, char **argv)
{
	char *pos[1];
	json_t *a, *ref, *v;
	const char *k;

	if (parse_opts(x, argc, argv, NULL, NULL, pos, 1) != 1) {
		fprintf(stderr, "usage: mashctl show ID [--json]\n");
		return EXIT_USAGE;
	}
	a = request(x, json_pack("{ssss}", "cmd", "show", "id", pos[0]));
	ref = json_object_get(a, "referral");
	if (x->json) {
		print_json(ref);
	} else {
		json_object_foreach(ref, k, v)
		{
			if (json_is_string(v))
				printf("%-10s %s\n", k, json_string_value(v));
		}
		if ((v = json_object_get(ref, "record")) != NULL) {
			printf("record:\n");
			print_json(v);
		}
	}
	json_decref(a);
	return 0;
}

static const struct command commands[] = {
    {"status", "[--json]", "mashd, Redis and the queue at a glance",
     cmd_status},
    {"queue", "[--brag R] [--json]", "open referrals, most urgent first",
     cmd_queue},
    {"show", "ID [--json]", "one referral, whole (audited)", cmd_show},
};

static const struct command *
commands_table(size_t *n)
{
	*n = sizeof(commands) / sizeof(commands[0]);
	return commands;
}

int
main(int argc, char **argv)
{
	struct ctx x = {NULL, NULL, false};
	const struct command *match = NULL;
	size_t n, nmatch = 0;
	int ch;

	while ((ch = getopt(argc, argv, "+s:c:h")) != -1) {
		switch (ch) {
		case 's':
			x.socket = optarg;
			break;
		case 'c':
			x.config = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	commands_table(&n);
	/* An exact name wins; else a unique prefix, as smtpctl allows. */
	for (size_t i = 0; i < n; i++) {
		if (strcmp(argv[0], commands[i].name) == 0) {
			match = &commands[i];
			nmatch = 1;
			break;
		}
		if (strncmp(argv[0], commands[i].name, strlen(argv[0])) == 0) {
			match = &commands[i];
			nmatch++;
		}
	}
	if (nmatch != 1) {
		fprintf(stderr, "mashctl: %s command \"%s\"; one of:",
			nmatch ? "ambiguous" : "unknown", argv[0]);
		for (size_t i = 0; i < n; i++)
			if (nmatch == 0 || strncmp(argv[0], commands[i].name,
						   strlen(argv[0])) == 0)
				fprintf(stderr, " %s", commands[i].name);
		fprintf(stderr, "\n");
		return EXIT_USAGE;
	}
	return match->fn(&x, argc, argv);
}
