/*
 * mashctl_queue.c: `mashctl queue`, the open referrals at a glance.
 *
 * For a person: the counts per rating, then the first page, one line a
 * referral: its reference in short (17 for this year's MASH-<year>-000017),
 * rating, holder, repeat, categories, channel, when received and what is
 * due next, in the hub's local time with its zone (GMT, BST) or "overdue
 * 2h10m". A page cut short says so and how to go on (--after CURSOR,
 * --all). --json gives every referral as one array (page by page, so no
 * answer is ever large), or, with --limit or --after, one page and its
 * cursor. --watch draws the first page again whenever mashd says the
 * queue changed (mashctl_watch.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mash/calendar.h"
#include "mash/timeutil.h"

#include "mashctl.h"
#include "mashctl_queue.h"

#define PAGE_PERSON 50 /* a person's first page */
#define PAGE_ALL 1000  /* a page of --all and --json */

/* The hub's zone, as mashd names it: a calendar to format local times. */
static struct calendar *
zone_calendar(const char *zone)
{
	static struct calendar *cal;
	static char have[128];
	struct calendar_options o;
	char err[256];

	if (cal != NULL && strcmp(have, zone) == 0)
		return cal;
	calendar_free(cal);
	calendar_options_default(&o);
	o.timezone = zone;
	if ((cal = calendar_new(&o, err, sizeof(err))) == NULL) {
		/* mashd runs with it: this host lacks the zone. UTC says so. */
		o.timezone = "UTC";
		cal = calendar_new(&o, err, sizeof(err));
	}
	snprintf(have, sizeof(have), "%s", zone);
	return cal;
}

/* An ISO 8601 instant of mashd's as the hub's local time, or "-". */
static const char *
local(const struct queue_page *pg, const char *iso, char *buf, size_t len)
{
	int64_t t;

	if (iso == NULL || mash_time_parse(iso, &t) != 0 || pg->cal == NULL)
		return "-";
	return calendar_format_local(pg->cal, t, buf, len);
}

/* "17" for this year's MASH-<year>-000017; "2025-000017" else. */
static const char *
short_ref(const struct queue_page *pg, const char *id, char *buf, size_t len)
{
	char year[16];

	snprintf(year, sizeof(year), "MASH-%.4s-", pg->now_iso);
	if (strncmp(id, year, strlen(year)) == 0) {
		const char *n = id + strlen(year);

		while (n[0] == '0' && n[1] != '\0')
			n++;
		snprintf(buf, len, "%s", n);
	} else {
		snprintf(buf, len, "%s",
			 strncmp(id, "MASH-", 5) == 0 ? id + 5 : id);
	}
	return buf;
}

/* "alice" for "uid:1000(alice)"; "-" for none. */
static const char *
holder(const json_t *it, char *buf, size_t len)
{
	const char *o = json_string_value(json_object_get(it, "owner"));
	const char *open = o ? strchr(o, '(') : NULL;

	if (o == NULL)
		return "-";
	if (open != NULL && o[strlen(o) - 1] == ')')
		snprintf(buf, len, "%.*s", (int)(strlen(open) - 2), open + 1);
	else
		snprintf(buf, len, "%s", o);
	return buf;
}

/* "2h10m", "3d04h": a length of time for a person. */
static const char *
span(int64_t ms, char *buf, size_t len)
{
	long long mins = (long long)(ms / 60000);

	if (mins >= 24 * 60)
		snprintf(buf, len, "%lldd%02lldh", mins / 1440, mins / 60 % 24);
	else
		snprintf(buf, len, "%lldh%02lldm", mins / 60, mins % 60);
	return buf;
}

#define TIMER_LEN 24 /* a timer's name, with room */

/* What is due next, or how long the first deadline missed is overdue. */
static void
next_due(const struct queue_page *pg, const json_t *it, char *timer, char *when,
	 size_t len)
{
	json_t *late = json_object_get(it, "overdue"), *next, *v;
	int64_t first = INT64_MAX, t;
	char s[32];
	size_t i;

	json_array_foreach(late, i, v)
	{
		const char *due =
		    str(json_object_get(json_object_get(it, "timers"),
					json_string_value(v)),
			"due");

		if (mash_time_parse(due, &t) == 0 && t < first) {
			first = t;
			snprintf(timer, TIMER_LEN, "%s", json_string_value(v));
		}
	}
	if (first != INT64_MAX) {
		snprintf(
		    when, len, "overdue %s",
		    span(pg->now > first ? pg->now - first : 0, s, sizeof(s)));
		return;
	}
	next = json_object_get(it, "next_due");
	snprintf(timer, TIMER_LEN, "%s",
		 json_is_object(next) ? str(next, "timer") : "-");
	local(pg, json_is_object(next) ? str(next, "due") : NULL, when, len);
}

