/*
 * mashctl_explain.c: `mashctl explain ID [TIMER]` and `mashctl deadlines
 * ... --explain`: how each due time was reached, step by step, in the
 * hub's local time (mashctl(1) names every step). mashd walks a stored
 * referral's timers from their recorded starts (daemon/ctl_explain.c);
 * deadlines --explain walks a referral that is not stored, here, with the
 * same code (include/mash/explain.h). --json prints the steps as data.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mash/brag.h"
#include "mash/calendar.h"
#include "mash/config.h"
#include "mash/deadline.h"
#include "mash/explain.h"
#include "mash/timeutil.h"
#include "mash/words.h"

#include "mashctl.h"

/* "2026-12-25" as "Fri 25 Dec 2026". */
static const char *
day_text(const char *date, char *buf, size_t len)
{
	static const char *const wd[7] = {"Sun", "Mon", "Tue", "Wed",
					  "Thu", "Fri", "Sat"};
	static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr",
					    "May", "Jun", "Jul", "Aug",
					    "Sep", "Oct", "Nov", "Dec"};
	int y, m, d;

	if (date == NULL || mash_date_parse(date, &y, &m, &d) != 0)
		return "-";
	snprintf(buf, len, "%s %02d %s %04d",
		 wd[mash_weekday(mash_days_from_civil(y, m, d))], d, mon[m - 1],
		 y);
	return buf;
}

/* An instant's local time of day with its zone: "14:00 GMT". */
static const char *
clock_of(const struct calendar *cal, const char *iso, char *buf, size_t len)
{
	const char *s = local_at(cal, iso, buf, len);
	int spaces = 0;

	for (const char *p = s; *p != '\0'; p++)
		if (*p == ' ' && ++spaces == 4)
			return p + 1;
	return s;
}

