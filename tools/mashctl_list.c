/*
 * mashctl_list.c: finding referrals that left the queue. `list` pages
 * through the decided ones (or all, with --all), newest first, filtered;
 * `child` lists every referral about one child, found by mashd through
 * the keys of repeat detection, so no name is ever stored to find them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "mash/brag.h"
#include "mash/calendar.h"
#include "mash/config.h"
#include "mash/timeutil.h"
#include "mash/words.h"

#include "mashctl.h"

#define LOCAL_LEN 40

static const char *
local(const struct calendar *cal, const char *iso, char *buf)
{
	return local_at(cal, iso, buf, LOCAL_LEN);
}

/*
 * --since/--until: an ISO 8601 instant, or a date of the hub's calendar:
 * its first instant (since) or its last (until). -1 when neither.
 */
static int
list_date(const char *zone, const char *s, bool end, int64_t *ms)
{
	struct tm tm;
	int y, m, d;
	time_t t;

	if (mash_time_parse(s, ms) == 0)
		return 0;
	if (mash_date_parse(s, &y, &m, &d) != 0)
		return -1;
	setenv("TZ", zone, 1);
	tzset();
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + (end ? 1 : 0);
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	*ms = (int64_t)t * 1000 - (end ? 1 : 0);
	return 0;
}

/* The words of --brag and --outcome, checked here for "did you mean". */
static int
list_words(const char *brag, const char *outcome)
{
	const char *brags[BRAG_COUNT];
	enum brag b;

	for (int i = 0; i < BRAG_COUNT; i++)
		brags[i] = brag_name((enum brag)i);
	if (brag != NULL && brag_parse(brag, &b) != 0) {
		did_you_mean("BRAG rating", brag, brags, BRAG_COUNT);
		return -1;
	}
	if (outcome != NULL &&
	    words_find(outcome_names, OUTCOME_COUNT, outcome) < 0) {
		did_you_mean("outcome", outcome, outcome_names, OUTCOME_COUNT);
		return -1;
	}
	return 0;
}

static void
list_print(const struct calendar *cal, const json_t *items, bool all)
{
	char rec[LOCAL_LEN], dec[LOCAL_LEN];
	const json_t *it;
	size_t i;

	printf("%-17s %-6s %-*s %-*s %-11s %s\n", "REFERENCE", "BRAG",
	       LOCAL_LEN - 14, all ? "RECEIVED" : "DECIDED", 10,
	       all ? "STATUS" : "OUTCOME", "CHANNEL", "AGENCY");
	json_array_foreach(items, i, it)
	{
		const char *st = str(it, "status");
		bool decided = strcmp(st, "decided") == 0;

		if (json_is_string(json_object_get(it, "damaged"))) {
			/* passed over by mashd, and said */
			printf("%-17s damaged record (%s)\n", str(it, "id"),
			       str(it, "damaged"));
			continue;
		}
		local(cal, str(it, "received"), rec);
		local(cal, str(it, "decided"), dec);
		printf("%-17s %-6s %-*s %-10s %-11s %s\n", str(it, "id"),
		       str(it, "brag"), LOCAL_LEN - 14, all ? rec : dec,
		       decided ? str(it, "outcome") : st, str(it, "channel"),
		       *str(it, "agency") ? str(it, "agency") : "-");
	}
}

/* Never a silent cap: a cut list says so, and how to see the rest. */
static void
list_footer(const json_t *a, int argc, char **argv)
{
	const char *next = json_string_value(json_object_get(a, "next"));
	size_t n = json_array_size(json_object_get(a, "items"));

	if (next == NULL) {
		printf("(%zu referral(s); the end of the list)\n", n);
		return;
	}
	printf("(%zu referral(s) on this page; more follow. The next page:\n"
	       "  mashctl list",
	       n);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--after") == 0) {
			i++;
			continue;
		}
		printf(strpbrk(argv[i], " \t'\"") ? " '%s'" : " %s", argv[i]);
	}
	printf(" --after %s )\n", next);
}