void
queue_header(FILE *out)
{
	fprintf(out, "  %-11s %-5s %-10s %-6s %-22s %-7s %-25s %-10s %s\n",
		"REF", "BRAG", "HOLDER", "REPEAT", "CATEGORIES", "CHANNEL",
		"RECEIVED", "NEXT", "DUE");
}

void
queue_row(FILE *out, const struct queue_page *pg, const json_t *it, bool mark)
{
	char ref[32], who[64], col[96], rep[16], cats[128] = "", rec[64],
						 timer[TIMER_LEN], when[64];
	json_t *v;
	size_t i;

	if (json_is_string(json_object_get(it, "damaged"))) {
		/* passed over by mashd, and said */
		fprintf(out, "%s %-11s damaged record (%s)\n", mark ? "*" : " ",
			short_ref(pg, str(it, "id"), ref, sizeof(ref)),
			str(it, "damaged"));
		return;
	}
	json_array_foreach(json_object_get(it, "categories"), i, v)
	{
		size_t n = strlen(cats);

		snprintf(cats + n, sizeof(cats) - n, "%s%s", i ? "," : "",
			 json_string_value(v));
	}
	if (json_is_integer(json_object_get(it, "repeat")))
		snprintf(rep, sizeof(rep), "yes(%lld)",
			 (long long)json_integer_value(
			     json_object_get(it, "repeat")));
	else
		snprintf(rep, sizeof(rep), "-");
	next_due(pg, it, timer, when, sizeof(when));
	fprintf(out, "%s %-11s %-5s %s %-6s %-22s %-7s %-25s %-10s %s\n",
		mark ? "*" : " ",
		short_ref(pg, str(it, "id"), ref, sizeof(ref)), str(it, "brag"),
		padded(holder(it, who, sizeof(who)), 10, col, sizeof(col)), rep,
		cats[0] ? cats : "-", str(it, "channel"),
		local(pg, str(it, "received"), rec, sizeof(rec)), timer, when);
}

/* "queue     red 2, amber 2, green 1, blue 1 (open 6)". */
void
queue_counts(FILE *out, const struct queue_page *pg)
{
	const char *b[] = {"red", "amber", "green", "blue"};
	long long open = 0;
	char now[64];

	fprintf(out, "%-9s", "queue");
	for (size_t i = 0; i < 4; i++) {
		long long n = (long long)json_integer_value(json_object_get(
		    json_object_get(pg->answer, "counts"), b[i]));

		open += n;
		fprintf(out, "%s %s %lld", i ? "," : "", b[i], n);
	}
	fprintf(out, " (open %lld); now %s\n", open,
		local(pg, pg->now_iso, now, sizeof(now)));
}

/* The request of a page, from the command's options. */
static json_t *
page_request(const struct queue_opts *q, const char *after, int limit,
	     bool counts)
{
	json_t *req =
	    json_pack("{ss si sb sb sb sb}", "cmd", "queue", "limit", limit,
		      "mine", q->mine, "unclaimed", q->unclaimed, "overdue",
		      q->overdue, "counts", counts);

	if (q->brag != NULL)
		json_object_set_new(req, "brag", json_string(q->brag));
	if (after != NULL)
		json_object_set_new(req, "after", json_string(after));
	return req;
}

/* Take mashd's answer into pg (taken). */
static void
page_take(struct queue_page *pg, json_t *a)
{
	json_decref(pg->answer);
	pg->answer = a;
	pg->items = json_object_get(a, "items");
	pg->next = json_string_value(json_object_get(a, "next"));
	snprintf(pg->now_iso, sizeof(pg->now_iso), "%s", str(a, "now"));
	if (mash_time_parse(pg->now_iso, &pg->now) != 0)
		pg->now = 0;
	pg->cal = zone_calendar(str(a, "zone"));
}

int
queue_fetch(struct ctx *x, const struct queue_opts *q, struct queue_page *pg,
	    const char *after, int limit, bool counts, bool must)
{
	json_t *req = page_request(q, after, limit, counts);
	json_t *a = must ? request(x, req) : request_any(x, req);

	if (!json_is_true(json_object_get(a, "ok"))) {
		snprintf(pg->error, sizeof(pg->error), "%s", str(a, "error"));
		json_decref(a);
		return -1;
	}
	page_take(pg, a);
	return 0;
}

