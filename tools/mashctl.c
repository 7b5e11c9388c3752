/*
 * mashctl: the navigators' command line. A thin client: it sends one JSON
 * request over mashd's control socket and prints the one JSON answer, as
 * a table for a person or as JSON with --json for a script.
 *
 * Exit status: 0 done, 1 mashd refused the request, 2 usage, 3 mashd could
 * not be reached, 4 a referral's outcome is unknown (send it again with
 * the idempotency key printed), 5 audit verify found the chain broken.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

static void
usage(void)
{
	size_t n;
	const struct command *c = commands_table(&n);

	fprintf(stderr, "usage: mashctl [-h] [-s socket] [-c config] command "
			"[args]\n\ncommands:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "  %-9s %-36s %s\n", c[i].name, c[i].args,
			c[i].help);
	exit(EXIT_USAGE);
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

/* Send one request; return the answer, whatever it says, or exit when
 * mashd is unreachable. */
json_t *
request_any(struct ctx *x, json_t *req)
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
		exit(EXIT_UNREACHABLE);
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
				exit(EXIT_UNREACHABLE);
			}
		}
		memcpy(resp + len, buf, (size_t)n);
		len += (size_t)n;
		if (memchr(buf, '\n', (size_t)n) != NULL)
			break;
	}
	close(fd);
	if (resp == NULL && sent_errno != 0) {
		fprintf(stderr, "mashctl: cannot send to mashd: %s\n",
			strerror(sent_errno));
		exit(EXIT_UNREACHABLE);
	}
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
	return ans;
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

