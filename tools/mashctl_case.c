/*
 * mashctl_case.c: the commands of a referral's casework and of the hub's
 * state: status, decide, confirm, claim, release, rate, note, history,
 * alerts, callbacks and called. Each is one request to mashd.
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

int
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
	else if (json_object_get(a, "redis_error") != NULL)
		printf("%-9s%s: %s\n", "redis", str(a, "redis"),
		       str(a, "redis_error"));
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

int
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

int
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

/* alerts [--state S] [--json], alerts retry ID */
int
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
int
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
		printf("%-6s %-17s %-17s %-16s %-*s %-5s %s\n", "TASK",
		       "REFERENCE", "EVENT", "PHONE", LOCAL_TIME_COLS, "DUE",
		       "STATE", "CALLED BY, NOTE");
		json_array_foreach(items, i, it)
		{
			char due[LOCAL_TIME_LEN], at[LOCAL_TIME_LEN];

			printf("%-6s %-17s %-17s %-16s %-*s %-5s",
			       str(it, "id"), str(it, "ref"), str(it, "event"),
			       json_is_string(json_object_get(it, "damaged"))
				   ? "damaged record"
				   : str(it, "phone"),
			       LOCAL_TIME_COLS,
			       local_time(x, str(it, "due"), due, sizeof(due)),
			       str(it, "state"));
			if (json_is_string(json_object_get(it, "called_by")))
				printf(" %s, %s: %s", str(it, "called_by"),
				       local_time(x, str(it, "called_at"), at,
						  sizeof(at)),
				       str(it, "note"));
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
int
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

int
cmd_claim(struct ctx *x, int argc, char **argv)
{
	return claim_release(x, argc, argv, "claim");
}

int
cmd_release(struct ctx *x, int argc, char **argv)
{
	return claim_release(x, argc, argv, "release");
}

int
cmd_rate(struct ctx *x, int argc, char **argv)
{
	return with_reason(x, argc, argv, "rate", "brag",
			   "rate ID red|amber|green|blue --reason TEXT",
			   "re-rated");
}

int
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

int
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
		printf("%-*s %-24s %-10s %s\n", LOCAL_TIME_COLS, "AT", "ACTOR",
		       "ACTION", "DETAIL");
		json_array_foreach(items, i, it)
		{
			char at[LOCAL_TIME_LEN], actor[160];

			printf(
			    "%-*s %s %-10s %s\n", LOCAL_TIME_COLS,
			    local_time(x, str(it, "at"), at, sizeof(at)),
			    padded(str(it, "actor"), 24, actor, sizeof(actor)),
			    str(it, "action"), str(it, "detail"));
		}
	}
	json_decref(a);
	return 0;
}
