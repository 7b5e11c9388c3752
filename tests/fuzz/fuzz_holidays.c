/*
 * fuzz_holidays: gov.uk's bank-holidays.json from bytes, loaded as mashd
 * loads it (calendar_new with calendar.holidays_file naming it) for each
 * of the three divisions, then used: the holidays of the years it names,
 * and the working-time walks and statutory timers from its dates.
 *
 * Invariants: a refused file has a reason; in an accepted one, every
 * event of the division is a holiday and is listed among its year's
 * holidays, in date order; the next opening is open; every due time
 * comes after its start, and the decision warning before the decision.
 */
#include <string.h>

#include <jansson.h>

#include "mash/calendar.h"
#include "mash/deadline.h"

#include "fuzz.h"

/* Enough events of a file to use, to bound the work per input. */
#define USE_EVENTS 6
#define HOUR_MS 3600000LL
#define DAY_MS 86400000LL

static const char *const divisions[] = {"england-and-wales", "scotland",
					"northern-ireland"};
static struct fuzz_memfile file;
static struct deadline_rules rules;

static void
check_walks(const struct calendar *cal, int64_t t)
{
	int64_t open = calendar_next_open(cal, t);
	struct deadlines dl;

	if (open != CALENDAR_NEVER &&
	    (open < t || !calendar_is_open(cal, open)))
		fuzz_fail("next opening wrong");
	for (int b = 0; b < BRAG_COUNT; b++) {
		deadline_compute(cal, &rules, t, "phone", (enum brag)b, &dl);
		for (int k = 0; k < TIMER_COUNT; k++)
			if (k != TIMER_DECISION_WARNING && dl.due[k] != 0 &&
			    dl.due[k] <= t)
				fuzz_fail("%s due before it starts",
					  timer_name(k));
		if (dl.due[TIMER_DECISION_WARNING] != 0 &&
		    dl.due[TIMER_DECISION_WARNING] >= dl.due[TIMER_DECISION])
			fuzz_fail("decision warning not before the decision");
	}
	if (calendar_sub_working_days(cal, t, 1) > t ||
	    calendar_sub_working_minutes(cal, t, 90) > t)
		fuzz_fail("a walk back went forwards");
}

static void
check_event(const struct calendar *cal, const char *date)
{
	static struct calendar_holiday list[400];
	int y, m, d;
	int64_t day;
	size_t n, i;
	char buf[64];

	if (mash_date_parse(date, &y, &m, &d) != 0)
		fuzz_fail("an accepted file with a bad date");
	day = mash_days_from_civil(y, m, d);
	if (!calendar_is_holiday(cal, day, NULL))
		fuzz_fail("%s is in the file but not a holiday", date);
	n = calendar_holidays(cal, y, list, sizeof(list) / sizeof(list[0]));
	for (i = 0; i < n; i++) {
		if (i > 0 && list[i].day <= list[i - 1].day)
			fuzz_fail("holidays of %d out of order", y);
		if (list[i].title[0] == '\0')
			fuzz_fail("a holiday without a title");
	}
	for (i = 0; i < n && list[i].day != day; i++)
		;
	if (i == n)
		fuzz_fail("%s is not among the holidays of %d", date, y);
	check_walks(cal, day * DAY_MS + 10 * HOUR_MS);
	calendar_format_local(cal, day * DAY_MS, buf, sizeof(buf));
}

static void
one_division(const uint8_t *data, size_t size, const char *div)
{
	struct calendar_options o;
	struct calendar *cal;
	json_t *root, *events, *ev;
	char err[512];
	size_t i;

	calendar_options_default(&o);
	o.holidays_file = file.path;
	o.division = div;
	if ((cal = calendar_new(&o, err, sizeof(err))) == NULL) {
		if (strncmp(err, file.path, strlen(file.path)) != 0)
			fuzz_fail("a refusal not naming the file: %s", err);
		return;
	}
	/* The harness reads the dates it uses itself, from the same bytes. */
	root = json_loadb((const char *)data, size, 0, NULL);
	events = json_object_get(json_object_get(root, div), "events");
	json_array_foreach(events, i, ev)
	{
		if (i == USE_EVENTS)
			break;
		check_event(cal,
			    json_string_value(json_object_get(ev, "date")));
	}
	json_decref(root);
	check_walks(cal, fuzz_instant("2026-11-24T10:00:00Z"));
	calendar_free(cal);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	deadline_rules_default(&rules);
	fuzz_memfile_put(&file, data, size);
	for (size_t i = 0; i < sizeof(divisions) / sizeof(divisions[0]); i++)
		one_division(data, size, divisions[i]);
	return 0;
}
