/*
 * mashctl_cal.c: the commands mashctl works out itself from the hub's
 * configuration, without mashd: deadlines and calendar.
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

int
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
	bool explain = take_flag(&argc, argv, "--explain");

	parse_opts(x, argc, argv, names, values, NULL, 0);
	if (values[0] == NULL || values[2] == NULL) {
		fprintf(stderr,
			"usage: mashctl deadlines --received ISO8601 "
			"[--channel C] --brag R [--explain] [--json]\n"
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
	if (explain) {
		explain_offline(x, c, received, values[1], b, &dl);
		config_free(c);
		return 0;
	}
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
		char when[LOCAL_TIME_LEN];

		printf("received   %s (%s, %s)\n",
		       calendar_format_local(c->calendar, received, when,
					     sizeof(when)),
		       values[1], brag_name(b));
		for (int t = 0; t < TIMER_COUNT; t++)
			if (t != TIMER_OVERDUE_REMINDER)
				printf("%-17s %s\n", timer_name(t),
				       dl.due[t] ? calendar_format_local(
						       c->calendar, dl.due[t],
						       when, sizeof(when))
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

int
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