struct json_all {
	size_t n; /* items printed */
};

/* One item of the stream, as a member of the array, printed as mashd
 * sent it. */
static void
json_all_item(const char *text, size_t len, void *arg)
{
	struct json_all *j = arg;

	printf("%s\n  ", j->n++ ? "," : "");
	fwrite(text, 1, len, stdout);
}

/* Every referral, as one JSON array, streamed by mashd page by page on
 * one connection (no answer is ever large). Cut short, the array is left
 * open, so no reader takes it for the whole queue, and stderr says where
 * to go on from. */
static int
queue_json_all(struct ctx *x, const struct queue_opts *q)
{
	struct json_all j = {0};
	json_t *req = page_request(q, q->after, PAGE_ALL, false);
	int rc;

	json_object_set_new(req, "stream", json_true());
	printf("[");
	if ((rc = request_stream(x, req, json_all_item, &j)) != 0)
		return rc;
	printf(j.n ? "\n]\n" : "]\n");
	return 0;
}

/* A person's table: the counts, then a page, or with --all every one. */
static int
queue_table(struct ctx *x, const struct queue_opts *q)
{
	struct queue_page pg = {0};
	char after[96];
	size_t shown = 0, i;
	json_t *it;

	snprintf(after, sizeof(after), "%s", q->after ? q->after : "");
	do {
		queue_fetch(x, q, &pg, after[0] ? after : NULL,
			    q->all ? PAGE_ALL : q->limit - (int)shown,
			    shown == 0, true);
		if (shown == 0 && after[0] == '\0')
			queue_counts(stdout, &pg);
		if (shown == 0)
			queue_header(stdout);
		json_array_foreach(pg.items, i, it)
		{
			queue_row(stdout, &pg, it, false);
		}
		shown += json_array_size(pg.items);
		snprintf(after, sizeof(after), "%s", pg.next ? pg.next : "");
		/* A page the filters thinned is filled from the next. */
	} while (pg.next != NULL && (q->all || shown < (size_t)q->limit));
	if (pg.next != NULL)
		printf("(%zu shown, more follow: mashctl queue --after %s "
		       "for the next page, --all for every one)\n",
		       shown, pg.next);
	json_decref(pg.answer);
	return 0;
}

/* One page and its cursor, as JSON: --json with --limit or --after. */
static int
queue_json_page(struct ctx *x, const struct queue_opts *q)
{
	struct queue_page pg = {0};
	json_t *o;

	queue_fetch(x, q, &pg, q->after, q->limit, true, true);
	o = json_pack("{sO sO sO}", "items", pg.items, "next",
		      json_object_get(pg.answer, "next"), "counts",
		      json_object_get(pg.answer, "counts"));
	print_json(o);
	json_decref(o);
	json_decref(pg.answer);
	return 0;
}

int
queue_parse(struct ctx *x, int argc, char **argv, struct queue_opts *q,
	    bool *watch)
{
	static const char *const names[] = {"brag", "limit", "after", NULL};
	const char *values[3] = {NULL, NULL, NULL};
	char *end;

	q->mine = take_flag(&argc, argv, "--mine");
	q->unclaimed = take_flag(&argc, argv, "--unclaimed");
	q->overdue = take_flag(&argc, argv, "--overdue");
	q->all = take_flag(&argc, argv, "--all");
	*watch = take_flag(&argc, argv, "--watch");
	parse_opts(x, argc, argv, names, values, NULL, 0);
	q->brag = values[0];
	q->after = values[2];
	q->limit = PAGE_PERSON;
	q->paged = values[1] != NULL || q->after != NULL;
	if (values[1] != NULL) {
		long v = strtol(values[1], &end, 10);

		if (*end != '\0' || v < 1 || v > PAGE_ALL) {
			fprintf(stderr, "mashctl: --limit: 1 to %d\n",
				PAGE_ALL);
			return -1;
		}
		q->limit = (int)v;
	}
	if (q->mine && q->unclaimed) {
		fprintf(stderr, "mashctl: --mine and --unclaimed exclude each "
				"other\n");
		return -1;
	}
	return 0;
}

int
queue_show(struct ctx *x, const struct queue_opts *q)
{
	if (x->json && q->paged && !q->all)
		return queue_json_page(x, q);
	if (x->json)
		return queue_json_all(x, q);
	return queue_table(x, q);
}