/* "  overdue   decision 2, escalation 0, ...": one group of status figures. */
static void
print_figures(json_t *a, const char *group, const char *title)
{
	json_t *g = json_object_get(a, group), *v;
	const char *k;
	bool first = true;

	if (!json_is_object(g))
		return;
	printf("%-9s", title);
	json_object_foreach(g, k, v)
	{
		if (!json_is_integer(v))
			continue;
		printf("%s %s %lld", first ? "" : ",", k,
		       (long long)json_integer_value(v));
		first = false;
	}
	printf("\n");
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

/* The master in use, what the replicas confirmed, and failovers seen. */
static void
print_where(json_t *a)
{
	const char *master = str(a, "redis_master");
	const char *sentinel = str(a, "redis_sentinel");
	json_t *conf = json_object_get(a, "replicas_confirmed");
	long long need =
	    (long long)json_integer_value(json_object_get(a, "replicas_ack"));
	long long seen =
	    (long long)json_integer_value(json_object_get(a, "failovers"));

	bool named = sentinel[0] != '\0' && strcmp(sentinel, "-") != 0;

	if (master[0] != '\0' && strcmp(master, "-") != 0)
		printf("%-9s%s%s%s%s\n", "master", master,
		       named ? " (named by the sentinel " : "",
		       named ? sentinel : "", named ? ")" : "");
	if (json_is_integer(conf))
		printf("%-9s%lld confirmed the last change; %lld required\n",
		       "replicas", (long long)json_integer_value(conf), need);
	else if (need > 0)
		printf("%-9snone confirmed a change yet; %lld required\n",
		       "replicas", need);
	if (seen > 0)
		printf("%-9s%lld change(s) of master seen\n", "failover", seen);
}

static int
cmd_status(struct ctx *x, int argc, char **argv)
{
	json_t *a;
	long long up;

	parse_opts(x, argc, argv, NULL, NULL, NULL, 0);
	a = request(x, json_pack("{ss}", "cmd", "status"));
	if (x->json) {
		json_object_del(a, "ok");
		print_json(a);
		json_decref(a);
		return 0;
	}
	up = (long long)json_integer_value(json_object_get(a, "uptime"));
	printf("mashd %s, up %lldd %02lld:%02lld:%02lld%s\n", str(a, "version"),
	       up / 86400, up / 3600 % 24, up / 60 % 60, up % 60,
	       json_is_true(json_object_get(a, "stopping")) ? ", stopping"
							    : "");
	if (json_object_get(a, "redis_rtt_us") != NULL)
		printf("%-9sup, round trip %lld us%s\n", "redis",
		       (long long)json_integer_value(
			   json_object_get(a, "redis_rtt_us")),
		       json_is_false(json_object_get(a, "redis_durable"))
			   ? "; NOT durable (see mashd's log)"
			   : "");
	else
		printf("%-9s%s\n", "redis", str(a, "redis"));
	if (json_object_get(a, "clock_skew_ms") != NULL) {
		long long ms = (long long)json_integer_value(
			      json_object_get(a, "clock_skew_ms")),
			  tenths = (llabs(ms) + 50) / 100;

		printf("%-9s%lld.%lld s %s redis's%s\n", "clock", tenths / 10,
		       tenths % 10, ms < 0 ? "behind" : "ahead of",
		       llabs(ms) > 2000 ? ": timers fire by redis's; set "
					  "this host's clock right"
					: "");
	}
	print_where(a);
	print_figures(a, "queue", "queue");
	print_figures(a, "overdue", "overdue");
	print_figures(a, "taken", "taken");
	print_figures(a, "fired", "fired");
	print_figures(a, "alerts", "alerts");
	print_figures(a, "callbacks", "callbacks");
	audit_status(x, a);
	json_decref(a);
	return 0;
}

/*
 * decide ID OUTCOME --reason TEXT [--actions TEXT], rate ID BRAG --reason
 * TEXT: a change with a word and its required reason, sent as {cmd, id,
 * key, reason[, actions]}; only decide takes --actions.
 */
static int
with_reason(struct ctx *x, int argc, char **argv, const char *cmd,
	    const char *key, const char *usage, const char *done)
{
	static const char *const names[] = {"reason", "actions", NULL};
	const char *values[2] = {NULL, NULL}, *id;
	char *pos[2];
	json_t *a;

	if (parse_opts(x, argc, argv, names, values, pos, 2) != 2 ||
	    values[0] == NULL ||
	    (values[1] != NULL && strcmp(cmd, "decide") != 0)) {
		fprintf(stderr, "usage: mashctl %s\n", usage);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "decide") == 0 &&
	    words_find(outcome_names, OUTCOME_COUNT, pos[1]) < 0) {
		/* Refused, as mashd refuses it: exit 1, as always. */
		did_you_mean("outcome", pos[1], outcome_names, OUTCOME_COUNT);
		return EXIT_REFUSED;
	}
	id = ref_resolve(x, pos[0]);
	a = json_pack("{ss ss ss ss}", "cmd", cmd, "id", id, key, pos[1],
		      "reason", values[0]);
	if (values[1] != NULL)
		json_object_set_new(a, "actions", json_string(values[1]));
	a = request(x, a);
	return answered(x, a, "%s %s %s\n", id, done, pos[1]);
}

static int
cmd_decide(struct ctx *x, int argc, char **argv)
{
	char usage[192], names[128];

	snprintf(
	    usage, sizeof(usage),
	    "decide ID OUTCOME --reason TEXT [--actions TEXT]\n"
	    "       OUTCOME: %s",
	    words_join(outcome_names, OUTCOME_COUNT, names, sizeof(names)));
	return with_reason(x, argc, argv, "decide", "outcome", usage,
			   "decided:");
}

static int
cmd_confirm(struct ctx *x, int argc, char **argv)
{
	char *pos[1];
	json_t *a;

	if (parse_opts(x, argc, argv, NULL, NULL, pos, 1) != 1) {
		fprintf(stderr, "usage: mashctl confirm ID\n");
		return EXIT_USAGE;
	}
	pos[0] = (char *)ref_resolve(x, pos[0]);
	a = request(x, json_pack("{ss ss}", "cmd", "confirm", "id", pos[0]));
	return answered(x, a, "%s: written confirmation recorded\n", pos[0]);
}

/* The configuration for offline commands: -c, else the installed file if
 * there is one, else every default. */