int
cmd_list(struct ctx *x, int argc, char **argv)
{
	static const char *const names[] = {"since",   "until",	 "brag",
					    "outcome", "agency", "after",
					    "limit",   NULL};
	const char *v[7] = {NULL};
	bool all = take_flag(&argc, argv, "--all");
	bool decided = take_flag(&argc, argv, "--decided");
	struct mash_config *c;
	json_t *req, *a;
	int64_t ms;

	if (parse_opts(x, argc, argv, names, v, NULL, 0) != 0 ||
	    (all && decided)) {
		fprintf(stderr,
			"usage: mashctl list [--decided|--all] [--since "
			"DATE] [--until DATE] [--brag R]\n"
			"       [--outcome O] [--agency A] [--limit N] "
			"[--after PAGE] [--json]\n");
		return EXIT_USAGE;
	}
	if (list_words(v[2], v[3]) != 0)
		return EXIT_USAGE;
	c = offline_config(x);
	req = json_pack("{ss sb}", "cmd", "list", "all", all);
	for (int k = 0; k < 2; k++) {
		if (v[k] == NULL)
			continue;
		if (list_date(calendar_options(c->calendar)->timezone, v[k],
			      k == 1, &ms) != 0) {
			fprintf(stderr,
				"mashctl: --%s: \"%s\" is neither a date "
				"(2026-11-30) nor an instant "
				"(2026-11-30T09:15:00Z)\n",
				names[k], v[k]);
			config_free(c);
			json_decref(req);
			return EXIT_USAGE;
		}
		json_object_set_new(req, names[k], json_integer(ms));
	}
	for (int k = 2; k < 6; k++)
		if (v[k] != NULL)
			json_object_set_new(req, names[k], json_string(v[k]));
	if (v[6] != NULL)
		json_object_set_new(req, "limit",
				    json_integer(strtol(v[6], NULL, 10)));
	a = request(x, req);
	if (x->json) {
		json_object_del(a, "ok");
		print_json(a);
	} else {
		list_print(c->calendar, json_object_get(a, "items"), all);
		list_footer(a, argc, argv);
	}
	json_decref(a);
	config_free(c);
	return 0;
}

int
cmd_child(struct ctx *x, int argc, char **argv)
{
	static const char *const names[] = {"name", "dob", NULL};
	const char *v[2] = {NULL, NULL};
	char rec[LOCAL_LEN];
	struct mash_config *c;
	const json_t *it;
	json_t *a, *items;
	size_t i;

	if (parse_opts(x, argc, argv, names, v, NULL, 0) != 0 || v[0] == NULL ||
	    v[1] == NULL) {
		fprintf(stderr, "usage: mashctl child --name \"FIRST LAST\" "
				"--dob YYYY-MM-DD [--json]\n");
		return EXIT_USAGE;
	}
	a = request(x, json_pack("{ss ss ss}", "cmd", "child", "name", v[0],
				 "dob", v[1]));
	items = json_object_get(a, "items");
	if (x->json) {
		print_json(items);
		json_decref(a);
		return 0;
	}
	c = offline_config(x);
	printf("%-17s %-6s %-*s %-10s %s\n", "REFERENCE", "BRAG",
	       LOCAL_LEN - 14, "RECEIVED", "STATUS", "OUTCOME");
	json_array_foreach(items, i, it)
	{
		if (json_is_string(json_object_get(it, "damaged"))) {
			/* passed over by mashd, and said */
			printf("%-17s damaged record (%s)\n", str(it, "id"),
			       str(it, "damaged"));
			continue;
		}
		printf("%-17s %-6s %-*s %-10s %s\n", str(it, "id"),
		       str(it, "brag"), LOCAL_LEN - 14,
		       local(c->calendar, str(it, "received"), rec),
		       str(it, "status"),
		       *str(it, "outcome") ? str(it, "outcome") : "-");
	}
	printf("(%zu referral(s) about this child)\n", json_array_size(items));
	if (json_integer_value(json_object_get(a, "damaged_lists")) > 0)
		printf("(%lld of the child's lists of referrals damaged: "
		       "their referrals could not be read)\n",
		       (long long)json_integer_value(
			   json_object_get(a, "damaged_lists")));
	config_free(c);
	json_decref(a);
	return 0;
}