static const char *
why_text(const char *why)
{
	static const struct {
		const char *name, *text;
	} t[] = {
	    {"weekend", "weekend"},
	    {"closed_weekday", "the office is closed on that weekday"},
	    {"bank_holiday", "bank holiday"},
	    {"extra_day", "a closed day of the hub's own (calendar.extra)"},
	    {"no_hours", "its office hours fall in a clock change"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(why, t[i].name) == 0)
			return t[i].text;
	return why;
}

static void
print_step(const struct calendar *cal, const json_t *s)
{
	const char *k = str(s, "step");
	char a[LOCAL_TIME_LEN], b[LOCAL_TIME_LEN];

	if (strcmp(k, "start") == 0) {
		printf("  start         %s (%s)\n",
		       local_at(cal, str(s, "at"), a, sizeof(a)),
		       str(s, "why"));
	} else if (strcmp(k, "open") == 0) {
		printf("  open          the office is open then: counting "
		       "starts at once\n");
	} else if (strcmp(k, "next_open") == 0 ||
		   strcmp(k, "last_close") == 0) {
		printf("  %-13s %s (the office is closed at %s)\n",
		       k[0] == 'n' ? "next opening" : "last close",
		       local_at(cal, str(s, "at"), a, sizeof(a)),
		       local_at(cal, str(s, "from"), b, sizeof(b)));
	} else if (strcmp(k, "skip") == 0) {
		const json_t *title = json_object_get(s, "title");

		printf("  skip          %s  %s%s%s\n",
		       day_text(str(s, "date"), a, sizeof(a)),
		       why_text(str(s, "why")), title ? ": " : "",
		       title ? json_string_value(title) : "");
	} else if (strcmp(k, "count") == 0) {
		printf("  count         %s  working day %lld, office hours "
		       "%s\n",
		       day_text(str(s, "date"), a, sizeof(a)),
		       (long long)json_integer_value(json_object_get(s, "n")),
		       str(s, "hours"));
	} else if (strcmp(k, "hours") == 0) {
		/* Going back (a warning) it runs from "to" to "from". */
		bool back = strcmp(str(s, "to"), str(s, "from")) < 0;

		printf(
		    "  office time   %s to ",
		    local_at(cal, str(s, back ? "to" : "from"), a, sizeof(a)));
		printf(
		    "%s: %lld minutes\n",
		    clock_of(cal, str(s, back ? "from" : "to"), b, sizeof(b)),
		    (long long)json_integer_value(
			json_object_get(s, "minutes")));
	} else if (strcmp(k, "clock_change") == 0) {
		long long shift =
		    json_integer_value(json_object_get(s, "shift_minutes"));

		printf("  clock change  %s: %s to %s, clocks go %s %lld "
		       "minutes\n",
		       local_at(cal, str(s, "at"), a, sizeof(a)),
		       str(s, "from"), str(s, "to"),
		       shift > 0 ? "forward" : "back",
		       shift > 0 ? shift : -shift);
	} else if (strcmp(k, "due") == 0) {
		printf("  due           %s%s\n",
		       local_at(cal, str(s, "at"), a, sizeof(a)),
		       json_is_true(json_object_get(s, "clamped"))
			   ? " (the time of day moved into that day's office "
			     "hours)"
			   : "");
	}
}

static void
print_timer(const struct calendar *cal, const json_t *t)
{
	const json_t *s;
	char a[LOCAL_TIME_LEN];
	size_t i;

	printf("\n%s\n", str(t, "rule"));
	json_array_foreach(json_object_get(t, "steps"), i, s)
	    print_step(cal, s);
	if (json_array_size(json_object_get(t, "steps")) == 0 &&
	    json_is_string(json_object_get(t, "stored_due")))
		printf("  due           %s\n",
		       local_at(cal, str(t, "stored_due"), a, sizeof(a)));
	if (json_is_string(json_object_get(t, "fired")))
		printf("  fired         %s\n",
		       local_at(cal, str(t, "fired"), a, sizeof(a)));
	if (json_is_string(json_object_get(t, "stopped")))
		printf("  stopped       %s\n",
		       local_at(cal, str(t, "stopped"), a, sizeof(a)));
	if (json_is_string(json_object_get(t, "note")))
		printf("  note: %s\n", str(t, "note"));
	if (json_is_false(json_object_get(t, "agrees")) &&
	    json_array_size(json_object_get(t, "steps")) > 0 &&
	    json_is_string(json_object_get(t, "stored_due")))
		printf("  stored due    %s\n",
		       local_at(cal, str(t, "stored_due"), a, sizeof(a)));
}

/* An explanation (mashd's or deadlines --explain's) for a person. */
static void
print_explained(struct ctx *x, const json_t *a)
{
	struct mash_config *c = offline_config(x);
	const json_t *t;
	char when[LOCAL_TIME_LEN];
	size_t i;

	if (json_is_string(json_object_get(a, "id")))
		printf("%s, ", str(a, "id"));
	printf("received %s (%s, %s)\n",
	       local_at(c->calendar, str(a, "received"), when, sizeof(when)),
	       str(a, "channel"), str(a, "brag"));
	if (json_is_string(json_object_get(a, "reopened")))
		printf("reopened %s: its timers stay as they were stopped\n",
		       local_at(c->calendar, str(a, "reopened"), when,
				sizeof(when)));
	json_array_foreach(json_object_get(a, "timers"), i, t)
	    print_timer(c->calendar, t);
	config_free(c);
}

int
cmd_explain(struct ctx *x, int argc, char **argv)
{
	char *pos[2] = {NULL, NULL};
	const char *names[TIMER_COUNT];
	enum timer_kind k;
	json_t *req, *a;
	int n = parse_opts(x, argc, argv, NULL, NULL, pos, 2);

	if (n < 1) {
		fprintf(stderr, "usage: mashctl explain ID [TIMER] [--json]\n");
		return EXIT_USAGE;
	}
	if (n == 2 && timer_parse(pos[1], &k) != 0) {
		for (int i = 0; i < TIMER_COUNT; i++)
			names[i] = timer_name((enum timer_kind)i);
		did_you_mean("timer", pos[1], names, TIMER_COUNT);
		return EXIT_USAGE;
	}
	req = json_pack("{ss ss}", "cmd", "explain", "id",
			ref_resolve(x, pos[0]));
	if (n == 2)
		json_object_set_new(req, "timer", json_string(pos[1]));
	a = request(x, req);
	json_object_del(a, "ok");
	if (x->json)
		print_json(a);
	else
		print_explained(x, a);
	json_decref(a);
	return 0;
}

/* deadlines --explain: the steps of every timer deadline_compute gave. */
int
explain_offline(struct ctx *x, const struct mash_config *c, int64_t received,
		const char *channel, int b, const struct deadlines *dl)
{
	json_t *out, *list = json_array();
	char buf[MASH_TIME_BUFSZ];

	for (int k = 0; k < TIMER_COUNT; k++) {
		struct explain_in in = {(enum timer_kind)k,
					(enum brag)b,
					received,
					"receipt",
					0,
					NULL};
		int64_t due;
		json_t *o;

		if (dl->due[k] == 0 || k == TIMER_OVERDUE_REMINDER)
			continue;
		if (k == TIMER_DECISION_WARNING)
			in.base = dl->due[TIMER_DECISION];
		if (k == TIMER_SCREENING_ESCALATE)
			in.base = dl->due[TIMER_SCREENING];
		o = explain_timer(c->calendar, &c->timers, &in, &due);
		json_object_set_new(o, "agrees",
				    json_boolean(due == dl->due[k]));
		json_array_append_new(list, o);
	}
	out = json_pack("{ss ss ss so}", "received",
			mash_time_format(received, buf), "channel", channel,
			"brag", brag_name((enum brag)b), "timers", list);
	if (x->json)
		print_json(out);
	else
		print_explained(x, out);
	json_decref(out);
	return 0;
}