struct mash_config *
offline_config(struct ctx *x)
{
	const char *path = x->config;
	struct mash_config *c;
	char err[512];

	if (path == NULL && access(MASH_CONFIG_FILE, R_OK) == 0)
		path = MASH_CONFIG_FILE;
	if ((c = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mashctl: %s\n", err);
		exit(EXIT_USAGE);
	}
	return c;
}

static int
cmd_deadlines(struct ctx *x, int argc, char **argv)
{
	static const char *const names[] = {"received", "channel", "brag",
					    NULL};
	const char *values[3] = {NULL, channel_names[CHANNEL_WEB], NULL};
	struct mash_config *c;
	struct deadlines dl;
	char buf[MASH_TIME_BUFSZ], key[64], channels[64];
	int64_t received;
	enum brag b;
	json_t *o;

	parse_opts(x, argc, argv, names, values, NULL, 0);
	if (values[0] == NULL || values[2] == NULL) {
		fprintf(stderr,
			"usage: mashctl deadlines --received ISO8601 "
			"[--channel C] --brag R [--json]\n"
			"       C: %s\n",
			words_join(channel_names, CHANNEL_COUNT, channels,
				   sizeof(channels)));
		return EXIT_USAGE;
	}
	if (mash_time_parse(values[0], &received) != 0) {
		fprintf(stderr,
			"mashctl: --received: \"%s\" is not an "
			"instant like 2026-12-24T15:00:00Z\n",
			values[0]);
		return EXIT_USAGE;
	}
	if (brag_parse(values[2], &b) != 0) {
		fprintf(stderr, "mashctl: --brag: use red, amber, green or "
				"blue\n");
		return EXIT_USAGE;
	}
	if (words_find(channel_names, CHANNEL_COUNT, values[1]) < 0) {
		fprintf(stderr, "mashctl: --channel: use %s\n",
			words_join(channel_names, CHANNEL_COUNT, channels,
				   sizeof(channels)));
		return EXIT_USAGE;
	}
	c = offline_config(x);
	deadline_compute(c->calendar, &c->timers, received, values[1], b, &dl);
	o = json_object();
	/* The reminder ladder runs from a decision missed: no due time here. */
	for (int t = 0; t < TIMER_COUNT; t++) {
		if (t == TIMER_OVERDUE_REMINDER)
			continue;
		snprintf(key, sizeof(key), "%s_due", timer_name(t));
		json_object_set_new(
		    o, key,
		    dl.due[t] ? json_string(mash_time_format(dl.due[t], buf))
			      : json_null());
	}
	if (x->json) {
		print_json(o);
	} else {
		printf("received   %s (%s, %s)\n",
		       mash_time_format(received, buf), values[1],
		       brag_name(b));
		for (int t = 0; t < TIMER_COUNT; t++)
			if (t != TIMER_OVERDUE_REMINDER)
				printf("%-17s %s\n", timer_name(t),
				       dl.due[t]
					   ? mash_time_format(dl.due[t], buf)
					   : "-");
	}
	json_decref(o);
	config_free(c);
	return 0;
}

/* Office hours by weekday, Monday first: "08:00-17:30" or "closed". */
static json_t *
office_hours(const struct calendar_options *o)
{
	static const char *const days[7] = {"sunday",	 "monday",   "tuesday",
					    "wednesday", "thursday", "friday",
					    "saturday"};
	json_t *hours = json_object();
	char buf[32];

	for (int i = 1; i <= 7; i++) {
		const struct calendar_hours *h = &o->hours[i % 7];

		if (h->open < 0)
			snprintf(buf, sizeof(buf), "closed");
		else
			snprintf(buf, sizeof(buf), "%02d:%02d-%02d:%02d",
				 h->open / 60, h->open % 60, h->close / 60,
				 h->close % 60);
		json_object_set_new(hours, days[i % 7], json_string(buf));
	}
	return hours;
}

static void
print_calendar(const json_t *out, const struct calendar_holiday *hol)
{
	static const char *const wday[7] = {"Sun", "Mon", "Tue", "Wed",
					    "Thu", "Fri", "Sat"};
	size_t i;
	json_t *h;
	const char *k;

	printf("%d, %s, %s\n\noffice hours:\n",
	       (int)json_integer_value(json_object_get(out, "year")),
	       str(out, "timezone"), str(out, "division"));
	json_object_foreach(json_object_get(out, "hours"), k, h)
	{
		printf("  %-10s %s\n", k, json_string_value(h));
	}
	printf("\nholidays:\n");
	json_array_foreach(json_object_get(out, "holidays"), i, h)
	{
		printf("  %s %s %s\n", str(h, "date"),
		       wday[mash_weekday(hol[i].day)], str(h, "title"));
	}
}

static int
cmd_calendar(struct ctx *x, int argc, char **argv)
{
	static const char *const names[] = {"year", NULL};
	const char *values[1] = {NULL};
	struct calendar_holiday hol[64];
	const struct calendar_options *o;
	struct mash_config *c;
	json_t *out, *list;
	char buf[32];
	size_t n;
	int year, y, m, d;

	parse_opts(x, argc, argv, names, values, NULL, 0);
	if (values[0] != NULL) {
		char *end;
		long v = strtol(values[0], &end, 10);

		if (*end != '\0' || v < 1900 || v > 9999) {
			fprintf(stderr,
				"mashctl: --year: \"%s\" is not a "
				"year\n",
				values[0]);
			return EXIT_USAGE;
		}
		year = (int)v;
	} else {
		mash_civil_from_days((int64_t)time(NULL) / 86400, &year, &m,
				     &d);
	}
	c = offline_config(x);
	o = calendar_options(c->calendar);
	n = calendar_holidays(c->calendar, year, hol, 64);
	list = json_array();
	for (size_t i = 0; i < n; i++) {
		mash_civil_from_days(hol[i].day, &y, &m, &d);
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
		json_array_append_new(list, json_pack("{ss ss}", "date", buf,
						      "title", hol[i].title));
	}
	out = json_pack("{si ss ss so so}", "year", year, "timezone",
			o->timezone, "division", o->division, "hours",
			office_hours(o), "holidays", list);
	if (x->json)
		print_json(out);
	else
		print_calendar(out, hol);
	json_decref(out);
	config_free(c);
	return 0;
}

/*
 * The outcome of a telephone referral is unknown (mashd could not tell
 * whether Redis stored it): say so, with the key that makes sending it
 * again safe. At a terminal, with the record typed in, offer to send it
 * again at once; true when the call handler wants that. If not, what was
 * typed is kept as a draft to send with that key.
 */
static bool
referral_unknown(struct ctx *x, json_t *a, const char *file, struct phone *ph)
{
	const char *key = str(a, "idempotency_key");

	if (x->json) {
		json_object_del(a, "ok");
		print_json(a);
		if (ph != NULL)
			phone_keep(ph, key);
		return false;
	}
	fprintf(stderr, "mashctl: %s:\n", str(a, "error"));
	if (ph == NULL) {
		fprintf(stderr,
			"  mashctl referral new --file %s --idempotency-key "
			"%s\n",
			file == NULL || strcmp(file, "-") == 0 ? "FILE" : file,
			key);
		return false;
	}
	if (ask_yes_no(stdin, stdout, "Send it again now, with that key?") == 1)
		return true;
	phone_keep(ph, key);
	return false;
}

/* The record of --file (or "-"), or NULL having said why. */
static json_t *
referral_file(const char *file)
{
	json_error_t jerr;
	json_t *rec;

	if (strcmp(file, "-") == 0)
		rec = json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr);
	else
		rec = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
	if (rec == NULL)
		fprintf(stderr, "mashctl: %s:%d: %s\n", file, jerr.line,
			jerr.text);
	return rec;
}

/* referral new --file F [--idempotency-key KEY]: a telephone referral,
 * whole, from a file ("-" is standard input). Without --file, at a
 * terminal, asked field by field (phone.h), or taken up from --draft.
 * The call handler reads the reference back. The same key with the same
 * record never stores it twice. */
static int
cmd_referral(struct ctx *x, int argc, char **argv)
{
	static const char *const names[] = {"file", "idempotency-key", "draft",
					    NULL};
	const char *values[3] = {NULL, NULL, NULL};
	char *pos[1], key[256] = "";
	struct phone ph, *typed = NULL;
	json_t *rec, *a, *req;
	int rc;

	if (parse_opts(x, argc, argv, names, values, pos, 1) != 1 ||
	    strcmp(pos[0], "new") != 0 ||
	    (values[0] != NULL && values[2] != NULL) ||
	    (values[0] == NULL && !isatty(STDIN_FILENO))) {
		fprintf(stderr, "usage: mashctl referral new [--file "
				"referral.json | --draft FILE] "
				"[--idempotency-key KEY] [--json]\n"
				"       (without --file, on a terminal: asked "
				"field by field)\n");
		return EXIT_USAGE;
	}
	if (values[0] == NULL) {
		typed = &ph;
		rc = phone_take(&ph, values[2], (int64_t)time(NULL) * 1000);
		if (rc != 0) {
			phone_free(&ph);
			return rc == 1 ? EXIT_REFUSED : EXIT_USAGE;
		}
		rec = json_incref(phone_record(&ph));
	} else if ((rec = referral_file(values[0])) == NULL)
		return EXIT_USAGE;
	if (values[1] != NULL)
		snprintf(key, sizeof(key), "%s", values[1]);
	for (;;) {
		req = json_pack("{ss sO}", "cmd", "submit", "record", rec);
		if (key[0] != '\0')
			json_object_set_new(req, "idempotency_key",
					    json_string(key));
		a = request_any(x, req);
		if (json_is_true(json_object_get(a, "ok")))
			break;
		if (strcmp(str(a, "outcome"), "unknown") != 0) {
			fprintf(stderr, "mashctl: %s\n", str(a, "error"));
			if (typed != NULL) {
				phone_keep(typed, NULL);
				phone_free(typed);
			}
			json_decref(a);
			json_decref(rec);
			return EXIT_REFUSED;
		}
		/* The same key again: mashd's, when none was given. */
		snprintf(key, sizeof(key), "%s", str(a, "idempotency_key"));
		if (!referral_unknown(x, a, values[0], typed)) {
			if (typed != NULL)
				phone_free(typed);
			json_decref(a);
			json_decref(rec);
			return EXIT_UNKNOWN;
		}
		json_decref(a);
	}
	json_decref(rec);
	if (x->json) {
		json_object_del(a, "ok");
		print_json(a);
	} else {
		printf("Reference %s, rated %s. Read the reference back to "
		       "the caller.\n",
		       str(a, "id"), str(a, "brag"));
	}
	if (typed != NULL) {
		phone_sent(typed);
		phone_free(typed);
	}
	json_decref(a);
	return 0;
}

/* alerts [--state S] [--json], alerts retry ID */
static int
cmd_alerts(struct ctx *x, int argc, char **argv)
{
	static const char *const names[] = {"state", NULL};
	const char *values[1] = {NULL};
	char *pos[2];
	int npos = parse_opts(x, argc, argv, names, values, pos, 2);
	json_t *a, *items, *it;
	size_t i;

	if (npos == 2 && strcmp(pos[0], "retry") == 0) {
		a = request(x, json_pack("{ss ss}", "cmd", "alert_retry", "id",
					 pos[1]));
		return answered(x, a, "alert %s requeued as %s\n", pos[1],
				str(a, "requeued_as"));
	}
	if (npos != 0) {
		fprintf(stderr, "usage: mashctl alerts [--state "
				"pending|sent|callback|dead|requeued] "
				"[--json]\n"
				"       mashctl alerts retry ID\n");
		return EXIT_USAGE;
	}
	a = request(x, values[0] ? json_pack("{ss ss}", "cmd", "alerts",
					     "state", values[0])
				 : json_pack("{ss}", "cmd", "alerts"));
	items = json_object_get(a, "items");
	if (x->json) {
		print_json(items);
	} else {
		printf("%-16s %-17s %-17s %-9s %-8s %s\n", "ALERT", "EVENT",
		       "REFERENCE", "STATE", "ATTEMPTS", "LAST ERROR");
		json_array_foreach(items, i, it)
		{
			printf("%-16s %-17s %-17s %-9s %-8lld %s\n",
			       str(it, "id"), str(it, "event"), str(it, "ref"),
			       str(it, "state"),
			       (long long)json_integer_value(
				   json_object_get(it, "attempts")),
			       str(it, "last_error"));
		}
	}
	json_decref(a);
	return 0;
}

/* callbacks [--all] [--json]: the referrers the navigators must call. */
static int
cmd_callbacks(struct ctx *x, int argc, char **argv)
{
	bool all = take_flag(&argc, argv, "--all");
	json_t *a, *items, *it;
	size_t i;

	if (parse_opts(x, argc, argv, NULL, NULL, NULL, 0) != 0) {
		fprintf(stderr, "usage: mashctl callbacks [--all] [--json]\n");
		return EXIT_USAGE;
	}
	a = request(x, json_pack("{ss sb}", "cmd", "callbacks", "all", all));
	items = json_object_get(a, "items");
	if (x->json) {
		print_json(items);
	} else {
		printf("%-6s %-17s %-17s %-16s %-20s %-5s %s\n", "TASK",
		       "REFERENCE", "EVENT", "PHONE", "DUE", "STATE",
		       "CALLED BY, NOTE");
		json_array_foreach(items, i, it)
		{
			printf("%-6s %-17s %-17s %-16s %-20s %-5s",
			       str(it, "id"), str(it, "ref"), str(it, "event"),
			       str(it, "phone"), str(it, "due"),
			       str(it, "state"));
			if (json_is_string(json_object_get(it, "called_by")))
				printf(" %s, %s: %s", str(it, "called_by"),
				       str(it, "called_at"), str(it, "note"));
			printf("\n");
		}
		/* Never a silent cap. */
		if ((json_int_t)json_array_size(items) <
		    json_integer_value(json_object_get(a, "open")))
			printf("(%zu of %lld open tasks shown)\n",
			       json_array_size(items),
			       (long long)json_integer_value(
				   json_object_get(a, "open")));
	}
	json_decref(a);
	return 0;
}

/* called TASK --note TEXT: the referrer of a call-back task was called. */
static int
cmd_called(struct ctx *x, int argc, char **argv)
{
	static const char *const names[] = {"note", NULL};
	const char *values[1] = {NULL};
	char *pos[1];
	json_t *a;

	if (parse_opts(x, argc, argv, names, values, pos, 1) != 1 ||
	    values[0] == NULL) {
		fprintf(stderr, "usage: mashctl called TASK --note TEXT\n");
		return EXIT_USAGE;
	}
	a = request(x, json_pack("{ss ss ss}", "cmd", "called", "id", pos[0],
				 "note", values[0]));
	return answered(x, a, "call-back task %s (%s) closed\n", pos[0],
			str(a, "ref"));
}

static int
claim_release(struct ctx *x, int argc, char **argv, const char *what)
{
	bool force = take_flag(&argc, argv, "--force");
	char *pos[1];
	json_t *a;

	if (parse_opts(x, argc, argv, NULL, NULL, pos, 1) != 1) {
		fprintf(stderr, "usage: mashctl %s ID [--force]\n", what);
		return EXIT_USAGE;
	}
	pos[0] = (char *)ref_resolve(x, pos[0]);
	a = request(x, json_pack("{ss ss sb}", "cmd", what, "id", pos[0],
				 "force", force));
	return answered(x, a, "%s %s\n", pos[0],
			strcmp(what, "claim") == 0 ? "claimed" : "released");
}

static int
cmd_claim(struct ctx *x, int argc, char **argv)
{
	return claim_release(x, argc, argv, "claim");
}

static int
cmd_release(struct ctx *x, int argc, char **argv)
{
	return claim_release(x, argc, argv, "release");
}

static int
cmd_rate(struct ctx *x, int argc, char **argv)
{
	return with_reason(x, argc, argv, "rate", "brag",
			   "rate ID red|amber|green|blue --reason TEXT",
			   "re-rated");
}

static int
cmd_note(struct ctx *x, int argc, char **argv)
{
	char *pos[2];
	json_t *a;

	if (parse_opts(x, argc, argv, NULL, NULL, pos, 2) != 2) {
		fprintf(stderr, "usage: mashctl note ID TEXT\n");
		return EXIT_USAGE;
	}
	pos[0] = (char *)ref_resolve(x, pos[0]);
	a = request(x, json_pack("{ss ss ss}", "cmd", "note", "id", pos[0],
				 "text", pos[1]));
	return answered(x, a, "%s: note recorded\n", pos[0]);
}

static int
cmd_history(struct ctx *x, int argc, char **argv)
{
	char *pos[1];
	json_t *a, *items, *it;
	size_t i;

	if (parse_opts(x, argc, argv, NULL, NULL, pos, 1) != 1) {
		fprintf(stderr, "usage: mashctl history ID [--json]\n");
		return EXIT_USAGE;
	}
	pos[0] = (char *)ref_resolve(x, pos[0]);
	a = request(x, json_pack("{ss ss}", "cmd", "history", "id", pos[0]));
	items = json_object_get(a, "items");
	if (x->json) {
		print_json(items);
	} else {
		printf("%-20s %-24s %-10s %s\n", "AT", "ACTOR", "ACTION",
		       "DETAIL");
		json_array_foreach(items, i, it)
		{
			printf("%-20s %-24s %-10s %s\n", str(it, "at"),
			       str(it, "actor"), str(it, "action"),
			       str(it, "detail"));
		}
	}
	json_decref(a);
	return 0;
}

static const struct command commands[] = {
    {"status", "[--json]", "mashd, Redis and the queue at a glance",
     cmd_status},
    {"queue",
     "[--brag R] [--mine|--unclaimed] [--overdue] [--limit N] [--after C] "
     "[--all] [--json] [--watch]",
     "open referrals, most urgent first", cmd_queue},
    {"show", "ID [--json]", "one referral, whole (audited)", cmd_show},
    {"history", "ID [--json]", "a referral's audit trail (audited)",
     cmd_history},
    {"list",
     "[--decided|--all] [--since D] [--until D] [--brag R] [--outcome O] "
     "[--agency A] [--limit N] [--after PAGE] [--json]",
     "decided (or all) referrals, newest first, paged", cmd_list},
    {"child", "--name NAME --dob YYYY-MM-DD [--json]",
     "every referral about one child (audited)", cmd_child},
    {"claim", "ID [--force]", "take a referral to work on", cmd_claim},
    {"release", "ID [--force]", "give a claimed referral back", cmd_release},
    {"rate", "ID BRAG --reason TEXT", "re-rate; screening restarts", cmd_rate},
    {"note", "ID TEXT", "add a note to the audit trail", cmd_note},
    {"decide", "ID OUTCOME --reason T [--actions T]",
     "record the decision; stops its timers", cmd_decide},
    {"confirm", "ID", "written confirmation of a phone referral received",
     cmd_confirm},
    {"screen", "ID --reason TEXT", "screening done: its timers stop",
     cmd_screen},
    {"reopen", "ID --reason TEXT", "correct a decision (supervisors)",
     cmd_reopen},
    {"alerts", "[--state S] [--json] | retry ID", "alerts and their delivery",
     cmd_alerts},
    {"callbacks", "[--all] [--json]",
     "referrers no alert reaches: telephone them", cmd_callbacks},
    {"called", "TASK --note TEXT", "a call-back made: close its task",
     cmd_called},
    {"referral", "new [--file F | --draft F] [--idempotency-key K]",
     "a telephone referral (channel phone)", cmd_referral},
    {"deadlines", "--received T --channel C --brag R",
     "compute due times offline", cmd_deadlines},
    {"calendar", "[--year Y] [--json]", "office hours and holidays",
     cmd_calendar},
    {"help", "[COMMAND]", "this list, or one command's usage", cmd_help},
    {"audit", "verify [--from ID] [--json]", "check the audit's hash chain",
     cmd_audit},
    {"report", "--from DATE --to DATE [--by K] [--json|--csv]",
     "timeliness figures (audited)", cmd_report},
};

const struct command *
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

	if (argc > 1 && strcmp(argv[1], "--help") == 0)
		help_exit(NULL);
	while ((ch = getopt(argc, argv, "+s:c:h")) != -1) {
		switch (ch) {
		case 'h':
			help_exit(NULL);
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
	if (nmatch == 0) {
		const char *names[sizeof(commands) / sizeof(commands[0])];

		for (size_t i = 0; i < n; i++)
			names[i] = commands[i].name;
		did_you_mean("command", argv[0], names, n);
		return EXIT_USAGE;
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
	for (int i = 1; i < argc; i++) /* mashctl COMMAND ... --help */
		if (strcmp(argv[i], "--help") == 0)
			help_exit(match);
	return match->fn(&x, argc, argv);
}
